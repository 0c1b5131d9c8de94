/* Import: a tar stream in, a new ext4 distro image out (contract in image.h).
 *
 * The image is built as image_path.tmp-XXXXXX and renamed into place (without replacing
 * anything) only once it is complete and synced, so a failure or a cancel never leaves a
 * half-made image under the real name; the temporary file is removed on every failure path.
 *
 * Entries are applied in archive order: inodes are allocated in sequence, file data goes
 * through the forward allocator of image-data.c, and directories are recorded in memory and
 * written at the end (image-dirs.c). Parents the archive never names are created 0755 root. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image-data.h"
#include "image-dirs.h"
#include "image-internal.h"
#include "image-tree.h"

#define INPUT_BUFFER (1u << 20)

struct importer {
        ext2_filsys fs;
        int isize;
        struct data_writer w;
        struct file_data f;
        struct image_tree tree;
        ext2_ino_t ino_cursor;
        struct archive *a;
        const struct lxs_import_opts *o;
        struct lxs_import_stats *st;
        char **err;
        time_t now;
        char *path;             /* normalized path of the current entry */
        size_t path_cap;
        /* input */
        int in_fd;
        uint8_t *inbuf;
        uint64_t in_total;
        int read_errno;
};

static void warn(struct importer *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct importer *im, const char *fmt, ...)
{
        if (!im->o->warn)
                return;
        va_list ap;
        va_start(ap, fmt);
        char *msg = NULL;
        if (vasprintf(&msg, fmt, ap) >= 0) {
                im->o->warn(im->o->ctx, msg);
                free(msg);
        }
        va_end(ap);
}

static ssize_t read_input(struct archive *a, void *ctx, const void **buf)
{
        struct importer *im = ctx;
        for (;;) {
                if (image_cancelled(im->o->cancel)) {
                        im->read_errno = EINTR;
                        archive_set_error(a, EINTR, "interrupted");
                        return -1;
                }
                ssize_t n = read(im->in_fd, im->inbuf, INPUT_BUFFER);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        im->read_errno = errno;
                        archive_set_error(a, errno, "read error: %s", strerror(errno));
                        return -1;
                }
                im->st->input_bytes += (uint64_t)n;
                if (im->o->progress)
                        im->o->progress(im->o->ctx, im->st->input_bytes, im->in_total);
                *buf = im->inbuf;
                return n;
        }
}

static int new_inode(struct importer *im, bool is_dir, ext2_ino_t *ino)
{
        ext2_filsys fs = im->fs;
        if (im->ino_cursor > fs->super->s_inodes_count ||
            ext2fs_find_first_zero_inode_bitmap2(fs->inode_map, im->ino_cursor,
                                                 fs->super->s_inodes_count, ino) != 0)
                return image_fail(im->err, -EFBIG, "the image is out of inodes");
        ext2fs_inode_alloc_stats2(fs, *ino, +1, is_dir);
        im->ino_cursor = *ino + 1;
        return 0;
}

static void inode_init(struct importer *im, union image_inode *in, mode_t type, mode_t perm,
                       uint32_t uid, uint32_t gid, int64_t mtime, long mtime_ns)
{
        memset(in, 0, (size_t)im->isize);
        struct ext2_inode_large *l = &in->large;
        l->i_mode = (uint16_t)(type | (perm & 07777));
        image_inode_set_owner(l, uid, gid);
        l->i_links_count = 1;
        l->i_extra_isize = sizeof(struct ext2_inode_large) - EXT2_GOOD_OLD_INODE_SIZE;
        image_time_encode(mtime, mtime_ns, &l->i_mtime, &l->i_mtime_extra);
        image_time_encode(mtime, mtime_ns, &l->i_atime, &l->i_atime_extra);
        /* ctime and crtime say when this inode came to be: now. */
        image_time_encode(im->now, 0, &l->i_ctime, &l->i_ctime_extra);
        image_time_encode(im->now, 0, &l->i_crtime, &l->i_crtime_extra);
}

static void inode_from_entry(struct importer *im, struct archive_entry *e, union image_inode *in,
                             mode_t type)
{
        inode_init(im, in, type, archive_entry_perm(e), (uint32_t)archive_entry_uid(e),
                   (uint32_t)archive_entry_gid(e), archive_entry_mtime(e),
                   archive_entry_mtime_nsec(e));
        if (archive_entry_atime_is_set(e))
                image_time_encode(archive_entry_atime(e), archive_entry_atime_nsec(e),
                                  &in->large.i_atime, &in->large.i_atime_extra);
}

