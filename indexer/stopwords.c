/* stopwords.c - the Snowball stopword lists for English, German and Dutch. */
#include "stopwords.h"

/*
 * The lists published with the Snowball stemmers (snowballstem.org,
 * BSD licence: Copyright (c) 2001, Dr Martin Porter; Copyright (c) 2002,
 * Richard Boulton), in lower-case NFC UTF-8 and their natural spelling.
 * German lists both the old "daß" of the source and the current "dass".
 * Each list is sorted by strcmp() (UTF-8 byte order) and has no duplicates.
 */

static const char *const stop_en[] = {
    "a",          "about",     "above",     "after",   "again",    "against",
    "all",        "am",        "an",        "and",     "any",      "are",
    "aren't",     "as",        "at",        "be",      "because",  "been",
    "before",     "being",     "below",     "between", "both",     "but",
    "by",         "can't",     "cannot",    "could",   "couldn't", "did",
    "didn't",     "do",        "does",      "doesn't", "doing",    "don't",
    "down",       "during",    "each",      "few",     "for",      "from",
    "further",    "had",       "hadn't",    "has",     "hasn't",   "have",
    "haven't",    "having",    "he",        "he'd",    "he'll",    "he's",
    "her",        "here",      "here's",    "hers",    "herself",  "him",
    "himself",    "his",       "how",       "how's",   "i",        "i'd",
    "i'll",       "i'm",       "i've",      "if",      "in",       "into",
    "is",         "isn't",     "it",        "it's",    "its",      "itself",
    "let's",      "me",        "more",      "most",    "mustn't",  "my",
    "myself",     "no",        "nor",       "not",     "of",       "off",
    "on",         "once",      "only",      "or",      "other",    "ought",
    "our",        "ours",      "ourselves", "out",     "over",     "own",
    "same",       "shan't",    "she",       "she'd",   "she'll",   "she's",
    "should",     "shouldn't", "so",        "some",    "such",     "than",
    "that",       "that's",    "the",       "their",   "theirs",   "them",
    "themselves", "then",      "there",     "there's", "these",    "they",
    "they'd",     "they'll",   "they're",   "they've", "this",     "those",
    "through",    "to",        "too",       "under",   "until",    "up",
    "very",       "was",       "wasn't",    "we",      "we'd",     "we'll",
    "we're",      "we've",     "were",      "weren't", "what",     "what's",
    "when",       "when's",    "where",     "where's", "which",    "while",
    "who",        "who's",     "whom",      "why",     "why's",    "with",
    "won't",      "would",     "wouldn't",  "you",     "you'd",    "you'll",
    "you're",     "you've",    "your",      "yours",   "yourself", "yourselves",
};

static const char *const stop_de[] = {
    "aber",      "alle",      "allem",    "allen",     "aller",     "alles",
    "als",       "also",      "am",       "an",        "ander",     "andere",
    "anderem",   "anderen",   "anderer",  "anderes",   "anderm",    "andern",
    "anderr",    "anders",    "auch",     "auf",       "aus",       "bei",
    "bin",       "bis",       "bist",     "da",        "damit",     "dann",
    "das",       "dass",      "dasselbe", "dazu",      "daß",       "dein",
    "deine",     "deinem",    "deinen",   "deiner",    "deines",    "dem",
    "demselben", "den",       "denn",     "denselben", "der",       "derer",
    "derselbe",  "derselben", "des",      "desselben", "dessen",    "dich",
    "die",       "dies",      "diese",    "dieselbe",  "dieselben", "diesem",
    "diesen",    "dieser",    "dieses",   "dir",       "doch",      "dort",
    "du",        "durch",     "ein",      "eine",      "einem",     "einen",
    "einer",     "eines",     "einig",    "einige",    "einigem",   "einigen",
    "einiger",   "einiges",   "einmal",   "er",        "es",        "etwas",
    "euch",      "euer",      "eure",     "eurem",     "euren",     "eurer",
    "eures",     "für",       "gegen",    "gewesen",   "hab",       "habe",
    "haben",     "hat",       "hatte",    "hatten",    "hier",      "hin",
    "hinter",    "ich",       "ihm",      "ihn",       "ihnen",     "ihr",
    "ihre",      "ihrem",     "ihren",    "ihrer",     "ihres",     "im",
    "in",        "indem",     "ins",      "ist",       "jede",      "jedem",
    "jeden",     "jeder",     "jedes",    "jene",      "jenem",     "jenen",
    "jener",     "jenes",     "jetzt",    "kann",      "kein",      "keine",
    "keinem",    "keinen",    "keiner",   "keines",    "können",    "könnte",
    "machen",    "man",       "manche",   "manchem",   "manchen",   "mancher",
    "manches",   "mein",      "meine",    "meinem",    "meinen",    "meiner",
    "meines",    "mich",      "mir",      "mit",       "muss",      "musste",
    "nach",      "nicht",     "nichts",   "noch",      "nun",       "nur",
    "ob",        "oder",      "ohne",     "sehr",      "sein",      "seine",
    "seinem",    "seinen",    "seiner",   "seines",    "selbst",    "sich",
    "sie",       "sind",      "so",       "solche",    "solchem",   "solchen",
    "solcher",   "solches",   "soll",     "sollte",    "sondern",   "sonst",
    "um",        "und",       "uns",      "unse",      "unsem",     "unsen",
    "unser",     "unses",     "unter",    "viel",      "vom",       "von",
    "vor",       "war",       "waren",    "warst",     "was",       "weg",
    "weil",      "weiter",    "welche",   "welchem",   "welchen",   "welcher",
    "welches",   "wenn",      "werde",    "werden",    "wie",       "wieder",
    "will",      "wir",       "wird",     "wirst",     "wo",        "wollen",
    "wollte",    "während",   "würde",    "würden",    "zu",        "zum",
    "zur",       "zwar",      "zwischen", "über",
};

