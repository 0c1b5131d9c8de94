/* The distro registry: which distros exist, where their images are, which is the default.
 *
 * On disk (docs/registry.md): a directory $XDG_DATA_HOME/lxs/registry/ (0700) holding
 *   <key>.distro    one INI file per registered distro, written atomically (temp, fsync, rename)
 *   <key>.pending   an import in progress; its owner holds an flock on it for the whole import
 *   <key>.exporting an export in progress, flock'ed the same way
 *   default         the default distro's name, written atomically
 *   lock            flock'ed around every read-modify-write of the directory
 * where <key> is the distro name in lower case: names are unique without regard to case, as in
 * WSL. A distro exists exactly when its .distro file exists, and that file is only written
 * after the image is complete, so a crash at any moment leaves either no distro or a whole one.
 * A .pending file whose lock nobody holds is an import that died: lxs_registry_cleanup() removes
 * its temporary image and the install directory if the import created it.
 *
 * Returns negative errno (-ENOENT unknown distro, -EEXIST name taken, -EBUSY install directory
 * in use); nothing prints. */
#ifndef LXS_REGISTRY_H
#define LXS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LXS_DISTRO_NAME_MAX 64u /* the same token as in protocol.h */
/* The image file inside an install directory. */
#define LXS_DISTRO_IMAGE_NAME "ext4.img"

struct lxs_distro {
        char *name;            /* as the user spelled it */
        char *install_dir;     /* absolute; for --import-in-place, the image's directory */
        char *image;           /* absolute path of the ext4 image */
        uint32_t default_uid;  /* user of sessions without -u; 0 until set */
        bool in_place;         /* registered where it lay: --unregister leaves the file */
};

struct lxs_registry {
        char *dir;
        int lock_fd;
        int locked;
};

/* 0, or -EINVAL: names are 1-64 of [A-Za-z0-9._-], not starting with '-'. */
int lxs_distro_name_check(const char *name);

/* Opens (creating) the registry under lxs_data_dir(), or under `dir` when given. */
int lxs_registry_open(struct lxs_registry *r, const char *dir);
void lxs_registry_close(struct lxs_registry *r);

/* Serialises changes between processes. Every function below that modifies the registry
 * expects the caller to hold the lock; readers may read without it (files are replaced
 * atomically). */
int lxs_registry_lock(struct lxs_registry *r);
void lxs_registry_unlock(struct lxs_registry *r);

int lxs_registry_get(struct lxs_registry *r, const char *name, struct lxs_distro *out);
/* All registered distros, sorted by name. */
int lxs_registry_list(struct lxs_registry *r, struct lxs_distro **out, size_t *n);
void lxs_distro_clear(struct lxs_distro *d);
void lxs_distro_list_free(struct lxs_distro *list, size_t n);

/* The default distro's name (malloc'd), -ENOENT when there is none. */
int lxs_registry_get_default(struct lxs_registry *r, char **name);
int lxs_registry_set_default(struct lxs_registry *r, const char *name);

/* Writes the distro's record; the first distro registered becomes the default. */
int lxs_registry_add(struct lxs_registry *r, const struct lxs_distro *d);
/* Rewrites an existing record (e.g. a new default user). */
int lxs_registry_update(struct lxs_registry *r, const struct lxs_distro *d);
/* Removes the record; if it was the default, the first remaining distro by name becomes it. */
int lxs_registry_remove(struct lxs_registry *r, const char *name);

/* Starts an import: fails with -EEXIST when the name is registered or being imported, -EBUSY
 * when install_dir already holds a distro (registered or being imported). On success returns an
 * fd that holds the reservation; keep it open until lxs_registry_finish_pending(). */
int lxs_registry_reserve(struct lxs_registry *r, const char *name, const char *install_dir,
                         bool created_dir);
/* Drops a reservation (after add, or after a failed import has cleaned up). */
void lxs_registry_finish_pending(struct lxs_registry *r, const char *name, int reservation_fd);

/* Names of imports in progress (their owner is alive), for `lxs --list` to show as Installing.
 * Free with lxs_strv_free-style: each string, then the array. */
int lxs_registry_list_pending(struct lxs_registry *r, char ***names, size_t *n);

/* Marks a distro as being exported while the returned fd stays open (an flock'ed
 * <key>.exporting file); lxs_registry_is_exporting() asks without blocking. */
int lxs_registry_mark_exporting(struct lxs_registry *r, const char *name);
void lxs_registry_unmark_exporting(struct lxs_registry *r, const char *name, int fd);
bool lxs_registry_is_exporting(struct lxs_registry *r, const char *name);

/* Undoes imports whose process died: removes <install_dir>/ext4.img.tmp-* and the install
 * directory when the import created it and it is empty. Returns how many were cleaned. */
int lxs_registry_cleanup(struct lxs_registry *r);

#endif
