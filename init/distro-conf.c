/* A distro's /etc/lxs.conf; see distro-conf.h for the contract.
 *
 * common/ini.c stops at the first line it cannot parse. A distro must still start with a typo in
 * its file, so after a syntax error parsing resumes on the next line, in the section that was
 * open there (the reader has accepted every line before it, so the last `[` line is that
 * section's header). */
#include "distro-conf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "ini.h"
#include "protocol.h"
#include "root-file.h"
#include "system-settings.h"

#define CONF_MAX (1u << 20)
#define INI_LINE_MAX 4096u

enum value_kind { V_STRING, V_BOOL, V_HOSTNAME, V_ABS_PATH };

struct key_def {
        const char *section;
        const char *key;
        enum value_kind kind;
        size_t offset;
};

#define FIELD(f) offsetof(struct lxs_distro_conf, f)

static const struct key_def keys[] = {
        { "user", "default", V_STRING, FIELD(default_user) },
        { "boot", "command", V_STRING, FIELD(boot_command) },
        { "network", "hostname", V_HOSTNAME, FIELD(hostname) },
        { "network", "generateHosts", V_BOOL, FIELD(generate_hosts) },
        { "network", "generateResolvConf", V_BOOL, FIELD(generate_resolv_conf) },
        { "automount", "enabled", V_BOOL, FIELD(automount_enabled) },
        { "automount", "root", V_ABS_PATH, FIELD(automount_root) },
        { "interop", "enabled", V_BOOL, FIELD(interop_enabled) },
        { "interop", "appendHostPath", V_BOOL, FIELD(interop_append_host_path) },
};

int lxs_distro_conf_init(struct lxs_distro_conf *conf)
{
        *conf = (struct lxs_distro_conf){
                .generate_hosts = true,
                .generate_resolv_conf = true,
                .automount_enabled = true,
                .interop_enabled = true,
                .interop_append_host_path = true,
        };
        conf->automount_root = strdup("/mnt/host/");
        return conf->automount_root ? 0 : -ENOMEM;
}

void lxs_distro_conf_free(struct lxs_distro_conf *conf)
{
        free(conf->default_user);
        free(conf->boot_command);
        free(conf->hostname);
        free(conf->automount_root);
        for (size_t i = 0; i < conf->n_warnings; i++)
                free(conf->warnings[i]);
        free(conf->warnings);
        *conf = (struct lxs_distro_conf){ 0 };
}

static int add_warning(struct lxs_distro_conf *conf, char *msg)
{
        if (conf->n_warnings >= LXS_DISTRO_MAX_WARNINGS) {
                free(msg);
                return 0;
        }
        if (conf->n_warnings == LXS_DISTRO_MAX_WARNINGS - 1) {
                free(msg);
                msg = strdup(LXS_DISTRO_CONF_PATH ": more warnings not shown");
                if (!msg)
                        return -ENOMEM;
        }
        char **w = realloc(conf->warnings, (conf->n_warnings + 1) * sizeof(*w));
        if (!w) {
                free(msg);
                return -ENOMEM;
        }
        conf->warnings = w;
        conf->warnings[conf->n_warnings++] = msg;
        return 0;
}

int lxs_distro_conf_warn(struct lxs_distro_conf *conf, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *msg = NULL;
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        return add_warning(conf, msg);
}

struct parse_ctx {
        struct lxs_distro_conf *conf;
        unsigned line_offset;        /* lines of the file before the text being parsed */
        char warned_section[256];    /* one warning per unknown section, not one per key */
        int error;                   /* -ENOMEM from a warning */
};

static void warn_line(struct parse_ctx *ctx, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void warn_line(struct parse_ctx *ctx, unsigned line, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *what = NULL;
        int n = vasprintf(&what, fmt, ap);
        va_end(ap);
        int r = n < 0 ? -ENOMEM : lxs_distro_conf_warn(ctx->conf, "%s:%u: %s", LXS_DISTRO_CONF_PATH, line, what);
        if (n < 0)
                what = NULL;
        if (r < 0)
                ctx->error = r;
}

#define WARN warn_line

static bool section_known(const char *section)
{
        for (size_t i = 0; i < LXS_ARRAY_SIZE(keys); i++)
                if (strcmp(keys[i].section, section) == 0)
                        return true;
        return false;
}

static void warn_unknown(struct parse_ctx *ctx, const char *section, const char *key, unsigned line)
{
        if (!*section) {
                WARN(ctx, line, "key '%s' outside any section ignored", key);
                return;
        }
        if (section_known(section)) {
                for (size_t i = 0; i < LXS_ARRAY_SIZE(keys); i++)
                        if (strcmp(keys[i].section, section) == 0 && strcasecmp(keys[i].key, key) == 0) {
                                WARN(ctx, line, "unknown key '%s' in [%s] (did you mean '%s'?)", key,
                                     section, keys[i].key);
                                return;
                        }
                WARN(ctx, line, "unknown key '%s' in [%s]", key, section);
                return;
        }
        if (strcmp(ctx->warned_section, section) == 0)
                return;
        snprintf(ctx->warned_section, sizeof(ctx->warned_section), "%s", section);
        WARN(ctx, line, "unknown section [%s] ignored", section);
}

/* Stores value for k; a one-line reason in why when the value is not acceptable. */
static int set_value(struct lxs_distro_conf *conf, const struct key_def *k, const char *value, char *why,
                     size_t why_size)
{
        void *field = (char *)conf + k->offset;
        switch (k->kind) {
        case V_BOOL: {
                int b;
                if (lxs_parse_bool(value, &b) < 0) {
                        snprintf(why, why_size, "'%s' is not true or false", value);
                        return -EINVAL;
                }
                *(bool *)field = b;
                return 0;
        }
        case V_HOSTNAME:
                if (!lxs_hostname_valid(value)) {
                        snprintf(why, why_size, "'%s' is not a valid hostname", value);
                        return -EINVAL;
                }
                break;
        case V_ABS_PATH:
                if (value[0] != '/') {
                        snprintf(why, why_size, "'%s' is not an absolute path", value);
                        return -EINVAL;
                }
                break;
        case V_STRING:
                if (!*value) {
                        snprintf(why, why_size, "empty value");
                        return -EINVAL;
                }
                break;
        }
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        free(*(char **)field);
        *(char **)field = copy;
        return 0;
}

static int on_key(const char *section, const char *key, const char *value, unsigned line, void *data)
{
        struct parse_ctx *ctx = data;
        line += ctx->line_offset;
        if (strcmp(section, ctx->warned_section) != 0)
                ctx->warned_section[0] = '\0';
        for (size_t i = 0; i < LXS_ARRAY_SIZE(keys); i++) {
                const struct key_def *k = &keys[i];
                if (strcmp(k->section, section) != 0 || strcmp(k->key, key) != 0)
                        continue;
                char why[600];
                int r = set_value(ctx->conf, k, value, why, sizeof(why));
                if (r == -EINVAL)
                        WARN(ctx, line, "%s.%s: %s; the default is used", section, key, why);
                else if (r < 0)
                        return r;
                return ctx->error;
        }
        warn_unknown(ctx, section, key, line);
        return ctx->error;
}

/* Offset of the start of 1-based line `line` (len when past the end). */
static size_t line_start(const char *text, size_t len, unsigned line)
{
        size_t pos = 0;
        for (unsigned l = 1; l < line && pos < len; l++) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                pos = nl ? (size_t)(nl - text) + 1 : len;
        }
        return pos;
}

