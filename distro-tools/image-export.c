/* Export: an ext4 distro image out as a PAX tar, optionally compressed (contract in image.h).
 *
 * The image is read with libext2fs (no mount, no VM): the tree is walked from the root in
 * name order, so exports of the same image are identical. File data is read with large
 * pread()s of the extents straight from the image file; only metadata goes through libext2fs.
 *
 * Sparse files are written as GNU PAX 1.0 sparse members when their holes add up to at least
 * SPARSE_MIN_HOLES; smaller holes are written as zeros, which any tar reader understands.
 * An empty lost+found at the top (mke2fs made it, the archive rarely had it) is left out. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image-internal.h"

#define READ_BUFFER (1u << 20)
#define SPARSE_MIN_HOLES (1u << 20)

struct link_slot {
        ext2_ino_t ino;
        char *path;
};

struct child {
        char *name;
        ext2_ino_t ino;
};

struct exporter {
        ext2_filsys fs;
        int fd;
        int isize;
        struct archive *a;
        struct archive_entry *entry;
        const struct lxs_export_opts *o;
        struct lxs_export_stats *st;
        char **err;
        int out_fd;
        int write_errno;
        uint8_t *buf;
        uint64_t read_bytes;
        char *path;
        size_t path_len, path_cap;
        struct link_slot *links;        /* inodes with more than one name, by inode */
        size_t n_links, cap_links;
        struct extent_run *runs;
        size_t n_runs, cap_runs;
};

static const uint8_t zeros[64 * 1024];

static void warn(struct exporter *ex, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct exporter *ex, const char *fmt, ...)
{
        if (!ex->o->warn)
                return;
        va_list ap;
        va_start(ap, fmt);
        char *msg = NULL;
        if (vasprintf(&msg, fmt, ap) >= 0) {
                ex->o->warn(ex->o->ctx, msg);
                free(msg);
        }
        va_end(ap);
}

static la_ssize_t write_output(struct archive *a, void *ctx, const void *buf, size_t len)
{
        struct exporter *ex = ctx;
        const uint8_t *p = buf;
        size_t left = len;
        while (left) {
                ssize_t n = write(ex->out_fd, p, left);
                if (n < 0 && errno == EINTR && !image_cancelled(ex->o->cancel))
                        continue;
                if (n < 0) {
                        ex->write_errno = errno;
                        archive_set_error(a, errno, "write error: %s", strerror(errno));
                        return -1;
                }
                p += n;
                left -= (size_t)n;
        }
        ex->st->output_bytes += len;
        return (la_ssize_t)len;
}

static int archive_failure(struct exporter *ex, const char *what)
{
        if (ex->write_errno == EINTR || image_cancelled(ex->o->cancel))
                return image_fail(ex->err, -EINTR, "interrupted");
        if (ex->write_errno)
                return image_fail(ex->err, -ex->write_errno, "writing output: %s",
                                  strerror(ex->write_errno));
        const char *msg = archive_error_string(ex->a);
        return image_fail(ex->err, -EIO, "%s: %s", what, msg ? msg : "archive error");
}

/* --- hard links: the first path of every inode with several names --- */

static const char *link_lookup(struct exporter *ex, ext2_ino_t ino)
{
        if (!ex->cap_links)
                return NULL;
        for (size_t i = (ino * 2654435761u) & (ex->cap_links - 1);; i = (i + 1) & (ex->cap_links - 1)) {
                if (ex->links[i].ino == ino)
                        return ex->links[i].path;
                if (!ex->links[i].ino)
                        return NULL;
        }
}

