/* The utility VM's network as QEMU's user-mode NAT (slirp) lays it out by default: the contract
 * between the VM driver (which asks for the network), lxsd (which writes the distros' resolver
 * and host entries) and the guest's /init (which configures the interface without DHCP).
 * Header only; the values are QEMU's defaults for `-netdev user`. */
#ifndef LXS_NAT_LAYOUT_H
#define LXS_NAT_LAYOUT_H

#define LXS_NAT_GUEST_ADDR "10.0.2.15"
#define LXS_NAT_PREFIX_LEN 24
/* Connections to this address reach the host's own loopback. */
#define LXS_NAT_HOST_ADDR "10.0.2.2"
/* QEMU's DNS forwarder: answers from the host's resolver, whatever that is (127.0.0.53 too). */
#define LXS_NAT_DNS_ADDR "10.0.2.3"
#define LXS_NAT_DNS6_ADDR "fec0::3"

#endif
