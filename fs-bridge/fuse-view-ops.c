/* The host view's FUSE low-level operations, each answered by 9P requests on the view's client.
 *
 * Nodes hold a walked (unopened) fid per object; an open file or directory gets a fid of its
 * own, cloned from the node's and opened, which is the FUSE file handle. Names are always
 * resolved relative to the parent node's fid, and fids follow their object across renames, so
 * no path strings are kept; a node remembers only its depth below the root, which is all that
 * confining a symlink's target to the view takes (symlink-confine.h). Errors from the server
 * pass through as errno values, except those that would change how the kernel treats the
 * filesystem (ENOSYS disables an operation for good) or that lie outside what a reply may
 * carry: those become EIO. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "cleanup.h"
#include "fuse-view-dirs.h"
#include "fuse-view-files.h"
#include "fuse-view-internal.h"
#include "symlink-confine.h"

#define ONE_MIB (1024u * 1024u)

static struct lxs_fuse_view *view_of(fuse_req_t req)
{
        return fuse_req_userdata(req);
}

static void reply_errno(fuse_req_t req, int neg)
{
        int e = -neg;
        if (e < 0 || e > 511 || e == ENOSYS)
                e = EIO;
        fuse_reply_err(req, e);
}

static int node_fid(struct lxs_fuse_view *v, fuse_ino_t ino, uint32_t *fid)
{
        pthread_mutex_lock(&v->nodes_lock);
        struct lxs_fv_node *n = lxs_fv_nodes_get(v->nodes, ino);
        if (n)
                *fid = n->fid;
        pthread_mutex_unlock(&v->nodes_lock);
        return n ? 0 : -ESTALE;
}

static struct lxs_fv_file *file_of(const struct fuse_file_info *fi)
{
        return (struct lxs_fv_file *)(uintptr_t)fi->fh;
}

/* Host open(2) flags to the protocol's x86 values, bit by bit: the host's own values differ on
 * other architectures. Flags without meaning across the bridge (CLOEXEC, NOCTTY, LARGEFILE,
 * NOFOLLOW: the walk never follows) are dropped, and so is DIRECT: it keeps the host's page
 * cache out (the kernel sees to that), while in the guest it would make every read and write
 * of the server's unaligned buffers fail with EINVAL. */
static uint32_t p9_open_flags(int flags)
{
        static const struct { int host; uint32_t p9; } map[] = {
                { O_CREAT, LXS_P9_O_CREAT },         { O_EXCL, LXS_P9_O_EXCL },
                { O_TRUNC, LXS_P9_O_TRUNC },         { O_APPEND, LXS_P9_O_APPEND },
                { O_NONBLOCK, LXS_P9_O_NONBLOCK },   { O_DSYNC, LXS_P9_O_DSYNC },
                { O_DIRECTORY, LXS_P9_O_DIRECTORY },
                { O_NOATIME, LXS_P9_O_NOATIME },
        };
        uint32_t out;
        switch (flags & O_ACCMODE) {
        case O_WRONLY: out = LXS_P9_O_WRONLY; break;
        case O_RDWR: out = LXS_P9_O_RDWR; break;
        default: out = LXS_P9_O_RDONLY; break;
        }
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
                if (flags & map[i].host)
                        out |= map[i].p9;
        /* O_SYNC includes the O_DSYNC bit on Linux; map the whole of it. */
        if ((flags & O_SYNC) == O_SYNC)
                out |= LXS_P9_O_SYNC;
        return out;
}

static int stat_of(const struct lxs_p9_rgetattr *a, struct stat *st)
{
        /* The kernel refuses these as well; refusing here keeps them out of the cache. */
        if ((a->valid & LXS_P9_GETATTR_MODE) == 0 || (a->mode & S_IFMT) == 0 || a->size > INT64_MAX)
                return -EIO;
        memset(st, 0, sizeof(*st));
        st->st_ino = a->qid.path;
        st->st_mode = a->mode;
        st->st_nlink = a->nlink;
        st->st_uid = a->uid;
        st->st_gid = a->gid;
        st->st_rdev = a->rdev;
        st->st_size = (off_t)a->size;
        st->st_blksize = a->blksize && a->blksize <= ONE_MIB ? (blksize_t)a->blksize : 4096;
        st->st_blocks = a->blocks > INT64_MAX ? INT64_MAX : (blkcnt_t)a->blocks;
        st->st_atim = (struct timespec){ (time_t)a->atime_sec, a->atime_nsec < 1000000000 ? (long)a->atime_nsec : 0 };
        st->st_mtim = (struct timespec){ (time_t)a->mtime_sec, a->mtime_nsec < 1000000000 ? (long)a->mtime_nsec : 0 };
        st->st_ctim = (struct timespec){ (time_t)a->ctime_sec, a->ctime_nsec < 1000000000 ? (long)a->ctime_nsec : 0 };
        return 0;
}

