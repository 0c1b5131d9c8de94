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
        static struct lxs_port_set wild, loop;
        CHECK_EQ_INT(lxs_listeners_parse(tcp, false, &wild, &loop), 0);
        CHECK_EQ_INT(wild.n, 2); /* 8080 twice (two sockets with SO_REUSEPORT) */
        CHECK_EQ_INT(loop.n, 1); /* 3306 on 127.0.0.1; 22 on 10.0.2.15 is neither */
        CHECK_EQ_INT(loop.ports[0], 3306);
        static struct lxs_port_set wild6, loop6;
        CHECK_EQ_INT(lxs_listeners_parse(tcp6, true, &wild6, &loop6), 0);
        CHECK_EQ_INT(wild6.n, 1);
        CHECK_EQ_INT(wild6.ports[0], 443);
        CHECK_EQ_INT(loop6.n, 2); /* ::1 and ::ffff:127.0.0.1 */
        CHECK_EQ_INT(loop6.ports[0], 80);
        CHECK_EQ_INT(loop6.ports[1], 81);

        lxs_port_set_normalise(&wild);
        CHECK_EQ_INT(wild.n, 1);
        CHECK(lxs_port_set_has(&wild, 8080));
        CHECK(!lxs_port_set_has(&wild, 3306));
        /* The set sent: wildcard and loopback ports, sorted, each once. */
        wild.ports[wild.n++] = 3306;
        wild.ports[wild.n++] = 8080;
        wild.ports[wild.n++] = 81;
        lxs_port_set_normalise(&wild);
        CHECK_EQ_INT(wild.n, 3);
        CHECK_EQ_INT(wild.ports[0], 81);
        CHECK_EQ_INT(wild.ports[1], 3306);
        CHECK_EQ_INT(wild.ports[2], 8080);

        /* A v4 text read as v6 matches nothing. */
        static struct lxs_port_set w2, l2;
        CHECK_EQ_INT(lxs_listeners_parse(tcp, true, &w2, &l2), 0);
        CHECK_EQ_INT(w2.n + l2.n, 0);
        /* Full: the rest is counted as dropped. */
        w2.n = LXS_LISTENING_PORTS_MAX - 1;
        CHECK_EQ_INT(lxs_listeners_parse(tcp, false, &w2, &l2), 1);
        return check_result("test-listeners");
}
