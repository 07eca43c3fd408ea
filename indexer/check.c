/* check.c - zoek_index_check(): decodes everything of the committed state
 * and verifies that statistics, postings and records agree. */
#include <stdarg.h>
#include <stdio.h>

#include "analyze.h"
#include "codec.h"
#include "dict.h"
#include "index.h"
#include "passage.h"
#include "post.h"
#include "segment.h"
#include "xlat.h"

typedef struct chk {
    zoek_index *idx;
    store_txn *t;
    idx_state st;
    zoek_check_report rep;
    membuf *terms;          /* term dictionary */
    uint64_t *tot, *live;   /* per term: postings, live postings */
    size_t ncap;
    uint8_t *pass_seen;     /* per passage id: 1 seen in postings */
    uint32_t *pass_dl;      /* per passage id: stored dl, UINT32_MAX if not
                               a live article's passage */
    uint8_t *pass_lang;     /* per passage id: stored language */
    uint32_t *tab_dl;       /* per passage id: length in plen, UINT32_MAX
                               when no plen value holds it */
    uint8_t *tab_lang;      /* and language there */
    uint64_t *fp_text;      /* per live passage: sum of occ_hash() over
                               what its stored text analyses to */
    uint64_t *fp_post;      /* and over its postings and positions */
    analyzer *an;           /* re-analysis of the stored texts */
    an_out ao;              /* its output */
    passage_list pl;        /* passages of the text */
    uint8_t *dead;          /* per passage id: tombstoned */
    size_t npass;           /* next_passage */
} chk;

static int bad(chk *c, const char *fmt, ...) ZK_PRINTF(2, 3);
static int bad(chk *c, const char *fmt, ...) {
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return idx_fail(c->idx, ZOEK_ECORRUPT, "index is corrupt: %s", msg);
}

static int term_slot(chk *c, const char *s, size_t len, uint32_t *tid) {
    int rc = membuf_term(c->terms, s, len, tid);
    if (rc) return rc;
    if (*tid >= c->ncap) {
        size_t n = c->ncap ? c->ncap * 2 : 65536;
        while (n <= *tid) n *= 2;
        uint64_t *a = zk_realloc(c->tot, n * 8);
        if (!a) return ZOEK_ENOMEM;
        c->tot = a;
        uint64_t *b = zk_realloc(c->live, n * 8);
        if (!b) return ZOEK_ENOMEM;
        c->live = b;
        memset(c->tot + c->ncap, 0, (n - c->ncap) * 8);
        memset(c->live + c->ncap, 0, (n - c->ncap) * 8);
        c->ncap = n;
    }
    return 0;
}

/* One occurrence (term at position pos of a passage), hashed: summed per
 * passage, it compares postings with the analysis of the stored text
 * without holding either. */
static uint64_t occ_hash(const char *term, size_t len, uint32_t pos) {
    return zk_hash64(term, len, 0x9e3779b97f4a7c15ull * ((uint64_t)pos + 1));
}

/* Analyses the stored text of article art again, as the writer did, and
 * compares passages, lengths and languages with its record; adds its
 * occurrences to fp_text. */
static int check_analysis(chk *c, uint32_t art, const art_rec *r,
                          const art_pass *ap, const zk_buf *text) {
    if (r->title_len &&
        (r->title_len + 2 > text->len ||
         memcmp(text->p + r->title_len, "\n\n", 2) != 0))
        return bad(c, "article %u: title length", art);
    int rc = analyze(c->an, (const char *)text->p, text->len,
                     r->forced >= 0 ? r->forced : ZK_LANG_AUTO, &c->ao);
    if (!rc) rc = passage_index(&c->ao, text->len, r->title_len, &c->pl);
    if (rc) return rc;
    if (c->ao.nterms == 0 || c->pl.n != r->npass ||
        c->ao.lang != (int)r->lang || (c->ao.mixed != 0) != (r->mixed != 0))
        return bad(c, "article %u ('%.*s') does not analyse to its record",
                   art, (int)r->name_len, r->name);
    for (size_t i = 0; i < c->pl.n; i++) {
        const passage *p = &c->pl.v[i];
        if (p->start != ap[i].start || p->end != ap[i].end ||
            p->dl != ap[i].dl || p->lang != ap[i].lang)
            return bad(c, "article %u ('%.*s'): passage %zu does not analyse "
                          "to its record", art, (int)r->name_len, r->name, i);
        uint64_t sum = 0;
        for (uint32_t j = p->occ_first; j < p->occ_end; j++) {
            const an_term *t = &c->ao.terms[c->pl.occ[j].term];
            sum += occ_hash(t->s, t->len, c->pl.occ[j].pos);
        }
        c->fp_text[r->first_pass + i] = sum;
    }
    return 0;
}

