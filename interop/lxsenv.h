/* LXSENV: which environment variables cross between a distro and the host, as WSLENV does.
 *
 * LXSENV is a colon-separated list of NAME[/FLAGS]. FLAGS are letters: `p` the value is a path
 * to translate, `l` a colon-separated list of paths to translate, `u` only from the host into a
 * distro, `w` only from a distro to the host (the letters of lxspath -u/-w). Only the variables
 * LXSENV names cross, plus LXSENV itself, so nested calls see the same list. A variable that is
 * not set is left out; a path with no counterpart on the other side crosses unchanged.
 * Pure logic: nothing prints; functions return negative errno. */
#ifndef LXS_INTEROP_LXSENV_H
#define LXS_INTEROP_LXSENV_H

#include <stddef.h>

enum lxs_env_direction {
        LXS_ENV_TO_HOST,       /* a distro process runs a host program (lxs-host) */
        LXS_ENV_TO_LINUX,      /* lxs on the host runs a command in a distro */
};

enum {
        LXS_ENV_FLAG_PATH = 1u << 0,
        LXS_ENV_FLAG_LIST = 1u << 1,
        LXS_ENV_FLAG_ONLY_TO_LINUX = 1u << 2,
        LXS_ENV_FLAG_ONLY_TO_HOST = 1u << 3,
};

#define LXS_ENV_NAME "LXSENV"

/* Translates one path for the direction; 0 with *out malloc'd, or negative errno (the value
 * then crosses unchanged). */
typedef int (*lxs_env_translate_fn)(const char *path, char **out, void *data);

/* Parses one LXSENV entry ("FOO/pu"): 0 with the name's length and the flags, -EINVAL for an
 * empty name, a name with '=' or an unknown flag letter. */
int lxs_env_parse_entry(const char *entry, size_t len, size_t *name_len, unsigned *flags);

/* The KEY=VALUE strings that cross in direction dir, taken from env (NULL-terminated) by the
 * LXSENV found in it: a malloc'd NULL-terminated array of malloc'd strings in *out (free with
 * lxs_env_free), *n its length. translate may be NULL (values cross unchanged). Malformed
 * entries are skipped. */
int lxs_env_select(char *const *env, enum lxs_env_direction dir, lxs_env_translate_fn translate,
                   void *data, char ***out, size_t *n);
void lxs_env_free(char **v);

/* For a receiver that translates (a distro session: only the guest knows where the shares
 * appear): in env (NULL-terminated, malloc'd strings), replaces the values of the variables
 * that env's LXSENV marks /p or /l with their translation. 0 or -ENOMEM. */
int lxs_env_translate_in_place(char **env, lxs_env_translate_fn translate, void *data);

#endif
