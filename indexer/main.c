/* main.c - zoek-index: the command-line indexer over the library API. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zoek.h"

static const char *prog = "zoek-index";

static void usage_lines(FILE *f) {
    fprintf(f,
            "usage: %s [-d DIR] [--lang auto|en|de|nl] [--prune] PATH...\n"
            "       %s [-d DIR] --delete ID...\n"
            "       %s [-d DIR] --optimize | --rebuild | --compact\n"
            "       %s [-d DIR] --dictionaries DICTDIR|none [PATH...]\n"
            "       %s [-d DIR] --check | --stats\n",
            prog, prog, prog, prog, prog);
}

static void usage(FILE *f) {
    usage_lines(f);
    fprintf(
        f,
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
        "                     text (after a stemmer, analyzer or index\n"
        "                     format change)\n"
        "      --compact      rewrite the index file without free space\n"
        "      --dictionaries DICTDIR\n"
        "                     compile the FreeDict dictionaries in DICTDIR\n"
        "                     (/usr/share/dictd) into the index for\n"
        "                     zoek-search --cross; 'none' removes them\n"
        "      --check        verify the whole index (exit 0 or 2)\n"
        "      --stats        print statistics of the index\n"
        "      --wait         wait for another zoek-index on DIR to end\n"
        "      --memory MB    memory budget of indexing (default 256)\n"
        "      --threads N    analysis threads (default: one per core)\n"
        "      --color WHEN   colour messages: auto (default), always, "
        "never\n"
        "  -q, --quiet        only errors: no progress, no summary\n"
        "  -h, --help         this help\n"
        "  -V, --version      the version\n"
        "\n"
        "Exit status: 0 done, 1 done but some files or lines could not "
        "be\n"
        "indexed, 2 error (the index is left as it was).  See "
        "zoek-index(1).\n");
}

/* The exit status once standard output is flushed: 2 if it could not be
 * written (a full disk, a closed pipe). */
static int out_status(int status) {
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: cannot write output\n", prog);
        return 2;
    }
    return status;
}

/* A usage error: one line saying why, the usage lines, a pointer to
 * --help; exit status 2. */
static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage_lines(stderr);
    fprintf(stderr, "Try '%s --help' for more information.\n", prog);
    return 2;
}

typedef struct cli {
    int quiet;                       /* --quiet */
    int tty;                         /* stderr is a terminal: show progress */
    int color;                       /* colour the error/warning labels */
    int progress_shown;              /* a progress line is on screen */
    uint64_t total;                  /* input bytes to read, 0 if unknown */
    uint64_t files, bytes, articles; /* last progress counters */
    double t0;                       /* start time */
    uint64_t errors;                 /* files or lines reported as failed */
} cli;

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

/* ------------------------------------------------------- input size */

/* The total input size, for the ETA: a quick walk over the paths with the
 * rules zoek_index_add_path() follows (hidden entries skipped; in folders
 * only .txt, .md, .text, .markdown, .html, .htm, .jsonl, .jsonl.gz and
 * .ndjson files), counting the uncompressed size of gzip files.  Gives up
 * (total unknown) after a second. */
