/* eval.c - postings cursors: chunk and block skipping over the codec's
 * skip data, lazy positions. */
#include "eval.h"

#include <stddef.h>

#include "index.h"

/* Points c->key at chunk `chunk`. */
static void set_chunk(tcur *c, uint32_t chunk) {
    c->klen = c->kbase + key_chunk(c->key + c->kbase, chunk);
}

static int load_chunk(tcur *c, uint32_t chunk) {
    const uint8_t *body;
    size_t blen;
    int inl = 0;
    set_chunk(c, chunk);
    if (chunk == 0) {
        const uint8_t *v;
        size_t vl;
        if (!c->xb && !(c->xb = zk_calloc(1, sizeof *c->xb)))
            return ZOEK_ENOMEM;
        int rc = post_get(c->t, zk_get_be32(c->key), c->key + 4,
                          c->kbase - 5, c->xb, &v, &vl, NULL);
        if (rc) return rc;
        if ((rc = codec_parse_header(v, vl, &c->h))) return rc;
        body = c->h.body;
        blen = c->h.body_len;
        inl = c->h.inline_pos;
    } else {
        const void *v;
        size_t vl;
        int rc = store_get(c->t, DB_POST, c->key, c->klen, &v, &vl);
        if (rc) return rc == ZOEK_ENOTFOUND ? ZOEK_ECORRUPT : rc;
        body = v;
        blen = vl;
    }
    int rc = codec_parse_chunk(body, blen, inl, c->ck);
    if (rc) return rc;
    if (c->dir && c->ck->last[c->ck->nblocks - 1] != c->dir[chunk].last_id)
        return ZOEK_ECORRUPT;
    c->chunk = chunk;
    c->pos = NULL;
    c->pblock = -1;
    c->block = 0;
    return 0;
}

/* Decodes block b: its tfs too when all (a walk reads them all). */
static int load_block(tcur *c, uint32_t b, int all) {
    int n = codec_decode_ids(c->ck, b, c->ids, &c->tf);
    if (n < 0) return n;
    c->tfs_ok = all;
    if (all) codec_decode_tfs(&c->tf, c->tfs);
    c->bnp = c->ck->npair[b];
    memcpy(c->bpt, c->ck->ptf[b], sizeof c->bpt);
    memcpy(c->bpd, c->ck->pdl[b], sizeof c->bpd);
    c->block = b;
    c->n = n;
    c->i = 0;
    c->doc = c->ids[0];
    c->pblock = -1;
    return 0;
}

int tcur_open(tcur *c, store_txn *t, uint32_t seg, const char *term,
              size_t len) {
    memset(c, 0, offsetof(tcur, ids));
    c->doc = TC_END;
    c->pblock = -1;
    c->pbuf = NULL;
    c->pcap = 0;
    c->rc = 0;
    if (len == 0 || len > 500) return ZOEK_ENOTFOUND;
    c->t = t;
    c->klen = key_post(c->key, seg, term, len, 0);
    c->kbase = c->klen - 1;
    c->ck = zk_malloc(sizeof(codec_chunk));
    if (!c->ck) return ZOEK_ENOMEM;
    int rc = load_chunk(c, 0);
    if (rc) {
        tcur_close(c);
        return rc;
    }
    if (c->h.nchunks > 1) {
        c->dir = zk_malloc(c->h.nchunks * sizeof(codec_dirent));
        if (!c->dir) {
            tcur_close(c);
            return ZOEK_ENOMEM;
        }
        if ((rc = codec_read_dir(&c->h, c->dir)) ||
            c->ck->last[c->ck->nblocks - 1] != c->dir[0].last_id) {
            tcur_close(c);
            return rc ? rc : ZOEK_ECORRUPT;
        }
    }
    if ((rc = load_block(c, 0, 1))) {
        tcur_close(c);
        return rc;
    }
    return 0;
}

void tcur_close(tcur *c) {
    if (c->xb) post_buf_free(c->xb);
    zk_free(c->xb);
    c->xb = NULL;
    zk_free(c->ck);
    zk_free(c->dir);
    zk_free(c->pbuf);
    c->ck = NULL;
    c->dir = NULL;
    c->pbuf = NULL;
    c->pcap = 0;
    c->doc = TC_END;
}

static int fail(tcur *c, int rc) {
    c->rc = rc;
    c->doc = TC_END;
    return rc;
}

int tcur_next(tcur *c) {
    if (c->doc == TC_END) return c->rc;
    if (++c->i < c->n) {
        uint32_t d = c->ids[c->i];
        c->doc = d;
        return 0;
    }
    int rc;
    if (c->block + 1 < c->ck->nblocks) {
        if ((rc = load_block(c, c->block + 1, 1))) return fail(c, rc);
        return 0;
    }
    if (c->chunk + 1 < c->h.nchunks) {
        uint32_t prev_last = c->ids[c->n - 1];
        if ((rc = load_chunk(c, c->chunk + 1)) || (rc = load_block(c, 0, 1)))
            return fail(c, rc);
        if (c->doc <= prev_last) return fail(c, ZOEK_ECORRUPT);
        return 0;
    }
    c->doc = TC_END;
    return 0;
}

