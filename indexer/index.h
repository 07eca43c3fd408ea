/* index.h - what readers and the writer share: the zoek_index handle, the
 * index state record, article records, key layouts and tombstones. */
#ifndef ZK_INDEX_H
#define ZK_INDEX_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze.h"
#include "store.h"
#include "util.h"

/* On-disk format version (docs/FORMAT.md).  Bump on any change. */
#define FORMAT_VERSION 5
/* The oldest format `zoek-index --rebuild` upgrades: its tables are this
 * format's but for the postings, which a rebuild drops unread and writes
 * again from the stored text. */
#define FORMAT_REBUILDABLE 4

/* Longest external id (LMDB keys are at most 511 bytes). */
#define MAX_ID_LEN 500

/* Passages per tombstone bitmap value (1 KiB). */
#define DEAD_BITS 8192

/* Passage lengths (DB_PLEN): key u32 BE passage / PLEN_N; value PLEN_N
 * u16 LE lengths (BM25 dl), then PLEN_N 2-bit languages (LSB first), so
 * that a value takes three whole overflow pages of 4 KiB at most. */
#define PLEN_N 4096
#define PLEN_VALUE (PLEN_N * 2 + PLEN_N / 4)

static inline uint32_t plen_dl(const uint8_t *v, uint32_t i) {
    return (uint32_t)v[2 * i] | (uint32_t)v[2 * i + 1] << 8;
}
static inline unsigned plen_lang(const uint8_t *v, uint32_t i) {
    return (v[2 * PLEN_N + i / 4] >> (2 * (i % 4))) & 3;
}
/* Sets entry i of a value (dl clamped to 65535, lang 0..2). */
static inline void plen_set(uint8_t *v, uint32_t i, uint32_t dl,
                            unsigned lang) {
    if (dl > 65535) dl = 65535;
    v[2 * i] = (uint8_t)dl;
    v[2 * i + 1] = (uint8_t)(dl >> 8);
    uint8_t *l = v + 2 * PLEN_N + i / 4;
    *l = (uint8_t)((*l & ~(3u << (2 * (i % 4)))) | (lang & 3) << (2 * (i % 4)));
}

/* Reads passage lengths through a snapshot, keeping the last value: for
 * lookups in (mostly) increasing passage order.  Zero-initialise. */
typedef struct plen_cur {
    store_txn *t;     /* snapshot */
    uint32_t key;     /* passage / PLEN_N of v */
    const uint8_t *v; /* that value, or NULL */
} plen_cur;

/* plen_get's lookup of the value holding passage p. */
ZK_HIDDEN int plen_load(plen_cur *c, uint32_t p);

/* Length and language (0..2) of passage p.  Returns 0 or ZOEK_ECORRUPT
 * (no value, a value of another size, a language of 3). */
static inline int plen_get(plen_cur *c, uint32_t p, uint32_t *dl,
                           int *lang) {
    if (!c->v || c->key != p / PLEN_N) {
        int rc = plen_load(c, p);
        if (rc) return rc;
    }
    uint32_t i = p % PLEN_N;
    unsigned l = plen_lang(c->v, i);
    if (l > 2) return ZOEK_ECORRUPT;
    *dl = plen_dl(c->v, i);
    *lang = (int)l;
    return 0;
}

/* A range of passage ids [lo, hi). */
typedef struct prange {
    uint32_t lo;  /* first passage id */
    uint32_t hi;  /* one past the last */
} prange;

/* One live segment. */
typedef struct seg_info {
    uint32_t id;        /* segment id (key prefix in post/pos) */
    uint32_t npass;     /* passages it holds, dead ones included */
    uint32_t ndead;     /* of which dead */
    uint64_t bytes;     /* bytes of its postings and positions values */
    uint32_t nranges;   /* passage id ranges it holds */
    prange *ranges;     /* sorted, disjoint */
} seg_info;

