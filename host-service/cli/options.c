/* wsl.exe-compatible argument parsing; see options.h. Hand-rolled rather than getopt because
 * the first non-option word (or --, -e) ends option parsing and the rest belongs to the
 * command, exactly as wsl.exe treats it, and because command options take positional
 * arguments. Which options a command accepts is one table. */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

enum opt_id {
        OPT_EXEC, OPT_SYSTEM, OPT_STATUS, OPT_SHUTDOWN, OPT_FORCE, OPT_VERSION, OPT_HELP, OPT_CD,
        OPT_DISTRIBUTION, OPT_USER, OPT_IMPORT, OPT_IMPORT_IN_PLACE, OPT_EXPORT, OPT_LIST,
        OPT_SET_DEFAULT, OPT_TERMINATE, OPT_UNREGISTER, OPT_MANAGE, OPT_INSTALL, OPT_VHD, OPT_FORMAT,
        OPT_VERBOSE, OPT_RUNNING, OPT_QUIET, OPT_JSON, OPT_SET_DEFAULT_USER, OPT_NAME, OPT_LOCATION,
        OPT_FROM_FILE, OPT_NO_LAUNCH, OPT_SHELL_TYPE, OPT_PATH, OPT_MOUNT_VIEW,
};

/* Which action an option belongs to; RUN also covers options valid for running commands. */
#define ANY (-1)

static const struct {
        const char *long_name;
        const char *short_name;
        enum opt_id id;
        int values;             /* arguments the option consumes */
        int action;             /* the action it starts, or ANY for a modifier */
        int modifies;           /* for modifiers: the action it is valid with (ANY: all) */
} option_table[] = {
        { "--exec", "-e", OPT_EXEC, 0, ANY, LXS_ACTION_RUN },
        { "--system", NULL, OPT_SYSTEM, 0, ANY, LXS_ACTION_RUN },
        { "--cd", NULL, OPT_CD, 1, ANY, LXS_ACTION_RUN },
        { "--distribution", "-d", OPT_DISTRIBUTION, 1, ANY, LXS_ACTION_RUN },
        { "--user", "-u", OPT_USER, 1, ANY, LXS_ACTION_RUN },
        { "--shell-type", NULL, OPT_SHELL_TYPE, 1, ANY, LXS_ACTION_RUN },
        { "--status", NULL, OPT_STATUS, 0, LXS_ACTION_STATUS, ANY },
        { "--shutdown", NULL, OPT_SHUTDOWN, 0, LXS_ACTION_SHUTDOWN, ANY },
        { "--force", NULL, OPT_FORCE, 0, ANY, LXS_ACTION_SHUTDOWN },
        { "--version", "-v", OPT_VERSION, 0, LXS_ACTION_VERSION, ANY },
        { "--help", "-h", OPT_HELP, 0, LXS_ACTION_HELP, ANY },
        { "--import", NULL, OPT_IMPORT, 3, LXS_ACTION_IMPORT, ANY },
        { "--import-in-place", NULL, OPT_IMPORT_IN_PLACE, 2, LXS_ACTION_IMPORT_IN_PLACE, ANY },
        { "--export", NULL, OPT_EXPORT, 2, LXS_ACTION_EXPORT, ANY },
        { "--list", "-l", OPT_LIST, 0, LXS_ACTION_LIST, ANY },
        { "--set-default", "-s", OPT_SET_DEFAULT, 1, LXS_ACTION_SET_DEFAULT, ANY },
        { "--terminate", "-t", OPT_TERMINATE, 1, LXS_ACTION_TERMINATE, ANY },
        { "--unregister", NULL, OPT_UNREGISTER, 1, LXS_ACTION_UNREGISTER, ANY },
        { "--manage", NULL, OPT_MANAGE, 1, LXS_ACTION_MANAGE, ANY },
        { "--install", NULL, OPT_INSTALL, 0, LXS_ACTION_INSTALL, ANY },
        { "--vhd", NULL, OPT_VHD, 0, ANY, LXS_ACTION_IMPORT },
        { "--format", NULL, OPT_FORMAT, 1, ANY, LXS_ACTION_EXPORT },
        { "--verbose", NULL, OPT_VERBOSE, 0, ANY, LXS_ACTION_LIST },
        { "--running", NULL, OPT_RUNNING, 0, ANY, LXS_ACTION_LIST },
        { "--quiet", "-q", OPT_QUIET, 0, ANY, LXS_ACTION_LIST },
        { "--json", NULL, OPT_JSON, 0, ANY, LXS_ACTION_LIST },
        { "--set-default-user", NULL, OPT_SET_DEFAULT_USER, 1, ANY, LXS_ACTION_MANAGE },
        { "--name", NULL, OPT_NAME, 1, ANY, LXS_ACTION_INSTALL },
        { "--location", NULL, OPT_LOCATION, 1, ANY, LXS_ACTION_INSTALL },
        { "--from-file", NULL, OPT_FROM_FILE, 1, ANY, LXS_ACTION_INSTALL },
        { "--no-launch", NULL, OPT_NO_LAUNCH, 0, ANY, LXS_ACTION_INSTALL },
        { "--path", NULL, OPT_PATH, 0, LXS_ACTION_PATH, ANY },
        { "--mount-view", NULL, OPT_MOUNT_VIEW, 1, LXS_ACTION_MOUNT_VIEW, ANY },
};

