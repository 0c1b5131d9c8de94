/* The 9P server against a real scratch directory: session set-up, walks, every file operation,
 * readdir resumption, a sparse file past 4 GiB, non-ASCII names and the limits (fids, msize,
 * unknown fids and types). Results are checked against the directory itself. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "cleanup.h"
#include "p9-test-client.h"

#define ROOT 0u
#define FID(n) (100u + (n))

static char dir[] = "/tmp/lxs-p9-test.XXXXXX";
static int dirfd_;

static struct lxs_p9_server *new_server(uint32_t max_fids)
{
        struct lxs_p9_server_options o = { .flags = LXS_P9_SERVER_CONTAIN, .max_fids = max_fids };
        struct lxs_p9_server *s = lxs_p9_server_new(dirfd_, &o);
        CHECK(s != NULL);
        return s;
}

static void test_version(void)
{
        struct lxs_p9_server *s = new_server(0);
        struct tclient c;
        tclient_init(&c, s, -1, -1);
        CHECK_EQ_INT(t_attach(&c, ROOT), -EPROTO);   /* nothing before version */
        CHECK_EQ_INT(t_version(&c, 100, "9P2000.L"), -EINVAL);
        CHECK_EQ_INT(t_version(&c, 8192, "9P2000.u"), 0);
        CHECK(c.reply.u.version.version.len == 7 && memcmp(c.reply.u.version.version.ptr, "unknown", 7) == 0);
        CHECK_EQ_INT(t_attach(&c, ROOT), -EPROTO);
        CHECK_EQ_INT(t_version(&c, 1u << 30, "9P2000.L"), 0);
        CHECK_EQ_INT(c.reply.u.version.msize, LXS_P9_MSIZE_MAX);
        CHECK_EQ_INT(t_version(&c, 8192, "9P2000.L"), 0);
        CHECK_EQ_INT(c.reply.u.version.msize, 8192);
        CHECK_EQ_INT(lxs_p9_server_msize(s), 8192);
        CHECK_EQ_INT(t_attach(&c, ROOT), 0);
        CHECK_EQ_INT(c.reply.u.rqid.qid.type, LXS_P9_QTDIR);
        /* Above the negotiated msize: the session cannot go on. */
        struct lxs_p9_msg m = { .type = LXS_P9_TWRITE };
        static uint8_t big[9000];
        m.u.twrite = (struct lxs_p9_twrite){ ROOT, 0, { big, sizeof(big) } };
        CHECK_EQ_INT(rpc(&c, &m), -EMSGSIZE);
        /* A reply buffer smaller than msize is refused outright. */
        uint8_t small[64];
        ssize_t n = lxs_p9_encode(&(struct lxs_p9_msg){ .type = LXS_P9_TCLUNK }, c.req, 64);
        CHECK_EQ_INT(lxs_p9_server_handle(s, c.req, (size_t)n, small, sizeof(small)), -ENOBUFS);
        /* A new version forgets the old fids. */
        CHECK_EQ_INT(t_version(&c, 8192, "9P2000.L"), 0);
        CHECK_EQ_INT(t_getattr(&c, ROOT), -EBADF);
        tclient_free(&c);
        lxs_p9_server_free(s);
}

static struct tclient session(struct lxs_p9_server *s)
{
        struct tclient c;
        tclient_init(&c, s, -1, -1);
        CHECK_EQ_INT(t_version(&c, LXS_P9_MSIZE_MAX, "9P2000.L"), 0);
        CHECK_EQ_INT(t_attach(&c, ROOT), 0);
        return c;
}