/* The "state" record in meta: everything a reader needs for BM25. */
typedef struct idx_state {
    uint64_t generation;      /* commits so far */
    uint32_t next_article;    /* next article id */
    uint32_t next_passage;    /* next passage id */
    uint32_t next_segment;    /* next segment id */
    uint64_t narticles;       /* live articles */
    uint64_t npassages;       /* live passages (BM25 N) */
    uint64_t total_len;       /* sum of live passage lengths */
    uint64_t lang_articles[3];/* live articles per language */
    uint32_t nseg;            /* live segments */
    seg_info *seg;            /* them */
} idx_state;

ZK_HIDDEN int state_read(store_txn *t, idx_state *st);
ZK_HIDDEN int state_write(store_txn *t, const idx_state *st);
ZK_HIDDEN int state_copy(idx_state *dst, const idx_state *src);
ZK_HIDDEN void state_free(idx_state *st);
/* The segment holding passage p, or -1. */
ZK_HIDDEN int state_find_seg(const idx_state *st, uint32_t p);
/* Bitmask of languages with live articles (bit l for ZOEK_LANG l). */
ZK_HIDDEN unsigned state_langs(const idx_state *st);

/* One passage of an article record. */
typedef struct art_pass {
    uint32_t start;  /* byte range in the article text */
    uint32_t end;    /* one past the last byte */
    uint32_t dl;     /* BM25 length */
    uint8_t lang;    /* language */
} art_pass;

/* An article record (DB_ART).  Pointers refer to the stored value or to
 * the caller's arrays. */
typedef struct art_rec {
    uint8_t lang;         /* majority language */
    uint8_t mixed;        /* paragraphs in several languages */
    int8_t forced;        /* forced language, or -1 */
    uint32_t first_pass;  /* first passage id */
    uint32_t npass;       /* passages */
    uint64_t hash;        /* content hash */
    uint64_t mtime;       /* source mtime */
    const char *name;     /* external id */
    uint32_t name_len;    /* bytes in name */
    uint32_t title_len;   /* bytes of title at the start of the text (the
                             body follows after "\n\n"), 0 if none */
    uint32_t text_len;    /* bytes of the stored text */
    uint32_t nchunks;     /* text chunks */
    const uint8_t *pass;  /* encoded passages (decode with art_passages) */
    size_t pass_len;      /* bytes */
} art_rec;

ZK_HIDDEN int art_encode(zk_buf *b, const art_rec *r, const art_pass *p);
ZK_HIDDEN int art_decode(const void *v, size_t len, art_rec *r);
/* Decodes r's passages into out[0..r->npass). */
ZK_HIDDEN int art_passages(const art_rec *r, art_pass *out);

/* Postings keys: u32 BE segment, the term, 0x00, the chunk number in an
 * order-preserving code of 1, 2 or 4 bytes (0xxxxxxx; 10xxxxxx + 1 byte;
 * 11xxxxxx + 3 bytes), or the one byte 0xFF (no chunk code) for a pack
 * of small terms whose first term is the key's (post.h).  Terms hold no
 * 0x00 byte. */
#define KEY_POST_MAX (4 + 500 + 1 + 4)
#define KEY_PACK UINT32_MAX /* key_post_parse's chunk of a pack key */
#define KEY_PACK_CODE 0xFF  /* the code byte of a pack key */
ZK_HIDDEN size_t key_post(uint8_t *k, uint32_t seg, const char *term,
                          size_t len, uint32_t chunk);
/* Writes the code of chunk at p; returns its length. */
ZK_HIDDEN size_t key_chunk(uint8_t *p, uint32_t chunk);
/* Splits a postings key; returns 0 or ZOEK_ECORRUPT. */
ZK_HIDDEN int key_post_parse(const uint8_t *k, size_t kl, uint32_t *seg,
                             const uint8_t **term, size_t *tlen,
                             uint32_t *chunk);
