/* Open files of the host view: write-behind and read-ahead; see fuse-view-files.h.
 *
 * Completions (write answered, read-ahead data in) run on the 9P client's receiver thread and
 * only take the file's lock, copy and signal. Waiting is bounded by the client: every request
 * completes, at the latest with the connection's error when it dies or times out. */
#include "fuse-view-files.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RA_CHUNKS 4u

enum chunk_state { CHUNK_EMPTY, CHUNK_PENDING, CHUNK_READY };

struct ra_chunk {
        struct lxs_fv_file *f;
        enum chunk_state state;
        uint64_t off;
        uint32_t asked;
        ssize_t got;       /* bytes, or a negative errno */
        uint64_t gen;      /* the view's write generation when asked */
        int64_t asked_ms;
        uint8_t *buf;
};

struct lxs_fv_file {
        struct lxs_p9_client *p9;
        uint32_t fid;
        uint32_t chunk_size;
        pthread_mutex_t lock;
        pthread_cond_t changed;
        unsigned writes_in_flight;
        uint64_t write_bytes_in_flight;
        int write_error;         /* the first failure of a write already acknowledged */
        uint64_t next_off;       /* where a sequential reader reads next */
        struct ra_chunk ra[RA_CHUNKS];
};

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct lxs_fv_file *lxs_fv_file_new(struct lxs_p9_client *p9, uint32_t fid)
{
        struct lxs_fv_file *f = calloc(1, sizeof(*f));
        if (!f)
                return NULL;
        f->p9 = p9;
        f->fid = fid;
        uint32_t io = lxs_p9_client_iounit(p9);
        f->chunk_size = io < LXS_FV_READ_AHEAD / RA_CHUNKS ? io : LXS_FV_READ_AHEAD / RA_CHUNKS;
        pthread_mutex_init(&f->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&f->changed, &ca);
        pthread_condattr_destroy(&ca);
        for (unsigned i = 0; i < RA_CHUNKS; i++)
                f->ra[i].f = f;
        return f;
}

uint32_t lxs_fv_file_fid(const struct lxs_fv_file *f)
{
        return f->fid;
}

/* ---- write-behind ---- */

static void write_done(void *arg, ssize_t result, uint32_t asked, const void *data)
{
        struct lxs_fv_file *f = arg;
        pthread_mutex_lock(&f->lock);
        f->writes_in_flight--;
        f->write_bytes_in_flight -= asked;
        if (f->write_error == 0 && result < 0)
                f->write_error = (int)result;
        else if (f->write_error == 0 && (size_t)result < asked)
                f->write_error = -EIO;  /* acknowledged in full already: the rest is lost */
        pthread_cond_broadcast(&f->changed);
        pthread_mutex_unlock(&f->lock);
}

static int take_write_error(struct lxs_fv_file *f)
{
        int e = f->write_error;
        f->write_error = 0;
        return e;
}

int lxs_fv_file_write(struct lxs_fv_file *f, const void *buf, size_t size, uint64_t off,
                      _Atomic uint64_t *write_gen)
{
        uint32_t max = lxs_p9_client_write_max(f->p9);
        for (size_t done = 0; done < size;) {
                uint32_t n = size - done < max ? (uint32_t)(size - done) : max;
                pthread_mutex_lock(&f->lock);
                while (f->write_bytes_in_flight > 0 && f->write_bytes_in_flight + n > LXS_FV_WRITE_BEHIND &&
                       f->write_error == 0)
                        pthread_cond_wait(&f->changed, &f->lock);
                int r = take_write_error(f);
                if (r == 0) {
                        f->writes_in_flight++;
                        f->write_bytes_in_flight += n;
                }
                pthread_mutex_unlock(&f->lock);
                if (r < 0)
                        return r;
                r = lxs_p9_write_async(f->p9, f->fid, off + done, (const uint8_t *)buf + done, n, write_done, f);
                if (r < 0) {
                        pthread_mutex_lock(&f->lock);
                        f->writes_in_flight--;
                        f->write_bytes_in_flight -= n;
                        pthread_cond_broadcast(&f->changed);
                        pthread_mutex_unlock(&f->lock);
                        return r;
                }
                /* After the send: data read ahead by a request sent before this write is
                 * dropped, and requests sent from now on see the write. */
                atomic_fetch_add(write_gen, 1);
                done += n;
        }
        return 0;
}

int lxs_fv_file_drain(struct lxs_fv_file *f)
{
        pthread_mutex_lock(&f->lock);
        while (f->writes_in_flight > 0)
                pthread_cond_wait(&f->changed, &f->lock);
        int r = take_write_error(f);
        pthread_mutex_unlock(&f->lock);
        return r;
}

/* ---- read-ahead ---- */

static void chunk_done(void *arg, ssize_t result, uint32_t asked, const void *data)
{
        struct ra_chunk *c = arg;
        struct lxs_fv_file *f = c->f;
        pthread_mutex_lock(&f->lock);
        if (result > 0)
                memcpy(c->buf, data, (size_t)result);
        c->got = result;
        c->state = CHUNK_READY;
        pthread_cond_broadcast(&f->changed);
        pthread_mutex_unlock(&f->lock);
}

static bool chunk_usable(const struct ra_chunk *c, uint64_t gen, int64_t oldest_ms)
{
        return c->state != CHUNK_EMPTY && c->gen == gen && c->asked_ms >= oldest_ms &&
               !(c->state == CHUNK_READY && c->got < 0);
}

