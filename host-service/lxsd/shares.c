/* The host folders a VM is started with: the user's home (unless [shares] home = false) and the
 * folders of [shares] folders, each resolved to its canonical path (the guest shows it at that
 * path under the automount root, and lxs translates its working directory by it). A folder that
 * does not exist, is not a directory, repeats, or lies inside another share is logged and left
 * out: a share on an unplugged drive must not keep the VM from starting. */
#include "shares.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

static bool inside(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        if (strcmp(dir, "/") == 0)
                return true;
        return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int add_share(char **list, size_t *n, const char *configured)
{
        _cleanup_free_ char *real = realpath(configured, NULL);
        struct stat st;
        if (!real || stat(real, &st) < 0) {
                lxsd_log("warning: share %s left out: %s", configured, strerror(errno));
                return 0;
        }
        if (!S_ISDIR(st.st_mode)) {
                lxsd_log("warning: share %s left out: not a directory", configured);
                return 0;
        }
        for (size_t i = 0; i < *n; i++)
                if (inside(real, list[i])) {
                        lxsd_log("warning: share %s left out: already shared through %s", configured, list[i]);
                        return 0;
                } else if (inside(list[i], real)) {
                        lxsd_log("warning: share %s left out: it contains the share %s", configured, list[i]);
                        return 0;
                }
        if (*n >= LXS_VM_MAX_SHARES) {
                lxsd_log("warning: share %s left out: at most %u shares", configured, LXS_VM_MAX_SHARES);
                return 0;
        }
        list[(*n)++] = TAKE_PTR(real);
        return 0;
}

static const char *home_dir(void)
{
        const char *home = getenv("HOME");
        if (home && home[0] == '/')
                return home;
        struct passwd *pw = getpwuid(getuid());
        return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

void lxsd_shares_free(struct lxsd_shares *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->paths[i]);
        s->n = 0;
}

int lxsd_shares_resolve(const struct lxs_config *cfg, struct lxsd_shares *out)
{
        lxsd_shares_free(out);
        if (cfg->share_home) {
                const char *home = home_dir();
                if (home)
                        add_share(out->paths, &out->n, home);
                else
                        lxsd_log("warning: no home folder to share (HOME is not set)");
        }
        if (!cfg->share_folders)
                return 0;
        _cleanup_free_ char *folders = strdup(cfg->share_folders);
        if (!folders)
                return -ENOMEM;
        char *save = NULL;
        for (char *f = strtok_r(folders, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
                while (*f == ' ')
                        f++;
                size_t len = strlen(f);
                while (len > 0 && f[len - 1] == ' ')
                        f[--len] = '\0';
                if (*f)
                        add_share(out->paths, &out->n, f);
        }
        return 0;
}
