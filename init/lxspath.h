/* lxspath: path translation between a distro and the host, as wslpath does in WSL.
 *
 * The guest's /init binary is bind-mounted into every distro as /usr/local/bin/lxspath (the
 * same file: lxs-init runs as lxspath when called by that name). What it needs is written by
 * the distro's init to LXS_PATHS_FILE when the container starts:
 *   root <automount root>      where the host's shared folders appear (no line: not shown)
 *   share <host path>          one line per shared folder
 *   view <host path>           the distro's whole filesystem on the host (lxs's FUSE view)
 * Translation: -u HOST_PATH gives the Linux path of a path inside a share; -w LINUX_PATH gives
 * the host path: the share's for a path under the automount root, else the path in the host's
 * view of the distro. Paths are made absolute (relative -w paths against the working
 * directory) and "." and ".." are resolved by name, as wslpath does, without following links.
 * The parsing and translation are pure; lxs_lxspath_main is the program. */
#ifndef LXS_INIT_LXSPATH_H
#define LXS_INIT_LXSPATH_H

#include <stddef.h>

#define LXS_PATHS_FILE "/run/lxs/paths"
#define LXS_LXSPATH_IN_DISTRO "/usr/local/bin/lxspath"
#define LXS_PATHS_MAX_SHARES 8

struct lxs_path_map {
        char *automount_root;                   /* NULL: shares not shown in this distro */
        char *shares[LXS_PATHS_MAX_SHARES];
        size_t n_shares;
        char *view;                             /* NULL: unknown */
};

/* Parses LXS_PATHS_FILE's text; -EINVAL for a malformed line. Free with lxs_path_map_free. */
int lxs_path_map_parse(const char *text, size_t len, struct lxs_path_map *map);
void lxs_path_map_free(struct lxs_path_map *map);

/* Lexically normalises an absolute path ("//", ".", ".." resolved; ".." at "/" stays "/").
 * malloc'd; NULL + EINVAL for a relative path. */
char *lxs_path_normalize(const char *path);

/* Host path -> Linux path. 0 with *out, -ENOENT when it is in no share shown here. */
int lxs_path_to_linux(const struct lxs_path_map *map, const char *host_path, char **out);
/* Linux path (absolute) -> host path. 0 with *out, -ENOENT when there is no counterpart. */
int lxs_path_to_host(const struct lxs_path_map *map, const char *linux_path, char **out);

/* The program: `lxspath -u|-w|-a PATH` (-a: absolute Linux path, like wslpath -a). */
int lxs_lxspath_main(int argc, char **argv);

#endif
