/* Resolution (SPEC §1.3): the ASTs of all files become one model. Passes,
 * each linear in the size of the model:
 *   1. collect: elements (children get dotted ids), meta, uses, threats,
 *      mitigations, acceptances; duplicate ids and flow keys
 *   2. flows: endpoints, inflows/outflows, the endpoint-pair index
 *   3. boundaries: members, nesting, each element's chain, crossings
 *   4. exposure: how far requests from external entities reach, at Level 0
 *   5. attributes: type checks, in_scope, assets, pii, sensitivity
 *   6. threats, mitigations, acceptances: references and value checks
 * Every error is reported and resolution goes on; nothing here assumes the
 * parser filled a field, since a statement may be partial after an error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/xalloc.h"
#include "base/strmap.h"
#include "model/exposure.h"
#include "model/resolve.h"

#define NODE_KINDS        ((1u << TM_EL_EXTERNAL) | (1u << TM_EL_PROCESS) | (1u << TM_EL_STORE))
#define ALL_KINDS         ((1u << TM_EL_COUNT) - 1)
#define THREAT_CANDIDATES (1u << 31) /* pseudo-kind: the threat ids */

static const char *const model_status_names[] = {"draft", "reviewed", "approved"};
static const char *const bool_attrs[] = {"in_scope", "pii", "tls", "encrypted"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A boundary listing an element directly: both by index in
 * model->elements, so that the hundred thousand listings of a large model
 * take 24 bytes each. */
typedef struct listing {
	tm_span span;
	uint32_t element, boundary;
} listing;

typedef struct candidates {
	unsigned mask;
	const char **items;
	size_t count;
} candidates;

typedef struct resolver {
	tm_model *m;
	tm_diags *diags;
	tm_arena *arena;
	tm_strmap *ids;        /* every declared id -> its tm_decl (for "first defined here") */
	tm_strmap *pairs;      /* "SRC->DST" of resolved endpoints -> flow, or &ambiguous */
	tm_strmap *threat_ids; /* threat id -> tm_threat */
	tm_strmap *lost; /* what statements cut short by a syntax error declared (tm_file.lost), or NULL */
	tm_element **elements; /* heap vector, copied to the arena when complete */
	size_t capelements;
	const tm_source *line_src; /* line_of's cursor */
	uint32_t line_offset, line;
	candidates cands[8];
	size_t ncands;
	const tm_decl **threat_decls, **mitigation_decls, **accept_decls;
	size_t nthreat_decls, nmitigation_decls, naccept_decls;
	/* per element, by index */
	tm_span *outer_span; /* boundary: the member entry that put it in its outer */
	int *depth;          /* boundary: how many boundaries contain it */
	tm_element ***chain; /* boundary: itself, then its outers */
} resolver;

static char ambiguous; /* marks a pair of endpoints that several flows share */

static tm_span no_span(void)
{
	return (tm_span){0};
}

static const char *value_text(const tm_value *value)
{
	if (value && (value->kind == TM_VAL_IDENT || value->kind == TM_VAL_STRING) && value->text)
		return value->text;
	return NULL;
}

static const tm_attr *block_attr(const tm_block *block, const char *name)
{
	return tm_block_get(block, name);
}

/* ---- suggestions ---- */

static const candidates *get_candidates(resolver *r, unsigned mask)
{
	for (size_t i = 0; i < r->ncands; i++)
		if (r->cands[i].mask == mask)
			return &r->cands[i];
	if (r->ncands == COUNT(r->cands))
		r->ncands = 0; /* a handful of masks exist; recycling is only a safety net */
	candidates *c = &r->cands[r->ncands++];
	c->mask = mask;
	c->count = 0;
	if (mask == THREAT_CANDIDATES) {
		c->items = tm_arena_alloc(r->arena, sizeof(*c->items) * (r->m->nthreats + 1));
		for (size_t i = 0; i < r->m->nthreats; i++)
			if (r->m->threats[i].id)
				c->items[c->count++] = r->m->threats[i].id;
		return c;
	}
	c->items = tm_arena_alloc(r->arena, sizeof(*c->items) * (r->m->nelements + 1));
	for (size_t i = 0; i < r->m->nelements; i++) {
		const tm_element *el = r->m->elements[i];
		if (el->id && (mask & (1u << el->kind)))
			c->items[c->count++] = el->id;
	}
	return c;
}

static void suggest(resolver *r, tm_diag *d, const char *name, unsigned mask)
{
	if (!d || !name)
		return; /* past the error cap: do not pay for a suggestion nobody sees */
	const candidates *c = get_candidates(r, mask);
	const char *best = tm_suggest(name, c->items, c->count);
	if (best)
		tm_diag_note(d, no_span(), "did you mean '%s'?", best);
}

static void suggest_from(tm_diag *d, const char *name, const char *const *names, size_t count)
{
	if (!d || !name)
		return;
	const char *best = tm_suggest(name, names, count);
	if (best)
		tm_diag_note(d, no_span(), "did you mean '%s'?", best);
}

/* ---- lookups ---- */

/* Whether a name is (or lies inside) one a statement cut short by a syntax
 * error declared: a reference to it is not reported, since the syntax
 * error already was. */
static bool lost_name(const resolver *r, const char *name)
{
	if (!r->lost || !name)
		return false;
	if (tm_strmap_get(r->lost, name))
		return true;
	const char *dot = strchr(name, '.');
	if (!dot)
		return false;
	char top[256];
	size_t len = (size_t)(dot - name);
	if (len >= sizeof top)
		return false;
	memcpy(top, name, len);
	top[len] = '\0';
	return tm_strmap_get(r->lost, top) != NULL;
}

/* The element (or named flow) `name`, or NULL after an error. */
static tm_element *lookup_element(resolver *r, const char *name, tm_span span, unsigned mask)
{
	if (!name)
		return NULL;
	tm_element *el = tm_strmap_get(r->m->index, name);
	if (el)
		return el; /* the caller checks the kind; mask only narrows the suggestions */
	if (lost_name(r, name))
		return NULL;
	tm_diag *d = tm_diag_error(r->diags, span, "unknown element '%s'", name);
	suggest(r, d, name, mask);
	return NULL;
}

/* a + sep + b in the arena: cheaper than a printf for the many ids and keys. */
static char *join(tm_arena *arena, const char *a, const char *sep, const char *b)
{
	size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
	char *out = tm_arena_alloc(arena, la + ls + lb + 1);
	memcpy(out, a, la);
	memcpy(out + la, sep, ls);
	memcpy(out + la + ls, b, lb);
	return out;
}

static const char *arrow(bool bidirectional)
{
	return bidirectional ? "<->" : "->";
}

/* Named flows by their endpoints (unnamed ones are found by their key),
 * built on the first reference that needs it: few models have any. */
static void index_pairs(resolver *r)
{
	r->pairs = tm_strmap_new(16);
	for (size_t i = 0; i < r->m->nelements; i++) {
		tm_element *flow = r->m->elements[i];
		if (flow->kind != TM_EL_FLOW || !flow->id || !flow->source)
			continue;
		const char *pair = join(r->arena, flow->source->id, "->", flow->target->id);
		if (tm_strmap_add(r->pairs, pair, flow))
			tm_strmap_set(r->pairs, pair, &ambiguous);
	}
}

/* The flow a `a -> b` reference names: the unnamed flow with that key, or
 * the one flow between those endpoints (it may have an id, or run both
 * ways and be written the other way round). NULL after an error. */
static tm_element *lookup_flow(resolver *r, const tm_ref *ref)
{
	if (!ref->name || !ref->target)
		return NULL;
	/* Names are full dotted ids, so "name->target" is both the key of an
	 * unnamed flow and the pair of endpoints of a named one. */
	char *key = join(r->arena, ref->name, "->", ref->target);
	tm_element *flow = tm_strmap_get(r->m->index, key);
	if (flow && flow->kind == TM_EL_FLOW)
		return flow;
	tm_element *from = lookup_element(r, ref->name, ref->name_span, NODE_KINDS);
	tm_element *to = lookup_element(r, ref->target, ref->target_span, NODE_KINDS);
	if (!from || !to)
		return NULL;
	if (!r->pairs)
		index_pairs(r);
	void *found = tm_strmap_get(r->pairs, key);
	if (!found) {
		char *back_key = join(r->arena, ref->target, "->", ref->name);
		void *back = tm_strmap_get(r->m->index, back_key);
		if (!back || ((tm_element *)back)->kind != TM_EL_FLOW)
			back = tm_strmap_get(r->pairs, back_key);
		if (back == &ambiguous ||
		    (back && (ref->bidirectional || ((tm_element *)back)->bidirectional)))
			found = back;
	}
	if (found == &ambiguous) {
		tm_diag *d = tm_diag_error(r->diags, tm_span_join(ref->name_span, ref->target_span),
		                           "several flows run between %s and %s", from->id, to->id);
		tm_buf ids = TM_BUF_INIT;
		size_t shown = 0;
		for (size_t k = 0; k < from->noutflows && shown < 5; k++) {
			const tm_element *f = from->outflows[k];
			bool joins =
			    (f->source == from && f->target == to) || (f->source == to && f->target == from);
			if (joins && f->id)
				tm_buf_printf(&ids, "%s%s", shown++ ? ", " : "", f->id);
		}
		if (shown)
			tm_diag_note(d, no_span(), "name one by its id: %s", tm_buf_str(&ids));
		else
			tm_diag_note(d, no_span(), "give them ids (`flow name: %s -> %s`) and name one",
			             from->id, to->id);
		tm_buf_free(&ids);
		return NULL;
	}
	tm_span span = tm_span_join(ref->name_span, ref->target_span);
	if (!found) {
		if (r->lost && (tm_strmap_get(r->lost, key) ||
		                tm_strmap_get(r->lost, join(r->arena, ref->target, "->", ref->name))))
			return NULL;
		tm_diag *d = tm_diag_error(r->diags, span, "no flow %s %s %s", from->id,
		                           arrow(ref->bidirectional), to->id);
		tm_diag_note(d, no_span(),
		             "declare it with `flow %s -> %s`, or name an existing flow by its id", from->id,
		             to->id);
		return NULL;
	}
	return found;
}

/* An element or flow a reference names (`on`, `RULE@x`), or NULL. */
static tm_element *lookup_ref(resolver *r, const tm_ref *ref)
{
	if (ref->target)
		return lookup_flow(r, ref);
	return lookup_element(r, ref->name, ref->name_span, ALL_KINDS);
}

/* ---- pass 1: collect ---- */

static void duplicate(resolver *r, const char *id, const tm_decl *decl, const tm_decl *first)
{
	tm_diag *d = tm_diag_error(r->diags, tm_decl_id_span(decl), "duplicate id '%s'", id);
	tm_diag_note(d, tm_decl_id_span(first), "first defined here");
}

/* Elements live in model->index, threats and mitigations in r->ids; an id
 * is unique across both. */
static void register_element(resolver *r, tm_element *el)
{
	const tm_element *first = tm_strmap_add(r->m->index, el->id, el);
	const tm_decl *other = first ? first->decl : tm_strmap_get(r->ids, el->id);
	if (other)
		duplicate(r, el->id, el->decl, other);
}

static void register_statement(resolver *r, const tm_decl *decl)
{
	const tm_element *el = tm_strmap_get(r->m->index, decl->id);
	const tm_decl *first = tm_strmap_add(r->ids, decl->id, (void *)decl);
	if (el || first)
		duplicate(r, decl->id, decl, el ? el->decl : first);
}

/* Line of a declaration. Declarations come in source order, so counting
 * newlines from the previous one keeps this linear. */
static uint32_t line_of(resolver *r, const tm_decl *decl)
{
	if (!decl->span.src)
		return 0;
	uint32_t offset = decl->span.start;
	if (decl->span.src != r->line_src) {
		r->line_src = decl->span.src;
		r->line_offset = 0;
		r->line = 1;
	}
	if (offset < r->line_offset || offset > decl->span.src->len) {
		uint32_t column;
		tm_source_position(decl->span.src, offset, &r->line, &column);
	} else {
		const char *p = decl->span.src->text + r->line_offset, *end = decl->span.src->text + offset;
		while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			r->line++;
			p++;
		}
	}
	r->line_src = decl->span.src;
	r->line_offset = offset;
	return r->line;
}

