/* zoek_bench.c - zoek as one more engine of the peer benchmark: builds an
 * index and times searches with the peers' interface and metrics keys.
 *
 *   zoek_bench build DOCS INDEX [--no-optimize] [--memory MB] [--threads N]
 *                    [--metrics F]
 *   zoek_bench search INDEX QUERIES RUN_PREFIX [--reps N] [--max-queries N]
 *                    [--batch] [--passages] [--snippets] [--exhaustive]
 *                    [--cross]
 *                    [--k N] [--query-lang tsv|auto] [--tag T]
 *                    [--peer-name P] [--map-limit MB] [--metrics F]
 *
 * build: adds DOCS (JSON Lines) and commits, then, unless --no-optimize,
 * merges everything into one segment in a second commit (what
 * `zoek-index --optimize` does); both steps are timed.  Exit status 3:
 * built, but the index did not open again ("reopen_error" in the metrics).
 * search: latency mode runs one untimed warm-up pass at top 10 and top
 * 1000, then REPS timed passes at each; every query is timed with
 * CLOCK_MONOTONIC around zoek_search() + reading every hit's article id +
 * zoek_results_free().  It also times top 1000 without reading the hits
 * ("noid").  --k N times only top N (for profiling one depth).
 * --batch: one pass at top 1000 without warm-up.  Articles are
 * ranked (ZOEK_SEARCH_DOCS) without snippets unless --passages/--snippets.
 * --map-limit MB: zoek_index_set_map_limit (default: the library's).
 * A third column of QUERIES (en|de|nl) sets the query language, as for the
 * peers, unless --query-lang auto.
 * Prints one JSON object and writes it to --metrics F. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "zoek.h"

static const char *prog = "zoek_bench";

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double secs_since(uint64_t t0) {
    return (double)(now_ns() - t0) * 1e-9;
}

static long peak_rss_kib(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_maxrss;
}

/* A field of /proc/self/status in KiB (RssFile, RssAnon), -1 if absent. */
static long status_kib(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    size_t n = strlen(field);
    long v = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static double cpu_s(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec * 1e-6 +
           (double)r.ru_stime.tv_sec + (double)r.ru_stime.tv_usec * 1e-6;
}

/* A field of /proc/self/io (write_bytes, read_bytes), or -1. */
static long long proc_io(const char *field) {
    FILE *f = fopen("/proc/self/io", "r");
    if (!f) return -1;
    char line[128];
    long long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':') {
            v = atoll(line + n + 1);
            break;
        }
    fclose(f);
    return v;
}

static long long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Sum of apparent file sizes in a directory (like peerlib.dir_size). */
static long long dir_size(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    long long total = 0;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) total += st.st_size;
    }
    closedir(d);
    return total;
}

/* ------------------------------------------------------------- JSON out */

typedef struct jbuf {
    char *p;    /* text */
    size_t len; /* used */
    size_t cap; /* allocated */
    int first;  /* no member written yet at this level */
} jbuf;

static void jputs(jbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) die("out of memory");
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void jprintf(jbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void jprintf(jbuf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof tmp) n = sizeof tmp - 1;
    jputs(b, tmp, (size_t)n);
}

static void jstr(jbuf *b, const char *s) {
    jputs(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            jputs(b, e, 2);
        } else if (c < 0x20) {
            jprintf(b, "\\u%04x", c);
        } else {
            jputs(b, (const char *)&c, 1);
        }
    }
    jputs(b, "\"", 1);
}

static void jkey(jbuf *b, const char *k) {
    if (!b->first) jputs(b, ", ", 2);
    b->first = 0;
    jstr(b, k);
    jputs(b, ": ", 2);
}

static void jnum(jbuf *b, const char *k, double v, int decimals) {
    jkey(b, k);
    jprintf(b, "%.*f", decimals, v);
}

static void jint(jbuf *b, const char *k, long long v) {
    jkey(b, k);
    jprintf(b, "%lld", v);
}

static void jstrv(jbuf *b, const char *k, const char *v) {
    jkey(b, k);
    jstr(b, v);
}

