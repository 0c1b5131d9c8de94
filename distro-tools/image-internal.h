/* Internals shared by the distro image code: error reporting, libext2fs glue and the on-disk
 * encodings (times, ids, device numbers) that import and export must agree on.
 *
 * Error convention: helpers return 0 or a negative errno and, on failure, put a one-line
 * message in *err (through image_fail) unless *err is already set, so the first, most specific
 * message wins as the failure travels up. */
#ifndef LXS_DISTRO_IMAGE_INTERNAL_H
#define LXS_DISTRO_IMAGE_INTERNAL_H

#include <errno.h>
#include <ext2fs/ext2fs.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "cleanup.h"
#include "image.h"

/* Sets *err (if err and not yet set) to the formatted message; returns r (a negative errno). */
int image_fail(char **err, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* libext2fs error codes are either errno values or com_err codes in a high range. */
static inline int image_ext2_errno(errcode_t e)
{
        if (e > 0 && e < 4096)
                return -(int)e;
        if (e == EXT2_ET_NO_MEMORY)
                return -ENOMEM;
        if (e == EXT2_ET_BLOCK_ALLOC_FAIL || e == EXT2_ET_INODE_ALLOC_FAIL || e == EXT2_ET_DIR_NO_SPACE)
                return -EFBIG;
        return -EIO;
}

/* -EFBIG means the image is full (its blocks or inodes); -ENOSPC stays the host disk's. */
static inline const char *image_strerror(int r)
{
        return r == -EFBIG ? "the image is full ([distro] defaultImageSize)" : strerror(-r);
}

/* Fails with "<what>: <libext2fs message>". */
int image_fail_ext2(char **err, errcode_t e, const char *what, ...) __attribute__((format(printf, 3, 4)));

static inline void image_ext2fs_freep(ext2_filsys *fs)
{
        if (*fs)
                ext2fs_free(*fs);
}
#define _cleanup_ext2fs_ _cleanup_(image_ext2fs_freep)

/* Copies an image file to out_fd (a regular file) keeping its holes (export format "vhd"). */
int image_copy_sparse(int in_fd, int out_fd, const struct lxs_export_opts *o,
                      struct lxs_export_stats *st, char **err);

/* Runs mke2fs on an existing sparse file of size bytes with the fixed lxs feature set. */
int image_mkfs(const char *path, uint64_t size, char **err);

/* A run of a file's blocks: logical block lblk.. maps to physical pblk.. for len blocks. */
struct extent_run {
        blk64_t lblk, pblk;
        uint32_t len;
};

/* A full on-disk inode (256 bytes in lxs images), large enough for any inode size we accept. */
union image_inode {
        struct ext2_inode small;
        struct ext2_inode_large large;
        uint8_t raw[1024];
};

/* ext4 stores seconds as 32 signed bits plus 2 epoch bits in the *_extra field, next to ns. */
static inline void image_time_encode(int64_t sec, long nsec, uint32_t *lo, uint32_t *extra)
{
        *lo = (uint32_t)sec;
        *extra = (uint32_t)(((sec - (int32_t)sec) >> 32) & EXT4_EPOCH_MASK) |
                 ((uint32_t)nsec << EXT4_EPOCH_BITS);
}

static inline int64_t image_time_decode(uint32_t lo, uint32_t extra, long *nsec)
{
        int64_t sec = (int32_t)lo;
        if (extra & EXT4_EPOCH_MASK)
                sec += (int64_t)(extra & EXT4_EPOCH_MASK) << 32;
        *nsec = extra >> EXT4_EPOCH_BITS;
        return sec;
}

static inline void image_inode_set_owner(struct ext2_inode_large *in, uint32_t uid, uint32_t gid)
{
        in->i_uid = (uint16_t)uid;
        in->osd2.linux2.l_i_uid_high = (uint16_t)(uid >> 16);
        in->i_gid = (uint16_t)gid;
        in->osd2.linux2.l_i_gid_high = (uint16_t)(gid >> 16);
}

static inline uint32_t image_inode_uid(const struct ext2_inode_large *in)
{
        return in->i_uid | (uint32_t)in->osd2.linux2.l_i_uid_high << 16;
}

static inline uint32_t image_inode_gid(const struct ext2_inode_large *in)
{
        return in->i_gid | (uint32_t)in->osd2.linux2.l_i_gid_high << 16;
}

/* Device numbers live in i_block: the old 8:8 encoding in [0] when it fits, else the new
 * 12:20 encoding in [1], as the kernel reads them. */
static inline void image_inode_set_rdev(struct ext2_inode_large *in, dev_t rdev)
{
        unsigned ma = major(rdev), mi = minor(rdev);
        if (ma < 256 && mi < 256) {
                in->i_block[0] = ext2fs_cpu_to_le32(ma << 8 | mi);
                in->i_block[1] = 0;
        } else {
                in->i_block[0] = 0;
                in->i_block[1] = ext2fs_cpu_to_le32((mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12));
        }
}

static inline dev_t image_inode_rdev(const struct ext2_inode_large *in)
{
        uint32_t old = ext2fs_le32_to_cpu(in->i_block[0]), new = ext2fs_le32_to_cpu(in->i_block[1]);
        if (old)
                return makedev((old >> 8) & 0xff, old & 0xff);
        return makedev((new & 0xfff00) >> 8, (new & 0xff) | ((new >> 12) & 0xfff00));
}

static inline uint64_t image_inode_size(const struct ext2_inode_large *in)
{
        return in->i_size | (uint64_t)in->i_size_high << 32;
}

/* libarchive converts names between the pax headers' UTF-8 and the current locale's charset;
 * in the C locale every non-ASCII name fails that conversion. Names are bytes to us, so this
 * thread runs libarchive under C.UTF-8 (uselocale is per thread: the process is untouched). */
struct image_locale {
        locale_t loc, old;
};

static inline void image_locale_enter(struct image_locale *l)
{
        l->loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        l->old = l->loc ? uselocale(l->loc) : (locale_t)0;
}

static inline void image_locale_leave(struct image_locale *l)
{
        if (!l->loc)
                return;
        uselocale(l->old);
        freelocale(l->loc);
        l->loc = (locale_t)0;
}

static inline bool image_cancelled(const volatile sig_atomic_t *cancel)
{
        return cancel && *cancel;
}

#endif
