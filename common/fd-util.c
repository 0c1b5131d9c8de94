/* fd helpers; see fd-util.h. */
#include "fd-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

int lxs_write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int lxs_read_all(int fd, void *buf, size_t len)
{
        char *p = buf;
        while (len) {
                ssize_t n = read(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EPIPE;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int lxs_set_nonblock(int fd, int on)
{
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0)
                return -errno;
        int nfl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
        if (nfl != fl && fcntl(fd, F_SETFL, nfl) < 0)
                return -errno;
        return 0;
}

int lxs_open_regular(const char *path, struct stat *st)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, st) < 0)
                return -errno;
        if (!S_ISREG(st->st_mode))
                return -EINVAL;
        return TAKE_FD(fd);
}

int lxs_read_fd(int fd, size_t max, char **out)
{
        _cleanup_free_ char *buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;
        size_t got = 0;
        while (got < max) {
                ssize_t n = read(fd, buf + got, max - got);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        buf[got] = '\0';
        *out = TAKE_PTR(buf);
        return (int)got;
}

int lxs_read_file(const char *path, size_t max, char **out)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return lxs_read_fd(fd, max, out);
}

int lxs_write_file_atomic(const char *path, const void *buf, size_t len, unsigned mode)
{
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
                return -ENOMEM;
        int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
        _cleanup_close_ int fd = open(tmp, flags, mode);
        /* Left by a writer killed before its rename (a VM powered off, say). The pid makes the name
         * ours: a container's init is pid 1 at every start, so waiting would never help. */
        if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
                fd = open(tmp, flags, mode);
        if (fd < 0)
                return -errno;
        int r = lxs_write_all(fd, buf, len);
        if (r == 0 && fchmod(fd, mode) < 0) /* exactly mode, whatever the umask */
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}