static void jopen(jbuf *b, const char *k) {
    if (k) jkey(b, k);
    jputs(b, "{", 1);
    b->first = 1;
}

static void jclose(jbuf *b) {
    jputs(b, "}", 1);
    b->first = 0;
}

static void emit(jbuf *b, const char *path) {
    if (path) {
        FILE *f = fopen(path, "w");
        if (!f) die("%s: %s", path, strerror(errno));
        fprintf(f, "%s\n", b->p);
        if (fclose(f)) die("%s: %s", path, strerror(errno));
    }
    printf("%s\n", b->p);
    fflush(stdout);
}

/* ---------------------------------------------------------------- build */

typedef struct events {
    unsigned long long warnings; /* ZOEK_EVENT_WARNING */
    unsigned long long errors;   /* ZOEK_EVENT_ERROR */
} events;

static void on_event(const zoek_event *ev, void *ud) {
    events *e = ud;
    if (ev->kind == ZOEK_EVENT_WARNING) e->warnings++;
    if (ev->kind == ZOEK_EVENT_ERROR) {
        if (e->errors++ < 5)
            fprintf(stderr, "%s: %s:%llu: %s\n", prog,
                    ev->source ? ev->source : "-", (unsigned long long)ev->line,
                    ev->message);
    }
}

static int cmd_build(int argc, char **argv) {
    const char *docs = NULL, *dir = NULL, *metrics = NULL;
    int optimize = 1;
    long memory_mb = 0, threads = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--no-optimize"))
            optimize = 0;
        else if (!strcmp(a, "--memory") && i + 1 < argc)
            memory_mb = atol(argv[++i]);
        else if (!strcmp(a, "--threads") && i + 1 < argc)
            threads = atol(argv[++i]);
        else if (!strcmp(a, "--metrics") && i + 1 < argc)
            metrics = argv[++i];
        else if (a[0] == '-' && a[1])
            die("build: unknown option %s", a);
        else if (!docs)
            docs = a;
        else if (!dir)
            dir = a;
        else
            die("build: too many arguments");
    }
    if (!docs || !dir) die("usage: build DOCS INDEX [--metrics F]");
    uint64_t t0 = now_ns();
    char err[1024];
    zoek_index *idx;
    int rc = zoek_index_open(dir, ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE, &idx, err,
                             sizeof err);
    if (rc) die("%s", err);
    events ev = {0, 0};
    zoek_index_set_events(idx, on_event, &ev);
    if (memory_mb && zoek_index_set_memory(idx, (size_t)memory_mb << 20))
        die("--memory %ld: %s", memory_mb, zoek_errmsg(idx));
    if (threads && zoek_index_set_threads(idx, (unsigned)threads))
        die("--threads %ld: %s", threads, zoek_errmsg(idx));
    zoek_add_opts ao;
    memset(&ao, 0, sizeof ao);
    ao.size = sizeof ao;
    ao.lang = ZOEK_LANG_AUTO;
    uint64_t nfailed = 0;
    rc = zoek_index_add_path(idx, docs, &ao, &nfailed);
    if (rc) die("%s: %s", docs, zoek_errmsg(idx));
    double add_s = secs_since(t0);
    uint64_t t1 = now_ns();
    zoek_commit_stats cs;
    if ((rc = zoek_index_commit(idx, &cs))) die("commit: %s", zoek_errmsg(idx));
    double commit_s = secs_since(t1);
    double noopt_s = secs_since(t0);
    long long noopt_bytes = dir_size(dir);
    long noopt_rss = peak_rss_kib();
    uint64_t segments_before = cs.segments;
    double optimize_s = -1;
    if (optimize) {
        uint64_t t2 = now_ns();
        zoek_commit_stats os;
        if ((rc = zoek_index_optimize(idx)) ||
            (rc = zoek_index_commit(idx, &os)))
            die("optimize: %s", zoek_errmsg(idx));
        optimize_s = secs_since(t2);
    }
    zoek_index_close(idx);
    double build_s = secs_since(t0);

    /* statistics from a fresh read handle; if the index does not open
     * again, the build's figures are still written, with the error */
    zoek_stats st;
    memset(&st, 0, sizeof st);
    st.passages = cs.passages;
    int reopen_rc = zoek_index_open(dir, ZOEK_OPEN_READ, &idx, err, sizeof err);
    if (reopen_rc) {
        fprintf(stderr, "%s: reopening the index: %s\n", prog, err);
    } else {
        if ((rc = zoek_index_stats(idx, &st)))
            die("stats: %s", zoek_errmsg(idx));
        zoek_index_close(idx);
    }

    char path[4096];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    jbuf b = {0};
    jopen(&b, NULL);
    jstrv(&b, "peer", "zoek");
    jstrv(&b, "phase", "build");
    jkey(&b, "engine");
    jprintf(&b, "\"zoek %s\"", zoek_version());
    jint(&b, "docs", (long long)cs.added);
    jint(&b, "passages", (long long)st.passages);
    jint(&b, "tokens", (long long)st.tokens);
    jopen(&b, "docs_by_lang");
    jint(&b, "en", (long long)st.articles_lang[0]);
    jint(&b, "de", (long long)st.articles_lang[1]);
    jint(&b, "nl", (long long)st.articles_lang[2]);
    jclose(&b);
    /* commit stats count title + blank line + text, the peers title +
     * newline + text: one byte per titled article apart */
    jint(&b, "raw_text_bytes", (long long)cs.bytes);
    jint(&b, "index_bytes", dir_size(dir));
    jint(&b, "data_mdb_bytes", file_size(path));
    jint(&b, "index_bytes_unoptimized", noopt_bytes);
    jint(&b, "segments_before_optimize", (long long)segments_before);
    jint(&b, "merged_in_first_commit", (long long)cs.merged);
    jint(&b, "segments", (long long)st.segments);
    jnum(&b, "add_s", add_s, 3);
    jnum(&b, "commit_s", commit_s, 3);
    jnum(&b, "build_noopt_s", noopt_s, 3);
    if (optimize) jnum(&b, "optimize_s", optimize_s, 3);
    jnum(&b, "build_s", build_s, 3);
    jnum(&b, "cpu_s", cpu_s(), 3);
    jint(&b, "peak_rss_kib", peak_rss_kib());
    jint(&b, "peak_rss_noopt_kib", noopt_rss);
    jint(&b, "write_bytes", proc_io("write_bytes"));
    jint(&b, "failed", (long long)nfailed);
    jint(&b, "warnings", (long long)ev.warnings);
    if (reopen_rc) jstrv(&b, "reopen_error", err);
    jopen(&b, "settings");
    jint(&b, "memory_mb", memory_mb ? memory_mb : 256);
    jint(&b, "threads", threads);
    jint(&b, "optimize", optimize);
    jclose(&b);
    jclose(&b);
    emit(&b, metrics);
    free(b.p);
    return reopen_rc ? 3 : 0;
}

