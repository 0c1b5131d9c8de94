/* Accelerator names and auto-resolution against fixture cpuinfo files and fake /dev/kvm paths. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "vm.h"

static char dir[] = "/tmp/test-vm-accel.XXXXXX";

static char *fixture(const char *name, const char *text)
{
        char *path;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                abort();
        FILE *f = fopen(path, "w");
        if (!f)
                abort();
        fputs(text, f);
        fclose(f);
        return path;
}

int main(void)
{
        if (!mkdtemp(dir))
                return 1;

        enum lxs_accel a;
        CHECK_EQ_INT(lxs_accel_parse("kvm", &a), 0);
        CHECK_EQ_INT(a, LXS_ACCEL_KVM);
        CHECK_EQ_INT(lxs_accel_parse("tcg", &a), 0);
        CHECK_EQ_INT(a, LXS_ACCEL_TCG);
        CHECK_EQ_INT(lxs_accel_parse("auto", &a), 0);
        CHECK_EQ_INT(a, LXS_ACCEL_AUTO);
        CHECK_EQ_INT(lxs_accel_parse("KVM", &a), -EINVAL);
        CHECK_EQ_INT(lxs_accel_parse("", &a), -EINVAL);
        CHECK_EQ_STR(lxs_accel_name(LXS_ACCEL_TCG), "tcg");
        CHECK_EQ_STR(lxs_accel_name(LXS_ACCEL_KVM), "kvm");

        char *vmx = fixture("vmx", "processor\t: 0\nflags\t\t: fpu vme vmx sse2\nvmx flags\t: ept\n");
        char *svm = fixture("svm", "processor\t: 0\nflags\t\t: fpu svm\n");
        /* Only the "vmx flags" line mentions vmx; "svm_lock" is not "svm". */
        char *nested = fixture("nested", "processor\t: 0\nflags\t\t: fpu svm_lock novmx sse2\n"
                                         "vmx flags\t: vnmi\n");
        char *noflags = fixture("noflags", "processor\t: 0\n");
        char *kvm = fixture("kvm", "");
        char *nokvm = fixture("absent-kvm-placeholder", "");
        unlink(nokvm);

        CHECK_EQ_INT(lxs_accel_resolve(LXS_ACCEL_AUTO, vmx, kvm), LXS_ACCEL_KVM);
        CHECK_EQ_INT(lxs_accel_resolve(LXS_ACCEL_AUTO, svm, kvm), LXS_ACCEL_KVM);
        CHECK_EQ_INT(lxs_accel_resolve(LXS_ACCEL_AUTO, nested, kvm), LXS_ACCEL_TCG);
        CHECK_EQ_INT(lxs_accel_resolve(LXS_ACCEL_AUTO, noflags, kvm), LXS_ACCEL_TCG);
        CHECK_EQ_INT(lxs_accel_resolve(LXS_ACCEL_AUTO, vmx, nokvm), LXS_ACCEL_TCG);
        CHECK_EQ_INT(lxs_accel_resolve(LXS_ACCEL_AUTO, "/nonexistent/cpuinfo", kvm), LXS_ACCEL_TCG);
        /* An explicit choice is not second-guessed. */
        CHECK_EQ_INT(lxs_accel_resolve(LXS_ACCEL_KVM, noflags, nokvm), LXS_ACCEL_KVM);
        CHECK_EQ_INT(lxs_accel_resolve(LXS_ACCEL_TCG, vmx, kvm), LXS_ACCEL_TCG);
        CHECK(lxs_cpuinfo_has_virt(vmx));
        CHECK(!lxs_cpuinfo_has_virt(nested));

        /* The real host: whatever it is, the answer is one of the two. */
        enum lxs_accel host = lxs_accel_resolve(LXS_ACCEL_AUTO, NULL, NULL);
        CHECK(host == LXS_ACCEL_KVM || host == LXS_ACCEL_TCG);

        char *all[] = { vmx, svm, nested, noflags, kvm, nokvm };
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
                unlink(all[i]);
                free(all[i]);
        }
        rmdir(dir);
        return check_result("test-vm-accel");
}
