/* Minimal INI reader for lxs.conf files (host ~/.config/lxs/lxs.conf, a distro's /etc/lxs.conf).
 *
 * Syntax: `[section]` headers, `key = value` lines, `#` or `;` starting a comment line, blank
 * lines. Values are trimmed; a value wrapped in double quotes loses them. Keys and sections are
 * matched case-sensitively by callers. The callback is called per key with its 1-based line.
 * Returns 0, the callback's negative return (which stops parsing), or -EINVAL for a syntax error
 * with *err_line set to the offending line. Nothing prints. */
#ifndef LXS_INI_H
#define LXS_INI_H

#include <stddef.h>

typedef int (*lxs_ini_cb)(const char *section, const char *key, const char *value, unsigned line,
                          void *data);

int lxs_ini_parse_string(const char *text, size_t len, lxs_ini_cb cb, void *data,
                         unsigned *err_line);

/* Parses a file. -ENOENT when it does not exist, so callers can treat that as "defaults". */
int lxs_ini_parse_file(const char *path, lxs_ini_cb cb, void *data, unsigned *err_line);

/* Value helpers: 0 on success, -EINVAL when the text is not of the form. */
int lxs_parse_bool(const char *s, int *out);
int lxs_parse_u64(const char *s, unsigned long long *out);
/* Sizes like "4GB", "512MB", "1073741824", "2g" -> bytes. */
int lxs_parse_size(const char *s, unsigned long long *bytes);

#endif