/* plen: value sizes and languages of the values below the passage
 * counter (those beyond are an unfinished run's); fills tab_dl and
 * tab_lang. */
static int check_plen(chk *c) {
    store_cursor *cur;
    int rc = store_cursor_open(c->t, DB_PLEN, &cur);
    if (rc) return rc;
    const void *k, *v;
    size_t kl, vl;
    uint64_t nkeys = (c->npass + PLEN_N - 1) / PLEN_N;
    rc = store_cursor_seek(cur, NULL, 0, &k, &kl, &v, &vl);
    for (; rc == 0; rc = store_cursor_next(cur, &k, &kl, &v, &vl)) {
        const void *gv;
        size_t gvl;
        if (kl != 4 || vl != PLEN_VALUE) {
            rc = bad(c, "passage length value of %zu bytes (key %zu)", vl, kl);
            break;
        }
        uint32_t key = zk_get_be32(k);
        if (key >= nkeys) break; /* an unfinished run's */
        if (store_get(c->t, DB_PLEN, k, kl, &gv, &gvl) || gv != v) {
            rc = bad(c, "passage lengths %u are not found by lookup", key);
            break;
        }
        for (uint32_t i = 0; i < PLEN_N; i++) {
            uint64_t p = (uint64_t)key * PLEN_N + i;
            if (p >= c->npass) break;
            unsigned l = plen_lang(v, i);
            if (l > 2) {
                rc = bad(c, "passage %llu: language 3 in plen",
                         (unsigned long long)p);
                break;
            }
            c->tab_dl[p] = plen_dl(v, i);
            c->tab_lang[p] = (uint8_t)l;
        }
        if (rc) break;
    }
    store_cursor_close(cur);
    return rc == ZOEK_ENOTFOUND ? 0 : rc;
}

