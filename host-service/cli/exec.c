/* The CLI side of a process session; see exec.h. Single-threaded poll loop over the lxsd
 * socket, stdin and a signalfd. Writes to stdout/stderr are blocking on purpose: when our
 * reader is slow we stop reading the socket, lxsd stops crediting the guest, and the remote
 * process is paused by its own pipe — the same backpressure a local program would see. */
#include "exec.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "terminal.h"
#include "fd-util.h"
#include "lxsenv.h"
#include "options.h"

_Static_assert((int)LXS_SHELL_NONE == LXS__GUEST__SHELL__SHELL_NONE &&
                       (int)LXS_SHELL_STANDARD == LXS__GUEST__SHELL__SHELL_STANDARD &&
                       (int)LXS_SHELL_LOGIN == LXS__GUEST__SHELL__SHELL_LOGIN,
               "enum lxs_shell mirrors guest.proto's Shell");

extern char **environ;

/* Host variables that describe the user's terminal and locale cross into the guest: these,
 * and every LC_* one. */
static const char *const passed_env[] = { "TERM", "LANG", "LANGUAGE", "COLORTERM" };

static void env_list_freep(char ***v)
{
        lxs_env_free(*v);
}

static bool passed(const char *entry)
{
        size_t klen = strcspn(entry, "=");
        if (entry[klen] != '=')
                return false;
        if (klen > 3 && strncmp(entry, "LC_", 3) == 0)
                return true;
        for (size_t i = 0; i < LXS_ARRAY_SIZE(passed_env); i++)
                if (strlen(passed_env[i]) == klen && strncmp(entry, passed_env[i], klen) == 0)
                        return true;
        return false;
}

/* Signals whose delivery to lxs means "deliver to the command". */
static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

struct exec_state {
        struct lxs_client *client;
        bool tty;
        bool started;
        bool answered;          /* lxsd sent anything at all */
        bool stdin_open;
        bool stdout_broken;
        uint64_t stdin_credit;
        struct lxs_terminal term;
        int exit_code;
        bool done;
};

static int send_request(struct exec_state *st, Lxs__Service__Request *req)
{
        return lxs_client_send(st->client, req);
}

static void forward_signal(struct exec_state *st, int sig)
{
        Lxs__Guest__ExecSignal s = LXS__GUEST__EXEC_SIGNAL__INIT;
        s.signal = sig;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_SIGNAL;
        req.signal = &s;
        send_request(st, &req);
}

static void send_resize(struct exec_state *st)
{
        uint32_t rows, cols;
        lxs_terminal_size(&rows, &cols);
        Lxs__Guest__ExecResize rz = LXS__GUEST__EXEC_RESIZE__INIT;
        rz.rows = rows;
        rz.cols = cols;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_RESIZE;
        req.resize = &rz;
        send_request(st, &req);
}

static void close_stdin(struct exec_state *st)
{
        st->stdin_open = false;
        Lxs__Guest__StreamClose sc = LXS__GUEST__STREAM_CLOSE__INIT;
        sc.stream = LXS__GUEST__STREAM__STREAM_STDIN;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_STREAM_CLOSE;
        req.stream_close = &sc;
        send_request(st, &req);
}

static void pump_stdin(struct exec_state *st)
{
        static uint8_t buf[LXS_STREAM_CHUNK];
        size_t want = st->stdin_credit < sizeof(buf) ? (size_t)st->stdin_credit : sizeof(buf);
        ssize_t n = read(STDIN_FILENO, buf, want);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                close_stdin(st);
                return;
        }
        st->stdin_credit -= (uint64_t)n;
        Lxs__Guest__StreamData d = LXS__GUEST__STREAM_DATA__INIT;
        d.stream = LXS__GUEST__STREAM__STREAM_STDIN;
        d.data.data = buf;
        d.data.len = (size_t)n;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_STREAM_DATA;
        req.stream_data = &d;
        send_request(st, &req);
}

