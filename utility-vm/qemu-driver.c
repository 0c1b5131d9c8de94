/* The QEMU VM driver (see vm.h: lxs_qemu_driver).
 *
 * QEMU runs as our child in its own session, so terminal signals aimed at lxsd's foreground
 * job never reach it, and with PR_SET_PDEATHSIG(SIGKILL) so it cannot outlive lxsd. Its
 * channels to us are socketpairs placed at fixed fd numbers; every other fd is close-on-exec.
 * QEMU's own stdout/stderr go to the console log so its error messages are kept, and the last
 * line of the log explains a failed start. An exec failure is reported through a close-on-exec
 * pipe, so the parent knows exec succeeded without any output from the child. */
#include "qemu-disks.h"
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "paths.h"

enum {
        CHILD_CONTROL_FD = 3,
        CHILD_QMP_FD = 4,
        CHILD_FIRST_FREE_FD = 5,
        /* Above any fd number the child targets, so moving fds there never collides. */
        CHILD_SCRATCH_FD = 16,
        QMP_HANDSHAKE_MS = 15000,
        QMP_QUIT_MS = 500,
        QUIT_GRACE_MS = 2000,
        LOG_TAIL = 4096,
};

static int pidfd_open_(pid_t pid)
{
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_send_signal_(int pidfd, int sig)
{
        return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* Child side between fork and exec: async-signal-safe calls only. Reports errno on `status`
 * and exits if anything fails. */
static void __attribute__((noreturn))
exec_child(char **argv, pid_t parent, int control, int qmp, int log, int status)
{
        int err;
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                goto fail;
        /* The parent may have died before prctl took effect. */
        if (getppid() != parent)
                _exit(127);
        if (setsid() < 0)
                goto fail;

        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        for (int sig = 1; sig < NSIG; sig++)
                signal(sig, SIG_DFL);   /* fails harmlessly for SIGKILL/SIGSTOP/reserved */

        int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int hi_control = fcntl(control, F_DUPFD_CLOEXEC, CHILD_SCRATCH_FD);
        int hi_qmp = fcntl(qmp, F_DUPFD_CLOEXEC, CHILD_SCRATCH_FD);
        int hi_log = fcntl(log, F_DUPFD_CLOEXEC, CHILD_SCRATCH_FD);
        int hi_nul = nul < 0 ? -1 : fcntl(nul, F_DUPFD_CLOEXEC, CHILD_SCRATCH_FD);
        int hi_status = fcntl(status, F_DUPFD_CLOEXEC, CHILD_SCRATCH_FD);
        if (hi_control < 0 || hi_qmp < 0 || hi_log < 0 || hi_nul < 0 || hi_status < 0)
                goto fail;
        status = hi_status;
        /* dup2 clears close-on-exec on the new fd: exactly these are inherited. */
        if (dup2(hi_nul, STDIN_FILENO) < 0 || dup2(hi_log, STDOUT_FILENO) < 0 ||
            dup2(hi_log, STDERR_FILENO) < 0 || dup2(hi_control, CHILD_CONTROL_FD) < 0 ||
            dup2(hi_qmp, CHILD_QMP_FD) < 0)
                goto fail;
        /* Whatever the embedding process leaked without O_CLOEXEC stays out of QEMU. */
        syscall(SYS_close_range, CHILD_FIRST_FREE_FD, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);

        execvp(argv[0], argv);
fail:
        err = errno;
        (void)!write(status, &err, sizeof(err));
        _exit(127);
}

/* Last non-empty line of the log, for explaining a failed start; NULL if none. */
static char *log_last_line(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        off_t size = lseek(fd, 0, SEEK_END);
        if (size <= 0)
                return NULL;
        off_t start = size > LOG_TAIL ? size - LOG_TAIL : 0;
        char buf[LOG_TAIL + 1];
        ssize_t n = pread(fd, buf, (size_t)(size - start), start);
        if (n <= 0)
                return NULL;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
                n--;
        buf[n] = '\0';
        char *line = memrchr(buf, '\n', (size_t)n);
        line = line ? line + 1 : buf;
        /* Keep it one printable line. */
        for (char *c = line; *c; c++)
                if ((unsigned char)*c < ' ')
                        *c = ' ';
        return *line ? strdup(line) : NULL;
}

static void set_detail(char **err_detail, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(char **err_detail, const char *fmt, ...)
{
        if (!err_detail)
                return;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(err_detail, fmt, ap) < 0)
                *err_detail = NULL;
        va_end(ap);
}

/* After a failed start: makes sure the child is gone and explains why it went. */
static void abort_child(pid_t pid, int pidfd, const char *log, int r, char **err_detail)
{
        int status = 0;
        /* If QEMU exited by itself, its last message is the reason; if it is still running
         * (e.g. QMP timed out) we kill it and report the QMP error. */
        struct pollfd pf = { .fd = pidfd, .events = POLLIN };
        bool exited = poll(&pf, 1, 1000) > 0;
        if (!exited)
                pidfd_send_signal_(pidfd, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        _cleanup_free_ char *last = exited ? log_last_line(log) : NULL;
        if (exited && WIFEXITED(status))
                set_detail(err_detail, "qemu exited with status %d during start%s%s",
                           WEXITSTATUS(status), last ? ": " : "", last ? last : "");
        else if (exited && WIFSIGNALED(status))
                set_detail(err_detail, "qemu killed by signal %d during start%s%s",
                           WTERMSIG(status), last ? ": " : "", last ? last : "");
        else
                set_detail(err_detail, "qemu monitor handshake failed: %s", strerror(-r));
}

static int qemu_start(const struct lxs_vm_params *p, struct lxs_vm *vm, char **err_detail)
{
        if (err_detail)
                *err_detail = NULL;
        *vm = (struct lxs_vm){ .pid = -1, .pidfd = -1, .control_fd = -1, .qmp_fd = -1,
                               .accel = p->accel };

        uint64_t tsc_khz = 0;
        if (p->accel == LXS_ACCEL_TCG) {
                _cleanup_free_ char *cache = p->runtime_dir ? lxs_path_join(p->runtime_dir, "tsc-khz") : NULL;
                tsc_khz = lxs_tsc_khz_cached(cache);
        }
        _cleanup_strv_free_ char **argv = NULL;
        int r = lxs_qemu_build_argv(p, CHILD_CONTROL_FD, CHILD_QMP_FD, tsc_khz, &argv);
        if (r < 0) {
                set_detail(err_detail, "invalid VM parameters");
                return r;
        }

        int control[2], qmp[2], status[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) < 0)
                return -errno;
        _cleanup_close_ int control_ours = control[0], control_theirs = control[1];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) < 0)
                return -errno;
        _cleanup_close_ int qmp_ours = qmp[0], qmp_theirs = qmp[1];
        if (pipe2(status, O_CLOEXEC) < 0)
                return -errno;
        _cleanup_close_ int status_read = status[0], status_write = status[1];

        _cleanup_close_ int log = open(p->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
                                                       O_CLOEXEC | O_NOCTTY, 0600);
        if (log < 0) {
                r = -errno;
                set_detail(err_detail, "cannot open console log %s: %s", p->console_log, strerror(-r));
                return r;
        }
        if (p->runtime_dir && *p->runtime_dir) {
                _cleanup_free_ char *sock = lxs_path_join(p->runtime_dir, LXS_VM_QMP_SOCKET);
                if (sock)
                        unlink(sock);   /* stale from a previous VM: QEMU would fail to bind */
        }

        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                exec_child(argv, parent, control_theirs, qmp_theirs, log, status_write);

        _cleanup_close_ int pidfd = pidfd_open_(pid);
        if (pidfd < 0) {
                r = -errno;
                kill(pid, SIGKILL);
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                set_detail(err_detail, "pidfd_open: %s", strerror(-r));
                return r;
        }
        lxs_closep(&control_theirs);
        control_theirs = -1;
        lxs_closep(&qmp_theirs);
        qmp_theirs = -1;
        lxs_closep(&status_write);
        status_write = -1;

        int child_errno = 0;
        ssize_t n;
        while ((n = read(status_read, &child_errno, sizeof(child_errno))) < 0 && errno == EINTR)
                ;
        if (n > 0) {
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                r = child_errno > 0 ? -child_errno : -EIO;
                set_detail(err_detail, "cannot run %s: %s", argv[0], strerror(-r));
                return r;
        }

        r = lxs_qmp_handshake(qmp_ours, QMP_HANDSHAKE_MS);
        if (r < 0) {
                abort_child(pid, pidfd, p->console_log, r, err_detail);
                return r;
        }

        vm->pid = pid;
        vm->pidfd = TAKE_FD(pidfd);
        vm->control_fd = TAKE_FD(control_ours);
        vm->qmp_fd = TAKE_FD(qmp_ours);
        return 0;
}

