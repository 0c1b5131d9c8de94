/* Fuzz target of the host's 9P client: the input plays a hostile server. After a valid
 * Rversion and Rattach (so the input reaches the requests behind them), the input becomes the
 * server's reply stream: either raw bytes, or (first byte even) a list of
 * [type][tag-ok][len][body] records each framed with a correct size, so random bodies get past
 * the framing into the per-message checks. The client then runs one of each request; it must
 * neither crash nor block (the stream ends with EOF; the reply timeout is short). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p9-client.h"
#include "p9-server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STREAM_CAP 65536u

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

static size_t build_stream(const uint8_t *data, size_t size, uint8_t *out)
{
        static const uint8_t rversion[] = { 0x00, 0x20, 0, 0, 8, 0, '9', 'P', '2', '0', '0', '0', '.', 'L' };
        static const uint8_t rattach[13] = { LXS_P9_QTDIR };
        size_t n = put_msg(out, STREAM_CAP, LXS_P9_RVERSION, LXS_P9_NOTAG, rversion, sizeof(rversion));
        n += put_msg(out + n, STREAM_CAP - n, LXS_P9_RATTACH, 1, rattach, sizeof(rattach));
        if (size == 0)
                return n;
        if (data[0] & 1) {
                size_t len = size - 1 < STREAM_CAP - n ? size - 1 : STREAM_CAP - n;
                memcpy(out + n, data + 1, len);
                return n + len;
        }
        size_t i = 1;
        while (i + 3 <= size) {
                uint8_t type = data[i], tag_ok = data[i + 1], len = data[i + 2];
                i += 3;
                if (len > size - i)
                        len = (uint8_t)(size - i);
                size_t w = put_msg(out + n, STREAM_CAP - n, type, tag_ok & 1 ? 1 : tag_ok, data + i, len);
                if (w == 0)
                        break;
                n += w;
                i += len;
        }
        return n;
}

static int count_entry(void *userdata, const struct lxs_p9_dirent *d, const char *name)
{
        (void)d;
        *(size_t *)userdata += strlen(name);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static uint8_t stream[STREAM_CAP];
        size_t len = build_stream(data, size, stream);
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        int buf = 1 << 20;
        setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
        setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
        /* The whole reply stream is queued up front, then EOF: the client can never wait. */
        if (write(sv[1], stream, len) != (ssize_t)len)
                abort();
        shutdown(sv[1], SHUT_WR);

        struct lxs_p9_client_options opts = { .msize = 8192, .timeout_ms = 200 };
        struct lxs_p9_client *c = lxs_p9_client_connect(sv[0], &opts);
        if (c) {
                const char *names[2] = { "a", "b" };
                uint32_t fid = 0;
                struct lxs_p9_qid qid;
                struct lxs_p9_rgetattr attr;
                struct lxs_p9_rstatfs sfs;
                uint8_t io[8192];
                char *target = NULL;
                size_t sum = 0;
                (void)lxs_p9_walk(c, lxs_p9_client_root_fid(c), 2, names, &fid, &qid);
                (void)lxs_p9_getattr(c, fid, LXS_P9_GETATTR_BASIC, &attr);
                (void)lxs_p9_lopen(c, fid, LXS_P9_O_RDWR, &qid, NULL);
                (void)lxs_p9_read(c, fid, 0, io, sizeof(io));
                (void)lxs_p9_write(c, fid, 1ull << 33, io, 100);
                (void)lxs_p9_readdir(c, fid, 0, sizeof(io), count_entry, &sum);
                if (lxs_p9_readlink(c, fid, &target) == 0)
                        free(target);
                (void)lxs_p9_statfs(c, fid, &sfs);
                (void)lxs_p9_mkdir(c, fid, "d", 0755, LXS_P9_NOFID, &qid);
                (void)lxs_p9_clunk(c, fid);
                (void)lxs_p9_fsync(c, fid, true);
                lxs_p9_client_free(c);
        }
        close(sv[1]);
        return 0;
}
