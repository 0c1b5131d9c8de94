/* Unit test: lxspath's path map and translations both ways (init/lxspath.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lxspath.h"

/* The call first, then its output (arguments are evaluated in no fixed order). */
#define EXPECT(call, want_r, want)                 \
        do {                                       \
                int r_ = (call);                   \
                expect(r_, out, want_r, want);     \
                out = NULL;                        \
        } while (0)

static void expect(int r, char *out, int want_r, const char *want)
{
        CHECK(r == want_r);
        if (want)
                CHECK(out && strcmp(out, want) == 0);
        else
                CHECK(out == NULL);
        if (r != want_r || (want && (!out || strcmp(out, want) != 0)))
                fprintf(stderr, "  got %d '%s', expected %d '%s'\n", r, out ? out : "(null)", want_r,
                        want ? want : "(null)");
        free(out);
}

int main(void)
{
        static const char text[] = "root /mnt/host/\nshare /home/ann\nshare /srv/d\xc3\xa4ta\n"
                                   "view /run/user/1000/lxs/mnt/deb\n";
        struct lxs_path_map map;
        CHECK(lxs_path_map_parse(text, sizeof(text) - 1, &map) == 0);
        CHECK(map.n_shares == 2 && map.automount_root && map.view);
        char *out = NULL;

        EXPECT(lxs_path_to_linux(&map, "/home/ann/src/x.c", &out), 0, "/mnt/host/home/ann/src/x.c");
        EXPECT(lxs_path_to_linux(&map, "/home/ann", &out), 0, "/mnt/host/home/ann");
        EXPECT(lxs_path_to_linux(&map, "/home/ann/../bob/x", &out), -ENOENT, NULL);
        EXPECT(lxs_path_to_linux(&map, "/home/annie", &out), -ENOENT, NULL);
        EXPECT(lxs_path_to_linux(&map, "/srv/d\xc3\xa4ta//a/./b", &out), 0, "/mnt/host/srv/d\xc3\xa4ta/a/b");
        EXPECT(lxs_path_to_linux(&map, "relative", &out), -EINVAL, NULL);

        EXPECT(lxs_path_to_host(&map, "/mnt/host/home/ann/x", &out), 0, "/home/ann/x");
        EXPECT(lxs_path_to_host(&map, "/mnt/host/home/ann", &out), 0, "/home/ann");
        EXPECT(lxs_path_to_host(&map, "/mnt/host/home", &out), -ENOENT, NULL);
        EXPECT(lxs_path_to_host(&map, "/mnt/host", &out), -ENOENT, NULL);
        EXPECT(lxs_path_to_host(&map, "/etc/hosts", &out), 0, "/run/user/1000/lxs/mnt/deb/etc/hosts");
        EXPECT(lxs_path_to_host(&map, "/", &out), 0, "/run/user/1000/lxs/mnt/deb");
        EXPECT(lxs_path_to_host(&map, "/mnt/host/home/ann/../../../etc", &out), 0,
               "/run/user/1000/lxs/mnt/deb/mnt/etc");
        lxs_path_map_free(&map);

        /* Shares not shown in this distro ([automount] enabled = false), no view. */
        static const char bare[] = "share /home/ann\n";
        CHECK(lxs_path_map_parse(bare, sizeof(bare) - 1, &map) == 0);
        EXPECT(lxs_path_to_linux(&map, "/home/ann/x", &out), -ENOENT, NULL);
        EXPECT(lxs_path_to_host(&map, "/etc/hosts", &out), -ENOENT, NULL);
        lxs_path_map_free(&map);

        static const char *const bad[] = { "root\n", "root relative\n", "colour /x\n", "share\n" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                CHECK(lxs_path_map_parse(bad[i], strlen(bad[i]), &map) == -EINVAL);

        static const struct {
                const char *in, *want;
        } norm[] = { { "/", "/" }, { "//a//b/", "/a/b" }, { "/a/./b/..", "/a" }, { "/..", "/" },
                     { "/a/../../b", "/b" } };
        for (size_t i = 0; i < sizeof(norm) / sizeof(norm[0]); i++) {
                char *n = lxs_path_normalize(norm[i].in);
                CHECK(n && strcmp(n, norm[i].want) == 0);
                free(n);
        }
        CHECK(lxs_path_normalize("a/b") == NULL && errno == EINVAL);
        return check_result("test-lxspath");
}
