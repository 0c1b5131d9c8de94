/* The 9P server's stream loop (lxs_p9_server_serve, see p9-server.h): requests read from a byte
 * stream, replies written to one, in order.
 *
 * In the guest every copy runs as emulated instructions, so bulk data avoids them:
 * - Input is read a frame at a time once a frame's header is in (the rest of that frame
 *   exactly, so a large Twrite never leaves a large remainder to move), and the buffer is
 *   compacted only when the next frame would not fit behind what is buffered.
 * - An Rread of a regular file is spliced when out_fd is a pipe or a socket: the file's pages
 *   go into a private pipe first (so the count is known before the header is written), then
 *   header and pages go to out_fd, with no copy in this process. A read larger than that pipe
 *   (1 MiB), or one that cannot be spliced whole, takes the ordinary path, which also reports
 *   its error.
 * - A Twrite to a regular file (not O_APPEND, which splice refuses) is spliced when in_fd is a
 *   pipe: once its fixed header is in, what was read of its data is written, and the rest goes
 *   from in_fd into the file without passing through this process. A write that fails half
 *   way has the rest of its frame read and dropped, so the stream stays in step, and is
 *   answered as pwrite would be: the count written, or the error when nothing was.
 * Small replies to requests that came in together (a client sends a walk and a getattr at once)
 * go out together in one write, so they cross every relay on the way as one message; a reply is
 * never held back waiting for input. */
#include "p9-server-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"

/* Read at most this much when the next frame's size is not known yet: what is read beyond the
 * frames it completes may have to be moved once. */
#define SMALL_READ (64u * 1024u)
/* Replies gathered while more requests are waiting, and the largest one gathered. */
#define BATCH_CAP (64u * 1024u)
#define BATCH_SMALL (8u * 1024u)

struct outq {
        uint8_t *buf;
        size_t len;
};

static int outq_flush(struct outq *q, int fd)
{
        if (q->len == 0)
                return 0;
        int r = lxs_write_all(fd, q->buf, q->len);
        q->len = 0;
        return r;
}

/* Writes a reply, or gathers it when more requests are waiting behind this one. */
static int emit(struct outq *q, int fd, const uint8_t *p, size_t n, bool more)
{
        int r;
        if (more && n <= BATCH_SMALL) {
                if (q->len + n > BATCH_CAP && (r = outq_flush(q, fd)) < 0)
                        return r;
                memcpy(q->buf + q->len, p, n);
                q->len += n;
                return 0;
        }
        if ((r = outq_flush(q, fd)) < 0)
                return r;
        return lxs_write_all(fd, p, n);
}

struct splicer {
        size_t capacity;  /* of the private pipe; 0: splicing reads is off */
        int pipe[2];
        bool from_pipe;   /* in_fd is a pipe: writes can be spliced */
};

#define TWRITE_FIXED 23u  /* size type tag fid[4] offset[8] count[4] */

