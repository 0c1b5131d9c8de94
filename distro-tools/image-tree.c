/* Path map and directory child lists of an import (see image-tree.h): a chained hash table of
 * nodes that own their path, doubled when it fills up. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "image-tree.h"

#define EXT4_NAME_MAX 255

static uint64_t path_hash(const char *s, size_t len)
{
        /* FNV-1a: paths are short and the table only needs a fair spread. */
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t i = 0; i < len; i++) {
                h ^= (uint8_t)s[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static int grow_buckets(struct image_tree *t)
{
        size_t n = t->n_buckets ? t->n_buckets * 2 : 4096;
        struct tree_node **b = calloc(n, sizeof(*b));
        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_buckets; i++) {
                struct tree_node *node = t->buckets[i];
                while (node) {
                        struct tree_node *next = node->hash_next;
                        node->hash_next = b[node->hash & (n - 1)];
                        b[node->hash & (n - 1)] = node;
                        node = next;
                }
        }
        free(t->buckets);
        t->buckets = b;
        t->n_buckets = n;
        return 0;
}

struct tree_node *tree_lookup(const struct image_tree *t, const char *path, size_t len)
{
        uint64_t h = path_hash(path, len);
        for (struct tree_node *n = t->buckets[h & (t->n_buckets - 1)]; n; n = n->hash_next)
                if (n->hash == h && n->path_len == len && memcmp(n->path, path, len) == 0)
                        return n;
        return NULL;
}

static int dir_add_child(struct tree_dir *d, struct tree_node *child)
{
        if (d->n_children == d->cap_children) {
                size_t cap = d->cap_children ? d->cap_children * 2 : 8;
                struct tree_node **c = realloc(d->children, cap * sizeof(*c));
                if (!c)
                        return -ENOMEM;
                d->children = c;
                d->cap_children = cap;
        }
        d->children[d->n_children++] = child;
        d->changed = true;
        if (child->dir)
                d->subdirs++;
        return 0;
}

static struct tree_node *new_node(struct image_tree *t, const char *path, size_t len,
                                  ext2_ino_t ino, uint8_t ftype)
{
        if (t->n_nodes >= t->n_buckets && grow_buckets(t) < 0)
                return NULL;
        struct tree_node *n = calloc(1, sizeof(*n) + len + 1);
        if (!n)
                return NULL;
        memcpy(n->path, path, len);
        n->path[len] = '\0';
        n->path_len = (uint32_t)len;
        const char *slash = memrchr(path, '/', len);
        n->name_off = slash ? (uint32_t)(slash - path + 1) : 0;
        n->ino = ino;
        n->ftype = ftype;
        n->hash = path_hash(path, len);

        if (ftype == EXT2_FT_DIR) {
                if (t->n_dirs == t->cap_dirs) {
                        size_t cap = t->cap_dirs ? t->cap_dirs * 2 : 256;
                        struct tree_dir **d = realloc(t->dirs, cap * sizeof(*d));
                        if (!d) {
                                free(n);
                                return NULL;
                        }
                        t->dirs = d;
                        t->cap_dirs = cap;
                }
                n->dir = calloc(1, sizeof(*n->dir));
                if (!n->dir) {
                        free(n);
                        return NULL;
                }
                n->dir->self = n;
                t->dirs[t->n_dirs++] = n->dir;
        }
        n->hash_next = t->buckets[n->hash & (t->n_buckets - 1)];
        t->buckets[n->hash & (t->n_buckets - 1)] = n;
        t->n_nodes++;
        return n;
}

int tree_init(struct image_tree *t, ext2_ino_t root_ino)
{
        memset(t, 0, sizeof(*t));
        if (grow_buckets(t) < 0)
                return -ENOMEM;
        struct tree_node *root = new_node(t, "", 0, root_ino, EXT2_FT_DIR);
        if (!root) {
                tree_free(t);
                return -ENOMEM;
        }
        root->dir->parent = root;
        root->dir->has_blocks = true;
        root->dir->changed = false;
        return 0;
}

struct tree_node *tree_add(struct image_tree *t, struct tree_node *parent, const char *path,
                           size_t len, ext2_ino_t ino, uint8_t ftype)
{
        struct tree_node *n = new_node(t, path, len, ino, ftype);
        if (!n)
                return NULL;
        if (n->dir)
                n->dir->parent = parent;
        if (dir_add_child(parent->dir, n) < 0)
                return NULL;    /* the node stays in the map and is freed with it */
        return n;
}

void tree_free(struct image_tree *t)
{
        for (size_t i = 0; i < t->n_buckets; i++) {
                struct tree_node *n = t->buckets[i];
                while (n) {
                        struct tree_node *next = n->hash_next;
                        if (n->dir)
                                free(n->dir->children);
                        free(n->dir);
                        free(n);
                        n = next;
                }
        }
        free(t->buckets);
        free(t->dirs);
        memset(t, 0, sizeof(*t));
}

int tree_normalize(const char *in, char *out, size_t out_size)
{
        size_t len = 0;
        const char *p = in;
        while (*p) {
                while (*p == '/')
                        p++;
                const char *end = strchrnul(p, '/');
                size_t clen = (size_t)(end - p);
                if (clen == 0 || (clen == 1 && p[0] == '.')) {
                        p = end;
                        continue;
                }
                if (clen == 2 && p[0] == '.' && p[1] == '.')
                        return -EPERM;
                if (clen > EXT4_NAME_MAX)
                        return -ENAMETOOLONG;
                if (len + (len ? 1 : 0) + clen + 1 > out_size)
                        return -ENAMETOOLONG;
                if (len)
                        out[len++] = '/';
                memcpy(out + len, p, clen);
                len += clen;
                p = end;
        }
        out[len] = '\0';
        return (int)len;
}
