/* post.c - a segment's terms in the post table: lookups that look into
 * packs, iteration in term order, and the writer that packs small terms
 * (layout in post.h and codec.c). */
#include "post.h"

void post_buf_free(post_buf *b) {
    codec_out_free(&b->co);
    zk_buf_free(&b->val);
    zk_free(b->rec);
    memset(b, 0, sizeof *b);
}

static int buf_rec(post_buf *b) {
    if (!b->rec && !(b->rec = zk_malloc(sizeof *b->rec))) return ZOEK_ENOMEM;
    return 0;
}

/* Whether key k (kl bytes) is a pack key of segment seg; *term, *tlen get
 * its first term. */
static int pack_key(const uint8_t *k, size_t kl, uint32_t seg,
                    const uint8_t **term, size_t *tlen) {
    uint32_t s, chunk;
    return kl >= 4 && zk_get_be32(k) == seg &&
           !key_post_parse(k, kl, &s, term, tlen, &chunk) && chunk == KEY_PACK;
}

/* Scans the pack (value v, first term ft) for term; expands it into b. */
static int pack_find(const uint8_t *v, size_t vl, const uint8_t *ft, size_t ftl,
                     const uint8_t *term, size_t len, post_buf *b) {
    int rc = buf_rec(b);
    if (rc) return rc;
    uint8_t cur[512];
    size_t cl = ftl;
    if (ftl > 500) return ZOEK_ECORRUPT;
    memcpy(cur, ft, ftl);
    const uint8_t *p = v, *end = v + vl;
    for (int first = 1; p < end; first = 0) {
        if ((rc = codec_pack_next(&p, end, first, cur, &cl, b->rec))) return rc;
        int c = post_term_cmp(cur, cl, term, len);
        if (c == 0) return codec_pack_expand(b->rec, &b->co, &b->val);
        if (c > 0) break;
    }
    return ZOEK_ENOTFOUND;
}

int post_get(store_txn *t, uint32_t seg, const uint8_t *term, size_t len,
             post_buf *b, const uint8_t **v, size_t *vl, int *packed) {
    if (packed) *packed = 0;
    if (len == 0 || len > 500) return ZOEK_ENOTFOUND;
    uint8_t key[KEY_POST_MAX];
    size_t kl = key_post(key, seg, (const char *)term, len, 0);
    store_cursor *c;
    int rc = store_cursor_open(t, DB_POST, &c);
    if (rc) return rc;
    const void *ko, *vo;
    size_t kol, vol;
    const uint8_t *ft;
    size_t ftl;
    rc = store_cursor_seek(c, key, kl, &ko, &kol, &vo, &vol);
    if (rc == 0 && kol == kl && !memcmp(ko, key, kl)) {
        *v = vo; /* a large term */
        *vl = vol;
        goto out;
    }
    if (rc == 0 && pack_key(ko, kol, seg, &ft, &ftl) && ftl == len &&
        !memcmp(ft, term, len)) {
        rc = pack_find(vo, vol, ft, ftl, term, len, b);
    } else if (rc == 0 || rc == ZOEK_ENOTFOUND) {
        /* the term may be in the pack before */
        rc = rc == 0 ? store_cursor_prev(c, &ko, &kol, &vo, &vol)
                     : store_cursor_last(c, &ko, &kol, &vo, &vol);
        if (rc == 0 && pack_key(ko, kol, seg, &ft, &ftl))
            rc = post_term_cmp(ft, ftl, term, len) < 0
                     ? pack_find(vo, vol, ft, ftl, term, len, b)
                     : ZOEK_ECORRUPT;
        else if (rc == 0)
            rc = ZOEK_ENOTFOUND;
    }
    if (rc == 0) {
        *v = b->val.p;
        *vl = b->val.len;
        if (packed) *packed = 1;
    }
out:
    store_cursor_close(c);
    return rc;
}

/* ----------------------------------------------------------- iteration */

/* Reads the next record of the current pack into the iterator. */
static int iter_record(post_iter *it, int first) {
    int rc = buf_rec(&it->buf);
    if (!rc)
        rc = codec_pack_next(&it->pk, it->pend, first, it->term, &it->tlen,
                             it->buf.rec);
    if (!rc && it->values)
        rc = codec_pack_expand(it->buf.rec, &it->buf.co, &it->buf.val);
    if (rc) return rc;
    it->packed = 1;
    it->v = it->values ? it->buf.val.p : NULL;
    it->vl = it->values ? it->buf.val.len : 0;
    return 0;
}

