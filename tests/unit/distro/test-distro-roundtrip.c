/* Round trip of lxs-distro on archives built by real tools (fixtures.py: Python tarfile and
 * GNU tar): for every fixture and every compression, import (from a file and from a pipe),
 * check the image with e2fsck -fn and debugfs, export in the same compression, and compare
 * the archives: `tar --numeric-owner -tvf` listings, and manifests with per-file sha256 and
 * xattrs (manifest.py). Also: vhd export, the socket warning, and a dirty journal refused.
 *
 *   test-distro-roundtrip FIXTURES_PY MANIFEST_PY */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "helpers.h"
#include "image.h"

static const char *fixtures_py, *manifest_py, *dir;

struct compression {
        const char *suffix;     /* "" for plain tar */
        const char *tool;       /* compresses stdin to stdout */
        enum lxs_export_format format;
};

static const struct compression compressions[] = {
        { "", NULL, LXS_EXPORT_TAR },
        { ".gz", "gzip -c", LXS_EXPORT_TAR_GZ },
        { ".xz", "xz -c -T1", LXS_EXPORT_TAR_XZ },
        { ".zst", "zstd -q -c", LXS_EXPORT_TAR_ZST },
        { ".bz2", "bzip2 -c", LXS_EXPORT_TAR_BZ2 },
};

static const char *const fixtures[] = { "pax", "gnu", "posix", "sparse-many" };

static void count_warning(void *ctx, const char *msg)
{
        (*(int *)ctx)++;
        fprintf(stderr, "  (warning: %s)\n", msg);
}

static int import_file(const char *archive, const char *image, bool via_pipe)
{
        int fd;
        FILE *p = NULL;
        if (via_pipe) {
                char cmd[600];
                snprintf(cmd, sizeof(cmd), "cat '%s'", archive);
                p = popen(cmd, "r");
                fd = p ? fileno(p) : -1;
        } else {
                fd = open(archive, O_RDONLY | O_CLOEXEC);
        }
        if (fd < 0) {
                fprintf(stderr, "cannot open %s\n", archive);
                return -1;
        }
        int warnings = 0;
        struct lxs_import_opts o = { .warn = count_warning, .ctx = &warnings };
        struct lxs_import_stats st;
        char *err = NULL;
        int r = lxs_image_import(fd, image, &o, &st, &err);
        if (r < 0)
                fprintf(stderr, "import %s: %s\n", archive, err);
        CHECK(r == 0);
        CHECK(st.entries > 0);
        free(err);
        if (p)
                pclose(p);
        else
                close(fd);
        return r;
}

static int export_file(const char *image, const char *out, enum lxs_export_format f,
                       struct lxs_export_stats *st, int *warnings)
{
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        struct lxs_export_opts o = { .warn = count_warning, .ctx = warnings };
        char *err = NULL;
        int r = lxs_image_export(image, fd, f, &o, st, &err);
        if (r < 0)
                fprintf(stderr, "export %s: %s\n", image, err);
        free(err);
        close(fd);
        return r;
}

static void check_fsck(const char *image)
{
        char *out = NULL;
        int rc = sh(&out, "e2fsck -fn '%s' 2>&1", image);
        if (rc != 0)
                fprintf(stderr, "e2fsck -fn %s failed (%d):\n%s\n", image, rc, out);
        CHECK_EQ_INT(rc, 0);
        free(out);
}

static void check_same_archives(const char *a, const char *b)
{
        int rc = sh(NULL, "python3 '%s' '%s' > '%s.m1' && python3 '%s' '%s' > '%s.m2' && "
                    "diff -u '%s.m1' '%s.m2' >&2", manifest_py, a, b, manifest_py, b, b, b, b);
        if (rc != 0)
                fprintf(stderr, "manifests of %s and %s differ\n", a, b);
        CHECK_EQ_INT(rc, 0);
        rc = sh(NULL, "tar --numeric-owner -tvf '%s' 2>/dev/null | LC_ALL=C sort > '%s.l1' && "
                "tar --numeric-owner -tvf '%s' 2>/dev/null | LC_ALL=C sort > '%s.l2' && "
                "test -s '%s.l1' && diff -u '%s.l1' '%s.l2' >&2", a, b, b, b, b, b, b);
        if (rc != 0)
                fprintf(stderr, "tar listings of %s and %s differ\n", a, b);
        CHECK_EQ_INT(rc, 0);
}

