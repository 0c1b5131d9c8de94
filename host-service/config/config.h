/* The host's lxs.conf: the utility VM's settings, read by lxsd before each VM boot.
 *
 * The file is `lxs_config_dir()/lxs.conf` (normally ~/.config/lxs/lxs.conf), an INI file in the
 * spirit of WSL's .wslconfig; docs/config.md is the user-facing reference. Loading starts from
 * the defaults, so a missing file or a missing key means "default". Unknown sections and keys
 * are reported through the warn callback and skipped, so a file written for a newer lxs still
 * boots. A bad value or a syntax error fails the whole load with a one-line message naming the
 * file, the line and the key, because booting with a silently ignored setting is worse than not
 * booting. Nothing prints; functions return negative errno. */
#ifndef LXS_CONFIG_H
#define LXS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "vm.h"

#define LXS_CONFIG_FILE_NAME "lxs.conf"

/* Under TCG, boot time grows with guest RAM (QEMU touches it while the kernel initialises), so
 * the default is modest rather than WSL's "half the host". */
#define LXS_CONFIG_DEFAULT_MEMORY_MIB 2048u
#define LXS_CONFIG_MIN_MEMORY_MIB 256u
#define LXS_CONFIG_DEFAULT_IDLE_TIMEOUT_MS 60000u
/* vm_idle_timeout_ms value meaning "never shut the VM down for being idle". */
#define LXS_CONFIG_IDLE_NEVER 0u
#define LXS_CONFIG_DEFAULT_MACHINE "microvm"
/* The x86 kernel command line holds 2048 bytes and our own part needs some of them. */
#define LXS_CONFIG_CMDLINE_MAX 1024u
/* Host folders shared into the VM, the home folder included (each is a virtio-9p device). */
#define LXS_CONFIG_SHARES_MAX 8u
/* New distro images are sparse: this is their ceiling, not what they take on the host. */
#define LXS_CONFIG_DEFAULT_IMAGE_SIZE (256ULL << 30)
#define LXS_CONFIG_MIN_IMAGE_SIZE (1ULL << 30)
/* A distro with nothing running in it is stopped after this long, as WSL's instanceIdleTimeout. */
#define LXS_CONFIG_DEFAULT_DISTRO_IDLE_TIMEOUT_MS 15000u
#define LXS_CONFIG_DEFAULT_HOST_ALIAS "host.lxs.internal"
#define LXS_CONFIG_HOST_ALIAS_MAX 64u /* what the guest accepts as a host name */

struct lxs_config {
        uint32_t memory_mib;          /* [vm] memory: a size with unit, e.g. 2GB, 512MB */
        uint32_t processors;          /* [vm] processors */
        char *kernel;                 /* [vm] kernel: absolute path, or NULL for the packaged one */
        char *kernel_cmdline;         /* [vm] kernelCommandLine: appended to ours, or NULL */
        enum lxs_accel accel;         /* [vm] accel: auto|kvm|tcg */
        uint32_t vm_idle_timeout_ms;  /* [vm] vmIdleTimeout: ms; LXS_CONFIG_IDLE_NEVER = never */
        /* [vm] machine: "microvm" (default) or "q35". Points to static storage: never NULL after
         * defaults/load; not freed by lxs_config_free and must not be modified. (char * rather
         * than const char * so it can go straight into protobuf-c string fields.) */
        char *machine;
        uint64_t default_image_size;  /* [distro] defaultImageSize: virtual size of new images */
        /* [distro] instanceIdleTimeout: ms a running distro may sit idle before lxsd stops it;
         * LXS_CONFIG_IDLE_NEVER = never. */
        uint32_t distro_idle_timeout_ms;
        bool share_home;              /* [shares] home: share the user's home folder (default on) */
        /* [shares] folders: more host folders, absolute paths separated by commas, each checked
         * for "." and ".." components and length; at most LXS_CONFIG_SHARES_MAX - 1. NULL: none. */
        char *share_folders;
        /* [views] linkDir: a folder where each distro NAME gets a symlink NAME to its view
         * ($XDG_RUNTIME_DIR/lxs/mnt/NAME); absolute, "~/" expanded. NULL: no links (default). */
        char *view_link_dir;
        bool nat_network;             /* [vm] networkingMode: nat (default, QEMU user-mode NAT) or none */
        bool localhost_forwarding;    /* [vm] localhostForwarding: distro listeners on the host's 127.0.0.1 */
        /* [vm] hostAlias: the name distros reach the host's loopback by (in their /etc/hosts);
         * empty: none. */
        char host_alias[LXS_CONFIG_HOST_ALIAS_MAX + 1];
        /* [interop] enabled: distros may run host programs (lxs-host); enforced by lxsd, so
         * nothing in the guest can turn it back on. */
        bool interop_enabled;
        /* [interop] appendHostPath: the host's PATH programs appear as NAME.host in distros. */
        bool interop_append_host_path;
};

/* Called once per problem that does not stop loading, e.g.
 * "/home/u/.config/lxs/lxs.conf:5: unknown key 'foo' in [vm]". */
typedef void (*lxs_config_warn_fn)(const char *message, void *data);

/* Fills cfg with the defaults: 2 GiB of memory (less if the host has less), every CPU this
 * process may run on, the packaged kernel, accel auto, 60 s VM idle timeout, microvm, 256 GiB
 * images, 15 s distro idle timeout. Allocates nothing. cfg need not be initialised; previous
 * contents are overwritten, not freed. */
void lxs_config_defaults(struct lxs_config *cfg);

/* Loads path on top of the defaults. A missing file gives the defaults and returns 0.
 * Bad values and syntax errors return -EINVAL with *error set to a malloc'd one-line message
 * "PATH:LINE: memory: invalid size 'abc'"; an unreadable file returns its negative errno with
 * *error = "PATH: <strerror>". On failure cfg holds the defaults (nothing to free).
 * warn may be NULL; error may be NULL. cfg is overwritten, not freed. */
int lxs_config_load(const char *path, struct lxs_config *cfg, lxs_config_warn_fn warn, void *data,
                    char **error);

/* Frees the strings and sets them to NULL; safe to call twice. */
void lxs_config_free(struct lxs_config *cfg);

/* lxs_config_dir()/lxs.conf, malloc'd; NULL + errno on failure. */
char *lxs_config_default_path(void);

#endif
