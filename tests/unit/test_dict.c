/* test_dict.c - the dictionary module: base64, index lines, entry parsing
 * on real FreeDict entries of all six dictionaries, stemmed translations,
 * the value encoding, serialisation, file errors, allocation failures and,
 * when the packages are installed, the real dictionaries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "analyze.h"
#include "check.h"
#include "dict.h"

#define DICTD "/usr/share/dictd"

/* A new empty directory under $TMPDIR; removed by rm_dir. */
static char *tmp_dir(void) {
    const char *base = getenv("TMPDIR");
    char *p = malloc(4096);
    if (!p) exit(2);
    snprintf(p, 4096, "%s/zoek-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(p)) {
        perror("mkdtemp");
        exit(2);
    }
    return p;
}

static void rm_dir(char *p) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", p);
    free(p);
}

/* ------------------------------------------------------ real entries */

/* Short entries copied from Debian's dict-freedict-* packages (FreeDict,
 * GPL), one string per entry, exactly as in NAME.dict.dz. */

/* eng-deu (Ding) */
static const char eng_deu_export[] =
    "export /\xcb\x88\xc9\x9b"
    "ksp\xc9\x94\xcb\x90t/\n"
    "Ausfuhr <fem>, Ausfuhren <pl>, Export <masc> [econ.]\n"
    "   Synonym: {exportation}\n"
    "\n"
    " see: {exports}, {exportations}, {total exports}, {subsidized "
    "exports}\n"
    "\n";
static const char eng_deu_exports[] =
    "exports /\xcb\x88\xc9\x9b"
    "ksp\xc9\x94\xcb\x90ts/\n"
    "exportiert, f\xc3\xbchrt aus\n"
    " see: {export sth.}, {exporting}, {exported}, {exported}, "
    "{unexported}\n"
    "\n";
static const char eng_deu_chips[] =
    "chips /t\xca\x83\xcb\x88\xc9\xaaps/\n"
    " [Am.] Kartoffelchips <pl>, Chips <pl>, Rohscheiben <pl> [\xc3\x96s.]  "
    "[veraltend]  [cook.]\n"
    "      \"crinkle-cut crisps/chips\"  - geriffelte Chips\n"
    "      \"oven crisps/chips\"  - Ofenchips\n"
    "   Synonyms: {potato crisps}, {crisps}, {potato chips}\n"
    "\n"
    " see: {flavoured crisps}, {flavored chips}, {stack crisps}, {stack "
    "chips}\n"
    "\n";
static const char eng_deu_chip_v[] =
    "chip /t\xca\x83\xcb\x88\xc9\xaap/ <v>\n"
    "abplatzen <v, intr>\n"
    "      \"it has/had chipped\"  - es ist/war abgeplatzt\n"
    "   Synonym: {flake off}\n"
    "\n";
static const char eng_deu_the[] = "the /\xc3\xb0\xcb\x88\xc9\x99/\n"
                                  "der <art>\n"
                                  "         Note: des; dem; den\n";

/* deu-eng (Ding) */
static const char deu_eng_export[] =
    "Export /\xcb\x88\xc9\x9bksp\xc9\x94\xc9\xbet/ <masc, n, sg>\n"
    " [econ.] export <n>, exportation <n>\n"
    "   Synonyms: {Ausfuhr}, {Ausfuhren}\n"
    "\n"
    " see: {Ausfuhren}, {Exporte}, {gesamte Ausfuhr}\n"
    "\n";
static const char deu_eng_exportbeschraenkung[] =
    "Exportbeschr\xc3\xa4nkung /\xcb\x88\xc9\x9bksp\xc9\x94\xc9\xbetb"
    "\xcb\x8c\xc9\x9b\xca\x83r\xc9\x9bnk\xcb\x8c\xca\x8a\xc5\x8b/ "
    "<fem, n, sg>\n"
    "export restriction <n>, restriction on exports <n>\n"
    "   Synonym: {Ausfuhrbeschr\xc3\xa4nkung}\n";
static const char deu_eng_beschraenkung[] =
    "Beschr\xc3\xa4nkung /b\xc9\x99\xca\x83r\xcb\x88\xc9\x9bnk\xca\x8a"
    "\xc5\x8b/ ([+ gen]) <fem, n, sg>\n"
    "curb <n>\n"
    "         Note: on sth.\n"
    "   Synonym: {Eind\xc3\xa4mmung}\n"
    "\n";

/* eng-nld (Ergane) */
static const char eng_nld_guard[] =
    "guard /g\xc9\x91\xcb\x90"
    "d/\n"
    "1. behoeden, bewaren voor\n"
    "2. bewaken, bewaren, de wacht hebben, hoeden, waken over\n"
    "3. bewaarder, bewaker, hoeder, wacht, wachter\n"
    "4. bewaking, hoede\n"
    "5. garde, l\xc4\xb3"
    "fwacht\n"
    "6. conducteur, conductor\n";
static const char eng_nld_restriction[] =
    "restriction /ristrik\xca\x83\xc9\x99n/\n"
    "begrenzing, beperking\n";

/* nld-eng (Ergane) */
static const char nld_eng_beperking[] =
    "beperking /b\xc9\x99p\xc9\x9brki\xc5\x8b/\n"
    "limitation, restriction\n";
static const char nld_eng_abc[] = "ABC\xe2\x80\x90"
                                  "boek /\xcb\x8c"
                                  "a"
                                  "\xcb\x90"
                                  "b\xcb\x8c"
                                  "e\xcb\x90s\xcb\x88"
                                  "e\xcb\x90 b\xcb\x88uk/\n"
                                  "ABC-book\n";
static const char nld_eng_suffix[] = "\xe2\x80\x90heid /h\xc9\x9bi\xcb\x98t/\n"
                                     "\xe2\x80\x90ness, \xe2\x80\x90ship, "
                                     "\xe2\x80\x90ity\n";

/* deu-nld (Ergane) */
static const char deu_nld_zug[] = "Zug /ts\xcb\x88u\xcb\x90k/\n"
                                  "1. haal, teug, trek\n"
                                  "2. tocht\n"
                                  "3. trein, spoortrein, tros\n"
                                  "4. gelaatstrek, karaktertrek\n";
static const char deu_nld_ausfuhr[] = "Ausfuhr /\xcb\x88"
                                      "a\xca\x8a"
                                      "sf"
                                      "\xcb\x8cu\xcb\x90\xc9\xbe/\n"
                                      "export, uitvoer\n";

/* nld-deu (Ergane) */
static const char nld_deu_trein[] = "trein /tr\xc9\x9bi\xcb\x98n/\n"
                                    "1. Zug <m>\n"
                                    "2. Bahnzug, Eisenbahnzug\n";
static const char nld_deu_uitvoer[] = "uitvoer /\xc9\x99\xca\x8f"
                                      "tfur/\n"
                                      "Ausfuhr, Export\n";
static const char nld_deu_weise[] = "wijze /w\xc9\x9bi\xcb\x98z\xc9\x99/\n"
                                    "Melodie <f>, Weise <m;f>\n";

/* ----------------------------------------------------------- helpers */

static dict_raw *raw_of(int src, int dst, const char *const *entries,
                        size_t n) {
    dict_raw *d;
    if (dict_raw_new(src, dst, &d)) exit(2);
    for (size_t i = 0; i < n; i++)
        if (dict_parse_entry(d, entries[i], strlen(entries[i]))) exit(2);
    return d;
}

