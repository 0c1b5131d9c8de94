/* The CLI-facing side of lxsd: the listening socket, peer checks, client connections and the
 * request dispatch table. One connection carries one operation (see proto/service.proto). */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "lxsd.h"
#include "paths.h"

/* A client may not queue more than this in replies before we stop reading its requests. */
#define CLIENT_MAX_CLIENTS 1024u

static void client_update_watch(struct client *c)
{
        uint32_t ev = POLLIN;
        if (!lxs_outq_empty(&c->out))
                ev |= POLLOUT;
        if (c->state == CLIENT_CLOSING)
                ev &= ~(uint32_t)POLLIN;
        if (ev != c->watch_events) {
                c->watch_events = ev;
                lxs_loop_watch_events(c->d->loop, c->watch, ev);
        }
}

/* Writes what can be written now. Returns false if the client was destroyed. */
static bool client_flush(struct client *c)
{
        if (c->dead)
                return false;
        int r = lxs_outq_flush(&c->out, c->fd);
        if (r < 0 && r != -EAGAIN) {
                client_destroy(c);
                return false;
        }
        if (r == 0) {
                if (c->state == CLIENT_CLOSING) {
                        client_destroy(c);
                        return false;
                }
                if (c->session)
                        session_client_drained(&c->d->vm, c);
        }
        client_update_watch(c);
        return true;
}

void client_send(struct client *c, const ProtobufCMessage *msg)
{
        if (c->dead)
                return;
        int r = lxs_outq_push_msg(&c->out, msg);
        if (r < 0) {
                lxsd_log("client: cannot queue reply: %s", strerror(-r));
                return;
        }
        client_flush(c);
}

