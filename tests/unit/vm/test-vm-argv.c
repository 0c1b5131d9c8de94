/* QEMU argv and kernel command line: machine, accelerator, channels on the given fds, TCG's
 * tsc_early_khz, escaping of option values. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cleanup.h"
#include "vm.h"

static int find(char **argv, const char *s)
{
        for (int i = 0; argv[i]; i++)
                if (strcmp(argv[i], s) == 0)
                        return i;
        return -1;
}

/* The argument following option `opt` (first occurrence), or NULL. */
static const char *after(char **argv, const char *opt)
{
        int i = find(argv, opt);
        return i >= 0 && argv[i + 1] ? argv[i + 1] : NULL;
}

static bool any_contains(char **argv, const char *s)
{
        for (int i = 0; argv[i]; i++)
                if (strstr(argv[i], s))
                        return true;
        return false;
}

int main(void)
{
        struct lxs_vm_params p = {
                .kernel = "/k/vmlinux",
                .initrd = "/k/initramfs.img",
                .cmdline_extra = "systemd.unit=none",
                .memory_mib = 1536,
                .processors = 2,
                .accel = LXS_ACCEL_TCG,
                .runtime_dir = "/run/user/1000/lxs",
                .console_log = "/home/u/odd,dir/console.log",
        };
        static const char *const shares[] = { "/home/u", "/srv/a,b" };
        p.shares = shares;
        p.n_shares = 2;
        _cleanup_strv_free_ char **tcg = NULL;
        CHECK_EQ_INT(lxs_qemu_build_argv(&p, 3, 4, 2596120, &tcg), 0);
        if (!tcg)
                return check_result("test-vm-argv");
        CHECK_EQ_STR(tcg[0], "qemu-system-x86_64");
        CHECK_EQ_STR(after(tcg, "-machine"), "microvm,accel=tcg,rtc=on");
        CHECK_EQ_STR(after(tcg, "-cpu"), "max");
        CHECK_EQ_STR(after(tcg, "-m"), "1536");
        CHECK_EQ_STR(after(tcg, "-smp"), "2");
        CHECK_EQ_STR(after(tcg, "-kernel"), "/k/vmlinux");
        CHECK_EQ_STR(after(tcg, "-initrd"), "/k/initramfs.img");
        CHECK(find(tcg, "-nodefaults") > 0);
        CHECK(find(tcg, "-no-user-config") > 0);
        CHECK(find(tcg, "-no-reboot") > 0);
        const char *append = after(tcg, "-append");
        CHECK(append && strstr(append, "console=ttyS0"));
        CHECK(append && strstr(append, "rdinit=/init"));
        CHECK(append && strstr(append, "panic=-1"));
        CHECK(append && strstr(append, " tsc_early_khz=2596120"));
        CHECK(append && strstr(append, " tsc=reliable"));
        CHECK(append && strstr(append, " init_on_alloc=0"));
        CHECK(append && strstr(append, " norandmaps"));
        /* The user's part comes last so it can override ours. */
        CHECK(append && strlen(append) > 17 && strcmp(append + strlen(append) - 17, "systemd.unit=none") == 0);
        CHECK(find(tcg, "socket,id=control,fd=3") > 0);
        CHECK(find(tcg, "socket,id=qmp,fd=4") > 0);
        CHECK(find(tcg, "virtserialport,chardev=control,name=lxs.control") > 0);
        CHECK(find(tcg, "virtio-serial-device") > 0);
        CHECK(find(tcg, "virtio-rng-device") > 0);
        CHECK(find(tcg, "chardev=qmp,mode=control") > 0);
        CHECK(find(tcg, "file,id=console,path=/home/u/odd,,dir/console.log,append=on") > 0);
        CHECK(find(tcg, "socket,id=qmp-debug,path=/run/user/1000/lxs/qmp.sock,server=on,wait=off") > 0);
        CHECK(find(tcg, "local,id=share0,path=/home/u,security_model=none,multidevs=remap") > 0);
        CHECK(find(tcg, "virtio-9p-device,fsdev=share0,mount_tag=lxs-share0") > 0);
        CHECK(find(tcg, "local,id=share1,path=/srv/a,,b,security_model=none,multidevs=remap") > 0);
        CHECK(find(tcg, "virtio-9p-device,fsdev=share1,mount_tag=lxs-share1") > 0);
        /* No network unless asked for; NAT adds QEMU's user-mode network and a NIC on it. */
        CHECK(find(tcg, "-netdev") < 0);
        {
                struct lxs_vm_params nat = p;
                nat.nat_network = true;
                _cleanup_strv_free_ char **v = NULL;
                CHECK_EQ_INT(lxs_qemu_build_argv(&nat, 3, 4, 0, &v), 0);
                CHECK(v && find(v, "user,id=net0,ipv4=on,ipv6=on") > 0);
                CHECK(v && find(v, "virtio-net-device,netdev=net0") > 0);
        }
        {
                /* A relative share path or too many shares is refused, not passed to QEMU. */
                static const char *const relative[] = { "home/u" };
                struct lxs_vm_params bad = p;
                bad.shares = relative;
                bad.n_shares = 1;
                char **v = NULL;
                CHECK_EQ_INT(lxs_qemu_build_argv(&bad, 3, 4, 0, &v), -EINVAL);
                bad.shares = shares;
                bad.n_shares = LXS_VM_MAX_SHARES + 1;
                CHECK_EQ_INT(lxs_qemu_build_argv(&bad, 3, 4, 0, &v), -EINVAL);
        }

        p.accel = LXS_ACCEL_KVM;
        p.runtime_dir = NULL;
        p.cmdline_extra = NULL;
        _cleanup_strv_free_ char **kvm = NULL;
        CHECK_EQ_INT(lxs_qemu_build_argv(&p, 5, 6, 2596120, &kvm), 0);
        if (kvm) {
                CHECK_EQ_STR(after(kvm, "-machine"), "microvm,accel=kvm,rtc=on");
                CHECK_EQ_STR(after(kvm, "-cpu"), "host");
                CHECK(!any_contains(kvm, "tsc_early_khz"));
                CHECK(!any_contains(kvm, "tsc=reliable"));
                CHECK(!any_contains(kvm, "init_on_alloc"));
                CHECK(!any_contains(kvm, "norandmaps"));
                CHECK(!any_contains(kvm, "qmp-debug"));
                CHECK(find(kvm, "socket,id=control,fd=5") > 0);
        }

        p.accel = LXS_ACCEL_TCG;
        p.machine = "q35";
        p.qemu = "/opt/qemu/bin/qemu-system-x86_64";
        _cleanup_strv_free_ char **q35 = NULL;
        CHECK_EQ_INT(lxs_qemu_build_argv(&p, 3, 4, 0, &q35), 0);
        if (q35) {
                CHECK_EQ_STR(q35[0], "/opt/qemu/bin/qemu-system-x86_64");
                CHECK_EQ_STR(after(q35, "-machine"), "q35,accel=tcg");
                CHECK(find(q35, "virtio-serial-pci") > 0);
                CHECK(find(q35, "virtio-rng-pci") > 0);
                /* Unknown TSC rate: nothing rather than a wrong value. */
                CHECK(!any_contains(q35, "tsc_early_khz"));
        }

        char **bad = NULL;
        p.machine = "pc";
        CHECK_EQ_INT(lxs_qemu_build_argv(&p, 3, 4, 0, &bad), -EINVAL);
        p.machine = NULL;
        p.accel = LXS_ACCEL_AUTO;
        CHECK_EQ_INT(lxs_qemu_build_argv(&p, 3, 4, 0, &bad), -EINVAL);
        p.accel = LXS_ACCEL_TCG;
        p.memory_mib = 0;
        CHECK_EQ_INT(lxs_qemu_build_argv(&p, 3, 4, 0, &bad), -EINVAL);
        CHECK(bad == NULL);

        _cleanup_free_ char *base_tcg = lxs_vm_base_cmdline(LXS_ACCEL_TCG, 1000);
        _cleanup_free_ char *base_kvm = lxs_vm_base_cmdline(LXS_ACCEL_KVM, 1000);
        CHECK(base_tcg && strstr(base_tcg, "tsc_early_khz=1000"));
        CHECK(base_kvm && !strstr(base_kvm, "tsc_early_khz"));
        CHECK(lxs_vm_machine_is_microvm(NULL));
        CHECK(lxs_vm_machine_is_microvm("microvm"));
        CHECK(!lxs_vm_machine_is_microvm("q35"));
        return check_result("test-vm-argv");
}
