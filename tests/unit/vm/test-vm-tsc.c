/* The calibrated TSC rate agrees with the kernel's "cpu MHz" within 5%, and is cached. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
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

int main(void)
{
        uint64_t khz = lxs_tsc_khz();
        CHECK(khz > 100000);           /* > 100 MHz: anything less is a broken calibration */
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
