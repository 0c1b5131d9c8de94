/* lxsd's reading side of the guest control channel: frames from the guest's /init, decoded and
 * bounds-checked (proto/protocol.c), then dispatched through a table indexed by message type.
 *
 * The guest is untrusted: a malformed frame, an oversized one, a message out of order (anything
 * but Hello/GuestFailure before the handshake) or a flow-control violation ends the VM instead
 * of being interpreted. Nothing the guest sends can make lxsd allocate beyond the frame limit
 * plus the credit it granted. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "paths.h"
#include "lxsd.h"

static int on_hello(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        const Lxs__Guest__Hello *h = msg->hello;
        if (m->state != VM_STARTING)
                return -EPROTO;
        Lxs__Guest__HelloAck ack = LXS__GUEST__HELLO_ACK__INIT;
        ack.protocol_version = LXS_GUEST_PROTOCOL_VERSION;
        ack.accepted = h->protocol_version == LXS_GUEST_PROTOCOL_VERSION;
        ack.hostname = (char *)"lxs";
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ack.host_time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        Lxs__Guest__Share shares[LXS_VM_MAX_SHARES], *share_ptrs[LXS_VM_MAX_SHARES];
        char tags[LXS_VM_MAX_SHARES][32];
        for (size_t i = 0; i < m->shares.n; i++) {
                shares[i] = (Lxs__Guest__Share)LXS__GUEST__SHARE__INIT;
                snprintf(tags[i], sizeof(tags[i]), LXS_VM_SHARE_TAG_PREFIX "%zu", i);
                shares[i].tag = tags[i];
                shares[i].host_path = m->shares.paths[i];
                share_ptrs[i] = &shares[i];
        }
        ack.shares = share_ptrs;
        ack.n_shares = m->shares.n;
        _cleanup_free_ char *view_root = lxs_path_join(m->d->runtime_dir, "mnt");
        ack.view_root = view_root;
        ack.localhost_forwarding = m->cfg.nat_network && m->cfg.localhost_forwarding;
        if (m->cfg.interop_enabled && m->cfg.interop_append_host_path && !m->host_programs) {
                /* What PATH has now; fixed for this VM, like the shares. */
                int r = host_programs_scan(getenv("PATH"), LXS_FRAME_MAX / 2, &m->host_programs, &m->n_host_programs);
                if (r < 0)
                        lxsd_log("host programs for .host names: %s", strerror(-r));
        }
        ack.host_programs = m->host_programs;
        ack.n_host_programs = m->n_host_programs;
        char reason[128];
        if (!ack.accepted) {
                snprintf(reason, sizeof(reason), "guest speaks protocol %u, lxsd %u", h->protocol_version,
                         LXS_GUEST_PROTOCOL_VERSION);
                ack.reason = reason;
        }
        Lxs__Guest__HostToGuest out = LXS__GUEST__HOST_TO_GUEST__INIT;
        out.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_HELLO_ACK;
        out.hello_ack = &ack;
        vm_send(m, &out.base);
        if (!ack.accepted) {
                char why[256];
                snprintf(why, sizeof(why), "guest image does not match lxsd: %s", reason);
                vm_kill_now(m, why);
                return 0;
        }
        free(m->kernel_release);
        m->kernel_release = strdup(h->kernel_release ? h->kernel_release : "");
        lxsd_log("guest: init %s, kernel %s, up %llu ms", h->init_version, h->kernel_release,
                 (unsigned long long)h->uptime_ms);
        vm_guest_ready(m);
        return 0;
}

static int on_failure(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        const Lxs__Guest__GuestFailure *f = msg->failure;
        lxsd_log("guest: %s: %s%s%s%s", f->stage, f->errno_value > 0 ? strerror(f->errno_value) : "failed",
                 f->detail && *f->detail ? " (" : "", f->detail ? f->detail : "", f->detail && *f->detail ? ")" : "");
        /* A fatal failure is followed by the guest powering off; the pidfd reports that. */
        return 0;
}

/* Ids with LXS_HOST_EXEC_ID_BIT are host programs' (the guest picks them); the others are
 * process sessions' or forwarded connections' (lxsd picks them from one space). */