ZK_HIDDEN void key_u32(uint8_t *k, uint32_t v);

/* Reads the whole stored text of article `art` into out (inflated). */
ZK_HIDDEN int text_load(store_txn *t, uint32_t art, const art_rec *r,
                        zk_buf *out);
/* Reads the first `upto` bytes (upto <= r->text_len) of that text: the
 * inflation stops there (snippets need only their passage's end). */
ZK_HIDDEN int text_load_prefix(store_txn *t, uint32_t art, const art_rec *r,
                               size_t upto, zk_buf *out);

/* 1 if passage p is tombstoned. */
ZK_HIDDEN int dead_test(store_txn *t, uint32_t p, int *rc);

/* Looks up an article by external id: ZOEK_ENOTFOUND if absent. */
ZK_HIDDEN int art_lookup(store_txn *t, const char *name, size_t len,
                         uint32_t *art);
/* The article holding passage p. */
ZK_HIDDEN int art_of_passage(store_txn *t, uint32_t p, uint32_t *art);
/* The same, and the passage ids [first, end) that map to that article:
 * from its first passage to the next article's (UINT32_MAX after the
 * last). */
ZK_HIDDEN int art_span(store_txn *t, uint32_t p, uint32_t *art,
                       uint32_t *first, uint32_t *end);
/* art_span with a cursor on DB_PMAP that the caller keeps: lookups in
 * increasing order stay on the same leaf page. */
ZK_HIDDEN int art_span_at(store_cursor *c, uint32_t p, uint32_t *art,
                          uint32_t *first, uint32_t *end);
ZK_HIDDEN int art_get(store_txn *t, uint32_t art, art_rec *r);

/* Index settings recorded at creation. */
typedef struct idx_config {
    uint32_t analyzer_version; /* ANALYZER_VERSION */
    uint64_t fingerprint;      /* stemmer fingerprint */
    uint32_t format;           /* FORMAT_VERSION, or an older format that
                                  a rebuild upgrades (FORMAT_REBUILDABLE) */
} idx_config;

/* 0, or ZOEK_EVERSION (with its message) when idx holds an older format:
 * only a rebuild, from its stored text, starts a run on it (the writer's
 * run_begin calls this, the rebuild does not). */
ZK_HIDDEN int idx_format_gate(zoek_index *idx);

typedef struct writer writer;

/* A pool of analyzers for query and snippet work, shared by threads. */
typedef struct an_pool {
    pthread_mutex_t mu;   /* protects free list */
    analyzer **free;      /* idle analyzers */
    size_t nfree;         /* count */
    size_t cap;           /* allocated */
} an_pool;

ZK_HIDDEN int an_pool_get(an_pool *p, analyzer **out);
ZK_HIDDEN void an_pool_put(an_pool *p, analyzer *a);

struct zoek_index {
    store *st;            /* LMDB */
    unsigned flags;       /* ZOEK_OPEN_* */
    idx_config cfg;       /* as stored */
    an_pool pool;         /* analyzers for searches */
    writer *w;            /* writer state (ZOEK_OPEN_WRITE) */
    zoek_event_fn ev;     /* writer event callback */
    void *ev_ud;          /* its user data */
    uint64_t map_limit;   /* index pages kept mapped after searches
                             (bytes; 0: no limit) */
    char err[1024];       /* last error message */
};

/* zoek_index_set_map_limit's default. */
#define IDX_MAP_LIMIT 0

/* Sets idx->err and returns rc. */
ZK_HIDDEN int idx_fail(zoek_index *idx, int rc, const char *fmt, ...)
    ZK_PRINTF(3, 4);

/* Writer entry points used by zoek_index_open/close (writer.c). */
ZK_HIDDEN int writer_open(zoek_index *idx);
ZK_HIDDEN void writer_close(zoek_index *idx);
/* Nonzero when the writer has work staged for its next commit. */
ZK_HIDDEN int writer_staged(const writer *w);

#endif
