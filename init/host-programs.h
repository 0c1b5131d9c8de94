/* The host programs a distro can call as NAME.host: the names lxsd sent in HelloAck
 * (host_programs; the decoder has checked that each is a plain file name). Kept from the
 * handshake until the next one; each distro's init makes its links from them
 * (container-paths.h). Nothing prints. */
#ifndef LXS_INIT_HOST_PROGRAMS_H
#define LXS_INIT_HOST_PROGRAMS_H

#include <stddef.h>

#include "protocol.h"

/* Replaces the list with the ack's; -ENOMEM leaves it empty. */
int lxs_host_programs_set(const Lxs__Guest__HelloAck *ack);
/* The names (valid until the next set) and their count. */
char *const *lxs_host_programs(size_t *n);

#endif
