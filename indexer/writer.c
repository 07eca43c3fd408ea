/* writer.c - the write path: staging articles, parallel analysis,
 * in-memory inversion, segment flushes, deletions with exact statistics,
 * tiered merges and the atomic publish of a commit.
 *
 * A commit ("run") never changes what readers see until its last
 * transaction: analysed articles are spilled as runs (unlinked temporary
 * files) that become pending segments (plus their art/pmap/text records
 * under ids beyond the committed counters);
 * the publish transaction then updates names, tombstones, deldf and the
 * state record at once.  Anything a crash leaves behind (segments not in
 * the state, ids beyond the counters) is removed when the next run starts.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "analyze.h"
#include "codec.h"
#include "huff.h"
#include "idset.h"
#include "index.h"
#include "normalize.h"
#include "passage.h"
#include "post.h"
#include "segment.h"
#include "stem.h"
#include "writer.h"

#define BATCH_DOCS 512          /* articles per batch, at most */
#define TEXT_PIECE 1900         /* bytes per stored text value */
#define MAX_SEGS 10             /* live segments the policy aims at */
#define TIER_FACTOR 4           /* similar sizes: within this factor */
#define TIER_MERGE 4            /* merge when a tier has this many */
#define MAX_RUNS 32             /* runs merged into a pending segment */

/* An article staged for analysis. */
typedef struct in_doc {
    uint32_t art;        /* article id */
    int lang;            /* forced language or ZK_LANG_AUTO */
    uint64_t hash;       /* content hash */
    uint64_t mtime;      /* source mtime */
    size_t name_off;     /* name bytes in batch->in */
    size_t name_len;
    size_t title_off;    /* title bytes in batch->in */
    size_t title_len;
    size_t text_off;     /* text bytes in batch->in */
    size_t text_len;
    int replaced;        /* replaces an article (else counted as added) */
} in_doc;

/* What a worker made of an article. */
typedef struct out_doc {
    int skip;            /* no words: not indexed */
    size_t nbad;         /* invalid UTF-8 sequences replaced */
    uint8_t lang;        /* majority language */
    uint8_t mixed;       /* paragraphs in several languages */
    uint32_t npass;      /* passages */
    size_t pass_off;     /* first in batch->pass */
    size_t occ_off;      /* first occurrence in batch->occ */
    size_t nocc;         /* occurrences */
    size_t z_off;        /* compressed text in batch->z */
    size_t z_len;
    uint32_t text_len;   /* bytes of the stored text */
    uint32_t title_len;  /* bytes of its title part */
} out_doc;

/* One term occurrence: batch-local term id, passage index, position. */
typedef struct occ {
    uint32_t term;       /* index into batch->terms */
    uint32_t pass;       /* passage index within the article */
    uint32_t pos;        /* position within the passage */
} occ;

typedef struct bterm {
    uint32_t off, len;   /* bytes in batch->tbytes */
} bterm;

typedef struct batch {
    struct batch *next;  /* in-flight order (and the spare list) */
    struct batch *qnext; /* queue of work for the threads */
    int done;            /* worker finished */
    int rc;              /* worker error */
    zk_buf in;           /* names, titles, texts */
    in_doc *docs;        /* staged articles */
    size_t ndocs, doccap;
    out_doc *out;        /* results, one per doc */
    size_t outcap;
    art_pass *pass;      /* passages of all docs */
    size_t npass, passcap;
    occ *occs;           /* occurrences of all docs */
    size_t nocc, occcap;
    bterm *terms;        /* distinct terms of the batch */
    size_t nterms, termcap;
    zk_buf tbytes;       /* their bytes */
    zk_buf z;            /* compressed texts */
    uint32_t pass_base;  /* id of the batch's first passage */
} batch;

/* A worker thread's tools. */
typedef struct worker {
    struct writer *w;    /* owner */
    pthread_t th;        /* thread */
    analyzer *an;        /* analysis chain */
    an_out ao;           /* analysis output */
    passage_list pl;     /* passages */
    zk_buf text;         /* repaired text */
    uint32_t stamp;      /* this batch's stamp in the analyzer's memo
                            cells (never 0) */
    uint32_t *slot;      /* batch term hash: term index + 1 */
    size_t nslot;        /* slots */
    huff_code hc;        /* the batch's Huffman code for stored text */
    z_stream z;          /* deflate, for texts the batch's code fits badly */
    int z_ok;            /* z initialised */
    membuf *mb;          /* this thread's in-memory segment */
    uint32_t *tmap;      /* batch term -> membuf term */
    size_t tmapcap;
    int running;         /* th was started */
} worker;

struct writer {
    zoek_index *idx;
    store *st;
    int started;              /* a run is open */
    idx_state state;          /* committed state */
    idx_state work;           /* counters of the run */
    store_txn *rt;            /* lookups (reset when idle) */
    /* threads */
    worker *wk;
    int nwk;
    pthread_mutex_t mu;       /* queue, counters, pending segments */
    pthread_mutex_t flush_mu; /* runs and segment writes, one at a time */
    pthread_cond_t cv_work, cv_done;
    batch *queue;             /* waiting for a worker (FIFO) */
    batch *queue_tail;
    batch *inflight;          /* dispatched, in order */
    batch *inflight_tail;
    size_t ninflight;
    int stop;
    batch *cur;               /* being filled */
    batch *spare;             /* recycled batches */
    /* article records waiting to be written (main thread) */
    zk_buf arts;              /* (u32 art, u32 len, record) to write */
    zk_buf texts;             /* (u32 art, u32 len, zlib) to write */
    zk_buf pmaps;             /* (u32 first passage, u32 art) */
    zk_buf plens;             /* (u32 passage, u16 dl, u8 lang, u8 0) */
    /* pending segments of this run */
    seg_info *pend;
    size_t npend, pendcap;
    /* postings spilled by the threads, not yet in a segment (flush_mu) */
    segrun **runs;
    size_t nruns, runcap;
    /* bookkeeping */
    idset *ids;               /* the run's article ids: each one's new
                                 article id, or UINT32_MAX if unchanged */
    uint32_t *skip;           /* new article ids not indexed (ascending) */
    size_t nskip, skipcap;
    uint32_t *dels;           /* article ids to delete */
    size_t ndels, delcap;
    zoek_commit_stats stats;
    uint64_t failed;          /* articles that could not be indexed */
    size_t budget;            /* memory budget in bytes */
    writer_plan plan;         /* what it is spent on (this run) */
    size_t post_limit;        /* postings a thread may hold (atomic: set
                                 by the main thread as the names grow) */
    unsigned nthreads;        /* analysis threads (0: one per core) */
    int optimize;             /* merge everything at commit */
    int rebuild;              /* re-analysing everything */
    uint32_t rb_art0;         /* first article id of the rebuilt index */
    uint32_t rb_pass0;        /* first passage id of the rebuilt index */
    int rc;                   /* sticky error of the run */
    uint64_t nlookups;        /* committed articles looked up */
    /* progress */
    uint64_t prog_files, prog_bytes;
    double prog_last;
};

static int grow(void **p, size_t *cap, size_t need, size_t size) {
    return zk_grow(p, cap, need, size);
}

/* ------------------------------------------------------------- events */

void writer_event(zoek_index *idx, int kind, const char *source,
                  uint64_t line, const char *msg) {
    if (!idx->ev) return;
    zoek_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.source = source;
    ev.line = line;
    ev.message = msg;
    if (idx->w) {
        ev.files = idx->w->prog_files;
        ev.bytes = idx->w->prog_bytes;
        ev.articles = idx->w->stats.added + idx->w->stats.replaced +
                      idx->w->stats.unchanged;
    }
    idx->ev(&ev, idx->ev_ud);
}

void writer_progress(zoek_index *idx, uint64_t files, uint64_t bytes) {
    writer *w = idx->w;
    if (!w) return;
    w->prog_files += files;
    w->prog_bytes += bytes;
    double now = zk_now();
    if (now - w->prog_last >= 0.25) {
        w->prog_last = now;
        writer_event(idx, ZOEK_EVENT_PROGRESS, NULL, 0, "");
    }
}

int zoek_index_set_memory(zoek_index *idx, size_t bytes) {
    if (!idx || !idx->w || bytes < ((size_t)32 << 20)) return ZOEK_EINVAL;
    idx->w->budget = bytes;
    return 0;
}

