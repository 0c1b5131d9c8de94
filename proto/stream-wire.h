/* The bulk path of StreamData: framing stream bytes without copying them through protobuf-c.
 *
 * A StreamData message inside its envelope (HostToGuest, GuestToHost, Request or Reply) is
 * encoded here exactly as protobuf-c encodes it: envelope tag, length, then session_id, stream
 * and data in field order, zero-valued fields left out. The data bytes come last, so a sender
 * can read them straight into its output buffer behind a prefix built afterwards
 * (lxs_stream_prefix), and a receiver can use them where they lie in the frame
 * (lxs_stream_peek).
 *
 * lxs_stream_peek accepts only that canonical form with a valid stream and at most
 * LXS_STREAM_CHUNK bytes; anything else (other messages, unknown or repeated fields, odd
 * varints) is left to the full decoder in protocol.h, so the fast path never accepts a message
 * the full decoder would reject, nor reads it differently. Nothing here allocates or prints. */
#ifndef LXS_STREAM_WIRE_H
#define LXS_STREAM_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Field number of `stream_data` in each envelope (checked against protobuf-c by the tests). */
#define LXS_STREAM_FIELD_HOST_TO_GUEST 3u
#define LXS_STREAM_FIELD_GUEST_TO_HOST 5u
#define LXS_STREAM_FIELD_REQUEST 5u
#define LXS_STREAM_FIELD_REPLY 5u

/* Longest prefix lxs_stream_prefix writes (envelope tag and length, session_id, stream, data
 * tag and length). */
#define LXS_STREAM_PREFIX_MAX 24u

/* Writes into out the payload bytes that precede `len` data bytes of StreamData{session_id,
 * stream, data} in envelope field `field`; returns the prefix length. */
size_t lxs_stream_prefix(uint8_t out[LXS_STREAM_PREFIX_MAX], uint32_t field, uint32_t session_id,
                         uint32_t stream, size_t len);

struct lxs_stream_view {
        uint32_t session_id;
        uint32_t stream;
        const uint8_t *data;  /* points into the payload given to lxs_stream_peek */
        size_t len;
};

/* 1 with *v filled when payload is a canonical StreamData in envelope field `field`; 0 when it
 * is anything else (decode it with the full decoder). */
int lxs_stream_peek(const uint8_t *payload, size_t len, uint32_t field, struct lxs_stream_view *v);

#endif
