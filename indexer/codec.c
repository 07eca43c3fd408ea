/* codec.c - postings encoder and bounds-checked decoder.
 *
 * Format (index format 5), all varints LEB128 (7 bits a byte, low first):
 *
 * Postings value of chunk 0 of a term in a segment:
 *   header:  u8 flags (bit 0: the term has one chunk whose positions
 *            follow its blocks in this value instead of a positions value)
 *            varint df, varint nchunks, varint max_tf, varint min_dl,
 *            varint npos (sum of tf)
 *            if nchunks > 1, a directory entry per chunk:
 *              varint (last_id - previous chunk's last_id; the first
 *              relative to 0), varint max_tf, varint min_dl
 *   then the chunk body.
 * Postings value of chunk i > 0: the chunk body alone.
 * Chunk body:
 *   varint nblocks (1..512), varint first_id
 *   per block: varint (last_id - previous last_id; block 0 relative to
 *              first_id),
 *              its m = 1..CODEC_PAIRS (tf, length) pairs, tf and length
 *              both strictly increasing (codec.h):
 *                varint ((tf_1 - 1) << 2 | (m - 1)), varint dl_1,
 *                m - 1 times varint (tf_i - tf_(i-1) - 1),
 *                            varint (dl_i - dl_(i-1) - 1)
 *              (tf_m is the block's max_tf, dl_1 its min_dl),
 *              varint doc_bytes, varint pos_bytes
 *   the blocks' bytes, concatenated.
 * Block (n postings, 1..128):
 *   u8 n-1, u8 gap_bits (0..32), u8 tf_bits (0..16),
 *   n (gap - 1) values, n (tf - 1) values, each stream bit-packed
 *   LSB-first at its width and padded to a byte.  The gap of the first
 *   posting of a block is taken from the previous block's last id (block
 *   0: from first_id - 1).  Passage lengths and languages are not in the
 *   postings but in the plen table (index.h); the encoder takes the
 *   lengths only for the skip data's pairs.
 * Positions value of a chunk: per block, per posting, tf varints: the
 *   first position, then the gaps to the next ones (> 0).
 *
 * Pack (the value of a pack key, post.h): records of small terms
 * (codec.h), in term order, each:
 *   term part (absent in the first record, whose term is the key's):
 *     varint shared (bytes in common with the previous term: exactly
 *     their common prefix), varint suffix length (>= 1), the suffix
 *   postings part (at most CODEC_PACK_REC bytes):
 *     varint df - 1 (df <= CODEC_PACK_DF), varint min_dl
 *     per posting: varint (gap << 1 | (tf > 1)) (gap: id - previous id
 *     - 1; the first id itself), varint tf - 2 when tf > 1, then tf
 *     varints: the first position, then (gap to the next one) - 1.
 * max_tf and npos follow from the postings.  A packed term reads as the
 * chunk 0 value codec_encode() gives its postings (one chunk of one
 * block, positions inline) with min_dl as every passage's length: one
 * pair (max_tf, min_dl).
 */
#include "codec.h"

int codec_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v) {
    const uint8_t *p = *pp;
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p >= end) return ZOEK_ECORRUPT;
        uint8_t c = *p++;
        if (shift == 63 && c > 1) return ZOEK_ECORRUPT;
        r |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            *pp = p;
            *v = r;
            return 0;
        }
    }
    return ZOEK_ECORRUPT;
}

int codec_get_varint32(const uint8_t **pp, const uint8_t *end, uint32_t *v) {
    const uint8_t *p = *pp;
    if (p < end && *p < 0x80) { /* fast path: one byte */
        *v = *p;
        *pp = p + 1;
        return 0;
    }
    uint64_t r;
    if (codec_get_varint(pp, end, &r) || r > UINT32_MAX)
        return ZOEK_ECORRUPT;
    *v = (uint32_t)r;
    return 0;
}

/* codec_get_varint32 with its one- and two-byte cases inline (skip
 * tables). */
static inline int get32(const uint8_t **pp, const uint8_t *end, uint32_t *v) {
    const uint8_t *p = *pp;
    if (p < end && p[0] < 0x80) {
        *v = p[0];
        *pp = p + 1;
        return 0;
    }
    if (end - p >= 2 && p[1] < 0x80) {
        *v = (uint32_t)(p[0] & 0x7F) | (uint32_t)p[1] << 7;
        *pp = p + 2;
        return 0;
    }
    return codec_get_varint32(pp, end, v);
}

static size_t varint_len(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static unsigned bits_for(uint32_t v) {
    unsigned b = 0;
    while (v) {
        b++;
        v >>= 1;
    }
    return b;
}

/* Appends n values of `bits` bits, LSB-first, padded to a byte. */
static int pack(zk_buf *b, const uint32_t *v, size_t n, unsigned bits,
                uint32_t sub) {
    if (!bits) return 0;
    size_t nbytes = (n * bits + 7) / 8;
    if (zk_buf_reserve(b, nbytes)) return ZOEK_ENOMEM;
    uint8_t *out = b->p + b->len;
    uint64_t acc = 0;
    unsigned have = 0;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)(v[i] - sub) << have;
        have += bits;
        while (have >= 8) {
            out[w++] = (uint8_t)acc;
            acc >>= 8;
            have -= 8;
        }
    }
    if (have) out[w++] = (uint8_t)acc;
    b->len += w;
    return 0;
}

