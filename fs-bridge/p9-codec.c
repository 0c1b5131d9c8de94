/* 9P2000.L codec; see p9-codec.h for the contract. Each message is described once, as a list of
 * typed fields in `layouts` (indexed by message type); one generic loop encodes and one decodes,
 * so a message's wire layout cannot differ between the two directions. */
#include "p9-codec.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

enum field_kind {
        FK_U8 = 1,
        FK_U16,
        FK_U32,
        FK_U64,
        FK_STR,
        FK_QID,
        FK_NAMES,   /* n[2] n*str, n <= MAXWELEM */
        FK_QIDS,    /* n[2] n*qid, n <= MAXWELEM */
        FK_DATA,    /* count[4] bytes */
        FK_DIRENTS, /* count[4] bytes that must parse as readdir entries */
};

struct field {
        uint8_t kind;
        uint16_t offset;
};

#define MAX_FIELDS 24

struct layout {
        bool known;
        struct field fields[MAX_FIELDS];
};

#define F(kind, member) { FK_##kind, offsetof(struct lxs_p9_msg, u.member) }
#define MSG(...) { true, { __VA_ARGS__ } }
#define EMPTY { true, { { 0, 0 } } }

static const struct layout layouts[256] = {
        [LXS_P9_RLERROR] = MSG(F(U32, rlerror.ecode)),
        [LXS_P9_TSTATFS] = MSG(F(U32, tfid.fid)),
        [LXS_P9_RSTATFS] = MSG(F(U32, rstatfs.type), F(U32, rstatfs.bsize), F(U64, rstatfs.blocks),
                               F(U64, rstatfs.bfree), F(U64, rstatfs.bavail), F(U64, rstatfs.files),
                               F(U64, rstatfs.ffree), F(U64, rstatfs.fsid), F(U32, rstatfs.namelen)),
        [LXS_P9_TLOPEN] = MSG(F(U32, tlopen.fid), F(U32, tlopen.flags)),
        [LXS_P9_RLOPEN] = MSG(F(QID, ropen.qid), F(U32, ropen.iounit)),
        [LXS_P9_TLCREATE] = MSG(F(U32, tlcreate.fid), F(STR, tlcreate.name), F(U32, tlcreate.flags),
                                F(U32, tlcreate.mode), F(U32, tlcreate.gid)),
        [LXS_P9_RLCREATE] = MSG(F(QID, ropen.qid), F(U32, ropen.iounit)),
        [LXS_P9_TSYMLINK] = MSG(F(U32, tsymlink.fid), F(STR, tsymlink.name), F(STR, tsymlink.target),
                                F(U32, tsymlink.gid)),
        [LXS_P9_RSYMLINK] = MSG(F(QID, rqid.qid)),
        [LXS_P9_TMKNOD] = MSG(F(U32, tmknod.dfid), F(STR, tmknod.name), F(U32, tmknod.mode),
                              F(U32, tmknod.major), F(U32, tmknod.minor), F(U32, tmknod.gid)),
        [LXS_P9_RMKNOD] = MSG(F(QID, rqid.qid)),
        [LXS_P9_TRENAME] = MSG(F(U32, trename.fid), F(U32, trename.dfid), F(STR, trename.name)),
        [LXS_P9_RRENAME] = EMPTY,
        [LXS_P9_TREADLINK] = MSG(F(U32, tfid.fid)),
        [LXS_P9_RREADLINK] = MSG(F(STR, rreadlink.target)),
        [LXS_P9_TGETATTR] = MSG(F(U32, tgetattr.fid), F(U64, tgetattr.request_mask)),
        [LXS_P9_RGETATTR] = MSG(F(U64, rgetattr.valid), F(QID, rgetattr.qid), F(U32, rgetattr.mode),
                                F(U32, rgetattr.uid), F(U32, rgetattr.gid), F(U64, rgetattr.nlink),
                                F(U64, rgetattr.rdev), F(U64, rgetattr.size), F(U64, rgetattr.blksize),
                                F(U64, rgetattr.blocks), F(U64, rgetattr.atime_sec),
                                F(U64, rgetattr.atime_nsec), F(U64, rgetattr.mtime_sec),
                                F(U64, rgetattr.mtime_nsec), F(U64, rgetattr.ctime_sec),
                                F(U64, rgetattr.ctime_nsec), F(U64, rgetattr.btime_sec),
                                F(U64, rgetattr.btime_nsec), F(U64, rgetattr.gen),
                                F(U64, rgetattr.data_version)),
        [LXS_P9_TSETATTR] = MSG(F(U32, tsetattr.fid), F(U32, tsetattr.valid), F(U32, tsetattr.mode),
                                F(U32, tsetattr.uid), F(U32, tsetattr.gid), F(U64, tsetattr.size),
                                F(U64, tsetattr.atime_sec), F(U64, tsetattr.atime_nsec),
                                F(U64, tsetattr.mtime_sec), F(U64, tsetattr.mtime_nsec)),
        [LXS_P9_RSETATTR] = EMPTY,
        [LXS_P9_TREADDIR] = MSG(F(U32, tio.fid), F(U64, tio.offset), F(U32, tio.count)),
        [LXS_P9_RREADDIR] = MSG(F(DIRENTS, rdata.data)),
        [LXS_P9_TFSYNC] = MSG(F(U32, tfsync.fid), F(U32, tfsync.datasync)),
        [LXS_P9_RFSYNC] = EMPTY,
        [LXS_P9_TLINK] = MSG(F(U32, tlink.dfid), F(U32, tlink.fid), F(STR, tlink.name)),
        [LXS_P9_RLINK] = EMPTY,
        [LXS_P9_TMKDIR] = MSG(F(U32, tmkdir.dfid), F(STR, tmkdir.name), F(U32, tmkdir.mode),
                              F(U32, tmkdir.gid)),
        [LXS_P9_RMKDIR] = MSG(F(QID, rqid.qid)),
        [LXS_P9_TRENAMEAT] = MSG(F(U32, trenameat.olddirfid), F(STR, trenameat.oldname),
                                 F(U32, trenameat.newdirfid), F(STR, trenameat.newname)),
        [LXS_P9_RRENAMEAT] = EMPTY,
        [LXS_P9_TUNLINKAT] = MSG(F(U32, tunlinkat.dirfid), F(STR, tunlinkat.name),
                                 F(U32, tunlinkat.flags)),
        [LXS_P9_RUNLINKAT] = EMPTY,
        [LXS_P9_TVERSION] = MSG(F(U32, version.msize), F(STR, version.version)),
        [LXS_P9_RVERSION] = MSG(F(U32, version.msize), F(STR, version.version)),
        [LXS_P9_TATTACH] = MSG(F(U32, tattach.fid), F(U32, tattach.afid), F(STR, tattach.uname),
                               F(STR, tattach.aname), F(U32, tattach.n_uname)),
        [LXS_P9_RATTACH] = MSG(F(QID, rqid.qid)),
        [LXS_P9_TFLUSH] = MSG(F(U16, tflush.oldtag)),
        [LXS_P9_RFLUSH] = EMPTY,
        [LXS_P9_TWALK] = MSG(F(U32, twalk.fid), F(U32, twalk.newfid), F(NAMES, twalk.wnames)),
        [LXS_P9_RWALK] = MSG(F(QIDS, rwalk.wqids)),
        [LXS_P9_TREAD] = MSG(F(U32, tio.fid), F(U64, tio.offset), F(U32, tio.count)),
        [LXS_P9_RREAD] = MSG(F(DATA, rdata.data)),
        [LXS_P9_TWRITE] = MSG(F(U32, twrite.fid), F(U64, twrite.offset), F(DATA, twrite.data)),
        [LXS_P9_RWRITE] = MSG(F(U32, rwrite.count)),
        [LXS_P9_TCLUNK] = MSG(F(U32, tfid.fid)),
        [LXS_P9_RCLUNK] = EMPTY,
        [LXS_P9_TREMOVE] = MSG(F(U32, tfid.fid)),
        [LXS_P9_RREMOVE] = EMPTY,
};

