/* Unit test: finding a distro's disk by SCSI target in a fake sysfs tree (init/distro-disk.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "distro-disk.h"

static char root[64];

/* <root>/block/<name>/device -> ../../devices/.../<addr>, with an optional device/state. */
static void make_disk(const char *name, const char *addr, const char *state)
{
        /* Each disk's device directory is its own (the same address can be there twice while
         * an old disk is being deleted), told apart by the disk's name in the path. */
        char p[512], t[1100];
        snprintf(p, sizeof(p), "%s/devices/%s/host0/target%s/%s", root, name, addr, addr);
        snprintf(t, sizeof(t), "mkdir -p '%s'", p);
        CHECK(system(t) == 0);
        if (state) {
                snprintf(t, sizeof(t), "%s/state", p);
                FILE *f = fopen(t, "w");
                fputs(state, f);
                fclose(f);
        }
        snprintf(p, sizeof(p), "%s/block/%s", root, name);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/block/%s/device", root, name);
        snprintf(t, sizeof(t), "../../devices/%s/host0/target%s/%s", name, addr, addr);
        CHECK(symlink(t, p) == 0);
}

int main(void)
{
        snprintf(root, sizeof(root), "/tmp/lxs-test-disk-XXXXXX");
        CHECK(mkdtemp(root) != NULL);
        char name[16];
        CHECK(lxs_disk_find(root, 0, name, sizeof(name)) == -ENOENT); /* no block/ at all */
        char p[128];
        snprintf(p, sizeof(p), "%s/block", root);
        mkdir(p, 0755);
        CHECK(lxs_disk_find(root, 0, name, sizeof(name)) == -ENOENT);
        make_disk("vda", "0:0:3:0", "running\n");   /* not an sd disk */
        make_disk("sda", "0:0:1:0", "running\n");
        make_disk("sdb", "0:0:13:0", "running\n");  /* target 13 must not match 1 or 3 */
        make_disk("sdc", "1:0:3:0", "running\n");   /* another host */
        make_disk("sdd", "0:0:3:1", "running\n");   /* another LUN */
        CHECK(lxs_disk_find(root, 3, name, sizeof(name)) == -ENOENT);
        make_disk("sde", "0:0:3:0", "deleted\n");   /* being removed after a detach */
        CHECK(lxs_disk_find(root, 3, name, sizeof(name)) == -ENOENT);
        make_disk("sdf", "0:0:3:0", "running\n");
        CHECK(lxs_disk_find(root, 3, name, sizeof(name)) == 0 && strcmp(name, "sdf") == 0);
        CHECK(lxs_disk_find(root, 1, name, sizeof(name)) == 0 && strcmp(name, "sda") == 0);
        CHECK(lxs_disk_find(root, 13, name, sizeof(name)) == 0 && strcmp(name, "sdb") == 0);
        make_disk("sdg", "0:0:7:0", NULL);          /* no state file: counts */
        CHECK(lxs_disk_find(root, 7, name, sizeof(name)) == 0 && strcmp(name, "sdg") == 0);
        char tiny[3];
        CHECK(lxs_disk_find(root, 7, tiny, sizeof(tiny)) == -ENAMETOOLONG);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
        CHECK(system(cmd) == 0);
        return check_result("test-distro-disk");
}