/* Value k of a group of eight B-bit values starting at q. */
#define UNPACK_ONE(B, K)                                                     \
    UNPACK_PUT(K, ((zk_get_le64(q + (K) * (B) / 8) >> ((K) * (B) % 8)) &     \
                   ((1ull << (B)) - 1)) + add)
#define UNPACK_CASE(B)                                                       \
    case B:                                                                  \
        for (; i + 8 <= n && off + (B) + 8 <= avail; i += 8, off += (B)) {   \
            const uint8_t *q = p + off;                                      \
            UNPACK_ONE(B, 0) UNPACK_ONE(B, 1) UNPACK_ONE(B, 2)               \
            UNPACK_ONE(B, 3) UNPACK_ONE(B, 4) UNPACK_ONE(B, 5)               \
            UNPACK_ONE(B, 6) UNPACK_ONE(B, 7)                                \
        }                                                                    \
        break;
#define UNPACK_CASES                                                         \
    UNPACK_CASE(1) UNPACK_CASE(2) UNPACK_CASE(3) UNPACK_CASE(4)              \
    UNPACK_CASE(5) UNPACK_CASE(6) UNPACK_CASE(7) UNPACK_CASE(8)              \
    UNPACK_CASE(9) UNPACK_CASE(10) UNPACK_CASE(11) UNPACK_CASE(12)           \
    UNPACK_CASE(13) UNPACK_CASE(14) UNPACK_CASE(15) UNPACK_CASE(16)          \
    UNPACK_CASE(17) UNPACK_CASE(18) UNPACK_CASE(19) UNPACK_CASE(20)          \
    UNPACK_CASE(21) UNPACK_CASE(22) UNPACK_CASE(23) UNPACK_CASE(24)          \
    UNPACK_CASE(25) UNPACK_CASE(26) UNPACK_CASE(27) UNPACK_CASE(28)          \
    UNPACK_CASE(29) UNPACK_CASE(30) UNPACK_CASE(31) UNPACK_CASE(32)

/* Stores value v as out[i + k], or with sum set the running sum *acc
 * after adding v (gaps to ids in the same pass). */
#define UNPACK_PUT(K, V)                                                     \
    do {                                                                     \
        uint64_t v_ = (V);                                                   \
        if (sum) {                                                           \
            acc += v_;                                                       \
            out[i + (K)] = (uint32_t)acc;                                    \
        } else {                                                             \
            out[i + (K)] = (uint32_t)v_;                                     \
        }                                                                    \
    } while (0);

/* Reads n values of `bits` bits from p (avail bytes); adds `add` to each;
 * with sum (a constant in each caller), stores the running sums from *accp
 * instead and leaves the last in *accp.  Returns the bytes consumed, or -1
 * if they are not there. */
static inline __attribute__((always_inline)) long
unpack_gen(const uint8_t *p, size_t avail, size_t n, unsigned bits,
           uint32_t add, uint32_t *out, int sum, uint64_t *accp) {
    uint64_t acc = sum ? *accp : 0;
    if (!bits) {
        for (size_t i = 0; i < n; i++) UNPACK_PUT(0, add)
        if (sum) *accp = acc;
        return 0;
    }
    size_t nbytes = (n * bits + 7) / 8;
    if (nbytes > avail) return -1;
    uint64_t mask = (1ull << bits) - 1;
    size_t i = 0;
    /* eight values at a time (`bits` bytes) with the width a constant */
    size_t off = 0;
    switch (bits) {
        UNPACK_CASES
    default:
        break;
    }
    /* one 8-byte load per value while it stays inside the available
     * bytes (a value starts at most 7 bits into its byte: 7 + 32 <= 64) */
    for (size_t bit = i * bits; i < n; i++, bit += bits) {
        if ((bit >> 3) + 8 > avail) break;
        UNPACK_PUT(0, ((zk_get_le64(p + (bit >> 3)) >> (bit & 7)) & mask) +
                          add)
    }
    if (i < n) { /* the rest byte by byte */
        size_t bit = i * bits, r = bit >> 3;
        unsigned have = 8 - (unsigned)(bit & 7);
        uint64_t bits_in = (uint64_t)p[r++] >> (bit & 7);
        for (; i < n; i++) {
            while (have < bits) {
                bits_in |= (uint64_t)p[r++] << have;
                have += 8;
            }
            UNPACK_PUT(0, (bits_in & mask) + add)
            bits_in >>= bits;
            have -= bits;
        }
    }
    if (sum) *accp = acc;
    return (long)nbytes;
}

