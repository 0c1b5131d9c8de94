/* The guest's side of distros on the real VM, with this test as a fake lxsd: it builds a tiny
 * distro image (busybox-static, passwd/group, an /etc/lxs.conf, /etc/hosts a symlink) with the
 * real importer, boots QEMU with lxs's kernel and initramfs, does the Hello/HelloAck handshake,
 * hot-adds the image and checks what a user would: DistroStarted with the lxs.conf warning,
 * commands' output as root and as the default user, the shell modes, hostname and generated
 * files, the boot command, a tty from the distro's own devpts, the cgroup namespace, clear
 * ExecFailed details, DistroActivity, DistroStop, an unasked DistroStopped when the distro's
 * init is killed, restarts with the data kept, and that the image passes the host's
 * `e2fsck -fn` after DistroStop and after a VM Shutdown with the distro running.
 * argv[1]: guest image directory, argv[2]: busybox. Skipped (77) without them unless
 * LXS_REQUIRE_ALL=1. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../check.h"
#include "cleanup.h"
#include "fd-util.h"
#include "image.h"
#include "protocol.h"
#include "vm.h"

#define DISTRO "testdistro"
#define TARGET 2
#define WAIT_MS 60000

static int control_fd = -1;
static struct lxs_frame_reader reader;
static bool saw_busy;

/* ---- a tiny distro as a tar stream ---- */

static void tar_entry(struct archive *a, const char *path, mode_t type, mode_t perm, unsigned uid,
                      const char *link, const void *data, size_t len)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, perm);
        archive_entry_set_uid(e, uid);
        archive_entry_set_gid(e, uid);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (link)
                archive_entry_set_symlink(e, link);
        archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
        CHECK_EQ_INT(archive_write_header(a, e), ARCHIVE_OK);
        if (type == AE_IFREG && len)
                CHECK(archive_write_data(a, data, len) == (la_ssize_t)len);
        archive_entry_free(e);
}

static void tar_text(struct archive *a, const char *path, const char *text)
{
        tar_entry(a, path, AE_IFREG, 0644, 0, NULL, text, strlen(text));
}

static int make_tar(const char *tar_path, const char *busybox)
{
        int fd = open(busybox, O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        char *bin = malloc((size_t)st.st_size);
        CHECK(bin && read(fd, bin, (size_t)st.st_size) == st.st_size);
        close(fd);

        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        CHECK_EQ_INT(archive_write_open_filename(a, tar_path), ARCHIVE_OK);
        static const char *const dirs[] = { "bin", "etc", "home", "proc", "sys", "dev", "run", "tmp", "usr", "usr/bin" };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(dirs); i++)
                tar_entry(a, dirs[i], AE_IFDIR, strcmp(dirs[i], "tmp") == 0 ? 01777 : 0755, 0, NULL, NULL, 0);
        tar_entry(a, "root", AE_IFDIR, 0700, 0, NULL, NULL, 0);
        tar_entry(a, "home/ann", AE_IFDIR, 0755, 1000, NULL, NULL, 0);
        tar_entry(a, "bin/busybox", AE_IFREG, 0755, 0, NULL, bin, (size_t)st.st_size);
        free(bin);
        static const char *const applets[] = { "sh", "cat", "id", "echo", "hostname", "tty", "pwd", "sleep", "ls", "sync" };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(applets); i++) {
                char p[64];
                snprintf(p, sizeof(p), "bin/%s", applets[i]);
                tar_entry(a, p, AE_IFLNK, 0777, 0, "busybox", NULL, 0);
        }
        /* ann's shell is missing on purpose: sessions fall back to /bin/sh. */
        tar_text(a, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nann:x:1000:1000:Ann:/home/ann:/bin/bash\n");
        tar_text(a, "etc/group", "root:x:0:\nann:x:1000:\nsudo:x:27:ann\n");
        tar_text(a, "etc/os-release", "PRETTY_NAME=\"lxs test distro\"\nID=lxstest\n");
        tar_text(a, "etc/lxs.conf",
                 "# test distro\n[user]\ndefault = ann\n[network]\nhostname = testbox\nbogus = 1\n"
                 "[boot]\ncommand = echo booted > /run/boot-ran\n");
        /* The hosts file must be replaced, not written through this link. */
        tar_entry(a, "etc/hosts", AE_IFLNK, 0777, 0, "../tmp/hosts-target", NULL, 0);
        CHECK_EQ_INT(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);
        return 0;
}

