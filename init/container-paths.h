/* What a distro's container gets for lxspath (see lxspath.h) and lxs-host (lxs-host.h): the
 * /init binary bind-mounted at LXS_LXSPATH_IN_DISTRO and LXS_HOST_IN_DISTRO, the path map in
 * LXS_PATHS_FILE, the interop socket and the .host links. Both run in the container init,
 * the clone before the VM's mounts are detached from its namespace, the rest after the switch
 * to the image. Return 0 or negative errno; nothing prints. */
#ifndef LXS_INIT_CONTAINER_PATHS_H
#define LXS_INIT_CONTAINER_PATHS_H

#include <stddef.h>

/* A detached bind mount of the running /init (to carry into the image); negative errno. */
int lxs_container_clone_lxspath(void);

/* Attaches it at LXS_LXSPATH_IN_DISTRO, creating the directory and an empty file to mount on
 * if missing (as WSL puts wslpath into its distros). Closes tree. */
int lxs_container_install_lxspath(int tree);
/* The same at another path (lxs-host). Closes tree. */
int lxs_container_install_tool(int tree, const char *path);

/* Binds the unbound unix socket fd at LXS_INTEROP_SOCKET (mode 0666: every user of the distro
 * may run host programs, as in WSL) and listens; /init accepts on its own copy. */
int lxs_container_listen_interop(int fd);

/* LXS_HOST_SHIMS_DIR with NAME.host -> LXS_HOST_IN_DISTRO for each name (already checked to be
 * file names by the decoder). Nothing is created for n == 0. */
int lxs_container_write_host_shims(char *const *names, size_t n);

/* Writes LXS_PATHS_FILE for distro `name`: the automount root (NULL: shares not shown), the
 * shares and the host view directory. */
int lxs_container_write_paths(const char *name, const char *automount_root);

/* mkdir -p with mode 0755 for every missing component. */
int lxs_mkdir_parents(const char *path);

#endif
