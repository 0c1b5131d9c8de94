/* lxs-9p-server [DIR]: serves DIR (default "/") as 9P2000.L on stdin/stdout until EOF.
 *
 * Run by the guest's /init inside a distro's container as the distro's default user; stdin and
 * stdout are the relayed byte stream to the host's FUSE mount. Stdout carries protocol only:
 * it is moved aside at start and fd 1 points at stderr, so no stray print can corrupt the
 * stream. A failure is reported on stderr once; exit status 0 on EOF, 1 otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cleanup.h"
#include "p9-server.h"

static void fail(const char *what, int err)
{
        fprintf(stderr, "lxs-9p-server: %s: %s\n", what, strerror(err));
}

/* Every fid holds a descriptor; allow as many as the hard limit permits. */
static void raise_fd_limit(void)
{
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void)setrlimit(RLIMIT_NOFILE, &rl);
        }
}

int main(int argc, char **argv)
{
        if (argc > 2) {
                fprintf(stderr, "usage: lxs-9p-server [DIR]\n");
                return 1;
        }
        const char *root = argc == 2 ? argv[1] : "/";
        /* A closed peer must end the loop with EPIPE, not kill us without a word. */
        signal(SIGPIPE, SIG_IGN);
        raise_fd_limit();

        _cleanup_close_ int out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
                fail("stdout", errno);
                return 1;
        }
        _cleanup_close_ int dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) {
                fail(root, errno);
                return 1;
        }
        struct lxs_p9_server *s = lxs_p9_server_new(dir, NULL);
        if (!s) {
                fail(root, errno);
                return 1;
        }
        int r = lxs_p9_server_serve(s, STDIN_FILENO, out);
        lxs_p9_server_free(s);
        if (r < 0) {
                fail("serve", -r);
                return 1;
        }
        return 0;
}
