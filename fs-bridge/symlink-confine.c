/* Symlink targets confined to the view: lexical normalisation against a directory of known
 * depth, written back as a relative path (symlink-confine.h). */
#include "symlink-confine.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

struct name {
        const char *start;
        size_t len;
};

static int append(char *out, size_t size, size_t *pos, const char *s, size_t len)
{
        if (*pos + len >= size)
                return -ENAMETOOLONG;
        memcpy(out + *pos, s, len);
        *pos += len;
        out[*pos] = '\0';
        return 0;
}

int lxs_symlink_confine(const char *target, unsigned dir_depth, char *out, size_t size)
{
        size_t target_len = strlen(target);
        if (target_len == 0)
                return -EINVAL;
        if (size == 0)
                return -ENAMETOOLONG;
        out[0] = '\0';

        /* Every name is followed by a separator or the end, so there are at most len/2 + 1. */
        _cleanup_free_ struct name *names = calloc(target_len / 2 + 1, sizeof(*names));
        if (!names)
                return -ENOMEM;
        size_t n_names = 0;
        /* How many of the link directory's own levels the target keeps. */
        unsigned kept = target[0] == '/' ? 0 : dir_depth;

        for (const char *p = target; *p;) {
                while (*p == '/')
                        p++;
                const char *start = p;
                while (*p && *p != '/')
                        p++;
                size_t len = (size_t)(p - start);
                if (len == 0 || (len == 1 && start[0] == '.'))
                        continue;
                if (len == 2 && start[0] == '.' && start[1] == '.') {
                        if (n_names > 0)
                                n_names--;
                        else if (kept > 0)
                                kept--;
                        continue; /* at the root, `..` is the root */
                }
                names[n_names++] = (struct name){ start, len };
        }

        size_t pos = 0;
        int r = 0;
        for (unsigned up = dir_depth - kept; up > 0 && r == 0; up--)
                r = append(out, size, &pos, up > 1 || n_names > 0 ? "../" : "..", up > 1 || n_names > 0 ? 3 : 2);
        for (size_t i = 0; i < n_names && r == 0; i++) {
                r = append(out, size, &pos, names[i].start, names[i].len);
                if (r == 0 && i + 1 < n_names)
                        r = append(out, size, &pos, "/", 1);
        }
        if (r == 0 && pos == 0)
                r = append(out, size, &pos, ".", 1);
        if (r == 0 && n_names > 0 && target[target_len - 1] == '/')
                r = append(out, size, &pos, "/", 1);
        if (r < 0) {
                out[0] = '\0';
                return r;
        }
        return (int)pos;
}