static void test_walk_and_fids(void)
{
        struct lxs_p9_server *s = new_server(8);
        struct tclient c = session(s);
        CHECK_EQ_INT(t_getattr(&c, ROOT), 0);
        uint64_t root_path = c.reply.u.rgetattr.qid.path;
        CHECK(S_ISDIR(c.reply.u.rgetattr.mode));

        /* ".." at the root is the root. */
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(1), "../.."), 0);
        CHECK_EQ_INT(c.reply.u.rwalk.wqids.qid[1].path, root_path);
        CHECK_EQ_INT(t_getattr(&c, FID(1)), 0);
        CHECK_EQ_INT(c.reply.u.rgetattr.qid.path, root_path);

        /* Unknown fids, reused fids. */
        CHECK_EQ_INT(t_getattr(&c, 4242), -EBADF);
        CHECK_EQ_INT(t_walk(&c, 4242, FID(2), ""), -EBADF);
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(1), ""), -EEXIST);
        CHECK_EQ_INT(t_attach(&c, FID(1)), -EEXIST);
        CHECK_EQ_INT(t_fidop(&c, LXS_P9_TCLUNK, FID(1)), 0);
        CHECK_EQ_INT(t_fidop(&c, LXS_P9_TCLUNK, FID(1)), -EBADF);
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(1), ""), 0);
        CHECK_EQ_INT(t_walk(&c, ROOT, LXS_P9_NOFID, ""), -EBADF);

        /* Partial walks: the qids so far, no new fid; a first-name failure is an error. */
        CHECK_EQ_INT(mkdirat(dirfd_, "w", 0755), 0);
        struct lxs_p9_msg m = { .type = LXS_P9_TWALK };
        m.u.twalk = (struct lxs_p9_twalk){ ROOT, FID(2), { 2, { tstr("w"), tstr("missing") } } };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        CHECK_EQ_INT(c.reply.u.rwalk.wqids.n, 1);
        CHECK_EQ_INT(t_getattr(&c, FID(2)), -EBADF);
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(2), "missing"), -ENOENT);
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(2), "a/b"), -ENOENT);
        m.u.twalk = (struct lxs_p9_twalk){ ROOT, FID(2), { 1, { tstr("w/..") } } };
        CHECK_EQ_INT(rpc(&c, &m), -EINVAL);
        /* A symlink is never followed by a walk. */
        CHECK_EQ_INT(symlinkat("w", dirfd_, "wl"), 0);
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(2), "wl"), 0);
        CHECK_EQ_INT(c.reply.u.rwalk.wqids.qid[0].type, LXS_P9_QTSYMLINK);
        CHECK_EQ_INT(t_walk(&c, FID(2), FID(3), "x"), -ENOTDIR);
        CHECK_EQ_INT(t_lopen(&c, FID(2), LXS_P9_O_RDONLY), -ELOOP);
        /* Walking a fid onto itself. */
        CHECK_EQ_INT(t_walk(&c, FID(1), FID(1), "w/.."), 0);
        CHECK_EQ_INT(t_getattr(&c, FID(1)), 0);
        CHECK_EQ_INT(c.reply.u.rgetattr.qid.path, root_path);

        /* Too many fids: 8 allowed, 3 in use. */
        for (unsigned i = 0; i < 5; i++)
                CHECK_EQ_INT(t_walk(&c, ROOT, FID(10 + i), ""), 0);
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(20), ""), -EMFILE);
        CHECK_EQ_INT(t_fidop(&c, LXS_P9_TCLUNK, FID(10)), 0);
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(20), ""), 0);

        /* Unsupported and malformed requests are answered, and the session goes on. */
        uint8_t raw[] = { 11, 0, 0, 0, LXS_P9_TXATTRWALK, 1, 0, 1, 2, 3, 4 };
        CHECK_EQ_INT(rpc_raw(&c, raw, sizeof(raw), LXS_P9_TXATTRWALK + 1), -EOPNOTSUPP);
        raw[4] = LXS_P9_TCLUNK;
        CHECK_EQ_INT(rpc_raw(&c, raw, sizeof(raw) - 1, LXS_P9_RCLUNK), -EBADMSG); /* size lies */
        raw[0] = 12;
        uint8_t raw2[12] = { 12, 0, 0, 0, LXS_P9_TCLUNK, 1, 0, 1, 2, 3, 4, 5 };
        CHECK_EQ_INT(rpc_raw(&c, raw2, sizeof(raw2), LXS_P9_RCLUNK), -EBADMSG);  /* trailing byte */
        CHECK_EQ_INT(t_getattr(&c, ROOT), 0);
        tclient_free(&c);
        lxs_p9_server_free(s);
}

static int host_stat(const char *path, struct stat *st)
{
        return fstatat(dirfd_, path, st, AT_SYMLINK_NOFOLLOW);
}

