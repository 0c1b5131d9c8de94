/* Helpers for the host view's tests: the skip rule (exit 77 when /dev/fuse or fusermount3 is
 * missing or mounting is not permitted, unless LXS_REQUIRE_ALL=1 makes that a failure),
 * starting the real lxs-9p-server on a directory over a socketpair, scratch directories, and
 * looking a mount up in /proc/self/mountinfo. */
#ifndef LXS_FUSE_TEST_UTIL_H
#define LXS_FUSE_TEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void fuse_test_skip(const char *test, const char *why)
{
        const char *all = getenv("LXS_REQUIRE_ALL");
        if (all && strcmp(all, "1") == 0) {
                fprintf(stderr, "%s: %s and LXS_REQUIRE_ALL=1\n", test, why);
                exit(1);
        }
        fprintf(stderr, "%s: skipped: %s\n", test, why);
        exit(77);
}

static inline void fuse_test_require(const char *test)
{
        int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                fuse_test_skip(test, "/dev/fuse cannot be opened");
        close(fd);
        if (system("command -v fusermount3 >/dev/null 2>&1") != 0)
                fuse_test_skip(test, "fusermount3 is not installed");
}

/* Starts server_path serving dir on one end of a socketpair; returns the other end. */
static inline int fuse_test_start_server(const char *server_path, const char *dir, pid_t *pid)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -1;
        *pid = fork();
        if (*pid < 0)
                return -1;
        if (*pid == 0) {
                dup2(sv[1], 0);
                dup2(sv[1], 1);
                execl(server_path, server_path, dir, (char *)NULL);
                _exit(127);
        }
        close(sv[1]);
        return sv[0];
}

/* 1 when path is a mount point in this mount namespace. */
static inline int fuse_test_mounted(const char *path)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return -1;
        char line[4096], needle[1100];
        snprintf(needle, sizeof(needle), " %s ", path);
        int found = 0;
        while (fgets(line, sizeof(line), f))
                if (strstr(line, needle))
                        found = 1;
        fclose(f);
        return found;
}

static inline int fuse_test_rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        remove(p);
        return 0;
}

static inline void fuse_test_rm_tree(const char *dir)
{
        nftw(dir, fuse_test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
