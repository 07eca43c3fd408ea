/* test_search.c - the public API end to end: BM25 scores against a hand
 * computation, query syntax, article grouping, the pruned scorer against
 * the exhaustive one, searching several indexes as one, incremental
 * updates against a rebuild, and indexes built with small memory budgets
 * against one built with the default. */
#include <math.h>

#include "bm25.h"
#include "check.h"
#include "heaphook.h"
#include "segment.h"
#include "testlib.h"
#include "writer.h"

/* ---------------------------------------------------------------- BM25 */

static double tfpart(double tf, double dl, double avgdl) {
    return tf * 1.9 / (tf + 0.9 * (0.6 + 0.4 * dl / avgdl));
}

/* The bounds' one-division tf part equals bm25_tf but for rounding, and
 * bounds a posting's tf part from its block's smallest length. */
static void test_bm25_bound(void) {
    static const double k1s[] = {0.0, 0.5, 0.9, 1.2, 2.0};
    static const double bs[] = {0.0, 0.4, 0.75, 1.0};
    static const double avgs[] = {0.0, 1.0, 11.0 / 3.0, 55.9, 1e4};
    size_t bad = 0, n = 0;
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 4; j++)
            for (size_t k = 0; k < 5; k++) {
                bm25 p = {k1s[i], bs[j], avgs[k]};
                bm25_bound f = bm25_bound_of(&p);
                for (double tf = 1; tf <= 65535; tf = tf * 3 + 1)
                    for (double dl = 1; dl <= 65535; dl = dl * 5 + 2) {
                        double a = bm25_tf(&p, tf, dl);
                        double b = bm25_tf_bound(&f, tf, dl);
                        n++;
                        if (fabs(a - b) > 1e-14 * a) bad++;
                        /* a longer passage scores no more */
                        if (bm25_tf_bound(&f, tf, dl + 1) > b * (1 + 1e-14))
                            bad++;
                    }
            }
    CHECK(n > 1000 && bad == 0);
}

static void test_bm25_by_hand(void) {
    char *dir = tl_tmpdir();
    zoek_index *idx = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    /* stems (English): appl banana appl cherri | banana cherri date |
     * cherri elderberri fig grape; no stopwords, one passage each */
    CHECK(tl_add(idx, "A", NULL, "apple banana apple cherry", ZOEK_LANG_EN) ==
          ZOEK_ADDED);
    CHECK(tl_add(idx, "B", NULL, "banana cherry date", ZOEK_LANG_EN) ==
          ZOEK_ADDED);
    CHECK(tl_add(idx, "C", NULL, "cherry elderberry fig grape",
                 ZOEK_LANG_EN) == ZOEK_ADDED);
    zoek_commit_stats cs;
    CHECK_OK(zoek_index_commit(idx, &cs));
    CHECK(cs.added == 3 && cs.passages == 3);
    zoek_stats st;
    CHECK_OK(zoek_index_stats(idx, &st));
    CHECK(st.articles == 3 && st.passages == 3 && st.tokens == 11);

    /* N = 3, avgdl = 11/3 */
    double avgdl = 11.0 / 3.0;
    tl_hit h[10];
    int n = tl_search(&idx, 1, "apple", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 1);
    /* df(appl) = 1: idf = ln(1 + 2.5/1.5) = ln(8/3); tf 2, dl 4 */
    CHECK_STR(h[0].doc, "A");
    CHECK_NEAR(h[0].score, log(8.0 / 3.0) * tfpart(2, 4, avgdl), 1e-12);

    n = tl_search(&idx, 1, "cherry banana", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 3);
    double icherry = log(1 + 0.5 / 3.5), ibanana = log(1 + 1.5 / 2.5);
    double sb = icherry * tfpart(1, 3, avgdl) + ibanana * tfpart(1, 3, avgdl);
    double sa = icherry * tfpart(1, 4, avgdl) + ibanana * tfpart(1, 4, avgdl);
    double sc = icherry * tfpart(1, 4, avgdl);
    CHECK_STR(h[0].doc, "B");
    CHECK_NEAR(h[0].score, sb, 1e-12);
    CHECK_STR(h[1].doc, "A");
    CHECK_NEAR(h[1].score, sa, 1e-12);
    CHECK_STR(h[2].doc, "C");
    CHECK_NEAR(h[2].score, sc, 1e-12);

    /* explanations: per word, tf, df, idf and the part of the score */
    {
        zoek_search_opts o;
        memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.flags = ZOEK_SEARCH_EXPLAIN;
        zoek_results *r;
        CHECK_OK(zoek_search(idx, "Bananas cherry", 14, &o, &r));
        const zoek_hit *x;
        CHECK(zoek_results_next(r, &x) == 1);
        CHECK_STR(x->doc, "B");
        CHECK(x->nexplain == 2);
        if (x->nexplain == 2) {
            CHECK_STR(x->explain[0].word, "Bananas");
            CHECK_STR(x->explain[0].term, "banana");
            CHECK(x->explain[0].tf == 1 && x->explain[0].dl == 3);
            CHECK(x->explain[0].df == 2 && x->explain[0].lang == ZOEK_LANG_EN);
            CHECK_NEAR(x->explain[0].score, ibanana * tfpart(1, 3, avgdl),
                       1e-12);
            CHECK_STR(x->explain[1].word, "cherry");
            CHECK_STR(x->explain[1].term, "cherri");
            CHECK_NEAR(x->explain[0].score + x->explain[1].score, x->score,
                       1e-12);
        }
        zoek_results_free(r);
    }
    /* a repeated query word counts twice */
    n = tl_search(&idx, 1, "apple apple", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 1);
    CHECK_NEAR(h[0].score, 2 * log(8.0 / 3.0) * tfpart(2, 4, avgdl), 1e-12);

    /* other k1 and b */
    {
        zoek_search_opts o;
        memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.has_k1_b = 1;
        o.k1 = 1.2;
        o.b = 0.75;
        zoek_results *r;
        CHECK_OK(zoek_search(idx, "apple", 5, &o, &r));
        const zoek_hit *hh;
        CHECK(zoek_results_next(r, &hh) == 1);
        double want = log(8.0 / 3.0) * 2 * 2.2 /
                      (2 + 1.2 * (0.25 + 0.75 * 4 / avgdl));
        CHECK_NEAR(hh->score, want, 1e-12);
        CHECK(zoek_results_next(r, &hh) == 0 && hh == NULL);
        zoek_results_free(r);
    }
    /* no hits, and queries of stopwords only */
    CHECK(tl_search(&idx, 1, "zebra", 0, 10, ZOEK_LANG_AUTO, h, 10) == 0);
    CHECK(tl_search(&idx, 1, "the of and", 0, 10, ZOEK_LANG_AUTO, h, 10) == 0);
    CHECK(tl_search(&idx, 1, "", 0, 10, ZOEK_LANG_AUTO, h, 10) == 0);
    zoek_index_close(idx);
    tl_rmdir(dir);
}

