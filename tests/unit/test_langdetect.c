/* test_langdetect.c - unit tests of the stopword lists and the detector. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "langdetect.h"
#include "stopwords.h"

/* Folds one word the way the analyzer does for the cases that occur here:
 * ASCII and the Latin-1 capitals À-Þ to lower case, ß to "ss".  Returns
 * the folded length (out holds at least len bytes). */
static size_t fold_word(const char *w, size_t len, char *out) {
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 'A' && c <= 'Z') {
            out[n++] = (char)(c + 32);
        } else if (c == 0xc3 && i + 1 < len) {
            unsigned char d = (unsigned char)w[++i];
            if (d == 0x9f) { /* ß */
                out[n++] = 's';
                out[n++] = 's';
                continue;
            }
            if (d >= 0x80 && d <= 0x9e && d != 0x97) /* À-Þ but × */
                d += 0x20;
            out[n++] = (char)c;
            out[n++] = (char)d;
        } else {
            out[n++] = (char)c;
        }
    }
    return n;
}

/* Splits text on everything but ASCII letters, digits and UTF-8
 * sequences, folds each word and feeds it. */
static void feed(langdetect *ld, const char *text) {
    const char *p = text;

    while (*p) {
        const char *s = p;
        char buf[256];
        while (*p && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || (*p & 0x80)))
            p++;
        if (p > s && (size_t)(p - s) <= sizeof buf)
            langdetect_word(ld, buf, fold_word(s, (size_t)(p - s), buf));
        if (*p) p++;
    }
}

/* The language detected for text, with its confidence. */
static int detect(const char *text, double *conf) {
    langdetect ld;

    langdetect_reset(&ld);
    feed(&ld, text);
    return langdetect_best(&ld, conf);
}

static int contains(const char *const *list, size_t n, const char *w) {
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(list[i], w) == 0) return 1;
    return 0;
}

