/* The stderr progress bar of imports and exports (see progress.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define BAR_WIDTH 24
#define REDRAW_NS 100000000ULL

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

char *lxs_format_bytes(uint64_t bytes, char *buf, unsigned size)
{
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
        double v = (double)bytes;
        unsigned u = 0;
        while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
                v /= 1024;
                u++;
        }
        if (u == 0)
                snprintf(buf, size, "%llu B", (unsigned long long)bytes);
        else
                snprintf(buf, size, "%.1f %s", v, units[u]);
        return buf;
}

void lxs_progress_format(char *buf, unsigned size, const char *label, uint64_t done,
                         uint64_t total, double seconds)
{
        char d[32], t[32], r[32];
        lxs_format_bytes(done, d, sizeof(d));
        lxs_format_bytes(seconds > 0 ? (uint64_t)((double)done / seconds) : 0, r, sizeof(r));
        if (total && done <= total) {
                unsigned pct = (unsigned)(done * 100 / total);
                unsigned fill = (unsigned)(done * BAR_WIDTH / total);
                char bar[BAR_WIDTH + 1];
                memset(bar, '#', fill);
                memset(bar + fill, '.', BAR_WIDTH - fill);
                bar[BAR_WIDTH] = '\0';
                snprintf(buf, size, "%s [%s] %3u%%  %s / %s  %s/s", label, bar, pct, d,
                         lxs_format_bytes(total, t, sizeof(t)), r);
        } else {
                snprintf(buf, size, "%s  %s  %s/s", label, d, r);
        }
}

void lxs_progress_init(struct lxs_progress *p, int fd, const char *label)
{
        memset(p, 0, sizeof(*p));
        p->fd = fd;
        p->label = label;
        p->enabled = isatty(fd) == 1;
        p->start_ns = now_ns();
}

void lxs_progress_update(void *ctx, uint64_t done, uint64_t total)
{
        struct lxs_progress *p = ctx;
        if (!p->enabled)
                return;
        uint64_t now = now_ns();
        if (p->drawn && now - p->last_ns < REDRAW_NS && !(total && done == total))
                return;
        p->last_ns = now;
        char line[160];
        lxs_progress_format(line, sizeof(line), p->label, done, total,
                            (double)(now - p->start_ns) / 1e9);
        /* \r and clear-to-end-of-line: the line shrinks when units change. */
        dprintf(p->fd, "\r%s\033[K", line);
        p->drawn = true;
}

void lxs_progress_finish(struct lxs_progress *p)
{
        if (p->enabled && p->drawn)
                dprintf(p->fd, "\r\033[K");
        p->drawn = false;
}
