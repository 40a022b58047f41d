/* The requests that read a document's analysis: completion, hover, go to
 * definition, find references and document symbols. Names are found in
 * the syntax tree the parser built (the occurrences below); completion,
 * which runs on text being typed, reads the lexer's tokens up to the
 * cursor instead. */
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/limits.h"
#include "base/xalloc.h"
#include "lang/ast.h"
#include "lang/lex.h"
#include "lsp/server.h"
#include "model/model.h"
#include "query/query.h"
#include "risk/risk.h"

/* LSP's CompletionItemKind and SymbolKind */
enum {
	ITEM_PROPERTY = 10,
	ITEM_VALUE = 12,
	ITEM_KEYWORD = 14,
	ITEM_REFERENCE = 18,
	ITEM_ENUM_MEMBER = 20,
};
enum {
	SYMBOL_MODULE = 2,
	SYMBOL_NAMESPACE = 3,
	SYMBOL_CLASS = 5,
	SYMBOL_FIELD = 8,
	SYMBOL_INTERFACE = 11,
	SYMBOL_FUNCTION = 12,
	SYMBOL_CONSTANT = 14,
	SYMBOL_OBJECT = 19,
	SYMBOL_KEY = 20,
	SYMBOL_STRUCT = 23,
	SYMBOL_EVENT = 24,
};

/* The vocabulary kind (TM_EL_ or TM_VK_) of a statement, or -1. */
static int vocab_kind(tm_decl_kind kind)
{
	switch (kind) {
	case TM_DECL_MODEL: return TM_VK_MODEL;
	case TM_DECL_ASSET: return TM_EL_ASSET;
	case TM_DECL_ACTOR: return TM_EL_ACTOR;
	case TM_DECL_EXTERNAL: return TM_EL_EXTERNAL;
	case TM_DECL_PROCESS: return TM_EL_PROCESS;
	case TM_DECL_STORE: return TM_EL_STORE;
	case TM_DECL_BOUNDARY: return TM_EL_BOUNDARY;
	case TM_DECL_FLOW: return TM_EL_FLOW;
	case TM_DECL_THREAT: return TM_VK_THREAT;
	case TM_DECL_MITIGATION: return TM_VK_MITIGATION;
	case TM_DECL_ACCEPT: return TM_VK_ACCEPT;
	default: return -1;
	}
}

/* ---- occurrences: every name a file writes ---- */

typedef enum occurrence_kind {
	OCC_ELEMENT,  /* an element's id: declared or referred to */
	OCC_FINDING,  /* a threat's id or a finding's (RULE@KEY) */
	OCC_ATTRIBUTE /* an attribute's name */
} occurrence_kind;

typedef struct occurrence {
	occurrence_kind kind;
	tm_span span;
	const char *name; /* element key, finding id or attribute name */
	bool declaration;
	const tm_decl *decl; /* the statement it is in */
} occurrence;

typedef struct walker {
	const tm_model *model;
	tm_arena *arena; /* for the names built here */
	void (*visit)(struct walker *w, const occurrence *occ);
	void *context;
} walker;

static void emit(walker *w, occurrence_kind kind, tm_span span, const char *name, bool declaration,
                 const tm_decl *decl)
{
	if (!name || !span.src)
		return;
	occurrence occ = {.kind = kind, .span = span, .name = name, .declaration = declaration, .decl = decl};
	w->visit(w, &occ);
}

static bool is_threat_id(const tm_model *model, const char *id)
{
	for (size_t i = 0; i < model->nthreats; i++)
		if (model->threats[i].id && strcmp(model->threats[i].id, id) == 0)
			return true;
	return false;
}

static void walk_ref(walker *w, const tm_ref *ref, const tm_decl *decl)
{
	if (!ref)
		return;
	if (ref->kind == TM_REF_FINDING && ref->rule && !ref->pattern) {
		const char *id =
		    ref->target ? tm_arena_printf(w->arena, "%s@%s->%s", ref->rule, ref->name, ref->target)
		                : tm_arena_printf(w->arena, "%s@%s", ref->rule, ref->name);
		emit(w, OCC_FINDING, ref->span, id, false, decl);
	}
	if (ref->kind == TM_REF_FINDING && ref->pattern)
		return;
	emit(w, OCC_ELEMENT, ref->name_span, ref->name, false, decl);
	if (ref->target)
		emit(w, OCC_ELEMENT, ref->target_span, ref->target, false, decl);
}

