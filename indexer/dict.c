/* dict.c - FreeDict (dictd) reader, dictionary compiler and the encoding of
 * compiled translation lists; the value and file formats are specified in
 * dict.h. */
#include "dict.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <zlib.h>

#include "analyze.h"
#include "codec.h"
#include "normalize.h"
#include "stem.h"

const char *const dict_freedict_names[6] = {
    "freedict-eng-deu", "freedict-deu-eng", "freedict-eng-nld",
    "freedict-nld-eng", "freedict-deu-nld", "freedict-nld-deu"};

/* ------------------------------------------------------------ helpers */

static void set_err(char *err, size_t errlen, const char *msg) {
    if (err && errlen) zk_msg(err, errlen, "%s", msg);
}

/* A strict LEB128 reader: rejects overlong forms, so that every value has
 * exactly one encoding. */
static int get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v) {
    const uint8_t *p = *pp;
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p >= end) return ZOEK_ECORRUPT;
        uint8_t c = *p++;
        if (shift == 63 && c > 1) return ZOEK_ECORRUPT;
        r |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            if (c == 0 && shift > 0) return ZOEK_ECORRUPT; /* overlong */
            *pp = p;
            *v = r;
            return 0;
        }
    }
    return ZOEK_ECORRUPT;
}

/* Whether s[0..n) is a valid key or translation: valid UTF-8 without
 * control bytes, 1..DICT_MAX_TERMS terms joined by single spaces.  *nterms
 * receives the number of terms. */
static int term_ok(const char *s, size_t n, unsigned *nterms) {
    if (n == 0 || n > DICT_MAX_KEY) return 0;
    if (s[0] == ' ' || s[n - 1] == ' ') return 0;
    unsigned terms = 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 0x20 || c == 0x7F) return 0;
        if (c == ' ') {
            if (s[i - 1] == ' ') return 0;
            terms++;
        }
    }
    if (terms > DICT_MAX_TERMS) return 0;
    if (!norm_is_valid_utf8(s, n)) return 0;
    *nterms = terms;
    return 1;
}

/* ------------------------------------------------------ names, base64 */

static int lang_of3(const char *s) {
    if (!memcmp(s, "eng", 3)) return ZK_LANG_EN;
    if (!memcmp(s, "deu", 3)) return ZK_LANG_DE;
    if (!memcmp(s, "nld", 3)) return ZK_LANG_NL;
    return -1;
}

int dict_langs(const char *name, int *src, int *dst) {
    *src = *dst = -1;
    size_t n = name ? strlen(name) : 0;
    if (n < 7) return ZOEK_EINVAL;
    const char *s = name + n - 7;
    if (s[3] != '-' || (n > 7 && s[-1] != '-' && s[-1] != '/'))
        return ZOEK_EINVAL;
    int a = lang_of3(s), b = lang_of3(s + 4);
    if (a < 0 || b < 0 || a == b) return ZOEK_EINVAL;
    *src = a;
    *dst = b;
    return 0;
}

static int b64_digit(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int dict_b64(const char *s, size_t len, uint64_t *out) {
    *out = 0;
    if (len == 0 || len > 8) return ZOEK_EINPUT;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        int d = b64_digit((unsigned char)s[i]);
        if (d < 0) return ZOEK_EINPUT;
        v = v << 6 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

int dict_parse_index_line(const char *line, size_t len, dict_index_line *out,
                          char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (err && errlen) err[0] = 0;
    if (len && line[len - 1] == '\r') len--;
    const char *end = line + len;
    const char *t1 = memchr(line, '\t', len);
    if (!t1) {
        set_err(err, errlen, "no tab after the headword");
        return ZOEK_EINPUT;
    }
    const char *o = t1 + 1;
    const char *t2 = memchr(o, '\t', (size_t)(end - o));
    if (!t2) {
        set_err(err, errlen, "no tab after the offset");
        return ZOEK_EINPUT;
    }
    const char *l = t2 + 1;
    const char *t3 = memchr(l, '\t', (size_t)(end - l));
    const char *lend = t3 ? t3 : end;
    uint64_t off, n;
    if (dict_b64(o, (size_t)(t2 - o), &off)) {
        set_err(err, errlen, "bad offset");
        return ZOEK_EINPUT;
    }
    if (dict_b64(l, (size_t)(lend - l), &n)) {
        set_err(err, errlen, "bad length");
        return ZOEK_EINPUT;
    }
    out->head = line;
    out->head_len = (size_t)(t1 - line);
    out->off = off;
    out->len = n;
    return 0;
}

/* ------------------------------------------------------ entry parser */

int dict_raw_new(int src, int dst, dict_raw **out) {
    *out = NULL;
    if (src < 0 || src > 2 || dst < 0 || dst > 2 || src == dst)
        return ZOEK_EINVAL;
    dict_raw *d = zk_calloc(1, sizeof *d);
    if (!d) return ZOEK_ENOMEM;
    d->src = src;
    d->dst = dst;
    *out = d;
    return 0;
}

void dict_raw_free(dict_raw *d) {
    if (!d) return;
    zk_buf_free(&d->text);
    zk_buf_free(&d->scratch);
    zk_free(d->e);
    zk_free(d->p);
    zk_free(d);
}

static int is_space(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of a hyphen (ASCII '-', U+2010, U+2011) ending at s + n, or 0. */
static size_t hyphen_before(const char *s, size_t n) {
    if (n >= 1 && s[n - 1] == '-') return 1;
    if (n >= 3 && (uint8_t)s[n - 3] == 0xE2 && (uint8_t)s[n - 2] == 0x80 &&
        ((uint8_t)s[n - 1] == 0x90 || (uint8_t)s[n - 1] == 0x91))
        return 3;
    return 0;
}

static int hyphen_at(const char *s, size_t n) {
    if (n >= 1 && s[0] == '-') return 1;
    return n >= 3 && (uint8_t)s[0] == 0xE2 && (uint8_t)s[1] == 0x80 &&
           ((uint8_t)s[2] == 0x90 || (uint8_t)s[2] == 0x91);
}

/* Copies s[0..n) to out without bracketed parts ((...), [...], <...>,
 * {...}, nested or not; stray closers are dropped, an unclosed opener drops
 * the rest) and with whitespace runs collapsed to one space, trimmed. */
static int clean(const char *s, size_t n, zk_buf *out) {
    out->len = 0;
    if (zk_buf_reserve(out, n)) return ZOEK_ENOMEM;
    unsigned depth = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == '(' || c == '[' || c == '<' || c == '{') {
            depth++;
            continue;
        }
        if (c == ')' || c == ']' || c == '>' || c == '}') {
            if (depth) depth--;
            continue;
        }
        if (depth) continue;
        if (is_space(c)) {
            if (out->len && out->p[out->len - 1] != ' ')
                out->p[out->len++] = ' ';
            continue;
        }
        out->p[out->len++] = c;
    }
    while (out->len && out->p[out->len - 1] == ' ')
        out->len--;
    return 0;
}

/* Appends the cleaned text in d->scratch to d->text; *off receives where. */
static int keep_scratch(dict_raw *d, uint32_t *off) {
    if (d->text.len > UINT32_MAX - d->scratch.len) return ZOEK_EINPUT;
    *off = (uint32_t)d->text.len;
    return zk_buf_put(&d->text, d->scratch.p, d->scratch.len);
}

/* Adds one phrase s[0..n) of the current entry, if anything is left of it
 * after cleaning.  Returns 1 if added, 0 if not, or an error. */
static int add_phrase(dict_raw *d, const char *s, size_t n, uint32_t sense) {
    int rc = clean(s, n, &d->scratch);
    if (rc) return rc;
    const char *c = (const char *)d->scratch.p;
    size_t len = d->scratch.len;
    if (!len) return 0;
    /* a pronunciation left over from an abbreviation: "/ˈɪz/" */
    if (len >= 2 && c[0] == '/' && c[len - 1] == '/') return 0;
    /* an affix: "-heit", "‐ness", "Gipfel-" */
    if (hyphen_at(c, len) || hyphen_before(c, len)) return 0;
    if (d->np == d->pcap &&
        zk_grow((void **)&d->p, &d->pcap, d->np + 1, sizeof(dict_phrase)))
        return ZOEK_ENOMEM;
    dict_phrase *p = &d->p[d->np];
    if ((rc = keep_scratch(d, &p->off))) return rc;
    p->len = (uint32_t)len;
    p->sense = sense;
    d->np++;
    return 1;
}

/* Splits a translation line at ',' and ';' outside brackets.  Returns the
 * number of phrases added or an error. */
static int add_line(dict_raw *d, const char *s, size_t n, uint32_t sense) {
    unsigned depth = 0;
    size_t start = 0;
    int added = 0;
    for (size_t i = 0; i <= n; i++) {
        uint8_t c = i < n ? (uint8_t)s[i] : ',';
        if (c == '(' || c == '[' || c == '<' || c == '{') {
            depth++;
        } else if (c == ')' || c == ']' || c == '>' || c == '}') {
            if (depth) depth--;
        } else if ((c == ',' || c == ';') && (depth == 0 || i == n)) {
            int rc = add_phrase(d, s + start, i - start, sense);
            if (rc < 0) return rc;
            added += rc;
            start = i + 1;
        }
    }
    return added;
}

/* The headword part of a headword line: before the pronunciation
 * (" /.../"), when there is one. */
static size_t head_end(const char *s, size_t n) {
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == ' ' && s[i + 1] == '/' && memchr(s + i + 2, '/', n - i - 2))
            return i;
    return n;
}

