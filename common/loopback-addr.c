/* Loopback socket addresses (loopback-addr.h). */
#include "loopback-addr.h"

#include <netinet/in.h>
#include <string.h>

socklen_t lxs_loopback_addr(int family, uint16_t port, struct sockaddr_storage *out)
{
        memset(out, 0, sizeof(*out));
        if (family == AF_INET) {
                struct sockaddr_in *v4 = (struct sockaddr_in *)out;
                v4->sin_family = AF_INET;
                v4->sin_port = htons(port);
                v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                return sizeof(*v4);
        }
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        v6->sin6_addr = in6addr_loopback;
        return sizeof(*v6);
}