static tm_element_kind element_kind(tm_decl_kind kind)
{
	switch (kind) {
	case TM_DECL_ASSET: return TM_EL_ASSET;
	case TM_DECL_ACTOR: return TM_EL_ACTOR;
	case TM_DECL_EXTERNAL: return TM_EL_EXTERNAL;
	case TM_DECL_PROCESS: return TM_EL_PROCESS;
	case TM_DECL_STORE: return TM_EL_STORE;
	case TM_DECL_BOUNDARY: return TM_EL_BOUNDARY;
	default: return TM_EL_FLOW;
	}
}

static int32_t date_attr(resolver *r, const tm_block *block, const char *name)
{
	const tm_attr *attr = block_attr(block, name);
	if (!attr || !attr->value)
		return INT32_MIN;
	if (attr->value->kind != TM_VAL_DATE) {
		tm_diag_error(r->diags, tm_value_span(attr->value, block->span.src),
		              "%s must be a date (YYYY-MM-DD)", name);
		return INT32_MIN;
	}
	return attr->value->date;
}

/* The index of the identifier `name` holds in names[], or -1 after an
 * error with a suggestion. */
static int keyword_attr(resolver *r, const tm_source *src, const tm_attr *attr, const char *const *names,
                        size_t count, const char *expect)
{
	const char *text =
	    attr && attr->value && attr->value->kind == TM_VAL_IDENT ? attr->value->text : NULL;
	if (text)
		for (size_t i = 0; i < count; i++)
			if (strcmp(text, names[i]) == 0)
				return (int)i;
	if (attr && attr->value) {
		tm_diag *d = tm_diag_error(r->diags, tm_value_span(attr->value, src), "%s must be %s",
		                           attr->name, expect);
		suggest_from(d, value_text(attr->value), names, count);
	}
	return -1;
}

static tm_sensitivity sensitivity_value(resolver *r, const tm_source *src, const tm_attr *attr)
{
	int i = keyword_attr(r, src, attr, tm_sensitivity_names + 1, 4, "low, medium, high or critical");
	return i < 0 ? TM_SENS_NONE : (tm_sensitivity)(i + 1);
}

/* Reads the attributes every element kind shares, in the one pass over
 * the block that also finds the children (the AST is large, and each
 * extra pass over it costs cache misses). */
static void element_attrs(resolver *r, tm_element *el, size_t *nchildren)
{
	const tm_block *block = el->decl->block;
	const char *list = el->kind == TM_EL_STORE                                   ? "stores"
	                   : el->kind == TM_EL_FLOW                                  ? "data"
	                   : el->kind == TM_EL_PROCESS || el->kind == TM_EL_EXTERNAL ? "handles"
	                                                                             : NULL;
	bool own_scope = true;
	for (size_t i = 0; block && i < block->count; i++) {
		if (block->items[i].decl)
			(*nchildren)++;
		const tm_attr *attr = block->items[i].attr;
		if (!attr || !attr->name || !attr->value)
			continue;
		const char *name = attr->name;
		if (list && strcmp(name, list) == 0) {
			el->assets_at = (uint32_t)i + 1;
		} else if (strcmp(name, "zone") == 0) {
			if (attr->value->kind != TM_VAL_IDENT)
				tm_diag_error(r->diags, tm_value_span(attr->value, el->decl->span.src),
				              "zone must be a name, such as internet or partner");
			else if (el->kind == TM_EL_EXTERNAL)
				el->zone = attr->value->text;
		} else if (el->kind == TM_EL_ASSET && strcmp(name, "sensitivity") == 0) {
			el->max_sensitivity = sensitivity_value(r, el->decl->span.src, attr);
		} else {
			for (size_t k = 0; k < COUNT(bool_attrs); k++) {
				if (strcmp(name, bool_attrs[k]) != 0)
					continue;
				if (attr->value->kind != TM_VAL_BOOL)
					tm_diag_error(r->diags,
					              tm_value_span(attr->value, el->decl->span.src),
					              "%s must be true or false", name);
				else if (k == 0)
					own_scope = attr->value->boolean;
				else if (k == 1 && el->kind == TM_EL_ASSET)
					el->pii = attr->value->boolean;
				break;
			}
		}
	}
	el->in_scope = own_scope && (!el->parent || el->parent->in_scope);
}

