/* idset.c - the article ids of an indexing run, within a memory limit.
 *
 * New ids go to an open-addressing table in memory.  When the table, its
 * entries and the id bytes pass what the limit leaves them, they are
 * sorted and written to an unlinked file (a spill), in blocks of
 * IDS_BLOCK bytes holding whole records (u16 length, u32 article, the
 * bytes; a length of 0 ends a block early).  A spill keeps in memory a
 * Bloom filter and, per block, the shortest prefix of its first id that
 * sorts after the block before it; a lookup that passes the filter reads
 * one block.  A spill at least half as large as the one before it is
 * merged into it, so that there are O(log n) spills.  When the filters
 * take half the limit they are dropped, and lookups read a block of every
 * spill: the memory then grows by the block index only, one prefix per
 * block (0.8 % of the ids' bytes on the bench corpus).
 */
#include <errno.h>
#include <unistd.h>

#include "idset.h"
#include "segment.h"

#define IDS_BLOCK 4096          /* bytes per spill block */
#define IDS_REC 6               /* record header: u16 length, u32 article */
#define IDS_WBUF 16             /* blocks gathered per write */
#define IDS_SEED 5              /* hash seed of the ids */

/* An id in memory. */
typedef struct ident {
    uint64_t off;        /* bytes in s->bytes */
    uint32_t len;        /* their length */
    uint32_t art;        /* its article */
} ident;

/* A spill file and what of it stays in memory. */
typedef struct spill {
    int fd;              /* the unlinked file */
    uint64_t n;          /* ids */
    uint32_t nblocks;    /* blocks */
    uint32_t *foff;      /* block i's separator: at first.p + foff[i] */
    size_t focap;        /* foff's capacity */
    zk_buf first;        /* separators: u16 length, bytes; each after
                            every id of the block before, and not after
                            its own block's first id */
    uint64_t *bloom;     /* filter, or NULL */
    uint64_t bmask;      /* filter bits - 1 */
} spill;

struct idset {
    char *dir;           /* where spills go */
    size_t limit;        /* memory limit */
    uint64_t *slot;      /* table: hash high half << 32 | entry + 1 */
    size_t nslot;        /* slots (a power of two, or 0) */
    ident *ents;         /* ids in memory, in order of adding */
    size_t nents, entcap;
    zk_buf bytes;        /* their bytes */
    spill *sp;           /* spills, oldest (largest) first */
    size_t nsp, spcap;
    size_t spmem;        /* bytes of the spills' indexes and filters */
    int nobloom;         /* filters dropped (they took too much) */
    uint64_t count;      /* ids in the set */
    uint64_t idbytes;    /* their bytes */
    uint64_t nspills;    /* spills written (merges included) */
    uint8_t blk[IDS_BLOCK]; /* a block read by a lookup */
};

static int cmp_ids(const uint8_t *a, size_t alen, const uint8_t *b,
                   size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int c = memcmp(a, b, n);
    if (c) return c;
    return alen < blen ? -1 : alen > blen;
}

/* ---------------------------------------------------------- spills */

static size_t spill_mem(const spill *p) {
    return p->first.cap + p->focap * sizeof(uint32_t) +
           (p->bloom ? (size_t)(p->bmask + 1) / 8 : 0);
}

static void spill_free(spill *p) {
    if (p->fd >= 0) close(p->fd);
    zk_free(p->foff);
    zk_buf_free(&p->first);
    zk_free(p->bloom);
    memset(p, 0, sizeof *p);
    p->fd = -1;
}

/* The filter's four bit positions come from the id's 64-bit hash. */
static void bloom_set(spill *p, uint64_t h) {
    uint64_t d = (h >> 32 | h << 32) | 1;
    for (int i = 0; i < 4; i++, h += d) {
        uint64_t b = h & p->bmask;
        p->bloom[b / 64] |= (uint64_t)1 << (b % 64);
    }
}

