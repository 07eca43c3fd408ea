/* test_query.c - query parser: syntax, precedence, lenient fallback,
 * limits. */
#include <stdlib.h>

#include "check.h"
#include "query.h"

static const char *parse_as(const char *text, int plain) {
    static zk_buf out;
    qtree q;
    char err[128];
    int rc = query_parse(text, strlen(text), plain, &q, err, sizeof err);
    if (rc) return rc == ZOEK_EQUERY ? "EQUERY" : "ERROR";
    query_dump(&q, &out);
    query_free(&q);
    return (const char *)out.p;
}

static const char *parse(const char *text) { return parse_as(text, 0); }
static const char *plain(const char *text) { return parse_as(text, 1); }

int main(void) {
    CHECK_STR(parse(""), "()");
    CHECK_STR(parse("   "), "()");
    CHECK_STR(parse("nvidia chips"), "(nvidia chips)");
    CHECK_STR(parse("+nvidia -china chips"), "(+nvidia -china chips)");
    CHECK_STR(parse("\"export controls\" chips"),
              "(\"export controls\" chips)");
    CHECK_STR(parse("nvid* chips"), "(nvid* chips)");
    CHECK_STR(parse("nvidia AND chips"), "((+nvidia +chips))");
    CHECK_STR(parse("nvidia OR amd chips"), "((nvidia amd) chips)");
    CHECK_STR(parse("a AND b OR c"), "(((+a +b) c))");
    CHECK_STR(parse("a NOT b"), "(a -b)");
    CHECK_STR(parse("a AND NOT b"), "((+a -b))");
    CHECK_STR(parse("(a OR b) AND c"), "((+(a b) +c))");
    CHECK_STR(parse("KI-Chips H800 9988.HK"), "(KI-Chips H800 9988.HK)");
    CHECK_STR(parse("x -"), "(x -)");     /* '-' alone is a word */
    CHECK_STR(parse("and or not"), "(and or not)"); /* lower case: words */
    /* invalid syntax becomes plain words */
    CHECK_STR(parse("\"unclosed quote"), "(unclosed quote)");
    CHECK_STR(parse("(a b"), "(a b)");
    CHECK_STR(parse("a b)"), "(a b)");
    CHECK_STR(parse("AND"), "(AND)");
    CHECK_STR(parse("a AND"), "(a AND)");
    CHECK_STR(parse("OR b"), "(OR b)");
    CHECK_STR(parse("(((("), "()");
    CHECK_STR(parse("\"\""), "(\"\")");
    /* control bytes are separators; invalid UTF-8 passes through */
    CHECK_STR(parse("a\001b\tc"), "(a b c)");
    CHECK_STR(parse("\xff\xfe x"), "(\xff\xfe x)");
    /* plain text: no operators, every word a SHOULD clause */
    CHECK_STR(plain("nvidia chips"), "(nvidia chips)");
    CHECK_STR(plain("+1 nucleosomes -china"), "(1 nucleosomes -china)");
    CHECK_STR(plain("\"export controls\" chips"),
              "(export controls chips)");
    CHECK_STR(plain("nvid* chips"), "(nvid* chips)"); /* a word, no prefix */
    CHECK_STR(plain("a AND b OR c NOT d"), "(a AND b OR c NOT d)");
    CHECK_STR(plain("(a OR b) && c"), "(a OR b && c)");
    CHECK_STR(plain("IL-6 TNF-alpha x - y"), "(IL-6 TNF-alpha x y)");
    CHECK_STR(plain(""), "()");
    {
        char deep[200];
        memset(deep, '(', 100);
        memcpy(deep + 100, "x", 2);
        CHECK_STR(plain(deep), "(x)"); /* parentheses are not nesting */
    }
    /* depth and size limits */
    {
        char deep[200];
        memset(deep, '(', 100);
        memcpy(deep + 100, "x", 2);
        CHECK_STR(parse(deep), "EQUERY");
        size_t n = 10000 * 2;
        char *many = malloc(n + 1);
        for (size_t i = 0; i < n; i += 2) {
            many[i] = 'w';
            many[i + 1] = ' ';
        }
        many[n] = 0;
        CHECK_STR(parse(many), "EQUERY");
        CHECK_STR(plain(many), "EQUERY");
        free(many);
    }
    return check_summary("test_query");
}
