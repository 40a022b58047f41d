/* OWASP Threat Dragon v2 JSON in and out (doc/interop.md). A Threat
 * Dragon model is diagrams of cells: actors, processes, stores, flows,
 * trust boundary boxes and curves, each with its threats. Export draws
 * the model on one diagram, laid out on a grid with each boundary a box
 * around what lies in it; import reads every diagram's cells, a box's
 * members from where the cells are drawn. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/limits.h"
#include "base/strmap.h"
#include "base/xalloc.h"
#include "interop/interop.h"
#include "lang/ast.h"
#include "model/model.h"
#include "render/json.h"
#include "risk/risk.h"
#include "threat/status.h"

#define TD_VERSION "2.3.0"

/* ==== export: layout ==== */

/* Sizes of the grid: an element's box, the gaps between items, a
 * boundary's padding (more on top, for its label), items per row. */
enum { CELL_W = 160, CELL_H = 80, GAP = 40, PAD = 30, PAD_TOP = 50, ROW_ITEMS = 4 };

typedef struct placed {
	double x, y, w, h;
	size_t first, next, last; /* a container's first and last item, an item's next (SIZE_MAX: none) */
	bool container_done;
} placed;

static bool drawn(const tm_element *el)
{
	return el->kind == TM_EL_EXTERNAL || el->kind == TM_EL_PROCESS || el->kind == TM_EL_STORE ||
	       el->kind == TM_EL_BOUNDARY;
}

/* The container of an item: its innermost boundary, or the diagram
 * (index n). */
static size_t container_of(const tm_element *el, size_t n)
{
	if (el->kind == TM_EL_BOUNDARY)
		return el->outer ? el->outer->index : n;
	return el->nboundaries ? el->boundaries[0]->index : n;
}

/* Sizes container c from its items (boundaries first sized themselves),
 * and gives each item its place relative to c's corner. */
static void size_container(placed *at, const tm_model *model, size_t c, int depth)
{
	size_t n = model->nelements;
	double x = c == n ? 0 : PAD, y = c == n ? 0 : PAD_TOP, row_h = 0, width = 0;
	int in_row = 0;
	for (size_t i = at[c].first; i != SIZE_MAX; i = at[i].next) {
		if (model->elements[i]->kind == TM_EL_BOUNDARY && depth < 70)
			size_container(at, model, i, depth + 1);
		else if (model->elements[i]->kind != TM_EL_BOUNDARY)
			at[i].w = CELL_W, at[i].h = CELL_H;
		if (in_row == ROW_ITEMS) {
			x = c == n ? 0 : PAD;
			y += row_h + GAP;
			row_h = 0;
			in_row = 0;
		}
		at[i].x = x;
		at[i].y = y;
		x += at[i].w + GAP;
		if (x - GAP > width)
			width = x - GAP;
		if (at[i].h > row_h)
			row_h = at[i].h;
		in_row++;
	}
	if (c != n) {
		at[c].w = (width > CELL_W ? width : CELL_W) + PAD;
		at[c].h = y + row_h + PAD;
		if (at[c].h < PAD_TOP + CELL_H / 2)
			at[c].h = PAD_TOP + CELL_H / 2;
	}
}

static void place_container(placed *at, const tm_model *model, size_t c, double ox, double oy, int depth)
{
	for (size_t i = at[c].first; i != SIZE_MAX; i = at[i].next) {
		at[i].x += ox;
		at[i].y += oy;
		if (model->elements[i]->kind == TM_EL_BOUNDARY && depth < 70)
			place_container(at, model, i, at[i].x, at[i].y, depth + 1);
	}
}

static placed *layout(const tm_model *model)
{
	size_t n = model->nelements;
	placed *at = tm_xcalloc(n + 1, sizeof *at);
	for (size_t i = 0; i <= n; i++)
		at[i].first = at[i].next = at[i].last = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		const tm_element *el = model->elements[i];
		if (!drawn(el))
			continue;
		size_t c = container_of(el, n);
		if (at[c].first == SIZE_MAX)
			at[c].first = i;
		else
			at[at[c].last].next = i;
		at[c].last = i;
	}
	size_container(at, model, n, 0);
	place_container(at, model, n, 40, 40, 0);
	return at;
}

/* ==== export: cells ==== */

static const char *attr_text(const tm_element *el, const char *name)
{
	return tm_element_attr_text(el, name);
}

/* A category as Threat Dragon spells a threat's type. */
static const char *td_type(const char *category)
{
	static const char *const names[][2] = {
	    {"spoofing", "Spoofing"},
	    {"tampering", "Tampering"},
	    {"repudiation", "Repudiation"},
	    {"information_disclosure", "Information disclosure"},
	    {"denial_of_service", "Denial of service"},
	    {"elevation_of_privilege", "Elevation of privilege"},
	    {"linkability", "Linkability"},
	    {"identifiability", "Identifiability"},
	    {"non_repudiation", "Non-repudiation"},
	    {"detectability", "Detectability"},
	    {"disclosure", "Disclosure of information"},
	    {"unawareness", "Unawareness"},
	    {"non_compliance", "Non-compliance"},
	};
	for (size_t i = 0; category && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(category, names[i][0]) == 0)
			return names[i][1];
	return category ? category : "";
}

static const char *td_status(tm_status status)
{
	switch (status) {
	case TM_STATUS_MITIGATED: return "Mitigated";
	case TM_STATUS_ACCEPTED: return "Accepted";
	case TM_STATUS_FALSE_POSITIVE: return "NA";
	case TM_STATUS_OPEN:
	case TM_STATUS_PLANNED:
	case TM_STATUS_EXPIRED: break;
	}
	return "Open";
}

static const char *td_severity(tm_risk risk)
{
	switch (risk) {
	case TM_RISK_CRITICAL: return "Critical";
	case TM_RISK_HIGH: return "High";
	case TM_RISK_MEDIUM: return "Medium";
	case TM_RISK_LOW:
	case TM_RISK_INFO: break;
	}
	return "Low";
}