static void walk_block(walker *w, const tm_block *block, const tm_decl *decl, const char *prefix);

static void walk_value(walker *w, const tm_value *value, const tm_decl *decl, const char *attr)
{
	if (!value)
		return;
	const tm_source *src = decl->span.src;
	switch (value->kind) {
	case TM_VAL_IDENT:
		if (tm_model_get(w->model, value->text))
			emit(w, OCC_ELEMENT, tm_value_span(value, src), value->text, false, decl);
		else if ((attr && strcmp(attr, "mitigates") == 0) || is_threat_id(w->model, value->text))
			emit(w, OCC_FINDING, tm_value_span(value, src), value->text, false, decl);
		break;
	case TM_VAL_REF: walk_ref(w, value->ref, decl); break;
	case TM_VAL_LIST:
		for (uint32_t i = 0; i < value->nitems; i++)
			walk_value(w, value->items[i], decl, attr);
		break;
	case TM_VAL_BLOCK: walk_block(w, value->block, decl, NULL); break;
	default: break;
	}
}

static void walk_decl(walker *w, const tm_decl *decl, const char *prefix);

/* A block's attributes and (in a process) its children, whose ids are
 * `prefix.ID`. */
static void walk_block(walker *w, const tm_block *block, const tm_decl *decl, const char *prefix)
{
	for (size_t i = 0; block && i < block->count; i++) {
		const tm_block_item *item = &block->items[i];
		if (item->decl) {
			walk_decl(w, item->decl, prefix);
		} else if (item->attr && item->attr->name) {
			emit(w, OCC_ATTRIBUTE, tm_attr_name_span(item->attr, decl->span.src),
			     item->attr->name, false, decl);
			walk_value(w, item->attr->value, decl, item->attr->name);
		}
	}
}

static void walk_decl(walker *w, const tm_decl *decl, const char *prefix)
{
	if (!decl)
		return;
	const char *key = NULL;
	if (decl->id)
		key = prefix ? tm_arena_printf(w->arena, "%s.%s", prefix, decl->id) : decl->id;
	switch (decl->kind) {
	case TM_DECL_THREAT: emit(w, OCC_FINDING, tm_decl_id_span(decl), decl->id, true, decl); break;
	case TM_DECL_MITIGATION:
	case TM_DECL_MODEL:
	case TM_DECL_USE:
	case TM_DECL_INCLUDE: break;
	case TM_DECL_ACCEPT: walk_ref(w, decl->target, decl); break;
	default:
		emit(w, OCC_ELEMENT, tm_decl_id_span(decl), key, true, decl);
		if (decl->kind == TM_DECL_FLOW)
			walk_ref(w, decl->target, decl);
		for (uint32_t i = 0; decl->has_members && i < decl->nmembers; i++)
			walk_ref(w, &decl->members[i], decl);
		break;
	}
	walk_block(w, decl->block, decl, decl->kind == TM_DECL_PROCESS ? key : NULL);
}

static void walk_file(walker *w, const tm_file *file)
{
	for (size_t i = 0; i < file->ndecls; i++)
		walk_decl(w, file->decls[i], NULL);
}

/* ---- what is at a place ---- */

typedef struct finder {
	uint32_t offset;
	const tm_source *src;
	occurrence best; /* the narrowest occurrence around offset */
	bool found;
} finder;

static void find_visit(walker *w, const occurrence *occ)
{
	finder *f = w->context;
	if (occ->span.src != f->src || occ->span.start > f->offset || occ->span.end < f->offset)
		return;
	if (f->found && occ->span.end - occ->span.start > f->best.span.end - f->best.span.start)
		return;
	f->best = *occ;
	f->found = true;
}

/* The document's analysis of its present text, with a model built from
 * its file, or NULL. */
static const tm_session *analysis(const tm_lsp_document *doc)
{
	const tm_session *session = doc ? doc->current : NULL;
	if (!session || !session->model || session->model->nfiles == 0)
		return NULL;
	return session;
}

/* The occurrence at the request's position in the document. */
static bool occurrence_at(tm_lsp_server *server, const json_t *params, tm_lsp_document *doc,
                          const tm_session *session, tm_arena *arena, occurrence *out)
{
	uint32_t offset;
	if (!tm_lsp_offset(server, params, doc->text, doc->len, &offset))
		return false;
	const tm_file *file = session->model->files[0];
	finder f = {.offset = offset, .src = file->src};
	walker w = {.model = session->model, .arena = arena, .visit = find_visit, .context = &f};
	walk_file(&w, file);
	*out = f.best;
	return f.found;
}

