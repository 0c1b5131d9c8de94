/* The distro registry on disk; see registry.h for the layout and guarantees. */
#include "registry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "ini.h"
#include "paths.h"

#define RECORD_MAX 8192

int lxs_distro_name_check(const char *name)
{
        size_t n = strlen(name);
        if (n == 0 || n > LXS_DISTRO_NAME_MAX || name[0] == '-')
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
                        return -EINVAL;
        /* "." and ".." would be directory entries, not names. */
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return -EINVAL;
        return 0;
}

static char *key_of(const char *name)
{
        char *k = strdup(name);
        if (k)
                for (char *p = k; *p; p++)
                        *p = (char)tolower((unsigned char)*p);
        return k;
}

/* <dir>/<lowercased name><suffix> */
static char *entry_path(struct lxs_registry *r, const char *name, const char *suffix)
{
        _cleanup_free_ char *key = key_of(name);
        char *p;
        if (!key || asprintf(&p, "%s/%s%s", r->dir, key, suffix) < 0)
                return NULL;
        return p;
}

int lxs_registry_open(struct lxs_registry *r, const char *dir)
{
        memset(r, 0, sizeof(*r));
        r->lock_fd = -1;
        if (dir) {
                r->dir = strdup(dir);
        } else {
                _cleanup_free_ char *data = lxs_data_dir();
                r->dir = data ? lxs_path_join(data, "registry") : NULL;
        }
        if (!r->dir)
                return -ENOMEM;
        int ret = lxs_mkdir_private(r->dir, 0700);
        if (ret < 0)
                return ret;
        _cleanup_free_ char *lock = lxs_path_join(r->dir, "lock");
        if (!lock)
                return -ENOMEM;
        r->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        return r->lock_fd < 0 ? -errno : 0;
}

void lxs_registry_close(struct lxs_registry *r)
{
        if (r->lock_fd >= 0)
                close(r->lock_fd);
        free(r->dir);
        memset(r, 0, sizeof(*r));
        r->lock_fd = -1;
}

int lxs_registry_lock(struct lxs_registry *r)
{
        while (flock(r->lock_fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        r->locked = 1;
        return 0;
}

void lxs_registry_unlock(struct lxs_registry *r)
{
        if (r->locked)
                flock(r->lock_fd, LOCK_UN);
        r->locked = 0;
}

void lxs_distro_clear(struct lxs_distro *d)
{
        free(d->name);
        free(d->install_dir);
        free(d->image);
        memset(d, 0, sizeof(*d));
}

void lxs_distro_list_free(struct lxs_distro *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                lxs_distro_clear(&list[i]);
        free(list);
}

static int record_key(const char *section, const char *key, const char *value, unsigned line, void *data)
{
        struct lxs_distro *d = data;
        if (strcmp(section, "distro") != 0)
                return 0;
        char **slot = NULL;
        if (strcmp(key, "name") == 0)
                slot = &d->name;
        else if (strcmp(key, "installDir") == 0)
                slot = &d->install_dir;
        else if (strcmp(key, "image") == 0)
                slot = &d->image;
        if (slot) {
                free(*slot);
                *slot = strdup(value);
                return *slot ? 0 : -ENOMEM;
        }
        unsigned long long v;
        if (strcmp(key, "defaultUid") == 0) {
                if (lxs_parse_u64(value, &v) < 0 || v > UINT32_MAX)
                        return -EINVAL;
                d->default_uid = (uint32_t)v;
        } else if (strcmp(key, "inPlace") == 0) {
                int b;
                if (lxs_parse_bool(value, &b) < 0)
                        return -EINVAL;
                d->in_place = b;
        }
        return 0; /* keys of newer versions are kept by nobody but harm nobody */
}

static int read_record(const char *path, struct lxs_distro *out)
{
        memset(out, 0, sizeof(*out));
        int r = lxs_ini_parse_file(path, record_key, out, NULL);
        if (r == 0 && (!out->name || !out->image || !out->install_dir))
                r = -EBADMSG;
        if (r < 0)
                lxs_distro_clear(out);
        return r;
}

int lxs_registry_get(struct lxs_registry *r, const char *name, struct lxs_distro *out)
{
        if (lxs_distro_name_check(name) < 0)
                return -ENOENT;
        _cleanup_free_ char *path = entry_path(r, name, ".distro");
        if (!path)
                return -ENOMEM;
        return read_record(path, out);
}

static int by_name(const void *a, const void *b)
{
        return strcasecmp(((const struct lxs_distro *)a)->name, ((const struct lxs_distro *)b)->name);
}

int lxs_registry_list(struct lxs_registry *r, struct lxs_distro **out, size_t *n)
{
        _cleanup_closedir_ DIR *dir = opendir(r->dir);
        if (!dir)
                return -errno;
        struct lxs_distro *list = NULL;
        size_t count = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(dir))) {
                if (fnmatch("*.distro", de->d_name, 0) != 0)
                        continue;
                _cleanup_free_ char *path = lxs_path_join(r->dir, de->d_name);
                struct lxs_distro d;
                if (!path || read_record(path, &d) < 0)
                        continue; /* unreadable records are not distros */
                if (count == cap) {
                        cap = cap ? cap * 2 : 8;
                        struct lxs_distro *nl = realloc(list, cap * sizeof(*nl));
                        if (!nl) {
                                lxs_distro_clear(&d);
                                lxs_distro_list_free(list, count);
                                return -ENOMEM;
                        }
                        list = nl;
                }
                list[count++] = d;
        }
        if (count)
                qsort(list, count, sizeof(*list), by_name);
        *out = list;
        *n = count;
        return 0;
}

