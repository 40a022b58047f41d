#include "base/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "base/xalloc.h"

static char *vformat(const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	char *text = tm_xmalloc((size_t)(n < 0 ? 0 : n) + 1);
	vsnprintf(text, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	return text;
}

static tm_diag *add(tm_diags *diags, tm_severity severity, tm_span span, const char *fmt, va_list ap)
{
	if (severity == TM_SEV_ERROR) {
		diags->errors++;
		if (diags->errors > TM_DIAG_MAX_ERRORS)
			return NULL;
	} else {
		diags->warnings++;
	}
	tm_diag diag = {.severity = severity, .span = span, .message = vformat(fmt, ap)};
	TM_VEC_PUSH(diags->items, diags->count, diags->cap, diag);
	return &diags->items[diags->count - 1];
}

tm_diag *tm_diag_error(tm_diags *diags, tm_span span, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tm_diag *diag = add(diags, TM_SEV_ERROR, span, fmt, ap);
	va_end(ap);
	return diag;
}

tm_diag *tm_diag_warning(tm_diags *diags, tm_span span, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tm_diag *diag = add(diags, TM_SEV_WARNING, span, fmt, ap);
	va_end(ap);
	return diag;
}

void tm_diag_note(tm_diag *diag, tm_span span, const char *fmt, ...)
{
	if (!diag)
		return;
	va_list ap;
	va_start(ap, fmt);
	tm_note note = {.span = span, .message = vformat(fmt, ap)};
	va_end(ap);
	diag->notes = tm_xrealloc(diag->notes, (diag->nnotes + 1) * sizeof(*diag->notes));
	diag->notes[diag->nnotes++] = note;
}

static void free_diag(tm_diag *diag)
{
	free(diag->message);
	for (size_t j = 0; j < diag->nnotes; j++)
		free(diag->notes[j].message);
	free(diag->notes);
}

void tm_diags_free(tm_diags *diags)
{
	for (size_t i = 0; i < diags->count; i++)
		free_diag(&diags->items[i]);
	free(diags->items);
	memset(diags, 0, sizeof(*diags));
}

void tm_diags_push(tm_diags *to, tm_diag *diag)
{
	if (diag->severity == TM_SEV_ERROR) {
		if (++to->errors > TM_DIAG_MAX_ERRORS) {
			free_diag(diag);
			return;
		}
	} else {
		to->warnings++;
	}
	TM_VEC_PUSH(to->items, to->count, to->cap, *diag);
}

void tm_diag_free(tm_diag *diag)
{
	free_diag(diag);
}

void tm_diags_append(tm_diags *to, tm_diags *from)
{
	/* As if from's had been reported to `to`: errors past the cap are
	 * counted, not kept. */
	size_t errors = to->errors;
	for (size_t i = 0; i < from->count; i++) {
		if (from->items[i].severity == TM_SEV_ERROR && ++errors > TM_DIAG_MAX_ERRORS)
			free_diag(&from->items[i]);
		else
			TM_VEC_PUSH(to->items, to->count, to->cap, from->items[i]);
	}
	to->errors += from->errors;
	to->warnings += from->warnings;
	free(from->items);
	memset(from, 0, sizeof(*from));
}

enum { WINDOW_BEFORE = 60, WINDOW_WIDTH = 160 };

/* The source line (tabs kept, so the caret line lines up) and a caret
 * under the span; the bytes go through tm_utf8_sanitize, so a hostile
 * file cannot drive the terminal. */
static void render_snippet(tm_buf *out, tm_span span, bool color)
{
	uint32_t line, column;
	tm_source_position(span.src, span.start, &line, &column);
	size_t len;
	const char *text = tm_source_line(span.src, line, &len);
	size_t offset = span.start - (uint32_t)(text - span.src->text);
	if (offset > len)
		offset = len;
	/* Very long lines (minified input, binary junk) are shown as a window
	 * around the place. */
	size_t from = offset > WINDOW_BEFORE ? offset - WINDOW_BEFORE : 0;
	while (from > 0 && ((unsigned char)text[from] & 0xC0) == 0x80)
		from--;
	size_t to = len - from > WINDOW_WIDTH ? from + WINDOW_WIDTH : len;
	while (to < len && ((unsigned char)text[to] & 0xC0) == 0x80)
		to++;
	size_t span_end = span.end - (uint32_t)(text - span.src->text);
	if (span_end > to)
		span_end = to;
	if (span_end <= offset)
		span_end = offset + 1;

	char gutter[16];
	int width = snprintf(gutter, sizeof gutter, "%5u", line);
	tm_buf_printf(out, "%s | %s", gutter, from ? "..." : "");
	tm_utf8_sanitize(out, text + from, to - from, true, false);
	tm_buf_printf(out, "%s\n", to < len ? "..." : "");
	tm_buf_fill(out, ' ', (size_t)width);
	tm_buf_puts(out, " | ");
	if (from)
		tm_buf_puts(out, "   ");
	for (size_t i = from; i < offset; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c & 0xC0) == 0x80)
			continue;
		tm_buf_putc(out, c == '\t' ? '\t' : ' ');
	}
	if (color)
		tm_buf_puts(out, "\033[1;32m");
	tm_buf_putc(out, '^');
	for (size_t i = offset + 1; i < span_end; i++)
		if (((unsigned char)text[i] & 0xC0) != 0x80)
			tm_buf_putc(out, '~');
	if (color)
		tm_buf_puts(out, "\033[0m");
	tm_buf_putc(out, '\n');
}

