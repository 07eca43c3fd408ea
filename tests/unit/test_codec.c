/* test_codec.c - postings codec: round trips of random and edge-case
 * postings, chunking, and rejection of corrupt bytes. */
#include <stdlib.h>

#include "check.h"
#include "codec.h"

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

typedef struct plist {
    uint32_t *ids, *tfs, *dls, *pos, *langs;
    size_t n, npos;
} plist;

static void make(plist *p, size_t n, uint32_t maxgap, uint32_t maxtf,
                 uint32_t first) {
    p->n = n;
    p->ids = malloc(n * 4);
    p->tfs = malloc(n * 4);
    p->dls = malloc(n * 4);
    p->langs = NULL;
    if (maxtf % 2 == 0) { /* some lists carry languages, mostly runs */
        p->langs = malloc(n * 4);
        uint32_t l = 0;
        for (size_t i = 0; i < n; i++) {
            if (rnd() % 50 == 0) l = rnd() % 3;
            p->langs[i] = l;
        }
    }
    p->npos = 0;
    uint32_t id = first;
    for (size_t i = 0; i < n; i++) {
        if (i) id += 1 + rnd() % maxgap;
        p->ids[i] = id;
        p->tfs[i] = 1 + rnd() % maxtf;
        p->dls[i] = p->tfs[i] + rnd() % 300;
        p->npos += p->tfs[i];
    }
    p->pos = malloc((p->npos ? p->npos : 1) * 4);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = rnd() % 5;
        for (uint32_t j = 0; j < p->tfs[i]; j++) {
            p->pos[w++] = v;
            v += 1 + rnd() % 40;
        }
    }
}

static void drop(plist *p) {
    free(p->langs);
    free(p->ids);
    free(p->tfs);
    free(p->dls);
    free(p->pos);
}

/* Block b's pairs against the front of its n postings found by brute
 * force: the (tf, length) of postings no other one beats (tf at least
 * as large, length at most as small, one of them strictly), sorted by
 * tf, those from CODEC_PAIRS on merged into the last. */
static int front_ok(const codec_chunk *c, uint32_t b, const uint32_t *tfs,
                    const uint32_t *dls, size_t n) {
    uint32_t ft[CODEC_BLOCK], fd[CODEC_BLOCK];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t t = tfs[i] > CODEC_MAX_TF ? CODEC_MAX_TF : tfs[i];
        int beaten = 0;
        for (size_t j = 0; j < n && !beaten; j++) {
            uint32_t u = tfs[j] > CODEC_MAX_TF ? CODEC_MAX_TF : tfs[j];
            beaten = u >= t && dls[j] <= dls[i] && (u > t || dls[j] < dls[i]);
        }
        int dup = 0;
        for (size_t k = 0; k < m && !dup; k++)
            dup = ft[k] == t && fd[k] == dls[i];
        if (beaten || dup) continue;
        size_t k = m++; /* insert sorted by tf */
        while (k > 0 && ft[k - 1] > t) {
            ft[k] = ft[k - 1];
            fd[k] = fd[k - 1];
            k--;
        }
        ft[k] = t;
        fd[k] = dls[i];
    }
    if (m > CODEC_PAIRS) {
        ft[CODEC_PAIRS - 1] = ft[m - 1];
        m = CODEC_PAIRS;
    }
    if (c->npair[b] != m) return 0;
    for (size_t k = 0; k < m; k++)
        if (c->ptf[b][k] != ft[k] || c->pdl[b][k] != fd[k]) return 0;
    return c->max_tf[b] == ft[m - 1] && c->min_dl[b] == fd[0];
}

