/* Evaluation of `threats` queries: the condition is checked against each
 * finding directly (no copies, no per-query indexes), so a query over the
 * findings of a 100,000-element model takes milliseconds. */
#include "base/limits.h"
#include "query/query.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "threat/status.h"

/* Case-insensitive substring test; needle is already lowercase. The scan
 * looks for the first letter in either case before comparing the rest,
 * since most positions fail there. */
static bool contains_folded(const char *text, const char *needle)
{
	if (!*needle)
		return true;
	if (!text)
		return false;
	unsigned char lo = (unsigned char)needle[0], up = (unsigned char)toupper(lo);
	for (const unsigned char *start = (const unsigned char *)text; *start; start++) {
		if (*start != lo && *start != up)
			continue;
		size_t i = 1;
		while (needle[i] && start[i] && tolower(start[i]) == (unsigned char)needle[i])
			i++;
		if (!needle[i])
			return true;
	}
	return false;
}

static bool compare_text(const tm_query_node *node, const char *have)
{
	if (!have)
		have = "";
	switch (node->op) {
	case TM_QOP_EQ: return strcasecmp(have, node->value) == 0;
	case TM_QOP_NE: return strcasecmp(have, node->value) != 0;
	case TM_QOP_MATCH: return contains_folded(have, node->folded);
	case TM_QOP_NOMATCH: return !contains_folded(have, node->folded);
	default: return false;
	}
}

static bool compare_order(tm_query_op op, double have, double want)
{
	/* scores are shown with two decimals, and compared as shown */
	const double eps = 1e-9;
	switch (op) {
	case TM_QOP_EQ: return fabs(have - want) < eps;
	case TM_QOP_NE: return fabs(have - want) >= eps;
	case TM_QOP_LT: return have < want - eps;
	case TM_QOP_LE: return have <= want + eps;
	case TM_QOP_GT: return have > want + eps;
	case TM_QOP_GE: return have >= want - eps;
	default: return false;
	}
}

static double shown(double score)
{
	return round(score * 100.0) / 100.0;
}

/* Whether boundary b is marked in node->inside (b is checked to be the
 * model's element at its index, so a stale index cannot misread). */
static bool marked(const tm_query_node *node, const tm_element *b)
{
	return b && b->index < node->ninside && node->elements[b->index] == b && node->inside[b->index];
}

/* Whether the finding's element lies in, or (a flow) crosses, a boundary
 * of the marked set. The set holds every boundary nested in one the
 * comparison names, so only the boundaries listed on the element need a
 * look: lying in (or crossing) an inner boundary puts one end inside each
 * boundary around it. */
static bool in_marked(const tm_query_node *node, const tm_finding *finding)
{
	const tm_element *el = finding->element;
	if (!el || !node->inside)
		return false;
	if (el->kind == TM_EL_BOUNDARY)
		return marked(node, el);
	for (size_t i = 0; i < el->nboundaries; i++)
		if (marked(node, el->boundaries[i]))
			return true;
	for (size_t i = 0; i < el->ncrossings; i++)
		if (marked(node, el->crossings[i]))
			return true;
	return false;
}

static bool compare_boundary(const tm_query_node *node, const tm_finding *finding)
{
	bool in = in_marked(node, finding);
	return node->op == TM_QOP_EQ || node->op == TM_QOP_MATCH ? in : !in;
}

static const char *kind_name(const tm_finding *finding)
{
	const tm_element *el = finding->element;
	if (!el)
		return "model";
	return el->kind < TM_EL_COUNT ? tm_element_kind_names[el->kind] : "";
}

static const char *status_name(const tm_finding *finding)
{
	return finding->status <= TM_STATUS_FALSE_POSITIVE ? tm_status_names[finding->status] : "";
}

static bool compare_level(const tm_query_node *node, int have, const char *name)
{
	if (node->op == TM_QOP_MATCH || node->op == TM_QOP_NOMATCH)
		return compare_text(node, name);
	return compare_order(node->op, (double)have, (double)node->level);
}