static int getattr_fid(struct lxs_fuse_view *v, uint32_t fid, struct stat *st)
{
        struct lxs_p9_rgetattr a;
        int r = lxs_p9_getattr(v->p9, fid, LXS_P9_GETATTR_BASIC, &a);
        return r < 0 ? r : stat_of(&a, st);
}

/* Drops count lookups of a node; the last one clunks its fid (without waiting: nothing
 * depends on the answer, and requests sent later are served after it). */
static void node_forget(struct lxs_fuse_view *v, fuse_ino_t ino, uint64_t count)
{
        pthread_mutex_lock(&v->nodes_lock);
        struct lxs_fv_node *n = lxs_fv_nodes_get(v->nodes, ino);
        bool gone = false;
        uint32_t fid = 0;
        if (n && n->nodeid != FUSE_ROOT_ID) {
                n->nlookup = count >= n->nlookup ? 0 : n->nlookup - count;
                if (n->nlookup == 0) {
                        fid = n->fid;
                        gone = true;
                        lxs_fv_nodes_remove(v->nodes, n);
                }
        }
        pthread_mutex_unlock(&v->nodes_lock);
        if (gone)
                lxs_p9_clunk_async(v->p9, fid);
}

/* Walks name under the parent node and fills e for it, counting one lookup on its node. The
 * walk and the getattr travel together: one round trip. */
static int make_entry(struct lxs_fuse_view *v, fuse_ino_t parent, const char *name, struct fuse_entry_param *e)
{
        pthread_mutex_lock(&v->nodes_lock);
        struct lxs_fv_node *p = lxs_fv_nodes_get(v->nodes, parent);
        uint32_t parent_fid = p ? p->fid : 0;
        unsigned depth = p ? p->depth + 1 : 0;
        pthread_mutex_unlock(&v->nodes_lock);
        if (!p)
                return -ESTALE;
        uint32_t fid = 0;
        struct lxs_p9_qid qid;
        struct lxs_p9_rgetattr a;
        int r = lxs_p9_walk_getattr(v->p9, parent_fid, name, LXS_P9_GETATTR_BASIC, &fid, &qid, &a);
        if (r < 0)
                return r;
        memset(e, 0, sizeof(*e));
        r = stat_of(&a, &e->attr);
        if (r < 0) {
                lxs_p9_clunk_async(v->p9, fid);
                return r;
        }
        pthread_mutex_lock(&v->nodes_lock);
        struct lxs_fv_node *n = lxs_fv_nodes_find(v->nodes, qid.path, qid.type);
        /* A symlink's target is confined by the depth of the name it was reached by, and hard
         * links can give it several: one node per depth, so no name borrows another's. */
        if (n && (qid.type & LXS_P9_QTSYMLINK) && n->depth != depth)
                n = NULL;
        bool known = n != NULL;
        if (!n)
                n = lxs_fv_nodes_add(v->nodes, fid, qid.path, qid.type);
        if (n) {
                /* A directory moved inside the distro is now where this lookup found it, as for
                 * the kernel. */
                n->depth = depth;
                n->nlookup++;
                e->ino = n->nodeid;
        }
        pthread_mutex_unlock(&v->nodes_lock);
        /* A known object keeps the fid it has, so one object has one fid. */
        if (!n || known)
                lxs_p9_clunk_async(v->p9, fid);
        if (!n)
                return -ENOMEM;
        e->attr_timeout = v->attr_timeout;
        e->entry_timeout = v->entry_timeout;
        return 0;
}

