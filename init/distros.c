/* The distro table and each distro's lifecycle; see distros.h for the contract.
 *
 * Everything that waits (modules, the disk, the distro's init getting ready, processes dying)
 * is a state of the distro driven by the event loop, never a blocking wait: PID 1 keeps
 * relaying other sessions meanwhile, and the processes of a dying distro include sessions that
 * only PID 1 can reap. Every path out of a distro goes through begin_teardown() -> finish(),
 * which sends the answers the host is owed. */
#include "distros.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "control-channel.h"
#include "control-port.h"
#include "distro-disk.h"
#include "distro.h"
#include "event-loop.h"
#include "host-execs.h"
#include "report.h"
#include "system-settings.h"

/* Backstop for a missed uevent while waiting for the disk. */
#define DISK_POLL_MS 250
/* While cleaning up: how often to look whether the distro's processes are gone. */
#define CLEANUP_POLL_MS 20

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool lxs_distro_name_valid(const char *name)
{
        size_t n = strlen(name);
        if (n == 0 || n > LXS_DISTRO_NAME_MAX || name[0] == '-' || strcmp(name, ".") == 0 ||
            strcmp(name, "..") == 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-'))
                        return false;
        }
        return true;
}

static void on_inotify(struct lxs_loop *loop, int fd, uint32_t revents, void *data);

int lxs_distros_new(struct lxs_loop *loop, struct lxs_distros **ret)
{
        struct lxs_distros *ds = calloc(1, sizeof(*ds));
        if (!ds)
                return -ENOMEM;
        ds->loop = loop;
        ds->uevent_fd = ds->uevent_watch = -1;
        ds->inotify_watch = -1;
        ds->self_pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        ds->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (ds->inotify_fd >= 0)
                ds->inotify_watch = lxs_loop_watch(loop, ds->inotify_fd, POLLIN, on_inotify, ds);
        if (ds->self_pidns_fd < 0 || ds->inotify_fd < 0 || ds->inotify_watch < 0) {
                int r = ds->inotify_watch < 0 && ds->inotify_fd >= 0 ? ds->inotify_watch : -errno;
                if (ds->self_pidns_fd >= 0)
                        close(ds->self_pidns_fd);
                if (ds->inotify_fd >= 0)
                        close(ds->inotify_fd);
                free(ds);
                return r;
        }
        *ret = ds;
        return 0;
}

void lxs_distros_set_channel(struct lxs_distros *ds, struct lxs_channel *ch)
{
        ds->channel = ch;
}

void lxs_distros_set_host_execs(struct lxs_distros *ds, struct lxs_host_execs *hx)
{
        ds->host_execs = hx;
}

unsigned lxs_distros_count(const struct lxs_distros *ds)
{
        return ds->count;
}

struct distro *distro_find(struct lxs_distros *ds, const char *name)
{
        for (struct distro *d = ds->head; d; d = d->next)
                if (strcmp(d->name, name) == 0)
                        return d;
        return NULL;
}

static void send_msg(struct lxs_distros *ds, Lxs__Guest__GuestToHost *out)
{
        if (ds->channel)
                lxs_channel_send(ds->channel, out);
}

static void send_started(struct distro *d)
{
        Lxs__Guest__DistroStarted st = LXS__GUEST__DISTRO_STARTED__INIT;
        st.name = d->name;
        st.init_pid = d->init_pid;
        st.warnings = d->conf.warnings;
        st.n_warnings = d->conf.n_warnings;
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STARTED;
        out.distro_started = &st;
        send_msg(d->owner, &out);
}

static void send_failed(struct lxs_distros *ds, const char *name, int errno_value, const char *detail)
{
        Lxs__Guest__DistroFailed f = LXS__GUEST__DISTRO_FAILED__INIT;
        f.name = (char *)name;
        f.errno_value = errno_value;
        f.detail = (char *)detail;
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_FAILED;
        out.distro_failed = &f;
        send_msg(ds, &out);
}

static void send_stopped(struct lxs_distros *ds, const char *name, const char *reason)
{
        Lxs__Guest__DistroStopped st = LXS__GUEST__DISTRO_STOPPED__INIT;
        st.name = (char *)name;
        st.reason = (char *)(reason ? reason : "");
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STOPPED;
        out.distro_stopped = &st;
        send_msg(ds, &out);
}

static void send_activity(struct distro *d)
{
        Lxs__Guest__DistroActivity a = LXS__GUEST__DISTRO_ACTIVITY__INIT;
        a.name = d->name;
        a.busy = d->busy;
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_ACTIVITY;
        out.distro_activity = &a;
        send_msg(d->owner, &out);
}