/* ---- the fake host's end of the control channel ---- */

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_msg(const Lxs__Guest__HostToGuest *m)
{
        size_t len = lxs__guest__host_to_guest__get_packed_size(m);
        uint8_t *buf = malloc(len + 4);
        buf[0] = (uint8_t)len;
        buf[1] = (uint8_t)(len >> 8);
        buf[2] = (uint8_t)(len >> 16);
        buf[3] = (uint8_t)(len >> 24);
        lxs__guest__host_to_guest__pack(m, buf + 4);
        CHECK_EQ_INT(lxs_write_all(control_fd, buf, len + 4), 0);
        free(buf);
}

/* The next guest message, or NULL after timeout_ms. GuestFailure is printed and skipped;
 * DistroActivity is recorded and skipped. */
/* Messages a session's loop read that were not its own (a DistroStopped racing ExecExited). */
static Lxs__Guest__GuestToHost *stash[8];
static size_t n_stash;

static Lxs__Guest__GuestToHost *next_msg(int timeout_ms, bool use_stash)
{
        if (use_stash && n_stash) {
                Lxs__Guest__GuestToHost *m = stash[0];
                memmove(stash, stash + 1, --n_stash * sizeof(stash[0]));
                return m;
        }
        long long deadline = now_ms() + timeout_ms;
        for (;;) {
                const uint8_t *payload;
                size_t len;
                if (lxs_frame_reader_next(&reader, &payload, &len) == 1) {
                        Lxs__Guest__GuestToHost *m = lxs_guest_to_host_decode(payload, len);
                        CHECK(m != NULL);
                        if (!m)
                                return NULL;
                        if (m->msg_case == LXS__GUEST__GUEST_TO_HOST__MSG_FAILURE) {
                                fprintf(stderr, "guest failure: %s: %s (%d)\n", m->failure->stage,
                                        m->failure->detail, m->failure->errno_value);
                        } else if (m->msg_case == LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_ACTIVITY) {
                                saw_busy |= m->distro_activity->busy;
                        } else {
                                return m;
                        }
                        lxs__guest__guest_to_host__free_unpacked(m, NULL);
                        continue;
                }
                long long left = deadline - now_ms();
                if (left <= 0)
                        return NULL;
                struct pollfd p = { .fd = control_fd, .events = POLLIN };
                if (poll(&p, 1, (int)left) <= 0)
                        continue;
                if (lxs_frame_reader_fill(&reader, control_fd) == 0)
                        return NULL; /* EOF: QEMU exited */
        }
}

static Lxs__Guest__GuestToHost *expect(Lxs__Guest__GuestToHost__MsgCase want, const char *what)
{
        Lxs__Guest__GuestToHost *m = next_msg(WAIT_MS, true);
        if (!m || m->msg_case != want) {
                fprintf(stderr, "%s: expected message %d, got %d\n", what, want, m ? (int)m->msg_case : -1);
                if (m && m->msg_case == LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_FAILED)
                        fprintf(stderr, "  DistroFailed: %s\n", m->distro_failed->detail);
                check_failures++;
                if (m)
                        lxs__guest__guest_to_host__free_unpacked(m, NULL);
                return NULL;
        }
        return m;
}

