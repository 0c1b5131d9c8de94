/* lxs-vm-floor: boots the utility VM repeatedly through the same driver and argv builder lxsd
 * uses, and reports how long each boot took until QEMU exited (the guest's init powers off).
 * Used by bench/boot-floor.sh and bench/boot-reliability.sh. A boot that has not ended
 * after --timeout seconds counts as a hang and is killed.
 *
 *   lxs-vm-floor --kernel K --initrd I [--runs N] [--timeout S] [--machine M] [--memory MiB]
 *                [--cpus N] [--accel auto|kvm|tcg] [--append EXTRA] [--qemu PATH] [--verbose]
 *
 * Prints one line per boot with --verbose, then `boots: N, hangs: H, median: X s`. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "vm.h"

#define PROG "lxs-vm-floor"

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* One boot: 1 if it ended in time (seconds in *secs), 0 on hang, negative errno on failure. */
static int boot_once(const struct lxs_vm_params *p, int timeout_s, double *secs, bool verbose)
{
        struct lxs_vm vm;
        _cleanup_free_ char *detail = NULL;
        double t0 = now_s();
        int r = lxs_qemu_driver.start(p, &vm, &detail);
        if (r < 0) {
                fprintf(stderr, PROG ": start VM: %s\n", detail ? detail : strerror(-r));
                return r;
        }
        struct pollfd pf = { .fd = vm.pidfd, .events = POLLIN };
        int n;
        double deadline = t0 + timeout_s;
        do {
                int left_ms = (int)((deadline - now_s()) * 1000);
                n = left_ms > 0 ? poll(&pf, 1, left_ms) : 0;
        } while (n < 0 && errno == EINTR);
        double t1 = now_s();
        int status = 0;
        if (n > 0)
                lxs_qemu_driver.reap(&vm, &status);
        else
                lxs_qemu_driver.kill(&vm);
        lxs_vm_release(&vm);
        *secs = t1 - t0;
        if (verbose)
                fprintf(stderr, "boot: %.3f s%s\n", *secs, n > 0 ? "" : " (hang)");
        if (n > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                fprintf(stderr, PROG ": qemu exit status 0x%x (see %s)\n", status, p->console_log);
        return n > 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "kernel", required_argument, NULL, 'k' },
                { "initrd", required_argument, NULL, 'i' },
                { "runs", required_argument, NULL, 'n' },
                { "timeout", required_argument, NULL, 't' },
                { "machine", required_argument, NULL, 'M' },
                { "memory", required_argument, NULL, 'm' },
                { "cpus", required_argument, NULL, 'c' },
                { "accel", required_argument, NULL, 'a' },
                { "append", required_argument, NULL, 'A' },
                { "qemu", required_argument, NULL, 'q' },
                { "verbose", no_argument, NULL, 'v' },
                { 0 },
        };
        struct lxs_vm_params p = { .memory_mib = 1024, .processors = 2 };
        int runs = 10, timeout_s = 20, opt;
        bool verbose = false;
        enum lxs_accel accel = LXS_ACCEL_AUTO;
        while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                switch (opt) {
                case 'k': p.kernel = optarg; break;
                case 'i': p.initrd = optarg; break;
                case 'n': runs = atoi(optarg); break;
                case 't': timeout_s = atoi(optarg); break;
                case 'M': p.machine = optarg; break;
                case 'm': p.memory_mib = (uint32_t)atoi(optarg); break;
                case 'c': p.processors = (uint32_t)atoi(optarg); break;
                case 'A': p.cmdline_extra = optarg; break;
                case 'q': p.qemu = optarg; break;
                case 'v': verbose = true; break;
                case 'a':
                        if (lxs_accel_parse(optarg, &accel) < 0) {
                                fprintf(stderr, PROG ": --accel: expected auto, kvm or tcg\n");
                                return 2;
                        }
                        break;
                default: return 2;
                }
        }
        if (!p.kernel || !p.initrd || runs < 1 || timeout_s < 1) {
                fprintf(stderr, "usage: " PROG " --kernel K --initrd I [--runs N] [--timeout S] "
                                "[--machine M] [--memory MiB] [--cpus N] [--accel A] [--append X]\n");
                return 2;
        }
        p.accel = lxs_accel_resolve(accel, NULL, NULL);

        char dir[] = "/tmp/lxs-vm-floor.XXXXXX";
        if (!mkdtemp(dir)) {
                fprintf(stderr, PROG ": mkdtemp: %s\n", strerror(errno));
                return 1;
        }
        _cleanup_free_ char *log = NULL;
        if (asprintf(&log, "%s/console.log", dir) < 0)
                return 1;
        p.console_log = log;

        _cleanup_free_ double *times = calloc((size_t)runs, sizeof(*times));
        if (!times)
                return 1;
        int ok = 0, hangs = 0, ret = 0;
        for (int i = 0; i < runs; i++) {
                double secs;
                int r = boot_once(&p, timeout_s, &secs, verbose);
                if (r < 0) {
                        ret = 1;
                        break;
                }
                if (r == 0) {
                        /* Keep the console of a hang: it shows where the guest stopped. */
                        _cleanup_free_ char *kept = NULL;
                        if (asprintf(&kept, "%s/hang-%d.log", dir, i + 1) > 0 && rename(log, kept) == 0)
                                fprintf(stderr, PROG ": boot %d hung; console kept in %s\n", i + 1, kept);
                        hangs++;
                } else {
                        times[ok++] = secs;
                }
        }
        unlink(log);
        rmdir(dir);     /* fails, as intended, when hang logs are kept */
        if (ret)
                return ret;
        qsort(times, (size_t)ok, sizeof(*times), cmp_double);
        double median = ok == 0 ? 0 : ok % 2 ? times[ok / 2] : (times[ok / 2 - 1] + times[ok / 2]) / 2;
        printf("boots: %d, hangs: %d, median: %.3f s\n", runs, hangs, median);
        return 0;
}
