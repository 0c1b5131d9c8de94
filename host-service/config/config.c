/* lxs.conf loading and validation; see config.h for the contract and docs/config.md for the
 * user-facing description of every key.
 *
 * Each key is one row of a static table (section, key, parser, field offset). A parser checks
 * the value against the host (memory, CPUs, the kernel file) and explains a rejection in a short
 * phrase that the loader prefixes with "PATH:LINE: key: ". */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"
#include "ini.h"
#include "paths.h"

/* Far more than any sensible lxs.conf; keeps a mistaken path (a disk image) from being slurped. */
#define CONFIG_MAX_BYTES (1u << 20)
/* Same limit as the INI reader, so a syntax error on a long line can be explained. */
#define INI_LINE_MAX 4096u

struct load_ctx {
        const char *path;
        struct lxs_config *cfg;
        lxs_config_warn_fn warn;
        void *warn_data;
        uint64_t host_memory_mib;
        uint32_t host_cpus;
        uint32_t seen;                 /* bit i: keys[i] already set once */
        char *error;                   /* set by on_key when a value is rejected */
        char warned_section[256];      /* last unknown section warned about */
};

/* Returns 0, -EINVAL with `why` filled, or another negative errno. */
typedef int (*value_parser)(const char *value, void *field, const struct load_ctx *ctx, char *why,
                            size_t why_len);

static uint32_t host_cpus(void)
{
        /* The CPUs this process may use (as nproc reports), so that QEMU's vCPU threads are
         * never more than the host can run at once. */
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof(set), &set) == 0) {
                int n = CPU_COUNT(&set);
                if (n > 0)
                        return (uint32_t)n;
        }
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? (uint32_t)n : 1u;
}

static uint64_t host_memory_mib(void)
{
        long pages = sysconf(_SC_PHYS_PAGES);
        long page_size = sysconf(_SC_PAGESIZE);
        if (pages <= 0 || page_size <= 0)
                return UINT32_MAX;
        uint64_t mib = (uint64_t)pages * (uint64_t)page_size >> 20;
        return mib > UINT32_MAX ? UINT32_MAX : mib;
}

static bool all_digits(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isdigit((unsigned char)*s))
                        return false;
        return true;
}

static int parse_memory(const char *value, void *field, const struct load_ctx *ctx, char *why,
                        size_t why_len)
{
        unsigned long long bytes;
        if (lxs_parse_size(value, &bytes) < 0) {
                snprintf(why, why_len, "invalid size '%s' (expected e.g. 2GB or 512MB)", value);
                return -EINVAL;
        }
        unsigned long long mib = bytes >> 20;
        if (mib < LXS_CONFIG_MIN_MEMORY_MIB) {
                snprintf(why, why_len, "'%s' is less than the minimum of %uMB%s", value,
                         LXS_CONFIG_MIN_MEMORY_MIB,
                         all_digits(value) ? " (a number without a unit is bytes; write e.g. 2GB)"
                                           : "");
                return -EINVAL;
        }
        if (mib > ctx->host_memory_mib) {
                snprintf(why, why_len, "'%s' is more than the host's memory (%lluMB)", value,
                         (unsigned long long)ctx->host_memory_mib);
                return -EINVAL;
        }
        *(uint32_t *)field = (uint32_t)mib;
        return 0;
}

static int parse_image_size(const char *value, void *field, const struct load_ctx *ctx, char *why,
                            size_t why_len)
{
        unsigned long long bytes;
        if (lxs_parse_size(value, &bytes) < 0) {
                snprintf(why, why_len, "invalid size '%s' (expected e.g. 256GB or 1TB)", value);
                return -EINVAL;
        }
        /* ext4 with 4 KiB blocks addresses up to 16 TiB per file, the image's own limit. */
        if (bytes < LXS_CONFIG_MIN_IMAGE_SIZE || bytes > (16ULL << 40)) {
                snprintf(why, why_len, "'%s' is out of range (1GB to 16TB)", value);
                return -EINVAL;
        }
        *(uint64_t *)field = bytes;
        return 0;
}

static int parse_processors(const char *value, void *field, const struct load_ctx *ctx, char *why,
                            size_t why_len)
{
        unsigned long long n;
        if (lxs_parse_u64(value, &n) < 0) {
                snprintf(why, why_len, "invalid number '%s'", value);
                return -EINVAL;
        }
        if (n < 1 || n > ctx->host_cpus) {
                snprintf(why, why_len, "'%s' is out of range (1 to %u, the host's CPUs)", value,
                         ctx->host_cpus);
                return -EINVAL;
        }
        *(uint32_t *)field = (uint32_t)n;
        return 0;
}

