/* `lxs --install`: fetch (with mmdebstrap, cached), import and launch a Debian distro. */
#ifndef LXS_CLI_INSTALL_H
#define LXS_CLI_INSTALL_H

#include "options.h"

/* Returns lxs's exit status; launch opens a shell in the named distro (the sessions code). */
int lxs_cmd_install(const struct lxs_options *o, int (*launch)(const char *name));

#endif
