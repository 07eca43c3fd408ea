/* test_html.c - unit tests of the HTML to plain text converter. */
#include <stdlib.h>

#include "check.h"
#include "html.h"

static char T[65536]; /* text of the last conversion */
static char TI[4096]; /* its title */
static int RC;        /* its return code */

/* Converts html[0..len) from an exact-size heap copy (so sanitizers and
 * valgrind see any read past the end); the results go to T and TI. */
static const char *conv_n(const char *html, size_t len) {
    zk_buf text = {0}, title = {0};
    char *copy = malloc(len ? len : 1);
    if (!copy) abort();
    if (len) memcpy(copy, html, len);
    RC = html_to_text(copy, len, &text, &title);
    if (RC) CHECK_OK(RC); /* counted only when it fails */
    free(copy);
    size_t n = text.len < sizeof T - 1 ? text.len : sizeof T - 1;
    if (n) memcpy(T, text.p, n);
    T[n] = 0;
    n = title.len < sizeof TI - 1 ? title.len : sizeof TI - 1;
    if (n) memcpy(TI, title.p, n);
    TI[n] = 0;
    zk_buf_free(&text);
    zk_buf_free(&title);
    return T;
}

static const char *conv(const char *html) {
    return conv_n(html, strlen(html));
}

static void test_paragraphs(void) {
    CHECK_STR(conv("<p>one</p><p>two</p>"), "one\n\ntwo");
    CHECK_STR(conv("a<br>b<br/>c<br />d<BR>e<Br\n>f"),
              "a\n\nb\n\nc\n\nd\n\ne\n\nf");
    CHECK_STR(conv("<div>a</div><div>b<div>c</div></div>"), "a\n\nb\n\nc");
    CHECK_STR(conv("<ul><li>x</li><li>y</ul><ol><li>z"), "x\n\ny\n\nz");
    CHECK_STR(conv("<h1>H</h1>t<h2>I</h2><h6>J</h6>"), "H\n\nt\n\nI\n\nJ");
    CHECK_STR(conv("<table><tr><th>a</th><td>b</td></tr><tr><td>c</td>"
                   "</tr></table>"),
              "a\n\nb\n\nc");
    CHECK_STR(conv("<section>s</section><article>a</article><header>h"
                   "</header><footer>f</footer><blockquote>q</blockquote>"
                   "<pre>p</pre>x<hr>y"),
              "s\n\na\n\nh\n\nf\n\nq\n\np\n\nx\n\ny");
    /* Inline elements join their text. */
    CHECK_STR(conv("foo<b>bar</b> <i>baz</i><span>!</span>"), "foobar baz!");
    CHECK_STR(conv("<a href=\"/x\">link</a>ed <em>word</em>s"), "linked words");
    /* Uppercase and mixed-case tags. */
    CHECK_STR(conv("<P>one</P><DiV>two</dIv>"), "one\n\ntwo");
}

static void test_whitespace(void) {
    CHECK_STR(conv("  a \n\t b  \r\n"), "a b");
    CHECK_STR(conv("<p> a </p>  <p>  b </p>"), "a\n\nb");
    CHECK_STR(conv("<p></p><p></p><div><br><br> x</div>"), "x");
    CHECK_STR(conv("x<br><br><br>y"), "x\n\ny");
    CHECK_STR(conv("<br>x<br>"), "x");
    CHECK_STR(conv("x <p> y"), "x\n\ny");
    CHECK_STR(conv("a\f\fb"), "a b");
    CHECK_STR(conv(""), "");
    CHECK_STR(conv("   \n "), "");
    CHECK_STR(conv("<p> </p>"), "");
    CHECK_STR(conv("<p>a <b> </b> c</p>"), "a c");
    /* UTF-8 passes through untouched. */
    CHECK_STR(conv("Gr\xC3\xBC\xC3\x9F"
                   "e \xE2\x80\x93 \xE2\x82\xAC"),
              "Gr\xC3\xBC\xC3\x9F"
              "e \xE2\x80\x93 \xE2\x82\xAC");
    CHECK_STR(conv("\xFF\xFE<p>\xC3"), "\xFF\xFE\n\n\xC3");
}

