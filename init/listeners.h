/* Localhost forwarding, guest side: which TCP ports listen in the VM's network namespace.
 *
 * Every distro shares that namespace, so one scan of /proc/net/tcp and /proc/net/tcp6 sees
 * every listener. A listener counts when the VM's loopback reaches it: a wildcard address
 * (0.0.0.0, ::) or a loopback one (127.0.0.1, ::1, ::ffff:127.0.0.1); the host's connections
 * come to it as connection sessions (ExecStart.connect_port, session-connect.c). Once the host
 * asks (HelloAck.localhost_forwarding), the set is scanned every LXS_LISTENERS_SCAN_MS and sent
 * as ListeningPorts whenever it changes. Nothing prints. */
#ifndef LXS_INIT_LISTENERS_H
#define LXS_INIT_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

struct lxs_loop;
struct lxs_channel;

#define LXS_LISTENERS_SCAN_MS 500u

struct lxs_port_set {
        uint16_t ports[LXS_LISTENING_PORTS_MAX];
        size_t n;
};

/* Adds to set the ports of the LISTEN lines of a /proc/net/tcp (v6: tcp6) text whose address
 * is a wildcard or loopback one; lines that do not parse, other states and other addresses are
 * skipped. Returns the number of ports that did not fit. */
size_t lxs_listeners_parse(const char *text, bool v6, struct lxs_port_set *set);

/* Sorts and dedups set. */
void lxs_port_set_normalise(struct lxs_port_set *set);


/* Starts the periodic scan, sending to ch (its current value each time: it may be reopened).
 * Calling it again does nothing. */
int lxs_listeners_start(struct lxs_loop *loop, struct lxs_channel **ch);

#endif