static void splicer_init(struct splicer *sp, int in_fd, int out_fd)
{
        struct stat st;
        sp->pipe[0] = sp->pipe[1] = -1;
        sp->capacity = 0;
        sp->from_pipe = fstat(in_fd, &st) == 0 && S_ISFIFO(st.st_mode);
        if (fstat(out_fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
                return;
        if (pipe2(sp->pipe, O_CLOEXEC) < 0)
                return;
        /* 1 MiB is what an unprivileged process may ask for; the clients' reads are that size. */
        (void)fcntl(sp->pipe[1], F_SETPIPE_SZ, 1 << 20);
        int cap = fcntl(sp->pipe[1], F_GETPIPE_SZ);
        sp->capacity = cap > 0 ? (size_t)cap : 0;
}

static void splicer_free(struct splicer *sp)
{
        if (sp->pipe[0] >= 0)
                close(sp->pipe[0]);
        if (sp->pipe[1] >= 0)
                close(sp->pipe[1]);
}

/* Moves n bytes from the private pipe to out_fd. */
static int drain_pipe(struct splicer *sp, int out_fd, size_t n)
{
        while (n > 0) {
                ssize_t r = splice(sp->pipe[0], NULL, out_fd, NULL, n, SPLICE_F_MOVE);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return r < 0 ? -errno : -EPIPE;
                n -= (size_t)r;
        }
        return 0;
}

/* Answers a Tread by splicing: 1 when answered, 0 when the ordinary path must answer it (not
 * a plain open file, or the pages could not all be had), a negative errno when the stream
 * broke. */
static int read_spliced(struct lxs_p9_server *s, struct splicer *sp, const struct lxs_p9_msg *req, int out_fd,
                        uint8_t *scratch)
{
        int r;
        struct lxs_p9_fid *f = p9_fid(s, req->u.tio.fid, &r);
        if (!f || !f->opened || f->is_dir || req->u.tio.offset > INT64_MAX)
                return 0;
        struct stat st;
        if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode))
                return 0;
        uint32_t count = req->u.tio.count;
        if (count > s->msize - LXS_P9_IOHDR_SIZE)
                count = s->msize - LXS_P9_IOHDR_SIZE;
        /* The whole of it must fit: a short count would read as the end of the file. */
        if (count > sp->capacity)
                return 0;
        loff_t off = (loff_t)req->u.tio.offset;
        size_t got = 0;
        while (got < count) {
                ssize_t n = splice(f->fd, &off, sp->pipe[1], NULL, count - got, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n == 0)
                        break;  /* the end of the file */
                if (n < 0) {
                        /* Drop the pages (scratch holds a whole read) and let pread answer,
                         * error and all. */
                        while (got > 0) {
                                ssize_t d = read(sp->pipe[0], scratch, got);
                                if (d < 0 && errno == EINTR)
                                        continue;
                                if (d <= 0)
                                        return -EIO;
                                got -= (size_t)d;
                        }
                        return 0;
                }
                got += (size_t)n;
        }
        uint32_t size = LXS_P9_IOHDR_SIZE + (uint32_t)got;
        uint8_t hdr[LXS_P9_IOHDR_SIZE] = { (uint8_t)size, (uint8_t)(size >> 8), (uint8_t)(size >> 16),
                                           (uint8_t)(size >> 24), LXS_P9_RREAD, (uint8_t)req->tag,
                                           (uint8_t)(req->tag >> 8), (uint8_t)got, (uint8_t)(got >> 8),
                                           (uint8_t)(got >> 16), (uint8_t)(got >> 24) };
        r = lxs_write_all(out_fd, hdr, sizeof(hdr));
        if (r == 0)
                r = drain_pipe(sp, out_fd, got);
        return r < 0 ? r : 1;
}

static uint32_t le32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The open regular file (not O_APPEND) a Twrite whose fixed header is at in may be spliced
 * into, or NULL. */
static struct lxs_p9_fid *splice_target(struct lxs_p9_server *s, const uint8_t *in, uint32_t size)
{
        uint64_t off = le32(in + 11) | (uint64_t)le32(in + 15) << 32;
        if (le32(in + 19) != size - TWRITE_FIXED || off > INT64_MAX)
                return NULL;
        int r;
        struct lxs_p9_fid *f = p9_fid(s, le32(in + 7), &r);
        struct stat st;
        if (!f || !f->opened || f->is_dir || fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode))
                return NULL;
        int fl = fcntl(f->fd, F_GETFL);
        return fl >= 0 && !(fl & O_APPEND) && (fl & O_ACCMODE) != O_RDONLY ? f : NULL;
}

/* Answers the Twrite whose fixed header and first data bytes (have bytes in all) are at in,
 * taking the rest of its frame from in_fd. 0, or a negative errno when the stream broke. */
static int write_spliced(struct lxs_p9_server *s, struct lxs_p9_fid *f, uint8_t *in, size_t have,
                         size_t bufsize, int in_fd, uint8_t *out, int out_fd)
{
        uint32_t count = le32(in + 19);
        uint16_t tag = (uint16_t)(in[5] | in[6] << 8);
        loff_t off = (loff_t)(le32(in + 11) | (uint64_t)le32(in + 15) << 32);
        size_t done = 0, consumed = have - TWRITE_FIXED;
        int err = 0;
        while (done < consumed && err == 0) {
                ssize_t n = pwrite(f->fd, in + TWRITE_FIXED + done, consumed - done, off + (loff_t)done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        err = n < 0 ? -errno : -EIO;
                else
                        done += (size_t)n;
        }
        loff_t pos = off + (loff_t)done;
        while (consumed < count && err == 0) {
                ssize_t n = splice(in_fd, NULL, f->fd, &pos, count - consumed, SPLICE_F_MOVE);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n == 0)
                        return -EPIPE;  /* the stream ended inside the message */
                if (n < 0) {
                        err = -errno;
                } else {
                        consumed += (size_t)n;
                        done += (size_t)n;
                }
        }
        /* Whatever is left of the frame after a failure is read and dropped. */
        while (consumed < count) {
                size_t want = count - consumed < bufsize ? count - consumed : bufsize;
                ssize_t n = read(in_fd, in, want);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EPIPE;
                consumed += (size_t)n;
        }
        struct lxs_p9_msg m = { .type = LXS_P9_RWRITE, .tag = tag };
        m.u.rwrite.count = (uint32_t)done;
        if (done == 0 && err < 0) {
                m.type = LXS_P9_RLERROR;
                m.u.rlerror.ecode = (uint32_t)-err;
        }
        ssize_t n = lxs_p9_encode(&m, out, bufsize);
        return n < 0 ? (int)n : lxs_write_all(out_fd, out, (size_t)n);
}

