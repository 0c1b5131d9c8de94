/* Kernel module dependency resolution from a depmod'ed module tree (lib/modules/<release>).
 *
 * Given requested modules with a load phase, produces the list of .ko files to ship and load,
 * dependencies before their users, each once, a dependency taking the earliest phase of any
 * module that needs it. Requests for modules built into the kernel (modules.builtin) are
 * dropped. Names match with '-' and '_' treated alike, as modprobe does. Functions return 0 or
 * negative errno; on -ENOENT, *missing (if given) names the module that was not found. */
#ifndef LXS_MODULES_DEP_H
#define LXS_MODULES_DEP_H

#include <stddef.h>

enum lxs_modphase {
        LXS_MODPHASE_BOOT = 0,   /* loaded by /init before it talks to the host */
        LXS_MODPHASE_FS,         /* the distros' filesystem, loaded alongside LXS_MODPHASE_DISK */
        LXS_MODPHASE_DISK,       /* their disks; starting a distro waits for both */
        LXS_MODPHASE_LATER,      /* then the rest, in the background */
};

struct lxs_module_request {
        const char *name;
        enum lxs_modphase phase;
};

struct lxs_module_entry {
        char *name;            /* normalised: '-' -> '_' */
        char *path;            /* relative to the module tree, as in modules.dep */
        enum lxs_modphase phase;
};

struct lxs_module_plan {
        struct lxs_module_entry *entries;
        size_t n;
};

struct lxs_modules_dep;

/* Reads <dir>/modules.dep and <dir>/modules.builtin (the latter may be absent). */
int lxs_modules_dep_load(const char *dir, struct lxs_modules_dep **out);
void lxs_modules_dep_free(struct lxs_modules_dep *d);

int lxs_modules_resolve(const struct lxs_modules_dep *d, const struct lxs_module_request *req,
                        size_t n_req, struct lxs_module_plan *plan, char **missing);
void lxs_module_plan_free(struct lxs_module_plan *plan);

/* Parses a modules.list ("<phase> <name>" lines, '#' comments, blank lines). Requests point
 * into *storage, which the caller frees (free() each request's name is not needed). -EINVAL
 * with *bad_line set (1-based) on a malformed line. */
int lxs_modules_list_parse(const char *text, struct lxs_module_request **req, size_t *n_req,
                           char **storage, unsigned *bad_line);

const char *lxs_module_phase_name(enum lxs_modphase p);

#endif
