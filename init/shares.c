/* Host folders shared into the VM; see shares.h for the contract. */
#include "shares.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "report.h"

/* cache=mmap: no page cache between the guest and the host's files (edits from either side are
 * seen at once; read() goes straight from QEMU into the reader's buffer, 2.3 GB/s here against
 * 0.2-0.6 with cache=loose), yet mmap works. msize: the largest request the virtio transport
 * takes, so each read or write of a big file is one round trip per MiB. */
#define SHARE_MOUNT_OPTIONS "trans=virtio,version=9p2000.L,msize=1048576,cache=mmap"

struct share {
        char tag[32];
        char *host_path;
};

static struct share shares[LXS_SHARES_MAX];
static size_t n_shares;
static bool named, modules_in, mounted_any, mount_done;
static char *view_root;

bool lxs_share_path_valid(const char *path)
{
        size_t len = path ? strnlen(path, LXS_SHARE_PATH_MAX + 1) : 0;
        if (len == 0 || len > LXS_SHARE_PATH_MAX || path[0] != '/')
                return false;
        if (len == 1)
                return true;
        if (path[len - 1] == '/')
                return false;
        for (const char *c = path + 1;;) {
                const char *end = strchr(c, '/');
                size_t n = end ? (size_t)(end - c) : strlen(c);
                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                if (!end)
                        return true;
                c = end + 1;
        }
}

static bool tag_valid(const char *tag)
{
        size_t prefix = strlen("lxs-share");
        if (!tag || strncmp(tag, "lxs-share", prefix) != 0 || !tag[prefix] || strlen(tag) >= sizeof(shares[0].tag))
                return false;
        for (const char *c = tag + prefix; *c; c++)
                if (*c < '0' || *c > '9')
                        return false;
        return true;
}

static int mkdir_parents(char *path)
{
        for (char *c = path + 1; *c; c++) {
                if (*c != '/')
                        continue;
                *c = '\0';
                int r = mkdir(path, 0755);
                *c = '/';
                if (r < 0 && errno != EEXIST)
                        return -errno;
        }
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static void mount_all(void)
{
        if (mount_done || !named || !modules_in)
                return;
        mount_done = true;
        if (n_shares == 0)
                return;
        if (mkdir_parents((char[]){ LXS_SHARES_DIR }) < 0 ||
            mount("lxs-host", LXS_SHARES_DIR, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0) {
                lxs_report(errno, false, NULL, "mount the shares' tmpfs at " LXS_SHARES_DIR);
                return;
        }
        for (size_t i = 0; i < n_shares; i++) {
                char where[sizeof(LXS_SHARES_DIR) + LXS_SHARE_PATH_MAX + 1];
                snprintf(where, sizeof(where), "%s%s", LXS_SHARES_DIR, strcmp(shares[i].host_path, "/") ? shares[i].host_path : "");
                int r = mkdir_parents(where);
                if (r == 0 && mount(shares[i].tag, where, "9p", MS_NOSUID | MS_NODEV, SHARE_MOUNT_OPTIONS) < 0)
                        r = -errno;
                if (r < 0) {
                        lxs_report(-r, false, shares[i].host_path, "mount share %s", shares[i].tag);
                        free(shares[i].host_path);
                        shares[i].host_path = NULL;
                        continue;
                }
                mounted_any = true;
        }
}

void lxs_shares_set(const Lxs__Guest__HelloAck *ack)
{
        if (named)
                return;
        named = true;
        if (ack->view_root && lxs_share_path_valid(ack->view_root))
                view_root = strdup(ack->view_root);
        for (size_t i = 0; i < ack->n_shares && n_shares < LXS_SHARES_MAX; i++) {
                const Lxs__Guest__Share *s = ack->shares[i];
                if (!tag_valid(s->tag) || !lxs_share_path_valid(s->host_path)) {
                        lxs_report(EINVAL, false, s->host_path, "share %s from the host", s->tag ? s->tag : "");
                        continue;
                }
                char *copy = strdup(s->host_path);
                if (!copy) {
                        lxs_report(ENOMEM, false, NULL, "remember share %s", s->tag);
                        continue;
                }
                snprintf(shares[n_shares].tag, sizeof(shares[n_shares].tag), "%s", s->tag);
                shares[n_shares++].host_path = copy;
        }
        mount_all();
}

void lxs_shares_modules_ready(void)
{
        modules_in = true;
        mount_all();
}

bool lxs_shares_mounted(void)
{
        return mounted_any;
}

int lxs_shares_translate(const char *host_path, const char *automount_root, char **out)
{
        *out = NULL;
        if (!host_path || host_path[0] != '/' || !automount_root)
                return 0;
        for (size_t i = 0; i < n_shares; i++) {
                const char *share = shares[i].host_path;
                if (!share)
                        continue;
                size_t n = strcmp(share, "/") == 0 ? 0 : strlen(share);
                if (strncmp(host_path, share, n) != 0 || (host_path[n] != '\0' && host_path[n] != '/'))
                        continue;
                size_t root_len = strlen(automount_root);
                while (root_len > 0 && automount_root[root_len - 1] == '/')
                        root_len--;
                if (asprintf(out, "%.*s%s", (int)root_len, automount_root, host_path) < 0)
                        return -ENOMEM;
                return 1;
        }
        return 0;
}

const char *lxs_shares_view_root(void)
{
        return view_root;
}

size_t lxs_shares_list(const char **paths, size_t max)
{
        size_t n = 0;
        for (size_t i = 0; i < n_shares && n < max; i++)
                if (shares[i].host_path)
                        paths[n++] = shares[i].host_path;
        return n;
}
