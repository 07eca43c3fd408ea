/* test_jsonl.c - unit tests of the JSON Lines article reader. */
#include <stdlib.h>

#include "check.h"
#include "jsonl.h"

/* What one parse produced, copied out of the parser (NUL-terminated). */
typedef struct res {
    int rc;          /* return code */
    char err[256];   /* message */
    char id[512];    /* id */
    size_t id_len;   /* bytes in id */
    char text[8192]; /* text */
    size_t text_len; /* bytes in text */
    char title[512]; /* title, "" when absent */
    size_t title_len;
    int has_title;    /* title pointer not NULL */
    char lang[64];    /* lang, "" when absent */
    int has_lang;     /* lang pointer not NULL */
    int text_in_line; /* doc.text points into the line */
} res;

static res R;

static void copy_out(char *dst, size_t cap, const char *src, size_t len) {
    if (len >= cap) len = cap - 1;
    if (src && len) memcpy(dst, src, len);
    dst[len] = 0;
}

/* Parses line[0..len) from an exact-size heap copy (so sanitizers and
 * valgrind see any read past the end) and copies the result into R. */
static int parse_n(jsonl_parser *p, const char *line, size_t len) {
    char *copy = malloc(len ? len : 1);
    jsonl_doc d;
    if (!copy) abort();
    if (len) memcpy(copy, line, len);
    memset(&R, 0, sizeof R);
    memset(&d, 0x55, sizeof d);
    R.rc = jsonl_parse_line(p, copy, len, &d, R.err, sizeof R.err);
    copy_out(R.id, sizeof R.id, d.id, d.id_len);
    R.id_len = d.id_len;
    copy_out(R.text, sizeof R.text, d.text, d.text_len);
    R.text_len = d.text_len;
    copy_out(R.title, sizeof R.title, d.title, d.title_len);
    R.title_len = d.title_len;
    R.has_title = d.title != NULL;
    copy_out(R.lang, sizeof R.lang, d.lang, d.lang_len);
    R.has_lang = d.lang != NULL;
    R.text_in_line = d.text && d.text >= copy && d.text < copy + len;
    if (R.rc != 0) {
        /* A failed parse leaves the document empty. */
        CHECK(d.id == NULL && d.text == NULL && d.title == NULL &&
              d.lang == NULL && d.id_len == 0 && d.text_len == 0);
    } else {
        CHECK(d.id != NULL && d.text != NULL && R.err[0] == 0);
    }
    free(copy);
    return R.rc;
}

static int parse(jsonl_parser *p, const char *line) {
    return parse_n(p, line, strlen(line));
}

/* Checks that `line` fails with exactly the message `msg`. */
#define CHECK_FAIL(p, line, msg)                                               \
    do {                                                                       \
        CHECK_RC(parse(p, line), ZOEK_EINPUT);                                 \
        CHECK_STR(R.err, msg);                                                 \
    } while (0)

static void test_basic(jsonl_parser *p) {
    CHECK_OK(parse(p, "{\"id\":\"a1\",\"text\":\"hello\",\"title\":\"T\","
                      "\"lang\":\"de\"}"));
    CHECK_STR(R.id, "a1");
    CHECK_STR(R.text, "hello");
    CHECK_STR(R.title, "T");
    CHECK_STR(R.lang, "de");
    CHECK(R.id_len == 2 && R.text_len == 5);
    CHECK(R.text_in_line); /* no escapes: not copied */

    /* Any order, whitespace everywhere, '\r' at the end. */
    CHECK_OK(parse(p, " \t{ \"lang\" : \"nl\" ,\"text\"\t:\"t\" , \"id\" :"
                      " \"x\" } \t\r"));
    CHECK_STR(R.id, "x");
    CHECK_STR(R.text, "t");
    CHECK_STR(R.lang, "nl");
    CHECK(!R.has_title);
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"t\"}\r"));
    CHECK_OK(parse(p, "{\n\"id\"\n:\n\"x\"\n,\"text\":\"t\"\n}"));

    /* Optional fields absent or null. */
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\"}"));
    CHECK(!R.has_title && !R.has_lang && R.text_len == 0);
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"t\",\"title\":null,"
                      "\"lang\":null}"));
    CHECK(!R.has_title && !R.has_lang);
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"t\",\"title\":\"\"}"));
    CHECK(R.has_title && R.title_len == 0);

    /* A UTF-8 byte order mark may start the line (RFC 8259 8.1). */
    CHECK_OK(parse(p, "\xEF\xBB\xBF{\"id\":\"x\",\"text\":\"t\"}"));
    CHECK_FAIL(p, "{\"id\":\"x\",\xEF\xBB\xBF\"text\":\"t\"}",
               "expected a quoted key at byte 10");
}

