/* Guest end of the control channel; see control-channel.h for the contract.
 *
 * States: WAIT_HOST (port open, no host: SIGIO armed, fd not polled, because a port without a
 * host polls readable and would spin the loop), HELLO_SENT, READY, and BROKEN (teardown is
 * deferred to a zero timer so that nobody tears the channel down under a caller's feet, e.g.
 * a session sending data when the write fails). */
#include "control-channel.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "control-port.h"
#include "event-loop.h"
#include "port-splice.h"
#include "report.h"
#include "status.h"
#include "stream-wire.h"

#ifndef LXS_VERSION
#error "LXS_VERSION comes from the top-level project version"
#endif

/* Fallback re-check while no host is connected, should a SIGIO ever be missed. */
#define WAIT_HOST_RECHECK_MS 1000
/* Reads per readiness callback before other work gets a turn. */
#define READ_BUDGET 64
/* virtio_console takes at most 32 KiB per write() and hands out one 4 KiB receive buffer per
 * read() (drivers/char/virtio_console.c); vectored calls move many of each per system call. */
#define PORT_WRITE_MAX (32u * 1024u)
#define PORT_READ_UNIT 4096u

enum channel_state { CH_WAIT_HOST, CH_HELLO_SENT, CH_READY, CH_BROKEN };

struct lxs_channel {
        struct lxs_loop *loop;
        const struct lxs_channel_ops *ops;
        void *data;
        char devpath[128];
        int fd;
        int watch;
        int timer;
        enum channel_state state;
        bool was_ready;  /* ops->down is owed at teardown */
        bool want_out;   /* POLLOUT armed: the port did not take all queued bytes */
        struct lxs_frame_reader reader;
        struct lxs_port_splice splice; /* a staged zero-copy frame goes out before outq */
        struct lxs_outq outq;
};

static void try_connect(struct lxs_channel *ch);

static void set_timer(struct lxs_channel *ch, uint64_t ms, lxs_timer_cb cb)
{
        if (ch->timer >= 0)
                lxs_loop_cancel_timer(ch->loop, ch->timer);
        ch->timer = lxs_loop_timer(ch->loop, ms, cb, ch);
}

static void teardown(struct lxs_loop *loop, void *data)
{
        struct lxs_channel *ch = data;
        ch->timer = -1;
        if (ch->fd >= 0)
                close(ch->fd);
        ch->fd = -1;
        lxs_frame_reader_free(&ch->reader);
        lxs_port_splice_reset(&ch->splice);
        lxs_outq_free(&ch->outq);
        ch->want_out = false;
        ch->state = CH_WAIT_HOST;
        if (ch->was_ready) {
                ch->was_ready = false;
                ch->ops->down(ch, ch->data);
        }
        try_connect(ch);
}

/* Stops using the port now; the rest happens in teardown() from a fresh loop iteration. */
static void break_channel(struct lxs_channel *ch)
{
        if (ch->state == CH_BROKEN || ch->state == CH_WAIT_HOST)
                return;
        if (ch->state == CH_READY)
                lxs_report_set_sink(NULL, NULL);
        ch->state = CH_BROKEN;
        if (ch->watch >= 0)
                lxs_loop_unwatch(ch->loop, ch->watch);
        ch->watch = -1;
        set_timer(ch, 0, teardown);
}

static void protocol_error(struct lxs_channel *ch, int err, const char *what)
{
        /* Reported while the channel still works, so the host may learn why it is dropped. */
        lxs_report(err, false, what, "control channel");
        break_channel(ch);
}

static int flush(struct lxs_channel *ch)
{
        int r = lxs_port_splice_flush(&ch->splice, ch->fd);
        if (r == 0)
                r = lxs_outq_flush(&ch->outq, ch->fd);
        if (r == -EAGAIN || r == -EINTR) {
                if (!ch->want_out) {
                        ch->want_out = true;
                        lxs_loop_watch_events(ch->loop, ch->watch, POLLIN | POLLOUT);
                }
                return 0;
        }
        if (r < 0) {
                break_channel(ch);
                return r;
        }
        if (ch->want_out) {
                ch->want_out = false;
                lxs_loop_watch_events(ch->loop, ch->watch, POLLIN);
        }
        return 0;
}

int lxs_channel_send(struct lxs_channel *ch, const Lxs__Guest__GuestToHost *msg)
{
        if (ch->state != CH_HELLO_SENT && ch->state != CH_READY)
                return -ENOTCONN;
        int r = lxs_outq_push_msg(&ch->outq, &msg->base);
        if (r < 0)
                return r;
        return ch->want_out ? 0 : flush(ch);
}

uint8_t *lxs_channel_reserve(struct lxs_channel *ch, size_t max)
{
        if (ch->state != CH_HELLO_SENT && ch->state != CH_READY)
                return errno = ENOTCONN, NULL;
        return lxs_outq_reserve(&ch->outq, max);
}

