/* The parser: recursive descent over the token stream, one function per
 * grammar rule (its rule in the comment above it, as in Lua's lparser.c).
 * On an error it records a diagnostic, abandons the statement (panic mode)
 * and resynchronises at the next statement keyword, so one run reports
 * every independent mistake (clox's synchronize). It notes what the
 * abandoned statement would have declared (tm_file.lost), so the rest of
 * the file can still be resolved without errors that only follow from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/limits.h"
#include "base/xalloc.h"
#include "lang/ast.h"

typedef struct parser {
	tm_lexer lex;
	tm_arena *arena;
	tm_diags *diags;
	const tm_source *src;
	tm_token current, next; /* one token of lookahead beyond current */
	tm_token previous;
	bool panic;
	bool damaged;       /* panicked at least once */
	bool unsound;       /* a lost statement may have declared something unnamed (tm_file) */
	tm_decl *statement; /* the top-level statement being parsed */
	const char **lost;  /* what the statements cut short would have declared */
	size_t nlost, caplost;
	int depth;    /* nesting of blocks, lists and child declarations */
	int brackets; /* open { and [ seen, for resynchronising */
	/* Attribute names and bare-word values repeat across a model
	 * ("tech", "hono", "true"): each distinct word is stored once. */
	const char **words;
	size_t nwords, capwords; /* capwords: a power of two */
} parser;

static tm_span tok_span(const parser *p, tm_token tok)
{
	return (tm_span){p->src, tok.start, tok.end};
}

static const char *tok_text(const parser *p, tm_token tok)
{
	return p->src->text + tok.start;
}

static int tok_len(tm_token tok)
{
	return (int)(tok.end - tok.start);
}

static void advance(parser *p)
{
	p->previous = p->current;
	p->current = p->next;
	if (p->current.kind != TM_TOK_EOF)
		p->next = tm_lex_next(&p->lex);
	switch (p->previous.kind) {
	case TM_TOK_LBRACE:
	case TM_TOK_LBRACKET: p->brackets++; break;
	case TM_TOK_RBRACE:
	case TM_TOK_RBRACKET: p->brackets--; break;
	default: break;
	}
}

static bool check(const parser *p, tm_token_kind kind)
{
	return p->current.kind == kind;
}

static bool accept_tok(parser *p, tm_token_kind kind)
{
	if (!check(p, kind))
		return false;
	advance(p);
	return true;
}

static bool is_word(const parser *p, tm_token tok, const char *word)
{
	size_t n = strlen(word);
	return tok.kind == TM_TOK_IDENT && (size_t)tok_len(tok) == n &&
	       memcmp(tok_text(p, tok), word, n) == 0;
}

/* Describes the current token for "expected X, found Y" messages. */
static void describe(const parser *p, tm_token tok, char *out, size_t size)
{
	switch (tok.kind) {
	case TM_TOK_EOF: snprintf(out, size, "the end of the file"); break;
	case TM_TOK_IDENT:
	case TM_TOK_PATTERN:
	case TM_TOK_NUMBER:
	case TM_TOK_DATE:
		snprintf(out, size, "'%.*s'", tok_len(tok) > 40 ? 40 : tok_len(tok), tok_text(p, tok));
		break;
	case TM_TOK_STRING:
	case TM_TOK_TSTRING: snprintf(out, size, "a string"); break;
	default: snprintf(out, size, "%s", tm_token_kind_name(tok.kind)); break;
	}
}

static tm_diag *error_at(parser *p, tm_token tok, const char *fmt, const char *what)
{
	if (p->panic)
		return NULL;
	p->panic = true;
	if (tok.kind == TM_TOK_ERROR)
		return NULL; /* the lexer already explained it */
	if (tok.kind == TM_TOK_INVALID) {
		tm_lex_report(&p->lex, tok);
		return NULL;
	}
	char found[64];
	describe(p, tok, found, sizeof found);
	tm_span span = tok_span(p, tok);
	if (tok.kind == TM_TOK_EOF && span.start > 0)
		span.start = span.end = (uint32_t)p->src->len;
	return tm_diag_error(p->diags, span, fmt, what, found);
}

