/* search.c - query planning (analysis in every language of the index),
 * exact BM25 statistics over one or several indexes, passage scoring with
 * MaxScore pruning (the exhaustive scorer is the reference), top-k with
 * stable tie-breaking, article grouping, snippets. */
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyze.h"
#include "bm25.h"
#include "eval.h"
#include "index.h"
#include "langdetect.h"
#include "normalize.h"
#include "query.h"
#include "snippet.h"
#include "dict.h"
#include "xlat.h"

#define MAX_GROUPS 1024   /* scored words of a query */
#define PREFIX_MAX 128    /* terms a prefix expands to */
#define MAX_INDEXES 64    /* indexes searched together */
/* In an index of several languages, a query whose language is detected
 * with at least this confidence scores passages in other languages by
 * OTHER_LANG_FACTOR (measured on XQuAD mixed: 0.5 and 0.2 recover the same;
 * lower thresholds lose it on short queries). */
#define QLANG_MIN_CONF 0.2
#define OTHER_LANG_FACTOR 0.5
#define PROX_WINDOW 5
#define PROX_WEIGHT 0.3 /* with ZOEK_SEARCH_PROXIMITY */
#define RERANK_DEPTH 100

/* ---------------------------------------------------------------- plan */

/* A query word: the union of its variant terms, scored as one term. */
typedef struct pgroup {
    size_t var0, nvar;    /* variants: plan->var[var0 .. var0+nvar) */
    double qtf;           /* times the word occurs in the query */
    int positive;         /* contributes to the score */
    uint64_t df;          /* live passages holding any variant */
    double idf;           /* from df */
    double w;             /* qtf * idf */
    size_t word_off;      /* the query word as written, in plan->tb */
    size_t word_len;      /* 0: not recorded */
} pgroup;

typedef struct pvar {
    size_t off, len;      /* term bytes in plan->tb */
    unsigned langs;       /* analyses (bit per language) that gave it */
    unsigned xl;          /* reached only by translation (its language) */
} pvar;

enum { PN_NONE, PN_GROUP, PN_ANY, PN_PHRASE, PN_BOOL };

typedef struct pnode {
    int kind;             /* PN_* */
    qoccur occur;         /* in the parent */
    uint32_t *g;          /* groups (GROUP: 1, ANY/PHRASE: n) */
    uint32_t *rel;        /* PHRASE: relative positions */
    size_t ng;            /* count */
    struct pnode **kids;  /* BOOL children */
    size_t nkids;         /* count */
} pnode;

typedef struct snapshot {
    zoek_index *idx;      /* the index */
    store_txn *t;         /* read transaction */
    idx_state st;         /* its state */
} snapshot;

typedef struct plan {
    pgroup *g;
    size_t ng, gcap;
    pvar *var;
    size_t nvar, varcap;
    zk_buf tb;            /* term bytes */
    pnode *root;
    pnode **all;          /* every node, for freeing */
    size_t nall, allcap;
    unsigned langs;       /* languages the query was analysed in */
    unsigned present;     /* languages of the indexes' passages */
    int qlang;            /* detected query language or -1 */
    double other_lang;    /* score factor of passages not in qlang */
    int prox;             /* rescore by term proximity */
    snapshot *snap;       /* the indexes */
    size_t nsnap;
    char err[256];
} plan;