static void handshake(void)
{
        Lxs__Guest__GuestToHost *hello = expect(LXS__GUEST__GUEST_TO_HOST__MSG_HELLO, "hello");
        if (!hello)
                exit(check_result("test-init-distro"));
        CHECK_EQ_INT(hello->hello->protocol_version, LXS_GUEST_PROTOCOL_VERSION);
        lxs__guest__guest_to_host__free_unpacked(hello, NULL);
        Lxs__Guest__HelloAck ack = LXS__GUEST__HELLO_ACK__INIT;
        ack.protocol_version = LXS_GUEST_PROTOCOL_VERSION;
        ack.accepted = true;
        ack.hostname = "lxs";
        Lxs__Guest__HostToGuest m = LXS__GUEST__HOST_TO_GUEST__INIT;
        m.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_HELLO_ACK;
        m.hello_ack = &ack;
        send_msg(&m);
}

/* DistroStarted (returned) or NULL. */
static Lxs__Guest__GuestToHost *start_distro(void)
{
        Lxs__Guest__DistroStart ds = LXS__GUEST__DISTRO_START__INIT;
        ds.name = DISTRO;
        ds.scsi_target = TARGET;
        ds.hostname = "vmhost";
        ds.resolv_conf = "nameserver 10.0.2.3\n";
        Lxs__Guest__HostToGuest m = LXS__GUEST__HOST_TO_GUEST__INIT;
        m.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_START;
        m.distro_start = &ds;
        send_msg(&m);
        return expect(LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STARTED, "DistroStart");
}

static void stop_distro(void)
{
        Lxs__Guest__DistroStop st = LXS__GUEST__DISTRO_STOP__INIT;
        st.name = DISTRO;
        Lxs__Guest__HostToGuest m = LXS__GUEST__HOST_TO_GUEST__INIT;
        m.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_DISTRO_STOP;
        m.distro_stop = &st;
        send_msg(&m);
        Lxs__Guest__GuestToHost *r = expect(LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STOPPED, "DistroStop");
        if (r) {
                CHECK_EQ_STR(r->distro_stopped->name, DISTRO);
                CHECK_EQ_STR(r->distro_stopped->reason, "");
                lxs__guest__guest_to_host__free_unpacked(r, NULL);
        }
}

struct run_result {
        bool started;
        int exit_code;
        int errno_value;            /* ExecFailed */
        char detail[512];
        char out[8192];
        size_t out_len;
};

/* Runs one session in the distro; stdin is closed at once. */
static const char *run_distro = DISTRO;

static void run(struct run_result *res, const char *user, Lxs__Guest__Shell shell, bool tty, const char *cwd,
                size_t argc, ...)
{
        static uint32_t next_id = 1;
        memset(res, 0, sizeof(*res));
        char *argv[8];
        va_list ap;
        va_start(ap, argc);
        for (size_t i = 0; i < argc; i++)
                argv[i] = va_arg(ap, char *);
        va_end(ap);
        char *env[] = { "TERM=dumb" };
        Lxs__Guest__ExecStart es = LXS__GUEST__EXEC_START__INIT;
        es.session_id = next_id++;
        es.argv = argv;
        es.n_argv = argc;
        es.env = env;
        es.n_env = 1;
        es.cwd = (char *)(cwd ? cwd : "");
        es.tty = tty;
        es.rows = 24;
        es.cols = 80;
        es.distro = (char *)run_distro;
        es.user = (char *)(user ? user : "");
        es.shell = shell;
        Lxs__Guest__HostToGuest m = LXS__GUEST__HOST_TO_GUEST__INIT;
        m.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_EXEC_START;
        m.exec_start = &es;
        send_msg(&m);
        Lxs__Guest__StreamClose sc = LXS__GUEST__STREAM_CLOSE__INIT;
        sc.session_id = es.session_id;
        sc.stream = LXS__GUEST__STREAM__STREAM_STDIN;
        for (;;) {
                Lxs__Guest__GuestToHost *r = next_msg(WAIT_MS, false);
                if (!r) {
                        fprintf(stderr, "session %u (%s): no answer\n", es.session_id, argv[0]);
                        check_failures++;
                        return;
                }
                bool done = false;
                switch (r->msg_case) {
                case LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_STARTED:
                        res->started = true;
                        /* A tty session would see EOF (^D) at once; it ends by itself. */
                        if (!tty) {
                                Lxs__Guest__HostToGuest c = LXS__GUEST__HOST_TO_GUEST__INIT;
                                c.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_STREAM_CLOSE;
                                c.stream_close = &sc;
                                send_msg(&c);
                        }
                        break;
                case LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_FAILED:
                        res->errno_value = r->exec_failed->errno_value;
                        snprintf(res->detail, sizeof(res->detail), "%s", r->exec_failed->detail);
                        done = true;
                        break;
                case LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_DATA: {
                        size_t n = r->stream_data->data.len;
                        if (n > sizeof(res->out) - 1 - res->out_len)
                                n = sizeof(res->out) - 1 - res->out_len;
                        memcpy(res->out + res->out_len, r->stream_data->data.data, n);
                        res->out_len += n;
                        break;
                }
                case LXS__GUEST__GUEST_TO_HOST__MSG_EXEC_EXITED:
                        res->exit_code = r->exec_exited->exit_code;
                        done = true;
                        break;
                case LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CLOSE:
                case LXS__GUEST__GUEST_TO_HOST__MSG_STREAM_CREDIT:
                        break;
                default:
                        if (n_stash < LXS_ARRAY_SIZE(stash)) {
                                stash[n_stash++] = r;
                                r = NULL;
                        }
                        break;
                }
                if (r)
                        lxs__guest__guest_to_host__free_unpacked(r, NULL);
                if (done)
                        return;
        }
}

