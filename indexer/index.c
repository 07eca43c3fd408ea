/* index.c - opening and closing an index, the state record, article
 * records, stored text and tombstones.
 *
 * meta database (format 5; docs/FORMAT.md):
 *   "format"   u32 LE FORMAT_VERSION
 *   "config"   u32 LE analyzer version, u64 LE stemmer fingerprint
 *   "state"    u8 version (1), u64 generation, u32 next_article,
 *              u32 next_passage, u32 next_segment, u64 narticles,
 *              u64 npassages, u64 total_len, 3 x u64 articles per language,
 *              u32 nseg, then per segment: u32 id, u32 npass, u32 ndead,
 *              u64 bytes, u32 nranges, nranges x (u32 lo, u32 hi)
 *              (all little-endian)
 * art: key u32 BE article id; value:
 *   u8 version (1), u8 lang | mixed << 4, i8 forced language (-1 auto),
 *   u32 first passage, u32 npass, u64 hash, u64 mtime (LE), varint
 *   name_len, name bytes, varint title_len, varint text_len, varint
 *   nchunks, then per passage: varint start delta, varint dl, u8 lang.
 * names: key external id; value u32 LE article id.
 * pmap: key u32 BE first passage id of an article; value u32 LE article.
 * text: key u32 BE article | u32 BE chunk; value: a piece of one zlib
 *   stream of the article text (pieces <= 1900 bytes).
 * dead: key u32 BE (passage / 8192); value 1024 bytes, bit (p % 8192)
 *   LSB-first set when passage p is deleted.
 * deldf: key term; value u32 LE postings of dead passages of that term
 *   still present in live segments.
 * plen: key u32 BE (passage / 4096); value 4096 u16 LE passage lengths,
 *   then 4096 2-bit languages LSB-first (PLEN_VALUE bytes).  Entries of
 *   passages of live articles equal their article record's; others hold
 *   what was last written there.
 */
#include "index.h"

#include <stdarg.h>
#include <stdio.h>
#include <zlib.h>

#include "codec.h"
#include "stem.h"
#include "xlat.h"

int idx_fail(zoek_index *idx, int rc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(idx->err, sizeof idx->err, fmt, ap);
    va_end(ap);
    return rc;
}

const char *zoek_errmsg(const zoek_index *idx) {
    return idx ? idx->err : "no index";
}

/* ------------------------------------------------------------- state */

void state_free(idx_state *st) {
    for (uint32_t i = 0; i < st->nseg; i++) zk_free(st->seg[i].ranges);
    zk_free(st->seg);
    memset(st, 0, sizeof *st);
}

int state_copy(idx_state *dst, const idx_state *src) {
    *dst = *src;
    dst->seg = NULL;
    if (src->nseg) {
        dst->seg = zk_calloc(src->nseg, sizeof(seg_info));
        if (!dst->seg) {
            dst->nseg = 0;
            return ZOEK_ENOMEM;
        }
    }
    for (uint32_t i = 0; i < src->nseg; i++) {
        dst->seg[i] = src->seg[i];
        dst->seg[i].ranges = NULL;
        if (src->seg[i].nranges) {
            dst->seg[i].ranges = zk_malloc(src->seg[i].nranges * sizeof(prange));
            if (!dst->seg[i].ranges) {
                dst->nseg = i;
                state_free(dst);
                return ZOEK_ENOMEM;
            }
            memcpy(dst->seg[i].ranges, src->seg[i].ranges,
                   src->seg[i].nranges * sizeof(prange));
        }
    }
    return 0;
}

typedef struct rd {
    const uint8_t *p, *end; /* cursor */
    int bad;                /* sticky: ran past the end */
} rd;

static uint32_t rd32(rd *r) {
    if (r->end - r->p < 4) {
        r->bad = 1;
        return 0;
    }
    uint32_t v = zk_get_le32(r->p);
    r->p += 4;
    return v;
}
static uint64_t rd64(rd *r) {
    if (r->end - r->p < 8) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = zk_get_le64(r->p);
    r->p += 8;
    return v;
}

