/* Read-only looks into a distro image with libext2fs; see image-inspect.h. */
#include "image-inspect.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <errno.h>
#include <ext2fs/ext2fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"

static void ext2fs_closep(ext2_filsys *fs)
{
        if (*fs)
                ext2fs_close_free(fs);
}

static int fail(char **err, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char **err, int r, const char *fmt, ...)
{
        if (err) {
                va_list ap;
                va_start(ap, fmt);
                if (vasprintf(err, fmt, ap) < 0)
                        *err = NULL;
                va_end(ap);
        }
        return r;
}

static int open_image(const char *image, ext2_filsys *fs, char **err)
{
        errcode_t e = ext2fs_open2(image, NULL, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, fs);
        if (e) {
                *fs = NULL;
                if (e == ENOENT || e == EACCES)
                        return fail(err, -(int)e, "%s: %s", image, strerror((int)e));
                return fail(err, -EINVAL, "%s: not an ext4 image", image);
        }
        return 0;
}

/* Resolves path inside the image, following symlinks (ext2fs_namei_follow treats absolute
 * targets as relative to the image's root). */
static int resolve(ext2_filsys fs, const char *path, ext2_ino_t *ino, struct ext2_inode *inode)
{
        errcode_t e = ext2fs_namei_follow(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, ino);
        if (e)
                return -ENOENT;
        if (ext2fs_read_inode(fs, *ino, inode))
                return -EIO;
        return 0;
}

static int read_file(ext2_filsys fs, const char *path, size_t max, char **out)
{
        ext2_ino_t ino;
        struct ext2_inode inode;
        int r = resolve(fs, path, &ino, &inode);
        if (r < 0)
                return r;
        if (LINUX_S_ISDIR(inode.i_mode))
                return -EISDIR;
        if (!LINUX_S_ISREG(inode.i_mode))
                return -EINVAL;
        ext2_file_t file;
        if (ext2fs_file_open(fs, ino, 0, &file))
                return -EIO;
        _cleanup_free_ char *buf = malloc(max + 1);
        unsigned got = 0;
        errcode_t e = 0;
        while (buf && got < max) {
                unsigned n = 0;
                e = ext2fs_file_read(file, buf + got, (unsigned)(max - got), &n);
                if (e || n == 0)
                        break;
                got += n;
        }
        ext2fs_file_close(file);
        if (!buf)
                return -ENOMEM;
        if (e)
                return -EIO;
        buf[got] = '\0';
        *out = TAKE_PTR(buf);
        return 0;
}

int lxs_image_read_file(const char *image, const char *path, size_t max, char **out, char **err)
{
        _cleanup_(ext2fs_closep) ext2_filsys fs = NULL;
        int r = open_image(image, &fs, err);
        if (r < 0)
                return r;
        r = read_file(fs, path, max, out);
        if (r < 0)
                return fail(err, r, "%s: %s", path, strerror(-r));
        return 0;
}

int lxs_image_check_distro(const char *image, char **err)
{
        _cleanup_(ext2fs_closep) ext2_filsys fs = NULL;
        int r = open_image(image, &fs, err);
        if (r < 0)
                return r;
        ext2_ino_t ino;
        struct ext2_inode inode;
        if (resolve(fs, "etc", &ino, &inode) < 0 || !LINUX_S_ISDIR(inode.i_mode))
                return fail(err, -ENOEXEC, "not a Linux distribution (no /etc)");
        if (resolve(fs, "bin/sh", &ino, &inode) < 0 || !LINUX_S_ISREG(inode.i_mode) || !(inode.i_mode & 0111))
                return fail(err, -ENOEXEC, "not a Linux distribution (no /bin/sh)");
        return 0;
}

int lxs_image_lookup_user(const char *image, const char *user, unsigned *uid, char **err)
{
        _cleanup_free_ char *passwd = NULL;
        int r = lxs_image_read_file(image, "etc/passwd", 1 << 20, &passwd, err);
        if (r < 0)
                return r;
        bool numeric = *user && strspn(user, "0123456789") == strlen(user);
        for (char *line = strtok(passwd, "\n"); line; line = strtok(NULL, "\n")) {
                /* name:x:uid:gid:gecos:home:shell */
                char *fields[3] = { 0 };
                char *p = line;
                for (int i = 0; i < 3 && p; i++) {
                        fields[i] = p;
                        p = strchr(p, ':');
                        if (p)
                                *p++ = '\0';
                }
                if (!fields[2] || !isdigit((unsigned char)fields[2][0]))
                        continue;
                char *end;
                unsigned long v = strtoul(fields[2], &end, 10);
                if (*end != '\0' || v > 0xfffffffeUL)
                        continue;
                if (numeric ? v == strtoul(user, NULL, 10) : strcmp(fields[0], user) == 0) {
                        *uid = (unsigned)v;
                        return 0;
                }
        }
        if (numeric) {
                /* A uid with no passwd entry is still a uid, as `su` would see it. */
                *uid = (unsigned)strtoul(user, NULL, 10);
                return 0;
        }
        return fail(err, -ENOENT, "%s: no such user in the distro's /etc/passwd", user);
}