/* Decodes every chunk of o and compares with p. */
static int roundtrip(const plist *p, codec_out *o) {
    codec_postings in = {p->ids, p->tfs, p->dls, p->pos, p->n};
    if (codec_encode(&in, o)) return 0;
    codec_header h;
    static uint8_t v0[1 << 16];
    size_t l0 = codec_value_len(o, 0);
    if (l0 > sizeof v0) return 0;
    codec_value_copy(o, 0, v0);
    if (codec_parse_header(v0, l0, &h)) return 0;
    if (h.df != p->n || h.nchunks != o->nchunks || h.npos != p->npos)
        return 0;
    codec_dirent *dir = malloc(h.nchunks * sizeof *dir);
    if (codec_read_dir(&h, dir)) {
        free(dir);
        return 0;
    }
    static codec_chunk c;
    uint32_t ids[CODEC_BLOCK], tfs[CODEC_BLOCK];
    static uint32_t pos[1 << 16];
    size_t k = 0, kp = 0;
    int ok = 1;
    for (uint32_t ch = 0; ch < h.nchunks && ok; ch++) {
        const uint8_t *body = ch == 0 ? h.body : o->doc.p + o->doc_off[ch];
        size_t blen = ch == 0 ? h.body_len
                              : o->doc_off[ch + 1] - o->doc_off[ch];
        if (ch > 0 && blen > CODEC_CHUNK_BYTES + 600) ok = 0;
        if (codec_parse_chunk(body, blen, ch == 0 && h.inline_pos, &c)) {
            ok = 0;
            break;
        }
        if (h.inline_pos != o->inline_pos) ok = 0;
        const uint8_t *pv = c.ipos ? c.ipos : o->pos.p + o->pos_off[ch];
        size_t pl = c.ipos ? c.ipos_len : o->pos_off[ch + 1] - o->pos_off[ch];
        for (uint32_t b = 0; b < c.nblocks && ok; b++) {
            int n = codec_decode_block(&c, b, ids, tfs);
            if (n <= 0) {
                ok = 0;
                break;
            }
            /* the ids alone, and each tf read where it is packed */
            {
                uint32_t ids2[CODEC_BLOCK], tfs2[CODEC_BLOCK];
                codec_tfs tp;
                if (codec_decode_ids(&c, b, ids2, &tp) != n ||
                    memcmp(ids2, ids, (size_t)n * 4) || tp.n != (uint32_t)n)
                    ok = 0;
                for (int i = 0; ok && i < n; i++)
                    if (codec_tf_at(&tp, (uint32_t)i) != tfs[i]) ok = 0;
                if (ok) codec_decode_tfs(&tp, tfs2);
                if (ok && memcmp(tfs2, tfs, (size_t)n * 4)) ok = 0;
            }
            size_t np;
            if (codec_decode_positions(&c, b, pv, pl, tfs, (uint32_t)n, pos,
                                       sizeof pos / 4, &np)) {
                ok = 0;
                break;
            }
            size_t q = 0;
            uint32_t mindl = UINT32_MAX;
            for (int i = 0; i < n && k + (size_t)i < p->n; i++)
                if (p->dls[k + (size_t)i] < mindl)
                    mindl = p->dls[k + (size_t)i];
            if (c.min_dl[b] != mindl) ok = 0;
            if (!front_ok(&c, b, p->tfs + k, p->dls + k, (size_t)n)) ok = 0;
            for (int i = 0; i < n; i++, k++) {
                if (k >= p->n || ids[i] != p->ids[k] || tfs[i] != p->tfs[k])
                    ok = 0;
                for (uint32_t j = 0; ok && j < tfs[i]; j++, kp++, q++)
                    if (pos[q] != p->pos[kp]) ok = 0;
                if (!ok) break;
            }
        }
        if (h.nchunks > 1 && ok && dir[ch].last_id != p->ids[k - 1]) ok = 0;
    }
    free(dir);
    return ok && k == p->n && kp == p->npos;
}

/* A pack of terms t[0..n) (sorted) with postings p[0..n): the records
 * as the writer puts them. */
static int pack_build(zk_buf *b, char **t, plist *p, size_t n) {
    b->len = 0;
    for (size_t i = 0; i < n; i++) {
        codec_postings in = {p[i].ids, p[i].tfs, p[i].dls, p[i].pos, p[i].n};
        if (i && codec_pack_term(b, (const uint8_t *)t[i - 1],
                                 strlen(t[i - 1]), (const uint8_t *)t[i],
                                 strlen(t[i])))
            return 0;
        if (codec_pack_postings(b, &in) != 0) return 0;
    }
    return 1;
}

/* Decodes the pack and compares every record with the input, and its
 * expansion with what codec_encode() gives the postings with every
 * passage length their smallest (a record keeps only that). */
