/* dict.h - bilingual dictionaries for cross-language search: reads
 * FreeDict's dictd files (NAME.index + NAME.dict.dz), analyses both sides
 * with the document analysis chain, and compiles them into per-term
 * translation lists with a compact, deterministic value encoding.
 *
 * Three stages, each usable alone:
 *
 *   1. Reading (dict_read, dict_parse): index lines and entry texts become
 *      a dict_raw: headwords with their translation phrases grouped in
 *      senses, cleaned of grammar notes (<...>), labels ([...]), optional
 *      parts ((...)), pronunciations (/.../), cross-references, notes and
 *      examples.  Never fails on odd entry text (it only yields fewer
 *      phrases); a malformed index or unreadable data is an error.
 *
 *   2. Compiling (dict_compiler_*): every headword is analysed in the
 *      dictionary's source language and every phrase in its target
 *      language, exactly as documents are (analyze.h), so a stem of a query
 *      word finds the stems of its translations.  Stopwords and the
 *      placeholders "sth.", "sb.", "etw.", "jdm.", "iem." are dropped; a
 *      hyphenated word is one term, its whole compound ("a-dur"); a
 *      phrase with no content word left is dropped, one with more than
 *      max_terms is dropped too.  Each sense yields pairs
 *      in both directions: headword -> translation (provenance "forward")
 *      and translation -> headword (provenance "reverse"); eng-deu and
 *      deu-eng thus both feed en->de and de->en.  Pairs are deduplicated;
 *      a pair's count is the number of dictionary senses that support it.
 *
 *   3. The compiled form (dict_compiled): one value per (language, key),
 *      keys sorted by bytes.  A key is the stem of one word, or for a
 *      multi-word headword or translation ("restrictions on exports") the
 *      stems of its content words joined by one space ("restrict
 *      export"): a query planner may look up runs of adjacent query
 *      terms, as they are without stopwords.  Values list the
 *      translations into every other language (value format below); the
 *      whole set serialises to one byte string and loads back.  Output
 *      bytes depend only on the input dictionaries and the analyzer, never
 *      on the order of adding them.
 *
 * Key:    1 byte ZK_LANG_* of the key, then the key bytes (DICT_KEY_MAX
 *         bytes at most).
 * Value (version 1):
 *   u8      DICT_VALUE_VERSION
 *   varint  n, the number of translations (>= 1)
 *   n times, sorted by (target language, term bytes), strictly increasing:
 *     u8      head: bits 0-1 target ZK_LANG_* (0..2); bit 2 DICT_TR_PHRASE;
 *             bit 3 DICT_TR_FWD; bit 4 DICT_TR_REV (at least one of the
 *             two); bits 5-7 zero
 *     varint  shared: bytes shared with the previous term (0 for the first;
 *             always the longest common prefix)
 *     varint  suffix length, then the suffix bytes
 *     varint  count - 1
 * A term is valid UTF-8 of 1..DICT_MAX_TERMS terms joined by single
 * spaces (no control bytes, no other spaces); DICT_TR_PHRASE is set exactly
 * when it holds a space.  Every value has one encoding: a decoder accepts
 * only canonical bytes, so decode + encode gives back the same bytes.
 * Varints are LEB128 as in codec.h.
 *
 * Serialised set (dict_serialize): "ZKDICT", u8 format version (1), u8
 * ANALYZER_VERSION, u64le stemmer fingerprint (stem.h), u64le key count;
 * then per key in key order: u8 language, varint key length, key bytes,
 * varint value length, value; then u64le zk_hash64(seed 0x5a) of all the
 * bytes before it.
 *
 * Threading: no shared state; one compiler or iterator per thread.  The
 * read-only dict_compiled may be shared by threads. */
#ifndef ZK_DICT_H
#define ZK_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define DICT_MAX_TERMS 4 /* terms in a key or translation, at most */
#define DICT_MAX_KEY 400 /* bytes of a key or translation, at most */
#define DICT_KEY_MAX (1 + DICT_MAX_KEY) /* bytes of an encoded key */
#define DICT_VALUE_VERSION 1            /* first byte of every value */
#define DICT_MAX_DATA (1u << 30) /* bytes of an index or of inflated data */