static tm_diag *expected(parser *p, const char *what)
{
	return error_at(p, p->current, "expected %s, found %s", what);
}

static char *copy_token(parser *p, tm_token tok)
{
	return tm_arena_strndup(p->arena, tok_text(p, tok), (size_t)tok_len(tok));
}

static uint32_t hash_bytes(const char *text, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)text[i]) * 16777619u;
	return h;
}

static const char *intern(parser *p, tm_token tok)
{
	const char *text = tok_text(p, tok);
	size_t len = (size_t)tok_len(tok);
	if (len > 64)
		return copy_token(p, tok);
	if (p->nwords * 2 >= p->capwords) {
		size_t cap = p->capwords ? p->capwords * 2 : 256;
		const char **grown = tm_xcalloc(cap, sizeof(*grown));
		for (size_t i = 0; i < p->capwords; i++) {
			if (!p->words[i])
				continue;
			size_t j = hash_bytes(p->words[i], strlen(p->words[i])) & (cap - 1);
			while (grown[j])
				j = (j + 1) & (cap - 1);
			grown[j] = p->words[i];
		}
		free(p->words);
		p->words = grown;
		p->capwords = cap;
	}
	size_t j = hash_bytes(text, len) & (p->capwords - 1);
	while (p->words[j]) {
		if (strncmp(p->words[j], text, len) == 0 && p->words[j][len] == '\0')
			return p->words[j];
		j = (j + 1) & (p->capwords - 1);
	}
	p->words[j] = copy_token(p, tok);
	p->nwords++;
	return p->words[j];
}

static char *string_value(parser *p, tm_token tok, size_t *len)
{
	/* Decoding never makes text longer than the token. */
	char *dst = tm_arena_alloc(p->arena, (size_t)tok_len(tok) + 1);
	*len = tm_lex_string_value(p->src, tok, p->diags, dst);
	dst[*len] = '\0';
	return dst;
}

static bool enter(parser *p)
{
	if (++p->depth > MAX_PARSE_DEPTH) {
		p->unsound = true;
		tm_diag *d =
		    error_at(p, p->current, "nesting is too deep (more than 200 levels)%.0s%.0s", "");
		tm_diag_note(d, (tm_span){0}, "split the structure up: no model needs this depth");
		return false;
	}
	return true;
}

static void leave(parser *p)
{
	p->depth--;
}

/* A word of a path: an id, or where patterns are allowed (a finding's
 * element) a pattern too; *pattern is set when it is one. */
static bool path_word(const parser *p, bool patterns, bool *pattern)
{
	if (check(p, TM_TOK_PATTERN) && patterns) {
		*pattern = true;
		return true;
	}
	return check(p, TM_TOK_IDENT);
}

/* path = IDENT { "." IDENT }; in a finding pattern, PATTERN may stand for
 * any IDENT */
static bool parse_path(parser *p, const char **text, tm_span *span, bool patterns, bool *pattern)
{
	if (!path_word(p, patterns, pattern)) {
		if (!check(p, TM_TOK_PATTERN)) {
			expected(p, "an element id");
			return false;
		}
		tm_diag *d = error_at(p, p->current, "%sunexpected pattern %s", "");
		tm_diag_note(d, (tm_span){0},
		             "a '*' stands only in a finding id of `mitigates` or `accept`, like "
		             "STRIDE-T-*@api or *@legacy_*");
		return false;
	}
	tm_token first = p->current;
	advance(p);
	tm_token last = first;
	while (check(p, TM_TOK_DOT)) {
		advance(p);
		if (!path_word(p, patterns, pattern)) {
			expected(p, "a child id after '.'");
			return false;
		}
		last = p->current;
		advance(p);
	}
	*span = (tm_span){p->src, first.start, last.end};
	if (last.start == first.start) {
		*text = copy_token(p, first);
	} else {
		/* Drop any whitespace written around the dots. */
		char *out = tm_arena_alloc(p->arena, last.end - first.start + 1);
		size_t n = 0;
		for (uint32_t i = first.start; i < last.end; i++) {
			char c = p->src->text[i];
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
				out[n++] = c;
		}
		*text = out;
	}
	return true;
}

