/* Files inside a distro's root; see root-file.h for the contract. */
#include "root-file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"

int lxs_root_open(int root_fd, const char *path, int flags)
{
        while (*path == '/')
                path++;
        struct open_how how = {
                .flags = (unsigned long long)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int)syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}

int lxs_root_read(int root_fd, const char *path, size_t max, char **out)
{
        _cleanup_close_ int fd = lxs_root_open(root_fd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return fd;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if ((unsigned long long)st.st_size > max)
                return -EFBIG;
        /* Read what fstat saw: a file growing meanwhile is cut there, not over max. */
        return lxs_read_fd(fd, (size_t)st.st_size, out);
}
