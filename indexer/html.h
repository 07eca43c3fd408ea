/* html.h - HTML to plain text: markup stripped, entities decoded, block
 * elements become paragraph breaks.  Pure: no I/O. */
#ifndef ZK_HTML_H
#define ZK_HTML_H

#include <stddef.h>

#include "util.h"

/* Appends the text of the HTML document `in` to `text`, and the content of
 * its <title> element (whitespace collapsed) to `title` (may be NULL).
 * - Tags are removed; <script>, <style>, <noscript>, <template>, <svg>,
 *   <head> content (except <title>) and comments are dropped entirely.
 * - Block-level elements (p, div, br, li, h1-h6, tr, td/th, section,
 *   article, blockquote, pre, hr, table, ul, ol, header, footer, ...)
 *   separate paragraphs with "\n\n" (never more than one blank line, none
 *   at the start or end); runs of whitespace inside a paragraph become one
 *   space.
 * - Entities: the named ones of HTML 4 Latin-1 and the common typographic
 *   ones (&amp; &lt; &gt; &quot; &apos; &nbsp; &shy; &ndash; &mdash;
 *   &lsquo; &rsquo; &ldquo; &rdquo; &hellip; &euro; &auml; &ouml; &uuml;
 *   &szlig; &eacute; ...), decimal and hex numeric references.  Unknown or
 *   malformed entities are kept as written.  &nbsp; becomes a space, &shy;
 *   is dropped.  Numeric references to 0, surrogates or beyond U+10FFFF
 *   become U+FFFD.
 * - Never fails on malformed markup (unclosed tags, stray '<', broken
 *   comments): whatever cannot be parsed is treated as text or dropped to
 *   the end of input; runs in linear time.
 * Details, mostly as a browser does it: named references need their ';'
 * ("AT&T", "&copy 2020" stay as written), numeric ones may omit it;
 * &#128;..&#159; mean Windows-1252 (&#150; is an en dash); &nbsp; and
 * &#160; become a space.  '>' inside quoted attribute values does not end
 * a tag; a tag or quoted value unclosed at the end of input is dropped; a
 * '<' that starts no tag ("a < b") is text.  <![CDATA[...]]> content is
 * kept as text, without decoding references.  <!DOCTYPE>, <?...?> and
 * other bogus comments end at the first '>'.  Only the first non-empty
 * <title> is taken, with references decoded and markup inside it kept as
 * text; a <title> without </title> ends at the next '<'.  Self-closing
 * <script/>, <svg/>, ... have no content.  <head> needs no special case:
 * its title is taken and its scripts and styles dropped like any other;
 * stray text in it is shown by browsers, and kept here.  Neither `text`
 * nor `title` grows by more than `len` bytes.
 * Returns 0 or ZOEK_ENOMEM (the buffers then hold a partial result; the
 * caller still frees them). */
ZK_HIDDEN int html_to_text(const char *in, size_t len, zk_buf *text,
                           zk_buf *title);

#endif
