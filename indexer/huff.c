/* huff.c - zlib streams of Huffman-coded literals (see huff.h). */
#include "huff.h"

#include <string.h>
#include <zlib.h>

/* A bit writer over a zeroed buffer, least significant bit first. */
typedef struct bitw {
    uint8_t *p;
    size_t bits;
} bitw;

static void put_bits(bitw *w, uint32_t v, unsigned n) {
    for (unsigned i = 0; i < n; i++, w->bits++)
        if (v >> i & 1) w->p[w->bits >> 3] |= (uint8_t)(1u << (w->bits & 7));
}

typedef struct symf {
    uint32_t f;
    uint16_t sym;
} symf;

static int cmp_symf(const void *a, const void *b) {
    const symf *x = a, *y = b;
    if (x->f != y->f) return x->f < y->f ? -1 : 1;
    return x->sym < y->sym ? -1 : x->sym > y->sym;
}

/* Code lengths of a minimum-redundancy code for m >= 2 weights sorted
 * ascending, in place (Moffat and Katajainen's in-place algorithm): a[i]
 * becomes the length of the i-th weight's code. */
static void mr_lengths(uint32_t *a, int m) {
    int s = 0, r = 0, x;
    for (x = 0; x < m - 1; x++) {
        uint32_t sum;
        if (s >= m || (r < x && a[r] < a[s])) {
            sum = a[r];
            a[r++] = (uint32_t)x;
        } else {
            sum = a[s++];
        }
        if (s >= m || (r < x && a[r] < a[s])) {
            sum += a[r];
            a[r++] = (uint32_t)x;
        } else {
            sum += a[s++];
        }
        a[x] = sum;
    }
    a[m - 2] = 0;
    for (x = m - 3; x >= 0; x--)
        a[x] = a[a[x]] + 1;
    int avail = 1, used = 0;
    uint32_t depth = 0;
    r = m - 2;
    x = m - 1;
    while (avail > 0) {
        while (r >= 0 && a[r] == depth) {
            used++;
            r--;
        }
        while (avail > used) {
            a[x--] = depth;
            avail--;
        }
        avail = 2 * used;
        depth++;
        used = 0;
    }
}

/* Lengths (at most limit bits) of a complete prefix code for n <= 286
 * symbols of weights f (sums below 2^31); symbols of weight 0 get none.
 * When one symbol has weight, a second one gets a code too, since inflate
 * takes only complete codes. */
static void code_lengths(const uint32_t *f0, int n, unsigned limit,
                         uint8_t *len) {
    uint32_t f[286];
    symf s[286] = {{0, 0}};
    uint32_t a[286] = {0};
    int m = 0;
    memcpy(f, f0, (size_t)n * sizeof *f);
    for (int i = 0; i < n; i++)
        m += f[i] > 0;
    if (m < 2)
        for (int i = 0; i < n && m < 2; i++)
            if (!f[i]) {
                f[i] = 1;
                m++;
            }
    for (;;) {
        m = 0;
        for (int i = 0; i < n; i++)
            if (f[i]) s[m++] = (symf){f[i], (uint16_t)i};
        zk_sort(s, (size_t)m, sizeof *s, cmp_symf);
        for (int i = 0; i < m; i++)
            a[i] = s[i].f;
        mr_lengths(a, m);
        /* a[0], the rarest symbol's, is the longest */
        if (a[0] <= limit) break;
        /* flatten the weights and try again: the rare symbols meet */
        for (int i = 0; i < n; i++)
            if (f[i]) f[i] = (f[i] >> 1) | 1;
    }
    memset(len, 0, (size_t)n);
    for (int i = 0; i < m; i++)
        len[s[i].sym] = (uint8_t)a[i];
}

/* Canonical codes for lengths len[0..n), bit-reversed for an LSB-first
 * writer. */
