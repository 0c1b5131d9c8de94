/* The distros lxsd runs in the utility VM (docs/design-distro-sessions.md, "lxsd").
 *
 *   (none) --exec--> Starting: e2fsck on the host, hot-add the disk, DistroStart
 *   Starting --DistroStarted--> Running --terminate/idle--> Stopping --DistroStopped--> (none)
 *   Starting --e2fsck/attach failure, DistroFailed--> (none), the waiting clients told why
 *   Running --DistroStopped unasked--> (none), its sessions end with the reason
 *   the VM stops --> (none) for every distro
 *
 * A distro's slot in the table is its SCSI target. Clients that want a session in a distro
 * that is not Running yet wait in its start_waiters, exactly as clients wait for the VM; those
 * that arrive while it stops start it again once it is gone. The idle timer ([distro]
 * instanceIdleTimeout) runs while a Running distro has no session on the host side and the
 * guest last said nothing started by a session is alive in it.
 *
 * Everything the guest says about distros is checked against this table: a name lxsd does not
 * run, or an answer the distro's state does not expect (a late reply after a stop, a stale
 * DistroStopped racing a DistroStop), is logged and ignored. The guest cannot make lxsd attach,
 * detach or free anything it did not decide itself. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "log.h"
#include "lxsd.h"
#include "resolv.h"

/* Under TCG the guest mounts and sets up a distro in well under a second; this catches a
 * guest that will never answer. */
#define START_TIMEOUT_MS 30000u
/* The guest waits up to 2 s for processes to go after SIGTERM, then kills and unmounts. */
#define STOP_TIMEOUT_MS 15000u
/* resolv.conf is a few lines; anything beyond this is not one worth copying. */
#define RESOLV_CONF_MAX 16384
/* A guest-supplied text in our log or a Notice is cut here. */
#define GUEST_TEXT_MAX 512

const char *distro_state_name(enum distro_state s)
{
        static const char *const names[] = {
                [DISTRO_STARTING] = "Starting",
                [DISTRO_RUNNING] = "Running",
                [DISTRO_STOPPING] = "Stopping",
        };
        return names[s];
}

struct distro *distro_find(struct vm_manager *m, const char *name)
{
        /* Registry names are unique regardless of case, so a lookup is too. */
        for (unsigned i = 0; i < LXS_VM_MAX_DISKS; i++)
                if (m->distros[i] && strcasecmp(m->distros[i]->name, name) == 0)
                        return m->distros[i];
        return NULL;
}

static void cancel_timer(struct vm_manager *m, int *id)
{
        if (*id >= 0)
                lxs_loop_cancel_timer(m->d->loop, *id);
        *id = -1;
}

int distro_errno(int err)
{
        if (err <= 0 || err >= 4096 || err == ENOENT || err == EACCES || err == ENOEXEC)
                return EIO;
        return err;
}

int distro_lookup(const char *name, struct lxs_distro *out, char *err, size_t errlen)
{
        memset(out, 0, sizeof(*out));
        if (!name || !*name) {
                snprintf(err, errlen, "exec: no distribution named (--system runs in the utility VM itself)");
                return -EINVAL;
        }
        if (lxs_distro_name_check(name) < 0) {
                snprintf(err, errlen, "%.80s: no such distribution", name);
                return -ENODEV;
        }
        struct lxs_registry reg;
        int r = lxs_registry_open(&reg, NULL);
        if (r < 0) {
                snprintf(err, errlen, "%s: cannot start: registry: %s", name, strerror(-r));
                lxs_registry_close(&reg);
                return r;
        }
        r = lxs_registry_get(&reg, name, out);
        if (r == -ENOENT) {
                /* An import that has not finished is not a distribution yet. */
                _cleanup_strv_free_ char **pending = NULL;
                size_t npending = 0;
                bool importing = false;
                if (lxs_registry_list_pending(&reg, &pending, &npending) == 0)
                        for (size_t i = 0; i < npending; i++)
                                importing |= strcasecmp(pending[i], name) == 0;
                if (importing)
                        snprintf(err, errlen, "%s: cannot start: it is being imported", name);
                else
                        snprintf(err, errlen, "%s: no such distribution", name);
                lxs_registry_close(&reg);
                return importing ? -EBUSY : -ENODEV;
        }
        if (r < 0) {
                snprintf(err, errlen, "%s: cannot start: registry: %s", name, strerror(-r));
                lxs_registry_close(&reg);
                return r;
        }
        bool exporting = lxs_registry_is_exporting(&reg, out->name);
        lxs_registry_close(&reg);
        if (exporting) {
                snprintf(err, errlen, "%s: cannot start: it is being exported or unregistered", out->name);
                lxs_distro_clear(out);
                return -EBUSY;
        }
        return 0;
}