#define RUN_OUT(res, expected)                                                                  \
        do {                                                                                    \
                CHECK((res)->started);                                                          \
                CHECK_EQ_INT((res)->exit_code, 0);                                              \
                CHECK_EQ_STR((res)->out, expected);                                             \
        } while (0)

static void check_sessions(void)
{
        struct run_result r;
        const Lxs__Guest__Shell none = LXS__GUEST__SHELL__SHELL_NONE;
        run(&r, "root", none, false, NULL, 2, "cat", "/etc/os-release");
        RUN_OUT(&r, "PRETTY_NAME=\"lxs test distro\"\nID=lxstest\n");
        run(&r, NULL, none, false, NULL, 2, "id", "-u"); /* lxs.conf's default user */
        RUN_OUT(&r, "1000\n");
        run(&r, NULL, none, false, NULL, 2, "id", "-G");
        RUN_OUT(&r, "1000 27\n");
        run(&r, "0", none, false, NULL, 2, "id", "-u");
        RUN_OUT(&r, "0\n");
        run(&r, NULL, LXS__GUEST__SHELL__SHELL_STANDARD, false, NULL, 1, "echo $HOME $USER $SHELL $0; pwd");
        RUN_OUT(&r, "/home/ann ann /bin/sh sh\n/home/ann\n");
        run(&r, "root", LXS__GUEST__SHELL__SHELL_LOGIN, false, "/tmp", 1, "echo $0; pwd");
        RUN_OUT(&r, "-sh\n/tmp\n");
        run(&r, NULL, none, false, NULL, 1, "hostname");
        RUN_OUT(&r, "testbox\n");
        run(&r, NULL, none, false, NULL, 2, "cat", "/proc/self/cgroup");
        RUN_OUT(&r, "0::/sessions\n");
        run(&r, NULL, none, false, NULL, 2, "cat", "/etc/hosts");
        CHECK(r.exit_code == 0 && strstr(r.out, "\n127.0.1.1\ttestbox\n"));
        run(&r, NULL, LXS__GUEST__SHELL__SHELL_STANDARD, false, NULL, 1, "[ -L /etc/hosts ] && echo link || echo file");
        RUN_OUT(&r, "file\n");
        run(&r, NULL, none, false, NULL, 2, "cat", "/etc/resolv.conf");
        CHECK(r.exit_code == 0 && strstr(r.out, "\nnameserver 10.0.2.3\n"));
        /* The boot command runs in the background: give it a moment. */
        for (int i = 0; i < 50; i++) {
                run(&r, "root", none, false, NULL, 2, "cat", "/run/boot-ran");
                if (r.exit_code == 0)
                        break;
                usleep(100000);
        }
        RUN_OUT(&r, "booted\n");
        run(&r, NULL, none, true, NULL, 1, "tty");
        RUN_OUT(&r, "/dev/pts/0\r\n");

        run(&r, "nosuch", none, false, NULL, 1, "id");
        CHECK(!r.started);
        CHECK_EQ_STR(r.detail, "user nosuch: no such user in " DISTRO);
        run(&r, NULL, none, false, "/nope", 1, "id");
        CHECK(!r.started);
        CHECK_EQ_INT(r.errno_value, ENOENT);
        CHECK_EQ_STR(r.detail, "cd /nope: No such file or directory");
        run(&r, NULL, none, false, NULL, 1, "nosuchcommand");
        CHECK(!r.started);
        CHECK_EQ_INT(r.errno_value, ENOENT);
        CHECK_EQ_STR(r.detail, "nosuchcommand: No such file or directory");
}