static bool bad_document(tm_lsp_document *doc, int *error_code, const char **error_message)
{
	if (doc)
		return false;
	*error_code = -32602;
	*error_message = "textDocument is not an open document";
	return true;
}

/* Where an element is declared: its id, or its keyword for a flow without one. */
static tm_span declared_at(const tm_element *el)
{
	if (!el || !el->decl)
		return (tm_span){0};
	return el->decl->id ? tm_decl_id_span(el->decl) : tm_decl_keyword_span(el->decl);
}

static const tm_threat *find_threat(const tm_model *model, const char *id)
{
	for (size_t i = 0; i < model->nthreats; i++)
		if (model->threats[i].id && strcmp(model->threats[i].id, id) == 0)
			return &model->threats[i];
	return NULL;
}

/* The element a finding id's KEY names ("RULE@KEY"), or NULL. */
static const tm_element *finding_element(const tm_model *model, const char *id)
{
	const char *at = strchr(id, '@');
	return at ? tm_model_get(model, at + 1) : NULL;
}

json_t *tm_lsp_definition(tm_lsp_server *server, const json_t *params, int *error_code,
                          const char **error_message)
{
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	if (bad_document(doc, error_code, error_message))
		return NULL;
	const tm_session *session = analysis(doc);
	if (!session)
		return NULL;
	tm_arena *arena = tm_arena_new();
	occurrence occ;
	json_t *result = NULL;
	if (occurrence_at(server, params, doc, session, arena, &occ)) {
		tm_span span = {0};
		if (occ.kind == OCC_ELEMENT) {
			span = declared_at(tm_model_get(session->model, occ.name));
		} else if (occ.kind == OCC_FINDING) {
			const tm_threat *threat = find_threat(session->model, occ.name);
			if (threat && threat->decl)
				span = tm_decl_id_span(threat->decl);
			else
				span = declared_at(finding_element(session->model, occ.name));
		}
		result = tm_lsp_location(server, span);
	}
	tm_arena_free(arena);
	return result;
}

/* ---- references ---- */

typedef struct gatherer {
	tm_lsp_server *server;
	occurrence target;
	const tm_element *element; /* OCC_ELEMENT: what the target names */
	bool declarations;
	json_t *locations;
} gatherer;

static void gather_visit(walker *w, const occurrence *occ)
{
	gatherer *g = w->context;
	if (occ->kind != g->target.kind || (occ->declaration && !g->declarations))
		return;
	if (occ->kind == OCC_ELEMENT) {
		if (tm_model_get(w->model, occ->name) != g->element)
			return;
	} else if (strcmp(occ->name, g->target.name) != 0) {
		return;
	}
	json_t *location = tm_lsp_location(g->server, occ->span);
	if (location)
		json_array_append_new(g->locations, location);
}

json_t *tm_lsp_references(tm_lsp_server *server, const json_t *params, int *error_code,
                          const char **error_message)
{
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	if (bad_document(doc, error_code, error_message))
		return NULL;
	const tm_session *session = analysis(doc);
	if (!session)
		return NULL;
	tm_arena *arena = tm_arena_new();
	occurrence occ;
	json_t *result = NULL;
	if (occurrence_at(server, params, doc, session, arena, &occ) && occ.kind != OCC_ATTRIBUTE) {
		const json_t *include =
		    json_object_get(json_object_get(params, "context"), "includeDeclaration");
		gatherer g = {.server = server,
		              .target = occ,
		              .element = tm_model_get(session->model, occ.name),
		              .declarations = json_is_true(include),
		              .locations = json_array()};
		if (occ.kind == OCC_FINDING || g.element) {
			walker w = {
			    .model = session->model, .arena = arena, .visit = gather_visit, .context = &g};
			for (size_t i = 0; i < session->model->nfiles; i++)
				walk_file(&w, session->model->files[i]);
		}
		result = g.locations;
	}
	tm_arena_free(arena);
	return result;
}

/* ---- hover ---- */

/* Text in a Markdown code block, fenced by more backticks than it holds
 * in a row. */
