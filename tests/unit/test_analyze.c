/* test_analyze.c - tokenizer, normalizer and analyzer: golden files per
 * language (tests/golden/<lang>.in -> .out), UTF-8 repair, NFC input,
 * token offsets and positions, passages. */
#include <stdlib.h>

#include "analyze.h"
#include "check.h"
#include "normalize.h"
#include "passage.h"
#include "tokenize.h"

/* Terms of a line: "term@pos" joined by spaces. */
static void terms_of(analyzer *a, an_out *o, const char *line, int lang,
                     char *out, size_t cap) {
    int rc = analyze(a, line, strlen(line), lang, o);
    size_t w = 0;
    out[0] = 0;
    if (rc) {
        snprintf(out, cap, "ERROR %d", rc);
        return;
    }
    for (size_t i = 0; i < o->nterms && w + 80 < cap; i++)
        w += (size_t)snprintf(out + w, cap - w, "%s%.*s@%u", i ? " " : "",
                              (int)o->terms[i].len, o->terms[i].s,
                              o->terms[i].pos);
}

/* Compares the analysis of every line of tests/golden/<lang>.in with
 * .out; with ZOEK_GOLDEN_WRITE=1 writes .out instead. */
static void golden(analyzer *a, an_out *o, const char *lang, int l) {
    char in[256], outp[256];
    snprintf(in, sizeof in, "tests/golden/%s.in", lang);
    snprintf(outp, sizeof outp, "tests/golden/%s.out", lang);
    FILE *fi = fopen(in, "r");
    CHECK(fi != NULL);
    if (!fi) return;
    int write = getenv("ZOEK_GOLDEN_WRITE") != NULL;
    FILE *fo = fopen(outp, write ? "w" : "r");
    CHECK(fo != NULL);
    if (!fo) {
        fclose(fi);
        return;
    }
    char line[1024], want[4096], got[4096];
    int ln = 0;
    while (fgets(line, sizeof line, fi)) {
        ln++;
        line[strcspn(line, "\n")] = 0;
        terms_of(a, o, line, l, got, sizeof got);
        if (write) {
            fprintf(fo, "%s\n", got);
            continue;
        }
        if (!fgets(want, sizeof want, fo)) want[0] = 0;
        want[strcspn(want, "\n")] = 0;
        if (strcmp(got, want)) {
            fprintf(stderr, "%s:%d: '%s'\n  got:  %s\n  want: %s\n", in, ln,
                    line, got, want);
            check_failed++;
        } else {
            check_passed++;
        }
    }
    fclose(fi);
    fclose(fo);
}

static const char *first_term(analyzer *a, an_out *o, const char *s, int l) {
    static char buf[256];
    if (analyze(a, s, strlen(s), l, o) || o->nterms == 0) return "";
    snprintf(buf, sizeof buf, "%.*s", (int)o->terms[0].len, o->terms[0].s);
    return buf;
}

/* Whether the analysis of s in language l has the term t. */
static int has_term(analyzer *a, an_out *o, const char *s, const char *t,
                    int l) {
    if (analyze(a, s, strlen(s), l, o)) return 0;
    for (size_t i = 0; i < o->nterms; i++)
        if (o->terms[i].len == strlen(t) && !memcmp(o->terms[i].s, t, o->terms[i].len))
            return 1;
    return 0;
}

/* Whether two words of language l are analysed to the same term. */
static int meet(analyzer *a, an_out *o, const char *x, const char *y,
                int l) {
    char tx[256];
    snprintf(tx, sizeof tx, "%s", first_term(a, o, x, l));
    return tx[0] && !strcmp(tx, first_term(a, o, y, l));
}

/* The word cache changes nothing but speed: a German text of 30,000
 * distinct words gives the same terms through a cache whose slot table
 * doubles as it fills (from 2^12 to 2^16 slots), through one that is
 * full after 44 words and cleared, and through the first again when
 * every word is in it (and found: no entry is added). */
