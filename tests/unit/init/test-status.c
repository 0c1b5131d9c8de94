/* Unit test: /proc/meminfo parsing and process counting (init/status.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "status.h"

static int parse(const char *text, uint64_t *total, uint64_t *avail)
{
        *total = *avail = 7;
        return lxs_meminfo_parse(text, strlen(text), total, avail);
}

int main(void)
{
        uint64_t total, avail;
        const char *real = "MemTotal:         468304 kB\n"
                           "MemFree:          431232 kB\n"
                           "MemAvailable:     424932 kB\n"
                           "Buffers:               0 kB\n";
        CHECK(parse(real, &total, &avail) == 0 && total == 468304 && avail == 424932);
        /* Order does not matter; a last line without newline is fine. */
        CHECK(parse("MemAvailable: 5 kB\nMemTotal: 9 kB", &total, &avail) == 0 && total == 9 && avail == 5);
        /* Missing or malformed values leave the outputs alone. */
        CHECK(parse("MemTotal: 9 kB\n", &total, &avail) == -EINVAL && total == 7 && avail == 7);
        CHECK(parse("MemTotal: x kB\nMemAvailable: 5 kB\n", &total, &avail) == -EINVAL && total == 7);
        CHECK(parse("MemTotal: 99999999999999999999999 kB\nMemAvailable: 5 kB\n", &total, &avail) == -EINVAL);
        CHECK(parse("", &total, &avail) == -EINVAL);
        /* Similar keys are not confused. */
        CHECK(parse("MemTotalX: 1 kB\nMemTotal: 2 kB\nMemAvailable: 3 kB\n", &total, &avail) == 0 && total == 2 &&
              avail == 3);

        char dir[] = "/tmp/lxs-test-status-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        const char *names[] = { "1", "42", "self", "meminfo", "7x" };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                char p[256];
                snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
                CHECK(mkdir(p, 0755) == 0);
        }
        uint32_t count = 0;
        CHECK(lxs_count_processes(dir, &count) == 0);
        CHECK(count == 3); /* "1", "42", "7x": leading digit, as the kernel only makes pids */
        CHECK(lxs_count_processes("/nonexistent-lxs", &count) == -ENOENT);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                char p[256];
                snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
                rmdir(p);
        }
        rmdir(dir);
        return check_result("test-status");
}