int state_read(store_txn *t, idx_state *st) {
    memset(st, 0, sizeof *st);
    const void *v;
    size_t len;
    int rc = store_get(t, DB_META, "state", 5, &v, &len);
    if (rc == ZOEK_ENOTFOUND) return ZOEK_ENOTINDEX;
    if (rc) return rc;
    rd r = {v, (const uint8_t *)v + len, 0};
    if (len < 1 || r.p[0] != 1) return ZOEK_ECORRUPT;
    r.p++;
    st->generation = rd64(&r);
    st->next_article = rd32(&r);
    st->next_passage = rd32(&r);
    st->next_segment = rd32(&r);
    st->narticles = rd64(&r);
    st->npassages = rd64(&r);
    st->total_len = rd64(&r);
    for (int l = 0; l < 3; l++) st->lang_articles[l] = rd64(&r);
    uint32_t nseg = rd32(&r);
    if (r.bad || nseg > (uint32_t)(r.end - r.p) / 24) return ZOEK_ECORRUPT;
    if (nseg) {
        st->seg = zk_calloc(nseg, sizeof(seg_info));
        if (!st->seg) return ZOEK_ENOMEM;
    }
    for (uint32_t i = 0; i < nseg; i++) {
        seg_info *s = &st->seg[i];
        st->nseg = i + 1;
        s->id = rd32(&r);
        s->npass = rd32(&r);
        s->ndead = rd32(&r);
        s->bytes = rd64(&r);
        s->nranges = rd32(&r);
        if (r.bad || s->nranges > (uint32_t)(r.end - r.p) / 8 ||
            s->id >= st->next_segment || s->ndead > s->npass) {
            s->nranges = 0;
            state_free(st);
            return ZOEK_ECORRUPT;
        }
        s->ranges = zk_malloc((s->nranges ? s->nranges : 1) * sizeof(prange));
        if (!s->ranges) {
            s->nranges = 0;
            state_free(st);
            return ZOEK_ENOMEM;
        }
        for (uint32_t j = 0; j < s->nranges; j++) {
            s->ranges[j].lo = rd32(&r);
            s->ranges[j].hi = rd32(&r);
            if (s->ranges[j].lo >= s->ranges[j].hi ||
                s->ranges[j].hi > st->next_passage ||
                (j > 0 && s->ranges[j].lo < s->ranges[j - 1].hi)) {
                state_free(st);
                return ZOEK_ECORRUPT;
            }
        }
    }
    if (r.bad || r.p != r.end || st->npassages > st->next_passage ||
        st->narticles > st->next_article) {
        state_free(st);
        return ZOEK_ECORRUPT;
    }
    return 0;
}

int state_write(store_txn *t, const idx_state *st) {
    zk_buf b = {0};
    uint8_t tmp[8];
    int rc = zk_buf_putc(&b, 1);
#define P32(v) (zk_put_le32(tmp, (v)), rc = rc ? rc : zk_buf_put(&b, tmp, 4))
#define P64(v) (zk_put_le64(tmp, (v)), rc = rc ? rc : zk_buf_put(&b, tmp, 8))
    P64(st->generation);
    P32(st->next_article);
    P32(st->next_passage);
    P32(st->next_segment);
    P64(st->narticles);
    P64(st->npassages);
    P64(st->total_len);
    for (int l = 0; l < 3; l++) P64(st->lang_articles[l]);
    P32(st->nseg);
    for (uint32_t i = 0; i < st->nseg; i++) {
        const seg_info *s = &st->seg[i];
        P32(s->id);
        P32(s->npass);
        P32(s->ndead);
        P64(s->bytes);
        P32(s->nranges);
        for (uint32_t j = 0; j < s->nranges; j++) {
            P32(s->ranges[j].lo);
            P32(s->ranges[j].hi);
        }
    }
#undef P32
#undef P64
    if (!rc) rc = store_put(t, DB_META, "state", 5, b.p, b.len, 0);
    zk_buf_free(&b);
    return rc;
}

