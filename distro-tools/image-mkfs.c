/* Makes the empty ext4 file system of a new distro image by running mke2fs on the sparse file.
 *
 * Running mke2fs (e2fsprogs, always installed alongside libext2fs) rather than re-implementing
 * it through libext2fs: 19 ms for a 256 GiB image, ~7 MB of it allocated, against ~150 lines
 * of table, journal and resize-inode set-up to keep in step with e2fsprogs.
 *
 * The result must not depend on the host's /etc/mke2fs.conf: the feature list starts from
 * "none" and MKE2FS_CONFIG points nowhere, so mke2fs uses its built-in defaults for the rest.
 * Discard stays on (the default): on a regular file it punches the (already absent) data and
 * lets mke2fs mark the inode tables zeroed; with nodiscard the guest kernel would zero ~4 GiB
 * of inode tables after the first mount and fill the sparse file. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image-internal.h"

extern char **environ;

/* ext4 as the guest kernel (Debian 6.1) mounts it: extents, 64bit, checksums, a journal. */
static const char image_features[] =
        "none,has_journal,ext_attr,resize_inode,dir_index,filetype,extent,64bit,flex_bg,"
        "sparse_super,large_file,huge_file,dir_nlink,extra_isize,metadata_csum";

/* Unprivileged users often lack /sbin in PATH. */
static const char *const mke2fs_paths[] = { "/usr/sbin/mke2fs", "/sbin/mke2fs", "mke2fs" };

/* 16 KiB per inode (16 M inodes for 256 GiB) costs nothing while the inode tables stay
 * sparse. */
static const char *const mke2fs_args[] = {
        "mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-I", "256", "-i", "16384",
        "-O", image_features, "-E", "lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0",
};

/* A 64 MiB journal on large images: the default for 256 GiB is 1 GiB, which the guest would
 * gradually make real in the host file as the journal wraps. Small images keep mke2fs's
 * size-dependent default (64 MiB would not fit). */
#define SMALL_IMAGE (4ULL << 30)
static const char *const big_journal[] = { "-J", "size=64" };

static char **build_env(void)
{
        size_t n = 0;
        while (environ[n])
                n++;
        char **env = calloc(n + 2, sizeof(*env));
        if (!env)
                return NULL;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (strncmp(environ[i], "MKE2FS_CONFIG=", 14) != 0)
                        env[k++] = environ[i];
        env[k++] = (char *)"MKE2FS_CONFIG=/nonexistent/lxs-mke2fs.conf";
        env[k] = NULL;
        return env;
}

static int first_line(int fd, char *buf, size_t size)
{
        size_t len = 0;
        for (;;) {
                ssize_t n = read(fd, buf + len, size - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (len == size - 1)
                        break;
        }
        buf[len] = '\0';
        char *nl = strchr(buf, '\n');
        if (nl)
                *nl = '\0';
        return (int)strlen(buf);
}

int image_mkfs(const char *path, uint64_t size, char **err)
{
        const char *argv[LXS_ARRAY_SIZE(mke2fs_args) + LXS_ARRAY_SIZE(big_journal) + 2];
        size_t n = LXS_ARRAY_SIZE(mke2fs_args);
        memcpy(argv, mke2fs_args, sizeof(mke2fs_args));
        if (size >= SMALL_IMAGE) {
                memcpy(argv + n, big_journal, sizeof(big_journal));
                n += LXS_ARRAY_SIZE(big_journal);
        }
        argv[n++] = path;
        argv[n] = NULL;

        _cleanup_free_ char **env = build_env();
        if (!env)
                return image_fail(err, -ENOMEM, "out of memory");

        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return image_fail(err, -errno, "mke2fs: pipe: %m");
        _cleanup_close_ int rd = pipefd[0];
        _cleanup_close_ int wr = pipefd[1];

        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, wr, 1);
        posix_spawn_file_actions_adddup2(&fa, wr, 2);

        pid_t pid = -1;
        int r = ENOENT;
        for (size_t i = 0; i < LXS_ARRAY_SIZE(mke2fs_paths) && r == ENOENT; i++) {
                argv[0] = mke2fs_paths[i];
                if (strchr(mke2fs_paths[i], '/'))
                        r = posix_spawn(&pid, mke2fs_paths[i], &fa, NULL, (char **)argv, env);
                else
                        r = posix_spawnp(&pid, mke2fs_paths[i], &fa, NULL, (char **)argv, env);
        }
        posix_spawn_file_actions_destroy(&fa);
        if (r == ENOENT)
                return image_fail(err, -ENOENT, "mke2fs not found (install e2fsprogs)");
        if (r != 0)
                return image_fail(err, -r, "cannot run mke2fs: %s", strerror(r));

        close(TAKE_FD(wr));
        char out[512];
        first_line(rd, out, sizeof(out));

        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return image_fail(err, -errno, "mke2fs: waitpid: %m");
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (out[0])
                return image_fail(err, -EIO, "mke2fs failed: %s", out);
        return image_fail(err, -EIO, "mke2fs failed (status %d)", status);
}