typedef struct prewalk {
    uint64_t bytes;  /* input bytes found */
    double deadline; /* give up after this time */
    int unknown;     /* gave up or met a stream of unknown size */
    int depth;       /* folders open */
    dev_t dev[64];   /* folders open, to skip symbolic link loops */
    ino_t ino[64];   /* with dev */
} prewalk;

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static int indexable(const char *name) {
    static const char *const ext[] = {".txt",      ".md",       ".text",
                                      ".markdown", ".html",     ".htm",
                                      ".jsonl",    ".jsonl.gz", ".ndjson"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (ends_with(name, ext[i])) return 1;
    return 0;
}

/* Bytes the library will read from the regular file fd of size `size`:
 * for gzip, the uncompressed size from the trailer (modulo 4 GiB, so at
 * least the compressed size is assumed). */
static uint64_t input_size(int fd, uint64_t size) {
    unsigned char b[4];
    if (size < 18 || pread(fd, b, 2, 0) != 2 || b[0] != 0x1f || b[1] != 0x8b)
        return size;
    if (pread(fd, b, 4, (off_t)(size - 4)) != 4) return size;
    uint64_t isize = (uint64_t)b[0] | (uint64_t)b[1] << 8 |
                     (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24;
    return isize > size ? isize : size;
}

static void prewalk_path(prewalk *w, const char *path, int explicit_file) {
    struct stat st;
    if (w->unknown || now() > w->deadline) {
        w->unknown = 1;
        return;
    }
    if (stat(path, &st) != 0) return;
    if (S_ISREG(st.st_mode)) {
        if (!explicit_file && !indexable(path)) return;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return;
        w->bytes += input_size(fd, (uint64_t)st.st_size);
        close(fd);
        return;
    }
    if (!S_ISDIR(st.st_mode) || w->depth == 64) return;
    for (int i = 0; i < w->depth; i++)
        if (w->dev[i] == st.st_dev && w->ino[i] == st.st_ino) return;
    DIR *d = opendir(path);
    if (!d) return;
    w->dev[w->depth] = st.st_dev;
    w->ino[w->depth] = st.st_ino;
    w->depth++;
    struct dirent *e;
    char sub[4096];
    while ((e = readdir(d)) != NULL && !w->unknown) {
        if (e->d_name[0] == '.') continue;
        size_t n = strlen(path);
        while (n > 1 && path[n - 1] == '/')
            n--;
        if (snprintf(sub, sizeof sub, "%.*s/%s", (int)n, path, e->d_name) >=
            (int)sizeof sub)
            continue;
        prewalk_path(w, sub, 0);
    }
    w->depth--;
    closedir(d);
}

/* The total size of the inputs, or 0 if unknown. */
static uint64_t input_total(char **paths, int npaths) {
    prewalk w;
    memset(&w, 0, sizeof w);
    w.deadline = now() + 1.0;
    for (int i = 0; i < npaths && !w.unknown; i++) {
        if (strcmp(paths[i], "-")) {
            prewalk_path(&w, paths[i], 1);
            continue;
        }
        struct stat st; /* standard input: known if it is a file */
        if (fstat(0, &st) == 0 && S_ISREG(st.st_mode)) {
            off_t at = lseek(0, 0, SEEK_CUR);
            uint64_t n = input_size(0, (uint64_t)st.st_size);
            w.bytes += at > 0 && (uint64_t)at < n ? n - (uint64_t)at : n;
        } else {
            w.unknown = 1;
        }
    }
    return w.unknown ? 0 : w.bytes;
}

/* ------------------------------------------------------- messages */

/* A progress line is on the terminal (for the signal handler). */
static volatile sig_atomic_t line_open;

/* On SIGINT, SIGTERM or SIGHUP: end the progress line, so that the shell's
 * prompt starts on a line of its own, then die of the signal as before (an
 * interrupted run leaves the index as it was). */
static void on_signal(int sig) {
    if (line_open && write(2, "\n", 1) < 0) line_open = 0;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void catch_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* Byte counts for people: 512 B, 12.3 KB, 4.5 MB, 1.2 GB. */
static const char *fmt_size(char *buf, size_t len, uint64_t n) {
    if (n < 1000)
        snprintf(buf, len, "%llu B", (unsigned long long)n);
    else if (n < 1000000)
        snprintf(buf, len, "%.1f KB", (double)n / 1e3);
    else if (n < 1000000000)
        snprintf(buf, len, "%.1f MB", (double)n / 1e6);
    else
        snprintf(buf, len, "%.2f GB", (double)n / 1e9);
    return buf;
}

static void clear_progress(cli *c) {
    if (c->progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        c->progress_shown = 0;
        line_open = 0;
    }
}

static void fmt_duration(char *buf, size_t len, double s) {
    unsigned long t = s > 0 ? (unsigned long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

/* Draws the live progress line (a terminal only): files, MB, articles,
 * articles/s and, with a known total, percent and ETA; cut to the
 * terminal's width so that \r always returns to its start. */
static void show_progress(cli *c, const char *phase) {
    char line[512], a[32], b[32];
    double dt = now() - c->t0;
    int n;
    if (phase) {
        n = snprintf(line, sizeof line, "%s: %s", prog, phase);
    } else {
        n = snprintf(line, sizeof line, "%s: ", prog);
        if (c->files) /* reading standard input counts no files */
            n += snprintf(line + n, sizeof line - (size_t)n, "%llu file%s, ",
                          (unsigned long long)c->files,
                          c->files == 1 ? "" : "s");
        n += snprintf(line + n, sizeof line - (size_t)n, "%s",
                      fmt_size(a, sizeof a, c->bytes));
        if (c->total)
            n += snprintf(line + n, sizeof line - (size_t)n, " of %s (%.0f%%)",
                          fmt_size(b, sizeof b, c->total),
                          c->bytes >= c->total
                              ? 100.0
                              : 100.0 * (double)c->bytes / (double)c->total);
        n += snprintf(line + n, sizeof line - (size_t)n,
                      ", %llu article%s, %.0f articles/s",
                      (unsigned long long)c->articles,
                      c->articles == 1 ? "" : "s",
                      dt > 0 ? (double)c->articles / dt : 0.0);
        if (c->total && c->bytes && dt > 0) {
            double left = c->bytes >= c->total ? 0.0
                                               : (double)(c->total - c->bytes) *
                                                     dt / (double)c->bytes;
            fmt_duration(a, sizeof a, left);
            n += snprintf(line + n, sizeof line - (size_t)n, ", ETA %s", a);
        }
    }
    if (n >= (int)sizeof line) n = (int)sizeof line - 1;
    struct winsize ws;
    if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n >= ws.ws_col)
        n = ws.ws_col - 1;
    line_open = 1;
    fprintf(stderr, "\r\033[K%.*s", n, line);
    fflush(stderr);
    c->progress_shown = 1;
}

static void on_event(const zoek_event *ev, void *ud) {
    cli *c = ud;
    if (ev->kind == ZOEK_EVENT_PROGRESS) {
        c->files = ev->files;
        c->bytes = ev->bytes;
        c->articles = ev->articles;
        if (c->tty && !c->quiet) show_progress(c, NULL);
        return;
    }
    if (ev->kind == ZOEK_EVENT_ERROR) c->errors++;
    if (ev->kind == ZOEK_EVENT_WARNING && c->quiet) return;
    clear_progress(c);
    int err = ev->kind == ZOEK_EVENT_ERROR;
    const char *what = err ? "error" : "warning";
    const char *on = !c->color ? "" : err ? "\033[1;31m" : "\033[1;35m";
    const char *off = c->color ? "\033[0m" : "";
    fprintf(stderr, "%s: ", prog);
    if (ev->source) {
        put_name(ev->source);
        if (ev->line) fprintf(stderr, ":%llu", (unsigned long long)ev->line);
        fputs(": ", stderr);
    }
    fprintf(stderr, "%s%s:%s %s\n", on, what, off, ev->message);
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
    char err[1024], sz[32];
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
    printf("articles   %llu\n", (unsigned long long)st.articles);
    for (int l = ZOEK_LANG_EN; l <= ZOEK_LANG_NL; l++)
        printf("  %s       %llu (%.1f%%)\n", zoek_lang_code(l),
               (unsigned long long)st.articles_lang[l - ZOEK_LANG_EN],
               st.articles ? 100.0 * (double)st.articles_lang[l - ZOEK_LANG_EN] /
                                 (double)st.articles
                           : 0.0);
    printf("passages   %llu (%.1f per article)\n",
           (unsigned long long)st.passages,
           st.articles ? (double)st.passages / (double)st.articles : 0.0);
    printf("tokens     %llu (%.1f per passage)\n",
           (unsigned long long)st.tokens,
           st.passages ? (double)st.tokens / (double)st.passages : 0.0);
    printf("segments   %llu\n", (unsigned long long)st.segments);
    if (st.dictionaries)
        printf("dictionaries %u (%llu words and phrases)\n", st.dictionaries,
               (unsigned long long)st.dictionary_keys);
    printf("file       %s\n", fmt_size(sz, sizeof sz, st.file_bytes));
    zoek_index_close(idx);
    return 0;
}

/* --compact on an open writer: reports the file size before and after. */
static int run_compact(zoek_index *idx, const char *dir, cli *c) {
    uint64_t before, after;
    char a[32], b[32];
    if (c->tty && !c->quiet) show_progress(c, "compacting the index...");
    int rc = zoek_index_compact(idx, &before, &after);
    clear_progress(c);
    if (rc) {
        fprintf(stderr, "%s: --compact: %s\n", prog, zoek_errmsg(idx));
        return 2;
    }
    if (!c->quiet)
        fprintf(stderr, "%s: compacted %s: %s -> %s\n", prog, dir,
                fmt_size(a, sizeof a, before), fmt_size(b, sizeof b, after));
    return 0;
}

int main(int argc, char **argv) {
    catch_faults();
    const char *dir = NULL;
    int lang = ZOEK_LANG_AUTO;
    int prune = 0, del = 0, optimize = 0, wait = 0, rebuild = 0, check = 0,
        stats = 0, compact = 0;
    size_t memory_mb = 0;
    unsigned threads = 0;
    const char *color = "auto";
    const char *dicts = NULL;
    cli c;
    memset(&c, 0, sizeof c);
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'd'},
        {"lang", required_argument, NULL, 'l'},
        {"prune", no_argument, NULL, 'p'},
        {"delete", no_argument, NULL, 'D'},
        {"optimize", no_argument, NULL, 'O'},
        {"rebuild", no_argument, NULL, 'R'},
        {"compact", no_argument, NULL, 'K'},
        {"dictionaries", required_argument, NULL, 'x'},
        {"check", no_argument, NULL, 'C'},
        {"stats", no_argument, NULL, 'S'},
        {"wait", no_argument, NULL, 'w'},
        {"memory", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"color", required_argument, NULL, 'c'},
        {"colour", required_argument, NULL, 'c'},
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
                                   "or nl)",
                                   optarg);
            break;
        case 'p': prune = 1; break;
        case 'D': del = 1; break;
        case 'O': optimize = 1; break;
        case 'R': rebuild = 1; break;
        case 'K': compact = 1; break;
        case 'x': dicts = optarg; break;
        case 'C': check = 1; break;
        case 'S': stats = 1; break;
        case 'w': wait = 1; break;
        case 'm': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 32 || v > 1 << 20)
                return usage_error("invalid --memory '%s' (32 to 1048576 MB)",
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
        case 'c': color = optarg; break;
        case 'q': c.quiet = 1; break;
        case 'h': usage(stdout); return out_status(0);
        case 'V':
            printf("zoek-index %s\n", zoek_version());
            return out_status(0);
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    c.tty = isatty(2);
    if (!strcmp(color, "always"))
        c.color = 1;
    else if (!strcmp(color, "never"))
        c.color = 0;
    else if (!strcmp(color, "auto")) {
        const char *t = getenv("TERM");
        const char *nc = getenv("NO_COLOR");
        c.color = c.tty && !(nc && *nc) && !(t && !strcmp(t, "dumb"));
    } else {
        return usage_error("invalid --color '%s' (auto, always, never)", color);
    }
    if (!dir) dir = getenv("ZOEK_INDEX");
    if (!dir || !*dir) dir = ".zoek";
    int npaths = argc - optind;
    if (check || stats) {
        if (check && stats)
            return usage_error("%s", "--check and --stats exclude each other");
        if (npaths || prune || del || optimize || rebuild || compact || dicts)
            return usage_error("%s", "--check and --stats take no other "
                                     "action");
        return out_status(check ? run_check(dir) : run_stats(dir));
    }
    if (rebuild && (npaths || prune || del))
        return usage_error("%s", "--rebuild takes no paths");
    if (dicts && (del || rebuild))
        return usage_error("%s", "--dictionaries goes with adding articles "
                                 "only");
    if (npaths == 0 && !optimize && !rebuild && !compact && !dicts)
        return usage_error("%s", del ? "--delete needs article ids"
                                     : "no PATH to index");
    if (del && prune)
        return usage_error("%s", "--delete and --prune exclude "
                                 "each other");
    c.t0 = now();
    if (c.tty && !c.quiet) catch_signals();
    if (c.tty && !c.quiet && !del && npaths)
        c.total = input_total(argv + optind, npaths);

    char err[1024];
    zoek_index *idx;
    unsigned flags = ZOEK_OPEN_WRITE | ZOEK_OPEN_CREATE;
    if (wait) flags |= ZOEK_OPEN_WAIT;
    if (del || rebuild || (!npaths && !dicts))
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
    if (dicts) {
        int none = !strcmp(dicts, "none");
        unsigned nd = 0;
        if (c.tty && !c.quiet && !none)
            show_progress(&c, "compiling dictionaries...");
        rc = zoek_index_set_dictionaries(idx, none ? NULL : dicts, &nd);
        clear_progress(&c);
        if (rc) {
            fprintf(stderr, "%s: --dictionaries: %s\n", prog,
                    zoek_errmsg(idx));
            zoek_index_close(idx);
            return 2;
        }
        if (!c.quiet) {
            zoek_stats st;
            if (none)
                fprintf(stderr, "%s: removed the dictionaries of %s\n", prog,
                        dir);
            else if (zoek_index_stats(idx, &st) == 0)
                fprintf(stderr,
                        "%s: compiled %u dictionar%s from %s into %s: "
                        "%llu words and phrases\n",
                        prog, nd, nd == 1 ? "y" : "ies", dicts, dir,
                        (unsigned long long)st.dictionary_keys);
        }
    }
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
            while (n > 1 && p[n - 1] == '/')
                n--;
            if (n + 2 > sizeof pre) continue;
            memcpy(pre, p, n);
            if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) pre[n++] = '/';
            rc = zoek_index_prune(idx, pre, n, NULL);
        }
    }
    int commit = npaths || optimize || rebuild;
    if (!rc && optimize) rc = zoek_index_optimize(idx);
    zoek_commit_stats cs;
    if (c.progress_shown) show_progress(&c, "writing the index...");
    if (!rc && commit) rc = zoek_index_commit(idx, &cs);
    clear_progress(&c);
    if (rc) {
        fprintf(stderr, "%s: %s\n", prog, zoek_errmsg(idx));
        fprintf(stderr, "%s: nothing was changed in %s\n", prog, dir);
        zoek_index_close(idx);
        return 2;
    }
    /* every file or line that failed was reported as an error event,
     * also those found only during analysis (no words, too large) */
    failed += c.errors > nfailed ? c.errors : nfailed;
    if (commit && (!c.quiet || failed)) {
        double dt = now() - c.t0;
        fprintf(stderr,
                "%s: %llu added, %llu updated, %llu unchanged, %llu deleted; "
                "%llu passages, %.2f MB in %.2f s; %llu segment%s%s",
                prog, (unsigned long long)cs.added,
                (unsigned long long)cs.replaced,
                (unsigned long long)cs.unchanged,
                (unsigned long long)cs.deleted, (unsigned long long)cs.passages,
                (double)cs.bytes / 1e6, dt, (unsigned long long)cs.segments,
                cs.segments == 1 ? "" : "s", failed ? "" : "\n");
        if (failed)
            fprintf(stderr, "; %llu failed\n", (unsigned long long)failed);
    }
    if (compact && run_compact(idx, dir, &c)) {
        zoek_index_close(idx);
        return 2;
    }
    zoek_index_close(idx);
    return failed ? 1 : 0;
}
