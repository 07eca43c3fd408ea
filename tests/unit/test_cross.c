/* test_cross.c - cross-language search through the public API: tiny
 * handmade FreeDict dictionaries compiled into an index, translated matches
 * with exact union statistics (hand-computed BM25), explain marks, and the
 * errors around it (no dictionaries, bad directory, staged changes). */
#include <lmdb.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "testlib.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------ dictd files by hand */

static void b64(uint64_t v, char *out) {
    static const char dig[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = dig[v & 63];
        v >>= 6;
    } while (v);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = 0;
}

/* Writes dir/freedict-NAME.index and .dict (uncompressed) from entries
 * "headword", "translations" (Ergane layout: head line, then one line of
 * comma-separated translations). */
static void write_dict(const char *dir, const char *name,
                       const char *const *e, size_t n) {
    char data[8192] = "", index[8192] = "", path[4200], o[16], l[16];
    size_t dl = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        char entry[512];
        int len = snprintf(entry, sizeof entry, "%s /x/\n%s\n", e[i], e[i + 1]);
        b64(dl, o);
        b64((uint64_t)len, l);
        size_t il = strlen(index);
        snprintf(index + il, sizeof index - il, "%s\t%s\t%s\n", e[i], o, l);
        memcpy(data + dl, entry, (size_t)len);
        dl += (size_t)len;
    }
    snprintf(path, sizeof path, "%s/freedict-%s.index", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fputs(index, f) < 0 || fclose(f)) exit(2);
    snprintf(path, sizeof path, "%s/freedict-%s.dict", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, dl, f) != dl || fclose(f)) exit(2);
}

static const char *const eng_deu[] = {
    "export", "Ausfuhr, Export",
    "restriction", "Beschränkung, Einschränkung",
    "weather", "Wetter",
};
static const char *const eng_nld[] = {
    "export", "uitvoer",
    "weather", "weer",
};
/* no deu-nld: German reaches Dutch through English (pivot) */

/* ------------------------------------------------------------ searching */

typedef struct xhit {
    char doc[64];
    double score;
    int lang;
    size_t nexp;
    zoek_explain e[8];
    char terms[8][64];
} xhit;

static int xsearch_opt(zoek_index *idx, const char *q, unsigned flags,
                       int lang, xhit *out, int max) {
    zoek_search_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.flags = flags | ZOEK_SEARCH_NO_SNIPPETS | ZOEK_SEARCH_EXPLAIN;
    o.limit = 50;
    o.lang = lang;
    zoek_results *r;
    int rc = zoek_search(idx, q, strlen(q), &o, &r);
    if (rc) return rc;
    const zoek_hit *h;
    int n = 0;
    while ((rc = zoek_results_next(r, &h)) == 1) {
        if (n < max) {
            xhit *x = &out[n];
            snprintf(x->doc, sizeof x->doc, "%s", h->doc);
            x->score = h->score;
            x->lang = h->lang;
            x->nexp = h->nexplain < 8 ? h->nexplain : 8;
            for (size_t i = 0; i < x->nexp; i++) {
                x->e[i] = h->explain[i];
                snprintf(x->terms[i], sizeof x->terms[i], "%s",
                         h->explain[i].term);
                x->e[i].term = x->terms[i];
                x->e[i].word = NULL;
            }
        }
        n++;
    }
    zoek_results_free(r);
    return rc < 0 ? rc : n;
}

/* The exhaustive scorer, and the pruned one must agree with it. */
static int xsearch(zoek_index *idx, const char *q, unsigned flags, int lang,
                   xhit *out, int max) {
    xhit fast[16];
    int n = xsearch_opt(idx, q, flags | ZOEK_SEARCH_EXHAUSTIVE, lang, out, max);
    int m = xsearch_opt(idx, q, flags, lang, fast, 16);
    CHECK(n == m);
    for (int i = 0; i < n && i < m && i < max && i < 16; i++)
        CHECK(!strcmp(out[i].doc, fast[i].doc) && out[i].score == fast[i].score);
    return n;
}

static const xhit *find(const xhit *h, int n, const char *doc) {
    for (int i = 0; i < n; i++)
        if (!strcmp(h[i].doc, doc)) return &h[i];
    return NULL;
}

static double bm25(double N, double df, double tf, double dl, double avgdl) {
    const double k1 = 0.9, b = 0.4;
    double idf = log(1 + (N - df + 0.5) / (df + 0.5));
    return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl));
}

/* Overwrites the value of the first key of the xlat table with bytes. */
static int damage_xlat(const char *dir, const void *bytes, size_t n) {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    int ok = mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 16) == 0 &&
             mdb_env_set_mapsize(env, (size_t)1 << 30) == 0 &&
             mdb_env_open(env, dir, 0, 0644) == 0 &&
             mdb_txn_begin(env, NULL, 0, &txn) == 0 &&
             mdb_dbi_open(txn, "xlat", 0, &dbi) == 0 &&
             mdb_cursor_open(txn, dbi, &cur) == 0 &&
             mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0;
    if (ok) {
        MDB_val nv = {n, (void *)bytes};
        ok = mdb_cursor_put(cur, &k, &nv, MDB_CURRENT) == 0 &&
             mdb_txn_commit(txn) == 0;
    }
    mdb_env_close(env);
    return ok;
}

