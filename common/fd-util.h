/* Small fd helpers: blocking full reads/writes, flags. Return 0 or negative errno. */
#ifndef LXS_FD_UTIL_H
#define LXS_FD_UTIL_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

int lxs_write_all(int fd, const void *buf, size_t len);
/* Reads exactly len bytes; -EPIPE on early EOF. */
int lxs_read_all(int fd, void *buf, size_t len);
int lxs_set_nonblock(int fd, int on);
/* Opens a regular file read-only (O_CLOEXEC) and fstat()s it: the fd, -EINVAL when the path
 * is not a regular file, or another negative errno. */
int lxs_open_regular(const char *path, struct stat *st);
/* Reads at most max bytes of fd into a NUL-terminated string; returns the length. */
int lxs_read_fd(int fd, size_t max, char **out);
/* Reads a whole small file into a NUL-terminated string (at most max bytes). */
int lxs_read_file(const char *path, size_t max, char **out);
/* Writes a file atomically: temp file PATH.tmp.PID in the same directory (a stale one of that
 * name is replaced), fsync, rename. */
int lxs_write_file_atomic(const char *path, const void *buf, size_t len, unsigned mode);

#endif