int state_find_seg(const idx_state *st, uint32_t p) {
    for (uint32_t i = 0; i < st->nseg; i++) {
        const seg_info *s = &st->seg[i];
        uint32_t lo = 0, hi = s->nranges;
        while (lo < hi) {
            uint32_t m = lo + (hi - lo) / 2;
            if (p < s->ranges[m].lo) hi = m;
            else if (p >= s->ranges[m].hi) lo = m + 1;
            else return (int)i;
        }
    }
    return -1;
}

unsigned state_langs(const idx_state *st) {
    unsigned m = 0;
    for (int l = 0; l < 3; l++)
        if (st->lang_articles[l]) m |= 1u << l;
    return m;
}

/* ----------------------------------------------------------- articles */

int art_encode(zk_buf *b, const art_rec *r, const art_pass *p) {
    uint8_t h[3 + 4 + 4 + 8 + 8];
    h[0] = 1;
    h[1] = (uint8_t)(r->lang | (r->mixed ? 0x10 : 0));
    h[2] = (uint8_t)r->forced;
    zk_put_le32(h + 3, r->first_pass);
    zk_put_le32(h + 7, r->npass);
    zk_put_le64(h + 11, r->hash);
    zk_put_le64(h + 19, r->mtime);
    int rc = zk_buf_put(b, h, sizeof h);
    if (!rc) rc = codec_put_varint(b, r->name_len);
    if (!rc) rc = zk_buf_put(b, r->name, r->name_len);
    if (!rc) rc = codec_put_varint(b, r->title_len);
    if (!rc) rc = codec_put_varint(b, r->text_len);
    if (!rc) rc = codec_put_varint(b, r->nchunks);
    uint32_t prev = 0;
    for (uint32_t i = 0; !rc && i < r->npass; i++) {
        rc = codec_put_varint(b, p[i].start - prev);
        if (!rc) rc = codec_put_varint(b, p[i].dl);
        if (!rc) rc = zk_buf_putc(b, p[i].lang);
        prev = p[i].start;
    }
    return rc;
}

int art_decode(const void *v, size_t len, art_rec *r) {
    const uint8_t *p = v, *end = p + len;
    if (len < 27 || p[0] != 1) return ZOEK_ECORRUPT;
    r->lang = p[1] & 0x0F;
    r->mixed = (p[1] & 0x10) != 0;
    r->forced = (int8_t)p[2];
    r->first_pass = zk_get_le32(p + 3);
    r->npass = zk_get_le32(p + 7);
    r->hash = zk_get_le64(p + 11);
    r->mtime = zk_get_le64(p + 19);
    p += 27;
    if (r->lang > 2 || (((const uint8_t *)v)[1] & 0xE0) || r->forced < -1 ||
        r->forced > 2 ||
        r->npass == 0 ||
        r->first_pass > UINT32_MAX - r->npass)
        return ZOEK_ECORRUPT;
    uint32_t nl;
    if (codec_get_varint32(&p, end, &nl) || nl > MAX_ID_LEN ||
        nl > (size_t)(end - p))
        return ZOEK_ECORRUPT;
    r->name = (const char *)p;
    r->name_len = nl;
    p += nl;
    if (codec_get_varint32(&p, end, &r->title_len) ||
        codec_get_varint32(&p, end, &r->text_len) ||
        codec_get_varint32(&p, end, &r->nchunks) ||
        r->title_len > r->text_len)
        return ZOEK_ECORRUPT;
    if (r->npass > (size_t)(end - p) / 3) return ZOEK_ECORRUPT;
    r->pass = p;
    r->pass_len = (size_t)(end - p);
    return 0;
}

