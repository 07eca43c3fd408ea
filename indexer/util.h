/* util.h - allocation through the hook, growable byte buffers, byte-order
 * and hashing helpers shared by every module. */
#ifndef ZK_UTIL_H
#define ZK_UTIL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "zoek.h"

#if defined(__GNUC__)
#define ZK_HIDDEN __attribute__((visibility("hidden")))
#define ZK_LIKELY(x) __builtin_expect(!!(x), 1)
#define ZK_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ZK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ZK_HIDDEN
#define ZK_LIKELY(x) (x)
#define ZK_UNLIKELY(x) (x)
#define ZK_PRINTF(a, b)
#endif

/* The stack of the library's own threads (analysis, spills, merges):
 * their deepest frames take tens of KiB, and a process's default follows
 * ulimit -s (8 MiB on Debian), which sanitizers clear at every join. */
#define ZK_THREAD_STACK ((size_t)1 << 20)

/* pthread_create with a stack of ZK_THREAD_STACK bytes (the default
 * when that size cannot be set).  Returns 0 or pthread_create's error. */
ZK_HIDDEN int zk_thread_start(pthread_t *th, void *(*fn)(void *), void *arg);

/* Languages inside the library: array indexes 0..2 (public ZOEK_LANG_*
 * values are these plus one, with 0 for "detect"). */
enum { ZK_LANG_AUTO = -1, ZK_LANG_EN = 0, ZK_LANG_DE = 1, ZK_LANG_NL = 2 };
/* Public ZOEK_LANG_* to internal, and back. */
static inline int zk_lang_in(int pub) { return pub - 1; }
static inline int zk_lang_out(int lang) {
    return lang >= 0 && lang <= 2 ? lang + 1 : ZOEK_LANG_AUTO;
}

/* Allocation through the zoek_allocator hook. */
ZK_HIDDEN void *zk_malloc(size_t n);
ZK_HIDDEN void *zk_calloc(size_t n, size_t size);
ZK_HIDDEN void *zk_realloc(void *p, size_t n);
ZK_HIDDEN void zk_free(void *p);
/* Grows an array so that it holds at least `need` elements of `size`
 * bytes; *cap is updated.  Returns 0 or ZOEK_ENOMEM (array unchanged). */
ZK_HIDDEN int zk_grow(void **arr, size_t *cap, size_t need, size_t size);
/* Copies len bytes into a new NUL-terminated string, or NULL. */
ZK_HIDDEN char *zk_strndup(const char *s, size_t len);

/* A growable byte buffer. */
typedef struct zk_buf {
    uint8_t *p;  /* bytes */
    size_t len;  /* bytes used */
    size_t cap;  /* bytes allocated */
} zk_buf;

/* zk_buf_reserve when the buffer must grow. */
ZK_HIDDEN int zk_buf_reserve_more(zk_buf *b, size_t extra);
/* Makes room for extra more bytes (and a NUL after them). */
static inline int zk_buf_reserve(zk_buf *b, size_t extra) {
    if (b->len < b->cap && extra < b->cap - b->len) return 0;
    return zk_buf_reserve_more(b, extra);
}
static inline int zk_buf_put(zk_buf *b, const void *p, size_t len) {
    int rc = zk_buf_reserve(b, len);
    if (rc) return rc;
    if (len) memcpy(b->p + b->len, p, len);
    b->len += len;
    return 0;
}
ZK_HIDDEN int zk_buf_putc(zk_buf *b, uint8_t c);
ZK_HIDDEN int zk_buf_printf(zk_buf *b, const char *fmt, ...) ZK_PRINTF(2, 3);
/* Ensures p[len] == 0 without counting it. */
ZK_HIDDEN int zk_buf_nul(zk_buf *b);
ZK_HIDDEN void zk_buf_free(zk_buf *b);

/* Formats into a fixed message buffer (truncating). */
ZK_HIDDEN void zk_msg(char *dst, size_t cap, const char *fmt, ...)
    ZK_PRINTF(3, 4);

/* Big-endian fixed-width helpers (keys sort by bytes). */
static inline void zk_put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline uint32_t zk_get_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}
static inline void zk_put_be16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline uint16_t zk_get_be16(const uint8_t *p) {
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
/* Little-endian helpers for values. */
static inline void zk_put_le16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline uint16_t zk_get_le16(const uint8_t *p) {
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline void zk_put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t zk_get_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static inline void zk_put_le64(uint8_t *p, uint64_t v) {
    zk_put_le32(p, (uint32_t)v);
    zk_put_le32(p + 4, (uint32_t)(v >> 32));
}
static inline uint64_t zk_get_le64(const uint8_t *p) {
    return (uint64_t)zk_get_le32(p) | (uint64_t)zk_get_le32(p + 4) << 32;
}

/* 64-bit hash of a byte string (content hashes, hash tables). */
ZK_HIDDEN uint64_t zk_hash64(const void *p, size_t len, uint64_t seed);

/* qsort / qsort_r that accept an empty (or NULL) array. */
ZK_HIDDEN void zk_sort(void *base, size_t n, size_t size,
                       int (*cmp)(const void *, const void *));
ZK_HIDDEN void zk_sort_r(void *base, size_t n, size_t size,
                         int (*cmp)(const void *, const void *, void *),
                         void *ud);

/* Monotonic clock in seconds. */
ZK_HIDDEN double zk_now(void);

#endif
