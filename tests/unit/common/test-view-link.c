/* The stable links to distro views: made where nothing is, kept when already right, and never
 * made over or removed from under something the user put there. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "view-link.h"

static char root[] = "/tmp/lxs-view-link.XXXXXX";
static char buf[4096];

static const char *at(const char *name)
{
        snprintf(buf, sizeof(buf), "%s/%s", root, name);
        return buf;
}

static const char *link_of(const char *path)
{
        static char target[4096];
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        target[n < 0 ? 0 : n] = '\0';
        return target;
}

int main(void)
{
        if (!mkdtemp(root))
                return 1;
        char dir[4200];
        snprintf(dir, sizeof(dir), "%s/lxs", root);

        /* The folder is made (private), then the link. */
        CHECK_EQ_INT(lxs_view_link_make(dir, "deb", "/run/user/1000/lxs/mnt/deb"), 0);
        struct stat st;
        CHECK_EQ_INT(stat(dir, &st), 0);
        CHECK_EQ_INT(st.st_mode & 07777, 0700);
        CHECK_EQ_STR(link_of(at("lxs/deb")), "/run/user/1000/lxs/mnt/deb");
        /* Again: nothing to do. */
        CHECK_EQ_INT(lxs_view_link_make(dir, "deb", "/run/user/1000/lxs/mnt/deb"), 0);

        /* Something of the user's holds the name: left alone either way. */
        CHECK_EQ_INT(lxs_view_link_make(dir, "deb", "/elsewhere/deb"), -EEXIST);
        CHECK_EQ_STR(link_of(at("lxs/deb")), "/run/user/1000/lxs/mnt/deb");
        CHECK_EQ_INT(lxs_view_link_remove(dir, "deb", "/elsewhere/deb"), -EEXIST);
        CHECK_EQ_STR(link_of(at("lxs/deb")), "/run/user/1000/lxs/mnt/deb");
        CHECK_EQ_INT(mkdir(at("lxs/mine"), 0755), 0);
        CHECK_EQ_INT(lxs_view_link_make(dir, "mine", "/run/user/1000/lxs/mnt/mine"), -EEXIST);
        CHECK_EQ_INT(lxs_view_link_remove(dir, "mine", "/run/user/1000/lxs/mnt/mine"), -EEXIST);
        CHECK_EQ_INT(access(at("lxs/mine"), F_OK), 0);

        /* Removal of ours; removing what is not there is fine. */
        CHECK_EQ_INT(lxs_view_link_remove(dir, "deb", "/run/user/1000/lxs/mnt/deb"), 0);
        CHECK_EQ_INT(access(at("lxs/deb"), F_OK), -1);
        CHECK_EQ_INT(lxs_view_link_remove(dir, "deb", "/run/user/1000/lxs/mnt/deb"), 0);

        /* Names that are not one path component are refused. */
        CHECK_EQ_INT(lxs_view_link_make(dir, "../x", "/t"), -EINVAL);
        CHECK_EQ_INT(lxs_view_link_make(dir, "..", "/t"), -EINVAL);
        CHECK_EQ_INT(lxs_view_link_make(dir, "", "/t"), -EINVAL);
        /* A link folder whose parent is missing is an error, not a tree of folders. */
        CHECK_EQ_INT(lxs_view_link_make(at("no/such/dir"), "deb", "/t"), -ENOENT);

        rmdir(at("lxs/mine"));
        rmdir(at("lxs"));
        rmdir(root);
        return check_result("test-view-link");
}
