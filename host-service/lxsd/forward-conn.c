/* Forwarded connections: a client of the host's 127.0.0.1:P or [::1]:P <-> a connection session
 * in the guest (guest.proto ExecStart.connect_port), which /init connects to the server on the
 * VM's loopback.
 *
 * Flow control is end to end, as for process sessions: what the server sends (STREAM_STDOUT) is
 * written to the client and credited back to the guest only once the client's socket took it,
 * so a client that stops reading stalls its own connection and lxsd holds at most the initial
 * credit for it; what the client sends (STREAM_STDIN) is read only while the guest has granted
 * credit, straight into the channel's queue, from the start: the guest holds what comes before
 * its connect completed. End of file either way is a half-close
 * (StreamClose, shutdown). A client that resets or stops accepting bytes for good resets the
 * server's side (ExecSignal); a server that cannot be reached resets the client (SO_LINGER 0).
 * The guest is untrusted: data beyond the credit we granted, credit beyond what we could have
 * used, or a stream a connection does not have is a violation, which ends the VM. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd-streams.h"
#include "log.h"
#include "lxsd.h"

struct forward_conn {
        struct forward_conn *next;
        struct vm_manager *m;
        uint32_t id;
        uint16_t port;
        int fd;
        int read_watch, write_watch;
        bool started;
        /* client -> server (STREAM_STDIN) */
        uint64_t send_credit;        /* bytes the guest lets us send now */
        bool client_eof;             /* StreamClose{STDIN} sent */
        /* server -> client (STREAM_STDOUT) */
        uint64_t recv_granted;       /* bytes the guest may still send us */
        struct fd_sink to_client;
        bool server_eof;             /* StreamClose{STDOUT} came: shutdown once to_client drains */
        bool client_gone;            /* the client stopped taking bytes: the guest's are dropped */
        bool exited;                 /* ExecExited came: freed once to_client drains */
};

struct forward_conn *forward_conn_find(struct vm_manager *m, uint32_t id)
{
        for (struct forward_conn *fc = m->forward_conns; fc; fc = fc->next)
                if (fc->id == id)
                        return fc;
        return NULL;
}

static void unwatch(struct forward_conn *fc, int *watch)
{
        if (*watch >= 0)
                lxs_loop_unwatch(fc->m->d->loop, *watch);
        *watch = -1;
}

