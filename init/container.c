/* The distro's init; see container.h for the contract.
 *
 * Why not pivot_root: the VM's root is the initramfs (rootfs), which has no parent mount, and
 * pivot_root refuses to move such a root away (EINVAL). So the container init detaches every
 * VM mount from its new mount namespace, moves a clone of the image's mount over "/" (as
 * switch_root does) and chroots into it. Nothing of the VM is then reachable by path, and
 * setns() into this mount namespace lands in the image (the kernel follows the mounts stacked
 * on the namespace's root). Root in a distro could still chroot its way down to the initramfs
 * underneath, as it could mknod the VM's disks: distros are not a security boundary inside the
 * VM (nor are they in WSL). */
#include "container.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "distro-command.h"
#include "fd-util.h"
#include "container-paths.h"
#include "host-execs.h"
#include "lxs-host.h"
#include "lxspath.h"
#include "mount-table.h"
#include "nat-layout.h"
#include "shares.h"

#define REPORT_FD 3
#define INTEROP_FD 4
/* While stopping, how often to look whether the distro's other processes are gone. */
#define STOP_POLL_MS 50
#define MOUNTINFO_MAX (1u << 20)

static const struct lxs_mount_entry mount_table[] = {
        { "proc", "/proc", "proc", LXS_NOSUID_NODEV | MS_NOEXEC, NULL, 0555, true, false },
        { "sysfs", "/sys", "sysfs", LXS_NOSUID_NODEV | MS_NOEXEC | MS_RDONLY, NULL, 0555, true, false },
        { "cgroup2", "/sys/fs/cgroup", "cgroup2", LXS_NOSUID_NODEV | MS_NOEXEC, NULL, 0755, false, true },
        { "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=4m", 0755, true, false },
        { "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5", 0755, true, false },
        { "tmpfs", "/dev/shm", "tmpfs", LXS_NOSUID_NODEV, "mode=1777", 01777, true, false },
        { "mqueue", "/dev/mqueue", "mqueue", LXS_NOSUID_NODEV | MS_NOEXEC, NULL, 0755, false, true },
        { "tmpfs", "/run", "tmpfs", LXS_NOSUID_NODEV, "mode=0755", 0755, true, false },
        { "tmpfs", "/tmp", "tmpfs", LXS_NOSUID_NODEV, "mode=1777", 01777, true, false },
};

static const struct {
        const char *path;
        unsigned major, minor;
} dev_nodes[] = {
        { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
        { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const struct {
        const char *target, *path;
} dev_links[] = {
        { "/proc/self/fd", "/dev/fd" },     { "/proc/self/fd/0", "/dev/stdin" },
        { "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
        { "pts/ptmx", "/dev/ptmx" },
};

static void report(enum lxs_container_record_kind kind, int errno_value, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void report(enum lxs_container_record_kind kind, int errno_value, const char *fmt, ...)
{
        struct lxs_container_record rec = { .kind = kind, .errno_value = errno_value };
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rec.text, sizeof(rec.text), fmt, ap);
        va_end(ap);
        /* If /init cannot hear us, it sees EOF and fails the start; nothing better to do. */
        if (write(REPORT_FD, &rec, sizeof(rec)) < 0)
                return;
}

_Noreturn static void fail(int errno_value, const char *step)
{
        report(LXS_CONTAINER_FATAL, errno_value, "%s", step);
        _exit(1);
}

static int write_string(const char *path, const char *s)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return lxs_write_all(fd, s, strlen(s));
}

/* Into the distro's cgroup and a cgroup namespace rooted there (so the distro sees its init/ and
 * sessions/ as /init and /sessions), then into init/. The move to init/ keeps the distro's own
 * cgroup free of processes, so controllers can be enabled on it later. */
static void enter_cgroup(const char *cgroup_dir)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup_dir);
        int r = write_string(path, "0");
        if (r < 0)
                fail(-r, "join the distro's cgroup");
        if (unshare(CLONE_NEWCGROUP) < 0)
                fail(errno, "new cgroup namespace");
        snprintf(path, sizeof(path), "%s/init/cgroup.procs", cgroup_dir);
        r = write_string(path, "0");
        if (r < 0)
                fail(-r, "join cgroup init/");
}

static int unescape_mountinfo(char *s)
{
        char *o = s;
        for (char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
                    p[3] <= '7') {
                        *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
                        p += 3;
                } else {
                        *o++ = *p;
                }
        }
        *o = '\0';
        return 0;
}

