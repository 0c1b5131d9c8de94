/* INI reader and value parsers; see ini.h. */
#include "ini.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fd-util.h"

#define INI_MAX_FILE (1u << 20)
#define INI_MAX_LINE 4096u

static char *trim(char *s)
{
        while (*s && isspace((unsigned char)*s))
                s++;
        char *e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1]))
                *--e = '\0';
        return s;
}

int lxs_ini_parse_string(const char *text, size_t len, lxs_ini_cb cb, void *data, unsigned *err_line)
{
        char section[256] = "";
        char linebuf[INI_MAX_LINE];
        unsigned lineno = 0;
        size_t pos = 0;

        while (pos < len) {
                size_t end = pos;
                while (end < len && text[end] != '\n')
                        end++;
                lineno++;
                size_t n = end - pos;
                if (n >= sizeof(linebuf) || memchr(text + pos, '\0', n)) {
                        if (err_line)
                                *err_line = lineno;
                        return -EINVAL;
                }
                memcpy(linebuf, text + pos, n);
                linebuf[n] = '\0';
                pos = end + 1;

                char *line = trim(linebuf);
                if (*line == '\0' || *line == '#' || *line == ';')
                        continue;
                if (*line == '[') {
                        char *close = strchr(line, ']');
                        if (!close || *trim(close + 1) != '\0' || close == line + 1 ||
                            (size_t)(close - line - 1) >= sizeof(section)) {
                                if (err_line)
                                        *err_line = lineno;
                                return -EINVAL;
                        }
                        *close = '\0';
                        snprintf(section, sizeof(section), "%s", trim(line + 1));
                        continue;
                }
                char *eq = strchr(line, '=');
                if (!eq || eq == line) {
                        if (err_line)
                                *err_line = lineno;
                        return -EINVAL;
                }
                *eq = '\0';
                char *key = trim(line);
                char *value = trim(eq + 1);
                size_t vl = strlen(value);
                if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
                        value[vl - 1] = '\0';
                        value++;
                }
                if (*key == '\0') {
                        if (err_line)
                                *err_line = lineno;
                        return -EINVAL;
                }
                int r = cb(section, key, value, lineno, data);
                if (r < 0) {
                        if (err_line)
                                *err_line = lineno;
                        return r;
                }
        }
        return 0;
}

int lxs_ini_parse_file(const char *path, lxs_ini_cb cb, void *data, unsigned *err_line)
{
        struct stat st;
        _cleanup_close_ int fd = lxs_open_regular(path, &st);
        if (fd < 0)
                return fd;
        if ((unsigned long long)st.st_size > INI_MAX_FILE)
                return -EFBIG;
        _cleanup_free_ char *buf = NULL;
        int n = lxs_read_fd(fd, (size_t)st.st_size, &buf);
        if (n < 0)
                return n;
        return lxs_ini_parse_string(buf, (size_t)n, cb, data, err_line);
}

int lxs_parse_bool(const char *s, int *out)
{
        static const char *const yes[] = { "1", "true", "yes", "on" };
        static const char *const no[] = { "0", "false", "no", "off" };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *out = 1;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *out = 0;
                        return 0;
                }
        }
        return -EINVAL;
}

int lxs_parse_u64(const char *s, unsigned long long *out)
{
        if (!isdigit((unsigned char)*s))
                return -EINVAL;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end != '\0')
                return -EINVAL;
        *out = v;
        return 0;
}

int lxs_parse_size(const char *s, unsigned long long *bytes)
{
        if (!isdigit((unsigned char)*s))
                return -EINVAL;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return -EINVAL;
        while (*end == ' ')
                end++;
        static const struct {
                const char *suffix;
                unsigned shift;
        } units[] = {
                { "", 0 },   { "B", 0 },   { "K", 10 },  { "KB", 10 }, { "KiB", 10 },
                { "M", 20 }, { "MB", 20 }, { "MiB", 20 }, { "G", 30 }, { "GB", 30 },
                { "GiB", 30 }, { "T", 40 }, { "TB", 40 }, { "TiB", 40 },
        };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(units); i++) {
                if (strcasecmp(end, units[i].suffix) == 0) {
                        if (units[i].shift && v > (~0ULL >> units[i].shift))
                                return -ERANGE;
                        *bytes = v << units[i].shift;
                        return 0;
                }
        }
        return -EINVAL;
}
