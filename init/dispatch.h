/* Dispatch of host messages (after the handshake) to their handlers, through a table indexed
 * by the HostToGuest oneof case. Unknown cases, and HelloAck outside the handshake, are
 * reported and ignored. */
#ifndef LXS_INIT_DISPATCH_H
#define LXS_INIT_DISPATCH_H

#include "init.h"
#include "protocol.h"

void lxs_dispatch(struct lxs_init *init, const Lxs__Guest__HostToGuest *msg);

#endif
