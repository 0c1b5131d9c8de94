/* lxs_write_file_atomic: the file is replaced whole, with exactly the mode asked, and a temp
 * file left by a writer that was killed before its rename (same pid: a container's init is
 * always pid 1) does not block every later write. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "cleanup.h"
#include "fd-util.h"

int main(void)
{
        char dir[] = "/tmp/lxs-fd-util.XXXXXX";
        if (!mkdtemp(dir))
                return 1;
        char path[256], stale[300];
        snprintf(path, sizeof(path), "%s/hosts", dir);
        snprintf(stale, sizeof(stale), "%s.tmp.%ld", path, (long)getpid());

        CHECK_EQ_INT(lxs_write_file_atomic(path, "one\n", 4, 0640), 0);
        char *text = NULL;
        CHECK_EQ_INT(lxs_read_file(path, 100, &text), 4);
        CHECK_EQ_STR(text, "one\n");
        free(text);
        struct stat st;
        CHECK_EQ_INT(stat(path, &st), 0);
        CHECK_EQ_INT(st.st_mode & 07777, 0640);

        int fd = open(stale, O_WRONLY | O_CREAT | O_EXCL, 0600);
        CHECK(fd >= 0);
        if (fd >= 0)
                close(fd);
        CHECK_EQ_INT(lxs_write_file_atomic(path, "two\n", 4, 0644), 0);
        text = NULL;
        CHECK_EQ_INT(lxs_read_file(path, 100, &text), 4);
        CHECK_EQ_STR(text, "two\n");
        free(text);
        CHECK_EQ_INT(access(stale, F_OK), -1);

        unlink(path);
        rmdir(dir);
        return check_result("test-fd-util");
}
