/* test_badquery.c - hostile queries: empty, stopwords only, thousands of
 * words, unbalanced quotes and parentheses, operators alone, deep nesting,
 * control bytes, NUL bytes, invalid UTF-8, huge words.  Each gets hits or
 * a clear error, in bounded time and memory (measured through the
 * allocator hook). */
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "heaphook.h"
#include "testlib.h"

/* ----------------------------------------------------------------- index */

static const char *const texts[] = {
    "De export van chips naar China is aan banden gelegd. Smokkelaars "
    "gebruiken Maleisië en Singapore als doorvoerland.",
    "Die Exportbeschränkungen für KI-Chips treffen Nvidia. Händler in "
    "Singapur stehen unter Verdacht.",
    "Investigators say smuggled Nvidia chips reached China through "
    "Malaysia. The export controls are being tightened.",
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static zoek_index *idx;
static double worst_time;
static size_t worst_mem;

/* Runs a query (len bytes); returns the hit count or the error.  Checks
 * that an error has a message, and records time and peak memory. */
static int q(const char *text, size_t len, unsigned flags) {
    zoek_search_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.limit = 20;
    o.flags = flags;
    zoek_results *r = NULL;
    size_t base = hh_cur;
    hh_peak = hh_cur;
    double t0 = now();
    int rc = zoek_search(idx, text, len, &o, &r);
    int n = 0;
    if (rc == 0) {
        const zoek_hit *h;
        while ((rc = zoek_results_next(r, &h)) == 1)
            n++;
        zoek_results_free(r);
    } else {
        CHECK(r == NULL);
        CHECK(zoek_errmsg(idx)[0] != 0);
    }
    double dt = now() - t0;
    if (dt > worst_time) worst_time = dt;
    if (hh_peak - base > worst_mem) worst_mem = hh_peak - base;
    CHECK(dt < 5.0);
    CHECK(hh_peak - base < ((size_t)64 << 20));
    CHECK(hh_cur == base); /* nothing kept */
    return rc < 0 ? rc : n;
}

static int qs(const char *text) {
    return q(text, strlen(text), 0);
}

/* A query of n words: pre, the word number, post. */
static char *many(const char *pre, const char *post, int n) {
    size_t cap = (size_t)n * (strlen(pre) + strlen(post) + 12) + 1, o = 0;
    char *s = malloc(cap);
    s[0] = 0;
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s%s%d%s", i ? " " : "", pre, i,
                              post);
    return s;
}