static int bloom_has(const spill *p, uint64_t h) {
    uint64_t d = (h >> 32 | h << 32) | 1;
    for (int i = 0; i < 4; i++, h += d) {
        uint64_t b = h & p->bmask;
        if (!(p->bloom[b / 64] >> (b % 64) & 1)) return 0;
    }
    return 1;
}

/* Reads block i of p into buf; *n receives its bytes. */
static int read_block(const spill *p, uint32_t i, uint8_t *buf, size_t *n) {
    off_t off = (off_t)i * IDS_BLOCK;
    size_t got = 0;
    while (got < IDS_BLOCK) {
        ssize_t k = pread(p->fd, buf + got, IDS_BLOCK - got, off + got);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return segment_io_error(errno);
        if (k == 0) break;
        got += (size_t)k;
    }
    if (!got) return ZOEK_EIO;
    *n = got;
    return 0;
}

/* Writing a spill, in id order. */
typedef struct spill_wr {
    spill *p;            /* being written */
    zk_buf out;          /* blocks not yet written; the last one open */
    size_t bstart;       /* offset of the open block in out */
    int open;            /* a block is open */
    zk_buf prev;         /* the id put last */
    int rc;              /* sticky error */
} spill_wr;

static int wr_flush(spill_wr *w, size_t upto) {
    int rc = segment_write(w->p->fd, w->out.p, upto);
    if (rc) return rc;
    memmove(w->out.p, w->out.p + upto, w->out.len - upto);
    w->out.len -= upto;
    w->bstart -= upto;
    return 0;
}

/* Starts spill p for about n ids (a filter unless bloom is 0); an error
 * is also kept in w->rc. */
static int wr_start(spill_wr *w, spill *p, const char *dir, uint64_t n,
                    int bloom) {
    memset(w, 0, sizeof *w);
    memset(p, 0, sizeof *p);
    p->fd = -1;
    w->p = p;
    int rc = segment_tmpfile(dir, &p->fd);
    if (!rc && bloom) {
        uint64_t bits = 64;
        while (bits < n * 8) bits *= 2;
        p->bloom = zk_calloc((size_t)(bits / 64), sizeof(uint64_t));
        if (!p->bloom) rc = ZOEK_ENOMEM;
        p->bmask = bits - 1;
    }
    if (!rc) rc = zk_buf_reserve(&w->out, (size_t)IDS_WBUF * IDS_BLOCK);
    return w->rc = rc;
}

static void wr_put(spill_wr *w, const uint8_t *id, size_t len, uint32_t art,
                   uint64_t h) {
    spill *p = w->p;
    if (w->rc) return;
    if (w->open && w->out.len - w->bstart + IDS_REC + len > IDS_BLOCK) {
        /* close the block: zeros to its end */
        size_t pad = IDS_BLOCK - (w->out.len - w->bstart);
        memset(w->out.p + w->out.len, 0, pad);
        w->out.len += pad;
        w->open = 0;
        if (w->out.len >= (size_t)IDS_WBUF * IDS_BLOCK &&
            (w->rc = wr_flush(w, w->out.len)))
            return;
    }
    if (!w->open) {
        /* the separator: id up to the first byte that differs from the
         * id before it */
        size_t sl = 0;
        if (p->nblocks) {
            while (sl < len && sl < w->prev.len && w->prev.p[sl] == id[sl])
                sl++;
            if (sl < len) sl++;
        }
        uint8_t h2[2];
        if (p->nblocks == UINT32_MAX ||
            p->first.len > UINT32_MAX - 2 - len ||
            zk_grow((void **)&p->foff, &p->focap, (size_t)p->nblocks + 1,
                    sizeof(uint32_t))) {
            w->rc = ZOEK_ENOMEM;
            return;
        }
        p->foff[p->nblocks++] = (uint32_t)p->first.len;
        zk_put_le16(h2, (uint16_t)sl);
        if (zk_buf_put(&p->first, h2, 2) || zk_buf_put(&p->first, id, sl)) {
            w->rc = ZOEK_ENOMEM;
            return;
        }
        w->bstart = w->out.len;
        w->open = 1;
    }
    uint8_t *q = w->out.p + w->out.len;
    zk_put_le16(q, (uint16_t)len);
    zk_put_le32(q + 2, art);
    memcpy(q + IDS_REC, id, len);
    w->out.len += IDS_REC + len;
    w->prev.len = 0;
    if (zk_buf_put(&w->prev, id, len)) w->rc = ZOEK_ENOMEM;
    p->n++;
    if (p->bloom) bloom_set(p, h);
}