static void cache_sizes(void) {
    size_t cap = 30000 * 40, w = 0;
    char *text = malloc(cap);
    CHECK(text != NULL);
    if (!text) return;
    for (int k = 0; k < 30000; k++)
        w += (size_t)snprintf(text + w, cap - w, "%sHandelsweg%d Stra\xC3\x9F" "en ",
                              k % 3 ? "" : "Export", k);
    analyzer *big, *tiny;
    CHECK_OK(analyzer_new(&big, AN_CACHE_INDEX));
    CHECK_OK(analyzer_new(&tiny, 6));
    an_out x = {0}, y = {0}, z = {0};
    CHECK_OK(analyze(big, text, w, ZK_LANG_DE, &x));
    size_t cached = analyzer_cache_entries(big);
    CHECK(cached == 30001); /* every word, none dropped */
    CHECK_OK(analyze(tiny, text, w, ZK_LANG_DE, &y));
    CHECK_OK(analyze(big, text, w, ZK_LANG_DE, &z));
    CHECK(analyzer_cache_entries(big) == cached); /* every word found */
    CHECK(x.nterms > 60000 && x.nterms == y.nterms && x.nterms == z.nterms);
    size_t diff = 0;
    for (size_t i = 0; i < x.nterms && x.nterms == y.nterms &&
                       x.nterms == z.nterms; i++) {
        const an_term *a = &x.terms[i], *b = &y.terms[i], *c = &z.terms[i];
        diff += a->len != b->len || a->len != c->len || a->pos != b->pos ||
                a->pos != c->pos || a->flags != b->flags ||
                memcmp(a->s, b->s, a->len) || memcmp(a->s, c->s, a->len);
    }
    CHECK(diff == 0);
    an_out_free(&x);
    an_out_free(&y);
    an_out_free(&z);
    analyzer_free(big);
    analyzer_free(tiny);
    free(text);
}

