/* Export format "vhd": the raw ext4 image itself, copied with its holes.
 *
 * The output is the same raw disk image lxs boots (not a VHD container with a footer). Data
 * ranges are found with SEEK_DATA/SEEK_HOLE and copied with copy_file_range (a reflink or an
 * in-kernel copy where the file system can), falling back to read/write; the holes are left
 * as holes by sizing the output first. A pipe cannot hold holes, so out_fd must be a regular
 * file: streaming 256 GiB of zeros would be a trap, not an export. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image-internal.h"

#define COPY_CHUNK (8u << 20)

static int copy_range_rw(int in, int out, off_t off, off_t len, uint8_t *buf)
{
        while (len > 0) {
                size_t n = len < COPY_CHUNK ? (size_t)len : COPY_CHUNK;
                ssize_t got = pread(in, buf, n, off);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        return got < 0 ? -errno : -EIO;
                for (ssize_t done = 0; done < got;) {
                        ssize_t w = pwrite(out, buf + done, (size_t)(got - done), off + done);
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return -errno;
                        done += w;
                }
                off += got;
                len -= got;
        }
        return 0;
}

static int copy_range(int in, int out, off_t off, off_t len, uint8_t **buf, bool *use_cfr)
{
        while (*use_cfr && len > 0) {
                loff_t ioff = off, ooff = off;
                ssize_t n = copy_file_range(in, &ioff, out, &ooff, (size_t)(len < COPY_CHUNK * 16 ? len : COPY_CHUNK * 16), 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                              errno == EOPNOTSUPP || errno == EBADF)) {
                        *use_cfr = false;
                        break;
                }
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO;
                off += n;
                len -= n;
        }
        if (len <= 0)
                return 0;
        if (!*buf && !(*buf = malloc(COPY_CHUNK)))
                return -ENOMEM;
        return copy_range_rw(in, out, off, len, *buf);
}

int image_copy_sparse(int in_fd, int out_fd, const struct lxs_export_opts *o,
                      struct lxs_export_stats *st, char **err)
{
        struct stat in_st, out_st;
        if (fstat(in_fd, &in_st) < 0 || fstat(out_fd, &out_st) < 0)
                return image_fail(err, -errno, "stat: %m");
        if (!S_ISREG(out_st.st_mode))
                return image_fail(err, -ESPIPE, "the vhd format needs a regular output file "
                                  "(an image keeps its holes only in a file)");
        off_t base = lseek(out_fd, 0, SEEK_CUR);
        if (base != 0)
                return image_fail(err, -EINVAL, "the vhd format needs an empty output file");
        if (ftruncate(out_fd, in_st.st_size) < 0)
                return image_fail(err, -errno, "sizing output: %m");

        _cleanup_free_ uint8_t *buf = NULL;
        bool use_cfr = true;
        off_t off = 0;
        while (off < in_st.st_size) {
                if (image_cancelled(o->cancel))
                        return image_fail(err, -EINTR, "interrupted");
                off_t data = lseek(in_fd, off, SEEK_DATA);
                if (data < 0 && errno == ENXIO)
                        break;
                if (data < 0)
                        return image_fail(err, -errno, "reading image: %m");
                off_t hole = lseek(in_fd, data, SEEK_HOLE);
                if (hole < 0)
                        return image_fail(err, -errno, "reading image: %m");
                int r = copy_range(in_fd, out_fd, data, hole - data, &buf, &use_cfr);
                if (r < 0)
                        return image_fail(err, r, "copying image: %s", strerror(-r));
                st->output_bytes += (uint64_t)(hole - data);
                if (o->progress)
                        o->progress(o->ctx, (uint64_t)hole, (uint64_t)in_st.st_size);
                off = hole;
        }
        /* Leave the offset at the end, as a streamed export would. */
        lseek(out_fd, in_st.st_size, SEEK_SET);
        return 0;
}
