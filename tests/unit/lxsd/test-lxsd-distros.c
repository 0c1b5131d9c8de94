/* lxsd's distro table against a scripted guest: the real server socket, request dispatch,
 * registry, e2fsck, distro state machine and session start, with the VM driver replaced by one
 * that records disk attach/detach and the guest played by this test on the control socket.
 * Checks what the CLI and the guest would see: DistroStart's fields, Notice for the guest's
 * warnings, ExecStart with distro/user/shell, ListReply states, the idle timeout's DistroStop, a
 * restart for a client that came while the distro stopped, a background session (the file
 * view) that neither starts a distro nor keeps it, DistroFailed and e2fsck refusals as
 * one "NAME: cannot start: ..." Error, terminate ending a session, unexpected guest messages
 * ignored, and nothing left once the VM goes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "fake-guest.h"
#include "log.h"
#include "paths.h"

/* A start runs the host's e2fsck first: a fraction of a second, but seconds on a loaded
 * machine. Waits end when the message comes, so a generous bound costs nothing. */
#define START_WAIT_MS 30000

static struct vm_manager *manager; /* lxsd's, from fake_guest_setup */
static int attaches, detaches;
static unsigned attached_target;
static char attached_path[512];

static int fake_start(const struct lxs_vm_params *p, struct lxs_vm *vm, char **err) { return -ENOSYS; }
static int fake_kill(struct lxs_vm *vm) { return 0; }
static int fake_reap(struct lxs_vm *vm, int *status)
{
        *status = 0;
        return 0;
}
static int fake_attach(struct lxs_vm *vm, unsigned target, const char *path, char **err)
{
        attaches++;
        attached_target = target;
        snprintf(attached_path, sizeof(attached_path), "%s", path);
        return 0;
}
static int fake_detach(struct lxs_vm *vm, unsigned target, char **err)
{
        detaches++;
        return 0;
}
static const struct lxs_vm_ops fake_driver = {
        .name = "test", .start = fake_start, .kill = fake_kill, .reap = fake_reap,
        .attach_disk = fake_attach, .detach_disk = fake_detach,
};

static void guest_started(const char *name, char **warnings, size_t n)
{
        Lxs__Guest__DistroStarted st = LXS__GUEST__DISTRO_STARTED__INIT;
        st.name = (char *)name;
        st.init_pid = 7;
        st.warnings = warnings;
        st.n_warnings = n;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STARTED;
        msg.distro_started = &st;
        guest_send(&msg);
}

static void guest_stopped(const char *name, const char *reason)
{
        Lxs__Guest__DistroStopped sp = LXS__GUEST__DISTRO_STOPPED__INIT;
        sp.name = (char *)name;
        sp.reason = (char *)reason;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STOPPED;
        msg.distro_stopped = &sp;
        guest_send(&msg);
}

struct cli {
        int fd;
        struct lxs_frame_reader rd;
};

static struct cli cli_connect(void)
{
        struct cli c = { .fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) };
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/lxsd.sock", manager->d->runtime_dir);
        if (connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                perror("connect");
        lxs_frame_reader_init(&c.rd);
        return c;
}

static void cli_send(struct cli *c, Lxs__Service__Request *req)
{
        req->protocol_version = LXS_SERVICE_PROTOCOL_VERSION;
        struct lxs_outq q;
        lxs_outq_init(&q);
        lxs_outq_push_msg(&q, &req->base);
        lxs_outq_flush(&q, c->fd);
        lxs_outq_free(&q);
        lxs_set_nonblock(c->fd, 1);
        run_for(20);
}

static Lxs__Service__Reply *cli_next(struct cli *c, unsigned ms)
{
        for (unsigned waited = 0;; waited += 10) {
                const uint8_t *p;
                size_t len;
                if (lxs_frame_reader_next(&c->rd, &p, &len) > 0)
                        return lxs_reply_decode(p, len);
                if (lxs_frame_reader_fill(&c->rd, c->fd) > 0)
                        continue;
                if (waited >= ms)
                        return NULL;
                run_for(10);
        }
}

static void cli_close(struct cli *c)
{
        close(c->fd);
        lxs_frame_reader_free(&c->rd);
        run_for(10);
}

