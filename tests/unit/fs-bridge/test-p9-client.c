/* The 9P client with several requests in flight, against a scripted server (a thread on a
 * socketpair) that collects a batch of requests before it answers: replies in reverse order
 * reach the right callers; asynchronous reads and writes complete exactly once with their own
 * results; a reply with a tag that is not in flight, a second reply to one request, a count
 * above the one asked and a silent server each end the connection with an error for every
 * request in flight, never a hang (an alarm guards the whole test). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "fd-util.h"
#include "p9-client.h"
#include "p9-codec.h"

#define TEST "test-p9-client"
#define BATCH 8

enum script {
        REVERSE,       /* collect BATCH requests, answer them last first */
        UNKNOWN_TAG,   /* answer the first request of the batch with a tag nobody used */
        DOUBLE_REPLY,  /* answer one request twice */
        LONG_READ,     /* an Rread with more data than asked */
        SILENT,        /* collect the batch, answer nothing */
};

struct server {
        int fd;
        enum script script;
        pthread_t thread;
};

static uint8_t payload[4096];

static int send_msg(int fd, struct lxs_p9_msg *m)
{
        static uint8_t buf[16384];
        ssize_t n = lxs_p9_encode(m, buf, sizeof(buf));
        return n < 0 ? (int)n : lxs_write_all(fd, buf, (size_t)n);
}

/* Reads one request into buf; its decoded form in *m. */
static int recv_msg(int fd, uint8_t *buf, size_t cap, struct lxs_p9_msg *m)
{
        size_t have = 0;
        for (;;) {
                ssize_t size = lxs_p9_frame_len(buf, have, (uint32_t)cap);
                if (size > 0 && (size_t)size <= have)
                        return lxs_p9_decode(buf, (size_t)size, (uint32_t)cap, m) == size ? 0 : -EBADMSG;
                if (size < 0 && size != -EAGAIN)
                        return (int)size;
                size_t want = size > 0 ? (size_t)size - have : LXS_P9_HEADER_SIZE - have;
                ssize_t n = read(fd, buf + have, want);
                if (n <= 0)
                        return -EPIPE;
                have += (size_t)n;
        }
}

static void answer(int fd, const struct lxs_p9_msg *req, uint16_t tag)
{
        struct lxs_p9_msg m = { .type = (uint8_t)(req->type + 1), .tag = tag };
        switch (req->type) {
        case LXS_P9_TVERSION:
                m.u.version = (struct lxs_p9_version){ req->u.version.msize, { "9P2000.L", 8 } };
                break;
        case LXS_P9_TATTACH:
                m.u.rqid.qid = (struct lxs_p9_qid){ LXS_P9_QTDIR, 0, 1 };
                break;
        case LXS_P9_TGETATTR:
                /* The fid asked about comes back as the inode: each caller can tell its own. */
                m.u.rgetattr = (struct lxs_p9_rgetattr){ .valid = LXS_P9_GETATTR_BASIC,
                                                         .qid = { 0, 0, req->u.tgetattr.fid },
                                                         .mode = S_IFREG | 0644, .nlink = 1 };
                break;
        case LXS_P9_TREAD:
                /* As much as asked, each byte the offset's low byte (plus one more when broken). */
                m.u.rdata.data = (struct lxs_p9_data){ payload + (req->u.tio.offset & 0xff), req->u.tio.count };
                break;
        case LXS_P9_TWRITE:
                m.u.rwrite.count = req->u.twrite.data.len / 2;  /* short: the caller sees how much */
                break;
        default:
                m.type = LXS_P9_RLERROR;
                m.u.rlerror.ecode = EOPNOTSUPP;
        }
        (void)send_msg(fd, &m);
}

static void *serve(void *arg)
{
        struct server *s = arg;
        static uint8_t bufs[BATCH][16384];
        struct lxs_p9_msg reqs[BATCH];
        /* Version and attach, one at a time. */
        for (int i = 0; i < 2; i++) {
                if (recv_msg(s->fd, bufs[0], sizeof(bufs[0]), &reqs[0]) < 0)
                        return NULL;
                answer(s->fd, &reqs[0], reqs[0].tag);
        }
        for (int i = 0; i < BATCH; i++)
                if (recv_msg(s->fd, bufs[i], sizeof(bufs[i]), &reqs[i]) < 0)
                        return NULL;
        switch (s->script) {
        case REVERSE:
                for (int i = BATCH - 1; i >= 0; i--)
                        answer(s->fd, &reqs[i], reqs[i].tag);
                break;
        case UNKNOWN_TAG:
                answer(s->fd, &reqs[0], 0x7777);
                break;
        case DOUBLE_REPLY:
                answer(s->fd, &reqs[0], reqs[0].tag);
                answer(s->fd, &reqs[0], reqs[0].tag);
                break;
        case LONG_READ:
                reqs[0].u.tio.count++;
                answer(s->fd, &reqs[0], reqs[0].tag);
                break;
        case SILENT:
                break;
        }
        /* Hold the stream open until the client closes it. */
        uint8_t b;
        while (read(s->fd, &b, 1) > 0)
                ;
        return NULL;
}

static struct lxs_p9_client *start(struct server *s, enum script script, int timeout_ms)
{
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        s->fd = sv[1];
        s->script = script;
        CHECK(pthread_create(&s->thread, NULL, serve, s) == 0);
        struct lxs_p9_client_options o = { .msize = 16384, .timeout_ms = timeout_ms };
        struct lxs_p9_client *c = lxs_p9_client_connect(sv[0], &o);
        CHECK(c != NULL);
        return c;
}

