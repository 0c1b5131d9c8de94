/* Fid table; see p9-fids.h. Chained hashing over a fixed bucket array: fids are usually small
 * consecutive numbers, and at the 65536-fid bound chains stay short. */
#include "p9-fids.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p9-codec.h"

static uint32_t bucket_of(uint32_t fid)
{
        return (fid * 2654435761u) >> 20 & (LXS_P9_FID_BUCKETS - 1);
}

void lxs_p9_fids_init(struct lxs_p9_fid_table *t, uint32_t max)
{
        memset(t, 0, sizeof(*t));
        t->max = max;
}

void lxs_p9_fids_clear(struct lxs_p9_fid_table *t)
{
        for (uint32_t b = 0; b < LXS_P9_FID_BUCKETS; b++) {
                struct lxs_p9_fid *f = t->buckets[b];
                while (f) {
                        struct lxs_p9_fid *next = f->next;
                        close(f->fd);
                        free(f);
                        f = next;
                }
                t->buckets[b] = NULL;
        }
        t->count = 0;
}

struct lxs_p9_fid *lxs_p9_fids_get(struct lxs_p9_fid_table *t, uint32_t fid)
{
        for (struct lxs_p9_fid *f = t->buckets[bucket_of(fid)]; f; f = f->next)
                if (f->fid == fid)
                        return f;
        return NULL;
}

int lxs_p9_fids_add(struct lxs_p9_fid_table *t, uint32_t fid, int fd, bool is_dir)
{
        if (fid == LXS_P9_NOFID)
                return -EBADF;
        if (lxs_p9_fids_get(t, fid))
                return -EEXIST;
        if (t->count >= t->max)
                return -EMFILE;
        struct lxs_p9_fid *f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->fid = fid;
        f->fd = fd;
        f->is_dir = is_dir;
        uint32_t b = bucket_of(fid);
        f->next = t->buckets[b];
        t->buckets[b] = f;
        t->count++;
        return 0;
}

int lxs_p9_fids_remove(struct lxs_p9_fid_table *t, uint32_t fid)
{
        for (struct lxs_p9_fid **p = &t->buckets[bucket_of(fid)]; *p; p = &(*p)->next) {
                if ((*p)->fid != fid)
                        continue;
                struct lxs_p9_fid *f = *p;
                *p = f->next;
                close(f->fd);
                free(f);
                t->count--;
                return 0;
        }
        return -EBADF;
}
