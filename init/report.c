/* Failure reporting and the console; see report.h for the contract. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define PENDING_MAX 16

struct pending_failure {
        char stage[128];
        char detail[256];
        int errno_value;
        bool fatal;
};

static int kmsg_fd = -1;
static lxs_failure_sink current_sink;
static void *current_sink_data;
static struct pending_failure pending[PENDING_MAX];
static unsigned n_pending;

int lxs_console_setup(void)
{
        int r = 0;
        _cleanup_close_ int console = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (console < 0) {
                r = -errno;
                /* fds 0..2 must stay taken, or pipes created later would land on them. */
                console = open("/dev/null", O_RDWR | O_CLOEXEC);
        }
        if (console >= 0)
                for (int fd = 0; fd <= 2; fd++)
                        if (dup2(console, fd) < 0 && r == 0)
                                r = -errno;
        kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        return r;
}

void lxs_log_console_only(void)
{
        kmsg_fd = -1;
}

void lxs_log_line(const char *stage, int errno_value, const char *detail)
{
        /* "<4>" leaves room for the kmsg level prefix, which the console copy skips. */
        char line[512] = "<4>";
        bool has_detail = detail && *detail;
        int n = snprintf(line + 3, sizeof(line) - 3, "lxs-init: %s%s%s%s%s\n", stage, errno_value ? ": " : "",
                         errno_value ? strerror(errno_value) : "", has_detail ? ": " : "",
                         has_detail ? detail : "");
        if (n < 0)
                return;
        size_t len = (size_t)n < sizeof(line) - 3 ? (size_t)n : sizeof(line) - 4;
        line[3 + len - 1] = '\n';
        ssize_t w = write(2, line + 3, len);
        /* kmsg writes are rate limited, so the console copy is the one that is always there;
         * this one gives dmesg the line with a timestamp, below the console's log level. */
        if (kmsg_fd >= 0)
                w = write(kmsg_fd, line, len + 3);
        (void)w;
}

static void keep_pending(const char *stage, int errno_value, const char *detail, bool fatal)
{
        if (n_pending == PENDING_MAX)
                return; /* the console log still has it */
        struct pending_failure *p = &pending[n_pending++];
        snprintf(p->stage, sizeof(p->stage), "%s", stage);
        snprintf(p->detail, sizeof(p->detail), "%s", detail ? detail : "");
        p->errno_value = errno_value;
        p->fatal = fatal;
}

void lxs_report_set_sink(lxs_failure_sink sink, void *data)
{
        current_sink = sink;
        current_sink_data = data;
        if (!sink)
                return;
        for (unsigned i = 0; i < n_pending; i++)
                sink(pending[i].stage, pending[i].errno_value, pending[i].detail, pending[i].fatal, data);
        n_pending = 0;
}

void lxs_report(int errno_value, bool fatal, const char *detail, const char *stage_fmt, ...)
{
        char stage[128];
        va_list ap;
        va_start(ap, stage_fmt);
        vsnprintf(stage, sizeof(stage), stage_fmt, ap);
        va_end(ap);
        if (errno_value < 0)
                errno_value = -errno_value;
        lxs_log_line(stage, errno_value, detail);
        if (current_sink)
                current_sink(stage, errno_value, detail, fatal, current_sink_data);
        else
                keep_pending(stage, errno_value, detail, fatal);
}