static int pack_check(const zk_buf *b, char **t, plist *p, size_t n,
                      codec_out *o) {
    static codec_packrec r;
    static codec_out o2;
    zk_buf val = {0};
    uint8_t term[512];
    size_t tl = strlen(t[0]);
    memcpy(term, t[0], tl);
    const uint8_t *q = b->p, *end = b->p + b->len;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        if (codec_pack_next(&q, end, i == 0, term, &tl, &r)) ok = 0;
        else if (tl != strlen(t[i]) || memcmp(term, t[i], tl)) ok = 0;
        else if (r.df != p[i].n || r.npos != p[i].npos) ok = 0;
        for (size_t k = 0; ok && k < r.df; k++)
            if (r.ids[k] != p[i].ids[k] || r.tfs[k] != p[i].tfs[k]) ok = 0;
        for (size_t k = 0; ok && k < r.npos; k++)
            if (r.pos[k] != p[i].pos[k]) ok = 0;
        if (!ok) break;
        uint32_t mdl[CODEC_PACK_DF], m = UINT32_MAX;
        for (size_t k = 0; k < r.df; k++)
            if (p[i].dls[k] < m) m = p[i].dls[k];
        for (size_t k = 0; k < r.df; k++) mdl[k] = m;
        codec_postings in = {p[i].ids, p[i].tfs, mdl, p[i].pos, p[i].n};
        if (codec_encode(&in, o) || codec_pack_expand(&r, &o2, &val) ||
            val.len != codec_value_len(o, 0)) {
            ok = 0;
            break;
        }
        uint8_t *want = malloc(val.len);
        codec_value_copy(o, 0, want);
        if (memcmp(want, val.p, val.len)) ok = 0;
        free(want);
    }
    zk_buf_free(&val);
    return ok && q == end;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_packs(codec_out *o) {
    enum { N = 40 };
    char *t[N];
    plist p[N];
    zk_buf b = {0};
    /* df = 1, long shared prefixes, terms of 400+ bytes, the largest df */
    for (size_t i = 0; i < N; i++) {
        size_t len = i < 10 ? 3 + i : i < 20 ? 400 + i : 20 + i;
        t[i] = malloc(len + 1);
        memset(t[i], 'a' + (int)(i / 10), len);
        t[i][len - 1] = (char)('a' + i % 10); /* shares len - 1 bytes */
        t[i][len] = 0;
        size_t df = i % 4 == 0 ? 1 : i % 4 == 1 ? CODEC_PACK_DF : 1 + i % 7;
        make(&p[i], df, i % 3 ? 1000 : 2, 1 + i % 3, (uint32_t)i * 77);
    }
    qsort(t, N, sizeof *t, cmp_str);
    for (size_t i = 1; i < N; i++) CHECK(strcmp(t[i - 1], t[i]) < 0);
    CHECK(pack_build(&b, t, p, N));
    CHECK(pack_check(&b, t, p, N, o));
    /* one term alone; a term at id 2^32-1 */
    plist one;
    make(&one, 1, 1, 1, 4294967295u);
    char *t1[1] = {"x"};
    CHECK(pack_build(&b, t1, &one, 1));
    CHECK(pack_check(&b, t1, &one, 1, o));
    drop(&one);
    /* thresholds: CODEC_PACK_DF postings are small, one more is not */
    plist big;
    make(&big, CODEC_PACK_DF + 1, 5, 1, 0);
    codec_postings in = {big.ids, big.tfs, big.dls, big.pos, big.n};
    b.len = 0;
    CHECK(codec_pack_postings(&b, &in) == 1 && b.len == 0);
    in.n = CODEC_PACK_DF;
    CHECK(codec_pack_postings(&b, &in) == 0 && b.len > 0);
    drop(&big);
    /* a record of exactly CODEC_PACK_REC bytes is small, one more byte
     * makes it large */
    {
        static uint32_t pos[2 * CODEC_PACK_REC];
        uint32_t id = 5, tf = 1, dl = 10;
        codec_postings q = {&id, &tf, &dl, pos, 1};
        for (uint32_t k = 0; k < 2 * CODEC_PACK_REC; k++) pos[k] = k;
        size_t last = 0;
        int seen_large = 0;
        for (tf = 1; tf < 2 * CODEC_PACK_REC && !seen_large; tf++) {
            b.len = 0;
            int r = codec_pack_postings(&b, &q);
            if (r == 1) seen_large = 1;
            else last = b.len;
        }
        CHECK(seen_large && last == CODEC_PACK_REC);
        tf -= 2;
        b.len = 0;
        CHECK(codec_pack_postings(&b, &q) == 0 && b.len == CODEC_PACK_REC);
        /* tf beyond CODEC_MAX_TF: large */
        tf = CODEC_MAX_TF + 1;
        b.len = 0;
        CHECK(codec_pack_postings(&b, &q) == 1);
    }
    /* records out of order or with a shared prefix that is not the
     * common one are corrupt */
    {
        static codec_packrec r;
        uint8_t term[512] = "b";
        size_t tl = 1;
        uint32_t id = 3, tf = 1, dl = 4, pos = 0;
        codec_postings q = {&id, &tf, &dl, &pos, 1};
        b.len = 0;
        CHECK_OK(codec_pack_term(&b, term, 1, (const uint8_t *)"a", 1));
        CHECK_OK(codec_pack_postings(&b, &q));
        const uint8_t *c = b.p;
        CHECK_RC(codec_pack_next(&c, b.p + b.len, 0, term, &tl, &r),
                 ZOEK_ECORRUPT);
        uint8_t raw[] = {0, 2, 'b', 'c', 0, 4, 6, 0}; /* shared 0, "bc" */
        c = raw;
        tl = 1;
        CHECK_RC(codec_pack_next(&c, raw + sizeof raw, 0, term, &tl, &r),
                 ZOEK_ECORRUPT);
        uint8_t ok[] = {1, 1, 'c', 0, 4, 6, 0};
        c = ok;
        tl = 1;
        CHECK_OK(codec_pack_next(&c, ok + sizeof ok, 0, term, &tl, &r));
        CHECK(tl == 2 && !memcmp(term, "bc", 2) && r.ids[0] == 3);
    }
    /* every truncation and bit flip decodes or fails cleanly */
    CHECK(pack_build(&b, t, p, 12));
    {
        static codec_packrec r;
        uint8_t *copy = malloc(b.len);
        for (size_t cut = 0; cut <= b.len; cut++) {
            for (size_t i = 0; i < (cut < b.len ? 1 : cut * 8); i++) {
                memcpy(copy, b.p, cut);
                if (i) copy[(i - 1) / 8] ^= (uint8_t)(1 << (i - 1) % 8);
                uint8_t term[512];
                size_t tl = strlen(t[0]);
                memcpy(term, t[0], tl);
                const uint8_t *c = copy;
                for (int first = 1; c < copy + cut; first = 0)
                    if (codec_pack_next(&c, copy + cut, first, term, &tl, &r))
                        break;
            }
        }
        free(copy);
    }
    for (size_t i = 0; i < N; i++) {
        free(t[i]);
        drop(&p[i]);
    }
    zk_buf_free(&b);
}