static int link_insert(struct exporter *ex, ext2_ino_t ino, const char *path)
{
        if ((ex->n_links + 1) * 2 > ex->cap_links) {
                size_t cap = ex->cap_links ? ex->cap_links * 2 : 1024;
                struct link_slot *s = calloc(cap, sizeof(*s));
                if (!s)
                        return -ENOMEM;
                for (size_t i = 0; i < ex->cap_links; i++) {
                        if (!ex->links[i].ino)
                                continue;
                        size_t j = (ex->links[i].ino * 2654435761u) & (cap - 1);
                        while (s[j].ino)
                                j = (j + 1) & (cap - 1);
                        s[j] = ex->links[i];
                }
                free(ex->links);
                ex->links = s;
                ex->cap_links = cap;
        }
        size_t i = (ino * 2654435761u) & (ex->cap_links - 1);
        while (ex->links[i].ino)
                i = (i + 1) & (ex->cap_links - 1);
        ex->links[i].path = strdup(path);
        if (!ex->links[i].path)
                return -ENOMEM;
        ex->links[i].ino = ino;
        ex->n_links++;
        return 0;
}

/* --- inode contents --- */

static int collect_runs(struct exporter *ex, ext2_ino_t ino, union image_inode *in)
{
        ex->n_runs = 0;
        ext2_extent_handle_t h;
        errcode_t e = ext2fs_extent_open2(ex->fs, ino, &in->small, &h);
        if (e)
                return image_fail_ext2(ex->err, e, "%s: reading extents", ex->path);
        struct ext2fs_extent x;
        for (e = ext2fs_extent_get(h, EXT2_EXTENT_ROOT, &x); !e;
             e = ext2fs_extent_get(h, EXT2_EXTENT_NEXT, &x)) {
                if (!(x.e_flags & EXT2_EXTENT_FLAGS_LEAF) || (x.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT))
                        continue;
                if (x.e_flags & EXT2_EXTENT_FLAGS_UNINIT)
                        continue;       /* allocated but unwritten: reads as zeros */
                if (ex->n_runs && ex->runs[ex->n_runs - 1].lblk + ex->runs[ex->n_runs - 1].len == x.e_lblk &&
                    ex->runs[ex->n_runs - 1].pblk + ex->runs[ex->n_runs - 1].len == x.e_pblk &&
                    ex->runs[ex->n_runs - 1].len <= UINT32_MAX - x.e_len) {
                        ex->runs[ex->n_runs - 1].len += x.e_len;
                        continue;
                }
                if (ex->n_runs == ex->cap_runs) {
                        size_t cap = ex->cap_runs ? ex->cap_runs * 2 : 64;
                        struct extent_run *r = realloc(ex->runs, cap * sizeof(*r));
                        if (!r) {
                                ext2fs_extent_free(h);
                                return image_fail(ex->err, -ENOMEM, "out of memory");
                        }
                        ex->runs = r;
                        ex->cap_runs = cap;
                }
                ex->runs[ex->n_runs++] = (struct extent_run){ x.e_lblk, x.e_pblk, x.e_len };
        }
        ext2fs_extent_free(h);
        if (e != EXT2_ET_EXTENT_NO_NEXT)
                return image_fail_ext2(ex->err, e, "%s: reading extents", ex->path);
        return 0;
}

static int put_data(struct exporter *ex, const void *p, size_t len)
{
        if (archive_write_data(ex->a, p, len) < 0)
                return archive_failure(ex, ex->path);
        return 0;
}

static int put_zeros(struct exporter *ex, uint64_t len)
{
        while (len) {
                size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
                int r = put_data(ex, zeros, n);
                if (r < 0)
                        return r;
                len -= n;
        }
        return 0;
}

