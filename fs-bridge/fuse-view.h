/* The host view of a distro's filesystem: a FUSE mount (libfuse3 low-level API) whose every
 * operation is answered by a 9P2000.L file server inside the distro, reached over a stream fd.
 *
 * The server is untrusted (see p9-client.h): a hostile or dead server makes operations fail
 * with EIO (or ENOTCONN/ETIMEDOUT for the one that found it dead), never crashes or blocks the
 * host past the reply timeout. Once the connection is dead every operation answers EIO at once;
 * the mount stays until lxs_fuse_view_stop().
 *
 * The mount is private to the mounting user (no allow_other), nosuid and nodev, and does no
 * permission checks of its own (no default_permissions): the server enforces permissions as
 * the distro's user. Nothing here prints (libfuse itself may write to stderr). */
#ifndef LXS_FUSE_VIEW_H
#define LXS_FUSE_VIEW_H

#include <stdbool.h>
#include <stdint.h>

struct lxs_fuse_view_options {
        double attr_timeout;   /* seconds; 0: 1.0 (files change from both sides) */
        double entry_timeout;  /* seconds; 0: 1.0 */
        int p9_timeout_ms;     /* per 9P reply; 0: LXS_P9_CLIENT_TIMEOUT_MS_DEFAULT (30 s) */
        uint32_t p9_msize;     /* offered msize; 0: 1 MiB + 24 */
};

/* Counters for diagnostics and tests; read while the view runs, so only roughly coherent. */
struct lxs_fuse_view_stats {
        uint64_t nodes;            /* nodeids the kernel holds, root included */
        uint64_t largest_read;     /* largest FUSE read request seen, bytes */
        uint64_t largest_write;    /* largest FUSE write request seen, bytes */
};

struct lxs_fuse_view;

/* Negotiates 9P over p9_fd (taken in every case), mounts the view at mountpoint (an existing
 * directory) and serves it on a thread of its own. 0 or a negative errno; on success *out is
 * the view, to be ended with lxs_fuse_view_stop(). opts may be NULL. */
int lxs_fuse_view_start(const char *mountpoint, int p9_fd, const struct lxs_fuse_view_options *opts,
                        struct lxs_fuse_view **out);

/* Ends the 9P connection, stops the thread and unmounts; when the mount is busy it is detached
 * lazily (open files then fail with ENOTCONN), so no mount is left behind either way. Frees
 * the view. 0, or a negative errno when the mount could not be removed (the view is freed
 * regardless). NULL is a no-op. */
int lxs_fuse_view_stop(struct lxs_fuse_view *view);

/* True once the 9P connection has failed (EOF, timeout, protocol violation). */
bool lxs_fuse_view_dead(const struct lxs_fuse_view *view);

void lxs_fuse_view_get_stats(const struct lxs_fuse_view *view, struct lxs_fuse_view_stats *out);

#endif
