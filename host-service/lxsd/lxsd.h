/* lxsd's shared state: the service, its clients (CLI connections), the utility VM it manages,
 * the distros running in it and the process sessions relayed between the two. Single-threaded
 * on the common event loop.
 *
 * Ownership: the service owns clients and the VM; the VM owns sessions and distros. A session
 * points at its client while the client is connected (and the client back at it); whichever
 * goes first clears the other's pointer. A session in a distro points at it; a distro ends its
 * sessions before it is freed, and distros exist only while the VM does. */
#ifndef LXSD_H
#define LXSD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "shares.h"
#include "event-loop.h"
#include "frame.h"
#include "protocol.h"
#include "registry.h"
#include "vm.h"

struct lxsd;
struct client;

enum vm_state { VM_STOPPED, VM_STARTING, VM_RUNNING, VM_STOPPING };

struct distro;
struct host_exec;
struct forward_conn;

/* Host programs running at once for one VM's lxs-host callers (host-exec.c). */
#define LXSD_HOST_EXECS_MAX 64u

struct session {
        struct session *next;
        uint32_t id;
        struct client *client;                 /* NULL once the CLI went away */
        struct distro *distro;                 /* NULL: the VM's own namespace (--system) */
        bool background;                       /* not counted for instanceIdleTimeout */
        bool started;
        bool exited;
        /* Bytes of guest output forwarded to the client and not yet credited back. */
        uint32_t uncredited[3];
        /* Stdin bytes the CLI may still send: the guest's grants, passed on to the CLI as is. */
        uint64_t stdin_credit;
        /* Guest output credit outstanding (what the guest may still send us). */
        uint64_t out_credit[3];
};

struct waiter {
        struct waiter *next;
        struct client *client;
};

enum distro_state { DISTRO_STARTING, DISTRO_RUNNING, DISTRO_STOPPING };

/* The host's check of a distro image before it is attached (image-check.c). */
struct image_check {
        pid_t pid;                             /* e2fsck; -1 when none runs */
        int pidfd;
        int out_fd;                            /* memfd collecting its output */
};

/* A distro lxsd started in the VM (distros.c). Starting covers the host's e2fsck, the disk
 * hot-add and the guest's answer to DistroStart (start_sent). */
struct distro {
        struct vm_manager *m;
        char *name;                            /* the registry's spelling */
        char *image;
        uint32_t default_uid;
        unsigned target;                       /* SCSI target = slot in vm_manager.distros */
        enum distro_state state;
        bool attached;                         /* its disk is hot-added */
        bool start_sent;                       /* DistroStart sent, answer pending */
        bool stop_after_start;                 /* terminated while the guest was starting it */
        bool busy;                             /* the guest's last DistroActivity */
        unsigned nsessions;
        uint64_t started_ms;
        struct image_check check;
        int check_watch, start_timer, stop_timer, idle_timer;
        struct waiter *start_waiters;          /* exec clients waiting for Running */
        struct waiter *stop_waiters;           /* terminate clients waiting for it to be gone */
};

/* A forwarded port: the host's 127.0.0.1:P ([0]) and [::1]:P ([1], -1 when unavailable). */
struct forward_listener {
        uint16_t port;
        int fd[2];
        int watch[2];
};

/* Forwarded ports (two listening sockets each) and connections open at once per VM: what the
 * guest reports beyond is skipped (logged), more clients are closed at accept (logged). Both
 * keep lxsd well inside the usual limit of 1,024 descriptors whatever the guest says. */
#define LXSD_FORWARDED_PORTS_MAX 128u
#define LXSD_FORWARD_CONNS_MAX 256u