/* An Error reply with this errno and message. */
static void expect_error(struct cli *c, int err, const char *message)
{
        Lxs__Service__Reply *r = cli_next(c, 3000);
        CHECK(r && r->msg_case == LXS__SERVICE__REPLY__MSG_ERROR);
        if (r && r->msg_case == LXS__SERVICE__REPLY__MSG_ERROR) {
                CHECK_EQ_INT(r->error->errno_value, err);
                CHECK_EQ_STR(r->error->message, message);
        }
        if (r)
                lxs__service__reply__free_unpacked(r, NULL);
}

static struct cli exec_in(const char *distro, const char *user, char **argv, size_t argc, Lxs__Guest__Shell shell)
{
        static char *env[] = { "TERM=xterm", "LANG=C.UTF-8" };
        Lxs__Service__ExecRequest er = LXS__SERVICE__EXEC_REQUEST__INIT;
        er.distro = (char *)distro;
        er.user = (char *)user;
        er.argv = argv;
        er.n_argv = argc;
        er.env = env;
        er.n_env = 2;
        er.shell = shell;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_EXEC;
        req.exec = &er;
        struct cli c = cli_connect();
        cli_send(&c, &req);
        return c;
}

/* What `lxs --mount-view NAME` asks for. */
static struct cli exec_view(const char *distro)
{
        Lxs__Service__ExecRequest er = LXS__SERVICE__EXEC_REQUEST__INIT;
        er.distro = (char *)distro;
        er.image_tool = (char *)LXS_IMAGE_TOOL_9P_SERVER;
        er.background = 1;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_EXEC;
        req.exec = &er;
        struct cli c = cli_connect();
        cli_send(&c, &req);
        return c;
}

/* "NAME STATE" of every distro lxsd lists, space-separated. */
static void list(char *out, size_t outlen)
{
        Lxs__Service__ListRequest l = LXS__SERVICE__LIST_REQUEST__INIT;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_LIST;
        req.list = &l;
        struct cli c = cli_connect();
        cli_send(&c, &req);
        Lxs__Service__Reply *r = cli_next(&c, 3000);
        out[0] = '\0';
        CHECK(r && r->msg_case == LXS__SERVICE__REPLY__MSG_LIST);
        for (size_t i = 0; r && r->msg_case == LXS__SERVICE__REPLY__MSG_LIST && i < r->list->n_distros; i++)
                snprintf(out + strlen(out), outlen - strlen(out), "%s%s %s", i ? " " : "", r->list->distros[i]->name,
                         r->list->distros[i]->state);
        if (r)
                lxs__service__reply__free_unpacked(r, NULL);
        cli_close(&c);
}

static struct cli terminate(const char *name)
{
        Lxs__Service__TerminateRequest t = LXS__SERVICE__TERMINATE_REQUEST__INIT;
        t.distro = (char *)name;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_TERMINATE;
        req.terminate = &t;
        struct cli c = cli_connect();
        cli_send(&c, &req);
        return c;
}

enum image_kind { IMAGE_ZEROS, IMAGE_EXT4, IMAGE_DAMAGED };

static int make_image(const char *path, enum image_kind kind)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || ftruncate(fd, 16 << 20) < 0)
                return -1;
        if (kind == IMAGE_ZEROS)
                return 0;
        char cmd[1400];
        /* Damaged: the root inode cleared and the file system marked as having errors, which
         * e2fsck -p may not repair by itself. */
        snprintf(cmd, sizeof(cmd),
                 "PATH=$PATH:/sbin:/usr/sbin; mkfs.ext4 -q -F '%s' >/dev/null 2>&1 && "
                 "{ [ %d = 0 ] || { debugfs -w -R 'clri <2>' '%s' && debugfs -w -R 'ssv state 2' '%s'; } >/dev/null 2>&1; }",
                 path, kind == IMAGE_DAMAGED, path, path);
        return system(cmd) == 0 ? 0 : -1;
}

