/* eval.h - postings cursors: one term in one segment (tcur) and the union
 * of a query word's variant terms (gcur), with skipping and positions. */
#ifndef ZK_EVAL_H
#define ZK_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "bm25.h"
#include "codec.h"
#include "index.h"
#include "post.h"
#include "store.h"

#define TC_END UINT32_MAX

/* Cursor over one term's postings in one segment. */
typedef struct tcur {
    store_txn *t;            /* snapshot */
    uint8_t key[KEY_POST_MAX]; /* post/pos key of the current chunk */
    size_t klen;             /* its length */
    size_t kbase;            /* length without the chunk code */
    codec_header h;          /* term header (from chunk 0) */
    post_buf *xb;            /* a packed term's expanded value */
    codec_dirent *dir;       /* chunk directory (nchunks > 1) */
    uint32_t chunk;          /* current chunk */
    codec_chunk *ck;         /* the parsed chunk */
    const uint8_t *pos;      /* the chunk's positions value (lazy) */
    size_t poslen;           /* bytes */
    uint32_t block;          /* current block */
    int n, i;                /* postings decoded / index in block */
    uint32_t ids[CODEC_BLOCK], tfs[CODEC_BLOCK];
    uint16_t bpt[CODEC_PAIRS], bpd[CODEC_PAIRS]; /* the block's pairs */
    uint32_t bnp;            /* their number */
    codec_tfs tf;            /* the block's packed tfs */
    int tfs_ok;              /* tfs[] holds them (else read from tf) */
    uint32_t doc;            /* current passage, TC_END at the end */
    int pblock;              /* block whose positions are decoded, -1 */
    uint32_t *pbuf;          /* positions of that block */
    size_t pcap;             /* allocated */
    uint32_t poff[CODEC_BLOCK + 1]; /* start of each posting's positions */
    int rc;                  /* sticky error (ZOEK_ECORRUPT, ...) */
} tcur;

/* Opens the cursor on term in segment seg and moves to its first posting.
 * Returns 0, ZOEK_ENOTFOUND (term absent from the segment), or an error. */
ZK_HIDDEN int tcur_open(tcur *c, store_txn *t, uint32_t seg,
                        const char *term, size_t len);
ZK_HIDDEN void tcur_close(tcur *c);
/* Moves to the next posting; c->doc is TC_END at the end.  Returns 0 or
 * an error. */
ZK_HIDDEN int tcur_next(tcur *c);
/* Moves to the first posting >= target. */
ZK_HIDDEN int tcur_seek(tcur *c, uint32_t target);
/* Positions of the current posting. */
ZK_HIDDEN int tcur_positions(tcur *c, const uint32_t **pos, uint32_t *n);

/* A block reached by a seek has only its ids decoded: its tfs are read
 * one at a time until a walk needs them all. */
static inline uint32_t tcur_tf(const tcur *c) {
    return c->tfs_ok ? c->tfs[c->i] : codec_tf_at(&c->tf, (uint32_t)c->i);
}

static inline void tcur_need_tfs(tcur *c) {
    if (!c->tfs_ok) {
        codec_decode_tfs(&c->tf, c->tfs);
        c->tfs_ok = 1;
    }
}

/* The smallest passage length a posting of tf t in the current block can
 * have (the block's pairs, skip data): at most the length of a passage
 * there holding the term t times. */
static inline uint32_t tcur_dl_for(const tcur *c, uint32_t t) {
    if (t <= c->bpt[0]) return c->bpd[0];
    uint32_t j = 1;
    while (j + 1 < c->bnp && c->bpt[j] < t) j++;
    return c->bpd[j];
}

/* Moves within the current block past the postings whose tf is below
 * min_tf and whose passage is at most hi; stops at the block's last
 * posting.  Returns how many were passed. */
static inline uint32_t tcur_skip_tf(tcur *c, uint32_t min_tf, uint32_t hi) {
    tcur_need_tfs(c);
    int i = c->i;
    while (i + 1 < c->n && c->tfs[i] < min_tf && c->ids[i] <= hi) i++;
    uint32_t moved = (uint32_t)(i - c->i);
    c->i = i;
    c->doc = c->ids[i];
    return moved;
}

/* The largest tf and the smallest length of c's postings in [lo, hi], from
 * the skip data alone (nothing decoded): bounds for any posting there.
 * Returns 0 when c holds none there (at its end, or its current posting
 * is past hi), else 1. */
ZK_HIDDEN int tcur_window(const tcur *c, uint32_t lo, uint32_t hi,
                          uint32_t *max_tf, uint32_t *min_dl);

/* The largest BM25 tf part (bm25_tf_bound with f) of c's postings in
 * [lo, hi], from the blocks' pairs and, past the current chunk, the
 * directory's largest tf and smallest length; 0 when c holds none there. */
ZK_HIDDEN double tcur_window_bound(const tcur *c, uint32_t lo, uint32_t hi,
                                   const bm25_bound *f);

/* The last passage of the block (of a later chunk: of the chunk) that holds
 * c's first posting >= lo, from the skip data alone; TC_END when there is
 * none. */
ZK_HIDDEN uint32_t tcur_block_end(const tcur *c, uint32_t lo);

#endif
