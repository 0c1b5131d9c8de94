/* 9P operations on metadata: getattr, setattr, statfs, readlink. Calls without an fd-relative
 * form on O_PATH descriptors (chmod, truncate, utimes) go through /proc/self/fd, which reaches
 * the very object the fid stands for. */
#include "p9-server-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

P9_OP(getattr)
{
        int r;
        struct lxs_p9_fid *f = p9_fid(s, req->u.tgetattr.fid, &r);
        if (!f)
                return r;
        struct stat st;
        if (fstatat(f->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        struct lxs_p9_rgetattr *a = &resp->u.rgetattr;
        /* Everything basic is cheap to report, so it is reported whatever was asked;
         * btime, gen and data_version are not (valid says so). */
        a->valid = LXS_P9_GETATTR_BASIC;
        p9_qid_from_stat(s, &st, &a->qid);
        a->mode = st.st_mode;
        a->uid = st.st_uid;
        a->gid = st.st_gid;
        a->nlink = st.st_nlink;
        a->rdev = st.st_rdev;
        a->size = (uint64_t)st.st_size;
        a->blksize = (uint64_t)st.st_blksize;
        a->blocks = (uint64_t)st.st_blocks;
        a->atime_sec = (uint64_t)st.st_atim.tv_sec;
        a->atime_nsec = (uint64_t)st.st_atim.tv_nsec;
        a->mtime_sec = (uint64_t)st.st_mtim.tv_sec;
        a->mtime_nsec = (uint64_t)st.st_mtim.tv_nsec;
        a->ctime_sec = (uint64_t)st.st_ctim.tv_sec;
        a->ctime_nsec = (uint64_t)st.st_ctim.tv_nsec;
        return 0;
}

#define SETATTR_KNOWN 0x1ffu

static struct timespec setattr_time(uint32_t valid, uint32_t change, uint32_t set, uint64_t sec,
                                    uint64_t nsec)
{
        if (!(valid & change))
                return (struct timespec){ .tv_nsec = UTIME_OMIT };
        if (!(valid & set))
                return (struct timespec){ .tv_nsec = UTIME_NOW };
        return (struct timespec){ .tv_sec = (time_t)sec, .tv_nsec = (long)nsec };
}

/* Applied in the order a local chmod/chown/truncate/touch sequence would be, times last so
 * that a truncate does not overwrite the mtime the client sets with it. */
P9_OP(setattr)
{
        const struct lxs_p9_tsetattr *a = &req->u.tsetattr;
        int r;
        struct lxs_p9_fid *f = p9_fid(s, a->fid, &r);
        if (!f)
                return r;
        if (a->valid & ~SETATTR_KNOWN)
                return -EINVAL;
        char path[P9_PROC_FD_PATH_MAX];
        p9_proc_fd_path(f->fd, path);

        if ((a->valid & LXS_P9_SETATTR_MODE) && fchmodat(AT_FDCWD, path, a->mode & 07777, 0) < 0)
                return -errno;
        if (a->valid & (LXS_P9_SETATTR_UID | LXS_P9_SETATTR_GID)) {
                uid_t uid = a->valid & LXS_P9_SETATTR_UID ? a->uid : (uid_t)-1;
                gid_t gid = a->valid & LXS_P9_SETATTR_GID ? a->gid : (gid_t)-1;
                if (fchownat(f->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
        }
        if (a->valid & LXS_P9_SETATTR_SIZE) {
                if (a->size > INT64_MAX)
                        return -EFBIG;
                /* ftruncate keeps working on a file opened for writing whose mode no longer
                 * allows it, as it would locally. */
                r = f->opened ? ftruncate(f->fd, (off_t)a->size) : -1;
                if (r < 0 && (!f->opened || errno == EBADF || errno == EINVAL))
                        r = truncate(path, (off_t)a->size);
                if (r < 0)
                        return -errno;
        }
        if (a->valid & (LXS_P9_SETATTR_ATIME | LXS_P9_SETATTR_MTIME)) {
                struct timespec ts[2] = {
                        setattr_time(a->valid, LXS_P9_SETATTR_ATIME, LXS_P9_SETATTR_ATIME_SET,
                                     a->atime_sec, a->atime_nsec),
                        setattr_time(a->valid, LXS_P9_SETATTR_MTIME, LXS_P9_SETATTR_MTIME_SET,
                                     a->mtime_sec, a->mtime_nsec),
                };
                if (utimensat(AT_FDCWD, path, ts, 0) < 0)
                        return -errno;
        } else if (a->valid == LXS_P9_SETATTR_CTIME) {
                /* ctime cannot be set, only bumped; a no-op chown bumps it. */
                if (fchownat(f->fd, "", (uid_t)-1, (gid_t)-1, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
        }
        return 0;
}

P9_OP(statfs)
{
        int r;
        struct lxs_p9_fid *f = p9_fid(s, req->u.tfid.fid, &r);
        if (!f)
                return r;
        struct statfs st;
        if (fstatfs(f->fd, &st) < 0)
                return -errno;
        struct lxs_p9_rstatfs *o = &resp->u.rstatfs;
        o->type = (uint32_t)st.f_type;
        o->bsize = (uint32_t)st.f_bsize;
        o->blocks = st.f_blocks;
        o->bfree = st.f_bfree;
        o->bavail = st.f_bavail;
        o->files = st.f_files;
        o->ffree = st.f_ffree;
        o->fsid = (uint64_t)(uint32_t)st.f_fsid.__val[0] | (uint64_t)(uint32_t)st.f_fsid.__val[1] << 32;
        o->namelen = (uint32_t)st.f_namelen;
        return 0;
}

/* The target is read straight into the reply's data area. */
P9_OP(readlink)
{
        int r;
        struct lxs_p9_fid *f = p9_fid(s, req->u.tfid.fid, &r);
        if (!f)
                return r;
        size_t room = payload_cap < PATH_MAX ? payload_cap : PATH_MAX;
        ssize_t n = readlinkat(f->fd, "", (char *)payload, room);
        if (n < 0)
                return errno == ENOENT ? -EINVAL : -errno;
        if ((size_t)n == room)
                return -ENAMETOOLONG;
        resp->u.rreadlink.target = (struct lxs_p9_str){ (const char *)payload, (uint16_t)n };
        return 0;
}