static void canonical(const uint8_t *len, int n, uint16_t *code) {
    unsigned count[HUFF_MAX_BITS + 1] = {0};
    uint32_t next[HUFF_MAX_BITS + 1];
    for (int i = 0; i < n; i++)
        count[len[i]]++;
    count[0] = 0;
    uint32_t c = 0;
    for (unsigned b = 1; b <= HUFF_MAX_BITS; b++) {
        c = (c + count[b - 1]) << 1;
        next[b] = c;
    }
    for (int i = 0; i < n; i++) {
        code[i] = 0;
        if (!len[i]) continue;
        uint32_t v = next[len[i]]++, r = 0;
        for (unsigned b = 0; b < len[i]; b++)
            r |= (v >> b & 1) << (len[i] - 1 - b);
        code[i] = (uint16_t)r;
    }
}

/* One code-length item: a code-length symbol and its extra bits. */
typedef struct cl_item {
    uint8_t sym, extra, nextra;
} cl_item;

/* Run-length codes the lengths (RFC 1951, 3.2.7); returns the items. */
static int cl_items(const uint8_t *lens, int n, cl_item *out) {
    int k = 0;
    for (int i = 0; i < n;) {
        int run = 1;
        while (i + run < n && lens[i + run] == lens[i])
            run++;
        int left = run;
        if (lens[i] == 0) {
            while (left >= 11) {
                int r = left > 138 ? 138 : left;
                out[k++] = (cl_item){18, (uint8_t)(r - 11), 7};
                left -= r;
            }
            if (left >= 3) {
                out[k++] = (cl_item){17, (uint8_t)(left - 3), 3};
                left = 0;
            }
        } else {
            out[k++] = (cl_item){lens[i], 0, 0};
            left--;
            while (left >= 3) {
                int r = left > 6 ? 6 : left;
                out[k++] = (cl_item){16, (uint8_t)(r - 3), 2};
                left -= r;
            }
        }
        while (left-- > 0)
            out[k++] = (cl_item){lens[i], 0, 0};
        i += run;
    }
    return k;
}

const uint64_t *huff_counter_sum(huff_counter *c) {
    for (int b = 0; b < 256; b++)
        c->count[b] += (uint64_t)c->t[0][b] + c->t[1][b] + c->t[2][b] +
                       c->t[3][b];
    memset(c->t, 0, sizeof c->t);
    c->pending = 0;
    return c->count;
}

/* A table counter holds at most pending bytes: summed before 2^31. */
#define COUNTER_MAX ((uint64_t)1 << 31)

void huff_counter_add(huff_counter *c, const uint8_t *p, size_t len) {
    /* four tables, so that runs of one byte value do not wait on one
     * counter */
    const uint8_t *end = p + len;
    while (p < end) {
        if (c->pending >= COUNTER_MAX) huff_counter_sum(c);
        uint64_t room = COUNTER_MAX - c->pending;
        const uint8_t *stop = (uint64_t)(end - p) > room ? p + room : end;
        c->pending += (uint64_t)(stop - p);
        for (; stop - p >= 4; p += 4) {
            c->t[0][p[0]]++;
            c->t[1][p[1]]++;
            c->t[2][p[2]]++;
            c->t[3][p[3]]++;
        }
        for (; p < stop; p++)
            c->t[0][*p]++;
    }
}

void huff_count(uint64_t count[256], const uint8_t *p, size_t len) {
    huff_counter c;
    memset(&c, 0, sizeof c);
    huff_counter_add(&c, p, len);
    const uint64_t *sum = huff_counter_sum(&c);
    for (int b = 0; b < 256; b++) count[b] += sum[b];
}

