/* store.c - LMDB environment, databases and transactions of an index; the
 * only file that includes lmdb.h.
 *
 * Directory layout (format 3):
 *   data.mdb, lock.mdb  the LMDB environment (one file, MDB_NOSUBDIR off)
 *   writer.lock         flock()ed by the one writer for its whole session
 *   open.lock           flock()ed shared by every handle while it is open,
 *                       exclusively by store_compact() for the swap
 *   data.mdb.compact-tmp  store_compact()'s copy until it is renamed over
 *                       data.mdb; a leftover is removed by the next writer
 * Databases (named): meta, post, pos, deldf, dead, art, names, pmap, text,
 * xlat, plen;
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *const db_names[DB_COUNT] = {
    "meta", "post",  "pos",  "deldf", "dead",
    "art",  "names", "pmap", "text",  "xlat", "plen"};

/* The LMDB environment of one index in this process.  LMDB must not open
 * a file twice in one process: closing one copy drops the process's
 * fcntl() locks on lock.mdb, and other processes then clear the slots of
 * its readers (mdb_reader_check) and overwrite the pages they read.  So
 * every handle of an index shares one environment. */
typedef struct shenv {
    struct shenv *next;        /* in the process's list */
    dev_t dev;                 /* data.mdb's device */
    ino_t ino;                 /* and inode */
    pid_t pid;                 /* process that opened it (a forked child
                                  must open its own) */
    int refs;                  /* stores using it */
    MDB_env *env;              /* the environment */
    MDB_dbi dbi[DB_COUNT];     /* named databases */
    size_t mapsize;            /* current map size */
    pthread_rwlock_t resize;   /* shared: open txns; exclusive: resize */
    pthread_mutex_t trim_mu;   /* store_trim_map's state below */
    int trim_init;             /* the map was released once */
    uint64_t trim_faults;      /* page faults of the process at the check */
    uint64_t trim_resident;    /* file pages resident then (bytes) */
    uint64_t trim_base;        /* file pages resident after a release */
} shenv;

/* Open environments, searched by store_open. */
static pthread_mutex_t envs_mu = PTHREAD_MUTEX_INITIALIZER;
static shenv *envs;

struct store {
    shenv *e;                  /* the environment (shared) */
    int lock_fd;               /* writer.lock, or -1 */
    int open_fd;               /* open.lock, held shared while open, or -1
                                  (a reader in a read-only directory) */
    int is_new;                /* created by this open */
    char *path;                /* directory */
    size_t write_bytes;        /* values per write transaction */
};

struct store_txn {
    store *s;        /* owner */
    MDB_txn *txn;    /* LMDB transaction */
    int write;       /* write transaction */
    int locked;      /* holds s->e->resize shared */
};

struct store_cursor {
    MDB_cursor *c;   /* LMDB cursor */
};

#define MAP_MIN ((size_t)1 << 30)

/* store_compact()'s copy, renamed over data.mdb when complete. */
#define COMPACT_TMP "data.mdb.compact-tmp"

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
    case EDQUOT:
    case EFBIG: return ZOEK_EFULL;
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

void store_set_write_bytes(store *s, size_t bytes) {
    s->write_bytes = bytes ? bytes : STORE_WRITE_BYTES;
}

size_t store_write_bytes(const store *s) { return s->write_bytes; }

/* 1 if directory `path` holds entries other than our own lock files. */
static int dir_has_foreign(const char *path) {
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *e;
    int foreign = 0;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "writer.lock") ||
            !strcmp(n, "lock.mdb") || !strcmp(n, "open.lock"))
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

/* LMDB 0.9 page layout (64-bit builds), read with pread() only: what
 * tail_is_free() needs to look at the meta and freelist pages without
 * touching the map. */
#define LM_PAGEHDR 16          /* page header; nodes/meta follow */
#define LM_P_LEAF 0x02         /* mp_flags of a leaf page */
#define LM_F_BIGDATA 0x01      /* node data is on overflow pages */
#define LM_META_FREE_DEPTH 46  /* meta: free db md_depth (u16) */
#define LM_META_FREE_ROOT 80   /* meta: free db md_root */
#define LM_META_MAIN_ROOT 128  /* meta: main db md_root */
#define LM_META_TXNID 144      /* meta: mm_txnid */