/* reset: the client sees a reset rather than an orderly end (nothing reached the server). */
static void conn_free(struct forward_conn *fc, bool reset)
{
        struct vm_manager *m = fc->m;
        for (struct forward_conn **p = &m->forward_conns; *p; p = &(*p)->next)
                if (*p == fc) {
                        *p = fc->next;
                        m->n_forward_conns--;
                        break;
                }
        unwatch(fc, &fc->read_watch);
        unwatch(fc, &fc->write_watch);
        fd_sink_drop(&fc->to_client);
        if (reset) {
                struct linger hard = { .l_onoff = 1, .l_linger = 0 };
                setsockopt(fc->fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
        }
        close(fc->fd);
        free(fc);
}

static void grant_output(struct forward_conn *fc, size_t bytes)
{
        if (!bytes)
                return;
        fc->recv_granted += bytes;
        vm_send_stream_credit(fc->m, fc->id, LXS__GUEST__STREAM__STREAM_STDOUT, (uint32_t)bytes);
}

/* The client will take no more: what the guest sends is dropped from now on, and the server's
 * side is reset so it stops sending. */
static void client_gone(struct forward_conn *fc)
{
        if (fc->client_gone)
                return;
        fc->client_gone = true;
        unwatch(fc, &fc->read_watch);
        unwatch(fc, &fc->write_watch);
        grant_output(fc, fd_sink_drop(&fc->to_client));
        if (!fc->exited)
                vm_send_signal(fc->m, fc->id, SIGKILL); /* resets the server's side */
}

/* After output moved: the half-close once everything is out, the end once the guest's is. */
static void after_output(struct forward_conn *fc)
{
        if (!fd_sink_empty(&fc->to_client))
                return;
        unwatch(fc, &fc->write_watch);
        if (fc->server_eof && !fc->client_gone)
                shutdown(fc->fd, SHUT_WR);
        if (fc->exited)
                conn_free(fc, false);
}

static void on_writable(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct forward_conn *fc = data;
        size_t dropped = 0;
        ssize_t n = fd_sink_flush(&fc->to_client, fc->fd, &dropped);
        if (n > 0)
                grant_output(fc, (size_t)n);
        if (n < 0) {
                grant_output(fc, dropped);
                client_gone(fc);
        }
        after_output(fc);
}

static void on_readable(struct lxs_loop *loop, int fd, uint32_t revents, void *data);

static void watch_client(struct forward_conn *fc)
{
        if (fc->exited || fc->client_eof || fc->client_gone || fc->read_watch >= 0 || fc->send_credit == 0)
                return;
        fc->read_watch = lxs_loop_watch(fc->m->d->loop, fc->fd, POLLIN, on_readable, fc);
        if (fc->read_watch < 0) {
                fc->read_watch = -1;
                client_gone(fc);
        }
}

static void on_readable(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct forward_conn *fc = data;
        ssize_t n = vm_send_stream_from_fd(fc->m, fc->id, LXS__GUEST__STREAM__STREAM_STDIN, fc->fd, fc->send_credit);
        if (n == -EAGAIN)
                return;
        if (n > 0) {
                fc->send_credit -= (uint64_t)n;
                if (fc->send_credit == 0)
                        unwatch(fc, &fc->read_watch);
                return;
        }
        unwatch(fc, &fc->read_watch);
        if (n < 0) {
                client_gone(fc); /* reset by the client */
                return;
        }
        fc->client_eof = true;
        vm_send_stream_close(fc->m, fc->id, LXS__GUEST__STREAM__STREAM_STDIN);
}

void forward_conn_open(struct vm_manager *m, uint16_t port, int fd)
{
        if (m->state != VM_RUNNING || m->n_forward_conns >= LXSD_FORWARD_CONNS_MAX) {
                if (m->state == VM_RUNNING)
                        lxsd_log("localhost forwarding: port %u: connection refused: %u connections open", port,
                                 m->n_forward_conns);
                close(fd);
                return;
        }
        struct forward_conn *fc = calloc(1, sizeof(*fc));
        if (!fc) {
                close(fd);
                return;
        }
        *fc = (struct forward_conn){ .m = m, .id = session_new_id(m), .port = port, .fd = fd, .read_watch = -1,
                                     .write_watch = -1, .send_credit = LXS_STREAM_INITIAL_CREDIT,
                                     .recv_granted = LXS_STREAM_INITIAL_CREDIT };
        fc->next = m->forward_conns;
        m->forward_conns = fc;
        m->n_forward_conns++;
        Lxs__Guest__ExecStart st = LXS__GUEST__EXEC_START__INIT;
        st.session_id = fc->id;
        st.connect_port = port;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START;
        msg.exec_start = &st;
        vm_send(m, &msg.base);
        /* The client's first bytes go right behind (the guest queues them while it connects):
         * a client that speaks first gets its answer one round trip sooner. */
        watch_client(fc);
}

int forward_conn_on_started(struct forward_conn *fc, const Lxs__Guest__ExecStarted *msg)
{
        if (fc->started || fc->exited)
                return -EPROTO;
        fc->started = true;
        return 0;
}

int forward_conn_on_failed(struct forward_conn *fc, const Lxs__Guest__ExecFailed *msg)
{
        if (fc->started || fc->exited)
                return -EPROTO;
        conn_free(fc, true); /* as a refused connection looks on the host */
        return 0;
}

int forward_conn_on_data(struct forward_conn *fc, const Lxs__Guest__StreamData *msg)
{
        size_t len = msg->data.len;
        if (!fc->started || fc->exited || msg->stream != LXS__GUEST__STREAM__STREAM_STDOUT || fc->server_eof ||
            len > fc->recv_granted)
                return -EPROTO;
        fc->recv_granted -= len;
        if (fc->client_gone) {
                grant_output(fc, len);
                return 0;
        }
        ssize_t n = fd_sink_write(&fc->to_client, fc->fd, msg->data.data, len);
        if (n < 0) {
                grant_output(fc, len);
                client_gone(fc);
                return 0;
        }
        grant_output(fc, (size_t)n);
        if (!fd_sink_empty(&fc->to_client) && fc->write_watch < 0) {
                fc->write_watch = lxs_loop_watch(fc->m->d->loop, fc->fd, POLLOUT, on_writable, fc);
                if (fc->write_watch < 0) {
                        fc->write_watch = -1;
                        client_gone(fc);
                }
        }
        return 0;
}

int forward_conn_on_close(struct forward_conn *fc, const Lxs__Guest__StreamClose *msg)
{
        if (!fc->started || fc->exited || msg->stream != LXS__GUEST__STREAM__STREAM_STDOUT || fc->server_eof)
                return -EPROTO;
        fc->server_eof = true;
        after_output(fc);
        return 0;
}

int forward_conn_on_credit(struct forward_conn *fc, const Lxs__Guest__StreamCredit *msg)
{
        if (!fc->started || fc->exited || msg->stream != LXS__GUEST__STREAM__STREAM_STDIN ||
            fc->send_credit + msg->bytes > (uint64_t)LXS_STREAM_INITIAL_CREDIT * 4)
                return -EPROTO;
        fc->send_credit += msg->bytes;
        watch_client(fc);
        return 0;
}

int forward_conn_on_exited(struct forward_conn *fc, const Lxs__Guest__ExecExited *msg)
{
        if (fc->exited)
                return -EPROTO;
        fc->exited = true;
        unwatch(fc, &fc->read_watch);
        /* Ended before it was connected (the client went first): nothing was ever relayed. */
        after_output(fc);
        return 0;
}

void forward_conns_vm_stopped(struct vm_manager *m)
{
        while (m->forward_conns)
                conn_free(m->forward_conns, true);
}
