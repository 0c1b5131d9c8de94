/* Command-line parsing for `lxs`, spelled like wsl.exe:
 *
 *   lxs [-d NAME] [-u USER] [--system] [--cd DIR] [-e CMD [ARGS...] | [--] CMDLINE...]
 *   lxs --import NAME INSTALL_DIR FILE|- [--vhd]
 *   lxs --import-in-place NAME IMAGE
 *   lxs --export NAME FILE|- [--format tar|tar.gz|tar.xz|tar.zst|tar.bz2|vhd] [--vhd]
 *   lxs -l|--list [-v|--verbose] [--running] [-q|--quiet] [--json]
 *   lxs -s|--set-default NAME | -t|--terminate NAME | --unregister NAME
 *   lxs --manage NAME --set-default-user USER
 *   lxs --install [debian[:RELEASE]] [--name NAME] [--location DIR] [--from-file TARBALL] [--no-launch]
 *   lxs --status | --shutdown [--force] | -v|--version | -h|--help
 *
 * A command option takes its positional arguments right after it; the first word that is not
 * an option (or --, or -e) starts the command line to run. Parsing is pure (no I/O) so it is
 * unit-tested directly. Errors come back as a one-line message naming the offending argument;
 * the caller prints it as "lxs: <message>". */
#ifndef LXS_CLI_OPTIONS_H
#define LXS_CLI_OPTIONS_H

#include <stdbool.h>

enum lxs_action {
        LXS_ACTION_RUN,         /* a shell or a command */
        LXS_ACTION_STATUS,
        LXS_ACTION_SHUTDOWN,
        LXS_ACTION_VERSION,
        LXS_ACTION_HELP,
        LXS_ACTION_IMPORT,
        LXS_ACTION_IMPORT_IN_PLACE,
        LXS_ACTION_EXPORT,
        LXS_ACTION_LIST,
        LXS_ACTION_SET_DEFAULT,
        LXS_ACTION_TERMINATE,
        LXS_ACTION_UNREGISTER,
        LXS_ACTION_MANAGE,
        LXS_ACTION_INSTALL,
};

struct lxs_options {
        enum lxs_action action;
        bool system;            /* --system: the utility VM's own namespace */
        bool force;             /* --shutdown --force */
        bool exec;              /* -e: run argv as is, no shell */
        char **argv;            /* points into the caller's argv; NULL: interactive shell */
        int argc;
        const char *cwd;        /* --cd */
        const char *distribution;   /* -d */
        const char *user;       /* -u */

        /* Distro management. */
        const char *name;       /* the distro a management command is about */
        const char *install_dir;    /* --import's INSTALL_DIR, --install --location */
        const char *file;       /* --import/--export FILE ("-" = stdin/stdout), --import-in-place IMAGE */
        const char *format;     /* --export --format */
        bool vhd;               /* --vhd */
        bool verbose, running, quiet, json;     /* --list */
        const char *default_user;   /* --manage --set-default-user */
        const char *release;    /* --install debian[:RELEASE] */
        const char *from_file;  /* --install --from-file */
        bool no_launch;         /* --install --no-launch */
};

/* Returns 0, or -EINVAL with err (size errlen) holding the message. */
int lxs_options_parse(int argc, char **argv, struct lxs_options *o, char *err, unsigned errlen);

/* Joins argv with single spaces, as wsl does for a command line given without -e. malloc'd. */
char *lxs_join_cmdline(int argc, char **argv);

#endif
