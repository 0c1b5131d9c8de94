/* Open files of the host view: the fid each open holds, the writes it has acknowledged to the
 * kernel but not yet seen answered (write-behind), and the reads it has asked for ahead of a
 * sequential reader (read-ahead).
 *
 * Write-behind: a FUSE write is answered once its Twrite is on the wire, not once the server
 * has answered; any request sent later (a getattr, a read, a truncate, the fsync) is served
 * after it. A write that then fails is reported by the next write, flush (close) or fsync of
 * that open file, as NFS does; flush and fsync wait for every write in flight first. At most
 * LXS_FV_WRITE_BEHIND bytes are in flight per open file.
 *
 * Read-ahead: a read at the offset where the previous one ended (or at 0) is served from
 * iounit-sized Treads issued ahead of it, LXS_FV_READ_AHEAD bytes in all. Data read ahead is
 * dropped once anything is written through the view (a write generation the view bumps after
 * each change is sent, so data asked for before a change never serves a read after it), and
 * after the attribute timeout, so it is never older than what the kernel's own caches may
 * show. Other reads go to the server as they come.
 *
 * Thread-safe: each open file has its lock; completions run on the 9P client's receiver thread.
 * Nothing here prints. */
#ifndef LXS_FUSE_VIEW_FILES_H
#define LXS_FUSE_VIEW_FILES_H

#include <stdint.h>
#include <sys/types.h>

#include "p9-client.h"

#define LXS_FV_WRITE_BEHIND (8u << 20)
#define LXS_FV_READ_AHEAD (4u << 20)

struct lxs_fv_file;

/* An open file for fid (taken: clunked by lxs_fv_file_close). NULL with errno. */
struct lxs_fv_file *lxs_fv_file_new(struct lxs_p9_client *p9, uint32_t fid);
uint32_t lxs_fv_file_fid(const struct lxs_fv_file *f);

/* Writes size bytes at off: 0 once all of it is on the wire, or a negative errno (this write's,
 * or an earlier write-behind failure, which is then cleared). write_gen is bumped after each
 * Twrite is sent, so read-ahead asked for before it is never used after it. */
int lxs_fv_file_write(struct lxs_fv_file *f, const void *buf, size_t size, uint64_t off,
                      _Atomic uint64_t *write_gen);
/* Waits for the writes in flight; 0 or the first write-behind failure (then cleared). */
int lxs_fv_file_drain(struct lxs_fv_file *f);
/* Reads up to size bytes at off into buf: the count (short at the end of the file), or a
 * negative errno. write_gen is the view's current write generation; max_age_ms how old data
 * read ahead may be. */
ssize_t lxs_fv_file_read(struct lxs_fv_file *f, void *buf, size_t size, uint64_t off, uint64_t write_gen,
                         int max_age_ms);
/* Waits for every request of f in flight, clunks its fid without waiting and frees it. */
void lxs_fv_file_close(struct lxs_fv_file *f);

#endif
