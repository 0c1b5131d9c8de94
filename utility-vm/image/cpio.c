/* newc cpio writer; see cpio.h. */
#include "cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"

enum { NEWC_HEADER_LEN = 110, COPY_CHUNK = 64 * 1024 };

void lxs_cpio_init(struct lxs_cpio *c, FILE *out)
{
        *c = (struct lxs_cpio){ .out = out, .offset = 0, .next_ino = 1 };
}

void lxs_cpio_done(struct lxs_cpio *c)
{
        for (size_t i = 0; i < c->n_dirs; i++)
                free(c->dirs[i]);
        free(c->dirs);
        c->dirs = NULL;
        c->n_dirs = 0;
}

static int put(struct lxs_cpio *c, const void *data, size_t len)
{
        if (len && fwrite(data, 1, len, c->out) != len)
                return -EIO;
        c->offset += len;
        return 0;
}

static int pad4(struct lxs_cpio *c)
{
        static const char zeros[4];
        return put(c, zeros, (4 - c->offset % 4) % 4);
}

/* Header plus name (archive paths have no leading '/'), padded. */
static int write_header(struct lxs_cpio *c, const char *name, mode_t mode, size_t size,
                        unsigned rmajor, unsigned rminor)
{
        if (size > UINT32_MAX)
                return -EFBIG;
        unsigned nlink = S_ISDIR(mode) ? 2 : 1;
        size_t namesize = strlen(name) + 1;
        char header[NEWC_HEADER_LEN + 1];
        int n = snprintf(header, sizeof(header),
                         "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
                         c->next_ino++, (unsigned)mode, 0u, 0u, nlink, 0u, (unsigned)size,
                         0u, 0u, rmajor, rminor, namesize, 0u);
        if (n != NEWC_HEADER_LEN)
                return -EINVAL;
        int r = put(c, header, NEWC_HEADER_LEN);
        if (r == 0)
                r = put(c, name, namesize);
        return r < 0 ? r : pad4(c);
}

static const char *archive_name(const char *path)
{
        while (*path == '/')
                path++;
        return path;
}

static bool dir_emitted(const struct lxs_cpio *c, const char *dir, size_t len)
{
        for (size_t i = 0; i < c->n_dirs; i++)
                if (strlen(c->dirs[i]) == len && memcmp(c->dirs[i], dir, len) == 0)
                        return true;
        return false;
}

static int emit_dir(struct lxs_cpio *c, const char *dir, size_t len, mode_t perm)
{
        if (dir_emitted(c, dir, len))
                return 0;
        _cleanup_free_ char *name = strndup(dir, len);
        if (!name)
                return -ENOMEM;
        char **dirs = realloc(c->dirs, (c->n_dirs + 1) * sizeof(*dirs));
        if (!dirs)
                return -ENOMEM;
        c->dirs = dirs;
        int r = write_header(c, name, S_IFDIR | perm, 0, 0, 0);
        if (r < 0)
                return r;
        c->dirs[c->n_dirs++] = TAKE_PTR(name);
        return 0;
}

/* Emits every missing ancestor directory of name. */
static int emit_parents(struct lxs_cpio *c, const char *name)
{
        for (const char *slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/')) {
                int r = emit_dir(c, name, (size_t)(slash - name), 0755);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int begin_entry(struct lxs_cpio *c, const char *path, const char **name)
{
        *name = archive_name(path);
        if (!**name || strstr(*name, "//") || (*name)[strlen(*name) - 1] == '/')
                return -EINVAL;
        return emit_parents(c, *name);
}

int lxs_cpio_add_dir(struct lxs_cpio *c, const char *path, mode_t perm)
{
        const char *name;
        int r = begin_entry(c, path, &name);
        if (r < 0)
                return r;
        return emit_dir(c, name, strlen(name), perm & 07777);
}

int lxs_cpio_add_file(struct lxs_cpio *c, const char *path, mode_t perm, const void *data, size_t len)
{
        const char *name;
        int r = begin_entry(c, path, &name);
        if (r < 0)
                return r;
        r = write_header(c, name, S_IFREG | (perm & 07777), len, 0, 0);
        if (r < 0)
                return r;
        r = put(c, data, len);
        return r < 0 ? r : pad4(c);
}

int lxs_cpio_add_file_from(struct lxs_cpio *c, const char *path, mode_t perm, const char *src)
{
        struct stat st;
        _cleanup_close_ int fd = lxs_open_regular(src, &st);
        if (fd < 0)
                return fd;
        const char *name;
        int r = begin_entry(c, path, &name);
        if (r < 0)
                return r;
        r = write_header(c, name, S_IFREG | (perm & 07777), (size_t)st.st_size, 0, 0);
        if (r < 0)
                return r;
        _cleanup_free_ char *buf = malloc(COPY_CHUNK);
        if (!buf)
                return -ENOMEM;
        off_t left = st.st_size;
        while (left > 0) {
                ssize_t n = read(fd, buf, COPY_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO;    /* shrank while we copied: header would lie */
                if (n > left)
                        n = (ssize_t)left;
                r = put(c, buf, (size_t)n);
                if (r < 0)
                        return r;
                left -= n;
        }
        return pad4(c);
}

int lxs_cpio_add_symlink(struct lxs_cpio *c, const char *path, const char *target)
{
        const char *name;
        int r = begin_entry(c, path, &name);
        if (r < 0)
                return r;
        size_t len = strlen(target);
        /* The link target is the entry's data, without a terminating NUL. */
        r = write_header(c, name, S_IFLNK | 0777, len, 0, 0);
        if (r < 0)
                return r;
        r = put(c, target, len);
        return r < 0 ? r : pad4(c);
}

int lxs_cpio_add_device(struct lxs_cpio *c, const char *path, mode_t type, mode_t perm,
                        unsigned major, unsigned minor)
{
        if (type != S_IFCHR && type != S_IFBLK)
                return -EINVAL;
        const char *name;
        int r = begin_entry(c, path, &name);
        if (r < 0)
                return r;
        return write_header(c, name, type | (perm & 07777), 0, major, minor);
}

int lxs_cpio_finish(struct lxs_cpio *c)
{
        int r = write_header(c, "TRAILER!!!", 0, 0, 0, 0);
        lxs_cpio_done(c);
        if (r < 0)
                return r;
        if (fflush(c->out) != 0 || ferror(c->out))
                return -EIO;
        return 0;
}
