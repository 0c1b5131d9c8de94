/* wsl.exe-compatible argument parsing; see options.h. Hand-rolled rather than getopt because
 * the first non-option word (or --, -e) ends option parsing and the rest belongs to the
 * command, exactly as wsl.exe treats it. */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

enum opt_id { OPT_EXEC, OPT_SYSTEM, OPT_STATUS, OPT_SHUTDOWN, OPT_FORCE, OPT_VERSION, OPT_HELP,
              OPT_CD, OPT_DISTRIBUTION, OPT_USER };

static const struct {
        const char *long_name;
        const char *short_name;
        enum opt_id id;
        bool takes_value;
} option_table[] = {
        { "--exec", "-e", OPT_EXEC, false },
        { "--system", NULL, OPT_SYSTEM, false },
        { "--status", NULL, OPT_STATUS, false },
        { "--shutdown", NULL, OPT_SHUTDOWN, false },
        { "--force", NULL, OPT_FORCE, false },
        { "--version", "-v", OPT_VERSION, false },
        { "--help", "-h", OPT_HELP, false },
        { "--cd", NULL, OPT_CD, true },
        { "--distribution", "-d", OPT_DISTRIBUTION, true },
        { "--user", "-u", OPT_USER, true },
};

static int set_action(struct lxs_options *o, enum lxs_action a, const char *arg, char *err, unsigned errlen)
{
        if (o->action != LXS_ACTION_RUN && o->action != a) {
                snprintf(err, errlen, "%s: cannot be combined with another command", arg);
                return -EINVAL;
        }
        o->action = a;
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
                if (a[0] != '-')
                        break; /* the command line starts here */
                size_t k;
                for (k = 0; k < LXS_ARRAY_SIZE(option_table); k++)
                        if (strcmp(a, option_table[k].long_name) == 0 ||
                            (option_table[k].short_name && strcmp(a, option_table[k].short_name) == 0))
                                break;
                if (k == LXS_ARRAY_SIZE(option_table)) {
                        snprintf(err, errlen, "%s: unknown option (see lxs --help)", a);
                        return -EINVAL;
                }
                const char *value = NULL;
                if (option_table[k].takes_value) {
                        if (i + 1 >= argc) {
                                snprintf(err, errlen, "%s: needs a value", a);
                                return -EINVAL;
                        }
                        value = argv[++i];
                }
                int r = 0;
                switch (option_table[k].id) {
                case OPT_EXEC:
                        if (i + 1 >= argc) {
                                snprintf(err, errlen, "%s: needs a command", a);
                                return -EINVAL;
                        }
                        o->exec = true;
                        o->argv = argv + i + 1;
                        o->argc = argc - i - 1;
                        return 0;
                case OPT_SYSTEM:
                        o->system = true;
                        break;
                case OPT_STATUS:
                        r = set_action(o, LXS_ACTION_STATUS, a, err, errlen);
                        break;
                case OPT_SHUTDOWN:
                        r = set_action(o, LXS_ACTION_SHUTDOWN, a, err, errlen);
                        break;
                case OPT_FORCE:
                        o->force = true;
                        break;
                case OPT_VERSION:
                        r = set_action(o, LXS_ACTION_VERSION, a, err, errlen);
                        break;
                case OPT_HELP:
                        r = set_action(o, LXS_ACTION_HELP, a, err, errlen);
                        break;
                case OPT_CD:
                        o->cwd = value;
                        break;
                case OPT_DISTRIBUTION:
                        o->distribution = value;
                        break;
                case OPT_USER:
                        o->user = value;
                        break;
                }
                if (r < 0)
                        return r;
        }
        if (i < argc) {
                if (o->action != LXS_ACTION_RUN) {
                        snprintf(err, errlen, "%s: unexpected argument", argv[i]);
                        return -EINVAL;
                }
                o->argv = argv + i;
                o->argc = argc - i;
        }
        if (o->force && o->action != LXS_ACTION_SHUTDOWN) {
                snprintf(err, errlen, "--force: only valid with --shutdown");
                return -EINVAL;
        }
        return 0;
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
