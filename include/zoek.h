/* zoek.h - public interface of the zoek full-text search library.
 *
 * Overview
 * --------
 * A zoek index is a directory holding one LMDB environment.  It stores
 * articles (an id, an optional title, the text and its language: Dutch,
 * German or English), split into sentence-aligned passages of about 100-150
 * words.  Passages are the unit of BM25 ranking; a search returns the best
 * passages, or the best articles (an article scores as its best passage).
 *
 * Writing.  An index is opened for writing with ZOEK_OPEN_WRITE; only one
 * writer may exist per index directory at a time (a second one gets
 * ZOEK_EBUSY).  zoek_index_add() and zoek_index_delete() stage changes;
 * zoek_index_commit() publishes all of them atomically.  Readers never see a
 * partly applied commit, and a crash (even kill -9) before the commit leaves
 * the index exactly as it was.  Closing a writer without committing discards
 * the staged changes.
 *
 * Reading.  Any number of processes and threads may search an index while a
 * writer works; each search sees the last committed state at the time it
 * started.  A zoek_index handle may be shared by several threads for
 * searching (zoek_search() is thread-safe on one handle); a zoek_results
 * object belongs to the thread that made it.  Writing calls must come from
 * one thread at a time.
 *
 * Lifetime.  Everything the library returns is owned by the library unless
 * a function says "caller frees".  Pointers inside a zoek_hit stay valid
 * until the next zoek_results_next() or zoek_results_free() on the same
 * results object.
 *
 * Errors.  Every fallible function returns ZOEK_OK (0) or a negative
 * ZOEK_E* code.  zoek_strerror() names a code; zoek_errmsg() gives the
 * detailed message of the last failure on a handle.  The library never
 * prints, never exits and never reads environment variables.
 */
#ifndef ZOEK_H
#define ZOEK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define ZOEK_API __attribute__((visibility("default")))
#else
#define ZOEK_API
#endif

#define ZOEK_VERSION_MAJOR 0
#define ZOEK_VERSION_MINOR 1
#define ZOEK_VERSION_PATCH 0
#define ZOEK_VERSION_STRING "0.1.0"

/* The library's version string, e.g. "0.1.0", for run-time checks. */
ZOEK_API const char *zoek_version(void);

/* ---------------------------------------------------------------- errors */

enum {
    ZOEK_OK = 0,
    ZOEK_ENOMEM = -1,       /* out of memory; nothing was changed */
    ZOEK_EIO = -2,          /* an operating-system read/write failed */
    ZOEK_ECORRUPT = -3,     /* stored bytes fail validation */
    ZOEK_ENOTFOUND = -4,    /* no such index, article or file */
    ZOEK_EFULL = -5,        /* the disk is full */
    ZOEK_EBUSY = -6,        /* another writer holds the index (or, for
                               zoek_index_compact, others have it open) */
    ZOEK_EINVAL = -7,       /* invalid argument (caller error) */
    ZOEK_EQUERY = -8,       /* the query cannot be evaluated */
    ZOEK_EVERSION = -9,     /* index made by another format or stemmer:
                               rebuild required */
    ZOEK_EUNSUPPORTED = -10,/* feature not available (e.g. no dictionary) */
    ZOEK_ENOTINDEX = -11,   /* the directory is not a zoek index */
    ZOEK_EINPUT = -12       /* an input document is malformed */
};

/* A static, human-readable name for an error code; never NULL. */
ZOEK_API const char *zoek_strerror(int rc);

/* ------------------------------------------------------------ allocator */

/* Optional allocator hook.  Call before any other zoek function, from one
 * thread; pass NULL to restore malloc/realloc/free.  Meant for embedding and
 * for tests that inject allocation failures.  Memory allocated inside the
 * system libraries (LMDB, libstemmer) does not go through it. */
typedef struct zoek_allocator {
    void *(*malloc_fn)(size_t size, void *ud);             /* like malloc */
    void *(*realloc_fn)(void *p, size_t size, void *ud);   /* like realloc */
    void (*free_fn)(void *p, void *ud);                    /* like free */
    void *ud;                                              /* passed back */
} zoek_allocator;
ZOEK_API void zoek_set_allocator(const zoek_allocator *a);

/* ------------------------------------------------------------- languages */

