/* The 9P client's requests, one function each; see p9-client.h for the contract. Each
 * synchronous call takes a tag (p9-client-wire.c), sends its request and waits for the reply,
 * which it reads from its slot before giving the slot back; asynchronous ones hand the reply's
 * checks to a completion that runs on the receiver thread. */
#include "p9-client.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "p9-client-internal.h"
#include "p9-server.h"

#define TWRITE_HEADER_SIZE 23u  /* size type tag fid[4] offset[8] count[4] */
#define NONUNAME 0xffffffffu

/* ---- connection state ---- */

bool lxs_p9_client_dead(const struct lxs_p9_client *c)
{
        return atomic_load(&((struct lxs_p9_client *)c)->dead);
}

void lxs_p9_client_shutdown(struct lxs_p9_client *c)
{
        /* Wakes a poll() in any thread (the receiver's too); the fd stays ours until free. */
        p9c_mark_dead(c, -EIO);
        if (c->is_socket)
                (void)shutdown(c->fd, SHUT_RDWR);
}

uint32_t lxs_p9_client_msize(const struct lxs_p9_client *c) { return c->msize; }
uint32_t lxs_p9_client_iounit(const struct lxs_p9_client *c) { return c->msize - LXS_P9_IOHDR_SIZE; }
uint32_t lxs_p9_client_write_max(const struct lxs_p9_client *c) { return c->msize - TWRITE_HEADER_SIZE; }
uint32_t lxs_p9_client_root_fid(const struct lxs_p9_client *c) { return P9C_ROOT_FID; }
struct lxs_p9_qid lxs_p9_client_root_qid(const struct lxs_p9_client *c) { return c->root_qid; }

/* ---- one synchronous call ---- */

/* A request in flight and, once answered, its reply; the slot is given back at scope exit. */
struct call {
        struct lxs_p9_client *c;
        struct p9c_slot *s;
};

static void call_endp(struct call *k)
{
        if (k->s)
                p9c_call_end(k->c, k->s);
}

#define CALL(name, client) _cleanup_(call_endp) struct call name = { (client), NULL }

static int send_call(struct call *k, struct lxs_p9_msg *m)
{
        int r = p9c_call_begin(k->c, m, (uint8_t)(m->type + 1), NULL, &k->s);
        if (r < 0)
                k->s = NULL;
        return r;
}

/* Requests that travel together (see p9c_call_begin_batch); k[i] holds m[i]'s slot. */
static int send_batch(struct lxs_p9_client *c, struct lxs_p9_msg *const *m, struct call *const *k, unsigned n)
{
        struct p9c_slot *slots[P9C_BATCH_MAX];
        int r = p9c_call_begin_batch(c, m, n, slots);
        for (unsigned i = 0; i < n; i++)
                k[i]->s = r < 0 ? NULL : slots[i];
        return r;
}

static int rpc(struct call *k, struct lxs_p9_msg *m)
{
        int r = send_call(k, m);
        return r < 0 ? r : p9c_call_wait(k->c, k->s);
}

static const struct lxs_p9_msg *reply_of(const struct call *k)
{
        return &k->s->reply;
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
        pthread_mutex_lock(&c->lock);
        int r = 0;
        if (c->n_free > 0)
                *fid = c->free_fids[--c->n_free];
        else if (c->next_fid == LXS_P9_NOFID)
                r = -EMFILE;
        else
                *fid = c->next_fid++;
        pthread_mutex_unlock(&c->lock);
        return r;
}