/* Translation flags (value head bits 2-4). */
enum {
    DICT_TR_PHRASE = 1 << 2, /* several terms: "export control" */
    DICT_TR_FWD = 1 << 3,    /* from a dictionary whose headword is the key */
    DICT_TR_REV = 1 << 4     /* from one whose translation is the key */
};

/* ------------------------------------------------------------ reading */

/* A translation phrase: cleaned text in dict_raw.text. */
typedef struct dict_phrase {
    uint32_t off;   /* first byte in text */
    uint32_t len;   /* bytes (not NUL-terminated) */
    uint32_t sense; /* sense within its entry, 0-based */
} dict_phrase;

/* One dictionary entry: a headword and phrases[first .. first + n). */
typedef struct dict_entry {
    uint32_t head_off; /* headword's first byte in text */
    uint32_t head_len; /* its bytes */
    uint32_t first;    /* first phrase */
    uint32_t n;        /* phrases */
    uint32_t nsenses;  /* senses (numbered lines, or 1) */
} dict_entry;

/* A parsed dictionary.  Strings are valid UTF-8 with single spaces. */
typedef struct dict_raw {
    int src;        /* ZK_LANG_* of the headwords */
    int dst;        /* ZK_LANG_* of the translations */
    zk_buf text;    /* headwords and phrases */
    dict_entry *e;  /* entries in data order */
    size_t ne;      /* entries */
    size_t ecap;    /* allocated entries */
    dict_phrase *p; /* phrases */
    size_t np;      /* phrases */
    size_t pcap;    /* allocated phrases */
    size_t nlines;  /* index lines */
    size_t nmeta;   /* 00-database-* entries skipped */
    size_t ndup;    /* index lines naming an entry already read */
    size_t nempty;  /* entries without any translation phrase */
    zk_buf scratch; /* parser scratch */
} dict_raw;

/* The headword of e (not NUL-terminated; e->head_len bytes). */
static inline const char *dict_head(const dict_raw *d, const dict_entry *e) {
    return (const char *)d->text.p + e->head_off;
}
/* The text of phrase p (p->len bytes). */
static inline const char *dict_phrase_text(const dict_raw *d,
                                           const dict_phrase *p) {
    return (const char *)d->text.p + p->off;
}

/* The languages of a FreeDict name ending in "eng-deu", "nld-eng", ...
 * ("freedict-eng-deu").  Returns 0, or ZOEK_EINVAL for another name or two
 * equal languages. */
ZK_HIDDEN int dict_langs(const char *name, int *src, int *dst);

/* The six FreeDict dictionaries between English, German and Dutch. */
ZK_HIDDEN extern const char *const dict_freedict_names[6];

/* Reads dir/NAME.index and dir/NAME.dict.dz (or an uncompressed
 * dir/NAME.dict); the languages come from the name (dict_langs).  On
 * success *out is a new dictionary (free with dict_raw_free); on failure
 * *out is NULL and err (if not NULL) holds a one-line reason.
 * Errors: ZOEK_ENOTFOUND (a file is missing), ZOEK_EINVAL (name without a
 * language pair), ZOEK_EINPUT (malformed index line, "NAME.index:12:
 * bad offset"), ZOEK_ECORRUPT (data that does not inflate, an entry past
 * the end of the data, a file over DICT_MAX_DATA bytes), ZOEK_EIO,
 * ZOEK_ENOMEM. */
ZK_HIDDEN int dict_read(const char *dir, const char *name, dict_raw **out,
                        char *err, size_t errlen);

/* Parses a dictionary from memory: index text and inflated data.  Index
 * lines are "headword TAB offset TAB length" (a fourth field is ignored;
 * blank lines are skipped); entries named by several lines are read once,
 * in offset order.  `what` names the input in messages (may be NULL).
 * Errors as dict_read without ENOTFOUND and EIO; also ZOEK_EINVAL for a
 * bad language. */
ZK_HIDDEN int dict_parse(const char *index, size_t ilen, const char *data,
                         size_t dlen, int src, int dst, const char *what,
                         dict_raw **out, char *err, size_t errlen);