/* Replies with e; if the kernel did not take it (request interrupted), undoes its lookup. */
static void reply_entry(struct lxs_fuse_view *v, fuse_req_t req, const struct fuse_entry_param *e)
{
        if (fuse_reply_entry(req, e) != 0)
                node_forget(v, e->ino, 1);
}

static void entry_for_new(fuse_req_t req, fuse_ino_t parent, const char *name, int r)
{
        struct lxs_fuse_view *v = view_of(req);
        struct fuse_entry_param e;
        if (r == 0)
                r = make_entry(v, parent, name, &e);
        if (r < 0)
                reply_errno(req, r);
        else
                reply_entry(v, req, &e);
}

/* ---- session ---- */

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
        struct lxs_fuse_view *v = userdata;
        /* 1 MiB requests: libfuse derives max_pages from max_write and caps it to its buffer. */
        unsigned io = lxs_p9_client_write_max(v->p9);
        conn->max_write = io < ONE_MIB ? io : ONE_MIB;
        if (conn->max_readahead > ONE_MIB)
                conn->max_readahead = ONE_MIB;
        /* The guest changes files behind the host's back: drop cached pages when the size or
         * mtime moves, and never cache writes (they would land late and out of order). */
        if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
                conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
        conn->want &= ~(unsigned)(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE |
                                  FUSE_CAP_SPLICE_MOVE | FUSE_CAP_POSIX_ACL | FUSE_CAP_FLOCK_LOCKS |
                                  FUSE_CAP_POSIX_LOCKS);
        conn->time_gran = 1;
}

