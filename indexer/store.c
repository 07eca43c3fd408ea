/* store.c - LMDB environment, databases and transactions of an index; the
 * only file that includes lmdb.h.
 *
 * Directory layout (format 1):
 *   data.mdb, lock.mdb  the LMDB environment (one file, MDB_NOSUBDIR off)
 *   writer.lock         flock()ed by the one writer for its whole session
 * Databases (named): meta, post, pos, deldf, dead, art, names, pmap, text;
 * their keys and values are described in docs/FORMAT.md and in writer.c.
 *
 * Map size: starts at 1 GiB (or twice the file) and doubles on
 * MDB_MAP_FULL; readers pick up a grown map on MDB_MAP_RESIZED.  Within a
 * process the map may only be resized while no transaction is open, so
 * every transaction holds a shared lock that resizing takes exclusively.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const db_names[DB_COUNT] = {
    "meta", "post", "pos", "deldf", "dead", "art", "names", "pmap", "text"};

struct store {
    MDB_env *env;              /* the environment */
    MDB_dbi dbi[DB_COUNT];     /* named databases */
    int lock_fd;               /* writer.lock, or -1 */
    int is_new;                /* created by this open */
    size_t mapsize;            /* current map size */
    pthread_rwlock_t resize;   /* shared: open txns; exclusive: resize */
    char *path;                /* directory */
};

struct store_txn {
    store *s;        /* owner */
    MDB_txn *txn;    /* LMDB transaction */
    int write;       /* write transaction */
    int locked;      /* holds s->resize shared */
};

struct store_cursor {
    MDB_cursor *c;   /* LMDB cursor */
};

#define MAP_MIN ((size_t)1 << 30)

/* Translates an LMDB or errno code to a zoek code. */
static int xlate(int rc) {
    switch (rc) {
    case MDB_SUCCESS: return 0;
    case MDB_NOTFOUND: return ZOEK_ENOTFOUND;
    case MDB_MAP_FULL: return STORE_MAPFULL;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_BAD_TXN:
    case MDB_BAD_VALSIZE: return ZOEK_ECORRUPT;
    case MDB_INVALID: return ZOEK_ENOTINDEX;
    case MDB_VERSION_MISMATCH: return ZOEK_EVERSION;
    case MDB_READERS_FULL:
    case MDB_TXN_FULL:
    case MDB_CURSOR_FULL:
    case MDB_DBS_FULL: return ZOEK_EBUSY;
    case ENOMEM: return ZOEK_ENOMEM;
    case ENOSPC:
    case EDQUOT: return ZOEK_EFULL;
    case ENOENT: return ZOEK_ENOTFOUND;
    case EACCES:
    case EPERM:
    case EROFS:
    case EIO:
    default: return ZOEK_EIO;
    }
}

const char *store_path(const store *s) { return s->path; }
int store_is_new(const store *s) { return s->is_new; }

/* 1 if directory `path` holds entries other than our own lock files. */
static int dir_has_foreign(const char *path) {
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *e;
    int foreign = 0;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "writer.lock") ||
            !strcmp(n, "lock.mdb"))
            continue;
        foreign = 1;
        break;
    }
    closedir(d);
    return foreign;
}

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static int take_lock(store *s, const char *dir, int wait, char *err,
                     size_t errlen) {
    char lp[4096];
    snprintf(lp, sizeof lp, "%s/writer.lock", dir);
    s->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0) {
        zk_msg(err, errlen, "%s: %s", lp, strerror(errno));
        return errno == EACCES || errno == EROFS ? ZOEK_EIO : xlate(errno);
    }
    if (flock(s->lock_fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
        int e = errno;
        close(s->lock_fd);
        s->lock_fd = -1;
        if (e == EWOULDBLOCK) {
            zk_msg(err, errlen,
                   "%s: another zoek-index is writing to this index", dir);
            return ZOEK_EBUSY;
        }
        zk_msg(err, errlen, "%s: %s", lp, strerror(e));
        return ZOEK_EIO;
    }
    return 0;
}

