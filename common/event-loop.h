/* Single-threaded event loop on io_uring (liburing), shared by lxsd and the guest's /init.
 *
 * Watches are level-triggered fd readiness callbacks (io_uring one-shot poll, re-armed after each
 * callback); timers are one-shot. Both are named by small integer ids. Every id carries a
 * generation, so a completion that arrives after its watch or timer was removed (or its slot
 * reused) is dropped: callers may remove watches from inside any callback, including their own.
 * Functions return negative errno; nothing here prints. */
#ifndef LXS_EVENT_LOOP_H
#define LXS_EVENT_LOOP_H

#include <stdint.h>

struct lxs_loop;

typedef void (*lxs_fd_cb)(struct lxs_loop *loop, int fd, uint32_t revents, void *data);
typedef void (*lxs_timer_cb)(struct lxs_loop *loop, void *data);

int lxs_loop_new(struct lxs_loop **ret);
void lxs_loop_free(struct lxs_loop *loop);

/* Calls cb whenever fd shows any of `events` (POLLIN, POLLOUT, ...). POLLERR/POLLHUP are always
 * reported. Returns a watch id >= 0. */
int lxs_loop_watch(struct lxs_loop *loop, int fd, uint32_t events, lxs_fd_cb cb, void *data);
/* Changes the events of a watch. */
int lxs_loop_watch_events(struct lxs_loop *loop, int id, uint32_t events);
void lxs_loop_unwatch(struct lxs_loop *loop, int id);

/* Calls cb once after `ms` milliseconds. Returns a timer id >= 0. */
int lxs_loop_timer(struct lxs_loop *loop, uint64_t ms, lxs_timer_cb cb, void *data);
void lxs_loop_cancel_timer(struct lxs_loop *loop, int id);

/* Runs until lxs_loop_quit() is called. Returns 0, or a negative errno on ring failure. */
int lxs_loop_run(struct lxs_loop *loop);
void lxs_loop_quit(struct lxs_loop *loop);

#endif