static bool compare(const tm_query_node *node, const tm_finding *f)
{
	switch (node->field) {
	case TM_QF_ID: return compare_text(node, f->id);
	case TM_QF_RULE: return compare_text(node, f->about->rule);
	case TM_QF_FRAMEWORK: return compare_text(node, f->about->framework);
	case TM_QF_CATEGORY: return compare_text(node, f->about->category);
	case TM_QF_ELEMENT: return compare_text(node, f->element_key);
	case TM_QF_PACK: return compare_text(node, f->about->pack);
	case TM_QF_TITLE: return compare_text(node, f->about->title);
	case TM_QF_KIND: return compare_level(node, f->element ? (int)f->element->kind : -1, kind_name(f));
	case TM_QF_STATUS: return compare_level(node, (int)f->status, status_name(f));
	case TM_QF_RISK: return compare_order(node->op, (double)f->risk, (double)node->level);
	case TM_QF_LIKELIHOOD: return compare_order(node->op, shown(f->likelihood), node->number);
	case TM_QF_IMPACT: return compare_order(node->op, shown(f->impact), node->number);
	case TM_QF_BOUNDARY: return compare_boundary(node, f);
	case TM_QF_OVERDUE: return (f->overdue == (node->level == 1)) == (node->op == TM_QOP_EQ);
	default: return false;
	}
}

bool tm_query_matches(const tm_query_node *cond, const tm_finding *finding)
{
	if (!cond)
		return true;
	switch (cond->kind) {
	case TM_QN_AND:
		for (size_t i = 0; i < cond->nitems; i++)
			if (!tm_query_matches(cond->items[i], finding))
				return false;
		return true;
	case TM_QN_OR:
		for (size_t i = 0; i < cond->nitems; i++)
			if (tm_query_matches(cond->items[i], finding))
				return true;
		return false;
	case TM_QN_NOT: return cond->nitems == 1 && !tm_query_matches(cond->items[0], finding);
	case TM_QN_CMP: return compare(cond, finding);
	}
	return false;
}

/* Boundary ids of the model, for "did you mean". */
static const char **boundary_ids(const tm_model *model, size_t *count)
{
	const char **ids = tm_xcalloc(model ? model->nelements + 1 : 1, sizeof(*ids));
	*count = 0;
	for (size_t i = 0; model && i < model->nelements; i++)
		if (model->elements[i] && model->elements[i]->kind == TM_EL_BOUNDARY &&
		    model->elements[i]->key)
			ids[(*count)++] = model->elements[i]->key;
	return ids;
}

static bool boundary_named(const tm_query_node *node, const tm_element *b)
{
	if (node->op == TM_QOP_EQ || node->op == TM_QOP_NE)
		return b == node->boundary;
	return contains_folded(b->key, node->folded) || contains_folded(b->label, node->folded);
}

/* Marks every boundary that is, or lies inside, one the comparison names. */
static void mark_boundaries(tm_query_node *node, const tm_model *model, tm_arena *arena)
{
	node->elements = model->elements;
	node->ninside = model->nelements;
	node->inside = tm_arena_alloc(arena, model->nelements + 1);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (!el || el->kind != TM_EL_BOUNDARY)
			continue;
		const tm_element *b = el;
		for (int depth = 0; b && depth < MAX_NESTING; depth++, b = b->outer)
			if (boundary_named(node, b)) {
				node->inside[i] = true;
				break;
			}
	}
}

/* Resolves what a comparison needs from the model: the boundary that
 * `boundary = ID` names, and the boundaries inside it. */
static bool bind(tm_query_node *node, const tm_model *model, tm_arena *arena, tm_diags *diags)
{
	if (!node)
		return true;
	if (node->kind != TM_QN_CMP) {
		for (size_t i = 0; i < node->nitems; i++)
			if (!bind(node->items[i], model, arena, diags))
				return false;
		return true;
	}
	if (node->field != TM_QF_BOUNDARY)
		return true;
	node->boundary = NULL;
	node->inside = NULL;
	if (!model)
		return true;
	if (node->op == TM_QOP_EQ || node->op == TM_QOP_NE) {
		for (size_t i = 0; i < model->nelements && !node->boundary; i++) {
			const tm_element *el = model->elements[i];
			if (el && el->kind == TM_EL_BOUNDARY && el->key &&
			    strcasecmp(el->key, node->value) == 0)
				node->boundary = el;
		}
		if (!node->boundary) {
			tm_diag *diag = tm_diag_error(diags, node->value_span,
			                              "no boundary '%s' in the model", node->value);
			size_t count;
			const char **ids = boundary_ids(model, &count);
			const char *guess = tm_suggest(node->value, ids, count);
			if (guess)
				tm_diag_note(diag, (tm_span){0}, "did you mean '%s'?", guess);
			else if (!count)
				tm_diag_note(diag, (tm_span){0}, "the model has no boundaries");
			free(ids);
			return false;
		}
	}
	mark_boundaries(node, model, arena);
	return true;
}

/* ---- the index ---- */

