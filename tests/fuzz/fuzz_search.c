/* fuzz_search.c - fuzz target of a whole search on a small index with
 * two tiny dictionaries: any query text and options give hits or a clean
 * error, hits are well formed (ranks, ranges, highlights inside snippets),
 * and the pruned scorer returns exactly what the exhaustive one does.
 * Byte 0 picks options (articles or passages, a language, limit, offset,
 * cross-language); the rest is the query.  The index is made on first use
 * in $TMPDIR. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zoek.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(x)                                                                \
    do {                                                                       \
        if (!(x)) abort();                                                     \
    } while (0)

static zoek_index *idx;
static char dir[4200], ddir[4200];

static const char *const docs[][3] = {
    {"nl1", "Smokkel van chips",
     "De export van chips naar China is aan "
     "banden gelegd. Smokkelaars gebruiken Maleisië en Singapore als "
     "doorvoerland voor Nvidia H800-chips."},
    {"de1", "KI-Chips",
     "Die Exportbeschränkungen für KI-Chips treffen "
     "Nvidia. Händler in Singapur stehen unter Verdacht; die Behörden "
     "ermitteln wegen Schmuggel nach China."},
    {"en1", NULL,
     "Investigators say smuggled Nvidia chips reached China "
     "through Malaysia. The export controls are being tightened, and "
     "export licences for the H20 are under review."},
    {"en2", "Export",
     "Export export export: chips, chips and more chips. "
     "The 9988.HK shares fell after the U.S. export rules."},
    {"gone", NULL, "A deleted article about chips and export controls."},
};

/* Ergane-style dictd entries: headword, then comma-separated
 * translations on the next line. */
static const char *const eng_deu[] = {
    "export",    "Ausfuhr, Export", "chip",           "Chip, Mikrochip",
    "smuggling", "Schmuggel",       "export control", "Exportkontrolle",
};
static const char *const nld_eng[] = {
    "smokkel", "smuggling", "uitvoer", "export", "chip", "chip",
};

static void b64(uint64_t v, char *out) {
    static const char dig[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = dig[v & 63];
        v >>= 6;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
}

/* Writes ddir/freedict-NAME.index and .dict (uncompressed). */
static void write_dict(const char *name, const char *const *e, size_t n) {
    char data[2048] = "", index[2048] = "", path[4300], o[16], l[16];
    size_t dl = 0, il = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        char entry[256];
        int len = snprintf(entry, sizeof entry, "%s /x/\n%s\n", e[i], e[i + 1]);
        MUST(len > 0 && (size_t)len < sizeof entry);
        b64(dl, o);
        b64((uint64_t)len, l);
        il += (size_t)snprintf(index + il, sizeof index - il, "%s\t%s\t%s\n",
                               e[i], o, l);
        MUST(il < sizeof index && dl + (size_t)len < sizeof data);
        memcpy(data + dl, entry, (size_t)len);
        dl += (size_t)len;
    }
    snprintf(path, sizeof path, "%s/freedict-%s.index", ddir, name);
    FILE *f = fopen(path, "wb");
    MUST(f && fputs(index, f) >= 0 && fclose(f) == 0);
    snprintf(path, sizeof path, "%s/freedict-%s.dict", ddir, name);
    f = fopen(path, "wb");
    MUST(f && fwrite(data, 1, dl, f) == dl && fclose(f) == 0);
}

static void cleanup(void) {
    zoek_index_close(idx);
    static const char *const f[] = {"data.mdb", "lock.mdb", "writer.lock",
                                    "open.lock"};
    static const char *const d[] = {"eng-deu", "nld-eng"};
    char p[4300];
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, f[i]);
        unlink(p);
    }
    rmdir(dir);
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/freedict-%s.index", ddir, d[i]);
        unlink(p);
        snprintf(p, sizeof p, "%s/freedict-%s.dict", ddir, d[i]);
        unlink(p);
    }
    rmdir(ddir);
}

