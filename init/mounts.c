/* API filesystem setup; see mounts.h for the contract.
 *
 * devtmpfs comes first: the kernel creates device nodes there as drivers probe, which is how the
 * control port appears. /dev/ptmx from devtmpfs already resolves to the devpts instance mounted
 * at /dev/pts (kernel >= 4.7); the symlink is only made when no ptmx node exists at all. */
#include "mounts.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount-table.h"
#include "report.h"

static const struct lxs_mount_entry mount_table[] = {
        { "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 0755, true, false },
        { "proc", "/proc", "proc", LXS_NOSUID_NODEV | MS_NOEXEC, NULL, 0555, true, false },
        { "sysfs", "/sys", "sysfs", LXS_NOSUID_NODEV | MS_NOEXEC, NULL, 0555, true, false },
        { "tmpfs", "/run", "tmpfs", LXS_NOSUID_NODEV, "mode=0755", 0755, false, false },
        { "tmpfs", "/tmp", "tmpfs", LXS_NOSUID_NODEV, "mode=1777", 01777, false, false },
        { "cgroup2", "/sys/fs/cgroup", "cgroup2", LXS_NOSUID_NODEV | MS_NOEXEC, "nsdelegate", 0755, false, false },
        { "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,gid=5,ptmxmode=0666", 0755, false, false },
        { "tmpfs", "/dev/shm", "tmpfs", LXS_NOSUID_NODEV, "mode=1777", 01777, false, false },
        { "mqueue", "/dev/mqueue", "mqueue", LXS_NOSUID_NODEV | MS_NOEXEC, NULL, 0755, false, true },
};

/* Conventional /dev links that devtmpfs does not provide. */
static const struct { const char *target, *path; } dev_links[] = {
        { "/proc/self/fd", "/dev/fd" },
        { "/proc/self/fd/0", "/dev/stdin" },
        { "/proc/self/fd/1", "/dev/stdout" },
        { "/proc/self/fd/2", "/dev/stderr" },
};

static bool mounted[LXS_ARRAY_SIZE(mount_table)];

static void make_dev_links(void)
{
        for (size_t i = 0; i < LXS_ARRAY_SIZE(dev_links); i++)
                if (symlink(dev_links[i].target, dev_links[i].path) < 0 && errno != EEXIST)
                        lxs_report(errno, false, dev_links[i].target, "symlink %s", dev_links[i].path);
        if (access("/dev/ptmx", F_OK) < 0 && errno == ENOENT &&
            symlink("pts/ptmx", "/dev/ptmx") < 0 && errno != EEXIST)
                lxs_report(errno, false, NULL, "symlink /dev/ptmx");
}

int lxs_mounts_setup(void)
{
        for (size_t i = 0; i < LXS_ARRAY_SIZE(mount_table); i++) {
                const struct lxs_mount_entry *m = &mount_table[i];
                int r = lxs_mount_apply(m);
                if (r == 0) {
                        mounted[i] = true;
                        continue;
                }
                if (m->optional_fstype && r == -ENODEV)
                        continue;
                lxs_report(-r, m->required, NULL, "mount %s", m->target);
                if (m->required)
                        return r;
        }
        make_dev_links();
        return 0;
}

void lxs_mounts_teardown(void)
{
        for (size_t i = LXS_ARRAY_SIZE(mount_table); i-- > 0;) {
                if (!mounted[i])
                        continue;
                if (umount2(mount_table[i].target, 0) < 0 && errno == EBUSY)
                        umount2(mount_table[i].target, MNT_DETACH);
                mounted[i] = false;
        }
}
