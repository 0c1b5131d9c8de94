/* Accelerator names and auto-detection (see vm.h).
 *
 * KVM is chosen only when it can actually work: /dev/kvm must open read-write (permission and
 * presence) AND the CPU must advertise vmx/svm, because a nested host can expose /dev/kvm while
 * hiding virtualisation from the guest CPU, and QEMU then fails late with an opaque error. */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

static const char *const accel_names[] = {
        [LXS_ACCEL_AUTO] = "auto",
        [LXS_ACCEL_KVM] = "kvm",
        [LXS_ACCEL_TCG] = "tcg",
};

const char *lxs_accel_name(enum lxs_accel a)
{
        if ((unsigned)a >= LXS_ARRAY_SIZE(accel_names))
                return "unknown";
        return accel_names[a];
}

int lxs_accel_parse(const char *s, enum lxs_accel *out)
{
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < LXS_ARRAY_SIZE(accel_names); i++)
                if (strcmp(s, accel_names[i]) == 0) {
                        *out = (enum lxs_accel)i;
                        return 0;
                }
        return -EINVAL;
}

/* True when `word` occurs as a whole space-separated token in `list`. */
static bool has_word(const char *list, const char *word)
{
        size_t len = strlen(word);
        for (const char *p = list; (p = strstr(p, word)); p += len) {
                bool starts = p == list || p[-1] == ' ' || p[-1] == '\t';
                bool ends = p[len] == '\0' || p[len] == ' ' || p[len] == '\t' || p[len] == '\n';
                if (starts && ends)
                        return true;
        }
        return false;
}

bool lxs_cpuinfo_has_virt(const char *cpuinfo_path)
{
        _cleanup_fclose_ FILE *f = fopen(cpuinfo_path ? cpuinfo_path : "/proc/cpuinfo", "re");
        if (!f)
                return false;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                /* Only the first CPU's flags: all CPUs of a host agree on vmx/svm. */
                if (strncmp(line, "flags", 5) != 0)
                        continue;
                const char *colon = strchr(line, ':');
                if (!colon)
                        return false;
                return has_word(colon + 1, "vmx") || has_word(colon + 1, "svm");
        }
        return false;
}

enum lxs_accel lxs_accel_resolve(enum lxs_accel asked, const char *cpuinfo_path, const char *kvm_path)
{
        if (asked == LXS_ACCEL_KVM || asked == LXS_ACCEL_TCG)
                return asked;
        _cleanup_close_ int fd = open(kvm_path ? kvm_path : "/dev/kvm", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return LXS_ACCEL_TCG;
        return lxs_cpuinfo_has_virt(cpuinfo_path) ? LXS_ACCEL_KVM : LXS_ACCEL_TCG;
}
