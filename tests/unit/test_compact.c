/* test_compact.c - zoek_index_compact(): an index with free pages (after
 * replacements, deletions and merges) shrinks, answers every query exactly
 * as before (hits and scores), passes zoek_index_check and takes further
 * commits, also while threads search the same handle.  It is refused for
 * readers, with staged changes, and while another handle or process has the
 * index open; processes that open the index during a compaction wait for
 * it; a full disk leaves the index as it was; what a crash can leave behind
 * (a partial copy, a lock.mdb of the old file) does no harm. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"
#include "testlib.h"

static const char *const sentences[] = {
    "De export van chips naar China is aan banden gelegd.",
    "Smokkelaars gebruiken Maleisië en Singapore als doorvoerland.",
    "Die Exportbeschränkungen für KI-Chips treffen Nvidia hart.",
    "Händler in Singapur stehen unter Verdacht, Grafikkarten umzuleiten.",
    "Investigators say smuggled chips reached China through Malaysia.",
    "The export controls are being tightened again this year.",
    "Het ministerie onderzoekt de leveringen van servers met GPU's.",
    "Die Behörden prüfen Lieferungen von Servern nach Hongkong.",
    "Analysts expect the new rules to hit data centre builders.",
    "Volgens de aanklager ging het om honderden miljoenen dollars.",
};
#define NSENT (sizeof sentences / sizeof *sentences)
static int nart = 900; /* live articles (build() makes 900) */

/* Adds articles [from, from + n) in version v: each holds "zzall" and
 * "zzdocI" and some sentences that depend on v. */
static void add_range(zoek_index *idx, int from, int n, int v) {
    for (int i = from; i < from + n; i++) {
        char id[32], title[64], text[4096];
        snprintf(id, sizeof id, "a%05d", i);
        snprintf(title, sizeof title, "Bericht %d versie %d", i, v);
        size_t o = 0;
        for (int s = 0; s < 8 + (i + v) % 13; s++)
            o += (size_t)snprintf(
                text + o, sizeof text - o, "%s ",
                sentences[(size_t)(i * 7 + s * 3 + v) % NSENT]);
        snprintf(text + o, sizeof text - o, "zzall zzdoc%d zzv%d.", i, v);
        if (tl_add(idx, id, title, text, ZOEK_LANG_AUTO) < 0) exit(3);
    }
}

