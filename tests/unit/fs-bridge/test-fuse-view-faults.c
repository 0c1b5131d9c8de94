/* The host view when the server fails: the real lxs-9p-server killed in the middle of a large
 * read, and a fake server (a thread on a socketpair) that answers the session setup properly
 * and then breaks the protocol in one chosen way. Every case must end in an error for the
 * caller (never a hang: an alarm guards the whole test), a dead connection where the fault is
 * fatal, and no mount left behind after lxs_fuse_view_stop, even while the mount is busy. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../check.h"
#include "fd-util.h"
#include "fuse-test-util.h"
#include "fuse-view.h"
#include "p9-codec.h"
#include "p9-server.h"

#define TEST "test-fuse-view-faults"

static char backing[] = "/tmp/lxs-fvf-back.XXXXXX";
static char mnt[] = "/tmp/lxs-fvf-mnt.XXXXXX";

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check_stop_unmounts(struct lxs_fuse_view *view)
{
        /* A directory held open keeps the mount busy: stop must detach it anyway. */
        int busy = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK_EQ_INT(lxs_fuse_view_stop(view), 0);
        CHECK_EQ_INT(fuse_test_mounted(mnt), 0);
        if (busy >= 0)
                close(busy);
}

/* ---- the real server, killed during a read ---- */

struct reader {
        atomic_llong bytes;
        int result, err;
};

static void *reader_thread(void *arg)
{
        struct reader *r = arg;
        char path[512];
        snprintf(path, sizeof(path), "%s/big", mnt);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        r->result = -1;
        r->err = errno;
        if (fd < 0)
                return NULL;
        size_t cap = 1 << 20;
        char *buf = malloc(cap);
        ssize_t n;
        while ((n = read(fd, buf, cap)) > 0)
                atomic_fetch_add(&r->bytes, n);
        r->result = (int)n;
        r->err = errno;
        free(buf);
        close(fd);
        return NULL;
}

static void test_server_killed(void)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/big", backing);
        int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        CHECK(fd >= 0 && ftruncate(fd, 8ll << 30) == 0);  /* sparse: reading it costs no disk */
        close(fd);

        pid_t pid = -1;
        fd = fuse_test_start_server(LXS_9P_SERVER_PATH, backing, &pid);
        struct lxs_fuse_view *view = NULL;
        CHECK_EQ_INT(lxs_fuse_view_start(mnt, fd, NULL, &view), 0);
        if (!view)
                return;
        struct reader rd = { .result = 0 };
        pthread_t t;
        CHECK_EQ_INT(pthread_create(&t, NULL, reader_thread, &rd), 0);
        while (atomic_load(&rd.bytes) < (64ll << 20) && rd.result == 0)
                usleep(1000);
        CHECK_EQ_INT(kill(pid, SIGKILL), 0);
        double t0 = now_s();
        pthread_join(t, NULL);
        CHECK(atomic_load(&rd.bytes) < (8ll << 30));
        CHECK_EQ_INT(rd.result, -1);
        CHECK(rd.err == EIO || rd.err == ENOTCONN);
        CHECK(now_s() - t0 < 5.0);
        CHECK(lxs_fuse_view_dead(view));
        /* Dead: every later operation fails at once. */
        struct stat st;
        t0 = now_s();
        CHECK_EQ_INT(stat(path, &st), 0);  /* the backing file, for contrast */
        snprintf(path, sizeof(path), "%s/other", mnt);
        CHECK_EQ_INT(stat(path, &st), -1);
        CHECK_EQ_INT(errno, EIO);
        CHECK(now_s() - t0 < 1.0);
        check_stop_unmounts(view);
        waitpid(pid, NULL, 0);
}

/* ---- a fake server that breaks the protocol ---- */

enum fault {
        WRONG_TAG,
        OVERSIZED,
        TRUNCATED,
        WRONG_TYPE,
        EXTRA_QIDS,
        SILENT,
        HANG_UP,
        BAD_DIRENT,
        BAD_ERRNO,
};

struct fake {
        int fd;
        enum fault fault;
        uint8_t fault_on;  /* request type that gets the broken answer */
};

static int send_msg(int fd, struct lxs_p9_msg *m)
{
        static uint8_t buf[8192];
        ssize_t n = lxs_p9_encode(m, buf, sizeof(buf));
        return n < 0 ? (int)n : lxs_write_all(fd, buf, (size_t)n);
}