/* Detaches every mount of this (new, private) namespace except its root: the VM's /proc, /dev,
 * /run with every distro's image... Otherwise this namespace would keep other distros' disks
 * mounted after the VM unmounted them. */
static void detach_vm_mounts(void)
{
        _cleanup_free_ char *info = NULL;
        int r = lxs_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &info);
        if (r < 0)
                fail(-r, "read /proc/self/mountinfo");
        /* The namespace's root is the mount whose mount point is "/" and whose parent is not
         * listed (rootfs); its direct children are what to detach (recursively). */
        unsigned long root_id = 0;
        char *save = NULL;
        _cleanup_free_ char *copy = strdup(info);
        if (!copy)
                fail(ENOMEM, "read /proc/self/mountinfo");
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned long id, parent;
                char mp[4096];
                if (sscanf(line, "%lu %lu %*s %*s %4095s", &id, &parent, mp) == 3 && strcmp(mp, "/") == 0) {
                        root_id = id;
                        break;
                }
        }
        for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned long id, parent;
                char mp[4096];
                if (sscanf(line, "%lu %lu %*s %*s %4095s", &id, &parent, mp) != 3 || parent != root_id ||
                    id == root_id)
                        continue;
                unescape_mountinfo(mp);
                /* A mount already detached with its parent is gone: EINVAL/ENOENT are fine. */
                if (umount2(mp, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
                        char step[4200];
                        snprintf(step, sizeof(step), "detach the VM's %s", mp);
                        fail(errno, step);
                }
        }
}

/* Returns a detached copy of the VM's shares tree (the tmpfs with every share mounted in it),
 * taken before detach_vm_mounts() removes it from this namespace; -1 when there is none. */
