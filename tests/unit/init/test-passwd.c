/* Unit test: users and groups from a distro's passwd/group text (init/passwd.c). */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "passwd.h"

static const char passwd[] =
        "# comment\n"
        "root:x:0:0:root:/root:/bin/bash\n"
        "+nis::::::\n"
        "broken line\n"
        "ann:x:1000:1000:Ann,,,:/home/ann:/bin/zsh\n"
        "bob:x:1001:1001::/home/bob:\n"
        "ann:x:2000:2000:dup:/x:/bin/sh\n"
        "nohome:x:1002:1002:::\n"
        "badid:x:12a:1:::\n"
        "last:x:1003:100::/home/last:/bin/sh"; /* no newline at the end */

static const char group[] =
        "root:x:0:\n"
        "sudo:x:27:bob,ann\n"
        "users:x:100:annie,ann\n"
        "annex:x:500:annex\n"
        "ann:x:1000:\n"
        "dup:x:27:ann\n";

int main(void)
{
        struct lxs_user u;
        CHECK(lxs_user_lookup(passwd, strlen(passwd), "ann", &u) == 0);
        CHECK(strcmp(u.name, "ann") == 0 && u.uid == 1000 && u.gid == 1000);
        CHECK(strcmp(u.home, "/home/ann") == 0 && strcmp(u.shell, "/bin/zsh") == 0);
        CHECK(lxs_user_groups(group, strlen(group), &u) == 0);
        CHECK(u.n_groups == 3 && u.groups[0] == 1000 && u.groups[1] == 27 && u.groups[2] == 100);
        lxs_user_free(&u);

        CHECK(lxs_user_lookup(passwd, strlen(passwd), "0", &u) == 0);
        CHECK(strcmp(u.name, "root") == 0 && u.uid == 0 && strcmp(u.home, "/root") == 0);
        lxs_user_free(&u);
        CHECK(lxs_user_lookup(passwd, strlen(passwd), "1001", &u) == 0);
        CHECK(strcmp(u.name, "bob") == 0 && strcmp(u.shell, "") == 0);
        lxs_user_free(&u);
        CHECK(lxs_user_lookup(passwd, strlen(passwd), "nohome", &u) == 0);
        CHECK(strcmp(u.home, "/") == 0);
        lxs_user_free(&u);
        CHECK(lxs_user_lookup(passwd, strlen(passwd), "last", &u) == 0);
        CHECK(u.uid == 1003 && strcmp(u.shell, "/bin/sh") == 0);
        lxs_user_free(&u);

        /* A uid without a line is still a user; a name without one is not. */
        CHECK(lxs_user_lookup(passwd, strlen(passwd), "4242", &u) == 0);
        CHECK(u.uid == 4242 && u.gid == 4242 && strcmp(u.name, "4242") == 0 && strcmp(u.home, "/") == 0);
        CHECK(lxs_user_groups(NULL, 0, &u) == 0 && u.n_groups == 1 && u.groups[0] == 4242);
        lxs_user_free(&u);
        CHECK(lxs_user_lookup(passwd, strlen(passwd), "nosuch", &u) == -ENOENT);
        CHECK(lxs_user_lookup(passwd, strlen(passwd), "badid", &u) == -ENOENT);
        CHECK(lxs_user_lookup(passwd, strlen(passwd), "+nis", &u) == -ENOENT);
        CHECK(lxs_user_lookup(NULL, 0, "root", &u) == -ENOENT);
        CHECK(lxs_user_lookup(passwd, strlen(passwd), "", &u) == -ENOENT);

        uid_t uid;
        CHECK(lxs_user_spec_is_uid("0", &uid) && uid == 0);
        CHECK(lxs_user_spec_is_uid("4294967294", &uid) && uid == 4294967294u);
        CHECK(!lxs_user_spec_is_uid("4294967295", &uid)); /* (uid_t)-1 */
        CHECK(!lxs_user_spec_is_uid("99999999999", &uid));
        CHECK(!lxs_user_spec_is_uid("-1", &uid));
        CHECK(!lxs_user_spec_is_uid("", &uid));
        return check_result("test-passwd");
}