/* A modifier is valid with the action it belongs to; -d also names --path's distro. */
static bool modifier_ok(size_t k, enum lxs_action action)
{
        int m = option_table[k].modifies;
        if (option_table[k].action != ANY || m == ANY || m == (int)action)
                return true;
        return option_table[k].id == OPT_DISTRIBUTION && action == LXS_ACTION_PATH;
}

static int find_option(const char *a, enum lxs_action action)
{
        /* -v means --verbose after --list, --version elsewhere, as in wsl. */
        if (strcmp(a, "-v") == 0 && action == LXS_ACTION_LIST)
                a = "--verbose";
        for (size_t k = 0; k < LXS_ARRAY_SIZE(option_table); k++)
                if (strcmp(a, option_table[k].long_name) == 0 ||
                    (option_table[k].short_name && strcmp(a, option_table[k].short_name) == 0))
                        return (int)k;
        return -1;
}

static const struct {
        const char *name;
        enum lxs_shell_type type;
} shell_types[] = {
        { "login", LXS_SHELL_TYPE_LOGIN },
        { "standard", LXS_SHELL_TYPE_STANDARD },
        { "none", LXS_SHELL_TYPE_NONE },
};

/* Options that choose something inside a distro mean nothing in the VM's own namespace. */
static const enum opt_id distro_only[] = { OPT_DISTRIBUTION, OPT_USER, OPT_SHELL_TYPE };

/* Checks an option's value; 0 or -EINVAL with err filled. */
static int check_value(enum opt_id id, const char *opt, const char *v, char *err, unsigned errlen)
{
        switch (id) {
        case OPT_SHELL_TYPE:
                for (size_t i = 0; i < LXS_ARRAY_SIZE(shell_types); i++)
                        if (strcmp(v, shell_types[i].name) == 0)
                                return 0;
                snprintf(err, errlen, "%s: '%s': expected login, standard or none", opt, v);
                return -EINVAL;
        case OPT_CD:
                /* Relative to what? The host's cwd means nothing in the VM. */
                if (v[0] == '/' || (v[0] == '~' && (v[1] == '\0' || v[1] == '/')))
                        return 0;
                snprintf(err, errlen, "%s: '%s': expected ~ or an absolute Linux path", opt, v);
                return -EINVAL;
        case OPT_DISTRIBUTION:
        case OPT_USER:
                if (*v)
                        return 0;
                snprintf(err, errlen, "%s: needs a non-empty value", opt);
                return -EINVAL;
        default:
                return 0;
        }
}

