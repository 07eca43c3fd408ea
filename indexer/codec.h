/* codec.h - postings encoding: blocks of 128 bit-packed (passage gap, tf)
 * pairs, grouped into chunks that fit an LMDB leaf page,
 * with positions in a parallel stream.  Every decode is bounds-checked and
 * returns ZOEK_ECORRUPT on bad bytes.  Pure: no I/O. */
#ifndef ZK_CODEC_H
#define ZK_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define CODEC_BLOCK 128        /* postings per block */
/* A chunk takes blocks while its blocks and skip entries stay within
 * CODEC_CHUNK_BYTES and its positions within CODEC_POS_BYTES (its first
 * block always), so that both values stay on an LMDB leaf page. */
#define CODEC_CHUNK_BYTES 1800
#define CODEC_POS_BYTES 2000
#define CODEC_MAX_BLOCKS 512   /* blocks per chunk, at most */
#define CODEC_MAX_TF 65535     /* tf is clamped here */
#define CODEC_INLINE_BYTES 1900 /* one-chunk terms up to this size keep
                                   their positions in the postings value */
#define CODEC_F_INLINE 1       /* header flag: positions inline */
/* A block's skip entry bounds its postings with at most CODEC_PAIRS
 * (tf, passage length) pairs, both increasing: every posting has a pair
 * with at least its tf and at most its length.  They are the postings
 * that no other one beats in both (tf as large, length as small), the
 * last of them merged into one pair (the largest tf, the smallest of
 * their lengths) when there are more. */
#define CODEC_PAIRS 4

/* ----------------------------------------------------------- varints */

