/* Fuzz target of the host's 9P client: the input plays a hostile server. A server thread answers
 * Tversion and Tattach properly (so the input reaches the requests behind them), then answers
 * each request the client sends with the input: either raw bytes (first byte odd), or a list of
 * [type][tag-ok][len][body] records each framed with a correct size and, when tag-ok is odd,
 * the tag of the request it answers, so random bodies get past the framing and the tag check
 * into the per-message checks. The client runs one of each request, synchronous and
 * asynchronous, several in flight at once; it must neither crash nor block (the stream ends
 * with EOF; the reply timeout is short), and every asynchronous request completes once. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p9-client.h"
#include "p9-server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t put_msg(uint8_t *out, size_t cap, uint8_t type, uint16_t tag, const uint8_t *body, size_t len)
{
        size_t total = LXS_P9_HEADER_SIZE + len;
        if (total > cap)
                return 0;
        out[0] = (uint8_t)total;
        out[1] = (uint8_t)(total >> 8);
        out[2] = (uint8_t)(total >> 16);
        out[3] = (uint8_t)(total >> 24);
        out[4] = type;
        out[5] = (uint8_t)tag;
        out[6] = (uint8_t)(tag >> 8);
        memcpy(out + LXS_P9_HEADER_SIZE, body, len);
        return total;
}

struct fuzz_server {
        int fd;
        const uint8_t *data;
        size_t size;
};

/* Reads one whole request; its tag, or -1 at EOF or on garbage. */
static int read_request(int fd, uint8_t *buf, size_t cap)
{
        size_t have = 0, want = LXS_P9_HEADER_SIZE;
        while (have < want) {
                ssize_t n = read(fd, buf + have, want - have);
                if (n <= 0)
                        return -1;
                have += (size_t)n;
                if (have == LXS_P9_HEADER_SIZE) {
                        want = (size_t)buf[0] | (size_t)buf[1] << 8 | (size_t)buf[2] << 16 | (size_t)buf[3] << 24;
                        if (want < LXS_P9_HEADER_SIZE || want > cap)
                                return -1;
                }
        }
        return buf[5] | buf[6] << 8;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w <= 0)
                        return;
                p += w;
                n -= (size_t)w;
        }
}

/* Answers version and attach properly, then each request with the next record of the input
 * (or everything raw at once), then EOF. */
static void play(struct fuzz_server *s, uint8_t *req, size_t cap)
{
        static const uint8_t rversion[] = { 0x00, 0x20, 0, 0, 8, 0, '9', 'P', '2', '0', '0', '0', '.', 'L' };
        static const uint8_t rattach[13] = { LXS_P9_QTDIR };
        uint8_t out[512];
        int tag = read_request(s->fd, req, cap);
        if (tag < 0)
                return;
        write_all(s->fd, out, put_msg(out, sizeof(out), LXS_P9_RVERSION, (uint16_t)tag, rversion, sizeof(rversion)));
        if ((tag = read_request(s->fd, req, cap)) < 0)
                return;
        write_all(s->fd, out, put_msg(out, sizeof(out), LXS_P9_RATTACH, (uint16_t)tag, rattach, sizeof(rattach)));
        const uint8_t *data = s->data;
        size_t size = s->size;
        if (size == 0)
                return;
        if (data[0] & 1) {
                write_all(s->fd, data + 1, size - 1);
                return;
        }
        size_t i = 1;
        while (i + 3 <= size && (tag = read_request(s->fd, req, cap)) >= 0) {
                uint8_t type = data[i], tag_ok = data[i + 1], len = data[i + 2];
                i += 3;
                if (len > size - i)
                        len = (uint8_t)(size - i);
                write_all(s->fd, out, put_msg(out, sizeof(out), type, tag_ok & 1 ? (uint16_t)tag : tag_ok, data + i, len));
                i += len;
        }
}

static void *fuzz_serve(void *arg)
{
        struct fuzz_server *s = arg;
        static uint8_t req[65536];
        play(s, req, sizeof(req));
        shutdown(s->fd, SHUT_WR);
        /* Drain until the client closes, so that it never blocks on a full socket. */
        while (read(s->fd, req, sizeof(req)) > 0)
                ;
        return NULL;
}

static void io_done(void *arg, ssize_t result, uint32_t asked, const void *data)
{
        if (result > 0 && (size_t)result > asked)
                abort();
        (*(int *)arg)++;
}

static int count_entry(void *userdata, const struct lxs_p9_dirent *d, const char *name)
{
        (void)d;
        *(size_t *)userdata += strlen(name);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        struct fuzz_server srv = { sv[1], data, size };
        pthread_t server;
        if (pthread_create(&server, NULL, fuzz_serve, &srv) != 0)
                abort();

        struct lxs_p9_client_options opts = { .msize = 8192, .timeout_ms = 200 };
        struct lxs_p9_client *c = lxs_p9_client_connect(sv[0], &opts);
        int completions = 0, sent = 0;
        if (c) {
                const char *names[2] = { "a", "b" };
                uint32_t fid = 0, fid2 = 0;
                struct lxs_p9_qid qid;
                struct lxs_p9_rgetattr attr;
                struct lxs_p9_rstatfs sfs;
                static uint8_t io[8192];
                char *target = NULL;
                size_t sum = 0;
                (void)lxs_p9_walk(c, lxs_p9_client_root_fid(c), 2, names, &fid, &qid);
                (void)lxs_p9_getattr(c, fid, LXS_P9_GETATTR_BASIC, &attr);
                (void)lxs_p9_lopen(c, fid, LXS_P9_O_RDWR, &qid, NULL);
                (void)lxs_p9_read(c, fid, 0, io, sizeof(io));
                (void)lxs_p9_write(c, fid, 1ull << 33, io, 100);
                for (int i = 0; i < 3; i++) {
                        sent += lxs_p9_read_async(c, fid, (uint64_t)i << 12, 4096, io_done, &completions) == 0;
                        sent += lxs_p9_write_async(c, fid, (uint64_t)i << 12, io, 1000, io_done, &completions) == 0;
                }
                (void)lxs_p9_readdir(c, fid, 0, sizeof(io), count_entry, &sum);
                if (lxs_p9_readlink(c, fid, &target) == 0)
                        free(target);
                (void)lxs_p9_statfs(c, fid, &sfs);
                (void)lxs_p9_mkdir(c, fid, "d", 0755, LXS_P9_NOFID, &qid);
                if (lxs_p9_walk_getattr(c, fid, "e", LXS_P9_GETATTR_BASIC, &fid2, &qid, &attr) == 0)
                        lxs_p9_clunk_async(c, fid2);
                if (lxs_p9_clone_open(c, fid, LXS_P9_O_RDONLY, &fid2) == 0)
                        (void)lxs_p9_clunk(c, fid2);
                (void)lxs_p9_clunk(c, fid);
                (void)lxs_p9_fsync(c, fid, true);
                lxs_p9_client_free(c);
        }
        /* Every asynchronous request sent has completed once by the time the client is freed. */
        if (completions != sent)
                abort();
        pthread_join(server, NULL);
        close(sv[1]);
        return 0;
}
