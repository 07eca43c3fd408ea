/* fuzz_dict.c - fuzz target of the dictionary module: index lines, entry
 * texts, whole dictionaries through the compiler, translation values and
 * serialised sets.  The first input byte chooses what the rest is. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "dict.h"
#include "normalize.h"
#include "stem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(x)                                                                \
    do {                                                                       \
        if (!(x)) abort();                                                     \
    } while (0)

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t put_b64(char *out, uint64_t v) {
    char tmp[12];
    size_t n = 0;
    do {
        tmp[n++] = b64[v & 63];
        v >>= 6;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Index lines: a parsed line prints back to one that parses the same. */
static void index_lines(const uint8_t *data, size_t size) {
    size_t i = 0;
    while (i <= size) {
        const uint8_t *nl = i < size ? memchr(data + i, '\n', size - i) : NULL;
        size_t end = nl ? (size_t)(nl - data) : size;
        size_t len = end - i;
        char *line = malloc(len ? len : 1);
        MUST(line != NULL);
        if (len) memcpy(line, data + i, len);
        dict_index_line il;
        char err[64];
        int rc = dict_parse_index_line(line, len, &il, err, sizeof err);
        MUST(memchr(err, 0, sizeof err) != NULL);
        if (rc == 0) {
            MUST(il.head == line && il.head_len < len);
            MUST(!memchr(il.head, '\t', il.head_len));
            MUST(il.off < (1ull << 48) && il.len < (1ull << 48));
            char *again = malloc(il.head_len + 32);
            MUST(again != NULL);
            size_t o = il.head_len;
            memcpy(again, il.head, o);
            again[o++] = '\t';
            o += put_b64(again + o, il.off);
            again[o++] = '\t';
            o += put_b64(again + o, il.len);
            dict_index_line il2;
            MUST(dict_parse_index_line(again, o, &il2, NULL, 0) == 0);
            MUST(il2.head_len == il.head_len && il2.off == il.off &&
                 il2.len == il.len);
            free(again);
        } else {
            MUST(rc == ZOEK_EINPUT && err[0] != 0);
        }
        free(line);
        i = end + 1;
    }
}

/* The invariants of a parsed dictionary. */
static void check_raw(const dict_raw *d) {
    const char *t = (const char *)d->text.p;
    MUST(d->text.len == 0 || norm_is_valid_utf8(t, d->text.len));
    size_t next = 0;
    for (size_t i = 0; i < d->ne; i++) {
        const dict_entry *e = &d->e[i];
        MUST(e->head_len > 0 && e->head_off <= d->text.len &&
             e->head_len <= d->text.len - e->head_off);
        MUST(e->first == next && e->n <= d->np - e->first);
        next = e->first + e->n;
        const char *h = dict_head(d, e);
        MUST(h[0] != ' ' && h[e->head_len - 1] != ' ');
        uint32_t sense = 0;
        for (uint32_t j = e->first; j < e->first + e->n; j++) {
            const dict_phrase *p = &d->p[j];
            MUST(p->len > 0 && p->off <= d->text.len &&
                 p->len <= d->text.len - p->off);
            MUST(p->sense >= sense && p->sense < e->nsenses);
            sense = p->sense;
            const char *s = dict_phrase_text(d, p);
            MUST(s[0] != ' ' && s[p->len - 1] != ' ');
            for (uint32_t k = 0; k < p->len; k++) {
                MUST(s[k] != '\n' && s[k] != '\t' && s[k] != 0);
                MUST(!strchr("()[]<>{},;", s[k]));
                MUST(!(k && s[k] == ' ' && s[k - 1] == ' '));
            }
        }
    }
    MUST(next == d->np);
}

/* Every value of a compiled set decodes, re-encodes to the same bytes, and
 * the set survives serialise + load. */
static void check_compiled(const dict_compiled *dc) {
    dict_tr trs[64];
    char terms[64][DICT_MAX_KEY];
    for (size_t i = 0; i < dict_count(dc); i++) {
        int lang;
        const char *k;
        size_t kl, vl;
        const uint8_t *v;
        MUST(dict_get(dc, i, &lang, &k, &kl, &v, &vl) == 0);
        const uint8_t *v2;
        size_t vl2;
        MUST(dict_find(dc, lang, k, kl, &v2, &vl2) == 0 && v2 == v);
        dict_iter it;
        dict_tr tr;
        MUST(dict_iter_init(&it, v, vl) == 0);
        size_t n = 0;
        int r;
        while ((r = dict_iter_next(&it, &tr)) == 1) {
            MUST(tr.lang != lang);
            if (n < 64) {
                memcpy(terms[n], tr.term, tr.len);
                trs[n] = tr;
                trs[n].term = terms[n];
            }
            n++;
        }
        MUST(r == 0);
        if (n <= 64) {
            zk_buf b = {0};
            MUST(dict_value_encode(trs, n, &b) == 0);
            MUST(b.len == vl && !memcmp(b.p, v, vl));
            zk_buf_free(&b);
        }
    }
    zk_buf ser = {0};
    MUST(dict_serialize(dc, &ser) == 0);
    dict_compiled *back;
    char err[128];
    int lrc = dict_load(ser.p, ser.len, &back, err, sizeof err);
    if (lrc) fprintf(stderr, "load: %d %s\n", lrc, err);
    MUST(lrc == 0);
    zk_buf ser2 = {0};
    MUST(dict_serialize(back, &ser2) == 0);
    MUST(ser.len == ser2.len && !memcmp(ser.p, ser2.p, ser.len));
    dict_compiled_free(back);
    zk_buf_free(&ser);
    zk_buf_free(&ser2);
}

