/* Unit test: which share paths the guest accepts from the host, and how a host working
 * directory is translated to its place under a distro's automount root (init/shares.c). Nothing
 * is mounted here: the module phase that triggers mounting is never reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "shares.h"

static void check_translate(const char *host, const char *root, const char *want)
{
        char *out = NULL;
        int r = lxs_shares_translate(host, root, &out);
        if (!want) {
                CHECK(r == 0 && out == NULL);
        } else {
                CHECK(r == 1 && out && strcmp(out, want) == 0);
                if (!out || strcmp(out, want) != 0)
                        fprintf(stderr, "  %s under %s: '%s', expected '%s'\n", host, root, out ? out : "(null)", want);
        }
        free(out);
}

int main(void)
{
        CHECK(lxs_share_path_valid("/"));
        CHECK(lxs_share_path_valid("/home/ann"));
        CHECK(lxs_share_path_valid("/srv/d\xc3\xa4ta files"));
        CHECK(!lxs_share_path_valid(NULL));
        CHECK(!lxs_share_path_valid(""));
        CHECK(!lxs_share_path_valid("home/ann"));
        CHECK(!lxs_share_path_valid("/home/ann/"));
        CHECK(!lxs_share_path_valid("/home//ann"));
        CHECK(!lxs_share_path_valid("/home/./ann"));
        CHECK(!lxs_share_path_valid("/home/../etc"));
        CHECK(!lxs_share_path_valid("/.."));

        Lxs__Guest__Share home = LXS__GUEST__SHARE__INIT, data = LXS__GUEST__SHARE__INIT,
                          escape = LXS__GUEST__SHARE__INIT, badtag = LXS__GUEST__SHARE__INIT;
        home.tag = "lxs-share0";
        home.host_path = "/home/ann";
        data.tag = "lxs-share1";
        data.host_path = "/srv/data";
        escape.tag = "lxs-share2";
        escape.host_path = "/srv/../etc";
        badtag.tag = "rootfs";
        badtag.host_path = "/opt";
        Lxs__Guest__Share *list[] = { &home, &data, &escape, &badtag };
        Lxs__Guest__HelloAck ack = LXS__GUEST__HELLO_ACK__INIT;
        ack.shares = list;
        ack.n_shares = 4;
        lxs_shares_set(&ack);
        CHECK(!lxs_shares_mounted());

        check_translate("/home/ann", "/mnt/host/", "/mnt/host/home/ann");
        check_translate("/home/ann/src/x y", "/mnt/host", "/mnt/host/home/ann/src/x y");
        check_translate("/srv/data/a", "/host/", "/host/srv/data/a");
        check_translate("/srv/data/a", "/", "/srv/data/a");
        check_translate("/home/annie", "/mnt/host/", NULL);   /* a prefix, not a parent */
        check_translate("/etc", "/mnt/host/", NULL);           /* the refused "/srv/../etc" */
        check_translate("/opt", "/mnt/host/", NULL);           /* the refused tag */
        check_translate("relative", "/mnt/host/", NULL);
        check_translate(NULL, "/mnt/host/", NULL);

        /* Only the first HelloAck of a VM counts. */
        Lxs__Guest__Share other = LXS__GUEST__SHARE__INIT;
        other.tag = "lxs-share0";
        other.host_path = "/etc";
        Lxs__Guest__Share *again[] = { &other };
        ack.shares = again;
        ack.n_shares = 1;
        lxs_shares_set(&ack);
        check_translate("/etc", "/mnt/host/", NULL);
        check_translate("/home/ann", "/mnt/host/", "/mnt/host/home/ann");
        return check_result("test-shares");
}