static size_t clamp_size(size_t v, size_t lo, size_t hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

void writer_plan_for(size_t budget, int nthreads, writer_plan *out) {
    size_t n = nthreads > 0 ? (size_t)nthreads : 1;
    /* batches: up to two per thread in flight, each holding its text and
     * about three times that in analysis arrays */
    out->batch_bytes = clamp_size(budget / 256, (size_t)64 << 10,
                                  (size_t)1 << 20);
    out->inflight = 2 * n;
    /* the word cache: 2^16 slots (about 5 MiB a thread, ~97 % hits) at
     * 256 MiB, a slot bit less per halving of the budget; from 256 MiB
     * on, larger while the threads' caches together take at most a
     * quarter of the budget (a cache is emptied when full, and every
     * word met again after that is analysed again) */
    unsigned bits = 16;
    for (size_t b = (size_t)256 << 20; bits > 12 && budget < b; b /= 2)
        bits--;
    while (budget >= ((size_t)256 << 20) && bits < 20 &&
           n * analyzer_cache_bytes(bits + 1) <= budget / 4)
        bits++;
    out->cache_bits = bits;
    /* LMDB keeps a transaction's dirty pages (and reuses them) */
    out->write_bytes = clamp_size(budget / 32, (size_t)1 << 20,
                                  (size_t)8 << 20);
    /* records are gathered in four buffers whose capacities double */
    out->records = out->write_bytes / 2;
    /* the postings: under half, and what is left after a part that does
     * not shrink (code and libraries, about 4 MiB of them resident file
     * pages, LMDB's tables, thread stacks: about 16 MiB) and half for the
     * above, the analysis threads' own arrays, the merge's buffers (a
     * large term's postings whole) and what malloc keeps; the run's
     * article ids are taken from it as they come */
    size_t fixed = (size_t)16 << 20, rest = budget / 2 + fixed;
    out->postings = budget / 20 * 9;
    if (budget < rest + out->postings)
        out->postings = budget > rest ? budget - rest : 0;
    out->postings_min = budget / 8;
    if (out->postings < out->postings_min)
        out->postings = out->postings_min;
    /* the article ids kept in memory: a quarter of the postings' share
     * (past it they go to spill files, which keep about 2 bytes an id in
     * memory), so that ids and postings stay within the share down to its
     * floor */
    out->ids = out->postings / 4;
}

/* Bytes the run's article ids take (idset_bytes, which the plan's ids
 * share bounds, and the ids of articles not indexed). */
static size_t names_bytes(const writer *w) {
    return (w->ids ? idset_bytes(w->ids) : 0) + w->nskip * sizeof(uint32_t);
}

/* What each thread's postings may take: the plan's share, less the
 * article ids (which grow with the run). */
static void update_post_limit(writer *w) {
    size_t p = w->plan.postings, nb = names_bytes(w);
    p = p > nb + w->plan.postings_min ? p - nb : w->plan.postings_min;
    __atomic_store_n(&w->post_limit, p / (size_t)(w->nwk ? w->nwk : 1),
                     __ATOMIC_RELAXED);
}

int zoek_index_set_threads(zoek_index *idx, unsigned n) {
    if (!idx || !idx->w || n > 64 || idx->w->wk) return ZOEK_EINVAL;
    idx->w->nthreads = n;
    return 0;
}

void zoek_index_set_events(zoek_index *idx, zoek_event_fn fn, void *ud) {
    if (!idx) return;
    idx->ev = fn;
    idx->ev_ud = ud;
}

/* ------------------------------------------------------------- batches */

static void batch_clear(batch *b) {
    b->next = NULL;
    b->qnext = NULL;
    b->done = 0;
    b->rc = 0;
    b->in.len = 0;
    b->ndocs = 0;
    b->npass = 0;
    b->nocc = 0;
    b->nterms = 0;
    b->tbytes.len = 0;
    b->z.len = 0;
}

static void batch_free(batch *b) {
    if (!b) return;
    zk_buf_free(&b->in);
    zk_free(b->docs);
    zk_free(b->out);
    zk_free(b->pass);
    zk_free(b->occs);
    zk_free(b->terms);
    zk_buf_free(&b->tbytes);
    zk_buf_free(&b->z);
    zk_free(b);
}

static batch *batch_get(writer *w) {
    batch *b = w->spare;
    if (b) {
        w->spare = b->next;
        batch_clear(b);
        return b;
    }
    return zk_calloc(1, sizeof(batch));
}

static void batch_put(writer *w, batch *b) {
    /* keep a few for reuse; large ones are freed to bound memory */
    if (b->in.cap > 4 * w->plan.batch_bytes) {
        batch_free(b);
        return;
    }
    b->next = w->spare;
    w->spare = b;
}

/* Interns a term in the batch (worker side). */
static int batch_term(worker *k, batch *b, const char *s, size_t len,
                      uint32_t *out) {
    if (b->nterms * 2 >= k->nslot) {
        size_t n = k->nslot ? k->nslot * 2 : 8192;
        uint32_t *ns = zk_calloc(n, sizeof(uint32_t));
        if (!ns) return ZOEK_ENOMEM;
        for (size_t i = 0; i < b->nterms; i++) {
            const bterm *t = &b->terms[i];
            uint64_t h = zk_hash64(b->tbytes.p + t->off, t->len, 3);
            size_t j = h & (n - 1);
            while (ns[j]) j = (j + 1) & (n - 1);
            ns[j] = (uint32_t)i + 1;
        }
        zk_free(k->slot);
        k->slot = ns;
        k->nslot = n;
    }
    uint64_t h = zk_hash64(s, len, 3);
    size_t mask = k->nslot - 1, j = h & mask;
    for (;; j = (j + 1) & mask) {
        uint32_t v = k->slot[j];
        if (!v) break;
        const bterm *t = &b->terms[v - 1];
        if (t->len == len && !memcmp(b->tbytes.p + t->off, s, len)) {
            *out = v - 1;
            return 0;
        }
    }
    if (grow((void **)&b->terms, &b->termcap, b->nterms + 1, sizeof(bterm)))
        return ZOEK_ENOMEM;
    b->terms[b->nterms].off = (uint32_t)b->tbytes.len;
    b->terms[b->nterms].len = (uint32_t)len;
    if (zk_buf_put(&b->tbytes, s, len)) return ZOEK_ENOMEM;
    k->slot[j] = (uint32_t)b->nterms + 1;
    *out = (uint32_t)b->nterms++;
    return 0;
}

/* Builds the stored text (title, blank line, body), repairs UTF-8. */
static int make_text(worker *k, const batch *b, const in_doc *d,
                     size_t *nbad, uint32_t *title_len) {
    k->text.len = 0;
    size_t bad1 = 0, bad2 = 0;
    *title_len = 0;
    if (d->title_len) {
        if (norm_repair_utf8((const char *)b->in.p + d->title_off,
                             d->title_len, &k->text, &bad1))
            return ZOEK_ENOMEM;
        /* a title is one line */
        for (size_t i = 0; i < k->text.len; i++)
            if (k->text.p[i] == '\n' || k->text.p[i] == '\r')
                k->text.p[i] = ' ';
        *title_len = (uint32_t)k->text.len;
        if (zk_buf_put(&k->text, "\n\n", 2)) return ZOEK_ENOMEM;
    }
    if (norm_repair_utf8((const char *)b->in.p + d->text_off, d->text_len,
                         &k->text, &bad2))
        return ZOEK_ENOMEM;
    *nbad = bad1 + bad2;
    return 0;
}

/* Compresses a text with zlib's own Huffman trees (literals only). */
static int deflate_text(worker *k, zk_buf *z, const uint8_t *p, size_t len,
                        size_t *zlen) {
    if (!k->z_ok) {
        if (deflateInit2(&k->z, Z_BEST_SPEED, Z_DEFLATED, 15, 8,
                         Z_HUFFMAN_ONLY) != Z_OK)
            return ZOEK_ENOMEM;
        k->z_ok = 1;
    } else {
        deflateReset(&k->z);
    }
    uLong bound = deflateBound(&k->z, (uLong)len);
    if (zk_buf_reserve(z, bound)) return ZOEK_ENOMEM;
    k->z.next_in = (Bytef *)(uintptr_t)p;
    k->z.avail_in = (uInt)len;
    k->z.next_out = z->p + z->len;
    k->z.avail_out = (uInt)bound;
    if (deflate(&k->z, Z_FINISH) != Z_STREAM_END) return ZOEK_ENOMEM;
    *zlen = bound - k->z.avail_out;
    return 0;
}

/* Appends the text's zlib stream to the batch.  Huffman coding of the
 * literals alone keeps news at about two thirds of its size, for less
 * than half the CPU of LZ77 at level 1 (docs/PERFORMANCE.md).  The code
 * is the batch's (huff.h): building trees for each article of a kilobyte
 * cost as much as the coding.  A text whose bytes the batch's code fits
 * badly (a quarter more bits than the batch's average) is coded with its
 * own trees by zlib too, and the shorter stream kept. */
static int compress_text(worker *k, batch *b, const uint8_t *p, size_t len,
                         size_t *zlen) {
    const huff_code *hc = &k->hc;
    if (zk_buf_reserve(&b->z, huff_bound(hc, len))) return ZOEK_ENOMEM;
    size_t n = huff_encode(hc, p, len, b->z.p + b->z.len);
    b->z.len += n;
    /* bits per byte beyond the header and trailer, times 16 (as the
     * code's average), against 5/4 of that average */
    size_t fixed = (hc->hdr_bits >> 3) + 8;
    if (len >= 64 && n > fixed &&
        (uint64_t)(n - fixed) * 8 * 16 * 4 >
            (uint64_t)len * hc->avg_bits16 * 5) {
        /* zlib's stream goes after it; the shorter one stays */
        size_t an;
        int rc = deflate_text(k, &b->z, p, len, &an);
        if (rc) return rc;
        if (an < n) {
            uint8_t *at = b->z.p + b->z.len - n;
            memmove(at, at + n, an);
            b->z.len -= n - an;
            n = an;
        }
    }
    *zlen = n;
    return 0;
}

static int analyze_doc(worker *k, batch *b, size_t di) {
    const in_doc *d = &b->docs[di];
    out_doc *od = &b->out[di];
    int rc;
    memset(od, 0, sizeof *od);
    if (d->text_len + d->title_len + 2 >= UINT32_MAX) {
        od->skip = 2;
        return 0;
    }
    if ((rc = make_text(k, b, d, &od->nbad, &od->title_len))) return rc;
    od->text_len = (uint32_t)k->text.len;
    if ((rc = analyze(k->an, (const char *)k->text.p, k->text.len, d->lang,
                      &k->ao)))
        return rc;
    if (k->ao.nterms == 0) {
        od->skip = 1;
        return 0;
    }
    if ((rc = passage_index(&k->ao, k->text.len, od->title_len, &k->pl)))
        return rc;
    od->lang = (uint8_t)k->ao.lang;
    od->mixed = (uint8_t)k->ao.mixed;
    od->npass = (uint32_t)k->pl.n;
    od->pass_off = b->npass;
    od->occ_off = b->nocc;
    if (grow((void **)&b->pass, &b->passcap, b->npass + k->pl.n,
             sizeof(art_pass)) ||
        grow((void **)&b->occs, &b->occcap, b->nocc + k->pl.nocc,
             sizeof(occ)))
        return ZOEK_ENOMEM;
    for (size_t i = 0; i < k->pl.n; i++) {
        const passage *p = &k->pl.v[i];
        art_pass *ap = &b->pass[b->npass++];
        ap->start = p->start;
        ap->end = p->end;
        ap->dl = p->dl;
        ap->lang = p->lang;
        for (uint32_t j = p->occ_first; j < p->occ_end; j++) {
            const an_term *at = &k->ao.terms[k->pl.occ[j].term];
            occ *o = &b->occs[b->nocc++];
            an_memo *m = at->memo;
            if (m && m->stamp == k->stamp) {
                o->term = m->id; /* interned in this batch already */
            } else {
                if ((rc = batch_term(k, b, at->s, at->len, &o->term)))
                    return rc;
                if (m) {
                    m->stamp = k->stamp;
                    m->id = o->term;
                }
            }
            o->pass = (uint32_t)i;
            o->pos = k->pl.occ[j].pos;
        }
    }
    od->nocc = b->nocc - od->occ_off;
    od->z_off = b->z.len;
    return compress_text(k, b, k->text.p, k->text.len, &od->z_len);
}

static int worker_flush(worker *k);
static int cmp_prange(const void *a, const void *b);

/* Gives the batch's passages their ids and adds its postings to the
 * thread's in-memory segment, flushing it when it is full. */
static int invert_batch(worker *k, batch *b) {
    writer *w = k->w;
    pthread_mutex_lock(&w->mu);
    int full = (uint64_t)w->work.next_passage + b->npass >= UINT32_MAX;
    b->pass_base = w->work.next_passage;
    if (!full) w->work.next_passage += (uint32_t)b->npass;
    pthread_mutex_unlock(&w->mu);
    if (full) return ZOEK_EFULL;
    if (grow((void **)&k->tmap, &k->tmapcap, b->nterms ? b->nterms : 1,
             sizeof(uint32_t)))
        return ZOEK_ENOMEM;
    int rc;
    for (size_t i = 0; i < b->nterms; i++)
        if ((rc = membuf_term(k->mb, (const char *)b->tbytes.p + b->terms[i].off,
                              b->terms[i].len, &k->tmap[i])))
            return rc;
    for (size_t di = 0; di < b->ndocs; di++) {
        const out_doc *od = &b->out[di];
        if (od->skip) continue;
        const occ *o = b->occs + od->occ_off, *oe = o + od->nocc;
        for (uint32_t pi = 0; pi < od->npass; pi++) {
            uint32_t p = b->pass_base + (uint32_t)od->pass_off + pi;
            const art_pass *ap = &b->pass[od->pass_off + pi];
            if ((rc = membuf_passage(k->mb, p, ap->dl, ap->lang))) return rc;
            for (; o < oe && o->pass == pi; o++)
                if ((rc = membuf_occ(k->mb, k->tmap[o->term], o->pos)))
                    return rc;
        }
    }
    size_t limit = __atomic_load_n(&w->post_limit, __ATOMIC_RELAXED);
    if (membuf_bytes(k->mb) > limit) return worker_flush(k);
    return 0;
}

static int analyze_batch(worker *k, batch *b) {
    if (grow((void **)&b->out, &b->outcap, b->ndocs, sizeof(out_doc)))
        return ZOEK_ENOMEM;
    if (k->slot) memset(k->slot, 0, k->nslot * sizeof(uint32_t));
    if (++k->stamp == 0) { /* after 2^32 batches: no old cell may match */
        analyzer_clear_cache(k->an);
        k->stamp = 1;
    }
    huff_counter hcount;
    memset(&hcount, 0, sizeof hcount);
    for (size_t i = 0; i < b->ndocs; i++) {
        const in_doc *d = &b->docs[i];
        huff_counter_add(&hcount, b->in.p + d->title_off, d->title_len);
        huff_counter_add(&hcount, b->in.p + d->text_off, d->text_len);
    }
    huff_build(&k->hc, huff_counter_sum(&hcount));
    for (size_t i = 0; i < b->ndocs; i++) {
        int rc = analyze_doc(k, b, i);
        if (rc) return rc;
    }
    int rc = invert_batch(k, b);
    /* the arrays of an article of more than half a batch (20-30 bytes a
     * word) go, rather than stay that large while the thread idles or
     * analyses small ones */
    if (k->text.cap > k->w->plan.batch_bytes / 2) {
        an_out_free(&k->ao);
        passage_list_free(&k->pl);
        zk_buf_free(&k->text);
    }
    return rc;
}

static void *worker_main(void *arg) {
    worker *k = arg;
    writer *w = k->w;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (!w->stop && !w->queue) pthread_cond_wait(&w->cv_work, &w->mu);
        if (!w->queue) {
            pthread_mutex_unlock(&w->mu);
            return NULL;
        }
        batch *b = w->queue;
        w->queue = b->qnext;
        if (!w->queue) w->queue_tail = NULL;
        pthread_mutex_unlock(&w->mu);
        int rc = analyze_batch(k, b);
        pthread_mutex_lock(&w->mu);
        b->rc = rc;
        b->done = 1;
        pthread_cond_broadcast(&w->cv_done);
        pthread_mutex_unlock(&w->mu);
    }
}

