/* Runs one process session through lxsd and relays this terminal or these pipes to it: stdin
 * under the guest's credit, stdout/stderr as they come, signals forwarded, the terminal in raw
 * mode (restored on every exit path) when there is a PTY. Returns the exit status lxs should
 * exit with: the command's own, 128+N when a signal N killed it, 127/126 when it could not be
 * found/executed, 1 for lxs's own errors (already printed). Notices from lxsd (a distro's
 * start-up warnings) are printed as "lxs: <message>" on stderr. */
#ifndef LXS_CLI_EXEC_H
#define LXS_CLI_EXEC_H

#include <stdbool.h>

#include "client.h"

struct lxs_exec_spec {
        bool system;
        char **argv;          /* NULL-terminated; may be empty for a shell in a distro */
        int argc;
        const char *cwd;
        const char *distro;   /* when !system */
        const char *user;     /* NULL: the distro's default user */
        int shell;            /* enum lxs_shell (guest.proto's Shell) */
        const char *image_tool;   /* a program of the guest image instead of argv (distro only) */
        bool background;      /* the session does not keep the distro running */
};

int lxs_exec_run(struct lxs_client *c, const struct lxs_exec_spec *spec);

#endif