static void test_dropped(void) {
    CHECK_STR(conv("a<script>var x = '<p>' + \"</p>\";</script>b"), "ab");
    CHECK_STR(conv("<style>p > a { color: red }</style>t"), "t");
    CHECK_STR(conv("a<SCRIPT type=x>1 < 2</Script >b"), "ab");
    CHECK_STR(conv("<script>x='</scripts>'</script>y"), "y");
    CHECK_STR(conv("<script>x='</script'</script>y"), "y");
    CHECK_STR(conv("a<script>b"), "a");
    CHECK_STR(conv("a<script>b</script"), "a");
    CHECK_STR(conv("<noscript><p>enable JS</p></noscript>x"), "x");
    CHECK_STR(conv("<textarea>a<b>c</textarea>d"), "d");
    CHECK_STR(conv("<iframe src=x>fallback</iframe>e"), "e");
    CHECK_STR(conv("<template><p>x</p><template>y</template>z</template>w"),
              "w");
    CHECK_STR(conv("a<svg><svg><text>no</text></svg><title>t</title>"
                   "</svg>b"),
              "ab");
    CHECK_STR(TI, "");
    CHECK_STR(conv("<svg><style>a<b</style><script>x<y</script>n</svg>y"), "y");
    CHECK_STR(conv("a<svg>b"), "a");
    /* Self-closing: nothing inside. */
    CHECK_STR(conv("<script src=x />a<svg/>b<template/>c"), "abc");
    /* Comments. */
    CHECK_STR(conv("a<!-- x -->b"), "ab");
    CHECK_STR(conv("a<!-- <p>x</p> -- y -->b"), "ab");
    CHECK_STR(conv("a<!---->b<!-->c<!--->d"), "abcd");
    CHECK_STR(conv("a<!-- x --!>b"), "ab");
    CHECK_STR(conv("a<!-- x ->b--->c"), "ac");
    CHECK_STR(conv("a<!-- unclosed <p>b"), "a");
    CHECK_STR(conv("a<!--"), "a");
    /* Head content other than the title. */
    CHECK_STR(conv("<html><head><meta charset=utf-8><title>T</title>"
                   "<link rel=x><style>s</style><script>j</script></head>"
                   "<body><p>x</p></body></html>"),
              "x");
    CHECK_STR(TI, "T");
}

