/* Blocking 9P2000.L client; see p9-client.h for the contract. Each call encodes one request,
 * sends it and waits for its reply under the client's mutex, against one deadline for the
 * whole exchange; the fd is non-blocking so that neither a full socket nor a silent peer can
 * hold a call past that deadline. */
#include "p9-client.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "p9-server.h"

#define REQUEST_TAG 1u
#define ROOT_FID 0u
#define TWRITE_HEADER_SIZE 23u  /* size type tag fid[4] offset[8] count[4] */
#define NONUNAME 0xffffffffu

struct lxs_p9_client {
        pthread_mutex_t lock;
        int fd;
        bool is_socket;
        atomic_bool dead;
        uint32_t msize;
        int timeout_ms;
        uint8_t *tbuf, *rbuf;     /* msize bytes each */
        struct lxs_p9_msg reply;  /* of the last exchange; points into rbuf */
        struct lxs_p9_qid root_qid;
        uint32_t next_fid;
        uint32_t *free_fids;
        size_t n_free, cap_free;
};

/* ---- connection state ---- */

static int mark_dead(struct lxs_p9_client *c, int err)
{
        atomic_store(&c->dead, true);
        return err;
}

bool lxs_p9_client_dead(const struct lxs_p9_client *c)
{
        return atomic_load(&((struct lxs_p9_client *)c)->dead);
}

void lxs_p9_client_shutdown(struct lxs_p9_client *c)
{
        atomic_store(&c->dead, true);
        /* Wakes a poll() in another thread's exchange; the fd itself stays ours until free. */
        if (c->is_socket)
                (void)shutdown(c->fd, SHUT_RDWR);
}

uint32_t lxs_p9_client_msize(const struct lxs_p9_client *c) { return c->msize; }
uint32_t lxs_p9_client_iounit(const struct lxs_p9_client *c) { return c->msize - LXS_P9_IOHDR_SIZE; }
uint32_t lxs_p9_client_root_fid(const struct lxs_p9_client *c) { return ROOT_FID; }
struct lxs_p9_qid lxs_p9_client_root_qid(const struct lxs_p9_client *c) { return c->root_qid; }

/* ---- transport: whole buffers within a deadline ---- */

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(struct lxs_p9_client *c, short events, int64_t deadline)
{
        for (;;) {
                if (atomic_load(&c->dead))
                        return -EIO;
                int64_t left = deadline - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                struct pollfd p = { .fd = c->fd, .events = events };
                int r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
                if (r > 0)
                        return 0;
                if (r < 0 && errno != EINTR)
                        return -errno;
        }
}

static int send_iov(struct lxs_p9_client *c, struct iovec *iov, int n, int64_t deadline)
{
        while (n > 0) {
                ssize_t w;
                if (c->is_socket) {
                        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)n };
                        w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
                } else {
                        w = writev(c->fd, iov, n);
                }
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return errno == EPIPE || errno == ECONNRESET ? -ENOTCONN : -errno;
                        int r = wait_fd(c, POLLOUT, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                size_t done = (size_t)w;
                while (n > 0 && done >= iov->iov_len) {
                        done -= iov->iov_len;
                        iov++;
                        n--;
                }
                if (n > 0) {
                        iov->iov_base = (uint8_t *)iov->iov_base + done;
                        iov->iov_len -= done;
                }
        }
        return 0;
}

static int recv_exact(struct lxs_p9_client *c, uint8_t *buf, size_t len, int64_t deadline)
{
        while (len > 0) {
                ssize_t r = read(c->fd, buf, len);
                if (r == 0)
                        return -ENOTCONN;
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return errno == ECONNRESET ? -ENOTCONN : -errno;
                        int w = wait_fd(c, POLLIN, deadline);
                        if (w < 0)
                                return w;
                        continue;
                }
                buf += r;
                len -= (size_t)r;
        }
        return 0;
}

/* ---- one exchange ---- */

static int errno_of_rlerror(uint32_t ecode)
{
        return ecode >= 1 && ecode <= 511 ? -(int)ecode : -EIO;
}

/* Sends m (encoded in tbuf, data of a Twrite sent from where it lies) and receives the
 * reply of type want into c->reply. Called with the lock held. */
