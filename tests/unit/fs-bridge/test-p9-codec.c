/* The 9P2000.L codec: every message type survives encode -> decode -> encode byte-identical
 * with its fields intact, and hostile bytes (truncated, oversized, malformed) are refused. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../check.h"
#include "p9-codec.h"

#define S(lit) ((struct lxs_p9_str){ lit, sizeof(lit) - 1 })
#define QID(t, v, p) ((struct lxs_p9_qid){ t, v, p })
#define MSIZE 8192u

static uint8_t dirents[256];
static const uint8_t payload[] = "some file data\0with a NUL";

static size_t make_dirents(void)
{
        struct lxs_p9_dirent a = { QID(LXS_P9_QTDIR, 1, 42), 10, 4, S("sub") };
        struct lxs_p9_dirent b = { QID(0, 0, 43), 0x7fffffffffffffffull, 8, S("fichier-é") };
        size_t n = lxs_p9_dirent_put(dirents, sizeof(dirents), &a);
        return n + lxs_p9_dirent_put(dirents + n, sizeof(dirents) - n, &b);
}

static struct lxs_p9_msg samples[64];
static size_t nsamples;

static struct lxs_p9_msg *add(uint8_t type)
{
        struct lxs_p9_msg *m = &samples[nsamples++];
        memset(m, 0, sizeof(*m));
        m->type = type;
        m->tag = (uint16_t)(0x100 + nsamples);
        return m;
}

static void build_samples(void)
{
        struct lxs_p9_msg *m;
        size_t dlen = make_dirents();
        m = add(LXS_P9_TVERSION); m->tag = LXS_P9_NOTAG; m->u.version = (struct lxs_p9_version){ 65560, S("9P2000.L") };
        m = add(LXS_P9_RVERSION); m->u.version = (struct lxs_p9_version){ 8192, S("unknown") };
        m = add(LXS_P9_TATTACH); m->u.tattach = (struct lxs_p9_tattach){ 1, LXS_P9_NOFID, S("ana"), S(""), 1000 };
        m = add(LXS_P9_RATTACH); m->u.rqid.qid = QID(LXS_P9_QTDIR, 7, 0x1122334455667788ull);
        m = add(LXS_P9_TWALK); m->u.twalk.fid = 1; m->u.twalk.newfid = 2; m->u.twalk.wnames.n = 3;
        m->u.twalk.wnames.name[0] = S("usr"); m->u.twalk.wnames.name[1] = S(".."); m->u.twalk.wnames.name[2] = S("ünï");
        m = add(LXS_P9_RWALK); m->u.rwalk.wqids.n = 2; m->u.rwalk.wqids.qid[0] = QID(0x80, 1, 2); m->u.rwalk.wqids.qid[1] = QID(2, 3, 4);
        m = add(LXS_P9_TLOPEN); m->u.tlopen = (struct lxs_p9_tlopen){ 5, LXS_P9_O_RDWR | LXS_P9_O_TRUNC };
        m = add(LXS_P9_RLOPEN); m->u.ropen = (struct lxs_p9_ropen){ QID(0, 1, 99), 8168 };
        m = add(LXS_P9_TLCREATE); m->u.tlcreate = (struct lxs_p9_tlcreate){ 5, S("new"), 0101, 0644, 100 };
        m = add(LXS_P9_RLCREATE); m->u.ropen = (struct lxs_p9_ropen){ QID(0, 0, 100), 0 };
        m = add(LXS_P9_TREAD); m->u.tio = (struct lxs_p9_tio){ 5, 5ull << 30, 4096 };
        m = add(LXS_P9_RREAD); m->u.rdata.data = (struct lxs_p9_data){ payload, sizeof(payload) };
        m = add(LXS_P9_TWRITE); m->u.twrite = (struct lxs_p9_twrite){ 5, UINT64_MAX - 1, { payload, sizeof(payload) } };
        m = add(LXS_P9_RWRITE); m->u.rwrite.count = sizeof(payload);
        m = add(LXS_P9_TCLUNK); m->u.tfid.fid = 9;
        m = add(LXS_P9_RCLUNK);
        m = add(LXS_P9_TREMOVE); m->u.tfid.fid = 10;
        m = add(LXS_P9_RREMOVE);
        m = add(LXS_P9_TGETATTR); m->u.tgetattr = (struct lxs_p9_tgetattr){ 3, LXS_P9_GETATTR_BASIC };
        m = add(LXS_P9_RGETATTR);
        m->u.rgetattr = (struct lxs_p9_rgetattr){ 0x7ff, QID(0, 0, 5), 0100644, 1000, 1001, 2, 0x0801, 6ull << 30,
                                                  4096, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
        m = add(LXS_P9_TSETATTR);
        m->u.tsetattr = (struct lxs_p9_tsetattr){ 3, 0x1ff, 0755, 1, 2, 1ull << 40, 11, 12, 13, 14 };
        m = add(LXS_P9_RSETATTR);
        m = add(LXS_P9_TREADDIR); m->u.tio = (struct lxs_p9_tio){ 4, 10, 4000 };
        m = add(LXS_P9_RREADDIR); m->u.rdata.data = (struct lxs_p9_data){ dirents, (uint32_t)dlen };
        m = add(LXS_P9_TMKDIR); m->u.tmkdir = (struct lxs_p9_tmkdir){ 4, S("dir"), 0755, 100 };
        m = add(LXS_P9_RMKDIR); m->u.rqid.qid = QID(0x80, 0, 77);
        m = add(LXS_P9_TSYMLINK); m->u.tsymlink = (struct lxs_p9_tsymlink){ 4, S("ln"), S("../target/x"), 100 };
        m = add(LXS_P9_RSYMLINK); m->u.rqid.qid = QID(2, 0, 78);
        m = add(LXS_P9_TMKNOD); m->u.tmknod = (struct lxs_p9_tmknod){ 4, S("fifo"), 010644, 1, 3, 100 };
        m = add(LXS_P9_RMKNOD); m->u.rqid.qid = QID(0, 0, 79);
        m = add(LXS_P9_TREADLINK); m->u.tfid.fid = 6;
        m = add(LXS_P9_RREADLINK); m->u.rreadlink.target = S("/etc/alternatives/x");
        m = add(LXS_P9_TLINK); m->u.tlink = (struct lxs_p9_tlink){ 4, 6, S("hard") };
        m = add(LXS_P9_RLINK);
        m = add(LXS_P9_TRENAMEAT); m->u.trenameat = (struct lxs_p9_trenameat){ 4, S("a"), 5, S("b") };
        m = add(LXS_P9_RRENAMEAT);
        m = add(LXS_P9_TUNLINKAT); m->u.tunlinkat = (struct lxs_p9_tunlinkat){ 4, S("gone"), LXS_P9_AT_REMOVEDIR };
        m = add(LXS_P9_RUNLINKAT);
        m = add(LXS_P9_TRENAME); m->u.trename = (struct lxs_p9_trename){ 6, 4, S("moved") };
        m = add(LXS_P9_RRENAME);
        m = add(LXS_P9_TSTATFS); m->u.tfid.fid = 1;
        m = add(LXS_P9_RSTATFS); m->u.rstatfs = (struct lxs_p9_rstatfs){ 0xef53, 4096, 1, 2, 3, 4, 5, 6, 255 };
        m = add(LXS_P9_TFSYNC); m->u.tfsync = (struct lxs_p9_tfsync){ 5, 1 };
        m = add(LXS_P9_RFSYNC);
        m = add(LXS_P9_TFLUSH); m->u.tflush.oldtag = 0x1234;
        m = add(LXS_P9_RFLUSH);
        m = add(LXS_P9_RLERROR); m->u.rlerror.ecode = ENOENT;
}

static int sample_index(uint8_t type)
{
        for (size_t i = 0; i < nsamples; i++)
                if (samples[i].type == type)
                        return (int)i;
        return -1;
}

static int str_eq(struct lxs_p9_str a, struct lxs_p9_str b)
{
        return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static void test_round_trips(void)
{
        for (unsigned t = 0; t < 256; t++)
                if (lxs_p9_type_known((uint8_t)t) && sample_index((uint8_t)t) < 0) {
                        fprintf(stderr, "no sample for type %u\n", t);
                        check_failures++;
                }
        for (size_t i = 0; i < nsamples; i++) {
                static uint8_t a[MSIZE], b[MSIZE];
                const struct lxs_p9_msg *m = &samples[i];
                ssize_t n = lxs_p9_encode(m, a, sizeof(a));
                CHECK(n >= 7);
                CHECK_EQ_INT(lxs_p9_frame_len(a, (size_t)n, MSIZE), n);
                struct lxs_p9_msg d;
                CHECK_EQ_INT(lxs_p9_decode(a, (size_t)n, MSIZE, &d), n);
                CHECK_EQ_INT(d.type, m->type);
                CHECK_EQ_INT(d.tag, m->tag);
                ssize_t n2 = lxs_p9_encode(&d, b, sizeof(b));
                CHECK_EQ_INT(n2, n);
                CHECK(n2 == n && memcmp(a, b, (size_t)n) == 0);
                /* Every message needs all of its bytes, and the room to encode them. */
                for (size_t cut = 0; cut < (size_t)n; cut++)
                        CHECK_EQ_INT(lxs_p9_decode(a, cut, MSIZE, &d), -EAGAIN);
                CHECK_EQ_INT(lxs_p9_encode(m, b, (size_t)n - 1), -EMSGSIZE);
                /* A size field shorter than the body leaves fields unread or cut: refused. */
                if (n > 7) {
                        a[0] = (uint8_t)(n - 1);
                        a[1] = (uint8_t)((n - 1) >> 8);
                        CHECK_EQ_INT(lxs_p9_decode(a, (size_t)n, MSIZE, &d), -EBADMSG);
                }
                /* Trailing bytes after the body are refused too. */
                n = lxs_p9_encode(m, a, sizeof(a));
                a[n] = 0;
                a[0] = (uint8_t)(n + 1);
                a[1] = (uint8_t)((n + 1) >> 8);
                CHECK_EQ_INT(lxs_p9_decode(a, (size_t)n + 1, MSIZE, &d), -EBADMSG);
        }
}

