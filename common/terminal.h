/* The caller's terminal for a relayed command (the lxs CLI on the host, lxs-host in a distro):
 * raw mode while the remote side owns the terminal, the saved modes back on every exit path,
 * and the window size to send. Nothing prints. */
#ifndef LXS_TERMINAL_H
#define LXS_TERMINAL_H

#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

struct lxs_terminal {
        struct termios saved;
        bool raw;             /* stdin is in raw mode and `saved` holds what to restore */
};

/* Puts stdin into raw mode; does nothing if it is not a terminal. */
void lxs_terminal_enter_raw(struct lxs_terminal *t);
/* Restores the modes saved by lxs_terminal_enter_raw; safe to call again. */
void lxs_terminal_restore(struct lxs_terminal *t);
/* stdout's window size, 24x80 when it has none. */
void lxs_terminal_size(uint32_t *rows, uint32_t *cols);

#endif
