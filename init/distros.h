/* Distros running as containers in the VM: DistroStart .. DistroStopped, DistroActivity, and
 * what sessions in a distro need (distro-exec.h).
 *
 * DistroStart waits (on the event loop) for the `disk` modules and then, at most
 * DISTRO_DISK_WAIT_MS, for the hot-added disk; mounts it at /run/lxs/distros/<name>/root; reads
 * its /etc/lxs.conf; creates /sys/fs/cgroup/lxs/<name>/{init,sessions}; starts the distro's init
 * (container.h) and answers DistroStarted once it is ready, or DistroFailed, after undoing
 * everything. A DistroStart for a running distro is answered with DistroStarted again (same
 * init and warnings); one for a distro still starting gets the one answer that start gives; one
 * for a distro being stopped is refused (EBUSY).
 *
 * DistroStop sends SIGTERM to every process of the distro, cgroup.kill after
 * DISTRO_STOP_GRACE_MS, waits for them to be gone, unmounts the image (lazily if something
 * still holds it), removes the cgroups and answers DistroStopped; a stop of a distro that is
 * not running is answered DistroStopped at once; a stop during the start answers the start
 * with DistroFailed (ECANCELED) first. When the distro's init dies by itself the same
 * clean-up ends in an unasked DistroStopped{reason}.
 *
 * DistroActivity{busy} is sent whenever `populated` of a running distro's sessions/ cgroup
 * changes. Nothing prints except through report.h. */
#ifndef LXS_INIT_DISTROS_H
#define LXS_INIT_DISTROS_H

#include <stdbool.h>
#include <sys/types.h>

#include "protocol.h"

struct lxs_loop;
struct lxs_channel;
struct lxs_distros;

#define DISTRO_DISK_WAIT_MS 10000
#define DISTRO_STOP_GRACE_MS 2000
/* After cgroup.kill, how long processes in uninterruptible sleep may take before the image is
 * unmounted lazily anyway. */
#define DISTRO_KILL_WAIT_MS 5000

/* The registry's rule: 1-64 of [A-Za-z0-9._-], not starting with '-', not "." or "..". */
bool lxs_distro_name_valid(const char *name);

int lxs_distros_new(struct lxs_loop *loop, struct lxs_distros **ret);
void lxs_distros_set_channel(struct lxs_distros *ds, struct lxs_channel *ch);
/* Where connections to a distro's interop socket go (host-execs.h). */
struct lxs_host_execs;
void lxs_distros_set_host_execs(struct lxs_distros *ds, struct lxs_host_execs *hx);

/* The `disk` modules (SCSI disk, ext4) have been loaded, or tried. */
void lxs_distros_modules_ready(struct lxs_distros *ds);

void lxs_distros_start(struct lxs_distros *ds, const Lxs__Guest__DistroStart *m);
void lxs_distros_stop(struct lxs_distros *ds, const Lxs__Guest__DistroStop *m);

/* A reaped child; true when it was a distro's init. */
bool lxs_distros_child_exited(struct lxs_distros *ds, pid_t pid, int status);

/* The host is gone: every distro is stopped (SIGKILL) and cleaned up, with no answers. */
void lxs_distros_host_gone(struct lxs_distros *ds);

/* Power-off, once every process has been killed and reaped: unmounts every image and removes
 * the cgroups, synchronously, so the images are clean on the host. */
void lxs_distros_shutdown(struct lxs_distros *ds);

unsigned lxs_distros_count(const struct lxs_distros *ds);

#endif
