/* test_corrupt.c - foreign, outdated, truncated and damaged indexes: every
 * open, search and check ends in a clear error (ZOEK_ENOTINDEX,
 * ZOEK_EVERSION, ZOEK_ECORRUPT) or a correct answer, never a crash. */
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "codec.h"
#include "index.h"
#include "store.h"
#include "testlib.h"

static const char *const texts[] = {
    "De export van chips naar China is aan banden gelegd. Smokkelaars "
    "gebruiken Maleisië en Singapore als doorvoerland.",
    "Die Exportbeschränkungen für KI-Chips treffen Nvidia. Händler in "
    "Singapur stehen unter Verdacht.",
    "Investigators say smuggled Nvidia chips reached China through "
    "Malaysia. The export controls are being tightened.",
};

/* A committed index of 60 articles in dir, and a deleted one whose words
 * (all starting with "zzgone") no other article has. */
static void build(const char *dir) {
    zoek_index *idx = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    for (int i = 0; i < 60; i++) {
        char id[16], text[2048];
        snprintf(id, sizeof id, "doc%02d", i);
        snprintf(text, sizeof text, "%s %s zzall zzdoc%d.", texts[i % 3],
                 texts[(i + 1) % 3], i);
        tl_add(idx, id, i % 5 ? NULL : "Titel", text, ZOEK_LANG_AUTO);
    }
    tl_add(idx, "gone", NULL, "zzgonea zzgoneb zzgonec zzgoned.", ZOEK_LANG_EN);
    CHECK_OK(zoek_index_commit(idx, NULL));
    CHECK_OK(zoek_index_delete(idx, "gone", 4));
    CHECK_OK(zoek_index_commit(idx, NULL));
    zoek_index_close(idx);
}

static int open_rc(const char *dir, unsigned flags, char *err, size_t len) {
    zoek_index *idx = (zoek_index *)1;
    int rc = zoek_index_open(dir, flags, &idx, err, len);
    if (rc) CHECK(idx == NULL);
    zoek_index_close(idx);
    return rc;
}

static uint64_t file_size(const char *dir) {
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%.4000s/data.mdb", dir);
    return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void set_size(const char *dir, uint64_t size) {
    char p[4200];
    snprintf(p, sizeof p, "%.4000s/data.mdb", dir);
    CHECK(truncate(p, (off_t)size) == 0);
}

/* LMDB leaves pages it allocated and freed again in one transaction
 * unwritten: the file may end before its last page.  Such an index is
 * sound; one cut short is not. */
static void test_short_tail(void) {
    char *dir = tl_tmpdir();
    build(dir);
    uint64_t before = file_size(dir);
    {
        MDB_env *env;
        MDB_txn *txn;
        MDB_dbi dbi;
        CHECK(mdb_env_create(&env) == 0);
        CHECK(mdb_env_set_maxdbs(env, 16) == 0);
        CHECK(mdb_env_set_mapsize(env, (size_t)1 << 30) == 0);
        CHECK(mdb_env_open(env, dir, 0, 0644) == 0);
        CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
        CHECK(mdb_dbi_open(txn, NULL, 0, &dbi) == 0);
        static char big[200000];
        memset(big, 'x', sizeof big);
        MDB_val k = {6, "zzbig"}, v = {sizeof big, big};
        CHECK(mdb_put(txn, dbi, &k, &v, 0) == 0);
        CHECK(mdb_del(txn, dbi, &k, NULL) == 0);
        CHECK(mdb_txn_commit(txn) == 0);
        MDB_envinfo info;
        MDB_stat st;
        CHECK(mdb_env_info(env, &info) == 0 && mdb_env_stat(env, &st) == 0);
        /* the big value's pages are beyond the end of the file */
        CHECK((uint64_t)(info.me_last_pgno + 1) * st.ms_psize >
              file_size(dir) + 40 * 4096);
        mdb_env_close(env);
    }
    CHECK(file_size(dir) == before);
    char err[512];
    CHECK_OK(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err));
    zoek_index *idx = tl_open(dir, ZOEK_OPEN_READ);
    tl_hit h[100];
    CHECK(tl_search(&idx, 1, "zzall", ZOEK_SEARCH_DOCS, 100, ZOEK_LANG_AUTO, h,
                    100) == 60);
    CHECK_OK(zoek_index_check(idx, NULL));
    zoek_index_close(idx);
    /* a writer reuses the free pages */
    idx = tl_open(dir, ZOEK_OPEN_WRITE);
    CHECK(tl_add(idx, "new", NULL, texts[0], ZOEK_LANG_NL) == ZOEK_ADDED);
    CHECK_OK(zoek_index_commit(idx, NULL));
    CHECK_OK(zoek_index_check(idx, NULL));
    zoek_index_close(idx);

    /* cut: the last written page goes */
    uint64_t size = file_size(dir);
    set_size(dir, size - 4096);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err), ZOEK_ECORRUPT);
    CHECK(strstr(err, "truncated") != NULL);
    set_size(dir, size / 2);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err), ZOEK_ECORRUPT);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_WRITE, err, sizeof err), ZOEK_ECORRUPT);
    tl_rmdir(dir);
}

