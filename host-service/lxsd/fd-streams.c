/* Host fds at the ends of guest streams (fd-streams.h). */
#include "fd-streams.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lxsd.h"
#include "stream-wire.h"

struct fd_sink_chunk {
        struct fd_sink_chunk *next;
        size_t len, off;
        uint8_t data[];
};

static int queue(struct fd_sink *k, const uint8_t *data, size_t len)
{
        struct fd_sink_chunk *c = malloc(sizeof(*c) + len);
        if (!c)
                return -ENOMEM;
        c->next = NULL;
        c->len = len;
        c->off = 0;
        memcpy(c->data, data, len);
        if (k->tail)
                k->tail->next = c;
        else
                k->head = c;
        k->tail = c;
        return 0;
}

ssize_t fd_sink_write(struct fd_sink *k, int fd, const uint8_t *data, size_t len)
{
        size_t written = 0;
        if (!k->head) {
                while (written < len) {
                        ssize_t n = write(fd, data + written, len - written);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0 && errno == EAGAIN)
                                break;
                        if (n < 0)
                                return -errno;
                        written += (size_t)n;
                }
        }
        if (written < len) {
                int r = queue(k, data + written, len - written);
                if (r < 0)
                        return r;
        }
        return (ssize_t)written;
}

size_t fd_sink_drop(struct fd_sink *k)
{
        size_t bytes = 0;
        while (k->head) {
                struct fd_sink_chunk *c = k->head;
                k->head = c->next;
                bytes += c->len - c->off;
                free(c);
        }
        k->tail = NULL;
        return bytes;
}

ssize_t fd_sink_flush(struct fd_sink *k, int fd, size_t *dropped)
{
        size_t written = 0;
        *dropped = 0;
        while (k->head) {
                struct fd_sink_chunk *c = k->head;
                ssize_t n = write(fd, c->data + c->off, c->len - c->off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n < 0) {
                        int e = errno;
                        *dropped = fd_sink_drop(k);
                        return -e;
                }
                c->off += (size_t)n;
                written += (size_t)n;
                if (c->off == c->len) {
                        k->head = c->next;
                        if (!k->head)
                                k->tail = NULL;
                        free(c);
                }
        }
        return (ssize_t)written;
}

void vm_send_stream_credit(struct vm_manager *m, uint32_t id, uint32_t stream, uint32_t bytes)
{
        Lxs__Guest__StreamCredit cr = LXS__GUEST__STREAM_CREDIT__INIT;
        cr.session_id = id;
        cr.stream = (Lxs__Guest__Stream)stream;
        cr.bytes = bytes;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CREDIT;
        msg.stream_credit = &cr;
        vm_send(m, &msg.base);
}

void vm_send_stream_close(struct vm_manager *m, uint32_t id, uint32_t stream)
{
        Lxs__Guest__StreamClose sc = LXS__GUEST__STREAM_CLOSE__INIT;
        sc.session_id = id;
        sc.stream = (Lxs__Guest__Stream)stream;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CLOSE;
        msg.stream_close = &sc;
        vm_send(m, &msg.base);
}

void vm_send_signal(struct vm_manager *m, uint32_t id, int sig)
{
        Lxs__Guest__ExecSignal es = LXS__GUEST__EXEC_SIGNAL__INIT;
        es.session_id = id;
        es.signal = sig;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_SIGNAL;
        msg.exec_signal = &es;
        vm_send(m, &msg.base);
}

ssize_t vm_send_stream_from_fd(struct vm_manager *m, uint32_t id, uint32_t stream, int fd, size_t max)
{
        size_t want = max < LXS_STREAM_CHUNK ? max : LXS_STREAM_CHUNK;
        uint8_t *buf = lxs_outq_reserve(&m->out, want);
        if (!buf)
                return -errno;
        ssize_t n = read(fd, buf, want);
        if (n <= 0) {
                int e = n < 0 ? errno : 0;
                lxs_outq_cancel(&m->out);
                return e == EAGAIN || e == EINTR ? -EAGAIN : -e;
        }
        uint8_t prefix[LXS_STREAM_PREFIX_MAX];
        size_t plen = lxs_stream_prefix(prefix, LXS_STREAM_FIELD_HOST_TO_GUEST, id, stream, (size_t)n);
        int r = lxs_outq_commit(&m->out, prefix, plen, (size_t)n);
        if (r < 0)
                return r;
        vm_flush(m);
        return n;
}
