/* Frame <-> protobuf glue with the semantic bounds checks; see protocol.h. */
#include "protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int lxs_outq_push_msg(struct lxs_outq *q, const ProtobufCMessage *msg)
{
        size_t len = protobuf_c_message_get_packed_size(msg);
        if (len > LXS_FRAME_MAX)
                return -EMSGSIZE;
        uint8_t stackbuf[512];
        uint8_t *buf = len <= sizeof(stackbuf) ? stackbuf : malloc(len);
        if (!buf)
                return -ENOMEM;
        protobuf_c_message_pack(msg, buf);
        int r = lxs_outq_push(q, buf, len);
        if (buf != stackbuf)
                free(buf);
        return r;
}

static int string_ok(const char *s)
{
        return !s || strnlen(s, LXS_STRING_MAX + 1) <= LXS_STRING_MAX;
}

static int strv_ok(char **v, size_t n, size_t max)
{
        if (n > max)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (!string_ok(v[i]))
                        return 0;
        return 1;
}

static int stream_ok(Lxs__Guest__Stream s)
{
        return s == LXS__GUEST__STREAM__STREAM_STDIN || s == LXS__GUEST__STREAM__STREAM_STDOUT ||
               s == LXS__GUEST__STREAM__STREAM_STDERR;
}

static int data_ok(const Lxs__Guest__StreamData *d)
{
        return stream_ok(d->stream) && d->data.len <= LXS_STREAM_CHUNK;
}

static int shell_ok(Lxs__Guest__Shell s)
{
        return s == LXS__GUEST__SHELL__SHELL_NONE || s == LXS__GUEST__SHELL__SHELL_STANDARD ||
               s == LXS__GUEST__SHELL__SHELL_LOGIN;
}

/* Only a shell may start without argv (then it is the user's shell itself). */
static int exec_argv_ok(char **argv, size_t n_argv, Lxs__Guest__Shell shell)
{
        if (!shell_ok(shell) || (n_argv == 0 && shell == LXS__GUEST__SHELL__SHELL_NONE))
                return 0;
        if (shell != LXS__GUEST__SHELL__SHELL_NONE && n_argv > 1)
                return 0; /* a shell runs one command line */
        return strv_ok(argv, n_argv, LXS_EXEC_MAX_ARGS);
}

static int name_ok(const char *s)
{
        return s && strnlen(s, LXS_DISTRO_NAME_MAX + 1) <= LXS_DISTRO_NAME_MAX;
}

/* The one program of the guest image a session may name; anything else could reach files in
 * /lib/lxs the distro was never meant to run. */
static int image_tool_ok(const char *tool)
{
        return !tool || !*tool || strcmp(tool, LXS_IMAGE_TOOL_9P_SERVER) == 0;
}

/* An image tool runs with argv = { tool } and no shell, and only inside a distro. */
static int exec_common_ok(char **argv, size_t n_argv, Lxs__Guest__Shell shell,
                          const char *image_tool, const char *distro, int background)
{
        if (!image_tool_ok(image_tool))
                return 0;
        if (image_tool && *image_tool) {
                if (!distro || !*distro || shell != LXS__GUEST__SHELL__SHELL_NONE)
                        return 0;
                return strv_ok(argv, n_argv, LXS_EXEC_MAX_ARGS);
        }
        if (background && (!distro || !*distro))
                return 0;
        return exec_argv_ok(argv, n_argv, shell);
}

static int empty(const char *s)
{
        return !s || !*s;
}

/* A connection session (localhost forwarding) is a port and nothing else. */
static int connect_start_ok(const Lxs__Guest__ExecStart *e)
{
        return e->connect_port <= 65535 && e->n_argv == 0 && e->n_env == 0 && empty(e->distro) &&
               empty(e->image_tool) && empty(e->user) && empty(e->cwd) && empty(e->host_cwd) && !e->tty &&
               !e->background && e->shell == LXS__GUEST__SHELL__SHELL_NONE;
}

static int exec_start_ok(const Lxs__Guest__ExecStart *e)
{
        if (e->connect_port)
                return connect_start_ok(e);
        return exec_common_ok(e->argv, e->n_argv, e->shell, e->image_tool, e->distro,
                              e->background) &&
               strv_ok(e->env, e->n_env, LXS_EXEC_MAX_ENV) && string_ok(e->cwd) &&
               name_ok(e->distro) && string_ok(e->user) && string_ok(e->host_cwd);
}

/* File names only: a name with a slash, "." or ".." could point a shim anywhere. */
static int host_program_ok(const char *name)
{
        size_t n = name ? strnlen(name, LXS_HOST_PROGRAM_NAME_MAX + 1) : 0;
        return n > 0 && n <= LXS_HOST_PROGRAM_NAME_MAX && !strchr(name, '/') && strcmp(name, ".") != 0 &&
               strcmp(name, "..") != 0;
}