static void test_blank(jsonl_parser *p) {
    CHECK_RC(parse(p, ""), ZOEK_ENOTFOUND);
    CHECK_STR(R.err, "");
    CHECK_RC(parse(p, "   "), ZOEK_ENOTFOUND);
    CHECK_RC(parse(p, "\r"), ZOEK_ENOTFOUND);
    CHECK_RC(parse(p, " \t\r\n "), ZOEK_ENOTFOUND);
    CHECK_RC(parse(p, "\xEF\xBB\xBF"), ZOEK_ENOTFOUND);
    CHECK_RC(jsonl_parse_line(p, NULL, 0, &(jsonl_doc){0}, NULL, 0),
             ZOEK_ENOTFOUND);
    /* Not JSON whitespace. */
    CHECK_FAIL(p, "\f", "expected '{' at byte 0");
    CHECK_FAIL(p, "\v{}", "expected '{' at byte 0");
}

static void test_escapes(jsonl_parser *p) {
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"q\\\"b\\\\s\\/b\\bf\\fn\\nr"
                      "\\rt\\t.\"}"));
    CHECK_STR(R.text, "q\"b\\s/b\bf\fn\nr\rt\t.");
    CHECK(!R.text_in_line);
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\\u0041\\u00e9\\u00C9"
                      "\\u20ac\\u0024\"}"));
    CHECK_STR(R.text, "A\xC3\xA9\xC3\x89\xE2\x82\xAC$");
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\\u007f\\u0080\\u07ff"
                      "\\u0800\\uffff\"}"));
    CHECK_STR(R.text, "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF");

    /* Surrogate pairs, in either case of hex digits. */
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\\uD83D\\uDE00!\\ud834"
                      "\\udd1e\\uDBFF\\uDFFF\"}"));
    CHECK_STR(R.text, "\xF0\x9F\x98\x80!\xF0\x9D\x84\x9E\xF4\x8F\xBF\xBF");
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\\uD800\\uDC00\"}"));
    CHECK_STR(R.text, "\xF0\x90\x80\x80");

    /* Lone surrogates become U+FFFD; what follows is read normally. */
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"a\\uD800b\"}"));
    CHECK_STR(R.text, "a\xEF\xBF\xBD"
                      "b");
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\\uDC00\"}"));
    CHECK_STR(R.text, "\xEF\xBF\xBD");
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\\uD800\"}"));
    CHECK_STR(R.text, "\xEF\xBF\xBD");
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\\uDE00\\uD83D\"}"));
    CHECK_STR(R.text, "\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\\uD800\\uD83D\\uDE00\"}"));
    CHECK_STR(R.text, "\xEF\xBF\xBD\xF0\x9F\x98\x80");
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\\uD800\\n\"}"));
    CHECK_STR(R.text, "\xEF\xBF\xBD\n");
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\\uD800\\u0041\"}"));
    CHECK_STR(R.text, "\xEF\xBF\xBD"
                      "A");
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"\\uD800\\\\uDC00\"}"));
    CHECK_STR(R.text, "\xEF\xBF\xBD\\uDC00");

    /* \u0000 is a NUL byte inside the (pointer, length) string. */
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"a\\u0000b\"}"));
    CHECK(R.text_len == 3 && memcmp(R.text, "a\0b", 3) == 0);

    /* Escapes in every field, and a long text mixing both. */
    CHECK_OK(parse(p, "{\"id\":\"\\u0031\\/2\",\"text\":\"t\",\"title\":"
                      "\"\\\"Q\\\"\",\"lang\":\"d\\u0065\"}"));
    CHECK_STR(R.id, "1/2");
    CHECK_STR(R.title, "\"Q\"");
    CHECK_STR(R.lang, "de");

    /* Bad escapes. */
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"a\\qb\"}",
               "invalid escape at byte 19");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"\\U0041\"}",
               "invalid escape at byte 18");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"\\u12G4\"}",
               "invalid \\u escape at byte 18");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"\\u12\"}",
               "invalid \\u escape at byte 18");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"\\x41\"}",
               "invalid escape at byte 18");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"\\'\"}",
               "invalid escape at byte 18");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"\\uD83D\\uDE0G\"}",
               "invalid \\u escape at byte 24");
    /* Also inside skipped members and keys. */
    CHECK_FAIL(p, "{\"o\":\"\\a\",\"id\":\"x\",\"text\":\"t\"}",
               "invalid escape at byte 6");
    CHECK_FAIL(p, "{\"\\u00\":1,\"id\":\"x\",\"text\":\"t\"}",
               "invalid \\u escape at byte 2");
}

