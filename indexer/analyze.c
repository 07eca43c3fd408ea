/* analyze.c - the analysis chain shared by indexing, querying and
 * highlighting, with a per-thread cache from surface word to term. */
#include "analyze.h"

#include "compound.h"
#include "langdetect.h"
#include "normalize.h"
#include "stem.h"
#include "stopwords.h"

/* ------------------------------------------------------------- arenas */

/* Chunked arena: strings never move, so pointers into it stay valid until
 * the arena is reset. */
typedef struct arena_blk {
    struct arena_blk *next; /* older block */
    size_t used, cap;       /* bytes used / available in data */
    char data[];            /* the bytes */
} arena_blk;

typedef struct arena {
    arena_blk *head; /* current block */
} arena;

#define ARENA_BLK 65536

static char *arena_alloc(arena *ar, size_t n) {
    arena_blk *b = ar->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > ARENA_BLK ? n : ARENA_BLK;
        arena_blk *nb = zk_malloc(sizeof *nb + cap);
        if (!nb) return NULL;
        nb->next = b;
        nb->used = 0;
        nb->cap = cap;
        ar->head = nb;
        b = nb;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

static char *arena_dup(arena *ar, const char *s, size_t n) {
    char *p = arena_alloc(ar, n ? n : 1);
    if (p && n) memcpy(p, s, n);
    return p;
}

/* Keeps the newest block, frees the rest. */
static void arena_reset(arena *ar) {
    arena_blk *b = ar->head;
    if (!b) return;
    arena_blk *old = b->next;
    while (old) {
        arena_blk *n = old->next;
        zk_free(old);
        old = n;
    }
    b->next = NULL;
    b->used = 0;
}

static void arena_free(arena *ar) {
    arena_reset(ar);
    zk_free(ar->head);
    ar->head = NULL;
}

/* --------------------------------------------------------- word cache */

enum { W_UNKNOWN = 0, W_TERM = 1, W_STOP = 2, W_NONE = 3 };

/* What the chain made of one surface word (or hyphenated token). */
typedef struct wentry {
    uint64_t h;            /* hash of raw */
    langdetect_delta ld;   /* what the word adds to language detection */
    const char *raw;       /* surface bytes */
    const char *fold;      /* language-independent fold (NULL: none) */
    const char *term[3];   /* per language: the term */
    const char *sub[3];    /* per language: compound parts' terms, each
                              NUL-terminated, nsub of them */
    uint16_t rawlen;       /* bytes in raw */
    uint16_t foldlen;      /* bytes in fold */
    uint16_t termlen[3];   /* bytes in term[l] */
    uint8_t state[3];      /* W_* per language */
    uint8_t nsub[3];       /* compound parts per language */
    uint8_t has_ld;        /* ld is filled in (only texts whose language
                              is detected need it) */
    an_memo memo[3];       /* per language: the caller's cell for term */
} wentry;


/* Stopword set of one language: open addressing over folded forms. */
#define STOP_CAP 1024
typedef struct stopset {
    const char *w[STOP_CAP]; /* folded stopwords or NULL */
    uint8_t len[STOP_CAP];   /* their lengths */
} stopset;

/* Probe slot: low hash bits as a tag and the entry index + 1. */
typedef struct wslot {
    uint32_t tag;           /* bits 32..63 of the hash */
    uint32_t idx;           /* entry index + 1, 0 = empty */
} wslot;

struct analyzer {
    stemmer *stem;          /* Snowball stemmers */
    compound *cmp;          /* German and Dutch compound splitting */
    wslot *slots;           /* cap probe slots */
    wentry *cache;          /* entries, in insertion order (max of them) */
    uint32_t cap;           /* slots (a power of two), grown up to cap_max
                               as entries come */
    uint32_t cap_max;       /* slots at most */
    uint32_t max;           /* entries at most before a reset */
    uint32_t used;          /* entries in use */
    wentry **tent;          /* per token of the current text: its entry */
    size_t tentcap;
    arena cache_arena;      /* strings of cached entries */
    arena doc_arena;        /* strings of the current text when the cache
                               is full */
    stopset stop[3];        /* per language */
    arena stop_arena;       /* stopword strings */
    char buf[NORM_BUF];     /* scratch: fold */
    char buf2[NORM_BUF];    /* scratch: language fold */
    char buf3[NORM_BUF * 2];/* scratch: whole compound */
    char rawbuf[NORM_BUF];  /* scratch: abbreviation without dots */
    char stembuf[NORM_BUF]; /* scratch: a Dutch stem, respelled */
    langdetect *para;       /* per-paragraph detectors of the text */
    size_t paracap;         /* allocated detectors */
};

static int stop_insert(stopset *s, arena *ar, const char *w, size_t len) {
    if (len == 0 || len > 255) return 0;
    uint64_t h = zk_hash64(w, len, 7);
    for (uint32_t i = (uint32_t)h & (STOP_CAP - 1);;
         i = (i + 1) & (STOP_CAP - 1)) {
        if (!s->w[i]) {
            s->w[i] = arena_dup(ar, w, len);
            if (!s->w[i]) return ZOEK_ENOMEM;
            s->len[i] = (uint8_t)len;
            return 0;
        }
        if (s->len[i] == len && !memcmp(s->w[i], w, len)) return 0;
    }
}

static int stop_has(const stopset *s, const char *w, size_t len) {
    if (len == 0 || len > 255) return 0;
    uint64_t h = zk_hash64(w, len, 7);
    for (uint32_t i = (uint32_t)h & (STOP_CAP - 1);;
         i = (i + 1) & (STOP_CAP - 1)) {
        if (!s->w[i]) return 0;
        if (s->len[i] == len && !memcmp(s->w[i], w, len)) return 1;
    }
}

static unsigned clamp_bits(unsigned bits) {
    return bits < 6 ? 6 : bits > 24 ? 24 : bits;
}

/* The slot table starts at this many (log2) and doubles while entries
 * come, so a writer that analyses a few articles does not clear a large
 * table first. */
#define CACHE_START_BITS 12

size_t analyzer_cache_bytes(unsigned cache_bits) {
    size_t cap = (size_t)1 << clamp_bits(cache_bits), max = cap / 10 * 7;
    /* while the table doubles, the old one (half the size) is held too */
    return cap * sizeof(wslot) + cap / 2 * sizeof(wslot) +
           max * (sizeof(wentry) + 32);
}

int analyzer_new(analyzer **out, unsigned cache_bits) {
    *out = NULL;
    cache_bits = clamp_bits(cache_bits);
    analyzer *a = zk_calloc(1, sizeof *a);
    if (!a) return ZOEK_ENOMEM;
    a->cap_max = 1u << cache_bits;
    a->cap = 1u << (cache_bits < CACHE_START_BITS ? cache_bits
                                                   : CACHE_START_BITS);
    a->max = a->cap_max / 10 * 7;
    int rc = stemmer_new(&a->stem);
    if (rc) goto fail;
    if ((rc = compound_new(&a->cmp))) goto fail;
    rc = ZOEK_ENOMEM;
    a->slots = zk_calloc(a->cap, sizeof(wslot));
    a->cache = zk_malloc((size_t)a->max * sizeof(wentry));
    if (!a->slots || !a->cache) goto fail;
    for (int l = 0; l < 6; l++) {
        size_t n;
        const char *const *list = l < 3 ? stopwords_list(l, &n)
                                        : stopwords_extra(l - 3, &n);
        for (size_t i = 0; list && i < n; i++) {
            size_t fl = norm_fold_word(list[i], strlen(list[i]), a->buf);
            if (!fl) continue;
            size_t ll = norm_lang_fold(l % 3, a->buf, fl, a->buf2);
            if (!ll) continue;
            if (stop_insert(&a->stop[l % 3], &a->stop_arena, a->buf2, ll))
                goto fail;
        }
    }
    *out = a;
    return 0;
fail:
    analyzer_free(a);
    return rc;
}

void analyzer_free(analyzer *a) {
    if (!a) return;
    stemmer_free(a->stem);
    compound_free(a->cmp);
    zk_free(a->slots);
    zk_free(a->cache);
    zk_free(a->tent);
    arena_free(&a->cache_arena);
    arena_free(&a->doc_arena);
    arena_free(&a->stop_arena);
    zk_free(a->para);
    zk_free(a);
}

void an_out_free(an_out *o) {
    token_list_free(&o->toks);
    zk_free(o->tpos);
    zk_free(o->tlang);
    zk_free(o->terms);
    memset(o, 0, sizeof *o);
}

int analyzer_is_stop(analyzer *a, int lang, const char *w, size_t len) {
    if (lang < 0 || lang > 2) return 0;
    return stop_has(&a->stop[lang], w, len);
}

size_t analyzer_cache_entries(const analyzer *a) { return a->used; }

void analyzer_clear_cache(analyzer *a) {
    memset(a->slots, 0, (size_t)a->cap * sizeof(wslot));
    a->used = 0;
    arena_reset(&a->cache_arena);
}

/* Byte equality without a call for short strings. */
static inline int same_bytes(const char *x, const char *y, size_t n) {
    while (n >= 8) {
        uint64_t u, v;
        memcpy(&u, x, 8);
        memcpy(&v, y, 8);
        if (u != v) return 0;
        x += 8;
        y += 8;
        n -= 8;
    }
    while (n--)
        if (*x++ != *y++) return 0;
    return 1;
}

/* Doubles the slot table and places the entries again (by the hash each
 * keeps).  Returns 0 or ZOEK_ENOMEM (the table unchanged). */
static int grow_slots(analyzer *a) {
    uint32_t cap = a->cap * 2, mask = cap - 1;
    wslot *ns = zk_calloc(cap, sizeof(wslot));
    if (!ns) return ZOEK_ENOMEM;
    for (uint32_t k = 0; k < a->used; k++) {
        uint64_t h = a->cache[k].h;
        uint32_t i = (uint32_t)h & mask;
        while (ns[i].idx) i = (i + 1) & mask;
        ns[i].tag = (uint32_t)(h >> 32);
        ns[i].idx = k + 1;
    }
    zk_free(a->slots);
    a->slots = ns;
    a->cap = cap;
    return 0;
}

static int in_cache(const analyzer *a, const wentry *e) {
    return e >= a->cache && e < a->cache + a->max;
}

/* Finds or creates the entry of a raw word whose zk_hash64 is h.  When
 * the cache is full the entry lives in the document arena (valid for this
 * text only).  Returns NULL on allocation failure. */
static wentry *word_entry_h(analyzer *a, const char *raw, size_t len,
                            uint64_t h) {
    uint32_t tag = (uint32_t)(h >> 32);
    uint32_t mask = a->cap - 1, i = (uint32_t)h & mask;
    for (;; i = (i + 1) & mask) {
        const wslot *sl = &a->slots[i];
        if (!sl->idx) break;
        if (sl->tag == tag) {
            wentry *e = &a->cache[sl->idx - 1];
            if (e->h == h && e->rawlen == len && same_bytes(e->raw, raw, len))
                return e;
        }
    }
    wentry *e;
    arena *ar;
    if (a->used < a->max) {
        /* past 7/10 of the slots, a larger table (the word is not in it,
         * so its slot is the first free one from its hash) */
        if (a->cap < a->cap_max && a->used >= a->cap / 10 * 7) {
            if (grow_slots(a)) return NULL;
            mask = a->cap - 1;
            for (i = (uint32_t)h & mask; a->slots[i].idx; i = (i + 1) & mask)
                ;
        }
        e = &a->cache[a->used];
        ar = &a->cache_arena;
    } else {
        e = (wentry *)(void *)arena_alloc(&a->doc_arena, sizeof(wentry) + 8);
        if (!e) return NULL;
        e = (wentry *)(((uintptr_t)e + 7) & ~(uintptr_t)7);
        ar = &a->doc_arena;
    }
    memset(e, 0, sizeof *e);
    const char *r = arena_dup(ar, raw, len);
    if (!r) return NULL;
    size_t fl = norm_fold_word(raw, len, a->buf);
    const char *f = NULL;
    if (fl && fl <= NORM_MAX_WORD) {
        f = arena_dup(ar, a->buf, fl);
        if (!f) return NULL;
    } else {
        fl = 0;
    }
    e->raw = r;
    e->rawlen = (uint16_t)len;
    e->fold = f;
    e->foldlen = (uint16_t)fl;
    e->h = h;
    if (ar == &a->cache_arena) {
        a->slots[i].tag = tag;
        a->slots[i].idx = ++a->used;
    }
    return e;
}

static wentry *word_entry(analyzer *a, const char *raw, size_t len) {
    return word_entry_h(a, raw, len, zk_hash64(raw, len, 0));
}

/* Looking up the entries of a text's tokens in order, each lookup waits
 * for up to three cache misses (probe slot, entry, raw bytes).  The tokens
 * ahead are hashed and those lines prefetched in stages, PF_SLOT, PF_ENTRY
 * and PF_RAW tokens ahead, so that the misses overlap. */
#define PF_SLOT 12
#define PF_ENTRY 8
#define PF_RAW 4
#define PF_RING 16 /* > PF_SLOT, a power of two */

/* The hash of token t's raw bytes, or 0 for tokens whose raw form needs
 * a scratch buffer or is not looked up: those (and a word whose hash is
 * 0) are hashed again when looked up, without prefetching. */
static uint64_t token_hash(const char *text, const token *t) {
    if ((t->flags & TOK_LONG) ||
        ((t->flags & TOK_DOT) && !(t->flags & TOK_DIGIT)))
        return 0;
    return zk_hash64(text + t->start, t->end - t->start, 0);
}

static void prefetch_stage(const analyzer *a, const char *text,
                           const token_list *tl, uint64_t *ring, size_t i) {
    size_t nt = tl->n, j;
    if ((j = i + PF_SLOT) < nt) {
        uint64_t h = token_hash(text, &tl->v[j]);
        ring[j % PF_RING] = h;
        if (h) __builtin_prefetch(&a->slots[(uint32_t)h & (a->cap - 1)]);
    }
    if ((j = i + PF_ENTRY) < nt && ring[j % PF_RING]) {
        const wslot *sl = &a->slots[(uint32_t)ring[j % PF_RING] & (a->cap - 1)];
        if (sl->idx) __builtin_prefetch(&a->cache[sl->idx - 1]);
    }
    if ((j = i + PF_RAW) < nt && ring[j % PF_RING]) {
        const wslot *sl = &a->slots[(uint32_t)ring[j % PF_RING] & (a->cap - 1)];
        if (sl->idx) __builtin_prefetch(a->cache[sl->idx - 1].raw);
    }
}

/* The entry's language evidence, computed on first use. */
static const langdetect_delta *word_ld(wentry *e) {
    if (!e->has_ld) {
        if (e->foldlen) langdetect_eval(e->fold, e->foldlen, &e->ld);
        e->has_ld = 1;
    }
    return &e->ld;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int has_digit(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (is_digit(s[i])) return 1;
    return 0;
}

static int nl_vowel(char c) {
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
           c == 'y';
}

/* Dutch writes f and s at the end of a syllable where the same stem has v
 * and z before a vowel (huis/huizen, brief/brieven, actief/actieve), and
 * a long vowel double in a closed syllable and single in an open one
 * (sociaal/sociale).  Snowball's Dutch stemmer undoubles the vowel only
 * after a consonant, deletes an -s after a consonant (mens -> men) only
 * as the word's own ending, and leaves v and z: the stems of the forms
 * with a vowel ending (huiz, briev, mens from mensen) miss those of the
 * others.  This respells a stem in place: final v as f; final z as s; an
 * s after a consonant other than j in R1 deleted, as Snowball does for
 * the word; aa, ee, oo, uu before a final consonant after another vowel
 * made single (not the ee of ideeen, from ideeën).  Returns the new
 * length. */
static size_t nl_respell(char *t, size_t n) {
    if (n < 3) return n;
    char *e = &t[n - 1];
    if (*e == 'v') *e = 'f';
    else if (*e == 'z') *e = 's';
    if (*e == 's' && !nl_vowel(e[-1]) && e[-1] != 'j') {
        /* R1: after the first non-vowel that follows a vowel, at least
         * three letters in */
        size_t r1 = 0;
        for (size_t i = 1; i < n && !r1; i++)
            if (!nl_vowel(t[i]) && nl_vowel(t[i - 1])) r1 = i + 1;
        if (r1 && r1 < 3) r1 = 3;
        if (r1 && n - 1 >= r1) return n - 1;
    }
    if (n >= 4 && !nl_vowel(*e) && t[n - 2] == t[n - 3] &&
        (t[n - 2] == 'a' || t[n - 2] == 'e' || t[n - 2] == 'o' ||
         t[n - 2] == 'u') &&
        nl_vowel(t[n - 4]) && t[n - 4] != t[n - 2]) {
        t[n - 2] = *e;
        return n - 1;
    }
    return n;
}

/* The stem of a language-folded word: Snowball's, Dutch respelled (see
 * nl_respell).  NULL on allocation failure. */
static const char *an_stem(analyzer *a, int lang, const char *w, size_t n,
                           size_t *tl) {
    const char *t = stemmer_stem(a->stem, lang, w, n, tl);
    if (!t || lang != ZK_LANG_NL || *tl >= sizeof a->stembuf) return t;
    memcpy(a->stembuf, t, *tl);
    *tl = nl_respell(a->stembuf, *tl);
    return a->stembuf;
}

/* The terms of a closed compound's parts (the language-folded word is in
 * a->buf2, ll bytes): stored in e->sub[lang], at most COMPOUND_MAX_PARTS,
 * none equal to the word's own term. */
static int word_subs(analyzer *a, wentry *e, int lang, size_t ll) {
    size_t off[COMPOUND_MAX_PARTS], len[COMPOUND_MAX_PARTS];
    int k = compound_split(a->cmp, lang, a->buf2, ll, off, len);
    if (k <= 0) return k;
    char out[NORM_BUF * 2];
    size_t w = 0, at[COMPOUND_MAX_PARTS], tlen[COMPOUND_MAX_PARTS];
    int n = 0;
    char part[NORM_BUF];
    for (int i = 0; i < k; i++) {
        memcpy(part, a->buf2 + off[i], len[i]);
        size_t tl;
        const char *t = an_stem(a, lang, part, len[i], &tl);
        if (!t) return ZOEK_ENOMEM;
        if (!tl || tl > NORM_MAX_WORD || w + tl + 1 > sizeof out) continue;
        if (tl == e->termlen[lang] && !memcmp(t, e->term[lang], tl)) continue;
        int dup = 0;
        for (int j = 0; j < n && !dup; j++)
            dup = tlen[j] == tl && !memcmp(out + at[j], t, tl);
        if (dup) continue;
        memcpy(out + w, t, tl);
        out[w + tl] = 0;
        at[n] = w;
        tlen[n] = tl;
        w += tl + 1;
        n++;
    }
    if (!n) return 0;
    arena *ar = in_cache(a, e) ? &a->cache_arena : &a->doc_arena;
    e->sub[lang] = arena_dup(ar, out, w);
    if (!e->sub[lang]) return ZOEK_ENOMEM;
    e->nsub[lang] = (uint8_t)n;
    return 0;
}

/* Pushes the part terms of a compound word at its position. */
static int push_subs(an_out *o, const wentry *e, int lang, uint32_t pos,
                     uint32_t tok);

/* Whether raw is the plural of an acronym: capitals and digits, ending
 * in a capital or digit, then a lower-case s ("RXRs", "SNPs", "T3Rs").
 * The stemmers keep the s of a word without a vowel ("rxrs"). */
static int acronym_plural(const char *raw, size_t len) {
    if (len < 3 || raw[len - 1] != 's') return 0;
    int caps = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        char c = raw[i];
        if (c >= 'A' && c <= 'Z') caps++;
        else if (!(c >= '0' && c <= '9')) return 0;
    }
    return caps > 0;
}

/* A name with a number after at least three letters ("Tet1", "FoxO3a",
 * "COVID19"; the language-folded word in a->buf2, ll bytes) also stands
 * for the name without it: its letters, stemmed, are its one part. */
static int digit_sub(analyzer *a, wentry *e, int lang, size_t ll) {
    size_t n = 0;
    while (n < ll && a->buf2[n] >= 'a' && a->buf2[n] <= 'z') n++;
    if (n < 3 || n == ll || !is_digit(a->buf2[n])) return 0;
    char part[NORM_BUF];
    memcpy(part, a->buf2, n);
    part[n] = 0;
    size_t tl;
    const char *t = an_stem(a, lang, part, n, &tl);
    if (!t) return ZOEK_ENOMEM;
    if (!tl || tl > NORM_MAX_WORD ||
        (tl == e->termlen[lang] && !memcmp(t, e->term[lang], tl)))
        return 0;
    arena *ar = in_cache(a, e) ? &a->cache_arena : &a->doc_arena;
    char *sub = arena_alloc(ar, tl + 1);
    if (!sub) return ZOEK_ENOMEM;
    memcpy(sub, t, tl);
    sub[tl] = 0;
    e->sub[lang] = sub;
    e->nsub[lang] = 1;
    return 0;
}

/* Fills e->term[lang] for a simple word (no hyphen). */
static int word_term(analyzer *a, wentry *e, int lang, int digits) {
    if (e->state[lang] != W_UNKNOWN) return 0;
    arena *ar = in_cache(a, e) ? &a->cache_arena : &a->doc_arena;
    if (!e->foldlen) {
        e->state[lang] = W_NONE;
        return 0;
    }
    size_t ll = norm_lang_fold(lang, e->fold, e->foldlen, a->buf2);
    if (!ll) {
        e->state[lang] = W_NONE;
        return 0;
    }
    if (stop_has(&a->stop[lang], a->buf2, ll)) {
        e->state[lang] = W_STOP;
        return 0;
    }
    if (!digits && compound_drop_s(a->cmp, lang, a->buf2, ll))
        a->buf2[--ll] = 0;
    else if (acronym_plural(e->raw, e->rawlen) && ll > 2 &&
             a->buf2[ll - 1] == 's')
        a->buf2[--ll] = 0;
    const char *t = a->buf2;
    size_t tl = ll;
    if (!digits) {
        /* verb forms Snowball leaves alone are stemmed as their infinitive */
        char inf[80];
        int vl = compound_verb(a->cmp, lang, a->buf2, ll, inf, sizeof inf);
        if (vl < 0) return vl;
        t = an_stem(a, lang, vl ? inf : a->buf2, vl ? (size_t)vl : ll, &tl);
        if (!t) return ZOEK_ENOMEM;
        if (tl == 0) {
            t = a->buf2;
            tl = ll;
        }
    }
    if (tl > NORM_MAX_WORD) {
        e->state[lang] = W_NONE;
        return 0;
    }
    e->term[lang] = arena_dup(ar, t, tl);
    if (!e->term[lang]) return ZOEK_ENOMEM;
    e->termlen[lang] = (uint16_t)tl;
    e->state[lang] = W_TERM;
    if (!digits && ll >= COMPOUND_MIN_LEN) return word_subs(a, e, lang, ll);
    if (digits) return digit_sub(a, e, lang, ll);
    return 0;
}

/* Abbreviation "U.S" -> "US": copies raw without '.' into out. */
static size_t strip_dots(const char *raw, size_t len, char *out) {
    size_t w = 0;
    for (size_t i = 0; i < len && w < NORM_BUF - 1; i++)
        if (raw[i] != '.') out[w++] = raw[i];
    out[w] = 0;
    return w;
}

/* Length of the hyphen at s (ASCII '-', U+2010, U+2011) or 0. */
static size_t hyphen_len(const char *s, size_t n) {
    if (s[0] == '-') return 1;
    if (n >= 3 && (uint8_t)s[0] == 0xE2 && (uint8_t)s[1] == 0x80 &&
        ((uint8_t)s[2] == 0x90 || (uint8_t)s[2] == 0x91))
        return 3;
    return 0;
}

#define MAX_PARTS 16

typedef struct part {
    const char *s; /* raw bytes of the part */
    size_t len;    /* bytes */
} part;

static size_t split_hyphens(const char *raw, size_t len, part *parts) {
    size_t n = 0, start = 0, i = 0;
    while (i < len) {
        size_t h = hyphen_len(raw + i, len - i);
        if (h) {
            if (n < MAX_PARTS && i > start) {
                parts[n].s = raw + start;
                parts[n].len = i - start;
                n++;
            }
            i += h;
            start = i;
        } else {
            i++;
        }
    }
    if (n < MAX_PARTS && len > start) {
        parts[n].s = raw + start;
        parts[n].len = len - start;
        n++;
    }
    return n;
}

/* Whole-compound term: language-folded parts joined by '-' (none where
 * letters meet a number, as in IL-6 or 3-D), the last part stemmed (unless
 * it has digits).  Cached in e->term[lang]. */
static int whole_term(analyzer *a, wentry *e, int lang, wentry **pe,
                      size_t np) {
    if (e->state[lang] != W_UNKNOWN) return 0;
    arena *ar = in_cache(a, e) ? &a->cache_arena : &a->doc_arena;
    size_t w = 0;
    for (size_t j = 0; j < np; j++) {
        if (!pe[j]->foldlen) {
            e->state[lang] = W_NONE;
            return 0;
        }
        size_t ll = norm_lang_fold(lang, pe[j]->fold, pe[j]->foldlen, a->buf2);
        if (!ll) {
            e->state[lang] = W_NONE;
            return 0;
        }
        const char *t = a->buf2;
        size_t tl = ll;
        if (j == np - 1 && !has_digit(a->buf2, ll)) {
            t = an_stem(a, lang, a->buf2, ll, &tl);
            if (!t) return ZOEK_ENOMEM;
            if (!tl) {
                t = a->buf2;
                tl = ll;
            }
        }
        if (w + tl + 1 > NORM_MAX_WORD) {
            e->state[lang] = W_NONE;
            return 0;
        }
        /* no hyphen before a number after letters (IL-6 is IL6, G-7 G7)
         * nor before one or two letters after a number (3-D is 3D) */
        if (j && !(is_digit(t[0]) ? !is_digit(a->buf3[w - 1])
                                  : is_digit(a->buf3[w - 1]) && tl <= 2))
            a->buf3[w++] = '-';
        memcpy(a->buf3 + w, t, tl);
        w += tl;
    }
    e->term[lang] = arena_dup(ar, a->buf3, w);
    if (!e->term[lang]) return ZOEK_ENOMEM;
    e->termlen[lang] = (uint16_t)w;
    e->state[lang] = W_TERM;
    return 0;
}

static int push_term(an_out *o, const char *s, size_t len, uint32_t pos,
                     uint32_t tok, int lang, int flags, an_memo *memo) {
    if (o->nterms == o->termcap &&
        zk_grow((void **)&o->terms, &o->termcap, o->nterms + 1,
                sizeof(an_term)))
        return ZOEK_ENOMEM;
    an_term *t = &o->terms[o->nterms++];
    t->s = s;
    t->len = (uint32_t)len;
    t->pos = pos;
    t->tok = tok;
    t->lang = (uint8_t)lang;
    t->flags = (uint8_t)flags;
    t->memo = memo;
    return 0;
}

static int push_subs(an_out *o, const wentry *e, int lang, uint32_t pos,
                     uint32_t tok) {
    const char *p = e->sub[lang];
    for (int i = 0; i < e->nsub[lang]; i++) {
        size_t l = strlen(p);
        int rc = push_term(o, p, l, pos, tok, lang, AN_SUB, NULL);
        if (rc) return rc;
        p += l + 1;
    }
    return 0;
}

/* The raw form to look up for token t: abbreviations lose their dots. */
static const char *token_raw(analyzer *a, const char *text, const token *t,
                             size_t *len) {
    const char *raw = text + t->start;
    *len = t->end - t->start;
    if ((t->flags & TOK_DOT) && !(t->flags & TOK_DIGIT)) {
        *len = strip_dots(raw, *len, a->rawbuf);
        return a->rawbuf;
    }
    return raw;
}

/* Per-paragraph language decision: a paragraph keeps the text's language
 * unless it has enough words and clear evidence for another one. */
#define PARA_MIN_WORDS 8
#define PARA_MIN_CONF 0.5

int analyze_detect(analyzer *a, const char *text, size_t len,
                   double *confidence) {
    token_list tl = {0};
    int rc = tokenize(text, len, &tl);
    if (rc) {
        token_list_free(&tl);
        return -1;
    }
    langdetect ld;
    langdetect_reset(&ld);
    for (size_t i = 0; i < tl.n; i++) {
        size_t n = tl.v[i].end - tl.v[i].start;
        if (tl.v[i].flags & (TOK_DIGIT | TOK_LONG)) continue;
        size_t fl = norm_fold_word(text + tl.v[i].start, n, a->buf);
        if (fl) langdetect_word(&ld, a->buf, fl);
    }
    token_list_free(&tl);
    return langdetect_best(&ld, confidence);
}

int analyze(analyzer *a, const char *text, size_t len, int lang,
            an_out *o) {
    int rc;
    o->toks.n = 0;
    o->nterms = 0;
    o->npos = 0;
    o->mixed = 0;
    arena_reset(&a->doc_arena);
    if (a->used >= a->max / 10 * 8) analyzer_clear_cache(a);
    if ((rc = tokenize(text, len, &o->toks))) return rc;
    size_t nt = o->toks.n;
    if (nt > o->tcap) {
        size_t cap = o->tcap;
        if (zk_grow((void **)&o->tpos, &cap, nt, sizeof(uint32_t)))
            return ZOEK_ENOMEM;
        uint8_t *nl = zk_realloc(o->tlang, cap);
        if (!nl) return ZOEK_ENOMEM;
        o->tlang = nl;
        o->tcap = cap;
    }

    /* Pass 1: one cache entry per token; language evidence. */
    int detect = lang < 0 || lang > 2;
    langdetect doc;
    langdetect_reset(&doc);
    size_t npara = 0;
    if (zk_grow((void **)&a->tent, &a->tentcap, nt ? nt : 1,
                sizeof(wentry *)))
        return ZOEK_ENOMEM;
    if (detect) {
        size_t need = 1;
        for (size_t i = 1; i < nt; i++)
            if (o->toks.v[i].flags & TOK_PARA) need++;
        if (zk_grow((void **)&a->para, &a->paracap, need, sizeof(langdetect)))
            return ZOEK_ENOMEM;
        langdetect_reset(&a->para[0]);
        npara = 1;
    }
    uint64_t ring[PF_RING];
    for (size_t j = 0; j < PF_SLOT && j < nt; j++)
        ring[j % PF_RING] = token_hash(text, &o->toks.v[j]);
    for (size_t i = 0; i < nt; i++) {
        const token *t = &o->toks.v[i];
        a->tent[i] = NULL;
        prefetch_stage(a, text, &o->toks, ring, i);
        if (detect && i > 0 && (t->flags & TOK_PARA))
            langdetect_reset(&a->para[npara++]);
        if (t->flags & TOK_LONG) continue;
        size_t rl;
        const char *raw = token_raw(a, text, t, &rl);
        uint64_t h = ring[i % PF_RING];
        wentry *e = h ? word_entry_h(a, raw, rl, h) : word_entry(a, raw, rl);
        if (!e) return ZOEK_ENOMEM;
        a->tent[i] = e;
        if (!detect || (t->flags & TOK_DIGIT)) continue;
        if (!(t->flags & TOK_HYPHEN)) {
            const langdetect_delta *d = word_ld(e);
            langdetect_add(&doc, d);
            langdetect_add(&a->para[npara - 1], d);
            continue;
        }
        part parts[MAX_PARTS];
        size_t np = split_hyphens(raw, rl, parts);
        for (size_t j = 0; j < np; j++) {
            wentry *pe = word_entry(a, parts[j].s, parts[j].len);
            if (!pe) return ZOEK_ENOMEM;
            const langdetect_delta *d = word_ld(pe);
            langdetect_add(&doc, d);
            langdetect_add(&a->para[npara - 1], d);
        }
    }
    if (detect) {
        double conf;
        lang = langdetect_best(&doc, &conf);
        if (lang < 0) lang = ZK_LANG_EN;
    }
    o->lang = lang;

    /* Token languages: per paragraph where the evidence is clear. */
    if (detect && npara > 1) {
        size_t p = 0;
        int plang = lang;
        for (size_t i = 0; i < nt; i++) {
            if (i == 0 || (o->toks.v[i].flags & TOK_PARA)) {
                const langdetect *ld = &a->para[p++];
                double conf = 0;
                int best = langdetect_best(ld, &conf);
                plang = (best >= 0 && best != lang &&
                         ld->nwords >= PARA_MIN_WORDS && conf >= PARA_MIN_CONF)
                            ? best
                            : lang;
                if (plang != lang) o->mixed = 1;
            }
            o->tlang[i] = (uint8_t)plang;
        }
    } else if (nt) {
        memset(o->tlang, lang, nt);
    }

    /* Pass 2: positions and terms. */
    uint32_t pos = 0;
    for (size_t i = 0; i < nt; i++) {
        const token *t = &o->toks.v[i];
        int tl = o->tlang[i];
        o->tpos[i] = pos;
        if (t->flags & TOK_LONG) {
            pos++;
            continue;
        }
        size_t rl;
        const char *raw = token_raw(a, text, t, &rl);
        int digits = (t->flags & TOK_DIGIT) != 0;
        part parts[MAX_PARTS];
        size_t np = 0;
        if (t->flags & TOK_HYPHEN) np = split_hyphens(raw, rl, parts);
        if (np <= 1) {
            wentry *e = a->tent[i];
            if ((rc = word_term(a, e, tl, digits))) return rc;
            if (e->state[tl] == W_TERM &&
                ((rc = push_term(o, e->term[tl], e->termlen[tl], pos,
                                 (uint32_t)i, tl, 0, &e->memo[tl])) ||
                 (rc = push_subs(o, e, tl, pos, (uint32_t)i))))
                return rc;
            pos++;
            continue;
        }
        /* compound: the whole at the first part's position, then parts */
        wentry *pe[MAX_PARTS];
        for (size_t j = 0; j < np; j++) {
            pe[j] = word_entry(a, parts[j].s, parts[j].len);
            if (!pe[j]) return ZOEK_ENOMEM;
        }
        wentry *we = a->tent[i];
        if ((rc = whole_term(a, we, tl, pe, np))) return rc;
        if (we->state[tl] == W_TERM &&
            (rc = push_term(o, we->term[tl], we->termlen[tl], pos,
                            (uint32_t)i, tl, AN_WHOLE, &we->memo[tl])))
            return rc;
        for (size_t j = 0; j < np; j++) {
            int pd = has_digit(parts[j].s, parts[j].len);
            if ((rc = word_term(a, pe[j], tl, pd))) return rc;
            if (pe[j]->state[tl] == W_TERM &&
                ((rc = push_term(o, pe[j]->term[tl], pe[j]->termlen[tl],
                                 pos + (uint32_t)j, (uint32_t)i, tl,
                                 AN_PART, &pe[j]->memo[tl])) ||
                 (rc = push_subs(o, pe[j], tl, pos + (uint32_t)j,
                                 (uint32_t)i))))
                return rc;
        }
        pos += (uint32_t)np;
    }
    o->npos = pos;
    return 0;
}
