/* segment.h - writing and merging segments: an in-memory inverted index of
 * term occurrences flushed as one segment, and the k-way merge of
 * segments that drops deleted passages. */
#ifndef ZK_SEGMENT_H
#define ZK_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

/* In-memory postings of the passages added since the last flush. */
typedef struct membuf membuf;

ZK_HIDDEN int membuf_new(membuf **out);
ZK_HIDDEN void membuf_free(membuf *m);
/* Bytes held (for the memory budget). */
ZK_HIDDEN size_t membuf_bytes(const membuf *m);
/* Number of passages held. */
ZK_HIDDEN uint32_t membuf_passages(const membuf *m);

/* Interns a term; returns its id in *tid.  Returns 0 or ZOEK_ENOMEM. */
ZK_HIDDEN int membuf_term(membuf *m, const char *s, size_t len,
                          uint32_t *tid);
/* Number of distinct terms held. */
ZK_HIDDEN uint32_t membuf_nterms(const membuf *m);
/* The bytes of term tid. */
ZK_HIDDEN void membuf_term_bytes(const membuf *m, uint32_t tid,
                                 const char **s, size_t *len);
/* Starts a passage with global id p (ids increase, gaps allowed), length
 * dl and language lang. */
ZK_HIDDEN int membuf_passage(membuf *m, uint32_t p, uint32_t dl, int lang);
/* Adds an occurrence of term tid at position pos of the current passage
 * (positions of one term in a passage increase). */
ZK_HIDDEN int membuf_occ(membuf *m, uint32_t tid, uint32_t pos);

/* Writes the postings as segment `seg` in write transactions of about
 * store_write_bytes() each (keys appended: seg must be larger than every
 * segment id written so far; a full map is grown and the transaction
 * redone).  The segment is pending until a state record lists it.
 * *bytes receives the bytes of values written.  Call membuf_reset()
 * afterwards. */
ZK_HIDDEN int membuf_flush(membuf *m, store *s, uint32_t seg,
                           uint64_t *bytes);
ZK_HIDDEN void membuf_reset(membuf *m);
/* Empties the membuf and frees its arrays (they grow again on use). */
ZK_HIDDEN void membuf_shrink(membuf *m);
/* Frees the occurrence chunks and flush scratch an empty membuf keeps for
 * reuse beyond what `bytes` of postings would need (a smaller share of
 * memory than when they were allocated). */
ZK_HIDDEN void membuf_trim(membuf *m, size_t bytes);
/* The passage id ranges held (sorted, coalesced): a new array the caller
 * frees, and its length. */
ZK_HIDDEN int membuf_ranges(const membuf *m, prange **out, uint32_t *n);

/* An unlinked temporary file in directory dir (removed by any exit):
 * its descriptor in *fd.  Returns 0, ZOEK_EFULL, ZOEK_ENOMEM or ZOEK_EIO. */
ZK_HIDDEN int segment_tmpfile(const char *dir, int *fd);
/* Writes p[0..len) whole to fd (a temporary file): 0 or the code of
 * segment_io_error. */
ZK_HIDDEN int segment_write(int fd, const void *p, size_t len);
/* The code for an errno of temporary-file I/O: ZOEK_EFULL (no space),
 * ZOEK_ENOMEM or ZOEK_EIO. */
ZK_HIDDEN int segment_io_error(int errnum);

/* A run: a membuf's postings spilled, sorted and encoded, to an unlinked
 * temporary file (removed by any exit), to be merged into a segment. */
typedef struct segrun segrun;

/* Spills m into a new run in the directory of s (then call
 * membuf_reset()).  Returns 0, ZOEK_ENOMEM, ZOEK_EFULL (disk full) or
 * ZOEK_EIO. */
ZK_HIDDEN int membuf_spill(membuf *m, store *s, segrun **out);
ZK_HIDDEN void segrun_free(segrun *r);
/* Bytes of values a segment of the run holds, its passages and their id
 * ranges (sorted, coalesced; owned by the run). */
ZK_HIDDEN uint64_t segrun_bytes(const segrun *r);
ZK_HIDDEN uint32_t segrun_passages(const segrun *r);
ZK_HIDDEN const prange *segrun_ranges(const segrun *r, uint32_t *n);

/* Passage-liveness test used by merges: returns 1 if p is dead. */
typedef int (*seg_dead_fn)(void *ud, uint32_t p);
/* Per-term count of dropped dead postings (for deldf). */
typedef int (*seg_drop_fn)(void *ud, const char *term, size_t len,
                           uint32_t dropped);

/* Merges segments in[0..nseg) and runs[0..nruns) (64 inputs at most)
 * into segment `out`, reading segments through a snapshot of s and
 * writing in write transactions of about store_write_bytes() (a full map
 * returns STORE_MAPFULL: the caller drops the partial output).  Dead
 * passages of the segments are dropped and reported per term through
 * drop.  threads: 1, or 2 to allow a second thread (below).  *bytes
 * receives the output size. */
ZK_HIDDEN int segment_merge(store *s, const uint32_t *in, size_t nseg,
                            segrun *const *runs, size_t nruns, uint32_t out,
                            seg_dead_fn dead, void *dead_ud,
                            seg_drop_fn drop, void *drop_ud, int threads,
                            uint64_t *bytes);

/* A merge of runs alone (an indexing run's postings) of at least this
 * many bytes is done by two threads, each merging half of the terms
 * (default 16 MiB), when segment_merge() is given threads = 2 (a second
 * pass takes its own buffers); segment_parallel_merges counts such
 * merges. */
ZK_HIDDEN extern uint64_t segment_parallel_min;
ZK_HIDDEN extern uint64_t segment_parallel_merges;
/* A merge into the index commits every store_write_bytes() written and
 * gives the map back (store_release_map) at each commit and every quarter
 * of that between; these count both (for tests). */
ZK_HIDDEN extern uint64_t segment_sink_commits, segment_map_releases;

/* Deletes every key of segment seg from post and pos. */
ZK_HIDDEN int segment_drop(store_txn *t, uint32_t seg);

#endif
