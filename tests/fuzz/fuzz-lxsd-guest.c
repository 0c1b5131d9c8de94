/* Fuzz target: a hostile guest talking to lxsd. The input is the byte stream the guest writes
 * on the control port; it goes through lxsd's real reader, decoder, dispatch table and session
 * relay while two CLI sessions are live (one whose client already went away), in a booting or
 * a running VM. lxsd must never crash, leak or hand bytes to a client beyond what the protocol
 * allows; a violation may only end the VM. The QEMU driver is replaced by one that owns no
 * process (the real driver is tested against real QEMU in tests/unit/vm and tests/integration). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "lxsd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fake_start(const struct lxs_vm_params *p, struct lxs_vm *vm, char **err) { return -ENOSYS; }
static int fake_kill(struct lxs_vm *vm) { return 0; }
static int fake_reap(struct lxs_vm *vm, int *status)
{
        *status = 0;
        return 0;
}
static const struct lxs_vm_ops fake_driver = {
        .name = "fuzz", .start = fake_start, .kill = fake_kill, .reap = fake_reap,
};

static struct lxsd d;

static void quit(struct lxs_loop *loop, void *data) { lxs_loop_quit(loop); }

static struct client *fake_client(int *peer)
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
        *peer = sp[1];
        return c;
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
        }
        struct vm_manager *m = &d.vm;
        vm_manager_init(m, &d);
        m->driver = &fake_driver;
        int ctl[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ctl) < 0)
                abort();
        m->vm = (struct lxs_vm){ .pid = -1, .pidfd = -1, .control_fd = ctl[0], .qmp_fd = -1 };
        lxs_frame_reader_init(&m->rd);
        lxs_outq_init(&m->out);
        m->control_watch = lxs_loop_watch(d.loop, ctl[0], POLLIN, NULL, m);
        /* The first byte picks a booting or a running VM. */
        m->state = size > 0 && (data[0] & 1) ? VM_STARTING : VM_RUNNING;

        int peer_a, peer_b;
        struct client *a = fake_client(&peer_a);
        struct client *b = fake_client(&peer_b);
        static char *argv[] = { "true", NULL };
        Lxs__Service__ExecRequest req = LXS__SERVICE__EXEC_REQUEST__INIT;
        req.system = 1;
        req.argv = argv;
        req.n_argv = 1;
        if (m->state == VM_RUNNING) {
                session_start(m, a, &req, NULL);
                session_start(m, b, &req, NULL);
                client_destroy(b); /* a session whose CLI went away */
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
                while (read(peer_a, sink, sizeof(sink)) > 0)
                        ; /* what a CLI would read */
                if (n <= 0 && off < size)
                        break;
        }

        vm_kill_now(m, "fuzz input done");
        while (d.clients)
                client_destroy(d.clients);
        lxs_loop_timer(d.loop, 0, quit, NULL);
        lxs_loop_run(d.loop); /* frees destroyed clients */
        lxs_config_free(&m->cfg);
        free(m->kernel);
        m->kernel = NULL;
        close(ctl[1]);
        close(peer_a);
        close(peer_b);
        return 0;
}
