/* Localhost forwarding, guest side: which TCP ports listen in the VM's network namespace.
 *
 * Every distro shares that namespace, so one scan of /proc/net/tcp and /proc/net/tcp6 sees
 * every listener. A port counts when something listens on it on a wildcard address (0.0.0.0,
 * ::): QEMU's forwarding delivers the host's connections to the VM's NAT address, which such a
 * listener accepts. Listeners bound to loopback only are not reachable that way and are left
 * out. Once the host asks (HelloAck.localhost_forwarding), the set is scanned every
 * LXS_LISTENERS_SCAN_MS and sent as ListeningPorts whenever it changes. Nothing prints. */
#ifndef LXS_INIT_LISTENERS_H
#define LXS_INIT_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lxs_loop;
struct lxs_channel;

#define LXS_LISTENERS_SCAN_MS 500u

/* Adds to ports[*n] (at most max) the ports of the lines of a /proc/net/tcp (v6: tcp6) text in
 * state LISTEN on a wildcard address. Lines that do not parse are skipped. Returns the number
 * of ports that did not fit. */
size_t lxs_listeners_parse(const char *text, bool v6, uint16_t *ports, size_t max, size_t *n);

/* Sorts ports[0..n) and drops duplicates; returns the new count. */
size_t lxs_listeners_normalise(uint16_t *ports, size_t n);

/* Starts the periodic scan, sending to ch (its current value each time: it may be reopened).
 * Calling it again does nothing. */
int lxs_listeners_start(struct lxs_loop *loop, struct lxs_channel **ch);

#endif
