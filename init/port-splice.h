/* Zero-copy StreamData frames from a child's pipe to the control port.
 *
 * virtio_console's splice_write hands pipe pages to the host as one virtqueue buffer, with no
 * copy in the guest, where read() + write() would copy every byte twice (each copy is expensive
 * under TCG). A frame must reach the port whole and in order, so it is assembled in two staging
 * pipes first: the data is spliced from the child's pipe into `data` (taking what is there),
 * the frame header and StreamData prefix for exactly that many bytes are written into `frame`,
 * the data spliced behind them, and then `frame` is spliced to the port in one call, which moves
 * all of it or nothing. Staging only moves page references.
 *
 * Return 0 / bytes or negative errno; nothing prints. */
#ifndef LXS_INIT_PORT_SPLICE_H
#define LXS_INIT_PORT_SPLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lxs_port_splice {
        int data[2], frame[2];  /* staging pipes, made on first use; -1 before */
        size_t staged;          /* bytes in `frame` not yet at the port */
        bool unavailable;       /* the pipes could not be made large enough: always copy */
};

void lxs_port_splice_init(struct lxs_port_splice *ps);
/* Closes the staging pipes; a staged frame is dropped (the channel is going down). */
void lxs_port_splice_reset(struct lxs_port_splice *ps);

static inline bool lxs_port_splice_pending(const struct lxs_port_splice *ps) { return ps->staged > 0; }

/* Stages one frame of StreamData{session_id, stream} with up to max bytes taken from the pipe
 * src. Returns the data bytes staged (>0), 0 at end of file of src, -EAGAIN when src is empty,
 * -EBUSY when this path cannot be used now (a frame is still staged, or no staging pipes),
 * -EIO when the staging pipes misbehaved (the channel must be dropped), other negative errno
 * from src. */
ssize_t lxs_port_splice_stage(struct lxs_port_splice *ps, uint32_t session_id, uint32_t stream, int src,
                              size_t max);

/* Moves the staged frame to the port. 0 when nothing is left staged, -EAGAIN when the port is
 * full, another negative errno when the port failed (-EIO if it lost the frame). */
int lxs_port_splice_flush(struct lxs_port_splice *ps, int port);

#endif
