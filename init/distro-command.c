/* Building a distro session's command; see distro-command.h for the contract. */
#include "distro-command.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

static void strv_free(char **v)
{
        lxs_strv_freep(&v);
}

/* KEY=... of entry: the length of KEY plus the '='; 0 when there is no '='. */
static size_t key_len(const char *entry)
{
        const char *eq = strchr(entry, '=');
        return eq ? (size_t)(eq - entry) + 1 : 0;
}

static bool host_sets(const Lxs__Guest__ExecStart *m, const char *def)
{
        size_t k = key_len(def);
        for (size_t i = 0; i < m->n_env; i++)
                if (strncmp(m->env[i], def, k) == 0)
                        return true;
        return false;
}

static int build_env(const Lxs__Guest__ExecStart *m, const struct lxs_user *user, const char *shell, char ***out)
{
        char *defaults[5] = { NULL };
        int r = 0;
        if (asprintf(&defaults[0], "HOME=%s", user->home) < 0 ||
            asprintf(&defaults[1], "USER=%s", user->name) < 0 ||
            asprintf(&defaults[2], "LOGNAME=%s", user->name) < 0 ||
            asprintf(&defaults[3], "SHELL=%s", shell) < 0 ||
            asprintf(&defaults[4], "PATH=%s", user->uid == 0 ? LXS_ROOT_PATH : LXS_USER_PATH) < 0)
                r = -ENOMEM;
        _cleanup_strv_free_ char **env = r < 0 ? NULL : calloc(LXS_ARRAY_SIZE(defaults) + m->n_env + 1, sizeof(*env));
        size_t n = 0;
        for (size_t i = 0; i < LXS_ARRAY_SIZE(defaults); i++) {
                if (env && defaults[i] && !host_sets(m, defaults[i]))
                        env[n++] = TAKE_PTR(defaults[i]);
                free(defaults[i]);
        }
        if (!env)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_env; i++)
                if (!(env[n++] = strdup(m->env[i])))
                        return -ENOMEM;
        *out = TAKE_PTR(env);
        return 0;
}

static int build_argv(const Lxs__Guest__ExecStart *m, const char *shell, char ***argv, char **path)
{
        if (m->image_tool && *m->image_tool) {
                /* The program is an fd the caller opened; argv[0] only names it. */
                _cleanup_strv_free_ char **v = calloc(2, sizeof(*v));
                if (!v || !(v[0] = strdup(m->image_tool)))
                        return -ENOMEM;
                *argv = TAKE_PTR(v);
                *path = NULL;
                return 0;
        }
        if (m->shell == LXS__GUEST__SHELL__SHELL_NONE) {
                if (m->n_argv == 0)
                        return -EINVAL;
                _cleanup_strv_free_ char **v = calloc(m->n_argv + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                for (size_t i = 0; i < m->n_argv; i++)
                        if (!(v[i] = strdup(m->argv[i])))
                                return -ENOMEM;
                *argv = TAKE_PTR(v);
                *path = NULL;
                return 0;
        }
        if (m->n_argv > 1)
                return -EINVAL;
        const char *base = strrchr(shell, '/');
        base = base ? base + 1 : shell;
        _cleanup_strv_free_ char **v = calloc(4, sizeof(*v));
        if (!v)
                return -ENOMEM;
        int r = m->shell == LXS__GUEST__SHELL__SHELL_LOGIN ? asprintf(&v[0], "-%s", base) : asprintf(&v[0], "%s", base);
        if (r < 0) {
                v[0] = NULL;
                return -ENOMEM;
        }
        if (m->n_argv == 1 && (!(v[1] = strdup("-c")) || !(v[2] = strdup(m->argv[0]))))
                return -ENOMEM;
        _cleanup_free_ char *p = strdup(shell);
        if (!p)
                return -ENOMEM;
        *argv = TAKE_PTR(v);
        *path = TAKE_PTR(p);
        return 0;
}

static int build_cwd(const char *cwd, const char *home, char **out, bool *fallback)
{
        *fallback = !cwd || !*cwd;
        int r;
        if (!cwd || !*cwd || strcmp(cwd, "~") == 0)
                r = asprintf(out, "%s", home);
        else if (strncmp(cwd, "~/", 2) == 0)
                r = asprintf(out, "%s%s%s", home, home[strlen(home) - 1] == '/' ? "" : "/", cwd + 2);
        else
                r = asprintf(out, "%s", cwd);
        if (r < 0) {
                *out = NULL;
                return -ENOMEM;
        }
        return 0;
}

int lxs_distro_command_build(const Lxs__Guest__ExecStart *m, const struct lxs_user *user, const char *shell,
                             struct lxs_distro_command *out)
{
        *out = (struct lxs_distro_command){ 0 };
        int r = build_argv(m, shell, &out->argv, &out->path);
        if (r == 0)
                r = build_env(m, user, shell, &out->envp);
        if (r == 0)
                r = build_cwd(m->cwd, *user->home ? user->home : "/", &out->cwd, &out->cwd_fallback);
        if (r < 0)
                lxs_distro_command_free(out);
        return r;
}

void lxs_distro_command_free(struct lxs_distro_command *c)
{
        strv_free(c->argv);
        strv_free(c->envp);
        free(c->path);
        free(c->cwd);
        *c = (struct lxs_distro_command){ 0 };
}

int lxs_distro_command_append_path(struct lxs_distro_command *c, const char *dir)
{
        size_t n = 0;
        for (; c->envp && c->envp[n]; n++) {
                if (strncmp(c->envp[n], "PATH=", 5) != 0)
                        continue;
                char *p = NULL;
                if (asprintf(&p, "%s%s%s", c->envp[n], c->envp[n][5] ? ":" : "", dir) < 0)
                        return -ENOMEM;
                free(c->envp[n]);
                c->envp[n] = p;
                return 0;
        }
        char **v = realloc(c->envp, (n + 2) * sizeof(char *));
        if (!v)
                return -ENOMEM;
        c->envp = v;
        if (asprintf(&v[n], "PATH=%s", dir) < 0) {
                v[n] = NULL;
                return -ENOMEM;
        }
        v[n + 1] = NULL;
        return 0;
}
