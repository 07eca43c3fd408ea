/* jsonl.c - JSON Lines article reader: strict RFC 8259, one object a line. */
#include "jsonl.h"

#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define JSONL_SSE2 1
#endif

/* Containers nested deeper than this are rejected (the top-level object is
 * depth 1).  The skipper is iterative, so this bounds work, not stack. */
#define JSONL_MAX_DEPTH 64

struct jsonl_parser {
    zk_buf scratch; /* decoded strings of the current line */
};

/* Where a parsed value lives.  Scratch may move while a line is parsed, so
 * values are kept as offsets and turned into pointers at the end. */
enum { SP_NONE, SP_LINE, SP_SCRATCH };

typedef struct span {
    size_t off; /* first byte in the line or in scratch */
    size_t len; /* bytes */
    int where;  /* SP_* */
} span;

/* The state of one jsonl_parse_line() call. */
typedef struct pstate {
    const uint8_t *s; /* the line */
    size_t len;       /* bytes in the line */
    size_t pos;       /* next byte to read */
    zk_buf *scratch;  /* decoded strings */
    char *err;        /* caller's message buffer (may be NULL) */
    size_t errlen;    /* its size */
} pstate;

#define IS_DIGIT(c) ((unsigned)(c) - '0' < 10u)
#define IS_ALPHA(c) (((unsigned)(c) | 0x20) - 'a' < 26u)

/* The known keys. */
enum { F_OTHER, F_ID, F_TEXT, F_TITLE, F_LANG };

int jsonl_parser_new(jsonl_parser **out) {
    jsonl_parser *p = zk_calloc(1, sizeof *p);
    *out = p;
    return p ? 0 : ZOEK_ENOMEM;
}

void jsonl_parser_free(jsonl_parser *p) {
    if (!p) return;
    zk_buf_free(&p->scratch);
    zk_free(p);
}

/* ------------------------------------------------------------ errors */

static int fail(pstate *ps, const char *what, size_t at) {
    zk_msg(ps->err, ps->errlen, "%s at byte %zu", what, at);
    return ZOEK_EINPUT;
}

/* "expected X at byte N", noting when the line ended early. */
static int fail_expect(pstate *ps, const char *what) {
    zk_msg(ps->err, ps->errlen, "expected %s at byte %zu%s", what, ps->pos,
           ps->pos >= ps->len ? " (end of line)" : "");
    return ZOEK_EINPUT;
}

static int fail_nomem(pstate *ps) {
    zk_msg(ps->err, ps->errlen, "out of memory");
    return ZOEK_ENOMEM;
}

/* ------------------------------------------------------------ scanning */

