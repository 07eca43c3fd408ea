/* query.c - recursive-descent parser of the query syntax, with a plain-word
 * mode for natural-language text and as the fallback for text that is not
 * valid syntax.
 *
 *   query := clause*                      clauses are ranked OR (SHOULD)
 *   clause:= or ( 'OR' or )*
 *   or    := unary ( 'AND' unary )*
 *   unary := ( '+' | '-' | 'NOT' )? atom
 *   atom  := '(' query ')' | '"' words '"' | word | word'*'
 * AND/OR/NOT are operators only in upper case and as separate words.
 */
#include "query.h"

#include <stdio.h>

enum { T_END, T_WORD, T_PHRASE, T_LP, T_RP, T_AND, T_OR, T_NOT, T_PLUS,
       T_MINUS };

typedef struct lexer {
    const char *s;   /* query */
    size_t len, i;   /* length, cursor */
    int tok;         /* current token */
    const char *t;   /* its text (words, phrases) */
    size_t tl;       /* its length */
    int bad;         /* syntax error seen */
    int lenient;     /* plain-word mode */
} lexer;

static int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v' || c < 0x20 || c == 0x7F;
}

static int is_syntax(unsigned char c) {
    return c == '(' || c == ')' || c == '"';
}

static void next(lexer *L) {
    while (L->i < L->len && is_space((unsigned char)L->s[L->i])) L->i++;
    if (L->i >= L->len) {
        L->tok = T_END;
        return;
    }
    unsigned char c = (unsigned char)L->s[L->i];
    if (L->lenient) {
        /* everything but separators is a word character */
        if (is_syntax(c) || c == '+' || c == '*' ||
            (c == '-' && (L->i + 1 >= L->len ||
                          is_space((unsigned char)L->s[L->i + 1])))) {
            L->i++;
            next(L);
            return;
        }
        size_t st = L->i;
        while (L->i < L->len && !is_space((unsigned char)L->s[L->i]) &&
               !is_syntax((unsigned char)L->s[L->i]))
            L->i++;
        L->tok = T_WORD;
        L->t = L->s + st;
        L->tl = L->i - st;
        return;
    }
    if (c == '(') {
        L->i++;
        L->tok = T_LP;
        return;
    }
    if (c == ')') {
        L->i++;
        L->tok = T_RP;
        return;
    }
    if (c == '"') {
        size_t st = ++L->i;
        while (L->i < L->len && L->s[L->i] != '"') L->i++;
        if (L->i >= L->len) L->bad = 1; /* unclosed quote */
        L->tok = T_PHRASE;
        L->t = L->s + st;
        L->tl = L->i - st;
        if (L->i < L->len) L->i++;
        return;
    }
    if ((c == '+' || c == '-') && L->i + 1 < L->len &&
        !is_space((unsigned char)L->s[L->i + 1]) &&
        L->s[L->i + 1] != ')') {
        L->i++;
        L->tok = c == '+' ? T_PLUS : T_MINUS;
        return;
    }
    size_t st = L->i;
    while (L->i < L->len && !is_space((unsigned char)L->s[L->i]) &&
           !is_syntax((unsigned char)L->s[L->i]))
        L->i++;
    L->t = L->s + st;
    L->tl = L->i - st;
    L->tok = T_WORD;
    if (L->tl == 3 && !memcmp(L->t, "AND", 3)) L->tok = T_AND;
    else if (L->tl == 2 && !memcmp(L->t, "OR", 2)) L->tok = T_OR;
    else if (L->tl == 3 && !memcmp(L->t, "NOT", 3)) L->tok = T_NOT;
    else if (L->tl == 2 && !memcmp(L->t, "&&", 2)) L->tok = T_AND;
    else if (L->tl == 2 && !memcmp(L->t, "||", 2)) L->tok = T_OR;
}

typedef struct parser {
    lexer L;
    qtree *q;
    int rc;          /* sticky: ZOEK_ENOMEM / ZOEK_EQUERY */
    int depth;
    int too_deep;    /* ZOEK_EQUERY because of nesting */
} parser;

static qnode *new_node(parser *P, qkind k) {
    qtree *q = P->q;
    if (P->rc) return NULL;
    if (q->nnodes >= q->cap) {
        P->rc = ZOEK_EQUERY;
        return NULL;
    }
    qnode *n = &q->nodes[q->nnodes++];
    memset(n, 0, sizeof *n);
    n->kind = k;
    return n;
}

