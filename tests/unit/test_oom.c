/* test_oom.c - allocation failures: a small run (open, add, commit,
 * search, close) with the Nth allocation failing, for every N, must end in
 * clean errors (ZOEK_ENOMEM), free everything it allocated, and leave a
 * committed index exactly as it was. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "testlib.h"

/* ------------------------------------------------------------ allocator */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long fail_at; /* allocation number to fail (1-based), 0: none */
static int persist;  /* also fail every allocation after it */
static long count;   /* allocations so far */
static long live;    /* blocks not freed */

static int should_fail(void) {
    pthread_mutex_lock(&mu);
    ++count;
    int f = fail_at && (count == fail_at || (persist && count > fail_at));
    pthread_mutex_unlock(&mu);
    return f;
}

static void *t_malloc(size_t n, void *ud) {
    (void)ud;
    if (should_fail()) return NULL;
    void *p = malloc(n);
    if (p) {
        pthread_mutex_lock(&mu);
        live++;
        pthread_mutex_unlock(&mu);
    }
    return p;
}

static void *t_realloc(void *p, size_t n, void *ud) {
    (void)ud;
    if (should_fail()) return NULL;
    void *q = realloc(p, n);
    if (q && !p) {
        pthread_mutex_lock(&mu);
        live++;
        pthread_mutex_unlock(&mu);
    }
    return q;
}

static void t_free(void *p, void *ud) {
    (void)ud;
    if (!p) return;
    pthread_mutex_lock(&mu);
    live--;
    pthread_mutex_unlock(&mu);
    free(p);
}

static const zoek_allocator hook = {t_malloc, t_realloc, t_free, NULL};

static void arm(long n, int all_after) {
    pthread_mutex_lock(&mu);
    fail_at = n;
    persist = all_after;
    count = 0;
    pthread_mutex_unlock(&mu);
}

/* ------------------------------------------------------------------ run */

static const char *const texts[] = {
    "De export van chips naar China is aan banden gelegd. Smokkelaars "
    "gebruiken Maleisië en Singapore als doorvoerland.",
    "Die Exportbeschränkungen für KI-Chips treffen Nvidia. Händler in "
    "Singapur stehen unter Verdacht.",
    "Investigators say smuggled Nvidia chips reached China through "
    "Malaysia. The export controls are being tightened.",
};

/* What a run may return besides ZOEK_OK: an allocation failure, or
 * ZOEK_EIO when a thread or zlib could not be set up. */
static int clean(int rc) {
    return rc == ZOEK_OK || rc == ZOEK_ENOMEM || rc == ZOEK_EIO;
}

static int bad_rc; /* runs that returned something unexpected */

static void note(const char *what, int rc, long n) {
    if (clean(rc)) return;
    bad_rc++;
    fprintf(stderr, "allocation %ld failing: %s -> %d (%s)\n", n, what, rc,
            zoek_strerror(rc));
}

static int add(zoek_index *idx, const char *id, const char *title,
               const char *text, int lang) {
    zoek_doc d;
    memset(&d, 0, sizeof d);
    d.size = sizeof d;
    d.id = id;
    d.id_len = strlen(id);
    d.title = title;
    d.title_len = title ? strlen(title) : 0;
    d.text = text;
    d.text_len = strlen(text);
    d.lang = lang;
    int st;
    int rc = zoek_index_add(idx, &d, &st);
    return rc ? rc : st;
}

/* A search with snippets; every hit is read.  Returns the hit count or a
 * negative error. */
static int search(zoek_index *idx, const char *q, unsigned flags, long n) {
    zoek_search_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.flags = flags;
    o.limit = 5;
    zoek_results *r = NULL;
    int rc = zoek_search(idx, q, strlen(q), &o, &r);
    note("zoek_search", rc, n);
    if (rc) {
        CHECK(r == NULL);
        return rc;
    }
    const zoek_hit *h;
    int k = 0;
    while ((rc = zoek_results_next(r, &h)) == 1)
        k++;
    note("zoek_results_next", rc, n);
    zoek_results_free(r);
    return rc < 0 ? rc : k;
}