/* Only the bounds: what a path may look like is the guest's to check (init/shares.c). */
static int hello_ack_ok(const Lxs__Guest__HelloAck *a)
{
        if (!string_ok(a->reason) || !string_ok(a->hostname) || a->n_shares > LXS_SHARES_MAX ||
            (a->view_root && strnlen(a->view_root, LXS_SHARE_PATH_MAX + 1) > LXS_SHARE_PATH_MAX))
                return 0;
        for (size_t i = 0; i < a->n_shares; i++) {
                const Lxs__Guest__Share *sh = a->shares[i];
                if (!sh || !sh->tag || !sh->host_path || strnlen(sh->tag, 64) >= 64 ||
                    strnlen(sh->host_path, LXS_SHARE_PATH_MAX + 1) > LXS_SHARE_PATH_MAX)
                        return 0;
        }
        if (a->n_host_programs > LXS_HOST_PROGRAMS_MAX)
                return 0;
        for (size_t i = 0; i < a->n_host_programs; i++)
                if (!host_program_ok(a->host_programs[i]))
                        return 0;
        return 1;
}

/* Ascending and distinct, so the host can diff two sets in one pass. */
static int ports_ok(const Lxs__Guest__ListeningPorts *p)
{
        if (p->n_ports > LXS_LISTENING_PORTS_MAX)
                return 0;
        for (size_t i = 0; i < p->n_ports; i++)
                if (p->ports[i] == 0 || p->ports[i] > 65535 || (i > 0 && p->ports[i] <= p->ports[i - 1]))
                        return 0;
        return 1;
}

/* A host exec: an id in the guest's half, a program to run, and strings within bounds. */
static int host_exec_start_ok(const Lxs__Guest__HostExecStart *e)
{
        return (e->session_id & LXS_HOST_EXEC_ID_BIT) && e->n_argv > 0 && e->argv[0][0] &&
               strv_ok(e->argv, e->n_argv, LXS_EXEC_MAX_ARGS) &&
               strv_ok(e->env, e->n_env, LXS_EXEC_MAX_ENV) && string_ok(e->cwd) && name_ok(e->distro);
}

static int guest_to_host_ok(const Lxs__Guest__GuestToHost *m)
{
        switch (m->msg_case) {
        case LXS__GUEST__GUEST_TO_HOST__MSG_HELLO:
                return string_ok(m->hello->init_version) && string_ok(m->hello->kernel_release);
        case LXS__GUEST__GUEST_TO_HOST__MSG_FAILURE:
                return string_ok(m->failure->stage) && string_ok(m->failure->detail);
        case LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_FAILED:
                return string_ok(m->exec_failed->detail);
        case LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_DATA:
                return data_ok(m->stream_data);
        case LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CLOSE:
                return stream_ok(m->stream_close->stream);
        case LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CREDIT:
                return stream_ok(m->stream_credit->stream);
        case LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STARTED:
                return name_ok(m->distro_started->name) &&
                       strv_ok(m->distro_started->warnings, m->distro_started->n_warnings,
                               LXS_DISTRO_MAX_WARNINGS);
        case LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_FAILED:
                return name_ok(m->distro_failed->name) && string_ok(m->distro_failed->detail);
        case LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STOPPED:
                return name_ok(m->distro_stopped->name) && string_ok(m->distro_stopped->reason);
        case LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_ACTIVITY:
                return name_ok(m->distro_activity->name);
        case LXS__GUEST__GUEST_TO_HOST__MSG_LISTENING_PORTS:
                return ports_ok(m->listening_ports);
        case LXS__GUEST__GUEST_TO_HOST__MSG_HOST_EXEC_START:
                return host_exec_start_ok(m->host_exec_start);
        case LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_SIGNAL:
        case LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_RESIZE:
        case LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_STARTED:
        case LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_EXITED:
        case LXS__GUEST__GUEST_TO_HOST__MSG_STATUS_REPLY:
                return 1;
        default:
                return 0; /* unknown or empty oneof */
        }
}

static int host_to_guest_ok(const Lxs__Guest__HostToGuest *m)
{
        switch (m->msg_case) {
        case LXS__GUEST__HOST_TO_GUEST__MSG_HELLO_ACK:
                return hello_ack_ok(m->hello_ack);
        case LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START:
                return exec_start_ok(m->exec_start);
        case LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_DATA:
                return data_ok(m->stream_data);
        case LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CLOSE:
                return stream_ok(m->stream_close->stream);
        case LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CREDIT:
                return stream_ok(m->stream_credit->stream);
        case LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_START:
                return name_ok(m->distro_start->name) && string_ok(m->distro_start->hostname) &&
                       string_ok(m->distro_start->resolv_conf) && string_ok(m->distro_start->host_alias);
        case LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_STOP:
                return name_ok(m->distro_stop->name);
        case LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_FAILED:
                return string_ok(m->exec_failed->detail);
        case LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_STARTED:
        case LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_EXITED:
        case LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_SIGNAL:
        case LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_RESIZE:
        case LXS__GUEST__HOST_TO_GUEST__MSG_SHUTDOWN:
        case LXS__GUEST__HOST_TO_GUEST__MSG_STATUS_REQUEST:
                return 1;
        default:
                return 0;
        }
}

