/* The 9P client's connection state, shared by its wire half (p9-client-wire.c: tags, the
 * receiver thread, sending, waiting) and its request half (p9-client.c: one function per 9P
 * request). Not part of the client's API.
 *
 * Every request in flight holds a slot; its tag is the slot's index plus one, so a reply's tag
 * names its slot directly and 0 and NOTAG are never used after the version exchange. A slot is
 * busy from call_begin() until call_end() (synchronous calls) or until its completion has run
 * (asynchronous ones). The receiver thread owns the read side of the fd: it reads each reply
 * into the slot its tag names, checks it, and either wakes the caller or runs the completion. */
#ifndef LXS_P9_CLIENT_INTERNAL_H
#define LXS_P9_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "p9-client.h"

#define P9C_SLOTS 32u
#define P9C_ROOT_FID 0u

struct p9c_slot;

/* Runs on the receiver thread (or on the thread that finds the connection dead) once the reply
 * of an asynchronous request has come: result is 0 or a negative errno (Rlerror or the
 * connection's error), reply valid for the call only and NULL unless result is 0. The slot is
 * freed after it returns. */
typedef void (*p9c_complete_fn)(struct lxs_p9_client *c, struct p9c_slot *slot, int result,
                                const struct lxs_p9_msg *reply);

struct p9c_async {
        p9c_complete_fn complete;
        lxs_p9_io_done_fn io_done;  /* the caller's callback, for the completion to call */
        void *arg;
        uint32_t asked;             /* read: count asked; write: count sent; clunk: the fid */
};

struct p9c_slot {
        bool busy;                 /* taken by a request */
        bool sent;                 /* on the wire: a reply with this tag is expected */
        bool done;                 /* reply (or failure) delivered to a synchronous caller */
        int result;
        uint8_t want;              /* the R type expected */
        int64_t sent_ms;
        uint8_t *rbuf;             /* the reply's bytes; grown to the largest reply seen */
        size_t rcap;
        struct lxs_p9_msg reply;   /* points into rbuf */
        struct p9c_async async;    /* asynchronous requests only; complete == NULL otherwise */
};

struct lxs_p9_client {
        pthread_mutex_t lock;       /* slots, fids, the dead error */
        pthread_cond_t changed;     /* a slot completed or was freed, or the connection died */
        pthread_mutex_t send_lock;  /* one request on the wire at a time; guards tbuf */
        int fd;
        bool is_socket;
        atomic_bool dead;
        int dead_error;             /* what the call that found the fault gets */
        uint32_t msize;
        int timeout_ms;
        uint8_t *tbuf;              /* msize bytes */
        struct p9c_slot slots[P9C_SLOTS];
        pthread_t receiver;
        bool receiver_running;
        struct lxs_p9_qid root_qid;
        uint32_t next_fid;
        uint32_t *free_fids;
        size_t n_free, cap_free;
};

int p9c_mark_dead(struct lxs_p9_client *c, int err);
int64_t p9c_now_ms(void);

/* Takes a slot, encodes m (its tag set here) and sends it. want is the R type expected. On
 * success *slot is the slot, to be waited for with call_wait and given back with call_end; for
 * an asynchronous request (async != NULL) the completion runs exactly once and the slot is given
 * back after it (slot may be NULL). A failure before anything was sent leaves the
 * connection alive; a failure while sending marks it dead. */
int p9c_call_begin(struct lxs_p9_client *c, struct lxs_p9_msg *m, uint8_t want, const struct p9c_async *async,
                   struct p9c_slot **slot);
/* Waits for the slot's reply: 0 (the reply is in slot->reply), the Rlerror as a negative
 * errno, or the connection's error. */
/* Synchronous requests (no Twrite) sent together in one write, each under a slot of its own
 * (slots[i] for m[i]); on failure none is left. At most P9C_BATCH_MAX. */
#define P9C_BATCH_MAX 4u
int p9c_call_begin_batch(struct lxs_p9_client *c, struct lxs_p9_msg *const *m, unsigned n, struct p9c_slot **slots);
int p9c_call_wait(struct lxs_p9_client *c, struct p9c_slot *slot);
void p9c_call_end(struct lxs_p9_client *c, struct p9c_slot *slot);

/* Version negotiation before the receiver runs: one request, its reply read inline. */
int p9c_exchange_inline(struct lxs_p9_client *c, struct lxs_p9_msg *m, uint8_t want, uint32_t msize,
                        struct lxs_p9_msg *reply);
int p9c_start_receiver(struct lxs_p9_client *c);

void p9c_fid_release_locked(struct lxs_p9_client *c, uint32_t fid);

#endif