/* ------------------------------------------------------------ lifecycle */

int writer_default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > 8) n = 8;
    return (int)n;
}

static int nthreads(const writer *w) {
    return w->nthreads ? (int)w->nthreads : writer_default_threads();
}

int writer_staged(const writer *w) {
    return w->started;
}

int writer_open(zoek_index *idx) {
    writer *w = zk_calloc(1, sizeof *w);
    if (!w) return idx_fail(idx, ZOEK_ENOMEM, "out of memory");
    w->idx = idx;
    w->st = idx->st;
    w->budget = (size_t)256 << 20;
    idx->w = w;
    if (idset_new(store_path(w->st), 0, &w->ids))
        return idx_fail(idx, ZOEK_ENOMEM, "out of memory");
    if (pthread_mutex_init(&w->mu, NULL) ||
        pthread_mutex_init(&w->flush_mu, NULL) ||
        pthread_cond_init(&w->cv_work, NULL) ||
        pthread_cond_init(&w->cv_done, NULL))
        return idx_fail(idx, ZOEK_ENOMEM, "out of resources");
    return 0;
}

static void stop_workers(writer *w) {
    if (!w->wk) return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv_work);
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < w->nwk; i++) {
        worker *k = &w->wk[i];
        if (k->running) pthread_join(k->th, NULL);
        analyzer_free(k->an);
        membuf_free(k->mb);
        zk_free(k->tmap);
        an_out_free(&k->ao);
        passage_list_free(&k->pl);
        zk_buf_free(&k->text);
        zk_free(k->slot);
        if (k->z_ok) deflateEnd(&k->z);
    }
    zk_free(w->wk);
    w->wk = NULL;
    w->nwk = 0;
    w->stop = 0;
}

static int start_workers(writer *w) {
    int n = nthreads(w);
    w->wk = zk_calloc((size_t)n, sizeof(worker));
    if (!w->wk) return ZOEK_ENOMEM;
    w->nwk = n;
    for (int i = 0; i < n; i++) {
        worker *k = &w->wk[i];
        k->w = w;
        if (analyzer_new(&k->an, w->plan.cache_bits) || membuf_new(&k->mb) ||
            zk_thread_start(&k->th, worker_main, k) != 0) {
            stop_workers(w);
            return ZOEK_ENOMEM;
        }
        k->running = 1;
    }
    return 0;
}

/* Frees everything of the current run (after commit or on failure). */
static void run_reset(writer *w) {
    /* wait for in-flight batches, then recycle them */
    pthread_mutex_lock(&w->mu);
    for (batch *b = w->inflight; b; b = b->next)
        while (!b->done) pthread_cond_wait(&w->cv_done, &w->mu);
    pthread_mutex_unlock(&w->mu);
    batch *b = w->inflight;
    while (b) {
        batch *n = b->next;
        batch_free(b);
        b = n;
    }
    w->inflight = w->inflight_tail = NULL;
    w->queue = w->queue_tail = NULL;
    w->ninflight = 0;
    batch_free(w->cur);
    w->cur = NULL;
    for (int i = 0; i < w->nwk; i++) membuf_reset(w->wk[i].mb);
    w->arts.len = w->texts.len = w->pmaps.len = w->plens.len = 0;
    for (size_t i = 0; i < w->npend; i++) zk_free(w->pend[i].ranges);
    w->npend = 0;
    for (size_t i = 0; i < w->nruns; i++) segrun_free(w->runs[i]);
    w->nruns = 0;
    idset_clear(w->ids);
    w->nskip = 0;
    w->ndels = 0;
    memset(&w->stats, 0, sizeof w->stats);
    w->failed = 0;
    w->optimize = 0;
    w->rebuild = 0;
    w->rc = 0;
    state_free(&w->work);
    state_free(&w->state);
    if (w->rt) {
        store_abort(w->rt);
        w->rt = NULL;
    }
    w->started = 0;
}

void writer_close(zoek_index *idx) {
    writer *w = idx->w;
    if (!w) return;
    run_reset(w);
    stop_workers(w);
    while (w->spare) {
        batch *n = w->spare->next;
        batch_free(w->spare);
        w->spare = n;
    }
    zk_buf_free(&w->arts);
    zk_buf_free(&w->texts);
    zk_buf_free(&w->pmaps);
    zk_buf_free(&w->plens);
    zk_free(w->pend);
    zk_free(w->runs);
    idset_free(w->ids);
    zk_free(w->skip);
    zk_free(w->dels);
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->flush_mu);
    pthread_cond_destroy(&w->cv_work);
    pthread_cond_destroy(&w->cv_done);
    zk_free(w);
    idx->w = NULL;
}

/* Runs fn in a write transaction, growing the map and retrying when it is
 * full.  fn must be repeatable (it only reads in-memory state). */
typedef int (*txn_fn)(writer *w, store_txn *t, void *ud);

static int with_write(writer *w, int nosync, txn_fn fn, void *ud) {
    for (int tries = 0; tries < 40; tries++) {
        store_txn *t;
        int rc = store_begin(w->st, 1, nosync, &t);
        if (rc) return rc;
        rc = fn(w, t, ud);
        if (rc == 0) {
            rc = store_commit(t);
        } else {
            store_abort(t);
        }
        if (rc != STORE_MAPFULL) return rc;
        if ((rc = store_grow(w->st))) return rc;
    }
    return ZOEK_EFULL;
}

/* Keys deleted per garbage-collection transaction and table: a key's
 * value takes up to about half a page, which the deletion maps and copies,
 * so this many keys to a page of the store's write bytes bound the
 * writer's memory (at least GC_KEYS_MIN). */
#define GC_KEYS_MIN 256

typedef struct gc_ctx {
    int done;        /* nothing left to delete */
    uint64_t keys;   /* keys per transaction */
} gc_ctx;

/* One bounded step of removing what is not part of the committed state:
 * segments not in it (merged away, or left by an interrupted run) and
 * records beyond its counters. */
static int gc_step(writer *w, store_txn *t, void *ud) {
    gc_ctx *g = ud;
    const idx_state *st = &w->state;
    store_cursor *c;
    int rc = store_cursor_open(t, DB_POST, &c);
    if (rc) return rc;
    uint8_t k[8];
    const void *ko;
    size_t kl;
    uint32_t seg = 0;
    uint64_t n = 0;
    g->done = 0;
    for (;;) {
        key_u32(k, seg);
        rc = store_cursor_seek(c, k, 4, &ko, &kl, NULL, NULL);
        if (rc == ZOEK_ENOTFOUND) {
            rc = 0;
            break;
        }
        if (rc) break;
        if (kl < 4) {
            rc = ZOEK_ECORRUPT;
            break;
        }
        if (zk_get_be32(ko) < seg) {
            rc = ZOEK_ECORRUPT; /* keys out of order: a damaged page */
            break;
        }
        seg = zk_get_be32(ko);
        int live = 0;
        for (uint32_t i = 0; i < st->nseg; i++)
            if (st->seg[i].id == seg) live = 1;
        if (!live) {
            store_cursor_close(c);
            uint8_t hi[4];
            key_u32(hi, seg + 1);
            uint64_t a = 0, b = 0;
            rc = store_del_range(t, DB_POST, k, 4, seg == UINT32_MAX ? NULL : hi,
                                 4, g->keys, &a);
            if (!rc)
                rc = store_del_range(t, DB_POS, k, 4,
                                     seg == UINT32_MAX ? NULL : hi, 4, g->keys,
                                     &b);
            /* more of it, or more segments: another step */
            return rc;
        }
        if (seg == UINT32_MAX) break;
        seg++;
    }
    store_cursor_close(c);
    if (rc) return rc;
    /* positions of dropped segments may outlive their postings */
    if ((rc = store_cursor_open(t, DB_POS, &c))) return rc;
    seg = 0;
    for (;;) {
        key_u32(k, seg);
        rc = store_cursor_seek(c, k, 4, &ko, &kl, NULL, NULL);
        if (rc == ZOEK_ENOTFOUND) {
            rc = 0;
            break;
        }
        if (rc || kl < 4) break;
        seg = zk_get_be32(ko);
        int live = 0;
        for (uint32_t i = 0; i < st->nseg; i++)
            if (st->seg[i].id == seg) live = 1;
        if (!live) {
            store_cursor_close(c);
            uint8_t hi[4];
            key_u32(hi, seg + 1);
            return store_del_range(t, DB_POS, k, 4,
                                   seg == UINT32_MAX ? NULL : hi, 4, g->keys,
                                   &n);
        }
        if (seg == UINT32_MAX) break;
        seg++;
    }
    store_cursor_close(c);
    if (rc) return rc;
    key_u32(k, st->next_article);
    if ((rc = store_del_range(t, DB_ART, k, 4, NULL, 0, g->keys, &n)) || n)
        return rc;
    key_u32(k + 4, 0);
    if ((rc = store_del_range(t, DB_TEXT, k, 8, NULL, 0, g->keys, &n)) || n)
        return rc;
    key_u32(k, st->next_passage);
    if ((rc = store_del_range(t, DB_PMAP, k, 4, NULL, 0, g->keys, &n)) || n)
        return rc;
    /* passage-length values that hold no passage below the counter */
    key_u32(k, (uint32_t)(((uint64_t)st->next_passage + PLEN_N - 1) / PLEN_N));
    if ((rc = store_del_range(t, DB_PLEN, k, 4, NULL, 0, g->keys, &n)) || n)
        return rc;
    g->done = 1;
    return 0;
}