/* One whole request at in: its reply written to out_fd, or gathered in q when more requests
 * are waiting. */
static int serve_one(struct lxs_p9_server *s, struct splicer *sp, const uint8_t *in, size_t size,
                     uint8_t *out, size_t bufsize, int out_fd, struct outq *q, bool more)
{
        if (in[4] == LXS_P9_TREAD && s->versioned) {
                struct lxs_p9_msg req;
                if (lxs_p9_decode(in, size, s->msize, &req) == (ssize_t)size) {
                        int r = outq_flush(q, out_fd);
                        if (r == 0)
                                r = read_spliced(s, sp, &req, out_fd, out);
                        if (r != 0)
                                return r < 0 ? r : 0;
                }
        }
        ssize_t n = lxs_p9_server_handle(s, in, size, out, bufsize);
        if (n < 0)
                return (int)n;
        return emit(q, out_fd, out, (size_t)n, more);
}

int lxs_p9_server_serve(struct lxs_p9_server *s, int in_fd, int out_fd)
{
        /* Sized for the largest msize the server would ever negotiate, so a whole request and
         * a whole reply always fit. */
        size_t bufsize = s->max_msize;
        _cleanup_free_ uint8_t *in = malloc(bufsize);
        _cleanup_free_ uint8_t *out = malloc(bufsize);
        _cleanup_free_ uint8_t *batch = malloc(BATCH_CAP);
        if (!in || !out || !batch)
                return -ENOMEM;
        struct outq q = { batch, 0 };
        struct splicer sp;
        splicer_init(&sp, in_fd, out_fd);
        size_t start = 0, have = 0;  /* buffered bytes: in[start, start + have) */
        int r = 0;
        for (;;) {
                ssize_t size;
                while ((size = lxs_p9_frame_len(in + start, have, s->msize)) > 0 && (size_t)size <= have) {
                        size_t rest = have - (size_t)size;
                        ssize_t next = lxs_p9_frame_len(in + start + size, rest, s->msize);
                        bool more = next > 0 && (size_t)next <= rest;
                        r = serve_one(s, &sp, in + start, (size_t)size, out, bufsize, out_fd, &q, more);
                        if (r < 0)
                                goto done;
                        start += (size_t)size;
                        have -= (size_t)size;
                }
                /* Nothing more to answer without reading: what was gathered goes out now. */
                if ((r = outq_flush(&q, out_fd)) < 0)
                        goto done;
                if (size < 0 && size != -EAGAIN) {
                        r = (int)size;
                        goto done;
                }
                if (have == 0)
                        start = 0;
                struct lxs_p9_fid *target;
                if (size > 0 && sp.from_pipe && s->versioned && have >= TWRITE_FIXED &&
                    in[start + 4] == LXS_P9_TWRITE && (target = splice_target(s, in + start, (uint32_t)size))) {
                        r = write_spliced(s, target, in + start, have, bufsize, in_fd, out, out_fd);
                        if (r < 0)
                                goto done;
                        start = have = 0;
                        continue;
                }
                size_t want = size > 0 ? (size_t)size - have : SMALL_READ;
                if (start + have + want > bufsize) {
                        memmove(in, in + start, have);
                        start = 0;
                }
                if (want > bufsize - have)
                        want = bufsize - have;
                ssize_t got = read(in_fd, in + start + have, want);
                if (got < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto done;
                }
                if (got == 0) {
                        r = have ? -EPIPE : 0;
                        goto done;
                }
                have += (size_t)got;
        }
done:
        splicer_free(&sp);
        return r;
}
