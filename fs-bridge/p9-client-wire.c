/* The 9P client's wire: tags (one slot per request in flight), sending under one lock, and the
 * receiver thread that reads every reply, checks it and hands it to its caller. See
 * p9-client-internal.h; the contract is p9-client.h's.
 *
 * The fd is non-blocking. A sender waits for room in the socket against its own deadline; a
 * synchronous caller waits for its reply against the same deadline; the receiver fails the
 * connection when a request has waited longer than the timeout, so an asynchronous request
 * cannot wait for ever either. When the connection dies, every request in flight fails with the
 * error that killed it. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "p9-client-internal.h"

#define TWRITE_HEADER_SIZE 23u  /* size type tag fid[4] offset[8] count[4] */
#define RECEIVER_TICK_MS 250

int64_t p9c_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int p9c_mark_dead(struct lxs_p9_client *c, int err)
{
        pthread_mutex_lock(&c->lock);
        if (!atomic_load(&c->dead)) {
                c->dead_error = err;
                atomic_store(&c->dead, true);
        }
        pthread_cond_broadcast(&c->changed);
        pthread_mutex_unlock(&c->lock);
        /* The stream is out of step or gone: wake the receiver (and a peer) at once. */
        if (c->is_socket)
                (void)shutdown(c->fd, SHUT_RDWR);
        return err;
}

static int errno_of_rlerror(uint32_t ecode)
{
        return ecode >= 1 && ecode <= 511 ? -(int)ecode : -EIO;
}

/* ---- transport: whole buffers within a deadline ---- */

static int wait_fd(struct lxs_p9_client *c, short events, int64_t deadline)
{
        for (;;) {
                if (atomic_load(&c->dead))
                        return -EIO;
                int64_t left = deadline - p9c_now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                struct pollfd p = { .fd = c->fd, .events = events };
                int r = poll(&p, 1, left > RECEIVER_TICK_MS ? RECEIVER_TICK_MS : (int)left);
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

/* Reads exactly len bytes. deadline < 0: no deadline, but give up once the connection is dead. */
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
                        int w = wait_fd(c, POLLIN, deadline < 0 ? INT64_MAX : deadline);
                        if (w < 0)
                                return w;
                        continue;
                }
                buf += r;
                len -= (size_t)r;
        }
        return 0;
}

/* Encodes m into tbuf (Twrite data is sent from where it lies) and sends it. Called with
 * send_lock held. -EMSGSIZE and other encoding failures are the caller's; a send failure is
 * returned as the connection's error. */
static int encode_and_send(struct lxs_p9_client *c, struct lxs_p9_msg *m, uint32_t msize, int64_t deadline,
                           struct p9c_slot *slot)
{
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
                m->u.twrite.data.ptr = data;
                if (n < 0)
                        return (int)n;
                iov[0] = (struct iovec){ c->tbuf, TWRITE_HEADER_SIZE };
                iov[1] = (struct iovec){ (void *)data, m->u.twrite.data.len };
                niov = m->u.twrite.data.len ? 2 : 1;
        } else {
                ssize_t n = lxs_p9_encode(m, c->tbuf, msize);
                if (n < 0)
                        return (int)n;
                iov[0] = (struct iovec){ c->tbuf, (size_t)n };
        }
        if (slot) {
                /* Expected from now on: the reply may arrive before sendmsg returns. */
                pthread_mutex_lock(&c->lock);
                bool dead = atomic_load(&c->dead);
                if (!dead) {
                        slot->sent = true;
                        slot->sent_ms = p9c_now_ms();
                }
                pthread_mutex_unlock(&c->lock);
                if (dead)
                        return -EIO;
        }
        int r = send_iov(c, iov, niov, deadline);
        if (r < 0)
                return p9c_mark_dead(c, r == -ETIMEDOUT || r == -ENOTCONN ? r : -EIO);
        return 0;
}

/* ---- the version exchange, before the receiver runs ---- */