static void apply(struct lxs_options *o, enum opt_id id, char **v)
{
        switch (id) {
        case OPT_SHELL_TYPE:
                for (size_t i = 0; i < LXS_ARRAY_SIZE(shell_types); i++)
                        if (strcmp(v[0], shell_types[i].name) == 0)
                                o->shell_type = shell_types[i].type;
                break;
        case OPT_SYSTEM: o->system = true; break;
        case OPT_FORCE: o->force = true; break;
        case OPT_CD: o->cwd = v[0]; break;
        case OPT_DISTRIBUTION: o->distribution = v[0]; break;
        case OPT_USER: o->user = v[0]; break;
        case OPT_IMPORT: o->name = v[0]; o->install_dir = v[1]; o->file = v[2]; break;
        case OPT_IMPORT_IN_PLACE: o->name = v[0]; o->file = v[1]; break;
        case OPT_EXPORT: o->name = v[0]; o->file = v[1]; break;
        case OPT_SET_DEFAULT:
        case OPT_TERMINATE:
        case OPT_UNREGISTER:
        case OPT_MANAGE:
        case OPT_MOUNT_VIEW: o->name = v[0]; break;
        case OPT_VHD: o->vhd = true; break;
        case OPT_FORMAT: o->format = v[0]; break;
        case OPT_VERBOSE: o->verbose = true; break;
        case OPT_RUNNING: o->running = true; break;
        case OPT_QUIET: o->quiet = true; break;
        case OPT_JSON: o->json = true; break;
        case OPT_SET_DEFAULT_USER: o->default_user = v[0]; break;
        case OPT_NAME: o->name = v[0]; break;
        case OPT_LOCATION: o->install_dir = v[0]; break;
        case OPT_FROM_FILE: o->from_file = v[0]; break;
        case OPT_NO_LAUNCH: o->no_launch = true; break;
        default: break;
        }
}

/* The spelling the user typed for an option, for messages. */
static const char *typed(int argc, char **argv, const struct lxs_options *o, enum opt_id id)
{
        for (int j = 1; j < argc && !(o->argv && argv + j >= o->argv); j++) {
                int k = find_option(argv[j], o->action);
                if (k < 0)
                        continue;
                if (option_table[k].id == id)
                        return argv[j];
                j += option_table[k].values;
        }
        return "";
}

/* Combinations of the options for running something. */
static int check_run(const struct lxs_options *o, int argc, char **argv, char *err, unsigned errlen)
{
        if (o->system) {
                for (size_t i = 0; i < LXS_ARRAY_SIZE(distro_only); i++) {
                        const char *opt = typed(argc, argv, o, distro_only[i]);
                        if (*opt) {
                                snprintf(err, errlen, "%s: not valid with --system", opt);
                                return -EINVAL;
                        }
                }
                return 0;
        }
        if (o->shell_type != LXS_SHELL_TYPE_DEFAULT && o->exec) {
                snprintf(err, errlen, "--shell-type: cannot be combined with --exec, which uses no shell");
                return -EINVAL;
        }
        if (o->shell_type == LXS_SHELL_TYPE_NONE && !o->argv) {
                snprintf(err, errlen, "--shell-type none: needs a command");
                return -EINVAL;
        }
        return 0;
}