/* Zero means "detect", so zero-initialised structs do the right thing. */
enum {
    ZOEK_LANG_AUTO = 0,  /* detect per article (and per paragraph) */
    ZOEK_LANG_EN = 1,    /* English */
    ZOEK_LANG_DE = 2,    /* German */
    ZOEK_LANG_NL = 3     /* Dutch */
};

/* The two-letter code ("en", "de", "nl") of a language, or "" if unknown. */
ZOEK_API const char *zoek_lang_code(int lang);
/* Parses "en"/"de"/"nl" (also "auto"); returns the ZOEK_LANG_* value or
 * ZOEK_EINVAL (negative). */
ZOEK_API int zoek_lang_parse(const char *code);

/* ------------------------------------------------------------ the index */

typedef struct zoek_index zoek_index;

enum {
    ZOEK_OPEN_READ = 0,        /* search only */
    ZOEK_OPEN_WRITE = 1 << 0,  /* also add/delete/commit (one writer) */
    ZOEK_OPEN_CREATE = 1 << 1, /* create the directory/index if missing */
    ZOEK_OPEN_WAIT = 1 << 2,   /* writer: wait for another writer to end
                                  instead of failing with ZOEK_EBUSY */
    ZOEK_OPEN_REBUILD = 1 << 3 /* writer: accept an index of another
                                  analyzer or stemmer, to rebuild it */
};

/* Opens the index in directory `path`.
 * flags: ZOEK_OPEN_* bits.  On success *out is a new handle (close it with
 * zoek_index_close); on failure *out is NULL and, if `errbuf` is not NULL,
 * a detailed message is written there (NUL-terminated, at most errlen
 * bytes).
 * Errors: ZOEK_ENOTFOUND (no index and no ZOEK_OPEN_CREATE),
 * ZOEK_ENOTINDEX (the directory holds something else), ZOEK_EVERSION
 * (another format version or stemmer: rebuild required), ZOEK_ECORRUPT,
 * ZOEK_EBUSY (another writer), ZOEK_EIO, ZOEK_ENOMEM, ZOEK_EINVAL. */
ZOEK_API int zoek_index_open(const char *path, unsigned flags, zoek_index **out,
                    char *errbuf, size_t errlen);

/* Closes the handle; a writer's uncommitted changes are discarded.
 * Accepts NULL. */
ZOEK_API void zoek_index_close(zoek_index *idx);

/* The detailed message of the last failure on this handle ("" if none).
 * Valid until the next call on the handle. */
ZOEK_API const char *zoek_errmsg(const zoek_index *idx);

/* ------------------------------------------------------------ writing */

/* An article to add.  Byte strings are (pointer, length) pairs and need not
 * be NUL-terminated; invalid UTF-8 is replaced by U+FFFD. */
typedef struct zoek_doc {
    size_t size;          /* sizeof(zoek_doc): set by the caller */
    const char *id;       /* external id, 1..511 bytes, unique in index */
    size_t id_len;        /* bytes in id */
    const char *title;    /* optional title (NULL: none) */
    size_t title_len;     /* bytes in title */
    const char *text;     /* the article text */
    size_t text_len;      /* bytes in text */
    int lang;             /* ZOEK_LANG_AUTO or a forced ZOEK_LANG_* */
    uint64_t mtime;       /* optional source modification time (seconds) */
} zoek_doc;

/* What zoek_index_add() did with an article. */
enum {
    ZOEK_ADDED = 0,     /* a new article */
    ZOEK_REPLACED = 1,  /* an article with this id existed and differed */
    ZOEK_UNCHANGED = 2, /* same id and same content: skipped */
    ZOEK_DUPLICATE = 3  /* this id was already added in this commit:
                           the first one is kept, this one skipped */
};

/* Stages an article for the next commit (requires ZOEK_OPEN_WRITE).
 * Unchanged content (by hash of title, text and language setting) is
 * skipped.  If status is not NULL it receives ZOEK_ADDED, ZOEK_REPLACED,
 * ZOEK_UNCHANGED or ZOEK_DUPLICATE.  The library copies what it needs.
 * Errors: ZOEK_EINVAL (no writer, empty or too long id, bad lang),
 * ZOEK_ENOMEM, ZOEK_EIO, ZOEK_EFULL, ZOEK_ECORRUPT. */
ZOEK_API int zoek_index_add(zoek_index *idx, const zoek_doc *doc, int *status);