static void test_stopwords(void) {
    static const int langs[3] = {ZK_LANG_EN, ZK_LANG_DE, ZK_LANG_NL};
    const char *const *list;
    size_t n, i;
    int k;

    for (k = 0; k < 3; k++) {
        list = stopwords_list(langs[k], &n);
        CHECK(list != NULL);
        CHECK(n >= 100);
        if (!list) continue;
        for (i = 0; i < n; i++) {
            const char *w = list[i];
            CHECK(w != NULL && w[0] != 0);
            CHECK(strpbrk(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZ ") == NULL);
            if (i > 0) /* sorted, hence duplicate-free */
                CHECK(strcmp(list[i - 1], w) < 0);
        }
    }
    list = stopwords_list(ZK_LANG_EN, &n);
    CHECK(n == 174);
    CHECK(contains(list, n, "the"));
    CHECK(contains(list, n, "yourselves"));
    CHECK(contains(list, n, "don't"));
    CHECK(!contains(list, n, "will"));
    list = stopwords_list(ZK_LANG_DE, &n);
    CHECK(n == 232);
    CHECK(contains(list, n, "und"));
    CHECK(contains(list, n, "für"));
    CHECK(contains(list, n, "über"));
    CHECK(contains(list, n, "würde"));
    CHECK(contains(list, n, "dass"));
    CHECK(contains(list, n, "daß"));
    list = stopwords_list(ZK_LANG_NL, &n);
    CHECK(n == 101);
    CHECK(contains(list, n, "het"));
    CHECK(contains(list, n, "een"));
    CHECK(contains(list, n, "zijn"));

    n = 99;
    CHECK(stopwords_list(ZK_LANG_AUTO, &n) == NULL);
    CHECK(n == 0);
    CHECK(stopwords_list(3, &n) == NULL);
}

/* Every stopword, fed alone, counts as one word and one stopword: this
 * also checks that the detector's word table finds each of them. */
static void test_stopwords_known(void) {
    int lang;

    for (lang = ZK_LANG_EN; lang <= ZK_LANG_NL; lang++) {
        size_t n, i;
        const char *const *list = stopwords_list(lang, &n);
        for (i = 0; list && i < n; i++) {
            langdetect ld;
            char buf[64];
            size_t len = fold_word(list[i], strlen(list[i]), buf);
            langdetect_reset(&ld);
            langdetect_word(&ld, buf, len);
            if (ld.nwords != 1 || ld.nstop != 1)
                fprintf(stderr, "stopword not known: %s\n", list[i]);
            CHECK(ld.nwords == 1 && ld.nstop == 1);
        }
    }
}

static const char *const english[] = {
    ("The government said on Tuesday that it would raise taxes next year, "
     "despite strong opposition from business groups."),
    "Shares in the company fell sharply after the announcement.",
    "Where is the nearest train station?",
    "What did she say about it?",
    "He was born in a small village near the coast.",
    "Why do cats sleep so much?",
    "Scientists have found water on the moon.",
};

static const char *const german[] = {
    ("Die Regierung hat am Dienstag angekündigt, die Steuern im nächsten "
     "Jahr trotz heftiger Kritik der Wirtschaft zu erhöhen."),
    "Wie viele Menschen leben in Berlin?",
    "Das Spiel wurde wegen Regen abgesagt.",
    "Ich weiß nicht, was er damit meint.",
    "Die Straße bleibt für den Verkehr gesperrt.",
    "Warum schlafen Katzen so viel?",
    ("Der Trainer von Manchester United sagte, dass Cristiano Ronaldo am "
     "Samstag nicht spielen wird."),
    "Apple und Google haben neue Smartphones vorgestellt.",
    "Wer gewann den Super Bowl?",
};

static const char *const dutch[] = {
    ("De regering heeft dinsdag bekendgemaakt dat de belastingen volgend "
     "jaar omhoog gaan, ondanks felle kritiek uit het bedrijfsleven."),
    "Hoeveel mensen wonen er in Amsterdam?",
    "Het is vandaag erg koud.",
    "Ik weet niet wat hij bedoelt.",
    "Vrijwel iedereen was het eens over de ideeën van de minister.",
    "Waarom slapen katten zo veel?",
    ("De nieuwe film van Steven Spielberg met Tom Hanks is vanaf donderdag "
     "in de bioscoop te zien."),
    "Apple en Google hebben nieuwe smartphones gepresenteerd.",
    "Wie won de Super Bowl?",
};

static void check_all(const char *const *texts, size_t n, int want) {
    size_t i;

    for (i = 0; i < n; i++) {
        double conf = -1;
        int got = detect(texts[i], &conf);
        if (got != want)
            fprintf(stderr, "detected %d, expected %d: %s\n", got, want,
                    texts[i]);
        CHECK(got == want);
        CHECK(conf > 0 && conf <= 1);
    }
}

static void test_detect(void) {
    check_all(english, sizeof english / sizeof english[0], ZK_LANG_EN);
    check_all(german, sizeof german / sizeof german[0], ZK_LANG_DE);
    check_all(dutch, sizeof dutch / sizeof dutch[0], ZK_LANG_NL);
}

static void test_no_evidence(void) {
    langdetect ld;
    double conf = 1;

    memset(&ld, 0, sizeof ld); /* zero-initialised is valid */
    CHECK(langdetect_best(&ld, &conf) == -1);
    CHECK(conf == 0);
    CHECK(langdetect_best(&ld, NULL) == -1);

    CHECK(detect("", &conf) == -1);
    CHECK(conf == 0);
    CHECK(detect("   ,;. -- !?", &conf) == -1);
    CHECK(detect("2024 1 000 000 3,5 42 07:30 1.5e6", &conf) == -1);
    CHECK(conf == 0);

    langdetect_reset(&ld);
    langdetect_word(&ld, "", 0);
    langdetect_word(&ld, "2024", 4);
    langdetect_word(&ld, "covid19", 7);
    langdetect_word(&ld, "\xd9\xa3", 2); /* Arabic-Indic digit three */
    langdetect_word(&ld, "-", 1);
    CHECK(ld.nwords == 0);
    CHECK(ld.nstop == 0);
    CHECK(langdetect_best(&ld, &conf) == -1);
}

static void test_confidence(void) {
    double c_long = 0, c_short = 0, c_mid = 0;

    CHECK(detect(german[0], &c_long) == ZK_LANG_DE);
    CHECK(detect("die Steuern steigen", &c_short) == ZK_LANG_DE);
    CHECK(detect("die Steuern steigen im nächsten Jahr", &c_mid) ==
          ZK_LANG_DE);
    CHECK(c_long > c_mid);
    CHECK(c_mid > c_short);
    CHECK(c_long >= 0.5 && c_long <= 1);
    CHECK(c_short > 0 && c_short < c_long);

    CHECK(detect(dutch[0], &c_long) == ZK_LANG_NL);
    CHECK(detect("de belastingen stijgen", &c_short) == ZK_LANG_NL);
    CHECK(c_long > c_short && c_long >= 0.5);

    CHECK(detect(english[0], &c_long) == ZK_LANG_EN);
    CHECK(detect("taxes are rising", &c_short) == ZK_LANG_EN);
    CHECK(c_long > c_short && c_long >= 0.5);
}

/* Whether two words give the same evidence. */
static int same_scores(const char *a, const char *b) {
    langdetect la, lb;

    langdetect_reset(&la);
    langdetect_reset(&lb);
    langdetect_word(&la, a, strlen(a));
    langdetect_word(&lb, b, strlen(b));
    return la.nwords == 1 && lb.nwords == 1 &&
           memcmp(la.score, lb.score, sizeof la.score) == 0 &&
           (la.score[0] != 0 || la.score[1] != 0 || la.score[2] != 0);
}

/* Counts and odd input: digits ignored, marks and bad UTF-8 harmless. */
static void test_input(void) {
    langdetect ld;
    char big[3000];
    size_t i;

    langdetect_reset(&ld);
    langdetect_word(&ld, "und", 3);
    langdetect_word(&ld, "2024", 4);
    langdetect_word(&ld, "haus", 4);
    CHECK(ld.nwords == 2);
    CHECK(ld.nstop == 1);
    langdetect_reset(&ld);
    CHECK(ld.nwords == 0 && ld.score[0] == 0 && ld.score[1] == 0);

    /* ß and ĳ fed unfolded weigh as "ss" and "ij". */
    CHECK(same_scores("stra\303\237e", "strasse"));
    CHECK(same_scores("fu\303\237ball", "fussball"));
    CHECK(same_scores("\xc4\xb3sbeer", "ijsbeer"));
    CHECK(same_scores("\xc4\xb2sbeer", "ijsbeer"));

    langdetect_reset(&ld);
    langdetect_word(&ld, "\xff\xfe\x80\xbf", 4);
    langdetect_word(&ld, "\xc3", 1);  /* cut sequence */
    langdetect_word(&ld, "don't", 5); /* mark inside a word */
    langdetect_word(&ld, "o'clock", 7);
    for (i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    langdetect_word(&ld, big, sizeof big);
    for (i = 0; i + 1 < sizeof big; i += 2) {
        big[i] = '\xc3';
        big[i + 1] = '\xa4'; /* ä */
    }
    langdetect_word(&ld, big, sizeof big);
    CHECK(ld.nwords >= 4);
    CHECK(ld.score[0] <= 0 && ld.score[1] <= 0 && ld.score[2] <= 0);
}

int main(void) {
    test_stopwords();
    test_stopwords_known();
    test_detect();
    test_no_evidence();
    test_confidence();
    test_input();
    return check_summary("test_langdetect");
}
