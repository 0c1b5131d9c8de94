/* Relaying a session's stdio over the control channel, with credit-based flow control.
 *
 * Output (stdout, stderr; the pty master in tty mode) is read only while the host has granted
 * credit: with none left the fd is not polled, the child's pipe fills up and the child blocks,
 * which is the backpressure. Input is buffered only up to the credit the guest granted, and
 * credit goes back to the host only after the bytes were written to the child.
 *
 * Bulk bytes are copied as little as the kernel allows, because under TCG every copy in the
 * guest costs about as much as the whole host side: output from a pipe is spliced to the port
 * (port-splice.h), other output is read straight into the channel's output queue behind a
 * StreamData prefix (stream-wire.h), input is written to the child from the received frame and
 * queued only for what the pipe did not take, and the pipes are widened so that each wake-up
 * moves a whole chunk. */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control-channel.h"
#include "event-loop.h"
#include "pty.h"
#include "stream-wire.h"

/* Chunks read per readiness callback before other sessions get a turn. */
#define OUTPUT_BUDGET 4
/* Pipe size asked for the child's stdio (the kernel's default limit for unprivileged
 * processes is also 1 MiB): a chunk per wake-up, and fewer context switches. */
#define PIPE_SIZE (1 << 20)

/* Where output goes when the channel cannot take it (no host: the session dies with it). */
static uint8_t discard_buf[LXS_STREAM_CHUNK];

static void input_flush(struct session *s);

static void send_stream_close(struct session *s, Lxs__Guest__Stream stream)
{
        Lxs__Guest__StreamClose c = LXS__GUEST__STREAM_CLOSE__INIT;
        c.session_id = s->id;
        c.stream = stream;
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CLOSE;
        out.stream_close = &c;
        session_send(s, &out);
}

static void grant_stdin(struct session *s, size_t consumed)
{
        int n = lxs_recv_credit_consume(&s->in.credit, consumed);
        if (n <= 0)
                return;
        Lxs__Guest__StreamCredit c = LXS__GUEST__STREAM_CREDIT__INIT;
        c.session_id = s->id;
        c.stream = LXS__GUEST__STREAM__STREAM_STDIN;
        c.bytes = (uint32_t)n;
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CREDIT;
        out.stream_credit = &c;
        session_send(s, &out);
}

/* ---- output ---- */

static void output_unwatch(struct session *s, struct out_stream *o)
{
        if (o->watch >= 0)
                lxs_loop_unwatch(s->owner->loop, o->watch);
        o->watch = -1;
}

static void output_close(struct session *s, struct out_stream *o)
{
        output_unwatch(s, o);
        if (o->fd >= 0 && !session_shared_fd(s, o->fd))
                close(o->fd);
        o->fd = -1;
        o->closed = true;
        send_stream_close(s, o->stream);
}

/* No host to send to: the bytes are read and dropped (the session dies with the channel). */
static ssize_t output_discard(int fd, size_t want)
{
        ssize_t n = read(fd, discard_buf, want < sizeof(discard_buf) ? want : sizeof(discard_buf));
        return n < 0 ? -errno : n;
}

/* Sends up to `want` bytes of output: spliced from a pipe when the channel can, else read
 * into the channel's queue. Returns bytes sent, 0 at end of file, or negative errno. */
static ssize_t output_send(struct out_stream *o, int fd, size_t want)
{
        struct session *s = o->session;
        struct lxs_channel *ch = s->owner->channel;
        if (ch && !s->tty) {
                ssize_t n = lxs_channel_splice_data(ch, s->id, (uint32_t)o->stream, fd, want);
                /* EINVAL: not a pipe after all; copy then. */
                if (n != -EBUSY && n != -EINVAL)
                        return n == -ENOTCONN ? output_discard(fd, want) : n;
        }
        uint8_t *buf = ch ? lxs_channel_reserve(ch, want) : NULL;
        if (!buf)
                return output_discard(fd, want);
        ssize_t n = read(fd, buf, want);
        if (n <= 0) {
                lxs_channel_cancel(ch);
                return n < 0 ? -errno : 0;
        }
        uint8_t prefix[LXS_STREAM_PREFIX_MAX];
        size_t plen = lxs_stream_prefix(prefix, LXS_STREAM_FIELD_GUEST_TO_HOST, o->session->id,
                                        (uint32_t)o->stream, (size_t)n);
        lxs_channel_commit(ch, prefix, plen, (size_t)n);
        return n;
}

