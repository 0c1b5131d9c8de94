/* A distro's own settings: its /etc/lxs.conf (INI, like WSL's wsl.conf).
 *
 * Known keys: [user] default; [boot] command; [network] hostname, generateHosts,
 * generateResolvConf; [automount] enabled, root (where the host's shared folders appear);
 * [interop] enabled (lxs-host callers of this distro are refused when false), appendHostPath
 * (the host's programs as NAME.host on sessions' PATH). Keys are case-sensitive, as in the
 * host's lxs.conf. Nothing in the file stops a distro from starting: an unknown key or section, a bad
 * value (the default stays) and a line that is not `[section]` or `key = value` (skipped; the
 * rest of the file is still read) each give one warning "/etc/lxs.conf:<line>: <what>", at most
 * LXS_DISTRO_MAX_WARNINGS of them. A missing file means the defaults.
 * Return 0 or negative errno (-ENOMEM only); nothing prints. */
#ifndef LXS_INIT_DISTRO_CONF_H
#define LXS_INIT_DISTRO_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define LXS_DISTRO_CONF_PATH "/etc/lxs.conf"

struct lxs_distro_conf {
        char *default_user;          /* NULL: not set */
        char *boot_command;          /* NULL: none */
        char *hostname;              /* NULL: the host's choice */
        bool generate_hosts;
        bool generate_resolv_conf;
        bool automount_enabled;
        char *automount_root;        /* never NULL after init */
        bool interop_enabled;
        bool interop_append_host_path;
        char **warnings;             /* n_warnings lines for the user */
        size_t n_warnings;
};

/* The defaults (generate* true, automount at /mnt/host/, interop on). */
int lxs_distro_conf_init(struct lxs_distro_conf *conf);
void lxs_distro_conf_free(struct lxs_distro_conf *conf);

/* Applies the file's text over the current values, adding warnings. */
int lxs_distro_conf_parse(struct lxs_distro_conf *conf, const char *text, size_t len);

/* Reads etc/lxs.conf below root_fd (a distro's root directory) with RESOLVE_IN_ROOT, so a
 * symlink in the distro cannot point outside it, and parses it. A file that cannot be read is
 * a warning, not an error. */
int lxs_distro_conf_load(struct lxs_distro_conf *conf, int root_fd);

/* Adds one warning (printf-style); silently dropped beyond the limit. */
int lxs_distro_conf_warn(struct lxs_distro_conf *conf, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#endif
