/* main.c - zoek-index: the command-line indexer over the library API. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zoek.h"

static const char *prog = "zoek-index";

static void usage(FILE *f) {
    fprintf(f,
            "usage: %s [-d DIR] [--lang auto|en|de|nl] [--prune] PATH...\n"
            "       %s [-d DIR] --delete ID...\n"
            "       %s [-d DIR] --optimize | --rebuild | --check | --stats\n"
            "\n"
            "Adds articles to a zoek index: text (.txt, .md), HTML (.html,\n"
            ".htm) and JSON Lines (.jsonl, .jsonl.gz; '-' reads standard\n"
            "input) files, or folders of them.  Run again to take in new\n"
            "and changed articles; unchanged ones are skipped.\n"
            "\n"
            "  -d, --index DIR    index directory (default $ZOEK_INDEX, else "
            "./.zoek)\n"
            "      --lang L       language of every article: auto (detect, "
            "the\n"
            "                     default), en, de or nl\n"
            "      --prune        also remove articles that came from under "
            "PATH\n"
            "                     and whose files are gone\n"
            "      --delete       remove the articles with the given ids\n"
            "      --optimize     merge the index into one segment\n"
            "      --rebuild      analyse every article again from its stored\n"
            "                     text (after a stemmer or analyzer change)\n"
            "      --check        verify the whole index (exit 0 or 2)\n"
            "      --stats        print statistics of the index\n"
            "      --wait         wait for another zoek-index on DIR to end\n"
            "      --memory MB    memory budget for analysed text (default 256)\n"
            "      --threads N    analysis threads (default: one per core)\n"
            "  -q, --quiet        only errors\n"
            "  -h, --help         this help\n"
            "  -V, --version      the version\n"
            "\n"
            "Exit status: 0 done, 1 done but some files or lines could not "
            "be\n"
            "indexed, 2 error (the index is left as it was).\n",
            prog, prog, prog);
}

/* LMDB does not checksum its pages: a damaged page can make it read
 * outside the map (SIGSEGV), a file cut short while open past its end
 * (SIGBUS).  zoek checks every value it reads itself, but cannot check
 * LMDB's own pages; for those the last resort is to say what most likely
 * happened instead of dumping core. */
static void on_fault(int sig) {
    static const char m[] =
        "zoek-index: crashed reading the index (SIGSEGV or SIGBUS): "
        "the index is probably corrupt; run zoek-index --check, then "
        "rebuild or restore it\n";
    (void)sig;
    if (write(2, m, sizeof m - 1) < 0) _exit(2);
    _exit(2);
}

static void catch_faults(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage(stderr);
    return 2;
}

typedef struct cli {
    int quiet;
    int tty;              /* stderr is a terminal: show progress */
    int progress_shown;   /* a progress line is on screen */
    double t0;            /* start time */
    uint64_t errors;      /* files or lines reported as not indexed */
} cli;

/* Prints a file name or article id to stderr with control bytes, '\\'
 * and invalid UTF-8 as \xNN, so an odd name cannot garble the terminal or
 * pass for another message. */
static void put_name(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = 0;
        if (*p >= 0xC2 && *p <= 0xF4) { /* a valid UTF-8 sequence? */
            n = *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
            for (size_t i = 1; i < n; i++)
                if ((p[i] & 0xC0) != 0x80) n = 0;
            if (n == 3 && ((*p == 0xE0 && p[1] < 0xA0) ||
                           (*p == 0xED && p[1] >= 0xA0)))
                n = 0;
            if (n == 4 && ((*p == 0xF0 && p[1] < 0x90) ||
                           (*p == 0xF4 && p[1] >= 0x90)))
                n = 0;
        }
        if (n) {
            fwrite(p, 1, n, stderr);
            p += n;
        } else if (*p < 0x20 || *p >= 0x7F || *p == '\\') {
            fprintf(stderr, "\\x%02x", *p++);
        } else {
            fputc(*p++, stderr);
        }
    }
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void clear_progress(cli *c) {
    if (c->progress_shown) {
        fputs("\r\033[K", stderr);
        c->progress_shown = 0;
    }
}