int store_open(const char *path, unsigned flags, store **out, char *err,
               size_t errlen) {
    *out = NULL;
    int rc;
    struct stat st;
    char dp[4096];
    if (!path || !*path || strlen(path) > 4000) {
        zk_msg(err, errlen, "invalid index path");
        return ZOEK_EINVAL;
    }
    snprintf(dp, sizeof dp, "%s/data.mdb", path);
    if (stat(path, &st) != 0) {
        if (!(flags & STORE_CREATE)) {
            zk_msg(err, errlen, "%s: no such index", path);
            return ZOEK_ENOTFOUND;
        }
        if (mkdir(path, 0755) != 0) {
            zk_msg(err, errlen, "%s: cannot create: %s", path,
                   strerror(errno));
            return xlate(errno);
        }
    } else if (!S_ISDIR(st.st_mode)) {
        zk_msg(err, errlen, "%s: not a directory (an index is a directory)",
               path);
        return ZOEK_ENOTINDEX;
    }
    int had_data = file_exists(dp);
    if (!had_data && !(flags & STORE_CREATE)) {
        zk_msg(err, errlen, "%s: not a zoek index (no data.mdb)", path);
        return ZOEK_ENOTINDEX;
    }
    if (!had_data && dir_has_foreign(path)) {
        /* never turn an unrelated, non-empty directory into an index */
        zk_msg(err, errlen, "%s: not a zoek index (directory is not empty)",
               path);
        return ZOEK_ENOTINDEX;
    }

    store *s = zk_calloc(1, sizeof *s);
    if (!s) return ZOEK_ENOMEM;
    s->lock_fd = -1;
    s->path = zk_strndup(path, strlen(path));
    if (!s->path || pthread_rwlock_init(&s->resize, NULL) != 0) {
        zk_free(s->path);
        zk_free(s);
        return ZOEK_ENOMEM;
    }
    if (flags & STORE_WRITE) {
        if ((rc = take_lock(s, path, (flags & STORE_WAIT) != 0, err, errlen)))
            goto fail;
    }
    if (had_data) {
        /* A truncated data file makes LMDB read past the end of the map
         * (SIGBUS): check the size against LMDB's own meta first. */
        int fd = open(dp, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            zk_msg(err, errlen, "%s: %s", dp, strerror(errno));
            rc = xlate(errno);
            goto fail;
        }
        if (fstat(fd, &st) != 0 || st.st_size < 2 * 4096) {
            close(fd);
            zk_msg(err, errlen, "%s: not a zoek index (data.mdb too small)",
                   path);
            rc = ZOEK_ENOTINDEX;
            goto fail;
        }
        close(fd);
    }
    s->mapsize = MAP_MIN;
    if (had_data && (size_t)st.st_size * 2 > s->mapsize)
        s->mapsize = ((size_t)st.st_size * 2 + 0xFFFFF) & ~(size_t)0xFFFFF;
    if ((rc = mdb_env_create(&s->env)) ||
        (rc = mdb_env_set_maxdbs(s->env, DB_COUNT + 2)) ||
        (rc = mdb_env_set_maxreaders(s->env, 510)) ||
        (rc = mdb_env_set_mapsize(s->env, s->mapsize))) {
        zk_msg(err, errlen, "%s: %s", path, mdb_strerror(rc));
        rc = xlate(rc);
        goto fail;
    }
    rc = mdb_env_open(s->env, path, MDB_NOTLS | MDB_NORDAHEAD, 0644);
    if (rc) {
        int z = xlate(rc);
        if (z == ZOEK_ENOTINDEX)
            zk_msg(err, errlen, "%s: not a zoek index (data.mdb is not an "
                                "LMDB file)", path);
        else if (z == ZOEK_EVERSION)
            zk_msg(err, errlen, "%s: LMDB version mismatch: rebuild required",
                   path);
        else
            zk_msg(err, errlen, "%s: %s", path, mdb_strerror(rc));
        rc = z;
        goto fail;
    }
    {
        int dead = 0;
        mdb_reader_check(s->env, &dead);
        MDB_envinfo info;
        MDB_stat est;
        if (mdb_env_info(s->env, &info) == 0 && mdb_env_stat(s->env, &est) == 0) {
            if (info.me_mapsize > s->mapsize) s->mapsize = info.me_mapsize;
            if (had_data) {
                if (stat(dp, &st) == 0 &&
                    (uint64_t)(info.me_last_pgno + 1) * est.ms_psize >
                        (uint64_t)st.st_size) {
                    zk_msg(err, errlen,
                           "%s: index is corrupt (data.mdb is truncated: "
                           "%llu bytes, %llu expected)",
                           path, (unsigned long long)st.st_size,
                           (unsigned long long)(info.me_last_pgno + 1) *
                               est.ms_psize);
                    rc = ZOEK_ECORRUPT;
                    goto fail;
                }
            }
        }
    }
    /* open (or create) the named databases */
    {
        MDB_txn *txn;
        int write = !had_data || (flags & STORE_WRITE);
        rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &txn);
        if (rc) {
            zk_msg(err, errlen, "%s: %s", path, mdb_strerror(rc));
            rc = xlate(rc);
            goto fail;
        }
        for (int i = 0; i < DB_COUNT; i++) {
            rc = mdb_dbi_open(txn, db_names[i], write ? MDB_CREATE : 0,
                              &s->dbi[i]);
            if (rc) {
                mdb_txn_abort(txn);
                if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
                    zk_msg(err, errlen, "%s: not a zoek index (no '%s' table)",
                           path, db_names[i]);
                    rc = ZOEK_ENOTINDEX;
                } else {
                    zk_msg(err, errlen, "%s: %s", path, mdb_strerror(rc));
                    rc = xlate(rc);
                }
                goto fail;
            }
        }
        /* commit even a read transaction: aborting it would close the
         * database handles it opened */
        rc = mdb_txn_commit(txn);
        if (rc) {
            zk_msg(err, errlen, "%s: %s", path, mdb_strerror(rc));
            rc = xlate(rc);
            goto fail;
        }
    }
    s->is_new = !had_data;
    *out = s;
    return 0;