static long unpack(const uint8_t *p, size_t avail, size_t n, unsigned bits,
                   uint32_t add, uint32_t *out) {
    return unpack_gen(p, avail, n, bits, add, out, 0, NULL);
}

/* unpack of gaps - 1 into ids: *prev is the id before the first and
 * becomes the last (in 64 bits: a sum past 2^32 - 1 shows there). */
static long unpack_ids(const uint8_t *p, size_t avail, size_t n,
                       unsigned bits, uint32_t *out, uint64_t *prev) {
    return unpack_gen(p, avail, n, bits, 1, out, 1, prev);
}

void codec_out_free(codec_out *o) {
    zk_buf_free(&o->doc);
    zk_buf_free(&o->pos);
    zk_buf_free(&o->tmp);
    zk_buf_free(&o->tmp2);
    zk_buf_free(&o->hdr);
    zk_free(o->doc_off);
    zk_free(o->pos_off);
    memset(o, 0, sizeof *o);
}

/* Per-block summary while building a chunk. */
typedef struct blk_info {
    uint32_t last;                 /* skip data: the last id */
    uint32_t npair;                /* bounding pairs (codec.h): the last
                                      tf is the block's largest, the first
                                      length its smallest */
    uint32_t ptf[CODEC_PAIRS], pdl[CODEC_PAIRS]; /* tf and length of each */
    size_t doc_bytes, pos_bytes;   /* sizes */
} blk_info;

/* The bounding pairs of n postings (tfs clamped to CODEC_MAX_TF, dls):
 * the front of those no other one beats, kept sorted by tf (and so by
 * length), each posting put in or dropped against it in turn; then
 * everything from pair CODEC_PAIRS on merged into the last.  Returns
 * their number. */
static uint32_t block_pairs(const uint32_t *tfs, const uint32_t *dls,
                            size_t n, uint32_t *pt, uint32_t *pd) {
    uint32_t ft[CODEC_BLOCK], fd[CODEC_BLOCK];
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t t = tfs[k] > CODEC_MAX_TF ? CODEC_MAX_TF : tfs[k];
        uint32_t d = dls[k];
        size_t j = 0; /* the first pair with a tf >= t */
        while (j < m && ft[j] < t) j++;
        if (j < m && fd[j] <= d) continue; /* beaten by pair j */
        /* it beats the pairs of [r, e): tf <= t and length >= d */
        size_t r = j, e = j < m && ft[j] == t ? j + 1 : j;
        while (r > 0 && fd[r - 1] >= d) r--;
        memmove(ft + r + 1, ft + e, (m - e) * sizeof *ft);
        memmove(fd + r + 1, fd + e, (m - e) * sizeof *fd);
        ft[r] = t;
        fd[r] = d;
        m = m - (e - r) + 1;
    }
    if (m > CODEC_PAIRS) {
        ft[CODEC_PAIRS - 1] = ft[m - 1];
        m = CODEC_PAIRS;
    }
    for (size_t k = 0; k < m; k++) {
        pt[k] = ft[k];
        pd[k] = fd[k];
    }
    return (uint32_t)m;
}

/* Bytes of block b's skip entry after the id delta dl. */
static size_t skip_len(const blk_info *b, uint32_t dlast) {
    size_t n = varint_len(dlast) +
               varint_len((uint64_t)(b->ptf[0] - 1) << 2 | (b->npair - 1)) +
               varint_len(b->pdl[0]) + varint_len(b->doc_bytes) +
               varint_len(b->pos_bytes);
    for (uint32_t k = 1; k < b->npair; k++)
        n += varint_len(b->ptf[k] - b->ptf[k - 1] - 1) +
             varint_len(b->pdl[k] - b->pdl[k - 1] - 1);
    return n;
}

/* Writes block b's skip entry (see the format above). */
static int put_skip(zk_buf *dst, const blk_info *b, uint32_t dlast) {
    int rc = codec_put_varint(dst, dlast);
    if (!rc)
        rc = codec_put_varint(dst, (uint64_t)(b->ptf[0] - 1) << 2 |
                                       (b->npair - 1));
    if (!rc) rc = codec_put_varint(dst, b->pdl[0]);
    for (uint32_t k = 1; k < b->npair && !rc; k++) {
        rc = codec_put_varint(dst, b->ptf[k] - b->ptf[k - 1] - 1);
        if (!rc) rc = codec_put_varint(dst, b->pdl[k] - b->pdl[k - 1] - 1);
    }
    if (!rc) rc = codec_put_varint(dst, b->doc_bytes);
    if (!rc) rc = codec_put_varint(dst, b->pos_bytes);
    return rc;
}

