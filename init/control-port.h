/* The virtio-serial port carrying the control channel: finding it, opening it, and knowing
 * whether the host end is connected.
 *
 * The port is the /sys/class/virtio-ports/vportNpM whose `name` is LXS_CONTROL_PORT_NAME; its
 * device node is /dev/vportNpM (devtmpfs). Both appear asynchronously after virtio_console
 * probes, so waiting wakes on kernel uevents rather than sleeping blindly.
 * Return 0 / fd or negative errno; nothing prints. */
#ifndef LXS_INIT_CONTROL_PORT_H
#define LXS_INIT_CONTROL_PORT_H

#include <stdbool.h>
#include <stddef.h>

/* Looks the port up once under `class_dir` (normally /sys/class/virtio-ports); writes
 * "/dev/<vport>" to devpath. -ENOENT when it is not (yet) there. */
int lxs_control_port_find(const char *class_dir, const char *name, char *devpath, size_t size);

/* Opens a kernel uevent socket; call before loading the drivers so no event is missed.
 * Returns the fd, or negative errno (waiting then falls back to short sleeps). */
int lxs_uevent_open(void);

/* Waits up to timeout_ms for the port and opens it (O_RDWR, non-blocking, close-on-exec).
 * uevent_fd may be negative. -ETIMEDOUT when it never appears. */
int lxs_control_port_wait(int uevent_fd, const char *name, int timeout_ms, char *devpath, size_t size);

/* Opens a known port again (after the host went away). */
int lxs_control_port_open(const char *devpath);

/* Whether a host is connected to the port right now (no POLLHUP). */
bool lxs_control_port_host_connected(int fd);

/* Turns SIGIO notification of connection changes (and data) on or off for the port. */
int lxs_control_port_notify(int fd, bool on);

#endif
