/* Minimal QMP client (see vm.h).
 *
 * QEMU sends one JSON object per line. We do not parse JSON in general: we walk the members of
 * the top-level object just far enough to know their names and the extent of their values
 * (strings with escapes, nested objects/arrays), which is all a reply needs. QMP input is
 * untrusted: lines are bounded, and anything malformed is an error rather than a guess.
 * Lines are read one byte at a time so nothing beyond the current reply is consumed; QMP
 * traffic is a few hundred bytes per command, so the syscall cost does not matter. */
#include "vm.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

enum { QMP_LINE_MAX = 64 * 1024 };

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
        for (;;) {
                int64_t left = deadline - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                struct pollfd p = { .fd = fd, .events = events };
                int n = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
                if (n < 0 && errno != EINTR)
                        return -errno;
                if (n > 0)
                        return 0;
        }
}

/* Reads one line (without the newline) into a malloc'd string. Polls before every read so a
 * blocking fd cannot outlive the deadline either. */
static int read_line(int fd, int64_t deadline, char **line)
{
        _cleanup_free_ char *buf = malloc(QMP_LINE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        size_t len = 0;
        for (;;) {
                int r = wait_fd(fd, POLLIN, deadline);
                if (r < 0)
                        return r;
                char c;
                ssize_t n = read(fd, &c, 1);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                /* A reset (QEMU closed with our command unread) is the same "gone" as EOF. */
                if (n == 0 || (n < 0 && errno == ECONNRESET))
                        return -EPIPE;
                if (n < 0)
                        return -errno;
                if (c == '\n')
                        break;
                if (len == QMP_LINE_MAX)
                        return -EMSGSIZE;
                buf[len++] = c;
        }
        if (len && buf[len - 1] == '\r')
                len--;
        buf[len] = '\0';
        *line = TAKE_PTR(buf);
        return 0;
}

static int write_deadline(int fd, const char *buf, size_t len, int64_t deadline)
{
        while (len) {
                /* MSG_NOSIGNAL: a QEMU that went away must be an error, not SIGPIPE. */
                ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
                if (n < 0 && errno == ENOTSOCK)
                        n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN) {
                        int r = wait_fd(fd, POLLOUT, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

static const char *skip_ws(const char *p)
{
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                p++;
        return p;
}

/* Returns the end of the string starting at the opening quote p, or NULL. */
static const char *skip_string(const char *p)
{
        for (p++; *p; p++) {
                if (*p == '\\') {
                        if (!p[1])
                                return NULL;
                        p++;
                } else if (*p == '"') {
                        return p + 1;
                }
        }
        return NULL;
}

/* Returns the end of the JSON value starting at p, or NULL. Nesting is bounded by the line
 * length, and brackets only need to balance, not match by kind, to find the extent. */
static const char *skip_value(const char *p)
{
        if (*p == '"')
                return skip_string(p);
        if (*p == '{' || *p == '[') {
                size_t depth = 0;
                for (; *p; p++) {
                        if (*p == '"') {
                                p = skip_string(p);
                                if (!p)
                                        return NULL;
                                p--;
                        } else if (*p == '{' || *p == '[') {
                                depth++;
                        } else if (*p == '}' || *p == ']') {
                                if (--depth == 0)
                                        return p + 1;
                        }
                }
                return NULL;
        }
        /* number, true, false, null */
        const char *start = p;
        while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t')
                p++;
        return p == start ? NULL : p;
}

/* Finds top-level member `name` of the object in line; value span in *val, *val_len.
 * 0 if found, -ENOENT if absent, -EBADMSG if the line is not an object we understand. */
int lxs_qmp_find_member(const char *line, const char *name, const char **val, size_t *val_len)
{
        size_t name_len = strlen(name);
        const char *p = skip_ws(line);
        if (*p++ != '{')
                return -EBADMSG;
        p = skip_ws(p);
        if (*p == '}')
                return -ENOENT;
        for (;;) {
                if (*p != '"')
                        return -EBADMSG;
                const char *key = p + 1, *key_end = skip_string(p);
                if (!key_end)
                        return -EBADMSG;
                p = skip_ws(key_end);
                if (*p++ != ':')
                        return -EBADMSG;
                p = skip_ws(p);
                const char *v = p, *v_end = skip_value(p);
                if (!v_end)
                        return -EBADMSG;
                if ((size_t)(key_end - 1 - key) == name_len && memcmp(key, name, name_len) == 0) {
                        *val = v;
                        *val_len = (size_t)(v_end - v);
                        return 0;
                }
                p = skip_ws(v_end);
                if (*p == '}')
                        return -ENOENT;
                if (*p++ != ',')
                        return -EBADMSG;
                p = skip_ws(p);
        }
}

/* Waits for a line carrying "return" or "error"; skips events and anything else. */
static int wait_reply(int fd, int64_t deadline, char **reply)
{
        for (;;) {
                _cleanup_free_ char *line = NULL;
                int r = read_line(fd, deadline, &line);
                if (r < 0)
                        return r;
                const char *v;
                size_t len;
                bool failed = false;
                r = lxs_qmp_find_member(line, "return", &v, &len);
                if (r == -ENOENT) {
                        r = lxs_qmp_find_member(line, "error", &v, &len);
                        failed = true;
                }
                if (r == -ENOENT)
                        continue;       /* event, greeting, or something newer QEMUs send */
                if (r < 0)
                        return r;
                if (reply) {
                        *reply = strndup(v, len);
                        if (!*reply)
                                return -ENOMEM;
                }
                return failed ? -EREMOTEIO : 0;
        }
}

int lxs_qmp_command(int qmp_fd, const char *command_json, int timeout_ms, char **reply)
{
        int64_t deadline = now_ms() + timeout_ms;
        if (reply)
                *reply = NULL;
        _cleanup_free_ char *msg = NULL;
        int len = asprintf(&msg, "%s\n", command_json);
        if (len < 0)
                return -ENOMEM;
        int r = write_deadline(qmp_fd, msg, (size_t)len, deadline);
        if (r < 0)
                return r;
        return wait_reply(qmp_fd, deadline, reply);
}

int lxs_qmp_handshake(int qmp_fd, int timeout_ms)
{
        int64_t deadline = now_ms() + timeout_ms;
        _cleanup_free_ char *greeting = NULL;
        int r = read_line(qmp_fd, deadline, &greeting);
        if (r < 0)
                return r;
        const char *v;
        size_t len;
        r = lxs_qmp_find_member(greeting, "QMP", &v, &len);
        if (r < 0)
                return r == -ENOENT ? -EPROTO : r;
        int64_t left = deadline - now_ms();
        if (left <= 0)
                return -ETIMEDOUT;
        return lxs_qmp_command(qmp_fd, "{\"execute\":\"qmp_capabilities\"}", (int)left, NULL);
}
