/* A minimal 9P client for the tests: encodes a request, gets it answered either by an
 * in-process server (lxs_p9_server_handle) or over a pair of fds (the real program), and
 * decodes the reply. rpc() returns 0 for the expected reply, the negative errno of an
 * Rlerror, or -EPROTO for anything else. */
#ifndef LXS_P9_TEST_CLIENT_H
#define LXS_P9_TEST_CLIENT_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd-util.h"
#include "p9-codec.h"
#include "p9-server.h"

struct tclient {
        struct lxs_p9_server *server;  /* in-process, or NULL to use the fds */
        int to_server, from_server;
        uint32_t msize;
        uint16_t tag;
        uint8_t *req, *resp;
        struct lxs_p9_msg reply;  /* valid until the next rpc() */
        int got_reply;
};

static inline void tclient_init(struct tclient *c, struct lxs_p9_server *s, int to, int from)
{
        memset(c, 0, sizeof(*c));
        c->server = s;
        c->to_server = to;
        c->from_server = from;
        c->msize = LXS_P9_MSIZE_MAX;
        c->req = malloc(LXS_P9_MSIZE_MAX * 2);
        c->resp = malloc(LXS_P9_MSIZE_MAX);
}

static inline void tclient_free(struct tclient *c)
{
        free(c->req);
        free(c->resp);
}

/* Sends raw request bytes; fills c->reply; returns as rpc() does, for expected reply type
 * `want`. */
static inline int rpc_raw(struct tclient *c, const uint8_t *req, size_t len, uint8_t want)
{
        ssize_t n;
        c->got_reply = 0;
        if (c->server) {
                n = lxs_p9_server_handle(c->server, req, len, c->resp, LXS_P9_MSIZE_MAX);
                if (n < 0)
                        return (int)n;
        } else {
                if (lxs_write_all(c->to_server, req, len) < 0 || lxs_read_all(c->from_server, c->resp, 4) < 0)
                        return -EPIPE;
                n = lxs_p9_frame_len(c->resp, 4, LXS_P9_MSIZE_MAX);
                if (n < 0 || lxs_read_all(c->from_server, c->resp + 4, (size_t)n - 4) < 0)
                        return -EPIPE;
        }
        if (lxs_p9_decode(c->resp, (size_t)n, LXS_P9_MSIZE_MAX, &c->reply) != n)
                return -EPROTO;
        c->got_reply = 1;
        if (c->reply.type == LXS_P9_RLERROR)
                return -(int)c->reply.u.rlerror.ecode;
        return c->reply.type == want ? 0 : -EPROTO;
}

static inline int rpc(struct tclient *c, struct lxs_p9_msg *m)
{
        if (m->type != LXS_P9_TVERSION)
                m->tag = c->tag++ & 0x7fff;
        ssize_t n = lxs_p9_encode(m, c->req, LXS_P9_MSIZE_MAX * 2);
        if (n < 0)
                return (int)n;
        int r = rpc_raw(c, c->req, (size_t)n, (uint8_t)(m->type + 1));
        if (c->got_reply && c->reply.tag != m->tag)
                return -EPROTO;
        return r;
}

static inline struct lxs_p9_str tstr(const char *s)
{
        return (struct lxs_p9_str){ s, (uint16_t)strlen(s) };
}

static inline int t_version(struct tclient *c, uint32_t msize, const char *version)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TVERSION, .tag = LXS_P9_NOTAG };
        m.u.version = (struct lxs_p9_version){ msize, tstr(version) };
        return rpc(c, &m);
}

static inline int t_attach(struct tclient *c, uint32_t fid)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TATTACH };
        m.u.tattach = (struct lxs_p9_tattach){ fid, LXS_P9_NOFID, tstr("root"), tstr(""), 0 };
        return rpc(c, &m);
}

/* Walks a '/'-separated path (each piece one wire name); "" clones. */
static inline int t_walk(struct tclient *c, uint32_t fid, uint32_t newfid, const char *path)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TWALK };
        m.u.twalk.fid = fid;
        m.u.twalk.newfid = newfid;
        const char *p = path;
        while (*p && m.u.twalk.wnames.n < LXS_P9_MAXWELEM) {
                const char *e = strchr(p, '/');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                m.u.twalk.wnames.name[m.u.twalk.wnames.n++] = (struct lxs_p9_str){ p, (uint16_t)len };
                p += len + (e ? 1 : 0);
        }
        int r = rpc(c, &m);
        if (r == 0 && c->reply.u.rwalk.wqids.n != m.u.twalk.wnames.n)
                return -ENOENT;
        return r;
}

static inline int t_fidop(struct tclient *c, uint8_t type, uint32_t fid)
{
        struct lxs_p9_msg m = { .type = type };
        m.u.tfid.fid = fid;
        return rpc(c, &m);
}

static inline int t_lopen(struct tclient *c, uint32_t fid, uint32_t flags)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TLOPEN };
        m.u.tlopen = (struct lxs_p9_tlopen){ fid, flags };
        return rpc(c, &m);
}

static inline int t_lcreate(struct tclient *c, uint32_t fid, const char *name, uint32_t flags, uint32_t mode)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TLCREATE };
        m.u.tlcreate = (struct lxs_p9_tlcreate){ fid, tstr(name), flags, mode, LXS_P9_NOFID };
        return rpc(c, &m);
}

static inline int t_write(struct tclient *c, uint32_t fid, uint64_t off, const void *data, uint32_t len)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TWRITE };
        m.u.twrite = (struct lxs_p9_twrite){ fid, off, { data, len } };
        int r = rpc(c, &m);
        return r < 0 ? r : (int)c->reply.u.rwrite.count;
}

/* Reads into c->reply.u.rdata; returns the count. */
static inline int t_read(struct tclient *c, uint32_t fid, uint64_t off, uint32_t count)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TREAD };
        m.u.tio = (struct lxs_p9_tio){ fid, off, count };
        int r = rpc(c, &m);
        return r < 0 ? r : (int)c->reply.u.rdata.data.len;
}

static inline int t_getattr(struct tclient *c, uint32_t fid)
{
        struct lxs_p9_msg m = { .type = LXS_P9_TGETATTR };
        m.u.tgetattr = (struct lxs_p9_tgetattr){ fid, LXS_P9_GETATTR_BASIC };
        return rpc(c, &m);
}

#endif
