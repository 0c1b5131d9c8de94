/* Control port discovery; see control-port.h for the contract.
 *
 * virtio_console sets a port's name (and emits a "change" uevent) only after the host answered
 * the port's announcement, so the sysfs `name` file is the signal that the port is usable; the
 * /dev node exists by then (devtmpfs creates it when the port device is added). */
#include "control-port.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

#define CLASS_DIR "/sys/class/virtio-ports"
/* Without uevents (or when one is missed) the sysfs scan repeats at this pace. */
#define RESCAN_MS 10

static bool port_name_matches(const char *class_dir, const char *entry, const char *name)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/%s/name", class_dir, entry);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        char buf[128];
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return strcmp(buf, name) == 0;
}

int lxs_control_port_find(const char *class_dir, const char *name, char *devpath, size_t size)
{
        _cleanup_closedir_ DIR *d = opendir(class_dir);
        if (!d)
                return -ENOENT;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strncmp(de->d_name, "vport", 5) != 0)
                        continue;
                if (!port_name_matches(class_dir, de->d_name, name))
                        continue;
                if ((size_t)snprintf(devpath, size, "/dev/%s", de->d_name) >= size)
                        return -ENAMETOOLONG;
                return 0;
        }
        return -ENOENT;
}

int lxs_uevent_open(void)
{
        int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
        if (fd < 0)
                return -errno;
        struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

int lxs_control_port_open(const char *devpath)
{
        int fd = open(devpath, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        return fd < 0 ? -errno : fd;
}

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drain(int fd)
{
        char buf[4096];
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0 && errno == ENOBUFS)
                        continue; /* overrun: events were lost, the rescan covers them */
                if (n <= 0)
                        return;
        }
}

int lxs_control_port_wait(int uevent_fd, const char *name, int timeout_ms, char *devpath, size_t size)
{
        long long deadline = now_ms() + timeout_ms;
        for (;;) {
                if (lxs_control_port_find(CLASS_DIR, name, devpath, size) == 0) {
                        int fd = lxs_control_port_open(devpath);
                        if (fd >= 0 || fd != -ENOENT)
                                return fd;
                }
                long long left = deadline - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                int wait = left < RESCAN_MS ? (int)left : RESCAN_MS;
                if (uevent_fd >= 0) {
                        struct pollfd p = { .fd = uevent_fd, .events = POLLIN };
                        if (poll(&p, 1, wait) > 0)
                                drain(uevent_fd);
                } else {
                        poll(NULL, 0, wait);
                }
        }
}

bool lxs_control_port_host_connected(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        if (poll(&p, 1, 0) < 0)
                return false;
        return !(p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

int lxs_control_port_notify(int fd, bool on)
{
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0)
                return -errno;
        if (on && fcntl(fd, F_SETOWN, getpid()) < 0)
                return -errno;
        int nfl = on ? fl | O_ASYNC : fl & ~O_ASYNC;
        if (nfl != fl && fcntl(fd, F_SETFL, nfl) < 0)
                return -errno;
        return 0;
}
