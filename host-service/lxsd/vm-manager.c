/* The utility VM's life cycle inside lxsd: boot on first need, Running after the guest's
 * handshake, idle shutdown after vmIdleTimeout without sessions or distros, graceful or forced
 * shutdown on request, and noticing QEMU's death (pidfd) so the next request boots a fresh VM.
 *
 *   Stopped --request--> Starting --Hello--> Running --idle/--shutdown--> Stopping --exit--> Stopped
 *   any state --QEMU exits--> Stopped (sessions and waiters get a clear error)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "log.h"
#include "lxsd.h"
#include "paths.h"

/* Under TCG a healthy boot takes ~1.5 s; this only catches a guest that will never answer. */
#define BOOT_TIMEOUT_MS 60000u
#define STOP_TIMEOUT_MS 15000u
/* A guest too busy to answer StatusRequest must not hang `lxs --status`. */
#define STATUS_TIMEOUT_MS 3000u

const char *vm_state_name(enum vm_state s)
{
        static const char *const names[] = {
                [VM_STOPPED] = "Stopped",
                [VM_STARTING] = "Starting",
                [VM_RUNNING] = "Running",
                [VM_STOPPING] = "Stopping",
        };
        return names[s];
}

uint64_t lxsd_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void vm_manager_init(struct vm_manager *m, struct lxsd *d)
{
        memset(m, 0, sizeof(*m));
        m->d = d;
        m->driver = &lxs_qemu_driver;
        m->state = VM_STOPPED;
        m->pidfd_watch = m->control_watch = m->boot_timer = m->idle_timer = m->stop_timer = -1;
        m->status_timer = -1;
        m->vm.pidfd = m->vm.control_fd = m->vm.qmp_fd = -1;
        m->next_session_id = 1;
        m->listen_loopback = forward_listen_loopback;
        lxs_config_defaults(&m->cfg);
}

void waiter_add(struct waiter **list, struct client *c)
{
        struct waiter *w = calloc(1, sizeof(*w));
        if (!w) {
                client_send_error(c, ENOMEM, "lxsd: out of memory");
                return;
        }
        w->client = c;
        w->next = *list;
        *list = w;
}

void waiter_remove(struct waiter **list, struct client *c)
{
        for (struct waiter **pp = list; *pp;) {
                if ((*pp)->client == c) {
                        struct waiter *w = *pp;
                        *pp = w->next;
                        free(w);
                } else {
                        pp = &(*pp)->next;
                }
        }
}

/* Detaches the list, so callbacks may add new waiters safely. */
struct waiter *waiters_take(struct waiter **list)
{
        struct waiter *w = *list;
        *list = NULL;
        return w;
}

void vm_forget_client(struct vm_manager *m, struct client *c)
{
        waiter_remove(&m->boot_waiters, c);
        waiter_remove(&m->status_waiters, c);
        waiter_remove(&m->stop_waiters, c);
        distro_forget_client(m, c);
}

static void cancel_timer(struct vm_manager *m, int *id)
{
        if (*id >= 0)
                lxs_loop_cancel_timer(m->d->loop, *id);
        *id = -1;
}

void vm_send(struct vm_manager *m, const ProtobufCMessage *msg)
{
        if (m->vm.control_fd < 0)
                return;
        int r = lxs_outq_push_msg(&m->out, msg);
        if (r < 0) {
                lxsd_log("guest channel: cannot queue message: %s", strerror(-r));
                return;
        }
        vm_flush(m);
}

void vm_flush(struct vm_manager *m)
{
        if (m->vm.control_fd < 0)
                return;
        int r = lxs_outq_flush(&m->out, m->vm.control_fd);
        if (r == -EAGAIN)
                lxs_loop_watch_events(m->d->loop, m->control_watch, POLLIN | POLLOUT);
        else if (r < 0)
                lxsd_log("guest channel: write: %s", strerror(-r));
}

