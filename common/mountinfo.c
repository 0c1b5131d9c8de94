/* Reading /proc/self/mountinfo; see mountinfo.h. */
#include "mountinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

/* mountinfo escapes blanks and backslashes in paths as \ooo. */
static void unescape(char *s)
{
        char *w = s;
        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
                    r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

int lxs_mounted_at(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return -errno;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                /* id parent major:minor root mountpoint ... */
                char *save = NULL, *field = strtok_r(line, " ", &save);
                for (int i = 0; field && i < 4; i++)
                        field = strtok_r(NULL, " ", &save);
                if (!field)
                        continue;
                unescape(field);
                if (strcmp(field, path) == 0)
                        return 1;
        }
        return 0;
}