/* ---- names ---- */

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        entry_for_new(req, parent, name, 0);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
        node_forget(view_of(req), ino, nlookup);
        fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
        struct lxs_fuse_view *v = view_of(req);
        for (size_t i = 0; i < count; i++)
                node_forget(v, forgets[i].ino, forgets[i].nlookup);
        fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct lxs_fuse_view *v = view_of(req);
        uint32_t fid = 0;
        struct stat st;
        int r = node_fid(v, ino, &fid);
        if (r == 0)
                r = getattr_fid(v, fid, &st);
        if (r < 0)
                reply_errno(req, r);
        else
                fuse_reply_attr(req, &st, v->attr_timeout);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
        struct lxs_fuse_view *v = view_of(req);
        uint32_t fid = 0;
        int r = node_fid(v, ino, &fid);
        if (r < 0) {
                reply_errno(req, r);
                return;
        }
        struct lxs_p9_tsetattr a = { 0 };
        if (to_set & FUSE_SET_ATTR_MODE) {
                a.valid |= LXS_P9_SETATTR_MODE;
                a.mode = attr->st_mode & 07777;
        }
        if (to_set & FUSE_SET_ATTR_UID) {
                a.valid |= LXS_P9_SETATTR_UID;
                a.uid = attr->st_uid;
        }
        if (to_set & FUSE_SET_ATTR_GID) {
                a.valid |= LXS_P9_SETATTR_GID;
                a.gid = attr->st_gid;
        }
        if (to_set & FUSE_SET_ATTR_SIZE) {
                a.valid |= LXS_P9_SETATTR_SIZE;
                a.size = (uint64_t)attr->st_size;
        }
        /* 9P: ATIME alone means "now"; with ATIME_SET the given time. */
        if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
                a.valid |= LXS_P9_SETATTR_ATIME;
        } else if (to_set & FUSE_SET_ATTR_ATIME) {
                a.valid |= LXS_P9_SETATTR_ATIME | LXS_P9_SETATTR_ATIME_SET;
                a.atime_sec = (uint64_t)attr->st_atim.tv_sec;
                a.atime_nsec = (uint64_t)attr->st_atim.tv_nsec;
        }
        if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
                a.valid |= LXS_P9_SETATTR_MTIME;
        } else if (to_set & FUSE_SET_ATTR_MTIME) {
                a.valid |= LXS_P9_SETATTR_MTIME | LXS_P9_SETATTR_MTIME_SET;
                a.mtime_sec = (uint64_t)attr->st_mtim.tv_sec;
                a.mtime_nsec = (uint64_t)attr->st_mtim.tv_nsec;
        }
        if (to_set & FUSE_SET_ATTR_CTIME)
                a.valid |= LXS_P9_SETATTR_CTIME;
        /* ftruncate() and friends come with the open file: its fid is the one opened for
         * writing, which the server can truncate even when the path has become unreachable.
         * Writes behind it are on the wire already, so they land before the truncate. */
        r = lxs_p9_setattr(v->p9, fi ? lxs_fv_file_fid(file_of(fi)) : fid, &a);
        if (a.valid & LXS_P9_SETATTR_SIZE)
                atomic_fetch_add(&v->write_gen, 1);  /* read-ahead from before is stale */
        struct stat st;
        if (r == 0)
                r = getattr_fid(v, fid, &st);
        if (r < 0)
                reply_errno(req, r);
        else
                fuse_reply_attr(req, &st, v->attr_timeout);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
        struct lxs_fuse_view *v = view_of(req);
        pthread_mutex_lock(&v->nodes_lock);
        struct lxs_fv_node *n = lxs_fv_nodes_get(v->nodes, ino);
        uint32_t fid = n ? n->fid : 0;
        unsigned dir_depth = n && n->depth > 0 ? n->depth - 1 : 0;
        pthread_mutex_unlock(&v->nodes_lock);
        _cleanup_free_ char *target = NULL;
        int r = n ? lxs_p9_readlink(v->p9, fid, &target) : -ESTALE;
        char confined[PATH_MAX];
        if (r == 0)
                r = lxs_symlink_confine(target, dir_depth, confined, sizeof(confined));
        if (r < 0)
                reply_errno(req, r);
        else
                fuse_reply_readlink(req, confined);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
        struct lxs_fuse_view *v = view_of(req);
        uint32_t pfid = 0;
        int r = node_fid(v, parent, &pfid);
        /* Device nodes would be useless (the mount is nodev) and are the guest's business. */
        if (r == 0 && !S_ISREG(mode) && !S_ISFIFO(mode) && !S_ISSOCK(mode))
                r = -EPERM;
        if (r == 0)
                r = lxs_p9_mknod(v->p9, pfid, name, mode, major(rdev), minor(rdev), LXS_P9_NOFID, NULL);
        entry_for_new(req, parent, name, r);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
        struct lxs_fuse_view *v = view_of(req);
        uint32_t pfid = 0;
        int r = node_fid(v, parent, &pfid);
        if (r == 0)
                r = lxs_p9_mkdir(v->p9, pfid, name, mode & 07777, LXS_P9_NOFID, NULL);
        entry_for_new(req, parent, name, r);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
        struct lxs_fuse_view *v = view_of(req);
        uint32_t pfid = 0;
        int r = node_fid(v, parent, &pfid);
        if (r == 0)
                r = lxs_p9_symlink(v->p9, pfid, name, link, LXS_P9_NOFID, NULL);
        entry_for_new(req, parent, name, r);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
        struct lxs_fuse_view *v = view_of(req);
        uint32_t fid = 0, pfid = 0;
        int r = node_fid(v, ino, &fid);
        if (r == 0)
                r = node_fid(v, newparent, &pfid);
        if (r == 0)
                r = lxs_p9_link(v->p9, pfid, fid, newname);
        entry_for_new(req, newparent, newname, r);
}

static void remove_name(fuse_req_t req, fuse_ino_t parent, const char *name, uint32_t flags)
{
        struct lxs_fuse_view *v = view_of(req);
        uint32_t pfid = 0;
        int r = node_fid(v, parent, &pfid);
        if (r == 0)
                r = lxs_p9_unlinkat(v->p9, pfid, name, flags);
        reply_errno(req, r);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        remove_name(req, parent, name, 0);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        remove_name(req, parent, name, LXS_P9_AT_REMOVEDIR);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
        struct lxs_fuse_view *v = view_of(req);
        /* Trenameat has no flags; emulating NOREPLACE with a check first would race with the
         * guest, so it is refused instead. */
        if (flags) {
                fuse_reply_err(req, EINVAL);
                return;
        }
        uint32_t pfid = 0, npfid = 0;
        int r = node_fid(v, parent, &pfid);
        if (r == 0)
                r = node_fid(v, newparent, &npfid);
        if (r == 0)
                r = lxs_p9_renameat(v->p9, pfid, name, npfid, newname);
        reply_errno(req, r);
}