/* Stages the removal of the article with external id `id`.
 * Errors: ZOEK_ENOTFOUND (no such article), ZOEK_EINVAL, ZOEK_ENOMEM,
 * ZOEK_EIO. */
ZOEK_API int zoek_index_delete(zoek_index *idx, const char *id, size_t id_len);

/* Stages the removal of every article whose id starts with `prefix` and
 * that was not added (or found unchanged) since the last commit: what
 * `zoek-index --prune` does after reading a folder again.  *ndeleted (if
 * not NULL) receives the number of articles staged for removal.
 * Errors: ZOEK_EINVAL, ZOEK_ENOMEM, ZOEK_EIO, ZOEK_ECORRUPT. */
ZOEK_API int zoek_index_prune(zoek_index *idx, const char *prefix, size_t len,
                     uint64_t *ndeleted);

/* Makes the next commit merge all segments into one (dropping deleted
 * passages for good).  Errors: ZOEK_EINVAL (not a writer). */
ZOEK_API int zoek_index_optimize(zoek_index *idx);

/* Sets the writer's memory budget in bytes (default 256 MiB; at least
 * 32 MiB, below which the parts that do not shrink would not fit): the
 * batches of text in analysis, the analysis caches, the postings held
 * before they are written out, the run's article ids and the write
 * transactions are sized from it (at the next commit's run).
 * Errors: ZOEK_EINVAL (not a writer, too small). */
ZOEK_API int zoek_index_set_memory(zoek_index *idx, size_t bytes);

/* Bounds the index pages this process keeps mapped for searching idx
 * (0, the default: no bound).  Searches read the index through a shared
 * read-only map, and the pages they touch count in the process's resident
 * set.  After a search that may have taken them past `bytes`, they are
 * dropped from the map: they stay in the kernel's page cache and come
 * back without I/O when read again, at the cost of a page fault each, so
 * a bound below the searches' working set makes them slower
 * (docs/PERFORMANCE.md).  Any handle; takes effect from the next search.
 * Errors: ZOEK_EINVAL (idx is NULL). */
ZOEK_API int zoek_index_set_map_limit(zoek_index *idx, size_t bytes);

/* Sets the number of analysis threads (default: the number of cores, at
 * most 8).  Call before the first add.  Errors: ZOEK_EINVAL. */
ZOEK_API int zoek_index_set_threads(zoek_index *idx, unsigned n);

/* Indexing events reported to a writer's callback (the library itself
 * never prints). */
typedef struct zoek_event {
    int kind;             /* ZOEK_EVENT_* */
    const char *source;   /* file or stream the event concerns, or NULL */
    uint64_t line;        /* line number in a JSON Lines source, or 0 */
    const char *message;  /* human-readable description */
    uint64_t files;       /* progress: files read so far */
    uint64_t bytes;       /* progress: input bytes read so far */
    uint64_t articles;    /* progress: articles staged so far */
} zoek_event;
enum {
    ZOEK_EVENT_WARNING = 1,  /* input repaired or a file skipped */
    ZOEK_EVENT_ERROR = 2,    /* a file or line could not be indexed */
    ZOEK_EVENT_PROGRESS = 3  /* periodic progress counters */
};
typedef void (*zoek_event_fn)(const zoek_event *ev, void *ud);

/* Sets the writer's event callback (NULL to remove). */
ZOEK_API void zoek_index_set_events(zoek_index *idx, zoek_event_fn fn, void *ud);

/* Options for adding files (zoek_index_add_path). */
typedef struct zoek_add_opts {
    size_t size;          /* sizeof(zoek_add_opts) */
    int lang;             /* ZOEK_LANG_AUTO or forced language */
} zoek_add_opts;

/* Adds a file or a directory tree.  Directories are walked recursively
 * (.txt, .md, .html/.htm with markup stripped, .jsonl, .jsonl.gz); a file
 * is read whatever its extension (JSON Lines when it ends in .jsonl or
 * .jsonl.gz).  The article id of a file is `path` joined with its path below
 * it; a JSON Lines article's id is its "id" field.  Unreadable or malformed
 * files and lines are reported through the event callback and skipped; the
 * number of such failures is added to *nfailed (if not NULL).
 * Errors: ZOEK_ENOTFOUND (path does not exist), ZOEK_EINVAL, ZOEK_ENOMEM,
 * ZOEK_EIO, ZOEK_EFULL (fatal errors only). */