/* Checks the last entry of d: headword and phrases "sense:text". */
static int entry_is(const dict_raw *d, size_t i, const char *head,
                    const char *const *want, size_t nwant) {
    if (i >= d->ne) return 0;
    const dict_entry *e = &d->e[i];
    if (e->head_len != strlen(head) ||
        memcmp(dict_head(d, e), head, e->head_len)) {
        fprintf(stderr, "headword \"%.*s\", expected \"%s\"\n",
                (int)e->head_len, dict_head(d, e), head);
        return 0;
    }
    int ok = e->n == nwant;
    for (uint32_t j = 0; j < e->n; j++) {
        const dict_phrase *p = &d->p[e->first + j];
        char got[256];
        snprintf(got, sizeof got, "%u:%.*s", p->sense, (int)p->len,
                 dict_phrase_text(d, p));
        if (j >= nwant || strcmp(got, want[j])) {
            fprintf(stderr, "%s: phrase %u is \"%s\", expected \"%s\"\n", head,
                    j, got, j < nwant ? want[j] : "(none)");
            ok = 0;
        }
    }
    if (e->n != nwant)
        fprintf(stderr, "%s: %u phrases, expected %zu\n", head, e->n, nwant);
    return ok;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The key of a word or phrase as a query would look it up: its content
 * terms analysed in lang, joined by spaces. */
static size_t key_for(analyzer *a, const char *text, int lang, char *out) {
    an_out o = {0};
    size_t w = 0;
    if (analyze(a, text, strlen(text), lang, &o)) exit(2);
    uint32_t whole = UINT32_MAX;
    for (size_t i = 0; i < o.nterms; i++) {
        const an_term *t = &o.terms[i];
        if (t->flags & AN_SUB) continue;
        if (t->flags & AN_WHOLE)
            whole = t->tok;
        else if ((t->flags & AN_PART) && t->tok == whole)
            continue;
        if (w) out[w++] = ' ';
        memcpy(out + w, t->s, t->len);
        w += t->len;
    }
    out[w] = 0;
    an_out_free(&o);
    return w;
}

/* Finds translation `target` (stems, as stored) of `word` (surface text,
 * analysed in lang) into tlang.  Returns 1 and fills *tr (term copied to
 * buf), 0 if absent, -1 on a decoding error. */
static int lookup(analyzer *a, const dict_compiled *dc, int lang,
                  const char *word, int tlang, const char *target,
                  dict_tr *tr) {
    char key[DICT_MAX_KEY + 1];
    size_t kl = key_for(a, word, lang, key);
    const uint8_t *v;
    size_t vl;
    if (dict_find(dc, lang, key, kl, &v, &vl)) return 0;
    dict_iter it;
    if (dict_iter_init(&it, v, vl)) return -1;
    dict_tr t;
    int r;
    while ((r = dict_iter_next(&it, &t)) == 1) {
        if (t.lang == tlang && t.len == strlen(target) &&
            !memcmp(t.term, target, t.len)) {
            if (tr) *tr = t;
            return 1;
        }
    }
    return r == 0 ? 0 : -1;
}

/* Number of translations of key into tlang (-1 on error, 0 if no key). */
static int count_tr(const dict_compiled *dc, int lang, const char *key,
                    int tlang) {
    const uint8_t *v;
    size_t vl;
    if (dict_find(dc, lang, key, strlen(key), &v, &vl)) return 0;
    dict_iter it;
    if (dict_iter_init(&it, v, vl)) return -1;
    dict_tr t;
    int r, n = 0;
    while ((r = dict_iter_next(&it, &t)) == 1)
        n += t.lang == tlang;
    return r == 0 ? n : -1;
}

static dict_compiled *compile_raws(dict_raw **raws, size_t n,
                                   const dict_opts *o) {
    dict_compiler *c;
    dict_compiled *dc = NULL;
    if (dict_compiler_new(o, &c)) exit(2);
    for (size_t i = 0; i < n; i++)
        if (dict_compiler_add(c, raws[i], NULL)) exit(2);
    if (dict_compiler_finish(c, &dc)) exit(2);
    dict_compiler_free(c);
    return dc;
}

/* All real entries above as six small dictionaries. */
static size_t real_raws(dict_raw **r) {
    static const char *const ed[] = {eng_deu_export, eng_deu_exports,
                                     eng_deu_chips, eng_deu_chip_v,
                                     eng_deu_the};
    static const char *const de[] = {
        deu_eng_export, deu_eng_exportbeschraenkung, deu_eng_beschraenkung};
    static const char *const en[] = {eng_nld_guard, eng_nld_restriction};
    static const char *const ne[] = {nld_eng_beperking, nld_eng_abc,
                                     nld_eng_suffix};
    static const char *const dn[] = {deu_nld_zug, deu_nld_ausfuhr};
    static const char *const nd[] = {nld_deu_trein, nld_deu_uitvoer,
                                     nld_deu_weise};
    r[0] = raw_of(ZK_LANG_EN, ZK_LANG_DE, ed, N(ed));
    r[1] = raw_of(ZK_LANG_DE, ZK_LANG_EN, de, N(de));
    r[2] = raw_of(ZK_LANG_EN, ZK_LANG_NL, en, N(en));
    r[3] = raw_of(ZK_LANG_NL, ZK_LANG_EN, ne, N(ne));
    r[4] = raw_of(ZK_LANG_DE, ZK_LANG_NL, dn, N(dn));
    r[5] = raw_of(ZK_LANG_NL, ZK_LANG_DE, nd, N(nd));
    return 6;
}

/* ------------------------------------------------------------- tests */

static void test_b64(void) {
    uint64_t v;
    CHECK_OK(dict_b64("A", 1, &v));
    CHECK(v == 0);
    CHECK_OK(dict_b64("/", 1, &v));
    CHECK(v == 63);
    CHECK_OK(dict_b64("BA", 2, &v));
    CHECK(v == 64);
    CHECK_OK(dict_b64("BA9", 3, &v));
    CHECK(v == 4157);
    CHECK_OK(dict_b64("FVrr", 4, &v));
    CHECK(v == 1399531);
    CHECK_OK(dict_b64("+", 1, &v));
    CHECK(v == 62);
    CHECK_OK(dict_b64("////////", 8, &v));
    CHECK(v == 281474976710655ull);
    CHECK_RC(dict_b64("", 0, &v), ZOEK_EINPUT);
    CHECK_RC(dict_b64("A=", 2, &v), ZOEK_EINPUT);
    CHECK_RC(dict_b64("A B", 3, &v), ZOEK_EINPUT);
    CHECK_RC(dict_b64("AAAAAAAAA", 9, &v), ZOEK_EINPUT);
    CHECK_RC(dict_b64("\xc3\xa4", 2, &v), ZOEK_EINPUT);
}

static void test_index_line(void) {
    dict_index_line il;
    char err[64];
    const char *l = "chip\tBA9\tB";
    CHECK_OK(dict_parse_index_line(l, strlen(l), &il, err, sizeof err));
    CHECK(il.head == l && il.head_len == 4 && il.off == 4157 && il.len == 1);
    CHECK_STR(err, "");
    l = "\tFVrr\tDD\r"; /* eng-deu's empty headwords, CRLF */
    CHECK_OK(dict_parse_index_line(l, strlen(l), &il, NULL, 0));
    CHECK(il.head_len == 0 && il.off == 1399531 && il.len == 195);
    l = " and a half\tDVWrU\tBM\tand a half"; /* a fourth field */
    CHECK_OK(dict_parse_index_line(l, strlen(l), &il, NULL, 0));
    CHECK(il.head_len == 11 && il.len == 76);
    l = "00databaseinfo\tc\t5S";
    CHECK_OK(dict_parse_index_line(l, strlen(l), &il, NULL, 0));
    CHECK(il.off == 28 && il.len == 57 * 64 + 18);
    l = "chip";
    CHECK_RC(dict_parse_index_line(l, strlen(l), &il, err, sizeof err),
             ZOEK_EINPUT);
    CHECK_STR(err, "no tab after the headword");
    CHECK(il.head == NULL);
    l = "chip\tBA9";
    CHECK_RC(dict_parse_index_line(l, strlen(l), &il, err, sizeof err),
             ZOEK_EINPUT);
    CHECK_STR(err, "no tab after the offset");
    l = "chip\tB-9\tB";
    CHECK_RC(dict_parse_index_line(l, strlen(l), &il, err, sizeof err),
             ZOEK_EINPUT);
    CHECK_STR(err, "bad offset");
    l = "chip\tBA9\t";
    CHECK_RC(dict_parse_index_line(l, strlen(l), &il, err, sizeof err),
             ZOEK_EINPUT);
    CHECK_STR(err, "bad length");
    l = "chip\t\tB";
    CHECK_RC(dict_parse_index_line(l, strlen(l), &il, NULL, 0), ZOEK_EINPUT);
}

static void test_langs(void) {
    int s, d;
    CHECK_OK(dict_langs("freedict-eng-deu", &s, &d));
    CHECK(s == ZK_LANG_EN && d == ZK_LANG_DE);
    CHECK_OK(dict_langs("nld-eng", &s, &d));
    CHECK(s == ZK_LANG_NL && d == ZK_LANG_EN);
    CHECK_OK(dict_langs("freedict-deu-nld", &s, &d));
    CHECK(s == ZK_LANG_DE && d == ZK_LANG_NL);
    CHECK_RC(dict_langs("freedict-eng-fra", &s, &d), ZOEK_EINVAL);
    CHECK_RC(dict_langs("freedict-eng-eng", &s, &d), ZOEK_EINVAL);
    CHECK_RC(dict_langs("xeng-deu", &s, &d), ZOEK_EINVAL);
    CHECK_RC(dict_langs("deu", &s, &d), ZOEK_EINVAL);
    CHECK_RC(dict_langs(NULL, &s, &d), ZOEK_EINVAL);
    for (int i = 0; i < 6; i++)
        CHECK_OK(dict_langs(dict_freedict_names[i], &s, &d));
}

static void test_entries_ding(void) {
    dict_raw *r[6];
    real_raws(r);
    static const char *const export_[] = {"0:Ausfuhr", "0:Ausfuhren",
                                          "0:Export"};
    CHECK(entry_is(r[0], 0, "export", export_, N(export_)));
    static const char *const exports[] = {"0:exportiert", "0:führt aus"};
    CHECK(entry_is(r[0], 1, "exports", exports, N(exports)));
    static const char *const chips[] = {"0:Kartoffelchips", "0:Chips",
                                        "0:Rohscheiben"};
    CHECK(entry_is(r[0], 2, "chips", chips, N(chips)));
    static const char *const chip[] = {"0:abplatzen"};
    CHECK(entry_is(r[0], 3, "chip", chip, N(chip)));
    static const char *const the[] = {"0:der"};
    CHECK(entry_is(r[0], 4, "the", the, N(the)));
    CHECK(r[0]->ne == 5 && r[0]->e[0].nsenses == 1);

    static const char *const dexport[] = {"0:export", "0:exportation"};
    CHECK(entry_is(r[1], 0, "Export", dexport, N(dexport)));
    static const char *const deb[] = {"0:export restriction",
                                      "0:restriction on exports"};
    CHECK(entry_is(r[1], 1, "Exportbeschränkung", deb, N(deb)));
    static const char *const curb[] = {"0:curb"};
    CHECK(entry_is(r[1], 2, "Beschränkung", curb, N(curb)));
    for (int i = 0; i < 6; i++)
        dict_raw_free(r[i]);
}

static void test_entries_ergane(void) {
    dict_raw *r[6];
    real_raws(r);
    static const char *const guard[] = {
        "0:behoeden",        "0:bewaren voor", "1:bewaken",    "1:bewaren",
        "1:de wacht hebben", "1:hoeden",       "1:waken over", "2:bewaarder",
        "2:bewaker",         "2:hoeder",       "2:wacht",      "2:wachter",
        "3:bewaking",        "3:hoede",        "4:garde",      "4:lĳfwacht",
        "5:conducteur",      "5:conductor"};
    CHECK(entry_is(r[2], 0, "guard", guard, N(guard)));
    CHECK(r[2]->e[0].nsenses == 6);
    static const char *const restr[] = {"0:begrenzing", "0:beperking"};
    CHECK(entry_is(r[2], 1, "restriction", restr, N(restr)));
    static const char *const bep[] = {"0:limitation", "0:restriction"};
    CHECK(entry_is(r[3], 0, "beperking", bep, N(bep)));
    static const char *const abc[] = {"0:ABC-book"};
    CHECK(entry_is(r[3], 1,
                   "ABC\xe2\x80\x90"
                   "boek",
                   abc, N(abc)));
    /* an affix entry keeps its headword but no phrase */
    CHECK(entry_is(r[3], 2, "\xe2\x80\x90heid", NULL, 0));
    CHECK(r[3]->nempty == 1);
    static const char *const zug[] = {
        "0:haal",       "0:teug", "0:trek",        "1:tocht",       "2:trein",
        "2:spoortrein", "2:tros", "3:gelaatstrek", "3:karaktertrek"};
    CHECK(entry_is(r[4], 0, "Zug", zug, N(zug)));
    static const char *const trein[] = {"0:Zug", "1:Bahnzug", "1:Eisenbahnzug"};
    CHECK(entry_is(r[5], 0, "trein", trein, N(trein)));
    static const char *const weise[] = {"0:Melodie", "0:Weise"};
    CHECK(entry_is(r[5], 2, "wijze", weise, N(weise)));
    for (int i = 0; i < 6; i++)
        dict_raw_free(r[i]);
}

/* Odd text: brackets, separators inside them, pronunciations left in
 * phrases, affixes, CRLF, invalid UTF-8, entries without translations. */
static void test_entries_odd(void) {
    dict_raw *d;
    CHECK_OK(dict_raw_new(ZK_LANG_DE, ZK_LANG_EN, &d));
    const char *e1 =
        "ausliegen /x/ <v>\r\n"
        "ausliegen [zur Einsicht, Ansicht; Entnahme] , aufliegen <v, intr>"
        " [S\xc3\xbc"
        "ddt.]\r\n";
    CHECK_OK(dict_parse_entry(d, e1, strlen(e1)));
    static const char *const w1[] = {"0:ausliegen", "0:aufliegen"};
    CHECK(entry_is(d, 0, "ausliegen", w1, N(w1)));
    const char *e2 = "Schaltkreis\n"
                     "integrierter SchaltkreisIS,  /\xcb\x88\xc9\xaaz/ , "
                     "(the) under-eighteens, take the train (to), "
                     "Gipfel-, -heit, ,;,\n";
    CHECK_OK(dict_parse_entry(d, e2, strlen(e2)));
    static const char *const w2[] = {"0:integrierter SchaltkreisIS",
                                     "0:under-eighteens", "0:take the train"};
    CHECK(entry_is(d, 1, "Schaltkreis", w2, N(w2)));
    /* unclosed bracket drops the rest; stray closers vanish */
    const char *e3 = "Klammer\n"
                     " [Am.] öffnende runde Klammer(, a) b], c < d, e\n";
    CHECK_OK(dict_parse_entry(d, e3, strlen(e3)));
    static const char *const w3[] = {"0:öffnende runde Klammer b", "0:c"};
    CHECK(entry_is(d, 2, "Klammer", w3, N(w3)));
    /* invalid UTF-8 is repaired, NUL becomes a space */
    const char e4[] = "Fu\xdf"
                      "ball\nfoot\0ball, \xff\n";
    CHECK_OK(dict_parse_entry(d, e4, sizeof e4 - 1));
    static const char *const w4[] = {"0:foot ball", "0:\xef\xbf\xbd"};
    CHECK(entry_is(d, 3,
                   "Fu\xef\xbf\xbd"
                   "ball",
                   w4, N(w4)));
    /* nothing but blank lines, or only notes: no entry / no phrase */
    size_t ne = d->ne;
    CHECK_OK(dict_parse_entry(d, "\n \n\t\n", 5));
    CHECK_OK(dict_parse_entry(d, "", 0));
    CHECK_OK(dict_parse_entry(d, "(<[]>)\n", 7));
    CHECK(d->ne == ne);
    const char *e5 = "\n\nleer /l/\n         Note: nichts\n see: {voll}\n";
    CHECK_OK(dict_parse_entry(d, e5, strlen(e5)));
    CHECK(entry_is(d, ne, "leer", NULL, 0));
    /* numbered senses in the Ding layout are not misread: "10 Cents" */
    const char *e6 = "Stück\n10 Cents das Stück\n2. piece\n";
    CHECK_OK(dict_parse_entry(d, e6, strlen(e6)));
    static const char *const w6[] = {"0:10 Cents das Stück", "1:piece"};
    CHECK(entry_is(d, ne + 1, "Stück", w6, N(w6)));
    CHECK(d->e[ne + 1].nsenses == 2);
    dict_raw_free(d);
}

/* The stemmed translations: query words find inflected translations. */
static void test_compile_real(void) {
    dict_raw *r[6];
    size_t n = real_raws(r);
    dict_compiler *c;
    CHECK_OK(dict_compiler_new(NULL, &c));
    dict_add_stats st[6];
    for (size_t i = 0; i < n; i++)
        CHECK_OK(dict_compiler_add(c, r[i], &st[i]));
    dict_compiled *dc;
    CHECK_OK(dict_compiler_finish(c, &dc));
    analyzer *a;
    CHECK_OK(analyzer_new(&a, AN_CACHE_QUERY));
    dict_tr t;
    const int EN = ZK_LANG_EN, DE = ZK_LANG_DE, NL = ZK_LANG_NL;

    /* en "exports" -> de "export": from eng-deu and from deu-eng */
    CHECK(lookup(a, dc, EN, "exports", DE, "export", &t) == 1);
    CHECK(t.flags == (DICT_TR_FWD | DICT_TR_REV) && t.count == 2);
    CHECK(lookup(a, dc, EN, "export", DE, "ausfuhr", &t) == 1);
    CHECK(t.flags == DICT_TR_FWD && t.count == 1); /* one sense */
    /* "exportiert" is stemmed as its infinitive "exportieren" */
    CHECK(lookup(a, dc, EN, "exported", DE, "exporti", &t) == 1);
    /* "führt aus": "aus" is a stopword */
    CHECK(lookup(a, dc, EN, "exports", DE, "fuhr", &t) == 1);
    CHECK(t.flags == DICT_TR_FWD);
    /* en "chips" -> de "chips" and "kartoffelchips" */
    CHECK(lookup(a, dc, EN, "chips", DE, "chips", &t) == 1);
    CHECK(lookup(a, dc, EN, "chip", DE, "kartoffelchips", &t) == 1);
    CHECK(lookup(a, dc, EN, "chipping", DE, "abplatz", &t) == 1);
    /* reverse: de "Ausfuhren" -> en "export" through eng-deu */
    CHECK(lookup(a, dc, DE, "Ausfuhren", EN, "export", &t) == 1);
    CHECK(t.flags == DICT_TR_REV);
    /* nl "beperkingen" -> en "restrict" and "limit"; de and nl the same */
    CHECK(lookup(a, dc, NL, "beperkingen", EN, "restrict", &t) == 1);
    CHECK(t.flags == (DICT_TR_FWD | DICT_TR_REV) && t.count == 2);
    CHECK(lookup(a, dc, NL, "beperkingen", EN, "limit", &t) == 1);
    CHECK(lookup(a, dc, EN, "restrictions", NL, "beperk", &t) == 1);
    CHECK(lookup(a, dc, DE, "Züge", NL, "trein", &t) == 1);
    CHECK(t.count == 2 && t.flags == (DICT_TR_FWD | DICT_TR_REV));
    CHECK(lookup(a, dc, NL, "treinen", DE, "eisenbahnzug", &t) == 1);
    CHECK(lookup(a, dc, NL, "uitvoer", DE, "export", &t) == 1);
    /* multi-word: the phrase key and the phrase translation */
    CHECK(lookup(a, dc, EN, "export restrictions", DE, "exportbeschrank", &t) ==
          1);
    CHECK(t.flags == DICT_TR_REV);
    CHECK(lookup(a, dc, DE, "Exportbeschränkungen", EN, "export restrict",
                 &t) == 1);
    CHECK(t.flags == (DICT_TR_FWD | DICT_TR_PHRASE));
    CHECK(lookup(a, dc, DE, "Exportbeschränkungen", EN, "restrict export",
                 &t) == 1);
    CHECK(lookup(a, dc, NL, "wacht hebben", EN, "guard", &t) == 1);
    /* a hyphenated word is one term: its whole compound */
    CHECK(lookup(a, dc, NL, "ABC-boek", EN, "abc-book", &t) == 1);
    CHECK(t.flags == (DICT_TR_FWD));
    /* stopwords: "the" -> "der" gives nothing */
    CHECK(st[0].head_stop == 1 && st[0].tr_stop == 0);
    CHECK(count_tr(dc, EN, "the", DE) == 0);
    CHECK(count_tr(dc, DE, "der", EN) == 0);
    CHECK(st[0].entries == 5 && st[0].senses == 4);
    CHECK(st[0].tr_single == 9 && st[0].tr_phrase == 0);
    CHECK(st[1].head_single == 3 && st[1].tr_phrase == 2);
    CHECK(st[3].head_stop == 0 && st[3].entries == 3);
    /* keys are sorted; every value decodes */
    int lang0 = -1;
    const char *k0 = NULL;
    size_t kl0 = 0;
    int sorted = 1, decoded = 1;
    for (size_t i = 0; i < dict_count(dc); i++) {
        int lang;
        const char *k;
        size_t kl, vl;
        const uint8_t *v;
        CHECK_OK(dict_get(dc, i, &lang, &k, &kl, &v, &vl));
        if (k0) {
            size_t m = kl < kl0 ? kl : kl0;
            int cmp =
                lang != lang0 ? (lang0 < lang ? -1 : 1) : memcmp(k0, k, m);
            if (!cmp) cmp = kl0 < kl ? -1 : 1;
            sorted &= cmp < 0;
        }
        lang0 = lang;
        k0 = k;
        kl0 = kl;
        dict_iter it;
        dict_tr tr;
        int rr = dict_iter_init(&it, v, vl);
        if (!rr)
            while ((rr = dict_iter_next(&it, &tr)) == 1)
                if (tr.lang == lang) decoded = 0;
        decoded &= rr == 0;
    }
    CHECK(sorted && decoded);
    CHECK_RC(dict_get(dc, dict_count(dc), NULL, NULL, NULL, NULL, NULL),
             ZOEK_EINVAL);
    const uint8_t *v;
    size_t vl;
    CHECK_RC(dict_find(dc, EN, "nosuchword", 10, &v, &vl), ZOEK_ENOTFOUND);
    CHECK(v == NULL && vl == 0);
    CHECK_RC(dict_find(dc, NL, "ausfuhr", 7, &v, &vl), ZOEK_ENOTFOUND);
    CHECK_OK(dict_find(dc, DE, "ausfuhr", 7, &v, &vl));

    /* options: single words only; one translation per language */
    dict_opts o = {sizeof o, 1, 0};
    dict_compiled *d1 = compile_raws(r, n, &o);
    CHECK(count_tr(d1, EN, "export restrict", DE) == 0);
    CHECK(count_tr(d1, DE, "exportbeschrank", EN) == 0);
    CHECK(count_tr(d1, EN, "export", DE) > 1);
    dict_compiled_free(d1);
    o.max_terms = 0;
    o.max_targets = 1;
    d1 = compile_raws(r, n, &o);
    CHECK(count_tr(d1, EN, "export", DE) == 1);
    CHECK(lookup(a, d1, EN, "export", DE, "export", &t) == 1); /* count 2 */
    CHECK(count_tr(d1, NL, "beperk", EN) == 1);
    CHECK(count_tr(d1, NL, "beperk", DE) == 0);
    dict_compiled_free(d1);
    o.max_terms = DICT_MAX_TERMS + 1;
    dict_compiler *bad;
    CHECK_RC(dict_compiler_new(&o, &bad), ZOEK_EINVAL);
    CHECK(bad == NULL);
    o.size = 1;
    o.max_terms = 0;
    CHECK_RC(dict_compiler_new(&o, &bad), ZOEK_EINVAL);

    /* the compiler takes more and finishes again */
    dict_raw *more;
    CHECK_OK(dict_raw_new(EN, DE, &more));
    const char *ex = "export /e/\nExportgeschäft <neut>\n";
    CHECK_OK(dict_parse_entry(more, ex, strlen(ex)));
    CHECK_OK(dict_compiler_add(c, more, NULL));
    dict_compiled *dc2;
    CHECK_OK(dict_compiler_finish(c, &dc2));
    CHECK(lookup(a, dc2, EN, "exports", DE, "exportgeschaft", &t) == 1);
    CHECK(lookup(a, dc, EN, "exports", DE, "exportgeschaft", &t) == 0);
    CHECK(dict_count(dc2) == dict_count(dc) + 1);
    dict_raw_free(more);
    dict_compiled_free(dc2);

    analyzer_free(a);
    dict_compiled_free(dc);
    dict_compiler_free(c);
    for (size_t i = 0; i < n; i++)
        dict_raw_free(r[i]);
}

/* Same input, same bytes, whatever order the dictionaries come in. */
static void test_deterministic(void) {
    dict_raw *r[6], *rev[6];
    size_t n = real_raws(r);
    for (size_t i = 0; i < n; i++)
        rev[i] = r[n - 1 - i];
    dict_compiled *a = compile_raws(r, n, NULL);
    dict_compiled *b = compile_raws(rev, n, NULL);
    zk_buf sa = {0}, sb = {0};
    CHECK_OK(dict_serialize(a, &sa));
    CHECK_OK(dict_serialize(b, &sb));
    CHECK(sa.len > 24 && sa.len == sb.len && !memcmp(sa.p, sb.p, sa.len));
    dict_opts o = {sizeof o, 0, 2};
    dict_compiled *c1 = compile_raws(r, n, &o);
    dict_compiled *c2 = compile_raws(rev, n, &o);
    zk_buf s1 = {0}, s2 = {0};
    CHECK_OK(dict_serialize(c1, &s1));
    CHECK_OK(dict_serialize(c2, &s2));
    CHECK(s1.len == s2.len && !memcmp(s1.p, s2.p, s1.len));
    CHECK(s1.len < sa.len);
    zk_buf_free(&s1);
    zk_buf_free(&s2);
    dict_compiled_free(c1);
    dict_compiled_free(c2);
    zk_buf_free(&sa);
    zk_buf_free(&sb);
    dict_compiled_free(a);
    dict_compiled_free(b);
    for (size_t i = 0; i < n; i++)
        dict_raw_free(r[i]);
}

static void test_values(void) {
    dict_tr in[4] = {
        {"ausfuhr", 7, 3, ZK_LANG_DE, DICT_TR_FWD | DICT_TR_REV},
        {"export", 6, 1, ZK_LANG_DE, DICT_TR_REV},
        {"export control", 14, 200, ZK_LANG_DE, DICT_TR_FWD | DICT_TR_PHRASE},
        {"uitvoer", 7, 1, ZK_LANG_NL, DICT_TR_FWD}};
    zk_buf b = {0};
    CHECK_OK(dict_value_encode(in, 4, &b));
    /* version, n, then items: prefix-shared "export" saves 6 bytes */
    CHECK(b.p[0] == DICT_VALUE_VERSION && b.p[1] == 4);
    CHECK(b.len == 2 + (4 + 7) + (4 + 6) + (4 + 8 + 1) + (4 + 7));
    dict_iter it;
    dict_tr t;
    CHECK_OK(dict_iter_init(&it, b.p, b.len));
    for (int i = 0; i < 4; i++) {
        CHECK(dict_iter_next(&it, &t) == 1);
        CHECK(t.len == in[i].len && !memcmp(t.term, in[i].term, t.len));
        CHECK(t.count == in[i].count && t.lang == in[i].lang &&
              t.flags == in[i].flags);
    }
    CHECK(dict_iter_next(&it, &t) == 0);
    CHECK(dict_iter_next(&it, &t) == 0);

    /* every truncation is corrupt */
    int ok = 1;
    for (size_t len = 0; len < b.len; len++) {
        int r = dict_iter_init(&it, b.p, len);
        if (r == 0)
            while ((r = dict_iter_next(&it, &t)) == 1)
                ;
        ok &= r == ZOEK_ECORRUPT;
    }
    CHECK(ok);
    /* every byte flip is corrupt or a canonical value */
    ok = 1;
    int corrupt = 0;
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *v = malloc(b.len);
            memcpy(v, b.p, b.len);
            v[i] ^= (uint8_t)(1 << bit);
            dict_tr out[8];
            char terms[8][DICT_MAX_KEY];
            size_t n = 0;
            int r = dict_iter_init(&it, v, b.len);
            while (r == 0 && (r = dict_iter_next(&it, &t)) == 1) {
                if (n < 8) {
                    memcpy(terms[n], t.term, t.len);
                    out[n] = t;
                    out[n].term = terms[n];
                }
                n++;
                r = 0;
            }
            if (r == 0) {
                zk_buf b2 = {0};
                ok &= n <= 8 && dict_value_encode(out, n, &b2) == 0 &&
                      b2.len == b.len && !memcmp(b2.p, v, b.len);
                zk_buf_free(&b2);
            } else {
                ok &= r == ZOEK_ECORRUPT;
                corrupt++;
            }
            free(v);
        }
    }
    CHECK(ok);
    CHECK(corrupt > (int)b.len * 2);

    /* non-canonical or bad bytes */
    static const uint8_t bad[][12] = {
        {2, 1, 9, 0, 1, 'a', 0},               /* version */
        {1, 0, 9, 0, 1, 'a', 0},               /* no item */
        {1, 1, 3 | 8, 0, 1, 'a', 0},           /* language 3 */
        {1, 1, 1, 0, 1, 'a', 0},               /* no provenance */
        {1, 1, 1 | 8 | 32, 0, 1, 'a', 0},      /* unknown flag */
        {1, 1, 1 | 8, 1, 1, 'a', 0},           /* shared on the first */
        {1, 1, 1 | 8, 0, 0, 0},                /* empty term */
        {1, 1, 1 | 8, 0, 2, 'a', 'b'},         /* truncated */
        {1, 1, 1 | 8, 0, 1, 'a', 0x80, 0},     /* overlong count */
        {1, 1, 1 | 8, 0, 3, 'a', ' ', 'b', 0}, /* phrase flag missing */
        {1, 1, 1 | 8 | 4, 0, 1, 'a', 0},       /* phrase flag without space */
        {1, 1, 1 | 8, 0, 1, 'a', 0, 7},        /* trailing byte */
    };
    static const size_t badlen[] = {7, 7, 7, 7, 7, 7, 6, 7, 8, 9, 7, 8};
    for (size_t i = 0; i < N(bad); i++) {
        int r = dict_iter_init(&it, bad[i], badlen[i]);
        if (r == 0)
            while ((r = dict_iter_next(&it, &t)) == 1)
                ;
        if (r != ZOEK_ECORRUPT) fprintf(stderr, "bad value %zu\n", i);
        CHECK(r == ZOEK_ECORRUPT);
    }
    /* two items: order, duplicates, shared prefix not the longest */
    static const uint8_t two[][16] = {
        {1, 2, 9, 0, 1, 'b', 0, 9, 0, 1, 'a', 0},           /* b, a */
        {1, 2, 9, 0, 1, 'a', 0, 9, 1, 0, 0},                /* a, a */
        {1, 2, 9, 0, 2, 'a', 'b', 0, 9, 0, 2, 'a', 'c', 0}, /* shared 0 */
        {1, 2, 10, 0, 1, 'a', 0, 9, 0, 1, 'b', 0},          /* nl, de */
        {1, 2, 9, 0, 2, 'a', 'b', 0, 9, 1, 0, 0},           /* ab, a */
    };
    static const size_t twolen[] = {12, 11, 14, 12, 12};
    for (size_t i = 0; i < N(two); i++) {
        int r = dict_iter_init(&it, two[i], twolen[i]);
        if (r == 0)
            while ((r = dict_iter_next(&it, &t)) == 1)
                ;
        if (r != ZOEK_ECORRUPT) fprintf(stderr, "bad pair %zu\n", i);
        CHECK(r == ZOEK_ECORRUPT);
    }
    /* a term that is a prefix of the previous one in another language */
    static const uint8_t okv[] = {1, 2, 9, 0, 2, 'a', 'b', 0, 10, 1, 0, 0};
    int r = dict_iter_init(&it, okv, sizeof okv);
    CHECK(r == 0 && dict_iter_next(&it, &t) == 1);
    CHECK(dict_iter_next(&it, &t) == 1 && t.len == 1 && t.lang == 2);
    CHECK(dict_iter_next(&it, &t) == 0);
    CHECK_RC(dict_iter_init(&it, NULL, 0), ZOEK_ECORRUPT);

    /* the encoder refuses what the decoder would */
    size_t keep = b.len;
    dict_tr x[2] = {in[1], in[0]};
    CHECK_RC(dict_value_encode(x, 2, &b), ZOEK_EINVAL);
    x[0] = in[0];
    CHECK_RC(dict_value_encode(x, 2, &b), ZOEK_EINVAL); /* duplicate */
    CHECK_RC(dict_value_encode(x, 0, &b), ZOEK_EINVAL);
    x[0].count = 0;
    CHECK_RC(dict_value_encode(x, 1, &b), ZOEK_EINVAL);
    x[0] = in[2];
    x[0].flags = DICT_TR_FWD;
    CHECK_RC(dict_value_encode(x, 1, &b), ZOEK_EINVAL);
    x[0] = in[0];
    x[0].flags = DICT_TR_PHRASE;
    CHECK_RC(dict_value_encode(x, 1, &b), ZOEK_EINVAL);
    dict_tr sp = {"a  b", 4, 1, 0, DICT_TR_FWD | DICT_TR_PHRASE};
    CHECK_RC(dict_value_encode(&sp, 1, &b), ZOEK_EINVAL);
    dict_tr five = {"a b c d e", 9, 1, 0, DICT_TR_FWD | DICT_TR_PHRASE};
    CHECK_RC(dict_value_encode(&five, 1, &b), ZOEK_EINVAL);
    dict_tr ctl = {"a\tb", 3, 1, 0, DICT_TR_FWD};
    CHECK_RC(dict_value_encode(&ctl, 1, &b), ZOEK_EINVAL);
    dict_tr utf = {"\xc3", 1, 1, 0, DICT_TR_FWD};
    CHECK_RC(dict_value_encode(&utf, 1, &b), ZOEK_EINVAL);
    dict_tr lang = {"a", 1, 1, 3, DICT_TR_FWD};
    CHECK_RC(dict_value_encode(&lang, 1, &b), ZOEK_EINVAL);
    CHECK(b.len == keep);
    zk_buf_free(&b);

    uint8_t key[DICT_KEY_MAX];
    CHECK(dict_key(ZK_LANG_DE, "zug", 3, key) == 4);
    CHECK(key[0] == ZK_LANG_DE && !memcmp(key + 1, "zug", 3));
    CHECK(dict_key(3, "zug", 3, key) == 0);
    CHECK(dict_key(0, "zug", 0, key) == 0);
}