/* ---- files ---- */

/* A fresh fid cloned from the node's and opened with flags, as an open file. */
static int open_file(struct lxs_fuse_view *v, fuse_ino_t ino, uint32_t flags, struct lxs_fv_file **out)
{
        uint32_t fid = 0, ofid = 0;
        int r = node_fid(v, ino, &fid);
        if (r == 0)
                r = lxs_p9_clone_open(v->p9, fid, flags, &ofid);
        if (r < 0)
                return r;
        *out = lxs_fv_file_new(v->p9, ofid);
        if (!*out) {
                lxs_p9_clunk_async(v->p9, ofid);
                return -ENOMEM;
        }
        return 0;
}

static void reply_open(fuse_req_t req, struct fuse_file_info *fi, struct lxs_fv_file *f)
{
        fi->fh = (uint64_t)(uintptr_t)f;
        if (fuse_reply_open(req, fi) != 0)
                lxs_fv_file_close(f);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct lxs_fuse_view *v = view_of(req);
        struct lxs_fv_file *f = NULL;
        int r = open_file(v, ino, p9_open_flags(fi->flags & ~(O_CREAT | O_EXCL)), &f);
        if (fi->flags & O_TRUNC)
                atomic_fetch_add(&v->write_gen, 1);  /* read-ahead from before is stale */
        if (r < 0) {
                reply_errno(req, r);
                return;
        }
        fi->keep_cache = 0;  /* the guest may have changed the file since it was last cached */
        reply_open(req, fi, f);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
        struct lxs_fuse_view *v = view_of(req);
        uint32_t pfid = 0, ofid = 0;
        int r = node_fid(v, parent, &pfid);
        if (r == 0)
                r = lxs_p9_walk(v->p9, pfid, 0, NULL, &ofid, NULL);
        if (r < 0) {
                reply_errno(req, r);
                return;
        }
        r = lxs_p9_lcreate(v->p9, ofid, name, p9_open_flags(fi->flags | O_CREAT), mode & 07777, LXS_P9_NOFID, NULL);
        atomic_fetch_add(&v->write_gen, 1);  /* O_TRUNC: read-ahead from before is stale */
        struct fuse_entry_param e;
        if (r == 0)
                r = make_entry(v, parent, name, &e);
        struct lxs_fv_file *f = NULL;
        if (r == 0 && !(f = lxs_fv_file_new(v->p9, ofid))) {
                node_forget(v, e.ino, 1);
                r = -ENOMEM;
        }
        if (r < 0) {
                lxs_p9_clunk_async(v->p9, ofid);
                reply_errno(req, r);
                return;
        }
        fi->fh = (uint64_t)(uintptr_t)f;
        if (fuse_reply_create(req, &e, fi) != 0) {
                node_forget(v, e.ino, 1);
                lxs_fv_file_close(f);
        }
}

static void note_largest(atomic_uint_fast64_t *largest, size_t size)
{
        if (size > atomic_load(largest))
                atomic_store(largest, size);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
        struct lxs_fuse_view *v = view_of(req);
        note_largest(&v->largest_read, size);
        _cleanup_free_ uint8_t *buf = malloc(size ? size : 1);
        if (!buf) {
                fuse_reply_err(req, ENOMEM);
                return;
        }
        ssize_t n = lxs_fv_file_read(file_of(fi), buf, size, (uint64_t)off, atomic_load(&v->write_gen),
                                     (int)(v->attr_timeout * 1000));
        if (n < 0)
                reply_errno(req, (int)n);
        else
                fuse_reply_buf(req, (const char *)buf, (size_t)n);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
        struct lxs_fuse_view *v = view_of(req);
        note_largest(&v->largest_write, size);
        int r = lxs_fv_file_write(file_of(fi), buf, size, (uint64_t)off, &v->write_gen);
        if (r < 0)
                reply_errno(req, r);
        else
                fuse_reply_write(req, size);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        /* close() reports what went wrong with the writes behind it. */
        reply_errno(req, lxs_fv_file_drain(file_of(fi)));
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        lxs_fv_file_close(file_of(fi));
        fuse_reply_err(req, 0);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
        struct lxs_fv_file *f = file_of(fi);
        int r = lxs_fv_file_drain(f);
        if (r == 0)
                r = lxs_p9_fsync(view_of(req)->p9, lxs_fv_file_fid(f), datasync != 0);
        reply_errno(req, r);
}