static void output_ready(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct out_stream *o = data;
        struct session *s = o->session;
        for (int i = 0; i < OUTPUT_BUDGET; i++) {
                size_t want = lxs_send_credit_window(&o->credit, LXS_STREAM_CHUNK);
                if (want == 0) {
                        output_unwatch(s, o); /* backpressure until the host grants more */
                        return;
                }
                ssize_t n = output_send(o, fd, want);
                if (n > 0) {
                        lxs_send_credit_spend(&o->credit, (size_t)n);
                        continue;
                }
                if (n == -EINTR)
                        continue;
                if (n == -EAGAIN)
                        return;
                /* End of file, or EIO from a pty master whose slave side is all closed. */
                output_close(s, o);
                session_maybe_finish(s);
                return;
        }
}

static void output_watch(struct session *s, struct out_stream *o)
{
        if (o->closed || o->watch >= 0 || lxs_send_credit_window(&o->credit, 1) == 0)
                return;
        o->watch = lxs_loop_watch(s->owner->loop, o->fd, POLLIN, output_ready, o);
        if (o->watch < 0) {
                o->watch = -1;
                session_abort(s, "cannot watch the child's output");
        }
}

void session_output_credit(struct session *s, struct out_stream *o, uint32_t bytes)
{
        lxs_send_credit_grant(&o->credit, bytes);
        output_watch(s, o);
}

void session_streams_start(struct session *s)
{
        if (!s->tty && !session_is_connection(s)) {
                /* Best effort: a smaller pipe only means more wake-ups. */
                for (int i = 0; i < 2; i++)
                        if (s->out[i].fd >= 0)
                                fcntl(s->out[i].fd, F_SETPIPE_SZ, PIPE_SIZE);
                if (s->in.fd >= 0)
                        fcntl(s->in.fd, F_SETPIPE_SZ, PIPE_SIZE);
        }
        if (s->tty) {
                /* A terminal has one output; stderr ends right away. */
                s->out[1].closed = true;
                send_stream_close(s, s->out[1].stream);
        }
        for (int i = 0; i < 2; i++)
                output_watch(s, &s->out[i]);
        if (s->in.head || s->in.close_requested)
                input_flush(s); /* what a connection's client sent while it was being made */
}

/* ---- input ---- */

static void input_unwatch(struct session *s)
{
        if (s->in.watch >= 0)
                lxs_loop_unwatch(s->owner->loop, s->in.watch);
        s->in.watch = -1;
}

static void input_close(struct session *s)
{
        input_unwatch(s);
        if (s->in.fd >= 0 && s->in.fd == s->sock)
                shutdown(s->sock, SHUT_WR); /* the host's client half-closed */
        else if (s->in.fd >= 0 && !session_shared_fd(s, s->in.fd))
                close(s->in.fd);
        s->in.fd = -1;
}

/* Drops pending input (the child is not reading any more); the host gets its credit back. */
static void input_discard(struct session *s)
{
        size_t dropped = 0;
        while (s->in.head) {
                struct in_chunk *c = s->in.head;
                s->in.head = c->next;
                if (c->credited)
                        dropped += c->len - c->off;
                free(c);
        }
        s->in.tail = NULL;
        s->in.discard = true;
        input_close(s);
        grant_stdin(s, dropped);
}

static void input_ready(struct lxs_loop *loop, int fd, uint32_t revents, void *data);

