/* modules.dep / modules.builtin based resolution; see modules-dep.h.
 *
 * depmod writes, per module, its path and its dependencies' paths. We resolve requests with a
 * depth-first walk (dependencies first), so the result is correct whatever order depmod lists
 * them in, and a cycle (which depmod would reject) is reported instead of looping. Boot
 * requests are resolved before later ones, which both puts boot modules first in the plan and
 * gives a shared dependency the earliest phase. */
#include "modules-dep.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fd-util.h"

enum { DEP_FILE_MAX = 64 << 20, LIST_FILE_MAX = 1 << 20 };

struct module {
        char *name;
        char *path;
        size_t *deps;          /* indexes into modules */
        size_t n_deps;
        char **dep_paths;      /* until linked */
};

struct lxs_modules_dep {
        struct module *modules;
        size_t n;
        char **builtin;        /* normalised names */
        size_t n_builtin;
};

/* "kernel/fs/ext4/ext4.ko" -> "ext4"; also strips compression suffixes so they can be
 * recognised and rejected later with a clear error. */
static char *name_from_path(const char *path, size_t len)
{
        const char *base = path;
        for (size_t i = 0; i < len; i++)
                if (path[i] == '/')
                        base = path + i + 1;
        size_t n = (size_t)(path + len - base);
        const char *dot = memmem(base, n, ".ko", 3);
        if (dot)
                n = (size_t)(dot - base);
        char *name = strndup(base, n);
        if (!name)
                return NULL;
        for (char *c = name; *c; c++)
                if (*c == '-')
                        *c = '_';
        return name;
}

static char *normalise(const char *name)
{
        return name_from_path(name, strlen(name));
}

static void module_clear(struct module *m)
{
        free(m->name);
        free(m->path);
        free(m->deps);
        for (size_t i = 0; i < m->n_deps && m->dep_paths; i++)
                free(m->dep_paths[i]);
        free(m->dep_paths);
}

void lxs_modules_dep_free(struct lxs_modules_dep *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++)
                module_clear(&d->modules[i]);
        free(d->modules);
        for (size_t i = 0; i < d->n_builtin; i++)
                free(d->builtin[i]);
        free(d->builtin);
        free(d);
}
LXS_DEFINE_CLEANUP(struct lxs_modules_dep *, lxs_modules_dep_free)

static ssize_t find_by_name(const struct lxs_modules_dep *d, const char *name)
{
        for (size_t i = 0; i < d->n; i++)
                if (strcmp(d->modules[i].name, name) == 0)
                        return (ssize_t)i;
        return -1;
}

