/* The host view end to end: the real lxs-9p-server serves a scratch directory over a
 * socketpair, the view mounts it at another, and ordinary syscalls through the mount are
 * compared with what the backing directory shows through the real filesystem. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../check.h"
#include "fuse-test-util.h"
#include "fuse-view.h"

#define TEST "test-fuse-view"

static char backing[] = "/tmp/lxs-fv-back.XXXXXX";
static char mnt[] = "/tmp/lxs-fv-mnt.XXXXXX";

static const char *M(const char *name)
{
        static _Thread_local char buf[4][512];
        static _Thread_local int i;
        i = (i + 1) % 4;
        snprintf(buf[i], sizeof(buf[i]), "%s/%s", mnt, name);
        return buf[i];
}

static const char *B(const char *name)
{
        static _Thread_local char buf[4][512];
        static _Thread_local int i;
        i = (i + 1) % 4;
        snprintf(buf[i], sizeof(buf[i]), "%s/%s", backing, name);
        return buf[i];
}

static ssize_t read_file(const char *path, char *buf, size_t cap)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, cap);
        close(fd);
        return n;
}

static int write_file(const char *path, int flags, mode_t mode, const char *data)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC | flags, mode);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, data, strlen(data));
        close(fd);
        return n == (ssize_t)strlen(data) ? 0 : -1;
}

static void test_files(void)
{
        char buf[256];
        CHECK_EQ_INT(write_file(M("a.txt"), O_CREAT | O_EXCL, 0640, "hello"), 0);
        struct stat st;
        CHECK_EQ_INT(stat(B("a.txt"), &st), 0);
        CHECK_EQ_INT(st.st_mode & 07777, 0640 & ~0022);  /* the test's own umask applies */
        CHECK_EQ_INT(st.st_size, 5);
        CHECK_EQ_INT(read_file(M("a.txt"), buf, sizeof(buf)), 5);
        CHECK(memcmp(buf, "hello", 5) == 0);

        /* append */
        CHECK_EQ_INT(write_file(M("a.txt"), O_APPEND, 0, " world"), 0);
        CHECK_EQ_INT(read_file(B("a.txt"), buf, sizeof(buf)), 11);
        CHECK(memcmp(buf, "hello world", 11) == 0);

        /* overwrite in the middle, then read back through the mount */
        int fd = open(M("a.txt"), O_RDWR | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK_EQ_INT(pwrite(fd, "W", 1, 6), 1);
        CHECK_EQ_INT(pread(fd, buf, sizeof(buf), 0), 11);
        CHECK(memcmp(buf, "hello World", 11) == 0);
        CHECK_EQ_INT(fsync(fd), 0);
        /* ftruncate goes through the open file */
        CHECK_EQ_INT(ftruncate(fd, 8), 0);
        close(fd);
        CHECK_EQ_INT(stat(B("a.txt"), &st), 0);
        CHECK_EQ_INT(st.st_size, 8);

        /* truncate by path, grow and shrink */
        CHECK_EQ_INT(truncate(M("a.txt"), 3), 0);
        CHECK_EQ_INT(stat(B("a.txt"), &st), 0);
        CHECK_EQ_INT(st.st_size, 3);
        CHECK_EQ_INT(truncate(M("a.txt"), 100), 0);
        CHECK_EQ_INT(stat(M("a.txt"), &st), 0);
        CHECK_EQ_INT(st.st_size, 100);

        /* chmod */
        CHECK_EQ_INT(chmod(M("a.txt"), 0600), 0);
        CHECK_EQ_INT(stat(B("a.txt"), &st), 0);
        CHECK_EQ_INT(st.st_mode & 07777, 0600);
        CHECK_EQ_INT(stat(M("a.txt"), &st), 0);
        CHECK_EQ_INT(st.st_mode & 07777, 0600);

        /* utimes with explicit times and with NOW */
        struct timespec ts[2] = { { 1000000, 5 }, { 2000000, 7 } };
        CHECK_EQ_INT(utimensat(AT_FDCWD, M("a.txt"), ts, 0), 0);
        CHECK_EQ_INT(stat(B("a.txt"), &st), 0);
        CHECK_EQ_INT(st.st_mtim.tv_sec, 2000000);
        CHECK_EQ_INT(st.st_atim.tv_sec, 1000000);
        CHECK_EQ_INT(utimensat(AT_FDCWD, M("a.txt"), NULL, 0), 0);
        CHECK_EQ_INT(stat(B("a.txt"), &st), 0);
        CHECK(st.st_mtim.tv_sec > 2000000);

        /* rename, delete */
        CHECK_EQ_INT(rename(M("a.txt"), M("b.txt")), 0);
        CHECK_EQ_INT(access(B("a.txt"), F_OK), -1);
        CHECK_EQ_INT(access(B("b.txt"), F_OK), 0);
        CHECK_EQ_INT(access(M("a.txt"), F_OK), -1);
        CHECK_EQ_INT(renameat2(AT_FDCWD, M("b.txt"), AT_FDCWD, M("c.txt"), RENAME_NOREPLACE), -1);
        CHECK_EQ_INT(errno, EINVAL);
        CHECK_EQ_INT(unlink(M("b.txt")), 0);
        CHECK_EQ_INT(access(B("b.txt"), F_OK), -1);
        CHECK_EQ_INT(unlink(M("b.txt")), -1);
        CHECK_EQ_INT(errno, ENOENT);

        /* a file made on the other side shows up */
        CHECK_EQ_INT(write_file(B("from-guest"), O_CREAT, 0644, "guest data"), 0);
        CHECK_EQ_INT(read_file(M("from-guest"), buf, sizeof(buf)), 10);
        CHECK(memcmp(buf, "guest data", 10) == 0);
}

