/* stopwords.h - the per-language stopword lists (Snowball's lists for
 * English, German and Dutch), in their natural lower-case spelling. */
#ifndef ZK_STOPWORDS_H
#define ZK_STOPWORDS_H

#include <stddef.h>

#include "util.h"

/* The stopwords of language `lang` (ZK_LANG_EN/DE/NL): lower-case, NFC,
 * natural spelling ("für", "daß" and "dass" both listed where the source
 * has them).  Sets *n to the count.  Returns NULL for an unknown lang. */
ZK_HIDDEN const char *const *stopwords_list(int lang, size_t *n);

/* Words the analyzer also treats as stopwords of `lang` (German and Dutch
 * question words); *n receives the count (0 for English). */
ZK_HIDDEN const char *const *stopwords_extra(int lang, size_t *n);

#endif
