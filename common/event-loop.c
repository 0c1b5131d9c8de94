/* io_uring event loop; see event-loop.h for the contract.
 *
 * user_data of every submission encodes (kind, slot, generation). A slot's generation changes
 * when it is freed or re-armed with other events, so stale completions are recognised and
 * ignored without keeping freed callers' memory alive. */
#include "event-loop.h"

#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum slot_kind { SLOT_FREE = 0, SLOT_WATCH, SLOT_TIMER };

struct slot {
        enum slot_kind kind;
        uint32_t gen;
        int fd;
        uint32_t events;
        bool armed;           /* a poll for this generation is in flight */
        lxs_fd_cb fd_cb;
        lxs_timer_cb timer_cb;
        void *data;
        struct __kernel_timespec ts;
};

struct lxs_loop {
        struct io_uring ring;
        struct slot *slots;
        int nslots;
        bool quit;
};

#define TAG_REMOVE 0xffffffffu

static uint64_t pack_ud(int idx, uint32_t gen)
{
        return (uint64_t)(uint32_t)idx << 32 | gen;
}

int lxs_loop_new(struct lxs_loop **ret)
{
        struct lxs_loop *loop = calloc(1, sizeof(*loop));
        if (!loop)
                return -ENOMEM;
        int r = io_uring_queue_init(256, &loop->ring, 0);
        if (r < 0) {
                free(loop);
                return r;
        }
        *ret = loop;
        return 0;
}

void lxs_loop_free(struct lxs_loop *loop)
{
        if (!loop)
                return;
        io_uring_queue_exit(&loop->ring);
        free(loop->slots);
        free(loop);
}

static struct io_uring_sqe *get_sqe(struct lxs_loop *loop)
{
        struct io_uring_sqe *sqe = io_uring_get_sqe(&loop->ring);
        if (!sqe) {
                io_uring_submit(&loop->ring);
                sqe = io_uring_get_sqe(&loop->ring);
        }
        return sqe;
}

static int slot_alloc(struct lxs_loop *loop)
{
        for (int i = 0; i < loop->nslots; i++)
                if (loop->slots[i].kind == SLOT_FREE)
                        return i;
        int n = loop->nslots ? loop->nslots * 2 : 32;
        struct slot *s = realloc(loop->slots, (size_t)n * sizeof(*s));
        if (!s)
                return -ENOMEM;
        memset(s + loop->nslots, 0, (size_t)(n - loop->nslots) * sizeof(*s));
        loop->slots = s;
        int idx = loop->nslots;
        loop->nslots = n;
        return idx;
}

static int arm_poll(struct lxs_loop *loop, int idx)
{
        struct slot *s = &loop->slots[idx];
        struct io_uring_sqe *sqe = get_sqe(loop);
        if (!sqe)
                return -EBUSY;
        io_uring_prep_poll_add(sqe, s->fd, s->events);
        io_uring_sqe_set_data64(sqe, pack_ud(idx, s->gen));
        s->armed = true;
        return 0;
}

static void cancel_poll(struct lxs_loop *loop, int idx)
{
        struct slot *s = &loop->slots[idx];
        if (!s->armed)
                return;
        struct io_uring_sqe *sqe = get_sqe(loop);
        if (sqe) {
                io_uring_prep_poll_remove(sqe, pack_ud(idx, s->gen));
                io_uring_sqe_set_data64(sqe, pack_ud(idx, TAG_REMOVE));
        }
        s->armed = false;
}

static bool valid_id(struct lxs_loop *loop, int id, enum slot_kind kind)
{
        return id >= 0 && id < loop->nslots && loop->slots[id].kind == kind;
}

int lxs_loop_watch(struct lxs_loop *loop, int fd, uint32_t events, lxs_fd_cb cb, void *data)
{
        int idx = slot_alloc(loop);
        if (idx < 0)
                return idx;
        struct slot *s = &loop->slots[idx];
        uint32_t gen = s->gen + 1;
        if (gen == TAG_REMOVE)
                gen = 1;
        *s = (struct slot){ .kind = SLOT_WATCH, .gen = gen, .fd = fd, .events = events,
                            .fd_cb = cb, .data = data };
        int r = arm_poll(loop, idx);
        if (r < 0) {
                s->kind = SLOT_FREE;
                return r;
        }
        return idx;
}

static void bump_gen(struct slot *s)
{
        s->gen++;
        if (s->gen == TAG_REMOVE || s->gen == 0)
                s->gen = 1;
}

