/* The host's view of a distro's files at $runtime/mnt/NAME (docs/design-file-bridge.md).
 *
 * lxs_cmd_mount_view (the hidden `lxs --mount-view NAME`, started by lxsd when a distro becomes
 * Running): mounts the view, relays it to lxs-9p-server in the distro through a background
 * session, and when either side ends unmounts, removes the mount point and returns 0. Only one
 * view per distro: it returns 0 at once while another view of NAME serves, and waits (up to 10 s)
 * for the view of the distro's previous run to finish unmounting.
 *
 * lxs_cmd_path (`lxs --path [-d NAME] LINUX_PATH`): prints where LINUX_PATH of the distro is on
 * the host. Both print their errors ("lxs: ...") and return the exit status. */
#ifndef LXS_CLI_VIEWS_H
#define LXS_CLI_VIEWS_H

#include "options.h"

int lxs_cmd_mount_view(const char *name);
int lxs_cmd_path(const struct lxs_options *o);

#endif
