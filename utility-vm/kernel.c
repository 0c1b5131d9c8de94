/* Guest kernel selection and identification (see vm.h).
 *
 * A bzImage identifies itself through the x86 boot protocol setup header ("HdrS" at 0x202);
 * its kernel_version field points at the "<release> (<builder>) #..." string. An ELF vmlinux
 * has no header for that, so we look for the banner the kernel prints at boot
 * ("Linux version <release> ..."), which every image carries. */
#include "vm.h"
#include "kernel-image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

#ifndef LXS_PACKAGED_KERNEL
#define LXS_PACKAGED_KERNEL ""
#endif

enum {
        RELEASE_MAX = 64,
        /* Offset in the file of the string kernel_version points at (relative to 0x200). */
        KERNEL_VERSION_BASE = 0x200,
};

static bool readable_file(const char *path)
{
        struct stat st;
        return path && *path && stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* Newest "vmlinuz-*" in dir by version order; NULL with errno if none. */
static char *newest_vmlinuz(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return NULL;
        _cleanup_free_ char *best = NULL;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strncmp(de->d_name, "vmlinuz-", 8) != 0)
                        continue;
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
                        return errno = ENOMEM, NULL;
                if (!readable_file(path))
                        continue;
                if (!best || strverscmp(path, best) > 0) {
                        free(best);
                        best = TAKE_PTR(path);
                }
        }
        if (!best)
                errno = ENOENT;
        return TAKE_PTR(best);
}

int lxs_kernel_find_in(const char *configured, const char *packaged, const char *boot_dir, char **path)
{
        const char *pick = NULL;
        /* An explicit choice that cannot be read is an error: silently booting another kernel
         * would hide the misconfiguration. */
        if (configured && *configured) {
                if (access(configured, R_OK) < 0)
                        return -errno;
                pick = configured;
        } else if (readable_file(packaged)) {
                pick = packaged;
        } else {
                char *found = newest_vmlinuz(boot_dir ? boot_dir : "/boot");
                if (!found)
                        return -errno;
                *path = found;
                return 0;
        }
        char *copy = strdup(pick);
        if (!copy)
                return -ENOMEM;
        *path = copy;
        return 0;
}

int lxs_kernel_find(const char *configured, char **path)
{
        return lxs_kernel_find_in(configured, LXS_PACKAGED_KERNEL, "/boot", path);
}

/* Copies the release token starting at s (up to whitespace, bounded by end). */
static int copy_release(const char *s, const char *end, char **release)
{
        size_t n = 0;
        while (s + n < end && n < RELEASE_MAX && s[n] > ' ' && s[n] < 0x7f)
                n++;
        if (n == 0 || n == RELEASE_MAX)
                return -EBADMSG;
        char *r = strndup(s, n);
        if (!r)
                return -ENOMEM;
        *release = r;
        return 0;
}

int lxs_kernel_release(const char *kernel, char **release)
{
        _cleanup_(lxs_kernel_image_unmap) struct lxs_kernel_image img = LXS_KERNEL_IMAGE_INIT;
        int r = lxs_kernel_image_map(kernel, &img);
        if (r < 0)
                return r;
        const char *data = img.data, *end = data + img.size;

        if (img.kind == LXS_KERNEL_BZIMAGE) {
                uint16_t off = lxs_le16(data + LXS_BZ_KERNEL_VERSION);
                if (off == 0 || (size_t)off + KERNEL_VERSION_BASE >= img.size)
                        return -EBADMSG;
                return copy_release(data + off + KERNEL_VERSION_BASE, end, release);
        }
        if (img.kind == LXS_KERNEL_ELF) {
                static const char banner[] = "Linux version ";
                for (const char *p = data; p < end;) {
                        const char *hit = memmem(p, (size_t)(end - p), banner, sizeof(banner) - 1);
                        if (!hit)
                                break;
                        /* The banner's format string ("Linux version %s") may also be in the
                         * image; the real one continues with a digit. */
                        const char *s = hit + sizeof(banner) - 1;
                        if (s < end && *s >= '0' && *s <= '9')
                                return copy_release(s, end, release);
                        p = s;
                }
                return -ENOENT;
        }
        return -ENOEXEC;
}
