/* Applying one entry of a fixed mount table; see mount-table.h. */
#include "mount-table.h"

#include <errno.h>
#include <sys/stat.h>

int lxs_mount_apply(const struct lxs_mount_entry *m)
{
        if (mkdir(m->target, m->dir_mode) < 0 && errno != EEXIST)
                return -errno;
        if (mount(m->source, m->target, m->fstype, m->flags, m->options) < 0)
                return -errno;
        return 0;
}
