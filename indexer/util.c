/* util.c - the allocation hook, byte buffers, message formatting, hashing
 * and the library's version/error/language names. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *default_malloc(size_t n, void *ud) {
    (void)ud;
    return malloc(n);
}
static void *default_realloc(void *p, size_t n, void *ud) {
    (void)ud;
    return realloc(p, n);
}
static void default_free(void *p, void *ud) {
    (void)ud;
    free(p);
}

/* The one process-wide setting: set before use, read-only afterwards. */
static zoek_allocator g_alloc = {default_malloc, default_realloc,
                                 default_free, NULL};

void zoek_set_allocator(const zoek_allocator *a) {
    if (a && a->malloc_fn && a->realloc_fn && a->free_fn)
        g_alloc = *a;
    else {
        g_alloc.malloc_fn = default_malloc;
        g_alloc.realloc_fn = default_realloc;
        g_alloc.free_fn = default_free;
        g_alloc.ud = NULL;
    }
}

void *zk_malloc(size_t n) { return g_alloc.malloc_fn(n ? n : 1, g_alloc.ud); }

int zk_thread_start(pthread_t *th, void *(*fn)(void *), void *arg) {
    pthread_attr_t at;
    if (pthread_attr_init(&at)) return pthread_create(th, NULL, fn, arg);
    int rc = pthread_attr_setstacksize(&at, ZK_THREAD_STACK)
                 ? pthread_create(th, NULL, fn, arg)
                 : pthread_create(th, &at, fn, arg);
    pthread_attr_destroy(&at);
    return rc;
}

void *zk_calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = zk_malloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

void *zk_realloc(void *p, size_t n) {
    if (!p) return zk_malloc(n);
    return g_alloc.realloc_fn(p, n ? n : 1, g_alloc.ud);
}

void zk_free(void *p) {
    if (p) g_alloc.free_fn(p, g_alloc.ud);
}

int zk_grow(void **arr, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) return ZOEK_ENOMEM;
        ncap *= 2;
    }
    if (size && ncap > SIZE_MAX / size) return ZOEK_ENOMEM;
    void *p = zk_realloc(*arr, ncap * size);
    if (!p) return ZOEK_ENOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

char *zk_strndup(const char *s, size_t len) {
    if (len == SIZE_MAX) return NULL;
    char *p = zk_malloc(len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = 0;
    return p;
}

int zk_buf_reserve_more(zk_buf *b, size_t extra) {
    if (extra > SIZE_MAX - b->len - 1) return ZOEK_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) return ZOEK_ENOMEM;
        ncap *= 2;
    }
    uint8_t *p = zk_realloc(b->p, ncap);
    if (!p) return ZOEK_ENOMEM;
    b->p = p;
    b->cap = ncap;
    return 0;
}

int zk_buf_putc(zk_buf *b, uint8_t c) {
    if (zk_buf_reserve(b, 1)) return ZOEK_ENOMEM;
    b->p[b->len++] = c;
    return 0;
}

int zk_buf_printf(zk_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return ZOEK_EINVAL;
    if (zk_buf_reserve(b, (size_t)n + 1)) return ZOEK_ENOMEM;
    va_start(ap, fmt);
    vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int zk_buf_nul(zk_buf *b) {
    if (zk_buf_reserve(b, 0)) return ZOEK_ENOMEM;
    b->p[b->len] = 0;
    return 0;
}

void zk_buf_free(zk_buf *b) {
    zk_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void zk_msg(char *dst, size_t cap, const char *fmt, ...) {
    if (!dst || !cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

/* wyhash-style mixing: fast, good distribution, not cryptographic. */
static inline uint64_t mix(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}
static inline uint64_t rd64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static inline uint64_t rd32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

uint64_t zk_hash64(const void *key, size_t len, uint64_t seed) {
    static const uint64_t s0 = 0xa0761d6478bd642full, s1 = 0xe7037ed1a0b428dbull,
                          s2 = 0x8ebc6af09c88c6e3ull, s3 = 0x589965cc75374cc3ull;
    const uint8_t *p = key;
    uint64_t a, b;
    seed ^= mix(seed ^ s0, s1);
    if (len <= 16) {
        if (len >= 4) {
            a = (rd32(p) << 32) | rd32(p + ((len >> 3) << 2));
            b = (rd32(p + len - 4) << 32) | rd32(p + len - 4 - ((len >> 3) << 2));
        } else if (len > 0) {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) |
                p[len - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = len;
        if (i > 48) {
            uint64_t see1 = seed, see2 = seed;
            do {
                seed = mix(rd64(p) ^ s1, rd64(p + 8) ^ seed);
                see1 = mix(rd64(p + 16) ^ s2, rd64(p + 24) ^ see1);
                see2 = mix(rd64(p + 32) ^ s3, rd64(p + 40) ^ see2);
                p += 48;
                i -= 48;
            } while (i > 48);
            seed ^= see1 ^ see2;
        }
        while (i > 16) {
            seed = mix(rd64(p) ^ s1, rd64(p + 8) ^ seed);
            i -= 16;
            p += 16;
        }
        a = rd64(p + i - 16);
        b = rd64(p + i - 8);
    }
    return mix(s1 ^ len, mix(a ^ s1, b ^ seed));
}

void zk_sort(void *base, size_t n, size_t size,
             int (*cmp)(const void *, const void *)) {
    if (n > 1) qsort(base, n, size, cmp);
}

void zk_sort_r(void *base, size_t n, size_t size,
               int (*cmp)(const void *, const void *, void *), void *ud) {
    if (n > 1) qsort_r(base, n, size, cmp, ud);
}

double zk_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *zoek_version(void) { return ZOEK_VERSION_STRING; }

const char *zoek_strerror(int rc) {
    switch (rc) {
    case ZOEK_OK: return "success";
    case ZOEK_ENOMEM: return "out of memory";
    case ZOEK_EIO: return "input/output error";
    case ZOEK_ECORRUPT: return "index is corrupt";
    case ZOEK_ENOTFOUND: return "not found";
    case ZOEK_EFULL: return "disk full";
    case ZOEK_EBUSY: return "index is locked by another writer";
    case ZOEK_EINVAL: return "invalid argument";
    case ZOEK_EQUERY: return "query cannot be evaluated";
    case ZOEK_EVERSION: return "index made by another version: rebuild required";
    case ZOEK_EUNSUPPORTED: return "not supported";
    case ZOEK_ENOTINDEX: return "not a zoek index";
    case ZOEK_EINPUT: return "malformed input";
    default: return "unknown error";
    }
}

const char *zoek_lang_code(int lang) {
    switch (lang) {
    case ZOEK_LANG_EN: return "en";
    case ZOEK_LANG_DE: return "de";
    case ZOEK_LANG_NL: return "nl";
    default: return "";
    }
}

int zoek_lang_parse(const char *code) {
    if (!code) return ZOEK_EINVAL;
    if (!strcmp(code, "en")) return ZOEK_LANG_EN;
    if (!strcmp(code, "de")) return ZOEK_LANG_DE;
    if (!strcmp(code, "nl")) return ZOEK_LANG_NL;
    if (!strcmp(code, "auto")) return ZOEK_LANG_AUTO;
    return ZOEK_EINVAL;
}