static void test_raw_bytes(jsonl_parser *p) {
    char line[64], want[64];
    /* Every control byte is rejected inside strings, and named. */
    for (int c = 1; c < 0x20; c++) {
        snprintf(line, sizeof line, "{\"id\":\"x\",\"text\":\"a%cb\"}", c);
        CHECK_RC(parse(p, line), ZOEK_EINPUT);
        snprintf(want, sizeof want,
                 "raw control character 0x%02x in string at byte 19", c);
        CHECK_STR(R.err, want);
    }
    CHECK_RC(parse_n(p, "{\"id\":\"x\",\"text\":\"a\0b\"}", 23), ZOEK_EINPUT);
    CHECK_STR(R.err, "raw control character 0x00 in string at byte 19");
    CHECK_RC(parse_n(p, "{\"id\":\"x\",\"text\":\"ab\"}\0", 23), ZOEK_EINPUT);
    CHECK_STR(R.err, "unexpected data after the object at byte 22");
    CHECK_FAIL(p, "{\"id\":\"x\",\"o\":\"\x1f\",\"text\":\"t\"}",
               "raw control character 0x1f in string at byte 15");

    /* DEL and every byte >= 0x80 pass unchanged (even invalid UTF-8). */
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"Gr\xC3\xBC\xC3\x9F"
                      "e \x7F \xE2\x80\x94 \xF0\x9F\x98\x80 \xFF\xFE\x80"
                      "\"}"));
    CHECK_STR(R.text, "Gr\xC3\xBC\xC3\x9F"
                      "e \x7F \xE2\x80\x94 "
                      "\xF0\x9F\x98\x80 \xFF\xFE\x80");
    CHECK(R.text_in_line);
    /* ...also next to escapes (the copying path). */
    CHECK_OK(parse(p, "{\"id\":\"\xC3\xA9\",\"text\":\"\xC3\xBC\\n\xFF\"}"));
    CHECK_STR(R.id, "\xC3\xA9");
    CHECK_STR(R.text, "\xC3\xBC\n\xFF");
}

