/* fuzz_codec.c - fuzz target of the postings codec.  Input byte 0 picks
 * the mode:
 *   even: the rest is a stored postings value (chunk 0, a length byte
 *         splits off a positions value): the decoder must reject it or
 *         return postings inside its claims, never read outside;
 *         the same bytes as a pack of small terms must decode or be
 *         rejected, and what decodes must encode again and expand;
 *   odd:  the rest describes postings (gaps, tfs, passage lengths,
 *         positions): they must encode, decode back unchanged (the
 *         lengths as the skip data's min_dl), and verify; if small, also
 *         as a pack record that reads as their chunk 0 value.  */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(x)                                                                \
    do {                                                                       \
        if (!(x)) abort();                                                     \
    } while (0)

static uint32_t ids[CODEC_BLOCK], tfs[CODEC_BLOCK], dls[CODEC_BLOCK];

/* Decodes every block of a chunk body with a positions value (or, when
 * inline_pos, the positions that follow its blocks). */
static void decode_chunk(const uint8_t *body, size_t blen, int inline_pos,
                         const uint8_t *pos, size_t plen) {
    codec_chunk *c = malloc(sizeof *c);
    MUST(c != NULL);
    if (codec_parse_chunk(body, blen, inline_pos, c) == 0) {
        MUST(c->nblocks >= 1 && c->nblocks <= CODEC_MAX_BLOCKS);
        if (inline_pos) {
            MUST(c->ipos != NULL && c->ipos >= body &&
                 c->ipos + c->ipos_len == body + blen);
            pos = c->ipos;
            plen = c->ipos_len;
        } else {
            MUST(c->ipos == NULL);
        }
        uint32_t *p = NULL;
        size_t cap = 0;
        for (uint32_t b = 0; b < c->nblocks; b++) {
            int n = codec_decode_block(c, b, ids, tfs);
            if (n < 0) {
                MUST(n == ZOEK_ECORRUPT);
                continue;
            }
            MUST(n >= 1 && n <= CODEC_BLOCK);
            size_t sum = 0;
            for (int i = 0; i < n; i++) {
                MUST(i == 0 || ids[i] > ids[i - 1]);
                MUST(ids[i] <= c->last[b] && tfs[i] >= 1);
                dls[i] = c->min_dl[b]; /* lengths live outside postings */
                sum += tfs[i];
            }
            MUST(ids[n - 1] == c->last[b]);
            if (sum > (1u << 20)) continue; /* claims more than it holds */
            if (sum > cap) {
                free(p);
                cap = sum;
                p = malloc(cap * sizeof *p);
                MUST(p != NULL);
            }
            size_t got = 0;
            if (codec_decode_positions(c, b, pos, plen, tfs, (uint32_t)n, p,
                                       cap, &got) == 0) {
                MUST(got == sum);
                int rc = codec_verify_block(c, b, pos, plen, ids, tfs, dls,
                                            (uint32_t)n, p);
                MUST(rc == 0 || rc == ZOEK_ECORRUPT);
            }
        }
        free(p);
    }
    free(c);
}

static void decode_value(const uint8_t *d, size_t size) {
    if (size < 1) return;
    size_t plen = d[0] < size - 1 ? d[0] : size - 1;
    /* exact-size copies: overreads show */
    uint8_t *pos = malloc(plen ? plen : 1);
    uint8_t *val = malloc(size - 1 - plen ? size - 1 - plen : 1);
    MUST(pos && val);
    memcpy(pos, d + 1, plen);
    size_t vlen = size - 1 - plen;
    memcpy(val, d + 1 + plen, vlen);
    codec_header h;
    if (codec_parse_header(val, vlen, &h) == 0) {
        MUST(h.df >= 1 && h.nchunks >= 1 && h.nchunks <= h.df);
        MUST(h.body >= val && h.body + h.body_len == val + vlen);
        if (h.nchunks <= 4096) {
            codec_dirent *dir = malloc(h.nchunks * sizeof *dir);
            MUST(dir != NULL);
            if (codec_read_dir(&h, dir) == 0)
                for (uint32_t i = 1; i < h.nchunks; i++)
                    MUST(dir[i].last_id > dir[i - 1].last_id);
            free(dir);
        }
        decode_chunk(h.body, h.body_len, h.inline_pos, pos, plen);
    }
    /* the same bytes as a later chunk (body only), and with inline
     * positions */
    decode_chunk(val, vlen, 0, pos, plen);
    decode_chunk(val, vlen, 1, pos, plen);
    free(pos);
    free(val);
}

