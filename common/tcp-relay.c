/* A TCP relay process (tcp-relay.h). */
#include "tcp-relay.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>


#define RELAY_BUF (256u * 1024u)

/* One direction of a connection: bytes read from `from` waiting to be written to `to`. */
struct pipe_dir {
        int from, to;
        char *buf;
        size_t start, end;
        bool eof;      /* `from` ended: after the buffer drains, shut `to` for writing */
        bool done;     /* that shutdown happened (or the peer is gone) */
};

struct conn {
        int outer, inner;         /* from QEMU; to the server */
        bool connecting;          /* inner's nonblocking connect not finished */
        struct pipe_dir up, down; /* outer -> inner, inner -> outer */
};

static struct conn *conns[LXS_RELAY_MAX_CONNS];
static struct sockaddr_storage target;
static socklen_t target_len;

static void conn_free(struct conn *c)
{
        close(c->outer);
        close(c->inner);
        free(c->up.buf);
        free(c->down.buf);
        free(c);
}

static int connect_server(void)
{
        int fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&target, target_len) < 0 && errno != EINPROGRESS) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static void accept_one(int listen_fd)
{
        int outer = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (outer < 0)
                return;
        size_t slot = 0;
        while (slot < LXS_RELAY_MAX_CONNS && conns[slot])
                slot++;
        int inner = slot < LXS_RELAY_MAX_CONNS ? connect_server() : -EMFILE;
        struct conn *c = inner >= 0 ? calloc(1, sizeof(*c)) : NULL;
        char *b1 = c ? malloc(RELAY_BUF) : NULL, *b2 = c ? malloc(RELAY_BUF) : NULL;
        if (!c || !b1 || !b2) {
                free(b1);
                free(b2);
                free(c);
                if (inner >= 0)
                        close(inner);
                close(outer); /* the client sees the connection end at once */
                return;
        }
        *c = (struct conn){ .outer = outer, .inner = inner, .connecting = true,
                            .up = { .from = outer, .to = inner, .buf = b1 },
                            .down = { .from = inner, .to = outer, .buf = b2 } };
        conns[slot] = c;
}

/* Moves what it can; returns false when the connection is broken. */
static bool pump(struct pipe_dir *d)
{
        if (!d->eof && d->end < RELAY_BUF) {
                ssize_t n = read(d->from, d->buf + d->end, RELAY_BUF - d->end);
                if (n > 0)
                        d->end += (size_t)n;
                else if (n == 0)
                        d->eof = true;
                else if (errno != EAGAIN && errno != EINTR)
                        return false;
        }
        while (d->start < d->end) {
                ssize_t n = write(d->to, d->buf + d->start, d->end - d->start);
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR;
                d->start += (size_t)n;
        }
        d->start = d->end = 0;
        if (d->eof && !d->done) {
                shutdown(d->to, SHUT_WR);
                d->done = true;
        }
        return true;
}

static short wants(const struct pipe_dir *d, int fd)
{
        short ev = 0;
        if (fd == d->from && !d->eof && d->end < RELAY_BUF)
                ev |= POLLIN;
        if (fd == d->to && d->start < d->end)
                ev |= POLLOUT;
        return ev;
}

int lxs_tcp_relay_run(int listen_fd, const struct sockaddr *to, socklen_t to_len)
{
        if (to_len > sizeof(target))
                return -EINVAL;
        memcpy(&target, to, to_len);
        target_len = to_len;
        struct pollfd pfd[1 + 2 * LXS_RELAY_MAX_CONNS];
        size_t at[LXS_RELAY_MAX_CONNS]; /* where conns[i]'s two entries are in pfd */
        for (;;) {
                size_t n = 0;
                pfd[n++] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
                for (size_t i = 0; i < LXS_RELAY_MAX_CONNS; i++) {
                        struct conn *c = conns[i];
                        if (!c)
                                continue;
                        at[i] = n;
                        short in_ev = c->connecting ? POLLOUT : (short)(wants(&c->up, c->inner) | wants(&c->down, c->inner));
                        short out_ev = c->connecting ? 0 : (short)(wants(&c->up, c->outer) | wants(&c->down, c->outer));
                        /* A socket nothing is wanted from is left out: a peer that hung up would
                         * otherwise wake the loop with POLLHUP until the other side is done. */
                        pfd[n++] = (struct pollfd){ .fd = out_ev ? c->outer : -1, .events = out_ev };
                        pfd[n++] = (struct pollfd){ .fd = in_ev ? c->inner : -1, .events = in_ev };
                }
                if (poll(pfd, n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (pfd[0].revents & (POLLERR | POLLNVAL))
                        return -EIO;
                for (size_t i = 0; i < LXS_RELAY_MAX_CONNS; i++) {
                        struct conn *c = conns[i];
                        if (!c)
                                continue;
                        short outer_ev = pfd[at[i]].revents, inner_ev = pfd[at[i] + 1].revents;
                        /* POLLHUP alone is no error: what is still readable is read, a write to
                         * the gone peer fails in pump(). */
                        bool ok = !((outer_ev | inner_ev) & POLLNVAL) &&
                                  !(c->connecting && (inner_ev & POLLERR));
                        if (ok && c->connecting && (inner_ev & POLLOUT)) {
                                int err = 0;
                                socklen_t len = sizeof(err);
                                if (getsockopt(c->inner, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
                                        ok = false;
                                else
                                        c->connecting = false;
                        }
                        if (ok && !c->connecting)
                                ok = pump(&c->up) && pump(&c->down);
                        if (!ok || (c->up.done && c->down.done)) {
                                conn_free(c);
                                conns[i] = NULL;
                        }
                }
                /* Last: a connection accepted now has no entry in this round's pfd. */
                if (pfd[0].revents & POLLIN)
                        accept_one(listen_fd);
        }
}

pid_t lxs_tcp_relay_spawn(int listen_fd, const struct sockaddr *to, socklen_t to_len, int *pidfd)
{
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                /* The parent may block its signals (PID 1 reads them from a signalfd): undo
                 * that, so the SIGTERM that ends the relay works. */
                /* Dies with its parent: a relay must not outlive the forward it serves. */
                prctl(PR_SET_PDEATHSIG, SIGTERM);
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                signal(SIGTERM, SIG_DFL);
                signal(SIGPIPE, SIG_IGN);
                /* Nothing of the parent's may stay open here: a session's pipe end held by the
                 * relay would keep that session's stdin from ever seeing end-of-file. */
                if (listen_fd != 3) {
                        if (dup2(listen_fd, 3) < 0)
                                _exit(1);
                        close(listen_fd);
                }
                syscall(SYS_close_range, 4u, ~0u, 0u);
                _exit(lxs_tcp_relay_run(3, to, to_len) < 0 ? 1 : 0);
        }
        *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        return pid;
}
