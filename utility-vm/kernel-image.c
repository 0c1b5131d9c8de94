/* Kernel image mapping and format detection; see kernel-image.h. */
#include "kernel-image.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"

int lxs_kernel_image_map(const char *path, struct lxs_kernel_image *img)
{
        struct stat st;
        _cleanup_close_ int fd = lxs_open_regular(path, &st);
        if (fd < 0)
                return fd;
        if (st.st_size < LXS_BZ_MIN_SIZE)
                return -ENOEXEC;
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
                return -errno;
        img->data = map;
        img->size = (size_t)st.st_size;
        if (memcmp(img->data, "\177ELF", 4) == 0)
                img->kind = LXS_KERNEL_ELF;
        else if (memcmp(img->data + LXS_BZ_HEADER_MAGIC, "HdrS", 4) == 0)
                img->kind = LXS_KERNEL_BZIMAGE;
        else
                img->kind = LXS_KERNEL_UNKNOWN;
        return 0;
}

void lxs_kernel_image_unmap(struct lxs_kernel_image *img)
{
        if (img->data)
                munmap((void *)img->data, img->size);
        img->data = NULL;
}