static int write_inode(struct importer *im, ext2_ino_t ino, union image_inode *in)
{
        errcode_t e = ext2fs_write_inode_full(im->fs, ino, &in->small, im->isize);
        return e ? image_fail_ext2(im->err, e, "writing inode of /%s", im->path) : 0;
}

static int apply_xattrs(struct importer *im, struct archive_entry *e, ext2_ino_t ino)
{
        if (archive_entry_xattr_reset(e) == 0)
                return 0;
        struct ext2_xattr_handle *h = NULL;
        errcode_t err = ext2fs_xattrs_open(im->fs, ino, &h);
        if (!err)
                err = ext2fs_xattrs_read(h);
        const char *name;
        const void *value;
        size_t size;
        while (!err && archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                err = ext2fs_xattr_set(h, name, value, size);
                if (err) {
                        ext2fs_xattrs_close(&h);
                        return image_fail_ext2(im->err, err, "/%s: extended attribute %s",
                                               im->path, name);
                }
                im->st->xattrs++;
        }
        if (h) {
                errcode_t cerr = ext2fs_xattrs_close(&h);
                if (!err)
                        err = cerr;
        }
        return err ? image_fail_ext2(im->err, err, "/%s: extended attributes", im->path) : 0;
}

/* The parent directory node of path, creating missing ancestors as 0755 root directories. */
static int ensure_dir(struct importer *im, const char *path, size_t len, struct tree_node **out)
{
        struct tree_node *n = tree_lookup(&im->tree, path, len);
        if (n) {
                if (!n->dir)
                        return image_fail(im->err, -ENOTDIR, "/%.*s: not a directory, but the "
                                          "archive has entries below it", (int)len, path);
                *out = n;
                return 0;
        }
        const char *slash = memrchr(path, '/', len);
        struct tree_node *parent;
        int r = ensure_dir(im, path, slash ? (size_t)(slash - path) : 0, &parent);
        if (r < 0)
                return r;

        ext2_ino_t ino;
        r = new_inode(im, true, &ino);
        if (r < 0)
                return r;
        union image_inode in;
        inode_init(im, &in, S_IFDIR, 0755, 0, 0, im->now, 0);
        in.large.i_links_count = 2;
        r = write_inode(im, ino, &in);
        if (r < 0)
                return r;
        n = tree_add(&im->tree, parent, path, len, ino, EXT2_FT_DIR);
        if (!n)
                return image_fail(im->err, -ENOMEM, "out of memory");
        *out = n;
        return 0;
}

static int parent_of(struct importer *im, size_t len, struct tree_node **parent)
{
        const char *slash = memrchr(im->path, '/', len);
        return ensure_dir(im, im->path, slash ? (size_t)(slash - im->path) : 0, parent);
}

/* Drops one link of an inode whose name an archive entry replaced; frees it at zero. */
static int drop_link(struct importer *im, ext2_ino_t ino)
{
        union image_inode in;
        errcode_t e = ext2fs_read_inode_full(im->fs, ino, &in.small, im->isize);
        if (e)
                return image_fail_ext2(im->err, e, "/%s: replacing", im->path);
        if (in.large.i_links_count > 1) {
                in.large.i_links_count--;
                return write_inode(im, ino, &in);
        }
        if (ext2fs_inode_has_valid_blocks2(im->fs, &in.small))
                e = ext2fs_punch(im->fs, ino, &in.small, NULL, 0, ~0ULL);
        if (!e && ext2fs_file_acl_block(im->fs, &in.small))
                e = ext2fs_free_ext_attr(im->fs, ino, &in.large);
        if (e)
                return image_fail_ext2(im->err, e, "/%s: replacing", im->path);
        memset(&in, 0, (size_t)im->isize);
        in.large.i_dtime = (uint32_t)im->now;
        ext2fs_inode_alloc_stats2(im->fs, ino, -1, 0);
        return write_inode(im, ino, &in);
}

/* Gives path (whose node may already exist: a later entry replaces an earlier one) inode ino. */
static int link_entry(struct importer *im, struct tree_node *parent, size_t len, ext2_ino_t ino,
                      uint8_t ftype)
{
        struct tree_node *old = tree_lookup(&im->tree, im->path, len);
        if (old) {
                if (old->dir)
                        return image_fail(im->err, -EISDIR, "/%s: archive replaces a directory "
                                          "with a non-directory", im->path);
                ext2_ino_t old_ino = old->ino;
                old->ino = ino;
                old->ftype = ftype;
                return old_ino == ino ? 0 : drop_link(im, old_ino);
        }
        if (!tree_add(&im->tree, parent, im->path, len, ino, ftype))
                return image_fail(im->err, -ENOMEM, "out of memory");
        return 0;
}

