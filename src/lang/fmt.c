/* The canonical printer (doc/fmt.md). It walks the tree in source order and
 * interleaves the comments by position: before each item it prints the
 * comments that start before it, so a comment keeps its place relative to
 * the items around it. Blank lines come from the source text itself (two
 * line breaks before an item), so the printer needs no extra bookkeeping
 * from the parser. */
/* realpath() is an X/Open function (the build may already ask for it). */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif

#include "lang/fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/xalloc.h"
#include "threat/status.h"

enum {
	INDENT = 2,
	/* An inline attempt longer than this many bytes cannot fit (a
	 * character takes at most 4), so it stops early: deeply nested lists
	 * would otherwise be rendered once per level. */
	INLINE_BYTES_MAX = 4 * TM_FMT_WIDTH
};

typedef struct printer {
	tm_buf out;
	const char *text; /* the source, for comments and blank lines */
	size_t len;
	const tm_comment *comments;
	size_t ncomments;
	size_t next; /* the first comment not printed yet */
	bool fresh;  /* a multi-line block or list was just opened: no blank line */
} printer;

/* ---- output lines ---- */

/* Characters (not bytes) in text[0..len). */
static size_t width_of(const char *text, size_t len)
{
	size_t width = 0;
	for (size_t i = 0; i < len; i++)
		width += ((unsigned char)text[i] & 0xC0) != 0x80;
	return width;
}

static size_t column(const tm_buf *out)
{
	size_t start = out->len;
	while (start > 0 && out->data[start - 1] != '\n')
		start--;
	return width_of(out->data + start, out->len - start);
}

static bool line_open(const printer *p)
{
	return p->out.len > 0 && p->out.data[p->out.len - 1] != '\n';
}

/* Ends the current line and starts a new one at indent, after one blank
 * line when asked (never two, never at the top of the file or a block). */
static void start_line(printer *p, size_t indent, bool blank)
{
	if (line_open(p))
		tm_buf_putc(&p->out, '\n');
	if (blank && !p->fresh && p->out.len > 1 && p->out.data[p->out.len - 2] != '\n')
		tm_buf_putc(&p->out, '\n');
	tm_buf_fill(&p->out, ' ', indent);
	p->fresh = false;
}

/* ---- what the source says around an offset ---- */

/* Whether the source has a blank line right before offset (two line breaks
 * with only white space, or ';', between them and the previous text). */
static bool blank_before(const printer *p, uint32_t offset)
{
	int newlines = 0;
	for (size_t i = offset; i > 0; i--) {
		char c = p->text[i - 1];
		if (c == '\n')
			newlines++;
		else if (c != ' ' && c != '\t' && c != '\r' && c != ';')
			break;
	}
	return newlines >= 2;
}

/* Whether the comment at offset starts its line (else it trails code). */
static bool own_line(const printer *p, uint32_t offset)
{
	for (size_t i = offset; i > 0; i--) {
		char c = p->text[i - 1];
		if (c == '\n')
			return true;
		if (c != ' ' && c != '\t' && c != '\r')
			return false;
	}
	return true;
}

/* Whether any comment starts in [start, end): such a block or list must be
 * printed one item per line, since a comment runs to the end of its line. */