/* Articles, names, passage map, texts; fills pass_dl. */
static int check_articles(chk *c) {
    store_cursor *cur;
    int rc = store_cursor_open(c->t, DB_ART, &cur);
    if (rc) return rc;
    const void *k, *v;
    size_t kl, vl;
    uint64_t narts = 0, npass = 0, total = 0, lang[3] = {0, 0, 0};
    art_pass *ap = NULL;
    size_t apcap = 0;
    zk_buf text = {0};
    rc = store_cursor_seek(cur, NULL, 0, &k, &kl, &v, &vl);
    for (; rc == 0; rc = store_cursor_next(cur, &k, &kl, &v, &vl)) {
        if (kl != 4) {
            rc = bad(c, "article key of %zu bytes", kl);
            break;
        }
        uint32_t art = zk_get_be32(k);
        if (art >= c->st.next_article) break; /* an unfinished run's */
        /* what a scan finds, a lookup must find (damaged LMDB branch
         * pages send lookups astray while scans go on) */
        const void *gv;
        size_t gvl;
        if (store_get(c->t, DB_ART, k, kl, &gv, &gvl) || gv != v) {
            rc = bad(c, "article %u is not found by lookup", art);
            break;
        }
        art_rec r;
        if (art_decode(v, vl, &r)) {
            rc = bad(c, "article %u: record does not decode", art);
            break;
        }
        if (zk_grow((void **)&ap, &apcap, r.npass, sizeof(art_pass))) {
            rc = ZOEK_ENOMEM;
            break;
        }
        if (art_passages(&r, ap)) {
            rc = bad(c, "article %u: passages do not decode", art);
            break;
        }
        if ((uint64_t)r.first_pass + r.npass > c->st.next_passage) {
            rc = bad(c, "article %u: passages beyond the counter", art);
            break;
        }
        uint32_t a2;
        int r2 = art_lookup(c->t, r.name, r.name_len, &a2);
        if (r2 || a2 != art) {
            rc = bad(c, "article %u ('%.*s') is not found by its name", art,
                     (int)r.name_len, r.name);
            break;
        }
        if (art_of_passage(c->t, r.first_pass, &a2) || a2 != art) {
            rc = bad(c, "article %u: passage map does not lead to it", art);
            break;
        }
        if ((r2 = text_load(c->t, art, &r, &text))) {
            rc = r2 == ZOEK_ENOMEM ? r2
                                   : bad(c, "article %u: stored text does "
                                            "not inflate", art);
            break;
        }
        for (uint32_t i = 0; i < r.npass; i++) {
            uint32_t p = r.first_pass + i;
            if (c->dead[p]) {
                rc = bad(c, "article %u: passage %u is tombstoned", art, p);
                break;
            }
            if (c->pass_dl[p] != UINT32_MAX) {
                rc = bad(c, "passage %u belongs to two articles", p);
                break;
            }
            if (ap[i].end < ap[i].start || ap[i].end > r.text_len) {
                rc = bad(c, "article %u: passage range", art);
                break;
            }
            if (state_find_seg(&c->st, p) < 0) {
                rc = bad(c, "passage %u is in no live segment", p);
                break;
            }
            if (c->tab_dl[p] != (ap[i].dl > 65535 ? 65535 : ap[i].dl) ||
                c->tab_lang[p] != ap[i].lang) {
                rc = bad(c,
                         "passage %u: length or language in plen differs "
                         "from the article's",
                         p);
                break;
            }
            c->pass_dl[p] = ap[i].dl;
            c->pass_lang[p] = ap[i].lang;
            total += ap[i].dl;
        }
        if (rc || (rc = check_analysis(c, art, &r, ap, &text))) break;
        narts++;
        npass += r.npass;
        lang[r.lang]++;
        c->rep.articles++;
    }
    store_cursor_close(cur);
    zk_free(ap);
    zk_buf_free(&text);
    if (rc == ZOEK_ENOTFOUND) rc = 0;
    if (rc) return rc;
    if (narts != c->st.narticles || npass != c->st.npassages ||
        total != c->st.total_len)
        return bad(c, "statistics: %llu articles, %llu passages, length "
                      "%llu; the state says %llu, %llu, %llu",
                   (unsigned long long)narts, (unsigned long long)npass,
                   (unsigned long long)total,
                   (unsigned long long)c->st.narticles,
                   (unsigned long long)c->st.npassages,
                   (unsigned long long)c->st.total_len);
    for (int l = 0; l < 3; l++)
        if (lang[l] != c->st.lang_articles[l])
            return bad(c, "articles per language do not add up");
    c->rep.passages = npass;
    /* every name leads to an article */
    if ((rc = store_cursor_open(c->t, DB_NAMES, &cur))) return rc;
    uint64_t nnames = 0;
    rc = store_cursor_seek(cur, NULL, 0, &k, &kl, &v, &vl);
    for (; rc == 0; rc = store_cursor_next(cur, &k, &kl, &v, &vl)) {
        if (vl != 4 || zk_get_le32(v) >= c->st.next_article) {
            rc = bad(c, "name '%.*s' points nowhere", (int)kl,
                     (const char *)k);
            break;
        }
        nnames++;
    }
    store_cursor_close(cur);
    if (rc == ZOEK_ENOTFOUND) rc = 0;
    if (!rc && nnames != narts)
        rc = bad(c, "%llu names for %llu articles",
                 (unsigned long long)nnames, (unsigned long long)narts);
    return rc;
}