/* ------------------------------------------------- flipped stored values */

/* One stored value, copied out. */
typedef struct item {
    int db;           /* DB_* */
    uint8_t key[512]; /* its key */
    size_t klen;
    uint8_t *val; /* its value */
    size_t vlen;
} item;

static const char *const db_label[DB_COUNT] = {"meta", "post", "pos",   "deldf",
                                               "dead", "art",  "names", "pmap",
                                               "text", "xlat", "plen"};

/* Every key and value of every database of the index in dir. */
static item *items_read(const char *dir, size_t *n) {
    store *st;
    char err[256];
    CHECK_OK(store_open(dir, 0, &st, err, sizeof err));
    store_txn *t;
    CHECK_OK(store_begin(st, 0, 0, &t));
    item *v = NULL;
    size_t cap = 0;
    *n = 0;
    for (int db = 0; db < DB_COUNT; db++) {
        store_cursor *c;
        CHECK_OK(store_cursor_open(t, db, &c));
        const void *k, *val;
        size_t kl, vl;
        int rc = store_cursor_seek(c, NULL, 0, &k, &kl, &val, &vl);
        for (; rc == 0; rc = store_cursor_next(c, &k, &kl, &val, &vl)) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 256;
                item *nv = realloc(v, cap * sizeof *v);
                if (!nv) exit(2);
                v = nv;
            }
            item *it = &v[(*n)++];
            it->db = db;
            memcpy(it->key, k, kl);
            it->klen = kl;
            it->val = malloc(vl ? vl : 1);
            memcpy(it->val, val, vl);
            it->vlen = vl;
        }
        CHECK(rc == ZOEK_ENOTFOUND);
        store_cursor_close(c);
    }
    store_abort(t);
    store_close(st);
    return v;
}

/* Writes value v (len bytes) for the item's key. */
static void item_put(const char *dir, const item *it, const uint8_t *v,
                     size_t len) {
    store *st;
    char err[256];
    CHECK_OK(store_open(dir, STORE_WRITE, &st, err, sizeof err));
    store_txn *t;
    CHECK_OK(store_begin(st, 1, 1, &t));
    CHECK_OK(store_put(t, it->db, it->key, it->klen, v, len, 0));
    CHECK_OK(store_commit(t));
    store_close(st);
}

/* Bytes that no check can verify: the commit counter and the next-id
 * counters of the state (any larger value is as good), an article's
 * content hash and mtime (only compared with new input), and postings of
 * deleted articles (their text is gone), and the last byte of a zlib
 * stream before its Adler-32 (its padding bits are ignored by inflate). */
static int unverifiable(const item *it, size_t byte) {
    if (it->db == DB_META && it->klen == 5 && !memcmp(it->key, "state", 5))
        return byte >= 1 && byte < 21;
    if (it->db == DB_ART) return byte >= 11 && byte < 27;
    if (it->db == DB_TEXT) return it->vlen >= 5 && byte == it->vlen - 5;
    if (it->db == DB_POST || it->db == DB_POS)
        return it->klen > 10 && !memcmp(it->key + 4, "zzgone", 6);
    /* passage lengths: those of the 60 live articles' passages (0..59)
     * are checked; the deleted one's and the unused entries are not */
    if (it->db == DB_PLEN)
        return (byte < 2 * PLEN_N ? byte / 2 : (byte - 2 * PLEN_N) * 4) >= 60;
    return 0;
}

