/* A growable byte buffer, for building output text. */
#ifndef TM_BASE_BUF_H
#define TM_BASE_BUF_H

#include <stddef.h>
#include <stdio.h>

typedef struct tm_buf {
	char *data; /* always NUL-terminated once anything was written */
	size_t len, cap;
	/* When set, the text is written to sink whenever a megabyte has
	 * gathered, so a writer producing a huge report streams it instead of
	 * holding it whole. Only for writers that never read back what they
	 * wrote; tm_buf_flush writes the rest. */
	FILE *sink;
} tm_buf;

#define TM_BUF_INIT                                                                                          \
	{                                                                                                    \
		0                                                                                            \
	}

void tm_buf_free(tm_buf *buf);
void tm_buf_clear(tm_buf *buf);
void tm_buf_put(tm_buf *buf, const void *data, size_t len);
void tm_buf_puts(tm_buf *buf, const char *text);
void tm_buf_putc(tm_buf *buf, char c);
void tm_buf_printf(tm_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends `count` copies of c. */
void tm_buf_fill(tm_buf *buf, char c, size_t count);
/* The text so far (an empty string for an untouched buffer). */
const char *tm_buf_str(const tm_buf *buf);
/* Writes what is held to the sink (if any) and empties the buffer. */
void tm_buf_flush(tm_buf *buf);
/* Appends everything `more` holds (straight to the sink, if any) and
 * empties `more`, which keeps its memory for more text. */
void tm_buf_append(tm_buf *buf, tm_buf *more);
/* tm_buf_append, then frees `more`. */
void tm_buf_take(tm_buf *buf, tm_buf *more);
/* Hands the text to the caller (free()) and resets the buffer. */
char *tm_buf_detach(tm_buf *buf);

#endif
