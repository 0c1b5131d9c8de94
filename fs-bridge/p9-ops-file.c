/* 9P operations on file contents: open, create, read, write, readdir, fsync. Open flags arrive
 * as the x86 Linux values (LXS_P9_O_*) and are mapped bit by bit to this host's O_ flags;
 * every bit is either honoured, dropped for a reason given in `open_flag_map`, or refused. */
#include "p9-server-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

static const struct {
        uint32_t p9;
        int host;
} open_flag_map[] = {
        { LXS_P9_O_CREAT, O_CREAT },
        { LXS_P9_O_EXCL, O_EXCL },
        { LXS_P9_O_NOCTTY, O_NOCTTY },
        { LXS_P9_O_TRUNC, O_TRUNC },
        { LXS_P9_O_APPEND, O_APPEND },
        { LXS_P9_O_NONBLOCK, O_NONBLOCK },
        { LXS_P9_O_DSYNC, O_DSYNC },
        { LXS_P9_O_DIRECT, O_DIRECT },
        { LXS_P9_O_DIRECTORY, O_DIRECTORY },
        { LXS_P9_O_NOATIME, O_NOATIME },
        { LXS_P9_O_SYNC, O_SYNC },
        /* The fid already is the object itself (walks never follow symlinks); a symlink fid
         * is refused with ELOOP whether or not this is set, which is what it asks for. */
        { LXS_P9_O_NOFOLLOW, 0 },
        /* Always in effect on the server's 64-bit offsets. */
        { LXS_P9_O_LARGEFILE, 0 },
        /* The server's own descriptors are always close-on-exec; the client's exec is not ours. */
        { LXS_P9_O_CLOEXEC, 0 },
        /* SIGIO cannot travel back over 9P; the client delivers its own if it wants them. */
        { LXS_P9_O_FASYNC, 0 },
};

/* Host open(2) flags for wire flags; -EINVAL for NOACCESS or a bit the protocol has no
 * meaning for. */
static int host_open_flags(uint32_t p9, int *out)
{
        static const int access[] = { O_RDONLY, O_WRONLY, O_RDWR };
        uint32_t acc = p9 & LXS_P9_O_ACCMODE;
        if (acc == LXS_P9_O_NOACCESS)
                return -EINVAL;
        int host = access[acc] | O_CLOEXEC;
        uint32_t rest = p9 & ~LXS_P9_O_ACCMODE;
        for (size_t i = 0; i < LXS_ARRAY_SIZE(open_flag_map); i++) {
                if (rest & open_flag_map[i].p9) {
                        host |= open_flag_map[i].host;
                        rest &= ~open_flag_map[i].p9;
                }
        }
        if (rest)
                return -EINVAL;
        *out = host;
        return 0;
}

static uint32_t iounit(struct lxs_p9_server *s)
{
        return s->msize - 24u;
}

P9_OP(lopen)
{
        int r, flags;
        struct lxs_p9_fid *f = p9_fid(s, req->u.tlopen.fid, &r);
        if (!f)
                return r;
        if (f->opened)
                return -EBUSY;
        r = host_open_flags(req->u.tlopen.flags, &flags);
        if (r < 0)
                return r;
        struct stat st;
        if (fstatat(f->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode))
                return -ELOOP;
        /* The fid exists, so creating is moot; O_CREAT without a mode would be a trap. */
        flags &= ~O_CREAT;
        /* One request at a time: an open that waits for a FIFO's other end, or a device
         * read that waits for input, would stall the whole session. */
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
                flags |= O_NONBLOCK;
        int fd;
        if (S_ISDIR(st.st_mode)) {
                fd = openat(f->fd, ".", flags);
        } else {
                char path[P9_PROC_FD_PATH_MAX];
                p9_proc_fd_path(f->fd, path);
                fd = open(path, flags);
        }
        if (fd < 0)
                return -errno;
        close(f->fd);
        f->fd = fd;
        f->opened = true;
        p9_qid_from_stat(s, &st, &resp->u.ropen.qid);
        resp->u.ropen.iounit = iounit(s);
        return 0;
}