fail:
    store_close(s);
    return rc;
}

void store_close(store *s) {
    if (!s) return;
    if (s->env) mdb_env_close(s->env);
    if (s->lock_fd >= 0) close(s->lock_fd); /* releases the flock */
    pthread_rwlock_destroy(&s->resize);
    zk_free(s->path);
    zk_free(s);
}

int store_begin(store *s, int write, int nosync, store_txn **out) {
    *out = NULL;
    store_txn *t = zk_calloc(1, sizeof *t);
    if (!t) return ZOEK_ENOMEM;
    t->s = s;
    t->write = write;
    for (int tries = 0;; tries++) {
        pthread_rwlock_rdlock(&s->resize);
        unsigned fl = write ? (nosync ? MDB_NOSYNC : 0) : MDB_RDONLY;
        int rc = mdb_txn_begin(s->env, NULL, fl, &t->txn);
        if (rc == 0) {
            t->locked = 1;
            *out = t;
            return 0;
        }
        pthread_rwlock_unlock(&s->resize);
        if (rc == MDB_MAP_RESIZED && tries < 3) {
            /* another process grew the map: adopt its size */
            pthread_rwlock_wrlock(&s->resize);
            mdb_env_set_mapsize(s->env, 0);
            MDB_envinfo info;
            if (mdb_env_info(s->env, &info) == 0) s->mapsize = info.me_mapsize;
            pthread_rwlock_unlock(&s->resize);
            continue;
        }
        zk_free(t);
        return xlate(rc);
    }
}

static void txn_release(store_txn *t) {
    if (t->locked) pthread_rwlock_unlock(&t->s->resize);
    zk_free(t);
}

int store_commit(store_txn *t) {
    if (!t) return ZOEK_EINVAL;
    int rc = t->write ? mdb_txn_commit(t->txn) : 0;
    if (!t->write) mdb_txn_abort(t->txn);
    txn_release(t);
    return xlate(rc);
}

void store_abort(store_txn *t) {
    if (!t) return;
    mdb_txn_abort(t->txn);
    txn_release(t);
}

void store_reset(store_txn *t) {
    mdb_txn_reset(t->txn);
    if (t->locked) {
        pthread_rwlock_unlock(&t->s->resize);
        t->locked = 0;
    }
}

