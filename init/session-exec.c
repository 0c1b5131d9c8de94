/* Starting a session's child: pipes or a pty, then a vfork-style clone that execs.
 *
 * The child shares PID 1's memory (CLONE_VM | CLONE_VFORK) and runs on a stack of its own
 * until it execs, so starting a command costs no page-table copy and no copy-on-write faults
 * in PID 1 afterwards (measured under TCG: fork made ExecStart -> ExecStarted grow with PID 1's
 * memory use, to ~8 ms after bulk transfers; see the init/ commit message). PID 1 is suspended
 * until the exec succeeded or the child gave up, so the outcome is known synchronously and
 * ExecStarted goes out before anything the child writes. A failing child leaves errno and the
 * failed step in the shared plan. Safe because PID 1 is single-threaded and has no signal
 * handlers (its signals come through a signalfd); the child only makes system calls, and what
 * it changes in shared memory (environ, errno) PID 1 restores or does not rely on.
 * The child starts a new session (its pid is the process group for ExecSignal) and undoes PID
 * 1's signal setup.
 *
 * A session in a distro (distro-exec.h) is the same child, entered into the distro the way
 * nsenter does it: PID 1 points its pid_for_children at the distro's PID namespace around the
 * clone; the child joins the distro's sessions/ cgroup, setns()es into the distro init's mount,
 * UTS, IPC and cgroup namespaces (it has its own fs_struct, so the mount namespace switch is
 * allowed and puts its root and cwd at the distro's root), takes the user's groups and ids with
 * raw system calls (glibc's wrappers would try to broadcast to threads of a process the child
 * only shares memory with) and then changes directory and execs as usual; an image tool is
 * executed from the fd /init opened in its own /lib/lxs, so the distro's files play no part. */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "distro-exec.h"
#include "pty.h"
#include "report.h"
#include "shutdown.h"
#include "signals.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* execvpe keeps a path buffer and, for scripts, a copy of argv on the stack. */
#define CHILD_STACK_SIZE (256u * 1024u)

enum exec_step { STEP_SETSID, STEP_CGROUP, STEP_NAMESPACES, STEP_STDIO, STEP_USER, STEP_CHDIR, STEP_EXEC };

#define DISTRO_NAMESPACES (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP)

struct exec_error {
        int errno_value;      /* 0: the exec succeeded */
        enum exec_step step;
};

/* Everything the child needs, prepared before the clone so the child only makes system calls. */
struct child_plan {
        char **argv;
        const char *path;     /* execve this; NULL: execvpe argv[0] */
        char **envp;
        char *lookup_env[2];  /* PATH only: execvpe searches environ's PATH, envp is passed on */
        const char *cwd;
        bool cwd_fallback;    /* "/" if cwd cannot be entered */
        const struct lxs_distro_exec *distro;  /* NULL: the VM itself */
        bool tty;
        int stdio[3];         /* child ends: the pty slave, or the three pipe ends */
        struct exec_error error;
};

static void *child_stack;

static int child_stack_top(void **top)
{
        if (!child_stack) {
                void *p = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
                if (p == MAP_FAILED)
                        return -errno;
                /* A guard page: overflowing the child stack faults instead of corrupting PID 1. */
                mprotect(p, 4096, PROT_NONE);
                child_stack = p;
        }
        *top = (char *)child_stack + CHILD_STACK_SIZE;
        return 0;
}

static char **strv_from(char **v, size_t n)
{
        char **out = calloc(n + 1, sizeof(*out));
        if (out)
                memcpy(out, v, n * sizeof(*out));
        return out;
}

static char *find_path(char **envp)
{
        for (char **e = envp; *e; e++)
                if (strncmp(*e, "PATH=", 5) == 0)
                        return *e;
        return (char *)DEFAULT_PATH;
}

