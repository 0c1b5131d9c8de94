/* Finding a distro's disk: the SCSI disk lxsd hot-added as target T of the VM's virtio-scsi
 * controller is the block device whose /sys/block/sd*\/device resolves to a directory named
 * "0:0:T:0" (host 0 is the only SCSI host in the VM; channel and LUN are 0). The serial number
 * is not used: QEMU's microvm did not expose it (docs/design-distro-sessions.md). A disk whose
 * SCSI device state is not "running" (being deleted after a detach) does not count.
 * Return 0 or negative errno; nothing prints. */
#ifndef LXS_INIT_DISTRO_DISK_H
#define LXS_INIT_DISTRO_DISK_H

#include <stddef.h>

/* Looks once under sysfs_root ("/sys" in the guest, a fake tree in tests) for the disk at
 * target; writes its kernel name ("sda") to name. -ENOENT when it is not there (yet). */
int lxs_disk_find(const char *sysfs_root, unsigned target, char *name, size_t size);

#endif
