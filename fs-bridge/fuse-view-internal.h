/* State shared by the host view's session code (fuse-view.c) and its operations
 * (fuse-view-ops.c). The node table and the scratch buffer belong to the loop thread; the
 * counters are atomics because lxs_fuse_view_get_stats() reads them from any thread. */
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

struct lxs_fuse_view {
        struct lxs_p9_client *p9;
        struct lxs_fv_nodes *nodes;
        struct fuse_session *se;
        char *mountpoint;      /* canonical path, as /proc/self/mountinfo shows it */
        int stop_fd;           /* eventfd: tells the loop thread to return */
        pthread_t thread;
        bool thread_running;
        bool mounted;
        double attr_timeout, entry_timeout;
        uint8_t *io_buf;       /* read/readdir replies; loop thread only */
        size_t io_buf_size;
        atomic_uint_fast64_t largest_read, largest_write;
};

extern const struct fuse_lowlevel_ops lxs_fv_ops;

#endif
