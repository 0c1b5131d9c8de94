/* Command interop, Linux -> host: host programs lxsd runs for `lxs-host` in a distro
 * (guest.proto HostExecStart, sessions whose ids the guest picks with LXS_HOST_EXEC_ID_BIT).
 *
 * The guest is untrusted. Nothing runs unless the host's lxs.conf has [interop] enabled (the
 * value the running VM was booted with), and at most LXS_HOST_EXECS_MAX programs at once per
 * VM. A program runs as lxsd's user with lxsd's environment plus the entries the guest sent
 * (LXSENV), in the directory asked for when it can be entered, else the user's home, on pipes or
 * a pseudo-terminal, in its own session. Streams use the sessions' credit, reversed: we send
 * stdout/stderr within the guest's grants and read no more from the program meanwhile (its pipe
 * pauses it); stdin is accepted within our grant, queued and credited back as the program takes
 * it. Stdin beyond the grant, output credit beyond what was sent, or a second start with a live
 * id is a violation (the VM is stopped). ExecExited goes after both outputs closed and the
 * program was reaped. When the VM goes, programs still running get SIGHUP, as from a terminal
 * hang-up, and are reaped in the background. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "fd-streams.h"
#include "log.h"
#include "lxsd.h"

#define SIGNAL_MAX 64

extern char **environ;

struct host_exec {
        struct host_exec *next;
        struct vm_manager *m;
        uint32_t id;                 /* 0 once the VM it came from is gone */
        pid_t pid;
        int pidfd, pid_watch;
        bool tty;
        bool reaped;
        int wait_status;
        /* stdin: the program's pipe (or the pty master); chunks wait until it takes them */
        int in_fd, in_watch;
        struct fd_sink in_queue;
        uint64_t in_granted;         /* stdin the guest may still send */
        bool in_close_requested;
        /* [STDOUT], [STDERR]: pipes, or the pty master as stdout */
        int out_fd[3], out_watch[3];
        uint64_t out_credit[3];
        bool out_open[3];
};

static bool live(const struct host_exec *he)
{
        return he->id != 0;
}

struct host_exec *host_exec_find(struct vm_manager *m, uint32_t id)
{
        for (struct host_exec *he = m->host_execs; he; he = he->next)
                if (he->id == id && live(he))
                        return he;
        return NULL;
}

