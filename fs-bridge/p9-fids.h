/* The 9P server's fid table: client-chosen 32-bit fids mapped to the file descriptors that
 * stand for them. Bounded (a client cannot make the server hold more than `max` fds through
 * it); each entry owns its fd and closes it when removed. Not thread-safe: one table per
 * session, used by one thread. */
#ifndef LXS_P9_FIDS_H
#define LXS_P9_FIDS_H

#include <stdbool.h>
#include <stdint.h>

struct lxs_p9_fid {
        uint32_t fid;
        int fd;          /* O_PATH until lopen/lcreate, then the open file */
        bool is_dir;
        bool opened;     /* fd came from lopen/lcreate: read/write/readdir work on it */
        struct lxs_p9_fid *next;
};

#define LXS_P9_FID_BUCKETS 4096u

struct lxs_p9_fid_table {
        struct lxs_p9_fid *buckets[LXS_P9_FID_BUCKETS];
        uint32_t count, max;
};

void lxs_p9_fids_init(struct lxs_p9_fid_table *t, uint32_t max);
/* Closes every fd and forgets every fid (Tversion starts a new session this way). */
void lxs_p9_fids_clear(struct lxs_p9_fid_table *t);
struct lxs_p9_fid *lxs_p9_fids_get(struct lxs_p9_fid_table *t, uint32_t fid);
/* Adds fid owning fd (taken only on success): -EBADF for NOFID, -EEXIST when the fid is in
 * use, -EMFILE when the table is full, -ENOMEM. */
int lxs_p9_fids_add(struct lxs_p9_fid_table *t, uint32_t fid, int fd, bool is_dir);
/* Removes fid and closes its fd; -EBADF when there is no such fid. */
int lxs_p9_fids_remove(struct lxs_p9_fid_table *t, uint32_t fid);

#endif