/* ref_tail = path [ ( "->" | "<->" ) path ], filling name/target of ref */
static bool parse_ref_tail(parser *p, tm_ref *ref, bool patterns)
{
	if (!parse_path(p, &ref->name, &ref->name_span, patterns, &ref->pattern))
		return false;
	if (check(p, TM_TOK_ARROW) || check(p, TM_TOK_BIARROW)) {
		ref->bidirectional = check(p, TM_TOK_BIARROW);
		advance(p);
		if (!parse_path(p, &ref->target, &ref->target_span, patterns, &ref->pattern))
			return false;
	}
	return true;
}

/* finding_ref = ( IDENT | PATTERN ) "@" ref_tail | ref_tail
 * (a finding's element may hold patterns, nothing else may) */
static bool parse_ref(parser *p, tm_ref *ref)
{
	tm_token first = p->current;
	if ((check(p, TM_TOK_IDENT) || check(p, TM_TOK_PATTERN)) && p->next.kind == TM_TOK_AT) {
		ref->kind = TM_REF_FINDING;
		ref->pattern = check(p, TM_TOK_PATTERN);
		ref->rule = copy_token(p, first);
		advance(p);
		advance(p);
		if (!parse_ref_tail(p, ref, true))
			return false;
	} else {
		if (!parse_ref_tail(p, ref, false))
			return false;
		ref->kind = ref->target ? TM_REF_FLOW : TM_REF_ELEMENT;
	}
	ref->span = (tm_span){p->src, first.start, p->previous.end};
	return true;
}

static tm_block *parse_block(parser *p, bool allow_children, tm_decl *owner);

/* value = STRING | TSTRING | NUMBER | DATE | "true" | "false" | list | block | ref */
static tm_value *parse_value(parser *p, const char *attr_name)
{
	tm_value *value = tm_arena_alloc(p->arena, sizeof(*value));
	tm_token tok = p->current;
	value->start = tok.start;
	value->end = tok.end;
	switch (tok.kind) {
	case TM_TOK_STRING:
	case TM_TOK_TSTRING: {
		value->kind = TM_VAL_STRING;
		value->triple = tok.kind == TM_TOK_TSTRING;
		size_t len;
		value->text = string_value(p, tok, &len);
		value->len = (uint32_t)len; /* sources are at most 64 MiB */
		advance(p);
		return value;
	}
	case TM_TOK_NUMBER:
		value->kind = TM_VAL_NUMBER;
		value->text = copy_token(p, tok);
		value->len = (size_t)tok_len(tok);
		value->number = strtod(value->text, NULL);
		advance(p);
		return value;
	case TM_TOK_DATE:
		value->kind = TM_VAL_DATE;
		value->text = copy_token(p, tok);
		value->len = (size_t)tok_len(tok);
		if (!tm_date_parse(value->text, value->len, &value->date)) {
			tm_diag *d = tm_diag_error(p->diags, tm_value_span(value, p->src), "invalid date %s",
			                           value->text);
			tm_diag_note(d, (tm_span){0}, "dates are YYYY-MM-DD with a real month and day");
		}
		advance(p);
		return value;
	case TM_TOK_LBRACKET: {
		value->kind = TM_VAL_LIST;
		if (!enter(p))
			return NULL;
		advance(p);
		tm_value **items = NULL;
		size_t count = 0, cap = 0;
		while (!check(p, TM_TOK_RBRACKET)) {
			tm_value *item = parse_value(p, attr_name);
			if (!item)
				goto list_fail;
			TM_VEC_PUSH(items, count, cap, item);
			if (!accept_tok(p, TM_TOK_COMMA) && !check(p, TM_TOK_RBRACKET)) {
				tm_diag *d = expected(p, "',' or ']' in the list");
				tm_diag_note(d, tok_span(p, tok), "the list starts here");
				goto list_fail;
			}
		}
		advance(p);
		leave(p);
		value->items = tm_arena_memdup(p->arena, items, count * sizeof(*items));
		value->nitems = count;
		value->end = p->previous.end;
		free(items);
		return value;
	list_fail:
		free(items);
		return NULL;
	}
	case TM_TOK_LBRACE:
		value->kind = TM_VAL_BLOCK;
		value->block = parse_block(p, false, NULL);
		if (!value->block)
			return NULL;
		value->start = value->block->span.start;
		value->end = value->block->span.end;
		return value;
	case TM_TOK_PATTERN:
	case TM_TOK_IDENT:
		if (tok.kind == TM_TOK_IDENT && p->next.kind != TM_TOK_AT && p->next.kind != TM_TOK_DOT &&
		    p->next.kind != TM_TOK_ARROW && p->next.kind != TM_TOK_BIARROW) {
			if (is_word(p, tok, "true") || is_word(p, tok, "false")) {
				value->kind = TM_VAL_BOOL;
				value->boolean = is_word(p, tok, "true");
			} else {
				value->kind = TM_VAL_IDENT;
			}
			value->text = intern(p, tok);
			value->len = (size_t)tok_len(tok);
			advance(p);
			return value;
		}
		value->kind = TM_VAL_REF;
		value->ref = tm_arena_alloc(p->arena, sizeof(*value->ref));
		if (!parse_ref(p, value->ref))
			return NULL;
		value->start = value->ref->span.start;
		value->end = value->ref->span.end;
		return value;
	default: {
		char what[96];
		snprintf(what, sizeof what, "a value for '%s'", attr_name);
		expected(p, what);
		return NULL;
	}
	}
}

