/* The guest's scan for localhost forwarding: LISTEN sockets of /proc/net/tcp and tcp6 on a
 * wildcard or loopback address count; other addresses, other states and malformed lines do
 * not. */
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
        static struct lxs_port_set set;
        CHECK_EQ_INT(lxs_listeners_parse(tcp, false, &set), 0);
        /* 8080 twice (two sockets with SO_REUSEPORT), 3306 on 127.0.0.1; not 22 on 10.0.2.15,
         * not a connection, not garbage, not port 0 */
        CHECK_EQ_INT(set.n, 3);
        CHECK_EQ_INT(lxs_listeners_parse(tcp6, true, &set), 0);
        CHECK_EQ_INT(set.n, 6); /* 443 on ::, 80 on ::1, 81 on ::ffff:127.0.0.1 */

        /* The set sent: sorted, each port once. */
        lxs_port_set_normalise(&set);
        CHECK_EQ_INT(set.n, 5);
        static const uint16_t want[] = { 80, 81, 443, 3306, 8080 };
        for (size_t i = 0; i < 5 && set.n == 5; i++)
                CHECK_EQ_INT(set.ports[i], want[i]);

        /* A v4 text read as v6 matches nothing. */
        static struct lxs_port_set other;
        CHECK_EQ_INT(lxs_listeners_parse(tcp, true, &other), 0);
        CHECK_EQ_INT(other.n, 0);
        /* Full: the rest is counted as dropped. */
        other.n = LXS_LISTENING_PORTS_MAX - 2;
        CHECK_EQ_INT(lxs_listeners_parse(tcp, false, &other), 1);
        return check_result("test-listeners");
}
