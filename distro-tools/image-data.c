/* File data placement for the import (see image-data.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image-data.h"

/* After ext2fs.h, which defines the __le types this header uses. */
#include <ext2fs/ext3_extents.h>

/* 8 MiB: large enough that the combining buffer rarely flushes for a reason other than being
 * full, small enough to stay in cache-friendly territory. */
#define COMBINE_BYTES (8u << 20)
#define EXTENT_MAX_LEN 32768u   /* initialized extent length limit */
#define EXTENTS_IN_INODE 4

int data_writer_init(struct data_writer *w, ext2_filsys fs, int fd)
{
        memset(w, 0, sizeof(*w));
        w->fs = fs;
        w->fd = fd;
        w->bs = fs->blocksize;
        w->cap_blocks = COMBINE_BYTES / w->bs;
        if (posix_memalign((void **)&w->buf, 4096, COMBINE_BYTES) != 0)
                return -ENOMEM;
        w->cursor = fs->super->s_first_data_block;
        return 0;
}

void data_writer_free(struct data_writer *w)
{
        free(w->buf);
        w->buf = NULL;
}

static int pwrite_all(int fd, const uint8_t *p, size_t len, off_t off)
{
        while (len) {
                ssize_t n = pwrite(fd, p, len, off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t)n;
                off += n;
        }
        return 0;
}

int data_flush(struct data_writer *w)
{
        if (!w->buf_blocks)
                return 0;
        int r = pwrite_all(w->fd, w->buf, w->buf_blocks * w->bs, (off_t)(w->buf_start * w->bs));
        w->buf_blocks = 0;
        return r;
}

static int data_write(struct data_writer *w, blk64_t pblk, const uint8_t *p, size_t nblocks)
{
        if (w->buf_blocks && (pblk != w->buf_start + w->buf_blocks ||
                              w->buf_blocks + nblocks > w->cap_blocks)) {
                int r = data_flush(w);
                if (r < 0)
                        return r;
        }
        if (nblocks >= w->cap_blocks)
                return pwrite_all(w->fd, p, nblocks * w->bs, (off_t)(pblk * w->bs));
        if (!w->buf_blocks)
                w->buf_start = pblk;
        memcpy(w->buf + w->buf_blocks * w->bs, p, nblocks * w->bs);
        w->buf_blocks += nblocks;
        return 0;
}

/* The first free run at or after the cursor, at most want blocks long. */
static int data_alloc(struct data_writer *w, blk64_t want, blk64_t *start, blk64_t *got)
{
        ext2_filsys fs = w->fs;
        blk64_t last = ext2fs_blocks_count(fs->super) - 1, first, end;

        if (w->cursor > last ||
            ext2fs_find_first_zero_block_bitmap2(fs->block_map, w->cursor, last, &first) != 0)
                return -EFBIG; /* the image is full; -ENOSPC stays the host disk's */
        blk64_t limit = first + want - 1 > last ? last : first + want - 1;
        if (ext2fs_find_first_set_block_bitmap2(fs->block_map, first, limit, &end) != 0)
                end = limit + 1;
        *start = first;
        *got = end - first;
        ext2fs_block_alloc_stats_range(fs, first, (blk_t)*got, +1);
        w->cursor = end;
        return 0;
}

static int add_run(struct file_data *f, blk64_t lblk, blk64_t pblk, uint32_t len)
{
        if (f->n_runs) {
                struct extent_run *last = &f->runs[f->n_runs - 1];
                if (last->lblk + last->len == lblk && last->pblk + last->len == pblk &&
                    last->len + len <= EXTENT_MAX_LEN) {
                        last->len += len;
                        return 0;
                }
        }
        if (f->n_runs == f->cap_runs) {
                size_t cap = f->cap_runs ? f->cap_runs * 2 : 16;
                struct extent_run *r = realloc(f->runs, cap * sizeof(*r));
                if (!r)
                        return -ENOMEM;
                f->runs = r;
                f->cap_runs = cap;
        }
        f->runs[f->n_runs++] = (struct extent_run){ .lblk = lblk, .pblk = pblk, .len = len };
        return 0;
}

int file_data_store(struct data_writer *w, struct file_data *f, blk64_t lblk, const void *p,
                    size_t nblocks)
{
        const uint8_t *src = p;
        /* ext4 extents address 2^32 logical blocks (16 TiB with 4 KiB blocks). */
        if (lblk + nblocks > (1ULL << 32))
                return -EOVERFLOW;
        while (nblocks) {
                blk64_t want = nblocks < EXTENT_MAX_LEN ? nblocks : EXTENT_MAX_LEN, pblk, got;
                int r = data_alloc(w, want, &pblk, &got);
                if (r < 0)
                        return r;
                r = data_write(w, pblk, src, got);
                if (r < 0)
                        return r;
                r = add_run(f, lblk, pblk, (uint32_t)got);
                if (r < 0)
                        return r;
                f->blocks += got;
                lblk += got;
                src += got * w->bs;
                nblocks -= got;
        }
        return 0;
}

static bool is_zero(const uint8_t *p, size_t n)
{
        /* Word-sized probe first: most data blocks fail on their first bytes. */
        static const uint8_t zero16[16];
        if (memcmp(p, zero16, 16) != 0)
                return false;
        return memcmp(p, p + 16, n - 16) == 0;
}

/* Stores whole blocks, leaving blocks of zeros as holes. */
static int store_skipping_zeros(struct data_writer *w, struct file_data *f, blk64_t lblk,
                                const uint8_t *p, size_t nblocks)
{
        size_t i = 0;
        while (i < nblocks) {
                while (i < nblocks && is_zero(p + i * w->bs, w->bs))
                        i++;
                size_t j = i;
                while (j < nblocks && !is_zero(p + j * w->bs, w->bs))
                        j++;
                if (j > i) {
                        int r = file_data_store(w, f, lblk + i, p + i * w->bs, j - i);
                        if (r < 0)
                                return r;
                }
                i = j;
        }
        return 0;
}

