/* Per-user locations of lxs, resolved from the XDG environment.
 *
 *   runtime  $XDG_RUNTIME_DIR/lxs   (else /run/user/UID/lxs, else /tmp/lxs-UID)  sockets, pid files
 *   state    $XDG_STATE_HOME/lxs    (else ~/.local/state/lxs)                    console log, lxsd log
 *   config   $XDG_CONFIG_HOME/lxs   (else ~/.config/lxs)                         lxs.conf
 *   cache    $XDG_CACHE_HOME/lxs    (else ~/.cache/lxs)                          rootfs tarballs
 *   data     $XDG_DATA_HOME/lxs     (else ~/.local/share/lxs)                    distro registry
 *
 * LXS_RUNTIME_DIR, LXS_STATE_DIR, LXS_CONFIG_DIR, LXS_CACHE_DIR, LXS_DATA_DIR override each one (tests use them to run
 * isolated instances). Returned strings are malloc'd; NULL + errno on failure. */
#ifndef LXS_PATHS_H
#define LXS_PATHS_H

char *lxs_runtime_dir(void);
char *lxs_state_dir(void);
char *lxs_config_dir(void);
char *lxs_cache_dir(void);
char *lxs_data_dir(void);

/* mkdir -p with the given mode for every created component; the last one is chmod'ed to mode
 * and must be owned by us. Returns 0 or negative errno. */
int lxs_mkdir_private(const char *path, unsigned mode);

/* Joins a directory and a name into a new string. */
char *lxs_path_join(const char *dir, const char *name);

#endif
