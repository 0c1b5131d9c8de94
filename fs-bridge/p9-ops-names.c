/* 9P operations on directory entries: mkdir, symlink, mknod, link, rename, renameat, unlinkat,
 * remove. Names are single components (p9_entry_name), always relative to a directory fid. */
#include "p9-server-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"

/* The directory fid and checked name a create-like operation works on. */
static int dir_and_name(struct lxs_p9_server *s, uint32_t dfid, struct lxs_p9_str in, int *dirfd,
                        char name[NAME_MAX + 1])
{
        int r;
        struct lxs_p9_fid *d = p9_dir_fid(s, dfid, &r);
        if (!d)
                return r;
        *dirfd = d->fd;
        return p9_entry_name(in, name);
}

P9_OP(mkdir)
{
        const struct lxs_p9_tmkdir *m = &req->u.tmkdir;
        int dirfd = -1, r;
        char name[NAME_MAX + 1];
        if ((r = dir_and_name(s, m->dfid, m->name, &dirfd, name)) < 0)
                return r;
        if (mkdirat(dirfd, name, m->mode & 07777) < 0)
                return -errno;
        if ((r = p9_apply_gid(dirfd, name, m->gid, true)) < 0)
                return r;
        return p9_name_qid(s, dirfd, name, &resp->u.rqid.qid);
}

P9_OP(symlink)
{
        const struct lxs_p9_tsymlink *m = &req->u.tsymlink;
        int dirfd = -1, r;
        char name[NAME_MAX + 1], target[PATH_MAX];
        if ((r = dir_and_name(s, m->fid, m->name, &dirfd, name)) < 0 ||
            (r = p9_path_string(m->target, target)) < 0)
                return r;
        if (symlinkat(target, dirfd, name) < 0)
                return -errno;
        if ((r = p9_apply_gid(dirfd, name, m->gid, false)) < 0)
                return r;
        return p9_name_qid(s, dirfd, name, &resp->u.rqid.qid);
}

P9_OP(mknod)
{
        const struct lxs_p9_tmknod *m = &req->u.tmknod;
        int dirfd = -1, r;
        char name[NAME_MAX + 1];
        if ((r = dir_and_name(s, m->dfid, m->name, &dirfd, name)) < 0)
                return r;
        if (mknodat(dirfd, name, m->mode, makedev(m->major, m->minor)) < 0)
                return -errno;
        if ((r = p9_apply_gid(dirfd, name, m->gid, false)) < 0)
                return r;
        return p9_name_qid(s, dirfd, name, &resp->u.rqid.qid);
}

/* linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; following the /proc magic link does not,
 * and links the very inode the fid stands for. */
P9_OP(link)
{
        const struct lxs_p9_tlink *m = &req->u.tlink;
        int dirfd = -1, r;
        char name[NAME_MAX + 1];
        if ((r = dir_and_name(s, m->dfid, m->name, &dirfd, name)) < 0)
                return r;
        struct lxs_p9_fid *f = p9_fid(s, m->fid, &r);
        if (!f)
                return r;
        if (f->is_dir)
                return -EPERM;
        char path[P9_PROC_FD_PATH_MAX];
        p9_proc_fd_path(f->fd, path);
        return linkat(AT_FDCWD, path, dirfd, name, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
}

/* The directory holding the fid's object and its name there, for the two operations that name
 * an object by fid alone (rename, remove). The kernel's idea of the fid's path is checked
 * against the fid's inode, so a stale or raced path is refused rather than acted on. */
static int fid_parent(struct lxs_p9_server *s, struct lxs_p9_fid *f, int *parent_fd, char name[NAME_MAX + 1])
{
        struct stat st, there;
        if (fstatat(f->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (st.st_dev == s->root_dev && st.st_ino == s->root_ino)
                return -EBUSY;
        char proc[P9_PROC_FD_PATH_MAX], path[PATH_MAX];
        p9_proc_fd_path(f->fd, proc);
        ssize_t n = readlink(proc, path, sizeof(path) - 1);
        if (n < 0)
                return -errno;
        path[n] = '\0';
        char *slash = strrchr(path, '/');
        if (path[0] != '/' || !slash || strlen(slash + 1) > NAME_MAX || !slash[1])
                return -ESTALE;
        strcpy(name, slash + 1);
        if (slash == path)
                slash++;
        *slash = '\0';
        _cleanup_close_ int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstatat(fd, name, &there, AT_SYMLINK_NOFOLLOW) < 0 || there.st_dev != st.st_dev ||
            there.st_ino != st.st_ino)
                return -ESTALE;
        *parent_fd = TAKE_FD(fd);
        return 0;
}

P9_OP(rename)
{
        const struct lxs_p9_trename *m = &req->u.trename;
        int dirfd = -1, r;
        char name[NAME_MAX + 1], old[NAME_MAX + 1];
        if ((r = dir_and_name(s, m->dfid, m->name, &dirfd, name)) < 0)
                return r;
        struct lxs_p9_fid *f = p9_fid(s, m->fid, &r);
        if (!f)
                return r;
        _cleanup_close_ int parent = -1;
        if ((r = fid_parent(s, f, &parent, old)) < 0)
                return r;
        return renameat(parent, old, dirfd, name) < 0 ? -errno : 0;
}

P9_OP(renameat)
{
        const struct lxs_p9_trenameat *m = &req->u.trenameat;
        int olddir = -1, newdir = -1, r;
        char oldname[NAME_MAX + 1], newname[NAME_MAX + 1];
        if ((r = dir_and_name(s, m->olddirfid, m->oldname, &olddir, oldname)) < 0 ||
            (r = dir_and_name(s, m->newdirfid, m->newname, &newdir, newname)) < 0)
                return r;
        return renameat(olddir, oldname, newdir, newname) < 0 ? -errno : 0;
}

P9_OP(unlinkat)
{
        const struct lxs_p9_tunlinkat *m = &req->u.tunlinkat;
        int dirfd = -1, r;
        char name[NAME_MAX + 1];
        if (m->flags & ~LXS_P9_AT_REMOVEDIR)
                return -EINVAL;
        if ((r = dir_and_name(s, m->dirfid, m->name, &dirfd, name)) < 0)
                return r;
        int flags = m->flags & LXS_P9_AT_REMOVEDIR ? AT_REMOVEDIR : 0;
        return unlinkat(dirfd, name, flags) < 0 ? -errno : 0;
}

/* The fid is clunked whether or not the removal succeeds, as the protocol says. */
P9_OP(remove)
{
        int r;
        struct lxs_p9_fid *f = p9_fid(s, req->u.tfid.fid, &r);
        if (!f)
                return r;
        _cleanup_close_ int parent = -1;
        char name[NAME_MAX + 1];
        r = fid_parent(s, f, &parent, name);
        if (r >= 0 && unlinkat(parent, name, f->is_dir ? AT_REMOVEDIR : 0) < 0)
                r = -errno;
        lxs_p9_fids_remove(&s->fids, f->fid);
        return r < 0 ? r : 0;
}