static uint64_t get64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static unsigned get16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* Reads len bytes at off of fd, all inside the first `have` bytes. */
static int read_at(int fd, uint64_t have, uint64_t off, void *buf,
                   size_t len) {
    if (off > have || len > have - off) return -1;
    return pread(fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

/* A data file may end before LMDB's last page: pages a transaction
 * allocated at the end and freed again are not written.  Returns 1 if
 * every page from the end of the file to last_pgno is in the freelist of
 * the current meta (or that cannot be told cheaply: a freelist deeper than
 * one page), 0 if the file was cut short: reading it would raise SIGBUS. */
static int tail_is_free(const char *dp, size_t psize, uint64_t size,
                        uint64_t last_pgno, uint64_t txnid) {
    if (sizeof(size_t) != 8 || psize < 512 || psize > 65536) return 1;
    uint64_t have = size / psize, nmiss = last_pgno + 1 - have;
    if (have < 2 || nmiss > ((uint64_t)1 << 24)) return 0;
    int fd = open(dp, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1; /* LMDB opened it: let it report */
    uint8_t *page = zk_malloc(psize), *seen = zk_calloc(nmiss, 1);
    uint8_t *val = NULL;
    int ok = 0;
    uint8_t meta[LM_META_TXNID + 8];
    if (!page || !seen) {
        ok = 1; /* out of memory: no verdict */
        goto out;
    }
    for (uint64_t m = 0; m < 2; m++) {
        if (read_at(fd, size, m * psize, meta, sizeof meta)) goto out;
        if (get64(meta + LM_META_TXNID) == txnid) break;
        if (m == 1) {
            ok = 1; /* two commits since the caller looked: no verdict */
            goto out;
        }
    }
    uint64_t main_root = get64(meta + LM_META_MAIN_ROOT);
    uint64_t free_root = get64(meta + LM_META_FREE_ROOT);
    unsigned depth = get16(meta + LM_META_FREE_DEPTH);
    if (main_root != UINT64_MAX && main_root >= have) goto out;
    if (free_root == UINT64_MAX || free_root >= have) goto out;
    if (depth != 1) {
        ok = 1;
        goto out;
    }
    if (read_at(fd, size, free_root * psize, page, psize) ||
        !(get16(page + 10) & LM_P_LEAF))
        goto out;
    unsigned lower = get16(page + 12);
    if (lower < LM_PAGEHDR || lower > psize) goto out;
    unsigned nkeys = (lower - LM_PAGEHDR) / 2;
    for (unsigned i = 0; i < nkeys; i++) {
        unsigned at = get16(page + LM_PAGEHDR + 2 * i);
        if (at + 8 > psize) goto out;
        const uint8_t *node = page + at;
        uint64_t dsize = get16(node) | (uint64_t)get16(node + 2) << 16;
        unsigned flags = get16(node + 4), ksize = get16(node + 6);
        if (at + 8 + ksize > psize || dsize % 8 || dsize < 8) goto out;
        const uint8_t *data = node + 8 + ksize;
        if (flags & LM_F_BIGDATA) {
            if (at + 8 + ksize + 8 > psize) goto out;
            uint64_t opg = get64(data);
            zk_free(val);
            if (opg >= have || !(val = zk_malloc(dsize)) ||
                read_at(fd, size, opg * psize + LM_PAGEHDR, val, dsize))
                goto out;
            data = val;
        } else if (at + 8 + ksize + dsize > psize) {
            goto out;
        }
        uint64_t n = get64(data);
        if (n > dsize / 8 - 1) goto out;
        for (uint64_t j = 1; j <= n; j++) {
            uint64_t pg = get64(data + 8 * j);
            if (pg >= have && pg <= last_pgno) seen[pg - have] = 1;
        }
    }
    ok = 1;
    for (uint64_t j = 0; j < nmiss; j++)
        if (!seen[j]) ok = 0;
out:
    zk_free(val);
    zk_free(seen);
    zk_free(page);
    close(fd);
    return ok;
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

/* Takes open.lock shared for the handle's lifetime: store_compact() swaps
 * data.mdb only while it can hold it exclusively, that is while no other
 * handle of any process has the environment open.  Blocks while a
 * compaction runs.  A reader that can neither open nor create the file
 * (a read-only directory: no writer can compact there either) goes
 * without. */
static int take_open_lock(store *s, const char *dir, int write, char *err,
                          size_t errlen) {
    char lp[4096];
    snprintf(lp, sizeof lp, "%s/open.lock", dir);
    s->open_fd = open(lp, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    if (s->open_fd < 0) {
        int e = errno;
        if (!write && (e == EACCES || e == EROFS || e == EPERM)) return 0;
        zk_msg(err, errlen, "%s: %s", lp, strerror(e));
        return e == EACCES || e == EROFS ? ZOEK_EIO : xlate(e);
    }
    int rc;
    while ((rc = flock(s->open_fd, LOCK_SH)) != 0 && errno == EINTR)
        ;
    if (rc != 0) {
        int e = errno;
        close(s->open_fd);
        s->open_fd = -1;
        zk_msg(err, errlen, "%s: %s", lp, strerror(e));
        return ZOEK_EIO;
    }
    return 0;
}

/* Opens the environment of directory `path` into e (called with envs_mu
 * held, or by store_compact while no other handle can reach e).  `size`:
 * the size of an existing data file. */
static int env_open(shenv *e, const char *path, const char *dp, int had_data,
                    unsigned flags, uint64_t size, int *fresh, char *err,
                    size_t errlen) {
    int rc;
    struct stat st;
    e->mapsize = MAP_MIN;
    if (had_data && (size_t)size * 2 > e->mapsize)
        e->mapsize = ((size_t)size * 2 + 0xFFFFF) & ~(size_t)0xFFFFF;
    if ((rc = mdb_env_create(&e->env)) ||
        (rc = mdb_env_set_maxdbs(e->env, DB_COUNT + 2)) ||
        (rc = mdb_env_set_maxreaders(e->env, 510)) ||
        (rc = mdb_env_set_mapsize(e->env, e->mapsize))) {
        zk_msg(err, errlen, "%s: %s", path, mdb_strerror(rc));
        rc = xlate(rc);
        return rc;
    }
    rc = mdb_env_open(e->env, path, MDB_NOTLS | MDB_NORDAHEAD, 0644);
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
        return rc;
    }
    {
        int dead = 0;
        mdb_reader_check(e->env, &dead);
        MDB_envinfo info;
        MDB_stat est;
        if (mdb_env_info(e->env, &info) == 0 && mdb_env_stat(e->env, &est) == 0) {
            if (info.me_mapsize > e->mapsize) e->mapsize = info.me_mapsize;
            if (had_data) {
                if (stat(dp, &st) == 0 &&
                    (uint64_t)(info.me_last_pgno + 1) * est.ms_psize >
                        (uint64_t)st.st_size &&
                    !tail_is_free(dp, est.ms_psize, (uint64_t)st.st_size,
                                  info.me_last_pgno, info.me_last_txnid)) {
                    zk_msg(err, errlen,
                           "%s: index is corrupt (data.mdb is truncated: "
                           "%llu bytes, %llu expected)",
                           path, (unsigned long long)st.st_size,
                           (unsigned long long)(info.me_last_pgno + 1) *
                               est.ms_psize);
                    rc = ZOEK_ECORRUPT;
                    return rc;
                }
            }
        }
    }
    /* open the named databases; create them only in a new file, or one
     * left empty by a crash while it was made (an LMDB file of another
     * program is left as it is) */
    {
        MDB_stat ms;
        *fresh = !had_data || ((flags & STORE_CREATE) &&
                               mdb_env_stat(e->env, &ms) == 0 &&
                               ms.ms_entries == 0);
        MDB_txn *txn;
        int write = *fresh || (flags & STORE_WRITE);
        rc = mdb_txn_begin(e->env, NULL, write ? 0 : MDB_RDONLY, &txn);
        if (rc) {
            zk_msg(err, errlen, "%s: %s", path, mdb_strerror(rc));
            rc = xlate(rc);
            return rc;
        }
        for (int i = 0; i < DB_COUNT; i++) {
            rc = mdb_dbi_open(txn, db_names[i], *fresh ? MDB_CREATE : 0,
                              &e->dbi[i]);
            if (rc) {
                mdb_txn_abort(txn);
                if (rc == MDB_NOTFOUND && (i == DB_XLAT || i == DB_PLEN)) {
                    /* a zoek index of an older format */
                    zk_msg(err, errlen,
                           "%s: index format is older than this zoek (no "
                           "'%s' table): rebuild required (index the "
                           "articles again into a new directory)",
                           path, db_names[i]);
                    rc = ZOEK_EVERSION;
                } else if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
                    zk_msg(err, errlen, "%s: not a zoek index (no '%s' table)",
                           path, db_names[i]);
                    rc = ZOEK_ENOTINDEX;
                } else {
                    zk_msg(err, errlen, "%s: %s", path, mdb_strerror(rc));
                    rc = xlate(rc);
                }
                return rc;
            }
        }
        /* commit even a read transaction: aborting it would close the
         * database handles it opened */
        rc = mdb_txn_commit(txn);
        if (rc) {
            zk_msg(err, errlen, "%s: %s", path, mdb_strerror(rc));
            rc = xlate(rc);
            return rc;
        }
    }
    return 0;
}

/* Finds the environment of the index in this process or opens it, and
 * makes s use it (called with envs_mu held). */
static int env_get(store *s, const char *path, const char *dp, int had_data,
                   unsigned flags, uint64_t size, char *err, size_t errlen) {
    struct stat st;
    pid_t pid = getpid();
    if (stat(dp, &st) == 0) {
        for (shenv *e = envs; e; e = e->next)
            if (e->dev == st.st_dev && e->ino == st.st_ino && e->pid == pid) {
                /* readers of processes killed since the first open */
                int dead = 0;
                mdb_reader_check(e->env, &dead);
                e->refs++;
                s->e = e;
                s->is_new = 0;
                return 0;
            }
    }
    shenv *e = zk_calloc(1, sizeof *e);
    if (!e) return ZOEK_ENOMEM;
    if (pthread_rwlock_init(&e->resize, NULL) != 0) {
        zk_free(e);
        return ZOEK_ENOMEM;
    }
    if (pthread_mutex_init(&e->trim_mu, NULL) != 0) {
        pthread_rwlock_destroy(&e->resize);
        zk_free(e);
        return ZOEK_ENOMEM;
    }
    int fresh = 0;
    int rc = env_open(e, path, dp, had_data, flags, size, &fresh, err, errlen);
    if (!rc && stat(dp, &st) != 0) {
        zk_msg(err, errlen, "%s: %s", dp, strerror(errno));
        rc = xlate(errno);
    }
    if (rc) {
        if (e->env) mdb_env_close(e->env);
        pthread_mutex_destroy(&e->trim_mu);
        pthread_rwlock_destroy(&e->resize);
        zk_free(e);
        return rc;
    }
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    e->pid = pid;
    e->refs = 1;
    e->next = envs;
    envs = e;
    s->e = e;
    s->is_new = fresh;
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
    s->write_bytes = STORE_WRITE_BYTES;
    s->lock_fd = -1;
    s->open_fd = -1;
    s->path = zk_strndup(path, strlen(path));
    if (!s->path) {
        zk_free(s);
        return ZOEK_ENOMEM;
    }
    if (flags & STORE_WRITE) {
        if ((rc = take_lock(s, path, (flags & STORE_WAIT) != 0, err, errlen)))
            goto fail;
        /* the copy of a compaction that did not finish */
        char tp[4096];
        snprintf(tp, sizeof tp, "%s/" COMPACT_TMP, path);
        (void)unlink(tp);
    }
    /* after writer.lock: a writer waiting for another holds nothing */
    if ((rc = take_open_lock(s, path, (flags & STORE_WRITE) != 0, err,
                             errlen)))
        goto fail;
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
    pthread_mutex_lock(&envs_mu);
    rc = env_get(s, path, dp, had_data, flags, (uint64_t)st.st_size, err,
                 errlen);
    pthread_mutex_unlock(&envs_mu);
    if (rc) goto fail;
    *out = s;
    return 0;
fail:
    store_close(s);
    return rc;
}

void store_close(store *s) {
    if (!s) return;
    shenv *e = s->e;
    if (e) {
        pthread_mutex_lock(&envs_mu);
        if (--e->refs == 0) {
            for (shenv **pp = &envs; *pp; pp = &(*pp)->next)
                if (*pp == e) {
                    *pp = e->next;
                    break;
                }
            mdb_env_close(e->env);
            pthread_mutex_destroy(&e->trim_mu);
            pthread_rwlock_destroy(&e->resize);
            zk_free(e);
        }
        pthread_mutex_unlock(&envs_mu);
    }
    /* only now that the environment is closed (or held by another handle
     * with its own shared lock) may a compaction swap the file */
    if (s->open_fd >= 0) close(s->open_fd);
    if (s->lock_fd >= 0) close(s->lock_fd); /* releases the flock */
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
        pthread_rwlock_rdlock(&s->e->resize);
        unsigned fl = write ? (nosync ? MDB_NOSYNC : 0) : MDB_RDONLY;
        int rc = s->e->env ? mdb_txn_begin(s->e->env, NULL, fl, &t->txn)
                           : EIO; /* lost in a failed compaction */
        if (rc == 0) {
            t->locked = 1;
            *out = t;
            return 0;
        }
        pthread_rwlock_unlock(&s->e->resize);
        if (rc == MDB_MAP_RESIZED && tries < 3) {
            /* another process grew the map: adopt its size */
            pthread_rwlock_wrlock(&s->e->resize);
            MDB_envinfo info;
            if (s->e->env) {
                mdb_env_set_mapsize(s->e->env, 0);
                if (mdb_env_info(s->e->env, &info) == 0)
                    s->e->mapsize = info.me_mapsize;
            }
            pthread_rwlock_unlock(&s->e->resize);
            continue;
        }
        zk_free(t);
        return xlate(rc);
    }
}

static void txn_release(store_txn *t) {
    if (t->locked) pthread_rwlock_unlock(&t->s->e->resize);
    zk_free(t);
}

/* LMDB reports a write that a full disk or the file size limit cut short
 * as EIO ("short write"): tell those apart by what is left. */
static int write_error(const store *s, int rc) {
    if (rc != EIO) return xlate(rc);
    struct statvfs v;
    if (statvfs(s->path, &v) == 0 &&
        (uint64_t)v.f_bavail * v.f_frsize < ((uint64_t)1 << 20))
        return ZOEK_EFULL;
    struct rlimit rl;
    char dp[4096];
    struct stat st;
    snprintf(dp, sizeof dp, "%s/data.mdb", s->path);
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        stat(dp, &st) == 0 &&
        (uint64_t)st.st_size + 65536 >= (uint64_t)rl.rlim_cur)
        return ZOEK_EFULL;
    return ZOEK_EIO;
}

int store_commit(store_txn *t) {
    if (!t) return ZOEK_EINVAL;
    int rc = t->write ? mdb_txn_commit(t->txn) : 0;
    if (!t->write) mdb_txn_abort(t->txn);
    store *s = t->s;
    txn_release(t);
    return rc ? write_error(s, rc) : 0;
}

void store_abort(store_txn *t) {
    if (!t) return;
    mdb_txn_abort(t->txn);
    txn_release(t);
}

void store_reset(store_txn *t) {
    mdb_txn_reset(t->txn);
    if (t->locked) {
        pthread_rwlock_unlock(&t->s->e->resize);
        t->locked = 0;
    }
}

int store_renew(store_txn *t) {
    for (int tries = 0;; tries++) {
        pthread_rwlock_rdlock(&t->s->e->resize);
        int rc = mdb_txn_renew(t->txn);
        if (rc == 0) {
            t->locked = 1;
            return 0;
        }
        pthread_rwlock_unlock(&t->s->e->resize);
        if (rc == MDB_MAP_RESIZED && tries < 3) {
            pthread_rwlock_wrlock(&t->s->e->resize);
            mdb_env_set_mapsize(t->s->e->env, 0);
            pthread_rwlock_unlock(&t->s->e->resize);
            continue;
        }
        return xlate(rc);
    }
}

int store_grow(store *s) {
    pthread_rwlock_wrlock(&s->e->resize);
    size_t n = s->e->mapsize * 2;
    int rc = s->e->env ? mdb_env_set_mapsize(s->e->env, n) : EIO;
    if (rc == 0) s->e->mapsize = n;
    pthread_rwlock_unlock(&s->e->resize);
    return xlate(rc);
}

int store_ensure(store *s, uint64_t extra) {
    MDB_envinfo info;
    MDB_stat est;
    if (!s->e->env || mdb_env_info(s->e->env, &info) ||
        mdb_env_stat(s->e->env, &est))
        return ZOEK_EIO;
    uint64_t used = (uint64_t)(info.me_last_pgno + 1) * est.ms_psize;
    while (used + extra + (64u << 20) > s->e->mapsize) {
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

/* A page fault maps at most this much of a file (the kernel's default
 * fault_around_bytes), so the resident file pages cannot have grown by
 * more than this times the faults since the last look. */
#define FAULT_AROUND ((uint64_t)64 << 10)

static uint64_t fault_count(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
}

/* The process's resident file-backed (and shared) pages, in bytes. */
static int file_resident(uint64_t *out) {
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    unsigned long long size, res, shared;
    if (sscanf(buf, "%llu %llu %llu", &size, &res, &shared) != 3) return -1;
    long ps = sysconf(_SC_PAGESIZE);
    *out = (uint64_t)shared * (uint64_t)(ps > 0 ? ps : 4096);
    return 0;
}

void store_trim_map(store *s, uint64_t limit) {
    if (!s || !limit) return;
    shenv *e = s->e;
    if (pthread_mutex_trylock(&e->trim_mu) != 0) return; /* another does */
    uint64_t f = fault_count(), r;
    if (e->trim_init && e->trim_resident <= e->trim_base + limit &&
        (f - e->trim_faults) * FAULT_AROUND <=
            e->trim_base + limit - e->trim_resident)
        goto out; /* cannot have passed the limit yet */
    if (file_resident(&r) != 0) goto out;
    if (!e->trim_init || r > e->trim_base + limit) {
        store_release_map(s);
        if (file_resident(&r) != 0) goto out;
        e->trim_base = r;
        e->trim_init = 1;
    }
    e->trim_resident = r;
    e->trim_faults = fault_count();
out:
    pthread_mutex_unlock(&e->trim_mu);
}

int store_get(store_txn *t, int db, const void *k, size_t klen,
              const void **v, size_t *vlen) {
    MDB_val key = {klen, (void *)k}, val;
    int rc = mdb_get(t->txn, t->s->e->dbi[db], &key, &val);
    if (rc) return xlate(rc);
    *v = val.mv_data;
    *vlen = val.mv_size;
    return 0;
}

int store_put(store_txn *t, int db, const void *k, size_t klen,
              const void *v, size_t vlen, int append) {
    MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};
    return xlate(mdb_put(t->txn, t->s->e->dbi[db], &key, &val,
                         append ? MDB_APPEND : 0));
}

int store_reserve(store_txn *t, int db, const void *k, size_t klen,
                  size_t vlen, void **v, int append) {
    MDB_val key = {klen, (void *)k}, val = {vlen, NULL};
    int rc = mdb_put(t->txn, t->s->e->dbi[db], &key, &val,
                     MDB_RESERVE | (append ? MDB_APPEND : 0));
    if (rc) return xlate(rc);
    *v = val.mv_data;
    return 0;
}

int store_del(store_txn *t, int db, const void *k, size_t klen) {
    MDB_val key = {klen, (void *)k};
    return xlate(mdb_del(t->txn, t->s->e->dbi[db], &key, NULL));
}

static int keycmp(const MDB_val *a, const void *b, size_t blen) {
    size_t n = a->mv_size < blen ? a->mv_size : blen;
    int c = memcmp(a->mv_data, b, n);
    if (c) return c;
    return a->mv_size < blen ? -1 : a->mv_size > blen;
}

int store_clear(store_txn *t, int db) {
    return xlate(mdb_drop(t->txn, t->s->e->dbi[db], 0));
}

int store_del_range(store_txn *t, int db, const void *lo, size_t lolen,
                    const void *hi, size_t hilen, uint64_t limit,
                    uint64_t *n) {
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, t->s->e->dbi[db], &c);
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
    int rc = mdb_cursor_open(t->txn, t->s->e->dbi[db], &c->c);
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
    int rc = mdb_stat(t->txn, t->s->e->dbi[db], &st);
    if (rc) return xlate(rc);
    if (entries) *entries = st.ms_entries;
    if (bytes)
        *bytes = (uint64_t)st.ms_psize *
                 (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages);
    return 0;
}

/* Other processes holding a flock() on the file of fd (from /proc/locks),
 * or 0 if that cannot be told. */
static int lock_holders(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return 0;
    FILE *f = fopen("/proc/locks", "re");
    if (!f) return 0;
    long self = (long)getpid(), seen[64];
    int n = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        /* "1: FLOCK  ADVISORY  READ  1234 08:01:5678 0 EOF"; waiters
         * have "->" before FLOCK */
        char type[16];
        long pid;
        unsigned maj, min;
        unsigned long ino;
        const char *p = strchr(line, ':');
        if (!p || strstr(p, "->")) continue;
        if (sscanf(p + 1, " %15s %*s %*s %ld %x:%x:%lu", type, &pid, &maj, &min,
                   &ino) != 5 ||
            strcmp(type, "FLOCK") != 0 || ino != (unsigned long)st.st_ino ||
            maj != major(st.st_dev) || min != minor(st.st_dev) || pid == self)
            continue;
        int dup = 0;
        for (int i = 0; i < n && !dup; i++)
            dup = seen[i] == pid;
        if (!dup && n < 64) seen[n++] = pid;
    }
    fclose(f);
    return n;
}