/* The text fields the index interns (text_field), by ORDER FIELD. */
#define NTEXT       TM_QF_COUNT
#define NO_POSITION UINT32_MAX

typedef struct dictionary {
	const char **values; /* distinct values (arena copies, so a scan is compact) */
	size_t count, cap;
	uint32_t *slots; /* open addressing: code + 1, 0 empty */
	size_t nslots;
} dictionary;

struct tm_query_index {
	const tm_model *model;
	const tm_findings *findings;
	size_t count;
	tm_arena *arena;
	dictionary text[NTEXT]; /* for the text fields only */
	uint32_t *codes[NTEXT]; /* per finding: its value's code in text[field] */
	uint8_t *risk;
	float *likelihood, *impact; /* as shown: rounded to two decimals */
	uint32_t *element;          /* per finding: its element's position, or NO_POSITION */
	/* per element position: the boundaries it lies in or crosses (a
	 * boundary: itself), as positions, CSR style */
	uint32_t *bstart; /* nelements + 1 */
	uint32_t *blist;
};

static bool text_field(int field)
{
	return field != TM_QF_RISK && field != TM_QF_LIKELIHOOD && field != TM_QF_IMPACT &&
	       field != TM_QF_BOUNDARY && field != TM_QF_OVERDUE;
}

static const char *text_value(int field, const tm_finding *f)
{
	const char *text = NULL;
	switch (field) {
	case TM_QF_ID: text = f->id; break;
	case TM_QF_RULE: text = f->about->rule; break;
	case TM_QF_FRAMEWORK: text = f->about->framework; break;
	case TM_QF_CATEGORY: text = f->about->category; break;
	case TM_QF_ELEMENT: text = f->element_key; break;
	case TM_QF_PACK: text = f->about->pack; break;
	case TM_QF_TITLE: text = f->about->title; break;
	case TM_QF_KIND: text = kind_name(f); break;
	case TM_QF_STATUS: text = status_name(f); break;
	default: break;
	}
	return text ? text : "";
}

static uint32_t hash_text(const char *text)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

static uint32_t intern(dictionary *d, tm_arena *arena, const char *text)
{
	if ((d->count + 1) * 2 > d->nslots) {
		size_t nslots = d->nslots ? d->nslots * 2 : 64;
		uint32_t *slots = tm_xcalloc(nslots, sizeof(*slots));
		for (size_t i = 0; i < d->count; i++) {
			size_t at = hash_text(d->values[i]) & (nslots - 1);
			while (slots[at])
				at = (at + 1) & (nslots - 1);
			slots[at] = (uint32_t)i + 1;
		}
		free(d->slots);
		d->slots = slots;
		d->nslots = nslots;
	}
	size_t at = hash_text(text) & (d->nslots - 1);
	while (d->slots[at]) {
		uint32_t code = d->slots[at] - 1;
		if (strcmp(d->values[code], text) == 0)
			return code;
		at = (at + 1) & (d->nslots - 1);
	}
	const char *copy = tm_arena_strdup(arena, text);
	TM_VEC_PUSH(d->values, d->count, d->cap, copy);
	d->slots[at] = (uint32_t)d->count;
	return (uint32_t)d->count - 1;
}

/* The element's position in model->elements, checked. */
static uint32_t element_position(const tm_model *model, const tm_element *el)
{
	if (!el)
		return NO_POSITION;
	if (el->index < model->nelements && model->elements[el->index] == el)
		return (uint32_t)el->index;
	return NO_POSITION;
}

