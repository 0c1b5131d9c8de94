/* Fuzz target: a hostile guest talking to lxsd. The input is the byte stream the guest writes
 * on the control port; it goes through lxsd's real reader, decoder, dispatch table, session
 * relay and distro table while CLI sessions are live (one whose client already went away), in
 * a booting or a running VM. In a running VM three distros exist: "fz" running with a session,
 * "fy" waiting for the guest's answer to DistroStart with a client waiting, "fx" running idle.
 * Before the raw bytes, a short script derived from the input sends well-formed Distro* and
 * session messages about those names (and unknown ones, in other case, ...) and makes CLI
 * requests (terminate, list, exec in a distro) in between, so the distro state machine is
 * reached by every run rather than by a lucky random frame. Script steps also start host
 * programs (`cat`, the only thing lxs-host may run here: [interop] is on for that step alone,
 * so the raw bytes can never run anything) and drive their streams, signals and resizes. Two
 * forwarded connections (clients on socketpairs; listeners never touch the host's network) take
 * the next ids, so stream messages for ids 1..6 reach them too. lxsd must never crash, leak or
 * hand bytes to a client beyond what the protocol allows; a violation may only end the VM.
 * The QEMU driver is replaced by one that owns no process (the real driver is tested against
 * real QEMU in tests/unit/vm and tests/integration). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "lxsd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fail_disks; /* the fake driver's disk operations fail in this run */

static int fake_start(const struct lxs_vm_params *p, struct lxs_vm *vm, char **err) { return -ENOSYS; }
static int fake_kill(struct lxs_vm *vm) { return 0; }
static int fake_reap(struct lxs_vm *vm, int *status)
{
        *status = 0;
        return 0;
}
static int fake_attach(struct lxs_vm *vm, unsigned target, const char *path, char **err)
{
        return fail_disks ? -EIO : 0;
}
static int fake_detach(struct lxs_vm *vm, unsigned target, char **err)
{
        return fail_disks ? -EIO : 0;
}
/* Forwarded ports listen on a socketpair end, never on the host's network; a taken port now
 * and then, so the skip path is fuzzed too. */
static int fake_listen(int family, uint16_t port)
{
        if (fail_disks && port % 3 == 0)
                return -EADDRINUSE;
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp) < 0)
                return -errno;
        close(sp[1]);
        return sp[0];
}
static const struct lxs_vm_ops fake_driver = {
        .name = "fuzz", .start = fake_start, .kill = fake_kill, .reap = fake_reap,
        .attach_disk = fake_attach, .detach_disk = fake_detach,
};

static struct lxsd d;

#define MAX_PEERS 64
static int peers[MAX_PEERS];
static int npeers;

static void quit(struct lxs_loop *loop, void *data) { lxs_loop_quit(loop); }

static struct client *fake_client(void)
{
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp) < 0)
                abort();
        struct client *c = calloc(1, sizeof(*c));
        c->d = &d;
        c->fd = sp[0];
        c->state = CLIENT_NEW;
        lxs_frame_reader_init(&c->rd);
        lxs_outq_init(&c->out);
        c->watch_events = POLLIN;
        c->watch = lxs_loop_watch(d.loop, c->fd, POLLIN, NULL, c);
        c->next = d.clients;
        d.clients = c;
        d.nclients++;
        if (npeers < MAX_PEERS)
                peers[npeers++] = sp[1];
        else
                close(sp[1]);
        return c;
}

/* What the CLIs would read, drained so their sockets never fill. */
static void drain_peers(void)
{
        char sink[65536];
        for (int i = 0; i < npeers; i++)
                while (read(peers[i], sink, sizeof(sink)) > 0)
                        ;
}

/* An exec request in a distro, as lxsd keeps it while the distro starts. */
static Lxs__Service__Request *distro_exec_request(const char *name)
{
        static char *argv[] = { "id", NULL };
        Lxs__Service__ExecRequest er = LXS__SERVICE__EXEC_REQUEST__INIT;
        er.distro = (char *)name;
        er.argv = argv;
        er.n_argv = 1;
        er.shell = LXS__GUEST__SHELL__SHELL_LOGIN;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.protocol_version = LXS_SERVICE_PROTOCOL_VERSION;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_EXEC;
        req.exec = &er;
        uint8_t buf[512];
        size_t len = protobuf_c_message_pack(&req.base, buf);
        return lxs_request_decode(buf, len);
}

