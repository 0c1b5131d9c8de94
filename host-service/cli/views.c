/* The host's distro views; see views.h.
 *
 * One process per view: the FUSE view (fs-bridge/fuse-view.h) serves the mount on a thread of
 * its own and speaks 9P on one end of a socketpair; the other end becomes this process's stdin
 * and stdout, which the ordinary exec path (exec.c) relays to lxs-9p-server, run in the distro
 * as its default user. Starting the view needs the session already relaying (it negotiates 9P
 * first), so a helper thread starts it while the main thread runs the session. The helper then
 * watches the view: if it dies or is unmounted behind our back it shuts the socketpair down,
 * which ends the session; when the session ends (distro stopped, VM gone, lxsd gone) the main
 * thread does the same to the helper. Either way the view is stopped, which never leaves a
 * mount behind, and the empty mount point is removed. */
#include "views.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "client.h"
#include "exec.h"
#include "fuse-view.h"
#include "mountinfo.h"
#include "paths.h"
#include "protocol.h"
#include "registry.h"

#define WATCH_INTERVAL_US 500000
/* How long a new view waits for the view of the distro's previous run to finish unmounting. */
#define PREVIOUS_VIEW_WAIT_MS 10000
#define POLL_STEP_US 50000

struct view_run {
        char *mountpoint;
        int p9_fd;                 /* the view's end; taken by lxs_fuse_view_start */
        int session_fd;            /* our end, dup'ed onto stdin and stdout */
        atomic_bool session_over;
        int start_error;           /* negative errno when the view could not start */
        struct lxs_fuse_view *view;
};

/* $runtime/mnt, created private; its real path (mountinfo names real paths). */
static char *views_dir(void)
{
        _cleanup_free_ char *runtime = lxs_runtime_dir();
        _cleanup_free_ char *mnt = runtime ? lxs_path_join(runtime, "mnt") : NULL;
        if (!mnt)
                return NULL;
        int r = lxs_mkdir_private(mnt, 0700);
        if (r < 0) {
                errno = -r;
                return NULL;
        }
        return realpath(mnt, NULL);
}

static void *watch_view(void *arg)
{
        struct view_run *v = arg;
        v->start_error = lxs_fuse_view_start(v->mountpoint, v->p9_fd, NULL, &v->view);
        if (v->start_error < 0) {
                fprintf(stderr, "lxs: view %s: %s\n", v->mountpoint, strerror(-v->start_error));
        } else {
                while (!atomic_load(&v->session_over) && !lxs_fuse_view_dead(v->view) &&
                       lxs_mounted_at(v->mountpoint) == 1)
                        usleep(WATCH_INTERVAL_US);
        }
        /* End the session (or wake a start still waiting for the server). */
        shutdown(v->session_fd, SHUT_RDWR);
        return NULL;
}

/* The view's lock, $runtime/views/NAME.lock, held for the view's life. A view whose session
 * ended unlinks it first thing, so a view of the distro's next run tells a predecessor that is
 * going (its lock file is unlinked: wait for it) from one that serves (linked and locked: this
 * run has its view, leave). Returns the locked fd, 0 when a live view serves, negative errno. */
static int take_view_lock(const char *name, char **lock_path)
{
        _cleanup_free_ char *runtime = lxs_runtime_dir();
        _cleanup_free_ char *dir = runtime ? lxs_path_join(runtime, "views") : NULL;
        if (!dir)
                return -ENOMEM;
        int r = lxs_mkdir_private(dir, 0700);
        if (r < 0)
                return r;
        _cleanup_free_ char *file = NULL;
        if (asprintf(&file, "%s/%s.lock", dir, name) < 0)
                return -ENOMEM;
        for (int waited = 0; waited <= PREVIOUS_VIEW_WAIT_MS; waited += POLL_STEP_US / 1000) {
                _cleanup_close_ int fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return -errno;
                struct stat st;
                bool locked = flock(fd, LOCK_EX | LOCK_NB) == 0;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (locked && st.st_nlink > 0) {
                        *lock_path = TAKE_PTR(file);
                        return TAKE_FD(fd);
                }
                if (!locked && st.st_nlink > 0)
                        return 0;
                usleep(POLL_STEP_US); /* a going view's file, or one unlinked under us */
        }
        return -ETIMEDOUT;
}

/* A mount left at our mount point once we hold the lock belongs to a view that is going or
 * gone: give it a moment, then detach it (as root with umount2, else with fusermount3). */
static int clear_previous_mount(const char *mountpoint)
{
        for (int waited = 0; waited < PREVIOUS_VIEW_WAIT_MS; waited += POLL_STEP_US / 1000) {
                if (lxs_mounted_at(mountpoint) != 1)
                        return 0;
                usleep(POLL_STEP_US);
        }
        if (umount2(mountpoint, MNT_DETACH) == 0)
                return 0;
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                execlp("fusermount3", "fusermount3", "-u", "-z", "--", mountpoint, (char *)NULL);
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return lxs_mounted_at(mountpoint) == 1 ? -EBUSY : 0;
}