static void test_entities(void) {
    CHECK_STR(conv("&amp;&lt;&gt;&quot;&apos;"), "&<>\"'");
    CHECK_STR(conv("a&nbsp;&nbsp;b &nbsp; c&#160;d&#xa0;e"), "a b c d e");
    CHECK_STR(conv("&nbsp;x&nbsp;"), "x");
    CHECK_STR(conv("Zucker&shy;watte &#173;x&#xAD;y"), "Zuckerwatte xy");
    CHECK_STR(conv("&Auml;&Ouml;&Uuml;&auml;&ouml;&uuml;&szlig;"),
              "\xC3\x84\xC3\x96\xC3\x9C\xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F");
    CHECK_STR(conv("&euml;&iuml;&eacute;&egrave;&agrave;&ccedil;&ntilde;"
                   "&oslash;&aring;&yuml;&AElig;"),
              "\xC3\xAB\xC3\xAF\xC3\xA9\xC3\xA8\xC3\xA0\xC3\xA7\xC3\xB1"
              "\xC3\xB8\xC3\xA5\xC3\xBF\xC3\x86");
    CHECK_STR(conv("&copy;&reg;&deg;&middot;&laquo;&raquo;&iexcl;&frac12;"),
              "\xC2\xA9\xC2\xAE\xC2\xB0\xC2\xB7\xC2\xAB\xC2\xBB\xC2\xA1"
              "\xC2\xBD");
    CHECK_STR(conv("&ndash;&mdash;&lsquo;&rsquo;&sbquo;&ldquo;&rdquo;"
                   "&bdquo;"),
              "\xE2\x80\x93\xE2\x80\x94\xE2\x80\x98\xE2\x80\x99\xE2\x80\x9A"
              "\xE2\x80\x9C\xE2\x80\x9D\xE2\x80\x9E");
    CHECK_STR(conv("&hellip;&euro;&trade;&bull;&dagger;&Dagger;&permil;"
                   "&lsaquo;&rsaquo;"),
              "\xE2\x80\xA6\xE2\x82\xAC\xE2\x84\xA2\xE2\x80\xA2\xE2\x80\xA0"
              "\xE2\x80\xA1\xE2\x80\xB0\xE2\x80\xB9\xE2\x80\xBA");
    CHECK_STR(conv("a&thinsp;b&ensp;c&emsp;d&zwnj;e&zwj;f"), "a\xE2\x80\x89"
                                                             "b\xE2\x80\x82"
                                                             "c\xE2\x80\x83"
                                                             "d"
                                                             "\xE2\x80\x8C"
                                                             "e\xE2\x80\x8D"
                                                             "f");
    /* First and last of the table, and some in between. */
    CHECK_STR(conv("&AElig;&zwnj;&Alpha;&alpha;&thetasym;&sup1;&there4;"),
              "\xC3\x86\xE2\x80\x8C\xCE\x91\xCE\xB1\xCF\x91\xC2\xB9"
              "\xE2\x88\xB4");
    /* Numeric references. */
    CHECK_STR(conv("&#65;&#x42;&#X43;&#0068;&#8364;&#x20ac;&#x1F600;"),
              "ABCD\xE2\x82\xAC\xE2\x82\xAC\xF0\x9F\x98\x80");
    CHECK_STR(conv("&#0;|&#x0;|&#xD800;|&#57343;|&#x110000;|&#1114111;"),
              "\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD|"
              "\xEF\xBF\xBD|\xF4\x8F\xBF\xBF");
    CHECK_STR(conv("&#99999999999999999999999;&#xFFFFFFFFFFFFFFFFFF;"),
              "\xEF\xBF\xBD\xEF\xBF\xBD");
    /* C1 references mean Windows-1252, as in browsers. */
    CHECK_STR(conv("&#150;&#x93;&#128;&#x81;"),
              "\xE2\x80\x93\xE2\x80\x9C\xE2\x82\xAC\xC2\x81");
    CHECK_STR(conv("a&#10;&#9;&#32;b"), "a b");
    CHECK_STR(conv("&#65b &#x41g"), "Ab Ag"); /* ';' optional if numeric */
    /* Unknown or malformed: kept as written. */
    CHECK_STR(conv("&foo; &Amp; AT&T &copy 2020 & b &#; &#x; &#xg; &"),
              "&foo; &Amp; AT&T &copy 2020 & b &#; &#x; &#xg; &");
    CHECK_STR(conv("&amp"), "&amp");
    CHECK_STR(conv("&abcdefghijklmnop; &amp;amp;"), "&abcdefghijklmnop; &amp;");
    CHECK_STR(conv("&&amp;&"), "&&&");
    CHECK_STR(conv("&lt;p&gt;not a tag&lt;/p&gt;"), "<p>not a tag</p>");
    /* Not decoded in CDATA, nor in dropped content. */
    CHECK_STR(conv("<![CDATA[&amp;]]><script>&amp;</script>"), "&amp;");
}

static void test_title(void) {
    CHECK_STR(conv("<html><head><title> My  Title\n&amp; more </title></head>"
                   "<body>x</body></html>"),
              "x");
    CHECK_STR(TI, "My Title & more");
    CHECK_STR(conv("<TITLE>Up</TITLE>x"), "x");
    CHECK_STR(TI, "Up");
    CHECK_STR(conv("<title>first</title><title>second</title>t"), "t");
    CHECK_STR(TI, "first");
    CHECK_STR(conv("<title> </title><title>second</title>t"), "t");
    CHECK_STR(TI, "second");
    /* Markup inside a title is text (RCDATA). */
    CHECK_STR(conv("<title>a <b> c</title>"), "");
    CHECK_STR(TI, "a <b> c");
    /* An unclosed title ends at the next tag. */
    CHECK_STR(conv("<title>T<p>body"), "body");
    CHECK_STR(TI, "T");
    CHECK_STR(conv("<title>T"), "");
    CHECK_STR(TI, "T");
    CHECK_STR(conv("<title>A</title"), "");
    CHECK_STR(TI, "A");
    CHECK_STR(conv("no title"), "no title");
    CHECK_STR(TI, "");

    /* title may be NULL; text is appended to what is there. */
    zk_buf text = {0};
    const char *doc = "<title>T</title><p>x</p>";
    CHECK_OK(zk_buf_put(&text, "pre:", 4));
    CHECK_OK(html_to_text(doc, strlen(doc), &text, NULL));
    CHECK(text.len == 5 && memcmp(text.p, "pre:x", 5) == 0);
    zk_buf_free(&text);
    CHECK_OK(html_to_text(NULL, 0, &text, NULL));
    CHECK(text.len == 0);
    zk_buf_free(&text);
}

