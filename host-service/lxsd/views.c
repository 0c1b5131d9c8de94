/* The host's view of each running distro ($runtime/mnt/NAME, docs/design-file-bridge.md):
 * lxsd starts one `lxs --mount-view NAME` per distro that becomes Running and leaves the rest to
 * it (the view ends itself when its session ends), and at start removes the mounts a crashed
 * lxsd's views may have left. Nothing here waits on a view: a FUSE mount that hangs must never
 * stall the service. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "install-dirs.h"
#include "log.h"
#include "lxsd.h"
#include "mountinfo.h"
#include "paths.h"
#include "view-link.h"

/* The stable link is made by lxsd rather than the view so that it exists as soon as the distro
 * runs; it points at where the view will be mounted. */
static void link_view(struct lxsd *d, const char *name, const char *link_dir)
{
        _cleanup_free_ char *mnt = lxs_path_join(d->runtime_dir, "mnt");
        _cleanup_free_ char *target = mnt ? lxs_path_join(mnt, name) : NULL;
        if (!target)
                return;
        int r = lxs_view_link_make(link_dir, name, target);
        if (r == -EEXIST)
                lxsd_log("distro %s: view link %s/%s: left alone: something else has that name", name,
                         link_dir, name);
        else if (r < 0)
                lxsd_log("distro %s: view link %s/%s: %s", name, link_dir, name, strerror(-r));
}

void views_spawn(struct lxsd *d, const char *name, const char *link_dir)
{
        if (link_dir)
                link_view(d, name, link_dir);
        _cleanup_free_ char *cli = lxs_cli_path();
        if (!cli || access(cli, X_OK) < 0) {
                lxsd_log("distro %s: no file view: %s not found", name, cli ? cli : "lxs");
                return;
        }
        _cleanup_free_ char *logpath = lxs_path_join(d->state_dir, "lxsd.log");
        pid_t pid = fork();
        if (pid < 0) {
                lxsd_log("distro %s: file view: fork: %s", name, strerror(errno));
                return;
        }
        if (pid == 0) {
                /* Double fork: the view is nobody's child here, so lxsd has nothing to reap
                 * and the view outlives an lxsd restart until its own session notices. */
                if (setsid() < 0 || fork() != 0)
                        _exit(0);
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                int log = logpath ? open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
                if (null >= 0) {
                        dup2(null, 0);
                        dup2(null, 1);
                }
                dup2(log >= 0 ? log : null, 2);
                execl(cli, "lxs", "--mount-view", name, (char *)NULL);
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
}

/* Unprivileged, only fusermount3 may detach a FUSE mount. */
static int fusermount_detach(const char *path)
{
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, 0);
                        dup2(null, 1);
                        dup2(null, 2);
                }
                execlp("fusermount3", "fusermount3", "-u", "-z", "--", path, (char *)NULL);
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

void views_clean_stale(struct lxsd *d)
{
        _cleanup_free_ char *joined = lxs_path_join(d->runtime_dir, "mnt");
        /* mountinfo names the real path. */
        _cleanup_free_ char *mnt = joined ? realpath(joined, NULL) : NULL;
        if (!mnt)
                return; /* no view ever ran */
        _cleanup_closedir_ DIR *dir = opendir(mnt);
        if (!dir)
                return;
        struct dirent *e;
        while ((e = readdir(dir))) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                _cleanup_free_ char *path = lxs_path_join(mnt, e->d_name);
                if (!path)
                        continue;
                /* A view may be stacked more than once if two raced; detach until none is left. */
                for (int i = 0; i < 8 && lxs_mounted_at(path) == 1; i++) {
                        int r = umount2(path, MNT_DETACH) == 0 ? 0 : fusermount_detach(path);
                        if (r < 0) {
                                lxsd_log("stale view %s: unmount: %s", path, strerror(-r));
                                break;
                        }
                        lxsd_log("stale view %s: unmounted", path);
                }
                if (rmdir(path) < 0 && errno != ENOENT)
                        lxsd_log("stale view %s: rmdir: %s", path, strerror(errno));
        }
}