void p9c_fid_release_locked(struct lxs_p9_client *c, uint32_t fid)
{
        if (fid == P9C_ROOT_FID || atomic_load(&c->dead))
                return;
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

static void fid_release(struct lxs_p9_client *c, uint32_t fid)
{
        pthread_mutex_lock(&c->lock);
        p9c_fid_release_locked(c, fid);
        pthread_mutex_unlock(&c->lock);
}

/* ---- setup ---- */

static int negotiate(struct lxs_p9_client *c, uint32_t offered)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TVERSION, .tag = LXS_P9_NOTAG };
        m.u.version = (struct lxs_p9_version){ offered, str_of("9P2000.L") };
        struct lxs_p9_msg reply;
        int r = p9c_exchange_inline(c, &m, LXS_P9_RVERSION, offered, &reply);
        if (r < 0)
                return r;
        const struct lxs_p9_version *v = &reply.u.version;
        if (v->version.len != 8 || memcmp(v->version.ptr, "9P2000.L", 8) != 0)
                return p9c_mark_dead(c, -EPROTONOSUPPORT);
        if (v->msize > offered || v->msize < LXS_P9_MSIZE_MIN)
                return p9c_mark_dead(c, -EIO);
        c->msize = v->msize;
        r = p9c_start_receiver(c);
        if (r < 0)
                return r;

        CALL(k, c);
        m = (struct lxs_p9_msg){ .type = LXS_P9_TATTACH };
        m.u.tattach = (struct lxs_p9_tattach){ P9C_ROOT_FID, LXS_P9_NOFID, str_of(""), str_of(""), NONUNAME };
        r = rpc(&k, &m);
        if (r < 0)
                return r;
        c->root_qid = reply_of(&k)->u.rqid.qid;
        c->next_fid = P9C_ROOT_FID + 1;
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
        pthread_mutex_init(&c->send_lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&c->changed, &ca);
        pthread_condattr_destroy(&ca);
        c->fd = TAKE_FD(owned);
        int type;
        socklen_t tlen = sizeof(type);
        c->is_socket = getsockopt(c->fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0;
        c->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : LXS_P9_CLIENT_TIMEOUT_MS_DEFAULT;
        c->msize = offered;
        c->tbuf = malloc(offered);
        if (!c->tbuf) {
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
        if (c->receiver_running) {
                p9c_mark_dead(c, -EIO);
                pthread_join(c->receiver, NULL);
        }
        if (c->fd >= 0)
                close(c->fd);
        pthread_mutex_destroy(&c->lock);
        pthread_mutex_destroy(&c->send_lock);
        pthread_cond_destroy(&c->changed);
        free(c->tbuf);
        for (unsigned i = 0; i < P9C_SLOTS; i++)
                free(c->slots[i].rbuf);
        free(c->free_fids);
        free(c);
}

/* ---- requests ---- */

static void walk_msg(struct lxs_p9_msg *m, uint32_t fid, uint32_t newfid, unsigned n, const char *const *names)
{
        *m = (struct lxs_p9_msg){ .type = LXS_P9_TWALK };
        m->u.twalk.fid = fid;
        m->u.twalk.newfid = newfid;
        m->u.twalk.wnames.n = (uint16_t)n;
        for (unsigned i = 0; i < n; i++)
                m->u.twalk.wnames.name[i] = str_of(names[i]);
}

/* The walk's answer: 0 when every name was walked, -ENOENT when fewer; more is a violation. */
static int walk_result(struct lxs_p9_client *c, const struct call *k, int r, unsigned n)
{
        if (r < 0)
                return r;
        if (reply_of(k)->u.rwalk.wqids.n > n)
                return p9c_mark_dead(c, -EIO);
        return reply_of(k)->u.rwalk.wqids.n < n ? -ENOENT : 0;
}

int lxs_p9_walk(struct lxs_p9_client *c, uint32_t fid, unsigned n, const char *const *names,
                uint32_t *newfid, struct lxs_p9_qid *qid)
{
        if (n > LXS_P9_MAXWELEM)
                return -EINVAL;
        for (unsigned i = 0; i < n; i++)
                if (check_name(names[i]) < 0)
                        return -ENAMETOOLONG;
        if (atomic_load(&c->dead))
                return -EIO;
        uint32_t nf;
        int r = fid_alloc(c, &nf);
        if (r < 0)
                return r;
        CALL(k, c);
        struct lxs_p9_msg m;
        walk_msg(&m, fid, nf, n, names);
        r = walk_result(c, &k, rpc(&k, &m), n);
        if (r < 0) {
                fid_release(c, nf);
                return r;
        }
        if (qid && n > 0)
                *qid = reply_of(&k)->u.rwalk.wqids.qid[n - 1];
        *newfid = nf;
        return 0;
}

/* Walks fid to the new fid nf (n names: 0 clones, 1 walks one step) and sends `next`, which
 * works on nf, in the same batch: both are on the wire before either answer (an in-order
 * server finds the fid the walk made; `next` fails harmlessly when the walk did). Waits for
 * both. 0 with both replies in kw and kn; else negative errno and nf clunked or given back. */
static int walk_then(struct lxs_p9_client *c, uint32_t fid, uint32_t nf, unsigned n, const char *const *names,
                     struct lxs_p9_msg *next, struct call *kw, struct call *kn)
{
        struct lxs_p9_msg mw;
        walk_msg(&mw, fid, nf, n, names);
        int rn = send_batch(c, (struct lxs_p9_msg *[]){ &mw, next }, (struct call *[]){ kw, kn }, 2);
        int r = walk_result(c, kw, rn < 0 ? rn : p9c_call_wait(c, kw->s), n);
        if (rn == 0)
                rn = p9c_call_wait(c, kn->s);
        if (r == 0 && rn < 0) {
                (void)lxs_p9_clunk(c, nf);
                return rn;
        }
        if (r < 0) {
                fid_release(c, nf);
                return r;
        }
        return 0;
}

int lxs_p9_walk_getattr(struct lxs_p9_client *c, uint32_t fid, const char *name, uint64_t mask,
                        uint32_t *newfid, struct lxs_p9_qid *qid, struct lxs_p9_rgetattr *attr)
{
        if (check_name(name) < 0)
                return -ENAMETOOLONG;
        if (atomic_load(&c->dead))
                return -EIO;
        uint32_t nf;
        int r = fid_alloc(c, &nf);
        if (r < 0)
                return r;
        CALL(kw, c);
        CALL(kg, c);
        struct lxs_p9_msg mg = { .type = LXS_P9_TGETATTR };
        mg.u.tgetattr = (struct lxs_p9_tgetattr){ nf, mask };
        r = walk_then(c, fid, nf, 1, &name, &mg, &kw, &kg);
        if (r < 0)
                return r;
        *qid = reply_of(&kw)->u.rwalk.wqids.qid[0];
        *attr = reply_of(&kg)->u.rgetattr;
        *newfid = nf;
        return 0;
}

int lxs_p9_clone_open(struct lxs_p9_client *c, uint32_t fid, uint32_t flags, uint32_t *newfid)
{
        if (atomic_load(&c->dead))
                return -EIO;
        uint32_t nf;
        int r = fid_alloc(c, &nf);
        if (r < 0)
                return r;
        CALL(kw, c);
        CALL(ko, c);
        struct lxs_p9_msg mo = { .type = LXS_P9_TLOPEN };
        mo.u.tlopen = (struct lxs_p9_tlopen){ nf, flags };
        r = walk_then(c, fid, nf, 0, NULL, &mo, &kw, &ko);
        if (r < 0)
                return r;
        *newfid = nf;
        return 0;
}

int lxs_p9_clunk(struct lxs_p9_client *c, uint32_t fid)
{
        CALL(k, c);
        struct lxs_p9_msg m = { .type = LXS_P9_TCLUNK };
        m.u.tfid.fid = fid;
        int r = rpc(&k, &m);
        fid_release(c, fid);
        return r;
}

static void clunk_complete(struct lxs_p9_client *c, struct p9c_slot *s, int result, const struct lxs_p9_msg *reply)
{
        fid_release(c, s->async.asked);
}

void lxs_p9_clunk_async(struct lxs_p9_client *c, uint32_t fid)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TCLUNK };
        m.u.tfid.fid = fid;
        struct p9c_async a = { .complete = clunk_complete, .asked = fid };
        (void)p9c_call_begin(c, &m, LXS_P9_RCLUNK, &a, NULL);
}

