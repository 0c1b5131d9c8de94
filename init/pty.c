/* Pseudo-terminal setup; see pty.h for the contract.
 *
 * The slave is opened from the master with TIOCGPTPEER, which needs no path lookup and cannot
 * be raced by another open of /dev/pts/N; ptsname is the fallback for kernels before 4.13. */
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int lxs_pty_resize(int master, unsigned rows, unsigned cols)
{
        if (rows > 0xffff || cols > 0xffff)
                return -EINVAL;
        struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
        if (ioctl(master, TIOCSWINSZ, &ws) < 0)
                return -errno;
        return 0;
}

int lxs_pty_open(unsigned rows, unsigned cols, int *master, int *slave)
{
        int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (m < 0)
                return -errno;
        return lxs_pty_open_master(m, rows, cols, master, slave);
}

int lxs_pty_open_master(int ptmx, unsigned rows, unsigned cols, int *master, int *slave)
{
        _cleanup_close_ int m = ptmx;
        if (unlockpt(m) < 0)
                return -errno;
        int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (s < 0) {
                char name[64];
                if (ptsname_r(m, name, sizeof(name)) != 0)
                        return -errno;
                s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
                if (s < 0)
                        return -errno;
        }
        if (rows && cols) {
                int r = lxs_pty_resize(m, rows, cols);
                if (r < 0) {
                        close(s);
                        return r;
                }
        }
        *slave = s;
        *master = TAKE_FD(m);
        return 0;
}

int lxs_pty_attach_child(int slave)
{
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return -errno;
        for (int fd = 0; fd <= 2; fd++)
                if (dup2(slave, fd) < 0)
                        return -errno;
        return 0;
}

int lxs_pty_eof_char(int master, unsigned char *c)
{
        struct termios t;
        if (tcgetattr(master, &t) < 0)
                return -errno;
        *c = t.c_cc[VEOF];
        return 0;
}
