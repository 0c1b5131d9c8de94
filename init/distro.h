/* Internal state of the distro table, shared by distros.c (messages and lifecycle),
 * distro-setup.c (mounting, cgroups, starting the distro's init) and distro-exec.c (sessions in
 * a distro). Not part of the library's API. */
#ifndef LXS_INIT_DISTRO_H
#define LXS_INIT_DISTRO_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "distro-conf.h"
#include "protocol.h"

struct lxs_loop;
struct lxs_channel;

/* Room for the distro's paths (a name is at most 64 bytes); buffers for files below them are
 * DISTRO_PATH_MAX + 64. */
#define DISTRO_PATH_MAX 128

enum distro_state {
        DISTRO_WAIT_MODULES,   /* ext4 and the SCSI drivers are still loading */
        DISTRO_WAIT_DISK,      /* the hot-added disk has not shown up yet */
        DISTRO_STARTING,       /* the distro's init is setting itself up */
        DISTRO_RUNNING,
        DISTRO_STOPPING,       /* SIGTERM sent; cgroup.kill when the grace time is up */
        DISTRO_CLEANUP,        /* everything killed; waiting for the processes to go, then unmount */
};

struct distro {
        struct distro *next;
        struct lxs_distros *owner;
        char name[LXS_DISTRO_NAME_MAX + 1];
        enum distro_state state;
        unsigned scsi_target;
        char *hostname;              /* what the container uses: lxs.conf's, else the host's */
        uint32_t default_uid;
        char *resolv_conf;           /* NULL: leave the distro's */
        char *host_alias;            /* NULL: no /etc/hosts line for the host */
        struct lxs_distro_conf conf; /* its warnings are what DistroStarted carries */
        char root[DISTRO_PATH_MAX];  /* /run/lxs/distros/<name>/root */
        char cgroup[DISTRO_PATH_MAX]; /* /sys/fs/cgroup/lxs/<name> */
        char disk[32];               /* "sda" */
        bool mounted, cgroup_made;
        bool shares_attached;        /* the host's shares are at conf.automount_root */
        pid_t init_pid;              /* 0: none */
        int pidfd;
        bool init_reaped;
        int init_status;
        int report_fd, report_watch;
        /* The listening socket at LXS_INTEROP_SOCKET in the distro (its init binds it). */
        int interop_fd, interop_watch;
        int sessions_procs_fd;       /* sessions/cgroup.procs, for session children to join */
        int init_procs_fd;           /* init/cgroup.procs, for background sessions (not busy) */
        int events_wd;               /* inotify watch of sessions/cgroup.events */
        bool busy;
        int timer;
        long long deadline_ms;
        /* Answers owed to the host once the distro is gone. */
        bool answer_start;           /* DistroFailed with fail_errno/fail_detail */
        int fail_errno;
        char *fail_detail;
        bool answer_stop;            /* DistroStopped with stop_reason (NULL when asked) */
        char *stop_reason;
};

struct lxs_distros {
        struct lxs_loop *loop;
        struct lxs_channel *channel;
        struct distro *head;
        unsigned count;
        bool modules_ready;
        int uevent_fd, uevent_watch;
        int inotify_fd, inotify_watch;
        struct lxs_host_execs *host_execs; /* lxs-host callers; may be NULL (tests) */
        int self_pidns_fd;           /* PID 1's own PID namespace, to return to after a spawn */
};

struct distro *distro_find(struct lxs_distros *ds, const char *name);

/* distro-setup.c; each returns 0 or negative errno with a one-line reason in detail. */
int distro_mount(struct distro *d, char *detail, size_t size);
int distro_cgroup_create(struct distro *d, char *detail, size_t size);
/* Forks the distro's init into a new PID namespace; sets init_pid, pidfd, report_fd. */
int distro_spawn_init(struct distro *d, char *detail, size_t size);
/* Signals every process in the distro's cgroups. */
void distro_signal_all(struct distro *d, int sig);
int distro_cgroup_kill(struct distro *d);
/* Whether a process is left in the distro's cgroup (sub NULL) or one of its children. */
bool distro_populated(struct distro *d, const char *sub);
/* Unmounts the image (lazily if still busy) and removes its mount point; 0 when the unmount
 * was complete. */
int distro_unmount(struct distro *d);
void distro_cgroup_remove(struct distro *d);

#endif
