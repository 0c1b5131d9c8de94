/* Length-prefixed frame reader and output queue; see frame.h for the contract. */
#include "frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Bytes asked of the kernel per read() when the reader has no better idea. */
#define READ_BITE (256u * 1024u)
/* Vectors per writev()/readv(); well under IOV_MAX. */
#define IOV_BATCH 64
/* Room kept in front of reserved data for the frame header and the caller's prefix. */
#define HEADROOM (LXS_FRAME_HEADER + LXS_OUTQ_PREFIX_MAX)
/* Bulk chunks at least this large are worth keeping for reuse (malloc would hand out fresh,
 * zeroed pages for them every time). */
#define SPARE_MIN (64u * 1024u)

struct lxs_outq_chunk {
        struct lxs_outq_chunk *next;
        size_t start, end; /* bytes still to write: data[start..end) */
        size_t cap;
        uint8_t data[];
};

void lxs_frame_reader_init(struct lxs_frame_reader *r)
{
        memset(r, 0, sizeof(*r));
}

void lxs_frame_reader_free(struct lxs_frame_reader *r)
{
        free(r->buf);
        memset(r, 0, sizeof(*r));
}

size_t lxs_frame_reader_pending(const struct lxs_frame_reader *r)
{
        return r->len;
}

/* Makes room for at least `want` more bytes after the held ones. */
static int reader_reserve(struct lxs_frame_reader *r, size_t want)
{
        if (r->start > 0 && r->start + r->len + want > r->cap) {
                memmove(r->buf, r->buf + r->start, r->len);
                r->start = 0;
        }
        if (r->start + r->len + want <= r->cap)
                return 0;
        size_t cap = r->cap ? r->cap : 16384;
        while (cap < r->len + want)
                cap *= 2;
        uint8_t *nb = realloc(r->buf, cap);
        if (!nb)
                return -ENOMEM;
        r->buf = nb;
        r->cap = cap;
        return 0;
}

int lxs_frame_reader_feed(struct lxs_frame_reader *r, const void *data, size_t len)
{
        if (len == 0)
                return 0;
        int ret = reader_reserve(r, len);
        if (ret < 0)
                return ret;
        memcpy(r->buf + r->start + r->len, data, len);
        r->len += len;
        return 0;
}

int lxs_frame_reader_fill(struct lxs_frame_reader *r, int fd)
{
        int ret = reader_reserve(r, READ_BITE);
        if (ret < 0)
                return ret;
        ssize_t n = read(fd, r->buf + r->start + r->len, r->cap - r->start - r->len);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        r->len += (size_t)n;
        return (int)n;
}

/* Length of the frame whose header is buffered, header included; 0 when not known yet or
 * invalid (lxs_frame_reader_next reports that). */
static size_t current_frame_size(const struct lxs_frame_reader *r)
{
        if (r->len < LXS_FRAME_HEADER)
                return 0;
        const uint8_t *p = r->buf + r->start;
        uint32_t n = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        return n > LXS_FRAME_MAX ? 0 : LXS_FRAME_HEADER + (size_t)n;
}

int lxs_frame_reader_fill_vec(struct lxs_frame_reader *r, int fd, size_t unit)
{
        if (unit == 0)
                return -EINVAL;
        size_t want = READ_BITE;
        size_t frame = current_frame_size(r);
        if (frame > r->len)
                want = frame - r->len;
        int ret = reader_reserve(r, want);
        if (ret < 0)
                return ret;
        struct iovec iov[IOV_BATCH];
        int n_iov = 0;
        uint8_t *p = r->buf + r->start + r->len;
        for (size_t left = want; left > 0 && n_iov < IOV_BATCH; n_iov++) {
                size_t n = left < unit ? left : unit;
                iov[n_iov] = (struct iovec){ .iov_base = p, .iov_len = n };
                p += n;
                left -= n;
        }
        ssize_t n = readv(fd, iov, n_iov);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        r->len += (size_t)n;
        return (int)n;
}

int lxs_frame_reader_next(struct lxs_frame_reader *r, const uint8_t **payload, size_t *len)
{
        if (r->len < LXS_FRAME_HEADER)
                return 0;
        const uint8_t *p = r->buf + r->start;
        uint32_t n = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        if (n > LXS_FRAME_MAX)
                return -EMSGSIZE;
        if (r->len - LXS_FRAME_HEADER < n)
                return 0;
        *payload = p + LXS_FRAME_HEADER;
        *len = n;
        r->start += LXS_FRAME_HEADER + n;
        r->len -= LXS_FRAME_HEADER + n;
        if (r->len == 0)
                r->start = 0;
        return 1;
}

void lxs_outq_init(struct lxs_outq *q)
{
        memset(q, 0, sizeof(*q));
}

