/* segment.c - in-memory inversion (term dictionary + occurrence arrays,
 * counting-sorted at flush), segment writing, runs (postings spilled to
 * temporary files) and merging. */
#include "segment.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "codec.h"
#include "post.h"

/* Occurrences per chunk. */
#define OCHUNK 32768

/* A chunk of occurrences: term id, passage index, position. */
typedef struct ochunk {
    uint32_t term[OCHUNK];
    uint32_t pass[OCHUNK];
    uint16_t pos[OCHUNK];
} ochunk;

/* A term to sort: its first 8 bytes (big-endian, zero-padded) decide
 * most comparisons without touching the bytes. */
typedef struct tkey {
    uint64_t prefix;  /* first bytes */
    uint32_t tid;     /* term id */
    uint32_t pad;
} tkey;

/* Term dictionary entry. */
typedef struct mterm {
    uint64_t h;      /* hash (0: empty slot) */
    uint32_t off;    /* offset of the bytes in m->bytes */
    uint32_t len;    /* bytes */
} mterm;

struct membuf {
    mterm *slot;          /* open addressing table of term ids + 1 */
    uint32_t *slot_id;    /* term id per slot */
    size_t nslot;         /* table size (power of two) */
    mterm *terms;         /* by term id */
    size_t nterms, termcap;
    zk_buf bytes;         /* term bytes */
    /* occurrences, in fixed-size chunks (no doubling, no moving) */
    struct ochunk **oc;   /* chunks */
    size_t noc, occap;    /* chunks allocated / pointer slots */
    size_t nocc;          /* occurrences held */
    /* passages, by increasing id */
    uint32_t npass;
    uint32_t *pid;        /* passage ids */
    uint16_t *dl;         /* per passage */
    uint8_t *plang;       /* per passage: language */
    size_t plangcap;
    size_t dlcap, pidcap;
    /* flush scratch */
    uint32_t *cnt;        /* per term: occurrences, then offsets */
    uint32_t *spass;      /* occurrences' passage indexes, by term */
    uint16_t *spos;       /* and positions */
    struct tkey *order;   /* terms in byte order */
    size_t scratchcap, ordercap, cntcap;
};

int membuf_new(membuf **out) {
    *out = NULL;
    membuf *m = zk_calloc(1, sizeof *m);
    if (!m) return ZOEK_ENOMEM;
    m->nslot = 1 << 12; /* doubles as terms come (rehash) */
    m->slot = zk_calloc(m->nslot, sizeof(mterm));
    m->slot_id = zk_calloc(m->nslot, sizeof(uint32_t));
    if (!m->slot || !m->slot_id) {
        membuf_free(m);
        return ZOEK_ENOMEM;
    }
    *out = m;
    return 0;
}

void membuf_free(membuf *m) {
    if (!m) return;
    zk_free(m->slot);
    zk_free(m->slot_id);
    zk_free(m->terms);
    zk_buf_free(&m->bytes);
    for (size_t i = 0; i < m->noc; i++) zk_free(m->oc[i]);
    zk_free(m->oc);
    m->oc = NULL;
    m->noc = m->occap = 0;
    zk_free(m->dl);
    zk_free(m->plang);
    zk_free(m->pid);
    zk_free(m->cnt);
    zk_free(m->spass);
    zk_free(m->spos);
    zk_free(m->order);
    zk_free(m);
}

size_t membuf_bytes(const membuf *m) {
    /* What the postings held now need, the flush's scratch included: the
     * arrays are kept across flushes and reused, so their capacities only
     * reach what one flush's worth needs (plus one batch); counting the
     * capacities would make every batch after the first flush a flush. */
    size_t nchunks = (m->nocc + OCHUNK - 1) / OCHUNK;
    return m->nslot * (sizeof(mterm) + 4) +
           m->nterms * (sizeof(mterm) + sizeof(tkey) + 4) + m->bytes.len +
           nchunks * sizeof(ochunk) + m->nocc * 6 + (size_t)m->npass * 7;
}

uint32_t membuf_passages(const membuf *m) { return m->npass; }

uint32_t membuf_nterms(const membuf *m) { return (uint32_t)m->nterms; }

int membuf_ranges(const membuf *m, prange **out, uint32_t *n) {
    *out = NULL;
    *n = 0;
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->npass; i++)
        if (i == 0 || m->pid[i] != m->pid[i - 1] + 1) k++;
    prange *r = zk_malloc((k ? k : 1) * sizeof(prange));
    if (!r) return ZOEK_ENOMEM;
    k = 0;
    for (uint32_t i = 0; i < m->npass; i++) {
        if (i == 0 || m->pid[i] != m->pid[i - 1] + 1) r[k++].lo = m->pid[i];
        r[k - 1].hi = m->pid[i] + 1;
    }
    *out = r;
    *n = k;
    return 0;
}

void membuf_reset(membuf *m) {
    memset(m->slot, 0, m->nslot * sizeof(mterm));
    m->nterms = 0;
    m->bytes.len = 0;
    m->nocc = 0;
    m->npass = 0;
}

void membuf_shrink(membuf *m) {
    membuf_reset(m);
    zk_free(m->terms);
    zk_buf_free(&m->bytes);
    for (size_t i = 0; i < m->noc; i++) zk_free(m->oc[i]);
    zk_free(m->oc);
    m->oc = NULL;
    m->noc = m->occap = 0;
    zk_free(m->dl);
    zk_free(m->plang);
    zk_free(m->pid);
    zk_free(m->cnt);
    zk_free(m->spass);
    zk_free(m->spos);
    zk_free(m->order);
    m->terms = NULL;
    m->dl = NULL;
    m->plang = NULL;
    m->pid = NULL;
    m->cnt = m->spass = NULL;
    m->spos = NULL;
    m->order = NULL;
    m->termcap = m->dlcap = m->plangcap = m->pidcap = 0;
    m->scratchcap = m->ordercap = m->cntcap = 0;
}

void membuf_trim(membuf *m, size_t bytes) {
    if (m->nocc) return; /* only an empty membuf */
    /* an occurrence takes 10 bytes in a chunk and 6 in the scratch */
    size_t nocc = bytes / 16, keep = (nocc + OCHUNK - 1) / OCHUNK;
    while (m->noc > keep) zk_free(m->oc[--m->noc]);
    if (m->scratchcap > nocc) {
        zk_free(m->spass);
        zk_free(m->spos);
        m->spass = NULL;
        m->spos = NULL;
        m->scratchcap = 0;
    }
}

