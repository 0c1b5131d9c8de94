/* lxs-vm-serial: raw virtio-serial throughput of the utility VM, with no lxs protocol on the
 * port. Boots the VM through the same driver and argv builder as lxsd, with an initramfs whose
 * /init is lxs-serial-bench-guest, and times bulk transfers over the control port's socket
 * both ways. Used by bench/throughput.sh; not installed.
 *
 *   lxs-vm-serial --kernel K --initrd I [--bytes N] [--runs R] [--modes wspzrv] [--chunk C]
 *                 [--memory MiB] [--cpus N] [--accel auto|kvm|tcg] [--append EXTRA]
 *
 * Modes (see serial-bench-guest.c): guest to host: w = write(), s = splice() of user pages,
 * p = a child's pipe relayed with read()+write(), z = the same relayed with splice(); host to
 * guest: r = read(), v = readv() of 4 KiB vectors. 0 and 1 pin the guest side to that vCPU.
 * Prints one line per transfer: `raw <guest->host|host->guest> <mode name> <MB/s>`
 * (MB = 10^6 bytes). Guest->host is timed from the command to the last byte received,
 * host->guest from the command to the guest's acknowledgement of the last byte. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "vm.h"

#define PROG "lxs-vm-serial"
#define HOST_BUF (1u << 20)
/* The guest needs a boot's worth of time to answer the first command. */
#define BOOT_TIMEOUT_MS 60000

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put_le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static int send_cmd(int fd, char op, uint32_t chunk, uint64_t bytes)
{
        uint8_t cmd[16];
        put_le32(cmd, (uint32_t)op);
        put_le32(cmd + 4, chunk);
        put_le32(cmd + 8, (uint32_t)bytes);
        put_le32(cmd + 12, (uint32_t)(bytes >> 32));
        return lxs_write_all(fd, cmd, sizeof(cmd));
}

/* Waits up to timeout_ms for fd to be readable: 0, or -ETIMEDOUT. */
static int wait_readable(int fd, int timeout_ms)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int n;
        do
                n = poll(&p, 1, timeout_ms);
        while (n < 0 && errno == EINTR);
        return n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

static int guest_to_host(int fd, char op, uint32_t chunk, uint64_t bytes, uint8_t *buf, double *secs)
{
        double t0 = now_s();
        int r = send_cmd(fd, op, chunk, bytes);
        if (r < 0)
                return r;
        for (uint64_t left = bytes; left > 0;) {
                r = wait_readable(fd, BOOT_TIMEOUT_MS);
                if (r < 0)
                        return r;
                ssize_t n = read(fd, buf, left < HOST_BUF ? (size_t)left : HOST_BUF);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EPIPE;
                left -= (uint64_t)n;
        }
        *secs = now_s() - t0;
        return 0;
}

static int host_to_guest(int fd, char op, uint32_t chunk, uint64_t bytes, uint8_t *buf, double *secs)
{
        double t0 = now_s();
        int r = send_cmd(fd, op, chunk, bytes);
        for (uint64_t left = bytes; r == 0 && left > 0;) {
                size_t n = left < HOST_BUF ? (size_t)left : HOST_BUF;
                r = lxs_write_all(fd, buf, n);
                left -= n;
        }
        if (r == 0)
                r = wait_readable(fd, BOOT_TIMEOUT_MS);
        char ack;
        if (r == 0)
                r = lxs_read_all(fd, &ack, 1);
        *secs = now_s() - t0;
        return r;
}