/* Every postings chunk of one segment. */
static int check_segment(chk *c, const seg_info *s) {
    store_cursor *cur;
    int rc = store_cursor_open(c->t, DB_POST, &cur);
    if (rc) return rc;
    uint8_t key[4];
    zk_put_be32(key, s->id);
    const void *k, *v;
    size_t kl, vl;
    codec_chunk *ck = zk_malloc(sizeof *ck);
    codec_dirent *dir = NULL;
    size_t dircap = 0;
    uint32_t *pos = NULL;
    size_t poscap = 0;
    if (!ck) {
        store_cursor_close(cur);
        return ZOEK_ENOMEM;
    }
    uint32_t ids[CODEC_BLOCK], tfs[CODEC_BLOCK], dls[CODEC_BLOCK] = {0};
    uint64_t seg_pass = 0, seg_bytes = 0;
    post_buf pb, xb; /* a lookup's and the record's expansion */
    memset(&pb, 0, sizeof pb);
    memset(&xb, 0, sizeof xb);
    zk_buf re = {0}; /* a record encoded again */
    codec_packrec *rec = zk_malloc(sizeof *rec);
    uint8_t prev[512];
    size_t prevlen = 0;
    int have_prev = 0;
    if (!rec) {
        store_cursor_close(cur);
        zk_free(ck);
        return ZOEK_ENOMEM;
    }
    rc = store_cursor_seek(cur, key, 4, &k, &kl, &v, &vl);
    while (rc == 0) {
        const uint8_t *kb = k;
        if (kl < 4 || zk_get_be32(kb) != s->id) break;
        uint32_t kseg, kchunk;
        const uint8_t *tb;
        size_t tl;
        if (key_post_parse(kb, kl, &kseg, &tb, &tl, &kchunk) ||
            (kchunk && kchunk != KEY_PACK) || tl > 500) {
            rc = bad(c, "segment %u: stray key", s->id);
            break;
        }
        int packed = kchunk == KEY_PACK;
        const uint8_t *pk = v, *pend = (const uint8_t *)v + vl;
        uint8_t tcopy[512];
        memcpy(tcopy, tb, tl);
        if (packed) {
            seg_bytes += vl;
            if (vl == 0) {
                rc = bad(c, "segment %u: empty pack", s->id);
                break;
            }
        }
        /* each term of the entry: a large term, or a pack's records */
        for (int first = 1; !rc; first = 0) {
            const uint8_t *tv = v;
            size_t tvl = vl;
            const char *term = (const char *)tcopy;
            char tprint[64];
            if (packed) {
                if (pk == pend) break;
                if (codec_pack_next(&pk, pend, first, tcopy, &tl, rec)) {
                    rc = bad(c, "segment %u: pack '%.*s' does not decode",
                             s->id, (int)(tl > 40 ? 40 : tl), term);
                    break;
                }
                /* the record encodes again to the same bytes, as a small
                 * term's */
                uint32_t mdl[CODEC_PACK_DF];
                for (uint32_t i = 0; i < rec->df; i++)
                    mdl[i] = rec->min_dl;
                codec_postings in = {rec->ids, rec->tfs, mdl, rec->pos,
                                     rec->df};
                re.len = 0;
                int r2 = codec_pack_postings(&re, &in);
                if (r2 == ZOEK_ENOMEM) {
                    rc = r2;
                    break;
                }
                if (!r2) r2 = codec_pack_expand(rec, &xb.co, &xb.val);
                if (r2 == ZOEK_ENOMEM) {
                    rc = r2;
                    break;
                }
                if (r2 || re.len != rec->post_len ||
                    memcmp(re.p, rec->post, re.len)) {
                    rc = bad(c,
                             "segment %u, term '%.*s': pack record is not "
                             "as written",
                             s->id, (int)(tl > 40 ? 40 : tl), term);
                    break;
                }
                tv = xb.val.p;
                tvl = xb.val.len;
            }
            snprintf(tprint, sizeof tprint, "%.*s", (int)(tl > 40 ? 40 : tl),
                     term);
            if (have_prev && post_term_cmp(prev, prevlen, tcopy, tl) >= 0) {
                rc = bad(c, "segment %u, term '%s': out of order", s->id,
                         tprint);
                break;
            }
            memcpy(prev, tcopy, tl);
            prevlen = tl;
            have_prev = 1;
            /* what a scan finds, a lookup must find */
            const uint8_t *gv;
            size_t gvl;
            int gp;
            int r3 = post_get(c->t, s->id, tcopy, tl, &pb, &gv, &gvl, &gp);
            if (r3 == ZOEK_ENOMEM) {
                rc = r3;
                break;
            }
            if (r3 || gp != packed || gvl != tvl ||
                (packed ? memcmp(gv, tv, tvl) != 0 : gv != tv)) {
                rc = bad(c, "segment %u, term '%s': not found by lookup", s->id,
                         tprint);
                break;
            }
            codec_header h;
            if (codec_parse_header(tv, tvl, &h)) {
                rc = bad(c, "segment %u, term '%s': header", s->id, tprint);
                break;
            }
            if (zk_grow((void **)&dir, &dircap, h.nchunks, sizeof *dir) ||
                codec_read_dir(&h, dir)) {
                rc = bad(c, "segment %u, term '%s': chunk directory", s->id,
                         tprint);
                break;
            }
            uint32_t tid;
            if ((rc = term_slot(c, term, tl, &tid))) break;
            /* term bytes point into the map: the dictionary keeps a copy */
            uint64_t df = 0, npos = 0;
            int64_t last = -1;
            uint32_t maxtf = 0, mindl = UINT32_MAX;
            uint8_t pkey[KEY_POST_MAX];
            for (uint32_t ch = 0; ch < h.nchunks && !rc; ch++) {
                const uint8_t *body = h.body;
                size_t blen = h.body_len;
                if (ch > 0) {
                    rc = store_cursor_next(cur, &k, &kl, &v, &vl);
                    uint32_t s2, c2;
                    const uint8_t *t2;
                    size_t tl2;
                    if (rc || key_post_parse(k, kl, &s2, &t2, &tl2, &c2) ||
                        s2 != s->id || tl2 != tl || memcmp(t2, tcopy, tl) ||
                        c2 != ch) {
                        rc = bad(c, "segment %u, term '%s': chunk %u missing",
                                 s->id, tprint, ch);
                        break;
                    }
                    body = v;
                    blen = vl;
                }
                uint32_t ch_maxtf = 0, ch_mindl = UINT32_MAX;
                if (codec_parse_chunk(body, blen, ch == 0 && h.inline_pos,
                                      ck)) {
                    rc = bad(c, "segment %u, term '%s': chunk %u", s->id,
                             tprint, ch);
                    break;
                }
                const void *pv;
                size_t pvl;
                size_t pkl = key_post(pkey, s->id, term, tl, ch);
                if (ck->ipos) {
                    pv = ck->ipos;
                    pvl = ck->ipos_len;
                } else if (store_get(c->t, DB_POS, pkey, pkl, &pv, &pvl)) {
                    rc = bad(c,
                             "segment %u, term '%s': positions of chunk %u "
                             "missing",
                             s->id, tprint, ch);
                    break;
                }
                if (!packed)
                    seg_bytes += (ch ? blen : vl) + (ck->ipos ? 0 : pvl);
                if (h.nchunks > 1 &&
                    dir[ch].last_id != ck->last[ck->nblocks - 1]) {
                    rc = bad(c, "segment %u, term '%s': directory", s->id,
                             tprint);
                    break;
                }
                for (uint32_t b = 0; b < ck->nblocks; b++) {
                    int n = codec_decode_block(ck, b, ids, tfs);
                    if (n < 0 || (int64_t)ids[0] <= last) {
                        rc = bad(c,
                                 "segment %u, term '%s': block does not "
                                 "decode",
                                 s->id, tprint);
                        break;
                    }
                    for (int i = 0; i < n && !rc; i++) {
                        if (ids[i] >= c->npass ||
                            c->tab_dl[ids[i]] == UINT32_MAX)
                            rc = bad(c,
                                     "segment %u, term '%s': passage %u has "
                                     "no length",
                                     s->id, tprint, ids[i]);
                        else
                            dls[i] = c->tab_dl[ids[i]];
                    }
                    if (rc) break;
                    size_t sum = 0;
                    for (int i = 0; i < n; i++)
                        sum += tfs[i];
                    if (zk_grow((void **)&pos, &poscap, sum, 4)) {
                        rc = ZOEK_ENOMEM;
                        break;
                    }
                    size_t got;
                    if (codec_decode_positions(ck, b, pv, pvl, tfs, (uint32_t)n,
                                               pos, poscap, &got) ||
                        got != sum) {
                        rc = bad(c,
                                 "segment %u, term '%s': positions do not "
                                 "decode",
                                 s->id, tprint);
                        break;
                    }
                    /* encoding the decoded block again gives the same bytes:
                     * no flipped bit hides in padding or skip data.  A
                     * packed term keeps only its smallest length (checked
                     * with the header's below), as if every passage had
                     * it. */
                    uint32_t pdls[CODEC_BLOCK];
                    for (int i = 0; packed && i < n; i++)
                        pdls[i] = ck->min_dl[b];
                    if ((rc = codec_verify_block(ck, b, pv, pvl, ids, tfs,
                                                 packed ? pdls : dls,
                                                 (uint32_t)n, pos))) {
                        if (rc == ZOEK_ECORRUPT)
                            rc = bad(c,
                                     "segment %u, term '%s': block %u of "
                                     "chunk %u is not as written",
                                     s->id, tprint, b, ch);
                        break;
                    }
                    const uint32_t *pp = pos;
                    for (int i = 0; i < n; i++) {
                        uint32_t p = ids[i];
                        if (tfs[i] > ch_maxtf) ch_maxtf = tfs[i];
                        if (dls[i] < ch_mindl) ch_mindl = dls[i];
                        if (p >= c->npass || state_find_seg(&c->st, p) < 0 ||
                            &c->st.seg[state_find_seg(&c->st, p)] != s) {
                            rc = bad(c,
                                     "segment %u, term '%s': passage %u "
                                     "outside the segment",
                                     s->id, tprint, p);
                            break;
                        }
                        if (!c->dead[p]) {
                            if (c->pass_dl[p] == UINT32_MAX) {
                                rc = bad(c,
                                         "passage %u (term '%s') belongs to no "
                                         "live article",
                                         p, tprint);
                                break;
                            }
                            c->live[tid]++;
                            for (uint32_t j = 0; j < tfs[i]; j++)
                                c->fp_post[p] += occ_hash(term, tl, pp[j]);
                        }
                        pp += tfs[i];
                        if (!c->pass_seen[p]) {
                            c->pass_seen[p] = 1;
                            seg_pass++;
                        }
                        if (tfs[i] > maxtf) maxtf = tfs[i];
                        if (dls[i] < mindl) mindl = dls[i];
                    }
                    if (rc) break;
                    last = ids[n - 1];
                    df += (uint64_t)n;
                    npos += sum;
                    c->rep.positions += sum;
                }
                if (!rc && h.nchunks > 1 &&
                    (dir[ch].max_tf != ch_maxtf || dir[ch].min_dl != ch_mindl))
                    rc = bad(c, "segment %u, term '%s': directory", s->id,
                             tprint);
            }
            if (rc) break;
            if (df != h.df || npos != h.npos || maxtf != h.max_tf ||
                mindl != h.min_dl) {
                rc = bad(c, "segment %u, term '%s': header statistics", s->id,
                         tprint);
                break;
            }
            c->tot[tid] += df;
            c->rep.postings += df;
            if (!packed) break;
        }
        if (rc) break;
        rc = store_cursor_next(cur, &k, &kl, &v, &vl);
    }
    store_cursor_close(cur);
    post_buf_free(&pb);
    post_buf_free(&xb);
    zk_buf_free(&re);
    zk_free(rec);
    zk_free(ck);
    zk_free(dir);
    zk_free(pos);
    if (rc == ZOEK_ENOTFOUND) rc = 0;
    if (!rc && seg_pass > s->npass)
        rc = bad(c, "segment %u holds %llu passages, the state says %u", s->id,
                 (unsigned long long)seg_pass, s->npass);
    if (!rc && seg_bytes != s->bytes)
        rc = bad(c, "segment %u holds %llu bytes, the state says %llu", s->id,
                 (unsigned long long)seg_bytes, (unsigned long long)s->bytes);
    return rc;
}

