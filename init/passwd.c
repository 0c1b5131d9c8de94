/* passwd/group lookup; see passwd.h for the contract. */
#include "passwd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

/* setgroups() takes at most NGROUPS_MAX (65536); a user in more groups is a broken file. */
#define GROUPS_MAX 65536u

#define PASSWD_FIELDS 7
#define GROUP_FIELDS 4

bool lxs_user_spec_is_uid(const char *spec, uid_t *uid)
{
        if (!*spec || strlen(spec) > 10)
                return false;
        unsigned long long v = 0;
        for (const char *p = spec; *p; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                v = v * 10 + (unsigned long long)(*p - '0');
        }
        if (v >= UINT32_MAX) /* (uid_t)-1 means "unchanged" to setresuid */
                return false;
        *uid = (uid_t)v;
        return true;
}

/* Splits one line (not NUL-terminated) into exactly n ':'-separated fields pointing into buf. */
static bool split_line(const char *line, size_t len, char *buf, size_t buf_size, char **fields, size_t n)
{
        if (len >= buf_size || len == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-' ||
            memchr(line, '\0', len))
                return false;
        memcpy(buf, line, len);
        buf[len] = '\0';
        size_t i = 0;
        char *p = buf;
        for (;;) {
                if (i == n)
                        return false;
                fields[i++] = p;
                char *colon = strchr(p, ':');
                if (!colon)
                        break;
                *colon = '\0';
                p = colon + 1;
        }
        return i == n;
}

static bool parse_id(const char *s, uint32_t *out)
{
        uid_t v;
        if (!lxs_user_spec_is_uid(s, &v))
                return false;
        *out = v;
        return true;
}

typedef bool (*line_fn)(char **fields, void *data);

/* Calls fn for each well-formed line until it returns true (found). */
static bool for_each_line(const char *text, size_t len, size_t n_fields, line_fn fn, void *data)
{
        char buf[4096];
        char *fields[PASSWD_FIELDS];
        size_t pos = 0;
        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t n = (nl ? (size_t)(nl - text) : len) - pos;
                if (split_line(text + pos, n, buf, sizeof(buf), fields, n_fields) && fn(fields, data))
                        return true;
                pos += n + 1;
        }
        return false;
}

struct passwd_match {
        const char *name;      /* NULL: match by uid */
        uid_t uid;
        struct lxs_user *out;
        int error;
};

static bool passwd_line(char **f, void *data)
{
        struct passwd_match *m = data;
        uint32_t uid, gid;
        if (!*f[0] || !parse_id(f[2], &uid) || !parse_id(f[3], &gid))
                return false;
        if (m->name ? strcmp(f[0], m->name) != 0 : uid != m->uid)
                return false;
        m->out->name = strdup(f[0]);
        m->out->home = strdup(*f[5] ? f[5] : "/");
        m->out->shell = strdup(f[6]);
        m->out->uid = uid;
        m->out->gid = gid;
        if (!m->out->name || !m->out->home || !m->out->shell)
                m->error = -ENOMEM;
        return true;
}

int lxs_user_lookup(const char *passwd, size_t passwd_len, const char *spec, struct lxs_user *out)
{
        *out = (struct lxs_user){ 0 };
        uid_t uid = 0;
        bool numeric = lxs_user_spec_is_uid(spec, &uid);
        struct passwd_match m = { .name = numeric ? NULL : spec, .uid = uid, .out = out };
        bool found = passwd && for_each_line(passwd, passwd_len, PASSWD_FIELDS, passwd_line, &m);
        if (!found && numeric) {
                out->name = strdup(spec);
                out->home = strdup("/");
                out->shell = strdup("");
                out->uid = uid;
                out->gid = (gid_t)uid;
                if (!out->name || !out->home || !out->shell)
                        m.error = -ENOMEM;
                found = true;
        }
        if (m.error < 0 || !found) {
                lxs_user_free(out);
                return found ? m.error : -ENOENT;
        }
        return 0;
}

struct group_scan {
        struct lxs_user *user;
        int error;
};

static bool has_gid(const struct lxs_user *u, gid_t gid)
{
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == gid)
                        return true;
        return false;
}

static int add_gid(struct lxs_user *u, gid_t gid)
{
        if (has_gid(u, gid) || u->n_groups >= GROUPS_MAX)
                return 0;
        gid_t *g = realloc(u->groups, (u->n_groups + 1) * sizeof(*g));
        if (!g)
                return -ENOMEM;
        u->groups = g;
        u->groups[u->n_groups++] = gid;
        return 0;
}

static bool group_line(char **f, void *data)
{
        struct group_scan *scan = data;
        uint32_t gid;
        if (!parse_id(f[2], &gid))
                return false;
        for (char *member = f[3]; *member;) {
                char *comma = strchr(member, ',');
                size_t n = comma ? (size_t)(comma - member) : strlen(member);
                if (n == strlen(scan->user->name) && memcmp(member, scan->user->name, n) == 0) {
                        if (add_gid(scan->user, gid) < 0) {
                                scan->error = -ENOMEM;
                                return true;
                        }
                        break;
                }
                if (!comma)
                        break;
                member = comma + 1;
        }
        return false;
}

int lxs_user_groups(const char *group, size_t group_len, struct lxs_user *user)
{
        free(user->groups);
        user->groups = NULL;
        user->n_groups = 0;
        if (add_gid(user, user->gid) < 0)
                return -ENOMEM;
        struct group_scan scan = { .user = user };
        if (group)
                for_each_line(group, group_len, GROUP_FIELDS, group_line, &scan);
        return scan.error;
}

void lxs_user_free(struct lxs_user *user)
{
        free(user->name);
        free(user->home);
        free(user->shell);
        free(user->groups);
        *user = (struct lxs_user){ 0 };
}