static tm_element *make_element(resolver *r, const tm_decl *decl, tm_element *parent)
{
	tm_model *m = r->m;
	tm_element_kind kind = element_kind(decl->kind);
	if (kind != TM_EL_FLOW && !decl->id)
		return NULL;
	tm_element *el = tm_arena_alloc(r->arena, sizeof(*el));
	el->index = m->nelements;
	TM_VEC_PUSH(r->elements, m->nelements, r->capelements, el);
	el->kind = kind;
	el->decl = decl;
	el->parent = parent;
	el->depth = parent ? parent->depth + 1 : 0;
	el->exposure = TM_EXPOSURE_INTERNAL;
	el->line = line_of(r, decl);
	if (decl->id) {
		el->id = parent ? join(r->arena, parent->id, ".", decl->id) : decl->id;
		el->key = el->id;
		register_element(r, el);
	} else if (decl->target && decl->target->name && decl->target->target) {
		const tm_ref *ref = decl->target;
		el->key = join(r->arena, ref->name, "->", ref->target);
		tm_element *first = tm_strmap_add(m->index, el->key, el);
		if (first) {
			tm_diag *d =
			    tm_diag_error(r->diags, ref->span,
			                  "duplicate flow %s: give one of them an id (`flow name: %s %s %s`)",
			                  el->key, ref->name, arrow(ref->bidirectional), ref->target);
			if (first->decl && first->decl->target)
				tm_diag_note(d, first->decl->target->span, "first defined here");
		}
	}
	el->label = decl->label ? decl->label : el->key ? el->key : "";
	if (kind == TM_EL_EXTERNAL)
		el->zone = "internet";
	size_t nchildren = 0;
	element_attrs(r, el, &nchildren);

	/* Children: processes and stores declared inside a process block. */
	const tm_block *block = decl->block;
	if (nchildren && el->id) {
		el->children = tm_arena_alloc(r->arena, nchildren * sizeof(*el->children));
		for (size_t i = 0; i < block->count; i++) {
			const tm_decl *child = block->items[i].decl;
			if (!child)
				continue;
			if (child->kind != TM_DECL_PROCESS && child->kind != TM_DECL_STORE) {
				tm_diag_error(r->diags, tm_decl_keyword_span(child),
				              "only processes and stores can be children of a process");
				continue;
			}
			tm_element *c = make_element(r, child, el);
			if (c)
				el->children[el->nchildren++] = c;
		}
	}
	return el;
}

/* The text of a history entry's field: a word, a string or a number. */
static const char *entry_text(const tm_value *value)
{
	if (value && value->text &&
	    (value->kind == TM_VAL_IDENT || value->kind == TM_VAL_STRING || value->kind == TM_VAL_NUMBER))
		return value->text;
	return NULL;
}

/* ORDER HISTORY FIELD */
static const char *const history_fields[] = {"version", "date", "author", "changes"};

/* One `{ version "1.3"  date 2026-03-24  author "faye"  changes "..." }`
 * of the model's history; false after an error. */
static bool read_history_entry(resolver *r, const tm_source *src, const tm_value *value,
                               tm_history_entry *entry)
{
	if (value->kind != TM_VAL_BLOCK) {
		tm_diag *d =
		    tm_diag_error(r->diags, tm_value_span(value, src), "a history entry must be a block");
		tm_diag_note(
		    d, no_span(),
		    "write `{ version \"1.0\"  date 2026-03-24  author \"faye\"  changes \"...\" }`");
		return false;
	}
	const tm_block *block = value->block;
	const tm_value *fields[COUNT(history_fields)] = {NULL};
	bool ok = true;
	for (size_t i = 0; i < block->count; i++) {
		const tm_attr *attr = block->items[i].attr;
		if (!attr || !attr->name) {
			if (block->items[i].decl) {
				tm_diag_error(r->diags, tm_decl_keyword_span(block->items[i].decl),
				              "a history entry holds no statements");
				ok = false;
			}
			continue;
		}
		size_t k = 0;
		while (k < COUNT(history_fields) && strcmp(attr->name, history_fields[k]) != 0)
			k++;
		if (k == COUNT(history_fields)) {
			tm_diag *d = tm_diag_error(
			    r->diags, tm_attr_name_span(attr, src),
			    "unknown history field '%s' (version, date, author, changes)", attr->name);
			suggest_from(d, attr->name, history_fields, COUNT(history_fields));
			ok = false;
			continue;
		}
		fields[k] = attr->value;
	}
	/* ORDER HISTORY FIELD */
	entry->version = entry_text(fields[0]);
	entry->author = entry_text(fields[2]);
	entry->changes = entry_text(fields[3]);
	entry->date = fields[1] && fields[1]->kind == TM_VAL_DATE ? fields[1]->date : INT32_MIN;
	if (fields[1] && fields[1]->kind != TM_VAL_DATE) {
		tm_diag_error(r->diags, tm_value_span(fields[1], src), "date must be a date (YYYY-MM-DD)");
		ok = false;
	}
	static const char *const text_wants[] = {"version", NULL, "author", "changes"};
	const char *const texts[] = {entry->version, NULL, entry->author, entry->changes};
	for (size_t k = 0; k < COUNT(history_fields); k++) {
		if (!text_wants[k] || !fields[k] || texts[k])
			continue;
		tm_diag_error(r->diags, tm_value_span(fields[k], src), "%s must be a word or a string",
		              history_fields[k]);
		ok = false;
	}
	for (size_t k = 0; k < COUNT(history_fields) && ok; k++)
		if (!fields[k]) {
			tm_diag_error(r->diags, block->span,
			              "a history entry needs %s (version, date, author, changes)",
			              history_fields[k]);
			ok = false;
		}
	return ok;
}

/* history = "[" { entry } "]", or one entry alone. */
static void read_history(resolver *r, const tm_decl *decl)
{
	const tm_attr *attr = block_attr(decl->block, "history");
	if (!attr || !attr->value)
		return;
	const tm_source *src = decl->span.src;
	const tm_value *value = attr->value;
	const tm_value *const *items = (const tm_value *const *)&value;
	size_t count = 1;
	if (value->kind == TM_VAL_LIST) {
		items = (const tm_value *const *)value->items;
		count = value->nitems;
	}
	tm_meta *meta = &r->m->meta;
	meta->history = tm_arena_alloc(r->arena, sizeof(*meta->history) * (count ? count : 1));
	for (size_t i = 0; i < count; i++) {
		if (!items[i])
			continue;
		tm_history_entry entry;
		if (read_history_entry(r, src, items[i], &entry))
			meta->history[meta->nhistory++] = entry;
	}
	if (!meta->nhistory)
		meta->history = NULL;
}