/* Removes everything that is not part of the committed state, in steps. */
static int gc(writer *w) {
    gc_ctx g = {0};
    g.keys = store_write_bytes(w->st) / 4096;
    if (g.keys < GC_KEYS_MIN) g.keys = GC_KEYS_MIN;
    while (!g.done) {
        int rc = with_write(w, 1, gc_step, &g);
        store_release_map(w->st);
        if (rc) return rc;
    }
    malloc_trim(0);
    return 0;
}

/* Starts a run (state, workers, a read transaction) unless one is on. */
static int run_start(writer *w) {
    if (w->started) return w->rc;
    zoek_index *idx = w->idx;
    writer_plan_for(w->budget, w->wk ? w->nwk : nthreads(w), &w->plan);
    store_set_write_bytes(w->st, w->plan.write_bytes);
    idset_set_limit(w->ids, w->plan.ids);
    store_txn *t;
    int rc = store_begin(w->st, 0, 0, &t);
    if (rc) return idx_fail(idx, rc, "cannot read index: %s",
                            zoek_strerror(rc));
    rc = state_read(t, &w->state);
    store_abort(t);
    if (rc) return idx_fail(idx, rc, "index state is unreadable: %s",
                            zoek_strerror(rc));
    if ((rc = state_copy(&w->work, &w->state))) {
        state_free(&w->state);
        return idx_fail(idx, rc, "out of memory");
    }
    if ((rc = gc(w))) {
        state_free(&w->state);
        state_free(&w->work);
        return idx_fail(idx, rc, "cannot clean up the index: %s",
                        zoek_strerror(rc));
    }
    if (!w->wk && (rc = start_workers(w))) {
        state_free(&w->state);
        state_free(&w->work);
        return idx_fail(idx, rc, "cannot start analysis threads");
    }
    if ((rc = store_begin(w->st, 0, 0, &w->rt))) {
        state_free(&w->state);
        state_free(&w->work);
        return idx_fail(idx, rc, "cannot read index: %s", zoek_strerror(rc));
    }
    store_reset(w->rt);
    update_post_limit(w);
    w->started = 1;
    return 0;
}

/* run_start for every change but a rebuild: an index of an older format
 * takes no other run (idx_format_gate). */
static int run_begin(writer *w) {
    if (!w->started) {
        int rc = idx_format_gate(w->idx);
        if (rc) return rc;
    }
    return run_start(w);
}

/* -------------------------------------------------------------- names */

static int add_delete(writer *w, uint32_t art) {
    if (grow((void **)&w->dels, &w->delcap, w->ndels + 1, sizeof(uint32_t)))
        return ZOEK_ENOMEM;
    w->dels[w->ndels++] = art;
    return 0;
}

/* Lookups between two looks at the index pages they mapped. */
#define LOOKUP_TRIM 64

/* Looks up a committed article by name: 0 (with its id and content hash)
 * or ZOEK_ENOTFOUND. */
static int lookup(writer *w, const char *name, size_t len, uint32_t *art,
                  uint64_t *hash) {
    int rc = store_renew(w->rt);
    if (rc) return rc;
    rc = art_lookup(w->rt, name, len, art);
    if (rc == 0 && hash) {
        art_rec r;
        rc = art_get(w->rt, *art, &r);
        if (rc == 0) *hash = r.hash;
    }
    store_reset(w->rt);
    /* the index pages the lookups mapped (names and article records all
     * over the file, a page-cache folio at a time) go back past a quarter
     * of the budget, looked at every LOOKUP_TRIM lookups */
    if (++w->nlookups % LOOKUP_TRIM == 0)
        store_trim_map(w->st, w->budget / 4);
    return rc;
}

/* ---------------------------------------------------------- inversion */

/* Appends a pending segment of this run (takes s.ranges). */
static int add_pending(writer *w, seg_info *s) {
    pthread_mutex_lock(&w->mu);
    int rc =
        grow((void **)&w->pend, &w->pendcap, w->npend + 1, sizeof(seg_info));
    if (!rc) w->pend[w->npend++] = *s;
    pthread_mutex_unlock(&w->mu);
    if (rc) zk_free(s->ranges);
    s->ranges = NULL;
    return rc;
}

/* Writes a thread's in-memory segment directly as a pending segment
 * (flush_mu held, so segment ids are written in increasing order). */
static int worker_segment(worker *k) {
    writer *w = k->w;
    seg_info s;
    memset(&s, 0, sizeof s);
    pthread_mutex_lock(&w->mu);
    s.id = w->work.next_segment++;
    pthread_mutex_unlock(&w->mu);
    uint64_t bytes = 0;
    int rc = membuf_flush(k->mb, w->st, s.id, &bytes);
    if (rc) return rc;
    /* the passage ids the segment holds: one range per batch */
    uint32_t nr = 0;
    if ((rc = membuf_ranges(k->mb, &s.ranges, &nr))) return rc;
    s.nranges = nr;
    s.npass = membuf_passages(k->mb);
    s.bytes = bytes;
    if ((rc = add_pending(w, &s))) return rc;
    membuf_reset(k->mb);
    store_release_map(w->st);
    return 0;
}

/* Merges the spilled runs into one pending segment (flush_mu held or the
 * threads idle): each byte of postings is written to the index once.
 * threads: 2 when the analysis threads are idle (at commit); during the
 * run one merging thread keeps the buffers within the budget. */
static int runs_to_segment(writer *w, int threads) {
    if (w->nruns == 0) return 0;
    seg_info s;
    memset(&s, 0, sizeof s);
    uint64_t total = 0;
    size_t nr = 0;
    for (size_t i = 0; i < w->nruns; i++) {
        uint32_t n;
        total += segrun_bytes(w->runs[i]);
        (void)segrun_ranges(w->runs[i], &n);
        nr += n;
        s.npass += segrun_passages(w->runs[i]);
    }
    s.ranges = zk_malloc((nr ? nr : 1) * sizeof(prange));
    if (!s.ranges) return ZOEK_ENOMEM;
    for (size_t i = 0; i < w->nruns; i++) {
        uint32_t n;
        const prange *r = segrun_ranges(w->runs[i], &n);
        memcpy(s.ranges + s.nranges, r, n * sizeof(prange));
        s.nranges += n;
    }
    zk_sort(s.ranges, s.nranges, sizeof(prange), cmp_prange);
    uint32_t c = 0;
    for (uint32_t r = 0; r < s.nranges; r++) {
        if (c && s.ranges[c - 1].hi == s.ranges[r].lo)
            s.ranges[c - 1].hi = s.ranges[r].hi;
        else
            s.ranges[c++] = s.ranges[r];
    }
    s.nranges = c;
    pthread_mutex_lock(&w->mu);
    s.id = w->work.next_segment++;
    pthread_mutex_unlock(&w->mu);
    /* room for the output first: the merge cannot be redone */
    int rc = store_ensure(w->st, total + total / 4 + (16u << 20));
    if (!rc)
        rc = segment_merge(w->st, NULL, 0, w->runs, w->nruns, s.id, NULL,
                           NULL, NULL, NULL, threads, &s.bytes);
    if (rc == STORE_MAPFULL) rc = ZOEK_EFULL;
    if (!rc) rc = add_pending(w, &s);
    zk_free(s.ranges);
    for (size_t i = 0; i < w->nruns; i++) segrun_free(w->runs[i]);
    w->nruns = 0;
    store_release_map(w->st);
    return rc;
}

/* Spills a thread's in-memory postings to a run (the threads spill side
 * by side); every MAX_RUNS runs are merged into a pending segment. */
static int worker_flush(worker *k) {
    writer *w = k->w;
    if (membuf_passages(k->mb) == 0) return 0;
    segrun *r;
    int rc = membuf_spill(k->mb, w->st, &r);
    if (rc) return rc;
    membuf_reset(k->mb);
    membuf_trim(k->mb, __atomic_load_n(&w->post_limit, __ATOMIC_RELAXED));
    pthread_mutex_lock(&w->flush_mu);
    rc = grow((void **)&w->runs, &w->runcap, w->nruns + 1, sizeof(segrun *));
    if (rc) segrun_free(r);
    else w->runs[w->nruns++] = r;
    if (!rc && w->nruns >= MAX_RUNS) rc = runs_to_segment(w, 1);
    pthread_mutex_unlock(&w->flush_mu);
    return rc;
}

/* A thread's in-memory postings spilled at commit, beside the others. */
typedef struct spill_job {
    worker *k;
    segrun *run;  /* the result */
    int rc;
    pthread_t th;
    int started;
} spill_job;

static void *spill_main(void *arg) {
    spill_job *j = arg;
    j->rc = membuf_spill(j->k->mb, j->k->w->st, &j->run);
    if (!j->rc) membuf_reset(j->k->mb);
    return NULL;
}

/* At commit, with the threads idle: what they hold and what they spilled
 * becomes one pending segment (written directly when it is all in one
 * thread's memory); their buffers are spilled side by side and freed
 * before the merge. */
static int flush_all(writer *w) {
    int rc = 0, nmem = 0;
    for (int i = 0; i < w->nwk; i++)
        if (membuf_passages(w->wk[i].mb)) nmem++;
    if (w->nruns == 0 && nmem == 1) {
        for (int i = 0; i < w->nwk && !rc; i++)
            if (membuf_passages(w->wk[i].mb)) rc = worker_segment(&w->wk[i]);
    } else if (nmem) {
        spill_job *jobs = zk_calloc((size_t)nmem, sizeof *jobs);
        if (!jobs) return ZOEK_ENOMEM;
        int nj = 0;
        for (int i = 0; i < w->nwk; i++)
            if (membuf_passages(w->wk[i].mb)) jobs[nj++].k = &w->wk[i];
        /* the last one in this thread, the others in their own */
        for (int j = 0; j + 1 < nj; j++)
            jobs[j].started =
                zk_thread_start(&jobs[j].th, spill_main, &jobs[j]) == 0;
        for (int j = 0; j < nj; j++)
            if (!jobs[j].started) spill_main(&jobs[j]);
        for (int j = 0; j < nj; j++) {
            if (jobs[j].started) pthread_join(jobs[j].th, NULL);
            if (!rc) rc = jobs[j].rc;
        }
        for (int j = 0; j < nj; j++) {
            segrun *r = jobs[j].run;
            if (!r) continue;
            if (rc || (rc = grow((void **)&w->runs, &w->runcap, w->nruns + 1,
                                 sizeof(segrun *)))) {
                segrun_free(r);
                continue;
            }
            w->runs[w->nruns++] = r;
            if (w->nruns >= MAX_RUNS) rc = runs_to_segment(w, 2);
        }
        zk_free(jobs);
    }
    for (int i = 0; i < w->nwk; i++) membuf_shrink(w->wk[i].mb);
    malloc_trim(0);
    if (!rc) rc = runs_to_segment(w, 2);
    return rc;
}