int art_passages(const art_rec *r, art_pass *out) {
    const uint8_t *p = r->pass, *end = r->pass + r->pass_len;
    uint64_t start = 0;
    for (uint32_t i = 0; i < r->npass; i++) {
        uint32_t d, dl;
        if (codec_get_varint32(&p, end, &d) ||
            codec_get_varint32(&p, end, &dl) || p >= end || *p > 2)
            return ZOEK_ECORRUPT;
        start += d;
        if (start > r->text_len || (i > 0 && d == 0 && r->text_len))
            return ZOEK_ECORRUPT;
        out[i].start = (uint32_t)start;
        out[i].dl = dl;
        out[i].lang = *p++;
        if (i > 0) out[i - 1].end = out[i].start;
    }
    if (p != end) return ZOEK_ECORRUPT;
    out[r->npass - 1].end = r->text_len;
    return 0;
}

void key_u32(uint8_t *k, uint32_t v) { zk_put_be32(k, v); }

size_t key_chunk(uint8_t *p, uint32_t chunk) {
    if (chunk < 0x80) {
        p[0] = (uint8_t)chunk;
        return 1;
    }
    if (chunk < 0x4000) {
        p[0] = (uint8_t)(0x80 | chunk >> 8);
        p[1] = (uint8_t)chunk;
        return 2;
    }
    zk_put_be32(p, (chunk & 0x3FFFFFFF) | 0xC0000000u);
    return 4;
}

size_t key_post(uint8_t *k, uint32_t seg, const char *term, size_t len,
                uint32_t chunk) {
    zk_put_be32(k, seg);
    memcpy(k + 4, term, len);
    k[4 + len] = 0;
    return 5 + len + key_chunk(k + 5 + len, chunk);
}

int key_post_parse(const uint8_t *k, size_t kl, uint32_t *seg,
                   const uint8_t **term, size_t *tlen, uint32_t *chunk) {
    if (kl < 6) return ZOEK_ECORRUPT;
    const uint8_t *z = memchr(k + 4, 0, kl - 4);
    if (!z || z == k + 4) return ZOEK_ECORRUPT;
    size_t rest = kl - (size_t)(z + 1 - k);
    const uint8_t *c = z + 1;
    uint32_t v;
    if (rest == 1 && c[0] < 0x80) v = c[0];
    else if (rest == 1 && c[0] == KEY_PACK_CODE) v = KEY_PACK;
    else if (rest == 2 && (c[0] & 0xC0) == 0x80)
        v = (uint32_t)(c[0] & 0x3F) << 8 | c[1];
    else if (rest == 4 && (c[0] & 0xC0) == 0xC0)
        v = zk_get_be32(c) & 0x3FFFFFFF;
    else
        return ZOEK_ECORRUPT;
    *seg = zk_get_be32(k);
    *term = k + 4;
    *tlen = (size_t)(z - (k + 4));
    *chunk = v;
    return 0;
}

int art_lookup(store_txn *t, const char *name, size_t len, uint32_t *art) {
    if (len == 0 || len > MAX_ID_LEN) return ZOEK_ENOTFOUND;
    const void *v;
    size_t vl;
    int rc = store_get(t, DB_NAMES, name, len, &v, &vl);
    if (rc) return rc;
    if (vl != 4) return ZOEK_ECORRUPT;
    *art = zk_get_le32(v);
    return 0;
}

int art_get(store_txn *t, uint32_t art, art_rec *r) {
    uint8_t k[4];
    key_u32(k, art);
    const void *v;
    size_t vl;
    int rc = store_get(t, DB_ART, k, 4, &v, &vl);
    if (rc == ZOEK_ENOTFOUND) return ZOEK_ECORRUPT; /* referenced */
    if (rc) return rc;
    return art_decode(v, vl, r);
}