/* Encodes block [i, i+n) of in: doc bytes to d, positions to p. */
static int encode_block(const codec_postings *in, size_t i, size_t n,
                        int64_t prev, size_t pos_i, zk_buf *d, zk_buf *p,
                        blk_info *bi) {
    uint32_t gaps[CODEC_BLOCK], maxgap = 0, maxtf = 0;
    for (size_t k = 0; k < n; k++) {
        int64_t g = (int64_t)in->ids[i + k] - prev;
        if (g < 1) return ZOEK_EINVAL;
        gaps[k] = (uint32_t)(g - 1);
        prev = in->ids[i + k];
        if (gaps[k] > maxgap) maxgap = gaps[k];
        uint32_t tf = in->tfs[i + k];
        if (tf == 0) return ZOEK_EINVAL;
        if (tf > maxtf) maxtf = tf;
        if (in->dls[i + k] > 65535) return ZOEK_EINVAL;
    }
    uint32_t tfs[CODEC_BLOCK];
    for (size_t k = 0; k < n; k++)
        tfs[k] = in->tfs[i + k] > CODEC_MAX_TF ? CODEC_MAX_TF : in->tfs[i + k];
    if (maxtf > CODEC_MAX_TF) maxtf = CODEC_MAX_TF;
    size_t d0 = d->len;
    uint8_t hdr[3] = {(uint8_t)(n - 1), (uint8_t)bits_for(maxgap),
                      (uint8_t)bits_for(maxtf - 1)};
    int rc;
    if ((rc = zk_buf_put(d, hdr, 3))) return rc;
    if ((rc = pack(d, gaps, n, hdr[1], 0))) return rc;
    if ((rc = pack(d, tfs, n, hdr[2], 1))) return rc;
    size_t p0 = p->len;
    for (size_t k = 0; k < n; k++) {
        uint32_t tf = in->tfs[i + k], last = 0;
        for (uint32_t j = 0; j < tf; j++) {
            uint32_t v = in->pos[pos_i++];
            if (j > 0 && v <= last) return ZOEK_EINVAL;
            if ((rc = codec_put_varint(p, j == 0 ? v : v - last))) return rc;
            last = v;
        }
    }
    bi->last = (uint32_t)prev;
    bi->npair = block_pairs(tfs, in->dls + i, n, bi->ptf, bi->pdl);
    bi->doc_bytes = d->len - d0;
    bi->pos_bytes = p->len - p0;
    return 0;
}

/* Records the end offsets of chunk o->nchunks (doc_off/pos_off[n+1]). */
static int add_offsets(codec_out *o, size_t doc, size_t pos) {
    size_t need = o->nchunks + 2;
    if (need > o->offcap) {
        size_t cap = o->offcap ? o->offcap : 16;
        while (cap < need) cap *= 2;
        size_t *a = zk_realloc(o->doc_off, cap * sizeof(size_t));
        if (!a) return ZOEK_ENOMEM;
        o->doc_off = a;
        size_t *b = zk_realloc(o->pos_off, cap * sizeof(size_t));
        if (!b) return ZOEK_ENOMEM;
        o->pos_off = b;
        o->offcap = cap;
    }
    o->doc_off[o->nchunks + 1] = doc;
    o->pos_off[o->nchunks + 1] = pos;
    return 0;
}

/* Empties o: no chunks, both offset lists at 0. */
static int out_reset(codec_out *o) {
    o->hdr.len = o->doc.len = o->pos.len = 0;
    o->nchunks = 0;
    int rc = add_offsets(o, 0, 0);
    if (rc) return rc;
    o->doc_off[0] = o->pos_off[0] = 0;
    return 0;
}

int codec_out_start(codec_out *o, const uint8_t *hdr, size_t len,
                    int inline_pos) {
    int rc = out_reset(o);
    if (rc) return rc;
    o->inline_pos = inline_pos;
    return zk_buf_put(&o->hdr, hdr, len);
}

int codec_out_add_chunk(codec_out *o, const uint8_t *doc, size_t dl,
                        const uint8_t *pos, size_t pl) {
    int rc;
    if ((rc = zk_buf_put(&o->doc, doc, dl)) ||
        (rc = zk_buf_put(&o->pos, pos, pl)) ||
        (rc = add_offsets(o, o->doc.len, o->pos.len)))
        return rc;
    o->nchunks++;
    return 0;
}

