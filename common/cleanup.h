/* Scope-bound cleanup helpers and explicit ownership hand-off.
 *
 * A variable declared with one of the _cleanup_*_ attributes is released when it leaves scope.
 * To hand ownership to someone else, move it out with TAKE_PTR()/TAKE_FD(), which reset the
 * variable so the cleanup becomes a no-op. This is the only cleanup convention in lxs. */
#ifndef LXS_CLEANUP_H
#define LXS_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void lxs_freep(void *p) { free(*(void **)p); }

static inline void lxs_closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void lxs_fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

static inline void lxs_closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

static inline void lxs_strv_freep(char ***strv)
{
        if (!*strv)
                return;
        for (char **s = *strv; *s; s++)
                free(*s);
        free(*strv);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(lxs_freep)
#define _cleanup_close_ _cleanup_(lxs_closep)
#define _cleanup_fclose_ _cleanup_(lxs_fclosep)
#define _cleanup_closedir_ _cleanup_(lxs_closedirp)
#define _cleanup_strv_free_ _cleanup_(lxs_strv_freep)

/* Defines a cleanup function `name##p` for a pointer type released by `func`. */
#define LXS_DEFINE_CLEANUP(type, func)                 \
        static inline void func##p(type *p)            \
        {                                              \
                if (*p)                                \
                        func(*p);                      \
        }

/* Moves a pointer out of a cleanup-managed variable. */
#define TAKE_PTR(p)                          \
        ({                                   \
                __typeof__(p) _taken = (p);  \
                (p) = NULL;                  \
                _taken;                      \
        })

/* Moves a file descriptor out of a cleanup-managed variable. */
#define TAKE_FD(fd)                 \
        ({                          \
                int _taken = (fd);  \
                (fd) = -1;          \
                _taken;             \
        })

#define LXS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
