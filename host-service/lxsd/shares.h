/* Host folders shared into the utility VM (see shares.c). Paths are canonical and absolute;
 * problems with single folders are logged by lxsd and the folder left out. */
#ifndef LXSD_SHARES_H
#define LXSD_SHARES_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "vm.h"

struct lxsd_shares {
        char *paths[LXS_VM_MAX_SHARES];
        size_t n;
};

/* Replaces out's contents with the shares cfg asks for. -ENOMEM only. */
int lxsd_shares_resolve(const struct lxs_config *cfg, struct lxsd_shares *out);
void lxsd_shares_free(struct lxsd_shares *s);

#endif