int plen_load(plen_cur *c, uint32_t p) {
    uint32_t key = p / PLEN_N;
    uint8_t k[4];
    const void *v;
    size_t vl;
    key_u32(k, key);
    int rc = store_get(c->t, DB_PLEN, k, 4, &v, &vl);
    if (rc) return rc == ZOEK_ENOTFOUND ? ZOEK_ECORRUPT : rc;
    if (vl != PLEN_VALUE) return ZOEK_ECORRUPT;
    c->v = v;
    c->key = key;
    return 0;
}

int art_span(store_txn *t, uint32_t p, uint32_t *art, uint32_t *first,
             uint32_t *end) {
    store_cursor *c;
    int rc = store_cursor_open(t, DB_PMAP, &c);
    if (rc) return rc;
    rc = art_span_at(c, p, art, first, end);
    store_cursor_close(c);
    return rc;
}

int art_span_at(store_cursor *c, uint32_t p, uint32_t *art, uint32_t *first,
                uint32_t *end) {
    int rc;
    uint8_t k[4];
    key_u32(k, p);
    const void *ko, *v;
    size_t kl, vl;
    uint32_t next = UINT32_MAX; /* the first passage of the next article */
    rc = store_cursor_seek(c, k, 4, &ko, &kl, &v, &vl);
    if (rc == 0 && kl == 4 && zk_get_be32(ko) == p) {
        /* exact: p is an article's first passage */
    } else if (rc == 0 || rc == ZOEK_ENOTFOUND) {
        if (rc == 0 && kl == 4) next = zk_get_be32(ko);
        rc = rc == 0 ? store_cursor_prev(c, &ko, &kl, &v, &vl)
                     : store_cursor_last(c, &ko, &kl, &v, &vl);
    }
    if (rc == 0 && (kl != 4 || vl != 4)) rc = ZOEK_ECORRUPT;
    if (rc == 0) {
        *art = zk_get_le32(v);
        *first = zk_get_be32(ko);
        if (next == UINT32_MAX) {
            /* the exact case: the next key, if any */
            const void *k2, *v2;
            size_t kl2, vl2;
            int r = store_cursor_next(c, &k2, &kl2, &v2, &vl2);
            if (r == 0 && kl2 == 4) next = zk_get_be32(k2);
            else if (r && r != ZOEK_ENOTFOUND) rc = r;
        }
        *end = next;
        if (rc == 0 && (*first > p || next <= p)) rc = ZOEK_ECORRUPT;
    }
    return rc == ZOEK_ENOTFOUND ? ZOEK_ECORRUPT : rc;
}

int art_of_passage(store_txn *t, uint32_t p, uint32_t *art) {
    uint32_t first, end;
    return art_span(t, p, art, &first, &end);
}

int text_load(store_txn *t, uint32_t art, const art_rec *r, zk_buf *out) {
    return text_load_prefix(t, art, r, r->text_len, out);
}

