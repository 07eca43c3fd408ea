/* test_corrupt.c - foreign, outdated, truncated and damaged indexes: every
 * open, search and check ends in a clear error (ZOEK_ENOTINDEX,
 * ZOEK_EVERSION, ZOEK_ECORRUPT) or a correct answer, never a crash. */
#include <fcntl.h>
#include <lmdb.h>
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

/* A committed index of 60 articles in dir, with a deleted one. */
static void build(const char *dir) {
    zoek_index *idx = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    for (int i = 0; i < 60; i++) {
        char id[16], text[2048];
        snprintf(id, sizeof id, "doc%02d", i);
        snprintf(text, sizeof text, "%s %s zzall zzdoc%d.", texts[i % 3],
                 texts[(i + 1) % 3], i);
        tl_add(idx, id, i % 5 ? NULL : "Titel", text, ZOEK_LANG_AUTO);
    }
    CHECK_OK(zoek_index_commit(idx, NULL));
    CHECK_OK(zoek_index_delete(idx, "doc07", 5));
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
                    100) == 59);
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

int main(void) {
    test_short_tail();
    return check_summary("test_corrupt");
}