/* An empty dictionary to fill with dict_parse_entry (tests, tools).
 * Returns 0, ZOEK_EINVAL or ZOEK_ENOMEM. */
ZK_HIDDEN int dict_raw_new(int src, int dst, dict_raw **out);
ZK_HIDDEN void dict_raw_free(dict_raw *d);

/* Decodes dictd's base64 number (A-Za-z0-9+/, most significant digit
 * first, 1..8 digits).  Returns 0 or ZOEK_EINPUT. */
ZK_HIDDEN int dict_b64(const char *s, size_t len, uint64_t *out);

/* One index line. */
typedef struct dict_index_line {
    const char *head; /* headword (into the line; may be empty) */
    size_t head_len;  /* bytes */
    uint64_t off;     /* entry offset in the data */
    uint64_t len;     /* entry length */
} dict_index_line;

/* Parses one index line (without '\n'; a trailing '\r' is allowed).
 * Returns 0, or ZOEK_EINPUT with a reason in err (may be NULL). */
ZK_HIDDEN int dict_parse_index_line(const char *line, size_t len,
                                    dict_index_line *out, char *err,
                                    size_t errlen);

/* Parses the text of one entry and appends it to d (nothing when it has no
 * headword).  Understands both FreeDict layouts: Ding-derived (eng-deu,
 * deu-eng: "head /pron/ <pos>", one translation line, then indented notes,
 * examples, synonyms and " see:" references) and Ergane-derived (the
 * others: "head /pron/", then one line of translations or numbered senses
 * "1. a, b").  Phrases are split at ',' and ';' outside brackets; affixes
 * ("-heit") and stray pronunciations are dropped.  Invalid UTF-8 is
 * repaired.  Returns 0, ZOEK_EINPUT (the dictionary's text would pass
 * 4 GiB) or ZOEK_ENOMEM; on failure d is unchanged. */
ZK_HIDDEN int dict_parse_entry(dict_raw *d, const char *text, size_t len);

/* ------------------------------------------------------------ compiling */

/* Compiler options; zero-initialise and set size. */
typedef struct dict_opts {
    size_t size;          /* sizeof(dict_opts) */
    unsigned max_terms;   /* longest key/translation in terms kept, 1..
                             DICT_MAX_TERMS; 0 = DICT_MAX_TERMS; 1 keeps
                             single words only */
    unsigned max_targets; /* per key and target language keep the N
                             best-supported translations; 0 = all */
} dict_opts;

/* What one dict_compiler_add() did with a dictionary. */
typedef struct dict_add_stats {
    size_t entries;     /* entries */
    size_t senses;      /* senses with at least one phrase */
    size_t phrases;     /* translation phrases */
    size_t head_single; /* headwords of one term */
    size_t head_phrase; /* headwords of 2..max_terms terms (phrase keys) */
    size_t head_stop;   /* headwords dropped: no content word */
    size_t head_long;   /* headwords dropped: more than max_terms */
    size_t tr_single;   /* translations of one term */
    size_t tr_phrase;   /* translations of 2..max_terms terms */
    size_t tr_stop;     /* translations dropped: stopwords only */
    size_t tr_long;     /* translations dropped: more than max_terms */
    size_t pairs;       /* sense-level pairs added (both directions) */
} dict_add_stats;

typedef struct dict_compiler dict_compiler;

/* A new compiler; o may be NULL for defaults.  Returns 0, ZOEK_EINVAL (bad
 * options) or ZOEK_ENOMEM; *out is NULL on failure. */
ZK_HIDDEN int dict_compiler_new(const dict_opts *o, dict_compiler **out);
ZK_HIDDEN void dict_compiler_free(dict_compiler *c);

/* Analyses d and adds its pairs; d may be freed afterwards.  st (may be
 * NULL) receives counts.  Returns 0, ZOEK_EINVAL (languages outside
 * en/de/nl, or more than 2^32 senses in all) or ZOEK_ENOMEM (the compiler
 * is then unusable: free it). */
ZK_HIDDEN int dict_compiler_add(dict_compiler *c, const dict_raw *d,
                                dict_add_stats *st);

typedef struct dict_compiled dict_compiled;

