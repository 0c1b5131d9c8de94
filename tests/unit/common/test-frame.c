/* Frame reader and output queue: partial input, several frames per read, the size limit, and
 * a real pipe round trip. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../check.h"
#include "frame.h"

static void test_partial_and_multiple(void)
{
        struct lxs_frame_reader r;
        lxs_frame_reader_init(&r);
        const uint8_t two[] = { 3, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0, 1, 0 };
        const uint8_t *p;
        size_t len;
        /* Byte by byte: nothing until the first frame is whole. */
        for (int i = 0; i < 6; i++) {
                CHECK_EQ_INT(lxs_frame_reader_feed(&r, two + i, 1), 0);
                CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 0);
        }
        lxs_frame_reader_feed(&r, two + 6, sizeof(two) - 6);
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        CHECK_EQ_INT(len, 3);
        CHECK(memcmp(p, "abc", 3) == 0);
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        CHECK_EQ_INT(len, 0);
        /* The third frame announces 1 byte and has not got it yet. */
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 0);
        CHECK_EQ_INT(lxs_frame_reader_pending(&r), 2);
        lxs_frame_reader_free(&r);
}

static void test_oversized(void)
{
        struct lxs_frame_reader r;
        lxs_frame_reader_init(&r);
        uint32_t n = LXS_FRAME_MAX + 1;
        uint8_t hdr[4] = { (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24) };
        lxs_frame_reader_feed(&r, hdr, 4);
        const uint8_t *p;
        size_t len;
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), -EMSGSIZE);
        lxs_frame_reader_free(&r);

        struct lxs_outq q;
        lxs_outq_init(&q);
        CHECK_EQ_INT(lxs_outq_push(&q, "", LXS_FRAME_MAX + 1), -EMSGSIZE);
        lxs_outq_free(&q);
}

static void test_pipe_round_trip(void)
{
        int fds[2];
        CHECK(pipe2(fds, O_NONBLOCK) == 0);
        struct lxs_outq q;
        lxs_outq_init(&q);
        /* Larger than a pipe buffer: flush must report -EAGAIN, then finish as we drain. */
        size_t big = 200000;
        uint8_t *payload = malloc(big);
        for (size_t i = 0; i < big; i++)
                payload[i] = (uint8_t)(i * 7);
        CHECK_EQ_INT(lxs_outq_push(&q, payload, big), 0);
        CHECK_EQ_INT(lxs_outq_push(&q, "tail", 4), 0);
        struct lxs_frame_reader r;
        lxs_frame_reader_init(&r);
        int frames = 0;
        int flush = lxs_outq_flush(&q, fds[1]);
        CHECK_EQ_INT(flush, -EAGAIN);
        while (frames < 2) {
                if (!lxs_outq_empty(&q))
                        flush = lxs_outq_flush(&q, fds[1]);
                int n = lxs_frame_reader_fill(&r, fds[0]);
                CHECK(n > 0 || n == -EAGAIN);
                const uint8_t *p;
                size_t len;
                while (lxs_frame_reader_next(&r, &p, &len) == 1) {
                        if (frames == 0) {
                                CHECK_EQ_INT(len, big);
                                CHECK(memcmp(p, payload, big) == 0);
                        } else {
                                CHECK_EQ_INT(len, 4);
                                CHECK(memcmp(p, "tail", 4) == 0);
                        }
                        frames++;
                }
        }
        CHECK_EQ_INT(flush, 0);
        CHECK(lxs_outq_empty(&q));
        close(fds[1]);
        CHECK_EQ_INT(lxs_frame_reader_fill(&r, fds[0]), 0); /* EOF */
        close(fds[0]);
        free(payload);
        lxs_frame_reader_free(&r);
        lxs_outq_free(&q);
}

int main(void)
{
        test_partial_and_multiple();
        test_oversized();
        test_pipe_round_trip();
        return check_result("test-frame");
}