int lxs_p9_type_known(uint8_t type)
{
        return layouts[type].known;
}

/* ---- primitives: a cursor over a bounded buffer; overruns latch `bad` ---- */

struct cursor {
        uint8_t *w;        /* encoding */
        const uint8_t *r;  /* decoding */
        size_t pos, len;
        bool bad;
};

static bool room(struct cursor *c, size_t n)
{
        if (c->bad || c->len - c->pos < n) {
                c->bad = true;
                return false;
        }
        return true;
}

static uint64_t get_le(struct cursor *c, unsigned bytes)
{
        if (!room(c, bytes))
                return 0;
        uint64_t v = 0;
        for (unsigned i = 0; i < bytes; i++)
                v |= (uint64_t)c->r[c->pos + i] << (8 * i);
        c->pos += bytes;
        return v;
}

static void put_le(struct cursor *c, uint64_t v, unsigned bytes)
{
        if (!room(c, bytes))
                return;
        for (unsigned i = 0; i < bytes; i++)
                c->w[c->pos + i] = (uint8_t)(v >> (8 * i));
        c->pos += bytes;
}

static struct lxs_p9_str get_str(struct cursor *c)
{
        struct lxs_p9_str s = { "", 0 };
        uint16_t len = (uint16_t)get_le(c, 2);
        if (!room(c, len))
                return s;
        const char *p = (const char *)c->r + c->pos;
        if (memchr(p, '\0', len)) {
                c->bad = true;
                return s;
        }
        s.ptr = p;
        s.len = len;
        c->pos += len;
        return s;
}