static int request_ok(const Lxs__Service__Request *m)
{
        switch (m->msg_case) {
        case LXS__SERVICE__REQUEST__MSG_EXEC: {
                const Lxs__Service__ExecRequest *e = m->exec;
                return exec_common_ok(e->argv, e->n_argv, e->shell, e->image_tool, e->distro,
                                      e->background) &&
                       strv_ok(e->env, e->n_env, LXS_EXEC_MAX_ENV) && string_ok(e->cwd) &&
                       name_ok(e->distro) && string_ok(e->user) && string_ok(e->host_cwd);
        }
        case LXS__SERVICE__REQUEST__MSG_TERMINATE:
                return name_ok(m->terminate->distro);
        case LXS__SERVICE__REQUEST__MSG_STREAM_DATA:
                return data_ok(m->stream_data);
        case LXS__SERVICE__REQUEST__MSG_STREAM_CLOSE:
                return stream_ok(m->stream_close->stream);
        case LXS__SERVICE__REQUEST__MSG_STREAM_CREDIT:
                return stream_ok(m->stream_credit->stream);
        case LXS__SERVICE__REQUEST__MSG_STATUS:
        case LXS__SERVICE__REQUEST__MSG_LIST:
        case LXS__SERVICE__REQUEST__MSG_SHUTDOWN:
        case LXS__SERVICE__REQUEST__MSG_SIGNAL:
        case LXS__SERVICE__REQUEST__MSG_RESIZE:
                return 1;
        default:
                return 0;
        }
}

static int reply_ok(const Lxs__Service__Reply *m)
{
        switch (m->msg_case) {
        case LXS__SERVICE__REPLY__MSG_ERROR:
                return string_ok(m->error->message);
        case LXS__SERVICE__REPLY__MSG_STREAM_DATA:
                return data_ok(m->stream_data);
        case LXS__SERVICE__REPLY__MSG_STREAM_CLOSE:
                return stream_ok(m->stream_close->stream);
        case LXS__SERVICE__REPLY__MSG_STREAM_CREDIT:
                return stream_ok(m->stream_credit->stream);
        case LXS__SERVICE__REPLY__MSG_NOTICE:
                return string_ok(m->notice->message);
        case LXS__SERVICE__REPLY__MSG_LIST: {
                const Lxs__Service__ListReply *l = m->list;
                if (l->n_distros > LXS_MAX_RUNNING_DISTROS)
                        return 0;
                for (size_t i = 0; i < l->n_distros; i++)
                        if (!name_ok(l->distros[i]->name) || !string_ok(l->distros[i]->state))
                                return 0;
                return 1;
        }
        case LXS__SERVICE__REPLY__MSG_OK:
        case LXS__SERVICE__REPLY__MSG_STATUS:
        case LXS__SERVICE__REPLY__MSG_EXEC_STARTED:
        case LXS__SERVICE__REPLY__MSG_EXEC_EXITED:
                return 1;
        default:
                return 0;
        }
}

#define DEFINE_DECODER(fn, type, prefix, check)                                  \
        type *fn(const uint8_t *buf, size_t len)                                  \
        {                                                                         \
                type *m = prefix##__unpack(NULL, len, buf);                       \
                if (m && !check(m)) {                                             \
                        prefix##__free_unpacked(m, NULL);                         \
                        m = NULL;                                                 \
                }                                                                 \
                if (!m)                                                           \
                        errno = EBADMSG;                                          \
                return m;                                                         \
        }                                                                         \
        void fn##_freep_impl(type **m);                                           \
        void fn##_freep_impl(type **m)                                            \
        {                                                                         \
                if (*m)                                                           \
                        prefix##__free_unpacked(*m, NULL);                        \
        }

DEFINE_DECODER(lxs_guest_to_host_decode, Lxs__Guest__GuestToHost, lxs__guest__guest_to_host, guest_to_host_ok)
DEFINE_DECODER(lxs_host_to_guest_decode, Lxs__Guest__HostToGuest, lxs__guest__host_to_guest, host_to_guest_ok)
DEFINE_DECODER(lxs_request_decode, Lxs__Service__Request, lxs__service__request, request_ok)
DEFINE_DECODER(lxs_reply_decode, Lxs__Service__Reply, lxs__service__reply, reply_ok)

void lxs_guest_to_host_freep(Lxs__Guest__GuestToHost **m) { lxs_guest_to_host_decode_freep_impl(m); }
void lxs_host_to_guest_freep(Lxs__Guest__HostToGuest **m) { lxs_host_to_guest_decode_freep_impl(m); }
void lxs_request_freep(Lxs__Service__Request **m) { lxs_request_decode_freep_impl(m); }
void lxs_reply_freep(Lxs__Service__Reply **m) { lxs_reply_decode_freep_impl(m); }