/* Searches that must answer or fail cleanly on a damaged index. */
static void probe(zoek_index *idx, long *corrupt) {
    static const char *const qs[] = {"chips China", "\"export controls\"",
                                     "smokkel* OR zzall", "+Nvidia -Malaysia"};
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        zoek_search_opts o;
        memset(&o, 0, sizeof o);
        o.size = sizeof o;
        o.limit = 20;
        o.flags = i % 2 ? ZOEK_SEARCH_DOCS : 0;
        zoek_results *r;
        int rc = zoek_search(idx, qs[i], strlen(qs[i]), &o, &r);
        if (rc == 0) {
            const zoek_hit *h;
            while ((rc = zoek_results_next(r, &h)) == 1) {
                CHECK(h->doc && h->snippet && h->start <= h->end);
                CHECK(h->nhighlights == 0 || h->highlights);
                for (size_t k = 0; k < h->nhighlights; k++)
                    CHECK(h->highlights[k].start < h->highlights[k].end &&
                          h->highlights[k].end <= h->snippet_len);
            }
            zoek_results_free(r);
        }
        if (rc == ZOEK_ECORRUPT)
            (*corrupt)++;
        else
            CHECK(rc == 0);
    }
}

/* Flips bits in every stored value, one at a time: zoek_index_check()
 * reports each as ZOEK_ECORRUPT, searches answer or say ZOEK_ECORRUPT. */
static void test_flipped_values(void) {
    char *dir = tl_tmpdir();
    build(dir);
    size_t n;
    item *items = items_read(dir, &n);
    long flips = 0, missed = 0, corrupt = 0;
    uint64_t rng = 0x2545F4914F6CDD1Dull;
    for (size_t i = 0; i < n; i++) {
        item *it = &items[i];
        uint8_t *v = malloc(it->vlen ? it->vlen : 1);
        /* a few bytes of each value: its first ones, then random ones */
        size_t tries = it->vlen < 6 ? it->vlen : 6;
        for (size_t j = 0; j < tries; j++) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            size_t byte = j < 3 ? j : (size_t)(rng % it->vlen);
            if (unverifiable(it, byte)) continue;
            memcpy(v, it->val, it->vlen);
            v[byte] ^= (uint8_t)(1u << (rng >> 32) % 8);
            item_put(dir, it, v, it->vlen);
            flips++;
            zoek_index *idx;
            char err[512];
            int rc =
                zoek_index_open(dir, ZOEK_OPEN_READ, &idx, err, sizeof err);
            if (rc == 0) {
                probe(idx, &corrupt);
                rc = zoek_index_check(idx, NULL);
                if (rc != ZOEK_ECORRUPT && missed++ < 20) {
                    fprintf(stderr,
                            "not detected: %s value of %zu bytes, "
                            "byte %zu:",
                            db_label[it->db], it->vlen, byte);
                    for (size_t k = 0; k < it->klen && k < 24; k++)
                        fprintf(stderr, " %02x", it->key[k]);
                    fprintf(stderr, "\n");
                }
                zoek_index_close(idx);
            } else {
                CHECK(rc == ZOEK_ECORRUPT || rc == ZOEK_EVERSION ||
                      rc == ZOEK_ENOTINDEX);
            }
            item_put(dir, it, it->val, it->vlen);
        }
        free(v);
    }
    CHECK(missed == 0);
    zoek_index *idx = tl_open(dir, ZOEK_OPEN_READ);
    CHECK_OK(zoek_index_check(idx, NULL));
    zoek_index_close(idx);
    printf("%zu values, %ld flips, %ld missed by the check; %ld searches "
           "said corrupt\n",
           n, flips, missed, corrupt);
    for (size_t i = 0; i < n; i++)
        free(items[i].val);
    free(items);
    tl_rmdir(dir);
}

/* ------------------------------------------------------ damaged branches */

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(p, 1, (size_t)n, f);
    fclose(f);
    return p;
}

static void write_all(const char *path, const uint8_t *p, size_t len) {
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(p, 1, len, f) == len);
    if (f) fclose(f);
}

static void alarm_exit(int sig) {
    (void)sig;
    static const char m[] = "test_corrupt: an operation on a damaged index "
                            "did not end\n";
    if (write(2, m, sizeof m - 1) < 0) _exit(3);
    _exit(3);
}

/* A writer, a search and a check on the index in dir: each ends with a
 * result or an error, within a bound of time. */
static void use_damaged(const char *dir, long *errors) {
    char err[512];
    zoek_index *idx;
    alarm(30);
    int rc = zoek_index_open(dir, ZOEK_OPEN_WRITE, &idx, err, sizeof err);
    if (rc == 0) {
        rc = zoek_index_delete(idx, "doc03", 5);
        if (rc == 0 || rc == ZOEK_ENOTFOUND) rc = zoek_index_commit(idx, NULL);
        zoek_index_close(idx);
    }
    if (rc) (*errors)++;
    rc = zoek_index_open(dir, ZOEK_OPEN_READ, &idx, err, sizeof err);
    if (rc == 0) {
        long corrupt = 0;
        probe(idx, &corrupt);
        CHECK(zoek_index_check(idx, NULL) == ZOEK_ECORRUPT);
        zoek_index_close(idx);
    }
    alarm(0);
}

