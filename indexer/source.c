/* source.c - reading articles from files, folder trees and JSON Lines
 * (plain or gzip, or a file descriptor), with HTML stripped and text
 * encodings sniffed; every problem is reported per file or line through
 * the writer's event callback and the walk goes on. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "html.h"
#include "index.h"
#include "jsonl.h"
#include "writer.h"

#define MAX_FILE ((size_t)1 << 31)   /* larger files are refused */
#define MAX_DEPTH 256                /* folder nesting */
#define MAX_LINE ((size_t)1 << 30)   /* longest JSON line */

typedef struct src {
    zoek_index *idx;
    int lang;                 /* forced ZOEK_LANG_* or ZOEK_LANG_AUTO */
    uint64_t failed;          /* files/lines that could not be indexed */
    jsonl_parser *jp;         /* reused */
    zk_buf data;              /* file contents */
    zk_buf conv;              /* converted text (UTF-16, HTML) */
    zk_buf title;             /* HTML title */
    zk_buf path;              /* current path */
    zk_buf line;              /* JSON line assembly */
    struct {
        dev_t dev;
        ino_t ino;
    } stack[MAX_DEPTH];       /* folders being walked (loop detection) */
    int depth;
} src;

static void report(src *s, int kind, const char *file, uint64_t line,
                   const char *fmt, ...) ZK_PRINTF(5, 6);
static void report(src *s, int kind, const char *file, uint64_t line,
                   const char *fmt, ...) {
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (kind == ZOEK_EVENT_ERROR) s->failed++;
    writer_event(s->idx, kind, file, line, msg);
}

static int is_fatal(int rc) {
    return rc == ZOEK_ENOMEM || rc == ZOEK_EIO || rc == ZOEK_EFULL ||
           rc == ZOEK_ECORRUPT;
}

static int ends_with(const char *s, const char *suf) {
    size_t n = strlen(s), m = strlen(suf);
    if (n < m) return 0;
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (c != suf[i]) return 0;
    }
    return 1;
}

enum { K_SKIP, K_TEXT, K_HTML, K_JSONL };

static int kind_of(const char *name) {
    if (ends_with(name, ".jsonl") || ends_with(name, ".jsonl.gz") ||
        ends_with(name, ".ndjson"))
        return K_JSONL;
    if (ends_with(name, ".html") || ends_with(name, ".htm")) return K_HTML;
    if (ends_with(name, ".txt") || ends_with(name, ".md") ||
        ends_with(name, ".text") || ends_with(name, ".markdown"))
        return K_TEXT;
    return K_SKIP;
}

/* Reads a whole file into s->data. */
static int read_file(src *s, const char *path, int *err_no) {
    s->data.len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err_no = errno;
        return ZOEK_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (size_t)st.st_size > MAX_FILE) {
        close(fd);
        *err_no = EFBIG;
        return ZOEK_EIO;
    }
    for (;;) {
        if (zk_buf_reserve(&s->data, 1 << 16)) {
            close(fd);
            return ZOEK_ENOMEM;
        }
        ssize_t n = read(fd, s->data.p + s->data.len, s->data.cap - s->data.len - 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            *err_no = errno;
            close(fd);
            return ZOEK_EIO;
        }
        if (n == 0) break;
        s->data.len += (size_t)n;
        if (s->data.len > MAX_FILE) {
            close(fd);
            *err_no = EFBIG;
            return ZOEK_EIO;
        }
    }
    close(fd);
    return 0;
}

/* UTF-16 (with BOM) to UTF-8 into s->conv. */
static int utf16_to_utf8(src *s, const uint8_t *p, size_t n, int be) {
    s->conv.len = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t u = be ? (uint32_t)p[i] << 8 | p[i + 1]
                        : (uint32_t)p[i + 1] << 8 | p[i];
        if (u >= 0xD800 && u < 0xDC00 && i + 3 < n) {
            uint32_t v = be ? (uint32_t)p[i + 2] << 8 | p[i + 3]
                            : (uint32_t)p[i + 3] << 8 | p[i + 2];
            if (v >= 0xDC00 && v < 0xE000) {
                u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
                i += 2;
            } else {
                u = 0xFFFD;
            }
        } else if (u >= 0xD800 && u < 0xE000) {
            u = 0xFFFD;
        }
        uint8_t b[4];
        size_t k;
        if (u < 0x80) {
            b[0] = (uint8_t)u;
            k = 1;
        } else if (u < 0x800) {
            b[0] = (uint8_t)(0xC0 | u >> 6);
            b[1] = (uint8_t)(0x80 | (u & 0x3F));
            k = 2;
        } else if (u < 0x10000) {
            b[0] = (uint8_t)(0xE0 | u >> 12);
            b[1] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
            b[2] = (uint8_t)(0x80 | (u & 0x3F));
            k = 3;
        } else {
            b[0] = (uint8_t)(0xF0 | u >> 18);
            b[1] = (uint8_t)(0x80 | ((u >> 12) & 0x3F));
            b[2] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
            b[3] = (uint8_t)(0x80 | (u & 0x3F));
            k = 4;
        }
        if (zk_buf_put(&s->conv, b, k)) return ZOEK_ENOMEM;
    }
    return 0;
}