static int pread_all(int fd, uint8_t *p, size_t len, off_t off)
{
        while (len) {
                ssize_t n = pread(fd, p, len, off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO;    /* the image is shorter than its file system */
                p += n;
                len -= (size_t)n;
                off += n;
        }
        return 0;
}

/* Streams the file from its extents; holes are passed as zeros (a sparse member skips them). */
static int put_extent_data(struct exporter *ex, uint64_t size)
{
        unsigned bs = ex->fs->blocksize;
        uint64_t pos = 0;
        for (size_t i = 0; i < ex->n_runs && pos < size; i++) {
                uint64_t start = ex->runs[i].lblk * bs, len = (uint64_t)ex->runs[i].len * bs;
                if (start >= size)
                        break;
                if (start + len > size)
                        len = size - start;
                int r = put_zeros(ex, start - pos);
                if (r < 0)
                        return r;
                off_t off = (off_t)(ex->runs[i].pblk * bs);
                while (len) {
                        if (image_cancelled(ex->o->cancel))
                                return image_fail(ex->err, -EINTR, "interrupted");
                        size_t n = len < READ_BUFFER ? (size_t)len : READ_BUFFER;
                        r = pread_all(ex->fd, ex->buf, n, off);
                        if (r < 0)
                                return image_fail(ex->err, r, "reading image: %s", strerror(-r));
                        r = put_data(ex, ex->buf, n);
                        if (r < 0)
                                return r;
                        ex->read_bytes += n;
                        if (ex->o->progress)
                                ex->o->progress(ex->o->ctx, ex->read_bytes, 0);
                        off += (off_t)n;
                        len -= n;
                }
                pos = start + (uint64_t)ex->runs[i].len * bs;
        }
        return pos < size ? put_zeros(ex, size - pos) : 0;
}

/* Block-mapped or inline-data files (not written by lxs, but a guest may have converted). */
static int put_generic_data(struct exporter *ex, ext2_ino_t ino, union image_inode *in)
{
        ext2_file_t file;
        errcode_t e = ext2fs_file_open2(ex->fs, ino, &in->small, 0, &file);
        if (e)
                return image_fail_ext2(ex->err, e, "%s: opening", ex->path);
        int r = 0;
        for (;;) {
                unsigned got = 0;
                e = ext2fs_file_read(file, ex->buf, READ_BUFFER, &got);
                if (e) {
                        r = image_fail_ext2(ex->err, e, "%s: reading", ex->path);
                        break;
                }
                if (!got)
                        break;
                r = put_data(ex, ex->buf, got);
                if (r < 0)
                        break;
                ex->read_bytes += got;
        }
        ext2fs_file_close(file);
        return r;
}

static int read_symlink(struct exporter *ex, ext2_ino_t ino, union image_inode *in, char **target)
{
        uint64_t size = image_inode_size(&in->large);
        if (size == 0 || size >= ex->fs->blocksize)
                return image_fail(ex->err, -EUCLEAN, "%s: corrupt symlink", ex->path);
        char *t = calloc(1, ex->fs->blocksize + 1);
        if (!t)
                return image_fail(ex->err, -ENOMEM, "out of memory");
        errcode_t e = 0;
        if (in->large.i_flags & EXT4_INLINE_DATA_FL) {
                size_t got = 0;
                e = ext2fs_inline_data_get(ex->fs, ino, &in->small, t, &got);
        } else if (ext2fs_is_fast_symlink(&in->small)) {
                memcpy(t, in->large.i_block, size);
        } else {
                blk64_t pblk = 0;
                e = ext2fs_bmap2(ex->fs, ino, &in->small, NULL, 0, 0, NULL, &pblk);
                if (!e && !pblk)
                        e = EXT2_ET_BAD_BLOCK_NUM;
                if (!e)
                        e = io_channel_read_blk64(ex->fs->io, pblk, 1, t);
        }
        if (e) {
                free(t);
                return image_fail_ext2(ex->err, e, "%s: reading symlink", ex->path);
        }
        t[size] = '\0';
        *target = t;
        return 0;
}

static int xattr_add(char *name, char *value, size_t len, void *data)
{
        struct exporter *ex = data;
        /* Inline data is file content that libext2fs presents as an attribute. */
        if (strcmp(name, "system.data") != 0)
                archive_entry_xattr_add_entry(ex->entry, name, value, len);
        return 0;
}

static bool has_xattrs(struct exporter *ex, union image_inode *in)
{
        if (ext2fs_file_acl_block(ex->fs, &in->small))
                return true;
        size_t off = EXT2_GOOD_OLD_INODE_SIZE + in->large.i_extra_isize;
        if (ex->isize <= EXT2_GOOD_OLD_INODE_SIZE || off + 4 > (size_t)ex->isize)
                return false;
        uint32_t magic;
        memcpy(&magic, in->raw + off, 4);
        return ext2fs_le32_to_cpu(magic) == EXT2_EXT_ATTR_MAGIC;
}

static int add_xattrs(struct exporter *ex, ext2_ino_t ino, union image_inode *in)
{
        if (!has_xattrs(ex, in))
                return 0;
        struct ext2_xattr_handle *h = NULL;
        errcode_t e = ext2fs_xattrs_open(ex->fs, ino, &h);
        if (!e)
                e = ext2fs_xattrs_read(h);
        if (!e)
                e = ext2fs_xattrs_iterate(h, xattr_add, ex);
        if (h)
                ext2fs_xattrs_close(&h);
        return e ? image_fail_ext2(ex->err, e, "%s: extended attributes", ex->path) : 0;
}

/* --- entries --- */

static int export_inode(struct exporter *ex, ext2_ino_t ino, union image_inode *in)
{
        struct ext2_inode_large *l = &in->large;
        mode_t type = l->i_mode & S_IFMT;
        struct archive_entry *e = ex->entry;
        _cleanup_free_ char *target = NULL;
        int r;

        if (type == S_IFSOCK) {
                warn(ex, "%s: skipping socket", ex->path);
                ex->st->skipped++;
                return 0;
        }
        archive_entry_clear(e);
        archive_entry_copy_pathname(e, ex->path);
        archive_entry_set_mode(e, l->i_mode);
        archive_entry_set_uid(e, image_inode_uid(l));
        archive_entry_set_gid(e, image_inode_gid(l));
        long ns = 0;
        int64_t sec = image_time_decode(l->i_mtime, ex->isize > EXT2_GOOD_OLD_INODE_SIZE ?
                                        l->i_mtime_extra : 0, &ns);
        archive_entry_set_mtime(e, sec, ns);

        if (type != S_IFDIR && l->i_links_count > 1) {
                const char *first = link_lookup(ex, ino);
                if (first) {
                        archive_entry_copy_hardlink(e, first);
                        archive_entry_set_size(e, 0);
                        if (archive_write_header(ex->a, e) < ARCHIVE_WARN)
                                return archive_failure(ex, ex->path);
                        ex->st->entries++;
                        return 0;
                }
                if (link_insert(ex, ino, ex->path) < 0)
                        return image_fail(ex->err, -ENOMEM, "out of memory");
        }

        uint64_t size = 0;
        bool extents = false;
        switch (type) {
        case S_IFREG: {
                size = image_inode_size(l);
                archive_entry_set_size(e, (la_int64_t)size);
                extents = (l->i_flags & EXT4_EXTENTS_FL) && !(l->i_flags & EXT4_INLINE_DATA_FL);
                if (!extents)
                        break;
                r = collect_runs(ex, ino, in);
                if (r < 0)
                        return r;
                uint64_t data = 0, bs = ex->fs->blocksize;
                for (size_t i = 0; i < ex->n_runs; i++) {
                        uint64_t s = ex->runs[i].lblk * bs, end = s + ex->runs[i].len * bs;
                        if (s < size)
                                data += (end < size ? end : size) - s;
                }
                if (size - data >= SPARSE_MIN_HOLES) {
                        for (size_t i = 0; i < ex->n_runs; i++) {
                                uint64_t s = ex->runs[i].lblk * bs, len = ex->runs[i].len * bs;
                                if (s >= size)
                                        break;
                                if (s + len > size)
                                        len = size - s;
                                archive_entry_sparse_add_entry(e, (la_int64_t)s, (la_int64_t)len);
                        }
                        /* An empty last segment marks a trailing hole, as GNU tar writes it. */
                        archive_entry_sparse_add_entry(e, (la_int64_t)size, 0);
                }
                break;
        }
        case S_IFDIR:
                break;
        case S_IFLNK:
                r = read_symlink(ex, ino, in, &target);
                if (r < 0)
                        return r;
                archive_entry_copy_symlink(e, target);
                break;
        case S_IFCHR:
        case S_IFBLK:
                archive_entry_set_rdev(e, image_inode_rdev(l));
                break;
        case S_IFIFO:
                break;
        default:
                warn(ex, "%s: skipping inode of unknown type 0%o", ex->path, (unsigned)type);
                ex->st->skipped++;
                return 0;
        }

        r = add_xattrs(ex, ino, in);
        if (r < 0)
                return r;
        if (archive_write_header(ex->a, e) < ARCHIVE_WARN)
                return archive_failure(ex, ex->path);
        ex->st->entries++;
        if (type == S_IFREG && size) {
                r = extents ? put_extent_data(ex, size) : put_generic_data(ex, ino, in);
                if (r < 0)
                        return r;
                ex->st->data_bytes += size;
        }
        return 0;
}

struct children {
        struct child *v;
        size_t n, cap;
        bool failed;
};

static int collect_child(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset,
                         int blocksize, char *buf, void *priv)
{
        struct children *c = priv;
        size_t len = (size_t)ext2fs_dirent_name_len(d);
        if ((len == 1 && d->name[0] == '.') || (len == 2 && d->name[0] == '.' && d->name[1] == '.'))
                return 0;
        if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 32;
                struct child *v = realloc(c->v, cap * sizeof(*v));
                if (!v) {
                        c->failed = true;
                        return DIRENT_ABORT;
                }
                c->v = v;
                c->cap = cap;
        }
        c->v[c->n].name = strndup(d->name, len);
        if (!c->v[c->n].name) {
                c->failed = true;
                return DIRENT_ABORT;
        }
        c->v[c->n++].ino = d->inode;
        return 0;
}

