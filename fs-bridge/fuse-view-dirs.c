/* Open directories of the host view: a buffered listing; see fuse-view-dirs.h. */
#include "fuse-view-dirs.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The largest 9P directory entry: qid[13] offset[8] type[1] name[2] and 255 bytes of name. A
 * reply with this much room left ended because the directory did. */
#define MAX_ENTRY (13u + 8u + 1u + 2u + 255u)

struct lxs_fv_dir {
        struct lxs_p9_client *p9;
        uint32_t fid;
        pthread_mutex_t lock;
        uint8_t *buf;        /* LXS_FV_DIR_FETCH bytes of entries as the server sent them */
        uint32_t len;        /* how many are valid */
        uint32_t pos;        /* the next entry to hand out */
        uint64_t pos_off;    /* the offset that entry follows (where a reader resumes) */
        bool at_end;         /* the buffer holds the rest of the directory */
};

static void fetched(struct lxs_fv_dir *d, uint64_t off, uint32_t len, uint32_t asked)
{
        d->len = len;
        d->pos = 0;
        d->pos_off = off;
        d->at_end = len == 0 || asked - len >= MAX_ENTRY;
}

struct lxs_fv_dir *lxs_fv_dir_open(struct lxs_p9_client *p9, uint32_t fid, int *err)
{
        struct lxs_fv_dir *d = calloc(1, sizeof(*d));
        if (d)
                d->buf = malloc(LXS_FV_DIR_FETCH);
        if (!d || !d->buf) {
                if (d)
                        free(d);
                *err = -ENOMEM;
                return NULL;
        }
        d->p9 = p9;
        pthread_mutex_init(&d->lock, NULL);
        uint32_t len = 0;
        *err = lxs_p9_opendir_read(p9, fid, LXS_FV_DIR_FETCH, &d->fid, d->buf, &len);
        if (*err < 0) {
                pthread_mutex_destroy(&d->lock);
                free(d->buf);
                free(d);
                return NULL;
        }
        fetched(d, 0, len, LXS_FV_DIR_FETCH < lxs_p9_client_iounit(p9) ? LXS_FV_DIR_FETCH : lxs_p9_client_iounit(p9));
        return d;
}

uint32_t lxs_fv_dir_fid(const struct lxs_fv_dir *d)
{
        return d->fid;
}

int lxs_fv_dir_read(struct lxs_fv_dir *d, uint64_t off, lxs_fv_dir_fill_fn fill, void *userdata)
{
        pthread_mutex_lock(&d->lock);
        int r = 0;
        bool fresh = false;
        for (;;) {
                if (off != d->pos_off || (d->pos == d->len && !d->at_end)) {
                        if (fresh)
                                break;  /* one fetch per call: the kernel asks again */
                        uint32_t asked = lxs_p9_client_iounit(d->p9);
                        if (asked > LXS_FV_DIR_FETCH)
                                asked = LXS_FV_DIR_FETCH;
                        uint32_t len = 0;
                        r = lxs_p9_readdir_raw(d->p9, d->fid, off, asked, d->buf, &len);
                        if (r < 0) {
                                d->len = d->pos = 0;
                                d->pos_off = UINT64_MAX;  /* nothing valid buffered */
                                break;
                        }
                        fetched(d, off, len, asked);
                        fresh = true;
                }
                if (d->pos == d->len)
                        break;  /* the end of the directory */
                struct lxs_p9_data rest = { d->buf + d->pos, d->len - d->pos };
                struct lxs_p9_dirent e;
                if (lxs_p9_dirent_next(&rest, &e) != 1) {
                        r = -EIO;  /* the decoder checked them: cannot happen */
                        break;
                }
                char name[256];
                if (e.name.len == 0 || e.name.len > 255) {
                        r = -EIO;
                        break;
                }
                memcpy(name, e.name.ptr, e.name.len);
                name[e.name.len] = '\0';
                int f = fill(userdata, &e, name);
                if (f != 0) {
                        r = f < 0 ? f : 0;
                        break;
                }
                d->pos = d->len - rest.len;
                d->pos_off = off = e.offset;
        }
        pthread_mutex_unlock(&d->lock);
        return r;
}

void lxs_fv_dir_close(struct lxs_fv_dir *d)
{
        if (!d)
                return;
        lxs_p9_clunk_async(d->p9, d->fid);
        pthread_mutex_destroy(&d->lock);
        free(d->buf);
        free(d);
}
