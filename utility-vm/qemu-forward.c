/* Localhost forwarding through QEMU's user-mode network: `hostfwd_add` makes QEMU listen on
 * the host's 127.0.0.1:PORT and pass each connection to the guest's NAT address, same port;
 * `hostfwd_remove` stops it. These exist only as monitor (HMP) commands, reached through QMP's
 * human-monitor-command, which answers with the monitor's text: empty on success.
 * QEMU 7.2 cannot forward from an IPv6 address, so the host's [::1]:PORT is served by a relay
 * process (common/tcp-relay.h) to 127.0.0.1:PORT, best effort: a host without IPv6, or with
 * [::1]:PORT taken, simply has none. */
#include "qemu-forward.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "nat-layout.h"
#include "tcp-relay.h"

#define QMP_FORWARD_MS 3000

int lxs_qemu_forward_command(uint16_t port, bool on, char *out, size_t size)
{
        if (port == 0)
                return -EINVAL;
        int n = on ? snprintf(out, size, "hostfwd_add " LXS_VM_NETDEV " tcp:127.0.0.1:%u-" LXS_NAT_GUEST_ADDR ":%u",
                              port, port)
                   : snprintf(out, size, "hostfwd_remove " LXS_VM_NETDEV " tcp:127.0.0.1:%u", port);
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The text of the JSON string reply, without the quotes and the trailing "\r\n" escapes;
 * malloc'd, NULL if reply is not a string. Escapes inside are kept as written (it is for a log). */
static char *monitor_text(const char *reply)
{
        size_t len = reply ? strlen(reply) : 0;
        if (len < 2 || reply[0] != '"' || reply[len - 1] != '"')
                return NULL;
        len -= 2;
        const char *body = reply + 1;
        while (len >= 2 && body[len - 2] == '\\' && (body[len - 1] == 'n' || body[len - 1] == 'r'))
                len -= 2;
        return strndup(body, len);
}

static void v6_relay_start(struct lxs_vm *vm, uint16_t port)
{
        if (vm->n_v6_relays >= LXS_VM_MAX_V6_RELAYS)
                return;
        _cleanup_close_ int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in6 at = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_loopback };
        int one = 1;
        if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *)&at, sizeof(at)) < 0 || listen(fd, 128) < 0 ||
            fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
                return;
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int pidfd = -1;
        if (lxs_tcp_relay_spawn(fd, (struct sockaddr *)&to, sizeof(to), &pidfd) > 0 && pidfd >= 0)
                vm->v6_relays[vm->n_v6_relays++] = (struct lxs_vm_v6_relay){ port, pidfd };
}

/* Ends and reaps relay i. */
static void v6_relay_stop(struct lxs_vm *vm, size_t i)
{
        int pidfd = vm->v6_relays[i].pidfd;
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        siginfo_t si;
        while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
                ;
        close(pidfd);
        vm->v6_relays[i] = vm->v6_relays[--vm->n_v6_relays];
}

void lxs_qemu_forward_release(struct lxs_vm *vm)
{
        while (vm->n_v6_relays > 0)
                v6_relay_stop(vm, vm->n_v6_relays - 1);
}

int lxs_qemu_forward_port(struct lxs_vm *vm, uint16_t port, bool on, char **err_detail)
{
        for (size_t i = 0; !on && i < vm->n_v6_relays; i++)
                if (vm->v6_relays[i].port == port) {
                        v6_relay_stop(vm, i);
                        break;
                }
        if (vm->qmp_fd < 0)
                return -EINVAL;
        char line[128], json[256];
        int r = lxs_qemu_forward_command(port, on, line, sizeof(line));
        if (r < 0)
                return r;
        snprintf(json, sizeof(json),
                 "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"%s\"}}", line);
        _cleanup_free_ char *reply = NULL;
        r = lxs_qmp_command(vm->qmp_fd, json, QMP_FORWARD_MS, &reply);
        if (r < 0) {
                if (err_detail && asprintf(err_detail, "%s", reply ? reply : strerror(-r)) < 0)
                        *err_detail = NULL;
                return r;
        }
        /* The monitor's answer is a JSON string: "" when the rule was set, a confirmation when
         * one was removed, an error text otherwise. */
        _cleanup_free_ char *text = monitor_text(reply);
        bool ok = text && (text[0] == '\0' || (!on && strstr(text, "removed")));
        if (!ok) {
                if (err_detail)
                        *err_detail = TAKE_PTR(text);
                return on ? -EADDRINUSE : -ENOENT;
        }
        if (on)
                v6_relay_start(vm, port);
        return 0;
}
