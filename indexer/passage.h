/* passage.h - splits an analysed text into sentence-aligned passages of
 * about 100-150 words, the unit of BM25 scoring. */
#ifndef ZK_PASSAGE_H
#define ZK_PASSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "analyze.h"

#define PASSAGE_MIN_WORDS 100  /* close a passage at a sentence end after */
#define PASSAGE_MAX_WORDS 150  /* avoid exceeding when a sentence ends */
#define PASSAGE_TAIL_WORDS 30  /* a shorter last passage joins the previous */
#define PASSAGE_TITLE_WORDS 64 /* words of a title that every later passage
                                  of its article also holds */

typedef struct passage {
    uint32_t tok_first;   /* first token */
    uint32_t tok_end;     /* one past the last token */
    uint32_t term_first;  /* first term occurrence (an_out.terms) */
    uint32_t term_end;    /* one past the last */
    uint32_t pos_first;   /* position of the first token */
    uint32_t start;       /* byte range in the text: passages tile it */
    uint32_t end;         /* one past the last byte */
    uint32_t dl;          /* BM25 length: term positions (not wholes) */
    uint8_t lang;         /* majority language of its tokens */
    uint32_t occ_first;   /* its occurrences in passage_list.occ */
    uint32_t occ_end;     /* one past the last */
} passage;

/* A term occurrence indexed in a passage. */
typedef struct pocc {
    uint32_t term;        /* index into an_out.terms */
    uint32_t pos;         /* position within the passage */
} pocc;

typedef struct passage_list {
    passage *v;   /* passages */
    size_t n;     /* used */
    size_t cap;   /* allocated */
    pocc *occ;    /* occurrences of all passages (passage_index) */
    size_t nocc;  /* used */
    size_t occcap;/* allocated */
} passage_list;

/* Splits o (the analysis of a text of textlen bytes) into passages.  A
 * text without words gives one empty passage covering it.  Returns 0 or
 * ZOEK_ENOMEM. */
ZK_HIDDEN int passage_split(const an_out *o, size_t textlen,
                            passage_list *out);
ZK_HIDDEN void passage_list_free(passage_list *l);

/* What a text is indexed as: passage_split, then per passage the term
 * occurrences to index: its own terms and, in every passage after the
 * first, the terms of the title (the text's first title_len bytes) at
 * positions after the passage's own, so a passage stands for its article's
 * title too.  dl counts both.  The same function serves indexing and the
 * re-analysis of deleted articles, so both agree.  Returns 0 or
 * ZOEK_ENOMEM. */
ZK_HIDDEN int passage_index(const an_out *o, size_t textlen,
                            uint32_t title_len, passage_list *out);

#endif