static int child_cmp(const void *a, const void *b)
{
        return strcmp(((const struct child *)a)->name, ((const struct child *)b)->name);
}

static void children_free(struct children *c)
{
        for (size_t i = 0; i < c->n; i++)
                free(c->v[i].name);
        free(c->v);
        memset(c, 0, sizeof(*c));
}

/* Lists a directory (without "." and ".."). */
static errcode_t list_dir(struct exporter *ex, ext2_ino_t dir, struct children *c)
{
        memset(c, 0, sizeof(*c));
        errcode_t e = ext2fs_dir_iterate2(ex->fs, dir, 0, NULL, collect_child, c);
        if (!e && c->failed)
                e = EXT2_ET_NO_MEMORY;
        return e;
}

static int path_push(struct exporter *ex, const char *name)
{
        size_t len = strlen(name);
        if (ex->path_len + len + 2 > ex->path_cap) {
                size_t cap = (ex->path_len + len + 2) * 2;
                char *p = realloc(ex->path, cap);
                if (!p)
                        return -ENOMEM;
                ex->path = p;
                ex->path_cap = cap;
        }
        ex->path[ex->path_len] = '/';
        memcpy(ex->path + ex->path_len + 1, name, len + 1);
        ex->path_len += len + 1;
        return 0;
}

