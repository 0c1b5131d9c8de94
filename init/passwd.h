/* User lookup in a distro's /etc/passwd and /etc/group text (not through NSS: PID 1 is static
 * and the files belong to the distro, not to the VM).
 *
 * A user is given as a name or a decimal uid. A uid without a passwd line is still a user (as
 * with `docker exec -u`): its name is the number, its group the same number, home "/", shell
 * empty (the caller falls back to /bin/sh). Malformed lines, comments and NIS `+`/`-` lines are
 * skipped. Return 0 or negative errno (-ENOENT: no such user, -ENOMEM); nothing prints. */
#ifndef LXS_INIT_PASSWD_H
#define LXS_INIT_PASSWD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct lxs_user {
        char *name;
        uid_t uid;
        gid_t gid;
        char *home;
        char *shell;           /* "" when passwd gives none */
        gid_t *groups;         /* the primary group first, then supplementary ones */
        size_t n_groups;
};

/* True for a non-empty string of decimal digits that fits a uid (< 2^32 - 1). */
bool lxs_user_spec_is_uid(const char *spec, uid_t *uid);

/* Finds spec in passwd (the first matching line wins, as getpwnam does). */
int lxs_user_lookup(const char *passwd, size_t passwd_len, const char *spec, struct lxs_user *out);

/* Fills out->groups from group: the primary gid, then every group listing out->name as a member. */
int lxs_user_groups(const char *group, size_t group_len, struct lxs_user *user);

void lxs_user_free(struct lxs_user *user);

#endif
