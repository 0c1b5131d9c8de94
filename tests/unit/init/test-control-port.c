/* Unit test: finding the control port in a sysfs-like tree (init/control-port.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "control-port.h"

static char root[64];

static void make_port(const char *entry, const char *name)
{
        char p[256];
        snprintf(p, sizeof(p), "%s/%s", root, entry);
        mkdir(p, 0755);
        if (!name)
                return;
        snprintf(p, sizeof(p), "%s/%s/name", root, entry);
        FILE *f = fopen(p, "w");
        fputs(name, f);
        fclose(f);
}

int main(void)
{
        snprintf(root, sizeof(root), "/tmp/lxs-test-port-XXXXXX");
        CHECK(mkdtemp(root) != NULL);
        char dev[64];
        CHECK(lxs_control_port_find(root, "lxs.control", dev, sizeof(dev)) == -ENOENT);
        make_port("vport0p0", NULL);                /* announced, name not set yet */
        make_port("vport0p1", "org.other\n");
        make_port("other", "lxs.control\n");        /* not a vport entry */
        CHECK(lxs_control_port_find(root, "lxs.control", dev, sizeof(dev)) == -ENOENT);
        make_port("vport0p2", "lxs.control.extra\n");
        CHECK(lxs_control_port_find(root, "lxs.control", dev, sizeof(dev)) == -ENOENT);
        make_port("vport0p3", "lxs.control\n");
        CHECK(lxs_control_port_find(root, "lxs.control", dev, sizeof(dev)) == 0);
        CHECK(strcmp(dev, "/dev/vport0p3") == 0);
        char tiny[8];
        CHECK(lxs_control_port_find(root, "lxs.control", tiny, sizeof(tiny)) == -ENAMETOOLONG);
        CHECK(lxs_control_port_find("/nonexistent-lxs", "lxs.control", dev, sizeof(dev)) == -ENOENT);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
        CHECK(system(cmd) == 0);
        return check_result("test-control-port");
}