static void test_files(void)
{
        struct lxs_p9_server *s = new_server(0);
        struct tclient c = session(s);
        struct stat st;

        /* lcreate + write + read back through another fid. */
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(1), ""), 0);
        CHECK_EQ_INT(t_lcreate(&c, FID(1), "file", LXS_P9_O_RDWR, 0640), 0);
        CHECK_EQ_INT(c.reply.u.ropen.qid.type, LXS_P9_QTFILE);
        CHECK_EQ_INT(t_write(&c, FID(1), 0, "hello world", 11), 11);
        CHECK_EQ_INT(host_stat("file", &st), 0);
        CHECK_EQ_INT(st.st_size, 11);
        CHECK_EQ_INT(st.st_mode & 07777, 0640 & ~0u);
        CHECK_EQ_INT(t_lcreate(&c, ROOT, "file", LXS_P9_O_RDWR | LXS_P9_O_EXCL, 0640), -EEXIST);
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(2), "file"), 0);
        CHECK_EQ_INT(t_read(&c, FID(2), 0, 5), -EBADF);  /* not opened */
        CHECK_EQ_INT(t_lopen(&c, FID(2), LXS_P9_O_NOACCESS), -EINVAL);
        CHECK_EQ_INT(t_lopen(&c, FID(2), 0x80000000u), -EINVAL);
        CHECK_EQ_INT(t_lopen(&c, FID(2), LXS_P9_O_RDONLY | LXS_P9_O_LARGEFILE | LXS_P9_O_NOFOLLOW), 0);
        CHECK_EQ_INT(t_lopen(&c, FID(2), LXS_P9_O_RDONLY), -EBUSY);
        CHECK_EQ_INT(t_read(&c, FID(2), 6, 100), 5);
        CHECK(memcmp(c.reply.u.rdata.data.ptr, "world", 5) == 0);
        CHECK_EQ_INT(t_read(&c, FID(2), 11, 100), 0);
        CHECK_EQ_INT(t_write(&c, FID(2), 0, "x", 1), -EBADF);  /* read-only */
        CHECK_EQ_INT(t_fidop(&c, LXS_P9_TCLUNK, FID(2)), 0);
        struct lxs_p9_msg m = { .type = LXS_P9_TFSYNC };
        m.u.tfsync = (struct lxs_p9_tfsync){ FID(1), 0 };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        m.u.tfsync.datasync = 1;
        CHECK_EQ_INT(rpc(&c, &m), 0);
        CHECK_EQ_INT(t_fidop(&c, LXS_P9_TCLUNK, FID(1)), 0);

        /* getattr reports what stat says. */
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(3), "file"), 0);
        CHECK_EQ_INT(t_getattr(&c, FID(3)), 0);
        CHECK_EQ_INT(host_stat("file", &st), 0);
        const struct lxs_p9_rgetattr *a = &c.reply.u.rgetattr;
        CHECK_EQ_INT(a->valid & LXS_P9_GETATTR_BASIC, LXS_P9_GETATTR_BASIC);
        CHECK_EQ_INT(a->mode, st.st_mode);
        CHECK_EQ_INT(a->uid, st.st_uid);
        CHECK_EQ_INT(a->gid, st.st_gid);
        CHECK_EQ_INT(a->nlink, 1);
        CHECK_EQ_INT(a->size, 11);
        CHECK_EQ_INT(a->blocks, st.st_blocks);
        CHECK_EQ_INT(a->qid.path, st.st_ino);
        CHECK_EQ_INT(a->mtime_sec, st.st_mtim.tv_sec);
        CHECK_EQ_INT(a->mtime_nsec, st.st_mtim.tv_nsec);

        /* setattr: chmod, truncate, explicit times, then "now". */
        m = (struct lxs_p9_msg){ .type = LXS_P9_TSETATTR };
        m.u.tsetattr = (struct lxs_p9_tsetattr){ .fid = FID(3), .valid = LXS_P9_SETATTR_MODE, .mode = 0600 };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        m.u.tsetattr = (struct lxs_p9_tsetattr){ .fid = FID(3), .valid = LXS_P9_SETATTR_SIZE, .size = 2 };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        m.u.tsetattr = (struct lxs_p9_tsetattr){
                .fid = FID(3),
                .valid = LXS_P9_SETATTR_ATIME | LXS_P9_SETATTR_ATIME_SET | LXS_P9_SETATTR_MTIME |
                         LXS_P9_SETATTR_MTIME_SET,
                .atime_sec = 1000000000, .atime_nsec = 5, .mtime_sec = 1234567890, .mtime_nsec = 500000000,
        };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        CHECK_EQ_INT(host_stat("file", &st), 0);
        CHECK_EQ_INT(st.st_mode & 07777, 0600);
        CHECK_EQ_INT(st.st_size, 2);
        CHECK_EQ_INT(st.st_atim.tv_sec, 1000000000);
        CHECK_EQ_INT(st.st_atim.tv_nsec, 5);
        CHECK_EQ_INT(st.st_mtim.tv_sec, 1234567890);
        CHECK_EQ_INT(st.st_mtim.tv_nsec, 500000000);
        m.u.tsetattr = (struct lxs_p9_tsetattr){ .fid = FID(3), .valid = LXS_P9_SETATTR_MTIME };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        CHECK_EQ_INT(host_stat("file", &st), 0);
        CHECK(st.st_mtim.tv_sec > 1234567890);
        CHECK_EQ_INT(st.st_atim.tv_sec, 1000000000);
        m.u.tsetattr = (struct lxs_p9_tsetattr){ .fid = FID(3), .valid = LXS_P9_SETATTR_UID | LXS_P9_SETATTR_GID,
                                                 .uid = st.st_uid, .gid = st.st_gid };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        m.u.tsetattr = (struct lxs_p9_tsetattr){ .fid = FID(3), .valid = 0x10000 };
        CHECK_EQ_INT(rpc(&c, &m), -EINVAL);

        /* mkdir, symlink, readlink, link, renameat, rename, unlinkat, remove, mknod. */
        m = (struct lxs_p9_msg){ .type = LXS_P9_TMKDIR };
        m.u.tmkdir = (struct lxs_p9_tmkdir){ ROOT, tstr("sub"), 0750, LXS_P9_NOFID };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        CHECK_EQ_INT(c.reply.u.rqid.qid.type, LXS_P9_QTDIR);
        CHECK_EQ_INT(host_stat("sub", &st), 0);
        CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750);
        m.u.tmkdir.name = tstr("..");
        CHECK_EQ_INT(rpc(&c, &m), -EINVAL);
        m.u.tmkdir.name = tstr("a/b");
        CHECK_EQ_INT(rpc(&c, &m), -EINVAL);
        m.u.tmkdir = (struct lxs_p9_tmkdir){ FID(3), tstr("x"), 0750, LXS_P9_NOFID };
        CHECK_EQ_INT(rpc(&c, &m), -ENOTDIR);

        m = (struct lxs_p9_msg){ .type = LXS_P9_TSYMLINK };
        m.u.tsymlink = (struct lxs_p9_tsymlink){ ROOT, tstr("ln"), tstr("sub/target"), LXS_P9_NOFID };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        CHECK_EQ_INT(c.reply.u.rqid.qid.type, LXS_P9_QTSYMLINK);
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(4), "ln"), 0);
        CHECK_EQ_INT(t_fidop(&c, LXS_P9_TREADLINK, FID(4)), 0);
        CHECK(c.reply.u.rreadlink.target.len == 10 && memcmp(c.reply.u.rreadlink.target.ptr, "sub/target", 10) == 0);
        CHECK_EQ_INT(t_fidop(&c, LXS_P9_TREADLINK, FID(3)), -EINVAL);

        m = (struct lxs_p9_msg){ .type = LXS_P9_TLINK };
        m.u.tlink = (struct lxs_p9_tlink){ FID(0), FID(3), tstr("hard") };
        m.u.tlink.dfid = ROOT;
        CHECK_EQ_INT(rpc(&c, &m), 0);
        CHECK_EQ_INT(host_stat("file", &st), 0);
        CHECK_EQ_INT(st.st_nlink, 2);

        CHECK_EQ_INT(t_walk(&c, ROOT, FID(5), "sub"), 0);
        m = (struct lxs_p9_msg){ .type = LXS_P9_TRENAMEAT };
        m.u.trenameat = (struct lxs_p9_trenameat){ ROOT, tstr("hard"), FID(5), tstr("hard2") };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        CHECK_EQ_INT(host_stat("sub/hard2", &st), 0);
        CHECK_EQ_INT(host_stat("hard", &st), -1);

        m = (struct lxs_p9_msg){ .type = LXS_P9_TRENAME };
        m.u.trename = (struct lxs_p9_trename){ FID(3), FID(5), tstr("renamed") };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        CHECK_EQ_INT(host_stat("sub/renamed", &st), 0);
        CHECK_EQ_INT(host_stat("file", &st), -1);
        CHECK_EQ_INT(t_getattr(&c, FID(3)), 0);  /* the fid follows its file */
        m.u.trename = (struct lxs_p9_trename){ ROOT, FID(5), tstr("root") };
        CHECK_EQ_INT(rpc(&c, &m), -EBUSY);

        m = (struct lxs_p9_msg){ .type = LXS_P9_TMKNOD };
        m.u.tmknod = (struct lxs_p9_tmknod){ FID(5), tstr("fifo"), S_IFIFO | 0600, 0, 0, LXS_P9_NOFID };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        CHECK_EQ_INT(host_stat("sub/fifo", &st), 0);
        CHECK(S_ISFIFO(st.st_mode));

        m = (struct lxs_p9_msg){ .type = LXS_P9_TUNLINKAT };
        m.u.tunlinkat = (struct lxs_p9_tunlinkat){ FID(5), tstr("hard2"), 0 };
        CHECK_EQ_INT(rpc(&c, &m), 0);
        CHECK_EQ_INT(rpc(&c, &m), -ENOENT);
        m.u.tunlinkat = (struct lxs_p9_tunlinkat){ ROOT, tstr("sub"), LXS_P9_AT_REMOVEDIR };
        CHECK_EQ_INT(rpc(&c, &m), -ENOTEMPTY);
        m.u.tunlinkat.flags = 1;
        CHECK_EQ_INT(rpc(&c, &m), -EINVAL);

        CHECK_EQ_INT(t_fidop(&c, LXS_P9_TREMOVE, FID(3)), 0);
        CHECK_EQ_INT(host_stat("sub/renamed", &st), -1);
        CHECK_EQ_INT(t_getattr(&c, FID(3)), -EBADF);  /* clunked */

        CHECK_EQ_INT(t_fidop(&c, LXS_P9_TSTATFS, ROOT), 0);
        CHECK(c.reply.u.rstatfs.bsize > 0 && c.reply.u.rstatfs.namelen > 0);
        m = (struct lxs_p9_msg){ .type = LXS_P9_TFLUSH };
        m.u.tflush.oldtag = 3;
        CHECK_EQ_INT(rpc(&c, &m), 0);
        tclient_free(&c);
        lxs_p9_server_free(s);
}

