/* The host view's session: 9P connection, FUSE mount, the loop thread, and an unmount that
 * leaves nothing behind; see fuse-view.h. The operations live in fuse-view-ops.c.
 *
 * The loop is our own rather than fuse_session_loop_mt(): each of a few threads polls the
 * (non-blocking) FUSE device together with an eventfd, so stop can end them without signals and
 * without closing the device under a thread that is reading it. A request is read by one
 * thread; the others find the device empty (EAGAIN) and poll again. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "fuse-view-internal.h"

#define DEFAULT_TIMEOUT_S 1.0

static void *serve(void *arg)
{
        struct lxs_fuse_view *v = arg;
        struct fuse_buf buf = { 0 };
        struct pollfd p[2] = { { .fd = fuse_session_fd(v->se), .events = POLLIN },
                               { .fd = v->stop_fd, .events = POLLIN } };
        while (!fuse_session_exited(v->se)) {
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[1].revents)
                        break;
                if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL))
                        break;  /* unmounted or aborted from outside */
                int r = fuse_session_receive_buf(v->se, &buf);
                if (r == -EINTR || r == -EAGAIN || r == -ENOENT)
                        continue;
                if (r <= 0)
                        break;
                fuse_session_process_buf(v->se, &buf);
        }
        free(buf.mem);
        return NULL;
}

/* ---- mount table ---- */

/* Undoes the octal escapes (\040 for a space ...) of a /proc/self/mountinfo field in place. */
static void unescape_mountinfo(char *s)
{
        char *w = s;
        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

/* 1 when a FUSE mount is at path in this mount namespace, 0 when not, negative errno. */
static int fuse_mounted_at(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return -errno;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                /* id parent major:minor root mountpoint options [optional...] - fstype ... */
                char *save = NULL, *field = strtok_r(line, " ", &save);
                for (int i = 0; field && i < 4; i++)
                        field = strtok_r(NULL, " ", &save);
                if (!field)
                        continue;
                unescape_mountinfo(field);
                if (strcmp(field, path) != 0)
                        continue;
                char *sep = strstr(save ? save : "", " - ");
                if (sep && strncmp(sep + 3, "fuse", 4) == 0)
                        return 1;
        }
        return 0;
}

static int run_fusermount_detach(const char *path)
{
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, STDIN_FILENO);
                        dup2(null, STDOUT_FILENO);
                        dup2(null, STDERR_FILENO);
                }
                execlp("fusermount3", "fusermount3", "-u", "-z", "-q", "--", path, (char *)NULL);
                _exit(127);
        }
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EBUSY;
}

/* libfuse's unmount gives up quietly in some cases (device already in error, no permission);
 * make sure, then detach by hand: as root directly, otherwise through fusermount3. */
static int ensure_unmounted(const char *path)
{
        int r = fuse_mounted_at(path);
        if (r <= 0)
                return r;
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
                return 0;
        r = run_fusermount_detach(path);
        if (r < 0)
                return r;
        return fuse_mounted_at(path) > 0 ? -EBUSY : 0;
}

/* ---- start and stop ---- */

static void view_free(struct lxs_fuse_view *v)
{
        if (v->se)
                fuse_session_destroy(v->se);
        if (v->stop_fd >= 0)
                close(v->stop_fd);
        lxs_p9_client_free(v->p9);
        lxs_fv_nodes_free(v->nodes);
        free(v->mountpoint);
        pthread_mutex_destroy(&v->nodes_lock);
        free(v);
}

static void stop_threads(struct lxs_fuse_view *v)
{
        if (v->n_threads == 0)
                return;
        /* Never read: the eventfd stays readable and every thread sees it. */
        uint64_t one = 1;
        (void)!write(v->stop_fd, &one, sizeof(one));
        for (unsigned i = 0; i < v->n_threads; i++)
                pthread_join(v->threads[i], NULL);
        v->n_threads = 0;
}

static int start_threads(struct lxs_fuse_view *v)
{
        /* Signals meant for the process must not land on the loop threads, whose poll would
         * swallow them as EINTR. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int r = 0;
        while (r == 0 && v->n_threads < LXS_FV_LOOP_THREADS) {
                r = pthread_create(&v->threads[v->n_threads], NULL, serve, v);
                if (r == 0)
                        v->n_threads++;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0 && v->n_threads == 0)
                return -r;
        return 0;  /* fewer threads serve too */
}