/* A file is binary if its start holds NUL bytes or many control bytes. */
static int looks_binary(const uint8_t *p, size_t n) {
    size_t m = n < 8192 ? n : 8192, ctl = 0;
    for (size_t i = 0; i < m; i++) {
        if (p[i] == 0) return 1;
        if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t' &&
            p[i] != '\f')
            ctl++;
    }
    return m && ctl * 10 > m;
}

static int add_doc(src *s, const char *id, size_t idlen, const char *title,
                   size_t tlen, const char *text, size_t len, int lang,
                   uint64_t mtime, const char *where, uint64_t line) {
    zoek_doc d;
    memset(&d, 0, sizeof d);
    d.size = sizeof d;
    d.id = id;
    d.id_len = idlen;
    d.title = title;
    d.title_len = tlen;
    d.text = text;
    d.text_len = len;
    d.lang = lang;
    d.mtime = mtime;
    int status;
    int rc = zoek_index_add(s->idx, &d, &status);
    if (rc) {
        if (is_fatal(rc)) return rc;
        report(s, ZOEK_EVENT_ERROR, where, line, "%s", zoek_errmsg(s->idx));
        return 0;
    }
    if (status == ZOEK_DUPLICATE)
        report(s, ZOEK_EVENT_ERROR, where, line,
               "duplicate article id '%.*s': the first one is kept",
               (int)(idlen > 200 ? 200 : idlen), id);
    return 0;
}

/* One text, markdown or HTML file; its id is `id`. */
static int add_file(src *s, const char *path, const char *id, int kind,
                    const struct stat *st) {
    int e = 0;
    int rc = read_file(s, path, &e);
    if (rc == ZOEK_ENOMEM) return rc;
    if (rc) {
        report(s, ZOEK_EVENT_ERROR, path, 0, "cannot read: %s",
               e == EFBIG ? "file too large (2 GiB or more)" : strerror(e));
        return 0;
    }
    writer_progress(s->idx, 1, s->data.len);
    const uint8_t *p = s->data.p;
    size_t n = s->data.len;
    if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) ||
                   (p[0] == 0xFE && p[1] == 0xFF))) {
        if ((rc = utf16_to_utf8(s, p + 2, n - 2, p[0] == 0xFE))) return rc;
        report(s, ZOEK_EVENT_WARNING, path, 0, "converted from UTF-16");
        p = s->conv.p;
        n = s->conv.len;
    } else if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        p += 3;
        n -= 3;
    }
    if (looks_binary(p, n)) {
        report(s, ZOEK_EVENT_ERROR, path, 0, "binary file: skipped");
        return 0;
    }
    const char *title = NULL;
    size_t tlen = 0;
    if (kind == K_HTML) {
        zk_buf out = {0};
        s->title.len = 0;
        rc = html_to_text((const char *)p, n, &out, &s->title);
        if (rc) {
            zk_buf_free(&out);
            return rc;
        }
        zk_buf_free(&s->conv);
        s->conv = out;
        p = s->conv.p;
        n = s->conv.len;
        title = (const char *)s->title.p;
        tlen = s->title.len;
    }
    return add_doc(s, id, strlen(id), title, tlen, (const char *)p, n,
                   s->lang, (uint64_t)st->st_mtime, path, 0);
}

/* Parses one JSON line and adds the article. */
static int add_json_line(src *s, const char *name, uint64_t lineno,
                         const char *line, size_t len) {
    jsonl_doc d;
    char err[256];
    int rc = jsonl_parse_line(s->jp, line, len, &d, err, sizeof err);
    if (rc == ZOEK_ENOTFOUND) return 0; /* blank line */
    if (rc == ZOEK_ENOMEM) return rc;
    if (rc) {
        report(s, ZOEK_EVENT_ERROR, name, lineno, "%s", err);
        return 0;
    }
    int lang = s->lang; /* public ZOEK_LANG_* */
    if (lang == ZOEK_LANG_AUTO && d.lang && d.lang_len) {
        char code[8];
        if (d.lang_len < sizeof code) {
            memcpy(code, d.lang, d.lang_len);
            code[d.lang_len] = 0;
            for (size_t i = 0; code[i]; i++)
                if (code[i] >= 'A' && code[i] <= 'Z') code[i] += 32;
            int l = zoek_lang_parse(code);
            if (l > ZOEK_LANG_AUTO) lang = l;
            else if (l != ZOEK_LANG_AUTO)
                report(s, ZOEK_EVENT_WARNING, name, lineno,
                       "unknown language '%s': detected instead", code);
        } else {
            report(s, ZOEK_EVENT_WARNING, name, lineno,
                   "unknown language: detected instead");
        }
    }
    return add_doc(s, d.id, d.id_len, d.title, d.title_len, d.text,
                   d.text_len, lang, 0, name, lineno);
}

