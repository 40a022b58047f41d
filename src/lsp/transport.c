#include "lsp/transport.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/limits.h"
#include "base/xalloc.h"

enum { READ_CHUNK = 64 * 1024 };

void tm_lsp_input_init(tm_lsp_input *in, int fd)
{
	*in = (tm_lsp_input){.fd = fd};
}

void tm_lsp_input_free(tm_lsp_input *in)
{
	free(in->buf);
	*in = (tm_lsp_input){.fd = -1};
}

/* Reads more into the buffer; false at the end of the input or on an
 * error (both end the session). */
static bool fill(tm_lsp_input *in)
{
	if (in->eof)
		return false;
	if (in->start > 0 && in->start == in->end)
		in->start = in->end = 0;
	if (in->cap - in->end < READ_CHUNK) {
		if (in->start > 0) {
			memmove(in->buf, in->buf + in->start, in->end - in->start);
			in->end -= in->start;
			in->start = 0;
		}
		if (in->cap - in->end < READ_CHUNK) {
			in->cap = in->end + READ_CHUNK;
			in->buf = tm_xrealloc(in->buf, in->cap);
		}
	}
	for (;;) {
		ssize_t n = read(in->fd, in->buf + in->end, in->cap - in->end);
		if (n > 0) {
			in->end += (size_t)n;
			return true;
		}
		if (n < 0 && errno == EINTR)
			continue;
		in->eof = true;
		return false;
	}
}

/* The next line (without its "\r\n" or "\n") into line[size]: 1 for a
 * line, 0 at the end of the input, -1 for a line too long to be a header
 * (skipped up to its end). */
static int read_line(tm_lsp_input *in, char *line, size_t size)
{
	bool too_long = false;
	for (;;) {
		char *newline =
		    in->end > in->start ? memchr(in->buf + in->start, '\n', in->end - in->start) : NULL;
		if (newline) {
			size_t n = (size_t)(newline - (in->buf + in->start));
			if (!too_long) {
				if (n > 0 && in->buf[in->start + n - 1] == '\r')
					n--;
				if (n >= size) {
					too_long = true;
				} else {
					memcpy(line, in->buf + in->start, n);
					line[n] = '\0';
				}
			}
			in->start = (size_t)(newline - in->buf) + 1;
			return too_long ? -1 : 1;
		}
		if (in->end - in->start > TM_LSP_MAX_HEADER_BYTES) {
			too_long = true;
			in->start = in->end;
		}
		if (!fill(in))
			return too_long ? -1 : 0;
	}
}

/* "Content-Length: 123" into *len; false for another header. *bad is set
 * when it is a Content-Length whose value is no number. */
static bool content_length(const char *line, size_t *len, bool *bad)
{
	static const char name[] = "Content-Length:";
	if (strncasecmp(line, name, sizeof name - 1) != 0)
		return false;
	const char *p = line + sizeof name - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t value = 0;
	bool digits = false;
	for (; *p >= '0' && *p <= '9'; p++) {
		digits = true;
		if (value > (SIZE_MAX - 9) / 10) {
			value = SIZE_MAX; /* past any limit */
			continue;
		}
		value = value * 10 + (size_t)(*p - '0');
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (!digits || *p != '\0') {
		*bad = true;
		return true;
	}
	*len = value;
	return true;
}

/* Drops `count` bytes of the input unread. */
static void skip(tm_lsp_input *in, size_t count)
{
	while (count > 0) {
		size_t have = in->end - in->start;
		if (have == 0 && !fill(in))
			return;
		have = in->end - in->start;
		size_t n = have < count ? have : count;
		in->start += n;
		count -= n;
	}
}

tm_lsp_read_status tm_lsp_read(tm_lsp_input *in, char **body, size_t *len, char *why, size_t why_size)
{
	char line[TM_LSP_MAX_HEADER_BYTES + 1];
	bool have_length = false, bad_length = false, any_header = false, bad_line = false;
	size_t length = 0;
	*body = NULL;
	*len = 0;
	for (;;) {
		int got = read_line(in, line, sizeof line);
		if (got == 0) {
			if (any_header)
				snprintf(why, why_size, "the input ended inside a message header");
			return any_header ? TM_LSP_READ_BAD : TM_LSP_READ_EOF;
		}
		if (got < 0) {
			bad_line = true;
			any_header = true;
			continue;
		}
		if (line[0] == '\0') {
			if (!any_header)
				continue; /* blank lines between messages */
			break;
		}
		any_header = true;
		size_t value = 0;
		bool bad = false;
		if (content_length(line, &value, &bad)) {
			if (bad)
				bad_length = true;
			else
				length = value;
			have_length = true;
		}
	}
	if (bad_line) {
		snprintf(why, why_size, "a header line is longer than %d bytes", TM_LSP_MAX_HEADER_BYTES);
		if (have_length && !bad_length)
			skip(in, length);
		return TM_LSP_READ_BAD;
	}
	if (!have_length || bad_length) {
		snprintf(why, why_size, "%s",
		         bad_length ? "the Content-Length header is not a number"
		                    : "a message has no Content-Length header");
		return TM_LSP_READ_BAD;
	}
	if (length > TM_LSP_MAX_MESSAGE_BYTES) {
		snprintf(why, why_size, "a message of %zu bytes is over the limit of %zu; skipped", length,
		         (size_t)TM_LSP_MAX_MESSAGE_BYTES);
		skip(in, length);
		return TM_LSP_READ_BAD;
	}
	char *out = tm_xmalloc(length + 1);
	size_t got = 0;
	while (got < length) {
		size_t have = in->end - in->start;
		if (have == 0) {
			if (!fill(in)) {
				free(out);
				snprintf(why, why_size, "the input ended inside a message of %zu bytes",
				         length);
				return TM_LSP_READ_BAD;
			}
			continue;
		}
		size_t n = have < length - got ? have : length - got;
		memcpy(out + got, in->buf + in->start, n);
		in->start += n;
		got += n;
	}
	out[length] = '\0';
	*body = out;
	*len = length;
	return TM_LSP_READ_MESSAGE;
}

bool tm_lsp_input_waiting(tm_lsp_input *in, int timeout_ms)
{
	if (in->end > in->start || in->eof)
		return true;
	struct pollfd pfd = {.fd = in->fd, .events = POLLIN};
	for (;;) {
		int n = poll(&pfd, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		return n != 0;
	}
}

static bool write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		len -= (size_t)n;
	}
	return true;
}

bool tm_lsp_write(int fd, const json_t *message)
{
	char *text = json_dumps(message, JSON_COMPACT);
	if (!text)
		return false;
	size_t len = strlen(text);
	char header[64];
	int n = snprintf(header, sizeof header, "Content-Length: %zu\r\n\r\n", len);
	bool ok = write_all(fd, header, (size_t)n) && write_all(fd, text, len);
	free(text);
	return ok;
}
