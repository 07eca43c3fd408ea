/* writer.h - what the input readers (source.c) need from the write path. */
#ifndef ZK_WRITER_H
#define ZK_WRITER_H

#include <stdint.h>

#include "util.h"

/* Reports an event through the index's callback (main thread only). */
ZK_HIDDEN void writer_event(zoek_index *idx, int kind, const char *source,
                            uint64_t line, const char *msg);
/* Counts input read, and reports progress at most every 0.25 s. */
ZK_HIDDEN void writer_progress(zoek_index *idx, uint64_t files,
                               uint64_t bytes);

#endif