static void fenced(tm_buf *out, const char *text)
{
	size_t longest = 0, run = 0;
	for (const char *p = text; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	size_t fence = longest < 3 ? 3 : longest + 1;
	tm_buf_fill(out, '`', fence);
	tm_buf_puts(out, "text\n");
	tm_buf_puts(out, text);
	if (out->len && out->data[out->len - 1] != '\n')
		tm_buf_putc(out, '\n');
	tm_buf_fill(out, '`', fence);
	tm_buf_putc(out, '\n');
}

/* What a query command (`show KEY`, `explain ID`) prints, or false. */
static bool query_text(tm_buf *out, const tm_session *session, const char *command, const char *arg)
{
	tm_buf line = TM_BUF_INIT;
	tm_buf_printf(&line, "%s %s", command, arg);
	tm_diags diags = {0};
	tm_query *query = NULL;
	bool ok = false;
	if (tm_query_parse(&query, tm_buf_str(&line), &diags) == 0) {
		tm_query_output output = {0};
		ok = tm_query_run(out, query, session, &output, &diags) == 0;
	}
	tm_diags_free(&diags);
	tm_query_free(query);
	tm_buf_free(&line);
	return ok;
}

/* A vocabulary entry in Markdown: its documentation, type, values, the
 * statements it applies to and who declares it. */
static void attribute_doc(tm_buf *out, const tm_attr_decl *decl)
{
	tm_buf_printf(out, "%s\n\n", decl->doc ? decl->doc : "");
	tm_buf_printf(out, "*type* %s", tm_attr_type_names[decl->type]);
	for (size_t i = 0; i < decl->nvalues; i++)
		tm_buf_printf(out, "%s`%s`", i ? ", " : ": ", decl->values[i]);
	tm_buf_puts(out, "  \n*on* ");
	bool first = true;
	for (int k = 0; k < TM_VK_COUNT; k++) {
		if (decl->kinds & (1u << k)) {
			tm_buf_printf(out, "%s%s", first ? "" : ", ", tm_vocab_kind_names[k]);
			first = false;
		}
	}
	tm_buf_puts(out, "  \n*declared by* ");
	for (size_t i = 0; i < decl->ndeclared_by; i++)
		tm_buf_printf(out, "%s%s", i ? ", " : "", decl->declared_by[i]);
	tm_buf_putc(out, '\n');
}

json_t *tm_lsp_hover(tm_lsp_server *server, const json_t *params, int *error_code, const char **error_message)
{
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	if (bad_document(doc, error_code, error_message))
		return NULL;
	const tm_session *session = analysis(doc);
	if (!session)
		return NULL;
	tm_arena *arena = tm_arena_new();
	occurrence occ;
	json_t *result = NULL;
	tm_buf text = TM_BUF_INIT, body = TM_BUF_INIT;
	if (occurrence_at(server, params, doc, session, arena, &occ)) {
		bool any = false;
		if (occ.kind == OCC_ELEMENT) {
			const tm_element *el = tm_model_get(session->model, occ.name);
			if (el && query_text(&body, session, "show", el->key)) {
				fenced(&text, tm_buf_str(&body));
				if (!session->rules)
					tm_buf_puts(&text, "\n*The rule packs run when typing pauses; their "
					                   "findings follow.*\n");
				any = true;
			}
		} else if (occ.kind == OCC_FINDING) {
			if (query_text(&body, session, "explain", occ.name)) {
				fenced(&text, tm_buf_str(&body));
				any = true;
			}
		} else {
			const tm_attr_decl *decl = tm_vocab_find(tm_lsp_vocab(server, doc), occ.name);
			if (decl) {
				tm_buf_printf(&text, "**%s** — ", decl->name);
				attribute_doc(&text, decl);
				any = true;
			}
		}
		if (any) {
			result = json_pack("{s:{s:s,s:o},s:o}", "contents", "kind", "markdown", "value",
			                   tm_lsp_stringn(tm_buf_str(&text), text.len), "range",
			                   tm_lsp_span_range(server, occ.span));
		}
	}
	tm_buf_free(&text);
	tm_buf_free(&body);
	tm_arena_free(arena);
	return result;
}

/* ---- document symbols ---- */

static int symbol_kind(tm_decl_kind kind)
{
	switch (kind) {
	case TM_DECL_MODEL: return SYMBOL_MODULE;
	case TM_DECL_ASSET: return SYMBOL_CONSTANT;
	case TM_DECL_ACTOR: return SYMBOL_OBJECT;
	case TM_DECL_EXTERNAL: return SYMBOL_INTERFACE;
	case TM_DECL_PROCESS: return SYMBOL_FUNCTION;
	case TM_DECL_STORE: return SYMBOL_STRUCT;
	case TM_DECL_BOUNDARY: return SYMBOL_NAMESPACE;
	case TM_DECL_FLOW: return SYMBOL_EVENT;
	case TM_DECL_THREAT: return SYMBOL_KEY;
	case TM_DECL_MITIGATION: return SYMBOL_CLASS;
	default: return SYMBOL_FIELD;
	}
}

static json_t *symbol_of_decl(tm_lsp_server *server, const tm_decl *decl, const tm_element *el,
                              unsigned depth);

/* A boundary's members declared in the same file, as its children. */
static void boundary_children(tm_lsp_server *server, json_t *children, const tm_element *boundary,
                              unsigned depth)
{
	for (uint32_t i = 0; i < boundary->nmembers; i++) {
		const tm_element *member = boundary->members[i];
		if (member->decl && member->decl->span.src == boundary->decl->span.src && !member->parent)
			json_array_append_new(children,
			                      symbol_of_decl(server, member->decl, member, depth + 1));
	}
}

static const tm_element *element_of_decl(const tm_model *model, const tm_decl *decl)
{
	for (size_t i = 0; i < model->nelements; i++)
		if (model->elements[i]->decl == decl)
			return model->elements[i];
	return NULL;
}

static json_t *symbol_of_decl(tm_lsp_server *server, const tm_decl *decl, const tm_element *el,
                              unsigned depth)
{
	tm_buf name = TM_BUF_INIT;
	if (decl->kind == TM_DECL_MODEL)
		tm_buf_printf(&name, "model %s", decl->label ? decl->label : "");
	else if (decl->id)
		tm_buf_puts(&name, decl->id);
	else if (el && el->key)
		tm_buf_puts(&name, el->key);
	else if (decl->target && decl->target->name)
		tm_buf_printf(&name, "%s %s%s%s", tm_decl_keywords[decl->kind],
		              decl->target->rule ? decl->target->rule : "", decl->target->rule ? "@" : "",
		              decl->target->name);
	else
		tm_buf_puts(&name, tm_decl_keywords[decl->kind]);
	tm_span select = decl->id ? tm_decl_id_span(decl) : tm_decl_keyword_span(decl);
	json_t *symbol =
	    json_pack("{s:o,s:i,s:o,s:o}", "name", tm_lsp_stringn(tm_buf_str(&name), name.len), "kind",
	              symbol_kind(decl->kind), "range", tm_lsp_span_range(server, decl->span),
	              "selectionRange", tm_lsp_span_range(server, select));
	tm_buf_free(&name);
	const char *detail = decl->kind == TM_DECL_MODEL ? NULL : decl->label;
	if (detail)
		json_object_set_new(symbol, "detail", tm_lsp_string(detail));
	/* a model with errors may have boundaries inside each other */
	if (depth >= TM_LSP_MAX_SYMBOL_DEPTH)
		return symbol;
	json_t *children = json_array();
	for (size_t i = 0; decl->block && i < decl->block->count; i++) {
		const tm_decl *child = decl->block->items[i].decl;
		if (child) {
			const tm_element *child_el = NULL;
			for (uint32_t c = 0; el && c < el->nchildren; c++)
				if (el->children[c]->decl == child)
					child_el = el->children[c];
			json_array_append_new(children, symbol_of_decl(server, child, child_el, depth + 1));
		}
	}
	if (el && el->kind == TM_EL_BOUNDARY)
		boundary_children(server, children, el, depth);
	if (json_array_size(children))
		json_object_set(symbol, "children", children);
	json_decref(children);
	return symbol;
}

json_t *tm_lsp_document_symbols(tm_lsp_server *server, const json_t *params, int *error_code,
                                const char **error_message)
{
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	if (bad_document(doc, error_code, error_message))
		return NULL;
	const tm_session *session = analysis(doc);
	if (!session)
		return json_array();
	const tm_model *model = session->model;
	const tm_file *file = model->files[0];
	json_t *symbols = json_array();
	for (size_t i = 0; i < file->ndecls; i++) {
		const tm_decl *decl = file->decls[i];
		if (!decl || decl->kind == TM_DECL_USE || decl->kind == TM_DECL_INCLUDE)
			continue;
		const tm_element *el = element_of_decl(model, decl);
		/* an element inside a boundary of this file is listed under it */
		bool nested = false;
		if (el && el->kind == TM_EL_BOUNDARY && el->outer && el->outer->decl &&
		    el->outer->decl->span.src == file->src)
			nested = true;
		if (el && el->kind != TM_EL_BOUNDARY && el->kind != TM_EL_FLOW) {
			for (uint32_t b = 0; b < el->nboundaries && !nested; b++) {
				const tm_element *boundary = el->boundaries[b];
				for (uint32_t m = 0; m < boundary->nmembers && !nested; m++)
					nested = boundary->members[m] == el && boundary->decl &&
					         boundary->decl->span.src == file->src;
			}
		}
		if (!nested)
			json_array_append_new(symbols, symbol_of_decl(server, decl, el, 0));
	}
	return symbols;
}

/* ---- completion ---- */

/* What the cursor is in, found from the tokens before it. */
typedef struct context {
	int block_kind;    /* the vocabulary kind of the statement whose block holds the cursor; -1: none */
	const char *attr;  /* the attribute whose value the cursor is in (or its block or list) */
	bool item_start;   /* a new statement (top level) or attribute (block) starts at the cursor */
	bool top_level;    /* outside any block */
	bool factor_block; /* inside `likelihood { }` or `impact { }` */
	const char *factor_attr; /* which of the two */
	int header;              /* the statement whose header holds the cursor (a tm_decl_kind), or -1 */
	bool members;            /* in a boundary's < > */
	bool quoted;             /* in a string or a comment: nothing to complete */
	uint32_t word_start;
} context;

enum { MAX_FRAMES = 64 };

typedef struct frame {
	char type;        /* '{' a statement's block, 'v' an attribute's block, '[' a list, '<' members */
	int kind;         /* '{': the statement's vocabulary kind */
	const char *attr; /* 'v', '[': the attribute */
} frame;

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-' || c == '.' || c == '*' || c == '@';
}