/* The last meaningful line of the guest console, to explain a failed boot. */
static void console_tail(struct vm_manager *m, char *out, size_t outlen)
{
        out[0] = '\0';
        _cleanup_free_ char *path = lxs_path_join(m->d->state_dir, "console.log");
        _cleanup_close_ int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        if (fd < 0)
                return;
        char buf[4096];
        off_t end = lseek(fd, 0, SEEK_END);
        off_t start = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, start);
        if (n <= 0)
                return;
        buf[n] = '\0';
        /* Prefer our init's own report, else the last non-empty line. */
        char *pick = NULL;
        for (char *line = strtok(buf, "\r\n"); line; line = strtok(NULL, "\r\n")) {
                if (strstr(line, "lxs-init:") || !pick || !strstr(pick, "lxs-init:"))
                        if (line[strspn(line, " \t")] != '\0')
                                pick = line;
        }
        if (pick)
                snprintf(out, outlen, "%s", pick + strspn(pick, " \t"));
}

static void fail_boot_waiters(struct vm_manager *m, int err, const char *why)
{
        struct waiter *w = waiters_take(&m->boot_waiters);
        while (w) {
                struct waiter *next = w->next;
                client_send_error(w->client, err, "%s", why);
                free(w);
                w = next;
        }
}

static void reply_status(struct vm_manager *m, struct client *c, const Lxs__Guest__StatusReply *guest);

/* Everything that must happen once QEMU is gone, whatever the reason. */
static void vm_stopped(struct vm_manager *m, const char *why)
{
        enum vm_state was = m->state;
        m->state = VM_STOPPED;
        cancel_timer(m, &m->boot_timer);
        cancel_timer(m, &m->idle_timer);
        cancel_timer(m, &m->stop_timer);
        cancel_timer(m, &m->status_timer);
        if (m->pidfd_watch >= 0)
                lxs_loop_unwatch(m->d->loop, m->pidfd_watch);
        if (m->control_watch >= 0)
                lxs_loop_unwatch(m->d->loop, m->control_watch);
        m->pidfd_watch = m->control_watch = -1;
        lxs_vm_release(&m->vm);
        lxs_frame_reader_free(&m->rd);
        lxs_outq_free(&m->out);
        free(m->kernel_release);
        m->kernel_release = NULL;
        lxsd_shares_free(&m->shares);
        forward_reset(m);
        lxs_strv_freep(&m->host_programs);
        m->host_programs = NULL;
        m->n_host_programs = 0;
        _cleanup_free_ char *pidfile = lxs_path_join(m->d->runtime_dir, "qemu.pid");
        if (pidfile)
                unlink(pidfile);

        sessions_vm_died(m, why);
        host_execs_vm_stopped(m);
        distros_vm_stopped(m, why);
        if (was == VM_STARTING) {
                char tail[512], msg[1024];
                console_tail(m, tail, sizeof(tail));
                snprintf(msg, sizeof(msg), "utility VM: failed to boot: %s%s%s", why, tail[0] ? ": " : "", tail);
                lxsd_log("%s", msg);
                fail_boot_waiters(m, EIO, msg);
        }
        struct waiter *w = waiters_take(&m->stop_waiters);
        while (w) {
                struct waiter *next = w->next;
                client_send_ok(w->client);
                free(w);
                w = next;
        }
        w = waiters_take(&m->status_waiters);
        while (w) {
                struct waiter *next = w->next;
                reply_status(m, w->client, NULL);
                free(w);
                w = next;
        }
        /* Someone asked for the VM while it was going down: boot a fresh one. */
        if (m->boot_waiters) {
                struct waiter *pending = waiters_take(&m->boot_waiters);
                while (pending) {
                        struct waiter *next = pending->next;
                        struct client *c = pending->client;
                        free(pending);
                        vm_request_running(m, c);
                        pending = next;
                }
        }
}

static void reap_qemu(struct vm_manager *m, const char *why)
{
        int status = 0;
        char text[256];
        if (m->driver->reap(&m->vm, &status) == 0) {
                if (WIFSIGNALED(status))
                        snprintf(text, sizeof(text), "%s (QEMU killed by signal %d)", why, WTERMSIG(status));
                else
                        snprintf(text, sizeof(text), "%s (QEMU exited with status %d)", why, WEXITSTATUS(status));
        } else {
                snprintf(text, sizeof(text), "%s", why);
        }
        lxsd_log("utility VM stopped: %s", text);
        vm_stopped(m, text);
}