int lxs_registry_get_default(struct lxs_registry *r, char **name)
{
        _cleanup_free_ char *path = lxs_path_join(r->dir, "default");
        _cleanup_free_ char *text = NULL;
        if (!path)
                return -ENOMEM;
        int ret = lxs_read_file(path, 256, &text);
        if (ret < 0)
                return ret;
        text[strcspn(text, "\r\n")] = '\0';
        struct lxs_distro d;
        /* A default naming a distro that is gone is no default. */
        if (lxs_registry_get(r, text, &d) < 0)
                return -ENOENT;
        *name = TAKE_PTR(d.name);
        lxs_distro_clear(&d);
        return 0;
}

int lxs_registry_set_default(struct lxs_registry *r, const char *name)
{
        struct lxs_distro d;
        int ret = lxs_registry_get(r, name, &d);
        if (ret < 0)
                return ret;
        _cleanup_free_ char *path = lxs_path_join(r->dir, "default");
        _cleanup_free_ char *text = NULL;
        if (!path || asprintf(&text, "%s\n", d.name) < 0) {
                lxs_distro_clear(&d);
                return -ENOMEM;
        }
        lxs_distro_clear(&d);
        return lxs_write_file_atomic(path, text, strlen(text), 0600);
}

static int write_record(struct lxs_registry *r, const struct lxs_distro *d)
{
        /* Values are single lines: names are validated, paths must not carry a newline. */
        if (strchr(d->install_dir, '\n') || strchr(d->image, '\n'))
                return -EINVAL;
        _cleanup_free_ char *path = entry_path(r, d->name, ".distro");
        _cleanup_free_ char *text = NULL;
        int n = asprintf(&text,
                         "# lxs distro record; see docs/registry.md\n"
                         "[distro]\n"
                         "name = %s\n"
                         "installDir = %s\n"
                         "image = %s\n"
                         "defaultUid = %u\n"
                         "inPlace = %s\n",
                         d->name, d->install_dir, d->image, d->default_uid, d->in_place ? "true" : "false");
        if (!path || n < 0)
                return -ENOMEM;
        return lxs_write_file_atomic(path, text, (size_t)n, 0600);
}

int lxs_registry_add(struct lxs_registry *r, const struct lxs_distro *d)
{
        int ret = lxs_distro_name_check(d->name);
        if (ret < 0)
                return ret;
        struct lxs_distro existing;
        if (lxs_registry_get(r, d->name, &existing) == 0) {
                lxs_distro_clear(&existing);
                return -EEXIST;
        }
        ret = write_record(r, d);
        if (ret < 0)
                return ret;
        _cleanup_free_ char *def = NULL;
        if (lxs_registry_get_default(r, &def) == -ENOENT)
                lxs_registry_set_default(r, d->name);
        return 0;
}

