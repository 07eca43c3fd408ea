/* analyze_only.c - the indexing floor: reads the same JSON Lines input as
 * the indexer and runs only the analysis chain on one thread (a benchmark
 * tool on the library's internal headers, not part of the API).
 *
 *   analyze_only DOCS.jsonl [--max-mb N] [--metrics F]
 *
 * Every article becomes title + blank line + text (as the writer builds
 * it); each stage is timed per article with CLOCK_MONOTONIC:
 *   parse     JSON Lines parsing + UTF-8 repair
 *   tokenize  the tokenizer alone
 *   analyze   the whole chain (normalize, tokenize, language, stopwords,
 *             stem with an indexing thread's word cache at the default
 *             budget)
 *   passages  passage split + per-passage occurrences (title terms
 *             repeated), as the writer indexes them
 * Prints one JSON object (also written to --metrics F). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "jsonl.h"
#include "normalize.h"
#include "passage.h"
#include "tokenize.h"
#include "util.h"
#include "writer.h"
#include "zoek.h"

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fail(const char *what) {
    fprintf(stderr, "analyze_only: %s\n", what);
    exit(2);
}

/* The analyzer's language number for a "lang" field: 0 en, 1 de, 2 nl,
 * -1 (detect) otherwise. */
static int lang_of(const jsonl_doc *d) {
    static const char codes[3][3] = {"en", "de", "nl"};
    if (d->lang && d->lang_len == 2)
        for (int i = 0; i < 3; i++)
            if (!memcmp(d->lang, codes[i], 2)) return i;
    return -1;
}

int main(int argc, char **argv) {
    const char *path = NULL, *metrics = NULL;
    double max_mb = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--metrics") && i + 1 < argc)
            metrics = argv[++i];
        else if (!strcmp(argv[i], "--max-mb") && i + 1 < argc)
            max_mb = atof(argv[++i]);
        else if (!path)
            path = argv[i];
        else
            fail("usage: analyze_only DOCS.jsonl [--max-mb N] [--metrics F]");
    }
    if (!path)
        fail("usage: analyze_only DOCS.jsonl [--max-mb N] [--metrics F]");
    FILE *f = fopen(path, "r");
    if (!f) fail(strerror(errno));

    /* the word cache of an indexing thread at the default budget, with a
     * thread per core (as zoek-index runs) */
    writer_plan plan;
    writer_plan_for((size_t)256 << 20, writer_default_threads(), &plan);
    jsonl_parser *jp;
    analyzer *an;
    if (jsonl_parser_new(&jp) || analyzer_new(&an, plan.cache_bits))
        fail("out of memory");
    an_out ao;
    memset(&ao, 0, sizeof ao);
    token_list tl;
    memset(&tl, 0, sizeof tl);
    passage_list pl;
    memset(&pl, 0, sizeof pl);
    zk_buf text;
    memset(&text, 0, sizeof text);

    uint64_t t_parse = 0, t_tok = 0, t_an = 0, t_pass = 0;
    uint64_t docs = 0, bytes = 0, tokens = 0, terms = 0, npass = 0;
    uint64_t by_lang[3] = {0, 0, 0};
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    uint64_t t_start = now_ns();
    while ((len = getline(&line, &lcap, f)) >= 0) {
        if (max_mb > 0 && (double)bytes >= max_mb * 1e6) break;
        if (len > 0 && line[len - 1] == '\n') len--;
        uint64_t t0 = now_ns();
        jsonl_doc d;
        char err[256];
        int rc = jsonl_parse_line(jp, line, (size_t)len, &d, err, sizeof err);
        if (rc == ZOEK_ENOTFOUND) continue;
        if (rc) fail(err);
        size_t bad = 0;
        uint32_t title_len = 0;
        text.len = 0;
        if (d.title_len) {
            if (norm_repair_utf8(d.title, d.title_len, &text, &bad))
                fail("out of memory");
            for (size_t i = 0; i < text.len; i++)
                if (text.p[i] == '\n' || text.p[i] == '\r') text.p[i] = ' ';
            title_len = (uint32_t)text.len;
            if (zk_buf_put(&text, "\n\n", 2)) fail("out of memory");
        }
        if (norm_repair_utf8(d.text, d.text_len, &text, &bad))
            fail("out of memory");
        int lang = lang_of(&d);
        uint64_t t1 = now_ns();
        tl.n = 0;
        if (tokenize((const char *)text.p, text.len, &tl)) fail("tokenize");
        uint64_t t2 = now_ns();
        if (analyze(an, (const char *)text.p, text.len, lang, &ao))
            fail("analyze");
        uint64_t t3 = now_ns();
        if (ao.nterms && passage_index(&ao, text.len, title_len, &pl))
            fail("passage_index");
        uint64_t t4 = now_ns();
        t_parse += t1 - t0;
        t_tok += t2 - t1;
        t_an += t3 - t2;
        t_pass += t4 - t3;
        docs++;
        bytes += text.len;
        tokens += tl.n;
        terms += ao.nterms;
        if (ao.nterms) npass += pl.n;
        if (ao.lang >= 0 && ao.lang < 3) by_lang[ao.lang]++;
    }
    double wall = (double)(now_ns() - t_start) * 1e-9;
    fclose(f);
    free(line);

    double mb = (double)bytes / 1e6;
#define S(t) ((double)(t)*1e-9)
    char out[2048];
    snprintf(out, sizeof out,
             "{\"tool\": \"analyze_only\", \"threads\": 1, "
             "\"cache_bits\": %u, \"docs\": %llu, "
             "\"bytes\": %llu, \"tokens\": %llu, \"terms\": %llu, "
             "\"passages\": %llu, \"docs_by_lang\": {\"en\": %llu, "
             "\"de\": %llu, \"nl\": %llu}, "
             "\"parse_s\": %.3f, \"tokenize_s\": %.3f, \"analyze_s\": %.3f, "
             "\"passages_s\": %.3f, \"wall_s\": %.3f, "
             "\"parse_mb_s\": %.1f, \"tokenize_mb_s\": %.1f, "
             "\"analyze_mb_s\": %.1f, \"analyze_passages_mb_s\": %.1f, "
             "\"parse_analyze_passages_mb_s\": %.1f}",
             plan.cache_bits, (unsigned long long)docs,
             (unsigned long long)bytes,
             (unsigned long long)tokens, (unsigned long long)terms,
             (unsigned long long)npass, (unsigned long long)by_lang[0],
             (unsigned long long)by_lang[1], (unsigned long long)by_lang[2],
             S(t_parse), S(t_tok), S(t_an), S(t_pass), wall, mb / S(t_parse),
             mb / S(t_tok), mb / S(t_an), mb / S(t_an + t_pass),
             mb / S(t_parse + t_an + t_pass));
#undef S
    printf("%s\n", out);
    if (metrics) {
        FILE *m = fopen(metrics, "w");
        if (!m || fprintf(m, "%s\n", out) < 0 || fclose(m))
            fail(strerror(errno));
    }
    an_out_free(&ao);
    token_list_free(&tl);
    passage_list_free(&pl);
    zk_buf_free(&text);
    analyzer_free(an);
    jsonl_parser_free(jp);
    return 0;
}