static void test_ids(jsonl_parser *p) {
    CHECK_OK(parse(p, "{\"id\":12345,\"text\":\"t\"}"));
    CHECK_STR(R.id, "12345");
    CHECK_OK(parse(p, "{\"id\":0,\"text\":\"t\"}"));
    CHECK_STR(R.id, "0");
    CHECK_OK(parse(p, "{\"text\":\"t\",\"id\":123456789012345678901234567890"
                      "}"));
    CHECK_STR(R.id, "123456789012345678901234567890");
    CHECK_OK(parse(p, "{\"id\" : 7 ,\"text\":\"t\"}"));
    CHECK_STR(R.id, "7");

    CHECK_FAIL(p, "{\"id\":-5,\"text\":\"t\"}",
               "\"id\" must be a string or a non-negative integer at byte 6");
    CHECK_FAIL(p, "{\"id\":-0,\"text\":\"t\"}",
               "\"id\" must be a string or a non-negative integer at byte 6");
    CHECK_FAIL(p, "{\"id\":1.5,\"text\":\"t\"}",
               "\"id\" must be a string or a non-negative integer at byte 6");
    CHECK_FAIL(p, "{\"id\":1e3,\"text\":\"t\"}",
               "\"id\" must be a string or a non-negative integer at byte 6");
    CHECK_FAIL(p, "{\"id\":1.0,\"text\":\"t\"}",
               "\"id\" must be a string or a non-negative integer at byte 6");
    CHECK_FAIL(p, "{\"id\":01,\"text\":\"t\"}", "invalid number at byte 6");
    CHECK_FAIL(p, "{\"id\":+1,\"text\":\"t\"}", "expected a value at byte 6");
    CHECK_FAIL(p, "{\"id\":true,\"text\":\"t\"}",
               "\"id\" must be a string or an integer at byte 6");
    CHECK_FAIL(p, "{\"id\":null,\"text\":\"t\"}",
               "\"id\" must be a string or an integer at byte 6");
    CHECK_FAIL(p, "{\"id\":[\"x\"],\"text\":\"t\"}",
               "\"id\" must be a string or an integer at byte 6");
    CHECK_FAIL(p, "{\"id\":{},\"text\":\"t\"}",
               "\"id\" must be a string or an integer at byte 6");
    CHECK_FAIL(p, "{\"id\":\"\",\"text\":\"t\"}", "empty \"id\"");
}

static void test_fields(jsonl_parser *p) {
    CHECK_FAIL(p, "{\"id\":\"x\"}", "missing \"text\"");
    CHECK_FAIL(p, "{\"text\":\"t\"}", "missing \"id\"");
    CHECK_FAIL(p, "{}", "missing \"id\"");
    CHECK_FAIL(p, "{\"id\":\"x\",\"Text\":\"t\"}", "missing \"text\"");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":5}",
               "\"text\" must be a string at byte 17");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":null}",
               "\"text\" must be a string at byte 17");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":[\"a\"]}",
               "\"text\" must be a string at byte 17");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"t\",\"title\":5}",
               "\"title\" must be a string or null at byte 29");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"t\",\"title\":false}",
               "\"title\" must be a string or null at byte 29");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"t\",\"lang\":{}}",
               "\"lang\" must be a string or null at byte 28");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"t\",\"lang\":nul}",
               "invalid literal at byte 28");

    /* The last of repeated known keys wins. */
    CHECK_OK(parse(p, "{\"id\":\"x\",\"title\":\"a\",\"text\":\"t\","
                      "\"title\":\"b\"}"));
    CHECK_STR(R.title, "b");
    CHECK_OK(parse(p, "{\"id\":\"x\",\"title\":\"a\",\"text\":\"t\","
                      "\"title\":null}"));
    CHECK(!R.has_title && R.title_len == 0);
    CHECK_OK(parse(p, "{\"id\":\"x\",\"title\":null,\"text\":\"t\","
                      "\"title\":\"c\\n\"}"));
    CHECK_STR(R.title, "c\n");
    CHECK_OK(parse(p, "{\"id\":1,\"text\":\"a\\nb\",\"id\":\"y\\t\","
                      "\"text\":\"c\"}"));
    CHECK_STR(R.id, "y\t");
    CHECK_STR(R.text, "c");
    CHECK_OK(parse(p, "{\"id\":\"y\",\"text\":\"c\",\"text\":\"d\\u00e9\"}"));
    CHECK_STR(R.text, "d\xC3\xA9");

    /* Keys are compared after decoding, and exactly. */
    CHECK_OK(parse(p, "{\"\\u0069d\":\"k\",\"t\\u0065xt\":\"v\\n\","
                      "\"tit\\u006Ce\":\"T\"}"));
    CHECK_STR(R.id, "k");
    CHECK_STR(R.text, "v\n");
    CHECK_STR(R.title, "T");
    CHECK_OK(parse(p, "{\"id\":\"k\",\"text\":\"v\",\"text \":5,\"ids\":[],"
                      "\"\":null,\"TITLE\":1,\"i\\u0000d\":2}"));
    CHECK_STR(R.text, "v");
    CHECK(!R.has_title);
}