int codec_encode(const codec_postings *in, codec_out *o) {
    int rc;
    if (in->n == 0) return ZOEK_EINVAL;
    if ((rc = out_reset(o))) return rc;

    zk_buf *body = &o->tmp;   /* blocks of the open chunk */
    zk_buf *dir = &o->tmp2;   /* chunk directory */
    dir->len = 0;
    blk_info bi[CODEC_MAX_BLOCKS];
    uint32_t max_tf = 0, min_dl = UINT32_MAX;
    uint64_t npos = 0;
    size_t i = 0, pos_i = 0;
    uint32_t prev_chunk_last = 0;

    while (i < in->n) {
        /* one chunk */
        body->len = 0;
        uint32_t nb = 0, c_max_tf = 0, c_min_dl = UINT32_MAX;
        uint32_t first_id = in->ids[i];
        int64_t prev = (int64_t)first_id - 1;
        size_t skip = 0, pos0 = o->pos.len; /* skip table bytes so far */
        while (i < in->n && nb < CODEC_MAX_BLOCKS) {
            size_t n = in->n - i < CODEC_BLOCK ? in->n - i : CODEC_BLOCK;
            size_t save_d = body->len, save_p = o->pos.len;
            if ((rc = encode_block(in, i, n, prev, pos_i, body, &o->pos,
                                   &bi[nb])))
                goto out;
            size_t sk = skip_len(&bi[nb], bi[nb].last -
                                              (nb ? bi[nb - 1].last : first_id));
            if (nb > 0 && (body->len + skip + sk > CODEC_CHUNK_BYTES ||
                           o->pos.len - pos0 > CODEC_POS_BYTES)) {
                body->len = save_d; /* does not fit: next chunk */
                o->pos.len = save_p;
                break;
            }
            for (size_t k = 0; k < n; k++) pos_i += in->tfs[i + k];
            skip += sk;
            prev = bi[nb].last;
            uint32_t bmax_tf = bi[nb].ptf[bi[nb].npair - 1];
            if (bmax_tf > c_max_tf) c_max_tf = bmax_tf;
            if (bi[nb].pdl[0] < c_min_dl) c_min_dl = bi[nb].pdl[0];
            i += n;
            nb++;
        }
        /* chunk body: skip table then blocks */
        zk_buf *dst = &o->doc;
        if ((rc = codec_put_varint(dst, nb)) ||
            (rc = codec_put_varint(dst, first_id)))
            goto out;
        uint32_t pl = first_id;
        for (uint32_t b = 0; b < nb; b++) {
            if ((rc = put_skip(dst, &bi[b], bi[b].last - pl))) goto out;
            pl = bi[b].last;
        }
        if ((rc = zk_buf_put(dst, body->p, body->len))) goto out;
        uint32_t last = (uint32_t)prev;
        if ((rc = codec_put_varint(dir, last - prev_chunk_last)) ||
            (rc = codec_put_varint(dir, c_max_tf)) ||
            (rc = codec_put_varint(dir, c_min_dl)))
            goto out;
        prev_chunk_last = last;
        if (c_max_tf > max_tf) max_tf = c_max_tf;
        if (c_min_dl < min_dl) min_dl = c_min_dl;
        if ((rc = add_offsets(o, o->doc.len, o->pos.len))) goto out;
        o->nchunks++;
    }
    for (size_t k = 0; k < in->n; k++) npos += in->tfs[k];

    /* the term header, which precedes chunk 0's body in its value; a term
     * of one small chunk carries its positions in the same value */
    {
        zk_buf *h = &o->hdr;
        h->len = 0;
        o->inline_pos = o->nchunks == 1 &&
                        o->doc.len + o->pos.len + 24 <= CODEC_INLINE_BYTES;
        if ((rc = zk_buf_putc(h, o->inline_pos ? CODEC_F_INLINE : 0)) ||
            (rc = codec_put_varint(h, in->n)) ||
            (rc = codec_put_varint(h, o->nchunks)) ||
            (rc = codec_put_varint(h, max_tf)) ||
            (rc = codec_put_varint(h, min_dl)) ||
            (rc = codec_put_varint(h, npos)))
            goto out;
        if (o->nchunks > 1 && (rc = zk_buf_put(h, dir->p, dir->len)))
            goto out;
    }
    rc = 0;
out:
    return rc;
}

void codec_value_copy(const codec_out *o, size_t c, uint8_t *dst) {
    size_t n = o->doc_off[c + 1] - o->doc_off[c];
    if (c == 0) {
        memcpy(dst, o->hdr.p, o->hdr.len);
        dst += o->hdr.len;
    }
    memcpy(dst, o->doc.p + o->doc_off[c], n);
    if (c == 0 && o->inline_pos) memcpy(dst + n, o->pos.p, o->pos.len);
}

int codec_parse_header(const uint8_t *v, size_t len, codec_header *h) {
    const uint8_t *p = v, *end = v + len;
    uint32_t tmp;
    if (len < 1 || (*p & ~CODEC_F_INLINE) != 0) return ZOEK_ECORRUPT;
    h->inline_pos = (*p & CODEC_F_INLINE) != 0;
    p++;
    if (codec_get_varint32(&p, end, &h->df) ||
        codec_get_varint32(&p, end, &h->nchunks) ||
        codec_get_varint32(&p, end, &h->max_tf) ||
        codec_get_varint32(&p, end, &h->min_dl) ||
        codec_get_varint(&p, end, &h->npos))
        return ZOEK_ECORRUPT;
    if (h->df == 0 || h->nchunks == 0 || h->nchunks > h->df ||
        h->max_tf == 0 || h->npos < h->df ||
        (h->inline_pos && h->nchunks != 1))
        return ZOEK_ECORRUPT;
    h->dir = p;
    if (h->nchunks > 1) {
        for (uint32_t c = 0; c < h->nchunks * 3; c++)
            if (codec_get_varint32(&p, end, &tmp)) return ZOEK_ECORRUPT;
    }
    h->dir_end = p;
    h->body = p;
    h->body_len = (size_t)(end - p);
    return 0;
}

