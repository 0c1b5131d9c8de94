/* Guest status for StatusReply: uptime, memory from /proc/meminfo, process count.
 * Return 0 or negative errno; nothing prints. */
#ifndef LXS_INIT_STATUS_H
#define LXS_INIT_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

/* Extracts MemTotal and MemAvailable (kB) from /proc/meminfo text; -EINVAL when either is
 * missing or malformed. */
int lxs_meminfo_parse(const char *text, size_t len, uint64_t *total_kib, uint64_t *available_kib);

/* Counts the numeric entries of a proc directory. */
int lxs_count_processes(const char *proc_dir, uint32_t *count);

/* CLOCK_BOOTTIME in milliseconds. */
uint64_t lxs_uptime_ms(void);

/* Fills a StatusReply; fields that cannot be read stay 0. */
void lxs_status_fill(Lxs__Guest__StatusReply *reply, uint32_t sessions);

#endif
