/* heaphook.h - an allocator hook (zoek_set_allocator) that counts the
 * library's heap: hh_cur bytes held now, hh_peak the most held since it
 * was last set.  The analysis threads allocate at the same time, so the
 * counters are updated atomically. */
#ifndef ZK_HEAPHOOK_H
#define ZK_HEAPHOOK_H

#include <stdlib.h>

#include "zoek.h"

static size_t hh_cur, hh_peak;

static void hh_add(size_t n) {
    size_t c = __atomic_add_fetch(&hh_cur, n, __ATOMIC_RELAXED);
    size_t p = __atomic_load_n(&hh_peak, __ATOMIC_RELAXED);
    while (c > p && !__atomic_compare_exchange_n(&hh_peak, &p, c, 1,
                                                 __ATOMIC_RELAXED,
                                                 __ATOMIC_RELAXED)) {
    }
}

static void *hh_malloc(size_t n, void *ud) {
    (void)ud;
    size_t *p = malloc(n + 16);
    if (!p) return NULL;
    p[0] = n;
    hh_add(n);
    return (char *)p + 16;
}

static void hh_free(void *q, void *ud) {
    (void)ud;
    if (!q) return;
    size_t *p = (size_t *)((char *)q - 16);
    __atomic_sub_fetch(&hh_cur, p[0], __ATOMIC_RELAXED);
    free(p);
}

static void *hh_realloc(void *q, size_t n, void *ud) {
    if (!q) return hh_malloc(n, ud);
    size_t *p = (size_t *)((char *)q - 16);
    size_t old = p[0];
    size_t *np = realloc(p, n + 16);
    if (!np) return NULL;
    np[0] = n;
    __atomic_sub_fetch(&hh_cur, old, __ATOMIC_RELAXED);
    hh_add(n);
    return (char *)np + 16;
}

static const zoek_allocator hh_hook = {hh_malloc, hh_realloc, hh_free, NULL};

#endif
