/* QMP client: member lookup on QEMU-shaped and hostile lines, and the handshake/command
 * exchange against a scripted peer on a socketpair (events interleaved, errors, EOF). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cleanup.h"
#include "vm.h"

static void member_is(const char *line, const char *name, int want_r, const char *want_val)
{
        const char *v = NULL;
        size_t len = 0;
        int r = lxs_qmp_find_member(line, name, &v, &len);
        CHECK_EQ_INT(r, want_r);
        if (r == 0 && want_val) {
                _cleanup_free_ char *got = strndup(v, len);
                CHECK_EQ_STR(got, want_val);
        }
}

/* Peer: reads a line, then writes the scripted answer; repeats; then closes. */
static pid_t peer(int fd, const char *greeting, const char *const *answers)
{
        pid_t pid = fork();
        if (pid != 0)
                return pid;
        if (greeting && write(fd, greeting, strlen(greeting)) < 0)
                _exit(1);
        for (; *answers; answers++) {
                char c;
                do {
                        if (read(fd, &c, 1) != 1)
                                _exit(1);
                } while (c != '\n');
                if (write(fd, *answers, strlen(*answers)) < 0)
                        _exit(1);
        }
        _exit(0);
}

static void reap(pid_t pid)
{
        int status;
        waitpid(pid, &status, 0);
}

int main(void)
{
        member_is("{\"return\": {}}", "return", 0, "{}");
        member_is("{\"return\": {\"status\": \"running\", \"x\": [1, {\"a\": \"}\"}]}, \"id\": 7}",
                  "return", 0, "{\"status\": \"running\", \"x\": [1, {\"a\": \"}\"}]}");
        member_is("{\"return\": {}, \"id\": 7}", "id", 0, "7");
        /* A nested "return" is not the top-level one. */
        member_is("{\"event\": \"X\", \"data\": {\"return\": 1}}", "return", -ENOENT, NULL);
        member_is("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no \\\"such\\\" thing\"}}",
                  "error", 0, "{\"class\": \"GenericError\", \"desc\": \"no \\\"such\\\" thing\"}");
        member_is("{\"QMP\": {\"version\": {}, \"capabilities\": [\"oob\"]}}", "QMP", 0, NULL);
        member_is("{}", "return", -ENOENT, NULL);
        member_is("", "return", -EBADMSG, NULL);
        member_is("[1]", "return", -EBADMSG, NULL);
        member_is("{\"return\": {\"unterminated\": \"x}", "return", -EBADMSG, NULL);
        member_is("{\"return\" {}}", "return", -EBADMSG, NULL);
        member_is("{\"a\": 1 \"return\": {}}", "return", -EBADMSG, NULL);
        member_is("{\"a\": \"\\", "return", -EBADMSG, NULL);

        int sv[2];
        /* Handshake and a command with events before its reply. */
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
                return 1;
        static const char *const ok_answers[] = {
                "{\"return\": {}}\r\n",
                "{\"timestamp\": {}, \"event\": \"RESUME\"}\r\n{\"return\": {\"running\": true}}\r\n",
                "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"x\"}}\r\n",
                NULL,
        };
        pid_t pid = peer(sv[1], "{\"QMP\": {\"capabilities\": []}}\r\n", ok_answers);
        close(sv[1]);
        CHECK_EQ_INT(lxs_qmp_handshake(sv[0], 2000), 0);
        _cleanup_free_ char *reply = NULL, *err = NULL;
        CHECK_EQ_INT(lxs_qmp_command(sv[0], "{\"execute\":\"query-status\"}", 2000, &reply), 0);
        CHECK_EQ_STR(reply, "{\"running\": true}");
        CHECK_EQ_INT(lxs_qmp_command(sv[0], "{\"execute\":\"nope\"}", 2000, &err), -EREMOTEIO);
        CHECK(err && strstr(err, "CommandNotFound"));
        /* Peer gone: EOF, not a hang. */
        CHECK_EQ_INT(lxs_qmp_command(sv[0], "{\"execute\":\"x\"}", 2000, NULL), -EPIPE);
        close(sv[0]);
        reap(pid);

        /* Not a QMP greeting. */
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
                return 1;
        static const char *const none[] = { NULL };
        pid = peer(sv[1], "{\"hello\": 1}\n", none);
        close(sv[1]);
        CHECK_EQ_INT(lxs_qmp_handshake(sv[0], 2000), -EPROTO);
        close(sv[0]);
        reap(pid);

        /* Silent peer: the timeout holds. */
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
                return 1;
        CHECK_EQ_INT(lxs_qmp_handshake(sv[0], 100), -ETIMEDOUT);
        close(sv[0]);
        close(sv[1]);

        /* An endless line is refused, not buffered without bound. */
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
                return 1;
        pid = fork();
        if (pid == 0) {
                close(sv[0]);
                char junk[4096];
                memset(junk, 'x', sizeof(junk));
                for (int i = 0; i < 64; i++)
                        if (write(sv[1], junk, sizeof(junk)) < 0)
                                _exit(0);
                _exit(0);
        }
        close(sv[1]);
        CHECK_EQ_INT(lxs_qmp_handshake(sv[0], 5000), -EMSGSIZE);
        close(sv[0]);
        reap(pid);
        return check_result("test-vm-qmp");
}