static const char *home_dir(void)
{
        const char *h = getenv("HOME");
        if (h && *h == '/')
                return h;
        struct passwd *pw = getpwuid(getuid());
        return pw && pw->pw_dir ? pw->pw_dir : NULL;
}

/* Replaces a string field, releasing the previous value of a repeated key. */
static void set_string(void *field, char *s)
{
        char **slot = field;
        free(*slot);
        *slot = s;
}

/* An absolute path or one under "~/", malloc'd into *out. */
static int expand_path(const char *value, char **out, char *why, size_t why_len)
{
        char *path = NULL;
        if (strncmp(value, "~/", 2) == 0) {
                const char *home = home_dir();
                if (!home) {
                        snprintf(why, why_len, "cannot expand '%s': no home directory", value);
                        return -EINVAL;
                }
                path = lxs_path_join(home, value + 2);
        } else if (value[0] == '/') {
                path = strdup(value);
        } else {
                /* Relative to what? The CLI's cwd and lxsd's differ, so refuse to guess. */
                snprintf(why, why_len, "'%s' is not an absolute path", value);
                return -EINVAL;
        }
        if (!path)
                return -ENOMEM;
        *out = path;
        return 0;
}

static int parse_link_dir(const char *value, void *field, const struct load_ctx *ctx, char *why,
                          size_t why_len)
{
        (void)ctx;
        char *path = NULL;
        if (*value) {
                int r = expand_path(value, &path, why, why_len);
                if (r < 0)
                        return r;
        }
        set_string(field, path); /* empty: no links */
        return 0;
}

static int parse_kernel(const char *value, void *field, const struct load_ctx *ctx, char *why,
                        size_t why_len)
{
        if (!*value) {
                set_string(field, NULL); /* explicitly back to the packaged kernel */
                return 0;
        }
        _cleanup_free_ char *path = NULL;
        int r = expand_path(value, &path, why, why_len);
        if (r < 0)
                return r;

        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
                snprintf(why, why_len, "cannot read '%s': %s", path, strerror(errno));
                return -EINVAL;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                snprintf(why, why_len, "cannot read '%s': %s", path, strerror(errno));
                return -EINVAL;
        }
        if (!S_ISREG(st.st_mode)) {
                snprintf(why, why_len, "'%s' is not a regular file", path);
                return -EINVAL;
        }
        set_string(field, TAKE_PTR(path));
        return 0;
}

static int parse_cmdline(const char *value, void *field, const struct load_ctx *ctx, char *why,
                         size_t why_len)
{
        if (!*value) {
                set_string(field, NULL);
                return 0;
        }
        if (strlen(value) > LXS_CONFIG_CMDLINE_MAX) {
                snprintf(why, why_len, "longer than %u characters", LXS_CONFIG_CMDLINE_MAX);
                return -EINVAL;
        }
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        set_string(field, copy);
        return 0;
}

static int parse_accel(const char *value, void *field, const struct load_ctx *ctx, char *why,
                       size_t why_len)
{
        if (lxs_accel_parse(value, field) < 0) {
                snprintf(why, why_len, "invalid accelerator '%s' (expected auto, kvm or tcg)", value);
                return -EINVAL;
        }
        return 0;
}

/* Milliseconds as in WSL's vmIdleTimeout; 0 or any negative number means never. */
static int parse_idle_timeout(const char *value, void *field, const struct load_ctx *ctx, char *why,
                              size_t why_len)
{
        unsigned long long ms;
        if (value[0] == '-' && all_digits(value + 1)) {
                *(uint32_t *)field = LXS_CONFIG_IDLE_NEVER;
                return 0;
        }
        if (lxs_parse_u64(value, &ms) < 0) {
                snprintf(why, why_len, "invalid number of milliseconds '%s'", value);
                return -EINVAL;
        }
        if (ms > UINT32_MAX) {
                snprintf(why, why_len, "'%s' is out of range (at most %u ms; 0 or -1 means never)",
                         value, UINT32_MAX);
                return -EINVAL;
        }
        *(uint32_t *)field = (uint32_t)ms;
        return 0;
}

static int parse_bool_value(const char *value, void *field, const struct load_ctx *ctx, char *why,
                            size_t why_len)
{
        int b;
        if (lxs_parse_bool(value, &b) < 0) {
                snprintf(why, why_len, "invalid boolean '%s' (expected true or false)", value);
                return -EINVAL;
        }
        *(bool *)field = b;
        return 0;
}

/* One folder of [shares] folders: absolute, no empty, "." or ".." components (the guest shows
 * it at the same path under its automount root, so the path must be the folder's own name). */
