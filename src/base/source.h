/* Source files: the text, its path, and a line table built when the source
 * is made, so that tokens carry only byte offsets (jq's locfile) and
 * readers on any thread find the table ready. */
#ifndef TM_BASE_SOURCE_H
#define TM_BASE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/limits.h"

typedef struct tm_source {
	uint32_t id;      /* load order, for sorting diagnostics */
	const char *path; /* as the user named it (or relative to the including file) */
	const char *text; /* NUL-terminated; len excludes the NUL */
	size_t len;
	uint32_t *line_starts; /* offset of each line's first byte */
	uint32_t nlines;
	tm_arena *arena; /* owner of the text and the line table */
} tm_source;

/* A byte range [start, end) in one source. src may be NULL for a
 * diagnostic that belongs to no file. */
typedef struct tm_span {
	const tm_source *src;
	uint32_t start, end;
} tm_span;

/* Makes a source from text already in memory (copied into the arena). */
tm_source *tm_source_from_text(tm_arena *arena, const char *path, const char *text, size_t len);

/* Reads a file into the arena. On failure returns NULL and writes a
 * human-readable reason (without the path) to why[why_size]. */
tm_source *tm_source_read(tm_arena *arena, const char *path, char *why, size_t why_size);
/* Reads standard input whole (up to TM_SOURCE_MAX_BYTES) into a source
 * named name; standard input itself stays open. */
tm_source *tm_source_read_stdin(tm_arena *arena, const char *name, char *why, size_t why_size);
/* Like tm_source_read, for a file that a model includes: opens `real` (a
 * path with every symbolic link already resolved) without following a
 * link or waiting on a FIFO, and refuses anything but a regular file
 * (a device, /dev/stdin, a FIFO, a socket); the source is named `path`. */
tm_source *tm_source_read_regular(tm_arena *arena, const char *real, const char *path, char *why,
                                  size_t why_size);

/* 1-based line and column (in characters, not bytes) of a byte offset. */
void tm_source_position(const tm_source *src, uint32_t offset, uint32_t *line, uint32_t *column);
/* The bytes of line `line` (1-based), without its newline. */
const char *tm_source_line(const tm_source *src, uint32_t line, size_t *len);

tm_span tm_span_join(tm_span first, tm_span last);

#endif
