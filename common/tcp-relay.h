/* A TCP relay process: accepts on a listening socket and joins each connection to a fixed
 * target address. Used where a listener cannot be where its clients arrive: in the guest, for
 * servers on the VM's loopback only (init/port-relay.h), and on the host, for the host's [::1]
 * side of localhost forwarding (lxsd).
 *
 * One process, a poll loop over nonblocking sockets, a buffer per direction so a peer that stops
 * reading holds only its own connection, end-of-file passed on with shutdown(SHUT_WR), a
 * connection the target refuses closed at once. Nothing prints. */
#ifndef LXS_TCP_RELAY_H
#define LXS_TCP_RELAY_H

#include <sys/socket.h>
#include <sys/types.h>

/* Connections one relay carries at once; more wait in the listen backlog. */
#define LXS_RELAY_MAX_CONNS 256

/* The relay loop; returns only on a fatal error of the listening socket (negative errno). */
int lxs_tcp_relay_run(int listen_fd, const struct sockaddr *to, socklen_t to_len);

/* Forks a relay on listen_fd (which the caller then closes) with nothing else of the caller's
 * open and default signal handling; *pidfd gets a pidfd for it. Returns its pid or negative
 * errno. The caller reaps it. */
pid_t lxs_tcp_relay_spawn(int listen_fd, const struct sockaddr *to, socklen_t to_len, int *pidfd);

#endif
