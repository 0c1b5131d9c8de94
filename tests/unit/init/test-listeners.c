/* The guest's scan for localhost forwarding: wildcard LISTEN sockets of /proc/net/tcp and tcp6
 * count; loopback-only listeners, other states and malformed lines do not. */
#include <string.h>

#include "check.h"
#include "listeners.h"

static const char tcp[] =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n"
        "   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n"
        "   2: 0F02000A:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0\n"
        "   3: 00000000:1F91 0202000A:D431 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0\n"
        "   4: garbage\n"
        "   5: 00000000:0000 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0\n"
        "   6: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6 1 0 100 0 0 10 0";

static const char tcp6[] =
        "  sl  local_address                         remote_address                        st tx_queue rx_queue\n"
        "   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000\n"
        "   1: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000\n"
        "   2: 0000000000000000FFFF00000100007F:0051 00000000000000000000000000000000:0000 0A 00000000:00000000\n";

int main(void)
{
        uint16_t ports[8];
        size_t n = 0;
        CHECK_EQ_INT(lxs_listeners_parse(tcp, false, ports, 8, &n), 0);
        CHECK_EQ_INT(n, 2); /* 8080 twice (two sockets with SO_REUSEPORT) */
        CHECK_EQ_INT(lxs_listeners_parse(tcp6, true, ports, 8, &n), 0);
        CHECK_EQ_INT(n, 3);
        n = lxs_listeners_normalise(ports, n);
        CHECK_EQ_INT(n, 2);
        CHECK_EQ_INT(ports[0], 443);
        CHECK_EQ_INT(ports[1], 8080);
        /* A v4 text read as v6 (or the reverse) matches nothing. */
        n = 0;
        CHECK_EQ_INT(lxs_listeners_parse(tcp, true, ports, 8, &n), 0);
        CHECK_EQ_INT(n, 0);
        /* Full: the rest is counted as dropped. */
        n = 0;
        CHECK_EQ_INT(lxs_listeners_parse(tcp, false, ports, 1, &n), 1);
        CHECK_EQ_INT(n, 1);
        CHECK_EQ_INT(lxs_listeners_normalise(ports, 0), 0);
        return check_result("test-listeners");
}
