/* Localhost forwarding for servers that listen on the VM's loopback only (127.0.0.1 or ::1).
 *
 * QEMU delivers forwarded connections to the VM's NAT address, which such a server does not
 * accept. A relay (common/tcp-relay.h), a forked child of /init so PID 1 moves no data, listens
 * on the NAT address, same port (no collision with the server's loopback address), and joins
 * each connection to the server. /init ends it when the server's port closes. Nothing prints. */
#ifndef LXS_INIT_PORT_RELAY_H
#define LXS_INIT_PORT_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Binds the NAT address on port (before forking, so a failure is known at once), then forks
 * the relay. *pidfd gets a pidfd of the child. Returns its pid or negative errno. v6: the server
 * listens on ::1 rather than 127.0.0.1. */
pid_t lxs_port_relay_start(uint16_t port, bool v6, int *pidfd);

#endif
