/* Fuzz targets of the 9P file bridge. FUZZ_P9_TARGET selects one at build time:
 *   1 fuzz-p9-server: the input is cut into requests that go through the decoder and the
 *     server, in one session (version and attach done first), against a scratch directory
 *     the fuzzer owns; every reply must decode as the codec's own output would.
 *   2 fuzz-p9-decode: the input as a raw stream of messages through lxs_p9_frame_len and
 *     lxs_p9_decode, each decoded message re-encoded and decoded again identically.
 *   3 fuzz-p9-serve: the requests of target 1 as one byte stream through the stream loop
 *     (lxs_p9_server_serve) over two pipes, as /init runs the server, so that reads and writes
 *     take the spliced paths; every reply on the output must decode.
 *
 * Safety of target 1: the server runs with LXS_P9_SERVER_CONTAIN (walks cannot leave the
 * scratch directory) and the fuzzer drops requests to create device nodes, which would reach
 * the host's devices when run as root. The scratch tree is rebuilt every RESET_EVERY inputs so
 * that what earlier inputs created cannot grow without bound. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p9-codec.h"
#include "p9-server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MSIZE 8192u

#if FUZZ_P9_TARGET == 1 || FUZZ_P9_TARGET == 3
#include <ftw.h>
#include <pthread.h>
#include <signal.h>

#define RESET_EVERY 2000
static char scratch[64];
static int scratch_fd = -1;
static unsigned long inputs;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        remove(path);
        return 0;
}

/* A small tree with the shapes the server must be careful with: nested directories,
 * symlinks pointing up and out, a non-ASCII name. */
static void remove_scratch(void);