/* Writes the passage lengths gathered by consume(): every plen value they
 * fall in is read (a new one starts zeroed), updated and put back. */
static int plens_put(writer *w, store_txn *t) {
    uint8_t v[PLEN_VALUE], k[4];
    uint32_t key = UINT32_MAX;
    int rc;
    for (size_t o = 0; o + 8 <= w->plens.len; o += 8) {
        uint32_t p = zk_get_le32(w->plens.p + o);
        if (p / PLEN_N != key) {
            if (key != UINT32_MAX &&
                (rc = store_put(t, DB_PLEN, k, 4, v, sizeof v, 0)))
                return rc;
            key = p / PLEN_N;
            key_u32(k, key);
            const void *old;
            size_t ol;
            rc = store_get(t, DB_PLEN, k, 4, &old, &ol);
            if (rc == ZOEK_ENOTFOUND)
                memset(v, 0, sizeof v);
            else if (rc)
                return rc;
            else if (ol != sizeof v)
                return ZOEK_ECORRUPT;
            else
                memcpy(v, old, sizeof v);
        }
        const uint8_t *e = w->plens.p + o + 4;
        plen_set(v, p % PLEN_N, (uint32_t)e[0] | (uint32_t)e[1] << 8, e[2]);
    }
    if (key != UINT32_MAX) return store_put(t, DB_PLEN, k, 4, v, sizeof v, 0);
    return 0;
}

/* Writes the article, passage-map, passage-length and text records
 * gathered by consume().  Article and text keys only grow, so they are
 * appended. */
static int records_txn(writer *w, store_txn *t, void *ud) {
    (void)ud;
    int rc;
    uint8_t k[8];
    if ((rc = plens_put(w, t))) return rc;
    for (size_t o = 0; o + 8 <= w->arts.len;) {
        uint32_t art = zk_get_le32(w->arts.p + o);
        uint32_t len = zk_get_le32(w->arts.p + o + 4);
        key_u32(k, art);
        if ((rc = store_put(t, DB_ART, k, 4, w->arts.p + o + 8, len, 1)))
            return rc;
        o += 8 + len;
    }
    for (size_t o = 0; o + 8 <= w->pmaps.len; o += 8) {
        key_u32(k, zk_get_le32(w->pmaps.p + o));
        if ((rc = store_put(t, DB_PMAP, k, 4, w->pmaps.p + o + 4, 4, 0)))
            return rc;
    }
    for (size_t o = 0; o + 8 <= w->texts.len;) {
        uint32_t art = zk_get_le32(w->texts.p + o);
        uint32_t len = zk_get_le32(w->texts.p + o + 4);
        key_u32(k, art);
        const uint8_t *z = w->texts.p + o + 8;
        for (uint32_t c = 0, off = 0; off < len; c++, off += TEXT_PIECE) {
            uint32_t n = len - off < TEXT_PIECE ? len - off : TEXT_PIECE;
            key_u32(k + 4, c);
            if ((rc = store_put(t, DB_TEXT, k, 8, z + off, n, 1))) return rc;
        }
        o += 8 + len;
    }
    return 0;
}

static int write_records(writer *w) {
    if (!w->arts.len && !w->pmaps.len) return 0;
    int rc = with_write(w, 1, records_txn, NULL);
    if (rc) return rc;
    w->arts.len = w->texts.len = w->pmaps.len = w->plens.len = 0;
    /* the pages the puts and the name lookups read stay in the page
     * cache, not in this process */
    store_release_map(w->st);
    return 0;
}

/* Takes a finished batch in (main thread, in staging order): warnings,
 * article records, statistics. */
static int consume(writer *w, batch *b) {
    zoek_index *idx = w->idx;
    int rc = b->rc;
    if (rc)
        return idx_fail(idx, rc, "%s: %s",
                        rc == ZOEK_EFULL ? "cannot write segment"
                                         : "analysis failed",
                        zoek_strerror(rc));
    zk_buf rec = {0};
    for (size_t di = 0; di < b->ndocs; di++) {
        const in_doc *d = &b->docs[di];
        const out_doc *od = &b->out[di];
        const char *name = (const char *)b->in.p + d->name_off;
        char nb[MAX_ID_LEN + 1];
        memcpy(nb, name, d->name_len);
        nb[d->name_len] = 0;
        if (od->nbad) {
            char msg[128];
            snprintf(msg, sizeof msg,
                     "invalid UTF-8 replaced (%zu sequence%s)", od->nbad,
                     od->nbad == 1 ? "" : "s");
            writer_event(idx, ZOEK_EVENT_WARNING, nb, 0, msg);
        }
        if (od->skip) {
            writer_event(idx, ZOEK_EVENT_ERROR, nb, 0,
                         od->skip == 2 ? "article too large (4 GiB or more)"
                                       : "no words to index: skipped");
            w->failed++;
            /* nothing to publish (ids come in increasing order) */
            if (grow((void **)&w->skip, &w->skipcap, w->nskip + 1,
                     sizeof(uint32_t))) {
                zk_buf_free(&rec);
                return idx_fail(idx, ZOEK_ENOMEM, "out of memory");
            }
            w->skip[w->nskip++] = d->art;
            /* not indexed: an old version goes, nothing new comes */
            if (d->replaced) {
                w->stats.replaced--;
                w->stats.deleted++;
            } else {
                w->stats.added--;
            }
            continue;
        }
        uint32_t first = b->pass_base + (uint32_t)od->pass_off;
        art_rec r;
        memset(&r, 0, sizeof r);
        r.lang = od->lang;
        r.mixed = od->mixed;
        r.forced = (int8_t)(d->lang >= 0 && d->lang <= 2 ? d->lang : -1);
        r.first_pass = first;
        r.npass = od->npass;
        r.hash = d->hash;
        r.mtime = d->mtime;
        r.name = name;
        r.name_len = (uint32_t)d->name_len;
        r.title_len = od->title_len;
        r.text_len = od->text_len;
        r.nchunks = (uint32_t)((od->z_len + TEXT_PIECE - 1) / TEXT_PIECE);
        rec.len = 0;
        uint8_t hdr[8];
        const art_pass *ap = b->pass + od->pass_off;
        if ((rc = art_encode(&rec, &r, ap))) goto nomem;
        zk_put_le32(hdr, d->art);
        zk_put_le32(hdr + 4, (uint32_t)rec.len);
        if ((rc = zk_buf_put(&w->arts, hdr, 8)) ||
            (rc = zk_buf_put(&w->arts, rec.p, rec.len)))
            goto nomem;
        zk_put_le32(hdr, first);
        zk_put_le32(hdr + 4, d->art);
        if ((rc = zk_buf_put(&w->pmaps, hdr, 8))) goto nomem;
        zk_put_le32(hdr, d->art);
        zk_put_le32(hdr + 4, (uint32_t)od->z_len);
        if ((rc = zk_buf_put(&w->texts, hdr, 8)) ||
            (rc = zk_buf_put(&w->texts, b->z.p + od->z_off, od->z_len)))
            goto nomem;
        uint64_t len = 0;
        for (uint32_t pi = 0; pi < od->npass; pi++) {
            uint8_t e[8];
            uint32_t dl = ap[pi].dl > 65535 ? 65535 : ap[pi].dl;
            zk_put_le32(e, first + pi);
            e[4] = (uint8_t)dl;
            e[5] = (uint8_t)(dl >> 8);
            e[6] = ap[pi].lang;
            e[7] = 0;
            if ((rc = zk_buf_put(&w->plens, e, 8))) goto nomem;
            len += ap[pi].dl;
        }
        w->work.narticles++;
        w->work.npassages += od->npass;
        w->work.total_len += len;
        w->work.lang_articles[od->lang]++;
        w->stats.passages += od->npass;
        w->stats.bytes += od->text_len;
    }
    zk_buf_free(&rec);
    if (w->arts.len + w->texts.len + w->pmaps.len + w->plens.len >
            w->plan.records &&
        (rc = write_records(w)))
        return idx_fail(idx, rc, "cannot write articles: %s",
                        zoek_strerror(rc));
    return 0;
nomem:
    zk_buf_free(&rec);
    return idx_fail(idx, rc, "out of memory");
}

/* ------------------------------------------------------------ staging */

static int drain_one(writer *w) {
    batch *b = w->inflight;
    if (!b) return 0;
    pthread_mutex_lock(&w->mu);
    while (!b->done) pthread_cond_wait(&w->cv_done, &w->mu);
    w->inflight = b->next;
    if (!w->inflight) w->inflight_tail = NULL;
    w->ninflight--;
    pthread_mutex_unlock(&w->mu);
    int rc = consume(w, b);
    batch_put(w, b);
    return rc;
}

static int drain_all(writer *w) {
    while (w->inflight) {
        int rc = drain_one(w);
        if (rc) return rc;
    }
    return 0;
}

static int dispatch(writer *w) {
    batch *b = w->cur;
    if (!b || b->ndocs == 0) return 0;
    w->cur = NULL;
    pthread_mutex_lock(&w->mu);
    b->next = b->qnext = NULL;
    if (w->queue_tail) w->queue_tail->qnext = b;
    else w->queue = b;
    w->queue_tail = b;
    if (w->inflight_tail) w->inflight_tail->next = b;
    else w->inflight = b;
    w->inflight_tail = b;
    w->ninflight++;
    pthread_cond_signal(&w->cv_work);
    pthread_mutex_unlock(&w->mu);
    /* bound the work in flight: take in the oldest results */
    while (w->ninflight > w->plan.inflight) {
        int rc = drain_one(w);
        if (rc) return rc;
    }
    return 0;
}

static uint64_t content_hash(const zoek_doc *d) {
    const char *title = d->title ? d->title : "";
    uint64_t h = zk_hash64(title, d->title ? d->title_len : 0,
                           0x5eed0000u + (uint64_t)(d->lang + 1));
    h = zk_hash64(d->text, d->text_len, h);
    return h ? h : 1;
}

static int stage(writer *w, const zoek_doc *d, uint32_t art, uint64_t hash,
                 int replaced) {
    if (!w->cur && !(w->cur = batch_get(w))) return ZOEK_ENOMEM;
    batch *b = w->cur;
    if (grow((void **)&b->docs, &b->doccap, b->ndocs + 1, sizeof(in_doc)))
        return ZOEK_ENOMEM;
    in_doc *x = &b->docs[b->ndocs];
    x->art = art;
    x->lang = zk_lang_in(d->lang);
    x->hash = hash;
    x->mtime = d->mtime;
    x->replaced = replaced;
    x->name_off = b->in.len;
    x->name_len = d->id_len;
    if (zk_buf_put(&b->in, d->id, d->id_len)) return ZOEK_ENOMEM;
    x->title_off = b->in.len;
    x->title_len = d->title ? d->title_len : 0;
    if (x->title_len && zk_buf_put(&b->in, d->title, d->title_len))
        return ZOEK_ENOMEM;
    x->text_off = b->in.len;
    x->text_len = d->text_len;
    if (zk_buf_put(&b->in, d->text, d->text_len)) return ZOEK_ENOMEM;
    b->ndocs++;
    if (b->in.len >= w->plan.batch_bytes || b->ndocs >= BATCH_DOCS)
        return dispatch(w);
    return 0;
}

