/* LXSENV parsing and selection; see lxsenv.h. */
#include "lxsenv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

int lxs_env_parse_entry(const char *entry, size_t len, size_t *name_len, unsigned *flags)
{
        const char *slash = memchr(entry, '/', len);
        size_t nlen = slash ? (size_t)(slash - entry) : len;
        if (nlen == 0 || memchr(entry, '=', nlen))
                return -EINVAL;
        unsigned f = 0;
        for (const char *c = slash ? slash + 1 : entry + len; c < entry + len; c++) {
                switch (*c) {
                case 'p': f |= LXS_ENV_FLAG_PATH; break;
                case 'l': f |= LXS_ENV_FLAG_LIST; break;
                case 'u': f |= LXS_ENV_FLAG_ONLY_TO_LINUX; break;
                case 'w': f |= LXS_ENV_FLAG_ONLY_TO_HOST; break;
                default: return -EINVAL;
                }
        }
        *name_len = nlen;
        *flags = f;
        return 0;
}

static const char *env_lookup(char *const *env, const char *name, size_t nlen)
{
        for (char *const *e = env; e && *e; e++)
                if (strncmp(*e, name, nlen) == 0 && (*e)[nlen] == '=')
                        return *e + nlen + 1;
        return NULL;
}

/* Appends s to buf (grown with realloc); -ENOMEM. */
static int append(char **buf, size_t *len, const char *s, size_t slen)
{
        char *n = realloc(*buf, *len + slen + 1);
        if (!n)
                return -ENOMEM;
        memcpy(n + *len, s, slen);
        *len += slen;
        n[*len] = '\0';
        *buf = n;
        return 0;
}

/* The value translated as one path or a list; untranslatable parts stay as they are. */
static char *translate_value(const char *value, unsigned flags, lxs_env_translate_fn translate, void *data)
{
        if (!translate || !(flags & (LXS_ENV_FLAG_PATH | LXS_ENV_FLAG_LIST)))
                return strdup(value);
        _cleanup_free_ char *out = NULL;
        size_t len = 0;
        const char *p = value;
        for (;;) {
                size_t part = flags & LXS_ENV_FLAG_LIST ? strcspn(p, ":") : strlen(p);
                _cleanup_free_ char *piece = strndup(p, part);
                if (!piece)
                        return NULL;
                _cleanup_free_ char *tr = NULL;
                const char *use = piece;
                if (*piece && translate(piece, &tr, data) == 0)
                        use = tr;
                if (append(&out, &len, use, strlen(use)) < 0)
                        return NULL;
                if (p[part] != ':')
                        break;
                if (append(&out, &len, ":", 1) < 0)
                        return NULL;
                p += part + 1;
        }
        return out ? TAKE_PTR(out) : strdup("");
}

static char *make_entry(const char *name, size_t nlen, const char *value)
{
        char *s = NULL;
        return asprintf(&s, "%.*s=%s", (int)nlen, name, value) < 0 ? NULL : s;
}

int lxs_env_translate_in_place(char **env, lxs_env_translate_fn translate, void *data)
{
        const char *list = env_lookup(env, LXS_ENV_NAME, strlen(LXS_ENV_NAME));
        for (const char *p = list; p && *p;) {
                size_t elen = strcspn(p, ":");
                size_t nlen;
                unsigned flags;
                if (lxs_env_parse_entry(p, elen, &nlen, &flags) == 0 &&
                    (flags & (LXS_ENV_FLAG_PATH | LXS_ENV_FLAG_LIST))) {
                        for (char **e = env; *e; e++) {
                                if (strncmp(*e, p, nlen) != 0 || (*e)[nlen] != '=')
                                        continue;
                                _cleanup_free_ char *tv = translate_value(*e + nlen + 1, flags, translate, data);
                                char *entry = tv ? make_entry(*e, nlen, tv) : NULL;
                                if (!entry)
                                        return -ENOMEM;
                                free(*e);
                                *e = entry;
                                break;
                        }
                }
                p += elen;
                if (*p == ':')
                        p++;
        }
        return 0;
}

void lxs_env_free(char **v)
{
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
}

int lxs_env_select(char *const *env, enum lxs_env_direction dir, lxs_env_translate_fn translate,
                   void *data, char ***out, size_t *n)
{
        *out = NULL;
        *n = 0;
        const char *list = env_lookup(env, LXS_ENV_NAME, strlen(LXS_ENV_NAME));
        size_t cap = 2;
        for (const char *c = list; c && *c; c++)
                cap += *c == ':';
        char **v = calloc(cap + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        size_t count = 0;
        if (list) {
                v[count] = make_entry(LXS_ENV_NAME, strlen(LXS_ENV_NAME), list);
                if (!v[count++]) {
                        lxs_env_free(v);
                        return -ENOMEM;
                }
        }
        for (const char *p = list; p && *p;) {
                size_t elen = strcspn(p, ":");
                size_t nlen;
                unsigned flags;
                bool skip = lxs_env_parse_entry(p, elen, &nlen, &flags) < 0 ||
                            (dir == LXS_ENV_TO_HOST && (flags & LXS_ENV_FLAG_ONLY_TO_LINUX)) ||
                            (dir == LXS_ENV_TO_LINUX && (flags & LXS_ENV_FLAG_ONLY_TO_HOST)) ||
                            (nlen == strlen(LXS_ENV_NAME) && strncmp(p, LXS_ENV_NAME, nlen) == 0);
                const char *value = skip ? NULL : env_lookup(env, p, nlen);
                /* A name listed twice crosses once. */
                for (size_t i = 0; value && i < count; i++)
                        if (strncmp(v[i], p, nlen) == 0 && v[i][nlen] == '=')
                                value = NULL;
                if (value && count < cap) {
                        _cleanup_free_ char *tv = translate_value(value, flags, translate, data);
                        v[count] = tv ? make_entry(p, nlen, tv) : NULL;
                        if (!v[count++]) {
                                lxs_env_free(v);
                                return -ENOMEM;
                        }
                }
                p += elen;
                if (*p == ':')
                        p++;
        }
        *out = v;
        *n = count;
        return 0;
}