static void finish(struct server *s, struct lxs_p9_client *c)
{
        lxs_p9_client_free(c);
        pthread_join(s->thread, NULL);
        close(s->fd);
}

/* ---- synchronous callers in several threads ---- */

struct getter {
        struct lxs_p9_client *c;
        uint32_t fid;
        int result;
        uint64_t ino;
};

static void *get_thread(void *arg)
{
        struct getter *g = arg;
        struct lxs_p9_rgetattr a = { 0 };
        g->result = lxs_p9_getattr(g->c, g->fid, LXS_P9_GETATTR_BASIC, &a);
        g->ino = a.qid.path;
        return NULL;
}

static void run_getters(enum script script, int want_ok, int want_err)
{
        struct server s;
        struct lxs_p9_client *c = start(&s, script, 2000);
        if (!c)
                return;
        struct getter g[BATCH];
        pthread_t t[BATCH];
        for (int i = 0; i < BATCH; i++) {
                g[i] = (struct getter){ c, 100u + (uint32_t)i, 1, 0 };
                CHECK(pthread_create(&t[i], NULL, get_thread, &g[i]) == 0);
        }
        int ok = 0, failed = 0;
        for (int i = 0; i < BATCH; i++) {
                pthread_join(t[i], NULL);
                if (g[i].result == 0) {
                        CHECK_EQ_INT(g[i].ino, g[i].fid);
                        ok++;
                } else {
                        CHECK_EQ_INT(g[i].result, want_err);
                        failed++;
                }
        }
        CHECK_EQ_INT(ok, want_ok);
        CHECK_EQ_INT(failed, BATCH - want_ok);
        CHECK(lxs_p9_client_dead(c) == (want_ok < BATCH));
        if (want_ok < BATCH) {
                struct lxs_p9_rgetattr a;
                CHECK_EQ_INT(lxs_p9_getattr(c, 1, LXS_P9_GETATTR_BASIC, &a), -EIO);
        }
        finish(&s, c);
}

/* ---- asynchronous reads and writes ---- */

struct io_result {
        atomic_int calls;
        ssize_t result;
        uint32_t asked;
        uint8_t first;
};

static void io_done(void *arg, ssize_t result, uint32_t asked, const void *data)
{
        struct io_result *r = arg;
        r->result = result;
        r->asked = asked;
        if (result > 0 && data)
                r->first = *(const uint8_t *)data;
        atomic_fetch_add(&r->calls, 1);
}

static void wait_calls(struct io_result *r, int n)
{
        for (int i = 0; i < n; i++)
                while (atomic_load(&r[i].calls) == 0)
                        usleep(1000);
}

static void run_async(enum script script)
{
        struct server s;
        struct lxs_p9_client *c = start(&s, script, 500);
        if (!c)
                return;
        struct io_result r[BATCH] = { 0 };
        static uint8_t data[1000];
        for (int i = 0; i < BATCH; i++) {
                int e = i % 2 ? lxs_p9_write_async(c, 7, 0, data, 100u * (uint32_t)(i + 1), io_done, &r[i])
                              : lxs_p9_read_async(c, 7, (uint64_t)i, 64u * (uint32_t)(i + 1), io_done, &r[i]);
                CHECK_EQ_INT(e, 0);
        }
        wait_calls(r, BATCH);
        for (int i = 0; i < BATCH; i++) {
                CHECK_EQ_INT(atomic_load(&r[i].calls), 1);
                if (script == REVERSE) {
                        CHECK_EQ_INT(r[i].result, i % 2 ? 50 * (i + 1) : 64 * (i + 1));
                        CHECK_EQ_INT(r[i].asked, i % 2 ? 100 * (i + 1) : 64 * (i + 1));
                        if (i % 2 == 0)
                                CHECK_EQ_INT(r[i].first, i);
                } else if (!(script == DOUBLE_REPLY && i == 0)) {
                        CHECK(r[i].result < 0);
                }
        }
        if (script == LONG_READ)
                CHECK_EQ_INT(r[0].result, -EIO);
        if (script == SILENT)
                CHECK_EQ_INT(r[0].result, -ETIMEDOUT);
        CHECK(lxs_p9_client_dead(c) == (script != REVERSE));
        /* Once dead nothing is sent, and no callback runs. */
        if (script != REVERSE)
                CHECK_EQ_INT(lxs_p9_read_async(c, 7, 0, 10, io_done, &r[0]), -EIO);
        /* Too much for one message is refused before anything is sent. */
        if (script == REVERSE)
                CHECK_EQ_INT(lxs_p9_read_async(c, 7, 0, 16384, io_done, &r[0]), -EMSGSIZE);
        finish(&s, c);
        for (int i = 0; i < BATCH; i++)
                CHECK_EQ_INT(atomic_load(&r[i].calls), 1);
}

int main(void)
{
        alarm(60);
        signal(SIGPIPE, SIG_IGN);
        for (size_t i = 0; i < sizeof(payload); i++)
                payload[i] = (uint8_t)i;
        run_getters(REVERSE, BATCH, 0);
        run_getters(UNKNOWN_TAG, 0, -EIO);
        run_getters(DOUBLE_REPLY, 1, -EIO);
        run_getters(SILENT, 0, -ETIMEDOUT);
        run_async(REVERSE);
        run_async(UNKNOWN_TAG);
        run_async(DOUBLE_REPLY);
        run_async(LONG_READ);
        run_async(SILENT);
        return check_result(TEST);
}