ZOEK_API int zoek_index_add_path(zoek_index *idx, const char *path,
                        const zoek_add_opts *opts, uint64_t *nfailed);

/* Adds JSON Lines read from the open file descriptor `fd` (e.g. 0 for
 * standard input); `name` names the stream in messages. */
ZOEK_API int zoek_index_add_jsonl_fd(zoek_index *idx, int fd, const char *name,
                            const zoek_add_opts *opts, uint64_t *nfailed);

/* Counters of a commit. */
typedef struct zoek_commit_stats {
    uint64_t added;       /* new articles */
    uint64_t replaced;    /* changed articles re-indexed */
    uint64_t unchanged;   /* articles skipped as unchanged */
    uint64_t deleted;     /* articles removed */
    uint64_t passages;    /* passages written */
    uint64_t bytes;       /* article text bytes analysed */
    uint64_t segments;    /* live segments after the commit */
    uint64_t merged;      /* segments merged during the commit */
} zoek_commit_stats;

/* Publishes every staged change atomically and durably.  After an error the
 * index is unchanged and the staged changes are discarded.  stats may be
 * NULL.
 * Errors: ZOEK_EINVAL (not a writer), ZOEK_ENOMEM, ZOEK_EIO, ZOEK_EFULL. */
ZOEK_API int zoek_index_commit(zoek_index *idx, zoek_commit_stats *stats);

/* ------------------------------------------------------------ searching */

typedef struct zoek_results zoek_results;

enum {
    ZOEK_SEARCH_DOCS = 1 << 0,       /* one hit per article (best passage) */
    ZOEK_SEARCH_EXHAUSTIVE = 1 << 1, /* score every match, no pruning (the
                                        reference the fast path must equal) */
    ZOEK_SEARCH_NO_SNIPPETS = 1 << 2, /* skip snippet/highlight work */
    ZOEK_SEARCH_EXPLAIN = 1 << 3,     /* per-word score parts in each hit */
    ZOEK_SEARCH_PROXIMITY = 1 << 4,   /* rescore the best 100 by BM25 with a
                                         bonus for query words close together
                                         (scores then exceed plain BM25) */
    ZOEK_SEARCH_CROSS = 1 << 5,       /* cross-language: each query word also
                                         matches its dictionary translations
                                         into the index's other languages
                                         (one term: tf summed, df of the
                                         union); needs dictionaries
                                         (zoek_index_set_dictionaries),
                                         else ZOEK_EUNSUPPORTED */
    ZOEK_SEARCH_PLAIN = 1 << 6        /* the query is plain text, not query
                                         syntax: every word is optional and
                                         ranked, and + - * " ( ) AND OR NOT
                                         are not operators (for questions,
                                         claims and pasted text) */
};

/* Search options; zero-initialise and set size = sizeof(zoek_search_opts).
 * Zero values select defaults. */
typedef struct zoek_search_opts {
    size_t size;          /* sizeof(zoek_search_opts) */
    unsigned flags;       /* ZOEK_SEARCH_* bits */
    uint32_t limit;       /* hits to return (default 10) */
    uint32_t offset;      /* hits to skip first, for paging */
    double k1;            /* BM25 k1 (default 0.9; < 0 invalid) */
    double b;             /* BM25 b (default 0.4; 0..1) */
    int has_k1_b;         /* nonzero: use k1 and b as given, even 0 */
    int lang;             /* analyse the query only in this language
                             (ZOEK_LANG_AUTO: every language present) */
    uint32_t snippet_words; /* snippet length in words (default 30) */
} zoek_search_opts;

/* A highlighted range inside a snippet (byte offsets into the snippet). */
typedef struct zoek_range {
    uint32_t start;       /* first byte */
    uint32_t end;         /* one past the last byte */
} zoek_range;

/* One query word's part of a hit's score (with ZOEK_SEARCH_EXPLAIN). */
typedef struct zoek_explain {
    const char *word;     /* the query word as written */
    const char *term;     /* the index term that matched (a stem) */
    int lang;             /* language of that term's analysis (a
                             ZOEK_LANG_*), ZOEK_LANG_AUTO if several */
    int translated;       /* nonzero: reached through a translation */
    uint32_t tf;          /* occurrences in the passage (all variants) */
    uint32_t dl;          /* passage length (indexed words) */
    uint64_t df;          /* passages holding the word */
    double idf;           /* ln(1 + (N - df + 0.5) / (df + 0.5)) */
    double qtf;           /* times the word occurs in the query */
    double score;         /* qtf * idf * tf (k1 + 1) / (tf + k1 (...)) */
} zoek_explain;

