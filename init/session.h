/* Internal state of one session, shared by sessions.c (table and lifecycle), session-exec.c
 * (starting the child) and session-streams.c (stdio relay). Not part of the library's API. */
#ifndef LXS_INIT_SESSION_H
#define LXS_INIT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "credit.h"
#include "protocol.h"

struct lxs_loop;
struct lxs_channel;
struct lxs_distros;
struct session;

/* stdout or stderr of the child, read by the guest and sent to the host. */
struct out_stream {
        struct session *session;
        Lxs__Guest__Stream stream;
        int fd;                      /* pipe read end, or the pty master (owned by the session) */
        int watch;                   /* -1 while not polled (no credit, or closed) */
        struct lxs_send_credit credit;
        bool closed;                 /* StreamClose sent */
};

struct in_chunk {
        struct in_chunk *next;
        size_t len, off;
        bool credited;               /* host bytes (credit goes back once written); VEOF is not */
        uint8_t data[];
};

/* stdin of the child, received from the host and written to the child. */
struct in_stream {
        int fd;                      /* pipe write end, or the pty master; -1 once closed */
        int watch;                   /* POLLOUT while bytes are pending */
        struct lxs_recv_credit credit;
        struct in_chunk *head, *tail;
        bool close_requested;        /* StreamClose{STDIN} arrived */
        bool discard;                /* the child stopped reading: bytes are dropped (and credited) */
};

struct lxs_sessions {
        struct lxs_loop *loop;
        struct lxs_channel *channel;
        struct lxs_distros *distros;  /* where ExecStart.distro is looked up; may be NULL */
        struct session *head;
        uint32_t count;
};

struct session {
        struct session *prev, *next;
        struct lxs_sessions *owner;
        uint32_t id;
        pid_t pid;
        bool reaped;
        int wait_status;
        bool tty;
        bool aborted;                /* killed for a protocol violation: stdin is ignored */
        int pty_master;
        struct out_stream out[2];    /* [0] stdout, [1] stderr */
        struct in_stream in;
        /* Connection sessions (ExecStart.connect_port), which have no process (pid 0): */
        uint16_t connect_port;       /* 0 for a process session */
        unsigned connect_target;     /* next loopback address to try */
        int connect_watch;           /* -1 unless a connect is pending */
        int sock;                    /* the connection: stdout and stdin at once; -1 */
};

static inline bool session_is_connection(const struct session *s)
{
        return s->connect_port != 0;
}

/* An fd the streams share and must not close on their own (the pty master, the socket). */
static inline bool session_shared_fd(const struct session *s, int fd)
{
        return fd >= 0 && (fd == s->pty_master || fd == s->sock);
}

/* session-exec.c: starts the child of a new session; fills pid and the stream fds. On failure
 * returns negative errno with a one-line reason in detail ("<argv0>: <strerror>" for exec). */
int session_spawn(struct session *s, const Lxs__Guest__ExecStart *m, char *detail, size_t detail_size);

/* session-connect.c: starts the connection of a connection session. 0 connected, 1 pending
 * (session_connect_done follows), negative errno with a one-line reason in detail. */
int session_connect(struct session *s, uint32_t port, char *detail, size_t detail_size);
/* Aborts the connection (the server sees a reset) and ends both directions, sending nothing;
 * session_maybe_finish then ends the session. */
void session_connection_reset(struct session *s);
/* Both directions have ended. */
bool session_connection_done(const struct session *s);

/* session-streams.c */
void session_streams_start(struct session *s);
void session_stdin_data(struct session *s, const uint8_t *data, size_t len);
void session_stdin_close(struct session *s);
void session_output_credit(struct session *s, struct out_stream *o, uint32_t bytes);
/* Stops relaying: unwatches, closes every fd, drops pending stdin. */
void session_streams_release(struct session *s);

/* sessions.c */
/* A pending connect ended: 0 connected (ExecStarted), else ExecFailed and s is freed. */
void session_connect_done(struct session *s, int err);
int session_send(struct session *s, const Lxs__Guest__GuestToHost *msg);
/* Ends the session (ExecExited) once it is reaped and both outputs are closed; may free s. */
void session_maybe_finish(struct session *s);
/* A protocol violation: reports it and kills the session's process group. */
void session_abort(struct session *s, const char *why);

#endif