/* Length of a sense number "12. " at the start of s, or 0. */
static size_t sense_number(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && i < 4 && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == 0 || i + 1 >= n || s[i] != '.' || s[i + 1] != ' ') return 0;
    return i + 2;
}

static int parse_entry1(dict_raw *d, const char *text, size_t len,
                        const char *fb, size_t fblen) {
    if (d->ne == d->ecap &&
        zk_grow((void **)&d->e, &d->ecap, d->ne + 1, sizeof(dict_entry)))
        return ZOEK_ENOMEM;
    /* the pools use 32-bit offsets */
    if (len > UINT32_MAX / 2 || fblen > UINT32_MAX / 2 ||
        d->text.len > UINT32_MAX - len - fblen || d->np > UINT32_MAX - len)
        return ZOEK_EINPUT;
    size_t i = 0;
    const char *line = NULL;
    size_t ll = 0;
    /* the headword line: the first one that is not blank */
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        size_t k = i;
        while (k < e && is_space((uint8_t)text[k]))
            k++;
        if (k < e) {
            line = text + i;
            ll = e - i;
            i = e + 1;
            break;
        }
        i = e + 1;
    }
    dict_entry *en = &d->e[d->ne];
    memset(en, 0, sizeof *en);
    int rc = 0;
    if (line) rc = clean(line, head_end(line, ll), &d->scratch);
    if (rc) return rc;
    if (!line || !d->scratch.len) {
        if ((rc = clean(fb, fblen, &d->scratch))) return rc;
        if (!d->scratch.len) return 0;
    }
    if ((rc = keep_scratch(d, &en->head_off))) return rc;
    en->head_len = (uint32_t)d->scratch.len;
    en->first = (uint32_t)d->np;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        const char *s = text + i;
        size_t n = e - i;
        i = e + 1;
        size_t ind = 0;
        while (ind < n && s[ind] == ' ')
            ind++;
        if (ind == n || is_space((uint8_t)s[ind])) continue; /* blank */
        /* Ding's notes, examples, synonyms (indented by 2 or more) and
         * " see:" references; its labelled translation lines start with
         * " [" */
        if (ind >= 2 || (ind == 1 && s[1] != '[')) continue;
        size_t num = ind ? 0 : sense_number(s, n);
        rc = add_line(d, s + num, n - num, en->nsenses);
        if (rc < 0) return rc;
        if (rc > 0) en->nsenses++;
    }
    en->n = (uint32_t)(d->np - en->first);
    if (!en->n) d->nempty++;
    d->ne++;
    return 0;
}

/* Parses one entry; on failure d is left as it was. */
static int parse_entry(dict_raw *d, const char *text, size_t len,
                       const char *fb, size_t fblen) {
    size_t np = d->np, tl = d->text.len, nempty = d->nempty;
    int rc = parse_entry1(d, text, len, fb, fblen);
    if (rc) {
        d->np = np;
        d->text.len = tl;
        d->nempty = nempty;
    }
    return rc;
}

/* parse_entry on valid UTF-8: repairs first when needed. */
static int parse_entry_utf8(dict_raw *d, const char *text, size_t len,
                            const char *fb, size_t fblen) {
    int ok = norm_is_valid_utf8(text, len);
    int okf = norm_is_valid_utf8(fb, fblen);
    if (ok && okf) return parse_entry(d, text, len, fb, fblen);
    zk_buf fix = {0}, fixfb = {0};
    int rc = 0;
    if (!ok && (rc = norm_repair_utf8(text, len, &fix, NULL))) goto out;
    if (!okf && (rc = norm_repair_utf8(fb, fblen, &fixfb, NULL))) goto out;
    rc = parse_entry(d, ok ? text : (const char *)fix.p, ok ? len : fix.len,
                     okf ? fb : (const char *)fixfb.p, okf ? fblen : fixfb.len);
out:
    zk_buf_free(&fix);
    zk_buf_free(&fixfb);
    return rc;
}

int dict_parse_entry(dict_raw *d, const char *text, size_t len) {
    return parse_entry_utf8(d, text, len, "", 0);
}

/* ---------------------------------------------------- whole dictionary */