/* One "path: dep dep ..." line. */
static int parse_dep_line(struct lxs_modules_dep *d, char *line)
{
        char *colon = strchr(line, ':');
        if (!colon)
                return -EBADMSG;
        *colon = '\0';
        struct module *mods = realloc(d->modules, (d->n + 1) * sizeof(*mods));
        if (!mods)
                return -ENOMEM;
        d->modules = mods;
        struct module *m = &d->modules[d->n];
        *m = (struct module){ 0 };
        m->path = strdup(line);
        m->name = normalise(line);
        d->n++;
        if (!m->path || !m->name)
                return -ENOMEM;
        char *save = NULL;
        for (char *tok = strtok_r(colon + 1, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                char **paths = realloc(m->dep_paths, (m->n_deps + 1) * sizeof(*paths));
                if (!paths)
                        return -ENOMEM;
                m->dep_paths = paths;
                m->dep_paths[m->n_deps] = strdup(tok);
                if (!m->dep_paths[m->n_deps])
                        return -ENOMEM;
                m->n_deps++;
        }
        return 0;
}

static int cmp_path_index(const void *a, const void *b, void *arg)
{
        const struct module *mods = arg;
        return strcmp(mods[*(const size_t *)a].path, mods[*(const size_t *)b].path);
}

struct path_key {
        const char *path;
        const struct module *mods;
};

static int cmp_key_index(const void *key, const void *elem)
{
        const struct path_key *k = key;
        return strcmp(k->path, k->mods[*(const size_t *)elem].path);
}

/* Turns dependency paths into indexes once all modules are known (sorted index: a module
 * tree has thousands of entries). */
static int link_deps(struct lxs_modules_dep *d)
{
        _cleanup_free_ size_t *by_path = calloc(d->n ? d->n : 1, sizeof(*by_path));
        if (!by_path)
                return -ENOMEM;
        for (size_t i = 0; i < d->n; i++)
                by_path[i] = i;
        qsort_r(by_path, d->n, sizeof(*by_path), cmp_path_index, d->modules);

        for (size_t i = 0; i < d->n; i++) {
                struct module *m = &d->modules[i];
                if (!m->n_deps)
                        continue;
                m->deps = calloc(m->n_deps, sizeof(*m->deps));
                if (!m->deps)
                        return -ENOMEM;
                for (size_t j = 0; j < m->n_deps; j++) {
                        struct path_key key = { .path = m->dep_paths[j], .mods = d->modules };
                        const size_t *hit = bsearch(&key, by_path, d->n, sizeof(*by_path), cmp_key_index);
                        if (!hit)
                                return -EBADMSG;
                        m->deps[j] = *hit;
                }
        }
        for (size_t i = 0; i < d->n; i++) {
                struct module *m = &d->modules[i];
                for (size_t j = 0; j < m->n_deps; j++)
                        free(m->dep_paths[j]);
                free(m->dep_paths);
                m->dep_paths = NULL;
        }
        return 0;
}

static int load_builtin(struct lxs_modules_dep *d, const char *dir)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        if (asprintf(&path, "%s/modules.builtin", dir) < 0)
                return -ENOMEM;
        int r = lxs_read_file(path, DEP_FILE_MAX, &text);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char **b = realloc(d->builtin, (d->n_builtin + 1) * sizeof(*b));
                if (!b)
                        return -ENOMEM;
                d->builtin = b;
                d->builtin[d->n_builtin] = normalise(line);
                if (!d->builtin[d->n_builtin])
                        return -ENOMEM;
                d->n_builtin++;
        }
        return 0;
}

int lxs_modules_dep_load(const char *dir, struct lxs_modules_dep **out)
{
        _cleanup_(lxs_modules_dep_freep) struct lxs_modules_dep *d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        _cleanup_free_ char *path = NULL, *text = NULL;
        if (asprintf(&path, "%s/modules.dep", dir) < 0)
                return -ENOMEM;
        int r = lxs_read_file(path, DEP_FILE_MAX, &text);
        if (r < 0)
                return r;
        if ((size_t)r == DEP_FILE_MAX)
                return -EFBIG;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (!*line || *line == '#')
                        continue;
                r = parse_dep_line(d, line);
                if (r < 0)
                        return r;
        }
        r = link_deps(d);
        if (r < 0)
                return r;
        r = load_builtin(d, dir);
        if (r < 0)
                return r;
        *out = TAKE_PTR(d);
        return 0;
}

static bool is_builtin(const struct lxs_modules_dep *d, const char *name)
{
        for (size_t i = 0; i < d->n_builtin; i++)
                if (strcmp(d->builtin[i], name) == 0)
                        return true;
        return false;
}

enum mark { UNSEEN = 0, VISITING, DONE };

struct walk {
        const struct lxs_modules_dep *d;
        enum mark *marks;
        struct lxs_module_plan *plan;
};

static int plan_push(struct lxs_module_plan *plan, const struct module *m, enum lxs_modphase phase)
{
        struct lxs_module_entry *e = realloc(plan->entries, (plan->n + 1) * sizeof(*e));
        if (!e)
                return -ENOMEM;
        plan->entries = e;
        e = &plan->entries[plan->n];
        e->name = strdup(m->name);
        e->path = strdup(m->path);
        e->phase = phase;
        plan->n++;
        if (!e->name || !e->path)
                return -ENOMEM;
        return 0;
}

static int visit(struct walk *w, size_t i, enum lxs_modphase phase)
{
        if (w->marks[i] == DONE)
                return 0;      /* already planned, in an earlier or equal phase */
        if (w->marks[i] == VISITING)
                return -ELOOP;
        w->marks[i] = VISITING;
        const struct module *m = &w->d->modules[i];
        for (size_t j = 0; j < m->n_deps; j++) {
                int r = visit(w, m->deps[j], phase);
                if (r < 0)
                        return r;
        }
        w->marks[i] = DONE;
        return plan_push(w->plan, m, phase);
}

