/* SCSI disk lookup by target; see distro-disk.h for the contract. */
#include "distro-disk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

int lxs_disk_find(const char *sysfs_root, unsigned target, char *name, size_t size)
{
        char dir[PATH_MAX];
        snprintf(dir, sizeof(dir), "%s/block", sysfs_root);
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return -errno;
        char want[32];
        snprintf(want, sizeof(want), "0:0:%u:0", target);
        struct dirent *e;
        while ((e = readdir(d))) {
                if (strncmp(e->d_name, "sd", 2) != 0)
                        continue;
                char link[sizeof(dir) + 300], dest[PATH_MAX];
                snprintf(link, sizeof(link), "%s/%s/device", dir, e->d_name);
                ssize_t n = readlink(link, dest, sizeof(dest) - 1);
                if (n < 0)
                        continue;
                dest[n] = '\0';
                const char *base = strrchr(dest, '/');
                base = base ? base + 1 : dest;
                if (strcmp(base, want) != 0)
                        continue;
                /* A disk being removed is in state "deleted"/"cancel", not "running". */
                char state_path[sizeof(link) + 16], state[32] = "";
                snprintf(state_path, sizeof(state_path), "%s/state", link);
                int fd = open(state_path, O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                        ssize_t m = read(fd, state, sizeof(state) - 1);
                        close(fd);
                        state[m > 0 ? m : 0] = '\0';
                        if (strncmp(state, "running", 7) != 0)
                                continue;
                }
                if (strlen(e->d_name) >= size)
                        return -ENAMETOOLONG;
                strcpy(name, e->d_name);
                return 0;
        }
        return -ENOENT;
}
