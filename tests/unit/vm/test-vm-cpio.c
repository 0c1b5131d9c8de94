/* newc writer: the archive is listed by the real cpio tool with the entries, modes, device
 * numbers and link targets we wrote, parents first, and file contents round-trip. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cleanup.h"
#include "cpio.h"

static char *run(const char *cmd)
{
        FILE *p = popen(cmd, "r");
        if (!p)
                return NULL;
        char *out = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&out, &len);
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
                fwrite(buf, 1, n, m);
        fclose(m);
        pclose(p);
        return out;
}

/* Index of the line of `listing` ending in " name", or -1. */
static int line_of(const char *listing, const char *name, char *line_out, size_t cap)
{
        int idx = 0;
        for (const char *l = listing; l && *l; idx++) {
                const char *end = strchr(l, '\n');
                size_t len = end ? (size_t)(end - l) : strlen(l);
                size_t nlen = strlen(name);
                if (len > nlen && l[len - nlen - 1] == ' ' && memcmp(l + len - nlen, name, nlen) == 0) {
                        snprintf(line_out, cap, "%.*s", (int)len, l);
                        return idx;
                }
                l = end ? end + 1 : NULL;
        }
        return -1;
}

int main(void)
{
        if (system("command -v cpio >/dev/null 2>&1") != 0) {
                fprintf(stderr, "test-vm-cpio: SKIP: cpio tool not installed\n");
                return getenv("LXS_REQUIRE_ALL") && strcmp(getenv("LXS_REQUIRE_ALL"), "1") == 0 ? 1 : 77;
        }
        char dir[] = "/tmp/test-vm-cpio.XXXXXX";
        if (!mkdtemp(dir))
                return 1;
        _cleanup_free_ char *img = NULL, *src = NULL, *cmd = NULL, *cmd2 = NULL;
        if (asprintf(&img, "%s/a.cpio", dir) < 0 || asprintf(&src, "%s/src", dir) < 0)
                return 1;
        FILE *s = fopen(src, "w");
        fputs("from a file\n", s);
        fclose(s);

        FILE *f = fopen(img, "w");
        struct lxs_cpio c;
        lxs_cpio_init(&c, f);
        CHECK_EQ_INT(lxs_cpio_add_dir(&c, "/tmp", 01777), 0);
        CHECK_EQ_INT(lxs_cpio_add_device(&c, "/dev/console", S_IFCHR, 0600, 5, 1), 0);
        CHECK_EQ_INT(lxs_cpio_add_file(&c, "init", 0755, "#!x\n", 4), 0);
        CHECK_EQ_INT(lxs_cpio_add_file_from(&c, "etc/lxs/from-file", 0644, src), 0);
        CHECK_EQ_INT(lxs_cpio_add_symlink(&c, "usr/bin/sh", "/bin/busybox"), 0);
        CHECK_EQ_INT(lxs_cpio_add_file(&c, "empty", 0600, NULL, 0), 0);
        CHECK_EQ_INT(lxs_cpio_add_device(&c, "dev/x", S_IFREG, 0600, 1, 1), -EINVAL);
        CHECK_EQ_INT(lxs_cpio_add_file(&c, "", 0600, NULL, 0), -EINVAL);
        CHECK_EQ_INT(lxs_cpio_add_file(&c, "a//b", 0600, NULL, 0), -EINVAL);
        CHECK_EQ_INT(lxs_cpio_finish(&c), 0);
        fclose(f);

        if (asprintf(&cmd, "cpio -itv --quiet < %s", img) < 0)
                return 1;
        _cleanup_free_ char *listing = run(cmd);
        CHECK(listing != NULL);
        char line[256];
        int dev = line_of(listing, "dev", line, sizeof(line));
        CHECK(dev >= 0 && line[0] == 'd');
        int console = line_of(listing, "dev/console", line, sizeof(line));
        CHECK(console > dev);
        CHECK(strncmp(line, "crw-------", 10) == 0);
        CHECK(strstr(line, "5,") && strstr(line, " 1 "));
        CHECK(strstr(line, "root") != NULL);
        CHECK(line_of(listing, "tmp", line, sizeof(line)) >= 0 && strncmp(line, "drwxrwxrwt", 10) == 0);
        CHECK(line_of(listing, "init", line, sizeof(line)) >= 0 && strncmp(line, "-rwxr-xr-x", 10) == 0);
        int etc = line_of(listing, "etc", line, sizeof(line));
        int etc_lxs = line_of(listing, "etc/lxs", line, sizeof(line));
        int from_file = line_of(listing, "etc/lxs/from-file", line, sizeof(line));
        CHECK(etc >= 0 && etc < etc_lxs && etc_lxs < from_file);
        CHECK(line_of(listing, "usr/bin/sh -> /bin/busybox", line, sizeof(line)) >= 0 && line[0] == 'l');
        CHECK(line_of(listing, "empty", line, sizeof(line)) >= 0);

        if (asprintf(&cmd2, "cpio -i --quiet --to-stdout etc/lxs/from-file < %s", img) < 0)
                return 1;
        _cleanup_free_ char *content = run(cmd2);
        CHECK_EQ_STR(content, "from a file\n");

        struct stat st;
        CHECK(stat(img, &st) == 0 && st.st_size % 4 == 0);
        unlink(img);
        unlink(src);
        rmdir(dir);
        return check_result("test-vm-cpio");
}