/* An index line kept for reading. */
typedef struct iref {
    uint64_t off;     /* entry offset */
    uint64_t len;     /* entry length */
    const char *head; /* index headword */
    size_t head_len;  /* its bytes */
    uint8_t meta;     /* a 00-database-* entry */
} iref;

static int iref_cmp(const void *a, const void *b) {
    const iref *x = a, *y = b;
    if (x->off != y->off) return x->off < y->off ? -1 : 1;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return (int)y->meta - (int)x->meta; /* metadata first */
}

static int is_meta(const char *h, size_t n) {
    return (n >= 10 && !memcmp(h, "00database", 10)) ||
           (n >= 11 && !memcmp(h, "00-database", 11));
}

int dict_parse(const char *index, size_t ilen, const char *data, size_t dlen,
               int src, int dst, const char *what, dict_raw **out, char *err,
               size_t errlen) {
    *out = NULL;
    if (err && errlen) err[0] = 0;
    if (!what) what = "index";
    if (ilen > DICT_MAX_DATA || dlen > DICT_MAX_DATA) {
        zk_msg(err, errlen, "%s: larger than %u bytes", what, DICT_MAX_DATA);
        return ZOEK_ECORRUPT;
    }
    dict_raw *d;
    int rc = dict_raw_new(src, dst, &d);
    if (rc) {
        set_err(err, errlen, "bad language pair");
        return rc;
    }
    iref *refs = NULL;
    size_t nrefs = 0, cap = 0, lineno = 0, i = 0;
    while (i < ilen) {
        const char *nl = memchr(index + i, '\n', ilen - i);
        size_t e = nl ? (size_t)(nl - index) : ilen;
        const char *line = index + i;
        size_t n = e - i;
        i = e + 1;
        lineno++;
        size_t k = 0;
        while (k < n && is_space((uint8_t)line[k]))
            k++;
        if (k == n && !memchr(line, '\t', n)) continue; /* blank */
        dict_index_line il;
        char why[64];
        if ((rc = dict_parse_index_line(line, n, &il, why, sizeof why))) {
            zk_msg(err, errlen, "%s:%zu: %s", what, lineno, why);
            goto out;
        }
        d->nlines++;
        if (il.off > dlen || il.len > dlen - il.off) {
            zk_msg(err, errlen,
                   "%s:%zu: entry at %llu+%llu ends past the data (%zu "
                   "bytes)",
                   what, lineno, (unsigned long long)il.off,
                   (unsigned long long)il.len, dlen);
            rc = ZOEK_ECORRUPT;
            goto out;
        }
        if (nrefs == cap &&
            zk_grow((void **)&refs, &cap, nrefs + 1, sizeof(iref))) {
            rc = ZOEK_ENOMEM;
            goto out;
        }
        refs[nrefs].off = il.off;
        refs[nrefs].len = il.len;
        refs[nrefs].head = il.head;
        refs[nrefs].head_len = il.head_len;
        refs[nrefs].meta = (uint8_t)is_meta(il.head, il.head_len);
        nrefs++;
    }
    zk_sort(refs, nrefs, sizeof(iref), iref_cmp);
    uint64_t parsed = 0;
    for (size_t r = 0; r < nrefs; r++) {
        const iref *f = &refs[r];
        if (r && f->off == refs[r - 1].off && f->len == refs[r - 1].len) {
            d->ndup++;
            continue;
        }
        if (f->meta) {
            d->nmeta++;
            continue;
        }
        if (!f->len) {
            d->nempty++;
            continue;
        }
        /* overlapping entries could multiply the work */
        parsed += f->len + f->head_len;
        if (parsed > 2 * (uint64_t)DICT_MAX_DATA) {
            zk_msg(err, errlen, "%s: entries overlap too much", what);
            rc = ZOEK_ECORRUPT;
            goto out;
        }
        rc = parse_entry_utf8(d, data + f->off, (size_t)f->len, f->head,
                              f->head_len);
        if (rc == ZOEK_EINPUT) {
            zk_msg(err, errlen, "%s: dictionary text over 4 GiB", what);
            rc = ZOEK_ECORRUPT;
        }
        if (rc) goto out;
    }
out:
    zk_free(refs);
    zk_buf_free(&d->scratch);
    if (rc) {
        if (rc == ZOEK_ENOMEM) set_err(err, errlen, "out of memory");
        dict_raw_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

/* Reads a whole file into b.  Returns 0, ZOEK_ENOTFOUND, ZOEK_EIO,
 * ZOEK_ECORRUPT (too large) or ZOEK_ENOMEM. */
static int read_file(const char *path, zk_buf *b, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        zk_msg(err, errlen, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? ZOEK_ENOTFOUND : ZOEK_EIO;
    }
    int rc = 0;
    for (;;) {
        if (zk_buf_reserve(b, 1 << 16)) {
            rc = ZOEK_ENOMEM;
            break;
        }
        size_t n = fread(b->p + b->len, 1, b->cap - b->len - 1, f);
        b->len += n;
        if (b->len > DICT_MAX_DATA) {
            zk_msg(err, errlen, "%s: larger than %u bytes", path,
                   DICT_MAX_DATA);
            rc = ZOEK_ECORRUPT;
            break;
        }
        if (n == 0) {
            if (ferror(f)) {
                zk_msg(err, errlen, "%s: read error", path);
                rc = ZOEK_EIO;
            }
            break;
        }
    }
    fclose(f);
    return rc;
}

/* Inflates a gzip (dictzip) file, or copies a plain one, into b. */
static int inflate_file(const char *path, zk_buf *b, char *err, size_t errlen) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        zk_msg(err, errlen, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? ZOEK_ENOTFOUND : ZOEK_EIO;
    }
    gzFile g = gzdopen(fd, "rb");
    if (!g) {
        close(fd);
        zk_msg(err, errlen, "%s: cannot open", path);
        return ZOEK_ENOMEM;
    }
    gzbuffer(g, 1 << 17);
    int rc = 0, failed = 0;
    for (;;) {
        if (zk_buf_reserve(b, 1 << 20)) {
            rc = ZOEK_ENOMEM;
            break;
        }
        size_t room = b->cap - b->len - 1;
        if (room > (1u << 30)) room = 1u << 30;
        int n = gzread(g, b->p + b->len, (unsigned)room);
        if (n < 0) {
            failed = 1; /* reported below */
            break;
        }
        b->len += (size_t)n;
        if (b->len > DICT_MAX_DATA) {
            zk_msg(err, errlen, "%s: inflates to more than %u bytes", path,
                   DICT_MAX_DATA);
            rc = ZOEK_ECORRUPT;
            break;
        }
        if (n == 0) break;
    }
    if (!rc) {
        int zerr = Z_OK;
        const char *m = gzerror(g, &zerr);
        if (zerr == Z_MEM_ERROR) {
            rc = ZOEK_ENOMEM;
        } else if (zerr == Z_ERRNO) {
            zk_msg(err, errlen, "%s: %s", path, strerror(errno));
            rc = ZOEK_EIO;
        } else if (failed || (zerr != Z_OK && zerr != Z_STREAM_END)) {
            zk_msg(err, errlen, "%s: %s", path, m && *m ? m : "bad data");
            rc = ZOEK_ECORRUPT;
        }
    }
    gzclose(g);
    return rc;
}

int dict_read(const char *dir, const char *name, dict_raw **out, char *err,
              size_t errlen) {
    *out = NULL;
    if (err && errlen) err[0] = 0;
    int src, dst;
    if (!dir || dict_langs(name, &src, &dst)) {
        zk_msg(err, errlen, "%s: not a dictionary name like eng-deu",
               name ? name : "(null)");
        return ZOEK_EINVAL;
    }
    size_t plen = strlen(dir) + strlen(name) + 16;
    char *path = zk_malloc(plen);
    zk_buf idx = {0}, data = {0};
    int rc = ZOEK_ENOMEM;
    if (!path) goto out;
    snprintf(path, plen, "%s/%s.index", dir, name);
    if ((rc = read_file(path, &idx, err, errlen))) goto out;
    snprintf(path, plen, "%s/%s.dict.dz", dir, name);
    rc = inflate_file(path, &data, err, errlen);
    if (rc == ZOEK_ENOTFOUND) {
        snprintf(path, plen, "%s/%s.dict", dir, name);
        data.len = 0;
        rc = inflate_file(path, &data, err, errlen);
        if (rc == ZOEK_ENOTFOUND)
            zk_msg(err, errlen, "%s/%s.dict.dz: no such file", dir, name);
    }
    if (rc) goto out;
    snprintf(path, plen, "%s.index", name);
    rc = dict_parse((const char *)idx.p, idx.len, (const char *)data.p,
                    data.len, src, dst, path, out, err, errlen);
out:
    if (rc == ZOEK_ENOMEM) set_err(err, errlen, "out of memory");
    zk_free(path);
    zk_buf_free(&idx);
    zk_buf_free(&data);
    return rc;
}

/* ------------------------------------------------------------ compiler */

/* An interned string: key or translation text. */
typedef struct sref {
    uint32_t off; /* first byte in the pool */
    uint32_t len; /* bytes */
} sref;

/* One translation pair (src -> dst) with its support. */
typedef struct pair {
    uint32_t src;   /* string id of the key */
    uint32_t dst;   /* string id of the translation */
    uint32_t count; /* senses supporting it */
    uint32_t last;  /* last sense counted (dedup within a sense) */
    uint8_t slang;  /* language of the key */
    uint8_t dlang;  /* language of the translation */
    uint8_t flags;  /* DICT_TR_FWD / DICT_TR_REV */
} pair;

struct dict_compiler {
    unsigned max_terms;         /* longest phrase kept */
    unsigned max_targets;       /* per key and language, 0 = all */
    analyzer *an;               /* the document analysis chain (NULL until the
                                   first dictionary) */
    unsigned an_bits;           /* its cache size (log2 slots) */
    an_out ao;                  /* analysis output */
    zk_buf pool;                /* interned string bytes */
    sref *str;                  /* strings by id */
    size_t nstr, strcap;        /* used / allocated */
    uint32_t *sslot;            /* string hash: id + 1, 0 empty */
    size_t nsslot;              /* slots (power of two) */
    pair *pairs;                /* all pairs */
    size_t npairs, paircap;     /* used / allocated */
    uint32_t *pslot;            /* pair hash: index + 1, 0 empty */
    size_t npslot;              /* slots (power of two) */
    uint32_t sense;             /* last sense id given out */
    char key[DICT_MAX_KEY + 1]; /* scratch: headword key */
    char tr[DICT_MAX_KEY + 1];  /* scratch: translation key */
};

struct dict_compiled {
    uint8_t *kbytes; /* key bytes, concatenated */
    uint8_t *vbytes; /* value bytes, concatenated */
    struct ckey {
        uint32_t koff; /* key's first byte in kbytes */
        uint32_t voff; /* value's first byte in vbytes */
        uint32_t vlen; /* value bytes */
        uint16_t klen; /* key bytes */
        uint8_t lang;  /* ZK_LANG_* */
    } * k;             /* keys in (lang, bytes) order */
    size_t n;          /* keys */
    size_t klen;       /* bytes in kbytes */
    size_t vlen;       /* bytes in vbytes */
};

int dict_compiler_new(const dict_opts *o, dict_compiler **out) {
    *out = NULL;
    unsigned mt = DICT_MAX_TERMS, mx = 0;
    if (o) {
        if (o->size < sizeof(size_t)) return ZOEK_EINVAL;
        if (o->size >= offsetof(dict_opts, max_terms) + sizeof(unsigned) &&
            o->max_terms)
            mt = o->max_terms;
        if (o->size >= offsetof(dict_opts, max_targets) + sizeof(unsigned))
            mx = o->max_targets;
    }
    if (mt > DICT_MAX_TERMS) return ZOEK_EINVAL;
    dict_compiler *c = zk_calloc(1, sizeof *c);
    if (!c) return ZOEK_ENOMEM;
    c->max_terms = mt;
    c->max_targets = mx;
    *out = c;
    return 0;
}

void dict_compiler_free(dict_compiler *c) {
    if (!c) return;
    analyzer_free(c->an);
    an_out_free(&c->ao);
    zk_buf_free(&c->pool);
    zk_free(c->str);
    zk_free(c->sslot);
    zk_free(c->pairs);
    zk_free(c->pslot);
    zk_free(c);
}

/* Grows an id hash table to twice its size when it is half full, and
 * reinserts with rehash(i) giving entry i's hash. */
static int grow_slots(uint32_t **slots, size_t *nslots, size_t used,
                      uint64_t (*hash)(const dict_compiler *, size_t),
                      const dict_compiler *c) {
    if (used + 1 <= *nslots / 2) return 0;
    size_t n = *nslots ? *nslots * 2 : 1024;
    if (n > SIZE_MAX / sizeof(uint32_t) || used >= UINT32_MAX - 1)
        return ZOEK_ENOMEM;
    uint32_t *s = zk_calloc(n, sizeof(uint32_t));
    if (!s) return ZOEK_ENOMEM;
    for (size_t i = 0; i < used; i++) {
        size_t j = (size_t)hash(c, i) & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = (uint32_t)i + 1;
    }
    zk_free(*slots);
    *slots = s;
    *nslots = n;
    return 0;
}

static uint64_t str_hash(const dict_compiler *c, size_t i) {
    return zk_hash64(c->pool.p + c->str[i].off, c->str[i].len, 11);
}

static uint64_t pair_key(uint32_t src, uint32_t dst, int slang, int dlang) {
    return ((uint64_t)src << 32 | dst) ^ ((uint64_t)(slang * 3 + dlang) << 60);
}

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static uint64_t pair_hash(const dict_compiler *c, size_t i) {
    const pair *p = &c->pairs[i];
    return mix64(pair_key(p->src, p->dst, p->slang, p->dlang));
}

static int intern(dict_compiler *c, const char *s, size_t len, uint32_t *id) {
    int rc = grow_slots(&c->sslot, &c->nsslot, c->nstr, str_hash, c);
    if (rc) return rc;
    size_t mask = c->nsslot - 1;
    size_t j = (size_t)zk_hash64(s, len, 11) & mask;
    for (; c->sslot[j]; j = (j + 1) & mask) {
        const sref *r = &c->str[c->sslot[j] - 1];
        if (r->len == len && !memcmp(c->pool.p + r->off, s, len)) {
            *id = c->sslot[j] - 1;
            return 0;
        }
    }
    if (c->pool.len > UINT32_MAX - len) return ZOEK_ENOMEM;
    if (c->nstr == c->strcap &&
        zk_grow((void **)&c->str, &c->strcap, c->nstr + 1, sizeof(sref)))
        return ZOEK_ENOMEM;
    sref *r = &c->str[c->nstr];
    r->off = (uint32_t)c->pool.len;
    r->len = (uint32_t)len;
    if (zk_buf_put(&c->pool, s, len)) return ZOEK_ENOMEM;
    c->sslot[j] = (uint32_t)c->nstr + 1;
    *id = (uint32_t)c->nstr++;
    return 0;
}

static int add_pair(dict_compiler *c, int slang, uint32_t src, int dlang,
                    uint32_t dst, unsigned prov) {
    int rc = grow_slots(&c->pslot, &c->npslot, c->npairs, pair_hash, c);
    if (rc) return rc;
    size_t mask = c->npslot - 1;
    uint64_t k = pair_key(src, dst, slang, dlang);
    size_t j = (size_t)mix64(k) & mask;
    for (; c->pslot[j]; j = (j + 1) & mask) {
        pair *p = &c->pairs[c->pslot[j] - 1];
        if (p->src == src && p->dst == dst && p->slang == slang &&
            p->dlang == dlang) {
            if (p->last != c->sense) {
                p->last = c->sense;
                if (p->count < UINT32_MAX) p->count++;
            }
            p->flags |= (uint8_t)prov;
            return 0;
        }
    }
    if (c->npairs == c->paircap &&
        zk_grow((void **)&c->pairs, &c->paircap, c->npairs + 1, sizeof(pair)))
        return ZOEK_ENOMEM;
    pair *p = &c->pairs[c->npairs];
    p->src = src;
    p->dst = dst;
    p->count = 1;
    p->last = c->sense;
    p->slang = (uint8_t)slang;
    p->dlang = (uint8_t)dlang;
    p->flags = (uint8_t)prov;
    c->pslot[j] = (uint32_t)c->npairs + 1;
    c->npairs++;
    return 0;
}

/* Dictionary placeholders for "something", "somebody" ("to ask sb. sth.",
 * "jdm. etw. geben", "iem. iets geven") and the "s" of "sb.'s", as the
 * analyzer leaves them (stemmed, dots removed). */
static int placeholder(int lang, const char *s, size_t n) {
    static const char *const ph[3][10] = {
        {"sth", "sb", "smth", "smb", "os", "someth", "s", NULL},
        {"etw", "jdn", "jdm", "jds", "jd", "jmd", "jmdn", "jmdm", "s", NULL},
        {"iem", "iets", "s", NULL}};
    for (int i = 0; ph[lang][i]; i++)
        if (strlen(ph[lang][i]) == n && !memcmp(ph[lang][i], s, n)) return 1;
    return 0;
}

/* Analyses s in lang into out: the content terms joined by one space (a
 * hyphenated compound counts as its whole term).  Returns the number of
 * terms (0: none; more than max_terms: too long, out not usable) or an
 * error. */
static int key_of(dict_compiler *c, const char *s, size_t n, int lang,
                  char *out, size_t *outlen) {
    *outlen = 0;
    int rc = analyze(c->an, s, n, lang, &c->ao);
    if (rc) return rc;
    size_t w = 0;
    int nt = 0;
    uint32_t whole_tok = UINT32_MAX;
    for (size_t i = 0; i < c->ao.nterms; i++) {
        const an_term *t = &c->ao.terms[i];
        if (t->flags & AN_SUB) continue; /* compound parts: the word counts */
        if (t->flags & AN_WHOLE)
            whole_tok = t->tok;
        else if ((t->flags & AN_PART) && t->tok == whole_tok)
            continue;
        if (placeholder(lang, t->s, t->len)) continue;
        unsigned ok;
        if (!term_ok(t->s, t->len, &ok) || ok != 1) continue;
        if (++nt > (int)c->max_terms) return nt;
        if (w + (w ? 1 : 0) + t->len > DICT_MAX_KEY)
            return (int)c->max_terms + 1;
        if (w) out[w++] = ' ';
        memcpy(out + w, t->s, t->len);
        w += t->len;
    }
    *outlen = w;
    return nt;
}

int dict_compiler_add(dict_compiler *c, const dict_raw *d, dict_add_stats *st) {
    dict_add_stats s;
    memset(&s, 0, sizeof s);
    if (st) *st = s;
    if (d->src < 0 || d->src > 2 || d->dst < 0 || d->dst > 2 ||
        d->src == d->dst)
        return ZOEK_EINVAL;
    if ((uint64_t)c->sense + d->np + 1 > UINT32_MAX) return ZOEK_EINVAL;
    /* a big word cache pays off for big dictionaries only; it costs a
     * few megabytes to clear */
    unsigned bits = d->np > 4096 ? AN_CACHE_INDEX : AN_CACHE_QUERY;
    if (!c->an || c->an_bits < bits) {
        analyzer *a;
        if (analyzer_new(&a, bits)) return ZOEK_ENOMEM;
        analyzer_free(c->an);
        c->an = a;
        c->an_bits = bits;
    }
    int rc = 0;
    for (size_t ei = 0; ei < d->ne; ei++) {
        const dict_entry *e = &d->e[ei];
        s.entries++;
        size_t klen;
        int nk = key_of(c, dict_head(d, e), e->head_len, d->src, c->key, &klen);
        if (nk < 0) return nk;
        if (nk == 0) {
            s.head_stop++;
            continue;
        }
        if (nk > (int)c->max_terms) {
            s.head_long++;
            continue;
        }
        if (nk == 1)
            s.head_single++;
        else
            s.head_phrase++;
        uint32_t kid;
        if ((rc = intern(c, c->key, klen, &kid))) return rc;
        uint32_t sense = UINT32_MAX;
        for (uint32_t pi = e->first; pi < e->first + e->n; pi++) {
            const dict_phrase *p = &d->p[pi];
            if (p->sense != sense) {
                sense = p->sense;
                c->sense++;
                s.senses++;
            }
            s.phrases++;
            size_t tlen;
            int nt =
                key_of(c, dict_phrase_text(d, p), p->len, d->dst, c->tr, &tlen);
            if (nt < 0) return nt;
            if (nt == 0) {
                s.tr_stop++;
                continue;
            }
            if (nt > (int)c->max_terms) {
                s.tr_long++;
                continue;
            }
            if (nt == 1)
                s.tr_single++;
            else
                s.tr_phrase++;
            uint32_t tid;
            if ((rc = intern(c, c->tr, tlen, &tid))) return rc;
            if ((rc = add_pair(c, d->src, kid, d->dst, tid, DICT_TR_FWD)))
                return rc;
            if ((rc = add_pair(c, d->dst, tid, d->src, kid, DICT_TR_REV)))
                return rc;
            s.pairs += 2;
        }
    }
    if (st) *st = s;
    return 0;
}

/* Sorting context: string ranks in byte order. */
typedef struct sortctx {
    const dict_compiler *c; /* strings */
    const uint32_t *rank;   /* rank of each string id */
} sortctx;

static int str_cmp(const void *a, const void *b, void *ud) {
    const dict_compiler *c = ud;
    const sref *x = &c->str[*(const uint32_t *)a];
    const sref *y = &c->str[*(const uint32_t *)b];
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(c->pool.p + x->off, c->pool.p + y->off, n);
    if (r) return r;
    return x->len < y->len ? -1 : x->len > y->len;
}

static int pair_cmp(const void *a, const void *b, void *ud) {
    const sortctx *sc = ud;
    const pair *x = &sc->c->pairs[*(const uint32_t *)a];
    const pair *y = &sc->c->pairs[*(const uint32_t *)b];
    if (x->slang != y->slang) return x->slang < y->slang ? -1 : 1;
    uint32_t rx = sc->rank[x->src], ry = sc->rank[y->src];
    if (rx != ry) return rx < ry ? -1 : 1;
    if (x->dlang != y->dlang) return x->dlang < y->dlang ? -1 : 1;
    rx = sc->rank[x->dst];
    ry = sc->rank[y->dst];
    return rx < ry ? -1 : rx > ry;
}

/* Best-supported first, then byte order: which translations max_targets
 * keeps. */
static int support_cmp(const void *a, const void *b, void *ud) {
    const sortctx *sc = ud;
    const pair *x = &sc->c->pairs[*(const uint32_t *)a];
    const pair *y = &sc->c->pairs[*(const uint32_t *)b];
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    uint32_t rx = sc->rank[x->dst], ry = sc->rank[y->dst];
    return rx < ry ? -1 : rx > ry;
}

void dict_compiled_free(dict_compiled *d) {
    if (!d) return;
    zk_free(d->kbytes);
    zk_free(d->vbytes);
    zk_free(d->k);
    zk_free(d);
}

int dict_compiler_finish(dict_compiler *c, dict_compiled **out) {
    *out = NULL;
    int rc = ZOEK_ENOMEM;
    uint32_t *ids = NULL, *rank = NULL, *ord = NULL;
    dict_tr *trs = NULL;
    size_t trcap = 0, kcap = 0;
    zk_buf keys = {0}, vals = {0};
    dict_compiled *d = zk_calloc(1, sizeof *d);
    if (!d) goto out;
    ids = zk_calloc(c->nstr ? c->nstr : 1, sizeof(uint32_t));
    rank = zk_calloc(c->nstr ? c->nstr : 1, sizeof(uint32_t));
    ord = zk_calloc(c->npairs ? c->npairs : 1, sizeof(uint32_t));
    if (!ids || !rank || !ord) goto out;
    for (size_t i = 0; i < c->nstr; i++)
        ids[i] = (uint32_t)i;
    zk_sort_r(ids, c->nstr, sizeof(uint32_t), str_cmp, c);
    for (size_t i = 0; i < c->nstr; i++)
        rank[ids[i]] = (uint32_t)i;
    for (size_t i = 0; i < c->npairs; i++)
        ord[i] = (uint32_t)i;
    sortctx sc = {c, rank};
    zk_sort_r(ord, c->npairs, sizeof(uint32_t), pair_cmp, &sc);
    size_t i = 0;
    while (i < c->npairs) {
        const pair *g = &c->pairs[ord[i]];
        size_t j = i;
        while (j < c->npairs && c->pairs[ord[j]].slang == g->slang &&
               c->pairs[ord[j]].src == g->src)
            j++;
        /* the key's translations: ord[i..j), by target language */
        if (c->max_targets) {
            size_t a = i;
            while (a < j) {
                size_t b = a;
                while (b < j &&
                       c->pairs[ord[b]].dlang == c->pairs[ord[a]].dlang)
                    b++;
                if (b - a > c->max_targets) {
                    zk_sort_r(ord + a, b - a, sizeof(uint32_t), support_cmp,
                              &sc);
                    zk_sort_r(ord + a, c->max_targets, sizeof(uint32_t),
                              pair_cmp, &sc);
                    for (size_t x = a + c->max_targets; x < b; x++)
                        ord[x] = UINT32_MAX;
                }
                a = b;
            }
        }
        size_t n = 0;
        if (zk_grow((void **)&trs, &trcap, j - i, sizeof(dict_tr))) goto out;
        for (size_t x = i; x < j; x++) {
            if (ord[x] == UINT32_MAX) continue;
            const pair *p = &c->pairs[ord[x]];
            const sref *r = &c->str[p->dst];
            dict_tr *t = &trs[n++];
            t->term = (const char *)c->pool.p + r->off;
            t->len = r->len;
            t->count = p->count;
            t->lang = p->dlang;
            t->flags = p->flags;
            if (memchr(t->term, ' ', t->len)) t->flags |= DICT_TR_PHRASE;
        }
        const sref *kr = &c->str[g->src];
        if (d->n == kcap &&
            zk_grow((void **)&d->k, &kcap, d->n + 1, sizeof(struct ckey)))
            goto out;
        if (keys.len > UINT32_MAX - kr->len) goto out;
        struct ckey *k = &d->k[d->n];
        k->koff = (uint32_t)keys.len;
        k->klen = (uint16_t)kr->len;
        k->lang = g->slang;
        k->voff = (uint32_t)vals.len;
        if (zk_buf_put(&keys, c->pool.p + kr->off, kr->len)) goto out;
        if ((rc = dict_value_encode(trs, n, &vals))) goto out;
        rc = ZOEK_ENOMEM;
        if (vals.len - k->voff > UINT32_MAX || vals.len > UINT32_MAX) goto out;
        k->vlen = (uint32_t)(vals.len - k->voff);
        d->n++;
        i = j;
    }
    d->kbytes = keys.p;
    d->klen = keys.len;
    d->vbytes = vals.p;
    d->vlen = vals.len;
    keys.p = vals.p = NULL;
    *out = d;
    d = NULL;
    rc = 0;
out:
    zk_free(ids);
    zk_free(rank);
    zk_free(ord);
    zk_free(trs);
    zk_buf_free(&keys);
    zk_buf_free(&vals);
    dict_compiled_free(d);
    return rc;
}

int dict_compile_dir(const char *dir, const dict_opts *o, dict_compiled **out,
                     char *err, size_t errlen) {
    *out = NULL;
    if (err && errlen) err[0] = 0;
    dict_compiler *c;
    int rc = dict_compiler_new(o, &c);
    if (rc) {
        set_err(err, errlen,
                rc == ZOEK_ENOMEM ? "out of memory" : "bad options");
        return rc;
    }
    int found = 0;
    for (size_t i = 0; i < 6; i++) {
        dict_raw *d;
        rc = dict_read(dir, dict_freedict_names[i], &d, err, errlen);
        if (rc == ZOEK_ENOTFOUND) continue;
        if (rc) goto out;
        found++;
        rc = dict_compiler_add(c, d, NULL);
        dict_raw_free(d);
        if (rc) goto out;
    }
    if (!found) {
        zk_msg(err, errlen, "%s: no FreeDict dictionary (eng-deu, ...)",
               dir ? dir : "(null)");
        rc = ZOEK_ENOTFOUND;
        goto out;
    }
    rc = dict_compiler_finish(c, out);
    if (rc == 0 && err && errlen) err[0] = 0;
out:
    if (rc == ZOEK_ENOMEM) set_err(err, errlen, "out of memory");
    dict_compiler_free(c);
    return rc;
}

/* ------------------------------------------------------- compiled form */

size_t dict_count(const dict_compiled *d) {
    return d ? d->n : 0;
}

int dict_get(const dict_compiled *d, size_t i, int *lang, const char **key,
             size_t *klen, const uint8_t **val, size_t *vlen) {
    if (!d || i >= d->n) return ZOEK_EINVAL;
    const struct ckey *k = &d->k[i];
    if (lang) *lang = k->lang;
    if (key) *key = (const char *)d->kbytes + k->koff;
    if (klen) *klen = k->klen;
    if (val) *val = d->vbytes + k->voff;
    if (vlen) *vlen = k->vlen;
    return 0;
}

/* Compares key k of d with (lang, s, n) in encoded-key order. */
static int ckey_cmp(const dict_compiled *d, const struct ckey *k, int lang,
                    const char *s, size_t n) {
    if (k->lang != lang) return k->lang < lang ? -1 : 1;
    size_t m = k->klen < n ? k->klen : n;
    int r = m ? memcmp(d->kbytes + k->koff, s, m) : 0;
    if (r) return r;
    return k->klen < n ? -1 : k->klen > n;
}

int dict_find(const dict_compiled *d, int lang, const char *key, size_t klen,
              const uint8_t **val, size_t *vlen) {
    *val = NULL;
    *vlen = 0;
    if (!d) return ZOEK_ENOTFOUND;
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = ckey_cmp(d, &d->k[mid], lang, key, klen);
        if (r == 0) {
            *val = d->vbytes + d->k[mid].voff;
            *vlen = d->k[mid].vlen;
            return 0;
        }
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return ZOEK_ENOTFOUND;
}

size_t dict_key(int lang, const char *key, size_t klen, uint8_t *out) {
    if (lang < 0 || lang > 2 || klen == 0 || klen > DICT_MAX_KEY) return 0;
    out[0] = (uint8_t)lang;
    memcpy(out + 1, key, klen);
    return klen + 1;
}

/* Serialised set: see dict_serialize in dict.h. */
#define DICT_FILE_VERSION 1
#define DICT_HDR 24 /* magic 6, version 1, analyzer 1, fingerprint 8, n 8 */

int dict_serialize(const dict_compiled *d, zk_buf *out) {
    size_t start = out->len;
    uint64_t fp = 0;
    int rc = stemmer_fingerprint(&fp);
    if (rc) return rc;
    uint8_t hdr[DICT_HDR];
    memcpy(hdr, "ZKDICT", 6);
    hdr[6] = DICT_FILE_VERSION;
    hdr[7] = ANALYZER_VERSION;
    zk_put_le64(hdr + 8, fp);
    zk_put_le64(hdr + 16, d->n);
    rc = zk_buf_put(out, hdr, sizeof hdr);
    for (size_t i = 0; !rc && i < d->n; i++) {
        const struct ckey *k = &d->k[i];
        rc = zk_buf_putc(out, k->lang);
        if (!rc) rc = codec_put_varint(out, k->klen);
        if (!rc) rc = zk_buf_put(out, d->kbytes + k->koff, k->klen);
        if (!rc) rc = codec_put_varint(out, k->vlen);
        if (!rc) rc = zk_buf_put(out, d->vbytes + k->voff, k->vlen);
    }
    if (!rc) {
        uint8_t sum[8];
        zk_put_le64(sum, zk_hash64(out->p + start, out->len - start, 0x5a));
        rc = zk_buf_put(out, sum, 8);
    }
    if (rc) out->len = start;
    return rc;
}

int dict_load(const uint8_t *p, size_t len, dict_compiled **out, char *err,
              size_t errlen) {
    *out = NULL;
    if (err && errlen) err[0] = 0;
    if (len < DICT_HDR + 8 || len > UINT32_MAX || memcmp(p, "ZKDICT", 6)) {
        set_err(err, errlen, "not a compiled dictionary");
        return ZOEK_ECORRUPT;
    }
    if (zk_get_le64(p + len - 8) != zk_hash64(p, len - 8, 0x5a)) {
        set_err(err, errlen, "checksum mismatch");
        return ZOEK_ECORRUPT;
    }
    uint64_t fp = 0;
    int rc = stemmer_fingerprint(&fp);
    if (rc) return rc;
    if (p[6] != DICT_FILE_VERSION || p[7] != ANALYZER_VERSION ||
        zk_get_le64(p + 8) != fp) {
        set_err(err, errlen, "made by another format, analyzer or stemmer");
        return ZOEK_EVERSION;
    }
    uint64_t n = zk_get_le64(p + 16);
    const uint8_t *q = p + DICT_HDR, *end = p + len - 8;
    /* a key takes at least 6 bytes: lang, klen, key, vlen, 2 value bytes */
    if (n > (uint64_t)(end - q) / 6) {
        set_err(err, errlen, "bad key count");
        return ZOEK_ECORRUPT;
    }
    dict_compiled *d = zk_calloc(1, sizeof *d);
    rc = ZOEK_ENOMEM;
    if (!d) goto out;
    d->k = zk_calloc(n ? (size_t)n : 1, sizeof(struct ckey));
    d->kbytes = zk_malloc((size_t)(end - q));
    d->vbytes = zk_malloc((size_t)(end - q));
    if (!d->k || !d->kbytes || !d->vbytes) goto out;
    rc = ZOEK_ECORRUPT;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t kl, vl;
        if (q >= end || *q > 2) {
            set_err(err, errlen, "bad key language");
            goto out;
        }
        uint8_t lang = *q++;
        unsigned nt;
        if (get_varint(&q, end, &kl) || kl == 0 || kl > DICT_MAX_KEY ||
            kl > (uint64_t)(end - q) || !term_ok((const char *)q, kl, &nt)) {
            set_err(err, errlen, "bad key");
            goto out;
        }
        struct ckey *k = &d->k[i];
        k->lang = lang;
        k->klen = (uint16_t)kl;
        k->koff = (uint32_t)d->klen;
        if (i && ckey_cmp(d, &d->k[i - 1], lang, (const char *)q, kl) >= 0) {
            set_err(err, errlen, "keys out of order");
            goto out;
        }
        memcpy(d->kbytes + d->klen, q, kl);
        d->klen += kl;
        q += kl;
        if (get_varint(&q, end, &vl) || vl > (uint64_t)(end - q)) {
            set_err(err, errlen, "bad value length");
            goto out;
        }
        dict_iter it;
        dict_tr tr;
        int r = dict_iter_init(&it, q, vl);
        if (r == 0) {
            while ((r = dict_iter_next(&it, &tr)) == 1)
                if (tr.lang == lang) {
                    r = ZOEK_ECORRUPT;
                    break;
                }
        }
        if (r != 0) {
            set_err(err, errlen, "bad value");
            goto out;
        }
        k->voff = (uint32_t)d->vlen;
        k->vlen = (uint32_t)vl;
        memcpy(d->vbytes + d->vlen, q, vl);
        d->vlen += vl;
        q += vl;
        d->n++;
    }
    if (q != end) {
        set_err(err, errlen, "trailing bytes");
        goto out;
    }
    *out = d;
    return 0;
out:
    if (rc == ZOEK_ENOMEM) set_err(err, errlen, "out of memory");
    dict_compiled_free(d);
    return rc;
}

