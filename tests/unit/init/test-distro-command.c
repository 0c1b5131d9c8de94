/* Unit test: argv, environment and working directory of a distro session for each shell mode
 * (init/distro-command.c). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "distro-command.h"

static int strv_eq(char **v, const char *const *want)
{
        size_t i = 0;
        for (; want[i]; i++)
                if (!v[i] || strcmp(v[i], want[i]) != 0) {
                        fprintf(stderr, "entry %zu: '%s', expected '%s'\n", i, v[i] ? v[i] : "(null)", want[i]);
                        return 0;
                }
        if (v[i])
                fprintf(stderr, "extra entry '%s'\n", v[i]);
        return v[i] == NULL;
}

int main(void)
{
        struct lxs_user ann = { .name = "ann", .uid = 1000, .gid = 1000, .home = "/home/ann", .shell = "/bin/zsh" };
        struct lxs_user root = { .name = "root", .uid = 0, .gid = 0, .home = "/root", .shell = "/bin/bash" };
        char *argv[] = { "ls", "-l" };
        char *env[] = { "TERM=xterm", "HOME=/elsewhere", "LANG=C.UTF-8" };
        Lxs__Guest__ExecStart m = LXS__GUEST__EXEC_START__INIT;
        m.argv = argv;
        m.n_argv = 2;
        m.env = env;
        m.n_env = 3;
        m.cwd = "";
        struct lxs_distro_command c;

        CHECK(lxs_distro_command_build(&m, &ann, "/bin/zsh", &c) == 0);
        CHECK(strv_eq(c.argv, (const char *const[]){ "ls", "-l", NULL }));
        CHECK(c.path == NULL);
        /* The host's HOME wins over passwd's; the user's PATH has no sbin. */
        CHECK(strv_eq(c.envp, (const char *const[]){ "USER=ann", "LOGNAME=ann", "SHELL=/bin/zsh",
                                                     "PATH=" LXS_USER_PATH, "TERM=xterm", "HOME=/elsewhere",
                                                     "LANG=C.UTF-8", NULL }));
        CHECK(strcmp(c.cwd, "/home/ann") == 0 && c.cwd_fallback);
        lxs_distro_command_free(&c);

        m.n_env = 1;
        m.cwd = "~/src";
        CHECK(lxs_distro_command_build(&m, &root, "/bin/bash", &c) == 0);
        CHECK(strv_eq(c.envp, (const char *const[]){ "HOME=/root", "USER=root", "LOGNAME=root", "SHELL=/bin/bash",
                                                     "PATH=" LXS_ROOT_PATH, "TERM=xterm", NULL }));
        CHECK(strcmp(c.cwd, "/root/src") == 0 && !c.cwd_fallback);
        lxs_distro_command_free(&c);

        m.cwd = "~";
        struct lxs_user slash = { .name = "4242", .uid = 4242, .gid = 4242, .home = "/", .shell = "" };
        CHECK(lxs_distro_command_build(&m, &slash, "/bin/sh", &c) == 0);
        CHECK(strcmp(c.cwd, "/") == 0 && !c.cwd_fallback);
        lxs_distro_command_free(&c);
        m.cwd = "~/x";
        CHECK(lxs_distro_command_build(&m, &slash, "/bin/sh", &c) == 0);
        CHECK(strcmp(c.cwd, "/x") == 0);
        lxs_distro_command_free(&c);
        m.cwd = "/srv";
        CHECK(lxs_distro_command_build(&m, &slash, "/bin/sh", &c) == 0);
        CHECK(strcmp(c.cwd, "/srv") == 0 && !c.cwd_fallback);
        lxs_distro_command_free(&c);

        /* Shell modes: one command line; none for an interactive shell. */
        char *line[] = { "echo $HOME | wc -c" };
        m.argv = line;
        m.n_argv = 1;
        m.shell = LXS__GUEST__SHELL__SHELL_STANDARD;
        CHECK(lxs_distro_command_build(&m, &ann, "/bin/zsh", &c) == 0);
        CHECK(strv_eq(c.argv, (const char *const[]){ "zsh", "-c", "echo $HOME | wc -c", NULL }));
        CHECK(c.path && strcmp(c.path, "/bin/zsh") == 0);
        lxs_distro_command_free(&c);
        m.shell = LXS__GUEST__SHELL__SHELL_LOGIN;
        CHECK(lxs_distro_command_build(&m, &ann, "/bin/zsh", &c) == 0);
        CHECK(strv_eq(c.argv, (const char *const[]){ "-zsh", "-c", "echo $HOME | wc -c", NULL }));
        lxs_distro_command_free(&c);
        m.n_argv = 0;
        CHECK(lxs_distro_command_build(&m, &ann, "/bin/sh", &c) == 0);
        CHECK(strv_eq(c.argv, (const char *const[]){ "-sh", NULL }));
        CHECK(strcmp(c.path, "/bin/sh") == 0);
        lxs_distro_command_free(&c);
        m.shell = LXS__GUEST__SHELL__SHELL_STANDARD;
        CHECK(lxs_distro_command_build(&m, &ann, "/bin/sh", &c) == 0);
        CHECK(strv_eq(c.argv, (const char *const[]){ "sh", NULL }));
        lxs_distro_command_free(&c);

        /* The host's programs are appended to PATH (NAME.host links); a PATH-less
         * environment gets one. */
        m.shell = LXS__GUEST__SHELL__SHELL_NONE;
        m.n_argv = 2;
        m.argv = argv;
        CHECK(lxs_distro_command_build(&m, &root, "/bin/bash", &c) == 0);
        CHECK(lxs_distro_command_append_path(&c, "/run/lxs/host-bin") == 0);
        bool found = false;
        for (char **e = c.envp; *e; e++)
                if (strcmp(*e, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/run/lxs/host-bin") == 0)
                        found = true;
        CHECK(found);
        lxs_distro_command_free(&c);
        struct lxs_distro_command bare = { 0 };
        CHECK(lxs_distro_command_append_path(&bare, "/x") == 0);
        CHECK(strv_eq(bare.envp, (const char *const[]){ "PATH=/x", NULL }));
        lxs_distro_command_free(&bare);
        m.shell = LXS__GUEST__SHELL__SHELL_STANDARD;

        /* What the decoder refuses anyway is refused here too. */
        m.argv = argv;
        m.n_argv = 2;
        CHECK(lxs_distro_command_build(&m, &ann, "/bin/sh", &c) == -EINVAL);
        m.shell = LXS__GUEST__SHELL__SHELL_NONE;
        m.n_argv = 0;
        CHECK(lxs_distro_command_build(&m, &ann, "/bin/sh", &c) == -EINVAL);
        return check_result("test-distro-command");
}