/* Creates an index in a new directory, adds, commits, searches, closes.
 * Returns the hit counts of the two searches as 100 * a + b, or -1 if a
 * call failed. */
static int run_create(const char *base, long n) {
    char dir[4200];
    snprintf(dir, sizeof dir, "%.4000s/c%ld", base, n);
    char err[256];
    zoek_index *idx = (zoek_index *)1;
    int rc = zoek_index_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE, &idx, err,
                             sizeof err);
    note("zoek_index_open(create)", rc, n);
    if (rc) {
        CHECK(idx == NULL);
        CHECK(err[0] != 0);
        return -1;
    }
    int ok = 1;
    zoek_index_set_threads(idx, 1);
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "doc%d", i);
        rc = add(idx, id, i == 1 ? "KI-Chips" : NULL, texts[i], ZOEK_LANG_AUTO);
        if (rc < 0) {
            note("zoek_index_add", rc, n);
            ok = 0;
        }
    }
    rc = zoek_index_commit(idx, NULL);
    note("zoek_index_commit", rc, n);
    if (rc) ok = 0;
    int a = search(idx, "chips China", 0, n);
    int b = search(idx, "\"export controls\" OR smokkel* -Singapur",
                   ZOEK_SEARCH_DOCS, n);
    zoek_index_close(idx);
    return ok && a >= 0 && b >= 0 ? 100 * a + b : -1;
}

/* Opens the committed index of `dir`, replaces, adds and deletes articles
 * and commits; when a step fails, the run is abandoned (closed without a
 * commit).  Returns 0 if the commit succeeded. */
static int run_update(const char *dir, long n) {
    char err[256];
    zoek_index *idx;
    int rc = zoek_index_open(dir, ZOEK_OPEN_WRITE, &idx, err, sizeof err);
    note("zoek_index_open(write)", rc, n);
    if (rc) return rc;
    zoek_index_set_threads(idx, 1);
    rc = add(idx, "doc0", NULL,
             "Een nieuwe tekst over halfgeleiders en export.", ZOEK_LANG_NL);
    if (rc >= 0)
        rc = add(idx, "doc9", NULL, "A new article about chip exports.",
                 ZOEK_LANG_EN);
    if (rc >= 0) rc = zoek_index_delete(idx, "doc2", 4);
    if (rc >= 0) {
        rc = zoek_index_commit(idx, NULL);
        note("zoek_index_commit", rc, n);
    } else {
        note("zoek_index_add/delete", rc, n);
    }
    zoek_index_close(idx);
    return rc < 0 ? rc : 0;
}

/* Everything a reader sees of an index, as one string. */
typedef struct zk_answers {
    char s[8192];
} zk_answers;

static void answers(const char *dir, zk_answers *out) {
    zoek_index *idx = tl_open(dir, ZOEK_OPEN_READ);
    static const char *const qs[] = {"chips", "export", "smokkel", "Nvidia",
                                     "halfgeleiders"};
    size_t o = 0;
    out->s[0] = 0;
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        tl_hit h[10];
        int n = tl_search(&idx, 1, qs[i], 0, 10, ZOEK_LANG_AUTO, h, 10);
        o += (size_t)snprintf(out->s + o, sizeof out->s - o, "%s:%d", qs[i], n);
        for (int k = 0; k < n && k < 10; k++)
            o += (size_t)snprintf(out->s + o, sizeof out->s - o, " %s#%u",
                                  h[k].doc, h[k].passage);
        o += (size_t)snprintf(out->s + o, sizeof out->s - o, "\n");
    }
    CHECK_OK(zoek_index_check(idx, NULL));
    zoek_index_close(idx);
}