int distro_add(struct vm_manager *m, const char *name, const char *image, uint32_t default_uid,
               struct distro **out)
{
        unsigned slot = 0;
        while (slot < LXS_VM_MAX_DISKS && (m->distros[slot] || (m->stuck_targets >> slot & 1)))
                slot++;
        if (slot == LXS_VM_MAX_DISKS)
                return -EMFILE;
        struct distro *d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->name = strdup(name);
        d->image = strdup(image);
        if (!d->name || !d->image) {
                free(d->name);
                free(d->image);
                free(d);
                return -ENOMEM;
        }
        d->m = m;
        d->default_uid = default_uid;
        d->target = slot;
        d->state = DISTRO_STARTING;
        d->check = (struct image_check){ .pid = -1, .pidfd = -1, .out_fd = -1 };
        d->check_watch = d->start_timer = d->stop_timer = d->idle_timer = -1;
        d->started_ms = lxsd_now_ms();
        m->distros[slot] = d;
        m->ndistros++;
        *out = d;
        return 0;
}

static void send_distro_stop(struct distro *d);

/* Removes the distro from the table and frees it. Its sessions, waiters and disk must have
 * been dealt with. */
static void distro_free(struct distro *d)
{
        struct vm_manager *m = d->m;
        cancel_timer(m, &d->start_timer);
        cancel_timer(m, &d->stop_timer);
        cancel_timer(m, &d->idle_timer);
        if (d->check_watch >= 0)
                lxs_loop_unwatch(m->d->loop, d->check_watch);
        image_check_abort(&d->check);
        if (m->distros[d->target] == d) {
                m->distros[d->target] = NULL;
                m->ndistros--;
        }
        free(d->name);
        free(d->image);
        free(d);
        vm_update_idle(m);
}

static void detach(struct distro *d)
{
        if (!d->attached)
                return;
        struct vm_manager *m = d->m;
        d->attached = false;
        _cleanup_free_ char *detail = NULL;
        int r = m->driver->detach_disk ? m->driver->detach_disk(&m->vm, d->target, &detail) : 0;
        if (r < 0) {
                /* The node may still be there: this target stays unused until the next boot. */
                m->stuck_targets |= 1ull << d->target;
                lxsd_log("distro %s: detach disk (target %u): %s", d->name, d->target,
                         detail ? detail : strerror(-r));
        }
}

static void tell_waiters_error(struct waiter **list, int err, const char *msg)
{
        struct waiter *w = waiters_take(list);
        while (w) {
                struct waiter *next = w->next;
                client_send_error(w->client, err, "%s", msg);
                free(w);
                w = next;
        }
}

static void tell_waiters_ok(struct waiter **list)
{
        struct waiter *w = waiters_take(list);
        while (w) {
                struct waiter *next = w->next;
                client_send_ok(w->client);
                free(w);
                w = next;
        }
}

/* The start failed before the distro ran: clients waiting for it are told, terminate requests
 * are answered (nothing runs), the disk goes, the slot is freed. */