static void check_duplicate_attrs(parser *p, tm_block_item *items, size_t count)
{
	if (count > 256)
		return; /* quadratic; no real block is this long */
	for (size_t i = 0; i < count; i++) {
		if (!items[i].attr)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (items[j].attr && strcmp(items[i].attr->name, items[j].attr->name) == 0) {
				tm_diag *d =
				    tm_diag_error(p->diags, tm_attr_name_span(items[i].attr, p->src),
				                  "attribute '%s' is given twice", items[i].attr->name);
				tm_diag_note(d, tm_attr_name_span(items[j].attr, p->src), "first given here");
				break;
			}
		}
	}
}

static tm_decl *parse_element(parser *p, tm_decl_kind kind, tm_decl *parent);

/* tm_decl_kind_of for the two keywords a block may nest (process, store):
 * asked for every attribute name, so without the keyword table. */
static tm_decl_kind child_kind(const char *word, size_t len)
{
	if (len == 7 && memcmp(word, "process", 7) == 0)
		return TM_DECL_PROCESS;
	if (len == 5 && memcmp(word, "store", 5) == 0)
		return TM_DECL_STORE;
	return TM_DECL_COUNT;
}

/* block = "{" { ( child_decl | IDENT value ) [ ";" ] } "}" */
static tm_block *parse_block(parser *p, bool allow_children, tm_decl *owner)
{
	tm_token open = p->current;
	if (!enter(p))
		return NULL;
	advance(p);
	tm_block_item *items = NULL;
	size_t count = 0, cap = 0;
	while (!check(p, TM_TOK_RBRACE)) {
		if (accept_tok(p, TM_TOK_SEMICOLON))
			continue;
		if (check(p, TM_TOK_EOF)) {
			p->unsound = true; /* everything after the '{' went into the block */
			if (!p->panic) {
				p->panic = true;
				tm_diag *d = tm_diag_error(p->diags, tok_span(p, open),
				                           "unclosed block: this '{' has no matching '}'");
				tm_diag_note(
				    d, (tm_span){0},
				    "the file ends before the block does; add '}' after its last line");
			}
			goto fail;
		}
		if (!check(p, TM_TOK_IDENT)) {
			expected(p, "an attribute name or '}'");
			goto fail;
		}
		tm_token name = p->current;
		tm_decl_kind child = child_kind(tok_text(p, name), (size_t)tok_len(name));
		if ((child == TM_DECL_PROCESS || child == TM_DECL_STORE) && p->next.kind == TM_TOK_IDENT) {
			if (!allow_children) {
				tm_diag *d = tm_diag_error(p->diags, tok_span(p, name),
				                           "only a process can contain child elements");
				tm_diag_note(d, (tm_span){0},
				             "declare it at the top level, or inside a process block");
				p->panic = true;
				goto fail;
			}
			advance(p);
			tm_decl *decl = parse_element(p, child, owner);
			if (!decl)
				goto fail;
			decl->newlines = name.newlines;
			tm_block_item item = {.decl = decl};
			TM_VEC_PUSH(items, count, cap, item);
			continue;
		}
		advance(p);
		tm_attr *attr = tm_arena_alloc(p->arena, sizeof(*attr));
		attr->name = intern(p, name);
		attr->name_hash = tm_attr_name_hash(attr->name);
		attr->name_start = name.start;
		attr->newlines = name.newlines;
		attr->value = parse_value(p, attr->name);
		if (!attr->value)
			goto fail;
		tm_block_item item = {.attr = attr};
		TM_VEC_PUSH(items, count, cap, item);
	}
	advance(p);
	leave(p);
	check_duplicate_attrs(p, items, count);
	tm_block *block = tm_arena_alloc(p->arena, sizeof(*block));
	block->items = tm_arena_memdup(p->arena, items, count * sizeof(*items));
	block->count = count;
	block->span = (tm_span){p->src, open.start, p->previous.end};
	free(items);
	return block;
fail:
	free(items);
	return NULL;
}