static void write_output(struct exec_state *st, const Lxs__Guest__StreamData *d)
{
        int fd = d->stream == LXS__GUEST__STREAM__STREAM_STDERR ? STDERR_FILENO : STDOUT_FILENO;
        if (fd == STDOUT_FILENO && st->stdout_broken)
                return;
        int r = lxs_write_all(fd, d->data.data, d->data.len);
        if (r == -EPIPE && fd == STDOUT_FILENO) {
                /* Our reader went away: the command would have died of SIGPIPE locally. */
                st->stdout_broken = true;
                forward_signal(st, SIGPIPE);
        }
}

static int error_exit_code(const Lxs__Service__Error *e, bool started)
{
        if (!started && e->errno_value == ENOENT)
                return 127;
        if (!started && (e->errno_value == EACCES || e->errno_value == ENOEXEC))
                return 126;
        return 1;
}

static void handle_reply(struct exec_state *st, Lxs__Service__Reply *reply)
{
        st->answered = true;
        switch (reply->msg_case) {
        case LXS__SERVICE__REPLY__MSG_EXEC_STARTED:
                st->started = true;
                if (st->tty)
                        lxs_terminal_enter_raw(&st->term);
                break;
        case LXS__SERVICE__REPLY__MSG_STREAM_DATA:
                write_output(st, reply->stream_data);
                break;
        case LXS__SERVICE__REPLY__MSG_STREAM_CREDIT:
                if (reply->stream_credit->stream == LXS__GUEST__STREAM__STREAM_STDIN)
                        st->stdin_credit += reply->stream_credit->bytes;
                break;
        case LXS__SERVICE__REPLY__MSG_STREAM_CLOSE:
                break;
        case LXS__SERVICE__REPLY__MSG_NOTICE:
                fprintf(stderr, "lxs: %s%s", reply->notice->message, st->term.raw ? "\r\n" : "\n");
                break;
        case LXS__SERVICE__REPLY__MSG_EXEC_EXITED: {
                const Lxs__Guest__ExecExited *e = reply->exec_exited;
                st->exit_code = e->signal > 0 ? 128 + e->signal : e->exit_code & 0xff;
                st->done = true;
                break;
        }
        case LXS__SERVICE__REPLY__MSG_ERROR:
                lxs_terminal_restore(&st->term);
                fprintf(stderr, "lxs: %s\n", reply->error->message);
                st->exit_code = error_exit_code(reply->error, st->started);
                st->done = true;
                break;
        default:
                break;
        }
}

/* Whether entry's variable is among the KEY=VALUE strings of v. */
static bool listed(char **v, const char *entry)
{
        size_t klen = strcspn(entry, "=");
        for (char **p = v; p && *p; p++)
                if (strncmp(*p, entry, klen + 1) == 0)
                        return true;
        return false;
}

static int build_request(const struct lxs_exec_spec *spec, bool tty, Lxs__Service__ExecRequest *er, char ***env,
                         char ***selected)
{
        er->system = spec->system;
        er->argv = spec->argv;
        er->n_argv = (size_t)spec->argc;
        er->cwd = (char *)(spec->cwd ? spec->cwd : "");
        er->tty = tty;
        if (!spec->system) {
                er->distro = (char *)spec->distro;
                er->user = (char *)(spec->user ? spec->user : "");
                er->shell = (Lxs__Guest__Shell)spec->shell;
                er->image_tool = (char *)(spec->image_tool ? spec->image_tool : "");
                er->background = spec->background;
                /* Without --cd the session starts where lxs runs when that is inside a shared
                 * folder (the guest knows where shares appear in the distro), as wsl does. */
                static char host_cwd[PATH_MAX];
                if (!spec->cwd && getcwd(host_cwd, sizeof(host_cwd)))
                        er->host_cwd = host_cwd;
        }
        if (tty) {
                uint32_t rows, cols;
                lxs_terminal_size(&rows, &cols);
                er->rows = rows;
                er->cols = cols;
        }
        /* And what LXSENV names, as its values are here: the guest translates /p and /l values,
         * since only it knows where the shares appear in the distro. */
        size_t nsel = 0;
        int r = lxs_env_select(environ, LXS_ENV_TO_LINUX, NULL, NULL, selected, &nsel);
        if (r < 0)
                return r;
        size_t n = nsel;
        for (char **e = environ; e && *e; e++)
                n += passed(*e);
        *env = calloc(n + 1, sizeof(char *));
        if (!*env)
                return -ENOMEM;
        n = 0;
        for (size_t i = 0; i < nsel && n < LXS_EXEC_MAX_ENV; i++)
                (*env)[n++] = (*selected)[i];
        for (char **e = environ; e && *e && n < LXS_EXEC_MAX_ENV; e++)
                if (passed(*e) && !listed(*selected, *e))
                        (*env)[n++] = *e;
        er->env = *env;
        er->n_env = n;
        return 0;
}

