/* The distro's own init: PID 1 of the distro's PID namespace, forked from the VM's /init (same
 * binary, no exec) after /init has created the new PID namespace for it.
 *
 * It joins the distro's cgroup, takes a cgroup namespace rooted there and moves on into `init/`;
 * with fresh mount, UTS and IPC namespaces it switches its root to the distro's
 * image, mounts a fresh /proc, /sys, /dev (with its own devpts), /run and /tmp, writes
 * /etc/resolv.conf and /etc/hosts, sets the hostname, reports ready, runs the boot command once
 * and then reaps orphans forever. A SIGTERM from outside the distro (the VM's /init stopping it)
 * makes it exit once every other process of the distro is gone; signals from inside the
 * distro are ignored, as for any PID 1.
 *
 * Progress goes to /init over report_fd as fixed-size records: warnings, then one READY or one
 * FATAL (after which it exits). Nothing else prints, except the boot command's own output, which
 * goes to the VM console. */
#ifndef LXS_INIT_CONTAINER_H
#define LXS_INIT_CONTAINER_H

#include <limits.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

enum lxs_container_record_kind {
        LXS_CONTAINER_WARNING,
        LXS_CONTAINER_READY,
        LXS_CONTAINER_FATAL,
};

/* One report; at most PIPE_BUF, so each write is atomic. */
struct lxs_container_record {
        int32_t kind;
        int32_t errno_value;
        char text[1000];             /* the step ("mount /proc"), or a warning line */
};
_Static_assert(sizeof(struct lxs_container_record) <= PIPE_BUF, "one record per atomic pipe write");

struct lxs_container_params {
        const char *name;            /* the distro's name */
        const char *root;            /* the image's mount point in the VM, /run/lxs/distros/<name>/root */
        const char *hostname;        /* already validated */
        const char *resolv_conf;     /* NULL: leave the distro's */
        bool generate_hosts;
        const char *host_alias;      /* NULL: no line naming the host */
        const char *boot_command;    /* NULL: none */
        const char *cgroup_dir;      /* /sys/fs/cgroup/lxs/<name> (the process is already in it) */
        /* Where the VM's LXS_SHARES_DIR tree (the host's shared folders) is attached inside the
         * distro, created if missing; NULL: not at all ([automount] enabled=false, no shares). */
        const char *automount_root;
        int report_fd;
        int interop_fd;              /* an unbound unix socket to listen on at LXS_INTEROP_SOCKET, or -1 */
        /* Host programs to make callable as NAME.host (host-programs.h); none when 0. */
        char *const *host_programs;
        size_t n_host_programs;
};

/* Runs in the forked child; never returns. */
_Noreturn void lxs_container_main(const struct lxs_container_params *p);

#endif