struct vm_manager {
        struct lxsd *d;
        enum vm_state state;
        struct lxs_vm vm;
        const struct lxs_vm_ops *driver;
        struct lxs_config cfg;                 /* the config the running VM was booted with */
        struct lxsd_shares shares;             /* host folders the running VM was booted with */
        bool cfg_loaded;
        char *kernel;                          /* host file booted */
        char *kernel_release;                  /* from the guest's Hello */
        int pidfd_watch, control_watch, boot_timer, idle_timer, stop_timer, status_timer;
        struct lxs_frame_reader rd;
        struct lxs_outq out;
        uint64_t started_ms;                   /* CLOCK_MONOTONIC when QEMU was started */
        struct session *sessions;
        unsigned nsessions;
        uint32_t next_session_id;
        struct waiter *boot_waiters;           /* clients waiting for Running */
        struct waiter *status_waiters;         /* clients waiting for the guest's StatusReply */
        struct waiter *stop_waiters;           /* clients waiting for Stopped */
        bool stop_forced;
        struct distro *distros[LXS_VM_MAX_DISKS];   /* indexed by SCSI target */
        unsigned ndistros;
        uint64_t stuck_targets;                /* bit i: target i could not be detached */
        struct forward_listener forwarded[LXSD_FORWARDED_PORTS_MAX]; /* by ascending port */
        size_t n_forwarded;
        int (*listen_loopback)(int family, uint16_t port); /* forward_listen_loopback; a fuzzer's fake */
        struct forward_conn *forward_conns;
        unsigned n_forward_conns;
        /* Host programs run for the guest (host-exec.c); those of a stopped VM stay listed,
         * with id 0, until they are reaped. nhost_execs counts the live ones. */
        struct host_exec *host_execs;
        unsigned nhost_execs;
        char **host_programs;                  /* HelloAck.host_programs (host-programs.c) */
        size_t n_host_programs;
};

enum client_state {
        CLIENT_NEW,
        CLIENT_WAIT_BOOT,                      /* has a pending exec request (VM or distro start) */
        CLIENT_EXEC,
        CLIENT_WAIT_STATUS,
        CLIENT_WAIT_STOP,
        CLIENT_CLOSING,                        /* flush replies, then close */
};

struct client {
        struct client *next;
        struct lxsd *d;
        int fd;
        int watch;
        uint32_t watch_events;
        enum client_state state;
        struct lxs_frame_reader rd;
        struct lxs_outq out;
        Lxs__Service__Request *pending;        /* exec request kept while the VM or distro starts */
        struct session *session;
        bool dead;                             /* destroyed; freed when the loop unwinds */
};

struct lxsd {
        struct lxs_loop *loop;
        char *runtime_dir;
        char *state_dir;
        char *config_path;
        char *image_dir;
        int listen_fd;
        int listen_watch;
        struct client *clients;
        struct client *dead_clients;
        int reap_timer;
        unsigned nclients;
        struct vm_manager vm;
        uint64_t started_ms;
        uint64_t last_busy_ms;                 /* last time a VM or a client existed */
        bool views;                            /* start a file view per running distro (off in
                                                * tests that drive lxsd-core directly) */
};

uint64_t lxsd_now_ms(void);

