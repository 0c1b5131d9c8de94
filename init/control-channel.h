/* The guest's end of the control channel (guest.proto over the "lxs.control" port).
 *
 * Owns the port fd: frames in (common/frame.h, decoded and bounds-checked by protocol.h), frames
 * out through an outq flushed as the port accepts them, all driven by the event loop. It sends
 * Hello as soon as a host is connected, waits for HelloAck (dropping whole messages that arrive
 * before it: leftovers the host sent to the previous conversation), and hands every later
 * message to ops->message. When the host goes away (EOF, EIO, hang-up) or breaks the protocol
 * (malformed or oversized frame), the channel
 * reports the violation, tells ops->down (sessions die with it), reopens the port and waits,
 * without polling, for a host to connect again; then it says Hello again.
 * Functions return 0 or negative errno; nothing prints except failures through report.h. */
#ifndef LXS_INIT_CONTROL_CHANNEL_H
#define LXS_INIT_CONTROL_CHANNEL_H

#include <stdbool.h>
#include <sys/types.h>

#include "protocol.h"

struct lxs_loop;
struct lxs_channel;

struct lxs_channel_ops {
        /* The host's answer to Hello; the channel is ready when ack->accepted. */
        void (*hello_ack)(struct lxs_channel *ch, const Lxs__Guest__HelloAck *ack, void *data);
        /* Any message after the handshake. */
        void (*message)(struct lxs_channel *ch, const Lxs__Guest__HostToGuest *msg, void *data);
        /* The host is gone or the channel was closed on a violation, after the handshake. */
        void (*down)(struct lxs_channel *ch, void *data);
};

/* Takes ownership of fd, an open port (see control-port.h); devpath is used to reopen it. */
int lxs_channel_new(struct lxs_loop *loop, int fd, const char *devpath, const struct lxs_channel_ops *ops,
                    void *data, struct lxs_channel **ret);
void lxs_channel_free(struct lxs_channel *ch);

/* Queues a message and writes what the port takes now. -ENOTCONN when no host is listening
 * (the message is dropped: sessions die with the channel anyway). */
int lxs_channel_send(struct lxs_channel *ch, const Lxs__Guest__GuestToHost *msg);

/* Bulk stream data without copies in user space: reserve room for up to max data bytes, read
 * them into it, then commit with the StreamData prefix (proto/stream-wire.h), which queues and
 * writes the frame. NULL + errno (ENOTCONN when no host listens) when there is no room;
 * lxs_channel_cancel drops an unused reservation. */
uint8_t *lxs_channel_reserve(struct lxs_channel *ch, size_t max);
int lxs_channel_commit(struct lxs_channel *ch, const uint8_t *prefix, size_t prefix_len, size_t len);
void lxs_channel_cancel(struct lxs_channel *ch);

/* Sends up to max bytes waiting in the pipe src as StreamData without copying them
 * (port-splice.h). Returns the bytes sent (>0), 0 at end of file of src, -EAGAIN when src is
 * empty, -EBUSY when output is queued ahead (use lxs_channel_reserve then), -ENOTCONN when no
 * host listens, other negative errno from src. */
ssize_t lxs_channel_splice_data(struct lxs_channel *ch, uint32_t session_id, uint32_t stream, int src, size_t max);

/* True after an accepted HelloAck, until the channel goes down. */
bool lxs_channel_ready(const struct lxs_channel *ch);

/* The port signalled (SIGIO): a host may have connected. */
void lxs_channel_port_changed(struct lxs_channel *ch);

/* Handles one frame payload as if it had been read from the port (fuzzers, tests). */
void lxs_channel_handle_frame(struct lxs_channel *ch, const uint8_t *payload, size_t len);

/* Writes out what is queued, waiting up to timeout_ms, then closes the port. For power-off. */
void lxs_channel_close(struct lxs_channel *ch, int timeout_ms);

/* A report.h sink that sends failures as GuestFailure; data is the channel. */
void lxs_channel_failure_sink(const char *stage, int errno_value, const char *detail, bool fatal,
                              void *data);

#endif