static void test_names(void)
{
        char buf[256];
        struct stat st, bst;
        /* symlink + readlink */
        CHECK_EQ_INT(symlink("some/target", M("link")), 0);
        ssize_t n = readlink(M("link"), buf, sizeof(buf));
        CHECK_EQ_INT(n, 11);
        CHECK(n == 11 && memcmp(buf, "some/target", 11) == 0);
        n = readlink(B("link"), buf, sizeof(buf));
        CHECK(n == 11 && memcmp(buf, "some/target", 11) == 0);
        CHECK_EQ_INT(lstat(M("link"), &st), 0);
        CHECK(S_ISLNK(st.st_mode));
        /* a link to a file in the view is followed by the kernel, not by the server */
        CHECK_EQ_INT(write_file(M("real"), O_CREAT, 0644, "real!"), 0);
        CHECK_EQ_INT(symlink("real", M("rel")), 0);
        CHECK_EQ_INT(read_file(M("rel"), buf, sizeof(buf)), 5);

        /* Targets the guest wrote are confined to the view: `/` is the view's root and `..`
         * stops there, so following a link never lands on a host file. */
        CHECK_EQ_INT(mkdir(B("sub"), 0755), 0);
        CHECK_EQ_INT(symlink("/real", B("sub/abs")), 0);
        n = readlink(M("sub/abs"), buf, sizeof(buf));
        CHECK(n == 7 && memcmp(buf, "../real", 7) == 0);
        CHECK_EQ_INT(read_file(M("sub/abs"), buf, sizeof(buf)), 5);
        CHECK_EQ_INT(symlink("../../../../../../../real", B("sub/climb")), 0);
        CHECK_EQ_INT(read_file(M("sub/climb"), buf, sizeof(buf)), 5);
        CHECK_EQ_INT(symlink("/planted-by-guest", B("sub/plant")), 0);
        CHECK_EQ_INT(write_file(M("sub/plant"), O_CREAT, 0644, "x"), 0);
        CHECK_EQ_INT(access(B("planted-by-guest"), F_OK), 0);
        CHECK_EQ_INT(access("/planted-by-guest", F_OK), -1);
        /* A hard link to the same symlink higher up gets the target for its own depth. */
        CHECK_EQ_INT(link(B("sub/abs"), B("abs-up")), 0);
        n = readlink(M("abs-up"), buf, sizeof(buf));
        CHECK(n == 4 && memcmp(buf, "real", 4) == 0);
        n = readlink(M("sub/abs"), buf, sizeof(buf));
        CHECK(n == 7 && memcmp(buf, "../real", 7) == 0);

        /* hard link */
        CHECK_EQ_INT(link(M("real"), M("hard")), 0);
        CHECK_EQ_INT(stat(M("hard"), &st), 0);
        CHECK_EQ_INT(st.st_nlink, 2);
        CHECK_EQ_INT(stat(B("hard"), &bst), 0);
        CHECK_EQ_INT(stat(B("real"), &st), 0);
        CHECK_EQ_INT(st.st_ino, bst.st_ino);

        /* mkdir / rmdir, nested */
        CHECK_EQ_INT(mkdir(M("d"), 0750), 0);
        CHECK_EQ_INT(stat(B("d"), &st), 0);
        CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750);
        CHECK_EQ_INT(mkdir(M("d/e"), 0755), 0);
        CHECK_EQ_INT(write_file(M("d/e/f"), O_CREAT, 0644, "deep"), 0);
        CHECK_EQ_INT(read_file(B("d/e/f"), buf, sizeof(buf)), 4);
        CHECK_EQ_INT(rmdir(M("d")), -1);
        CHECK_EQ_INT(errno, ENOTEMPTY);
        /* a directory renamed keeps working through the fids held for it */
        CHECK_EQ_INT(rename(M("d"), M("d2")), 0);
        CHECK_EQ_INT(read_file(M("d2/e/f"), buf, sizeof(buf)), 4);
        CHECK_EQ_INT(unlink(M("d2/e/f")), 0);
        CHECK_EQ_INT(rmdir(M("d2/e")), 0);
        CHECK_EQ_INT(rmdir(M("d2")), 0);
        CHECK_EQ_INT(access(B("d2"), F_OK), -1);

        /* fifo through mknod */
        CHECK_EQ_INT(mkfifo(M("fifo"), 0600), 0);
        CHECK_EQ_INT(stat(B("fifo"), &st), 0);
        CHECK(S_ISFIFO(st.st_mode));
        CHECK_EQ_INT(mknod(M("dev"), S_IFCHR | 0600, makedev(1, 3)), -1);

        /* a unicode name */
        const char *uni = "h\xc3\xa9llo-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x90\xa7.txt";
        CHECK_EQ_INT(write_file(M(uni), O_CREAT, 0644, "unicode"), 0);
        CHECK_EQ_INT(read_file(B(uni), buf, sizeof(buf)), 7);
        DIR *d = opendir(mnt);
        int seen = 0;
        struct dirent *de;
        while (d && (de = readdir(d)))
                seen += strcmp(de->d_name, uni) == 0;
        if (d)
                closedir(d);
        CHECK_EQ_INT(seen, 1);

        struct statvfs sv;
        CHECK_EQ_INT(statvfs(mnt, &sv), 0);
        CHECK(sv.f_blocks > 0 && sv.f_namemax >= 255);
}