int text_load_prefix(store_txn *t, uint32_t art, const art_rec *r,
                     size_t upto, zk_buf *out) {
    out->len = 0;
    /* pieces hold at most 1900 bytes; deflate expands at most 1032-fold */
    if ((uint64_t)r->text_len > (uint64_t)r->nchunks * 1900 * 1032)
        return ZOEK_ECORRUPT;
    if (upto > r->text_len) return ZOEK_ECORRUPT;
    /* the whole text: every check below; a prefix: inflation stops at
     * upto bytes, and only what was read is checked */
    int whole = upto == r->text_len;
    if (zk_buf_reserve(out, upto)) return ZOEK_ENOMEM;
    if (upto == 0 && !whole) return 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) return ZOEK_ENOMEM;
    int rc = 0;
    uint8_t k[8];
    key_u32(k, art);
    z.next_out = out->p;
    z.avail_out = (uInt)upto;
    int zr = Z_OK;
    uint32_t c = 0;
    for (; c < r->nchunks && zr != Z_STREAM_END; c++) {
        if (!whole && z.total_out >= upto) break;
        key_u32(k + 4, c);
        const void *v;
        size_t vl;
        rc = store_get(t, DB_TEXT, k, 8, &v, &vl);
        if (rc) {
            if (rc == ZOEK_ENOTFOUND) rc = ZOEK_ECORRUPT;
            break;
        }
        z.next_in = (Bytef *)(uintptr_t)v;
        z.avail_in = (uInt)vl;
        zr = inflate(&z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END) {
            rc = zr == Z_MEM_ERROR ? ZOEK_ENOMEM : ZOEK_ECORRUPT;
            break;
        }
        if (whole && zr == Z_OK && z.avail_out == 0 && z.avail_in) {
            rc = ZOEK_ECORRUPT; /* more text than recorded */
            break;
        }
    }
    if (!whole) {
        if (!rc && z.total_out != upto) rc = ZOEK_ECORRUPT;
        inflateEnd(&z);
        if (!rc) out->len = upto;
        return rc;
    }
    if (!rc && (r->text_len ? zr != Z_STREAM_END : 0)) rc = ZOEK_ECORRUPT;
    /* the stream ends in the last piece: no piece more, none less */
    if (!rc && zr == Z_STREAM_END && (c != r->nchunks || z.avail_in))
        rc = ZOEK_ECORRUPT;
    if (!rc && z.total_out != r->text_len) rc = ZOEK_ECORRUPT;
    inflateEnd(&z);
    if (!rc) out->len = r->text_len;
    return rc;
}

int dead_test(store_txn *t, uint32_t p, int *rc) {
    uint8_t k[4];
    key_u32(k, p / DEAD_BITS);
    const void *v;
    size_t vl;
    int r = store_get(t, DB_DEAD, k, 4, &v, &vl);
    if (r == ZOEK_ENOTFOUND) return 0;
    if (r || vl != DEAD_BITS / 8) {
        *rc = r ? r : ZOEK_ECORRUPT;
        return 0;
    }
    uint32_t bit = p % DEAD_BITS;
    return (((const uint8_t *)v)[bit / 8] >> (bit % 8)) & 1;
}

/* ------------------------------------------------------ analyzer pool */

int an_pool_get(an_pool *p, analyzer **out) {
    pthread_mutex_lock(&p->mu);
    if (p->nfree) {
        *out = p->free[--p->nfree];
        pthread_mutex_unlock(&p->mu);
        return 0;
    }
    pthread_mutex_unlock(&p->mu);
    return analyzer_new(out, AN_CACHE_QUERY);
}

