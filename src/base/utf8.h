/* UTF-8 for everything that prints text from a model, a pack or a file
 * name: decoding with U+FFFD for invalid input, and the characters that
 * must never reach a terminal, a CI log or a document raw. */
#ifndef TM_BASE_UTF8_H
#define TM_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define TM_UTF8_REPLACEMENT 0xFFFDu

/* Decodes one UTF-8 character of text[0..len) into *cp and returns the
 * bytes it used (at least 1 when len > 0). Invalid input (a stray or
 * missing continuation byte, an overlong form, a surrogate, beyond
 * U+10FFFF) gives U+FFFD and consumes the maximal invalid prefix, as
 * WHATWG decoders do. */
size_t tm_utf8_next(const char *text, size_t len, uint32_t *cp);
/* Appends cp encoded as UTF-8 (cp must be a scalar value). */
void tm_utf8_put(tm_buf *out, uint32_t cp);

/* True for what must not reach a terminal: C0 and C1 controls, DEL, line
 * and paragraph separators, and the bidirectional marks, overrides and
 * isolates (so a label cannot reorder the text around it). */
bool tm_utf8_is_unsafe(uint32_t cp);

/* True when text[0..len), after white space, starts with "::", which
 * a GitHub Actions runner reads at the start of a line as a workflow
 * command (`::warning::`, `::add-mask::`). Writers put U+FFFD (or their
 * format's escape) for the first colon of such a line. */
bool tm_utf8_is_command(const char *text, size_t len);

/* Appends text[0..len) for a terminal or a log: invalid UTF-8 and unsafe
 * characters as U+FFFD, a tab kept when keep_tabs (else U+FFFD too). When
 * at_line_start, text that would start a workflow command gets U+FFFD
 * for its first colon. */
void tm_utf8_sanitize(tm_buf *out, const char *text, size_t len, bool keep_tabs, bool at_line_start);

#endif
