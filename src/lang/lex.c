#include "lang/lex.h"

#include <string.h>

#include "base/xalloc.h"

void tm_lex_init(tm_lexer *lex, const tm_source *src, tm_diags *diags)
{
	memset(lex, 0, sizeof(*lex));
	lex->src = src;
	lex->diags = diags;
	/* A UTF-8 byte-order mark is not content. */
	if (src->len >= 3 && memcmp(src->text, "\xEF\xBB\xBF", 3) == 0)
		lex->pos = 3;
}

const char *tm_token_kind_name(tm_token_kind kind)
{
	switch (kind) {
	case TM_TOK_EOF: return "end of file";
	case TM_TOK_IDENT: return "identifier";
	case TM_TOK_STRING: return "string";
	case TM_TOK_TSTRING: return "string";
	case TM_TOK_NUMBER: return "number";
	case TM_TOK_DATE: return "date";
	case TM_TOK_LBRACE: return "'{'";
	case TM_TOK_RBRACE: return "'}'";
	case TM_TOK_LBRACKET: return "'['";
	case TM_TOK_RBRACKET: return "']'";
	case TM_TOK_LANGLE: return "'<'";
	case TM_TOK_RANGLE: return "'>'";
	case TM_TOK_COMMA: return "','";
	case TM_TOK_SEMICOLON: return "';'";
	case TM_TOK_COLON: return "':'";
	case TM_TOK_AT: return "'@'";
	case TM_TOK_DOT: return "'.'";
	case TM_TOK_ARROW: return "'->'";
	case TM_TOK_BIARROW: return "'<->'";
	case TM_TOK_PATTERN: return "pattern";
	case TM_TOK_ERROR:
	case TM_TOK_INVALID: return "invalid token";
	}
	return "token";
}

static tm_span span_of(const tm_lexer *lex, uint32_t start, uint32_t end)
{
	return (tm_span){lex->src, start, end};
}

static inline bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}
static inline bool is_ident_char(char c)
{
	return is_ident_start(c) || is_digit(c);
}

/* Length of the UTF-8 sequence at p (1 for an invalid byte), for error spans. */
static uint32_t utf8_length(const char *p, size_t avail)
{
	unsigned char c = (unsigned char)p[0];
	uint32_t need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 1;
	if (need > avail)
		return 1;
	for (uint32_t i = 1; i < need; i++)
		if (((unsigned char)p[i] & 0xC0) != 0x80)
			return 1;
	return need;
}