static const char *syntax_problem(const char *s, size_t n)
{
        if (n >= INI_LINE_MAX)
                return "line too long";
        if (memchr(s, '\0', n))
                return "NUL byte in line";
        while (n && (*s == ' ' || *s == '\t')) {
                s++;
                n--;
        }
        if (n && *s == '[')
                return "bad section header (expected [name])";
        if (n && *s == '=')
                return "missing key before '='";
        return "expected 'key = value' or '[section]'";
}

/* The section open at the start of 1-based line `line`: the last header before it. */
static void section_at(const char *text, size_t len, unsigned line, char *out, size_t size)
{
        out[0] = '\0';
        size_t end = line_start(text, len, line);
        size_t pos = 0;
        while (pos < end) {
                const char *nl = memchr(text + pos, '\n', end - pos);
                size_t n = (nl ? (size_t)(nl - text) : end) - pos;
                const char *s = text + pos;
                while (n && (*s == ' ' || *s == '\t')) {
                        s++;
                        n--;
                }
                const char *close = n && *s == '[' ? memchr(s, ']', n) : NULL;
                if (close) {
                        const char *b = s + 1;
                        while (b < close && (*b == ' ' || *b == '\t'))
                                b++;
                        const char *e = close;
                        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
                                e--;
                        snprintf(out, size, "%.*s", (int)(e - b), b);
                }
                pos += n + (size_t)(s - (text + pos)) + 1;
        }
}

int lxs_distro_conf_parse(struct lxs_distro_conf *conf, const char *text, size_t len)
{
        struct parse_ctx ctx = { .conf = conf };
        _cleanup_free_ char *resumed = NULL;
        const char *cur = text;
        size_t cur_len = len;
        for (;;) {
                unsigned err_line = 0;
                int r = lxs_ini_parse_string(cur, cur_len, on_key, &ctx, &err_line);
                if (r != -EINVAL || err_line == 0)
                        return r;
                /* err_line is relative to cur; make it a line of the file. */
                unsigned file_line = err_line + ctx.line_offset;
                size_t start = line_start(text, len, file_line);
                const char *nl = memchr(text + start, '\n', len - start);
                size_t n = (nl ? (size_t)(nl - text) : len) - start;
                WARN(&ctx, file_line, "%s; line ignored", syntax_problem(text + start, n));
                if (ctx.error)
                        return ctx.error;
                if (!nl)
                        return 0;
                char section[256];
                section_at(text, len, file_line, section, sizeof(section));
                size_t rest = (size_t)(nl + 1 - text);
                free(resumed);
                resumed = NULL;
                int m;
                if (*section)
                        m = asprintf(&resumed, "[%s]\n%.*s", section, (int)(len - rest), text + rest);
                else
                        m = asprintf(&resumed, "%.*s", (int)(len - rest), text + rest);
                if (m < 0) {
                        resumed = NULL;
                        return -ENOMEM;
                }
                cur = resumed;
                cur_len = (size_t)m;
                /* Line 1 of the resumed text is the header we added, if any. */
                ctx.line_offset = file_line - (*section ? 1 : 0);
        }
}

int lxs_distro_conf_load(struct lxs_distro_conf *conf, int root_fd)
{
        _cleanup_free_ char *text = NULL;
        int r = lxs_root_read(root_fd, LXS_DISTRO_CONF_PATH, CONF_MAX, &text);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                const char *why = r == -EINVAL ? "not a regular file" :
                                  r == -EFBIG ? "larger than 1 MiB" : strerror(-r);
                return lxs_distro_conf_warn(conf, "%s: %s; the defaults are used", LXS_DISTRO_CONF_PATH, why);
        }
        return lxs_distro_conf_parse(conf, text, (size_t)r);
}
