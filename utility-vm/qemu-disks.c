/* Hot-adding and removing distro disks on the running VM through QMP (blockdev-add +
 * device_add scsi-hd, device_del + blockdev-del). Each disk is addressed by its SCSI target on
 * the controller LXS_VM_SCSI_BUS; node and device ids derive from it, so lxsd needs no other
 * bookkeeping than which target a distro has. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "qemu-disks.h"

#define QMP_DISK_MS 5000
/* device_del of a SCSI disk completes just after its reply; blockdev-del fails while the
 * device still holds the node, so it is retried for this long. */
#define DETACH_SETTLE_MS 3000

/* A JSON string literal (with quotes) for s; NULL on allocation failure. */
static char *json_string(const char *s)
{
        size_t n = strlen(s);
        char *out = malloc(n * 6 + 3);
        if (!out)
                return NULL;
        char *o = out;
        *o++ = '"';
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '"' || *p == '\\') {
                        *o++ = '\\';
                        *o++ = (char)*p;
                } else if (*p < 0x20) {
                        o += sprintf(o, "\\u%04x", *p);
                } else {
                        *o++ = (char)*p;
                }
        }
        *o++ = '"';
        *o = '\0';
        return out;
}

static int qmp(struct lxs_vm *vm, const char *json, char **err_detail, const char *what)
{
        _cleanup_free_ char *reply = NULL;
        int r = lxs_qmp_command(vm->qmp_fd, json, QMP_DISK_MS, &reply);
        if (r < 0 && err_detail && asprintf(err_detail, "%s: %s", what, reply ? reply : strerror(-r)) < 0)
                *err_detail = NULL;
        return r;
}

int lxs_qemu_attach_disk(struct lxs_vm *vm, unsigned target, const char *path, char **err_detail)
{
        if (target >= LXS_VM_MAX_DISKS || vm->qmp_fd < 0)
                return -EINVAL;
        _cleanup_free_ char *file = json_string(path);
        _cleanup_free_ char *add = NULL, *dev = NULL, *del = NULL;
        if (!file ||
            asprintf(&add,
                     "{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"raw\",\"node-name\":\"disk%u\","
                     "\"discard\":\"unmap\",\"file\":{\"driver\":\"file\",\"filename\":%s}}}",
                     target, file) < 0 ||
            asprintf(&dev,
                     "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"scsi-hd\",\"id\":\"sd%u\","
                     "\"drive\":\"disk%u\",\"bus\":\"" LXS_VM_SCSI_BUS ".0\",\"scsi-id\":%u,\"lun\":0}}",
                     target, target, target) < 0 ||
            asprintf(&del, "{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"disk%u\"}}", target) < 0)
                return -ENOMEM;
        int r = qmp(vm, add, err_detail, "blockdev-add");
        if (r < 0)
                return r;
        r = qmp(vm, dev, err_detail, "device_add");
        if (r < 0)
                (void)lxs_qmp_command(vm->qmp_fd, del, QMP_DISK_MS, NULL); /* nothing half-attached */
        return r;
}

int lxs_qemu_detach_disk(struct lxs_vm *vm, unsigned target, char **err_detail)
{
        if (target >= LXS_VM_MAX_DISKS || vm->qmp_fd < 0)
                return -EINVAL;
        _cleanup_free_ char *dev = NULL, *del = NULL;
        if (asprintf(&dev, "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"sd%u\"}}", target) < 0 ||
            asprintf(&del, "{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"disk%u\"}}", target) < 0)
                return -ENOMEM;
        int r = qmp(vm, dev, err_detail, "device_del");
        if (r < 0)
                return r;
        for (int waited = 0;; waited += 20) {
                r = lxs_qmp_command(vm->qmp_fd, del, QMP_DISK_MS, NULL);
                if (r == 0 || waited >= DETACH_SETTLE_MS)
                        break;
                struct timespec ts = { 0, 20 * 1000000 };
                nanosleep(&ts, NULL);
        }
        if (r < 0)
                return qmp(vm, del, err_detail, "blockdev-del");
        return 0;
}
