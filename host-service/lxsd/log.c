/* lxsd log sink; see log.h. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;
static int log_stderr;

int lxsd_log_open(const char *path, int also_stderr)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        log_fd = fd;
        log_stderr = also_stderr;
        return 0;
}

void lxsd_log(const char *fmt, ...)
{
        char line[2048];
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        int n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
        n += snprintf(line + n, sizeof(line) - (size_t)n, ".%03ldZ lxsd[%d]: ", ts.tv_nsec / 1000000,
                      (int)getpid());
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
        va_end(ap);
        n = m < 0 ? n : (n + m >= (int)sizeof(line) - 1 ? (int)sizeof(line) - 2 : n + m);
        line[n++] = '\n';
        if (write(log_fd, line, (size_t)n) < 0) {
                /* Nowhere else to report it. */
        }
        if (log_stderr && log_fd != 2 && write(2, line, (size_t)n) < 0) {
        }
}
