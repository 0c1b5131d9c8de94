/* Distro images: a Linux root filesystem owned by lxs as one sparse ext4 disk image.
 *
 * lxs_image_import() turns a tar stream (plain, gzip, xz, zstd, bzip2; detected by content) into
 * a new image without mounting anything or booting the VM: libarchive reads the stream and
 * libext2fs writes the file system. lxs_image_export() walks an image with libext2fs and writes
 * a PAX tar (optionally compressed), or copies the raw image sparsely.
 *
 * Both run as an ordinary user and keep what a root file system needs: numeric uid/gid, all mode
 * bits, mtimes (ns), symlinks, hard links, device nodes, fifos, extended attributes (including
 * security.capability), long paths and sparse files. Sockets are skipped with a warning.
 *
 * Errors: functions return 0 or a negative errno; *err (if err is non-NULL) then receives a
 * malloc'd one-line description without a program prefix (the caller adds "lxs: import: ").
 * A failed or cancelled import leaves no file behind. Nothing here prints. */
#ifndef LXS_DISTRO_IMAGE_H
#define LXS_DISTRO_IMAGE_H

#include <signal.h>
#include <stdint.h>

/* Sparse, so its size is a ceiling, not a cost: mkfs allocates ~7 MB of it on the host. */
#define LXS_IMAGE_DEFAULT_SIZE (256ULL << 30)

/* done: bytes consumed so far; total: bytes expected, or 0 when unknown (a pipe). */
typedef void (*lxs_image_progress_fn)(void *ctx, uint64_t done, uint64_t total);
/* A non-fatal oddity (a skipped socket, an unsafe path); msg names the entry. */
typedef void (*lxs_image_warn_fn)(void *ctx, const char *msg);

struct lxs_import_opts {
        uint64_t image_size;             /* bytes; 0 = LXS_IMAGE_DEFAULT_SIZE */
        lxs_image_progress_fn progress;  /* input bytes read (compressed) */
        lxs_image_warn_fn warn;
        void *ctx;                       /* passed to progress and warn */
        /* Set (from a signal handler) to stop: the import fails with -EINTR and cleans up. */
        const volatile sig_atomic_t *cancel;
};

struct lxs_import_stats {
        uint64_t input_bytes;   /* bytes read from in_fd (compressed size) */
        uint64_t data_bytes;    /* file content bytes in the archive (apparent sizes) */
        uint64_t entries;       /* archive entries processed, skipped ones included */
        uint64_t files, dirs, symlinks, hardlinks, devices, fifos, xattrs;
        uint64_t skipped;       /* sockets and unsafe paths */
};

/* Reads a tar stream from in_fd and creates image_path (which must not exist). */
int lxs_image_import(int in_fd, const char *image_path, const struct lxs_import_opts *o,
                     struct lxs_import_stats *st, char **err);

enum lxs_export_format {
        LXS_EXPORT_TAR,
        LXS_EXPORT_TAR_GZ,
        LXS_EXPORT_TAR_XZ,
        LXS_EXPORT_TAR_ZST,
        LXS_EXPORT_TAR_BZ2,
        LXS_EXPORT_VHD,  /* the raw ext4 image itself, copied sparsely (needs a seekable out_fd) */
};

/* "tar", "tar.gz", "tgz", "tar.xz", "tar.zst", "tar.bz2", "vhd"; -EINVAL if unknown. */
int lxs_export_format_parse(const char *name, enum lxs_export_format *f);
/* The format implied by a file name's suffix, else LXS_EXPORT_TAR. */
enum lxs_export_format lxs_export_format_from_name(const char *path);

struct lxs_export_opts {
        lxs_image_progress_fn progress;  /* image bytes read */
        lxs_image_warn_fn warn;
        void *ctx;
        const volatile sig_atomic_t *cancel;
};

struct lxs_export_stats {
        uint64_t output_bytes;  /* bytes written to out_fd */
        uint64_t data_bytes;    /* file content bytes (apparent sizes) */
        uint64_t entries;       /* tar entries written */
        uint64_t skipped;       /* sockets */
};

/* Writes image_path (not in use by a running distro) to out_fd in format f. */
int lxs_image_export(const char *image_path, int out_fd, enum lxs_export_format f,
                     const struct lxs_export_opts *o, struct lxs_export_stats *st, char **err);

#endif