/* Writes pending chunks until the child's stdin would block. */
static void input_flush(struct session *s)
{
        struct in_stream *in = &s->in;
        size_t consumed = 0;
        while (in->head) {
                struct in_chunk *c = in->head;
                ssize_t n = write(in->fd, c->data + c->off, c->len - c->off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n < 0) {
                        grant_stdin(s, consumed);
                        input_discard(s); /* EPIPE: the child closed its stdin */
                        return;
                }
                c->off += (size_t)n;
                if (c->credited)
                        consumed += (size_t)n;
                if (c->off == c->len) {
                        in->head = c->next;
                        if (!in->head)
                                in->tail = NULL;
                        free(c);
                }
        }
        grant_stdin(s, consumed);
        if (in->head) {
                if (in->watch < 0) {
                        in->watch = lxs_loop_watch(s->owner->loop, in->fd, POLLOUT, input_ready, s);
                        if (in->watch < 0) {
                                in->watch = -1;
                                session_abort(s, "cannot watch the child's input");
                        }
                }
                return;
        }
        input_unwatch(s);
        /* On a terminal the end is the VEOF character, already written as the last chunk. */
        if (in->close_requested && !s->tty)
                input_close(s);
}

static void input_ready(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct session *s = data;
        input_flush(s);
        if (session_is_connection(s))
                session_maybe_finish(s); /* the last of the client's bytes went out */
}

static int input_queue(struct session *s, const uint8_t *data, size_t len, bool credited)
{
        struct in_chunk *c = malloc(sizeof(*c) + len);
        if (!c)
                return -ENOMEM;
        c->next = NULL;
        c->len = len;
        c->off = 0;
        c->credited = credited;
        memcpy(c->data, data, len);
        if (s->in.tail)
                s->in.tail->next = c;
        else
                s->in.head = c;
        s->in.tail = c;
        return 0;
}

void session_stdin_data(struct session *s, const uint8_t *data, size_t len)
{
        if (s->aborted)
                return;
        if (s->in.close_requested) {
                session_abort(s, "stdin data after its StreamClose");
                return;
        }
        if (lxs_recv_credit_accept(&s->in.credit, len) < 0) {
                session_abort(s, "stdin data beyond the granted credit");
                return;
        }
        if (len == 0)
                return;
        if (s->connect_watch >= 0) {
                /* The host pipelines a client's first bytes with the connect; they wait here. */
                if (input_queue(s, data, len, true) < 0)
                        session_abort(s, "out of memory for stdin");
                return;
        }
        if (s->in.discard || s->in.fd < 0) {
                grant_stdin(s, len);
                return;
        }
        if (!s->in.head) {
                /* Nothing pending: straight from the frame to the child; only what the pipe
                 * does not take now is copied into the queue. */
                ssize_t n;
                do
                        n = write(s->in.fd, data, len);
                while (n < 0 && errno == EINTR);
                if (n < 0 && errno != EAGAIN) {
                        input_discard(s); /* EPIPE: the child closed its stdin */
                        grant_stdin(s, len);
                        return;
                }
                if (n > 0) {
                        grant_stdin(s, (size_t)n);
                        data += n;
                        len -= (size_t)n;
                }
                if (len == 0)
                        return;
        }
        if (input_queue(s, data, len, true) < 0) {
                session_abort(s, "out of memory for stdin");
                return;
        }
        input_flush(s);
}

void session_stdin_close(struct session *s)
{
        struct in_stream *in = &s->in;
        if (in->close_requested || s->aborted)
                return;
        in->close_requested = true;
        if (in->discard || in->fd < 0)
                return;
        if (s->tty) {
                unsigned char eof;
                if (lxs_pty_eof_char(s->pty_master, &eof) < 0 || input_queue(s, &eof, 1, false) < 0)
                        return;
        }
        input_flush(s);
}

void session_streams_release(struct session *s)
{
        for (int i = 0; i < 2; i++) {
                struct out_stream *o = &s->out[i];
                output_unwatch(s, o);
                if (o->fd >= 0 && !session_shared_fd(s, o->fd))
                        close(o->fd);
                o->fd = -1;
        }
        input_unwatch(s);
        while (s->in.head) {
                struct in_chunk *c = s->in.head;
                s->in.head = c->next;
                free(c);
        }
        s->in.tail = NULL;
        if (s->in.fd >= 0 && !session_shared_fd(s, s->in.fd))
                close(s->in.fd);
        s->in.fd = -1;
        if (s->pty_master >= 0)
                close(s->pty_master);
        s->pty_master = -1;
        if (s->sock >= 0)
                close(s->sock);
        s->sock = -1;
}
