/* Length-prefixed framing shared by every lxs channel (CLI<->lxsd, lxsd<->guest).
 *
 * Wire form: a 4-byte little-endian payload length, then the payload. A length above
 * LXS_FRAME_MAX is a protocol violation: the reader reports -EMSGSIZE and the caller must close
 * the channel (the stream can no longer be resynchronised).
 *
 * lxs_frame_reader accumulates bytes from a non-blocking fd and hands out complete frames that
 * stay valid until the next call on the reader. lxs_outq queues encoded frames for a non-blocking
 * fd and writes them as the fd accepts them, several frames per writev(). For bulk data a frame
 * can be built in place (reserve, fill, commit) so its bytes are copied into the queue once, by
 * whoever produces them (e.g. a read() straight into the reservation). Neither prints; both
 * return negative errno. */
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

/* The same for a device that returns at most one `unit`-sized buffer per read() but takes a
 * readv() of many (a virtio-serial port: 4 KiB). Reads no further than the end of the frame
 * being assembled, so a large frame lands where it will be used and is never moved. */
int lxs_frame_reader_fill_vec(struct lxs_frame_reader *r, int fd, size_t unit);

/* Appends bytes from memory (tests, fuzzers). Returns 0 or -ENOMEM. */
int lxs_frame_reader_feed(struct lxs_frame_reader *r, const void *data, size_t len);

/* Takes the next complete frame. Returns 1 with payload and len set, 0 when more bytes are
 * needed, -EMSGSIZE when the announced length exceeds LXS_FRAME_MAX. */
int lxs_frame_reader_next(struct lxs_frame_reader *r, const uint8_t **payload, size_t *len);

/* Bytes buffered but not yet returned as frames. */
size_t lxs_frame_reader_pending(const struct lxs_frame_reader *r);

/* Most bytes of payload prefix lxs_outq_commit places in front of reserved data. */
#define LXS_OUTQ_PREFIX_MAX 28u

struct lxs_outq_chunk;

struct lxs_outq {
        struct lxs_outq_chunk *head, *tail;
        struct lxs_outq_chunk *reserved; /* being filled by the caller, not queued yet */
        struct lxs_outq_chunk *spare;    /* a written bulk chunk kept for the next reservation */
        size_t bytes;                    /* queued and not yet written */
        size_t slice;                    /* >0: no single write() of more (see lxs_outq_flush) */
};

void lxs_outq_init(struct lxs_outq *q);
void lxs_outq_free(struct lxs_outq *q);

/* Queues one frame whose payload is the given bytes. -EMSGSIZE above LXS_FRAME_MAX. */
int lxs_outq_push(struct lxs_outq *q, const void *payload, size_t len);

/* Queues bytes as they are, without a header: the rest of a frame whose beginning the caller
 * wrote to the fd itself while the queue was empty. -ENOMEM. */
int lxs_outq_push_raw(struct lxs_outq *q, const void *bytes, size_t len);

/* Room for up to max bytes of payload data, to be filled by the caller and then queued with
 * lxs_outq_commit (or dropped with lxs_outq_cancel). One reservation at a time; NULL + errno
 * (ENOMEM, EMSGSIZE) on failure. */
uint8_t *lxs_outq_reserve(struct lxs_outq *q, size_t max);
/* Queues the reserved frame: payload = prefix (at most LXS_OUTQ_PREFIX_MAX bytes) followed by
 * the first len reserved bytes. */
int lxs_outq_commit(struct lxs_outq *q, const void *prefix, size_t prefix_len, size_t len);
void lxs_outq_cancel(struct lxs_outq *q);

/* Writes queued bytes until the queue is empty (returns 0) or fd would block (-EAGAIN).
 * Other negative errno (e.g. -EPIPE) means the peer is gone. With q->slice set, no vector is
 * longer than that: a device that takes at most `slice` bytes per write() (virtio-serial: 32
 * KiB) still takes a whole writev(), because the kernel stops a writev only at a short write. */
int lxs_outq_flush(struct lxs_outq *q, int fd);

static inline int lxs_outq_empty(const struct lxs_outq *q) { return q->head == NULL; }

#endif
