/* Loopback and the NAT interface of the utility VM (network.h). */
#include "network.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "nat-layout.h"

static int set_up(int sock, const char *ifname)
{
        struct ifreq ifr = { 0 };
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
        if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
                return -errno;
        ifr.ifr_flags |= IFF_UP;
        return ioctl(sock, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

static void put_addr(struct sockaddr *sa, in_addr_t addr)
{
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = addr };
        memcpy(sa, &sin, sizeof(sin));
}

int lxs_network_loopback_up(void)
{
        _cleanup_close_ int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return -errno;
        return set_up(sock, "lo");
}

/* The first interface other than lo (QEMU adds at most one NIC), or -ENODEV. */
static int find_nic(char *name, size_t size)
{
        _cleanup_closedir_ DIR *dir = opendir("/sys/class/net");
        if (!dir)
                return -errno;
        struct dirent *e;
        while ((e = readdir(dir))) {
                if (e->d_name[0] == '.' || strcmp(e->d_name, "lo") == 0)
                        continue;
                if (strlen(e->d_name) >= size || strlen(e->d_name) >= IFNAMSIZ)
                        continue;
                snprintf(name, size, "%s", e->d_name);
                return 0;
        }
        return -ENODEV;
}

int lxs_network_nat_setup(char *detail, size_t detail_size)
{
        char nic[IFNAMSIZ];
        int r = find_nic(nic, sizeof(nic));
        if (r == -ENODEV)
                return 0;
        if (r < 0) {
                snprintf(detail, detail_size, "list /sys/class/net");
                return r;
        }
        _cleanup_close_ int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0) {
                snprintf(detail, detail_size, "socket");
                return -errno;
        }
        struct ifreq ifr = { 0 };
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", nic);
        put_addr(&ifr.ifr_addr, inet_addr(LXS_NAT_GUEST_ADDR));
        if (ioctl(sock, SIOCSIFADDR, &ifr) < 0) {
                snprintf(detail, detail_size, "%s: address " LXS_NAT_GUEST_ADDR, nic);
                return -errno;
        }
        put_addr(&ifr.ifr_netmask, htonl(~0u << (32 - LXS_NAT_PREFIX_LEN)));
        if (ioctl(sock, SIOCSIFNETMASK, &ifr) < 0) {
                snprintf(detail, detail_size, "%s: netmask", nic);
                return -errno;
        }
        r = set_up(sock, nic);
        if (r < 0) {
                snprintf(detail, detail_size, "%s: up", nic);
                return r;
        }
        struct rtentry rt = { 0 };
        put_addr(&rt.rt_dst, INADDR_ANY);
        put_addr(&rt.rt_genmask, INADDR_ANY);
        put_addr(&rt.rt_gateway, inet_addr(LXS_NAT_HOST_ADDR));
        rt.rt_flags = RTF_UP | RTF_GATEWAY;
        rt.rt_dev = nic;
        if (ioctl(sock, SIOCADDRT, &rt) < 0 && errno != EEXIST) {
                snprintf(detail, detail_size, "%s: default route via " LXS_NAT_HOST_ADDR, nic);
                return -errno;
        }
        return 0;
}
