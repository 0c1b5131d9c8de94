/* Host ends of guest streams (guest.proto StreamData and its control messages), shared by
 * process sessions (sessions.c), host programs (host-exec.c) and forwarded connections
 * (forward-conn.c).
 *
 * An fd_sink holds the guest's bytes that a nonblocking fd (a pipe, a pty master, a socket) has
 * not taken yet; the caller grants the guest credit for what was written, so the queue never
 * holds more than the credit it gave. vm_send_stream_from_fd reads an fd straight into the
 * VM channel's queue behind a StreamData prefix (no intermediate copy). Return 0 / bytes or
 * negative errno; nothing prints. */
#ifndef LXSD_FD_STREAMS_H
#define LXSD_FD_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vm_manager;
struct fd_sink_chunk;

struct fd_sink {
        struct fd_sink_chunk *head, *tail;
};

static inline bool fd_sink_empty(const struct fd_sink *k)
{
        return k->head == NULL;
}

/* Writes what fd takes now (straight from data when nothing is queued) and queues the rest.
 * Returns the bytes written now (>= 0); -ENOMEM when the rest could not be queued (nothing of
 * it is); another negative errno when fd failed (EPIPE: its reader is gone; nothing queued). */
ssize_t fd_sink_write(struct fd_sink *k, int fd, const uint8_t *data, size_t len);
/* Writes queued bytes until fd would block. Returns the bytes written (>= 0), or the negative
 * errno of a failed write, after which the queue is dropped and *dropped counts its bytes. */
ssize_t fd_sink_flush(struct fd_sink *k, int fd, size_t *dropped);
/* Empties the queue; returns the bytes it held. */
size_t fd_sink_drop(struct fd_sink *k);

/* StreamCredit, StreamClose and ExecSignal towards the guest, queued on the VM's channel. */
void vm_send_stream_credit(struct vm_manager *m, uint32_t id, uint32_t stream, uint32_t bytes);
void vm_send_stream_close(struct vm_manager *m, uint32_t id, uint32_t stream);
void vm_send_signal(struct vm_manager *m, uint32_t id, int sig);

/* Sends up to max bytes read from fd as StreamData{id, stream} towards the guest. Returns the
 * bytes sent, 0 at end of file, -EAGAIN when fd has nothing now, another negative errno. */
ssize_t vm_send_stream_from_fd(struct vm_manager *m, uint32_t id, uint32_t stream, int fd, size_t max);

#endif
