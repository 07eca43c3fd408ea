/* main.c - zoek-search: the command-line searcher over the library API. */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zoek.h"

static const char *prog = "zoek-search";

/* Version of the JSON Lines schema (docs/JSON.md); every object carries
 * it as "v".  Adding a field keeps it; removing or changing one bumps it. */
#define JSON_VERSION 1

enum { F_TEXT, F_JSON, F_TREC };

/* Fields of the text output (--fields). */
enum { FL_RANK, FL_SCORE, FL_ID, FL_PASSAGE, FL_LANG, FL_RANGE, FL_SNIPPET };
static const char *const field_names[] = {"rank", "score", "id",     "passage",
                                          "lang", "range", "snippet"};
#define NFIELDS 7

typedef struct opts {
    int format;          /* F_* */
    int color;           /* highlight with ANSI colours */
    int explain;         /* --explain: per-word score parts */
    int fields[NFIELDS]; /* text output fields, in order */
    int nfields;         /* entries in fields */
    zoek_search_opts so; /* library options */
    const char *queries; /* --queries FILE */
    zoek_index **idx;    /* indexes */
    size_t nidx;         /* entries in idx */
} opts;

static void usage_lines(FILE *f) {
    fprintf(f,
            "usage: %s [-d DIR]... [-n N] [--offset K] [--docs] [--cross]\n"
            "       [--plain] [--explain] [--format text|json|trec]\n"
            "       [--fields LIST] [--lang L] [--color WHEN] "
            "[--queries FILE]\n"
            "       [QUERY... | -]\n",
            prog);
}

static void usage(FILE *f) {
    usage_lines(f);
    fprintf(
        f, "\n"
           "Searches a zoek index and prints the best passages (or, with\n"
           "--docs, the best articles) ranked by BM25.  Without QUERY, or\n"
           "with '-', reads one query a line from standard input.\n"
           "\n"
           "  -d, --index DIR      index directory (default $ZOEK_INDEX, "
           "else\n"
           "                       ./.zoek); repeat to search several as "
           "one\n"
           "  -n, --limit N        hits to show (default 10)\n"
           "      --offset K       skip the first K hits (paging)\n"
           "      --docs           one hit per article (its best passage)\n"
           "      --cross          also find articles in the index's other\n"
           "                       languages, through the dictionaries\n"
           "                       compiled in by zoek-index --dictionaries\n"
           "      --plain          the query is plain text: every word\n"
           "                       counts, + - * \" ( ) AND OR NOT are\n"
           "                       not operators\n"
           "      --explain        each query word's part of the score\n"
           "      --format F       text (default), json (JSON Lines) or trec\n"
           "      --fields LIST    text output fields, comma-separated: rank,\n"
           "                       score, id, passage, lang, range, snippet\n"
           "                       (default rank,score,id,passage,lang,"
           "snippet)\n"
           "      --lang L         analyse the query only as en, de or nl\n"
           "                       (with --cross: the query's language)\n"
           "      --queries FILE   one query a line, 'qid<TAB>query'\n"
           "      --k1 X, --b X    BM25 parameters (default 0.9 and 0.4)\n"
           "      --color WHEN     auto (default), always or never\n"
           "      --exhaustive     score every match (no pruning)\n"
           "      --map-limit MB   keep at most MB of index pages mapped\n"
           "                       between queries (default: no limit)\n"
           "  -h, --help           this help\n"
           "  -V, --version        the version\n"
           "\n"
           "Query syntax: words (ranked OR), \"exact phrase\", +must, "
           "-exclude,\n"
           "AND, OR, NOT, (groups), prefix*; none of them with --plain.\n"
           "\n"
           "Exit status: 0 hits found, 1 no hits, 2 error.  See "
           "zoek-search(1).\n");
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
/* LMDB does not checksum its pages: a damaged page can make it read
 * outside the map (SIGSEGV), a file cut short while open past its end
 * (SIGBUS).  zoek checks every value it reads itself, but cannot check
 * LMDB's own pages; for those the last resort is to say what most likely
 * happened instead of dumping core. */
static void on_fault(int sig) {
    static const char m[] =
        "zoek-search: crashed reading the index (SIGSEGV or SIGBUS): "
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
    usage_lines(stderr);
    fprintf(stderr, "Try '%s --help' for more information.\n", prog);
    return 2;
}

/* Length of the valid UTF-8 sequence at s[0..n) (n > 0), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t k = c < 0x80   ? 1
               : c < 0xC2 ? 0
               : c < 0xE0 ? 2
               : c < 0xF0 ? 3
               : c < 0xF5 ? 4
                          : 0;
    if (k == 0 || k > n) return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) ||
        (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return k;
}

/* Writes s as a JSON string: valid UTF-8 whatever s holds (an invalid
 * byte, as in a file name, becomes U+FFFD). */
static void json_str(FILE *f, const char *s, size_t n) {
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t k = utf8_len((const unsigned char *)s + i, n - i);
            if (k == 0) {
                fputs("\\ufffd", f);
            } else {
                fwrite(s + i, 1, k, f);
                i += k - 1;
            }
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20 || c == 0x7F)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

/* Starts a JSON object: version, type, and qid/query. */
static void json_head(const char *type, const char *qid, const char *q) {
    printf("{\"v\":%d,\"type\":\"%s\",", JSON_VERSION, type);
    if (qid) {
        fputs("\"qid\":", stdout);
        json_str(stdout, qid, strlen(qid));
        fputc(',', stdout);
    }
    fputs("\"query\":", stdout);
    json_str(stdout, q, strlen(q));
}

/* Prints an article id in text and TREC output: TAB and newlines as
 * spaces, other control bytes and invalid UTF-8 as \xNN, so an odd file
 * name cannot drive the terminal. */
static void plain(FILE *f, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t k =
            c >= 0x80 ? utf8_len((const unsigned char *)s + i, n - i) : 1;
        if (c == '\n' || c == '\t' || c == '\r') {
            fputc(' ', f);
        } else if (c < 0x20 || c == 0x7F || k == 0) {
            fprintf(f, "\\x%02x", c);
        } else {
            fwrite(s + i, 1, k, f);
            i += k - 1;
        }
    }
}

