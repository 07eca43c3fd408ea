/* analyze.h - the one analysis chain for documents, queries and
 * highlighting: tokenize -> fold -> detect language -> stopwords -> stem. */
#ifndef ZK_ANALYZE_H
#define ZK_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "tokenize.h"
#include "util.h"

/* Analyzer settings version, stored in the index: bump when the chain
 * changes the terms it produces. */
#define ANALYZER_VERSION 15

enum {
    AN_PART = 1 << 0,  /* a part of a hyphenated compound */
    AN_WHOLE = 1 << 1, /* a whole hyphenated compound (shares the position
                          of its first part) */
    AN_SUB = 1 << 2    /* a part of a closed compound (shares the word's
                          position; not counted in lengths) */
};

/* A cell the analyzer keeps with each word's term, for its caller to
 * remember what it made of that term (a stamp of its own and an id): the
 * same cell comes with every occurrence of the term until the analyzer's
 * word cache is cleared; a new cell has stamp 0. */
typedef struct an_memo {
    uint32_t stamp;
    uint32_t id;
} an_memo;

/* One term occurrence. */
typedef struct an_term {
    const char *s;  /* term bytes (not NUL-terminated) */
    uint32_t len;   /* bytes in s */
    uint32_t pos;   /* position in the article (stopwords count) */
    uint32_t tok;   /* index of the token it came from */
    uint8_t lang;   /* ZK_LANG_* it was analysed in */
    uint8_t flags;  /* AN_* bits */
    an_memo *memo;  /* the term's cell (NULL for compound parts' terms);
                       valid until the next analyze() */
} an_term;

/* The analysis of one text.  Zero-initialise; reuse across calls (arrays
 * are kept and grown); free with an_out_free. */
typedef struct an_out {
    token_list toks;     /* the words */
    uint32_t *tpos;    /* first position of each token */
    uint8_t *tlang;    /* language of each token */
    size_t tcap;       /* allocated entries of tpos/tlang */
    an_term *terms;    /* term occurrences in token order */
    size_t nterms;     /* used */
    size_t termcap;    /* allocated */
    uint32_t npos;     /* positions in the text */
    int lang;          /* the text's (majority) language */
    int mixed;         /* nonzero if paragraphs differ in language */
} an_out;

typedef struct analyzer analyzer;

/* Cache sizes (log2 of slots): surface word -> term. */
#define AN_CACHE_INDEX 16   /* indexing threads: ~97 % hits on news */
#define AN_CACHE_QUERY 8    /* queries and snippets: cheap to set up */

/* One per thread.  Returns 0 or ZOEK_ENOMEM (*out NULL). */
ZK_HIDDEN int analyzer_new(analyzer **out, unsigned cache_bits);
/* The most memory the word cache of an analyzer made with cache_bits
 * takes: its slots, its entries and their strings (an estimate of those,
 * at 32 bytes an entry). */
ZK_HIDDEN size_t analyzer_cache_bytes(unsigned cache_bits);
/* Words in the word cache. */
ZK_HIDDEN size_t analyzer_cache_entries(const analyzer *a);
/* Empties the word cache: no memo cell handed out before comes back. */
ZK_HIDDEN void analyzer_clear_cache(analyzer *a);
ZK_HIDDEN void analyzer_free(analyzer *a);
ZK_HIDDEN void an_out_free(an_out *o);

/* Analyses valid UTF-8 text.  lang: a ZK_LANG_* to force, or
 * ZK_LANG_AUTO to detect per text and per paragraph.  Term bytes stay
 * valid until the next analyze() on the same analyzer.
 * Returns 0, ZOEK_ENOMEM or ZOEK_EINVAL (text of 4 GiB or more). */
ZK_HIDDEN int analyze(analyzer *a, const char *text, size_t len, int lang,
                      an_out *out);

/* Detects the language of a short text (a query): ZK_LANG_* or -1;
 * *confidence as in langdetect_best(). */
ZK_HIDDEN int analyze_detect(analyzer *a, const char *text, size_t len,
                             double *confidence);

/* Whether the folded word is a stopword of lang (for tests and tools). */
ZK_HIDDEN int analyzer_is_stop(analyzer *a, int lang, const char *w,
                               size_t len);

#endif