int lxs_p9_getattr(struct lxs_p9_client *c, uint32_t fid, uint64_t mask, struct lxs_p9_rgetattr *out)
{
        CALL(k, c);
        struct lxs_p9_msg m = { .type = LXS_P9_TGETATTR };
        m.u.tgetattr = (struct lxs_p9_tgetattr){ fid, mask };
        int r = rpc(&k, &m);
        if (r == 0)
                *out = reply_of(&k)->u.rgetattr;
        return r;
}

int lxs_p9_setattr(struct lxs_p9_client *c, uint32_t fid, const struct lxs_p9_tsetattr *attr)
{
        CALL(k, c);
        struct lxs_p9_msg m = { .type = LXS_P9_TSETATTR };
        m.u.tsetattr = *attr;
        m.u.tsetattr.fid = fid;
        return rpc(&k, &m);
}

int lxs_p9_lopen(struct lxs_p9_client *c, uint32_t fid, uint32_t flags, struct lxs_p9_qid *qid,
                 uint32_t *iounit)
{
        CALL(k, c);
        struct lxs_p9_msg m = { .type = LXS_P9_TLOPEN };
        m.u.tlopen = (struct lxs_p9_tlopen){ fid, flags };
        int r = rpc(&k, &m);
        if (r == 0 && qid)
                *qid = reply_of(&k)->u.ropen.qid;
        if (r == 0 && iounit)
                *iounit = reply_of(&k)->u.ropen.iounit;
        return r;
}

