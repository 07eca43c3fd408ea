/* fuzz_analyze.c - fuzz target of the analysis chain on any bytes: UTF-8
 * repair, folding, tokenizing, analyze() and passage_index().  The first
 * byte picks the language and the title length.  Everything stays inside
 * the text, repaired text is valid UTF-8, and two analyzers with different
 * caches give the same terms (the check and deletions rely on analysis
 * being a pure function of the text). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "normalize.h"
#include "passage.h"
#include "tokenize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(x)                                                                \
    do {                                                                       \
        if (!(x)) abort();                                                     \
    } while (0)

static analyzer *a1, *a2;

static void same_terms(const an_out *x, const an_out *y) {
    MUST(x->nterms == y->nterms && x->toks.n == y->toks.n);
    MUST(x->npos == y->npos && x->lang == y->lang && x->mixed == y->mixed);
    for (size_t i = 0; i < x->nterms; i++) {
        const an_term *s = &x->terms[i], *t = &y->terms[i];
        MUST(s->len == t->len && memcmp(s->s, t->s, s->len) == 0);
        MUST(s->pos == t->pos && s->tok == t->tok && s->lang == t->lang &&
             s->flags == t->flags);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!a1) {
        MUST(analyzer_new(&a1, AN_CACHE_INDEX) == 0);
        MUST(analyzer_new(&a2, AN_CACHE_QUERY) == 0);
    }
    if (size == 0) return 0;
    int lang = (int)(data[0] % 4) - 1; /* auto, en, de, nl */
    size_t title = data[0] >> 2;
    data++;
    size--;
    char *in = malloc(size ? size : 1); /* exact size: overreads show */
    MUST(in != NULL);
    if (size) memcpy(in, data, size);

    /* repair: valid UTF-8 out, no longer than 3 bytes per input byte */
    zk_buf text = {0};
    size_t nbad = 1;
    MUST(norm_repair_utf8(in, size, &text, &nbad) == 0);
    MUST(text.len <= 3 * size);
    MUST(norm_is_valid_utf8((const char *)text.p, text.len));
    if (norm_is_valid_utf8(in, size))
        MUST(nbad == 0 && text.len == size && !memcmp(text.p, in, size));
    char *t = malloc(text.len ? text.len : 1);
    MUST(t != NULL);
    if (text.len) memcpy(t, text.p, text.len);
    size_t len = text.len;
    if (title > len) title = len;

    /* tokens: ordered, inside the text; each folds to valid UTF-8 */
    token_list tl = {0};
    MUST(tokenize(t, len, &tl) == 0);
    uint32_t prev = 0;
    for (size_t i = 0; i < tl.n; i++) {
        const token *k = &tl.v[i];
        MUST(k->start < k->end && k->end <= len && k->start >= prev);
        prev = k->end;
        char f[NORM_BUF], g[NORM_BUF];
        size_t fl = norm_fold_word(t + k->start, k->end - k->start, f);
        MUST(fl < NORM_BUF);
        if (!fl) continue;
        MUST(norm_is_valid_utf8(f, fl));
        for (int l = 0; l < 3; l++) {
            size_t gl = norm_lang_fold(l, f, fl, g);
            MUST(gl < NORM_BUF);
            if (gl) MUST(norm_is_valid_utf8(g, gl));
        }
    }
    token_list_free(&tl);

    /* analysis: terms inside the limits, the same with either analyzer */
    an_out o1 = {0}, o2 = {0};
    MUST(analyze(a1, t, len, lang, &o1) == 0);
    MUST(o1.lang >= 0 && o1.lang <= 2);
    for (size_t i = 0; i < o1.nterms; i++) {
        const an_term *m = &o1.terms[i];
        MUST(m->len > 0 && m->len < NORM_BUF && m->tok < o1.toks.n);
        MUST(m->pos < o1.npos && m->lang <= 2);
        MUST(norm_is_valid_utf8(m->s, m->len));
        if (i) MUST(m->tok >= o1.terms[i - 1].tok);
    }
    MUST(analyze(a2, t, len, lang, &o2) == 0);
    same_terms(&o1, &o2);
    /* again on the first analyzer, whose cache is now warm */
    MUST(analyze(a1, t, len, lang, &o2) == 0);
    MUST(analyze(a1, t, len, lang, &o1) == 0);
    same_terms(&o1, &o2);

    /* passages tile the text; occurrences are the passage's terms */
    passage_list pl = {0};
    MUST(passage_index(&o1, len, (uint32_t)title, &pl) == 0);
    MUST(pl.n >= 1);
    uint32_t at = 0;
    for (size_t i = 0; i < pl.n; i++) {
        const passage *p = &pl.v[i];
        MUST(p->start == at && p->end >= p->start && p->end <= len);
        MUST(p->lang <= 2);
        at = p->end;
        MUST(p->occ_first <= p->occ_end && p->occ_end <= pl.nocc);
        for (uint32_t j = p->occ_first; j < p->occ_end; j++)
            MUST(pl.occ[j].term < o1.nterms);
    }
    MUST(at == len);
    passage_list_free(&pl);
    an_out_free(&o1);
    an_out_free(&o2);
    zk_buf_free(&text);
    free(t);
    free(in);
    return 0;
}