int p9c_exchange_inline(struct lxs_p9_client *c, struct lxs_p9_msg *m, uint8_t want, uint32_t msize,
                        struct lxs_p9_msg *reply)
{
        int64_t deadline = p9c_now_ms() + c->timeout_ms;
        int r = encode_and_send(c, m, msize, deadline, NULL);
        if (r < 0)
                return r;
        uint8_t *buf = c->tbuf;  /* the request has been sent: tbuf holds the reply */
        r = recv_exact(c, buf, LXS_P9_HEADER_SIZE, deadline);
        if (r < 0)
                return p9c_mark_dead(c, r == -ETIMEDOUT || r == -ENOTCONN ? r : -EIO);
        ssize_t size = lxs_p9_frame_len(buf, LXS_P9_HEADER_SIZE, msize);
        uint8_t type = buf[4];
        uint16_t tag = (uint16_t)(buf[5] | buf[6] << 8);
        if (size < 0 || tag != m->tag || (type != want && type != LXS_P9_RLERROR))
                return p9c_mark_dead(c, -EIO);
        r = recv_exact(c, buf + LXS_P9_HEADER_SIZE, (size_t)size - LXS_P9_HEADER_SIZE, deadline);
        if (r < 0)
                return p9c_mark_dead(c, r == -ETIMEDOUT || r == -ENOTCONN ? r : -EIO);
        if (lxs_p9_decode(buf, (size_t)size, msize, reply) != size)
                return p9c_mark_dead(c, -EIO);
        return type == LXS_P9_RLERROR ? errno_of_rlerror(reply->u.rlerror.ecode) : 0;
}

/* ---- slots ---- */

static void slot_free_locked(struct lxs_p9_client *c, struct p9c_slot *s)
{
        s->busy = s->sent = s->done = false;
        s->async.complete = NULL;
        pthread_cond_broadcast(&c->changed);
}

static int deadline_wait(struct lxs_p9_client *c, int64_t deadline)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t left = deadline - p9c_now_ms();
        if (left <= 0)
                return ETIMEDOUT;
        if (left > RECEIVER_TICK_MS)
                left = RECEIVER_TICK_MS;  /* re-check the dead flag now and then */
        ts.tv_sec += left / 1000;
        ts.tv_nsec += (left % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
        }
        return pthread_cond_timedwait(&c->changed, &c->lock, &ts);
}

int p9c_call_begin(struct lxs_p9_client *c, struct lxs_p9_msg *m, uint8_t want, const struct p9c_async *async,
                   struct p9c_slot **out)
{
        int64_t deadline = p9c_now_ms() + c->timeout_ms;
        pthread_mutex_lock(&c->lock);
        struct p9c_slot *s = NULL;
        for (;;) {
                if (atomic_load(&c->dead)) {
                        pthread_mutex_unlock(&c->lock);
                        return -EIO;
                }
                for (unsigned i = 0; i < P9C_SLOTS && !s; i++)
                        if (!c->slots[i].busy)
                                s = &c->slots[i];
                if (s)
                        break;
                if (p9c_now_ms() >= deadline) {
                        /* Every tag held for a whole timeout: the server has stopped answering. */
                        pthread_mutex_unlock(&c->lock);
                        return p9c_mark_dead(c, -ETIMEDOUT);
                }
                deadline_wait(c, deadline);
        }
        s->busy = true;
        s->sent = s->done = false;
        s->want = want;
        s->async = async ? *async : (struct p9c_async){ 0 };
        pthread_mutex_unlock(&c->lock);
        m->tag = (uint16_t)(s - c->slots + 1);

        pthread_mutex_lock(&c->send_lock);
        int r = encode_and_send(c, m, c->msize, deadline, s);
        pthread_mutex_unlock(&c->send_lock);
        pthread_mutex_lock(&c->lock);
        bool sent = s->sent;
        if (r < 0 && !sent)
                slot_free_locked(c, s);  /* nothing went out: the connection may still be fine */
        pthread_mutex_unlock(&c->lock);
        if (r < 0 && !sent)
                return r;
        /* Sent, perhaps only in part: a failed send killed the connection, and the receiver's
         * sweep fails the slot, so an asynchronous request still completes exactly once. */
        if (async) {
                if (out)
                        *out = NULL;
                return 0;
        }
        if (r < 0) {
                p9c_call_end(c, s);
                return r;
        }
        *out = s;
        return 0;
}

