/* The loopback address of an address family as a socket address: 127.0.0.1 or ::1 with a port.
 * Used on both sides of localhost forwarding (lxsd's listeners, /init's connections). */
#ifndef LXS_LOOPBACK_ADDR_H
#define LXS_LOOPBACK_ADDR_H

#include <stdint.h>
#include <sys/socket.h>

/* Fills *out for family AF_INET or AF_INET6 (anything else is taken as AF_INET6); returns the
 * length to pass to bind() or connect(). */
socklen_t lxs_loopback_addr(int family, uint16_t port, struct sockaddr_storage *out);

#endif