/* The first byte in [start, end) that is not valid UTF-8, or end. */
static uint32_t first_bad_utf8(const char *bytes, uint32_t start, uint32_t end)
{
	const unsigned char *text = (const unsigned char *)bytes;
	for (uint32_t i = start; i < end;) {
		unsigned char c = text[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		uint32_t n = utf8_length((const char *)text + i, end - i);
		bool ok = n > 1;
		if (ok && n == 3) {
			/* no overlong forms, no surrogates */
			ok = !(c == 0xE0 && text[i + 1] < 0xA0) && !(c == 0xED && text[i + 1] >= 0xA0);
		} else if (ok && n == 4) {
			ok = !(c == 0xF0 && text[i + 1] < 0x90) && !(c == 0xF4 && text[i + 1] >= 0x90);
		}
		if (!ok)
			return i;
		i += n;
	}
	return end;
}

static void report_bad_utf8(const tm_lexer *lex, uint32_t at)
{
	tm_diag_error(lex->diags, span_of(lex, at, at + 1),
	              "invalid UTF-8 byte 0x%02X: a .threat file must be UTF-8 text",
	              (unsigned char)lex->src->text[at]);
}

/* Checks that [start, end) is valid UTF-8; reports the first bad byte. */
static bool check_utf8(tm_lexer *lex, uint32_t start, uint32_t end)
{
	uint32_t bad = first_bad_utf8(lex->src->text, start, end);
	if (bad == end)
		return true;
	report_bad_utf8(lex, bad);
	return false;
}

static void add_comment(tm_lexer *lex, uint32_t start, uint32_t end, uint16_t newlines)
{
	tm_comment comment = {start, end, newlines};
	TM_VEC_PUSH(lex->comments, lex->ncomments, lex->capcomments, comment);
}

/* Scans an escape after the backslash at p; returns its length or 0. */
static uint32_t scan_escape(const char *text, uint32_t p, uint32_t len)
{
	if (p + 1 >= len)
		return 0;
	char c = text[p + 1];
	if (c == '"' || c == '\\' || c == 'n' || c == 't')
		return 2;
	if (c != 'u' || p + 2 >= len || text[p + 2] != '{')
		return 0;
	uint32_t i = p + 3, digits = 0;
	uint32_t value = 0;
	while (i < len && digits < 7) {
		char h = text[i];
		int v = h >= '0' && h <= '9'   ? h - '0'
		        : h >= 'a' && h <= 'f' ? h - 'a' + 10
		        : h >= 'A' && h <= 'F' ? h - 'A' + 10
		                               : -1;
		if (v < 0)
			break;
		value = value * 16 + (uint32_t)v;
		digits++;
		i++;
	}
	if (digits == 0 || digits > 6 || i >= len || text[i] != '}')
		return 0;
	if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
		return 0;
	return i + 1 - p;
}

static tm_token lex_string(tm_lexer *lex, uint32_t start)
{
	const char *text = lex->src->text;
	uint32_t len = (uint32_t)lex->src->len;
	if (start + 2 < len && text[start + 1] == '"' && text[start + 2] == '"') {
		const char *close = NULL;
		for (uint32_t i = start + 3; i + 2 < len; i++)
			if (text[i] == '"' && text[i + 1] == '"' && text[i + 2] == '"') {
				close = text + i;
				break;
			}
		if (!close) {
			tm_diag *d = tm_diag_error(lex->diags, span_of(lex, start, start + 3),
			                           "unterminated \"\"\" string");
			tm_diag_note(d, (tm_span){0}, "close it with \"\"\" on a later line");
			lex->pos = len;
			return (tm_token){TM_TOK_ERROR, start, len, 0};
		}
		uint32_t end = (uint32_t)(close - text) + 3;
		/* """a"""" : the extra quotes belong to the string's end */
		while (end < len && text[end] == '"')
			end++;
		lex->pos = end;
		if (!check_utf8(lex, start, end))
			return (tm_token){TM_TOK_ERROR, start, end, 0};
		return (tm_token){TM_TOK_TSTRING, start, end, 0};
	}
	bool ok = true;
	uint32_t i = start + 1;
	for (;;) {
		if (i >= len || text[i] == '\n') {
			tm_diag *d =
			    tm_diag_error(lex->diags, span_of(lex, start, start + 1), "unterminated string");
			tm_diag_note(d, (tm_span){0},
			             "a \"...\" string ends on its line; use \"\"\"...\"\"\" for text over "
			             "several lines");
			lex->pos = i;
			return (tm_token){TM_TOK_ERROR, start, i, 0};
		}
		char c = text[i];
		if (c == '"')
			break;
		if (c == '\\') {
			uint32_t n = scan_escape(text, i, len);
			if (!n) {
				tm_diag *d =
				    tm_diag_error(lex->diags, span_of(lex, i, i + 2 <= len ? i + 2 : i + 1),
				                  "invalid escape in string");
				tm_diag_note(d, (tm_span){0},
				             "the escapes are \\\" \\\\ \\n \\t and \\u{HEX}");
				ok = false;
				n = 1;
			}
			i += n;
			continue;
		}
		if ((unsigned char)c < 0x20 && c != '\t') {
			tm_diag_error(lex->diags, span_of(lex, i, i + 1),
			              "control character 0x%02X in string: write it as \\u{%X}",
			              (unsigned char)c, (unsigned char)c);
			ok = false;
		}
		i++;
	}
	lex->pos = i + 1;
	if (!check_utf8(lex, start, i + 1))
		ok = false;
	return (tm_token){ok ? TM_TOK_STRING : TM_TOK_ERROR, start, i + 1, 0};
}

static tm_token lex_number(tm_lexer *lex, uint32_t start)
{
	const char *text = lex->src->text;
	uint32_t len = (uint32_t)lex->src->len, i = start;
	while (i < len && is_digit(text[i]))
		i++;
	tm_token_kind kind = TM_TOK_NUMBER;
	if (i - start == 4 && i + 5 < len + 0 && text[i] == '-' && is_digit(text[i + 1]) &&
	    is_digit(text[i + 2]) && text[i + 3] == '-' && i + 5 < len && is_digit(text[i + 4]) &&
	    is_digit(text[i + 5])) {
		i += 6;
		kind = TM_TOK_DATE;
	} else if (i + 1 < len && text[i] == '.' && is_digit(text[i + 1])) {
		i++;
		while (i < len && is_digit(text[i]))
			i++;
	}
	if (i < len &&
	    (is_ident_char(text[i]) || text[i] == '-' || (text[i] == '.' && kind == TM_TOK_NUMBER))) {
		uint32_t end = i;
		while (end < len && (is_ident_char(text[end]) || text[end] == '-' || text[end] == '.'))
			end++;
		lex->pos = end;
		return (tm_token){TM_TOK_INVALID, start, end, 0};
	}
	lex->pos = i;
	return (tm_token){kind, start, i, 0};
}

tm_token tm_lex_next(tm_lexer *lex)
{
	const char *text = lex->src->text;
	uint32_t len = (uint32_t)lex->src->len;
	uint32_t newlines = 0;
	for (;;) {
		while (lex->pos < len) {
			char c = text[lex->pos];
			if (c == '\n') {
				if (newlines < UINT16_MAX)
					newlines++;
			} else if (c != ' ' && c != '\t' && c != '\r') {
				break;
			}
			lex->pos++;
		}
		if (lex->pos < len && text[lex->pos] == '#') {
			uint32_t start = lex->pos;
			while (lex->pos < len && text[lex->pos] != '\n')
				lex->pos++;
			uint32_t end = lex->pos;
			if (end > start && text[end - 1] == '\r')
				end--;
			if (memchr(text + start, '\0', end - start)) {
				tm_diag_error(lex->diags, span_of(lex, start, start + 1),
				              "NUL byte in a comment: a .threat file must be UTF-8 text");
				lex->pos = len;
				return (tm_token){TM_TOK_EOF, len, len, newlines};
			}
			check_utf8(lex, start, end);
			add_comment(lex, start, end, (uint16_t)newlines);
			newlines = 0;
			continue;
		}
		break;
	}
	uint32_t start = lex->pos;
	tm_token tok = {TM_TOK_EOF, start, start, (uint16_t)newlines};
	if (start >= len)
		return tok;
	char c = text[start];
	char next = start + 1 < len ? text[start + 1] : '\0';
	if (is_ident_start(c) || c == '*') {
		/* A word; one with a '*' in it is a pattern (STRIDE-T-*, *). */
		bool star = c == '*';
		uint32_t i = start + 1;
		for (;;) {
			if (i < len && (is_ident_char(text[i]) || text[i] == '*')) {
				star = star || text[i] == '*';
				i++;
			} else if (i + 1 < len && text[i] == '-' &&
			           (is_ident_char(text[i + 1]) || text[i + 1] == '*')) {
				i++;
			} else {
				break;
			}
		}
		lex->pos = i;
		tok.kind = star ? TM_TOK_PATTERN : TM_TOK_IDENT;
		tok.end = i;
		return tok;
	}
	if (is_digit(c)) {
		tm_token number = lex_number(lex, start);
		number.newlines = tok.newlines;
		return number;
	}
	if (c == '"') {
		tm_token string = lex_string(lex, start);
		string.newlines = tok.newlines;
		return string;
	}
	tm_token_kind kind = TM_TOK_ERROR;
	uint32_t width = 1;
	switch (c) {
	case '{': kind = TM_TOK_LBRACE; break;
	case '}': kind = TM_TOK_RBRACE; break;
	case '[': kind = TM_TOK_LBRACKET; break;
	case ']': kind = TM_TOK_RBRACKET; break;
	case ',': kind = TM_TOK_COMMA; break;
	case ';': kind = TM_TOK_SEMICOLON; break;
	case ':': kind = TM_TOK_COLON; break;
	case '@': kind = TM_TOK_AT; break;
	case '.': kind = TM_TOK_DOT; break;
	case '>': kind = TM_TOK_RANGLE; break;
	case '<':
		if (next == '-' && start + 2 < len && text[start + 2] == '>') {
			kind = TM_TOK_BIARROW;
			width = 3;
		} else {
			kind = TM_TOK_LANGLE;
		}
		break;
	case '-':
		if (next == '>') {
			kind = TM_TOK_ARROW;
			width = 2;
		}
		break;
	default: break;
	}
	if (kind == TM_TOK_ERROR) {
		if (c == '\0') {
			tm_diag_error(lex->diags, span_of(lex, start, start + 1),
			              "NUL byte: this looks like a binary file, not a .threat model");
			lex->pos = len;
			tok.kind = TM_TOK_EOF;
			tok.start = tok.end = len;
			return tok;
		}
		/* Reported by the parser, if it does not skip it (tm_lex_report). */
		kind = TM_TOK_INVALID;
		width = utf8_length(text + start, len - start);
		if ((unsigned char)c >= 0x80 && first_bad_utf8(text, start, start + width) != start + width)
			width = 1;
	}
	lex->pos = start + width;
	tok.kind = kind;
	tok.end = start + width;
	return tok;
}

void tm_lex_report(const tm_lexer *lex, tm_token tok)
{
	const char *text = lex->src->text;
	uint32_t start = tok.start, width = tok.end - tok.start;
	unsigned char u = (unsigned char)text[start];
	if (is_digit(text[start])) {
		tm_diag *d = tm_diag_error(lex->diags, span_of(lex, start, tok.end),
		                           "invalid number or date '%.*s'", (int)width, text + start);
		tm_diag_note(
		    d, (tm_span){0},
		    "numbers are like 2 or 1.5, dates like 2026-03-24, and identifiers start with a letter");
	} else if (u >= 0x80 && first_bad_utf8(text, start, tok.end) != tok.end) {
		report_bad_utf8(lex, start);
	} else if (u < 0x20 || u == 0x7f) {
		tm_diag_error(lex->diags, span_of(lex, start, start + 1),
		              "unexpected control character 0x%02X", u);
	} else if (text[start] == '-') {
		tm_diag *d = tm_diag_error(lex->diags, span_of(lex, start, start + 1), "unexpected '-'");
		tm_diag_note(d, (tm_span){0}, "a flow's arrow is '->' (or '<->' for both ways)");
	} else {
		tm_diag_error(lex->diags, span_of(lex, start, tok.end), "unexpected character '%.*s'",
		              (int)width, text + start);
	}
}

static size_t put_utf8(char *dst, uint32_t cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xC0 | (cp >> 6));
		dst[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xE0 | (cp >> 12));
		dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		dst[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	dst[0] = (char)(0xF0 | (cp >> 18));
	dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	dst[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* """ strings: drop the newline right after the opening quotes and a last
 * line holding only indentation, then remove the indentation common to
 * every non-blank line. No escapes: the text is taken as written. */
static size_t triple_value(const char *body, size_t n, char *dst)
{
	size_t from = 0;
	size_t k = 0;
	while (k < n && (body[k] == ' ' || body[k] == '\t' || body[k] == '\r'))
		k++;
	if (k < n && body[k] == '\n')
		from = k + 1;
	size_t to = n;
	size_t last_nl = to;
	while (last_nl > from && body[last_nl - 1] != '\n')
		last_nl--;
	if (last_nl > from && blank(body + last_nl, to - last_nl))
		to = last_nl - 1;
	else if (last_nl == from && blank(body + from, to - from))
		to = from;
	size_t indent = SIZE_MAX;
	for (size_t p = from; p < to;) {
		size_t e = p;
		while (e < to && body[e] != '\n')
			e++;
		if (!blank(body + p, e - p)) {
			size_t w = 0;
			while (p + w < e && (body[p + w] == ' ' || body[p + w] == '\t'))
				w++;
			if (w < indent)
				indent = w;
		}
		p = e + 1;
	}
	if (indent == SIZE_MAX)
		indent = 0;
	size_t out = 0;
	for (size_t p = from; p < to;) {
		size_t e = p;
		while (e < to && body[e] != '\n')
			e++;
		size_t s = p + indent <= e ? p + indent : e;
		size_t line_end = e;
		if (line_end > s && body[line_end - 1] == '\r')
			line_end--;
		if (blank(body + p, e - p))
			s = line_end;
		memcpy(dst + out, body + s, line_end - s);
		out += line_end - s;
		if (e < to)
			dst[out++] = '\n';
		p = e + 1;
	}
	return out;
}

size_t tm_lex_string_value(const tm_source *src, tm_token tok, tm_diags *diags, char *dst)
{
	(void)diags; /* the lexer already reported bad escapes */
	const char *text = src->text;
	if (tok.kind == TM_TOK_TSTRING) {
		uint32_t close = tok.end - 3;
		return triple_value(text + tok.start + 3, close - (tok.start + 3), dst);
	}
	size_t out = 0;
	for (uint32_t i = tok.start + 1; i + 1 < tok.end;) {
		char c = text[i];
		if (c != '\\') {
			dst[out++] = c;
			i++;
			continue;
		}
		uint32_t n = scan_escape(text, i, tok.end);
		if (!n) {
			i++;
			continue;
		}
		char e = text[i + 1];
		if (e == 'n')
			dst[out++] = '\n';
		else if (e == 't')
			dst[out++] = '\t';
		else if (e == '"' || e == '\\')
			dst[out++] = e;
		else {
			uint32_t cp = 0;
			for (uint32_t k = i + 3; text[k] != '}'; k++) {
				char h = text[k];
				cp = cp * 16 + (uint32_t)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
			}
			out += put_utf8(dst + out, cp);
		}
		i += n;
	}
	return out;
}
