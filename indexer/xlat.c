/* xlat.c - compiling bilingual dictionaries into an index and reading
 * them back (see xlat.h). */
#include "xlat.h"

#include <string.h>

#include "dict.h"
#include "stem.h"

int xlat_info_read(store_txn *t, xlat_info *out) {
    memset(out, 0, sizeof *out);
    const void *v;
    size_t vl;
    int rc = store_get(t, DB_META, "xlat", 4, &v, &vl);
    if (rc) return rc;
    const uint8_t *p = v;
    if (vl != 22 || p[0] != XLAT_VERSION || p[21] >> 6) return ZOEK_ECORRUPT;
    out->analyzer_version = zk_get_le32(p + 1);
    out->fingerprint = zk_get_le64(p + 5);
    out->keys = zk_get_le64(p + 13);
    out->dicts = p[21];
    return 0;
}

int xlat_get(store_txn *t, int lang, const char *key, size_t klen,
             const uint8_t **v, size_t *vlen) {
    uint8_t k[DICT_KEY_MAX];
    size_t kl = dict_key(lang, key, klen, k);
    if (!kl) return ZOEK_ENOTFOUND;
    const void *val;
    int rc = store_get(t, DB_XLAT, k, kl, &val, vlen);
    *v = rc ? NULL : val;
    return rc;
}

typedef struct install {
    const dict_compiled *dc; /* NULL: remove */
    const idx_config *cfg;   /* the index's analyzer */
    unsigned dicts;          /* compiled dictionaries */
} install;

static int install_txn(store_txn *t, const install *in) {
    int rc = store_clear(t, DB_XLAT);
    if (rc) return rc;
    if (!in->dc) {
        rc = store_del(t, DB_META, "xlat", 4);
        return rc == ZOEK_ENOTFOUND ? 0 : rc;
    }
    size_t n = dict_count(in->dc);
    for (size_t i = 0; i < n; i++) {
        int lang;
        const char *key;
        size_t klen, vlen;
        const uint8_t *val;
        uint8_t k[DICT_KEY_MAX];
        if ((rc = dict_get(in->dc, i, &lang, &key, &klen, &val, &vlen)))
            return rc;
        size_t kl = dict_key(lang, key, klen, k);
        if (!kl) return ZOEK_EINVAL;
        if ((rc = store_put(t, DB_XLAT, k, kl, val, vlen, 1)))
            return rc;
    }
    uint8_t v[22];
    v[0] = XLAT_VERSION;
    zk_put_le32(v + 1, in->cfg->analyzer_version);
    zk_put_le64(v + 5, in->cfg->fingerprint);
    zk_put_le64(v + 13, n);
    v[21] = (uint8_t)in->dicts;
    return store_put(t, DB_META, "xlat", 4, v, sizeof v, 0);
}

/* Reads and compiles the FreeDict dictionaries of dir; *dicts gets the
 * bits of those found. */
static int compile_dir(zoek_index *idx, const char *dir, dict_compiled **out,
                       unsigned *dicts) {
    *out = NULL;
    *dicts = 0;
    dict_compiler *c;
    int rc = dict_compiler_new(NULL, &c);
    if (rc) return idx_fail(idx, rc, "out of memory");
    char err[512] = "";
    for (size_t i = 0; i < 6; i++) {
        dict_raw *d;
        rc = dict_read(dir, dict_freedict_names[i], &d, err, sizeof err);
        if (rc == ZOEK_ENOTFOUND) continue; /* not installed */
        if (rc) {
            idx_fail(idx, rc, "%s", err[0] ? err : zoek_strerror(rc));
            goto done;
        }
        rc = dict_compiler_add(c, d, NULL);
        dict_raw_free(d);
        if (rc) {
            idx_fail(idx, rc, "%s: %s: %s", dir, dict_freedict_names[i],
                     zoek_strerror(rc));
            goto done;
        }
        *dicts |= 1u << i;
    }
    if (!*dicts) {
        rc = idx_fail(idx, ZOEK_ENOTFOUND,
                      "%s: no FreeDict dictionary there (freedict-eng-deu."
                      "index and .dict.dz, ...; Debian: apt install "
                      "dict-freedict-eng-deu dict-freedict-deu-eng "
                      "dict-freedict-eng-nld dict-freedict-nld-eng "
                      "dict-freedict-deu-nld dict-freedict-nld-deu)",
                      dir);
        goto done;
    }
    rc = dict_compiler_finish(c, out);
    if (rc) idx_fail(idx, rc, "out of memory");
done:
    dict_compiler_free(c);
    return rc;
}

int zoek_index_set_dictionaries(zoek_index *idx, const char *dir,
                                unsigned *ndicts) {
    if (ndicts) *ndicts = 0;
    if (!idx) return ZOEK_EINVAL;
    if (!idx->w) return idx_fail(idx, ZOEK_EINVAL, "index not opened for writing");
    if (writer_staged(idx->w))
        return idx_fail(idx, ZOEK_EINVAL,
                        "dictionaries must be set before adding or after a "
                        "commit");
    install in = {NULL, &idx->cfg, 0};
    dict_compiled *dc = NULL;
    int rc;
    if (dir) {
        if ((rc = compile_dir(idx, dir, &dc, &in.dicts))) return rc;
        in.dc = dc;
    }
    /* room for the table twice over (old pages stay until the commit) */
    uint64_t need = 0;
    for (size_t i = 0; dc && i < dict_count(dc); i++) {
        size_t kl = 0, vl = 0;
        dict_get(dc, i, NULL, NULL, &kl, NULL, &vl);
        need += kl + vl + 24;
    }
    rc = store_ensure(idx->st, need * 3 + (8u << 20));
    for (int tries = 0; !rc && tries < 20; tries++) {
        store_txn *t;
        if ((rc = store_begin(idx->st, 1, 0, &t))) break;
        rc = install_txn(t, &in);
        if (!rc) rc = store_commit(t);
        else store_abort(t);
        if (rc != STORE_MAPFULL) break;
        rc = store_grow(idx->st);
        if (!rc) rc = STORE_MAPFULL;
    }
    dict_compiled_free(dc);
    if (rc == STORE_MAPFULL) rc = ZOEK_EFULL;
    if (rc)
        return idx_fail(idx, rc, "cannot store the dictionaries: %s",
                        zoek_strerror(rc));
    if (ndicts)
        for (unsigned b = in.dicts; b; b &= b - 1) (*ndicts)++;
    return 0;
}
