/* The 9P server's core: session state, version negotiation, attach, walk, clunk and flush, and
 * the dispatch table from request type to operation. The operations on files live in
 * p9-ops-*.c, the stream loop in p9-server-stream.c. See p9-server.h for the contract. */
#include "p9-server-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"

static const char P9_VERSION_L[] = "9P2000.L";

struct lxs_p9_server *lxs_p9_server_new(int root_dirfd, const struct lxs_p9_server_options *opts)
{
        struct lxs_p9_server_options defaults = { 0 };
        if (!opts)
                opts = &defaults;
        _cleanup_close_ int fd = openat(root_dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return NULL;
        struct lxs_p9_server *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->root_dev = st.st_dev;
        s->root_ino = st.st_ino;
        s->contain = opts->flags & LXS_P9_SERVER_CONTAIN;
        s->max_msize = opts->max_msize ? opts->max_msize : LXS_P9_MSIZE_MAX;
        if (s->max_msize > LXS_P9_MSIZE_MAX)
                s->max_msize = LXS_P9_MSIZE_MAX;
        if (s->max_msize < LXS_P9_MSIZE_MIN)
                s->max_msize = LXS_P9_MSIZE_MIN;
        s->msize = s->max_msize;
        lxs_p9_fids_init(&s->fids, opts->max_fids ? opts->max_fids : LXS_P9_MAX_FIDS_DEFAULT);
        s->root_fd = TAKE_FD(fd);
        return s;
}

void lxs_p9_server_free(struct lxs_p9_server *s)
{
        if (!s)
                return;
        lxs_p9_fids_clear(&s->fids);
        close(s->root_fd);
        free(s);
}

uint32_t lxs_p9_server_msize(const struct lxs_p9_server *s)
{
        return s->msize;
}

/* Tversion ends the previous session: all fids go, and the msize is renegotiated. A version
 * other than 9P2000.L is answered with "unknown", as the protocol asks, not with an error. */
static P9_OP(version)
{
        uint32_t msize = req->u.version.msize;
        if (msize < LXS_P9_MSIZE_MIN)
                return -EINVAL;
        lxs_p9_fids_clear(&s->fids);
        s->msize = msize < s->max_msize ? msize : s->max_msize;
        resp->u.version.msize = s->msize;
        const struct lxs_p9_str *v = &req->u.version.version;
        bool ours = v->len == sizeof(P9_VERSION_L) - 1 && memcmp(v->ptr, P9_VERSION_L, v->len) == 0;
        s->versioned = ours;
        resp->u.version.version = ours ? (struct lxs_p9_str){ P9_VERSION_L, sizeof(P9_VERSION_L) - 1 }
                                       : (struct lxs_p9_str){ "unknown", 7 };
        return 0;
}

/* No authentication (afid must be NOFID): the transport is a stream the host already trusts,
 * and the server acts with its own credentials whatever uname says. Only the whole tree can
 * be attached. */
static P9_OP(attach)
{
        const struct lxs_p9_tattach *a = &req->u.tattach;
        if (a->afid != LXS_P9_NOFID)
                return -EOPNOTSUPP;
        if (!(a->aname.len == 0 || (a->aname.len == 1 && a->aname.ptr[0] == '/')))
                return -ENOENT;
        _cleanup_close_ int fd = openat(s->root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = p9_fd_qid(s, fd, &resp->u.rqid.qid);
        if (r < 0)
                return r;
        r = lxs_p9_fids_add(&s->fids, a->fid, fd, true);
        if (r < 0)
                return r;
        TAKE_FD(fd);
        return 0;
}

static int walk_name(struct lxs_p9_str in, char out[NAME_MAX + 1])
{
        if (in.len == 1 && in.ptr[0] == '.') {
                strcpy(out, ".");
                return 0;
        }
        if (in.len == 2 && in.ptr[0] == '.' && in.ptr[1] == '.') {
                strcpy(out, "..");
                return 0;
        }
        return p9_entry_name(in, out);
}

/* Each name is one O_PATH|O_NOFOLLOW step from the previous one, so a symlink inside the path
 * is never followed (the client reads it with readlink and walks the target itself). As the
 * protocol asks, newfid is made only when every name was walked; a failure after the first
 * name returns the qids walked so far, a failure on the first name is an error. */
static P9_OP(walk)
{
        const struct lxs_p9_twalk *w = &req->u.twalk;
        int r;
        struct lxs_p9_fid *from = p9_fid(s, w->fid, &r);
        if (!from)
                return r;
        if (w->newfid != w->fid && lxs_p9_fids_get(&s->fids, w->newfid))
                return -EEXIST;
        if (w->wnames.n > 0 && !from->is_dir)
                return -ENOTDIR;

        _cleanup_close_ int cur = fcntl(from->fd, F_DUPFD_CLOEXEC, 3);
        if (cur < 0)
                return -errno;
        bool is_dir = from->is_dir;
        struct lxs_p9_qids *qids = &resp->u.rwalk.wqids;
        qids->n = 0;
        for (unsigned i = 0; i < w->wnames.n; i++) {
                char name[NAME_MAX + 1];
                r = walk_name(w->wnames.name[i], name);
                if (r >= 0 && !is_dir)
                        r = -ENOTDIR;
                int next = r < 0 ? r : p9_walk_step(s, cur, name);
                if (next < 0)
                        return i == 0 ? next : 0;
                close(cur);
                cur = next;
                struct stat st;
                if (fstatat(cur, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                        return i == 0 ? -errno : 0;
                p9_qid_from_stat(s, &st, &qids->qid[i]);
                is_dir = S_ISDIR(st.st_mode);
                qids->n = (uint16_t)(i + 1);
        }

        if (w->newfid == w->fid) {
                if (w->wnames.n == 0)
                        return 0;
                /* Walking a fid onto itself replaces what it stands for; an opened fid
                 * cannot be walked, so nothing is lost. */
                if (from->opened)
                        return -EBUSY;
                close(from->fd);
                from->fd = TAKE_FD(cur);
                from->is_dir = is_dir;
                return 0;
        }
        if (from->opened && w->wnames.n == 0) {
                /* A clone of an opened fid stands for the file, not the open file description. */
                char path[P9_PROC_FD_PATH_MAX];
                p9_proc_fd_path(from->fd, path);
                close(cur);
                cur = open(path, O_PATH | O_CLOEXEC);
                if (cur < 0)
                        return -errno;
        }
        r = lxs_p9_fids_add(&s->fids, w->newfid, cur, is_dir);
        if (r < 0)
                return r;
        TAKE_FD(cur);
        return 0;
}

static P9_OP(clunk)
{
        return lxs_p9_fids_remove(&s->fids, req->u.tfid.fid);
}

/* Requests are answered in order and none is ever pending, so there is nothing to cancel. */
static P9_OP(flush)
{
        return 0;
}

/* Indexed by request type. Types without an entry (xattrs, locks, auth, the legacy 9P2000
 * messages, replies) are answered with EOPNOTSUPP. */
static const p9_op_fn ops[256] = {
        [LXS_P9_TVERSION] = p9_op_version,
        [LXS_P9_TATTACH] = p9_op_attach,
        [LXS_P9_TWALK] = p9_op_walk,
        [LXS_P9_TCLUNK] = p9_op_clunk,
        [LXS_P9_TFLUSH] = p9_op_flush,
        [LXS_P9_TLOPEN] = p9_op_lopen,
        [LXS_P9_TLCREATE] = p9_op_lcreate,
        [LXS_P9_TREAD] = p9_op_read,
        [LXS_P9_TWRITE] = p9_op_write,
        [LXS_P9_TREADDIR] = p9_op_readdir,
        [LXS_P9_TFSYNC] = p9_op_fsync,
        [LXS_P9_TGETATTR] = p9_op_getattr,
        [LXS_P9_TSETATTR] = p9_op_setattr,
        [LXS_P9_TSTATFS] = p9_op_statfs,
        [LXS_P9_TREADLINK] = p9_op_readlink,
        [LXS_P9_TMKDIR] = p9_op_mkdir,
        [LXS_P9_TSYMLINK] = p9_op_symlink,
        [LXS_P9_TMKNOD] = p9_op_mknod,
        [LXS_P9_TLINK] = p9_op_link,
        [LXS_P9_TRENAME] = p9_op_rename,
        [LXS_P9_TRENAMEAT] = p9_op_renameat,
        [LXS_P9_TUNLINKAT] = p9_op_unlinkat,
        [LXS_P9_TREMOVE] = p9_op_remove,
};

static ssize_t reply_error(uint16_t tag, int err, uint8_t *resp, size_t cap)
{
        struct lxs_p9_msg m = { .type = LXS_P9_RLERROR, .tag = tag };
        m.u.rlerror.ecode = (uint32_t)-err;
        ssize_t n = lxs_p9_encode(&m, resp, cap);
        return n < 0 ? -ENOBUFS : n;
}

ssize_t lxs_p9_server_handle(struct lxs_p9_server *s, const uint8_t *req, size_t len, uint8_t *resp,
                             size_t cap)
{
        ssize_t size = lxs_p9_frame_len(req, len, s->msize);
        if (size < 0)
                return size == -EAGAIN ? -EBADMSG : size;
        if ((size_t)size != len)
                return -EBADMSG;
        if (cap < s->msize)
                return -ENOBUFS;

        struct lxs_p9_msg in;
        ssize_t r = lxs_p9_decode(req, len, s->msize, &in);
        if (r < 0)
                return reply_error(in.tag, (int)r, resp, cap);
        p9_op_fn op = ops[in.type];
        if (!op)
                return reply_error(in.tag, -EOPNOTSUPP, resp, cap);
        if (!s->versioned && in.type != LXS_P9_TVERSION)
                return reply_error(in.tag, -EPROTO, resp, cap);

        struct lxs_p9_msg out = { .type = (uint8_t)(in.type + 1), .tag = in.tag };
        /* Bulk data goes where the encoder will put it: after the count of Rread/Rreaddir. */
        size_t reply_cap = cap < s->msize ? cap : s->msize;
        int err = op(s, &in, &out, resp + LXS_P9_IOHDR_SIZE, reply_cap - LXS_P9_IOHDR_SIZE);
        if (err < 0)
                return reply_error(in.tag, err, resp, cap);
        r = lxs_p9_encode(&out, resp, reply_cap);
        return r < 0 ? reply_error(in.tag, -ENOBUFS, resp, cap) : r;
}
