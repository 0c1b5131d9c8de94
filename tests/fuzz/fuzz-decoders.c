/* Fuzz targets for every decoder of untrusted input. FUZZ_TARGET selects one at build time:
 *   1 guest -> host frames (what lxsd reads from the VM)
 *   2 host -> guest frames (what the guest's /init reads)
 *   3 CLI -> lxsd requests
 *   4 lxs.conf INI text
 * The input is consumed as a byte stream through the real frame reader, so framing and
 * decoding are fuzzed together, as they are used. */
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "ini.h"
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#if FUZZ_TARGET == 4
static int ini_sink(const char *s, const char *k, const char *v, unsigned line, void *d)
{
        unsigned long long x;
        int b;
        (void)lxs_parse_size(v, &x);
        (void)lxs_parse_bool(v, &b);
        (void)lxs_parse_u64(v, &x);
        return 0;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#if FUZZ_TARGET == 4
        unsigned line;
        lxs_ini_parse_string((const char *)data, size, ini_sink, NULL, &line);
#else
        struct lxs_frame_reader r;
        lxs_frame_reader_init(&r);
        lxs_frame_reader_feed(&r, data, size);
        const uint8_t *p;
        size_t len;
        while (lxs_frame_reader_next(&r, &p, &len) == 1) {
#if FUZZ_TARGET == 1
                Lxs__Guest__GuestToHost *m = lxs_guest_to_host_decode(p, len);
                lxs_guest_to_host_freep(&m);
#elif FUZZ_TARGET == 2
                Lxs__Guest__HostToGuest *m = lxs_host_to_guest_decode(p, len);
                lxs_host_to_guest_freep(&m);
#elif FUZZ_TARGET == 3
                Lxs__Service__Request *m = lxs_request_decode(p, len);
                lxs_request_freep(&m);
#endif
        }
        lxs_frame_reader_free(&r);
#endif
        return 0;
}
