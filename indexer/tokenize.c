/* tokenize.c - word boundaries, sentence and paragraph starts over valid
 * UTF-8, with an ASCII table and utf8proc categories for the rest. */
#include "tokenize.h"

#include <utf8proc.h>

enum { C_SEP = 0, C_WORD = 1, C_DIGIT = 2, C_MARK = 3 };

/* Classes of ASCII bytes; the bytes from 0x80 on are C_SEP here, so that
 * a run of ASCII word bytes ends at them too. */
#define W C_WORD
#define D C_DIGIT
static const uint8_t ascii_cls[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    D, D, D, D, D, D, D, D, D, D, 0, 0, 0, 0, 0, 0,
    0, W, W, W, W, W, W, W, W, W, W, W, W, W, W, W,
    W, W, W, W, W, W, W, W, W, W, W, 0, 0, 0, 0, 0,
    0, W, W, W, W, W, W, W, W, W, W, W, W, W, W, W,
    W, W, W, W, W, W, W, W, W, W, W, 0, 0, 0, 0, 0};
#undef W
#undef D

static int cls_slow(const uint8_t *p, size_t n, size_t *k, uint32_t *cpo) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t r = utf8proc_iterate(p, (utf8proc_ssize_t)n, &cp);
    if (r <= 0) {
        *k = 1;
        *cpo = 0xFFFD;
        return C_SEP;
    }
    *k = (size_t)r;
    *cpo = (uint32_t)cp;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: return C_WORD;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return C_DIGIT;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: return C_MARK;
    default: return C_SEP;
    }
}

/* Class of the code point at p (valid UTF-8); *k receives its length.
 * ASCII and Latin-1 letters (ä, é, ß, ...) take the short way. */
static inline int cls_at(const uint8_t *p, size_t n, size_t *k,
                         uint32_t *cpo) {
    uint8_t c = p[0];
    if (c < 0x80) {
        *k = 1;
        *cpo = c;
        return ascii_cls[c];
    }
    if (c == 0xC3 && n >= 2 && (p[1] & 0xC0) == 0x80) {
        uint32_t cp = 0xC0 | (p[1] & 0x3F);
        *k = 2;
        *cpo = cp;
        return cp == 0xD7 || cp == 0xF7 ? C_SEP : C_WORD;
    }
    return cls_slow(p, n, k, cpo);
}

static int is_hyphen(uint32_t cp) {
    return cp == '-' || cp == 0x2010 || cp == 0x2011;
}
static int is_apos(uint32_t cp) {
    return cp == '\'' || cp == 0x2019 || cp == 0x02BC;
}
static int is_sent_end(uint32_t cp) {
    return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 ||
           cp == 0x203D;
}

void token_list_free(token_list *list) {
    zk_free(list->v);
    list->v = NULL;
    list->n = list->cap = 0;
}

int tokenize(const char *text, size_t len, token_list *list) {
    const uint8_t *p = (const uint8_t *)text;
    if (len >= UINT32_MAX) return ZOEK_EINVAL;
    size_t i = 0;
    /* gap state between words */
    int saw_end = 0, saw_space_after_end = 0, newlines = 0;
    int first = 1;
    while (i < len) {
        size_t k;
        uint32_t cp;
        int c = cls_at(p + i, len - i, &k, &cp);
        if (c == C_SEP || c == C_MARK) {
            if (is_sent_end(cp)) saw_end = 1;
            else if (cp == '\n') {
                newlines++;
                if (saw_end) saw_space_after_end = 1;
            } else if (cp == ' ' || cp == '\t' || cp == '\r' ||
                       cp == 0xA0 || cp == 0x2028 || cp == 0x2029) {
                if (cp == 0x2029) newlines += 2;
                if (saw_end) saw_space_after_end = 1;
            }
            i += k;
            continue;
        }
        /* a word starts at i */
        size_t start = i;
        uint32_t flags = 0;
        int ascii = 1;
        int seglen = 0; /* letters in the current dot-separated segment */
        int prevc = C_SEP;
        while (i < len) {
            /* runs of ASCII letters and digits */
            size_t run = i;
            unsigned f, seen = 0; /* C_WORD | C_DIGIT bits of the run */
            while (i < len && (f = ascii_cls[p[i]]) != C_SEP) {
                seen |= f;
                i++;
            }
            if (i > run) {
                prevc = ascii_cls[p[i - 1]];
                if (seen & C_DIGIT) flags |= TOK_DIGIT;
                seglen += (int)(i - run);
            }
            if (i >= len) break;
            c = cls_at(p + i, len - i, &k, &cp);
            if (c == C_WORD || c == C_DIGIT || c == C_MARK) {
                if (c == C_DIGIT) flags |= TOK_DIGIT;
                if (k > 1) ascii = 0;
                if (c != C_MARK) seglen++;
                prevc = c;
                i += k;
                continue;
            }
            /* connector? look at the next code point */
            if (i + k >= len) break;
            size_t k2;
            uint32_t cp2;
            int c2 = cls_at(p + i + k, len - i - k, &k2, &cp2);
            if (c2 != C_WORD && c2 != C_DIGIT) break;
            if (is_hyphen(cp)) {
                flags |= TOK_HYPHEN;
            } else if (is_apos(cp)) {
                /* joins letters: don't, Nvidia's */
            } else if (cp == '.' || cp == ',') {
                int digit_side = prevc == C_DIGIT || c2 == C_DIGIT;
                int abbrev = cp == '.' && seglen == 1 && c2 == C_WORD;
                if (abbrev) {
                    /* the segment after the dot must be one letter too */
                    size_t k3;
                    uint32_t cp3;
                    size_t j = i + k + k2;
                    int c3 = j < len ? cls_at(p + j, len - j, &k3, &cp3)
                                     : C_SEP;
                    if (c3 == C_WORD || c3 == C_DIGIT) abbrev = 0;
                }
                if (!digit_side && !abbrev) break;
                if (cp == ',' && !(prevc == C_DIGIT && c2 == C_DIGIT)) break;
                flags |= TOK_DOT;
            } else {
                break;
            }
            if (k > 1) ascii = 0;
            seglen = 0;
            i += k;
        }
        if (ascii) flags |= TOK_ASCII;
        if (i - start > TOK_MAX_LEN) flags |= TOK_LONG;
        if (first || newlines >= 2) flags |= TOK_PARA | TOK_SENT;
        else if (saw_end && (saw_space_after_end || newlines)) flags |= TOK_SENT;
        if (zk_grow((void **)&list->v, &list->cap, list->n + 1, sizeof(token)))
            return ZOEK_ENOMEM;
        list->v[list->n].start = (uint32_t)start;
        list->v[list->n].end = (uint32_t)i;
        list->v[list->n].flags = flags;
        list->n++;
        first = 0;
        saw_end = saw_space_after_end = newlines = 0;
    }
    return 0;
}
