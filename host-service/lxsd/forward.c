/* Localhost forwarding, host side (docs/design-network.md): the guest reports the ports that
 * listen in the VM (ListeningPorts, the whole set each time it changes); lxsd diffs that against
 * what it forwards and asks the VM driver to add or remove forwards. A port the host already
 * uses is skipped with a log line. The guest is untrusted: the message was bounds-checked
 * (ascending, distinct, at most LXS_LISTENING_PORTS_MAX), and a forward only ever binds the
 * host's loopback. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "lxsd.h"

static bool in_set(const uint16_t *set, size_t n, uint16_t port)
{
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (set[mid] == port)
                        return true;
                if (set[mid] < port)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

/* 0 when the driver did it; failures are logged here, once. */
static int forward(struct vm_manager *m, uint16_t port, bool on)
{
        _cleanup_free_ char *detail = NULL;
        int r = m->driver->forward_port(&m->vm, port, on, &detail);
        if (r == -EADDRINUSE)
                lxsd_log("localhost forwarding: port %u: skipped: not available on the host (%s)", port,
                         detail ? detail : "in use");
        else if (r < 0)
                lxsd_log("localhost forwarding: port %u: %s: %s", port, on ? "add" : "remove",
                         detail ? detail : strerror(-r));
        return r;
}

void forward_reset(struct vm_manager *m)
{
        m->n_forwarded = 0;
}

int forward_on_listening(struct vm_manager *m, const Lxs__Guest__ListeningPorts *msg)
{
        if (!m->cfg.nat_network || !m->cfg.localhost_forwarding || !m->driver->forward_port)
                return -EPROTO; /* never asked for */
        uint16_t wanted[LXS_LISTENING_PORTS_MAX];
        size_t n = msg->n_ports;
        for (size_t i = 0; i < n; i++)
                wanted[i] = (uint16_t)msg->ports[i];
        /* Removals first, so a port that moved between listeners is free again. */
        size_t kept = 0;
        for (size_t i = 0; i < m->n_forwarded; i++) {
                if (in_set(wanted, n, m->forwarded[i]))
                        m->forwarded[kept++] = m->forwarded[i];
                else
                        forward(m, m->forwarded[i], false);
        }
        m->n_forwarded = kept;
        for (size_t i = 0; i < n; i++) {
                if (!in_set(m->forwarded, kept, wanted[i]) && forward(m, wanted[i], true) == 0)
                        m->forwarded[m->n_forwarded++] = wanted[i];
        }
        /* Added ports went to the end: keep the set sorted for the next diff. */
        for (size_t i = 1; i < m->n_forwarded; i++)
                for (size_t j = i; j > 0 && m->forwarded[j - 1] > m->forwarded[j]; j--) {
                        uint16_t t = m->forwarded[j];
                        m->forwarded[j] = m->forwarded[j - 1];
                        m->forwarded[j - 1] = t;
                }
        return 0;
}
