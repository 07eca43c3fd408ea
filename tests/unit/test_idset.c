/* test_idset.c - the run's article ids: exact membership, articles and
 * byte order with most ids spilled to files, within the memory limit; and
 * an indexing run whose ids alone are larger than its memory budget. */
#include <stdlib.h>

#include "check.h"
#include "heaphook.h"
#include "idset.h"
#include "testlib.h"

/* Id number i: lengths from 1 to about 120 bytes, a few of 400-500, and
 * long shared prefixes (as paths have). */
static size_t make_id(uint32_t i, char *buf) {
    uint32_t h = i * 2654435761u;
    if (i % 97 == 0) {
        size_t n = 400 + h % 100;
        memset(buf, 'p', n);
        return n - 12 + (size_t)snprintf(buf + n - 12, 13, "%012u", i);
    }
    if (i % 5 == 0) return (size_t)snprintf(buf, 600, "%x", i);
    return (size_t)snprintf(buf, 600, "corpus/section-%u/%.*s%u.html", h % 7,
                            (int)(h % 90), "abcdefghijklmnopqrstuvwxyz"
                            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrst"
                            "uvwxyzabcdefghijklmnopqrstuvwxyz", i);
}

static int cmp_bytes(const char *a, size_t al, const char *b, size_t bl) {
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : al < bl ? -1 : al > bl;
}

/* Adds n ids in a scrambled order under a small limit. */
static void test_spilled(void) {
    char *dir = tl_tmpdir();
    const size_t limit = 128 << 10;
    const uint32_t n = 30000;
    idset *s;
    CHECK_OK(idset_new(dir, limit, &s));
    char id[600];
    size_t over = 0, most = 0;
    uint64_t idbytes = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (uint32_t)(((uint64_t)k * 7919) % n);
        size_t len = make_id(i, id);
        int found = -1;
        CHECK_OK(idset_add(s, id, len, UINT32_MAX, &found));
        if (found) over++;
        idset_set_last(s, i);
        idbytes += len;
        if (idset_bytes(s) > most) most = idset_bytes(s);
    }
    CHECK(over == 0);
    CHECK(idset_count(s) == n && idset_id_bytes(s) == idbytes);
    /* more than 60 times the limit went to files, the memory stayed in */
    CHECK(idbytes > 10 * limit);
    CHECK(idset_spills(s) > 10);
    CHECK(most <= limit);
    /* every id is there with its article; others are not */
    size_t bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = make_id(i, id);
        int found = 0;
        uint32_t art = 0;
        CHECK_OK(idset_find(s, id, len, &found, &art));
        if (!found || art != i) bad++;
        CHECK_OK(idset_add(s, id, len, 7, &found));
        if (!found) bad++;
        /* ids one byte longer or with another last byte are not */
        id[len] = '~';
        CHECK_OK(idset_find(s, id, len + 1, &found, NULL));
        if (found) bad++;
        id[len - 1] = '~';
        CHECK_OK(idset_find(s, id, len, &found, NULL));
        if (found) bad++;
    }
    CHECK(bad == 0);
    CHECK(idset_count(s) == n);
    /* all of them in byte order, twice */
    for (int pass = 0; pass < 2; pass++) {
        idset_iter *it;
        CHECK_OK(idset_iter_start(s, &it));
        const char *x;
        size_t xl;
        uint32_t art;
        char prev[600];
        size_t pl = 0;
        uint32_t got = 0;
        int rc;
        unsigned char *seen = calloc(n, 1);
        bad = 0;
        while ((rc = idset_iter_next(it, &x, &xl, &art)) == 1) {
            if (got && cmp_bytes(prev, pl, x, xl) >= 0) bad++;
            memcpy(prev, x, xl);
            pl = xl;
            if (art >= n || seen[art]++) {
                bad++;
                continue;
            }
            size_t len = make_id(art, id);
            if (len != xl || memcmp(id, x, xl)) bad++;
            got++;
        }
        CHECK(rc == 0 && got == n && bad == 0);
        free(seen);
        idset_iter_free(it);
    }
    idset_clear(s);
    CHECK(idset_count(s) == 0 && idset_bytes(s) == 0);
    int found = 1;
    CHECK_OK(idset_add(s, "x", 1, 1, &found));
    CHECK(found == 0);
    idset_free(s);
    tl_rmdir(dir);
}

/* ------------------------------------------- an indexing run's memory */