/* Takes the term that starts at the cursor's entry (rc: the cursor
 * call's). */
static int iter_load(post_iter *it, int rc, const void *k, size_t kl,
                     const void *v, size_t vl) {
    if (rc == ZOEK_ENOTFOUND ||
        (rc == 0 && (kl < 4 || zk_get_be32(k) != it->seg))) {
        it->done = 1;
        return 0;
    }
    if (rc) return rc;
    uint32_t s, chunk;
    const uint8_t *term;
    size_t tlen;
    if (key_post_parse(k, kl, &s, &term, &tlen, &chunk) || tlen > 500)
        return ZOEK_ECORRUPT;
    if (chunk != 0 && chunk != KEY_PACK) return ZOEK_ECORRUPT;
    memcpy(it->term, term, tlen);
    it->tlen = tlen;
    if (chunk == 0) {
        it->packed = 0;
        it->pk = it->pend = NULL;
        it->v = v;
        it->vl = vl;
        return 0;
    }
    it->pack = it->pk = v;
    it->packlen = vl;
    it->pend = it->pk + vl;
    return iter_record(it, 1);
}

int post_iter_open(post_iter *it, store_txn *t, uint32_t seg,
                   const uint8_t *from, size_t fromlen, int values) {
    memset(it, 0, offsetof(post_iter, buf));
    memset(&it->buf, 0, sizeof it->buf);
    it->seg = seg;
    it->values = values;
    if (from && fromlen > 500) fromlen = 500; /* no key holds more */
    int rc = store_cursor_open(t, DB_POST, &it->cur);
    if (rc) return rc;
    uint8_t key[KEY_POST_MAX];
    size_t kl = 4;
    zk_put_be32(key, seg);
    if (from) kl = key_post(key, seg, (const char *)from, fromlen, 0) - 1;
    const void *k, *v;
    size_t klo, vl;
    rc = store_cursor_seek(it->cur, key, kl, &k, &klo, &v, &vl);
    if (from && (rc == 0 || rc == ZOEK_ENOTFOUND)) {
        /* a pack before the seek's key may hold terms >= from */
        int r2 = rc == 0 ? store_cursor_prev(it->cur, &k, &klo, &v, &vl)
                         : store_cursor_last(it->cur, &k, &klo, &v, &vl);
        const uint8_t *ft;
        size_t ftl;
        if (r2 == 0 && pack_key(k, klo, seg, &ft, &ftl)) {
            if ((rc = iter_load(it, 0, k, klo, v, vl))) goto fail;
            while (!it->done && post_term_cmp(it->term, it->tlen, from, fromlen) < 0)
                if ((rc = post_iter_next(it))) goto fail;
            return 0;
        }
        if (r2 != 0 && r2 != ZOEK_ENOTFOUND) {
            rc = r2;
            goto fail;
        }
        rc = store_cursor_seek(it->cur, key, kl, &k, &klo, &v, &vl);
    }
    if ((rc = iter_load(it, rc, k, klo, v, vl))) goto fail;
    return 0;
fail:
    post_iter_close(it);
    return rc;
}

int post_iter_next(post_iter *it) {
    if (it->done) return 0;
    if (it->packed && it->pk < it->pend) return iter_record(it, 0);
    const void *k, *v;
    size_t kl, vl;
    int rc;
    for (;;) {
        rc = store_cursor_next(it->cur, &k, &kl, &v, &vl);
        if (rc || it->packed || kl < 4 || zk_get_be32(k) != it->seg) break;
        /* skip the later chunks of a large term */
        uint32_t s, chunk;
        const uint8_t *term;
        size_t tlen;
        if (key_post_parse(k, kl, &s, &term, &tlen, &chunk))
            return ZOEK_ECORRUPT;
        if (chunk == 0 || chunk == KEY_PACK) break;
        if (tlen != it->tlen || memcmp(term, it->term, tlen))
            return ZOEK_ECORRUPT;
    }
    return iter_load(it, rc, k, kl, v, vl);
}

void post_iter_close(post_iter *it) {
    store_cursor_close(it->cur);
    it->cur = NULL;
    post_buf_free(&it->buf);
    it->done = 1;
}

/* ------------------------------------------------------------- writing */

