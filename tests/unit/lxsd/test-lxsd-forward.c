/* lxsd's localhost forwarding (forward.c, forward-conn.c) against a scripted guest, with real
 * clients on the host's loopback: a reported port listens on 127.0.0.1 (and [::1] when the host
 * has it); a connection becomes ExecStart{connect_port}, the client's first bytes right behind
 * it (before ExecStarted); bytes flow both ways with the server's credited back once the client
 * took them; half-closes pass both ways; ExecExited closes the client; a guest that cannot
 * connect resets the client; a client that resets has the guest reset the server; a port the
 * host uses is skipped with the rest forwarded; a port no longer reported refuses; ports and
 * clients beyond the caps are not taken; and server bytes beyond the credit end the VM,
 * resetting its connections. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "fake-guest.h"
#include "loopback-addr.h"

static uint16_t free_port(void)
{
        struct sockaddr_storage ss;
        socklen_t len = lxs_loopback_addr(AF_INET, 0, &ss);
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
                abort();
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A nonblocking client of the host's loopback; -errno when the connect fails. */
static int client(int family, uint16_t port)
{
        struct sockaddr_storage ss;
        socklen_t len = lxs_loopback_addr(family, port, &ss);
        int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        return fd;
}

/* Reads what the client has within ms (lxsd's loop runs meanwhile): bytes, 0 at EOF, -errno. */
static ssize_t client_read(int fd, char *buf, size_t size, unsigned ms)
{
        for (unsigned waited = 0;; waited += 10) {
                ssize_t n = recv(fd, buf, size, MSG_DONTWAIT);
                if (n >= 0)
                        return n;
                if (errno != EAGAIN)
                        return -errno;
                if (waited >= ms)
                        return -EAGAIN;
                run_for(10);
        }
}

static void send_ports(const uint32_t *ports, size_t n)
{
        Lxs__Guest__ListeningPorts lp = LXS__GUEST__LISTENING_PORTS__INIT;
        lp.ports = (uint32_t *)ports;
        lp.n_ports = n;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_LISTENING_PORTS;
        msg.listening_ports = &lp;
        guest_send(&msg);
}

/* Accepting the next connection: lxsd's ExecStart for it; returns its id (0 if none). */
static uint32_t expect_connect(uint16_t port)
{
        Lxs__Guest__HostToGuest *m = guest_expect(LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START);
        if (!m)
                return 0;
        uint32_t id = m->exec_start->session_id;
        CHECK_EQ_INT(m->exec_start->connect_port, port);
        CHECK_EQ_INT(m->exec_start->n_argv, 0);
        lxs__guest__host_to_guest__free_unpacked(m, NULL);
        return id;
}

static int compare_ports(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return x < y ? -1 : x > y;
}

static bool has_ipv6_loopback(void)
{
        struct sockaddr_storage ss;
        socklen_t len = lxs_loopback_addr(AF_INET6, 0, &ss);
        _cleanup_close_ int fd = socket(AF_INET6, SOCK_STREAM, 0);
        return fd >= 0 && bind(fd, (struct sockaddr *)&ss, len) == 0;
}