static int on_started(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        struct forward_conn *fc = forward_conn_find(m, msg->exec_started->session_id);
        return fc ? forward_conn_on_started(fc, msg->exec_started) : session_on_started(m, msg->exec_started);
}
static int on_exec_failed(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        struct forward_conn *fc = forward_conn_find(m, msg->exec_failed->session_id);
        return fc ? forward_conn_on_failed(fc, msg->exec_failed) : session_on_failed(m, msg->exec_failed);
}
static int on_data(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        if (msg->stream_data->session_id & LXS_HOST_EXEC_ID_BIT)
                return host_exec_on_data(m, msg->stream_data);
        struct forward_conn *fc = forward_conn_find(m, msg->stream_data->session_id);
        return fc ? forward_conn_on_data(fc, msg->stream_data) : session_on_data(m, msg->stream_data);
}
static int on_close(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        if (msg->stream_close->session_id & LXS_HOST_EXEC_ID_BIT)
                return host_exec_on_close(m, msg->stream_close);
        struct forward_conn *fc = forward_conn_find(m, msg->stream_close->session_id);
        return fc ? forward_conn_on_close(fc, msg->stream_close) : session_on_close(m, msg->stream_close);
}
static int on_credit(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        if (msg->stream_credit->session_id & LXS_HOST_EXEC_ID_BIT)
                return host_exec_on_credit(m, msg->stream_credit);
        struct forward_conn *fc = forward_conn_find(m, msg->stream_credit->session_id);
        return fc ? forward_conn_on_credit(fc, msg->stream_credit) : session_on_credit(m, msg->stream_credit);
}
static int on_host_exec_start(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        return host_exec_on_start(m, msg->host_exec_start);
}
static int on_host_exec_signal(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        return host_exec_on_signal(m, msg->exec_signal);
}
static int on_host_exec_resize(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        return host_exec_on_resize(m, msg->exec_resize);
}
static int on_exited(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        struct forward_conn *fc = forward_conn_find(m, msg->exec_exited->session_id);
        return fc ? forward_conn_on_exited(fc, msg->exec_exited) : session_on_exited(m, msg->exec_exited);
}
static int on_status(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        vm_status_reply(m, msg->status_reply);
        return 0;
}
static int on_distro_started(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        return distro_on_started(m, msg->distro_started);
}
static int on_distro_failed(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        return distro_on_failed(m, msg->distro_failed);
}
static int on_distro_stopped(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        return distro_on_stopped(m, msg->distro_stopped);
}
static int on_distro_activity(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        return distro_on_activity(m, msg->distro_activity);
}

static int on_listening_ports(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg)
{
        return forward_on_listening(m, msg->listening_ports);
}

typedef int (*guest_handler)(struct vm_manager *m, const Lxs__Guest__GuestToHost *msg);

/* Indexed by GuestToHost's oneof case; `before_handshake` marks what a booting guest may send. */
static const struct {
        guest_handler handler;
        bool before_handshake;
} guest_table[] = {
        [LXS__GUEST__GUEST_TO_HOST__MSG_HELLO] = { on_hello, true },
        [LXS__GUEST__GUEST_TO_HOST__MSG_FAILURE] = { on_failure, true },
        [LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_STARTED] = { on_started, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_FAILED] = { on_exec_failed, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_DATA] = { on_data, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CLOSE] = { on_close, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CREDIT] = { on_credit, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_EXITED] = { on_exited, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_STATUS_REPLY] = { on_status, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STARTED] = { on_distro_started, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_FAILED] = { on_distro_failed, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STOPPED] = { on_distro_stopped, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_ACTIVITY] = { on_distro_activity, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_LISTENING_PORTS] = { on_listening_ports, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_HOST_EXEC_START] = { on_host_exec_start, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_SIGNAL] = { on_host_exec_signal, false },
        [LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_RESIZE] = { on_host_exec_resize, false },
};

/* Returns 0, or negative errno for a message that breaks the protocol. */
static int dispatch_guest_frame(struct vm_manager *m, const uint8_t *buf, size_t len)
{
        _cleanup_(lxs_guest_to_host_freep) Lxs__Guest__GuestToHost *msg = lxs_guest_to_host_decode(buf, len);
        if (!msg)
                return -EBADMSG;
        size_t kind = (size_t)msg->msg_case;
        if (kind >= LXS_ARRAY_SIZE(guest_table) || !guest_table[kind].handler)
                return -EBADMSG;
        if (m->state == VM_STARTING && !guest_table[kind].before_handshake)
                return -EPROTO;
        return guest_table[kind].handler(m, msg);
}

void guest_channel_readable(struct vm_manager *m)
{
        /* Bound the work per wake-up so one busy guest cannot starve the CLI side. */
        for (int round = 0; round < 16 && m->vm.control_fd >= 0; round++) {
                int n = lxs_frame_reader_fill(&m->rd, m->vm.control_fd);
                if (n == -EAGAIN)
                        return;
                if (n <= 0) {
                        /* QEMU closed the channel: it is exiting; the pidfd tells us when. */
                        if (m->control_watch >= 0)
                                lxs_loop_unwatch(m->d->loop, m->control_watch);
                        m->control_watch = -1;
                        return;
                }
                for (;;) {
                        const uint8_t *payload;
                        size_t len;
                        int r = lxs_frame_reader_next(&m->rd, &payload, &len);
                        if (r == 0)
                                break;
                        if (r > 0)
                                r = dispatch_guest_frame(m, payload, len);
                        if (r < 0) {
                                char why[128];
                                snprintf(why, sizeof(why), "guest protocol violation: %s", strerror(-r));
                                vm_kill_now(m, why);
                                return;
                        }
                        if (m->state == VM_STOPPED)
                                return;
                }
        }
}