int zoek_index_add(zoek_index *idx, const zoek_doc *d, int *status) {
    if (status) *status = -1;
    if (!idx) return ZOEK_EINVAL;
    writer *w = idx->w;
    if (!w) return idx_fail(idx, ZOEK_EINVAL, "index not opened for writing");
    if (!d || d->size < sizeof(zoek_doc) || (!d->text && d->text_len) ||
        (!d->title && d->title_len))
        return idx_fail(idx, ZOEK_EINVAL, "invalid document");
    if (!d->id || d->id_len == 0 || d->id_len > MAX_ID_LEN)
        return idx_fail(idx, ZOEK_EINVAL, "article id must be 1 to %d bytes",
                        MAX_ID_LEN);
    if (d->lang < ZOEK_LANG_AUTO || d->lang > ZOEK_LANG_NL)
        return idx_fail(idx, ZOEK_EINVAL, "invalid language");
    int rc = run_begin(w);
    if (rc) return rc;
    if (w->rc) return w->rc;
    zoek_doc dd = *d;
    if (!dd.text) dd.text = "";
    uint64_t hash = content_hash(&dd);
    int found;
    if ((rc = idset_add(w->ids, d->id, d->id_len, UINT32_MAX, &found)))
        return idx_fail(idx, rc, "cannot keep the article ids: %s",
                        zoek_strerror(rc));
    update_post_limit(w);
    if (found) {
        if (status) *status = ZOEK_DUPLICATE;
        return 0;
    }
    uint32_t old;
    uint64_t oldhash = 0;
    /* a rebuild drops every old article: nothing to compare with */
    rc = w->rebuild ? ZOEK_ENOTFOUND
                    : lookup(w, d->id, d->id_len, &old, &oldhash);
    if (rc && rc != ZOEK_ENOTFOUND)
        return idx_fail(idx, rc, "cannot read index: %s", zoek_strerror(rc));
    int st = ZOEK_ADDED;
    if (rc == 0) {
        if (oldhash == hash) {
            w->stats.unchanged++;
            if (status) *status = ZOEK_UNCHANGED;
            return 0;
        }
        if ((rc = add_delete(w, old))) return idx_fail(idx, rc, "out of memory");
        st = ZOEK_REPLACED;
    }
    if (w->work.next_article == UINT32_MAX)
        return idx_fail(idx, ZOEK_EFULL, "too many articles");
    uint32_t art = w->work.next_article++;
    idset_set_last(w->ids, art);
    if (st == ZOEK_ADDED) w->stats.added++;
    else w->stats.replaced++;
    if ((rc = stage(w, &dd, art, hash, st == ZOEK_REPLACED))) {
        w->rc = rc;
        if (rc == ZOEK_ENOMEM)
            idx_fail(idx, rc, "cannot stage article: %s", zoek_strerror(rc));
        return rc;
    }
    if (status) *status = st;
    return 0;
}

int zoek_index_delete(zoek_index *idx, const char *id, size_t len) {
    if (!idx) return ZOEK_EINVAL;
    writer *w = idx->w;
    if (!w) return idx_fail(idx, ZOEK_EINVAL, "index not opened for writing");
    if (!id || len == 0 || len > MAX_ID_LEN)
        return idx_fail(idx, ZOEK_EINVAL, "invalid article id");
    int rc = run_begin(w);
    if (rc) return rc;
    if (w->rebuild)
        return idx_fail(idx, ZOEK_EINVAL, "cannot delete during a rebuild");
    uint32_t art;
    rc = lookup(w, id, len, &art, NULL);
    if (rc == ZOEK_ENOTFOUND)
        return idx_fail(idx, rc, "no article with id '%.*s'",
                        (int)(len > 200 ? 200 : len), id);
    if (rc) return idx_fail(idx, rc, "cannot read index: %s",
                            zoek_strerror(rc));
    if ((rc = add_delete(w, art))) return idx_fail(idx, rc, "out of memory");
    w->stats.deleted++;
    return 0;
}

int zoek_index_prune(zoek_index *idx, const char *prefix, size_t plen,
                     uint64_t *ndeleted) {
    if (ndeleted) *ndeleted = 0;
    if (!idx || (!prefix && plen)) return ZOEK_EINVAL;
    writer *w = idx->w;
    if (!w) return idx_fail(idx, ZOEK_EINVAL, "index not opened for writing");
    int rc = run_begin(w);
    if (rc) return rc;
    if ((rc = store_renew(w->rt))) return rc;
    store_cursor *c;
    if ((rc = store_cursor_open(w->rt, DB_NAMES, &c))) {
        store_reset(w->rt);
        return rc;
    }
    const void *k, *v;
    size_t kl, vl;
    uint64_t n = 0;
    rc = store_cursor_seek(c, prefix, plen, &k, &kl, &v, &vl);
    while (rc == 0) {
        if (kl < plen || (plen && memcmp(k, prefix, plen))) break;
        if (vl != 4) {
            rc = ZOEK_ECORRUPT;
            break;
        }
        int found;
        if ((rc = idset_find(w->ids, k, kl, &found, NULL))) break;
        if (!found) {
            if ((rc = add_delete(w, zk_get_le32(v)))) break;
            n++;
        }
        rc = store_cursor_next(c, &k, &kl, &v, &vl);
    }
    store_cursor_close(c);
    store_reset(w->rt);
    if (rc == ZOEK_ENOTFOUND) rc = 0;
    if (rc) return idx_fail(idx, rc, "cannot read index: %s",
                            zoek_strerror(rc));
    w->stats.deleted += n;
    if (ndeleted) *ndeleted = n;
    return 0;
}

int zoek_index_optimize(zoek_index *idx) {
    if (!idx) return ZOEK_EINVAL;
    if (!idx->w) return idx_fail(idx, ZOEK_EINVAL, "index not opened for writing");
    int rc = run_begin(idx->w);
    if (rc) return rc;
    idx->w->optimize = 1;
    return 0;
}

/* ----------------------------------------------------------- deletions */

/* Commit-time work area. */
typedef struct commit_ctx {
    writer *w;             /* owner */
    membuf *dm;            /* term dictionary of the deldf deltas */
    int64_t *delta;        /* per dm term */
    uint32_t *stamp;       /* per dm term: last passage counted */
    size_t ndelta;         /* allocated entries */
    prange *dead;          /* passages deleted by this commit, sorted */
    size_t ndead, deadcap;
    zk_buf delnames;       /* (u32 len, bytes) of deleted articles */
    uint32_t *delfirst;    /* first passage of each deleted article */
    seg_info *segs;        /* segments after merging */
    size_t nsegs;
    store_txn *rt;         /* snapshot for dead tests */
} commit_ctx;

static int delta_add(commit_ctx *cx, const char *t, size_t len, int64_t d,
                     uint32_t stamp) {
    uint32_t tid;
    int rc = membuf_term(cx->dm, t, len, &tid);
    if (rc) return rc;
    if (tid >= cx->ndelta) {
        size_t n = cx->ndelta ? cx->ndelta * 2 : 4096;
        while (n <= tid) n *= 2;
        int64_t *a = zk_realloc(cx->delta, n * sizeof(int64_t));
        if (!a) return ZOEK_ENOMEM;
        cx->delta = a;
        uint32_t *s = zk_realloc(cx->stamp, n * sizeof(uint32_t));
        if (!s) return ZOEK_ENOMEM;
        cx->stamp = s;
        for (size_t i = cx->ndelta; i < n; i++) {
            cx->delta[i] = 0;
            cx->stamp[i] = UINT32_MAX;
        }
        cx->ndelta = n;
    }
    if (stamp != UINT32_MAX) {
        if (cx->stamp[tid] == stamp) return 0; /* once per passage */
        cx->stamp[tid] = stamp;
    }
    cx->delta[tid] += d;
    return 0;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_prange(const void *a, const void *b) {
    return cmp_u32(&((const prange *)a)->lo, &((const prange *)b)->lo);
}

/* Tombstones one committed article: its passages, the statistics and the
 * deldf counts of its terms (found by analysing its stored text again:
 * the analysis is a pure function of text and language setting). */
static int delete_article(commit_ctx *cx, analyzer *an, an_out *ao,
                          passage_list *pl, zk_buf *text, uint32_t art) {
    writer *w = cx->w;
    zoek_index *idx = w->idx;
    art_rec r;
    int rc = art_get(cx->rt, art, &r);
    if (rc) return idx_fail(idx, rc, "article %u: %s", art, zoek_strerror(rc));
    art_pass *ap = zk_malloc(r.npass * sizeof(art_pass));
    if (!ap) return idx_fail(idx, ZOEK_ENOMEM, "out of memory");
    if ((rc = art_passages(&r, ap)) || (rc = text_load(cx->rt, art, &r, text)))
        goto fail;
    rc = analyze(an, (const char *)text->p, text->len,
                 r.forced >= 0 ? r.forced : ZK_LANG_AUTO, ao);
    if (!rc) rc = passage_index(ao, text->len, r.title_len, pl);
    if (rc) goto fail;
    int same = pl->n == r.npass;
    for (size_t i = 0; same && i < pl->n; i++)
        same = pl->v[i].dl == ap[i].dl;
    if (!same) {
        zk_free(ap);
        return idx_fail(idx, ZOEK_ECORRUPT,
                        "article '%.*s' does not analyse to its stored "
                        "passages: rebuild required",
                        (int)r.name_len, r.name);
    }
    uint64_t len = 0;
    for (size_t i = 0; i < pl->n; i++) {
        const passage *p = &pl->v[i];
        len += p->dl;
        for (uint32_t j = p->occ_first; j < p->occ_end; j++) {
            const an_term *t = &ao->terms[pl->occ[j].term];
            if ((rc = delta_add(cx, t->s, t->len, 1,
                                r.first_pass + (uint32_t)i)))
                goto fail;
        }
    }
    zk_free(ap);
    int si = state_find_seg(&w->work, r.first_pass);
    if (si < 0)
        return idx_fail(idx, ZOEK_ECORRUPT, "article '%.*s' is in no segment",
                        (int)r.name_len, r.name);
    w->work.seg[si].ndead += r.npass;
    if (w->work.seg[si].ndead > w->work.seg[si].npass ||
        w->work.npassages < r.npass || w->work.total_len < len ||
        !w->work.narticles)
        return idx_fail(idx, ZOEK_ECORRUPT, "index statistics are corrupt");
    w->work.narticles--;
    w->work.npassages -= r.npass;
    w->work.total_len -= len;
    if (w->work.lang_articles[r.lang]) w->work.lang_articles[r.lang]--;
    if (grow((void **)&cx->dead, &cx->deadcap, cx->ndead + 1, sizeof(prange)))
        return idx_fail(idx, ZOEK_ENOMEM, "out of memory");
    cx->dead[cx->ndead].lo = r.first_pass;
    cx->dead[cx->ndead].hi = r.first_pass + r.npass;
    cx->ndead++;
    uint8_t h[4];
    zk_put_le32(h, r.name_len);
    if (zk_buf_put(&cx->delnames, h, 4) ||
        zk_buf_put(&cx->delnames, r.name, r.name_len))
        return idx_fail(idx, ZOEK_ENOMEM, "out of memory");
    return 0;
fail:
    zk_free(ap);
    return idx_fail(idx, rc, "cannot delete article %u: %s", art,
                    zoek_strerror(rc));
}

static int process_deletes(commit_ctx *cx) {
    writer *w = cx->w;
    if (w->ndels == 0) return 0;
    zk_sort(w->dels, w->ndels, sizeof(uint32_t), cmp_u32);
    size_t n = 0;
    for (size_t i = 0; i < w->ndels; i++)
        if (n == 0 || w->dels[n - 1] != w->dels[i]) w->dels[n++] = w->dels[i];
    w->ndels = n;
    cx->delfirst = zk_malloc(n * sizeof(uint32_t));
    if (!cx->delfirst) return idx_fail(w->idx, ZOEK_ENOMEM, "out of memory");
    analyzer *an;
    int rc = analyzer_new(&an, AN_CACHE_QUERY);
    if (rc) return idx_fail(w->idx, rc, "out of memory");
    if ((rc = store_begin(w->st, 0, 0, &cx->rt))) {
        analyzer_free(an);
        return idx_fail(w->idx, rc, "cannot read index: %s", zoek_strerror(rc));
    }
    an_out ao = {0};
    passage_list pl = {0};
    zk_buf text = {0};
    for (size_t i = 0; i < n && !rc; i++) {
        rc = delete_article(cx, an, &ao, &pl, &text, w->dels[i]);
        if (!rc) cx->delfirst[i] = cx->dead[cx->ndead - 1].lo;
    }
    store_abort(cx->rt);
    cx->rt = NULL;
    analyzer_free(an);
    an_out_free(&ao);
    passage_list_free(&pl);
    zk_buf_free(&text);
    if (!rc) zk_sort(cx->dead, cx->ndead, sizeof(prange), cmp_prange);
    return rc;
}

/* -------------------------------------------------------------- merges */

static int merge_dead(void *ud, uint32_t p) {
    commit_ctx *cx = ud;
    size_t lo = 0, hi = cx->ndead;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (p < cx->dead[m].lo) hi = m;
        else if (p >= cx->dead[m].hi) lo = m + 1;
        else return 1;
    }
    int rc = 0;
    return dead_test(cx->rt, p, &rc);
}

