/* fuzz_html.c - fuzz target of the HTML to plain text converter. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(x)                                                                \
    do {                                                                       \
        if (!(x)) abort();                                                     \
    } while (0)

static int is_ws(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Whitespace in the output is only single spaces and "\n\n" between
 * text; none at the ends.  A title holds no paragraph breaks. */
static void check_spacing(const uint8_t *p, size_t n, int title) {
    if (n == 0) return;
    MUST(!is_ws(p[0]) && !is_ws(p[n - 1]));
    for (size_t i = 0; i < n; i++) {
        if (!is_ws(p[i])) continue;
        if (p[i] == ' ') {
            MUST(!is_ws(p[i + 1]));
        } else {
            MUST(!title && p[i] == '\n' && p[i + 1] == '\n' &&
                 !is_ws(p[i + 2]));
            i++;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zk_buf text = {0}, title = {0}, again = {0};
    char *in = malloc(size ? size : 1); /* exact size: overreads show */
    MUST(in != NULL);
    if (size) memcpy(in, data, size);

    MUST(html_to_text(in, size, &text, &title) == 0);
    /* Nothing expands: every reference, break or space is written with
     * at least as many bytes as it produces. */
    MUST(text.len <= size && title.len <= size);
    check_spacing(text.p, text.len, 0);
    check_spacing(title.p, title.len, 1);

    /* Appending, without a title buffer, gives the same text. */
    MUST(zk_buf_put(&again, "x", 1) == 0);
    MUST(html_to_text(in, size, &again, NULL) == 0);
    MUST(again.len == text.len + 1 && again.p[0] == 'x');
    MUST(text.len == 0 || memcmp(again.p + 1, text.p, text.len) == 0);

    zk_buf_free(&text);
    zk_buf_free(&title);
    zk_buf_free(&again);
    free(in);
    return 0;
}
