/* testlib.h - helpers for tests that build indexes through the public API:
 * temporary directories, adding documents, collecting hits. */
#ifndef ZK_TESTLIB_H
#define ZK_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zoek.h"

/* A new empty directory under $TMPDIR; removed by tl_rmdir. */
static char *tl_tmpdir(void) {
    const char *base = getenv("TMPDIR");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/zoek-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(p)) {
        perror("mkdtemp");
        exit(2);
    }
    return p;
}

static void tl_rmdir(char *p) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", p);
    free(p);
}

static zoek_index *tl_open(const char *dir, unsigned flags) {
    zoek_index *idx;
    char err[512];
    int rc = zoek_index_open(dir, flags, &idx, err, sizeof err);
    if (rc) {
        fprintf(stderr, "open %s: %s\n", dir, err);
        exit(2);
    }
    return idx;
}

static int tl_add(zoek_index *idx, const char *id, const char *title,
                  const char *text, int lang) {
    zoek_doc d;
    memset(&d, 0, sizeof d);
    d.size = sizeof d;
    d.id = id;
    d.id_len = strlen(id);
    d.title = title;
    d.title_len = title ? strlen(title) : 0;
    d.text = text;
    d.text_len = strlen(text);
    d.lang = lang;
    int st;
    int rc = zoek_index_add(idx, &d, &st);
    if (rc) {
        fprintf(stderr, "add %s: %s\n", id, zoek_errmsg(idx));
        return rc;
    }
    return st;
}

/* One hit, copied out of the results. */
typedef struct tl_hit {
    char doc[256];
    unsigned passage;
    double score;
} tl_hit;

/* Runs a query; fills up to max hits; returns the count or a negative
 * error. */
static int tl_search(zoek_index **idx, size_t nidx, const char *q,
                     unsigned flags, unsigned limit, int lang, tl_hit *out,
                     int max) {
    zoek_search_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.flags = flags | ZOEK_SEARCH_NO_SNIPPETS;
    o.limit = limit;
    o.lang = lang;
    zoek_results *r;
    int rc = zoek_search_multi(idx, nidx, q, strlen(q), &o, &r);
    if (rc) return rc;
    const zoek_hit *h;
    int n = 0;
    while ((rc = zoek_results_next(r, &h)) == 1) {
        if (n < max) {
            snprintf(out[n].doc, sizeof out[n].doc, "%s", h->doc);
            out[n].passage = h->passage;
            out[n].score = h->score;
        }
        n++;
    }
    zoek_results_free(r);
    return rc < 0 ? rc : n;
}

#endif