static void set_timer(struct distro *d, uint64_t ms, lxs_timer_cb cb)
{
        if (d->timer >= 0)
                lxs_loop_cancel_timer(d->owner->loop, d->timer);
        d->timer = lxs_loop_timer(d->owner->loop, ms, cb, d);
}

static void cancel_timer(struct distro *d)
{
        if (d->timer >= 0)
                lxs_loop_cancel_timer(d->owner->loop, d->timer);
        d->timer = -1;
}

static void close_report(struct distro *d)
{
        if (d->report_watch >= 0)
                lxs_loop_unwatch(d->owner->loop, d->report_watch);
        if (d->report_fd >= 0)
                close(d->report_fd);
        d->report_watch = d->report_fd = -1;
}

static void close_interop(struct distro *d)
{
        if (d->interop_watch >= 0)
                lxs_loop_unwatch(d->owner->loop, d->interop_watch);
        if (d->interop_fd >= 0)
                close(d->interop_fd);
        d->interop_watch = d->interop_fd = -1;
}

/* Callers of lxs-host in the distro; the socket tells which distro they are in. */
static void on_interop(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct distro *d = data;
        for (int i = 0; i < 16; i++) {
                int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (c < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                lxs_report(errno, false, NULL, "distro %s: accept on %s", d->name, LXS_INTEROP_SOCKET);
                        return;
                }
                if (d->owner->host_execs)
                        lxs_host_execs_accept(d->owner->host_execs, c, d->name, d->conf.interop_enabled);
                else
                        close(c);
        }
}