/* Ends the spill: its last block written (a short one), its block index
 * cut to size. */
static int wr_end(spill_wr *w) {
    spill *p = w->p;
    int rc = w->rc;
    if (!rc) rc = wr_flush(w, w->out.len);
    zk_buf_free(&w->out);
    zk_buf_free(&w->prev);
    if (!rc && p->nblocks < p->focap) {
        uint32_t *fo = zk_realloc(p->foff, p->nblocks * sizeof(uint32_t));
        if (fo) {
            p->foff = fo;
            p->focap = p->nblocks;
        }
    }
    if (!rc && p->first.len + 1 < p->first.cap) {
        uint8_t *f = zk_realloc(p->first.p, p->first.len + 1);
        if (f) {
            p->first.p = f;
            p->first.cap = p->first.len + 1;
        }
    }
    return rc;
}

/* Reading a spill in id order. */
typedef struct spill_rd {
    const spill *p;      /* the spill */
    uint8_t buf[IDS_BLOCK]; /* the current block */
    size_t pos, end;     /* next record, bytes in buf */
    uint32_t next;       /* next block to read */
    const uint8_t *id;   /* current id, or NULL at the end */
    size_t len;
    uint32_t art;
} spill_rd;

/* The record at pos of a block of n bytes: 1 with its id, length and
 * article, 0 at the block's end (a zero length, or no room for one more
 * header), or ZOEK_ECORRUPT when it runs past the block. */
static int rec_at(const uint8_t *b, size_t pos, size_t n, const uint8_t **id,
                  size_t *len, uint32_t *art) {
    if (pos + IDS_REC > n) return 0;
    size_t l = zk_get_le16(b + pos);
    if (!l) return 0;
    if (pos + IDS_REC + l > n) return ZOEK_ECORRUPT;
    *id = b + pos + IDS_REC;
    *len = l;
    *art = zk_get_le32(b + pos + 2);
    return 1;
}

/* Moves to the next id (d->id NULL at the end). */
static int rd_next(spill_rd *d) {
    for (;;) {
        int r = rec_at(d->buf, d->pos, d->end, &d->id, &d->len, &d->art);
        if (r < 0) return r;
        if (r) {
            d->pos += IDS_REC + d->len;
            return 0;
        }
        if (d->next >= d->p->nblocks) {
            d->id = NULL;
            return 0;
        }
        int rc = read_block(d->p, d->next++, d->buf, &d->end);
        if (rc) return rc;
        d->pos = 0;
    }
}

/* Looks id up in spill p. */
static int spill_find(idset *s, const spill *p, const char *id, size_t len,
                      uint64_t h, int *found, uint32_t *art) {
    *found = 0;
    if (p->bloom && !bloom_has(p, h)) return 0;
    if (!p->nblocks) return 0;
    /* the last block whose separator is not above id (the first block's
     * is empty) */
    uint32_t lo = 0, hi = p->nblocks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const uint8_t *f = p->first.p + p->foff[mid];
        size_t fl = zk_get_le16(f);
        if (cmp_ids(f + 2, fl, (const uint8_t *)id, len) <= 0) lo = mid + 1;
        else hi = mid;
    }
    size_t n;
    int rc = read_block(p, lo - 1, s->blk, &n);
    if (rc) return rc;
    const uint8_t *q;
    size_t l;
    uint32_t a;
    for (size_t pos = 0; (rc = rec_at(s->blk, pos, n, &q, &l, &a)) == 1;
         pos += IDS_REC + l) {
        int c = cmp_ids(q, l, (const uint8_t *)id, len);
        if (c == 0) {
            *found = 1;
            if (art) *art = a;
            return 0;
        }
        if (c > 0) break;
    }
    return rc < 0 ? rc : 0;
}

