/* XDG-based per-user directories; see paths.h. */
#include "paths.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

char *lxs_path_join(const char *dir, const char *name)
{
        char *s;
        if (asprintf(&s, "%s/%s", dir, name) < 0) {
                errno = ENOMEM;
                return NULL;
        }
        return s;
}

static const char *home_dir(void)
{
        const char *h = getenv("HOME");
        if (h && *h == '/')
                return h;
        struct passwd *pw = getpwuid(getuid());
        return pw ? pw->pw_dir : "/";
}

/* $override, else $xdg/lxs, else ~/fallback/lxs. */
static char *xdg_dir(const char *override, const char *xdg, const char *fallback)
{
        const char *o = getenv(override);
        if (o && *o == '/')
                return strdup(o);
        const char *x = getenv(xdg);
        if (x && *x == '/')
                return lxs_path_join(x, "lxs");
        char *s;
        if (asprintf(&s, "%s/%s/lxs", home_dir(), fallback) < 0) {
                errno = ENOMEM;
                return NULL;
        }
        return s;
}

char *lxs_runtime_dir(void)
{
        const char *o = getenv("LXS_RUNTIME_DIR");
        if (o && *o == '/')
                return strdup(o);
        const char *x = getenv("XDG_RUNTIME_DIR");
        if (x && *x == '/')
                return lxs_path_join(x, "lxs");
        char *s;
        char base[64];
        snprintf(base, sizeof(base), "/run/user/%u", (unsigned)getuid());
        if (access(base, W_OK) == 0)
                return lxs_path_join(base, "lxs");
        if (asprintf(&s, "/tmp/lxs-%u", (unsigned)getuid()) < 0) {
                errno = ENOMEM;
                return NULL;
        }
        return s;
}

char *lxs_state_dir(void)
{
        return xdg_dir("LXS_STATE_DIR", "XDG_STATE_HOME", ".local/state");
}

char *lxs_config_dir(void)
{
        return xdg_dir("LXS_CONFIG_DIR", "XDG_CONFIG_HOME", ".config");
}

char *lxs_cache_dir(void)
{
        return xdg_dir("LXS_CACHE_DIR", "XDG_CACHE_HOME", ".cache");
}

int lxs_mkdir_private(const char *path, unsigned mode)
{
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        struct stat st;
        if (lstat(p, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (st.st_uid != getuid())
                return -EPERM;
        if ((st.st_mode & 07777) != mode && chmod(p, mode) < 0)
                return -errno;
        return 0;
}

char *lxs_data_dir(void)
{
        return xdg_dir("LXS_DATA_DIR", "XDG_DATA_HOME", ".local/share");
}
