/* Every message of both protocols survives encode -> frame -> decode -> encode unchanged, and
 * the decoders reject what is out of bounds (bad stream numbers, oversized chunks, empty
 * messages, exec without argv). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "../check.h"
#include "cleanup.h"
#include "protocol.h"

typedef void *(*decode_fn)(const uint8_t *, size_t);

/* Frames msg, decodes it with `decode`, re-encodes the result and compares the bytes. */
static void round_trip(const ProtobufCMessage *msg, void *(*decode)(const uint8_t *, size_t), int expect_case)
{
        struct lxs_outq q;
        lxs_outq_init(&q);
        CHECK_EQ_INT(lxs_outq_push_msg(&q, msg), 0);
        int fds[2];
        CHECK(pipe(fds) == 0);
        CHECK_EQ_INT(lxs_outq_flush(&q, fds[1]), 0);
        close(fds[1]);
        struct lxs_frame_reader r;
        lxs_frame_reader_init(&r);
        while (lxs_frame_reader_fill(&r, fds[0]) > 0)
                ;
        close(fds[0]);
        const uint8_t *p;
        size_t len;
        CHECK_EQ_INT(lxs_frame_reader_next(&r, &p, &len), 1);
        ProtobufCMessage *back = decode(p, len);
        CHECK(back != NULL);
        if (back) {
                size_t a = protobuf_c_message_get_packed_size(msg);
                size_t b = protobuf_c_message_get_packed_size(back);
                CHECK_EQ_INT(a, b);
                uint8_t *ba = malloc(a), *bb = malloc(b);
                protobuf_c_message_pack(msg, ba);
                protobuf_c_message_pack(back, bb);
                CHECK(a == b && memcmp(ba, bb, a) == 0);
                /* The oneof case is the first field after base in every envelope. */
                const int *msg_case = (const int *)((const char *)back + sizeof(ProtobufCMessage));
                CHECK_EQ_INT(*msg_case, expect_case);
                free(ba);
                free(bb);
                protobuf_c_message_free_unpacked(back, NULL);
        }
        lxs_frame_reader_free(&r);
        lxs_outq_free(&q);
}

static void *dec_g2h(const uint8_t *b, size_t n) { return lxs_guest_to_host_decode(b, n); }
static void *dec_h2g(const uint8_t *b, size_t n) { return lxs_host_to_guest_decode(b, n); }
static void *dec_rep(const uint8_t *b, size_t n) { return lxs_reply_decode(b, n); }

static char *argv_fixture[] = { "sh", "-c", "echo hi", NULL };
static char *env_fixture[] = { "TERM=xterm", "LANG=C.UTF-8", NULL };
static uint8_t bytes_fixture[] = { 0, 1, 2, 0xff, 0x80 };