/* Prints snippet text (valid UTF-8): control bytes as spaces. */
static void put_text(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc(c < 0x20 || c == 0x7F ? ' ' : c, stdout);
    }
}

static void print_snippet(const opts *o, const zoek_hit *h,
                          const char *indent) {
    const char *on = o->color ? "\033[1;33m" : "*";
    const char *off = o->color ? "\033[0m" : "*";
    size_t at = 0;
    fputs(indent, stdout);
    for (size_t i = 0; i < h->nhighlights; i++) {
        const zoek_range *r = &h->highlights[i];
        if (r->start < at || r->end > h->snippet_len) continue;
        put_text(h->snippet + at, r->start - at);
        fputs(on, stdout);
        put_text(h->snippet + r->start, r->end - r->start);
        fputs(off, stdout);
        at = r->end;
    }
    put_text(h->snippet + at, h->snippet_len - at);
    fputc('\n', stdout);
}

static void print_explain_text(const zoek_hit *h) {
    for (size_t i = 0; i < h->nexplain; i++) {
        const zoek_explain *e = &h->explain[i];
        fputs("      ", stdout);
        plain(stdout, e->word, strlen(e->word));
        fputs("  term=", stdout);
        plain(stdout, e->term, strlen(e->term));
        if (e->lang != ZOEK_LANG_AUTO)
            printf(" lang=%s", zoek_lang_code(e->lang));
        if (e->translated) fputs(" translated", stdout);
        printf(" tf=%u dl=%u df=%llu idf=%.4f", e->tf, e->dl,
               (unsigned long long)e->df, e->idf);
        if (e->qtf != 1) printf(" qtf=%g", e->qtf);
        printf(" score=%.4f\n", e->score);
    }
}

/* One hit in text output: the chosen fields on one line (rank, score, id,
 * passage, lang, range in the order given), then the snippet on its own
 * line, then the explanation. */