static void put_bytes(struct cursor *c, const void *p, size_t n)
{
        if (!room(c, n))
                return;
        /* The caller may have produced the bytes in place already (zero-copy replies). */
        if (n && c->w + c->pos != p)
                memmove(c->w + c->pos, p, n);
        c->pos += n;
}

static void put_str(struct cursor *c, struct lxs_p9_str s)
{
        put_le(c, s.len, 2);
        put_bytes(c, s.ptr, s.len);
}

static struct lxs_p9_qid get_qid(struct cursor *c)
{
        struct lxs_p9_qid q;
        q.type = (uint8_t)get_le(c, 1);
        q.version = (uint32_t)get_le(c, 4);
        q.path = get_le(c, 8);
        return q;
}

static void put_qid(struct cursor *c, const struct lxs_p9_qid *q)
{
        put_le(c, q->type, 1);
        put_le(c, q->version, 4);
        put_le(c, q->path, 8);
}

static struct lxs_p9_data get_data(struct cursor *c)
{
        struct lxs_p9_data d = { NULL, 0 };
        uint32_t n = (uint32_t)get_le(c, 4);
        if (!room(c, n))
                return d;
        d.ptr = c->r + c->pos;
        d.len = n;
        c->pos += n;
        return d;
}

/* ---- readdir entries ---- */

size_t lxs_p9_dirent_put(uint8_t *buf, size_t cap, const struct lxs_p9_dirent *d)
{
        struct cursor c = { .w = buf, .len = cap };
        put_qid(&c, &d->qid);
        put_le(&c, d->offset, 8);
        put_le(&c, d->type, 1);
        put_str(&c, d->name);
        return c.bad ? 0 : c.pos;
}

int lxs_p9_dirent_next(struct lxs_p9_data *data, struct lxs_p9_dirent *d)
{
        if (data->len == 0)
                return 0;
        struct cursor c = { .r = data->ptr, .len = data->len };
        d->qid = get_qid(&c);
        d->offset = get_le(&c, 8);
        d->type = (uint8_t)get_le(&c, 1);
        d->name = get_str(&c);
        if (c.bad)
                return -EBADMSG;
        data->ptr += c.pos;
        data->len -= (uint32_t)c.pos;
        return 1;
}

static bool dirents_valid(struct lxs_p9_data data)
{
        struct lxs_p9_dirent d;
        int r;
        while ((r = lxs_p9_dirent_next(&data, &d)) > 0)
                ;
        return r == 0;
}

/* ---- whole messages ---- */

ssize_t lxs_p9_frame_len(const uint8_t *buf, size_t len, uint32_t max)
{
        if (len < 4)
                return -EAGAIN;
        uint32_t size = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
                        (uint32_t)buf[3] << 24;
        if (size < LXS_P9_HEADER_SIZE)
                return -EBADMSG;
        if (size > max)
                return -EMSGSIZE;
        return (ssize_t)size;
}

static void decode_field(struct cursor *c, const struct field *f, struct lxs_p9_msg *m)
{
        void *at = (char *)m + f->offset;
        switch (f->kind) {
        case FK_U8:
                *(uint8_t *)at = (uint8_t)get_le(c, 1);
                break;
        case FK_U16:
                *(uint16_t *)at = (uint16_t)get_le(c, 2);
                break;
        case FK_U32:
                *(uint32_t *)at = (uint32_t)get_le(c, 4);
                break;
        case FK_U64:
                *(uint64_t *)at = get_le(c, 8);
                break;
        case FK_STR:
                *(struct lxs_p9_str *)at = get_str(c);
                break;
        case FK_QID:
                *(struct lxs_p9_qid *)at = get_qid(c);
                break;
        case FK_NAMES: {
                struct lxs_p9_names *names = at;
                names->n = (uint16_t)get_le(c, 2);
                if (names->n > LXS_P9_MAXWELEM) {
                        c->bad = true;
                        break;
                }
                for (unsigned i = 0; i < names->n; i++)
                        names->name[i] = get_str(c);
                break;
        }
        case FK_QIDS: {
                struct lxs_p9_qids *qids = at;
                qids->n = (uint16_t)get_le(c, 2);
                if (qids->n > LXS_P9_MAXWELEM) {
                        c->bad = true;
                        break;
                }
                for (unsigned i = 0; i < qids->n; i++)
                        qids->qid[i] = get_qid(c);
                break;
        }
        case FK_DATA:
                *(struct lxs_p9_data *)at = get_data(c);
                break;
        case FK_DIRENTS: {
                struct lxs_p9_data d = get_data(c);
                if (!c->bad && !dirents_valid(d))
                        c->bad = true;
                *(struct lxs_p9_data *)at = d;
                break;
        }
        }
}