static void good_reply(int fd, const struct lxs_p9_msg *req)
{
        struct lxs_p9_msg m = { .type = (uint8_t)(req->type + 1), .tag = req->tag };
        struct lxs_p9_qid dir = { LXS_P9_QTDIR, 0, 42 };
        switch (req->type) {
        case LXS_P9_TVERSION:
                m.u.version = (struct lxs_p9_version){ req->u.version.msize, { "9P2000.L", 8 } };
                break;
        case LXS_P9_TATTACH:
                m.u.rqid.qid = dir;
                break;
        case LXS_P9_TWALK:
                m.u.rwalk.wqids.n = req->u.twalk.wnames.n;
                for (unsigned i = 0; i < m.u.rwalk.wqids.n; i++)
                        m.u.rwalk.wqids.qid[i] = (struct lxs_p9_qid){ LXS_P9_QTDIR, 0, 100 + i };
                break;
        case LXS_P9_TGETATTR:
                m.u.rgetattr = (struct lxs_p9_rgetattr){ .valid = LXS_P9_GETATTR_BASIC, .qid = dir,
                                                         .mode = S_IFDIR | 0755, .nlink = 2, .blksize = 4096 };
                break;
        case LXS_P9_TLOPEN:
                m.u.ropen.qid = dir;
                break;
        case LXS_P9_TCLUNK:
                break;
        default:
                m.type = LXS_P9_RLERROR;
                m.u.rlerror.ecode = EOPNOTSUPP;
        }
        (void)send_msg(fd, &m);
}

static void bad_reply(struct fake *f, const struct lxs_p9_msg *req)
{
        uint8_t raw[64];
        struct lxs_p9_msg m = { .type = (uint8_t)(req->type + 1), .tag = req->tag };
        switch (f->fault) {
        case WRONG_TAG:
                m.tag = (uint16_t)(req->tag + 1);
                m.u.rwalk.wqids.n = 1;
                (void)send_msg(f->fd, &m);
                break;
        case OVERSIZED:
                memcpy(raw, "\xff\xff\xff\x7f", 4);
                raw[4] = m.type;
                raw[5] = (uint8_t)req->tag;
                raw[6] = (uint8_t)(req->tag >> 8);
                (void)lxs_write_all(f->fd, raw, 7);
                break;
        case TRUNCATED:
                memset(raw, 0, sizeof(raw));
                raw[0] = 100;
                raw[4] = m.type;
                raw[5] = (uint8_t)req->tag;
                (void)lxs_write_all(f->fd, raw, 20);
                break;
        case WRONG_TYPE:
                m.type = LXS_P9_RCLUNK;
                (void)send_msg(f->fd, &m);
                break;
        case EXTRA_QIDS:
                m.u.rwalk.wqids.n = 3;
                (void)send_msg(f->fd, &m);
                break;
        case SILENT:
                break;
        case HANG_UP:
                shutdown(f->fd, SHUT_RDWR);
                break;
        case BAD_DIRENT: {
                /* an entry whose name runs past the data */
                uint8_t ent[30] = { 0 };
                ent[22] = 200;
                uint32_t size = LXS_P9_IOHDR_SIZE + sizeof(ent);
                uint8_t hdr[11] = { (uint8_t)size, 0, 0, 0, LXS_P9_RREADDIR, (uint8_t)req->tag,
                                    (uint8_t)(req->tag >> 8), sizeof(ent), 0, 0, 0 };
                (void)lxs_write_all(f->fd, hdr, sizeof(hdr));
                (void)lxs_write_all(f->fd, ent, sizeof(ent));
                break;
        }
        case BAD_ERRNO:
                m.type = LXS_P9_RLERROR;
                m.u.rlerror.ecode = 0;  /* "error: success" must not pass for one */
                (void)send_msg(f->fd, &m);
                break;
        }
}