static void print_hit_text(const opts *o, const zoek_hit *h) {
    int prev = -1, snippet = 0;
    for (int i = 0; i < o->nfields; i++) {
        int f = o->fields[i];
        if (f == FL_SNIPPET) {
            snippet = 1;
            continue;
        }
        if (prev == FL_RANK || (prev == FL_PASSAGE && f == FL_LANG))
            fputc(' ', stdout);
        else if (prev >= 0)
            fputs("  ", stdout);
        switch (f) {
        case FL_RANK:
            if (o->color)
                printf("\033[1m%2u.\033[0m", h->rank);
            else
                printf("%2u.", h->rank);
            break;
        case FL_SCORE: printf("%8.4f", h->score); break;
        case FL_ID:
            if (o->color) fputs("\033[36m", stdout);
            plain(stdout, h->doc, h->doc_len);
            if (o->color) fputs("\033[0m", stdout);
            break;
        case FL_PASSAGE: printf("passage %u", h->passage); break;
        case FL_LANG: printf("[%s]", zoek_lang_code(h->lang)); break;
        case FL_RANGE:
            printf("bytes %llu-%llu", (unsigned long long)h->start,
                   (unsigned long long)h->end);
            break;
        }
        prev = f;
    }
    if (prev >= 0) fputc('\n', stdout);
    if (snippet) print_snippet(o, h, prev >= 0 ? "    " : "");
    if (o->explain) print_explain_text(h);
}