/* Writes the threats of one element and returns whether any is open. */
static bool put_threats(tm_json *json, const tm_session *session, const tm_interop_findings_index *index,
                        const tm_element *el, size_t *number)
{
	bool open = false;
	tm_json_key(json, "threats");
	tm_json_begin_array(json);
	for (size_t k = index->start[el->index]; k < index->start[el->index + 1]; k++) {
		const tm_finding *finding = &session->findings.items[index->order[k]];
		const tm_finding_about *about = finding->about;
		const char *status = td_status(finding->status);
		open = open || strcmp(status, "Open") == 0;
		tm_json_begin_object(json);
		tm_json_key(json, "id");
		tm_json_string(json, finding->id);
		tm_json_key(json, "title");
		tm_json_string(json, about && about->title ? about->title : finding->id);
		tm_json_key(json, "status");
		tm_json_string(json, status);
		tm_json_key(json, "severity");
		tm_json_string(json, td_severity(finding->risk));
		tm_json_key(json, "type");
		tm_json_string(json, td_type(about ? about->category : NULL));
		tm_json_key(json, "modelType");
		tm_json_string(json, about && about->framework ? about->framework : "STRIDE");
		tm_json_key(json, "description");
		tm_json_string(json, finding->detail               ? finding->detail
		                     : about && about->description ? about->description
		                                                   : "");
		tm_json_key(json, "mitigation");
		tm_json_string(json, about && about->advice ? about->advice : "");
		tm_json_key(json, "number");
		tm_json_int(json, (int64_t)++ * number);
		tm_buf score = TM_BUF_INIT;
		tm_buf_printf(&score, "%s (likelihood %.2f, impact %.2f)", tm_risk_names[finding->risk],
		              finding->likelihood, finding->impact);
		tm_json_key(json, "score");
		tm_json_string(json, tm_buf_str(&score));
		tm_buf_free(&score);
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
	return open;
}

static bool has_open(const tm_session *session, const tm_interop_findings_index *index, const tm_element *el)
{
	for (size_t k = index->start[el->index]; k < index->start[el->index + 1]; k++)
		if (strcmp(td_status(session->findings.items[index->order[k]].status), "Open") == 0)
			return true;
	return false;
}

/* "key": {"a": x, "b": y} */
static void put_pair(tm_json *json, const char *key, const char *a, double x, const char *b, double y)
{
	tm_json_key(json, key);
	tm_json_begin_object(json);
	tm_json_key(json, a);
	tm_json_number(json, x);
	tm_json_key(json, b);
	tm_json_number(json, y);
	tm_json_end_object(json);
}

static void put_box(tm_json *json, const placed *at)
{
	put_pair(json, "position", "x", at->x, "y", at->y);
	put_pair(json, "size", "width", at->w, "height", at->h);
}

static void put_text_attrs(tm_json *json, const char *key, const char *label)
{
	tm_json_key(json, "attrs");
	tm_json_begin_object(json);
	tm_json_key(json, key);
	tm_json_begin_object(json);
	tm_json_key(json, "text");
	tm_json_string(json, label);
	tm_json_end_object(json);
	tm_json_end_object(json);
}

static void put_node(tm_json *json, const tm_session *session, const tm_interop_findings_index *index,
                     const tm_element *el, const placed *at, int z, size_t *number)
{
	static const char *const shapes[] = {
	    [TM_EL_EXTERNAL] = "actor", [TM_EL_PROCESS] = "process", [TM_EL_STORE] = "store"};
	static const char *const types[] = {
	    [TM_EL_EXTERNAL] = "tm.Actor", [TM_EL_PROCESS] = "tm.Process", [TM_EL_STORE] = "tm.Store"};
	tm_json_begin_object(json);
	put_box(json, at);
	put_text_attrs(json, "text", el->label);
	tm_json_key(json, "visible");
	tm_json_bool(json, true);
	tm_json_key(json, "shape");
	tm_json_string(json, shapes[el->kind]);
	tm_json_key(json, "zIndex");
	tm_json_int(json, z);
	tm_json_key(json, "id");
	tm_json_string(json, el->key);
	tm_json_key(json, "data");
	tm_json_begin_object(json);
	tm_json_key(json, "type");
	tm_json_string(json, types[el->kind]);
	tm_json_key(json, "name");
	tm_json_string(json, el->label);
	tm_json_key(json, "description");
	tm_json_string(json, attr_text(el, "description") ? attr_text(el, "description") : "");
	tm_json_key(json, "outOfScope");
	tm_json_bool(json, !el->in_scope);
	tm_json_key(json, "reasonOutOfScope");
	tm_json_string(json, "");
	if (el->kind == TM_EL_EXTERNAL) {
		tm_json_key(json, "providesAuthentication");
		tm_json_bool(json, tm_element_attr_text(el, "kind") &&
		                       strcmp(tm_element_attr_text(el, "kind"), "idp") == 0);
	} else if (el->kind == TM_EL_PROCESS) {
		tm_json_key(json, "handlesCardPayment");
		tm_json_bool(json, false);
		tm_json_key(json, "handlesGoodsOrServices");
		tm_json_bool(json, false);
		tm_json_key(json, "isWebApplication");
		tm_json_bool(json, false);
		tm_json_key(json, "privilegeLevel");
		tm_json_string(json, "");
	} else {
		tm_json_key(json, "isALog");
		tm_json_bool(json, false);
		tm_json_key(json, "isEncrypted");
		tm_json_bool(json, tm_element_attr_bool(el, "encrypted", false));
		tm_json_key(json, "isSigned");
		tm_json_bool(json, false);
		tm_json_key(json, "storesCredentials");
		tm_json_bool(json, false);
	}
	tm_json_key(json, "hasOpenThreats");
	tm_json_bool(json, has_open(session, index, el));
	put_threats(json, session, index, el, number);
	tm_json_end_object(json);
	tm_json_end_object(json);
}

static void put_boundary(tm_json *json, const tm_element *el, const placed *at, int z)
{
	tm_json_begin_object(json);
	put_box(json, at);
	put_text_attrs(json, "label", el->label);
	tm_json_key(json, "visible");
	tm_json_bool(json, true);
	tm_json_key(json, "shape");
	tm_json_string(json, "trust-boundary-box");
	tm_json_key(json, "zIndex");
	tm_json_int(json, z);
	tm_json_key(json, "id");
	tm_json_string(json, el->id);
	tm_json_key(json, "data");
	tm_json_begin_object(json);
	tm_json_key(json, "type");
	tm_json_string(json, "tm.BoundaryBox");
	tm_json_key(json, "name");
	tm_json_string(json, el->label);
	tm_json_key(json, "description");
	tm_json_string(json, attr_text(el, "description") ? attr_text(el, "description") : "");
	tm_json_key(json, "isTrustBoundary");
	tm_json_bool(json, true);
	tm_json_key(json, "hasOpenThreats");
	tm_json_bool(json, false);
	tm_json_end_object(json);
	tm_json_end_object(json);
}

static void put_flow(tm_json *json, const tm_session *session, const tm_interop_findings_index *index,
                     const tm_element *el, int z, size_t *number)
{
	tm_json_begin_object(json);
	tm_json_key(json, "shape");
	tm_json_string(json, "flow");
	tm_json_key(json, "attrs");
	tm_json_begin_object(json);
	tm_json_key(json, "line");
	tm_json_begin_object(json);
	tm_json_key(json, "stroke");
	tm_json_string(json, "#333333");
	tm_json_key(json, "targetMarker");
	tm_json_begin_object(json);
	tm_json_key(json, "name");
	tm_json_string(json, "block");
	tm_json_end_object(json);
	tm_json_key(json, "sourceMarker");
	tm_json_begin_object(json);
	tm_json_key(json, "name");
	tm_json_string(json, el->bidirectional ? "block" : "");
	tm_json_end_object(json);
	tm_json_end_object(json);
	tm_json_end_object(json);
	/* the flow's label as Threat Dragon draws one: text in an ellipse */
	tm_json_key(json, "labels");
	tm_json_begin_array(json);
	tm_json_begin_object(json);
	tm_json_key(json, "markup");
	tm_json_begin_array(json);
	static const char *const markup[][2] = {{"ellipse", "labelBody"}, {"text", "labelText"}};
	for (size_t i = 0; i < 2; i++) {
		tm_json_begin_object(json);
		tm_json_key(json, "tagName");
		tm_json_string(json, markup[i][0]);
		tm_json_key(json, "selector");
		tm_json_string(json, markup[i][1]);
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
	tm_json_key(json, "attrs");
	tm_json_begin_object(json);
	tm_json_key(json, "labelText");
	tm_json_begin_object(json);
	tm_json_key(json, "text");
	tm_json_string(json, el->decl->label ? el->label : "");
	tm_json_key(json, "textAnchor");
	tm_json_string(json, "middle");
	tm_json_key(json, "textVerticalAnchor");
	tm_json_string(json, "middle");
	tm_json_end_object(json);
	tm_json_key(json, "labelBody");
	tm_json_begin_object(json);
	tm_json_key(json, "ref");
	tm_json_string(json, "labelText");
	tm_json_key(json, "refRx");
	tm_json_string(json, "50%");
	tm_json_key(json, "refRy");
	tm_json_string(json, "60%");
	tm_json_key(json, "fill");
	tm_json_string(json, "#fff");
	tm_json_key(json, "strokeWidth");
	tm_json_int(json, 0);
	tm_json_end_object(json);
	tm_json_end_object(json);
	tm_json_key(json, "position");
	tm_json_begin_object(json);
	tm_json_key(json, "distance");
	tm_json_number(json, 0.5);
	tm_json_end_object(json);
	tm_json_end_object(json);
	tm_json_end_array(json);
	tm_json_key(json, "connector");
	tm_json_string(json, "smooth");
	tm_json_key(json, "zIndex");
	tm_json_int(json, z);
	tm_json_key(json, "id");
	tm_json_string(json, el->key);
	tm_json_key(json, "source");
	tm_json_begin_object(json);
	tm_json_key(json, "cell");
	tm_json_string(json, el->source->key);
	tm_json_end_object(json);
	tm_json_key(json, "target");
	tm_json_begin_object(json);
	tm_json_key(json, "cell");
	tm_json_string(json, el->target->key);
	tm_json_end_object(json);
	tm_json_key(json, "vertices");
	tm_json_begin_array(json);
	tm_json_end_array(json);
	tm_json_key(json, "data");
	tm_json_begin_object(json);
	tm_json_key(json, "type");
	tm_json_string(json, "tm.Flow");
	tm_json_key(json, "name");
	tm_json_string(json, el->decl->label ? el->label : "");
	tm_json_key(json, "description");
	tm_json_string(json, attr_text(el, "description") ? attr_text(el, "description") : "");
	tm_json_key(json, "outOfScope");
	tm_json_bool(json, !el->in_scope);
	tm_json_key(json, "reasonOutOfScope");
	tm_json_string(json, "");
	tm_json_key(json, "isBidirectional");
	tm_json_bool(json, el->bidirectional);
	tm_json_key(json, "isEncrypted");
	tm_json_bool(json, tm_element_attr_bool(el, "tls", false));
	tm_json_key(json, "isPublicNetwork");
	tm_json_bool(json, el->exposure == TM_EXPOSURE_INTERNET);
	tm_json_key(json, "protocol");
	tm_json_string(json, attr_text(el, "protocol") ? attr_text(el, "protocol") : "");
	tm_json_key(json, "hasOpenThreats");
	tm_json_bool(json, has_open(session, index, el));
	put_threats(json, session, index, el, number);
	tm_json_end_object(json);
	tm_json_end_object(json);
}

void tm_interop_export_threat_dragon(tm_buf *out, const tm_session *session, tm_buf *warnings)
{
	const tm_model *model = session->model;
	const tm_decl *decl = model->meta.decl;
	placed *at = layout(model);
	tm_interop_findings_index index;
	tm_interop_index_findings(&index, session);
	tm_json json;
	tm_json_init(&json, out);
	tm_json_begin_object(&json);
	tm_json_key(&json, "version");
	tm_json_string(&json, TD_VERSION);
	tm_json_key(&json, "summary");
	tm_json_begin_object(&json);
	tm_json_key(&json, "title");
	tm_json_string(&json, model->meta.name ? model->meta.name : "");
	const tm_attr *author = decl ? tm_decl_attr(decl, "author") : NULL;
	const tm_attr *description = decl ? tm_decl_attr(decl, "description") : NULL;
	tm_json_key(&json, "owner");
	tm_json_string(&json, author && author->value->text ? author->value->text : "");
	tm_json_key(&json, "description");
	tm_json_string(&json, description && description->value->text ? description->value->text : "");
	tm_json_key(&json, "id");
	tm_json_int(&json, 0);
	tm_json_end_object(&json);
	tm_json_key(&json, "detail");
	tm_json_begin_object(&json);
	tm_json_key(&json, "contributors");
	tm_json_begin_array(&json);
	const tm_attr *reviewers = decl ? tm_decl_attr(decl, "reviewers") : NULL;
	for (uint32_t i = 0;
	     reviewers && reviewers->value->kind == TM_VAL_LIST && i < reviewers->value->nitems; i++) {
		const tm_value *item = reviewers->value->items[i];
		if (item->kind != TM_VAL_IDENT && item->kind != TM_VAL_STRING)
			continue;
		tm_json_begin_object(&json);
		tm_json_key(&json, "name");
		tm_json_string(&json, item->text);
		tm_json_end_object(&json);
	}
	tm_json_end_array(&json);
	tm_json_key(&json, "diagrams");
	tm_json_begin_array(&json);
	tm_json_begin_object(&json);
	tm_json_key(&json, "id");
	tm_json_int(&json, 0);
	tm_json_key(&json, "title");
	tm_json_string(&json, "Data flow diagram");
	tm_json_key(&json, "diagramType");
	tm_json_string(&json, "STRIDE");
	tm_json_key(&json, "placeholder");
	tm_json_string(&json, "");
	tm_json_key(&json, "thumbnail");
	tm_json_string(&json, "./public/content/images/thumbnail.stride.jpg");
	tm_json_key(&json, "version");
	tm_json_string(&json, TD_VERSION);
	tm_json_key(&json, "cells");
	tm_json_begin_array(&json);
	size_t number = 0;
	int z = 1;
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->kind == TM_EL_BOUNDARY) {
			int depth = 0;
			for (const tm_element *outer = el->outer; outer && depth < 64; outer = outer->outer)
				depth++;
			put_boundary(&json, el, &at[i], depth - 100);
		}
	}
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->kind == TM_EL_EXTERNAL || el->kind == TM_EL_PROCESS || el->kind == TM_EL_STORE)
			put_node(&json, session, &index, el, &at[i], z++, &number);
	}
	for (size_t i = 0; i < model->nelements; i++)
		if (model->elements[i]->kind == TM_EL_FLOW)
			put_flow(&json, session, &index, model->elements[i], z++, &number);
	tm_json_end_array(&json);
	tm_json_end_object(&json);
	tm_json_end_array(&json);
	tm_json_key(&json, "diagramTop");
	tm_json_int(&json, 1);
	tm_json_key(&json, "reviewer");
	tm_json_string(&json, "");
	tm_json_key(&json, "threatTop");
	tm_json_int(&json, (int64_t)number);
	tm_json_end_object(&json);
	tm_json_end_object(&json);
	tm_buf_putc(out, '\n');
	free(at);
	tm_interop_index_free(&index);
	size_t model_findings = 0, children = 0;
	for (size_t i = 0; i < session->findings.count; i++)
		model_findings += session->findings.items[i].element == NULL;
	for (size_t i = 0; i < model->nelements; i++)
		children += model->elements[i]->parent != NULL;
	if (model_findings)
		tm_buf_printf(warnings,
		              "Threat Dragon keeps threats on cells: the %zu finding%s on the model as a "
		              "whole %s not exported\n",
		              model_findings, model_findings == 1 ? "" : "s",
		              model_findings == 1 ? "is" : "are");
	if (children)
		tm_buf_printf(
		    warnings,
		    "Threat Dragon has no child elements: the %zu child%s %s drawn beside %s parent%s\n",
		    children, children == 1 ? "" : "ren", children == 1 ? "is" : "are",
		    children == 1 ? "its" : "their", children == 1 ? "" : "s");
	tm_buf_puts(warnings,
	            "Threat Dragon has no place for attributes, assets, actors, mitigations or acceptances: "
	            "a finding's status says what they decided\n");
}

