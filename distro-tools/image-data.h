/* File data placement for the import: a forward-moving block allocator, a write-combining
 * buffer, and the extent map of the file being written.
 *
 * A new image is empty, so data is laid out in archive order from a cursor that only moves
 * forward (skipping metadata the bitmap marks in use). Consecutive files are then physically
 * consecutive and most writes merge into large pwrite()s on the image fd, bypassing the
 * libext2fs I/O channel, which only ever sees metadata blocks. Blocks of zeros are left as holes,
 * which also keeps sparse archive members sparse. */
#ifndef LXS_DISTRO_IMAGE_DATA_H
#define LXS_DISTRO_IMAGE_DATA_H

#include <ext2fs/ext2fs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image-internal.h"

struct data_writer {
        ext2_filsys fs;
        int fd;
        unsigned bs;
        blk64_t cursor;
        uint8_t *buf;
        size_t cap_blocks;
        blk64_t buf_start;
        size_t buf_blocks;
};

/* The blocks of one file as they are written; reused from file to file. */
struct file_data {
        struct extent_run *runs;
        size_t n_runs, cap_runs;
        blk64_t blocks;         /* data blocks allocated */
        uint8_t *tail;          /* the partly filled block at tail_lblk */
        blk64_t tail_lblk;
        bool tail_used;
};

int data_writer_init(struct data_writer *w, ext2_filsys fs, int fd);
void data_writer_free(struct data_writer *w);
/* Writes out the combining buffer. */
int data_flush(struct data_writer *w);

void file_data_reset(struct file_data *f);
void file_data_free(struct file_data *f);

/* Adds len bytes of content at byte offset off. Offsets must not go backwards; gaps are holes. */
int file_data_feed(struct data_writer *w, struct file_data *f, uint64_t off, const void *p,
                   size_t len);
/* Stores the last partial block. */
int file_data_finish(struct data_writer *w, struct file_data *f);
/* Stores whole blocks at logical block lblk as they are (no hole detection: directories). */
int file_data_store(struct data_writer *w, struct file_data *f, blk64_t lblk, const void *p,
                    size_t nblocks);

/* Points the inode at f's blocks (i_block extents, or an extent tree when they do not fit),
 * sets i_blocks and EXT4_EXTENTS_FL, and writes the inode. */
int image_write_inode_extents(ext2_filsys fs, ext2_ino_t ino, union image_inode *in,
                              const struct file_data *f);

#endif