static void test_skip(jsonl_parser *p) {
    CHECK_OK(parse(p, "{\"meta\":{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u00e9"
                      "\\\"x\\uD800\",\"d\":{}},\"n\":-1.5e-3,\"m\":0.25E+10,"
                      "\"k\":1E5,\"t\":true,\"f\":false,\"z\":null,"
                      "\"arr\":[],\"obj\":{},\"s\":\"\",\"id\":\"y\","
                      "\"deep\":[[[{\"x\":[{}]}]],[ ]],\"text\":\"x\"}"));
    CHECK_STR(R.id, "y");
    CHECK_STR(R.text, "x");
    CHECK_OK(parse(p, "{ \"a\" : [ 1 , { \"b\" : [ ] } , \"c\" ] , "
                      "\"id\":\"y\",\"text\":\"x\" }"));

    /* Everything skipped is still validated. */
    CHECK_FAIL(p, "{\"x\":tru,\"id\":\"y\",\"text\":\"t\"}",
               "invalid literal at byte 5");
    CHECK_FAIL(p, "{\"x\":truex,\"id\":\"y\",\"text\":\"t\"}",
               "invalid literal at byte 5");
    CHECK_FAIL(p, "{\"x\":True}", "expected a value at byte 5");
    CHECK_FAIL(p, "{\"x\":[1,]}", "expected a value at byte 8");
    CHECK_FAIL(p, "{\"x\":[1 2]}", "expected ',' or ']' at byte 8");
    CHECK_FAIL(p, "{\"x\":{\"a\"}}", "expected ':' at byte 9");
    CHECK_FAIL(p, "{\"x\":{\"a\":1,}}", "expected a quoted key at byte 12");
    CHECK_FAIL(p, "{\"x\":{,}}", "expected a quoted key at byte 6");
    CHECK_FAIL(p, "{\"x\":{\"a\":1]}", "expected ',' or '}' at byte 11");
    CHECK_FAIL(p, "{\"x\":[}", "expected a value at byte 6");
    CHECK_FAIL(p, "{\"x\":01}", "invalid number at byte 5");
    CHECK_FAIL(p, "{\"x\":1.}", "invalid number at byte 5");
    CHECK_FAIL(p, "{\"x\":.5}", "expected a value at byte 5");
    CHECK_FAIL(p, "{\"x\":+1}", "expected a value at byte 5");
    CHECK_FAIL(p, "{\"x\":-}", "invalid number at byte 5");
    CHECK_FAIL(p, "{\"x\":1e}", "invalid number at byte 5");
    CHECK_FAIL(p, "{\"x\":1e+}", "invalid number at byte 5");
    CHECK_FAIL(p, "{\"x\":-a}", "invalid number at byte 5");
    CHECK_FAIL(p, "{\"x\":1.5.5}", "invalid number at byte 5");
    CHECK_FAIL(p, "{\"x\":0x10}", "expected ',' or '}' at byte 6");
    CHECK_FAIL(p, "{\"x\":NaN}", "expected a value at byte 5");
    CHECK_FAIL(p, "{\"x\":'a'}", "expected a value at byte 5");
    CHECK_FAIL(p, "{\"x\":nulll}", "invalid literal at byte 5");
    CHECK_FAIL(p, "{\"x\":[\"a\" \"b\"]}", "expected ',' or ']' at byte 10");
    CHECK_FAIL(p, "{\"x\":[1]]}", "expected ',' or '}' at byte 8");
    CHECK_FAIL(p, "{\"x\":{\"a\":{\"b\":1}}}}",
               "unexpected data after the object at byte 19");
}

