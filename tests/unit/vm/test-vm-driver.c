/* The QEMU driver's process handling, with shell scripts standing in for QEMU: channels on the
 * agreed fds, QMP quit, SIGKILL fallback, and the explanation of a failed start. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cleanup.h"
#include "vm.h"

static char dir[] = "/tmp/test-vm-driver.XXXXXX";

static char *script(const char *name, const char *body)
{
        char *path;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                abort();
        FILE *f = fopen(path, "w");
        if (!f)
                abort();
        fprintf(f, "#!/bin/sh\n%s", body);
        fclose(f);
        chmod(path, 0755);
        return path;
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Speaks just enough QMP on fd 4, greets on the control port (fd 3), then behaves as told. */
#define FAKE_QMP                                                       \
        "printf '{\"QMP\": {}}\\r\\n' >&4\n"                           \
        "read -r line <&4\n"                                           \
        "printf '{\"return\": {}}\\r\\n' >&4\n"                        \
        "printf 'hello' >&3\n"

int main(void)
{
        if (!mkdtemp(dir))
                return 1;
        _cleanup_free_ char *log = NULL;
        if (asprintf(&log, "%s/console.log", dir) < 0)
                return 1;
        struct lxs_vm_params p = {
                .kernel = "/k", .initrd = "/i", .memory_mib = 256, .processors = 1,
                .accel = LXS_ACCEL_TCG, .console_log = log,
        };
        struct lxs_vm vm;
        char *detail = NULL;

        /* A QEMU that obeys quit: fast path, exit status kept. */
        _cleanup_free_ char *obedient = script("obedient", FAKE_QMP
                                               "read -r line <&4\n"
                                               "case \"$line\" in *quit*) exit 3;; esac\n"
                                               "exit 1\n");
        p.qemu = obedient;
        CHECK_EQ_INT(lxs_qemu_driver.start(&p, &vm, &detail), 0);
        CHECK(detail == NULL);
        if (vm.pid > 0) {
                char buf[8] = { 0 };
                CHECK_EQ_INT(read(vm.control_fd, buf, 5), 5);
                CHECK_EQ_STR(buf, "hello");
                double t0 = now_s();
                CHECK_EQ_INT(lxs_qemu_driver.kill(&vm), 0);
                CHECK(now_s() - t0 < 1.5);
                int status = 0;
                CHECK_EQ_INT(lxs_qemu_driver.reap(&vm, &status), 0);
                CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
                lxs_vm_release(&vm);
                CHECK_EQ_INT(vm.pidfd, -1);
        }

        /* A QEMU that ignores quit gets SIGKILL after the grace period. */
        _cleanup_free_ char *stubborn = script("stubborn", FAKE_QMP "exec sleep 60\n");
        p.qemu = stubborn;
        CHECK_EQ_INT(lxs_qemu_driver.start(&p, &vm, &detail), 0);
        if (vm.pid > 0) {
                CHECK_EQ_INT(lxs_qemu_driver.kill(&vm), 0);
                int status = 0;
                CHECK_EQ_INT(lxs_qemu_driver.reap(&vm, &status), 0);
                CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
                lxs_vm_release(&vm);
        }

        /* Exits by itself: the pidfd becomes readable and reap gives the status. */
        _cleanup_free_ char *shutdown = script("shutdown", FAKE_QMP "exit 0\n");
        p.qemu = shutdown;
        CHECK_EQ_INT(lxs_qemu_driver.start(&p, &vm, &detail), 0);
        if (vm.pid > 0) {
                struct pollfd pf = { .fd = vm.pidfd, .events = POLLIN };
                CHECK_EQ_INT(poll(&pf, 1, 5000), 1);
                int status = -1;
                CHECK_EQ_INT(lxs_qemu_driver.reap(&vm, &status), 0);
                CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
                lxs_vm_release(&vm);
        }

        /* Fails during start: the last line it printed is the explanation. */
        _cleanup_free_ char *broken = script("broken", "echo 'starting'\n"
                                             "echo 'qemu: -chardev socket: bad fd' >&2\nexit 1\n");
        p.qemu = broken;
        CHECK(lxs_qemu_driver.start(&p, &vm, &detail) < 0);
        CHECK(detail && strstr(detail, "qemu: -chardev socket: bad fd"));
        CHECK(detail && strstr(detail, "status 1"));
        free(detail);
        detail = NULL;

        /* Not there at all. */
        p.qemu = "/nonexistent/qemu-system-x86_64";
        CHECK_EQ_INT(lxs_qemu_driver.start(&p, &vm, &detail), -ENOENT);
        CHECK(detail && strstr(detail, "/nonexistent/qemu-system-x86_64"));
        free(detail);
        detail = NULL;

        /* Our fds other than the channels are not inherited: look at what the process holds
         * once the shell has exec'ed sleep (the shell's own fds are close-on-exec). */
        int leak = open("/dev/null", O_RDONLY);        /* deliberately without O_CLOEXEC */
        _cleanup_free_ char *fdcheck = script("fdcheck", FAKE_QMP "exec sleep 60\n");
        p.qemu = fdcheck;
        CHECK_EQ_INT(lxs_qemu_driver.start(&p, &vm, &detail), 0);
        if (vm.pid > 0) {
                _cleanup_free_ char *exe = NULL, *fd_dir = NULL;
                if (asprintf(&exe, "/proc/%d/exe", (int)vm.pid) < 0 ||
                    asprintf(&fd_dir, "/proc/%d/fd", (int)vm.pid) < 0)
                        return 1;
                char target[256] = "";
                for (int i = 0; i < 200 && !strstr(target, "sleep"); i++) {
                        ssize_t n = readlink(exe, target, sizeof(target) - 1);
                        target[n > 0 ? n : 0] = '\0';
                        if (!strstr(target, "sleep"))
                                usleep(10000);
                }
                CHECK(strstr(target, "sleep") != NULL);
                DIR *d = opendir(fd_dir);
                int n = 0, max_fd = -1;
                for (struct dirent *de; d && (de = readdir(d));) {
                        if (de->d_name[0] == '.')
                                continue;
                        n++;
                        if (atoi(de->d_name) > max_fd)
                                max_fd = atoi(de->d_name);
                }
                if (d)
                        closedir(d);
                CHECK_EQ_INT(n, 5);
                CHECK_EQ_INT(max_fd, 4);
                lxs_qemu_driver.kill(&vm);
                lxs_vm_release(&vm);
        }
        close(leak);

        unlink(obedient);
        unlink(stubborn);
        unlink(shutdown);
        unlink(broken);
        unlink(fdcheck);
        unlink(log);
        rmdir(dir);
        return check_result("test-vm-driver");
}
