/* dict_stats.c - measures the FreeDict dictionaries as dict.c compiles
 * them: sizes, multi-word share, fan-out, provenance, compile time, and on
 * a parallel query set (XQuAD en/de/nl) how many query words find a
 * translation in the relevant paragraph of another language, with a
 * BM25 estimate of the cross-language nDCG@10 that dictionary translation
 * alone gives.
 *
 *   cc -O2 -std=c99 -D_GNU_SOURCE -Iinclude -Iindexer -o build/dict_stats \
 *       bench/dict_stats.c build/libzoek.a -lstemmer -llmdb -lz -lutf8proc \
 *       -lm -pthread
 *   build/dict_stats [-d /usr/share/dictd] [-e ../shared/eval]
 *       [--max-terms N] [--max-targets N] [--determinism] [--top N]
 *
 * The query set: EVAL/xquad-{en,de,nl}/{queries.tsv,docs.jsonl,qrels.txt}
 * with the same query and paragraph ids in the three languages. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "dict.h"
#include "jsonl.h"
#include "normalize.h"

static const char *const code3[3] = {"en", "de", "nl"};

static void die(const char *what) {
    fprintf(stderr, "dict_stats: %s\n", what);
    exit(2);
}

static void *xcalloc(size_t n, size_t s) {
    void *p = calloc(n ? n : 1, s);
    if (!p) die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

static char *xstrndup(const char *s, size_t n) {
    char *p = xcalloc(n + 1, 1);
    memcpy(p, s, n);
    return p;
}

/* ------------------------------------------------ string -> id tables */

typedef struct strtab {
    char **s;       /* strings by id */
    size_t n, cap;  /* used / allocated */
    uint32_t *slot; /* id + 1 */
    size_t nslot;   /* power of two */
} strtab;

static uint64_t h64(const char *s, size_t n) {
    return zk_hash64(s, n, 3);
}

/* Returns the id of s, adding it when add is set; -1 when absent. */
static long st_get(strtab *t, const char *s, size_t n, int add) {
    if (t->n + 1 > t->nslot / 2) {
        if (!add && t->nslot) goto look;
        size_t ns = t->nslot ? t->nslot * 2 : 1024;
        uint32_t *sl = xcalloc(ns, sizeof *sl);
        for (size_t i = 0; i < t->n; i++) {
            size_t j = h64(t->s[i], strlen(t->s[i])) & (ns - 1);
            while (sl[j])
                j = (j + 1) & (ns - 1);
            sl[j] = (uint32_t)i + 1;
        }
        free(t->slot);
        t->slot = sl;
        t->nslot = ns;
    }
look:;
    size_t j = h64(s, n) & (t->nslot - 1);
    for (; t->slot[j]; j = (j + 1) & (t->nslot - 1)) {
        const char *x = t->s[t->slot[j] - 1];
        if (strlen(x) == n && !memcmp(x, s, n)) return t->slot[j] - 1;
    }
    if (!add) return -1;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 1024;
        t->s = xrealloc(t->s, t->cap * sizeof *t->s);
    }
    t->s[t->n] = xstrndup(s, n);
    t->slot[j] = (uint32_t)t->n + 1;
    return (long)t->n++;
}

/* ------------------------------------------------------- dictionaries */

typedef struct dir_stats {
    size_t keys[2];     /* single-word / phrase keys with translations */
    size_t pairs[2];    /* single / phrase targets */
    size_t prov[3];     /* forward only, reverse only, both */
    size_t fan_sum;     /* translations of single-word keys */
    size_t fan_n;       /* single-word keys */
    size_t fan_max;     /* most translations of one key */
    size_t fan_hist[6]; /* 1, 2-3, 4-7, 8-15, 16-31, 32+ */
    char fan_word[10][DICT_MAX_KEY + 1]; /* top fan-out keys */
    size_t fan_top[10];                  /* their counts */
} dir_stats;

static void fan_note(dir_stats *d, const char *k, size_t kl, size_t n) {
    for (int i = 0; i < 10; i++) {
        if (n <= d->fan_top[i]) continue;
        memmove(&d->fan_top[i + 1], &d->fan_top[i],
                (9 - i) * sizeof d->fan_top[0]);
        memmove(d->fan_word[i + 1], d->fan_word[i],
                (9 - i) * sizeof d->fan_word[0]);
        d->fan_top[i] = n;
        memcpy(d->fan_word[i], k, kl);
        d->fan_word[i][kl] = 0;
        return;
    }
}