/* label = STRING | TSTRING */
static void parse_label(parser *p, tm_decl *decl)
{
	if (!check(p, TM_TOK_STRING) && !check(p, TM_TOK_TSTRING))
		return;
	decl->label_start = p->current.start;
	decl->label_end = p->current.end;
	decl->label_triple = check(p, TM_TOK_TSTRING);
	size_t len;
	decl->label = string_value(p, p->current, &len);
	decl->label_len = (uint32_t)len; /* sources are at most 64 MiB */
	advance(p);
}

/* Finishes a statement: [ block ], and its span. */
static bool parse_tail(parser *p, tm_decl *decl, bool allow_children)
{
	if (check(p, TM_TOK_LBRACE)) {
		decl->block = parse_block(p, allow_children, decl);
		if (!decl->block)
			return false;
	}
	decl->span.end = p->previous.end;
	return true;
}

static tm_decl *new_decl(parser *p, tm_decl_kind kind, tm_token keyword)
{
	tm_decl *decl = tm_arena_alloc(p->arena, sizeof(*decl));
	decl->kind = kind;
	decl->span = tok_span(p, keyword);
	decl->newlines = keyword.newlines;
	if (p->depth == 0)
		p->statement = decl;
	return decl;
}

static bool parse_id(parser *p, tm_decl *decl)
{
	if (!check(p, TM_TOK_IDENT)) {
		char what[64];
		snprintf(what, sizeof what, "an id after '%s'", tm_decl_keywords[decl->kind]);
		tm_diag *d = expected(p, what);
		if (check(p, TM_TOK_STRING))
			tm_diag_note(d, (tm_span){0}, "write the id first, then the label: %s ID \"label\"",
			             tm_decl_keywords[decl->kind]);
		return false;
	}
	decl->id = copy_token(p, p->current);
	decl->id_start = p->current.start;
	decl->id_end = p->current.end;
	advance(p);
	return true;
}

/* element = KIND IDENT [ label ] [ block ]   (asset actor external process store threat mitigation) */
static tm_decl *parse_element(parser *p, tm_decl_kind kind, tm_decl *parent)
{
	tm_decl *decl = new_decl(p, kind, p->previous);
	decl->parent = parent;
	if (!parse_id(p, decl))
		return NULL;
	parse_label(p, decl);
	if (kind == TM_DECL_PROCESS && !enter(p))
		return NULL;
	bool ok = parse_tail(p, decl, kind == TM_DECL_PROCESS);
	if (kind == TM_DECL_PROCESS)
		leave(p);
	return ok ? decl : NULL;
}