ssize_t lxs_p9_decode(const uint8_t *buf, size_t len, uint32_t msize, struct lxs_p9_msg *out)
{
        memset(out, 0, sizeof(*out));
        ssize_t size = lxs_p9_frame_len(buf, len, UINT32_MAX);
        if (size < 0)
                return size;
        if (len < LXS_P9_HEADER_SIZE)
                return -EAGAIN;
        out->type = buf[4];
        out->tag = (uint16_t)(buf[5] | buf[6] << 8);
        if ((uint64_t)size > msize)
                return -EMSGSIZE;
        if ((size_t)size > len)
                return -EAGAIN;

        const struct layout *l = &layouts[out->type];
        if (!l->known)
                return -EOPNOTSUPP;
        struct cursor c = { .r = buf, .pos = LXS_P9_HEADER_SIZE, .len = (size_t)size };
        for (const struct field *f = l->fields; f < l->fields + MAX_FIELDS && f->kind; f++)
                decode_field(&c, f, out);
        if (c.bad || c.pos != c.len)
                return -EBADMSG;
        /* A count whose answer could not fit msize would make the peer produce a message the
         * other side must refuse; stop it at the request. */
        if ((out->type == LXS_P9_TREAD || out->type == LXS_P9_TREADDIR) &&
            (uint64_t)out->u.tio.count + LXS_P9_IOHDR_SIZE > msize)
                return -EMSGSIZE;
        return size;
}

static void encode_field(struct cursor *c, const struct field *f, const struct lxs_p9_msg *m)
{
        const void *at = (const char *)m + f->offset;
        switch (f->kind) {
        case FK_U8:
                put_le(c, *(const uint8_t *)at, 1);
                break;
        case FK_U16:
                put_le(c, *(const uint16_t *)at, 2);
                break;
        case FK_U32:
                put_le(c, *(const uint32_t *)at, 4);
                break;
        case FK_U64:
                put_le(c, *(const uint64_t *)at, 8);
                break;
        case FK_STR:
                put_str(c, *(const struct lxs_p9_str *)at);
                break;
        case FK_QID:
                put_qid(c, at);
                break;
        case FK_NAMES: {
                const struct lxs_p9_names *names = at;
                put_le(c, names->n, 2);
                for (unsigned i = 0; i < names->n && i < LXS_P9_MAXWELEM; i++)
                        put_str(c, names->name[i]);
                break;
        }
        case FK_QIDS: {
                const struct lxs_p9_qids *qids = at;
                put_le(c, qids->n, 2);
                for (unsigned i = 0; i < qids->n && i < LXS_P9_MAXWELEM; i++)
                        put_qid(c, &qids->qid[i]);
                break;
        }
        case FK_DATA:
        case FK_DIRENTS: {
                const struct lxs_p9_data *d = at;
                put_le(c, d->len, 4);
                put_bytes(c, d->ptr, d->len);
                break;
        }
        }
}

ssize_t lxs_p9_encode(const struct lxs_p9_msg *m, uint8_t *buf, size_t cap)
{
        const struct layout *l = &layouts[m->type];
        if (!l->known)
                return -EINVAL;
        if ((m->type == LXS_P9_TWALK && m->u.twalk.wnames.n > LXS_P9_MAXWELEM) ||
            (m->type == LXS_P9_RWALK && m->u.rwalk.wqids.n > LXS_P9_MAXWELEM))
                return -EINVAL;
        if (cap > UINT32_MAX)
                cap = UINT32_MAX;
        struct cursor c = { .w = buf, .pos = LXS_P9_HEADER_SIZE, .len = cap };
        if (cap < LXS_P9_HEADER_SIZE)
                return -EMSGSIZE;
        for (const struct field *f = l->fields; f < l->fields + MAX_FIELDS && f->kind; f++)
                encode_field(&c, f, m);
        if (c.bad)
                return -EMSGSIZE;
        struct cursor h = { .w = buf, .len = LXS_P9_HEADER_SIZE };
        put_le(&h, c.pos, 4);
        put_le(&h, m->type, 1);
        put_le(&h, m->tag, 2);
        return (ssize_t)c.pos;
}
