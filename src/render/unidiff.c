#include "render/unidiff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "render/term.h"

/* A line with its '\n' (the last may lack it, which makes it differ from
 * the same text with one). */
typedef struct line {
	const char *text;
	size_t len;
} line;

typedef enum op_kind { OP_SAME, OP_REMOVE, OP_ADD } op_kind;

/* One step of the edit script; old_at and new_at are the lines of each
 * text it stands at. */
typedef struct op {
	op_kind kind;
	size_t old_at, new_at;
} op;

static size_t split_lines(const char *text, size_t len, line **out)
{
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		count += text[i] == '\n';
	if (len && text[len - 1] != '\n')
		count++;
	line *lines = tm_xcalloc(count + 1, sizeof *lines);
	size_t n = 0, start = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			lines[n++] = (line){text + start, i + 1 - start};
			start = i + 1;
		}
	}
	if (start < len)
		lines[n++] = (line){text + start, len - start};
	*out = lines;
	return count;
}

static bool same_line(const line *a, const line *b)
{
	return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

typedef struct script {
	op *ops;
	size_t count, cap;
} script;

static void push(script *s, op_kind kind, size_t old_at, size_t new_at)
{
	TM_VEC_PUSH(s->ops, s->count, s->cap, ((op){kind, old_at, new_at}));
}

/* The edit script: common first and last lines as they are, the middle by
 * a longest common subsequence when it is small enough. */
static void edit_script(script *s, const line *old_lines, size_t n, const line *new_lines, size_t m)
{
	size_t head = 0;
	while (head < n && head < m && same_line(&old_lines[head], &new_lines[head]))
		head++;
	size_t tail = 0;
	while (tail < n - head && tail < m - head &&
	       same_line(&old_lines[n - 1 - tail], &new_lines[m - 1 - tail]))
		tail++;
	for (size_t i = 0; i < head; i++)
		push(s, OP_SAME, i, i);
	size_t rows = n - head - tail, cols = m - head - tail;
	const line *a = old_lines + head, *b = new_lines + head;
	if (rows && cols && (rows + 1) * (cols + 1) <= TM_UNIDIFF_MAX_CELLS) {
		/* lcs[i][j]: the longest common subsequence of a[i..] and b[j..] */
		uint32_t *lcs = tm_xcalloc((rows + 1) * (cols + 1), sizeof *lcs);
#define LCS(i, j) lcs[(i) * (cols + 1) + (j)]
		for (size_t i = rows; i-- > 0;)
			for (size_t j = cols; j-- > 0;)
				LCS(i, j) =
				    same_line(&a[i], &b[j])
				        ? LCS(i + 1, j + 1) + 1
				        : (LCS(i + 1, j) >= LCS(i, j + 1) ? LCS(i + 1, j) : LCS(i, j + 1));
		size_t i = 0, j = 0;
		while (i < rows || j < cols) {
			if (i < rows && j < cols && same_line(&a[i], &b[j])) {
				push(s, OP_SAME, head + i++, head + j++);
			} else if (j == cols || (i < rows && LCS(i + 1, j) >= LCS(i, j + 1))) {
				push(s, OP_REMOVE, head + i++, head + j);
			} else {
				push(s, OP_ADD, head + i, head + j++);
			}
		}
#undef LCS
		free(lcs);
	} else {
		for (size_t i = 0; i < rows; i++)
			push(s, OP_REMOVE, head + i, head);
		for (size_t j = 0; j < cols; j++)
			push(s, OP_ADD, head + rows, head + j);
	}
	for (size_t k = 0; k < tail; k++)
		push(s, OP_SAME, n - tail + k, m - tail + k);
}

static void put_line(tm_buf *out, char mark, const line *l, bool terminal)
{
	static const char *const colors[] = {"", "\033[31m", "\033[32m"}; /* ORDER OP */
	op_kind kind = mark == '-' ? OP_REMOVE : mark == '+' ? OP_ADD : OP_SAME;
	if (terminal && kind != OP_SAME)
		tm_buf_puts(out, colors[kind]);
	tm_buf_putc(out, mark);
	bool newline = l->len && l->text[l->len - 1] == '\n';
	size_t len = newline ? l->len - 1 : l->len;
	if (terminal) {
		char *text = tm_xstrndup(l->text, len);
		tm_term_sanitize(out, text);
		free(text);
	} else {
		tm_buf_put(out, l->text, len);
	}
	if (terminal && kind != OP_SAME)
		tm_buf_puts(out, "\033[0m");
	tm_buf_putc(out, '\n');
	if (!newline)
		tm_buf_puts(out, "\\ No newline at end of file\n");
}

/* "start,count" of a hunk's side, as diff -u writes it: a side with no
 * lines names the line before the hunk. */
static void range(tm_buf *out, size_t first, size_t count)
{
	tm_buf_printf(out, "%zu,%zu", count ? first + 1 : first, count);
}

void tm_render_unified_diff(tm_buf *out, const char *old_name, const char *old_text, size_t old_len,
                            const char *new_name, const char *new_text, size_t new_len, bool terminal)
{
	line *old_lines, *new_lines;
	size_t n = split_lines(old_text, old_len, &old_lines);
	size_t m = split_lines(new_text, new_len, &new_lines);
	script s = {0};
	edit_script(&s, old_lines, n, new_lines, m);
	bool header = false;
	size_t k = 0;
	while (k < s.count) {
		while (k < s.count && s.ops[k].kind == OP_SAME)
			k++;
		if (k == s.count)
			break;
		/* changes closer than twice the context share a hunk, so the
		 * next hunk's context never reaches back into this one */
		size_t start = k >= TM_UNIDIFF_CONTEXT ? k - TM_UNIDIFF_CONTEXT : 0;
		size_t last = k; /* the last change of the hunk */
		for (size_t j = k + 1; j < s.count && j <= last + 2 * TM_UNIDIFF_CONTEXT + 1; j++)
			if (s.ops[j].kind != OP_SAME)
				last = j;
		size_t end = last + 1 + TM_UNIDIFF_CONTEXT;
		if (end > s.count)
			end = s.count;
		if (!header) {
			tm_buf_puts(out, terminal ? "\033[1m--- " : "--- ");
			tm_buf_puts(out, old_name);
			tm_buf_puts(out, terminal ? "\n+++ " : "\n+++ ");
			tm_buf_puts(out, new_name);
			tm_buf_puts(out, terminal ? "\033[0m\n" : "\n");
			header = true;
		}
		size_t old_count = 0, new_count = 0;
		for (size_t j = start; j < end; j++) {
			old_count += s.ops[j].kind != OP_ADD;
			new_count += s.ops[j].kind != OP_REMOVE;
		}
		tm_buf_puts(out, terminal ? "\033[36m@@ -" : "@@ -");
		range(out, s.ops[start].old_at, old_count);
		tm_buf_puts(out, " +");
		range(out, s.ops[start].new_at, new_count);
		tm_buf_puts(out, terminal ? " @@\033[0m\n" : " @@\n");
		for (size_t j = start; j < end; j++) {
			const op *o = &s.ops[j];
			if (o->kind == OP_SAME)
				put_line(out, ' ', &old_lines[o->old_at], terminal);
			else if (o->kind == OP_REMOVE)
				put_line(out, '-', &old_lines[o->old_at], terminal);
			else
				put_line(out, '+', &new_lines[o->new_at], terminal);
		}
		k = end;
	}
	free(s.ops);
	free(old_lines);
	free(new_lines);
}