static void print_hit_json(const opts *o, const char *qid, const char *q,
                           const zoek_hit *h) {
    json_head("hit", qid, q);
    printf(",\"rank\":%u,\"score\":%.6f,\"doc\":", h->rank, h->score);
    json_str(stdout, h->doc, h->doc_len);
    printf(",\"passage\":%u,\"lang\":\"%s\",\"start\":%llu,\"end\":%llu,"
           "\"snippet\":",
           h->passage, zoek_lang_code(h->lang), (unsigned long long)h->start,
           (unsigned long long)h->end);
    json_str(stdout, h->snippet, h->snippet_len);
    fputs(",\"highlights\":[", stdout);
    for (size_t i = 0; i < h->nhighlights; i++)
        printf("%s[%u,%u]", i ? "," : "", h->highlights[i].start,
               h->highlights[i].end);
    fputc(']', stdout);
    if (o->explain) {
        fputs(",\"explain\":[", stdout);
        for (size_t i = 0; i < h->nexplain; i++) {
            const zoek_explain *e = &h->explain[i];
            fputs(i ? ",{\"word\":" : "{\"word\":", stdout);
            json_str(stdout, e->word, strlen(e->word));
            fputs(",\"term\":", stdout);
            json_str(stdout, e->term, strlen(e->term));
            if (e->lang != ZOEK_LANG_AUTO)
                printf(",\"lang\":\"%s\"", zoek_lang_code(e->lang));
            else
                fputs(",\"lang\":null", stdout);
            printf(",\"translated\":%s,\"tf\":%u,\"dl\":%u,"
                   "\"df\":%llu,\"idf\":%.6f,\"qtf\":%g,\"score\":%.6f}",
                   e->translated ? "true" : "false", e->tf, e->dl,
                   (unsigned long long)e->df, e->idf, e->qtf, e->score);
        }
        fputc(']', stdout);
    }
    fputs("}\n", stdout);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reports a failed query on stderr and, in JSON, as an "error" object. */
static void query_failed(const opts *o, const char *qid, const char *q,
                         const char *msg) {
    fprintf(stderr, "%s: %s%s%s\n", prog, qid ? qid : "", qid ? ": " : "", msg);
    if (o->format == F_JSON) {
        json_head("error", qid, q);
        fputs(",\"message\":", stdout);
        json_str(stdout, msg, strlen(msg));
        fputs("}\n", stdout);
    }
}

/* Runs one query and prints its hits.  qid is NULL for a query given on
 * the command line.  Returns the number of hits, or a negative error. */
static long run(const opts *o, const char *qid, const char *q) {
    zoek_results *res;
    if (o->format == F_TEXT && qid) {
        fputs("# ", stdout);
        plain(stdout, qid, strlen(qid));
        fputc('\t', stdout);
        plain(stdout, q, strlen(q));
        fputc('\n', stdout);
    }
    double t0 = now();
    int rc = zoek_search_multi(o->idx, o->nidx, q, strlen(q), &o->so, &res);
    if (rc) {
        query_failed(o, qid, q, zoek_errmsg(o->idx[0]));
        return rc;
    }
    double took = (now() - t0) * 1e3;
    const zoek_hit *h;
    long n = 0;
    while ((rc = zoek_results_next(res, &h)) == 1) {
        n++;
        switch (o->format) {
        case F_TREC:
            printf("%s Q0 ", qid ? qid : "q");
            plain(stdout, h->doc, h->doc_len);
            if (!(o->so.flags & ZOEK_SEARCH_DOCS)) printf("#%u", h->passage);
            printf(" %u %.6f zoek\n", h->rank, h->score);
            break;
        case F_JSON: print_hit_json(o, qid, q, h); break;
        default: print_hit_text(o, h);
        }
    }
    if (rc < 0) {
        query_failed(o, qid, q, zoek_results_errmsg(res));
        zoek_results_free(res);
        return rc;
    }
    if (o->format == F_JSON) {
        json_head("summary", qid, q);
        printf(",\"hits\":%ld,\"matches\":%llu,\"took_ms\":%.3f}\n", n,
               (unsigned long long)zoek_results_matches(res), took);
    }
    zoek_results_free(res);
    return n;
}

static char *read_line(FILE *f, char **buf, size_t *cap) {
    ssize_t n = getline(buf, cap, f);
    if (n < 0) return NULL;
    while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r'))
        (*buf)[--n] = 0;
    return *buf;
}

static int blank(const char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    return !*s;
}

/* Parses --fields: a comma-separated list of field names. */
static int parse_fields(opts *o, const char *arg) {
    o->nfields = 0;
    const char *p = arg;
    for (;;) {
        size_t n = strcspn(p, ",");
        int f = -1;
        for (int i = 0; i < NFIELDS; i++)
            if (strlen(field_names[i]) == n && !strncmp(p, field_names[i], n))
                f = i;
        if (f < 0 && ((n == 3 && !strncmp(p, "doc", 3)) ||
                      (n == 4 && !strncmp(p, "path", 4))))
            f = FL_ID;
        if (f < 0)
            return usage_error("unknown field '%.*s' in --fields (rank, "
                               "score, id, passage, lang, range, snippet)",
                               (int)n, p);
        for (int i = 0; i < o->nfields; i++)
            if (o->fields[i] == f)
                return usage_error("field '%s' given twice in --fields",
                                   field_names[f]);
        o->fields[o->nfields++] = f;
        if (!p[n]) break;
        p += n + 1;
    }
    return 0;
}

/* The queries come from a stream: standard input or --queries FILE. */
static int run_stream(const opts *o, int *status) {
    FILE *f = stdin;
    int failed = 0;
    if (o->queries && strcmp(o->queries, "-")) {
        f = fopen(o->queries, "r");
        if (!f) {
            fprintf(stderr, "%s: %s: cannot open\n", prog, o->queries);
            return 1;
        }
    }
    char *buf = NULL;
    size_t cap = 0;
    unsigned long lineno = 0;
    while (read_line(f, &buf, &cap)) {
        lineno++;
        if (blank(buf)) continue;
        char *q = buf, *qid;
        char idbuf[32];
        if (o->queries) {
            char *tab = strchr(buf, '\t');
            if (!tab) {
                fprintf(stderr, "%s: %s:%lu: expected 'qid<TAB>query'\n", prog,
                        o->queries, lineno);
                failed = 1;
                continue;
            }
            *tab = 0;
            qid = buf;
            q = tab + 1;
            char *tab2 = strchr(q, '\t'); /* optional third column */
            if (tab2) *tab2 = 0;
        } else {
            snprintf(idbuf, sizeof idbuf, "%lu", lineno);
            qid = idbuf;
        }
        long n = run(o, qid, q);
        if (n < 0)
            failed = 1;
        else if (n > 0)
            *status = 0;
        fflush(stdout);
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: %s: read error\n", prog,
                o->queries ? o->queries : "standard input");
        failed = 1;
    }
    free(buf);
    if (f != stdin) fclose(f);
    return failed;
}