/* --------------------------------------------------------------- syntax */

static int has_doc(const tl_hit *h, int n, const char *doc) {
    for (int i = 0; i < n; i++)
        if (!strcmp(h[i].doc, doc)) return 1;
    return 0;
}

static void test_syntax(void) {
    char *dir = tl_tmpdir();
    zoek_index *idx = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    tl_add(idx, "d1", NULL, "Export controls on advanced chips to China.",
           ZOEK_LANG_EN);
    tl_add(idx, "d2", NULL, "China controls the export of rare earths.",
           ZOEK_LANG_EN);
    tl_add(idx, "d3", NULL, "Nvidia sells advanced chips in Singapore.",
           ZOEK_LANG_EN);
    tl_add(idx, "d4", NULL, "Exporters of chips face new controls.",
           ZOEK_LANG_EN);
    CHECK_OK(zoek_index_commit(idx, NULL));
    tl_hit h[10];
    int n;
    /* phrase: adjacent words only ("export controls" vs "controls the
     * export") */
    n = tl_search(&idx, 1, "\"export controls\"", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 1 && has_doc(h, n, "d1"));
    /* stopwords inside a phrase keep their place */
    n = tl_search(&idx, 1, "\"controls the export\"", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 1 && has_doc(h, n, "d2"));
    n = tl_search(&idx, 1, "\"controls export\"", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 0);
    /* exclusion and requirement */
    n = tl_search(&idx, 1, "chips -china", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 2 && has_doc(h, n, "d3") && has_doc(h, n, "d4"));
    n = tl_search(&idx, 1, "chips NOT china", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 2 && !has_doc(h, n, "d1"));
    n = tl_search(&idx, 1, "+china chips", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 2 && has_doc(h, n, "d1") && has_doc(h, n, "d2"));
    CHECK_STR(h[0].doc, "d1"); /* both words rank first */
    n = tl_search(&idx, 1, "nvidia AND singapore", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 1 && has_doc(h, n, "d3"));
    n = tl_search(&idx, 1, "nvidia AND china", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 0);
    n = tl_search(&idx, 1, "nvidia OR earths", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 2);
    n = tl_search(&idx, 1, "(nvidia OR earths) AND china", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 1 && has_doc(h, n, "d2"));
    /* prefix: export* covers export, exporters */
    n = tl_search(&idx, 1, "export*", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 3 && !has_doc(h, n, "d3"));
    n = tl_search(&idx, 1, "sing*", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 1 && has_doc(h, n, "d3"));
    /* broken syntax is searched as words */
    n = tl_search(&idx, 1, "\"nvidia (singapore", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 1 && has_doc(h, n, "d3"));
    n = tl_search(&idx, 1, "AND", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 0);
    /* only exclusions match nothing */
    n = tl_search(&idx, 1, "-china", 0, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 0);
    /* plain text: no operators, every word optional and ranked */
    const unsigned P = ZOEK_SEARCH_PLAIN;
    n = tl_search(&idx, 1, "-china", P, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 2 && has_doc(h, n, "d1") && has_doc(h, n, "d2"));
    n = tl_search(&idx, 1, "+nvidia earths", P, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 2 && has_doc(h, n, "d2") && has_doc(h, n, "d3"));
    n = tl_search(&idx, 1, "nvidia AND china", P, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 3 && has_doc(h, n, "d3"));
    n = tl_search(&idx, 1, "\"controls export\"", P, 10, ZOEK_LANG_AUTO, h,
                  10);
    CHECK(n == 3 && !has_doc(h, n, "d3"));
    n = tl_search(&idx, 1, "sing*", P, 10, ZOEK_LANG_AUTO, h, 10);
    CHECK(n == 0); /* no prefix: the word "sing" */
    /* plain words score as the same words without syntax */
    {
        tl_hit h2[10];
        int n2 = tl_search(&idx, 1, "chips china", 0, 10, ZOEK_LANG_AUTO, h2,
                           10);
        n = tl_search(&idx, 1, "(+chips \"china\")", P, 10, ZOEK_LANG_AUTO,
                      h, 10);
        CHECK(n == n2 && n == 4);
        for (int i = 0; i < n && i < n2; i++) {
            CHECK_STR(h[i].doc, h2[i].doc);
            CHECK_NEAR(h[i].score, h2[i].score, 1e-12);
        }
    }
    zoek_index_close(idx);
    tl_rmdir(dir);
}