void huff_build(huff_code *hc, const uint64_t count[256]) {
    static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};
    uint64_t total = 0;
    for (int c = 0; c < 256; c++)
        total += count[c];
    unsigned shift = 0;
    while ((total >> shift) >= (1u << 28))
        shift++;
    /* every byte keeps a code; the end of block comes once per text */
    uint32_t f[257];
    for (int c = 0; c < 256; c++)
        f[c] = (uint32_t)(count[c] >> shift) + 1;
    f[256] = (uint32_t)((total >> shift) >> 10) + 1;
    code_lengths(f, 257, HUFF_MAX_BITS, hc->len);
    canonical(hc->len, 257, hc->code);

    uint64_t bits = 0;
    for (int c = 0; c < 256; c++)
        bits += count[c] * hc->len[c];
    hc->avg_bits16 = total ? (uint32_t)(bits * 16 / total) : 8 * 16;

    /* the lengths as one sequence: 257 literal/length codes, then one
     * distance code of one bit (no distances are used) */
    uint8_t seq[258];
    memcpy(seq, hc->len, 257);
    seq[257] = 1;
    cl_item items[258];
    int nitems = cl_items(seq, 258, items);
    uint32_t clf[19] = {0};
    for (int i = 0; i < nitems; i++)
        clf[items[i].sym]++;
    uint8_t cllen[19];
    uint16_t clcode[19];
    code_lengths(clf, 19, 7, cllen);
    canonical(cllen, 19, clcode);
    int ncl = 19;
    while (ncl > 4 && cllen[order[ncl - 1]] == 0)
        ncl--;

    memset(hc->hdr, 0, sizeof hc->hdr);
    hc->hdr[0] = 0x78; /* deflate, 32 KiB window */
    hc->hdr[1] = 0x01; /* fastest; (0x78 << 8 | 0x01) % 31 == 0 */
    bitw w = {hc->hdr, 16};
    put_bits(&w, 1, 1); /* final block */
    put_bits(&w, 2, 2); /* dynamic Huffman codes */
    put_bits(&w, 0, 5); /* 257 literal/length codes */
    put_bits(&w, 0, 5); /* 1 distance code */
    put_bits(&w, (uint32_t)(ncl - 4), 4);
    for (int i = 0; i < ncl; i++)
        put_bits(&w, cllen[order[i]], 3);
    for (int i = 0; i < nitems; i++) {
        put_bits(&w, clcode[items[i].sym], cllen[items[i].sym]);
        put_bits(&w, items[i].extra, items[i].nextra);
    }
    hc->hdr_bits = w.bits;
}

size_t huff_bound(const huff_code *hc, size_t len) {
    return (hc->hdr_bits >> 3) + 1 +
           (len * HUFF_MAX_BITS + HUFF_MAX_BITS + 7) / 8 + 4;
}

size_t huff_encode(const huff_code *hc, const uint8_t *in, size_t len,
                   uint8_t *out) {
    size_t full = hc->hdr_bits >> 3;
    unsigned nb = (unsigned)(hc->hdr_bits & 7);
    memcpy(out, hc->hdr, full);
    uint64_t acc = nb ? hc->hdr[full] & ((1u << nb) - 1) : 0;
    uint8_t *o = out + full;
    const uint16_t *code = hc->code;
    const uint8_t *clen = hc->len;
    size_t i = 0;
    /* two codes of at most 15 bits each, then at most 32 bits out: the
     * accumulator holds below 31 + 30 bits */
    for (; i + 2 <= len; i += 2) {
        acc |= (uint64_t)code[in[i]] << nb;
        nb += clen[in[i]];
        acc |= (uint64_t)code[in[i + 1]] << nb;
        nb += clen[in[i + 1]];
        if (nb >= 32) {
            zk_put_le32(o, (uint32_t)acc);
            o += 4;
            acc >>= 32;
            nb -= 32;
        }
    }
    if (i < len) {
        acc |= (uint64_t)code[in[i]] << nb;
        nb += clen[in[i]];
    }
    acc |= (uint64_t)code[256] << nb;
    nb += clen[256];
    while (nb > 0) {
        *o++ = (uint8_t)acc;
        acc >>= 8;
        nb = nb > 8 ? nb - 8 : 0;
    }
    /* Adler-32 of the data, most significant byte first */
    zk_put_be32(o, (uint32_t)adler32_z(1L, in, len));
    return (size_t)(o + 4 - out);
}
