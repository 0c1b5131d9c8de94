/* Locating programs and the guest image relative to the running executable; see
 * install-dirs.h. */
#include "install-dirs.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "paths.h"

#ifndef LXS_DATADIR
#define LXS_DATADIR "/usr/local/share/lxs"
#endif
#ifndef LXS_LIBEXECDIR
#define LXS_LIBEXECDIR "/usr/local/libexec/lxs"
#endif
#ifndef LXS_BINDIR
#define LXS_BINDIR "/usr/local/bin"
#endif

/* Directory of the running executable, in a caller buffer. */
static char *exe_dir(char buf[PATH_MAX])
{
        ssize_t n = readlink("/proc/self/exe", buf, PATH_MAX - 1);
        if (n <= 0)
                return NULL;
        buf[n] = '\0';
        return dirname(buf);
}

/* First of dir/relative[i]/probe that exists, resolved; NULL if none. */
static char *first_existing(const char *dir, const char *const *relative, size_t n, const char *probe)
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *candidate = lxs_path_join(dir, relative[i]);
                _cleanup_free_ char *full = candidate && probe ? lxs_path_join(candidate, probe) : NULL;
                const char *check = probe ? full : candidate;
                char resolved[PATH_MAX];
                if (check && access(check, probe ? R_OK : X_OK) == 0 && realpath(candidate, resolved))
                        return strdup(resolved);
        }
        return NULL;
}

char *lxs_image_dir(void)
{
        const char *env = getenv("LXS_IMAGE_DIR");
        if (env && *env)
                return strdup(env);
        static const char *const relative[] = { "../share/lxs", "../../share/lxs" };
        char buf[PATH_MAX];
        char *dir = exe_dir(buf);
        char *found = dir ? first_existing(dir, relative, LXS_ARRAY_SIZE(relative), "initramfs.img") : NULL;
        return found ? found : strdup(LXS_DATADIR);
}

char *lxs_lxsd_path(void)
{
        const char *env = getenv("LXSD");
        if (env && *env)
                return strdup(env);
        static const char *const relative[] = { "lxsd", "../libexec/lxs/lxsd" };
        char buf[PATH_MAX];
        char *dir = exe_dir(buf);
        char *found = dir ? first_existing(dir, relative, LXS_ARRAY_SIZE(relative), NULL) : NULL;
        return found ? found : lxs_path_join(LXS_LIBEXECDIR, "lxsd");
}

char *lxs_cli_path(void)
{
        const char *env = getenv("LXS_CLI");
        if (env && *env)
                return strdup(env);
        static const char *const relative[] = { "lxs", "../../bin/lxs" };
        char buf[PATH_MAX];
        char *dir = exe_dir(buf);
        char *found = dir ? first_existing(dir, relative, LXS_ARRAY_SIZE(relative), NULL) : NULL;
        return found ? found : lxs_path_join(LXS_BINDIR, "lxs");
}