#define DIR_ENTRIES 2000

static void test_readdir(void)
{
        CHECK_EQ_INT(mkdir(B("many"), 0755), 0);
        char name[64];
        for (int i = 0; i < DIR_ENTRIES; i++) {
                snprintf(name, sizeof(name), "many/entry-with-a-longish-name-%05d", i);
                int fd = open(B(name), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
                CHECK(fd >= 0);
                close(fd);
        }
        static unsigned char seen[DIR_ENTRIES];
        memset(seen, 0, sizeof(seen));
        DIR *d = opendir(M("many"));
        CHECK(d != NULL);
        int count = 0, dots = 0;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                int i;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
                        dots++;
                } else if (sscanf(de->d_name, "entry-with-a-longish-name-%d", &i) == 1 && i >= 0 &&
                           i < DIR_ENTRIES && !seen[i]) {
                        seen[i] = 1;
                        count++;
                        CHECK_EQ_INT(de->d_type, DT_REG);
                } else {
                        CHECK(!"unexpected or repeated entry");
                }
        }
        CHECK_EQ_INT(count, DIR_ENTRIES);
        CHECK_EQ_INT(dots, 2);
        /* rewinddir lists it all again; seekdir to a telldir goes back to that entry (the view
         * buffers a listing: both must leave that buffer). */
        if (d) {
                rewinddir(d);
                int again = 0;
                long mark = -1;
                char marked[256] = "";
                while ((de = readdir(d))) {
                        if (++again == 1500) {
                                mark = telldir(d);
                                de = readdir(d);
                                if (!de)
                                        break;
                                snprintf(marked, sizeof(marked), "%s", de->d_name);
                                again++;
                        }
                }
                CHECK_EQ_INT(again, DIR_ENTRIES + 2);
                CHECK(mark >= 0);
                seekdir(d, mark);
                de = readdir(d);
                CHECK(de && strcmp(de->d_name, marked) == 0);
                closedir(d);
        }
        /* and stat every one of them (lookups through the node table) */
        int ok = 0;
        for (int i = 0; i < DIR_ENTRIES; i += 7) {
                struct stat st;
                snprintf(name, sizeof(name), "many/entry-with-a-longish-name-%05d", i);
                ok += stat(M(name), &st) == 0 && S_ISREG(st.st_mode);
        }
        CHECK_EQ_INT(ok, (DIR_ENTRIES + 6) / 7);
}

