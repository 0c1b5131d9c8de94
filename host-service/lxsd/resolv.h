/* The /etc/resolv.conf lxsd gives distros ([network] generateResolvConf in a distro's lxs.conf
 * can refuse it). Under the NAT network the host's nameservers are useless in the guest (often
 * a stub on the host's 127.0.0.53), so they are replaced by QEMU's DNS forwarder, which asks the
 * host's resolver; the host's search domains and options are kept. Pure; nothing prints. */
#ifndef LXSD_RESOLV_H
#define LXSD_RESOLV_H

#include <stdbool.h>

/* A malloc'd resolv.conf for the guest from the host's text (NULL if the host has none), or
 * NULL with errno. */
char *lxsd_guest_resolv_conf(const char *host_text, bool nat);

#endif