static struct client *waiting_client(const char *name)
{
        struct client *c = fake_client();
        c->pending = distro_exec_request(name);
        c->state = CLIENT_WAIT_BOOT;
        return c;
}

static void started(struct vm_manager *m, const char *name, int nwarnings)
{
        static char *warnings[] = { "/etc/lxs.conf:3: unknown key foo.bar", "/etc/lxs.conf:9: bad value" };
        Lxs__Guest__DistroStarted st = LXS__GUEST__DISTRO_STARTED__INIT;
        st.name = (char *)name;
        st.init_pid = 2;
        st.warnings = warnings;
        st.n_warnings = (size_t)nwarnings;
        distro_on_started(m, &st);
}

/* Sends one well-formed guest frame through the real channel. */
static void guest_frame(struct vm_manager *m, int guest_fd, const Lxs__Guest__GuestToHost *msg)
{
        struct lxs_outq q;
        lxs_outq_init(&q);
        if (lxs_outq_push_msg(&q, &msg->base) == 0)
                lxs_outq_flush(&q, guest_fd);
        lxs_outq_free(&q);
        if (m->state != VM_STOPPED)
                guest_channel_readable(m);
}

static const char *const names[] = { "fz", "fy", "FZ", "nope", "fx" };

static void script_step(struct vm_manager *m, int guest_fd, uint8_t op, uint8_t arg)
{
        const char *name = names[arg % LXS_ARRAY_SIZE(names)];
        static char *warnings[] = { "unknown key", "" };
        static char *argv[] = { "true", NULL };
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        Lxs__Guest__DistroStarted st = LXS__GUEST__DISTRO_STARTED__INIT;
        Lxs__Guest__DistroFailed fl = LXS__GUEST__DISTRO_FAILED__INIT;
        Lxs__Guest__DistroStopped sp = LXS__GUEST__DISTRO_STOPPED__INIT;
        Lxs__Guest__DistroActivity ac = LXS__GUEST__DISTRO_ACTIVITY__INIT;
        Lxs__Guest__ExecExited ex = LXS__GUEST__EXEC_EXITED__INIT;
        Lxs__Guest__ExecStarted es = LXS__GUEST__EXEC_STARTED__INIT;
        Lxs__Guest__StreamData sd = LXS__GUEST__STREAM_DATA__INIT;
        Lxs__Guest__HostExecStart hx = LXS__GUEST__HOST_EXEC_START__INIT;
        Lxs__Guest__StreamClose sc = LXS__GUEST__STREAM_CLOSE__INIT;
        Lxs__Guest__StreamCredit cr = LXS__GUEST__STREAM_CREDIT__INIT;
        Lxs__Guest__ExecSignal sg = LXS__GUEST__EXEC_SIGNAL__INIT;
        Lxs__Guest__ExecResize rz = LXS__GUEST__EXEC_RESIZE__INIT;
        static char *cat_argv[] = { "cat", NULL };
        uint32_t hx_id = LXS_HOST_EXEC_ID_BIT | (1u + arg % 3);
        switch (op % 13) {
        case 0:
                st.name = (char *)name;
                st.init_pid = arg;
                st.warnings = warnings;
                st.n_warnings = arg & 8 ? 2 : 0;
                msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STARTED;
                msg.distro_started = &st;
                break;
        case 1:
                fl.name = (char *)name;
                fl.errno_value = arg % 8 == 0 ? -1 : arg;
                fl.detail = arg & 8 ? (char *)"no disk at target" : (char *)"";
                msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_FAILED;
                msg.distro_failed = &fl;
                break;
        case 2:
                sp.name = (char *)name;
                sp.reason = arg & 8 ? (char *)"init exited with status 1" : (char *)"";
                msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STOPPED;
                msg.distro_stopped = &sp;
                break;
        case 3:
                ac.name = (char *)name;
                ac.busy = arg & 8;
                msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_ACTIVITY;
                msg.distro_activity = &ac;
                break;
        case 4:
                ex.session_id = 1 + arg % 6;
                ex.signal = arg & 8 ? 15 : 0;
                msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_EXITED;
                msg.exec_exited = &ex;
                break;
        case 5:
                es.session_id = 1 + arg % 6;
                msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_STARTED;
                msg.exec_started = &es;
                break;
        case 6:
                distro_request_terminate(m, fake_client(), name);
                return;
        case 7:
                distro_request_list(m, fake_client());
                return;
        case 8:
                /* A new session asked for: lxsd's own path (the registry here is empty). */
                if (m->state == VM_RUNNING) {
                        struct client *c = waiting_client(name);
                        vm_request_running(m, c);
                }
                return;
        case 9:
                sd.session_id = 1 + arg % 6;
                sd.stream = LXS__GUEST__STREAM__STREAM_STDOUT;
                sd.data.data = (uint8_t *)argv[0];
                sd.data.len = 4;
                msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_DATA;
                msg.stream_data = &sd;
                break;
        case 10:
                if (arg & 0x60)
                        return; /* a fork per run would make the batch slow; one in four */
                hx.session_id = hx_id;
                hx.argv = cat_argv;
                hx.n_argv = 1;
                hx.tty = arg & 8;
                hx.distro = (char *)name;
                msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_HOST_EXEC_START;
                msg.host_exec_start = &hx;
                m->cfg.interop_enabled = true;
                guest_frame(m, guest_fd, &msg);
                m->cfg.interop_enabled = false;
                return;
        case 11:
                switch ((arg >> 2) % 5) {
                case 0:
                        sd.session_id = hx_id;
                        sd.stream = LXS__GUEST__STREAM__STREAM_STDIN;
                        sd.data.data = (uint8_t *)"hello\n";
                        sd.data.len = 6;
                        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_DATA;
                        msg.stream_data = &sd;
                        break;
                case 1:
                        sc.session_id = hx_id;
                        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CLOSE;
                        msg.stream_close = &sc;
                        break;
                case 2:
                        cr.session_id = hx_id;
                        cr.stream = LXS__GUEST__STREAM__STREAM_STDOUT;
                        cr.bytes = 6;
                        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CREDIT;
                        msg.stream_credit = &cr;
                        break;
                case 3:
                        sg.session_id = hx_id;
                        sg.signal = arg & 16 ? 15 : 1;
                        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_SIGNAL;
                        msg.exec_signal = &sg;
                        break;
                default:
                        rz.session_id = hx_id;
                        rz.rows = arg;
                        rz.cols = 80;
                        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_RESIZE;
                        msg.exec_resize = &rz;
                        break;
                }
                break;
        case 12:
                /* Ends and credit for sessions and forwarded connections (ids 1..6). */
                if (arg & 1) {
                        sc.session_id = 1 + (arg >> 1) % 6;
                        sc.stream = arg & 16 ? LXS__GUEST__STREAM__STREAM_STDOUT : LXS__GUEST__STREAM__STREAM_STDERR;
                        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CLOSE;
                        msg.stream_close = &sc;
                } else {
                        cr.session_id = 1 + (arg >> 1) % 6;
                        cr.stream = LXS__GUEST__STREAM__STREAM_STDIN;
                        cr.bytes = arg & 16 ? 1u << 20 : 6;
                        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CREDIT;
                        msg.stream_credit = &cr;
                }
                break;
        }
        guest_frame(m, guest_fd, &msg);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        remove(path); /* best effort: keep going */
        return 0;
}

