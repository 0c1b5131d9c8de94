/* Kernel selection (fixtures), and release + ELF extraction on the real kernel the image was
 * built from (argv[1]); skipped when it is absent unless LXS_REQUIRE_ALL=1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cleanup.h"
#include "vm.h"

static char dir[] = "/tmp/test-vm-kernel.XXXXXX";

static char *touch(const char *name)
{
        char *path;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                abort();
        FILE *f = fopen(path, "w");
        fputs("not really a kernel", f);
        fclose(f);
        return path;
}

static void selection(void)
{
        _cleanup_free_ char *a = touch("vmlinuz-6.1.0-9-amd64");
        _cleanup_free_ char *b = touch("vmlinuz-6.1.0-10-amd64");
        _cleanup_free_ char *other = touch("config-6.1.0-99-amd64");
        _cleanup_free_ char *packaged = touch("packaged");
        char *path = NULL;

        CHECK_EQ_INT(lxs_kernel_find_in(a, packaged, dir, &path), 0);
        CHECK_EQ_STR(path, a);
        free(path);
        CHECK_EQ_INT(lxs_kernel_find_in("/nonexistent/kernel", packaged, dir, &path), -ENOENT);
        CHECK_EQ_INT(lxs_kernel_find_in("", packaged, dir, &path), 0);
        CHECK_EQ_STR(path, packaged);
        free(path);
        /* Newest by version, not by string order. */
        CHECK_EQ_INT(lxs_kernel_find_in(NULL, "/nonexistent/packaged", dir, &path), 0);
        CHECK_EQ_STR(path, b);
        free(path);
        CHECK_EQ_INT(lxs_kernel_find_in(NULL, NULL, "/nonexistent", &path), -ENOENT);

        /* Not kernels at all. */
        CHECK_EQ_INT(lxs_kernel_release(packaged, &path), -ENOEXEC);
        CHECK_EQ_INT(lxs_kernel_extract_elf(packaged, "/nonexistent/out"), -ENOEXEC);
        unlink(a);
        unlink(b);
        unlink(other);
        unlink(packaged);
}

static int real_kernel(const char *kernel)
{
        _cleanup_free_ char *release = NULL, *elf = NULL, *elf_release = NULL;
        CHECK_EQ_INT(lxs_kernel_release(kernel, &release), 0);
        if (!release)
                return 1;
        fprintf(stderr, "test-vm-kernel: %s is release %s\n", kernel, release);
        const char *base = strrchr(kernel, '/');
        base = base ? base + 1 : kernel;
        if (strncmp(base, "vmlinuz-", 8) == 0)
                CHECK_EQ_STR(release, base + 8);
        CHECK(release[0] >= '0' && release[0] <= '9');

        if (asprintf(&elf, "%s/vmlinux", dir) < 0)
                return 1;
        int r = lxs_kernel_extract_elf(kernel, elf);
        CHECK(r == 0 || r == 1);
        if (r == 0) {
                unsigned char magic[5] = { 0 };
                FILE *f = fopen(elf, "r");
                CHECK(f && fread(magic, 1, 4, f) == 4);
                if (f)
                        fclose(f);
                CHECK(memcmp(magic, "\177ELF", 4) == 0);
                CHECK_EQ_INT(lxs_kernel_release(elf, &elf_release), 0);
                CHECK_EQ_STR(elf_release, release);
                /* Already an ELF: nothing to do. */
                CHECK_EQ_INT(lxs_kernel_extract_elf(elf, "/nonexistent/out"), 1);
                struct stat st;
                CHECK(stat(elf, &st) == 0 && (st.st_mode & 0777) == 0644);
                unlink(elf);
        }
        return 0;
}

int main(int argc, char **argv)
{
        if (!mkdtemp(dir))
                return 1;
        selection();

        const char *kernel = argc > 1 ? argv[1] : "";
        const char *require = getenv("LXS_REQUIRE_ALL");
        if (!*kernel || access(kernel, R_OK) < 0) {
                rmdir(dir);
                if (require && strcmp(require, "1") == 0) {
                        fprintf(stderr, "test-vm-kernel: guest kernel '%s' missing (run utility-vm/image/fetch-kernel)\n", kernel);
                        return 1;
                }
                fprintf(stderr, "test-vm-kernel: SKIP real-kernel checks: '%s' missing "
                                "(run utility-vm/image/fetch-kernel)\n", kernel);
                return check_failures ? 1 : 77;
        }
        real_kernel(kernel);
        rmdir(dir);
        return check_result("test-vm-kernel");
}