static int run_child(void *arg)
{
        struct child_plan *plan = arg;
        enum exec_step step = STEP_SETSID;
        const struct lxs_distro_exec *dx = plan->distro;
        lxs_signals_reset_for_child();
        if (setsid() < 0)
                goto fail;
        if (dx) {
                step = STEP_CGROUP;
                if (write(dx->cgroup_procs_fd, "0", 1) < 0)
                        goto fail;
                step = STEP_NAMESPACES;
                if (setns(dx->pidfd, DISTRO_NAMESPACES) < 0)
                        goto fail;
        }
        step = STEP_STDIO;
        if (plan->tty) {
                if (lxs_pty_attach_child(plan->stdio[0]) < 0)
                        goto fail;
        } else {
                /* Pipe fds are >= 3 (0..2 are always open in PID 1), so none is clobbered. */
                for (int fd = 0; fd <= 2; fd++)
                        if (dup2(plan->stdio[fd], fd) < 0)
                                goto fail;
        }
        if (dx) {
                step = STEP_USER;
                if (syscall(SYS_setgroups, dx->n_groups, dx->groups) < 0 ||
                    syscall(SYS_setresgid, dx->gid, dx->gid, dx->gid) < 0 ||
                    syscall(SYS_setresuid, dx->uid, dx->uid, dx->uid) < 0)
                        goto fail;
        }
        step = STEP_CHDIR;
        if (chdir(plan->cwd) < 0 && (!plan->cwd_fallback || chdir("/") < 0))
                goto fail;
        step = STEP_EXEC;
        environ = plan->lookup_env;
        if (dx && dx->tool_fd >= 0)
                syscall(SYS_execveat, dx->tool_fd, "", plan->argv, plan->envp, AT_EMPTY_PATH);
        else if (plan->path)
                execve(plan->path, plan->argv, plan->envp);
        else
                execvpe(plan->argv[0], plan->argv, plan->envp);
fail:
        plan->error.errno_value = errno ? errno : EIO;
        plan->error.step = step;
        _exit(127);
}