static bool comment_within(const printer *p, uint32_t start, uint32_t end)
{
	size_t lo = 0, hi = p->ncomments;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->comments[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->ncomments && p->comments[lo].start < end;
}

static void put_comment(printer *p, const tm_comment *comment)
{
	uint32_t end = comment->end;
	while (end > comment->start + 1 &&
	       (p->text[end - 1] == ' ' || p->text[end - 1] == '\t' || p->text[end - 1] == '\r'))
		end--;
	tm_buf_put(&p->out, p->text + comment->start, end - comment->start);
	tm_buf_putc(&p->out, '\n');
}

/* Prints every comment that starts before limit: one that trailed code in
 * the source trails the current line (two spaces before '#'), the others
 * get lines of their own at indent. *force, when set, asks for a blank line
 * before the first comment on a line of its own, and is then used up. */
static void flush_comments(printer *p, uint32_t limit, size_t indent, bool *force)
{
	while (p->next < p->ncomments && p->comments[p->next].start < limit) {
		const tm_comment *comment = &p->comments[p->next++];
		if (line_open(p) && !own_line(p, comment->start)) {
			tm_buf_puts(&p->out, "  ");
		} else {
			bool blank = blank_before(p, comment->start);
			if (force && *force) {
				blank = true;
				*force = false;
			}
			start_line(p, indent, blank);
		}
		put_comment(p, comment);
	}
}

/* ---- strings ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether text can be written as a """ string that the lexer decodes back
 * to exactly text: no closing quotes inside, no control characters but
 * tab and newline, and nothing the indentation rule would strip. */
static bool triple_fits(const char *text, size_t len)
{
	bool multi = memchr(text, '\n', len) != NULL;
	bool some_line_flush = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			return false;
		if (i + 2 < len && text[i] == '"' && text[i + 1] == '"' && text[i + 2] == '"')
			return false;
	}
	for (size_t start = 0; start <= len;) {
		size_t end = start;
		while (end < len && text[end] != '\n')
			end++;
		size_t lead = 0;
		while (start + lead < end && is_space(text[start + lead]))
			lead++;
		if (end > start && lead == end - start)
			return false; /* a line of only white space decodes as empty */
		if (end > start && lead == 0)
			some_line_flush = true;
		start = end + 1;
	}
	/* The lexer removes the indentation common to all lines, so some line
	 * must start at the margin; a one-line string must not be all blank. */
	return multi ? some_line_flush : (len == 0 || some_line_flush);
}

/* Writes a string that fits on the current line; false for a """ string of
 * several lines, which needs print_string. */
static bool put_inline_string(tm_buf *out, const char *text, size_t len, bool triple)
{
	if (triple && triple_fits(text, len)) {
		if (memchr(text, '\n', len))
			return false;
		tm_buf_puts(out, "\"\"\"");
		tm_buf_put(out, text, len);
		tm_buf_puts(out, "\"\"\"");
		return true;
	}
	tm_string_source(out, text, len);
	return true;
}

/* A string at the current place; a """ string of several lines gets its
 * lines and its closing quotes indented one step past indent. */
static void print_string(printer *p, const char *text, size_t len, bool triple, size_t indent)
{
	if (put_inline_string(&p->out, text, len, triple))
		return;
	tm_buf_puts(&p->out, "\"\"\"");
	for (size_t start = 0; start <= len;) {
		size_t end = start;
		while (end < len && text[end] != '\n')
			end++;
		tm_buf_putc(&p->out, '\n');
		if (end > start) {
			tm_buf_fill(&p->out, ' ', indent + INDENT);
			tm_buf_put(&p->out, text + start, end - start);
		}
		start = end + 1;
	}
	tm_buf_putc(&p->out, '\n');
	tm_buf_fill(&p->out, ' ', indent + INDENT);
	tm_buf_puts(&p->out, "\"\"\"");
	p->fresh = false;
}

/* ---- inline forms ---- */

/* Element a.b, flow a -> b, finding RULE@a or RULE@a->b (a finding's key is
 * written without spaces, as it appears in reports). */
static void put_ref(tm_buf *out, const tm_ref *ref)
{
	bool finding = ref->kind == TM_REF_FINDING;
	if (finding && ref->rule) {
		tm_buf_puts(out, ref->rule);
		tm_buf_putc(out, '@');
	}
	if (ref->name)
		tm_buf_puts(out, ref->name);
	if (ref->target) {
		if (finding)
			tm_buf_puts(out, ref->bidirectional ? "<->" : "->");
		else
			tm_buf_puts(out, ref->bidirectional ? " <-> " : " -> ");
		tm_buf_puts(out, ref->target);
	}
}

