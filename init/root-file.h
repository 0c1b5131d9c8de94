/* Files inside a distro's root, opened from PID 1 (which lives in the VM's own mount namespace)
 * through a directory fd of that root with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS):
 * absolute symlinks and `..` in the distro resolve within the distro, never to the VM's files.
 * Return an fd / 0 / length or negative errno; nothing prints. */
#ifndef LXS_INIT_ROOT_FILE_H
#define LXS_INIT_ROOT_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* path may be absolute ("/etc/passwd"); it is taken relative to the root either way. */
int lxs_root_open(int root_fd, const char *path, int flags);

/* Reads a regular file of at most max bytes into a NUL-terminated string; returns its length.
 * -EINVAL when it is not a regular file, -EFBIG when larger than max. */
int lxs_root_read(int root_fd, const char *path, size_t max, char **out);

#endif