/* LMDB trusts its branch pages: a key changed there sends a seek to the
 * wrong leaf, which returns keys smaller than the one asked for.  The
 * writer's clean-up walked segments by seeking and looped for ever.
 * Every key of every branch page of postings, in turn, gets a large
 * segment number. */
static void test_branch_keys(void) {
    char *dir = tl_tmpdir();
    zoek_index *w = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    for (int i = 0; i < 300; i++) {
        char id[16], text[4096];
        snprintf(id, sizeof id, "doc%02d", i);
        size_t o = 0;
        for (int k = 0; k < 6; k++)
            o += (size_t)snprintf(text + o, sizeof text - o, "%s zzw%d ",
                                  texts[(i + k) % 3], (i * 7 + k) % 997);
        snprintf(text + o, sizeof text - o, "zzall zzdoc%d.", i);
        tl_add(w, id, NULL, text, ZOEK_LANG_AUTO);
    }
    CHECK_OK(zoek_index_commit(w, NULL));
    zoek_index_close(w);
    char path[4200];
    snprintf(path, sizeof path, "%.4000s/data.mdb", dir);
    size_t len;
    uint8_t *orig = read_all(path, &len);
    CHECK(orig != NULL);
    signal(SIGALRM, alarm_exit);
    long tried = 0, errors = 0;
    for (size_t pg = 2; orig && (pg + 1) * 4096 <= len; pg++) {
        const uint8_t *p = orig + pg * 4096;
        uint16_t flags, lower;
        memcpy(&flags, p + 10, 2);
        memcpy(&lower, p + 12, 2);
        if (flags != 0x01 || lower < 16 || lower > 4096) continue;
        for (unsigned i = 1; i < (lower - 16u) / 2u; i++) { /* 0: no key */
            uint16_t at, ks;
            memcpy(&at, p + 16 + 2 * i, 2);
            if (at + 8u > 4096) continue;
            memcpy(&ks, p + at + 6, 2);
            /* a post/pos key of segment 0 */
            if (ks < 10 || at + 8u + ks > 4096 ||
                memcmp(p + at + 8, "\0\0\0\0", 4) != 0)
                continue;
            uint8_t *buf = malloc(len);
            memcpy(buf, orig, len);
            buf[pg * 4096 + at + 8] = 0x80;
            write_all(path, buf, len);
            free(buf);
            use_damaged(dir, &errors);
            tried++;
        }
    }
    signal(SIGALRM, SIG_DFL);
    CHECK(tried >= 4);
    printf("%ld branch keys damaged, %ld writer runs failed cleanly\n", tried,
           errors);
    free(orig);
    tl_rmdir(dir);
}

/* ------------------------------------------------ other versions, others */

/* Puts a meta value (len bytes) into the index in dir. */
static void meta_put(const char *dir, const char *key, const void *v,
                     size_t len) {
    store *st;
    char err[256];
    CHECK_OK(store_open(dir, STORE_WRITE, &st, err, sizeof err));
    store_txn *t;
    CHECK_OK(store_begin(st, 1, 0, &t));
    if (v)
        CHECK_OK(store_put(t, DB_META, key, strlen(key), v, len, 0));
    else
        CHECK_OK(store_del(t, DB_META, key, strlen(key)));
    CHECK_OK(store_commit(t));
    store_close(st);
}