/* A reader that the view reads ahead for sees what another open file wrote behind it (the
 * view drops data read ahead before a write). O_DIRECT keeps the kernel's page cache out of
 * the way, so every read reaches the view (and it works: the guest never sees the flag). */
static void test_read_ahead_after_write(void)
{
        enum { SIZE = 4 << 20, CHUNK = 64 << 10 };
        char *data = malloc(SIZE);
        for (size_t i = 0; i < SIZE; i++)
                data[i] = (char)(i * 13 + i / 4096);
        int fd = open(B("ra"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        CHECK(fd >= 0 && write(fd, data, SIZE) == SIZE);
        close(fd);
        void *buf = NULL, *patch = NULL;
        CHECK(posix_memalign(&buf, 4096, CHUNK) == 0 && posix_memalign(&patch, 4096, 4096) == 0);
        memset(patch, 'W', 4096);
        int rd = open(M("ra"), O_RDONLY | O_DIRECT | O_CLOEXEC);
        int wr = open(M("ra"), O_WRONLY | O_DIRECT | O_CLOEXEC);
        CHECK(rd >= 0 && wr >= 0);
        /* The first reads start the read-ahead over the next megabytes. */
        CHECK_EQ_INT(pread(rd, buf, CHUNK, 0), CHUNK);
        CHECK(memcmp(buf, data, CHUNK) == 0);
        CHECK_EQ_INT(pwrite(wr, patch, 4096, (1 << 20) + 4096), 4096);
        memcpy(data + (1 << 20) + 4096, patch, 4096);
        int same = 1;
        for (off_t off = CHUNK; off < SIZE; off += CHUNK)
                same &= pread(rd, buf, CHUNK, off) == CHUNK && memcmp(buf, data + off, CHUNK) == 0;
        CHECK(same);
        CHECK_EQ_INT(close(wr), 0);
        close(rd);
        free(buf);
        free(patch);
        free(data);
        unlink(B("ra"));
}

static void test_sparse(void)
{
        const off_t at = 5ll << 30;
        int fd = open(M("sparse"), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        CHECK_EQ_INT(pwrite(fd, "tail", 4, at), 4);
        char buf[8] = { 1, 1, 1, 1 };
        CHECK_EQ_INT(pread(fd, buf, 4, at), 4);
        CHECK(memcmp(buf, "tail", 4) == 0);
        CHECK_EQ_INT(pread(fd, buf, 4, 1ll << 30), 4);
        CHECK(memcmp(buf, "\0\0\0\0", 4) == 0);
        CHECK_EQ_INT(pread(fd, buf, 8, at + 2), 2);
        struct stat st;
        CHECK_EQ_INT(fstat(fd, &st), 0);
        CHECK_EQ_INT(st.st_size, at + 4);
        close(fd);
        CHECK_EQ_INT(stat(B("sparse"), &st), 0);
        CHECK_EQ_INT(st.st_size, at + 4);
        CHECK(st.st_blocks < 1024);  /* still sparse on the other side */
        CHECK_EQ_INT(unlink(M("sparse")), 0);
}

/* ---- two writers at once, then a byte-for-byte comparison ---- */

#define WRITER_BYTES (16u << 20)
#define WRITER_CHUNK (256u << 10)

struct writer {
        const char *name;
        unsigned seed;
        int ok;
};

static void fill_pattern(unsigned char *buf, size_t len, unsigned seed, size_t at)
{
        for (size_t i = 0; i < len; i++)
                buf[i] = (unsigned char)((at + i) * 2654435761u >> 13 ^ seed);
}

static void *writer_thread(void *arg)
{
        struct writer *w = arg;
        unsigned char *buf = malloc(WRITER_CHUNK);
        int fd = open(M(w->name), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
        w->ok = fd >= 0 && buf;
        for (size_t at = 0; w->ok && at < WRITER_BYTES; at += WRITER_CHUNK) {
                fill_pattern(buf, WRITER_CHUNK, w->seed, at);
                w->ok = write(fd, buf, WRITER_CHUNK) == (ssize_t)WRITER_CHUNK;
        }
        if (fd >= 0)
                w->ok = close(fd) == 0 && w->ok;
        free(buf);
        return NULL;
}

static int same_content(const char *a, const char *b)
{
        int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
        size_t cap = 1 << 20;
        unsigned char *ba = malloc(cap), *bb = malloc(cap);
        int same = fa >= 0 && fb >= 0 && ba && bb;
        while (same) {
                ssize_t na = read(fa, ba, cap), nb = read(fb, bb, cap);
                if (na != nb || na < 0 || memcmp(ba, bb, (size_t)na) != 0)
                        same = 0;
                if (na <= 0)
                        break;
        }
        if (fa >= 0)
                close(fa);
        if (fb >= 0)
                close(fb);
        free(ba);
        free(bb);
        return same;
}

static void test_concurrent_writers(void)
{
        struct writer w[2] = { { "w0", 0x11, 0 }, { "w1", 0x5a, 0 } };
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
                CHECK_EQ_INT(pthread_create(&t[i], NULL, writer_thread, &w[i]), 0);
        for (int i = 0; i < 2; i++)
                pthread_join(t[i], NULL);
        for (int i = 0; i < 2; i++) {
                CHECK(w[i].ok);
                struct stat st;
                CHECK_EQ_INT(stat(B(w[i].name), &st), 0);
                CHECK_EQ_INT(st.st_size, WRITER_BYTES);
                CHECK(same_content(M(w[i].name), B(w[i].name)));
                /* and the backing file holds exactly the pattern */
                unsigned char *expect = malloc(WRITER_BYTES), *got = malloc(WRITER_BYTES);
                fill_pattern(expect, WRITER_BYTES, w[i].seed, 0);
                int fd = open(B(w[i].name), O_RDONLY | O_CLOEXEC);
                size_t have = 0;
                ssize_t n;
                while (fd >= 0 && have < WRITER_BYTES && (n = read(fd, got + have, WRITER_BYTES - have)) > 0)
                        have += (size_t)n;
                if (fd >= 0)
                        close(fd);
                CHECK(have == WRITER_BYTES && memcmp(expect, got, WRITER_BYTES) == 0);
                free(expect);
                free(got);
        }
}

int main(void)
{
        fuse_test_require(TEST);
        signal(SIGPIPE, SIG_IGN);
        alarm(300);  /* a hang is a failure, not a stuck ctest */
        umask(0022);
        if (!mkdtemp(backing) || !mkdtemp(mnt)) {
                perror("mkdtemp");
                return 1;
        }
        pid_t pid = -1;
        int fd = fuse_test_start_server(LXS_9P_SERVER_PATH, backing, &pid);
        CHECK(fd >= 0);
        struct lxs_fuse_view *view = NULL;
        int r = lxs_fuse_view_start(mnt, fd, NULL, &view);
        if (r == -EPERM || r == -EACCES) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                fuse_test_rm_tree(backing);
                rmdir(mnt);
                fuse_test_skip(TEST, "mounting FUSE is not permitted here");
        }
        CHECK_EQ_INT(r, 0);
        if (r == 0) {
                CHECK_EQ_INT(fuse_test_mounted(mnt), 1);
                test_files();
                test_names();
                test_readdir();
                test_sparse();
                test_read_ahead_after_write();
                test_concurrent_writers();
                struct lxs_fuse_view_stats s;
                lxs_fuse_view_get_stats(view, &s);
                fprintf(stderr, "%s: largest read %llu, largest write %llu, nodes %llu\n", TEST,
                        (unsigned long long)s.largest_read, (unsigned long long)s.largest_write,
                        (unsigned long long)s.nodes);
                CHECK(s.largest_write >= WRITER_CHUNK);
                CHECK(!lxs_fuse_view_dead(view));
                CHECK_EQ_INT(lxs_fuse_view_stop(view), 0);
                CHECK_EQ_INT(fuse_test_mounted(mnt), 0);
        }
        /* The server sees EOF and exits cleanly. */
        int st = 0;
        CHECK_EQ_INT(waitpid(pid, &st, 0), pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        fuse_test_rm_tree(backing);
        rmdir(mnt);
        return check_result(TEST);
}