static void unwatch_activity(struct distro *d)
{
        if (d->events_wd >= 0)
                inotify_rm_watch(d->owner->inotify_fd, d->events_wd);
        d->events_wd = -1;
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static void distro_free(struct distro *d)
{
        struct lxs_distros *ds = d->owner;
        for (struct distro **p = &ds->head; *p; p = &(*p)->next)
                if (*p == d) {
                        *p = d->next;
                        break;
                }
        ds->count--;
        cancel_timer(d);
        close_report(d);
        close_interop(d);
        unwatch_activity(d);
        close_fd(&d->pidfd);
        close_fd(&d->sessions_procs_fd);
        close_fd(&d->init_procs_fd);
        lxs_distro_conf_free(&d->conf);
        free(d->hostname);
        free(d->resolv_conf);
        free(d->host_alias);
        free(d->fail_detail);
        free(d->stop_reason);
        free(d);
}

/* The end of every distro: unmount, remove the cgroups, answer, forget. */
static void finish(struct distro *d)
{
        struct lxs_distros *ds = d->owner;
        cancel_timer(d);
        close_fd(&d->pidfd);
        close_fd(&d->sessions_procs_fd);
        close_fd(&d->init_procs_fd);
        int r = distro_unmount(d);
        if (r < 0)
                lxs_report(-r, false, "still in use, detached lazily", "unmount distro %s", d->name);
        sync();
        distro_cgroup_remove(d);
        if (d->answer_start)
                send_failed(ds, d->name, d->fail_errno ? d->fail_errno : ECANCELED,
                            d->fail_detail ? d->fail_detail : "stopped while starting");
        if (d->answer_stop)
                send_stopped(ds, d->name, d->stop_reason);
        distro_free(d);
}

static void continue_teardown(struct distro *d);

static void on_cleanup_timer(struct lxs_loop *loop, void *data)
{
        struct distro *d = data;
        d->timer = -1;
        continue_teardown(d);
}

/* Waits (polling, briefly) until the distro's init is reaped and its cgroup is empty, or the
 * kill wait is over; then finishes. */
static void continue_teardown(struct distro *d)
{
        bool waiting = (d->init_pid && !d->init_reaped) || distro_populated(d, NULL);
        if (waiting && now_ms() < d->deadline_ms) {
                set_timer(d, CLEANUP_POLL_MS, on_cleanup_timer);
                return;
        }
        finish(d);
}

static void begin_teardown(struct distro *d)
{
        d->state = DISTRO_CLEANUP;
        cancel_timer(d);
        close_report(d);
        close_interop(d);
        unwatch_activity(d);
        d->deadline_ms = now_ms() + DISTRO_KILL_WAIT_MS;
        if (distro_cgroup_kill(d) < 0 && d->init_pid && !d->init_reaped)
                kill(d->init_pid, SIGKILL);
        continue_teardown(d);
}

static void fail_start(struct distro *d, int errno_value, const char *detail)
{
        d->fail_errno = errno_value;
        free(d->fail_detail);
        d->fail_detail = strdup(detail);
        begin_teardown(d);
}

static void on_report(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct distro *d = data;
        for (;;) {
                struct lxs_container_record rec;
                ssize_t n = read(fd, &rec, sizeof(rec));
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return;
                if (n != (ssize_t)sizeof(rec)) {
                        fail_start(d, EIO, "the distro's init ended during its set-up");
                        return;
                }
                rec.text[sizeof(rec.text) - 1] = '\0';
                char detail[1200];
                switch (rec.kind) {
                case LXS_CONTAINER_WARNING:
                        lxs_distro_conf_warn(&d->conf, "%s", rec.text);
                        continue;
                case LXS_CONTAINER_READY:
                        close_report(d);
                        d->state = DISTRO_RUNNING;
                        d->answer_start = false;
                        char path[DISTRO_PATH_MAX + 64];
                        snprintf(path, sizeof(path), "%s/sessions/cgroup.events", d->cgroup);
                        d->events_wd = inotify_add_watch(d->owner->inotify_fd, path, IN_MODIFY);
                        if (d->events_wd < 0)
                                lxs_report(errno, false, path, "watch distro %s activity", d->name);
                        if (d->interop_fd >= 0) {
                                d->interop_watch = lxs_loop_watch(d->owner->loop, d->interop_fd, POLLIN, on_interop, d);
                                if (d->interop_watch < 0)
                                        lxs_report(-d->interop_watch, false, NULL, "distro %s: watch %s", d->name,
                                                   LXS_INTEROP_SOCKET);
                        }
                        send_started(d);
                        return;
                default:
                        snprintf(detail, sizeof(detail), "%s: %s", rec.text, strerror(rec.errno_value));
                        fail_start(d, rec.errno_value > 0 ? rec.errno_value : EIO, detail);
                        return;
                }
        }
}

static void proceed(struct distro *d)
{
        struct lxs_distros *ds = d->owner;
        d->state = DISTRO_STARTING;
        cancel_timer(d);
        char detail[PATH_MAX + 200];
        int r = distro_mount(d, detail, sizeof(detail));
        if (r < 0) {
                fail_start(d, -r, detail);
                return;
        }
        _cleanup_close_ int root = open(d->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        r = root < 0 ? -errno : lxs_distro_conf_load(&d->conf, root);
        if (r < 0) {
                snprintf(detail, sizeof(detail), "read %s: %s", LXS_DISTRO_CONF_PATH, strerror(-r));
                fail_start(d, -r, detail);
                return;
        }
        close_fd(&root);
        if (d->conf.hostname) {
                char *h = strdup(d->conf.hostname);
                if (h) {
                        free(d->hostname);
                        d->hostname = h;
                }
        }
        if (!d->conf.generate_resolv_conf) {
                free(d->resolv_conf);
                d->resolv_conf = NULL;
        }
        r = distro_cgroup_create(d, detail, sizeof(detail));
        if (r == 0)
                r = distro_spawn_init(d, detail, sizeof(detail));
        if (r < 0) {
                fail_start(d, -r, detail);
                return;
        }
        d->report_watch = lxs_loop_watch(ds->loop, d->report_fd, POLLIN, on_report, d);
        if (d->report_watch < 0)
                fail_start(d, -d->report_watch, "watch the distro's init");
}

/* True when the disk is there (and the start went on, successfully or not). */
static bool try_disk(struct distro *d)
{
        if (lxs_disk_find("/sys", d->scsi_target, d->disk, sizeof(d->disk)) < 0)
                return false;
        /* The node must open: right after a detach and re-attach, the old disk's name can
         * still be listed while it is being deleted (ENXIO), and the new one comes next. */
        char dev[64];
        struct stat st;
        snprintf(dev, sizeof(dev), "/dev/%s", d->disk);
        _cleanup_close_ int fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode))
                return false;
        close_fd(&fd);
        proceed(d);
        return true;
}

static bool anyone_waits_for_disk(struct lxs_distros *ds)
{
        for (struct distro *d = ds->head; d; d = d->next)
                if (d->state == DISTRO_WAIT_DISK)
                        return true;
        return false;
}