/* One search hit.  All pointers are owned by the results object; new
 * fields are only ever appended. */
typedef struct zoek_hit {
    uint32_t rank;              /* 1-based rank, counting the offset */
    double score;               /* BM25 score */
    const char *doc;            /* article id (NUL-terminated) */
    size_t doc_len;             /* bytes in doc */
    uint32_t passage;           /* passage number in the article, 0-based */
    uint64_t start;             /* passage byte range in the article text */
    uint64_t end;               /* one past its last byte */
    int lang;                   /* the passage's language */
    const char *snippet;        /* snippet text (NUL-terminated) or "" */
    size_t snippet_len;         /* bytes in snippet */
    const zoek_range *highlights; /* matched words inside the snippet */
    size_t nhighlights;         /* number of highlights */
    const zoek_explain *explain;  /* per query word (ZOEK_SEARCH_EXPLAIN),
                                     in query order; NULL otherwise */
    size_t nexplain;            /* entries in explain */
} zoek_hit;

/* Runs a query against the last committed state.  The query syntax: words
 * (ranked OR), "exact phrase", +must, -exclude, AND, OR, NOT, (groups),
 * prefix*.  Text that is not valid syntax is searched as plain words, and
 * so is every query with ZOEK_SEARCH_PLAIN.
 * On success *out holds the results (caller frees with zoek_results_free);
 * on failure *out is NULL.
 * Errors: ZOEK_EINVAL (bad options), ZOEK_EQUERY (e.g. too many terms),
 * ZOEK_ENOMEM, ZOEK_ECORRUPT, ZOEK_EIO. */
ZOEK_API int zoek_search(zoek_index *idx, const char *query, size_t query_len,
                const zoek_search_opts *opts, zoek_results **out);

/* Searches several indexes as one: BM25 statistics are summed over all of
 * them, so scores equal those of a single index holding every article.
 * Same errors as zoek_search(). */
ZOEK_API int zoek_search_multi(zoek_index *const *idx, size_t nidx, const char *query,
                      size_t query_len, const zoek_search_opts *opts,
                      zoek_results **out);

/* Moves to the next hit.  Returns 1 and points *hit at it (owned by res,
 * valid until the next call or zoek_results_free), or 0 at the end (*hit
 * NULL).  Errors: ZOEK_EINVAL. */
ZOEK_API int zoek_results_next(zoek_results *res, const zoek_hit **hit);

/* Number of hits the results hold (after offset and limit). */
ZOEK_API size_t zoek_results_count(const zoek_results *res);

/* Number of matching passages (or articles with ZOEK_SEARCH_DOCS) the
 * search scored; with pruning a lower bound of the number of matches. */
ZOEK_API uint64_t zoek_results_matches(const zoek_results *res);

/* The detailed message of the last failure on the results. */
ZOEK_API const char *zoek_results_errmsg(const zoek_results *res);

/* Frees results; accepts NULL. */
ZOEK_API void zoek_results_free(zoek_results *res);

/* ------------------------------------------------------------ statistics */

typedef struct zoek_stats {
    uint64_t articles;        /* live articles */
    uint64_t passages;        /* live passages */
    uint64_t tokens;          /* indexed tokens in live passages */
    uint64_t segments;        /* live segments */
    uint64_t articles_lang[3];/* live articles: [0] English, [1] German,
                                 [2] Dutch */
    uint64_t file_bytes;      /* size of the index file */
    uint32_t format_version;  /* on-disk format version */
    uint32_t dictionaries;    /* bilingual dictionaries compiled in */
    uint64_t dictionary_keys; /* their words and phrases, all languages */
} zoek_stats;

/* Fills *st with the index's statistics.
 * Errors: ZOEK_EIO, ZOEK_ECORRUPT. */
ZOEK_API int zoek_index_stats(zoek_index *idx, zoek_stats *st);

/* ----------------------------------------------------------- maintenance */

