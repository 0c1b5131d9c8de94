/* PID 1 signal handling; see signals.h for the contract. */
#include "signals.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "event-loop.h"

static const int handled_signals[] = { SIGCHLD, SIGIO, SIGPWR, SIGINT };
static const int ignored_signals[] = { SIGPIPE };

static const struct lxs_signal_ops *signal_ops;
static void *signal_data;

static void handled_set(sigset_t *set)
{
        sigemptyset(set);
        for (size_t i = 0; i < LXS_ARRAY_SIZE(handled_signals); i++)
                sigaddset(set, handled_signals[i]);
}

int lxs_signals_block(void)
{
        sigset_t set;
        handled_set(&set);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return -errno;
        for (size_t i = 0; i < LXS_ARRAY_SIZE(ignored_signals); i++)
                signal(ignored_signals[i], SIG_IGN);
        return 0;
}

void lxs_signals_reset_for_child(void)
{
        for (size_t i = 0; i < LXS_ARRAY_SIZE(ignored_signals); i++)
                signal(ignored_signals[i], SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
}

void lxs_reap_children(void (*cb)(pid_t pid, int status, void *data), void *data)
{
        for (;;) {
                int status;
                pid_t pid = waitpid(-1, &status, WNOHANG);
                if (pid <= 0)
                        return;
                if (cb)
                        cb(pid, status, data);
        }
}

static void signal_ready(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct signalfd_siginfo si[8];
        bool child = false, port = false, power = false;
        for (;;) {
                ssize_t n = read(fd, si, sizeof(si));
                if (n <= 0)
                        break;
                for (size_t i = 0; i < (size_t)n / sizeof(si[0]); i++) {
                        if (si[i].ssi_signo == SIGCHLD)
                                child = true;
                        else if (si[i].ssi_signo == SIGIO)
                                port = true;
                        else
                                power = true;
                }
        }
        /* Reap before anything else: a port change may tear sessions down, which should find
         * their exit status already recorded. */
        if (child)
                lxs_reap_children(signal_ops->child_exited, signal_data);
        if (port)
                signal_ops->port_changed(signal_data);
        if (power)
                signal_ops->power_off(signal_data);
}

int lxs_signals_watch(struct lxs_loop *loop, const struct lxs_signal_ops *ops, void *data)
{
        sigset_t set;
        handled_set(&set);
        int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        signal_ops = ops;
        signal_data = data;
        int w = lxs_loop_watch(loop, fd, POLLIN, signal_ready, NULL);
        if (w < 0) {
                close(fd);
                return w;
        }
        return 0;
}
