/* The distro management commands of lxs (--import, --import-in-place, --export, --list,
 * --set-default, --terminate, --unregister, --manage, --install). They run in the CLI process
 * itself: importing and exporting need no VM (libarchive + libext2fs on the host), and the
 * registry is shared between processes through its own locking. Each returns lxs's exit status
 * after printing at most one error line "lxs: <command>: <what>: <why>". */
#ifndef LXS_CLI_DISTRO_COMMANDS_H
#define LXS_CLI_DISTRO_COMMANDS_H

#include "options.h"

int lxs_cmd_import(const struct lxs_options *o);
int lxs_cmd_import_in_place(const struct lxs_options *o);
int lxs_cmd_export(const struct lxs_options *o);
int lxs_cmd_list(const struct lxs_options *o);
int lxs_cmd_set_default(const struct lxs_options *o);
int lxs_cmd_terminate(const struct lxs_options *o);
int lxs_cmd_unregister(const struct lxs_options *o);
int lxs_cmd_manage(const struct lxs_options *o);

#endif
