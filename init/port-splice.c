/* Staged zero-copy frames to the control port; see port-splice.h for the contract. */
#include "port-splice.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "frame.h"
#include "protocol.h"
#include "stream-wire.h"

/* `frame` holds the header's buffer plus every buffer of `data`, so it gets twice the slots:
 * moving `data` into it then always completes, which keeps a frame from being cut. */
#define DATA_PIPE_SIZE (1 << 20)
#define FRAME_PIPE_SIZE (2 << 20)

void lxs_port_splice_init(struct lxs_port_splice *ps)
{
        *ps = (struct lxs_port_splice){ .data = { -1, -1 }, .frame = { -1, -1 } };
}

void lxs_port_splice_reset(struct lxs_port_splice *ps)
{
        for (int i = 0; i < 2; i++) {
                if (ps->data[i] >= 0)
                        close(ps->data[i]);
                if (ps->frame[i] >= 0)
                        close(ps->frame[i]);
        }
        bool unavailable = ps->unavailable;
        lxs_port_splice_init(ps);
        ps->unavailable = unavailable;
}

static int make_pipe(int fds[2], int size)
{
        if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
                return -errno;
        if (fcntl(fds[1], F_SETPIPE_SZ, size) < size)
                return -ENOSPC;
        return 0;
}

static int ensure_pipes(struct lxs_port_splice *ps)
{
        if (ps->frame[0] >= 0)
                return 0;
        if (ps->unavailable)
                return -EBUSY;
        if (make_pipe(ps->data, DATA_PIPE_SIZE) < 0 || make_pipe(ps->frame, FRAME_PIPE_SIZE) < 0) {
                lxs_port_splice_reset(ps);
                ps->unavailable = true;
                return -EBUSY;
        }
        return 0;
}

ssize_t lxs_port_splice_stage(struct lxs_port_splice *ps, uint32_t session_id, uint32_t stream, int src,
                              size_t max)
{
        if (ps->staged)
                return -EBUSY;
        int r = ensure_pipes(ps);
        if (r < 0)
                return r;
        if (max > DATA_PIPE_SIZE)
                max = DATA_PIPE_SIZE;
        ssize_t n = splice(src, NULL, ps->data[1], NULL, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n <= 0)
                return n < 0 ? -errno : 0;
        uint8_t head[LXS_FRAME_HEADER + LXS_STREAM_PREFIX_MAX];
        size_t plen = lxs_stream_prefix(head + LXS_FRAME_HEADER, LXS_STREAM_FIELD_GUEST_TO_HOST, session_id,
                                        stream, (size_t)n);
        size_t frame = plen + (size_t)n;
        for (int i = 0; i < 4; i++)
                head[i] = (uint8_t)(frame >> (8 * i));
        /* `frame` is empty here, so the header always fits. */
        if (write(ps->frame[1], head, LXS_FRAME_HEADER + plen) != (ssize_t)(LXS_FRAME_HEADER + plen))
                return -EIO;
        for (size_t moved = 0; moved < (size_t)n;) {
                ssize_t m = splice(ps->data[0], NULL, ps->frame[1], NULL, (size_t)n - moved,
                                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (m < 0 && errno == EINTR)
                        continue;
                if (m <= 0)
                        return -EIO;
                moved += (size_t)m;
        }
        ps->staged = LXS_FRAME_HEADER + frame;
        return n;
}

int lxs_port_splice_flush(struct lxs_port_splice *ps, int port)
{
        while (ps->staged) {
                ssize_t n = splice(ps->frame[0], NULL, port, NULL, ps->staged, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
                /* The port takes a whole pipe or nothing; 0 means it dropped what it took. */
                if (n == 0)
                        return -EIO;
                ps->staged -= (size_t)n;
        }
        return 0;
}
