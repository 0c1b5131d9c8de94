/* Module resolution on a fixture module tree: dependencies first, no duplicates, earliest phase
 * wins, built-ins dropped, '-'/'_' alike, missing modules and cycles reported; modules.list
 * parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cleanup.h"
#include "modules-dep.h"

static char dir[] = "/tmp/test-vm-modules.XXXXXX";

static void write_file(const char *name, const char *text)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                abort();
        FILE *f = fopen(path, "w");
        fputs(text, f);
        fclose(f);
}

static void remove_file(const char *name)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                abort();
        unlink(path);
}

/* "phase name,phase name,..." of a plan. */
static char *describe(const struct lxs_module_plan *plan)
{
        char *s = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&s, &len);
        for (size_t i = 0; i < plan->n; i++)
                fprintf(f, "%s%s %s", i ? "," : "", lxs_module_phase_name(plan->entries[i].phase),
                        plan->entries[i].name);
        fclose(f);
        return s;
}

int main(void)
{
        if (!mkdtemp(dir))
                return 1;
        /* Shaped like Debian's: virtio-rng has a dash, and modules are listed before the
         * modules they depend on, so the order must come from the walk, not the file. */
        write_file("modules.dep",
                   "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/jbd2/jbd2.ko kernel/fs/mbcache.ko\n"
                   "kernel/fs/jbd2/jbd2.ko: kernel/fs/mbcache.ko\n"
                   "kernel/drivers/char/hw_random/virtio-rng.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
                   "kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
                   "kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n"
                   "kernel/drivers/virtio/virtio_ring.ko:\n"
                   "kernel/lib/crc16.ko:\n"
                   "kernel/fs/mbcache.ko:\n"
                   "kernel/fs/overlayfs/overlay.ko:\n");
        write_file("modules.builtin", "kernel/net/packet/af_packet.ko\nkernel/drivers/virtio/virtio_mmio.ko\n");

        struct lxs_modules_dep *d = NULL;
        CHECK_EQ_INT(lxs_modules_dep_load(dir, &d), 0);
        if (!d)
                return check_result("test-vm-modules");

        /* ext4 comes first in the list but is "later"; virtio_ring is needed by both phases
         * and must be loaded at boot, once. */
        const struct lxs_module_request req[] = {
                { "ext4", LXS_MODPHASE_LATER },
                { "virtio_mmio", LXS_MODPHASE_BOOT },       /* built in: dropped */
                { "virtio_console", LXS_MODPHASE_BOOT },
                { "virtio-rng", LXS_MODPHASE_BOOT },
                { "overlay", LXS_MODPHASE_LATER },
                { "af-packet", LXS_MODPHASE_LATER },        /* built in, other spelling */
                { "virtio_ring", LXS_MODPHASE_LATER },      /* already boot: stays boot, once */
        };
        struct lxs_module_plan plan;
        char *missing = NULL;
        CHECK_EQ_INT(lxs_modules_resolve(d, req, sizeof(req) / sizeof(req[0]), &plan, &missing), 0);
        _cleanup_free_ char *got = describe(&plan);
        CHECK_EQ_STR(got, "boot virtio_ring,boot virtio,boot virtio_console,boot virtio_rng,"
                          "later crc16,later mbcache,later jbd2,later ext4,later overlay");
        CHECK(plan.n > 3 && strcmp(plan.entries[3].path, "kernel/drivers/char/hw_random/virtio-rng.ko") == 0);
        lxs_module_plan_free(&plan);

        const struct lxs_module_request nope[] = { { "ext4", LXS_MODPHASE_BOOT }, { "zfs", LXS_MODPHASE_LATER } };
        CHECK_EQ_INT(lxs_modules_resolve(d, nope, 2, &plan, &missing), -ENOENT);
        CHECK_EQ_STR(missing, "zfs");
        CHECK_EQ_INT(plan.n, 0);
        free(missing);
        lxs_modules_dep_free(d);

        /* A cycle (depmod would refuse it) is an error, not a hang. */
        write_file("modules.dep", "a.ko: b.ko\nb.ko: a.ko\n");
        d = NULL;
        CHECK_EQ_INT(lxs_modules_dep_load(dir, &d), 0);
        const struct lxs_module_request a[] = { { "a", LXS_MODPHASE_BOOT } };
        if (d)
                CHECK_EQ_INT(lxs_modules_resolve(d, a, 1, &plan, NULL), -ELOOP);
        lxs_modules_dep_free(d);

        /* A dependency that is not itself listed: broken tree. */
        write_file("modules.dep", "a.ko: ghost.ko\n");
        d = NULL;
        CHECK_EQ_INT(lxs_modules_dep_load(dir, &d), -EBADMSG);
        CHECK(d == NULL);

        remove_file("modules.dep");
        CHECK_EQ_INT(lxs_modules_dep_load(dir, &d), -ENOENT);
        remove_file("modules.builtin");
        rmdir(dir);

        /* modules.list */
        struct lxs_module_request *r = NULL;
        size_t n = 0;
        char *storage = NULL;
        unsigned bad = 0;
        CHECK_EQ_INT(lxs_modules_list_parse("# c\n\nboot virtio_mmio  # transport\n later\text4\r\n", &r, &n,
                                            &storage, &bad), 0);
        CHECK_EQ_INT(n, 2);
        if (n == 2) {
                CHECK_EQ_STR(r[0].name, "virtio_mmio");
                CHECK_EQ_INT(r[0].phase, LXS_MODPHASE_BOOT);
                CHECK_EQ_STR(r[1].name, "ext4");
                CHECK_EQ_INT(r[1].phase, LXS_MODPHASE_LATER);
        }
        free(r);
        free(storage);
        CHECK_EQ_INT(lxs_modules_list_parse("boot a\nsoon b\n", &r, &n, &storage, &bad), -EINVAL);
        CHECK_EQ_INT(bad, 2);
        CHECK_EQ_INT(lxs_modules_list_parse("boot\n", &r, &n, &storage, &bad), -EINVAL);
        CHECK_EQ_INT(lxs_modules_list_parse("boot a b\n", &r, &n, &storage, &bad), -EINVAL);
        return check_result("test-vm-modules");
}
