/* A 9P2000.L file server over a directory tree, independent of any transport.
 *
 * The server answers one request at a time (lxs_p9_server_handle) or serves a byte stream
 * until EOF (lxs_p9_server_serve). Every filesystem operation is relative to a fid's file
 * descriptor (*at() calls, O_PATH fds for walked fids), so the tree shown is the one under
 * root_dirfd as seen by the calling process, with its credentials: the server does no access
 * checks of its own and ignores the attach uname (it serves as whoever runs it).
 *
 * Failures of an operation are answered as Rlerror with the positive errno; only a broken
 * stream (framing lost, I/O error, reply buffer too small) is returned as a negative errno.
 * Not thread-safe: one server per session. Nothing here prints. */
#ifndef LXS_P9_SERVER_H
#define LXS_P9_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Largest msize offered: 1 MiB of data plus the read/write header. */
#define LXS_P9_MSIZE_MAX (1024u * 1024u + 24u)
/* Smallest msize accepted: room for every fixed-size reply and a useful amount of data. */
#define LXS_P9_MSIZE_MIN 512u
#define LXS_P9_MAX_FIDS_DEFAULT 65536u

/* Walks (and attach) resolve with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
 * RESOLVE_NO_SYMLINKS) in addition to the single-component rule, so no fid can ever name
 * something outside the root; for tests and fuzzers that point the server at a scratch
 * directory. */
#define LXS_P9_SERVER_CONTAIN 0x1u

struct lxs_p9_server_options {
        unsigned flags;     /* LXS_P9_SERVER_* */
        uint32_t max_fids;  /* 0: LXS_P9_MAX_FIDS_DEFAULT */
        uint32_t max_msize; /* 0: LXS_P9_MSIZE_MAX; clamped to [LXS_P9_MSIZE_MIN, LXS_P9_MSIZE_MAX] */
};

struct lxs_p9_server;

/* A server over the directory root_dirfd (not taken: the server keeps its own duplicate).
 * opts may be NULL for the defaults. NULL with errno set on failure (ENOTDIR, ENOMEM, ...). */
struct lxs_p9_server *lxs_p9_server_new(int root_dirfd, const struct lxs_p9_server_options *opts);
void lxs_p9_server_free(struct lxs_p9_server *s);

/* The msize in force: the offered maximum until Tversion, then the negotiated one. Incoming
 * messages larger than this are a protocol violation. */
uint32_t lxs_p9_server_msize(const struct lxs_p9_server *s);

/* Handles one request of exactly len bytes (one whole message, as delimited by
 * lxs_p9_frame_len) and writes the reply into resp. cap must be at least the current
 * lxs_p9_server_msize(). Returns the reply's length; a negative errno when no reply can be
 * made and the session must end: -EBADMSG (len is not the message's size), -EMSGSIZE (above
 * msize), -ENOBUFS (cap too small). */
ssize_t lxs_p9_server_handle(struct lxs_p9_server *s, const uint8_t *req, size_t len, uint8_t *resp,
                             size_t cap);

/* Reads requests from in_fd and writes replies to out_fd until EOF on in_fd. 0 on a clean
 * EOF (between messages), -EPIPE when it falls inside a message, another negative errno for
 * read/write failures or a broken stream. */
int lxs_p9_server_serve(struct lxs_p9_server *s, int in_fd, int out_fd);

#endif