static void check_waiting_disks(struct lxs_distros *ds)
{
        for (struct distro *d = ds->head, *next; d; d = next) {
                next = d->next;
                if (d->state == DISTRO_WAIT_DISK)
                        try_disk(d);
        }
        if (!anyone_waits_for_disk(ds) && ds->uevent_fd >= 0) {
                lxs_loop_unwatch(ds->loop, ds->uevent_watch);
                close(ds->uevent_fd);
                ds->uevent_fd = ds->uevent_watch = -1;
        }
}

static void on_uevent(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        char buf[4096];
        while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0 || errno == ENOBUFS)
                ;
        check_waiting_disks(data);
}

static void on_disk_timer(struct lxs_loop *loop, void *data)
{
        struct distro *d = data;
        d->timer = -1;
        if (try_disk(d))
                return;
        if (now_ms() < d->deadline_ms) {
                set_timer(d, DISK_POLL_MS, on_disk_timer);
                return;
        }
        char detail[128];
        snprintf(detail, sizeof(detail), "its disk (SCSI 0:0:%u:0) did not appear within %d s", d->scsi_target,
                 DISTRO_DISK_WAIT_MS / 1000);
        fail_start(d, ETIMEDOUT, detail);
}

static void wait_disk(struct distro *d)
{
        struct lxs_distros *ds = d->owner;
        d->state = DISTRO_WAIT_DISK;
        if (ds->uevent_fd < 0) {
                /* Listen first, then look: a disk added in between is seen either way. */
                ds->uevent_fd = lxs_uevent_open();
                if (ds->uevent_fd >= 0) {
                        ds->uevent_watch = lxs_loop_watch(ds->loop, ds->uevent_fd, POLLIN, on_uevent, ds);
                        if (ds->uevent_watch < 0) {
                                close(ds->uevent_fd);
                                ds->uevent_fd = -1;
                        }
                }
        }
        if (try_disk(d))
                return;
        d->deadline_ms = now_ms() + DISTRO_DISK_WAIT_MS;
        set_timer(d, DISK_POLL_MS, on_disk_timer);
}

void lxs_distros_modules_ready(struct lxs_distros *ds)
{
        ds->modules_ready = true;
        for (struct distro *d = ds->head, *next; d; d = next) {
                next = d->next;
                if (d->state == DISTRO_WAIT_MODULES)
                        wait_disk(d);
        }
}

static int init_distro(struct distro *d, const Lxs__Guest__DistroStart *m, char *detail, size_t size)
{
        snprintf(d->name, sizeof(d->name), "%s", m->name);
        d->scsi_target = m->scsi_target;
        d->default_uid = m->default_uid;
        d->timer = d->report_fd = d->report_watch = d->events_wd = -1;
        d->interop_fd = d->interop_watch = -1;
        d->pidfd = d->sessions_procs_fd = d->init_procs_fd = -1;
        if (lxs_distro_conf_init(&d->conf) < 0)
                return -ENOMEM;
        const char *hostname = m->hostname && *m->hostname ? m->hostname :
                               lxs_hostname_valid(m->name) ? m->name : "localhost";
        if (!lxs_hostname_valid(hostname)) {
                snprintf(detail, size, "invalid hostname '%s'", hostname);
                return -EINVAL;
        }
        d->hostname = strdup(hostname);
        if (!d->hostname)
                return -ENOMEM;
        if (m->resolv_conf && *m->resolv_conf && !(d->resolv_conf = strdup(m->resolv_conf)))
                return -ENOMEM;
        if (m->host_alias && *m->host_alias) {
                /* It becomes a line of /etc/hosts: a host name, nothing else. */
                if (!lxs_hostname_valid(m->host_alias)) {
                        snprintf(detail, size, "invalid host alias '%.64s'", m->host_alias);
                        return -EINVAL;
                }
                if (!(d->host_alias = strdup(m->host_alias)))
                        return -ENOMEM;
        }
        return 0;
}

