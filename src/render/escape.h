/* Escaping for the document and diagram writers: whatever a label holds
 * (quotes, `|`, `<script>`, newlines, backslashes, DOT or Mermaid syntax),
 * it comes out as text in the target format, never as markup. Every
 * function appends to `out`; NULL text appends nothing. Invalid UTF-8
 * becomes U+FFFD, and controls and bidirectional overrides (which could
 * reorder the text around a label) become U+FFFD too; a tab is a space. */
#ifndef TM_RENDER_ESCAPE_H
#define TM_RENDER_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/* Markdown prose. Every character CommonMark could read as markup is
 * backslash-escaped (`\ * _ [ ] < > | ~ & ` and a line-leading `#`, `-`,
 * `+`, `=`, `1.`), except `_` inside a word, which GFM leaves alone. In a
 * table cell (in_cell) a newline becomes `<br>`, so the row stays one line
 * and keeps its column count; elsewhere it stays a newline. */
void tm_esc_md(tm_buf *out, const char *text, bool in_cell);
/* Markdown code span for identifiers: a backtick fence longer than any run
 * of backticks inside; in a cell `|` is written `\|` (GFM reads it even in
 * a code span) and newlines become spaces. */
void tm_esc_md_code(tm_buf *out, const char *text, bool in_cell);

/* HTML text and double- or single-quoted attribute values: & < > " '
 * as entities; a newline stays a newline (use tm_esc_html_lines for <br>). */
void tm_esc_html(tm_buf *out, const char *text);
/* HTML text with each newline as `<br>`. */
void tm_esc_html_lines(tm_buf *out, const char *text);

/* The inside of a DOT double-quoted string: `"` and `\` escaped (a lone
 * backslash would start a Graphviz escape such as \N or \G), a newline
 * as `\n` (a centred line break). */
void tm_esc_dot(tm_buf *out, const char *text);
/* The inside of a DOT HTML-like label `< ... >`: & < > " ' as entities,
 * a newline as `<BR/>`. */
void tm_esc_dot_html(tm_buf *out, const char *text);

/* The inside of a Mermaid double-quoted label, in characters every
 * Mermaid renderer shows as written (GitHub's leaves entity codes such as
 * `#gt;` undecoded in subgraph titles and link labels): `->`, `<->`, `<-`
 * and `=>` as the arrows → ↔ ← ⇒, `"` as `'`, `<` `>` as ‹ ›, and `&`,
 * `#`, `%`, `;`, `|`, backtick, braces and backslash as their
 * fullwidth forms, so no label can end its string, start a comment,
 * directive (`%%`), entity code or Markdown string, or inject HTML; a
 * newline as `<br>`. */
void tm_esc_mermaid(tm_buf *out, const char *text);

/* Word-wraps text at `width` characters (breaking at spaces; a longer word
 * stays whole) into buf, lines separated by '\n'; existing newlines are
 * kept. For diagram labels, before escaping. */
void tm_esc_wrap(tm_buf *out, const char *text, size_t width);

/* A URI path segment list: RFC 3986 unreserved characters and '/' kept,
 * every other byte percent-encoded (for SARIF artifact URIs). */
void tm_esc_uri_path(tm_buf *out, const char *path);

#endif
