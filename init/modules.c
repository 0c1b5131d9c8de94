/* modules.load parsing and module loading; see modules.h for the contract. */
#include "modules.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "event-loop.h"
#include "fd-util.h"
#include "report.h"

#define LIST_MAX (1u << 20)

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r';
}

/* Splits one line (not NUL-terminated) into phase and path. */
static int parse_line(const char *p, size_t n, enum lxs_module_phase *phase, char *path, size_t path_size,
                      bool *empty)
{
        size_t i = 0;
        while (i < n && is_blank(p[i]))
                i++;
        *empty = i == n || p[i] == '#';
        if (*empty)
                return 0;
        size_t word = i;
        while (i < n && !is_blank(p[i]))
                i++;
        size_t word_len = i - word;
        if (word_len == 4 && memcmp(p + word, "boot", 4) == 0)
                *phase = LXS_MODULE_BOOT;
        else if (word_len == 2 && memcmp(p + word, "fs", 2) == 0)
                *phase = LXS_MODULE_FS;
        else if (word_len == 4 && memcmp(p + word, "disk", 4) == 0)
                *phase = LXS_MODULE_DISK;
        else if (word_len == 5 && memcmp(p + word, "later", 5) == 0)
                *phase = LXS_MODULE_LATER;
        else
                return -EINVAL;
        while (i < n && is_blank(p[i]))
                i++;
        size_t start = i;
        while (i < n && !is_blank(p[i]))
                i++;
        size_t path_len = i - start;
        while (i < n && is_blank(p[i]))
                i++;
        if (i != n || path_len == 0 || p[start] != '/' || path_len >= path_size ||
            memchr(p + start, '\0', path_len))
                return -EINVAL;
        memcpy(path, p + start, path_len);
        path[path_len] = '\0';
        return 0;
}

int lxs_modules_parse(const char *text, size_t len, lxs_module_cb cb, void *data, unsigned *err_line)
{
        unsigned line = 0;
        size_t pos = 0;
        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
                line++;
                enum lxs_module_phase phase = LXS_MODULE_BOOT;
                char path[PATH_MAX];
                bool empty;
                if (parse_line(text + pos, n, &phase, path, sizeof(path), &empty) < 0) {
                        if (err_line)
                                *err_line = line;
                        return -EINVAL;
                }
                if (!empty) {
                        int r = cb(phase, path, line, data);
                        if (r < 0)
                                return r;
                }
                pos += n + (nl ? 1 : 0);
        }
        return 0;
}

int lxs_module_load_file(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

typedef void (*failure_fn)(const char *path, int errno_value, void *data);

struct load_pass {
        enum lxs_module_phase phase;
        failure_fn on_failure;
        void *data;
        int failures;
};

static int load_matching(enum lxs_module_phase phase, const char *path, unsigned line, void *data)
{
        struct load_pass *pass = data;
        if (phase != pass->phase)
                return 0;
        int r = lxs_module_load_file(path);
        if (r < 0) {
                pass->failures++;
                pass->on_failure(path, -r, pass->data);
        }
        return 0;
}

/* Returns failures, or negative errno when the list itself is unusable (already passed to
 * on_list_error). -ENOENT is silent: no list, nothing to load. */
static int load_phase(const char *list_path, struct load_pass *pass,
                      void (*on_list_error)(int err, const char *detail))
{
        _cleanup_free_ char *text = NULL;
        int r = lxs_read_file(list_path, LIST_MAX, &text);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                on_list_error(-r, NULL);
                return r;
        }
        unsigned err_line = 0;
        r = lxs_modules_parse(text, (size_t)r, load_matching, pass, &err_line);
        if (r < 0) {
                char detail[64];
                snprintf(detail, sizeof(detail), "line %u", err_line);
                on_list_error(-r, detail);
                return r;
        }
        return pass->failures;
}

static void report_boot_failure(const char *path, int errno_value, void *data)
{
        lxs_report(errno_value, false, NULL, "load module %s", path);
}

static void report_list_error(int err, const char *detail)
{
        lxs_report(err, false, detail, "read %s", LXS_MODULES_LIST);
}

int lxs_modules_load_boot(const char *list_path)
{
        struct load_pass pass = { .phase = LXS_MODULE_BOOT, .on_failure = report_boot_failure };
        return load_phase(list_path, &pass, report_list_error);
}

/* One failure from the later-phase child; smaller than PIPE_BUF, so each write is atomic. */
struct later_failure {
        int32_t errno_value;
        char stage[1024];
};
_Static_assert(sizeof(struct later_failure) <= PIPE_BUF, "one failure per atomic pipe write");

static int later_pipe = -1;

static void send_later_failure(const char *stage, int errno_value, const char *detail)
{
        struct later_failure rec = { .errno_value = errno_value };
        snprintf(rec.stage, sizeof(rec.stage), "%s%s%s", stage, detail ? " " : "", detail ? detail : "");
        /* PID 1 logs and forwards it; only when it cannot be told does the log get it here. */
        if (write(later_pipe, &rec, sizeof(rec)) != (ssize_t)sizeof(rec))
                lxs_log_line(rec.stage, errno_value, NULL);
}