void lxs_distros_start(struct lxs_distros *ds, const Lxs__Guest__DistroStart *m)
{
        char detail[256];
        if (!lxs_distro_name_valid(m->name)) {
                snprintf(detail, sizeof(detail), "invalid distro name '%.64s'", m->name);
                send_failed(ds, m->name, EINVAL, detail);
                return;
        }
        struct distro *d = distro_find(ds, m->name);
        if (d) {
                if (d->state == DISTRO_RUNNING) {
                        send_started(d);
                } else if (d->state == DISTRO_STOPPING || d->state == DISTRO_CLEANUP) {
                        snprintf(detail, sizeof(detail), "distro %s is stopping", m->name);
                        send_failed(ds, m->name, EBUSY, detail);
                }
                /* Otherwise the start under way gives the answer. */
                return;
        }
        if (m->scsi_target >= LXS_MAX_RUNNING_DISTROS) {
                snprintf(detail, sizeof(detail), "SCSI target %u out of range", m->scsi_target);
                send_failed(ds, m->name, EINVAL, detail);
                return;
        }
        for (struct distro *o = ds->head; o; o = o->next)
                if (o->scsi_target == m->scsi_target) {
                        snprintf(detail, sizeof(detail), "SCSI target %u is distro %s's", m->scsi_target, o->name);
                        send_failed(ds, m->name, EBUSY, detail);
                        return;
                }
        d = calloc(1, sizeof(*d));
        if (!d) {
                send_failed(ds, m->name, ENOMEM, "out of memory");
                return;
        }
        d->owner = ds;
        d->next = ds->head;
        ds->head = d;
        ds->count++;
        d->answer_start = true;
        int r = init_distro(d, m, detail, sizeof(detail));
        if (r < 0) {
                fail_start(d, -r, r == -ENOMEM ? "out of memory" : detail);
                return;
        }
        if (ds->modules_ready)
                wait_disk(d);
        else
                d->state = DISTRO_WAIT_MODULES;
}

static void on_grace_timer(struct lxs_loop *loop, void *data)
{
        struct distro *d = data;
        d->timer = -1;
        begin_teardown(d);
}

void lxs_distros_stop(struct lxs_distros *ds, const Lxs__Guest__DistroStop *m)
{
        struct distro *d = distro_find(ds, m->name);
        if (!d) {
                send_stopped(ds, m->name, NULL);
                return;
        }
        d->answer_stop = true;
        switch (d->state) {
        case DISTRO_WAIT_MODULES:
        case DISTRO_WAIT_DISK:
        case DISTRO_STARTING:
                fail_start(d, ECANCELED, "stopped while starting");
                break;
        case DISTRO_RUNNING:
                d->state = DISTRO_STOPPING;
                unwatch_activity(d);
                distro_signal_all(d, SIGTERM);
                set_timer(d, DISTRO_STOP_GRACE_MS, on_grace_timer);
                break;
        case DISTRO_STOPPING:
        case DISTRO_CLEANUP:
                break; /* one DistroStopped answers every stop */
        }
}

static char *describe_exit(int status)
{
        char *s = NULL;
        int r;
        if (WIFSIGNALED(status))
                r = asprintf(&s, "the distro's init was killed by signal %d (%s)", WTERMSIG(status),
                             strsignal(WTERMSIG(status)));
        else
                r = asprintf(&s, "the distro's init exited with status %d", WEXITSTATUS(status));
        return r < 0 ? NULL : s;
}

bool lxs_distros_child_exited(struct lxs_distros *ds, pid_t pid, int status)
{
        for (struct distro *d = ds->head; d; d = d->next) {
                if (d->init_pid != pid || d->init_reaped)
                        continue;
                d->init_reaped = true;
                d->init_status = status;
                switch (d->state) {
                case DISTRO_RUNNING:
                        d->stop_reason = describe_exit(status);
                        d->answer_stop = true;
                        begin_teardown(d);
                        break;
                case DISTRO_STOPPING:
                        begin_teardown(d);
                        break;
                case DISTRO_CLEANUP:
                        continue_teardown(d);
                        break;
                default:
                        break; /* starting: the report pipe's end says why */
                }
                return true;
        }
        return false;
}

static void on_inotify(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct lxs_distros *ds = data;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n <= 0)
                        break;
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p;
                        p += sizeof(*ev) + ev->len;
                        for (struct distro *d = ds->head; d; d = d->next) {
                                if (d->events_wd != ev->wd || d->state != DISTRO_RUNNING)
                                        continue;
                                bool busy = distro_populated(d, "sessions");
                                if (busy != d->busy) {
                                        d->busy = busy;
                                        send_activity(d);
                                }
                        }
                }
        }
}

void lxs_distros_host_gone(struct lxs_distros *ds)
{
        for (struct distro *d = ds->head, *next; d; d = next) {
                next = d->next;
                d->answer_start = d->answer_stop = false;
                if (d->state != DISTRO_CLEANUP)
                        begin_teardown(d);
        }
}

void lxs_distros_shutdown(struct lxs_distros *ds)
{
        if (!ds)
                return;
        for (struct distro *d = ds->head; d; d = d->next) {
                int r = distro_unmount(d);
                if (r < 0)
                        lxs_report(-r, false, "still in use, detached lazily", "unmount distro %s", d->name);
                distro_cgroup_remove(d);
        }
}
