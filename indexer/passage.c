/* passage.c - greedy sentence packing into passages of ~100-150 words;
 * over-long sentences are cut, a short tail joins its predecessor. */
#include "passage.h"

void passage_list_free(passage_list *l) {
    zk_free(l->v);
    zk_free(l->occ);
    memset(l, 0, sizeof *l);
}

static uint32_t tok_pos(const an_out *o, size_t i) {
    return i < o->toks.n ? o->tpos[i] : o->npos;
}

static int emit(passage_list *out, uint32_t first, uint32_t end) {
    if (zk_grow((void **)&out->v, &out->cap, out->n + 1, sizeof(passage)))
        return ZOEK_ENOMEM;
    passage *p = &out->v[out->n++];
    memset(p, 0, sizeof *p);
    p->tok_first = first;
    p->tok_end = end;
    return 0;
}

int passage_split(const an_out *o, size_t textlen, passage_list *out) {
    out->n = 0;
    size_t nt = o->toks.n;
    if (nt == 0) {
        if (emit(out, 0, 0)) return ZOEK_ENOMEM;
    } else {
        uint32_t cur = 0; /* first token of the open passage */
        size_t s = 0;     /* first token of the current sentence */
        while (s < nt) {
            size_t e = s + 1;
            while (e < nt && !(o->toks.v[e].flags & TOK_SENT)) e++;
            uint32_t have = tok_pos(o, s) - tok_pos(o, cur);
            uint32_t w = tok_pos(o, e) - tok_pos(o, s);
            if (have > 0 && have + w > PASSAGE_MAX_WORDS &&
                have >= PASSAGE_MIN_WORDS / 2) {
                if (emit(out, cur, (uint32_t)s)) return ZOEK_ENOMEM;
                cur = (uint32_t)s;
            }
            /* cut an over-long run at PASSAGE_MAX_WORDS */
            while (tok_pos(o, e) - tok_pos(o, cur) > PASSAGE_MAX_WORDS) {
                size_t c = cur;
                while (c < e &&
                       tok_pos(o, c + 1) - tok_pos(o, cur) <=
                           PASSAGE_MAX_WORDS)
                    c++;
                if (c == cur) c = cur + 1;
                if (c >= e) break;
                if (emit(out, cur, (uint32_t)c)) return ZOEK_ENOMEM;
                cur = (uint32_t)c;
            }
            if (tok_pos(o, e) - tok_pos(o, cur) >= PASSAGE_MIN_WORDS) {
                if (emit(out, cur, (uint32_t)e)) return ZOEK_ENOMEM;
                cur = (uint32_t)e;
            }
            s = e;
        }
        if (cur < nt) {
            uint32_t tail = o->npos - tok_pos(o, cur);
            if (out->n > 0 && tail < PASSAGE_TAIL_WORDS &&
                o->npos - tok_pos(o, out->v[out->n - 1].tok_first) <=
                    PASSAGE_MAX_WORDS + PASSAGE_TAIL_WORDS)
                out->v[out->n - 1].tok_end = (uint32_t)nt;
            else if (emit(out, cur, (uint32_t)nt))
                return ZOEK_ENOMEM;
        }
    }
    /* byte ranges, term ranges, lengths, languages */
    size_t ti = 0;
    for (size_t i = 0; i < out->n; i++) {
        passage *p = &out->v[i];
        p->start = i == 0 ? 0 : o->toks.v[p->tok_first].start;
        p->end = (uint32_t)textlen;
        if (i > 0) out->v[i - 1].end = p->start;
        p->pos_first = tok_pos(o, p->tok_first);
        p->term_first = (uint32_t)ti;
        uint32_t dl = 0;
        while (ti < o->nterms && o->terms[ti].tok < p->tok_end) {
            if (!(o->terms[ti].flags & (AN_WHOLE | AN_SUB))) dl++;
            ti++;
        }
        p->term_end = (uint32_t)ti;
        p->dl = dl;
        uint32_t cnt[3] = {0, 0, 0};
        for (uint32_t t = p->tok_first; t < p->tok_end; t++)
            if (o->tlang[t] < 3) cnt[o->tlang[t]]++;
        int best = o->lang;
        for (int l = 0; l < 3; l++)
            if (cnt[l] > cnt[best]) best = l;
        p->lang = (uint8_t)best;
    }
    return 0;
}

/* Gap between a passage's own positions and the title's appended ones,
 * so no phrase spans the two. */
#define TITLE_POS_GAP 8

static int add_occ(passage_list *pl, uint32_t term, uint32_t pos) {
    if (pl->nocc == pl->occcap &&
        zk_grow((void **)&pl->occ, &pl->occcap, pl->nocc + 1, sizeof(pocc)))
        return ZOEK_ENOMEM;
    pl->occ[pl->nocc].term = term;
    pl->occ[pl->nocc].pos = pos;
    pl->nocc++;
    return 0;
}

int passage_index(const an_out *o, size_t textlen, uint32_t title_len,
                  passage_list *pl) {
    int rc = passage_split(o, textlen, pl);
    if (rc) return rc;
    pl->nocc = 0;
    /* the title's terms: those of tokens inside its bytes */
    uint32_t title_end = 0, title_terms = 0, title_dl = 0;
    if (title_len) {
        while (title_end < o->nterms &&
               o->toks.v[o->terms[title_end].tok].end <= title_len) {
            unsigned f = o->terms[title_end].flags;
            /* the first PASSAGE_TITLE_WORDS words; a compound's parts stay
             * with their whole */
            if (title_terms == title_end &&
                (title_dl < PASSAGE_TITLE_WORDS || (f & AN_SUB))) {
                if (!(f & (AN_WHOLE | AN_SUB))) title_dl++;
                title_terms++;
            }
            title_end++;
        }
    }
    for (size_t i = 0; i < pl->n; i++) {
        passage *p = &pl->v[i];
        p->occ_first = (uint32_t)pl->nocc;
        uint32_t end = (i + 1 < pl->n ? pl->v[i + 1].pos_first : o->npos) -
                       p->pos_first;
        for (uint32_t t = p->term_first; t < p->term_end; t++)
            if ((rc = add_occ(pl, t, o->terms[t].pos - p->pos_first)))
                return rc;
        if (i > 0 && title_terms && p->term_first >= title_end) {
            uint32_t base = end + TITLE_POS_GAP;
            uint32_t first = o->terms[0].pos;
            for (uint32_t t = 0; t < title_terms; t++)
                if ((rc = add_occ(pl, t, base + o->terms[t].pos - first)))
                    return rc;
            p->dl += title_dl;
        }
        p->occ_end = (uint32_t)pl->nocc;
    }
    return 0;
}
