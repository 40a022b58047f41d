#include "render/escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "render/term.h"

#define NEWLINE ((uint32_t)'\n')

/* The text as sanitised code points: invalid UTF-8 and unsafe characters
 * as U+FFFD, a tab as a space, CR dropped (CRLF is a newline). The caller
 * frees the array. */
static uint32_t *decode(const char *text, size_t *count)
{
	size_t len = text ? strlen(text) : 0;
	uint32_t *cps = tm_xmalloc((len + 1) * sizeof *cps);
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += tm_utf8_next(text + i, len - i, &cp);
		if (cp == '\r')
			continue;
		if (cp == '\t')
			cp = ' ';
		else if (cp != NEWLINE && tm_utf8_is_unsafe(cp))
			cp = TM_UTF8_REPLACEMENT;
		cps[n++] = cp;
	}
	*count = n;
	return cps;
}

static bool is_alnum(uint32_t cp)
{
	return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp >= 0x80;
}

static bool is_digit(uint32_t cp)
{
	return cp >= '0' && cp <= '9';
}

void tm_esc_md(tm_buf *out, const char *text, bool in_cell)
{
	size_t n;
	uint32_t *cps = decode(text, &n);
	/* a cell holds inline text only: no line of it can start a block */
	bool line_start = !in_cell;
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = cps[i];
		if (cp == NEWLINE) {
			tm_buf_puts(out, in_cell ? "<br>" : "\n");
			line_start = !in_cell;
			continue;
		}
		if (line_start && cp == ' ') {
			tm_buf_putc(out, ' ');
			continue;
		}
		bool escape = false;
		/* "::" starting a line is a GitHub Actions workflow command to a
		 * runner that prints this document; "\:" reads as ":" */
		if (line_start && cp == ':' && i + 1 < n && cps[i + 1] == ':')
			escape = true;
		switch (cp) {
		case '\\':
		case '*':
		case '`':
		case '[':
		case ']':
		case '<':
		case '>':
		case '|':
		case '~':
		case '&': escape = true; break;
		case '_':
			/* snake_case stays readable: GFM ignores an intraword underscore */
			escape = !(i > 0 && is_alnum(cps[i - 1]) && i + 1 < n && is_alnum(cps[i + 1]));
			break;
		case '#':
		case '-':
		case '+':
		case '=': escape = line_start; break;
		default: break;
		}
		if (line_start && is_digit(cp)) {
			/* "1. item" or "1) item" at a line start would open a list */
			size_t j = i;
			while (j < n && is_digit(cps[j]))
				tm_utf8_put(out, cps[j++]);
			if (j < n && (cps[j] == '.' || cps[j] == ')') &&
			    (j + 1 == n || cps[j + 1] == ' ' || cps[j + 1] == NEWLINE)) {
				tm_buf_putc(out, '\\');
				tm_utf8_put(out, cps[j++]);
			}
			i = j - 1;
			line_start = false;
			continue;
		}
		if (escape)
			tm_buf_putc(out, '\\');
		tm_utf8_put(out, cp);
		line_start = false;
	}
	free(cps);
}

void tm_esc_md_code(tm_buf *out, const char *text, bool in_cell)
{
	size_t n;
	uint32_t *cps = decode(text, &n);
	size_t run = 0, longest = 0;
	for (size_t i = 0; i < n; i++) {
		run = cps[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	if (n == 0) {
		free(cps);
		return;
	}
	tm_buf_fill(out, '`', longest + 1);
	/* a span that starts or ends with a backtick needs a space inside the fence */
	bool pad = cps[0] == '`' || cps[n - 1] == '`';
	if (pad)
		tm_buf_putc(out, ' ');
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = cps[i];
		if (cp == NEWLINE)
			tm_buf_putc(out, ' ');
		else if (cp == '|' && in_cell)
			tm_buf_puts(out, "\\|");
		else
			tm_utf8_put(out, cp);
	}
	if (pad)
		tm_buf_putc(out, ' ');
	tm_buf_fill(out, '`', longest + 1);
	free(cps);
}

/* The five characters HTML and XML give meaning to, as entities; true when
 * cp was one of them. */
static bool html_entity(tm_buf *out, uint32_t cp)
{
	switch (cp) {
	case '&': tm_buf_puts(out, "&amp;"); return true;
	case '<': tm_buf_puts(out, "&lt;"); return true;
	case '>': tm_buf_puts(out, "&gt;"); return true;
	case '"': tm_buf_puts(out, "&quot;"); return true;
	case '\'': tm_buf_puts(out, "&#39;"); return true;
	default: return false;
	}
}

static void html(tm_buf *out, const char *text, const char *newline)
{
	size_t n;
	uint32_t *cps = decode(text, &n);
	bool line_start = true;
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = cps[i];
		if (cp == NEWLINE) {
			tm_buf_puts(out, newline);
			line_start = true;
			continue;
		}
		/* no line of the document starts a GitHub Actions workflow
		 * command ("::"); the entity reads as ':' */
		if (line_start && cp == ':' && i + 1 < n && cps[i + 1] == ':')
			tm_buf_puts(out, "&#58;");
		else if (!html_entity(out, cp))
			tm_utf8_put(out, cp);
		line_start = line_start && cp == ' ';
	}
	free(cps);
}