static uint64_t file_size(const char *dir, const char *name) {
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%.4000s/%s", dir, name);
    return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int exists(const char *dir, const char *name) {
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%.4000s/%s", dir, name);
    return stat(p, &st) == 0;
}

/* FNV-1a of a file's bytes (0 if unreadable). */
static uint64_t file_hash(const char *dir, const char *name) {
    char p[4200];
    snprintf(p, sizeof p, "%.4000s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    if (!f) return 0;
    uint64_t h = 1469598103934665603ull;
    int c;
    while ((c = getc(f)) != EOF)
        h = (h ^ (uint64_t)c) * 1099511628211ull;
    fclose(f);
    return h;
}

/* Every answer of a set of queries, passages and articles, with exact
 * scores, as one string; "" if a search failed. */
#define ANSWERS 65536
static void answers(zoek_index *idx, char *out) {
    static const char *const qs[] = {"zzall",
                                     "chips China",
                                     "Exportbeschränkungen Nvidia",
                                     "smokkel Maleisië",
                                     "\"export controls\"",
                                     "Singapur OR Singapore",
                                     "+servers -Hongkong",
                                     "zzdoc5*",
                                     "zzv1",
                                     "aanklager dollars"};
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        for (int docs = 0; docs < 2; docs++) {
            tl_hit h[40];
            zoek_index *v[1] = {idx};
            int n = tl_search(v, 1, qs[i], docs ? ZOEK_SEARCH_DOCS : 0, 40,
                              ZOEK_LANG_AUTO, h, 40);
            if (n < 0) {
                snprintf(out, ANSWERS, "error %d: %s", n, zoek_errmsg(idx));
                return;
            }
            o += (size_t)snprintf(out + o, ANSWERS - o, "%s/%d:%d", qs[i], docs,
                                  n);
            for (int k = 0; k < n && k < 40 && o < ANSWERS; k++)
                o += (size_t)snprintf(out + o, ANSWERS - o, " %s#%u=%.17g",
                                      h[k].doc, h[k].passage, h[k].score);
            if (o < ANSWERS) o += (size_t)snprintf(out + o, ANSWERS - o, "\n");
        }
    }
}

static int count_all(zoek_index *idx) {
    tl_hit h[1];
    return tl_search(&idx, 1, "zzall", ZOEK_SEARCH_DOCS, 100000, ZOEK_LANG_AUTO,
                     h, 1);
}

/* An index with much free space: replaced, deleted and merged articles. */
static void build(const char *dir) {
    zoek_index *w = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    zoek_index_set_memory(w, 32u << 20);
    add_range(w, 0, 400, 0);
    CHECK_OK(zoek_index_commit(w, NULL));
    add_range(w, 400, 400, 0);
    CHECK_OK(zoek_index_commit(w, NULL));
    add_range(w, 0, 300, 1); /* replaced */
    CHECK_OK(zoek_index_commit(w, NULL));
    for (int i = 600; i < 700; i++) {
        char id[32];
        snprintf(id, sizeof id, "a%05d", i);
        CHECK_OK(zoek_index_delete(w, id, strlen(id)));
    }
    CHECK_OK(zoek_index_commit(w, NULL));
    add_range(w, 800, 200, 0);
    CHECK_OK(zoek_index_optimize(w));
    CHECK_OK(zoek_index_commit(w, NULL));
    zoek_index_close(w);
}

typedef struct searcher {
    pthread_t th;
    zoek_index *idx;    /* the writer's handle */
    const char *want;   /* the answers */
    volatile int *stop; /* set when the compactions are done */
    long n;             /* answer sets compared */
    long bad;           /* that differed */
} searcher;

static void *searcher_main(void *arg) {
    searcher *s = arg;
    char *got = malloc(ANSWERS);
    if (!got) return NULL;
    while (!*s->stop || s->n < 3) {
        answers(s->idx, got);
        if (strcmp(got, s->want) && s->bad++ < 2)
            fprintf(stderr, "a search during compaction answered:\n%.300s\n",
                    got);
        s->n++;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    free(got);
    return NULL;
}

/* Compacting while three threads search the same handle. */
static void test_threads(zoek_index *w) {
    char *want = malloc(ANSWERS);
    answers(w, want);
    volatile int stop = 0;
    searcher s[3];
    memset(s, 0, sizeof s);
    for (int i = 0; i < 3; i++) {
        s[i].idx = w;
        s[i].want = want;
        s[i].stop = &stop;
        CHECK(pthread_create(&s[i].th, NULL, searcher_main, &s[i]) == 0);
    }
    for (int i = 0; i < 5; i++) {
        CHECK_OK(zoek_index_compact(w, NULL, NULL));
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    stop = 1;
    long n = 0, bad = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(s[i].th, NULL);
        n += s[i].n;
        bad += s[i].bad;
    }
    CHECK(n >= 9);
    CHECK(bad == 0);
    free(want);
}

/* Refused: no handle, a reader, staged changes, another handle. */
static void test_refusals(const char *dir) {
    uint64_t b = 1, a = 1;
    CHECK_RC(zoek_index_compact(NULL, &b, &a), ZOEK_EINVAL);
    CHECK(b == 0 && a == 0);

    zoek_index *w = tl_open(dir, ZOEK_OPEN_WRITE);
    zoek_index *r = tl_open(dir, ZOEK_OPEN_READ);
    CHECK_RC(zoek_index_compact(r, &b, &a), ZOEK_EINVAL);
    CHECK(strstr(zoek_errmsg(r), "not opened for writing") != NULL);
    /* the reader is a second handle of the writer's index */
    uint64_t hash = file_hash(dir, "data.mdb");
    CHECK_RC(zoek_index_compact(w, &b, &a), ZOEK_EBUSY);
    CHECK(strstr(zoek_errmsg(w), "in this process") != NULL);
    CHECK(b == 0 && a == 0);
    CHECK(file_hash(dir, "data.mdb") == hash);
    CHECK(count_all(r) == nart);
    zoek_index_close(r);

    /* staged changes (closing the handle discards them) */
    add_range(w, 2000, 1, 0);
    CHECK_RC(zoek_index_compact(w, &b, &a), ZOEK_EINVAL);
    CHECK(strstr(zoek_errmsg(w), "staged") != NULL);
    zoek_index_close(w);
    w = tl_open(dir, ZOEK_OPEN_WRITE);
    CHECK_OK(zoek_index_delete(w, "a00001", 6));
    CHECK_RC(zoek_index_compact(w, &b, &a), ZOEK_EINVAL);
    zoek_index_close(w);
    w = tl_open(dir, ZOEK_OPEN_WRITE);
    CHECK_OK(zoek_index_optimize(w));
    CHECK_RC(zoek_index_compact(w, &b, &a), ZOEK_EINVAL);
    CHECK_OK(zoek_index_commit(w, NULL));
    CHECK_OK(zoek_index_compact(w, &b, &a));
    CHECK(count_all(w) == nart);
    zoek_index_close(w);
}

/* Refused while another process has the index open; its searches go on
 * undisturbed, and once it has closed the index compaction works. */
static void test_other_process(const char *dir) {
    zoek_index *w = tl_open(dir, ZOEK_OPEN_WRITE);
    int up[2], down[2];
    CHECK(pipe(up) == 0 && pipe(down) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        zoek_index *r;
        char c;
        if (zoek_index_open(dir, ZOEK_OPEN_READ, &r, NULL, 0)) _exit(1);
        int n = count_all(r);
        if (write(up[1], "r", 1) != 1 || read(down[0], &c, 1) != 1) _exit(2);
        int m = count_all(r);
        zoek_index_close(r);
        _exit(n == nart && m == nart ? 0 : 3);
    }
    char c;
    CHECK(read(up[0], &c, 1) == 1);
    uint64_t hash = file_hash(dir, "data.mdb"), b, a;
    CHECK_RC(zoek_index_compact(w, &b, &a), ZOEK_EBUSY);
    const char *m = zoek_errmsg(w);
    CHECK(strstr(m, "in use by") != NULL);
    /* the count comes from /proc/locks, where there is one */
    if (access("/proc/locks", R_OK) == 0)
        CHECK(strstr(m, "in use by 1 other process ") != NULL);
    CHECK(file_hash(dir, "data.mdb") == hash);
    CHECK(!exists(dir, "data.mdb.compact-tmp"));
    CHECK(write(down[1], "x", 1) == 1);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_OK(zoek_index_compact(w, &b, &a));
    CHECK(count_all(w) == nart);
    zoek_index_close(w);
    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
}

/* A process that opens the index while a compaction holds open.lock waits
 * for it to end. */
static void test_openers_wait(const char *dir) {
    char p[4200];
    snprintf(p, sizeof p, "%.4000s/open.lock", dir);
    int fd = open(p, O_RDONLY);
    CHECK(fd >= 0);
    CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0); /* as a compaction does */
    int up[2];
    CHECK(pipe(up) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd);
        zoek_index *r;
        if (zoek_index_open(dir, ZOEK_OPEN_READ, &r, NULL, 0)) _exit(1);
        if (write(up[1], "o", 1) != 1) _exit(2);
        int n = count_all(r);
        zoek_index_close(r);
        _exit(n == nart ? 0 : 3);
    }
    struct pollfd pf = {up[0], POLLIN, 0};
    CHECK(poll(&pf, 1, 300) == 0); /* still waiting */
    CHECK(flock(fd, LOCK_UN) == 0);
    close(fd);
    char c;
    CHECK(read(up[0], &c, 1) == 1);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(up[0]);
    close(up[1]);
}

