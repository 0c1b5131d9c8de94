/* QEMU command line and guest kernel command line (see vm.h).
 *
 * Choices here were measured under TCG on QEMU 7.2 with the Debian 6.1 kernel; figures and
 * commands are in utility-vm/README.md (bench/boot-floor.sh reproduces the floor):
 *  - microvm is the default machine: no PCI bus or firmware to probe, so it reaches init
 *    sooner than q35; q35 is kept for hosts whose QEMU lacks microvm.
 *  - Every channel to the host (control port, QMP) is a socket inherited as an fd, so nothing
 *    in the file system can be raced or left behind; the only path socket is the optional
 *    debugging QMP at <runtime_dir>/qmp.sock.
 *  - tsc_early_khz under TCG: without it, microvm guests hung in about one boot in five.
 *  - Kernel flags that did not change boot time measurably (pci=off, mitigations=off,
 *    8250.nr_uarts=1, i8042.*) are left out. */
#include "vm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cleanup.h"

#define DEFAULT_QEMU "qemu-system-x86_64"

/* Base guest command line. `quiet loglevel=4` keeps the serial console (slow to emulate) from
 * dominating boot time; panic=-1 with QEMU's -no-reboot turns a guest panic into QEMU exiting,
 * which lxsd sees on the pidfd. */
static const char base_cmdline[] = "console=ttyS0 quiet loglevel=4 panic=-1 rdinit=/init";

/* Under TCG every vCPU's TSC is the host's TSC, so the vCPUs are in sync, but the kernel's
 * synchronisation check fails on emulation jitter with -smp > 1 and falls back to the
 * refined-jiffies clocksource (4 ms resolution for every guest clock read); tsc=reliable keeps
 * the TSC. Measured: no effect on boot time.
 * norandmaps: QEMU 7.2's TCG keys translated code by virtual address, so with address space
 * randomisation every new process re-translates all of ld.so and libc at their new addresses.
 * Measured: `lxs -d debian -e /bin/true` 40.7 ms with it, 8.8 ms without (a static binary:
 * 7.3 ms either way). Emulation is a development set-up; under KVM the guest keeps ASLR.
 * init_on_alloc=0: Debian's kernel zeroes every page and slab allocation (hardening against
 * leaks of stale kernel memory); under TCG zeroing costs as much as a copy, and every pipe page
 * and virtio-serial buffer of a session's stream is a fresh allocation: raw virtio-serial
 * writes went from ~330 to ~480 MB/s without it (docs/benchmarks.md, session throughput).
 * Under KVM the zeroing is cheap and the default stays.
 * rcupdate.rcu_expedited=1: loading a module waits for RCU grace periods, which under emulation
 * span many timer ticks; expedited ones end by IPI. The ext4 module loaded in ~110 instead of
 * ~170 ms, and a cold distro start took ~30 ms less (docs/benchmarks.md). */
static const char tcg_cmdline[] = "tsc=reliable norandmaps init_on_alloc=0 rcupdate.rcu_expedited=1";

char *lxs_vm_base_cmdline(enum lxs_accel accel, uint64_t tsc_khz)
{
        char *s = NULL;
        int r;
        if (accel == LXS_ACCEL_TCG && tsc_khz)
                r = asprintf(&s, "%s %s tsc_early_khz=%llu", base_cmdline, tcg_cmdline,
                             (unsigned long long)tsc_khz);
        else if (accel == LXS_ACCEL_TCG)
                r = asprintf(&s, "%s %s", base_cmdline, tcg_cmdline);
        else
                r = asprintf(&s, "%s", base_cmdline);
        if (r < 0)
                return errno = ENOMEM, NULL;
        return s;
}

struct argv_builder {
        char **v;
        size_t len, cap;
        int err;
};

static void push(struct argv_builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void push(struct argv_builder *b, const char *fmt, ...)
{
        if (b->err)
                return;
        if (b->len + 2 > b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 64;
                char **v = realloc(b->v, cap * sizeof(*v));
                if (!v) {
                        b->err = -ENOMEM;
                        return;
                }
                b->v = v;
                b->cap = cap;
        }
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&b->v[b->len], fmt, ap);
        va_end(ap);
        if (r < 0) {
                b->err = -ENOMEM;
                return;
        }
        b->v[++b->len] = NULL;
}

/* QEMU option values use ',' as separator; a literal comma is written twice. */
static char *qemu_opt_escape(const char *s)
{
        size_t commas = 0;
        for (const char *p = s; *p; p++)
                commas += *p == ',';
        char *out = malloc(strlen(s) + commas + 1), *o = out;
        if (!out)
                return NULL;
        for (const char *p = s; *p; p++) {
                *o++ = *p;
                if (*p == ',')
                        *o++ = ',';
        }
        *o = '\0';
        return out;
}

bool lxs_vm_machine_is_microvm(const char *machine)
{
        return !machine || !*machine || strcmp(machine, "microvm") == 0;
}

