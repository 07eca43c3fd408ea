/* xlat.h - the translation table of an index: bilingual dictionaries
 * compiled by dict.c (stems on both sides), stored in the `xlat` table so
 * that cross-language search looks up one query word with one get.
 *
 * xlat: key = dict_key() bytes (u8 ZK_LANG_* of the word, its stem or
 *       stems joined by one space); value = a dict.h value (version 1).
 * meta "xlat": u8 version (1), u32 LE analyzer version, u64 LE stemmer
 *       fingerprint, u64 LE keys, u8 dictionaries (bit i set when
 *       dict_freedict_names[i] was compiled in).  Absent: no dictionaries.
 */
#ifndef ZK_XLAT_H
#define ZK_XLAT_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

#define XLAT_VERSION 1

typedef struct xlat_info {
    uint32_t analyzer_version; /* analyzer that compiled the keys */
    uint64_t fingerprint;      /* stemmer fingerprint then */
    uint64_t keys;             /* keys in the table */
    unsigned dicts;            /* bit i: dict_freedict_names[i] */
} xlat_info;

/* Reads the table's description.  Returns 0, ZOEK_ENOTFOUND (no
 * dictionaries), ZOEK_ECORRUPT or a store error. */
ZK_HIDDEN int xlat_info_read(store_txn *t, xlat_info *out);

/* The translations of (lang, key): *v points into the map until the
 * transaction ends.  Returns 0, ZOEK_ENOTFOUND or a store error. */
ZK_HIDDEN int xlat_get(store_txn *t, int lang, const char *key, size_t klen,
                       const uint8_t **v, size_t *vlen);

#endif
