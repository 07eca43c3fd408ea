/* html.c - HTML to plain text: markup stripped, entities decoded, blocks
 * become paragraphs. */
#include "html.h"

#include <string.h>

#define IS_WS(c)                                                               \
    ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r' || (c) == '\f')
#define IS_DIGIT(c) ((unsigned)(c) - '0' < 10u)
#define IS_ALPHA(c) (((unsigned)(c) | 0x20) - 'a' < 26u)

/* ------------------------------------------------------------ entities */

/* Every named entity of HTML 4 (Latin-1, symbols and Greek, special and
 * typographic) plus &apos;, sorted by name in byte order for bsearch. */
static const struct entity {
    char name[9]; /* case-sensitive name */
    uint16_t cp;  /* code point (all are in the BMP) */
} entities[] = {
    {"AElig", 198},    {"Aacute", 193},  {"Acirc", 194},    {"Agrave", 192},
    {"Alpha", 913},    {"Aring", 197},   {"Atilde", 195},   {"Auml", 196},
    {"Beta", 914},     {"Ccedil", 199},  {"Chi", 935},      {"Dagger", 8225},
    {"Delta", 916},    {"ETH", 208},     {"Eacute", 201},   {"Ecirc", 202},
    {"Egrave", 200},   {"Epsilon", 917}, {"Eta", 919},      {"Euml", 203},
    {"Gamma", 915},    {"Iacute", 205},  {"Icirc", 206},    {"Igrave", 204},
    {"Iota", 921},     {"Iuml", 207},    {"Kappa", 922},    {"Lambda", 923},
    {"Mu", 924},       {"Ntilde", 209},  {"Nu", 925},       {"OElig", 338},
    {"Oacute", 211},   {"Ocirc", 212},   {"Ograve", 210},   {"Omega", 937},
    {"Omicron", 927},  {"Oslash", 216},  {"Otilde", 213},   {"Ouml", 214},
    {"Phi", 934},      {"Pi", 928},      {"Prime", 8243},   {"Psi", 936},
    {"Rho", 929},      {"Scaron", 352},  {"Sigma", 931},    {"THORN", 222},
    {"Tau", 932},      {"Theta", 920},   {"Uacute", 218},   {"Ucirc", 219},
    {"Ugrave", 217},   {"Upsilon", 933}, {"Uuml", 220},     {"Xi", 926},
    {"Yacute", 221},   {"Yuml", 376},    {"Zeta", 918},     {"aacute", 225},
    {"acirc", 226},    {"acute", 180},   {"aelig", 230},    {"agrave", 224},
    {"alefsym", 8501}, {"alpha", 945},   {"amp", 38},       {"and", 8743},
    {"ang", 8736},     {"apos", 39},     {"aring", 229},    {"asymp", 8776},
    {"atilde", 227},   {"auml", 228},    {"bdquo", 8222},   {"beta", 946},
    {"brvbar", 166},   {"bull", 8226},   {"cap", 8745},     {"ccedil", 231},
    {"cedil", 184},    {"cent", 162},    {"chi", 967},      {"circ", 710},
    {"clubs", 9827},   {"cong", 8773},   {"copy", 169},     {"crarr", 8629},
    {"cup", 8746},     {"curren", 164},  {"dArr", 8659},    {"dagger", 8224},
    {"darr", 8595},    {"deg", 176},     {"delta", 948},    {"diams", 9830},
    {"divide", 247},   {"eacute", 233},  {"ecirc", 234},    {"egrave", 232},
    {"empty", 8709},   {"emsp", 8195},   {"ensp", 8194},    {"epsilon", 949},
    {"equiv", 8801},   {"eta", 951},     {"eth", 240},      {"euml", 235},
    {"euro", 8364},    {"exist", 8707},  {"fnof", 402},     {"forall", 8704},
    {"frac12", 189},   {"frac14", 188},  {"frac34", 190},   {"frasl", 8260},
    {"gamma", 947},    {"ge", 8805},     {"gt", 62},        {"hArr", 8660},
    {"harr", 8596},    {"hearts", 9829}, {"hellip", 8230},  {"iacute", 237},
    {"icirc", 238},    {"iexcl", 161},   {"igrave", 236},   {"image", 8465},
    {"infin", 8734},   {"int", 8747},    {"iota", 953},     {"iquest", 191},
    {"isin", 8712},    {"iuml", 239},    {"kappa", 954},    {"lArr", 8656},
    {"lambda", 955},   {"lang", 9001},   {"laquo", 171},    {"larr", 8592},
    {"lceil", 8968},   {"ldquo", 8220},  {"le", 8804},      {"lfloor", 8970},
    {"lowast", 8727},  {"loz", 9674},    {"lrm", 8206},     {"lsaquo", 8249},
    {"lsquo", 8216},   {"lt", 60},       {"macr", 175},     {"mdash", 8212},
    {"micro", 181},    {"middot", 183},  {"minus", 8722},   {"mu", 956},
    {"nabla", 8711},   {"nbsp", 160},    {"ndash", 8211},   {"ne", 8800},
    {"ni", 8715},      {"not", 172},     {"notin", 8713},   {"nsub", 8836},
    {"ntilde", 241},   {"nu", 957},      {"oacute", 243},   {"ocirc", 244},
    {"oelig", 339},    {"ograve", 242},  {"oline", 8254},   {"omega", 969},
    {"omicron", 959},  {"oplus", 8853},  {"or", 8744},      {"ordf", 170},
    {"ordm", 186},     {"oslash", 248},  {"otilde", 245},   {"otimes", 8855},
    {"ouml", 246},     {"para", 182},    {"part", 8706},    {"permil", 8240},
    {"perp", 8869},    {"phi", 966},     {"pi", 960},       {"piv", 982},
    {"plusmn", 177},   {"pound", 163},   {"prime", 8242},   {"prod", 8719},
    {"prop", 8733},    {"psi", 968},     {"quot", 34},      {"rArr", 8658},
    {"radic", 8730},   {"rang", 9002},   {"raquo", 187},    {"rarr", 8594},
    {"rceil", 8969},   {"rdquo", 8221},  {"real", 8476},    {"reg", 174},
    {"rfloor", 8971},  {"rho", 961},     {"rlm", 8207},     {"rsaquo", 8250},
    {"rsquo", 8217},   {"sbquo", 8218},  {"scaron", 353},   {"sdot", 8901},
    {"sect", 167},     {"shy", 173},     {"sigma", 963},    {"sigmaf", 962},
    {"sim", 8764},     {"spades", 9824}, {"sub", 8834},     {"sube", 8838},
    {"sum", 8721},     {"sup", 8835},    {"sup1", 185},     {"sup2", 178},
    {"sup3", 179},     {"supe", 8839},   {"szlig", 223},    {"tau", 964},
    {"there4", 8756},  {"theta", 952},   {"thetasym", 977}, {"thinsp", 8201},
    {"thorn", 254},    {"tilde", 732},   {"times", 215},    {"trade", 8482},
    {"uArr", 8657},    {"uacute", 250},  {"uarr", 8593},    {"ucirc", 251},
    {"ugrave", 249},   {"uml", 168},     {"upsih", 978},    {"upsilon", 965},
    {"uuml", 252},     {"weierp", 8472}, {"xi", 958},       {"yacute", 253},
    {"yen", 165},      {"yuml", 255},    {"zeta", 950},     {"zwj", 8205},
    {"zwnj", 8204},
};

