/* Connecting to (and if needed starting) lxsd; see client.h. */
#include "client.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "install-dirs.h"
#include "paths.h"

/* lxsd needs a few ms to bind its socket; this bounds a service that cannot come up. */
#define SERVICE_START_TIMEOUT_MS 10000

static int try_connect(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        return fd;
}

static pid_t spawn_lxsd(const char *state_dir, char *err, size_t errlen)
{
        _cleanup_free_ char *lxsd = lxs_lxsd_path();
        if (!lxsd || access(lxsd, X_OK) < 0) {
                snprintf(err, errlen, "lxsd: %s: not found (is lxs installed?)", lxsd ? lxsd : "lxsd");
                return -ENOENT;
        }
        _cleanup_free_ char *logpath = lxs_path_join(state_dir, "lxsd.log");
        pid_t pid = fork();
        if (pid < 0) {
                snprintf(err, errlen, "lxsd: fork: %s", strerror(errno));
                return -errno;
        }
        if (pid == 0) {
                /* Its own session: a Ctrl-C in this terminal must not reach the service. */
                setsid();
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                int log = logpath ? open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
                if (null >= 0) {
                        dup2(null, 0);
                        dup2(null, 1);
                }
                dup2(log >= 0 ? log : null, 2);
                execl(lxsd, "lxsd", (char *)NULL);
                _exit(127);
        }
        return pid;
}

static int connect_impl(struct lxs_client *c, bool start, char *err, size_t errlen)
{
        c->fd = -1;
        lxs_frame_reader_init(&c->rd);
        _cleanup_free_ char *runtime = lxs_runtime_dir();
        _cleanup_free_ char *state = lxs_state_dir();
        if (!runtime || !state) {
                snprintf(err, errlen, "cannot resolve the runtime directory: %s", strerror(errno));
                return -ENOMEM;
        }
        _cleanup_free_ char *sock = lxs_path_join(runtime, "lxsd.sock");
        int fd = try_connect(sock);
        if (fd >= 0) {
                c->fd = fd;
                return 0;
        }
        if (fd != -ENOENT && fd != -ECONNREFUSED) {
                snprintf(err, errlen, "%s: %s", sock, strerror(-fd));
                return fd;
        }
        if (!start) {
                snprintf(err, errlen, "lxsd is not running");
                return -ESRCH;
        }
        int r = lxs_mkdir_private(state, 0700);
        if (r < 0) {
                snprintf(err, errlen, "%s: %s", state, strerror(-r));
                return r;
        }
        pid_t pid = spawn_lxsd(state, err, errlen);
        if (pid < 0)
                return (int)pid;
        bool reaped = false;
        struct timespec delay = { 0, 1000000 };
        for (int waited_ms = 0; waited_ms < SERVICE_START_TIMEOUT_MS;) {
                fd = try_connect(sock);
                if (fd >= 0) {
                        c->fd = fd;
                        return 0;
                }
                int status;
                if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
                        reaped = true;
                        /* Status 0: another lxsd won the start race; keep connecting. */
                        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                                snprintf(err, errlen, "lxsd: failed to start (see %s/lxsd.log)", state);
                                return -EIO;
                        }
                }
                nanosleep(&delay, NULL);
                waited_ms += (int)(delay.tv_nsec / 1000000);
                if (delay.tv_nsec < 20000000)
                        delay.tv_nsec *= 2;
        }
        snprintf(err, errlen, "lxsd: no answer on %s (see %s/lxsd.log)", sock, state);
        return -ETIMEDOUT;
}

int lxs_client_connect(struct lxs_client *c, char *err, size_t errlen)
{
        return connect_impl(c, true, err, errlen);
}

int lxs_client_connect_running(struct lxs_client *c, char *err, size_t errlen)
{
        return connect_impl(c, false, err, errlen);
}

void lxs_client_close(struct lxs_client *c)
{
        if (c->fd >= 0)
                close(c->fd);
        c->fd = -1;
        lxs_frame_reader_free(&c->rd);
}

int lxs_client_send(struct lxs_client *c, Lxs__Service__Request *req)
{
        req->protocol_version = LXS_SERVICE_PROTOCOL_VERSION;
        struct lxs_outq q;
        lxs_outq_init(&q);
        int r = lxs_outq_push_msg(&q, &req->base);
        if (r == 0) {
                /* The socket is blocking: flush returns once everything is written. */
                r = lxs_outq_flush(&q, c->fd);
        }
        lxs_outq_free(&q);
        return r;
}

int lxs_client_next_buffered(struct lxs_client *c, Lxs__Service__Reply **reply)
{
        const uint8_t *payload;
        size_t len;
        int r = lxs_frame_reader_next(&c->rd, &payload, &len);
        if (r <= 0)
                return r;
        *reply = lxs_reply_decode(payload, len);
        return *reply ? 1 : -EBADMSG;
}

int lxs_client_recv(struct lxs_client *c, Lxs__Service__Reply **reply)
{
        for (;;) {
                int r = lxs_client_next_buffered(c, reply);
                if (r != 0)
                        return r < 0 ? r : 0;
                r = lxs_frame_reader_fill(&c->rd, c->fd);
                if (r == 0)
                        return -EPIPE;
                if (r < 0 && r != -EINTR)
                        return r;
        }
}
