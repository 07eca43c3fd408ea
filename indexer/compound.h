/* compound.h - splits German and Dutch closed compounds into known words
 * ("koalitionsregierung" -> "koalition" + "regierung") with built-in word
 * lists, so the split is the same wherever and whenever it runs. */
#ifndef ZK_COMPOUND_H
#define ZK_COMPOUND_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define COMPOUND_MIN_LEN 8   /* shorter words are not split */
#define COMPOUND_MAX_PARTS 4 /* parts of one word, at most */

/* The word lists' start filter: bit compound_pfx_bit(w) of a list's
 * bitmap (COMPOUND_PFX_BITS bits) is set for the first four bytes of each
 * listed word of four bytes or more, so a clear bit means no listed word
 * starts with w's first four bytes. */
#define COMPOUND_PFX_BITS 18
static inline uint32_t compound_pfx_bit(const char *w) {
    uint32_t x = (uint32_t)(unsigned char)w[0] |
                 (uint32_t)(unsigned char)w[1] << 8 |
                 (uint32_t)(unsigned char)w[2] << 16 |
                 (uint32_t)(unsigned char)w[3] << 24;
    return (x * 0x9E3779B1u) >> (32 - COMPOUND_PFX_BITS);
}

typedef struct compound compound;

/* One per analyzer (not thread-safe).  The word sets are built on first
 * use.  Returns 0 or ZOEK_ENOMEM. */
ZK_HIDDEN int compound_new(compound **out);
ZK_HIDDEN void compound_free(compound *c);

/* Splits a language-folded word of language lang (German or Dutch; other
 * languages are never split).  Fills off/len with the parts' byte ranges
 * in w (linking elements such as German "s" left out; the last part
 * runs to the end of w) and returns their number (>= 2), or 0 when the
 * word is not a compound of known words, or ZOEK_ENOMEM. */
ZK_HIDDEN int compound_split(compound *c, int lang, const char *w,
                             size_t n, size_t *off, size_t *len);

/* The infinitive of a German or Dutch verb form that Snowball does not
 * reduce ("verursacht" -> "verursachen", "gesmokkeld" -> "smokkelen",
 * "veroorzaakt" -> "veroorzaken"), found when the infinitive is a
 * listed word or the form is one of a German -ieren or Dutch -eren verb
 * ("klassifiziert", "geabsorbeerd"), also for the participle of a
 * separable verb ("eingeführt" -> "einführen", "opgericht" ->
 * "oprichten", "bijgedragen" -> "bijdragen"): written to out (cap bytes,
 * NUL-terminated) and its length returned; 0 when there is none;
 * ZOEK_ENOMEM. */
ZK_HIDDEN int compound_verb(compound *c, int lang, const char *w, size_t n,
                            char *out, size_t cap);

/* Whether the -s of a German or Dutch word ending in a vowel and -s is
 * an ending Snowball leaves on: a genitive ("Warschaus", "Kenias") or a
 * plural ("Autos", "Victorias"): 1 when the word without it is listed
 * and at least as frequent, or for a Dutch consonant + -es (the plural of
 * a noun in -e: "procedures", "turbines"); else 0. */
ZK_HIDDEN int compound_drop_s(compound *c, int lang, const char *w,
                              size_t n);

#endif
