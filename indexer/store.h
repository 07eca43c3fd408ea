/* store.h - the LMDB environment of an index: named databases, transactions
 * with map growth, zero-copy gets, cursors, the writer lock. */
#ifndef ZK_STORE_H
#define ZK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Named databases. */
enum {
    DB_META = 0, /* "format", "config", "state", "xlat" */
    DB_POST,     /* seg|term\0|chunk -> postings chunk */
    DB_POS,      /* seg|term\0|chunk -> positions chunk */
    DB_DELDF,    /* term -> postings of dead passages in live segments */
    DB_DEAD,     /* passage>>13 -> 1 KiB tombstone bitmap */
    DB_ART,      /* article id -> article record */
    DB_NAMES,    /* external id -> article id */
    DB_PMAP,     /* first passage id -> article id */
    DB_TEXT,     /* article id|chunk -> zlib text piece */
    DB_XLAT,     /* language|stem(s) -> translations (xlat.h) */
    DB_PLEN,     /* passage>>12 -> passage lengths and languages */
    DB_COUNT
};

/* Internal code: the map is full; the caller grows it and retries. */
#define STORE_MAPFULL (-100)

typedef struct store store;
typedef struct store_txn store_txn;
typedef struct store_cursor store_cursor;

enum {
    STORE_WRITE = 1 << 0,   /* take the writer lock */
    STORE_CREATE = 1 << 1,  /* create the directory and files */
    STORE_WAIT = 1 << 2     /* wait for the writer lock */
};

/* Opens the environment in directory `path`.  Errors: ZOEK_ENOTFOUND,
 * ZOEK_ENOTINDEX, ZOEK_EVERSION, ZOEK_ECORRUPT, ZOEK_EBUSY, ZOEK_EIO,
 * ZOEK_ENOMEM; details in err. */
ZK_HIDDEN int store_open(const char *path, unsigned flags, store **out,
                         char *err, size_t errlen);
ZK_HIDDEN void store_close(store *s);

/* Whether the environment was created by this open (empty). */
ZK_HIDDEN int store_is_new(const store *s);

/* Begins a transaction.  Write transactions come from one thread at a time;
 * `nosync` skips the durable flush at commit (kill -9 safe, not power-loss
 * safe; a later synced commit makes everything durable). */
ZK_HIDDEN int store_begin(store *s, int write, int nosync, store_txn **out);
/* Commits (write) or ends (read) a transaction; frees it.  A write commit
 * may return STORE_MAPFULL, ZOEK_EFULL or ZOEK_EIO (then nothing was
 * committed). */
ZK_HIDDEN int store_commit(store_txn *t);
ZK_HIDDEN void store_abort(store_txn *t);
/* Read transactions: release the snapshot / take a fresh one. */
ZK_HIDDEN void store_reset(store_txn *t);
ZK_HIDDEN int store_renew(store_txn *t);

/* Doubles the map.  No transaction of this process may be open. */
ZK_HIDDEN int store_grow(store *s);
/* Grows the map until `extra` bytes beyond the used pages fit.  No
 * transaction of this process may be open. */
ZK_HIDDEN int store_ensure(store *s, uint64_t extra);

/* Bytes of values a writer puts in one write transaction (a bulk write
 * commits when it has written this much): LMDB holds a transaction's
 * dirty pages in memory until it commits, and keeps them for reuse.
 * Buffers of bulk writes (runs, merges) are sized from it too. */
#define STORE_WRITE_BYTES ((size_t)8 << 20) /* the default */
ZK_HIDDEN void store_set_write_bytes(store *s, size_t bytes);
ZK_HIDDEN size_t store_write_bytes(const store *s);

/* Drops the index pages this process has mapped in so far from its
 * resident set (they stay in the page cache): keeps a writer's memory
 * bounded while it reads segments back. */
ZK_HIDDEN void store_release_map(store *s);

/* Keeps the index pages this process has mapped under `limit` bytes (0:
 * no limit) beyond the other file pages it had resident after the last
 * release: when they may have grown past it (judged from the page faults
 * since the last look, then read from /proc/self/statm), releases the
 * map.  Cheap when nothing grew; safe while other threads read. */
ZK_HIDDEN void store_trim_map(store *s, uint64_t limit);

/* Zero-copy get: *v points into the map, valid until the transaction
 * ends.  Returns 0, ZOEK_ENOTFOUND or an error. */
ZK_HIDDEN int store_get(store_txn *t, int db, const void *k, size_t klen,
                        const void **v, size_t *vlen);
/* append: keys are written in increasing order at the end of the db. */
ZK_HIDDEN int store_put(store_txn *t, int db, const void *k, size_t klen,
                        const void *v, size_t vlen, int append);
/* Reserves vlen bytes for a value and returns where to write it. */
ZK_HIDDEN int store_reserve(store_txn *t, int db, const void *k, size_t klen,
                            size_t vlen, void **v, int append);
ZK_HIDDEN int store_del(store_txn *t, int db, const void *k, size_t klen);
/* Empties a database. */
ZK_HIDDEN int store_clear(store_txn *t, int db);
/* Deletes the keys in [lo, hi) (hi NULL: to the end), at most `limit` of
 * them (0: all).  *n (if not NULL) receives the count. */
ZK_HIDDEN int store_del_range(store_txn *t, int db, const void *lo,
                              size_t lolen, const void *hi, size_t hilen,
                              uint64_t limit, uint64_t *n);

ZK_HIDDEN int store_cursor_open(store_txn *t, int db, store_cursor **out);
ZK_HIDDEN void store_cursor_close(store_cursor *c);
/* Positions at the first key >= k (k NULL: the first key). */
ZK_HIDDEN int store_cursor_seek(store_cursor *c, const void *k, size_t klen,
                                const void **ko, size_t *kolen,
                                const void **v, size_t *vlen);
ZK_HIDDEN int store_cursor_next(store_cursor *c, const void **ko,
                                size_t *kolen, const void **v, size_t *vlen);
ZK_HIDDEN int store_cursor_prev(store_cursor *c, const void **ko,
                                size_t *kolen, const void **v, size_t *vlen);
/* Positions at the last key (ZOEK_ENOTFOUND if empty). */
ZK_HIDDEN int store_cursor_last(store_cursor *c, const void **ko,
                                size_t *kolen, const void **v, size_t *vlen);
ZK_HIDDEN int store_cursor_del(store_cursor *c);

/* Size of data.mdb in bytes, and the number of entries/bytes of a db. */
ZK_HIDDEN uint64_t store_file_size(store *s);
ZK_HIDDEN int store_db_stat(store_txn *t, int db, uint64_t *entries,
                            uint64_t *bytes);

/* Replaces data.mdb by a copy without free pages (a writer's store, the
 * only one of its environment in this process, no transaction open):
 * writes the copy to data.mdb.compact-tmp, syncs it, and, holding
 * open.lock exclusively (no other process has the index open), renames it
 * over data.mdb, removes lock.mdb and opens the environment again.
 * *before and *after get the file sizes.  Errors: ZOEK_EBUSY (open
 * elsewhere), ZOEK_EFULL, ZOEK_EIO, ZOEK_ECORRUPT (LMDB found leaked
 * pages), ZOEK_ENOMEM; details in err.  The old file stays in place unless
 * the copy is complete.  If opening the new file fails, every later call
 * on s fails with ZOEK_EIO. */
ZK_HIDDEN int store_compact(store *s, uint64_t *before, uint64_t *after,
                            char *err, size_t errlen);

/* The detail of the last error in this thread's use of s. */
ZK_HIDDEN const char *store_path(const store *s);

#endif
