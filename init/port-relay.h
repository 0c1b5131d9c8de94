/* Localhost forwarding for servers that listen on the VM's loopback only (127.0.0.1 or ::1).
 *
 * QEMU delivers forwarded connections to the VM's NAT address, which such a server does not
 * accept. A relay process listens on the NAT address, same port, and joins each connection to
 * the server's loopback address: one forked child of /init per port (PID 1 moves no data), a
 * poll loop over nonblocking sockets, a buffer per direction so a peer that stops reading
 * holds only its own connection, half-close passed on with shutdown(SHUT_WR). The child exits
 * when its listening socket fails; /init ends it when the server's port closes. Nothing prints. */
#ifndef LXS_INIT_PORT_RELAY_H
#define LXS_INIT_PORT_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Connections one relay carries at once; more wait in the listen backlog. */
#define LXS_RELAY_MAX_CONNS 256

/* Binds the NAT address on port (before forking, so a failure is known at once), then forks
 * the relay. *pidfd gets a pidfd of the child. Returns its pid or negative errno. v6: the server
 * listens on ::1 rather than 127.0.0.1. */
pid_t lxs_port_relay_start(uint16_t port, bool v6, int *pidfd);

/* The relay loop on an already listening socket, joining connections to the loopback address
 * of `port`; returns only on a fatal error of the listening socket. Exposed for tests. */
int lxs_port_relay_run(int listen_fd, uint16_t port, bool v6);

#endif