int codec_read_dir(const codec_header *h, codec_dirent *out) {
    if (h->nchunks == 1) {
        out[0].last_id = UINT32_MAX; /* unknown without decoding */
        out[0].max_tf = h->max_tf;
        out[0].min_dl = h->min_dl;
        return 0;
    }
    const uint8_t *p = h->dir;
    uint64_t last = 0;
    for (uint32_t c = 0; c < h->nchunks; c++) {
        uint32_t d;
        if (codec_get_varint32(&p, h->dir_end, &d)) return ZOEK_ECORRUPT;
        last += d;
        if (last > UINT32_MAX || (c > 0 && d == 0)) return ZOEK_ECORRUPT;
        out[c].last_id = (uint32_t)last;
        if (codec_get_varint32(&p, h->dir_end, &out[c].max_tf) ||
            codec_get_varint32(&p, h->dir_end, &out[c].min_dl))
            return ZOEK_ECORRUPT;
    }
    return 0;
}

int codec_parse_chunk(const uint8_t *body, size_t len, int inline_pos,
                      codec_chunk *c) {
    const uint8_t *p = body, *end = body + len;
    uint32_t nb, first;
    if (get32(&p, end, &nb) ||
        get32(&p, end, &first))
        return ZOEK_ECORRUPT;
    if (nb == 0 || nb > CODEC_MAX_BLOCKS) return ZOEK_ECORRUPT;
    c->nblocks = nb;
    c->first_id = first;
    uint64_t last = first, off = 0, poff = 0;
    c->off[0] = c->poff[0] = 0;
    for (uint32_t b = 0; b < nb; b++) {
        uint32_t d, tm, md, db, pb;
        if (get32(&p, end, &d) ||
            get32(&p, end, &tm) ||
            get32(&p, end, &md))
            return ZOEK_ECORRUPT;
        /* the pairs: tf and length both rising */
        uint32_t np = (tm & 3) + 1, mt = (tm >> 2) + 1;
        if (mt > CODEC_MAX_TF || md > 65535) return ZOEK_ECORRUPT;
        c->npair[b] = (uint8_t)np;
        c->ptf[b][0] = (uint16_t)mt;
        c->pdl[b][0] = (uint16_t)md;
        for (uint32_t k = 1; k < np; k++) {
            uint32_t dt, dd;
            if (get32(&p, end, &dt) ||
                get32(&p, end, &dd) ||
                dt >= CODEC_MAX_TF - (uint32_t)c->ptf[b][k - 1] ||
                dd >= 65535 - (uint32_t)c->pdl[b][k - 1])
                return ZOEK_ECORRUPT;
            c->ptf[b][k] = (uint16_t)(c->ptf[b][k - 1] + dt + 1);
            c->pdl[b][k] = (uint16_t)(c->pdl[b][k - 1] + dd + 1);
        }
        if (get32(&p, end, &db) ||
            get32(&p, end, &pb))
            return ZOEK_ECORRUPT;
        last += d;
        off += db;
        poff += pb;
        if (last > UINT32_MAX || (b > 0 && d == 0) || db < 3 ||
            off > UINT32_MAX || poff > UINT32_MAX)
            return ZOEK_ECORRUPT;
        c->last[b] = (uint32_t)last;
        c->max_tf[b] = c->ptf[b][np - 1];
        c->min_dl[b] = (uint16_t)md;
        c->off[b + 1] = (uint32_t)off;
        c->poff[b + 1] = (uint32_t)poff;
    }
    size_t rest = (size_t)(end - p);
    c->ipos = NULL;
    c->ipos_len = 0;
    if (inline_pos) {
        if (off > rest || rest - off != poff) return ZOEK_ECORRUPT;
        c->ipos = p + off;
        c->ipos_len = (size_t)poff;
    } else if (off != rest) {
        return ZOEK_ECORRUPT;
    }
    c->data = p;
    c->data_len = (size_t)off;
    return 0;
}