/* --------------------------------------------------------------- search */

typedef struct query {
    char *qid;  /* query id */
    char *text; /* query text */
    int lang;   /* ZOEK_LANG_* from the third column, or AUTO */
} query;

typedef struct hitrec {
    uint32_t off; /* id offset in the run's id arena */
    double score; /* BM25 score */
} hitrec;

/* The hits of one query at one k. */
typedef struct qrun {
    hitrec *h;    /* hits */
    size_t n;     /* used */
    size_t cap;   /* allocated */
    char *ids;    /* NUL-terminated ids back to back */
    size_t idlen; /* used */
    size_t idcap; /* allocated */
} qrun;

static size_t read_queries(const char *path, query **out) {
    FILE *f = fopen(path, "r");
    if (!f) die("%s: %s", path, strerror(errno));
    query *v = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || line[0] == '#') continue;
        char *tab = strchr(line, '\t');
        if (!tab) die("%s: line without TAB", path);
        *tab = 0;
        char *text = tab + 1, *lang = strchr(text, '\t');
        int l = ZOEK_LANG_AUTO;
        if (lang) {
            *lang++ = 0;
            int x = zoek_lang_parse(lang);
            if (x >= ZOEK_LANG_EN) l = x;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            v = realloc(v, cap * sizeof *v);
            if (!v) die("out of memory");
        }
        v[n].qid = strdup(line);
        v[n].text = strdup(text);
        v[n].lang = l;
        if (!v[n].qid || !v[n].text) die("out of memory");
        n++;
    }
    free(line);
    fclose(f);
    *out = v;
    return n;
}