static void collect_model(resolver *r, const tm_decl *decl)
{
	tm_meta *meta = &r->m->meta;
	if (meta->decl) {
		tm_diag *d = tm_diag_error(r->diags, tm_decl_keyword_span(decl),
		                           "a second `model` statement: a model has exactly one");
		tm_diag_note(d, tm_decl_keyword_span(meta->decl), "first defined here");
		return;
	}
	meta->decl = decl;
	meta->name = decl->label ? decl->label : "";
	meta->date = date_attr(r, decl->block, "date");
	meta->next_review = date_attr(r, decl->block, "next_review");
	read_history(r, decl);
	const tm_attr *sensitivity = block_attr(decl->block, "sensitivity");
	if (sensitivity)
		meta->sensitivity = sensitivity_value(r, decl->span.src, sensitivity);
	const tm_attr *status = block_attr(decl->block, "status");
	if (status)
		keyword_attr(r, decl->span.src, status, model_status_names, COUNT(model_status_names),
		             "draft, reviewed or approved");
}

static const char *dir_of(resolver *r, const tm_source *src)
{
	const char *path = src && src->path ? src->path : "";
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ".";
	if (slash == path)
		return "/";
	return tm_arena_strndup(r->arena, path, (size_t)(slash - path));
}

static void collect(resolver *r)
{
	tm_model *m = r->m;
	size_t ndecls = 0;
	for (size_t f = 0; f < m->nfiles; f++)
		ndecls += m->files[f] ? m->files[f]->ndecls : 0;
	m->index = tm_strmap_new(ndecls);
	r->ids = tm_strmap_new(16);
	size_t capthreats = 0, capmitigations = 0, capaccepts = 0, capuses = 0;
	tm_use *uses = NULL;
	for (size_t f = 0; f < m->nfiles; f++) {
		const tm_file *file = m->files[f];
		for (size_t i = 0; file && i < file->ndecls; i++) {
			const tm_decl *decl = file->decls[i];
			if (!decl)
				continue;
			switch (decl->kind) {
			case TM_DECL_MODEL: collect_model(r, decl); break;
			case TM_DECL_USE:
				if (decl->label) {
					tm_use use = {.name = decl->label,
					              .base_dir = dir_of(r, decl->span.src),
					              .decl = decl};
					TM_VEC_PUSH(uses, m->nuses, capuses, use);
				}
				break;
			case TM_DECL_INCLUDE: break; /* followed by the loader */
			case TM_DECL_THREAT:
				if (decl->id) {
					register_statement(r, decl);
					TM_VEC_PUSH(r->threat_decls, r->nthreat_decls, capthreats, decl);
				}
				break;
			case TM_DECL_MITIGATION:
				if (decl->id) {
					register_statement(r, decl);
					TM_VEC_PUSH(r->mitigation_decls, r->nmitigation_decls, capmitigations,
					            decl);
				}
				break;
			case TM_DECL_ACCEPT:
				TM_VEC_PUSH(r->accept_decls, r->naccept_decls, capaccepts, decl);
				break;
			case TM_DECL_COUNT: break;
			default: make_element(r, decl, NULL); break;
			}
		}
	}
	m->elements = tm_arena_alloc(r->arena, (m->nelements + 1) * sizeof(*m->elements));
	if (m->nelements)
		memcpy(m->elements, r->elements, m->nelements * sizeof(*m->elements));
	/* The growing copy goes now, before the passes that peak. */
	free(r->elements);
	r->elements = NULL;
	m->uses = tm_arena_alloc(r->arena, (m->nuses + 1) * sizeof(*m->uses));
	if (m->nuses)
		memcpy(m->uses, uses, m->nuses * sizeof(*uses));
	free(uses);
	if (!m->meta.decl && !lost_name(r, "model"))
		tm_diag_error(r->diags, no_span(),
		              "no `model` statement: add `model \"Name\" { ... }` to one of the files");
}

/* ---- pass 2: flows ---- */

static tm_element *flow_end(resolver *r, const char *name, tm_span span)
{
	tm_element *el = lookup_element(r, name, span, NODE_KINDS);
	if (el && !(NODE_KINDS & (1u << el->kind))) {
		tm_diag *d = tm_diag_error(
		    r->diags, span, "'%s' is %s %s: a flow connects externals, processes and stores", name,
		    el->kind == TM_EL_ASSET || el->kind == TM_EL_ACTOR ? "an" : "a",
		    tm_element_kind_names[el->kind]);
		tm_diag_note(d, tm_decl_id_span(el->decl), "'%s' is declared here", name);
		return NULL;
	}
	return el;
}

static void resolve_flows(resolver *r)
{
	tm_model *m = r->m;
	size_t *nin = tm_xcalloc(m->nelements + 1, sizeof(size_t));
	size_t *nout = tm_xcalloc(m->nelements + 1, sizeof(size_t));
	size_t total = 0;
	for (size_t i = 0; i < m->nelements; i++) {
		tm_element *flow = m->elements[i];
		if (flow->kind != TM_EL_FLOW || !flow->decl->target)
			continue;
		const tm_ref *ref = flow->decl->target;
		flow->bidirectional = ref->bidirectional;
		tm_element *source = flow_end(r, ref->name, ref->name_span);
		tm_element *target = flow_end(r, ref->target, ref->target_span);
		if (!source || !target)
			continue;
		if (source == target) {
			tm_diag_error(r->diags, ref->span,
			              "flow from '%s' to itself: a flow connects two elements", source->id);
			continue;
		}
		flow->source = source;
		flow->target = target;
		nout[source->index]++;
		nin[target->index]++;
		total += 2;
		if (flow->bidirectional) {
			nout[target->index]++;
			nin[source->index]++;
			total += 2;
		}
	}
	/* One array holds every element's inflows and outflows. */
	tm_element **slots = tm_arena_alloc(r->arena, (total + 1) * sizeof(*slots));
	for (size_t i = 0; i < m->nelements; i++) {
		tm_element *el = m->elements[i];
		if (nin[i]) {
			el->inflows = slots;
			slots += nin[i];
		}
		if (nout[i]) {
			el->outflows = slots;
			slots += nout[i];
		}
	}
	for (size_t i = 0; i < m->nelements; i++) {
		tm_element *flow = m->elements[i];
		if (flow->kind != TM_EL_FLOW || !flow->source)
			continue;
		tm_element *s = flow->source, *t = flow->target;
		s->outflows[s->noutflows++] = flow;
		t->inflows[t->ninflows++] = flow;
		if (flow->bidirectional) {
			t->outflows[t->noutflows++] = flow;
			s->inflows[s->ninflows++] = flow;
		}
	}
	free(nin);
	free(nout);
}

/* ---- pass 3: boundaries ---- */

static const char *article(tm_element_kind kind)
{
	return kind == TM_EL_ASSET || kind == TM_EL_ACTOR || kind == TM_EL_EXTERNAL ? "an" : "a";
}

/* Does boundary `inner` lie in (or equal) boundary `outer`? */
static bool within(const resolver *r, const tm_element *inner, const tm_element *outer)
{
	int steps = r->depth[inner->index] - r->depth[outer->index];
	if (steps < 0)
		return false;
	while (steps-- > 0 && inner)
		inner = inner->outer;
	return inner == outer;
}

/* Breaks membership cycles. Each boundary has at most one outer, so the
 * outer links form chains that can only close into simple cycles. */