/* boundary = "boundary" IDENT [ label ] [ "<" [ path { "," path } ] ">" ] [ block ] */
static tm_decl *parse_boundary(parser *p)
{
	tm_decl *decl = new_decl(p, TM_DECL_BOUNDARY, p->previous);
	if (!parse_id(p, decl))
		return NULL;
	parse_label(p, decl);
	if (check(p, TM_TOK_LANGLE)) {
		tm_token open = p->current;
		advance(p);
		decl->has_members = true;
		tm_ref *members = NULL;
		size_t count = 0, cap = 0;
		while (!check(p, TM_TOK_RANGLE)) {
			tm_ref member = {.kind = TM_REF_ELEMENT};
			bool pattern = false;
			if (!parse_path(p, &member.name, &member.name_span, false, &pattern))
				goto fail;
			member.span = member.name_span;
			TM_VEC_PUSH(members, count, cap, member);
			if (!accept_tok(p, TM_TOK_COMMA) && !check(p, TM_TOK_RANGLE)) {
				tm_diag *d = expected(p, "',' or '>' in the member list");
				tm_diag_note(d, tok_span(p, open), "the member list starts here");
				goto fail;
			}
		}
		advance(p);
		decl->members = tm_arena_memdup(p->arena, members, count * sizeof(*members));
		decl->nmembers = count;
		free(members);
		goto tail;
	fail:
		free(members);
		return NULL;
	}
tail:
	return parse_tail(p, decl, false) ? decl : NULL;
}

/* flow = "flow" [ IDENT ":" ] path ( "->" | "<->" ) path [ label ] [ block ] */
static tm_decl *parse_flow(parser *p)
{
	tm_decl *decl = new_decl(p, TM_DECL_FLOW, p->previous);
	if (check(p, TM_TOK_IDENT) && p->next.kind == TM_TOK_COLON) {
		decl->id = copy_token(p, p->current);
		decl->id_start = p->current.start;
		decl->id_end = p->current.end;
		advance(p);
		advance(p);
	}
	tm_ref *ref = tm_arena_alloc(p->arena, sizeof(*ref));
	ref->kind = TM_REF_FLOW;
	decl->target = ref; /* early, so a flow cut short still tells its ends */
	tm_token first = p->current;
	bool pattern = false;
	if (!parse_path(p, &ref->name, &ref->name_span, false, &pattern))
		return NULL;
	if (!check(p, TM_TOK_ARROW) && !check(p, TM_TOK_BIARROW)) {
		tm_diag *d = expected(p, "'->' or '<->' after the flow's source");
		tm_diag_note(d, (tm_span){0},
		             "a flow is written: flow [id:] source -> destination \"label\" { ... }");
		return NULL;
	}
	ref->bidirectional = check(p, TM_TOK_BIARROW);
	advance(p);
	if (!parse_path(p, &ref->target, &ref->target_span, false, &pattern))
		return NULL;
	ref->span = (tm_span){p->src, first.start, p->previous.end};
	parse_label(p, decl);
	return parse_tail(p, decl, false) ? decl : NULL;
}

/* accept = "accept" finding_ref [ label ] [ block ] */
static tm_decl *parse_accept(parser *p)
{
	tm_decl *decl = new_decl(p, TM_DECL_ACCEPT, p->previous);
	tm_ref *ref = tm_arena_alloc(p->arena, sizeof(*ref));
	if (!check(p, TM_TOK_IDENT) && !(check(p, TM_TOK_PATTERN) && p->next.kind == TM_TOK_AT)) {
		tm_diag *d = expected(p, "the finding to accept (RULE@ELEMENT or a threat id)");
		tm_diag_note(d, (tm_span){0},
		             "for example: accept STRIDE-R-01@api \"reason\" { by victoria }");
		return NULL;
	}
	if (!parse_ref(p, ref))
		return NULL;
	decl->target = ref;
	parse_label(p, decl);
	return parse_tail(p, decl, false) ? decl : NULL;
}

/* model = "model" label [ block ];  use = "use" STRING;  include = "include" STRING */
static tm_decl *parse_string_statement(parser *p, tm_decl_kind kind)
{
	tm_decl *decl = new_decl(p, kind, p->previous);
	if (!check(p, TM_TOK_STRING) && !check(p, TM_TOK_TSTRING)) {
		const char *what = kind == TM_DECL_MODEL ? "the model's name in quotes"
		                   : kind == TM_DECL_USE ? "a pack name in quotes, like \"stride\""
		                                         : "a file path in quotes";
		tm_diag *d = expected(p, what);
		if (kind == TM_DECL_MODEL && check(p, TM_TOK_IDENT))
			tm_diag_note(d, (tm_span){0}, "a model has no id: write model \"Name\" { ... }");
		return NULL;
	}
	parse_label(p, decl);
	if (kind != TM_DECL_MODEL && check(p, TM_TOK_LBRACE)) {
		tm_diag_error(p->diags, tok_span(p, p->current), "'%s' takes no block: write only %s \"%s\"",
		              tm_decl_keywords[kind], tm_decl_keywords[kind], decl->label);
		p->panic = true;
		return NULL;
	}
	return parse_tail(p, decl, false) ? decl : NULL;
}

