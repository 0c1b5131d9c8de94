/* The calibrated TSC rate agrees with the kernel's "cpu MHz" within 5%, and is cached: in the
 * process, and in a file for the host's boot (a stale or damaged file is measured anew). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cleanup.h"
#include "fd-util.h"
#include "vm.h"

static double cpuinfo_mhz(void)
{
        FILE *f = fopen("/proc/cpuinfo", "re");
        if (!f)
                return 0;
        char line[256];
        double mhz = 0;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "cpu MHz", 7) == 0) {
                        const char *colon = strchr(line, ':');
                        mhz = colon ? atof(colon + 1) : 0;
                        break;
                }
        fclose(f);
        return mhz;
}

static void write_text(const char *path, const char *text)
{
        CHECK_EQ_INT(lxs_write_file_atomic(path, text, strlen(text), 0600), 0);
}

static void check_file_cache(uint64_t khz)
{
        char dir[] = "/tmp/test-vm-tsc.XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        char path[64], boot_id[37] = "", line[128];
        snprintf(path, sizeof(path), "%s/tsc-khz", dir);
        FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
        CHECK(f && fgets(boot_id, sizeof(boot_id), f));
        if (f)
                fclose(f);

        /* No file: measured, then written for this boot. */
        CHECK_EQ_INT(lxs_tsc_khz_cached(path), khz);
        _cleanup_free_ char *text = NULL;
        CHECK(lxs_read_file(path, 128, &text) > 0);
        snprintf(line, sizeof(line), "%s %llu\n", boot_id, (unsigned long long)khz);
        CHECK(text && strcmp(text, line) == 0);

        /* A file for this boot is believed (a rate no calibration here would give proves it). */
        snprintf(line, sizeof(line), "%s 1234567\n", boot_id);
        write_text(path, line);
        CHECK_EQ_INT(lxs_tsc_khz_cached(path), 1234567);

        /* Another boot's, an implausible rate, garbage: measured anew. */
        write_text(path, "00000000-0000-0000-0000-000000000000 1234567\n");
        CHECK_EQ_INT(lxs_tsc_khz_cached(path), khz);
        snprintf(line, sizeof(line), "%s 7\n", boot_id);
        write_text(path, line);
        CHECK_EQ_INT(lxs_tsc_khz_cached(path), khz);
        snprintf(line, sizeof(line), "%s 12x4567\n", boot_id);
        write_text(path, line);
        CHECK_EQ_INT(lxs_tsc_khz_cached(path), khz);

        /* A directory that cannot be written to costs nothing but the measurement. */
        CHECK_EQ_INT(lxs_tsc_khz_cached("/nonexistent-dir/tsc-khz"), khz);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        uint64_t khz = lxs_tsc_khz();
        CHECK(khz > 100000);           /* > 100 MHz: anything less is a broken calibration */
        check_file_cache(khz);
        double mhz = cpuinfo_mhz();
        if (mhz <= 0) {
                fprintf(stderr, "test-vm-tsc: SKIP: no cpu MHz in /proc/cpuinfo\n");
                return check_failures ? 1 : 77;
        }
        double ratio = (double)khz / 1000.0 / mhz;
        fprintf(stderr, "test-vm-tsc: calibrated %llu kHz, cpuinfo %.3f MHz (ratio %.4f)\n",
                (unsigned long long)khz, mhz, ratio);
        CHECK(ratio > 0.95 && ratio < 1.05);
        CHECK_EQ_INT(lxs_tsc_khz(), khz);
        return check_result("test-vm-tsc");
}