static void break_cycles(resolver *r)
{
	tm_model *m = r->m;
	unsigned char *state = tm_xcalloc(m->nelements + 1, 1); /* 0 new, 1 on the walk, 2 done */
	tm_element **walk = tm_xmalloc((m->nelements + 1) * sizeof(*walk));
	for (size_t i = 0; i < m->nelements; i++) {
		tm_element *b = m->elements[i];
		if (b->kind != TM_EL_BOUNDARY || state[i])
			continue;
		size_t n = 0;
		tm_element *x = b;
		while (x && !state[x->index]) {
			state[x->index] = 1;
			walk[n++] = x;
			x = x->outer;
		}
		if (x && state[x->index] == 1) {
			/* walk[n-1]->outer == x closes the cycle that starts at x.
			 * Report it at the membership written last, which is
			 * where the loop was closed. */
			size_t start = n - 1;
			while (walk[start] != x)
				start--;
			tm_element *last = walk[start];
			for (size_t k = start + 1; k < n; k++) {
				tm_span here = r->outer_span[walk[k]->index],
				        best = r->outer_span[last->index];
				uint32_t fa = here.src ? here.src->id : 0, fb = best.src ? best.src->id : 0;
				if (fa > fb || (fa == fb && here.start > best.start))
					last = walk[k];
			}
			tm_buf path = TM_BUF_INIT;
			tm_buf_printf(&path, "%s in ", last->id);
			size_t shown = 0;
			for (tm_element *y = last->outer; y != last; y = y->outer) {
				if (++shown > 8) {
					tm_buf_puts(&path, "... in ");
					break;
				}
				tm_buf_printf(&path, "%s in ", y->id);
			}
			tm_buf_puts(&path, last->id);
			tm_diag_error(r->diags, r->outer_span[last->index],
			              "boundary %s lies inside itself: %s", last->id, tm_buf_str(&path));
			tm_buf_free(&path);
			last->outer = NULL;
		}
		for (size_t k = 0; k < n; k++)
			state[walk[k]->index] = 2;
	}
	free(state);
	free(walk);
}

/* Depth and chain (itself, then its outers) of every boundary. */
static void boundary_chains(resolver *r)
{
	tm_model *m = r->m;
	bool *done = tm_xcalloc(m->nelements + 1, sizeof(bool));
	tm_element **stack = tm_xmalloc((m->nelements + 1) * sizeof(*stack));
	for (size_t i = 0; i < m->nelements; i++) {
		tm_element *b = m->elements[i];
		if (b->kind != TM_EL_BOUNDARY || done[i])
			continue;
		size_t n = 0;
		for (tm_element *x = b; x && !done[x->index]; x = x->outer)
			stack[n++] = x;
		while (n > 0) {
			tm_element *x = stack[--n];
			int depth = x->outer ? r->depth[x->outer->index] + 1 : 0;
			if (depth >= MAX_BOUNDARY_DEPTH) {
				tm_diag_error(r->diags, r->outer_span[x->index],
				              "boundaries nest more than %d deep here", MAX_BOUNDARY_DEPTH);
				x->outer = NULL;
				depth = 0;
			}
			r->depth[x->index] = depth;
			tm_element **chain = tm_arena_alloc(r->arena, (size_t)(depth + 1) * sizeof(*chain));
			chain[0] = x;
			if (x->outer)
				memcpy(chain + 1, r->chain[x->outer->index], (size_t)depth * sizeof(*chain));
			r->chain[x->index] = chain;
			done[x->index] = true;
		}
	}
	free(done);
	free(stack);
}

/* Resolves each boundary's member list: a member boundary gets its `outer`
 * one, and every element listed is returned as a listing (element,
 * boundary, place) for place_elements. */
static listing *collect_members(resolver *r, size_t *nlisted)
{
	tm_model *m = r->m;
	listing *listings = NULL;
	size_t nlistings = 0, caplistings = 0;
	for (size_t i = 0; i < m->nelements; i++) {
		tm_element *b = m->elements[i];
		if (b->kind != TM_EL_BOUNDARY || !b->decl->nmembers)
			continue;
		const tm_decl *decl = b->decl;
		b->members = tm_arena_alloc(r->arena, decl->nmembers * sizeof(*b->members));
		for (size_t j = 0; j < decl->nmembers; j++) {
			const tm_ref *ref = &decl->members[j];
			tm_element *member =
			    lookup_element(r, ref->name, ref->span, NODE_KINDS | (1u << TM_EL_BOUNDARY));
			if (!member)
				continue;
			if (member->kind == TM_EL_BOUNDARY) {
				if (member == b) {
					tm_diag_error(r->diags, ref->span,
					              "boundary %s lies inside itself: %s in %s", b->id,
					              b->id, b->id);
					continue;
				}
				if (member->outer) {
					tm_diag *d = tm_diag_error(
					    r->diags, ref->span,
					    "boundary %s lies in both %s and %s: a boundary is a member "
					    "of at most one other",
					    member->id, member->outer->id, b->id);
					tm_diag_note(d, r->outer_span[member->index], "%s lists it here",
					             member->outer->id);
					continue;
				}
				member->outer = b;
				r->outer_span[member->index] = ref->span;
			} else if (NODE_KINDS & (1u << member->kind)) {
				listing l = {ref->span, member->index, b->index};
				TM_VEC_PUSH(listings, nlistings, caplistings, l);
			} else {
				tm_diag_error(r->diags, ref->span,
				              "'%s' is %s %s: a boundary holds externals, processes, stores "
				              "and boundaries",
				              member->id, article(member->kind),
				              tm_element_kind_names[member->kind]);
				continue;
			}
			b->members[b->nmembers++] = member;
		}
	}
	*nlisted = nlistings;
	return listings;
}

/* Gives each element its innermost boundary and, through it, its chain of
 * boundaries (el->boundaries, innermost first), reporting an element in
 * two boundaries that overlap without nesting. Takes the listings. */
static void place_elements(resolver *r, listing *listings, size_t nlistings)
{
	tm_model *m = r->m;
	/* Group the listings by element with a counting sort that keeps each
	 * element's listings in the order written: first[i] ends up where
	 * element i's listings start in `sorted`, which they fill up to
	 * first[i + 1] (nlistings after the last element). */
	uint32_t *first = tm_xcalloc(m->nelements + 1, sizeof(*first));
	for (size_t k = 0; k < nlistings; k++)
		first[listings[k].element]++;
	for (size_t i = 1; i < m->nelements; i++)
		first[i] += first[i - 1];
	listing *sorted = tm_xmalloc((nlistings + 1) * sizeof(*sorted));
	for (size_t k = nlistings; k-- > 0;)
		sorted[--first[listings[k].element]] = listings[k];
	free(listings);

	/* Then walk elements in order: a parent comes before its children,
	 * which start from its innermost boundary. inner[i] is 1 + the
	 * listing that gives node i its innermost boundary (its own, or an
	 * ancestor's), or 0 for none. */
	uint32_t *inner = tm_xcalloc(m->nelements + 1, sizeof(*inner));
	for (size_t i = 0; i < m->nelements; i++) {
		tm_element *el = m->elements[i];
		if (!(NODE_KINDS & (1u << el->kind)))
			continue;
		uint32_t at = el->parent ? inner[el->parent->index] : 0;
		size_t end = i + 1 < m->nelements ? first[i + 1] : nlistings;
		for (size_t k = first[i]; k < end; k++) {
			tm_element *b = m->elements[sorted[k].boundary];
			const listing *held = at ? &sorted[at - 1] : NULL;
			tm_element *in = held ? m->elements[held->boundary] : NULL;
			if (!in || within(r, b, in)) {
				at = (uint32_t)k + 1;
			} else if (!within(r, in, b)) {
				tm_diag *d = tm_diag_error(
				    r->diags, sorted[k].span,
				    "%s lies in %s and %s, which overlap without one containing the other",
				    el->id, in->id, b->id);
				const tm_element *listed = m->elements[held->element];
				if (listed == el)
					tm_diag_note(d, held->span, "%s lists %s here", in->id, el->id);
				else
					tm_diag_note(d, held->span, "%s lists %s here, and %s lies in %s",
					             in->id, listed->id, el->id, listed->id);
				tm_diag_note(
				    d, no_span(),
				    "boundaries must nest or be disjoint: list %s in one of them only, "
				    "or put one boundary inside the other",
				    el->id);
			}
		}
		inner[i] = at;
		if (at) {
			const tm_element *in = m->elements[sorted[at - 1].boundary];
			el->boundaries = r->chain[in->index];
			el->nboundaries = (size_t)r->depth[in->index] + 1;
		}
	}
	free(inner);
	free(first);
	free(sorted);
}

/* Each flow's crossings (the boundaries that hold exactly one end,
 * innermost first) and the boundaries that hold both ends. Both ends'
 * chains end at the outermost boundary, so the shared part is a common
 * suffix. */
