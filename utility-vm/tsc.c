/* Host TSC frequency (see vm.h).
 *
 * Under TCG the guest's TSC ticks at the host's rate, and a microvm guest has no PIT/HPET-based
 * way to calibrate it reliably early in boot, so we hand the kernel the rate (tsc_early_khz=).
 * Measured by bracketing rdtsc between two CLOCK_MONOTONIC_RAW reads at both ends of a ~25 ms
 * sleep; the tightest bracket of a few tries limits the error from preemption. The result is
 * cached for the process: the rate of a constant TSC does not change. */
#include "vm.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

enum {
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