static void test_malformed(void) {
    CHECK_STR(conv("<p>a < b</p>"), "a < b");
    CHECK_STR(conv("a <3 b <= c"), "a <3 b <= c");
    CHECK_STR(conv("x<"), "x<");
    CHECK_STR(conv("<"), "<");
    CHECK_STR(conv("x</"), "x</");
    CHECK_STR(conv("a</>b"), "ab");
    CHECK_STR(conv("a</ x>b"), "ab");
    CHECK_STR(conv("a<!b"), "a");
    CHECK_STR(conv("a<!"), "a");
    CHECK_STR(conv("a<?"), "a");
    CHECK_STR(conv("<!DOCTYPE html><p>x"), "x");
    CHECK_STR(conv("<?xml version='1.0'?>x<?php echo 1 ?>y"), "xy");
    CHECK_STR(conv("<![CDATA[a<b]]>c"), "a<bc");
    CHECK_STR(conv("<![CDATA[ a \n b ]]> c"), "a b c");
    CHECK_STR(conv("<![CDATA[open <p>"), "open <p>");
    /* Quoted '>' in attributes does not end the tag. */
    CHECK_STR(conv("<a title=\"x>y\" data-x='>'>link</a>"), "link");
    CHECK_STR(conv("<a href=x>y</a><img alt=a>b"), "yb");
    CHECK_STR(conv("<a b = \"1\" c d=e f='g'>h"), "h");
    CHECK_STR(conv("<a title=x\"y>z"), "z");
    /* Unclosed tags and values at the end are dropped. */
    CHECK_STR(conv("a<p"), "a");
    CHECK_STR(conv("a<p class='x"), "a");
    CHECK_STR(conv("a<p class='x'"), "a");
    CHECK_STR(conv("a</p"), "a");
    CHECK_STR(conv("a<a href=\"x>b</a>"), "a");
    CHECK_STR(conv("<br/>x<img src=x />y<br/>z"), "xy\n\nz");
    CHECK_STR(conv("<p/>x"), "x");
    /* Stray end tags and unknown elements. */
    CHECK_STR(conv("</div>x</div>y</span></script>z<foo:bar>w</x-y>"),
              "x\n\nyzw");
    CHECK_STR(conv("a<verylongelementname>b"), "ab");
    CHECK_STR(conv_n("a\0b<p>c", 7), "a");
    CHECK(T[1] == 0 && T[2] == 'b'); /* NUL passes through */
}

/* Inputs built to be slow for a careless parser: each must finish fast
 * (linear time) and produce sane output. */
static void test_linear(void) {
    static const char *units[] = {
        "<title>",
        "<!--",
        "<![CDATA[",
        "<script>",
        "<a b='",
        "&#",
        "&amp",
        "<",
        "</",
        "<p",
        "<svg>",
        "</title",
        "<title>a</title",
        "<!",
        "&#x1234567",
        "<template><x>",
    };
    size_t cap = 1u << 20;
    char *buf = malloc(cap);
    if (!buf) abort();
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t ul = strlen(units[u]), n = 0;
        while (n + ul <= cap) {
            memcpy(buf + n, units[u], ul);
            n += ul;
        }
        zk_buf text = {0}, title = {0};
        double t0 = zk_now();
        CHECK_OK(html_to_text(buf, n, &text, &title));
        double dt = zk_now() - t0;
        if (dt > 2.0) {
            fprintf(stderr, "slow on \"%s\": %.2f s\n", units[u], dt);
            CHECK(!"linear time");
        }
        CHECK(text.len <= n && title.len <= n);
        zk_buf_free(&text);
        zk_buf_free(&title);
    }
    free(buf);
}

/* Every named entity of the table decodes (so the table is sorted for
 * its binary search), and every block element separates paragraphs. */
