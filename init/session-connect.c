/* Connection sessions (ExecStart.connect_port): localhost forwarding's TCP connections, made
 * by /init inside the VM and relayed like a process's stdio.
 *
 * The connection is made without blocking PID 1: a loopback connect usually completes at once,
 * but a server whose accept queue is full leaves it pending, so completion is awaited on the
 * event loop. 127.0.0.1 is tried first (servers on 0.0.0.0, [::] dual-stack and 127.0.0.1),
 * then ::1 (servers on [::1] or on an IPv6-only [::]). The socket is both the session's stdout
 * (what the server sends) and its stdin (what the host's client sends); a half-close becomes
 * shutdown(), and a reset from the host closes with SO_LINGER 0 so the server sees the reset. */
#include "session.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event-loop.h"
#include "loopback-addr.h"

enum { TARGET_V4, TARGET_V6, TARGET_COUNT };

static int connect_target(unsigned target, uint16_t port, int *fd_out)
{
        int family = target == TARGET_V4 ? AF_INET : AF_INET6;
        struct sockaddr_storage addr;
        socklen_t len = lxs_loopback_addr(family, port, &addr);
        int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* Small writes (a prompt, a 1-byte reply) go out at once; the host coalesces. */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        *fd_out = fd;
        if (connect(fd, (struct sockaddr *)&addr, len) == 0)
                return 0;
        return -errno;
}

static void connect_unwatch(struct session *s)
{
        if (s->connect_watch >= 0)
                lxs_loop_unwatch(s->owner->loop, s->connect_watch);
        s->connect_watch = -1;
}

static void adopt_socket(struct session *s)
{
        s->in.fd = s->sock;
        s->out[0].fd = s->sock;
        /* There is no stderr: it counts as closed from the start, and is never announced. */
        s->out[1].closed = true;
}

static void on_connect_ready(struct lxs_loop *loop, int fd, uint32_t revents, void *data);

/* The outcome of a nonblocking connect once its socket polled writable: 0 or negative errno. */
static int connect_outcome(int fd)
{
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                return -errno;
        return -err;
}

/* Tries targets from s->connect_target on; 0 connected, 1 pending, negative errno when all
 * failed (the last target's error). */
static int try_targets(struct session *s)
{
        int err = -ECONNREFUSED;
        while (s->connect_target < TARGET_COUNT) {
                if (s->sock >= 0)
                        close(s->sock);
                s->sock = -1;
                err = connect_target(s->connect_target++, s->connect_port, &s->sock);
                if (err == 0) {
                        adopt_socket(s);
                        return 0;
                }
                if (err == -EINPROGRESS) {
                        /* On loopback the handshake has usually completed by the time connect()
                         * returns: look before paying for a trip round the event loop. */
                        struct pollfd p = { .fd = s->sock, .events = POLLOUT };
                        if (poll(&p, 1, 0) == 1) {
                                err = connect_outcome(s->sock);
                                if (err == 0) {
                                        adopt_socket(s);
                                        return 0;
                                }
                                continue;
                        }
                        s->connect_watch = lxs_loop_watch(s->owner->loop, s->sock, POLLOUT, on_connect_ready, s);
                        if (s->connect_watch >= 0)
                                return 1;
                        s->connect_watch = -1;
                        err = -ENOMEM;
                }
        }
        if (s->sock >= 0)
                close(s->sock);
        s->sock = -1;
        return err;
}

static void on_connect_ready(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct session *s = data;
        (void)loop;
        (void)revents;
        connect_unwatch(s);
        if (connect_outcome(fd) == 0) {
                adopt_socket(s);
                session_connect_done(s, 0);
                return;
        }
        int r = try_targets(s);
        if (r != 1)
                session_connect_done(s, r);
}

int session_connect(struct session *s, uint32_t port, char *detail, size_t detail_size)
{
        if (port == 0 || port > 65535) {
                snprintf(detail, detail_size, "port %u out of range", port);
                return -EINVAL;
        }
        s->connect_port = (uint16_t)port;
        s->connect_target = 0;
        int r = try_targets(s);
        if (r < 0)
                snprintf(detail, detail_size, "connect to port %u on the VM's loopback: %s", port, strerror(-r));
        return r;
}

void session_connection_reset(struct session *s)
{
        connect_unwatch(s);
        if (s->sock >= 0) {
                struct linger hard = { .l_onoff = 1, .l_linger = 0 };
                setsockopt(s->sock, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
        }
        s->out[0].closed = true;
        s->out[1].closed = true;
        s->in.close_requested = true;
        session_streams_release(s);
        s->sock = -1;
}

bool session_connection_done(const struct session *s)
{
        return s->out[0].closed && s->in.fd < 0 && s->connect_watch < 0;
}
