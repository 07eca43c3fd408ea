/* normalize.c - UTF-8 repair, NFC + case folding of words and per-language
 * diacritic folds, with an ASCII fast path (utf8proc for the rest). */
#include "normalize.h"

#include <utf8proc.h>

/* Decodes one UTF-8 sequence strictly.  Returns its length and the code
 * point in *cp, or 0 if the bytes at p are not a valid sequence. */
static size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp) {
    uint8_t c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2) return 0;
    if (c < 0xE0) {
        if (n < 2 || (p[1] & 0xC0) != 0x80) return 0;
        *cp = (uint32_t)(c & 0x1F) << 6 | (p[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        uint32_t v = (uint32_t)(c & 0x0F) << 12 |
                     (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF)) return 0;
        *cp = v;
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
            (p[3] & 0xC0) != 0x80)
            return 0;
        uint32_t v = (uint32_t)(c & 0x07) << 18 |
                     (uint32_t)(p[1] & 0x3F) << 12 |
                     (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
        if (v < 0x10000 || v > 0x10FFFF) return 0;
        *cp = v;
        return 4;
    }
    return 0;
}

/* Length of the maximal prefix of an invalid sequence to replace by one
 * U+FFFD (the "maximal subpart" practice of Unicode ch. 3). */
static size_t utf8_bad_len(const uint8_t *p, size_t n) {
    uint8_t c = p[0];
    size_t want;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c < 0xE0) want = 2;
    else if (c >= 0xE0 && c < 0xF0) {
        want = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c < 0xF5) {
        want = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 1;
    size_t i = 1;
    if (i < n && p[i] >= lo && p[i] <= hi) {
        i++;
        while (i < want && i < n && (p[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

int norm_is_valid_utf8(const char *in, size_t len) {
    const uint8_t *p = (const uint8_t *)in;
    size_t i = 0;
    while (i < len) {
        if (p[i] >= 0x80) {
            uint32_t cp;
            size_t k = utf8_decode(p + i, len - i, &cp);
            if (!k) return 0;
            i += k;
        } else {
            if (p[i] == 0) return 0;
            i++;
        }
    }
    return 1;
}

int norm_repair_utf8(const char *in, size_t len, zk_buf *out, size_t *nbad) {
    const uint8_t *p = (const uint8_t *)in;
    size_t bad = 0, i = 0, run = 0;
    if (zk_buf_reserve(out, len)) return ZOEK_ENOMEM;
    while (i < len) {
        /* eight bytes at a time while they are ASCII and not NUL */
        while (len - i >= 8) {
            uint64_t x = zk_get_le64(p + i);
            if ((x | (x - 0x0101010101010101u)) & 0x8080808080808080u) break;
            i += 8;
        }
        if (i >= len) break;
        uint8_t c = p[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t k = utf8_decode(p + i, len - i, &cp);
            if (k) {
                i += k;
                continue;
            }
        } else if (c) {
            i++;
            continue;
        }
        /* flush the valid run, then the replacement */
        if (zk_buf_put(out, p + run, i - run)) return ZOEK_ENOMEM;
        if (c == 0) {
            if (zk_buf_putc(out, ' ')) return ZOEK_ENOMEM;
            i++;
        } else {
            if (zk_buf_put(out, "\xEF\xBF\xBD", 3)) return ZOEK_ENOMEM;
            i += utf8_bad_len(p + i, len - i);
        }
        bad++;
        run = i;
    }
    if (zk_buf_put(out, p + run, len - run)) return ZOEK_ENOMEM;
    if (nbad) *nbad = bad;
    return 0;
}

static int is_apostrophe(uint32_t cp) {
    return cp == 0x2019 || cp == 0x2018 || cp == 0x02BC || cp == 0x02B9 ||
           cp == 0x0060 || cp == 0x00B4 || cp == 0x2032;
}

/* Code points of a word; words longer than this are not terms anyway. */
#define MAX_CP 256

/* Latin names of the lower-case Greek letters U+03B1..U+03C9 (after case
 * folding, final sigma, micro sign and the symbol variants are among
 * them). */
static const char *const greek_names[25] = {
    "alpha", "beta",  "gamma",   "delta", "epsilon", "zeta",  "eta",
    "theta", "iota",  "kappa",   "lambda", "mu",     "nu",    "xi",
    "omicron", "pi",  "rho",     "sigma", "sigma",   "tau",   "upsilon",
    "phi",   "chi",   "psi",     "omega"};

static int is_greek(utf8proc_int32_t c) { return c >= 0x3B1 && c <= 0x3C9; }

/* Science writes Greek letters in names and symbols (TNF-α, IL-1β,
 * NF-κB, αvβ3, γδ) as often as their Latin names (TNF-alpha, IL-1beta,
 * NF-kappaB): a Greek letter in a word with a Latin letter or digit, and
 * a word of one or two Greek letters, become the names.  Words of three
 * or more Greek letters and nothing else are Greek and stay.  Rewrites
 * buf[0..*n) (case-folded, decomposed); returns 0, or -1 if the result
 * does not fit in cap code points. */
static int greek_to_latin(utf8proc_int32_t *buf, utf8proc_ssize_t *n,
                          utf8proc_ssize_t cap) {
    utf8proc_ssize_t ngreek = 0, extra = 0;
    int latin = 0;
    for (utf8proc_ssize_t i = 0; i < *n; i++) {
        utf8proc_int32_t c = buf[i];
        if (is_greek(c)) {
            ngreek++;
            extra += (utf8proc_ssize_t)strlen(greek_names[c - 0x3B1]) - 1;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   (c >= 0xC0 && c < 0x250)) {
            latin = 1;
        }
    }
    if (!ngreek || (!latin && ngreek > 2)) return 0;
    if (*n + extra > cap) return -1;
    /* from the end, so the names never overwrite unread code points */
    utf8proc_ssize_t w = *n + extra;
    for (utf8proc_ssize_t i = *n; i-- > 0;) {
        utf8proc_int32_t c = buf[i];
        if (!is_greek(c)) {
            buf[--w] = c;
            continue;
        }
        const char *name = greek_names[c - 0x3B1];
        for (size_t k = strlen(name); k-- > 0;)
            buf[--w] = (unsigned char)name[k];
    }
    *n += extra;
    return 0;
}

size_t norm_fold_word(const char *in, size_t len, char *out) {
    const uint8_t *p = (const uint8_t *)in;
    size_t i;
    for (i = 0; i < len && p[i] < 0x80; i++) {}
    if (i == len) { /* ASCII fast path */
        if (len >= NORM_BUF) return 0;
        for (i = 0; i < len; i++) {
            uint8_t c = p[i];
            out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        out[len] = 0;
        return len;
    }
    utf8proc_int32_t buf[MAX_CP * 4];
    utf8proc_ssize_t n = 0;
    i = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = utf8_decode(p + i, len - i, &cp);
        if (!k) {
            cp = 0xFFFD;
            k = 1;
        }
        i += k;
        if (is_apostrophe(cp)) cp = '\'';
        else if (cp == 0x0133 || cp == 0x0132) { /* ĳ, Ĳ */
            if (n + 2 > MAX_CP * 4) return 0;
            buf[n++] = 'i';
            buf[n++] = 'j';
            continue;
        }
        utf8proc_int32_t last_bc = 0;
        utf8proc_ssize_t r = utf8proc_decompose_char(
            (utf8proc_int32_t)cp, buf + n, MAX_CP * 4 - n,
            UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD, &last_bc);
        if (r < 0 || n + r > MAX_CP * 4) return 0;
        n += r;
    }
    if (greek_to_latin(buf, &n, MAX_CP * 4)) return 0;
    /* compose (NFC) and encode in place: needs 4 bytes per code point */
    utf8proc_ssize_t m =
        utf8proc_reencode(buf, n, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    if (m < 0 || (size_t)m >= NORM_BUF) return 0;
    memcpy(out, buf, (size_t)m);
    out[m] = 0;
    return (size_t)m;
}

/* Whether the UTF-8 text s[0, w) ends in a German vowel. */
static int ends_in_vowel(const char *s, size_t w) {
    if (!w) return 0;
    unsigned char c = (unsigned char)s[w - 1];
    if (strchr("aeiouy", c) && c) return 1;
    return w > 1 && (unsigned char)s[w - 2] == 0xC3 &&
           (c == 0xA4 || c == 0xB6 || c == 0xBC);
}

/* German: ae/oe/ue -> ä/ö/ü (Snowball "german2"), except "ue" after 'q'
 * and after a vowel, where the u is a consonant ("Frauen", "neue",
 * "Feuer" keep theirs, as they do in german2).
 * In-place on ASCII-compatible UTF-8; the result is never longer. */
static size_t german_digraphs(char *s, size_t len) {
    size_t r = 0, w = 0;
    while (r < len) {
        char c = s[r];
        if (r + 1 < len && s[r + 1] == 'e' &&
            (c == 'a' || c == 'o' ||
             (c == 'u' && !(w > 0 && s[w - 1] == 'q') &&
              !ends_in_vowel(s, w)))) {
            s[w++] = (char)0xC3;
            s[w++] = (char)(c == 'a' ? 0xA4 : c == 'o' ? 0xB6 : 0xBC);
            r += 2;
            continue;
        }
        s[w++] = c;
        r++;
    }
    s[w] = 0;
    return w;
}

static size_t strip_possessive(char *s, size_t len) {
    if (len > 2 && s[len - 2] == '\'' && s[len - 1] == 's') len -= 2;
    while (len > 0 && s[len - 1] == '\'') len--;
    s[len] = 0;
    return len;
}

size_t norm_lang_fold(int lang, const char *in, size_t len, char *out) {
    const uint8_t *p = (const uint8_t *)in;
    size_t i;
    for (i = 0; i < len && p[i] < 0x80; i++) {}
    if (i == len) {
        if (len >= NORM_BUF) return 0;
        memcpy(out, in, len);
        out[len] = 0;
        len = strip_possessive(out, len);
        if (lang == ZK_LANG_DE) len = german_digraphs(out, len);
        return len;
    }
    /* Strip combining marks, keeping ä ö ü for German. */
    size_t w = 0;
    i = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = utf8_decode(p + i, len - i, &cp);
        if (!k) {
            cp = 0xFFFD;
            k = 1;
        }
        if (cp < 0x80) {
            if (w + 1 >= NORM_BUF) return 0;
            out[w++] = (char)cp;
            i += k;
            continue;
        }
        if (lang == ZK_LANG_DE &&
            (cp == 0xE4 || cp == 0xF6 || cp == 0xFC)) {
            if (w + 2 >= NORM_BUF) return 0;
            memcpy(out + w, p + i, 2);
            w += 2;
            i += k;
            continue;
        }
        utf8proc_int32_t dec[8];
        utf8proc_int32_t last_bc = 0;
        utf8proc_ssize_t r = utf8proc_decompose_char(
            (utf8proc_int32_t)cp, dec, 8, UTF8PROC_DECOMPOSE, &last_bc);
        if (r < 0 || r > 8) return 0;
        for (utf8proc_ssize_t j = 0; j < r; j++) {
            utf8proc_category_t cat = utf8proc_category(dec[j]);
            if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME)
                continue;
            uint8_t enc[4];
            utf8proc_ssize_t el = utf8proc_encode_char(dec[j], enc);
            if (el <= 0 || w + (size_t)el >= NORM_BUF) return 0;
            memcpy(out + w, enc, (size_t)el);
            w += (size_t)el;
        }
        i += k;
    }
    out[w] = 0;
    w = strip_possessive(out, w);
    if (lang == ZK_LANG_DE) w = german_digraphs(out, w);
    return w;
}