int lxs_exec_run(struct lxs_client *c, const struct lxs_exec_spec *spec)
{
        struct exec_state st = {
                .client = c,
                .tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO),
                .stdin_open = true,
                .stdin_credit = LXS_STREAM_INITIAL_CREDIT,
                .exit_code = 1,
        };
        sigset_t mask;
        sigemptyset(&mask);
        for (size_t i = 0; i < LXS_ARRAY_SIZE(forwarded_signals); i++)
                sigaddset(&mask, forwarded_signals[i]);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        _cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        signal(SIGPIPE, SIG_IGN);

        _cleanup_free_ char **env = NULL;
        _cleanup_(env_list_freep) char **selected = NULL;
        Lxs__Service__ExecRequest er = LXS__SERVICE__EXEC_REQUEST__INIT;
        int r = build_request(spec, st.tty, &er, &env, &selected);
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_EXEC;
        req.exec = &er;
        if (r == 0)
                r = send_request(&st, &req);
        if (r == -EPIPE || r == -ECONNRESET)
                return LXS_CLI_RETRY;
        if (r < 0) {
                fprintf(stderr, "lxs: lxsd: %s\n", strerror(-r));
                return 1;
        }

        while (!st.done) {
                struct pollfd pfd[3] = {
                        { .fd = c->fd, .events = POLLIN },
                        { .fd = sfd, .events = POLLIN },
                        { .fd = st.started && st.stdin_open && st.stdin_credit > 0 ? STDIN_FILENO : -1,
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
                                        if (st.tty && st.started)
                                                send_resize(&st);
                                } else if (st.started) {
                                        forward_signal(&st, (int)si.ssi_signo);
                                } else {
                                        /* Nothing runs yet: the user is cancelling the start. */
                                        lxs_terminal_restore(&st.term);
                                        return 128 + (int)si.ssi_signo;
                                }
                        }
                }
                if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
                        pump_stdin(&st);
                else if (pfd[2].revents & POLLNVAL)
                        close_stdin(&st);
                if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        r = lxs_frame_reader_fill(&c->rd, c->fd);
                        if (r == 0 || (r < 0 && r != -EAGAIN && r != -EINTR)) {
                                lxs_terminal_restore(&st.term);
                                if (!st.answered && (r == 0 || r == -ECONNRESET))
                                        return LXS_CLI_RETRY;
                                fprintf(stderr, "lxs: lxsd: connection lost%s%s\n", r < 0 ? ": " : "",
                                        r < 0 ? strerror(-r) : "");
                                return 1;
                        }
                        Lxs__Service__Reply *reply;
                        while (!st.done && (r = lxs_client_next_buffered(c, &reply)) == 1) {
                                handle_reply(&st, reply);
                                lxs__service__reply__free_unpacked(reply, NULL);
                        }
                        if (r < 0) {
                                lxs_terminal_restore(&st.term);
                                fprintf(stderr, "lxs: lxsd: malformed reply\n");
                                return 1;
                        }
                }
        }
        lxs_terminal_restore(&st.term);
        return st.exit_code;
}