int codec_decode_ids(const codec_chunk *c, uint32_t b, uint32_t *ids,
                     codec_tfs *tf) {
    if (b >= c->nblocks) return ZOEK_ECORRUPT;
    const uint8_t *p = c->data + c->off[b];
    size_t avail = c->off[b + 1] - c->off[b];
    if (avail < 3) return ZOEK_ECORRUPT;
    size_t n = (size_t)p[0] + 1;
    unsigned gb = p[1], tb = p[2];
    if (n > CODEC_BLOCK || gb > 32 || tb > 16) return ZOEK_ECORRUPT;
    p += 3;
    avail -= 3;
    /* block 0 starts from first_id - 1 (wraps to 2^64-1 for id 0) */
    uint64_t prev = b == 0 ? (uint64_t)c->first_id - 1 : c->last[b - 1];
    long r = unpack_ids(p, avail, n, gb, ids, &prev);
    if (r < 0) return ZOEK_ECORRUPT;
    p += r;
    avail -= (size_t)r;
    /* the tf stream ends the block */
    if (avail != (n * tb + 7) / 8) return ZOEK_ECORRUPT;
    tf->p = p;
    tf->bits = tb;
    tf->n = (uint32_t)n;
    /* the sums never fall: the last one bounds them all */
    if (prev > UINT32_MAX || ids[n - 1] != c->last[b] ||
        (b == 0 && ids[0] != c->first_id))
        return ZOEK_ECORRUPT;
    return (int)n;
}

void codec_decode_tfs(const codec_tfs *tf, uint32_t *tfs) {
    size_t nbytes = (tf->n * tf->bits + 7) / 8;
    (void)unpack(tf->p, nbytes, tf->n, tf->bits, 1, tfs);
}

int codec_decode_block(const codec_chunk *c, uint32_t b, uint32_t *ids,
                       uint32_t *tfs) {
    codec_tfs tf;
    int n = codec_decode_ids(c, b, ids, &tf);
    if (n > 0) codec_decode_tfs(&tf, tfs);
    return n;
}

int codec_decode_positions(const codec_chunk *c, uint32_t b,
                           const uint8_t *pos, size_t pos_len,
                           const uint32_t *tfs, uint32_t n, uint32_t *out,
                           size_t cap, size_t *nout) {
    if (b >= c->nblocks || c->poff[b + 1] > pos_len) return ZOEK_ECORRUPT;
    const uint8_t *p = pos + c->poff[b], *end = pos + c->poff[b + 1];
    size_t w = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t last = 0;
        for (uint32_t j = 0; j < tfs[k]; j++) {
            uint32_t v;
            if (codec_get_varint32(&p, end, &v)) return ZOEK_ECORRUPT;
            if (j > 0) {
                if (v == 0 || v > UINT32_MAX - last) return ZOEK_ECORRUPT;
                v += last;
            }
            last = v;
            if (w < cap) out[w] = v;
            w++;
        }
    }
    if (p != end) return ZOEK_ECORRUPT;
    *nout = w;
    return 0;
}

int codec_verify_block(const codec_chunk *c, uint32_t b, const uint8_t *pos,
                       size_t pos_len, const uint32_t *ids, const uint32_t *tfs,
                       const uint32_t *dls, uint32_t n,
                       const uint32_t *positions) {
    if (b >= c->nblocks || n == 0 || n > CODEC_BLOCK ||
        c->poff[b + 1] > pos_len)
        return ZOEK_ECORRUPT;
    uint32_t pt[CODEC_PAIRS], pd[CODEC_PAIRS];
    uint32_t np = block_pairs(tfs, dls, n, pt, pd);
    if (c->npair[b] != np) return ZOEK_ECORRUPT;
    for (uint32_t k = 0; k < np; k++)
        if (c->ptf[b][k] != pt[k] || c->pdl[b][k] != pd[k])
            return ZOEK_ECORRUPT;
    codec_postings in = {ids, tfs, dls, positions, n};
    zk_buf d = {0}, p = {0};
    blk_info bi;
    int64_t prev = b == 0 ? (int64_t)c->first_id - 1 : (int64_t)c->last[b - 1];
    int rc = encode_block(&in, 0, n, prev, 0, &d, &p, &bi);
    if (rc == ZOEK_EINVAL) rc = ZOEK_ECORRUPT;
    if (!rc && (d.len != c->off[b + 1] - c->off[b] ||
                memcmp(d.p, c->data + c->off[b], d.len) != 0 ||
                p.len != c->poff[b + 1] - c->poff[b] ||
                (p.len && memcmp(p.p, pos + c->poff[b], p.len) != 0)))
        rc = ZOEK_ECORRUPT;
    zk_buf_free(&d);
    zk_buf_free(&p);
    return rc;
}

/* ------------------------------------------------------------- packs */

