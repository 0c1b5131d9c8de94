/* Helpers of the 9P server's operations: fid lookup, name checks, qids, the one-component walk
 * step and group assignment of new objects. See p9-server-internal.h. */
#include "p9-server-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

struct lxs_p9_fid *p9_fid(struct lxs_p9_server *s, uint32_t fid, int *r)
{
        struct lxs_p9_fid *f = lxs_p9_fids_get(&s->fids, fid);
        *r = f ? 0 : -EBADF;
        return f;
}

struct lxs_p9_fid *p9_dir_fid(struct lxs_p9_server *s, uint32_t fid, int *r)
{
        struct lxs_p9_fid *f = p9_fid(s, fid, r);
        if (f && !f->is_dir) {
                *r = -ENOTDIR;
                return NULL;
        }
        return f;
}

int p9_entry_name(struct lxs_p9_str in, char out[NAME_MAX + 1])
{
        if (in.len == 0 || memchr(in.ptr, '/', in.len) || (in.len == 1 && in.ptr[0] == '.') ||
            (in.len == 2 && in.ptr[0] == '.' && in.ptr[1] == '.'))
                return -EINVAL;
        if (in.len > NAME_MAX)
                return -ENAMETOOLONG;
        memcpy(out, in.ptr, in.len);
        out[in.len] = '\0';
        return 0;
}

int p9_path_string(struct lxs_p9_str in, char out[PATH_MAX])
{
        if (in.len >= PATH_MAX)
                return -ENAMETOOLONG;
        memcpy(out, in.ptr, in.len);
        out[in.len] = '\0';
        return 0;
}

void p9_proc_fd_path(int fd, char out[P9_PROC_FD_PATH_MAX])
{
        snprintf(out, P9_PROC_FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

/* qid.path must be unique across the tree, which may span filesystems (/proc, /tmp, ...);
 * inode numbers are only unique per device, so each device gets a prefix in the top 16 bits.
 * The root's device gets 0, keeping inode numbers as they are for the common case. */
static uint64_t dev_prefix(struct lxs_p9_server *s, dev_t dev)
{
        if (dev == s->root_dev)
                return 0;
        uint32_t i;
        for (i = 0; i < s->ndevs; i++)
                if (s->devs[i] == dev)
                        break;
        if (i == s->ndevs) {
                if (s->ndevs == P9_MAX_DEVS)
                        i = P9_MAX_DEVS - 1;
                else
                        s->devs[s->ndevs++] = dev;
        }
        return (uint64_t)(i + 1) << 48;
}

void p9_qid_from_stat(struct lxs_p9_server *s, const struct stat *st, struct lxs_p9_qid *qid)
{
        qid->type = S_ISDIR(st->st_mode) ? LXS_P9_QTDIR : S_ISLNK(st->st_mode) ? LXS_P9_QTSYMLINK : LXS_P9_QTFILE;
        /* Clients use getattr for change detection; a version derived from times would make
         * the same file look different to a cache between two walks. */
        qid->version = 0;
        qid->path = (uint64_t)st->st_ino ^ dev_prefix(s, st->st_dev);
}

int p9_fd_qid(struct lxs_p9_server *s, int fd, struct lxs_p9_qid *qid)
{
        struct stat st;
        if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        p9_qid_from_stat(s, &st, qid);
        return 0;
}

int p9_name_qid(struct lxs_p9_server *s, int dirfd, const char *name, struct lxs_p9_qid *qid)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        p9_qid_from_stat(s, &st, qid);
        return 0;
}

int p9_apply_gid(int dirfd, const char *name, uint32_t gid, bool is_dir)
{
        struct stat st;
        if (gid == LXS_P9_NOFID)
                return 0;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (st.st_gid == gid)
                return 0;
        if (fchownat(dirfd, name, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) == 0)
                return 0;
        int r = -errno;
        unlinkat(dirfd, name, is_dir ? AT_REMOVEDIR : 0);
        return r;
}

static bool is_root(struct lxs_p9_server *s, int fd)
{
        struct stat st;
        return fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 && st.st_dev == s->root_dev &&
               st.st_ino == s->root_ino;
}

int p9_walk_step(struct lxs_p9_server *s, int dirfd, const char *name)
{
        int fd;
        if (strcmp(name, "..") == 0 && is_root(s, dirfd))
                name = ".";
        if (s->contain && strcmp(name, "..") != 0) {
                struct open_how how = {
                        .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
                };
                fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
        } else {
                /* ".." below the root stays inside: the walk only went down to get here. */
                fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        return fd < 0 ? -errno : fd;
}