/* Merges the last two spills into one. */
static int merge_last(idset *s) {
    spill *a = &s->sp[s->nsp - 2], *b = &s->sp[s->nsp - 1];
    spill out;
    spill_wr w;
    spill_rd *r = zk_malloc(2 * sizeof(spill_rd));
    if (!r) return ZOEK_ENOMEM;
    int rc = wr_start(&w, &out, s->dir, a->n + b->n, !s->nobloom);
    memset(r, 0, 2 * sizeof(spill_rd));
    r[0].p = a;
    r[1].p = b;
    if (!rc) rc = rd_next(&r[0]);
    if (!rc) rc = rd_next(&r[1]);
    while (!rc && (r[0].id || r[1].id)) {
        spill_rd *d = !r[1].id ? &r[0]
                      : !r[0].id ? &r[1]
                      : cmp_ids(r[0].id, r[0].len, r[1].id, r[1].len) < 0
                          ? &r[0]
                          : &r[1];
        uint64_t h = out.bloom ? zk_hash64(d->id, d->len, IDS_SEED) : 0;
        wr_put(&w, d->id, d->len, d->art, h);
        rc = rd_next(d);
    }
    int rc2 = wr_end(&w);
    if (!rc) rc = rc2;
    zk_free(r);
    if (rc) {
        spill_free(&out);
        return rc;
    }
    s->spmem -= spill_mem(a) + spill_mem(b);
    spill_free(a);
    spill_free(b);
    *a = out;
    s->nsp--;
    s->spmem += spill_mem(a);
    s->nspills++;
    return 0;
}

static int cmp_ents(const void *x, const void *y, void *ud) {
    const idset *s = ud;
    const ident *a = x, *b = y;
    return cmp_ids(s->bytes.p + a->off, a->len, s->bytes.p + b->off, b->len);
}

/* Frees the ids in memory: table, entries and bytes. */
static void mem_free(idset *s) {
    zk_free(s->slot);
    s->slot = NULL;
    s->nslot = 0;
    zk_free(s->ents);
    s->ents = NULL;
    s->nents = s->entcap = 0;
    zk_buf_free(&s->bytes);
}

/* Writes the ids in memory to a new spill and empties the table. */
static int spill_out(idset *s) {
    if (!s->nents) return 0;
    if (zk_grow((void **)&s->sp, &s->spcap, s->nsp + 1, sizeof(spill)))
        return ZOEK_ENOMEM;
    zk_sort_r(s->ents, s->nents, sizeof(ident), cmp_ents, s);
    spill *p = &s->sp[s->nsp];
    spill_wr w;
    int rc = wr_start(&w, p, s->dir, s->nents, !s->nobloom);
    for (size_t i = 0; i < s->nents && !rc; i++) {
        const ident *e = &s->ents[i];
        const uint8_t *id = s->bytes.p + e->off;
        uint64_t h = p->bloom ? zk_hash64(id, e->len, IDS_SEED) : 0;
        wr_put(&w, id, e->len, e->art, h);
    }
    int rc2 = wr_end(&w);
    if (!rc) rc = rc2;
    if (rc) {
        spill_free(p);
        return rc;
    }
    s->nsp++;
    s->spmem += spill_mem(p);
    s->nspills++;
    /* the memory goes back: the next ids grow it again from small */
    mem_free(s);
    /* spills of similar size are merged */
    while (!rc && s->nsp >= 2 && s->sp[s->nsp - 2].n <= 2 * s->sp[s->nsp - 1].n)
        rc = merge_last(s);
    if (!rc && !s->nobloom && s->spmem > s->limit / 2) {
        s->nobloom = 1;
        for (size_t i = 0; i < s->nsp; i++) {
            s->spmem -= spill_mem(&s->sp[i]);
            zk_free(s->sp[i].bloom);
            s->sp[i].bloom = NULL;
            s->spmem += spill_mem(&s->sp[i]);
        }
    }
    return rc;
}

