/* A 9P2000.L client over one connected stream fd, for the host side of the file bridge: calls
 * block until their reply, asynchronous ones until their request is on the wire.
 *
 * The peer is untrusted (it runs inside a distro's VM): every reply is checked before anything
 * in it is used: tag (one in flight and not yet answered), type (the R of the request or
 * Rlerror), size within msize, read count no larger than asked, readdir entries whole, strings
 * without NUL, walk qids no more than names. Any violation, a reply not complete within the
 * timeout, an I/O error or EOF marks the connection dead and fails every request in flight;
 * from then on every call fails at once with -EIO and never touches the fd. The calls that were
 * waiting get -EIO (violation), -ETIMEDOUT or -ENOTCONN (EOF).
 *
 * Rlerror is returned as its negative errno, clamped to 1..511 (-EIO otherwise) so that a
 * hostile code cannot pass for a success or for a kernel-internal value.
 *
 * Up to 32 requests are in flight at once, each under a tag of its own: calls from several
 * threads proceed concurrently, and replies may come in any order. One receiver thread reads
 * every reply; a reply whose tag names no request in flight is a violation like any other.
 * Requests go on the wire in the order the calls send them, so a request sent after another
 * (even after an asynchronous one, which is on the wire when its call returns) is served after
 * it by an in-order server such as lxs-9p-server; the client itself never relies on that.
 * Fids are allocated and recycled here; a fid goes back to the pool once clunked (a 9P clunk
 * frees the fid even when it fails). Nothing here prints. */
#ifndef LXS_P9_CLIENT_H
#define LXS_P9_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "p9-codec.h"

#define LXS_P9_CLIENT_TIMEOUT_MS_DEFAULT 30000

struct lxs_p9_client_options {
        uint32_t msize;      /* offered msize; 0: LXS_P9_MSIZE_MAX (1 MiB + 24) */
        int timeout_ms;      /* per reply; 0: LXS_P9_CLIENT_TIMEOUT_MS_DEFAULT */
};

struct lxs_p9_client;

/* A client over fd, which is taken in every case (closed by lxs_p9_client_free, or at once on
 * failure) and made non-blocking. Negotiates the version (9P2000.L, msize up to the offered
 * one, at least LXS_P9_MSIZE_MIN) and attaches the root. NULL with errno on failure. */
struct lxs_p9_client *lxs_p9_client_connect(int fd, const struct lxs_p9_client_options *opts);
void lxs_p9_client_free(struct lxs_p9_client *c);

/* Marks the connection dead and shuts the stream down, so that a call blocked in another
 * thread returns at once. Safe from any thread, any number of times. */
void lxs_p9_client_shutdown(struct lxs_p9_client *c);
bool lxs_p9_client_dead(const struct lxs_p9_client *c);

uint32_t lxs_p9_client_msize(const struct lxs_p9_client *c);
/* Most data one read or write moves: msize minus the I/O header. */
uint32_t lxs_p9_client_iounit(const struct lxs_p9_client *c);
/* Most data one Twrite carries: msize minus the Twrite header. */
uint32_t lxs_p9_client_write_max(const struct lxs_p9_client *c);
uint32_t lxs_p9_client_root_fid(const struct lxs_p9_client *c);
struct lxs_p9_qid lxs_p9_client_root_qid(const struct lxs_p9_client *c);

/* Walks from fid through n (<= LXS_P9_MAXWELEM) names into a newly allocated fid; n == 0
 * clones. -ENOENT when not every name could be walked (no fid is then created). qid (may be
 * NULL) is the last element's, or for a clone unset. */
int lxs_p9_walk(struct lxs_p9_client *c, uint32_t fid, unsigned n, const char *const *names,
                uint32_t *newfid, struct lxs_p9_qid *qid);
int lxs_p9_clunk(struct lxs_p9_client *c, uint32_t fid);

int lxs_p9_getattr(struct lxs_p9_client *c, uint32_t fid, uint64_t mask, struct lxs_p9_rgetattr *out);
/* attr->fid is ignored; fid is used. */
int lxs_p9_setattr(struct lxs_p9_client *c, uint32_t fid, const struct lxs_p9_tsetattr *attr);

/* flags are LXS_P9_O_*. iounit may be NULL. */
int lxs_p9_lopen(struct lxs_p9_client *c, uint32_t fid, uint32_t flags, struct lxs_p9_qid *qid,
                 uint32_t *iounit);
/* On success fid names the new file, opened with flags. */
int lxs_p9_lcreate(struct lxs_p9_client *c, uint32_t fid, const char *name, uint32_t flags,
                   uint32_t mode, uint32_t gid, struct lxs_p9_qid *qid);