static bool put_inline_value(const printer *p, tm_buf *out, const tm_value *value);

/* `{ a 1  b [x, y] }`: only for blocks of plain attributes (no child
 * declarations, no nested blocks) with no comment inside. */
static bool put_inline_block(const printer *p, tm_buf *out, const tm_block *block)
{
	if (comment_within(p, block->span.start, block->span.end))
		return false;
	if (block->count == 0) {
		tm_buf_puts(out, "{}");
		return true;
	}
	tm_buf_puts(out, "{ ");
	for (size_t i = 0; i < block->count; i++) {
		const tm_attr *attr = block->items[i].attr;
		if (!attr || !attr->value || attr->value->kind == TM_VAL_BLOCK)
			return false;
		if (i > 0)
			tm_buf_puts(out, "  ");
		tm_buf_puts(out, attr->name);
		tm_buf_putc(out, ' ');
		if (!put_inline_value(p, out, attr->value) || out->len > INLINE_BYTES_MAX)
			return false;
	}
	tm_buf_puts(out, " }");
	return true;
}

/* The one-line form of a value, into a buffer that starts empty; false
 * when it has none, or (for a list or block) when it is surely too long. */
static bool put_inline_value(const printer *p, tm_buf *out, const tm_value *value)
{
	switch (value->kind) {
	case TM_VAL_IDENT:
	case TM_VAL_NUMBER:
	case TM_VAL_DATE:
		if (value->text)
			tm_buf_put(out, value->text, value->len);
		return true;
	case TM_VAL_BOOL: tm_buf_puts(out, value->boolean ? "true" : "false"); return true;
	case TM_VAL_STRING:
		return put_inline_string(out, value->text ? value->text : "", value->len, value->triple);
	case TM_VAL_REF: put_ref(out, value->ref); return true;
	case TM_VAL_LIST:
		if (comment_within(p, value->start, value->end))
			return false;
		tm_buf_putc(out, '[');
		for (size_t i = 0; i < value->nitems; i++) {
			if (i > 0)
				tm_buf_puts(out, ", ");
			if (!put_inline_value(p, out, value->items[i]) || out->len > INLINE_BYTES_MAX)
				return false;
		}
		tm_buf_putc(out, ']');
		return true;
	case TM_VAL_BLOCK: return value->block && put_inline_block(p, out, value->block);
	}
	return false;
}

/* ---- multi-line forms ---- */

static void print_decl(printer *p, const tm_decl *decl, size_t indent);
static void print_value(printer *p, const tm_value *value, size_t indent, size_t reserve);

/* Whether text of this width, with reserve more characters after it,
 * still fits on the current line. */
static bool fits(const printer *p, const tm_buf *text, size_t reserve)
{
	return column(&p->out) + width_of(tm_buf_str(text), text->len) + reserve <= TM_FMT_WIDTH;
}

/* A block at the current place; try_inline false when the caller already
 * found that its one-line form does not fit. */
static void print_block(printer *p, const tm_block *block, size_t indent, bool try_inline)
{
	tm_buf line = TM_BUF_INIT;
	bool inline_ok = try_inline && put_inline_block(p, &line, block) && fits(p, &line, 0);
	if (inline_ok)
		tm_buf_put(&p->out, tm_buf_str(&line), line.len);
	tm_buf_free(&line);
	if (inline_ok)
		return;
	tm_buf_putc(&p->out, '{');
	p->fresh = true;
	for (size_t i = 0; i < block->count; i++) {
		const tm_block_item *item = &block->items[i];
		uint32_t start = item->attr ? item->attr->name_start : item->decl->span.start;
		flush_comments(p, start, indent + INDENT, NULL);
		start_line(p, indent + INDENT, blank_before(p, start));
		if (item->decl) {
			print_decl(p, item->decl, indent + INDENT);
			continue;
		}
		tm_buf_puts(&p->out, item->attr->name);
		if (item->attr->value) {
			tm_buf_putc(&p->out, ' ');
			print_value(p, item->attr->value, indent + INDENT, 0);
		}
	}
	flush_comments(p, block->span.end, indent + INDENT, NULL);
	start_line(p, indent, false);
	tm_buf_putc(&p->out, '}');
}

