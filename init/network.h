/* The utility VM's network, shared by every distro (containers keep the VM's network
 * namespace, as WSL's distros do).
 *
 * Loopback is brought up at boot: servers in distros listen on 127.0.0.1. When QEMU gave the VM
 * a NIC on its user-mode NAT, the first non-loopback interface gets the fixed layout of
 * common/nat-layout.h (address, /24, default route to QEMU's gateway) with ioctls once its
 * driver is loaded: no DHCP client and no round trips at boot. IPv6 comes from QEMU's router
 * advertisements (the kernel's SLAAC). Nothing prints; errors are negative errno. */
#ifndef LXS_INIT_NETWORK_H
#define LXS_INIT_NETWORK_H

#include <stddef.h>

int lxs_network_loopback_up(void);

/* Configures the NAT interface if there is one (0 and nothing done if not); on failure,
 * detail names the step. */
int lxs_network_nat_setup(char *detail, size_t detail_size);

#endif
