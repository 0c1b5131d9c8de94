/* Utility VM launch: the VM driver interface lxsd uses, and the pieces it is built from.
 *
 * A driver (an ops table; QEMU is the one we ship) starts the VM described by lxs_vm_params and
 * fills lxs_vm with what lxsd needs to run it: the child pid and a pidfd to notice its death, a
 * connected stream socket to the guest's control port (virtio-serial "lxs.control"), and a
 * connected QMP socket. The VM dies with the process that started it (PR_SET_PDEATHSIG) so a
 * crashed lxsd never leaves a stray QEMU. All functions return negative errno; nothing prints;
 * on failure *err_detail (if given) receives a malloc'd one-line reason. */
#ifndef LXS_VM_H
#define LXS_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Name of the guest's virtio-serial control port (/dev/virtio-ports/lxs.control in the guest). */
#define LXS_VM_CONTROL_PORT "lxs.control"
/* Debugging QMP socket created in lxs_vm_params.runtime_dir (e.g. `socat - UNIX:qmp.sock`). */
#define LXS_VM_QMP_SOCKET "qmp.sock"
/* The virtio-scsi controller distro disks are attached to. */
#define LXS_VM_SCSI_BUS "scsi0"

enum lxs_accel {
        LXS_ACCEL_AUTO = 0,
        LXS_ACCEL_KVM,
        LXS_ACCEL_TCG,
};

const char *lxs_accel_name(enum lxs_accel a);
/* "auto", "kvm", "tcg" -> enum; -EINVAL otherwise. */
int lxs_accel_parse(const char *s, enum lxs_accel *out);

/* auto -> kvm when /dev/kvm opens read-write and /proc/cpuinfo flags show vmx or svm, else tcg.
 * kvm/tcg are returned as asked. `cpuinfo_path`/`kvm_path` NULL mean the real ones (tests
 * pass fixtures). */
enum lxs_accel lxs_accel_resolve(enum lxs_accel asked, const char *cpuinfo_path, const char *kvm_path);
/* True when the first "flags" line of cpuinfo (NULL: /proc/cpuinfo) has vmx or svm as a word. */
bool lxs_cpuinfo_has_virt(const char *cpuinfo_path);

/* The host's TSC frequency in kHz (guest TSC under TCG runs at the host's rate), measured by
 * calibrating rdtsc against CLOCK_MONOTONIC_RAW; 0 if unavailable. */
uint64_t lxs_tsc_khz(void);
/* The same, remembered in cache_path (the user's runtime directory) for the host's current boot
 * (keyed by its boot_id): the rate of a constant TSC holds until the host reboots, and measuring
 * takes 25 ms of every cold start of a fresh lxsd. A missing, stale or implausible cache is
 * measured anew and rewritten; a cache that cannot be written is no error. */
uint64_t lxs_tsc_khz_cached(const char *cache_path);

/* Kernel selection: `configured` (may be NULL/empty) if set, else the packaged kernel lxs was
 * built with (LXS_PACKAGED_KERNEL), else the newest /boot/vmlinuz-*. Returns a malloc'd path. */
int lxs_kernel_find(const char *configured, char **path);
/* Same with the fallbacks given (tests): `packaged` may be NULL; `boot_dir` NULL means /boot.
 * A configured path that cannot be read is an error (-errno), not a reason to fall back. */
int lxs_kernel_find_in(const char *configured, const char *packaged, const char *boot_dir,
                       char **path);

/* If `kernel` is a bzImage, writes its uncompressed ELF payload (which boots through PVH) to
 * `out_path` atomically; if it already is an ELF, does nothing and returns 1. 0 on extraction.
 * Only xz payloads are supported: -EOPNOTSUPP for others (boot the bzImage as is then). */
int lxs_kernel_extract_elf(const char *kernel, const char *out_path);

/* Kernel release ("6.1.0-56-amd64") read from a bzImage header or ELF; malloc'd. */
int lxs_kernel_release(const char *kernel, char **release);