static void compile(const dict_raw *d) {
    dict_compiler *c;
    dict_opts o = {sizeof o, 0, 2};
    MUST(dict_compiler_new(&o, &c) == 0);
    dict_add_stats st;
    MUST(dict_compiler_add(c, d, &st) == 0);
    MUST(st.entries == d->ne);
    MUST(st.tr_single + st.tr_phrase + st.tr_stop + st.tr_long == st.phrases);
    dict_compiled *dc;
    MUST(dict_compiler_finish(c, &dc) == 0);
    check_compiled(dc);
    dict_compiled_free(dc);
    dict_compiler_free(c);
}

/* One entry text. */
static void entry(const uint8_t *data, size_t size, int compile_too) {
    dict_raw *d;
    MUST(dict_raw_new(ZK_LANG_DE, ZK_LANG_NL, &d) == 0);
    MUST(dict_parse_entry(d, (const char *)data, size) == 0);
    MUST(d->ne <= 1);
    check_raw(d);
    if (compile_too) compile(d);
    dict_raw_free(d);
}

/* A whole dictionary: index text, a NUL byte, then the data. */
static void whole(const uint8_t *data, size_t size) {
    const uint8_t *z = memchr(data, 0, size);
    size_t ilen = z ? (size_t)(z - data) : size;
    const char *dat = z ? (const char *)z + 1 : "";
    size_t dlen = z ? size - ilen - 1 : 0;
    char *idx = malloc(ilen ? ilen : 1);
    MUST(idx != NULL);
    if (ilen) memcpy(idx, data, ilen);
    dict_raw *d;
    char err[128];
    int rc = dict_parse(idx, ilen, dat, dlen, ZK_LANG_EN, ZK_LANG_NL,
                        "fuzz", &d, err, sizeof err);
    MUST(memchr(err, 0, sizeof err) != NULL);
    if (rc == 0) {
        MUST(err[0] == 0);
        MUST(d->ne + d->nmeta + d->ndup <= d->nlines);
        check_raw(d);
        compile(d);
        dict_raw_free(d);
    } else {
        MUST((rc == ZOEK_EINPUT || rc == ZOEK_ECORRUPT) && err[0]);
        MUST(d == NULL);
    }
    free(idx);
}

/* A value: accepted bytes are canonical. */
static void value(const uint8_t *data, size_t size) {
    dict_iter it;
    dict_tr trs[256];
    static char terms[256][DICT_MAX_KEY];
    if (dict_iter_init(&it, data, size) != 0) return;
    size_t n = 0;
    int r;
    dict_tr tr;
    while ((r = dict_iter_next(&it, &tr)) == 1) {
        MUST(tr.len > 0 && tr.len <= DICT_MAX_KEY && tr.count >= 1);
        MUST(tr.lang >= 0 && tr.lang <= 2);
        if (n < 256) {
            memcpy(terms[n], tr.term, tr.len);
            trs[n] = tr;
            trs[n].term = terms[n];
        }
        n++;
    }
    if (r != 0) {
        MUST(r == ZOEK_ECORRUPT);
        return;
    }
    if (n > 256) return;
    zk_buf b = {0};
    MUST(dict_value_encode(trs, n, &b) == 0);
    MUST(b.len == size && !memcmp(b.p, data, size));
    zk_buf_free(&b);
}

/* A serialised set: the rest after a valid header, with its checksum. */
static void load(const uint8_t *data, size_t size) {
    uint64_t fp;
    MUST(stemmer_fingerprint(&fp) == 0);
    size_t len = 24 + size + 8;
    uint8_t *p = malloc(len);
    MUST(p != NULL);
    memcpy(p, "ZKDICT\1", 7);
    p[7] = ANALYZER_VERSION;
    zk_put_le64(p + 8, fp);
    /* the key count: from the first byte, so the fuzzer can match it */
    zk_put_le64(p + 16, size ? data[0] : 0);
    if (size > 1) memcpy(p + 24, data + 1, size - 1);
    len = 24 + (size ? size - 1 : 0) + 8;
    zk_put_le64(p + len - 8, zk_hash64(p, len - 8, 0x5a));
    dict_compiled *dc;
    char err[128];
    int rc = dict_load(p, len, &dc, err, sizeof err);
    if (rc == 0) {
        check_compiled(dc);
        dict_compiled_free(dc);
    } else {
        MUST(rc == ZOEK_ECORRUPT && err[0]);
    }
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    switch (mode % 6) {
    case 0: index_lines(data, size); break;
    case 1: entry(data, size, 0); break;
    case 2: entry(data, size, 1); break;
    case 3: whole(data, size); break;
    case 4: value(data, size); break;
    case 5: load(data, size); break;
    }
    return 0;
}