static int import_dir(struct importer *im, struct archive_entry *e, size_t len)
{
        struct tree_node *n = tree_lookup(&im->tree, im->path, len);
        union image_inode in;
        int r;

        if (n && !n->dir)
                return image_fail(im->err, -EEXIST, "/%s: archive replaces a non-directory with "
                                  "a directory", im->path);
        if (n) {
                /* Named again, or created earlier as a missing parent: take these attributes,
                 * keep the directory's blocks and links. */
                errcode_t err = ext2fs_read_inode_full(im->fs, n->ino, &in.small, im->isize);
                if (err)
                        return image_fail_ext2(im->err, err, "reading /%s", im->path);
                union image_inode fresh;
                inode_from_entry(im, e, &fresh, S_IFDIR);
                struct ext2_inode_large *l = &in.large, *f = &fresh.large;
                l->i_mode = f->i_mode;
                image_inode_set_owner(l, image_inode_uid(f), image_inode_gid(f));
                l->i_mtime = f->i_mtime;
                l->i_mtime_extra = f->i_mtime_extra;
                l->i_atime = f->i_atime;
                l->i_atime_extra = f->i_atime_extra;
                r = write_inode(im, n->ino, &in);
                return r < 0 ? r : apply_xattrs(im, e, n->ino);
        }

        struct tree_node *parent;
        r = parent_of(im, len, &parent);
        if (r < 0)
                return r;
        ext2_ino_t ino;
        r = new_inode(im, true, &ino);
        if (r < 0)
                return r;
        inode_from_entry(im, e, &in, S_IFDIR);
        in.large.i_links_count = 2;
        r = write_inode(im, ino, &in);
        if (r < 0)
                return r;
        r = apply_xattrs(im, e, ino);
        if (r < 0)
                return r;
        if (!tree_add(&im->tree, parent, im->path, len, ino, EXT2_FT_DIR))
                return image_fail(im->err, -ENOMEM, "out of memory");
        im->st->dirs++;
        return 0;
}

static int read_data(struct importer *im, struct file_data *f, uint64_t *end)
{
        const void *buf;
        size_t size;
        la_int64_t offset;
        int r;
        *end = 0;
        while ((r = archive_read_data_block(im->a, &buf, &size, &offset)) == ARCHIVE_OK) {
                if (image_cancelled(im->o->cancel))
                        return image_fail(im->err, -EINTR, "interrupted");
                int k = file_data_feed(&im->w, f, (uint64_t)offset, buf, size);
                if (k < 0)
                        return image_fail(im->err, k, "/%s: %s", im->path,
                                          image_strerror(k));
                if ((uint64_t)offset + size > *end)
                        *end = (uint64_t)offset + size;
        }
        if (r != ARCHIVE_EOF)
                return 1;       /* an archive error: the caller reports it */
        int k = file_data_finish(&im->w, f);
        if (k < 0)
                return image_fail(im->err, k, "/%s: %s", im->path,
                                  image_strerror(k));
        return 0;
}

static int import_file(struct importer *im, struct archive_entry *e, size_t len,
                       struct tree_node *parent)
{
        ext2_ino_t ino;
        int r = new_inode(im, false, &ino);
        if (r < 0)
                return r;
        file_data_reset(&im->f);
        uint64_t end;
        r = read_data(im, &im->f, &end);
        if (r != 0)
                return r;
        uint64_t size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : end;
        if (end > size)
                size = end;

        union image_inode in;
        inode_from_entry(im, e, &in, S_IFREG);
        in.large.i_size = (uint32_t)size;
        in.large.i_size_high = (uint32_t)(size >> 32);
        r = image_write_inode_extents(im->fs, ino, &in, &im->f);
        if (r < 0)
                return image_fail(im->err, r, "/%s: %s", im->path, image_strerror(r));
        r = apply_xattrs(im, e, ino);
        if (r < 0)
                return r;
        im->st->files++;
        im->st->data_bytes += size;
        return link_entry(im, parent, len, ino, EXT2_FT_REG_FILE);
}