int lxs_fuse_view_start(const char *mountpoint, int p9_fd, const struct lxs_fuse_view_options *opts,
                        struct lxs_fuse_view **out)
{
        _cleanup_close_ int fd = p9_fd;
        struct lxs_fuse_view *v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v->stop_fd = -1;
        pthread_mutex_init(&v->nodes_lock, NULL);
        v->attr_timeout = opts && opts->attr_timeout > 0 ? opts->attr_timeout : DEFAULT_TIMEOUT_S;
        v->entry_timeout = opts && opts->entry_timeout > 0 ? opts->entry_timeout : DEFAULT_TIMEOUT_S;

        int r = 0;
        v->mountpoint = realpath(mountpoint, NULL);
        if (!v->mountpoint)
                r = -errno;
        if (r == 0) {
                v->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
                if (v->stop_fd < 0)
                        r = -errno;
        }
        if (r == 0) {
                struct lxs_p9_client_options co = { .msize = opts ? opts->p9_msize : 0,
                                                    .timeout_ms = opts ? opts->p9_timeout_ms : 0 };
                v->p9 = lxs_p9_client_connect(TAKE_FD(fd), &co);
                if (!v->p9)
                        r = -errno;
        }
        if (r == 0) {
                v->nodes = lxs_fv_nodes_new(lxs_p9_client_root_fid(v->p9), lxs_p9_client_root_qid(v->p9).path);
                if (!v->nodes)
                        r = -errno;
        }
        if (r == 0) {
                /* Private to the mounting user (no allow_other); no default_permissions: the
                 * server checks access as the distro's user. libfuse adds nosuid,nodev. */
                char *argv[] = { "lxs", "-o", "fsname=lxs,subtype=lxs", NULL };
                struct fuse_args args = FUSE_ARGS_INIT(3, argv);
                v->se = fuse_session_new(&args, &lxs_fv_ops, sizeof(lxs_fv_ops), v);
                fuse_opt_free_args(&args);
                if (!v->se)
                        r = -EINVAL;
        }
        if (r == 0 && fuse_session_mount(v->se, v->mountpoint) != 0)
                r = access("/dev/fuse", R_OK | W_OK) < 0 ? -errno : -EIO;
        if (r == 0) {
                v->mounted = true;
                r = lxs_set_nonblock(fuse_session_fd(v->se), 1);
        }
        if (r == 0)
                r = start_threads(v);
        if (r < 0) {
                if (v->mounted) {
                        fuse_session_unmount(v->se);
                        (void)ensure_unmounted(v->mountpoint);
                }
                view_free(v);
                return r;
        }
        *out = v;
        return 0;
}

int lxs_fuse_view_stop(struct lxs_fuse_view *v)
{
        if (!v)
                return 0;
        /* First cut the 9P stream, so an operation waiting on the guest returns at once and
         * every later one fails without waiting; then end the loop. */
        if (v->p9)
                lxs_p9_client_shutdown(v->p9);
        stop_threads(v);
        int r = 0;
        if (v->mounted) {
                /* Closes the device first (the kernel then fails whatever is still open with
                 * ENOTCONN), then detaches lazily, so a busy mount goes too. */
                fuse_session_unmount(v->se);
                r = ensure_unmounted(v->mountpoint);
        }
        view_free(v);
        return r;
}

bool lxs_fuse_view_dead(const struct lxs_fuse_view *v)
{
        return lxs_p9_client_dead(v->p9);
}

void lxs_fuse_view_get_stats(const struct lxs_fuse_view *v, struct lxs_fuse_view_stats *out)
{
        struct lxs_fuse_view *m = (struct lxs_fuse_view *)v;
        out->largest_read = atomic_load(&m->largest_read);
        out->largest_write = atomic_load(&m->largest_write);
        pthread_mutex_lock(&m->nodes_lock);
        out->nodes = lxs_fv_nodes_count(v->nodes);
        pthread_mutex_unlock(&m->nodes_lock);
}