static void on_event(const zoek_event *ev, void *ud) {
    cli *c = ud;
    if (ev->kind == ZOEK_EVENT_PROGRESS) {
        if (!c->tty || c->quiet) return;
        double dt = now() - c->t0;
        fprintf(stderr, "\r\033[K%s: %llu files, %.1f MB, %llu articles, "
                        "%.0f articles/s",
                prog, (unsigned long long)ev->files, (double)ev->bytes / 1e6,
                (unsigned long long)ev->articles,
                dt > 0 ? (double)ev->articles / dt : 0.0);
        c->progress_shown = 1;
        return;
    }
    clear_progress(c);
    if (ev->kind == ZOEK_EVENT_ERROR) c->errors++;
    if (ev->kind == ZOEK_EVENT_WARNING && c->quiet) return;
    const char *what = ev->kind == ZOEK_EVENT_ERROR ? "error" : "warning";
    fprintf(stderr, "%s: ", prog);
    if (ev->source) {
        put_name(ev->source);
        if (ev->line) fprintf(stderr, ":%llu", (unsigned long long)ev->line);
        fputs(": ", stderr);
    }
    fprintf(stderr, "%s: %s\n", what, ev->message);
}

static int run_check(const char *dir) {
    char err[1024];
    zoek_index *idx;
    int rc = zoek_index_open(dir, ZOEK_OPEN_READ, &idx, err, sizeof err);
    if (rc) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    zoek_check_report r;
    rc = zoek_index_check(idx, &r);
    if (rc) {
        fprintf(stderr, "%s: %s: %s\n", prog, dir, zoek_errmsg(idx));
        zoek_index_close(idx);
        return 2;
    }
    printf("%s: ok: %llu segments, %llu terms, %llu postings, %llu "
           "positions, %llu articles, %llu passages\n",
           dir, (unsigned long long)r.segments, (unsigned long long)r.terms,
           (unsigned long long)r.postings, (unsigned long long)r.positions,
           (unsigned long long)r.articles, (unsigned long long)r.passages);
    zoek_index_close(idx);
    return 0;
}

static int run_stats(const char *dir) {
    char err[1024];
    zoek_index *idx;
    int rc = zoek_index_open(dir, ZOEK_OPEN_READ, &idx, err, sizeof err);
    if (rc) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    zoek_stats st;
    rc = zoek_index_stats(idx, &st);
    if (rc) {
        fprintf(stderr, "%s: %s: %s\n", prog, dir, zoek_errmsg(idx));
        zoek_index_close(idx);
        return 2;
    }
    printf("index      %s\n", dir);
    printf("format     %u\n", st.format_version);
    printf("articles   %llu (en %llu, de %llu, nl %llu)\n",
           (unsigned long long)st.articles,
           (unsigned long long)st.articles_lang[0],
           (unsigned long long)st.articles_lang[1],
           (unsigned long long)st.articles_lang[2]);
    printf("passages   %llu\n", (unsigned long long)st.passages);
    printf("tokens     %llu (%.1f per passage)\n",
           (unsigned long long)st.tokens,
           st.passages ? (double)st.tokens / (double)st.passages : 0.0);
    printf("segments   %llu\n", (unsigned long long)st.segments);
    printf("file       %.1f MB\n", (double)st.file_bytes / 1e6);
    zoek_index_close(idx);
    return 0;
}

