/* lxs-host connections relayed to the host; see host-execs.h for the contract.
 *
 * The callers are untrusted processes of a distro: a frame that does not decode, anything but
 * HostExecStart first, stdin beyond the credit, or a frame larger than LXS_FRAME_MAX ends that
 * caller's connection (and hangs up its host program), never anything else. */
#include "host-execs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cleanup.h"
#include "control-channel.h"
#include "event-loop.h"
#include "frame.h"
#include "stream-wire.h"

#define SIGNAL_MAX 64
/* Frames handled per wake-up of one caller, so one busy caller cannot starve the others. */
#define ROUNDS_PER_WAKEUP 8

struct host_exec {
        struct host_exec *prev, *next;
        struct lxs_host_execs *owner;
        uint32_t id;                 /* 0 until the request went to the host */
        char distro[LXS_DISTRO_NAME_MAX + 1];
        int fd;                      /* the caller's connection; -1 once it is gone */
        int watch;
        uint32_t events;
        struct lxs_frame_reader rd;
        struct lxs_outq out;         /* frames to the caller */
        uint32_t stdin_credit;       /* what the caller may still send: the host's grants */
        uint32_t uncredited[3];      /* host output queued to the caller, not yet credited back */
        bool started;
        bool finished;               /* ExecExited or ExecFailed came: close once flushed */
        bool dead;                   /* off the list; freed by the reap timer */
        /* Refused at accept, answered once the request is in: a refusal sent before could
         * make the caller's request fail with EPIPE and hide the reason. */
        int refuse_errno;
        const char *refuse_detail;
};

struct lxs_host_execs {
        struct lxs_loop *loop;
        struct lxs_channel *channel;
        struct host_exec *head;
        struct host_exec *dead;      /* freed after the current callback (they may be in use) */
        int reap_timer;
        unsigned count;
        uint32_t next_id;
};

int lxs_host_execs_new(struct lxs_loop *loop, struct lxs_host_execs **ret)
{
        struct lxs_host_execs *hx = calloc(1, sizeof(*hx));
        if (!hx)
                return -ENOMEM;
        hx->loop = loop;
        hx->reap_timer = -1;
        *ret = hx;
        return 0;
}

void lxs_host_execs_set_channel(struct lxs_host_execs *hx, struct lxs_channel *ch)
{
        hx->channel = ch;
}

unsigned lxs_host_execs_count(const struct lxs_host_execs *hx)
{
        return hx->count;
}

static struct host_exec *find(struct lxs_host_execs *hx, uint32_t id)
{
        for (struct host_exec *he = hx->head; he; he = he->next)
                if (he->id == id)
                        return he;
        return NULL;
}

static uint32_t new_id(struct lxs_host_execs *hx)
{
        for (;;) {
                uint32_t id = (hx->next_id++ & ~LXS_HOST_EXEC_ID_BIT) | LXS_HOST_EXEC_ID_BIT;
                if (!find(hx, id))
                        return id;
        }
}

static void close_caller(struct host_exec *he)
{
        if (he->watch >= 0)
                lxs_loop_unwatch(he->owner->loop, he->watch);
        if (he->fd >= 0)
                close(he->fd);
        he->watch = he->fd = -1;
}

static void reap(struct lxs_loop *loop, void *data)
{
        struct lxs_host_execs *hx = data;
        hx->reap_timer = -1;
        while (hx->dead) {
                struct host_exec *he = hx->dead;
                hx->dead = he->next;
                lxs_frame_reader_free(&he->rd);
                lxs_outq_free(&he->out);
                free(he);
        }
}

/* Off the list at once; the memory goes after the current callback, which may still hold he
 * (and a frame in its reader). */
static void host_exec_free(struct host_exec *he)
{
        struct lxs_host_execs *hx = he->owner;
        if (he->dead)
                return;
        close_caller(he);
        if (he->prev)
                he->prev->next = he->next;
        else
                hx->head = he->next;
        if (he->next)
                he->next->prev = he->prev;
        hx->count--;
        he->dead = true;
        he->next = hx->dead;
        hx->dead = he;
        if (hx->reap_timer < 0)
                hx->reap_timer = lxs_loop_timer(hx->loop, 0, reap, hx);
}

static int send_host(struct host_exec *he, Lxs__Guest__GuestToHost *msg)
{
        if (!he->owner->channel)
                return -ENOTCONN;
        return lxs_channel_send(he->owner->channel, msg);
}

