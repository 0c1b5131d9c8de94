/* Unit test: LXSENV entries, which variables cross in each direction, path translation of /p
 * and /l values, and what happens to malformed entries (interop/lxsenv.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lxsenv.h"

/* "/guest/x" -> "/host/x"; anything else has no counterpart. */
static int fake_translate(const char *path, char **out, void *data)
{
        (void)data;
        if (strncmp(path, "/guest/", 7) != 0)
                return -ENOENT;
        *out = malloc(strlen(path) + 1);
        strcpy(*out, "/host/");
        strcat(*out, path + 7);
        return 0;
}

/* The selection as one "A=1;B=2;" string, for easy comparison. */
static char *joined(char **v)
{
        static char buf[1024];
        buf[0] = '\0';
        for (char **p = v; p && *p; p++) {
                strcat(buf, *p);
                strcat(buf, ";");
        }
        return buf;
}

static void expect_selection(char **env, enum lxs_env_direction dir, const char *want)
{
        char **out = NULL;
        size_t n = 0;
        CHECK_EQ_INT(lxs_env_select(env, dir, fake_translate, NULL, &out, &n), 0);
        CHECK_EQ_STR(joined(out), want);
        size_t count = 0;
        for (char **p = out; p && *p; p++)
                count++;
        CHECK_EQ_INT(count, n);
        lxs_env_free(out);
}

int main(void)
{
        size_t nlen;
        unsigned flags;
        CHECK_EQ_INT(lxs_env_parse_entry("FOO/pu", 6, &nlen, &flags), 0);
        CHECK_EQ_INT(nlen, 3);
        CHECK_EQ_INT(flags, LXS_ENV_FLAG_PATH | LXS_ENV_FLAG_ONLY_TO_LINUX);
        CHECK_EQ_INT(lxs_env_parse_entry("BAR", 3, &nlen, &flags), 0);
        CHECK_EQ_INT(flags, 0);
        CHECK_EQ_INT(lxs_env_parse_entry("/p", 2, &nlen, &flags), -EINVAL);
        CHECK_EQ_INT(lxs_env_parse_entry("A=B", 3, &nlen, &flags), -EINVAL);
        CHECK_EQ_INT(lxs_env_parse_entry("A/x", 3, &nlen, &flags), -EINVAL);

        /* Nothing crosses without LXSENV. */
        char *none[] = { "FOO=1", "PATH=/bin", NULL };
        expect_selection(none, LXS_ENV_TO_HOST, "");

        char *env[] = {
                "LXSENV=FOO:P/p:L/l:IN/u:OUT/w:MISSING:BAD/z::FOO",
                "FOO=1", "P=/guest/a", "L=/guest/b:/elsewhere:/guest/c", "IN=in", "OUT=out",
                "SECRET=x", "BAD=bad", NULL,
        };
        expect_selection(env, LXS_ENV_TO_HOST,
                         "LXSENV=FOO:P/p:L/l:IN/u:OUT/w:MISSING:BAD/z::FOO;FOO=1;P=/host/a;"
                         "L=/host/b:/elsewhere:/host/c;OUT=out;");
        expect_selection(env, LXS_ENV_TO_LINUX,
                         "LXSENV=FOO:P/p:L/l:IN/u:OUT/w:MISSING:BAD/z::FOO;FOO=1;P=/host/a;"
                         "L=/host/b:/elsewhere:/host/c;IN=in;");

        /* A path with no counterpart, and an empty value, cross unchanged. */
        char *plain[] = { "LXSENV=P/p:E/l", "P=/nowhere", "E=", NULL };
        expect_selection(plain, LXS_ENV_TO_HOST, "LXSENV=P/p:E/l;P=/nowhere;E=;");

        /* LXSENV itself is never listed twice. */
        char *self[] = { "LXSENV=LXSENV", NULL };
        expect_selection(self, LXS_ENV_TO_HOST, "LXSENV=LXSENV;");
        return check_result("test-lxsenv");
}