int lxs_p9_lcreate(struct lxs_p9_client *c, uint32_t fid, const char *name, uint32_t flags,
                   uint32_t mode, uint32_t gid, struct lxs_p9_qid *qid)
{
        if (check_name(name) < 0)
                return -ENAMETOOLONG;
        CALL(k, c);
        struct lxs_p9_msg m = { .type = LXS_P9_TLCREATE };
        m.u.tlcreate = (struct lxs_p9_tlcreate){ fid, str_of(name), flags, mode, gid };
        int r = rpc(&k, &m);
        if (r == 0 && qid)
                *qid = reply_of(&k)->u.ropen.qid;
        return r;
}

ssize_t lxs_p9_read(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, void *buf, uint32_t count)
{
        if (count > c->msize - LXS_P9_IOHDR_SIZE)
                count = c->msize - LXS_P9_IOHDR_SIZE;
        CALL(k, c);
        struct lxs_p9_msg m = { .type = LXS_P9_TREAD };
        m.u.tio = (struct lxs_p9_tio){ fid, offset, count };
        int r = rpc(&k, &m);
        if (r < 0)
                return r;
        const struct lxs_p9_data *d = &reply_of(&k)->u.rdata.data;
        if (d->len > count)
                return p9c_mark_dead(c, -EIO);
        if (d->len)
                memcpy(buf, d->ptr, d->len);
        return d->len;
}

ssize_t lxs_p9_write(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, const void *buf,
                     uint32_t count)
{
        if (count > c->msize - TWRITE_HEADER_SIZE)
                count = c->msize - TWRITE_HEADER_SIZE;
        CALL(k, c);
        struct lxs_p9_msg m = { .type = LXS_P9_TWRITE };
        m.u.twrite = (struct lxs_p9_twrite){ fid, offset, { buf, count } };
        int r = rpc(&k, &m);
        if (r < 0)
                return r;
        if (reply_of(&k)->u.rwrite.count > count)
                return p9c_mark_dead(c, -EIO);
        return reply_of(&k)->u.rwrite.count;
}

/* Checks an asynchronous read's or write's reply as the synchronous calls do, then tells the
 * caller. */
static void io_complete(struct lxs_p9_client *c, struct p9c_slot *s, int result, const struct lxs_p9_msg *reply)
{
        const struct p9c_async *a = &s->async;
        ssize_t n = result;
        const void *data = NULL;
        if (result == 0 && reply->type == LXS_P9_RREAD) {
                n = reply->u.rdata.data.len;
                data = reply->u.rdata.data.ptr;
        } else if (result == 0) {
                n = reply->u.rwrite.count;
        }
        if (n > (ssize_t)a->asked)
                n = p9c_mark_dead(c, -EIO);
        a->io_done(a->arg, n, a->asked, n > 0 ? data : NULL);
}

int lxs_p9_read_async(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, uint32_t count,
                      lxs_p9_io_done_fn done, void *arg)
{
        if (count > c->msize - LXS_P9_IOHDR_SIZE)
                return -EMSGSIZE;
        struct lxs_p9_msg m = { .type = LXS_P9_TREAD };
        m.u.tio = (struct lxs_p9_tio){ fid, offset, count };
        struct p9c_async a = { .complete = io_complete, .io_done = done, .arg = arg, .asked = count };
        return p9c_call_begin(c, &m, LXS_P9_RREAD, &a, NULL);
}

int lxs_p9_write_async(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, const void *buf,
                       uint32_t count, lxs_p9_io_done_fn done, void *arg)
{
        if (count > c->msize - TWRITE_HEADER_SIZE)
                return -EMSGSIZE;
        struct lxs_p9_msg m = { .type = LXS_P9_TWRITE };
        m.u.twrite = (struct lxs_p9_twrite){ fid, offset, { buf, count } };
        struct p9c_async a = { .complete = io_complete, .io_done = done, .arg = arg, .asked = count };
        return p9c_call_begin(c, &m, LXS_P9_RWRITE, &a, NULL);
}