static void test_serialize(void) {
    dict_raw *r[6];
    size_t n = real_raws(r);
    dict_compiled *dc = compile_raws(r, n, NULL);
    zk_buf s = {0};
    CHECK_OK(dict_serialize(dc, &s));
    dict_compiled *back;
    char err[128];
    CHECK_OK(dict_load(s.p, s.len, &back, err, sizeof err));
    CHECK(dict_count(back) == dict_count(dc));
    zk_buf s2 = {0};
    CHECK_OK(dict_serialize(back, &s2));
    CHECK(s2.len == s.len && !memcmp(s.p, s2.p, s.len));
    const uint8_t *v1, *v2;
    size_t l1, l2;
    CHECK_OK(dict_find(back, ZK_LANG_EN, "export", 6, &v1, &l1));
    CHECK_OK(dict_find(dc, ZK_LANG_EN, "export", 6, &v2, &l2));
    CHECK(l1 == l2 && !memcmp(v1, v2, l1));
    dict_compiled_free(back);

    /* any flipped bit or truncation is caught */
    int ok = 1;
    for (size_t i = 0; i < s.len; i++) {
        s.p[i] ^= 0x10;
        ok &= dict_load(s.p, s.len, &back, err, sizeof err) == ZOEK_ECORRUPT &&
              back == NULL && err[0];
        s.p[i] ^= 0x10;
    }
    for (size_t len = 0; len < s.len; len++)
        ok &= dict_load(s.p, len, &back, NULL, 0) == ZOEK_ECORRUPT;
    CHECK(ok);
    /* another analyzer version: rebuild required */
    s.p[7] ^= 1;
    zk_put_le64(s.p + s.len - 8, zk_hash64(s.p, s.len - 8, 0x5a));
    CHECK_RC(dict_load(s.p, s.len, &back, err, sizeof err), ZOEK_EVERSION);
    s.p[7] ^= 1;
    /* a key out of order behind a valid checksum: the last one claims to
     * be English */
    const char *lk;
    size_t lkl, lvl;
    CHECK_OK(dict_get(dc, dict_count(dc) - 1, NULL, &lk, &lkl, NULL, &lvl));
    CHECK(lkl < 128 && lvl < 128);
    s.p[s.len - 8 - (3 + lkl + lvl)] = ZK_LANG_EN;
    zk_put_le64(s.p + s.len - 8, zk_hash64(s.p, s.len - 8, 0x5a));
    CHECK_RC(dict_load(s.p, s.len, &back, err, sizeof err), ZOEK_ECORRUPT);
    CHECK_STR(err, "keys out of order");

    /* an empty set */
    dict_compiler *c;
    CHECK_OK(dict_compiler_new(NULL, &c));
    dict_compiled *e;
    CHECK_OK(dict_compiler_finish(c, &e));
    CHECK(dict_count(e) == 0);
    s.len = 0;
    CHECK_OK(dict_serialize(e, &s));
    CHECK(s.len == 32);
    CHECK_OK(dict_load(s.p, s.len, &back, NULL, 0));
    CHECK(dict_count(back) == 0);
    CHECK_RC(dict_find(back, 0, "a", 1, &v1, &l1), ZOEK_ENOTFOUND);
    dict_compiled_free(back);
    dict_compiled_free(e);
    dict_compiler_free(c);
    dict_compiled_free(NULL);
    dict_compiler_free(NULL);
    dict_raw_free(NULL);

    zk_buf_free(&s);
    zk_buf_free(&s2);
    dict_compiled_free(dc);
    for (size_t i = 0; i < n; i++)
        dict_raw_free(r[i]);
}