static int rehash(membuf *m) {
    size_t n = m->nslot * 2;
    mterm *s = zk_calloc(n, sizeof(mterm));
    uint32_t *ids = zk_calloc(n, sizeof(uint32_t));
    if (!s || !ids) {
        zk_free(s);
        zk_free(ids);
        return ZOEK_ENOMEM;
    }
    for (size_t i = 0; i < m->nslot; i++) {
        if (!m->slot[i].h) continue;
        size_t j = m->slot[i].h & (n - 1);
        while (s[j].h) j = (j + 1) & (n - 1);
        s[j] = m->slot[i];
        ids[j] = m->slot_id[i];
    }
    zk_free(m->slot);
    zk_free(m->slot_id);
    m->slot = s;
    m->slot_id = ids;
    m->nslot = n;
    return 0;
}

int membuf_term(membuf *m, const char *s, size_t len, uint32_t *tid) {
    uint64_t h = zk_hash64(s, len, 1) | 1;
    size_t mask = m->nslot - 1, i = h & mask;
    for (;; i = (i + 1) & mask) {
        mterm *e = &m->slot[i];
        if (!e->h) break;
        if (e->h == h && e->len == len &&
            !memcmp(m->bytes.p + e->off, s, len)) {
            *tid = m->slot_id[i];
            return 0;
        }
    }
    if (m->nterms >= UINT32_MAX - 1 || m->bytes.len + len > UINT32_MAX)
        return ZOEK_ENOMEM;
    if (zk_grow((void **)&m->terms, &m->termcap, m->nterms + 1,
                sizeof(mterm)))
        return ZOEK_ENOMEM;
    mterm e = {h, (uint32_t)m->bytes.len, (uint32_t)len};
    if (zk_buf_put(&m->bytes, s, len)) return ZOEK_ENOMEM;
    m->terms[m->nterms] = e;
    m->slot[i] = e;
    m->slot_id[i] = (uint32_t)m->nterms;
    *tid = (uint32_t)m->nterms++;
    if (m->nterms * 10 > m->nslot * 7) return rehash(m);
    return 0;
}

void membuf_term_bytes(const membuf *m, uint32_t tid, const char **s,
                      size_t *len) {
    *s = (const char *)m->bytes.p + m->terms[tid].off;
    *len = m->terms[tid].len;
}

int membuf_passage(membuf *m, uint32_t p, uint32_t dl, int lang) {
    if (m->npass && p <= m->pid[m->npass - 1]) return ZOEK_EINVAL;
    if (lang < 0 || lang > 2) return ZOEK_EINVAL;
    if (zk_grow((void **)&m->dl, &m->dlcap, (size_t)m->npass + 1,
                sizeof(uint16_t)) ||
        zk_grow((void **)&m->plang, &m->plangcap, (size_t)m->npass + 1, 1) ||
        zk_grow((void **)&m->pid, &m->pidcap, (size_t)m->npass + 1,
                sizeof(uint32_t)))
        return ZOEK_ENOMEM;
    m->pid[m->npass] = p;
    m->plang[m->npass] = (uint8_t)lang;
    m->dl[m->npass++] = (uint16_t)(dl > 65535 ? 65535 : dl);
    return 0;
}

int membuf_occ(membuf *m, uint32_t tid, uint32_t pos) {
    size_t ci = m->nocc / OCHUNK, k = m->nocc % OCHUNK;
    if (ci == m->noc) { /* chunks are kept across flushes */
        if (zk_grow((void **)&m->oc, &m->occap, m->noc + 1, sizeof(ochunk *)))
            return ZOEK_ENOMEM;
        m->oc[m->noc] = zk_malloc(sizeof(ochunk));
        if (!m->oc[m->noc]) return ZOEK_ENOMEM;
        m->noc++;
    }
    ochunk *o = m->oc[ci];
    o->term[k] = tid;
    o->pass[k] = m->npass - 1; /* passage index */
    o->pos[k] = (uint16_t)(pos > 65535 ? 65535 : pos);
    m->nocc++;
    return 0;
}

static int cmp_terms(const void *a, const void *b, void *ud) {
    const tkey *x = a, *y = b;
    if (x->prefix != y->prefix) return x->prefix < y->prefix ? -1 : 1;
    const membuf *m = ud;
    const mterm *p = &m->terms[x->tid], *q = &m->terms[y->tid];
    size_t n = p->len < q->len ? p->len : q->len;
    int c = n > 8 ? memcmp(m->bytes.p + p->off + 8, m->bytes.p + q->off + 8,
                           n - 8)
                  : 0;
    if (c) return c;
    return p->len < q->len ? -1 : p->len > q->len;
}

/* Growable postings arrays for one term. */
typedef struct plist {
    uint32_t *ids, *tfs, *dls, *pos;
    size_t n, cap, npos, poscap;
} plist;

static void plist_free(plist *p) {
    zk_free(p->ids);
    zk_free(p->tfs);
    zk_free(p->dls);
    zk_free(p->pos);
    memset(p, 0, sizeof *p);
}

static int plist_reserve(plist *p, size_t n, size_t npos) {
    if (n > p->cap) {
        size_t cap = p->cap ? p->cap : 256;
        while (cap < n) cap *= 2;
        uint32_t *a = zk_realloc(p->ids, cap * 4);
        if (!a) return ZOEK_ENOMEM;
        p->ids = a;
        a = zk_realloc(p->tfs, cap * 4);
        if (!a) return ZOEK_ENOMEM;
        p->tfs = a;
        a = zk_realloc(p->dls, cap * 4);
        if (!a) return ZOEK_ENOMEM;
        p->dls = a;
        p->cap = cap;
    }
    if (npos > p->poscap) {
        size_t cap = p->poscap ? p->poscap : 512;
        while (cap < npos) cap *= 2;
        uint32_t *a = zk_realloc(p->pos, cap * 4);
        if (!a) return ZOEK_ENOMEM;
        p->pos = a;
        p->poscap = cap;
    }
    return 0;
}

/* Sorts the occurrences by term (counting sort, stable: passage and
 * position order within a term is kept) and the terms by bytes. */