static void lose(parser *p, const char *name)
{
	TM_VEC_PUSH(p->lost, p->nlost, p->caplost, name);
}

/* statement = model | use | include | element | boundary | flow | accept */
static tm_decl *parse_statement(parser *p)
{
	tm_token keyword = p->current;
	tm_decl_kind kind = tm_decl_kind_of(tok_text(p, keyword), (size_t)tok_len(keyword));
	if (keyword.kind != TM_TOK_IDENT || kind == TM_DECL_COUNT) {
		tm_diag *d =
		    error_at(p, keyword, "expected %s, found %s",
		             "a statement (model, use, include, asset, actor, external, process, store, "
		             "boundary, flow, threat, mitigation, accept)");
		if (d && keyword.kind == TM_TOK_IDENT) {
			char word[64];
			snprintf(word, sizeof word, "%.*s", tok_len(keyword) > 63 ? 63 : tok_len(keyword),
			         tok_text(p, keyword));
			const char *suggestion = tm_suggest(word, tm_decl_keywords, TM_DECL_COUNT);
			if (suggestion)
				tm_diag_note(d, (tm_span){0}, "did you mean '%s'?", suggestion);
		}
		if (d && keyword.kind == TM_TOK_RBRACE)
			tm_diag_note(d, (tm_span){0}, "this '}' closes nothing");
		/* A misspelt keyword (`proces web`) still tells the id it meant
		 * to declare; a stray '}' declares nothing; anything else might
		 * have declared anything. */
		if (keyword.kind == TM_TOK_IDENT && p->next.kind == TM_TOK_IDENT)
			lose(p, copy_token(p, p->next));
		else if (keyword.kind != TM_TOK_RBRACE)
			p->unsound = true;
		advance(p);
		return NULL;
	}
	advance(p);
	tm_decl *decl;
	switch (kind) {
	case TM_DECL_MODEL:
	case TM_DECL_USE:
	case TM_DECL_INCLUDE: decl = parse_string_statement(p, kind); break;
	case TM_DECL_BOUNDARY: decl = parse_boundary(p); break;
	case TM_DECL_FLOW: decl = parse_flow(p); break;
	case TM_DECL_ACCEPT: decl = parse_accept(p); break;
	default: decl = parse_element(p, kind, NULL); break;
	}
	if (decl)
		decl->newlines = keyword.newlines;
	return decl;
}

/* Records what a statement a syntax error cut short would have declared
 * (tm_file.lost), or that it cannot be told (tm_file.unsound). */
static void lose_statement(parser *p, const tm_decl *decl)
{
	switch (decl->kind) {
	case TM_DECL_MODEL: lose(p, "model"); break;
	case TM_DECL_USE:
	case TM_DECL_INCLUDE: p->unsound = true; break;
	case TM_DECL_ACCEPT: break;
	case TM_DECL_MITIGATION:
		if (decl->id)
			lose(p, decl->id);
		break;
	case TM_DECL_FLOW:
		/* A flow is named by its ends as well as by its id. */
		if (decl->id)
			lose(p, decl->id);
		if (decl->target && decl->target->name && decl->target->target) {
			lose(p,
			     tm_arena_printf(p->arena, "%s->%s", decl->target->name, decl->target->target));
		} else {
			p->unsound = true;
		}
		break;
	default:
		if (decl->id)
			lose(p, decl->id);
		else
			p->unsound = true;
		break;
	}
}

/* A statement keyword the recovery skips: a declaration written inside
 * the broken statement (a child), or one it swallowed. */
