/* Raw mode and window size of the caller's terminal (terminal.h). */
#include "terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

void lxs_terminal_restore(struct lxs_terminal *t)
{
        if (t->raw) {
                tcsetattr(STDIN_FILENO, TCSADRAIN, &t->saved);
                t->raw = false;
        }
}

void lxs_terminal_enter_raw(struct lxs_terminal *t)
{
        if (tcgetattr(STDIN_FILENO, &t->saved) < 0)
                return;
        struct termios raw = t->saved;
        cfmakeraw(&raw);
        if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
                t->raw = true;
}

void lxs_terminal_size(uint32_t *rows, uint32_t *cols)
{
        struct winsize ws;
        *rows = 24;
        *cols = 80;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
                *rows = ws.ws_row;
                *cols = ws.ws_col;
        }
}
