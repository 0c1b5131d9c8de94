/* Scanning the VM's TCP listeners for localhost forwarding (listeners.h). */
#include "listeners.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"
#include "control-channel.h"
#include "event-loop.h"
#include "fd-util.h"
#include "report.h"

#define TCP_LISTEN 0x0A
/* /proc/net/tcp grows by ~150 bytes a socket; this is thousands of sockets. */
#define PROC_NET_TCP_MAX (4u << 20)

/* As /proc/net/tcp6 prints addresses: four 32-bit words in host (little-endian) order. */
static const char *const loopback_v4[] = { "0100007F" };
static const char *const loopback_v6[] = { "00000000000000000000000001000000", "0000000000000000FFFF00000100007F" };

static bool all_zero_hex(const char *s)
{
        for (; *s; s++)
                if (*s != '0')
                        return false;
        return true;
}

static bool is_loopback(const char *addr, bool v6)
{
        const char *const *list = v6 ? loopback_v6 : loopback_v4;
        size_t n = v6 ? LXS_ARRAY_SIZE(loopback_v6) : LXS_ARRAY_SIZE(loopback_v4);
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(addr, list[i]) == 0)
                        return true;
        return false;
}

static size_t add(struct lxs_port_set *set, unsigned port)
{
        if (set->n >= LXS_LISTENING_PORTS_MAX)
                return 1;
        set->ports[set->n++] = (uint16_t)port;
        return 0;
}

size_t lxs_listeners_parse(const char *text, bool v6, struct lxs_port_set *set)
{
        size_t addr_len = v6 ? 32 : 8, dropped = 0;
        for (const char *line = text; line && *line;) {
                const char *end = strchr(line, '\n');
                char local[40];
                unsigned port, state;
                /* "  N: ADDR:PORT REMADDR:REMPORT ST ..."; the header line does not match. */
                if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", local, &port, &state) == 3 &&
                    strlen(local) == addr_len && state == TCP_LISTEN && port > 0 && port <= 65535) {
                        /* /init connects to the loopback addresses, which wildcard listeners
                         * also accept. */
                        if (all_zero_hex(local) || is_loopback(local, v6))
                                dropped += add(set, port);
                }
                line = end ? end + 1 : NULL;
        }
        return dropped;
}

static int compare_ports(const void *a, const void *b)
{
        return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

void lxs_port_set_normalise(struct lxs_port_set *set)
{
        if (set->n == 0)
                return;
        qsort(set->ports, set->n, sizeof(set->ports[0]), compare_ports);
        size_t out = 0;
        for (size_t i = 0; i < set->n; i++)
                if (out == 0 || set->ports[i] != set->ports[out - 1])
                        set->ports[out++] = set->ports[i];
        set->n = out;
}

static struct {
        bool started;
        struct lxs_channel **ch;
        struct lxs_port_set sent;
        bool sent_once;
} scan;

static void read_table(const char *path, bool v6, struct lxs_port_set *set)
{
        _cleanup_free_ char *text = NULL;
        if (lxs_read_file(path, PROC_NET_TCP_MAX, &text) < 0)
                return; /* no IPv6 in this kernel, say: nothing listens there */
        lxs_listeners_parse(text, v6, set);
}

static void send_ports(const struct lxs_port_set *set)
{
        struct lxs_channel *ch = scan.ch ? *scan.ch : NULL;
        if (!ch)
                return;
        uint32_t wire[LXS_LISTENING_PORTS_MAX];
        for (size_t i = 0; i < set->n; i++)
                wire[i] = set->ports[i];
        Lxs__Guest__ListeningPorts lp = LXS__GUEST__LISTENING_PORTS__INIT;
        lp.ports = wire;
        lp.n_ports = set->n;
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_LISTENING_PORTS;
        out.listening_ports = &lp;
        if (lxs_channel_send(ch, &out) == 0) {
                scan.sent = *set;
                scan.sent_once = true;
        }
}

static void on_scan(struct lxs_loop *loop, void *data)
{
        (void)data;
        static struct lxs_port_set set;
        set.n = 0;
        read_table("/proc/net/tcp", false, &set);
        read_table("/proc/net/tcp6", true, &set);
        lxs_port_set_normalise(&set);
        if (!scan.sent_once || set.n != scan.sent.n ||
            memcmp(set.ports, scan.sent.ports, set.n * sizeof(set.ports[0])) != 0)
                send_ports(&set);
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
