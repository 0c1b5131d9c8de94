/* A scripted guest for lxsd-core's unit tests (fake-guest.h). */
#define LXS_FAKE_GUEST_IMPL
#include "fake-guest.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static struct lxsd d;
static int guest_fd = -1;
static struct lxs_frame_reader guest_rd;

static int fake_start(const struct lxs_vm_params *p, struct lxs_vm *vm, char **err) { return -ENOSYS; }
static int fake_kill(struct lxs_vm *vm) { return 0; }
static int fake_reap(struct lxs_vm *vm, int *status)
{
        *status = 0;
        return 0;
}
static const struct lxs_vm_ops fake_driver = {
        .name = "test", .start = fake_start, .kill = fake_kill, .reap = fake_reap,
};

static void quit(struct lxs_loop *loop, void *data) { lxs_loop_quit(loop); }

void run_for(unsigned ms)
{
        lxs_loop_timer(d.loop, ms, quit, NULL);
        lxs_loop_run(d.loop);
}

static void on_control(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        guest_channel_readable(data);
}

Lxs__Guest__HostToGuest *guest_next(unsigned ms)
{
        for (unsigned waited = 0;; waited += 10) {
                const uint8_t *p;
                size_t len;
                if (lxs_frame_reader_next(&guest_rd, &p, &len) > 0)
                        return lxs_host_to_guest_decode(p, len);
                if (lxs_frame_reader_fill(&guest_rd, guest_fd) > 0)
                        continue;
                if (waited >= ms)
                        return NULL;
                run_for(10);
        }
}

void guest_send(const Lxs__Guest__GuestToHost *msg)
{
        struct lxs_outq q;
        lxs_outq_init(&q);
        lxs_outq_push_msg(&q, &msg->base);
        lxs_outq_flush(&q, guest_fd);
        lxs_outq_free(&q);
        run_for(20);
}

void guest_send_started(uint32_t id)
{
        Lxs__Guest__ExecStarted st = LXS__GUEST__EXEC_STARTED__INIT;
        st.session_id = id;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_STARTED;
        msg.exec_started = &st;
        guest_send(&msg);
}

void guest_send_exited(uint32_t id)
{
        Lxs__Guest__ExecExited ex = LXS__GUEST__EXEC_EXITED__INIT;
        ex.session_id = id;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_EXITED;
        msg.exec_exited = &ex;
        guest_send(&msg);
}

void guest_send_data(uint32_t id, Lxs__Guest__Stream stream, const void *data, size_t len)
{
        Lxs__Guest__StreamData sd = LXS__GUEST__STREAM_DATA__INIT;
        sd.session_id = id;
        sd.stream = stream;
        sd.data.data = (uint8_t *)data;
        sd.data.len = len;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_DATA;
        msg.stream_data = &sd;
        guest_send(&msg);
}

void guest_send_close(uint32_t id, Lxs__Guest__Stream stream)
{
        Lxs__Guest__StreamClose sc = LXS__GUEST__STREAM_CLOSE__INIT;
        sc.session_id = id;
        sc.stream = stream;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CLOSE;
        msg.stream_close = &sc;
        guest_send(&msg);
}

struct vm_manager *fake_guest_setup(const char *dir, const struct lxs_vm_ops *driver)
{
        lxsd_log_open("/dev/null", getenv("TEST_VERBOSE") != NULL);
        d = (struct lxsd){ .listen_fd = -1, .listen_watch = -1, .reap_timer = -1 };
        if (lxs_loop_new(&d.loop) < 0)
                abort();
        d.runtime_dir = strdup(dir ? dir : "/tmp");
        d.state_dir = strdup(dir ? dir : "/tmp");
        d.image_dir = strdup(dir ? dir : "/tmp");
        d.config_path = strdup("/nonexistent/lxs.conf");
        struct vm_manager *m = &d.vm;
        vm_manager_init(m, &d);
        m->driver = driver ? driver : &fake_driver;
        int ctl[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ctl) < 0)
                abort();
        m->vm = (struct lxs_vm){ .pid = -1, .pidfd = -1, .control_fd = ctl[0], .qmp_fd = -1 };
        lxs_frame_reader_init(&m->rd);
        lxs_outq_init(&m->out);
        m->control_watch = lxs_loop_watch(d.loop, ctl[0], POLLIN, on_control, m);
        m->state = VM_RUNNING;
        guest_fd = ctl[1];
        lxs_frame_reader_init(&guest_rd);
        return m;
}

void fake_guest_teardown(void)
{
        lxs_frame_reader_free(&guest_rd);
        close(guest_fd);
        lxs_config_free(&d.vm.cfg);
        lxs_loop_free(d.loop);
        free(d.runtime_dir);
        free(d.state_dir);
        free(d.image_dir);
        free(d.config_path);
}
