/* idset.h - the article ids of an indexing run: exact membership, the
 * article each id maps to, and all of them in byte order for the commit,
 * in memory bounded by a limit (past it they are spilled to files). */
#ifndef ZK_IDSET_H
#define ZK_IDSET_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

typedef struct idset idset;

/* A set whose spill files go to directory dir (copied) and whose memory
 * stays near limit bytes (idset_bytes). */
ZK_HIDDEN int idset_new(const char *dir, size_t limit, idset **out);
ZK_HIDDEN void idset_free(idset *s);
/* Drops every id and spill (the limit stays). */
ZK_HIDDEN void idset_clear(idset *s);
ZK_HIDDEN void idset_set_limit(idset *s, size_t limit);

/* Adds id (1 to 65535 bytes) mapped to art, unless it is in the set:
 * then *found = 1 and nothing changes.  Returns 0, ZOEK_ENOMEM, or
 * ZOEK_EIO / ZOEK_EFULL when a spill cannot be written or read. */
ZK_HIDDEN int idset_add(idset *s, const char *id, size_t len, uint32_t art,
                        int *found);
/* Maps the id added last to art. */
ZK_HIDDEN void idset_set_last(idset *s, uint32_t art);
/* *found = 1 if id is in the set (its article in *art, if art). */
ZK_HIDDEN int idset_find(idset *s, const char *id, size_t len, int *found,
                         uint32_t *art);

/* Ids in the set. */
ZK_HIDDEN uint64_t idset_count(const idset *s);
/* Their bytes together. */
ZK_HIDDEN uint64_t idset_id_bytes(const idset *s);
/* Memory held: the ids in memory (their table, entries and bytes) and
 * each spill's filter and block index. */
ZK_HIDDEN size_t idset_bytes(const idset *s);
/* Spill files written and merges of spills done (for tests). */
ZK_HIDDEN uint64_t idset_spills(const idset *s);

/* Every id in byte order.  Starting writes the ids still in memory to a
 * spill; the set stays usable, and an iteration can be started again. */
typedef struct idset_iter idset_iter;
ZK_HIDDEN int idset_iter_start(idset *s, idset_iter **out);
/* 1 with the next id (valid until the next call) and its article, 0 at
 * the end, or a negative error. */
ZK_HIDDEN int idset_iter_next(idset_iter *it, const char **id, size_t *len,
                              uint32_t *art);
ZK_HIDDEN void idset_iter_free(idset_iter *it);

#endif