static void test_depth(jsonl_parser *p) {
    static char line[300000];
    size_t n;
    /* The object is level 1, so 63 more containers are fine: arrays
     * only, k levels of '[' inside the object. */
    for (int k = 62; k <= 64; k++) {
        n = (size_t)snprintf(line, sizeof line, "{\"x\":");
        for (int i = 0; i < k; i++)
            line[n++] = '[';
        for (int i = 0; i < k; i++)
            line[n++] = ']';
        n += (size_t)snprintf(line + n, sizeof line - n,
                              ",\"id\":\"1\",\"text\":\"t\"}");
        if (k <= 63) {
            CHECK_OK(parse_n(p, line, n));
        } else {
            CHECK_RC(parse_n(p, line, n), ZOEK_EINPUT);
            CHECK_STR(R.err, "nesting deeper than 64 at byte 68");
        }
    }
    /* Objects only: {"a":{"a":...}}. */
    for (int k = 63; k <= 64; k++) {
        n = (size_t)snprintf(line, sizeof line, "{\"id\":\"1\",\"x\":");
        for (int i = 0; i < k; i++) {
            memcpy(line + n, "{\"a\":", 5);
            n += 5;
        }
        line[n++] = '1';
        for (int i = 0; i < k; i++)
            line[n++] = '}';
        n += (size_t)snprintf(line + n, sizeof line - n, ",\"text\":\"t\"}");
        CHECK_RC(parse_n(p, line, n), k <= 63 ? 0 : ZOEK_EINPUT);
    }
    CHECK_STR(R.err, "nesting deeper than 64 at byte 329");
    /* Very deep input fails early and never recurses. */
    n = (size_t)snprintf(line, sizeof line, "{\"x\":");
    while (n < sizeof line)
        line[n++] = '[';
    CHECK_RC(parse_n(p, line, n), ZOEK_EINPUT);
    CHECK_STR(R.err, "nesting deeper than 64 at byte 68");
    /* Known fields at depth 1 are not confused by skipped nesting. */
    CHECK_OK(parse(p, "{\"x\":{\"id\":\"inner\",\"text\":\"no\"},\"id\":\"o\","
                      "\"text\":\"yes\"}"));
    CHECK_STR(R.id, "o");
    CHECK_STR(R.text, "yes");
}

static void test_structure(jsonl_parser *p) {
    CHECK_FAIL(p, "[1]", "expected '{' at byte 0");
    CHECK_FAIL(p, "\"abc\"", "expected '{' at byte 0");
    CHECK_FAIL(p, "  x", "expected '{' at byte 2");
    CHECK_FAIL(p, "{\"id\" \"x\"}", "expected ':' at byte 6");
    CHECK_FAIL(p, "{\"id\":\"x\" \"text\":\"y\"}",
               "expected ',' or '}' at byte 10");
    CHECK_FAIL(p, "{\"id\":\"x\",}", "expected a quoted key at byte 10");
    CHECK_FAIL(p, "{,}", "expected a quoted key at byte 1");
    CHECK_FAIL(p, "{'id':1}", "expected a quoted key at byte 1");
    CHECK_FAIL(p, "{id:1}", "expected a quoted key at byte 1");
    CHECK_FAIL(p, "{\"id\":}", "expected a value at byte 6");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"y\"",
               "expected ',' or '}' at byte 20 (end of line)");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"y\" ,",
               "expected a quoted key at byte 22 (end of line)");
    CHECK_FAIL(p, "{\"id\":", "expected a value at byte 6 (end of line)");
    CHECK_FAIL(p, "{", "expected a quoted key at byte 1 (end of line)");
    CHECK_FAIL(p, "{\"id\":\"abc", "unterminated string at byte 6");
    CHECK_FAIL(p, "{\"id\":\"ab\\", "unterminated string at byte 6");
    CHECK_FAIL(p, "{\"id\":\"ab\\u00", "unterminated string at byte 6");
    CHECK_FAIL(p, "{\"id\":\"ab\\\"}", "unterminated string at byte 6");
    CHECK_FAIL(p, "{\"i", "unterminated string at byte 1");
    /* Comments and trailing data are not JSON. */
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"y\"}x",
               "unexpected data after the object at byte 21");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"y\"} {\"id\":\"z\"}",
               "unexpected data after the object at byte 22");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"y\"},",
               "unexpected data after the object at byte 21");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"y\"} // c",
               "unexpected data after the object at byte 22");
    CHECK_FAIL(p, "{\"id\":\"x\",\"text\":\"y\"}\r\r\n\t}",
               "unexpected data after the object at byte 25");
    CHECK_OK(parse(p, "{\"id\":\"x\",\"text\":\"y\"}\r\r\n\t"));
}