/* deldf: every term's dead postings in live segments. */
static int check_deldf(chk *c) {
    uint32_t n = membuf_nterms(c->terms);
    /* terms with dead postings must have a deldf entry with that count */
    for (uint32_t tid = 0; tid < n; tid++) {
        uint64_t dead = c->tot[tid] - c->live[tid];
        const char *s;
        size_t len;
        membuf_term_bytes(c->terms, tid, &s, &len);
        const void *v;
        size_t vl;
        int rc = store_get(c->t, DB_DELDF, s, len, &v, &vl);
        uint64_t have = 0;
        if (rc == 0) {
            if (vl != 4) return bad(c, "deldf value size");
            have = zk_get_le32(v);
        } else if (rc != ZOEK_ENOTFOUND) {
            return rc;
        }
        if (have != dead)
            return bad(c, "term '%.*s': %llu dead postings, deldf says %llu",
                       (int)(len > 40 ? 40 : len), s, (unsigned long long)dead,
                       (unsigned long long)have);
    }
    /* and no deldf entry for a term without postings */
    store_cursor *cur;
    int rc = store_cursor_open(c->t, DB_DELDF, &cur);
    if (rc) return rc;
    const void *k;
    size_t kl;
    uint64_t entries = 0, withdead = 0;
    rc = store_cursor_seek(cur, NULL, 0, &k, &kl, NULL, NULL);
    for (; rc == 0; rc = store_cursor_next(cur, &k, &kl, NULL, NULL)) entries++;
    store_cursor_close(cur);
    if (rc != ZOEK_ENOTFOUND) return rc;
    for (uint32_t tid = 0; tid < n; tid++)
        if (c->tot[tid] != c->live[tid]) withdead++;
    if (entries != withdead)
        return bad(c, "%llu deldf entries, %llu terms with dead postings",
                   (unsigned long long)entries, (unsigned long long)withdead);
    return 0;
}

