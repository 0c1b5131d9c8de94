/* Failure reporting for the guest's PID 1, and its console.
 *
 * Every failure is written to the console (fd 2, /dev/console once set up) as
 * `lxs-init: <stage>: <strerror>[: <detail>]`, so it shows in the VM's console log even when the
 * host never hears of it, and to /dev/kmsg at KERN_WARNING for dmesg. While a sink is installed (the control channel, once the host accepted
 * the handshake) each failure also goes to the sink, which turns it into a GuestFailure message.
 * Failures from before that are kept, up to a small bound, and handed to the sink when it is
 * installed. Reporting is best effort by nature, so nothing here returns an error. */
#ifndef LXS_INIT_REPORT_H
#define LXS_INIT_REPORT_H

#include <stdbool.h>

typedef void (*lxs_failure_sink)(const char *stage, int errno_value, const char *detail, bool fatal,
                                 void *data);

/* Points fds 0/1/2 at /dev/console (/dev/null if there is none) and opens /dev/kmsg.
 * Needs /dev mounted. */
int lxs_console_setup(void);

/* Installs (or, with NULL, removes) the sink; failures kept so far are passed to it first. */
void lxs_report_set_sink(lxs_failure_sink sink, void *data);

/* Reports one failure. errno_value is positive (0: not applicable); detail may be NULL. */
void lxs_report(int errno_value, bool fatal, const char *detail, const char *stage_fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Writes a line to the console and the kernel log (for forked helpers, which have no sink). */
void lxs_log_line(const char *stage, int errno_value, const char *detail);

/* For a forked helper that closed the fds it inherited: stop using the kmsg fd. */
void lxs_log_console_only(void);

#endif
