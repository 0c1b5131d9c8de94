/* Shared between the server core (p9-server.c) and its operation files (p9-ops-*.c): the
 * server state, the operation signature and helpers that turn wire values into safe syscall
 * arguments. Not a public interface. */
#ifndef LXS_P9_SERVER_INTERNAL_H
#define LXS_P9_SERVER_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "p9-codec.h"
#include "p9-fids.h"
#include "p9-server.h"

/* Distinct devices given their own qid.path prefix; further ones share the last prefix. */
#define P9_MAX_DEVS 255u

struct lxs_p9_server {
        int root_fd;  /* O_PATH directory */
        dev_t root_dev;
        ino_t root_ino;
        bool contain;
        bool versioned;
        uint32_t msize;
        uint32_t max_msize;
        struct lxs_p9_fid_table fids;
        dev_t devs[P9_MAX_DEVS];
        uint32_t ndevs;
};

/* An operation: fills *resp's body (the core sets type and tag) or returns a negative errno,
 * answered as Rlerror. Bulk replies write their data into payload (payload_cap bytes, where
 * the data of Rread/Rreaddir lies in the reply) and point resp at it. */
typedef int (*p9_op_fn)(struct lxs_p9_server *s, const struct lxs_p9_msg *req, struct lxs_p9_msg *resp,
                        uint8_t *payload, size_t payload_cap);

#define P9_OP(name) \
        int p9_op_##name(struct lxs_p9_server *s, const struct lxs_p9_msg *req, struct lxs_p9_msg *resp, \
                         uint8_t *payload, size_t payload_cap)

P9_OP(lopen);
P9_OP(lcreate);
P9_OP(read);
P9_OP(write);
P9_OP(readdir);
P9_OP(fsync);
P9_OP(getattr);
P9_OP(setattr);
P9_OP(statfs);
P9_OP(readlink);
P9_OP(mkdir);
P9_OP(symlink);
P9_OP(mknod);
P9_OP(link);
P9_OP(rename);
P9_OP(renameat);
P9_OP(unlinkat);
P9_OP(remove);

/* The fid, or -EBADF through *r when the client never made it. */
struct lxs_p9_fid *p9_fid(struct lxs_p9_server *s, uint32_t fid, int *r);
/* Like p9_fid, but the fid must be a directory (-ENOTDIR). */
struct lxs_p9_fid *p9_dir_fid(struct lxs_p9_server *s, uint32_t fid, int *r);

/* Copies a wire name into a C string, refusing what is not one directory entry: empty, ".",
 * "..", containing '/' (-EINVAL) or longer than NAME_MAX (-ENAMETOOLONG). */
int p9_entry_name(struct lxs_p9_str in, char out[NAME_MAX + 1]);
/* Copies a wire string of at most PATH_MAX - 1 bytes (symlink targets); -ENAMETOOLONG. */
int p9_path_string(struct lxs_p9_str in, char out[PATH_MAX]);

/* "/proc/self/fd/N": reaches the object an O_PATH fd stands for with calls that have no
 * fd-relative form (reopen, chmod, truncate, utimes). */
#define P9_PROC_FD_PATH_MAX 32
void p9_proc_fd_path(int fd, char out[P9_PROC_FD_PATH_MAX]);

void p9_qid_from_stat(struct lxs_p9_server *s, const struct stat *st, struct lxs_p9_qid *qid);
/* The qid of the object under fd (itself, not a symlink's target). */
int p9_fd_qid(struct lxs_p9_server *s, int fd, struct lxs_p9_qid *qid);
/* The qid of dirfd/name without following a final symlink. */
int p9_name_qid(struct lxs_p9_server *s, int dirfd, const char *name, struct lxs_p9_qid *qid);

/* Gives dirfd/name the group gid when the client asked for one (not NOFID / ~0) that differs
 * from what the new object got; on failure the object is removed again, so a create either
 * happens whole or not at all. */
int p9_apply_gid(int dirfd, const char *name, uint32_t gid, bool is_dir);

/* Opens dirfd/name as O_PATH without following symlinks (one component; ".." at the root
 * stays at the root). */
int p9_walk_step(struct lxs_p9_server *s, int dirfd, const char *name);

#endif
