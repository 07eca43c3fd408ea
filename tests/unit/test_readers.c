/* test_readers.c - many readers while a writer commits: 8 threads search
 * one shared handle, 8 more threads each open, search and close their own
 * handles, while another process adds articles in many commits.  Every
 * answer must be a complete snapshot: all articles of some commit, never
 * part of one.  Readers killed with SIGKILL in the middle of a read leave
 * LMDB reader slots behind; the next open clears them. */
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"
#include "index.h"
#include "testlib.h"

#define BASE 200      /* articles before the writer starts */
#define PER_COMMIT 40 /* articles per commit */
#define COMMITS 25    /* commits of the writer */

static const char *const sentences[] = {
    "De export van chips naar China is aan banden gelegd.",
    "Smokkelaars gebruiken Maleisië en Singapore als doorvoerland.",
    "Die Exportbeschränkungen für KI-Chips treffen Nvidia.",
    "Händler in Singapur stehen unter Verdacht.",
    "Investigators say smuggled chips reached China through Malaysia.",
    "The export controls are being tightened again this year.",
};

/* Adds articles [from, from + n): each holds "zzall" and "zzdocI". */
static void add_range(zoek_index *idx, int from, int n) {
    for (int i = from; i < from + n; i++) {
        char id[32], text[1024];
        snprintf(id, sizeof id, "a%05d", i);
        size_t o = 0;
        for (int s = 0; s < 3 + i % 7; s++)
            o += (size_t)snprintf(text + o, sizeof text - o, "%s ",
                                  sentences[(i + s) % 6]);
        snprintf(text + o, sizeof text - o, "zzall zzdoc%d.", i);
        if (tl_add(idx, id, NULL, text, ZOEK_LANG_AUTO) < 0) exit(3);
    }
}

/* The writer process: COMMITS commits of PER_COMMIT articles. */
static void writer_proc(const char *dir) {
    for (int c = 0; c < COMMITS; c++) {
        zoek_index *idx = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_WAIT);
        add_range(idx, BASE + c * PER_COMMIT, PER_COMMIT);
        if (zoek_index_commit(idx, NULL)) exit(4);
        zoek_index_close(idx);
    }
    exit(0);
}

typedef struct reader {
    pthread_t th;
    const char *dir;    /* index directory */
    zoek_index *shared; /* shared handle, or NULL: open its own */
    volatile int *stop; /* set when the writer is done */
    long searches;      /* searches made */
    long bad;           /* answers that were no complete snapshot */
    long errors;        /* searches that failed */
    int last;           /* last count seen */
} reader;

/* 1 if n articles are what some commit published. */
static int complete(int n) {
    return n >= BASE && n <= BASE + COMMITS * PER_COMMIT &&
           (n - BASE) % PER_COMMIT == 0;
}

static void *reader_main(void *arg) {
    reader *r = arg;
    zoek_index *own = NULL;
    while (!*r->stop || r->searches < 20) {
        zoek_index *idx = r->shared;
        if (!idx) {
            char err[256];
            if (zoek_index_open(r->dir, ZOEK_OPEN_READ, &own, err,
                                sizeof err)) {
                r->errors++;
                continue;
            }
            idx = own;
        }
        tl_hit h[1];
        int n = tl_search(&idx, 1, "zzall", ZOEK_SEARCH_DOCS, 100000,
                          ZOEK_LANG_AUTO, h, 1);
        r->searches++;
        if (n < 0) {
            if (r->errors++ < 3)
                fprintf(stderr, "search: %s\n", zoek_strerror(n));
        } else if (!complete(n) || n < r->last) {
            if (r->bad++ < 3)
                fprintf(stderr, "a search saw %d articles (before: %d)\n", n,
                        r->last);
        } else {
            r->last = n;
        }
        if (own) {
            zoek_index_close(own);
            own = NULL;
        }
    }
    return NULL;
}

/* mdb_reader_list callback: counts slots in use (not the header, not
 * "(no active readers)"). */
