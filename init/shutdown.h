/* Orderly power-off of the guest: the host's Shutdown, a fatal failure, or SIGPWR/SIGINT.
 *
 * Pending messages go out (bounded wait) and the port is closed; every other process gets
 * SIGTERM, then SIGKILL after SHUTDOWN_GRACE_MS (all of them reaped meanwhile; a distro's init
 * exits on SIGTERM once the rest of its distro has); the distros' images are unmounted, then
 * the VM's filesystems are synced and unmounted in reverse order; the machine powers off (QEMU exits). PID 1 never
 * returns from here. */
#ifndef LXS_INIT_SHUTDOWN_H
#define LXS_INIT_SHUTDOWN_H

#include "init.h"

#define LXS_SHUTDOWN_GRACE_MS 2000

/* init may be NULL (before the channel exists). */
_Noreturn void lxs_shutdown(struct lxs_init *init);

#endif
