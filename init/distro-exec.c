/* Preparing a session in a distro; see distro-exec.h for the contract. */
#include "distro-exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "distro.h"
#include "host-programs.h"
#include "lxs-host.h"
#include "lxsenv.h"
#include "passwd.h"
#include "shares.h"
#include "root-file.h"

#define ACCOUNT_FILE_MAX (4u << 20)
#define FALLBACK_SHELL "/bin/sh"
#define IMAGE_TOOL_DIR "/lib/lxs/"

static int read_optional(int root_fd, const char *path, char **text)
{
        int r = lxs_root_read(root_fd, path, ACCOUNT_FILE_MAX, text);
        if (r == -ENOENT) {
                *text = NULL;
                return 0;
        }
        return r;
}

static bool shell_usable(int root_fd, const char *shell)
{
        if (!*shell)
                return false;
        _cleanup_close_ int fd = lxs_root_open(root_fd, shell, O_PATH);
        struct stat st;
        return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static int open_ptmx(int root_fd)
{
        _cleanup_close_ int fd = lxs_root_open(root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return fd;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        /* The distro owns its /dev: make sure this is a pty multiplexer and nothing else. */
        if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2)
                return -ENOTTY;
        return TAKE_FD(fd);
}

/* A host path inside a share -> its place under the distro's automount root. */
static int translate_host_path(const char *path, char **out, void *data)
{
        const struct distro *d = data;
        int r = lxs_shares_translate(path, d->conf.automount_root, out);
        return r == 1 ? 0 : r < 0 ? r : -ENOENT;
}

int lxs_distros_exec_prepare(struct lxs_distros *ds, const Lxs__Guest__ExecStart *m, struct lxs_distro_exec *x,
                             char *detail, size_t size)
{
        *x = (struct lxs_distro_exec){ .pidfd = -1, .cgroup_procs_fd = -1, .home_pidns_fd = -1, .ptmx_fd = -1, .tool_fd = -1 };
        struct distro *d = distro_find(ds, m->distro);
        if (!d || d->state != DISTRO_RUNNING) {
                snprintf(detail, size, "distro %s is not running", m->distro);
                return -ESRCH;
        }
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/root", (int)d->init_pid);
        _cleanup_close_ int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0) {
                snprintf(detail, size, "distro %s: its root: %s", d->name, strerror(errno));
                return -errno;
        }
        char uid_text[16];
        snprintf(uid_text, sizeof(uid_text), "%u", d->default_uid);
        const char *spec = m->user && *m->user ? m->user : d->conf.default_user ? d->conf.default_user : uid_text;

        _cleanup_free_ char *passwd = NULL, *group = NULL;
        int r = read_optional(root, "/etc/passwd", &passwd);
        if (r < 0) {
                snprintf(detail, size, "/etc/passwd in %s: %s", d->name, strerror(-r));
                return r;
        }
        r = read_optional(root, "/etc/group", &group);
        if (r < 0) {
                snprintf(detail, size, "/etc/group in %s: %s", d->name, strerror(-r));
                return r;
        }
        struct lxs_user user;
        r = lxs_user_lookup(passwd, passwd ? strlen(passwd) : 0, spec, &user);
        if (r == -ENOENT) {
                snprintf(detail, size, "user %s: no such user in %s", spec, d->name);
                return -EINVAL;
        }
        if (r == 0)
                r = lxs_user_groups(group, group ? strlen(group) : 0, &user);
        const char *shell = r == 0 && shell_usable(root, user.shell) ? user.shell : FALLBACK_SHELL;
        if (r == 0)
                r = lxs_distro_command_build(m, &user, shell, &x->cmd);
        size_t n_programs = 0;
        lxs_host_programs(&n_programs);
        if (r == 0 && n_programs && d->conf.interop_enabled && d->conf.interop_append_host_path)
                r = lxs_distro_command_append_path(&x->cmd, LXS_HOST_SHIMS_DIR);
        if (r == 0 && d->shares_attached) {
                /* LXSENV's /p and /l values are host paths: where they are in this distro. */
                r = lxs_env_translate_in_place(x->cmd.envp, translate_host_path, d);
        }
        if (r == 0 && (!m->cwd || !*m->cwd) && d->shares_attached) {
                /* lxs ran in a shared folder: start at its place in the distro, as wsl starts
                 * in /mnt/c/... when run from C:\...; elsewhere the home directory stays. */
                char *translated = NULL;
                r = lxs_shares_translate(m->host_cwd, d->conf.automount_root, &translated);
                if (r == 1) {
                        free(x->cmd.cwd);
                        x->cmd.cwd = translated;
                        r = 0;
                }
        }
        if (r == 0 && m->tty) {
                x->ptmx_fd = open_ptmx(root);
                if (x->ptmx_fd < 0) {
                        r = x->ptmx_fd;
                        snprintf(detail, size, "pseudo-terminal in %s: %s", d->name, strerror(-r));
                        lxs_user_free(&user);
                        lxs_distro_exec_release(x);
                        return r;
                }
        }
        if (r == 0 && m->image_tool && *m->image_tool) {
                /* O_RDONLY: execveat refuses this static program from an O_PATH|O_CLOEXEC fd.
                 * protocol.c lets only the known tool names through, so the path cannot leave
                 * the directory. */
                char tool[sizeof(IMAGE_TOOL_DIR) + 64];
                snprintf(tool, sizeof(tool), IMAGE_TOOL_DIR "%s", m->image_tool);
                x->tool_fd = open(tool, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (x->tool_fd < 0) {
                        r = -errno;
                        snprintf(detail, size, "%s: %s", tool, strerror(-r));
                        lxs_user_free(&user);
                        lxs_distro_exec_release(x);
                        return r;
                }
        }
        if (r < 0) {
                snprintf(detail, size, "%s", r == -ENOMEM ? "out of memory" : strerror(-r));
                lxs_user_free(&user);
                lxs_distro_exec_release(x);
                return r;
        }
        x->uid = user.uid;
        x->gid = user.gid;
        x->groups = TAKE_PTR(user.groups);
        x->n_groups = user.n_groups;
        lxs_user_free(&user);
        x->pidfd = d->pidfd;
        x->cgroup_procs_fd = m->background ? d->init_procs_fd : d->sessions_procs_fd;
        x->home_pidns_fd = ds->self_pidns_fd;
        return 0;
}

void lxs_distro_exec_release(struct lxs_distro_exec *x)
{
        lxs_distro_command_free(&x->cmd);
        free(x->groups);
        if (x->ptmx_fd >= 0)
                close(x->ptmx_fd);
        if (x->tool_fd >= 0)
                close(x->tool_fd);
        *x = (struct lxs_distro_exec){ .pidfd = -1, .cgroup_procs_fd = -1, .home_pidns_fd = -1, .ptmx_fd = -1, .tool_fd = -1 };
}
