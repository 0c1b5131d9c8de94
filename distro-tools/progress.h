/* A one-line progress bar on stderr for long imports and exports: bytes, percent when the
 * total is known, and rate. It draws only when stderr is a terminal (nothing in logs or pipes)
 * and at most every 100 ms. This is the one piece of lxs-distro that prints, so it lives in
 * its own library (lxs-progress) that only programs link. */
#ifndef LXS_DISTRO_PROGRESS_H
#define LXS_DISTRO_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct lxs_progress {
        int fd;
        bool enabled;
        bool drawn;
        const char *label;
        uint64_t start_ns, last_ns;
};

/* label: a short word shown first ("import"). enabled when fd is a terminal. */
void lxs_progress_init(struct lxs_progress *p, int fd, const char *label);
/* done/total in bytes; total 0 = unknown. Matches lxs_image_progress_fn with ctx = p. */
void lxs_progress_update(void *p, uint64_t done, uint64_t total);
/* Clears the line so the next message starts clean. */
void lxs_progress_finish(struct lxs_progress *p);

/* Formats a byte count as "12.3 MiB" into buf; returns buf. */
char *lxs_format_bytes(uint64_t bytes, char *buf, unsigned size);
/* Formats the bar line (without "\r") into buf; exposed for tests. */
void lxs_progress_format(char *buf, unsigned size, const char *label, uint64_t done,
                         uint64_t total, double seconds);

#endif