static void credit_host(struct host_exec *he)
{
        for (int st = LXS__GUEST__STREAM__STREAM_STDOUT; st <= LXS__GUEST__STREAM__STREAM_STDERR; st++) {
                if (!he->uncredited[st] || !he->id)
                        continue;
                Lxs__Guest__StreamCredit cr = LXS__GUEST__STREAM_CREDIT__INIT;
                cr.session_id = he->id;
                cr.stream = (Lxs__Guest__Stream)st;
                cr.bytes = he->uncredited[st];
                he->uncredited[st] = 0;
                Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
                msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CREDIT;
                msg.stream_credit = &cr;
                send_host(he, &msg);
        }
}

/* As a terminal hang-up would: the host program learns its caller left. */
static void hang_up(struct host_exec *he)
{
        Lxs__Guest__ExecSignal sig = LXS__GUEST__EXEC_SIGNAL__INIT;
        sig.session_id = he->id;
        sig.signal = SIGHUP;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_SIGNAL;
        msg.exec_signal = &sig;
        send_host(he, &msg);
        Lxs__Guest__StreamClose sc = LXS__GUEST__STREAM_CLOSE__INIT;
        sc.session_id = he->id;
        sc.stream = LXS__GUEST__STREAM__STREAM_STDIN;
        msg = (Lxs__Guest__GuestToHost)LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CLOSE;
        msg.stream_close = &sc;
        send_host(he, &msg);
}

/* The caller is gone or broke the protocol. Its host program, if any, is hung up and its
 * session kept until the host reports the end (the id stays taken until then). */
static void caller_gone(struct host_exec *he)
{
        close_caller(he);
        if (!he->id || he->finished) {
                host_exec_free(he);
                return;
        }
        hang_up(he);
        credit_host(he);
}

static void update_watch(struct host_exec *he)
{
        if (he->fd < 0)
                return;
        uint32_t want = POLLIN | (lxs_outq_empty(&he->out) ? 0 : POLLOUT);
        if (want != he->events && lxs_loop_watch_events(he->owner->loop, he->watch, want) == 0)
                he->events = want;
}

/* Writes what the caller takes; 0, or negative errno when the caller is gone (he is then
 * freed or detached: the caller must not use its connection any more). */
static int flush_caller(struct host_exec *he)
{
        int r = lxs_outq_flush(&he->out, he->fd);
        if (r < 0 && r != -EAGAIN) {
                caller_gone(he);
                return r;
        }
        if (lxs_outq_empty(&he->out)) {
                credit_host(he);
                if (he->finished) {
                        host_exec_free(he);
                        return -ECONNRESET;
                }
        }
        update_watch(he);
        return 0;
}

static int queue_caller(struct host_exec *he, Lxs__Guest__HostToGuest *msg)
{
        if (he->fd < 0)
                return -ENOTCONN;
        int r = lxs_outq_push_msg(&he->out, &msg->base);
        if (r < 0) {
                caller_gone(he);
                return r;
        }
        return flush_caller(he);
}

/* Answers the caller ExecFailed itself (nothing reached the host) and closes once it is sent. */
static void refuse(struct host_exec *he, int err, const char *detail)
{
        Lxs__Guest__ExecFailed f = LXS__GUEST__EXEC_FAILED__INIT;
        f.errno_value = err;
        f.detail = (char *)detail;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_FAILED;
        msg.exec_failed = &f;
        he->finished = true;
        queue_caller(he, &msg);
}

static void on_request(struct host_exec *he, Lxs__Guest__GuestToHost *msg)
{
        if (msg->msg_case != LXS__GUEST__GUEST_TO_HOST__MSG_HOST_EXEC_START) {
                caller_gone(he);
                return;
        }
        if (he->refuse_errno) {
                refuse(he, he->refuse_errno, he->refuse_detail);
                return;
        }
        if (!he->owner->channel || !lxs_channel_ready(he->owner->channel)) {
                refuse(he, ENOTCONN, "the host is not connected");
                return;
        }
        Lxs__Guest__HostExecStart *start = msg->host_exec_start;
        he->id = new_id(he->owner);
        start->session_id = he->id;
        /* The message is freed by protobuf-c: its own string goes back before that. */
        char *caller_distro = start->distro;
        start->distro = he->distro;
        int r = send_host(he, msg);
        start->distro = caller_distro;
        if (r < 0) {
                he->id = 0;
                refuse(he, ENOTCONN, "the host is not connected");
        }
}

/* Stdin in bulk: passed on from where it lies in the frame, under the host's credit. */
static void forward_stdin(struct host_exec *he, const struct lxs_stream_view *v)
{
        if (v->stream != LXS__GUEST__STREAM__STREAM_STDIN || v->len > he->stdin_credit) {
                caller_gone(he);
                return;
        }
        he->stdin_credit -= (uint32_t)v->len;
        struct lxs_channel *ch = he->owner->channel;
        if (he->finished || !ch)
                return;
        /* One copy, into the port's queue (packing a message would make two). */
        uint8_t *buf = lxs_channel_reserve(ch, v->len);
        if (!buf)
                return; /* no host: the session goes with the channel */
        memcpy(buf, v->data, v->len);
        uint8_t prefix[LXS_STREAM_PREFIX_MAX];
        size_t plen = lxs_stream_prefix(prefix, LXS_STREAM_FIELD_GUEST_TO_HOST, he->id,
                                        LXS__GUEST__STREAM__STREAM_STDIN, v->len);
        lxs_channel_commit(ch, prefix, plen, v->len);
}