/* Children are gathered on a stack in kidv and copied to their final
 * place when a node is complete. */
static int push_kid(parser *P, qnode *n) {
    qtree *q = P->q;
    if (zk_grow((void **)&q->kidv, &q->kidcap, q->nkidv + 1, sizeof(qnode *))) {
        P->rc = ZOEK_ENOMEM;
        return -1;
    }
    q->kidv[q->nkidv++] = n;
    return 0;
}

static qnode *finish_bool(parser *P, size_t mark) {
    qtree *q = P->q;
    qnode *b = new_node(P, Q_BOOL);
    if (!b) return NULL;
    size_t n = q->nkidv - mark;
    b->nkids = n;
    if (n) {
        b->kids = zk_malloc(n * sizeof(qnode *));
        if (!b->kids) {
            P->rc = ZOEK_ENOMEM;
            return NULL;
        }
        memcpy(b->kids, q->kidv + mark, n * sizeof(qnode *));
    }
    q->nkidv = mark;
    return b;
}

static qnode *parse_seq(parser *P);

static qnode *parse_atom(parser *P) {
    lexer *L = &P->L;
    qnode *n = NULL;
    switch (L->tok) {
    case T_LP:
        if (++P->depth > QUERY_MAX_DEPTH) {
            P->rc = ZOEK_EQUERY;
            P->too_deep = 1;
            return NULL;
        }
        next(L);
        n = parse_seq(P);
        if (L->tok != T_RP) L->bad = 1;
        else next(L);
        P->depth--;
        /* "(x)" is x */
        if (n && n->nkids == 1 && n->kids[0]->occur == Q_SHOULD)
            n = n->kids[0];
        return n;
    case T_PHRASE:
        n = new_node(P, Q_PHRASE);
        if (!n) return NULL;
        n->text = L->t;
        n->len = L->tl;
        next(L);
        return n;
    case T_WORD:
        if (L->tl > 1 && L->t[L->tl - 1] == '*' && !L->lenient) {
            n = new_node(P, Q_PREFIX);
            if (!n) return NULL;
            n->text = L->t;
            n->len = L->tl;
            while (n->len && n->text[n->len - 1] == '*') n->len--;
        } else {
            n = new_node(P, Q_WORD);
            if (!n) return NULL;
            n->text = L->t;
            n->len = L->tl;
        }
        next(L);
        return n;
    default:
        L->bad = 1; /* an operator where a word was expected */
        return NULL;
    }
}

static qnode *parse_unary(parser *P) {
    lexer *L = &P->L;
    qoccur occ = Q_SHOULD;
    if (L->tok == T_PLUS) {
        occ = Q_MUST;
        next(L);
    } else if (L->tok == T_MINUS || L->tok == T_NOT) {
        occ = Q_NOT;
        next(L);
    }
    qnode *n = parse_atom(P);
    if (n) n->occur = occ;
    return n;
}

/* A chain "a OP b OP c": one Q_BOOL whose children have `occ` unless they
 * carry their own NOT (or MUST in an OR chain). */
static qnode *parse_chain(parser *P, int op, qnode *(*sub)(parser *),
                          qoccur occ) {
    lexer *L = &P->L;
    qnode *first = sub(P);
    if (!first || L->tok != op) return first;
    qtree *q = P->q;
    size_t mark = q->nkidv;
    if (push_kid(P, first)) return NULL;
    while (L->tok == op) {
        next(L);
        qnode *k = sub(P);
        if (!k) {
            L->bad = 1;
            break;
        }
        if (push_kid(P, k)) return NULL;
    }
    for (size_t i = mark; i < q->nkidv; i++) {
        qnode *k = q->kidv[i];
        if (k->occur != Q_NOT && !(occ == Q_SHOULD && k->occur == Q_MUST))
            k->occur = occ;
    }
    qnode *b = finish_bool(P, mark);
    if (b) b->occur = Q_SHOULD;
    return b;
}

static qnode *parse_and(parser *P) {
    return parse_chain(P, T_AND, parse_unary, Q_MUST);
}

static qnode *parse_or(parser *P) {
    return parse_chain(P, T_OR, parse_and, Q_SHOULD);
}

