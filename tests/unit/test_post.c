/* test_post.c - the post table's packs of small terms: every term is
 * found, terms before the first pack, between packs, around large terms
 * and after the last are not, and iteration from any term gives the
 * terms in order. */
#include <stdlib.h>

#include "check.h"
#include "codec.h"
#include "post.h"
#include "segment.h"
#include "store.h"

#define NTERMS 3000
#define NPASS 300

static char terms[NTERMS][480];

static int large(size_t i) {
    return i % 500 == 250;
}

/* Term i followed by '!': it sorts just after term i. */
static size_t after(size_t i, char *out) {
    size_t n = strlen(terms[i]);
    memcpy(out, terms[i], n);
    out[n] = '!';
    out[n + 1] = 0;
    return n + 1;
}

int main(void) {
    const char *base = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/zoek-test-XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) return 2;
    char err[256];
    store *st;
    CHECK_OK(store_open(dir, STORE_WRITE | STORE_CREATE, &st, err, sizeof err));
    membuf *m;
    CHECK_OK(membuf_new(&m));
    uint32_t tid[NTERMS];
    for (size_t i = 0; i < NTERMS; i++) {
        /* some terms of 450 bytes that share all but their last ones */
        if (i % 100 == 7)
            snprintf(terms[i], sizeof terms[i], "t%05zu%0440d", i, 0);
        else
            snprintf(terms[i], sizeof terms[i], "t%05zu", i);
        CHECK_OK(membuf_term(m, terms[i], strlen(terms[i]), &tid[i]));
    }
    for (uint32_t p = 0; p < NPASS; p++) {
        CHECK_OK(membuf_passage(m, p * 3 + 1, 40, 0));
        uint32_t pos = 0;
        for (size_t i = 0; i < NTERMS; i++)
            if (large(i) || i % NPASS == p) {
                CHECK_OK(membuf_occ(m, tid[i], pos++));
                if (i % 3 == 0) CHECK_OK(membuf_occ(m, tid[i], pos++));
            }
    }
    uint64_t bytes;
    CHECK_OK(membuf_flush(m, st, 7, &bytes));
    membuf_free(m);

    store_txn *t;
    CHECK_OK(store_begin(st, 0, 0, &t));
    /* the segment holds several packs */
    {
        store_cursor *c;
        CHECK_OK(store_cursor_open(t, DB_POST, &c));
        const void *k, *v;
        size_t kl, vl;
        int rc = store_cursor_seek(c, NULL, 0, &k, &kl, &v, &vl);
        size_t npacks = 0, nlarge = 0;
        for (; rc == 0; rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
            uint32_t seg, chunk;
            const uint8_t *tb;
            size_t tl;
            CHECK_OK(key_post_parse(k, kl, &seg, &tb, &tl, &chunk));
            if (chunk == KEY_PACK)
                npacks++;
            else if (chunk == 0)
                nlarge++;
            CHECK(kl + vl <= CODEC_PACK_NODE || chunk != KEY_PACK);
        }
        store_cursor_close(c);
        CHECK(npacks > 10 && nlarge == NTERMS / 500);
    }
    post_buf pb;
    memset(&pb, 0, sizeof pb);
    const uint8_t *v;
    size_t vl;
    int packed;
    /* every term is found, with its postings */
    for (size_t i = 0; i < NTERMS; i++) {
        const uint8_t *s = (const uint8_t *)terms[i];
        int rc = post_get(t, 7, s, strlen(terms[i]), &pb, &v, &vl, &packed);
        CHECK_OK(rc);
        if (rc) continue;
        codec_header h;
        CHECK_OK(codec_parse_header(v, vl, &h));
        CHECK(h.df == (large(i) ? NPASS : 1));
        CHECK(packed == !large(i));
        CHECK(h.max_tf == (i % 3 == 0 ? 2u : 1u));
        /* not in the segments beside it */
        CHECK_RC(post_get(t, 6, s, strlen(terms[i]), &pb, &v, &vl, NULL),
                 ZOEK_ENOTFOUND);
        CHECK_RC(post_get(t, 8, s, strlen(terms[i]), &pb, &v, &vl, NULL),
                 ZOEK_ENOTFOUND);
    }
    /* terms before the first, between any two, and after the last */
    static const char *const absent[] = {
        "",        "a",       "t",       "t0000",   "t00000 ",
        "t000000", "t00249z", "t00250 ", "t002500", "t00251 ",
        "t02999z", "t03000",  "u",       "\xff"};
    for (size_t i = 0; i < sizeof absent / sizeof *absent; i++)
        CHECK_RC(post_get(t, 7, (const uint8_t *)absent[i], strlen(absent[i]),
                          &pb, &v, &vl, NULL),
                 ZOEK_ENOTFOUND);
    for (size_t i = 0; i + 1 < NTERMS; i++) {
        char mid[490];
        size_t ml = after(i, mid);
        CHECK_RC(post_get(t, 7, (const uint8_t *)mid, ml, &pb, &v, &vl, NULL),
                 ZOEK_ENOTFOUND);
    }
    /* iteration: all terms in order, and from any term or gap */
    post_iter it;
    CHECK_OK(post_iter_open(&it, t, 7, NULL, 0, 1));
    size_t n = 0;
    while (!it.done && n < NTERMS) {
        CHECK(it.tlen == strlen(terms[n]) &&
              !memcmp(it.term, terms[n], it.tlen));
        codec_header h;
        CHECK_OK(codec_parse_header(it.v, it.vl, &h));
        CHECK(h.df == (large(n) ? NPASS : 1));
        n++;
        CHECK_OK(post_iter_next(&it));
    }
    CHECK(n == NTERMS && it.done);
    post_iter_close(&it);
    for (size_t i = 0; i < NTERMS; i += 37) {
        char mid[490];
        size_t ml = after(i, mid);
        CHECK_OK(post_iter_open(&it, t, 7, (const uint8_t *)terms[i],
                                strlen(terms[i]), 0));
        CHECK(!it.done && !strncmp((char *)it.term, terms[i], it.tlen) &&
              it.tlen == strlen(terms[i]));
        post_iter_close(&it);
        CHECK_OK(post_iter_open(&it, t, 7, (const uint8_t *)mid, ml, 0));
        if (i + 1 < NTERMS)
            CHECK(!it.done && it.tlen == strlen(terms[i + 1]) &&
                  !memcmp(it.term, terms[i + 1], it.tlen));
        else
            CHECK(it.done);
        post_iter_close(&it);
    }
    CHECK_OK(post_iter_open(&it, t, 7, (const uint8_t *)"u", 1, 0));
    CHECK(it.done);
    post_iter_close(&it);
    CHECK_OK(post_iter_open(&it, t, 8, NULL, 0, 0));
    CHECK(it.done);
    post_iter_close(&it);
    post_buf_free(&pb);
    store_abort(t);
    store_close(st);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    return check_summary("test_post");
}
