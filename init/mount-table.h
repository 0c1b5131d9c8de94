/* Fixed mount tables of the VM's /init (mounts.c) and of each distro's container init
 * (container.c): one entry type and one way to apply it, so both read as static const tables.
 * lxs_mount_apply returns 0 or a negative errno and prints nothing. */
#ifndef LXS_INIT_MOUNT_TABLE_H
#define LXS_INIT_MOUNT_TABLE_H

#include <stdbool.h>
#include <sys/mount.h>
#include <sys/types.h>

#define LXS_NOSUID_NODEV (MS_NOSUID | MS_NODEV)

struct lxs_mount_entry {
        const char *source;
        const char *target;
        const char *fstype;
        unsigned long flags;
        const char *options;
        mode_t dir_mode;        /* of the mount point, made when missing */
        bool required;          /* nothing works without it */
        bool optional_fstype;   /* a kernel without this filesystem is not worth reporting */
};

/* Makes the mount point, then mounts. */
int lxs_mount_apply(const struct lxs_mount_entry *m);

#endif