/* ==== import ==== */

enum { CELL_OTHER, CELL_EXTERNAL, CELL_PROCESS, CELL_STORE, CELL_FLOW, CELL_BOX, CELL_CURVE, CELL_TEXT };
static const char *const cell_keywords[] = {"",     "external", "process",  "store",
                                            "flow", "boundary", "boundary", ""};

typedef struct cell {
	json_t *json, *data;
	const char *pointer, *original, *id, *name;
	int kind;
	size_t diagram;
	double x, y, w, h;
	struct cell *box; /* the smallest box this cell lies in (its centre, or a box wholly) */
} cell;

typedef struct td_importer {
	tm_jin in;
	tm_buf *out;
	tm_idset *ids;
	tm_strmap *by_id; /* original id -> cell */
	cell *cells;
	size_t ncells;
	tm_buf mitigations, accepts;
	size_t threats, skipped_findings, boxes;
} td_importer;

static int kind_of(const char *shape, const char *type)
{
	static const struct {
		const char *shape, *type;
		int kind;
	} kinds[] = {
	    {"actor", "tm.Actor", CELL_EXTERNAL},
	    {"process", "tm.Process", CELL_PROCESS},
	    {"store", "tm.Store", CELL_STORE},
	    {"flow", "tm.Flow", CELL_FLOW},
	    {"trust-boundary-box", "tm.BoundaryBox", CELL_BOX},
	    {"trust-boundary-curve", "tm.Boundary", CELL_CURVE},
	    {"td-text-block", "tm.Text", CELL_TEXT},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if ((shape && strcmp(shape, kinds[i].shape) == 0) ||
		    (type && strcmp(type, kinds[i].type) == 0))
			return kinds[i].kind;
	return CELL_OTHER;
}

/* The text a cell shows: data.name, else attrs.text.text or attrs.label.text. */
static const char *cell_name(json_t *json, json_t *data)
{
	const char *name = json_string_value(json_object_get(data, "name"));
	if (name && *name)
		return name;
	json_t *attrs = json_object_get(json, "attrs");
	const char *text = json_string_value(json_object_get(json_object_get(attrs, "text"), "text"));
	if (!text || !*text)
		text = json_string_value(json_object_get(json_object_get(attrs, "label"), "text"));
	return text && *text ? text : NULL;
}

/* Threat Dragon names its cells by UUIDs; a cell id that is an
 * identifier and no UUID (a model `threat` exported) is kept as it is. */
static bool looks_like_uuid(const char *id)
{
	size_t hex = 0, dashes = 0;
	for (const char *c = id; *c; c++) {
		if (*c == '-')
			dashes++;
		else if (isxdigit((unsigned char)*c))
			hex++;
		else
			return false;
	}
	return hex == 32 && dashes == 4;
}

static void read_geometry(td_importer *im, cell *c)
{
	json_t *position = tm_jin_member(&im->in, c->json, c->pointer, "position", JSON_OBJECT, false);
	json_t *size = tm_jin_member(&im->in, c->json, c->pointer, "size", JSON_OBJECT, false);
	const char *p = tm_jin_key(&im->in, c->pointer, "position"),
	           *s = tm_jin_key(&im->in, c->pointer, "size");
	c->x = position ? tm_jin_number(&im->in, position, p, "x", 0) : 0;
	c->y = position ? tm_jin_number(&im->in, position, p, "y", 0) : 0;
	c->w = size ? tm_jin_number(&im->in, size, s, "width", 0) : 0;
	c->h = size ? tm_jin_number(&im->in, size, s, "height", 0) : 0;
	if (!isfinite(c->x) || !isfinite(c->y) || !isfinite(c->w) || !isfinite(c->h) || c->w < 0 || c->h < 0)
		c->x = c->y = c->w = c->h = 0;
}

static bool inside(const cell *box, double x, double y)
{
	return x >= box->x && x <= box->x + box->w && y >= box->y && y <= box->y + box->h;
}

static bool box_within(const cell *inner, const cell *outer)
{
	return inner != outer && inner->x >= outer->x && inner->y >= outer->y &&
	       inner->x + inner->w <= outer->x + outer->w && inner->y + inner->h <= outer->y + outer->h &&
	       inner->w * inner->h < outer->w * outer->h;
}

/* Every element's and box's smallest enclosing box on its own diagram: so
 * boxes nest or are apart, as `.threat` boundaries must. */
static void find_boxes(td_importer *im)
{
	for (size_t i = 0; i < im->ncells; i++) {
		cell *c = &im->cells[i];
		if (c->kind != CELL_EXTERNAL && c->kind != CELL_PROCESS && c->kind != CELL_STORE &&
		    c->kind != CELL_BOX)
			continue;
		double cx = c->x + c->w / 2, cy = c->y + c->h / 2;
		for (size_t j = 0; j < im->ncells; j++) {
			cell *box = &im->cells[j];
			if (box->kind != CELL_BOX || box == c || box->diagram != c->diagram)
				continue;
			bool in = c->kind == CELL_BOX ? box_within(c, box) : inside(box, cx, cy);
			if (in && (!c->box || box->w * box->h < c->box->w * c->box->h))
				c->box = box;
		}
	}
}

static const char *data_string(td_importer *im, const cell *c, const char *key)
{
	const char *text =
	    tm_jin_string(&im->in, c->data, tm_jin_key(&im->in, c->pointer, "data"), key, false);
	return text && *text ? text : NULL;
}

static bool data_bool(td_importer *im, const cell *c, const char *key)
{
	return tm_jin_bool(&im->in, c->data, tm_jin_key(&im->in, c->pointer, "data"), key, false);
}

static void put_common(td_importer *im, const cell *c)
{
	const char *description = data_string(im, c, "description");
	if (description) {
		tm_buf_puts(im->out, "  description ");
		tm_interop_put_string(im->out, description);
		tm_buf_putc(im->out, '\n');
	}
	if (c->kind != CELL_BOX && c->kind != CELL_CURVE && data_bool(im, c, "outOfScope")) {
		tm_buf_puts(im->out, "  in_scope false\n");
		const char *reason = data_string(im, c, "reasonOutOfScope");
		if (reason)
			tm_interop_put_note(im->out, "td", "reason-out-of-scope", reason);
	}
	if (!c->id || strcmp(c->id, c->original) != 0)
		tm_interop_put_note(im->out, "td", "id", c->original);
}

/* Threat Dragon's severity as OWASP likelihood and impact levels whose
 * risk is that severity (doc/risk.md, the matrix). */
static void severity_factors(const char *severity, int *likelihood, int *impact)
{
	*likelihood = 2;
	*impact = 2;
	if (!severity)
		return;
	char lower[16];
	size_t n = 0;
	for (; severity[n] && n + 1 < sizeof lower; n++)
		lower[n] =
		    (char)(severity[n] >= 'A' && severity[n] <= 'Z' ? severity[n] - 'A' + 'a' : severity[n]);
	lower[n] = '\0';
	if (strcmp(lower, "critical") == 0)
		*likelihood = 3, *impact = 3;
	else if (strcmp(lower, "high") == 0)
		*impact = 3;
	else if (strcmp(lower, "low") == 0)
		*likelihood = 1;
}

static bool status_in(const char *status, const char *const *words)
{
	for (size_t i = 0; words[i]; i++) {
		size_t n = strlen(words[i]);
		bool same = strlen(status) == n;
		for (size_t k = 0; same && k < n; k++)
			same = (status[k] | 0x20) == (words[i][k] | 0x20);
		if (same)
			return true;
	}
	return false;
}

/* A finding id as `threat` writes one (RULE@KEY): a finding its rules
 * raise again when the imported model is checked. */
static bool is_finding_id(const char *id)
{
	const char *at = id ? strchr(id, '@') : NULL;
	return at && at != id && at[1] && id[0] >= 'A' && id[0] <= 'Z';
}

static void put_cell_threats(td_importer *im, const cell *c, const char *on)
{
	json_t *threats = json_object_get(c->data, "threats");
	const char *base = tm_jin_key(&im->in, tm_jin_key(&im->in, c->pointer, "data"), "threats");
	if (!threats || json_is_null(threats)) {
		threats = json_object_get(c->json, "threats");
		base = tm_jin_key(&im->in, c->pointer, "threats");
	}
	if (!threats || json_is_null(threats))
		return;
	if (!json_is_array(threats)) {
		tm_jin_error(&im->in, base, "expected an array, found %s", tm_jin_type_name(threats));
		return;
	}
	for (size_t i = 0; i < json_array_size(threats); i++) {
		json_t *threat = json_array_get(threats, i);
		const char *pointer = tm_jin_index(&im->in, base, i);
		if (!json_is_object(threat)) {
			tm_jin_error(&im->in, pointer, "expected an object, found %s",
			             tm_jin_type_name(threat));
			continue;
		}
		const char *original = tm_jin_string(&im->in, threat, pointer, "id", false);
		const char *title = tm_jin_string(&im->in, threat, pointer, "title", false);
		const char *status = tm_jin_string(&im->in, threat, pointer, "status", false);
		const char *severity = tm_jin_string(&im->in, threat, pointer, "severity", false);
		const char *type = tm_jin_string(&im->in, threat, pointer, "type", false);
		const char *description = tm_jin_string(&im->in, threat, pointer, "description", false);
		const char *mitigation = tm_jin_string(&im->in, threat, pointer, "mitigation", false);
		if (is_finding_id(original)) {
			im->skipped_findings++;
			continue;
		}
		const char *category = type ? tm_interop_category(type) : NULL;
		if (!category) {
			category = "information_disclosure";
			tm_jin_warning(&im->in, pointer,
			               "threat type '%s' is no STRIDE or LINDDUN category: written as "
			               "information_disclosure",
			               type ? type : "");
		}
		int likelihood, impact;
		severity_factors(severity, &likelihood, &impact);
		char stem[32];
		snprintf(stem, sizeof stem, "T-%zu", ++im->threats);
		const char *id = tm_idset_make(im->ids, NULL, stem, "T");
		tm_buf_printf(im->out, "\nthreat %s ", id);
		tm_interop_put_string(im->out, title && *title ? title : id);
		tm_buf_printf(im->out, " {\n  category %s\n  on %s\n", category, on);
		tm_buf_printf(im->out,
		              "  likelihood { skill %d  motive %d  opportunity %d  population %d  "
		              "discoverability %d }\n",
		              likelihood, likelihood, likelihood, likelihood, likelihood);
		tm_buf_printf(im->out, "  impact { %s %d }\n", tm_interop_impact_factor(category), impact);
		if (description && *description) {
			tm_buf_puts(im->out, "  description ");
			tm_interop_put_string(im->out, description);
			tm_buf_putc(im->out, '\n');
		}
		if (mitigation && *mitigation) {
			tm_buf_puts(im->out, "  mitigation ");
			tm_interop_put_string(im->out, mitigation);
			tm_buf_putc(im->out, '\n');
		}
		if (severity && *severity)
			tm_interop_put_note(im->out, "td", "severity", severity);
		if (original && *original)
			tm_interop_put_note(im->out, "td", "id", original);
		tm_buf_puts(im->out, "}\n");
		static const char *const mitigated[] = {"Mitigated", "Avoided", "Eliminated", NULL};
		static const char *const accepted[] = {
		    "NA", "N/A", "NotApplicable", "Not applicable", "Accepted", "Transferred", NULL};
		if (status && status_in(status, mitigated)) {
			const char *mid =
			    tm_idset_make(im->ids, NULL, tm_arena_printf(im->in.arena, "M-%s", id), "M");
			tm_buf_printf(&im->mitigations, "\nmitigation %s ", mid);
			tm_interop_put_string(&im->mitigations,
			                      tm_arena_printf(im->in.arena, "%s in Threat Dragon", status));
			tm_buf_printf(&im->mitigations, " {\n  mitigates [%s]\n  status implemented\n}\n",
			              id);
		} else if (status && status_in(status, accepted)) {
			tm_buf_printf(&im->accepts, "\naccept %s ", id);
			tm_interop_put_string(&im->accepts,
			                      tm_arena_printf(im->in.arena, "%s in Threat Dragon", status));
			tm_buf_putc(&im->accepts, '\n');
		}
	}
}

static void read_cells(td_importer *im, json_t *diagrams)
{
	size_t total = 0;
	for (size_t d = 0; d < json_array_size(diagrams); d++) {
		json_t *cells = json_object_get(json_array_get(diagrams, d), "cells");
		total += json_is_array(cells) ? json_array_size(cells) : 0;
	}
	im->cells = tm_xcalloc(total + 1, sizeof(cell));
	for (size_t d = 0; d < json_array_size(diagrams); d++) {
		json_t *diagram = json_array_get(diagrams, d);
		const char *dpointer = tm_jin_index(&im->in, "/detail/diagrams", d);
		if (!json_is_object(diagram)) {
			tm_jin_error(&im->in, dpointer, "expected an object, found %s",
			             tm_jin_type_name(diagram));
			continue;
		}
		if (json_object_get(diagram, "diagramJson")) {
			tm_jin_error(&im->in, dpointer,
			             "a Threat Dragon version 1 diagram: open and save the model in Threat "
			             "Dragon 2 first");
			continue;
		}
		json_t *cells = tm_jin_member(&im->in, diagram, dpointer, "cells", JSON_ARRAY, false);
		const char *cpointer = tm_jin_key(&im->in, dpointer, "cells");
		for (size_t i = 0; cells && i < json_array_size(cells); i++) {
			cell *c = &im->cells[im->ncells];
			c->json = json_array_get(cells, i);
			c->pointer = tm_jin_index(&im->in, cpointer, i);
			c->diagram = d;
			if (!json_is_object(c->json)) {
				tm_jin_error(&im->in, c->pointer, "expected an object, found %s",
				             tm_jin_type_name(c->json));
				continue;
			}
			c->original = tm_jin_string(&im->in, c->json, c->pointer, "id", true);
			const char *shape = tm_jin_string(&im->in, c->json, c->pointer, "shape", false);
			c->data = tm_jin_member(&im->in, c->json, c->pointer, "data", JSON_OBJECT, false);
			const char *type =
			    c->data ? tm_jin_string(&im->in, c->data, tm_jin_key(&im->in, c->pointer, "data"),
			                            "type", false)
			            : NULL;
			if (!c->original)
				continue;
			c->kind = kind_of(shape, type);
			if (c->kind == CELL_OTHER) {
				tm_jin_warning(&im->in, c->pointer,
				               "a cell of shape '%s' has no place in threat: left out",
				               shape ? shape : "");
				continue;
			}
			if (c->kind == CELL_TEXT)
				continue;
			if (c->kind == CELL_BOX && ++im->boxes > TM_INTEROP_MAX_TD_BOXES) {
				if (im->boxes == TM_INTEROP_MAX_TD_BOXES + 1)
					tm_jin_error(&im->in, c->pointer, "more than %d trust boundary boxes",
					             TM_INTEROP_MAX_TD_BOXES);
				continue;
			}
			if (tm_strmap_add(im->by_id, c->original, c)) {
				tm_jin_error(&im->in, tm_jin_key(&im->in, c->pointer, "id"),
				             "a second cell '%s'", c->original);
				continue;
			}
			c->name = cell_name(c->json, c->data);
			if (c->kind != CELL_FLOW && c->kind != CELL_CURVE)
				read_geometry(im, c);
			im->ncells++;
		}
	}
}

static void put_node_cell(td_importer *im, cell *c)
{
	tm_buf_printf(im->out, "\n%s %s", cell_keywords[c->kind], c->id);
	if (c->name && strcmp(c->name, c->id) != 0) {
		tm_buf_putc(im->out, ' ');
		tm_interop_put_string(im->out, c->name);
	}
	size_t block = tm_interop_open_block(im->out);
	if (c->kind == CELL_STORE && data_bool(im, c, "isEncrypted"))
		tm_buf_puts(im->out, "  encrypted true\n");
	put_common(im, c);
	tm_interop_close_block(im->out, block);
}

static void put_boundary_cell(td_importer *im, cell *c)
{
	tm_buf_printf(im->out, "\nboundary %s", c->id);
	if (c->name && strcmp(c->name, c->id) != 0) {
		tm_buf_putc(im->out, ' ');
		tm_interop_put_string(im->out, c->name);
	}
	tm_buf_puts(im->out, " <");
	bool first = true;
	for (size_t i = 0; c->kind == CELL_BOX && i < im->ncells; i++) {
		const cell *member = &im->cells[i];
		if (member->box == c && member->id && member->kind != CELL_FLOW) {
			tm_buf_printf(im->out, "%s%s", first ? "" : ", ", member->id);
			first = false;
		}
	}
	tm_buf_putc(im->out, '>');
	size_t block = tm_interop_open_block(im->out);
	put_common(im, c);
	tm_interop_close_block(im->out, block);
	if (c->kind == CELL_CURVE)
		tm_jin_warning(
		    &im->in, c->pointer,
		    "trust boundary curve '%s' has no inside: written as a boundary with no members, "
		    "so no flow crosses it (draw it as a box in Threat Dragon to keep it)",
		    c->name ? c->name : c->original);
}

/* The end of a flow: a cell of an element, or NULL after a warning. */
static const cell *flow_end(td_importer *im, const cell *flow, const char *key)
{
	json_t *end = json_object_get(flow->json, key);
	const char *pointer = tm_jin_key(&im->in, flow->pointer, key);
	const char *id = json_is_object(end) ? json_string_value(json_object_get(end, "cell")) : NULL;
	const cell *at = id ? tm_strmap_get(im->by_id, id) : NULL;
	if (!at || !at->id || at->kind == CELL_FLOW || at->kind == CELL_BOX || at->kind == CELL_CURVE) {
		tm_jin_warning(&im->in, pointer,
		               "flow '%s' is not connected to an actor, process or store at its %s: left out",
		               flow->name ? flow->name : flow->original, key);
		return NULL;
	}
	return at;
}

static void put_flows(td_importer *im)
{
	tm_strmap *keys = tm_strmap_new(64);
	for (size_t i = 0; i < im->ncells; i++) {
		cell *c = &im->cells[i];
		if (c->kind != CELL_FLOW)
			continue;
		const cell *source = flow_end(im, c, "source"), *target = flow_end(im, c, "target");
		if (!source || !target)
			continue;
		if (source == target) {
			tm_jin_warning(&im->in, c->pointer, "flow '%s' runs from a cell to itself: left out",
			               c->name ? c->name : c->original);
			continue;
		}
		const char *key = tm_arena_printf(im->in.arena, "%s->%s", source->id, target->id);
		const char *id = NULL;
		if (tm_strmap_get(keys, key))
			id = tm_idset_make(im->ids, NULL, c->name, "flow");
		else
			tm_strmap_add(keys, key, (void *)key);
		bool both = data_bool(im, c, "isBidirectional");
		tm_buf_puts(im->out, "\nflow ");
		if (id)
			tm_buf_printf(im->out, "%s: ", id);
		tm_buf_printf(im->out, "%s %s %s", source->id, both ? "<->" : "->", target->id);
		if (c->name) {
			tm_buf_putc(im->out, ' ');
			tm_interop_put_string(im->out, c->name);
		}
		size_t block = tm_interop_open_block(im->out);
		const char *protocol = data_string(im, c, "protocol");
		if (protocol) {
			tm_buf_puts(im->out, "  protocol ");
			tm_interop_put_string(im->out, protocol);
			tm_buf_putc(im->out, '\n');
		}
		if (data_bool(im, c, "isEncrypted"))
			tm_buf_puts(im->out, "  tls true\n");
		if (data_bool(im, c, "isPublicNetwork"))
			tm_buf_puts(im->out, "  x-td-public-network true\n");
		put_common(im, c);
		tm_interop_close_block(im->out, block);
		c->id = id ? id : tm_arena_printf(im->in.arena, "%s -> %s", source->id, target->id);
	}
	tm_strmap_free(keys);
}

int tm_interop_import_threat_dragon(tm_buf *out, const tm_source *src, tm_diags *diags)
{
	td_importer im = {.in = {src, diags, tm_arena_new()}, .out = out};
	size_t errors = diags->errors;
	im.ids = tm_idset_new();
	im.by_id = tm_strmap_new(64);
	json_t *root = tm_jin_load(&im.in);
	if (!root)
		goto out;
	if (!json_is_object(root)) {
		tm_jin_error(&im.in, "", "expected a Threat Dragon model (an object), found %s",
		             tm_jin_type_name(root));
		goto out;
	}
	json_t *summary = tm_jin_member(&im.in, root, "", "summary", JSON_OBJECT, true);
	json_t *detail = tm_jin_member(&im.in, root, "", "detail", JSON_OBJECT, true);
	const char *version = tm_jin_string(&im.in, root, "", "version", false);
	if (!summary || !detail)
		goto out;
	json_t *diagrams = tm_jin_member(&im.in, detail, "/detail", "diagrams", JSON_ARRAY, true);
	if (!diagrams)
		goto out;
	if (version && strncmp(version, "2.", 2) != 0)
		tm_jin_warning(&im.in, "/version", "Threat Dragon version %s is read as version 2", version);
	const char *title = tm_jin_string(&im.in, summary, "/summary", "title", true);
	const char *description = tm_jin_string(&im.in, summary, "/summary", "description", false);
	const char *owner = tm_jin_string(&im.in, summary, "/summary", "owner", false);
	const char *reviewer = tm_jin_string(&im.in, detail, "/detail", "reviewer", false);
	read_cells(&im, diagrams);
	if (diags->errors > errors || !title)
		goto out;
	tm_buf_puts(out, "model ");
	tm_interop_put_string(out, title);
	size_t block = tm_interop_open_block(out);
	if (description && *description) {
		tm_buf_puts(out, "  description ");
		tm_interop_put_string(out, description);
		tm_buf_putc(out, '\n');
	}
	if (owner && *owner)
		tm_interop_put_note(out, "td", "owner", owner);
	if (reviewer && *reviewer)
		tm_interop_put_note(out, "td", "reviewer", reviewer);
	tm_interop_close_block(out, block);
	static const char *const stems[] = {"",     "external", "process",  "store",
	                                    "flow", "boundary", "boundary", ""};
	for (size_t i = 0; i < im.ncells; i++) {
		cell *c = &im.cells[i];
		if (c->kind != CELL_FLOW)
			c->id =
			    looks_like_uuid(c->original) ? NULL : tm_idset_take(im.ids, NULL, c->original);
		if (!c->id)
			c->id = tm_idset_make(im.ids, NULL, c->name, stems[c->kind]);
	}
	find_boxes(&im);
	for (size_t i = 0; i < im.ncells; i++)
		if (im.cells[i].kind == CELL_EXTERNAL || im.cells[i].kind == CELL_PROCESS ||
		    im.cells[i].kind == CELL_STORE)
			put_node_cell(&im, &im.cells[i]);
	for (size_t i = 0; i < im.ncells; i++)
		if (im.cells[i].kind == CELL_BOX || im.cells[i].kind == CELL_CURVE)
			put_boundary_cell(&im, &im.cells[i]);
	put_flows(&im);
	for (size_t i = 0; i < im.ncells; i++) {
		cell *c = &im.cells[i];
		if (c->id && c->kind != CELL_BOX && c->kind != CELL_CURVE)
			put_cell_threats(&im, c, c->id);
	}
	tm_buf_take(out, &im.mitigations);
	tm_buf_take(out, &im.accepts);
	if (im.skipped_findings)
		tm_jin_warning(
		    &im.in, "",
		    "%zu threat%s with a finding id (RULE@ELEMENT) %s left out: threat's rules raise them "
		    "again when the model is checked",
		    im.skipped_findings, im.skipped_findings == 1 ? "" : "s",
		    im.skipped_findings == 1 ? "is" : "are");
out:
	tm_buf_free(&im.mitigations);
	tm_buf_free(&im.accepts);
	free(im.cells);
	tm_strmap_free(im.by_id);
	tm_idset_free(im.ids);
	json_decref(root);
	tm_arena_free(im.in.arena);
	return diags->errors > errors ? TM_ERR_INPUT : TM_OK;
}
