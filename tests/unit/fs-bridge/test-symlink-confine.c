/* lxs_symlink_confine: symlink targets of the host view resolve, from the link's directory, to
 * what the distro resolves, and never above the view's root. */
#include <errno.h>
#include <string.h>

#include "../check.h"
#include "symlink-confine.h"

static const struct {
        const char *target;
        unsigned depth;
        const char *want;
} cases[] = {
        /* Absolute targets climb to the view's root first. */
        { "/etc", 0, "etc" },
        { "/etc", 1, "../etc" },
        { "/usr/share/zoneinfo/UTC", 1, "../usr/share/zoneinfo/UTC" },
        { "/", 0, "." },
        { "/", 3, "../../.." },
        { "//etc///hosts", 2, "../../etc/hosts" },
        { "/etc/", 1, "../etc/" },
        /* Relative ones that stay below the link keep their meaning. */
        { "usr/lib", 0, "usr/lib" },
        { "../lib/x", 2, "../lib/x" },
        { "./a/./b", 1, "a/b" },
        { "a/../b", 1, "b" },
        { "..", 1, ".." },
        { ".", 4, "." },
        /* `..` at the root is the root, as in the distro: never above the mount point. */
        { "../../../../../etc/passwd", 2, "../../etc/passwd" },
        { "../../..", 1, ".." },
        { "/../../etc", 2, "../../etc" },
        { "a/../../../../b", 1, "../b" },
};

int main(void)
{
        char out[64];
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int r = lxs_symlink_confine(cases[i].target, cases[i].depth, out, sizeof(out));
                CHECK_EQ_INT(r, (int)strlen(cases[i].want));
                CHECK_EQ_STR(out, cases[i].want);
                if (r < 0 || strcmp(out, cases[i].want) != 0)
                        fprintf(stderr, "  target '%s' at depth %u\n", cases[i].target, cases[i].depth);
        }
        CHECK_EQ_INT(lxs_symlink_confine("", 1, out, sizeof(out)), -EINVAL);
        /* Too long for the buffer: an error and an empty result, never a truncated path. */
        CHECK_EQ_INT(lxs_symlink_confine("/a", 40, out, sizeof(out)), -ENAMETOOLONG);
        CHECK_EQ_STR(out, "");
        CHECK_EQ_INT(lxs_symlink_confine("abc", 0, out, 4), 3);
        CHECK_EQ_INT(lxs_symlink_confine("abcd", 0, out, 4), -ENAMETOOLONG);
        return check_result("test-symlink-confine");
}