static void test_connection(struct vm_manager *m, uint16_t port)
{
        _cleanup_close_ int c = client(AF_INET, port);
        CHECK(c >= 0);
        if (c < 0)
                return;
        uint32_t id = expect_connect(port);
        CHECK(id != 0 && (id & LXS_HOST_EXEC_ID_BIT) == 0);
        /* The client speaks first: its bytes follow ExecStart without waiting for ExecStarted. */
        CHECK_EQ_INT(send(c, "hello", 5, 0), 5);
        Lxs__Guest__HostToGuest *g = guest_expect(LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_DATA);
        if (g) {
                CHECK_EQ_INT(g->stream_data->session_id, id);
                CHECK_EQ_INT(g->stream_data->stream, LXS__GUEST__STREAM__STREAM_STDIN);
                CHECK(g->stream_data->data.len == 5 && memcmp(g->stream_data->data.data, "hello", 5) == 0);
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        }
        guest_send_started(id);
        /* The server answers; its credit comes back once the client's socket took the bytes. */
        guest_send_data(id, LXS__GUEST__STREAM__STREAM_STDOUT, "world", 5);
        char buf[64];
        CHECK_EQ_INT(client_read(c, buf, sizeof(buf), 2000), 5);
        CHECK(memcmp(buf, "world", 5) == 0);
        g = guest_expect(LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CREDIT);
        if (g) {
                CHECK_EQ_INT(g->stream_credit->stream, LXS__GUEST__STREAM__STREAM_STDOUT);
                CHECK_EQ_INT(g->stream_credit->bytes, 5);
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        }
        /* Half-close from the client: the guest is told; the server can still answer. */
        shutdown(c, SHUT_WR);
        g = guest_expect(LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CLOSE);
        if (g) {
                CHECK_EQ_INT(g->stream_close->stream, LXS__GUEST__STREAM__STREAM_STDIN);
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        }
        guest_send_data(id, LXS__GUEST__STREAM__STREAM_STDOUT, "bye", 3);
        CHECK_EQ_INT(client_read(c, buf, sizeof(buf), 2000), 3);
        guest_send_close(id, LXS__GUEST__STREAM__STREAM_STDOUT);
        CHECK_EQ_INT(client_read(c, buf, sizeof(buf), 2000), 0);
        guest_send_exited(id);
        CHECK(m->forward_conns == NULL);
        CHECK_EQ_INT(m->n_forward_conns, 0);
        while ((g = guest_next(50)) != NULL) /* the credit for "bye" */
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
}