/* ------------------------------------------------------------- files */

static void write_file(const char *dir, const char *name, const void *p,
                       size_t len, int gz) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (gz) {
        gzFile g = gzopen(path, "wb");
        if (!g || (len && gzwrite(g, p, (unsigned)len) != (int)len)) exit(2);
        gzclose(g);
    } else {
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(p, 1, len, f) != len) exit(2);
        fclose(f);
    }
}

static const char small_data[] = "\n00-database-short\nsmall\n"
                                 "export /e/\nuitvoer, export\n"
                                 "chips /c/\n1. frieten\n2. chips\n";
/* offsets: meta 1+24, export 25+27, chips 52+30 */
static const char small_index[] = "00databaseshort\tB\tY\n"
                                  "export\tZ\tb\n"
                                  "chips\t0\te\n"
                                  "chip\t0\te\n";

static void test_files(void) {
    char *dir = tmp_dir();
    dict_raw *d;
    char err[512];
    CHECK(strlen(small_data) == 82);
    CHECK_RC(dict_read(dir, "freedict-eng-nld", &d, err, sizeof err),
             ZOEK_ENOTFOUND);
    CHECK(d == NULL && strstr(err, "freedict-eng-nld.index"));
    CHECK_RC(dict_read("/nonexistent/dir", "eng-nld", &d, NULL, 0),
             ZOEK_ENOTFOUND);
    CHECK_RC(dict_read(dir, "freedict-eng-xxx", &d, err, sizeof err),
             ZOEK_EINVAL);
    dict_compiled *dc;
    CHECK_RC(dict_compile_dir(dir, NULL, &dc, err, sizeof err), ZOEK_ENOTFOUND);
    CHECK(dc == NULL && strstr(err, "no FreeDict"));

    write_file(dir, "freedict-eng-nld.index", small_index, strlen(small_index),
               0);
    CHECK_RC(dict_read(dir, "freedict-eng-nld", &d, err, sizeof err),
             ZOEK_ENOTFOUND);
    CHECK(strstr(err, "freedict-eng-nld.dict.dz") != NULL);
    write_file(dir, "freedict-eng-nld.dict.dz", small_data, strlen(small_data),
               1);
    CHECK_OK(dict_read(dir, "freedict-eng-nld", &d, err, sizeof err));
    CHECK_STR(err, "");
    CHECK(d && d->ne == 2 && d->nlines == 4 && d->nmeta == 1 && d->ndup == 1 &&
          d->np == 4);
    static const char *const chips[] = {"0:frieten", "1:chips"};
    CHECK(d && entry_is(d, 1, "chips", chips, N(chips)));
    dict_raw_free(d);
    /* an uncompressed NAME.dict */
    write_file(dir, "freedict-nld-eng.index", small_index, strlen(small_index),
               0);
    write_file(dir, "freedict-nld-eng.dict", small_data, strlen(small_data), 0);
    CHECK_OK(dict_read(dir, "freedict-nld-eng", &d, err, sizeof err));
    CHECK(d && d->ne == 2 && d->src == ZK_LANG_NL);
    dict_raw_free(d);
    CHECK_OK(dict_compile_dir(dir, NULL, &dc, err, sizeof err));
    CHECK(dict_count(dc) > 0);
    const uint8_t *v;
    size_t vl;
    CHECK_OK(dict_find(dc, ZK_LANG_EN, "export", 6, &v, &vl));
    dict_compiled_free(dc);

    /* an entry past the end of the data */
    const char *past = "export\tZ\tb\nchips\t0\tf\n";
    write_file(dir, "freedict-eng-nld.index", past, strlen(past), 0);
    CHECK_RC(dict_read(dir, "freedict-eng-nld", &d, err, sizeof err),
             ZOEK_ECORRUPT);
    CHECK(d == NULL && strstr(err, "freedict-eng-nld.index:2:") &&
          strstr(err, "past the data"));
    /* a malformed index line */
    const char *bad = "export\tZ\tb\nchips 0 c\n";
    write_file(dir, "freedict-eng-nld.index", bad, strlen(bad), 0);
    CHECK_RC(dict_read(dir, "freedict-eng-nld", &d, err, sizeof err),
             ZOEK_EINPUT);
    CHECK_STR(err, "freedict-eng-nld.index:2: no tab after the headword");
    CHECK_RC(dict_compile_dir(dir, NULL, &dc, err, sizeof err), ZOEK_EINPUT);
    CHECK(dc == NULL);
    /* compressed data that does not inflate */
    write_file(dir, "freedict-eng-nld.index", small_index, strlen(small_index),
               0);
    char path[4200];
    snprintf(path, sizeof path, "%s/freedict-eng-nld.dict.dz", dir);
    FILE *f = fopen(path, "rb");
    uint8_t gz[512];
    size_t gzlen = f ? fread(gz, 1, sizeof gz, f) : 0;
    if (f) fclose(f);
    CHECK(gzlen > 20);
    write_file(dir, "freedict-eng-nld.dict.dz", gz, gzlen - 12, 0);
    CHECK_RC(dict_read(dir, "freedict-eng-nld", &d, err, sizeof err),
             ZOEK_ECORRUPT);
    gz[gzlen / 2] ^= 0xff;
    gz[gzlen / 2 + 1] ^= 0x55;
    write_file(dir, "freedict-eng-nld.dict.dz", gz, gzlen, 0);
    CHECK_RC(dict_read(dir, "freedict-eng-nld", &d, err, sizeof err),
             ZOEK_ECORRUPT);
    CHECK(d == NULL && err[0]);
    /* an empty index: a dictionary without entries */
    write_file(dir, "freedict-eng-nld.dict.dz", small_data, strlen(small_data),
               1);
    write_file(dir, "freedict-eng-nld.index", "", 0, 0);
    CHECK_OK(dict_read(dir, "freedict-eng-nld", &d, err, sizeof err));
    CHECK(d && d->ne == 0);
    dict_raw_free(d);
    rm_dir(dir);

    /* dict_parse directly: blank lines, bad language */
    const char *idx = "\n\nexport\tZ\tb\n  \n";
    CHECK_OK(dict_parse(idx, strlen(idx), small_data, strlen(small_data),
                        ZK_LANG_EN, ZK_LANG_NL, NULL, &d, err, sizeof err));
    CHECK(d && d->ne == 1 && d->nlines == 1);
    dict_raw_free(d);
    CHECK_RC(dict_parse(idx, strlen(idx), small_data, strlen(small_data),
                        ZK_LANG_EN, ZK_LANG_EN, NULL, &d, err, sizeof err),
             ZOEK_EINVAL);
    CHECK(d == NULL);
    idx = "x\tB\tB\n\t\t\n";
    CHECK_RC(dict_parse(idx, strlen(idx), small_data, strlen(small_data),
                        ZK_LANG_EN, ZK_LANG_NL, NULL, &d, err, sizeof err),
             ZOEK_EINPUT);
    CHECK_STR(err, "index:2: bad offset");
}

