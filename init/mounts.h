/* The guest's API filesystems (/dev, /proc, /sys, /run, /tmp, cgroup2, devpts, ...), mounted by
 * PID 1 from a fixed table, and unmounted again in reverse order before power-off.
 * Return 0 or negative errno; failures are reported (report.h) here, with their stage. */
#ifndef LXS_INIT_MOUNTS_H
#define LXS_INIT_MOUNTS_H

/* Mounts the table. A required mount failing is reported as fatal and its negative errno
 * returned (the caller powers off); other failures are reported and skipped. */
int lxs_mounts_setup(void);

/* Unmounts what lxs_mounts_setup mounted, last first; busy ones are detached lazily. */
void lxs_mounts_teardown(void);

#endif