void tm_esc_html(tm_buf *out, const char *text)
{
	html(out, text, "\n");
}

void tm_esc_html_lines(tm_buf *out, const char *text)
{
	html(out, text, "<br>");
}

void tm_esc_dot_html(tm_buf *out, const char *text)
{
	html(out, text, "<BR/>");
}

void tm_esc_dot(tm_buf *out, const char *text)
{
	size_t n;
	uint32_t *cps = decode(text, &n);
	for (size_t i = 0; i < n; i++) {
		switch (cps[i]) {
		case '"': tm_buf_puts(out, "\\\""); break;
		case '\\': tm_buf_puts(out, "\\\\"); break;
		case NEWLINE: tm_buf_puts(out, "\\n"); break;
		default: tm_utf8_put(out, cps[i]); break;
		}
	}
	free(cps);
}

void tm_esc_mermaid(tm_buf *out, const char *text)
{
	size_t n;
	uint32_t *cps = decode(text, &n);
	for (size_t i = 0; i < n; i++) {
		uint32_t next = i + 1 < n ? cps[i + 1] : 0, after = i + 2 < n ? cps[i + 2] : 0;
		/* arrows as arrows: `a -> b`, `a <-> b`, `a <- b`, `a => b` */
		if (cps[i] == '<' && next == '-' && after == '>') {
			tm_buf_puts(out, "↔");
			i += 2;
			continue;
		}
		if ((cps[i] == '-' || cps[i] == '=') && next == '>') {
			tm_buf_puts(out, cps[i] == '-' ? "→" : "⇒");
			i++;
			continue;
		}
		if (cps[i] == '<' && next == '-') {
			tm_buf_puts(out, "←");
			i++;
			continue;
		}
		switch (cps[i]) {
		case '"': tm_buf_putc(out, '\''); break;
		case '<': tm_buf_puts(out, "‹"); break;
		case '>': tm_buf_puts(out, "›"); break;
		case '&': tm_buf_puts(out, "＆"); break;
		case '#': tm_buf_puts(out, "＃"); break;
		case '%': tm_buf_puts(out, "％"); break;
		case ';': tm_buf_puts(out, "；"); break;
		case '|': tm_buf_puts(out, "｜"); break;
		case '`': tm_buf_puts(out, "｀"); break;
		case '{': tm_buf_puts(out, "｛"); break;
		case '}': tm_buf_puts(out, "｝"); break;
		case '\\': tm_buf_puts(out, "＼"); break;
		case NEWLINE: tm_buf_puts(out, "<br>"); break;
		default: tm_utf8_put(out, cps[i]); break;
		}
	}
	free(cps);
}

void tm_esc_wrap(tm_buf *out, const char *text, size_t width)
{
	size_t n;
	uint32_t *cps = decode(text, &n);
	size_t column = 0;
	for (size_t i = 0; i < n;) {
		if (cps[i] == NEWLINE) {
			tm_buf_putc(out, '\n');
			column = 0;
			i++;
			continue;
		}
		if (cps[i] == ' ') {
			i++;
			if (column > 0 && column < width) {
				/* keep the space only if the next word fits after it */
				size_t word = 0;
				while (i + word < n && cps[i + word] != ' ' && cps[i + word] != NEWLINE)
					word++;
				if (column + 1 + word <= width) {
					tm_buf_putc(out, ' ');
					column++;
				} else if (word) {
					tm_buf_putc(out, '\n');
					column = 0;
				}
			} else if (column >= width && i < n && cps[i] != ' ' && cps[i] != NEWLINE) {
				tm_buf_putc(out, '\n');
				column = 0;
			}
			continue;
		}
		tm_utf8_put(out, cps[i++]);
		column++;
	}
	free(cps);
}

void tm_esc_uri_path(tm_buf *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)(path ? path : ""); *p; p++) {
		unsigned char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~' || c == '/') {
			tm_buf_putc(out, (char)c);
		} else {
			tm_buf_putc(out, '%');
			tm_buf_putc(out, hex[c >> 4]);
			tm_buf_putc(out, hex[c & 15]);
		}
	}
}
