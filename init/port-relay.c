/* The guest's relay from the NAT address to a loopback-only server (port-relay.h). */
#include "port-relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nat-layout.h"
#include "tcp-relay.h"

static int listen_nat(uint16_t port)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
        inet_pton(AF_INET, LXS_NAT_GUEST_ADDR, &a.sin_addr);
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0 ||
            fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

pid_t lxs_port_relay_start(uint16_t port, bool v6, int *pidfd)
{
        int fd = listen_nat(port);
        if (fd < 0)
                return fd;
        pid_t pid;
        if (v6) {
                struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_loopback };
                pid = lxs_tcp_relay_spawn(fd, (struct sockaddr *)&to, sizeof(to), pidfd);
        } else {
                struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
                                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                pid = lxs_tcp_relay_spawn(fd, (struct sockaddr *)&to, sizeof(to), pidfd);
        }
        close(fd);
        return pid;
}