/* [ one item per line, each with a trailing comma ] */
static void print_list(printer *p, const tm_value *list, size_t indent)
{
	tm_buf_putc(&p->out, '[');
	p->fresh = true;
	for (size_t i = 0; i < list->nitems; i++) {
		flush_comments(p, list->items[i]->start, indent + INDENT, NULL);
		start_line(p, indent + INDENT, false);
		print_value(p, list->items[i], indent + INDENT, 1);
		tm_buf_putc(&p->out, ',');
	}
	flush_comments(p, list->end, indent + INDENT, NULL);
	start_line(p, indent, false);
	tm_buf_putc(&p->out, ']');
}

/* A value at the current place on a line that starts at indent; reserve
 * counts the characters that will follow it on the line (a list's comma). */
static void print_value(printer *p, const tm_value *value, size_t indent, size_t reserve)
{
	tm_buf line = TM_BUF_INIT;
	bool has_inline = put_inline_value(p, &line, value);
	bool scalar = value->kind != TM_VAL_LIST && value->kind != TM_VAL_BLOCK;
	/* A scalar too long for the line has no better form: it goes as is. */
	bool use_inline = has_inline && (scalar || fits(p, &line, reserve));
	if (use_inline)
		tm_buf_put(&p->out, tm_buf_str(&line), line.len);
	tm_buf_free(&line);
	if (use_inline)
		return;
	switch (value->kind) {
	case TM_VAL_LIST: print_list(p, value, indent); break;
	case TM_VAL_BLOCK:
		if (value->block)
			print_block(p, value->block, indent, false);
		else
			tm_buf_puts(&p->out, "{}");
		break;
	case TM_VAL_STRING:
		print_string(p, value->text ? value->text : "", value->len, value->triple, indent);
		break;
	default: break; /* every other kind has an inline form */
	}
}

/* KIND ID "label" <members> { block }, with the shapes of flow, accept and
 * the string statements (model, use, include). */
static void print_decl(printer *p, const tm_decl *decl, size_t indent)
{
	tm_buf_puts(&p->out, decl->kind < TM_DECL_COUNT ? tm_decl_keywords[decl->kind] : "?");
	switch (decl->kind) {
	case TM_DECL_MODEL:
	case TM_DECL_USE:
	case TM_DECL_INCLUDE: break;
	case TM_DECL_FLOW:
		tm_buf_putc(&p->out, ' ');
		if (decl->id)
			tm_buf_printf(&p->out, "%s: ", decl->id);
		if (decl->target)
			put_ref(&p->out, decl->target);
		break;
	case TM_DECL_ACCEPT:
		if (decl->target) {
			tm_buf_putc(&p->out, ' ');
			put_ref(&p->out, decl->target);
		}
		break;
	default:
		if (decl->id) {
			tm_buf_putc(&p->out, ' ');
			tm_buf_puts(&p->out, decl->id);
		}
		break;
	}
	if (decl->label) {
		tm_buf_putc(&p->out, ' ');
		print_string(p, decl->label, decl->label_len, decl->label_triple, indent);
	}
	if (decl->has_members) {
		tm_buf_puts(&p->out, " <");
		for (size_t i = 0; i < decl->nmembers; i++) {
			if (i > 0)
				tm_buf_puts(&p->out, ", ");
			put_ref(&p->out, &decl->members[i]);
		}
		tm_buf_putc(&p->out, '>');
	}
	if (decl->block) {
		tm_buf_putc(&p->out, ' ');
		print_block(p, decl->block, indent, true);
	}
}

