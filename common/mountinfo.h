/* Whether something is mounted at a path, from /proc/self/mountinfo (this mount namespace).
 * Used by lxsd and the CLI for the host's distro views ($runtime/mnt/NAME). path must be
 * absolute and as the kernel reports it (no trailing slash, symlinks resolved).
 * Returns 1 (mounted), 0 (not) or a negative errno. */
#ifndef LXS_MOUNTINFO_H
#define LXS_MOUNTINFO_H

int lxs_mounted_at(const char *path);

#endif