void vm_kill_now(struct vm_manager *m, const char *why)
{
        if (m->state == VM_STOPPED)
                return;
        lxsd_log("utility VM: killing: %s", why);
        m->driver->kill(&m->vm);
        lxsd_log("utility VM stopped: %s", why);
        vm_stopped(m, why);
}

static void on_qemu_exit(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct vm_manager *m = data;
        const char *why = m->state == VM_STOPPING ? "shut down" : "the utility VM stopped unexpectedly";
        reap_qemu(m, why);
}

static void on_control_io(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct vm_manager *m = data;
        if (revents & POLLOUT) {
                int r = lxs_outq_flush(&m->out, fd);
                if (r == 0)
                        lxs_loop_watch_events(loop, m->control_watch, POLLIN);
                else if (r != -EAGAIN) {
                        /* QEMU is going away; its pidfd will tell us when it is gone. */
                        lxs_loop_unwatch(loop, m->control_watch);
                        m->control_watch = -1;
                        return;
                }
        }
        if (revents & (POLLIN | POLLHUP | POLLERR))
                guest_channel_readable(m);
}

static void on_boot_timeout(struct lxs_loop *loop, void *data)
{
        struct vm_manager *m = data;
        m->boot_timer = -1;
        char msg[128];
        snprintf(msg, sizeof(msg), "no answer from the guest within %u s", BOOT_TIMEOUT_MS / 1000);
        vm_kill_now(m, msg);
}

static void on_idle_timeout(struct lxs_loop *loop, void *data)
{
        struct vm_manager *m = data;
        m->idle_timer = -1;
        if (m->state != VM_RUNNING || m->nsessions > 0 || m->ndistros > 0)
                return;
        lxsd_log("utility VM idle for %u ms: shutting down", m->cfg.vm_idle_timeout_ms);
        vm_request_stop(m, NULL, false);
}

static void on_stop_timeout(struct lxs_loop *loop, void *data)
{
        struct vm_manager *m = data;
        m->stop_timer = -1;
        vm_kill_now(m, "the guest did not power off in time");
}

void vm_update_idle(struct vm_manager *m)
{
        /* A running distro keeps the VM: it has its own idle timeout (instanceIdleTimeout). */
        bool idle = m->state == VM_RUNNING && m->nsessions == 0 && m->ndistros == 0 && !m->boot_waiters;
        if (!idle) {
                cancel_timer(m, &m->idle_timer);
                return;
        }
        if (m->idle_timer >= 0 || m->cfg.vm_idle_timeout_ms == 0)
                return;
        m->idle_timer = lxs_loop_timer(m->d->loop, m->cfg.vm_idle_timeout_ms, on_idle_timeout, m);
}

static void write_pidfile(struct vm_manager *m)
{
        _cleanup_free_ char *path = lxs_path_join(m->d->runtime_dir, "qemu.pid");
        char text[32];
        int n = snprintf(text, sizeof(text), "%d\n", (int)m->vm.pid);
        if (path)
                lxs_write_file_atomic(path, text, (size_t)n, 0600);
}

/* Picks the kernel and initramfs to boot. The image dir holds the packaged pair; a configured
 * kernel must be of the release the initramfs' modules were built for. */