int lxs_p9_readdir(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, uint32_t count,
                   lxs_p9_dirent_fn fn, void *userdata)
{
        if (count > c->msize - LXS_P9_IOHDR_SIZE)
                count = c->msize - LXS_P9_IOHDR_SIZE;
        CALL(k, c);
        struct lxs_p9_msg m = { .type = LXS_P9_TREADDIR };
        m.u.tio = (struct lxs_p9_tio){ fid, offset, count };
        int r = rpc(&k, &m);
        if (r < 0)
                return r;
        struct lxs_p9_data data = reply_of(&k)->u.rdata.data;
        if (data.len > count)
                return p9c_mark_dead(c, -EIO);
        struct lxs_p9_dirent d;
        int delivered = 0;
        char name[UINT16_MAX + 1];
        /* The decoder checked every entry; each name is copied out to be NUL-terminated. */
        while ((r = lxs_p9_dirent_next(&data, &d)) > 0) {
                memcpy(name, d.name.ptr, d.name.len);
                name[d.name.len] = '\0';
                r = fn(userdata, &d, name);
                if (r != 0)
                        return r;
                delivered++;
        }
        if (r < 0)
                return p9c_mark_dead(c, -EIO);
        return delivered;
}

/* The entries of a Treaddir's reply into buf (count bytes): 0, or a violation. */
static int copy_entries(struct lxs_p9_client *c, const struct call *k, uint32_t count, void *buf, uint32_t *len)
{
        const struct lxs_p9_data *d = &reply_of(k)->u.rdata.data;
        if (d->len > count)
                return p9c_mark_dead(c, -EIO);
        if (d->len)
                memcpy(buf, d->ptr, d->len);
        *len = d->len;
        return 0;
}

static uint32_t readdir_count(const struct lxs_p9_client *c, uint32_t count)
{
        return count > c->msize - LXS_P9_IOHDR_SIZE ? c->msize - LXS_P9_IOHDR_SIZE : count;
}

int lxs_p9_readdir_raw(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, uint32_t count, void *buf,
                       uint32_t *len)
{
        count = readdir_count(c, count);
        CALL(k, c);
        struct lxs_p9_msg m = { .type = LXS_P9_TREADDIR };
        m.u.tio = (struct lxs_p9_tio){ fid, offset, count };
        int r = rpc(&k, &m);
        return r < 0 ? r : copy_entries(c, &k, count, buf, len);
}

int lxs_p9_opendir_read(struct lxs_p9_client *c, uint32_t fid, uint32_t count, uint32_t *newfid, void *buf,
                        uint32_t *len)
{
        if (atomic_load(&c->dead))
                return -EIO;
        count = readdir_count(c, count);
        uint32_t nf;
        int r = fid_alloc(c, &nf);
        if (r < 0)
                return r;
        CALL(kw, c);
        CALL(ko, c);
        CALL(kr, c);
        struct lxs_p9_msg mw, mo = { .type = LXS_P9_TLOPEN }, mr = { .type = LXS_P9_TREADDIR };
        walk_msg(&mw, fid, nf, 0, NULL);
        mo.u.tlopen = (struct lxs_p9_tlopen){ nf, LXS_P9_O_RDONLY | LXS_P9_O_DIRECTORY };
        mr.u.tio = (struct lxs_p9_tio){ nf, 0, count };
        /* All three on the wire before any answer (an in-order server serves them in turn). */
        int rr = send_batch(c, (struct lxs_p9_msg *[]){ &mw, &mo, &mr }, (struct call *[]){ &kw, &ko, &kr }, 3);
        int ro = rr;
        r = walk_result(c, &kw, rr < 0 ? rr : p9c_call_wait(c, kw.s), 0);
        if (ro == 0)
                ro = p9c_call_wait(c, ko.s);
        if (rr == 0)
                rr = p9c_call_wait(c, kr.s);
        if (r < 0) {
                fid_release(c, nf);
                return r;
        }
        if (ro == 0 && rr == 0)
                rr = copy_entries(c, &kr, count, buf, len);
        if (ro < 0 || rr < 0) {
                (void)lxs_p9_clunk(c, nf);
                return ro < 0 ? ro : rr;
        }
        *newfid = nf;
        return 0;
}

static int create_qid(struct lxs_p9_client *c, struct lxs_p9_msg *m, struct lxs_p9_qid *qid)
{
        CALL(k, c);
        int r = rpc(&k, m);
        if (r == 0 && qid)
                *qid = reply_of(&k)->u.rqid.qid;
        return r;
}