/* --------------------------------------------------- allocation faults */

static long fail_at, nalloc, live;

static void *t_malloc(size_t n, void *ud) {
    (void)ud;
    if (fail_at >= 0 && nalloc++ == fail_at) return NULL;
    void *p = malloc(n + 16);
    if (!p) return NULL;
    live++;
    return (char *)p + 16;
}
static void *t_realloc(void *p, size_t n, void *ud) {
    (void)ud;
    if (!p) return t_malloc(n, ud);
    if (fail_at >= 0 && nalloc++ == fail_at) return NULL;
    void *q = realloc((char *)p - 16, n + 16);
    return q ? (char *)q + 16 : NULL;
}
static void t_free(void *p, void *ud) {
    (void)ud;
    if (!p) return;
    live--;
    free((char *)p - 16);
}

/* Parse, compile, serialise and load with every allocation failing in
 * turn: each run ends in ZOEK_ENOMEM or success, and frees everything. */
static int oom_run(void) {
    static const char *const ed[] = {eng_deu_export, eng_deu_chips};
    static const char *const ne[] = {nld_eng_beperking};
    dict_raw *r[2] = {NULL, NULL};
    dict_compiler *c = NULL;
    dict_compiled *dc = NULL, *back = NULL;
    zk_buf s = {0};
    int rc;
    char err[128];
    const char *idx = "export\tZ\tb\nchips\t0\te\n";
    if ((rc = dict_parse(idx, strlen(idx), small_data, strlen(small_data),
                         ZK_LANG_EN, ZK_LANG_NL, NULL, &r[0], err,
                         sizeof err)))
        goto out;
    dict_raw_free(r[0]);
    r[0] = NULL;
    if ((rc = dict_raw_new(ZK_LANG_EN, ZK_LANG_DE, &r[0]))) goto out;
    for (size_t i = 0; i < 2; i++)
        if ((rc = dict_parse_entry(r[0], ed[i], strlen(ed[i])))) goto out;
    if ((rc = dict_raw_new(ZK_LANG_NL, ZK_LANG_EN, &r[1]))) goto out;
    if ((rc = dict_parse_entry(r[1], ne[0], strlen(ne[0])))) goto out;
    if ((rc = dict_compiler_new(NULL, &c))) goto out;
    for (size_t i = 0; i < 2; i++)
        if ((rc = dict_compiler_add(c, r[i], NULL))) goto out;
    if ((rc = dict_compiler_finish(c, &dc))) goto out;
    if ((rc = dict_serialize(dc, &s))) goto out;
    if ((rc = dict_load(s.p, s.len, &back, err, sizeof err))) goto out;
    rc = dict_count(back) == dict_count(dc) ? 0 : -100;
out:
    dict_compiled_free(back);
    dict_compiled_free(dc);
    dict_compiler_free(c);
    dict_raw_free(r[0]);
    dict_raw_free(r[1]);
    zk_buf_free(&s);
    return rc;
}