int store_renew(store_txn *t) {
    for (int tries = 0;; tries++) {
        pthread_rwlock_rdlock(&t->s->resize);
        int rc = mdb_txn_renew(t->txn);
        if (rc == 0) {
            t->locked = 1;
            return 0;
        }
        pthread_rwlock_unlock(&t->s->resize);
        if (rc == MDB_MAP_RESIZED && tries < 3) {
            pthread_rwlock_wrlock(&t->s->resize);
            mdb_env_set_mapsize(t->s->env, 0);
            pthread_rwlock_unlock(&t->s->resize);
            continue;
        }
        return xlate(rc);
    }
}

int store_grow(store *s) {
    pthread_rwlock_wrlock(&s->resize);
    size_t n = s->mapsize * 2;
    int rc = mdb_env_set_mapsize(s->env, n);
    if (rc == 0) s->mapsize = n;
    pthread_rwlock_unlock(&s->resize);
    return xlate(rc);
}

int store_ensure(store *s, uint64_t extra) {
    MDB_envinfo info;
    MDB_stat est;
    if (mdb_env_info(s->env, &info) || mdb_env_stat(s->env, &est))
        return ZOEK_EIO;
    uint64_t used = (uint64_t)(info.me_last_pgno + 1) * est.ms_psize;
    while (used + extra + (64u << 20) > s->mapsize) {
        int rc = store_grow(s);
        if (rc) return rc;
    }
    return 0;
}

void store_release_map(store *s) {
    /* LMDB does not tell where it mapped the file: find data.mdb's
     * mappings (by inode) in /proc/self/maps */
    char dp[4096];
    struct stat st;
    snprintf(dp, sizeof dp, "%s/data.mdb", s->path);
    if (stat(dp, &st) != 0) return;
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f) return;
    char line[4608];
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi, off, ino;
        unsigned maj, min;
        char perm[8];
        if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &lo, &hi, perm, &off,
                   &maj, &min, &ino) != 7)
            continue;
        if (ino != (unsigned long)st.st_ino || perm[1] == 'w') continue;
        /* the map is read-only and shared: dropped pages come back from
         * the page cache when read again */
        (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
    }
    fclose(f);
}

int store_get(store_txn *t, int db, const void *k, size_t klen,
              const void **v, size_t *vlen) {
    MDB_val key = {klen, (void *)k}, val;
    int rc = mdb_get(t->txn, t->s->dbi[db], &key, &val);
    if (rc) return xlate(rc);
    *v = val.mv_data;
    *vlen = val.mv_size;
    return 0;
}

int store_put(store_txn *t, int db, const void *k, size_t klen,
              const void *v, size_t vlen, int append) {
    MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};
    return xlate(mdb_put(t->txn, t->s->dbi[db], &key, &val,
                         append ? MDB_APPEND : 0));
}

int store_reserve(store_txn *t, int db, const void *k, size_t klen,
                  size_t vlen, void **v, int append) {
    MDB_val key = {klen, (void *)k}, val = {vlen, NULL};
    int rc = mdb_put(t->txn, t->s->dbi[db], &key, &val,
                     MDB_RESERVE | (append ? MDB_APPEND : 0));
    if (rc) return xlate(rc);
    *v = val.mv_data;
    return 0;
}

int store_del(store_txn *t, int db, const void *k, size_t klen) {
    MDB_val key = {klen, (void *)k};
    return xlate(mdb_del(t->txn, t->s->dbi[db], &key, NULL));
}

static int keycmp(const MDB_val *a, const void *b, size_t blen) {
    size_t n = a->mv_size < blen ? a->mv_size : blen;
    int c = memcmp(a->mv_data, b, n);
    if (c) return c;
    return a->mv_size < blen ? -1 : a->mv_size > blen;
}