static int clone_shares(const char *automount_root)
{
        if (!automount_root)
                return -1;
        int tree = open_tree(AT_FDCWD, LXS_SHARES_DIR, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (tree < 0)
                report(LXS_CONTAINER_WARNING, errno, "shared folders: clone %s", LXS_SHARES_DIR);
        return tree;
}

/* After the switch to the image: the shares tree at the automount root, as WSL mounts drives
 * under /mnt. A failure costs the shares, not the distro. */
static void attach_shares(int tree, const char *automount_root)
{
        if (tree < 0)
                return;
        int r = lxs_mkdir_parents(automount_root);
        if (r == 0 && move_mount(tree, "", AT_FDCWD, automount_root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                r = -errno;
        if (r < 0)
                report(LXS_CONTAINER_WARNING, -r, "shared folders: mount at %s", automount_root);
        close(tree);
}

/* Mounts taken along from the VM into the image (detached clones made before the switch). */
struct carried_mounts {
        int shares;      /* the shares tree, or -1 */
        int lxspath;     /* /init, to appear as lxspath, or -1 */
        int lxs_host;    /* /init again, to appear as lxs-host, or -1 */
};

static void switch_root(const char *root, struct carried_mounts *carry, const char *automount_root)
{
        if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) < 0)
                fail(errno, "new mount, UTS and IPC namespaces");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                fail(errno, "make mounts private");
        _cleanup_close_ int tree = open_tree(AT_FDCWD, root, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree < 0)
                fail(errno, "clone the image's mount");
        carry->shares = clone_shares(automount_root);
        carry->lxspath = lxs_container_clone_lxspath();
        if (carry->lxspath < 0)
                report(LXS_CONTAINER_WARNING, -carry->lxspath, "lxspath: clone /init");
        carry->lxs_host = lxs_container_clone_lxspath();
        if (carry->lxs_host < 0)
                report(LXS_CONTAINER_WARNING, -carry->lxs_host, "lxs-host: clone /init");
        detach_vm_mounts();
        if (move_mount(tree, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
                fail(errno, "move the image over /");
        if (fchdir(tree) < 0 || chroot(".") < 0 || chdir("/") < 0)
                fail(errno, "enter the image");
}

static void mount_api_filesystems(void)
{
        for (size_t i = 0; i < LXS_ARRAY_SIZE(mount_table); i++) {
                const struct lxs_mount_entry *m = &mount_table[i];
                int r = lxs_mount_apply(m);
                if (r < 0 && m->required) {
                        char step[64];
                        snprintf(step, sizeof(step), "mount %s", m->target);
                        fail(-r, step);
                }
        }
        mode_t old = umask(0);
        for (size_t i = 0; i < LXS_ARRAY_SIZE(dev_nodes); i++)
                if (mknod(dev_nodes[i].path, S_IFCHR | 0666, makedev(dev_nodes[i].major, dev_nodes[i].minor)) < 0) {
                        char step[64];
                        snprintf(step, sizeof(step), "mknod %s", dev_nodes[i].path);
                        fail(errno, step);
                }
        umask(old);
        for (size_t i = 0; i < LXS_ARRAY_SIZE(dev_links); i++)
                if (symlink(dev_links[i].target, dev_links[i].path) < 0) {
                        char step[64];
                        snprintf(step, sizeof(step), "symlink %s", dev_links[i].path);
                        fail(errno, step);
                }
}

/* Replaces path (a symlink there included: rename swaps the entry, never writes through it). */
static int replace_file(const char *path, const char *content)
{
        if (mkdir("/etc", 0755) < 0 && errno != EEXIST)
                return -errno;
        return lxs_write_file_atomic(path, content, strlen(content), 0644);
}

static void write_etc(const struct lxs_container_params *p)
{
        char buf[8192];
        if (p->resolv_conf) {
                int n = snprintf(buf, sizeof(buf),
                                 "# Written by lxs when the distro starts. To keep your own file, set\n"
                                 "# [network] generateResolvConf = false in /etc/lxs.conf.\n%s%s",
                                 p->resolv_conf, p->resolv_conf[strlen(p->resolv_conf) - 1] == '\n' ? "" : "\n");
                int r = n >= (int)sizeof(buf) ? -E2BIG : replace_file("/etc/resolv.conf", buf);
                if (r < 0)
                        report(LXS_CONTAINER_WARNING, -r, "write /etc/resolv.conf: %s", strerror(-r));
        }
        if (p->generate_hosts) {
                snprintf(buf, sizeof(buf),
                         "# Written by lxs when the distro starts. To keep your own file, set\n"
                         "# [network] generateHosts = false in /etc/lxs.conf.\n"
                         "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                         "%s%s%s",
                         p->hostname, p->host_alias ? LXS_NAT_HOST_ADDR "\t" : "", p->host_alias ? p->host_alias : "",
                         p->host_alias ? "\n" : "");
                int r = replace_file("/etc/hosts", buf);
                if (r < 0)
                        report(LXS_CONTAINER_WARNING, -r, "write /etc/hosts: %s", strerror(-r));
        }
}

static void reset_signals(void)
{
        signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
}

static void run_boot_command(const char *command)
{
        pid_t pid = fork();
        if (pid < 0) {
                dprintf(STDERR_FILENO, "lxs-init: boot command: fork: %s\n", strerror(errno));
                return;
        }
        if (pid > 0)
                return;
        reset_signals();
        setsid();
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0)
                dup2(null, STDIN_FILENO);
        if (chdir("/root") < 0 && chdir("/") < 0)
                _exit(127);
        char *argv[] = { "sh", "-c", (char *)command, NULL };
        char *envp[] = { "PATH=" LXS_ROOT_PATH, "HOME=/root", "USER=root", "LOGNAME=root", "SHELL=/bin/sh", NULL };
        execve("/bin/sh", argv, envp);
        /* stdout/stderr are the VM console: the one place this can be seen. */
        dprintf(STDERR_FILENO, "lxs-init: boot command: /bin/sh: %s\n", strerror(errno));
        _exit(127);
}

/* True when /proc (this PID namespace's) lists no process but this one. */
static bool alone(void)
{
        _cleanup_closedir_ DIR *d = opendir("/proc");
        if (!d)
                return true;
        struct dirent *e;
        while ((e = readdir(d)))
                if (isdigit((unsigned char)e->d_name[0]) && strcmp(e->d_name, "1") != 0)
                        return false;
        return true;
}

_Noreturn static void reap_forever(const sigset_t *set)
{
        bool stopping = false;
        for (;;) {
                siginfo_t si;
                int sig;
                if (stopping) {
                        struct timespec ts = { .tv_nsec = STOP_POLL_MS * 1000000L };
                        sig = sigtimedwait(set, &si, &ts);
                } else {
                        sig = sigwaitinfo(set, &si);
                }
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                /* si_pid is 0 only for a sender outside this PID namespace: the VM's /init. */
                if (sig == SIGTERM && si.si_pid == 0)
                        stopping = true;
                if (stopping && alone())
                        _exit(0);
        }
}

_Noreturn void lxs_container_main(const struct lxs_container_params *p)
{
        if (dup2(p->report_fd, REPORT_FD) < 0)
                _exit(1);
        int interop = -1;
        if (p->interop_fd >= 0 && dup2(p->interop_fd, INTEROP_FD) == INTEROP_FD)
                interop = INTEROP_FD;
        /* Hold nothing of /init's: the control port, the ring, other distros' fds. */
        close_range(INTEROP_FD + 1, ~0u, 0);
        if (interop < 0)
                close(INTEROP_FD);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGTERM);
        sigprocmask(SIG_SETMASK, &set, NULL);

        enter_cgroup(p->cgroup_dir);
        struct carried_mounts carry = { -1, -1, -1 };
        switch_root(p->root, &carry, p->automount_root);
        mount_api_filesystems();
        attach_shares(carry.shares, p->automount_root);
        if (carry.lxspath >= 0) {
                int r = lxs_container_install_lxspath(carry.lxspath);
                if (r < 0)
                        report(LXS_CONTAINER_WARNING, -r, "lxspath: mount at %s", LXS_LXSPATH_IN_DISTRO);
        }
        if (carry.lxs_host >= 0) {
                int r = lxs_container_install_tool(carry.lxs_host, LXS_HOST_IN_DISTRO);
                if (r < 0)
                        report(LXS_CONTAINER_WARNING, -r, "lxs-host: mount at %s", LXS_HOST_IN_DISTRO);
        }
        int r = lxs_container_write_paths(p->name, p->automount_root);
        if (r < 0)
                report(LXS_CONTAINER_WARNING, -r, "lxspath: write %s", LXS_PATHS_FILE);
        if (interop >= 0) {
                r = lxs_container_listen_interop(interop);
                if (r < 0)
                        report(LXS_CONTAINER_WARNING, -r, "lxs-host: listen on %s", LXS_INTEROP_SOCKET);
                close(interop);
        }
        write_etc(p);
        if (sethostname(p->hostname, strlen(p->hostname)) < 0)
                report(LXS_CONTAINER_WARNING, errno, "set hostname %s: %s", p->hostname, strerror(errno));
        report(LXS_CONTAINER_READY, 0, "ready");
        close(REPORT_FD);
        /* After ready: a link per program on the host's PATH is thousands of system calls,
         * ~0.6 s under TCG, which the distro's first command must not wait for. The .host names
         * appear a moment after the start. */
        r = lxs_container_write_host_shims(p->host_programs, p->n_host_programs);
        if (r < 0)
                dprintf(STDERR_FILENO, "lxs-init: .host programs in %s: %s\n", LXS_HOST_SHIMS_DIR, strerror(-r));
        if (p->boot_command)
                run_boot_command(p->boot_command);
        reap_forever(&set);
}