static struct lxs_p9_msg decode_sample(uint8_t type, uint8_t *buf, size_t cap)
{
        struct lxs_p9_msg d;
        ssize_t n = lxs_p9_encode(&samples[sample_index(type)], buf, cap);
        CHECK_EQ_INT(lxs_p9_decode(buf, (size_t)n, MSIZE, &d), n);
        return d;
}

static void test_fields(void)
{
        static uint8_t buf[MSIZE];
        struct lxs_p9_msg d = decode_sample(LXS_P9_TWALK, buf, sizeof(buf));
        CHECK_EQ_INT(d.u.twalk.newfid, 2);
        CHECK_EQ_INT(d.u.twalk.wnames.n, 3);
        CHECK(str_eq(d.u.twalk.wnames.name[2], S("ünï")));
        /* Zero copy: strings point into the message. */
        CHECK((const uint8_t *)d.u.twalk.wnames.name[0].ptr > buf &&
              (const uint8_t *)d.u.twalk.wnames.name[0].ptr < buf + sizeof(buf));

        d = decode_sample(LXS_P9_RGETATTR, buf, sizeof(buf));
        const struct lxs_p9_rgetattr *ga = &samples[sample_index(LXS_P9_RGETATTR)].u.rgetattr;
        CHECK_EQ_INT(d.u.rgetattr.qid.path, ga->qid.path);
        CHECK_EQ_INT(d.u.rgetattr.mode, ga->mode);
        CHECK_EQ_INT(d.u.rgetattr.gid, ga->gid);
        CHECK_EQ_INT(d.u.rgetattr.size, ga->size);
        CHECK_EQ_INT(d.u.rgetattr.ctime_nsec, ga->ctime_nsec);
        CHECK_EQ_INT(d.u.rgetattr.data_version, ga->data_version);
        d = decode_sample(LXS_P9_TSETATTR, buf, sizeof(buf));
        CHECK_EQ_INT(d.u.tsetattr.size, 1ull << 40);
        CHECK_EQ_INT(d.u.tsetattr.mtime_nsec, 14);
        d = decode_sample(LXS_P9_TWRITE, buf, sizeof(buf));
        CHECK_EQ_INT(d.u.twrite.offset, UINT64_MAX - 1);
        CHECK(d.u.twrite.data.len == sizeof(payload) && memcmp(d.u.twrite.data.ptr, payload, sizeof(payload)) == 0);
        d = decode_sample(LXS_P9_RSTATFS, buf, sizeof(buf));
        CHECK_EQ_INT(d.u.rstatfs.namelen, 255);
        CHECK_EQ_INT(d.u.rstatfs.fsid, 6);

        d = decode_sample(LXS_P9_RREADDIR, buf, sizeof(buf));
        struct lxs_p9_dirent e;
        CHECK_EQ_INT(lxs_p9_dirent_next(&d.u.rdata.data, &e), 1);
        CHECK(str_eq(e.name, S("sub")));
        CHECK_EQ_INT(e.qid.path, 42);
        CHECK_EQ_INT(e.offset, 10);
        CHECK_EQ_INT(lxs_p9_dirent_next(&d.u.rdata.data, &e), 1);
        CHECK(str_eq(e.name, S("fichier-é")));
        CHECK_EQ_INT(e.offset, 0x7fffffffffffffffull);
        CHECK_EQ_INT(lxs_p9_dirent_next(&d.u.rdata.data, &e), 0);
}

