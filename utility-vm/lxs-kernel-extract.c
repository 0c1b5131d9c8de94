/* lxs-kernel-extract KERNEL VMLINUX_OUT RELEASE_OUT: build-time step producing the guest
 * kernel lxsd boots and its release string. A bzImage with an xz payload becomes its ELF
 * (booted through PVH, much faster under TCG); an ELF, or a bzImage we cannot unpack, is copied
 * as is, since QEMU boots both. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fd-util.h"
#include "vm.h"

#define PROG "lxs-kernel-extract"
#define KERNEL_MAX (512u << 20)

static int copy_file(const char *src, const char *dst)
{
        _cleanup_free_ char *data = NULL;
        int n = lxs_read_file(src, KERNEL_MAX, &data);
        if (n < 0)
                return n;
        return lxs_write_file_atomic(dst, data, (size_t)n, 0644);
}

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: " PROG " KERNEL VMLINUX_OUT RELEASE_OUT\n");
                return 2;
        }
        const char *kernel = argv[1], *out = argv[2], *release_out = argv[3];

        _cleanup_free_ char *release = NULL, *line = NULL;
        int r = lxs_kernel_release(kernel, &release);
        if (r < 0) {
                fprintf(stderr, PROG ": kernel release of %s: %s\n", kernel, strerror(-r));
                return 1;
        }
        r = lxs_kernel_extract_elf(kernel, out);
        if (r == -EOPNOTSUPP)
                fprintf(stderr, PROG ": %s: payload is not xz; using the bzImage as is\n", kernel);
        if (r == 1 || r == -EOPNOTSUPP)
                r = copy_file(kernel, out);
        if (r < 0) {
                fprintf(stderr, PROG ": extract %s to %s: %s\n", kernel, out, strerror(-r));
                return 1;
        }
        if (asprintf(&line, "%s\n", release) < 0)
                return 1;
        r = lxs_write_file_atomic(release_out, line, strlen(line), 0644);
        if (r < 0) {
                fprintf(stderr, PROG ": write %s: %s\n", release_out, strerror(-r));
                return 1;
        }
        return 0;
}