static int exchange(struct lxs_p9_client *c, struct lxs_p9_msg *m, uint8_t want, uint32_t msize)
{
        if (atomic_load(&c->dead))
                return -EIO;
        m->tag = m->type == LXS_P9_TVERSION ? LXS_P9_NOTAG : REQUEST_TAG;

        struct iovec iov[2];
        int niov = 1;
        if (m->type == LXS_P9_TWRITE) {
                /* The codec leaves data alone when it already lies in place: encode the header
                 * only, and send the data from the caller's buffer. */
                if (m->u.twrite.data.len > msize - TWRITE_HEADER_SIZE)
                        return -EMSGSIZE;
                const uint8_t *data = m->u.twrite.data.ptr;
                m->u.twrite.data.ptr = c->tbuf + TWRITE_HEADER_SIZE;
                ssize_t n = lxs_p9_encode(m, c->tbuf, msize);
                if (n < 0)
                        return (int)n;
                iov[0] = (struct iovec){ c->tbuf, TWRITE_HEADER_SIZE };
                iov[1] = (struct iovec){ (void *)data, m->u.twrite.data.len };
                niov = m->u.twrite.data.len ? 2 : 1;
        } else {
                ssize_t n = lxs_p9_encode(m, c->tbuf, msize);
                if (n < 0)
                        return (int)n;  /* the caller's request, not the peer's fault */
                iov[0] = (struct iovec){ c->tbuf, (size_t)n };
        }

        int64_t deadline = now_ms() + c->timeout_ms;
        int r = send_iov(c, iov, niov, deadline);
        if (r < 0)
                return mark_dead(c, r == -ETIMEDOUT ? r : r == -ENOTCONN ? r : -EIO);

        r = recv_exact(c, c->rbuf, LXS_P9_HEADER_SIZE, deadline);
        if (r < 0)
                return mark_dead(c, r == -ETIMEDOUT || r == -ENOTCONN ? r : -EIO);
        ssize_t size = lxs_p9_frame_len(c->rbuf, LXS_P9_HEADER_SIZE, msize);
        uint8_t type = c->rbuf[4];
        uint16_t tag = (uint16_t)(c->rbuf[5] | c->rbuf[6] << 8);
        if (size < 0 || tag != m->tag || (type != want && type != LXS_P9_RLERROR))
                return mark_dead(c, -EIO);
        r = recv_exact(c, c->rbuf + LXS_P9_HEADER_SIZE, (size_t)size - LXS_P9_HEADER_SIZE, deadline);
        if (r < 0)
                return mark_dead(c, r == -ETIMEDOUT || r == -ENOTCONN ? r : -EIO);
        if (lxs_p9_decode(c->rbuf, (size_t)size, msize, &c->reply) != size)
                return mark_dead(c, -EIO);
        if (type == LXS_P9_RLERROR)
                return errno_of_rlerror(c->reply.u.rlerror.ecode);
        return 0;
}

static int rpc(struct lxs_p9_client *c, struct lxs_p9_msg *m)
{
        return exchange(c, m, (uint8_t)(m->type + 1), c->msize);
}

#define LOCKED(c)                                                     \
        if (atomic_load(&(c)->dead))                                  \
                return -EIO;                                          \
        pthread_mutex_lock(&(c)->lock);                               \
        __attribute__((cleanup(unlock_cleanup))) struct lxs_p9_client *_locked = (c)

static void unlock_cleanup(struct lxs_p9_client **c)
{
        pthread_mutex_unlock(&(*c)->lock);
}

static struct lxs_p9_str str_of(const char *s)
{
        size_t len = strlen(s);
        return (struct lxs_p9_str){ s, (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len) };
}

static int check_name(const char *name)
{
        return strlen(name) > UINT16_MAX ? -ENAMETOOLONG : 0;
}

/* ---- fids ---- */

static int fid_alloc(struct lxs_p9_client *c, uint32_t *fid)
{
        if (c->n_free > 0) {
                *fid = c->free_fids[--c->n_free];
                return 0;
        }
        if (c->next_fid == LXS_P9_NOFID)
                return -EMFILE;
        *fid = c->next_fid++;
        return 0;
}

static void fid_release(struct lxs_p9_client *c, uint32_t fid)
{
        if (c->n_free == c->cap_free) {
                size_t cap = c->cap_free ? c->cap_free * 2 : 64;
                uint32_t *n = realloc(c->free_fids, cap * sizeof(*n));
                if (!n)
                        return;  /* the fid number is lost, nothing else */
                c->free_fids = n;
                c->cap_free = cap;
        }
        c->free_fids[c->n_free++] = fid;
}

