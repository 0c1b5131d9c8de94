/* Unit test: parsing of /etc/lxs/modules.load (init/modules.c). */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "modules.h"

struct seen {
        int n;
        enum lxs_module_phase phase[8];
        char path[8][256];
        unsigned line[8];
};

static int collect(enum lxs_module_phase phase, const char *path, unsigned line, void *data)
{
        struct seen *s = data;
        if (s->n == 8)
                return -E2BIG;
        s->phase[s->n] = phase;
        snprintf(s->path[s->n], sizeof(s->path[0]), "%s", path);
        s->line[s->n] = line;
        s->n++;
        return 0;
}

static int parse(const char *text, struct seen *s, unsigned *err_line)
{
        memset(s, 0, sizeof(*s));
        *err_line = 0;
        return lxs_modules_parse(text, strlen(text), collect, s, err_line);
}

static int stop_at_second(enum lxs_module_phase phase, const char *path, unsigned line, void *data)
{
        return line == 2 ? -ECANCELED : 0;
}

int main(void)
{
        struct seen s;
        unsigned err_line;

        const char *good = "# generated\n"
                           "boot /lib/modules/k/virtio_ring.ko\n"
                           "\n"
                           "  boot\t/lib/modules/k/virtio.ko  \r\n"
                           "later /lib/modules/k/9p.ko";
        CHECK(parse(good, &s, &err_line) == 0);
        CHECK(s.n == 3);
        CHECK(s.phase[0] == LXS_MODULE_BOOT && strcmp(s.path[0], "/lib/modules/k/virtio_ring.ko") == 0);
        CHECK(s.line[0] == 2);
        CHECK(s.phase[1] == LXS_MODULE_BOOT && strcmp(s.path[1], "/lib/modules/k/virtio.ko") == 0);
        CHECK(s.line[1] == 4);
        CHECK(s.phase[2] == LXS_MODULE_LATER && strcmp(s.path[2], "/lib/modules/k/9p.ko") == 0);

        CHECK(parse("", &s, &err_line) == 0 && s.n == 0);
        CHECK(parse("\n\n# only comments\n   \n", &s, &err_line) == 0 && s.n == 0);

        /* Malformed lines are refused with their line number. */
        CHECK(parse("boot /a.ko\nearly /b.ko\n", &s, &err_line) == -EINVAL && err_line == 2);
        CHECK(parse("boot\n", &s, &err_line) == -EINVAL && err_line == 1);
        CHECK(parse("boot relative.ko\n", &s, &err_line) == -EINVAL);
        CHECK(parse("boot /a.ko extra\n", &s, &err_line) == -EINVAL);
        CHECK(parse("bootx /a.ko\n", &s, &err_line) == -EINVAL);
        CHECK(parse("BOOT /a.ko\n", &s, &err_line) == -EINVAL);
        const char nul[] = "boot /a\0b.ko\n";
        memset(&s, 0, sizeof(s));
        CHECK(lxs_modules_parse(nul, sizeof(nul) - 1, collect, &s, &err_line) == -EINVAL);

        /* Overlong paths are refused instead of truncated. */
        static char longline[8192];
        memcpy(longline, "boot /", 6);
        memset(longline + 6, 'a', sizeof(longline) - 8);
        CHECK(parse(longline, &s, &err_line) == -EINVAL);

        /* A callback error stops parsing and is returned. */
        CHECK(lxs_modules_parse("boot /a\nboot /b\nboot /c\n", 24, stop_at_second, NULL, NULL) == -ECANCELED);
        return check_result("test-modules-load");
}
