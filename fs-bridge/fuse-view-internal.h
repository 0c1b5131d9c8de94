/* State shared by the host view's session code (fuse-view.c) and its operations
 * (fuse-view-ops.c). Several loop threads serve the mount: the node table is under nodes_lock,
 * the counters are atomics, open files lock themselves (fuse-view-files.h). */
#ifndef LXS_FUSE_VIEW_INTERNAL_H
#define LXS_FUSE_VIEW_INTERNAL_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "fuse-view-nodes.h"
#include "fuse-view.h"
#include "p9-client.h"

/* Enough for the kernel's read-ahead and a blocked operation or two besides; each thread
 * waits on the guest for one operation at a time, the 9P client multiplexes them. */
#define LXS_FV_LOOP_THREADS 4

struct lxs_fuse_view {
        struct lxs_p9_client *p9;
        struct lxs_fv_nodes *nodes;
        struct fuse_session *se;
        char *mountpoint;      /* canonical path, as /proc/self/mountinfo shows it */
        int stop_fd;           /* eventfd: tells the loop thread to return */
        pthread_t threads[LXS_FV_LOOP_THREADS];
        unsigned n_threads;
        pthread_mutex_t nodes_lock;
        bool mounted;
        double attr_timeout, entry_timeout;
        _Atomic uint64_t write_gen;  /* bumped by every change of file data through the view */
        atomic_uint_fast64_t largest_read, largest_write;
};

extern const struct fuse_lowlevel_ops lxs_fv_ops;

#endif