/* ---- setup ---- */

static int negotiate(struct lxs_p9_client *c, uint32_t offered)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TVERSION };
        m.u.version = (struct lxs_p9_version){ offered, str_of("9P2000.L") };
        int r = exchange(c, &m, LXS_P9_RVERSION, offered);
        if (r < 0)
                return r;
        const struct lxs_p9_version *v = &c->reply.u.version;
        if (v->version.len != 8 || memcmp(v->version.ptr, "9P2000.L", 8) != 0)
                return mark_dead(c, -EPROTONOSUPPORT);
        if (v->msize > offered || v->msize < LXS_P9_MSIZE_MIN)
                return mark_dead(c, -EIO);
        c->msize = v->msize;

        m = (struct lxs_p9_msg){ .type = LXS_P9_TATTACH };
        m.u.tattach = (struct lxs_p9_tattach){ ROOT_FID, LXS_P9_NOFID, str_of(""), str_of(""), NONUNAME };
        r = rpc(c, &m);
        if (r < 0)
                return r;
        c->root_qid = c->reply.u.rqid.qid;
        c->next_fid = ROOT_FID + 1;
        return 0;
}

struct lxs_p9_client *lxs_p9_client_connect(int fd, const struct lxs_p9_client_options *opts)
{
        _cleanup_close_ int owned = fd;
        uint32_t offered = opts && opts->msize ? opts->msize : LXS_P9_MSIZE_MAX;
        if (offered > LXS_P9_MSIZE_MAX)
                offered = LXS_P9_MSIZE_MAX;
        if (offered < LXS_P9_MSIZE_MIN) {
                errno = EINVAL;
                return NULL;
        }
        int r = lxs_set_nonblock(fd, 1);
        if (r < 0) {
                errno = -r;
                return NULL;
        }
        struct lxs_p9_client *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        pthread_mutex_init(&c->lock, NULL);
        c->fd = TAKE_FD(owned);
        int type;
        socklen_t tlen = sizeof(type);
        c->is_socket = getsockopt(c->fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0;
        c->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : LXS_P9_CLIENT_TIMEOUT_MS_DEFAULT;
        c->tbuf = malloc(offered);
        c->rbuf = malloc(offered);
        if (!c->tbuf || !c->rbuf) {
                lxs_p9_client_free(c);
                errno = ENOMEM;
                return NULL;
        }
        r = negotiate(c, offered);
        if (r < 0) {
                lxs_p9_client_free(c);
                errno = -r;
                return NULL;
        }
        return c;
}

void lxs_p9_client_free(struct lxs_p9_client *c)
{
        if (!c)
                return;
        if (c->fd >= 0)
                close(c->fd);
        pthread_mutex_destroy(&c->lock);
        free(c->tbuf);
        free(c->rbuf);
        free(c->free_fids);
        free(c);
}

/* ---- requests ---- */

int lxs_p9_walk(struct lxs_p9_client *c, uint32_t fid, unsigned n, const char *const *names,
                uint32_t *newfid, struct lxs_p9_qid *qid)
{
        if (n > LXS_P9_MAXWELEM)
                return -EINVAL;
        for (unsigned i = 0; i < n; i++)
                if (check_name(names[i]) < 0)
                        return -ENAMETOOLONG;
        LOCKED(c);
        uint32_t nf;
        int r = fid_alloc(c, &nf);
        if (r < 0)
                return r;
        struct lxs_p9_msg m = { .type = LXS_P9_TWALK };
        m.u.twalk.fid = fid;
        m.u.twalk.newfid = nf;
        m.u.twalk.wnames.n = (uint16_t)n;
        for (unsigned i = 0; i < n; i++)
                m.u.twalk.wnames.name[i] = str_of(names[i]);
        r = rpc(c, &m);
        if (r == 0 && c->reply.u.rwalk.wqids.n > n)
                r = mark_dead(c, -EIO);
        else if (r == 0 && c->reply.u.rwalk.wqids.n < n)
                r = -ENOENT;
        if (r < 0) {
                if (!atomic_load(&c->dead))
                        fid_release(c, nf);
                return r;
        }
        if (qid && n > 0)
                *qid = c->reply.u.rwalk.wqids.qid[n - 1];
        *newfid = nf;
        return 0;
}

int lxs_p9_clunk(struct lxs_p9_client *c, uint32_t fid)
{
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TCLUNK };
        m.u.tfid.fid = fid;
        int r = rpc(c, &m);
        if (!atomic_load(&c->dead) && fid != ROOT_FID)
                fid_release(c, fid);
        return r;
}

