/* Host message dispatch; see dispatch.h for the contract. */
#include "dispatch.h"

#include <errno.h>
#include <stdio.h>

#include "cleanup.h"
#include "control-channel.h"
#include "distros.h"
#include "host-execs.h"
#include "report.h"
#include "sessions.h"
#include "shutdown.h"
#include "status.h"

typedef void (*message_handler)(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg);

static void on_exec_start(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        lxs_sessions_exec_start(init->sessions, msg->exec_start);
}

/* Stream messages name their session; the id's top bit says whose it is (host execs). */
static void on_stream_data(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        if (lxs_host_exec_id(msg->stream_data->session_id))
                lxs_host_execs_data(init->host_execs, msg->stream_data);
        else
                lxs_sessions_stream_data(init->sessions, msg->stream_data);
}

static void on_stream_close(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        if (lxs_host_exec_id(msg->stream_close->session_id))
                lxs_host_execs_close(init->host_execs, msg->stream_close);
        else
                lxs_sessions_stream_close(init->sessions, msg->stream_close);
}

static void on_stream_credit(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        if (lxs_host_exec_id(msg->stream_credit->session_id))
                lxs_host_execs_credit(init->host_execs, msg->stream_credit);
        else
                lxs_sessions_stream_credit(init->sessions, msg->stream_credit);
}

static void on_host_exec_started(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        lxs_host_execs_started(init->host_execs, msg->exec_started);
}

static void on_host_exec_failed(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        lxs_host_execs_failed(init->host_execs, msg->exec_failed);
}

static void on_host_exec_exited(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        lxs_host_execs_exited(init->host_execs, msg->exec_exited);
}

static void on_exec_signal(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        lxs_sessions_signal(init->sessions, msg->exec_signal);
}

static void on_exec_resize(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        lxs_sessions_resize(init->sessions, msg->exec_resize);
}

static void on_shutdown(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        lxs_shutdown(init);
}

static void on_status_request(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        Lxs__Guest__StatusReply reply = LXS__GUEST__STATUS_REPLY__INIT;
        lxs_status_fill(&reply, lxs_sessions_count(init->sessions));
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STATUS_REPLY;
        out.status_reply = &reply;
        lxs_channel_send(init->channel, &out);
}

static void on_distro_start(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        lxs_distros_start(init->distros, msg->distro_start);
}

static void on_distro_stop(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        lxs_distros_stop(init->distros, msg->distro_stop);
}

static const message_handler handlers[] = {
        [LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START] = on_exec_start,
        [LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_DATA] = on_stream_data,
        [LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CLOSE] = on_stream_close,
        [LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CREDIT] = on_stream_credit,
        [LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_SIGNAL] = on_exec_signal,
        [LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_RESIZE] = on_exec_resize,
        [LXS__GUEST__HOST_TO_GUEST__MSG_SHUTDOWN] = on_shutdown,
        [LXS__GUEST__HOST_TO_GUEST__MSG_STATUS_REQUEST] = on_status_request,
        [LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_START] = on_distro_start,
        [LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_STOP] = on_distro_stop,
        [LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_STARTED] = on_host_exec_started,
        [LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_FAILED] = on_host_exec_failed,
        [LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_EXITED] = on_host_exec_exited,
};

void lxs_dispatch(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg)
{
        size_t i = (size_t)msg->msg_case;
        if (i >= LXS_ARRAY_SIZE(handlers) || !handlers[i]) {
                char detail[64];
                snprintf(detail, sizeof(detail), "unexpected message (case %zu)", i);
                lxs_report(EPROTO, false, detail, "control channel");
                return;
        }
        handlers[i](init, msg);
}