/* The dictionaries, when compiled in: every key well-formed and in order,
 * every value decodes to its end, as many keys as the description says. */
static int check_xlat(chk *c) {
    xlat_info xi;
    int rc = xlat_info_read(c->t, &xi);
    store_cursor *cur;
    int rc2 = store_cursor_open(c->t, DB_XLAT, &cur);
    if (rc2) return rc2;
    const void *k, *v;
    size_t kl, vl;
    uint64_t n = 0;
    int r = store_cursor_seek(cur, NULL, 0, &k, &kl, &v, &vl);
    for (; r == 0; r = store_cursor_next(cur, &k, &kl, &v, &vl)) {
        const uint8_t *kb = k;
        if (kl < 2 || kl > DICT_KEY_MAX || kb[0] > 2) {
            r = bad(c, "dictionary key %llu is malformed",
                    (unsigned long long)n);
            break;
        }
        dict_iter it;
        dict_tr tr;
        int d = dict_iter_init(&it, v, vl);
        while (d == 0 && (d = dict_iter_next(&it, &tr)) == 1) d = 0;
        if (d < 0) {
            r = bad(c, "dictionary entry '%.*s' does not decode",
                    (int)(kl - 1 > 40 ? 40 : kl - 1), (const char *)kb + 1);
            break;
        }
        n++;
    }
    store_cursor_close(cur);
    if (r != 0 && r != ZOEK_ENOTFOUND) return r;
    if (rc == ZOEK_ENOTFOUND) {
        if (n) return bad(c, "%llu dictionary entries without a description",
                          (unsigned long long)n);
        return 0;
    }
    if (rc == ZOEK_ECORRUPT) return bad(c, "dictionary description");
    if (rc) return rc;
    if (n != xi.keys)
        return bad(c, "%llu dictionary entries, the description says %llu",
                   (unsigned long long)n, (unsigned long long)xi.keys);
    return 0;
}