/* In an index of several languages, passages in the query's language
 * come first even when another language's copy matches the names more
 * often. */
static void test_query_language(void) {
    char *dir = tl_tmpdir();
    zoek_index *idx = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    tl_add(idx, "en", NULL,
           "The company said that Nvidia sells the H800 to its customers "
           "in the region.", ZOEK_LANG_EN);
    tl_add(idx, "de", NULL,
           "Das Unternehmen teilte mit, dass Nvidia den H800 und den H800 "
           "an seine Kunden in der Region verkauft.", ZOEK_LANG_DE);
    tl_add(idx, "nl", NULL,
           "Het bedrijf zei dat Nvidia de H800 en de H800 aan zijn klanten "
           "in de regio verkoopt.", ZOEK_LANG_NL);
    CHECK_OK(zoek_index_commit(idx, NULL));
    tl_hit h[5];
    int n = tl_search(&idx, 1, "which customers get the Nvidia H800", 0, 5,
                      ZOEK_LANG_AUTO, h, 5);
    CHECK(n == 3);
    CHECK_STR(h[0].doc, "en");
    n = tl_search(&idx, 1, "welke klanten krijgen de Nvidia H800", 0, 5,
                  ZOEK_LANG_AUTO, h, 5);
    CHECK(n == 3);
    CHECK_STR(h[0].doc, "nl");
    /* the same words with the language forced */
    n = tl_search(&idx, 1, "Nvidia H800", 0, 5, ZOEK_LANG_DE, h, 5);
    CHECK(n == 3);
    CHECK_STR(h[0].doc, "de");
    /* names alone: no language, no preference (the repeated name wins) */
    n = tl_search(&idx, 1, "Nvidia H800", 0, 5, ZOEK_LANG_AUTO, h, 5);
    CHECK(n == 3);
    CHECK(strcmp(h[0].doc, "en") != 0);
    zoek_index_close(idx);
    tl_rmdir(dir);
}

/* A German or Dutch query word no passage holds, which the compound
 * word lists do not split, is split into words the index holds; a word
 * the index holds is searched whole. */
/* A new index in a new directory (*dir) holding the n articles docs
 * ({id, text}) in lang, committed. */
