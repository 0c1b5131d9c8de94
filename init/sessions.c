/* Session table and lifecycle; see sessions.h for the contract.
 *
 * Sessions live in a list (a handful at a time; lookups by id and by pid are linear). A
 * session is freed only from here: when it finishes (ExecExited sent) or when the host is gone. */
#include "sessions.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "control-channel.h"
#include "pty.h"
#include "report.h"
#include "session.h"

#define SIGNAL_MAX 64

int lxs_sessions_new(struct lxs_loop *loop, struct lxs_sessions **ret)
{
        struct lxs_sessions *ss = calloc(1, sizeof(*ss));
        if (!ss)
                return -ENOMEM;
        ss->loop = loop;
        *ret = ss;
        return 0;
}

void lxs_sessions_set_channel(struct lxs_sessions *ss, struct lxs_channel *ch)
{
        ss->channel = ch;
}

void lxs_sessions_set_distros(struct lxs_sessions *ss, struct lxs_distros *ds)
{
        ss->distros = ds;
}

uint32_t lxs_sessions_count(const struct lxs_sessions *ss)
{
        return ss->count;
}

int session_send(struct session *s, const Lxs__Guest__GuestToHost *msg)
{
        if (!s->owner->channel)
                return -ENOTCONN;
        return lxs_channel_send(s->owner->channel, msg);
}

static struct session *find_by_id(struct lxs_sessions *ss, uint32_t id)
{
        for (struct session *s = ss->head; s; s = s->next)
                if (s->id == id)
                        return s;
        return NULL;
}

static struct session *find_by_pid(struct lxs_sessions *ss, pid_t pid)
{
        for (struct session *s = ss->head; s; s = s->next)
                if (s->pid == pid && !s->reaped)
                        return s;
        return NULL;
}

static void session_free(struct session *s)
{
        struct lxs_sessions *ss = s->owner;
        session_streams_release(s);
        if (s->prev)
                s->prev->next = s->next;
        else
                ss->head = s->next;
        if (s->next)
                s->next->prev = s->prev;
        ss->count--;
        free(s);
}

static struct session *session_alloc(struct lxs_sessions *ss, uint32_t id)
{
        struct session *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->owner = ss;
        s->id = id;
        s->pty_master = -1;
        s->sock = -1;
        s->connect_watch = -1;
        for (int i = 0; i < 2; i++) {
                s->out[i].session = s;
                s->out[i].stream = i == 0 ? LXS__GUEST__STREAM__STREAM_STDOUT : LXS__GUEST__STREAM__STREAM_STDERR;
                s->out[i].fd = -1;
                s->out[i].watch = -1;
                lxs_send_credit_init(&s->out[i].credit);
        }
        s->in.fd = -1;
        s->in.watch = -1;
        lxs_recv_credit_init(&s->in.credit);
        return s;
}

static void send_exec_failed(struct lxs_sessions *ss, uint32_t id, int errno_value, const char *detail)
{
        if (!ss->channel)
                return;
        Lxs__Guest__ExecFailed f = LXS__GUEST__EXEC_FAILED__INIT;
        f.session_id = id;
        f.errno_value = errno_value;
        f.detail = (char *)detail;
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_FAILED;
        out.exec_failed = &f;
        lxs_channel_send(ss->channel, &out);
}

static void send_started(struct session *s);

void lxs_sessions_exec_start(struct lxs_sessions *ss, const Lxs__Guest__ExecStart *m)
{
        if (find_by_id(ss, m->session_id)) {
                send_exec_failed(ss, m->session_id, EEXIST, "session id already in use");
                return;
        }
        if (ss->count >= LXS_SESSIONS_MAX) {
                send_exec_failed(ss, m->session_id, EAGAIN, "too many sessions");
                return;
        }
        struct session *s = session_alloc(ss, m->session_id);
        if (!s) {
                send_exec_failed(ss, m->session_id, ENOMEM, "out of memory");
                return;
        }
        char detail[512];
        int r = m->connect_port ? session_connect(s, m->connect_port, detail, sizeof(detail))
                                : session_spawn(s, m, detail, sizeof(detail));
        if (r < 0) {
                send_exec_failed(ss, m->session_id, -r, detail);
                free(s);
                return;
        }
        s->next = ss->head;
        if (ss->head)
                ss->head->prev = s;
        ss->head = s;
        ss->count++;
        if (r == 0)
                send_started(s);
}

void session_connect_done(struct session *s, int err)
{
        if (err == 0) {
                send_started(s);
                return;
        }
        char detail[128];
        snprintf(detail, sizeof(detail), "connect to port %u on the VM's loopback: %s", s->connect_port,
                 strerror(-err));
        send_exec_failed(s->owner, s->id, -err, detail);
        session_free(s);
}