int lxs_qemu_build_argv(const struct lxs_vm_params *p, int control_fd, int qmp_fd,
                        uint64_t tsc_khz, char ***argv)
{
        if (!p->kernel || !p->initrd || !p->console_log || !p->memory_mib || !p->processors)
                return -EINVAL;
        if (p->accel != LXS_ACCEL_KVM && p->accel != LXS_ACCEL_TCG)
                return -EINVAL;
        bool microvm = lxs_vm_machine_is_microvm(p->machine);
        if (!microvm && strcmp(p->machine, "q35") != 0)
                return -EINVAL;
        /* virtio transport: MMIO on microvm, PCI on q35. */
        const char *bus = microvm ? "device" : "pci";
        const char *accel = p->accel == LXS_ACCEL_KVM ? "kvm" : "tcg";

        _cleanup_free_ char *cmdline = lxs_vm_base_cmdline(p->accel, tsc_khz);
        _cleanup_free_ char *log = qemu_opt_escape(p->console_log);
        if (!cmdline || !log)
                return -ENOMEM;

        struct argv_builder b = { 0 };
        push(&b, "%s", p->qemu && *p->qemu ? p->qemu : DEFAULT_QEMU);
        push(&b, "-name");
        push(&b, "lxs-utility-vm,process=lxs-utility-vm");
        push(&b, "-machine");
        if (microvm)
                push(&b, "microvm,accel=%s,rtc=on", accel);
        else
                push(&b, "q35,accel=%s", accel);
        push(&b, "-cpu");
        push(&b, "%s", p->accel == LXS_ACCEL_KVM ? "host" : "max");
        push(&b, "-m");
        push(&b, "%u", p->memory_mib);
        push(&b, "-smp");
        push(&b, "%u", p->processors);
        push(&b, "-nodefaults");
        push(&b, "-no-user-config");
        push(&b, "-display");
        push(&b, "none");
        push(&b, "-no-reboot");
        push(&b, "-kernel");
        push(&b, "%s", p->kernel);
        push(&b, "-initrd");
        push(&b, "%s", p->initrd);
        push(&b, "-append");
        if (p->cmdline_extra && *p->cmdline_extra)
                push(&b, "%s %s", cmdline, p->cmdline_extra);
        else
                push(&b, "%s", cmdline);

        /* append=on: the driver already truncated the log and QEMU's own stderr goes there. */
        push(&b, "-chardev");
        push(&b, "file,id=console,path=%s,append=on", log);
        push(&b, "-serial");
        push(&b, "chardev:console");

        push(&b, "-device");
        push(&b, "virtio-serial-%s", bus);
        push(&b, "-chardev");
        push(&b, "socket,id=control,fd=%d", control_fd);
        push(&b, "-device");
        push(&b, "virtserialport,chardev=control,name=%s", LXS_VM_CONTROL_PORT);

        push(&b, "-device");
        push(&b, "virtio-rng-%s", bus);
        /* Distro disks are hot-added here (qemu-disks.c); the controller itself costs no
         * measurable boot time. */
        push(&b, "-device");
        push(&b, "virtio-scsi-%s,id=" LXS_VM_SCSI_BUS, bus);

        if (p->n_shares > LXS_VM_MAX_SHARES)
                b.err = -EINVAL;
        for (size_t i = 0; !b.err && i < p->n_shares; i++) {
                _cleanup_free_ char *path = qemu_opt_escape(p->shares[i]);
                if (!path || p->shares[i][0] != '/') {
                        b.err = path ? -EINVAL : -ENOMEM;
                        break;
                }
                /* multidevs=remap: a share spanning several host filesystems keeps inode numbers
                 * unique in the guest. */
                push(&b, "-fsdev");
                push(&b, "local,id=share%zu,path=%s,security_model=none,multidevs=remap", i, path);
                push(&b, "-device");
                push(&b, "virtio-9p-%s,fsdev=share%zu,mount_tag=" LXS_VM_SHARE_TAG_PREFIX "%zu", bus, i, i);
        }

        /* Outbound access through QEMU's user-mode NAT: no privileges, no host interfaces; the
         * guest configures the layout of nat-layout.h itself (no DHCP round trips at boot). */
        if (p->nat_network) {
                push(&b, "-netdev");
                push(&b, "user,id=" LXS_VM_NETDEV ",ipv4=on,ipv6=on");
                push(&b, "-device");
                push(&b, "virtio-net-%s,netdev=" LXS_VM_NETDEV, bus);
        }

        push(&b, "-chardev");
        push(&b, "socket,id=qmp,fd=%d", qmp_fd);
        push(&b, "-mon");
        push(&b, "chardev=qmp,mode=control");

        if (p->runtime_dir && *p->runtime_dir) {
                _cleanup_free_ char *sock = NULL;
                if (asprintf(&sock, "%s/%s", p->runtime_dir, LXS_VM_QMP_SOCKET) < 0)
                        b.err = -ENOMEM;
                /* A path too long for sockaddr_un only costs the debugging socket. */
                else if (strlen(sock) < sizeof(((struct sockaddr_un *)0)->sun_path)) {
                        _cleanup_free_ char *esc = qemu_opt_escape(sock);
                        if (!esc)
                                b.err = -ENOMEM;
                        push(&b, "-chardev");
                        push(&b, "socket,id=qmp-debug,path=%s,server=on,wait=off", esc);
                        push(&b, "-mon");
                        push(&b, "chardev=qmp-debug,mode=control");
                }
        }

        if (b.err) {
                _cleanup_strv_free_ char **v = b.v;
                if (v)
                        v[b.len] = NULL;
                return b.err;
        }
        *argv = b.v;
        return 0;
}
