/* snippet.c - snippet window selection and highlight ranges. */
#include "snippet.h"

static int is_query_term(const snip_terms *qt, const char *s, size_t len) {
    for (size_t i = 0; i < qt->n; i++)
        if (qt->len[i] == len && !memcmp(qt->s[i], s, len)) return 1;
    return 0;
}

/* Appends text[a, b) with whitespace runs collapsed. */
static int put_text(zk_buf *out, const char *text, size_t a, size_t b,
                    int *space) {
    for (size_t i = a; i < b; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' ||
            c == '\v') {
            *space = 1;
            continue;
        }
        if (*space && out->len) {
            if (zk_buf_putc(out, ' ')) return ZOEK_ENOMEM;
        }
        *space = 0;
        if (zk_buf_putc(out, c)) return ZOEK_ENOMEM;
    }
    return 0;
}

int snippet_make(analyzer *a, an_out *ao, const char *text, size_t start,
                 size_t end, int lang, const snip_terms *qt, unsigned words,
                 zk_buf *out, zoek_range **hl, size_t *nhl, size_t *hlcap) {
    out->len = 0;
    if (end <= start) return zk_buf_nul(out);
    int rc = analyze(a, text + start, end - start, lang, ao);
    if (rc) return rc;
    size_t nt = ao->toks.n;
    if (nt == 0) return zk_buf_nul(out);
    /* which tokens match */
    uint8_t *hit = zk_calloc(nt, 1);
    if (!hit) return ZOEK_ENOMEM;
    for (size_t i = 0; i < ao->nterms; i++)
        if (is_query_term(qt, ao->terms[i].s, ao->terms[i].len))
            hit[ao->terms[i].tok] = 1;
    if (words == 0) words = 30;
    size_t w = words < nt ? words : nt;
    /* sliding window with the most hits (first best) */
    size_t best = 0, cnt = 0, bestcnt = 0;
    for (size_t i = 0; i < w; i++) cnt += hit[i];
    bestcnt = cnt;
    for (size_t i = w; i < nt; i++) {
        cnt += hit[i];
        cnt -= hit[i - w];
        if (cnt > bestcnt) {
            bestcnt = cnt;
            best = i - w + 1;
        }
    }
    /* centre the hits a little: start two words before the first hit */
    if (bestcnt) {
        size_t first = best;
        while (first < best + w && !hit[first]) first++;
        size_t back = first - best > 2 ? first - best - 2 : 0;
        best += back;
        if (best + w > nt) best = nt - w;
    }
    size_t t0 = best, t1 = best + w; /* tokens [t0, t1) */
    size_t b0 = t0 == 0 ? 0 : ao->toks.v[t0].start;
    size_t b1 = t1 == nt ? end - start : ao->toks.v[t1 - 1].end;
    /* keep punctuation that closes the last word ("China." / "zei:") */
    if (t1 < nt) {
        size_t e = b1;
        while (e < ao->toks.v[t1].start && e - b1 < 3) {
            unsigned char c = (unsigned char)text[start + e];
            if (c == ' ' || c == '\n' || c == '\t' || c == '\r') break;
            e++;
        }
        b1 = e;
    }
    const char *p = text + start;
    int space = 0;
    if (t0 > 0 && (rc = zk_buf_put(out, "\xE2\x80\xA6", 3))) goto out;
    size_t at = b0;
    for (size_t i = t0; i < t1; i++) {
        const token *tk = &ao->toks.v[i];
        if ((rc = put_text(out, p, at, tk->start, &space))) goto out;
        if (space && out->len) {
            if ((rc = zk_buf_putc(out, ' '))) goto out;
            space = 0;
        }
        size_t hs = out->len;
        if ((rc = zk_buf_put(out, p + tk->start, tk->end - tk->start)))
            goto out;
        if (hit[i]) {
            if (zk_grow((void **)hl, hlcap, *nhl + 1, sizeof(zoek_range))) {
                rc = ZOEK_ENOMEM;
                goto out;
            }
            (*hl)[*nhl].start = (uint32_t)hs;
            (*hl)[*nhl].end = (uint32_t)out->len;
            (*nhl)++;
        }
        at = tk->end;
    }
    if ((rc = put_text(out, p, at, b1, &space))) goto out;
    if (t1 < nt && (rc = zk_buf_put(out, "\xE2\x80\xA6", 3))) goto out;
    rc = zk_buf_nul(out);
out:
    zk_free(hit);
    return rc;
}