/* Whether a top-level statement takes more than one line, found by printing
 * it on the side (it starts at column 0 either way). */
static bool decl_is_multiline(const printer *p, const tm_decl *decl)
{
	printer trial = *p;
	trial.out = (tm_buf)TM_BUF_INIT;
	trial.fresh = false;
	while (trial.next < trial.ncomments && trial.comments[trial.next].start < decl->span.start)
		trial.next++;
	print_decl(&trial, decl, 0);
	bool multi = trial.out.len > 0 && memchr(trial.out.data, '\n', trial.out.len) != NULL;
	tm_buf_free(&trial.out);
	return multi;
}

char *tm_fmt_file(const tm_file *file)
{
	printer p = {
	    .text = file->src ? file->src->text : "",
	    .len = file->src ? file->src->len : 0,
	    .comments = file->comments,
	    .ncomments = file->ncomments,
	};
	bool previous_multi = false;
	for (size_t i = 0; i < file->ndecls; i++) {
		const tm_decl *decl = file->decls[i];
		/* A statement of several lines gets a blank line on both sides. */
		bool multi = decl_is_multiline(&p, decl);
		bool force = i > 0 && (previous_multi || multi);
		flush_comments(&p, decl->span.start, 0, &force);
		start_line(&p, 0, force || blank_before(&p, decl->span.start));
		print_decl(&p, decl, 0);
		previous_multi = multi;
	}
	flush_comments(&p, UINT32_MAX, 0, NULL);
	if (line_open(&p))
		tm_buf_putc(&p.out, '\n');
	return tm_buf_detach(&p.out);
}

/* ---- the command ---- */

/* Replaces path's content with text so that a reader (or a crash) sees the
 * old file or the new one, never a mix. */
static int write_atomically(const char *path, const char *text, size_t len, tm_diags *diags)
{
	char why[256];
	if (tm_file_write_atomic(path, text, len, why, sizeof why) == 0)
		return TM_OK;
	tm_diag_error(diags, (tm_span){0}, "%s: %s", path, why);
	return TM_ERR_IO;
}

int tm_fmt_source(char **out, tm_arena *arena, const tm_source *src, tm_diags *diags)
{
	*out = NULL;
	tm_file *file = NULL;
	if (tm_parse_file(&file, arena, src, diags) > 0)
		return TM_ERR_INPUT;
	char *text = tm_fmt_file(file);
	size_t len = strlen(text);
	/* A safety net: never hand out text that would not parse back. */
	tm_diags scratch = {0};
	tm_file *again = NULL;
	const tm_source *out_src = tm_source_from_text(arena, src->path, text, len);
	bool reads_back =
	    tm_parse_file(&again, arena, out_src, &scratch) == 0 && again->ncomments == file->ncomments;
	tm_diags_free(&scratch);
	if (!reads_back) {
		tm_diag_error(
		    diags, (tm_span){0},
		    "%s: the formatted text would not read back the same, so the file is left as it was "
		    "(a bug in threat fmt: please report it with the file)",
		    src->path);
		free(text);
		return TM_ERR_INPUT;
	}
	*out = text;
	return TM_OK;
}

int tm_fmt_path(tm_arena *arena, const char *path, bool check, bool *changed, tm_diags *diags)
{
	if (changed)
		*changed = false;
	char why[256];
	tm_source *src = tm_source_read(arena, path, why, sizeof why);
	if (!src) {
		tm_diag_error(diags, (tm_span){0}, "%s: %s", path, why);
		return TM_ERR_IO;
	}
	char *text = NULL;
	int status = tm_fmt_source(&text, arena, src, diags);
	if (status != TM_OK)
		return status;
	size_t len = strlen(text);
	bool differs = len != src->len || memcmp(text, src->text, len) != 0;
	if (changed)
		*changed = differs;
	if (differs && !check)
		status = write_atomically(path, text, len, diags);
	free(text);
	return status;
}
