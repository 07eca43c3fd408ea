/* fuzz_huff.c - fuzz target of the stored text's Huffman coder.  Input
 * byte 0 picks where the code's counts come from:
 *   even: the rest of the input itself (as the writer counts a batch);
 *   odd:  bytes 1..256 as exponents (count[c] = 2^(byte % 48)), which
 *         makes codes that need length limiting, and the rest is coded.
 * The stream must fit huff_bound, inflate with zlib to exactly the input
 * and end where zlib says it ends. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "huff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(x)                                                                \
    do {                                                                       \
        if (!(x)) abort();                                                     \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint64_t count[256] = {0};
    const uint8_t *text = data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        size_t n = len < 256 ? len : 256;
        for (size_t c = 0; c < n; c++)
            count[c] = (uint64_t)1 << (text[c] % 48);
        text += n;
        len -= n;
    } else {
        huff_count(count, text, len);
    }
    huff_code *hc = malloc(sizeof *hc);
    MUST(hc != NULL);
    huff_build(hc, count);
    size_t bound = huff_bound(hc, len);
    uint8_t *z = malloc(bound), *back = malloc(len + 1);
    MUST(z != NULL && back != NULL);
    size_t n = huff_encode(hc, text, len, z);
    MUST(n <= bound);
    z_stream s;
    memset(&s, 0, sizeof s);
    MUST(inflateInit(&s) == Z_OK);
    s.next_in = z;
    s.avail_in = (uInt)n;
    s.next_out = back;
    s.avail_out = (uInt)len + 1;
    MUST(inflate(&s, Z_FINISH) == Z_STREAM_END);
    MUST(s.total_out == len && s.avail_in == 0);
    MUST(memcmp(back, text, len) == 0);
    inflateEnd(&s);
    free(back);
    free(z);
    free(hc);
    return 0;
}