static void compute_crossings(resolver *r)
{
	tm_model *m = r->m;
	for (size_t i = 0; i < m->nelements; i++) {
		tm_element *flow = m->elements[i];
		if (flow->kind != TM_EL_FLOW || !flow->source)
			continue;
		tm_element **cs = flow->source->boundaries, **ct = flow->target->boundaries;
		size_t ls = flow->source->nboundaries, lt = flow->target->nboundaries, common = 0;
		while (common < ls && common < lt && cs[ls - 1 - common] == ct[lt - 1 - common])
			common++;
		if (common) {
			flow->boundaries = cs + (ls - common);
			flow->nboundaries = common;
		}
		size_t ns = ls - common, nt = lt - common;
		if (!ns && !nt)
			continue;
		/* One end inside the other's boundaries: the crossings are the
		 * start of that end's chain, shared rather than copied. */
		if (!ns || !nt) {
			flow->crossings = ns ? cs : ct;
			flow->ncrossings = ns ? ns : nt;
			continue;
		}
		flow->crossings = tm_arena_alloc(r->arena, (ns + nt) * sizeof(*flow->crossings));
		/* Innermost first: merge the two private parts by depth. */
		size_t a = 0, b = 0;
		while (a < ns || b < nt) {
			if (b == nt || (a < ns && r->depth[cs[a]->index] >= r->depth[ct[b]->index]))
				flow->crossings[flow->ncrossings++] = cs[a++];
			else
				flow->crossings[flow->ncrossings++] = ct[b++];
		}
	}
}

static void resolve_boundaries(resolver *r)
{
	size_t nlistings;
	listing *listings = collect_members(r, &nlistings);
	break_cycles(r);
	boundary_chains(r);
	place_elements(r, listings, nlistings);
	compute_crossings(r);
}

/* ---- pass 4: exposure ----
 * How far requests from the externals reach (exposure.c has the rule):
 * each external, process and store gets its level, and each flow its
 * request source's (tm_flow_exposure). */

static void resolve_exposure(resolver *r)
{
	tm_model *m = r->m;
	uint8_t *level = tm_xmalloc(m->nelements + 1);
	tm_exposure_flood(m, level, NULL, NULL);
	for (size_t i = 0; i < m->nelements; i++)
		if (NODE_KINDS & (1u << m->elements[i]->kind))
			m->elements[i]->exposure = level[i];
	free(level);
	for (size_t i = 0; i < m->nelements; i++) {
		tm_element *flow = m->elements[i];
		if (flow->kind == TM_EL_FLOW && flow->source)
			flow->exposure = tm_flow_exposure(flow, NULL);
	}
}

/* ---- pass 5: attributes and assets ---- */

/* The assets an attribute lists (`stores`, `data`, `handles`), appended to
 * out[] unless stamped for this element already. */
static void list_assets(resolver *r, tm_element *el, tm_element ***out, size_t *count, size_t *cap,
                        size_t *stamp)
{
	if (!el->assets_at)
		return;
	const tm_attr *attr = el->decl->block->items[el->assets_at - 1].attr;
	if (!attr->value)
		return;
	const char *name = attr->name;
	tm_value *const *items =
	    attr->value->kind == TM_VAL_LIST ? attr->value->items : (tm_value *const *)&attr->value;
	size_t nitems = attr->value->kind == TM_VAL_LIST ? attr->value->nitems : 1;
	for (size_t k = 0; k < nitems; k++) {
		const tm_value *item = items[k];
		if (!item)
			continue;
		const char *id = item->kind == TM_VAL_IDENT ? item->text
		                 : item->kind == TM_VAL_REF && item->ref->kind == TM_REF_ELEMENT
		                     ? item->ref->name
		                     : NULL;
		if (!id) {
			tm_diag_error(r->diags, tm_value_span(item, el->decl->span.src),
			              "%s lists assets by id, like [A-01, A-02]", name);
			continue;
		}
		tm_element *asset = tm_strmap_get(r->m->index, id);
		if (!asset && lost_name(r, id))
			continue;
		if (!asset || asset->kind != TM_EL_ASSET) {
			tm_diag *d =
			    asset ? tm_diag_error(r->diags, tm_value_span(item, el->decl->span.src),
			                          "'%s' is %s %s, not an asset", id, article(asset->kind),
			                          tm_element_kind_names[asset->kind])
			          : tm_diag_error(r->diags, tm_value_span(item, el->decl->span.src),
			                          "unknown asset '%s'", id);
			if (!asset)
				suggest(r, d, id, 1u << TM_EL_ASSET);
			continue;
		}
		if (stamp[asset->index] == el->index + 1)
			continue;
		stamp[asset->index] = el->index + 1;
		TM_VEC_PUSH(*out, *count, *cap, asset);
	}
}

static void add_assets(tm_element *el, tm_element *const *assets, size_t n, tm_element ***out, size_t *count,
                       size_t *cap, size_t *stamp)
{
	for (size_t k = 0; k < n; k++) {
		if (stamp[assets[k]->index] == el->index + 1)
			continue;
		stamp[assets[k]->index] = el->index + 1;
		TM_VEC_PUSH(*out, *count, *cap, assets[k]);
	}
}

