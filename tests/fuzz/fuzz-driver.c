/* Stand-alone driver for the fuzz targets when not built with libFuzzer: replays the files
 * named on the command line, or with `--random N`, runs N deterministic pseudo-random inputs
 * (random frames whose payloads are made of protobuf-looking tag/length/value runs). ctest runs
 * the latter on every build, so every decoder meets hostile input under ASan/UBSan too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return (uint32_t)rng_state;
}

/* A payload of plausible protobuf fields: varints, length-delimited runs, nested messages. */
static size_t gen_payload(uint8_t *buf, size_t cap, int depth)
{
        size_t n = 0;
        int fields = (int)(rnd() % 6);
        for (int i = 0; i < fields && n + 16 < cap; i++) {
                uint32_t field = 1 + rnd() % 14;
                uint32_t wire = rnd() % 3 == 0 ? 0 : 2;
                if (rnd() % 16 == 0)
                        wire = rnd() % 8; /* invalid wire types too */
                buf[n++] = (uint8_t)(field << 3 | wire);
                if (wire == 0) {
                        int bytes = 1 + (int)(rnd() % 10);
                        for (int b = 0; b < bytes && n < cap; b++)
                                buf[n++] = (uint8_t)(b + 1 < bytes ? 0x80 | rnd() : rnd() & 0x7f);
                } else {
                        size_t room = cap - n - 2;
                        size_t len = rnd() % (room < 64 ? room + 1 : 64);
                        size_t lenpos = n++;
                        if (depth < 3 && rnd() % 2)
                                len = gen_payload(buf + n, len, depth + 1);
                        else
                                for (size_t b = 0; b < len; b++)
                                        buf[n + b] = (uint8_t)rnd();
                        if (rnd() % 20 == 0)
                                len += rnd() % 8; /* lie about the length */
                        buf[lenpos] = (uint8_t)(len & 0x7f);
                        n += len < cap - n ? len : 0;
                }
        }
        return n;
}

int main(int argc, char **argv)
{
        if (argc == 3 && strcmp(argv[1], "--random") == 0) {
                long iterations = atol(argv[2]);
                static uint8_t input[8192];
                for (long it = 0; it < iterations; it++) {
                        size_t n = 0;
                        int frames = 1 + (int)(rnd() % 4);
                        for (int f = 0; f < frames && n + 600 < sizeof(input); f++) {
                                size_t len = gen_payload(input + n + 4, 512, 0);
                                uint32_t hdr = (uint32_t)len;
                                if (rnd() % 32 == 0)
                                        hdr = rnd(); /* oversized or truncated frames */
                                memcpy(input + n, &hdr, 4);
                                n += 4 + len;
                        }
                        if (rnd() % 8 == 0)
                                n = rnd() % (n + 1); /* truncated stream */
                        LLVMFuzzerTestOneInput(input, n);
                }
                printf("%ld random inputs: no crash\n", iterations);
                return 0;
        }
        for (int i = 1; i < argc; i++) {
                FILE *f = fopen(argv[i], "rb");
                if (!f) {
                        perror(argv[i]);
                        return 1;
                }
                static uint8_t buf[1 << 20];
                size_t n = fread(buf, 1, sizeof(buf), f);
                fclose(f);
                LLVMFuzzerTestOneInput(buf, n);
        }
        return 0;
}