static void find_context(const tm_lsp_document *doc, uint32_t offset, tm_arena *arena, context *cx)
{
	uint32_t word_start = offset;
	while (word_start > 0 && is_word_char(doc->text[word_start - 1]))
		word_start--;
	*cx = (context){.block_kind = -1, .header = -1, .word_start = word_start};
	tm_source *src = tm_source_from_text(arena, "completion", doc->text, word_start);
	tm_diags diags = {0};
	tm_lexer lex;
	tm_lex_init(&lex, src, &diags);
	frame frames[MAX_FRAMES];
	size_t depth = 0, overflow = 0;
	bool start = true; /* the next token starts an item */
	const char *attr = NULL;
	int header = -1, pending_block = -1;
	for (;;) {
		tm_token tok = tm_lex_next(&lex);
		if (tok.kind == TM_TOK_EOF)
			break;
		/* a string still open where the text is cut (at the word) */
		if ((tok.kind == TM_TOK_STRING || tok.kind == TM_TOK_TSTRING || tok.kind == TM_TOK_ERROR) &&
		    tok.end >= word_start && src->text[tok.start] == '"')
			cx->quoted = true;
		bool item = start || tok.newlines > 0;
		start = false;
		frame *top = depth ? &frames[depth - 1] : NULL;
		bool in_block = !top || top->type == '{' || top->type == 'v';
		const char *text = src->text + tok.start;
		size_t len = tok.end - tok.start;
		switch (tok.kind) {
		case TM_TOK_IDENT:
			if (item && in_block) {
				tm_decl_kind kind = tm_decl_kind_of(text, len);
				bool child = top && top->type == '{' && top->kind == TM_EL_PROCESS &&
				             (kind == TM_DECL_PROCESS || kind == TM_DECL_STORE);
				if ((!top && kind != TM_DECL_COUNT) || child) {
					header = (int)kind;
					pending_block = vocab_kind(kind);
					attr = NULL;
				} else if (top) {
					attr = tm_arena_strndup(arena, text, len);
					header = -1;
					pending_block = -1;
				}
			}
			break;
		case TM_TOK_LBRACE:
			if (depth == MAX_FRAMES) {
				overflow++;
				break;
			}
			if (pending_block >= 0 || header >= 0)
				frames[depth++] = (frame){.type = '{', .kind = pending_block};
			else
				frames[depth++] = (frame){.type = 'v', .kind = -1, .attr = attr};
			header = pending_block = -1;
			attr = NULL;
			start = true;
			break;
		case TM_TOK_LBRACKET:
		case TM_TOK_LANGLE:
			if (depth == MAX_FRAMES) {
				overflow++;
				break;
			}
			frames[depth++] =
			    (frame){.type = tok.kind == TM_TOK_LBRACKET ? '[' : '<', .attr = attr};
			break;
		case TM_TOK_RBRACE:
		case TM_TOK_RBRACKET:
		case TM_TOK_RANGLE:
			if (overflow)
				overflow--;
			else if (depth)
				depth--;
			if (tok.kind == TM_TOK_RBRACE) {
				attr = NULL;
				header = -1;
			}
			break;
		case TM_TOK_SEMICOLON: start = true; break;
		default: break;
		}
	}
	/* a comment that runs up to the word */
	if (lex.ncomments && lex.comments[lex.ncomments - 1].end >= word_start)
		cx->quoted = true;
	free(lex.comments);
	tm_diags_free(&diags);
	/* whether a line break (or a `{` or `;`) comes between the last token and the word */
	bool fresh_line = start;
	for (uint32_t i = word_start; i > 0 && !fresh_line; i--) {
		char c = doc->text[i - 1];
		if (c == '\n')
			fresh_line = true;
		else if (c != ' ' && c != '\t' && c != '\r')
			break;
	}
	frame *top = depth ? &frames[depth - 1] : NULL;
	cx->top_level = !top;
	cx->item_start = fresh_line && (!top || top->type == '{' || top->type == 'v');
	for (size_t i = depth; i > 0; i--)
		if (frames[i - 1].type == '{') {
			cx->block_kind = frames[i - 1].kind;
			break;
		}
	if (top && top->type == 'v' && top->attr &&
	    (strcmp(top->attr, "likelihood") == 0 || strcmp(top->attr, "impact") == 0)) {
		cx->factor_block = true;
		cx->factor_attr = top->attr;
	}
	if (top && top->type == '[')
		cx->attr = top->attr;
	else if (!cx->item_start)
		cx->attr = attr;
	cx->members = top && top->type == '<';
	cx->header = cx->item_start ? -1 : header;
	if (cx->members)
		cx->header = TM_DECL_BOUNDARY;
}