static const char *const stop_nl[] = {
    "aan",   "al",     "alles",  "als",    "altijd", "andere",  "ben",
    "bij",   "daar",   "dan",    "dat",    "de",     "der",     "deze",
    "die",   "dit",    "doch",   "doen",   "door",   "dus",     "een",
    "eens",  "en",     "er",     "ge",     "geen",   "geweest", "haar",
    "had",   "heb",    "hebben", "heeft",  "hem",    "het",     "hier",
    "hij",   "hoe",    "hun",    "iemand", "iets",   "ik",      "in",
    "is",    "ja",     "je",     "kan",    "kon",    "kunnen",  "maar",
    "me",    "meer",   "men",    "met",    "mij",    "mijn",    "moet",
    "na",    "naar",   "niet",   "niets",  "nog",    "nu",      "of",
    "om",    "omdat",  "onder",  "ons",    "ook",    "op",      "over",
    "reeds", "te",     "tegen",  "toch",   "toen",   "tot",     "u",
    "uit",   "uw",     "van",    "veel",   "voor",   "want",    "waren",
    "was",   "wat",    "werd",   "wezen",  "wie",    "wil",     "worden",
    "wordt", "zal",    "ze",     "zelf",   "zich",   "zij",     "zijn",
    "zo",    "zonder", "zou",
};

const char *const *stopwords_list(int lang, size_t *n) {
    const char *const *list;
    size_t count;

    switch (lang) {
    case ZK_LANG_EN:
        list = stop_en;
        count = sizeof stop_en / sizeof stop_en[0];
        break;
    case ZK_LANG_DE:
        list = stop_de;
        count = sizeof stop_de / sizeof stop_de[0];
        break;
    case ZK_LANG_NL:
        list = stop_nl;
        count = sizeof stop_nl / sizeof stop_nl[0];
        break;
    default:
        list = NULL;
        count = 0;
        break;
    }
    if (n) *n = count;
    return list;
}

/* Question words the Snowball lists leave out for German and Dutch while
 * the English list has its counterparts (which, when, where, why, how
 * many): in questions they carry no topic.  And the inflected forms of
 * German viel and Dutch veel, which the lists have uninflected: "wie
 * viele" is the spelling of "wieviele" since 1996. */
static const char *const extra_de[] = {
    "viele", "vielem",  "vielen", "vieler", "vieles",  "wann",
    "warum", "weshalb", "wer",    "wieso",  "wieviel", "wieviele"};
static const char *const extra_nl[] = {"hoeveel", "vele",    "velen", "waar",
                                       "waarom",  "wanneer", "welk",  "welke"};

const char *const *stopwords_extra(int lang, size_t *n) {
    switch (lang) {
    case ZK_LANG_DE:
        *n = sizeof extra_de / sizeof extra_de[0];
        return extra_de;
    case ZK_LANG_NL:
        *n = sizeof extra_nl / sizeof extra_nl[0];
        return extra_nl;
    default:
        *n = 0;
        return NULL;
    }
}