typedef struct sctx {
    zoek_index *idx;    /* the index */
    zoek_search_opts o; /* options; limit set per call */
    int use_lang;       /* honour the queries' third column */
} sctx;

/* Runs one query at top k.  ids: read every hit into r (else only search
 * and free).  Returns the elapsed nanoseconds. */
static uint64_t run_one(sctx *c, const query *q, uint32_t k, int ids, qrun *r) {
    zoek_search_opts o = c->o;
    o.limit = k;
    o.lang = c->use_lang ? q->lang : ZOEK_LANG_AUTO;
    zoek_results *res;
    uint64_t t0 = now_ns();
    int rc = zoek_search(c->idx, q->text, strlen(q->text), &o, &res);
    if (rc)
        die("query %s: %s: %s", q->qid, zoek_strerror(rc), zoek_errmsg(c->idx));
    if (ids) {
        r->n = 0;
        r->idlen = 0;
        const zoek_hit *h;
        while ((rc = zoek_results_next(res, &h)) == 1) {
            if (r->n == r->cap) {
                r->cap = r->cap ? r->cap * 2 : 16;
                r->h = realloc(r->h, r->cap * sizeof *r->h);
                if (!r->h) die("out of memory");
            }
            if (r->idlen + h->doc_len + 1 > r->idcap) {
                size_t cap = r->idcap ? r->idcap : 1024;
                while (r->idlen + h->doc_len + 1 > cap)
                    cap *= 2;
                r->ids = realloc(r->ids, cap);
                if (!r->ids) die("out of memory");
                r->idcap = cap;
            }
            r->h[r->n].off = (uint32_t)r->idlen;
            r->h[r->n].score = h->score;
            memcpy(r->ids + r->idlen, h->doc, h->doc_len + 1);
            r->idlen += h->doc_len + 1;
            r->n++;
        }
        if (rc < 0)
            die("query %s: %s: %s", q->qid, zoek_strerror(rc),
                zoek_results_errmsg(res));
    }
    zoek_results_free(res);
    return now_ns() - t0;
}

