/* The import's in-memory view of the file system being built: every path the archive created,
 * by normalized path (no leading "./" or "/", no trailing "/"; "" is the root), with its inode
 * and, for directories, the list of children.
 *
 * Directories are written to the image once, at the end, from these lists: archives name
 * entries in any order, and appending to on-disk directory blocks entry by entry (ext2fs_link)
 * costs a scan of the directory per link. The path map also resolves hard-link targets. */
#ifndef LXS_DISTRO_IMAGE_TREE_H
#define LXS_DISTRO_IMAGE_TREE_H

#include <ext2fs/ext2fs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tree_dir;

struct tree_node {
        struct tree_node *hash_next;
        uint64_t hash;
        struct tree_dir *dir;   /* non-NULL for directories */
        ext2_ino_t ino;
        uint8_t ftype;          /* EXT2_FT_* for the directory entry */
        uint32_t name_off;      /* the last component starts at path + name_off */
        uint32_t path_len;
        char path[];
};

struct tree_dir {
        struct tree_node *self;
        struct tree_node *parent;
        struct tree_node **children;
        size_t n_children, cap_children;
        uint32_t subdirs;
        bool has_blocks;        /* created by mke2fs (root, lost+found): rebuilt if changed */
        bool changed;
};

struct image_tree {
        struct tree_node **buckets;
        size_t n_buckets, n_nodes;
        struct tree_dir **dirs;         /* creation order; dirs[0] is the root */
        size_t n_dirs, cap_dirs;
};

int tree_init(struct image_tree *t, ext2_ino_t root_ino);
void tree_free(struct image_tree *t);

struct tree_node *tree_lookup(const struct image_tree *t, const char *path, size_t len);

/* Adds path (whose parent directory node is given) with inode ino; a directory gets its
 * child list when ftype is EXT2_FT_DIR. The path must not exist yet. */
struct tree_node *tree_add(struct image_tree *t, struct tree_node *parent, const char *path,
                           size_t len, ext2_ino_t ino, uint8_t ftype);

/* Normalizes an archive path into out (strlen(in) + 1 bytes suffice): drops "." and empty
 * components and leading "/"; returns the length, -EPERM for "..", -ENAMETOOLONG. */
int tree_normalize(const char *in, char *out, size_t out_size);

#endif