typedef struct completion {
	tm_lsp_server *server;
	const tm_lsp_document *doc;
	json_t *items;
	json_t *range; /* the word being typed */
} completion;

static void add_item(completion *c, const char *label, int kind, const char *detail, const char *doc_markdown)
{
	json_t *item = json_pack("{s:o,s:i,s:{s:O,s:o}}", "label", tm_lsp_string(label), "kind", kind,
	                         "textEdit", "range", c->range, "newText", tm_lsp_string(label));
	if (detail)
		json_object_set_new(item, "detail", tm_lsp_string(detail));
	if (doc_markdown)
		json_object_set_new(
		    item, "documentation",
		    json_pack("{s:s,s:o}", "kind", "markdown", "value", tm_lsp_string(doc_markdown)));
	json_array_append_new(c->items, item);
}

static void add_keywords(completion *c)
{
	for (int k = 0; k < TM_DECL_COUNT; k++)
		add_item(c, tm_decl_keywords[k], ITEM_KEYWORD, "statement", NULL);
}

static void add_attributes(completion *c, int kind)
{
	const tm_vocab *vocab = tm_lsp_vocab(c->server, c->doc);
	tm_buf doc = TM_BUF_INIT;
	for (size_t i = 0; i < tm_vocab_count(vocab); i++) {
		const tm_attr_decl *decl = tm_vocab_get(vocab, i);
		if (!(decl->kinds & (1u << kind)))
			continue;
		tm_buf_clear(&doc);
		attribute_doc(&doc, decl);
		add_item(c, decl->name, ITEM_PROPERTY, tm_attr_type_names[decl->type], tm_buf_str(&doc));
	}
	tm_buf_free(&doc);
	if (kind == TM_EL_PROCESS) {
		add_item(c, "process", ITEM_KEYWORD, "a child process", NULL);
		add_item(c, "store", ITEM_KEYWORD, "a child store", NULL);
	}
}