static void test_oom(void) {
    zoek_allocator al = {t_malloc, t_realloc, t_free, NULL};
    zoek_set_allocator(&al);
    int ok = 1, n;
    for (n = 0; n < 100000; n++) {
        fail_at = n;
        nalloc = 0;
        live = 0;
        int rc = oom_run();
        if (live != 0 || (rc != 0 && rc != ZOEK_ENOMEM)) {
            fprintf(stderr, "oom at %d: rc %d, %ld blocks leaked\n", n, rc,
                    live);
            ok = 0;
        }
        if (rc == 0) break;
    }
    zoek_set_allocator(NULL);
    CHECK(ok);
    CHECK(n > 20 && n < 100000);

    /* a failed entry leaves the dictionary as it was */
    zoek_set_allocator(&al);
    fail_at = -1;
    dict_raw *d;
    CHECK_OK(dict_raw_new(ZK_LANG_EN, ZK_LANG_NL, &d));
    CHECK_OK(
        dict_parse_entry(d, eng_nld_restriction, strlen(eng_nld_restriction)));
    size_t ne = d->ne, np = d->np, tl = d->text.len;
    ok = 1;
    for (n = 0; n < 1000; n++) {
        fail_at = n;
        nalloc = 0;
        int rc = dict_parse_entry(d, eng_nld_guard, strlen(eng_nld_guard));
        if (rc == 0) break;
        ok &= rc == ZOEK_ENOMEM && d->ne == ne && d->np == np &&
              d->text.len == tl;
    }
    fail_at = -1;
    CHECK(ok && n > 0 && n < 1000);
    CHECK(d->ne == ne + 1 && d->e[ne].n == 18 && d->e[ne].first == np &&
          d->p[np].len == 8 &&
          !memcmp(dict_phrase_text(d, &d->p[np]), "behoeden", 8));
    dict_raw_free(d);
    CHECK(live == 0);
    zoek_set_allocator(NULL);
}