/* ------------------------------------------------------------- values */

int dict_iter_init(dict_iter *it, const uint8_t *v, size_t len) {
    memset(it, 0, sizeof *it);
    it->lang = -1;
    if (!v || len < 2 || v[0] != DICT_VALUE_VERSION) return ZOEK_ECORRUPT;
    it->p = v + 1;
    it->end = v + len;
    uint64_t n;
    if (get_varint(&it->p, it->end, &n) || n == 0 ||
        n > (uint64_t)(it->end - it->p) / 4) /* an item is >= 4 bytes */
        return ZOEK_ECORRUPT;
    it->left = n;
    return 0;
}

int dict_iter_next(dict_iter *it, dict_tr *out) {
    memset(out, 0, sizeof *out);
    if (!it->left) return it->p == it->end ? 0 : ZOEK_ECORRUPT;
    if (it->p >= it->end) return ZOEK_ECORRUPT;
    unsigned head = *it->p++;
    int lang = (int)(head & 3);
    if (lang > 2 || (head & 0xE0) || !(head & (DICT_TR_FWD | DICT_TR_REV)))
        return ZOEK_ECORRUPT;
    uint64_t shared, suf, cnt;
    if (get_varint(&it->p, it->end, &shared) || shared > it->len ||
        get_varint(&it->p, it->end, &suf) || suf > DICT_MAX_KEY ||
        shared + suf > DICT_MAX_KEY || shared + suf == 0 ||
        suf > (uint64_t)(it->end - it->p))
        return ZOEK_ECORRUPT;
    const uint8_t *s = it->p;
    if (it->lang >= 0) {
        /* canonical: shared is the longest common prefix, and the order
         * (lang, bytes) strictly increases */
        if (shared < it->len && suf && s[0] == (uint8_t)it->term[shared])
            return ZOEK_ECORRUPT;
        if (lang < it->lang) return ZOEK_ECORRUPT;
        if (lang == it->lang) {
            if (!suf) return ZOEK_ECORRUPT; /* a prefix of the previous */
            if (shared < it->len && s[0] < (uint8_t)it->term[shared])
                return ZOEK_ECORRUPT;
        }
    }
    memcpy(it->term + shared, s, (size_t)suf);
    it->p += suf;
    it->len = (size_t)(shared + suf);
    it->lang = lang;
    unsigned nt;
    if (!term_ok(it->term, it->len, &nt)) return ZOEK_ECORRUPT;
    if ((nt > 1) != ((head & DICT_TR_PHRASE) != 0)) return ZOEK_ECORRUPT;
    if (get_varint(&it->p, it->end, &cnt) || cnt >= UINT32_MAX)
        return ZOEK_ECORRUPT;
    it->left--;
    out->term = it->term;
    out->len = it->len;
    out->count = (uint32_t)cnt + 1;
    out->lang = lang;
    out->flags = head & (DICT_TR_PHRASE | DICT_TR_FWD | DICT_TR_REV);
    return 1;
}