static void later_module_failed(const char *path, int errno_value, void *data)
{
        char stage[1024];
        snprintf(stage, sizeof(stage), "load module %s", path);
        send_later_failure(stage, errno_value, NULL);
}

static void later_list_error(int err, const char *detail)
{
        send_later_failure("read " LXS_MODULES_LIST, err, detail);
}

struct later_watch {
        int watch;
        void (*disk_done)(void *data);
        void *data;
        bool disk_reported;
};

/* The child's record for "disk phase loaded": no stage, no errno. */
static bool is_disk_marker(const struct later_failure *rec)
{
        return rec->errno_value == 0 && rec->stage[0] == '\0';
}

static void report_disk_done(struct later_watch *lw)
{
        if (lw->disk_reported)
                return;
        lw->disk_reported = true;
        if (lw->disk_done)
                lw->disk_done(lw->data);
}

static void later_report_ready(struct lxs_loop *loop, int fd, uint32_t revents, void *data)
{
        struct later_watch *lw = data;
        struct later_failure rec;
        ssize_t n = read(fd, &rec, sizeof(rec));
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n == (ssize_t)sizeof(rec)) {
                rec.stage[sizeof(rec.stage) - 1] = '\0';
                if (is_disk_marker(&rec))
                        report_disk_done(lw);
                else
                        lxs_report(rec.errno_value, false, NULL, "%s", rec.stage);
                return;
        }
        /* End of the pipe: the child has loaded (or failed) every module. */
        lxs_loop_unwatch(loop, lw->watch);
        close(fd);
        report_disk_done(lw);
}

/* A disk-phase module that failed: tried again once the fs phase is in, in case it needs a
 * module the fs process was loading at that moment. */
struct retry_list {
        char paths[16][256];
        size_t n;
};

static void remember_failure(const char *path, int errno_value, void *data)
{
        struct retry_list *l = data;
        if (l->n < LXS_ARRAY_SIZE(l->paths) && strlen(path) < sizeof(l->paths[0]))
                snprintf(l->paths[l->n++], sizeof(l->paths[0]), "%s", path);
        else
                later_module_failed(path, errno_value, NULL);
}

/* The filesystem and the disk driver chains load at once (two vCPUs; under emulation each takes
 * a few hundred ms). A module both need is loaded by whichever comes first; the kernel makes the
 * other wait for it and answers EEXIST, which counts as loaded. */
static void load_fs_and_disk(const char *list_path)
{
        pid_t fs = fork();
        if (fs == 0) {
                struct load_pass pass = { .phase = LXS_MODULE_FS, .on_failure = later_module_failed };
                load_phase(list_path, &pass, later_list_error);
                _exit(0);
        }
        struct retry_list retry = { .n = 0 };
        struct load_pass disk = { .phase = LXS_MODULE_DISK, .on_failure = remember_failure, .data = &retry };
        load_phase(list_path, &disk, later_list_error);
        if (fs > 0)
                while (waitpid(fs, NULL, 0) < 0 && errno == EINTR)
                        ;
        else
                later_module_failed("fork for the fs modules", errno, NULL);
        for (size_t i = 0; i < retry.n; i++) {
                int r = lxs_module_load_file(retry.paths[i]);
                if (r < 0)
                        later_module_failed(retry.paths[i], -r, NULL);
        }
}

int lxs_modules_start_later(struct lxs_loop *loop, const char *list_path, void (*disk_done)(void *data),
                            void *data)
{
        static struct later_watch lw = { .watch = -1 };
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(fds[0]);
                close(fds[1]);
                return r;
        }
        if (pid == 0) {
                /* Keep only the report pipe: holding PID 1's control port open would keep the
                 * port busy after PID 1 closes it, so it could not be reopened. */
                if (dup2(fds[1], 3) < 0)
                        _exit(1);
                close_range(4, ~0u, 0);
                lxs_log_console_only();
                later_pipe = 3;
                load_fs_and_disk(list_path);
                struct later_failure marker = { .errno_value = 0 };
                if (write(later_pipe, &marker, sizeof(marker)) < 0)
                        _exit(1); /* PID 1 then learns it from the end of the pipe */
                /* What is left is not needed yet: it must not slow down a distro's start. */
                setpriority(PRIO_PROCESS, 0, 19);
                struct load_pass pass = { .phase = LXS_MODULE_LATER, .on_failure = later_module_failed };
                load_phase(list_path, &pass, later_list_error);
                _exit(0);
        }
        close(fds[1]);
        lxs_set_nonblock(fds[0], 1);
        lw.disk_done = disk_done;
        lw.data = data;
        lw.disk_reported = false;
        lw.watch = lxs_loop_watch(loop, fds[0], POLLIN, later_report_ready, &lw);
        if (lw.watch < 0) {
                close(fds[0]);
                return lw.watch;
        }
        return 0;
}