/* The scratch directory (lxsd's runtime, state and data dirs) goes with the process. */
static void remove_scratch(void)
{
        if (d.runtime_dir)
                nftw(d.runtime_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (!d.loop) {
                lxsd_log_open("/dev/null", 0);
                if (lxs_loop_new(&d.loop) < 0)
                        abort();
                char tmpl[] = "/tmp/lxs-fuzz.XXXXXX";
                char *dir = mkdtemp(tmpl);
                d.runtime_dir = strdup(dir);
                d.state_dir = strdup(dir);
                d.image_dir = strdup(dir);
                d.config_path = strdup("/nonexistent/lxs.conf");
                d.reap_timer = -1;
                /* An empty registry: exec requests for unknown distros take the error path and
                 * never run e2fsck. */
                setenv("LXS_DATA_DIR", dir, 1);
                atexit(remove_scratch);
        }
        struct vm_manager *m = &d.vm;
        vm_manager_init(m, &d);
        m->driver = &fake_driver;
        m->listen_loopback = fake_listen;
        /* Nothing the raw bytes say may run a host program (script step 10 turns it on). */
        m->cfg.interop_enabled = false;
        fail_disks = size > 0 && (data[0] & 0x80);
        int ctl[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ctl) < 0)
                abort();
        m->vm = (struct lxs_vm){ .pid = -1, .pidfd = -1, .control_fd = ctl[0], .qmp_fd = -1 };
        lxs_frame_reader_init(&m->rd);
        lxs_outq_init(&m->out);
        m->control_watch = lxs_loop_watch(d.loop, ctl[0], POLLIN, NULL, m);
        /* The first byte picks a booting or a running VM. */
        m->state = size > 0 && (data[0] & 1) ? VM_STARTING : VM_RUNNING;
        npeers = 0;

        struct client *a = fake_client();
        struct client *b = fake_client();
        static char *argv[] = { "true", NULL };
        Lxs__Service__ExecRequest req = LXS__SERVICE__EXEC_REQUEST__INIT;
        req.system = 1;
        req.argv = argv;
        req.n_argv = 1;
        if (m->state == VM_RUNNING) {
                session_start(m, a, &req, NULL);
                session_start(m, b, &req, NULL);
                client_destroy(b); /* a session whose CLI went away */

                struct distro *fz, *fy, *fx;
                if (distro_add(m, "fz", "/nonexistent/fz.img", 1000, &fz) == 0) {
                        waiter_add(&fz->start_waiters, waiting_client("fz"));
                        distro_boot_guest(fz);
                        started(m, "fz", 2); /* the waiting client's session starts */
                }
                if (distro_add(m, "fy", "/nonexistent/fy.img", 0, &fy) == 0) {
                        waiter_add(&fy->start_waiters, waiting_client("fy"));
                        distro_boot_guest(fy);
                }
                if (distro_add(m, "fx", "/nonexistent/fx.img", 0, &fx) == 0) {
                        distro_boot_guest(fx);
                        started(m, "fx", 0);
                }
                /* Two forwarded connections (ids after the sessions'), their clients sending. */
                for (int i = 0; i < 2; i++) {
                        int sp[2];
                        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp) < 0)
                                abort();
                        if (write(sp[1], "GET /\r\n", 7) != 7)
                                abort();
                        forward_conn_open(m, (uint16_t)(8080 + i), sp[0]);
                        if (npeers < MAX_PEERS)
                                peers[npeers++] = sp[1];
                        else
                                close(sp[1]);
                }
        }

        /* The script: its length and steps come from the input, which is then also sent raw. */
        if (size > 0) {
                unsigned steps = (data[0] >> 1) % 12;
                for (unsigned i = 0; i < steps && m->state != VM_STOPPED; i++) {
                        script_step(m, ctl[1], data[(1 + 2 * i) % size], data[(2 + 2 * i) % size]);
                        char sink[65536];
                        while (read(ctl[1], sink, sizeof(sink)) > 0)
                                ;
                        drain_peers();
                }
        }

        /* Feed the guest's bytes in socket-sized pieces, as the real port would deliver them. */
        size_t off = 0;
        while (off < size && m->state != VM_STOPPED) {
                ssize_t n = write(ctl[1], data + off, size - off);
                if (n > 0)
                        off += (size_t)n;
                guest_channel_readable(m);
                char sink[65536];
                while (read(ctl[1], sink, sizeof(sink)) > 0)
                        ; /* what lxsd sends back to the guest */
                drain_peers();
                if (n <= 0 && off < size)
                        break;
        }

        vm_kill_now(m, "fuzz input done");
        /* Whatever happened, nothing of the VM may be left behind it. */
        if (m->ndistros != 0 || m->nsessions != 0 || m->sessions || m->nhost_execs != 0 || m->forward_conns ||
            m->n_forwarded != 0) {
                fprintf(stderr,
                        "fuzz-lxsd-guest: left behind: %u distros, %u sessions, %u host programs, %u connections, "
                        "%zu forwarded ports\n",
                        m->ndistros, m->nsessions, m->nhost_execs, m->n_forward_conns, m->n_forwarded);
                abort();
        }
        /* Host programs of the dead VM were hung up; they go once reaped. */
        for (int i = 0; i < 5000 && m->host_execs; i++) {
                lxs_loop_timer(d.loop, 1, quit, NULL);
                lxs_loop_run(d.loop);
        }
        if (m->host_execs) {
                fprintf(stderr, "fuzz-lxsd-guest: a host program of the stopped VM was never reaped\n");
                abort();
        }
        while (d.clients)
                client_destroy(d.clients);
        lxs_loop_timer(d.loop, 0, quit, NULL);
        lxs_loop_run(d.loop); /* frees destroyed clients */
        lxs_config_free(&m->cfg);
        free(m->kernel);
        m->kernel = NULL;
        close(ctl[1]);
        for (int i = 0; i < npeers; i++)
                close(peers[i]);
        return 0;
}
