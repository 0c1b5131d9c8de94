/* Appended module signatures; see module-sig.h. The layout is the kernel's: module, signature
 * data, a 12-byte trailer (whose last 4 bytes are the big-endian signature length, with signer
 * and key id lengths at bytes 3 and 4), then the marker string. */
#include "module-sig.h"

#include <string.h>

#define SIG_MARKER "~Module signature appended~\n"
#define SIG_TRAILER_LEN 12u

size_t lxs_module_unsigned_len(const uint8_t *buf, size_t len)
{
        const size_t marker_len = sizeof(SIG_MARKER) - 1;
        if (len < marker_len + SIG_TRAILER_LEN || memcmp(buf + len - marker_len, SIG_MARKER, marker_len) != 0)
                return len;
        const uint8_t *trailer = buf + len - marker_len - SIG_TRAILER_LEN;
        size_t sig_len = (size_t)trailer[8] << 24 | (size_t)trailer[9] << 16 | (size_t)trailer[10] << 8 | trailer[11];
        size_t extra = (size_t)trailer[3] + trailer[4] + sig_len; /* signer, key id, signature */
        size_t tail = marker_len + SIG_TRAILER_LEN;
        if (extra > len - tail)
                return len;
        return len - tail - extra;
}