/* ---- directories ---- */

static struct lxs_fv_dir *dir_of(const struct fuse_file_info *fi)
{
        return (struct lxs_fv_dir *)(uintptr_t)fi->fh;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct lxs_fuse_view *v = view_of(req);
        uint32_t fid = 0;
        int r = node_fid(v, ino, &fid);
        struct lxs_fv_dir *d = r < 0 ? NULL : lxs_fv_dir_open(v->p9, fid, &r);
        if (!d) {
                reply_errno(req, r);
                return;
        }
        fi->fh = (uint64_t)(uintptr_t)d;
        if (fuse_reply_open(req, fi) != 0)
                lxs_fv_dir_close(d);
}

struct dir_fill {
        fuse_req_t req;
        char *buf;
        size_t size, used;
};

static int fill_entry(void *userdata, const struct lxs_p9_dirent *d, const char *name)
{
        struct dir_fill *f = userdata;
        /* The kernel would refuse such names too; stop at them rather than send them. */
        if (d->name.len == 0 || d->name.len > 255 || memchr(d->name.ptr, '/', d->name.len))
                return -EIO;
        struct stat st = { .st_ino = d->qid.path, .st_mode = (mode_t)(d->type & 017) << 12 };
        size_t need = fuse_add_direntry(f->req, f->buf + f->used, f->size - f->used, name, &st,
                                        (off_t)(d->offset & INT64_MAX));
        if (need > f->size - f->used)
                return 1;  /* full: the next readdir resumes at this entry */
        f->used += need;
        return 0;
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
        _cleanup_free_ char *buf = malloc(size ? size : 1);
        struct dir_fill f = { .req = req, .buf = buf, .size = size };
        if (!f.buf) {
                fuse_reply_err(req, ENOMEM);
                return;
        }
        int r = lxs_fv_dir_read(dir_of(fi), (uint64_t)off, fill_entry, &f);
        if (r < 0 && f.used == 0)
                reply_errno(req, r);
        else
                fuse_reply_buf(req, f.buf, f.used);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        lxs_fv_dir_close(dir_of(fi));
        fuse_reply_err(req, 0);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
        reply_errno(req, lxs_p9_fsync(view_of(req)->p9, lxs_fv_dir_fid(dir_of(fi)), datasync != 0));
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
        struct lxs_fuse_view *v = view_of(req);
        uint32_t fid = 0;
        struct lxs_p9_rstatfs s;
        int r = node_fid(v, ino, &fid);
        if (r == 0)
                r = lxs_p9_statfs(v->p9, fid, &s);
        if (r < 0) {
                reply_errno(req, r);
                return;
        }
        struct statvfs st = {
                .f_bsize = s.bsize, .f_frsize = s.bsize, .f_blocks = s.blocks, .f_bfree = s.bfree,
                .f_bavail = s.bavail, .f_files = s.files, .f_ffree = s.ffree, .f_favail = s.ffree,
                .f_fsid = s.fsid, .f_namemax = s.namelen,
        };
        fuse_reply_statfs(req, &st);
}

const struct fuse_lowlevel_ops lxs_fv_ops = {
        .init = op_init,
        .lookup = op_lookup,
        .forget = op_forget,
        .forget_multi = op_forget_multi,
        .getattr = op_getattr,
        .setattr = op_setattr,
        .readlink = op_readlink,
        .mknod = op_mknod,
        .mkdir = op_mkdir,
        .unlink = op_unlink,
        .rmdir = op_rmdir,
        .symlink = op_symlink,
        .rename = op_rename,
        .link = op_link,
        .open = op_open,
        .create = op_create,
        .read = op_read,
        .write = op_write,
        .flush = op_flush,
        .release = op_release,
        .fsync = op_fsync,
        .opendir = op_opendir,
        .readdir = op_readdir,
        .releasedir = op_releasedir,
        .fsyncdir = op_fsyncdir,
        .statfs = op_statfs,
};
