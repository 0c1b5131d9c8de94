/* Length-prefixed framing shared by every lxs channel (CLI<->lxsd, lxsd<->guest).
 *
 * Wire form: a 4-byte little-endian payload length, then the payload. A length above
 * LXS_FRAME_MAX is a protocol violation: the reader reports -EMSGSIZE and the caller must close
 * the channel (the stream can no longer be resynchronised).
 *
 * lxs_frame_reader accumulates bytes from a non-blocking fd and hands out complete frames that
 * stay valid until the next call on the reader. lxs_outq queues encoded frames for a non-blocking
 * fd and writes them as the fd accepts them. Neither prints; both return negative errno. */
#ifndef LXS_FRAME_H
#define LXS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define LXS_FRAME_HEADER 4u
#define LXS_FRAME_MAX (1u << 20)

struct lxs_frame_reader {
        uint8_t *buf;
        size_t start; /* first unconsumed byte */
        size_t len;   /* bytes held after start */
        size_t cap;
};

void lxs_frame_reader_init(struct lxs_frame_reader *r);
void lxs_frame_reader_free(struct lxs_frame_reader *r);

/* Reads what fd has now. Returns bytes read (>0), 0 at EOF, -EAGAIN when nothing is there,
 * or another negative errno. */
int lxs_frame_reader_fill(struct lxs_frame_reader *r, int fd);

/* Appends bytes from memory (tests, fuzzers). Returns 0 or -ENOMEM. */
int lxs_frame_reader_feed(struct lxs_frame_reader *r, const void *data, size_t len);

/* Takes the next complete frame. Returns 1 with payload and len set, 0 when more bytes are
 * needed, -EMSGSIZE when the announced length exceeds LXS_FRAME_MAX. */
int lxs_frame_reader_next(struct lxs_frame_reader *r, const uint8_t **payload, size_t *len);

/* Bytes buffered but not yet returned as frames. */
size_t lxs_frame_reader_pending(const struct lxs_frame_reader *r);

struct lxs_outq_chunk;

struct lxs_outq {
        struct lxs_outq_chunk *head, *tail;
        size_t bytes; /* queued and not yet written */
};

void lxs_outq_init(struct lxs_outq *q);
void lxs_outq_free(struct lxs_outq *q);

/* Queues one frame whose payload is the given bytes. -EMSGSIZE above LXS_FRAME_MAX. */
int lxs_outq_push(struct lxs_outq *q, const void *payload, size_t len);

/* Writes queued bytes until the queue is empty (returns 0) or fd would block (-EAGAIN).
 * Other negative errno (e.g. -EPIPE) means the peer is gone. */
int lxs_outq_flush(struct lxs_outq *q, int fd);

static inline int lxs_outq_empty(const struct lxs_outq *q) { return q->head == NULL; }

#endif