static int merge_drop(void *ud, const char *term, size_t len,
                      uint32_t dropped) {
    return delta_add(ud, term, len, -(int64_t)dropped, UINT32_MAX);
}

static uint64_t live_bytes(const seg_info *s) {
    if (s->npass == 0) return 0;
    return s->bytes * (s->npass - s->ndead) / s->npass;
}

static int cmp_seg_size(const void *a, const void *b) {
    uint64_t x = live_bytes(a), y = live_bytes(b);
    if (x != y) return x < y ? -1 : 1;
    return cmp_u32(&((const seg_info *)a)->id, &((const seg_info *)b)->id);
}

/* Merges cx->segs[i..i+n) into one new segment replacing them. */
static int merge_run(commit_ctx *cx, size_t i, size_t n) {
    writer *w = cx->w;
    uint32_t in[64];
    if (n > 64) n = 64;
    uint64_t total = 0;
    size_t nr = 0;
    for (size_t k = 0; k < n; k++) {
        in[k] = cx->segs[i + k].id;
        total += cx->segs[i + k].bytes;
        nr += cx->segs[i + k].nranges;
    }
    uint32_t out = w->work.next_segment++;
    uint64_t bytes = 0;
    /* room for the output first: a full map in the middle of a merge
     * would leave deldf counts half applied */
    int rc = store_ensure(w->st, total * 2 + (16u << 20));
    if (rc) return rc;
    if ((rc = store_begin(w->st, 0, 0, &cx->rt))) return rc;
    rc = segment_merge(w->st, in, n, NULL, 0, out, merge_dead, cx, merge_drop,
                       cx, 1, &bytes);
    store_abort(cx->rt);
    cx->rt = NULL;
    if (rc == STORE_MAPFULL) rc = ZOEK_EFULL;
    if (rc) return rc;
    seg_info m;
    memset(&m, 0, sizeof m);
    m.id = out;
    m.bytes = bytes;
    m.ranges = zk_malloc((nr ? nr : 1) * sizeof(prange));
    if (!m.ranges) return ZOEK_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        const seg_info *s = &cx->segs[i + k];
        m.npass += s->npass - s->ndead;
        for (uint32_t r = 0; r < s->nranges; r++)
            m.ranges[m.nranges++] = s->ranges[r];
    }
    zk_sort(m.ranges, m.nranges, sizeof(prange), cmp_prange);
    uint32_t c = 0;
    for (uint32_t r = 0; r < m.nranges; r++) {
        if (c && m.ranges[c - 1].hi == m.ranges[r].lo)
            m.ranges[c - 1].hi = m.ranges[r].hi;
        else
            m.ranges[c++] = m.ranges[r];
    }
    m.nranges = c;
    store_release_map(w->st);
    malloc_trim(0);
    for (size_t k = 0; k < n; k++) zk_free(cx->segs[i + k].ranges);
    cx->segs[i] = m;
    memmove(cx->segs + i + 1, cx->segs + i + n,
            (cx->nsegs - i - n) * sizeof(seg_info));
    cx->nsegs -= n - 1;
    w->stats.merged += n;
    return 0;
}

/* A segment without live passages goes without a merge: every one of its
 * postings is counted in deldf, so each term's count there drops by the
 * term's df in the segment. */
static int drop_dead_segment(commit_ctx *cx, uint32_t seg) {
    store_txn *t;
    int rc = store_begin(cx->w->st, 0, 0, &t);
    if (rc) return rc;
    post_iter it;
    if ((rc = post_iter_open(&it, t, seg, NULL, 0, 0))) {
        store_abort(t);
        return rc;
    }
    while (!rc && !it.done) {
        uint32_t df;
        if (it.packed) {
            df = it.buf.rec->df;
        } else {
            codec_header h;
            if ((rc = codec_parse_header(it.v, it.vl, &h))) break;
            df = h.df;
        }
        if ((rc = delta_add(cx, (const char *)it.term, it.tlen,
                            -(int64_t)df, UINT32_MAX)))
            break;
        rc = post_iter_next(&it);
    }
    post_iter_close(&it);
    store_abort(t);
    return rc;
}

/* The tiered policy: merge groups of similar size, keep at most MAX_SEGS
 * segments, rewrite segments that are mostly dead; --optimize: one. */
static int merge_policy(commit_ctx *cx) {
    writer *w = cx->w;
    int rc;
    for (int round = 0; round < 64; round++) {
        /* segments without live passages simply go */
        for (size_t i = 0; i < cx->nsegs;) {
            if (cx->segs[i].npass == cx->segs[i].ndead) {
                if ((rc = drop_dead_segment(cx, cx->segs[i].id))) return rc;
                zk_free(cx->segs[i].ranges);
                memmove(cx->segs + i, cx->segs + i + 1,
                        (cx->nsegs - i - 1) * sizeof(seg_info));
                cx->nsegs--;
            } else {
                i++;
            }
        }
        size_t n = cx->nsegs;
        if (n == 0) return 0;
        zk_sort(cx->segs, n, sizeof(seg_info), cmp_seg_size);
        size_t best_i = 0, best_n = 0;
        if (w->optimize) {
            if (n == 1 && cx->segs[0].ndead == 0) return 0;
            best_n = n > 64 ? 64 : n;
        }
        for (size_t i = 0; i < n && !best_n; i++) {
            uint64_t base = live_bytes(&cx->segs[i]);
            if (base < (1u << 20)) base = 1u << 20;
            size_t j = i;
            while (j < n && live_bytes(&cx->segs[j]) <= base * TIER_FACTOR)
                j++;
            if (j - i >= TIER_MERGE) {
                best_i = i;
                best_n = j - i > 10 ? 10 : j - i;
            }
        }
        if (!best_n && n > MAX_SEGS) best_n = n - MAX_SEGS + 1;
        for (size_t i = 0; i < n && !best_n; i++)
            if (cx->segs[i].ndead * 2 > cx->segs[i].npass) {
                best_i = i;
                best_n = 1;
            }
        if (!best_n) return 0;
        if ((rc = merge_run(cx, best_i, best_n))) return rc;
    }
    return 0;
}

/* ------------------------------------------------------------- publish */

typedef struct pub_ctx {
    commit_ctx *cx;        /* deletions, deltas */
    idx_state *next;       /* the state to publish */
    uint64_t fingerprint;  /* stemmer fingerprint (rebuild) */
} pub_ctx;

/* Whether new article art was not indexed. */
static int skipped(const writer *w, uint32_t art) {
    size_t lo = 0, hi = w->nskip;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->skip[mid] < art) lo = mid + 1;
        else hi = mid;
    }
    return lo < w->nskip && w->skip[lo] == art;
}