int lxs_channel_commit(struct lxs_channel *ch, const uint8_t *prefix, size_t prefix_len, size_t len)
{
        if (ch->state != CH_HELLO_SENT && ch->state != CH_READY)
                return -ENOTCONN;
        int r = lxs_outq_commit(&ch->outq, prefix, prefix_len, len);
        if (r < 0)
                return r;
        return ch->want_out ? 0 : flush(ch);
}

ssize_t lxs_channel_splice_data(struct lxs_channel *ch, uint32_t session_id, uint32_t stream, int src, size_t max)
{
        if (ch->state != CH_HELLO_SENT && ch->state != CH_READY)
                return -ENOTCONN;
        /* Only with nothing queued: the staged frame is written before the queue. */
        if (ch->want_out || !lxs_outq_empty(&ch->outq))
                return -EBUSY;
        ssize_t n = lxs_port_splice_stage(&ch->splice, session_id, stream, src, max);
        if (n == -EIO) {
                protocol_error(ch, EIO, "staging output for the port");
                return -ENOTCONN;
        }
        if (n > 0)
                flush(ch);
        return n;
}

void lxs_channel_cancel(struct lxs_channel *ch)
{
        lxs_outq_cancel(&ch->outq);
}

bool lxs_channel_ready(const struct lxs_channel *ch)
{
        return ch->state == CH_READY;
}

void lxs_channel_failure_sink(const char *stage, int errno_value, const char *detail, bool fatal, void *data)
{
        Lxs__Guest__GuestFailure f = LXS__GUEST__GUEST_FAILURE__INIT;
        f.stage = (char *)stage;
        f.errno_value = errno_value;
        f.detail = (char *)(detail ? detail : "");
        f.fatal = fatal;
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_FAILURE;
        out.failure = &f;
        lxs_channel_send(data, &out);
}

void lxs_channel_handle_frame(struct lxs_channel *ch, const uint8_t *payload, size_t len)
{
        struct lxs_stream_view v;
        if (ch->state == CH_READY && lxs_stream_peek(payload, len, LXS_STREAM_FIELD_HOST_TO_GUEST, &v)) {
                /* Stdin in bulk: handed on where it lies in the frame, not copied by unpacking. */
                Lxs__Guest__StreamData d = LXS__GUEST__STREAM_DATA__INIT;
                d.session_id = v.session_id;
                d.stream = (Lxs__Guest__Stream)v.stream;
                d.data.data = (uint8_t *)v.data;
                d.data.len = v.len;
                Lxs__Guest__HostToGuest m = LXS__GUEST__HOST_TO_GUEST__INIT;
                m.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_DATA;
                m.stream_data = &d;
                ch->ops->message(ch, &m, ch->data);
                return;
        }
        _cleanup_(lxs_host_to_guest_freep) Lxs__Guest__HostToGuest *msg = lxs_host_to_guest_decode(payload, len);
        if (!msg) {
                protocol_error(ch, EBADMSG, "malformed message from the host");
                return;
        }
        if (ch->state == CH_READY) {
                ch->ops->message(ch, msg, ch->data);
                return;
        }
        if (ch->state != CH_HELLO_SENT)
                return;
        /* Whole messages before HelloAck can only be leftovers addressed to the previous
         * conversation (sent before the host saw this Hello); its sessions are gone already. */
        if (msg->msg_case != LXS__GUEST__HOST_TO_GUEST__MSG_HELLO_ACK)
                return;
        if (msg->hello_ack->accepted) {
                ch->state = CH_READY;
                ch->was_ready = true;
        }
        ch->ops->hello_ack(ch, msg->hello_ack, ch->data);
}

static void read_frames(struct lxs_channel *ch)
{
        for (int i = 0; i < READ_BUDGET; i++) {
                int r = lxs_frame_reader_fill_vec(&ch->reader, ch->fd, PORT_READ_UNIT);
                if (r == -EAGAIN || r == -EINTR)
                        return;
                if (r <= 0) {
                        /* EOF, EIO, hang-up: the host is gone; nothing to report. */
                        break_channel(ch);
                        return;
                }
                for (;;) {
                        const uint8_t *payload;
                        size_t len;
                        r = lxs_frame_reader_next(&ch->reader, &payload, &len);
                        if (r == 0)
                                break;
                        if (r < 0) {
                                protocol_error(ch, -r, "frame longer than the protocol allows");
                                return;
                        }
                        lxs_channel_handle_frame(ch, payload, len);
                        if (ch->state == CH_BROKEN)
                                return;
                }
        }
}

static void port_ready(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct lxs_channel *ch = data;
        if (revents & POLLOUT)
                flush(ch);
        if (ch->state != CH_BROKEN && (revents & (POLLIN | POLLHUP | POLLERR)))
                read_frames(ch);
}

