/* The host's check of a distro image before lxsd attaches it: `e2fsck -p IMAGE` as a child
 * process that the event loop watches through a pidfd, so a long replay never stalls other
 * clients. Its output goes to a memfd (no pipe to drain, no file to clean up) and is read once
 * it exited. -p replays a dirty journal and fixes what is safe to fix; anything more (exit
 * status 4 and up) refuses the start with e2fsck's own words. The image is not attached
 * anywhere while this runs: lxsd checks it before each start, and the CLI's import and export
 * refuse or terminate a distro that runs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "lxsd.h"

/* e2fsck lives in sbin, which an ordinary user's PATH often lacks. */
static const char *const e2fsck_paths[] = { "/usr/sbin/e2fsck", "/sbin/e2fsck", "e2fsck" };
/* What a child that found no e2fsck exits with (as a shell does). */
#define NOT_FOUND_STATUS 127
/* e2fsck's exit status bits that mean the file system is fine now: 1 repaired, 2 "reboot"
 * (which concerns a mounted root, not an image). */
#define E2FSCK_OK_MASK 3
/* Enough of e2fsck's output to say what is wrong, short enough for one line. */
#define DETAIL_MAX 480

int image_check_spawn(const char *image, struct image_check *ic)
{
        *ic = (struct image_check){ .pid = -1, .pidfd = -1, .out_fd = -1 };
        _cleanup_close_ int out = memfd_create("e2fsck", MFD_CLOEXEC);
        if (out < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
                    dup2(out, STDERR_FILENO) < 0)
                        _exit(NOT_FOUND_STATUS - 1);
                /* lxsd blocks signals it reads through a signalfd; e2fsck should get defaults. */
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                for (size_t i = 0; i < LXS_ARRAY_SIZE(e2fsck_paths); i++)
                        execvp(e2fsck_paths[i], (char *const[]){ (char *)"e2fsck", (char *)"-p", (char *)image, NULL });
                _exit(NOT_FOUND_STATUS);
        }
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
                int e = errno;
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return -e;
        }
        ic->pid = pid;
        ic->pidfd = pidfd;
        ic->out_fd = TAKE_FD(out);
        return 0;
}

static void release(struct image_check *ic)
{
        if (ic->pidfd >= 0)
                close(ic->pidfd);
        if (ic->out_fd >= 0)
                close(ic->out_fd);
        *ic = (struct image_check){ .pid = -1, .pidfd = -1, .out_fd = -1 };
}

/* The lines of e2fsck's output that say what is wrong, as one line: those it starts with
 * "e2fsck: " or with the image's path, without that prefix, joined with spaces (e2fsck wraps
 * its prose); else its first line. */
static char *summarise_output(int fd, const char *image)
{
        char buf[4096];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        char *out = calloc(1, DETAIL_MAX + 1);
        if (!out)
                return NULL;
        size_t ilen = strlen(image);
        const char *first = NULL;
        for (char *line = strtok(buf, "\r\n"); line; line = strtok(NULL, "\r\n")) {
                line += strspn(line, " \t");
                size_t len = strlen(line);
                while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
                        line[--len] = '\0';
                if (!*line)
                        continue;
                if (!first)
                        first = line;
                const char *what = NULL;
                if (strncmp(line, "e2fsck: ", 8) == 0)
                        what = line + 8;
                else if (strncmp(line, image, ilen) == 0 && line[ilen] == ':')
                        what = line + ilen + 1 + strspn(line + ilen + 1, " \t");
                if (what && *what && strlen(out) + strlen(what) + 2 <= DETAIL_MAX)
                        snprintf(out + strlen(out), DETAIL_MAX + 1 - strlen(out), "%s%s", *out ? " " : "", what);
        }
        if (!*out && first)
                snprintf(out, DETAIL_MAX + 1, "%s", first);
        for (char *p = out; *p; p++)
                if ((unsigned char)*p < 0x20)
                        *p = ' ';
        return out;
}

int image_check_finish(struct image_check *ic, const char *image, char **detail)
{
        *detail = NULL;
        int status = 0;
        pid_t r;
        while ((r = waitpid(ic->pid, &status, 0)) < 0 && errno == EINTR)
                ;
        if (r < 0) {
                int e = errno;
                release(ic);
                return -e;
        }
        int ret = 0;
        if (WIFSIGNALED(status)) {
                if (asprintf(detail, "e2fsck killed by signal %d", WTERMSIG(status)) < 0)
                        *detail = NULL;
                ret = -EINTR;
        } else if (WEXITSTATUS(status) == NOT_FOUND_STATUS) {
                ret = -ENOENT;
        } else if (WEXITSTATUS(status) & ~E2FSCK_OK_MASK) {
                _cleanup_free_ char *text = summarise_output(ic->out_fd, image);
                /* 4: errors left that only an interactive check may repair. */
                bool repairable = WEXITSTATUS(status) == 4;
                if (asprintf(detail, "e2fsck: %s (exit status %d%s%s)", text && *text ? text : "failed",
                             WEXITSTATUS(status), repairable ? "; repair it with e2fsck -f " : "",
                             repairable ? image : "") < 0)
                        *detail = NULL;
                ret = -EUCLEAN;
        }
        release(ic);
        return ret;
}

void image_check_abort(struct image_check *ic)
{
        if (ic->pid > 0) {
                kill(ic->pid, SIGKILL);
                while (waitpid(ic->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        release(ic);
}
