/* The initramfs builder ships modules without their appended signature: a signed module loses
 * exactly the signature, trailer and marker; an unsigned one, a truncated trailer or a
 * signature length larger than the file are left whole. argv[1], when given, is the real
 * kernel's module tree: its signed ext4.ko must shrink and keep its ELF header. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cleanup.h"
#include "fd-util.h"
#include "module-sig.h"

#define MARKER "~Module signature appended~\n"

/* body_len bytes of module, sig_len bytes of signature, the trailer, the marker. */
static size_t make_signed(uint8_t *buf, size_t body_len, uint32_t sig_len)
{
        memset(buf, 'm', body_len);
        memset(buf + body_len, 's', sig_len);
        uint8_t *t = buf + body_len + sig_len;
        memset(t, 0, 12);
        t[2] = 2; /* PKCS#7 */
        t[8] = (uint8_t)(sig_len >> 24);
        t[9] = (uint8_t)(sig_len >> 16);
        t[10] = (uint8_t)(sig_len >> 8);
        t[11] = (uint8_t)sig_len;
        memcpy(t + 12, MARKER, strlen(MARKER));
        return body_len + sig_len + 12 + strlen(MARKER);
}

int main(int argc, char **argv)
{
        static uint8_t buf[4096];
        size_t len = make_signed(buf, 1000, 700);
        CHECK_EQ_INT(lxs_module_unsigned_len(buf, len), 1000);

        CHECK_EQ_INT(lxs_module_unsigned_len(buf, 1000), 1000); /* no signature */
        CHECK_EQ_INT(lxs_module_unsigned_len(buf, 10), 10);

        len = make_signed(buf, 10, 5);
        buf[10 + 5 + 8] = 0x7f; /* a signature longer than the file */
        CHECK_EQ_INT(lxs_module_unsigned_len(buf, len), len);

        len = make_signed(buf, 0, 0); /* nothing but trailer and marker */
        CHECK_EQ_INT(lxs_module_unsigned_len(buf, len), 0);

        if (argc > 1) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/kernel/fs/ext4/ext4.ko", argv[1]);
                _cleanup_free_ char *ko = NULL;
                int r = lxs_read_file(path, 64u << 20, &ko);
                if (r > 0) {
                        size_t n = lxs_module_unsigned_len((const uint8_t *)ko, (size_t)r);
                        CHECK(n < (size_t)r && n > (size_t)r / 2);
                        CHECK(memcmp(ko, "\177ELF", 4) == 0);
                } else {
                        fprintf(stderr, "no %s: only the synthetic cases ran\n", path);
                }
        }
        return check_result("test-vm-module-sig");
}