static int run(int fd, const char *modes, int runs, uint32_t chunk, uint64_t bytes)
{
        _cleanup_free_ uint8_t *buf = malloc(HOST_BUF);
        if (!buf)
                return -ENOMEM;
        memset(buf, 'y', HOST_BUF);
        /* The first command also waits for the boot; a small transfer keeps that out of the
         * figures. */
        double secs;
        int r = guest_to_host(fd, 'W', chunk, 4096, buf, &secs);
        if (r < 0)
                return r;
        for (int i = 0; i < runs; i++) {
                for (const char *m = modes; *m; m++) {
                        if (*m == '0' || *m == '1') {
                                r = send_cmd(fd, 'A', (uint32_t)(*m - '0'), 0);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        static const char *const names[] = { ['w'] = "write", ['s'] = "splice", ['p'] = "relay",
                                                             ['z'] = "relay-splice", ['r'] = "read", ['v'] = "readv" };
                        bool in = *m == 'r' || *m == 'v';
                        const char *dir = in ? "host->guest" : "guest->host";
                        char op = (char)(*m - 'a' + 'A');
                        if (in)
                                r = host_to_guest(fd, op, chunk, bytes, buf, &secs);
                        else
                                r = guest_to_host(fd, op, chunk, bytes, buf, &secs);
                        if (r < 0)
                                return r;
                        printf("raw %s %s %.1f\n", dir, names[(unsigned char)*m], (double)bytes / secs / 1e6);
                        fflush(stdout);
                }
        }
        return send_cmd(fd, 'Q', 0, 0);
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "kernel", required_argument, NULL, 'k' },
                { "initrd", required_argument, NULL, 'i' },
                { "bytes", required_argument, NULL, 'b' },
                { "runs", required_argument, NULL, 'n' },
                { "modes", required_argument, NULL, 'M' },
                { "chunk", required_argument, NULL, 'C' },
                { "memory", required_argument, NULL, 'm' },
                { "cpus", required_argument, NULL, 'c' },
                { "accel", required_argument, NULL, 'a' },
                { "append", required_argument, NULL, 'A' },
                { 0 },
        };
        struct lxs_vm_params p = { .memory_mib = 2048, .processors = 2 };
        uint64_t bytes = 256ull << 20;
        uint32_t chunk = 1u << 20;
        int runs = 3, opt;
        const char *modes = "wsr";
        enum lxs_accel accel = LXS_ACCEL_AUTO;
        while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                switch (opt) {
                case 'k': p.kernel = optarg; break;
                case 'i': p.initrd = optarg; break;
                case 'b': bytes = strtoull(optarg, NULL, 0); break;
                case 'n': runs = atoi(optarg); break;
                case 'M': modes = optarg; break;
                case 'C': chunk = (uint32_t)strtoul(optarg, NULL, 0); break;
                case 'm': p.memory_mib = (uint32_t)atoi(optarg); break;
                case 'c': p.processors = (uint32_t)atoi(optarg); break;
                case 'A': p.cmdline_extra = optarg; break;
                case 'a':
                        if (lxs_accel_parse(optarg, &accel) < 0) {
                                fprintf(stderr, PROG ": --accel: expected auto, kvm or tcg\n");
                                return 2;
                        }
                        break;
                default: return 2;
                }
        }
        if (!p.kernel || !p.initrd || runs < 1 || bytes == 0 || strspn(modes, "wspzrv01") != strlen(modes)) {
                fprintf(stderr, "usage: " PROG " --kernel K --initrd I [--bytes N] [--runs R] [--modes wspzrv] "
                                "[--chunk C] [--memory MiB] [--cpus N] [--accel A] [--append EXTRA]\n");
                return 2;
        }
        p.accel = lxs_accel_resolve(accel, NULL, NULL);

        char dir[] = "/tmp/lxs-vm-serial.XXXXXX";
        if (!mkdtemp(dir)) {
                fprintf(stderr, PROG ": mkdtemp: %s\n", strerror(errno));
                return 1;
        }
        _cleanup_free_ char *log = NULL;
        if (asprintf(&log, "%s/console.log", dir) < 0)
                return 1;
        p.console_log = log;
        p.runtime_dir = dir; /* qmp.sock there, to sample the guest while it runs */

        struct lxs_vm vm;
        _cleanup_free_ char *detail = NULL;
        int r = lxs_qemu_driver.start(&p, &vm, &detail);
        if (r < 0) {
                fprintf(stderr, PROG ": start VM: %s\n", detail ? detail : strerror(-r));
                return 1;
        }
        lxs_set_nonblock(vm.control_fd, 0);
        r = run(vm.control_fd, modes, runs, chunk, bytes);
        if (r < 0)
                fprintf(stderr, PROG ": %s (guest console: %s)\n", strerror(-r), log);
        struct pollfd pf = { .fd = vm.pidfd, .events = POLLIN };
        int status = 0;
        if (r == 0 && poll(&pf, 1, 10000) > 0)
                lxs_qemu_driver.reap(&vm, &status);
        else
                lxs_qemu_driver.kill(&vm);
        lxs_vm_release(&vm);
        if (r == 0) {
                unlink(log);
                _cleanup_free_ char *qmp = NULL;
                if (asprintf(&qmp, "%s/%s", dir, LXS_VM_QMP_SOCKET) > 0)
                        unlink(qmp);
                rmdir(dir);
        }
        return r < 0 ? 1 : 0;
}
