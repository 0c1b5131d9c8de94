/* The real lxs-9p-server binary (argv[1]) serving a scratch directory over a socketpair: a
 * session of a few operations, a clean exit on EOF, and a failing exit on a stream cut
 * inside a message. Then over two pipes, as /init runs it, where large writes and reads are
 * spliced: whole, in part buffered, to an O_APPEND file (not spliced), and failing half way. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../check.h"
#include "p9-test-client.h"

static char dir[] = "/tmp/lxs-p9-prog.XXXXXX";

/* Starts the server on one end of a socketpair; returns our end. */
static int start(const char *prog, pid_t *pid)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -1;
        *pid = fork();
        if (*pid == 0) {
                dup2(sv[1], 0);
                dup2(sv[1], 1);
                execl(prog, prog, dir, (char *)NULL);
                _exit(127);
        }
        close(sv[1]);
        return sv[0];
}

/* Starts the server on two pipes, with pipe buffers as large as /init gives it. */
static void start_pipes(const char *prog, pid_t *pid, int *to, int *from)
{
        int in[2], out[2];
        CHECK(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
        fcntl(in[1], F_SETPIPE_SZ, 1 << 20);
        fcntl(out[1], F_SETPIPE_SZ, 1 << 20);
        *pid = fork();
        if (*pid == 0) {
                dup2(in[0], 0);
                dup2(out[1], 1);
                execl(prog, prog, dir, (char *)NULL);
                _exit(127);
        }
        close(in[0]);
        close(out[1]);
        *to = in[1];
        *from = out[0];
}

static int wait_status(pid_t pid)
{
        int st;
        if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
                return -1;
        return WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: test-p9-program LXS-9P-SERVER\n");
                return 2;
        }
        signal(SIGPIPE, SIG_IGN);
        CHECK(mkdtemp(dir) != NULL);
        pid_t pid;
        int fd = start(argv[1], &pid);
        CHECK(fd >= 0);

        struct tclient c;
        tclient_init(&c, NULL, fd, fd);
        CHECK_EQ_INT(t_version(&c, 65536 + 24, "9P2000.L"), 0);
        CHECK_EQ_INT(c.reply.u.version.msize, 65536 + 24);
        CHECK_EQ_INT(t_attach(&c, 0), 0);
        CHECK_EQ_INT(t_walk(&c, 0, 1, ""), 0);
        CHECK_EQ_INT(t_lcreate(&c, 1, "greeting", LXS_P9_O_RDWR, 0644), 0);
        CHECK_EQ_INT(t_write(&c, 1, 0, "hello from 9P", 13), 13);
        CHECK_EQ_INT(t_fidop(&c, LXS_P9_TCLUNK, 1), 0);
        CHECK_EQ_INT(t_walk(&c, 0, 2, "greeting"), 0);
        CHECK_EQ_INT(t_getattr(&c, 2), 0);
        CHECK_EQ_INT(c.reply.u.rgetattr.size, 13);
        CHECK_EQ_INT(t_lopen(&c, 2, LXS_P9_O_RDONLY), 0);
        CHECK_EQ_INT(t_read(&c, 2, 6, 64), 7);
        CHECK(memcmp(c.reply.u.rdata.data.ptr, "from 9P", 7) == 0);
        CHECK_EQ_INT(t_walk(&c, 0, 3, "nope"), -ENOENT);
        CHECK_EQ_INT(t_fidop(&c, LXS_P9_TSTATFS, 0), 0);

        /* The file is really there. */
        char path[128];
        snprintf(path, sizeof(path), "%s/greeting", dir);
        struct stat st;
        CHECK_EQ_INT(stat(path, &st), 0);
        CHECK_EQ_INT(st.st_size, 13);

        /* EOF between messages: a clean exit. */
        shutdown(fd, SHUT_WR);
        char extra;
        CHECK_EQ_INT(read(fd, &extra, 1), 0);  /* nothing but replies on stdout */
        CHECK_EQ_INT(wait_status(pid), 0);
        close(fd);
        tclient_free(&c);

        /* EOF inside a message: a failure. */
        fd = start(argv[1], &pid);
        CHECK_EQ_INT(write(fd, "\x20\0\0\0\x64", 5), 5);
        shutdown(fd, SHUT_WR);
        CHECK_EQ_INT(wait_status(pid), 1);
        close(fd);

        /* Over pipes: big writes and reads take the spliced paths. */
        enum { BIG = 1 << 20 };
        uint8_t *data = malloc(BIG), *back = malloc(BIG);
        for (size_t i = 0; i < BIG; i++)
                data[i] = (uint8_t)(i * 7 + i / 4096);
        int to, from;
        start_pipes(argv[1], &pid, &to, &from);
        tclient_init(&c, NULL, to, from);
        CHECK_EQ_INT(t_version(&c, LXS_P9_MSIZE_MAX, "9P2000.L"), 0);
        CHECK_EQ_INT(t_attach(&c, 0), 0);
        CHECK_EQ_INT(t_walk(&c, 0, 1, ""), 0);
        CHECK_EQ_INT(t_lcreate(&c, 1, "big", LXS_P9_O_RDWR, 0644), 0);
        CHECK_EQ_INT(t_write(&c, 1, 0, data, BIG), BIG);
        CHECK_EQ_INT(t_write(&c, 1, 5, data + 100, 300000), 300000);
        CHECK_EQ_INT(t_write(&c, 1, BIG - 10, data, 20), 20);
        memcpy(back, data, BIG);
        memmove(back + 5, data + 100, 300000);
        memcpy(back + BIG - 10, data, 10);
        CHECK_EQ_INT(t_read(&c, 1, 0, BIG), BIG);
        CHECK(c.reply.u.rdata.data.len == BIG && memcmp(c.reply.u.rdata.data.ptr, back, BIG) == 0);
        CHECK_EQ_INT(t_read(&c, 1, BIG - 10, BIG), 20);
        CHECK(memcmp(c.reply.u.rdata.data.ptr, data, 10) == 0);
        CHECK_EQ_INT(t_read(&c, 1, BIG + 10, BIG), 0);
        /* O_APPEND: written the ordinary way, at the end whatever the offset. */
        CHECK_EQ_INT(t_walk(&c, 0, 2, "big"), 0);
        CHECK_EQ_INT(t_lopen(&c, 2, LXS_P9_O_WRONLY | LXS_P9_O_APPEND), 0);
        CHECK_EQ_INT(t_write(&c, 2, 0, data, 200000), 200000);
        /* Read-only: the write fails whole, and the stream stays in step. */
        CHECK_EQ_INT(t_walk(&c, 0, 3, "big"), 0);
        CHECK_EQ_INT(t_lopen(&c, 3, LXS_P9_O_RDONLY), 0);
        CHECK_EQ_INT(t_write(&c, 3, 0, data, 200000), -EBADF);
        CHECK_EQ_INT(t_getattr(&c, 1), 0);
        CHECK_EQ_INT(c.reply.u.rgetattr.size, BIG + 10 + 200000);
        close(to);
        CHECK_EQ_INT(wait_status(pid), 0);
        close(from);
        tclient_free(&c);
        snprintf(path, sizeof(path), "%s/big", dir);
        int big = open(path, O_RDONLY | O_CLOEXEC);
        CHECK(big >= 0 && pread(big, back, BIG, BIG + 10) == 200000 && memcmp(back, data, 200000) == 0);
        close(big);
        unlink(path);
        free(data);
        free(back);

        snprintf(path, sizeof(path), "%s/greeting", dir);
        unlink(path);
        rmdir(dir);
        return check_result("test-p9-program");
}