static void describe(const struct child_plan *plan, char *detail, size_t size)
{
        const char *why = strerror(plan->error.errno_value);
        switch (plan->error.step) {
        case STEP_EXEC:
                snprintf(detail, size, "%s: %s", plan->path ? plan->path : plan->argv[0], why);
                break;
        case STEP_CHDIR:
                snprintf(detail, size, "cd %s: %s", plan->cwd, why);
                break;
        case STEP_CGROUP:
                snprintf(detail, size, "join the distro's cgroup: %s", why);
                break;
        case STEP_NAMESPACES:
                snprintf(detail, size, "enter the distro: %s", why);
                break;
        case STEP_USER:
                snprintf(detail, size, "become uid %u: %s", (unsigned)plan->distro->uid, why);
                break;
        case STEP_STDIO:
                snprintf(detail, size, "%s: %s", plan->tty ? "controlling terminal" : "stdio", why);
                break;
        default:
                snprintf(detail, size, "setsid: %s", why);
                break;
        }
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

/* Opens the parent ends (parent_fds) and child ends (child_fds) of the child's stdio. */
static int open_stdio(const Lxs__Guest__ExecStart *m, int *ptmx, int parent_fds[3], int child_fds[3], char *detail,
                      size_t detail_size)
{
        if (m->tty) {
                int r = *ptmx >= 0 ? lxs_pty_open_master(TAKE_FD(*ptmx), m->rows, m->cols, &parent_fds[0], &child_fds[0])
                                   : lxs_pty_open(m->rows, m->cols, &parent_fds[0], &child_fds[0]);
                if (r < 0)
                        snprintf(detail, detail_size, "pseudo-terminal: %s", strerror(-r));
                return r;
        }
        for (int i = 0; i < 3; i++) {
                int p[2];
                if (pipe2(p, O_CLOEXEC) < 0) {
                        snprintf(detail, detail_size, "pipe: %s", strerror(errno));
                        return -errno;
                }
                /* stdin: the child reads p[0]; stdout/stderr: the child writes p[1]. */
                parent_fds[i] = i == 0 ? p[1] : p[0];
                child_fds[i] = i == 0 ? p[0] : p[1];
                /* A fresh pipe end has no other status flags to preserve. */
                if (fcntl(parent_fds[i], F_SETFL, O_NONBLOCK) < 0) {
                        snprintf(detail, detail_size, "pipe: %s", strerror(errno));
                        return -errno;
                }
        }
        return 0;
}

/* clone() with pid_for_children pointed at the distro's PID namespace when there is one. */
static pid_t clone_child(struct child_plan *plan, void *stack_top)
{
        const struct lxs_distro_exec *dx = plan->distro;
        if (dx && setns(dx->pidfd, CLONE_NEWPID) < 0)
                return -1;
        char **saved_environ = environ;
        pid_t pid = clone(run_child, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, plan);
        int saved_errno = errno;
        environ = saved_environ;
        if (dx && setns(dx->home_pidns_fd, CLONE_NEWPID) < 0) {
                /* Every later child would land in the distro: nothing can run right any more. */
                lxs_report(errno, true, NULL, "return to PID 1's own PID namespace");
                lxs_shutdown(NULL);
        }
        errno = saved_errno;
        return pid;
}

int session_spawn(struct session *s, const Lxs__Guest__ExecStart *m, char *detail, size_t detail_size)
{
        struct lxs_distro_exec dx = { .pidfd = -1, .cgroup_procs_fd = -1, .home_pidns_fd = -1, .ptmx_fd = -1,
                                      .tool_fd = -1 };
        bool in_distro = m->distro && *m->distro;
        _cleanup_free_ char **argv = NULL, **envp = NULL;
        void *stack_top = NULL;
        int r = child_stack_top(&stack_top);
        if (r == 0 && in_distro) {
                if (!s->owner->distros) {
                        snprintf(detail, detail_size, "distro %s is not running", m->distro);
                        return -ESRCH;
                }
                r = lxs_distros_exec_prepare(s->owner->distros, m, &dx, detail, detail_size);
                if (r < 0)
                        return r;
        } else if (r == 0) {
                argv = strv_from(m->argv, m->n_argv);
                envp = strv_from(m->env, m->n_env);
                if (!argv || !envp)
                        r = -ENOMEM;
        }
        if (r < 0) {
                snprintf(detail, detail_size, "out of memory");
                return -ENOMEM;
        }
        struct child_plan plan = {
                .argv = in_distro ? dx.cmd.argv : argv,
                .path = in_distro ? dx.cmd.path : NULL,
                .envp = in_distro ? dx.cmd.envp : envp,
                .cwd = in_distro ? dx.cmd.cwd : m->cwd && *m->cwd ? m->cwd : "/",
                .cwd_fallback = in_distro && dx.cmd.cwd_fallback,
                .distro = in_distro ? &dx : NULL,
                .tty = m->tty,
        };
        plan.lookup_env[0] = find_path(plan.envp);
        int parent_fds[3] = { -1, -1, -1 }, child_fds[3] = { -1, -1, -1 };
        r = open_stdio(m, &dx.ptmx_fd, parent_fds, child_fds, detail, detail_size);
        if (r == 0) {
                for (int i = 0; i < 3; i++)
                        plan.stdio[i] = m->tty ? child_fds[0] : child_fds[i];
                pid_t pid = clone_child(&plan, stack_top);
                if (pid < 0) {
                        r = -errno;
                        snprintf(detail, detail_size, "clone: %s", strerror(errno));
                } else if (plan.error.errno_value) {
                        /* The child exited with 127; the reaper collects it as a stranger. */
                        r = -plan.error.errno_value;
                        describe(&plan, detail, detail_size);
                } else {
                        s->pid = pid;
                        s->tty = m->tty;
                        if (m->tty) {
                                s->pty_master = parent_fds[0];
                                s->in.fd = s->out[0].fd = parent_fds[0];
                        } else {
                                s->in.fd = parent_fds[0];
                                s->out[0].fd = parent_fds[1];
                                s->out[1].fd = parent_fds[2];
                        }
                        parent_fds[0] = parent_fds[1] = parent_fds[2] = -1;
                }
        }
        for (int i = 0; i < 3; i++) {
                close_fd(&parent_fds[i]);
                close_fd(&child_fds[i]);
        }
        lxs_distro_exec_release(&dx);
        return r;
}