static void test_big_file_and_names(void)
{
        struct lxs_p9_server *s = new_server(0);
        struct tclient c = session(s);
        const uint64_t off = 5ull << 30;
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(1), ""), 0);
        CHECK_EQ_INT(t_lcreate(&c, FID(1), "big", LXS_P9_O_RDWR, 0600), 0);
        CHECK_EQ_INT(t_write(&c, FID(1), off, "past four GiB", 13), 13);
        CHECK_EQ_INT(t_read(&c, FID(1), off + 5, 100), 8);
        CHECK(memcmp(c.reply.u.rdata.data.ptr, "four GiB", 8) == 0);
        CHECK_EQ_INT(t_read(&c, FID(1), 1ull << 32, 4), 4);
        CHECK(memcmp(c.reply.u.rdata.data.ptr, "\0\0\0\0", 4) == 0);
        CHECK_EQ_INT(t_getattr(&c, FID(1)), 0);
        CHECK_EQ_INT(c.reply.u.rgetattr.size, off + 13);
        CHECK_EQ_INT(t_write(&c, FID(1), 1ull << 63, "x", 1), -EINVAL);

        const char *name = "ünïcødé-文件 ☃";
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(2), ""), 0);
        CHECK_EQ_INT(t_lcreate(&c, FID(2), name, LXS_P9_O_WRONLY, 0644), 0);
        struct stat st;
        CHECK_EQ_INT(fstatat(dirfd_, name, &st, 0), 0);
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(3), name), 0);
        CHECK_EQ_INT(c.reply.u.rwalk.wqids.qid[0].path, st.st_ino);
        tclient_free(&c);
        lxs_p9_server_free(s);
}