int lxs_modules_resolve(const struct lxs_modules_dep *d, const struct lxs_module_request *req,
                        size_t n_req, struct lxs_module_plan *plan, char **missing)
{
        *plan = (struct lxs_module_plan){ 0 };
        if (missing)
                *missing = NULL;
        _cleanup_free_ enum mark *marks = calloc(d->n ? d->n : 1, sizeof(*marks));
        if (!marks)
                return -ENOMEM;
        struct walk w = { .d = d, .marks = marks, .plan = plan };
        int r = 0;
        static const enum lxs_modphase phases[] = { LXS_MODPHASE_BOOT, LXS_MODPHASE_FS, LXS_MODPHASE_DISK,
                                                    LXS_MODPHASE_LATER };
        for (size_t p = 0; p < LXS_ARRAY_SIZE(phases) && r == 0; p++) {
                for (size_t i = 0; i < n_req && r == 0; i++) {
                        if (req[i].phase != phases[p])
                                continue;
                        _cleanup_free_ char *name = normalise(req[i].name);
                        if (!name) {
                                r = -ENOMEM;
                                break;
                        }
                        ssize_t k = find_by_name(d, name);
                        if (k >= 0)
                                r = visit(&w, (size_t)k, phases[p]);
                        else if (!is_builtin(d, name)) {
                                r = -ENOENT;
                                if (missing)
                                        *missing = strdup(req[i].name);
                        }
                }
        }
        if (r < 0)
                lxs_module_plan_free(plan);
        return r;
}

void lxs_module_plan_free(struct lxs_module_plan *plan)
{
        for (size_t i = 0; i < plan->n; i++) {
                free(plan->entries[i].name);
                free(plan->entries[i].path);
        }
        free(plan->entries);
        *plan = (struct lxs_module_plan){ 0 };
}

static const char *const phase_names[] = {
        [LXS_MODPHASE_BOOT] = "boot",
        [LXS_MODPHASE_FS] = "fs",
        [LXS_MODPHASE_DISK] = "disk",
        [LXS_MODPHASE_LATER] = "later",
};

const char *lxs_module_phase_name(enum lxs_modphase p)
{
        return (unsigned)p < LXS_ARRAY_SIZE(phase_names) ? phase_names[p] : "unknown";
}

int lxs_modules_list_parse(const char *text, struct lxs_module_request **req, size_t *n_req,
                           char **storage, unsigned *bad_line)
{
        *req = NULL;
        *n_req = 0;
        *storage = NULL;
        _cleanup_free_ char *buf = strdup(text);
        _cleanup_free_ struct lxs_module_request *out = NULL;
        size_t n = 0;
        if (!buf)
                return -ENOMEM;
        unsigned lineno = 0;
        for (char *line = buf, *next; line; line = next) {
                lineno++;
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                char *hash = strchr(line, '#');
                if (hash)
                        *hash = '\0';
                char *save = NULL;
                char *phase = strtok_r(line, " \t\r", &save);
                if (!phase)
                        continue;
                char *name = strtok_r(NULL, " \t\r", &save);
                enum lxs_modphase ph = LXS_MODPHASE_BOOT;
                size_t k = 0;
                while (k < LXS_ARRAY_SIZE(phase_names) && strcmp(phase, phase_names[k]) != 0)
                        k++;
                if (k < LXS_ARRAY_SIZE(phase_names))
                        ph = (enum lxs_modphase)k;
                else
                        name = NULL;
                if (!name || strtok_r(NULL, " \t\r", &save)) {
                        if (bad_line)
                                *bad_line = lineno;
                        return -EINVAL;
                }
                struct lxs_module_request *grown = realloc(out, (n + 1) * sizeof(*grown));
                if (!grown)
                        return -ENOMEM;
                out = grown;
                out[n++] = (struct lxs_module_request){ .name = name, .phase = ph };
        }
        *req = TAKE_PTR(out);
        *n_req = n;
        *storage = TAKE_PTR(buf);
        return 0;
}