static bool dir_is_empty(struct exporter *ex, ext2_ino_t ino)
{
        struct children c;
        errcode_t e = list_dir(ex, ino, &c);
        bool empty = !e && c.n == 0;
        children_free(&c);
        return empty;
}

static int export_dir(struct exporter *ex, ext2_ino_t dir, unsigned depth)
{
        struct children c;
        errcode_t e = list_dir(ex, dir, &c);
        if (e) {
                children_free(&c);
                return image_fail_ext2(ex->err, e, "%s: reading directory", ex->path);
        }
        if (c.n)
                qsort(c.v, c.n, sizeof(*c.v), child_cmp);

        size_t base = ex->path_len;
        int r = 0;
        for (size_t i = 0; i < c.n && r >= 0; i++) {
                if (image_cancelled(ex->o->cancel)) {
                        r = image_fail(ex->err, -EINTR, "interrupted");
                        break;
                }
                if (depth == 0 && strcmp(c.v[i].name, "lost+found") == 0 &&
                    dir_is_empty(ex, c.v[i].ino))
                        continue;
                if (path_push(ex, c.v[i].name) < 0) {
                        r = image_fail(ex->err, -ENOMEM, "out of memory");
                        break;
                }
                union image_inode in;
                e = ext2fs_read_inode_full(ex->fs, c.v[i].ino, &in.small, ex->isize);
                if (e)
                        r = image_fail_ext2(ex->err, e, "%s: reading inode", ex->path);
                if (r >= 0)
                        r = export_inode(ex, c.v[i].ino, &in);
                if (r >= 0 && (in.large.i_mode & S_IFMT) == S_IFDIR)
                        r = export_dir(ex, c.v[i].ino, depth + 1);
                ex->path_len = base;
                ex->path[base] = '\0';
        }
        children_free(&c);
        return r;
}