static void render_head(tm_buf *out, tm_span span, const char *label, const char *label_color,
                        const char *message, bool color)
{
	if (span.src) {
		uint32_t line, column;
		tm_source_position(span.src, span.start, &line, &column);
		if (color)
			tm_buf_puts(out, "\033[1m");
		tm_utf8_sanitize(out, span.src->path, strlen(span.src->path), false, true);
		tm_buf_printf(out, ":%u:%u: ", line, column);
		if (color)
			tm_buf_puts(out, "\033[0m");
	}
	if (color)
		tm_buf_printf(out, "%s%s:\033[0m ", label_color, label);
	else
		tm_buf_printf(out, "%s: ", label);
	tm_utf8_sanitize(out, message, strlen(message), false, false);
	tm_buf_putc(out, '\n');
}

static int compare_diags(const void *a, const void *b)
{
	const tm_diag *x = *(const tm_diag *const *)a, *y = *(const tm_diag *const *)b;
	/* Placeless diagnostics first, then by file load order and offset;
	 * ties keep their order (compare the addresses, which follow it). */
	uint32_t xf = x->span.src ? x->span.src->id + 1 : 0, yf = y->span.src ? y->span.src->id + 1 : 0;
	if (xf != yf)
		return xf < yf ? -1 : 1;
	if (x->span.src != y->span.src) {
		/* Numbered by different arenas (a query beside its model). */
		int by_path = strcmp(x->span.src->path, y->span.src->path);
		if (by_path)
			return by_path;
	}
	if (x->span.start != y->span.start)
		return x->span.start < y->span.start ? -1 : 1;
	return x < y ? -1 : x > y;
}

const tm_diag **tm_diags_sorted(const tm_diags *diags)
{
	const tm_diag **sorted = tm_xmalloc(sizeof(*sorted) * (diags->count + 1));
	for (size_t i = 0; i < diags->count; i++)
		sorted[i] = &diags->items[i];
	qsort(sorted, diags->count, sizeof(*sorted), compare_diags);
	return sorted;
}

bool tm_note_suggestion(const tm_note *note, char *out, size_t size)
{
	static const char prefix[] = "did you mean '", suffix[] = "'?";
	const char *text = note->message;
	size_t len = text ? strlen(text) : 0;
	size_t np = sizeof prefix - 1, ns = sizeof suffix - 1;
	if (len <= np + ns || strncmp(text, prefix, np) != 0 || strcmp(text + len - ns, suffix) != 0 ||
	    len - np - ns >= size)
		return false;
	memcpy(out, text + np, len - np - ns);
	out[len - np - ns] = '\0';
	return true;
}

void tm_diags_render(tm_buf *out, const tm_diags *diags, bool color)
{
	const tm_diag **sorted = tm_diags_sorted(diags);
	for (size_t i = 0; i < diags->count; i++) {
		const tm_diag *diag = sorted[i];
		bool error = diag->severity == TM_SEV_ERROR;
		render_head(out, diag->span, error ? "error" : "warning", error ? "\033[1;31m" : "\033[1;35m",
		            diag->message, color);
		if (diag->span.src)
			render_snippet(out, diag->span, color);
		for (size_t j = 0; j < diag->nnotes; j++) {
			const tm_note *note = &diag->notes[j];
			render_head(out, note->span, "note", "\033[1;36m", note->message, color);
			if (note->span.src)
				render_snippet(out, note->span, color);
		}
	}
	free(sorted);
	if (diags->errors > TM_DIAG_MAX_ERRORS)
		tm_buf_printf(out, "too many errors: only the first %d are shown\n", TM_DIAG_MAX_ERRORS);
	if (diags->errors || diags->warnings) {
		if (diags->errors)
			tm_buf_printf(out, "%zu error%s", diags->errors, diags->errors == 1 ? "" : "s");
		if (diags->errors && diags->warnings)
			tm_buf_puts(out, ", ");
		if (diags->warnings)
			tm_buf_printf(out, "%zu warning%s", diags->warnings, diags->warnings == 1 ? "" : "s");
		tm_buf_putc(out, '\n');
	}
}

size_t tm_edit_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return limit + 1;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], best = row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = diag + cost;
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
	}
	return row[lb];
}

size_t tm_suggest_limit(const char *name)
{
	size_t len = strlen(name);
	return len < 3 ? 1 : len < 6 ? 2 : 3;
}

const char *tm_suggest(const char *name, const char *const *candidates, size_t count)
{
	size_t limit = tm_suggest_limit(name);
	const char *best = NULL;
	size_t best_distance = limit + 1;
	for (size_t i = 0; i < count; i++) {
		size_t d = tm_edit_distance(name, candidates[i], limit);
		if (d < best_distance || (d == best_distance && best && strcmp(candidates[i], best) < 0)) {
			best = candidates[i];
			best_distance = d;
		}
	}
	return best_distance <= limit ? best : NULL;
}