int p9c_call_begin_batch(struct lxs_p9_client *c, struct lxs_p9_msg *const *m, unsigned n, struct p9c_slot **out)
{
        if (n == 0 || n > P9C_BATCH_MAX)
                return -EINVAL;
        for (unsigned i = 0; i < n; i++)
                if (m[i]->type == LXS_P9_TWRITE)
                        return -EINVAL;  /* its data is sent from where it lies: not here */
        int64_t deadline = p9c_now_ms() + c->timeout_ms;
        pthread_mutex_lock(&c->lock);
        unsigned got = 0;
        for (;;) {
                if (atomic_load(&c->dead)) {
                        pthread_mutex_unlock(&c->lock);
                        return -EIO;
                }
                got = 0;
                for (unsigned i = 0; i < P9C_SLOTS && got < n; i++)
                        if (!c->slots[i].busy)
                                out[got++] = &c->slots[i];
                if (got == n)
                        break;
                if (p9c_now_ms() >= deadline) {
                        pthread_mutex_unlock(&c->lock);
                        return p9c_mark_dead(c, -ETIMEDOUT);
                }
                deadline_wait(c, deadline);
        }
        for (unsigned i = 0; i < n; i++) {
                struct p9c_slot *s = out[i];
                s->busy = true;
                s->sent = s->done = false;
                s->want = (uint8_t)(m[i]->type + 1);
                s->async = (struct p9c_async){ 0 };
                m[i]->tag = (uint16_t)(s - c->slots + 1);
        }
        pthread_mutex_unlock(&c->lock);

        /* One write for all of them: one message through every relay on the way. */
        pthread_mutex_lock(&c->send_lock);
        size_t len = 0;
        int r = 0;
        for (unsigned i = 0; i < n && r == 0; i++) {
                ssize_t e = lxs_p9_encode(m[i], c->tbuf + len, c->msize - len);
                if (e < 0)
                        r = (int)e;
                else
                        len += (size_t)e;
        }
        bool sent = false;
        if (r == 0) {
                pthread_mutex_lock(&c->lock);
                sent = !atomic_load(&c->dead);
                for (unsigned i = 0; i < n && sent; i++) {
                        out[i]->sent = true;
                        out[i]->sent_ms = p9c_now_ms();
                }
                pthread_mutex_unlock(&c->lock);
                r = sent ? 0 : -EIO;
        }
        if (sent) {
                struct iovec iov = { c->tbuf, len };
                r = send_iov(c, &iov, 1, deadline);
                if (r < 0)
                        r = p9c_mark_dead(c, r == -ETIMEDOUT || r == -ENOTCONN ? r : -EIO);
        }
        pthread_mutex_unlock(&c->send_lock);
        if (r < 0) {
                pthread_mutex_lock(&c->lock);
                for (unsigned i = 0; i < n; i++)
                        if (!out[i]->sent)
                                slot_free_locked(c, out[i]);
                pthread_mutex_unlock(&c->lock);
                for (unsigned i = 0; i < n && sent; i++)
                        p9c_call_end(c, out[i]);
                return r;
        }
        return 0;
}

int p9c_call_wait(struct lxs_p9_client *c, struct p9c_slot *s)
{
        int64_t deadline = s->sent_ms + c->timeout_ms;
        pthread_mutex_lock(&c->lock);
        while (!s->done && !atomic_load(&c->dead)) {
                if (p9c_now_ms() >= deadline) {
                        pthread_mutex_unlock(&c->lock);
                        return p9c_mark_dead(c, -ETIMEDOUT);
                }
                deadline_wait(c, deadline);
        }
        int r = s->done ? s->result : c->dead_error;
        pthread_mutex_unlock(&c->lock);
        return r;
}

void p9c_call_end(struct lxs_p9_client *c, struct p9c_slot *s)
{
        pthread_mutex_lock(&c->lock);
        /* After a death the receiver may still be filling the slot: leave it busy, nothing
         * will take it again. */
        if (s->done || !s->sent || !atomic_load(&c->dead))
                slot_free_locked(c, s);
        pthread_mutex_unlock(&c->lock);
}

/* ---- the receiver ---- */

/* Delivers a slot's outcome: wakes its caller, or runs its completion and frees it. The reply
 * goes to a completion only with result 0. */
static void deliver(struct lxs_p9_client *c, struct p9c_slot *s, int result)
{
        if (s->async.complete) {
                s->async.complete(c, s, result, result == 0 ? &s->reply : NULL);
                pthread_mutex_lock(&c->lock);
                slot_free_locked(c, s);
                pthread_mutex_unlock(&c->lock);
                return;
        }
        pthread_mutex_lock(&c->lock);
        s->result = result;
        s->done = true;
        pthread_cond_broadcast(&c->changed);
        pthread_mutex_unlock(&c->lock);
}