static int tr_cmp(const dict_tr *a, const dict_tr *b) {
    if (a->lang != b->lang) return a->lang < b->lang ? -1 : 1;
    size_t n = a->len < b->len ? a->len : b->len;
    int r = memcmp(a->term, b->term, n);
    if (r) return r;
    return a->len < b->len ? -1 : a->len > b->len;
}

int dict_value_encode(const dict_tr *trs, size_t n, zk_buf *out) {
    if (!n) return ZOEK_EINVAL;
    for (size_t i = 0; i < n; i++) {
        const dict_tr *t = &trs[i];
        unsigned nt;
        if (t->lang < 0 || t->lang > 2 || t->count == 0 ||
            (t->flags &
             ~(unsigned)(DICT_TR_PHRASE | DICT_TR_FWD | DICT_TR_REV)) ||
            !(t->flags & (DICT_TR_FWD | DICT_TR_REV)) || !t->term ||
            !term_ok(t->term, t->len, &nt) ||
            (nt > 1) != ((t->flags & DICT_TR_PHRASE) != 0))
            return ZOEK_EINVAL;
        if (i && tr_cmp(&trs[i - 1], t) >= 0) return ZOEK_EINVAL;
    }
    size_t start = out->len;
    int rc = zk_buf_putc(out, DICT_VALUE_VERSION);
    if (!rc) rc = codec_put_varint(out, n);
    for (size_t i = 0; !rc && i < n; i++) {
        const dict_tr *t = &trs[i];
        size_t shared = 0;
        if (i) {
            const dict_tr *p = &trs[i - 1];
            size_t m = p->len < t->len ? p->len : t->len;
            while (shared < m && p->term[shared] == t->term[shared])
                shared++;
        }
        rc = zk_buf_putc(out, (uint8_t)(t->lang | (int)t->flags));
        if (!rc) rc = codec_put_varint(out, shared);
        if (!rc) rc = codec_put_varint(out, t->len - shared);
        if (!rc) rc = zk_buf_put(out, t->term + shared, t->len - shared);
        if (!rc) rc = codec_put_varint(out, t->count - 1);
    }
    if (rc) out->len = start;
    return rc;
}
