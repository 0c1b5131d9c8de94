/* Hostname, clock and boot-time kernel settings; see system-settings.h for the contract. */
#include "system-settings.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC 1000000000LL

bool lxs_hostname_valid(const char *name)
{
        size_t len = name ? strnlen(name, 65) : 0;
        if (len == 0 || len > 64 || name[0] == '-' || name[0] == '.')
                return false;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)name[i];
                if (!isalnum(c) && c != '-' && c != '.')
                        return false;
        }
        return true;
}

int lxs_hostname_set(const char *name)
{
        if (!lxs_hostname_valid(name))
                return -EINVAL;
        if (sethostname(name, strlen(name)) < 0)
                return -errno;
        return 0;
}

int lxs_clock_sync(int64_t host_time_ns)
{
        if (host_time_ns <= 0)
                return -EINVAL;
        struct timespec now;
        if (clock_gettime(CLOCK_REALTIME, &now) < 0)
                return -errno;
        int64_t guest_ns = (int64_t)now.tv_sec * NSEC_PER_SEC + now.tv_nsec;
        int64_t diff = host_time_ns - guest_ns;
        if (diff <= NSEC_PER_SEC && diff >= -NSEC_PER_SEC)
                return 0;
        struct timespec ts = { .tv_sec = host_time_ns / NSEC_PER_SEC, .tv_nsec = host_time_ns % NSEC_PER_SEC };
        if (clock_settime(CLOCK_REALTIME, &ts) < 0)
                return -errno;
        return 1;
}

int lxs_module_autoload_disable(void)
{
        int fd = open("/proc/sys/kernel/modprobe", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* A lone newline is the empty string to this sysctl. */
        ssize_t n = write(fd, "\n", 1);
        int r = n == 1 ? 0 : n < 0 ? -errno : -EIO;
        close(fd);
        return r;
}