tm_query_index *tm_query_index_new(const tm_model *model, const tm_findings *findings)
{
	tm_query_index *ix = tm_xcalloc(1, sizeof(*ix));
	size_t n = findings ? findings->count : 0;
	ix->model = model;
	ix->findings = findings;
	ix->count = n;
	ix->arena = tm_arena_new();
	for (int field = 0; field < NTEXT; field++)
		if (text_field(field))
			ix->codes[field] = tm_xmalloc((n ? n : 1) * sizeof(uint32_t));
	ix->risk = tm_xmalloc(n ? n : 1);
	ix->likelihood = tm_xmalloc((n ? n : 1) * sizeof(float));
	ix->impact = tm_xmalloc((n ? n : 1) * sizeof(float));
	ix->element = tm_xmalloc((n ? n : 1) * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++) {
		const tm_finding *f = &findings->items[i];
		for (int field = 0; field < NTEXT; field++)
			if (text_field(field))
				ix->codes[field][i] =
				    intern(&ix->text[field], ix->arena, text_value(field, f));
		ix->risk[i] = (uint8_t)f->risk;
		ix->likelihood[i] = (float)shown(f->likelihood);
		ix->impact[i] = (float)shown(f->impact);
		ix->element[i] = model ? element_position(model, f->element) : NO_POSITION;
	}
	size_t nel = model ? model->nelements : 0, total = 0;
	ix->bstart = tm_xcalloc(nel + 1, sizeof(uint32_t));
	for (size_t e = 0; e < nel; e++) {
		const tm_element *el = model->elements[e];
		ix->bstart[e] = (uint32_t)total;
		total += !el ? 0 : el->kind == TM_EL_BOUNDARY ? 1 : el->nboundaries + el->ncrossings;
	}
	ix->bstart[nel] = (uint32_t)total;
	ix->blist = tm_xmalloc((total ? total : 1) * sizeof(uint32_t));
	for (size_t e = 0; e < nel; e++) {
		const tm_element *el = model->elements[e];
		uint32_t at = ix->bstart[e];
		if (!el)
			continue;
		if (el->kind == TM_EL_BOUNDARY) {
			ix->blist[at] = (uint32_t)e;
			continue;
		}
		for (size_t i = 0; i < el->nboundaries; i++)
			ix->blist[at++] = element_position(model, el->boundaries[i]);
		for (size_t i = 0; i < el->ncrossings; i++)
			ix->blist[at++] = element_position(model, el->crossings[i]);
	}
	return ix;
}

void tm_query_index_free(tm_query_index *ix)
{
	if (!ix)
		return;
	for (int field = 0; field < NTEXT; field++) {
		free(ix->codes[field]);
		free(ix->text[field].values);
		free(ix->text[field].slots);
	}
	free(ix->risk);
	free(ix->likelihood);
	free(ix->impact);
	free(ix->element);
	free(ix->bstart);
	free(ix->blist);
	tm_arena_free(ix->arena);
	free(ix);
}

/* Decides each distinct value of a text field once for the query. */
static void bind_hits(tm_query_node *node, const tm_query_index *ix, tm_arena *arena)
{
	const dictionary *d = &ix->text[node->field];
	node->hits = tm_arena_alloc(arena, d->count + 1);
	for (size_t v = 0; v < d->count; v++)
		node->hits[v] = compare_text(node, d->values[v]);
}

static bool row_in_marked(const tm_query_node *node, const tm_query_index *ix, size_t row)
{
	uint32_t e = ix->element[row];
	if (e == NO_POSITION || !node->inside)
		return false;
	for (uint32_t i = ix->bstart[e]; i < ix->bstart[e + 1]; i++) {
		uint32_t b = ix->blist[i];
		if (b != NO_POSITION && b < node->ninside && node->inside[b])
			return true;
	}
	return false;
}

static bool row_matches(const tm_query_node *cond, const tm_query_index *ix, size_t row)
{
	switch (cond->kind) {
	case TM_QN_AND:
		for (size_t i = 0; i < cond->nitems; i++)
			if (!row_matches(cond->items[i], ix, row))
				return false;
		return true;
	case TM_QN_OR:
		for (size_t i = 0; i < cond->nitems; i++)
			if (row_matches(cond->items[i], ix, row))
				return true;
		return false;
	case TM_QN_NOT: return cond->nitems == 1 && !row_matches(cond->items[0], ix, row);
	case TM_QN_CMP: break;
	}
	switch (cond->field) {
	case TM_QF_RISK: return compare_order(cond->op, (double)ix->risk[row], (double)cond->level);
	case TM_QF_LIKELIHOOD:
		return compare_order(cond->op, shown((double)ix->likelihood[row]), cond->number);
	case TM_QF_IMPACT: return compare_order(cond->op, shown((double)ix->impact[row]), cond->number);
	case TM_QF_BOUNDARY: {
		bool in = row_in_marked(cond, ix, row);
		return cond->op == TM_QOP_EQ || cond->op == TM_QOP_MATCH ? in : !in;
	}
	case TM_QF_OVERDUE: return compare(cond, &ix->findings->items[row]);
	default: return cond->hits && cond->hits[ix->codes[cond->field][row]];
	}
}

static void bind_index(tm_query_node *node, const tm_query_index *ix, tm_arena *arena)
{
	if (!node)
		return;
	if (node->kind != TM_QN_CMP) {
		for (size_t i = 0; i < node->nitems; i++)
			bind_index(node->items[i], ix, arena);
		return;
	}
	if (text_field(node->field))
		bind_hits(node, ix, arena);
}