void an_pool_put(an_pool *p, analyzer *a) {
    if (!a) return;
    pthread_mutex_lock(&p->mu);
    if (p->nfree < 8 &&
        zk_grow((void **)&p->free, &p->cap, p->nfree + 1, sizeof *p->free) ==
            0) {
        p->free[p->nfree++] = a;
        a = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    analyzer_free(a);
}

/* ---------------------------------------------------------- open/close */

static int init_meta(zoek_index *idx) {
    store_txn *t;
    int rc = store_begin(idx->st, 1, 0, &t);
    if (rc) return rc;
    uint8_t v[12];
    zk_put_le32(v, FORMAT_VERSION);
    rc = store_put(t, DB_META, "format", 6, v, 4, 0);
    zk_put_le32(v, idx->cfg.analyzer_version);
    zk_put_le64(v + 4, idx->cfg.fingerprint);
    if (!rc) rc = store_put(t, DB_META, "config", 6, v, 12, 0);
    idx_state st;
    memset(&st, 0, sizeof st);
    if (!rc) rc = state_write(t, &st);
    if (rc) {
        store_abort(t);
        return rc;
    }
    return store_commit(t);
}

int idx_format_gate(zoek_index *idx) {
    if (idx->cfg.format == FORMAT_VERSION) return 0;
    return idx_fail(idx, ZOEK_EVERSION,
                    "index format %u, this zoek reads format %u: rebuild "
                    "required (zoek-index --rebuild)",
                    idx->cfg.format, FORMAT_VERSION);
}

/* Reads and checks format and analyzer identity. */
static int check_meta(zoek_index *idx, uint64_t fp, int allow_rebuild) {
    store_txn *t;
    int rc = store_begin(idx->st, 0, 0, &t);
    if (rc) return idx_fail(idx, rc, "cannot read index: %s",
                            zoek_strerror(rc));
    const void *v;
    size_t vl;
    rc = store_get(t, DB_META, "format", 6, &v, &vl);
    if (rc == ZOEK_ENOTFOUND || (rc == 0 && vl != 4)) {
        store_abort(t);
        return idx_fail(idx, ZOEK_ENOTINDEX, "not a zoek index (no format)");
    }
    if (rc) {
        store_abort(t);
        return idx_fail(idx, rc, "cannot read index: %s", zoek_strerror(rc));
    }
    uint32_t fmt = zk_get_le32(v);
    int upgradable = fmt >= FORMAT_REBUILDABLE && fmt < FORMAT_VERSION;
    if (fmt != FORMAT_VERSION && !(upgradable && allow_rebuild)) {
        store_abort(t);
        return idx_fail(idx, ZOEK_EVERSION,
                        "index format %u, this zoek reads format %u: rebuild "
                        "required (%s)",
                        fmt, FORMAT_VERSION,
                        upgradable ? "zoek-index --rebuild"
                                   : "re-index the articles");
    }
    idx->cfg.format = fmt;
    rc = store_get(t, DB_META, "config", 6, &v, &vl);
    if (rc || vl != 12) {
        store_abort(t);
        return idx_fail(idx, ZOEK_ECORRUPT, "index is corrupt (config)");
    }
    idx->cfg.analyzer_version = zk_get_le32(v);
    idx->cfg.fingerprint = zk_get_le64((const uint8_t *)v + 4);
    idx_state st;
    rc = state_read(t, &st);
    store_abort(t);
    if (rc) return idx_fail(idx, rc, "index state is unreadable: %s",
                            zoek_strerror(rc));
    state_free(&st);
    if (!allow_rebuild && (idx->cfg.analyzer_version != ANALYZER_VERSION ||
                           idx->cfg.fingerprint != fp))
        return idx_fail(idx, ZOEK_EVERSION,
                        "index was built with another %s: rebuild required "
                        "(zoek-index --rebuild)",
                        idx->cfg.analyzer_version != ANALYZER_VERSION
                            ? "analyzer version"
                            : "stemmer (libstemmer)");
    return 0;
}

int zoek_index_open(const char *path, unsigned flags, zoek_index **out,
                    char *errbuf, size_t errlen) {
    if (out) *out = NULL;
    if (errbuf && errlen) errbuf[0] = 0;
    if (!path || !out) {
        zk_msg(errbuf, errlen, "invalid argument");
        return ZOEK_EINVAL;
    }
    zoek_index *idx = zk_calloc(1, sizeof *idx);
    if (!idx) {
        zk_msg(errbuf, errlen, "out of memory");
        return ZOEK_ENOMEM;
    }
    idx->flags = flags;
    idx->map_limit = IDX_MAP_LIMIT;
    if (pthread_mutex_init(&idx->pool.mu, NULL) != 0) {
        zk_free(idx);
        return ZOEK_ENOMEM;
    }
    unsigned sf = 0;
    if (flags & ZOEK_OPEN_WRITE) sf |= STORE_WRITE;
    if (flags & ZOEK_OPEN_CREATE) sf |= STORE_CREATE;
    if (flags & ZOEK_OPEN_WAIT) sf |= STORE_WAIT;
    uint64_t fp = 0;
    int rc = stemmer_fingerprint(&fp);
    if (rc) {
        zk_msg(errbuf, errlen, "out of memory");
        goto fail;
    }
    rc = store_open(path, sf, &idx->st, idx->err, sizeof idx->err);
    if (rc) goto fail;
    if (store_is_new(idx->st)) {
        idx->cfg.analyzer_version = ANALYZER_VERSION;
        idx->cfg.fingerprint = fp;
        idx->cfg.format = FORMAT_VERSION;
        rc = init_meta(idx);
        if (rc) {
            idx_fail(idx, rc, "%s: cannot initialise index: %s", path,
                     zoek_strerror(rc));
            goto fail;
        }
    } else {
        rc = check_meta(idx, fp, (flags & ZOEK_OPEN_REBUILD) != 0);
        if (rc) {
            char tmp[sizeof idx->err];
            snprintf(tmp, sizeof tmp, "%.200s: %.800s", path, idx->err);
            memcpy(idx->err, tmp, sizeof tmp);
            goto fail;
        }
    }
    if (flags & ZOEK_OPEN_WRITE) {
        rc = writer_open(idx);
        if (rc) goto fail;
    }
    *out = idx;
    return 0;
fail:
    zk_msg(errbuf, errlen, "%s", idx->err[0] ? idx->err : zoek_strerror(rc));
    zoek_index_close(idx);
    return rc;
}

void zoek_index_close(zoek_index *idx) {
    if (!idx) return;
    if (idx->w) writer_close(idx);
    for (size_t i = 0; i < idx->pool.nfree; i++)
        analyzer_free(idx->pool.free[i]);
    zk_free(idx->pool.free);
    pthread_mutex_destroy(&idx->pool.mu);
    store_close(idx->st);
    zk_free(idx);
}

int zoek_index_set_map_limit(zoek_index *idx, size_t bytes) {
    if (!idx) return ZOEK_EINVAL;
    idx->map_limit = bytes;
    return 0;
}

int zoek_index_stats(zoek_index *idx, zoek_stats *out) {
    if (!idx || !out) return ZOEK_EINVAL;
    memset(out, 0, sizeof *out);
    store_txn *t;
    int rc = store_begin(idx->st, 0, 0, &t);
    if (rc) return idx_fail(idx, rc, "cannot read index: %s",
                            zoek_strerror(rc));
    idx_state st;
    rc = state_read(t, &st);
    xlat_info xi;
    int xrc = rc ? 0 : xlat_info_read(t, &xi);
    store_abort(t);
    if (rc) return idx_fail(idx, rc, "index state is unreadable: %s",
                            zoek_strerror(rc));
    if (xrc && xrc != ZOEK_ENOTFOUND) {
        state_free(&st);
        return idx_fail(idx, xrc, "dictionary record is unreadable: %s",
                        zoek_strerror(xrc));
    }
    if (!xrc) {
        for (unsigned b = xi.dicts; b; b &= b - 1) out->dictionaries++;
        out->dictionary_keys = xi.keys;
    }
    out->articles = st.narticles;
    out->passages = st.npassages;
    out->tokens = st.total_len;
    out->segments = st.nseg;
    for (int l = 0; l < 3; l++) out->articles_lang[l] = st.lang_articles[l];
    out->file_bytes = store_file_size(idx->st);
    out->format_version = FORMAT_VERSION;
    state_free(&st);
    return 0;
}

int zoek_index_compact(zoek_index *idx, uint64_t *before, uint64_t *after) {
    if (before) *before = 0;
    if (after) *after = 0;
    if (!idx) return ZOEK_EINVAL;
    if (!idx->w)
        return idx_fail(idx, ZOEK_EINVAL, "index not opened for writing");
    if (writer_staged(idx->w))
        return idx_fail(idx, ZOEK_EINVAL,
                        "changes are staged: commit them before compacting");
    uint64_t b, a;
    int rc = store_compact(idx->st, &b, &a, idx->err, sizeof idx->err);
    if (rc) return rc;
    if (before) *before = b;
    if (after) *after = a;
    return 0;
}
