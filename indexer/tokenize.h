/* tokenize.h - splits valid UTF-8 text into words with byte offsets and
 * marks sentence and paragraph starts.  Pure: no I/O. */
#ifndef ZK_TOKENIZE_H
#define ZK_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum {
    TOK_SENT = 1 << 0,   /* first word of a sentence */
    TOK_PARA = 1 << 1,   /* first word of a paragraph (implies TOK_SENT) */
    TOK_DIGIT = 1 << 2,  /* contains a digit */
    TOK_HYPHEN = 1 << 3, /* contains an internal hyphen (compound) */
    TOK_ASCII = 1 << 4,  /* all bytes are ASCII */
    TOK_DOT = 1 << 5,    /* contains an internal '.' or ',' */
    TOK_LONG = 1 << 6    /* longer than TOK_MAX_LEN bytes: not a term */
};

#define TOK_MAX_LEN 128

typedef struct token {
    uint32_t start;  /* first byte of the word */
    uint32_t end;    /* one past its last byte */
    uint32_t flags;  /* TOK_* bits */
} token;

typedef struct token_list {
    token *v;       /* tokens */
    size_t n;     /* used */
    size_t cap;   /* allocated */
} token_list;

/* Appends the words of text[0..len) to list.  A word is a run of letters,
 * digits and combining marks, joined across a hyphen or an apostrophe
 * between letters/digits ("KI-Chips", "Nvidia's"), across '.' or ','
 * next to a digit ("9988.HK", "1,5"), and across '.' in single-letter
 * abbreviations ("U.S").  Offsets must fit in 32 bits (len < 4 GiB).
 * Returns 0, ZOEK_ENOMEM or ZOEK_EINVAL (text too large). */
ZK_HIDDEN int tokenize(const char *text, size_t len, token_list *list);

ZK_HIDDEN void token_list_free(token_list *list);

#endif