static void test_tables(void) {
    static const char names[] =
        "AElig Aacute Acirc Agrave Alpha Aring Atilde Auml Beta Ccedil Chi "
        "Dagger Delta ETH Eacute Ecirc Egrave Epsilon Eta Euml Gamma Iacute "
        "Icirc Igrave Iota Iuml Kappa Lambda Mu Ntilde Nu OElig Oacute Ocirc "
        "Ograve Omega Omicron Oslash Otilde Ouml Phi Pi Prime Psi Rho Scaron "
        "Sigma THORN Tau Theta Uacute Ucirc Ugrave Upsilon Uuml Xi Yacute Yuml "
        "Zeta aacute acirc acute aelig agrave alefsym alpha amp and ang apos "
        "aring asymp atilde auml bdquo beta brvbar bull cap ccedil cedil cent "
        "chi circ clubs cong copy crarr cup curren dArr dagger darr deg delta "
        "diams divide eacute ecirc egrave empty emsp ensp epsilon equiv eta "
        "eth "
        "euml euro exist fnof forall frac12 frac14 frac34 frasl gamma ge gt "
        "hArr harr hearts hellip iacute icirc iexcl igrave image infin int "
        "iota "
        "iquest isin iuml kappa lArr lambda lang laquo larr lceil ldquo le "
        "lfloor lowast loz lrm lsaquo lsquo lt macr mdash micro middot minus "
        "mu "
        "nabla nbsp ndash ne ni not notin nsub ntilde nu oacute ocirc oelig "
        "ograve oline omega omicron oplus or ordf ordm oslash otilde otimes "
        "ouml para part permil perp phi pi piv plusmn pound prime prod prop "
        "psi "
        "quot rArr radic rang raquo rarr rceil rdquo real reg rfloor rho rlm "
        "rsaquo rsquo sbquo scaron sdot sect shy sigma sigmaf sim spades sub "
        "sube sum sup sup1 sup2 sup3 supe szlig tau there4 theta thetasym "
        "thinsp thorn tilde times trade uArr uacute uarr ucirc ugrave uml "
        "upsih "
        "upsilon uuml weierp xi yacute yen yuml zeta zwj zwnj ";
    static const char blocks[] =
        "address article aside blockquote body br caption center dd details "
        "dialog dir div dl dt fieldset figcaption figure footer form frame "
        "frameset h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main "
        "menu nav ol optgroup option p pre section summary table tbody td "
        "tfoot th thead tr ul";
    char in[64], want[64];
    int bad = 0, count = 0;
    for (const char *p = names; *p;) {
        size_t n = strcspn(p, " ");
        snprintf(in, sizeof in, "x&%.*s;x", (int)n, p);
        conv(in);
        /* Decoded: "x", one character (or a space, or nothing), "x". */
        if (strcmp(T, in) == 0 || strlen(T) > 6 || T[0] != 'x') {
            fprintf(stderr, "entity %s -> %s\n", in, T);
            bad++;
        }
        count++;
        p += n + (p[n] == ' ');
    }
    CHECK(bad == 0 && count == 253);
    bad = count = 0;
    for (const char *p = blocks; *p;) {
        size_t n = strcspn(p, " ");
        snprintf(in, sizeof in, "a<%.*s>b</%.*s>c", (int)n, p, (int)n, p);
        snprintf(want, sizeof want, "a\n\nb\n\nc");
        if (strcmp(conv(in), want) != 0) {
            fprintf(stderr, "block %s -> %s\n", in, T);
            bad++;
        }
        count++;
        p += n + (p[n] == ' ');
    }
    CHECK(bad == 0 && count == 52);
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

/* Failing the Nth allocation, for every N, gives ZOEK_ENOMEM and no
 * leaks. */
static void test_oom(void) {
    const char *doc = "<title>T &amp; t</title><p>one</p><p>two &euro; "
                      "three four five six seven eight nine ten eleven "
                      "twelve thirteen fourteen fifteen sixteen</p>";
    int done = 0, nomem = 0;
    zoek_set_allocator(&failing);
    for (int n = 1; n < 100 && !done; n++) {
        zk_buf text = {0}, title = {0};
        fail_at = n;
        nalloc = 0;
        int rc = html_to_text(doc, strlen(doc), &text, &title);
        if (rc == ZOEK_ENOMEM) {
            nomem++;
        } else {
            CHECK_OK(rc);
            CHECK(title.len == 5 && memcmp(title.p, "T & t", 5) == 0);
            done = nalloc < fail_at;
        }
        zk_buf_free(&text);
        zk_buf_free(&title);
    }
    zoek_set_allocator(NULL);
    CHECK(done && nomem >= 2);
}

int main(void) {
    test_paragraphs();
    test_whitespace();
    test_dropped();
    test_entities();
    test_title();
    test_malformed();
    test_linear();
    test_tables();
    test_oom();
    return check_summary("test_html");
}