int main(void) {
    zoek_set_allocator(&hh_hook);
    char *dir = tl_tmpdir();
    idx = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    for (int i = 0; i < 300; i++) {
        char id[16], text[1024];
        snprintf(id, sizeof id, "a%03d", i);
        snprintf(text, sizeof text, "%s qw%d zzall aa%d ab%d.", texts[i % 3],
                 i, i, i);
        tl_add(idx, id, NULL, text, ZOEK_LANG_AUTO);
    }
    CHECK_OK(zoek_index_commit(idx, NULL));
    zoek_index_close(idx);
    idx = tl_open(dir, ZOEK_OPEN_READ);
    (void)tl_search;
    /* the first searches set up analyzers the handle keeps */
    for (int l = 0; l < 3; l++) {
        zoek_search_opts o;
        memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.lang = l;
        zoek_results *r;
        CHECK_OK(zoek_search(idx, "chips", 5, &o, &r));
        zoek_results_free(r);
    }
    CHECK(qs("chips Exportbeschränkungen smokkel") > 0);

    /* nothing to search */
    CHECK(qs("") == 0);
    CHECK(q(NULL, 0, 0) == 0);
    CHECK(qs("   \t\n ") == 0);
    CHECK(qs("de het een van") == 0);  /* Dutch stopwords */
    CHECK(qs("der die das und") == 0); /* German */
    CHECK(qs("the of and to") == 0);   /* English */
    CHECK(qs("\"the of\" AND (and OR to)") == 0);
    /* operators and syntax alone */
    static const char *const ops[] = {
        "AND", "OR", "NOT",  "AND OR NOT", "+",           "-",   "*",
        "**",  "\"", "\"\"", "()",         "(",           ")",   ")(",
        "&&",  "||", "+-+-", "- - -",      "NOT NOT NOT", "(((", ")))"};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        CHECK(qs(ops[i]) >= 0);
    /* unbalanced: searched as plain words */
    CHECK(qs("\"smuggled chips") > 0);
    CHECK(qs("((chips") > 0);
    CHECK(qs("chips))") > 0);
    CHECK(qs("(chips AND (Nvidia") > 0);
    CHECK(qs("chips AND") > 0);
    CHECK(qs("OR chips") > 0);
    /* parentheses nested deeper than the parser goes: an error that says
     * so */
    {
        char deep[256];
        memset(deep, '(', 100);
        memcpy(deep + 100, "qw7", 3);
        memset(deep + 103, ')', 100);
        CHECK_RC(q(deep, 203, 0), ZOEK_EQUERY);
        CHECK(strstr(zoek_errmsg(idx), "nests parentheses") != NULL);
        CHECK_RC(q(deep, 103, 0), ZOEK_EQUERY);
        CHECK(strstr(zoek_errmsg(idx), "nests parentheses") != NULL);
        CHECK(q(deep + 70, 63, 0) == 1); /* 30 deep: fine */
    }
    /* control bytes, NUL, invalid UTF-8 */
    CHECK(q("qw5\0qw6", 7, 0) == 2);
    CHECK(qs("qw5\x01\x02\x1b[31mqw6\x7f") >= 1);
    CHECK(qs("\xff\xfe\xc0\x80 qw9 \xed\xa0\x80\xf4\x90\x80\x80") == 1);
    CHECK(qs("\xe2\x80") == 0);
    /* huge words and prefixes */
    {
        size_t n = 1 << 20;
        char *w = malloc(n);
        memset(w, 'x', n);
        CHECK(q(w, n, 0) == 0);
        w[n - 1] = '*';
        CHECK(q(w, n, 0) == 0);
        /* a prefix that folds but is longer than a key holds: no
         * expansion, and nothing left open (q() checks the memory) */
        w[505] = '*';
        CHECK(q(w, 506, 0) == 0);
        free(w);
    }
    CHECK(qs("a*") > 0); /* many expansions, bounded */
    CHECK(qs("a* z* b* c* d* e* f* g*") > 0);
    CHECK(q("zz*", 3, ZOEK_SEARCH_DOCS) > 0);
    /* many words: up to the limits an answer, beyond a clear error */
    char *s = many("qw", "", 900);
    CHECK(qs(s) == 20);
    CHECK(q(s, strlen(s), ZOEK_SEARCH_EXHAUSTIVE) == 20);
    free(s);
    s = many("qw", "", 10000);
    CHECK_RC(qs(s), ZOEK_EQUERY);
    CHECK(strstr(zoek_errmsg(idx), "query") != NULL);
    free(s);
    s = many("\"zzall qw", "\"", 1000);
    CHECK(qs(s) >= 0 || qs(s) == ZOEK_EQUERY);
    free(s);
    s = many("+qw", "", 2000);
    CHECK(qs(s) == 0 || qs(s) == ZOEK_EQUERY);
    free(s);
    s = many("(qw", " OR", 3000);
    CHECK(qs(s) >= 0 || qs(s) == ZOEK_EQUERY);
    free(s);
    s = many("aa", "*", 1500);
    CHECK(qs(s) >= 0 || qs(s) == ZOEK_EQUERY);
    free(s);

    zoek_index_close(idx);
    CHECK(hh_cur == 0);
    printf("slowest query %.3f s, most memory %.1f MB\n", worst_time,
           (double)worst_mem / 1e6);
    zoek_set_allocator(NULL);
    tl_rmdir(dir);
    return check_summary("test_badquery");
}
