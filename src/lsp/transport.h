/* The base protocol of LSP: messages framed by a `Content-Length` header,
 * read from and written to file descriptors. Internal to src/lsp. */
#ifndef TM_LSP_TRANSPORT_H
#define TM_LSP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef struct tm_lsp_input {
	int fd;
	char *buf; /* what was read and not yet taken: buf[start, end) */
	size_t start, end, cap;
	bool eof;
} tm_lsp_input;

typedef enum tm_lsp_read_status {
	TM_LSP_READ_MESSAGE, /* *body (malloc'd, NUL-terminated) holds *len bytes */
	TM_LSP_READ_EOF,     /* the input ended */
	TM_LSP_READ_BAD      /* a broken frame, skipped; the reason is in why */
} tm_lsp_read_status;

void tm_lsp_input_init(tm_lsp_input *in, int fd);
void tm_lsp_input_free(tm_lsp_input *in);

/* Reads the next message. A frame without a Content-Length, with a bad
 * one, or with one above TM_LSP_MAX_MESSAGE_BYTES (its body is read and
 * dropped, never kept) gives TM_LSP_READ_BAD, and the next call goes on
 * with the frame after it. */
tm_lsp_read_status tm_lsp_read(tm_lsp_input *in, char **body, size_t *len, char *why, size_t why_size);

/* Whether input is waiting, within timeout_ms (-1: wait as long as it
 * takes): something buffered, readable, or the end of the input. */
bool tm_lsp_input_waiting(tm_lsp_input *in, int timeout_ms);

/* Writes one message (compact JSON, its frame header first). False when
 * the output cannot be written. */
bool tm_lsp_write(int fd, const json_t *message);

#endif