static void on_caller_message(struct host_exec *he, Lxs__Guest__GuestToHost *msg)
{
        switch (msg->msg_case) {
        case LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_DATA: {
                struct lxs_stream_view v = {
                        .stream = (uint32_t)msg->stream_data->stream,
                        .data = msg->stream_data->data.data,
                        .len = msg->stream_data->data.len,
                };
                forward_stdin(he, &v);
                return;
        }
        case LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CLOSE:
                if (msg->stream_close->stream != LXS__GUEST__STREAM__STREAM_STDIN)
                        break;
                msg->stream_close->session_id = he->id;
                if (!he->finished)
                        send_host(he, msg);
                return;
        case LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_SIGNAL:
                if (msg->exec_signal->signal < 1 || msg->exec_signal->signal > SIGNAL_MAX)
                        return;
                msg->exec_signal->session_id = he->id;
                if (!he->finished)
                        send_host(he, msg);
                return;
        case LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_RESIZE:
                msg->exec_resize->session_id = he->id;
                if (!he->finished)
                        send_host(he, msg);
                return;
        default:
                break;
        }
        caller_gone(he);
}

/* One frame from the caller; false when he can no longer be used. */
static bool on_caller_frame(struct host_exec *he, const uint8_t *payload, size_t len)
{
        struct lxs_stream_view v;
        if (he->id && lxs_stream_peek(payload, len, LXS_STREAM_FIELD_GUEST_TO_HOST, &v)) {
                forward_stdin(he, &v);
                return he->fd >= 0;
        }
        _cleanup_(lxs_guest_to_host_freep) Lxs__Guest__GuestToHost *msg = lxs_guest_to_host_decode(payload, len);
        if (!msg) {
                caller_gone(he);
                return false;
        }
        if (!he->id) {
                if (he->finished)
                        return true; /* refused already: the answer is on its way */
                on_request(he, msg);
        } else {
                on_caller_message(he, msg);
        }
        return he->fd >= 0;
}

static void on_caller_io(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct host_exec *he = data;
        if ((revents & POLLOUT) && flush_caller(he) < 0)
                return;
        if (!(revents & (POLLIN | POLLHUP | POLLERR)))
                return;
        for (int round = 0; round < ROUNDS_PER_WAKEUP; round++) {
                int n = lxs_frame_reader_fill(&he->rd, he->fd);
                if (n == -EAGAIN || n == -EINTR)
                        return;
                if (n <= 0) {
                        caller_gone(he);
                        return;
                }
                for (;;) {
                        const uint8_t *payload;
                        size_t len;
                        int r = lxs_frame_reader_next(&he->rd, &payload, &len);
                        if (r == 0)
                                break;
                        if (r < 0) {
                                caller_gone(he);
                                return;
                        }
                        if (!on_caller_frame(he, payload, len))
                                return;
                }
        }
}

void lxs_host_execs_accept(struct lxs_host_execs *hx, int fd, const char *distro, bool interop_enabled)
{
        struct host_exec *he = calloc(1, sizeof(*he));
        if (!he) {
                close(fd);
                return;
        }
        he->owner = hx;
        he->fd = fd;
        snprintf(he->distro, sizeof(he->distro), "%s", distro);
        he->stdin_credit = LXS_STREAM_INITIAL_CREDIT;
        lxs_frame_reader_init(&he->rd);
        lxs_outq_init(&he->out);
        he->events = POLLIN;
        he->watch = lxs_loop_watch(hx->loop, fd, POLLIN, on_caller_io, he);
        if (he->watch < 0) {
                close(fd);
                free(he);
                return;
        }
        he->next = hx->head;
        if (hx->head)
                hx->head->prev = he;
        hx->head = he;
        hx->count++;
        if (!interop_enabled) {
                he->refuse_errno = EPERM;
                he->refuse_detail = "interop is disabled in this distro ([interop] enabled = false in /etc/lxs.conf)";
        } else if (hx->count > LXS_HOST_EXECS_MAX) {
                he->refuse_errno = EAGAIN;
                he->refuse_detail = "too many host programs running from this VM";
        }
}

static struct host_exec *find_live(struct lxs_host_execs *hx, uint32_t id)
{
        struct host_exec *he = find(hx, id);
        return he && !he->finished ? he : NULL;
}

