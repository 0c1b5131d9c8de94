/* pipe-probe: the in-guest ceiling for a session stream, with no transport at all
 * (bench/throughput.sh builds it static and copies it into the distro).
 *   pipe-probe drain        splices stdin to /dev/null (no copy, as /init splices a session's
 *                           pipe to the port) and prints the MB/s it saw, first call to EOF;
 *   pipe-probe fill BYTES   vmsplices BYTES of zeroes into stdout (no copy: the pages are lent
 *                           to the pipe), so only the reader's own copy is measured, and prints
 *                           the MB/s to stderr.
 * So `cat FILE | pipe-probe drain` is what GNU cat alone can push into a pipe, and
 * `pipe-probe fill N | cat >/dev/null` what it can take out of one. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static double now(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int drain(void)
{
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null < 0)
                return perror("pipe-probe: /dev/null"), 1;
        double t0 = now();
        long long total = 0;
        ssize_t n;
        while ((n = splice(0, NULL, null, NULL, CHUNK, SPLICE_F_MOVE)) > 0)
                total += n;
        if (n < 0)
                return perror("pipe-probe: splice"), 1;
        printf("%.1f\n", (double)total / (now() - t0) / 1e6);
        return 0;
}

static int fill(long long bytes)
{
        static char zeroes[CHUNK] __attribute__((aligned(4096)));
        double t0 = now();
        long long left = bytes;
        while (left > 0) {
                struct iovec v = { zeroes, left < CHUNK ? (size_t)left : CHUNK };
                ssize_t n = vmsplice(1, &v, 1, 0);
                if (n <= 0)
                        return perror("pipe-probe: vmsplice"), 1;
                left -= n;
        }
        close(1);
        fprintf(stderr, "%.1f\n", (double)bytes / (now() - t0) / 1e6);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc == 2 && strcmp(argv[1], "drain") == 0)
                return drain();
        if (argc == 3 && strcmp(argv[1], "fill") == 0)
                return fill(atoll(argv[2]));
        fprintf(stderr, "usage: pipe-probe drain | pipe-probe fill BYTES\n");
        return 2;
}