static void test_flow(void)
{
        struct vm_manager *m = manager;
        char states[256];

        /* Unknown: said before anything starts. */
        struct cli c0 = exec_in("nope", "", NULL, 0, LXS__GUEST__SHELL__SHELL_LOGIN);
        expect_error(&c0, ENODEV, "nope: no such distribution");
        cli_close(&c0);
        CHECK_EQ_INT(m->ndistros, 0);

        /* First session: e2fsck, attach, DistroStart with the registry's spelling and uid. */
        struct cli a = exec_in("deb.test", "ann", NULL, 0, LXS__GUEST__SHELL__SHELL_LOGIN);
        Lxs__Guest__HostToGuest *g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_START, START_WAIT_MS);
        CHECK_EQ_INT(attaches, 1);
        CHECK(strstr(attached_path, "/deb.img") != NULL);
        if (g) {
                CHECK_EQ_STR(g->distro_start->name, "Deb.Test");
                CHECK_EQ_INT(g->distro_start->scsi_target, attached_target);
                CHECK_EQ_STR(g->distro_start->hostname, "Deb-Test");
                CHECK_EQ_INT(g->distro_start->default_uid, 1000);
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        }
        list(states, sizeof(states));
        CHECK_EQ_STR(states, "Deb.Test Starting");
        CHECK_EQ_INT(m->idle_timer, -1); /* a distro keeps the VM */

        /* Started: the waiting client gets the warning once, then its session starts. */
        static char *warnings[] = { "/etc/lxs.conf:2: unknown key x" };
        guest_started("Deb.Test", warnings, 1);
        Lxs__Service__Reply *r = cli_next(&a, 2000);
        CHECK(r && r->msg_case == LXS__SERVICE__REPLY__MSG_NOTICE);
        if (r && r->msg_case == LXS__SERVICE__REPLY__MSG_NOTICE)
                CHECK_EQ_STR(r->notice->message, "Deb.Test: /etc/lxs.conf:2: unknown key x");
        if (r)
                lxs__service__reply__free_unpacked(r, NULL);
        g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START, 2000);
        uint32_t session = 0;
        if (g) {
                Lxs__Guest__ExecStart *es = g->exec_start;
                session = es->session_id;
                CHECK_EQ_STR(es->distro, "Deb.Test");
                CHECK_EQ_STR(es->user, "ann");
                CHECK_EQ_INT(es->shell, LXS__GUEST__SHELL__SHELL_LOGIN);
                CHECK_EQ_INT(es->n_argv, 0);
                CHECK_EQ_STR(es->cwd, ""); /* the guest's: the user's home */
                CHECK_EQ_INT(es->n_env, 2); /* no VM defaults: the guest builds the user's */
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        }
        list(states, sizeof(states));
        CHECK_EQ_STR(states, "Deb.Test Running");

        /* Hostile or stale guest messages change nothing. */
        guest_started("nope", NULL, 0);
        guest_started("Deb.Test", NULL, 0);
        Lxs__Guest__DistroFailed fl = LXS__GUEST__DISTRO_FAILED__INIT;
        fl.name = (char *)"Deb.Test";
        fl.errno_value = EIO;
        Lxs__Guest__GuestToHost msg = LXS__GUEST__GUEST_TO_HOST__INIT;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_FAILED;
        msg.distro_failed = &fl;
        guest_send(&msg);
        CHECK_EQ_INT(m->state, VM_RUNNING);
        list(states, sizeof(states));
        CHECK_EQ_STR(states, "Deb.Test Running");

        /* The session ends; with the guest idle, instanceIdleTimeout (300 ms) stops the distro. */
        Lxs__Guest__ExecExited ex = LXS__GUEST__EXEC_EXITED__INIT;
        ex.session_id = session;
        ex.exit_code = 3;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_EXITED;
        msg.exec_exited = &ex;
        guest_send(&msg);
        r = cli_next(&a, 1000);
        CHECK(r && r->msg_case == LXS__SERVICE__REPLY__MSG_EXEC_EXITED);
        if (r)
                lxs__service__reply__free_unpacked(r, NULL);
        cli_close(&a);
        g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_STOP, 2000);
        if (g) {
                CHECK_EQ_STR(g->distro_stop->name, "Deb.Test");
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        }
        list(states, sizeof(states));
        CHECK_EQ_STR(states, "Deb.Test Stopping");
        CHECK_EQ_INT(m->idle_timer, -1);

        /* A client arriving while it stops gets a fresh start, which the guest refuses. */
        static char *argv_id[] = { "id", NULL };
        struct cli b = exec_in("DEB.test", "", argv_id, 1, LXS__GUEST__SHELL__SHELL_NONE);
        CHECK(guest_next(100) == NULL);
        guest_stopped("Deb.Test", "");
        CHECK_EQ_INT(detaches, 1);
        g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_START, START_WAIT_MS);
        if (g)
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        CHECK_EQ_INT(attaches, 2);
        fl.errno_value = ENOENT; /* must not make the CLI say "command not found" */
        fl.detail = (char *)"no disk at SCSI target 0";
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_FAILED;
        msg.distro_failed = &fl;
        guest_send(&msg);
        expect_error(&b, EIO, "Deb.Test: cannot start: no disk at SCSI target 0");
        cli_close(&b);
        CHECK_EQ_INT(detaches, 2);
        CHECK_EQ_INT(m->ndistros, 0);
        /* Now the VM's own idle timer may run again. */
        CHECK(m->idle_timer >= 0);

        /* Terminate a running distro: the session ends with the reason, the terminator waits
         * for DistroStopped; a DistroStopped for a Starting distro is stale and ignored. */
        struct cli e = exec_in("deb.test", "", argv_id, 1, LXS__GUEST__SHELL__SHELL_NONE);
        g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_START, START_WAIT_MS);
        if (g)
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        guest_stopped("Deb.Test", "");
        list(states, sizeof(states));
        CHECK_EQ_STR(states, "Deb.Test Starting");
        guest_started("Deb.Test", NULL, 0);
        g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START, 2000);
        if (g)
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        struct cli t = terminate("DEB.TEST");
        g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_STOP, 2000);
        if (g)
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        CHECK(cli_next(&t, 50) == NULL); /* not before it is stopped */
        guest_stopped("Deb.Test", "");
        r = cli_next(&t, 1000);
        CHECK(r && r->msg_case == LXS__SERVICE__REPLY__MSG_OK);
        if (r)
                lxs__service__reply__free_unpacked(r, NULL);
        cli_close(&t);
        expect_error(&e, EIO, "Deb.Test: terminated");
        cli_close(&e);
        CHECK_EQ_INT(m->ndistros, 0);
        CHECK_EQ_INT(m->nsessions, 0);

        /* Terminating what does not run is Ok at once. */
        t = terminate("deb.test");
        r = cli_next(&t, 1000);
        CHECK(r && r->msg_case == LXS__SERVICE__REPLY__MSG_OK);
        if (r)
                lxs__service__reply__free_unpacked(r, NULL);
        cli_close(&t);

        /* A background session (the host's file view) never starts a distro or keeps it: it is
         * refused while the distro does not run, passes image_tool on, and the distro idles
         * out with only it left. */
        struct cli v0 = exec_view("deb.test");
        expect_error(&v0, ESRCH, "deb.test: not running");
        cli_close(&v0);
        CHECK(guest_next(50) == NULL);
        CHECK_EQ_INT(m->ndistros, 0);
        struct cli s1 = exec_in("deb.test", "", argv_id, 1, LXS__GUEST__SHELL__SHELL_NONE);
        g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_START, START_WAIT_MS);
        if (g)
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        guest_started("Deb.Test", NULL, 0);
        g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START, 2000);
        uint32_t s1_id = g ? g->exec_start->session_id : 0;
        if (g)
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        struct cli v = exec_view("deb.test");
        g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START, 2000);
        if (g) {
                CHECK_EQ_STR(g->exec_start->distro, "Deb.Test");
                CHECK_EQ_STR(g->exec_start->image_tool, LXS_IMAGE_TOOL_9P_SERVER);
                CHECK(g->exec_start->background);
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        }
        struct distro *dd = distro_find(m, "deb.test");
        CHECK(dd && dd->nsessions == 1);
        ex.session_id = s1_id;
        ex.exit_code = 0;
        msg.msg_case = LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_EXITED;
        msg.exec_exited = &ex;
        guest_send(&msg);
        r = cli_next(&s1, 1000);
        CHECK(r && r->msg_case == LXS__SERVICE__REPLY__MSG_EXEC_EXITED);
        if (r)
                lxs__service__reply__free_unpacked(r, NULL);
        cli_close(&s1);
        g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_STOP, 2000);
        if (g)
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        guest_stopped("Deb.Test", "");
        r = cli_next(&v, 1000);
        CHECK(r && r->msg_case == LXS__SERVICE__REPLY__MSG_ERROR);
        if (r)
                lxs__service__reply__free_unpacked(r, NULL);
        cli_close(&v);
        CHECK_EQ_INT(m->ndistros, 0);
        CHECK_EQ_INT(m->nsessions, 0);

        /* e2fsck refuses an image that is no file system; nothing is attached. */
        int before = attaches;
        struct cli f = exec_in("broken", "", argv_id, 1, LXS__GUEST__SHELL__SHELL_NONE);
        r = cli_next(&f, START_WAIT_MS);
        CHECK(r && r->msg_case == LXS__SERVICE__REPLY__MSG_ERROR);
        if (r && r->msg_case == LXS__SERVICE__REPLY__MSG_ERROR) {
                CHECK(strncmp(r->error->message, "broken: cannot start: e2fsck: ", 30) == 0);
                CHECK(strchr(r->error->message, '\n') == NULL);
        }
        if (r)
                lxs__service__reply__free_unpacked(r, NULL);
        cli_close(&f);
        /* Damage -p may not repair: e2fsck's own words and how to repair it, on one line. */
        f = exec_in("damaged", "", argv_id, 1, LXS__GUEST__SHELL__SHELL_NONE);
        r = cli_next(&f, START_WAIT_MS);
        CHECK(r && r->msg_case == LXS__SERVICE__REPLY__MSG_ERROR);
        if (r && r->msg_case == LXS__SERVICE__REPLY__MSG_ERROR) {
                const char *text = r->error->message;
                CHECK(strncmp(text, "damaged: cannot start: e2fsck: Root inode is not a directory.", 61) == 0);
                CHECK(strstr(text, "(exit status 4; repair it with e2fsck -f ") != NULL);
                CHECK(strchr(text, '\n') == NULL);
        }
        if (r)
                lxs__service__reply__free_unpacked(r, NULL);
        cli_close(&f);
        CHECK_EQ_INT(attaches, before);
        CHECK_EQ_INT(m->ndistros, 0);

        /* The VM going away takes every distro with it; their clients hear why. */
        struct cli h = exec_in("deb.test", "", argv_id, 1, LXS__GUEST__SHELL__SHELL_NONE);
        g = guest_expect_within(LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_START, START_WAIT_MS);
        if (g)
                lxs__guest__host_to_guest__free_unpacked(g, NULL);
        vm_kill_now(m, "test");
        expect_error(&h, EIO, "Deb.Test: cannot start: utility VM: test");
        cli_close(&h);
        CHECK_EQ_INT(m->ndistros, 0);
}