static bool share_path_valid(const char *p, size_t len)
{
        if (len == 0 || len >= 4096 || p[0] != '/')
                return false;
        size_t i = 1;
        while (i < len) {
                size_t start = i;
                while (i < len && p[i] != '/')
                        i++;
                size_t n = i - start;
                if ((n == 0 && i < len) || (n == 1 && p[start] == '.') ||
                    (n == 2 && p[start] == '.' && p[start + 1] == '.'))
                        return false;
                i++;
        }
        return true;
}

static int parse_share_folders(const char *value, void *field, const struct load_ctx *ctx, char *why,
                               size_t why_len)
{
        unsigned count = 0;
        for (const char *p = value; *p;) {
                while (*p == ' ' || *p == ',')
                        p++;
                if (!*p)
                        break;
                const char *end = strchr(p, ',');
                size_t len = end ? (size_t)(end - p) : strlen(p);
                while (len > 1 && (p[len - 1] == ' ' || p[len - 1] == '/'))
                        len--;
                if (!share_path_valid(p, len)) {
                        snprintf(why, why_len, "'%.*s' is not an absolute path without . or .. components",
                                 (int)(len > 200 ? 200 : len), p);
                        return -EINVAL;
                }
                if (++count > LXS_CONFIG_SHARES_MAX - 1) {
                        snprintf(why, why_len, "more than %u folders", LXS_CONFIG_SHARES_MAX - 1);
                        return -EINVAL;
                }
                p += end ? (size_t)(end - p) : strlen(p);
        }
        char *copy = count ? strdup(value) : NULL;
        if (count && !copy)
                return -ENOMEM;
        set_string(field, copy);
        return 0;
}

/* The first entry is the default. */
static const char *const machine_names[] = { LXS_CONFIG_DEFAULT_MACHINE, "q35" };

static int parse_machine(const char *value, void *field, const struct load_ctx *ctx, char *why,
                         size_t why_len)
{
        for (size_t i = 0; i < LXS_ARRAY_SIZE(machine_names); i++)
                if (strcmp(value, machine_names[i]) == 0) {
                        *(char **)field = (char *)machine_names[i];
                        return 0;
                }
        snprintf(why, why_len, "invalid machine '%s' (expected microvm or q35)", value);
        return -EINVAL;
}

/* As WSL's networkingMode, case-insensitively: NAT (QEMU's user-mode network) or none. */
static int parse_networking_mode(const char *value, void *field, const struct load_ctx *ctx, char *why,
                                 size_t why_len)
{
        (void)ctx;
        if (strcasecmp(value, "nat") == 0)
                *(bool *)field = true;
        else if (strcasecmp(value, "none") == 0)
                *(bool *)field = false;
        else {
                snprintf(why, why_len, "invalid networking mode '%s' (expected nat or none)", value);
                return -EINVAL;
        }
        return 0;
}

/* A DNS name for /etc/hosts: letters, digits, '-' and '.', not starting with '-' or '.'. */
static int parse_host_alias(const char *value, void *field, const struct load_ctx *ctx, char *why,
                            size_t why_len)
{
        (void)ctx;
        size_t len = strlen(value);
        bool ok = len <= LXS_CONFIG_HOST_ALIAS_MAX && value[0] != '-' && value[0] != '.';
        for (size_t i = 0; ok && i < len; i++)
                ok = isalnum((unsigned char)value[i]) || value[i] == '-' || value[i] == '.';
        if (!ok) {
                snprintf(why, why_len, "invalid host name '%s' (letters, digits, '-' and '.', at most %u)",
                         value, LXS_CONFIG_HOST_ALIAS_MAX);
                return -EINVAL;
        }
        memcpy(field, value, len + 1); /* empty: no name for the host */
        return 0;
}

struct key_def {
        const char *section;
        const char *key;
        value_parser parse;
        size_t offset;
};

