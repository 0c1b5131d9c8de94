/* Frame reader and output queue: partial input, several frames per read, the size limit, a
 * real pipe round trip, frames built in place (reserve/commit) with sliced writes, and the
 * vectored reader that stops at the end of a frame. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

/* In-place frames interleaved with pushed ones keep their order; a reservation is reused. */
static void test_reserve_commit(void)
{
        int fds[2];
        CHECK(pipe2(fds, O_NONBLOCK) == 0);
        struct lxs_outq q;
        lxs_outq_init(&q);
        q.slice = 1000; /* many vectors per frame: the writev path must stitch them */
        CHECK_EQ_INT(lxs_outq_push(&q, "first", 5), 0);
        uint8_t *buf = lxs_outq_reserve(&q, 5000);
        CHECK(buf != NULL);
        for (int i = 0; i < 3000; i++)
                buf[i] = (uint8_t)(i * 13);
        CHECK_EQ_INT(lxs_outq_commit(&q, "PRE", 3, 3000), 0);
        CHECK_EQ_INT(lxs_outq_commit(&q, "x", 1, 1), -EINVAL); /* nothing reserved */
        CHECK(lxs_outq_reserve(&q, 100) != NULL);
        lxs_outq_cancel(&q);
        CHECK(lxs_outq_reserve(&q, LXS_FRAME_MAX) == NULL && errno == EMSGSIZE);
        CHECK_EQ_INT(lxs_outq_push(&q, "last", 4), 0);
        CHECK_EQ_INT(lxs_outq_flush(&q, fds[1]), 0);
        CHECK(lxs_outq_empty(&q));
        CHECK_EQ_INT(q.bytes, 0);

        struct lxs_frame_reader r;
        lxs_frame_reader_init(&r);
        CHECK(lxs_frame_reader_fill(&r, fds[0]) > 0);
        const uint8_t *p;
        size_t len;
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        CHECK(len == 5 && memcmp(p, "first", 5) == 0);
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        CHECK_EQ_INT(len, 3003);
        CHECK(memcmp(p, "PRE", 3) == 0);
        bool same = true;
        for (int i = 0; i < 3000 && len == 3003; i++)
                same &= p[3 + i] == (uint8_t)(i * 13);
        CHECK(same);
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        CHECK(len == 4 && memcmp(p, "last", 4) == 0);
        lxs_frame_reader_free(&r);
        lxs_outq_free(&q);
        close(fds[0]);
        close(fds[1]);
}

/* fill_vec reads no further than the frame being assembled. */
static void test_fill_vec(void)
{
        int fds[2];
        CHECK(pipe2(fds, O_NONBLOCK) == 0);
        uint8_t frames[4 + 10000 + 4 + 3];
        memset(frames, 'a', sizeof(frames));
        frames[0] = 10000 & 0xff;
        frames[1] = 10000 >> 8;
        frames[2] = frames[3] = 0;
        uint8_t *second = frames + 4 + 10000;
        second[0] = 3;
        second[1] = second[2] = second[3] = 0;
        CHECK(write(fds[1], frames, sizeof(frames)) == (ssize_t)sizeof(frames));
        struct lxs_frame_reader r;
        lxs_frame_reader_init(&r);
        /* Header unknown: one read takes everything there is (vectors of 4 KiB). */
        CHECK_EQ_INT(lxs_frame_reader_fill_vec(&r, fds[0], 4096), sizeof(frames));
        const uint8_t *p;
        size_t len;
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        CHECK_EQ_INT(len, 10000);
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        CHECK_EQ_INT(len, 3);
        /* Header known: the read stops at the end of that frame. */
        CHECK(write(fds[1], frames, sizeof(frames)) == (ssize_t)sizeof(frames));
        CHECK_EQ_INT(lxs_frame_reader_fill_vec(&r, fds[0], 4), 4 * 64);
        CHECK_EQ_INT(lxs_frame_reader_fill_vec(&r, fds[0], 5000), 4 + 10000 - 4 * 64);
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        CHECK_EQ_INT(len, 10000);
        CHECK_EQ_INT(lxs_frame_reader_fill_vec(&r, fds[0], 4096), 7);
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        CHECK_EQ_INT(len, 3);
        CHECK_EQ_INT(lxs_frame_reader_fill_vec(&r, fds[0], 4096), -EAGAIN);
        CHECK_EQ_INT(lxs_frame_reader_fill_vec(&r, fds[0], 0), -EINVAL);
        lxs_frame_reader_free(&r);
        close(fds[0]);
        close(fds[1]);
}

/* A frame begun by the caller's own write and finished from the queue reads back whole. */
static void test_push_raw(void)
{
        int fds[2];
        CHECK(pipe2(fds, O_NONBLOCK) == 0);
        const uint8_t frame[] = { 5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o' };
        CHECK(write(fds[1], frame, 3) == 3);
        struct lxs_outq q;
        lxs_outq_init(&q);
        CHECK_EQ_INT(lxs_outq_push_raw(&q, frame + 3, 2), 0);
        CHECK_EQ_INT(lxs_outq_push_raw(&q, frame + 5, 4), 0);
        CHECK_EQ_INT(lxs_outq_push_raw(&q, frame, 0), 0);
        CHECK_EQ_INT(lxs_outq_push(&q, "x", 1), 0);
        CHECK_EQ_INT(lxs_outq_flush(&q, fds[1]), 0);
        struct lxs_frame_reader r;
        lxs_frame_reader_init(&r);
        CHECK(lxs_frame_reader_fill(&r, fds[0]) > 0);
        const uint8_t *p;
        size_t len;
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        CHECK(len == 5 && memcmp(p, "hello", 5) == 0);
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        CHECK(len == 1 && p[0] == 'x');
        lxs_frame_reader_free(&r);
        lxs_outq_free(&q);
        close(fds[0]);
        close(fds[1]);
}

int main(void)
{
        test_push_raw();
        test_partial_and_multiple();
        test_oversized();
        test_pipe_round_trip();
        test_reserve_commit();
        test_fill_vec();
        return check_result("test-frame");
}