/* The model to take ids from: the present text's when it resolved, else
 * the last one the packs ran on. */
static const tm_model *id_model(const tm_lsp_document *doc)
{
	if (doc->current && doc->current->model && doc->current->model->index)
		return doc->current->model;
	if (doc->checked && doc->checked->model && doc->checked->model->index)
		return doc->checked->model;
	return NULL;
}

static void add_elements(completion *c, unsigned kinds)
{
	const tm_model *model = id_model(c->doc);
	for (size_t i = 0; model && i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->id && (kinds & (1u << el->kind)))
			add_item(c, el->id, ITEM_REFERENCE, tm_element_kind_names[el->kind],
			         el->label && strcmp(el->label, el->id) != 0 ? el->label : NULL);
	}
}

static void add_findings(completion *c)
{
	const tm_lsp_document *doc = c->doc;
	const tm_session *session = doc->current && doc->current->rules ? doc->current : doc->checked;
	const tm_model *model = id_model(doc);
	for (size_t i = 0; model && i < model->nthreats; i++)
		if (model->threats[i].id)
			add_item(c, model->threats[i].id, ITEM_VALUE, "threat", model->threats[i].title);
	for (size_t i = 0; session && i < session->findings.count; i++) {
		const tm_finding *f = &session->findings.items[i];
		if (strchr(f->id, '@'))
			add_item(c, f->id, ITEM_VALUE, tm_risk_names[f->risk], f->about->title);
	}
}