static void setup(void) {
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/zoek-fuzz-XXXXXX", t && *t ? t : "/tmp");
    MUST(mkdtemp(dir) != NULL);
    snprintf(ddir, sizeof ddir, "%s/zoek-fuzz-dict-XXXXXX",
             t && *t ? t : "/tmp");
    MUST(mkdtemp(ddir) != NULL);
    write_dict("eng-deu", eng_deu, sizeof eng_deu / sizeof *eng_deu);
    write_dict("nld-eng", nld_eng, sizeof nld_eng / sizeof *nld_eng);
    char err[256];
    zoek_index *w;
    MUST(zoek_index_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE, &w, err,
                         sizeof err) == 0);
    unsigned nd = 0;
    MUST(zoek_index_set_dictionaries(w, ddir, &nd) == 0 && nd == 2);
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        zoek_doc d = {sizeof d,
                      docs[i][0],
                      strlen(docs[i][0]),
                      docs[i][1],
                      docs[i][1] ? strlen(docs[i][1]) : 0,
                      docs[i][2],
                      strlen(docs[i][2]),
                      ZOEK_LANG_AUTO,
                      0};
        MUST(zoek_index_add(w, &d, NULL) == 0);
        if (i == 2) MUST(zoek_index_commit(w, NULL) == 0); /* 2 segments */
    }
    MUST(zoek_index_commit(w, NULL) == 0);
    MUST(zoek_index_delete(w, "gone", 4) == 0);
    MUST(zoek_index_commit(w, NULL) == 0);
    zoek_index_close(w);
    MUST(zoek_index_open(dir, ZOEK_OPEN_READ, &idx, err, sizeof err) == 0);
    atexit(cleanup);
}

/* One hit, copied. */
typedef struct hit {
    char doc[16];
    uint32_t passage;
    double score;
} hit;

static int run(const char *q, size_t len, zoek_search_opts *o, hit *out,
               int max) {
    zoek_results *r;
    int rc = zoek_search(idx, q, len, o, &r);
    if (rc) {
        MUST(rc == ZOEK_EQUERY && r == NULL);
        MUST(zoek_errmsg(idx)[0] != 0);
        return -1;
    }
    const zoek_hit *h;
    int n = 0;
    while ((rc = zoek_results_next(r, &h)) == 1) {
        MUST(n < max);
        MUST(h->rank == o->offset + (uint32_t)n + 1);
        MUST(isfinite(h->score) && h->score > 0);
        MUST(h->doc && h->doc_len == strlen(h->doc) && h->doc_len < 16);
        MUST(h->start <= h->end && h->lang >= ZOEK_LANG_EN &&
             h->lang <= ZOEK_LANG_NL);
        MUST(h->snippet && strlen(h->snippet) == h->snippet_len);
        for (size_t i = 0; i < h->nhighlights; i++) {
            MUST(h->highlights[i].start < h->highlights[i].end);
            MUST(h->highlights[i].end <= h->snippet_len);
            MUST(i == 0 || h->highlights[i].start >= h->highlights[i - 1].end);
        }
        if (n) MUST(h->score <= out[n - 1].score);
        memcpy(out[n].doc, h->doc, h->doc_len + 1);
        out[n].passage = h->passage;
        out[n].score = h->score;
        n++;
    }
    MUST(h == NULL);
    MUST(rc == 0);
    MUST((size_t)n == zoek_results_count(r));
    zoek_results_free(r);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!idx) setup();
    if (size == 0) return 0;
    zoek_search_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.flags = (data[0] & 1 ? ZOEK_SEARCH_DOCS : 0) |
              (data[0] & 0x80 ? ZOEK_SEARCH_CROSS : 0);
    o.lang = (data[0] >> 1) & 3; /* ZOEK_LANG_AUTO, _EN, _DE, _NL */
    o.limit = 1 + (data[0] >> 3 & 7);
    o.offset = data[0] >> 6 & 1;
    char *q = malloc(size - 1 ? size - 1 : 1); /* exact size */
    MUST(q != NULL);
    memcpy(q, data + 1, size - 1);
    hit a[16], b[16];
    int n = run(q, size - 1, &o, a, 16);
    o.flags |= ZOEK_SEARCH_EXHAUSTIVE | ZOEK_SEARCH_NO_SNIPPETS;
    int m = run(q, size - 1, &o, b, 16);
    /* pruning never changes the answer */
    MUST(n == m);
    for (int i = 0; i < n; i++)
        MUST(!strcmp(a[i].doc, b[i].doc) && a[i].passage == b[i].passage &&
             a[i].score == b[i].score);
    free(q);
    return 0;
}
