/* Guest identity and clock, as the host hands them over in HelloAck, and kernel settings /init
 * makes at boot.
 * Return 0 or negative errno; nothing prints. */
#ifndef LXS_INIT_SYSTEM_SETTINGS_H
#define LXS_INIT_SYSTEM_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

/* A hostname the guest accepts: 1..64 characters of letters, digits, '-' and '.', not starting
 * with '-' or '.'. The host is untrusted, so anything else is refused. */
bool lxs_hostname_valid(const char *name);
int lxs_hostname_set(const char *name);

/* Steps CLOCK_REALTIME to host_time_ns when it is more than a second off (the RTC only has
 * second resolution; small offsets are not worth a step). Returns 1 when set, 0 when close. */
int lxs_clock_sync(int64_t host_time_ns);

/* Empties the kernel's modprobe path. The initramfs has no modprobe, so each request_module()
 * (drivers asking the crypto API for optional accelerated versions: crc_t10dif, crc64_rocksoft)
 * would spawn a helper that can only fail, ~20 ms each under emulation; with no path the kernel
 * answers at once. Every module the guest needs is loaded by /init from its list. */
int lxs_module_autoload_disable(void);

#endif