static int choose_image(struct vm_manager *m, char **kernel, char **initrd, char *err, size_t errlen)
{
        _cleanup_free_ char *packaged = lxs_path_join(m->d->image_dir, "vmlinux");
        _cleanup_free_ char *rd = lxs_path_join(m->d->image_dir, "initramfs.img");
        _cleanup_free_ char *relpath = lxs_path_join(m->d->image_dir, "kernel.release");
        if (!packaged || !rd || !relpath)
                return -ENOMEM;
        if (access(rd, R_OK) < 0) {
                int e = errno;
                snprintf(err, errlen, "utility VM: %s: %s (is lxs installed? run ./setup.sh)", rd, strerror(e));
                return -e;
        }
        if (!m->cfg.kernel) {
                if (access(packaged, R_OK) < 0) {
                        int e = errno;
                        snprintf(err, errlen, "utility VM: %s: %s (is lxs installed? run ./setup.sh)", packaged,
                                 strerror(e));
                        return -e;
                }
                *kernel = TAKE_PTR(packaged);
                *initrd = TAKE_PTR(rd);
                return 0;
        }
        _cleanup_free_ char *want = NULL, *have = NULL;
        int r = lxs_read_file(relpath, 256, &want);
        if (r < 0) {
                snprintf(err, errlen, "utility VM: %s: %s", relpath, strerror(-r));
                return r;
        }
        want[strcspn(want, "\r\n")] = '\0';
        r = lxs_kernel_release(m->cfg.kernel, &have);
        if (r < 0) {
                snprintf(err, errlen, "kernel: %s: cannot read its release: %s", m->cfg.kernel, strerror(-r));
                return r;
        }
        if (strcmp(want, have) != 0) {
                snprintf(err, errlen,
                         "kernel: %s: release %s does not match the guest image's modules (%s); "
                         "use a kernel of release %s or remove 'kernel' from lxs.conf",
                         m->cfg.kernel, have, want, want);
                return -EINVAL;
        }
        *kernel = strdup(m->cfg.kernel);
        *initrd = TAKE_PTR(rd);
        return *kernel ? 0 : -ENOMEM;
}

static void log_config_warning(const char *message, void *data)
{
        lxsd_log("warning: %s", message);
}

static int vm_boot(struct vm_manager *m, char *err, size_t errlen)
{
        struct lxs_config cfg;
        _cleanup_free_ char *cfg_error = NULL;
        int r = lxs_config_load(m->d->config_path, &cfg, log_config_warning, NULL, &cfg_error);
        if (r < 0) {
                snprintf(err, errlen, "%s", cfg_error ? cfg_error : strerror(-r));
                return r;
        }
        lxs_config_free(&m->cfg);
        m->cfg = cfg;

        _cleanup_free_ char *kernel = NULL, *initrd = NULL;
        r = choose_image(m, &kernel, &initrd, err, errlen);
        if (r < 0)
                return r;
        _cleanup_free_ char *console = lxs_path_join(m->d->state_dir, "console.log");
        if (!console)
                return -ENOMEM;
        r = lxsd_shares_resolve(&cfg, &m->shares);
        if (r < 0)
                return r;
        struct lxs_vm_params p = {
                .shares = (const char *const *)m->shares.paths,
                .n_shares = m->shares.n,
                .nat_network = cfg.nat_network,
                .qemu = getenv("LXS_QEMU"),
                .kernel = kernel,
                .initrd = initrd,
                .cmdline_extra = cfg.kernel_cmdline,
                .memory_mib = cfg.memory_mib,
                .processors = cfg.processors,
                .accel = lxs_accel_resolve(cfg.accel, NULL, NULL),
                .machine = cfg.machine,
                .runtime_dir = m->d->runtime_dir,
                .console_log = console,
        };
        _cleanup_free_ char *detail = NULL;
        m->vm = (struct lxs_vm){ .pid = -1, .pidfd = -1, .control_fd = -1, .qmp_fd = -1 };
        r = m->driver->start(&p, &m->vm, &detail);
        if (r < 0) {
                snprintf(err, errlen, "utility VM: cannot start QEMU: %s", detail ? detail : strerror(-r));
                return r;
        }
        free(m->kernel);
        m->kernel = TAKE_PTR(kernel);
        m->started_ms = lxsd_now_ms();
        lxs_frame_reader_init(&m->rd);
        lxs_outq_init(&m->out);
        lxs_set_nonblock(m->vm.control_fd, 1);
        m->pidfd_watch = lxs_loop_watch(m->d->loop, m->vm.pidfd, POLLIN, on_qemu_exit, m);
        m->control_watch = lxs_loop_watch(m->d->loop, m->vm.control_fd, POLLIN, on_control_io, m);
        m->boot_timer = lxs_loop_timer(m->d->loop, BOOT_TIMEOUT_MS, on_boot_timeout, m);
        m->state = VM_STARTING;
        write_pidfile(m);
        lxsd_log("utility VM starting: pid %d, %s, %s, %u MiB, %u CPUs, kernel %s", (int)m->vm.pid,
                 lxs_accel_name(m->vm.accel), cfg.machine, cfg.memory_mib,
                 cfg.processors, m->kernel);
        return 0;
}