/* server.c */
int lxsd_server_listen(struct lxsd *d);
void client_send(struct client *c, const ProtobufCMessage *msg);
void client_send_error(struct client *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void client_send_ok(struct client *c);
/* Replies pending, then closes the connection. */
void client_finish(struct client *c);
void client_destroy(struct client *c);

/* vm-manager.c */
/* Waiter lists: add reports ENOMEM to the client itself; take detaches the whole list. */
void waiter_add(struct waiter **list, struct client *c);
void waiter_remove(struct waiter **list, struct client *c);
struct waiter *waiters_take(struct waiter **list);
void vm_manager_init(struct vm_manager *m, struct lxsd *d);
/* Makes sure the VM is running or booting; the client is told through vm_client_ready() or
 * an error once it is. */
void vm_request_running(struct vm_manager *m, struct client *c);
void vm_request_stop(struct vm_manager *m, struct client *c, bool force);
void vm_request_status(struct vm_manager *m, struct client *c);
void vm_forget_client(struct vm_manager *m, struct client *c);
/* Re-evaluates whether the VM is idle (no sessions) and arms/cancels the idle timer. */
void vm_update_idle(struct vm_manager *m);
void vm_send(struct vm_manager *m, const ProtobufCMessage *msg);
/* Writes what is queued towards the guest (after a frame was built in place in m->out). */
void vm_flush(struct vm_manager *m);
void vm_kill_now(struct vm_manager *m, const char *why);
const char *vm_state_name(enum vm_state s);
/* From the guest channel: the handshake is done / the guest answered a StatusRequest. */
void vm_guest_ready(struct vm_manager *m);
void vm_status_reply(struct vm_manager *m, const Lxs__Guest__StatusReply *guest);

/* guest-channel.c */
void guest_channel_readable(struct vm_manager *m);

/* distros.c */
/* c->pending is an exec in a distro and the VM runs: starts the distro if needed, then the
 * session. Errors go to the client. */
void distro_exec(struct vm_manager *m, struct client *c);
/* The registry checks of a distro start, without starting anything: 0, or a negative errno
 * with the user's message in err ("NAME: no such distribution"). */
int distro_lookup(const char *name, struct lxs_distro *out, char *err, size_t errlen);
/* The errno an Error about a distro start carries: never one the CLI reads as "command not
 * found" (ENOENT, 127) or "not executable" (EACCES/ENOEXEC, 126). */
int distro_errno(int err);
void distro_request_terminate(struct vm_manager *m, struct client *c, const char *name);
void distro_request_list(struct vm_manager *m, struct client *c);
void distro_forget_client(struct vm_manager *m, struct client *c);
struct distro *distro_find(struct vm_manager *m, const char *name);
/* A distro in the table, Starting, nothing done yet (distro_exec's first step; the fuzzer's). */
int distro_add(struct vm_manager *m, const char *name, const char *image, uint32_t default_uid,
               struct distro **out);
/* Hot-adds its disk and sends DistroStart. */
void distro_boot_guest(struct distro *d);
/* The guest is up: DistroStart for the distros whose disk was attached while it booted. */
void distros_vm_running(struct vm_manager *m);
void distro_session_added(struct distro *d);
/* Whether the distro is Starting or Running in a VM that is not stopping. */
bool distro_running_or_starting(struct vm_manager *m, const char *name);
void distro_session_ended(struct distro *d);
void distros_vm_stopped(struct vm_manager *m, const char *why);
/* Guest messages about distros; 0 (unexpected ones are logged and ignored). */
int distro_on_started(struct vm_manager *m, const Lxs__Guest__DistroStarted *msg);
int distro_on_failed(struct vm_manager *m, const Lxs__Guest__DistroFailed *msg);
int distro_on_stopped(struct vm_manager *m, const Lxs__Guest__DistroStopped *msg);
int distro_on_activity(struct vm_manager *m, const Lxs__Guest__DistroActivity *msg);
const char *distro_state_name(enum distro_state s);

/* image-check.c */
int image_check_spawn(const char *image, struct image_check *ic);
/* After its pidfd became readable: 0 when the image is clean or was repaired, -ENOENT when
 * there is no e2fsck to run, -EUCLEAN (damage left) or another errno with *detail a malloc'd
 * one-line summary of e2fsck's output. */
int image_check_finish(struct image_check *ic, const char *image, char **detail);
void image_check_abort(struct image_check *ic);

/* sessions.c */
/* Starts a session in the VM's namespace (d NULL) or in a running distro. */
int session_start(struct vm_manager *m, struct client *c, const Lxs__Service__ExecRequest *req,
                  struct distro *d);
struct session *session_find(struct vm_manager *m, uint32_t id);
/* An id for a new session or forwarded connection, not 0 and not a live one's. */
uint32_t session_new_id(struct vm_manager *m);
void session_free(struct vm_manager *m, struct session *s);
void session_client_gone(struct vm_manager *m, struct session *s);
void session_client_drained(struct vm_manager *m, struct client *c);
void session_client_request(struct vm_manager *m, struct client *c, const Lxs__Service__Request *req);
void sessions_vm_died(struct vm_manager *m, const char *why);
/* Guest messages for sessions. Return 0, or -EPROTO for a guest protocol violation. */
int session_on_started(struct vm_manager *m, const Lxs__Guest__ExecStarted *msg);
int session_on_failed(struct vm_manager *m, const Lxs__Guest__ExecFailed *msg);
int session_on_data(struct vm_manager *m, const Lxs__Guest__StreamData *msg);
int session_on_close(struct vm_manager *m, const Lxs__Guest__StreamClose *msg);
int session_on_credit(struct vm_manager *m, const Lxs__Guest__StreamCredit *msg);
int session_on_exited(struct vm_manager *m, const Lxs__Guest__ExecExited *msg);

/* forward.c: localhost forwarding. Applies a guest's ListeningPorts; -EPROTO if forwarding was
 * not asked for. */
int forward_on_listening(struct vm_manager *m, const Lxs__Guest__ListeningPorts *msg);
/* The VM is gone: its listeners close and its connections are reset. */
void forward_reset(struct vm_manager *m);
/* A nonblocking listening socket on the host's loopback (family AF_INET or AF_INET6), or
 * negative errno (-EADDRINUSE: taken). */
int forward_listen_loopback(int family, uint16_t port);
/* forward-conn.c: one accepted connection of a forwarded port (fd is taken). Guest messages for
 * a connection's id return 0, or -EPROTO for a violation. */
void forward_conn_open(struct vm_manager *m, uint16_t port, int fd);
struct forward_conn *forward_conn_find(struct vm_manager *m, uint32_t id);
int forward_conn_on_started(struct forward_conn *fc, const Lxs__Guest__ExecStarted *msg);
int forward_conn_on_failed(struct forward_conn *fc, const Lxs__Guest__ExecFailed *msg);
int forward_conn_on_data(struct forward_conn *fc, const Lxs__Guest__StreamData *msg);
int forward_conn_on_close(struct forward_conn *fc, const Lxs__Guest__StreamClose *msg);
int forward_conn_on_credit(struct forward_conn *fc, const Lxs__Guest__StreamCredit *msg);
int forward_conn_on_exited(struct forward_conn *fc, const Lxs__Guest__ExecExited *msg);
void forward_conns_vm_stopped(struct vm_manager *m);
/* host-exec.c: host programs for lxs-host in the guest. Guest messages return 0, or -EPROTO
 * for a violation; ids are those with LXS_HOST_EXEC_ID_BIT. */
struct host_exec *host_exec_find(struct vm_manager *m, uint32_t id);
int host_exec_on_start(struct vm_manager *m, const Lxs__Guest__HostExecStart *req);
int host_exec_on_data(struct vm_manager *m, const Lxs__Guest__StreamData *msg);
int host_exec_on_close(struct vm_manager *m, const Lxs__Guest__StreamClose *msg);
int host_exec_on_credit(struct vm_manager *m, const Lxs__Guest__StreamCredit *msg);
int host_exec_on_signal(struct vm_manager *m, const Lxs__Guest__ExecSignal *msg);
int host_exec_on_resize(struct vm_manager *m, const Lxs__Guest__ExecResize *msg);
/* The VM is gone: running programs get SIGHUP and are reaped in the background. */
void host_execs_vm_stopped(struct vm_manager *m);

/* host-programs.c: the names of the executables on PATH (the first of each name), for the
 * guest's NAME.host links; at most LXS_HOST_PROGRAMS_MAX, in at most max_bytes of names.
 * 0 with a malloc'd array (free with lxs_strv_freep), or negative errno. */
int host_programs_scan(const char *path, size_t max_bytes, char ***out, size_t *n);

/* views.c: the host's file view of each running distro. views_spawn starts a detached
 * `lxs --mount-view NAME` and does not wait for it (with link_dir, [views] linkDir, it first
 * makes the stable link LINK_DIR/NAME to the view's mount point); views_clean_stale detaches and removes what
 * is left under $runtime/mnt by an lxsd that did not exit cleanly (call before serving). */
void views_spawn(struct lxsd *d, const char *name, const char *link_dir);
void views_clean_stale(struct lxsd *d);

#endif