static void test_versions(void) {
    char *dir = tl_tmpdir();
    build(dir);
    char err[512];
    uint8_t v[12];
    /* another format version: rebuild required, even to write */
    zk_put_le32(v, FORMAT_VERSION + 1);
    meta_put(dir, "format", v, 4);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err), ZOEK_EVERSION);
    CHECK(strstr(err, "rebuild required") != NULL);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_REBUILD, err, sizeof err),
             ZOEK_EVERSION);
    zk_put_le32(v, FORMAT_VERSION);
    meta_put(dir, "format", v, 4);
    CHECK_OK(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err));
    /* another analyzer version or stemmer: readers refuse, a rebuild
     * makes it current again */
    store *st;
    CHECK_OK(store_open(dir, 0, &st, err, sizeof err));
    store_txn *t;
    CHECK_OK(store_begin(st, 0, 0, &t));
    const void *cv;
    size_t cl;
    CHECK_OK(store_get(t, DB_META, "config", 6, &cv, &cl));
    uint8_t cfg[12];
    memcpy(cfg, cv, 12);
    store_abort(t);
    store_close(st);
    memcpy(v, cfg, 12);
    zk_put_le32(v, zk_get_le32(cfg) + 1);
    meta_put(dir, "config", v, 12);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err), ZOEK_EVERSION);
    CHECK(strstr(err, "analyzer version") && strstr(err, "rebuild required"));
    memcpy(v, cfg, 12);
    v[11] ^= 0x40;
    meta_put(dir, "config", v, 12);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err), ZOEK_EVERSION);
    CHECK(strstr(err, "stemmer") && strstr(err, "rebuild required"));
    CHECK_RC(open_rc(dir, ZOEK_OPEN_WRITE, err, sizeof err), ZOEK_EVERSION);
    zoek_index *idx;
    CHECK_OK(zoek_index_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_REBUILD, &idx,
                             err, sizeof err));
    CHECK_OK(zoek_index_rebuild(idx));
    CHECK_OK(zoek_index_commit(idx, NULL));
    zoek_index_close(idx);
    idx = tl_open(dir, ZOEK_OPEN_READ);
    tl_hit h[100];
    CHECK(tl_search(&idx, 1, "zzall", ZOEK_SEARCH_DOCS, 100, ZOEK_LANG_AUTO, h,
                    100) == 60);
    CHECK_OK(zoek_index_check(idx, NULL));
    zoek_index_close(idx);
    /* a meta record of the wrong size or missing */
    meta_put(dir, "config", v, 5);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err), ZOEK_ECORRUPT);
    meta_put(dir, "state", "\x01\x02", 2);
    meta_put(dir, "config", cfg, 12);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err), ZOEK_ECORRUPT);
    meta_put(dir, "format", NULL, 0);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err), ZOEK_ENOTINDEX);
    tl_rmdir(dir);

    /* an LMDB environment that is not a zoek index */
    dir = tl_tmpdir();
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    CHECK(mdb_env_create(&env) == 0);
    CHECK(mdb_env_open(env, dir, 0, 0644) == 0);
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
    CHECK(mdb_dbi_open(txn, NULL, 0, &dbi) == 0);
    MDB_val k = {4, "user"}, val = {5, "alice"};
    CHECK(mdb_put(txn, dbi, &k, &val, 0) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err), ZOEK_ENOTINDEX);
    CHECK(strstr(err, "not a zoek index") != NULL);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE, err, sizeof err),
             ZOEK_ENOTINDEX);
    /* and it was left as it was */
    CHECK(mdb_env_create(&env) == 0);
    CHECK(mdb_env_open(env, dir, MDB_RDONLY, 0644) == 0);
    MDB_stat ms;
    CHECK(mdb_env_stat(env, &ms) == 0);
    CHECK(ms.ms_entries == 1);
    mdb_env_close(env);
    tl_rmdir(dir);

    /* an empty LMDB file, as a crash while creating an index leaves it:
     * not an index to readers, made one by a writer */
    dir = tl_tmpdir();
    CHECK(mdb_env_create(&env) == 0);
    CHECK(mdb_env_open(env, dir, 0, 0644) == 0);
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
    CHECK_RC(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err), ZOEK_ENOTINDEX);
    zoek_index *w = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    CHECK(tl_add(w, "a", NULL, texts[0], ZOEK_LANG_NL) == ZOEK_ADDED);
    CHECK_OK(zoek_index_commit(w, NULL));
    CHECK_OK(zoek_index_check(w, NULL));
    zoek_index_close(w);
    tl_rmdir(dir);
}

/* The hits of a few queries, doc#passage and score, as one string. */
static void hits_of(zoek_index *idx, char *out, size_t cap) {
    static const char *const qs[] = {"chips", "Singapur", "smuggled",
                                     "zzdoc7", "export controls"};
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        tl_hit h[20];
        int n = tl_search(&idx, 1, qs[i], 0, 20, ZOEK_LANG_AUTO, h, 20);
        for (int k = 0; k < n && k < 20 && o + 64 < cap; k++)
            o += (size_t)snprintf(out + o, cap - o, "%s#%u:%.6f ", h[k].doc,
                                  h[k].passage, h[k].score);
        if (o + 2 < cap) o += (size_t)snprintf(out + o, cap - o, "|");
    }
}

