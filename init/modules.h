/* Kernel modules the guest needs, listed by the image builder in /etc/lxs/modules.load.
 *
 * Format: one module per line, `<phase> <path>`, phase `boot` (loaded before the control channel
 * opens: the channel's own drivers), `fs` and `disk` (loaded by two forked processes at once while
 * the host connects; distros wait for both), then `later` (at low priority). None of these
 * delays the first command.
 * Lines are in dependency order; blank lines and lines starting with `#` are ignored; the path
 * is absolute and contains no whitespace.
 * Return 0 or negative errno; nothing prints except through report.h. */
#ifndef LXS_INIT_MODULES_H
#define LXS_INIT_MODULES_H

#include <stddef.h>

struct lxs_loop;

#define LXS_MODULES_LIST "/etc/lxs/modules.load"

enum lxs_module_phase {
        LXS_MODULE_BOOT,
        LXS_MODULE_FS,
        LXS_MODULE_DISK,
        LXS_MODULE_LATER,
};

typedef int (*lxs_module_cb)(enum lxs_module_phase phase, const char *path, unsigned line, void *data);

/* Calls cb for each module line. -EINVAL with *err_line set on a malformed line; a negative
 * return of cb stops parsing and is returned. */
int lxs_modules_parse(const char *text, size_t len, lxs_module_cb cb, void *data, unsigned *err_line);

/* Loads one module file with finit_module; already loaded counts as success. */
int lxs_module_load_file(const char *path);

/* Loads the `boot` phase of the list synchronously, reporting each failure (not fatal: if the
 * control port's drivers are missing, waiting for the port is what fails). A missing list means
 * there is nothing to load. Returns the number of failures. */
int lxs_modules_load_boot(const char *list_path);

/* Forks a child that loads the `fs` and `disk` phases (the `fs` one in a child of its own),
 * then the `later` one; its failures come back over
 * a pipe watched by the loop and are reported from PID 1 (so they reach the host).
 * disk_done(data) is called once the disk phase is loaded (or the child ended before), exactly
 * once and never when this returns an error. */
int lxs_modules_start_later(struct lxs_loop *loop, const char *list_path, void (*disk_done)(void *data),
                            void *data);

#endif