/* ---- ordering ---- */

static const char *innermost_boundary(const tm_finding *f)
{
	const tm_element *el = f->element;
	if (!el)
		return "";
	if (el->kind == TM_EL_BOUNDARY)
		return el->key ? el->key : "";
	if (el->nboundaries && el->boundaries[0] && el->boundaries[0]->key)
		return el->boundaries[0]->key;
	if (el->ncrossings && el->crossings[0] && el->crossings[0]->key)
		return el->crossings[0]->key;
	return "";
}

/* A finding with its sort key, read once before sorting (so the sort
 * compares keys in one array instead of chasing pointers). */
typedef struct keyed {
	const tm_finding *finding;
	const char *text; /* text fields */
	double number;    /* the others */
} keyed;

/* The text a field sorts by, or NULL for the fields that sort by number
 * (number_key). */
static const char *text_key(tm_query_field field, const tm_finding *f)
{
	switch (field) {
	case TM_QF_STATUS:
	case TM_QF_RISK:
	case TM_QF_LIKELIHOOD:
	case TM_QF_IMPACT:
	case TM_QF_OVERDUE: return NULL;
	case TM_QF_BOUNDARY: {
		const char *text = innermost_boundary(f);
		return text ? text : "";
	}
	default: return text_value(field, f);
	}
}

static double number_key(tm_query_field field, const tm_finding *f)
{
	switch (field) {
	case TM_QF_STATUS: return (double)f->status;
	case TM_QF_RISK: return (double)f->risk;
	case TM_QF_LIKELIHOOD: return f->likelihood;
	case TM_QF_IMPACT: return f->impact;
	case TM_QF_OVERDUE: return f->overdue ? 1 : 0;
	default: return 0;
	}
}

static int order_of(const keyed *a, const keyed *b)
{
	if (a->text)
		return strcmp(a->text, b->text);
	return a->number < b->number ? -1 : a->number > b->number;
}

/* A stable merge sort (ties keep the findings' own order), bottom-up so
 * that no recursion depends on the input. */
static void sort_findings(const tm_finding **items, size_t count, tm_query_field field, bool descending)
{
	if (count < 2)
		return;
	keyed *from = tm_xmalloc(count * sizeof(*from)), *to = tm_xmalloc(count * sizeof(*to));
	keyed *first = from, *second = to;
	for (size_t i = 0; i < count; i++) {
		from[i].finding = items[i];
		from[i].text = text_key(field, items[i]);
		from[i].number = from[i].text ? 0 : number_key(field, items[i]);
	}
	for (size_t width = 1; width < count; width *= 2) {
		for (size_t lo = 0; lo < count; lo += 2 * width) {
			size_t mid = lo + width < count ? lo + width : count;
			size_t hi = lo + 2 * width < count ? lo + 2 * width : count;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi) {
				int c = order_of(&from[j], &from[i]);
				/* take from the right only when it comes strictly first */
				if (descending ? c > 0 : c < 0)
					to[k++] = from[j++];
				else
					to[k++] = from[i++];
			}
			while (i < mid)
				to[k++] = from[i++];
			while (j < hi)
				to[k++] = from[j++];
		}
		keyed *swap = from;
		from = to;
		to = swap;
	}
	for (size_t i = 0; i < count; i++)
		items[i] = from[i].finding;
	free(first);
	free(second);
}

int tm_query_select(const tm_finding ***out, size_t *count, tm_query *query, const tm_model *model,
                    const tm_findings *all, const tm_query_index *index, tm_diags *diags)
{
	*out = NULL;
	*count = 0;
	if (!bind(query->where, model, query->arena, diags))
		return TM_ERR_INPUT;
	size_t total = all ? all->count : 0;
	if (index && (index->findings != all || index->count != total || index->model != model))
		index = NULL; /* built for another session: read the findings directly */
	if (index)
		bind_index(query->where, index, query->arena);
	const tm_finding **items = tm_xmalloc((total ? total : 1) * sizeof(*items));
	size_t n = 0;
	if (index && query->where) {
		for (size_t i = 0; i < total; i++)
			if (row_matches(query->where, index, i))
				items[n++] = &all->items[i];
	} else {
		for (size_t i = 0; i < total; i++)
			if (tm_query_matches(query->where, &all->items[i]))
				items[n++] = &all->items[i];
	}
	if (query->has_order)
		sort_findings(items, n, query->order, query->descending);
	if (query->has_limit && n > query->limit)
		n = query->limit;
	*out = items;
	*count = n;
	return TM_OK;
}
