/* lxs-init: the utility VM's PID 1 (a static executable, /init in the initramfs).
 *
 * Boot: API filesystems, console, hostname, the `boot` kernel modules, then the control port;
 * from there everything is driven by the event loop: the handshake with lxsd, sessions, child
 * reaping, and a new handshake whenever the host reconnects. Every boot failure is reported
 * (report.h); a fatal one powers the VM off, because PID 1 must never exit or hang silently. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control-channel.h"
#include "control-port.h"
#include "dispatch.h"
#include "distros.h"
#include "event-loop.h"
#include "host-execs.h"
#include "host-programs.h"
#include "lxs-host.h"
#include "init.h"
#include "listeners.h"
#include "lxspath.h"
#include "modules.h"
#include "mounts.h"
#include "network.h"
#include "report.h"
#include "sessions.h"
#include "shutdown.h"
#include "shares.h"
#include "signals.h"
#include "system-settings.h"

/* virtio_console probes asynchronously; the port normally shows up within milliseconds. */
#define PORT_WAIT_MS 5000
#define BOOT_HOSTNAME "lxs"

static struct lxs_init init_state;

_Noreturn static void fatal(int err, const char *stage, const char *detail)
{
        lxs_report(err, true, detail, "%s", stage);
        lxs_shutdown(&init_state);
}

static void on_disk_modules_loaded(void *data)
{
        struct lxs_init *init = data;
        /* virtio_net is in the same phase: a distro's first command has its network. */
        char detail[96] = "";
        int r = lxs_network_nat_setup(detail, sizeof(detail));
        if (r < 0)
                lxs_report(-r, false, detail, "configure the network");
        /* Before any distro starts, so every container finds the shares mounted. */
        lxs_shares_modules_ready();
        lxs_distros_modules_ready(init->distros);
}

static void on_hello_ack(struct lxs_channel *ch, const Lxs__Guest__HelloAck *ack, void *data)
{
        struct lxs_init *init = data;
        if (!ack->accepted) {
                lxs_report(EPROTO, true, ack->reason, "handshake refused by the host");
                lxs_shutdown(init);
        }
        lxs_report_set_sink(lxs_channel_failure_sink, ch);
        if (ack->hostname && *ack->hostname) {
                int r = lxs_hostname_set(ack->hostname);
                if (r < 0)
                        lxs_report(-r, false, ack->hostname, "set hostname");
        }
        lxs_shares_set(ack);
        if (ack->localhost_forwarding) {
                int fr = lxs_listeners_start(init->loop, &init->channel);
                if (fr < 0)
                        lxs_report(-fr, false, NULL, "start localhost forwarding");
        }
        if (lxs_host_programs_set(ack) < 0)
                lxs_report(ENOMEM, false, NULL, "keep the host's program names");
        if (ack->host_time_ns > 0) {
                int r = lxs_clock_sync(ack->host_time_ns);
                if (r < 0)
                        lxs_report(-r, false, NULL, "set clock");
        }
}

static void on_message(struct lxs_channel *ch, const Lxs__Guest__HostToGuest *msg, void *data)
{
        lxs_dispatch(data, msg);
}

static void on_channel_down(struct lxs_channel *ch, void *data)
{
        struct lxs_init *init = data;
        lxs_sessions_kill_all(init->sessions);
        lxs_host_execs_host_gone(init->host_execs);
        /* A host that comes back knows nothing of them (and has detached their disks). */
        lxs_distros_host_gone(init->distros);
}

static const struct lxs_channel_ops channel_ops = {
        .hello_ack = on_hello_ack,
        .message = on_message,
        .down = on_channel_down,
};

static void on_child_exited(pid_t pid, int status, void *data)
{
        struct lxs_init *init = data;
        if (!lxs_distros_child_exited(init->distros, pid, status))
                lxs_sessions_child_exited(init->sessions, pid, status);
}

static void on_port_changed(void *data)
{
        struct lxs_init *init = data;
        if (init->channel)
                lxs_channel_port_changed(init->channel);
}

static void on_power_off(void *data)
{
        lxs_shutdown(data);
}

