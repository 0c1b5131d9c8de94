/* What a distro session runs, built from ExecStart and the resolved user (pure: no I/O).
 *
 * Environment: HOME, USER, LOGNAME, SHELL from the user, PATH a standard default (without the
 * sbin directories for users other than root), then every entry the host sent, which wins over
 * those. Command: SHELL_NONE runs argv (PATH lookup); SHELL_STANDARD runs `<shell> -c argv[0]`,
 * or the shell alone without argv; SHELL_LOGIN the same with argv[0] "-<shell's basename>", which
 * is how login(1) marks a login shell. An image tool runs with argv { tool } (the caller
 * executes its fd). Working directory: empty or "~" is the home directory,
 * "~/x" below it, anything else as given; only an empty one may fall back to "/" when the home
 * directory cannot be entered.
 * Return 0 or negative errno (-ENOMEM, -EINVAL for an argv the shell mode cannot take). */
#ifndef LXS_INIT_DISTRO_COMMAND_H
#define LXS_INIT_DISTRO_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "passwd.h"
#include "protocol.h"

#define LXS_ROOT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define LXS_USER_PATH "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"

struct lxs_distro_command {
        char **argv;          /* NULL-terminated, owned */
        char *path;           /* program to execve; NULL: look argv[0] up in PATH */
        char **envp;          /* NULL-terminated, owned */
        char *cwd;
        bool cwd_fallback;    /* "/" may be used if cwd cannot be entered */
};

/* shell is the user's shell as it will be run (already checked to exist, else "/bin/sh"). */
int lxs_distro_command_build(const Lxs__Guest__ExecStart *m, const struct lxs_user *user, const char *shell,
                             struct lxs_distro_command *out);

void lxs_distro_command_free(struct lxs_distro_command *c);

/* Appends ":dir" to the PATH entry of c->envp (adds PATH=dir when there is none), as WSL
 * appends the Windows path: the distro's own programs win over the host's. */
int lxs_distro_command_append_path(struct lxs_distro_command *c, const char *dir);

#endif