static void direction_stats(const dict_compiled *dc, dir_stats ds[3][3]) {
    memset(ds, 0, sizeof(dir_stats) * 9);
    for (size_t i = 0; i < dict_count(dc); i++) {
        int lang;
        const char *k;
        size_t kl, vl;
        const uint8_t *v;
        dict_get(dc, i, &lang, &k, &kl, &v, &vl);
        int phrase = memchr(k, ' ', kl) != NULL;
        size_t per[3] = {0, 0, 0};
        dict_iter it;
        dict_tr t;
        if (dict_iter_init(&it, v, vl)) die("bad value");
        int r;
        while ((r = dict_iter_next(&it, &t)) == 1) {
            dir_stats *d = &ds[lang][t.lang];
            per[t.lang]++;
            d->pairs[(t.flags & DICT_TR_PHRASE) ? 1 : 0]++;
            int f = (t.flags & DICT_TR_FWD) != 0, rv = (t.flags & DICT_TR_REV);
            d->prov[f && rv ? 2 : f ? 0 : 1]++;
        }
        if (r) die("bad value");
        for (int l = 0; l < 3; l++) {
            if (!per[l]) continue;
            dir_stats *d = &ds[lang][l];
            d->keys[phrase]++;
            if (phrase) continue;
            d->fan_sum += per[l];
            d->fan_n++;
            if (per[l] > d->fan_max) d->fan_max = per[l];
            size_t b = per[l] < 2    ? 0
                       : per[l] < 4  ? 1
                       : per[l] < 8  ? 2
                       : per[l] < 16 ? 3
                       : per[l] < 32 ? 4
                                     : 5;
            d->fan_hist[b]++;
            fan_note(d, k, kl, per[l]);
        }
    }
}

static dict_compiled *compile_all(const char *dir, const dict_opts *o,
                                  int reverse, int verbose) {
    dict_compiler *c;
    char err[512];
    if (dict_compiler_new(o, &c)) die("bad options");
    double t0 = zk_now();
    if (verbose)
        printf("%-17s %8s %8s %8s %7s %8s %8s %8s %6s %6s %6s %6s\n",
               "dictionary", "lines", "entries", "senses", "empty", "phrases",
               "single", "multi", "multi%", "stop", "hphr%", "secs");
    for (int n = 0; n < 6; n++) {
        int i = reverse ? 5 - n : n;
        dict_raw *d;
        double t1 = zk_now();
        int rc = dict_read(dir, dict_freedict_names[i], &d, err, sizeof err);
        if (rc == ZOEK_ENOTFOUND) {
            fprintf(stderr, "dict_stats: %s: skipped\n", err);
            continue;
        }
        if (rc) die(err);
        dict_add_stats s;
        if (dict_compiler_add(c, d, &s)) die("compile failed");
        if (verbose) {
            size_t tr = s.tr_single + s.tr_phrase;
            size_t hd = s.head_single + s.head_phrase;
            printf("%-17s %8zu %8zu %8zu %7zu %8zu %8zu %8zu %5.1f%% %6zu "
                   "%5.1f%% %6.2f\n",
                   dict_freedict_names[i] + 9, d->nlines, d->ne, s.senses,
                   d->nempty, s.phrases, s.tr_single, s.tr_phrase,
                   tr ? 100.0 * s.tr_phrase / tr : 0.0, s.tr_stop + s.tr_long,
                   hd ? 100.0 * s.head_phrase / hd : 0.0, zk_now() - t1);
        }
        dict_raw_free(d);
    }
    dict_compiled *dc;
    double t2 = zk_now();
    if (dict_compiler_finish(c, &dc)) die("finish failed");
    if (verbose)
        printf("finish %.2f s; read + analyse + finish, all six: %.2f s\n",
               zk_now() - t2, zk_now() - t0);
    dict_compiler_free(c);
    return dc;
}

/* --------------------------------------------------------- eval data */

typedef struct doc {
    char *id;       /* paragraph id */
    uint32_t *term; /* term ids, sorted */
    uint32_t *tf;   /* their frequencies */
    size_t n;       /* distinct terms */
    uint32_t len;   /* terms (whole compounds not counted) */
} doc;

typedef struct langset {
    doc *docs;    /* paragraphs */
    size_t ndocs; /* count */
    strtab terms; /* vocabulary */
    uint32_t *df; /* document frequency per term id */
    double avgdl; /* mean paragraph length */
    char **qid;   /* query ids */
    char **qtext; /* query texts */
    size_t nq;    /* queries */
} langset;

static strtab g_rel; /* qid -> relevant doc index (by position) */
static long *g_reldoc;

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *p = xcalloc(cap, 1);
    size_t k;
    while ((k = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2) {
            cap *= 2;
            p = xrealloc(p, cap);
        }
    }
    fclose(f);
    p[n] = 0;
    *len = n;
    return p;
}