static void test_refused_and_reset(struct vm_manager *m, uint16_t port)
{
        /* Nothing accepts in the guest: the client is reset. */
        _cleanup_close_ int c = client(AF_INET, port);
        CHECK(c >= 0);
        uint32_t id = expect_connect(port);
        Lxs__Guest__ExecFailed f = LXS__GUEST__EXEC_FAILED__INIT;
        f.session_id = id;
        f.errno_value = ECONNREFUSED;
        f.detail = "connect to port: Connection refused";
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_FAILED;
        msg.exec_failed = &f;
        guest_send(&msg);
        char buf[16];
        CHECK_EQ_INT(client_read(c, buf, sizeof(buf), 2000), -ECONNRESET);
        CHECK(m->forward_conns == NULL);

        /* The client resets: the guest is asked to reset the server's side. */
        int c2 = client(AF_INET, port);
        CHECK(c2 >= 0);
        id = expect_connect(port);
        guest_send_started(id);
        struct linger hard = { .l_onoff = 1, .l_linger = 0 };
        setsockopt(c2, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
        close(c2);
        Lxs__Guest__HostToGuest *g = guest_expect(LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_SIGNAL);
        if (g) {
                CHECK_EQ_INT(g->exec_signal->session_id, id);
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        }
        /* The server's bytes after that are dropped, and credited so it is never stuck. */
        guest_send_data(id, LXS__GUEST__STREAM__STREAM_STDOUT, "late", 4);
        g = guest_expect(LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CREDIT);
        if (g) {
                CHECK_EQ_INT(g->stream_credit->bytes, 4);
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        }
        guest_send_exited(id);
        CHECK(m->forward_conns == NULL);
}

int main(void)
{
        struct vm_manager *m = fake_guest_setup(NULL, NULL);
        uint16_t port = free_port(), taken = free_port();
        _cleanup_close_ int host_server = -1;
        {
                struct sockaddr_storage ss;
                socklen_t len = lxs_loopback_addr(AF_INET, taken, &ss);
                host_server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (host_server < 0 || bind(host_server, (struct sockaddr *)&ss, len) < 0 || listen(host_server, 1) < 0)
                        abort();
        }
        uint32_t ports[2] = { port < taken ? port : taken, port < taken ? taken : port };
        send_ports(ports, 2);
        /* The host's own port stays the host's; the other one is forwarded. */
        CHECK_EQ_INT(m->n_forwarded, 1);
        CHECK_EQ_INT(m->forwarded[0].port, port);
        if (has_ipv6_loopback()) {
                int c6 = client(AF_INET6, port);
                CHECK(c6 >= 0);
                if (c6 >= 0) {
                        uint32_t id = expect_connect(port);
                        close(c6);
                        Lxs__Guest__HostToGuest *g = guest_expect(LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CLOSE);
                        if (g) /* the client's end of file, passed on before the connect completed */
                                lxs__guest__host_to_guest__free_unpacked(g, NULL);
                        guest_send_exited(id); /* the guest ends it before it ever connected */
                        CHECK(m->forward_conns == NULL);
                }
        }

        test_connection(m, port);
        test_refused_and_reset(m, port);

        /* A port no longer reported refuses at once. */
        send_ports(NULL, 0);
        CHECK_EQ_INT(m->n_forwarded, 0);
        CHECK_EQ_INT(client(AF_INET, port), -ECONNREFUSED);

        /* A guest reporting more ports than lxsd forwards gets the first ones. */
        static uint32_t many[LXSD_FORWARDED_PORTS_MAX + 8];
        for (size_t i = 0; i < LXS_ARRAY_SIZE(many); i++)
                many[i] = free_port();
        qsort(many, LXS_ARRAY_SIZE(many), sizeof(many[0]), compare_ports);
        size_t distinct = 1;
        for (size_t i = 1; i < LXS_ARRAY_SIZE(many); i++)
                if (many[i] != many[distinct - 1])
                        many[distinct++] = many[i];
        send_ports(many, distinct);
        CHECK_EQ_INT(m->n_forwarded, LXSD_FORWARDED_PORTS_MAX);
        send_ports(NULL, 0);
        CHECK_EQ_INT(m->n_forwarded, 0);

        /* More clients at once than lxsd carries: the one beyond is closed at accept. */
        send_ports(&ports[port < taken ? 0 : 1], 1);
        static int clients[LXSD_FORWARD_CONNS_MAX + 1];
        for (size_t i = 0; i < LXS_ARRAY_SIZE(clients); i++) {
                clients[i] = client(AF_INET, port);
                if (i % 32 == 31)
                        run_for(20); /* lxsd accepts, before its listen backlog is full */
        }
        size_t starts = 0;
        uint32_t id = 0;
        for (Lxs__Guest__HostToGuest *g; (g = guest_next(300)) != NULL;) {
                if (g->msg_case == LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START && starts++ == 0)
                        id = g->exec_start->session_id;
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        }
        CHECK_EQ_INT(starts, LXSD_FORWARD_CONNS_MAX);
        CHECK_EQ_INT(m->n_forward_conns, LXSD_FORWARD_CONNS_MAX);
        char one;
        CHECK_EQ_INT(client_read(clients[LXSD_FORWARD_CONNS_MAX], &one, 1, 1000), 0);
        CHECK_EQ_INT(client_read(clients[0], &one, 1, 10), -EAGAIN);

        /* Server bytes beyond the credit lxsd granted: a violation that ends the VM. */
        int c = clients[0];
        guest_send_started(id);
        static char big[LXS_STREAM_CHUNK];
        for (int i = 0; i < 6 && m->state != VM_STOPPED; i++)
                guest_send_data(id, LXS__GUEST__STREAM__STREAM_STDOUT, big, sizeof(big));
        CHECK_EQ_INT(m->state, VM_STOPPED);
        CHECK(m->forward_conns == NULL);
        CHECK_EQ_INT(m->n_forwarded, 0);
        /* The client, after what the server sent within the credit, sees the reset. */
        static char buf[1 << 16];
        ssize_t n;
        while ((n = client_read(c, buf, sizeof(buf), 2000)) > 0)
                ;
        CHECK_EQ_INT(n, -ECONNRESET);
        for (size_t i = 0; i < LXS_ARRAY_SIZE(clients); i++)
                if (clients[i] >= 0)
                        close(clients[i]);

        fake_guest_teardown();
        return check_result("test-lxsd-forward");
}
