/* The lxs-host program; see lxs-host.h. A poll loop over the interop socket, stdin and a
 * signalfd, like the lxs CLI's: writes to stdout/stderr block on purpose, so a slow reader
 * stops us reading the socket, /init stops crediting the host and the host program is paused
 * by its own pipe. */
#include "lxs-host.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "terminal.h"
#include "fd-util.h"
#include "frame.h"
#include "host-execs.h"
#include "lxsenv.h"
#include "lxspath.h"
#include "protocol.h"
#include "stream-wire.h"

extern char **environ;

static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

struct host_call {
        int sock;
        struct lxs_frame_reader rd;
        bool tty;
        bool started;
        bool stdin_open;
        bool stdout_broken;
        uint64_t stdin_credit;
        struct lxs_terminal term;
        int exit_code;
        bool done;
};

bool lxs_host_shim_name(const char *called)
{
        size_t n = strlen(called), s = strlen(LXS_HOST_SHIM_SUFFIX);
        return n > s && strcmp(called + n - s, LXS_HOST_SHIM_SUFFIX) == 0;
}

/* Writes all of buf, waiting when fd is non-blocking (a descriptor we share with others). */
static int write_fully(int fd, const uint8_t *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN) {
                        struct pollfd p = { .fd = fd, .events = POLLOUT };
                        poll(&p, 1, -1);
                        continue;
                }
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

static int send_msg(struct host_call *hc, Lxs__Guest__GuestToHost *msg)
{
        size_t len = protobuf_c_message_get_packed_size(&msg->base);
        if (len > LXS_FRAME_MAX)
                return -EMSGSIZE;
        _cleanup_free_ uint8_t *buf = malloc(LXS_FRAME_HEADER + len);
        if (!buf)
                return -ENOMEM;
        uint32_t n = (uint32_t)len;
        buf[0] = (uint8_t)n;
        buf[1] = (uint8_t)(n >> 8);
        buf[2] = (uint8_t)(n >> 16);
        buf[3] = (uint8_t)(n >> 24);
        protobuf_c_message_pack(&msg->base, buf + LXS_FRAME_HEADER);
        return write_fully(hc->sock, buf, LXS_FRAME_HEADER + len);
}

static void forward_signal(struct host_call *hc, int sig)
{
        Lxs__Guest__ExecSignal s = LXS__GUEST__EXEC_SIGNAL__INIT;
        s.session_id = LXS_HOST_EXEC_ID_BIT;
        s.signal = sig;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_SIGNAL;
        msg.exec_signal = &s;
        send_msg(hc, &msg);
}

static void send_resize(struct host_call *hc)
{
        Lxs__Guest__ExecResize rz = LXS__GUEST__EXEC_RESIZE__INIT;
        rz.session_id = LXS_HOST_EXEC_ID_BIT;
        lxs_terminal_size(&rz.rows, &rz.cols);
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_RESIZE;
        msg.exec_resize = &rz;
        send_msg(hc, &msg);
}

static void close_stdin(struct host_call *hc)
{
        hc->stdin_open = false;
        Lxs__Guest__StreamClose sc = LXS__GUEST__STREAM_CLOSE__INIT;
        sc.session_id = LXS_HOST_EXEC_ID_BIT;
        sc.stream = LXS__GUEST__STREAM__STREAM_STDIN;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CLOSE;
        msg.stream_close = &sc;
        send_msg(hc, &msg);
}

static void pump_stdin(struct host_call *hc)
{
        static uint8_t buf[LXS_FRAME_HEADER + LXS_STREAM_PREFIX_MAX + LXS_STREAM_CHUNK];
        uint8_t *data = buf + LXS_FRAME_HEADER + LXS_STREAM_PREFIX_MAX;
        size_t want = hc->stdin_credit < LXS_STREAM_CHUNK ? (size_t)hc->stdin_credit : LXS_STREAM_CHUNK;
        ssize_t n = read(STDIN_FILENO, data, want);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                close_stdin(hc);
                return;
        }
        hc->stdin_credit -= (uint64_t)n;
        /* The canonical StreamData encoding in front of the bytes where they lie. */
        uint8_t prefix[LXS_STREAM_PREFIX_MAX];
        size_t plen = lxs_stream_prefix(prefix, LXS_STREAM_FIELD_GUEST_TO_HOST, LXS_HOST_EXEC_ID_BIT,
                                        LXS__GUEST__STREAM__STREAM_STDIN, (size_t)n);
        uint8_t *frame = data - plen - LXS_FRAME_HEADER;
        uint32_t flen = (uint32_t)(plen + (size_t)n);
        frame[0] = (uint8_t)flen;
        frame[1] = (uint8_t)(flen >> 8);
        frame[2] = (uint8_t)(flen >> 16);
        frame[3] = (uint8_t)(flen >> 24);
        memcpy(frame + LXS_FRAME_HEADER, prefix, plen);
        write_fully(hc->sock, frame, LXS_FRAME_HEADER + flen);
}

