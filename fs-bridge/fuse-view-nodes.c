/* Node table of the host view; see fuse-view-nodes.h. Two chained hash tables over the same
 * nodes (by nodeid, by qid), grown together so that chains stay short with hundreds of
 * thousands of cached inodes. */
#include "fuse-view-nodes.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#define ROOT_NODEID 1u
#define INITIAL_BUCKETS 1024u

struct lxs_fv_nodes {
        struct lxs_fv_node **by_id, **by_qid;
        size_t nbuckets;  /* a power of two */
        size_t count;
        uint64_t next_nodeid;
        struct lxs_fv_node *root;
};

static size_t hash64(uint64_t v, size_t nbuckets)
{
        v ^= v >> 33;
        v *= 0xff51afd7ed558ccdull;
        v ^= v >> 33;
        return (size_t)v & (nbuckets - 1);
}

static size_t qid_bucket(uint64_t path, uint8_t type, size_t nbuckets)
{
        return hash64(path ^ ((uint64_t)type << 56), nbuckets);
}

static void link_node(struct lxs_fv_nodes *t, struct lxs_fv_node *n)
{
        size_t b = hash64(n->nodeid, t->nbuckets);
        n->next_by_id = t->by_id[b];
        t->by_id[b] = n;
        if (n == t->root)
                return;
        b = qid_bucket(n->qid_path, n->qid_type, t->nbuckets);
        n->next_by_qid = t->by_qid[b];
        t->by_qid[b] = n;
}

static int grow(struct lxs_fv_nodes *t)
{
        size_t nb = t->nbuckets * 2;
        struct lxs_fv_node **id = calloc(nb, sizeof(*id)), **qid = calloc(nb, sizeof(*qid));
        if (!id || !qid) {
                free(id);
                free(qid);
                return -ENOMEM;
        }
        struct lxs_fv_node **old = t->by_id;
        size_t onb = t->nbuckets;
        free(t->by_qid);
        t->by_id = id;
        t->by_qid = qid;
        t->nbuckets = nb;
        for (size_t i = 0; i < onb; i++) {
                struct lxs_fv_node *n = old[i];
                while (n) {
                        struct lxs_fv_node *next = n->next_by_id;
                        link_node(t, n);
                        n = next;
                }
        }
        free(old);
        return 0;
}

struct lxs_fv_nodes *lxs_fv_nodes_new(uint32_t root_fid, uint64_t root_qid_path)
{
        struct lxs_fv_nodes *t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->nbuckets = INITIAL_BUCKETS;
        t->by_id = calloc(t->nbuckets, sizeof(*t->by_id));
        t->by_qid = calloc(t->nbuckets, sizeof(*t->by_qid));
        t->root = calloc(1, sizeof(*t->root));
        if (!t->by_id || !t->by_qid || !t->root) {
                lxs_fv_nodes_free(t);
                errno = ENOMEM;
                return NULL;
        }
        *t->root = (struct lxs_fv_node){ .nodeid = ROOT_NODEID, .fid = root_fid, .qid_path = root_qid_path,
                                         .nlookup = 1 };
        link_node(t, t->root);
        t->count = 1;
        t->next_nodeid = ROOT_NODEID + 1;
        return t;
}

void lxs_fv_nodes_free(struct lxs_fv_nodes *t)
{
        if (!t)
                return;
        for (size_t i = 0; t->by_id && i < t->nbuckets; i++) {
                struct lxs_fv_node *n = t->by_id[i];
                while (n) {
                        struct lxs_fv_node *next = n->next_by_id;
                        if (n != t->root)
                                free(n);
                        n = next;
                }
        }
        free(t->root);
        free(t->by_id);
        free(t->by_qid);
        free(t);
}

struct lxs_fv_node *lxs_fv_nodes_get(struct lxs_fv_nodes *t, uint64_t nodeid)
{
        for (struct lxs_fv_node *n = t->by_id[hash64(nodeid, t->nbuckets)]; n; n = n->next_by_id)
                if (n->nodeid == nodeid)
                        return n;
        return NULL;
}

struct lxs_fv_node *lxs_fv_nodes_find(struct lxs_fv_nodes *t, uint64_t qid_path, uint8_t qid_type)
{
        for (struct lxs_fv_node *n = t->by_qid[qid_bucket(qid_path, qid_type, t->nbuckets)]; n;
             n = n->next_by_qid)
                if (n->qid_path == qid_path && n->qid_type == qid_type)
                        return n;
        return NULL;
}

struct lxs_fv_node *lxs_fv_nodes_add(struct lxs_fv_nodes *t, uint32_t fid, uint64_t qid_path,
                                     uint8_t qid_type)
{
        if (t->count >= t->nbuckets && grow(t) < 0) {
                errno = ENOMEM;
                return NULL;
        }
        struct lxs_fv_node *n = calloc(1, sizeof(*n));
        if (!n)
                return NULL;
        *n = (struct lxs_fv_node){ .nodeid = t->next_nodeid++, .fid = fid, .qid_path = qid_path,
                                   .qid_type = qid_type };
        link_node(t, n);
        __atomic_store_n(&t->count, t->count + 1, __ATOMIC_RELAXED);
        return n;
}

static void unlink_from(struct lxs_fv_node **head, struct lxs_fv_node *n, size_t next_offset)
{
        for (struct lxs_fv_node **p = head; *p;
             p = (struct lxs_fv_node **)((char *)*p + next_offset)) {
                if (*p == n) {
                        *p = *(struct lxs_fv_node **)((char *)n + next_offset);
                        return;
                }
        }
}

void lxs_fv_nodes_remove(struct lxs_fv_nodes *t, struct lxs_fv_node *n)
{
        if (n == t->root)
                return;
        unlink_from(&t->by_id[hash64(n->nodeid, t->nbuckets)], n, offsetof(struct lxs_fv_node, next_by_id));
        unlink_from(&t->by_qid[qid_bucket(n->qid_path, n->qid_type, t->nbuckets)], n,
                    offsetof(struct lxs_fv_node, next_by_qid));
        __atomic_store_n(&t->count, t->count - 1, __ATOMIC_RELAXED);
        free(n);
}

size_t lxs_fv_nodes_count(const struct lxs_fv_nodes *t)
{
        /* Also read by lxs_fuse_view_get_stats() from other threads. */
        return __atomic_load_n(&t->count, __ATOMIC_RELAXED);
}