void vm_guest_ready(struct vm_manager *m)
{
        cancel_timer(m, &m->boot_timer);
        m->state = VM_RUNNING;
        lxsd_log("utility VM running: kernel %s, booted in %llu ms", m->kernel_release ? m->kernel_release : "?",
                 (unsigned long long)(lxsd_now_ms() - m->started_ms));
        distros_vm_running(m);
        struct waiter *w = waiters_take(&m->boot_waiters);
        while (w) {
                struct waiter *next = w->next;
                struct client *c = w->client;
                free(w);
                if (!c->dead && c->state == CLIENT_WAIT_BOOT)
                        vm_request_running(m, c);
                w = next;
        }
        vm_update_idle(m);
}

/* QEMU may have died a moment ago with its pidfd event still queued behind this request;
 * a zero-timeout poll answers that for the price of one syscall. */
static bool qemu_already_gone(struct vm_manager *m)
{
        if (m->state == VM_STOPPED || m->vm.pidfd < 0)
                return false;
        struct pollfd p = { .fd = m->vm.pidfd, .events = POLLIN };
        return poll(&p, 1, 0) == 1;
}

/* While the VM boots: a distro's check and disk attach start now, to overlap with the boot;
 * anything else waits for the guest. */
static void wait_for_boot(struct vm_manager *m, struct client *c)
{
        if (c->pending && !c->pending->exec->system) {
                distro_exec(m, c);
                return;
        }
        waiter_add(&m->boot_waiters, c);
        vm_update_idle(m);
}

void vm_request_running(struct vm_manager *m, struct client *c)
{
        if (qemu_already_gone(m))
                reap_qemu(m, "the utility VM stopped unexpectedly");
        switch (m->state) {
        case VM_RUNNING: {
                if (!c->pending)
                        return;
                if (!c->pending->exec->system) {
                        distro_exec(m, c);
                        vm_update_idle(m);
                        return;
                }
                Lxs__Service__Request *req = TAKE_PTR(c->pending);
                int r = session_start(m, c, req->exec, NULL);
                lxs__service__request__free_unpacked(req, NULL);
                if (r < 0)
                        client_send_error(c, -r, "exec: %s", strerror(-r));
                vm_update_idle(m);
                return;
        }
        case VM_STARTING:
                wait_for_boot(m, c);
                return;
        case VM_STOPPING:
                waiter_add(&m->boot_waiters, c);
                vm_update_idle(m);
                return;
        case VM_STOPPED: {
                char err[1024] = "";
                int r = vm_boot(m, err, sizeof(err));
                if (r < 0) {
                        lxsd_log("%s", err);
                        client_send_error(c, -r, "%s", err);
                        return;
                }
                wait_for_boot(m, c);
                return;
        }
        }
}

void vm_request_stop(struct vm_manager *m, struct client *c, bool force)
{
        if (m->state == VM_STOPPED) {
                if (c)
                        client_send_ok(c);
                return;
        }
        if (c)
                waiter_add(&m->stop_waiters, c);
        /* A guest that is still booting cannot obey a Shutdown message yet. */
        if (force || m->state == VM_STARTING) {
                vm_kill_now(m, force ? "forced shutdown requested" : "shutdown requested during boot");
                return;
        }
        if (m->state == VM_STOPPING)
                return;
        m->state = VM_STOPPING;
        cancel_timer(m, &m->idle_timer);
        Lxs__Guest__Shutdown sd = LXS__GUEST__SHUTDOWN__INIT;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_SHUTDOWN;
        msg.shutdown = &sd;
        vm_send(m, &msg.base);
        m->stop_timer = lxs_loop_timer(m->d->loop, STOP_TIMEOUT_MS, on_stop_timeout, m);
}