int main(int argc, char **argv) {
    catch_faults();
    const char *dir = NULL;
    int lang = ZOEK_LANG_AUTO;
    int prune = 0, del = 0, optimize = 0, wait = 0, rebuild = 0, check = 0,
        stats = 0;
    size_t memory_mb = 0;
    unsigned threads = 0;
    cli c;
    memset(&c, 0, sizeof c);
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'd'},
        {"lang", required_argument, NULL, 'l'},
        {"prune", no_argument, NULL, 'p'},
        {"delete", no_argument, NULL, 'D'},
        {"optimize", no_argument, NULL, 'O'},
        {"rebuild", no_argument, NULL, 'R'},
        {"check", no_argument, NULL, 'C'},
        {"stats", no_argument, NULL, 'S'},
        {"wait", no_argument, NULL, 'w'},
        {"memory", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":d:qhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd': dir = optarg; break;
        case 'l':
            lang = zoek_lang_parse(optarg);
            if (lang == ZOEK_EINVAL)
                return usage_error("unknown language '%s' (use auto, en, de "
                                   "or nl)", optarg);
            break;
        case 'p': prune = 1; break;
        case 'D': del = 1; break;
        case 'O': optimize = 1; break;
        case 'R': rebuild = 1; break;
        case 'C': check = 1; break;
        case 'S': stats = 1; break;
        case 'w': wait = 1; break;
        case 'm': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 16 || v > 1 << 20)
                return usage_error("invalid --memory '%s' (16 to 1048576 MB)",
                                   optarg);
            memory_mb = (size_t)v;
            break;
        }
        case 't': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > 64)
                return usage_error("invalid --threads '%s' (1 to 64)", optarg);
            threads = (unsigned)v;
            break;
        }
        case 'q': c.quiet = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("zoek-index %s\n", zoek_version()); return 0;
        case ':': return usage_error("option %s needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!dir) dir = getenv("ZOEK_INDEX");
    if (!dir || !*dir) dir = ".zoek";
    int npaths = argc - optind;
    if (check || stats) {
        if (npaths || prune || del || optimize || rebuild)
            return usage_error("%s", "--check and --stats take no other "
                                     "action");
        return check ? run_check(dir) : run_stats(dir);
    }
    if (rebuild && (npaths || prune || del))
        return usage_error("%s", "--rebuild takes no paths");
    if (npaths == 0 && !optimize && !rebuild)
        return usage_error("%s", del ? "--delete needs article ids"
                                     : "no PATH to index");
    if (del && prune) return usage_error("%s", "--delete and --prune exclude "
                                               "each other");
    c.tty = isatty(2);
    c.t0 = now();

    char err[1024];
    zoek_index *idx;
    unsigned flags = ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE;
    if (wait) flags |= ZOEK_OPEN_WAIT;
    if (del || rebuild || (optimize && !npaths))
        flags &= ~(unsigned)ZOEK_OPEN_CREATE;
    if (rebuild) flags |= ZOEK_OPEN_REBUILD;
    int rc = zoek_index_open(dir, flags, &idx, err, sizeof err);
    if (rc) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    zoek_index_set_events(idx, on_event, &c);
    if (memory_mb) zoek_index_set_memory(idx, memory_mb << 20);
    if (threads) zoek_index_set_threads(idx, threads);
    uint64_t failed = 0, nfailed = 0;
    if (rebuild) rc = zoek_index_rebuild(idx);
    zoek_add_opts ao;
    memset(&ao, 0, sizeof ao);
    ao.size = sizeof ao;
    ao.lang = lang;
    for (int i = optind; i < argc && !rc; i++) {
        const char *p = argv[i];
        if (del) {
            rc = zoek_index_delete(idx, p, strlen(p));
            if (rc == ZOEK_ENOTFOUND) {
                clear_progress(&c);
                fprintf(stderr, "%s: %s\n", prog, zoek_errmsg(idx));
                failed++;
                rc = 0;
            }
            continue;
        }
        if (!strcmp(p, "-")) {
            rc = zoek_index_add_jsonl_fd(idx, 0, "-", &ao, &nfailed);
            continue;
        }
        rc = zoek_index_add_path(idx, p, &ao, &nfailed);
        if (rc == ZOEK_ENOTFOUND) {
            clear_progress(&c);
            fprintf(stderr, "%s: %s\n", prog, zoek_errmsg(idx));
            failed++;
            rc = 0;
            continue;
        }
        if (!rc && prune) {
            /* prune below the path as it names articles: "dir/" prefix for
             * a folder, the exact id for a file */
            struct stat st;
            char pre[4096];
            size_t n = strlen(p);
            while (n > 1 && p[n - 1] == '/') n--;
            if (n + 2 > sizeof pre) continue;
            memcpy(pre, p, n);
            if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) pre[n++] = '/';
            rc = zoek_index_prune(idx, pre, n, NULL);
        }
    }
    if (!rc && optimize) rc = zoek_index_optimize(idx);
    zoek_commit_stats cs;
    if (!rc) rc = zoek_index_commit(idx, &cs);
    clear_progress(&c);
    if (rc) {
        fprintf(stderr, "%s: %s\n", prog, zoek_errmsg(idx));
        fprintf(stderr, "%s: nothing was changed in %s\n", prog, dir);
        zoek_index_close(idx);
        return 2;
    }
    zoek_index_close(idx);
    /* every file or line that failed was reported as an error event,
     * also those found only during analysis (no words, too large) */
    failed += c.errors > nfailed ? c.errors : nfailed;
    if (!c.quiet || failed) {
        double dt = now() - c.t0;
        fprintf(stderr,
                "%s: %llu added, %llu updated, %llu unchanged, %llu deleted; "
                "%llu passages, %.2f MB in %.2f s; %llu segment%s%s",
                prog, (unsigned long long)cs.added,
                (unsigned long long)cs.replaced,
                (unsigned long long)cs.unchanged,
                (unsigned long long)cs.deleted,
                (unsigned long long)cs.passages, (double)cs.bytes / 1e6, dt,
                (unsigned long long)cs.segments, cs.segments == 1 ? "" : "s",
                failed ? "" : "\n");
        if (failed)
            fprintf(stderr, "; %llu failed\n", (unsigned long long)failed);
    }
    return failed ? 1 : 0;
}
