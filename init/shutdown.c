/* Guest power-off; see shutdown.h for the contract. */
#include "shutdown.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control-channel.h"
#include "distros.h"
#include "mounts.h"
#include "report.h"

/* Output still queued for the host gets this long to drain before the port closes. */
#define FLUSH_MS 500
/* After SIGKILL, processes in uninterruptible sleep get this long before we stop waiting. */
#define KILL_WAIT_MS 1000

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reaps until no child is left (true) or the time is up (false). SIGCHLD is blocked (it feeds
 * the signalfd), so it can be waited for synchronously here. */
static bool reap_all(long long timeout_ms)
{
        long long deadline = now_ms() + timeout_ms;
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        for (;;) {
                pid_t pid;
                while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
                        ;
                if (pid < 0 && errno == ECHILD)
                        return true;
                long long left = deadline - now_ms();
                if (left <= 0)
                        return false;
                struct timespec ts = { .tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000 };
                sigtimedwait(&chld, NULL, &ts);
        }
}

_Noreturn void lxs_shutdown(struct lxs_init *init)
{
        if (init && init->channel) {
                lxs_report_set_sink(NULL, NULL);
                lxs_channel_close(init->channel, FLUSH_MS);
        }
        kill(-1, SIGTERM);
        if (!reap_all(LXS_SHUTDOWN_GRACE_MS)) {
                kill(-1, SIGKILL);
                reap_all(KILL_WAIT_MS);
        }
        /* Every process is gone: the distros' images can be unmounted cleanly. */
        if (init)
                lxs_distros_shutdown(init->distros);
        sync();
        lxs_mounts_teardown();
        reboot(RB_POWER_OFF);
        /* Power-off is not available: a reset ends QEMU too when it runs with -no-reboot. */
        lxs_report(errno, true, NULL, "power off");
        reboot(RB_AUTOBOOT);
        for (;;)
                pause();
}