static inline void skip_ws(pstate *ps) {
    const uint8_t *s = ps->s;
    size_t i = ps->pos, n = ps->len;
    while (i < n &&
           (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    ps->pos = i;
}

/* The first i' >= i with s[i'] one of '"', '\\' or a control byte, or len.
 * String bodies are most of the input, so this is the hot loop. */
static inline size_t find_special(const uint8_t *s, size_t i, size_t len) {
#ifdef JSONL_SSE2
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i ctl = _mm_set1_epi8(0x1f);
    while (len - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        /* v <= 0x1f (unsigned) exactly when max(v, 0x1f) == 0x1f. */
        __m128i m = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
            _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
#endif
    while (i < len && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20)
        i++;
    return i;
}

static inline int hexval(unsigned c) {
    if (c - '0' < 10) return (int)(c - '0');
    c |= 0x20;
    if (c - 'a' < 6) return (int)(c - 'a' + 10);
    return -1;
}

/* Reads the 4 hex digits of a \u escape whose backslash is at s[i]:
 * 0 and *cp, or a ZOEK_EINPUT error. */
static int read_u4(pstate *ps, size_t i, size_t open, unsigned *cp) {
    unsigned v = 0;
    for (size_t k = i + 2; k < i + 6; k++) {
        if (k >= ps->len) return fail(ps, "unterminated string", open);
        int d = hexval(ps->s[k]);
        if (d < 0) return fail(ps, "invalid \\u escape", i);
        v = v << 4 | (unsigned)d;
    }
    *cp = v;
    return 0;
}

static size_t put_utf8(uint8_t *d, unsigned cp) {
    if (cp < 0x80) {
        d[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (uint8_t)(0xC0 | cp >> 6);
        d[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (uint8_t)(0xE0 | cp >> 12);
        d[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        d[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (uint8_t)(0xF0 | cp >> 18);
    d[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    d[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    d[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads the string whose opening '"' is at ps->pos.  With `out` NULL it is
 * only validated; otherwise *out receives its decoded bytes: a range of the
 * line when it has no escapes, else of scratch.  An escape never decodes
 * to more bytes than it is written with, so the rest of the line bounds
 * the scratch a string needs. */
static int scan_string(pstate *ps, span *out) {
    const uint8_t *s = ps->s;
    size_t len = ps->len, open = ps->pos, i = open + 1, run = i;
    uint8_t *d0 = NULL, *d = NULL;

    for (;;) {
        i = find_special(s, i, len);
        if (i >= len) return fail(ps, "unterminated string", open);
        uint8_t c = s[i];
        if (c == '"') break;
        if (c != '\\') {
            zk_msg(ps->err, ps->errlen,
                   "raw control character 0x%02x in string at byte %zu",
                   (unsigned)c, i);
            return ZOEK_EINPUT;
        }
        if (out) {
            if (!d) {
                if (zk_buf_reserve(ps->scratch, len - run))
                    return fail_nomem(ps);
                d0 = d = ps->scratch->p + ps->scratch->len;
            }
            memcpy(d, s + run, i - run);
            d += i - run;
        }
        if (i + 1 >= len) return fail(ps, "unterminated string", open);
        unsigned cp = 0;
        size_t esc = 2;
        switch (s[i + 1]) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u': {
            int rc = read_u4(ps, i, open, &cp);
            if (rc) return rc;
            esc = 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                /* A high surrogate needs a low one right after it; an
                 * unpaired one becomes U+FFFD and whatever follows is
                 * read on its own. */
                unsigned lo = 0;
                int h0, h1, h2, h3;
                if (len - i >= 12 && s[i + 6] == '\\' && s[i + 7] == 'u' &&
                    (h0 = hexval(s[i + 8])) >= 0 &&
                    (h1 = hexval(s[i + 9])) >= 0 &&
                    (h2 = hexval(s[i + 10])) >= 0 &&
                    (h3 = hexval(s[i + 11])) >= 0)
                    lo = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    esc = 12;
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            break;
        }
        default: return fail(ps, "invalid escape", i);
        }
        if (out) d += put_utf8(d, cp);
        i += esc;
        run = i;
    }

    if (out) {
        if (!d) {
            out->where = SP_LINE;
            out->off = open + 1;
            out->len = i - open - 1;
        } else {
            memcpy(d, s + run, i - run);
            d += i - run;
            out->where = SP_SCRATCH;
            out->off = (size_t)(d0 - ps->scratch->p);
            out->len = (size_t)(d - d0);
            ps->scratch->len += out->len;
        }
    }
    ps->pos = i + 1;
    return 0;
}

/* Reads a number at ps->pos (RFC 8259 grammar).  *plain is set when it is
 * a non-negative integer (no sign, fraction or exponent). */
static int scan_number(pstate *ps, int *plain) {
    const uint8_t *s = ps->s;
    size_t len = ps->len, start = ps->pos, i = start;
    int pl = 1;

    if (i < len && s[i] == '-') {
        pl = 0;
        i++;
    }
    if (i < len && s[i] == '0') {
        i++;
    } else if (i < len && s[i] >= '1' && s[i] <= '9') {
        while (i < len && IS_DIGIT(s[i]))
            i++;
    } else {
        return fail(ps, "invalid number", start);
    }
    if (i < len && s[i] == '.') {
        pl = 0;
        i++;
        if (i >= len || !IS_DIGIT(s[i]))
            return fail(ps, "invalid number", start);
        while (i < len && IS_DIGIT(s[i]))
            i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        pl = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= len || !IS_DIGIT(s[i]))
            return fail(ps, "invalid number", start);
        while (i < len && IS_DIGIT(s[i]))
            i++;
    }
    /* "01", "1.", "1e": reject here rather than as a missing ','. */
    if (i < len && (IS_DIGIT(s[i]) || s[i] == '.' || s[i] == 'e' ||
                    s[i] == 'E' || s[i] == '+' || s[i] == '-'))
        return fail(ps, "invalid number", start);
    ps->pos = i;
    if (plain) *plain = pl;
    return 0;
}

/* Reads true, false or null at ps->pos. */
static int scan_literal(pstate *ps) {
    const uint8_t *s = ps->s;
    size_t at = ps->pos, left = ps->len - at;
    const char *w = s[at] == 't' ? "true" : s[at] == 'f' ? "false" : "null";
    size_t n = strlen(w);
    if (left < n || memcmp(s + at, w, n) != 0 ||
        (left > n && (IS_ALPHA(s[at + n]) || IS_DIGIT(s[at + n]))))
        return fail(ps, "invalid literal", at);
    ps->pos = at + n;
    return 0;
}

/* After the key of an object member: the ':' and the whitespace around
 * it, so that ps->pos is at the value. */
static int scan_colon(pstate *ps) {
    skip_ws(ps);
    if (ps->pos >= ps->len || ps->s[ps->pos] != ':')
        return fail_expect(ps, "':'");
    ps->pos++;
    skip_ws(ps);
    if (ps->pos >= ps->len) return fail_expect(ps, "a value");
    return 0;
}

/* Validates and skips the value at ps->pos, which sits inside containers
 * `depth` deep.  Iterative: the open containers are kept in `stack`. */
static int skip_value(pstate *ps, int depth) {
    uint8_t stack[JSONL_MAX_DEPTH + 1]; /* '{' or '[' per open container */
    int n = 0, rc;
    const uint8_t *s = ps->s;

    for (;;) {
        /* ps->pos is at a value (whitespace already skipped). */
        if (ps->pos >= ps->len) return fail_expect(ps, "a value");
        uint8_t c = s[ps->pos];
        int closed = 1; /* the value ended (not a container opened) */
        switch (c) {
        case '{':
        case '[':
            if (depth + n + 1 > JSONL_MAX_DEPTH) {
                zk_msg(ps->err, ps->errlen,
                       "nesting deeper than %d at byte %zu", JSONL_MAX_DEPTH,
                       ps->pos);
                return ZOEK_EINPUT;
            }
            stack[n++] = c;
            ps->pos++;
            skip_ws(ps);
            if (ps->pos < ps->len && s[ps->pos] == (c == '{' ? '}' : ']')) {
                ps->pos++;
                n--;
                break;
            }
            if (c == '{') {
                if (ps->pos >= ps->len || s[ps->pos] != '"')
                    return fail_expect(ps, "a quoted key");
                if ((rc = scan_string(ps, NULL)) != 0) return rc;
                if ((rc = scan_colon(ps)) != 0) return rc;
            }
            closed = 0;
            break;
        case '"':
            if ((rc = scan_string(ps, NULL)) != 0) return rc;
            break;
        case 't':
        case 'f':
        case 'n':
            if ((rc = scan_literal(ps)) != 0) return rc;
            break;
        default:
            if (c == '-' || IS_DIGIT(c)) {
                if ((rc = scan_number(ps, NULL)) != 0) return rc;
                break;
            }
            return fail_expect(ps, "a value");
        }
        if (!closed) {
            skip_ws(ps);
            continue;
        }
        /* Close containers until one continues with another member. */
        for (;;) {
            if (n == 0) return 0;
            skip_ws(ps);
            uint8_t open = stack[n - 1];
            if (ps->pos < ps->len && s[ps->pos] == ',') {
                ps->pos++;
                skip_ws(ps);
                if (open == '{') {
                    if (ps->pos >= ps->len || s[ps->pos] != '"')
                        return fail_expect(ps, "a quoted key");
                    if ((rc = scan_string(ps, NULL)) != 0) return rc;
                    if ((rc = scan_colon(ps)) != 0) return rc;
                }
                break;
            }
            if (ps->pos < ps->len && s[ps->pos] == (open == '{' ? '}' : ']')) {
                ps->pos++;
                n--;
                continue;
            }
            return fail_expect(ps, open == '{' ? "',' or '}'" : "',' or ']'");
        }
    }
}

/* ------------------------------------------------------------ fields */

static int key_field(const uint8_t *k, size_t len) {
    switch (len) {
    case 2: return memcmp(k, "id", 2) == 0 ? F_ID : F_OTHER;
    case 4:
        if (memcmp(k, "text", 4) == 0) return F_TEXT;
        if (memcmp(k, "lang", 4) == 0) return F_LANG;
        return F_OTHER;
    case 5: return memcmp(k, "title", 5) == 0 ? F_TITLE : F_OTHER;
    default: return F_OTHER;
    }
}

/* Reads the value of a known field at ps->pos into *v. */
static int field_value(pstate *ps, int field, span *v) {
    uint8_t c = ps->s[ps->pos];
    int rc;

    if (c == '"') return scan_string(ps, v);
    switch (field) {
    case F_ID:
        if (c == '-' || IS_DIGIT(c)) {
            size_t at = ps->pos;
            int plain;
            if ((rc = scan_number(ps, &plain)) != 0) return rc;
            if (!plain)
                return fail(ps,
                            "\"id\" must be a string or a non-negative "
                            "integer",
                            at);
            v->where = SP_LINE;
            v->off = at;
            v->len = ps->pos - at;
            return 0;
        }
        break;
    case F_TEXT: break;
    default:
        if (c == 'n') {
            if ((rc = scan_literal(ps)) != 0) return rc;
            /* null: as if absent (last one wins) */
            v->where = SP_NONE;
            v->off = v->len = 0;
            return 0;
        }
        break;
    }
    /* Something other than a string (or null, or an id number). */
    if (c != '{' && c != '[' && c != 't' && c != 'f' && c != 'n' && c != '-' &&
        !IS_DIGIT(c))
        return fail_expect(ps, "a value");
    return fail(ps,
                field == F_ID      ? "\"id\" must be a string or an integer"
                : field == F_TEXT  ? "\"text\" must be a string"
                : field == F_TITLE ? "\"title\" must be a string or null"
                                   : "\"lang\" must be a string or null",
                ps->pos);
}

static const char *span_ptr(const pstate *ps, const span *v) {
    if (v->where == SP_LINE) return (const char *)ps->s + v->off;
    if (v->where == SP_SCRATCH) return (const char *)ps->scratch->p + v->off;
    return NULL;
}

int jsonl_parse_line(jsonl_parser *p, const char *line, size_t len,
                     jsonl_doc *doc, char *err, size_t errlen) {
    span id = {0, 0, SP_NONE}, text = id, title = id, lang = id;
    pstate ps;
    int rc;

    memset(doc, 0, sizeof *doc);
    if (err && errlen) err[0] = 0;
    if (!line) len = 0;
    p->scratch.len = 0;
    ps.s = (const uint8_t *)line;
    ps.len = len;
    ps.pos = 0;
    ps.scratch = &p->scratch;
    ps.err = err;
    ps.errlen = errlen;

    /* RFC 8259 8.1 lets parsers ignore a byte order mark. */
    if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) ps.pos = 3;
    skip_ws(&ps);
    if (ps.pos == len) return ZOEK_ENOTFOUND;
    if (ps.s[ps.pos] != '{') return fail_expect(&ps, "'{'");
    ps.pos++;
    skip_ws(&ps);
    if (ps.pos < len && ps.s[ps.pos] == '}') {
        ps.pos++;
    } else {
        for (;;) {
            span key;
            if (ps.pos >= len || ps.s[ps.pos] != '"')
                return fail_expect(&ps, "a quoted key");
            if ((rc = scan_string(&ps, &key)) != 0) return rc;
            int field =
                key_field((const uint8_t *)span_ptr(&ps, &key), key.len);
            if (key.where == SP_SCRATCH) p->scratch.len = key.off;
            if ((rc = scan_colon(&ps)) != 0) return rc;
            switch (field) {
            case F_ID: rc = field_value(&ps, field, &id); break;
            case F_TEXT: rc = field_value(&ps, field, &text); break;
            case F_TITLE: rc = field_value(&ps, field, &title); break;
            case F_LANG: rc = field_value(&ps, field, &lang); break;
            default: rc = skip_value(&ps, 1); break;
            }
            if (rc) return rc;
            skip_ws(&ps);
            if (ps.pos < len && ps.s[ps.pos] == ',') {
                ps.pos++;
                skip_ws(&ps);
                continue;
            }
            if (ps.pos < len && ps.s[ps.pos] == '}') {
                ps.pos++;
                break;
            }
            return fail_expect(&ps, "',' or '}'");
        }
    }
    skip_ws(&ps);
    if (ps.pos != len)
        return fail(&ps, "unexpected data after the object", ps.pos);
    if (id.where == SP_NONE) {
        zk_msg(err, errlen, "missing \"id\"");
        return ZOEK_EINPUT;
    }
    if (id.len == 0) {
        zk_msg(err, errlen, "empty \"id\"");
        return ZOEK_EINPUT;
    }
    if (text.where == SP_NONE) {
        zk_msg(err, errlen, "missing \"text\"");
        return ZOEK_EINPUT;
    }
    doc->id = span_ptr(&ps, &id);
    doc->id_len = id.len;
    doc->text = span_ptr(&ps, &text);
    doc->text_len = text.len;
    doc->title = span_ptr(&ps, &title);
    doc->title_len = title.len;
    doc->lang = span_ptr(&ps, &lang);
    doc->lang_len = lang.len;
    return 0;
}