static zoek_index *small_index(char **dir, int lang, size_t n,
                               const char *const docs[][2]) {
    *dir = tl_tmpdir();
    zoek_index *idx = tl_open(*dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    for (size_t i = 0; i < n; i++)
        tl_add(idx, docs[i][0], NULL, docs[i][1], lang);
    CHECK_OK(zoek_index_commit(idx, NULL));
    return idx;
}

/* Closes an index and removes its directory. */
static void drop_index(zoek_index *idx, char *dir) {
    zoek_index_close(idx);
    tl_rmdir(dir);
}

static void test_index_split(void) {
    static const char *const de[][2] = {
        {"parts", "Im Sommer schmolz der Gletscher, und ein Teil des "
                  "Abflusses ging in den Rhein."},
        {"other", "Im Sommer führte der Rhein viel Wasser aus den Alpen."}};
    char *dir;
    zoek_index *idx = small_index(&dir, ZOEK_LANG_DE, 2, de);
    tl_hit h[5];
    int n = tl_search(&idx, 1, "Gletscherabfluss", 0, 5, ZOEK_LANG_AUTO, h,
                      5);
    CHECK(n == 1);
    CHECK_STR(h[0].doc, "parts");
    n = tl_search(&idx, 1, "vegetatiemetingen", 0, 5, ZOEK_LANG_AUTO, h, 5);
    CHECK(n == 0); /* a Dutch word in a German index stays whole */
    /* held by a passage: searched whole, the parts do not match */
    tl_add(idx, "whole", NULL, "Der Gletscherabfluss stieg im Mai.",
           ZOEK_LANG_DE);
    CHECK_OK(zoek_index_commit(idx, NULL));
    n = tl_search(&idx, 1, "Gletscherabfluss", 0, 5, ZOEK_LANG_AUTO, h, 5);
    CHECK(n == 1);
    CHECK_STR(h[0].doc, "whole");
    drop_index(idx, dir);

    static const char *const nl[][2] = {
        {"parts",
         "De vegetatie werd gemeten met een nieuwe meting vanuit de lucht."}};
    idx = small_index(&dir, ZOEK_LANG_NL, 1, nl);
    n = tl_search(&idx, 1, "vegetatiemetingen", 0, 5, ZOEK_LANG_AUTO, h, 5);
    CHECK(n == 1);
    CHECK_STR(h[0].doc, "parts");
    drop_index(idx, dir);

    /* a name's -s after a vowel that no passage holds: the name */
    static const char *const names[][2] = {
        {"name", "Raila Odinga wurde nach der Wahl Ministerpräsident von "
                 "Kenia."},
        {"other", "Die Regierung in Nairobi trat am Montag zurück."}};
    idx = small_index(&dir, ZOEK_LANG_DE, 2, names);
    n = tl_search(&idx, 1, "Odingas", 0, 5, ZOEK_LANG_AUTO, h, 5);
    CHECK(n == 1);
    CHECK_STR(h[0].doc, "name");
    n = tl_search(&idx, 1, "Kenias Regierung", 0, 5, ZOEK_LANG_DE, h, 5);
    CHECK(n == 2);
    n = tl_search(&idx, 1, "Hawaiis", 0, 5, ZOEK_LANG_DE, h, 5);
    CHECK(n == 0); /* the name without -s is not held either */
    drop_index(idx, dir);

    /* no split: the compounds that begin with the word, up to 16 */
    static const char *const heads[][2] = {
        {"head", "De zwiebelkrantgolf raakte gisteren de kust."},
        {"other", "De storm raakte gisteren de kust."}};
    idx = small_index(&dir, ZOEK_LANG_NL, 2, heads);
    n = tl_search(&idx, 1, "zwiebelkrant", 0, 5, ZOEK_LANG_NL, h, 5);
    CHECK(n == 1);
    CHECK_STR(h[0].doc, "head");
    n = tl_search(&idx, 1, "zwiebelkrantgo", 0, 5, ZOEK_LANG_NL, h, 5);
    CHECK(n == 0); /* "lf" adds fewer than 4 bytes: not a compound */
    for (int i = 0; i < 16; i++) {
        char id[16], text[96];
        snprintf(id, sizeof id, "more%d", i);
        snprintf(text, sizeof text, "Een zwiebelkrantv%coor%ct kwam.",
                 'a' + i, 'a' + i);
        tl_add(idx, id, NULL, text, ZOEK_LANG_NL);
    }
    CHECK_OK(zoek_index_commit(idx, NULL));
    n = tl_search(&idx, 1, "zwiebelkrant", 0, 5, ZOEK_LANG_NL, h, 5);
    CHECK(n == 0); /* 17 such compounds: too general to expand */
    drop_index(idx, dir);
}

/* ------------------------------------------- a larger synthetic corpus */

static uint64_t rng_state = 1;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

#define VOCAB 400
static char vocab[VOCAB][16];

static void make_vocab(void) {
    static const char *syl[] = {"ka", "lo", "mi", "ne", "ru", "sa", "te",
                                "vo", "zu", "ba", "di", "fo", "gu", "pe"};
    for (int i = 0; i < VOCAB; i++) {
        int n = 2 + i % 3, v = i * 7 + 3;
        vocab[i][0] = 0;
        for (int k = 0; k < n; k++) {
            strcat(vocab[i], syl[v % 14]);
            v /= 14;
            v += i;
        }
        snprintf(vocab[i] + strlen(vocab[i]), 4, "x%d", i % 10);
    }
}

/* A document of Zipf-distributed words in sentences. */
static void make_text(char *buf, size_t cap, uint32_t seed) {
    uint64_t save = rng_state;
    rng_state = seed * 2654435761u + 1;
    size_t w = 0, words = 20 + rnd() % 400;
    for (size_t i = 0; i < words && w + 40 < cap; i++) {
        uint32_t r = rnd() % 1000;
        int k = (int)(VOCAB * (r * r / 1e6)); /* skewed to small ids */
        w += (size_t)snprintf(buf + w, cap - w, "%s%s", vocab[k],
                              i % 17 == 16 ? ". " : " ");
    }
    buf[w] = 0;
    rng_state = save;
}

static int same_hits(const tl_hit *a, int na, const tl_hit *b, int nb) {
    if (na != nb) return 0;
    for (int i = 0; i < na; i++)
        if (strcmp(a[i].doc, b[i].doc) || a[i].passage != b[i].passage ||
            fabs(a[i].score - b[i].score) > 1e-9 * (1 + fabs(a[i].score)))
            return 0;
    return 1;
}

static void random_query(char *q, size_t cap) {
    int nw = 1 + (int)(rnd() % 5);
    size_t w = 0;
    for (int i = 0; i < nw; i++) {
        uint32_t r = rnd() % 1000;
        int k = (int)(VOCAB * (r / 1000.0) * (r / 1000.0));
        const char *mod = "";
        uint32_t m = rnd() % 20;
        if (m == 0) mod = "+";
        else if (m == 1) mod = "-";
        w += (size_t)snprintf(q + w, cap - w, "%s%s ", mod, vocab[k]);
    }
    if (rnd() % 10 == 0) /* a phrase */
        snprintf(q + w, cap - w, "\"%s %s\"", vocab[rnd() % 20],
                 vocab[rnd() % 20]);
}

/* Runs n random queries (every other one ranking articles) at top k on
 * a and b; returns how many gave different hits, printing the first five
 * after what. */
static int differing_queries(zoek_index *a, zoek_index *b, int n, unsigned k,
                             const char *what) {
    static tl_hit ha[1000], hb[1000];
    int bad = 0;
    for (int t = 0; t < n; t++) {
        char q[512];
        random_query(q, sizeof q);
        unsigned flags = t % 2 ? ZOEK_SEARCH_DOCS : 0;
        int na = tl_search(&a, 1, q, flags, k, ZOEK_LANG_EN, ha, 1000);
        int nb = tl_search(&b, 1, q, flags, k, ZOEK_LANG_EN, hb, 1000);
        if ((na < 0 || !same_hits(ha, na, hb, nb)) && bad++ < 5)
            fprintf(stderr, "%s: '%s': %d vs %d\n", what, q, na, nb);
    }
    return bad;
}

/* Every query gives the same hits with the pruned and exhaustive scorer. */
static void compare_oracle(zoek_index **idx, size_t nidx, int rounds) {
    static tl_hit a[1000], b[1000];
    int bad = 0;
    for (int t = 0; t < rounds; t++) {
        char q[512];
        random_query(q, sizeof q);
        unsigned flags = rnd() % 2 ? ZOEK_SEARCH_DOCS : 0;
        unsigned k = (unsigned[]){1, 3, 10, 100, 1000}[rnd() % 5];
        int na = tl_search(idx, nidx, q, flags, k, ZOEK_LANG_EN, a, 1000);
        int nb = tl_search(idx, nidx, q, flags | ZOEK_SEARCH_EXHAUSTIVE, k,
                           ZOEK_LANG_EN, b, 1000);
        if (na < 0 || !same_hits(a, na, b, nb)) {
            if (bad++ < 5)
                fprintf(stderr, "oracle mismatch: '%s' k=%u docs=%u: %d vs %d\n",
                        q, k, flags, na, nb);
        }
    }
    CHECK(bad == 0);
}

static void add_synthetic(zoek_index *idx, uint32_t from, uint32_t to,
                          uint32_t version) {
    static char text[8192];
    for (uint32_t i = from; i < to; i++) {
        char id[32];
        snprintf(id, sizeof id, "doc%05u", i);
        make_text(text, sizeof text, i * 31 + version);
        tl_add(idx, id, NULL, text, ZOEK_LANG_EN);
    }
}

/* The words a hit's score is made of (with ZOEK_SEARCH_EXPLAIN): the
 * hit ranked first for query in idx, its id in *doc; 0 when none. */
static size_t explained(zoek_index *idx, const char *query, char *doc,
                        size_t cap) {
    zoek_search_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.flags = ZOEK_SEARCH_EXPLAIN;
    o.lang = ZOEK_LANG_DE;
    zoek_results *r;
    CHECK_OK(zoek_search(idx, query, strlen(query), &o, &r));
    const zoek_hit *x;
    size_t n = 0;
    doc[0] = 0;
    if (zoek_results_next(r, &x) == 1) {
        n = x->nexplain;
        snprintf(doc, cap, "%s", x->doc);
    }
    zoek_results_free(r);
    return n;
}

/* A query compound's parts are one word when a passage holds the
 * compound (they add to its score once, not once each), and words of
 * their own when none does; in German and Dutch, hyphenated compounds
 * too. */
static void test_compound_parts(void) {
    static const char *const de[][2] = {
        {"whole", "Die Koalitionsregierung trat am Montag zur\xC3\xBC" "ck."},
        {"other", "Im Sommer f\xC3\xBChrte der Rhein viel Wasser."}};
    char *dir, doc[16];
    zoek_index *idx = small_index(&dir, ZOEK_LANG_DE, 2, de);
    /* the compound, and its parts as one word */
    CHECK(explained(idx, "Koalitionsregierung", doc, sizeof doc) == 2);
    CHECK_STR(doc, "whole");
    drop_index(idx, dir);

    static const char *const parts[][2] = {
        {"parts", "Die Koalition bildete eine neue Regierung."},
        {"other", "Im Sommer f\xC3\xBChrte der Rhein viel Wasser."}};
    idx = small_index(&dir, ZOEK_LANG_DE, 2, parts);
    /* no passage holds the compound: each part is a word */
    CHECK(explained(idx, "Koalitionsregierung", doc, sizeof doc) == 2);
    CHECK_STR(doc, "parts");
    drop_index(idx, dir);

    /* the same for a German hyphenated compound: the whole, its parts */
    static const char *const hy[][2] = {
        {"whole", "Der Nokia-Chef trat am Montag zur\xC3\xBC" "ck."},
        {"other", "Der Chef von Nokia sprach am Montag."}};
    idx = small_index(&dir, ZOEK_LANG_DE, 2, hy);
    CHECK(explained(idx, "Nokia-Chef", doc, sizeof doc) == 2);
    CHECK_STR(doc, "whole");
    drop_index(idx, dir);
    idx = small_index(&dir, ZOEK_LANG_DE, 1, hy + 1);
    CHECK(explained(idx, "Nokia-Chef", doc, sizeof doc) == 2);
    CHECK_STR(doc, "other");
    drop_index(idx, dir);
}

/* A word's df is that of the union of its variants' passages (here a
 * prefix's terms): over several tombstone pages, with one variant
 * sparse, one dense and one holding the others' passages or not, after
 * deletions in another segment. */
static uint64_t prefix_df(zoek_index *idx) {
    zoek_search_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.flags = ZOEK_SEARCH_EXPLAIN | ZOEK_SEARCH_NO_SNIPPETS;
    o.limit = 1;
    o.lang = ZOEK_LANG_EN;
    zoek_results *r;
    uint64_t df = 0;
    CHECK_OK(zoek_search(idx, "zzq*", 4, &o, &r));
    const zoek_hit *x;
    if (zoek_results_next(r, &x) == 1 && x->nexplain == 1)
        df = x->explain[0].df;
    zoek_results_free(r);
    return df;
}

static int union_holds(uint32_t i, int del) {
    if (del && i >= 9000 && i < 19000 && i % 5 == 0) return 0;
    return i % 3 == 0 || i % 7 == 0 || i % 4000 == 17 ||
           (i >= 12000 && i % 2 == 0);
}

static void test_union_df(void) {
    char *dir = tl_tmpdir();
    zoek_index *idx = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    const uint32_t n = 20000;
    for (uint32_t i = 0; i < n; i++) {
        char id[32], text[128];
        snprintf(id, sizeof id, "u%05u", i);
        snprintf(text, sizeof text, "filler words%s%s%s%s",
                 i % 3 == 0 ? " zzqa" : "", i % 7 == 0 ? " zzqb" : "",
                 i % 4000 == 17 ? " zzqc" : "",
                 i >= 12000 && i % 2 == 0 ? " zzqd" : "");
        tl_add(idx, id, NULL, text, ZOEK_LANG_EN);
    }
    CHECK_OK(zoek_index_commit(idx, NULL));
    uint64_t want = 0;
    for (uint32_t i = 0; i < n; i++) want += (uint64_t)union_holds(i, 0);
    CHECK(prefix_df(idx) == want);
    for (uint32_t i = 9000; i < 19000; i += 5) {
        char id[32];
        snprintf(id, sizeof id, "u%05u", i);
        CHECK_OK(zoek_index_delete(idx, id, strlen(id)));
    }
    tl_add(idx, "extra", NULL, "zzqa zzqc", ZOEK_LANG_EN);
    CHECK_OK(zoek_index_commit(idx, NULL));
    want = 1;
    for (uint32_t i = 0; i < n; i++) want += (uint64_t)union_holds(i, 1);
    CHECK(prefix_df(idx) == want);
    drop_index(idx, dir);
}

static void test_oracle_and_incremental(void) {
    make_vocab();
    char *inc = tl_tmpdir(), *full = tl_tmpdir();
    zoek_index *a = tl_open(inc, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    /* incremental history: three commits with adds, replacements and
     * deletions; doc i has version v(i) at the end */
    add_synthetic(a, 0, 1500, 0);
    CHECK_OK(zoek_index_commit(a, NULL));
    add_synthetic(a, 1500, 2500, 0);
    add_synthetic(a, 0, 200, 1);      /* replaced */
    for (uint32_t i = 300; i < 400; i++) {
        char id[32];
        snprintf(id, sizeof id, "doc%05u", i);
        CHECK_OK(zoek_index_delete(a, id, strlen(id)));
    }
    zoek_commit_stats cs;
    CHECK_OK(zoek_index_commit(a, &cs));
    CHECK(cs.added == 1000 && cs.replaced == 200 && cs.deleted == 100);
    add_synthetic(a, 100, 150, 2);    /* replaced again */
    add_synthetic(a, 1500, 1600, 0);  /* unchanged */
    CHECK_OK(zoek_index_commit(a, &cs));
    CHECK(cs.replaced == 50 && cs.unchanged == 100 && cs.added == 0);
    /* deleting a missing id is an error that changes nothing */
    CHECK_RC(zoek_index_delete(a, "nope", 4), ZOEK_ENOTFOUND);
    zoek_index_close(a);

    /* the same surviving articles, built at once */
    zoek_index *b = tl_open(full, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    add_synthetic(b, 0, 100, 1);
    add_synthetic(b, 100, 150, 2);
    add_synthetic(b, 150, 200, 1);
    add_synthetic(b, 200, 300, 0);
    add_synthetic(b, 400, 2500, 0);
    CHECK_OK(zoek_index_commit(b, NULL));
    zoek_index_close(b);

    a = tl_open(inc, ZOEK_OPEN_READ);
    b = tl_open(full, ZOEK_OPEN_READ);
    zoek_stats sa, sb;
    CHECK_OK(zoek_index_stats(a, &sa));
    CHECK_OK(zoek_index_stats(b, &sb));
    CHECK(sa.articles == 2400 && sb.articles == 2400);
    CHECK(sa.passages == sb.passages && sa.tokens == sb.tokens);

    /* incremental == rebuild: same hits, same scores */
    /* passage numbers within articles agree; ids too */
    CHECK(differing_queries(a, b, 300, 50, "incremental != rebuild") == 0);
    /* deleted and replaced text never matches */
    {
        static char text[8192];
        make_text(text, sizeof text, 350 * 31);
        tl_hit h[5];
        int n = tl_search(&a, 1, "doc00350", 0, 5, ZOEK_LANG_EN, h, 5);
        CHECK(n == 0);
    }
    /* the pruned scorer equals the exhaustive one, on one index and on
     * the incremental index (tombstones, several segments) */
    compare_oracle(&b, 1, 400);
    compare_oracle(&a, 1, 400);
    zoek_index_close(a);
    zoek_index_close(b);
    tl_rmdir(inc);
    tl_rmdir(full);
}

/* The postings of an indexing run merged by two threads (each taking half
 * of the terms) equal those merged by one. */
static void test_parallel_merge(void) {
    char *dir[2] = {tl_tmpdir(), tl_tmpdir()};
    zoek_index *idx[2];
    uint64_t before = segment_parallel_merges;
    zoek_check_report rep[2];
    for (int i = 0; i < 2; i++) {
        segment_parallel_min = i ? 0 : UINT64_MAX;
        zoek_index *w = tl_open(dir[i], ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
        CHECK_OK(zoek_index_set_threads(w, 2));
        /* a few runs (not so many that they become several segments) */
        CHECK_OK(zoek_index_set_memory(w, 32u << 20));
        add_synthetic(w, 0, 3000, 0);
        CHECK_OK(zoek_index_commit(w, NULL));
        zoek_index_close(w);
        CHECK(segment_parallel_merges == before + (uint64_t)i);
        idx[i] = tl_open(dir[i], ZOEK_OPEN_READ);
        CHECK_OK(zoek_index_check(idx[i], &rep[i]));
    }
    segment_parallel_min = (uint64_t)16 << 20;
    zoek_stats s0, s1;
    CHECK_OK(zoek_index_stats(idx[0], &s0));
    CHECK_OK(zoek_index_stats(idx[1], &s1));
    CHECK(s0.passages == s1.passages && s0.tokens == s1.tokens);
    CHECK(rep[0].terms == rep[1].terms && rep[0].postings == rep[1].postings &&
          rep[0].positions == rep[1].positions && rep[0].segments == 1 &&
          rep[1].segments == 1);
    CHECK(differing_queries(idx[0], idx[1], 300, 100,
                            "two threads merging != one") == 0);
    for (int i = 0; i < 2; i++) {
        zoek_index_close(idx[i]);
        tl_rmdir(dir[i]);
    }
}

/* What a memory budget is spent on: the default's sizes, every part
 * shrinking with the budget, and the postings' floor. */
static void test_memory_plan(void) {
    writer_plan p, q;
    writer_plan_for((size_t)256 << 20, 2, &p);
    CHECK(p.batch_bytes == (size_t)1 << 20 && p.inflight == 4);
    /* from 256 MiB the word caches grow while the threads' caches take
     * a quarter of the budget at most */
    CHECK(p.cache_bits == 18);
    CHECK(2 * analyzer_cache_bytes(18) <= ((size_t)256 << 20) / 4 &&
          2 * analyzer_cache_bytes(19) > ((size_t)256 << 20) / 4);
    writer_plan_for((size_t)256 << 20, 1, &q);
    CHECK(q.cache_bits == 19);
    writer_plan_for((size_t)256 << 20, 8, &q);
    CHECK(q.cache_bits == 16);
    writer_plan_for((size_t)1 << 30, 2, &q);
    CHECK(q.cache_bits == 20);
    CHECK(p.write_bytes == (size_t)8 << 20 && p.records == (size_t)4 << 20);
    /* 256 MiB less 16 fixed and half (under 9/20 of it) */
    CHECK(p.postings == (size_t)112 << 20 && p.ids == p.postings / 4);
    writer_plan_for((size_t)64 << 20, 2, &q);
    CHECK(q.batch_bytes == (size_t)256 << 10 && q.cache_bits == 14);
    CHECK(q.write_bytes == (size_t)2 << 20);
    /* 64 MiB less 16 fixed and half */
    CHECK(q.postings == (size_t)16 << 20 && q.ids == q.postings / 4);
    writer_plan_for((size_t)32 << 20, 2, &q);
    CHECK(q.postings == q.postings_min && q.postings == (size_t)4 << 20);
    CHECK(q.cache_bits == 13 && q.write_bytes == (size_t)1 << 20);
    for (size_t mb = 32; mb < 4096; mb *= 2) {
        writer_plan_for(mb << 20, 2, &p);
        writer_plan_for(mb << 21, 2, &q);
        CHECK(p.batch_bytes <= q.batch_bytes && p.cache_bits <= q.cache_bits);
        CHECK(p.write_bytes <= q.write_bytes && p.records <= q.records);
        CHECK(p.postings <= q.postings && p.postings < (mb << 20) / 2);
        CHECK(p.inflight == q.inflight);
    }
}

/* An article larger than a batch does not leave its analysis arrays (20-30
 * bytes a word) with the thread that analysed it. */
static void test_large_article(void) {
    const size_t len = (size_t)2 << 20;
    char *text = malloc(len + 1);
    make_vocab();
    size_t n = 0;
    for (uint32_t seed = 77; n + 8192 < len; seed++) {
        make_text(text + n, 8192, seed);
        n += strlen(text + n);
        memcpy(text + n, "\n\n", 3);
        n += 2;
    }
    char *dir = tl_tmpdir();
    zoek_set_allocator(&hh_hook);
    zoek_index *w = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    CHECK_OK(zoek_index_set_memory(w, (size_t)32 << 20));
    CHECK_OK(zoek_index_set_threads(w, 1));
    CHECK(tl_add(w, "big", NULL, text, ZOEK_LANG_EN) == ZOEK_ADDED);
    CHECK_OK(zoek_index_commit(w, NULL));
    /* what the idle writer keeps: its thread's analyzer and buffers */
    size_t kept = hh_cur;
    CHECK(kept < (size_t)8 << 20);
    if (kept >= (size_t)8 << 20)
        fprintf(stderr, "kept %.1f MiB\n", (double)kept / 1048576);
    zoek_index_close(w);
    zoek_set_allocator(NULL);
    free(text);
    tl_rmdir(dir);
}

/* Indexes built with the smallest budgets (many runs, small batches,
 * caches and transactions) equal one built with the default. */
static void test_small_budget(void) {
    static const size_t mb[3] = {256, 48, 32};
    char *dir[3];
    zoek_index *idx[3];
    zoek_check_report rep[3];
    zoek_stats st[3];
    for (int i = 0; i < 3; i++) {
        dir[i] = tl_tmpdir();
        zoek_index *w = tl_open(dir[i], ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
        CHECK_OK(zoek_index_set_threads(w, 2));
        CHECK_OK(zoek_index_set_memory(w, mb[i] << 20));
        add_synthetic(w, 0, 3000, 0);
        uint64_t commits = segment_sink_commits;
        uint64_t releases = segment_map_releases;
        CHECK_OK(zoek_index_commit(w, NULL));
        zoek_index_close(w);
        /* the merges gave the map back four times a transaction (the
         * last one of each merge may be short) */
        commits = segment_sink_commits - commits;
        releases = segment_map_releases - releases;
        if (mb[i] == 32) CHECK(commits >= 2 && releases >= 4 * commits);
        idx[i] = tl_open(dir[i], ZOEK_OPEN_READ);
        CHECK_OK(zoek_index_check(idx[i], &rep[i]));
        CHECK_OK(zoek_index_stats(idx[i], &st[i]));
    }
    for (int i = 1; i < 3; i++) {
        CHECK(st[i].articles == st[0].articles &&
              st[i].passages == st[0].passages &&
              st[i].tokens == st[0].tokens);
        CHECK(rep[i].terms == rep[0].terms &&
              rep[i].postings == rep[0].postings &&
              rep[i].positions == rep[0].positions);
        CHECK(differing_queries(idx[0], idx[i], 300, 100,
                                "small budget != default") == 0);
    }
    for (int i = 0; i < 3; i++) {
        zoek_index_close(idx[i]);
        tl_rmdir(dir[i]);
    }
}

/* Two shards searched together rank exactly like one index. */
static void test_multi_index(void) {
    char *one = tl_tmpdir(), *s1 = tl_tmpdir(), *s2 = tl_tmpdir();
    zoek_index *a = tl_open(one, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    add_synthetic(a, 0, 1200, 0);
    CHECK_OK(zoek_index_commit(a, NULL));
    zoek_index_close(a);
    zoek_index *x = tl_open(s1, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    zoek_index *y = tl_open(s2, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    add_synthetic(x, 0, 500, 0);
    add_synthetic(y, 500, 1200, 0);
    CHECK_OK(zoek_index_commit(x, NULL));
    CHECK_OK(zoek_index_commit(y, NULL));
    zoek_index_close(x);
    zoek_index_close(y);
    a = tl_open(one, ZOEK_OPEN_READ);
    zoek_index *sh[2] = {tl_open(s1, ZOEK_OPEN_READ),
                         tl_open(s2, ZOEK_OPEN_READ)};
    static tl_hit h1[200], h2[200];
    int bad = 0;
    for (int t = 0; t < 200; t++) {
        char q[512];
        random_query(q, sizeof q);
        unsigned flags = t % 2 ? ZOEK_SEARCH_DOCS : 0;
        int n1 = tl_search(&a, 1, q, flags, 20, ZOEK_LANG_EN, h1, 200);
        int n2 = tl_search(sh, 2, q, flags, 20, ZOEK_LANG_EN, h2, 200);
        if (n1 < 0 || !same_hits(h1, n1, h2, n2)) {
            if (bad++ < 5)
                fprintf(stderr, "shards != one index: '%s': %d vs %d\n", q,
                        n1, n2);
        }
    }
    CHECK(bad == 0);
    compare_oracle(sh, 2, 200);
    zoek_index_close(a);
    zoek_index_close(sh[0]);
    zoek_index_close(sh[1]);
    tl_rmdir(one);
    tl_rmdir(s1);
    tl_rmdir(s2);
}

/* ------------------------------------------------------- stored text */

/* Finds the snippet of the first hit of q, or "" (copied to out). */
static void first_snippet(zoek_index *idx, const char *q, char *out,
                          size_t cap) {
    zoek_search_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.limit = 1;
    o.lang = ZOEK_LANG_AUTO;
    zoek_results *r;
    const zoek_hit *h;
    out[0] = 0;
    if (zoek_search(idx, q, strlen(q), &o, &r)) return;
    if (zoek_results_next(r, &h) == 1)
        snprintf(out, cap, "%.*s", (int)h->snippet_len, h->snippet);
    zoek_results_free(r);
}

/* Texts are coded with one Huffman code per batch of articles; a text
 * whose bytes that code fits badly (Greek among English, emoji) comes back
 * exactly too, and the check reads every stored text back. */
static void test_stored_text(void) {
    char *dir = tl_tmpdir();
    zoek_index *idx = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    char buf[4096], id[32];
    make_vocab();
    for (uint32_t i = 0; i < 40; i++) {
        make_text(buf, sizeof buf, i + 7);
        snprintf(id, sizeof id, "en%u", i);
        tl_add(idx, id, NULL, buf, ZOEK_LANG_EN);
    }
    static const char *greek =
        "Η κυβέρνηση ανακοίνωσε νέα μέτρα για την οικονομία. Οι αγρότες "
        "διαμαρτυρήθηκαν στην Αθήνα και ζήτησαν στήριξη. Η κυβέρνηση "
        "απάντησε ότι τα μέτρα ισχύουν από τον επόμενο μήνα.";
    static const char *emoji =
        "Zonnepanelen 🌞🌞🌞 op elk dak: de gemeente 🏠🏠 betaalt mee, "
        "zegt de wethouder 👍🏽👍🏽👍🏽 in een verklaring over duurzaamheid.";
    tl_add(idx, "el", NULL, greek, ZOEK_LANG_EN);
    tl_add(idx, "nl", NULL, emoji, ZOEK_LANG_NL);
    CHECK_OK(zoek_index_commit(idx, NULL));
    zoek_check_report rep;
    CHECK_OK(zoek_index_check(idx, &rep));
    CHECK(rep.articles == 42);
    char snip[4096];
    first_snippet(idx, "αγρότες", snip, sizeof snip);
    CHECK(strstr(snip, "διαμαρτυρήθηκαν στην Αθήνα") != NULL);
    first_snippet(idx, "zonnepanelen", snip, sizeof snip);
    CHECK(strstr(snip, "🏠🏠 betaalt mee") != NULL);
    CHECK(strstr(snip, "👍🏽👍🏽👍🏽") != NULL);
    drop_index(idx, dir);
}

int main(void) {
    test_bm25_bound();
    test_bm25_by_hand();
    test_syntax();
    test_query_language();
    test_index_split();
    test_compound_parts();
    test_union_df();
    test_oracle_and_incremental();
    test_parallel_merge();
    test_memory_plan();
    test_small_budget();
    test_large_article();
    test_multi_index();
    test_stored_text();
    return check_summary("test_search");
}
