/* Command-line parsing for `lxs`, spelled like wsl.exe:
 *
 *   lxs [--system] [-e|--exec CMD [ARGS...]] [--cd DIR] [--] [CMDLINE...]
 *   lxs --status | --shutdown [--force] | --version | --help
 *
 * Parsing is pure (no I/O) so it is unit-tested directly. Errors come back as a one-line
 * message naming the offending argument; the caller prints it as "lxs: <message>". */
#ifndef LXS_CLI_OPTIONS_H
#define LXS_CLI_OPTIONS_H

#include <stdbool.h>

enum lxs_action {
        LXS_ACTION_RUN,         /* a shell or a command */
        LXS_ACTION_STATUS,
        LXS_ACTION_SHUTDOWN,
        LXS_ACTION_VERSION,
        LXS_ACTION_HELP,
};

struct lxs_options {
        enum lxs_action action;
        bool system;            /* --system: the utility VM's own namespace */
        bool force;             /* --shutdown --force */
        bool exec;              /* -e: run argv as is, no shell */
        char **argv;            /* points into the caller's argv; NULL: interactive shell */
        int argc;
        const char *cwd;        /* --cd */
        const char *distribution;   /* -d (accepted; distros come with a later release) */
        const char *user;       /* -u */
};

/* Returns 0, or -EINVAL with err (size errlen) holding the message. */
int lxs_options_parse(int argc, char **argv, struct lxs_options *o, char *err, unsigned errlen);

/* Joins argv with single spaces, as wsl does for a command line given without -e. malloc'd. */
char *lxs_join_cmdline(int argc, char **argv);

#endif
