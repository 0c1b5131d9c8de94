/* The TCP relay on the host's loopback: it listens on 127.0.0.2:P (standing in for the VM's NAT
 * address) and joins connections to an echo server on 127.0.0.1:P. Data comes back whole through half-close, a client that never reads holds up
 * nobody, and a connection to a port nobody serves ends at once. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../check.h"
#include "tcp-relay.h"

static int listen_on(const char *addr, uint16_t port, uint16_t *bound)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
        inet_pton(AF_INET, addr, &a.sin_addr);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0)
                return -1;
        socklen_t len = sizeof(a);
        getsockname(fd, (struct sockaddr *)&a, &len);
        *bound = ntohs(a.sin_port);
        return fd;
}

static void echo_server(int fd)
{
        signal(SIGCHLD, SIG_IGN);
        for (;;) {
                int c = accept(fd, NULL, NULL);
                if (c < 0)
                        continue;
                if (fork() == 0) {
                        char buf[65536];
                        ssize_t n;
                        while ((n = read(c, buf, sizeof(buf))) > 0)
                                if (write(c, buf, (size_t)n) != n)
                                        _exit(1);
                        shutdown(c, SHUT_WR);
                        _exit(0);
                }
                close(c);
        }
}

static int connect_to(const char *addr, uint16_t port)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
        inet_pton(AF_INET, addr, &a.sin_addr);
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
                close(fd);
                return -1;
        }
        struct timeval tv = { .tv_sec = 20 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        return fd;
}

/* Sends size bytes and half-closes while reading the echo; true when it all came back. */
static bool echo_through(uint16_t port, size_t size)
{
        int fd = connect_to("127.0.0.2", port);
        if (fd < 0)
                return false;
        unsigned char *out = malloc(size), *in = malloc(size);
        for (size_t i = 0; i < size; i++)
                out[i] = (unsigned char)(i * 131 + 7);
        size_t sent = 0, got = 0;
        bool ok = true;
        while (ok && got < size + 1) {
                struct pollfd p = { .fd = fd, .events = POLLIN | (sent < size ? POLLOUT : 0) };
                if (poll(&p, 1, 20000) <= 0)
                        break;
                if ((p.revents & POLLOUT) && sent < size) {
                        ssize_t n = write(fd, out + sent, size - sent > 65536 ? 65536 : size - sent);
                        ok = n > 0;
                        sent += n > 0 ? (size_t)n : 0;
                        if (sent == size)
                                shutdown(fd, SHUT_WR);
                }
                if (p.revents & (POLLIN | POLLHUP)) {
                        ssize_t n = read(fd, in + got, got < size ? size - got : 1);
                        if (n <= 0)
                                break; /* end of the echo */
                        got += (size_t)n;
                }
        }
        ok = ok && got == size && memcmp(in, out, size) == 0;
        free(out);
        free(in);
        close(fd);
        return ok;
}

int main(void)
{
        signal(SIGPIPE, SIG_IGN);
        uint16_t port;
        int server = listen_on("127.0.0.1", 0, &port);
        CHECK(server >= 0);
        uint16_t relay_port;
        int relay = listen_on("127.0.0.2", port, &relay_port);
        if (server < 0 || relay < 0)
                return check_result("test-tcp-relay");
        pid_t server_pid = fork();
        if (server_pid == 0)
                echo_server(server);
        close(server);
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int relay_pidfd = -1;
        pid_t relay_pid = lxs_tcp_relay_spawn(relay, (struct sockaddr *)&to, sizeof(to), &relay_pidfd);
        CHECK(relay_pid > 0 && relay_pidfd >= 0);
        close(relay);

        /* A client that sends a lot and never reads, first. */
        int stalled = connect_to("127.0.0.2", port);
        CHECK(stalled >= 0);
        static char junk[1 << 16];
        struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
        setsockopt(stalled, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        while (write(stalled, junk, sizeof(junk)) > 0)
                ;
        for (int i = 0; i < 4; i++)
                CHECK(echo_through(port, (size_t)(3u << 20) + (size_t)i * 4099));
        CHECK(echo_through(port, 1));
        close(stalled);

        /* The server gone: a new connection through the relay ends at once. */
        kill(server_pid, SIGKILL);
        waitpid(server_pid, NULL, 0);
        close(listen_on("127.0.0.1", port, &relay_port)); /* the port is free again */
        int fd = connect_to("127.0.0.2", port);
        CHECK(fd >= 0);
        if (fd >= 0) {
                char c;
                CHECK_EQ_INT(read(fd, &c, 1), 0);
                close(fd);
        }
        kill(relay_pid, SIGKILL);
        waitpid(relay_pid, NULL, 0);
        return check_result("test-tcp-relay");
}