/* One Tread/Twrite of at most lxs_p9_client_iounit() bytes (larger counts are cut); the
 * count moved. */
ssize_t lxs_p9_read(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, void *buf, uint32_t count);
ssize_t lxs_p9_write(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, const void *buf,
                     uint32_t count);

/* Asynchronous I/O. The request is on the wire when the call returns 0 (buf is no longer
 * needed); done then runs exactly once, on the client's receiver thread (or on the thread that
 * finds the connection dead), with the count moved or a negative errno; data is the bytes read
 * (valid for the call only), asked the count requested. done must not call into the client.
 * A negative return means nothing was sent and done will not run. count must not exceed
 * lxs_p9_client_iounit() (-EMSGSIZE). */
typedef void (*lxs_p9_io_done_fn)(void *arg, ssize_t result, uint32_t asked, const void *data);
int lxs_p9_read_async(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, uint32_t count,
                      lxs_p9_io_done_fn done, void *arg);
int lxs_p9_write_async(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, const void *buf,
                       uint32_t count, lxs_p9_io_done_fn done, void *arg);
/* Clunks fid without waiting for the answer; the fid returns to the pool when it comes. */
void lxs_p9_clunk_async(struct lxs_p9_client *c, uint32_t fid);

/* Two requests back to back, one round trip: a one-name walk into a new fid and a getattr of
 * it (a lookup), or a clone of fid and an lopen of the clone (an open). On failure no new fid
 * is left. */
int lxs_p9_walk_getattr(struct lxs_p9_client *c, uint32_t fid, const char *name, uint64_t mask,
                        uint32_t *newfid, struct lxs_p9_qid *qid, struct lxs_p9_rgetattr *attr);
int lxs_p9_clone_open(struct lxs_p9_client *c, uint32_t fid, uint32_t flags, uint32_t *newfid);

/* Called for each readdir entry; the name is NUL-terminated for the call only. A non-zero
 * return stops the walk through the entries and is returned by lxs_p9_readdir. */
typedef int (*lxs_p9_dirent_fn)(void *userdata, const struct lxs_p9_dirent *d, const char *name);
/* One Treaddir of at most count bytes of entries from offset (0, or an entry's offset).
 * Returns the callback's non-zero value, or the number of entries delivered (0 at the end). */
int lxs_p9_readdir(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, uint32_t count,
                   lxs_p9_dirent_fn fn, void *userdata);

/* One Treaddir of at most count bytes from offset, its entries copied as they came (each
 * checked whole by the decoder; walk them with lxs_p9_dirent_next) into buf, which holds
 * count bytes; their length in *len (0 at the end). */
int lxs_p9_readdir_raw(struct lxs_p9_client *c, uint32_t fid, uint64_t offset, uint32_t count, void *buf,
                       uint32_t *len);
/* Clones fid, opens the clone as a directory and reads its first count bytes of entries (as
 * lxs_p9_readdir_raw), in one round trip. On failure no new fid is left. */
int lxs_p9_opendir_read(struct lxs_p9_client *c, uint32_t fid, uint32_t count, uint32_t *newfid, void *buf,
                        uint32_t *len);

int lxs_p9_mkdir(struct lxs_p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t gid,
                 struct lxs_p9_qid *qid);
int lxs_p9_symlink(struct lxs_p9_client *c, uint32_t dfid, const char *name, const char *target,
                   uint32_t gid, struct lxs_p9_qid *qid);
int lxs_p9_mknod(struct lxs_p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t major,
                 uint32_t minor, uint32_t gid, struct lxs_p9_qid *qid);
/* The target, malloc'd and NUL-terminated, in *target. */
int lxs_p9_readlink(struct lxs_p9_client *c, uint32_t fid, char **target);
int lxs_p9_link(struct lxs_p9_client *c, uint32_t dfid, uint32_t fid, const char *name);
int lxs_p9_renameat(struct lxs_p9_client *c, uint32_t olddirfid, const char *oldname, uint32_t newdirfid,
                    const char *newname);
/* flags: 0 or LXS_P9_AT_REMOVEDIR */
int lxs_p9_unlinkat(struct lxs_p9_client *c, uint32_t dirfid, const char *name, uint32_t flags);
int lxs_p9_statfs(struct lxs_p9_client *c, uint32_t fid, struct lxs_p9_rstatfs *out);
int lxs_p9_fsync(struct lxs_p9_client *c, uint32_t fid, bool datasync);

#endif