static int membuf_sort(membuf *m) {
    if (m->cntcap < m->nterms + 1) {
        uint32_t *c = zk_realloc(m->cnt, (m->nterms + 1) * 4);
        if (!c) return ZOEK_ENOMEM;
        m->cnt = c;
        m->cntcap = m->nterms + 1;
    }
    if (m->scratchcap < m->nocc) {
        uint32_t *a = zk_realloc(m->spass, m->nocc * 4);
        if (!a) return ZOEK_ENOMEM;
        m->spass = a;
        uint16_t *b = zk_realloc(m->spos, m->nocc * 2);
        if (!b) return ZOEK_ENOMEM;
        m->spos = b;
        m->scratchcap = m->nocc;
    }
    if (m->ordercap < m->nterms) {
        tkey *o = zk_realloc(m->order, m->nterms * sizeof(tkey));
        if (!o) return ZOEK_ENOMEM;
        m->order = o;
        m->ordercap = m->nterms;
    }
    memset(m->cnt, 0, (m->nterms + 1) * 4);
    for (size_t i = 0; i < m->nocc; i++)
        m->cnt[m->oc[i / OCHUNK]->term[i % OCHUNK] + 1]++;
    for (size_t i = 0; i < m->nterms; i++) m->cnt[i + 1] += m->cnt[i];
    for (size_t i = 0; i < m->nocc; i++) {
        const ochunk *o = m->oc[i / OCHUNK];
        size_t k = i % OCHUNK;
        uint32_t j = m->cnt[o->term[k]]++;
        m->spass[j] = o->pass[k];
        m->spos[j] = o->pos[k];
    }
    /* cnt[t] is now the end of term t's run; its start is cnt[t-1] */
    for (size_t i = 0; i < m->nterms; i++) {
        const mterm *t = &m->terms[i];
        uint8_t b[8] = {0};
        memcpy(b, m->bytes.p + t->off, t->len < 8 ? t->len : 8);
        uint64_t p = 0;
        for (int k = 0; k < 8; k++) p = p << 8 | b[k];
        m->order[i].prefix = p;
        m->order[i].tid = (uint32_t)i;
        m->order[i].pad = 0;
    }
    zk_sort_r(m->order, m->nterms, sizeof(tkey), cmp_terms, m);
    return 0;
}

/* A plist's postings, as the codec takes them. */
static codec_postings plist_postings(const plist *pl) {
    codec_postings in = {pl->ids, pl->tfs, pl->dls, pl->pos, pl->n};
    return in;
}

/* Encodes term k (in byte order) into co. */
static int membuf_encode_term(membuf *m, size_t k, plist *pl, codec_out *co) {
    uint32_t tid = m->order[k].tid;
    uint32_t b = tid ? m->cnt[tid - 1] : 0, e = m->cnt[tid];
    int rc = plist_reserve(pl, e - b, e - b);
    if (rc) return rc;
    pl->n = pl->npos = 0;
    for (uint32_t i = b; i < e; i++) {
        uint32_t pi = m->spass[i], p = m->pid[pi];
        if (pl->n == 0 || pl->ids[pl->n - 1] != p) {
            pl->ids[pl->n] = p;
            pl->tfs[pl->n] = 0;
            pl->dls[pl->n] = m->dl[pi];
            pl->n++;
        }
        pl->tfs[pl->n - 1]++;
        pl->pos[pl->npos++] = m->spos[i];
    }
    codec_postings in = plist_postings(pl);
    return codec_encode(&in, co);
}

int membuf_flush(membuf *m, store *s, uint32_t seg, uint64_t *bytes) {
    *bytes = 0;
    if (m->nterms == 0) return 0;
    int rc = membuf_sort(m);
    if (rc) return rc;
    plist pl = {0};
    codec_out co = {0};
    post_writer pw;
    memset(&pw, 0, sizeof pw);
    pw.seg = seg;
    size_t k = 0, txn_bytes = store_write_bytes(s);
    while (k < m->nterms && !rc) {
        store_txn *t;
        if ((rc = store_begin(s, 1, 1, &t))) break;
        size_t k0 = k;
        uint64_t in_txn = 0;
        while (k < m->nterms && in_txn < txn_bytes) {
            if ((rc = membuf_encode_term(m, k, &pl, &co))) break;
            const mterm *te = &m->terms[m->order[k].tid];
            codec_postings in = plist_postings(&pl);
            if ((rc = post_writer_add(&pw, t, m->bytes.p + te->off, te->len,
                                      &in, &co, &in_txn)))
                break;
            k++;
        }
        if (!rc) rc = post_writer_flush(&pw, t, &in_txn);
        if (rc) store_abort(t);
        else rc = store_commit(t);
        if (rc == STORE_MAPFULL) {
            /* this transaction's terms again, in a larger map */
            k = k0;
            post_writer_drop(&pw);
            rc = store_grow(s);
            continue;
        }
        *bytes += in_txn;
    }
    plist_free(&pl);
    codec_out_free(&co);
    post_writer_free(&pw);
    return rc;
}

/* ------------------------------------------------------------- merging */

/* One input segment of a merge: a cursor over its terms. */
typedef struct min {
    uint32_t seg;            /* segment id */
    post_iter *it;           /* over the segment's terms */
    struct runrd *rd;        /* or a run */
    const uint8_t *term;     /* current term */
    size_t tlen;             /* its length; */
    int done;                /* no more terms */
} min;

/* Takes the iterator's current term into m. */
static void min_load(min *m) {
    m->done = m->it->done;
    m->term = m->it->term;
    m->tlen = m->it->tlen;
}

/* ---------------------------------------------------------------- runs */

/* A run file holds, per term in byte order: u32 term length, u32 record
 * length, the term bytes, then the record: per chunk u32 value length,
 * u32 positions length, the postings value and the positions value, as
 * put_chunks() would write them.  A term length of 0 ends the file.  The
 * file is unlinked from the start: nothing is left behind by any exit. */
struct segrun {
    int fd;            /* the unlinked file */
    uint64_t size;     /* its bytes */
    uint64_t bytes;    /* bytes of values (what a segment of it holds) */
    uint32_t npass;    /* passages */
    prange *ranges;    /* their id ranges */
    uint32_t nranges;
    uint32_t dlbase; /* passage id of dl[0] */
    uint32_t ndl;    /* entries in dl */
    uint16_t *dl;    /* passage lengths by id - dlbase (the postings
                        carry none: the merge needs them for min_dl) */
};

/* Bytes gathered before a write to a run file, and read at a time per run
 * in a merge: parts of the store's write bytes (1 MiB and 256 KiB at the
 * default 8 MiB), so that they shrink with the memory budget. */
