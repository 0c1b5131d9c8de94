/* The guest's resolv.conf: under NAT the host's nameservers (a stub on 127.0.0.53, say) give way
 * to QEMU's DNS forwarder while search domains and options stay; without NAT it is the host's. */
#include <stdlib.h>

#include "../check.h"
#include "resolv.h"

int main(void)
{
        static const char host[] = "# generated\nnameserver 127.0.0.53\noptions edns0 trust-ad\n"
                                   "search corp.example lab.example\nnameserver ::1\ndomain corp.example";
        char *out = lxsd_guest_resolv_conf(host, true);
        CHECK_EQ_STR(out, "nameserver 10.0.2.3\noptions edns0 trust-ad\nsearch corp.example lab.example\n"
                          "domain corp.example\n");
        free(out);
        out = lxsd_guest_resolv_conf(NULL, true);
        CHECK_EQ_STR(out, "nameserver 10.0.2.3\n");
        free(out);
        /* A keyword must be a whole word. */
        out = lxsd_guest_resolv_conf("searchx a\noptions\n", true);
        CHECK_EQ_STR(out, "nameserver 10.0.2.3\n");
        free(out);
        out = lxsd_guest_resolv_conf(host, false);
        CHECK_EQ_STR(out, host);
        free(out);
        return check_result("test-lxsd-resolv");
}