static void write_trec(const char *path, const char *tag, const query *qs,
                       size_t nq, const qrun *runs) {
    FILE *f = fopen(path, "w");
    if (!f) die("%s: %s", path, strerror(errno));
    for (size_t i = 0; i < nq; i++)
        for (size_t j = 0; j < runs[i].n; j++)
            fprintf(f, "%s Q0 %s %zu %.10g %s\n", qs[i].qid,
                    runs[i].ids + runs[i].h[j].off, j + 1, runs[i].h[j].score,
                    tag);
    if (fclose(f)) die("%s: %s", path, strerror(errno));
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of ascending v (as peerlib.percentile). */
static uint64_t percentile(const uint64_t *v, size_t n, double p) {
    size_t k = (size_t)(p / 100.0 * (double)n + 0.999999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return v[k - 1];
}

static void latency(jbuf *b, const char *key, uint64_t *v, size_t n) {
    jopen(b, key);
    jint(b, "n", (long long)n);
    if (n) {
        qsort(v, n, sizeof *v, cmp_u64);
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += (double)v[i];
        jnum(b, "mean_us", sum / (double)n / 1000.0, 1);
        jnum(b, "p50_us", (double)percentile(v, n, 50) / 1000.0, 1);
        jnum(b, "p90_us", (double)percentile(v, n, 90) / 1000.0, 1);
        jnum(b, "p99_us", (double)percentile(v, n, 99) / 1000.0, 1);
        jnum(b, "max_us", (double)v[n - 1] / 1000.0, 1);
    }
    jclose(b);
}

static int cmd_search(int argc, char **argv) {
    const char *dir = NULL, *qpath = NULL, *prefix = NULL, *metrics = NULL;
    const char *tag = NULL, *name = "zoek";
    long reps = 5, maxq = 0, only_k = 0, map_mb = -1;
    int batch = 0, passages = 0, snippets = 0, exhaustive = 0, use_lang = 1;
    int cross = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--batch"))
            batch = 1;
        else if (!strcmp(a, "--passages"))
            passages = 1;
        else if (!strcmp(a, "--snippets"))
            snippets = 1;
        else if (!strcmp(a, "--exhaustive"))
            exhaustive = 1;
        else if (!strcmp(a, "--cross"))
            cross = 1;
        else if (!strcmp(a, "--reps") && i + 1 < argc)
            reps = atol(argv[++i]);
        else if (!strcmp(a, "--k") && i + 1 < argc)
            only_k = atol(argv[++i]);
        else if (!strcmp(a, "--max-queries") && i + 1 < argc)
            maxq = atol(argv[++i]);
        else if (!strcmp(a, "--map-limit") && i + 1 < argc)
            map_mb = atol(argv[++i]);
        else if (!strcmp(a, "--query-lang") && i + 1 < argc)
            use_lang = strcmp(argv[++i], "auto") != 0;
        else if (!strcmp(a, "--tag") && i + 1 < argc)
            tag = argv[++i];
        else if (!strcmp(a, "--peer-name") && i + 1 < argc)
            name = argv[++i];
        else if (!strcmp(a, "--metrics") && i + 1 < argc)
            metrics = argv[++i];
        else if (a[0] == '-' && a[1])
            die("search: unknown option %s", a);
        else if (!dir)
            dir = a;
        else if (!qpath)
            qpath = a;
        else if (!prefix)
            prefix = a;
        else
            die("search: too many arguments");
    }
    if (!dir || !qpath || !prefix)
        die("usage: search INDEX QUERIES RUN_PREFIX [--reps N] [--batch]");
    if (reps < 1) reps = 1;
    uint64_t t_start = now_ns();
    query *qs;
    size_t nq = read_queries(qpath, &qs);
    sctx c;
    memset(&c, 0, sizeof c);
    char err[1024];
    if (zoek_index_open(dir, ZOEK_OPEN_READ, &c.idx, err, sizeof err))
        die("%s", err);
    if (map_mb >= 0) zoek_index_set_map_limit(c.idx, (size_t)map_mb << 20);
    double open_s = secs_since(t_start);
    c.o.size = sizeof c.o;
    c.o.flags = (passages ? 0 : ZOEK_SEARCH_DOCS) |
                (snippets ? 0 : ZOEK_SEARCH_NO_SNIPPETS) |
                (exhaustive ? ZOEK_SEARCH_EXHAUSTIVE : 0) |
                (cross ? ZOEK_SEARCH_CROSS : 0);
    c.use_lang = use_lang;
    if (!tag) tag = "zoek_bm25";
    qrun *runs = calloc(nq ? nq : 1, sizeof *runs);
    if (!runs) die("out of memory");
    char path[4096];
    jbuf b = {0};
    jopen(&b, NULL);
    jstrv(&b, "peer", name);
    jstrv(&b, "phase", "search");
    jkey(&b, "engine");
    jprintf(&b, "\"zoek %s\"", zoek_version());
    jnum(&b, "open_s", open_s, 4);
    if (batch) {
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < nq; i++)
            run_one(&c, &qs[i], 1000, 1, &runs[i]);
        jnum(&b, "batch_queries_s", secs_since(t0), 4);
        jstrv(&b, "mode", "batch");
        snprintf(path, sizeof path, "%s.top1000.trec", prefix);
        write_trec(path, tag, qs, nq, runs);
    } else {
        size_t lq = maxq > 0 && (size_t)maxq < nq ? (size_t)maxq : nq;
        uint64_t *samples = malloc((lq * (size_t)reps + 1) * sizeof *samples);
        if (!samples) die("out of memory");
        uint32_t ks[2] = {10, 1000};
        int nk = 2;
        if (only_k > 0) {
            ks[0] = (uint32_t)only_k;
            nk = 1;
        }
        for (int ki = 0; ki < nk; ki++)
            for (size_t i = 0; i < lq; i++)
                run_one(&c, &qs[i], ks[ki], 1, &runs[i]);
        size_t hits10 = 0;
        for (int ki = 0; ki < nk; ki++) {
            size_t ns = 0;
            for (long r = 0; r < reps; r++)
                for (size_t i = 0; i < lq; i++)
                    samples[ns++] = run_one(&c, &qs[i], ks[ki], 1, &runs[i]);
            char key[32];
            snprintf(key, sizeof key, "latency_top%u", (unsigned)ks[ki]);
            latency(&b, key, samples, ns);
            snprintf(path, sizeof path, "%s.top%u.trec", prefix,
                     (unsigned)ks[ki]);
            write_trec(path, tag, qs, lq, runs);
            if (ki == 0 && ks[0] == 10)
                for (size_t i = 0; i < lq; i++)
                    hits10 += runs[i].n;
        }
        if (nk == 2) {
            for (size_t i = 0; i < lq; i++)
                run_one(&c, &qs[i], 1000, 0, NULL);
            size_t ns = 0;
            for (long r = 0; r < reps; r++)
                for (size_t i = 0; i < lq; i++)
                    samples[ns++] = run_one(&c, &qs[i], 1000, 0, NULL);
            latency(&b, "latency_top1000_noid", samples, ns);
        }
        free(samples);
        jstrv(&b, "mode", "latency");
        jint(&b, "reps", reps);
        jint(&b, "latency_queries", (long long)lq);
        jint(&b, "hits_top10", (long long)hits10);
    }
    size_t hits = 0;
    for (size_t i = 0; i < nq; i++)
        hits += runs[i].n;
    jint(&b, "hits_last_pass", (long long)hits);
    jint(&b, "queries", (long long)nq);
    snprintf(path, sizeof path, "%s.top1000.trec", prefix);
    jstrv(&b, "run_top1000", path);
    jnum(&b, "cpu_s", cpu_s(), 3);
    jint(&b, "peak_rss_kib", peak_rss_kib());
    /* with the index still open: mapped index pages vs the heap */
    jint(&b, "rss_file_kib", status_kib("RssFile"));
    jint(&b, "rss_anon_kib", status_kib("RssAnon"));
    jnum(&b, "total_s", secs_since(t_start), 3);
    jopen(&b, "settings");
    jstrv(&b, "rank", passages ? "passages" : "articles (best passage)");
    jint(&b, "snippets", snippets);
    jint(&b, "exhaustive", exhaustive);
    jint(&b, "cross", cross);
    jstrv(&b, "query_lang", use_lang ? "queries.tsv column" : "auto");
    jstrv(&b, "k1_b", "0.9/0.4 (default)");
    jclose(&b);
    jclose(&b);
    emit(&b, metrics);
    free(b.p);
    zoek_index_close(c.idx);
    for (size_t i = 0; i < nq; i++) {
        free(runs[i].h);
        free(runs[i].ids);
        free(qs[i].qid);
        free(qs[i].text);
    }
    free(runs);
    free(qs);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr,
                "usage: %s build DOCS INDEX [--metrics F]\n"
                "       %s search INDEX QUERIES RUN_PREFIX [--reps N]"
                " [--max-queries N] [--batch] [--metrics F]\n",
                prog, prog);
        return 2;
    }
    if (!strcmp(argv[1], "build")) return cmd_build(argc - 2, argv + 2);
    if (!strcmp(argv[1], "search")) return cmd_search(argc - 2, argv + 2);
    die("unknown command '%s' (build or search)", argv[1]);
    return 2;
}
