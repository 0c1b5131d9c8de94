/* Process sessions: one CLI connection <-> one process in the guest.
 *
 * lxsd is a relay with end-to-end flow control (see proto/guest.proto):
 * - guest output: the guest may send what we credited; we credit it back only once the bytes
 *   have left our queue towards the CLI, so a CLI that stops reading stalls only its own
 *   session and lxsd never holds more than the initial credit per stream;
 * - CLI input: the guest's stdin credit is passed to the CLI as is, so stdin is never buffered
 *   here beyond the guest channel's queue.
 * A guest that sends beyond its credit, or for a stream it does not own, breaks the protocol. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fd-streams.h"
#include "log.h"
#include "lxsd.h"

#define SYSTEM_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct session *session_find(struct vm_manager *m, uint32_t id)
{
        for (struct session *s = m->sessions; s; s = s->next)
                if (s->id == id)
                        return s;
        return NULL;
}

void session_free(struct vm_manager *m, struct session *s)
{
        for (struct session **pp = &m->sessions; *pp; pp = &(*pp)->next) {
                if (*pp == s) {
                        *pp = s->next;
                        m->nsessions--;
                        break;
                }
        }
        if (s->client)
                s->client->session = NULL;
        if (s->distro && !s->background)
                distro_session_ended(s->distro);
        free(s);
        vm_update_idle(m);
}

uint32_t session_new_id(struct vm_manager *m)
{
        for (;;) {
                uint32_t id = m->next_session_id++ & ~LXS_HOST_EXEC_ID_BIT;
                if (id != 0 && !session_find(m, id) && !forward_conn_find(m, id))
                        return id;
        }
}

/* Adds `key=value` unless the caller's environment already has key. */
static int env_default(char **env, size_t *n, size_t cap, const char *entry)
{
        size_t klen = strcspn(entry, "=");
        for (size_t i = 0; i < *n; i++)
                if (strncmp(env[i], entry, klen + 1) == 0)
                        return 0;
        if (*n >= cap)
                return -E2BIG;
        env[(*n)++] = (char *)entry;
        return 0;
}

/* `~` and `~/x` in the VM's namespace: root's home there. */
static char *system_cwd(const char *cwd)
{
        char *out = NULL;
        if (!cwd || !*cwd)
                return strdup("/");
        if (cwd[0] == '~' && (cwd[1] == '\0' || cwd[1] == '/'))
                return asprintf(&out, "/root%s", cwd + 1) < 0 ? NULL : out;
        return strdup(cwd);
}

int session_start(struct vm_manager *m, struct client *c, const Lxs__Service__ExecRequest *req,
                  struct distro *d)
{
        /* The VM's own namespace runs as root with the toolbox's paths; the CLI passes only
         * what it means to (TERM, LANG, ...). In a distro the guest builds the user's
         * environment from its passwd and lets what we send win. */
        static const char *const system_env[] = {
                ("PATH=" SYSTEM_PATH), "HOME=/root", "USER=root", "LOGNAME=root", "SHELL=/bin/sh",
        };
        size_t cap = req->n_env + LXS_ARRAY_SIZE(system_env);
        _cleanup_free_ char **env = calloc(cap + 1, sizeof(char *));
        if (!env)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < req->n_env; i++)
                if (strchr(req->env[i], '='))
                        env[n++] = req->env[i];
        if (!d)
                for (size_t i = 0; i < LXS_ARRAY_SIZE(system_env); i++)
                        env_default(env, &n, cap, system_env[i]);
        _cleanup_free_ char *cwd = d ? strdup(req->cwd ? req->cwd : "") : system_cwd(req->cwd);
        if (!cwd)
                return -ENOMEM;

        struct session *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->id = session_new_id(m);
        s->client = c;
        s->distro = d;
        s->stdin_credit = LXS_STREAM_INITIAL_CREDIT;
        s->out_credit[LXS__GUEST__STREAM__STREAM_STDOUT] = LXS_STREAM_INITIAL_CREDIT;
        s->out_credit[LXS__GUEST__STREAM__STREAM_STDERR] = LXS_STREAM_INITIAL_CREDIT;
        s->next = m->sessions;
        m->sessions = s;
        m->nsessions++;
        c->session = s;
        c->state = CLIENT_EXEC;
        s->background = d && req->background;
        if (d && !s->background)
                distro_session_added(d);

        Lxs__Guest__ExecStart start = LXS__GUEST__EXEC_START__INIT;
        start.session_id = s->id;
        start.argv = req->argv;
        start.n_argv = req->n_argv;
        start.env = env;
        start.n_env = n;
        start.cwd = cwd;
        if (d && req->host_cwd)
                start.host_cwd = req->host_cwd;
        start.tty = req->tty;
        start.rows = req->rows;
        start.cols = req->cols;
        if (d) {
                start.distro = d->name;
                start.user = req->user;
                start.shell = req->shell;
                start.image_tool = req->image_tool;
                start.background = req->background;
        }
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START;
        msg.exec_start = &start;
        vm_send(m, &msg.base);
        return 0;
}

