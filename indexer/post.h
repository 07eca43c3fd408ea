/* post.h - the terms of a segment in the post table: a large term under
 * its own chunk keys, small terms (codec.h) in packs; lookup, iteration
 * in term order and writing.
 *
 * A pack is one post value under the key (segment, its first term, 0x00,
 * 0xFF) holding the records of consecutive small terms of the segment
 * (codec.c); it closes before a large term and before its key and value
 * would pass CODEC_PACK_NODE bytes, so keys keep the terms' order.  A
 * small term is found by seeking its key: it is the first term of the
 * pack found there, or a later term of the pack just before. */
#ifndef ZK_POST_H
#define ZK_POST_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "index.h"

/* Term order in the post table: bytes, then length (a prefix first). */
static inline int post_term_cmp(const uint8_t *a, size_t al, const uint8_t *b,
                                size_t bl) {
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c) return c;
    return al < bl ? -1 : al > bl;
}

/* Scratch that holds the expanded value of a packed term. */
typedef struct post_buf {
    codec_out co;       /* encoder scratch */
    zk_buf val;         /* the expanded value */
    codec_packrec *rec; /* decoded record */
} post_buf;

ZK_HIDDEN void post_buf_free(post_buf *b);

/* Looks up term in segment seg: *v and *vl get its chunk 0 value in the
 * layout of a large term (codec.h), the stored one of a large term or, for a
 * packed term, its expansion in b (valid until b's next use or the end
 * of the transaction).  *packed (may be NULL) tells which.  Returns 0,
 * ZOEK_ENOTFOUND, ZOEK_ECORRUPT or ZOEK_ENOMEM. */
ZK_HIDDEN int post_get(store_txn *t, uint32_t seg, const uint8_t *term,
                       size_t len, post_buf *b, const uint8_t **v, size_t *vl,
                       int *packed);

/* The terms of one segment in order. */
typedef struct post_iter {
    store_cursor *cur;   /* over post */
    uint32_t seg;        /* the segment */
    int values;          /* expand packed terms' values */
    int done;            /* past the last term */
    int packed;          /* the current term is in a pack */
    uint8_t term[512];   /* the current term */
    size_t tlen;         /* its bytes */
    const uint8_t *v;    /* its chunk 0 value (a large term's layout; a
                            packed term's only when values is set) */
    size_t vl;           /* bytes */
    const uint8_t *pk;   /* rest of the current pack */
    const uint8_t *pend; /* its end */
    const uint8_t *pack; /* the current pack value */
    size_t packlen;      /* its bytes */
    post_buf buf;        /* expansion */
} post_iter;

/* Opens it on segment seg at its first term >= from (from NULL: its first
 * term); it->done when there is none.  values: fill v/vl for packed
 * terms too.  Returns 0 or an error (then it is closed). */
ZK_HIDDEN int post_iter_open(post_iter *it, store_txn *t, uint32_t seg,
                             const uint8_t *from, size_t fromlen, int values);
/* Moves to the next term (a large term's later chunks are skipped). */
ZK_HIDDEN int post_iter_next(post_iter *it);
ZK_HIDDEN void post_iter_close(post_iter *it);

/* Writes a segment's terms in order, packing the small ones. */
typedef struct post_writer {
    uint32_t seg;       /* segment written */
    zk_buf pack;        /* the open pack's value */
    uint8_t first[512]; /* its first term */
    size_t firstlen;    /* bytes */
    uint8_t last[512];  /* its last term */
    size_t lastlen;     /* bytes */
    zk_buf rec;         /* scratch: one record */
} post_writer;

/* Adds a term (after every term added so far): in its postings, co their
 * encoding.  Values go to t (appended); *bytes grows by the bytes of
 * values written.  Returns 0 or a store error. */
ZK_HIDDEN int post_writer_add(post_writer *w, store_txn *t, const uint8_t *term,
                              size_t len, const codec_postings *in,
                              const codec_out *co, uint64_t *bytes);
/* The same in two steps, for a term encoded in one place and written in
 * another: post_pack_record() puts the pack record of a term's postings
 * (in, encoded as co) in rec and returns 0 when the term is small, or
 * returns 1 when it is large (or an error); then post_writer_add_record()
 * adds a small term by its record, post_writer_add_large() a large one
 * by its encoding. */
ZK_HIDDEN int post_pack_record(zk_buf *rec, size_t len,
                               const codec_postings *in, const codec_out *co);
ZK_HIDDEN int post_writer_add_record(post_writer *w, store_txn *t,
                                     const uint8_t *term, size_t len,
                                     const uint8_t *rec, size_t reclen,
                                     uint64_t *bytes);
ZK_HIDDEN int post_writer_add_large(post_writer *w, store_txn *t,
                                    const uint8_t *term, size_t len,
                                    const codec_out *co, uint64_t *bytes);
/* Writes the open pack, if any: before a transaction commits. */
ZK_HIDDEN int post_writer_flush(post_writer *w, store_txn *t, uint64_t *bytes);
/* Forgets the open pack (its transaction was aborted). */
ZK_HIDDEN void post_writer_drop(post_writer *w);
ZK_HIDDEN void post_writer_free(post_writer *w);

#endif