static void forward_end(struct host_exec *he, Lxs__Guest__HostToGuest *msg)
{
        he->finished = true;
        if (he->fd < 0) {
                host_exec_free(he);
                return;
        }
        queue_caller(he, msg);
}

void lxs_host_execs_started(struct lxs_host_execs *hx, const Lxs__Guest__ExecStarted *m)
{
        struct host_exec *he = find_live(hx, m->session_id);
        if (!he || he->started)
                return;
        he->started = true;
        Lxs__Guest__ExecStarted st = *m;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_STARTED;
        msg.exec_started = &st;
        queue_caller(he, &msg);
}

void lxs_host_execs_failed(struct lxs_host_execs *hx, const Lxs__Guest__ExecFailed *m)
{
        struct host_exec *he = find_live(hx, m->session_id);
        if (!he)
                return;
        Lxs__Guest__ExecFailed f = *m;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_FAILED;
        msg.exec_failed = &f;
        forward_end(he, &msg);
}

void lxs_host_execs_exited(struct lxs_host_execs *hx, const Lxs__Guest__ExecExited *m)
{
        struct host_exec *he = find_live(hx, m->session_id);
        if (!he)
                return;
        Lxs__Guest__ExecExited e = *m;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_EXITED;
        msg.exec_exited = &e;
        forward_end(he, &msg);
}

void lxs_host_execs_data(struct lxs_host_execs *hx, const Lxs__Guest__StreamData *m)
{
        struct host_exec *he = find_live(hx, m->session_id);
        if (!he || m->stream == LXS__GUEST__STREAM__STREAM_STDIN)
                return;
        he->uncredited[m->stream] += (uint32_t)m->data.len;
        if (he->fd < 0) {
                credit_host(he);
                return;
        }
        uint8_t head[LXS_FRAME_HEADER + LXS_STREAM_PREFIX_MAX];
        size_t plen = lxs_stream_prefix(head + LXS_FRAME_HEADER, LXS_STREAM_FIELD_HOST_TO_GUEST, m->session_id,
                                        (uint32_t)m->stream, m->data.len);
        uint32_t flen = (uint32_t)(plen + m->data.len);
        head[0] = (uint8_t)flen;
        head[1] = (uint8_t)(flen >> 8);
        head[2] = (uint8_t)(flen >> 16);
        head[3] = (uint8_t)(flen >> 24);
        size_t hlen = LXS_FRAME_HEADER + plen, done = 0;
        if (lxs_outq_empty(&he->out)) {
                /* Straight from the port's frame to the caller: a copy saved when the socket
                 * takes it; only what it does not take is queued. */
                struct iovec iov[2] = { { head, hlen }, { m->data.data, m->data.len } };
                ssize_t n = writev(he->fd, iov, 2);
                if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        caller_gone(he);
                        return;
                }
                done = n > 0 ? (size_t)n : 0;
        }
        int r = 0;
        if (done < hlen)
                r = lxs_outq_push_raw(&he->out, head + done, hlen - done);
        size_t data_done = done > hlen ? done - hlen : 0;
        if (r == 0)
                r = lxs_outq_push_raw(&he->out, m->data.data + data_done, m->data.len - data_done);
        if (r < 0) {
                caller_gone(he);
                return;
        }
        flush_caller(he);
}

void lxs_host_execs_close(struct lxs_host_execs *hx, const Lxs__Guest__StreamClose *m)
{
        struct host_exec *he = find_live(hx, m->session_id);
        if (!he || he->fd < 0)
                return;
        Lxs__Guest__StreamClose c = *m;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CLOSE;
        msg.stream_close = &c;
        queue_caller(he, &msg);
}

void lxs_host_execs_credit(struct lxs_host_execs *hx, const Lxs__Guest__StreamCredit *m)
{
        struct host_exec *he = find_live(hx, m->session_id);
        if (!he || m->stream != LXS__GUEST__STREAM__STREAM_STDIN)
                return;
        /* Saturating: a grant can never make the caller's allowance wrap. */
        he->stdin_credit = m->bytes > UINT32_MAX - he->stdin_credit ? UINT32_MAX : he->stdin_credit + m->bytes;
        if (he->fd < 0)
                return;
        Lxs__Guest__StreamCredit c = *m;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CREDIT;
        msg.stream_credit = &c;
        queue_caller(he, &msg);
}

void lxs_host_execs_host_gone(struct lxs_host_execs *hx)
{
        while (hx->head)
                host_exec_free(hx->head);
}

void lxs_host_execs_free(struct lxs_host_execs *hx)
{
        if (!hx)
                return;
        lxs_host_execs_host_gone(hx);
        if (hx->reap_timer >= 0)
                lxs_loop_cancel_timer(hx->loop, hx->reap_timer);
        reap(hx->loop, hx);
        free(hx);
}