static struct ra_chunk *chunk_at(struct lxs_fv_file *f, uint64_t pos, uint64_t gen, int64_t oldest_ms)
{
        for (unsigned i = 0; i < RA_CHUNKS; i++) {
                struct ra_chunk *c = &f->ra[i];
                if (chunk_usable(c, gen, oldest_ms) && pos >= c->off && pos - c->off < c->asked)
                        return c;
        }
        return NULL;
}

/* Asks for the data at pos in a free chunk (empty, stale, or wholly behind the reader at
 * reader); NULL when none is free or the request could not be sent. Called with the lock held. */
static struct ra_chunk *chunk_ask(struct lxs_fv_file *f, uint64_t pos, uint64_t reader, uint64_t gen,
                                  int64_t oldest_ms)
{
        struct ra_chunk *c = NULL;
        for (unsigned i = 0; i < RA_CHUNKS && !c; i++) {
                struct ra_chunk *k = &f->ra[i];
                /* Pending ones are never reused: their completion is still to come. */
                if (k->state == CHUNK_EMPTY ||
                    (k->state == CHUNK_READY && (!chunk_usable(k, gen, oldest_ms) || k->off + k->asked <= reader)))
                        c = k;
        }
        if (!c)
                return NULL;
        if (!c->buf && !(c->buf = malloc(f->chunk_size)))
                return NULL;
        *c = (struct ra_chunk){ .f = f, .state = CHUNK_PENDING, .off = pos, .asked = f->chunk_size, .gen = gen,
                                .asked_ms = now_ms(), .buf = c->buf };
        if (lxs_p9_read_async(f->p9, f->fid, pos, c->asked, chunk_done, c) < 0) {
                c->state = CHUNK_EMPTY;
                return NULL;
        }
        return c;
}

/* Keeps the read-ahead window full from pos on, up to the end of the file when it was seen. */
static void fill_window(struct lxs_fv_file *f, uint64_t pos, uint64_t gen, int64_t oldest_ms)
{
        uint64_t end = pos;
        for (unsigned i = 0; i < RA_CHUNKS; i++) {
                const struct ra_chunk *c = &f->ra[i];
                if (!chunk_usable(c, gen, oldest_ms) || c->off + c->asked <= pos)
                        continue;
                if (c->state == CHUNK_READY && (size_t)c->got < c->asked)
                        return;  /* the end of the file is in the window already */
                if (c->off + c->asked > end)
                        end = c->off + c->asked;
        }
        while (end < pos + LXS_FV_READ_AHEAD && chunk_ask(f, end, pos, gen, oldest_ms))
                end += f->chunk_size;
}

ssize_t lxs_fv_file_read(struct lxs_fv_file *f, void *buf, size_t size, uint64_t off, uint64_t write_gen,
                         int max_age_ms)
{
        int64_t oldest = now_ms() - max_age_ms;
        size_t done = 0;
        bool finished = size == 0;  /* all of it, or up to the end of the file */
        pthread_mutex_lock(&f->lock);
        bool sequential = off == f->next_off || chunk_at(f, off, write_gen, oldest);
        while (sequential && !finished) {
                uint64_t pos = off + done;
                struct ra_chunk *c = chunk_at(f, pos, write_gen, oldest);
                if (!c)
                        c = chunk_ask(f, pos, pos, write_gen, oldest);
                if (!c)
                        break;
                while (c->state == CHUNK_PENDING)
                        pthread_cond_wait(&f->changed, &f->lock);
                if (c->got < 0) {
                        c->state = CHUNK_EMPTY;
                        break;  /* the direct read below reports the error, or succeeds */
                }
                uint64_t in = pos - c->off;
                if (in >= (uint64_t)c->got) {
                        finished = true;  /* the end of the file */
                        break;
                }
                size_t n = (size_t)((uint64_t)c->got - in);
                if (n > size - done)
                        n = size - done;
                memcpy((uint8_t *)buf + done, c->buf + in, n);
                done += n;
                finished = done == size || ((size_t)c->got < c->asked && in + n == (uint64_t)c->got);
        }
        if (sequential) {
                f->next_off = off + done;
                if (finished)
                        fill_window(f, f->next_off, write_gen, oldest);
        }
        pthread_mutex_unlock(&f->lock);
        if (finished)
                return (ssize_t)done;
        /* Not sequential, or no read-ahead to be had: ask the server directly. */
        while (done < size) {
                ssize_t n = lxs_p9_read(f->p9, f->fid, off + done, (uint8_t *)buf + done, (uint32_t)(size - done));
                if (n < 0)
                        return done > 0 ? (ssize_t)done : n;
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        pthread_mutex_lock(&f->lock);
        f->next_off = off + done;
        pthread_mutex_unlock(&f->lock);
        return (ssize_t)done;
}

/* ---- close ---- */

void lxs_fv_file_close(struct lxs_fv_file *f)
{
        if (!f)
                return;
        pthread_mutex_lock(&f->lock);
        for (;;) {
                bool pending = f->writes_in_flight > 0;
                for (unsigned i = 0; i < RA_CHUNKS; i++)
                        pending |= f->ra[i].state == CHUNK_PENDING;
                if (!pending)
                        break;
                pthread_cond_wait(&f->changed, &f->lock);
        }
        pthread_mutex_unlock(&f->lock);
        lxs_p9_clunk_async(f->p9, f->fid);
        for (unsigned i = 0; i < RA_CHUNKS; i++)
                free(f->ra[i].buf);
        pthread_mutex_destroy(&f->lock);
        pthread_cond_destroy(&f->changed);
        free(f);
}
