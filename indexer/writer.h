/* writer.h - what the input readers (source.c) need from the write path. */
#ifndef ZK_WRITER_H
#define ZK_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* What a writer's memory budget is spent on.  Every part is derived from
 * the budget, so that a small budget shrinks them all
 * (docs/PERFORMANCE.md, "Indexing memory"). */
typedef struct writer_plan {
    size_t batch_bytes;   /* text per batch handed to a thread */
    size_t inflight;      /* batches dispatched and not yet taken in */
    unsigned cache_bits;  /* log2 of each analyzer's word-cache slots */
    size_t write_bytes;   /* values per write transaction */
    size_t records;       /* article records gathered before a write */
    size_t postings;      /* postings the threads hold together, less what
                             the run's article ids take */
    size_t postings_min;  /* ... but at least this */
    size_t ids;           /* the run's article ids held in memory (more
                             are spilled to files) */
} writer_plan;

/* Analysis threads when none are set: one per core, 1 to 8. */
ZK_HIDDEN int writer_default_threads(void);

/* The plan for a budget in bytes and a number of analysis threads. */
ZK_HIDDEN void writer_plan_for(size_t budget, int nthreads, writer_plan *out);

/* Reports an event through the index's callback (main thread only). */
ZK_HIDDEN void writer_event(zoek_index *idx, int kind, const char *source,
                            uint64_t line, const char *msg);
/* Counts input read, and reports progress at most every 0.25 s. */
ZK_HIDDEN void writer_progress(zoek_index *idx, uint64_t files,
                               uint64_t bytes);

#endif
