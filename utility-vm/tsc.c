/* Host TSC frequency (see vm.h).
 *
 * Under TCG the guest's TSC ticks at the host's rate, and a microvm guest has no PIT/HPET-based
 * way to calibrate it reliably early in boot, so we hand the kernel the rate (tsc_early_khz=).
 * Measured by bracketing rdtsc between two CLOCK_MONOTONIC_RAW reads at both ends of a ~25 ms
 * sleep; the tightest bracket of a few tries limits the error from preemption. The result is
 * cached for the process: the rate of a constant TSC does not change; lxs_tsc_khz_cached() keeps
 * it for the host's boot in a file. */
#include "vm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

#include "cleanup.h"
#include "fd-util.h"

enum {
        BOOT_ID_LEN = 36,                  /* a UUID as the kernel prints it */
        PLAUSIBLE_MIN_KHZ = 100000,        /* 100 MHz .. 20 GHz */
        PLAUSIBLE_MAX_KHZ = 20000000,
        CALIBRATION_NS = 25 * 1000 * 1000,
        BRACKET_TRIES = 5,
};

static uint64_t now_ns(void)
{
        struct timespec ts;
        if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts) < 0)
                return 0;
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One (time, tsc) sample taken with the narrowest clock bracket of a few tries. */
static void sample(uint64_t *ns, uint64_t *tsc)
{
        uint64_t best_width = UINT64_MAX;
        for (int i = 0; i < BRACKET_TRIES; i++) {
                uint64_t t0 = now_ns();
                uint64_t c = __rdtsc();
                uint64_t t1 = now_ns();
                if (t1 - t0 < best_width) {
                        best_width = t1 - t0;
                        *ns = t0 + (t1 - t0) / 2;
                        *tsc = c;
                }
        }
}

uint64_t lxs_tsc_khz(void)
{
        static uint64_t cached;
        if (cached)
                return cached;

        uint64_t ns0, tsc0, ns1, tsc1;
        sample(&ns0, &tsc0);
        if (!ns0)
                return 0;
        struct timespec pause = { .tv_nsec = CALIBRATION_NS };
        while (nanosleep(&pause, &pause) < 0 && errno == EINTR)
                ;
        sample(&ns1, &tsc1);
        if (ns1 <= ns0 || tsc1 <= tsc0)
                return 0;

        /* kHz = ticks per millisecond; rounded to nearest. */
        unsigned __int128 ticks_per_ms = (unsigned __int128)(tsc1 - tsc0) * 1000000u;
        uint64_t elapsed = ns1 - ns0;
        cached = (uint64_t)((ticks_per_ms + elapsed / 2) / elapsed);
        return cached;
}

static int read_boot_id(char id[BOOT_ID_LEN + 1])
{
        _cleanup_free_ char *text = NULL;
        int n = lxs_read_file("/proc/sys/kernel/random/boot_id", 64, &text);
        if (n < 0)
                return n;
        if (n < BOOT_ID_LEN)
                return -EINVAL;
        memcpy(id, text, BOOT_ID_LEN);
        id[BOOT_ID_LEN] = '\0';
        return 0;
}

/* "BOOT_ID KHZ\n" when it names this boot and a plausible rate; else 0. */
static uint64_t read_cache(const char *path, const char *boot_id)
{
        _cleanup_free_ char *text = NULL;
        int n = lxs_read_file(path, 128, &text);
        if (n < BOOT_ID_LEN + 2 || memcmp(text, boot_id, BOOT_ID_LEN) != 0 || text[BOOT_ID_LEN] != ' ')
                return 0;
        uint64_t khz = 0;
        for (int i = BOOT_ID_LEN + 1; i < n && text[i] != '\n'; i++) {
                if (text[i] < '0' || text[i] > '9' || khz > PLAUSIBLE_MAX_KHZ)
                        return 0;
                khz = khz * 10 + (uint64_t)(text[i] - '0');
        }
        return khz >= PLAUSIBLE_MIN_KHZ && khz <= PLAUSIBLE_MAX_KHZ ? khz : 0;
}

uint64_t lxs_tsc_khz_cached(const char *cache_path)
{
        char boot_id[BOOT_ID_LEN + 1];
        if (!cache_path || read_boot_id(boot_id) < 0)
                return lxs_tsc_khz();
        uint64_t khz = read_cache(cache_path, boot_id);
        if (khz)
                return khz;
        khz = lxs_tsc_khz();
        if (khz >= PLAUSIBLE_MIN_KHZ && khz <= PLAUSIBLE_MAX_KHZ) {
                char line[BOOT_ID_LEN + 32];
                int len = snprintf(line, sizeof(line), "%s %" PRIu64 "\n", boot_id, khz);
                (void)lxs_write_file_atomic(cache_path, line, (size_t)len, 0600);
        }
        return khz;
}