static int setup_writer(struct exporter *ex, enum lxs_export_format f)
{
        struct archive *a = archive_write_new();
        if (!a)
                return image_fail(ex->err, -ENOMEM, "out of memory");
        ex->a = a;
        /* Full pax: an extended header only where needed, including sub-second mtimes. */
        archive_write_set_format_pax(a);
        /* Only the SCHILY.xattr records GNU tar knows, not also LIBARCHIVE.xattr ones it warns
         * about for every file (libarchive >= 3.7; older versions reject the option and write
         * both). */
        archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY");
        int r = ARCHIVE_OK;
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        char threads[24];
        snprintf(threads, sizeof(threads), "%ld", cpus > 0 ? cpus : 1);
        switch (f) {
        case LXS_EXPORT_TAR:
                break;
        case LXS_EXPORT_TAR_GZ:
                r = archive_write_add_filter_gzip(a);
                break;
        case LXS_EXPORT_TAR_XZ:
                r = archive_write_add_filter_xz(a);
                if (r == ARCHIVE_OK)
                        archive_write_set_filter_option(a, "xz", "threads", threads);
                break;
        case LXS_EXPORT_TAR_ZST:
                r = archive_write_add_filter_zstd(a);
                if (r == ARCHIVE_OK)
                        archive_write_set_filter_option(a, "zstd", "threads", threads);
                break;
        case LXS_EXPORT_TAR_BZ2:
                r = archive_write_add_filter_bzip2(a);
                break;
        case LXS_EXPORT_VHD:
                return image_fail(ex->err, -EINVAL, "internal: vhd is not a tar format");
        }
        if (r != ARCHIVE_OK)
                return archive_failure(ex, "setting up compression");
        /* Fewer, larger writes; no padding of the last block. */
        archive_write_set_bytes_per_block(a, 256 * 1024);
        archive_write_set_bytes_in_last_block(a, 1);
        if (archive_write_open(a, ex, NULL, write_output, NULL) != ARCHIVE_OK)
                return archive_failure(ex, "opening output");
        return 0;
}

static int export_tar(struct exporter *ex, enum lxs_export_format f)
{
        int r = setup_writer(ex, f);
        if (r < 0)
                return r;
        ex->entry = archive_entry_new();
        ex->buf = malloc(READ_BUFFER);
        ex->path = malloc(256);
        if (!ex->entry || !ex->buf || !ex->path)
                return image_fail(ex->err, -ENOMEM, "out of memory");
        ex->path_cap = 256;
        strcpy(ex->path, ".");
        ex->path_len = 1;

        union image_inode root;
        errcode_t e = ext2fs_read_inode_full(ex->fs, EXT2_ROOT_INO, &root.small, ex->isize);
        if (e)
                return image_fail_ext2(ex->err, e, "reading the root directory");
        strcpy(ex->path, "./");
        r = export_inode(ex, EXT2_ROOT_INO, &root);
        strcpy(ex->path, ".");
        if (r >= 0)
                r = export_dir(ex, EXT2_ROOT_INO, 0);
        if (r < 0)
                return r;
        if (archive_write_close(ex->a) != ARCHIVE_OK)
                return archive_failure(ex, "finishing archive");
        return 0;
}