int lxs_p9_getattr(struct lxs_p9_client *c, uint32_t fid, uint64_t mask, struct lxs_p9_rgetattr *out)
{
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TGETATTR };
        m.u.tgetattr = (struct lxs_p9_tgetattr){ fid, mask };
        int r = rpc(c, &m);
        if (r == 0)
                *out = c->reply.u.rgetattr;
        return r;
}

int lxs_p9_setattr(struct lxs_p9_client *c, uint32_t fid, const struct lxs_p9_tsetattr *attr)
{
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TSETATTR };
        m.u.tsetattr = *attr;
        m.u.tsetattr.fid = fid;
        return rpc(c, &m);
}

int lxs_p9_lopen(struct lxs_p9_client *c, uint32_t fid, uint32_t flags, struct lxs_p9_qid *qid,
                 uint32_t *iounit)
{
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TLOPEN };
        m.u.tlopen = (struct lxs_p9_tlopen){ fid, flags };
        int r = rpc(c, &m);
        if (r == 0 && qid)
                *qid = c->reply.u.ropen.qid;
        if (r == 0 && iounit)
                *iounit = c->reply.u.ropen.iounit;
        return r;
}

int lxs_p9_lcreate(struct lxs_p9_client *c, uint32_t fid, const char *name, uint32_t flags,
                   uint32_t mode, uint32_t gid, struct lxs_p9_qid *qid)
{
        if (check_name(name) < 0)
                return -ENAMETOOLONG;
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TLCREATE };
        m.u.tlcreate = (struct lxs_p9_tlcreate){ fid, str_of(name), flags, mode, gid };
        int r = rpc(c, &m);
        if (r == 0 && qid)
                *qid = c->reply.u.ropen.qid;
        return r;
}

ssize_t lxs_p9_read(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, void *buf, uint32_t count)
{
        LOCKED(c);
        if (count > c->msize - LXS_P9_IOHDR_SIZE)
                count = c->msize - LXS_P9_IOHDR_SIZE;
        struct lxs_p9_msg m = { .type = LXS_P9_TREAD };
        m.u.tio = (struct lxs_p9_tio){ fid, offset, count };
        int r = rpc(c, &m);
        if (r < 0)
                return r;
        const struct lxs_p9_data *d = &c->reply.u.rdata.data;
        if (d->len > count)
                return mark_dead(c, -EIO);
        if (d->len)
                memcpy(buf, d->ptr, d->len);
        return d->len;
}

ssize_t lxs_p9_write(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, const void *buf,
                     uint32_t count)
{
        LOCKED(c);
        if (count > c->msize - TWRITE_HEADER_SIZE)
                count = c->msize - TWRITE_HEADER_SIZE;
        struct lxs_p9_msg m = { .type = LXS_P9_TWRITE };
        m.u.twrite = (struct lxs_p9_twrite){ fid, offset, { buf, count } };
        int r = rpc(c, &m);
        if (r < 0)
                return r;
        if (c->reply.u.rwrite.count > count)
                return mark_dead(c, -EIO);
        return c->reply.u.rwrite.count;
}

int lxs_p9_readdir(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, uint32_t count,
                   lxs_p9_dirent_fn fn, void *userdata)
{
        LOCKED(c);
        if (count > c->msize - LXS_P9_IOHDR_SIZE)
                count = c->msize - LXS_P9_IOHDR_SIZE;
        struct lxs_p9_msg m = { .type = LXS_P9_TREADDIR };
        m.u.tio = (struct lxs_p9_tio){ fid, offset, count };
        int r = rpc(c, &m);
        if (r < 0)
                return r;
        struct lxs_p9_data data = c->reply.u.rdata.data;
        if (data.len > count)
                return mark_dead(c, -EIO);
        struct lxs_p9_dirent d;
        int delivered = 0;
        /* The decoder checked every entry; names lie inside the reply, which is shorter than
         * tbuf (the request is sent and no longer needed), so tbuf holds the copy. */
        while ((r = lxs_p9_dirent_next(&data, &d)) > 0) {
                memcpy(c->tbuf, d.name.ptr, d.name.len);
                c->tbuf[d.name.len] = '\0';
                r = fn(userdata, &d, (const char *)c->tbuf);
                if (r != 0)
                        return r;
                delivered++;
        }
        if (r < 0)
                return mark_dead(c, -EIO);
        return delivered;
}