/* An index of format 2 (the layout before the plen table), 3 (before
 * packs of small terms) or 4 (before the blocks' bounding pairs): rebuild
 * required, for readers and writers.  Format 4 (FORMAT_REBUILDABLE) is
 * upgraded by a rebuild from its stored text, and nothing else touches
 * it before that. */
static void test_old_format(uint32_t version) {
    char *dir = tl_tmpdir();
    build(dir);
    static char before[8192], after[8192];
    zoek_index *r = tl_open(dir, ZOEK_OPEN_READ);
    hits_of(r, before, sizeof before);
    zoek_index_close(r);
    {
        MDB_env *env;
        MDB_txn *txn;
        MDB_dbi dbi;
        CHECK(mdb_env_create(&env) == 0);
        CHECK(mdb_env_set_maxdbs(env, 16) == 0);
        CHECK(mdb_env_open(env, dir, 0, 0644) == 0);
        CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
        if (version == 2) {
            CHECK(mdb_dbi_open(txn, "plen", 0, &dbi) == 0);
            CHECK(mdb_drop(txn, dbi, 1) == 0);
        }
        CHECK(mdb_dbi_open(txn, "meta", 0, &dbi) == 0);
        uint8_t v[4];
        zk_put_le32(v, version);
        MDB_val k = {6, "format"}, val = {4, v};
        CHECK(mdb_put(txn, dbi, &k, &val, 0) == 0);
        CHECK(mdb_txn_commit(txn) == 0);
        mdb_env_close(env);
    }
    char err[512];
    CHECK_RC(open_rc(dir, ZOEK_OPEN_READ, err, sizeof err), ZOEK_EVERSION);
    CHECK(strstr(err, "rebuild required") != NULL);
    if (version >= 3) {
        char want[32];
        snprintf(want, sizeof want, "index format %u,", version);
        CHECK(strstr(err, want) != NULL);
    }
    CHECK_RC(open_rc(dir, ZOEK_OPEN_WRITE, err, sizeof err), ZOEK_EVERSION);
    if (version < FORMAT_REBUILDABLE) {
        if (version >= 3)
            CHECK(strstr(err, "re-index the articles") != NULL);
        CHECK_RC(open_rc(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_REBUILD, err,
                         sizeof err),
                 ZOEK_EVERSION);
        tl_rmdir(dir);
        return;
    }
    CHECK(strstr(err, "zoek-index --rebuild") != NULL);
    zoek_index *w;
    CHECK_OK(zoek_index_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_REBUILD, &w, err,
                             sizeof err));
    /* before the rebuild, nothing reads or writes the old postings */
    tl_hit h[4];
    CHECK(tl_search(&w, 1, "chips", 0, 4, ZOEK_LANG_AUTO, h, 4) < 0);
    CHECK_RC(zoek_index_check(w, NULL), ZOEK_EVERSION);
    CHECK(tl_add(w, "new", NULL, texts[0], ZOEK_LANG_NL) == ZOEK_EVERSION);
    CHECK_RC(zoek_index_delete(w, "doc01", 5), ZOEK_EVERSION);
    CHECK_RC(zoek_index_optimize(w), ZOEK_EVERSION);
    CHECK_RC(zoek_index_commit(w, NULL), ZOEK_EVERSION);
    CHECK(strstr(zoek_errmsg(w), "zoek-index --rebuild") != NULL);
    /* the rebuild reads the stored text and writes this format */
    CHECK_OK(zoek_index_rebuild(w));
    CHECK_OK(zoek_index_commit(w, NULL));
    CHECK_OK(zoek_index_check(w, NULL));
    zoek_index_close(w);
    r = tl_open(dir, ZOEK_OPEN_READ);
    hits_of(r, after, sizeof after);
    CHECK_OK(zoek_index_check(r, NULL));
    zoek_index_close(r);
    CHECK(before[0] && strcmp(before, after) == 0);
    tl_rmdir(dir);
}

int main(void) {
    /* thousands of commits: on tmpfs their fsyncs cost nothing */
    if (!getenv("TMPDIR") && access("/dev/shm", W_OK) == 0)
        setenv("TMPDIR", "/dev/shm", 1);
    test_short_tail();
    test_versions();
    test_old_format(2);
    test_old_format(3);
    test_old_format(4);
    test_branch_keys();
    test_flipped_values();
    return check_summary("test_corrupt");
}