/* ------------------------------------------- the installed dictionaries */

static int installed(void) {
    char path[256];
    struct stat st;
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s/%s.index", DICTD,
                 dict_freedict_names[i]);
        if (stat(path, &st) != 0) return 0;
    }
    return 1;
}

/* The entries of d with one of the given headwords, as a new dictionary. */
static dict_raw *subset(const dict_raw *d, const char *const *heads, size_t n) {
    dict_raw *s;
    if (dict_raw_new(d->src, d->dst, &s)) exit(2);
    for (size_t i = 0; i < d->ne; i++) {
        const dict_entry *e = &d->e[i];
        for (size_t j = 0; j < n; j++) {
            if (e->head_len != strlen(heads[j]) ||
                memcmp(dict_head(d, e), heads[j], e->head_len))
                continue;
            /* rebuild the entry text: head, then one line per sense */
            zk_buf t = {0};
            zk_buf_put(&t, dict_head(d, e), e->head_len);
            for (uint32_t k = 0; k < e->n; k++) {
                const dict_phrase *p = &d->p[e->first + k];
                if (k == 0 || p->sense != p[-1].sense)
                    zk_buf_printf(&t, "\n%u. ", p->sense + 1);
                else
                    zk_buf_put(&t, ", ", 2);
                zk_buf_put(&t, dict_phrase_text(d, p), p->len);
            }
            zk_buf_putc(&t, '\n');
            if (dict_parse_entry(s, (const char *)t.p, t.len)) exit(2);
            zk_buf_free(&t);
        }
    }
    return s;
}

