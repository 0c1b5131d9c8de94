/* The state of the guest's PID 1 that the message handlers share. */
#ifndef LXS_INIT_INIT_H
#define LXS_INIT_INIT_H

#include <stdbool.h>

struct lxs_loop;
struct lxs_channel;
struct lxs_sessions;
struct lxs_distros;
struct lxs_host_execs;

struct lxs_init {
        struct lxs_loop *loop;
        struct lxs_channel *channel;    /* NULL until the control port is open */
        struct lxs_sessions *sessions;
        struct lxs_distros *distros;
        struct lxs_host_execs *host_execs;  /* lxs-host callers relayed to the host */
};

#endif
