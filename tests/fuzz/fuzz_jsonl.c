/* fuzz_jsonl.c - fuzz target of the JSON Lines article reader. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(x)                                                                \
    do {                                                                       \
        if (!(x)) abort();                                                     \
    } while (0)

/* The fields of one parsed document, copied out of the parser. */
typedef struct fields {
    char *s[4];    /* id, text, title, lang (NULL when absent) */
    size_t len[4]; /* their bytes */
} fields;

/* Checks one returned string and copies it.  It lies inside the line (and
 * then holds nothing that needs an escape) or in scratch: every byte is
 * read, so a sanitizer catches a range outside any live allocation. */
static char *take(const char *p, size_t n, const char *line, size_t len,
                  int number) {
    if (!p) {
        MUST(n == 0);
        return NULL;
    }
    MUST(n <= len);
    if (p >= line && p <= line + len) {
        MUST(n <= (size_t)(line + len - p));
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            MUST(c >= 0x20 && c != '"' && c != '\\');
            if (number) MUST(c >= '0' && c <= '9');
        }
    }
    char *copy = malloc(n + 1);
    MUST(copy != NULL);
    memcpy(copy, p, n);
    copy[n] = 0;
    return copy;
}

static int fields_of(const jsonl_doc *d, const char *line, size_t len,
                     fields *f) {
    MUST(d->id != NULL && d->text != NULL && d->id_len > 0);
    f->s[0] = take(d->id, d->id_len, line, len,
                   d->id >= line && d->id < line + len && d->id > line &&
                       d->id[-1] != '"');
    f->s[1] = take(d->text, d->text_len, line, len, 0);
    f->s[2] = take(d->title, d->title_len, line, len, 0);
    f->s[3] = take(d->lang, d->lang_len, line, len, 0);
    f->len[0] = d->id_len;
    f->len[1] = d->text_len;
    f->len[2] = d->title_len;
    f->len[3] = d->lang_len;
    return 0;
}

static void fields_free(fields *f) {
    for (int i = 0; i < 4; i++)
        free(f->s[i]);
}

static int fields_eq(const jsonl_doc *d, const fields *f) {
    const char *s[4] = {d->id, d->text, d->title, d->lang};
    size_t len[4] = {d->id_len, d->text_len, d->title_len, d->lang_len};
    for (int i = 0; i < 4; i++) {
        if (!s[i] != !f->s[i] || len[i] != f->len[i]) return 0;
        if (s[i] && len[i] && memcmp(s[i], f->s[i], len[i]) != 0) return 0;
    }
    return 1;
}

/* Writes s as a JSON string (escaping only what must be escaped). */
static size_t put_json(char *out, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            memcpy(out + o, "\\u00", 4);
            out[o + 4] = hex[c >> 4];
            out[o + 5] = hex[c & 15];
            o += 6;
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    return o;
}

/* Parses a line, checks the result, re-encodes it and parses that again
 * with a second parser: the fields must come back unchanged. */
static void one_line(jsonl_parser *p, jsonl_parser *p2, const uint8_t *data,
                     size_t len) {
    char err[128];
    jsonl_doc d;
    char *line = malloc(len ? len : 1); /* exact size: overreads show */
    MUST(line != NULL);
    if (len) memcpy(line, data, len);
    int rc = jsonl_parse_line(p, line, len, &d, err, sizeof err);
    MUST(memchr(err, 0, sizeof err) != NULL);
    if (rc != 0) {
        MUST(rc == ZOEK_EINPUT || rc == ZOEK_ENOTFOUND);
        MUST(rc == ZOEK_ENOTFOUND ? err[0] == 0 : err[0] != 0);
        MUST(d.id == NULL && d.text == NULL && d.title == NULL &&
             d.lang == NULL);
        free(line);
        return;
    }
    MUST(err[0] == 0);
    fields f;
    fields_of(&d, line, len, &f);

    static const char *names[4] = {
        "\"id\":", "\"text\":", "\"title\":", "\"lang\":"};
    size_t cap = 64, o = 0;
    for (int i = 0; i < 4; i++)
        cap += 16 + 6 * f.len[i];
    char *enc = malloc(cap);
    MUST(enc != NULL);
    enc[o++] = '{';
    for (int i = 3; i >= 0; i--) { /* another order than usual */
        if (!f.s[i]) continue;
        if (o > 1) enc[o++] = ',';
        memcpy(enc + o, names[i], strlen(names[i]));
        o += strlen(names[i]);
        o += put_json(enc + o, f.s[i], f.len[i]);
    }
    enc[o++] = '}';
    MUST(o <= cap);
    jsonl_doc d2;
    MUST(jsonl_parse_line(p2, enc, o, &d2, err, sizeof err) == 0);
    MUST(fields_eq(&d2, &f));
    free(enc);

    /* Parsing the same line again gives the same document. */
    MUST(jsonl_parse_line(p, line, len, &d, err, sizeof err) == 0);
    MUST(fields_eq(&d, &f));
    fields_free(&f);
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    jsonl_parser *p = NULL, *p2 = NULL;
    if (jsonl_parser_new(&p) != 0 || jsonl_parser_new(&p2) != 0) abort();
    size_t i = 0;
    while (i <= size) {
        const uint8_t *nl = i < size ? memchr(data + i, '\n', size - i) : NULL;
        size_t end = nl ? (size_t)(nl - data) : size;
        one_line(p, p2, data + i, end - i);
        i = end + 1;
    }
    jsonl_parser_free(p);
    jsonl_parser_free(p2);
    return 0;
}