static int check_timeouts(struct lxs_p9_client *c)
{
        int64_t now = p9c_now_ms();
        bool late = false;
        pthread_mutex_lock(&c->lock);
        for (unsigned i = 0; i < P9C_SLOTS; i++)
                if (c->slots[i].sent && !c->slots[i].done && now - c->slots[i].sent_ms > c->timeout_ms)
                        late = true;
        pthread_mutex_unlock(&c->lock);
        return late ? p9c_mark_dead(c, -ETIMEDOUT) : 0;
}

/* Reads one reply: 0, or the connection's error (the caller marks it dead). */
static int receive_one(struct lxs_p9_client *c)
{
        uint8_t hdr[LXS_P9_HEADER_SIZE];
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        int pr = poll(&p, 1, RECEIVER_TICK_MS);
        if (pr < 0)
                return errno == EINTR ? 0 : -EIO;
        if (pr == 0)
                return check_timeouts(c);
        int r = recv_exact(c, hdr, sizeof(hdr), -1);
        if (r < 0)
                return r == -ENOTCONN ? r : -EIO;
        ssize_t size = lxs_p9_frame_len(hdr, sizeof(hdr), c->msize);
        uint8_t type = hdr[4];
        uint16_t tag = (uint16_t)(hdr[5] | hdr[6] << 8);
        if (size < 0 || tag == 0 || tag > P9C_SLOTS)
                return -EIO;
        struct p9c_slot *s = &c->slots[tag - 1];
        pthread_mutex_lock(&c->lock);
        bool expected = s->busy && s->sent && !s->done;
        uint8_t want = s->want;
        pthread_mutex_unlock(&c->lock);
        if (!expected || (type != want && type != LXS_P9_RLERROR))
                return -EIO;
        if ((size_t)size > s->rcap) {
                uint8_t *b = realloc(s->rbuf, (size_t)size);
                if (!b)
                        return -ENOMEM;
                s->rbuf = b;
                s->rcap = (size_t)size;
        }
        memcpy(s->rbuf, hdr, sizeof(hdr));
        /* The header came in: the rest of the frame is due now, not after a whole timeout. */
        r = recv_exact(c, s->rbuf + sizeof(hdr), (size_t)size - sizeof(hdr), p9c_now_ms() + c->timeout_ms);
        if (r < 0)
                return r == -ENOTCONN || r == -ETIMEDOUT ? r : -EIO;
        if (lxs_p9_decode(s->rbuf, (size_t)size, c->msize, &s->reply) != size)
                return -EIO;
        pthread_mutex_lock(&c->lock);
        s->sent = false;  /* answered: a second reply with this tag is a violation */
        pthread_mutex_unlock(&c->lock);
        deliver(c, s, type == LXS_P9_RLERROR ? errno_of_rlerror(s->reply.u.rlerror.ecode) : 0);
        return 0;
}

static void *receive_loop(void *arg)
{
        struct lxs_p9_client *c = arg;
        while (!atomic_load(&c->dead)) {
                int r = receive_one(c);
                if (r < 0)
                        p9c_mark_dead(c, r);
        }
        /* Fail everything still in flight with the error that ended the connection. A slot
         * not yet marked sent is failed by its own sender, which finds the connection dead. */
        pthread_mutex_lock(&c->lock);
        int err = c->dead_error;
        for (unsigned i = 0; i < P9C_SLOTS; i++) {
                struct p9c_slot *s = &c->slots[i];
                if (!s->busy || !s->sent || s->done)
                        continue;
                s->sent = false;
                if (s->async.complete) {
                        pthread_mutex_unlock(&c->lock);
                        deliver(c, s, err);
                        pthread_mutex_lock(&c->lock);
                } else {
                        s->result = err;
                        s->done = true;
                }
        }
        pthread_cond_broadcast(&c->changed);
        pthread_mutex_unlock(&c->lock);
        return NULL;
}

int p9c_start_receiver(struct lxs_p9_client *c)
{
        /* Signals meant for the process must not land here. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int r = pthread_create(&c->receiver, NULL, receive_loop, c);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0)
                return -r;
        c->receiver_running = true;
        return 0;
}
