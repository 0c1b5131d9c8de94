/* Looking inside a distro image without mounting it or booting the VM (libext2fs, read-only):
 * reading small files such as /etc/passwd, and telling whether an image holds a Linux
 * distribution at all. Paths are resolved inside the image, following the image's own
 * symlinks (absolute ones relative to the image's root), never the host's.
 * Returns 0 or negative errno; *err gets a malloc'd one-line reason; nothing prints. */
#ifndef LXS_DISTRO_IMAGE_INSPECT_H
#define LXS_DISTRO_IMAGE_INSPECT_H

#include <stddef.h>

/* Reads at most `max` bytes of the regular file at `path` inside the image, NUL-terminated.
 * -ENOENT when it is missing, -EISDIR/-EINVAL when it is not a regular file. */
int lxs_image_read_file(const char *image, const char *path, size_t max, char **out, char **err);

/* 0 when the image has a directory /etc and an executable /bin/sh (through symlinks, so a
 * merged /usr counts); -ENOEXEC with *err = "not a Linux distribution (no /bin/sh)" otherwise;
 * other negative errno when the image cannot be read (e.g. -EINVAL: not an ext4 image). */
int lxs_image_check_distro(const char *image, char **err);

/* Looks a user up in the image's /etc/passwd: a name or a decimal uid. -ENOENT if unknown. */
int lxs_image_lookup_user(const char *image, const char *user, unsigned *uid, char **err);

#endif
