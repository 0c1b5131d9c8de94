/* One-line error messages for the distro image code: the first failure names what went wrong,
 * callers further up keep it instead of overwriting it with something vaguer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <et/com_err.h>
#include <ext2fs/ext2_err.h>

#include "image-internal.h"

static void set_message(char **err, const char *fmt, va_list ap, const char *suffix)
        __attribute__((format(printf, 2, 0)));
static void set_message(char **err, const char *fmt, va_list ap, const char *suffix)
{
        if (!err || *err)
                return;
        char *msg = NULL;
        if (vasprintf(&msg, fmt, ap) < 0)
                return;
        if (suffix) {
                char *full = NULL;
                if (asprintf(&full, "%s: %s", msg, suffix) >= 0) {
                        free(msg);
                        msg = full;
                }
        }
        /* One line: libarchive and mke2fs messages sometimes carry newlines. */
        for (char *p = msg; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        *err = msg;
}

int image_fail(char **err, int r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        set_message(err, fmt, ap, NULL);
        va_end(ap);
        return r;
}

int image_fail_ext2(char **err, errcode_t e, const char *what, ...)
{
        /* libext2fs does not register its messages itself; without this they read
         * "Unknown code ext2 36". Registering twice is a no-op. */
        initialize_ext2_error_table();
        va_list ap;
        va_start(ap, what);
        set_message(err, what, ap, error_message(e));
        va_end(ap);
        return image_ext2_errno(e);
}