/* ------------------------------------------------------------- the set */

int idset_new(const char *dir, size_t limit, idset **out) {
    *out = NULL;
    idset *s = zk_calloc(1, sizeof *s);
    if (!s) return ZOEK_ENOMEM;
    s->dir = zk_strndup(dir, strlen(dir));
    if (!s->dir) {
        zk_free(s);
        return ZOEK_ENOMEM;
    }
    s->limit = limit;
    *out = s;
    return 0;
}

void idset_clear(idset *s) {
    if (!s) return;
    mem_free(s);
    for (size_t i = 0; i < s->nsp; i++) spill_free(&s->sp[i]);
    zk_free(s->sp);
    s->sp = NULL;
    s->nsp = s->spcap = 0;
    s->spmem = 0;
    s->nobloom = 0;
    s->count = s->idbytes = s->nspills = 0;
}

void idset_free(idset *s) {
    if (!s) return;
    idset_clear(s);
    zk_free(s->dir);
    zk_free(s);
}

void idset_set_limit(idset *s, size_t limit) { s->limit = limit; }

/* What is written of the arrays in memory (what grows them on is not
 * touched yet). */
static size_t mem_bytes(const idset *s) {
    return s->nslot * sizeof(uint64_t) + s->nents * sizeof(ident) +
           s->bytes.len;
}

size_t idset_bytes(const idset *s) { return mem_bytes(s) + s->spmem; }
uint64_t idset_count(const idset *s) { return s->count; }
uint64_t idset_id_bytes(const idset *s) { return s->idbytes; }
uint64_t idset_spills(const idset *s) { return s->nspills; }

/* The slot of id in the table (nslot > 0): the one holding it (*found =
 * 1) or the empty one it would take. */
static size_t mem_slot(const idset *s, const char *id, size_t len,
                       uint64_t tag, int *found) {
    size_t mask = s->nslot - 1, j = tag & mask;
    *found = 0;
    for (;; j = (j + 1) & mask) {
        if (!s->slot[j]) return j;
        if (s->slot[j] >> 32 != tag) continue;
        const ident *e = &s->ents[(uint32_t)s->slot[j] - 1];
        if (e->len == len && !memcmp(s->bytes.p + e->off, id, len)) {
            *found = 1;
            return j;
        }
    }
}

/* Looks id (hash h) up in memory and in the spills. */
static int find(idset *s, const char *id, size_t len, uint64_t h,
                int *found, uint32_t *art) {
    *found = 0;
    if (s->nslot) {
        size_t j = mem_slot(s, id, len, h >> 32, found);
        if (*found) {
            if (art) *art = s->ents[(uint32_t)s->slot[j] - 1].art;
            return 0;
        }
    }
    for (size_t i = s->nsp; i-- > 0;) {
        int rc = spill_find(s, &s->sp[i], id, len, h, found, art);
        if (rc || *found) return rc;
    }
    return 0;
}

int idset_find(idset *s, const char *id, size_t len, int *found,
               uint32_t *art) {
    return find(s, id, len, zk_hash64(id, len, IDS_SEED), found, art);
}