/* Back to the shared open.lock after a compaction.  Cannot block: only a
 * compaction takes it exclusively, and that needs writer.lock, which this
 * handle holds.  Should it fail, nothing is lost while the handle is open
 * (no other writer can compact meanwhile). */
static void open_lock_shared(store *s) {
    while (flock(s->open_fd, LOCK_SH) != 0 && errno == EINTR)
        ;
}

/* fsync()s directory `dir` so that a rename in it is durable.  Returns 0
 * or errno; file systems that cannot sync a directory count as done. */
static int sync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    int e = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return e == EINVAL || e == EROFS ? 0 : e;
}

/* An error of writing the copy, as a zoek code (see write_error). */
static int copy_error(const store *s, int rc) {
    if (rc == MDB_INCOMPATIBLE) return ZOEK_ECORRUPT; /* page leak */
    if (rc == EACCES || rc == EPERM || rc == EROFS) return ZOEK_EIO;
    return write_error(s, rc);
}

int store_compact(store *s, uint64_t *before, uint64_t *after, char *err,
                  size_t errlen) {
    shenv *e = s->e;
    char dp[4096], tp[4096], lp[4096];
    struct stat st;
    int rc = 0, fd;
    *before = *after = 0;
    if (!e->env) {
        zk_msg(err, errlen,
               "%s: the index handle is unusable after a failed "
               "compaction: close it and open the index again",
               s->path);
        return ZOEK_EIO;
    }
    if (s->lock_fd < 0 || s->open_fd < 0) {
        zk_msg(err, errlen, "%s: index not opened for writing", s->path);
        return ZOEK_EINVAL;
    }
    pthread_mutex_lock(&envs_mu);
    int others = e->refs - 1;
    pthread_mutex_unlock(&envs_mu);
    if (others > 0) {
        zk_msg(err, errlen,
               "%s: cannot compact: the index is open %d more time%s in "
               "this process (close the other handles first)",
               s->path, others, others == 1 ? "" : "s");
        return ZOEK_EBUSY;
    }
    /* exclusive: no other handle of any process has the environment open
     * (each holds open.lock shared), and none can open it until the swap
     * is done; they wait in store_open */
    if (flock(s->open_fd, LOCK_EX | LOCK_NB) != 0) {
        int er = errno;
        int n = er == EWOULDBLOCK ? lock_holders(s->open_fd) : 0;
        open_lock_shared(s); /* a failed conversion dropped it */
        if (er != EWOULDBLOCK) {
            zk_msg(err, errlen, "%s/open.lock: %s", s->path, strerror(er));
            return ZOEK_EIO;
        }
        if (n > 0)
            zk_msg(err, errlen,
                   "%s: cannot compact: the index is in use by %d other "
                   "process%s (searches or other programs that have it "
                   "open); try again when %s done",
                   s->path, n, n == 1 ? "" : "es",
                   n == 1 ? "it is" : "they are");
        else
            zk_msg(err, errlen,
                   "%s: cannot compact: the index is in use by another "
                   "process or handle; try again when it is closed",
                   s->path);
        return ZOEK_EBUSY;
    }
    snprintf(dp, sizeof dp, "%s/data.mdb", s->path);
    snprintf(tp, sizeof tp, "%s/" COMPACT_TMP, s->path);
    snprintf(lp, sizeof lp, "%s/lock.mdb", s->path);
    if (stat(dp, &st) != 0) {
        zk_msg(err, errlen, "%s: %s", dp, strerror(errno));
        rc = xlate(errno);
        goto out;
    }

    /* 1. the copy, complete and durable under a name no reader opens */
    (void)unlink(tp);
    fd = open(tp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        zk_msg(err, errlen, "%s: %s", tp, strerror(errno));
        rc = copy_error(s, errno);
        goto out;
    }
    (void)fchmod(fd, st.st_mode & 0777);
    pthread_rwlock_rdlock(&e->resize);
    int mrc = mdb_env_copyfd2(e->env, fd, MDB_CP_COMPACT);
    pthread_rwlock_unlock(&e->resize);
    struct stat nst;
    if (!mrc && fsync(fd) != 0) mrc = errno;
    if (!mrc && fstat(fd, &nst) != 0) mrc = errno;
    if (close(fd) != 0 && !mrc) mrc = errno;
    if (mrc) {
        rc = copy_error(s, mrc);
        zk_msg(err, errlen, "%s: cannot write the compacted copy: %s (%s)",
               s->path, zoek_strerror(rc),
               mrc == MDB_INCOMPATIBLE ? "LMDB reports leaked pages"
                                       : mdb_strerror(mrc));
        (void)unlink(tp);
        goto out;
    }

    /* 2. the swap, with no transaction of this process open: data.mdb is
     * replaced atomically (a crash leaves the old or the new file, both
     * complete), and lock.mdb goes with the environment it belongs to:
     * the compacted file starts its transaction ids anew, so it must not
     * meet the old reader table (LMDB makes a fresh one) */
    pthread_rwlock_wrlock(&e->resize);
    mdb_env_close(e->env);
    e->env = NULL;
    (void)unlink(lp);
    int ren = rename(tp, dp) == 0 ? 0 : errno;
    if (ren) (void)unlink(tp);
    int dsync = sync_dir(s->path);
    int fresh, orc = ZOEK_EIO;
    char oerr[1024] = "";
    struct stat cur;
    if (stat(dp, &cur) == 0) {
        orc = env_open(e, s->path, dp, 1, STORE_WRITE, (uint64_t)cur.st_size,
                       &fresh, oerr, sizeof oerr);
        if (!orc && stat(dp, &cur) != 0) orc = ZOEK_EIO;
    } else {
        zk_msg(oerr, sizeof oerr, "%s: %s", dp, strerror(errno));
    }
    if (orc && e->env) mdb_env_close(e->env);
    if (orc) e->env = NULL;
    /* other threads compare these in env_get (no one can match this
     * environment meanwhile: opening waits for open.lock) */
    pthread_mutex_lock(&envs_mu);
    e->dev = orc ? 0 : cur.st_dev;
    e->ino = orc ? 0 : cur.st_ino;
    pthread_mutex_unlock(&envs_mu);
    pthread_rwlock_unlock(&e->resize);
    if (orc) {
        rc = orc;
        zk_msg(err, errlen,
               "%s: %s%s%scannot open the index again (%s): close the handle "
               "and open the index again",
               s->path, ren ? "the compacted copy was not put in place (" : "",
               ren ? strerror(ren) : "", ren ? "), and " : "compacted, but ",
               oerr);
    } else if (ren) {
        rc = copy_error(s, ren);
        zk_msg(err, errlen, "%s: cannot put the compacted copy in place: %s",
               s->path, strerror(ren));
    } else if (dsync) {
        rc = ZOEK_EIO;
        zk_msg(err, errlen,
               "%s: compacted, but the directory cannot be "
               "synced: %s",
               s->path, strerror(dsync));
    } else {
        *before = (uint64_t)st.st_size;
        *after = (uint64_t)nst.st_size;
    }
out:
    open_lock_shared(s);
    return rc;
}
