/* lxs-serial-bench-guest: a bench-only PID 1 that measures what the VM's virtio-serial port
 * carries with no lxs protocol on it (bench/throughput.sh via lxs-vm-serial). Never part of
 * the product's image.
 *
 * It mounts the API filesystems, loads the `boot` modules and opens the "lxs.control" port like
 * the real /init, then obeys 16-byte commands from the host ({u32 op, u32 chunk, u64 bytes},
 * little-endian):
 *   'W' write `bytes` to the port with write() calls of `chunk` bytes (what dd does);
 *   'S' the same through splice(): user pages vmspliced into a pipe, spliced to the port
 *       (zero-copy in the guest: the floor for a relay that splices a child's pipe);
 *   'P' a child writes `bytes` into a pipe (write() of `chunk`), this process relays the pipe
 *       to the port with read() + write() (a relay's two copies);
 *   'Z' the same, relayed with splice() from the pipe to the port (no copy in the relay);
 *   'R' read `bytes` from the port with read() calls of up to `chunk` bytes, then write one
 *       byte so the host can stop its clock;
 *   'V' the same with readv() of 4 KiB vectors (the port returns one 4 KiB buffer per read);
 *   'A' pin this process to CPU `chunk` (to tell per-vCPU effects apart);
 *   'Q' power off.
 * Failures go to the console (report.h) and power the VM off. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control-port.h"
#include "fd-util.h"
#include "modules.h"
#include "mounts.h"
#include "report.h"

#define CHUNK_MAX (8u << 20)

_Noreturn static void power_off(void)
{
        sync();
        reboot(RB_POWER_OFF);
        for (;;)
                pause();
}

_Noreturn static void die(int err, const char *stage)
{
        lxs_report(err, true, NULL, "%s", stage);
        power_off();
}

/* Where the i-th write starts in the buffer (which holds CHUNK_MAX more bytes than a chunk).
 * QEMU's software TLB is direct-mapped by page number: if the source page and the kernel's
 * (always recycled) bounce buffer collide, every byte of every copy misses, ten times slower for
 * the whole boot. Moving the source by a page each time averages that out instead. */
static size_t source_offset(unsigned long i)
{
        return (i * 4096u) % CHUNK_MAX;
}

static int do_write(int port, uint8_t *buf, size_t chunk, uint64_t bytes)
{
        for (unsigned long i = 0; bytes > 0; i++) {
                size_t n = bytes < chunk ? (size_t)bytes : chunk;
                ssize_t w = write(port, buf + source_offset(i), n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return w < 0 ? -errno : -EIO;
                bytes -= (uint64_t)w;
        }
        return 0;
}

static int do_splice(int port, uint8_t *buf, size_t chunk, uint64_t bytes)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        /* A pipe as large as the chunk, so each round moves a whole chunk. */
        fcntl(p[1], F_SETPIPE_SZ, (int)chunk);
        int r = 0;
        while (bytes > 0 && r == 0) {
                size_t want = bytes < chunk ? (size_t)bytes : chunk;
                struct iovec iov = { .iov_base = buf, .iov_len = want };
                ssize_t in = vmsplice(p[1], &iov, 1, 0);
                if (in < 0) {
                        r = errno == EINTR ? 0 : -errno;
                        continue;
                }
                for (size_t left = (size_t)in; left > 0;) {
                        ssize_t out = splice(p[0], NULL, port, NULL, left, SPLICE_F_MOVE);
                        if (out < 0 && errno == EINTR)
                                continue;
                        if (out <= 0) {
                                r = out < 0 ? -errno : -EIO;
                                break;
                        }
                        left -= (size_t)out;
                }
                bytes -= (uint64_t)in;
        }
        close(p[0]);
        close(p[1]);
        return r;
}

/* Child side of P and Z: writes `bytes` into the pipe, then exits. */
static pid_t start_writer(int *rd, uint8_t *buf, size_t chunk, uint64_t bytes)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        fcntl(p[1], F_SETPIPE_SZ, (int)chunk);
        pid_t pid = fork();
        if (pid == 0) {
                close(p[0]);
                _exit(do_write(p[1], buf, chunk, bytes) < 0);
        }
        close(p[1]);
        if (pid < 0) {
                close(p[0]);
                return -errno;
        }
        *rd = p[0];
        return pid;
}

