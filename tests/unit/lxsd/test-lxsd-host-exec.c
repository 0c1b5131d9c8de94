/* lxsd's host programs for lxs-host (host-exec.c) against a scripted guest on the control
 * socket, the VM driver replaced: with [interop] off nothing runs and the guest is told why; a
 * missing program is ENOENT; `cat` relays stdin to stdout with end-of-file and exits 0, within
 * the credit; a signal reaches the program's group; the working directory is the one asked
 * for, else the home directory; LXSENV entries reach the environment; a pty gives the
 * program a terminal with the caller's size; the 65th program at once is refused; stdin beyond
 * the grant is a violation that ends the VM; and programs still running when the VM goes are
 * hung up and reaped. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../check.h"
#include "cleanup.h"
#include "fake-guest.h"

static void start(uint32_t id, char **argv, size_t argc, char **env, size_t nenv, const char *cwd, bool tty)
{
        Lxs__Guest__HostExecStart hx = LXS__GUEST__HOST_EXEC_START__INIT;
        hx.session_id = id;
        hx.argv = argv;
        hx.n_argv = argc;
        hx.env = env;
        hx.n_env = nenv;
        hx.cwd = (char *)cwd;
        hx.tty = tty;
        hx.rows = 33;
        hx.cols = 77;
        hx.distro = "deb";
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_HOST_EXEC_START;
        msg.host_exec_start = &hx;
        guest_send(&msg);
}

static void send_signal(uint32_t id, int sig)
{
        Lxs__Guest__ExecSignal es = LXS__GUEST__EXEC_SIGNAL__INIT;
        es.session_id = id;
        es.signal = sig;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_SIGNAL;
        msg.exec_signal = &es;
        guest_send(&msg);
}

/* Collects a program's stdout until ExecExited; returns the exit code (or 128+signal), -1 on
 * a failure answer. Stdin credit grants and stream closes are skipped. */
static int collect(uint32_t id, char *out, size_t cap)
{
        size_t len = 0;
        int status = -2;
        while (status == -2) {
                Lxs__Guest__HostToGuest *m = guest_next(5000);
                if (!m) {
                        fprintf(stderr, "no answer for host exec %#x\n", id);
                        check_failures++;
                        break;
                }
                switch (m->msg_case) {
                case LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_DATA:
                        CHECK_EQ_INT(m->stream_data->session_id, id);
                        if (m->stream_data->stream == LXS__GUEST__STREAM__STREAM_STDOUT && len + m->stream_data->data.len < cap) {
                                memcpy(out + len, m->stream_data->data.data, m->stream_data->data.len);
                                len += m->stream_data->data.len;
                        }
                        break;
                case LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_EXITED:
                        status = m->exec_exited->signal ? 128 + m->exec_exited->signal : m->exec_exited->exit_code;
                        break;
                case LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_FAILED:
                        status = -1;
                        break;
                default:
                        break;
                }
                lxs__guest__host_to_guest__free_unpacked(m, NULL);
        }
        out[len] = '\0';
        return status;
}

#define ID(n) (LXS_HOST_EXEC_ID_BIT | (n))

static void test_switch_off(struct vm_manager *m)
{
        m->cfg.interop_enabled = false;
        char *argv[] = { "touch", "/tmp/lxs-host-exec-must-not-exist" };
        unlink(argv[1]);
        start(ID(1), argv, 2, NULL, 0, "", false);
        Lxs__Guest__HostToGuest *f = guest_expect(LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_FAILED);
        if (f) {
                CHECK_EQ_INT(f->exec_failed->session_id, ID(1));
                CHECK_EQ_INT(f->exec_failed->errno_value, EPERM);
                CHECK(strstr(f->exec_failed->detail, "[interop] enabled = false") != NULL);
                lxs__guest__host_to_guest__free_unpacked(f, NULL);
        }
        CHECK(access(argv[1], F_OK) != 0);
        m->cfg.interop_enabled = true;
}