static int create_qid(struct lxs_p9_client *c, struct lxs_p9_msg *m, struct lxs_p9_qid *qid)
{
        int r = rpc(c, m);
        if (r == 0 && qid)
                *qid = c->reply.u.rqid.qid;
        return r;
}

int lxs_p9_mkdir(struct lxs_p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t gid,
                 struct lxs_p9_qid *qid)
{
        if (check_name(name) < 0)
                return -ENAMETOOLONG;
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TMKDIR };
        m.u.tmkdir = (struct lxs_p9_tmkdir){ dfid, str_of(name), mode, gid };
        return create_qid(c, &m, qid);
}

int lxs_p9_symlink(struct lxs_p9_client *c, uint32_t dfid, const char *name, const char *target,
                   uint32_t gid, struct lxs_p9_qid *qid)
{
        if (check_name(name) < 0 || check_name(target) < 0)
                return -ENAMETOOLONG;
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TSYMLINK };
        m.u.tsymlink = (struct lxs_p9_tsymlink){ dfid, str_of(name), str_of(target), gid };
        return create_qid(c, &m, qid);
}

int lxs_p9_mknod(struct lxs_p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t major,
                 uint32_t minor, uint32_t gid, struct lxs_p9_qid *qid)
{
        if (check_name(name) < 0)
                return -ENAMETOOLONG;
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TMKNOD };
        m.u.tmknod = (struct lxs_p9_tmknod){ dfid, str_of(name), mode, major, minor, gid };
        return create_qid(c, &m, qid);
}

int lxs_p9_readlink(struct lxs_p9_client *c, uint32_t fid, char **target)
{
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TREADLINK };
        m.u.tfid.fid = fid;
        int r = rpc(c, &m);
        if (r < 0)
                return r;
        const struct lxs_p9_str *t = &c->reply.u.rreadlink.target;
        char *s = strndup(t->ptr ? t->ptr : "", t->len);
        if (!s)
                return -ENOMEM;
        *target = s;
        return 0;
}

int lxs_p9_link(struct lxs_p9_client *c, uint32_t dfid, uint32_t fid, const char *name)
{
        if (check_name(name) < 0)
                return -ENAMETOOLONG;
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TLINK };
        m.u.tlink = (struct lxs_p9_tlink){ dfid, fid, str_of(name) };
        return rpc(c, &m);
}

int lxs_p9_renameat(struct lxs_p9_client *c, uint32_t olddirfid, const char *oldname, uint32_t newdirfid,
                    const char *newname)
{
        if (check_name(oldname) < 0 || check_name(newname) < 0)
                return -ENAMETOOLONG;
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TRENAMEAT };
        m.u.trenameat = (struct lxs_p9_trenameat){ olddirfid, str_of(oldname), newdirfid, str_of(newname) };
        return rpc(c, &m);
}

int lxs_p9_unlinkat(struct lxs_p9_client *c, uint32_t dirfid, const char *name, uint32_t flags)
{
        if (check_name(name) < 0)
                return -ENAMETOOLONG;
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TUNLINKAT };
        m.u.tunlinkat = (struct lxs_p9_tunlinkat){ dirfid, str_of(name), flags };
        return rpc(c, &m);
}

int lxs_p9_statfs(struct lxs_p9_client *c, uint32_t fid, struct lxs_p9_rstatfs *out)
{
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TSTATFS };
        m.u.tfid.fid = fid;
        int r = rpc(c, &m);
        if (r == 0)
                *out = c->reply.u.rstatfs;
        return r;
}

int lxs_p9_fsync(struct lxs_p9_client *c, uint32_t fid, bool datasync)
{
        LOCKED(c);
        struct lxs_p9_msg m = { .type = LXS_P9_TFSYNC };
        m.u.tfsync = (struct lxs_p9_tfsync){ fid, datasync ? 1u : 0u };
        return rpc(c, &m);
}