static int import_symlink(struct importer *im, struct archive_entry *e, size_t len,
                          struct tree_node *parent)
{
        const char *target = archive_entry_symlink(e);
        size_t tlen = target ? strlen(target) : 0;
        unsigned bs = im->fs->blocksize;
        if (tlen == 0) {
                warn(im, "/%s: skipping symlink with an empty target", im->path);
                im->st->skipped++;
                return 0;
        }
        if (tlen >= bs)
                return image_fail(im->err, -ENAMETOOLONG, "/%s: symlink target too long", im->path);

        ext2_ino_t ino;
        int r = new_inode(im, false, &ino);
        if (r < 0)
                return r;
        union image_inode in;
        inode_from_entry(im, e, &in, S_IFLNK);
        in.large.i_size = (uint32_t)tlen;
        if (tlen < sizeof(in.large.i_block)) {
                /* A fast symlink: the target lives in i_block itself. */
                memcpy(in.large.i_block, target, tlen);
                r = write_inode(im, ino, &in);
        } else {
                _cleanup_free_ uint8_t *block = calloc(1, bs);
                if (!block)
                        return image_fail(im->err, -ENOMEM, "out of memory");
                memcpy(block, target, tlen);
                file_data_reset(&im->f);
                r = file_data_store(&im->w, &im->f, 0, block, 1);
                if (r >= 0)
                        r = image_write_inode_extents(im->fs, ino, &in, &im->f);
                if (r < 0)
                        r = image_fail(im->err, r, "/%s: %s", im->path, image_strerror(r));
        }
        if (r >= 0)
                r = apply_xattrs(im, e, ino);
        if (r < 0)
                return r;
        im->st->symlinks++;
        return link_entry(im, parent, len, ino, EXT2_FT_SYMLINK);
}

static int import_special(struct importer *im, struct archive_entry *e, size_t len,
                          struct tree_node *parent, mode_t type)
{
        ext2_ino_t ino;
        int r = new_inode(im, false, &ino);
        if (r < 0)
                return r;
        union image_inode in;
        inode_from_entry(im, e, &in, type);
        if (type != S_IFIFO)
                image_inode_set_rdev(&in.large, archive_entry_rdev(e));
        r = write_inode(im, ino, &in);
        if (r >= 0)
                r = apply_xattrs(im, e, ino);
        if (r < 0)
                return r;
        uint8_t ftype = type == S_IFCHR ? EXT2_FT_CHRDEV :
                        type == S_IFBLK ? EXT2_FT_BLKDEV : EXT2_FT_FIFO;
        if (type == S_IFIFO)
                im->st->fifos++;
        else
                im->st->devices++;
        return link_entry(im, parent, len, ino, ftype);
}

static int import_hardlink(struct importer *im, const char *target_raw, size_t len,
                           struct tree_node *parent)
{
        _cleanup_free_ char *target = malloc(strlen(target_raw) + 1);
        if (!target)
                return image_fail(im->err, -ENOMEM, "out of memory");
        int tlen = tree_normalize(target_raw, target, strlen(target_raw) + 1);
        struct tree_node *t = tlen < 0 ? NULL : tree_lookup(&im->tree, target, (size_t)tlen);
        if (!t) {
                warn(im, "/%s: skipping hard link to missing %s", im->path, target_raw);
                im->st->skipped++;
                return 0;
        }
        if (t->dir)
                return image_fail(im->err, -EPERM, "/%s: hard link to a directory", im->path);
        struct tree_node *old = tree_lookup(&im->tree, im->path, len);
        if (old && old->ino == t->ino)
                return 0;

        union image_inode in;
        errcode_t e = ext2fs_read_inode_full(im->fs, t->ino, &in.small, im->isize);
        if (e)
                return image_fail_ext2(im->err, e, "/%s: hard link", im->path);
        if (in.large.i_links_count >= EXT2_LINK_MAX)
                return image_fail(im->err, -EMLINK, "/%s: too many hard links", im->path);
        in.large.i_links_count++;
        int r = write_inode(im, t->ino, &in);
        if (r < 0)
                return r;
        im->st->hardlinks++;
        return link_entry(im, parent, len, t->ino, t->ftype);
}

