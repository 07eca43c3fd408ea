/* jsonl.h - JSON Lines article reader: one JSON object per line, fields
 * "id" (string or integer), "text" (string), optional "title" and "lang"
 * (string or null); other fields are skipped.  Pure: no I/O. */
#ifndef ZK_JSONL_H
#define ZK_JSONL_H

#include <stddef.h>

#include "util.h"

/* One parsed article.  Pointers refer either into the `line` passed to
 * jsonl_parse_line() (strings without escapes, integer ids: not copied) or
 * to the parser's scratch memory (strings with escapes, decoded).  They
 * stay valid until the next jsonl_parse_line() or jsonl_parser_free() on
 * the same parser, and no longer than the caller keeps `line` unchanged.
 * Strings are (pointer, length) and not NUL-terminated; they may contain
 * NUL bytes (from \u0000). */
typedef struct jsonl_doc {
    const char *id;      /* id: string value, or the text of an integer */
    size_t id_len;       /* bytes in id */
    const char *title;   /* NULL when absent or null */
    size_t title_len;    /* bytes in title */
    const char *lang;    /* NULL when absent or null */
    size_t lang_len;     /* bytes in lang */
    const char *text;    /* the text (may be empty) */
    size_t text_len;     /* bytes in text */
} jsonl_doc;

typedef struct jsonl_parser jsonl_parser;

/* Creates a parser.  Returns 0 or ZOEK_ENOMEM (then *out is NULL). */
ZK_HIDDEN int jsonl_parser_new(jsonl_parser **out);
ZK_HIDDEN void jsonl_parser_free(jsonl_parser *p);

/* Parses one line (without its '\n'; a trailing '\r' and surrounding
 * whitespace are allowed, and so is a UTF-8 byte order mark at its start).
 * The line must hold exactly one JSON object (RFC 8259, strict: no
 * trailing commas, comments or control bytes inside strings; containers
 * nest at most 64 deep, the object itself counting as one).  "id" and
 * "text" are required; an "id" string must not be empty, an "id" number
 * must be a non-negative integer (its text is the id).  When a known key
 * repeats, the last one wins ("title": null after a string drops it).
 * Other members are validated and skipped.  String escapes are decoded to
 * UTF-8 (\uXXXX with surrogate pairs; a lone surrogate becomes U+FFFD).
 * Bytes inside strings are copied as they are (UTF-8 validity is checked
 * later by the analyzer).  No allocation once scratch has grown to the
 * longest line; time is linear in len.
 * Returns 0 and fills *doc, or ZOEK_EINPUT with a one-line reason in err
 * (e.g. "expected ':' at byte 17", "missing \"text\"", "\"id\" must be a
 * string or an integer at byte 6"; byte offsets count from 0 at the start
 * of `line`), or ZOEK_ENOMEM.  A blank line (only whitespace) is reported
 * as ZOEK_ENOTFOUND (callers skip it silently).  On any error *doc is
 * zeroed.  err may be NULL; otherwise it is always NUL-terminated ("" on
 * success). */
ZK_HIDDEN int jsonl_parse_line(jsonl_parser *p, const char *line, size_t len,
                               jsonl_doc *doc, char *err, size_t errlen);

#endif
