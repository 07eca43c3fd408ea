/* query.h - query text to a boolean tree of clauses.  Lenient: text that
 * is not valid syntax is parsed again as plain words.  Pure: no I/O. */
#ifndef ZK_QUERY_H
#define ZK_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define QUERY_MAX_NODES 4096  /* larger queries are refused (ZOEK_EQUERY) */
#define QUERY_MAX_DEPTH 32    /* parenthesis nesting */

typedef enum qkind {
    Q_WORD,    /* a word (analysed into one or more terms) */
    Q_PHRASE,  /* "quoted words": terms at consecutive positions */
    Q_PREFIX,  /* word*: every term starting with the folded word */
    Q_BOOL     /* clauses combined by their occur flags */
} qkind;

typedef enum qoccur {
    Q_SHOULD = 0,  /* optional; at least one SHOULD must match if there is
                      no MUST clause */
    Q_MUST = 1,    /* required */
    Q_NOT = 2      /* must not match */
} qoccur;

typedef struct qnode {
    qkind kind;            /* what this is */
    qoccur occur;          /* how it combines in its parent */
    const char *text;      /* word/phrase/prefix text (in the query) */
    size_t len;            /* bytes in text */
    struct qnode **kids;   /* Q_BOOL children */
    size_t nkids;          /* count */
} qnode;

typedef struct query {
    qnode *root;           /* a Q_BOOL */
    qnode *nodes;          /* all nodes (one allocation) */
    size_t nnodes, cap;
    qnode **kidv;          /* child pointer storage */
    size_t nkidv, kidcap;
    int lenient;           /* parsed as plain words (asked for, or the
                              syntax was invalid) */
} qtree;

/* Parses text (any bytes).  plain != 0: no operators, every word an
 * optional clause (quotes, parentheses, a leading + or -, a trailing * and
 * AND/OR/NOT are not syntax).  Returns 0, ZOEK_ENOMEM, or ZOEK_EQUERY when
 * the query has more than QUERY_MAX_NODES parts (message in err).  An
 * empty query gives a root without children. */
ZK_HIDDEN int query_parse(const char *text, size_t len, int plain, qtree *q,
                          char *err, size_t errlen);
ZK_HIDDEN void query_free(qtree *q);

/* Writes a readable form of the tree (for tests): e.g.
 * "(+chips -china \"export control\" nvid*)". */
ZK_HIDDEN int query_dump(const qtree *q, zk_buf *out);

#endif