static size_t run_wbuf(const store *s) { return store_write_bytes(s) / 8; }
static size_t run_rbuf(const store *s) {
    size_t n = store_write_bytes(s) / 32;
    return n < 4096 ? 4096 : n;
}

int segment_io_error(int e) {
    if (e == ENOSPC || e == EFBIG || e == EDQUOT) return ZOEK_EFULL;
    if (e == ENOMEM) return ZOEK_ENOMEM;
    return ZOEK_EIO;
}

int segment_write(int fd, const void *p, size_t len) {
    const uint8_t *b = p;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, b + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return segment_io_error(errno);
        if (n == 0) return ZOEK_EIO;
        off += (size_t)n;
    }
    return 0;
}

/* An unlinked temporary file in directory dir. */
int segment_tmpfile(const char *dir, int *fd) {
#ifdef O_TMPFILE
    *fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (*fd >= 0) return 0;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL &&
        errno != ENOENT)
        return segment_io_error(errno);
#endif
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/.zoek-run-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof path) return ZOEK_EIO;
    *fd = mkstemp(path);
    if (*fd < 0) return segment_io_error(errno);
    (void)unlink(path);
    return 0;
}

static int run_write(segrun *r, zk_buf *b) {
    int rc = segment_write(r->fd, b->p, b->len);
    if (rc) return rc;
    r->size += b->len;
    b->len = 0;
    return 0;
}

void segrun_free(segrun *r) {
    if (!r) return;
    if (r->fd >= 0) close(r->fd);
    zk_free(r->ranges);
    zk_free(r->dl);
    zk_free(r);
}

uint64_t segrun_bytes(const segrun *r) { return r->bytes; }
uint32_t segrun_passages(const segrun *r) { return r->npass; }
const prange *segrun_ranges(const segrun *r, uint32_t *n) {
    *n = r->nranges;
    return r->ranges;
}

