/* lxspath's part of a distro's container; see container-paths.h for the contract. */
#include "container-paths.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "host-execs.h"
#include "lxs-host.h"
#include "lxspath.h"
#include "shares.h"

int lxs_mkdir_parents(const char *path)
{
        char buf[4096];
        if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
                return -ENAMETOOLONG;
        for (char *c = buf + 1;; c++) {
                if (*c != '/' && *c != '\0')
                        continue;
                char saved = *c;
                *c = '\0';
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        return -errno;
                if (!saved)
                        return 0;
                *c = saved;
        }
}

int lxs_container_clone_lxspath(void)
{
        /* By name in this namespace: /proc/self/exe leads to the mount of the namespace /init
         * started in, which open_tree refuses to clone from here (EINVAL). */
        int tree = open_tree(AT_FDCWD, "/init", OPEN_TREE_CLOEXEC | OPEN_TREE_CLONE);
        return tree < 0 ? -errno : tree;
}

int lxs_container_install_tool(int tree, const char *path)
{
        _cleanup_close_ int t = tree;
        int r = lxs_mkdir_parents("/usr/local/bin");
        if (r < 0)
                return r;
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0755);
        if (fd < 0)
                return -errno;
        if (move_mount(t, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

int lxs_container_install_lxspath(int tree)
{
        return lxs_container_install_tool(tree, LXS_LXSPATH_IN_DISTRO);
}

int lxs_container_listen_interop(int fd)
{
        int r = lxs_mkdir_parents("/run/lxs");
        if (r < 0)
                return r;
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", LXS_INTEROP_SOCKET);
        unlink(LXS_INTEROP_SOCKET);
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(LXS_INTEROP_SOCKET, 0666) < 0 ||
            listen(fd, 128) < 0)
                return -errno;
        return 0;
}

int lxs_container_write_host_shims(char *const *names, size_t n)
{
        if (n == 0)
                return 0;
        int r = lxs_mkdir_parents(LXS_HOST_SHIMS_DIR);
        if (r < 0)
                return r;
        _cleanup_close_ int dir = open(LXS_HOST_SHIMS_DIR, O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        char link[LXS_HOST_PROGRAM_NAME_MAX + sizeof(LXS_HOST_SHIM_SUFFIX)];
        for (size_t i = 0; i < n; i++) {
                snprintf(link, sizeof(link), "%s" LXS_HOST_SHIM_SUFFIX, names[i]);
                if (symlinkat(LXS_HOST_IN_DISTRO, dir, link) < 0 && errno != EEXIST)
                        return -errno;
        }
        return 0;
}

int lxs_container_write_paths(const char *name, const char *automount_root)
{
        char text[LXS_PATHS_MAX_SHARES * 4200 + 8400];
        size_t len = 0;
        const char *shares[LXS_PATHS_MAX_SHARES];
        size_t n = automount_root ? lxs_shares_list(shares, LXS_PATHS_MAX_SHARES) : 0;
        if (automount_root)
                len += (size_t)snprintf(text + len, sizeof(text) - len, "root %s\n", automount_root);
        for (size_t i = 0; i < n && len < sizeof(text); i++)
                len += (size_t)snprintf(text + len, sizeof(text) - len, "share %s\n", shares[i]);
        const char *view = lxs_shares_view_root();
        if (view && len < sizeof(text))
                len += (size_t)snprintf(text + len, sizeof(text) - len, "view %s/%s\n", view, name);
        if (len >= sizeof(text))
                return -ENAMETOOLONG;
        int r = lxs_mkdir_parents("/run/lxs");
        if (r < 0)
                return r;
        return lxs_write_file_atomic(LXS_PATHS_FILE, text, len, 0644);
}
