/* fuzz_query.c - fuzz target of the query parser: any bytes parse (or are
 * refused as too long) into a tree whose texts lie inside the query, the
 * same way every time, within the node and depth limits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(x)                                                                \
    do {                                                                       \
        if (!(x)) abort();                                                     \
    } while (0)

/* Checks a subtree; returns its node count. */
static size_t walk(const qnode *n, const char *q, size_t len, int depth) {
    MUST(depth <= 2 * QUERY_MAX_DEPTH + 4);
    MUST(n->occur == Q_SHOULD || n->occur == Q_MUST || n->occur == Q_NOT);
    if (n->kind != Q_BOOL) {
        MUST(n->kind == Q_WORD || n->kind == Q_PHRASE || n->kind == Q_PREFIX);
        MUST(n->nkids == 0);
        MUST(n->len <= len);
        if (n->len) {
            MUST(n->text >= q && n->text + n->len <= q + len);
            /* every byte is read: a sanitizer sees a range outside q */
            unsigned sum = 0;
            for (size_t i = 0; i < n->len; i++)
                sum += (unsigned char)n->text[i];
            (void)sum;
        }
        return 1;
    }
    MUST(n->nkids == 0 || n->kids != NULL);
    size_t count = 1;
    for (size_t i = 0; i < n->nkids; i++)
        count += walk(n->kids[i], q, len, depth + 1);
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *q = malloc(size ? size : 1); /* exact size: overreads show */
    MUST(q != NULL);
    if (size) memcpy(q, data, size);
    qtree t;
    char err[128];
    err[0] = 0;
    /* the first byte's low bit picks plain text or query syntax */
    int plain = size && (data[0] & 1);
    int rc = query_parse(q, size, plain, &t, err, sizeof err);
    MUST(rc == 0 || rc == ZOEK_EQUERY);
    if (rc == ZOEK_EQUERY) {
        MUST(err[0] != 0);
        free(q);
        return 0;
    }
    MUST(t.root != NULL && t.root->kind == Q_BOOL);
    MUST(walk(t.root, q, size, 0) <= QUERY_MAX_NODES);
    for (size_t i = 0; plain && i < t.root->nkids; i++) /* flat words */
        MUST(t.root->kids[i]->kind == Q_WORD &&
             t.root->kids[i]->occur == Q_SHOULD);
    zk_buf d1 = {0}, d2 = {0};
    MUST(query_dump(&t, &d1) == 0);
    query_free(&t);
    /* parsing is a function of the text */
    MUST(query_parse(q, size, plain, &t, err, sizeof err) == 0);
    MUST(query_dump(&t, &d2) == 0);
    MUST(d1.len == d2.len && memcmp(d1.p, d2.p, d1.len) == 0);
    query_free(&t);
    zk_buf_free(&d1);
    zk_buf_free(&d2);
    free(q);
    return 0;
}