static void exporter_free(struct exporter *ex)
{
        if (ex->a)
                archive_write_free(ex->a);
        if (ex->entry)
                archive_entry_free(ex->entry);
        for (size_t i = 0; i < ex->cap_links; i++)
                free(ex->links[i].path);
        free(ex->links);
        free(ex->runs);
        free(ex->buf);
        free(ex->path);
        if (ex->fs)
                ext2fs_close_free(&ex->fs);
}

int lxs_image_export(const char *image_path, int out_fd, enum lxs_export_format f,
                     const struct lxs_export_opts *o, struct lxs_export_stats *st, char **err)
{
        static const struct lxs_export_opts no_opts;
        struct lxs_export_stats local_st;
        o = o ? o : &no_opts;
        st = st ? st : &local_st;
        memset(st, 0, sizeof(*st));
        if (err)
                *err = NULL;

        _cleanup_close_ int fd = open(image_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return image_fail(err, -errno, "%s: %m", image_path);
        if (f == LXS_EXPORT_VHD)
                return image_copy_sparse(fd, out_fd, o, st, err);

        struct exporter ex = { .o = o, .st = st, .err = err, .out_fd = out_fd, .fd = fd };
        errcode_t e = ext2fs_open2(image_path, NULL, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &ex.fs);
        if (e) {
                int r = image_fail_ext2(err, e, "%s: not an ext4 image", image_path);
                exporter_free(&ex);
                return r;
        }
        int r = 0;
        if (ext2fs_has_feature_journal_needs_recovery(ex.fs->super))
                r = image_fail(err, -EBUSY, "%s: the file system journal needs recovery (is the "
                               "distro running, or was it not shut down cleanly?)", image_path);
        ex.isize = EXT2_INODE_SIZE(ex.fs->super);
        if (r >= 0 && (size_t)ex.isize > sizeof(union image_inode))
                r = image_fail(err, -EINVAL, "%s: unsupported inode size %d", image_path, ex.isize);
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        struct image_locale loc;
        image_locale_enter(&loc);
        if (r >= 0)
                r = export_tar(&ex, f);
        exporter_free(&ex);
        image_locale_leave(&loc);
        return r;
}

int lxs_export_format_parse(const char *name, enum lxs_export_format *f)
{
        static const struct {
                const char *name;
                enum lxs_export_format f;
        } names[] = {
                { "tar", LXS_EXPORT_TAR },         { "tar.gz", LXS_EXPORT_TAR_GZ },
                { "tgz", LXS_EXPORT_TAR_GZ },      { "tar.xz", LXS_EXPORT_TAR_XZ },
                { "txz", LXS_EXPORT_TAR_XZ },      { "tar.zst", LXS_EXPORT_TAR_ZST },
                { "tzst", LXS_EXPORT_TAR_ZST },    { "tar.bz2", LXS_EXPORT_TAR_BZ2 },
                { "vhd", LXS_EXPORT_VHD },
        };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(names); i++)
                if (strcmp(name, names[i].name) == 0) {
                        *f = names[i].f;
                        return 0;
                }
        return -EINVAL;
}

enum lxs_export_format lxs_export_format_from_name(const char *path)
{
        static const struct {
                const char *suffix;
                enum lxs_export_format f;
        } suffixes[] = {
                { ".tar.gz", LXS_EXPORT_TAR_GZ },  { ".tgz", LXS_EXPORT_TAR_GZ },
                { ".tar.xz", LXS_EXPORT_TAR_XZ },  { ".txz", LXS_EXPORT_TAR_XZ },
                { ".tar.zst", LXS_EXPORT_TAR_ZST }, { ".tzst", LXS_EXPORT_TAR_ZST },
                { ".tar.bz2", LXS_EXPORT_TAR_BZ2 }, { ".vhd", LXS_EXPORT_VHD },
                { ".img", LXS_EXPORT_VHD },
        };
        size_t len = strlen(path);
        for (size_t i = 0; i < LXS_ARRAY_SIZE(suffixes); i++) {
                size_t sl = strlen(suffixes[i].suffix);
                if (len >= sl && strcmp(path + len - sl, suffixes[i].suffix) == 0)
                        return suffixes[i].f;
        }
        return LXS_EXPORT_TAR;
}
