/* Requests to lxsd about running distros that must not start lxsd (or the VM) for nothing:
 * when no lxsd runs, no distro runs either. Used by --terminate, --list and before --export and
 * --unregister. Return negative errno with a one-line reason in err; nothing prints. */
#ifndef LXS_CLI_SERVICE_REQUESTS_H
#define LXS_CLI_SERVICE_REQUESTS_H

#include <stddef.h>

#include "protocol.h"

/* Stops distro `name` and returns once it is stopped; 0 too when it does not run. */
int lxs_service_terminate(const char *name, char *err, size_t errlen);

/* The distros lxsd runs, as its ListReply (free with lxs__service__list_reply__free_unpacked);
 * NULL in *list when lxsd does not run. */
int lxs_service_list(Lxs__Service__ListReply **list, char *err, size_t errlen);

/* The state lxsd reports for `name` ("Starting", "Running", "Stopping"), or NULL. */
const char *lxs_service_state_of(const Lxs__Service__ListReply *list, const char *name);

#endif
