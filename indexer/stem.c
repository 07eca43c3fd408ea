/* stem.c - libstemmer wrapper: one sb_stemmer per language per thread, and
 * the stemmer fingerprint stored in every index. */
#include "stem.h"

#include <libstemmer.h>

static const char *const algo[3] = {"english", "german", "dutch"};

struct stemmer {
    struct sb_stemmer *sb[3]; /* per ZK_LANG_* */
};

int stemmer_new(stemmer **out) {
    *out = NULL;
    stemmer *s = zk_calloc(1, sizeof *s);
    if (!s) return ZOEK_ENOMEM;
    for (int i = 0; i < 3; i++) {
        s->sb[i] = sb_stemmer_new(algo[i], "UTF_8");
        if (!s->sb[i]) {
            stemmer_free(s);
            return ZOEK_ENOMEM;
        }
    }
    *out = s;
    return 0;
}

void stemmer_free(stemmer *s) {
    if (!s) return;
    for (int i = 0; i < 3; i++)
        if (s->sb[i]) sb_stemmer_delete(s->sb[i]);
    zk_free(s);
}

const char *stemmer_stem(stemmer *s, int lang, const char *w, size_t len,
                         size_t *outlen) {
    if (lang < 0 || lang > 2 || len > 1024) return NULL;
    const sb_symbol *r =
        sb_stemmer_stem(s->sb[lang], (const sb_symbol *)w, (int)len);
    if (!r) return NULL;
    *outlen = (size_t)sb_stemmer_length(s->sb[lang]);
    return (const char *)r;
}

/* Words whose stems changed between Snowball releases or exercise many
 * rules; any change in libstemmer shows up in their stems. */
static const char *const fp_words[3][16] = {
    {"running", "generously", "national", "conditional", "happiness",
     "hopefulness", "relational", "agreed", "sensibility", "dying",
     "skies", "news", "gently", "communism", "proceeding", "exceedingly"},
    {"häuser", "aufeinanderfolgenden", "beschränkungen", "kategorisch",
     "lieblichsten", "aktuellen", "mädchen", "verhältnismäßig",
     "gesprochen", "zwischenzeitlich", "heiterkeit", "eigentümlich",
     "erkundigungen", "mitteilungen", "großen", "schönheit"},
    {"gesmokkeld", "lichamelijke", "opgaven", "beweringen", "ideeën",
     "mogelijkheden", "vriendelijkheid", "kunstmatige", "boeken",
     "maatregelen", "huizen", "koninkrijk", "ontwikkelingen", "gelukkig",
     "heerlijkheid", "verzekeringen"},
};

int stemmer_fingerprint(uint64_t *out) {
    stemmer *s;
    int rc = stemmer_new(&s);
    if (rc) return rc;
    uint64_t h = 0x7a6f656b;
    for (int l = 0; l < 3; l++) {
        for (int i = 0; i < 16; i++) {
            size_t n;
            const char *w = fp_words[l][i];
            const char *r = stemmer_stem(s, l, w, strlen(w), &n);
            if (!r) {
                stemmer_free(s);
                return ZOEK_ENOMEM;
            }
            h = zk_hash64(r, n, h);
        }
    }
    stemmer_free(s);
    *out = h;
    return 0;
}