/* Key names follow .wslconfig where WSL has the same setting. */
static const struct key_def keys[] = {
        { "vm", "memory", parse_memory, offsetof(struct lxs_config, memory_mib) },
        { "vm", "processors", parse_processors, offsetof(struct lxs_config, processors) },
        { "vm", "kernel", parse_kernel, offsetof(struct lxs_config, kernel) },
        { "vm", "kernelCommandLine", parse_cmdline, offsetof(struct lxs_config, kernel_cmdline) },
        { "vm", "accel", parse_accel, offsetof(struct lxs_config, accel) },
        { "vm", "networkingMode", parse_networking_mode, offsetof(struct lxs_config, nat_network) },
        { "vm", "hostAlias", parse_host_alias, offsetof(struct lxs_config, host_alias) },
        { "vm", "localhostForwarding", parse_bool_value, offsetof(struct lxs_config, localhost_forwarding) },
        { "vm", "vmIdleTimeout", parse_idle_timeout, offsetof(struct lxs_config, vm_idle_timeout_ms) },
        { "vm", "machine", parse_machine, offsetof(struct lxs_config, machine) },
        { "distro", "defaultImageSize", parse_image_size, offsetof(struct lxs_config, default_image_size) },
        { "distro", "instanceIdleTimeout", parse_idle_timeout, offsetof(struct lxs_config, distro_idle_timeout_ms) },
        { "shares", "home", parse_bool_value, offsetof(struct lxs_config, share_home) },
        { "shares", "folders", parse_share_folders, offsetof(struct lxs_config, share_folders) },
        { "views", "linkDir", parse_link_dir, offsetof(struct lxs_config, view_link_dir) },
        { "interop", "enabled", parse_bool_value, offsetof(struct lxs_config, interop_enabled) },
        { "interop", "appendHostPath", parse_bool_value, offsetof(struct lxs_config, interop_append_host_path) },
};
_Static_assert(LXS_ARRAY_SIZE(keys) <= 32, "load_ctx.seen has one bit per key");

__attribute__((format(printf, 3, 4)))
static void warnf(const struct load_ctx *ctx, unsigned line, const char *fmt, ...)
{
        if (!ctx->warn)
                return;
        char what[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        _cleanup_free_ char *msg = NULL;
        if (asprintf(&msg, "%s:%u: %s", ctx->path, line, what) < 0)
                return; /* out of memory: a lost warning must not fail the load */
        ctx->warn(msg, ctx->warn_data);
}

static bool section_known(const char *section)
{
        for (size_t i = 0; i < LXS_ARRAY_SIZE(keys); i++)
                if (strcmp(keys[i].section, section) == 0)
                        return true;
        return false;
}

/* A known section spelled with different case, for a "did you mean" hint. */
static const char *section_like(const char *section)
{
        for (size_t i = 0; i < LXS_ARRAY_SIZE(keys); i++)
                if (strcasecmp(keys[i].section, section) == 0)
                        return keys[i].section;
        return NULL;
}

static const struct key_def *key_like(const char *section, const char *key)
{
        for (size_t i = 0; i < LXS_ARRAY_SIZE(keys); i++)
                if (strcmp(keys[i].section, section) == 0 && strcasecmp(keys[i].key, key) == 0)
                        return &keys[i];
        return NULL;
}

static void warn_unknown(struct load_ctx *ctx, const char *section, const char *key, unsigned line)
{
        if (!*section) {
                warnf(ctx, line, "key '%s' outside any section ignored (lxs reads [vm])", key);
                return;
        }
        if (section_known(section)) {
                const struct key_def *like = key_like(section, key);
                if (like)
                        warnf(ctx, line, "unknown key '%s' in [%s] (did you mean '%s'?)", key,
                              section, like->key);
                else
                        warnf(ctx, line, "unknown key '%s' in [%s]", key, section);
                return;
        }
        /* One warning per unknown section, not one per key in it. */
        if (strcmp(ctx->warned_section, section) == 0)
                return;
        snprintf(ctx->warned_section, sizeof(ctx->warned_section), "%s", section);
        const char *like = section_like(section);
        if (like)
                warnf(ctx, line, "unknown section [%s] ignored (did you mean [%s]?)", section, like);
        else if (strcmp(section, "wsl2") == 0)
                warnf(ctx, line, "unknown section [wsl2] ignored (lxs reads VM settings from [vm])");
        else
                warnf(ctx, line, "unknown section [%s] ignored", section);
}

static int on_key(const char *section, const char *key, const char *value, unsigned line,
                  void *data)
{
        struct load_ctx *ctx = data;
        if (strcmp(section, ctx->warned_section) != 0)
                ctx->warned_section[0] = '\0';

        for (size_t i = 0; i < LXS_ARRAY_SIZE(keys); i++) {
                const struct key_def *k = &keys[i];
                if (strcmp(k->section, section) != 0 || strcmp(k->key, key) != 0)
                        continue;
                if (ctx->seen & (1u << i))
                        warnf(ctx, line, "'%s' set again in [%s]; this later value is used", key,
                              section);
                ctx->seen |= 1u << i;

                char why[PATH_MAX + 128];
                int r = k->parse(value, (char *)ctx->cfg + k->offset, ctx, why, sizeof(why));
                if (r == -EINVAL) {
                        if (asprintf(&ctx->error, "%s:%u: %s: %s", ctx->path, line, key, why) < 0) {
                                ctx->error = NULL;
                                return -ENOMEM;
                        }
                }
                return r;
        }
        warn_unknown(ctx, section, key, line);
        return 0;
}

/* The INI reader only says which line is wrong; say what is wrong with it. */
static const char *syntax_problem(const char *text, size_t len, unsigned line)
{
        size_t pos = 0;
        for (unsigned l = 1; l < line && pos < len; l++) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                pos = nl ? (size_t)(nl - text) + 1 : len;
        }
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = (nl ? (size_t)(nl - text) : len) - pos;
        const char *s = text + pos;
        if (n >= INI_LINE_MAX)
                return "line too long";
        if (memchr(s, '\0', n))
                return "NUL byte in line";
        while (n > 0 && isspace((unsigned char)*s)) {
                s++;
                n--;
        }
        if (n > 0 && *s == '[')
                return "malformed section header (expected '[name]')";
        return "expected 'key = value'";
}

