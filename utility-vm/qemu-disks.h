/* QEMU driver internals: hot-adding distro disks through QMP (see vm.h attach_disk). */
#ifndef LXS_QEMU_DISKS_H
#define LXS_QEMU_DISKS_H

#include "vm.h"

int lxs_qemu_attach_disk(struct lxs_vm *vm, unsigned target, const char *path, char **err_detail);
int lxs_qemu_detach_disk(struct lxs_vm *vm, unsigned target, char **err_detail);

#endif
