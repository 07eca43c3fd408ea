/* huff.h - zlib streams of Huffman-coded literals with a code built once
 * for many texts.
 *
 * zlib's deflate builds a text's Huffman trees from that text alone, which
 * for articles of about a kilobyte costs as much as coding the bytes.  A
 * huff_code is built once from the byte counts of a batch of texts (every
 * byte value gets a code, so any text can be coded with it) and its
 * dynamic-block header is prepared once; huff_encode then writes a
 * complete zlib stream (RFC 1950: header, one final dynamic block of
 * literals, Adler-32) that any inflate reads.  Pure: no I/O. */
#ifndef ZK_HUFF_H
#define ZK_HUFF_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define HUFF_MAX_BITS 15   /* deflate's longest literal code */
#define HUFF_HDR_BYTES 320 /* room for the prepared block header */

typedef struct huff_code {
    uint16_t code[257];          /* bit-reversed codes: bytes, end of block */
    uint8_t len[257];            /* their lengths, 1..HUFF_MAX_BITS */
    uint8_t hdr[HUFF_HDR_BYTES]; /* zlib header + dynamic block header */
    size_t hdr_bits;             /* bits of hdr in use */
    uint32_t avg_bits16;         /* expected bits per byte * 16 on the counts */
} huff_code;

/* Adds the bytes of p[0..len) to count[256]. */
ZK_HIDDEN void huff_count(uint64_t count[256], const uint8_t *p, size_t len);

/* Byte counts gathered over many pieces (the texts of a batch): four
 * interleaved 32-bit tables, summed into count before they could
 * overflow and by huff_counter_sum.  Zero-initialise. */
typedef struct huff_counter {
    uint32_t t[4][256];
    uint64_t pending;   /* bytes counted in t */
    uint64_t count[256];
} huff_counter;

ZK_HIDDEN void huff_counter_add(huff_counter *c, const uint8_t *p, size_t len);
/* Moves the tables into c->count and returns it. */
ZK_HIDDEN const uint64_t *huff_counter_sum(huff_counter *c);

/* Builds the code from byte counts (count[c] for byte c; any values, zeros
 * included).  Never fails. */
ZK_HIDDEN void huff_build(huff_code *hc, const uint64_t count[256]);

/* Bytes huff_encode may write for len input bytes. */
ZK_HIDDEN size_t huff_bound(const huff_code *hc, size_t len);

/* Writes the zlib stream of in[0..len) to out (huff_bound bytes of room);
 * returns its length. */
ZK_HIDDEN size_t huff_encode(const huff_code *hc, const uint8_t *in, size_t len,
                             uint8_t *out);

#endif