static const struct lxs_signal_ops signal_ops = {
        .child_exited = on_child_exited,
        .port_changed = on_port_changed,
        .power_off = on_power_off,
};

int main(int argc, char **argv)
{
        /* Bind-mounted into every distro as lxspath (container-paths.h), as WSL's /init is
         * wslpath there. */
        const char *called = argc > 0 ? strrchr(argv[0], '/') : NULL;
        called = called ? called + 1 : argc > 0 ? argv[0] : "";
        if (strcmp(called, "lxspath") == 0)
                return lxs_lxspath_main(argc, argv);
        /* ... and as lxs-host, and as NAME.host for each host program (host-programs.h). */
        if (strcmp(called, "lxs-host") == 0 || lxs_host_shim_name(called))
                return lxs_host_main(argc, argv);
        if (getpid() != 1) {
                fprintf(stderr, "lxs-init: must run as PID 1 of the lxs utility VM\n");
                return 1;
        }
        struct lxs_init *init = &init_state;
        umask(022);
        int r = lxs_signals_block();
        if (r < 0)
                fatal(r, "block signals", NULL);
        if (lxs_mounts_setup() < 0)
                lxs_shutdown(NULL);
        r = lxs_console_setup();
        if (r < 0)
                lxs_report(-r, false, NULL, "open /dev/console");
        r = lxs_hostname_set(BOOT_HOSTNAME);
        if (r < 0)
                lxs_report(-r, false, NULL, "set hostname");
        r = lxs_module_autoload_disable();
        if (r < 0)
                lxs_report(-r, false, NULL, "empty /proc/sys/kernel/modprobe");
        r = lxs_network_loopback_up();
        if (r < 0)
                lxs_report(-r, false, NULL, "bring up lo");
        /* Listen before the drivers load, so the port's uevent cannot be missed. */
        int uevent_fd = lxs_uevent_open();
        lxs_modules_load_boot(LXS_MODULES_LIST);

        r = lxs_loop_new(&init->loop);
        if (r < 0)
                fatal(r, "create event loop", NULL);
        r = lxs_sessions_new(init->loop, &init->sessions);
        if (r < 0)
                fatal(r, "create session table", NULL);
        r = lxs_distros_new(init->loop, &init->distros);
        if (r < 0)
                fatal(r, "create distro table", NULL);
        lxs_sessions_set_distros(init->sessions, init->distros);
        r = lxs_host_execs_new(init->loop, &init->host_execs);
        if (r < 0)
                fatal(r, "create host exec table", NULL);
        lxs_distros_set_host_execs(init->distros, init->host_execs);
        r = lxs_signals_watch(init->loop, &signal_ops, init);
        if (r < 0)
                fatal(r, "watch signals", NULL);

        /* The disk modules load while the host connects: the host attaches a distro's disk as
         * soon as the handshake is done, and the first command usually runs in a distro. */
        r = lxs_modules_start_later(init->loop, LXS_MODULES_LIST, on_disk_modules_loaded, init);
        if (r < 0) {
                lxs_report(-r, false, NULL, "start loading later modules");
                lxs_shares_modules_ready();
                lxs_distros_modules_ready(init->distros);
        }

        char devpath[128];
        int fd = lxs_control_port_wait(uevent_fd, LXS_CONTROL_PORT_NAME, PORT_WAIT_MS, devpath, sizeof(devpath));
        if (uevent_fd >= 0)
                close(uevent_fd);
        if (fd < 0)
                fatal(fd, "open control port " LXS_CONTROL_PORT_NAME,
                      fd == -ETIMEDOUT ? "the port did not appear within 5 s" : NULL);
        r = lxs_channel_new(init->loop, fd, devpath, &channel_ops, init, &init->channel);
        if (r < 0)
                fatal(r, "set up control channel", NULL);
        lxs_sessions_set_channel(init->sessions, init->channel);
        lxs_distros_set_channel(init->distros, init->channel);
        lxs_host_execs_set_channel(init->host_execs, init->channel);

        r = lxs_loop_run(init->loop);
        fatal(r, "event loop", NULL);
}