static void resolve_attributes(resolver *r)
{
	tm_model *m = r->m;
	size_t n = m->nelements;
	size_t *stamp = tm_xcalloc(n + 1, sizeof(size_t));
	tm_element **found = NULL;
	size_t count = 0, cap = 0;
	/* Stores (`stores`) and flows (`data`) first, from their own lists;
	 * then processes and externals: `handles`, plus what their flows
	 * carry, plus what their children hold (at Level 0 a child's flows are
	 * the parent's). Reverse order, so that children (declared after their
	 * parent) are done when the parent needs them. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t j = 0; j < n; j++) {
			tm_element *el = m->elements[pass == 0 ? j : n - 1 - j];
			bool direct = el->kind == TM_EL_STORE || el->kind == TM_EL_FLOW;
			bool derived = el->kind == TM_EL_PROCESS || el->kind == TM_EL_EXTERNAL;
			if ((pass == 0 && !direct) || (pass == 1 && !derived))
				continue;
			count = 0;
			list_assets(r, el, &found, &count, &cap, stamp);
			if (derived) {
				for (size_t k = 0; k < el->ninflows; k++)
					add_assets(el, el->inflows[k]->assets, el->inflows[k]->nassets,
					           &found, &count, &cap, stamp);
				for (size_t k = 0; k < el->noutflows; k++)
					add_assets(el, el->outflows[k]->assets, el->outflows[k]->nassets,
					           &found, &count, &cap, stamp);
				for (size_t k = 0; k < el->nchildren; k++)
					add_assets(el, el->children[k]->assets, el->children[k]->nassets,
					           &found, &count, &cap, stamp);
			}
			if (!count)
				continue;
			el->assets = tm_arena_memdup(r->arena, found, count * sizeof(*found));
			el->nassets = count;
			for (size_t k = 0; k < count; k++) {
				el->pii = el->pii || found[k]->pii;
				if (found[k]->max_sensitivity > el->max_sensitivity)
					el->max_sensitivity = found[k]->max_sensitivity;
			}
		}
	}
	free(found);
	free(stamp);
}

/* `runs_on` written as a name must name the process (a cluster, a host)
 * or the boundary (of kind host or cluster) the element runs on; a
 * quoted string names a runtime the model does not draw. */
static void resolve_runtimes(resolver *r)
{
	tm_model *m = r->m;
	for (size_t i = 0; i < m->nelements; i++) {
		tm_element *el = m->elements[i];
		if ((el->kind != TM_EL_PROCESS && el->kind != TM_EL_STORE) || !el->decl)
			continue;
		const tm_attr *attr = block_attr(el->decl->block, "runs_on");
		if (!attr || !attr->value || attr->value->kind != TM_VAL_IDENT)
			continue;
		tm_span span = tm_value_span(attr->value, el->decl->span.src);
		unsigned runtimes = (1u << TM_EL_PROCESS) | (1u << TM_EL_BOUNDARY);
		tm_element *runtime = tm_strmap_get(m->index, attr->value->text);
		if (!runtime) {
			if (lost_name(r, attr->value->text))
				continue;
			tm_diag *d = tm_diag_error(r->diags, span, "unknown element '%s'", attr->value->text);
			suggest(r, d, attr->value->text, runtimes);
			if (d)
				tm_diag_note(
				    d, no_span(),
				    "runs_on names a process or boundary of the model, or a runtime it "
				    "does not draw as a string: runs_on \"%s\"",
				    attr->value->text);
		} else if (runtime->kind != TM_EL_PROCESS && runtime->kind != TM_EL_BOUNDARY) {
			tm_diag_error(r->diags, span, "runs_on names a process or a boundary; '%s' is %s %s",
			              attr->value->text, article(runtime->kind),
			              tm_element_kind_names[runtime->kind]);
		} else if (runtime == el) {
			tm_diag_error(r->diags, span, "%s cannot run on itself", el->key);
		}
	}
}

/* ---- pass 6: threats, mitigations, acceptances ---- */

static void read_factors(resolver *r, const tm_threat *threat, const tm_attr *attr, const char *what,
                         const char *const *names, size_t count, uint8_t *out, const char *example)
{
	const tm_decl *decl = threat->decl;
	if (!attr || !attr->value) {
		tm_diag *d =
		    tm_diag_error(r->diags, tm_decl_id_span(decl), "threat %s has no %s", threat->id, what);
		tm_diag_note(d, no_span(), "add `%s { %s }`", what, example);
		return;
	}
	if (attr->value->kind != TM_VAL_BLOCK || !attr->value->block) {
		tm_diag *d = tm_diag_error(r->diags, tm_value_span(attr->value, decl->span.src),
		                           "%s must be a block of factors", what);
		tm_diag_note(d, no_span(), "write `%s { %s }`", what, example);
		return;
	}
	const tm_block *block = attr->value->block;
	size_t given = 0;
	for (size_t i = 0; i < block->count; i++) {
		const tm_attr *factor = block->items[i].attr;
		if (!factor || !factor->name)
			continue;
		size_t k = 0;
		while (k < count && strcmp(factor->name, names[k]) != 0)
			k++;
		if (k == count) {
			tm_diag *d = tm_diag_error(r->diags, tm_attr_name_span(factor, decl->span.src),
			                           "unknown %s factor '%s'", what, factor->name);
			suggest_from(d, factor->name, names, count);
			continue;
		}
		const tm_value *v = factor->value;
		if (!v || v->kind != TM_VAL_NUMBER || (v->number != 1 && v->number != 2 && v->number != 3)) {
			if (v)
				tm_diag_error(r->diags, tm_value_span(v, decl->span.src),
				              "%s factor %s must be 1, 2 or 3", what, names[k]);
			continue;
		}
		out[k] = (uint8_t)v->number;
		given++;
	}
	if (!given && block->count == 0) {
		tm_diag *d = tm_diag_error(r->diags, tm_value_span(attr->value, decl->span.src),
		                           "the %s of threat %s gives no factor", what, threat->id);
		tm_diag_note(d, no_span(), "give at least one, like `%s { %s }`", what, example);
	}
}

static void resolve_threat(resolver *r, tm_threat *threat)
{
	const tm_decl *decl = threat->decl;
	const tm_block *block = decl->block;
	threat->id = decl->id;
	threat->title = decl->label ? decl->label : decl->id;
	threat->found = INT32_MIN;
	const tm_attr *category = block_attr(block, "category");
	if (!category) {
		tm_diag *d =
		    tm_diag_error(r->diags, tm_decl_id_span(decl), "threat %s has no category", threat->id);
		tm_diag_note(d, no_span(),
		             "add `category` with a STRIDE or LINDDUN category, like `category spoofing`");
	} else if (keyword_attr(r, threat->decl->span.src, category, tm_category_names,
	                        COUNT(tm_category_names), "a STRIDE or LINDDUN category") >= 0) {
		threat->category = category->value->text;
	}
	const tm_attr *on = block_attr(block, "on");
	if (on && on->value) {
		const tm_value *v = on->value;
		tm_element *el = NULL;
		if (v->kind == TM_VAL_IDENT)
			el = lookup_element(r, v->text, tm_value_span(v, threat->decl->span.src), ALL_KINDS);
		else if (v->kind == TM_VAL_REF && v->ref->kind != TM_REF_FINDING)
			el = lookup_ref(r, v->ref);
		else
			tm_diag_error(r->diags, tm_value_span(v, threat->decl->span.src),
			              "on names an element or a flow, like `on api` or `on web -> api`");
		if (el) {
			threat->element = el;
			threat->element_key = el->key;
		}
	}
	read_factors(r, threat, block_attr(block, "likelihood"), "likelihood", tm_likelihood_factor_names,
	             TM_LF_COUNT, threat->likelihood,
	             "skill 2 motive 2 opportunity 2 population 2 discoverability 2");
	read_factors(r, threat, block_attr(block, "impact"), "impact", tm_impact_factor_names, TM_IF_COUNT,
	             threat->impact, "confidentiality 3 integrity 2");
	const tm_attr *found = block_attr(block, "found");
	if (found)
		threat->found = date_attr(r, block, "found");
	const tm_attr *description = block_attr(block, "description");
	if (description)
		threat->description = value_text(description->value);
	const tm_attr *mitigation = block_attr(block, "mitigation");
	if (mitigation)
		threat->mitigation = value_text(mitigation->value);
}

/* One side of a pattern: a glob as written, or an exact path that must
 * name an element, as its key. NULL after an error. */
static const char *pattern_part(resolver *r, const char *text, tm_span span, unsigned mask)
{
	if (strchr(text, '*'))
		return text;
	tm_element *el = lookup_element(r, text, span, mask);
	return el ? el->key : NULL;
}

/* RULE@ELEMENT with a '*' in it (doc/language.md, "Patterns"): the parts
 * without one must name what exists, as in a plain finding id. */
static const tm_finding_pattern *finding_pattern(resolver *r, const tm_ref *ref)
{
	tm_finding_pattern *pattern = tm_arena_alloc(r->arena, sizeof(*pattern));
	pattern->rule = ref->rule;
	if (ref->target && (strchr(ref->name, '*') || strchr(ref->target, '*'))) {
		pattern->source = pattern_part(r, ref->name, ref->name_span, NODE_KINDS);
		pattern->target = pattern_part(r, ref->target, ref->target_span, NODE_KINDS);
		if (!pattern->source || !pattern->target)
			return NULL;
		pattern->bidirectional = ref->bidirectional;
		pattern->text = tm_arena_printf(r->arena, "%s@%s%s%s", ref->rule, pattern->source,
		                                arrow(ref->bidirectional), pattern->target);
		return pattern;
	}
	if (!ref->target && strchr(ref->name, '*')) {
		pattern->element = ref->name;
	} else if (!ref->target && strcmp(ref->name, "model") == 0 && !tm_strmap_get(r->m->index, "model")) {
		pattern->element = "model";
	} else {
		tm_element *el = lookup_ref(r, ref);
		if (!el)
			return NULL;
		pattern->element = el->key;
	}
	pattern->text = tm_arena_printf(r->arena, "%s@%s", ref->rule, pattern->element);
	return pattern;
}

/* A threat id or a finding, as the canonical string mitigations and
 * acceptances store ("T-01", "RULE@KEY", a pattern's text); NULL after an
 * error. A pattern is also returned in *pattern (else NULL). */
static const char *finding_ref(resolver *r, const tm_ref *ref, const tm_finding_pattern **pattern)
{
	*pattern = NULL;
	if (ref->kind == TM_REF_FINDING && ref->pattern && ref->rule && ref->name) {
		*pattern = finding_pattern(r, ref);
		return *pattern ? (*pattern)->text : NULL;
	}
	if (ref->kind == TM_REF_FINDING) {
		/* Model-level findings (hygiene's) are keyed `model`, unless an
		 * element is called that. */
		if (ref->rule && ref->name && !ref->target && strcmp(ref->name, "model") == 0 &&
		    !tm_strmap_get(r->m->index, "model"))
			return tm_arena_printf(r->arena, "%s@model", ref->rule);
		tm_element *el = lookup_ref(r, ref);
		if (!el || !ref->rule)
			return NULL;
		return tm_arena_printf(r->arena, "%s@%s", ref->rule, el->key);
	}
	if (ref->kind == TM_REF_ELEMENT && ref->name && !strchr(ref->name, '.')) {
		if (tm_strmap_get(r->threat_ids, ref->name))
			return ref->name;
		if (lost_name(r, ref->name))
			return NULL;
		tm_diag *d = tm_diag_error(r->diags, ref->span, "unknown threat '%s'", ref->name);
		suggest(r, d, ref->name, THREAT_CANDIDATES);
		return NULL;
	}
	tm_diag *d = tm_diag_error(r->diags, ref->span, "expected a threat id or a finding (RULE@element)");
	tm_diag_note(d, no_span(), "for example T-01 or STRIDE-T-01@web->api");
	return NULL;
}

static void resolve_mitigation(resolver *r, tm_mitigation *mit)
{
	const tm_decl *decl = mit->decl;
	const tm_block *block = decl->block;
	mit->id = decl->id;
	mit->title = decl->label ? decl->label : decl->id;
	mit->due = date_attr(r, block, "due");
	const tm_attr *status = block_attr(block, "status");
	if (status) {
		int i = keyword_attr(r, mit->decl->span.src, status, tm_mitigation_status_names, 4,
		                     "planned, in_progress, implemented or verified");
		if (i >= 0)
			mit->status = (tm_mitigation_status)i;
	}
	const tm_attr *owner = block_attr(block, "owner");
	if (owner)
		mit->owner = value_text(owner->value);
	const tm_attr *mitigates = block_attr(block, "mitigates");
	if (!mitigates || !mitigates->value)
		return;
	const tm_value *list = mitigates->value;
	tm_value *const *items =
	    list->kind == TM_VAL_LIST ? list->items : (tm_value *const *)&mitigates->value;
	size_t nitems = list->kind == TM_VAL_LIST ? list->nitems : 1;
	mit->mitigates = tm_arena_alloc(r->arena, (nitems + 1) * sizeof(*mit->mitigates));
	mit->patterns = tm_arena_alloc(r->arena, (nitems + 1) * sizeof(*mit->patterns));
	mit->mitigates_spans = tm_arena_alloc(r->arena, (nitems + 1) * sizeof(*mit->mitigates_spans));
	for (size_t k = 0; k < nitems; k++) {
		const tm_value *item = items[k];
		if (!item)
			continue;
		const char *key = NULL;
		const tm_finding_pattern *pattern = NULL;
		if (item->kind == TM_VAL_IDENT) {
			tm_ref ref = {.kind = TM_REF_ELEMENT,
			              .span = tm_value_span(item, mit->decl->span.src),
			              .name = item->text,
			              .name_span = tm_value_span(item, mit->decl->span.src)};
			key = finding_ref(r, &ref, &pattern);
		} else if (item->kind == TM_VAL_REF) {
			key = finding_ref(r, item->ref, &pattern);
		} else {
			tm_diag *d = tm_diag_error(r->diags, tm_value_span(item, mit->decl->span.src),
			                           "mitigates lists threat ids and findings");
			tm_diag_note(d, no_span(), "for example mitigates [T-01, STRIDE-T-01@web->api]");
		}
		if (key) {
			mit->patterns[mit->nmitigates] = pattern;
			mit->mitigates[mit->nmitigates] = key;
			mit->mitigates_spans[mit->nmitigates++] = tm_value_span(item, mit->decl->span.src);
		}
	}
}

static void resolve_accept(resolver *r, tm_acceptance *acc)
{
	const tm_decl *decl = acc->decl;
	const tm_block *block = decl->block;
	acc->reason = decl->label;
	acc->until = date_attr(r, block, "until");
	if (decl->target) {
		acc->finding_span = decl->target->span;
		acc->finding = finding_ref(r, decl->target, &acc->pattern);
	}
	const tm_attr *by = block_attr(block, "by");
	if (by && by->value) {
		acc->by = value_text(by->value);
		if (!acc->by)
			tm_diag_error(r->diags, tm_value_span(by->value, acc->decl->span.src),
			              "by must be a name or a string");
	}
	const tm_attr *as = block_attr(block, "as");
	if (as && as->value) {
		if (as->value->kind == TM_VAL_IDENT && strcmp(as->value->text, "false_positive") == 0)
			acc->false_positive = true;
		else
			tm_diag_error(r->diags, tm_value_span(as->value, acc->decl->span.src),
			              "as must be false_positive");
	}
}

static void resolve_statements(resolver *r)
{
	tm_model *m = r->m;
	m->threats = tm_arena_alloc(r->arena, (r->nthreat_decls + 1) * sizeof(*m->threats));
	r->threat_ids = tm_strmap_new(r->nthreat_decls);
	for (size_t i = 0; i < r->nthreat_decls; i++) {
		tm_threat *threat = &m->threats[m->nthreats++];
		threat->decl = r->threat_decls[i];
		threat->id = threat->decl->id;
		tm_strmap_add(r->threat_ids, threat->id, threat);
	}
	for (size_t i = 0; i < m->nthreats; i++)
		resolve_threat(r, &m->threats[i]);
	m->mitigations = tm_arena_alloc(r->arena, (r->nmitigation_decls + 1) * sizeof(*m->mitigations));
	for (size_t i = 0; i < r->nmitigation_decls; i++) {
		tm_mitigation *mit = &m->mitigations[m->nmitigations++];
		mit->decl = r->mitigation_decls[i];
		resolve_mitigation(r, mit);
	}
	m->acceptances = tm_arena_alloc(r->arena, (r->naccept_decls + 1) * sizeof(*m->acceptances));
	for (size_t i = 0; i < r->naccept_decls; i++) {
		tm_acceptance *acc = &m->acceptances[m->nacceptances++];
		acc->decl = r->accept_decls[i];
		resolve_accept(r, acc);
	}
}

void tm_model_resolve(tm_model *model, tm_diags *diags)
{
	resolver r = {.m = model, .diags = diags, .arena = model->arena};
	for (size_t i = 0; i < model->nfiles; i++) {
		const tm_file *file = model->files[i];
		for (size_t k = 0; file && k < file->nlost; k++) {
			if (!r.lost)
				r.lost = tm_strmap_new(16);
			tm_strmap_set(r.lost, file->lost[k], (void *)file->lost[k]);
		}
	}
	collect(&r);
	size_t n = model->nelements + 1;
	r.outer_span = tm_xcalloc(n, sizeof(*r.outer_span));
	r.depth = tm_xcalloc(n, sizeof(*r.depth));
	r.chain = tm_xcalloc(n, sizeof(*r.chain));
	resolve_flows(&r);
	resolve_boundaries(&r);
	/* The boundary bookkeeping goes before the later passes allocate
	 * theirs. */
	free(r.outer_span);
	free(r.depth);
	free(r.chain);
	resolve_attributes(&r);
	resolve_exposure(&r);
	resolve_runtimes(&r);
	resolve_statements(&r);
	tm_strmap_free(r.ids);
	tm_strmap_free(r.pairs);
	tm_strmap_free(r.threat_ids);
	tm_strmap_free(r.lost);
	free(r.elements);
	free(r.threat_decls);
	free(r.mitigation_decls);
	free(r.accept_decls);
}