/* Creates and opens dirfid/name; the fid then stands for the new open file. */
P9_OP(lcreate)
{
        const struct lxs_p9_tlcreate *c = &req->u.tlcreate;
        int r, flags;
        char name[NAME_MAX + 1];
        struct lxs_p9_fid *f = p9_dir_fid(s, c->fid, &r);
        if (!f)
                return r;
        if ((r = p9_entry_name(c->name, name)) < 0 || (r = host_open_flags(c->flags, &flags)) < 0)
                return r;
        /* Only an object this call created may have its group changed (or be removed again
         * when that fails), so learn whether it did. */
        bool created = true;
        _cleanup_close_ int fd = openat(f->fd, name, flags | O_CREAT | O_EXCL, c->mode & 07777);
        if (fd < 0 && errno == EEXIST && !(flags & O_EXCL)) {
                /* An existing entry is opened as lopen would: never through a symlink (the
                 * client resolves those) and never waiting on a FIFO or device. */
                created = false;
                fd = openat(f->fd, name, (flags & ~O_CREAT) | O_NOFOLLOW | O_NONBLOCK);
                struct stat st;
                if (fd >= 0 && !(flags & O_NONBLOCK) && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
                        (void)fcntl(fd, F_SETFL, flags & ~(O_ACCMODE | O_CLOEXEC | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC));
        }
        if (fd < 0)
                return -errno;
        if (created && (r = p9_apply_gid(f->fd, name, c->gid, false)) < 0)
                return r;
        r = p9_fd_qid(s, fd, &resp->u.ropen.qid);
        if (r < 0)
                return r;
        close(f->fd);
        f->fd = TAKE_FD(fd);
        f->opened = true;
        f->is_dir = false;
        resp->u.ropen.iounit = iounit(s);
        return 0;
}

static int opened_fid(struct lxs_p9_server *s, uint32_t fid, struct lxs_p9_fid **out)
{
        int r;
        struct lxs_p9_fid *f = p9_fid(s, fid, &r);
        if (!f)
                return r;
        if (!f->opened)
                return -EBADF;
        *out = f;
        return 0;
}

P9_OP(read)
{
        struct lxs_p9_fid *f = NULL;
        int r = opened_fid(s, req->u.tio.fid, &f);
        if (r < 0)
                return r;
        if (req->u.tio.offset > INT64_MAX)
                return -EINVAL;
        size_t count = req->u.tio.count < payload_cap ? req->u.tio.count : payload_cap;
        ssize_t n;
        do
                n = pread(f->fd, payload, count, (off_t)req->u.tio.offset);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        resp->u.rdata.data = (struct lxs_p9_data){ payload, (uint32_t)n };
        return 0;
}

P9_OP(write)
{
        struct lxs_p9_fid *f = NULL;
        int r = opened_fid(s, req->u.twrite.fid, &f);
        if (r < 0)
                return r;
        if (req->u.twrite.offset > INT64_MAX)
                return -EINVAL;
        ssize_t n;
        do
                n = pwrite(f->fd, req->u.twrite.data.ptr, req->u.twrite.data.len,
                           (off_t)req->u.twrite.offset);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        resp->u.rwrite.count = (uint32_t)n;
        return 0;
}

static uint8_t qid_type_of_dtype(unsigned char d_type)
{
        return d_type == DT_DIR ? LXS_P9_QTDIR : d_type == DT_LNK ? LXS_P9_QTSYMLINK : LXS_P9_QTFILE;
}

struct linux_dirent64 {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[];
};

/* Entries are the directory's own, with the offsets getdents64 reports, so a client resumes
 * exactly after the last entry it received; entries read but not fitting the reply are read
 * again by the next call. */
P9_OP(readdir)
{
        struct lxs_p9_fid *f = NULL;
        int r = opened_fid(s, req->u.tio.fid, &f);
        if (r < 0)
                return r;
        if (!f->is_dir)
                return -ENOTDIR;
        if (req->u.tio.offset > INT64_MAX)
                return -EINVAL;
        struct stat dir_st;
        if (fstat(f->fd, &dir_st) < 0)
                return -errno;
        if (lseek(f->fd, (off_t)req->u.tio.offset, SEEK_SET) < 0)
                return -errno;

        size_t cap = req->u.tio.count < payload_cap ? req->u.tio.count : payload_cap;
        size_t used = 0;
        enum { DENTS_BUF = 32 * 1024 };
        _cleanup_free_ char *dents = malloc(DENTS_BUF);
        if (!dents)
                return -ENOMEM;
        bool full = false;
        while (!full) {
                long n = syscall(SYS_getdents64, f->fd, dents, DENTS_BUF);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                for (long pos = 0; pos < n && !full;) {
                        const struct linux_dirent64 *d = (const void *)(dents + pos);
                        pos += d->d_reclen;
                        struct stat st = { .st_dev = dir_st.st_dev, .st_ino = d->d_ino };
                        struct lxs_p9_dirent e = {
                                .offset = (uint64_t)d->d_off,
                                .type = d->d_type,
                                .name = { d->d_name, (uint16_t)strlen(d->d_name) },
                        };
                        p9_qid_from_stat(s, &st, &e.qid);
                        e.qid.type = qid_type_of_dtype(d->d_type);
                        size_t put = lxs_p9_dirent_put(payload + used, cap - used, &e);
                        /* Not even one entry fits: an empty reply would read as the end. */
                        if (put == 0 && used == 0)
                                return -EINVAL;
                        full = put == 0;
                        used += put;
                }
        }
        resp->u.rdata.data = (struct lxs_p9_data){ payload, (uint32_t)used };
        return 0;
}

P9_OP(fsync)
{
        int r;
        struct lxs_p9_fid *f = p9_fid(s, req->u.tfsync.fid, &r);
        if (!f)
                return r;
        r = req->u.tfsync.datasync ? fdatasync(f->fd) : fsync(f->fd);
        return r < 0 ? -errno : 0;
}