static void test_guest_to_host(void)
{
        Lxs__Guest__Hello hello = LXS__GUEST__HELLO__INIT;
        hello.protocol_version = 1;
        hello.init_version = "0.1.0";
        hello.kernel_release = "6.1.0-56-amd64";
        hello.uptime_ms = 1234;
        Lxs__Guest__GuestFailure failure = LXS__GUEST__GUEST_FAILURE__INIT;
        failure.stage = "mount /proc";
        failure.errno_value = ENOENT;
        failure.detail = "x";
        failure.fatal = 1;
        Lxs__Guest__ExecStarted exec_started = LXS__GUEST__EXEC_STARTED__INIT;
        exec_started.session_id = 7;
        exec_started.pid = 99;
        Lxs__Guest__ExecFailed exec_failed = LXS__GUEST__EXEC_FAILED__INIT;
        exec_failed.session_id = 7;
        exec_failed.errno_value = ENOENT;
        exec_failed.detail = "nope: No such file or directory";
        Lxs__Guest__StreamData stream_data = LXS__GUEST__STREAM_DATA__INIT;
        stream_data.session_id = 7;
        stream_data.stream = LXS__GUEST__STREAM__STREAM_STDERR;
        stream_data.data.data = bytes_fixture;
        stream_data.data.len = sizeof(bytes_fixture);
        Lxs__Guest__StreamClose stream_close = LXS__GUEST__STREAM_CLOSE__INIT;
        stream_close.session_id = 7;
        stream_close.stream = LXS__GUEST__STREAM__STREAM_STDOUT;
        Lxs__Guest__StreamCredit stream_credit = LXS__GUEST__STREAM_CREDIT__INIT;
        stream_credit.session_id = 7;
        stream_credit.bytes = 65536;
        Lxs__Guest__ExecExited exec_exited = LXS__GUEST__EXEC_EXITED__INIT;
        exec_exited.session_id = 7;
        exec_exited.exit_code = 3;
        exec_exited.signal = 9;
        Lxs__Guest__StatusReply status_reply = LXS__GUEST__STATUS_REPLY__INIT;
        status_reply.uptime_ms = 5;
        status_reply.mem_total_kib = 2000000;
        status_reply.mem_available_kib = 1500000;
        status_reply.processes = 3;
        status_reply.sessions = 1;

        static char *warnings[] = { "/etc/lxs.conf:3: unknown key foo.bar" };
        Lxs__Guest__DistroStarted distro_started = LXS__GUEST__DISTRO_STARTED__INIT;
        distro_started.name = "debian";
        distro_started.init_pid = 42;
        distro_started.warnings = warnings;
        distro_started.n_warnings = 1;
        Lxs__Guest__DistroFailed distro_failed = LXS__GUEST__DISTRO_FAILED__INIT;
        distro_failed.name = "debian";
        distro_failed.errno_value = EUCLEAN;
        distro_failed.detail = "mount: structure needs cleaning";
        Lxs__Guest__DistroStopped distro_stopped = LXS__GUEST__DISTRO_STOPPED__INIT;
        distro_stopped.name = "debian";
        distro_stopped.reason = "the distro init was killed by signal 9";
        Lxs__Guest__DistroActivity distro_activity = LXS__GUEST__DISTRO_ACTIVITY__INIT;
        distro_activity.name = "debian";
        distro_activity.busy = 1;
        Lxs__Guest__ListeningPorts listening_ports = LXS__GUEST__LISTENING_PORTS__INIT;
        uint32_t ports[] = { 22, 8080, 65535 };
        listening_ports.ports = ports;
        listening_ports.n_ports = 3;
        Lxs__Guest__HostExecStart host_exec_start = LXS__GUEST__HOST_EXEC_START__INIT;
        host_exec_start.session_id = LXS_HOST_EXEC_ID_BIT | 5;
        host_exec_start.argv = argv_fixture;
        host_exec_start.n_argv = 3;
        host_exec_start.env = env_fixture;
        host_exec_start.n_env = 2;
        host_exec_start.cwd = "/home/ann/src";
        host_exec_start.tty = 1;
        host_exec_start.rows = 40;
        host_exec_start.cols = 100;
        host_exec_start.distro = "debian";
        Lxs__Guest__ExecSignal exec_signal = LXS__GUEST__EXEC_SIGNAL__INIT;
        exec_signal.session_id = LXS_HOST_EXEC_ID_BIT | 5;
        exec_signal.signal = 2;
        Lxs__Guest__ExecResize exec_resize = LXS__GUEST__EXEC_RESIZE__INIT;
        exec_resize.session_id = LXS_HOST_EXEC_ID_BIT | 5;
        exec_resize.rows = 50;
        exec_resize.cols = 132;

        Lxs__Guest__GuestToHost m = LXS__GUEST__GUEST_TO_HOST__INIT;
#define G2H(field, kase)                                                                 \
        do {                                                                             \
                m.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_##kase;                      \
                m.field = &field;                                                        \
                round_trip(&m.base, dec_g2h, LXS__GUEST__GUEST_TO_HOST__MSG_##kase);     \
        } while (0)
        G2H(hello, HELLO);
        G2H(failure, FAILURE);
        G2H(exec_started, EXEC_STARTED);
        G2H(exec_failed, EXEC_FAILED);
        G2H(stream_data, STREAM_DATA);
        G2H(stream_close, STREAM_CLOSE);
        G2H(stream_credit, STREAM_CREDIT);
        G2H(exec_exited, EXEC_EXITED);
        G2H(status_reply, STATUS_REPLY);
        G2H(distro_started, DISTRO_STARTED);
        G2H(distro_failed, DISTRO_FAILED);
        G2H(distro_stopped, DISTRO_STOPPED);
        G2H(distro_activity, DISTRO_ACTIVITY);
        G2H(listening_ports, LISTENING_PORTS);
        G2H(host_exec_start, HOST_EXEC_START);
        G2H(exec_signal, EXEC_SIGNAL);
        G2H(exec_resize, EXEC_RESIZE);
#undef G2H
}

static void test_host_to_guest(void)
{
        Lxs__Guest__HelloAck ack = LXS__GUEST__HELLO_ACK__INIT;
        ack.protocol_version = 1;
        ack.accepted = 1;
        ack.hostname = "lxs";
        ack.host_time_ns = 1700000000000000000LL;
        ack.localhost_forwarding = 1;
        Lxs__Guest__Share share_home = LXS__GUEST__SHARE__INIT, share_data = LXS__GUEST__SHARE__INIT;
        share_home.tag = "lxs-share0";
        share_home.host_path = "/home/ann";
        share_data.tag = "lxs-share1";
        share_data.host_path = "/srv/d\xc3\xa4ta";
        Lxs__Guest__Share *shares[] = { &share_home, &share_data };
        ack.shares = shares;
        ack.n_shares = 2;
        ack.view_root = "/run/user/1000/lxs/mnt";
        static char *programs[] = { "uname", "code", "python3.12" };
        ack.host_programs = programs;
        ack.n_host_programs = 3;
        Lxs__Guest__ExecStart start = LXS__GUEST__EXEC_START__INIT;
        start.session_id = 1;
        start.argv = argv_fixture;
        start.n_argv = 3;
        start.env = env_fixture;
        start.n_env = 2;
        start.cwd = "/root";
        start.tty = 1;
        start.rows = 50;
        start.cols = 132;
        Lxs__Guest__StreamData data = LXS__GUEST__STREAM_DATA__INIT;
        data.session_id = 1;
        data.data.data = bytes_fixture;
        data.data.len = sizeof(bytes_fixture);
        Lxs__Guest__StreamClose close_ = LXS__GUEST__STREAM_CLOSE__INIT;
        close_.session_id = 1;
        Lxs__Guest__StreamCredit credit = LXS__GUEST__STREAM_CREDIT__INIT;
        credit.session_id = 1;
        credit.stream = LXS__GUEST__STREAM__STREAM_STDOUT;
        credit.bytes = 4096;
        Lxs__Guest__ExecSignal sig = LXS__GUEST__EXEC_SIGNAL__INIT;
        sig.session_id = 1;
        sig.signal = 2;
        Lxs__Guest__ExecResize resize = LXS__GUEST__EXEC_RESIZE__INIT;
        resize.session_id = 1;
        resize.rows = 10;
        resize.cols = 20;
        Lxs__Guest__Shutdown shutdown = LXS__GUEST__SHUTDOWN__INIT;
        Lxs__Guest__StatusRequest sreq = LXS__GUEST__STATUS_REQUEST__INIT;
        Lxs__Guest__DistroStart dstart = LXS__GUEST__DISTRO_START__INIT;
        dstart.name = "debian";
        dstart.scsi_target = 3;
        dstart.hostname = "debian";
        dstart.default_uid = 1000;
        dstart.resolv_conf = "nameserver 10.0.2.3\n";
        dstart.host_alias = "host.lxs.internal";
        Lxs__Guest__DistroStop dstop = LXS__GUEST__DISTRO_STOP__INIT;
        dstop.name = "debian";
        static char *cmdline[] = { "echo $HOME" };
        Lxs__Guest__ExecStart in_distro = LXS__GUEST__EXEC_START__INIT;
        in_distro.session_id = 2;
        in_distro.argv = cmdline;
        in_distro.n_argv = 1;
        in_distro.distro = "debian";
        in_distro.user = "1000";
        in_distro.shell = LXS__GUEST__SHELL__SHELL_LOGIN;
        in_distro.host_cwd = "/home/ann/src";
        Lxs__Guest__ExecStart login_shell = LXS__GUEST__EXEC_START__INIT;
        login_shell.session_id = 3;
        login_shell.distro = "debian";
        login_shell.shell = LXS__GUEST__SHELL__SHELL_LOGIN;
        Lxs__Guest__ExecStart tool = LXS__GUEST__EXEC_START__INIT;
        tool.session_id = 4;
        tool.distro = "debian";
        tool.image_tool = LXS_IMAGE_TOOL_9P_SERVER; /* no argv */
        tool.background = 1;
        Lxs__Guest__ExecStart connection = LXS__GUEST__EXEC_START__INIT;
        connection.session_id = 5;
        connection.connect_port = 8080;

        Lxs__Guest__HostToGuest m = LXS__GUEST__HOST_TO_GUEST__INIT;
#define H2G(member, value, kase)                                                         \
        do {                                                                             \
                m.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_##kase;                      \
                m.member = &value;                                                       \
                round_trip(&m.base, dec_h2g, LXS__GUEST__HOST_TO_GUEST__MSG_##kase);     \
        } while (0)
        H2G(hello_ack, ack, HELLO_ACK);
        H2G(exec_start, start, EXEC_START);
        H2G(stream_data, data, STREAM_DATA);
        H2G(stream_close, close_, STREAM_CLOSE);
        H2G(stream_credit, credit, STREAM_CREDIT);
        H2G(exec_signal, sig, EXEC_SIGNAL);
        H2G(exec_resize, resize, EXEC_RESIZE);
        H2G(shutdown, shutdown, SHUTDOWN);
        H2G(status_request, sreq, STATUS_REQUEST);
        H2G(distro_start, dstart, DISTRO_START);
        H2G(distro_stop, dstop, DISTRO_STOP);
        H2G(exec_start, in_distro, EXEC_START);
        H2G(exec_start, login_shell, EXEC_START);
        H2G(exec_start, tool, EXEC_START);
        H2G(exec_start, connection, EXEC_START);
        /* Host execs: the host answers and ends them in this direction. */
        Lxs__Guest__ExecStarted hx_started = LXS__GUEST__EXEC_STARTED__INIT;
        hx_started.session_id = LXS_HOST_EXEC_ID_BIT | 5;
        hx_started.pid = 4242;
        Lxs__Guest__ExecFailed hx_failed = LXS__GUEST__EXEC_FAILED__INIT;
        hx_failed.session_id = LXS_HOST_EXEC_ID_BIT | 5;
        hx_failed.errno_value = EPERM;
        hx_failed.detail = "interop is disabled on the host";
        Lxs__Guest__ExecExited hx_exited = LXS__GUEST__EXEC_EXITED__INIT;
        hx_exited.session_id = LXS_HOST_EXEC_ID_BIT | 5;
        hx_exited.signal = 15;
        H2G(exec_started, hx_started, EXEC_STARTED);
        H2G(exec_failed, hx_failed, EXEC_FAILED);
        H2G(exec_exited, hx_exited, EXEC_EXITED);
#undef H2G
}

static void test_service(void)
{
        Lxs__Service__StatusRequest st = LXS__SERVICE__STATUS_REQUEST__INIT;
        Lxs__Service__ShutdownRequest sd = LXS__SERVICE__SHUTDOWN_REQUEST__INIT;
        sd.force = 1;
        Lxs__Service__ExecRequest ex = LXS__SERVICE__EXEC_REQUEST__INIT;
        ex.system = 1;
        ex.argv = argv_fixture;
        ex.n_argv = 3;
        ex.env = env_fixture;
        ex.n_env = 2;
        ex.cwd = "/";
        ex.host_cwd = "/home/ann";
        Lxs__Guest__StreamData data = LXS__GUEST__STREAM_DATA__INIT;
        data.data.data = bytes_fixture;
        data.data.len = sizeof(bytes_fixture);
        Lxs__Guest__StreamClose close_ = LXS__GUEST__STREAM_CLOSE__INIT;
        Lxs__Guest__StreamCredit credit = LXS__GUEST__STREAM_CREDIT__INIT;
        credit.bytes = 1;
        Lxs__Guest__ExecSignal sig = LXS__GUEST__EXEC_SIGNAL__INIT;
        sig.signal = 15;
        Lxs__Guest__ExecResize resize = LXS__GUEST__EXEC_RESIZE__INIT;
        resize.rows = 1;
        resize.cols = 1;
        static char *cmdline[] = { "ls -l | wc -l" };
        Lxs__Service__ExecRequest in_distro = LXS__SERVICE__EXEC_REQUEST__INIT;
        in_distro.argv = cmdline;
        in_distro.n_argv = 1;
        in_distro.distro = "debian";
        in_distro.user = "root";
        in_distro.shell = LXS__GUEST__SHELL__SHELL_STANDARD;
        Lxs__Service__ExecRequest view = LXS__SERVICE__EXEC_REQUEST__INIT;
        view.distro = "debian";
        view.image_tool = LXS_IMAGE_TOOL_9P_SERVER;
        view.background = 1;
        Lxs__Service__TerminateRequest term = LXS__SERVICE__TERMINATE_REQUEST__INIT;
        term.distro = "debian";
        Lxs__Service__ListRequest list = LXS__SERVICE__LIST_REQUEST__INIT;

        Lxs__Service__Request rq = LXS__SERVICE__REQUEST__INIT;
        rq.protocol_version = LXS_SERVICE_PROTOCOL_VERSION;
        /* Request leads with protocol_version, so the case is checked by name here. */
        struct {
                int kase;
                void **slot;
                void *value;
        } reqs[] = {
                { LXS__SERVICE__REQUEST__MSG_STATUS, (void **)&rq.status, &st },
                { LXS__SERVICE__REQUEST__MSG_SHUTDOWN, (void **)&rq.shutdown, &sd },
                { LXS__SERVICE__REQUEST__MSG_EXEC, (void **)&rq.exec, &ex },
                { LXS__SERVICE__REQUEST__MSG_STREAM_DATA, (void **)&rq.stream_data, &data },
                { LXS__SERVICE__REQUEST__MSG_STREAM_CLOSE, (void **)&rq.stream_close, &close_ },
                { LXS__SERVICE__REQUEST__MSG_STREAM_CREDIT, (void **)&rq.stream_credit, &credit },
                { LXS__SERVICE__REQUEST__MSG_SIGNAL, (void **)&rq.signal, &sig },
                { LXS__SERVICE__REQUEST__MSG_RESIZE, (void **)&rq.resize, &resize },
                { LXS__SERVICE__REQUEST__MSG_EXEC, (void **)&rq.exec, &in_distro },
                { LXS__SERVICE__REQUEST__MSG_EXEC, (void **)&rq.exec, &view },
                { LXS__SERVICE__REQUEST__MSG_TERMINATE, (void **)&rq.terminate, &term },
                { LXS__SERVICE__REQUEST__MSG_LIST, (void **)&rq.list, &list },
        };
        for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
                rq.msg_case = reqs[i].kase;
                *reqs[i].slot = reqs[i].value;
                size_t n = protobuf_c_message_get_packed_size(&rq.base);
                uint8_t *buf = malloc(n);
                protobuf_c_message_pack(&rq.base, buf);
                Lxs__Service__Request *back = lxs_request_decode(buf, n);
                CHECK(back != NULL);
                if (back) {
                        CHECK_EQ_INT(back->msg_case, reqs[i].kase);
                        CHECK_EQ_INT(back->protocol_version, LXS_SERVICE_PROTOCOL_VERSION);
                        size_t m = protobuf_c_message_get_packed_size(&back->base);
                        uint8_t *again = malloc(m);
                        protobuf_c_message_pack(&back->base, again);
                        CHECK(m == n && memcmp(buf, again, n) == 0);
                        free(again);
                        lxs__service__request__free_unpacked(back, NULL);
                }
                free(buf);
        }

        Lxs__Service__Error err = LXS__SERVICE__ERROR__INIT;
        err.errno_value = ENOENT;
        err.message = "x: y";
        Lxs__Service__Ok ok = LXS__SERVICE__OK__INIT;
        Lxs__Service__StatusReply sr = LXS__SERVICE__STATUS_REPLY__INIT;
        sr.vm_state = "Running";
        sr.accel = "tcg";
        sr.kernel = "/k";
        sr.kernel_release = "6.1";
        sr.memory_mib = 2048;
        sr.processors = 2;
        sr.uptime_ms = 10;
        sr.qemu_pid = 5;
        sr.machine = "microvm";
        sr.console_log = "/c";
        Lxs__Guest__ExecStarted started = LXS__GUEST__EXEC_STARTED__INIT;
        started.pid = 3;
        Lxs__Guest__ExecExited exited = LXS__GUEST__EXEC_EXITED__INIT;
        exited.exit_code = 7;
        data.stream = LXS__GUEST__STREAM__STREAM_STDOUT;
        Lxs__Service__Reply rp = LXS__SERVICE__REPLY__INIT;
#define REP(member, value, kase)                                                         \
        do {                                                                             \
                rp.msg_case = LXS__SERVICE__REPLY__MSG_##kase;                           \
                rp.member = &value;                                                      \
                round_trip(&rp.base, dec_rep, LXS__SERVICE__REPLY__MSG_##kase);          \
        } while (0)
        REP(error, err, ERROR);
        REP(ok, ok, OK);
        REP(status, sr, STATUS);
        REP(exec_started, started, EXEC_STARTED);
        REP(stream_data, data, STREAM_DATA);
        REP(stream_close, close_, STREAM_CLOSE);
        REP(stream_credit, credit, STREAM_CREDIT);
        REP(exec_exited, exited, EXEC_EXITED);
        Lxs__Service__RunningDistro running = LXS__SERVICE__RUNNING_DISTRO__INIT;
        running.name = "debian";
        running.state = "Running";
        Lxs__Service__RunningDistro *running_list[] = { &running, &running };
        Lxs__Service__ListReply lr = LXS__SERVICE__LIST_REPLY__INIT;
        lr.distros = running_list;
        lr.n_distros = 2;
        Lxs__Service__Notice notice = LXS__SERVICE__NOTICE__INIT;
        notice.message = "debian: /etc/lxs.conf:3: unknown key foo.bar";
        REP(list, lr, LIST);
        REP(notice, notice, NOTICE);
#undef REP
}

/* Packs m and expects the given decoder to refuse it. */
static void expect_rejected(const ProtobufCMessage *m, decode_fn decode)
{
        size_t n = protobuf_c_message_get_packed_size(m);
        uint8_t *buf = malloc(n ? n : 1);
        protobuf_c_message_pack(m, buf);
        errno = 0;
        void *back = decode(buf, n);
        CHECK(back == NULL);
        CHECK_EQ_INT(errno, EBADMSG);
        if (back)
                protobuf_c_message_free_unpacked(back, NULL);
        free(buf);
}

static void test_bounds(void)
{
        Lxs__Guest__GuestToHost empty = LXS__GUEST__GUEST_TO_HOST__INIT;
        expect_rejected(&empty.base, dec_g2h);

        static uint8_t big[LXS_STREAM_CHUNK + 1];
        Lxs__Guest__StreamData data = LXS__GUEST__STREAM_DATA__INIT;
        data.data.data = big;
        data.data.len = sizeof(big);
        data.stream = LXS__GUEST__STREAM__STREAM_STDOUT;
        Lxs__Guest__GuestToHost m = LXS__GUEST__GUEST_TO_HOST__INIT;
        m.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_DATA;
        m.stream_data = &data;
        expect_rejected(&m.base, dec_g2h);

        data.data.len = 1;
        data.stream = (Lxs__Guest__Stream)7;
        expect_rejected(&m.base, dec_g2h);

        /* Ports: 1..65535, ascending and distinct, at most LXS_LISTENING_PORTS_MAX. */
        Lxs__Guest__ListeningPorts lp = LXS__GUEST__LISTENING_PORTS__INIT;
        m.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_LISTENING_PORTS;
        m.listening_ports = &lp;
        static const uint32_t bad_sets[][2] = { { 0, 80 }, { 80, 65536 }, { 80, 80 }, { 443, 80 } };
        for (size_t i = 0; i < sizeof(bad_sets) / sizeof(bad_sets[0]); i++) {
                lp.ports = (uint32_t *)bad_sets[i];
                lp.n_ports = 2;
                expect_rejected(&m.base, dec_g2h);
        }
        static uint32_t many_ports[LXS_LISTENING_PORTS_MAX + 1];
        for (size_t i = 0; i < LXS_LISTENING_PORTS_MAX + 1; i++)
                many_ports[i] = (uint32_t)i + 1;
        lp.ports = many_ports;
        lp.n_ports = LXS_LISTENING_PORTS_MAX + 1;
        expect_rejected(&m.base, dec_g2h);

        Lxs__Guest__ExecStart start = LXS__GUEST__EXEC_START__INIT;
        Lxs__Guest__HostToGuest h = LXS__GUEST__HOST_TO_GUEST__INIT;
        h.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START;
        h.exec_start = &start; /* no argv */
        expect_rejected(&h.base, dec_h2g);

        /* A shell runs one command line, and shell modes are the three known ones. */
        static char *two[] = { "a", "b" };
        start.argv = two;
        start.n_argv = 2;
        start.shell = LXS__GUEST__SHELL__SHELL_STANDARD;
        expect_rejected(&h.base, dec_h2g);
        start.n_argv = 1;
        start.shell = (Lxs__Guest__Shell)9;
        expect_rejected(&h.base, dec_h2g);
        start.shell = LXS__GUEST__SHELL__SHELL_NONE;
        char long_name[LXS_DISTRO_NAME_MAX + 2];
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = 0;
        start.distro = long_name;
        expect_rejected(&h.base, dec_h2g);

        /* Only the one image tool exists, only in a distro, and never through a shell. */
        start.distro = "debian";
        start.n_argv = 0;
        start.image_tool = "../bin/sh";
        expect_rejected(&h.base, dec_h2g);
        start.image_tool = "lxs-9p-server2";
        expect_rejected(&h.base, dec_h2g);
        start.image_tool = LXS_IMAGE_TOOL_9P_SERVER;
        start.distro = "";
        expect_rejected(&h.base, dec_h2g);
        start.distro = "debian";
        start.shell = LXS__GUEST__SHELL__SHELL_LOGIN;
        expect_rejected(&h.base, dec_h2g);
        start.shell = LXS__GUEST__SHELL__SHELL_NONE;
        start.image_tool = "";
        start.background = 1;
        start.distro = "";
        start.argv = two;
        start.n_argv = 1;
        expect_rejected(&h.base, dec_h2g); /* background outside a distro */
        start.background = 0;
        start.image_tool = "";
        /* A connection is a port and nothing else: no program, no distro. */
        Lxs__Guest__ExecStart connection = LXS__GUEST__EXEC_START__INIT;
        connection.session_id = 5;
        connection.connect_port = 65536;
        h.exec_start = &connection;
        connection.connect_port = 65536;
        expect_rejected(&h.base, dec_h2g);
        connection.connect_port = 8080;
        connection.argv = two;
        connection.n_argv = 1;
        expect_rejected(&h.base, dec_h2g);
        connection.n_argv = 0;
        connection.distro = "debian";
        expect_rejected(&h.base, dec_h2g);
        connection.distro = "";
        connection.tty = 1;
        expect_rejected(&h.base, dec_h2g);
        connection.tty = 0;
        h.exec_start = &start;

        /* The guest's distro reports are bounded like everything else it says. */
        char *many[LXS_DISTRO_MAX_WARNINGS + 1];
        for (size_t i = 0; i < LXS_ARRAY_SIZE(many); i++)
                many[i] = "w";
        Lxs__Guest__DistroStarted dstarted = LXS__GUEST__DISTRO_STARTED__INIT;
        dstarted.name = "debian";
        dstarted.warnings = many;
        dstarted.n_warnings = LXS_ARRAY_SIZE(many);
        m.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STARTED;
        m.distro_started = &dstarted;
        expect_rejected(&m.base, dec_g2h);
        Lxs__Guest__DistroStopped dstopped = LXS__GUEST__DISTRO_STOPPED__INIT;
        dstopped.name = long_name;
        m.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STOPPED;
        m.distro_stopped = &dstopped;
        expect_rejected(&m.base, dec_g2h);

        /* A host exec names a program, takes an id from the guest's half, and its strings
         * are bounded. */
        Lxs__Guest__HostExecStart hx = LXS__GUEST__HOST_EXEC_START__INIT;
        hx.session_id = LXS_HOST_EXEC_ID_BIT;
        m.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_HOST_EXEC_START;
        m.host_exec_start = &hx;
        expect_rejected(&m.base, dec_g2h); /* no argv */
        static char *empty_prog[] = { "" };
        hx.argv = empty_prog;
        hx.n_argv = 1;
        expect_rejected(&m.base, dec_g2h);
        hx.argv = two;
        hx.session_id = 5;
        expect_rejected(&m.base, dec_g2h); /* an id of the host's */
        hx.session_id = LXS_HOST_EXEC_ID_BIT | 5;
        hx.distro = long_name;
        expect_rejected(&m.base, dec_g2h);
        hx.distro = "debian";
        char *too_many_env[LXS_EXEC_MAX_ENV + 1];
        for (size_t i = 0; i < LXS_ARRAY_SIZE(too_many_env); i++)
                too_many_env[i] = "A=b";
        hx.env = too_many_env;
        hx.n_env = LXS_ARRAY_SIZE(too_many_env);
        expect_rejected(&m.base, dec_g2h);

        /* Host program names are plain file names, so a link can never point elsewhere. */
        Lxs__Guest__HelloAck ack = LXS__GUEST__HELLO_ACK__INIT;
        ack.accepted = 1;
        h.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_HELLO_ACK;
        h.hello_ack = &ack;
        static const char *bad_programs[] = { "../x", "a/b", ".", "..", "" };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(bad_programs); i++) {
                char *one[] = { "ok", (char *)bad_programs[i] };
                ack.host_programs = one;
                ack.n_host_programs = 2;
                expect_rejected(&h.base, dec_h2g);
        }

        /* Garbage bytes are refused, not guessed at. */
        const uint8_t garbage[] = { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f };
        errno = 0;
        CHECK(lxs_guest_to_host_decode(garbage, sizeof(garbage)) == NULL);
        CHECK_EQ_INT(errno, EBADMSG);
}

int main(void)
{
        test_guest_to_host();
        test_host_to_guest();
        test_service();
        test_bounds();
        return check_result("test-protocol");
}