static void load_docs(analyzer *a, const char *path, int lang, langset *ls) {
    size_t len;
    char *all = read_all(path, &len);
    if (!all) die(path);
    jsonl_parser *jp;
    if (jsonl_parser_new(&jp)) die("out of memory");
    an_out o = {0};
    uint32_t *ids = NULL;
    size_t idcap = 0, lensum = 0;
    char *line = all;
    while (line < all + len) {
        char *nl = memchr(line, '\n', (size_t)(all + len - line));
        size_t ll = nl ? (size_t)(nl - line) : (size_t)(all + len - line);
        jsonl_doc jd;
        char err[128];
        if (jsonl_parse_line(jp, line, ll, &jd, err, sizeof err) == 0) {
            ls->docs = xrealloc(ls->docs, (ls->ndocs + 1) * sizeof(doc));
            doc *d = &ls->docs[ls->ndocs++];
            memset(d, 0, sizeof *d);
            d->id = xstrndup(jd.id, jd.id_len);
            if (analyze(a, jd.text, jd.text_len, lang, &o)) die("analyze");
            if (o.nterms > idcap) {
                idcap = o.nterms;
                ids = xrealloc(ids, idcap * sizeof *ids);
            }
            for (size_t i = 0; i < o.nterms; i++) {
                ids[i] = (uint32_t)st_get(&ls->terms, o.terms[i].s,
                                          o.terms[i].len, 1);
                if (!(o.terms[i].flags & AN_WHOLE)) d->len++;
            }
            qsort(ids, o.nterms, sizeof *ids, cmp_u32);
            d->term = xcalloc(o.nterms, sizeof(uint32_t));
            d->tf = xcalloc(o.nterms, sizeof(uint32_t));
            for (size_t i = 0; i < o.nterms; i++) {
                if (d->n && d->term[d->n - 1] == ids[i]) {
                    d->tf[d->n - 1]++;
                } else {
                    d->term[d->n] = ids[i];
                    d->tf[d->n++] = 1;
                }
            }
            lensum += d->len;
        }
        line += ll + 1;
    }
    ls->df = xcalloc(ls->terms.n, sizeof(uint32_t));
    for (size_t i = 0; i < ls->ndocs; i++)
        for (size_t j = 0; j < ls->docs[i].n; j++)
            ls->df[ls->docs[i].term[j]]++;
    ls->avgdl = ls->ndocs ? (double)lensum / ls->ndocs : 1;
    free(ids);
    an_out_free(&o);
    jsonl_parser_free(jp);
    free(all);
}