static void *fake_server(void *arg)
{
        struct fake *f = arg;
        static uint8_t buf[LXS_P9_MSIZE_MAX];
        bool faulted = false;
        for (;;) {
                if (lxs_read_all(f->fd, buf, 4) < 0)
                        break;
                ssize_t n = lxs_p9_frame_len(buf, 4, LXS_P9_MSIZE_MAX);
                if (n < 0 || lxs_read_all(f->fd, buf + 4, (size_t)n - 4) < 0)
                        break;
                struct lxs_p9_msg req;
                if (lxs_p9_decode(buf, (size_t)n, LXS_P9_MSIZE_MAX, &req) != n)
                        break;
                if (!faulted && req.type == f->fault_on) {
                        faulted = true;
                        bad_reply(f, &req);
                } else {
                        good_reply(f->fd, &req);
                }
        }
        close(f->fd);
        return NULL;
}

struct fault_case {
        const char *name;
        enum fault fault;
        uint8_t fault_on;
        int errno1, errno2;  /* what the caller may see */
        bool fatal;
};

static void run_fault(const struct fault_case *fc)
{
        int sv[2];
        CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        struct fake f = { .fd = sv[1], .fault = fc->fault, .fault_on = fc->fault_on };
        pthread_t t;
        CHECK_EQ_INT(pthread_create(&t, NULL, fake_server, &f), 0);
        struct lxs_fuse_view_options opts = { .p9_timeout_ms = 500 };
        struct lxs_fuse_view *view = NULL;
        int r = lxs_fuse_view_start(mnt, sv[0], &opts, &view);
        CHECK_EQ_INT(r, 0);
        if (r == 0) {
                double t0 = now_s();
                int res, err;
                if (fc->fault_on == LXS_P9_TREADDIR) {
                        /* The view reads the first entries with the open: the fault may
                         * surface there or at the readdir. */
                        errno = 0;
                        DIR *d = opendir(mnt);
                        struct dirent *de = d ? readdir(d) : NULL;
                        res = de ? 0 : -1;
                        err = errno;
                        if (d)
                                closedir(d);
                } else {
                        char path[512];
                        struct stat st;
                        snprintf(path, sizeof(path), "%s/x", mnt);
                        res = stat(path, &st);
                        err = errno;
                }
                if (res != -1 || (err != fc->errno1 && err != fc->errno2))
                        fprintf(stderr, "%s: result %d, errno %d (%s)\n", fc->name, res, err, strerror(err));
                CHECK_EQ_INT(res, -1);
                CHECK(err == fc->errno1 || err == fc->errno2);
                CHECK(now_s() - t0 < 5.0);
                CHECK_EQ_INT(lxs_fuse_view_dead(view), fc->fatal);
                if (fc->fatal) {
                        /* and from now on EIO, at once */
                        char path[512];
                        struct stat st;
                        snprintf(path, sizeof(path), "%s/y", mnt);
                        t0 = now_s();
                        CHECK_EQ_INT(stat(path, &st), -1);
                        CHECK_EQ_INT(errno, EIO);
                        CHECK(now_s() - t0 < 0.5);
                }
                check_stop_unmounts(view);
        }
        pthread_join(t, NULL);
}

int main(void)
{
        fuse_test_require(TEST);
        signal(SIGPIPE, SIG_IGN);
        alarm(120);
        if (!mkdtemp(backing) || !mkdtemp(mnt)) {
                perror("mkdtemp");
                return 1;
        }
        test_server_killed();

        static const struct fault_case cases[] = {
                { "wrong tag", WRONG_TAG, LXS_P9_TWALK, EIO, EIO, true },
                { "oversized", OVERSIZED, LXS_P9_TWALK, EIO, EIO, true },
                { "truncated", TRUNCATED, LXS_P9_TWALK, ETIMEDOUT, EIO, true },
                { "wrong type", WRONG_TYPE, LXS_P9_TWALK, EIO, EIO, true },
                { "extra qids", EXTRA_QIDS, LXS_P9_TWALK, EIO, EIO, true },
                { "silent", SILENT, LXS_P9_TWALK, ETIMEDOUT, EIO, true },
                { "hang-up", HANG_UP, LXS_P9_TWALK, ENOTCONN, EIO, true },
                { "bad dirent", BAD_DIRENT, LXS_P9_TREADDIR, EIO, EIO, true },
                { "errno 0", BAD_ERRNO, LXS_P9_TWALK, EIO, EIO, false },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                run_fault(&cases[i]);

        fuse_test_rm_tree(backing);
        rmdir(mnt);
        return check_result(TEST);
}
