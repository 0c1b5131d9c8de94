/* lxs argument parsing, wsl.exe style: where the command line starts, -e vs a shell command
 * line, management commands, and one-line errors naming the bad argument. */
#include <errno.h>
#include <stdlib.h>

#include "../check.h"
#include "options.h"

static int parse(struct lxs_options *o, char *err, int argc, char **argv)
{
        err[0] = '\0';
        return lxs_options_parse(argc, argv, o, err, 256);
}

int main(void)
{
        struct lxs_options o;
        char err[256];

        char *a1[] = { "lxs", "--system", "-e", "uname", "-r", NULL };
        CHECK_EQ_INT(parse(&o, err, 5, a1), 0);
        CHECK(o.system && o.exec && o.argc == 2);
        CHECK_EQ_STR(o.argv[0], "uname");
        CHECK_EQ_STR(o.argv[1], "-r");

        /* Options after -e belong to the command. */
        char *a2[] = { "lxs", "--system", "-e", "ls", "--status", NULL };
        CHECK_EQ_INT(parse(&o, err, 5, a2), 0);
        CHECK(o.action == LXS_ACTION_RUN && o.argc == 2);

        char *a3[] = { "lxs", "--system", "echo", "a", "b", NULL };
        CHECK_EQ_INT(parse(&o, err, 5, a3), 0);
        CHECK(!o.exec && o.argc == 3);
        char *joined = lxs_join_cmdline(o.argc, o.argv);
        CHECK_EQ_STR(joined, "echo a b");
        free(joined);

        char *a4[] = { "lxs", "--system", "--", "-x", NULL };
        CHECK_EQ_INT(parse(&o, err, 4, a4), 0);
        CHECK(o.argc == 1);
        CHECK_EQ_STR(o.argv[0], "-x");

        char *a5[] = { "lxs", "--system", NULL };
        CHECK_EQ_INT(parse(&o, err, 2, a5), 0);
        CHECK(o.argv == NULL && o.system);

        char *a6[] = { "lxs", "--shutdown", "--force", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, a6), 0);
        CHECK(o.action == LXS_ACTION_SHUTDOWN && o.force);

        char *a7[] = { "lxs", "--status", NULL };
        CHECK_EQ_INT(parse(&o, err, 2, a7), 0);
        CHECK(o.action == LXS_ACTION_STATUS);

        char *a8[] = { "lxs", "--bogus", NULL };
        CHECK_EQ_INT(parse(&o, err, 2, a8), -EINVAL);
        CHECK(strstr(err, "--bogus") != NULL);

        char *a9[] = { "lxs", "--system", "-e", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, a9), -EINVAL);
        CHECK(strstr(err, "-e") != NULL);

        char *a10[] = { "lxs", "--status", "--shutdown", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, a10), -EINVAL);

        char *a11[] = { "lxs", "--force", NULL };
        CHECK_EQ_INT(parse(&o, err, 2, a11), -EINVAL);
        CHECK(strstr(err, "--force") != NULL);

        char *a12[] = { "lxs", "--status", "extra", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, a12), -EINVAL);
        CHECK(strstr(err, "extra") != NULL);

        char *a13[] = { "lxs", "--cd", NULL };
        CHECK_EQ_INT(parse(&o, err, 2, a13), -EINVAL);

        char *a14[] = { "lxs", "-v", NULL };
        CHECK_EQ_INT(parse(&o, err, 2, a14), 0);
        CHECK(o.action == LXS_ACTION_VERSION);
        char *b1[] = { "lxs", "--import", "deb", "/tmp/d", "-", "--vhd", NULL };
        CHECK_EQ_INT(parse(&o, err, 6, b1), 0);
        CHECK(o.action == LXS_ACTION_IMPORT && o.vhd);
        CHECK_EQ_STR(o.name, "deb");
        CHECK_EQ_STR(o.install_dir, "/tmp/d");
        CHECK_EQ_STR(o.file, "-");

        char *b2[] = { "lxs", "--import", "deb", "/tmp/d", NULL };
        CHECK_EQ_INT(parse(&o, err, 4, b2), -EINVAL);
        CHECK(strstr(err, "--import: needs three arguments") != NULL);

        char *b3[] = { "lxs", "--export", "deb", "out.tar.zst", "--format", "tar.zst", NULL };
        CHECK_EQ_INT(parse(&o, err, 6, b3), 0);
        CHECK(o.action == LXS_ACTION_EXPORT);
        CHECK_EQ_STR(o.format, "tar.zst");

        char *b4[] = { "lxs", "-l", "-v", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, b4), 0);
        CHECK(o.action == LXS_ACTION_LIST && o.verbose);

        char *b5[] = { "lxs", "--list", "--running", "-q", "--json", NULL };
        CHECK_EQ_INT(parse(&o, err, 5, b5), 0);
        CHECK(o.running && o.quiet && o.json);

        char *b6[] = { "lxs", "--manage", "deb", "--set-default-user", "ann", NULL };
        CHECK_EQ_INT(parse(&o, err, 5, b6), 0);
        CHECK(o.action == LXS_ACTION_MANAGE);
        CHECK_EQ_STR(o.default_user, "ann");

        char *b7[] = { "lxs", "--manage", "deb", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, b7), -EINVAL);

        char *b8[] = { "lxs", "--install", "debian:bookworm", "--name", "bw", "--no-launch", NULL };
        CHECK_EQ_INT(parse(&o, err, 6, b8), 0);
        CHECK(o.action == LXS_ACTION_INSTALL && o.no_launch);
        CHECK_EQ_STR(o.release, "debian:bookworm");
        CHECK_EQ_STR(o.name, "bw");

        char *b9[] = { "lxs", "--list", "--format", "tar", NULL };
        CHECK_EQ_INT(parse(&o, err, 4, b9), -EINVAL);
        CHECK(strstr(err, "--format") != NULL);

        char *b10[] = { "lxs", "-d", "deb", "-u", "ann", "-e", "id", NULL };
        CHECK_EQ_INT(parse(&o, err, 7, b10), 0);
        CHECK(o.action == LXS_ACTION_RUN && o.exec);
        CHECK_EQ_STR(o.distribution, "deb");
        CHECK_EQ_STR(o.user, "ann");

        char *b11[] = { "lxs", "-s", "deb", "-t", "x", NULL };
        CHECK_EQ_INT(parse(&o, err, 5, b11), -EINVAL);

        char *b12[] = { "lxs", "--unregister", "deb", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, b12), 0);
        CHECK(o.action == LXS_ACTION_UNREGISTER);
        return check_result("test-cli-options");
}
