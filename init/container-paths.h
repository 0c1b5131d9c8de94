/* What a distro's container gets for lxspath (see lxspath.h): the /init binary bind-mounted at
 * LXS_LXSPATH_IN_DISTRO and the path map in LXS_PATHS_FILE. Both run in the container init,
 * the clone before the VM's mounts are detached from its namespace, the rest after the switch
 * to the image. Return 0 or negative errno; nothing prints. */
#ifndef LXS_INIT_CONTAINER_PATHS_H
#define LXS_INIT_CONTAINER_PATHS_H

/* A detached bind mount of the running /init (to carry into the image); negative errno. */
int lxs_container_clone_lxspath(void);

/* Attaches it at LXS_LXSPATH_IN_DISTRO, creating the directory and an empty file to mount on
 * if missing (as WSL puts wslpath into its distros). Closes tree. */
int lxs_container_install_lxspath(int tree);

/* Writes LXS_PATHS_FILE for distro `name`: the automount root (NULL: shares not shown), the
 * shares and the host view directory. */
int lxs_container_write_paths(const char *name, const char *automount_root);

/* mkdir -p with mode 0755 for every missing component. */
int lxs_mkdir_parents(const char *path);

#endif
