/* QEMU driver internals: host loopback ports forwarded into the VM (see vm.h forward_port). */
#ifndef LXS_QEMU_FORWARD_H
#define LXS_QEMU_FORWARD_H

#include <stdbool.h>
#include <stdint.h>

#include "vm.h"

int lxs_qemu_forward_port(struct lxs_vm *vm, uint16_t port, bool on, char **err_detail);
/* Ends the [::1] relays of a VM that is going (lxs_vm_release). */
void lxs_qemu_forward_release(struct lxs_vm *vm);

/* The HMP command line that adds (on) or removes the rule for port; exposed for tests. */
int lxs_qemu_forward_command(uint16_t port, bool on, char *out, size_t size);

#endif
