/* Process sessions the host starts in the guest (ExecStart .. ExecExited), with their stdio
 * relayed as credit-controlled streams.
 *
 * Each handler takes one decoded host message; messages for unknown session ids are ignored
 * (the session may just have ended). ExecExited is sent exactly once per started session, after
 * the child was reaped and both output streams were closed. Protocol violations by the host
 * (stdin beyond credit, stdin after its StreamClose) kill that session's process group and are
 * reported; they never take the guest down. Nothing prints except through report.h. */
#ifndef LXS_INIT_SESSIONS_H
#define LXS_INIT_SESSIONS_H

#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"

struct lxs_loop;
struct lxs_channel;
struct lxs_sessions;
struct lxs_distros;

/* At most this many live sessions; more are refused with EAGAIN. */
#define LXS_SESSIONS_MAX 1024u

int lxs_sessions_new(struct lxs_loop *loop, struct lxs_sessions **ret);
void lxs_sessions_free(struct lxs_sessions *ss);
/* Where session messages go (the channel is created after the sessions). */
void lxs_sessions_set_channel(struct lxs_sessions *ss, struct lxs_channel *ch);
/* Where sessions in a distro (ExecStart.distro) find it. */
void lxs_sessions_set_distros(struct lxs_sessions *ss, struct lxs_distros *ds);

void lxs_sessions_exec_start(struct lxs_sessions *ss, const Lxs__Guest__ExecStart *m);
void lxs_sessions_stream_data(struct lxs_sessions *ss, const Lxs__Guest__StreamData *m);
void lxs_sessions_stream_close(struct lxs_sessions *ss, const Lxs__Guest__StreamClose *m);
void lxs_sessions_stream_credit(struct lxs_sessions *ss, const Lxs__Guest__StreamCredit *m);
void lxs_sessions_signal(struct lxs_sessions *ss, const Lxs__Guest__ExecSignal *m);
void lxs_sessions_resize(struct lxs_sessions *ss, const Lxs__Guest__ExecResize *m);

/* A reaped child; pids that belong to no session (orphans, helpers) are ignored. */
void lxs_sessions_child_exited(struct lxs_sessions *ss, pid_t pid, int status);

/* The host is gone: SIGKILL every session's process group and forget the sessions. */
void lxs_sessions_kill_all(struct lxs_sessions *ss);

uint32_t lxs_sessions_count(const struct lxs_sessions *ss);

#endif
