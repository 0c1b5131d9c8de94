/* Everything a session in a distro needs before PID 1 clones it: the user (from the distro's
 * /etc/passwd and /etc/group, read through /proc/<distro init>/root with RESOLVE_IN_ROOT), the
 * command, environment and working directory (distro-command.h), a pseudo-terminal from the
 * distro's own devpts (so `tty` names /dev/pts/N inside the distro), and the fds the child uses
 * to enter the distro: the distro init's pidfd (setns of PID, mount, UTS, IPC and cgroup
 * namespaces) and its sessions/cgroup.procs (init/cgroup.procs for a background session, so it
 * does not keep the distro busy).
 * With ExecStart.image_tool the program is /lib/lxs/<tool> of the guest image, opened here (the
 * distro cannot replace it) and executed with execveat(AT_EMPTY_PATH) as the resolved user.
 *
 * The user is ExecStart.user (a name or a uid), else `[user] default` of the distro's
 * /etc/lxs.conf, else DistroStart.default_uid. The shell is the user's from passwd, or /bin/sh
 * when that is empty or missing in the distro.
 * Returns 0 or negative errno with a one-line reason in detail: ESRCH for a distro that is not
 * running, EINVAL for an unknown user ("user nosuch: no such user in debian"). */
#ifndef LXS_INIT_DISTRO_EXEC_H
#define LXS_INIT_DISTRO_EXEC_H

#include <stddef.h>
#include <sys/types.h>

#include "distro-command.h"
#include "protocol.h"

struct lxs_distros;

struct lxs_distro_exec {
        struct lxs_distro_command cmd;
        uid_t uid;
        gid_t gid;
        gid_t *groups;
        size_t n_groups;
        int pidfd;                   /* borrowed: the distro's init */
        int cgroup_procs_fd;         /* borrowed: the distro's sessions/cgroup.procs */
        int home_pidns_fd;           /* borrowed: PID 1's own PID namespace */
        int ptmx_fd;                 /* owned: a master of the distro's devpts; -1 without tty */
        int tool_fd;                 /* owned: ExecStart.image_tool, opened in /init's own
                                      * /lib/lxs before entering the distro; -1 otherwise */
};

int lxs_distros_exec_prepare(struct lxs_distros *ds, const Lxs__Guest__ExecStart *m, struct lxs_distro_exec *x,
                             char *detail, size_t size);
void lxs_distro_exec_release(struct lxs_distro_exec *x);

#endif