static pnode *node_new(plan *pl, int kind) {
    if (zk_grow((void **)&pl->all, &pl->allcap, pl->nall + 1, sizeof(pnode *)))
        return NULL;
    pnode *n = zk_calloc(1, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    pl->all[pl->nall++] = n;
    return n;
}

static void plan_free(plan *pl) {
    for (size_t i = 0; i < pl->nall; i++) {
        zk_free(pl->all[i]->g);
        zk_free(pl->all[i]->rel);
        zk_free(pl->all[i]->kids);
        zk_free(pl->all[i]);
    }
    zk_free(pl->all);
    zk_free(pl->g);
    zk_free(pl->var);
    zk_buf_free(&pl->tb);
}

/* Sorts variants of a new group so equal groups compare equal. */
static int var_cmp(const plan *pl, const pvar *a, const pvar *b) {
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(pl->tb.p + a->off, pl->tb.p + b->off, n);
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* Adds a group from candidate variants (may repeat); returns its index
 * (an existing equal group gets qtf += 1), or -1 on error, -2 if empty. */
static long add_group(plan *pl, const char *const *s, const size_t *len,
                      const unsigned *langs, size_t n, int positive) {
    size_t v0 = pl->nvar;
    for (size_t i = 0; i < n; i++) {
        if (!len[i]) continue;
        int dup = 0;
        for (size_t j = v0; j < pl->nvar && !dup; j++) {
            dup = pl->var[j].len == len[i] &&
                  !memcmp(pl->tb.p + pl->var[j].off, s[i], len[i]);
            if (dup) pl->var[j].langs |= langs ? langs[i] : 0;
        }
        if (dup) continue;
        if (zk_grow((void **)&pl->var, &pl->varcap, pl->nvar + 1,
                    sizeof(pvar)))
            return -1;
        pl->var[pl->nvar].off = pl->tb.len;
        pl->var[pl->nvar].len = len[i];
        pl->var[pl->nvar].langs = langs ? langs[i] : 0;
        pl->var[pl->nvar].xl = 0;
        if (zk_buf_put(&pl->tb, s[i], len[i])) return -1;
        pl->nvar++;
    }
    size_t nv = pl->nvar - v0;
    if (nv == 0) return -2;
    /* insertion sort of the variants */
    for (size_t i = v0 + 1; i < pl->nvar; i++) {
        pvar x = pl->var[i];
        size_t j = i;
        while (j > v0 && var_cmp(pl, &pl->var[j - 1], &x) > 0) {
            pl->var[j] = pl->var[j - 1];
            j--;
        }
        pl->var[j] = x;
    }
    for (size_t gi = 0; gi < pl->ng; gi++) {
        pgroup *g = &pl->g[gi];
        if (g->nvar != nv) continue;
        size_t k = 0;
        while (k < nv && !var_cmp(pl, &pl->var[g->var0 + k], &pl->var[v0 + k]))
            k++;
        if (k == nv) {
            pl->nvar = v0; /* drop the copy (bytes stay unused) */
            if (positive) {
                if (g->positive) g->qtf += 1;
                else {
                    g->positive = 1;
                    g->qtf = 1;
                }
            }
            return (long)gi;
        }
    }
    if (pl->ng >= MAX_GROUPS) return -3;
    if (zk_grow((void **)&pl->g, &pl->gcap, pl->ng + 1, sizeof(pgroup)))
        return -1;
    pgroup *g = &pl->g[pl->ng];
    memset(g, 0, sizeof *g);
    g->var0 = v0;
    g->nvar = nv;
    g->qtf = positive ? 1 : 0;
    g->positive = positive;
    return (long)pl->ng++;
}

/* Records the query word of group g (the first writing wins). */
static int set_word(plan *pl, long g, const char *w, size_t len) {
    if (g < 0 || pl->g[g].word_len || !len) return 0;
    pl->g[g].word_off = pl->tb.len;
    pl->g[g].word_len = len;
    return zk_buf_put(&pl->tb, w, len);
}

/* Per-language analysis of one piece of query text. */
typedef struct lang_an {
    an_out o[3];          /* per language */
    zk_buf copy[3];       /* term bytes copied out of the analyzer */
    size_t *off[3];       /* offset of each term's bytes in copy */
    size_t offcap[3];
    an_out part;          /* a piece of a word (index_split) */
} lang_an;

static void lang_an_free(lang_an *la) {
    for (int l = 0; l < 3; l++) {
        an_out_free(&la->o[l]);
        zk_buf_free(&la->copy[l]);
        zk_free(la->off[l]);
    }
    an_out_free(&la->part);
}

static int analyze_all(analyzer *a, plan *pl, const char *text, size_t len,
                       lang_an *la) {
    for (int l = 0; l < 3; l++) {
        la->o[l].nterms = 0;
        la->o[l].toks.n = 0;
        if (!(pl->langs & (1u << l))) continue;
        int rc = analyze(a, text, len, l, &la->o[l]);
        if (rc) return rc;
        la->copy[l].len = 0;
        if (zk_grow((void **)&la->off[l], &la->offcap[l],
                    la->o[l].nterms + 1, sizeof(size_t)))
            return ZOEK_ENOMEM;
        for (size_t i = 0; i < la->o[l].nterms; i++) {
            la->off[l][i] = la->copy[l].len;
            if (zk_buf_put(&la->copy[l], la->o[l].terms[i].s,
                           la->o[l].terms[i].len))
                return ZOEK_ENOMEM;
        }
        /* term pointers now into our copy (the analyzer reuses its own) */
        for (size_t i = 0; i < la->o[l].nterms; i++)
            la->o[l].terms[i].s = (const char *)la->copy[l].p + la->off[l][i];
    }
    return 0;
}

/* The term of token tok, slot s (-1: whole/single, j: part j) in lang l. */
static const an_term *find_term(const an_out *o, uint32_t tok, int whole,
                                uint32_t pos) {
    for (size_t i = 0; i < o->nterms; i++) {
        const an_term *t = &o->terms[i];
        if (t->tok != tok) continue;
        if (whole && (t->flags & AN_WHOLE)) return t;
        if (!whole && !(t->flags & (AN_WHOLE | AN_SUB)) && t->pos == pos)
            return t;
    }
    return NULL;
}

/* Whether a token is dropped as a stopword: in the query's language when
 * known, else in any language searched. */
static int token_dropped(const plan *pl, const lang_an *la, uint32_t tok) {
    int any_missing = 0, present = 0;
    for (int l = 0; l < 3; l++) {
        if (!(pl->langs & (1u << l))) continue;
        int has = 0;
        for (size_t i = 0; i < la->o[l].nterms && !has; i++)
            has = la->o[l].terms[i].tok == tok;
        if (!has) {
            any_missing = 1;
            if (l == pl->qlang) return 1;
        } else {
            present = 1;
        }
    }
    if (!present) return 1;
    return pl->qlang < 0 && any_missing;
}

/* Reference language (any analysed one): its tokens and positions. */
static int ref_lang(const plan *pl) {
    for (int l = 0; l < 3; l++)
        if (pl->langs & (1u << l)) return l;
    return 0;
}

/* ------------------------------------------- splitting by the index */

static int term_df(snapshot *sn, const char *s, size_t len, uint64_t *df,
                   uint64_t *total);

/* Passages of every index holding term s. */
static int index_df(plan *pl, const char *s, size_t len, uint64_t *df) {
    *df = 0;
    for (size_t i = 0; i < pl->nsnap; i++) {
        uint64_t d;
        int rc = term_df(&pl->snap[i], s, len, &d, NULL);
        if (rc) return rc;
        *df += d;
    }
    return 0;
}

#define SPLIT_MIN_PART 4  /* bytes of a piece, at least */
#define SPLIT_MIN_WORD 8  /* bytes of a word split, at least */
#define GENITIVE_MIN_WORD 5 /* bytes of a word losing its -s, at least */
#define EXPAND_MAX 16       /* compounds an unsplit word expands to */
#define EXPAND_MIN_EXTRA 4  /* bytes such a compound adds, at least */
#define SPLIT_MAX_PARTS 3
#define SPLIT_MAX_WORD 64    /* bytes of a word split, at most */
#define SPLIT_MAX_LOOKS 2000 /* pieces looked up for one word, at most */

/* A piece of a word, analysed in lang: its term (copied to out, at most
 * NORM_BUF bytes) and the passages holding it; *df 0 when it has none. */
static int piece_term(analyzer *a, plan *pl, lang_an *la, int lang,
                      const char *p, size_t n, char *out, size_t *outlen,
                      uint64_t *df) {
    *df = 0;
    int rc = analyze(a, p, n, lang, &la->part);
    if (rc) return rc;
    const an_term *t = NULL;
    for (size_t i = 0; i < la->part.nterms && !t; i++)
        if (!(la->part.terms[i].flags & AN_SUB)) t = &la->part.terms[i];
    if (!t || la->part.toks.n != 1 || t->len > NORM_BUF) return 0;
    memcpy(out, t->s, t->len);
    *outlen = t->len;
    return index_df(pl, out, *outlen, df);
}

/* Linking elements a non-final piece may end in, longest first. */
static const char *const split_link_de[] = {"ens", "es", "en", "er", "ns",
                                            "s", "n", "e", NULL};
static const char *const split_link_nl[] = {"en", "s", "e", NULL};

typedef struct split_best {
    char term[SPLIT_MAX_PARTS][NORM_BUF]; /* the pieces' terms */
    size_t len[SPLIT_MAX_PARTS];          /* their lengths */
    int n;                                /* pieces, 0: none */
    double score;                         /* sum of log2(df) */
} split_best;

static int boundary_at(const char *w, size_t i) {
    return ((unsigned char)w[i] & 0xC0) != 0x80;
}

/* Splits w[from, wl) into at most `left` more pieces, each held by the
 * index (a non-final one with or without a linking element); the split
 * with the fewest pieces, then the most frequent ones, goes to *best.
 * *looks counts the pieces looked up for the word. */
static int split_rest(analyzer *a, plan *pl, lang_an *la, int lang,
                      const char *w, size_t wl, size_t from, int left,
                      split_best *cur, split_best *best, unsigned *looks) {
    int rc;
    char t[NORM_BUF];
    size_t tl;
    uint64_t df;
    /* the rest as the final piece; a long word's search is bounded */
    if (++*looks > SPLIT_MAX_LOOKS) return 0;
    if ((rc = piece_term(a, pl, la, lang, w + from, wl - from, t, &tl, &df)))
        return rc;
    if (df && cur->n >= 1) {
        double sc = cur->score + log2((double)df + 1);
        if (!best->n || cur->n + 1 < best->n ||
            (cur->n + 1 == best->n && sc > best->score)) {
            *best = *cur;
            memcpy(best->term[cur->n], t, tl);
            best->len[cur->n] = tl;
            best->n = cur->n + 1;
            best->score = sc;
        }
    }
    if (left < 2 || (best->n && best->n <= cur->n + 1)) return 0;
    const char *const *link =
        lang == ZK_LANG_DE ? split_link_de : split_link_nl;
    for (size_t i = from + SPLIT_MIN_PART; i + SPLIT_MIN_PART <= wl; i++) {
        if (!boundary_at(w, i)) continue;
        /* the piece w[from, i), less a linking element or not */
        uint64_t bdf = 0;
        char bt[NORM_BUF];
        size_t btl = 0;
        /* k == 0: the piece whole; k > 0: less link[k - 1] */
        for (size_t k = 0; k == 0 || link[k - 1]; k++) {
            const char *lk = k ? link[k - 1] : "";
            size_t m = i - from, ll = strlen(lk);
            if (ll && (m < ll + SPLIT_MIN_PART || memcmp(w + i - ll, lk, ll)))
                continue;
            if (++*looks > SPLIT_MAX_LOOKS) return 0;
            if ((rc = piece_term(a, pl, la, lang, w + from, m - ll, t, &tl,
                                 &df)))
                return rc;
            if (df > bdf) {
                bdf = df;
                memcpy(bt, t, tl);
                btl = tl;
            }
        }
        if (!bdf) continue;
        split_best next = *cur;
        memcpy(next.term[cur->n], bt, btl);
        next.len[cur->n] = btl;
        next.n = cur->n + 1;
        next.score = cur->score + log2((double)bdf + 1);
        if ((rc = split_rest(a, pl, la, lang, w, wl, i, left - 1, &next,
                             best, looks)))
            return rc;
    }
    return 0;
}

/* Adds to found[*nfound..max) the distinct index terms that start with
 * t[0, tl) and have at least min_extra more bytes; *more is set when
 * another one was left out for lack of room. */
static int prefix_terms(plan *pl, const char *t, size_t tl, size_t min_extra,
                        zk_buf *found, size_t *nfound, size_t max,
                        int *more) {
    int rc = 0;
    for (size_t si = 0; si < pl->nsnap && !rc; si++) {
        snapshot *sn = &pl->snap[si];
        for (uint32_t k = 0; k < sn->st.nseg && !rc; k++) {
            post_iter it;
            int r = post_iter_open(&it, sn->t, sn->st.seg[k].id,
                                   (const uint8_t *)t, tl, 0);
            if (r) {
                rc = r;
                break;
            }
            while (!r && !it.done) {
                if (it.tlen < tl || memcmp(it.term, t, tl)) break;
                if (it.tlen >= tl + min_extra) {
                    int dup = 0;
                    for (size_t i = 0; i < *nfound && !dup; i++)
                        dup = !post_term_cmp(found[i].p, found[i].len,
                                             it.term, it.tlen);
                    if (!dup && *nfound == max) {
                        *more = 1;
                        break;
                    }
                    if (!dup &&
                        zk_buf_put(&found[(*nfound)++], it.term, it.tlen)) {
                        rc = ZOEK_ENOMEM;
                        break;
                    }
                }
                r = post_iter_next(&it);
            }
            post_iter_close(&it);
            if (r && r != ZOEK_ENOTFOUND && !rc) rc = r;
        }
    }
    return rc;
}

/* Adds a group of n variants for the query word w[0, wl) to node nd. */
static int add_word_group(plan *pl, pnode *nd, size_t *cap,
                          const char *const *sv, const size_t *lv,
                          const unsigned *mv, size_t n, const qnode *q,
                          const char *w, size_t wl) {
    long g = add_group(pl, sv, lv, mv, n, q->occur != Q_NOT);
    if (g == -1) return ZOEK_ENOMEM;
    if (g == -3) return ZOEK_EQUERY;
    if (g < 0) return 0;
    if (set_word(pl, g, w, wl) ||
        zk_grow((void **)&nd->g, cap, nd->ng + 1, sizeof(uint32_t)))
        return ZOEK_ENOMEM;
    nd->g[nd->ng++] = (uint32_t)g;
    return 0;
}

/* The compounds that begin with the query word w[0, wl) (its term in
 * lang: whole), as one more word of node nd; none when there are more
 * than EXPAND_MAX (Dutch tweelingpriem: tweelingpriemgetallen). */
static int expand_compounds(plan *pl, pnode *nd, size_t *cap, const qnode *q,
                            const an_term *whole, int lang, const char *w,
                            size_t wl) {
    zk_buf found[EXPAND_MAX];
    size_t nf = 0;
    int more = 0;
    memset(found, 0, sizeof found);
    int rc = prefix_terms(pl, whole->s, whole->len, EXPAND_MIN_EXTRA, found,
                          &nf, EXPAND_MAX, &more);
    if (!rc && nf && !more) {
        const char *sv[EXPAND_MAX];
        size_t lv[EXPAND_MAX];
        unsigned mv[EXPAND_MAX];
        for (size_t i = 0; i < nf; i++) {
            sv[i] = (const char *)found[i].p;
            lv[i] = found[i].len;
            mv[i] = 1u << lang;
        }
        rc = add_word_group(pl, nd, cap, sv, lv, mv, nf, q, w, wl);
    }
    for (size_t i = 0; i < nf; i++) zk_buf_free(&found[i]);
    return rc;
}

/* A German or Dutch query word that no passage holds and that the
 * compound splitter leaves whole (its parts are not in the word lists:
 * Gletscherabfluss, vegetatiemetingen) is searched, in this order of
 * preference, as the word without a final -s after a vowel (Odingas), as
 * pieces the index holds (searched as the parts of a compound are), or as
 * the compounds that begin with it.  Only the query changes, so the index
 * stays the same whatever it holds.  This happens in a language the
 * indexes have passages in: a Dutch word is not split into the German
 * words of a German index. */
static int index_split(analyzer *a, plan *pl, const qnode *q, pnode *n,
                       lang_an *la, uint32_t tok, size_t *cap) {
    for (int l = ZK_LANG_DE; l <= ZK_LANG_NL; l++) {
        if (!(pl->langs & pl->present & (1u << l)) ||
            (pl->qlang >= 0 && pl->qlang != l))
            continue;
        const an_out *o = &la->o[l];
        if (tok >= o->toks.n) continue;
        const token *tk = &o->toks.v[tok];
        if (tk->flags & (TOK_DIGIT | TOK_HYPHEN | TOK_DOT | TOK_LONG))
            continue;
        size_t wl = tk->end - tk->start;
        if (wl < GENITIVE_MIN_WORD || wl > SPLIT_MAX_WORD) continue;
        const an_term *whole = NULL;
        int subs = 0;
        for (size_t i = 0; i < o->nterms; i++) {
            if (o->terms[i].tok != tok) continue;
            if (o->terms[i].flags & AN_SUB) subs = 1;
            else whole = &o->terms[i];
        }
        if (!whole || subs) continue;
        uint64_t df;
        int rc = index_df(pl, whole->s, whole->len, &df);
        if (rc) return rc;
        if (df) continue;
        const char *w = q->text + tk->start;
        split_best *cur = zk_calloc(2, sizeof(split_best));
        if (!cur) return ZOEK_ENOMEM;
        split_best *best = cur + 1;
        /* a name's genitive or plural -s after a vowel (Odingas, Kenias):
         * the word without it, if passages hold that */
        if ((w[wl - 1] | 0x20) == 's' && strchr("aeiouyAEIOUY", w[wl - 2])) {
            rc = piece_term(a, pl, la, l, w, wl - 1, best->term[0],
                            &best->len[0], &df);
            if (!rc && df) best->n = 1;
        }
        unsigned looks = 0;
        if (!rc && !best->n && wl >= SPLIT_MIN_WORD)
            rc = split_rest(a, pl, la, l, w, wl, 0, SPLIT_MAX_PARTS, cur,
                            best, &looks);
        if (!rc && !best->n && wl >= SPLIT_MIN_WORD) /* no split */
            rc = expand_compounds(pl, n, cap, q, whole, l, w, wl);
        for (int i = 0; !rc && i < best->n; i++) {
            const char *sv[1] = {best->term[i]};
            size_t lv[1] = {best->len[i]};
            unsigned mv[1] = {1u << l};
            rc = add_word_group(pl, n, cap, sv, lv, mv, 1, q, w, wl);
        }
        zk_free(cur);
        if (rc) return rc;
    }
    return 0;
}

/* The parts of the closed compounds in token tok (its np positions from
 * p0; German and Dutch, and a name's letters before its number, Tet1),
 * as words of node nd.  When
 * a passage holds the compound itself, its parts are one word, their
 * terms its variants: a passage holding the compound holds its parts
 * too, and the compound and each part as words of their own would
 * outweigh the question's other words (südafrikanische: sudafrikan, sud
 * and afrikan, against a passage on Südafrika).  When none does, each
 * part is a word of its own, as the words of a phrase are (and each is
 * translated in cross-language search). */
#define PARTS_MAX 32 /* part terms of one word, in every language */
static int compound_parts(plan *pl, const qnode *q, pnode *nd,
                          const lang_an *la, uint32_t tok, uint32_t p0,
                          uint32_t np, size_t *cap) {
    const token *tk = &la->o[ref_lang(pl)].toks.v[tok];
    const char *w = q->text + tk->start;
    size_t wl = tk->end - tk->start;
    for (uint32_t pos = p0; pos < p0 + np; pos++) {
        const char *sv[PARTS_MAX];
        size_t lv[PARTS_MAX];
        unsigned mv[PARTS_MAX];
        size_t n = 0;
        uint64_t held = 0;
        for (int l = 0; l < 3; l++) {
            if (!(pl->langs & (1u << l))) continue;
            const an_out *o = &la->o[l];
            for (size_t i = 0; i < o->nterms; i++) {
                const an_term *t = &o->terms[i];
                if (t->tok != tok || t->pos != pos || (t->flags & AN_WHOLE))
                    continue;
                if (!(t->flags & AN_SUB)) { /* the compound */
                    uint64_t df = 0;
                    int rc = held ? 0 : index_df(pl, t->s, t->len, &df);
                    if (rc) return rc;
                    held += df;
                    continue;
                }
                int seen = 0; /* the same part in another language */
                for (size_t k = 0; k < n && !seen; k++)
                    seen = lv[k] == t->len && !memcmp(sv[k], t->s, t->len);
                if (seen || n == PARTS_MAX) continue;
                sv[n] = t->s;
                lv[n] = t->len;
                mv[n++] = 1u << l;
            }
        }
        if (!n) continue;
        if (held) {
            int rc = add_word_group(pl, nd, cap, sv, lv, mv, n, q, w, wl);
            if (rc) return rc;
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            int rc = add_word_group(pl, nd, cap, &sv[i], &lv[i], &mv[i], 1, q,
                                    w, wl);
            if (rc) return rc;
        }
    }
    return 0;
}

/* Whether token tok is a hyphenated compound of a German or Dutch query
 * (Amazonas-Regenwald, Zuid-Californië) whose whole term a passage
 * holds.  German and Dutch write their compounds closed, and with a
 * hyphen after a name or to join long parts; such a compound's parts
 * are then one word, as a closed compound's are (compound_parts).
 * English hyphenated words (anti-inflammatory, TNF-alpha) keep a word
 * per part. */
static int hyphen_held(plan *pl, const lang_an *la, uint32_t tok,
                       uint32_t p0, int *held) {
    unsigned gd = (1u << ZK_LANG_DE) | (1u << ZK_LANG_NL);
    *held = 0;
    if (pl->qlang >= 0 ? !((1u << pl->qlang) & gd) : (pl->langs & ~gd))
        return 0;
    for (int l = 0; l < 3; l++) {
        if (!(pl->langs & (1u << l))) continue;
        const an_term *t = find_term(&la->o[l], tok, 1, p0);
        uint64_t df = 0;
        int rc = t ? index_df(pl, t->s, t->len, &df) : 0;
        if (rc) return rc;
        if (df) {
            *held = 1;
            return 0;
        }
    }
    return 0;
}

/* The terms of the np positions of token tok from p0, in every
 * language, as one word of node nd. */
static int positions_group(plan *pl, pnode *nd, size_t *cap, const qnode *q,
                           const lang_an *la, uint32_t tok, uint32_t p0,
                           uint32_t np) {
    const token *tk = &la->o[ref_lang(pl)].toks.v[tok];
    const char *sv[PARTS_MAX];
    size_t lv[PARTS_MAX];
    unsigned mv[PARTS_MAX];
    size_t n = 0;
    for (uint32_t j = 0; j < np; j++) {
        for (int l = 0; l < 3 && n < PARTS_MAX; l++) {
            if (!(pl->langs & (1u << l))) continue;
            const an_term *t = find_term(&la->o[l], tok, 0, p0 + j);
            if (!t) continue;
            sv[n] = t->s;
            lv[n] = t->len;
            mv[n++] = 1u << l;
        }
    }
    return add_word_group(pl, nd, cap, sv, lv, mv, n, q, q->text + tk->start,
                          tk->end - tk->start);
}

/* Builds the groups of a word or phrase.  Phrases record, per group, the
 * position relative to the phrase's first word. */
static int compile_text(analyzer *a, plan *pl, const qnode *q, pnode *n,
                        lang_an *la) {
    int phrase = q->kind == Q_PHRASE;
    int rc = analyze_all(a, pl, q->text, q->len, la);
    if (rc) return rc;
    int rl = ref_lang(pl);
    const an_out *ro = &la->o[rl];
    size_t cap = 0;
    uint32_t base = UINT32_MAX;
    for (uint32_t tok = 0; tok < ro->toks.n; tok++) {
        if (token_dropped(pl, la, tok)) continue;
        uint32_t p0 = ro->tpos[tok];
        uint32_t np = (tok + 1 < ro->toks.n ? ro->tpos[tok + 1] : ro->npos) - p0;
        /* slots: the whole compound (words only), then each position (or
         * the positions as one word) */
        int held = 0;
        if (!phrase && np > 1 && (rc = hyphen_held(pl, la, tok, p0, &held)))
            return rc;
        for (int whole = phrase ? 0 : 1; whole >= 0; whole--) {
            if (held && !whole) {
                if ((rc = positions_group(pl, n, &cap, q, la, tok, p0, np)))
                    return rc;
                continue;
            }
            for (uint32_t j = 0; j < (whole ? 1u : np); j++) {
                const char *s[3];
                size_t len[3];
                unsigned lm[3];
                size_t nv = 0;
                for (int l = 0; l < 3; l++) {
                    if (!(pl->langs & (1u << l))) continue;
                    const an_term *t = find_term(&la->o[l], tok, whole, p0 + j);
                    if (!t && !whole && np == 1)
                        t = find_term(&la->o[l], tok, 0, la->o[l].tpos[tok]);
                    if (t) {
                        s[nv] = t->s;
                        lm[nv] = 1u << l;
                        len[nv++] = t->len;
                    }
                }
                long g = add_group(pl, s, len, lm, nv, q->occur != Q_NOT);
                const token *tk = &ro->toks.v[tok];
                if (g >= 0 && set_word(pl, g, q->text + tk->start,
                                       tk->end - tk->start))
                    return ZOEK_ENOMEM;
                if (g == -1) return ZOEK_ENOMEM;
                if (g == -3) return ZOEK_EQUERY;
                if (g < 0) continue;
                if (zk_grow((void **)&n->g, &cap, n->ng + 1, sizeof(uint32_t)))
                    return ZOEK_ENOMEM;
                if (phrase) {
                    uint32_t *r = zk_realloc(n->rel, cap * sizeof(uint32_t));
                    if (!r) return ZOEK_ENOMEM;
                    n->rel = r;
                    if (base == UINT32_MAX) base = p0 + j;
                    n->rel[n->ng] = p0 + j - base;
                }
                n->g[n->ng++] = (uint32_t)g;
            }
        }
        if (phrase) continue;
        if ((rc = compound_parts(pl, q, n, la, tok, p0, np, &cap))) return rc;
        if ((rc = index_split(a, pl, q, n, la, tok, &cap))) return rc;
    }
    if (n->ng == 0) n->kind = PN_NONE;
    else if (!phrase) n->kind = n->ng == 1 ? PN_GROUP : PN_ANY;
    else n->kind = PN_PHRASE;
    return 0;
}

/* Expands word* to the index terms starting with the folded word. */
static int compile_prefix(analyzer *a, plan *pl, const qnode *q, pnode *n) {
    (void)a;
    char fold[NORM_BUF], lf[NORM_BUF];
    size_t fl = norm_fold_word(q->text, q->len, fold);
    n->kind = PN_NONE;
    if (!fl) return 0;
    zk_buf found[PREFIX_MAX];
    size_t nfound = 0;
    memset(found, 0, sizeof found);
    int rc = 0, more = 0;
    for (int l = 0; l < 3 && !rc; l++) {
        if (!(pl->langs & (1u << l))) continue;
        size_t ll = norm_lang_fold(l, fold, fl, lf);
        if (!ll || ll > 500) continue; /* no key holds a longer term */
        rc = prefix_terms(pl, lf, ll, 0, found, &nfound, PREFIX_MAX, &more);
    }
    if (!rc && nfound) {
        const char *s[PREFIX_MAX];
        size_t len[PREFIX_MAX], cap = 0;
        for (size_t i = 0; i < nfound; i++) {
            s[i] = (const char *)found[i].p;
            len[i] = found[i].len;
        }
        /* the word with its '*' */
        rc = add_word_group(pl, n, &cap, s, len, NULL, nfound, q, q->text,
                            q->len + 1);
        if (!rc && n->ng) n->kind = PN_GROUP;
    }
    for (size_t i = 0; i < nfound; i++) zk_buf_free(&found[i]);
    return rc;
}

static int compile(analyzer *a, plan *pl, const qnode *q, pnode **out,
                   lang_an *la) {
    pnode *n = node_new(pl, PN_NONE);
    if (!n) return ZOEK_ENOMEM;
    n->occur = q->occur;
    *out = n;
    switch (q->kind) {
    case Q_WORD:
    case Q_PHRASE: return compile_text(a, pl, q, n, la);
    case Q_PREFIX: return compile_prefix(a, pl, q, n);
    case Q_BOOL:
        n->kind = PN_BOOL;
        if (q->nkids) {
            n->kids = zk_malloc(q->nkids * sizeof(pnode *));
            if (!n->kids) return ZOEK_ENOMEM;
        }
        for (size_t i = 0; i < q->nkids; i++) {
            pnode *k;
            int rc = compile(a, pl, q->kids[i], &k, la);
            if (rc) return rc;
            if (k->kind == PN_NONE) continue; /* only stopwords: no clause */
            n->kids[n->nkids++] = k;
        }
        if (n->nkids == 0) n->kind = PN_NONE;
        return 0;
    }
    return 0;
}

/* ---------------------------------------------------- cross-language */

/* Translations kept per query word and target language, best supported
 * first (dictionary senses that give the pair). */
#define CROSS_FANOUT 32

typedef struct xcand {
    size_t off, len;      /* term bytes in the scratch buffer */
    uint64_t count;       /* support */
    int lang;             /* target language */
} xcand;

typedef struct xlist {
    xcand *v;
    size_t n, cap;
    zk_buf tb;            /* term bytes */
} xlist;

/* Appends the single-word translations of (lang, key) into languages
 * `into` to x, each count multiplied by mul.  Returns how many. */
static int xl_lookup(store_txn *t, int lang, const char *key, size_t klen,
                     unsigned into, uint64_t mul, xlist *x, size_t *added) {
    *added = 0;
    const uint8_t *v;
    size_t vl;
    int rc = xlat_get(t, lang, key, klen, &v, &vl);
    if (rc == ZOEK_ENOTFOUND) return 0;
    if (rc) return rc;
    dict_iter it;
    dict_tr tr;
    if (dict_iter_init(&it, v, vl)) return ZOEK_ECORRUPT;
    while ((rc = dict_iter_next(&it, &tr)) == 1) {
        if ((tr.flags & DICT_TR_PHRASE) || !(into & (1u << tr.lang))) continue;
        if (zk_grow((void **)&x->v, &x->cap, x->n + 1, sizeof(xcand)))
            return ZOEK_ENOMEM;
        xcand *c = &x->v[x->n++];
        c->off = x->tb.len;
        c->len = tr.len;
        c->count = (uint64_t)tr.count * mul;
        c->lang = tr.lang;
        if (zk_buf_put(&x->tb, tr.term, tr.len)) return ZOEK_ENOMEM;
        (*added)++;
    }
    return rc < 0 ? rc : 0;
}

static int xcand_cmp(const void *a, const void *b, void *ud) {
    const xcand *x = a, *y = b;
    const uint8_t *tb = ud;
    if (x->lang != y->lang) return x->lang < y->lang ? -1 : 1;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(tb + x->off, tb + y->off, n);
    if (c) return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* The translations of one source term into the target languages: direct;
 * for a target without any, through the third language (pivot); then
 * through the longest listed prefix of the term (a stem that kept an
 * inflection). */
static int xl_translate(store_txn *t, int src, const char *term, size_t len,
                        unsigned targets, xlist *x) {
    x->n = 0;
    x->tb.len = 0;
    size_t added;
    unsigned all = targets | 7u;
    int rc = xl_lookup(t, src, term, len, all & ~(1u << src), 1, x, &added);
    if (rc) return rc;
    size_t direct = x->n;
    for (int T = 0; T < 3; T++) {
        if (!(targets & (1u << T)) || T == src) continue;
        int have = 0;
        for (size_t i = 0; i < direct && !have; i++) have = x->v[i].lang == T;
        if (have) continue;
        int Z = 3 - src - T;
        for (size_t i = 0; i < direct; i++) {
            if (x->v[i].lang != Z) continue;
            char mid[DICT_MAX_KEY];
            size_t ml = x->v[i].len < sizeof mid ? x->v[i].len : sizeof mid;
            memcpy(mid, x->tb.p + x->v[i].off, ml);
            if ((rc = xl_lookup(t, Z, mid, ml, 1u << T, x->v[i].count, x,
                                &added)))
                return rc;
            have |= added > 0;
        }
        for (size_t l = len - 1; !have && len > 4 && l >= 4 && l + 3 >= len;
             l--) {
            if ((rc = xl_lookup(t, src, term, l, 1u << T, 1, x, &added)))
                return rc;
            have = added > 0;
        }
    }
    /* the others' direct translations into src-side languages not wanted */
    size_t k = 0;
    for (size_t i = 0; i < x->n; i++)
        if ((targets & (1u << x->v[i].lang)) && x->v[i].lang != src)
            x->v[k++] = x->v[i];
    x->n = k;
    zk_sort_r(x->v, x->n, sizeof(xcand), xcand_cmp, x->tb.p);
    /* dedupe (a pair reached twice keeps its first, best count) and cap */
    k = 0;
    size_t per = 0;
    for (size_t i = 0; i < x->n; i++) {
        if (k && x->v[k - 1].lang != x->v[i].lang) per = 0;
        int dup = 0;
        for (size_t j = 0; j < k && !dup; j++)
            dup = x->v[j].lang == x->v[i].lang && x->v[j].len == x->v[i].len &&
                  !memcmp(x->tb.p + x->v[j].off, x->tb.p + x->v[i].off,
                          x->v[i].len);
        if (dup || per >= CROSS_FANOUT) continue;
        x->v[k++] = x->v[i];
        per++;
    }
    x->n = k;
    return 0;
}

/* Adds to every word group the translations of its source-language term
 * (languages `srcs`) into the languages `targets`: one group, so tf and
 * df are those of the union (structured query translation). */
static int cross_expand(plan *pl, store_txn *t, unsigned srcs,
                        unsigned targets) {
    pvar *nv = NULL;
    size_t nn = 0, ncap = 0;
    xlist x;
    memset(&x, 0, sizeof x);
    int rc = 0;
    for (size_t gi = 0; gi < pl->ng && !rc; gi++) {
        pgroup *g = &pl->g[gi];
        size_t v0 = nn;
        int prefix = 0;
        for (size_t v = 0; v < g->nvar; v++) {
            if (zk_grow((void **)&nv, &ncap, nn + 1, sizeof(pvar))) {
                rc = ZOEK_ENOMEM;
                break;
            }
            nv[nn++] = pl->var[g->var0 + v];
            prefix |= pl->var[g->var0 + v].langs == 0;
        }
        for (int S = 0; S < 3 && !rc && !prefix; S++) {
            if (!(srcs & (1u << S))) continue;
            const pvar *sv = NULL;
            for (size_t v = 0; v < g->nvar && !sv; v++)
                if (pl->var[g->var0 + v].langs & (1u << S))
                    sv = &pl->var[g->var0 + v];
            if (!sv) continue;
            /* the term bytes may move when tb grows: copy them */
            char term[DICT_MAX_KEY];
            if (sv->len > sizeof term) continue;
            size_t tl = sv->len;
            memcpy(term, pl->tb.p + sv->off, tl);
            if ((rc = xl_translate(t, S, term, tl, targets, &x))) break;
            for (size_t i = 0; i < x.n && !rc; i++) {
                const xcand *c = &x.v[i];
                int dup = 0;
                for (size_t j = v0; j < nn && !dup; j++) {
                    dup = nv[j].len == c->len &&
                          !memcmp(pl->tb.p + nv[j].off, x.tb.p + c->off,
                                  c->len);
                    if (dup && nv[j].xl) nv[j].xl |= 1u << c->lang;
                }
                if (dup) continue;
                if (zk_grow((void **)&nv, &ncap, nn + 1, sizeof(pvar))) {
                    rc = ZOEK_ENOMEM;
                    break;
                }
                nv[nn].off = pl->tb.len;
                nv[nn].len = c->len;
                nv[nn].langs = 1u << c->lang;
                nv[nn].xl = 1u << c->lang;
                if (zk_buf_put(&pl->tb, x.tb.p + c->off, c->len)) {
                    rc = ZOEK_ENOMEM;
                    break;
                }
                nn++;
            }
        }
        g->var0 = v0;
        g->nvar = nn - v0;
    }
    zk_free(x.v);
    zk_buf_free(&x.tb);
    if (rc) {
        zk_free(nv);
        return rc;
    }
    zk_free(pl->var);
    pl->var = nv;
    pl->nvar = nn;
    pl->varcap = ncap;
    return 0;
}

/* --------------------------------------------------------- statistics */

/* Opens c on the postings of variant v in segment seg (ZOEK_ENOTFOUND
 * when the segment does not hold it). */
static int var_open(tcur *c, store_txn *t, uint32_t seg, const plan *pl,
                    const pvar *v) {
    return tcur_open(c, t, seg, (const char *)pl->tb.p + v->off, v->len);
}

/* Live passages holding term s in the snapshot: the segments' header df
 * less deldf.  *total (may be NULL) gets the headers' sum. */
static int term_df(snapshot *sn, const char *s, size_t len, uint64_t *df,
                   uint64_t *total) {
    uint64_t sum = 0;
    int rc;
    *df = 0;
    if (total) *total = 0;
    if (len > 500) return 0;
    post_buf pb;
    memset(&pb, 0, sizeof pb);
    for (uint32_t k = 0; k < sn->st.nseg; k++) {
        const uint8_t *val;
        size_t vl;
        rc = post_get(sn->t, sn->st.seg[k].id, (const uint8_t *)s, len, &pb,
                      &val, &vl, NULL);
        if (rc == ZOEK_ENOTFOUND) continue;
        codec_header h;
        if (!rc) rc = codec_parse_header(val, vl, &h);
        if (rc) {
            post_buf_free(&pb);
            return rc;
        }
        sum += h.df;
    }
    post_buf_free(&pb);
    if (total) *total = sum;
    if (sum) {
        const void *val;
        size_t vl;
        rc = store_get(sn->t, DB_DELDF, s, len, &val, &vl);
        if (rc == 0) {
            if (vl != 4) return ZOEK_ECORRUPT;
            uint32_t dead = zk_get_le32(val);
            if (dead > sum) return ZOEK_ECORRUPT;
            sum -= dead;
        } else if (rc != ZOEK_ENOTFOUND) {
            return rc;
        }
    }
    *df = sum;
    return 0;
}

/* Passage id spans up to this many ids count a union of postings with a
 * bitmap (UNION_BITMAP_MAX / 8 bytes); sparser ones merge cursors. */
#define UNION_BITMAP_MAX (1u << 26)

static unsigned popcount64(uint64_t x) {
    x -= (x >> 1) & 0x5555555555555555u;
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
    return (unsigned)((x * 0x0101010101010101u) >> 56);
}

/* A bitmap over passage ids whose words are zeroed when first set: a
 * summary bit per word tells the words in use, so that neither zeroing
 * nor scanning it costs more than the postings that set it. */
typedef struct ubits {
    uint64_t *w;         /* words; only those in sum are defined */
    uint64_t *sum;       /* bit i: word i in use */
    size_t nw, nsum;     /* counts */
} ubits;

static void ubits_set(ubits *u, size_t b) {
    size_t wi = b / 64;
    uint64_t sb = (uint64_t)1 << (wi % 64);
    if (!(u->sum[wi / 64] & sb)) {
        u->sum[wi / 64] |= sb;
        u->w[wi] = 0;
    }
    u->w[wi] |= (uint64_t)1 << (b % 64);
}

/* The first set bit >= b, or SIZE_MAX. */
static size_t ubits_next(const ubits *u, size_t b) {
    size_t wi = b / 64;
    if (wi >= u->nw) return SIZE_MAX;
    uint64_t w = 0;
    if (u->sum[wi / 64] >> (wi % 64) & 1)
        w = u->w[wi] & (~(uint64_t)0 << (b % 64));
    while (!w) {
        if (++wi >= u->nw) return SIZE_MAX;
        size_t si = wi / 64;
        uint64_t s = u->sum[si] & (~(uint64_t)0 << (wi % 64));
        while (!s && ++si < u->nsum) s = u->sum[si];
        if (!s) return SIZE_MAX;
        wi = si * 64 + (size_t)__builtin_ctzll(s);
        w = u->w[wi];
    }
    return wi * 64 + (size_t)__builtin_ctzll(w);
}

/* The passages of [lo, hi) holding any variant of g.  The variant with the
 * most postings counts from the statistics (its df); the postings of the
 * others set bits in a bitmap, the bits of passages the largest holds too
 * are cleared (seeking its cursors), then every DEAD_BITS page of the map
 * in use loses the dead passages (tombstone pages) and is counted. */
static int union_df_bitmap(snapshot *sn, plan *pl, pgroup *g, uint32_t lo,
                           uint32_t hi, int anydead, uint64_t *df) {
    size_t big = 0, nheld = 0;
    uint64_t bigdf = 0, bigtotal = 0;
    for (size_t i = 0; i < g->nvar; i++) {
        const pvar *v = &pl->var[g->var0 + i];
        uint64_t d, tot;
        int r = term_df(sn, (const char *)pl->tb.p + v->off, v->len, &d,
                        &tot);
        if (r) return r;
        if (tot) nheld++;
        if (i == 0 || tot > bigtotal) {
            big = i;
            bigdf = d;
            bigtotal = tot;
        }
    }
    if (nheld <= 1) { /* the largest alone holds postings */
        *df = bigdf;
        return 0;
    }
    uint32_t base = lo / DEAD_BITS * DEAD_BITS;
    size_t npage = ((size_t)hi - base + DEAD_BITS - 1) / DEAD_BITS;
    const size_t wpp = DEAD_BITS / 64; /* words per page */
    ubits u;
    u.nw = npage * wpp;
    u.nsum = (u.nw + 63) / 64;
    u.w = zk_malloc(u.nw * sizeof(uint64_t));
    u.sum = zk_calloc(u.nsum, sizeof(uint64_t));
    int rc = u.w && u.sum ? 0 : ZOEK_ENOMEM;
    for (uint32_t k = 0; k < sn->st.nseg && !rc; k++) {
        for (size_t i = 0; i < g->nvar && !rc; i++) {
            if (i == big) continue;
            const pvar *v = &pl->var[g->var0 + i];
            tcur c;
            int r = var_open(&c, sn->t, sn->st.seg[k].id, pl, v);
            if (r == ZOEK_ENOTFOUND) continue;
            if (r) {
                rc = r;
                break;
            }
            while (!rc && c.doc != TC_END) {
                if (c.doc < base || c.doc >= hi) {
                    rc = ZOEK_ECORRUPT; /* outside its segment's ranges */
                    break;
                }
                ubits_set(&u, c.doc - base);
                rc = tcur_next(&c);
            }
            tcur_close(&c);
        }
    }
    /* clear what the largest variant holds: visit the set bits in order,
     * seeking its cursor in each segment */
    const pvar *bv = &pl->var[g->var0 + big];
    for (uint32_t k = 0; k < sn->st.nseg && !rc; k++) {
        tcur c;
        int r = var_open(&c, sn->t, sn->st.seg[k].id, pl, bv);
        if (r == ZOEK_ENOTFOUND) continue;
        if (r) {
            rc = r;
            break;
        }
        size_t pos = 0; /* bits before pos are done */
        while (!rc && c.doc != TC_END) {
            if (c.doc < base || c.doc >= hi) {
                rc = ZOEK_ECORRUPT;
                break;
            }
            if (pos < (size_t)(c.doc - base)) pos = c.doc - base;
            size_t b = ubits_next(&u, pos);
            if (b == SIZE_MAX) break;
            uint32_t d = base + (uint32_t)b;
            if ((rc = tcur_seek(&c, d))) break;
            if (c.doc == d) u.w[b / 64] &= ~((uint64_t)1 << (b % 64));
            pos = b + 1;
        }
        tcur_close(&c);
    }
    uint64_t n = 0;
    const size_t spp = wpp / 64; /* summary words per page */
    for (size_t pg = 0; pg < npage && !rc; pg++) {
        uint64_t cnt = 0;
        for (size_t si = pg * spp; si < (pg + 1) * spp; si++)
            for (uint64_t s = u.sum[si]; s; s &= s - 1)
                cnt += popcount64(u.w[si * 64 + (size_t)__builtin_ctzll(s)]);
        if (cnt && anydead) {
            uint8_t key[4];
            key_u32(key, (uint32_t)(base / DEAD_BITS + pg));
            const void *val;
            size_t vl;
            int r = store_get(sn->t, DB_DEAD, key, 4, &val, &vl);
            if (r == 0 && vl == DEAD_BITS / 8) {
                const uint8_t *dp = val;
                for (size_t si = pg * spp; si < (pg + 1) * spp; si++)
                    for (uint64_t s = u.sum[si]; s; s &= s - 1) {
                        size_t wi = si * 64 + (size_t)__builtin_ctzll(s);
                        size_t j = wi - pg * wpp;
                        cnt -= popcount64(u.w[wi] & zk_get_le64(dp + j * 8));
                    }
            } else if (r == 0) {
                rc = ZOEK_ECORRUPT;
            } else if (r != ZOEK_ENOTFOUND) {
                rc = r;
            }
        }
        n += cnt;
    }
    zk_free(u.w);
    zk_free(u.sum);
    if (!rc) *df = n + bigdf;
    return rc;
}

/* Exact df of a group in one snapshot: live passages holding a variant. */
static int group_df(snapshot *sn, plan *pl, pgroup *g, uint64_t *df) {
    *df = 0;
    int rc = 0;
    if (g->nvar == 1) {
        const pvar *v = &pl->var[g->var0];
        return term_df(sn, (const char *)pl->tb.p + v->off, v->len, df,
                       NULL);
    }
    /* several variants: the union of their passages */
    uint32_t lo = UINT32_MAX, hi = 0;
    uint64_t ndead = 0;
    for (uint32_t k = 0; k < sn->st.nseg; k++) {
        const seg_info *si = &sn->st.seg[k];
        ndead += si->ndead;
        for (uint32_t r = 0; r < si->nranges; r++) {
            if (si->ranges[r].lo < lo) lo = si->ranges[r].lo;
            if (si->ranges[r].hi > hi) hi = si->ranges[r].hi;
        }
    }
    if (hi <= lo) return 0;
    if (hi - lo <= UNION_BITMAP_MAX) return union_df_bitmap(sn, pl, g, lo, hi,
                                                           ndead > 0, df);
    /* a sparse id space: merge the cursors */
    for (uint32_t k = 0; k < sn->st.nseg; k++) {
        tcur *c = zk_calloc(g->nvar, sizeof(tcur));
        if (!c) return ZOEK_ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < g->nvar && !rc; i++) {
            const pvar *v = &pl->var[g->var0 + i];
            int r = var_open(&c[n], sn->t, sn->st.seg[k].id, pl, v);
            if (r == 0) n++;
            else if (r != ZOEK_ENOTFOUND) rc = r;
        }
        int checkdead = sn->st.seg[k].ndead > 0;
        while (!rc) {
            uint32_t d = TC_END;
            for (size_t i = 0; i < n; i++)
                if (c[i].doc < d) d = c[i].doc;
            if (d == TC_END) break;
            if (!checkdead || !dead_test(sn->t, d, &rc)) (*df)++;
            for (size_t i = 0; i < n && !rc; i++)
                if (c[i].doc == d) rc = tcur_next(&c[i]);
        }
        for (size_t i = 0; i < n; i++) tcur_close(&c[i]);
        zk_free(c);
        if (rc) return rc;
    }
    return 0;
}

/* --------------------------------------------------------------- top-k */

typedef struct cand {
    double score;   /* BM25 */
    double prox;    /* proximity bonus (added for the final order) */
    uint32_t pass;  /* passage id */
    uint32_t art;   /* article id (docs mode, or filled at the end) */
    uint32_t snap;  /* which index */
    int32_t hpos;   /* place in topk.heap, -1 when not there */
} cand;

typedef struct topk {
    cand *v;
    size_t n, cap;
    size_t k;          /* wanted */
    double theta;      /* admission threshold: the k-th best score */
    int docs;          /* one per article */
    uint64_t *amap;    /* docs: (snap << 32 | art) + 1 -> index, hashed */
    uint32_t *aidx;
    size_t amapcap;
    uint64_t matches;  /* candidates scored that matched */
    uint32_t *heap;    /* the k best of v (one per article in docs mode),
                        * a min-heap by score: its top is theta */
    size_t nheap, heapcap;
} topk;

static int cmp_cand(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    if (x->snap != y->snap) return x->snap < y->snap ? -1 : 1;
    return x->pass < y->pass ? -1 : x->pass > y->pass;
}

static int amap_rebuild(topk *tk) {
    size_t need = 16;
    while (need < tk->n * 2 + 16) need *= 2;
    if (need > tk->amapcap) {
        zk_free(tk->amap);
        zk_free(tk->aidx);
        tk->amap = zk_malloc(need * sizeof(uint64_t));
        tk->aidx = zk_malloc(need * sizeof(uint32_t));
        if (!tk->amap || !tk->aidx) {
            tk->amapcap = 0;
            return ZOEK_ENOMEM;
        }
        tk->amapcap = need;
    }
    memset(tk->amap, 0, tk->amapcap * sizeof(uint64_t));
    for (size_t i = 0; i < tk->n; i++) {
        uint64_t key = ((uint64_t)tk->v[i].snap << 32 | tk->v[i].art) + 1;
        size_t j = (size_t)(zk_hash64(&key, 8, 9) & (tk->amapcap - 1));
        while (tk->amap[j]) j = (j + 1) & (tk->amapcap - 1);
        tk->amap[j] = key;
        tk->aidx[j] = (uint32_t)i;
    }
    return 0;
}

static void heap_put(topk *tk, size_t at, uint32_t i) {
    tk->heap[at] = i;
    tk->v[i].hpos = (int32_t)at;
}

static void heap_down(topk *tk, size_t at) {
    for (;;) {
        size_t m = at, l = 2 * at + 1, r = l + 1;
        if (l < tk->nheap && tk->v[tk->heap[l]].score < tk->v[tk->heap[m]].score)
            m = l;
        if (r < tk->nheap && tk->v[tk->heap[r]].score < tk->v[tk->heap[m]].score)
            m = r;
        if (m == at) return;
        uint32_t t = tk->heap[at];
        heap_put(tk, at, tk->heap[m]);
        heap_put(tk, m, t);
        at = m;
    }
}

static void heap_up(topk *tk, size_t at) {
    while (at > 0) {
        size_t up = (at - 1) / 2;
        if (tk->v[tk->heap[up]].score <= tk->v[tk->heap[at]].score) return;
        uint32_t t = tk->heap[at];
        heap_put(tk, at, tk->heap[up]);
        heap_put(tk, up, t);
        at = up;
    }
}

/* v[i] is new or its score rose: the heap of the k best follows, and
 * theta with it as soon as there are k. */
static int topk_track(topk *tk, uint32_t i) {
    if (!tk->k) return 0;
    if (tk->v[i].hpos >= 0) {
        heap_down(tk, (size_t)tk->v[i].hpos);
    } else if (tk->nheap < tk->k) {
        if (zk_grow((void **)&tk->heap, &tk->heapcap, tk->nheap + 1,
                    sizeof(uint32_t)))
            return ZOEK_ENOMEM;
        heap_put(tk, tk->nheap++, i);
        heap_up(tk, tk->nheap - 1);
    } else if (tk->v[i].score > tk->v[tk->heap[0]].score) {
        tk->v[tk->heap[0]].hpos = -1;
        heap_put(tk, 0, i);
        heap_down(tk, 0);
    }
    if (tk->nheap == tk->k && tk->v[tk->heap[0]].score > tk->theta)
        tk->theta = tk->v[tk->heap[0]].score;
    return 0;
}

/* Keeps the k best and everything tied with the k-th. */
static int topk_compact(topk *tk) {
    zk_sort(tk->v, tk->n, sizeof(cand), cmp_cand);
    if (tk->n > tk->k) {
        size_t keep = tk->k;
        while (keep < tk->n && tk->v[keep].score == tk->v[tk->k - 1].score)
            keep++;
        tk->n = keep;
    }
    if (tk->n >= tk->k && tk->k) tk->theta = tk->v[tk->k - 1].score;
    /* the heap: the first k, ascending (an ascending array is a min-heap) */
    size_t m = tk->n < tk->k ? tk->n : tk->k;
    for (size_t i = 0; i < tk->n; i++) tk->v[i].hpos = -1;
    if (m && zk_grow((void **)&tk->heap, &tk->heapcap, m, sizeof(uint32_t)))
        return ZOEK_ENOMEM;
    tk->nheap = m;
    for (size_t j = 0; j < m; j++) heap_put(tk, j, (uint32_t)(m - 1 - j));
    return tk->docs ? amap_rebuild(tk) : 0;
}

/* Offers a candidate; art must be set in docs mode. */
static int topk_offer(topk *tk, double score, double prox, uint32_t pass,
                      uint32_t art, uint32_t snap) {
    if (score < tk->theta) return 0;
    if (tk->docs) {
        uint64_t key = ((uint64_t)snap << 32 | art) + 1;
        if (tk->amapcap) {
            size_t j = (size_t)(zk_hash64(&key, 8, 9) & (tk->amapcap - 1));
            while (tk->amap[j]) {
                if (tk->amap[j] == key) {
                    cand *c = &tk->v[tk->aidx[j]];
                    if (score > c->score ||
                        (score == c->score && pass < c->pass)) {
                        c->score = score;
                        c->prox = prox;
                        c->pass = pass;
                        return topk_track(tk, tk->aidx[j]);
                    }
                    return 0;
                }
                j = (j + 1) & (tk->amapcap - 1);
            }
        }
    }
    if (zk_grow((void **)&tk->v, &tk->cap, tk->n + 1, sizeof(cand)))
        return ZOEK_ENOMEM;
    cand *c = &tk->v[tk->n++];
    c->score = score;
    c->prox = prox;
    c->pass = pass;
    c->art = art;
    c->snap = snap;
    c->hpos = -1;
    int rc = topk_track(tk, (uint32_t)(tk->n - 1));
    if (rc) return rc;
    if (tk->docs) {
        if (tk->n * 2 + 16 > tk->amapcap) return topk_compact(tk);
        uint64_t key = ((uint64_t)snap << 32 | art) + 1;
        size_t j = (size_t)(zk_hash64(&key, 8, 9) & (tk->amapcap - 1));
        while (tk->amap[j]) j = (j + 1) & (tk->amapcap - 1);
        tk->amap[j] = key;
        tk->aidx[j] = (uint32_t)(tk->n - 1);
    }
    if (tk->n >= 2 * tk->k + 64) return topk_compact(tk);
    return 0;
}

/* ----------------------------------------------------------- evaluator */

/* A group's cursors in one segment. */
typedef struct gcur {
    tcur *tc;        /* variant cursors present in the segment */
    size_t n;
    uint32_t *hp;    /* min-heap (by doc) of the cursors not at the end */
    size_t nh;
    uint32_t doc;    /* min doc, TC_END when exhausted */
    double ub;       /* upper bound of its score contribution */
} gcur;

typedef struct seg_eval {
    plan *pl;
    snapshot *sn;
    uint32_t snapno;
    bm25 prm;
    gcur *gc;        /* per plan group */
    uint32_t cand;   /* current candidate passage */
    int rc;          /* sticky error */
    topk *tk;
    int checkdead;   /* segment has tombstones */
    uint32_t span_first, span_end, span_art; /* last art_span, if end > 0 */
    store_cursor *pmap; /* for art_span_at, opened at the first use */
    plen_cur pc;     /* passage lengths */
    uint32_t lcand;  /* passage of ldl/llang, TC_END for none */
    uint32_t ldl;    /* its length */
    int llang;       /* and language */
    bm25_bound bb;   /* prm's tf part for every bound (block_bound,
                        gcur_window, the one-term tf skip) */
} seg_eval;

static void gcur_sift(gcur *g, size_t i) {
    uint32_t *h = g->hp;
    for (;;) {
        size_t m = i, l = 2 * i + 1, r = l + 1;
        if (l < g->nh && g->tc[h[l]].doc < g->tc[h[m]].doc) m = l;
        if (r < g->nh && g->tc[h[r]].doc < g->tc[h[m]].doc) m = r;
        if (m == i) return;
        uint32_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* The top cursor moved forward: restore the heap. */
static void gcur_fix_top(gcur *g) {
    if (g->tc[g->hp[0]].doc == TC_END) g->hp[0] = g->hp[--g->nh];
    if (g->nh) gcur_sift(g, 0);
}

static void gcur_update(gcur *g) {
    g->doc = g->nh ? g->tc[g->hp[0]].doc : TC_END;
}

/* Builds the heap over the open cursors. */
static void gcur_start(gcur *g) {
    g->nh = 0;
    for (size_t i = 0; i < g->n; i++)
        if (g->tc[i].doc != TC_END) g->hp[g->nh++] = (uint32_t)i;
    for (size_t i = g->nh / 2; i-- > 0;) gcur_sift(g, i);
    gcur_update(g);
}

static int gcur_seek(gcur *g, uint32_t target) {
    if (g->doc >= target) return 0;
    while (g->nh && g->tc[g->hp[0]].doc < target) {
        int rc = tcur_seek(&g->tc[g->hp[0]], target);
        if (rc) return rc;
        gcur_fix_top(g);
    }
    gcur_update(g);
    return 0;
}

static int gcur_next(gcur *g) {
    uint32_t d = g->doc;
    if (d == TC_END) return 0;
    if (g->nh == 1) { /* one cursor: no heap to keep */
        tcur *c = &g->tc[g->hp[0]];
        int rc = tcur_next(c);
        if (rc) return rc;
        if (c->doc == TC_END) g->nh = 0;
        g->doc = c->doc;
        return 0;
    }
    while (g->nh && g->tc[g->hp[0]].doc == d) {
        int rc = tcur_next(&g->tc[g->hp[0]]);
        if (rc) return rc;
        gcur_fix_top(g);
    }
    gcur_update(g);
    return 0;
}

/* Adds tf of the heap's subtree at i holding the current doc. */
static void gcur_tf_at(const gcur *g, size_t i, uint32_t *t) {
    if (i >= g->nh) return;
    const tcur *c = &g->tc[g->hp[i]];
    if (c->doc != g->doc) return;
    *t += tcur_tf(c);
    gcur_tf_at(g, 2 * i + 1, t);
    gcur_tf_at(g, 2 * i + 2, t);
}

/* tf of the group at its current doc. */
static uint32_t gcur_tf(const gcur *g) {
    if (g->nh == 1 && g->doc != TC_END) /* one cursor: no heap to walk */
        return tcur_tf(&g->tc[g->hp[0]]);
    uint32_t t = 0;
    if (g->doc != TC_END) gcur_tf_at(g, 0, &t);
    return t;
}

/* Group gi's score at its doc with the smallest passage length its
 * blocks' pairs allow for its tf (no plen lookup): at least its score
 * there.  With several variants there, the passage is as long as the
 * longest such length of any of them. */
static double block_bound(const seg_eval *e, uint32_t gi) {
    const gcur *g = &e->gc[gi];
    uint32_t tf, dl;
    if (g->nh == 1) {
        const tcur *c = &g->tc[g->hp[0]];
        tf = tcur_tf(c);
        dl = tcur_dl_for(c, tf);
    } else {
        tf = dl = 0;
        for (size_t i = 0; i < g->n; i++) {
            const tcur *c = &g->tc[i];
            if (c->doc != g->doc) continue;
            uint32_t t = tcur_tf(c), l = tcur_dl_for(c, t);
            tf += t;
            if (l > dl) dl = l;
        }
    }
    return e->pl->g[gi].w * bm25_tf_bound(&e->bb, tf, dl);
}

/* Length and language of the candidate passage (the postings carry
 * neither: they come from the plen table).  On an error e->rc is set and
 * the length is 1. */
static uint32_t cand_dl(seg_eval *e, int *lang) {
    if (e->lcand != e->cand) {
        int rc = plen_get(&e->pc, e->cand, &e->ldl, &e->llang);
        if (rc) {
            e->rc = rc;
            if (lang) *lang = -1;
            return 1;
        }
        e->lcand = e->cand;
    }
    if (lang) *lang = e->llang;
    return e->ldl;
}

/* Is group gi at the candidate?  Seeks lazily (candidates increase). */
static int present(seg_eval *e, uint32_t gi) {
    gcur *g = &e->gc[gi];
    if (g->doc < e->cand) {
        int rc = gcur_seek(g, e->cand);
        if (rc) {
            e->rc = rc;
            return 0;
        }
    }
    return g->doc == e->cand;
}

/* Sorted positions of group gi at the candidate, into buf. */
static int group_positions(seg_eval *e, uint32_t gi, uint32_t **buf,
                           size_t *cap, size_t *n) {
    gcur *g = &e->gc[gi];
    *n = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (g->tc[i].doc != e->cand) continue;
        const uint32_t *p;
        uint32_t np;
        int rc = tcur_positions(&g->tc[i], &p, &np);
        if (rc) return rc;
        if (zk_grow((void **)buf, cap, *n + np, sizeof(uint32_t)))
            return ZOEK_ENOMEM;
        memcpy(*buf + *n, p, np * sizeof(uint32_t));
        *n += np;
    }
    /* variants of one word rarely co-occur: a small insertion sort */
    for (size_t i = 1; i < *n; i++) {
        uint32_t x = (*buf)[i];
        size_t j = i;
        while (j > 0 && (*buf)[j - 1] > x) {
            (*buf)[j] = (*buf)[j - 1];
            j--;
        }
        (*buf)[j] = x;
    }
    return 0;
}

static int has_pos(const uint32_t *p, size_t n, uint32_t v) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (p[m] < v) lo = m + 1;
        else hi = m;
    }
    return lo < n && p[lo] == v;
}

static int phrase_match(seg_eval *e, const pnode *n) {
    for (size_t i = 0; i < n->ng; i++)
        if (!present(e, n->g[i])) return 0;
    if (n->ng == 1) return 1;
    uint32_t *first = NULL, *other = NULL;
    size_t cf = 0, co = 0, nf, no;
    int ok = 0;
    if ((e->rc = group_positions(e, n->g[0], &first, &cf, &nf))) goto out;
    /* candidate starts: p - rel[0]; every other word must be at
     * start + rel[i] */
    uint8_t *alive = zk_malloc(nf ? nf : 1);
    if (!alive) {
        e->rc = ZOEK_ENOMEM;
        goto out;
    }
    memset(alive, 1, nf);
    size_t nalive = nf;
    for (size_t i = 1; i < n->ng && nalive; i++) {
        if ((e->rc = group_positions(e, n->g[i], &other, &co, &no))) break;
        for (size_t k = 0; k < nf; k++) {
            if (!alive[k]) continue;
            uint64_t want = (uint64_t)first[k] - n->rel[0] + n->rel[i];
            if (first[k] < n->rel[0] || want > UINT32_MAX ||
                !has_pos(other, no, (uint32_t)want)) {
                alive[k] = 0;
                nalive--;
            }
        }
    }
    ok = !e->rc && nalive > 0;
    zk_free(alive);
out:
    zk_free(first);
    zk_free(other);
    return ok;
}

static int node_match(seg_eval *e, const pnode *n) {
    switch (n->kind) {
    case PN_GROUP: return present(e, n->g[0]);
    case PN_ANY:
        for (size_t i = 0; i < n->ng; i++)
            if (present(e, n->g[i])) return 1;
        return 0;
    case PN_PHRASE: return phrase_match(e, n);
    case PN_BOOL: {
        int must = 0, should = 0, any_should = 0;
        for (size_t i = 0; i < n->nkids; i++) {
            const pnode *k = n->kids[i];
            if (k->occur == Q_MUST) {
                must = 1;
                if (!node_match(e, k)) return 0;
            } else if (k->occur == Q_NOT) {
                if (node_match(e, k)) return 0;
            }
        }
        if (must) return 1;
        for (size_t i = 0; i < n->nkids; i++) {
            const pnode *k = n->kids[i];
            if (k->occur != Q_SHOULD) continue;
            any_should = 1;
            if (node_match(e, k)) {
                should = 1;
                break;
            }
        }
        return any_should && should;
    }
    default: return 0;
    }
}

/* The canonical score at the candidate: groups in plan order, then the
 * language factor (<= 1, so bounds without it stay bounds). */
static double score_at(seg_eval *e) {
    double s = 0;
    int lang = -1;
    uint32_t dl = cand_dl(e, &lang);
    for (size_t gi = 0; gi < e->pl->ng; gi++) {
        const pgroup *g = &e->pl->g[gi];
        if (!g->positive || !present(e, (uint32_t)gi)) continue;
        s += g->w * bm25_tf(&e->prm, gcur_tf(&e->gc[gi]), dl);
    }
    if (e->pl->qlang >= 0 && lang >= 0 && lang != e->pl->qlang)
        s *= e->pl->other_lang;
    return s;
}

/* Term proximity (after Rasolofo and Savoy): for each pair of query
 * words next to each other in the query, occurrences within PROX_WINDOW
 * positions add 1/d^2; the sum is saturated like a tf and weighted by the
 * rarer word's idf. */
static double proximity(seg_eval *e) {
    plan *pl = e->pl;
    double bonus = 0;
    uint32_t *pa = NULL, *pb = NULL;
    size_t ca = 0, cb = 0, na, nb;
    long prev = -1;
    for (size_t gi = 0; gi < pl->ng; gi++) {
        if (!pl->g[gi].positive) continue;
        if (prev >= 0 && present(e, (uint32_t)prev) &&
            present(e, (uint32_t)gi)) {
            if ((e->rc = group_positions(e, (uint32_t)prev, &pa, &ca, &na)) ||
                (e->rc = group_positions(e, (uint32_t)gi, &pb, &cb, &nb)))
                break;
            double acc = 0;
            size_t j0 = 0;
            for (size_t i = 0; i < na; i++) {
                while (j0 < nb && pb[j0] + PROX_WINDOW < pa[i]) j0++;
                for (size_t j = j0; j < nb && pb[j] <= pa[i] + PROX_WINDOW; j++) {
                    double d = (double)pb[j] - (double)pa[i];
                    if (d != 0) acc += 1.0 / (d * d);
                }
            }
            if (acc > 0) {
                double idf = pl->g[prev].idf < pl->g[gi].idf ? pl->g[prev].idf
                                                             : pl->g[gi].idf;
                bonus += idf * acc * (e->prm.k1 + 1) / (acc + e->prm.k1);
            }
        }
        prev = (long)gi;
    }
    zk_free(pa);
    zk_free(pb);
    return PROX_WEIGHT * bonus;
}

/* A candidate that may enter the top-k: check tombstones and the boolean
 * structure, then offer it. */
static int accept(seg_eval *e, double score) {
    if (score < e->tk->theta) return 0;
    if (e->checkdead) {
        int rc = 0;
        if (dead_test(e->sn->t, e->cand, &rc)) return rc;
        if (rc) return rc;
    }
    if (!node_match(e, e->pl->root)) return e->rc;
    e->tk->matches++;
    uint32_t art = 0;
    if (e->tk->docs) {
        if (e->cand >= e->span_first && e->cand < e->span_end) {
            art = e->span_art;
        } else {
            int rc = 0;
            if (!e->pmap) rc = store_cursor_open(e->sn->t, DB_PMAP, &e->pmap);
            if (rc) return rc;
            rc = art_span_at(e->pmap, e->cand, &art, &e->span_first,
                             &e->span_end);
            if (rc) return rc;
            e->span_art = art;
        }
    }
    double prox = e->pl->prox ? proximity(e) : 0;
    if (e->rc) return e->rc;
    return topk_offer(e->tk, score, prox, e->cand, art, e->snapno);
}

/* Every passage holding a positive group, scored (the reference). */
static int eval_exhaustive(seg_eval *e) {
    size_t ng = e->pl->ng;
    for (;;) {
        uint32_t d = TC_END;
        for (size_t gi = 0; gi < ng; gi++)
            if (e->pl->g[gi].positive && e->gc[gi].doc < d) d = e->gc[gi].doc;
        if (d == TC_END) break;
        e->cand = d;
        double s = score_at(e);
        if (e->rc) return e->rc;
        int rc = accept(e, s);
        if (rc) return rc;
        for (size_t gi = 0; gi < ng; gi++)
            if (e->pl->g[gi].positive && e->gc[gi].doc == d &&
                (rc = gcur_next(&e->gc[gi])))
                return rc;
    }
    return 0;
}

static int cmp_ub(const void *a, const void *b, void *ud) {
    const seg_eval *e = ud;
    double x = e->gc[*(const uint32_t *)a].ub, y = e->gc[*(const uint32_t *)b].ub;
    if (x != y) return x < y ? -1 : 1;
    return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/* Margin for comparing bounds summed in another order than scores. */
static int below(double bound, double theta) {
    return bound * (1 + 1e-9) + 1e-12 < theta;
}

/* The largest score group g can give a passage in [lo, hi], from the skip
 * data of its cursors. */
static double gcur_window(const seg_eval *e, const gcur *g, double w,
                          uint32_t lo, uint32_t hi) {
    if (g->n == 1) return w * tcur_window_bound(&g->tc[0], lo, hi, &e->bb);
    uint32_t tf = 0, dl = UINT32_MAX;
    for (size_t i = 0; i < g->n; i++) {
        uint32_t t, l;
        if (!tcur_window(&g->tc[i], lo, hi, &t, &l)) continue;
        tf += t;
        if (l < dl) dl = l;
    }
    return tf ? w * bm25_tf_bound(&e->bb, tf, dl) : 0;
}

/* The first end of a block holding a posting of g >= lo (see
 * tcur_block_end). */
static uint32_t gcur_block_end(const gcur *g, uint32_t lo) {
    uint32_t m = TC_END;
    for (size_t i = 0; i < g->n; i++) {
        uint32_t end = tcur_block_end(&g->tc[i], lo);
        if (end < m) m = end;
    }
    return m;
}

/* Block-max MaxScore: groups whose bounds together cannot reach the
 * threshold are only probed for candidates found through the others.  The
 * candidates are taken in windows that end where the first block of an
 * essential group ends; a window whose block bounds, summed over every
 * group, cannot reach the threshold is skipped without decoding, and in the
 * others the block bounds replace the groups' bounds.  A candidate is first
 * bounded with its tf and its blocks' smallest passage length; only one
 * that passes has its own length read (from plen, a likely cache miss) and
 * is scored exactly. */
static int eval_maxscore(seg_eval *e) {
    plan *pl = e->pl;
    uint32_t ord[MAX_GROUPS];
    double cum[MAX_GROUPS];
    size_t n = 0;
    for (size_t gi = 0; gi < pl->ng; gi++)
        if (pl->g[gi].positive && e->gc[gi].doc != TC_END)
            ord[n++] = (uint32_t)gi;
    if (n == 0) return 0;
    zk_sort_r(ord, n, sizeof(uint32_t), cmp_ub, e);
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc += e->gc[ord[i]].ub;
        cum[i] = acc;
    }
    size_t ess = 0; /* ord[ess..n) are essential */
    while (ess < n && below(cum[ess], e->tk->theta)) ess++;
    double wcum[MAX_GROUPS]; /* as cum, with the window's bounds */
    uint32_t win_hi = 0;     /* the window is [.., win_hi] */
    int in_win = 0;
    while (ess < n) {
        uint32_t d = TC_END;
        for (size_t i = ess; i < n; i++)
            if (e->gc[ord[i]].doc < d) d = e->gc[ord[i]].doc;
        if (d == TC_END) break;
        if (!in_win || d > win_hi) {
            /* the first window from d on whose bound reaches theta,
             * found in the skip data, then the cursors moved there */
            uint32_t lo = d, hi = TC_END;
            for (;;) {
                hi = TC_END;
                for (size_t i = ess; i < n; i++) {
                    uint32_t end = gcur_block_end(&e->gc[ord[i]], lo);
                    if (end < hi) hi = end;
                }
                if (hi == TC_END) break;
                double tot = 0;
                for (size_t i = 0; i < n; i++) {
                    double b = gcur_window(e, &e->gc[ord[i]],
                                           pl->g[ord[i]].w, lo, hi);
                    if (b > e->gc[ord[i]].ub) b = e->gc[ord[i]].ub;
                    tot += b;
                    wcum[i] = tot;
                }
                if (!below(tot, e->tk->theta)) break;
                lo = hi + 1;
            }
            if (hi == TC_END) break;
            if (lo > d) {
                for (size_t i = ess; i < n; i++) {
                    int rc = gcur_seek(&e->gc[ord[i]], lo);
                    if (rc) return rc;
                }
                in_win = 0;
                continue;
            }
            win_hi = hi;
            in_win = 1;
        }
        if (n - ess == 1 && e->gc[ord[ess]].n == 1) {
            /* one essential term: pass the postings of its block whose tf
             * cannot reach the threshold with the others' bounds (the test
             * below, without the generic loop) */
            gcur *g = &e->gc[ord[ess]];
            tcur *c = &g->tc[0];
            double w = pl->g[ord[ess]].w, rest = ess ? wcum[ess - 1] : 0;
            uint32_t min_tf = 1, max_tf = c->ck->max_tf[c->block];
            while (min_tf <= max_tf &&
                   below(w * bm25_tf_bound(&e->bb, min_tf,
                                           tcur_dl_for(c, min_tf)) + rest,
                         e->tk->theta))
                min_tf++;
            if (tcur_skip_tf(c, min_tf, win_hi)) {
                gcur_update(g);
                continue;
            }
        }
        e->cand = d;
        double s = 0;
        for (size_t i = ess; i < n; i++)
            if (e->gc[ord[i]].doc == d) s += block_bound(e, ord[i]);
        int ok = 1;
        for (size_t i = ess; i-- > 0;) {
            if (below(s + wcum[i], e->tk->theta)) {
                ok = 0;
                break;
            }
            if (present(e, ord[i])) s += block_bound(e, ord[i]);
        }
        if (e->rc) return e->rc;
        if (ok && !below(s, e->tk->theta)) {
            double exact = score_at(e);
            if (e->rc) return e->rc;
            int rc = accept(e, exact);
            if (rc) return rc;
            while (ess < n && below(cum[ess], e->tk->theta)) ess++;
        }
        for (size_t i = 0; i < n; i++)
            if (e->gc[ord[i]].doc == d) {
                int rc = gcur_next(&e->gc[ord[i]]);
                if (rc) return rc;
            }
    }
    return 0;
}

static int eval_segment(plan *pl, snapshot *sn, uint32_t snapno,
                        const seg_info *seg, const bm25 *prm, topk *tk,
                        int exhaustive) {
    seg_eval e;
    memset(&e, 0, sizeof e);
    e.pl = pl;
    e.sn = sn;
    e.snapno = snapno;
    e.prm = *prm;
    e.bb = bm25_bound_of(prm);
    e.tk = tk;
    e.checkdead = seg->ndead > 0;
    e.pc.t = sn->t;
    e.lcand = TC_END;
    e.gc = zk_calloc(pl->ng ? pl->ng : 1, sizeof(gcur));
    if (!e.gc) return ZOEK_ENOMEM;
    int rc = 0;
    for (size_t gi = 0; gi < pl->ng && !rc; gi++) {
        const pgroup *g = &pl->g[gi];
        gcur *c = &e.gc[gi];
        c->tc = zk_calloc(g->nvar, sizeof(tcur));
        c->hp = zk_calloc(g->nvar ? g->nvar : 1, sizeof(uint32_t));
        if (!c->tc || !c->hp) {
            rc = ZOEK_ENOMEM;
            break;
        }
        uint32_t maxtf = 0, mindl = UINT32_MAX;
        for (size_t i = 0; i < g->nvar; i++) {
            const pvar *v = &pl->var[g->var0 + i];
            int r = var_open(&c->tc[c->n], sn->t, seg->id, pl, v);
            if (r == ZOEK_ENOTFOUND) continue;
            if (r) {
                rc = r;
                break;
            }
            maxtf += c->tc[c->n].h.max_tf;
            if (c->tc[c->n].h.min_dl < mindl) mindl = c->tc[c->n].h.min_dl;
            c->n++;
        }
        gcur_start(c);
        c->ub = c->n ? g->w * bm25_tf(prm, maxtf, mindl) : 0;
    }
    if (!rc) rc = exhaustive ? eval_exhaustive(&e) : eval_maxscore(&e);
    if (e.pmap) store_cursor_close(e.pmap);
    for (size_t gi = 0; gi < pl->ng; gi++) {
        for (size_t i = 0; i < e.gc[gi].n; i++) tcur_close(&e.gc[gi].tc[i]);
        zk_free(e.gc[gi].tc);
        zk_free(e.gc[gi].hp);
    }
    zk_free(e.gc);
    return rc;
}

/* ------------------------------------------------------------- results */

typedef struct rhit {
    double score;
    uint32_t snap;       /* index number */
    uint32_t pass;       /* passage id */
    uint32_t art;        /* article id */
    uint32_t passno;     /* passage number in the article */
    uint64_t start, end; /* byte range */
    int lang;            /* passage language */
    size_t name_off;     /* name bytes in res->bytes */
    size_t name_len;
    size_t snip_off;     /* snippet bytes in res->bytes */
    size_t snip_len;
    size_t hl_off;       /* highlights in res->hl */
    size_t nhl;
    size_t ex_off;       /* explanation in res->ex */
    size_t nex;
} rhit;

/* An explanation entry with strings as offsets into res->bytes. */
typedef struct rex {
    size_t word_off, term_off; /* NUL-terminated strings in res->bytes */
    int lang;
    int translated;
    uint32_t tf, dl;
    uint64_t df;
    double idf, qtf, score;
} rex;

struct zoek_results {
    rhit *h;             /* hits after offset and limit */
    size_t n;
    size_t next;         /* iteration */
    uint32_t offset;     /* ranks start after it */
    zk_buf bytes;        /* names and snippets */
    zoek_range *hl;      /* highlight ranges */
    size_t nhl, hlcap;
    uint64_t matches;    /* candidates that matched */
    rex *ex;             /* explanations */
    size_t nex, excap;
    zoek_hit cur;        /* the hit handed out by zoek_results_next */
    zoek_explain *curex; /* its explanation */
    size_t curexcap;
    char err[256];
};

static int cmp_rhit(const void *a, const void *b, void *ud) {
    const zoek_results *r = ud;
    const rhit *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(r->bytes.p + x->name_off, r->bytes.p + y->name_off, n);
    if (c) return c;
    if (x->name_len != y->name_len) return x->name_len < y->name_len ? -1 : 1;
    if (x->snap != y->snap) return x->snap < y->snap ? -1 : 1;
    return x->passno < y->passno ? -1 : x->passno > y->passno;
}

/* Fills hit metadata from the article record. */
static int describe(snapshot *sn, rhit *h, zoek_results *res, art_rec *r,
                    art_pass **ap, size_t *apcap) {
    int rc;
    if (h->art == UINT32_MAX &&
        (rc = art_of_passage(sn->t, h->pass, &h->art)))
        return rc;
    if ((rc = art_get(sn->t, h->art, r))) return rc;
    if (h->pass < r->first_pass || h->pass >= r->first_pass + r->npass)
        return ZOEK_ECORRUPT;
    if (zk_grow((void **)ap, apcap, r->npass, sizeof(art_pass)))
        return ZOEK_ENOMEM;
    if ((rc = art_passages(r, *ap))) return rc;
    h->passno = h->pass - r->first_pass;
    h->start = (*ap)[h->passno].start;
    h->end = (*ap)[h->passno].end;
    h->lang = (*ap)[h->passno].lang;
    h->name_off = res->bytes.len;
    h->name_len = r->name_len;
    if (zk_buf_put(&res->bytes, r->name, r->name_len) ||
        zk_buf_putc(&res->bytes, 0))
        return ZOEK_ENOMEM;
    return 0;
}

void zoek_results_free(zoek_results *res) {
    if (!res) return;
    zk_free(res->ex);
    zk_free(res->curex);
    zk_free(res->h);
    zk_buf_free(&res->bytes);
    zk_free(res->hl);
    zk_free(res);
}

size_t zoek_results_count(const zoek_results *res) { return res ? res->n : 0; }

uint64_t zoek_results_matches(const zoek_results *res) {
    return res ? res->matches : 0;
}

const char *zoek_results_errmsg(const zoek_results *res) {
    return res ? res->err : "";
}

int zoek_results_next(zoek_results *res, const zoek_hit **out) {
    if (!res || !out) return ZOEK_EINVAL;
    *out = NULL;
    if (res->next >= res->n) return 0;
    const rhit *h = &res->h[res->next++];
    zoek_hit *hit = &res->cur;
    memset(hit, 0, sizeof *hit);
    hit->rank = (uint32_t)(res->offset + res->next);
    hit->score = h->score;
    hit->doc = (const char *)res->bytes.p + h->name_off;
    hit->doc_len = h->name_len;
    hit->passage = h->passno;
    hit->start = h->start;
    hit->end = h->end;
    hit->lang = zk_lang_out(h->lang);
    hit->snippet = h->snip_len ? (const char *)res->bytes.p + h->snip_off : "";
    hit->snippet_len = h->snip_len;
    hit->highlights = h->nhl ? res->hl + h->hl_off : NULL;
    hit->nhighlights = h->nhl;
    if (h->nex) {
        if (zk_grow((void **)&res->curex, &res->curexcap, h->nex,
                    sizeof(zoek_explain)))
            return ZOEK_ENOMEM;
        for (size_t i = 0; i < h->nex; i++) {
            const rex *x = &res->ex[h->ex_off + i];
            zoek_explain *e = &res->curex[i];
            e->word = (const char *)res->bytes.p + x->word_off;
            e->term = (const char *)res->bytes.p + x->term_off;
            e->lang = zk_lang_out(x->lang);
            e->translated = x->translated;
            e->tf = x->tf;
            e->dl = x->dl;
            e->df = x->df;
            e->idf = x->idf;
            e->qtf = x->qtf;
            e->score = x->score;
        }
        hit->explain = res->curex;
        hit->nexplain = h->nex;
    }
    *out = hit;
    return 1;
}

/* Per-word score parts of hit h: each positive group's variants are
 * looked up at the hit's passage. */
static int explain_hit(plan *pl, snapshot *sn, const bm25 *prm, rhit *h,
                       zoek_results *res) {
    int si = state_find_seg(&sn->st, h->pass);
    if (si < 0) return ZOEK_ECORRUPT;
    uint32_t seg = sn->st.seg[si].id;
    plen_cur pc = {sn->t, 0, NULL};
    uint32_t dl;
    int plang;
    int rc0 = plen_get(&pc, h->pass, &dl, &plang);
    if (rc0) return rc0;
    h->ex_off = res->nex;
    h->nex = 0;
    for (size_t gi = 0; gi < pl->ng; gi++) {
        const pgroup *g = &pl->g[gi];
        if (!g->positive) continue;
        uint32_t tf = 0;
        long first = -1;
        for (size_t v = 0; v < g->nvar; v++) {
            const pvar *pv = &pl->var[g->var0 + v];
            tcur c;
            int rc = var_open(&c, sn->t, seg, pl, pv);
            if (rc == ZOEK_ENOTFOUND) continue;
            if (rc) return rc;
            rc = tcur_seek(&c, h->pass);
            if (!rc && c.doc == h->pass) {
                tf += tcur_tf(&c);
                if (first < 0) first = (long)v;
            }
            tcur_close(&c);
            if (rc) return rc;
        }
        if (first < 0) continue;
        if (zk_grow((void **)&res->ex, &res->excap, res->nex + 1, sizeof(rex)))
            return ZOEK_ENOMEM;
        rex *x = &res->ex[res->nex];
        const pvar *pv = &pl->var[g->var0 + (size_t)first];
        x->word_off = res->bytes.len;
        if (zk_buf_put(&res->bytes, pl->tb.p + g->word_off, g->word_len) ||
            zk_buf_putc(&res->bytes, 0))
            return ZOEK_ENOMEM;
        x->term_off = res->bytes.len;
        if (zk_buf_put(&res->bytes, pl->tb.p + pv->off, pv->len) ||
            zk_buf_putc(&res->bytes, 0))
            return ZOEK_ENOMEM;
        x->lang = -1;
        for (int l = 0; l < 3; l++)
            if (pv->langs == (1u << l)) x->lang = l;
        x->translated = pv->xl != 0;
        x->tf = tf;
        x->dl = dl;
        x->df = g->df;
        x->idf = g->idf;
        x->qtf = g->qtf;
        x->score = g->w * bm25_tf(prm, tf, dl);
        if (pl->qlang >= 0 && h->lang != pl->qlang) x->score *= pl->other_lang;
        res->nex++;
        h->nex++;
    }
    return 0;
}

/* ---------------------------------------------------------- the search */

static void snap_close(snapshot *s) {
    if (s->t) store_abort(s->t);
    s->t = NULL;
    state_free(&s->st);
}

static int fail(zoek_index *idx, char *err, int rc, const char *fmt, ...)
    ZK_PRINTF(4, 5);
static int fail(zoek_index *idx, char *err, int rc, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (idx) idx_fail(idx, rc, "%s", buf);
    if (err) snprintf(err, 256, "%.255s", buf);
    return rc;
}

int zoek_search_multi(zoek_index *const *idxv, size_t nidx, const char *query,
                      size_t qlen, const zoek_search_opts *opts,
                      zoek_results **out) {
    if (out) *out = NULL;
    if (!idxv || nidx == 0 || nidx > MAX_INDEXES || !out ||
        (!query && qlen))
        return ZOEK_EINVAL;
    for (size_t i = 0; i < nidx; i++)
        if (!idxv[i]) return ZOEK_EINVAL;
    zoek_index *idx0 = idxv[0];
    for (size_t i = 0; i < nidx; i++) {
        int gate = idx_format_gate(idxv[i]);
        if (gate) {
            if (i) (void)idx_fail(idx0, gate, "%s", idxv[i]->err);
            return gate;
        }
    }
    zoek_search_opts o;
    memset(&o, 0, sizeof o);
    if (opts) {
        if (opts->size < sizeof o || opts->size > 4096)
            return idx_fail(idx0, ZOEK_EINVAL, "invalid search options");
        o = *opts;
    }
    if (!o.limit) o.limit = 10;
    if (!o.has_k1_b) {
        o.k1 = 0.9;
        o.b = 0.4;
    }
    if (!(o.k1 >= 0 && o.k1 < 1e6) || !(o.b >= 0 && o.b <= 1))
        return idx_fail(idx0, ZOEK_EINVAL, "k1 must be >= 0 and b in [0, 1]");
    if (o.lang < ZOEK_LANG_AUTO || o.lang > ZOEK_LANG_NL)
        return idx_fail(idx0, ZOEK_EINVAL, "invalid language");
    o.lang = zk_lang_in(o.lang); /* from here on an internal index or -1 */
    if ((uint64_t)o.limit + o.offset > 1000000)
        return idx_fail(idx0, ZOEK_EINVAL, "limit + offset too large");

    int rc = 0;
    plan pl;
    memset(&pl, 0, sizeof pl);
    snapshot snaps[MAX_INDEXES];
    memset(snaps, 0, sizeof snaps);
    analyzer *an = NULL;
    qtree q;
    memset(&q, 0, sizeof q);
    zk_buf qtext = {0};
    lang_an la;
    memset(&la, 0, sizeof la);
    topk tk;
    memset(&tk, 0, sizeof tk);
    zoek_results *res = zk_calloc(1, sizeof *res);
    if (!res) return idx_fail(idx0, ZOEK_ENOMEM, "out of memory");

    /* snapshots */
    for (size_t i = 0; i < nidx; i++) {
        snapshot *s = &snaps[i];
        s->idx = idxv[i];
        if ((rc = store_begin(s->idx->st, 0, 0, &s->t))) {
            fail(idx0, res->err, rc, "cannot read index: %s",
                 zoek_strerror(rc));
            goto out;
        }
        if ((rc = state_read(s->t, &s->st))) {
            fail(idx0, res->err, rc, "index state is unreadable: %s",
                 zoek_strerror(rc));
            goto out;
        }
        pl.langs |= state_langs(&s->st);
    }
    pl.snap = snaps;
    pl.nsnap = nidx;
    pl.present = pl.langs;
    int cross = (o.flags & ZOEK_SEARCH_CROSS) != 0;
    store_txn *xt = NULL; /* the snapshot holding the dictionaries */
    if (cross) {
        for (size_t i = 0; i < nidx && !xt; i++) {
            xlat_info xi;
            rc = xlat_info_read(snaps[i].t, &xi);
            if (rc == ZOEK_ENOTFOUND) continue;
            if (rc) {
                fail(idx0, res->err, rc, "dictionaries are unreadable: %s",
                     zoek_strerror(rc));
                goto out;
            }
            if (xi.analyzer_version != snaps[i].idx->cfg.analyzer_version ||
                xi.fingerprint != snaps[i].idx->cfg.fingerprint) {
                rc = ZOEK_EVERSION;
                fail(idx0, res->err, rc,
                     "the dictionaries were compiled by another analyzer "
                     "or stemmer: compile them again (zoek-index "
                     "--dictionaries)");
                goto out;
            }
            xt = snaps[i].t;
        }
        if (!xt) {
            rc = ZOEK_EUNSUPPORTED;
            fail(idx0, res->err, rc,
                 "cross-language search needs dictionaries, and this index "
                 "has none: compile them in with zoek-index --dictionaries "
                 "/usr/share/dictd (Debian packages dict-freedict-eng-deu, "
                 "-deu-eng, -eng-nld, -nld-eng, -deu-nld, -nld-deu)");
            goto out;
        }
    }
    if (o.lang >= 0) pl.langs = cross ? pl.langs | 1u << o.lang : 1u << o.lang;
    if (!pl.langs) pl.langs = 1u << ZK_LANG_EN; /* empty index */

    if ((rc = an_pool_get(&idx0->pool, &an))) {
        fail(idx0, res->err, rc, "out of memory");
        goto out;
    }
    if ((rc = norm_repair_utf8(query ? query : "", qlen, &qtext, NULL))) {
        fail(idx0, res->err, rc, "out of memory");
        goto out;
    }
    char perr[128] = "";
    rc = query_parse((const char *)qtext.p, qtext.len,
                     (o.flags & ZOEK_SEARCH_PLAIN) != 0, &q, perr, sizeof perr);
    if (rc) {
        fail(idx0, res->err, rc, "%s", rc == ZOEK_EQUERY ? perr : "out of memory");
        goto out;
    }
    /* the query's language, when the index has several: passages in
     * other languages then rank lower (names and numbers alone do not make
     * another language's copy of a story the best answer) */
    pl.qlang = -1;
    pl.other_lang = OTHER_LANG_FACTOR;
    if (o.lang >= 0) pl.qlang = o.lang;
    else if ((pl.present & (pl.present - 1)) || cross) {
        double conf = 0;
        int l = analyze_detect(an, (const char *)qtext.p, qtext.len, &conf);
        if (l >= 0 && conf >= QLANG_MIN_CONF &&
            (cross || (pl.present & (1u << l)))) {
            pl.qlang = l;
            pl.langs |= 1u << l;
        }
    }

    if ((rc = compile(an, &pl, q.root, &pl.root, &la))) {
        fail(idx0, res->err, rc, "%s",
             rc == ZOEK_EQUERY ? "query has too many words" : "out of memory");
        goto out;
    }
    /* no preference when no passage is in the query's language */
    if (pl.qlang >= 0 && !(pl.present & (1u << pl.qlang)))
        pl.other_lang = 1.0;
    if (cross) {
        unsigned srcs = pl.qlang >= 0 ? 1u << pl.qlang : pl.langs;
        if ((rc = cross_expand(&pl, xt, srcs, pl.present))) {
            fail(idx0, res->err, rc, "cannot translate the query: %s",
                 zoek_strerror(rc));
            goto out;
        }
    }

    /* statistics summed over the indexes */
    uint64_t N = 0, total = 0;
    for (size_t i = 0; i < nidx; i++) {
        N += snaps[i].st.npassages;
        total += snaps[i].st.total_len;
    }
    bm25 prm = {o.k1, o.b, N ? (double)total / (double)N : 0};
    for (size_t gi = 0; gi < pl.ng; gi++) {
        pgroup *g = &pl.g[gi];
        g->df = 0;
        for (size_t i = 0; i < nidx; i++) {
            uint64_t df;
            if ((rc = group_df(&snaps[i], &pl, g, &df))) {
                fail(idx0, res->err, rc, "cannot read postings: %s",
                     zoek_strerror(rc));
                goto out;
            }
            g->df += df;
        }
        g->idf = bm25_idf(N, g->df);
        g->w = g->qtf * g->idf;
    }

    /* scoring */
    /* BM25 picks the best RERANK_DEPTH (at least); proximity then orders
     * them */
    size_t want = (size_t)o.limit + o.offset;
    pl.prox = (o.flags & ZOEK_SEARCH_PROXIMITY) && pl.ng > 1;
    tk.k = pl.prox && want < RERANK_DEPTH ? RERANK_DEPTH : want;
    tk.theta = -DBL_MAX;
    tk.docs = (o.flags & ZOEK_SEARCH_DOCS) != 0;
    if (tk.docs && (rc = amap_rebuild(&tk))) goto nomem;
    int exhaustive = (o.flags & ZOEK_SEARCH_EXHAUSTIVE) != 0;
    if (pl.root && pl.root->kind != PN_NONE) {
        for (size_t i = 0; i < nidx && !rc; i++)
            for (uint32_t k = 0; k < snaps[i].st.nseg && !rc; k++)
                rc = eval_segment(&pl, &snaps[i], (uint32_t)i,
                                  &snaps[i].st.seg[k], &prm, &tk, exhaustive);
        if (rc) {
            fail(idx0, res->err, rc, "search failed: %s", zoek_strerror(rc));
            goto out;
        }
    }
    if ((rc = topk_compact(&tk))) goto nomem;
    res->matches = tk.matches;

    /* the hits: names, ranges; ties resolved by article id and passage */
    size_t nh = tk.n;
    rhit *all = zk_calloc(nh ? nh : 1, sizeof(rhit));
    if (!all) goto nomem;
    art_rec r;
    art_pass *ap = NULL;
    size_t apcap = 0;
    for (size_t i = 0; i < nh && !rc; i++) {
        all[i].score = tk.v[i].score + tk.v[i].prox;
        all[i].snap = tk.v[i].snap;
        all[i].pass = tk.v[i].pass;
        all[i].art = tk.docs ? tk.v[i].art : UINT32_MAX;
        rc = describe(&snaps[all[i].snap], &all[i], res, &r, &ap, &apcap);
    }
    if (rc) {
        zk_free(all);
        zk_free(ap);
        fail(idx0, res->err, rc, "cannot read article: %s", zoek_strerror(rc));
        goto out;
    }
    zk_sort_r(all, nh, sizeof(rhit), cmp_rhit, res);
    size_t from = o.offset < nh ? o.offset : nh;
    size_t to = nh < (size_t)o.limit + o.offset ? nh : (size_t)o.limit + o.offset;
    res->n = to - from;
    res->offset = o.offset;
    /* the page of hits becomes the results' array (no second copy) */
    if (from) memmove(all, all + from, res->n * sizeof(rhit));
    res->h = all;

    /* snippets */
    if (!(o.flags & ZOEK_SEARCH_NO_SNIPPETS) && res->n) {
        size_t nt = 0;
        for (size_t gi = 0; gi < pl.ng; gi++)
            if (pl.g[gi].positive) nt += pl.g[gi].nvar;
        const char **ts = zk_malloc((nt ? nt : 1) * sizeof(char *));
        size_t *tl = zk_malloc((nt ? nt : 1) * sizeof(size_t));
        zk_buf text = {0}, snip = {0};
        an_out ao = {0};
        if (!ts || !tl) rc = ZOEK_ENOMEM;
        nt = 0;
        for (size_t gi = 0; !rc && gi < pl.ng; gi++) {
            if (!pl.g[gi].positive) continue;
            for (size_t v = 0; v < pl.g[gi].nvar; v++) {
                ts[nt] = (const char *)pl.tb.p + pl.var[pl.g[gi].var0 + v].off;
                tl[nt++] = pl.var[pl.g[gi].var0 + v].len;
            }
        }
        snip_terms st = {ts, tl, nt};
        for (size_t i = 0; i < res->n && !rc; i++) {
            rhit *h = &res->h[i];
            snapshot *sn = &snaps[h->snap];
            if ((rc = art_get(sn->t, h->art, &r))) break;
            if (h->end > r.text_len || h->start > h->end) {
                rc = ZOEK_ECORRUPT;
                break;
            }
            /* the text up to the passage's end, not the whole article */
            if ((rc = text_load_prefix(sn->t, h->art, &r, h->end, &text)))
                break;
            size_t hl0 = res->nhl;
            if ((rc = snippet_make(an, &ao, (const char *)text.p, h->start,
                                   h->end, h->lang, &st, o.snippet_words,
                                   &snip, &res->hl, &res->nhl, &res->hlcap)))
                break;
            h->hl_off = hl0;
            h->nhl = res->nhl - hl0;
            h->snip_off = res->bytes.len;
            h->snip_len = snip.len;
            if (zk_buf_put(&res->bytes, snip.p, snip.len) ||
                zk_buf_putc(&res->bytes, 0))
                rc = ZOEK_ENOMEM;
        }
        zk_free(ts);
        zk_free(tl);
        zk_buf_free(&text);
        zk_buf_free(&snip);
        an_out_free(&ao);
        zk_free(ap);
        ap = NULL;
        if (rc) {
            fail(idx0, res->err, rc, "cannot make snippets: %s",
                 zoek_strerror(rc));
            goto out;
        }
    }
    zk_free(ap);
    if (o.flags & ZOEK_SEARCH_EXPLAIN) {
        for (size_t i = 0; i < res->n && !rc; i++)
            rc = explain_hit(&pl, &snaps[res->h[i].snap], &prm, &res->h[i], res);
        if (rc) {
            fail(idx0, res->err, rc, "cannot explain: %s", zoek_strerror(rc));
            goto out;
        }
    }
    rc = 0;
    goto out;
nomem:
    rc = ZOEK_ENOMEM;
    fail(idx0, res->err, rc, "out of memory");
out:
    zk_free(tk.v);
    zk_free(tk.amap);
    zk_free(tk.aidx);
    zk_free(tk.heap);
    lang_an_free(&la);
    plan_free(&pl);
    query_free(&q);
    zk_buf_free(&qtext);
    if (an) an_pool_put(&idx0->pool, an);
    for (size_t i = 0; i < nidx; i++) {
        snap_close(&snaps[i]);
        store_trim_map(idxv[i]->st, idxv[i]->map_limit);
    }
    if (rc) {
        zoek_results_free(res);
        return rc;
    }
    *out = res;
    return 0;
}

int zoek_search(zoek_index *idx, const char *query, size_t query_len,
                const zoek_search_opts *opts, zoek_results **out) {
    return zoek_search_multi(&idx, 1, query, query_len, opts, out);
}