int lxs_options_parse(int argc, char **argv, struct lxs_options *o, char *err, unsigned errlen)
{
        memset(o, 0, sizeof(*o));
        int i = 1;
        for (; i < argc; i++) {
                const char *a = argv[i];
                if (strcmp(a, "--") == 0) {
                        i++;
                        if (i >= argc) {
                                snprintf(err, errlen, "--: a command line must follow");
                                return -EINVAL;
                        }
                        break;
                }
                if (a[0] != '-') {
                        /* --install's optional distro word, e.g. debian:bookworm. */
                        if (o->action == LXS_ACTION_INSTALL && !o->release && !o->argv) {
                                o->release = a;
                                continue;
                        }
                        /* --path's Linux path, before or after -d. */
                        if (o->action == LXS_ACTION_PATH && !o->file) {
                                o->file = a;
                                continue;
                        }
                        break; /* the command line starts here */
                }
                int k = find_option(a, o->action);
                if (k < 0) {
                        snprintf(err, errlen, "%s: unknown option (see lxs --help)", a);
                        return -EINVAL;
                }
                if (option_table[k].action != ANY) {
                        if (o->action != LXS_ACTION_RUN) {
                                snprintf(err, errlen, "%s: cannot be combined with another command", a);
                                return -EINVAL;
                        }
                        o->action = (enum lxs_action)option_table[k].action;
                }
                if (i + option_table[k].values >= argc) {
                        static const char *const what[] = { "", "a value", "two arguments", "three arguments" };
                        snprintf(err, errlen, "%s: needs %s", a, what[option_table[k].values]);
                        return -EINVAL;
                }
                if (option_table[k].id == OPT_EXEC) {
                        if (i + 1 >= argc) {
                                snprintf(err, errlen, "%s: needs a command", a);
                                return -EINVAL;
                        }
                        o->exec = true;
                        o->argv = argv + i + 1;
                        o->argc = argc - i - 1;
                        break;
                }
                if (option_table[k].values == 1 &&
                    check_value(option_table[k].id, a, argv[i + 1], err, errlen) < 0)
                        return -EINVAL;
                apply(o, option_table[k].id, argv + i + 1);
                i += option_table[k].values;
        }
        if (!o->exec && i < argc) {
                if (o->action != LXS_ACTION_RUN) {
                        snprintf(err, errlen, "%s: unexpected argument", argv[i]);
                        return -EINVAL;
                }
                o->argv = argv + i;
                o->argc = argc - i;
        }
        /* Modifiers must belong to the chosen action. */
        for (int j = 1; j < argc; j++) {
                if (o->argv && argv + j >= o->argv)
                        break;
                int k = find_option(argv[j], o->action);
                if (k < 0) {
                        continue; /* a positional value */
                }
                if (!modifier_ok((size_t)k, o->action)) {
                        snprintf(err, errlen, "%s: not valid here (see lxs --help)", argv[j]);
                        return -EINVAL;
                }
                j += option_table[k].values;
        }
        if (o->action == LXS_ACTION_PATH && !o->file) {
                snprintf(err, errlen, "--path: needs a Linux path");
                return -EINVAL;
        }
        if (o->action == LXS_ACTION_MANAGE && !o->default_user) {
                snprintf(err, errlen, "--manage: needs --set-default-user USER");
                return -EINVAL;
        }
        if (o->action == LXS_ACTION_RUN)
                return check_run(o, argc, argv, err, errlen);
        return 0;
}

int lxs_options_command(const struct lxs_options *o, struct lxs_command *cmd)
{
        *cmd = (struct lxs_command){ 0 };
        int n = o->argv ? o->argc : 0;
        cmd->argv = calloc((size_t)n + 1, sizeof(char *));
        if (!cmd->argv)
                return -ENOMEM;
        if (!o->argv) {
                cmd->shell = o->shell_type == LXS_SHELL_TYPE_STANDARD ? LXS_SHELL_STANDARD : LXS_SHELL_LOGIN;
                return 0;
        }
        if (o->exec || o->shell_type == LXS_SHELL_TYPE_NONE) {
                for (int i = 0; i < n; i++)
                        cmd->argv[i] = o->argv[i];
                cmd->argc = n;
                cmd->shell = LXS_SHELL_NONE;
                return 0;
        }
        cmd->line = lxs_join_cmdline(o->argc, o->argv);
        if (!cmd->line) {
                lxs_command_free(cmd);
                return -ENOMEM;
        }
        cmd->argv[0] = cmd->line;
        cmd->argc = 1;
        cmd->shell = o->shell_type == LXS_SHELL_TYPE_LOGIN ? LXS_SHELL_LOGIN : LXS_SHELL_STANDARD;
        return 0;
}

void lxs_command_free(struct lxs_command *cmd)
{
        free(cmd->argv);
        free(cmd->line);
        *cmd = (struct lxs_command){ 0 };
}

char *lxs_join_cmdline(int argc, char **argv)
{
        size_t len = 1;
        for (int i = 0; i < argc; i++)
                len += strlen(argv[i]) + 1;
        char *s = malloc(len);
        if (!s)
                return NULL;
        char *p = s;
        for (int i = 0; i < argc; i++) {
                if (i)
                        *p++ = ' ';
                size_t n = strlen(argv[i]);
                memcpy(p, argv[i], n);
                p += n;
        }
        *p = '\0';
        return s;
}
