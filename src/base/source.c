#include "base/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/invariant.h"
#include "base/xalloc.h"

/* Every source gets its line table as it is made, on the thread that loads
 * it: diagnostics and rule engines on other threads only read it, so they
 * never allocate from the model's arena. */
static void build_line_table(tm_source *src)
{
	/* memchr finds the newlines many bytes at a time: a 30 MB model has
	 * a million lines, and this runs before the parse starts. */
	const char *text = src->text, *end = src->text + src->len;
	uint32_t count = 1;
	for (const char *at = text; (at = memchr(at, '\n', (size_t)(end - at))) != NULL; at++)
		count++;
	src->line_starts = tm_arena_alloc(src->arena, sizeof(uint32_t) * count);
	uint32_t n = 0;
	src->line_starts[n++] = 0;
	for (const char *at = text; (at = memchr(at, '\n', (size_t)(end - at))) != NULL; at++)
		src->line_starts[n++] = (uint32_t)(at - text) + 1;
	src->nlines = n;
}

tm_source *tm_source_from_text(tm_arena *arena, const char *path, const char *text, size_t len)
{
	tm_source *src = tm_arena_alloc(arena, sizeof(*src));
	src->id = tm_arena_next_number(arena);
	src->path = tm_arena_strdup(arena, path);
	src->text = tm_arena_strndup(arena, text, len);
	src->len = len;
	src->arena = arena;
	build_line_table(src);
	return src;
}

/* Reads an open file whole (and closes it) into a source named path. */
static tm_source *read_file(tm_arena *arena, FILE *file, const char *path, char *why, size_t why_size)
{
	struct stat st;
	if (fstat(fileno(file), &st) != 0)
		memset(&st, 0, sizeof(st));
	if (S_ISDIR(st.st_mode)) {
		fclose(file);
		snprintf(why, why_size, "is a directory, not a .threat file");
		return NULL;
	}
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > TM_SOURCE_MAX_BYTES) {
		fclose(file);
		snprintf(why, why_size, "is larger than the %zu MiB limit for a model file",
		         TM_SOURCE_MAX_BYTES >> 20);
		return NULL;
	}
	/* Read in chunks rather than trusting st_size: pipes and /proc files
	 * have none, and the limit must hold whatever the file claims. */
	size_t cap =
	    st.st_size > 0 && (size_t)st.st_size < TM_SOURCE_MAX_BYTES ? (size_t)st.st_size + 1 : 65536;
	size_t len = 0;
	char *text = tm_xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap >= TM_SOURCE_MAX_BYTES) {
				free(text);
				fclose(file);
				snprintf(why, why_size, "is larger than the %zu MiB limit for a model file",
				         TM_SOURCE_MAX_BYTES >> 20);
				return NULL;
			}
			cap *= 2;
			if (cap > TM_SOURCE_MAX_BYTES)
				cap = TM_SOURCE_MAX_BYTES;
			text = tm_xrealloc(text, cap + 1);
		}
		size_t got = fread(text + len, 1, cap - len, file);
		len += got;
		if (got == 0)
			break;
	}
	int failed = ferror(file);
	fclose(file);
	if (failed) {
		free(text);
		snprintf(why, why_size, "cannot read: %s", strerror(errno));
		return NULL;
	}
	/* The arena keeps the buffer itself: a 30 MB model is not copied. */
	text[len] = '\0';
	tm_arena_adopt(arena, text);
	tm_source *src = tm_arena_alloc(arena, sizeof(*src));
	src->id = tm_arena_next_number(arena);
	src->path = tm_arena_strdup(arena, path);
	src->text = text;
	src->len = len;
	src->arena = arena;
	build_line_table(src);
	return src;
}

tm_source *tm_source_read(tm_arena *arena, const char *path, char *why, size_t why_size)
{
	FILE *file = fopen(path, "rb");
	if (!file) {
		snprintf(why, why_size, "cannot open: %s", strerror(errno));
		return NULL;
	}
	return read_file(arena, file, path, why, why_size);
}

tm_source *tm_source_read_stdin(tm_arena *arena, const char *name, char *why, size_t why_size)
{
	/* A duplicate of the descriptor, so reading it whole and closing it
	 * leaves the process's standard input open. */
	int fd = dup(STDIN_FILENO);
	FILE *file = fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (!file) {
		snprintf(why, why_size, "cannot read: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return read_file(arena, file, name, why, why_size);
}

tm_source *tm_source_read_regular(tm_arena *arena, const char *real, const char *path, char *why,
                                  size_t why_size)
{
	/* O_NONBLOCK: opening a FIFO with no writer returns at once instead
	 * of waiting for one; the check below then refuses it. */
	int fd = open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, why_size, "cannot open: %s",
		         errno == ELOOP ? "it is a symbolic link" : strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, why_size, "is not a regular file");
		return NULL;
	}
	int flags = fcntl(fd, F_GETFL);
	FILE *file = NULL;
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 || !(file = fdopen(fd, "rb"))) {
		snprintf(why, why_size, "cannot open: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	return read_file(arena, file, path, why, why_size);
}

void tm_source_position(const tm_source *src, uint32_t offset, uint32_t *line, uint32_t *column)
{
	if (offset > src->len)
		offset = (uint32_t)src->len;
	uint32_t lo = 0, hi = src->nlines;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (src->line_starts[mid] <= offset)
			lo = mid;
		else
			hi = mid;
	}
	uint32_t col = 1;
	for (uint32_t i = src->line_starts[lo]; i < offset; i++)
		if (((unsigned char)src->text[i] & 0xC0) != 0x80)
			col++;
	tm_assert(lo < src->nlines && src->line_starts[lo] <= offset);
	*line = lo + 1;
	*column = col;
}

const char *tm_source_line(const tm_source *src, uint32_t line, size_t *len)
{
	if (line < 1 || line > src->nlines) {
		*len = 0;
		return "";
	}
	uint32_t start = src->line_starts[line - 1];
	uint32_t end = line < src->nlines ? src->line_starts[line] - 1 : (uint32_t)src->len;
	if (end > start && src->text[end - 1] == '\r')
		end--;
	*len = end - start;
	return src->text + start;
}

tm_span tm_span_join(tm_span first, tm_span last)
{
	tm_span joined = first;
	if (last.src == first.src && last.end > joined.end)
		joined.end = last.end;
	return joined;
}
