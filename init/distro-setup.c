/* The system-level steps of a distro's life in the VM: its image's mount, its cgroup
 * (/sys/fs/cgroup/lxs/<name>/{init,sessions}), the fork of its init into a new PID namespace,
 * and their undoing. Synchronous and short; the waiting is distros.c's. */
#include "distro.h"
#include "shares.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "host-programs.h"
#include "report.h"
#include "fd-util.h"
#include "report.h"
#include "shutdown.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define DISTROS_RUN_DIR "/run/lxs/distros"

static int mkdir_ok(const char *path, mode_t mode)
{
        return mkdir(path, mode) < 0 && errno != EEXIST ? -errno : 0;
}

int distro_mount(struct distro *d, char *detail, size_t size)
{
        char dir[DISTRO_PATH_MAX - 8];
        snprintf(dir, sizeof(dir), DISTROS_RUN_DIR "/%s", d->name);
        snprintf(d->root, sizeof(d->root), "%s/root", dir);
        int r = mkdir_ok("/run/lxs", 0700);
        if (r == 0)
                r = mkdir_ok(DISTROS_RUN_DIR, 0700);
        if (r == 0)
                r = mkdir_ok(dir, 0755);
        if (r == 0)
                r = mkdir_ok(d->root, 0755);
        if (r < 0) {
                snprintf(detail, size, "mkdir %s: %s", d->root, strerror(-r));
                return r;
        }
        char dev[64];
        snprintf(dev, sizeof(dev), "/dev/%s", d->disk);
        if (mount(dev, d->root, "ext4", 0, NULL) < 0) {
                r = -errno;
                if (r == -ENODEV)
                        snprintf(detail, size, "mount %s: the guest kernel has no ext4", dev);
                else
                        snprintf(detail, size, "mount %s (the distro's image) as ext4: %s", dev, strerror(-r));
                rmdir(d->root);
                rmdir(dir);
                return r;
        }
        d->mounted = true;
        return 0;
}

int distro_unmount(struct distro *d)
{
        if (!d->mounted)
                return 0;
        int r = 0;
        if (umount2(d->root, 0) < 0) {
                r = -errno;
                if (errno == EBUSY)
                        umount2(d->root, MNT_DETACH);
        }
        d->mounted = false;
        rmdir(d->root);
        char *slash = strrchr(d->root, '/');
        if (slash) {
                *slash = '\0';
                rmdir(d->root);
                *slash = '/';
        }
        return r;
}

static void cgroup_path(const struct distro *d, const char *sub, const char *file, char *out, size_t size)
{
        snprintf(out, size, "%s%s%s%s%s", d->cgroup, sub ? "/" : "", sub ? sub : "", file ? "/" : "", file ? file : "");
}

void distro_cgroup_remove(struct distro *d)
{
        static const char *const children[] = { "sessions", "init" };
        char path[DISTRO_PATH_MAX + 64];
        if (!d->cgroup[0])
                return;
        for (size_t i = 0; i < LXS_ARRAY_SIZE(children); i++) {
                cgroup_path(d, children[i], NULL, path, sizeof(path));
                rmdir(path);
        }
        rmdir(d->cgroup);
        d->cgroup_made = false;
}

int distro_cgroup_create(struct distro *d, char *detail, size_t size)
{
        snprintf(d->cgroup, sizeof(d->cgroup), CGROUP_ROOT "/lxs/%s", d->name);
        if (access(CGROUP_ROOT "/cgroup.controllers", F_OK) < 0) {
                snprintf(detail, size, "cgroup2 is not mounted at " CGROUP_ROOT);
                return -ENOTSUP;
        }
        /* A leftover of an earlier run that could not be removed then (it is empty now, or
         * rmdir fails and so does the mkdir below, with that reason). */
        distro_cgroup_remove(d);
        static const char *const children[] = { "init", "sessions" };
        int r = mkdir_ok(CGROUP_ROOT "/lxs", 0755);
        if (r == 0 && mkdir(d->cgroup, 0755) < 0)
                r = -errno;
        char path[DISTRO_PATH_MAX + 64];
        for (size_t i = 0; r == 0 && i < LXS_ARRAY_SIZE(children); i++) {
                cgroup_path(d, children[i], NULL, path, sizeof(path));
                if (mkdir(path, 0755) < 0)
                        r = -errno;
        }
        if (r < 0) {
                snprintf(detail, size, "create cgroup %s: %s", d->cgroup, strerror(-r));
                distro_cgroup_remove(d);
                return r;
        }
        d->cgroup_made = true;
        cgroup_path(d, NULL, "cgroup.kill", path, sizeof(path));
        if (access(path, F_OK) < 0) {
                snprintf(detail, size, "%s is missing (the guest kernel is older than 5.14)", path);
                distro_cgroup_remove(d);
                return -ENOTSUP;
        }
        cgroup_path(d, "sessions", "cgroup.procs", path, sizeof(path));
        d->sessions_procs_fd = open(path, O_WRONLY | O_CLOEXEC);
        if (d->sessions_procs_fd >= 0) {
                /* Background sessions (the host's file view) live with the distro's init, so
                 * they never make it look busy. */
                cgroup_path(d, "init", "cgroup.procs", path, sizeof(path));
                d->init_procs_fd = open(path, O_WRONLY | O_CLOEXEC);
                if (d->init_procs_fd < 0) {
                        int saved = errno;
                        close(d->sessions_procs_fd);
                        d->sessions_procs_fd = -1;
                        errno = saved;
                }
        }
        if (d->sessions_procs_fd < 0) {
                r = -errno;
                snprintf(detail, size, "open %s: %s", path, strerror(-r));
                distro_cgroup_remove(d);
                return r;
        }
        return 0;
}

