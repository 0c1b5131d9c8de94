/* Stable links to the distros' host views (view-link.h). */
#include "view-link.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "paths.h"

static int link_path(const char *link_dir, const char *name, char **out)
{
        if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return -EINVAL;
        *out = lxs_path_join(link_dir, name);
        return *out ? 0 : -ENOMEM;
}

/* 1 when path is a symlink to exactly target, 0 when it is something else, -ENOENT if absent. */
static int links_to(const char *path, const char *target)
{
        char buf[PATH_MAX];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
        if (n < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                return errno == EINVAL ? 0 : -errno; /* EINVAL: not a symlink */
        }
        buf[n] = '\0';
        return strcmp(buf, target) == 0;
}

int lxs_view_link_make(const char *link_dir, const char *name, const char *target)
{
        _cleanup_free_ char *path = NULL;
        int r = link_path(link_dir, name, &path);
        if (r < 0)
                return r;
        if (mkdir(link_dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        r = links_to(path, target);
        if (r == 1)
                return 0;
        if (r == 0)
                return -EEXIST;
        if (r != -ENOENT)
                return r;
        if (symlink(target, path) < 0)
                /* Lost a race with another view of the same name: fine if it made ours. */
                return errno == EEXIST && links_to(path, target) == 1 ? 0 : -errno;
        return 0;
}

int lxs_view_link_remove(const char *link_dir, const char *name, const char *target)
{
        _cleanup_free_ char *path = NULL;
        int r = link_path(link_dir, name, &path);
        if (r < 0)
                return r;
        r = links_to(path, target);
        if (r == -ENOENT)
                return 0;
        if (r == 0)
                return -EEXIST;
        if (r < 0)
                return r;
        return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}