/* Decodes the bytes as a pack whose first term is "pack". */
static void decode_pack(const uint8_t *d, size_t size) {
    uint8_t *val = malloc(size ? size : 1);
    codec_packrec *r = malloc(sizeof *r);
    MUST(val && r);
    memcpy(val, d, size);
    uint8_t term[512] = "pack", prev[512];
    size_t tl = 4;
    const uint8_t *p = val, *end = val + size;
    codec_out co;
    memset(&co, 0, sizeof co);
    zk_buf b = {0}, x = {0};
    for (int first = 1; p < end; first = 0) {
        memcpy(prev, term, tl);
        size_t pl = tl;
        int rc = codec_pack_next(&p, end, first, term, &tl, r);
        if (rc) {
            MUST(rc == ZOEK_ECORRUPT);
            break;
        }
        MUST(p <= end && tl >= 1 && tl <= 500);
        MUST(first || memcmp(prev, term, pl < tl ? pl : tl) < 0 ||
             (memcmp(prev, term, pl < tl ? pl : tl) == 0 && pl < tl));
        MUST(r->df >= 1 && r->df <= CODEC_PACK_DF);
        MUST(r->npos <= CODEC_PACK_REC && r->post_len <= CODEC_PACK_REC);
        for (uint32_t i = 1; i < r->df; i++) MUST(r->ids[i] > r->ids[i - 1]);
        uint32_t dl[CODEC_PACK_DF];
        for (uint32_t i = 0; i < r->df; i++) dl[i] = r->min_dl;
        codec_postings in = {r->ids, r->tfs, dl, r->pos, r->df};
        b.len = 0;
        MUST(codec_pack_postings(&b, &in) == 0 && b.len <= r->post_len);
        MUST(codec_pack_expand(r, &co, &x) == 0);
        codec_header h;
        MUST(codec_parse_header(x.p, x.len, &h) == 0);
        MUST(h.df == r->df && h.max_tf == r->max_tf &&
             h.min_dl == r->min_dl && h.npos == r->npos);
    }
    codec_out_free(&co);
    zk_buf_free(&b);
    zk_buf_free(&x);
    free(r);
    free(val);
}

/* Postings that are small: their pack record decodes to them and
 * expands to the chunk 0 value v0 (l0 bytes). */
static void pack_round_trip(const codec_postings *in, const uint8_t *v0,
                            size_t l0) {
    zk_buf b = {0}, x = {0};
    int rc = codec_pack_postings(&b, in);
    MUST(rc == 0 || rc == 1);
    if (rc == 0) {
        codec_packrec *r = malloc(sizeof *r);
        MUST(r != NULL);
        uint8_t term[512] = "t";
        size_t tl = 1;
        const uint8_t *p = b.p;
        MUST(codec_pack_next(&p, b.p + b.len, 1, term, &tl, r) == 0);
        MUST(p == b.p + b.len && r->df == in->n);
        for (size_t i = 0; i < in->n; i++)
            MUST(r->ids[i] == in->ids[i] && r->tfs[i] == in->tfs[i]);
        MUST(memcmp(r->pos, in->pos, r->npos * 4) == 0);
        codec_out co;
        memset(&co, 0, sizeof co);
        MUST(codec_pack_expand(r, &co, &x) == 0);
        MUST(x.len == l0 && memcmp(x.p, v0, l0) == 0);
        codec_out_free(&co);
        free(r);
    } else {
        MUST(b.len == 0);
    }
    zk_buf_free(&b);
    zk_buf_free(&x);
}

