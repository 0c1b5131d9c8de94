/* Importing a raw ext4 image as a distro (`lxs --import NAME DIR IMAGE --vhd`): the image is
 * copied into place keeping its holes, under a temporary name renamed only when complete, and
 * must open as ext4. Returns 0 or negative errno with *err a one-line reason; prints nothing. */
#ifndef LXS_DISTRO_IMAGE_RAW_H
#define LXS_DISTRO_IMAGE_RAW_H

#include "image.h"

/* in_fd: a regular file (holes found with SEEK_DATA) or a pipe (all-zero blocks become holes).
 * Uses o->progress, o->cancel; image_path must not exist. */
int lxs_image_import_raw(int in_fd, const char *image_path, const struct lxs_import_opts *o, char **err);

#endif