static void fail_start(struct distro *d, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_start(struct distro *d, int err, const char *fmt, ...)
{
        char why[768], msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        snprintf(msg, sizeof(msg), "%s: cannot start: %s", d->name, why);
        lxsd_log("distro %s", msg);
        tell_waiters_error(&d->start_waiters, distro_errno(err), msg);
        tell_waiters_ok(&d->stop_waiters);
        detach(d);
        distro_free(d);
}

static void on_start_timeout(struct lxs_loop *loop, void *data)
{
        struct distro *d = data;
        d->start_timer = -1;
        char msg[512];
        snprintf(msg, sizeof(msg), "%s: cannot start: no answer from the guest within %u s", d->name,
                 START_TIMEOUT_MS / 1000);
        lxsd_log("distro %s", msg);
        tell_waiters_error(&d->start_waiters, ETIMEDOUT, msg);
        /* The guest may still be setting it up: stop it the orderly way before the disk goes. */
        d->start_sent = false;
        send_distro_stop(d);
}

static void on_stop_timeout(struct lxs_loop *loop, void *data)
{
        struct distro *d = data;
        d->stop_timer = -1;
        /* A guest that cannot end a distro cannot be trusted with the others either; its
         * disk cannot be detached while mounted. */
        char why[256];
        snprintf(why, sizeof(why), "the guest did not stop distro %s within %u s", d->name, STOP_TIMEOUT_MS / 1000);
        vm_kill_now(d->m, why);
}

static void on_idle_timeout(struct lxs_loop *loop, void *data)
{
        struct distro *d = data;
        d->idle_timer = -1;
        if (d->state != DISTRO_RUNNING || d->nsessions > 0 || d->busy || d->start_waiters)
                return;
        lxsd_log("distro %s idle for %u ms: stopping", d->name, d->m->cfg.distro_idle_timeout_ms);
        send_distro_stop(d);
}

static void update_idle(struct distro *d)
{
        struct vm_manager *m = d->m;
        bool idle = d->state == DISTRO_RUNNING && d->nsessions == 0 && !d->busy && !d->start_waiters;
        if (!idle) {
                cancel_timer(m, &d->idle_timer);
                return;
        }
        if (d->idle_timer >= 0 || m->cfg.distro_idle_timeout_ms == LXS_CONFIG_IDLE_NEVER)
                return;
        d->idle_timer = lxs_loop_timer(m->d->loop, m->cfg.distro_idle_timeout_ms, on_idle_timeout, d);
}

static void send_distro_stop(struct distro *d)
{
        struct vm_manager *m = d->m;
        d->state = DISTRO_STOPPING;
        cancel_timer(m, &d->idle_timer);
        cancel_timer(m, &d->start_timer);
        Lxs__Guest__DistroStop stop = LXS__GUEST__DISTRO_STOP__INIT;
        stop.name = d->name;
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_STOP;
        msg.distro_stop = &stop;
        vm_send(m, &msg.base);
        if (d->stop_timer < 0)
                d->stop_timer = lxs_loop_timer(m->d->loop, STOP_TIMEOUT_MS, on_stop_timeout, d);
}

/* The distro name as a hostname: letters, digits and inner '-' only, at most 63 characters. */
static void make_hostname(const char *name, char *out, size_t outlen)
{
        size_t o = 0;
        for (const char *p = name; *p && o + 1 < outlen && o < 63; p++) {
                char ch = isalnum((unsigned char)*p) ? *p : '-';
                if (ch == '-' && (o == 0 || out[o - 1] == '-'))
                        continue;
                out[o++] = ch;
        }
        while (o > 0 && out[o - 1] == '-')
                o--;
        out[o] = '\0';
        if (o == 0)
                snprintf(out, outlen, "lxs");
}

/* QEMU takes the disk as soon as it runs, before the guest has booted: a disk there when the
 * guest's SCSI driver loads is found by its first scan, without a hot-plug round trip. */
static int distro_attach(struct distro *d)
{
        struct vm_manager *m = d->m;
        _cleanup_free_ char *detail = NULL;
        int r = m->driver->attach_disk ? m->driver->attach_disk(&m->vm, d->target, d->image, &detail) : -ENOSYS;
        if (r < 0) {
                fail_start(d, -r, "attach disk: %s", detail ? detail : strerror(-r));
                return r;
        }
        d->attached = true;
        return 0;
}

static void distro_send_start(struct distro *d)
{
        struct vm_manager *m = d->m;
        char hostname[64];
        make_hostname(d->name, hostname, sizeof(hostname));
        /* The guest keeps the distro's own file when this is empty. */
        _cleanup_free_ char *host_resolv = NULL;
        if (lxs_read_file("/etc/resolv.conf", RESOLV_CONF_MAX, &host_resolv) < 0) {
                free(host_resolv);
                host_resolv = NULL;
        }
        _cleanup_free_ char *resolv = lxsd_guest_resolv_conf(host_resolv, m->cfg.nat_network);
        Lxs__Guest__DistroStart start = LXS__GUEST__DISTRO_START__INIT;
        start.name = d->name;
        start.scsi_target = d->target;
        start.hostname = hostname;
        start.default_uid = d->default_uid;
        start.resolv_conf = resolv ? resolv : (char *)"";
        /* The alias names the NAT gateway, which only the NAT network has. */
        start.host_alias = m->cfg.nat_network ? m->cfg.host_alias : (char *)"";
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_START;
        msg.distro_start = &start;
        vm_send(m, &msg.base);
        d->start_sent = true;
        d->start_timer = lxs_loop_timer(m->d->loop, START_TIMEOUT_MS, on_start_timeout, d);
}

void distro_boot_guest(struct distro *d)
{
        if (distro_attach(d) == 0)
                distro_send_start(d);
}

void distros_vm_running(struct vm_manager *m)
{
        for (unsigned i = 0; i < LXS_VM_MAX_DISKS; i++) {
                struct distro *d = m->distros[i];
                if (d && d->state == DISTRO_STARTING && d->attached && !d->start_sent)
                        distro_send_start(d);
        }
}

static void on_check_done(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct distro *d = data;
        lxs_loop_unwatch(loop, d->check_watch);
        d->check_watch = -1;
        _cleanup_free_ char *detail = NULL;
        int r = image_check_finish(&d->check, d->image, &detail);
        if (r == -ENOENT) {
                lxsd_log("distro %s: e2fsck not found on the host: image not checked", d->name);
        } else if (r < 0) {
                fail_start(d, EUCLEAN, "%s", detail ? detail : strerror(-r));
                return;
        }
        if (d->m->state == VM_STARTING) {
                distro_attach(d); /* DistroStart once the guest is up: distros_vm_running */
                return;
        }
        if (d->m->state != VM_RUNNING) {
                fail_start(d, EIO, "the utility VM is shutting down");
                return;
        }
        distro_boot_guest(d);
}

/* Creates the table entry and starts the host-side check. */
static int distro_create(struct vm_manager *m, const char *name, struct distro **out, char *err, size_t errlen)
{
        struct lxs_distro reg;
        int r = distro_lookup(name, &reg, err, errlen);
        if (r < 0)
                return r;
        struct distro *d;
        r = distro_add(m, reg.name, reg.image, reg.default_uid, &d);
        if (r == -EMFILE)
                snprintf(err, errlen, "%s: cannot start: %u distributions run already", reg.name, LXS_VM_MAX_DISKS);
        else if (r < 0)
                snprintf(err, errlen, "%s: cannot start: %s", reg.name, strerror(-r));
        lxs_distro_clear(&reg);
        if (r < 0)
                return r;
        r = image_check_spawn(d->image, &d->check);
        if (r >= 0) {
                d->check_watch = lxs_loop_watch(m->d->loop, d->check.pidfd, POLLIN, on_check_done, d);
                if (d->check_watch < 0)
                        r = d->check_watch;
        }
        if (r < 0) {
                snprintf(err, errlen, "%s: cannot start: e2fsck: %s", d->name, strerror(-r));
                distro_free(d);
                return r;
        }
        lxsd_log("distro %s starting: %s, SCSI target %u", d->name, d->image, d->target);
        *out = d;
        return 0;
}

static void run_pending(struct distro *d, struct client *c)
{
        Lxs__Service__Request *req = TAKE_PTR(c->pending);
        if (!req)
                return;
        int r = session_start(d->m, c, req->exec, d);
        lxs__service__request__free_unpacked(req, NULL);
        if (r < 0)
                client_send_error(c, -r, "exec: %s", strerror(-r));
}

void distro_exec(struct vm_manager *m, struct client *c)
{
        const char *name = c->pending->exec->distro;
        struct distro *d = distro_find(m, name);
        if (!d) {
                char err[1024];
                int r = distro_create(m, name, &d, err, sizeof(err));
                if (r < 0) {
                        lxs__service__request__free_unpacked(TAKE_PTR(c->pending), NULL);
                        client_send_error(c, distro_errno(-r), "%s", err);
                        return;
                }
        }
        if (d->state == DISTRO_RUNNING) {
                run_pending(d, c);
                return;
        }
        waiter_add(&d->start_waiters, c);
        update_idle(d);
}

bool distro_running_or_starting(struct vm_manager *m, const char *name)
{
        if (m->state != VM_RUNNING && m->state != VM_STARTING)
                return false;
        struct distro *d = distro_find(m, name);
        return d && (d->state == DISTRO_RUNNING || d->state == DISTRO_STARTING) && !d->stop_after_start;
}

void distro_session_added(struct distro *d)
{
        d->nsessions++;
        update_idle(d);
}

void distro_session_ended(struct distro *d)
{
        if (d->nsessions > 0)
                d->nsessions--;
        update_idle(d);
}

void distro_forget_client(struct vm_manager *m, struct client *c)
{
        for (unsigned i = 0; i < LXS_VM_MAX_DISKS; i++) {
                struct distro *d = m->distros[i];
                if (!d)
                        continue;
                waiter_remove(&d->start_waiters, c);
                waiter_remove(&d->stop_waiters, c);
                update_idle(d);
        }
}

void distro_request_terminate(struct vm_manager *m, struct client *c, const char *name)
{
        struct distro *d = m->state == VM_STOPPED ? NULL : distro_find(m, name);
        if (!d) {
                client_send_ok(c); /* nothing of it runs, as with wsl --terminate */
                return;
        }
        c->state = CLIENT_WAIT_STOP;
        waiter_add(&d->stop_waiters, c);
        switch (d->state) {
        case DISTRO_STARTING:
                if (!d->start_sent) {
                        /* Nothing in the guest yet: the start just ends here. */
                        fail_start(d, ECANCELED, "terminated");
                        return;
                }
                /* The guest is mid-way: stop it once it answered. */
                d->stop_after_start = true;
                return;
        case DISTRO_RUNNING:
                lxsd_log("distro %s: terminate requested", d->name);
                send_distro_stop(d);
                return;
        case DISTRO_STOPPING:
                return;
        }
}

void distro_request_list(struct vm_manager *m, struct client *c)
{
        Lxs__Service__RunningDistro items[LXS_VM_MAX_DISKS];
        Lxs__Service__RunningDistro *ptrs[LXS_VM_MAX_DISKS];
        size_t n = 0;
        for (unsigned i = 0; i < LXS_VM_MAX_DISKS; i++) {
                struct distro *d = m->distros[i];
                if (!d)
                        continue;
                items[n] = (Lxs__Service__RunningDistro)LXS__SERVICE__RUNNING_DISTRO__INIT;
                items[n].name = d->name;
                items[n].state = (char *)distro_state_name(d->state);
                ptrs[n] = &items[n];
                n++;
        }
        Lxs__Service__ListReply list = LXS__SERVICE__LIST_REPLY__INIT;
        list.distros = ptrs;
        list.n_distros = n;
        Lxs__Service__Reply reply = LXS__SERVICE__REPLY__INIT;
        reply.msg_case = LXS__SERVICE__REPLY__MSG_LIST;
        reply.list = &list;
        c->state = CLIENT_CLOSING;
        client_send(c, &reply.base);
}

/* Ends the sessions still open in the distro, each client told why. */
static void end_sessions(struct distro *d, const char *why)
{
        struct vm_manager *m = d->m;
        for (struct session *s = m->sessions; s;) {
                if (s->distro != d) {
                        s = s->next;
                        continue;
                }
                /* Unhooked first: the client going away must not signal a process that the
                 * guest has already ended. */
                struct client *c = s->client;
                if (c) {
                        c->session = NULL;
                        s->client = NULL;
                        client_send_error(c, EIO, "%s: %s", d->name, why);
                }
                session_free(m, s);
                s = m->sessions; /* the list changed under us */
        }
}

void distros_vm_stopped(struct vm_manager *m, const char *why)
{
        char msg[1024];
        for (unsigned i = 0; i < LXS_VM_MAX_DISKS; i++) {
                struct distro *d = m->distros[i];
                if (!d)
                        continue;
                end_sessions(d, why);
                snprintf(msg, sizeof(msg), "%s: cannot start: utility VM: %s", d->name, why);
                tell_waiters_error(&d->start_waiters, EIO, msg);
                tell_waiters_ok(&d->stop_waiters);
                d->attached = false; /* went with the VM */
                distro_free(d);
        }
        m->stuck_targets = 0;
}

/* A guest message about a distro lxsd does not expect in this state. */
static int ignored(const char *what, const char *name, const struct distro *d)
{
        lxsd_log("guest: %s for distro %.64s (%s): ignored", what, name,
                 d ? distro_state_name(d->state) : "not running");
        return 0;
}

static void send_notice(struct client *c, const char *text)
{
        Lxs__Service__Notice n = LXS__SERVICE__NOTICE__INIT;
        n.message = (char *)text;
        Lxs__Service__Reply reply = LXS__SERVICE__REPLY__INIT;
        reply.msg_case = LXS__SERVICE__REPLY__MSG_NOTICE;
        reply.notice = &n;
        client_send(c, &reply.base);
}

int distro_on_started(struct vm_manager *m, const Lxs__Guest__DistroStarted *msg)
{
        struct distro *d = distro_find(m, msg->name);
        if (!d || d->state != DISTRO_STARTING || !d->start_sent)
                return ignored("DistroStarted", msg->name, d);
        cancel_timer(m, &d->start_timer);
        d->start_sent = false;
        d->state = DISTRO_RUNNING;
        d->busy = false;
        lxsd_log("distro %s running: init pid %d, started in %llu ms", d->name, msg->init_pid,
                 (unsigned long long)(lxsd_now_ms() - d->started_ms));
        if (!d->stop_after_start && m->d->views)
                views_spawn(m->d, d->name, m->cfg.view_link_dir);
        char text[GUEST_TEXT_MAX + 80];
        for (size_t i = 0; i < msg->n_warnings; i++) {
                snprintf(text, sizeof(text), "%s: %.*s", d->name, GUEST_TEXT_MAX, msg->warnings[i]);
                lxsd_log("distro %s", text);
        }
        struct waiter *w = waiters_take(&d->start_waiters);
        if (d->stop_after_start) {
                snprintf(text, sizeof(text), "%s: cannot start: terminated", d->name);
                while (w) {
                        struct waiter *next = w->next;
                        client_send_error(w->client, ECANCELED, "%s", text);
                        free(w);
                        w = next;
                }
                send_distro_stop(d);
                return 0;
        }
        while (w) {
                struct waiter *next = w->next;
                struct client *c = w->client;
                free(w);
                for (size_t i = 0; i < msg->n_warnings && !c->dead; i++) {
                        snprintf(text, sizeof(text), "%s: %.*s", d->name, GUEST_TEXT_MAX, msg->warnings[i]);
                        send_notice(c, text);
                }
                if (!c->dead)
                        run_pending(d, c);
                w = next;
        }
        update_idle(d);
        return 0;
}

int distro_on_failed(struct vm_manager *m, const Lxs__Guest__DistroFailed *msg)
{
        struct distro *d = distro_find(m, msg->name);
        if (!d || d->state != DISTRO_STARTING || !d->start_sent)
                return ignored("DistroFailed", msg->name, d);
        cancel_timer(m, &d->start_timer);
        int err = msg->errno_value > 0 && msg->errno_value < 4096 ? msg->errno_value : EIO;
        fail_start(d, err, "%.*s", GUEST_TEXT_MAX, msg->detail && *msg->detail ? msg->detail : strerror(err));
        return 0;
}

int distro_on_stopped(struct vm_manager *m, const Lxs__Guest__DistroStopped *msg)
{
        struct distro *d = distro_find(m, msg->name);
        /* A Starting distro answers with DistroStarted/DistroFailed; a DistroStopped then is a
         * stale reply to the stop of its previous run. */
        if (!d || d->state == DISTRO_STARTING)
                return ignored("DistroStopped", msg->name, d);
        char why[GUEST_TEXT_MAX + 32];
        bool asked = d->state == DISTRO_STOPPING;
        if (msg->reason && *msg->reason)
                snprintf(why, sizeof(why), "stopped: %.*s", GUEST_TEXT_MAX, msg->reason);
        else
                snprintf(why, sizeof(why), asked ? "terminated" : "stopped");
        lxsd_log("distro %s %s", d->name, why);
        detach(d);
        end_sessions(d, why);
        tell_waiters_ok(&d->stop_waiters);
        /* Clients that asked for it while it was stopping get a fresh start. */
        struct waiter *again = waiters_take(&d->start_waiters);
        distro_free(d);
        while (again) {
                struct waiter *next = again->next;
                struct client *c = again->client;
                free(again);
                if (!c->dead && c->state == CLIENT_WAIT_BOOT && c->pending && m->state == VM_RUNNING)
                        distro_exec(m, c);
                else if (!c->dead)
                        client_send_error(c, EIO, "%s: cannot start: the utility VM is shutting down", msg->name);
                again = next;
        }
        return 0;
}

int distro_on_activity(struct vm_manager *m, const Lxs__Guest__DistroActivity *msg)
{
        struct distro *d = distro_find(m, msg->name);
        /* Activity races with a stop and means nothing before the distro runs. */
        if (!d || d->state != DISTRO_RUNNING)
                return 0;
        d->busy = msg->busy;
        update_idle(d);
        return 0;
}
