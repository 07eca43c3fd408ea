/* example.c - the zoek library end to end: create an index, add articles,
 * commit, search, read the hits, delete, search again.
 *   cc example.c $(pkg-config --cflags --libs zoek) -o example
 *   ./example /tmp/example-index */
#include <stdio.h>
#include <string.h>
#include <zoek.h>

static int add(zoek_index *idx, const char *id, const char *text) {
    zoek_doc d = {sizeof d, id, strlen(id), NULL, 0, text, strlen(text),
                  ZOEK_LANG_AUTO, 0};
    return zoek_index_add(idx, &d, NULL);
}

static int search(zoek_index *idx, const char *q) {
    zoek_search_opts o = {0};
    o.size = sizeof o;
    o.limit = 5;
    o.lang = ZOEK_LANG_AUTO; /* 0 would be English only */
    zoek_results *res;
    int rc = zoek_search(idx, q, strlen(q), &o, &res);
    if (rc) {
        fprintf(stderr, "search: %s\n", zoek_errmsg(idx));
        return rc;
    }
    const zoek_hit *h;
    printf("query: %s (%zu hits)\n", q, zoek_results_count(res));
    while (zoek_results_next(res, &h) == 1)
        printf("%u. %s #%u %.4f [%s] %s\n", h->rank, h->doc, h->passage,
               h->score, zoek_lang_code(h->lang), h->snippet);
    zoek_results_free(res);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s INDEX_DIR\n", argv[0]);
        return 2;
    }
    char err[512];
    zoek_index *idx;
    if (zoek_index_open(argv[1], ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE, &idx,
                        err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (add(idx, "nl-1", "De export van geavanceerde chips naar China is "
                         "beperkt door de Verenigde Staten.") ||
        add(idx, "de-1", "Die Exportbeschränkungen für Chips nach China "
                         "wurden verschärft.") ||
        add(idx, "en-1", "The United States restricted exports of advanced "
                         "chips to China.") ||
        zoek_index_commit(idx, NULL)) {
        fprintf(stderr, "indexing: %s\n", zoek_errmsg(idx));
        return 2;
    }
    if (search(idx, "chips China")) return 2;
    if (zoek_index_delete(idx, "de-1", 4) || zoek_index_commit(idx, NULL)) {
        fprintf(stderr, "delete: %s\n", zoek_errmsg(idx));
        return 2;
    }
    if (search(idx, "chips China")) return 2;
    zoek_index_close(idx);
    return 0;
}
