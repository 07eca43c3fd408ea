/* normalize.h - UTF-8 validation and repair, NFC + case folding of words,
 * and the per-language folds applied before stopword lookup and stemming. */
#ifndef ZK_NORMALIZE_H
#define ZK_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Longest word (in bytes, after folding) the analyzer keeps as a term. */
#define NORM_MAX_WORD 96
/* Output buffers of the fold functions must hold this many bytes. */
#define NORM_BUF 512

/* Copies `in` to `out`, replacing every invalid UTF-8 sequence (overlong
 * forms, surrogates, code points beyond U+10FFFF, truncated sequences) by
 * U+FFFD and every NUL byte by a space.  *nbad (if not NULL) receives the
 * number of replacements.  Returns 0 or ZOEK_ENOMEM. */
ZK_HIDDEN int norm_repair_utf8(const char *in, size_t len, zk_buf *out,
                               size_t *nbad);

/* Returns 1 if `in` is valid UTF-8 without NUL bytes, else 0. */
ZK_HIDDEN int norm_is_valid_utf8(const char *in, size_t len);

/* Language-independent fold of one word (valid UTF-8): NFC, full Unicode
 * case folding (so ß -> ss), ĳ -> ij, typographic apostrophes -> ',
 * Greek letters in a word with Latin letters or digits, or in a word of
 * one or two Greek letters, to their Latin names (TNF-α -> tnf-alpha,
 * IL-1β -> il-1beta, γδ -> gammadelta).
 * Writes at most NORM_BUF-1 bytes plus a NUL to out; returns the length,
 * or 0 if the result would not fit (the word is then not indexed). */
ZK_HIDDEN size_t norm_fold_word(const char *in, size_t len, char *out);

/* Language fold of a folded word, applied before stopwords and stemming:
 * - German: ae/oe/ue -> ä/ö/ü (not 'ue' after 'q'), other diacritics
 *   removed (é -> e), ä/ö/ü kept for the stemmer;
 * - English, Dutch: all diacritics removed (ë -> e, ä -> a).
 * A possessive or trailing apostrophe ("nvidia's", "jones'") is dropped.
 * Returns the length written to out (NUL-terminated), 0 if it does not
 * fit. */
ZK_HIDDEN size_t norm_lang_fold(int lang, const char *in, size_t len,
                                char *out);

#endif
