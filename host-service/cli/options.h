/* Command-line parsing for `lxs`, spelled like wsl.exe:
 *
 *   lxs [-d NAME] [-u USER] [--cd DIR] [--shell-type login|standard|none]
 *       [-e CMD [ARGS...] | [--] CMDLINE...]
 *   lxs --system [--cd DIR] [-e CMD [ARGS...] | [--] CMDLINE...]
 *   lxs --import NAME INSTALL_DIR FILE|- [--vhd]
 *   lxs --import-in-place NAME IMAGE
 *   lxs --export NAME FILE|- [--format tar|tar.gz|tar.xz|tar.zst|tar.bz2|vhd] [--vhd]
 *   lxs -l|--list [-v|--verbose] [--running] [-q|--quiet] [--json]
 *   lxs -s|--set-default NAME | -t|--terminate NAME | --unregister NAME
 *   lxs --manage NAME --set-default-user USER
 *   lxs --install [debian[:RELEASE]] [--name NAME] [--location DIR] [--from-file TARBALL] [--no-launch]
 *   lxs --path [-d NAME] LINUX_PATH
 *   lxs --status | --shutdown [--force] | -v|--version | -h|--help
 *   lxs --mount-view NAME          (hidden: lxsd runs it for each running distro)
 *
 * A command option takes its positional arguments right after it; the first word that is not
 * an option (or --, or -e) starts the command line to run. Parsing is pure (no I/O) so it is
 * unit-tested directly. Errors come back as a one-line message naming the offending argument;
 * the caller prints it as "lxs: <message>". */
#ifndef LXS_CLI_OPTIONS_H
#define LXS_CLI_OPTIONS_H

#include <stdbool.h>

/* How a distro session's command runs; the values are guest.proto's Shell. */
enum lxs_shell {
        LXS_SHELL_NONE = 0,     /* exec argv */
        LXS_SHELL_STANDARD = 1, /* the user's shell -c CMDLINE, or the shell itself */
        LXS_SHELL_LOGIN = 2,    /* the same as a login shell */
};

/* --shell-type as given; DEFAULT: login for no command, standard for a command line. */
enum lxs_shell_type { LXS_SHELL_TYPE_DEFAULT, LXS_SHELL_TYPE_LOGIN, LXS_SHELL_TYPE_STANDARD, LXS_SHELL_TYPE_NONE };

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
        LXS_ACTION_PATH,        /* --path: file is the Linux path, distribution the distro */
        LXS_ACTION_MOUNT_VIEW,  /* --mount-view: name is the distro */
};

struct lxs_options {
        enum lxs_action action;
        bool system;            /* --system: the utility VM's own namespace */
        bool force;             /* --shutdown --force */
        bool exec;              /* -e: run argv as is, no shell */
        char **argv;            /* points into the caller's argv; NULL: interactive shell */
        int argc;
        const char *cwd;        /* --cd: "~", "~/..." or an absolute Linux path */
        const char *distribution;   /* -d */
        const char *user;       /* -u */
        enum lxs_shell_type shell_type;     /* --shell-type */

        /* Distro management. */
        const char *name;       /* the distro a management command is about */
        const char *install_dir;    /* --import's INSTALL_DIR, --install --location */
        const char *file;       /* --import/--export FILE ("-" = stdin/stdout), --import-in-place IMAGE,
                                 * --path LINUX_PATH */
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

/* What a distro session runs: argv (NULL-terminated, argc entries, possibly none) and how. */
struct lxs_command {
        char **argv;            /* malloc'd array; entries point into the options or `line` */
        int argc;
        enum lxs_shell shell;
        char *line;             /* the joined command line, when there is one */
};

/* The session a RUN action's options ask for in a distro: no command is the login shell, -e
 * is argv as is, a command line runs through the shell (or, with --shell-type none, as the
 * words given). Returns 0 or -ENOMEM; free with lxs_command_free. */
int lxs_options_command(const struct lxs_options *o, struct lxs_command *cmd);
void lxs_command_free(struct lxs_command *cmd);

#endif
