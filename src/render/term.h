/* Terminal helpers for the text writers: whether to colour, how wide UTF-8
 * text is on screen, truncation to a width, and sanitising labels so that
 * text from a model can never drive the terminal (an ESC in a label is
 * printed as U+FFFD, not obeyed; base/utf8.h says which characters). */
#ifndef TM_RENDER_TERM_H
#define TM_RENDER_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/utf8.h"

/* Columns a character takes: 0 for combining marks and zero-width
 * characters, 2 for East Asian wide and emoji, else 1. */
int tm_term_char_width(uint32_t cp);

/* Display width of text once sanitised (NULL is empty). */
size_t tm_term_width(const char *text);
/* Appends text on one line: a line break or a tab as a space, invalid
 * UTF-8 and every other unsafe character as U+FFFD; text that would start a GitHub Actions
 * workflow command ("::") gets U+FFFD for its first colon, wherever it
 * is placed. */
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