static void roundtrip(const char *fixture, const struct compression *c, bool via_pipe)
{
        char archive[512], image[512], out[512];
        snprintf(archive, sizeof(archive), "%s/fx/%s.tar%s", dir, fixture, c->suffix);
        snprintf(image, sizeof(image), "%s/%s%s%s.img", dir, fixture, c->suffix, via_pipe ? "-pipe" : "");
        snprintf(out, sizeof(out), "%s/%s%s.out.tar%s", dir, fixture, via_pipe ? "-pipe" : "", c->suffix);
        fprintf(stderr, "%s%s%s\n", fixture, c->suffix, via_pipe ? " (pipe)" : "");

        if (c->tool && access(archive, F_OK) != 0)
                CHECK_EQ_INT(sh(NULL, "%s < '%s/fx/%s.tar' > '%s'", c->tool, dir, fixture, archive), 0);
        if (import_file(archive, image, via_pipe) < 0)
                return;
        check_fsck(image);
        struct lxs_export_stats st;
        int warnings = 0;
        int r = export_file(image, out, c->format, &st, &warnings);
        CHECK_EQ_INT(r, 0);
        CHECK_EQ_INT(warnings, 0);
        if (r == 0)
                check_same_archives(archive, out);
}

/* debugfs views of what the pax fixture must have become. */
static void check_debugfs(void)
{
        char image[512];
        snprintf(image, sizeof(image), "%s/pax.img", dir);
        static const struct {
                const char *request, *expect;
        } checks[] = {
                { "stat /usr/bin/ping", "Mode:  04755" },
                { "ea_list /usr/bin/ping", "security.capability (20) = 01 00 00 02 00 20 00 00" },
                { "ea_list /usr/bin/tagged", "trusted.overlay (1) = \"y\"" },
                { "ea_list /usr/bin/tagged", "user.mime_type (18) = \"text/x-shellscript\"" },
                { "ea_list /usr/bin", "user.dir (14) = \"on a directory\"" },
                { "stat /usr/bin/sg", "Mode:  02755" },
                { "stat /tmp", "Mode:  01777" },
                { "stat /dev/big", "Device major/minor number: 300:70000" },
                { "stat /dev/null", "Device major/minor number: 01:03" },
                { "stat /dev/sda", "Type: block special" },
                { "stat /dev/fifo", "Type: FIFO" },
                { "stat /home/user/big-ids", "User: 100000   Group: 200000" },
                { "stat /home/user", "mtime: 0x6553f100:1d6f32f0" },  /* .1234567 s: ns << 2 */
                { "stat /home/user/future", "mtime: 0xf4865700:3b9aca01" }, /* 2100: epoch bit */
                { "stat /bin", "Fast link dest: \"usr/bin\"" },
                { "stat /usr/bin/vi", "Links: 3" },
                { "stat /etc/zeros-inside", "(0-1):" },          /* 64 KiB of zeros: a hole */
                { "stat /etc/empty", "Size: 0" },
                { "ls -l /usr/share", "file-with-a-longish-name-0399" },
                { "stat /usr/share", "Size: 16384" },      /* 400 entries: 4 blocks */
                { "stat /home/user/old", "mtime: 0xfe1ecc80:00000000" },  /* 1969 */
        };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(checks); i++) {
                char *out = NULL;
                sh(&out, "debugfs -R '%s' '%s' 2>/dev/null", checks[i].request, image);
                if (!contains(out, checks[i].expect)) {
                        fprintf(stderr, "debugfs %s: no \"%s\" in:\n%s\n", checks[i].request,
                                checks[i].expect, out);
                        check_failures++;
                }
                free(out);
        }
        char *out = NULL;
        sh(&out, "debugfs -R 'stat /usr/bin/slow-link' '%s' 2>/dev/null", image);
        CHECK(!contains(out, "Fast link dest"));
        free(out);
        snprintf(image, sizeof(image), "%s/sparse-many.img", dir);
        sh(&out, "debugfs -R 'stat /runs' '%s' 2>/dev/null", image);
        CHECK(contains(out, "(ETB0)"));         /* 300 extents need an index block */
        free(out);
}