/* No room for the copy (a file size limit: writes fail with EFBIG):
 * ZOEK_EFULL, the index untouched, the copy removed, the handle usable. */
static void test_disk_full(const char *dir) {
    uint64_t hash = file_hash(dir, "data.mdb");
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl;
        if (getrlimit(RLIMIT_FSIZE, &rl)) _exit(1);
        rl.rlim_cur = 256 << 10; /* above lock.mdb, below the copy */
        if (setrlimit(RLIMIT_FSIZE, &rl)) _exit(1);
        zoek_index *w;
        char err[512];
        if (zoek_index_open(dir, ZOEK_OPEN_WRITE, &w, err, sizeof err)) {
            fprintf(stderr, "open: %s\n", err);
            _exit(2);
        }
        uint64_t b = 1, a = 1;
        int rc = zoek_index_compact(w, &b, &a);
        int ok = rc == ZOEK_EFULL && b == 0 && a == 0 &&
                 strstr(zoek_errmsg(w), "disk full") != NULL;
        if (!ok)
            fprintf(stderr, "compact on a full disk: %d %s\n", rc,
                    zoek_errmsg(w));
        int n = count_all(w);
        zoek_index_close(w);
        _exit(!ok ? 3 : n != nart ? 4 : 0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(file_hash(dir, "data.mdb") == hash);
    CHECK(!exists(dir, "data.mdb.compact-tmp"));
    zoek_index *r = tl_open(dir, ZOEK_OPEN_READ);
    CHECK_OK(zoek_index_check(r, NULL));
    zoek_index_close(r);
}

/* Reads dir's lock.mdb into buf; returns its size. */
static size_t read_lock(const char *dir, char *buf, size_t cap) {
    char p[4200];
    snprintf(p, sizeof p, "%.4000s/lock.mdb", dir);
    FILE *f = fopen(p, "rb");
    size_t n = f ? fread(buf, 1, cap, f) : 0;
    if (f) fclose(f);
    return n;
}

static int write_lock(const char *dir, const char *buf, size_t n) {
    char p[4200];
    snprintf(p, sizeof p, "%.4000s/lock.mdb", dir);
    FILE *f = fopen(p, "wb");
    int ok = f && fwrite(buf, 1, n, f) == n;
    if (f && fclose(f) != 0) ok = 0;
    return ok;
}

/* What a crash can leave: a partial copy (ignored by readers, removed by
 * the next writer); a compacted data.mdb next to a lock.mdb of the old
 * file, whose last transaction id is far from the copy's (the first
 * process to open the environment makes LMDB's lock file anew). */
static void test_leftovers(const char *dir, const char *want) {
    char *got = malloc(ANSWERS);
    char p[4200];
    snprintf(p, sizeof p, "%.4000s/data.mdb.compact-tmp", dir);
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    for (int i = 0; f && i < 100000; i++)
        putc(i * 7919 % 251, f);
    if (f) fclose(f);
    zoek_index *r = tl_open(dir, ZOEK_OPEN_READ);
    answers(r, got);
    CHECK(strcmp(got, want) == 0);
    zoek_index_close(r);
    CHECK(exists(dir, "data.mdb.compact-tmp"));
    zoek_index *w = tl_open(dir, ZOEK_OPEN_WRITE);
    CHECK(!exists(dir, "data.mdb.compact-tmp"));
    zoek_index_close(w);

    /* two lock files of the old file, one transaction apart: whichever
     * meta page a stale transaction id picked, one of them would fail */
    static char lock[2][1 << 20];
    size_t n[2];
    n[0] = read_lock(dir, lock[0], sizeof lock[0]);
    w = tl_open(dir, ZOEK_OPEN_WRITE);
    CHECK_OK(zoek_index_set_dictionaries(w, NULL, NULL)); /* one commit */
    zoek_index_close(w);
    n[1] = read_lock(dir, lock[1], sizeof lock[1]);
    CHECK(n[0] > 0 && n[1] == n[0] && memcmp(lock[0], lock[1], n[0]) != 0);
    w = tl_open(dir, ZOEK_OPEN_WRITE);
    CHECK_OK(zoek_index_compact(w, NULL, NULL));
    zoek_index_close(w);
    for (int i = 0; i < 2; i++) {
        CHECK(write_lock(dir, lock[i], n[i]));
        zoek_index *x;
        char err[512];
        CHECK_OK(zoek_index_open(dir, ZOEK_OPEN_READ, &x, err, sizeof err));
        if (!x) {
            fprintf(stderr, "with the old lock.mdb %d: %s\n", i, err);
            continue;
        }
        answers(x, got);
        CHECK(strcmp(got, want) == 0);
        zoek_index_close(x);
    }
    r = tl_open(dir, ZOEK_OPEN_READ);
    CHECK_OK(zoek_index_check(r, NULL));
    zoek_index_close(r);
    w = tl_open(dir, ZOEK_OPEN_WRITE);
    add_range(w, 3100, 1, 0);
    CHECK_OK(zoek_index_commit(w, NULL));
    CHECK(count_all(w) == nart + 1);
    CHECK_OK(zoek_index_check(w, NULL));
    zoek_index_close(w);
    free(got);
}

int main(void) {
    char *dir = tl_tmpdir();
    build(dir);
    char *a0 = malloc(ANSWERS), *a1 = malloc(ANSWERS);

    /* compaction shrinks the file and changes no answer */
    zoek_index *w = tl_open(dir, ZOEK_OPEN_WRITE);
    answers(w, a0);
    CHECK(a0[0] != 0);
    uint64_t size0 = file_size(dir, "data.mdb"), before, after;
    CHECK_OK(zoek_index_compact(w, &before, &after));
    CHECK(before == size0);
    CHECK(after == file_size(dir, "data.mdb"));
    /* 400 of 1000 articles were replaced or deleted and the segments
     * merged into one: at least a fifth of the file is free pages */
    CHECK(after > 0 && after < before / 5 * 4);
    zoek_stats st;
    CHECK_OK(zoek_index_stats(w, &st));
    CHECK(st.file_bytes == after);
    CHECK(st.segments == 1);
    answers(w, a1);
    CHECK(strcmp(a0, a1) == 0);
    CHECK_OK(zoek_index_check(w, NULL));
    CHECK(!exists(dir, "data.mdb.compact-tmp"));
    CHECK(exists(dir, "lock.mdb"));
    /* a compact index stays as it is */
    uint64_t b2, a2;
    CHECK_OK(zoek_index_compact(w, &b2, &a2));
    CHECK(b2 == after && a2 <= after);
    answers(w, a1);
    CHECK(strcmp(a0, a1) == 0);
    /* a fresh handle of another process answers the same */
    zoek_index_close(w);
    zoek_index *r = tl_open(dir, ZOEK_OPEN_READ);
    answers(r, a1);
    CHECK(strcmp(a0, a1) == 0);
    zoek_index_close(r);

    /* the writer goes on after compacting, and compacts again */
    w = tl_open(dir, ZOEK_OPEN_WRITE);
    CHECK_OK(zoek_index_compact(w, NULL, NULL));
    add_range(w, 1000, 50, 0);
    CHECK_OK(zoek_index_commit(w, NULL));
    nart += 50;
    CHECK(count_all(w) == nart);
    CHECK_OK(zoek_index_check(w, NULL));
    answers(w, a0);
    CHECK_OK(zoek_index_compact(w, NULL, NULL));
    answers(w, a1);
    CHECK(strcmp(a0, a1) == 0);
    CHECK_OK(zoek_index_check(w, NULL));
    test_threads(w);
    zoek_index_close(w);

    test_refusals(dir);
    test_other_process(dir);
    test_openers_wait(dir);
    test_disk_full(dir);
    test_leftovers(dir, a0);

    printf("%llu -> %llu bytes\n", (unsigned long long)before,
           (unsigned long long)after);
    free(a0);
    free(a1);
    tl_rmdir(dir);
    return check_summary("test_compact");
}