static int qemu_reap(struct lxs_vm *vm, int *wait_status)
{
        if (!vm->reaped) {
                if (vm->pid <= 0)
                        return -ECHILD;
                int status;
                while (waitpid(vm->pid, &status, 0) < 0)
                        if (errno != EINTR)
                                return -errno;
                vm->reaped = true;
                vm->wait_status = status;
        }
        if (wait_status)
                *wait_status = vm->wait_status;
        return 0;
}

static int qemu_kill(struct lxs_vm *vm)
{
        if (vm->reaped)
                return 0;
        if (vm->pid <= 0 || vm->pidfd < 0)
                return -ECHILD;
        /* QEMU may answer with the SHUTDOWN event and close before the reply: the outcome
         * that matters is the pidfd, not the reply. */
        if (vm->qmp_fd >= 0)
                (void)lxs_qmp_command(vm->qmp_fd, "{\"execute\":\"quit\"}", QMP_QUIT_MS, NULL);
        struct pollfd pf = { .fd = vm->pidfd, .events = POLLIN };
        int n;
        while ((n = poll(&pf, 1, QUIT_GRACE_MS)) < 0 && errno == EINTR)
                ;
        if (n <= 0 && pidfd_send_signal_(vm->pidfd, SIGKILL) < 0 && errno != ESRCH)
                return -errno;
        return qemu_reap(vm, NULL);
}

const struct lxs_vm_ops lxs_qemu_driver = {
        .name = "qemu",
        .start = qemu_start,
        .kill = qemu_kill,
        .reap = qemu_reap,
        .attach_disk = lxs_qemu_attach_disk,
        .detach_disk = lxs_qemu_detach_disk,
};

void lxs_vm_release(struct lxs_vm *vm)
{
        lxs_closep(&vm->pidfd);
        lxs_closep(&vm->control_fd);
        lxs_closep(&vm->qmp_fd);
        vm->pidfd = vm->control_fd = vm->qmp_fd = -1;
}
