/* newc ("070701") cpio archive writer, as the kernel's initramfs unpacker reads it.
 *
 * Entries are described, not copied from the file system, so device nodes and root ownership
 * need no privileges. Parent directories of every entry are emitted automatically (mode 0755)
 * before the entry, because the kernel unpacks in archive order. All entries are owned by
 * root with mtime 0, so the same inputs give the same archive. Paths are given with or
 * without a leading '/'. Functions return 0 or negative errno. */
#ifndef LXS_CPIO_H
#define LXS_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct lxs_cpio {
        FILE *out;
        uint64_t offset;       /* bytes written: padding needs it, and out may be a pipe */
        uint32_t next_ino;
        char **dirs;           /* directories already emitted */
        size_t n_dirs;
};

/* Starts an archive on `out` (not closed by the writer). */
void lxs_cpio_init(struct lxs_cpio *c, FILE *out);
/* Writes the trailer and flushes; frees the writer's state. */
int lxs_cpio_finish(struct lxs_cpio *c);
/* Frees the writer's state without writing a trailer (error paths). */
void lxs_cpio_done(struct lxs_cpio *c);

int lxs_cpio_add_dir(struct lxs_cpio *c, const char *path, mode_t perm);
int lxs_cpio_add_file(struct lxs_cpio *c, const char *path, mode_t perm, const void *data, size_t len);
/* Copies the regular file at src into the archive. */
int lxs_cpio_add_file_from(struct lxs_cpio *c, const char *path, mode_t perm, const char *src);
int lxs_cpio_add_symlink(struct lxs_cpio *c, const char *path, const char *target);
/* `type` is S_IFCHR or S_IFBLK. */
int lxs_cpio_add_device(struct lxs_cpio *c, const char *path, mode_t type, mode_t perm,
                        unsigned major, unsigned minor);

#endif