/* Every proper prefix of a valid line fails cleanly. */
static void test_prefixes(jsonl_parser *p) {
    static const char *lines[] = {
        "{\"id\":\"de-1\",\"lang\":\"de\",\"title\":\"Stra\xC3\x9F"
        "e \\\"A\\\""
        "\",\"meta\":{\"tags\":[\"a\",1,-2.5e+3,true,false,null,{}],\"u\":"
        "\"\\uD83D\\uDE00\\u00e9\\/\"},\"text\":\"Ein\\nText \\uD800 mit "
        "\\t Escapes\"}",
        "{\"id\":1234567,\"title\":null,\"lang\":null,\"text\":\"plain\"}",
        "{\"text\":\"\",\"id\":\"\\u0041\"}",
    };
    for (size_t l = 0; l < sizeof lines / sizeof lines[0]; l++) {
        size_t len = strlen(lines[l]);
        int bad = 0;
        for (size_t n = 0; n < len; n++) {
            int rc = parse_n(p, lines[l], n);
            if (n == 0) {
                if (rc != ZOEK_ENOTFOUND) bad++;
            } else if (rc != ZOEK_EINPUT || !strstr(R.err, " at byte ")) {
                fprintf(stderr, "prefix %zu of line %zu: %d %s\n", n, l, rc,
                        R.err);
                bad++;
            }
        }
        CHECK(bad == 0);
        CHECK_OK(parse_n(p, lines[l], len));
    }
    CHECK_STR(R.id, "A");
    CHECK_OK(parse(p, lines[0]));
    CHECK_STR(R.title, "Stra\xC3\x9F"
                       "e \"A\"");
    CHECK_STR(R.text, "Ein\nText \xEF\xBF\xBD mit \t Escapes");
}

/* Results of a line do not depend on earlier lines; scratch is reused. */
static void test_reuse(jsonl_parser *p) {
    static char big[200000];
    char first[10000];
    const char *a = "{\"id\":\"a\\u00e9\",\"text\":\"one\\ntwo\","
                    "\"title\":\"t\\t1\",\"lang\":\"en\"}";
    CHECK_OK(parse(p, a));
    snprintf(first, sizeof first, "%s|%s|%s|%s", R.id, R.text, R.title, R.lang);
    CHECK_STR(first, "a\xC3\xA9|one\ntwo|t\t1|en");

    /* A long line with many escapes grows scratch... */
    size_t n = (size_t)snprintf(big, sizeof big, "{\"id\":\"big\",\"text\":\"");
    while (n + 20 < sizeof big) {
        memcpy(big + n, "ab\\n\\u00e9\\\"", 12);
        n += 12;
    }
    n += (size_t)snprintf(big + n, sizeof big - n, "\"}");
    CHECK_OK(parse_n(p, big, n));
    CHECK(R.text_len > 4 && memcmp(R.text, "ab\n\xC3\xA9\"ab", 8) == 0);

    /* ...then a failing line and the first one again: same result. */
    CHECK_RC(parse(p, "{\"id\":\"\\u00e9\",\"text\":\"\\n\",\"x\":]"),
             ZOEK_EINPUT);
    CHECK_OK(parse(p, a));
    char again[10000];
    snprintf(again, sizeof again, "%s|%s|%s|%s", R.id, R.text, R.title, R.lang);
    CHECK_STR(again, first);

    /* Alternating lines with and without escapes. */
    for (int i = 0; i < 100; i++) {
        char line[128], want[32];
        snprintf(line, sizeof line,
                 i % 2 ? "{\"id\":%d,\"text\":\"n%d\"}"
                       : "{\"id\":%d,\"text\":\"e\\u0025%d\"}",
                 i, i);
        snprintf(want, sizeof want, i % 2 ? "n%d" : "e%%%d", i);
        parse(p, line);
        if (R.rc != 0 || strcmp(R.text, want) != 0) CHECK(!"reuse");
    }
    CHECK_STR(R.text, "n99");
    CHECK_STR(R.id, "99");
}