int tcur_seek(tcur *c, uint32_t target) {
    if (c->doc >= target) return c->rc;
    int rc;
    /* another chunk? */
    if (c->dir && c->dir[c->chunk].last_id < target) {
        uint32_t lo = c->chunk + 1, hi = c->h.nchunks;
        while (lo < hi) {
            uint32_t m = lo + (hi - lo) / 2;
            if (c->dir[m].last_id < target) lo = m + 1;
            else hi = m;
        }
        if (lo >= c->h.nchunks) {
            c->doc = TC_END;
            return 0;
        }
        if ((rc = load_chunk(c, lo)) || (rc = load_block(c, 0, 0)))
            return fail(c, rc);
        if (c->doc >= target) return 0;
    }
    /* another block? */
    if (c->ck->last[c->block] < target) {
        uint32_t b = c->block + 1;
        while (b < c->ck->nblocks && c->ck->last[b] < target) b++;
        if (b >= c->ck->nblocks) {
            /* past this chunk (single-chunk terms have no directory) */
            c->doc = TC_END;
            return 0;
        }
        if ((rc = load_block(c, b, 0))) return fail(c, rc);
    }
    while (c->ids[c->i] < target) c->i++; /* block's last id >= target */
    c->doc = c->ids[c->i];
    return 0;
}

int tcur_positions(tcur *c, const uint32_t **pos, uint32_t *n) {
    if (c->doc == TC_END) return ZOEK_EINVAL;
    if (c->pblock != (int)c->block) {
        tcur_need_tfs(c);
        if (!c->pos && c->ck->ipos) {
            c->pos = c->ck->ipos;
            c->poslen = c->ck->ipos_len;
        } else if (!c->pos) {
            const void *v;
            size_t vl;
            set_chunk(c, c->chunk);
            int rc = store_get(c->t, DB_POS, c->key, c->klen, &v, &vl);
            if (rc) return fail(c, rc == ZOEK_ENOTFOUND ? ZOEK_ECORRUPT : rc);
            c->pos = v;
            c->poslen = vl;
        }
        size_t sum = 0;
        for (int k = 0; k < c->n; k++) {
            c->poff[k] = (uint32_t)sum;
            sum += c->tfs[k];
        }
        c->poff[c->n] = (uint32_t)sum;
        if (sum > c->pcap) {
            uint32_t *p = zk_realloc(c->pbuf, sum * sizeof(uint32_t));
            if (!p) return fail(c, ZOEK_ENOMEM);
            c->pbuf = p;
            c->pcap = sum;
        }
        size_t got;
        int rc = codec_decode_positions(c->ck, c->block, c->pos, c->poslen,
                                        c->tfs, (uint32_t)c->n, c->pbuf,
                                        c->pcap, &got);
        if (rc || got != sum) return fail(c, rc ? rc : ZOEK_ECORRUPT);
        c->pblock = (int)c->block;
    }
    *pos = c->pbuf + c->poff[c->i];
    *n = c->poff[c->i + 1] - c->poff[c->i];
    return 0;
}

/* Folds into *tf and *dl the directory's largest tf and smallest length
 * of the chunks after the current one that reach into [lo, hi]. */
static void dir_window(const tcur *c, uint32_t lo, uint32_t hi, uint32_t *tf,
                       uint32_t *dl) {
    for (uint32_t ch = c->chunk + 1; c->dir && ch < c->h.nchunks; ch++) {
        if (c->dir[ch].last_id < lo) continue;
        if (c->dir[ch].max_tf > *tf) *tf = c->dir[ch].max_tf;
        if (c->dir[ch].min_dl < *dl) *dl = c->dir[ch].min_dl;
        if (c->dir[ch].last_id >= hi) break;
    }
}

int tcur_window(const tcur *c, uint32_t lo, uint32_t hi, uint32_t *max_tf,
                uint32_t *min_dl) {
    if (c->doc == TC_END || c->doc > hi) return 0;
    if (lo < c->doc) lo = c->doc;
    const codec_chunk *k = c->ck;
    uint32_t tf = 0, dl = UINT32_MAX;
    uint32_t b = c->block;
    while (b < k->nblocks && k->last[b] < lo) b++;
    for (; b < k->nblocks; b++) {
        if (k->max_tf[b] > tf) tf = k->max_tf[b];
        if (k->min_dl[b] < dl) dl = k->min_dl[b];
        if (k->last[b] >= hi) goto done;
    }
    /* the window goes on past this chunk: the directory's bounds */
    dir_window(c, lo, hi, &tf, &dl);
done:
    *max_tf = tf;
    *min_dl = dl;
    return 1;
}

double tcur_window_bound(const tcur *c, uint32_t lo, uint32_t hi,
                         const bm25_bound *f) {
    if (c->doc == TC_END || c->doc > hi) return 0;
    if (lo < c->doc) lo = c->doc;
    const codec_chunk *k = c->ck;
    double m = 0;
    uint32_t b = c->block;
    while (b < k->nblocks && k->last[b] < lo) b++;
    for (; b < k->nblocks; b++) {
        for (uint32_t j = 0; j < k->npair[b]; j++) {
            double v = bm25_tf_bound(f, k->ptf[b][j], k->pdl[b][j]);
            if (v > m) m = v;
        }
        if (k->last[b] >= hi) return m;
    }
    uint32_t tf = 0, dl = UINT32_MAX;
    dir_window(c, lo, hi, &tf, &dl);
    if (tf) {
        double v = bm25_tf_bound(f, tf, dl);
        if (v > m) m = v;
    }
    return m;
}

uint32_t tcur_block_end(const tcur *c, uint32_t lo) {
    if (c->doc == TC_END) return TC_END;
    if (lo < c->doc) lo = c->doc;
    const codec_chunk *k = c->ck;
    for (uint32_t b = c->block; b < k->nblocks; b++)
        if (k->last[b] >= lo) return k->last[b];
    for (uint32_t ch = c->chunk + 1; c->dir && ch < c->h.nchunks; ch++)
        if (c->dir[ch].last_id >= lo) return c->dir[ch].last_id;
    return TC_END;
}