/* JSON Lines from a gzip or plain stream. */
static int add_jsonl_gz(src *s, gzFile gz, const char *name) {
    int rc = 0;
    uint64_t lineno = 0;
    zk_buf *ln = &s->line;
    ln->len = 0;
    uint8_t buf[1 << 16];
    int over = 0; /* skipping the rest of an over-long line */
    int cut = 0;  /* the stream broke off: its last line is not whole */
    for (;;) {
        int n = gzread(gz, buf, sizeof buf);
        int zerr = Z_OK;
        const char *m = n <= 0 ? gzerror(gz, &zerr) : "";
        if (n < 0 || (n == 0 && zerr != Z_OK)) {
            /* zlib says "unexpected end of file" (after the path) when a
             * gzip stream is cut short: gzread() then returns 0 */
            report(s, ZOEK_EVENT_ERROR, name, lineno + 1, "read error: %s",
                   zerr == Z_ERRNO     ? strerror(errno)
                   : zerr == Z_BUF_ERROR ? "the gzip stream is cut short"
                                         : m);
            cut = 1;
            break;
        }
        if (n == 0) break;
        writer_progress(s->idx, 0, (uint64_t)n);
        size_t a = 0;
        for (size_t i = 0; i < (size_t)n; i++) {
            if (buf[i] != '\n') continue;
            lineno++;
            if (!over) {
                if (zk_buf_put(ln, buf + a, i - a)) return ZOEK_ENOMEM;
                if ((rc = add_json_line(s, name, lineno, (const char *)ln->p,
                                        ln->len)))
                    return rc;
            }
            over = 0;
            ln->len = 0;
            a = i + 1;
        }
        if (!over) {
            if (ln->len + ((size_t)n - a) > MAX_LINE) {
                report(s, ZOEK_EVENT_ERROR, name, lineno + 1,
                       "line longer than 1 GiB: skipped");
                over = 1;
                ln->len = 0;
            } else if (zk_buf_put(ln, buf + a, (size_t)n - a)) {
                return ZOEK_ENOMEM;
            }
        }
    }
    if (ln->len && !over && !cut)
        rc = add_json_line(s, name, lineno + 1, (const char *)ln->p, ln->len);
    if (ln->cap > (16u << 20)) zk_buf_free(ln);
    return rc;
}

static int add_jsonl_file(src *s, const char *path) {
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        report(s, ZOEK_EVENT_ERROR, path, 0, "cannot read: %s",
               errno ? strerror(errno) : "out of memory");
        return 0;
    }
    gzbuffer(gz, 1 << 17);
    writer_progress(s->idx, 1, 0);
    int rc = add_jsonl_gz(s, gz, path);
    gzclose(gz);
    return rc;
}

static int walk(src *s, const char *prefix_id);