void lxs_config_defaults(struct lxs_config *cfg)
{
        uint64_t mem = host_memory_mib();
        *cfg = (struct lxs_config){
                .memory_mib = mem < LXS_CONFIG_DEFAULT_MEMORY_MIB ? (uint32_t)mem
                                                                  : LXS_CONFIG_DEFAULT_MEMORY_MIB,
                .processors = host_cpus(),
                .kernel = NULL,
                .kernel_cmdline = NULL,
                .accel = LXS_ACCEL_AUTO,
                .vm_idle_timeout_ms = LXS_CONFIG_DEFAULT_IDLE_TIMEOUT_MS,
                .machine = (char *)machine_names[0],
                .default_image_size = LXS_CONFIG_DEFAULT_IMAGE_SIZE,
                .distro_idle_timeout_ms = LXS_CONFIG_DEFAULT_DISTRO_IDLE_TIMEOUT_MS,
                .share_home = true,
                .share_folders = NULL,
                .view_link_dir = NULL,
                .nat_network = true,
                .localhost_forwarding = true,
                .host_alias = LXS_CONFIG_DEFAULT_HOST_ALIAS,
                .interop_enabled = true,
                .interop_append_host_path = true,
        };
}

void lxs_config_free(struct lxs_config *cfg)
{
        free(cfg->kernel);
        cfg->kernel = NULL;
        free(cfg->kernel_cmdline);
        cfg->kernel_cmdline = NULL;
        free(cfg->share_folders);
        cfg->share_folders = NULL;
        free(cfg->view_link_dir);
        cfg->view_link_dir = NULL;
}

static void set_error(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(char **error, const char *fmt, ...)
{
        if (!error)
                return;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(error, fmt, ap) < 0)
                *error = NULL;
        va_end(ap);
}

int lxs_config_load(const char *path, struct lxs_config *cfg, lxs_config_warn_fn warn, void *data,
                    char **error)
{
        if (error)
                *error = NULL;
        lxs_config_defaults(cfg);

        _cleanup_free_ char *text = NULL;
        int n = lxs_read_file(path, CONFIG_MAX_BYTES + 1, &text);
        if (n == -ENOENT)
                return 0;
        if (n < 0) {
                set_error(error, "%s: %s", path, strerror(-n));
                return n;
        }
        if ((size_t)n > CONFIG_MAX_BYTES) {
                set_error(error, "%s: larger than %u bytes", path, CONFIG_MAX_BYTES);
                return -EFBIG;
        }

        struct load_ctx ctx = {
                .path = path,
                .cfg = cfg,
                .warn = warn,
                .warn_data = data,
                .host_memory_mib = host_memory_mib(),
                .host_cpus = host_cpus(),
        };
        unsigned line = 0;
        int r = lxs_ini_parse_string(text, (size_t)n, on_key, &ctx, &line);
        if (r >= 0)
                return 0;

        lxs_config_free(cfg);
        lxs_config_defaults(cfg);
        if (ctx.error) {
                if (error)
                        *error = TAKE_PTR(ctx.error);
                free(ctx.error);
        } else if (r == -EINVAL) {
                set_error(error, "%s:%u: syntax error: %s", path, line,
                          syntax_problem(text, (size_t)n, line));
        } else {
                set_error(error, "%s:%u: %s", path, line, strerror(-r));
        }
        return r;
}

char *lxs_config_default_path(void)
{
        _cleanup_free_ char *dir = lxs_config_dir();
        if (!dir)
                return NULL;
        return lxs_path_join(dir, LXS_CONFIG_FILE_NAME);
}