static void write_output(struct host_call *hc, const Lxs__Guest__StreamData *d)
{
        int fd = d->stream == LXS__GUEST__STREAM__STREAM_STDERR ? STDERR_FILENO : STDOUT_FILENO;
        if (fd == STDOUT_FILENO && hc->stdout_broken)
                return;
        int r = write_fully(fd, d->data.data, d->data.len);
        if (r == -EPIPE && fd == STDOUT_FILENO) {
                /* Our reader went away: the program would have died of SIGPIPE here. */
                hc->stdout_broken = true;
                forward_signal(hc, SIGPIPE);
        }
}

static int failure_exit_code(int err)
{
        if (err == ENOENT)
                return 127;
        if (err == EACCES || err == ENOEXEC)
                return 126;
        return 1;
}

static void handle(struct host_call *hc, const Lxs__Guest__HostToGuest *msg)
{
        switch (msg->msg_case) {
        case LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_STARTED:
                hc->started = true;
                if (hc->tty)
                        lxs_terminal_enter_raw(&hc->term);
                break;
        case LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_DATA:
                if (msg->stream_data->stream != LXS__GUEST__STREAM__STREAM_STDIN)
                        write_output(hc, msg->stream_data);
                break;
        case LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CREDIT:
                if (msg->stream_credit->stream == LXS__GUEST__STREAM__STREAM_STDIN)
                        hc->stdin_credit += msg->stream_credit->bytes;
                break;
        case LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_EXITED: {
                const Lxs__Guest__ExecExited *e = msg->exec_exited;
                hc->exit_code = e->signal > 0 ? 128 + e->signal : e->exit_code & 0xff;
                hc->done = true;
                break;
        }
        case LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_FAILED: {
                const Lxs__Guest__ExecFailed *f = msg->exec_failed;
                lxs_terminal_restore(&hc->term);
                fprintf(stderr, "lxs-host: %s\n", f->detail && *f->detail ? f->detail : strerror(f->errno_value));
                hc->exit_code = failure_exit_code(f->errno_value);
                hc->done = true;
                break;
        }
        default:
                break;
        }
}

/* The host directory of the working directory when it is in a shared folder, else "" (the
 * host then starts the program in the user's home). */
static char *host_cwd(const struct lxs_path_map *map, const char *cwd)
{
        struct lxs_path_map shares_only = *map;
        shares_only.view = NULL;
        char *out = NULL;
        if (cwd && lxs_path_to_host(&shares_only, cwd, &out) == 0)
                return out;
        return strdup("");
}

struct translate_ctx {
        const struct lxs_path_map *map;
        const char *cwd;
};

/* LXSENV's /p and /l values: the host path of a Linux path, as lxspath -w gives it. */
static int translate_to_host(const char *path, char **out, void *data)
{
        const struct translate_ctx *ctx = data;
        _cleanup_free_ char *abs = NULL;
        if (path[0] != '/') {
                if (!ctx->cwd || asprintf(&abs, "%s/%s", ctx->cwd, path) < 0)
                        return -EINVAL;
                path = abs;
        }
        return lxs_path_to_host(ctx->map, path, out);
}

static int usage_error(void)
{
        fprintf(stderr, "lxs-host: usage: lxs-host COMMAND [ARGUMENTS...] (runs COMMAND on the host)\n");
        return 1;
}

static int connect_interop(void)
{
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", LXS_INTEROP_SOCKET);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        return fd;
}

static int relay(struct host_call *hc, int sfd)
{
        while (!hc->done) {
                struct pollfd pfd[3] = {
                        { .fd = hc->sock, .events = POLLIN },
                        { .fd = sfd, .events = POLLIN },
                        { .fd = hc->started && hc->stdin_open && hc->stdin_credit > 0 ? STDIN_FILENO : -1,
                          .events = POLLIN },
                };
                if (poll(pfd, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (pfd[1].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGWINCH) {
                                        if (hc->tty && hc->started)
                                                send_resize(hc);
                                } else if (hc->started) {
                                        forward_signal(hc, (int)si.ssi_signo);
                                } else {
                                        lxs_terminal_restore(&hc->term);
                                        return 128 + (int)si.ssi_signo;
                                }
                        }
                }
                if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
                        pump_stdin(hc);
                else if (pfd[2].revents & POLLNVAL)
                        close_stdin(hc);
                if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        int r = lxs_frame_reader_fill(&hc->rd, hc->sock);
                        if (r == -EAGAIN || r == -EINTR)
                                continue;
                        if (r <= 0) {
                                lxs_terminal_restore(&hc->term);
                                fprintf(stderr, "lxs-host: connection to the host lost%s%s\n", r < 0 ? ": " : "",
                                        r < 0 ? strerror(-r) : "");
                                return 1;
                        }
                        const uint8_t *payload;
                        size_t len;
                        while (!hc->done && (r = lxs_frame_reader_next(&hc->rd, &payload, &len)) == 1) {
                                struct lxs_stream_view v;
                                if (lxs_stream_peek(payload, len, LXS_STREAM_FIELD_HOST_TO_GUEST, &v)) {
                                        /* Output in bulk, written from where it lies. */
                                        Lxs__Guest__StreamData d = LXS__GUEST__STREAM_DATA__INIT;
                                        d.stream = (Lxs__Guest__Stream)v.stream;
                                        d.data.data = (uint8_t *)v.data;
                                        d.data.len = v.len;
                                        if (d.stream != LXS__GUEST__STREAM__STREAM_STDIN)
                                                write_output(hc, &d);
                                        continue;
                                }
                                _cleanup_(lxs_host_to_guest_freep) Lxs__Guest__HostToGuest *msg =
                                        lxs_host_to_guest_decode(payload, len);
                                if (!msg) {
                                        r = -EBADMSG;
                                        break;
                                }
                                handle(hc, msg);
                        }
                        if (r < 0) {
                                lxs_terminal_restore(&hc->term);
                                fprintf(stderr, "lxs-host: malformed message from the host: %s\n", strerror(-r));
                                return 1;
                        }
                }
        }
        lxs_terminal_restore(&hc->term);
        return hc->exit_code;
}

