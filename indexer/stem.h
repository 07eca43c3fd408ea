/* stem.h - Snowball stemmers (libstemmer) for English, German and Dutch, and
 * the fingerprint that ties an index to the stemmer that built it. */
#ifndef ZK_STEM_H
#define ZK_STEM_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

typedef struct stemmer stemmer;

/* One per thread.  Returns 0 or ZOEK_ENOMEM (*out NULL). */
ZK_HIDDEN int stemmer_new(stemmer **out);
ZK_HIDDEN void stemmer_free(stemmer *s);

/* Stems a language-folded word.  Returns a pointer to the stem (owned by
 * the stemmer, valid until the next call) and its length in *outlen, or
 * NULL on allocation failure. */
ZK_HIDDEN const char *stemmer_stem(stemmer *s, int lang, const char *w,
                                   size_t len, size_t *outlen);

/* A hash of the stems of a fixed word list per language: differs when
 * libstemmer's algorithms change.  Returns 0 or ZOEK_ENOMEM. */
ZK_HIDDEN int stemmer_fingerprint(uint64_t *out);

#endif
