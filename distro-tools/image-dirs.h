/* Writing the directories of an import once every entry is known (see image-dirs.c). */
#ifndef LXS_DISTRO_IMAGE_DIRS_H
#define LXS_DISTRO_IMAGE_DIRS_H

#include "image-data.h"
#include "image-tree.h"

/* Writes every new or changed directory of t and sets its size and link count. */
int image_write_dirs(ext2_filsys fs, struct data_writer *w, struct image_tree *t, char **err);

#endif