/* Reads postings from the input, encodes, decodes, compares. */
static void round_trip(const uint8_t *d, size_t size) {
    size_t n = size / 4;
    if (n == 0) return;
    uint32_t *pid = malloc(n * 4), *ptf = malloc(n * 4), *pdl = malloc(n * 4);
    MUST(pid && ptf && pdl);
    uint64_t id = d[0];
    size_t npos = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *q = d + 4 * i;
        /* gaps mostly small, sometimes huge */
        uint64_t gap =
            q[1] & 0x80 ? (uint64_t)q[1] << 16 | q[2] << 8 : q[1] & 0x7F;
        id += i ? gap + 1 : 0;
        if (id > UINT32_MAX - 1) break;
        pid[i] = (uint32_t)id;
        ptf[i] = 1 + (q[2] & 0x0F);
        if (q[2] == 0xFF && npos < (1u << 18)) ptf[i] = 65535; /* the max */
        pdl[i] = (uint32_t)q[3] << (q[0] & 7);
        npos += ptf[i];
        n = i + 1;
    }
    uint32_t *ppos = malloc(npos * 4);
    MUST(ppos != NULL);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t at = d[i % size] & 3;
        for (uint32_t j = 0; j < ptf[i]; j++) {
            ppos[w++] = at; /* increasing within a posting */
            at += 1 + d[(4 * i + j) % size] % 7;
        }
    }
    codec_postings in = {pid, ptf, pdl, ppos, n};
    codec_out out;
    memset(&out, 0, sizeof out);
    MUST(codec_encode(&in, &out) == 0);
    MUST(out.nchunks >= 1);
    /* chunk 0's value as stored: header, body, inline positions */
    size_t l0 = codec_value_len(&out, 0);
    uint8_t *v0 = malloc(l0);
    MUST(v0 != NULL);
    codec_value_copy(&out, 0, v0);
    codec_header h;
    MUST(codec_parse_header(v0, l0, &h) == 0);
    MUST(h.df == n && h.nchunks == out.nchunks && h.npos == npos);
    MUST(h.inline_pos == out.inline_pos);
    codec_dirent *dir = malloc(h.nchunks * sizeof *dir);
    codec_chunk *c = malloc(sizeof *c);
    MUST(dir && c);
    MUST(codec_read_dir(&h, dir) == 0);
    size_t k = 0, pk = 0;
    uint32_t *pbuf = malloc((npos ? npos : 1) * 4);
    MUST(pbuf != NULL);
    for (size_t ch = 0; ch < out.nchunks; ch++) {
        const uint8_t *body = ch ? out.doc.p + out.doc_off[ch] : h.body;
        size_t blen = ch ? out.doc_off[ch + 1] - out.doc_off[ch] : h.body_len;
        const uint8_t *pv = out.pos.p + out.pos_off[ch];
        size_t pl = out.pos_off[ch + 1] - out.pos_off[ch];
        MUST(blen <= 16384);
        MUST(codec_parse_chunk(body, blen, ch == 0 && h.inline_pos, c) == 0);
        if (c->ipos) {
            pv = c->ipos;
            pl = c->ipos_len;
        }
        if (h.nchunks > 1) MUST(dir[ch].last_id == c->last[c->nblocks - 1]);
        for (uint32_t b = 0; b < c->nblocks; b++) {
            int m = codec_decode_block(c, b, ids, tfs);
            MUST(m >= 1 && k + (size_t)m <= n);
            uint32_t mindl = UINT32_MAX;
            for (int i = 0; i < m; i++)
                if (pdl[k + (size_t)i] < mindl) mindl = pdl[k + (size_t)i];
            MUST(c->min_dl[b] == mindl);
            size_t got;
            MUST(codec_decode_positions(c, b, pv, pl, tfs, (uint32_t)m, pbuf,
                                        npos, &got) == 0);
            MUST(codec_verify_block(c, b, pv, pl, ids, tfs, pdl + k,
                                    (uint32_t)m, pbuf) == 0);
            for (int i = 0; i < m; i++, k++)
                MUST(ids[i] == pid[k] && tfs[i] == ptf[k]);
            MUST(pk + got <= npos);
            if (got) MUST(memcmp(pbuf, ppos + pk, got * 4) == 0);
            pk += got;
        }
    }
    MUST(k == n && pk == npos);
    if (out.nchunks == 1 && out.inline_pos) pack_round_trip(&in, v0, l0);
    free(pbuf);
    free(v0);
    free(c);
    free(dir);
    codec_out_free(&out);
    free(ppos);
    free(pid);
    free(ptf);
    free(pdl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    if (data[0] & 1)
        round_trip(data + 1, size - 1);
    else {
        decode_value(data + 1, size - 1);
        decode_pack(data + 1, size - 1);
    }
    return 0;
}