/* What zoek_index_check() looked at. */
typedef struct zoek_check_report {
    uint64_t segments;    /* live segments */
    uint64_t terms;       /* distinct terms */
    uint64_t postings;    /* postings decoded (dead ones included) */
    uint64_t positions;   /* positions decoded */
    uint64_t articles;    /* article records checked (text inflated) */
    uint64_t passages;    /* live passages */
} zoek_check_report;

/* Verifies the whole committed index: every postings and positions value
 * decodes, is encoded exactly as the writer encodes it and agrees with its
 * skip data; every posting belongs to a live article's passage (or a
 * tombstoned one) with the stored length; the stored text of every live
 * article analyses again to exactly its passages, postings and positions;
 * document frequencies, N and the total length add up; names, articles,
 * passage map and stored texts agree.  Re-analysis makes it about as
 * costly as indexing.  Works from one snapshot while writers go on.
 * rep may be NULL.  Returns ZOEK_OK, or ZOEK_ECORRUPT with the first
 * problem in zoek_errmsg(); ZOEK_ENOMEM, ZOEK_EIO. */
ZOEK_API int zoek_index_check(zoek_index *idx, zoek_check_report *rep);

/* Stages a rebuild for the next commit (writers only; call before adding
 * anything): every article is analysed again from its stored text, with
 * the current analyzer and stemmer, and written anew; the old postings go.
 * Opening needs ZOEK_OPEN_REBUILD if the index was made by another
 * analyzer version or stemmer.  Errors: ZOEK_EINVAL (not a writer, or
 * changes already staged), ZOEK_ENOMEM, ZOEK_EIO, ZOEK_ECORRUPT. */
ZOEK_API int zoek_index_rebuild(zoek_index *idx);

/* Compiles the bilingual dictionaries in directory dir into the index, for
 * cross-language search (ZOEK_SEARCH_CROSS), replacing those compiled
 * before; dir NULL removes them.  dir holds FreeDict's dictd files
 * (freedict-eng-deu.index and freedict-eng-deu.dict.dz, and likewise
 * deu-eng, eng-nld, nld-eng, deu-nld, nld-deu; any subset); Debian's
 * dict-freedict-* packages install them in /usr/share/dictd.  Both sides
 * are analysed and stemmed as articles are.  Writers only, with nothing
 * staged (call before adding or after a commit); takes effect at once, in
 * its own commit.  *ndicts (may be NULL) gets the number of dictionaries
 * compiled in.  Errors: ZOEK_ENOTFOUND (no dictionary in dir),
 * ZOEK_EINPUT / ZOEK_ECORRUPT (a damaged dictionary file), ZOEK_EINVAL (not
 * a writer, or changes staged), ZOEK_EFULL, ZOEK_EIO, ZOEK_ENOMEM. */
ZOEK_API int zoek_index_set_dictionaries(zoek_index *idx, const char *dir,
                                         unsigned *ndicts);

/* Rewrites the index file without its free pages (the space that
 * deletions, merges and replaced articles leave behind and that LMDB only
 * reuses, never returns) and puts the copy in place atomically.  Writers
 * only, with nothing staged (call after a commit); the handle stays open
 * and usable, and every search gives the same answers as before.
 *
 * The copy is written to data.mdb.compact-tmp in the index directory and
 * synced; then, while no other handle of any process has the index open,
 * it is renamed over data.mdb and the environment is opened again.  Other
 * processes that open the index meanwhile wait until the swap is done;
 * if one has it open (a search, zoek-index --check), nothing is done and
 * ZOEK_EBUSY is returned.  A crash at any moment leaves the old or the
 * new file, both complete; a leftover copy is removed by the next writer.
 * The copy needs free disk space of about the compacted size.
 *
 * *before and *after (each may be NULL) get the size of the index file in
 * bytes before and after; both 0 on failure.
 * Errors: ZOEK_EINVAL (not a writer, or changes staged), ZOEK_EBUSY (the
 * index is open in another process, or in another handle of this one;
 * zoek_errmsg() says which), ZOEK_EFULL (no room for the copy; the index
 * is left as it was), ZOEK_EIO, ZOEK_ECORRUPT (LMDB found pages that
 * belong nowhere), ZOEK_ENOMEM.  After ZOEK_EIO saying so, the copy is in
 * place but the handle could not open it: close it and open the index
 * again. */
ZOEK_API int zoek_index_compact(zoek_index *idx, uint64_t *before,
                                uint64_t *after);

#ifdef __cplusplus
}
#endif
#endif /* ZOEK_H */