static void e2fsck_clean(const char *image, const char *when)
{
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "e2fsck -fn '%s' >/dev/null 2>&1", image);
        int st = system(cmd);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "e2fsck -fn %s: not clean %s (status %d)\n", image, when, st);
                check_failures++;
        }
}

int main(int argc, char **argv)
{
        const char *require = getenv("LXS_REQUIRE_ALL");
        char kernel[512], initrd[512];
        snprintf(kernel, sizeof(kernel), "%s/vmlinux", argc > 1 ? argv[1] : "");
        snprintf(initrd, sizeof(initrd), "%s/initramfs.img", argc > 1 ? argv[1] : "");
        if (argc < 3 || access(kernel, R_OK) < 0 || access(initrd, R_OK) < 0 || access(argv[2], X_OK) < 0) {
                fprintf(stderr, "guest image or busybox missing (%s)\n", argc > 1 ? argv[1] : "no dir given");
                return require && strcmp(require, "1") == 0 ? 1 : 77;
        }
        char dir[] = "/tmp/test-init-distro.XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        char tar[600], image[600], console[600];
        snprintf(tar, sizeof(tar), "%s/rootfs.tar", dir);
        snprintf(image, sizeof(image), "%s/ext4.img", dir);
        snprintf(console, sizeof(console), "%s/console.log", dir);
        CHECK_EQ_INT(make_tar(tar, argv[2]), 0);
        int tar_fd = open(tar, O_RDONLY);
        char *err = NULL;
        struct lxs_import_opts opts = { .image_size = 256u << 20 };
        struct lxs_import_stats stats;
        int r = lxs_image_import(tar_fd, image, &opts, &stats, &err);
        close(tar_fd);
        if (r < 0) {
                fprintf(stderr, "import: %s\n", err ? err : strerror(-r));
                return 1;
        }

        struct lxs_vm_params p = {
                .kernel = kernel,
                .initrd = initrd,
                .memory_mib = 512,
                .processors = 1,
                .accel = lxs_accel_resolve(LXS_ACCEL_AUTO, NULL, NULL),
                .runtime_dir = dir,
                .console_log = console,
        };
        struct lxs_vm vm = { .pid = -1, .pidfd = -1, .control_fd = -1, .qmp_fd = -1 };
        char *detail = NULL;
        r = lxs_qemu_driver.start(&p, &vm, &detail);
        if (r < 0) {
                fprintf(stderr, "start: %s\n", detail ? detail : strerror(-r));
                return 1;
        }
        control_fd = vm.control_fd;
        lxs_frame_reader_init(&reader);
        long long t0 = now_ms();
        handshake();
        CHECK_EQ_INT(lxs_qemu_driver.attach_disk(&vm, TARGET, image, &detail), 0);

        Lxs__Guest__GuestToHost *st = start_distro();
        int32_t init_pid = 0;
        if (st) {
                CHECK_EQ_STR(st->distro_started->name, DISTRO);
                CHECK(st->distro_started->init_pid > 1);
                init_pid = st->distro_started->init_pid;
                CHECK_EQ_INT(st->distro_started->n_warnings, 1);
                if (st->distro_started->n_warnings == 1)
                        CHECK_EQ_STR(st->distro_started->warnings[0], "/etc/lxs.conf:6: unknown key 'bogus' in [network]");
                lxs__guest__guest_to_host__free_unpacked(st, NULL);
                fprintf(stderr, "distro started %lld ms after boot\n", now_ms() - t0);
                /* Starting a running distro again is answered the same way. */
                st = start_distro();
                CHECK(st && st->distro_started->init_pid == init_pid);
                if (st)
                        lxs__guest__guest_to_host__free_unpacked(st, NULL);
                check_sessions();
                CHECK(saw_busy);
                stop_distro();
        }
        CHECK_EQ_INT(lxs_qemu_driver.detach_disk(&vm, TARGET, &detail), 0);
        e2fsck_clean(image, "after DistroStop");

        /* Again, and this time the VM shuts down with the distro running. */
        CHECK_EQ_INT(lxs_qemu_driver.attach_disk(&vm, TARGET, image, &detail), 0);
        st = start_distro();
        if (st) {
                char pid[16];
                snprintf(pid, sizeof(pid), "%d", st->distro_started->init_pid);
                lxs__guest__guest_to_host__free_unpacked(st, NULL);
                struct run_result res;
                run(&res, "root", LXS__GUEST__SHELL__SHELL_STANDARD, false, NULL, 1, "echo kept > /root/file; sync");
                CHECK_EQ_INT(res.exit_code, 0);
                /* The distro's init killed from the VM: the guest says so unasked. */
                run_distro = "";
                run(&res, NULL, LXS__GUEST__SHELL__SHELL_NONE, false, NULL, 3, "kill", "-9", pid);
                run_distro = DISTRO;
                CHECK_EQ_INT(res.exit_code, 0);
                Lxs__Guest__GuestToHost *gone = expect(LXS__GUEST__GUEST_TO_HOST__MSG_DISTRO_STOPPED, "kill init");
                if (gone) {
                        CHECK_EQ_STR(gone->distro_stopped->reason, "the distro's init was killed by signal 9 (Killed)");
                        lxs__guest__guest_to_host__free_unpacked(gone, NULL);
                }
                st = start_distro();
                if (st)
                        lxs__guest__guest_to_host__free_unpacked(st, NULL);
                run(&res, "root", LXS__GUEST__SHELL__SHELL_NONE, false, NULL, 2, "cat", "/root/file");
                RUN_OUT(&res, "kept\n");
        }
        Lxs__Guest__HostToGuest m = LXS__GUEST__HOST_TO_GUEST__INIT;
        Lxs__Guest__Shutdown sd = LXS__GUEST__SHUTDOWN__INIT;
        m.msg_case = LXS__GUEST__HOST_TO_GUEST__MSG_SHUTDOWN;
        m.shutdown = &sd;
        send_msg(&m);
        struct pollfd pf = { .fd = vm.pidfd, .events = POLLIN };
        CHECK(poll(&pf, 1, WAIT_MS) == 1);
        int status = 0;
        if (lxs_qemu_driver.reap(&vm, &status) < 0)
                lxs_qemu_driver.kill(&vm);
        e2fsck_clean(image, "after Shutdown");
        lxs_vm_release(&vm);
        lxs_frame_reader_free(&reader);
        free(detail);
        free(err);
        if (check_failures) {
                fprintf(stderr, "console log kept in %s\n", console);
        } else {
                char cmd[700];
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                CHECK(system(cmd) == 0);
        }
        fprintf(stderr, "total %lld ms\n", now_ms() - t0);
        return check_result("test-init-distro");
}
