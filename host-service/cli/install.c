/* lxs --install [debian[:RELEASE]] [--name NAME] [--location DIR] [--from-file TARBALL]
 *             [--no-launch]
 *
 * The way in, like `wsl --install`: builds a Debian minbase root file system with mmdebstrap
 * (as an ordinary user it uses --mode=unshare) from the Debian mirror the host's apt already
 * uses, keeps the tarball in the user's cache (so a second install is offline and fast),
 * imports it as a distro and, unless --no-launch, opens a shell in it. Only Debian's mirror is
 * ever contacted, through apt's own configuration. */
#include "install.h"

#include <errno.h>
#include <stdbool.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "distro-commands.h"
#include "paths.h"
#include "registry.h"

#define DEFAULT_NAME "debian"

/* The host's Debian codename (VERSION_CODENAME in /etc/os-release), else bookworm. */
static char *host_codename(void)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/os-release", "re");
        char line[256];
        bool debian = false;
        char *codename = NULL;
        while (f && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                if (strcmp(line, "ID=debian") == 0)
                        debian = true;
                else if (strncmp(line, "VERSION_CODENAME=", 17) == 0 && !codename)
                        codename = strdup(line + 17);
        }
        if (!debian || !codename || !*codename) {
                free(codename);
                return strdup("bookworm");
        }
        return codename;
}

/* The first non-security Debian mirror in apt's sources (deb822 or one-line format), or NULL
 * to let mmdebstrap use apt's default. */
static char *apt_mirror(void)
{
        glob_t g;
        char *found = NULL;
        if (glob("/etc/apt/sources.list.d/*.sources", 0, NULL, &g) == 0) {
                for (size_t i = 0; i < g.gl_pathc && !found; i++) {
                        _cleanup_fclose_ FILE *f = fopen(g.gl_pathv[i], "re");
                        char line[1024];
                        while (f && fgets(line, sizeof(line), f) && !found) {
                                char uri[900];
                                if (sscanf(line, "URIs: %899s", uri) == 1 && !strstr(uri, "security"))
                                        found = strdup(uri);
                        }
                }
                globfree(&g);
        }
        if (!found) {
                _cleanup_fclose_ FILE *f = fopen("/etc/apt/sources.list", "re");
                char line[1024];
                while (f && fgets(line, sizeof(line), f) && !found) {
                        char kind[16], uri[900];
                        /* "deb [options] URI suite components" */
                        char *p = line;
                        if (sscanf(p, "%15s", kind) != 1 || strcmp(kind, "deb") != 0)
                                continue;
                        p += 3;
                        while (*p == ' ')
                                p++;
                        if (*p == '[') {
                                p = strchr(p, ']');
                                if (!p)
                                        continue;
                                p++;
                        }
                        if (sscanf(p, "%899s", uri) == 1 && !strstr(uri, "security"))
                                found = strdup(uri);
                }
        }
        return found;
}

/* Runs mmdebstrap into `out` (a .tar.zst) through a temporary file. */
static int build_rootfs(const char *release, const char *out)
{
        _cleanup_free_ char *tmp = NULL, *mirror = apt_mirror();
        if (asprintf(&tmp, "%s.tmp-%d.tar.zst", out, (int)getpid()) < 0)
                return -ENOMEM;
        fprintf(stderr, "Building a Debian %s root file system with mmdebstrap (once; cached as %s)...\n", release,
                out);
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                const char *argv[10];
                int n = 0;
                argv[n++] = "mmdebstrap";
                argv[n++] = "--variant=minbase";
                argv[n++] = getuid() == 0 ? "--mode=root" : "--mode=unshare";
                argv[n++] = "--quiet";
                argv[n++] = release;
                argv[n++] = tmp;
                if (mirror)
                        argv[n++] = mirror;
                argv[n] = NULL;
                execvp(argv[0], (char **)argv);
                fprintf(stderr, "lxs: install: mmdebstrap: %s (apt-get install mmdebstrap)\n", strerror(errno));
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                unlink(tmp);
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 127)
                        fprintf(stderr, "lxs: install: mmdebstrap %s failed (see its messages above)\n", release);
                return -EIO;
        }
        if (rename(tmp, out) < 0) {
                int e = errno;
                unlink(tmp);
                fprintf(stderr, "lxs: install: %s: %s\n", out, strerror(e));
                return -e;
        }
        return 0;
}

static bool is_registered(const char *name)
{
        struct lxs_registry reg;
        if (lxs_registry_open(&reg, NULL) < 0)
                return false;
        struct lxs_distro d;
        bool found = lxs_registry_get(&reg, name, &d) == 0;
        if (found)
                lxs_distro_clear(&d);
        lxs_registry_close(&reg);
        return found;
}

int lxs_cmd_install(const struct lxs_options *o, int (*launch)(const char *name))
{
        const char *spec = o->release ? o->release : DEFAULT_NAME;
        _cleanup_free_ char *release = NULL;
        if (strcmp(spec, "debian") == 0) {
                release = host_codename();
        } else if (strncmp(spec, "debian:", 7) == 0 && spec[7]) {
                release = strdup(spec + 7);
        } else {
                fprintf(stderr, "lxs: install: %s: unknown distribution (this lxs installs debian[:RELEASE])\n", spec);
                return 1;
        }
        if (!release || strspn(release, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(release)) {
                fprintf(stderr, "lxs: install: %s: invalid release name\n", spec);
                return 1;
        }
        const char *name = o->name ? o->name : DEFAULT_NAME;
        /* Installing what is already there (the README's first command, run again) opens it,
         * as long as nothing asked for a particular tarball or place. */
        if (!o->from_file && !o->install_dir && is_registered(name)) {
                if (o->no_launch)
                        return 0;
                fprintf(stderr, "lxs: install: %s is already installed: opening it\n", name);
                return launch(name);
        }
        _cleanup_free_ char *data = lxs_data_dir();
        _cleanup_free_ char *location = NULL;
        if (o->install_dir)
                location = strdup(o->install_dir);
        else if (data && asprintf(&location, "%s/distros/%s", data, name) < 0)
                location = NULL;
        if (!location) {
                fprintf(stderr, "lxs: install: out of memory\n");
                return 1;
        }
        _cleanup_free_ char *tarball = NULL;
        if (o->from_file) {
                tarball = strdup(o->from_file);
        } else {
                _cleanup_free_ char *cache = lxs_cache_dir();
                _cleanup_free_ char *rootfs = cache ? lxs_path_join(cache, "rootfs") : NULL;
                if (!rootfs || lxs_mkdir_private(rootfs, 0700) < 0) {
                        fprintf(stderr, "lxs: install: %s: %s\n", rootfs ? rootfs : "cache", strerror(errno));
                        return 1;
                }
                if (asprintf(&tarball, "%s/debian-%s-minbase.tar.zst", rootfs, release) < 0)
                        return 1;
                if (access(tarball, R_OK) < 0 && build_rootfs(release, tarball) < 0)
                        return 1;
        }
        if (data) {
                /* The default location's parent; an explicit --location must exist up to it. */
                _cleanup_free_ char *distros = lxs_path_join(data, "distros");
                if (!o->install_dir && distros)
                        lxs_mkdir_private(distros, 0700);
        }
        struct lxs_options imp = *o;
        imp.action = LXS_ACTION_IMPORT;
        imp.name = name;
        imp.install_dir = location;
        imp.file = tarball;
        imp.vhd = false;
        int rc = lxs_cmd_import(&imp);
        if (rc != 0 || o->no_launch)
                return rc;
        return launch(name);
}
