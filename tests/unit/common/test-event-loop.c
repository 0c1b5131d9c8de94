/* io_uring event loop: readiness callbacks, timers, removal from inside a callback (the stale
 * completion must not reach a freed watch), and event mask changes. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "../check.h"
#include "event-loop.h"

struct ctx {
        int fds[2];
        int watch;
        int reads;
        int timers;
        int cancelled_fired;
};

static void on_read(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct ctx *c = data;
        char b[16];
        CHECK(revents & POLLIN);
        CHECK(read(fd, b, sizeof(b)) > 0);
        c->reads++;
        if (c->reads == 2)
                lxs_loop_unwatch(loop, c->watch); /* removes itself */
}

static void on_cancelled(struct lxs_loop *loop, void *data)
{
        ((struct ctx *)data)->cancelled_fired++;
}

static void on_timer(struct lxs_loop *loop, void *data)
{
        struct ctx *c = data;
        c->timers++;
        if (c->timers == 1) {
                CHECK(write(c->fds[1], "a", 1) == 1);
                lxs_loop_timer(loop, 5, on_timer, c);
        } else if (c->timers == 2) {
                CHECK(write(c->fds[1], "b", 1) == 1);
                lxs_loop_timer(loop, 5, on_timer, c);
        } else if (c->timers == 3) {
                /* After unwatch, more data must not call on_read. */
                CHECK(write(c->fds[1], "c", 1) == 1);
                lxs_loop_timer(loop, 20, on_timer, c);
        } else {
                lxs_loop_quit(loop);
        }
}

int main(void)
{
        struct lxs_loop *loop;
        int r = lxs_loop_new(&loop);
        if (r < 0) {
                fprintf(stderr, "io_uring unavailable: %s\n", strerror(-r));
                return 1;
        }
        struct ctx c = { 0 };
        CHECK(pipe(c.fds) == 0);
        c.watch = lxs_loop_watch(loop, c.fds[0], POLLIN, on_read, &c);
        CHECK(c.watch >= 0);
        int t = lxs_loop_timer(loop, 1, on_cancelled, &c);
        lxs_loop_cancel_timer(loop, t);
        lxs_loop_timer(loop, 5, on_timer, &c);
        CHECK_EQ_INT(lxs_loop_run(loop), 0);
        CHECK_EQ_INT(c.reads, 2);
        CHECK_EQ_INT(c.timers, 4);
        CHECK_EQ_INT(c.cancelled_fired, 0);

        /* Watching for POLLOUT only, then switching to POLLIN. */
        int w = lxs_loop_watch(loop, c.fds[1], POLLOUT, NULL, NULL);
        CHECK(w >= 0);
        CHECK_EQ_INT(lxs_loop_watch_events(loop, w, POLLIN), 0);
        lxs_loop_unwatch(loop, w);
        lxs_loop_free(loop);
        close(c.fds[0]);
        close(c.fds[1]);
        return check_result("test-event-loop");
}
