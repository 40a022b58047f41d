#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/invariant.h"
#include "base/xalloc.h"

static void reserve(tm_buf *buf, size_t extra)
{
	if (buf->len + extra + 1 <= buf->cap)
		return;
	size_t cap = buf->cap ? buf->cap : 64;
	while (cap < buf->len + extra + 1)
		cap *= 2;
	buf->data = tm_xrealloc(buf->data, cap);
	buf->cap = cap;
	tm_assert(buf->len + extra < buf->cap);
}

void tm_buf_free(tm_buf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = buf->cap = 0;
}

void tm_buf_clear(tm_buf *buf)
{
	buf->len = 0;
	if (buf->data)
		buf->data[0] = '\0';
}

enum { SINK_CHUNK = 1 << 20 };

void tm_buf_flush(tm_buf *buf)
{
	if (buf->sink && buf->len) {
		fwrite(buf->data, 1, buf->len, buf->sink);
		tm_buf_clear(buf);
	}
}

static void maybe_flush(tm_buf *buf)
{
	if (buf->sink && buf->len >= SINK_CHUNK)
		tm_buf_flush(buf);
}

void tm_buf_append(tm_buf *buf, tm_buf *more)
{
	if (buf->sink) {
		tm_buf_flush(buf);
		if (more->len)
			fwrite(more->data, 1, more->len, buf->sink);
	} else {
		tm_buf_put(buf, more->data ? more->data : "", more->len);
	}
	tm_buf_clear(more);
}

void tm_buf_take(tm_buf *buf, tm_buf *more)
{
	tm_buf_append(buf, more);
	tm_buf_free(more);
}

void tm_buf_put(tm_buf *buf, const void *data, size_t len)
{
	reserve(buf, len);
	if (len)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	maybe_flush(buf);
}

void tm_buf_puts(tm_buf *buf, const char *text)
{
	tm_buf_put(buf, text, strlen(text));
}

void tm_buf_putc(tm_buf *buf, char c)
{
	tm_buf_put(buf, &c, 1);
}

void tm_buf_fill(tm_buf *buf, char c, size_t count)
{
	reserve(buf, count);
	memset(buf->data + buf->len, c, count);
	buf->len += count;
	buf->data[buf->len] = '\0';
	maybe_flush(buf);
}

void tm_buf_printf(tm_buf *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	reserve(buf, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
	maybe_flush(buf);
}

const char *tm_buf_str(const tm_buf *buf)
{
	return buf->data ? buf->data : "";
}

char *tm_buf_detach(tm_buf *buf)
{
	char *text = buf->data ? buf->data : tm_xstrdup("");
	buf->data = NULL;
	buf->len = buf->cap = 0;
	return text;
}