static void check_vhd(void)
{
        char image[512], out[512], archive[512];
        /* 1 GiB, not the default 256 GiB: cmp reads the holes too. */
        snprintf(archive, sizeof(archive), "%s/fx/pax.tar", dir);
        snprintf(image, sizeof(image), "%s/pax-1g.img", dir);
        snprintf(out, sizeof(out), "%s/pax-copy.img", dir);
        int in = open(archive, O_RDONLY | O_CLOEXEC);
        struct lxs_import_opts io = { .image_size = 1ULL << 30 };
        CHECK_EQ_INT(lxs_image_import(in, image, &io, NULL, NULL), 0);
        close(in);
        struct lxs_export_stats st;
        int warnings = 0;
        CHECK_EQ_INT(export_file(image, out, LXS_EXPORT_VHD, &st, &warnings), 0);
        CHECK_EQ_INT(sh(NULL, "cmp '%s' '%s'", image, out), 0);
        struct stat a, b;
        CHECK(stat(image, &a) == 0 && stat(out, &b) == 0);
        CHECK_EQ_INT(a.st_size, b.st_size);
        CHECK(b.st_blocks * 512 < b.st_size / 100);     /* still sparse */
        check_fsck(out);

        /* A pipe cannot keep holes: refused with a clear message. */
        int p[2];
        CHECK(pipe(p) == 0);
        char *err = NULL;
        int r = lxs_image_export(image, p[1], LXS_EXPORT_VHD, NULL, &st, &err);
        CHECK_EQ_INT(r, -ESPIPE);
        CHECK(contains(err, "regular output file"));
        free(err);
        close(p[0]);
        close(p[1]);
}

static void check_socket_skipped(void)
{
        char image[512], out[512];
        snprintf(image, sizeof(image), "%s/sock.img", dir);
        snprintf(out, sizeof(out), "%s/sock.tar", dir);
        /* Sockets never come from tar; a guest makes them. Turn the fifo into one. */
        CHECK_EQ_INT(sh(NULL, "cp --sparse=always '%s/pax.img' '%s' && debugfs -w -R "
                        "'sif /dev/fifo mode 0140644' '%s' >/dev/null 2>&1", dir, image, image), 0);
        struct lxs_export_stats st;
        int warnings = 0;
        CHECK_EQ_INT(export_file(image, out, LXS_EXPORT_TAR, &st, &warnings), 0);
        CHECK_EQ_INT(warnings, 1);
        CHECK_EQ_INT(st.skipped, 1);
        CHECK_EQ_INT(sh(NULL, "tar -tf '%s' 2>/dev/null | grep -q fifo", out), 1);
        CHECK_EQ_INT(sh(NULL, "tar -tf '%s' 2>/dev/null | grep -q ping", out), 0);

        /* An image whose journal needs replaying (a running or crashed distro) is refused. */
        CHECK_EQ_INT(sh(NULL, "debugfs -w -R 'feature needs_recovery' '%s' >/dev/null 2>&1",
                        image), 0);
        char *err = NULL;
        int fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
        CHECK_EQ_INT(lxs_image_export(image, fd, LXS_EXPORT_TAR, NULL, &st, &err), -EBUSY);
        CHECK(contains(err, "journal needs recovery"));
        free(err);
        close(fd);
}

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: %s FIXTURES_PY MANIFEST_PY\n", argv[0]);
                return 2;
        }
        fixtures_py = argv[1];
        manifest_py = argv[2];
        static const char *const tools[] = { "python3", "tar", "e2fsck", "debugfs", "mke2fs",
                                             "gzip", "xz", "zstd", "bzip2" };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(tools); i++)
                require_tool("test-distro-roundtrip", tools[i]);

        dir = make_scratch("distro-roundtrip");
        if (sh(NULL, "python3 '%s' '%s/fx'", fixtures_py, dir) != 0) {
                fprintf(stderr, "fixtures.py failed\n");
                return 1;
        }
        for (size_t f = 0; f < LXS_ARRAY_SIZE(fixtures); f++)
                for (size_t c = 0; c < LXS_ARRAY_SIZE(compressions); c++)
                        roundtrip(fixtures[f], &compressions[c], false);
        roundtrip("pax", &compressions[3], true);       /* stdin-like: no size, no seeking */
        check_debugfs();
        check_vhd();
        check_socket_skipped();
        return check_result("test-distro-roundtrip");
}