int membuf_spill(membuf *m, store *s, segrun **out) {
    *out = NULL;
    segrun *r = zk_calloc(1, sizeof *r);
    if (!r) return ZOEK_ENOMEM;
    r->fd = -1;
    int rc = membuf_ranges(m, &r->ranges, &r->nranges);
    if (!rc) rc = membuf_sort(m);
    if (!rc) rc = segment_tmpfile(store_path(s), &r->fd);
    if (rc) {
        segrun_free(r);
        return rc;
    }
    r->npass = m->npass;
    if (m->npass) {
        uint32_t lo = m->pid[0], hi = m->pid[0];
        for (uint32_t i = 1; i < m->npass; i++) {
            if (m->pid[i] < lo) lo = m->pid[i];
            if (m->pid[i] > hi) hi = m->pid[i];
        }
        r->dlbase = lo;
        r->ndl = hi - lo + 1;
        r->dl = zk_calloc(r->ndl, sizeof(uint16_t));
        if (!r->dl) {
            segrun_free(r);
            return ZOEK_ENOMEM;
        }
        for (uint32_t i = 0; i < m->npass; i++)
            r->dl[m->pid[i] - lo] = m->dl[i];
    }
    plist pl = {0};
    codec_out co = {0};
    zk_buf b = {0};
    uint8_t h[8];
    size_t wbuf = run_wbuf(s);
    for (size_t k = 0; k < m->nterms && !rc; k++) {
        if ((rc = membuf_encode_term(m, k, &pl, &co))) break;
        const mterm *te = &m->terms[m->order[k].tid];
        uint64_t rec = 0;
        for (size_t c = 0; c < co.nchunks; c++)
            rec += 8 + codec_value_len(&co, c) +
                   (co.inline_pos ? 0 : co.pos_off[c + 1] - co.pos_off[c]);
        if (rec > UINT32_MAX || te->len == 0) {
            rc = ZOEK_ENOMEM;
            break;
        }
        zk_put_le32(h, te->len);
        zk_put_le32(h + 4, (uint32_t)rec);
        if ((rc = zk_buf_reserve(&b, 8 + te->len + rec))) break;
        zk_buf_put(&b, h, 8);
        zk_buf_put(&b, m->bytes.p + te->off, te->len);
        for (size_t c = 0; c < co.nchunks; c++) {
            size_t dl = codec_value_len(&co, c);
            size_t plen =
                co.inline_pos ? 0 : co.pos_off[c + 1] - co.pos_off[c];
            zk_put_le32(h, (uint32_t)dl);
            zk_put_le32(h + 4, (uint32_t)plen);
            zk_buf_put(&b, h, 8);
            codec_value_copy(&co, c, b.p + b.len);
            b.len += dl;
            if (plen) zk_buf_put(&b, co.pos.p + co.pos_off[c], plen);
            r->bytes += dl + plen;
        }
        if (b.len >= wbuf) rc = run_write(r, &b);
    }
    if (!rc) {
        memset(h, 0, sizeof h);
        rc = zk_buf_put(&b, h, 8);
        if (!rc) rc = run_write(r, &b);
    }
    plist_free(&pl);
    codec_out_free(&co);
    zk_buf_free(&b);
    if (rc) {
        segrun_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* Sequential reader of a run: the current term's header, bytes and
 * record stay contiguous in buf until the next term is loaded. */
typedef struct runrd {
    const segrun *r;     /* the run */
    uint8_t *buf;        /* read buffer */
    size_t cap;          /* its size */
    size_t beg, end;     /* unread bytes: buf[beg..end) */
    uint64_t foff;       /* file offset of buf[end] */
    const uint8_t *rec;  /* current term's record */
    size_t reclen;       /* its bytes */
} runrd;

/* Makes n bytes from buf[beg] available. */
static int runrd_fill(runrd *d, size_t n) {
    if (d->end - d->beg >= n) return 0;
    if (n > d->cap) {
        size_t cap = d->cap;
        while (cap < n) cap *= 2;
        uint8_t *p = zk_malloc(cap);
        if (!p) return ZOEK_ENOMEM;
        memcpy(p, d->buf + d->beg, d->end - d->beg);
        zk_free(d->buf);
        d->buf = p;
        d->cap = cap;
    } else {
        memmove(d->buf, d->buf + d->beg, d->end - d->beg);
    }
    d->end -= d->beg;
    d->beg = 0;
    while (d->end < n) {
        ssize_t k = pread(d->r->fd, d->buf + d->end, d->cap - d->end,
                          (off_t)d->foff);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return segment_io_error(errno);
        if (k == 0) return ZOEK_ECORRUPT; /* the run ends too early */
        d->end += (size_t)k;
        d->foff += (uint64_t)k;
    }
    return 0;
}

/* Loads the next term of the run into m (or sets m->done). */
static int runrd_next(min *m) {
    runrd *d = m->rd;
    int rc = runrd_fill(d, 8);
    if (rc) return rc;
    uint32_t tl = zk_get_le32(d->buf + d->beg);
    uint32_t rl = zk_get_le32(d->buf + d->beg + 4);
    if (tl == 0) {
        m->done = 1;
        return 0;
    }
    if (tl > 500) return ZOEK_ECORRUPT;
    if ((rc = runrd_fill(d, 8 + (size_t)tl + rl))) return rc;
    m->term = d->buf + d->beg + 8;
    m->tlen = tl;
    d->rec = m->term + tl;
    d->reclen = rl;
    d->beg += 8 + (size_t)tl + rl;
    return 0;
}

/* Where a merge input's passage lengths come from: its run, or the plen
 * table of the snapshot it is read through. */
typedef struct dlsrc {
    const segrun *run; /* a run's lengths, or NULL */
    plen_cur *pc;      /* the table */
} dlsrc;

static int dl_of(const dlsrc *s, uint32_t p, uint32_t *dl) {
    if (s->run) {
        if (p < s->run->dlbase || p - s->run->dlbase >= s->run->ndl)
            return ZOEK_ECORRUPT;
        *dl = s->run->dl[p - s->run->dlbase];
        return 0;
    }
    int lang;
    return plen_get(s->pc, p, dl, &lang);
}

/* Appends the postings of one chunk (body: its blocks; pv: its
 * positions) to p, skipping dead passages. */
static int add_chunk(codec_chunk *ck, const void *pv, size_t pvl, plist *p,
                     const dlsrc *src, seg_dead_fn dead, void *ud,
                     uint32_t *dropped) {
    uint32_t ids[CODEC_BLOCK], tfs[CODEC_BLOCK];
    int rc;
    if (ck->ipos) {
        pv = ck->ipos;
        pvl = ck->ipos_len;
    }
    for (uint32_t b = 0; b < ck->nblocks; b++) {
        int n = codec_decode_block(ck, b, ids, tfs);
        if (n < 0) return n;
        size_t sum = 0;
        for (int i = 0; i < n; i++) sum += tfs[i];
        if ((rc = plist_reserve(p, p->n + (size_t)n, p->npos + sum)))
            return rc;
        size_t np;
        if ((rc = codec_decode_positions(ck, b, pv, pvl, tfs, (uint32_t)n,
                                         p->pos + p->npos, sum, &np)))
            return rc;
        if (np != sum) return ZOEK_ECORRUPT;
        size_t r = p->npos, w = p->npos;
        for (int i = 0; i < n; i++) {
            if (dead && dead(ud, ids[i])) {
                (*dropped)++;
                r += tfs[i];
                continue;
            }
            if ((rc = dl_of(src, ids[i], &p->dls[p->n]))) return rc;
            p->ids[p->n] = ids[i];
            p->tfs[p->n] = tfs[i];
            p->n++;
            memmove(p->pos + w, p->pos + r, tfs[i] * 4);
            r += tfs[i];
            w += tfs[i];
        }
        p->npos = w;
    }
    return 0;
}

/* Decodes all postings of the current term of run input m into p
 * (appending) and loads its next term. */
static int read_term_run(min *m, plist *p, codec_chunk *ck) {
    runrd *d = m->rd;
    const uint8_t *q = d->rec, *e = d->rec + d->reclen;
    codec_header h;
    uint32_t nchunks = 1, dummy = 0;
    int rc;
    for (uint32_t c = 0; c < nchunks; c++) {
        if (e - q < 8) return ZOEK_ECORRUPT;
        uint32_t vl = zk_get_le32(q), pl = zk_get_le32(q + 4);
        q += 8;
        if ((size_t)(e - q) < (size_t)vl + pl) return ZOEK_ECORRUPT;
        const uint8_t *body = q;
        size_t blen = vl;
        int inl = 0;
        if (c == 0) {
            if ((rc = codec_parse_header(q, vl, &h))) return rc;
            nchunks = h.nchunks;
            body = h.body;
            blen = h.body_len;
            inl = h.inline_pos;
        }
        if ((rc = codec_parse_chunk(body, blen, inl, ck))) return rc;
        dlsrc src = {d->r, NULL};
        if ((rc = add_chunk(ck, q + vl, pl, p, &src, NULL, NULL, &dummy)))
            return rc;
        q += (size_t)vl + pl;
    }
    if (q != e) return ZOEK_ECORRUPT;
    return runrd_next(m);
}

/* Decodes all postings of m's current term into p (appending), skipping
 * dead passages, and moves m to the next term.  *dropped counts skipped
 * postings. */
static int read_term(store_txn *t, min *m, plist *p, plen_cur *pc,
                     seg_dead_fn dead, void *ud, uint32_t *dropped,
                     codec_chunk *ck) {
    if (m->rd) return read_term_run(m, p, ck);
    post_iter *it = m->it;
    int rc;
    uint8_t key[KEY_POST_MAX];
    size_t tl = it->tlen, klen;
    codec_header h;
    if ((rc = codec_parse_header(it->v, it->vl, &h))) return rc;
    if (it->packed && (h.nchunks != 1 || !h.inline_pos)) return ZOEK_ECORRUPT;
    int inl = h.inline_pos;
    for (uint32_t c = 0; c < h.nchunks; c++) {
        const uint8_t *body;
        size_t blen;
        /* chunk c's key, in post and in pos */
        klen = key_post(key, m->seg, (const char *)it->term, tl, c);
        if (c == 0) {
            body = h.body;
            blen = h.body_len;
        } else {
            const void *v;
            size_t vl;
            rc = store_get(t, DB_POST, key, klen, &v, &vl);
            if (rc) return rc == ZOEK_ENOTFOUND ? ZOEK_ECORRUPT : rc;
            body = v;
            blen = vl;
        }
        if ((rc = codec_parse_chunk(body, blen, c == 0 && inl, ck))) return rc;
        const void *pv = NULL;
        size_t pvl = 0;
        if (!ck->ipos) {
            rc = store_get(t, DB_POS, key, klen, &pv, &pvl);
            if (rc) return rc == ZOEK_ENOTFOUND ? ZOEK_ECORRUPT : rc;
        }
        dlsrc src = {NULL, pc};
        if ((rc = add_chunk(ck, pv, pvl, p, &src, dead, ud, dropped)))
            return rc;
    }
    /* advance past the term */
    if ((rc = post_iter_next(it))) return rc;
    min_load(m);
    return 0;
}

/* Merges sorted postings lists a (n items) into one sorted list. */
static int merge_lists(plist *in, size_t n, plist *out) {
    size_t total = 0, totpos = 0;
    for (size_t i = 0; i < n; i++) {
        total += in[i].n;
        totpos += in[i].npos;
    }
    int rc = plist_reserve(out, total, totpos);
    if (rc) return rc;
    out->n = out->npos = 0;
    size_t idx[64] = {0}, pidx[64] = {0};
    if (n > 64) return ZOEK_EINVAL;
    for (;;) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (idx[i] < in[i].n &&
                (best == n || in[i].ids[idx[i]] < in[best].ids[idx[best]]))
                best = i;
        if (best == n) break;
        size_t k = idx[best]++;
        uint32_t id = in[best].ids[k];
        if (out->n && out->ids[out->n - 1] >= id) return ZOEK_ECORRUPT;
        out->ids[out->n] = id;
        out->tfs[out->n] = in[best].tfs[k];
        out->dls[out->n] = in[best].dls[k];
        out->n++;
        memcpy(out->pos + out->npos, in[best].pos + pidx[best],
               in[best].tfs[k] * 4);
        out->npos += in[best].tfs[k];
        pidx[best] += in[best].tfs[k];
    }
    return 0;
}

/* Where a merge puts its terms: the index (segment out, in transactions
 * of the store's write bytes), or a temporary file to be put later. */
typedef struct msink {
    store *s;          /* the index */
    post_writer pw;    /* writes the output segment's terms */
    store_txn *wt;     /* open write transaction, or NULL */
    uint64_t in_txn;   /* bytes written in it */
    uint64_t released; /* in_txn when the map was last given back */
    uint64_t bytes;    /* bytes written in all */
    int fd;            /* >= 0: write to this file instead */
    uint64_t fsize;    /* bytes in the file */
    zk_buf b;          /* gathered for the file */
    zk_buf rec;        /* scratch: a small term's pack record */
} msink;

uint64_t segment_sink_commits, segment_map_releases;

/* Index mode: the write transaction, begun if none is open. */
static int sink_begin(msink *k) {
    return k->wt ? 0 : store_begin(k->s, 1, 1, &k->wt);
}

/* Ends an index sink's transaction: the open pack is written and the
 * transaction committed. */
static int sink_finish(msink *k) {
    if (!k->wt) return 0;
    uint64_t b = 0;
    int rc = post_writer_flush(&k->pw, k->wt, &b);
    k->bytes += b;
    if (!rc) rc = store_commit(k->wt);
    else store_abort(k->wt);
    k->wt = NULL;
    k->in_txn = k->released = 0;
    return rc;
}

/* Index mode: after a small term's record or a large term's encoding
 * went to the post writer; commits every store_write_bytes(). */
static int sink_written(msink *k, uint64_t b) {
    k->bytes += b;
    k->in_txn += b;
    if (k->in_txn < store_write_bytes(k->s)) {
        /* the index pages the merge read (a fault maps a whole page-cache
         * folio, up to 1 MiB) go back every quarter of a transaction */
        if (k->in_txn - k->released < store_write_bytes(k->s) / 4) return 0;
        store_release_map(k->s);
        k->released = k->in_txn;
        __atomic_add_fetch(&segment_map_releases, 1, __ATOMIC_RELAXED);
        return 0;
    }
    int rc = sink_finish(k);
    if (!rc) store_release_map(k->s);
    __atomic_add_fetch(&segment_sink_commits, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&segment_map_releases, 1, __ATOMIC_RELAXED);
    return rc;
}

/* File mode: a record is u32 term length, u32 small (1: a pack record
 * follows, 0: an encoding), the term, then u32 length and the pack
 * record, or u32 header length, u32 chunks, u32 inline flag, the header
 * and per chunk u32 body and positions lengths and both. */
static int sink_file_term(msink *k, const uint8_t *term, size_t tl,
                          const codec_postings *cp, const codec_out *co) {
    int small = post_pack_record(&k->rec, tl, cp, co), rc;
    if (small < 0) return small;
    small = small == 0;
    size_t need = 8 + tl + (small ? 4 + k->rec.len
                                  : 12 + co->hdr.len + 8 * co->nchunks +
                                        co->doc.len + co->pos.len);
    if ((rc = zk_buf_reserve(&k->b, need))) return rc;
    uint8_t h[12];
    zk_put_le32(h, (uint32_t)tl);
    zk_put_le32(h + 4, (uint32_t)small);
    zk_buf_put(&k->b, h, 8);
    zk_buf_put(&k->b, term, tl);
    if (small) {
        zk_put_le32(h, (uint32_t)k->rec.len);
        zk_buf_put(&k->b, h, 4);
        zk_buf_put(&k->b, k->rec.p, k->rec.len);
    } else {
        zk_put_le32(h, (uint32_t)co->hdr.len);
        zk_put_le32(h + 4, (uint32_t)co->nchunks);
        zk_put_le32(h + 8, (uint32_t)(co->inline_pos != 0));
        zk_buf_put(&k->b, h, 12);
        zk_buf_put(&k->b, co->hdr.p, co->hdr.len);
        for (size_t c = 0; c < co->nchunks; c++) {
            size_t dl = co->doc_off[c + 1] - co->doc_off[c];
            size_t pl = co->pos_off[c + 1] - co->pos_off[c];
            zk_put_le32(h, (uint32_t)dl);
            zk_put_le32(h + 4, (uint32_t)pl);
            zk_buf_put(&k->b, h, 8);
            zk_buf_put(&k->b, co->doc.p + co->doc_off[c], dl);
            zk_buf_put(&k->b, co->pos.p + co->pos_off[c], pl);
        }
    }
    if (k->b.len < run_wbuf(k->s)) return 0;
    segrun r = {.fd = k->fd};
    rc = run_write(&r, &k->b);
    k->fsize += r.size;
    return rc;
}

static int sink_term(msink *k, const uint8_t *term, size_t tl,
                     const codec_postings *cp, const codec_out *co) {
    if (k->fd >= 0) return sink_file_term(k, term, tl, cp, co);
    int rc = sink_begin(k);
    if (rc) return rc;
    uint64_t b = 0;
    /* on a full map the caller drops the partial output and retries */
    if ((rc = post_writer_add(&k->pw, k->wt, term, tl, cp, co, &b)))
        return rc;
    return sink_written(k, b);
}

/* One pass of a merge over its inputs' terms, up to (not including) the
 * term hi when hi is set. */
typedef struct mpass {
    store_txn *rt;            /* read transaction (segment inputs) */
    size_t n;                 /* inputs */
    min ins[64];
    runrd rds[64];            /* readers of the runs among them */
    plist lists[64];
    plist merged;
    codec_out co;
    codec_chunk *ck;
    plen_cur pc;
    const uint8_t *hi;        /* first term not to merge, or NULL */
    size_t hilen;
    seg_dead_fn dead;
    void *dead_ud;
    seg_drop_fn drop;
    void *drop_ud;
    msink *sink;
    int rc;                   /* result (threaded pass) */
} mpass;

static void mpass_free(mpass *p) {
    for (size_t i = 0; i < p->n; i++) {
        if (p->ins[i].it) post_iter_close(p->ins[i].it);
        zk_free(p->ins[i].it);
    }
    for (size_t i = 0; i < 64; i++) {
        zk_free(p->rds[i].buf);
        plist_free(&p->lists[i]);
    }
    if (p->rt) store_abort(p->rt);
    plist_free(&p->merged);
    codec_out_free(&p->co);
    zk_free(p->ck);
}

/* Opens the inputs of a pass: runs loaded at their first term (or, with
 * from set, at their first term >= from), segments at theirs. */
static int mpass_open(mpass *p, store *s, const uint32_t *in, size_t nseg,
                      segrun *const *runs, size_t nruns, const uint8_t *from,
                      size_t fromlen) {
    int rc;
    p->n = nseg + nruns;
    if (!(p->ck = zk_malloc(sizeof *p->ck))) return ZOEK_ENOMEM;
    for (size_t i = 0; i < nruns; i++) {
        min *m = &p->ins[nseg + i];
        m->rd = &p->rds[i];
        p->rds[i].r = runs[i];
        p->rds[i].cap = run_rbuf(s);
        if (!(p->rds[i].buf = zk_malloc(p->rds[i].cap))) return ZOEK_ENOMEM;
        if ((rc = runrd_next(m))) return rc;
        while (from && !m->done &&
               post_term_cmp(m->term, m->tlen, from, fromlen) < 0)
            if ((rc = runrd_next(m))) return rc;
    }
    if (nseg && (rc = store_begin(s, 0, 0, &p->rt))) return rc;
    p->pc.t = p->rt;
    for (size_t i = 0; i < nseg; i++) {
        p->ins[i].seg = in[i];
        if (!(p->ins[i].it = zk_malloc(sizeof(post_iter))))
            return ZOEK_ENOMEM;
        if ((rc = post_iter_open(p->ins[i].it, p->rt, in[i], NULL, 0, 1))) {
            zk_free(p->ins[i].it);
            p->ins[i].it = NULL;
            return rc;
        }
        min_load(&p->ins[i]);
    }
    return 0;
}

static int mpass_run(mpass *p) {
    uint8_t term[512];
    size_t n = p->n;
    int rc;
    for (;;) {
        /* smallest current term */
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (!p->ins[i].done &&
                (best == n || post_term_cmp(p->ins[i].term, p->ins[i].tlen,
                                       p->ins[best].term,
                                       p->ins[best].tlen) < 0))
                best = i;
        if (best == n) return 0;
        size_t tl = p->ins[best].tlen;
        if (tl > 500) return ZOEK_ECORRUPT;
        if (p->hi && post_term_cmp(p->ins[best].term, tl, p->hi, p->hilen) >= 0)
            return 0;
        memcpy(term, p->ins[best].term, tl);
        uint32_t dropped = 0;
        size_t nl = 0;
        for (size_t i = 0; i < n; i++) {
            if (p->ins[i].done ||
                post_term_cmp(p->ins[i].term, p->ins[i].tlen, term, tl))
                continue;
            p->lists[nl].n = p->lists[nl].npos = 0;
            if ((rc = read_term(p->rt, &p->ins[i], &p->lists[nl], &p->pc,
                                p->dead, p->dead_ud, &dropped, p->ck)))
                return rc;
            nl++;
        }
        if ((rc = merge_lists(p->lists, nl, &p->merged))) return rc;
        if (dropped && p->drop &&
            (rc = p->drop(p->drop_ud, (const char *)term, tl, dropped)))
            return rc;
        if (p->merged.n == 0) continue;
        codec_postings cp = plist_postings(&p->merged);
        if ((rc = codec_encode(&cp, &p->co))) return rc;
        if ((rc = sink_term(p->sink, term, tl, &cp, &p->co))) return rc;
    }
}

static void *mpass_thread(void *arg) {
    mpass *p = arg;
    p->rc = mpass_run(p);
    return NULL;
}

/* Puts the terms a file sink gathered (k->fd) into the index through
 * index sink out. */
static int sink_replay(const msink *k, msink *out) {
    segrun r = {.fd = k->fd, .size = k->fsize};
    runrd d = {.r = &r, .cap = run_rbuf(out->s)};
    codec_out co = {0};
    int rc = ZOEK_ENOMEM;
    if (!(d.buf = zk_malloc(d.cap))) return rc;
    uint64_t left = k->fsize;
    while (left) {
        if ((rc = runrd_fill(&d, 12))) break;
        const uint8_t *h = d.buf + d.beg;
        uint32_t tl = zk_get_le32(h), small = zk_get_le32(h + 4);
        rc = ZOEK_ECORRUPT;
        if (tl == 0 || tl > 500 || small > 1) break;
        size_t at = 8 + (size_t)tl;
        if ((rc = sink_begin(out))) break;
        uint64_t b = 0;
        if (small) {
            if ((rc = runrd_fill(&d, at + 4))) break;
            size_t rl = zk_get_le32(d.buf + d.beg + at);
            if ((rc = runrd_fill(&d, at + 4 + rl))) break;
            h = d.buf + d.beg;
            rc = post_writer_add_record(&out->pw, out->wt, h + 8, tl,
                                        h + at + 4, rl, &b);
            at += 4 + rl;
        } else {
            if ((rc = runrd_fill(&d, at + 12))) break;
            h = d.buf + d.beg;
            uint32_t hl = zk_get_le32(h + at), nc = zk_get_le32(h + at + 4);
            uint32_t inl = zk_get_le32(h + at + 8);
            rc = ZOEK_ECORRUPT;
            if (nc == 0 || inl > 1) break;
            at += 12 + hl;
            size_t end = at; /* the chunk lengths, then the whole record */
            for (uint32_t c = 0; c < nc; c++) {
                if ((rc = runrd_fill(&d, end + 8))) goto out;
                h = d.buf + d.beg;
                end += 8 + (size_t)zk_get_le32(h + end) +
                       zk_get_le32(h + end + 4);
            }
            if ((rc = runrd_fill(&d, end))) break;
            h = d.buf + d.beg;
            if ((rc = codec_out_start(&co, h + at - hl, hl, (int)inl))) break;
            for (uint32_t c = 0; c < nc; c++) {
                uint32_t dl = zk_get_le32(h + at), pl = zk_get_le32(h + at + 4);
                if ((rc = codec_out_add_chunk(&co, h + at + 8, dl,
                                              h + at + 8 + dl, pl)))
                    goto out;
                at += 8 + (size_t)dl + pl;
            }
            rc = post_writer_add_large(&out->pw, out->wt, h + 8, tl, &co, &b);
        }
        if (rc || (rc = sink_written(out, b))) break;
        d.beg += at;
        left -= at;
    }
out:
    zk_free(d.buf);
    codec_out_free(&co);
    return rc;
}

/* Splits the terms of a run-only merge in two halves of about equal
 * bytes: the term at the middle of the largest run.  Returns 0 and sets
 * *len to 0 when there is nothing to split. */
static int split_term(const store *s, segrun *const *runs, size_t nruns,
                      uint8_t *out, size_t *len) {
    *len = 0;
    const segrun *big = runs[0];
    for (size_t i = 1; i < nruns; i++)
        if (runs[i]->size > big->size) big = runs[i];
    min m;
    memset(&m, 0, sizeof m);
    runrd d = {.r = big, .cap = run_rbuf(s)};
    m.rd = &d;
    if (!(d.buf = zk_malloc(d.cap))) return ZOEK_ENOMEM;
    int rc = runrd_next(&m);
    while (!rc && !m.done && d.foff - (d.end - d.beg) < big->size / 2)
        rc = runrd_next(&m);
    if (!rc && !m.done) {
        memcpy(out, m.term, m.tlen);
        *len = m.tlen;
    }
    zk_free(d.buf);
    return rc;
}

uint64_t segment_parallel_min = (uint64_t)16 << 20;
uint64_t segment_parallel_merges;

int segment_merge(store *s, const uint32_t *in, size_t nseg,
                  segrun *const *runs, size_t nruns, uint32_t out,
                  seg_dead_fn dead, void *dead_ud, seg_drop_fn drop,
                  void *drop_ud, int threads, uint64_t *bytes) {
    *bytes = 0;
    size_t n = nseg + nruns;
    if (n == 0 || n > 64) return ZOEK_EINVAL;
    msink sink, fsink;
    memset(&sink, 0, sizeof sink);
    memset(&fsink, 0, sizeof fsink);
    sink.s = fsink.s = s;
    sink.pw.seg = fsink.pw.seg = out;
    sink.fd = fsink.fd = -1;
    mpass *a = zk_calloc(1, sizeof *a), *b = NULL;
    int rc = ZOEK_ENOMEM, threaded = 0;
    pthread_t th;
    if (!a) return rc;
    a->dead = dead;
    a->dead_ud = dead_ud;
    a->drop = drop;
    a->drop_ud = drop_ud;
    a->sink = &sink;
    if ((rc = mpass_open(a, s, in, nseg, runs, nruns, NULL, 0))) goto out;
    /* a merge of runs alone (the postings of one indexing run) is cut in
     * two at a term: a second thread merges the terms from there on into
     * a temporary file, which is put after the first part */
    uint8_t mid[512];
    size_t midlen = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < nruns; i++) total += runs[i]->size;
    if (threads > 1 && nseg == 0 && nruns >= 2 &&
        total >= segment_parallel_min &&
        (rc = split_term(s, runs, nruns, mid, &midlen)))
        goto out;
    if (midlen) {
        rc = ZOEK_ENOMEM;
        if (!(b = zk_calloc(1, sizeof *b))) goto out;
        if ((rc = segment_tmpfile(store_path(s), &fsink.fd))) goto out;
        b->sink = &fsink;
        if ((rc = mpass_open(b, s, NULL, 0, runs, nruns, mid, midlen)))
            goto out;
        a->hi = mid;
        a->hilen = midlen;
        if (zk_thread_start(&th, mpass_thread, b) == 0) {
            threaded = 1;
            __atomic_add_fetch(&segment_parallel_merges, 1, __ATOMIC_RELAXED);
        } else {
            /* one thread after all */
            mpass_free(b);
            zk_free(b);
            b = NULL;
            a->hi = NULL;
            close(fsink.fd);
            fsink.fd = -1;
        }
    }
    rc = mpass_run(a);
    if (threaded) {
        pthread_join(th, NULL);
        threaded = 0;
        if (!rc) rc = b->rc;
        if (!rc && fsink.b.len) {
            segrun r = {.fd = fsink.fd};
            rc = run_write(&r, &fsink.b);
            fsink.fsize += r.size;
        }
        if (!rc) rc = sink_replay(&fsink, &sink);
    }
    if (!rc) rc = sink_finish(&sink);
    *bytes = sink.bytes;
out:
    if (threaded) pthread_join(th, NULL);
    if (sink.wt) store_abort(sink.wt);
    post_writer_free(&sink.pw);
    post_writer_free(&fsink.pw);
    if (fsink.fd >= 0) close(fsink.fd);
    zk_buf_free(&fsink.b);
    zk_buf_free(&fsink.rec);
    zk_buf_free(&sink.rec);
    if (b) mpass_free(b);
    zk_free(b);
    mpass_free(a);
    zk_free(a);
    return rc;
}

int segment_drop(store_txn *t, uint32_t seg) {
    uint8_t lo[4], hi[4];
    zk_put_be32(lo, seg);
    zk_put_be32(hi, seg + 1);
    int rc = store_del_range(t, DB_POST, lo, 4, hi, 4, 0, NULL);
    if (!rc) rc = store_del_range(t, DB_POS, lo, 4, hi, 4, 0, NULL);
    return rc;
}