int lxs_registry_update(struct lxs_registry *r, const struct lxs_distro *d)
{
        struct lxs_distro existing;
        int ret = lxs_registry_get(r, d->name, &existing);
        if (ret < 0)
                return ret;
        lxs_distro_clear(&existing);
        return write_record(r, d);
}

int lxs_registry_remove(struct lxs_registry *r, const char *name)
{
        _cleanup_free_ char *def = NULL;
        bool was_default = lxs_registry_get_default(r, &def) == 0 && strcasecmp(def, name) == 0;
        _cleanup_free_ char *path = entry_path(r, name, ".distro");
        if (!path)
                return -ENOMEM;
        if (unlink(path) < 0)
                return -errno;
        if (was_default) {
                _cleanup_free_ char *defpath = lxs_path_join(r->dir, "default");
                struct lxs_distro *list;
                size_t n;
                if (defpath)
                        unlink(defpath);
                if (lxs_registry_list(r, &list, &n) == 0) {
                        if (n > 0)
                                lxs_registry_set_default(r, list[0].name);
                        lxs_distro_list_free(list, n);
                }
        }
        return 0;
}

struct pending {
        char *name;
        char *install_dir;
        bool created_dir;
};

static int pending_key(const char *section, const char *key, const char *value, unsigned line, void *data)
{
        struct pending *p = data;
        if (strcmp(key, "name") == 0) {
                free(p->name);
                p->name = strdup(value);
        } else if (strcmp(key, "installDir") == 0) {
                free(p->install_dir);
                p->install_dir = strdup(value);
        } else if (strcmp(key, "createdDir") == 0) {
                int b = 0;
                lxs_parse_bool(value, &b);
                p->created_dir = b;
        }
        return 0;
}

static void pending_clear(struct pending *p)
{
        free(p->name);
        free(p->install_dir);
        memset(p, 0, sizeof(*p));
}

/* True if dir is, or is reserved as, the install directory of any distro. */
static bool install_dir_taken(struct lxs_registry *r, const char *dir)
{
        struct lxs_distro *list;
        size_t n;
        bool taken = false;
        if (lxs_registry_list(r, &list, &n) == 0) {
                for (size_t i = 0; i < n && !taken; i++)
                        taken = !list[i].in_place && strcmp(list[i].install_dir, dir) == 0;
                lxs_distro_list_free(list, n);
        }
        _cleanup_closedir_ DIR *d = opendir(r->dir);
        struct dirent *de;
        while (!taken && d && (de = readdir(d))) {
                if (fnmatch("*.pending", de->d_name, 0) != 0)
                        continue;
                _cleanup_free_ char *path = lxs_path_join(r->dir, de->d_name);
                struct pending p = { 0 };
                if (path && lxs_ini_parse_file(path, pending_key, &p, NULL) == 0 && p.install_dir)
                        taken = strcmp(p.install_dir, dir) == 0;
                pending_clear(&p);
        }
        /* A directory holding an image we did not record is someone's distro too. */
        _cleanup_free_ char *image = lxs_path_join(dir, LXS_DISTRO_IMAGE_NAME);
        if (!taken && image && access(image, F_OK) == 0)
                taken = true;
        return taken;
}

/* Removes what a dead import left in its install directory. */
static void undo_import(const struct pending *p)
{
        _cleanup_closedir_ DIR *d = opendir(p->install_dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (fnmatch(LXS_DISTRO_IMAGE_NAME ".tmp-*", de->d_name, 0) != 0)
                        continue;
                _cleanup_free_ char *path = lxs_path_join(p->install_dir, de->d_name);
                if (path)
                        unlink(path);
        }
        if (p->created_dir)
                rmdir(p->install_dir); /* only if empty: never remove what we did not make */
}