int lxs_host_main(int argc, char **argv)
{
        const char *called = argc > 0 ? strrchr(argv[0], '/') : NULL;
        called = called ? called + 1 : argc > 0 ? argv[0] : "lxs-host";
        _cleanup_free_ char *shim_program = NULL;
        char **cmd;
        size_t ncmd;
        if (lxs_host_shim_name(called)) {
                shim_program = strndup(called, strlen(called) - strlen(LXS_HOST_SHIM_SUFFIX));
                if (!shim_program)
                        return 1;
                argv[0] = shim_program;
                cmd = argv;
                ncmd = (size_t)argc;
        } else {
                int i = 1;
                if (i < argc && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
                        printf("usage: lxs-host COMMAND [ARGUMENTS...]\n"
                               "Runs COMMAND on the host as the user running lxs; see LXSENV for the environment.\n");
                        return 0;
                }
                if (i < argc && strcmp(argv[i], "--") == 0)
                        i++;
                if (i >= argc || !argv[i][0])
                        return usage_error();
                cmd = argv + i;
                ncmd = (size_t)(argc - i);
        }

        struct lxs_path_map map = { 0 };
        _cleanup_free_ char *paths = NULL;
        if (lxs_read_file(LXS_PATHS_FILE, 1u << 16, &paths) >= 0)
                lxs_path_map_parse(paths, strlen(paths), &map);
        char cwd_buf[PATH_MAX];
        const char *cwd = getcwd(cwd_buf, sizeof(cwd_buf));
        _cleanup_free_ char *hcwd = host_cwd(&map, cwd);
        struct translate_ctx tctx = { &map, cwd };
        char **env = NULL;
        size_t nenv = 0;
        int r = lxs_env_select(environ, LXS_ENV_TO_HOST, translate_to_host, &tctx, &env, &nenv);
        if (r < 0 || !hcwd) {
                fprintf(stderr, "lxs-host: %s\n", strerror(r < 0 ? -r : ENOMEM));
                lxs_path_map_free(&map);
                return 1;
        }

        struct host_call hc = {
                .tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO),
                .stdin_open = true,
                .stdin_credit = LXS_STREAM_INITIAL_CREDIT,
                .exit_code = 1,
        };
        lxs_frame_reader_init(&hc.rd);
        Lxs__Guest__HostExecStart start = LXS__GUEST__HOST_EXEC_START__INIT;
        start.session_id = LXS_HOST_EXEC_ID_BIT; /* /init gives it the real one */
        start.argv = cmd;
        start.n_argv = ncmd;
        start.env = env;
        start.n_env = nenv;
        start.cwd = hcwd;
        start.tty = hc.tty;
        if (hc.tty)
                lxs_terminal_size(&start.rows, &start.cols);
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_HOST_EXEC_START;
        msg.host_exec_start = &start;

        sigset_t mask;
        sigemptyset(&mask);
        for (size_t i = 0; i < LXS_ARRAY_SIZE(forwarded_signals); i++)
                sigaddset(&mask, forwarded_signals[i]);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        _cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        signal(SIGPIPE, SIG_IGN);

        hc.sock = connect_interop();
        if (hc.sock < 0) {
                fprintf(stderr, "lxs-host: connect %s: %s\n", LXS_INTEROP_SOCKET, strerror(-hc.sock));
                r = 1;
        } else if ((r = send_msg(&hc, &msg)) < 0) {
                fprintf(stderr, "lxs-host: send the request: %s\n", strerror(-r));
                r = 1;
        } else {
                r = relay(&hc, sfd);
        }
        if (hc.sock >= 0)
                close(hc.sock);
        lxs_frame_reader_free(&hc.rd);
        lxs_env_free(env);
        lxs_path_map_free(&map);
        return r;
}