static int send_hello(struct lxs_channel *ch)
{
        struct utsname u;
        if (uname(&u) < 0)
                memset(&u, 0, sizeof(u));
        Lxs__Guest__Hello hello = LXS__GUEST__HELLO__INIT;
        hello.protocol_version = LXS_GUEST_PROTOCOL_VERSION;
        hello.init_version = (char *)LXS_VERSION;
        hello.kernel_release = u.release;
        hello.uptime_ms = lxs_uptime_ms();
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_HELLO;
        out.hello = &hello;
        return lxs_channel_send(ch, &out);
}

static void recheck(struct lxs_loop *loop, void *data)
{
        struct lxs_channel *ch = data;
        ch->timer = -1;
        try_connect(ch);
}

static void try_connect(struct lxs_channel *ch)
{
        if (ch->state != CH_WAIT_HOST)
                return;
        if (ch->fd < 0) {
                ch->fd = lxs_control_port_open(ch->devpath);
                if (ch->fd < 0) {
                        lxs_report(-ch->fd, false, ch->devpath, "reopen control port");
                        set_timer(ch, WAIT_HOST_RECHECK_MS, recheck);
                        return;
                }
        }
        /* Arm the notification before looking, so a connection in between is not missed. */
        lxs_control_port_notify(ch->fd, true);
        if (!lxs_control_port_host_connected(ch->fd)) {
                set_timer(ch, WAIT_HOST_RECHECK_MS, recheck);
                return;
        }
        if (ch->timer >= 0)
                lxs_loop_cancel_timer(ch->loop, ch->timer);
        ch->timer = -1;
        /* Connected: data would raise SIGIO for nothing from here on. */
        lxs_control_port_notify(ch->fd, false);
        ch->watch = lxs_loop_watch(ch->loop, ch->fd, POLLIN, port_ready, ch);
        if (ch->watch < 0) {
                lxs_report(-ch->watch, false, NULL, "watch control port");
                set_timer(ch, WAIT_HOST_RECHECK_MS, recheck);
                return;
        }
        ch->state = CH_HELLO_SENT;
        send_hello(ch);
}

void lxs_channel_port_changed(struct lxs_channel *ch)
{
        try_connect(ch);
}

int lxs_channel_new(struct lxs_loop *loop, int fd, const char *devpath, const struct lxs_channel_ops *ops,
                    void *data, struct lxs_channel **ret)
{
        struct lxs_channel *ch = calloc(1, sizeof(*ch));
        if (!ch)
                return -ENOMEM;
        if ((size_t)snprintf(ch->devpath, sizeof(ch->devpath), "%s", devpath) >= sizeof(ch->devpath)) {
                free(ch);
                return -ENAMETOOLONG;
        }
        ch->loop = loop;
        ch->ops = ops;
        ch->data = data;
        ch->fd = fd;
        ch->watch = -1;
        ch->timer = -1;
        ch->state = CH_WAIT_HOST;
        lxs_frame_reader_init(&ch->reader);
        lxs_port_splice_init(&ch->splice);
        lxs_outq_init(&ch->outq);
        ch->outq.slice = PORT_WRITE_MAX;
        *ret = ch;
        try_connect(ch);
        return 0;
}

void lxs_channel_close(struct lxs_channel *ch, int timeout_ms)
{
        if (!ch || ch->fd < 0)
                return;
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        while (ch->state != CH_WAIT_HOST &&
               (lxs_port_splice_pending(&ch->splice) || !lxs_outq_empty(&ch->outq))) {
                int r = lxs_port_splice_flush(&ch->splice, ch->fd);
                if (r == 0)
                        r = lxs_outq_flush(&ch->outq, ch->fd);
                if (r != -EAGAIN && r != -EINTR)
                        break;
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                long long spent = (now.tv_sec - start.tv_sec) * 1000LL + (now.tv_nsec - start.tv_nsec) / 1000000;
                if (spent >= timeout_ms)
                        break;
                struct pollfd p = { .fd = ch->fd, .events = POLLOUT };
                poll(&p, 1, (int)(timeout_ms - spent));
        }
        if (ch->watch >= 0)
                lxs_loop_unwatch(ch->loop, ch->watch);
        ch->watch = -1;
        close(ch->fd);
        ch->fd = -1;
        ch->state = CH_BROKEN;
}

void lxs_channel_free(struct lxs_channel *ch)
{
        if (!ch)
                return;
        if (ch->watch >= 0)
                lxs_loop_unwatch(ch->loop, ch->watch);
        if (ch->timer >= 0)
                lxs_loop_cancel_timer(ch->loop, ch->timer);
        if (ch->fd >= 0)
                close(ch->fd);
        lxs_frame_reader_free(&ch->reader);
        lxs_port_splice_reset(&ch->splice);
        lxs_outq_free(&ch->outq);
        free(ch);
}
