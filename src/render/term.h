/* Terminal helpers for the text writers: whether to colour, how wide UTF-8
 * text is on screen, truncation to a width, and sanitising labels so that
 * text from a model can never drive the terminal (an ESC in a label is
 * printed as '?', not obeyed). */
#ifndef TM_RENDER_TERM_H
#define TM_RENDER_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"

#define TM_TERM_REPLACEMENT 0xFFFDu

/* Decodes one UTF-8 character of text[0..len) into *cp and returns the
 * bytes it used (at least 1 when len > 0). Invalid input (a stray or
 * missing continuation byte, an overlong form, a surrogate, beyond
 * U+10FFFF) gives U+FFFD and consumes the maximal invalid prefix, as
 * WHATWG decoders do. */
size_t tm_term_utf8_next(const char *text, size_t len, uint32_t *cp);
/* Appends cp encoded as UTF-8 (cp must be a scalar value). */
void tm_term_utf8_put(tm_buf *out, uint32_t cp);

/* True for what must not reach a terminal: C0 and C1 controls, DEL, line
 * and paragraph separators, and the bidirectional overrides and isolates
 * (so a label cannot reorder the text around it). */
bool tm_term_is_unsafe(uint32_t cp);
/* Columns a character takes: 0 for combining marks and zero-width
 * characters, 2 for East Asian wide and emoji, else 1. */
int tm_term_char_width(uint32_t cp);

/* Display width of text once sanitised (NULL is empty). */
size_t tm_term_width(const char *text);
/* Appends text with every unsafe character replaced by '?' and invalid
 * UTF-8 by U+FFFD. */
void tm_term_sanitize(tm_buf *out, const char *text);
/* Like tm_term_sanitize, but at most max columns: text that does not fit
 * is cut and ends with "…". Returns the columns written. */
size_t tm_term_fit(tm_buf *out, const char *text, size_t max);

/* Colour only on a terminal, and only when NO_COLOR is unset or empty
 * (https://no-color.org). The pure form takes the facts as arguments. */
bool tm_term_color_wanted(bool is_tty, const char *no_color);
bool tm_term_color(FILE *stream);
/* Columns of the terminal behind stream, or 0 when it is not a terminal
 * (output to a file or a pipe is never truncated). */
int tm_term_columns(FILE *stream);

#endif