static void send_guest_credit(struct vm_manager *m, struct session *s, int stream, uint32_t bytes)
{
        s->out_credit[stream] += bytes;
        vm_send_stream_credit(m, s->id, (uint32_t)stream, bytes);
}

static void credit_back_all(struct vm_manager *m, struct session *s)
{
        for (int st = LXS__GUEST__STREAM__STREAM_STDOUT; st <= LXS__GUEST__STREAM__STREAM_STDERR; st++) {
                if (s->uncredited[st]) {
                        uint32_t n = s->uncredited[st];
                        s->uncredited[st] = 0;
                        send_guest_credit(m, s, st, n);
                }
        }
}

void session_client_drained(struct vm_manager *m, struct client *c)
{
        if (c->session)
                credit_back_all(m, c->session);
}

void session_client_gone(struct vm_manager *m, struct session *s)
{
        s->client = NULL;
        /* As a terminal hang-up would: the process group learns its controller left. */
        if (!s->exited) {
                vm_send_signal(m, s->id, SIGHUP);
                vm_send_stream_close(m, s->id, LXS__GUEST__STREAM__STREAM_STDIN);
        }
        credit_back_all(m, s);
}

void session_client_request(struct vm_manager *m, struct client *c, const Lxs__Service__Request *req)
{
        struct session *s = c->session;
        if (!s) {
                client_finish(c);
                return;
        }
        Lxs__Guest__HostToGuest msg = LXS__GUEST__HOST_TO_GUEST__INIT;
        switch (req->msg_case) {
        case LXS__SERVICE__REQUEST__MSG_STREAM_DATA: {
                Lxs__Guest__StreamData *d = req->stream_data;
                if (d->stream != LXS__GUEST__STREAM__STREAM_STDIN || d->data.len > s->stdin_credit) {
                        client_send_error(c, EPROTO, "exec: stdin beyond the granted credit");
                        return;
                }
                s->stdin_credit -= d->data.len;
                d->session_id = s->id;
                msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_DATA;
                msg.stream_data = d;
                break;
        }
        case LXS__SERVICE__REQUEST__MSG_STREAM_CLOSE:
                if (req->stream_close->stream != LXS__GUEST__STREAM__STREAM_STDIN)
                        return;
                req->stream_close->session_id = s->id;
                msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CLOSE;
                msg.stream_close = req->stream_close;
                break;
        case LXS__SERVICE__REQUEST__MSG_SIGNAL:
                if (req->signal->signal < 1 || req->signal->signal > 64)
                        return;
                req->signal->session_id = s->id;
                msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_SIGNAL;
                msg.exec_signal = req->signal;
                break;
        case LXS__SERVICE__REQUEST__MSG_RESIZE:
                req->resize->session_id = s->id;
                msg.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_RESIZE;
                msg.exec_resize = req->resize;
                break;
        default:
                return; /* credit: the CLI's reading pace is measured by the socket itself */
        }
        if (!s->exited)
                vm_send(m, &msg.base);
}

void sessions_vm_died(struct vm_manager *m, const char *why)
{
        while (m->sessions) {
                struct session *s = m->sessions;
                if (s->client)
                        client_send_error(s->client, EIO, "utility VM: %s", why);
                session_free(m, s);
        }
}

static void reply_to_client(struct session *s, Lxs__Service__Reply *reply)
{
        if (s->client)
                client_send(s->client, &reply->base);
}