int zoek_index_check(zoek_index *idx, zoek_check_report *rep) {
    if (rep) memset(rep, 0, sizeof *rep);
    if (!idx) return ZOEK_EINVAL;
    int gate = idx_format_gate(idx);
    if (gate) return gate;
    chk c;
    memset(&c, 0, sizeof c);
    c.idx = idx;
    int rc = store_begin(idx->st, 0, 0, &c.t);
    if (rc) return idx_fail(idx, rc, "cannot read index: %s", zoek_strerror(rc));
    if ((rc = state_read(c.t, &c.st))) {
        store_abort(c.t);
        return idx_fail(idx, rc, "index state is unreadable: %s",
                        zoek_strerror(rc));
    }
    c.npass = c.st.next_passage;
    c.pass_seen = zk_calloc(c.npass + 1, 1);
    c.dead = zk_calloc(c.npass + 1, 1);
    c.pass_dl = zk_malloc((c.npass + 1) * sizeof(uint32_t));
    c.pass_lang = zk_calloc(c.npass + 1, 1);
    c.fp_text = zk_calloc(c.npass + 1, sizeof(uint64_t));
    c.fp_post = zk_calloc(c.npass + 1, sizeof(uint64_t));
    c.tab_dl = zk_malloc((c.npass + 1) * sizeof(uint32_t));
    c.tab_lang = zk_calloc(c.npass + 1, 1);
    if (!c.pass_seen || !c.dead || !c.pass_dl || !c.pass_lang || !c.tab_dl ||
        !c.tab_lang || !c.fp_text || !c.fp_post ||
        analyzer_new(&c.an, AN_CACHE_INDEX) || membuf_new(&c.terms)) {
        rc = idx_fail(idx, ZOEK_ENOMEM, "out of memory");
        goto out;
    }
    memset(c.pass_dl, 0xFF, (c.npass + 1) * sizeof(uint32_t));
    memset(c.tab_dl, 0xFF, (c.npass + 1) * sizeof(uint32_t));
    /* tombstones */
    {
        store_cursor *cur;
        if ((rc = store_cursor_open(c.t, DB_DEAD, &cur))) goto out;
        const void *k, *v;
        size_t kl, vl;
        rc = store_cursor_seek(cur, NULL, 0, &k, &kl, &v, &vl);
        for (; rc == 0; rc = store_cursor_next(cur, &k, &kl, &v, &vl)) {
            if (kl != 4 || vl != DEAD_BITS / 8) {
                rc = bad(&c, "tombstone bitmap");
                break;
            }
            uint64_t base = (uint64_t)zk_get_be32(k) * DEAD_BITS;
            const uint8_t *bits = v;
            for (uint32_t i = 0; i < DEAD_BITS; i++) {
                if (!((bits[i / 8] >> (i % 8)) & 1)) continue;
                if (base + i >= c.npass) {
                    rc = bad(&c, "tombstone beyond the passage counter");
                    break;
                }
                c.dead[base + i] = 1;
            }
            if (rc) break;
        }
        store_cursor_close(cur);
        if (rc == ZOEK_ENOTFOUND) rc = 0;
        if (rc) goto out;
    }
    if ((rc = check_plen(&c)) || (rc = check_articles(&c))) goto out;
    for (uint32_t i = 0; i < c.st.nseg; i++) {
        if ((rc = check_segment(&c, &c.st.seg[i]))) goto out;
        c.rep.segments++;
    }
    c.rep.terms = membuf_nterms(c.terms);
    /* the postings of every live passage are what its text analyses to */
    for (size_t p = 0; p < c.npass; p++)
        if (c.pass_dl[p] != UINT32_MAX && c.fp_text[p] != c.fp_post[p]) {
            rc = bad(&c, "passage %zu: its postings and positions differ "
                         "from the analysis of its text", p);
            goto out;
        }
    if ((rc = check_deldf(&c))) goto out;
    if ((rc = check_xlat(&c))) goto out;
out:
    if (rep) *rep = c.rep;
    store_abort(c.t);
    state_free(&c.st);
    membuf_free(c.terms);
    zk_free(c.tot);
    zk_free(c.live);
    zk_free(c.pass_seen);
    zk_free(c.dead);
    zk_free(c.pass_dl);
    zk_free(c.pass_lang);
    zk_free(c.tab_dl);
    zk_free(c.tab_lang);
    zk_free(c.fp_text);
    zk_free(c.fp_post);
    analyzer_free(c.an);
    an_out_free(&c.ao);
    passage_list_free(&c.pl);
    return rc;
}