/* The PID namespace is the one namespace a process cannot enter itself: /init makes a new one
 * for its children, forks the distro's init as its PID 1, and returns to its own at once. */
int distro_spawn_init(struct distro *d, char *detail, size_t size)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) {
                snprintf(detail, size, "pipe: %s", strerror(errno));
                return -errno;
        }
        /* Unbound here; the distro's init binds it inside the distro and listens, and we
         * accept on our copy once it reports ready. */
        d->interop_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (d->interop_fd < 0)
                lxs_report(errno, false, NULL, "distro %s: interop socket", d->name);
        size_t n_programs = 0;
        char *const *programs = d->conf.interop_enabled && d->conf.interop_append_host_path ?
                                        lxs_host_programs(&n_programs) : NULL;
        struct lxs_container_params params = {
                .name = d->name,
                .root = d->root,
                .hostname = d->hostname,
                .resolv_conf = d->resolv_conf,
                .generate_hosts = d->conf.generate_hosts,
                .host_alias = d->host_alias,
                .boot_command = d->conf.boot_command,
                .cgroup_dir = d->cgroup,
                .report_fd = p[1],
                .interop_fd = d->interop_fd,
                .host_programs = programs,
                .n_host_programs = programs ? n_programs : 0,
                .automount_root = d->conf.automount_enabled && lxs_shares_mounted() ? d->conf.automount_root : NULL,
        };
        d->shares_attached = params.automount_root != NULL;
        if (unshare(CLONE_NEWPID) < 0) {
                int r = -errno;
                snprintf(detail, size, "new PID namespace: %s", strerror(-r));
                close(p[0]);
                close(p[1]);
                return r;
        }
        pid_t pid = fork();
        if (pid == 0)
                lxs_container_main(&params);
        int fork_errno = errno;
        /* Back to our own namespace before anything else forks. */
        if (setns(d->owner->self_pidns_fd, CLONE_NEWPID) < 0) {
                /* Every later child would land in the distro: nothing can run right any more. */
                lxs_report(errno, true, NULL, "return to PID 1's own PID namespace");
                lxs_shutdown(NULL);
        }
        close(p[1]);
        if (pid < 0) {
                snprintf(detail, size, "fork the distro's init: %s", strerror(fork_errno));
                close(p[0]);
                return -fork_errno;
        }
        d->init_pid = pid;
        /* Not reaped before the loop sees SIGCHLD, so the pid cannot have been reused. */
        d->pidfd = pidfd_open(pid, 0);
        if (d->pidfd < 0) {
                int r = -errno;
                snprintf(detail, size, "pidfd of the distro's init: %s", strerror(-r));
                close(p[0]);
                return r;
        }
        lxs_set_nonblock(p[0], 1);
        d->report_fd = p[0];
        return 0;
}

/* pids of one cgroup.procs; returns how many were read (at most max). */
static size_t read_procs(const char *path, pid_t *pids, size_t max)
{
        _cleanup_free_ char *text = NULL;
        if (lxs_read_file(path, 1u << 20, &text) < 0)
                return 0;
        size_t n = 0;
        for (char *p = text; *p && n < max;) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (v > 0)
                        pids[n++] = (pid_t)v;
                p = end;
        }
        return n;
}

void distro_signal_all(struct distro *d, int sig)
{
        static const char *const subs[] = { "sessions", "init" };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(subs); i++) {
                char path[DISTRO_PATH_MAX + 64];
                cgroup_path(d, subs[i], "cgroup.procs", path, sizeof(path));
                pid_t pids[4096];
                size_t n = read_procs(path, pids, LXS_ARRAY_SIZE(pids));
                for (size_t j = 0; j < n; j++)
                        kill(pids[j], sig);
        }
}

int distro_cgroup_kill(struct distro *d)
{
        if (!d->cgroup_made)
                return 0;
        char path[DISTRO_PATH_MAX + 64];
        cgroup_path(d, NULL, "cgroup.kill", path, sizeof(path));
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return lxs_write_all(fd, "1", 1);
}

bool distro_populated(struct distro *d, const char *sub)
{
        if (!d->cgroup_made)
                return false;
        char path[DISTRO_PATH_MAX + 64];
        cgroup_path(d, sub, "cgroup.events", path, sizeof(path));
        _cleanup_free_ char *text = NULL;
        if (lxs_read_file(path, 4096, &text) < 0)
                return false;
        const char *p = strstr(text, "populated ");
        return p && p[10] == '1';
}