int session_on_started(struct vm_manager *m, const Lxs__Guest__ExecStarted *msg)
{
        struct session *s = session_find(m, msg->session_id);
        if (!s)
                return 0;
        if (s->started)
                return -EPROTO;
        s->started = true;
        Lxs__Guest__ExecStarted st = *msg;
        Lxs__Service__Reply reply = LXS__SERVICE__REPLY__INIT;
        reply.msg_case = LXS__SERVICE__REPLY__MSG_EXEC_STARTED;
        reply.exec_started = &st;
        reply_to_client(s, &reply);
        return 0;
}

int session_on_failed(struct vm_manager *m, const Lxs__Guest__ExecFailed *msg)
{
        struct session *s = session_find(m, msg->session_id);
        if (!s)
                return 0;
        if (s->started)
                return -EPROTO;
        int err = msg->errno_value > 0 && msg->errno_value < 4096 ? msg->errno_value : EIO;
        if (s->client)
                client_send_error(s->client, err, "%s", msg->detail && *msg->detail ? msg->detail : strerror(err));
        session_free(m, s);
        return 0;
}

int session_on_data(struct vm_manager *m, const Lxs__Guest__StreamData *msg)
{
        struct session *s = session_find(m, msg->session_id);
        if (!s)
                return 0;
        int st = msg->stream;
        if (st == LXS__GUEST__STREAM__STREAM_STDIN || !s->started || msg->data.len > s->out_credit[st])
                return -EPROTO;
        s->out_credit[st] -= msg->data.len;
        s->uncredited[st] += (uint32_t)msg->data.len;
        if (!s->client) {
                credit_back_all(m, s);
                return 0;
        }
        Lxs__Guest__StreamData d = *msg;
        Lxs__Service__Reply reply = LXS__SERVICE__REPLY__INIT;
        reply.msg_case = LXS__SERVICE__REPLY__MSG_STREAM_DATA;
        reply.stream_data = &d;
        client_send(s->client, &reply.base);
        /* client_send credited back already if the socket took everything. */
        return 0;
}

int session_on_close(struct vm_manager *m, const Lxs__Guest__StreamClose *msg)
{
        struct session *s = session_find(m, msg->session_id);
        if (!s)
                return 0;
        if (msg->stream == LXS__GUEST__STREAM__STREAM_STDIN)
                return -EPROTO;
        Lxs__Guest__StreamClose c = *msg;
        Lxs__Service__Reply reply = LXS__SERVICE__REPLY__INIT;
        reply.msg_case = LXS__SERVICE__REPLY__MSG_STREAM_CLOSE;
        reply.stream_close = &c;
        reply_to_client(s, &reply);
        return 0;
}

int session_on_credit(struct vm_manager *m, const Lxs__Guest__StreamCredit *msg)
{
        struct session *s = session_find(m, msg->session_id);
        if (!s)
                return 0;
        if (msg->stream != LXS__GUEST__STREAM__STREAM_STDIN)
                return -EPROTO;
        if (s->stdin_credit + msg->bytes > (uint64_t)LXS_STREAM_INITIAL_CREDIT * 4)
                return -EPROTO; /* more credit than there were bytes to consume */
        s->stdin_credit += msg->bytes;
        Lxs__Guest__StreamCredit c = *msg;
        Lxs__Service__Reply reply = LXS__SERVICE__REPLY__INIT;
        reply.msg_case = LXS__SERVICE__REPLY__MSG_STREAM_CREDIT;
        reply.stream_credit = &c;
        reply_to_client(s, &reply);
        return 0;
}

int session_on_exited(struct vm_manager *m, const Lxs__Guest__ExecExited *msg)
{
        struct session *s = session_find(m, msg->session_id);
        if (!s)
                return 0;
        s->exited = true;
        Lxs__Guest__ExecExited e = *msg;
        Lxs__Service__Reply reply = LXS__SERVICE__REPLY__INIT;
        reply.msg_case = LXS__SERVICE__REPLY__MSG_EXEC_EXITED;
        reply.exec_exited = &e;
        struct client *c = s->client;
        if (c) {
                client_send(c, &reply.base);
                c->session = NULL;
                s->client = NULL;
                client_finish(c);
        }
        session_free(m, s);
        return 0;
}
