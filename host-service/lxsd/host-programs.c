/* The executables on the host's PATH, named for the guest's NAME.host links (see lxsd.h).
 *
 * A name counts once, from the first directory that has it (as the shell would find it); only
 * names the guest accepts (plain file names, not "." or "..") and regular files that are
 * executable by us. The list is cut at LXS_HOST_PROGRAMS_MAX names or max_bytes of names so
 * HelloAck always fits in a frame. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "lxsd.h"

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool listed(char **v, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i], name) == 0)
                        return true;
        return false;
}

int host_programs_scan(const char *path, size_t max_bytes, char ***out, size_t *n)
{
        *out = NULL;
        *n = 0;
        _cleanup_strv_free_ char **v = calloc(LXS_HOST_PROGRAMS_MAX + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        _cleanup_free_ char *copy = strdup(path ? path : "");
        if (!copy)
                return -ENOMEM;
        size_t count = 0, bytes = 0;
        char *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir && count < LXS_HOST_PROGRAMS_MAX;
             dir = strtok_r(NULL, ":", &save)) {
                if (dir[0] != '/')
                        continue; /* relative PATH entries mean nothing to lxsd */
                _cleanup_closedir_ DIR *d = opendir(dir);
                if (!d)
                        continue;
                size_t first_of_dir = count;
                struct dirent *e;
                while ((e = readdir(d)) && count < LXS_HOST_PROGRAMS_MAX) {
                        const char *name = e->d_name;
                        size_t len = strlen(name);
                        if (name[0] == '.' || len > LXS_HOST_PROGRAM_NAME_MAX || bytes + len + 8 > max_bytes)
                                continue;
                        if (e->d_type != DT_REG && e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
                                continue;
                        struct stat st;
                        if (fstatat(dirfd(d), name, &st, 0) < 0 || !S_ISREG(st.st_mode) ||
                            faccessat(dirfd(d), name, X_OK, AT_EACCESS) < 0)
                                continue;
                        /* Linear: a few thousand names, once per VM boot. */
                        if (listed(v, first_of_dir, name))
                                continue;
                        if (!(v[count] = strdup(name)))
                                return -ENOMEM;
                        count++;
                        bytes += len + 8;
                }
        }
        qsort(v, count, sizeof(char *), name_cmp);
        *out = TAKE_PTR(v);
        *n = count;
        return 0;
}