static void test_programs(struct vm_manager *m)
{
        char out[4096];
        char *missing[] = { "lxs-no-such-program" };
        start(ID(2), missing, 1, NULL, 0, "", false);
        Lxs__Guest__HostToGuest *f = guest_expect(LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_FAILED);
        if (f) {
                CHECK_EQ_INT(f->exec_failed->errno_value, ENOENT);
                CHECK_EQ_STR(f->exec_failed->detail, "lxs-no-such-program: No such file or directory");
                lxs__guest__host_to_guest__free_unpacked(f, NULL);
        }

        /* stdin in, stdout out, end of file, exit 0 */
        char *cat[] = { "cat" };
        start(ID(3), cat, 1, NULL, 0, "", false);
        Lxs__Guest__HostToGuest *st = guest_expect(LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_STARTED);
        if (st)
                lxs__guest__host_to_guest__free_unpacked(st, NULL);
        guest_send_data(ID(3), LXS__GUEST__STREAM__STREAM_STDIN, "hello\n", 6);
        guest_send_close(ID(3), LXS__GUEST__STREAM__STREAM_STDIN);
        CHECK_EQ_INT(collect(ID(3), out, sizeof(out)), 0);
        CHECK_EQ_STR(out, "hello\n");

        /* cwd, home, LXSENV entries, an exit status */
        char *pwd[] = { "sh", "-c", "pwd; echo \"$FOO\"; exit 3" };
        char *env[] = { "FOO=from the guest", "LXSENV=FOO" };
        start(ID(4), pwd, 3, env, 2, "/tmp", false);
        CHECK_EQ_INT(collect(ID(4), out, sizeof(out)), 3);
        CHECK_EQ_STR(out, "/tmp\nfrom the guest\n");
        setenv("HOME", "/", 1);
        start(ID(5), pwd, 3, NULL, 0, "/nonexistent/dir", false);
        CHECK_EQ_INT(collect(ID(5), out, sizeof(out)), 3);
        CHECK_EQ_STR(out, "/\n\n");

        /* a signal reaches the program (and its group) */
        char *sleeper[] = { "sh", "-c", "sleep 30; echo not-killed" };
        start(ID(6), sleeper, 3, NULL, 0, "", false);
        run_for(100);
        send_signal(ID(6), SIGTERM);
        CHECK_EQ_INT(collect(ID(6), out, sizeof(out)), 128 + SIGTERM);

        /* a terminal of the caller's size */
        char *tty[] = { "sh", "-c", "test -t 0 && stty size" };
        start(ID(7), tty, 3, NULL, 0, "", true);
        CHECK_EQ_INT(collect(ID(7), out, sizeof(out)), 0);
        CHECK(strstr(out, "33 77") != NULL);
}

static void test_limit(struct vm_manager *m)
{
        char *cat[] = { "cat" };
        for (uint32_t i = 0; i < LXSD_HOST_EXECS_MAX; i++)
                start(ID(100 + i), cat, 1, NULL, 0, "", false);
        CHECK_EQ_INT(m->nhost_execs, LXSD_HOST_EXECS_MAX);
        start(ID(999), cat, 1, NULL, 0, "", false);
        bool refused = false;
        for (Lxs__Guest__HostToGuest *msg; (msg = guest_next(500));) {
                if (msg->msg_case == LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_FAILED &&
                    msg->exec_failed->session_id == ID(999) && msg->exec_failed->errno_value == EAGAIN)
                        refused = true;
                lxs__guest__host_to_guest__free_unpacked(msg, NULL);
        }
        CHECK(refused);

        /* Stdin beyond the grant is a violation: the VM goes, and its programs are hung up. */
        static char big[LXS_STREAM_CHUNK];
        for (int i = 0; i < 5 && m->state != VM_STOPPED; i++)
                guest_send_data(ID(100), LXS__GUEST__STREAM__STREAM_STDIN, big, sizeof(big));
        CHECK_EQ_INT(m->state, VM_STOPPED);
        CHECK_EQ_INT(m->nhost_execs, 0);
        for (int i = 0; i < 500 && m->host_execs; i++)
                run_for(10);
        CHECK(m->host_execs == NULL);
}

int main(void)
{
        struct vm_manager *m = fake_guest_setup(NULL, NULL);
        test_switch_off(m);
        test_programs(m);
        test_limit(m);
        fake_guest_teardown();
        return check_result("test-lxsd-host-exec");
}