void client_send_error(struct client *c, int err, const char *fmt, ...)
{
        char text[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        Lxs__Service__Error e = LXS__SERVICE__ERROR__INIT;
        e.errno_value = err;
        e.message = text;
        Lxs__Service__Reply reply = LXS__SERVICE__REPLY__INIT;
        reply.msg_case = LXS__SERVICE__REPLY__MSG_ERROR;
        reply.error = &e;
        c->state = CLIENT_CLOSING;
        client_send(c, &reply.base);
}

void client_send_ok(struct client *c)
{
        Lxs__Service__Ok ok = LXS__SERVICE__OK__INIT;
        Lxs__Service__Reply reply = LXS__SERVICE__REPLY__INIT;
        reply.msg_case = LXS__SERVICE__REPLY__MSG_OK;
        reply.ok = &ok;
        c->state = CLIENT_CLOSING;
        client_send(c, &reply.base);
}

void client_finish(struct client *c)
{
        c->state = CLIENT_CLOSING;
        client_flush(c);
}

static void reap_dead_clients(struct lxs_loop *loop, void *data)
{
        struct lxsd *d = data;
        d->reap_timer = -1;
        while (d->dead_clients) {
                struct client *c = d->dead_clients;
                d->dead_clients = c->next;
                lxs_frame_reader_free(&c->rd);
                lxs_outq_free(&c->out);
                if (c->pending)
                        lxs__service__request__free_unpacked(c->pending, NULL);
                free(c);
        }
}

/* Detaches the client at once; its memory lives until the loop is back at the top, because
 * callers up the stack may still hold the pointer (they check c->dead). */
void client_destroy(struct client *c)
{
        if (c->dead)
                return;
        struct lxsd *d = c->d;
        for (struct client **pp = &d->clients; *pp; pp = &(*pp)->next) {
                if (*pp == c) {
                        *pp = c->next;
                        break;
                }
        }
        d->nclients--;
        if (c->session)
                session_client_gone(&d->vm, c->session);
        vm_forget_client(&d->vm, c);
        lxs_loop_unwatch(d->loop, c->watch);
        close(c->fd);
        c->fd = -1;
        c->dead = true;
        c->next = d->dead_clients;
        d->dead_clients = c;
        if (d->reap_timer < 0)
                d->reap_timer = lxs_loop_timer(d->loop, 0, reap_dead_clients, d);
}

/* A handler returns true when it kept the request (ownership moved to the client). */
typedef bool (*request_handler)(struct client *c, Lxs__Service__Request *req);

static bool handle_status(struct client *c, Lxs__Service__Request *req)
{
        c->state = CLIENT_WAIT_STATUS;
        vm_request_status(&c->d->vm, c);
        return false;
}

static bool handle_shutdown(struct client *c, Lxs__Service__Request *req)
{
        c->state = CLIENT_WAIT_STOP;
        vm_request_stop(&c->d->vm, c, req->shutdown->force);
        return false;
}

static bool handle_exec(struct client *c, Lxs__Service__Request *req)
{
        if (req->exec->background && !distro_running_or_starting(&c->d->vm, req->exec->distro)) {
                /* A background session (the host's file view) follows a distro's life and
                 * must never start it, or the VM, again once they have stopped. */
                client_send_error(c, ESRCH, "%s: not running", req->exec->distro);
                return false;
        }
        if (!req->exec->system && !distro_find(&c->d->vm, req->exec->distro)) {
                /* A distro that cannot start is said so before a VM boots for nothing. */
                struct lxs_distro reg;
                char err[1024];
                int r = distro_lookup(req->exec->distro, &reg, err, sizeof(err));
                if (r < 0) {
                        client_send_error(c, distro_errno(-r), "%s", err);
                        return false;
                }
                lxs_distro_clear(&reg);
        }
        c->state = CLIENT_WAIT_BOOT;
        c->pending = req; /* released by session_start once the VM runs */
        vm_request_running(&c->d->vm, c);
        return true;
}

static bool handle_terminate(struct client *c, Lxs__Service__Request *req)
{
        distro_request_terminate(&c->d->vm, c, req->terminate->distro);
        return false;
}

static bool handle_list(struct client *c, Lxs__Service__Request *req)
{
        distro_request_list(&c->d->vm, c);
        return false;
}

static bool handle_session_msg(struct client *c, Lxs__Service__Request *req)
{
        if (c->state == CLIENT_EXEC)
                session_client_request(&c->d->vm, c, req);
        else if (c->state == CLIENT_WAIT_BOOT)
                ; /* nothing started yet: a signal or stdin close has nothing to act on */
        else
                client_send_error(c, EPROTO, "request: stream message outside a session");
        return false;
}

/* Indexed by Request's oneof case. Entries that start an operation are only valid as the first
 * request of a connection. */
static const struct {
        request_handler handler;
        bool starts_operation;
} request_table[] = {
        [LXS__SERVICE__REQUEST__MSG_STATUS] = { handle_status, true },
        [LXS__SERVICE__REQUEST__MSG_SHUTDOWN] = { handle_shutdown, true },
        [LXS__SERVICE__REQUEST__MSG_EXEC] = { handle_exec, true },
        [LXS__SERVICE__REQUEST__MSG_STREAM_DATA] = { handle_session_msg, false },
        [LXS__SERVICE__REQUEST__MSG_STREAM_CLOSE] = { handle_session_msg, false },
        [LXS__SERVICE__REQUEST__MSG_STREAM_CREDIT] = { handle_session_msg, false },
        [LXS__SERVICE__REQUEST__MSG_SIGNAL] = { handle_session_msg, false },
        [LXS__SERVICE__REQUEST__MSG_RESIZE] = { handle_session_msg, false },
        [LXS__SERVICE__REQUEST__MSG_TERMINATE] = { handle_terminate, true },
        [LXS__SERVICE__REQUEST__MSG_LIST] = { handle_list, true },
};

static void client_handle_frame(struct client *c, const uint8_t *buf, size_t len)
{
        Lxs__Service__Request *req = lxs_request_decode(buf, len);
        if (!req) {
                client_send_error(c, EBADMSG, "request: malformed message");
                return;
        }
        size_t kind = (size_t)req->msg_case;
        if (kind >= LXS_ARRAY_SIZE(request_table) || !request_table[kind].handler) {
                lxs__service__request__free_unpacked(req, NULL);
                client_send_error(c, EBADMSG, "request: unknown message");
                return;
        }
        if (request_table[kind].starts_operation) {
                if (c->state != CLIENT_NEW) {
                        lxs__service__request__free_unpacked(req, NULL);
                        client_send_error(c, EPROTO, "request: one operation per connection");
                        return;
                }
                if (req->protocol_version != LXS_SERVICE_PROTOCOL_VERSION) {
                        unsigned v = req->protocol_version;
                        lxs__service__request__free_unpacked(req, NULL);
                        client_send_error(c, EPROTONOSUPPORT,
                                          "lxsd: protocol version %u, client speaks %u (restart lxsd: lxs --shutdown)",
                                          LXS_SERVICE_PROTOCOL_VERSION, v);
                        return;
                }
        }
        if (!request_table[kind].handler(c, req))
                lxs__service__request__free_unpacked(req, NULL);
}

static void client_io(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct client *c = data;
        if (c->dead)
                return;
        if (revents & POLLOUT) {
                if (!client_flush(c))
                        return;
        }
        if (!(revents & (POLLIN | POLLHUP | POLLERR)) || c->state == CLIENT_CLOSING)
                return;
        int n = lxs_frame_reader_fill(&c->rd, fd);
        if (n == -EAGAIN)
                return;
        if (n <= 0) {
                client_destroy(c);
                return;
        }
        for (;;) {
                const uint8_t *payload;
                size_t len;
                int r = lxs_frame_reader_next(&c->rd, &payload, &len);
                if (r < 0) {
                        client_send_error(c, EMSGSIZE, "request: frame too large");
                        return;
                }
                if (r == 0 || c->state == CLIENT_CLOSING)
                        return;
                client_handle_frame(c, payload, len);
                if (c->dead)
                        return;
        }
}

static void client_accept(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct lxsd *d = data;
        for (;;) {
                _cleanup_close_ int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        if (errno != EAGAIN && errno != EINTR)
                                lxsd_log("accept: %s", strerror(errno));
                        return;
                }
                struct ucred cred;
                socklen_t cl = sizeof(cred);
                if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.uid != getuid()) {
                        lxsd_log("refused connection from uid %u (pid %d): lxsd serves uid %u only",
                                 (unsigned)cred.uid, (int)cred.pid, (unsigned)getuid());
                        /* Tell the peer why, best effort, without waiting on it. */
                        char text[128];
                        snprintf(text, sizeof(text), "lxsd: permission denied: this service belongs to uid %u",
                                 (unsigned)getuid());
                        Lxs__Service__Error e = LXS__SERVICE__ERROR__INIT;
                        e.errno_value = EACCES;
                        e.message = text;
                        Lxs__Service__Reply reply = LXS__SERVICE__REPLY__INIT;
                        reply.msg_case = LXS__SERVICE__REPLY__MSG_ERROR;
                        reply.error = &e;
                        struct lxs_outq q;
                        lxs_outq_init(&q);
                        if (lxs_outq_push_msg(&q, &reply.base) == 0)
                                lxs_outq_flush(&q, cfd);
                        lxs_outq_free(&q);
                        continue;
                }
                if (d->nclients >= CLIENT_MAX_CLIENTS) {
                        lxsd_log("refused connection: %u clients already", d->nclients);
                        continue;
                }
                struct client *c = calloc(1, sizeof(*c));
                if (!c)
                        continue;
                c->d = d;
                c->fd = TAKE_FD(cfd);
                c->state = CLIENT_NEW;
                lxs_frame_reader_init(&c->rd);
                lxs_outq_init(&c->out);
                c->watch_events = POLLIN;
                c->watch = lxs_loop_watch(d->loop, c->fd, POLLIN, client_io, c);
                if (c->watch < 0) {
                        close(c->fd);
                        free(c);
                        continue;
                }
                c->next = d->clients;
                d->clients = c;
                d->nclients++;
        }
}

int lxsd_server_listen(struct lxsd *d)
{
        _cleanup_free_ char *path = lxs_path_join(d->runtime_dir, "lxsd.sock");
        if (!path)
                return -ENOMEM;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* We hold the instance lock, so a socket file left here belongs to a dead lxsd. */
        unlink(path);
        mode_t old = umask(0177);
        int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0)
                return -errno;
        if (chmod(path, 0600) < 0 || listen(fd, 128) < 0)
                return -errno;
        d->listen_watch = lxs_loop_watch(d->loop, fd, POLLIN, client_accept, d);
        if (d->listen_watch < 0)
                return d->listen_watch;
        d->listen_fd = TAKE_FD(fd);
        return 0;
}