static void reset_scratch(void)
{
        if (scratch_fd >= 0) {
                close(scratch_fd);
                chmod(scratch, 0700);
                nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        }
        snprintf(scratch, sizeof(scratch), "/tmp/lxs-fuzz-p9.XXXXXX");
        if (!mkdtemp(scratch))
                abort();
        scratch_fd = open(scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
        static int registered;
        if (!registered++)
                atexit(remove_scratch);
        int d = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (scratch_fd < 0 || d < 0)
                abort();
        mkdirat(d, "a", 0755);
        mkdirat(d, "a/b", 0755);
        int f = openat(d, "a/file", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (f >= 0) {
                (void)!write(f, "0123456789", 10);
                close(f);
        }
        symlinkat("/", d, "abs");
        symlinkat("../..", d, "a/up");
        symlinkat("file", d, "a/rel");
        mknodat(d, "fïfo", S_IFIFO | 0600, 0);
        close(d);
}


struct src {
        const uint8_t *p;
        size_t n;
};

static uint64_t take(struct src *in, unsigned bytes)
{
        uint64_t v = 0;
        for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
                v |= (uint64_t)*in->p << (8 * i);
        return v;
}

static uint8_t take_u8(struct src *in) { return (uint8_t)take(in, 1); }
static uint16_t take_u16(struct src *in) { return (uint16_t)take(in, 2); }
static uint32_t take_u32(struct src *in) { return (uint32_t)take(in, 4); }

static const char *const names[] = { "a", "b", "file", "..", ".", "up", "rel", "abs", "fïfo", "new",
                                      "dir", "a/b", "", "ln" };

static struct lxs_p9_str take_name(struct src *in)
{
        const char *n = names[take_u8(in) % (sizeof(names) / sizeof(names[0]))];
        return (struct lxs_p9_str){ n, (uint16_t)strlen(n) };
}

static uint32_t take_fid(struct src *in)
{
        uint8_t b = take_u8(in);
        return b == 0xff ? LXS_P9_NOFID : b % 10;
}

static uint64_t take_offset(struct src *in)
{
        uint8_t b = take_u8(in);
        return b < 200 ? b : b < 250 ? (uint64_t)take_u32(in) << (b - 200) : take(in, 8);
}

static uint32_t take_flags(struct src *in)
{
        uint32_t f = take_u32(in);
        return take_u8(in) % 4 ? f & (LXS_P9_O_ACCMODE | LXS_P9_O_TRUNC | LXS_P9_O_APPEND | LXS_P9_O_EXCL |
                                      LXS_P9_O_DIRECTORY | LXS_P9_O_NOFOLLOW) : f;
}

static const uint8_t request_types[] = {
        LXS_P9_TVERSION, LXS_P9_TATTACH, LXS_P9_TWALK, LXS_P9_TLOPEN, LXS_P9_TLCREATE, LXS_P9_TREAD,
        LXS_P9_TWRITE, LXS_P9_TCLUNK, LXS_P9_TREMOVE, LXS_P9_TGETATTR, LXS_P9_TSETATTR, LXS_P9_TREADDIR,
        LXS_P9_TMKDIR, LXS_P9_TSYMLINK, LXS_P9_TMKNOD, LXS_P9_TREADLINK, LXS_P9_TLINK, LXS_P9_TRENAMEAT,
        LXS_P9_TUNLINKAT, LXS_P9_TRENAME, LXS_P9_TSTATFS, LXS_P9_TFSYNC, LXS_P9_TFLUSH,
};

static int build_request(struct src *in, struct lxs_p9_msg *m)
{
        static const uint8_t data[512];
        memset(m, 0, sizeof(*m));
        m->type = request_types[take_u8(in) % sizeof(request_types)];
        m->tag = take_u16(in);
        switch (m->type) {
        case LXS_P9_TVERSION:
                m->u.version = (struct lxs_p9_version){ 256 + take_u16(in), { "9P2000.L", (uint16_t)(take_u8(in) % 9) } };
                break;
        case LXS_P9_TATTACH:
                m->u.tattach = (struct lxs_p9_tattach){ take_fid(in), take_fid(in), { "", 0 }, take_name(in), 0 };
                break;
        case LXS_P9_TWALK:
                m->u.twalk.fid = take_fid(in);
                m->u.twalk.newfid = take_fid(in);
                m->u.twalk.wnames.n = take_u8(in) % 5;
                for (unsigned i = 0; i < m->u.twalk.wnames.n; i++)
                        m->u.twalk.wnames.name[i] = take_name(in);
                break;
        case LXS_P9_TLOPEN:
                m->u.tlopen = (struct lxs_p9_tlopen){ take_fid(in), take_flags(in) };
                break;
        case LXS_P9_TLCREATE:
                m->u.tlcreate = (struct lxs_p9_tlcreate){ take_fid(in), take_name(in), take_flags(in), take_u16(in),
                                                         take_u8(in) ? LXS_P9_NOFID : 0 };
                break;
        case LXS_P9_TREAD:
        case LXS_P9_TREADDIR:
                m->u.tio = (struct lxs_p9_tio){ take_fid(in), take_offset(in), take_u16(in) % (MSIZE - 11) };
                break;
        case LXS_P9_TWRITE:
                m->u.twrite = (struct lxs_p9_twrite){ take_fid(in), take_offset(in), { data, take_u16(in) % sizeof(data) } };
                break;
        case LXS_P9_TCLUNK:
        case LXS_P9_TREMOVE:
        case LXS_P9_TREADLINK:
        case LXS_P9_TSTATFS:
                m->u.tfid.fid = take_fid(in);
                break;
        case LXS_P9_TGETATTR:
                m->u.tgetattr = (struct lxs_p9_tgetattr){ take_fid(in), take(in, 8) };
                break;
        case LXS_P9_TSETATTR:
                m->u.tsetattr = (struct lxs_p9_tsetattr){ take_fid(in), take_u16(in) & 0x3ff, take_u16(in), (uint32_t)-1,
                                                          (uint32_t)-1, take_offset(in), take_u32(in), take_u32(in),
                                                          take_u32(in), take_u32(in) };
                break;
        case LXS_P9_TMKDIR:
                m->u.tmkdir = (struct lxs_p9_tmkdir){ take_fid(in), take_name(in), take_u16(in), LXS_P9_NOFID };
                break;
        case LXS_P9_TSYMLINK:
                m->u.tsymlink = (struct lxs_p9_tsymlink){ take_fid(in), take_name(in), take_name(in), LXS_P9_NOFID };
                break;
        case LXS_P9_TMKNOD:
                /* Regular files, fifos and sockets only: see the safety note above. */
                m->u.tmknod = (struct lxs_p9_tmknod){ take_fid(in), take_name(in),
                                                      (take_u8(in) % 2 ? S_IFIFO : S_IFREG) | 0600, 0, 0, LXS_P9_NOFID };
                break;
        case LXS_P9_TLINK:
                m->u.tlink = (struct lxs_p9_tlink){ take_fid(in), take_fid(in), take_name(in) };
                break;
        case LXS_P9_TRENAMEAT:
                m->u.trenameat = (struct lxs_p9_trenameat){ take_fid(in), take_name(in), take_fid(in), take_name(in) };
                break;
        case LXS_P9_TUNLINKAT:
                m->u.tunlinkat = (struct lxs_p9_tunlinkat){ take_fid(in), take_name(in), take_u8(in) % 2 ? LXS_P9_AT_REMOVEDIR : 0 };
                break;
        case LXS_P9_TRENAME:
                m->u.trename = (struct lxs_p9_trename){ take_fid(in), take_fid(in), take_name(in) };
                break;
        case LXS_P9_TFSYNC:
                m->u.tfsync = (struct lxs_p9_tfsync){ take_fid(in), take_u8(in) % 2 };
                break;
        case LXS_P9_TFLUSH:
                m->u.tflush.oldtag = take_u16(in);
                break;
        }
        return 0;
}

static void remove_scratch(void)
{
        if (scratch_fd >= 0) {
                chmod(scratch, 0700);
                nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        }
}

static struct lxs_p9_server *server;
static uint8_t reply[MSIZE];

#if FUZZ_P9_TARGET == 3
/* The requests of one input, streamed to the server when the input has been read. */
static uint8_t stream[1 << 20];
static size_t stream_len;

static void queue(const uint8_t *req, size_t n)
{
        if (stream_len + n <= sizeof(stream)) {
                memcpy(stream + stream_len, req, n);
                stream_len += n;
        }
}

static void *feed(void *arg)
{
        int fd = *(int *)arg;
        for (size_t done = 0; done < stream_len;) {
                ssize_t w = write(fd, stream + done, stream_len - done);
                if (w <= 0)
                        break;
                done += (size_t)w;
        }
        close(fd);
        return NULL;
}

/* Reads the server's output to the end; every frame must decode. */
static void *drain(void *arg)
{
        int fd = *(int *)arg;
        static uint8_t out[MSIZE * 4];
        size_t have = 0;
        for (;;) {
                ssize_t n = read(fd, out + have, sizeof(out) - have);
                if (n <= 0)
                        break;
                have += (size_t)n;
                ssize_t len;
                while ((len = lxs_p9_frame_len(out, have, MSIZE)) > 0 && (size_t)len <= have) {
                        struct lxs_p9_msg m;
                        if (lxs_p9_decode(out, (size_t)len, MSIZE, &m) != len)
                                abort();
                        memmove(out, out + len, have - (size_t)len);
                        have -= (size_t)len;
                }
                if (len < 0 && len != -EAGAIN)
                        abort();
        }
        close(fd);
        return NULL;
}

static void serve_stream(void)
{
        int in[2], out[2];
        signal(SIGPIPE, SIG_IGN);  /* the feeder may outlive a server that gave up */
        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
                abort();
        pthread_t f, d;
        if (pthread_create(&f, NULL, feed, &in[1]) != 0 || pthread_create(&d, NULL, drain, &out[0]) != 0)
                abort();
        (void)lxs_p9_server_serve(server, in[0], out[1]);
        close(in[0]);  /* a feeder still writing gets EPIPE */
        close(out[1]);
        pthread_join(f, NULL);
        pthread_join(d, NULL);
        stream_len = 0;
}
#endif

static __attribute__((unused)) void check_reply(ssize_t n)
{
        struct lxs_p9_msg m;
        if (n < 0)
                return;
        if (lxs_p9_decode(reply, (size_t)n, MSIZE, &m) != n)
                abort();
}

static void send_msg(const struct lxs_p9_msg *m)
{
        static uint8_t req[MSIZE];
        ssize_t n = lxs_p9_encode(m, req, sizeof(req));
        if (n < 0)
                abort();
#if FUZZ_P9_TARGET == 3
        queue(req, (size_t)n);
#else
        check_reply(lxs_p9_server_handle(server, req, (size_t)n, reply, sizeof(reply)));
#endif
}

static int harmful(const uint8_t *req, size_t len)
{
        struct lxs_p9_msg m;
        if (lxs_p9_decode(req, len, MSIZE, &m) < 0)
                return 0;
        return m.type == LXS_P9_TMKNOD && (S_ISCHR(m.u.tmknod.mode) || S_ISBLK(m.u.tmknod.mode));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (inputs++ % RESET_EVERY == 0)
                reset_scratch();
        struct lxs_p9_server_options o = { .flags = LXS_P9_SERVER_CONTAIN, .max_fids = 64, .max_msize = MSIZE };
        server = lxs_p9_server_new(scratch_fd, &o);
        if (!server)
                abort();
        struct lxs_p9_msg m = { .type = LXS_P9_TVERSION, .tag = LXS_P9_NOTAG };
        m.u.version = (struct lxs_p9_version){ MSIZE, { "9P2000.L", 8 } };
        send_msg(&m);
        m = (struct lxs_p9_msg){ .type = LXS_P9_TATTACH, .tag = 1 };
        m.u.tattach = (struct lxs_p9_tattach){ 0, LXS_P9_NOFID, { "", 0 }, { "", 0 }, 0 };
        send_msg(&m);
#if FUZZ_P9_TARGET == 3
        /* fid 9 is the scratch file, open for reading and writing, so that the input's reads
         * and writes of it (and the ones queued at the end) reach the spliced paths. */
        const char *file[2] = { "a", "file" };
        m = (struct lxs_p9_msg){ .type = LXS_P9_TWALK, .tag = 2 };
        m.u.twalk.fid = 0;
        m.u.twalk.newfid = 9;
        m.u.twalk.wnames.n = 2;
        for (int i = 0; i < 2; i++)
                m.u.twalk.wnames.name[i] = (struct lxs_p9_str){ file[i], (uint16_t)strlen(file[i]) };
        send_msg(&m);
        m = (struct lxs_p9_msg){ .type = LXS_P9_TLOPEN, .tag = 3 };
        m.u.tlopen = (struct lxs_p9_tlopen){ 9, LXS_P9_O_RDWR };
        send_msg(&m);
#endif

        /* Each request starts with a selector byte: even builds a well-formed request of a
         * chosen type from the following bytes (so random inputs reach the operations), odd
         * takes len[2] raw bytes of type, tag and body behind a matching size field. */
        struct src in = { data, size };
        static uint8_t req[MSIZE];
        while (in.n >= 2) {
                if (take_u8(&in) % 2 == 0) {
                        if (build_request(&in, &m) == 0)
                                send_msg(&m);
                        continue;
                }
                size_t len = take_u16(&in) % 600;
                if (len > in.n)
                        len = in.n;
                if (len < 3)
                        break;
                uint32_t total = (uint32_t)len + 4;
                req[0] = (uint8_t)total;
                req[1] = (uint8_t)(total >> 8);
                req[2] = req[3] = 0;
                memcpy(req + 4, in.p, len);
                in.p += len;
                in.n -= len;
                if (harmful(req, total))
                        continue;
#if FUZZ_P9_TARGET == 3
                queue(req, total);
#else
                check_reply(lxs_p9_server_handle(server, req, total, reply, sizeof(reply)));
#endif
        }
#if FUZZ_P9_TARGET == 3
        static const uint8_t bulk[4000];
        m = (struct lxs_p9_msg){ .type = LXS_P9_TWRITE, .tag = 4 };
        m.u.twrite = (struct lxs_p9_twrite){ 9, size % 5000, { bulk, (uint32_t)(size * 37 % sizeof(bulk)) } };
        send_msg(&m);
        m = (struct lxs_p9_msg){ .type = LXS_P9_TREAD, .tag = 5 };
        m.u.tio = (struct lxs_p9_tio){ 9, size % 3000, MSIZE - LXS_P9_IOHDR_SIZE };
        send_msg(&m);
        serve_stream();
#endif
        lxs_p9_server_free(server);
        return 0;
}

#else

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static uint8_t again[MSIZE * 2];
        while (size > 0) {
                ssize_t len = lxs_p9_frame_len(data, size, MSIZE);
                if (len < 0)
                        break;
                struct lxs_p9_msg m, m2;
                ssize_t r = lxs_p9_decode(data, size, MSIZE, &m);
                if (r == -EAGAIN)
                        break;
                if (r >= 0) {
                        if (r != len)
                                abort();
                        ssize_t n = lxs_p9_encode(&m, again, sizeof(again));
                        if (n != r || memcmp(again, data, (size_t)n) != 0)
                                abort();
                        if (lxs_p9_decode(again, (size_t)n, MSIZE, &m2) != n)
                                abort();
                }
                data += len;
                size -= (size_t)len;
        }
        return 0;
}

#endif