json_t *tm_lsp_completion(tm_lsp_server *server, const json_t *params, int *error_code,
                          const char **error_message)
{
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	if (bad_document(doc, error_code, error_message))
		return NULL;
	uint32_t offset;
	if (!tm_lsp_offset(server, params, doc->text, doc->len, &offset)) {
		*error_code = -32602;
		*error_message = "completion wants a position";
		return NULL;
	}
	tm_arena *arena = tm_arena_new();
	context cx;
	find_context(doc, offset, arena, &cx);
	completion c = {.server = server,
	                .doc = doc,
	                .items = json_array(),
	                .range = tm_lsp_range(server, doc->text, doc->len, cx.word_start, offset)};
	const unsigned nodes = (1u << TM_EL_EXTERNAL) | (1u << TM_EL_PROCESS) | (1u << TM_EL_STORE);
	if (cx.quoted) {
		/* inside a string or a comment */
	} else if (cx.top_level && cx.item_start) {
		add_keywords(&c);
	} else if (cx.factor_block && cx.item_start) {
		bool impact = strcmp(cx.factor_attr, "impact") == 0;
		for (int i = 0; !impact && i < TM_LF_COUNT; i++)
			add_item(&c, tm_likelihood_factor_names[i], ITEM_PROPERTY,
			         "likelihood factor, 1 to 3", NULL);
		for (int i = 0; impact && i < TM_IF_COUNT; i++)
			add_item(&c, tm_impact_factor_names[i], ITEM_PROPERTY, "impact factor, 1 to 3", NULL);
	} else if (cx.block_kind >= 0 && cx.item_start) {
		add_attributes(&c, cx.block_kind);
	} else if (cx.header == TM_DECL_ACCEPT) {
		add_findings(&c);
	} else if (cx.header == TM_DECL_FLOW) {
		add_elements(&c, nodes);
	} else if (cx.members) {
		add_elements(&c, nodes | (1u << TM_EL_BOUNDARY));
	} else if (cx.attr && cx.block_kind >= 0) {
		const tm_attr_decl *decl = tm_vocab_find(tm_lsp_vocab(server, doc), cx.attr);
		if (strcmp(cx.attr, "mitigates") == 0) {
			add_findings(&c);
		} else if (decl && decl->type == TM_AT_ENUM) {
			for (size_t i = 0; i < decl->nvalues; i++)
				add_item(&c, decl->values[i], ITEM_ENUM_MEMBER, decl->name, NULL);
		} else if (decl && (decl->type == TM_AT_BOOL || decl->type == TM_AT_CONTROL)) {
			add_item(&c, "true", ITEM_VALUE, decl->name, NULL);
			add_item(&c, "false", ITEM_VALUE, decl->name, NULL);
		} else if (decl && decl->type == TM_AT_IDS) {
			add_elements(&c, 1u << TM_EL_ASSET);
		} else if (decl && decl->type == TM_AT_REFERENCE) {
			add_elements(&c, nodes);
		}
	}
	json_decref(c.range);
	tm_arena_free(arena);
	return json_pack("{s:b,s:o}", "isIncomplete", 0, "items", c.items);
}
