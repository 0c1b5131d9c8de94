/* Open directories of the host view: a listing is fetched from the server in large Treaddirs
 * and handed to the kernel from that buffer, page by page, as it asks; the first part comes
 * with the open itself (clone, lopen and Treaddir travel together), and the end of the listing
 * is known without asking once a reply leaves room for a further entry (the server fills each
 * reply until an entry does not fit or the directory ends). So a small directory costs one
 * round trip to open and list, where it cost an open, a readdir and a readdir that came back
 * empty.
 *
 * The buffer serves only the listing it was fetched for: a read at any other offset (seekdir,
 * rewinddir) fetches afresh, so the kernel sees what getdents64 in the guest would. Thread-safe;
 * nothing here prints. */
#ifndef LXS_FUSE_VIEW_DIRS_H
#define LXS_FUSE_VIEW_DIRS_H

#include <stddef.h>
#include <stdint.h>

#include "p9-client.h"

/* Bytes of entries asked for per Treaddir. */
#define LXS_FV_DIR_FETCH (64u * 1024u)

struct lxs_fv_dir;

/* Opens the directory that fid (a node's walked fid, not taken) names: NULL with errno. */
struct lxs_fv_dir *lxs_fv_dir_open(struct lxs_p9_client *p9, uint32_t fid, int *err);
uint32_t lxs_fv_dir_fid(const struct lxs_fv_dir *d);

/* Called for each entry from off on while it returns 0; 1 stops (the entry is not taken and is
 * handed out again next time). name is NUL-terminated. */
typedef int (*lxs_fv_dir_fill_fn)(void *userdata, const struct lxs_p9_dirent *e, const char *name);
/* Hands out entries after offset off (0: the start). 0, or a negative errno when the server
 * could not be asked and nothing was handed out. */
int lxs_fv_dir_read(struct lxs_fv_dir *d, uint64_t off, lxs_fv_dir_fill_fn fill, void *userdata);

/* Clunks the directory's fid without waiting and frees it. */
void lxs_fv_dir_close(struct lxs_fv_dir *d);

#endif