static void test_installed(void) {
    if (!installed()) {
        printf("test_dict: skipping the installed-dictionary checks: "
               "FreeDict packages not found in %s (apt-get install "
               "dict-freedict-eng-deu dict-freedict-deu-eng "
               "dict-freedict-eng-nld dict-freedict-nld-eng "
               "dict-freedict-deu-nld dict-freedict-nld-deu)\n",
               DICTD);
        return;
    }
    static const size_t min_entries[6] = {400000, 400000, 7000,
                                          20000,  12000,  15000};
    dict_raw *r[6];
    char err[256];
    for (int i = 0; i < 6; i++) {
        int rc =
            dict_read(DICTD, dict_freedict_names[i], &r[i], err, sizeof err);
        CHECK_OK(rc);
        if (rc) {
            fprintf(stderr, "%s\n", err);
            r[i] = NULL;
            continue;
        }
        CHECK(r[i]->ne >= min_entries[i] && r[i]->nmeta == 6);
        CHECK(r[i]->np >= r[i]->ne);
    }
    if (!r[0] || !r[1] || !r[2] || !r[3] || !r[4] || !r[5]) goto out;
    /* the large ones: a few headwords; the small ones: whole */
    static const char *const en[] = {"export", "exports", "chip", "chips"};
    static const char *const de[] = {"Export", "Exportbeschränkung", "Chip"};
    dict_raw *all[6] = {subset(r[0], en, N(en)),
                        subset(r[1], de, N(de)),
                        r[2],
                        r[3],
                        r[4],
                        r[5]};
    dict_compiled *dc = compile_raws(all, 6, NULL);
    analyzer *a;
    CHECK_OK(analyzer_new(&a, AN_CACHE_QUERY));
    const int EN = ZK_LANG_EN, DE = ZK_LANG_DE, NL = ZK_LANG_NL;
    dict_tr t;
    CHECK(lookup(a, dc, EN, "exports", DE, "export", &t) == 1);
    CHECK(lookup(a, dc, EN, "exports", DE, "ausfuhr", &t) == 1);
    CHECK(t.count >= 2 && (t.flags & DICT_TR_FWD));
    CHECK(lookup(a, dc, EN, "chips", DE, "chips", &t) == 1);
    /* German "Chip" (stem "chip") translates only "semiconductor chip",
     * "silicon chip", "microchip" */
    CHECK(lookup(a, dc, EN, "chips", DE, "chip", &t) == 0);
    CHECK(lookup(a, dc, EN, "silicon chips", DE, "chip", &t) == 1);
    CHECK(lookup(a, dc, EN, "export restrictions", DE, "exportbeschrank", &t) ==
          1);
    CHECK(lookup(a, dc, NL, "beperkingen", EN, "restrict", &t) == 1);
    CHECK(lookup(a, dc, NL, "beperkingen", EN, "limit", &t) == 1);
    CHECK(lookup(a, dc, NL, "beperkingen", DE, "beschrank", &t) == 1);
    CHECK(lookup(a, dc, EN, "trains", NL, "trein", &t) == 1);
    CHECK(lookup(a, dc, DE, "Züge", NL, "trein", &t) == 1);
    CHECK(lookup(a, dc, NL, "uitvoer", EN, "export", &t) == 1);
    CHECK(lookup(a, dc, NL, "uitvoer", DE, "ausfuhr", &t) == 1);
    analyzer_free(a);
    dict_compiled_free(dc);
    dict_raw_free(all[0]);
    dict_raw_free(all[1]);
out:
    for (int i = 0; i < 6; i++)
        dict_raw_free(r[i]);
}

int main(void) {
    test_b64();
    test_index_line();
    test_langs();
    test_entries_ding();
    test_entries_ergane();
    test_entries_odd();
    test_compile_real();
    test_deterministic();
    test_values();
    test_serialize();
    test_files();
    test_oom();
    test_installed();
    return check_summary("test_dict");
}