static int publish_txn(writer *w, store_txn *t, void *ud) {
    pub_ctx *pc = ud;
    commit_ctx *cx = pc->cx;
    int rc = 0;
    uint8_t k[8];
    if (w->rebuild) {
        /* the old index goes as a whole; its analyzer identity too */
        uint8_t lo[8], hi[8];
        memset(lo, 0, sizeof lo);
        key_u32(hi, w->rb_art0);
        key_u32(hi + 4, 0);
        if ((rc = store_del_range(t, DB_NAMES, NULL, 0, NULL, 0, 0, NULL)) ||
            (rc = store_del_range(t, DB_DELDF, NULL, 0, NULL, 0, 0, NULL)) ||
            (rc = store_del_range(t, DB_DEAD, NULL, 0, NULL, 0, 0, NULL)) ||
            (rc = store_del_range(t, DB_ART, lo, 4, hi, 4, 0, NULL)) ||
            (rc = store_del_range(t, DB_TEXT, lo, 8, hi, 8, 0, NULL)))
            return rc;
        key_u32(hi, w->rb_pass0);
        if ((rc = store_del_range(t, DB_PMAP, lo, 4, hi, 4, 0, NULL))) return rc;
        uint8_t cfg[12];
        zk_put_le32(cfg, ANALYZER_VERSION);
        zk_put_le64(cfg + 4, pc->fingerprint);
        if ((rc = store_put(t, DB_META, "config", 6, cfg, 12, 0))) return rc;
        /* an older format is upgraded: its postings go with the old
         * segments, and every other table is this format's */
        zk_put_le32(cfg, FORMAT_VERSION);
        if ((rc = store_put(t, DB_META, "format", 6, cfg, 4, 0))) return rc;
    }
    /* names of deleted articles go; replacements are put back below */
    for (size_t o = 0; o + 4 <= cx->delnames.len;) {
        uint32_t len = zk_get_le32(cx->delnames.p + o);
        rc = store_del(t, DB_NAMES, cx->delnames.p + o + 4, len);
        if (rc && rc != ZOEK_ENOTFOUND) return rc;
        o += 4 + len;
    }
    /* the run's ids in byte order, but for unchanged and skipped ones */
    idset_iter *it;
    if ((rc = idset_iter_start(w->ids, &it))) return rc;
    const char *id;
    size_t idlen;
    uint32_t art;
    while ((rc = idset_iter_next(it, &id, &idlen, &art)) == 1) {
        if (art == UINT32_MAX || skipped(w, art)) continue;
        zk_put_le32(k, art);
        if ((rc = store_put(t, DB_NAMES, id, idlen, k, 4, 0))) break;
    }
    idset_iter_free(it);
    if (rc) return rc;
    for (size_t i = 0; i < w->ndels; i++) {
        uint8_t hi[8];
        key_u32(k, w->dels[i]);
        if ((rc = store_del(t, DB_ART, k, 4)) && rc != ZOEK_ENOTFOUND)
            return rc;
        key_u32(k + 4, 0);
        key_u32(hi, w->dels[i] + 1);
        key_u32(hi + 4, 0);
        if ((rc = store_del_range(t, DB_TEXT, k, 8, hi, 8, 0, NULL))) return rc;
        key_u32(k, cx->delfirst[i]);
        if ((rc = store_del(t, DB_PMAP, k, 4)) && rc != ZOEK_ENOTFOUND)
            return rc;
    }
    /* tombstones, one bitmap value at a time */
    uint8_t bits[DEAD_BITS / 8];
    uint32_t cur = UINT32_MAX;
    for (size_t i = 0; i < cx->ndead; i++) {
        for (uint32_t p = cx->dead[i].lo; p < cx->dead[i].hi; p++) {
            uint32_t chunk = p / DEAD_BITS;
            if (chunk != cur) {
                if (cur != UINT32_MAX) {
                    key_u32(k, cur);
                    if ((rc = store_put(t, DB_DEAD, k, 4, bits, sizeof bits,
                                        0)))
                        return rc;
                }
                cur = chunk;
                key_u32(k, chunk);
                const void *v;
                size_t vl;
                rc = store_get(t, DB_DEAD, k, 4, &v, &vl);
                if (rc == 0 && vl == sizeof bits) memcpy(bits, v, sizeof bits);
                else if (rc == 0 || rc == ZOEK_ENOTFOUND)
                    memset(bits, 0, sizeof bits);
                else
                    return rc;
            }
            uint32_t bit = p % DEAD_BITS;
            bits[bit / 8] |= (uint8_t)(1u << (bit % 8));
        }
    }
    if (cur != UINT32_MAX) {
        key_u32(k, cur);
        if ((rc = store_put(t, DB_DEAD, k, 4, bits, sizeof bits, 0)))
            return rc;
    }
    /* deldf */
    for (uint32_t tid = 0; tid < cx->ndelta; tid++) {
        if (!cx->delta[tid]) continue;
        const char *s;
        size_t len;
        membuf_term_bytes(cx->dm, tid, &s, &len);
        const void *v;
        size_t vl;
        int64_t val = 0;
        rc = store_get(t, DB_DELDF, s, len, &v, &vl);
        if (rc == 0 && vl == 4) val = zk_get_le32(v);
        else if (rc != ZOEK_ENOTFOUND) return rc ? rc : ZOEK_ECORRUPT;
        val += cx->delta[tid];
        if (val < 0 || val > UINT32_MAX) return ZOEK_ECORRUPT;
        if (val == 0) {
            rc = store_del(t, DB_DELDF, s, len);
            if (rc && rc != ZOEK_ENOTFOUND) return rc;
        } else {
            zk_put_le32(k, (uint32_t)val);
            if ((rc = store_put(t, DB_DELDF, s, len, k, 4, 0))) return rc;
        }
    }
    return state_write(t, pc->next);
}

static void commit_ctx_free(commit_ctx *cx) {
    membuf_free(cx->dm);
    zk_free(cx->delta);
    zk_free(cx->stamp);
    zk_free(cx->dead);
    zk_buf_free(&cx->delnames);
    zk_free(cx->delfirst);
    for (size_t i = 0; i < cx->nsegs; i++) zk_free(cx->segs[i].ranges);
    zk_free(cx->segs);
    if (cx->rt) store_abort(cx->rt);
}

static int do_commit(writer *w, zoek_commit_stats *stats) {
    zoek_index *idx = w->idx;
    int rc;
    if ((rc = dispatch(w)) || (rc = drain_all(w))) return rc;
    while (w->spare) { /* staging is over: no more batches this run */
        batch *b = w->spare->next;
        batch_free(w->spare);
        w->spare = b;
    }
    /* the threads are idle: write what they hold (letting go of their
     * buffers before merging) */
    rc = flush_all(w);
    for (int i = 0; i < w->nwk; i++) membuf_shrink(w->wk[i].mb);
    if (!rc) rc = write_records(w);
    if (rc)
        return idx_fail(idx, rc, "cannot write segment: %s",
                        zoek_strerror(rc));
    commit_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.w = w;
    pub_ctx pc;
    memset(&pc, 0, sizeof pc);
    idx_state next;
    memset(&next, 0, sizeof next);
    if (membuf_new(&cx.dm)) goto nomem;
    if ((rc = process_deletes(&cx))) goto out;
    /* the segment list: live ones (with new tombstones) and this run's */
    size_t nsegs = w->work.nseg + w->npend;
    cx.segs = zk_calloc(nsegs ? nsegs : 1, sizeof(seg_info));
    if (!cx.segs) goto nomem;
    cx.nsegs = nsegs;
    for (uint32_t i = 0; i < w->work.nseg; i++) {
        cx.segs[i] = w->work.seg[i];
        w->work.seg[i].ranges = NULL;
    }
    for (size_t i = 0; i < w->npend; i++) {
        cx.segs[w->work.nseg + i] = w->pend[i];
        w->pend[i].ranges = NULL;
    }
    w->npend = 0;
    if ((rc = merge_policy(&cx))) {
        idx_fail(idx, rc, "cannot merge segments: %s", zoek_strerror(rc));
        goto out;
    }
    next = w->work;
    next.seg = cx.segs;
    next.nseg = (uint32_t)cx.nsegs;
    next.generation++;
    pc.cx = &cx;
    pc.next = &next;
    if (w->rebuild && stemmer_fingerprint(&pc.fingerprint)) goto nomem;
    if ((rc = store_ensure(w->st, cx.delnames.len +
                                      idset_id_bytes(w->ids) * 2 +
                                      cx.ndead / 8 + (8u << 20)))) {
        idx_fail(idx, rc, "cannot grow the index: %s", zoek_strerror(rc));
        goto out;
    }
    if ((rc = with_write(w, 0, publish_txn, &pc))) {
        idx_fail(idx, rc, "cannot commit: %s", zoek_strerror(rc));
        goto out;
    }
    /* published: the new state is the committed one; clean up merged and
     * dead segments (best effort: the next run does it otherwise) */
    state_free(&w->state);
    if (state_copy(&w->state, &next) == 0) (void)gc(w);
    w->stats.segments = next.nseg;
    if (stats) *stats = w->stats;
    rc = 0;
    goto out;
nomem:
    rc = idx_fail(idx, ZOEK_ENOMEM, "out of memory");
out:
    commit_ctx_free(&cx);
    return rc;
}

int zoek_index_commit(zoek_index *idx, zoek_commit_stats *stats) {
    if (stats) memset(stats, 0, sizeof *stats);
    if (!idx) return ZOEK_EINVAL;
    writer *w = idx->w;
    if (!w) return idx_fail(idx, ZOEK_EINVAL, "index not opened for writing");
    int rc = run_begin(w);
    if (!rc) rc = w->rc;
    int rebuilt = w->rebuild;
    if (!rc) rc = do_commit(w, stats);
    if (!rc && rebuilt) idx->cfg.format = FORMAT_VERSION;
    if (rc) {
        /* forget the run; its pending segments are garbage collected by
         * the next run (the committed index is untouched) */
        if (w->started) (void)gc(w);
    }
    run_reset(w);
    return rc;
}

/* Reads every committed article back from its stored text and stages it
 * again; the publish then drops the old index. */
int zoek_index_rebuild(zoek_index *idx) {
    if (!idx) return ZOEK_EINVAL;
    writer *w = idx->w;
    if (!w) return idx_fail(idx, ZOEK_EINVAL, "index not opened for writing");
    int rc = run_start(w);
    if (rc) return rc;
    if (idset_count(w->ids) || w->ndels || w->rebuild)
        return idx_fail(idx, ZOEK_EINVAL,
                        "a rebuild must come before any other change");
    w->rebuild = 1;
    w->rb_art0 = w->work.next_article;
    w->rb_pass0 = w->work.next_passage;
    for (uint32_t i = 0; i < w->work.nseg; i++) zk_free(w->work.seg[i].ranges);
    w->work.nseg = 0;
    w->work.narticles = w->work.npassages = w->work.total_len = 0;
    memset(w->work.lang_articles, 0, sizeof w->work.lang_articles);
    /* the ids first: staging may write (and grow the map), which must not
     * happen under an open read transaction */
    uint32_t *arts = NULL;
    size_t n = 0, cap = 0;
    if ((rc = store_renew(w->rt))) return idx_fail(idx, rc, "cannot read index");
    store_cursor *c;
    if ((rc = store_cursor_open(w->rt, DB_ART, &c))) {
        store_reset(w->rt);
        return idx_fail(idx, rc, "cannot read index");
    }
    const void *k;
    size_t kl;
    rc = store_cursor_seek(c, NULL, 0, &k, &kl, NULL, NULL);
    for (; rc == 0; rc = store_cursor_next(c, &k, &kl, NULL, NULL)) {
        if (kl != 4) {
            rc = ZOEK_ECORRUPT;
            break;
        }
        uint32_t a = zk_get_be32(k);
        if (a >= w->rb_art0) break;
        if (grow((void **)&arts, &cap, n + 1, sizeof(uint32_t))) {
            rc = ZOEK_ENOMEM;
            break;
        }
        arts[n++] = a;
    }
    store_cursor_close(c);
    store_reset(w->rt);
    if (rc == ZOEK_ENOTFOUND) rc = 0;
    zk_buf text = {0}, name = {0};
    for (size_t i = 0; i < n && !rc; i++) {
        art_rec r;
        if ((rc = store_renew(w->rt))) break;
        rc = art_get(w->rt, arts[i], &r);
        if (!rc) rc = text_load(w->rt, arts[i], &r, &text);
        if (!rc) {
            name.len = 0;
            rc = zk_buf_put(&name, r.name, r.name_len);
        }
        store_reset(w->rt);
        if (rc) break;
        zoek_doc d;
        memset(&d, 0, sizeof d);
        d.size = sizeof d;
        d.id = (const char *)name.p;
        d.id_len = name.len;
        size_t body = 0;
        if (r.title_len) {
            d.title = (const char *)text.p;
            d.title_len = r.title_len;
            body = r.title_len + 2 <= text.len ? r.title_len + 2 : text.len;
        }
        d.text = (const char *)text.p + body;
        d.text_len = text.len - body;
        d.lang = zk_lang_out(r.forced);
        d.mtime = r.mtime;
        rc = zoek_index_add(idx, &d, NULL);
    }
    zk_free(arts);
    zk_buf_free(&text);
    zk_buf_free(&name);
    if (rc) {
        w->rc = rc;
        if (!idx->err[0] || rc != ZOEK_ENOMEM)
            return idx_fail(idx, rc, "rebuild failed: %s", zoek_strerror(rc));
    }
    return rc;
}