static void lose_skipped(parser *p, tm_token tok)
{
	if (tok.kind != TM_TOK_IDENT || p->next.kind != TM_TOK_IDENT)
		return; /* an attribute named like a keyword, as `mitigation "..."` */
	tm_decl_kind kind = tm_decl_kind_of(tok_text(p, tok), (size_t)tok_len(tok));
	if (kind == TM_DECL_COUNT || kind == TM_DECL_ACCEPT)
		return;
	if (kind == TM_DECL_FLOW)
		p->unsound = true; /* its ends are further on */
	else
		lose(p, copy_token(p, p->next));
}

static bool at_line_start(const parser *p, tm_token tok)
{
	return tok.start == 0 || p->src->text[tok.start - 1] == '\n';
}

/* A word at the start of a line, outside brackets, that reads as a
 * statement with a misspelt keyword (`proces web`): recovery stops there
 * too, so that mistake is reported and not skipped with the broken
 * statement before it. */
static bool misspelt_statement(const parser *p, tm_token tok)
{
	if (tok.kind != TM_TOK_IDENT || tok.newlines == 0 || p->brackets > 0 ||
	    p->next.kind != TM_TOK_IDENT || tok_len(tok) > 16)
		return false;
	char word[17];
	snprintf(word, sizeof word, "%.*s", tok_len(tok), tok_text(p, tok));
	return tm_suggest(word, tm_decl_keywords, TM_DECL_COUNT) != NULL;
}

/* Skips to the next token that can start a statement: a keyword at the
 * start of a line, outside brackets, or any keyword in column 1 (so an
 * unclosed '{' does not swallow the rest of the file), or a misspelt one. */
static void synchronize(parser *p)
{
	p->panic = false;
	while (!check(p, TM_TOK_EOF)) {
		tm_token tok = p->current;
		if (misspelt_statement(p, tok))
			return;
		if (tok.kind == TM_TOK_IDENT && tok.newlines > 0 &&
		    tm_decl_kind_of(tok_text(p, tok), (size_t)tok_len(tok)) != TM_DECL_COUNT &&
		    (p->brackets <= 0 || at_line_start(p, tok))) {
			/* Inside brackets, a statement at the start of a line may
			 * have been a child the broken statement held. */
			if (p->brackets > 0)
				p->unsound = true;
			p->brackets = 0;
			return;
		}
		lose_skipped(p, tok);
		advance(p);
	}
}

size_t tm_parse_file(tm_file **out, tm_arena *arena, const tm_source *src, tm_diags *diags)
{
	parser p = {.arena = arena, .diags = diags, .src = src};
	size_t errors_before = diags->errors;
	tm_lex_init(&p.lex, src, diags);
	p.current = tm_lex_next(&p.lex);
	p.next = p.current.kind == TM_TOK_EOF ? p.current : tm_lex_next(&p.lex);

	tm_decl **decls = NULL;
	size_t count = 0, cap = 0;
	while (!check(&p, TM_TOK_EOF)) {
		if (accept_tok(&p, TM_TOK_SEMICOLON))
			continue;
		p.depth = 0;
		p.brackets = 0;
		p.statement = NULL;
		tm_decl *decl = parse_statement(&p);
		if (decl) {
			TM_VEC_PUSH(decls, count, cap, decl);
		}
		if (p.panic || !decl) {
			p.damaged = true;
			if (decl || p.statement)
				lose_statement(&p, decl ? decl : p.statement);
			synchronize(&p);
		}
	}
	tm_file *file = tm_arena_alloc(arena, sizeof(*file));
	file->src = src;
	file->decls = tm_arena_memdup(arena, decls, count * sizeof(*decls));
	file->ndecls = count;
	file->comments = tm_arena_memdup(arena, p.lex.comments, p.lex.ncomments * sizeof(tm_comment));
	file->ncomments = p.lex.ncomments;
	file->damaged = p.damaged;
	file->lost = tm_arena_memdup(arena, p.lost, p.nlost * sizeof(*p.lost));
	file->nlost = p.nlost;
	file->unsound = p.unsound;
	free(p.lost);
	free(decls);
	free(p.lex.comments);
	free(p.words);
	*out = file;
	return diags->errors - errors_before;
}