#define ENTITY_MAX 8 /* longest name */

/* C1 code points as numeric references mean Windows-1252 (HTML5 rule). */
static const uint16_t cp1252[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

static int hexval(unsigned c) {
    if (c - '0' < 10) return (int)(c - '0');
    c |= 0x20;
    if (c - 'a' < 6) return (int)(c - 'a' + 10);
    return -1;
}

/* Compares the name p[0..n) with a NUL-terminated table name. */
static int name_cmp(const uint8_t *p, size_t n, const char *name) {
    size_t nl = strlen(name);
    int c = memcmp(p, name, n < nl ? n : nl);
    if (c) return c;
    return n < nl ? -1 : n > nl;
}

static int entity_lookup(const uint8_t *p, size_t n, unsigned *cp) {
    size_t lo = 0, hi = sizeof entities / sizeof entities[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(p, n, entities[mid].name);
        if (c == 0) {
            *cp = entities[mid].cp;
            return 1;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* Decodes the character reference at p[0] == '&' (n bytes available).
 * Returns the bytes it spans and sets *cp, or 0 when it is none (the '&'
 * is then literal).  Named references need their ';' (so "AT&T" and
 * "&copy 2020" stay as written); numeric ones may omit it, as browsers
 * allow. */
static size_t char_ref(const uint8_t *p, size_t n, unsigned *cp) {
    size_t i = 1;
    if (i < n && p[i] == '#') {
        int hex = 0;
        uint32_t v = 0;
        i++;
        if (i < n && (p[i] | 0x20) == 'x') {
            hex = 1;
            i++;
        }
        size_t d0 = i;
        for (; i < n; i++) {
            int d = hex ? hexval(p[i]) : IS_DIGIT(p[i]) ? p[i] - '0' : -1;
            if (d < 0) break;
            if (v <= 0x10FFFF) v = v * (hex ? 16 : 10) + (uint32_t)d;
        }
        if (i == d0) return 0;
        if (i < n && p[i] == ';') i++;
        if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            v = 0xFFFD;
        else if (v >= 0x80 && v < 0xA0)
            v = cp1252[v - 0x80];
        *cp = v;
        return i;
    }
    while (i < n && i <= ENTITY_MAX && (IS_ALPHA(p[i]) || IS_DIGIT(p[i])))
        i++;
    if (i == 1 || i >= n || p[i] != ';') return 0;
    if (!entity_lookup(p + 1, i - 1, cp)) return 0;
    return i + 1;
}

/* ------------------------------------------------------------ output */

enum { PEND_NONE, PEND_SPACE, PEND_PARA };

/* Appends text with whitespace collapsed: separators are only owed, and
 * written before the next text, so none lead or trail. */
typedef struct writer {
    zk_buf *b; /* output, or NULL to discard */
    int pend;  /* PEND_*: separator owed before the next text */
    int any;   /* text written by this call */
    int rc;    /* sticky: 0 or ZOEK_ENOMEM */
} writer;

static void w_text(writer *w, const void *p, size_t n) {
    if (!n || !w->b || w->rc) return;
    if (w->any && w->pend != PEND_NONE) {
        if (w->pend == PEND_PARA ? zk_buf_put(w->b, "\n\n", 2)
                                 : zk_buf_putc(w->b, ' ')) {
            w->rc = ZOEK_ENOMEM;
            return;
        }
    }
    w->pend = PEND_NONE;
    w->any = 1;
    if (zk_buf_put(w->b, p, n)) w->rc = ZOEK_ENOMEM;
}

static void w_space(writer *w) {
    if (w->pend == PEND_NONE) w->pend = PEND_SPACE;
}

static void w_para(writer *w) {
    w->pend = PEND_PARA;
}

static void w_codepoint(writer *w, unsigned cp) {
    uint8_t d[4];
    size_t n;
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
        cp == 0xA0) {
        w_space(w); /* &nbsp; too: it should not glue words */
        return;
    }
    if (cp == 0xAD) return; /* &shy; only marks a possible hyphenation */
    if (cp < 0x80) {
        d[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        d[0] = (uint8_t)(0xC0 | cp >> 6);
        d[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        d[0] = (uint8_t)(0xE0 | cp >> 12);
        d[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        d[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        d[0] = (uint8_t)(0xF0 | cp >> 18);
        d[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
        d[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        d[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    w_text(w, d, n);
}

/* Writes the character data p[0..n): whitespace collapsed and, if
 * `refs`, character references decoded. */
static void w_chars(writer *w, const uint8_t *p, size_t n, int refs) {
    /* Bytes that end a run of plain text: 1 whitespace, 2 a reference. */
    static const uint8_t stop[256] = {
        ['\t'] = 1, ['\n'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1, ['&'] = 2};
    const uint8_t mask = refs ? 3 : 1;
    size_t i = 0;
    while (i < n && !w->rc) {
        uint8_t c = p[i];
        if (stop[c] & 1) {
            w_space(w);
            for (i++; i < n && (stop[p[i]] & 1); i++) {
            }
            continue;
        }
        if (stop[c] & mask) {
            unsigned cp;
            size_t m = char_ref(p + i, n - i, &cp);
            if (m) {
                w_codepoint(w, cp);
                i += m;
            } else {
                w_text(w, "&", 1);
                i++;
            }
            continue;
        }
        /* A run of text; single spaces between words stay inside it. */
        size_t j = i + 1;
        for (;;) {
            while (j < n && !(stop[p[j]] & mask))
                j++;
            if (j + 1 < n && p[j] == ' ' && !(stop[p[j + 1]] & mask)) {
                j += 2;
                continue;
            }
            break;
        }
        w_text(w, p + i, j - i);
        i = j;
    }
}

/* ------------------------------------------------------------ elements */

enum {
    T_BLOCK = 1, /* starts and ends a paragraph */
    T_RAW = 2,   /* raw text up to its end tag, dropped */
    T_DROP = 4,  /* content dropped up to the matching end tag */
    T_TITLE = 8  /* the document title (text up to </title>) */
};

/* The elements that matter, sorted by name; all others are ignored.
 * <head> needs no entry: its only text is the <title>, and its scripts,
 * styles, noscripts and templates are dropped wherever they are.  Like a
 * browser, text and body elements in an unclosed <head> become body. */
static const struct tag {
    char name[11]; /* lower-case name */
    uint8_t flags; /* T_* */
} tags[] = {
    {"address", T_BLOCK},    {"article", T_BLOCK},    {"aside", T_BLOCK},
    {"blockquote", T_BLOCK}, {"body", T_BLOCK},       {"br", T_BLOCK},
    {"caption", T_BLOCK},    {"center", T_BLOCK},     {"dd", T_BLOCK},
    {"details", T_BLOCK},    {"dialog", T_BLOCK},     {"dir", T_BLOCK},
    {"div", T_BLOCK},        {"dl", T_BLOCK},         {"dt", T_BLOCK},
    {"fieldset", T_BLOCK},   {"figcaption", T_BLOCK}, {"figure", T_BLOCK},
    {"footer", T_BLOCK},     {"form", T_BLOCK},       {"frame", T_BLOCK},
    {"frameset", T_BLOCK},   {"h1", T_BLOCK},         {"h2", T_BLOCK},
    {"h3", T_BLOCK},         {"h4", T_BLOCK},         {"h5", T_BLOCK},
    {"h6", T_BLOCK},         {"header", T_BLOCK},     {"hgroup", T_BLOCK},
    {"hr", T_BLOCK},         {"html", T_BLOCK},       {"iframe", T_RAW},
    {"legend", T_BLOCK},     {"li", T_BLOCK},         {"main", T_BLOCK},
    {"menu", T_BLOCK},       {"nav", T_BLOCK},        {"noembed", T_RAW},
    {"noframes", T_RAW},     {"noscript", T_RAW},     {"ol", T_BLOCK},
    {"optgroup", T_BLOCK},   {"option", T_BLOCK},     {"p", T_BLOCK},
    {"pre", T_BLOCK},        {"script", T_RAW},       {"section", T_BLOCK},
    {"style", T_RAW},        {"summary", T_BLOCK},    {"svg", T_DROP},
    {"table", T_BLOCK},      {"tbody", T_BLOCK},      {"td", T_BLOCK},
    {"template", T_DROP},    {"textarea", T_RAW},     {"tfoot", T_BLOCK},
    {"th", T_BLOCK},         {"thead", T_BLOCK},      {"title", T_TITLE},
    {"tr", T_BLOCK},         {"ul", T_BLOCK},         {"xmp", T_RAW},
};

#define NTAGS (sizeof tags / sizeof tags[0])
#define TAG_MAX 10 /* longest name in tags[] */

/* The state of one html_to_text() call. */
typedef struct hstate {
    const uint8_t *s;    /* the document */
    size_t len;          /* its bytes */
    writer text;         /* the text */
    writer title;        /* the first non-empty <title> */
    size_t drop;         /* 1 + tags[] index of the T_DROP element whose
                            content is being dropped, or 0 */
    size_t drop_depth;   /* open elements of that name */
    size_t no_title_end; /* no "</title" at or after this offset */
} hstate;

/* Reads the tag name at s[i] (its first byte a letter).  Returns its end;
 * *tag is 1 + its tags[] index, or 0 for any other element. */
static size_t tag_name(const hstate *h, size_t i, size_t *tag) {
    const uint8_t *s = h->s;
    size_t j = i;
    char low[TAG_MAX + 1];
    while (j < h->len && !IS_WS(s[j]) && s[j] != '/' && s[j] != '>') {
        if (j - i < TAG_MAX) {
            uint8_t c = s[j];
            low[j - i] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
        }
        j++;
    }
    *tag = 0;
    if (j - i > TAG_MAX) return j;
    size_t lo = 0, hi = NTAGS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp((const uint8_t *)low, j - i, tags[mid].name);
        if (c == 0) {
            *tag = mid + 1;
            break;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return j;
}

/* tag_end() when the input ends inside the tag. */
#define TAG_EOF ((size_t)-1)

/* Skips the attributes of a tag from s[i] (just after its name) to its
 * '>', honouring quoted values ("a>b" does not end the tag).  Returns the
 * offset after '>', or TAG_EOF when the input ends first (the tag is then
 * dropped).  *selfclose tells whether it ended with "/>". */
static size_t tag_end(const hstate *h, size_t i, int *selfclose) {
    const uint8_t *s = h->s;
    size_t len = h->len;
    *selfclose = 0;
    for (;;) {
        while (i < len && IS_WS(s[i]))
            i++;
        if (i >= len) return TAG_EOF;
        if (s[i] == '>') return i + 1;
        if (s[i] == '/') {
            i++;
            if (i < len && s[i] == '>') {
                *selfclose = 1;
                return i + 1;
            }
            continue;
        }
        /* An attribute name (its first byte may be anything, even '='). */
        for (i++; i < len && !IS_WS(s[i]) && s[i] != '/' && s[i] != '>' &&
                  s[i] != '=';
             i++) {
        }
        while (i < len && IS_WS(s[i]))
            i++;
        if (i >= len || s[i] != '=') continue;
        for (i++; i < len && IS_WS(s[i]); i++) {
        }
        if (i < len && (s[i] == '"' || s[i] == '\'')) {
            const uint8_t *q = memchr(s + i + 1, s[i], len - i - 1);
            if (!q) return TAG_EOF;
            i = (size_t)(q - s) + 1;
        } else {
            while (i < len && !IS_WS(s[i]) && s[i] != '>')
                i++;
        }
    }
}

/* The offset of the next '>' at or after i, plus one; len if none. */
static size_t skip_past_gt(const hstate *h, size_t i) {
    const uint8_t *g = i < h->len ? memchr(h->s + i, '>', h->len - i) : NULL;
    return g ? (size_t)(g - h->s) + 1 : h->len;
}

/* The offset of the first "ab>" at or after i (a, b: bytes), or len. */
static size_t find_close(const hstate *h, size_t i, uint8_t a, uint8_t b) {
    const uint8_t *s = h->s;
    size_t k = i;
    while (k < h->len) {
        const uint8_t *g = memchr(s + k, '>', h->len - k);
        if (!g) break;
        size_t at = (size_t)(g - s);
        if (at >= i + 2 && s[at - 2] == a && s[at - 1] == b) return at - 2;
        k = at + 1;
    }
    return h->len;
}

/* Skips a comment whose "<!--" ends at i.  Unclosed: to the end. */
static size_t skip_comment(const hstate *h, size_t i) {
    const uint8_t *s = h->s;
    size_t len = h->len;
    if (i < len && s[i] == '>') return i + 1; /* "<!-->" */
    if (len - i >= 2 && s[i] == '-' && s[i + 1] == '>') return i + 2;
    for (size_t k = i; k < len;) {
        const uint8_t *g = memchr(s + k, '>', len - k);
        if (!g) break;
        size_t at = (size_t)(g - s);
        if (at >= i + 2 && s[at - 2] == '-' && s[at - 1] == '-') return at + 1;
        if (at >= i + 3 && s[at - 3] == '-' && s[at - 2] == '-' &&
            s[at - 1] == '!')
            return at + 1; /* "--!>" also ends a comment */
        k = at + 1;
    }
    return len;
}

/* The offset of the first end tag "</name" (any case, followed by
 * whitespace, '/', '>' or the end) at or after i, or len. */
static size_t find_end_tag(const hstate *h, size_t i, const char *name) {
    const uint8_t *s = h->s;
    size_t len = h->len, n = strlen(name);
    while (i < len) {
        const uint8_t *lt = memchr(s + i, '<', len - i);
        if (!lt) break;
        size_t k = (size_t)(lt - s), j;
        if (len - k >= n + 2 && s[k + 1] == '/') {
            for (j = 0; j < n; j++) {
                uint8_t c = s[k + 2 + j];
                if ((c >= 'A' && c <= 'Z' ? c | 0x20 : c) != (uint8_t)name[j])
                    break;
            }
            if (j == n && (k + 2 + n == len || IS_WS(s[k + 2 + n]) ||
                           s[k + 2 + n] == '/' || s[k + 2 + n] == '>'))
                return k;
        }
        i = k + 1;
    }
    return len;
}

/* Skips the end tag "</name" found at k.  Returns the offset after it. */
static size_t skip_end_tag(const hstate *h, size_t k, const char *name) {
    int selfclose;
    if (k >= h->len) return h->len;
    size_t end = tag_end(h, k + 2 + strlen(name), &selfclose);
    return end == TAG_EOF ? h->len : end;
}

/* The content of <title> from i: text up to "</title" with references
 * decoded.  Without an end tag it stops at the next '<' (a browser would
 * take the rest of the document; losing all text to a typo is worse). */
static size_t title_content(hstate *h, size_t i) {
    size_t k = h->len;
    if (i < h->no_title_end) k = find_end_tag(h, i, "title");
    if (k >= h->len) {
        const uint8_t *lt;
        if (i < h->no_title_end) h->no_title_end = i;
        lt = memchr(h->s + i, '<', h->len - i);
        k = lt ? (size_t)(lt - h->s) : h->len;
        if (h->title.b && !h->title.any) w_chars(&h->title, h->s + i, k - i, 1);
        return k;
    }
    if (h->title.b && !h->title.any) w_chars(&h->title, h->s + i, k - i, 1);
    return skip_end_tag(h, k, "title");
}

/* A start tag at s[i] == '<' (a letter follows).  Returns where parsing
 * goes on. */
static size_t start_tag(hstate *h, size_t i) {
    size_t tag, end;
    int selfclose;
    end = tag_end(h, tag_name(h, i + 1, &tag), &selfclose);
    if (end == TAG_EOF) return h->len; /* unclosed at the end: dropped */
    unsigned fl = tag ? tags[tag - 1].flags : 0;
    const char *name = tag ? tags[tag - 1].name : "";
    if (h->drop) {
        if (tag == h->drop && !selfclose)
            h->drop_depth++;
        else if ((fl & T_RAW) && !selfclose)
            end = skip_end_tag(h, find_end_tag(h, end, name), name);
        return end;
    }
    if (fl & T_BLOCK) w_para(&h->text);
    if (selfclose) return end; /* <script/>, <svg/>: nothing inside */
    if (fl & T_RAW) return skip_end_tag(h, find_end_tag(h, end, name), name);
    if (fl & T_DROP) {
        h->drop = tag;
        h->drop_depth = 1;
    } else if (fl & T_TITLE) {
        end = title_content(h, end);
    }
    return end;
}

/* An end tag at s[i] == '<', s[i + 1] == '/' (a letter follows). */
static size_t end_tag(hstate *h, size_t i) {
    size_t tag, end;
    int selfclose;
    end = tag_end(h, tag_name(h, i + 2, &tag), &selfclose);
    if (end == TAG_EOF) return h->len;
    if (h->drop) {
        if (tag == h->drop && --h->drop_depth == 0) h->drop = 0;
        return end;
    }
    if (tag && (tags[tag - 1].flags & T_BLOCK)) w_para(&h->text);
    return end;
}

/* Markup at s[i] == '<'.  Returns where parsing goes on. */
static size_t markup(hstate *h, size_t i) {
    const uint8_t *s = h->s;
    size_t n = h->len - i;
    if (n >= 2 && IS_ALPHA(s[i + 1])) return start_tag(h, i);
    if (n >= 3 && s[i + 1] == '/' && IS_ALPHA(s[i + 2])) return end_tag(h, i);
    if (n >= 4 && memcmp(s + i, "<!--", 4) == 0) return skip_comment(h, i + 4);
    if (n >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
        size_t k = find_close(h, i + 9, ']', ']');
        if (!h->drop) w_chars(&h->text, s + i + 9, k - (i + 9), 0);
        return k < h->len ? k + 3 : k;
    }
    /* <!DOCTYPE>, <?xml ?>, </ 3>: bogus comments up to '>'. */
    if (n >= 3 && (s[i + 1] == '!' || s[i + 1] == '?' || s[i + 1] == '/'))
        return skip_past_gt(h, i + 2);
    if (n == 2 && (s[i + 1] == '!' || s[i + 1] == '?')) return h->len;
    /* A '<' that starts no markup ("a < b", "</" at the end) is text. */
    if (!h->drop) w_text(&h->text, "<", 1);
    return i + 1;
}

int html_to_text(const char *in, size_t len, zk_buf *text, zk_buf *title) {
    hstate h;
    size_t i = 0;

    memset(&h, 0, sizeof h);
    h.s = (const uint8_t *)in;
    h.len = in ? len : 0;
    h.text.b = text;
    h.title.b = title;
    h.no_title_end = h.len;
    while (i < h.len && !h.text.rc && !h.title.rc) {
        const uint8_t *lt = memchr(h.s + i, '<', h.len - i);
        size_t k = lt ? (size_t)(lt - h.s) : h.len;
        if (!h.drop) w_chars(&h.text, h.s + i, k - i, 1);
        if (k >= h.len) break;
        i = markup(&h, k);
    }
    return h.text.rc ? h.text.rc : h.title.rc;
}
