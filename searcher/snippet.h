/* snippet.h - the best window of a passage for a query, with the matched
 * words highlighted (found by the same analyzer that indexed them). */
#ifndef ZK_SNIPPET_H
#define ZK_SNIPPET_H

#include <stddef.h>
#include <stdint.h>

#include "analyze.h"
#include "util.h"

/* A set of query terms to light up. */
typedef struct snip_terms {
    const char *const *s;  /* term bytes */
    const size_t *len;     /* their lengths */
    size_t n;              /* count */
} snip_terms;

/* Writes into out the snippet of text[start, end) (valid UTF-8): the
 * window of at most `words` words holding the most query terms, "…" where
 * it cuts, whitespace runs collapsed to one space.  Highlight ranges
 * (byte offsets into out) are appended to *hl after its first *nhl
 * entries (grown as needed; *nhl is updated).
 * Returns 0 or ZOEK_ENOMEM. */
ZK_HIDDEN int snippet_make(analyzer *a, an_out *ao, const char *text,
                           size_t start, size_t end, int lang,
                           const snip_terms *qt, unsigned words, zk_buf *out,
                           zoek_range **hl, size_t *nhl, size_t *hlcap);

#endif