int lxs_loop_watch_events(struct lxs_loop *loop, int id, uint32_t events)
{
        if (!valid_id(loop, id, SLOT_WATCH))
                return -EINVAL;
        struct slot *s = &loop->slots[id];
        if (s->events == events)
                return 0;
        cancel_poll(loop, id);
        bump_gen(s);
        s->events = events;
        return arm_poll(loop, id);
}

void lxs_loop_unwatch(struct lxs_loop *loop, int id)
{
        if (!valid_id(loop, id, SLOT_WATCH))
                return;
        cancel_poll(loop, id);
        bump_gen(&loop->slots[id]);
        loop->slots[id].kind = SLOT_FREE;
}

int lxs_loop_timer(struct lxs_loop *loop, uint64_t ms, lxs_timer_cb cb, void *data)
{
        int idx = slot_alloc(loop);
        if (idx < 0)
                return idx;
        struct slot *s = &loop->slots[idx];
        uint32_t gen = s->gen;
        *s = (struct slot){ .kind = SLOT_TIMER, .gen = gen, .timer_cb = cb, .data = data };
        bump_gen(s);
        s->ts.tv_sec = (long long)(ms / 1000);
        s->ts.tv_nsec = (long long)(ms % 1000) * 1000000;
        struct io_uring_sqe *sqe = get_sqe(loop);
        if (!sqe) {
                s->kind = SLOT_FREE;
                return -EBUSY;
        }
        io_uring_prep_timeout(sqe, &s->ts, 0, 0);
        io_uring_sqe_set_data64(sqe, pack_ud(idx, s->gen));
        s->armed = true;
        return idx;
}

void lxs_loop_cancel_timer(struct lxs_loop *loop, int id)
{
        if (!valid_id(loop, id, SLOT_TIMER))
                return;
        struct slot *s = &loop->slots[id];
        struct io_uring_sqe *sqe = get_sqe(loop);
        if (sqe) {
                io_uring_prep_timeout_remove(sqe, pack_ud(id, s->gen), 0);
                io_uring_sqe_set_data64(sqe, pack_ud(id, TAG_REMOVE));
        }
        bump_gen(s);
        s->kind = SLOT_FREE;
}

static void dispatch(struct lxs_loop *loop, uint64_t ud, int res)
{
        int idx = (int)(ud >> 32);
        uint32_t gen = (uint32_t)ud;
        if (gen == TAG_REMOVE || idx >= loop->nslots)
                return;
        struct slot *s = &loop->slots[idx];
        if (s->kind == SLOT_FREE || s->gen != gen)
                return; /* stale: removed or re-armed since */
        s->armed = false;
        if (s->kind == SLOT_TIMER) {
                if (res == -ECANCELED)
                        return;
                s->kind = SLOT_FREE;
                bump_gen(s);
                s->timer_cb(loop, s->data);
                return;
        }
        if (res == -ECANCELED)
                return;
        uint32_t revents = res < 0 ? POLLERR : (uint32_t)res;
        s->fd_cb(loop, s->fd, revents, s->data);
        /* The callback may have unwatched, re-armed or grown the slot array. */
        s = &loop->slots[idx];
        if (s->kind == SLOT_WATCH && s->gen == gen && !s->armed)
                arm_poll(loop, idx);
}

int lxs_loop_run(struct lxs_loop *loop)
{
        loop->quit = false;
        while (!loop->quit) {
                struct io_uring_cqe *cqe;
                int r = io_uring_submit_and_wait(&loop->ring, 1);
                if (r < 0 && r != -EINTR && r != -ETIME)
                        return r;
                unsigned head, seen = 0;
                /* Copy completions first: callbacks may submit and reap indirectly. */
                struct { uint64_t ud; int res; } batch[64];
                unsigned n = 0;
                io_uring_for_each_cqe(&loop->ring, head, cqe)
                {
                        if (n == (sizeof(batch) / sizeof(batch[0])))
                                break;
                        batch[n].ud = cqe->user_data;
                        batch[n].res = cqe->res;
                        n++;
                        seen++;
                }
                io_uring_cq_advance(&loop->ring, seen);
                /* The whole batch, even after a quit: its completions are consumed already,
                 * and a watch whose completion were dropped would never be re-armed. */
                for (unsigned i = 0; i < n; i++)
                        dispatch(loop, batch[i].ud, batch[i].res);
        }
        io_uring_submit(&loop->ring);
        return 0;
}

void lxs_loop_quit(struct lxs_loop *loop)
{
        loop->quit = true;
}