int main(void) {
    char *dir = tl_tmpdir(), *dicts = tl_tmpdir(), *empty = tl_tmpdir();
    write_dict(dicts, "eng-deu", eng_deu, N(eng_deu));
    write_dict(dicts, "eng-nld", eng_nld, N(eng_nld));

    zoek_index *idx = tl_open(dir, ZOEK_OPEN_CREATE | ZOEK_OPEN_WRITE);
    CHECK(tl_add(idx, "de-1", NULL, "Die Ausfuhr von Chips nach China steigt "
                 "wieder stark an.", ZOEK_LANG_DE) >= 0);
    CHECK(tl_add(idx, "de-2", NULL, "Der Export von Autos sinkt, die Ausfuhr "
                 "von Maschinen auch.", ZOEK_LANG_DE) >= 0);
    CHECK(tl_add(idx, "de-3", NULL, "Das Wetter ist heute schön und warm.",
                 ZOEK_LANG_DE) >= 0);
    CHECK(tl_add(idx, "nl-1", NULL, "De uitvoer van chips naar China groeit "
                 "snel.", ZOEK_LANG_NL) >= 0);
    CHECK(tl_add(idx, "nl-2", NULL, "Het weer blijft vandaag mooi en droog.",
                 ZOEK_LANG_NL) >= 0);
    CHECK_OK(zoek_index_commit(idx, NULL));

    /* no dictionaries yet: cross search says so */
    xhit h[16];
    CHECK_RC(xsearch(idx, "export", ZOEK_SEARCH_CROSS, ZOEK_LANG_EN, h, 16),
             ZOEK_EUNSUPPORTED);
    zoek_stats st;
    CHECK_OK(zoek_index_stats(idx, &st));
    CHECK(st.dictionaries == 0 && st.dictionary_keys == 0);
    uint64_t npass = st.passages, ntok = st.tokens;

    /* a directory without any dictionary: an error, nothing changes */
    unsigned nd = 99;
    CHECK_RC(zoek_index_set_dictionaries(idx, empty, &nd), ZOEK_ENOTFOUND);
    CHECK(strstr(zoek_errmsg(idx), "FreeDict") != NULL);
    CHECK_OK(zoek_index_stats(idx, &st));
    CHECK(st.dictionaries == 0);

    CHECK_OK(zoek_index_set_dictionaries(idx, dicts, &nd));
    CHECK(nd == 2);
    CHECK_OK(zoek_index_stats(idx, &st));
    CHECK(st.dictionaries == 2 && st.dictionary_keys > 0);
    CHECK(st.passages == npass && st.tokens == ntok);
    zoek_check_report rep;
    CHECK_OK(zoek_index_check(idx, &rep));

    /* without --cross nothing changes: "export" is only de-2's word */
    tl_hit th[4];
    int n = tl_search(&idx, 1, "export", 0, 10, ZOEK_LANG_EN, th, 4);
    CHECK(n == 1 && !strcmp(th[0].doc, "de-2"));

    /* with it: Ausfuhr (de) and uitvoer (nl) too, one term: df of the
     * union, tf summed */
    n = xsearch(idx, "export", ZOEK_SEARCH_CROSS, ZOEK_LANG_EN, h, 16);
    CHECK(n == 3);
    const xhit *d1 = find(h, n, "de-1"), *d2 = find(h, n, "de-2"),
               *n1 = find(h, n, "nl-1");
    CHECK(d1 && d2 && n1);
    CHECK(!find(h, n, "de-3") && !find(h, n, "nl-2"));
    double avgdl = (double)ntok / (double)npass;
    if (d1 && d2 && n1) {
        CHECK(d1->lang == ZOEK_LANG_DE && n1->lang == ZOEK_LANG_NL);
        CHECK(d1->nexp == 1 && d1->e[0].translated &&
              !strcmp(d1->e[0].term, "ausfuhr") && d1->e[0].tf == 1 &&
              d1->e[0].df == 3);
        CHECK(n1->nexp == 1 && n1->e[0].translated &&
              !strcmp(n1->e[0].term, "uitvoer"));
        /* de-2 holds export and Ausfuhr: tf 2 */
        CHECK(d2->nexp == 1 && d2->e[0].tf == 2 && d2->e[0].df == 3);
        /* the query language (en) has no passages: no other-language
         * factor */
        for (const xhit *x = h; x < h + n; x++) {
            double want = bm25((double)npass, 3, x->e[0].tf, x->e[0].dl, avgdl);
            CHECK_NEAR(x->score, want, 1e-9);
            CHECK_NEAR(x->e[0].idf, log(1 + (npass - 3 + 0.5) / 3.5), 1e-12);
        }
        CHECK(h[0].score >= h[1].score && h[1].score >= h[2].score);
    }

    /* German to Dutch through English: wetter -> weather -> weer */
    n = xsearch(idx, "Wetter", ZOEK_SEARCH_CROSS, ZOEK_LANG_DE, h, 16);
    CHECK(n == 2 && find(h, n, "de-3") && find(h, n, "nl-2"));
    const xhit *w = find(h, n, "nl-2");
    CHECK(w && w->nexp == 1 && w->e[0].translated &&
          !strcmp(w->e[0].term, "wer")); /* Dutch stem */

    /* a word without a translation is searched as written */
    n = xsearch(idx, "China", ZOEK_SEARCH_CROSS, ZOEK_LANG_EN, h, 16);
    CHECK(n == 2 && find(h, n, "de-1") && find(h, n, "nl-1"));
    CHECK(h[0].nexp == 1 && !h[0].e[0].translated);

    /* a damaged dictionary value: zoek_index_check finds it */
    {
        char *copy = tl_tmpdir();
        char cmd[9000];
        snprintf(cmd, sizeof cmd, "cp '%s/data.mdb' '%s/'", dir, copy);
        CHECK(system(cmd) == 0);
        static const uint8_t junk[] = {1, 5, 0x1f, 0xff, 0xff, 0xff};
        CHECK(damage_xlat(copy, junk, sizeof junk));
        zoek_index *bad = tl_open(copy, 0);
        CHECK_RC(zoek_index_check(bad, &rep), ZOEK_ECORRUPT);
        CHECK(strstr(zoek_errmsg(bad), "dictionary") != NULL);
        zoek_index_close(bad);
        tl_rmdir(copy);
    }

    /* a reader sees them too, and they survive reopening */
    zoek_index_close(idx);
    idx = tl_open(dir, 0);
    n = xsearch(idx, "export", ZOEK_SEARCH_CROSS, ZOEK_LANG_EN, h, 16);
    CHECK(n == 3);
    CHECK_RC(zoek_index_set_dictionaries(idx, dicts, &nd), ZOEK_EINVAL);
    zoek_index_close(idx);

    /* incremental adds keep them; removing them makes --cross an error */
    idx = tl_open(dir, ZOEK_OPEN_WRITE);
    CHECK(tl_add(idx, "nl-3", NULL, "Nieuwe regels voor de uitvoer.",
                 ZOEK_LANG_NL) >= 0);
    /* not while changes are staged */
    CHECK_RC(zoek_index_set_dictionaries(idx, dicts, &nd), ZOEK_EINVAL);
    CHECK_OK(zoek_index_commit(idx, NULL));
    n = xsearch(idx, "export", ZOEK_SEARCH_CROSS, ZOEK_LANG_EN, h, 16);
    CHECK(n == 4 && find(h, n, "nl-3"));
    for (int i = 0; i < n; i++) CHECK(h[i].nexp == 1 && h[i].e[0].df == 4);
    /* a deleted passage leaves the union's df, also when it held the
     * variant with the most postings (Ausfuhr: de-1, de-2) */
    CHECK_OK(zoek_index_delete(idx, "de-1", 4));
    CHECK_OK(zoek_index_commit(idx, NULL));
    n = xsearch(idx, "export", ZOEK_SEARCH_CROSS, ZOEK_LANG_EN, h, 16);
    CHECK(n == 3 && !find(h, n, "de-1"));
    for (int i = 0; i < n; i++) CHECK(h[i].nexp == 1 && h[i].e[0].df == 3);
    CHECK_OK(zoek_index_delete(idx, "nl-1", 4));
    CHECK_OK(zoek_index_commit(idx, NULL));
    n = xsearch(idx, "export", ZOEK_SEARCH_CROSS, ZOEK_LANG_EN, h, 16);
    CHECK(n == 2 && find(h, n, "de-2") && find(h, n, "nl-3"));
    for (int i = 0; i < n; i++) CHECK(h[i].nexp == 1 && h[i].e[0].df == 2);
    CHECK_OK(zoek_index_set_dictionaries(idx, NULL, &nd));
    CHECK(nd == 0);
    CHECK_OK(zoek_index_stats(idx, &st));
    CHECK(st.dictionaries == 0 && st.dictionary_keys == 0);
    CHECK_RC(xsearch(idx, "export", ZOEK_SEARCH_CROSS, ZOEK_LANG_EN, h, 16),
             ZOEK_EUNSUPPORTED);
    n = xsearch(idx, "export", 0, ZOEK_LANG_EN, h, 16);
    CHECK(n == 1);
    CHECK_OK(zoek_index_check(idx, &rep));
    zoek_index_close(idx);

    tl_rmdir(dir);
    tl_rmdir(dicts);
    tl_rmdir(empty);
    return check_summary("test_cross");
}
