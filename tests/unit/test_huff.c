/* test_huff.c - the stored text's Huffman coder: zlib's inflate reads its
 * streams back exactly, its codes are complete, at most 15 bits long and
 * near the entropy of the counts they were built from. */
#include <math.h>
#include <stdlib.h>
#include <zlib.h>

#include "check.h"
#include "huff.h"

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Encodes p[0..len) with hc and inflates it again with zlib. */
static int roundtrip(const huff_code *hc, const uint8_t *p, size_t len,
                     size_t *zlen) {
    size_t bound = huff_bound(hc, len);
    uint8_t *z = malloc(bound + 1), *back = malloc(len + 1);
    z[bound] = 0xA5; /* a canary one past the bound */
    size_t n = huff_encode(hc, p, len, z);
    uLongf blen = (uLongf)len + 1;
    int ok = n <= bound && z[bound] == 0xA5 &&
             uncompress(back, &blen, z, (uLong)n) == Z_OK && blen == len &&
             memcmp(back, p, len) == 0;
    if (zlen) *zlen = n;
    free(z);
    free(back);
    return ok;
}

/* The code is complete (Kraft sum exactly 1), every symbol has a code of
 * 1..15 bits, and the bit-reversed codes are those of canonical order. */
static int well_formed(const huff_code *hc) {
    uint64_t kraft = 0;
    for (int s = 0; s < 257; s++) {
        if (hc->len[s] < 1 || hc->len[s] > HUFF_MAX_BITS) return 0;
        kraft += 1u << (HUFF_MAX_BITS - hc->len[s]);
        if (hc->code[s] >> hc->len[s]) return 0;
    }
    if (kraft != 1u << HUFF_MAX_BITS) return 0;
    /* prefix-free: no code is a prefix of another (LSB-first codes) */
    for (int a = 0; a < 257; a++)
        for (int b = 0; b < 257; b++)
            if (a != b && hc->len[a] <= hc->len[b] &&
                (hc->code[b] & ((1u << hc->len[a]) - 1)) == hc->code[a])
                return 0;
    return 1;
}

static const char *sample =
    "Die Bundesregierung hat am Mittwoch neue Exportbeschränkungen "
    "beschlossen. De regering in Den Haag reageerde terughoudend op het "
    "besluit. The measures take effect next month, officials said, and "
    "will be reviewed in the autumn. Überraschend kam die Entscheidung "
    "nicht: schon im März hatte der Minister sie angekündigt.\n\n";

int main(void) {
    huff_code hc;
    uint64_t count[256];

    /* a code from text: streams of that text, of other text, of every
     * byte value, of nothing and of one byte all inflate exactly */
    size_t slen = strlen(sample);
    size_t big = 1 << 20;
    uint8_t *text = malloc(big);
    for (size_t i = 0; i < big; i++)
        text[i] = (uint8_t)sample[i % slen];
    memset(count, 0, sizeof count);
    huff_count(count, text, big);
    {
        uint64_t direct[256] = {0};
        for (size_t i = 0; i < big; i++)
            direct[text[i]]++;
        CHECK(memcmp(direct, count, sizeof direct) == 0);
        /* a counter fed in pieces of every length gives the same counts,
         * also when its tables are summed on the way (pending near the
         * limit) */
        static huff_counter hcnt;
        memset(&hcnt, 0, sizeof hcnt);
        size_t at = 0, piece = 0;
        while (at < big) {
            size_t n = piece < big - at ? piece : big - at;
            if (piece == 700) hcnt.pending = ((uint64_t)1 << 31) - 3;
            huff_counter_add(&hcnt, text + at, n);
            at += n;
            piece = (piece + 1) % 1000;
        }
        CHECK(hcnt.pending < (uint64_t)1 << 31);
        CHECK(memcmp(direct, huff_counter_sum(&hcnt), sizeof direct) == 0);
        CHECK(hcnt.pending == 0);
    }
    huff_build(&hc, count);
    CHECK(well_formed(&hc));
    size_t zlen = 0;
    CHECK(roundtrip(&hc, text, big, &zlen));
    /* Huffman codes stay within one bit of the entropy */
    double h = 0, total = (double)big;
    for (int c = 0; c < 256; c++)
        if (count[c])
            h -= (double)count[c] / total * log2((double)count[c] / total);
    double avg = hc.avg_bits16 / 16.0;
    CHECK(avg >= h - 0.07 && avg < h + 1.0);
    CHECK(zlen * 8.0 / total < h + 1.0);
    CHECK(zlen < big * 3 / 4);
    for (size_t len = 0; len <= 40; len++)
        CHECK(roundtrip(&hc, text + 7, len, NULL));
    {
        uint8_t all[512];
        for (int i = 0; i < 512; i++)
            all[i] = (uint8_t)(i * 37 + 11);
        CHECK(roundtrip(&hc, all, sizeof all, NULL));
        /* the longest codes only: the bound holds */
        int rare = 0;
        for (int c = 0; c < 256; c++)
            if (hc.len[c] > hc.len[rare]) rare = c;
        memset(all, rare, sizeof all);
        CHECK(hc.len[rare] >= 12);
        CHECK(roundtrip(&hc, all, sizeof all, &zlen));
        CHECK(zlen > sizeof all * hc.len[rare] / 8);
    }

    /* counts that are all zero, one byte alone, and random bytes */
    memset(count, 0, sizeof count);
    huff_build(&hc, count);
    CHECK(well_formed(&hc));
    CHECK(roundtrip(&hc, text, 5000, NULL));
    count['a'] = 1000000;
    huff_build(&hc, count);
    CHECK(well_formed(&hc));
    CHECK(hc.len['a'] == 1);
    {
        uint8_t as[3000];
        memset(as, 'a', sizeof as);
        CHECK(roundtrip(&hc, as, sizeof as, &zlen));
        CHECK(zlen < 3000 / 8 + 300); /* one bit each, plus the header */
    }
    uint8_t *noise = malloc(100000);
    for (size_t i = 0; i < 100000; i++)
        noise[i] = (uint8_t)rnd();
    memset(count, 0, sizeof count);
    huff_count(count, noise, 100000);
    huff_build(&hc, count);
    CHECK(well_formed(&hc));
    CHECK(roundtrip(&hc, noise, 100000, NULL));
    CHECK(roundtrip(&hc, text, 100000, NULL));

    /* Fibonacci counts: an unlimited Huffman code would be 40 bits deep,
     * so the lengths must be limited; the common bytes keep short codes */
    memset(count, 0, sizeof count);
    {
        uint64_t a = 1, b = 1;
        for (int c = 0; c < 40; c++) {
            count['A' + c] = a;
            uint64_t t = a + b;
            a = b;
            b = t;
        }
    }
    huff_build(&hc, count);
    CHECK(well_formed(&hc));
    CHECK(hc.len['A' + 39] <= 2);
    CHECK(hc.len['A' + 39] <= hc.len['A' + 20]);
    {
        uint8_t f[4000];
        for (size_t i = 0; i < sizeof f; i++)
            f[i] = (uint8_t)('A' + 25 + rnd() % 15);
        CHECK(roundtrip(&hc, f, sizeof f, NULL));
    }
    /* counts beyond 32 bits */
    for (int c = 0; c < 256; c++)
        count[c] = ((uint64_t)1 << 40) + (uint64_t)c * 977;
    count[' '] = (uint64_t)1 << 50;
    huff_build(&hc, count);
    CHECK(well_formed(&hc));
    CHECK(hc.len[' '] == 1);
    CHECK(roundtrip(&hc, text, 20000, NULL));

    free(noise);
    free(text);
    return check_summary("test_huff");
}
