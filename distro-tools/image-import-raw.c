/* Raw image import; see image-raw.h. A regular file is copied range by range with its holes
 * (image_copy_sparse, shared with the vhd export); a stream cannot say where its holes are,
 * so blocks of zeros are skipped instead, which gives the same sparse result for an image. */
#include "image-raw.h"

#include <ext2fs/ext2fs.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image-internal.h"

#define STREAM_CHUNK (1u << 20)
#define ZERO_BLOCK 4096u

static int copy_stream(int in_fd, int out_fd, const struct lxs_import_opts *o, char **err)
{
        static const uint8_t zero[ZERO_BLOCK];
        _cleanup_free_ uint8_t *buf = malloc(STREAM_CHUNK);
        if (!buf)
                return image_fail(err, -ENOMEM, "out of memory");
        off_t pos = 0;
        for (;;) {
                if (image_cancelled(o->cancel))
                        return image_fail(err, -EINTR, "interrupted");
                ssize_t n = read(in_fd, buf, STREAM_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return image_fail(err, -errno, "reading: %m");
                if (n == 0)
                        break;
                for (ssize_t off = 0; off < n; off += ZERO_BLOCK) {
                        size_t len = (size_t)(n - off) < ZERO_BLOCK ? (size_t)(n - off) : ZERO_BLOCK;
                        if (len == ZERO_BLOCK && memcmp(buf + off, zero, ZERO_BLOCK) == 0)
                                continue;
                        if (pwrite(out_fd, buf + off, len, pos + off) != (ssize_t)len)
                                return image_fail(err, -errno, "writing image: %m");
                }
                pos += n;
                if (o->progress)
                        o->progress(o->ctx, (uint64_t)pos, 0);
        }
        if (ftruncate(out_fd, pos) < 0)
                return image_fail(err, -errno, "sizing image: %m");
        return 0;
}

int lxs_image_import_raw(int in_fd, const char *image_path, const struct lxs_import_opts *o, char **err)
{
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.tmp-%d", image_path, (int)getpid()) < 0)
                return image_fail(err, -ENOMEM, "out of memory");
        int out = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (out < 0)
                return image_fail(err, -errno, "%s: %m", tmp);
        struct stat st;
        int r;
        if (fstat(in_fd, &st) == 0 && S_ISREG(st.st_mode)) {
                struct lxs_export_opts eo = { .progress = o->progress, .ctx = o->ctx, .cancel = o->cancel };
                struct lxs_export_stats es = { 0 };
                r = image_copy_sparse(in_fd, out, &eo, &es, err);
        } else {
                r = copy_stream(in_fd, out, o, err);
        }
        if (r == 0 && fsync(out) < 0)
                r = image_fail(err, -errno, "writing image: %m");
        close(out);
        if (r == 0) {
                ext2_filsys fs;
                if (ext2fs_open2(tmp, NULL, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs))
                        r = image_fail(err, -EINVAL, "not an ext4 image");
                else
                        ext2fs_close_free(&fs);
        }
        if (r == 0 && rename(tmp, image_path) < 0)
                r = image_fail(err, -errno, "%s: %m", image_path);
        if (r < 0)
                unlink(tmp);
        return r;
}