int idset_add(idset *s, const char *id, size_t len, uint32_t art,
              int *found) {
    if (len == 0 || len > 0xffff) return ZOEK_EINVAL;
    uint64_t h = zk_hash64(id, len, IDS_SEED);
    int rc = find(s, id, len, h, found, NULL);
    if (rc || *found) return rc;
    /* what the spills leave of the limit, but at least a quarter of it */
    size_t room = s->limit > s->spmem + s->limit / 4 ? s->limit - s->spmem
                                                     : s->limit / 4;
    /* with the entry, and the table doubled if it must grow */
    size_t need = mem_bytes(s) + len + sizeof(ident) +
                  ((s->nents + 1) * 2 > s->nslot ? s->nslot * 8 : 0);
    if (s->nents && need > room && (rc = spill_out(s))) return rc;
    if ((s->nents + 1) * 2 > s->nslot) {
        if (s->nslot > ((size_t)1 << 31)) return ZOEK_ENOMEM;
        size_t n = s->nslot ? s->nslot * 2 : 1024;
        uint64_t *sl = zk_calloc(n, sizeof(uint64_t));
        if (!sl) return ZOEK_ENOMEM;
        for (size_t i = 0; i < s->nslot; i++) {
            if (!s->slot[i]) continue;
            size_t j = (s->slot[i] >> 32) & (n - 1);
            while (sl[j]) j = (j + 1) & (n - 1);
            sl[j] = s->slot[i];
        }
        zk_free(s->slot);
        s->slot = sl;
        s->nslot = n;
    }
    if (s->nents >= UINT32_MAX - 1) return ZOEK_ENOMEM;
    size_t j = mem_slot(s, id, len, h >> 32, found);
    if (zk_grow((void **)&s->ents, &s->entcap, s->nents + 1, sizeof(ident)))
        return ZOEK_ENOMEM;
    ident *e = &s->ents[s->nents];
    e->off = s->bytes.len;
    e->len = (uint32_t)len;
    e->art = art;
    if (zk_buf_put(&s->bytes, id, len)) return ZOEK_ENOMEM;
    s->slot[j] = (h >> 32) << 32 | (uint64_t)(s->nents + 1);
    s->nents++;
    s->count++;
    s->idbytes += len;
    return 0;
}

void idset_set_last(idset *s, uint32_t art) {
    if (s->nents) s->ents[s->nents - 1].art = art;
}

/* ----------------------------------------------------------- iteration */

struct idset_iter {
    spill_rd *last;      /* the reader whose id was handed out last */
    size_t n;            /* readers */
    spill_rd rd[];       /* one per spill */
};

int idset_iter_start(idset *s, idset_iter **out) {
    *out = NULL;
    int rc = spill_out(s);
    if (rc) return rc;
    idset_iter *it =
        zk_malloc(sizeof *it + (s->nsp ? s->nsp : 1) * sizeof(spill_rd));
    if (!it) return ZOEK_ENOMEM;
    it->last = NULL;
    it->n = s->nsp;
    for (size_t i = 0; i < s->nsp && !rc; i++) {
        memset(&it->rd[i], 0, sizeof(spill_rd));
        it->rd[i].p = &s->sp[i];
        rc = rd_next(&it->rd[i]);
    }
    if (rc) {
        zk_free(it);
        return rc;
    }
    *out = it;
    return 0;
}

int idset_iter_next(idset_iter *it, const char **id, size_t *len,
                    uint32_t *art) {
    /* the id handed out last stays in its reader's block until now */
    if (it->last) {
        int rc = rd_next(it->last);
        it->last = NULL;
        if (rc) return rc;
    }
    spill_rd *m = NULL;
    for (size_t i = 0; i < it->n; i++) {
        spill_rd *d = &it->rd[i];
        if (d->id && (!m || cmp_ids(d->id, d->len, m->id, m->len) < 0))
            m = d;
    }
    if (!m) return 0;
    *id = (const char *)m->id;
    *len = m->len;
    *art = m->art;
    it->last = m;
    return 1;
}

void idset_iter_free(idset_iter *it) { zk_free(it); }
