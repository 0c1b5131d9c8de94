/* Host folders shared into the VM (virtio-9p devices QEMU was started with; HelloAck names them).
 *
 * Once the host has named them and the 9p modules are in, each is mounted at
 * LXS_SHARES_DIR + its host path (a tmpfs of its own, so a distro's container can clone the
 * whole tree and attach it at its automount root). Mounting happens once per VM, before any
 * distro starts (the 9p modules load in the `disk` phase, which distros wait for anyway).
 * The host is trusted for what it shares, but a path must still look like a canonical absolute
 * path: it becomes a directory name here and a prefix for working-directory translation.
 * Failures are reported through report.h; nothing else prints. */
#ifndef LXS_INIT_SHARES_H
#define LXS_INIT_SHARES_H

#include <stdbool.h>
#include <stddef.h>

#include "protocol.h"

#define LXS_SHARES_DIR "/run/lxs/host"

/* True when path is absolute, at most LXS_SHARE_PATH_MAX bytes, and has no empty, "." or ".."
 * component and no trailing slash ("/" itself is fine). */
bool lxs_share_path_valid(const char *path);

/* Takes the shares of a HelloAck (the first one per VM counts; later ones are ignored, QEMU's
 * devices do not change). Invalid entries are reported and left out. */
void lxs_shares_set(const Lxs__Guest__HelloAck *ack);

/* The 9p modules are loaded: shares named by then (or later) get mounted. */
void lxs_shares_modules_ready(void);

/* Whether at least one share is mounted under LXS_SHARES_DIR. */
bool lxs_shares_mounted(void);

/* Where host_path appears below automount_root when it lies inside a mounted share: 1 with a
 * malloc'd *out, 0 when it is in none, -ENOMEM. Pure apart from the share list. */
int lxs_shares_translate(const char *host_path, const char *automount_root, char **out);

/* The host directory holding each distro's file view (HelloAck.view_root), NULL if none. */
const char *lxs_shares_view_root(void);

/* Up to max mounted shares' host paths (pointers into the list, valid for the VM's life). */
size_t lxs_shares_list(const char **paths, size_t max);

#endif
