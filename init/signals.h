/* Signals of PID 1, delivered through a signalfd watched by the event loop.
 *
 * SIGCHLD reaps every child, including orphans re-parented to PID 1; SIGIO means the control
 * port's host connection changed; SIGPWR and SIGINT ask for an orderly power-off. SIGPIPE is
 * ignored so a vanished reader shows up as EPIPE. Children undo all of this before exec.
 * Return 0 or negative errno; nothing prints. */
#ifndef LXS_INIT_SIGNALS_H
#define LXS_INIT_SIGNALS_H

#include <sys/types.h>

struct lxs_loop;

struct lxs_signal_ops {
        void (*child_exited)(pid_t pid, int status, void *data);
        void (*port_changed)(void *data);
        void (*power_off)(void *data);
};

/* Blocks the handled signals; call first, before any fork. */
int lxs_signals_block(void);

/* Starts delivering them to ops through the loop. */
int lxs_signals_watch(struct lxs_loop *loop, const struct lxs_signal_ops *ops, void *data);

/* In a forked child before exec: default dispositions, empty mask. */
void lxs_signals_reset_for_child(void);

/* Reaps every exited child now, passing each to cb (may be NULL). */
void lxs_reap_children(void (*cb)(pid_t pid, int status, void *data), void *data);

#endif
