/* lxsd's shared state: the service, its clients (CLI connections), the utility VM it manages
 * and the process sessions relayed between the two. Single-threaded on the common event loop.
 *
 * Ownership: the service owns clients and the VM; the VM owns sessions. A session points at
 * its client while the client is connected (and the client back at it); whichever goes first
 * clears the other's pointer. */
#ifndef LXSD_H
#define LXSD_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "event-loop.h"
#include "frame.h"
#include "protocol.h"
#include "vm.h"

struct lxsd;
struct client;

enum vm_state { VM_STOPPED, VM_STARTING, VM_RUNNING, VM_STOPPING };

struct session {
        struct session *next;
        uint32_t id;
        struct client *client;                 /* NULL once the CLI went away */
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

struct vm_manager {
        struct lxsd *d;
        enum vm_state state;
        struct lxs_vm vm;
        const struct lxs_vm_ops *driver;
        struct lxs_config cfg;                 /* the config the running VM was booted with */
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
};

enum client_state {
        CLIENT_NEW,
        CLIENT_WAIT_BOOT,                      /* has a pending exec request */
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
        Lxs__Service__Request *pending;        /* exec request kept while the VM boots */
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
void vm_kill_now(struct vm_manager *m, const char *why);
const char *vm_state_name(enum vm_state s);
/* From the guest channel: the handshake is done / the guest answered a StatusRequest. */
void vm_guest_ready(struct vm_manager *m);
void vm_status_reply(struct vm_manager *m, const Lxs__Guest__StatusReply *guest);

/* guest-channel.c */
void guest_channel_readable(struct vm_manager *m);

/* sessions.c */
int session_start(struct vm_manager *m, struct client *c, const Lxs__Service__ExecRequest *req);
struct session *session_find(struct vm_manager *m, uint32_t id);
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

#endif