static int import_entry(struct importer *im, struct archive_entry *e)
{
        const char *raw = archive_entry_pathname(e);
        if (!raw) {
                warn(im, "skipping an entry whose name cannot be read");
                im->st->skipped++;
                return 0;
        }
        size_t need = strlen(raw) + 1;
        if (need > im->path_cap) {
                char *p = realloc(im->path, need);
                if (!p)
                        return image_fail(im->err, -ENOMEM, "out of memory");
                im->path = p;
                im->path_cap = need;
        }
        int n = tree_normalize(raw, im->path, im->path_cap);
        if (n == -EPERM) {
                warn(im, "%s: skipping a path with \"..\"", raw);
                im->st->skipped++;
                return 0;
        }
        if (n < 0)
                return image_fail(im->err, n, "%s: file name too long", raw);
        size_t len = (size_t)n;

        const char *hardlink = archive_entry_hardlink(e);
        mode_t type = archive_entry_filetype(e);
        if (!hardlink && type == AE_IFDIR)
                return import_dir(im, e, len);
        if (len == 0)
                return image_fail(im->err, -EINVAL, "archive has a non-directory as its root");
        if (!hardlink && type == AE_IFSOCK) {
                warn(im, "/%s: skipping socket", im->path);
                im->st->skipped++;
                return 0;
        }

        struct tree_node *parent;
        int r = parent_of(im, len, &parent);
        if (r < 0)
                return r;
        if (hardlink)
                return import_hardlink(im, hardlink, len, parent);
        switch (type) {
        case AE_IFREG:
                return import_file(im, e, len, parent);
        case AE_IFLNK:
                return import_symlink(im, e, len, parent);
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                return import_special(im, e, len, parent, type);
        default:
                warn(im, "/%s: skipping entry of unknown type 0%o", im->path, (unsigned)type);
                im->st->skipped++;
                return 0;
        }
}

/* The reason an archive read failed, as one line. */
static int archive_failure(struct importer *im, bool first)
{
        if (im->read_errno == EINTR || image_cancelled(im->o->cancel))
                return image_fail(im->err, -EINTR, "interrupted");
        if (im->read_errno)
                return image_fail(im->err, -im->read_errno, "reading input: %s",
                                  strerror(im->read_errno));
        const char *msg = archive_error_string(im->a);
        if (first)
                return image_fail(im->err, -EINVAL, "not a tar archive%s%s",
                                  msg ? ": " : "", msg ? msg : "");
        return image_fail(im->err, -EINVAL, "corrupt or truncated archive: %s",
                          msg ? msg : "unknown error");
}

static int open_archive(struct importer *im)
{
        im->a = archive_read_new();
        if (!im->a)
                return image_fail(im->err, -ENOMEM, "out of memory");
        /* Only the filters compiled into libarchive: the others would run external programs
         * on untrusted input. */
        archive_read_support_format_tar(im->a);
        archive_read_support_filter_gzip(im->a);
        archive_read_support_filter_bzip2(im->a);
        archive_read_support_filter_xz(im->a);
        archive_read_support_filter_lzma(im->a);
        archive_read_support_filter_zstd(im->a);
        archive_read_support_filter_lz4(im->a);
        if (archive_read_open(im->a, im, NULL, read_input, NULL) != ARCHIVE_OK)
                return archive_failure(im, true);
        return 0;
}

static int import_all(struct importer *im)
{
        int r = open_archive(im);
        if (r < 0)
                return r;
        struct archive_entry *e;
        for (;;) {
                if (image_cancelled(im->o->cancel))
                        return image_fail(im->err, -EINTR, "interrupted");
                int ar = archive_read_next_header(im->a, &e);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar == ARCHIVE_WARN) {
                        const char *msg = archive_error_string(im->a);
                        warn(im, "%s: %s", archive_entry_pathname(e) ? archive_entry_pathname(e) : "?",
                             msg ? msg : "warning");
                } else if (ar != ARCHIVE_OK) {
                        return archive_failure(im, im->st->entries == 0);
                }
                im->st->entries++;
                r = import_entry(im, e);
                if (r > 0)
                        return archive_failure(im, false);
                if (r < 0)
                        return r;
        }
        if (im->st->entries == 0)
                return image_fail(im->err, -ENOEXEC, "not a Linux distribution (the archive is empty)");
        return 0;
}

/* Registers what mke2fs made (lost+found) so the archive can reuse or extend it. */
static int adopt_mkfs_tree(struct importer *im)
{
        int r = tree_init(&im->tree, EXT2_ROOT_INO);
        if (r < 0)
                return image_fail(im->err, r, "out of memory");
        ext2_ino_t lf;
        if (ext2fs_lookup(im->fs, EXT2_ROOT_INO, "lost+found", 10, NULL, &lf) == 0) {
                struct tree_node *root = tree_lookup(&im->tree, "", 0);
                struct tree_node *n = tree_add(&im->tree, root, "lost+found", 10, lf, EXT2_FT_DIR);
                if (!n)
                        return image_fail(im->err, -ENOMEM, "out of memory");
                n->dir->has_blocks = true;
                n->dir->changed = false;
                root->dir->changed = false;
        }
        return 0;
}