int lxs_p9_mkdir(struct lxs_p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t gid,
                 struct lxs_p9_qid *qid)
{
        if (check_name(name) < 0)
                return -ENAMETOOLONG;
        struct lxs_p9_msg m = { .type = LXS_P9_TMKDIR };
        m.u.tmkdir = (struct lxs_p9_tmkdir){ dfid, str_of(name), mode, gid };
        return create_qid(c, &m, qid);
}

int lxs_p9_symlink(struct lxs_p9_client *c, uint32_t dfid, const char *name, const char *target,
                   uint32_t gid, struct lxs_p9_qid *qid)
{
        if (check_name(name) < 0 || check_name(target) < 0)
                return -ENAMETOOLONG;
        struct lxs_p9_msg m = { .type = LXS_P9_TSYMLINK };
        m.u.tsymlink = (struct lxs_p9_tsymlink){ dfid, str_of(name), str_of(target), gid };
        return create_qid(c, &m, qid);
}

int lxs_p9_mknod(struct lxs_p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t major,
                 uint32_t minor, uint32_t gid, struct lxs_p9_qid *qid)
{
        if (check_name(name) < 0)
                return -ENAMETOOLONG;
        struct lxs_p9_msg m = { .type = LXS_P9_TMKNOD };
        m.u.tmknod = (struct lxs_p9_tmknod){ dfid, str_of(name), mode, major, minor, gid };
        return create_qid(c, &m, qid);
}

int lxs_p9_readlink(struct lxs_p9_client *c, uint32_t fid, char **target)
{
        CALL(k, c);
        struct lxs_p9_msg m = { .type = LXS_P9_TREADLINK };
        m.u.tfid.fid = fid;
        int r = rpc(&k, &m);
        if (r < 0)
                return r;
        const struct lxs_p9_str *t = &reply_of(&k)->u.rreadlink.target;
        char *s = strndup(t->ptr ? t->ptr : "", t->len);
        if (!s)
                return -ENOMEM;
        *target = s;
        return 0;
}

static int simple_rpc(struct lxs_p9_client *c, struct lxs_p9_msg *m)
{
        CALL(k, c);
        return rpc(&k, m);
}

int lxs_p9_link(struct lxs_p9_client *c, uint32_t dfid, uint32_t fid, const char *name)
{
        if (check_name(name) < 0)
                return -ENAMETOOLONG;
        struct lxs_p9_msg m = { .type = LXS_P9_TLINK };
        m.u.tlink = (struct lxs_p9_tlink){ dfid, fid, str_of(name) };
        return simple_rpc(c, &m);
}

int lxs_p9_renameat(struct lxs_p9_client *c, uint32_t olddirfid, const char *oldname, uint32_t newdirfid,
                    const char *newname)
{
        if (check_name(oldname) < 0 || check_name(newname) < 0)
                return -ENAMETOOLONG;
        struct lxs_p9_msg m = { .type = LXS_P9_TRENAMEAT };
        m.u.trenameat = (struct lxs_p9_trenameat){ olddirfid, str_of(oldname), newdirfid, str_of(newname) };
        return simple_rpc(c, &m);
}

int lxs_p9_unlinkat(struct lxs_p9_client *c, uint32_t dirfid, const char *name, uint32_t flags)
{
        if (check_name(name) < 0)
                return -ENAMETOOLONG;
        struct lxs_p9_msg m = { .type = LXS_P9_TUNLINKAT };
        m.u.tunlinkat = (struct lxs_p9_tunlinkat){ dirfid, str_of(name), flags };
        return simple_rpc(c, &m);
}

int lxs_p9_statfs(struct lxs_p9_client *c, uint32_t fid, struct lxs_p9_rstatfs *out)
{
        CALL(k, c);
        struct lxs_p9_msg m = { .type = LXS_P9_TSTATFS };
        m.u.tfid.fid = fid;
        int r = rpc(&k, &m);
        if (r == 0)
                *out = reply_of(&k)->u.rstatfs;
        return r;
}

int lxs_p9_fsync(struct lxs_p9_client *c, uint32_t fid, bool datasync)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TFSYNC };
        m.u.tfsync = (struct lxs_p9_tfsync){ fid, datasync ? 1u : 0u };
        return simple_rpc(c, &m);
}