int main(void) {
    analyzer *a;
    CHECK_OK(analyzer_new(&a, AN_CACHE_INDEX));
    an_out o = {0};
    golden(a, &o, "de", ZK_LANG_DE);
    golden(a, &o, "nl", ZK_LANG_NL);
    golden(a, &o, "en", ZK_LANG_EN);

    /* NFD input equals NFC input */
    char nfc[64], nfd[64];
    strcpy(nfc, "Maleisi\xC3\xAB");     /* ë precomposed */
    strcpy(nfd, "Maleisie\xCC\x88");    /* e + combining diaeresis */
    char t1[64];
    snprintf(t1, sizeof t1, "%s", first_term(a, &o, nfc, ZK_LANG_NL));
    CHECK_STR(first_term(a, &o, nfd, ZK_LANG_NL), t1);
    CHECK(meet(a, &o, "Stra\xC3\x9F" "e", "strasse", ZK_LANG_DE));

    /* German ue after a vowel is not an umlaut (Snowball german2) */
    CHECK(meet(a, &o, "Frauen", "Frau", ZK_LANG_DE));
    CHECK(meet(a, &o, "neue", "neues", ZK_LANG_DE));
    CHECK(meet(a, &o, "Aenderung", "\xC3\x84nderung", ZK_LANG_DE));

    /* verb forms Snowball leaves apart meet their infinitive */
    CHECK(meet(a, &o, "erzielte", "erzielen", ZK_LANG_DE));
    CHECK(meet(a, &o, "verursacht", "verursachen", ZK_LANG_DE));
    CHECK(meet(a, &o, "klassifiziert", "klassifizieren", ZK_LANG_DE));
    CHECK(meet(a, &o, "restaurierte", "restaurieren", ZK_LANG_DE));
    CHECK(!meet(a, &o, "vierte", "vieren", ZK_LANG_DE));
    CHECK(meet(a, &o, "gesmokkeld", "smokkel", ZK_LANG_NL));
    CHECK(meet(a, &o, "veroorzaakt", "veroorzaken", ZK_LANG_NL));
    CHECK(meet(a, &o, "geabsorbeerd", "absorberen", ZK_LANG_NL));
    CHECK(meet(a, &o, "absorbeert", "absorberen", ZK_LANG_NL));
    CHECK(meet(a, &o, "financierden", "financieren", ZK_LANG_NL));
    /* participles of separable verbs: prefix, ge, the rest */
    CHECK(meet(a, &o, "eingef\xC3\xBChrt", "einf\xC3\xBChren", ZK_LANG_DE));
    CHECK(meet(a, &o, "aufgebaut", "aufbauen", ZK_LANG_DE));
    CHECK(meet(a, &o, "angekommen", "ankommen", ZK_LANG_DE));
    CHECK(meet(a, &o, "opgericht", "oprichten", ZK_LANG_NL));
    CHECK(meet(a, &o, "uitgevoerd", "uitvoeren", ZK_LANG_NL));
    CHECK(meet(a, &o, "bijgedragen", "bijdragen", ZK_LANG_NL));
    CHECK_STR(first_term(a, &o, "Ingenieur", ZK_LANG_NL), "ingenieur");
    CHECK_STR(first_term(a, &o, "Angebot", ZK_LANG_DE), "angebot");

    /* -s after a vowel: German genitives and plurals, Dutch plurals */
    CHECK(meet(a, &o, "Warschaus", "Warschau", ZK_LANG_DE));
    CHECK(meet(a, &o, "Kenias", "Kenia", ZK_LANG_DE));
    CHECK(meet(a, &o, "Autos", "Auto", ZK_LANG_DE));
    CHECK(!meet(a, &o, "Haus", "hauen", ZK_LANG_DE));
    CHECK(meet(a, &o, "procedures", "procedure", ZK_LANG_NL));
    CHECK(meet(a, &o, "stoomturbines", "stoomturbine", ZK_LANG_NL));

    /* Dutch f/v, s/z and long vowels in open and closed syllables: the
     * stems of the forms with a vowel ending meet the others */
    CHECK(meet(a, &o, "huizen", "huis", ZK_LANG_NL));
    CHECK(meet(a, &o, "brieven", "brief", ZK_LANG_NL));
    CHECK(meet(a, &o, "actieve", "actief", ZK_LANG_NL));
    CHECK(meet(a, &o, "leven", "leef", ZK_LANG_NL));
    CHECK(meet(a, &o, "grenzen", "grens", ZK_LANG_NL));
    CHECK(meet(a, &o, "mensen", "mens", ZK_LANG_NL));
    CHECK(meet(a, &o, "Fransen", "Frans", ZK_LANG_NL));
    CHECK(meet(a, &o, "sociale", "sociaal", ZK_LANG_NL));
    CHECK(meet(a, &o, "officiële", "officieel", ZK_LANG_NL));
    CHECK(meet(a, &o, "materialen", "materiaal", ZK_LANG_NL));
    CHECK_STR(first_term(a, &o, "huizen", ZK_LANG_NL), "huis");
    CHECK_STR(first_term(a, &o, "ans", ZK_LANG_NL), "ans"); /* s not in R1 */
    CHECK(!meet(a, &o, "reizen", "rei", ZK_LANG_NL)); /* s after a vowel */
    /* German and English stems stay Snowball's */
    CHECK_STR(first_term(a, &o, "Motiv", ZK_LANG_DE), "motiv");
    CHECK_STR(first_term(a, &o, "jazz", ZK_LANG_EN), "jazz");

    /* acronym plurals: the stemmers keep the s of a word without vowel */
    CHECK(meet(a, &o, "RXRs", "RXR", ZK_LANG_EN));
    CHECK(meet(a, &o, "SNPs", "snp", ZK_LANG_EN));
    CHECK(meet(a, &o, "T3Rs", "T3R", ZK_LANG_EN));
    CHECK(!meet(a, &o, "1990s", "1990", ZK_LANG_EN));
    CHECK(!meet(a, &o, "rxrs", "rxr", ZK_LANG_EN));

    /* Greek letters in names and symbols meet their Latin names, in
     * every language; Greek words stay Greek */
    CHECK(meet(a, &o, "TNF\xCE\xB1", "TNFalpha", ZK_LANG_EN));      /* TNFα */
    CHECK(meet(a, &o, "\xCE\xB2", "beta", ZK_LANG_EN));             /* β */
    CHECK(meet(a, &o, "\xCE\xB3\xCE\xB4", "gammadelta", ZK_LANG_EN)); /* γδ */
    CHECK(meet(a, &o, "A\xCE\x92" "42", "abeta42", ZK_LANG_DE));    /* AΒ42 */
    CHECK(meet(a, &o, "\xC2\xB5m", "mum", ZK_LANG_NL)); /* micro sign */
    CHECK(!meet(a, &o, "\xCE\xB1\xCE\xB8\xCE\xB7\xCE\xBD\xCE\xB1",
                "alphathetaetanualpha", ZK_LANG_EN)); /* αθηνα */
    /* a hyphen between letters and digits does not matter; between two
     * words or two numbers it does */
    CHECK(meet(a, &o, "IL-6", "IL6", ZK_LANG_EN));
    CHECK(meet(a, &o, "Bcl-2", "bcl2", ZK_LANG_EN));
    CHECK(meet(a, &o, "G-7", "G7", ZK_LANG_DE));
    CHECK(meet(a, &o, "COVID-19", "covid19", ZK_LANG_NL));
    CHECK(meet(a, &o, "3-D", "3D", ZK_LANG_EN));
    CHECK(!meet(a, &o, "1990-2000", "19902000", ZK_LANG_EN));
    CHECK(!meet(a, &o, "KI-Chips", "KIChips", ZK_LANG_DE));
    CHECK(!meet(a, &o, "H200-Chips", "H200Chips", ZK_LANG_DE));
    /* a name with a number after three letters or more also stands for
     * the name alone (its part); short ones do not */
    CHECK(has_term(a, &o, "Tet1", "tet", ZK_LANG_EN));
    CHECK(has_term(a, &o, "FoxO3a", "foxo", ZK_LANG_DE));
    CHECK(has_term(a, &o, "COVID19", "covid", ZK_LANG_NL));
    CHECK(!has_term(a, &o, "A380", "a", ZK_LANG_EN));
    CHECK(!has_term(a, &o, "MH17", "mh", ZK_LANG_EN));
    CHECK(!has_term(a, &o, "1990s", "s", ZK_LANG_EN));
    {
        char f[NORM_BUF];
        CHECK(norm_fold_word("IL-1\xCE\xB2", 7, f) == 9);
        CHECK_STR(f, "il-1beta");
        CHECK(norm_fold_word("\xCE\x91\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1",
                             10, f) == 10); /* Αθήνα */
        CHECK_STR(f, "\xCE\xB1\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1");
    }

    /* UTF-8 repair: invalid bytes become U+FFFD, NUL a space */
    {
        zk_buf b = {0};
        size_t nbad = 0;
        const char bad[] = "ab\xFF" "c\xC3(d\xE2\x82\0e\xF0\x9F\x98\x80";
        CHECK_OK(norm_repair_utf8(bad, sizeof bad - 1, &b, &nbad));
        CHECK(nbad == 4);
        CHECK(norm_is_valid_utf8((const char *)b.p, b.len));
        CHECK(b.len == 2 + 3 + 1 + 3 + 2 + 3 + 1 + 1 + 4);
        CHECK(!norm_is_valid_utf8(bad, sizeof bad - 1));
        /* overlong and surrogate encodings are invalid */
        CHECK(!norm_is_valid_utf8("\xC0\xAF", 2));
        CHECK(!norm_is_valid_utf8("\xED\xA0\x80", 3));
        CHECK(!norm_is_valid_utf8("\xF4\x90\x80\x80", 4));
        CHECK(norm_is_valid_utf8("\xF4\x8F\xBF\xBF", 4));
        /* a bad byte, a NUL or a valid 2-byte character at every offset
         * of a long ASCII text (read eight bytes at a time) */
        for (size_t at = 0; at < 40; at++) {
            for (int kind = 0; kind < 3; kind++) {
                char in[48], want[64];
                for (size_t i = 0; i < sizeof in; i++)
                    in[i] = (char)('a' + i % 26);
                memcpy(want, in, at);
                size_t inlen = sizeof in, wl = at;
                if (kind == 0) {
                    in[at] = '\xFF';
                    memcpy(want + wl, "\xEF\xBF\xBD", 3);
                    wl += 3;
                } else if (kind == 1) {
                    in[at] = '\0';
                    want[wl++] = ' ';
                } else {
                    in[at] = '\xC3';
                    in[at + 1] = '\xA9';
                    memcpy(want + wl, "\xC3\xA9", 2);
                    wl += 2;
                }
                size_t rest = at + 1 + (kind == 2);
                memcpy(want + wl, in + rest, inlen - rest);
                wl += inlen - rest;
                b.len = 0;
                CHECK_OK(norm_repair_utf8(in, inlen, &b, &nbad));
                CHECK(nbad == (kind < 2 ? 1u : 0u));
                CHECK(b.len == wl && memcmp(b.p, want, wl) == 0);
            }
        }
        zk_buf_free(&b);
    }

    /* tokens: offsets, sentence and paragraph flags */
    {
        token_list tl = {0};
        const char *s = "Hello world. Next one!\n\nNew para: U.S. chips";
        CHECK_OK(tokenize(s, strlen(s), &tl));
        CHECK(tl.n == 8);
        CHECK(tl.v[0].start == 0 && tl.v[0].end == 5);
        CHECK(tl.v[0].flags & TOK_PARA);
        CHECK(tl.v[2].flags & TOK_SENT); /* Next */
        CHECK(!(tl.v[3].flags & TOK_SENT));
        CHECK(tl.v[4].flags & TOK_PARA); /* New */
        CHECK(tl.v[6].end - tl.v[6].start == 3); /* "U.S" */
        token_list_free(&tl);
    }
    /* "wie viele" as "wieviele": viel's inflected forms are stopwords */
    CHECK(analyzer_is_stop(a, ZK_LANG_DE, "viele", 5));
    CHECK(analyzer_is_stop(a, ZK_LANG_DE, "wieviele", 8));
    CHECK(analyzer_is_stop(a, ZK_LANG_NL, "velen", 5));
    CHECK(!analyzer_is_stop(a, ZK_LANG_DE, "vielfalt", 8));
    /* positions count stopwords; compounds take one position per part */
    {
        const char *s = "the KI-Chips of Nvidia";
        CHECK_OK(analyze(a, s, strlen(s), ZK_LANG_EN, &o));
        CHECK(o.npos == 5);
        CHECK(o.nterms == 4); /* ki-chip, ki, chip, nvidia */
        CHECK(o.terms[0].pos == 1 && (o.terms[0].flags & AN_WHOLE));
        CHECK(o.terms[1].pos == 1 && o.terms[2].pos == 2);
        CHECK(o.terms[3].pos == 4);
    }
    /* language detection per text and per paragraph */
    {
        const char *s =
            "De regering heeft vandaag bekendgemaakt dat de nieuwe regels "
            "voor de export van chips volgend jaar ingaan.\n\n"
            "The government announced today that the new rules for the "
            "export of chips will take effect next year.";
        CHECK_OK(analyze(a, s, strlen(s), ZK_LANG_AUTO, &o));
        CHECK(o.mixed);
        CHECK(o.tlang[0] == ZK_LANG_NL);
        CHECK(o.tlang[o.toks.n - 1] == ZK_LANG_EN);
        const char *d = "Die Regierung hat heute bekannt gegeben, dass die "
                        "neuen Regeln im nächsten Jahr gelten.";
        CHECK_OK(analyze(a, d, strlen(d), ZK_LANG_AUTO, &o));
        CHECK(o.lang == ZK_LANG_DE && !o.mixed);
    }
    /* passages: 100-150 words, sentence-aligned, tiling the text */
    {
        static char text[20000];
        size_t w = 0;
        for (int s = 0; s < 60; s++) {
            for (int k = 0; k < 12; k++)
                w += (size_t)snprintf(text + w, sizeof text - w, "word%d ", k);
            text[w - 1] = '.';
            text[w++] = ' ';
        }
        text[w] = 0;
        passage_list pl = {0};
        CHECK_OK(analyze(a, text, w, ZK_LANG_EN, &o));
        CHECK_OK(passage_split(&o, w, &pl));
        CHECK(pl.n >= 4 && pl.n <= 8);
        uint32_t prev_end = 0;
        for (size_t i = 0; i < pl.n; i++) {
            uint32_t words = (i + 1 < pl.n ? pl.v[i + 1].pos_first : o.npos) -
                             pl.v[i].pos_first;
            if (i + 1 < pl.n) CHECK(words >= 100 && words <= 150);
            else CHECK(words >= PASSAGE_TAIL_WORDS && words <= 180);
            CHECK(words % 12 == 0); /* ends at a sentence */
            CHECK(pl.v[i].start == prev_end);
            prev_end = pl.v[i].end;
        }
        CHECK(prev_end == w);
        /* a single sentence without punctuation is cut at 150 words */
        w = 0;
        for (int k = 0; k < 400; k++)
            w += (size_t)snprintf(text + w, sizeof text - w, "w%d ", k);
        CHECK_OK(analyze(a, text, w, ZK_LANG_EN, &o));
        CHECK_OK(passage_split(&o, w, &pl));
        CHECK(pl.n == 3);
        CHECK(pl.v[1].pos_first == 150);
        passage_list_free(&pl);
    }
    cache_sizes();
    an_out_free(&o);
    analyzer_free(a);
    return check_summary("test_analyze");
}
