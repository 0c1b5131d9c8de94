/* Internal: a read-only mapping of a kernel image and the x86 boot-protocol header fields we
 * use. Shared by kernel.c (release) and kernel-extract.c (ELF payload). Not part of vm.h. */
#ifndef LXS_KERNEL_IMAGE_H
#define LXS_KERNEL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum lxs_kernel_kind {
        LXS_KERNEL_UNKNOWN = 0,
        LXS_KERNEL_BZIMAGE,
        LXS_KERNEL_ELF,
};

/* Setup header offsets (Documentation/arch/x86/boot.rst). */
enum {
        LXS_BZ_SETUP_SECTS = 0x1f1,     /* u8; 0 means 4 */
        LXS_BZ_HEADER_MAGIC = 0x202,    /* "HdrS" */
        LXS_BZ_VERSION = 0x206,         /* u16 boot protocol version */
        LXS_BZ_KERNEL_VERSION = 0x20e,  /* u16, string at value + 0x200 */
        LXS_BZ_PAYLOAD_OFFSET = 0x248,  /* u32, from the protected-mode code start (2.08+) */
        LXS_BZ_PAYLOAD_LENGTH = 0x24c,  /* u32 */
        LXS_BZ_MIN_SIZE = 0x250,
};

struct lxs_kernel_image {
        const char *data;
        size_t size;
        enum lxs_kernel_kind kind;
};

#define LXS_KERNEL_IMAGE_INIT { .data = NULL, .size = 0, .kind = LXS_KERNEL_UNKNOWN }

/* Maps `path` read-only and classifies it; an unknown format is not an error here. */
int lxs_kernel_image_map(const char *path, struct lxs_kernel_image *img);
void lxs_kernel_image_unmap(struct lxs_kernel_image *img);

static inline uint16_t lxs_le16(const void *p)
{
        const uint8_t *b = p;
        return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t lxs_le32(const void *p)
{
        const uint8_t *b = p;
        return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

#endif
