/* Length-prefixed frame reader and output queue; see frame.h for the contract. */
#include "frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct lxs_outq_chunk {
        struct lxs_outq_chunk *next;
        size_t len, off;
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
        /* Read in large bites: a full frame plus header fits after one growth. */
        size_t want = 65536;
        int ret = reader_reserve(r, want);
        if (ret < 0)
                return ret;
        ssize_t n = read(fd, r->buf + r->start + r->len, r->cap - r->start - r->len);
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
        memset(q, 0, sizeof(*q));
}

int lxs_outq_push(struct lxs_outq *q, const void *payload, size_t len)
{
        if (len > LXS_FRAME_MAX)
                return -EMSGSIZE;
        struct lxs_outq_chunk *c = malloc(sizeof(*c) + LXS_FRAME_HEADER + len);
        if (!c)
                return -ENOMEM;
        c->next = NULL;
        c->off = 0;
        c->len = LXS_FRAME_HEADER + len;
        c->data[0] = (uint8_t)len;
        c->data[1] = (uint8_t)(len >> 8);
        c->data[2] = (uint8_t)(len >> 16);
        c->data[3] = (uint8_t)(len >> 24);
        if (len)
                memcpy(c->data + LXS_FRAME_HEADER, payload, len);
        if (q->tail)
                q->tail->next = c;
        else
                q->head = c;
        q->tail = c;
        q->bytes += c->len;
        return 0;
}

int lxs_outq_flush(struct lxs_outq *q, int fd)
{
        while (q->head) {
                struct lxs_outq_chunk *c = q->head;
                ssize_t n = write(fd, c->data + c->off, c->len - c->off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
                }
                c->off += (size_t)n;
                q->bytes -= (size_t)n;
                if (c->off == c->len) {
                        q->head = c->next;
                        if (!q->head)
                                q->tail = NULL;
                        free(c);
                }
        }
        return 0;
}
