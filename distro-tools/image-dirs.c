/* Writes the directories of an import from the in-memory tree (see image-tree.h), once all
 * entries are known: linear ext4 directory blocks with checksum tails, laid out by the same
 * forward allocator as file data. Directories mke2fs made (the root, lost+found) are rebuilt
 * only if the archive added to them. */
#include <stdlib.h>
#include <string.h>

#include "image-data.h"
#include "image-dirs.h"

struct dir_buf {
        uint8_t *p;
        size_t cap, len;        /* bytes; len is a multiple of the block size */
        size_t pos, last;       /* offset in the current block of the next / the last entry */
};

static int buf_new_block(struct dir_buf *b, unsigned bs)
{
        if (b->len + bs > b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 16 * (size_t)bs;
                uint8_t *p = realloc(b->p, cap);
                if (!p)
                        return -ENOMEM;
                b->p = p;
                b->cap = cap;
        }
        memset(b->p + b->len, 0, bs);
        b->len += bs;
        b->pos = 0;
        b->last = 0;
        return 0;
}

/* Stretches the block's last entry to its end (or to the checksum tail) and seals it. */
static void buf_close_block(ext2_filsys fs, ext2_ino_t dir, struct dir_buf *b, unsigned usable)
{
        uint8_t *block = b->p + b->len - fs->blocksize;
        ext2fs_set_rec_len(fs, usable - (unsigned)b->last,
                           (struct ext2_dir_entry *)(block + b->last));
        if (usable < fs->blocksize) {
                ext2fs_initialize_dirent_tail(fs, EXT2_DIRENT_TAIL(block, fs->blocksize));
                ext2fs_dir_block_csum_set(fs, dir, (struct ext2_dir_entry *)block);
        }
}

static int buf_add(ext2_filsys fs, ext2_ino_t dir, struct dir_buf *b, unsigned usable,
                   const char *name, size_t name_len, ext2_ino_t ino, uint8_t ftype)
{
        unsigned rec = EXT2_DIR_REC_LEN(name_len);
        if (b->pos && b->pos + rec > usable) {
                buf_close_block(fs, dir, b, usable);
                int r = buf_new_block(b, fs->blocksize);
                if (r < 0)
                        return r;
        }
        uint8_t *block = b->p + b->len - fs->blocksize;
        struct ext2_dir_entry *d = (struct ext2_dir_entry *)(block + b->pos);
        d->inode = ino;
        ext2fs_set_rec_len(fs, rec, d);
        ext2fs_dirent_set_name_len(d, (int)name_len);
        ext2fs_dirent_set_file_type(d, ftype);
        memcpy(d->name, name, name_len);
        b->last = b->pos;
        b->pos += rec;
        return 0;
}

static int write_dir(ext2_filsys fs, struct data_writer *w, struct file_data *f,
                     struct tree_dir *d, struct dir_buf *b, char **err)
{
        ext2_ino_t ino = d->self->ino;
        unsigned bs = fs->blocksize;
        unsigned usable = bs - (ext2fs_has_feature_metadata_csum(fs->super) ?
                                (unsigned)sizeof(struct ext2_dir_entry_tail) : 0);
        union image_inode in;
        int isize = EXT2_INODE_SIZE(fs->super);
        errcode_t e;

        e = ext2fs_read_inode_full(fs, ino, &in.small, isize);
        if (e)
                return image_fail_ext2(err, e, "reading directory /%s", d->self->path);
        if (d->has_blocks) {
                e = ext2fs_punch(fs, ino, &in.small, NULL, 0, ~0ULL);
                if (e)
                        return image_fail_ext2(err, e, "rebuilding directory /%s", d->self->path);
        }

        b->len = 0;
        int r = buf_new_block(b, bs);
        if (r >= 0)
                r = buf_add(fs, ino, b, usable, ".", 1, ino, EXT2_FT_DIR);
        if (r >= 0)
                r = buf_add(fs, ino, b, usable, "..", 2, d->parent->ino, EXT2_FT_DIR);
        for (size_t i = 0; i < d->n_children && r >= 0; i++) {
                struct tree_node *c = d->children[i];
                r = buf_add(fs, ino, b, usable, c->path + c->name_off, c->path_len - c->name_off,
                            c->ino, c->ftype);
        }
        if (r < 0)
                return image_fail(err, r, "out of memory");
        buf_close_block(fs, ino, b, usable);

        file_data_reset(f);
        r = file_data_store(w, f, 0, b->p, b->len / bs);
        if (r < 0)
                return image_fail(err, r, "writing directory /%s: %s", d->self->path,
                                  image_strerror(r));
        in.large.i_size = (uint32_t)b->len;
        in.large.i_size_high = (uint32_t)((uint64_t)b->len >> 32);
        /* With dir_nlink, 1 means "too many subdirectories to count". */
        uint32_t links = 2 + d->subdirs;
        in.large.i_links_count = links > EXT2_LINK_MAX ? 1 : (uint16_t)links;
        r = image_write_inode_extents(fs, ino, &in, f);
        if (r < 0)
                return image_fail(err, r, "writing directory /%s: %s", d->self->path,
                                  image_strerror(r));
        return 0;
}

int image_write_dirs(ext2_filsys fs, struct data_writer *w, struct image_tree *t, char **err)
{
        struct file_data f = { 0 };
        struct dir_buf b = { 0 };
        int r = 0;

        for (size_t i = 0; i < t->n_dirs && r >= 0; i++) {
                struct tree_dir *d = t->dirs[i];
                if (d->has_blocks && !d->changed)
                        continue;
                r = write_dir(fs, w, &f, d, &b, err);
        }
        file_data_free(&f);
        free(b.p);
        return r;
}
