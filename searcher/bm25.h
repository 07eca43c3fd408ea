/* bm25.h - BM25 over passages.  Pure arithmetic, no I/O.
 *
 *   score(q, p) = sum over query words w present in p of
 *                 qtf(w) * idf(w) * tf * (k1 + 1) /
 *                 (tf + k1 * (1 - b + b * dl / avgdl))
 *   idf(w) = ln(1 + (N - df + 0.5) / (df + 0.5))
 * N: live passages, avgdl: their mean length, df: live passages holding the
 * word (any of its variant terms), tf: occurrences of its variants in p,
 * dl: p's length (indexed words, stopwords excluded). */
#ifndef ZK_BM25_H
#define ZK_BM25_H

#include <math.h>
#include <stdint.h>

typedef struct bm25 {
    double k1;     /* term frequency saturation */
    double b;      /* length normalisation */
    double avgdl;  /* mean passage length */
} bm25;

static inline double bm25_idf(uint64_t n, uint64_t df) {
    if (df > n) df = n;
    return log(1.0 + ((double)n - (double)df + 0.5) / ((double)df + 0.5));
}

/* The tf part: tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl)). */
static inline double bm25_tf(const bm25 *p, double tf, double dl) {
    double norm = p->avgdl > 0 ? dl / p->avgdl : 0;
    return tf * (p->k1 + 1.0) / (tf + p->k1 * (1.0 - p->b + p->b * norm));
}

/* bm25_tf with one division, for bounds: equal to it but for rounding
 * (a relative 1e-15 or so), which comparisons of bounds must allow for. */
typedef struct bm25_bound {
    double c0;     /* k1 (1 - b) */
    double c1;     /* k1 b / avgdl */
    double c2;     /* k1 + 1 */
} bm25_bound;

static inline bm25_bound bm25_bound_of(const bm25 *p) {
    bm25_bound r = {p->k1 * (1.0 - p->b),
                    p->avgdl > 0 ? p->k1 * p->b / p->avgdl : 0, p->k1 + 1.0};
    return r;
}

static inline double bm25_tf_bound(const bm25_bound *f, double tf,
                                   double dl) {
    return tf * f->c2 / (tf + f->c0 + f->c1 * dl);
}

#endif