void lxs_outq_free(struct lxs_outq *q)
{
        struct lxs_outq_chunk *c = q->head;
        while (c) {
                struct lxs_outq_chunk *next = c->next;
                free(c);
                c = next;
        }
        free(q->reserved);
        free(q->spare);
        size_t slice = q->slice;
        memset(q, 0, sizeof(*q));
        q->slice = slice;
}

static void put_header(uint8_t *p, size_t len)
{
        p[0] = (uint8_t)len;
        p[1] = (uint8_t)(len >> 8);
        p[2] = (uint8_t)(len >> 16);
        p[3] = (uint8_t)(len >> 24);
}

static void enqueue(struct lxs_outq *q, struct lxs_outq_chunk *c)
{
        c->next = NULL;
        if (q->tail)
                q->tail->next = c;
        else
                q->head = c;
        q->tail = c;
        q->bytes += c->end - c->start;
}

int lxs_outq_push(struct lxs_outq *q, const void *payload, size_t len)
{
        if (len > LXS_FRAME_MAX)
                return -EMSGSIZE;
        struct lxs_outq_chunk *c = malloc(sizeof(*c) + LXS_FRAME_HEADER + len);
        if (!c)
                return -ENOMEM;
        c->start = 0;
        c->end = c->cap = LXS_FRAME_HEADER + len;
        put_header(c->data, len);
        if (len)
                memcpy(c->data + LXS_FRAME_HEADER, payload, len);
        enqueue(q, c);
        return 0;
}

int lxs_outq_push_raw(struct lxs_outq *q, const void *bytes, size_t len)
{
        if (len == 0)
                return 0;
        struct lxs_outq_chunk *c = malloc(sizeof(*c) + len);
        if (!c)
                return -ENOMEM;
        c->start = 0;
        c->end = c->cap = len;
        memcpy(c->data, bytes, len);
        enqueue(q, c);
        return 0;
}

uint8_t *lxs_outq_reserve(struct lxs_outq *q, size_t max)
{
        if (max + LXS_OUTQ_PREFIX_MAX > LXS_FRAME_MAX)
                return errno = EMSGSIZE, NULL;
        free(q->reserved);
        q->reserved = NULL;
        size_t cap = HEADROOM + max;
        struct lxs_outq_chunk *c = q->spare;
        if (c && c->cap >= cap) {
                q->spare = NULL;
        } else {
                c = malloc(sizeof(*c) + cap);
                if (!c)
                        return errno = ENOMEM, NULL;
                c->cap = cap;
        }
        c->start = c->end = 0;
        q->reserved = c;
        return c->data + HEADROOM;
}

int lxs_outq_commit(struct lxs_outq *q, const void *prefix, size_t prefix_len, size_t len)
{
        struct lxs_outq_chunk *c = q->reserved;
        if (!c || prefix_len > LXS_OUTQ_PREFIX_MAX || HEADROOM + len > c->cap)
                return -EINVAL;
        q->reserved = NULL;
        c->start = HEADROOM - prefix_len - LXS_FRAME_HEADER;
        c->end = HEADROOM + len;
        put_header(c->data + c->start, prefix_len + len);
        if (prefix_len)
                memcpy(c->data + c->start + LXS_FRAME_HEADER, prefix, prefix_len);
        enqueue(q, c);
        return 0;
}

void lxs_outq_cancel(struct lxs_outq *q)
{
        struct lxs_outq_chunk *c = q->reserved;
        if (!c)
                return;
        q->reserved = NULL;
        if (!q->spare && c->cap >= SPARE_MIN)
                q->spare = c;
        else
                free(c);
}

static void release_chunk(struct lxs_outq *q, struct lxs_outq_chunk *c)
{
        if (c->cap >= SPARE_MIN && (!q->spare || q->spare->cap < c->cap)) {
                free(q->spare);
                q->spare = c;
                return;
        }
        free(c);
}

int lxs_outq_flush(struct lxs_outq *q, int fd)
{
        while (q->head) {
                struct iovec iov[IOV_BATCH];
                int n_iov = 0;
                for (struct lxs_outq_chunk *c = q->head; c && n_iov < IOV_BATCH; c = c->next) {
                        uint8_t *p = c->data + c->start;
                        for (size_t left = c->end - c->start; left > 0 && n_iov < IOV_BATCH; n_iov++) {
                                size_t n = q->slice && left > q->slice ? q->slice : left;
                                iov[n_iov] = (struct iovec){ .iov_base = p, .iov_len = n };
                                p += n;
                                left -= n;
                        }
                }
                ssize_t n = writev(fd, iov, n_iov);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
                }
                q->bytes -= (size_t)n;
                size_t done = (size_t)n;
                while (q->head && done >= q->head->end - q->head->start) {
                        struct lxs_outq_chunk *c = q->head;
                        done -= c->end - c->start;
                        q->head = c->next;
                        if (!q->head)
                                q->tail = NULL;
                        release_chunk(q, c);
                }
                /* After a short write the next writev() says whether the fd is full. */
                if (done)
                        q->head->start += done;
        }
        return 0;
}