int main(void) {
    codec_out o = {0};
    /* edge cases: one posting at id 0, id 2^32-1, dense, sparse */
    struct {
        size_t n;
        uint32_t gap, tf, first;
    } cases[] = {
        {1, 1, 1, 0},          {1, 1, 1, 4294967295u}, {127, 1, 1, 0},
        {128, 1, 1, 5},        {129, 1, 3, 0},         {1000, 1, 1, 0},
        {1000, 100000, 2, 7},  {5000, 3, 8, 1},        {300, 1, 300, 0},
        {20000, 40, 4, 12345}, {3, 2000000000u, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plist p;
        make(&p, cases[i].n, cases[i].gap, cases[i].tf, cases[i].first);
        CHECK(roundtrip(&p, &o));
        if (cases[i].n >= 5000) CHECK(o.nchunks > 1);
        drop(&p);
    }
    /* random lists */
    for (int t = 0; t < 300; t++) {
        plist p;
        size_t n = 1 + rnd() % 3000;
        make(&p, n, 1 + rnd() % (1u << (rnd() % 20)), 1 + rnd() % 6,
             rnd() % 1000);
        CHECK(roundtrip(&p, &o));
        drop(&p);
    }
    /* every width of gaps (1..32 bits) and tfs (1..16 bits), in lists
     * whose blocks end before, at and after a group of eight values */
    {
        static const size_t ns[] = {1, 7, 8, 9, 17, 127, 128, 129, 300};
        for (unsigned w = 1; w <= 32; w++)
            for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
                size_t n = ns[j];
                unsigned tw = 1 + (w - 1) % 16;
                unsigned gs = w - 1 < 8 ? w - 1 : 8, ts = tw - 1 < 3 ? tw - 1 : 3;
                plist p = {0};
                p.n = n;
                p.ids = malloc(n * 4);
                p.tfs = malloc(n * 4);
                p.dls = malloc(n * 4);
                uint32_t id = rnd() % 3;
                for (size_t i = 0; i < n; i++) {
                    /* gap - 1 and tf - 1 below 2^(w-1) and 2^(tw-1), one
                     * of each with the top bit set */
                    if (i) id += 1 + (i == n / 2 ? 1u << (w - 1)
                                                 : rnd() % (1u << gs));
                    p.ids[i] = id;
                    p.tfs[i] = 1 + (i == n - 1 ? 1u << (tw - 1)
                                                : rnd() % (1u << ts));
                    p.dls[i] = p.tfs[i] + rnd() % 50;
                    p.npos += p.tfs[i];
                }
                p.pos = malloc(p.npos * 4);
                size_t k = 0;
                for (size_t i = 0; i < n; i++)
                    for (uint32_t t = 0, v = rnd() % 5; t < p.tfs[i];
                         t++, v += 1 + rnd() % 40)
                        p.pos[k++] = v;
                CHECK(roundtrip(&p, &o));
                drop(&p);
            }
    }
    /* small terms keep their positions in the postings value */
    {
        plist p;
        make(&p, 5, 10, 2, 3);
        CHECK(roundtrip(&p, &o));
        CHECK(o.inline_pos == 1);
        drop(&p);
        make(&p, 3000, 10, 2, 3);
        CHECK(roundtrip(&p, &o));
        CHECK(o.inline_pos == 0);
        drop(&p);
    }
    /* invalid input is rejected */
    {
        uint32_t ids[2] = {5, 5}, tfs[2] = {1, 1}, dls[2] = {1, 1},
                 pos[2] = {0, 0};
        codec_postings in = {ids, tfs, dls, pos, 2};
        CHECK_RC(codec_encode(&in, &o), ZOEK_EINVAL);
        tfs[1] = 0;
        ids[1] = 6;
        CHECK_RC(codec_encode(&in, &o), ZOEK_EINVAL);
    }
    /* varints */
    {
        zk_buf b = {0};
        uint64_t vals[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX,
                           UINT64_MAX};
        for (size_t i = 0; i < 8; i++) CHECK_OK(codec_put_varint(&b, vals[i]));
        const uint8_t *p = b.p, *end = b.p + b.len;
        for (size_t i = 0; i < 8; i++) {
            uint64_t v = 0;
            CHECK_OK(codec_get_varint(&p, end, &v));
            CHECK(v == vals[i]);
        }
        uint64_t v;
        CHECK_RC(codec_get_varint(&p, end, &v), ZOEK_ECORRUPT);
        uint8_t bad[11];
        memset(bad, 0xFF, sizeof bad);
        p = bad;
        CHECK_RC(codec_get_varint(&p, bad + 11, &v), ZOEK_ECORRUPT);
        zk_buf_free(&b);
    }
    /* every truncation and single-byte flip of an encoded chunk either
     * decodes or fails cleanly (run under ASan this finds overreads) */
    {
        plist p;
        make(&p, 700, 9, 3, 100);
        codec_postings in = {p.ids, p.tfs, p.dls, p.pos, p.n};
        CHECK_OK(codec_encode(&in, &o));
        size_t len = codec_value_len(&o, 0);
        uint8_t *full = malloc(len);
        codec_value_copy(&o, 0, full);
        uint8_t *copy = malloc(len);
        static codec_chunk c;
        uint32_t ids[CODEC_BLOCK], tfs[CODEC_BLOCK];
        int corrupt_seen = 0;
        for (size_t cut = 0; cut <= len; cut++) {
            uint8_t *t = malloc(cut ? cut : 1);
            memcpy(t, full, cut);
            codec_header h;
            if (codec_parse_header(t, cut, &h) == 0 &&
                codec_parse_chunk(h.body, h.body_len, h.inline_pos, &c) == 0) {
                for (uint32_t b = 0; b < c.nblocks; b++)
                    (void)codec_decode_block(&c, b, ids, tfs);
            } else {
                corrupt_seen++;
            }
            free(t);
        }
        CHECK(corrupt_seen == (int)len); /* only the full value parses */
        for (size_t i = 0; i < len; i++) {
            for (int bit = 0; bit < 8; bit++) {
                memcpy(copy, full, len);
                copy[i] ^= (uint8_t)(1 << bit);
                codec_header h;
                if (codec_parse_header(copy, len, &h) == 0 &&
                    codec_parse_chunk(h.body, h.body_len, h.inline_pos, &c) ==
                        0)
                    for (uint32_t b = 0; b < c.nblocks; b++)
                        (void)codec_decode_block(&c, b, ids, tfs);
            }
        }
        free(copy);
        free(full);
        drop(&p);
    }
    test_packs(&o);
    codec_out_free(&o);
    return check_summary("test_codec");
}