static void reply_status(struct vm_manager *m, struct client *c, const Lxs__Guest__StatusReply *guest)
{
        const struct lxs_config *cfg = &m->cfg;
        struct lxs_config fresh;
        bool use_fresh = false;
        if (m->state == VM_STOPPED) {
                /* Show what the next boot would use. */
                if (lxs_config_load(m->d->config_path, &fresh, NULL, NULL, NULL) == 0) {
                        cfg = &fresh;
                        use_fresh = true;
                }
        }
        Lxs__Service__StatusReply st = LXS__SERVICE__STATUS_REPLY__INIT;
        st.vm_state = (char *)vm_state_name(m->state);
        enum lxs_accel accel = m->state == VM_STOPPED ? lxs_accel_resolve(cfg->accel, NULL, NULL) : m->vm.accel;
        st.accel = (char *)lxs_accel_name(accel);
        _cleanup_free_ char *packaged = lxs_path_join(m->d->image_dir, "vmlinux");
        st.kernel = m->state != VM_STOPPED && m->kernel ? m->kernel : (cfg->kernel ? cfg->kernel : packaged);
        _cleanup_free_ char *release = NULL;
        if (m->kernel_release) {
                st.kernel_release = m->kernel_release;
        } else {
                _cleanup_free_ char *relpath = lxs_path_join(m->d->image_dir, "kernel.release");
                if (relpath && lxs_read_file(relpath, 256, &release) >= 0) {
                        release[strcspn(release, "\r\n")] = '\0';
                        st.kernel_release = release;
                }
        }
        st.memory_mib = cfg->memory_mib;
        st.processors = cfg->processors;
        st.machine = (char *)cfg->machine;
        st.uptime_ms = m->state == VM_STOPPED ? 0 : lxsd_now_ms() - m->started_ms;
        st.qemu_pid = m->state == VM_STOPPED ? 0 : m->vm.pid;
        st.sessions = m->nsessions;
        st.idle_timeout_s = cfg->vm_idle_timeout_ms / 1000;
        _cleanup_free_ char *console = lxs_path_join(m->d->state_dir, "console.log");
        st.console_log = console;
        st.service_pid = getpid();
        if (guest)
                st.guest_mem_available_kib = guest->mem_available_kib;
        Lxs__Service__Reply reply = LXS__SERVICE__REPLY__INIT;
        reply.msg_case = LXS__SERVICE__REPLY__MSG_STATUS;
        reply.status = &st;
        c->state = CLIENT_CLOSING;
        client_send(c, &reply.base);
        if (use_fresh)
                lxs_config_free(&fresh);
}

static void on_status_timeout(struct lxs_loop *loop, void *data)
{
        struct vm_manager *m = data;
        m->status_timer = -1;
        lxsd_log("guest: no answer to a status request within %u ms", STATUS_TIMEOUT_MS);
        vm_status_reply(m, NULL);
}

void vm_request_status(struct vm_manager *m, struct client *c)
{
        if (m->state != VM_RUNNING) {
                reply_status(m, c, NULL);
                return;
        }
        bool ask = m->status_waiters == NULL;
        waiter_add(&m->status_waiters, c);
        if (ask) {
                Lxs__Guest__StatusRequest sr = LXS__GUEST__STATUS_REQUEST__INIT;
                Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
                msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_STATUS_REQUEST;
                msg.status_request = &sr;
                vm_send(m, &msg.base);
                m->status_timer = lxs_loop_timer(m->d->loop, STATUS_TIMEOUT_MS, on_status_timeout, m);
        }
}

void vm_status_reply(struct vm_manager *m, const Lxs__Guest__StatusReply *guest)
{
        cancel_timer(m, &m->status_timer);
        struct waiter *w = waiters_take(&m->status_waiters);
        while (w) {
                struct waiter *next = w->next;
                reply_status(m, w->client, guest);
                free(w);
                w = next;
        }
}
