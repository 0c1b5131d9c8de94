/* Command interop, Linux -> host, in the guest's PID 1: relays between `lxs-host` processes in
 * distros and host programs that lxsd runs (guest.proto HostExecStart and what follows it).
 *
 * Each distro's container has a listening unix socket at LXS_INTEROP_SOCKET (distros.c accepts
 * on it). Only that socket tells which distro a caller runs in: nothing the caller sends can
 * choose another. A connection carries guest.proto frames: the caller sends one GuestToHost
 * HostExecStart (its session_id and distro are replaced here), then StreamData/StreamClose for
 * stdin, ExecSignal and ExecResize; it receives the host's HostToGuest ExecStarted/ExecFailed,
 * StreamData/StreamClose for stdout and stderr, StreamCredit for stdin and ExecExited, as the
 * host sent them. Credit is end to end: the caller may send the stdin the host granted (more
 * ends its connection), and host output is credited back once it left our queue to the caller.
 * A caller that goes away hangs up its host program (SIGHUP, stdin closed), whose session is
 * forgotten when the host reports its end. Nothing prints except through report.h. */
#ifndef LXS_INIT_HOST_EXECS_H
#define LXS_INIT_HOST_EXECS_H

#include <stdbool.h>
#include <stdint.h>

#include "protocol.h"

/* In every distro; the mount point is created by the distro's init. */
#define LXS_INTEROP_SOCKET "/run/lxs/interop.sock"
/* Connections at once per VM; more are answered ExecFailed{EAGAIN}. */
#define LXS_HOST_EXECS_MAX 256u

struct lxs_loop;
struct lxs_channel;
struct lxs_host_execs;

int lxs_host_execs_new(struct lxs_loop *loop, struct lxs_host_execs **ret);
void lxs_host_execs_free(struct lxs_host_execs *hx);
void lxs_host_execs_set_channel(struct lxs_host_execs *hx, struct lxs_channel *ch);

/* A connection accepted on distro's socket (takes fd, non-blocking). interop_enabled is the
 * distro's [interop] enabled: when false the caller is refused with a clear error. */
void lxs_host_execs_accept(struct lxs_host_execs *hx, int fd, const char *distro, bool interop_enabled);

/* True for the session ids of host execs (the host's own sessions never have the bit). */
static inline bool lxs_host_exec_id(uint32_t id) { return (id & LXS_HOST_EXEC_ID_BIT) != 0; }

/* Host messages about host execs; unknown ids are ignored (the caller may just have gone). */
void lxs_host_execs_started(struct lxs_host_execs *hx, const Lxs__Guest__ExecStarted *m);
void lxs_host_execs_failed(struct lxs_host_execs *hx, const Lxs__Guest__ExecFailed *m);
void lxs_host_execs_exited(struct lxs_host_execs *hx, const Lxs__Guest__ExecExited *m);
void lxs_host_execs_data(struct lxs_host_execs *hx, const Lxs__Guest__StreamData *m);
void lxs_host_execs_close(struct lxs_host_execs *hx, const Lxs__Guest__StreamClose *m);
void lxs_host_execs_credit(struct lxs_host_execs *hx, const Lxs__Guest__StreamCredit *m);

/* The host is gone: every caller's connection is closed (their lxs-host reports it). */
void lxs_host_execs_host_gone(struct lxs_host_execs *hx);

unsigned lxs_host_execs_count(const struct lxs_host_execs *hx);

#endif