int lxs_registry_reserve(struct lxs_registry *r, const char *name, const char *install_dir, bool created_dir)
{
        int ret = lxs_distro_name_check(name);
        if (ret < 0)
                return ret;
        struct lxs_distro existing;
        if (lxs_registry_get(r, name, &existing) == 0) {
                lxs_distro_clear(&existing);
                return -EEXIST;
        }
        _cleanup_free_ char *path = entry_path(r, name, ".pending");
        if (!path)
                return -ENOMEM;
        /* A pending file whose owner still holds its lock: a live import of the same name. */
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EEXIST : -errno;
        /* We own it now; what an earlier import of this name left when it died goes first. */
        struct pending old = { 0 };
        if (lxs_ini_parse_file(path, pending_key, &old, NULL) == 0 && old.install_dir)
                undo_import(&old);
        pending_clear(&old);
        if (install_dir_taken(r, install_dir)) {
                unlink(path);
                return -EBUSY;
        }
        _cleanup_free_ char *text = NULL;
        int n = asprintf(&text, "[pending]\nname = %s\ninstallDir = %s\ncreatedDir = %s\npid = %d\n", name,
                         install_dir, created_dir ? "true" : "false", (int)getpid());
        if (n < 0)
                return -ENOMEM;
        if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)n, 0) != n || fsync(fd) < 0) {
                ret = -errno;
                unlink(path);
                return ret;
        }
        return TAKE_FD(fd);
}

void lxs_registry_finish_pending(struct lxs_registry *r, const char *name, int reservation_fd)
{
        _cleanup_free_ char *path = entry_path(r, name, ".pending");
        if (path)
                unlink(path);
        if (reservation_fd >= 0)
                close(reservation_fd);
}

int lxs_registry_cleanup(struct lxs_registry *r)
{
        _cleanup_closedir_ DIR *d = opendir(r->dir);
        if (!d)
                return -errno;
        int cleaned = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (fnmatch("*.pending", de->d_name, 0) != 0)
                        continue;
                _cleanup_free_ char *path = lxs_path_join(r->dir, de->d_name);
                if (!path)
                        continue;
                _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
                if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
                        continue; /* a live import */
                struct pending p = { 0 };
                if (lxs_ini_parse_file(path, pending_key, &p, NULL) == 0 && p.install_dir && p.name) {
                        struct lxs_distro done;
                        /* Registered already (died after add, before unlinking): keep it. */
                        if (lxs_registry_get(r, p.name, &done) == 0)
                                lxs_distro_clear(&done);
                        else
                                undo_import(&p);
                }
                pending_clear(&p);
                unlink(path);
                cleaned++;
        }
        return cleaned;
}

/* True when someone holds the flock on path. */
static bool held_by_someone(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return false;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK;
        return false;
}

int lxs_registry_list_pending(struct lxs_registry *r, char ***names, size_t *n)
{
        _cleanup_closedir_ DIR *d = opendir(r->dir);
        if (!d)
                return -errno;
        char **list = NULL;
        size_t count = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (fnmatch("*.pending", de->d_name, 0) != 0)
                        continue;
                _cleanup_free_ char *path = lxs_path_join(r->dir, de->d_name);
                struct pending p = { 0 };
                if (path && held_by_someone(path) && lxs_ini_parse_file(path, pending_key, &p, NULL) == 0 && p.name) {
                        char **nl = realloc(list, (count + 2) * sizeof(*nl));
                        if (nl) {
                                list = nl;
                                list[count++] = TAKE_PTR(p.name);
                                list[count] = NULL;
                        }
                }
                pending_clear(&p);
        }
        *names = list;
        *n = count;
        return 0;
}

int lxs_registry_mark_exporting(struct lxs_registry *r, const char *name)
{
        _cleanup_free_ char *path = entry_path(r, name, ".exporting");
        if (!path)
                return -ENOMEM;
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        /* Several exports of one distro may run at once; each holds a shared lock. */
        if (flock(fd, LOCK_SH) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        return fd;
}

void lxs_registry_unmark_exporting(struct lxs_registry *r, const char *name, int fd)
{
        if (fd < 0)
                return;
        /* Remove the marker only if no other export still holds it. */
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                _cleanup_free_ char *path = entry_path(r, name, ".exporting");
                if (path)
                        unlink(path);
        }
        close(fd);
}

bool lxs_registry_is_exporting(struct lxs_registry *r, const char *name)
{
        _cleanup_free_ char *path = entry_path(r, name, ".exporting");
        return path && held_by_someone(path);
}
