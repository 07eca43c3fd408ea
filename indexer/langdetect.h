/* langdetect.h - tells Dutch, German and English apart from a text's words,
 * using stopword and character n-gram evidence built into the library (no
 * external model).  Pure: no I/O, no allocation. */
#ifndef ZK_LANGDETECT_H
#define ZK_LANGDETECT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Accumulated evidence for one span of text (an article, a paragraph or a
 * query).  Zero-initialise (or langdetect_reset) before use. */
typedef struct langdetect {
    double score[3];  /* log-evidence per ZK_LANG_* */
    uint32_t nwords;  /* words seen */
    uint32_t nstop;   /* words that were a stopword of some language */
} langdetect;

ZK_HIDDEN void langdetect_reset(langdetect *ld);

/* What one word adds to a detector: a pure function of the word, so it can
 * be computed once per distinct word and added many times. */
enum { LD_NONE = 0, LD_WORD = 1, LD_TRIGRAMS = 2 };
typedef struct langdetect_delta {
    int16_t w[3];   /* weights per language, in table units */
    uint8_t kind;   /* LD_*: no evidence, a known word, trigram evidence */
    uint8_t stop;   /* a stopword of some language */
} langdetect_delta;

/* Computes the contribution of one word (same input as langdetect_word). */
ZK_HIDDEN void langdetect_eval(const char *w, size_t len,
                               langdetect_delta *d);
/* Adds a contribution: langdetect_word(ld, w) is langdetect_eval(w, &d)
 * followed by langdetect_add(ld, &d). */
ZK_HIDDEN void langdetect_add(langdetect *ld, const langdetect_delta *d);

/* Feeds one word.  `w` is the word after Unicode NFC normalisation and full
 * case folding (so "Über" arrives as "über", "Straße" as "strasse", ĳ as
 * "ij"); len is its byte length.  Words with digits may be fed and are
 * ignored. */
ZK_HIDDEN void langdetect_word(langdetect *ld, const char *w, size_t len);

/* The most likely language (ZK_LANG_EN/DE/NL), or -1 when the evidence
 * is too weak to decide (e.g. no words, only names).  If confidence is not
 * NULL it receives a value in [0, 1]: the margin between the best and the
 * second-best language, scaled so that >= 0.5 is a safe decision. */
ZK_HIDDEN int langdetect_best(const langdetect *ld, double *confidence);

#endif