static int flush_tail(struct data_writer *w, struct file_data *f)
{
        if (!f->tail_used)
                return 0;
        f->tail_used = false;
        return store_skipping_zeros(w, f, f->tail_lblk, f->tail, 1);
}

int file_data_feed(struct data_writer *w, struct file_data *f, uint64_t off, const void *p,
                   size_t len)
{
        const uint8_t *src = p;
        unsigned bs = w->bs;

        if (!f->tail) {
                f->tail = malloc(bs);
                if (!f->tail)
                        return -ENOMEM;
        }
        while (len) {
                blk64_t lblk = off / bs;
                size_t in = (size_t)(off % bs);
                int r;

                if (f->tail_used && f->tail_lblk != lblk) {
                        r = flush_tail(w, f);
                        if (r < 0)
                                return r;
                }
                if (in || len < bs) {
                        size_t n = bs - in < len ? bs - in : len;
                        if (!f->tail_used) {
                                memset(f->tail, 0, bs);
                                f->tail_lblk = lblk;
                                f->tail_used = true;
                        }
                        memcpy(f->tail + in, src, n);
                        src += n;
                        off += n;
                        len -= n;
                        if (in + n == bs) {
                                r = flush_tail(w, f);
                                if (r < 0)
                                        return r;
                        }
                        continue;
                }
                size_t nblocks = len / bs;
                r = store_skipping_zeros(w, f, lblk, src, nblocks);
                if (r < 0)
                        return r;
                src += nblocks * bs;
                off += (uint64_t)nblocks * bs;
                len -= nblocks * bs;
        }
        return 0;
}

int file_data_finish(struct data_writer *w, struct file_data *f)
{
        return flush_tail(w, f);
}

void file_data_reset(struct file_data *f)
{
        f->n_runs = 0;
        f->blocks = 0;
        f->tail_used = false;
}

void file_data_free(struct file_data *f)
{
        free(f->runs);
        free(f->tail);
        memset(f, 0, sizeof(*f));
}

static void set_inline_extents(struct ext2_inode_large *in, const struct file_data *f)
{
        struct ext3_extent_header *eh = (struct ext3_extent_header *)in->i_block;
        struct ext3_extent *ex = (struct ext3_extent *)(eh + 1);

        memset(in->i_block, 0, sizeof(in->i_block));
        eh->eh_magic = ext2fs_cpu_to_le16(EXT3_EXT_MAGIC);
        eh->eh_entries = ext2fs_cpu_to_le16((uint16_t)f->n_runs);
        eh->eh_max = ext2fs_cpu_to_le16(EXTENTS_IN_INODE);
        eh->eh_depth = 0;
        for (size_t i = 0; i < f->n_runs; i++) {
                ex[i].ee_block = ext2fs_cpu_to_le32((uint32_t)f->runs[i].lblk);
                ex[i].ee_len = ext2fs_cpu_to_le16((uint16_t)f->runs[i].len);
                ex[i].ee_start = ext2fs_cpu_to_le32((uint32_t)f->runs[i].pblk);
                ex[i].ee_start_hi = ext2fs_cpu_to_le16((uint16_t)(f->runs[i].pblk >> 32));
        }
        in->i_flags |= EXT4_EXTENTS_FL;
}

int image_write_inode_extents(ext2_filsys fs, ext2_ino_t ino, union image_inode *in,
                              const struct file_data *f)
{
        int isize = EXT2_INODE_SIZE(fs->super);
        /* An extended attribute block, if the inode already has one, counts too. */
        blk64_t blocks = f->blocks + (ext2fs_file_acl_block(fs, &in->small) ? 1 : 0);
        errcode_t e = ext2fs_iblk_set(fs, &in->small, blocks);
        if (e)
                return image_ext2_errno(e);

        if (f->n_runs <= EXTENTS_IN_INODE) {
                set_inline_extents(&in->large, f);
                e = ext2fs_write_inode_full(fs, ino, &in->small, isize);
                return e ? image_ext2_errno(e) : 0;
        }

        /* A tree: let libext2fs split nodes and allocate index blocks. It starts from an inode
         * with an empty i_block and rewrites it as the root changes. */
        memset(in->large.i_block, 0, sizeof(in->large.i_block));
        in->large.i_flags &= ~EXT4_EXTENTS_FL;
        e = ext2fs_write_inode_full(fs, ino, &in->small, isize);
        if (e)
                return image_ext2_errno(e);
        ext2_extent_handle_t h;
        e = ext2fs_extent_open2(fs, ino, &in->small, &h);
        if (e)
                return image_ext2_errno(e);
        for (size_t i = 0; i < f->n_runs && !e; i++) {
                struct ext2fs_extent ex = {
                        .e_lblk = f->runs[i].lblk,
                        .e_pblk = f->runs[i].pblk,
                        .e_len = f->runs[i].len,
                };
                e = ext2fs_extent_insert(h, i ? EXT2_EXTENT_INSERT_AFTER : 0, &ex);
        }
        ext2fs_extent_free(h);
        if (e)
                return image_ext2_errno(e);
        /* The handle wrote the first 128 bytes as it went; write the whole inode once more so
         * the copy on disk and ours agree (i_blocks now counts index blocks too). */
        e = ext2fs_write_inode_full(fs, ino, &in->small, isize);
        return e ? image_ext2_errno(e) : 0;
}
