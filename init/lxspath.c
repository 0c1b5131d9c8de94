/* lxspath: see lxspath.h for the contract. */
#include "lxspath.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"

void lxs_path_map_free(struct lxs_path_map *map)
{
        free(map->automount_root);
        for (size_t i = 0; i < map->n_shares; i++)
                free(map->shares[i]);
        free(map->view);
        *map = (struct lxs_path_map){ 0 };
}

int lxs_path_map_parse(const char *text, size_t len, struct lxs_path_map *map)
{
        *map = (struct lxs_path_map){ 0 };
        size_t pos = 0;
        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
                const char *line = text + pos;
                pos += n + 1;
                if (n == 0)
                        continue;
                const char *sp = memchr(line, ' ', n);
                if (!sp || sp[1] != '/' || memchr(line, '\0', n))
                        goto bad;
                size_t key = (size_t)(sp - line);
                char *value = strndup(sp + 1, n - key - 1);
                if (!value) {
                        lxs_path_map_free(map);
                        return -ENOMEM;
                }
                if (key == 4 && memcmp(line, "root", 4) == 0 && !map->automount_root) {
                        map->automount_root = value;
                } else if (key == 4 && memcmp(line, "view", 4) == 0 && !map->view) {
                        map->view = value;
                } else if (key == 5 && memcmp(line, "share", 5) == 0 && map->n_shares < LXS_PATHS_MAX_SHARES) {
                        map->shares[map->n_shares++] = value;
                } else {
                        free(value);
                        goto bad;
                }
        }
        return 0;
bad:
        lxs_path_map_free(map);
        return -EINVAL;
}

char *lxs_path_normalize(const char *path)
{
        if (!path || path[0] != '/')
                return errno = EINVAL, NULL;
        size_t len = strlen(path);
        char *out = malloc(len + 2);
        if (!out)
                return NULL;
        size_t o = 0;
        for (const char *p = path; *p;) {
                while (*p == '/')
                        p++;
                const char *end = strchrnul(p, '/');
                size_t n = (size_t)(end - p);
                if (n == 0 || (n == 1 && p[0] == '.')) {
                        /* nothing */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--;
                } else {
                        out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p = end;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = '\0';
        return out;
}

/* The rest of path below dir, "" for dir itself; NULL when path is not inside dir. */
static const char *below(const char *path, const char *dir)
{
        size_t n = strcmp(dir, "/") == 0 ? 0 : strlen(dir);
        if (strncmp(path, dir, n) != 0 || (path[n] != '\0' && path[n] != '/'))
                return NULL;
        return path + n;
}

static int join(const char *a, const char *b, char **out)
{
        size_t la = strlen(a);
        while (la > 0 && a[la - 1] == '/')
                la--;
        if (la == 0 && !*b)
                return (*out = strdup("/")) ? 0 : -ENOMEM;
        return asprintf(out, "%.*s%s", (int)la, a, b) < 0 ? -ENOMEM : 0;
}

int lxs_path_to_linux(const struct lxs_path_map *map, const char *host_path, char **out)
{
        *out = NULL;
        _cleanup_free_ char *norm = lxs_path_normalize(host_path);
        if (!norm)
                return -errno;
        if (!map->automount_root)
                return -ENOENT;
        for (size_t i = 0; i < map->n_shares; i++)
                if (below(norm, map->shares[i]))
                        return join(map->automount_root, norm, out);
        return -ENOENT;
}

int lxs_path_to_host(const struct lxs_path_map *map, const char *linux_path, char **out)
{
        *out = NULL;
        _cleanup_free_ char *norm = lxs_path_normalize(linux_path);
        if (!norm)
                return -errno;
        if (map->automount_root) {
                _cleanup_free_ char *root = lxs_path_normalize(map->automount_root);
                if (!root)
                        return -errno;
                const char *rest = below(norm, root);
                if (rest) {
                        const char *host = *rest ? rest : "/";
                        for (size_t i = 0; i < map->n_shares; i++)
                                if (below(host, map->shares[i]))
                                        return (*out = strdup(host)) ? 0 : -ENOMEM;
                        return -ENOENT; /* the automount root's own directories */
                }
        }
        if (!map->view)
                return -ENOENT;
        return join(map->view, strcmp(norm, "/") == 0 ? "" : norm, out);
}

static int usage(void)
{
        fprintf(stderr, "usage: lxspath -u HOST_PATH | -w LINUX_PATH | -a LINUX_PATH\n"
                        "  -u  the Linux path of a host path inside a shared folder\n"
                        "  -w  the host path of a Linux path\n"
                        "  -a  the absolute Linux path\n");
        return 2;
}

/* Relative Linux paths are taken from the working directory, as wslpath does. */
static char *absolute(const char *path)
{
        if (path[0] == '/')
                return lxs_path_normalize(path);
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)))
                return NULL;
        _cleanup_free_ char *joined = NULL;
        if (asprintf(&joined, "%s/%s", cwd, path) < 0)
                return NULL;
        return lxs_path_normalize(joined);
}

int lxs_lxspath_main(int argc, char **argv)
{
        if (argc != 3 || argv[1][0] != '-' || !argv[1][1] || argv[1][2] || !*argv[2])
                return usage();
        char mode = argv[1][1];
        if (mode != 'u' && mode != 'w' && mode != 'a')
                return usage();
        const char *in = argv[2];
        _cleanup_free_ char *abs_path = NULL, *out = NULL, *text = NULL;
        if (mode == 'u' && in[0] != '/') {
                fprintf(stderr, "lxspath: %s: not an absolute host path\n", in);
                return 1;
        }
        abs_path = mode == 'u' ? lxs_path_normalize(in) : absolute(in);
        if (!abs_path) {
                fprintf(stderr, "lxspath: %s: %s\n", in, strerror(errno));
                return 1;
        }
        if (mode == 'a') {
                puts(abs_path);
                return 0;
        }
        struct lxs_path_map map = { 0 };
        int r = lxs_read_file(LXS_PATHS_FILE, 1u << 16, &text);
        if (r >= 0)
                r = lxs_path_map_parse(text, (size_t)r, &map);
        if (r < 0) {
                fprintf(stderr, "lxspath: %s: %s\n", LXS_PATHS_FILE, strerror(-r));
                return 1;
        }
        r = mode == 'u' ? lxs_path_to_linux(&map, abs_path, &out) : lxs_path_to_host(&map, abs_path, &out);
        lxs_path_map_free(&map);
        if (r == -ENOENT) {
                fprintf(stderr, "lxspath: %s: %s\n", in,
                        mode == 'u' ? "not inside a folder shared into this distro" : "has no host path");
                return 1;
        }
        if (r < 0) {
                fprintf(stderr, "lxspath: %s: %s\n", in, strerror(-r));
                return 1;
        }
        puts(out);
        return 0;
}