static bool view_name_ok(const char *name)
{
        return lxs_distro_name_check(name) == 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int lxs_cmd_mount_view(const char *name)
{
        if (!view_name_ok(name)) {
                fprintf(stderr, "lxs: --mount-view: %s: not a distro name\n", name);
                return 1;
        }
        _cleanup_free_ char *dir = views_dir();
        if (!dir) {
                fprintf(stderr, "lxs: view %s: the runtime directory: %s\n", name, strerror(errno));
                return 1;
        }
        _cleanup_free_ char *mountpoint = lxs_path_join(dir, name);
        if (!mountpoint) {
                fprintf(stderr, "lxs: view %s: out of memory\n", name);
                return 1;
        }
        _cleanup_free_ char *lock_path = NULL;
        int lock = take_view_lock(name, &lock_path);
        if (lock == 0)
                return 0; /* one view per distro: this run of it has one */
        if (lock < 0) {
                fprintf(stderr, "lxs: view %s: lock: %s\n", name, strerror(-lock));
                return 1;
        }
        _cleanup_close_ int lock_fd = lock;
        int r = clear_previous_mount(mountpoint);
        if (r < 0) {
                fprintf(stderr, "lxs: view %s: a previous view is still mounted: %s\n", mountpoint, strerror(-r));
                unlink(lock_path);
                return 1;
        }
        if (mkdir(mountpoint, 0700) < 0 && errno != EEXIST) {
                fprintf(stderr, "lxs: view %s: %s\n", mountpoint, strerror(errno));
                return 1;
        }
        struct lxs_client c;
        char err[512];
        if (lxs_client_connect_running(&c, err, sizeof(err)) < 0) {
                fprintf(stderr, "lxs: view %s: %s\n", name, err);
                rmdir(mountpoint);
                unlink(lock_path);
                return 1;
        }
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0 || dup2(sp[1], STDIN_FILENO) < 0 ||
            dup2(sp[1], STDOUT_FILENO) < 0) {
                fprintf(stderr, "lxs: view %s: socketpair: %s\n", name, strerror(errno));
                lxs_client_close(&c);
                rmdir(mountpoint);
                unlink(lock_path);
                return 1;
        }
        struct view_run v = { .mountpoint = mountpoint, .p9_fd = sp[0], .session_fd = sp[1] };
        pthread_t watcher;
        r = pthread_create(&watcher, NULL, watch_view, &v);
        if (r != 0) {
                fprintf(stderr, "lxs: view %s: thread: %s\n", name, strerror(r));
                close(sp[0]);
                close(sp[1]);
                lxs_client_close(&c);
                rmdir(mountpoint);
                unlink(lock_path);
                return 1;
        }
        struct lxs_exec_spec spec = {
                .argv = (char *[]){ NULL },
                .cwd = "/",
                .distro = name,
                .image_tool = LXS_IMAGE_TOOL_9P_SERVER,
                .background = true,
        };
        int rc = lxs_exec_run(&c, &spec);
        /* Going: the distro's next run may start its own view from now on. */
        unlink(lock_path);
        lxs_client_close(&c);
        atomic_store(&v.session_over, true);
        shutdown(sp[1], SHUT_RDWR);
        pthread_join(watcher, NULL);
        if (v.view && (r = lxs_fuse_view_stop(v.view)) < 0)
                fprintf(stderr, "lxs: view %s: unmount: %s\n", mountpoint, strerror(-r));
        if (rmdir(mountpoint) < 0 && errno != ENOENT)
                fprintf(stderr, "lxs: view %s: rmdir: %s\n", mountpoint, strerror(errno));
        close(sp[1]);
        /* The session ending is how a view ends; only a view that never came up is a failure. */
        (void)rc;
        return v.start_error < 0 ? 1 : 0;
}

/* Absolute, and no ".." component (the view has no parent to go to, and lxs does not resolve
 * the distro's symlinks on the host's behalf). */
static bool linux_path_ok(const char *p)
{
        if (p[0] != '/')
                return false;
        for (const char *s = p; *s;) {
                while (*s == '/')
                        s++;
                size_t n = strcspn(s, "/");
                if (n == 2 && s[0] == '.' && s[1] == '.')
                        return false;
                s += n;
        }
        return true;
}

int lxs_cmd_path(const struct lxs_options *o)
{
        if (!linux_path_ok(o->file)) {
                fprintf(stderr, "lxs: --path: %s: not an absolute Linux path\n", o->file);
                return 1;
        }
        struct lxs_registry reg;
        int r = lxs_registry_open(&reg, NULL);
        _cleanup_free_ char *wanted = NULL;
        if (r == 0 && !o->distribution) {
                r = lxs_registry_get_default(&reg, &wanted);
                if (r == -ENOENT) {
                        lxs_registry_close(&reg);
                        fprintf(stderr, "lxs: no distribution installed: run lxs --install\n");
                        return 1;
                }
        }
        struct lxs_distro d = { 0 };
        const char *name = o->distribution ? o->distribution : wanted;
        if (r == 0)
                r = lxs_registry_get(&reg, name, &d);
        lxs_registry_close(&reg);
        if (r == -ENOENT) {
                fprintf(stderr, "lxs: %s: no such distribution\n", name);
                return 1;
        }
        if (r < 0) {
                fprintf(stderr, "lxs: registry: %s\n", strerror(-r));
                return 1;
        }
        _cleanup_free_ char *runtime = lxs_runtime_dir();
        if (!runtime) {
                lxs_distro_clear(&d);
                fprintf(stderr, "lxs: cannot resolve the runtime directory: %s\n", strerror(errno));
                return 1;
        }
        /* One slash between the parts, none at the end but for the root itself. */
        printf("%s/mnt/%s", runtime, d.name);
        lxs_distro_clear(&d);
        const char *p = o->file;
        bool slash = false;
        for (; *p; p++) {
                if (*p == '/') {
                        slash = true;
                        continue;
                }
                if (slash)
                        putchar('/');
                slash = false;
                putchar(*p);
        }
        putchar('\n');
        return fflush(stdout) == 0 ? 0 : 1;
}