struct lxs_vm_params {
        const char *qemu;              /* QEMU binary; NULL: qemu-system-x86_64 from PATH */
        const char *kernel;            /* kernel to boot (ELF preferred) */
        const char *initrd;            /* initramfs built for that kernel */
        const char *cmdline_extra;     /* appended to our kernel command line */
        uint32_t memory_mib;
        uint32_t processors;
        enum lxs_accel accel;          /* already resolved: KVM or TCG */
        const char *machine;           /* "microvm" (default) or "q35" */
        const char *runtime_dir;       /* where qmp.sock is created */
        const char *console_log;       /* guest serial console goes here (truncated) */
        /* Host folders exported to the guest, share i as virtio-9p tag LXS_VM_SHARE_TAG_PREFIX"<i>"
         * (QEMU's local backend, security_model=none: files are created as the user running
         * QEMU, and the backend never follows a symlink or ".." out of the folder). */
        const char *const *shares;
        size_t n_shares;
        bool nat_network;              /* a virtio-net NIC on QEMU's user-mode NAT (nat-layout.h) */
};

#define LXS_VM_SHARE_TAG_PREFIX "lxs-share"
/* QEMU id of the NAT network (params.nat_network). */
#define LXS_VM_NETDEV "net0"
#define LXS_VM_MAX_SHARES 8u

struct lxs_vm {
        pid_t pid;
        int pidfd;                     /* readable when QEMU exits */
        int control_fd;                /* stream socket to the guest's lxs.control port */
        int qmp_fd;                    /* QMP, capabilities already negotiated */
        enum lxs_accel accel;
        bool reaped;                   /* set by ops->reap (and ops->kill, which reaps) */
        int wait_status;               /* valid once reaped */
};

struct lxs_vm_ops {
        const char *name;
        int (*start)(const struct lxs_vm_params *p, struct lxs_vm *vm, char **err_detail);
        /* Asks QEMU to quit at once (QMP "quit"), then SIGKILL if it does not. Waits for it. */
        int (*kill)(struct lxs_vm *vm);
        /* Reaps the child after pidfd became readable; returns its wait status. */
        int (*reap)(struct lxs_vm *vm, int *wait_status);
        /* Hot-adds a raw disk image (a distro's ext4 image) to the running VM as SCSI target
         * `target` (0..LXS_VM_MAX_DISKS-1) of the VM's virtio-scsi controller; the guest finds
         * it as /sys/block/sd*\/device -> .../target0:0:<target>/. */
        int (*attach_disk)(struct lxs_vm *vm, unsigned target, const char *path, char **err_detail);
        /* Removes it again; the guest must have unmounted it. */
        int (*detach_disk)(struct lxs_vm *vm, unsigned target, char **err_detail);
};

/* SCSI targets the controller offers to distros. */
#define LXS_VM_MAX_DISKS 64u

extern const struct lxs_vm_ops lxs_qemu_driver;

/* Closes fds of a stopped VM. */
void lxs_vm_release(struct lxs_vm *vm);

/* True for NULL/"" (the default) and "microvm". */
bool lxs_vm_machine_is_microvm(const char *machine);

/* The kernel command line our guest needs for the given accel (console, tsc_early_khz under
 * TCG, quiet, panic behaviour), without the user's extra part. malloc'd. */
char *lxs_vm_base_cmdline(enum lxs_accel accel, uint64_t tsc_khz);

/* Builds the QEMU argv (NULL-terminated, malloc'd strings) for the given params, with the
 * control and QMP channels on the inherited fds given. Exposed for tests. */
int lxs_qemu_build_argv(const struct lxs_vm_params *p, int control_fd, int qmp_fd,
                        uint64_t tsc_khz, char ***argv);

/* QMP: send one command (JSON text without trailing newline) and wait up to timeout_ms for its
 * return; events in between are skipped. *reply gets the "return" member's JSON text (reply
 * may be NULL). A QMP error returns -EREMOTEIO with the "error" member's JSON in *reply. */
int lxs_qmp_command(int qmp_fd, const char *command_json, int timeout_ms, char **reply);
/* Reads the greeting and negotiates capabilities. */
int lxs_qmp_handshake(int qmp_fd, int timeout_ms);
/* Finds top-level member `name` in one QMP line (a JSON object); its value's JSON text is
 * [*val, *val + *val_len). 0, -ENOENT if absent, -EBADMSG if malformed. Exposed for tests. */
int lxs_qmp_find_member(const char *line, const char *name, const char **val, size_t *val_len);

#endif
