/* check.h - the unit tests' tiny assertion macros and summary line. */
#ifndef ZK_CHECK_H
#define ZK_CHECK_H

#include <stdio.h>
#include <string.h>

#include "zoek.h"

static int check_passed, check_failed;

#define CHECK(expr)                                                        \
    do {                                                                   \
        if (expr) {                                                        \
            check_passed++;                                                \
        } else {                                                           \
            check_failed++;                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,         \
                    __LINE__, #expr);                                      \
        }                                                                  \
    } while (0)

/* Checks that a call returns ZOEK_OK, printing the error name if not. */
#define CHECK_OK(call)                                                     \
    do {                                                                   \
        int rc_ = (call);                                                  \
        if (rc_ == 0) {                                                    \
            check_passed++;                                                \
        } else {                                                           \
            check_failed++;                                                \
            fprintf(stderr, "%s:%d: %s -> %d (%s)\n", __FILE__, __LINE__,  \
                    #call, rc_, zoek_strerror(rc_));                       \
        }                                                                  \
    } while (0)

#define CHECK_RC(call, want)                                               \
    do {                                                                   \
        int rc_ = (call);                                                  \
        if (rc_ == (want)) {                                               \
            check_passed++;                                                \
        } else {                                                           \
            check_failed++;                                                \
            fprintf(stderr, "%s:%d: %s -> %d (%s), expected %d (%s)\n",    \
                    __FILE__, __LINE__, #call, rc_, zoek_strerror(rc_),    \
                    (int)(want), zoek_strerror(want));                     \
        }                                                                  \
    } while (0)

#define CHECK_STR(got, want)                                               \
    do {                                                                   \
        const char *g_ = (got), *w_ = (want);                              \
        if (g_ && w_ && strcmp(g_, w_) == 0) {                             \
            check_passed++;                                                \
        } else {                                                           \
            check_failed++;                                                \
            fprintf(stderr, "%s:%d: %s = \"%s\", expected \"%s\"\n",       \
                    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",          \
                    w_ ? w_ : "(null)");                                   \
        }                                                                  \
    } while (0)

#define CHECK_NEAR(got, want, eps)                                         \
    do {                                                                   \
        double g_ = (got), w_ = (want);                                    \
        if (g_ - w_ <= (eps) && w_ - g_ <= (eps)) {                        \
            check_passed++;                                                \
        } else {                                                           \
            check_failed++;                                                \
            fprintf(stderr, "%s:%d: %s = %.9f, expected %.9f\n", __FILE__, \
                    __LINE__, #got, g_, w_);                               \
        }                                                                  \
    } while (0)

/* Ends main(): prints "N passed, N failed" and returns the exit status. */
static inline int check_summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