int main(int argc, char **argv) {
    catch_faults();
    opts o;
    memset(&o, 0, sizeof o);
    o.so.size = sizeof o.so;
    o.so.lang = ZOEK_LANG_AUTO;
    const char *dirs[64];
    size_t ndirs = 0;
    const char *color = "auto";
    const char *fields = NULL;
    int have_k1 = 0, have_b = 0;
    long map_mb = 0;
    double k1 = 0.9, b = 0.4;
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'd'},
        {"limit", required_argument, NULL, 'n'},
        {"offset", required_argument, NULL, 'o'},
        {"docs", no_argument, NULL, 'D'},
        {"explain", no_argument, NULL, 'E'},
        {"cross", no_argument, NULL, 'x'},
        {"plain", no_argument, NULL, 'P'},
        {"format", required_argument, NULL, 'f'},
        {"fields", required_argument, NULL, 'F'},
        {"lang", required_argument, NULL, 'l'},
        {"queries", required_argument, NULL, 'Q'},
        {"k1", required_argument, NULL, 'k'},
        {"b", required_argument, NULL, 'b'},
        {"color", required_argument, NULL, 'c'},
        {"colour", required_argument, NULL, 'c'},
        {"exhaustive", no_argument, NULL, 'X'},
        {"map-limit", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    int ch;
    opterr = 0;
    char *end;
    while ((ch = getopt_long(argc, argv, ":d:n:hV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            if (ndirs == 64) return usage_error("%s", "at most 64 indexes");
            dirs[ndirs++] = optarg;
            break;
        case 'n': {
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > 1000000)
                return usage_error("invalid limit '%s' (1 to 1000000)", optarg);
            o.so.limit = (uint32_t)v;
            break;
        }
        case 'o': {
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 1000000)
                return usage_error("invalid offset '%s' (0 to 1000000)",
                                   optarg);
            o.so.offset = (uint32_t)v;
            break;
        }
        case 'D': o.so.flags |= ZOEK_SEARCH_DOCS; break;
        case 'x': o.so.flags |= ZOEK_SEARCH_CROSS; break;
        case 'P': o.so.flags |= ZOEK_SEARCH_PLAIN; break;
        case 'E':
            o.explain = 1;
            o.so.flags |= ZOEK_SEARCH_EXPLAIN;
            break;
        case 'f':
            if (!strcmp(optarg, "text"))
                o.format = F_TEXT;
            else if (!strcmp(optarg, "json"))
                o.format = F_JSON;
            else if (!strcmp(optarg, "trec"))
                o.format = F_TREC;
            else
                return usage_error("unknown format '%s' (text, json, trec)",
                                   optarg);
            break;
        case 'F': fields = optarg; break;
        case 'l':
            o.so.lang = zoek_lang_parse(optarg);
            if (o.so.lang == ZOEK_EINVAL)
                return usage_error("unknown language '%s' (en, de, nl)",
                                   optarg);
            break;
        case 'Q': o.queries = optarg; break;
        case 'k':
            k1 = strtod(optarg, &end);
            if (*end || end == optarg || !(k1 >= 0))
                return usage_error("invalid k1 '%s'", optarg);
            have_k1 = 1;
            break;
        case 'b':
            b = strtod(optarg, &end);
            if (*end || end == optarg || !(b >= 0 && b <= 1))
                return usage_error("invalid b '%s' (0 to 1)", optarg);
            have_b = 1;
            break;
        case 'c': color = optarg; break;
        case 'X': o.so.flags |= ZOEK_SEARCH_EXHAUSTIVE; break;
        case 'M':
            map_mb = strtol(optarg, &end, 10);
            if (*end || end == optarg || map_mb < 0 || map_mb > 1048576)
                return usage_error("invalid --map-limit '%s' (MB, 0 to "
                                   "1048576)", optarg);
            break;
        case 'h': usage(stdout); return out_status(0);
        case 'V':
            printf("zoek-search %s\n", zoek_version());
            return out_status(0);
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (have_k1 || have_b) {
        o.so.has_k1_b = 1;
        o.so.k1 = k1;
        o.so.b = b;
    }
    if (!strcmp(color, "always"))
        o.color = 1;
    else if (!strcmp(color, "never"))
        o.color = 0;
    else if (!strcmp(color, "auto")) {
        const char *t = getenv("TERM");
        const char *nc = getenv("NO_COLOR");
        o.color = isatty(1) && !(nc && *nc) && !(t && !strcmp(t, "dumb"));
    } else {
        return usage_error("invalid --color '%s' (auto, always, never)", color);
    }
    if (fields) {
        if (o.format != F_TEXT)
            return usage_error("%s", "--fields is for text output");
        if (parse_fields(&o, fields)) return 2;
    } else {
        static const int dflt[] = {FL_RANK,    FL_SCORE, FL_ID,
                                   FL_PASSAGE, FL_LANG,  FL_SNIPPET};
        o.nfields = (int)(sizeof dflt / sizeof dflt[0]);
        memcpy(o.fields, dflt, sizeof dflt);
    }
    if (o.explain && o.format == F_TREC)
        return usage_error("%s", "--explain needs text or json output");
    if (o.format == F_TREC) o.so.flags |= ZOEK_SEARCH_NO_SNIPPETS;
    if (o.format == F_TEXT) {
        int snip = 0;
        for (int i = 0; i < o.nfields; i++)
            snip |= o.fields[i] == FL_SNIPPET;
        if (!snip) o.so.flags |= ZOEK_SEARCH_NO_SNIPPETS;
    }
    if (o.queries && optind < argc)
        return usage_error("%s", "--queries and a QUERY exclude each other");
    int from_stdin =
        !o.queries &&
        (optind >= argc || (argc - optind == 1 && !strcmp(argv[optind], "-")));
    if (from_stdin && optind >= argc && isatty(0))
        return usage_error("%s", "no query (give one, or pipe queries in)");
    int dflt_dir = ndirs == 0; /* no -d: $ZOEK_INDEX or ./.zoek */
    if (ndirs == 0) {
        const char *e = getenv("ZOEK_INDEX");
        dirs[ndirs++] = e && *e ? e : ".zoek";
    }

    zoek_index *idx[64];
    for (size_t i = 0; i < ndirs; i++) {
        char err[1024];
        int rc =
            zoek_index_open(dirs[i], ZOEK_OPEN_READ, &idx[i], err, sizeof err);
        if (rc) {
            fprintf(stderr, "%s: %s\n", prog, err);
            if (rc == ZOEK_ENOTFOUND && dflt_dir)
                fprintf(stderr,
                        "%s: give the index with -d DIR or "
                        "ZOEK_INDEX, or make one with zoek-index\n",
                        prog);
            for (size_t j = 0; j < i; j++)
                zoek_index_close(idx[j]);
            return 2;
        }
        zoek_index_set_map_limit(idx[i], (size_t)map_mb << 20);
    }
    o.idx = idx;
    o.nidx = ndirs;
    if (o.so.flags & ZOEK_SEARCH_CROSS) {
        /* say it once, not for every query */
        int have = 0;
        for (size_t i = 0; i < ndirs && !have; i++) {
            zoek_stats st;
            have = zoek_index_stats(idx[i], &st) == 0 && st.dictionaries > 0;
        }
        if (!have) {
            fprintf(stderr,
                    "%s: --cross needs bilingual dictionaries, and %s none: "
                    "compile them in with 'zoek-index -d DIR --dictionaries "
                    "/usr/share/dictd' (Debian packages "
                    "dict-freedict-eng-deu, -deu-eng, -eng-nld, -nld-eng, "
                    "-deu-nld, -nld-deu)\n",
                    prog, ndirs > 1 ? "these indexes have" : "the index has");
            for (size_t i = 0; i < ndirs; i++)
                zoek_index_close(idx[i]);
            return 2;
        }
    }

    int status = 1, failed = 0;
    if (o.queries || from_stdin) {
        failed = run_stream(&o, &status);
    } else {
        size_t len = 0;
        for (int i = optind; i < argc; i++)
            len += strlen(argv[i]) + 1;
        char *q = malloc(len + 1);
        if (!q) {
            fprintf(stderr, "%s: out of memory\n", prog);
            failed = 1;
        } else {
            size_t at = 0;
            for (int i = optind; i < argc; i++) {
                size_t n = strlen(argv[i]);
                if (i > optind) q[at++] = ' ';
                memcpy(q + at, argv[i], n);
                at += n;
            }
            q[at] = 0;
            long n = run(&o, NULL, q);
            free(q);
            if (n < 0)
                failed = 1;
            else if (n > 0)
                status = 0;
        }
    }
    if (failed) status = 2;
    for (size_t i = 0; i < ndirs; i++)
        zoek_index_close(idx[i]);
    return out_status(status);
}