/* Writes a large term's chunks. */
static int put_chunks(store_txn *t, uint32_t seg, const uint8_t *term,
                      size_t len, const codec_out *co, uint64_t *bytes) {
    uint8_t key[KEY_POST_MAX];
    for (size_t c = 0; c < co->nchunks; c++) {
        size_t kl = key_post(key, seg, (const char *)term, len, (uint32_t)c);
        size_t dl = codec_value_len(co, c);
        size_t pl = co->pos_off[c + 1] - co->pos_off[c];
        void *dst;
        int rc = store_reserve(t, DB_POST, key, kl, dl, &dst, 1);
        if (!rc) codec_value_copy(co, c, dst);
        if (!rc && !co->inline_pos)
            rc = store_put(t, DB_POS, key, kl, co->pos.p + co->pos_off[c], pl,
                           1);
        if (rc) return rc;
        *bytes += dl + (co->inline_pos ? 0 : pl);
    }
    return 0;
}

int post_writer_flush(post_writer *w, store_txn *t, uint64_t *bytes) {
    if (!w->pack.len) return 0;
    uint8_t key[KEY_POST_MAX];
    size_t kl = key_post(key, w->seg, (const char *)w->first, w->firstlen, 0);
    key[kl - 1] = KEY_PACK_CODE;
    int rc = store_put(t, DB_POST, key, kl, w->pack.p, w->pack.len, 1);
    if (rc) return rc;
    *bytes += w->pack.len;
    w->pack.len = 0;
    return 0;
}

void post_writer_drop(post_writer *w) {
    w->pack.len = 0;
}

int post_pack_record(zk_buf *rec, size_t len, const codec_postings *in,
                     const codec_out *co) {
    rec->len = 0;
    return len <= 500 && co->nchunks == 1 && co->inline_pos
               ? codec_pack_postings(rec, in)
               : 1;
}

int post_writer_add_large(post_writer *w, store_txn *t, const uint8_t *term,
                          size_t len, const codec_out *co, uint64_t *bytes) {
    /* the open pack closes before it */
    int rc = post_writer_flush(w, t, bytes);
    if (rc) return rc;
    return put_chunks(t, w->seg, term, len, co, bytes);
}

/* Adds a small term whose postings record is in w->rec. */
static int add_small(post_writer *w, store_txn *t, const uint8_t *term,
                     size_t len, uint64_t *bytes) {
    int rc;
    if (w->pack.len) {
        /* the term part, if the record stays in this pack */
        size_t post_len = w->rec.len;
        if ((rc = codec_pack_term(&w->rec, w->last, w->lastlen, term, len)))
            return rc;
        size_t node = 4 + w->firstlen + 2 + w->pack.len + w->rec.len;
        if (node <= CODEC_PACK_NODE) {
            /* term part first, then the postings */
            if ((rc = zk_buf_reserve(&w->pack, w->rec.len))) return rc;
            zk_buf_put(&w->pack, w->rec.p + post_len, w->rec.len - post_len);
            zk_buf_put(&w->pack, w->rec.p, post_len);
            memcpy(w->last, term, len);
            w->lastlen = len;
            return 0;
        }
        if ((rc = post_writer_flush(w, t, bytes))) return rc;
        w->rec.len = post_len;
    }
    memcpy(w->first, term, len);
    w->firstlen = len;
    memcpy(w->last, term, len);
    w->lastlen = len;
    return zk_buf_put(&w->pack, w->rec.p, w->rec.len);
}

int post_writer_add_record(post_writer *w, store_txn *t, const uint8_t *term,
                           size_t len, const uint8_t *rec, size_t reclen,
                           uint64_t *bytes) {
    if (len == 0 || len > 500) return ZOEK_EINVAL;
    w->rec.len = 0;
    int rc = zk_buf_put(&w->rec, rec, reclen);
    if (rc) return rc;
    return add_small(w, t, term, len, bytes);
}

int post_writer_add(post_writer *w, store_txn *t, const uint8_t *term,
                    size_t len, const codec_postings *in, const codec_out *co,
                    uint64_t *bytes) {
    int rc = post_pack_record(&w->rec, len, in, co);
    if (rc < 0) return rc;
    if (rc == 1) return post_writer_add_large(w, t, term, len, co, bytes);
    return add_small(w, t, term, len, bytes);
}

void post_writer_free(post_writer *w) {
    zk_buf_free(&w->pack);
    zk_buf_free(&w->rec);
}