static void test_errbuf(jsonl_parser *p) {
    jsonl_doc d;
    char err[8];
    const char *bad = "{\"id\" \"x\"}";
    CHECK_RC(jsonl_parse_line(p, bad, strlen(bad), &d, NULL, 0), ZOEK_EINPUT);
    CHECK_RC(jsonl_parse_line(p, bad, strlen(bad), &d, err, sizeof err),
             ZOEK_EINPUT);
    CHECK_STR(err, "expecte");
    CHECK_RC(jsonl_parse_line(p, bad, strlen(bad), &d, err, 1), ZOEK_EINPUT);
    CHECK_STR(err, "");
    const char *good = "{\"id\":\"x\",\"text\":\"y\"}";
    memcpy(err, "garbage", 8);
    CHECK_OK(jsonl_parse_line(p, good, strlen(good), &d, err, sizeof err));
    CHECK_STR(err, "");
    /* The line need not be NUL-terminated: only len bytes are read. */
    char buf[64];
    memset(buf, '}', sizeof buf);
    memcpy(buf, good, strlen(good));
    CHECK_OK(jsonl_parse_line(p, buf, strlen(good), &d, NULL, 0));
    CHECK(d.text_len == 1 && d.text[0] == 'y');
}

/* Large inputs of every kind are parsed without trouble. */
static void test_large(jsonl_parser *p) {
    size_t cap = 4u << 20, n = 0;
    char *line = malloc(cap);
    if (!line) abort();
    n = (size_t)snprintf(line, cap, "{\"id\":\"x\",\"skip\":[");
    while (n + 64 < cap / 2)
        n += (size_t)snprintf(line + n, cap - n, "{\"k\":\"\\uD800\"},1e9,");
    n += (size_t)snprintf(line + n, cap - n, "0],\"text\":\"");
    while (n + 16 < cap) {
        memcpy(line + n, "\\uD83D\\uDE00", 12);
        n += 12;
    }
    line[n++] = '"';
    line[n++] = '}';
    CHECK_OK(parse_n(p, line, n));
    free(line);
}

/* An allocator that fails the fail_at-th allocation (0: none). */
static int fail_at, nalloc;
static void *t_malloc(size_t n, void *ud) {
    (void)ud;
    return ++nalloc == fail_at ? NULL : malloc(n);
}
static void *t_realloc(void *p, size_t n, void *ud) {
    (void)ud;
    return ++nalloc == fail_at ? NULL : realloc(p, n);
}
static void t_free(void *p, void *ud) {
    (void)ud;
    free(p);
}
static const zoek_allocator failing = {t_malloc, t_realloc, t_free, NULL};

/* Failing the Nth allocation, for every N, gives clean errors, no leaks,
 * and a parser that still works afterwards. */
static void test_oom(void) {
    const char *line = "{\"id\":\"\\u00e9\",\"text\":\"a\\nb\"}";
    int done = 0, nomem = 0;
    zoek_set_allocator(&failing);
    for (int n = 1; n < 100 && !done; n++) {
        jsonl_parser *p = NULL;
        jsonl_doc d;
        char err[64];
        fail_at = n;
        nalloc = 0;
        int rc = jsonl_parser_new(&p);
        if (rc != 0) {
            CHECK(rc == ZOEK_ENOMEM && p == NULL);
            nomem++;
            continue;
        }
        rc = jsonl_parse_line(p, line, strlen(line), &d, err, sizeof err);
        if (rc == ZOEK_ENOMEM) {
            CHECK_STR(err, "out of memory");
            CHECK(d.id == NULL && d.text == NULL);
            nomem++;
            /* The same parser works once memory is back. */
            CHECK_OK(
                jsonl_parse_line(p, line, strlen(line), &d, err, sizeof err));
        } else {
            CHECK_OK(rc);
            done = nalloc < fail_at;
        }
        CHECK(d.text_len == 3 && memcmp(d.text, "a\nb", 3) == 0);
        jsonl_parser_free(p);
    }
    zoek_set_allocator(NULL);
    CHECK(done && nomem >= 2);
}

int main(void) {
    jsonl_parser *p = NULL;
    CHECK_OK(jsonl_parser_new(&p));
    if (!p) return check_summary("test_jsonl");
    test_basic(p);
    test_blank(p);
    test_escapes(p);
    test_raw_bytes(p);
    test_ids(p);
    test_fields(p);
    test_skip(p);
    test_depth(p);
    test_structure(p);
    test_prefixes(p);
    test_reuse(p);
    test_errbuf(p);
    test_large(p);
    jsonl_parser_free(p);
    jsonl_parser_free(NULL);
    test_oom();
    return check_summary("test_jsonl");
}
