/* Localhost forwarding, host side (docs/design-network.md): the guest reports the ports that
 * listen in the VM (ListeningPorts, the whole set each time it changes); lxsd diffs that against
 * what it forwards and listens on 127.0.0.1:P and [::1]:P itself. Each connection it accepts
 * becomes a connection session in the guest (forward-conn.c), carried over the control channel.
 * A port the host already uses on 127.0.0.1 is skipped with a log line; [::1] is best effort
 * (a host without IPv6 simply has none). The guest is untrusted: the message was
 * bounds-checked (ascending, distinct, at most LXS_LISTENING_PORTS_MAX), and a listener only
 * ever binds the host's loopback. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "loopback-addr.h"
#include "lxsd.h"

/* Connections waiting for lxsd to accept them, per listener. */
#define FORWARD_BACKLOG 128

int forward_listen_loopback(int family, uint16_t port)
{
        struct sockaddr_storage addr;
        socklen_t len = lxs_loopback_addr(family, port, &addr);
        _cleanup_close_ int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1;
        /* A port whose last connections are in TIME_WAIT can be forwarded again at once. */
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return -errno;
        if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *)&addr, len) < 0 || listen(fd, FORWARD_BACKLOG) < 0)
                return -errno;
        return TAKE_FD(fd);
}

static void on_accept(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct vm_manager *m = data;
        struct sockaddr_storage local;
        socklen_t len = sizeof(local);
        if (getsockname(fd, (struct sockaddr *)&local, &len) < 0)
                return;
        uint16_t port = ntohs(local.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&local)->sin6_port
                                                         : ((struct sockaddr_in *)&local)->sin_port);
        /* A bounded batch: other work gets its turn; the rest is accepted at the next wake-up. */
        for (int i = 0; i < 16; i++) {
                int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0)
                        return; /* EAGAIN; or the client gave up before we accepted it */
                /* What the server sends goes out as it comes, as from the server itself. */
                int one = 1;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                forward_conn_open(m, port, c);
        }
}

static void listener_close(struct vm_manager *m, struct forward_listener *l)
{
        for (int i = 0; i < 2; i++) {
                if (l->watch[i] >= 0)
                        lxs_loop_unwatch(m->d->loop, l->watch[i]);
                if (l->fd[i] >= 0)
                        close(l->fd[i]);
                l->watch[i] = l->fd[i] = -1;
        }
}

/* 0 when 127.0.0.1:port listens; failures are logged here, once. */
static int listener_open(struct vm_manager *m, uint16_t port, struct forward_listener *l)
{
        *l = (struct forward_listener){ .port = port, .fd = { -1, -1 }, .watch = { -1, -1 } };
        int r = m->listen_loopback(AF_INET, port);
        if (r < 0) {
                if (r == -EADDRINUSE || r == -EACCES)
                        lxsd_log("localhost forwarding: port %u: skipped: not available on the host (%s)", port,
                                 strerror(-r));
                else
                        lxsd_log("localhost forwarding: port %u: %s", port, strerror(-r));
                return r;
        }
        l->fd[0] = r;
        r = m->listen_loopback(AF_INET6, port);
        if (r >= 0)
                l->fd[1] = r;
        for (int i = 0; i < 2; i++) {
                if (l->fd[i] < 0)
                        continue;
                l->watch[i] = lxs_loop_watch(m->d->loop, l->fd[i], POLLIN, on_accept, m);
                if (l->watch[i] < 0) {
                        l->watch[i] = -1;
                        listener_close(m, l);
                        lxsd_log("localhost forwarding: port %u: %s", port, strerror(ENOMEM));
                        return -ENOMEM;
                }
        }
        return 0;
}

static bool in_set(const uint16_t *set, size_t n, uint16_t port)
{
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (set[mid] == port)
                        return true;
                if (set[mid] < port)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

/* Whether port is among the first n (sorted) forwarded ports. */
static bool forwarded(const struct vm_manager *m, size_t n, uint16_t port)
{
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (m->forwarded[mid].port == port)
                        return true;
                if (m->forwarded[mid].port < port)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

void forward_reset(struct vm_manager *m)
{
        for (size_t i = 0; i < m->n_forwarded; i++)
                listener_close(m, &m->forwarded[i]);
        m->n_forwarded = 0;
        forward_conns_vm_stopped(m);
}

int forward_on_listening(struct vm_manager *m, const Lxs__Guest__ListeningPorts *msg)
{
        if (!m->cfg.nat_network || !m->cfg.localhost_forwarding)
                return -EPROTO; /* never asked for */
        uint16_t wanted[LXS_LISTENING_PORTS_MAX];
        size_t n = msg->n_ports;
        for (size_t i = 0; i < n; i++)
                wanted[i] = (uint16_t)msg->ports[i];
        /* Removals first. Connections already made go on: they are the guest's to end. */
        size_t kept = 0;
        for (size_t i = 0; i < m->n_forwarded; i++) {
                if (in_set(wanted, n, m->forwarded[i].port))
                        m->forwarded[kept++] = m->forwarded[i];
                else
                        listener_close(m, &m->forwarded[i]);
        }
        m->n_forwarded = kept;
        size_t over = 0;
        for (size_t i = 0; i < n; i++) {
                if (forwarded(m, kept, wanted[i]))
                        continue;
                if (m->n_forwarded == LXSD_FORWARDED_PORTS_MAX) {
                        if (over++ == 0)
                                lxsd_log("localhost forwarding: port %u: skipped: %u ports forwarded already", wanted[i],
                                         LXSD_FORWARDED_PORTS_MAX);
                        continue;
                }
                if (listener_open(m, wanted[i], &m->forwarded[m->n_forwarded]) == 0)
                        m->n_forwarded++;
        }
        if (over > 1)
                lxsd_log("localhost forwarding: %zu more ports skipped", over - 1);
        /* Added ports went to the end: keep the set sorted for the next diff. */
        for (size_t i = 1; i < m->n_forwarded; i++)
                for (size_t j = i; j > 0 && m->forwarded[j - 1].port > m->forwarded[j].port; j--) {
                        struct forward_listener t = m->forwarded[j];
                        m->forwarded[j] = m->forwarded[j - 1];
                        m->forwarded[j - 1] = t;
                }
        return 0;
}
