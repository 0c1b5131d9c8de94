/* bzImage -> vmlinux ELF (see vm.h lxs_kernel_extract_elf).
 *
 * The setup header (boot protocol >= 2.08) gives the exact offset and length of the compressed
 * kernel, so we decompress that range instead of scanning for magic bytes, which can also
 * occur by chance in the setup code. Only xz is supported (what Debian builds with); other
 * formats return -EOPNOTSUPP and the caller can boot the bzImage as is. The payload ends with
 * the 4-byte uncompressed size the kernel build appends, so decoding stops at the end of the
 * first xz stream rather than requiring the range to be exactly one stream.
 * The output is written to a temporary file in the target directory and renamed into place. */
#include "vm.h"
#include "kernel-image.h"

#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"

enum {
        OUT_CHUNK = 1 << 20,
        MIN_PROTOCOL = 0x0208,
};

static const uint8_t xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

static void lzma_endp(lzma_stream *s) { lzma_end(s); }

static int xz_decompress_to_fd(const uint8_t *in, size_t in_len, int out_fd)
{
        _cleanup_(lzma_endp) lzma_stream s = LZMA_STREAM_INIT;
        if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
                return -ENOMEM;
        _cleanup_free_ uint8_t *out = malloc(OUT_CHUNK);
        if (!out)
                return -ENOMEM;
        s.next_in = in;
        s.avail_in = in_len;
        for (;;) {
                s.next_out = out;
                s.avail_out = OUT_CHUNK;
                lzma_ret ret = lzma_code(&s, LZMA_FINISH);
                size_t produced = OUT_CHUNK - s.avail_out;
                if (produced) {
                        int r = lxs_write_all(out_fd, out, produced);
                        if (r < 0)
                                return r;
                }
                if (ret == LZMA_STREAM_END)
                        return 0;
                if (ret == LZMA_MEM_ERROR)
                        return -ENOMEM;
                if (ret != LZMA_OK)
                        return -EBADMSG;
        }
}

/* Locates the compressed payload of a bzImage; -EBADMSG if the header is inconsistent. */
static int bzimage_payload(const struct lxs_kernel_image *img, const uint8_t **payload, size_t *len)
{
        const char *d = img->data;
        if (lxs_le16(d + LXS_BZ_VERSION) < MIN_PROTOCOL)
                return -EOPNOTSUPP;
        size_t setup_sects = (uint8_t)d[LXS_BZ_SETUP_SECTS];
        if (setup_sects == 0)
                setup_sects = 4;
        size_t pm_start = (setup_sects + 1) * 512;
        size_t off = lxs_le32(d + LXS_BZ_PAYLOAD_OFFSET);
        size_t length = lxs_le32(d + LXS_BZ_PAYLOAD_LENGTH);
        if (pm_start > img->size || off > img->size - pm_start || length > img->size - pm_start - off)
                return -EBADMSG;
        *payload = (const uint8_t *)d + pm_start + off;
        *len = length;
        return 0;
}

int lxs_kernel_extract_elf(const char *kernel, const char *out_path)
{
        _cleanup_(lxs_kernel_image_unmap) struct lxs_kernel_image img = LXS_KERNEL_IMAGE_INIT;
        int r = lxs_kernel_image_map(kernel, &img);
        if (r < 0)
                return r;
        if (img.kind == LXS_KERNEL_ELF)
                return 1;
        if (img.kind != LXS_KERNEL_BZIMAGE)
                return -ENOEXEC;

        const uint8_t *payload;
        size_t len;
        r = bzimage_payload(&img, &payload, &len);
        if (r < 0)
                return r;
        if (len < sizeof(xz_magic) || memcmp(payload, xz_magic, sizeof(xz_magic)) != 0)
                return -EOPNOTSUPP;

        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.XXXXXX", out_path) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = xz_decompress_to_fd(payload, len, fd);
        if (r == 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        char magic[4];
        if (r == 0 && (pread(fd, magic, sizeof(magic), 0) != sizeof(magic) ||
                       memcmp(magic, "\177ELF", 4) != 0))
                r = -EBADMSG;
        if (r == 0 && rename(tmp, out_path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}