int store_del_range(store_txn *t, int db, const void *lo, size_t lolen,
                    const void *hi, size_t hilen, uint64_t limit,
                    uint64_t *n) {
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c);
    if (rc) return xlate(rc);
    MDB_val key = {lolen, (void *)lo}, val;
    uint64_t cnt = 0;
    rc = lo ? mdb_cursor_get(c, &key, &val, MDB_SET_RANGE)
            : mdb_cursor_get(c, &key, &val, MDB_FIRST);
    while (rc == 0) {
        if (hi && keycmp(&key, hi, hilen) >= 0) break;
        if (limit && cnt >= limit) break;
        if ((rc = mdb_cursor_del(c, 0))) break;
        cnt++;
        rc = mdb_cursor_get(c, &key, &val, MDB_GET_CURRENT);
        if (rc == EINVAL || rc == MDB_NOTFOUND) {
            /* deleted the last item of the page/db: step forward */
            rc = mdb_cursor_get(c, &key, &val, MDB_NEXT);
        }
    }
    mdb_cursor_close(c);
    if (n) *n = cnt;
    return rc == MDB_NOTFOUND ? 0 : xlate(rc);
}

int store_cursor_open(store_txn *t, int db, store_cursor **out) {
    *out = NULL;
    store_cursor *c = zk_malloc(sizeof *c);
    if (!c) return ZOEK_ENOMEM;
    int rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c->c);
    if (rc) {
        zk_free(c);
        return xlate(rc);
    }
    *out = c;
    return 0;
}

void store_cursor_close(store_cursor *c) {
    if (!c) return;
    mdb_cursor_close(c->c);
    zk_free(c);
}

static int cget(store_cursor *c, MDB_val *key, MDB_val *val, MDB_cursor_op op,
                const void **ko, size_t *kolen, const void **v,
                size_t *vlen) {
    int rc = mdb_cursor_get(c->c, key, val, op);
    if (rc) return xlate(rc);
    if (ko) *ko = key->mv_data;
    if (kolen) *kolen = key->mv_size;
    if (v) *v = val->mv_data;
    if (vlen) *vlen = val->mv_size;
    return 0;
}

int store_cursor_seek(store_cursor *c, const void *k, size_t klen,
                      const void **ko, size_t *kolen, const void **v,
                      size_t *vlen) {
    MDB_val key = {klen, (void *)k}, val;
    return cget(c, &key, &val, k ? MDB_SET_RANGE : MDB_FIRST, ko, kolen, v,
                vlen);
}

int store_cursor_next(store_cursor *c, const void **ko, size_t *kolen,
                      const void **v, size_t *vlen) {
    MDB_val key, val;
    return cget(c, &key, &val, MDB_NEXT, ko, kolen, v, vlen);
}

int store_cursor_prev(store_cursor *c, const void **ko, size_t *kolen,
                      const void **v, size_t *vlen) {
    MDB_val key, val;
    return cget(c, &key, &val, MDB_PREV, ko, kolen, v, vlen);
}

int store_cursor_last(store_cursor *c, const void **ko, size_t *kolen,
                      const void **v, size_t *vlen) {
    MDB_val key, val;
    return cget(c, &key, &val, MDB_LAST, ko, kolen, v, vlen);
}

int store_cursor_del(store_cursor *c) { return xlate(mdb_cursor_del(c->c, 0)); }

uint64_t store_file_size(store *s) {
    char dp[4096];
    struct stat st;
    snprintf(dp, sizeof dp, "%s/data.mdb", s->path);
    return stat(dp, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int store_db_stat(store_txn *t, int db, uint64_t *entries, uint64_t *bytes) {
    MDB_stat st;
    int rc = mdb_stat(t->txn, t->s->dbi[db], &st);
    if (rc) return xlate(rc);
    if (entries) *entries = st.ms_entries;
    if (bytes)
        *bytes = (uint64_t)st.ms_psize *
                 (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages);
    return 0;
}

int store_copy_compact(store *s, const char *dst, char *err, size_t errlen) {
    if (mkdir(dst, 0755) != 0 && errno != EEXIST) {
        zk_msg(err, errlen, "%s: %s", dst, strerror(errno));
        return xlate(errno);
    }
    pthread_rwlock_rdlock(&s->resize);
    int rc = mdb_env_copy2(s->env, dst, MDB_CP_COMPACT);
    pthread_rwlock_unlock(&s->resize);
    if (rc) {
        zk_msg(err, errlen, "%s: %s", dst, mdb_strerror(rc));
        return xlate(rc);
    }
    return 0;
}