static qnode *parse_seq(parser *P) {
    lexer *L = &P->L;
    qtree *q = P->q;
    size_t mark = q->nkidv;
    while (!P->rc && L->tok != T_END && L->tok != T_RP) {
        if (L->tok == T_AND || L->tok == T_OR) {
            L->bad = 1; /* operator without a left operand */
            next(L);
            continue;
        }
        qnode *n = parse_or(P);
        if (!n) {
            if (P->rc) return NULL;
            if (L->tok != T_END && L->tok != T_RP) next(L);
            continue;
        }
        if (push_kid(P, n)) return NULL;
    }
    return finish_bool(P, mark);
}

void query_free(qtree *q) {
    if (!q) return;
    for (size_t i = 0; i < q->nnodes; i++) zk_free(q->nodes[i].kids);
    zk_free(q->nodes);
    zk_free(q->kidv);
    memset(q, 0, sizeof *q);
}

static int run(qtree *q, const char *text, size_t len, int lenient,
               int *too_deep) {
    parser P;
    memset(&P, 0, sizeof P);
    P.q = q;
    P.L.s = text;
    P.L.len = len;
    P.L.lenient = lenient;
    next(&P.L);
    qnode *root = parse_seq(&P);
    while (!P.rc && P.L.tok == T_RP) { /* stray ')' */
        P.L.bad = 1;
        next(&P.L);
        /* keep what follows as more clauses */
        qnode *more = parse_seq(&P);
        if (more && root && more->nkids) {
            size_t n = root->nkids + more->nkids;
            qnode **k = zk_realloc(root->kids, n * sizeof(qnode *));
            if (!k) {
                P.rc = ZOEK_ENOMEM;
                break;
            }
            memcpy(k + root->nkids, more->kids, more->nkids * sizeof(qnode *));
            root->kids = k;
            root->nkids = n;
        }
    }
    *too_deep = P.too_deep;
    if (P.rc) return P.rc;
    if (!root) return ZOEK_ENOMEM;
    q->root = root;
    return P.L.bad ? 1 : 0;
}

int query_parse(const char *text, size_t len, int plain, qtree *q, char *err,
                size_t errlen) {
    memset(q, 0, sizeof *q);
    q->cap = QUERY_MAX_NODES;
    q->nodes = zk_malloc(q->cap * sizeof(qnode));
    if (!q->nodes) return ZOEK_ENOMEM;
    int too_deep = 0;
    q->lenient = plain != 0;
    int rc = run(q, text, len, plain != 0, &too_deep);
    if (rc == 1 && !plain) {
        /* not valid syntax: plain words */
        for (size_t i = 0; i < q->nnodes; i++) zk_free(q->nodes[i].kids);
        q->nnodes = 0;
        q->nkidv = 0;
        q->lenient = 1;
        rc = run(q, text, len, 1, &too_deep);
    }
    if (rc == ZOEK_EQUERY && too_deep)
        zk_msg(err, errlen, "query nests parentheses more than %d deep",
               QUERY_MAX_DEPTH);
    else if (rc == ZOEK_EQUERY)
        zk_msg(err, errlen, "query too long (more than %d words or operators)",
               QUERY_MAX_NODES - 1);
    if (rc) {
        query_free(q);
        if (rc == 1) rc = ZOEK_EQUERY;
    }
    return rc;
}

static int dump(const qnode *n, zk_buf *out) {
    int rc = 0;
    const char *m = n->occur == Q_MUST ? "+" : n->occur == Q_NOT ? "-" : "";
    switch (n->kind) {
    case Q_WORD:
        rc = zk_buf_printf(out, "%s%.*s", m, (int)n->len, n->text);
        break;
    case Q_PREFIX:
        rc = zk_buf_printf(out, "%s%.*s*", m, (int)n->len, n->text);
        break;
    case Q_PHRASE:
        rc = zk_buf_printf(out, "%s\"%.*s\"", m, (int)n->len, n->text);
        break;
    case Q_BOOL:
        rc = zk_buf_printf(out, "%s(", m);
        for (size_t i = 0; !rc && i < n->nkids; i++) {
            if (i) rc = zk_buf_putc(out, ' ');
            if (!rc) rc = dump(n->kids[i], out);
        }
        if (!rc) rc = zk_buf_putc(out, ')');
        break;
    }
    return rc;
}

int query_dump(const qtree *q, zk_buf *out) {
    out->len = 0;
    int rc = q->root ? dump(q->root, out) : 0;
    if (!rc) rc = zk_buf_nul(out);
    return rc;
}