int codec_pack_postings(zk_buf *b, const codec_postings *in) {
    if (in->n == 0) return ZOEK_EINVAL;
    if (in->n > CODEC_PACK_DF) return 1;
    size_t len0 = b->len;
    uint32_t min_dl = UINT32_MAX;
    for (size_t i = 0; i < in->n; i++) {
        if (in->tfs[i] == 0 || in->dls[i] > 65535) return ZOEK_EINVAL;
        if (in->tfs[i] > CODEC_MAX_TF) return 1;
        if (in->dls[i] < min_dl) min_dl = in->dls[i];
    }
    int rc = codec_put_varint(b, in->n - 1);
    if (!rc) rc = codec_put_varint(b, min_dl);
    int64_t prev = -1;
    size_t pi = 0;
    for (size_t i = 0; i < in->n && !rc; i++) {
        if ((int64_t)in->ids[i] <= prev) {
            rc = ZOEK_EINVAL;
            break;
        }
        uint64_t gap = (uint64_t)((int64_t)in->ids[i] - prev - 1);
        uint32_t tf = in->tfs[i];
        rc = codec_put_varint(b, gap << 1 | (tf > 1));
        if (!rc && tf > 1) rc = codec_put_varint(b, tf - 2);
        for (uint32_t j = 0; j < tf && !rc; j++, pi++) {
            uint32_t v = in->pos[pi];
            if (j > 0 && v <= in->pos[pi - 1]) rc = ZOEK_EINVAL;
            else
                rc = codec_put_varint(b, j == 0 ? v : v - in->pos[pi - 1] - 1);
        }
        prev = in->ids[i];
        if (!rc && b->len - len0 > CODEC_PACK_REC) {
            b->len = len0;
            return 1;
        }
    }
    if (rc) b->len = len0;
    return rc;
}

int codec_pack_term(zk_buf *b, const uint8_t *prev, size_t prevlen,
                    const uint8_t *term, size_t len) {
    size_t shared = 0;
    while (shared < prevlen && shared < len && prev[shared] == term[shared])
        shared++;
    int rc = codec_put_varint(b, shared);
    if (!rc) rc = codec_put_varint(b, len - shared);
    if (!rc) rc = zk_buf_put(b, term + shared, len - shared);
    return rc;
}

int codec_pack_next(const uint8_t **pp, const uint8_t *end, int first,
                    uint8_t *term, size_t *len, codec_packrec *r) {
    const uint8_t *p = *pp;
    uint32_t v;
    if (!first) {
        uint32_t shared, suffix;
        if (codec_get_varint32(&p, end, &shared) || shared > *len ||
            codec_get_varint32(&p, end, &suffix) || suffix == 0 ||
            suffix > 500 - shared || (size_t)(end - p) < suffix ||
            memchr(p, 0, suffix))
            return ZOEK_ECORRUPT;
        /* the common prefix exactly, and the new term sorts after */
        if (shared < *len && p[0] <= term[shared]) return ZOEK_ECORRUPT;
        memcpy(term + shared, p, suffix);
        *len = shared + suffix;
        p += suffix;
    }
    const uint8_t *post = p;
    if (codec_get_varint32(&p, end, &v) || v >= CODEC_PACK_DF)
        return ZOEK_ECORRUPT;
    r->df = v + 1;
    if (codec_get_varint32(&p, end, &r->min_dl) || r->min_dl > 65535)
        return ZOEK_ECORRUPT;
    int64_t prev = -1;
    uint32_t npos = 0, max_tf = 0;
    for (uint32_t i = 0; i < r->df; i++) {
        uint64_t g;
        if (codec_get_varint(&p, end, &g)) return ZOEK_ECORRUPT;
        uint64_t id = (uint64_t)(prev + 1) + (g >> 1);
        if (id > UINT32_MAX) return ZOEK_ECORRUPT;
        uint32_t tf = 1;
        if (g & 1) {
            if (codec_get_varint32(&p, end, &v) || v > CODEC_MAX_TF - 2)
                return ZOEK_ECORRUPT;
            tf = v + 2;
        }
        if (tf > CODEC_PACK_REC - npos) return ZOEK_ECORRUPT;
        uint64_t last = 0;
        for (uint32_t j = 0; j < tf; j++) {
            if (codec_get_varint32(&p, end, &v)) return ZOEK_ECORRUPT;
            uint64_t x = j == 0 ? v : last + v + 1;
            if (x > UINT32_MAX) return ZOEK_ECORRUPT;
            r->pos[npos++] = (uint32_t)x;
            last = x;
        }
        r->ids[i] = (uint32_t)id;
        r->tfs[i] = tf;
        if (tf > max_tf) max_tf = tf;
        prev = (int64_t)id;
    }
    if ((size_t)(p - post) > CODEC_PACK_REC) return ZOEK_ECORRUPT;
    r->npos = npos;
    r->max_tf = max_tf;
    r->post = post;
    r->post_len = (size_t)(p - post);
    *pp = p;
    return 0;
}

int codec_pack_expand(const codec_packrec *r, codec_out *co, zk_buf *val) {
    uint32_t dls[CODEC_PACK_DF];
    for (uint32_t i = 0; i < r->df; i++) dls[i] = r->min_dl;
    codec_postings in = {r->ids, r->tfs, dls, r->pos, r->df};
    int rc = codec_encode(&in, co);
    if (rc) return rc == ZOEK_EINVAL ? ZOEK_ECORRUPT : rc;
    if (co->nchunks != 1 || !co->inline_pos) return ZOEK_ECORRUPT;
    size_t n = codec_value_len(co, 0);
    val->len = 0;
    if (zk_buf_reserve(val, n)) return ZOEK_ENOMEM;
    codec_value_copy(co, 0, val->p);
    val->len = n;
    return 0;
}
