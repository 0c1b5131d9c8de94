/* Localhost forwarding through QEMU's user-mode network: `hostfwd_add` makes QEMU listen on
 * the host's 127.0.0.1:PORT and pass each connection to the guest's NAT address, same port;
 * `hostfwd_remove` stops it. These exist only as monitor (HMP) commands, reached through QMP's
 * human-monitor-command, which answers with the monitor's text: empty on success. */
#include "qemu-forward.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "nat-layout.h"

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

int lxs_qemu_forward_port(struct lxs_vm *vm, uint16_t port, bool on, char **err_detail)
{
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
        return 0;
}
