/* gen_compound.c - builds indexer/compound_data.c: per language (German,
 * Dutch) the words found in at least MIN_DF articles of a JSON Lines
 * corpus, folded exactly as the analyzer folds them, as static hash sets.
 *   build/gen_compound MIN_DF MAX_WORDS de.jsonl.gz nl.jsonl.gz > out.c
 * Only word statistics leave the corpus: no text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "analyze.h"
#include "jsonl.h"
#include "normalize.h"
#include "tokenize.h"

typedef struct ent {
    char *w;            /* folded word */
    uint32_t df;        /* articles holding it */
    uint32_t last;      /* last article counted */
} ent;

typedef struct set {
    ent *v;
    size_t cap, n;
} set;

static ent *find(set *s, const char *w, size_t len) {
    if (s->n * 2 >= s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 1 << 20;
        ent *nv = calloc(nc, sizeof(ent));
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->v[i].w) continue;
            size_t j = zk_hash64(s->v[i].w, strlen(s->v[i].w), 11) & (nc - 1);
            while (nv[j].w) j = (j + 1) & (nc - 1);
            nv[j] = s->v[i];
        }
        free(s->v);
        s->v = nv;
        s->cap = nc;
    }
    size_t j = zk_hash64(w, len, 11) & (s->cap - 1);
    while (s->v[j].w) {
        if (strlen(s->v[j].w) == len && !memcmp(s->v[j].w, w, len))
            return &s->v[j];
        j = (j + 1) & (s->cap - 1);
    }
    s->v[j].w = strndup(w, len);
    s->v[j].last = UINT32_MAX;
    s->n++;
    return &s->v[j];
}

static int cmp_df(const void *a, const void *b) {
    const ent *x = a, *y = b;
    if (x->df != y->df) return x->df > y->df ? -1 : 1;
    return strcmp(x->w ? x->w : "", y->w ? y->w : "");
}

/* Orders entries by word, past their class byte. */
static int cmp_word(const void *a, const void *b) {
    return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

static void count(const char *path, int lang, set *s, analyzer *an) {
    gzFile f = gzopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    jsonl_parser *jp;
    jsonl_parser_new(&jp);
    static char line[1 << 24];
    token_list tl = {0};
    zk_buf text = {0};
    uint32_t art = 0;
    char fold[NORM_BUF], lf[NORM_BUF];
    while (gzgets(f, line, sizeof line)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        jsonl_doc d;
        char err[128];
        if (jsonl_parse_line(jp, line, n, &d, err, sizeof err)) continue;
        /* news only: the novels' 19th-century vocabulary is left out */
        if (memmem(d.id, d.id_len, "eltec", 5)) continue;
        text.len = 0;
        norm_repair_utf8(d.text, d.text_len, &text, NULL);
        tl.n = 0;
        if (tokenize((const char *)text.p, text.len, &tl)) continue;
        for (size_t i = 0; i < tl.n; i++) {
            const token *t = &tl.v[i];
            if (t->flags & (TOK_DIGIT | TOK_HYPHEN | TOK_DOT | TOK_LONG))
                continue;
            size_t fl = norm_fold_word((const char *)text.p + t->start,
                                       t->end - t->start, fold);
            if (fl < 3) continue;
            size_t ll = norm_lang_fold(lang, fold, fl, lf);
            if (ll < 3 || ll > 24 || analyzer_is_stop(an, lang, lf, ll))
                continue;
            ent *e = find(s, lf, ll);
            if (e->last != art) {
                e->last = art;
                e->df++;
            }
        }
        art++;
    }
    gzclose(f);
    token_list_free(&tl);
    zk_buf_free(&text);
    jsonl_parser_free(jp);
}

/* Writes one language's words, sorted, as one NUL-separated string. */
static void emit(const char *name, set *s, unsigned min_df, size_t max) {
    ent *v = malloc(s->n * sizeof(ent));
    size_t n = 0;
    for (size_t i = 0; i < s->cap; i++)
        if (s->v[i].w && s->v[i].df >= min_df) v[n++] = s->v[i];
    qsort(v, n, sizeof(ent), cmp_df);
    if (n > max) n = max;
    /* each word is preceded by its frequency class: 'A' + floor(log2(df)) */
    char **w = malloc(n * sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        unsigned cls = 0;
        while ((v[i].df >> (cls + 1)) != 0) cls++;
        size_t l = strlen(v[i].w);
        w[i] = malloc(l + 2);
        w[i][0] = (char)('A' + cls);
        memcpy(w[i] + 1, v[i].w, l + 1);
    }
    qsort(w, n, sizeof(char *), cmp_word);
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) bytes += strlen(w[i]) + 1;
    printf("/* %zu words, %zu bytes */\n", n, bytes);
    printf("static const size_t %s_words = %zu;\n", name, n);
    printf("static const char %s_blob[%zu] =\n", name, bytes + 1);
    size_t col = 0;
    printf("    \"");
    for (size_t i = 0; i < n; i++) {
        char tmp[256];
        size_t t = 0;
        for (const unsigned char *p = (const unsigned char *)w[i]; *p; p++) {
            if (*p < 0x80) tmp[t++] = (char)*p;
            else t += (size_t)sprintf(tmp + t, "\\%03o", *p);
        }
        memcpy(tmp + t, "\\0", 2);
        t += 2;
        if (col + t > 72) {
            printf("\"\n    \"");
            col = 0;
        }
        fwrite(tmp, 1, t, stdout);
        col += t;
    }
    printf("\";\n\n");
    for (size_t i = 0; i < n; i++) free(w[i]);
    free(w);
    free(v);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s MIN_DF MAX_WORDS de.jsonl.gz nl.jsonl.gz\n",
                argv[0]);
        return 2;
    }
    unsigned min_df = (unsigned)atoi(argv[1]);
    size_t max = (size_t)atol(argv[2]);
    analyzer *an;
    analyzer_new(&an, 8);
    set de = {0}, nl = {0};
    count(argv[3], ZK_LANG_DE, &de, an);
    count(argv[4], ZK_LANG_NL, &nl, an);
    printf("/* compound_data.inc - word lists for compound splitting: the "
           "words of at\n * least %u articles (at most %zu per language) "
           "of the German and Dutch\n * news of the benchmark corpus, folded "
           "like the analyzer folds them, each\n * after a frequency class "
           "byte ('A' + floor(log2(articles))).\n * Generated by "
           "tools/gen_compound.c (make compound-data); do not edit. */\n\n",
           min_df, max);
    emit("de", &de, min_df, max);
    emit("nl", &nl, min_df, max);
    return 0;
}