static void unwatch(struct vm_manager *m, int *watch)
{
        if (*watch >= 0)
                lxs_loop_unwatch(m->d->loop, *watch);
        *watch = -1;
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static void close_stdin(struct host_exec *he)
{
        unwatch(he->m, &he->in_watch);
        /* With a pty, stdin and stdout share the master: it stays open for the output. */
        if (he->tty)
                he->in_fd = -1;
        else
                close_fd(&he->in_fd);
        fd_sink_drop(&he->in_queue);
}

static void close_out(struct host_exec *he, int st)
{
        if (he->tty && st == LXS__GUEST__STREAM__STREAM_STDOUT)
                close_stdin(he); /* the same master: stdin goes with it */
        unwatch(he->m, &he->out_watch[st]);
        close_fd(&he->out_fd[st]);
        he->out_open[st] = false;
}

static void host_exec_free(struct host_exec *he)
{
        struct vm_manager *m = he->m;
        for (struct host_exec **p = &m->host_execs; *p; p = &(*p)->next)
                if (*p == he) {
                        *p = he->next;
                        break;
                }
        if (live(he))
                m->nhost_execs--;
        close_stdin(he);
        close_out(he, LXS__GUEST__STREAM__STREAM_STDOUT);
        close_out(he, LXS__GUEST__STREAM__STREAM_STDERR);
        unwatch(m, &he->pid_watch);
        close_fd(&he->pidfd);
        free(he);
}

static void send_msg(struct host_exec *he, Lxs__Guest__HostToGuest *msg)
{
        if (live(he))
                vm_send(he->m, &msg->base);
}

static void send_failed(struct vm_manager *m, uint32_t id, int err, const char *detail)
{
        Lxs__Guest__ExecFailed f = LXS__GUEST__EXEC_FAILED__INIT;
        f.session_id = id;
        f.errno_value = err;
        f.detail = (char *)detail;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_FAILED;
        msg.exec_failed = &f;
        vm_send(m, &msg.base);
}

/* ExecExited once the program is reaped and both outputs are closed. */
static void maybe_finish(struct host_exec *he)
{
        if (!he->reaped || he->out_open[LXS__GUEST__STREAM__STREAM_STDOUT] ||
            he->out_open[LXS__GUEST__STREAM__STREAM_STDERR])
                return;
        if (live(he)) {
                Lxs__Guest__ExecExited e = LXS__GUEST__EXEC_EXITED__INIT;
                e.session_id = he->id;
                if (WIFSIGNALED(he->wait_status))
                        e.signal = WTERMSIG(he->wait_status);
                else
                        e.exit_code = WEXITSTATUS(he->wait_status);
                Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
                msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_EXITED;
                msg.exec_exited = &e;
                send_msg(he, &msg);
        }
        host_exec_free(he);
}

static void send_close(struct host_exec *he, int st)
{
        close_out(he, st);
        if (live(he))
                vm_send_stream_close(he->m, he->id, (uint32_t)st);
}

static void on_output(struct lxs_loop *loop, int fd, uint32_t revents, void *data);

static void watch_output(struct host_exec *he, int st)
{
        if (!he->out_open[st] || he->out_watch[st] >= 0 || he->out_credit[st] == 0)
                return;
        he->out_watch[st] = lxs_loop_watch(he->m->d->loop, he->out_fd[st], POLLIN, on_output, he);
}

static void on_output(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct host_exec *he = data;
        int st = fd == he->out_fd[LXS__GUEST__STREAM__STREAM_STDERR] ? LXS__GUEST__STREAM__STREAM_STDERR
                                                                     : LXS__GUEST__STREAM__STREAM_STDOUT;
        ssize_t n = vm_send_stream_from_fd(he->m, he->id, (uint32_t)st, fd, he->out_credit[st]);
        if (n > 0)
                he->out_credit[st] -= (uint64_t)n;
        /* A pty master reads EIO once the program and its children closed the slave: the end. */
        if (n == -EAGAIN)
                return;
        if (n <= 0) {
                send_close(he, st);
                maybe_finish(he);
                return;
        }
        if (he->out_credit[st] == 0)
                unwatch(he->m, &he->out_watch[st]);
}

static void send_stdin_credit(struct host_exec *he, size_t bytes)
{
        if (!bytes)
                return;
        he->in_granted += bytes;
        if (live(he))
                vm_send_stream_credit(he->m, he->id, LXS__GUEST__STREAM__STREAM_STDIN, (uint32_t)bytes);
}

static void on_stdin_writable(struct lxs_loop *loop, int fd, uint32_t revents, void *data);

/* Writes what the program takes; credits it back (also what it will never take). */
static void pump_stdin(struct host_exec *he)
{
        size_t dropped = 0;
        ssize_t n = he->in_fd >= 0 ? fd_sink_flush(&he->in_queue, he->in_fd, &dropped) : 0;
        send_stdin_credit(he, (n > 0 ? (size_t)n : 0) + dropped);
        if (fd_sink_empty(&he->in_queue) && he->in_close_requested && he->in_fd >= 0)
                close_stdin(he);
        if (he->in_fd < 0)
                return;
        if (!fd_sink_empty(&he->in_queue) && he->in_watch < 0)
                he->in_watch = lxs_loop_watch(he->m->d->loop, he->in_fd, POLLOUT, on_stdin_writable, he);
        else if (fd_sink_empty(&he->in_queue))
                unwatch(he->m, &he->in_watch);
}

static void on_stdin_writable(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        pump_stdin(data);
}

static void on_program_exit(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct host_exec *he = data;
        siginfo_t si = { 0 };
        if (waitid(P_PIDFD, (id_t)he->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return;
        he->reaped = true;
        he->wait_status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status & 0x7f;
        unwatch(he->m, &he->pid_watch);
        close_fd(&he->pidfd);
        if (!live(he)) {
                close_out(he, LXS__GUEST__STREAM__STREAM_STDOUT);
                close_out(he, LXS__GUEST__STREAM__STREAM_STDERR);
        }
        maybe_finish(he);
}

static const char *home_dir(void)
{
        const char *home = getenv("HOME");
        if (home && *home == '/')
                return home;
        struct passwd *pw = getpwuid(getuid());
        return pw && pw->pw_dir ? pw->pw_dir : "/";
}

/* In the child: never returns. Reports an exec failure's errno on status_fd. */
_Noreturn static void child_exec(const Lxs__Guest__HostExecStart *req, int in, int out, int err, const char *pty_name,
                                 int status_fd)
{
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < NSIG; sig++)
                signal(sig, SIG_DFL);
        setsid();
        if (pty_name) {
                int slave = open(pty_name, O_RDWR);
                if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
                        goto fail;
                in = out = err = slave;
        }
        if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
                goto fail;
        if (!req->cwd || !*req->cwd || chdir(req->cwd) < 0)
                if (chdir(home_dir()) < 0 && chdir("/") < 0)
                        goto fail;
        for (size_t i = 0; i < req->n_env; i++)
                if (strchr(req->env[i], '=') && req->env[i][0] != '=')
                        putenv(req->env[i]);
        /* protobuf-c's repeated strings have a count, not a NULL at the end. */
        char **argv = calloc(req->n_argv + 1, sizeof(char *));
        if (!argv)
                goto fail;
        memcpy(argv, req->argv, req->n_argv * sizeof(char *));
        execvp(argv[0], argv);
fail:;
        int e = errno;
        if (write(status_fd, &e, sizeof(e)) < 0)
                _exit(127);
        _exit(127);
}

static int open_pty(const Lxs__Guest__HostExecStart *req, int *master, char *name, size_t size)
{
        int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct winsize ws = { .ws_row = (unsigned short)(req->rows ? req->rows : 24),
                              .ws_col = (unsigned short)(req->cols ? req->cols : 80) };
        if (grantpt(fd) < 0 || unlockpt(fd) < 0 || ptsname_r(fd, name, size) != 0 ||
            ioctl(fd, TIOCSWINSZ, &ws) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        *master = fd;
        return 0;
}

/* Forks and execs the program; fills the fds. On failure a negative errno and a detail. */
static int spawn(struct host_exec *he, const Lxs__Guest__HostExecStart *req, char *detail, size_t size)
{
        _cleanup_close_ int in_r = -1, in_w = -1, out_r = -1, out_w = -1, err_r = -1, err_w = -1, master = -1;
        char pty_name[64];
        int p[2], status[2];
        if (req->tty) {
                int r = open_pty(req, &master, pty_name, sizeof(pty_name));
                if (r < 0) {
                        snprintf(detail, size, "pseudo-terminal: %s", strerror(-r));
                        return r;
                }
        } else {
                if (pipe2(p, O_CLOEXEC) < 0)
                        goto pipe_failed;
                in_r = p[0], in_w = p[1];
                if (pipe2(p, O_CLOEXEC) < 0)
                        goto pipe_failed;
                out_r = p[0], out_w = p[1];
                if (pipe2(p, O_CLOEXEC) < 0)
                        goto pipe_failed;
                err_r = p[0], err_w = p[1];
        }
        if (pipe2(status, O_CLOEXEC) < 0)
                goto pipe_failed;
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(status[0]);
                close(status[1]);
                snprintf(detail, size, "fork: %s", strerror(e));
                return -e;
        }
        if (pid == 0)
                child_exec(req, in_r, out_w, err_w, req->tty ? pty_name : NULL, status[1]);
        close(status[1]);
        int child_errno = 0;
        ssize_t n;
        do
                n = read(status[0], &child_errno, sizeof(child_errno));
        while (n < 0 && errno == EINTR);
        close(status[0]);
        if (n == (ssize_t)sizeof(child_errno)) {
                waitpid(pid, NULL, 0);
                snprintf(detail, size, "%s: %s", req->argv[0], strerror(child_errno));
                return -child_errno;
        }
        he->pid = pid;
        he->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (req->tty) {
                he->in_fd = master;
                he->out_fd[LXS__GUEST__STREAM__STREAM_STDOUT] = TAKE_FD(master);
                he->out_open[LXS__GUEST__STREAM__STREAM_STDERR] = false;
        } else {
                he->in_fd = TAKE_FD(in_w);
                he->out_fd[LXS__GUEST__STREAM__STREAM_STDOUT] = TAKE_FD(out_r);
                he->out_fd[LXS__GUEST__STREAM__STREAM_STDERR] = TAKE_FD(err_r);
                he->out_open[LXS__GUEST__STREAM__STREAM_STDERR] = true;
                lxs_set_nonblock(he->out_fd[LXS__GUEST__STREAM__STREAM_STDERR], 1);
        }
        he->out_open[LXS__GUEST__STREAM__STREAM_STDOUT] = true;
        lxs_set_nonblock(he->in_fd, 1);
        lxs_set_nonblock(he->out_fd[LXS__GUEST__STREAM__STREAM_STDOUT], 1);
        return 0;
pipe_failed:;
        int e = errno;
        snprintf(detail, size, "pipe: %s", strerror(e));
        return -e;
}

int host_exec_on_start(struct vm_manager *m, const Lxs__Guest__HostExecStart *req)
{
        if (host_exec_find(m, req->session_id))
                return -EPROTO;
        const char *from = req->distro && *req->distro ? req->distro : "?";
        if (!m->cfg.interop_enabled) {
                lxsd_log("host exec from distro %.64s refused: [interop] enabled = false", from);
                send_failed(m, req->session_id, EPERM,
                            "interop is disabled on the host ([interop] enabled = false in lxs.conf)");
                return 0;
        }
        if (m->nhost_execs >= LXSD_HOST_EXECS_MAX) {
                char why[128];
                snprintf(why, sizeof(why), "too many host programs running (at most %u at once)", LXSD_HOST_EXECS_MAX);
                send_failed(m, req->session_id, EAGAIN, why);
                return 0;
        }
        struct host_exec *he = calloc(1, sizeof(*he));
        if (!he) {
                send_failed(m, req->session_id, ENOMEM, "out of memory");
                return 0;
        }
        *he = (struct host_exec){
                .m = m, .id = req->session_id, .pidfd = -1, .pid_watch = -1, .tty = req->tty,
                .in_fd = -1, .in_watch = -1, .in_granted = LXS_STREAM_INITIAL_CREDIT,
                .out_fd = { -1, -1, -1 }, .out_watch = { -1, -1, -1 },
                .out_credit = { 0, LXS_STREAM_INITIAL_CREDIT, LXS_STREAM_INITIAL_CREDIT },
        };
        char detail[512];
        int r = spawn(he, req, detail, sizeof(detail));
        if (r < 0) {
                free(he);
                send_failed(m, req->session_id, -r, detail);
                return 0;
        }
        he->next = m->host_execs;
        m->host_execs = he;
        m->nhost_execs++;
        if (he->pidfd >= 0)
                he->pid_watch = lxs_loop_watch(m->d->loop, he->pidfd, POLLIN, on_program_exit, he);
        Lxs__Guest__ExecStarted st = LXS__GUEST__EXEC_STARTED__INIT;
        st.session_id = he->id;
        st.pid = he->pid;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_STARTED;
        msg.exec_started = &st;
        send_msg(he, &msg);
        watch_output(he, LXS__GUEST__STREAM__STREAM_STDOUT);
        watch_output(he, LXS__GUEST__STREAM__STREAM_STDERR);
        return 0;
}

int host_exec_on_data(struct vm_manager *m, const Lxs__Guest__StreamData *msg)
{
        struct host_exec *he = host_exec_find(m, msg->session_id);
        if (!he)
                return 0; /* it may just have ended */
        if (msg->stream != LXS__GUEST__STREAM__STREAM_STDIN || msg->data.len > he->in_granted ||
            he->in_close_requested)
                return -EPROTO;
        he->in_granted -= msg->data.len;
        if (he->in_fd < 0 || msg->data.len == 0) {
                send_stdin_credit(he, msg->data.len);
                return 0;
        }
        ssize_t n = fd_sink_write(&he->in_queue, he->in_fd, msg->data.data, msg->data.len);
        if (n < 0) {
                /* The program closed its stdin (or no memory): the bytes are dropped, credited. */
                send_stdin_credit(he, msg->data.len);
                return 0;
        }
        send_stdin_credit(he, (size_t)n);
        pump_stdin(he);
        return 0;
}

int host_exec_on_close(struct vm_manager *m, const Lxs__Guest__StreamClose *msg)
{
        struct host_exec *he = host_exec_find(m, msg->session_id);
        if (!he)
                return 0;
        if (msg->stream != LXS__GUEST__STREAM__STREAM_STDIN)
                return -EPROTO;
        he->in_close_requested = true;
        /* A terminal has no end of input; the caller's own terminal sends ^D as a byte. */
        if (!he->tty)
                pump_stdin(he);
        return 0;
}

int host_exec_on_credit(struct vm_manager *m, const Lxs__Guest__StreamCredit *msg)
{
        struct host_exec *he = host_exec_find(m, msg->session_id);
        if (!he)
                return 0;
        int st = msg->stream;
        if (st == LXS__GUEST__STREAM__STREAM_STDIN ||
            he->out_credit[st] + msg->bytes > (uint64_t)LXS_STREAM_INITIAL_CREDIT * 4)
                return -EPROTO;
        he->out_credit[st] += msg->bytes;
        watch_output(he, st);
        return 0;
}

int host_exec_on_signal(struct vm_manager *m, const Lxs__Guest__ExecSignal *msg)
{
        struct host_exec *he = host_exec_find(m, msg->session_id);
        if (!he || he->reaped || msg->signal < 1 || msg->signal > SIGNAL_MAX)
                return 0;
        /* The whole process group, as a terminal's ^C reaches every process of the job. */
        if (kill(-he->pid, msg->signal) < 0)
                kill(he->pid, msg->signal);
        return 0;
}

int host_exec_on_resize(struct vm_manager *m, const Lxs__Guest__ExecResize *msg)
{
        struct host_exec *he = host_exec_find(m, msg->session_id);
        if (!he || !he->tty || he->out_fd[LXS__GUEST__STREAM__STREAM_STDOUT] < 0)
                return 0;
        struct winsize ws = { .ws_row = (unsigned short)(msg->rows ? msg->rows : 24),
                              .ws_col = (unsigned short)(msg->cols ? msg->cols : 80) };
        ioctl(he->out_fd[LXS__GUEST__STREAM__STREAM_STDOUT], TIOCSWINSZ, &ws);
        return 0;
}

void host_execs_vm_stopped(struct vm_manager *m)
{
        struct host_exec *he = m->host_execs;
        while (he) {
                struct host_exec *next = he->next;
                if (live(he)) {
                        m->nhost_execs--;
                        he->id = 0;
                        close_stdin(he);
                        close_out(he, LXS__GUEST__STREAM__STREAM_STDOUT);
                        close_out(he, LXS__GUEST__STREAM__STREAM_STDERR);
                        if (!he->reaped && kill(-he->pid, SIGHUP) < 0)
                                kill(he->pid, SIGHUP);
                }
                if (he->reaped)
                        host_exec_free(he);
                he = next;
        }
}