/* 400-byte id number i (the number first: hits hold 255 bytes of it). */
static void long_id(uint32_t i, char *buf) {
    snprintf(buf, 21, "%020u", i);
    memset(buf + 20, 'a' + (char)(i % 26), 380);
    buf[400] = 0;
}

/* The process's resident file pages (the program's and the index's
 * mapped pages), in bytes. */
static size_t rss_file(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "RssFile: %zu", &kb) == 1) break;
    fclose(f);
    return kb << 10;
}

static int add_status(zoek_index *w, const char *id, const char *text) {
    return tl_add(w, id, NULL, text, ZOEK_LANG_EN);
}

/* A run of 40,000 articles with 400-byte ids (16 MB of ids) at a 32 MiB
 * budget: the library's heap stays under half the budget, duplicates are
 * found among spilled ids, articles that are not indexed get no name, and
 * the next run finds every name (and prunes by them) without keeping the
 * index pages its lookups read. */
static void test_run_ids(void) {
    char *dir = tl_tmpdir();
    const uint32_t n = 40000;
    char id[401], text[128];
    zoek_set_allocator(&hh_hook);
    zoek_index *w = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    CHECK_OK(zoek_index_set_memory(w, (size_t)32 << 20));
    CHECK_OK(zoek_index_set_threads(w, 2));
    size_t bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        long_id(i, id);
        /* every 1000th has no words: not indexed */
        if (i % 1000 == 999) snprintf(text, sizeof text, "...");
        else snprintf(text, sizeof text, "word%u and w%u", i, i % 300);
        if (add_status(w, id, text) != ZOEK_ADDED) bad++;
        if (i % 4000 == 3999) {
            long_id(i / 2, id);
            if (add_status(w, id, "other text") != ZOEK_DUPLICATE) bad++;
        }
    }
    CHECK(bad == 0);
    zoek_commit_stats cs;
    CHECK_OK(zoek_index_commit(w, &cs));
    CHECK(cs.added == n - n / 1000);
    zoek_index_close(w);
    size_t most = hh_peak;
    zoek_set_allocator(NULL);
    CHECK(most < (size_t)16 << 20);
    if (most >= (size_t)16 << 20)
        fprintf(stderr, "heap peak %.1f MiB\n", (double)most / 1048576);
    /* the next run: the even ids unchanged, those not indexed added
     * again (and skipped again); the odd ids not seen are pruned */
    w = tl_open(dir, ZOEK_OPEN_WRITE);
    CHECK_OK(zoek_index_set_memory(w, (size_t)32 << 20));
    bad = 0;
    /* the lookups read names and article records all over the index (32
     * MB of them): the pages they map go back past a quarter of the
     * budget */
    size_t file0 = rss_file(), file = file0;
    for (uint32_t i = 0; i < n; i++) {
        if (i % 500 == 0 && rss_file() > file) file = rss_file();
        long_id(i, id);
        if (i % 1000 == 999) {
            if (add_status(w, id, "...") != ZOEK_ADDED) bad++;
        } else if (i % 2 == 0) {
            snprintf(text, sizeof text, "word%u and w%u", i, i % 300);
            if (add_status(w, id, text) != ZOEK_UNCHANGED) bad++;
        }
    }
    CHECK(bad == 0);
    CHECK(file - file0 < (size_t)16 << 20);
    if (file - file0 >= (size_t)16 << 20)
        fprintf(stderr, "index pages mapped: %.1f MiB\n",
                (double)(file - file0) / 1048576);
    uint64_t pruned = 0;
    CHECK_OK(zoek_index_prune(w, NULL, 0, &pruned));
    /* the odd ids, but for the 40 never indexed */
    CHECK(pruned == n / 2 - n / 1000);
    if (pruned != n / 2 - n / 1000)
        fprintf(stderr, "pruned %llu\n", (unsigned long long)pruned);
    CHECK_OK(zoek_index_commit(w, &cs));
    zoek_check_report rep;
    CHECK_OK(zoek_index_check(w, &rep));
    CHECK(rep.articles == n / 2);
    /* the article is found under its id */
    tl_hit h[8];
    int nh = tl_search(&w, 1, "word1234", 0, 8, ZOEK_LANG_EN, h, 8);
    long_id(1234, id);
    int hit = 0;
    for (int i = 0; i < nh; i++)
        hit |= strncmp(h[i].doc, id, sizeof h[i].doc - 1) == 0;
    CHECK(hit);
    zoek_index_close(w);
    tl_rmdir(dir);
}

int main(void) {
    test_spilled();
    test_run_ids();
    return check_summary("test_idset");
}