static int build_image(struct importer *im, const char *tmp, int fd)
{
        errcode_t e = ext2fs_open2(tmp, NULL, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0,
                                   unix_io_manager, &im->fs);
        if (e)
                return image_fail_ext2(im->err, e, "opening new image");
        im->isize = EXT2_INODE_SIZE(im->fs->super);
        if ((size_t)im->isize > sizeof(union image_inode))
                return image_fail(im->err, -EINVAL, "unexpected inode size %d", im->isize);
        e = ext2fs_read_bitmaps(im->fs);
        if (e)
                return image_fail_ext2(im->err, e, "reading bitmaps of new image");
        im->ino_cursor = EXT2_FIRST_INO(im->fs->super);
        int r = data_writer_init(&im->w, im->fs, fd);
        if (r < 0)
                return image_fail(im->err, r, "out of memory");
        r = adopt_mkfs_tree(im);
        if (r < 0)
                return r;

        r = import_all(im);
        if (r < 0)
                return r;
        r = image_write_dirs(im->fs, &im->w, &im->tree, im->err);
        if (r < 0)
                return r;
        r = data_flush(&im->w);
        if (r < 0)
                return image_fail(im->err, r, "writing image: %s", strerror(-r));
        /* Writes the superblock, group descriptors and bitmaps, and fsyncs the file. */
        e = ext2fs_close2(im->fs, 0);
        im->fs = NULL;
        if (e)
                return image_fail_ext2(im->err, e, "writing image");
        return 0;
}

static int fsync_parent(const char *path)
{
        _cleanup_free_ char *dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        char *slash = strrchr(dir, '/');
        const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
        _cleanup_close_ int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

int lxs_image_import(int in_fd, const char *image_path, const struct lxs_import_opts *o,
                     struct lxs_import_stats *st, char **err)
{
        static const struct lxs_import_opts no_opts;
        struct lxs_import_stats local_st;
        o = o ? o : &no_opts;
        st = st ? st : &local_st;
        memset(st, 0, sizeof(*st));
        if (err)
                *err = NULL;

        if (access(image_path, F_OK) == 0)
                return image_fail(err, -EEXIST, "%s already exists", image_path);

        struct importer im = { .o = o, .st = st, .err = err, .in_fd = in_fd, .now = time(NULL) };
        struct stat sb;
        if (fstat(in_fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
                off_t pos = lseek(in_fd, 0, SEEK_CUR);
                im.in_total = (uint64_t)sb.st_size - (uint64_t)(pos > 0 ? pos : 0);
        }
        im.inbuf = malloc(INPUT_BUFFER);
        if (!im.inbuf)
                return image_fail(err, -ENOMEM, "out of memory");

        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.tmp-XXXXXX", image_path) < 0) {
                free(im.inbuf);
                return image_fail(err, -ENOMEM, "out of memory");
        }
        int r;
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                r = image_fail(err, -errno, "creating %s: %m", tmp);
                free(im.inbuf);
                return r;
        }
        uint64_t size = o->image_size ? o->image_size : LXS_IMAGE_DEFAULT_SIZE;
        if (fchmod(fd, 0600) < 0 || ftruncate(fd, (off_t)size) < 0)
                r = image_fail(err, -errno, "sizing %s: %m", tmp);
        else
                r = image_mkfs(tmp, size, err);
        if (r >= 0) {
                struct image_locale loc;
                image_locale_enter(&loc);
                r = build_image(&im, tmp, fd);
                if (im.a)
                        archive_read_free(TAKE_PTR(im.a));
                image_locale_leave(&loc);
        }
        if (r >= 0 && fsync(fd) < 0)
                r = image_fail(err, -errno, "syncing image: %m");
        if (r >= 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, image_path, RENAME_NOREPLACE) < 0)
                r = image_fail(err, -errno, "%s: %m", image_path);
        if (r >= 0)
                fsync_parent(image_path);

        if (im.fs)
                ext2fs_free(im.fs);
        if (im.a)
                archive_read_free(im.a);
        data_writer_free(&im.w);
        file_data_free(&im.f);
        tree_free(&im.tree);
        free(im.path);
        free(im.inbuf);
        if (r < 0)
                unlink(tmp);
        return r;
}
