/* StreamData's bulk path agrees with protobuf-c: the prefix plus the data is byte for byte what
 * protobuf-c packs for each envelope (which also pins the envelope field numbers), peek reads
 * back what was packed, and anything but the canonical form is left to the full decoder. */
#include <errno.h>
#include <stdlib.h>

#include "../check.h"
#include "protocol.h"
#include "stream-wire.h"

/* Packs env with protobuf-c and compares with prefix + data; then peeks it. */
static void check_envelope(const ProtobufCMessage *env, uint32_t field, uint32_t id, uint32_t stream,
                           const uint8_t *data, size_t len)
{
        size_t n = protobuf_c_message_get_packed_size(env);
        uint8_t *packed = malloc(n);
        protobuf_c_message_pack(env, packed);
        uint8_t prefix[LXS_STREAM_PREFIX_MAX];
        size_t plen = lxs_stream_prefix(prefix, field, id, stream, len);
        CHECK_EQ_INT(plen + len, n);
        CHECK(plen + len == n && memcmp(packed, prefix, plen) == 0 && memcmp(packed + plen, data, len) == 0);
        struct lxs_stream_view v;
        CHECK_EQ_INT(lxs_stream_peek(packed, n, field, &v), 1);
        CHECK_EQ_INT(v.session_id, id);
        CHECK_EQ_INT(v.stream, stream);
        CHECK_EQ_INT(v.len, len);
        CHECK(v.len == len && memcmp(v.data, data, len) == 0);
        /* The wrong envelope field is not a match. */
        CHECK_EQ_INT(lxs_stream_peek(packed, n, field + 1, &v), 0);
        /* Truncated anywhere: never a match. */
        for (size_t cut = 0; cut < n; cut++)
                CHECK_EQ_INT(lxs_stream_peek(packed, cut, field, &v), 0);
        free(packed);
}

static void test_matches_protobuf_c(void)
{
        static const uint32_t ids[] = { 0, 1, 127, 128, 300000, UINT32_MAX };
        static const size_t lens[] = { 0, 1, 127, 128, 16384, LXS_STREAM_CHUNK };
        uint8_t *data = malloc(LXS_STREAM_CHUNK);
        for (size_t i = 0; i < LXS_STREAM_CHUNK; i++)
                data[i] = (uint8_t)(i * 31 + 7);
        for (size_t a = 0; a < sizeof(ids) / sizeof(ids[0]); a++)
                for (uint32_t st = 0; st <= 2; st++)
                        for (size_t b = 0; b < sizeof(lens) / sizeof(lens[0]); b++) {
                                Lxs__Guest__StreamData d = LXS__GUEST__STREAM_DATA__INIT;
                                d.session_id = ids[a];
                                d.stream = (Lxs__Guest__Stream)st;
                                d.data.data = data;
                                d.data.len = lens[b];
                                Lxs__Guest__GuestToHost g2h = LXS__GUEST__GUEST_TO_HOST__INIT;
                                g2h.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_DATA;
                                g2h.stream_data = &d;
                                check_envelope(&g2h.base, LXS_STREAM_FIELD_GUEST_TO_HOST, ids[a], st, data, lens[b]);
                                Lxs__Guest__HostToGuest h2g = LXS__GUEST__HOST_TO_GUEST__INIT;
                                h2g.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_DATA;
                                h2g.stream_data = &d;
                                check_envelope(&h2g.base, LXS_STREAM_FIELD_HOST_TO_GUEST, ids[a], st, data, lens[b]);
                                Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
                                req.msg_case = LXS__SERVICE__REQUEST__MSG_STREAM_DATA;
                                req.stream_data = &d;
                                check_envelope(&req.base, LXS_STREAM_FIELD_REQUEST, ids[a], st, data, lens[b]);
                                Lxs__Service__Reply rep = LXS__SERVICE__REPLY__INIT;
                                rep.msg_case = LXS__SERVICE__REPLY__MSG_STREAM_DATA;
                                rep.stream_data = &d;
                                check_envelope(&rep.base, LXS_STREAM_FIELD_REPLY, ids[a], st, data, lens[b]);
                        }
        free(data);
}

/* Valid protobuf that is not the canonical form, or out of bounds: left to the full decoder. */
static void test_rejects(void)
{
        struct lxs_stream_view v;
        const uint32_t f = LXS_STREAM_FIELD_GUEST_TO_HOST;
        /* Fields out of order: stream before session_id. */
        const uint8_t swapped[] = { 0x2a, 4, 0x10, 1, 0x08, 5 };
        CHECK_EQ_INT(lxs_stream_peek(swapped, sizeof(swapped), f, &v), 0);
        /* A field twice. */
        const uint8_t twice[] = { 0x2a, 4, 0x08, 1, 0x08, 2 };
        CHECK_EQ_INT(lxs_stream_peek(twice, sizeof(twice), f, &v), 0);
        /* Unknown field 4. */
        const uint8_t unknown[] = { 0x2a, 2, 0x20, 1 };
        CHECK_EQ_INT(lxs_stream_peek(unknown, sizeof(unknown), f, &v), 0);
        /* Stream 3 does not exist. */
        const uint8_t bad_stream[] = { 0x2a, 2, 0x10, 3 };
        CHECK_EQ_INT(lxs_stream_peek(bad_stream, sizeof(bad_stream), f, &v), 0);
        /* A padded varint. */
        const uint8_t padded[] = { 0x2a, 3, 0x08, 0x81, 0x00 };
        CHECK_EQ_INT(lxs_stream_peek(padded, sizeof(padded), f, &v), 0);
        /* Data length beyond the message, and short of its end. */
        const uint8_t longer[] = { 0x2a, 3, 0x1a, 5, 'a' };
        CHECK_EQ_INT(lxs_stream_peek(longer, sizeof(longer), f, &v), 0);
        const uint8_t shorter[] = { 0x2a, 4, 0x1a, 1, 'a', 'b' };
        CHECK_EQ_INT(lxs_stream_peek(shorter, sizeof(shorter), f, &v), 0);
        /* Envelope length not matching the payload. */
        const uint8_t env_len[] = { 0x2a, 9, 0x08, 1 };
        CHECK_EQ_INT(lxs_stream_peek(env_len, sizeof(env_len), f, &v), 0);
        /* An empty StreamData is canonical (all fields zero). */
        const uint8_t empty[] = { 0x2a, 0 };
        CHECK_EQ_INT(lxs_stream_peek(empty, sizeof(empty), f, &v), 1);
        CHECK(v.session_id == 0 && v.stream == 0 && v.len == 0);
        /* More than a chunk. */
        size_t n = LXS_STREAM_CHUNK + 1;
        uint8_t *big = calloc(1, n + LXS_STREAM_PREFIX_MAX);
        size_t plen = lxs_stream_prefix(big, f, 1, 1, n);
        CHECK_EQ_INT(lxs_stream_peek(big, plen + n, f, &v), 0);
        free(big);
}

int main(void)
{
        test_matches_protobuf_c();
        test_rejects();
        return check_result("test-stream-wire");
}