static void send_started(struct session *s)
{
        Lxs__Guest__ExecStarted st = LXS__GUEST__EXEC_STARTED__INIT;
        st.session_id = s->id;
        st.pid = s->pid;
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_STARTED;
        out.exec_started = &st;
        session_send(s, &out);
        session_streams_start(s);
}

void session_maybe_finish(struct session *s)
{
        if (session_is_connection(s) ? !session_connection_done(s)
                                     : !s->reaped || !s->out[0].closed || !s->out[1].closed)
                return;
        Lxs__Guest__ExecExited ex = LXS__GUEST__EXEC_EXITED__INIT;
        ex.session_id = s->id;
        if (WIFSIGNALED(s->wait_status)) {
                ex.signal = WTERMSIG(s->wait_status);
                ex.exit_code = 128 + ex.signal; /* what a shell would report */
        } else {
                ex.exit_code = WEXITSTATUS(s->wait_status);
        }
        Lxs__Guest__GuestToHost out = LXS__GUEST__GUEST_TO_HOST__INIT;
        out.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_EXITED;
        out.exec_exited = &ex;
        session_send(s, &out);
        session_free(s);
}

static void kill_group(struct session *s, int sig)
{
        if (session_is_connection(s)) {
                session_connection_reset(s); /* no process: any signal resets the connection */
                return;
        }
        if (s->reaped)
                return;
        /* The child may have left its process group (setpgid); then only it is signalled. */
        if (kill(-s->pid, sig) < 0 && errno == ESRCH)
                kill(s->pid, sig);
}

void session_abort(struct session *s, const char *why)
{
        if (s->aborted)
                return;
        s->aborted = true;
        lxs_report(EPROTO, false, why, "session %u", s->id);
        kill_group(s, SIGKILL);
}

void lxs_sessions_child_exited(struct lxs_sessions *ss, pid_t pid, int status)
{
        struct session *s = find_by_pid(ss, pid);
        if (!s)
                return;
        s->reaped = true;
        s->wait_status = status;
        session_maybe_finish(s);
}

void lxs_sessions_kill_all(struct lxs_sessions *ss)
{
        while (ss->head) {
                kill_group(ss->head, SIGKILL);
                session_free(ss->head);
        }
}

void lxs_sessions_stream_data(struct lxs_sessions *ss, const Lxs__Guest__StreamData *m)
{
        struct session *s = find_by_id(ss, m->session_id);
        if (!s)
                return;
        if (m->stream != LXS__GUEST__STREAM__STREAM_STDIN) {
                session_abort(s, "host sent data on an output stream");
                return;
        }
        session_stdin_data(s, m->data.data, m->data.len);
        if (session_is_connection(s))
                session_maybe_finish(s); /* a violation resets a connection */
}

void lxs_sessions_stream_close(struct lxs_sessions *ss, const Lxs__Guest__StreamClose *m)
{
        struct session *s = find_by_id(ss, m->session_id);
        /* Closing an output stream from the host side has no meaning in the protocol. */
        if (s && m->stream == LXS__GUEST__STREAM__STREAM_STDIN) {
                session_stdin_close(s);
                if (session_is_connection(s))
                        session_maybe_finish(s);
        }
}

void lxs_sessions_stream_credit(struct lxs_sessions *ss, const Lxs__Guest__StreamCredit *m)
{
        struct session *s = find_by_id(ss, m->session_id);
        if (!s || m->stream == LXS__GUEST__STREAM__STREAM_STDIN)
                return;
        session_output_credit(s, &s->out[m->stream == LXS__GUEST__STREAM__STREAM_STDOUT ? 0 : 1], m->bytes);
}

void lxs_sessions_signal(struct lxs_sessions *ss, const Lxs__Guest__ExecSignal *m)
{
        struct session *s = find_by_id(ss, m->session_id);
        if (!s)
                return;
        if (m->signal < 1 || m->signal > SIGNAL_MAX) {
                char detail[64];
                snprintf(detail, sizeof(detail), "signal %d out of range", m->signal);
                lxs_report(EINVAL, false, detail, "session %u", s->id);
                return;
        }
        kill_group(s, m->signal);
        if (session_is_connection(s))
                session_maybe_finish(s);
}

void lxs_sessions_resize(struct lxs_sessions *ss, const Lxs__Guest__ExecResize *m)
{
        struct session *s = find_by_id(ss, m->session_id);
        if (!s || !s->tty || s->pty_master < 0)
                return;
        int r = lxs_pty_resize(s->pty_master, m->rows, m->cols);
        if (r < 0)
                lxs_report(-r, false, "window size", "session %u", s->id);
}

void lxs_sessions_free(struct lxs_sessions *ss)
{
        if (!ss)
                return;
        lxs_sessions_kill_all(ss);
        free(ss);
}
