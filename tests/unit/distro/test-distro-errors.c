/* Bad input to lxs-distro and lxs-image-tool: every failure is one line, non-zero, and leaves
 * no image and no temporary file behind. Covers non-tar input, truncated and corrupt streams,
 * unreadable input, an image that exists, a full image, a failing mkfs, cancellation (flag
 * and SIGTERM), and export of something that is not an image or to a closed pipe.
 *
 *   test-distro-errors LXS_IMAGE_TOOL FIXTURES_PY */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "helpers.h"
#include "image.h"

static const char *tool, *dir;
static char out_dir[300];

static int import_path(const char *input, const char *image, uint64_t size,
                       const volatile sig_atomic_t *cancel, char **err)
{
        int fd = open(input, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct lxs_import_opts o = { .image_size = size, .cancel = cancel };
        int r = lxs_image_import(fd, image, &o, NULL, err);
        close(fd);
        return r;
}

/* Imports input into out_dir and expects failure with a message containing expect. */
static void expect_import_failure(const char *what, const char *input, uint64_t size,
                                  const char *expect)
{
        char image[400];
        snprintf(image, sizeof(image), "%s/distro.img", out_dir);
        char *err = NULL;
        int r = import_path(input, image, size, NULL, &err);
        fprintf(stderr, "%s: %d %s\n", what, r, err ? err : "(no message)");
        CHECK(r < 0);
        CHECK(err && !strchr(err, '\n'));
        if (!contains(err, expect)) {
                fprintf(stderr, "%s: expected \"%s\"\n", what, expect);
                check_failures++;
        }
        CHECK(dir_listing_is(out_dir, ""));
        free(err);
}

/* Runs the tool, expecting exit status 1 and exactly one stderr line containing expect. */
static void expect_tool_failure(const char *what, const char *cmd, const char *expect)
{
        char *out = NULL;
        int rc = sh(&out, "{ %s; } 2>&1 >/dev/null", cmd);
        size_t lines = 0;
        for (const char *p = out; *p; p++)
                lines += *p == '\n';
        fprintf(stderr, "%s: rc %d: %s", what, rc, out);
        CHECK_EQ_INT(rc, 1);
        CHECK_EQ_INT(lines, 1);
        if (!contains(out, expect)) {
                fprintf(stderr, "%s: expected \"%s\"\n", what, expect);
                check_failures++;
        }
        CHECK(dir_listing_is(out_dir, ""));
        free(out);
}

static void library_failures(void)
{
        char path[400];

        snprintf(path, sizeof(path), "%s/text", dir);
        expect_import_failure("text file", path, 0, "not a tar archive");
        snprintf(path, sizeof(path), "%s/empty", dir);
        expect_import_failure("empty file", path, 0, "not a tar archive");
        snprintf(path, sizeof(path), "%s/random.gz", dir);
        expect_import_failure("gzip of non-tar data", path, 0, "not a tar archive");
        snprintf(path, sizeof(path), "%s/half.tar.gz", dir);
        expect_import_failure("truncated tar.gz", path, 0, "corrupt or truncated archive");
        snprintf(path, sizeof(path), "%s/half.tar", dir);
        expect_import_failure("truncated tar", path, 0, "corrupt or truncated archive");
        snprintf(path, sizeof(path), "%s/garbled.tar.zst", dir);
        expect_import_failure("corrupt tar.zst", path, 0, "corrupt or truncated archive");
        snprintf(path, sizeof(path), "%s", dir);      /* a directory: read() fails */
        expect_import_failure("unreadable input", path, 0, "reading input: Is a directory");
        snprintf(path, sizeof(path), "%s/fx/big.tar", dir);
        expect_import_failure("full image", path, 64ULL << 20, "the image is full");
        snprintf(path, sizeof(path), "%s/fx/pax.tar", dir);
        expect_import_failure("image too small for mkfs", path, 4096, "mke2fs failed");

        /* Cancelled before the first read: -EINTR and nothing left. */
        static volatile sig_atomic_t cancel = 1;
        char image[400], *err = NULL;
        snprintf(image, sizeof(image), "%s/distro.img", out_dir);
        CHECK_EQ_INT(import_path(path, image, 0, &cancel, &err), -EINTR);
        CHECK(contains(err, "interrupted"));
        CHECK(dir_listing_is(out_dir, ""));
        free(err);

        /* An existing image is not replaced. */
        snprintf(image, sizeof(image), "%s/existing.img", dir);
        CHECK_EQ_INT(sh(NULL, "echo keep > '%s'", image), 0);
        err = NULL;
        CHECK_EQ_INT(import_path(path, image, 0, NULL, &err), -EEXIST);
        CHECK(contains(err, "already exists"));
        CHECK_EQ_INT(sh(NULL, "grep -qx keep '%s'", image), 0);
        CHECK_EQ_INT(sh(NULL, "ls '%s' | grep -q tmp-", dir), 1);      /* no temporary file */
        free(err);

        /* A missing directory for the image. */
        snprintf(image, sizeof(image), "%s/no/such/dir/x.img", dir);
        err = NULL;
        CHECK_EQ_INT(import_path(path, image, 0, NULL, &err), -ENOENT);
        CHECK(err && !strchr(err, '\n'));
        free(err);

        /* Export: not an image; a closed pipe. */
        int p[2];
        CHECK(pipe(p) == 0);
        snprintf(path, sizeof(path), "%s/text", dir);
        err = NULL;
        CHECK(lxs_image_export(path, p[1], LXS_EXPORT_TAR, NULL, NULL, &err) < 0);
        CHECK(contains(err, "not an ext4 image"));
        free(err);
        close(p[0]);
        snprintf(image, sizeof(image), "%s/good.img", dir);
        snprintf(path, sizeof(path), "%s/fx/pax.tar", dir);
        CHECK_EQ_INT(import_path(path, image, 0, NULL, NULL), 0);
        err = NULL;
        CHECK_EQ_INT(lxs_image_export(image, p[1], LXS_EXPORT_TAR_GZ, NULL, NULL, &err), -EPIPE);
        CHECK(contains(err, "writing output: Broken pipe"));
        free(err);
        close(p[1]);
}

static void tool_failures(void)
{
        char cmd[1200];
        snprintf(cmd, sizeof(cmd), "'%s' import '%s/x.img' '%s/text'", tool, out_dir, dir);
        expect_tool_failure("tool: text file", cmd, "lxs-image-tool: import: not a tar archive");
        snprintf(cmd, sizeof(cmd), "cat '%s/half.tar.gz' | '%s' import '%s/x.img' -", dir, tool,
                 out_dir);
        expect_tool_failure("tool: truncated stdin", cmd,
                            "lxs-image-tool: import: corrupt or truncated archive");
        snprintf(cmd, sizeof(cmd), "'%s' import '%s/x.img' '%s/missing.tar'", tool, out_dir, dir);
        expect_tool_failure("tool: missing input", cmd, "No such file or directory");
        snprintf(cmd, sizeof(cmd), "'%s' export '%s/text' '%s/x.tar'", tool, dir, out_dir);
        expect_tool_failure("tool: export of a non-image", cmd, "not an ext4 image");
        /* SIGTERM while waiting for input that never ends. */
        snprintf(cmd, sizeof(cmd), "sleep 5 | '%s' import '%s/x.img' - & sleep 0.5; kill -TERM $!; "
                 "wait $!", tool, out_dir);
        expect_tool_failure("tool: SIGTERM", cmd, "lxs-image-tool: import: interrupted");
}

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: %s LXS_IMAGE_TOOL FIXTURES_PY\n", argv[0]);
                return 2;
        }
        tool = argv[1];
        static const char *const tools[] = { "python3", "tar", "mke2fs", "gzip", "zstd" };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(tools); i++)
                require_tool("test-distro-errors", tools[i]);
        signal(SIGPIPE, SIG_IGN);

        dir = make_scratch("distro-errors");
        snprintf(out_dir, sizeof(out_dir), "%s/out", dir);
        int rc = sh(NULL,
                    "set -e; cd '%s'; mkdir out; python3 '%s' fx; echo 'hello, not a tar' > text; "
                    ": > empty; head -c 100000 /dev/urandom | gzip -c > random.gz; "
                    "gzip -c fx/pax.tar > pax.tar.gz; head -c $(( $(stat -c %%s pax.tar.gz) / 2 )) "
                    "pax.tar.gz > half.tar.gz; head -c 1000000 fx/pax.tar > half.tar; "
                    "zstd -q -c fx/pax.tar > pax.tar.zst; "
                    "{ head -c 300000 pax.tar.zst; head -c 5000 /dev/urandom; "
                    "tail -c +305001 pax.tar.zst; } > garbled.tar.zst; "
                    "mkdir big; head -c 80000000 /dev/urandom > big/random; tar -C big -cf fx/big.tar .",
                    dir, argv[2]);
        if (rc != 0) {
                fprintf(stderr, "building inputs failed\n");
                return 1;
        }
        library_failures();
        tool_failures();
        return check_result("test-distro-errors");
}
