/* lxsd: the per-user lxs service. Started on demand by `lxs` (or by hand with --foreground),
 * one instance per user guarded by a lock file in the runtime dir. Serves the CLI on
 * $XDG_RUNTIME_DIR/lxs/lxsd.sock and manages the utility VM. Exits on SIGTERM/SIGINT after
 * stopping the VM, and by itself after a while with no VM and no clients. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "ini.h"
#include "install-dirs.h"
#include "log.h"
#include "lxsd.h"
#include "paths.h"

/* With no VM and no client for this long, the service exits; the next lxs starts it again. */
#define LINGER_MS_DEFAULT 300000u

static int take_instance_lock(const char *runtime_dir)
{
        _cleanup_free_ char *path = lxs_path_join(runtime_dir, "lxsd.lock");
        if (!path)
                return -ENOMEM;
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int e = errno;
                close(fd);
                return e == EWOULDBLOCK ? -EALREADY : -e;
        }
        return fd; /* held for the life of the process */
}

/* A QEMU left by an lxsd that was killed between fork and PR_SET_PDEATHSIG would hold the
 * VM's sockets; we recognise ours by its console log path in the command line. */
static void kill_stale_qemu(struct lxsd *d)
{
        _cleanup_free_ char *pidfile = lxs_path_join(d->runtime_dir, "qemu.pid");
        _cleanup_free_ char *text = NULL;
        if (!pidfile || lxs_read_file(pidfile, 64, &text) < 0)
                return;
        int pid = atoi(text);
        unlink(pidfile);
        if (pid <= 1)
                return;
        char procpath[64];
        snprintf(procpath, sizeof(procpath), "/proc/%d/cmdline", pid);
        _cleanup_free_ char *cmdline = NULL;
        int n = lxs_read_file(procpath, 65536, &cmdline);
        if (n <= 0)
                return;
        for (int i = 0; i < n; i++)
                if (cmdline[i] == '\0')
                        cmdline[i] = ' ';
        _cleanup_free_ char *console = lxs_path_join(d->state_dir, "console.log");
        if (console && strstr(cmdline, console)) {
                lxsd_log("killing stale QEMU pid %d left by an earlier lxsd", pid);
                kill(pid, SIGKILL);
        }
}

static void on_signal(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct lxsd *d = data;
        struct signalfd_siginfo si;
        if (read(fd, &si, sizeof(si)) != sizeof(si))
                return;
        lxsd_log("signal %u: stopping", si.ssi_signo);
        vm_kill_now(&d->vm, "lxsd is exiting");
        lxs_loop_quit(loop);
}

static uint32_t linger_ms(void)
{
        const char *env = getenv("LXSD_LINGER_MS");
        unsigned long long v;
        if (env && lxs_parse_u64(env, &v) == 0 && v <= UINT32_MAX)
                return (uint32_t)v;
        return LINGER_MS_DEFAULT;
}

static void on_linger_check(struct lxs_loop *loop, void *data);

static void arm_linger(struct lxsd *d)
{
        uint32_t ms = linger_ms();
        if (ms)
                lxs_loop_timer(d->loop, ms < 1000 ? ms : 1000, on_linger_check, d);
}

static void on_linger_check(struct lxs_loop *loop, void *data)
{
        struct lxsd *d = data;
        uint64_t now = lxsd_now_ms();
        if (d->vm.state != VM_STOPPED || d->nclients > 0)
                d->last_busy_ms = now;
        if (now - d->last_busy_ms >= linger_ms()) {
                lxsd_log("no VM and no clients for %u ms: exiting", linger_ms());
                lxs_loop_quit(loop);
                return;
        }
        arm_linger(d);
}

static void usage(void)
{
        printf("usage: lxsd [--foreground] [--version]\n"
               "The per-user lxs service; normally started by lxs. See lxs(1).\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "foreground", no_argument, NULL, 'f' },
                { "version", no_argument, NULL, 'V' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int foreground = 0, c;
        while ((c = getopt_long(argc, argv, "fVh", opts, NULL)) != -1) {
                switch (c) {
                case 'f':
                        foreground = 1;
                        break;
                case 'V':
                        printf("lxsd %s\n", LXS_VERSION);
                        return 0;
                case 'h':
                        usage();
                        return 0;
                default:
                        usage();
                        return 2;
                }
        }

        struct lxsd d = { .listen_fd = -1, .listen_watch = -1, .reap_timer = -1, .views = true };
        d.runtime_dir = lxs_runtime_dir();
        d.state_dir = lxs_state_dir();
        _cleanup_free_ char *config_dir = lxs_config_dir();
        d.image_dir = lxs_image_dir();
        if (!d.runtime_dir || !d.state_dir || !config_dir || !d.image_dir) {
                fprintf(stderr, "lxsd: cannot resolve directories: %s\n", strerror(errno));
                return 1;
        }
        d.config_path = lxs_path_join(config_dir, "lxs.conf");
        int r = lxs_mkdir_private(d.runtime_dir, 0700);
        if (r < 0) {
                fprintf(stderr, "lxsd: %s: %s\n", d.runtime_dir, strerror(-r));
                return 1;
        }
        r = lxs_mkdir_private(d.state_dir, 0700);
        if (r < 0) {
                fprintf(stderr, "lxsd: %s: %s\n", d.state_dir, strerror(-r));
                return 1;
        }
        int lock = take_instance_lock(d.runtime_dir);
        if (lock == -EALREADY)
                return 0; /* another lxsd serves this user */
        if (lock < 0) {
                fprintf(stderr, "lxsd: lock: %s\n", strerror(-lock));
                return 1;
        }
        _cleanup_free_ char *logpath = lxs_path_join(d.state_dir, "lxsd.log");
        if (logpath && lxsd_log_open(logpath, foreground) < 0)
                fprintf(stderr, "lxsd: %s: %s\n", logpath, strerror(errno));
        signal(SIGPIPE, SIG_IGN);

        kill_stale_qemu(&d);
        views_clean_stale(&d);
        r = lxs_loop_new(&d.loop);
        if (r < 0) {
                lxsd_log("io_uring: %s", strerror(-r));
                return 1;
        }
        vm_manager_init(&d.vm, &d);
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0 || lxs_loop_watch(d.loop, sfd, POLLIN, on_signal, &d) < 0) {
                lxsd_log("signalfd: %s", strerror(errno));
                return 1;
        }
        r = lxsd_server_listen(&d);
        if (r < 0) {
                lxsd_log("listen on %s/lxsd.sock: %s", d.runtime_dir, strerror(-r));
                return 1;
        }
        d.started_ms = d.last_busy_ms = lxsd_now_ms();
        lxsd_log("serving %s/lxsd.sock (image %s)", d.runtime_dir, d.image_dir);
        arm_linger(&d);
        r = lxs_loop_run(d.loop);
        if (r < 0)
                lxsd_log("event loop: %s", strerror(-r));
        vm_kill_now(&d.vm, "lxsd is exiting");
        _cleanup_free_ char *sock = lxs_path_join(d.runtime_dir, "lxsd.sock");
        if (sock)
                unlink(sock);
        return r < 0 ? 1 : 0;
}
