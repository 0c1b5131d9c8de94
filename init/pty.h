/* Pseudo-terminals for tty sessions. Return 0 or negative errno; nothing prints. */
#ifndef LXS_INIT_PTY_H
#define LXS_INIT_PTY_H

/* Opens a master (non-blocking, close-on-exec) and its slave (close-on-exec, for the child),
 * with the window size set when rows and cols are non-zero. */
int lxs_pty_open(unsigned rows, unsigned cols, int *master, int *slave);

/* The same with a master already opened (non-blocking, close-on-exec) from some devpts
 * instance's ptmx, such as a distro's; takes ownership of ptmx. The slave belongs to the same
 * instance, so inside that distro it is /dev/pts/N. */
int lxs_pty_open_master(int ptmx, unsigned rows, unsigned cols, int *master, int *slave);

/* Sets the window size; the kernel sends SIGWINCH to the terminal's foreground group.
 * -EINVAL when a dimension does not fit the terminal's 16 bits. */
int lxs_pty_resize(int master, unsigned rows, unsigned cols);

/* Child side: makes the slave the controlling terminal of the (new) session and its stdio. */
int lxs_pty_attach_child(int slave);

/* The terminal's end-of-file character (VEOF), as the line discipline currently has it. */
int lxs_pty_eof_char(int master, unsigned char *c);

#endif