static inline int codec_put_varint(zk_buf *b, uint64_t v) {
    int rc = zk_buf_reserve(b, 10);
    if (rc) return rc;
    uint8_t *w = b->p + b->len;
    while (v >= 0x80) {
        *w++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *w++ = (uint8_t)v;
    b->len = (size_t)(w - b->p);
    return 0;
}
/* Reads a varint at *p (< end); advances *p.  Returns 0 or ZOEK_ECORRUPT. */
ZK_HIDDEN int codec_get_varint(const uint8_t **p, const uint8_t *end,
                               uint64_t *v);
ZK_HIDDEN int codec_get_varint32(const uint8_t **p, const uint8_t *end,
                                 uint32_t *v);

/* ------------------------------------------------------------ encoding */

/* Postings of one term to encode, sorted by strictly increasing id. */
typedef struct codec_postings {
    const uint32_t *ids;  /* passage ids */
    const uint32_t *tfs;  /* term frequency per posting (>= 1) */
    const uint32_t *dls;  /* passage length per posting (< 65536): only
                             the skip data's min_dl keeps them */
    const uint32_t *pos;  /* positions: tfs[i] increasing values per
                             posting, concatenated */
    size_t n;             /* postings */
} codec_postings;

/* Encoded term: chunk i's postings value is doc.p[doc_off[i]..doc_off[i+1])
 * (for chunk 0 preceded by the term header hdr: see codec_value_len/_copy)
 * and its positions value pos.p[pos_off[i]..pos_off[i+1]).  Reuse across
 * terms; free with codec_out_free. */
typedef struct codec_out {
    zk_buf hdr;         /* term header */
    zk_buf doc;         /* postings chunk bodies, concatenated */
    zk_buf pos;         /* positions chunk values, concatenated */
    size_t *doc_off;    /* nchunks + 1 offsets into doc */
    size_t *pos_off;    /* nchunks + 1 offsets into pos */
    size_t nchunks;     /* chunks */
    size_t offcap;      /* allocated offsets */
    zk_buf tmp;         /* scratch */
    zk_buf tmp2;        /* scratch */
    int inline_pos;     /* chunk 0's value holds the positions too (then
                           there is no positions value) */
} codec_out;

/* Encodes a term's postings (n >= 1).  Returns 0, ZOEK_ENOMEM, or
 * ZOEK_EINVAL if ids are not strictly increasing or tf is 0. */
ZK_HIDDEN int codec_encode(const codec_postings *in, codec_out *out);
ZK_HIDDEN void codec_out_free(codec_out *o);
/* Fills o with an encoding made elsewhere: codec_out_start() with the
 * term header, then codec_out_add_chunk() per chunk with its postings
 * body and positions.  Returns 0 or ZOEK_ENOMEM. */
ZK_HIDDEN int codec_out_start(codec_out *o, const uint8_t *hdr, size_t len,
                              int inline_pos);
ZK_HIDDEN int codec_out_add_chunk(codec_out *o, const uint8_t *doc,
                                  size_t dl, const uint8_t *pos, size_t pl);

/* Length of chunk c's postings value (chunk 0 includes the header, and
 * the positions when inline). */
static inline size_t codec_value_len(const codec_out *o, size_t c) {
    return o->doc_off[c + 1] - o->doc_off[c] +
           (c == 0 ? o->hdr.len + (o->inline_pos ? o->pos.len : 0) : 0);
}
/* Writes chunk c's postings value to dst (codec_value_len bytes). */
ZK_HIDDEN void codec_value_copy(const codec_out *o, size_t c, uint8_t *dst);

/* ------------------------------------------------------------ decoding */

/* Term header (start of chunk 0). */
typedef struct codec_header {
    int inline_pos;       /* positions follow chunk 0's blocks */
    uint32_t df;          /* postings in this segment */
    uint32_t nchunks;     /* chunks */
    uint32_t max_tf;      /* largest tf */
    uint32_t min_dl;      /* smallest passage length */
    uint64_t npos;        /* total positions (sum of tf) */
    const uint8_t *dir;   /* chunk directory (nchunks > 1) */
    const uint8_t *dir_end; /* end of the directory */
    const uint8_t *body;  /* chunk 0's body */
    size_t body_len;      /* bytes in body */
} codec_header;

ZK_HIDDEN int codec_parse_header(const uint8_t *v, size_t len,
                                 codec_header *h);

/* One chunk directory entry, read in order. */
typedef struct codec_dirent {
    uint32_t last_id;  /* last passage id of the chunk */
    uint32_t max_tf;   /* largest tf in it */
    uint32_t min_dl;   /* smallest passage length in it */
} codec_dirent;

/* Reads the directory (nchunks entries) into out[]. */
ZK_HIDDEN int codec_read_dir(const codec_header *h, codec_dirent *out);

/* A parsed chunk: skip entries of its blocks. */
typedef struct codec_chunk {
    uint32_t nblocks;                     /* blocks */
    uint32_t first_id;                    /* first passage id */
    uint32_t last[CODEC_MAX_BLOCKS];      /* last id per block */
    uint16_t max_tf[CODEC_MAX_BLOCKS];    /* largest tf per block */
    uint16_t min_dl[CODEC_MAX_BLOCKS];    /* smallest length per block */
    uint8_t npair[CODEC_MAX_BLOCKS];      /* its pairs (1..CODEC_PAIRS) */
    uint16_t ptf[CODEC_MAX_BLOCKS][CODEC_PAIRS]; /* their tfs, increasing
                                                    (the last max_tf) */
    uint16_t pdl[CODEC_MAX_BLOCKS][CODEC_PAIRS]; /* their lengths,
                                                    increasing (the first
                                                    min_dl) */
    uint32_t off[CODEC_MAX_BLOCKS + 1];   /* block byte offsets in data */
    uint32_t poff[CODEC_MAX_BLOCKS + 1];  /* block offsets in positions */
    const uint8_t *data;                  /* block bytes */
    size_t data_len;                      /* bytes in data */
    const uint8_t *ipos;                  /* inline positions, or NULL */
    size_t ipos_len;                      /* their bytes */
} codec_chunk;

/* Parses a chunk body; inline_pos (the header's flag, chunk 0 only): the
 * positions follow the blocks and are pointed at by c->ipos. */
ZK_HIDDEN int codec_parse_chunk(const uint8_t *body, size_t len,
                                int inline_pos, codec_chunk *c);

/* Decodes block b of c into ids/tfs (CODEC_BLOCK entries each); returns
 * the number of postings (>= 1) or ZOEK_ECORRUPT. */
ZK_HIDDEN int codec_decode_block(const codec_chunk *c, uint32_t b,
                                 uint32_t *ids, uint32_t *tfs);

/* The tf values of a decoded block, still packed. */
typedef struct codec_tfs {
    const uint8_t *p;     /* the block's tf stream */
    unsigned bits;        /* width (0..16) */
    uint32_t n;           /* postings */
} codec_tfs;

/* As codec_decode_block, but only the ids: *tf tells where the tfs are,
 * for codec_tf_at or codec_decode_tfs (the block's size is checked, so
 * both read inside it). */
ZK_HIDDEN int codec_decode_ids(const codec_chunk *c, uint32_t b,
                               uint32_t *ids, codec_tfs *tf);
/* All n tfs of the block into tfs. */
ZK_HIDDEN void codec_decode_tfs(const codec_tfs *tf, uint32_t *tfs);

/* The tf of posting i (< tf->n) of the block. */
static inline uint32_t codec_tf_at(const codec_tfs *tf, uint32_t i) {
    if (!tf->bits) return 1;
    size_t bit = (size_t)i * tf->bits;
    const uint8_t *p = tf->p + (bit >> 3);
    unsigned sh = (unsigned)(bit & 7), nb = (sh + tf->bits + 7) >> 3;
    uint32_t v = p[0];
    if (nb > 1) v |= (uint32_t)p[1] << 8;
    if (nb > 2) v |= (uint32_t)p[2] << 16;
    return ((v >> sh) & ((1u << tf->bits) - 1)) + 1;
}

/* Decodes the positions of block b (pos: the chunk's positions value),
 * given the block's tfs (n postings): out receives sum(tfs) positions,
 * posting after posting; *nout their count (out holds at most cap).
 * Returns 0 or ZOEK_ECORRUPT. */
ZK_HIDDEN int codec_decode_positions(const codec_chunk *c, uint32_t b,
                                     const uint8_t *pos, size_t pos_len,
                                     const uint32_t *tfs, uint32_t n,
                                     uint32_t *out, size_t cap,
                                     size_t *nout);

/* Verifies that block b of c and its positions are exactly what
 * codec_encode() writes for the decoded postings (ids, tfs, n of them, as
 * codec_decode_block returned; dls: their passages' lengths) and positions (as
 * codec_decode_positions returned): the skip entry holds the block's
 * largest tf and smallest length, bit widths are the smallest that fit and
 * padding bits are zero.  For zoek_index_check(): a flipped bit that still
 * decodes shows here.  Returns 0, ZOEK_ECORRUPT or ZOEK_ENOMEM. */
ZK_HIDDEN int codec_verify_block(const codec_chunk *c, uint32_t b,
                                 const uint8_t *pos, size_t pos_len,
                                 const uint32_t *ids, const uint32_t *tfs,
                                 const uint32_t *dls, uint32_t n,
                                 const uint32_t *positions);

/* ------------------------------------------------------------- packs */

/* A term of at most CODEC_PACK_DF postings, each tf <= CODEC_MAX_TF,
 * whose pack record takes at most CODEC_PACK_REC bytes of postings, is
 * "small": it is stored in a pack, with other small terms of its
 * segment, instead of under its own key.  A pack's key and value take at
 * most CODEC_PACK_NODE bytes, so that two fill an LMDB leaf page. */
#define CODEC_PACK_DF 32
#define CODEC_PACK_REC 512
#define CODEC_PACK_NODE 2030

/* Appends the postings part of in's pack record to b.  Returns 0, 1 when
 * the term is not small (b unchanged), ZOEK_ENOMEM or ZOEK_EINVAL (ids
 * not increasing, tf 0, positions not increasing). */
ZK_HIDDEN int codec_pack_postings(zk_buf *b, const codec_postings *in);
/* Appends the term part of a record that follows one of term prev (the
 * pack's first record has none: its term is the key's). */
ZK_HIDDEN int codec_pack_term(zk_buf *b, const uint8_t *prev, size_t prevlen,
                              const uint8_t *term, size_t len);

/* One decoded pack record. */
typedef struct codec_packrec {
    uint32_t df;                   /* postings */
    uint32_t min_dl;               /* smallest passage length */
    uint32_t max_tf;               /* largest tf */
    uint32_t npos;                 /* positions (sum of tf) */
    uint32_t ids[CODEC_PACK_DF];   /* passage ids */
    uint32_t tfs[CODEC_PACK_DF];   /* tf per posting */
    uint32_t pos[CODEC_PACK_REC];  /* positions, posting after posting */
    const uint8_t *post;           /* the postings part in the value */
    size_t post_len;               /* its bytes */
} codec_packrec;

/* Reads the record at *p (< end) and advances *p past it.  term (room for
 * 500 bytes) holds *len bytes: the previous record's term (first: the
 * pack key's, and the record has no term part), replaced by this
 * record's.  A record's term must sort after the previous one and share
 * exactly their common prefix.  Returns 0 or ZOEK_ECORRUPT. */
ZK_HIDDEN int codec_pack_next(const uint8_t **p, const uint8_t *end,
                              int first, uint8_t *term, size_t *len,
                              codec_packrec *r);
/* The chunk 0 value the record's postings would have as a term of their
 * own (one chunk, positions inline), every passage length taken as the
 * record's min_dl (so the block has one pair): written to val using co as
 * scratch.  Returns 0, ZOEK_ENOMEM or ZOEK_ECORRUPT. */
ZK_HIDDEN int codec_pack_expand(const codec_packrec *r, codec_out *co,
                                zk_buf *val);

#endif
