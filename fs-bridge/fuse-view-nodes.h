/* The host view's node table: FUSE nodeid -> the 9P fid walked to that object, its qid.path and
 * the kernel's lookup count.
 *
 * Nodeids are handed out from a counter and never reused, so a nodeid the kernel still quotes
 * after a forget can never name a different object. Nodes are also indexed by (qid.path, type)
 * so that a second lookup of an object already known (the same name again after the entry
 * timeout, or a hard link) returns the same nodeid: the kernel then keeps one inode and one
 * fid per object. The root (FUSE_ROOT_ID) is not in that index, so no other name can alias it.
 *
 * Not thread-safe: used by the view's one loop thread only. Nothing here prints. */
#ifndef LXS_FUSE_VIEW_NODES_H
#define LXS_FUSE_VIEW_NODES_H

#include <stddef.h>
#include <stdint.h>

struct lxs_fv_node {
        uint64_t nodeid;
        uint32_t fid;
        uint64_t qid_path;
        uint8_t qid_type;
        uint64_t nlookup;
        unsigned depth; /* levels below the root, by the name the kernel last looked it up by */
        struct lxs_fv_node *next_by_id, *next_by_qid;
};

struct lxs_fv_nodes;

/* A table holding the root node (nodeid 1) for root_fid. NULL with errno on failure. */
struct lxs_fv_nodes *lxs_fv_nodes_new(uint32_t root_fid, uint64_t root_qid_path);
void lxs_fv_nodes_free(struct lxs_fv_nodes *t);

struct lxs_fv_node *lxs_fv_nodes_get(struct lxs_fv_nodes *t, uint64_t nodeid);
struct lxs_fv_node *lxs_fv_nodes_find(struct lxs_fv_nodes *t, uint64_t qid_path, uint8_t qid_type);
/* A new node with nlookup 0; NULL with errno on failure. */
struct lxs_fv_node *lxs_fv_nodes_add(struct lxs_fv_nodes *t, uint32_t fid, uint64_t qid_path,
                                     uint8_t qid_type);
/* Unlinks and frees n (never the root). */
void lxs_fv_nodes_remove(struct lxs_fv_nodes *t, struct lxs_fv_node *n);
size_t lxs_fv_nodes_count(const struct lxs_fv_nodes *t);

#endif