static void test_readdir(void)
{
        enum { N = 300 };
        CHECK_EQ_INT(mkdirat(dirfd_, "many", 0755), 0);
        _cleanup_close_ int many = openat(dirfd_, "many", O_PATH | O_DIRECTORY);
        for (int i = 0; i < N; i++) {
                char n[64];
                snprintf(n, sizeof(n), "entry-%03d-%s", i, i % 2 ? "é" : "a-longer-name-to-vary-sizes");
                CHECK_EQ_INT(mknodat(many, n, S_IFREG | 0644, 0), 0);
        }
        struct lxs_p9_server *s = new_server(0);
        struct tclient c = session(s);
        CHECK_EQ_INT(t_walk(&c, ROOT, FID(1), "many"), 0);
        struct lxs_p9_msg m = { .type = LXS_P9_TREADDIR };
        m.u.tio = (struct lxs_p9_tio){ FID(1), 0, 512 };
        CHECK_EQ_INT(rpc(&c, &m), -EBADF);  /* not opened */
        CHECK_EQ_INT(t_lopen(&c, FID(1), LXS_P9_O_RDONLY | LXS_P9_O_DIRECTORY), 0);

        static char seen[N];
        int dots = 0, calls = 0, total = 0;
        uint64_t offset = 0;
        for (;;) {
                m.u.tio = (struct lxs_p9_tio){ FID(1), offset, 512 };
                int r = rpc(&c, &m);
                CHECK_EQ_INT(r, 0);
                if (r < 0 || c.reply.u.rdata.data.len == 0)
                        break;
                CHECK(c.reply.u.rdata.data.len <= 512);
                calls++;
                struct lxs_p9_data d = c.reply.u.rdata.data;
                struct lxs_p9_dirent e;
                while (lxs_p9_dirent_next(&d, &e) == 1) {
                        char name[256];
                        memcpy(name, e.name.ptr, e.name.len);
                        name[e.name.len] = '\0';
                        offset = e.offset;
                        total++;
                        int idx;
                        if (!strcmp(name, ".") || !strcmp(name, ".."))
                                dots++;
                        else if (sscanf(name, "entry-%d-", &idx) == 1 && idx >= 0 && idx < N)
                                seen[idx]++;
                        else
                                CHECK(!"unexpected name");
                }
        }
        CHECK(calls > 10);
        CHECK_EQ_INT(dots, 2);
        CHECK_EQ_INT(total, N + 2);
        for (int i = 0; i < N; i++)
                CHECK_EQ_INT(seen[i], 1);
        /* A count too small for one entry is an error, not an empty (end) reply. */
        m.u.tio = (struct lxs_p9_tio){ FID(1), 0, 10 };
        CHECK_EQ_INT(rpc(&c, &m), -EINVAL);
        tclient_free(&c);
        lxs_p9_server_free(s);
}

static int rm_tree(int at, const char *name)
{
        _cleanup_close_ int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd < 0)
                return unlinkat(at, name, 0);
        DIR *d = fdopendir(fd);
        fd = -1;
        struct dirent *e;
        int dfd = dirfd(d);
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                        rm_tree(dfd, e->d_name);
        closedir(d);
        return unlinkat(at, name, AT_REMOVEDIR);
}

int main(void)
{
        CHECK(mkdtemp(dir) != NULL);
        dirfd_ = open(dir, O_PATH | O_DIRECTORY);
        test_version();
        test_walk_and_fids();
        test_files();
        test_big_file_and_names();
        test_readdir();
        close(dirfd_);
        rm_tree(AT_FDCWD, dir);
        return check_result("test-p9-server");
}
