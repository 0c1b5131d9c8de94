/* Shared helpers of the distro image tests: running real tools (tar, e2fsck, debugfs, python3)
 * through the shell, a scratch directory, and the skip rule (exit 77 when a tool is missing,
 * unless LXS_REQUIRE_ALL=1 turns that into a failure). */
#ifndef LXS_TEST_DISTRO_HELPERS_H
#define LXS_TEST_DISTRO_HELPERS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char scratch[256];

static inline void remove_scratch(void)
{
        if (scratch[0] && !getenv("LXS_KEEP_TEST_FILES")) {
                char cmd[300];
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
                if (system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", scratch);
        }
}

/* Creates a scratch directory removed at exit (kept with LXS_KEEP_TEST_FILES=1). */
static inline const char *make_scratch(const char *name)
{
        const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(scratch, sizeof(scratch), "%s/lxs-%s.XXXXXX", tmp, name);
        if (!mkdtemp(scratch)) {
                perror("mkdtemp");
                exit(1);
        }
        atexit(remove_scratch);
        return scratch;
}

static inline bool have_tool(const char *tool)
{
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1 || test -x /usr/sbin/%s || "
                 "test -x /sbin/%s", tool, tool, tool);
        return system(cmd) == 0;
}

/* Exits 77 (skipped) if tool is missing, or fails if LXS_REQUIRE_ALL=1. */
static inline void require_tool(const char *test, const char *tool)
{
        if (have_tool(tool))
                return;
        const char *all = getenv("LXS_REQUIRE_ALL");
        if (all && strcmp(all, "1") == 0) {
                fprintf(stderr, "%s: %s is missing and LXS_REQUIRE_ALL=1\n", test, tool);
                exit(1);
        }
        fprintf(stderr, "%s: skipped: %s is not installed\n", test, tool);
        exit(77);
}

/* Runs a shell command (PATH gets /usr/sbin:/sbin for e2fsck and debugfs); returns its exit
 * status. With out, captures stdout into a malloc'd string. */
static inline int sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int sh(char **out, const char *fmt, ...)
{
        char *cmd = NULL, *full = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&cmd, fmt, ap) < 0)
                exit(1);
        va_end(ap);
        if (asprintf(&full, "PATH=\"$PATH:/usr/sbin:/sbin\"; %s", cmd) < 0)
                exit(1);
        free(cmd);
        FILE *p = popen(full, "r");
        free(full);
        if (!p)
                return -1;
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        size_t n;
        while (buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
                len += n;
                if (cap - len < 1024) {
                        cap *= 2;
                        buf = realloc(buf, cap);
                }
        }
        if (!buf)
                exit(1);
        buf[len] = '\0';
        int status = pclose(p);
        if (out)
                *out = buf;
        else
                free(buf);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static inline bool contains(const char *haystack, const char *needle)
{
        return haystack && strstr(haystack, needle) != NULL;
}

/* Checks that dir holds exactly the names listed (space separated, sorted by ls). */
static inline bool dir_listing_is(const char *dir, const char *expected)
{
        char *out = NULL;
        sh(&out, "ls -A '%s' | tr '\\n' ' ' | sed 's/ $//'", dir);
        bool ok = strcmp(out, expected) == 0;
        if (!ok)
                fprintf(stderr, "%s holds \"%s\", expected \"%s\"\n", dir, out, expected);
        free(out);
        return ok;
}

#endif
