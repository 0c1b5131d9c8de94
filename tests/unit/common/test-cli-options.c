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

/* Parses and builds the distro session; 0 or the parse error. */
static int command(struct lxs_command *cmd, char *err, int argc, char **argv)
{
        struct lxs_options o;
        int r = parse(&o, err, argc, argv);
        if (r < 0)
                return r;
        CHECK(o.action == LXS_ACTION_RUN && !o.system);
        CHECK_EQ_INT(lxs_options_command(&o, cmd), 0);
        CHECK(cmd->argv != NULL && cmd->argv[cmd->argc] == NULL);
        return 0;
}

/* Running in a distro: which shell, which argv, and the errors for what cannot be meant. */
static void test_distro_sessions(void)
{
        struct lxs_options o;
        struct lxs_command cmd;
        char err[256];

        /* No command: the login shell of the default distro. */
        char *c1[] = { "lxs", NULL };
        CHECK_EQ_INT(command(&cmd, err, 1, c1), 0);
        CHECK(cmd.argc == 0 && cmd.shell == LXS_SHELL_LOGIN);
        lxs_command_free(&cmd);

        /* A command line: joined, through the user's shell. */
        char *c2[] = { "lxs", "-d", "deb", "echo", "$HOME", "|", "wc", NULL };
        CHECK_EQ_INT(command(&cmd, err, 7, c2), 0);
        CHECK(cmd.argc == 1 && cmd.shell == LXS_SHELL_STANDARD);
        CHECK_EQ_STR(cmd.argv[0], "echo $HOME | wc");
        lxs_command_free(&cmd);

        /* -e: argv exactly, no shell; spaces inside arguments stay. */
        char *c3[] = { "lxs", "-u", "ann", "-e", "printf", "%s\n", "a b", NULL };
        CHECK_EQ_INT(command(&cmd, err, 7, c3), 0);
        CHECK(cmd.argc == 3 && cmd.shell == LXS_SHELL_NONE);
        CHECK_EQ_STR(cmd.argv[0], "printf");
        CHECK_EQ_STR(cmd.argv[2], "a b");
        lxs_command_free(&cmd);

        /* --shell-type none with a command line: the words as argv. */
        char *c4[] = { "lxs", "--shell-type", "none", "ls", "-l", "/", NULL };
        CHECK_EQ_INT(command(&cmd, err, 6, c4), 0);
        CHECK(cmd.argc == 3 && cmd.shell == LXS_SHELL_NONE);
        CHECK_EQ_STR(cmd.argv[1], "-l");
        lxs_command_free(&cmd);

        char *c5[] = { "lxs", "--shell-type", "login", "--", "-x", "y", NULL };
        CHECK_EQ_INT(command(&cmd, err, 6, c5), 0);
        CHECK(cmd.argc == 1 && cmd.shell == LXS_SHELL_LOGIN);
        CHECK_EQ_STR(cmd.argv[0], "-x y");
        lxs_command_free(&cmd);

        /* standard without a command: the shell itself, not as a login shell. */
        char *c6[] = { "lxs", "--shell-type", "standard", NULL };
        CHECK_EQ_INT(command(&cmd, err, 3, c6), 0);
        CHECK(cmd.argc == 0 && cmd.shell == LXS_SHELL_STANDARD);
        lxs_command_free(&cmd);

        /* Long spellings, and --cd with ~, ~/x and absolute paths. */
        char *c7[] = { "lxs", "--distribution", "Deb", "--user", "0", "--cd", "~", "id", NULL };
        CHECK_EQ_INT(parse(&o, err, 8, c7), 0);
        CHECK_EQ_STR(o.distribution, "Deb");
        CHECK_EQ_STR(o.user, "0");
        CHECK_EQ_STR(o.cwd, "~");
        char *c8[] = { "lxs", "--cd", "~/src", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, c8), 0);
        char *c9[] = { "lxs", "--cd", "/tmp", "--system", NULL };
        CHECK_EQ_INT(parse(&o, err, 4, c9), 0);
        CHECK(o.system);

        /* Errors name the option and what is wrong with it. */
        char *e1[] = { "lxs", "--shell-type", "bash", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, e1), -EINVAL);
        CHECK_EQ_STR(err, "--shell-type: 'bash': expected login, standard or none");
        char *e2[] = { "lxs", "--shell-type", NULL };
        CHECK_EQ_INT(parse(&o, err, 2, e2), -EINVAL);
        CHECK_EQ_STR(err, "--shell-type: needs a value");
        char *e3[] = { "lxs", "--shell-type", "none", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, e3), -EINVAL);
        CHECK_EQ_STR(err, "--shell-type none: needs a command");
        char *e4[] = { "lxs", "--shell-type", "login", "-e", "ls", NULL };
        CHECK_EQ_INT(parse(&o, err, 5, e4), -EINVAL);
        CHECK(strstr(err, "--shell-type: cannot be combined with --exec") == err);
        char *e5[] = { "lxs", "--cd", "src", "ls", NULL };
        CHECK_EQ_INT(parse(&o, err, 4, e5), -EINVAL);
        CHECK_EQ_STR(err, "--cd: 'src': expected ~ or an absolute Linux path");
        char *e6[] = { "lxs", "--cd", "~ann", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, e6), -EINVAL);
        CHECK(strstr(err, "'~ann'") != NULL);
        char *e7[] = { "lxs", "--system", "-d", "deb", NULL };
        CHECK_EQ_INT(parse(&o, err, 4, e7), -EINVAL);
        CHECK_EQ_STR(err, "-d: not valid with --system");
        char *e8[] = { "lxs", "--user", "ann", "--system", "id", NULL };
        CHECK_EQ_INT(parse(&o, err, 5, e8), -EINVAL);
        CHECK_EQ_STR(err, "--user: not valid with --system");
        char *e9[] = { "lxs", "--system", "--shell-type", "login", NULL };
        CHECK_EQ_INT(parse(&o, err, 4, e9), -EINVAL);
        CHECK_EQ_STR(err, "--shell-type: not valid with --system");
        char *e10[] = { "lxs", "-d", "", "id", NULL };
        CHECK_EQ_INT(parse(&o, err, 4, e10), -EINVAL);
        CHECK_EQ_STR(err, "-d: needs a non-empty value");
        char *e11[] = { "lxs", "-u", NULL };
        CHECK_EQ_INT(parse(&o, err, 2, e11), -EINVAL);
        CHECK_EQ_STR(err, "-u: needs a value");
        /* Options of running belong to no management command. */
        char *e12[] = { "lxs", "--list", "-d", "deb", NULL };
        CHECK_EQ_INT(parse(&o, err, 4, e12), -EINVAL);
        CHECK(strstr(err, "-d") == err);
        /* After the command starts, options belong to the command. */
        char *c10[] = { "lxs", "ls", "--system", "-d", NULL };
        CHECK_EQ_INT(command(&cmd, err, 4, c10), 0);
        CHECK_EQ_STR(cmd.argv[0], "ls --system -d");
        lxs_command_free(&cmd);
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

        /* --path: the Linux path before or after -d; -d goes with it, other run options do not. */
        char *p1[] = { "lxs", "--path", "-d", "deb", "/etc/hosts", NULL };
        CHECK_EQ_INT(parse(&o, err, 5, p1), 0);
        CHECK(o.action == LXS_ACTION_PATH);
        CHECK_EQ_STR(o.file, "/etc/hosts");
        CHECK_EQ_STR(o.distribution, "deb");
        char *p2[] = { "lxs", "--path", "/etc/hosts", "-d", "deb", NULL };
        CHECK_EQ_INT(parse(&o, err, 5, p2), 0);
        CHECK_EQ_STR(o.file, "/etc/hosts");
        CHECK_EQ_STR(o.distribution, "deb");
        char *p3[] = { "lxs", "--path", NULL };
        CHECK_EQ_INT(parse(&o, err, 2, p3), -EINVAL);
        CHECK(strstr(err, "--path") != NULL);
        char *p4[] = { "lxs", "--path", "/a", "/b", NULL };
        CHECK_EQ_INT(parse(&o, err, 4, p4), -EINVAL);
        char *p5[] = { "lxs", "--path", "-u", "ann", "/a", NULL };
        CHECK_EQ_INT(parse(&o, err, 5, p5), -EINVAL);
        CHECK(strstr(err, "-u") != NULL);
        char *m1[] = { "lxs", "--mount-view", "deb", NULL };
        CHECK_EQ_INT(parse(&o, err, 3, m1), 0);
        CHECK(o.action == LXS_ACTION_MOUNT_VIEW);
        CHECK_EQ_STR(o.name, "deb");

        test_distro_sessions();
        return check_result("test-cli-options");
}