static void load_queries(const char *path, langset *ls) {
    size_t len;
    char *all = read_all(path, &len);
    if (!all) die(path);
    char *save = NULL;
    for (char *l = strtok_r(all, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(l, '\t');
        if (!tab) continue;
        ls->qid = xrealloc(ls->qid, (ls->nq + 1) * sizeof(char *));
        ls->qtext = xrealloc(ls->qtext, (ls->nq + 1) * sizeof(char *));
        ls->qid[ls->nq] = xstrndup(l, (size_t)(tab - l));
        ls->qtext[ls->nq] = xstrndup(tab + 1, strlen(tab + 1));
        ls->nq++;
    }
    free(all);
}

static void load_qrels(const char *path, const langset *ls) {
    size_t len;
    char *all = read_all(path, &len);
    if (!all) die(path);
    char *save = NULL;
    for (char *l = strtok_r(all, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        char q[128], z[8], d[128];
        int g;
        if (sscanf(l, "%127s %7s %127s %d", q, z, d, &g) != 4 || g <= 0)
            continue;
        long qi = st_get(&g_rel, q, strlen(q), 1);
        g_reldoc = xrealloc(g_reldoc, g_rel.n * sizeof(long));
        g_reldoc[qi] = -1;
        for (size_t i = 0; i < ls->ndocs; i++)
            if (!strcmp(ls->docs[i].id, d)) g_reldoc[qi] = (long)i;
    }
    free(all);
}

static uint32_t doc_tf(const doc *d, long term) {
    if (term < 0) return 0;
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->term[mid] == (uint32_t)term) return d->tf[mid];
        if (d->term[mid] < (uint32_t)term)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* ------------------------------------------------------------ coverage */

/* A query word: its term in the query language and in the target. */
typedef struct qword {
    char src[NORM_BUF]; /* term in the query language */
    char tgt[NORM_BUF]; /* term of the same word in the target language */
    char surface[128];  /* the word as written */
    uint32_t tok;       /* its token */
} qword;

/* Terms of a token: the whole compound when there is one. */
static size_t content_words(analyzer *a, const char *q, int lang, int tlang,
                            qword *w, size_t cap) {
    an_out o = {0}, ot = {0};
    if (analyze(a, q, strlen(q), lang, &o)) die("analyze");
    size_t n = 0;
    uint32_t whole = UINT32_MAX;
    for (size_t i = 0; i < o.nterms && n < cap; i++) {
        const an_term *t = &o.terms[i];
        if (t->flags & AN_WHOLE)
            whole = t->tok;
        else if ((t->flags & AN_PART) && t->tok == whole)
            continue;
        snprintf(w[n].src, sizeof w[n].src, "%.*s", (int)t->len, t->s);
        const token *tk = &o.toks.v[t->tok];
        snprintf(w[n].surface, sizeof w[n].surface, "%.*s",
                 (int)(tk->end - tk->start), q + tk->start);
        w[n].tgt[0] = 0;
        w[n].tok = t->tok;
        n++;
    }
    if (analyze(a, q, strlen(q), tlang, &ot)) die("analyze");
    for (size_t j = 0; j < n; j++) {
        uint32_t tok = w[j].tok;
        const an_term *best = NULL;
        for (size_t i = 0; i < ot.nterms; i++) {
            const an_term *t = &ot.terms[i];
            if (t->tok != tok) continue;
            if (!best || (t->flags & AN_WHOLE)) best = t;
        }
        if (best)
            snprintf(w[j].tgt, sizeof w[j].tgt, "%.*s", (int)best->len,
                     best->s);
    }
    an_out_free(&o);
    an_out_free(&ot);
    return n;
}

/* Translations of a key into tlang (single terms, and phrases split into
 * terms); flags filter by provenance.  Fills out with term ids (-1 for
 * terms the paragraphs never use) grouped as alternatives; returns the
 * number of alternatives; phrase alternatives are kept as several ids in
 * one alternative. */
typedef struct alt {
    long id[DICT_MAX_TERMS]; /* term ids */
    int n;                   /* terms (1 = single) */
    uint32_t count;          /* senses */
} alt;

static size_t translations(const dict_compiled *dc, int lang, const char *key,
                           int tlang, unsigned need, langset *t, alt *out,
                           size_t cap) {
    const uint8_t *v;
    size_t vl;
    if (dict_find(dc, lang, key, strlen(key), &v, &vl)) return 0;
    dict_iter it;
    dict_tr tr;
    size_t n = 0;
    if (dict_iter_init(&it, v, vl)) die("bad value");
    while (dict_iter_next(&it, &tr) == 1) {
        if (tr.lang != tlang || !(tr.flags & need) || n >= cap) continue;
        alt *a = &out[n++];
        a->n = 0;
        a->count = tr.count;
        size_t s = 0;
        for (size_t i = 0; i <= tr.len; i++) {
            if (i == tr.len || tr.term[i] == ' ') {
                a->id[a->n++] = st_get(&t->terms, tr.term + s, i - s, 0);
                s = i + 1;
            }
        }
    }
    return n;
}

/* Single-word translations through the third language: lang -> Z -> tlang
 * (count: product of the two counts). */
static size_t pivot(const dict_compiled *dc, int lang, const char *key,
                    int tlang, langset *t, alt *out, size_t cap) {
    int z = 3 - lang - tlang;
    const uint8_t *v;
    size_t vl, n = 0;
    if (dict_find(dc, lang, key, strlen(key), &v, &vl)) return 0;
    dict_iter it;
    dict_tr tr;
    if (dict_iter_init(&it, v, vl)) die("bad value");
    while (dict_iter_next(&it, &tr) == 1 && n < cap) {
        if (tr.lang != z || (tr.flags & DICT_TR_PHRASE)) continue;
        char mid[DICT_MAX_KEY + 1];
        memcpy(mid, tr.term, tr.len);
        mid[tr.len] = 0;
        size_t k = translations(dc, z, mid, tlang, DICT_TR_FWD | DICT_TR_REV, t,
                                out + n, cap - n);
        for (size_t i = n; i < n + k; i++)
            out[i].count *= tr.count;
        n += k;
    }
    return n;
}

/* Fallbacks for a word without translation: the parts of a hyphenated
 * compound; the longest key that is a prefix of it (a stemmer that left an
 * inflection: "grootst" -> "groot"); for German and Dutch the longest key
 * that ends it and what comes before it, less a linking "s", "n", "e",
 * "en", "es" ("apothekentechn" -> "apothek" + "techn"). */
static size_t fallback(const dict_compiled *dc, int lang, const char *key,
                       int tlang, langset *t, alt *out, size_t cap) {
    size_t len = strlen(key), n = 0;
    char buf[NORM_BUF];
    const uint8_t *v;
    size_t vl;
    if (len >= sizeof buf) return 0;
    if (strchr(key, '-')) {
        size_t s = 0;
        for (size_t i = 0; i <= len; i++) {
            if (i < len && key[i] != '-') continue;
            memcpy(buf, key + s, i - s);
            buf[i - s] = 0;
            n += translations(dc, lang, buf, tlang, DICT_TR_FWD | DICT_TR_REV,
                              t, out + n, cap - n);
            s = i + 1;
        }
        return n;
    }
    for (size_t l = len - 1; l >= 4 && l + 3 >= len; l--) {
        if (dict_find(dc, lang, key, l, &v, &vl)) continue;
        memcpy(buf, key, l);
        buf[l] = 0;
        return translations(dc, lang, buf, tlang, DICT_TR_FWD | DICT_TR_REV, t,
                            out, cap);
    }
    if (lang == ZK_LANG_EN) return 0;
    for (size_t i = 3; i + 4 <= len; i++) {
        if (dict_find(dc, lang, key + i, len - i, &v, &vl)) continue;
        n = translations(dc, lang, key + i, tlang, DICT_TR_FWD | DICT_TR_REV, t,
                         out, cap);
        static const char *const link[] = {"", "s", "n", "e", "en", "es"};
        for (size_t j = 0; j < 6; j++) {
            size_t ll = strlen(link[j]);
            if (ll >= i || memcmp(key + i - ll, link[j], ll)) continue;
            memcpy(buf, key, i - ll);
            buf[i - ll] = 0;
            size_t k =
                translations(dc, lang, buf, tlang, DICT_TR_FWD | DICT_TR_REV, t,
                             out + n, cap - n);
            if (k) {
                n += k;
                break;
            }
        }
        return n;
    }
    return 0;
}

static int alt_in(const alt *a, const doc *d) {
    for (int i = 0; i < a->n; i++)
        if (!doc_tf(d, a->id[i])) return 0;
    return 1;
}

typedef struct miss {
    char term[NORM_BUF]; /* query term without translation */
    char surface[128];   /* an example of it */
    size_t n;            /* occurrences */
    size_t id_hits;      /* of which found as-is in the paragraph */
} miss;

static int miss_cmp(const void *a, const void *b) {
    const miss *x = a, *y = b;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    return strcmp(x->term, y->term);
}

/* BM25 over the target paragraphs of one query given as groups of
 * alternative terms (Pirkola: tf and df of a group are those of the union
 * of its terms).  Returns the rank (1-based) of the relevant paragraph, or
 * 0 if it scores 0. */
#define MAXG 64
#define MAXA 512
typedef struct group {
    long id[MAXA]; /* single terms */
    size_t n;      /* terms */
} group;

static void group_add(group *g, long id) {
    if (id < 0) return;
    for (size_t i = 0; i < g->n; i++)
        if (g->id[i] == id) return;
    if (g->n < MAXA) g->id[g->n++] = id;
}

static size_t bm25_rank(const langset *t, const group *g, size_t ng, long rel) {
    static double *score;
    static size_t cap;
    if (cap < t->ndocs) {
        cap = t->ndocs;
        score = xrealloc(score, cap * sizeof *score);
    }
    const double k1 = 0.9, b = 0.4;
    for (size_t d = 0; d < t->ndocs; d++)
        score[d] = 0;
    for (size_t i = 0; i < ng; i++) {
        if (!g[i].n) continue;
        size_t df = 0;
        for (size_t d = 0; d < t->ndocs; d++) {
            uint32_t tf = 0;
            for (size_t j = 0; j < g[i].n; j++)
                tf += doc_tf(&t->docs[d], g[i].id[j]);
            if (tf) df++;
        }
        if (!df) continue;
        double idf = log(1 + (t->ndocs - df + 0.5) / (df + 0.5));
        for (size_t d = 0; d < t->ndocs; d++) {
            uint32_t tf = 0;
            for (size_t j = 0; j < g[i].n; j++)
                tf += doc_tf(&t->docs[d], g[i].id[j]);
            if (!tf) continue;
            double dl = t->docs[d].len;
            score[d] +=
                idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / t->avgdl));
        }
    }
    if (rel < 0 || score[rel] <= 0) return 0;
    size_t rank = 1;
    for (size_t d = 0; d < t->ndocs; d++)
        if (score[d] > score[rel] || (score[d] == score[rel] && (long)d < rel))
            rank++;
    return rank;
}