/* Removes an index directory (its four files, if there). */
static void rm_index(const char *dir) {
    static const char *const files[] = {"data.mdb", "lock.mdb", "writer.lock",
                                        "open.lock"};
    char p[4200];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%.4000s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

/* Replaces directory `to` by a copy of index `from` (its data file). */
static void copy_dir(const char *from, const char *to) {
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%.4000s/data.mdb", from);
    snprintf(b, sizeof b, "%.4000s/lock.mdb", to);
    unlink(b);
    snprintf(b, sizeof b, "%.4000s/writer.lock", to);
    unlink(b);
    mkdir(to, 0755);
    snprintf(b, sizeof b, "%.4000s/data.mdb", to);
    FILE *in = fopen(a, "rb"), *out = fopen(b, "wb");
    char buf[65536];
    size_t n;
    int ok = in && out;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in) fclose(in);
    if (out && fclose(out) != 0) ok = 0;
    if (!ok) {
        fprintf(stderr, "cannot copy %s\n", from);
        exit(2);
    }
}

int main(int argc, char **argv) {
    /* argv[1]: fail only the first N allocations (quick runs);
     * $ZOEK_OOM_STEP: fail every STEP-th one (slow sanitizer builds) */
    long limit = argc > 1 ? atol(argv[1]) : 0;
    const char *e = getenv("ZOEK_OOM_STEP");
    long step = e && atol(e) > 0 ? atol(e) : 1;
    /* thousands of commits: on tmpfs their fsyncs cost nothing */
    if (!getenv("TMPDIR") && access("/dev/shm", W_OK) == 0)
        setenv("TMPDIR", "/dev/shm", 1);
    char *base = tl_tmpdir();
    (void)tl_add; /* this test adds without printing failures */
    zoek_set_allocator(&hook);

    /* without failures: how many allocations a run makes */
    arm(0, 0);
    int hits = run_create(base, 0);
    long total_create = count;
    CHECK(hits > 0);
    CHECK(live == 0);
    CHECK(bad_rc == 0);

    char ref[4200], work[4200];
    snprintf(ref, sizeof ref, "%.4000s/c0", base);
    snprintf(work, sizeof work, "%.4000s/work", base);
    zk_answers before, after, got;
    answers(ref, &before);
    copy_dir(ref, work);
    arm(0, 0);
    CHECK_OK(run_update(work, 0));
    long total_update = count;
    CHECK(live == 0);
    answers(work, &after);
    CHECK(strcmp(before.s, after.s) != 0);

    long n, leaks = 0, wrong = 0;
    static const char *const mode[2] = {"once", "from then on"};
    for (int all = 0; all < 2; all++) {
        long last = limit && limit < total_create ? limit : total_create;
        for (n = 1; n <= last; n += step) {
            arm(n, all);
            int h = run_create(base, n);
            /* a run without errors gives the full answers */
            if (h >= 0 && h != hits && wrong++ < 10)
                fprintf(stderr,
                        "create: allocation %ld failing (%s): no "
                        "error but %d hits, %d expected\n",
                        n, mode[all], h, hits);
            if (live != 0) {
                if (leaks++ < 10)
                    fprintf(stderr,
                            "create: allocation %ld failing (%s) "
                            "leaks %ld blocks\n",
                            n, mode[all], live);
                live = 0;
            }
            char dir[4200];
            snprintf(dir, sizeof dir, "%.4000s/c%ld", base, n);
            rm_index(dir);
        }
        last = limit && limit < total_update ? limit : total_update;
        for (n = 1; n <= last; n += step) {
            copy_dir(ref, work);
            arm(n, all);
            int rc = run_update(work, n);
            if (live != 0) {
                if (leaks++ < 10)
                    fprintf(stderr,
                            "update: allocation %ld failing (%s) "
                            "leaks %ld blocks\n",
                            n, mode[all], live);
                live = 0;
            }
            arm(0, 0);
            answers(work, &got);
            /* a failed commit changes nothing, a successful one all */
            if (strcmp(got.s, rc ? before.s : after.s) != 0 && wrong++ < 10)
                fprintf(stderr,
                        "update: allocation %ld failing (%s), commit "
                        "%s, left this index:\n%s",
                        n, mode[all], zoek_strerror(rc), got.s);
        }
    }
    CHECK(leaks == 0);
    CHECK(wrong == 0);
    CHECK(bad_rc == 0);
    printf("%ld + %ld allocations, failed (step %ld) once and from then "
           "on\n",
           total_create, total_update, step);
    zoek_set_allocator(NULL);
    tl_rmdir(base);
    return check_summary("test_oom");
}
