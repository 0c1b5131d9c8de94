/* Scanning the VM's TCP listeners for localhost forwarding (listeners.h). */
#include "listeners.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "control-channel.h"
#include "event-loop.h"
#include "fd-util.h"
#include "protocol.h"
#include "report.h"

#define TCP_LISTEN 0x0A
/* /proc/net/tcp grows by ~150 bytes a socket; this is thousands of sockets. */
#define PROC_NET_TCP_MAX (4u << 20)

static bool all_zero_hex(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (s[i] != '0')
                        return false;
        return true;
}

size_t lxs_listeners_parse(const char *text, bool v6, uint16_t *ports, size_t max, size_t *n)
{
        size_t addr_len = v6 ? 32 : 8, dropped = 0;
        for (const char *line = text; line && *line;) {
                const char *end = strchr(line, '\n');
                char local[40];
                unsigned port, state;
                /* "  N: ADDR:PORT REMADDR:REMPORT ST ..."; the header line does not match. */
                if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", local, &port, &state) == 3 &&
                    strlen(local) == addr_len && state == TCP_LISTEN && port > 0 && port <= 65535 &&
                    all_zero_hex(local, addr_len)) {
                        if (*n < max)
                                ports[(*n)++] = (uint16_t)port;
                        else
                                dropped++;
                }
                line = end ? end + 1 : NULL;
        }
        return dropped;
}

static int compare_ports(const void *a, const void *b)
{
        return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

size_t lxs_listeners_normalise(uint16_t *ports, size_t n)
{
        if (n == 0)
                return 0;
        qsort(ports, n, sizeof(*ports), compare_ports);
        size_t out = 1;
        for (size_t i = 1; i < n; i++)
                if (ports[i] != ports[out - 1])
                        ports[out++] = ports[i];
        return out;
}

static struct {
        bool started;
        struct lxs_channel **ch;
        uint16_t sent[LXS_LISTENING_PORTS_MAX];
        size_t n_sent;
        bool sent_once;
} scan;

static size_t scan_file(const char *path, bool v6, uint16_t *ports, size_t *n)
{
        _cleanup_free_ char *text = NULL;
        if (lxs_read_file(path, PROC_NET_TCP_MAX, &text) < 0)
                return 0; /* no IPv6 in this kernel, say: nothing listens there */
        return lxs_listeners_parse(text, v6, ports, LXS_LISTENING_PORTS_MAX, n);
}

static void send_ports(const uint16_t *ports, size_t n)
{
        struct lxs_channel *ch = scan.ch ? *scan.ch : NULL;
        if (!ch)
                return;
        uint32_t wire[LXS_LISTENING_PORTS_MAX];
        for (size_t i = 0; i < n; i++)
                wire[i] = ports[i];
        Lxs__Guest__ListeningPorts lp = LXS__GUEST__LISTENING_PORTS__INIT;
        lp.ports = wire;
        lp.n_ports = n;
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_LISTENING_PORTS;
        out.listening_ports = &lp;
        if (lxs_channel_send(ch, &out) == 0) {
                memcpy(scan.sent, ports, n * sizeof(*ports));
                scan.n_sent = n;
                scan.sent_once = true;
        }
}

static void on_scan(struct lxs_loop *loop, void *data)
{
        (void)data;
        uint16_t ports[LXS_LISTENING_PORTS_MAX];
        size_t n = 0;
        scan_file("/proc/net/tcp", false, ports, &n);
        scan_file("/proc/net/tcp6", true, ports, &n);
        n = lxs_listeners_normalise(ports, n);
        if (!scan.sent_once || n != scan.n_sent || memcmp(ports, scan.sent, n * sizeof(*ports)) != 0)
                send_ports(ports, n);
        if (lxs_loop_timer(loop, LXS_LISTENERS_SCAN_MS, on_scan, NULL) < 0)
                lxs_report(ENOMEM, false, NULL, "localhost forwarding: schedule the next scan");
}

int lxs_listeners_start(struct lxs_loop *loop, struct lxs_channel **ch)
{
        if (scan.started)
                return 0;
        scan.ch = ch;
        int r = lxs_loop_timer(loop, 0, on_scan, NULL);
        if (r < 0)
                return r;
        scan.started = true;
        return 0;
}