static int count_line(const char *msg, void *ctx) {
    if (!strstr(msg, "txnid") && !strstr(msg, "no active")) (*(int *)ctx)++;
    return 0;
}

/* The reader slots in use of the index in dir, counted by a child
 * process with its own LMDB environment (one process must not open a file
 * twice). */
static int reader_slots(const char *dir) {
    pid_t pid = fork();
    if (pid == 0) {
        MDB_env *env;
        int n = 0;
        if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 16) ||
            mdb_env_set_maxreaders(env, 510) ||
            mdb_env_open(env, dir, MDB_RDONLY, 0644) ||
            mdb_reader_list(env, count_line, &n) < 0)
            _exit(255);
        _exit(n > 250 ? 250 : n);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

/* Readers killed while they read leave slots that the next open frees. */
static void test_stale_slots(const char *dir) {
    zoek_index *keep = tl_open(dir, ZOEK_OPEN_READ); /* the lock file's */
    int before = reader_slots(dir);
    pid_t kids[5];
    int fds[2];
    CHECK(pipe(fds) == 0);
    for (int i = 0; i < 5; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            zoek_index *idx = tl_open(dir, ZOEK_OPEN_READ);
            store_txn *t;
            if (store_begin(idx->st, 0, 0, &t)) _exit(1);
            if (write(fds[1], "r", 1) != 1) _exit(1);
            for (;;)
                pause(); /* reading, until killed */
        }
    }
    char c;
    for (int i = 0; i < 5; i++)
        CHECK(read(fds[0], &c, 1) == 1);
    for (int i = 0; i < 5; i++) {
        kill(kids[i], SIGKILL);
        waitpid(kids[i], NULL, 0);
    }
    close(fds[0]);
    close(fds[1]);
    CHECK(reader_slots(dir) == before + 5);
    zoek_index *idx = tl_open(dir, ZOEK_OPEN_READ);
    CHECK(reader_slots(dir) == before);
    zoek_index_close(idx);
    zoek_index_close(keep);
}

int main(void) {
    char *dir = tl_tmpdir();
    zoek_index *w = tl_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE);
    add_range(w, 0, BASE);
    CHECK_OK(zoek_index_commit(w, NULL));
    zoek_index_close(w);

    zoek_index *shared = tl_open(dir, ZOEK_OPEN_READ);
    /* the shared handle drops the map after nearly every search, while
     * the other threads read through it */
    CHECK(zoek_index_set_map_limit(NULL, 1) == ZOEK_EINVAL);
    CHECK_OK(zoek_index_set_map_limit(shared, 1));
    volatile int stop = 0;
    reader rd[16];
    memset(rd, 0, sizeof rd);
    pid_t pid = fork();
    if (pid == 0) writer_proc(dir);
    CHECK(pid > 0);
    for (int i = 0; i < 16; i++) {
        rd[i].dir = dir;
        rd[i].shared = i < 8 ? shared : NULL;
        rd[i].stop = &stop;
        CHECK(pthread_create(&rd[i].th, NULL, reader_main, &rd[i]) == 0);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    stop = 1;
    long searches = 0, bad = 0, errors = 0;
    for (int i = 0; i < 16; i++) {
        pthread_join(rd[i].th, NULL);
        searches += rd[i].searches;
        bad += rd[i].bad;
        errors += rd[i].errors;
    }
    CHECK(bad == 0);
    CHECK(errors == 0);
    tl_hit h[1];
    CHECK(tl_search(&shared, 1, "zzall", ZOEK_SEARCH_DOCS, 100000,
                    ZOEK_LANG_AUTO, h, 1) == BASE + COMMITS * PER_COMMIT);
    CHECK_OK(zoek_index_check(shared, NULL));
    zoek_index_close(shared);
    test_stale_slots(dir);
    printf("%ld searches in 16 threads during %d commits\n", searches, COMMITS);
    tl_rmdir(dir);
    return check_summary("test_readers");
}
