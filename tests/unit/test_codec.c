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
    codec_out_free(&o);
    return check_summary("test_codec");
}