int main(void)
{
        char tmpl[] = "/tmp/lxs-test-lxsd.XXXXXX";
        char *dir = mkdtemp(tmpl);
        if (!dir)
                return 1;
        setenv("LXS_DATA_DIR", dir, 1);
        char deb[300], broken[300], damaged[300];
        snprintf(deb, sizeof(deb), "%s/deb.img", dir);
        snprintf(broken, sizeof(broken), "%s/broken.img", dir);
        snprintf(damaged, sizeof(damaged), "%s/damaged.img", dir);
        if (make_image(deb, IMAGE_EXT4) < 0 || make_image(broken, IMAGE_ZEROS) < 0 ||
            make_image(damaged, IMAGE_DAMAGED) < 0) {
                const char *all = getenv("LXS_REQUIRE_ALL");
                fprintf(stderr, "test-lxsd-distros: %s: mkfs.ext4 or debugfs (e2fsprogs) not available\n",
                        all && strcmp(all, "1") == 0 ? "FAIL" : "SKIP");
                return all && strcmp(all, "1") == 0 ? 1 : 77;
        }
        struct lxs_registry reg;
        if (lxs_registry_open(&reg, NULL) < 0)
                return 1;
        struct lxs_distro d1 = { .name = "Deb.Test", .install_dir = dir, .image = deb, .default_uid = 1000 };
        struct lxs_distro d2 = { .name = "broken", .install_dir = dir, .image = broken };
        struct lxs_distro d3 = { .name = "damaged", .install_dir = dir, .image = damaged };
        lxs_registry_lock(&reg);
        CHECK_EQ_INT(lxs_registry_add(&reg, &d1), 0);
        CHECK_EQ_INT(lxs_registry_add(&reg, &d2), 0);
        CHECK_EQ_INT(lxs_registry_add(&reg, &d3), 0);
        lxs_registry_unlock(&reg);
        lxs_registry_close(&reg);

        manager = fake_guest_setup(dir, &fake_driver);
        CHECK_EQ_INT(lxsd_server_listen(manager->d), 0);
        manager->cfg.distro_idle_timeout_ms = 300;

        test_flow();
        fake_guest_teardown();

        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                fprintf(stderr, "cannot remove %s\n", dir);
        return check_result("test-lxsd-distros");
}