/* Builds a raw message from a body. */
static size_t raw(uint8_t *buf, uint8_t type, const void *body, size_t len)
{
        size_t n = 7 + len;
        buf[0] = (uint8_t)n; buf[1] = (uint8_t)(n >> 8); buf[2] = (uint8_t)(n >> 16); buf[3] = (uint8_t)(n >> 24);
        buf[4] = type;
        buf[5] = 0x34; buf[6] = 0x12;
        memcpy(buf + 7, body, len);
        return n;
}

static void test_hostile(void)
{
        static uint8_t buf[MSIZE * 2];
        struct lxs_p9_msg d;

        /* Framing. */
        CHECK_EQ_INT(lxs_p9_frame_len(buf, 3, MSIZE), -EAGAIN);
        memcpy(buf, "\x06\0\0\0", 4);
        CHECK_EQ_INT(lxs_p9_frame_len(buf, 4, MSIZE), -EBADMSG);
        CHECK_EQ_INT(lxs_p9_decode(buf, 7, MSIZE, &d), -EBADMSG);
        memcpy(buf, "\xff\xff\xff\xff", 4);
        CHECK_EQ_INT(lxs_p9_frame_len(buf, 4, MSIZE), -EMSGSIZE);
        CHECK_EQ_INT(lxs_p9_decode(buf, 7, MSIZE, &d), -EMSGSIZE);

        /* Unknown type: framed, so type and tag are there to answer with. */
        size_t n = raw(buf, 200, "abc", 3);
        CHECK_EQ_INT(lxs_p9_decode(buf, n, MSIZE, &d), -EOPNOTSUPP);
        CHECK_EQ_INT(d.tag, 0x1234);
        CHECK_EQ_INT(d.type, 200);
        n = raw(buf, LXS_P9_TXATTRWALK, "abc", 3);
        CHECK_EQ_INT(lxs_p9_decode(buf, n, MSIZE, &d), -EOPNOTSUPP);

        /* Larger than msize. */
        struct lxs_p9_msg m = { .type = LXS_P9_TWRITE };
        static uint8_t big[MSIZE];
        m.u.twrite.data = (struct lxs_p9_data){ big, MSIZE - 23 };
        ssize_t len = lxs_p9_encode(&m, buf, sizeof(buf));
        CHECK_EQ_INT(len, MSIZE);
        CHECK_EQ_INT(lxs_p9_decode(buf, (size_t)len, MSIZE, &d), MSIZE);
        CHECK_EQ_INT(lxs_p9_decode(buf, (size_t)len, MSIZE - 1, &d), -EMSGSIZE);

        /* Write data claiming more than the message holds. */
        uint8_t wr[16 + 4] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 'a', 'b', 'c', 'd' };
        n = raw(buf, LXS_P9_TWRITE, wr, sizeof(wr));
        CHECK_EQ_INT(lxs_p9_decode(buf, n, MSIZE, &d), -EBADMSG);
        wr[12] = 0xff; wr[13] = 0xff; wr[14] = 0xff; wr[15] = 0xff;
        n = raw(buf, LXS_P9_TWRITE, wr, sizeof(wr));
        CHECK_EQ_INT(lxs_p9_decode(buf, n, MSIZE, &d), -EBADMSG);

        /* Read counts whose answer would not fit msize. */
        m = (struct lxs_p9_msg){ .type = LXS_P9_TREAD };
        m.u.tio.count = MSIZE - LXS_P9_IOHDR_SIZE;
        len = lxs_p9_encode(&m, buf, sizeof(buf));
        CHECK_EQ_INT(lxs_p9_decode(buf, (size_t)len, MSIZE, &d), len);
        m.u.tio.count++;
        len = lxs_p9_encode(&m, buf, sizeof(buf));
        CHECK_EQ_INT(lxs_p9_decode(buf, (size_t)len, MSIZE, &d), -EMSGSIZE);
        m.type = LXS_P9_TREADDIR;
        m.u.tio.count = UINT32_MAX;
        len = lxs_p9_encode(&m, buf, sizeof(buf));
        CHECK_EQ_INT(lxs_p9_decode(buf, (size_t)len, MSIZE, &d), -EMSGSIZE);

        /* Strings: a NUL inside, a length past the end. */
        uint8_t mk[4 + 2 + 3 + 8] = { 1, 0, 0, 0, 3, 0, 'a', 0, 'b' };
        n = raw(buf, LXS_P9_TMKDIR, mk, sizeof(mk));
        CHECK_EQ_INT(lxs_p9_decode(buf, n, MSIZE, &d), -EBADMSG);
        mk[7] = 'x';
        n = raw(buf, LXS_P9_TMKDIR, mk, sizeof(mk));
        CHECK_EQ_INT(lxs_p9_decode(buf, n, MSIZE, &d), (ssize_t)n);
        mk[4] = 200;
        n = raw(buf, LXS_P9_TMKDIR, mk, sizeof(mk));
        CHECK_EQ_INT(lxs_p9_decode(buf, n, MSIZE, &d), -EBADMSG);

        /* Walks of more than 16 names. */
        m = (struct lxs_p9_msg){ .type = LXS_P9_TWALK };
        m.u.twalk.wnames.n = 16;
        for (int i = 0; i < 16; i++)
                m.u.twalk.wnames.name[i] = S("x");
        len = lxs_p9_encode(&m, buf, sizeof(buf));
        CHECK_EQ_INT(lxs_p9_decode(buf, (size_t)len, MSIZE, &d), len);
        buf[15] = 17;
        buf[len] = 1; buf[len + 1] = 0; buf[len + 2] = 'x';
        buf[0] = (uint8_t)(len + 3);
        CHECK_EQ_INT(lxs_p9_decode(buf, (size_t)len + 3, MSIZE, &d), -EBADMSG);
        m.u.twalk.wnames.n = 17;
        CHECK_EQ_INT(lxs_p9_encode(&m, buf, sizeof(buf)), -EINVAL);

        /* Readdir data that is not a whole number of entries. */
        size_t dlen = make_dirents();
        m = (struct lxs_p9_msg){ .type = LXS_P9_RREADDIR };
        m.u.rdata.data = (struct lxs_p9_data){ dirents, (uint32_t)dlen - 1 };
        len = lxs_p9_encode(&m, buf, sizeof(buf));
        CHECK_EQ_INT(lxs_p9_decode(buf, (size_t)len, MSIZE, &d), -EBADMSG);
        m.u.rdata.data.len = 5;
        len = lxs_p9_encode(&m, buf, sizeof(buf));
        CHECK_EQ_INT(lxs_p9_decode(buf, (size_t)len, MSIZE, &d), -EBADMSG);

        /* Encoding an unknown type. */
        m = (struct lxs_p9_msg){ .type = 6 };
        CHECK_EQ_INT(lxs_p9_encode(&m, buf, sizeof(buf)), -EINVAL);

        /* Garbage: never crashes, never claims more than it was given. */
        uint32_t x = 12345;
        for (int it = 0; it < 20000; it++) {
                size_t glen = 7 + it % 64;
                for (size_t i = 0; i < glen; i++) {
                        x = x * 1103515245u + 12345u;
                        buf[i] = (uint8_t)(x >> 16);
                }
                buf[0] = (uint8_t)glen; buf[1] = buf[2] = buf[3] = 0;
                if (it % 2)
                        buf[4] = samples[(size_t)it % nsamples].type;
                ssize_t r = lxs_p9_decode(buf, glen, MSIZE, &d);
                CHECK(r == (ssize_t)glen || r == -EBADMSG || r == -EOPNOTSUPP || r == -EMSGSIZE);
        }
}

int main(void)
{
        build_samples();
        test_round_trips();
        test_fields();
        test_hostile();
        return check_result("test-p9-codec");
}
