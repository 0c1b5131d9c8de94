/* StreamData's bulk encoding and canonical-form parsing; see stream-wire.h for the contract. */
#include "stream-wire.h"

#include "protocol.h"

#define WIRE_VARINT 0u
#define WIRE_LEN 2u

static size_t varint_size(uint64_t v)
{
        size_t n = 1;
        while (v >= 0x80) {
                v >>= 7;
                n++;
        }
        return n;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
        size_t n = 0;
        while (v >= 0x80) {
                p[n++] = (uint8_t)(v | 0x80);
                v >>= 7;
        }
        p[n++] = (uint8_t)v;
        return n;
}

size_t lxs_stream_prefix(uint8_t out[LXS_STREAM_PREFIX_MAX], uint32_t field, uint32_t session_id,
                         uint32_t stream, size_t len)
{
        size_t inner = 0;
        if (session_id)
                inner += 1 + varint_size(session_id);
        if (stream)
                inner += 1 + varint_size(stream);
        if (len)
                inner += 1 + varint_size(len) + len;
        size_t n = put_varint(out, field << 3 | WIRE_LEN);
        n += put_varint(out + n, inner);
        if (session_id) {
                out[n++] = 1u << 3 | WIRE_VARINT;
                n += put_varint(out + n, session_id);
        }
        if (stream) {
                out[n++] = 2u << 3 | WIRE_VARINT;
                n += put_varint(out + n, stream);
        }
        if (len) {
                out[n++] = 3u << 3 | WIRE_LEN;
                n += put_varint(out + n, len);
        }
        return n;
}

/* Reads a varint of at most 5 bytes whose value fits 32 bits; 0 when there is none such. */
static size_t get_varint32(const uint8_t *p, size_t avail, uint32_t *v)
{
        uint64_t x = 0;
        for (size_t i = 0; i < avail && i < 5; i++) {
                x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
                if (!(p[i] & 0x80)) {
                        /* A padded varint (trailing zero byte) is valid protobuf but not what
                         * protobuf-c writes; leave it to the full decoder. */
                        if (x > UINT32_MAX || (i > 0 && p[i] == 0))
                                return 0;
                        *v = (uint32_t)x;
                        return i + 1;
                }
        }
        return 0;
}

int lxs_stream_peek(const uint8_t *payload, size_t len, uint32_t field, struct lxs_stream_view *v)
{
        const uint8_t *p = payload, *end = payload + len;
        uint32_t tag, inner;
        size_t n = get_varint32(p, (size_t)(end - p), &tag);
        if (!n || tag != (field << 3 | WIRE_LEN))
                return 0;
        p += n;
        n = get_varint32(p, (size_t)(end - p), &inner);
        if (!n || inner != (size_t)(end - p - n))
                return 0;
        p += n;
        struct lxs_stream_view out = { 0 };
        uint32_t last = 0;
        while (p < end) {
                n = get_varint32(p, (size_t)(end - p), &tag);
                if (!n)
                        return 0;
                p += n;
                uint32_t num = tag >> 3;
                if (num <= last)
                        return 0; /* out of order or repeated: not the canonical form */
                last = num;
                uint32_t val;
                if (num == 1 && (tag & 7) == WIRE_VARINT) {
                        n = get_varint32(p, (size_t)(end - p), &out.session_id);
                } else if (num == 2 && (tag & 7) == WIRE_VARINT) {
                        n = get_varint32(p, (size_t)(end - p), &out.stream);
                } else if (num == 3 && (tag & 7) == WIRE_LEN) {
                        n = get_varint32(p, (size_t)(end - p), &val);
                        /* The data must run exactly to the end of the message. */
                        if (!n || val != (size_t)(end - p - n))
                                return 0;
                        out.data = p + n;
                        out.len = val;
                } else {
                        return 0;
                }
                if (!n)
                        return 0;
                p += n + out.len;
        }
        if (out.len > LXS_STREAM_CHUNK || out.stream > LXS__GUEST__STREAM__STREAM_STDERR)
                return 0;
        if (!out.data)
                out.data = end;
        *v = out;
        return 1;
}