static double ndcg(size_t rank) {
    return rank && rank <= 10 ? 1.0 / log2((double)rank + 1) : 0.0;
}

/* Runs: 0 no translation (words as they are), 1 dictionary only, 2
 * dictionary + words as they are, 3 = 2 + phrase keys, 4 = 2 with the best
 * 3 translations per word, 5 = 3 + fallbacks and pivot for words without
 * translation, 6 = 3 + pivot for every word, 7 monolingual (the question in
 * the target language). */
#define NRUNS 8
static const char *const run_name[NRUNS] = {
    "as-is", "dict",      "dict+as-is", "+phrase keys",
    "top-3", "+fb+pivot", "+pivot-all", "monolingual"};

static void coverage(const dict_compiled *dc, analyzer *a, langset *ls, int A,
                     int B, int top) {
    langset *S = &ls[A], *T = &ls[B];
    size_t nw = 0, has = 0, hit = 0, hitf = 0, hitr = 0, idh = 0, uni = 0,
           uniph = 0, single_hit = 0, hfb = 0, hpv = 0, hall = 0, uniall = 0;
    double nd[NRUNS] = {0};
    size_t nq = 0;
    miss *ms = NULL;
    size_t nms = 0, mscap = 0;
    static alt al[MAXA];
    static group g[NRUNS][MAXG];
    qword w[MAXG], wt[MAXG];
    for (size_t q = 0; q < S->nq; q++) {
        long qi = st_get(&g_rel, S->qid[q], strlen(S->qid[q]), 0);
        if (qi < 0 || g_reldoc[qi] < 0) continue;
        long rel = g_reldoc[qi];
        const doc *d = &T->docs[rel];
        size_t n = content_words(a, S->qtext[q], A, B, w, MAXG);
        size_t ng[NRUNS] = {0};
        nq++;
        /* phrase keys: adjacent content words, 2 and 3 of them */
        int phrase_hit[MAXG] = {0};
        for (size_t i = 0; i + 1 < n; i++) {
            for (size_t m = 2; m <= 3 && i + m <= n; m++) {
                char key[DICT_MAX_KEY + 1] = "";
                size_t kl = 0;
                for (size_t j = i; j < i + m; j++)
                    kl += (size_t)snprintf(key + kl, sizeof key - kl, "%s%s",
                                           j > i ? " " : "", w[j].src);
                size_t na = translations(
                    dc, A, key, B, DICT_TR_FWD | DICT_TR_REV, T, al, MAXA);
                int found = 0;
                for (size_t x = 0; x < na; x++) {
                    if (alt_in(&al[x], d)) found = 1;
                    if (al[x].n == 1)
                        for (size_t j = i; j < i + m; j++) {
                            group_add(&g[3][j], al[x].id[0]);
                            group_add(&g[5][j], al[x].id[0]);
                            group_add(&g[6][j], al[x].id[0]);
                        }
                }
                if (found)
                    for (size_t j = i; j < i + m; j++)
                        phrase_hit[j] = 1;
            }
        }
        for (size_t i = 0; i < n; i++) {
            nw++;
            size_t na = translations(dc, A, w[i].src, B,
                                     DICT_TR_FWD | DICT_TR_REV, T, al, MAXA);
            int h = 0, hs = 0, hf = 0, hr = 0;
            for (size_t x = 0; x < na; x++) {
                if (alt_in(&al[x], d)) {
                    h = 1;
                    if (al[x].n == 1) hs = 1;
                }
            }
            alt tmp[MAXA];
            size_t nf =
                translations(dc, A, w[i].src, B, DICT_TR_FWD, T, tmp, MAXA);
            for (size_t x = 0; x < nf; x++)
                hf |= alt_in(&tmp[x], d);
            size_t nr =
                translations(dc, A, w[i].src, B, DICT_TR_REV, T, tmp, MAXA);
            for (size_t x = 0; x < nr; x++)
                hr |= alt_in(&tmp[x], d);
            long tid = w[i].tgt[0]
                           ? st_get(&T->terms, w[i].tgt, strlen(w[i].tgt), 0)
                           : -1;
            int id = tid >= 0 && doc_tf(d, tid) > 0;
            has += na > 0;
            hit += h;
            single_hit += hs;
            hitf += hf;
            hitr += hr;
            idh += id;
            uni += h || id;
            uniph += h || id || phrase_hit[i];
            /* pivot and fallbacks */
            static alt pv[MAXA], fb[MAXA];
            size_t npv = pivot(dc, A, w[i].src, B, T, pv, MAXA);
            size_t nfb = na ? 0 : fallback(dc, A, w[i].src, B, T, fb, MAXA);
            int hp = 0, hb = 0;
            for (size_t x = 0; x < npv; x++)
                hp |= alt_in(&pv[x], d);
            for (size_t x = 0; x < nfb; x++)
                hb |= alt_in(&fb[x], d);
            hfb += h || hb;
            hpv += h || (!na && hp);
            hall += h || (!na && (hp || hb));
            uniall += h || id || phrase_hit[i] || (!na && (hp || hb));
            if (!na) {
                size_t k = 0;
                while (k < nms && strcmp(ms[k].term, w[i].src))
                    k++;
                if (k == nms) {
                    if (nms == mscap) {
                        mscap = mscap ? mscap * 2 : 256;
                        ms = xrealloc(ms, mscap * sizeof *ms);
                    }
                    memset(&ms[nms], 0, sizeof *ms);
                    snprintf(ms[nms].term, sizeof ms[nms].term, "%s", w[i].src);
                    snprintf(ms[nms].surface, sizeof ms[nms].surface, "%s",
                             w[i].surface);
                    nms++;
                }
                ms[k].n++;
                ms[k].id_hits += id;
            }
            /* the groups of the BM25 runs */
            for (int r = 0; r < NRUNS - 1; r++)
                if (r != 3 && r != 5 && r != 6) g[r][i].n = 0;
            group_add(&g[0][i], tid);
            group_add(&g[2][i], tid);
            group_add(&g[3][i], tid);
            group_add(&g[5][i], tid);
            group_add(&g[6][i], tid);
            for (size_t x = 0; x < npv; x++) {
                if (pv[x].n != 1) continue;
                group_add(&g[6][i], pv[x].id[0]);
                if (!na) group_add(&g[5][i], pv[x].id[0]);
            }
            for (size_t x = 0; x < nfb; x++)
                if (fb[x].n == 1) group_add(&g[5][i], fb[x].id[0]);
            /* best-supported first for the top-k run */
            for (size_t x = 0; x < na; x++)
                for (size_t y = x + 1; y < na; y++)
                    if (al[y].count > al[x].count) {
                        alt s = al[x];
                        al[x] = al[y];
                        al[y] = s;
                    }
            group_add(&g[4][i], tid);
            size_t kept = 0;
            for (size_t x = 0; x < na; x++) {
                if (al[x].n != 1) continue;
                group_add(&g[1][i], al[x].id[0]);
                group_add(&g[2][i], al[x].id[0]);
                group_add(&g[3][i], al[x].id[0]);
                group_add(&g[5][i], al[x].id[0]);
                group_add(&g[6][i], al[x].id[0]);
                if (kept++ < 3) group_add(&g[4][i], al[x].id[0]);
            }
            for (int r = 0; r < NRUNS - 1; r++)
                ng[r] = n;
        }
        for (int r = 0; r < NRUNS - 1; r++)
            nd[r] += ndcg(bm25_rank(T, g[r], ng[r], rel));
        for (size_t i = 0; i < n; i++)
            g[3][i].n = g[5][i].n = g[6][i].n = 0;
        /* monolingual: the same question asked in the target language */
        size_t tq = 0;
        while (tq < T->nq && strcmp(T->qid[tq], S->qid[q]))
            tq++;
        if (tq < T->nq) {
            size_t m = content_words(a, T->qtext[tq], B, B, wt, MAXG);
            for (size_t i = 0; i < m; i++) {
                g[7][i].n = 0;
                group_add(&g[7][i],
                          st_get(&T->terms, wt[i].src, strlen(wt[i].src), 0));
            }
            nd[7] += ndcg(bm25_rank(T, g[7], m, rel));
            for (size_t i = 0; i < m; i++)
                g[7][i].n = 0;
        }
    }
    printf("\n%s -> %s: %zu queries, %zu content words\n", code3[A], code3[B],
           nq, nw);
    printf("  with any translation         %5.1f%%\n", 100.0 * has / nw);
    printf("  translation in the paragraph %5.1f%%  (single words %.1f%%;"
           " forward dict alone %.1f%%, reverse alone %.1f%%)\n",
           100.0 * hit / nw, 100.0 * single_hit / nw, 100.0 * hitf / nw,
           100.0 * hitr / nw);
    printf("  word as-is in the paragraph  %5.1f%%\n", 100.0 * idh / nw);
    printf("  either                       %5.1f%%   + phrase keys %5.1f%%\n",
           100.0 * uni / nw, 100.0 * uniph / nw);
    printf("  no translation: + fallbacks %5.1f%%, + pivot %5.1f%%, + both "
           "%5.1f%%; all with as-is and phrase keys %5.1f%%\n",
           100.0 * hfb / nw, 100.0 * hpv / nw, 100.0 * hall / nw,
           100.0 * uniall / nw);
    printf("  BM25 nDCG@10 estimate:");
    for (int r = 0; r < NRUNS; r++)
        printf(" %s %.3f%s", run_name[r], nd[r] / nq,
               r < NRUNS - 1 ? "," : "\n");
    qsort(ms, nms, sizeof *ms, miss_cmp);
    printf("  most common words without translation (term, as written, "
           "count, found as-is):\n   ");
    for (size_t i = 0; i < nms && i < (size_t)top; i++)
        printf(" %s(%s) %zu/%zu%s", ms[i].term, ms[i].surface, ms[i].n,
               ms[i].id_hits, (i + 1) % 5 == 0 ? "\n   " : ";");
    printf("\n");
    free(ms);
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv) {
    const char *dir = "/usr/share/dictd", *eval = "../shared/eval";
    dict_opts o = {sizeof o, 0, 0};
    int determinism = 0, top = 20;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-d") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "-e") && i + 1 < argc)
            eval = argv[++i];
        else if (!strcmp(argv[i], "--max-terms") && i + 1 < argc)
            o.max_terms = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--max-targets") && i + 1 < argc)
            o.max_targets = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--top") && i + 1 < argc)
            top = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--determinism"))
            determinism = 1;
        else {
            fprintf(stderr, "usage: dict_stats [-d DICTDIR] [-e EVALDIR] "
                            "[--max-terms N] [--max-targets N] [--top N] "
                            "[--determinism]\n");
            return 2;
        }
    }
    dict_compiled *dc = compile_all(dir, &o, 0, 1);
    zk_buf ser = {0};
    if (dict_serialize(dc, &ser)) die("serialize");
    size_t kb = 0, vb = 0;
    for (size_t i = 0; i < dict_count(dc); i++) {
        size_t kl, vl;
        dict_get(dc, i, NULL, NULL, &kl, NULL, &vl);
        kb += kl + 1;
        vb += vl;
    }
    printf("compiled: %zu keys, key bytes %zu, value bytes %zu, serialised "
           "%zu bytes (%.1f MiB); mean value %.1f bytes\n",
           dict_count(dc), kb, vb, ser.len, ser.len / 1048576.0,
           dict_count(dc) ? (double)vb / dict_count(dc) : 0);
    if (determinism) {
        dict_compiled *d2 = compile_all(dir, &o, 1, 0);
        zk_buf s2 = {0};
        if (dict_serialize(d2, &s2)) die("serialize");
        printf("determinism: reverse order gives %s bytes (hash %016llx)\n",
               s2.len == ser.len && !memcmp(s2.p, ser.p, ser.len) ? "the same"
                                                                  : "DIFFERENT",
               (unsigned long long)zk_hash64(ser.p, ser.len, 0));
        zk_buf_free(&s2);
        dict_compiled_free(d2);
    }
    zk_buf_free(&ser);

    static dir_stats ds[3][3];
    direction_stats(dc, ds);
    printf("\n%-6s %8s %8s %9s %9s %6s %8s %8s %8s %6s %5s  %s\n", "dir",
           "keys", "phrkeys", "pairs", "phrpairs", "phr%", "fwdonly", "revonly",
           "both", "fanavg", "max",
           "fan-out 1/2-3/4-7/8-15/"
           "16-31/32+");
    for (int s = 0; s < 3; s++)
        for (int t = 0; t < 3; t++) {
            if (s == t) continue;
            dir_stats *d = &ds[s][t];
            size_t pairs = d->pairs[0] + d->pairs[1];
            printf("%s->%s  %8zu %8zu %9zu %9zu %5.1f%% %8zu %8zu %8zu %6.2f "
                   "%5zu  %zu/%zu/%zu/%zu/%zu/%zu\n",
                   code3[s], code3[t], d->keys[0], d->keys[1], pairs,
                   d->pairs[1], pairs ? 100.0 * d->pairs[1] / pairs : 0.0,
                   d->prov[0], d->prov[1], d->prov[2],
                   d->fan_n ? (double)d->fan_sum / d->fan_n : 0.0, d->fan_max,
                   d->fan_hist[0], d->fan_hist[1], d->fan_hist[2],
                   d->fan_hist[3], d->fan_hist[4], d->fan_hist[5]);
        }
    printf("\nhighest fan-out (single-word keys):\n");
    for (int s = 0; s < 3; s++)
        for (int t = 0; t < 3; t++) {
            if (s == t) continue;
            printf("  %s->%s:", code3[s], code3[t]);
            for (int i = 0; i < 10 && ds[s][t].fan_top[i]; i++)
                printf(" %s %zu%s", ds[s][t].fan_word[i], ds[s][t].fan_top[i],
                       i < 9 ? "," : "");
            printf("\n");
        }

    /* coverage on the parallel query set */
    static langset ls[3];
    analyzer *a;
    if (analyzer_new(&a, AN_CACHE_INDEX)) die("out of memory");
    char path[4096];
    for (int l = 0; l < 3; l++) {
        snprintf(path, sizeof path, "%s/xquad-%s/docs.jsonl", eval, code3[l]);
        load_docs(a, path, l, &ls[l]);
        snprintf(path, sizeof path, "%s/xquad-%s/queries.tsv", eval, code3[l]);
        load_queries(path, &ls[l]);
    }
    snprintf(path, sizeof path, "%s/xquad-en/qrels.txt", eval);
    load_qrels(path, &ls[0]);
    for (int l = 1; l < 3; l++)
        for (size_t i = 0; i < ls[l].ndocs; i++)
            if (strcmp(ls[l].docs[i].id, ls[0].docs[i].id))
                die("paragraph ids differ between languages");
    printf("\ncoverage on XQuAD (%zu/%zu/%zu questions, %zu paragraphs)\n",
           ls[0].nq, ls[1].nq, ls[2].nq, ls[0].ndocs);
    for (int s = 0; s < 3; s++)
        for (int t = 0; t < 3; t++)
            if (s != t) coverage(dc, a, ls, s, t, top);
    analyzer_free(a);
    dict_compiled_free(dc);
    return 0;
}