/* Handles the entry at s->path (id = same path). */
static int visit(src *s, int explicit_file) {
    const char *path = (const char *)s->path.p;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
            report(s, ZOEK_EVENT_ERROR, path, 0, "broken symbolic link");
        else
            report(s, ZOEK_EVENT_ERROR, path, 0, "cannot read: %s",
                   strerror(errno));
        return 0;
    }
    if (S_ISDIR(st.st_mode)) return walk(s, path);
    if (!S_ISREG(st.st_mode)) {
        if (explicit_file)
            report(s, ZOEK_EVENT_ERROR, path, 0, "not a regular file");
        return 0;
    }
    int k = kind_of(path);
    if (k == K_SKIP) {
        if (!explicit_file) return 0;
        k = K_TEXT;
    }
    if (k == K_JSONL) return add_jsonl_file(s, path);
    return add_file(s, path, path, k, &st);
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks folder s->path (sorted, hidden entries skipped). */
static int walk(src *s, const char *dirpath) {
    struct stat st;
    if (stat(dirpath, &st) != 0) return 0;
    for (int i = 0; i < s->depth; i++)
        if (s->stack[i].dev == st.st_dev && s->stack[i].ino == st.st_ino) {
            report(s, ZOEK_EVENT_WARNING, dirpath, 0,
                   "folder loop (symbolic link): skipped");
            return 0;
        }
    if (s->depth >= MAX_DEPTH) {
        report(s, ZOEK_EVENT_ERROR, dirpath, 0,
               "folders nested deeper than %d: skipped", MAX_DEPTH);
        return 0;
    }
    DIR *d = opendir(dirpath);
    if (!d) {
        report(s, ZOEK_EVENT_ERROR, dirpath, 0, "cannot read folder: %s",
               strerror(errno));
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (zk_grow((void **)&names, &cap, n + 1, sizeof(char *)) ||
            !(names[n] = zk_strndup(e->d_name, strlen(e->d_name)))) {
            rc = ZOEK_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (!rc) zk_sort(names, n, sizeof(char *), cmp_names);
    s->stack[s->depth].dev = st.st_dev;
    s->stack[s->depth].ino = st.st_ino;
    s->depth++;
    size_t base = s->path.len;
    for (size_t i = 0; i < n && !rc; i++) {
        s->path.len = base;
        if (base && s->path.p[base - 1] != '/' && zk_buf_putc(&s->path, '/'))
            rc = ZOEK_ENOMEM;
        if (!rc && (zk_buf_put(&s->path, names[i], strlen(names[i])) ||
                    zk_buf_nul(&s->path)))
            rc = ZOEK_ENOMEM;
        if (!rc) rc = visit(s, 0);
    }
    s->depth--;
    s->path.len = base;
    zk_buf_nul(&s->path);
    for (size_t i = 0; i < n; i++) zk_free(names[i]);
    zk_free(names);
    return rc;
}

static void src_free(src *s) {
    jsonl_parser_free(s->jp);
    zk_buf_free(&s->data);
    zk_buf_free(&s->conv);
    zk_buf_free(&s->title);
    zk_buf_free(&s->path);
    zk_buf_free(&s->line);
    zk_free(s);
}

static int src_new(zoek_index *idx, const zoek_add_opts *opts, src **out) {
    *out = NULL;
    int lang = ZOEK_LANG_AUTO;
    if (opts) {
        if (opts->size < sizeof(zoek_add_opts))
            return idx_fail(idx, ZOEK_EINVAL, "invalid options");
        lang = opts->lang;
    }
    if (lang < ZOEK_LANG_AUTO || lang > ZOEK_LANG_NL)
        return idx_fail(idx, ZOEK_EINVAL, "invalid language");
    src *s = zk_calloc(1, sizeof *s);
    if (!s || jsonl_parser_new(&s->jp)) {
        if (s) zk_free(s);
        return idx_fail(idx, ZOEK_ENOMEM, "out of memory");
    }
    s->idx = idx;
    s->lang = lang;
    *out = s;
    return 0;
}

int zoek_index_add_path(zoek_index *idx, const char *path,
                        const zoek_add_opts *opts, uint64_t *nfailed) {
    if (!idx || !path || !*path) return ZOEK_EINVAL;
    if (!idx->w) return idx_fail(idx, ZOEK_EINVAL, "index not opened for writing");
    struct stat st;
    if (stat(path, &st) != 0)
        return idx_fail(idx, errno == ENOENT ? ZOEK_ENOTFOUND : ZOEK_EIO,
                        "%s: %s", path, strerror(errno));
    src *s;
    int rc = src_new(idx, opts, &s);
    if (rc) return rc;
    size_t n = strlen(path);
    /* "corpus/" and "corpus" give the same ids: corpus/<file> */
    while (n > 1 && path[n - 1] == '/') n--;
    if (zk_buf_put(&s->path, path, n) || zk_buf_nul(&s->path)) {
        src_free(s);
        return idx_fail(idx, ZOEK_ENOMEM, "out of memory");
    }
    rc = visit(s, !S_ISDIR(st.st_mode));
    if (nfailed) *nfailed += s->failed;
    src_free(s);
    if (rc && !zoek_errmsg(idx)[0])
        idx_fail(idx, rc, "%s: %s", path, zoek_strerror(rc));
    return rc;
}

int zoek_index_add_jsonl_fd(zoek_index *idx, int fd, const char *name,
                            const zoek_add_opts *opts, uint64_t *nfailed) {
    if (!idx || fd < 0) return ZOEK_EINVAL;
    if (!idx->w) return idx_fail(idx, ZOEK_EINVAL, "index not opened for writing");
    src *s;
    int rc = src_new(idx, opts, &s);
    if (rc) return rc;
    int fd2 = dup(fd);
    gzFile gz = fd2 >= 0 ? gzdopen(fd2, "rb") : NULL;
    if (!gz) {
        if (fd2 >= 0) close(fd2);
        src_free(s);
        return idx_fail(idx, ZOEK_EIO, "%s: cannot read", name ? name : "-");
    }
    rc = add_jsonl_gz(s, gz, name ? name : "-");
    gzclose(gz);
    if (nfailed) *nfailed += s->failed;
    src_free(s);
    return rc;
}