static int do_relay(int port, uint8_t *buf, size_t chunk, uint64_t bytes, bool use_splice)
{
        int rd = -1;
        pid_t pid = start_writer(&rd, buf, chunk, bytes);
        if (pid < 0)
                return pid;
        uint8_t *relay = buf + chunk;
        int r = 0;
        for (uint64_t left = bytes; left > 0 && r == 0;) {
                /* The port's splice_write returns 0 on an empty pipe instead of waiting. */
                struct pollfd pf = { .fd = rd, .events = POLLIN };
                if (use_splice && poll(&pf, 1, -1) < 0 && errno != EINTR)
                        r = -errno;
                ssize_t n = use_splice ? splice(rd, NULL, port, NULL, chunk, SPLICE_F_MOVE)
                                       : read(rd, relay, chunk);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : -EPIPE;
                        break;
                }
                if (!use_splice)
                        r = lxs_write_all(port, relay, (size_t)n);
                left -= (uint64_t)n;
        }
        close(rd);
        waitpid(pid, NULL, 0);
        return r;
}

static int do_readv(int port, uint8_t *buf, size_t chunk, uint64_t bytes)
{
        struct iovec iov[64];
        size_t niov = chunk / 4096 < 64 ? chunk / 4096 : 64;
        if (niov == 0)
                niov = 1;
        for (size_t i = 0; i < niov; i++)
                iov[i] = (struct iovec){ .iov_base = buf + i * 4096, .iov_len = 4096 };
        while (bytes > 0) {
                ssize_t got = readv(port, iov, (int)niov);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        return got < 0 ? -errno : -EPIPE;
                bytes -= (uint64_t)got < bytes ? (uint64_t)got : bytes;
        }
        return lxs_write_all(port, "A", 1);
}

static int do_read(int port, uint8_t *buf, size_t chunk, uint64_t bytes)
{
        while (bytes > 0) {
                size_t n = bytes < chunk ? (size_t)bytes : chunk;
                ssize_t got = read(port, buf, n);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        return got < 0 ? -errno : -EPIPE;
                bytes -= (uint64_t)got;
        }
        return lxs_write_all(port, "A", 1);
}

static uint32_t le32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int main(void)
{
        if (lxs_mounts_setup() < 0)
                power_off();
        int r = lxs_console_setup();
        if (r < 0)
                lxs_report(-r, false, NULL, "open /dev/console");
        int uevent_fd = lxs_uevent_open();
        lxs_modules_load_boot(LXS_MODULES_LIST);
        char devpath[128];
        int port = lxs_control_port_wait(uevent_fd, "lxs.control", 5000, devpath, sizeof(devpath));
        if (port < 0)
                die(-port, "open the port");
        /* The benchmark wants plain blocking calls, as dd would make them. */
        lxs_set_nonblock(port, 0);
        uint8_t *buf = malloc(2 * CHUNK_MAX);
        if (!buf)
                die(ENOMEM, "allocate the buffer");
        memset(buf, 'x', 2 * CHUNK_MAX);
        for (;;) {
                uint8_t cmd[16];
                r = lxs_read_all(port, cmd, sizeof(cmd));
                if (r < 0)
                        die(-r, "read a command");
                uint32_t op = le32(cmd), chunk = le32(cmd + 4);
                uint64_t bytes = le32(cmd + 8) | (uint64_t)le32(cmd + 12) << 32;
                if (chunk == 0 || chunk > CHUNK_MAX)
                        chunk = CHUNK_MAX;
                switch (op) {
                case 'W': r = do_write(port, buf, chunk, bytes); break;
                case 'S': r = do_splice(port, buf, chunk, bytes); break;
                case 'P': r = do_relay(port, buf, chunk, bytes, false); break;
                case 'Z': r = do_relay(port, buf, chunk, bytes, true); break;
                case 'R': r = do_read(port, buf, chunk, bytes); break;
                case 'V': r = do_readv(port, buf, chunk, bytes); break;
                case 'A': {
                        cpu_set_t set;
                        CPU_ZERO(&set);
                        CPU_SET(chunk % CPU_SETSIZE, &set);
                        r = sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
                        break;
                }
                case 'Q': power_off();
                default: r = -EINVAL; break;
                }
                if (r < 0)
                        die(-r, "transfer");
        }
}
