/* Guest status; see status.h for the contract. */
#include "status.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "fd-util.h"

/* Parses "<key>:<spaces><digits> kB" at the start of a line; -EINVAL otherwise. */
static int meminfo_value(const char *line, size_t len, uint64_t *out)
{
        size_t i = 0;
        while (i < len && line[i] == ' ')
                i++;
        if (i == len || !isdigit((unsigned char)line[i]))
                return -EINVAL;
        uint64_t v = 0;
        for (; i < len && isdigit((unsigned char)line[i]); i++) {
                if (v > (UINT64_MAX - 9) / 10)
                        return -EINVAL;
                v = v * 10 + (uint64_t)(line[i] - '0');
        }
        *out = v;
        return 0;
}

int lxs_meminfo_parse(const char *text, size_t len, uint64_t *total_kib, uint64_t *available_kib)
{
        static const struct { const char *key; size_t len; } keys[] = {
                { "MemTotal:", 9 },
                { "MemAvailable:", 13 },
        };
        uint64_t values[2] = { 0, 0 };
        bool found[2] = { false, false };
        size_t pos = 0;
        while (pos < len) {
                const char *line = text + pos;
                const char *nl = memchr(line, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - line) : len - pos;
                for (size_t k = 0; k < LXS_ARRAY_SIZE(keys); k++) {
                        if (found[k] || n < keys[k].len || memcmp(line, keys[k].key, keys[k].len) != 0)
                                continue;
                        if (meminfo_value(line + keys[k].len, n - keys[k].len, &values[k]) < 0)
                                return -EINVAL;
                        found[k] = true;
                }
                pos += n + (nl ? 1 : 0);
        }
        if (!found[0] || !found[1])
                return -EINVAL;
        *total_kib = values[0];
        *available_kib = values[1];
        return 0;
}

int lxs_count_processes(const char *proc_dir, uint32_t *count)
{
        _cleanup_closedir_ DIR *d = opendir(proc_dir);
        if (!d)
                return -errno;
        uint32_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (isdigit((unsigned char)de->d_name[0]))
                        n++;
        *count = n;
        return 0;
}

uint64_t lxs_uptime_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_BOOTTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void lxs_status_fill(Lxs__Guest__StatusReply *reply, uint32_t sessions)
{
        reply->uptime_ms = lxs_uptime_ms();
        reply->sessions = sessions;
        _cleanup_free_ char *meminfo = NULL;
        int n = lxs_read_file("/proc/meminfo", 16384, &meminfo);
        if (n > 0)
                lxs_meminfo_parse(meminfo, (size_t)n, &reply->mem_total_kib, &reply->mem_available_kib);
        lxs_count_processes("/proc", &reply->processes);
}