/* Builds the compiled form of everything added.  The compiler may take
 * more dictionaries afterwards and be finished again.  Returns 0 or
 * ZOEK_ENOMEM (*out NULL). */
ZK_HIDDEN int dict_compiler_finish(dict_compiler *c, dict_compiled **out);

/* Reads and compiles the FreeDict dictionaries in dir (all six names in
 * dict_freedict_names, skipping missing ones).  Returns 0, or
 * ZOEK_ENOTFOUND when none is there, or an error of dict_read. */
ZK_HIDDEN int dict_compile_dir(const char *dir, const dict_opts *o,
                               dict_compiled **out, char *err, size_t errlen);

/* ------------------------------------------------------- compiled form */

ZK_HIDDEN void dict_compiled_free(dict_compiled *d);

/* Number of keys. */
ZK_HIDDEN size_t dict_count(const dict_compiled *d);

/* Key i (0 <= i < dict_count) in key order: its language, key bytes and
 * value, all owned by d.  Returns 0 or ZOEK_EINVAL (i out of range). */
ZK_HIDDEN int dict_get(const dict_compiled *d, size_t i, int *lang,
                       const char **key, size_t *klen, const uint8_t **val,
                       size_t *vlen);

/* The value of (lang, key): binary search.  Returns 0 or ZOEK_ENOTFOUND
 * (*val NULL). */
ZK_HIDDEN int dict_find(const dict_compiled *d, int lang, const char *key,
                        size_t klen, const uint8_t **val, size_t *vlen);

/* Serialises the whole compiled set: "ZKDICT", format and analyzer
 * version, the keys and values, and a 64-bit checksum.  Appends to out.
 * Returns 0 or ZOEK_ENOMEM. */
ZK_HIDDEN int dict_serialize(const dict_compiled *d, zk_buf *out);

/* Loads a serialised set (bytes are copied).  Returns 0, ZOEK_EVERSION
 * (another format or analyzer version), ZOEK_ECORRUPT (any bad byte;
 * reason in err) or ZOEK_ENOMEM. */
ZK_HIDDEN int dict_load(const uint8_t *p, size_t len, dict_compiled **out,
                        char *err, size_t errlen);

/* Writes the key of (lang, key) to out (DICT_KEY_MAX bytes); returns its
 * length, or 0 if lang or klen is invalid. */
ZK_HIDDEN size_t dict_key(int lang, const char *key, size_t klen, uint8_t *out);

/* ------------------------------------------------------------- values */

/* One decoded translation. */
typedef struct dict_tr {
    const char *term; /* stem(s), joined by ' ' (DICT_TR_PHRASE); valid
                         until the next dict_iter_next on the iterator */
    size_t len;       /* bytes in term */
    uint32_t count;   /* senses supporting the pair, >= 1 */
    int lang;         /* ZK_LANG_* of the translation */
    unsigned flags;   /* DICT_TR_* */
} dict_tr;

/* A bounds-checked decoder over one value; no allocation. */
typedef struct dict_iter {
    const uint8_t *p;        /* next byte */
    const uint8_t *end;      /* end of the value */
    uint64_t left;           /* translations still to read */
    size_t len;              /* bytes of the previous term */
    int lang;                /* language of the previous term, -1 first */
    char term[DICT_MAX_KEY]; /* the current term */
} dict_iter;

/* Starts decoding v[0..len).  Returns 0 or ZOEK_ECORRUPT. */
ZK_HIDDEN int dict_iter_init(dict_iter *it, const uint8_t *v, size_t len);

/* Reads the next translation: returns 1 (filled *out), 0 at the end (the
 * value was read to its last byte), or ZOEK_ECORRUPT. */
ZK_HIDDEN int dict_iter_next(dict_iter *it, dict_tr *out);

/* Encodes n translations, given sorted by (lang, term bytes) without
 * duplicates, each valid as described above.  Appends to out.  Returns 0,
 * ZOEK_EINVAL (unsorted or invalid input; out unchanged) or ZOEK_ENOMEM. */
ZK_HIDDEN int dict_value_encode(const dict_tr *trs, size_t n, zk_buf *out);

#endif
