/* The commands of the query language run against a session: what each
 * shows, as aligned text for people (fitted to the terminal's width) or as
 * JSON for scripts. */
#include "base/limits.h"
#include "query/query.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/date.h"
#include "base/xalloc.h"
#include "render/render.h"
#include "render/report.h"
#include "render/term.h"
#include "rules/rules.h"
#include "session/session.h"
#include "threat/status.h"

/* A column narrower than this is useless: the line overflows instead. */
#define MIN_FLEX_WIDTH 12

/* ---- small helpers ---- */

static const char *risk_name(const tm_finding *f)
{
	return f->risk <= TM_RISK_CRITICAL ? tm_risk_names[f->risk] : "?";
}

static const char *status_name(tm_status status)
{
	return (int)status >= 0 && status <= TM_STATUS_FALSE_POSITIVE ? tm_status_names[status] : "?";
}

static const char *level_name(tm_score_level level)
{
	return (int)level >= 1 && level <= TM_SCORE_HIGH ? tm_score_level_names[level] : "?";
}

static const char *kind_name(const tm_element *el)
{
	return el->kind < TM_EL_COUNT ? tm_element_kind_names[el->kind] : "?";
}

/* ORDER ELEMENT */
static const char *const kind_plurals[TM_EL_COUNT] = {
    "externals", "processes", "stores", "flows", "boundaries", "assets", "actors",
};

static const char *kind_count_name(int kind, size_t count)
{
	return count == 1 ? tm_element_kind_names[kind] : kind_plurals[kind];
}

static const char *key_of(const tm_element *el)
{
	return el && el->key ? el->key : "?";
}

static bool label_differs(const tm_element *el)
{
	return el->label && *el->label && !(el->key && strcmp(el->label, el->key) == 0) &&
	       !(el->id && strcmp(el->label, el->id) == 0);
}

/* `KEY "label"` (the label only when it says more than the key), sanitised. */
static void put_named(tm_buf *out, const tm_element *el)
{
	tm_term_sanitize(out, key_of(el));
	if (label_differs(el)) {
		tm_buf_puts(out, " \"");
		tm_term_sanitize(out, el->label);
		tm_buf_putc(out, '"');
	}
}

/* A score as the arithmetic shows it: two decimals at most, trailing zeros
 * dropped but `keep` decimals kept (2 -> "2.0" with keep 1). */
static void put_score(tm_buf *out, double score, int keep)
{
	char text[32];
	snprintf(text, sizeof text, "%.2f", score);
	char *dot = strchr(text, '.');
	if (dot) {
		char *end = text + strlen(text);
		while (end > dot + 1 + keep && end[-1] == '0')
			end--;
		if (end == dot + 1)
			end = dot;
		*end = '\0';
	}
	tm_buf_puts(out, text);
}

/* The `controls` of a boundary as "TLS, rate limiting", or NULL. */
static char *controls_text(const tm_element *boundary)
{
	const tm_attr *controls = boundary->decl ? tm_decl_attr(boundary->decl, "controls") : NULL;
	if (!controls || !controls->value)
		return NULL;
	tm_buf text = TM_BUF_INIT;
	tm_render_value_text(&text, controls->value);
	if (!text.len) {
		tm_buf_free(&text);
		return NULL;
	}
	return tm_buf_detach(&text);
}

static const tm_element *top_of(const tm_element *el)
{
	for (int i = 0; el && el->parent && i < MAX_NESTING; i++)
		el = el->parent;
	return el;
}

static bool within(const tm_element *el, const tm_element *ancestor)
{
	for (int i = 0; el && i < MAX_NESTING; i++, el = el->parent)
		if (el == ancestor)
			return true;
	return false;
}

/* The element's position in model->elements (its `index`, checked). */
static size_t position(const tm_model *model, const tm_element *el)
{
	if (el->index < model->nelements && model->elements[el->index] == el)
		return el->index;
	for (size_t i = 0; i < model->nelements; i++)
		if (model->elements[i] == el)
			return i;
	return model->nelements;
}

static const tm_element *find_element(const tm_model *model, const char *key)
{
	if (model->index) {
		const tm_element *el = tm_model_get(model, key);
		if (el)
			return el;
	}
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el && ((el->key && strcmp(el->key, key) == 0) || (el->id && strcmp(el->id, key) == 0)))
			return el;
	}
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el && el->key && strcasecmp(el->key, key) == 0)
			return el;
	}
	return NULL;
}

static const tm_finding *find_finding(const tm_findings *findings, const char *id)
{
	for (size_t i = 0; i < findings->count; i++)
		if (findings->items[i].id && strcmp(findings->items[i].id, id) == 0)
			return &findings->items[i];
	for (size_t i = 0; i < findings->count; i++)
		if (findings->items[i].id && strcasecmp(findings->items[i].id, id) == 0)
			return &findings->items[i];
	return NULL;
}

/* "did you mean" over many ids: only those of a similar length and first
 * letter are compared, so an error on a huge model stays quick. */
static void suggest_among(tm_diag *diag, const char *name, const char **ids, size_t count)
{
	if (!diag || !*name)
		return;
	size_t len = strlen(name), n = 0;
	for (size_t i = 0; i < count && n < MAX_SUGGEST_CANDIDATES; i++) {
		size_t l = strlen(ids[i]);
		if ((l + 3 >= len && l <= len + 3) &&
		    (count <= MAX_SUGGEST_CANDIDATES || ids[i][0] == name[0]))
			ids[n++] = ids[i];
	}
	const char *guess = tm_suggest(name, ids, n);
	if (guess)
		tm_diag_note(diag, (tm_span){0}, "did you mean '%s'?", guess);
}

static void suggest_element(tm_diag *diag, const tm_model *model, const char *name, bool boundaries_only)
{
	const char **ids = tm_xcalloc(model->nelements + 1, sizeof(*ids));
	size_t n = 0;
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el && el->key && (!boundaries_only || el->kind == TM_EL_BOUNDARY))
			ids[n++] = el->key;
	}
	suggest_among(diag, name, ids, n);
	free(ids);
}

static void suggest_finding(tm_diag *diag, const tm_findings *findings, const char *name)
{
	const char **ids = tm_xcalloc(findings->count + 1, sizeof(*ids));
	size_t n = 0;
	for (size_t i = 0; i < findings->count; i++)
		if (findings->items[i].id)
			ids[n++] = findings->items[i].id;
	suggest_among(diag, name, ids, n);
	free(ids);
}

/* ---- aligned tables ---- */

typedef struct table {
	size_t ncols;
	const char *const *head;
	char **cells; /* row-major, ncols a row */
	size_t nrows, cap;
	size_t flex; /* the column that shrinks to fit the width */
} table;

static void table_row(table *t, ...)
{
	va_list ap;
	va_start(ap, t);
	for (size_t c = 0; c < t->ncols; c++) {
		const char *text = va_arg(ap, const char *);
		char *copy = tm_xstrdup(text ? text : "");
		TM_VEC_PUSH(t->cells, t->nrows, t->cap, copy);
	}
	va_end(ap);
}

static void table_print(tm_buf *out, table *t, const tm_query_output *opts, const char *indent)
{
	size_t rows = t->nrows / t->ncols;
	size_t *width = tm_xcalloc(t->ncols, sizeof(*width));
	for (size_t c = 0; c < t->ncols; c++)
		width[c] = tm_term_width(t->head[c]);
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = tm_term_width(t->cells[r * t->ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	size_t total = strlen(indent);
	for (size_t c = 0; c < t->ncols; c++)
		total += width[c] + (c ? 2 : 0);
	if (opts->width > 0 && total > (size_t)opts->width) {
		size_t over = total - (size_t)opts->width;
		size_t room = width[t->flex] > over + MIN_FLEX_WIDTH ? width[t->flex] - over : MIN_FLEX_WIDTH;
		if (room < width[t->flex])
			width[t->flex] = room;
	}
	for (size_t r = 0; r <= rows; r++) {
		tm_buf_puts(out, indent);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *text = r == 0 ? t->head[c] : t->cells[(r - 1) * t->ncols + c];
			if (c)
				tm_buf_puts(out, "  ");
			size_t shown = tm_term_fit(out, text, width[c]);
			/* no padding after the last column: no trailing blanks */
			if (c + 1 < t->ncols)
				tm_buf_fill(out, ' ', width[c] - shown);
		}
		while (out->len && out->data[out->len - 1] == ' ')
			out->data[--out->len] = '\0';
		tm_buf_putc(out, '\n');
	}
	free(width);
}

static void table_free(table *t)
{
	for (size_t i = 0; i < t->nrows; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* ---- threats ---- */

/* The selected findings as a set the writers take (shallow copies: the
 * strings stay the session's). */
static void view_of(tm_findings *view, const tm_finding *const *items, size_t count)
{
	memset(view, 0, sizeof(*view));
	view->items = tm_xcalloc(count ? count : 1, sizeof(*view->items));
	for (size_t i = 0; i < count; i++)
		view->items[i] = *items[i];
	view->count = view->cap = count;
}

static int run_threats(tm_buf *out, tm_query *query, const tm_session *session, const tm_query_output *opts,
                       tm_diags *diags)
{
	const tm_finding **items;
	size_t count;
	if (tm_query_select(&items, &count, query, session->model, &session->findings, opts->index, diags) !=
	    TM_OK)
		return TM_ERR_INPUT;
	tm_findings view;
	view_of(&view, items, count);
	free(items);
	if (opts->json) {
		tm_render_check_json(out, session->model, &view, NULL);
	} else {
		tm_render_options out_opts = {.color = opts->color, .width = opts->width};
		tm_render_check_text(out, NULL, &view, &out_opts);
	}
	free(view.items);
	return TM_OK;
}

/* ---- elements ---- */

/* Findings per element, by position in model->elements. */
static size_t *findings_per_element(const tm_session *session)
{
	const tm_model *model = session->model;
	size_t *counts = tm_xcalloc(model->nelements + 1, sizeof(*counts));
	for (size_t i = 0; i < session->findings.count; i++) {
		const tm_element *el = session->findings.items[i].element;
		if (el)
			counts[position(model, el)]++;
	}
	return counts;
}

/* Externals, processes, stores and flows have an exposure. */
static const char *exposure_of(const tm_element *el)
{
	if (el->kind != TM_EL_EXTERNAL && el->kind != TM_EL_PROCESS && el->kind != TM_EL_STORE &&
	    el->kind != TM_EL_FLOW)
		return "-";
	return (int)el->exposure >= 1 && el->exposure <= 3 ? tm_exposure_names[el->exposure] : "-";
}

static int run_elements(tm_buf *out, tm_query *query, const tm_session *session, const tm_query_output *opts)
{
	const tm_model *model = session->model;
	size_t *counts = findings_per_element(session);
	tm_exposure_path *paths = opts->json ? tm_model_exposure_paths(model) : NULL;
	tm_json json;
	table t = {0};
	static const char *const head[] = {"ID", "KIND", "LABEL", "EXPOSURE", "FINDINGS"};
	t.ncols = 5;
	t.head = head;
	t.flex = 2;
	if (opts->json) {
		tm_json_init(&json, out);
		tm_json_begin_object(&json);
		tm_json_key(&json, "elements");
		tm_json_begin_array(&json);
	}
	size_t shown = 0;
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (!el || (query->arg && strcmp(kind_name(el), query->arg) != 0))
			continue;
		shown++;
		if (opts->json) {
			tm_json_begin_object(&json);
			tm_json_key(&json, "id");
			tm_json_string(&json, el->key);
			tm_json_key(&json, "kind");
			tm_json_string(&json, kind_name(el));
			tm_json_key(&json, "label");
			tm_json_string(&json, el->label);
			tm_json_key(&json, "exposure");
			const char *exposure = exposure_of(el);
			tm_json_string(&json, strcmp(exposure, "-") ? exposure : NULL);
			tm_json_key(&json, "exposure_reason");
			tm_buf why = TM_BUF_INIT;
			if (strcmp(exposure, "-") != 0 && tm_element_exposure_why(&why, el, paths))
				tm_json_string(&json, tm_buf_str(&why));
			else
				tm_json_null(&json);
			tm_buf_free(&why);
			tm_json_key(&json, "findings");
			tm_json_int(&json, (int64_t)counts[i]);
			tm_json_end_object(&json);
		} else {
			char number[32];
			snprintf(number, sizeof number, "%zu", counts[i]);
			table_row(&t, key_of(el), kind_name(el), el->label ? el->label : "", exposure_of(el),
			          number);
		}
	}
	if (opts->json) {
		tm_json_end_array(&json);
		tm_json_end_object(&json);
		tm_buf_putc(out, '\n');
	} else if (shown) {
		table_print(out, &t, opts, "");
		int kind = -1;
		for (int k = 0; query->arg && k < TM_EL_COUNT; k++)
			if (strcmp(query->arg, tm_element_kind_names[k]) == 0)
				kind = k;
		tm_buf_printf(out, "%zu %s\n", shown,
		              kind >= 0    ? kind_count_name(kind, shown)
		              : shown == 1 ? "element"
		                           : "elements");
	} else {
		int kind = -1;
		for (int k = 0; query->arg && k < TM_EL_COUNT; k++)
			if (strcmp(query->arg, tm_element_kind_names[k]) == 0)
				kind = k;
		tm_buf_printf(out, "No %s in the model.\n", kind >= 0 ? kind_plurals[kind] : "elements");
	}
	table_free(&t);
	free(counts);
	free(paths);
	return TM_OK;
}

/* ---- flows ---- */

static bool crosses(const tm_element *flow, const tm_element *boundary)
{
	for (size_t i = 0; i < flow->ncrossings; i++)
		if (flow->crossings[i] == boundary)
			return true;
	return false;
}

static void flow_text(tm_buf *out, const tm_element *flow)
{
	if (flow->id) {
		tm_buf_puts(out, flow->id);
		tm_buf_puts(out, ": ");
	}
	tm_buf_puts(out, key_of(flow->source));
	tm_buf_puts(out, flow->bidirectional ? " <-> " : " -> ");
	tm_buf_puts(out, key_of(flow->target));
}

static void crossings_text(tm_buf *out, const tm_element *flow)
{
	for (size_t i = 0; i < flow->ncrossings; i++) {
		if (i)
			tm_buf_puts(out, ", ");
		tm_buf_puts(out, key_of(flow->crossings[i]));
	}
}

static const tm_element *find_boundary(const tm_model *model, const tm_query *query, tm_diags *diags)
{
	const tm_element *boundary = find_element(model, query->arg);
	if (boundary && boundary->kind == TM_EL_BOUNDARY)
		return boundary;
	tm_diag *diag =
	    boundary ? tm_diag_error(diags, query->arg_span, "'%s' is a %s, not a boundary", query->arg,
	                             kind_name(boundary))
	             : tm_diag_error(diags, query->arg_span, "no boundary '%s' in the model", query->arg);
	suggest_element(diag, model, query->arg, true);
	return NULL;
}

static int run_flows(tm_buf *out, tm_query *query, const tm_session *session, const tm_query_output *opts,
                     tm_diags *diags)
{
	const tm_model *model = session->model;
	const tm_element *boundary = NULL;
	if (query->arg && !(boundary = find_boundary(model, query, diags)))
		return TM_ERR_INPUT;
	static const char *const head[] = {"FLOW", "LABEL", "CROSSES"};
	table t = {.ncols = 3, .head = head, .flex = 1};
	tm_json json;
	if (opts->json) {
		tm_json_init(&json, out);
		tm_json_begin_object(&json);
		tm_json_key(&json, "flows");
		tm_json_begin_array(&json);
	}
	size_t shown = 0;
	tm_buf a = TM_BUF_INIT, b = TM_BUF_INIT;
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *flow = model->elements[i];
		if (!flow || flow->kind != TM_EL_FLOW || (boundary && !crosses(flow, boundary)))
			continue;
		shown++;
		if (opts->json) {
			tm_json_begin_object(&json);
			tm_json_key(&json, "id");
			tm_json_string(&json, flow->key);
			tm_json_key(&json, "source");
			tm_json_string(&json, key_of(flow->source));
			tm_json_key(&json, "target");
			tm_json_string(&json, key_of(flow->target));
			tm_json_key(&json, "bidirectional");
			tm_json_bool(&json, flow->bidirectional);
			tm_json_key(&json, "label");
			tm_json_string(&json, flow->label);
			tm_json_key(&json, "crosses");
			tm_json_begin_array(&json);
			for (size_t c = 0; c < flow->ncrossings; c++)
				tm_json_string(&json, key_of(flow->crossings[c]));
			tm_json_end_array(&json);
			tm_json_end_object(&json);
			continue;
		}
		tm_buf_clear(&a);
		tm_buf_clear(&b);
		flow_text(&a, flow);
		crossings_text(&b, flow);
		table_row(&t, tm_buf_str(&a), label_differs(flow) ? flow->label : "",
		          b.len ? tm_buf_str(&b) : "-");
	}
	tm_buf_free(&a);
	tm_buf_free(&b);
	if (opts->json) {
		tm_json_end_array(&json);
		tm_json_end_object(&json);
		tm_buf_putc(out, '\n');
	} else if (shown) {
		table_print(out, &t, opts, "");
		tm_buf_printf(out, "%zu flow%s", shown, shown == 1 ? "" : "s");
		if (boundary) {
			tm_buf_printf(out, " cross%s ", shown == 1 ? "es" : "");
			put_named(out, boundary);
		}
		tm_buf_putc(out, '\n');
	} else if (boundary) {
		tm_buf_puts(out, "No flow crosses ");
		put_named(out, boundary);
		tm_buf_puts(out, ".\n");
	} else {
		tm_buf_puts(out, "No flows in the model.\n");
	}
	table_free(&t);
	return TM_OK;
}

/* ---- explain ---- */

static const tm_mitigation *find_mitigation(const tm_model *model, const char *id)
{
	for (size_t i = 0; i < model->nmitigations; i++)
		if (model->mitigations[i].id && strcmp(model->mitigations[i].id, id) == 0)
			return &model->mitigations[i];
	return NULL;
}

static void field_line(tm_buf *out, const char *name, const char *text)
{
	if (!text || !*text)
		return;
	tm_buf_printf(out, "  %-12s ", name);
	tm_term_sanitize(out, text);
	tm_buf_putc(out, '\n');
}

static void explain(tm_buf *out, const tm_model *model, const tm_finding *f)
{
	char date[11];
	tm_term_sanitize(out, f->id);
	tm_buf_puts(out, ": ");
	tm_term_sanitize(out, f->about->title);
	tm_buf_putc(out, '\n');
	tm_buf_printf(out, "  %-12s %s\n", "risk:", risk_name(f));
	tm_buf_printf(out, "  %-12s %s", "status:", status_name(f->status));
	if (f->due != TM_NO_DATE) {
		tm_date_format(f->due, date);
		tm_buf_printf(out, ", due %s", date);
	}
	if (f->overdue)
		tm_buf_puts(out, ", overdue");
	tm_buf_putc(out, '\n');
	tm_buf_printf(out, "  %-12s ", "rule:");
	tm_term_sanitize(out, f->about->rule);
	tm_buf_puts(out, " (");
	tm_term_sanitize(out, f->about->framework);
	tm_buf_puts(out, ", ");
	tm_term_sanitize(out, f->about->category);
	tm_buf_puts(out, "), pack ");
	tm_term_sanitize(out, f->about->pack ? f->about->pack : "?");
	tm_buf_putc(out, '\n');
	tm_buf_printf(out, "  %-12s ", "element:");
	if (f->element) {
		put_named(out, f->element);
		tm_buf_printf(out, " (%s", kind_name(f->element));
		if (f->element->kind == TM_EL_FLOW && f->element->ncrossings) {
			tm_buf puts = TM_BUF_INIT;
			crossings_text(&puts, f->element);
			tm_buf_puts(out, ", crosses ");
			tm_term_sanitize(out, tm_buf_str(&puts));
			tm_buf_free(&puts);
		}
		tm_buf_putc(out, ')');
	} else {
		tm_buf_puts(out, "the model as a whole");
	}
	tm_buf_putc(out, '\n');
	field_line(out, "detail:", f->detail);
	field_line(out, "about:", f->about->description);

	/* the factors and the arithmetic of SPEC §2 */
	tm_buf_printf(out, "  %-12s", "likelihood:");
	size_t n = 0;
	for (int i = 0; i < TM_LF_COUNT; i++)
		if (f->likelihood_factors[i])
			tm_buf_printf(out, "%s %s %u", n++ ? "," : "", tm_likelihood_factor_names[i],
			              f->likelihood_factors[i]);
	tm_buf_puts(out, n ? "\n" : " no factors given\n");
	tm_buf_printf(out, "  %-12s", "impact:");
	size_t m = 0;
	for (int i = 0; i < TM_IF_COUNT; i++)
		if (f->impact_factors[i])
			tm_buf_printf(out, "%s %s %u", m++ ? "," : "", tm_impact_factor_names[i],
			              f->impact_factors[i]);
	tm_buf_puts(out, m ? "\n" : " no factors given\n");
	tm_buf_puts(out, "  likelihood = (");
	n = 0;
	for (int i = 0; i < TM_LF_COUNT; i++)
		if (f->likelihood_factors[i])
			tm_buf_printf(out, "%s%u", n++ ? "+" : "", f->likelihood_factors[i]);
	tm_buf_printf(out, ")/%zu = ", n);
	put_score(out, f->likelihood, 1);
	tm_buf_printf(out, " → %s\n", level_name(f->likelihood_level));
	tm_buf_puts(out, "  impact = max(");
	m = 0;
	for (int i = 0; i < TM_IF_COUNT; i++)
		if (f->impact_factors[i])
			tm_buf_printf(out, "%s%u", m++ ? ", " : "", f->impact_factors[i]);
	tm_buf_puts(out, ") = ");
	put_score(out, f->impact, 0);
	tm_buf_printf(out, " → %s\n", level_name(f->impact_level));
	tm_buf_printf(out, "  %s × %s = %s\n", level_name(f->likelihood_level), level_name(f->impact_level),
	              risk_name(f));

	for (size_t i = 0; i < f->nmitigations; i++) {
		const tm_mitigation *mitigation = model ? find_mitigation(model, f->mitigations[i]) : NULL;
		tm_buf_printf(out, "  %-12s ", i ? "" : "mitigations:");
		tm_term_sanitize(out, f->mitigations[i]);
		if (mitigation) {
			if (mitigation->title) {
				tm_buf_puts(out, " \"");
				tm_term_sanitize(out, mitigation->title);
				tm_buf_putc(out, '"');
			}
			if ((int)mitigation->status >= 0 && mitigation->status <= TM_MIT_VERIFIED)
				tm_buf_printf(out, " (%s)", tm_mitigation_status_names[mitigation->status]);
		}
		tm_buf_putc(out, '\n');
	}
	if (f->acceptance) {
		const tm_acceptance *a = f->acceptance;
		tm_buf_printf(out, "  %-12s ", a->false_positive ? "false pos.:" : "accepted:");
		tm_term_sanitize(out, a->reason ? a->reason : "");
		if (a->by) {
			tm_buf_puts(out, " (by ");
			tm_term_sanitize(out, a->by);
			tm_buf_putc(out, ')');
		}
		if (a->until != TM_NO_DATE) {
			tm_date_format(a->until, date);
			tm_buf_printf(out, " until %s", date);
		}
		tm_buf_putc(out, '\n');
	}
	field_line(out, "advice:", f->about->advice);
	for (size_t i = 0; i < f->about->nrefs; i++)
		field_line(out, i ? "" : "refs:", f->about->refs[i]);
	if (f->file) {
		tm_buf_printf(out, "  %-12s ", "source:");
		tm_term_sanitize(out, f->file);
		tm_buf_printf(out, ":%u\n", f->line);
	}
}

static int run_explain(tm_buf *out, tm_query *query, const tm_session *session, tm_diags *diags)
{
	const tm_finding *f = find_finding(&session->findings, query->arg);
	if (!f) {
		tm_diag *diag = tm_diag_error(diags, query->arg_span, "no finding '%s'", query->arg);
		suggest_finding(diag, &session->findings, query->arg);
		return TM_ERR_INPUT;
	}
	explain(out, session->model, f);
	return TM_OK;
}

/* ---- show ---- */

static void element_list(tm_buf *out, const char *name, tm_element *const *items, size_t count)
{
	if (!count)
		return;
	tm_buf_printf(out, "  %-12s ", name);
	for (size_t i = 0; i < count; i++) {
		if (i)
			tm_buf_puts(out, ", ");
		tm_term_sanitize(out, key_of(items[i]));
	}
	tm_buf_putc(out, '\n');
}

static void flow_lines(tm_buf *out, const char *name, tm_element *const *flows, size_t count)
{
	if (!count)
		return;
	tm_buf_printf(out, "  %s\n", name);
	tm_buf line = TM_BUF_INIT;
	for (size_t i = 0; i < count; i++) {
		const tm_element *flow = flows[i];
		tm_buf_clear(&line);
		flow_text(&line, flow);
		tm_buf_puts(out, "    ");
		tm_term_sanitize(out, tm_buf_str(&line));
		if (label_differs(flow)) {
			tm_buf_puts(out, " \"");
			tm_term_sanitize(out, flow->label);
			tm_buf_putc(out, '"');
		}
		if (flow->ncrossings) {
			tm_buf_clear(&line);
			crossings_text(&line, flow);
			tm_buf_puts(out, "  crosses ");
			tm_term_sanitize(out, tm_buf_str(&line));
		}
		tm_buf_putc(out, '\n');
	}
	tm_buf_free(&line);
}

static void attributes(tm_buf *out, const tm_element *el)
{
	const tm_block *block = el->decl ? el->decl->block : NULL;
	size_t width = 0;
	for (size_t i = 0; block && i < block->count; i++)
		if (block->items[i].attr && block->items[i].attr->name &&
		    strlen(block->items[i].attr->name) > width)
			width = strlen(block->items[i].attr->name);
	bool any = false;
	tm_buf text = TM_BUF_INIT;
	for (size_t i = 0; block && i < block->count; i++) {
		const tm_attr *attr = block->items[i].attr;
		/* a boundary's controls have their own line */
		if (!attr || !attr->name ||
		    (el->kind == TM_EL_BOUNDARY && strcmp(attr->name, "controls") == 0))
			continue;
		if (!any)
			tm_buf_puts(out, "  attributes\n");
		any = true;
		tm_buf_puts(out, "    ");
		tm_term_sanitize(out, attr->name);
		tm_buf_fill(out, ' ', width - strlen(attr->name) + 2);
		tm_buf_clear(&text);
		tm_value_source(&text, attr->value);
		tm_term_sanitize(out, tm_buf_str(&text));
		tm_buf_putc(out, '\n');
	}
	tm_buf_free(&text);
}

static void element_findings(tm_buf *out, const tm_session *session, const tm_element *el,
                             const tm_query_output *opts)
{
	static const char *const head[] = {"RISK", "ID", "TITLE", "STATUS"};
	table t = {.ncols = 4, .head = head, .flex = 2};
	for (size_t i = 0; i < session->findings.count; i++) {
		const tm_finding *f = &session->findings.items[i];
		if (f->element == el)
			table_row(&t, risk_name(f), f->id, f->about->title, status_name(f->status));
	}
	if (!t.nrows) {
		tm_buf_puts(out, "  findings     none\n");
	} else {
		tm_buf_printf(out, "  findings (%zu)\n", t.nrows / t.ncols);
		table_print(out, &t, opts, "    ");
	}
	table_free(&t);
}

static void show_element(tm_buf *out, const tm_session *session, const tm_element *el,
                         const tm_query_output *opts)
{
	const tm_model *model = session->model;
	tm_term_sanitize(out, key_of(el));
	tm_buf_printf(out, "  %s", kind_name(el));
	if (label_differs(el)) {
		tm_buf_puts(out, "  \"");
		tm_term_sanitize(out, el->label);
		tm_buf_putc(out, '"');
	}
	tm_buf_putc(out, '\n');
	if (el->decl && el->decl->span.src && el->decl->span.src->path) {
		tm_buf_printf(out, "  %-12s ", "declared:");
		tm_term_sanitize(out, el->decl->span.src->path);
		tm_buf_printf(out, ":%u\n", el->line);
	}
	if (el->parent)
		field_line(out, "parent:", key_of(el->parent));
	element_list(out, "children:", el->children, el->nchildren);
	if (el->kind == TM_EL_FLOW) {
		tm_buf line = TM_BUF_INIT;
		flow_text(&line, el);
		field_line(out, "flow:", tm_buf_str(&line));
		tm_buf_free(&line);
	}
	if (el->kind == TM_EL_EXTERNAL && el->zone)
		field_line(out, "zone:", el->zone);
	if (strcmp(exposure_of(el), "-") != 0) {
		tm_buf line = TM_BUF_INIT;
		tm_buf_puts(&line, exposure_of(el));
		tm_buf why = TM_BUF_INIT;
		tm_exposure_path *paths = tm_model_exposure_paths(model);
		if (tm_element_exposure_why(&why, el, paths))
			tm_buf_printf(&line, " — %s", tm_buf_str(&why));
		free(paths);
		field_line(out, "exposure:", tm_buf_str(&line));
		tm_buf_free(&why);
		tm_buf_free(&line);
	}
	if (el->kind == TM_EL_BOUNDARY) {
		if (el->outer)
			field_line(out, "inside:", key_of(el->outer));
		element_list(out, "members:", el->members, el->nmembers);
	} else {
		element_list(out, "boundaries:", el->boundaries, el->nboundaries);
	}
	element_list(out, el->kind == TM_EL_FLOW ? "carries:" : "assets:", el->assets, el->nassets);
	if (el->kind == TM_EL_FLOW) {
		for (size_t i = 0; i < el->ncrossings; i++) {
			const tm_element *b = el->crossings[i];
			tm_buf_printf(out, "  %-12s ", i ? "" : "crosses:");
			put_named(out, b);
			char *controls = controls_text(b);
			tm_buf_puts(out, controls ? " — controls: " : " — no controls stated");
			if (controls)
				tm_term_sanitize(out, controls);
			free(controls);
			tm_buf_putc(out, '\n');
		}
	}
	if (el->kind == TM_EL_BOUNDARY) {
		char *controls = controls_text(el);
		field_line(out, "controls:", controls ? controls : "none stated");
		free(controls);
	}
	if (!el->in_scope)
		field_line(out, "in scope:", "no (drawn, but no threats are generated)");
	attributes(out, el);
	flow_lines(out, "flows in", el->inflows, el->ninflows);
	flow_lines(out, "flows out", el->outflows, el->noutflows);
	if (el->kind == TM_EL_BOUNDARY) {
		tm_element **crossing = NULL;
		size_t count = 0, cap = 0;
		for (size_t i = 0; i < model->nelements; i++) {
			tm_element *flow = model->elements[i];
			if (flow && flow->kind == TM_EL_FLOW && crosses(flow, el))
				TM_VEC_PUSH(crossing, count, cap, flow);
		}
		flow_lines(out, "flows crossing it", crossing, count);
		free(crossing);
	}
	element_findings(out, session, el, opts);
}

static int run_show(tm_buf *out, tm_query *query, const tm_session *session, const tm_query_output *opts,
                    tm_diags *diags)
{
	const tm_element *el = find_element(session->model, query->arg);
	if (el) {
		show_element(out, session, el, opts);
		return TM_OK;
	}
	const tm_finding *f = find_finding(&session->findings, query->arg);
	if (f) {
		explain(out, session->model, f);
		return TM_OK;
	}
	tm_diag *diag = tm_diag_error(diags, query->arg_span, "no element or finding '%s'", query->arg);
	if (strchr(query->arg, '@'))
		suggest_finding(diag, &session->findings, query->arg);
	else
		suggest_element(diag, session->model, query->arg, false);
	return TM_ERR_INPUT;
}

/* ---- path ---- */

typedef struct hop {
	const tm_element *flow;
	bool backwards; /* a <-> flow taken from its target to its source */
} hop;

typedef struct path_search {
	const tm_model *model;
	const tm_element *from, *to;
	hop **adjacent; /* by position of a top-level element: the flows leaving it or its children */
	size_t *nadjacent, *capadjacent;
	bool *visited; /* by position of a top-level element */
	hop stack[PATH_MAX_FLOWS];
	size_t depth, limit;
	hop (*routes)[PATH_MAX_FLOWS];
	size_t *route_len;
	size_t nroutes;
	size_t steps;
	bool cut_routes, cut_steps, cut_depth;
} path_search;

static const tm_element *hop_start(hop h)
{
	return h.backwards ? h.flow->target : h.flow->source;
}
static const tm_element *hop_end(hop h)
{
	return h.backwards ? h.flow->source : h.flow->target;
}

static void add_hop(path_search *s, const tm_element *start, hop h)
{
	const tm_element *top = top_of(start);
	if (!top)
		return;
	size_t at = position(s->model, top);
	if (at >= s->model->nelements)
		return;
	TM_VEC_PUSH(s->adjacent[at], s->nadjacent[at], s->capadjacent[at], h);
}

/* Depth-first search for routes of exactly s->limit flows (iterative
 * deepening lists the shortest routes first). */
static void search(path_search *s, const tm_element *group)
{
	size_t at = position(s->model, group);
	for (size_t i = 0; i < s->nadjacent[at]; i++) {
		if (s->nroutes >= PATH_MAX_ROUTES) {
			s->cut_routes = true;
			return;
		}
		if (++s->steps > PATH_MAX_STEPS) {
			s->cut_steps = true;
			return;
		}
		hop h = s->adjacent[at][i];
		if (s->depth == 0 && !within(hop_start(h), s->from))
			continue;
		const tm_element *end = hop_end(h);
		if (within(end, s->to)) {
			if (s->depth + 1 == s->limit) {
				memcpy(s->routes[s->nroutes], s->stack, s->depth * sizeof(hop));
				s->routes[s->nroutes][s->depth] = h;
				s->route_len[s->nroutes++] = s->depth + 1;
			}
			continue;
		}
		const tm_element *next_group = top_of(end);
		size_t next_at = next_group ? position(s->model, next_group) : s->model->nelements;
		if (next_at >= s->model->nelements || s->visited[next_at])
			continue;
		if (s->depth + 1 >= s->limit) {
			if (s->limit == PATH_MAX_FLOWS && s->nadjacent[next_at])
				s->cut_depth = true;
			continue;
		}
		s->visited[next_at] = true;
		s->stack[s->depth++] = h;
		search(s, next_group);
		s->depth--;
		s->visited[next_at] = false;
		if (s->cut_steps)
			return;
	}
}

static const tm_element *path_end(const tm_model *model, const char *name, tm_span span, tm_diags *diags)
{
	const tm_element *el = find_element(model, name);
	if (el && (el->kind == TM_EL_EXTERNAL || el->kind == TM_EL_PROCESS || el->kind == TM_EL_STORE))
		return el;
	tm_diag *diag =
	    el ? tm_diag_error(diags, span,
	                       "'%s' is a %s: a path goes between externals, processes and stores", name,
	                       kind_name(el))
	       : tm_diag_error(diags, span, "no element '%s' in the model", name);
	if (!el)
		suggest_element(diag, model, name, false);
	return NULL;
}

static void route_lines(tm_buf *out, const hop *route, size_t len, size_t number)
{
	tm_buf_printf(out, "%zu. ", number);
	tm_term_sanitize(out, key_of(hop_start(route[0])));
	for (size_t i = 0; i < len; i++) {
		tm_buf_puts(out, " -> ");
		tm_term_sanitize(out, key_of(hop_end(route[i])));
	}
	tm_buf_printf(out, "  (%zu flow%s)\n", len, len == 1 ? "" : "s");
	for (size_t i = 0; i < len; i++) {
		const tm_element *flow = route[i].flow;
		tm_buf_puts(out, "   ");
		tm_term_sanitize(out, key_of(hop_start(route[i])));
		tm_buf_puts(out, " -> ");
		tm_term_sanitize(out, key_of(hop_end(route[i])));
		if (flow->id || flow->bidirectional) {
			tm_buf_puts(out, " [");
			tm_term_sanitize(out, key_of(flow));
			tm_buf_putc(out, ']');
		}
		if (label_differs(flow)) {
			tm_buf_puts(out, " \"");
			tm_term_sanitize(out, flow->label);
			tm_buf_putc(out, '"');
		}
		tm_buf_putc(out, '\n');
		for (size_t c = 0; c < flow->ncrossings; c++) {
			const tm_element *b = flow->crossings[c];
			tm_buf_puts(out, "     crosses ");
			put_named(out, b);
			char *controls = controls_text(b);
			tm_buf_puts(out, controls ? " — controls: " : " — no controls stated");
			if (controls)
				tm_term_sanitize(out, controls);
			free(controls);
			tm_buf_putc(out, '\n');
		}
	}
}

static int run_path(tm_buf *out, tm_query *query, const tm_session *session, tm_diags *diags)
{
	const tm_model *model = session->model;
	const tm_element *from = path_end(model, query->arg, query->arg_span, diags);
	const tm_element *to = path_end(model, query->arg2, query->arg2_span, diags);
	if (!from || !to)
		return TM_ERR_INPUT;
	size_t n = model->nelements + 1;
	path_search s = {.model = model, .from = from, .to = to};
	s.adjacent = tm_xcalloc(n, sizeof(*s.adjacent));
	s.nadjacent = tm_xcalloc(n, sizeof(*s.nadjacent));
	s.capadjacent = tm_xcalloc(n, sizeof(*s.capadjacent));
	s.visited = tm_xcalloc(n, sizeof(*s.visited));
	s.routes = tm_xcalloc(PATH_MAX_ROUTES, sizeof(*s.routes));
	s.route_len = tm_xcalloc(PATH_MAX_ROUTES, sizeof(*s.route_len));
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *flow = model->elements[i];
		if (!flow || flow->kind != TM_EL_FLOW || !flow->source || !flow->target)
			continue;
		add_hop(&s, flow->source, (hop){flow, false});
		if (flow->bidirectional)
			add_hop(&s, flow->target, (hop){flow, true});
	}
	const tm_element *start = top_of(from);
	size_t start_at = position(model, start);
	if (start_at < model->nelements) {
		s.visited[start_at] = true;
		for (s.limit = 1; s.limit <= PATH_MAX_FLOWS && !s.cut_routes && !s.cut_steps; s.limit++)
			search(&s, start);
	}
	if (!s.nroutes) {
		tm_buf_puts(out, "No route from ");
		tm_term_sanitize(out, key_of(from));
		tm_buf_puts(out, " to ");
		tm_term_sanitize(out, key_of(to));
		tm_buf_puts(out, " along the flows");
		tm_buf_puts(out, s.cut_steps || s.cut_depth ? " within the search's limits.\n" : ".\n");
	}
	for (size_t r = 0; r < s.nroutes; r++)
		route_lines(out, s.routes[r], s.route_len[r], r + 1);
	if (s.cut_routes)
		tm_buf_printf(out, "(showing the first %d routes; there are more)\n", PATH_MAX_ROUTES);
	else if (s.cut_steps)
		tm_buf_printf(out, "(the search stopped after %d steps; longer routes may exist)\n",
		              PATH_MAX_STEPS);
	else if (s.cut_depth)
		tm_buf_printf(out, "(routes longer than %d flows were not searched)\n", PATH_MAX_FLOWS);
	for (size_t i = 0; i < n; i++)
		free(s.adjacent[i]);
	free(s.adjacent);
	free(s.nadjacent);
	free(s.capadjacent);
	free(s.visited);
	free(s.routes);
	free(s.route_len);
	return TM_OK;
}

/* ---- summary and rules ---- */

static int run_summary(tm_buf *out, const tm_session *session, const tm_query_output *opts)
{
	const tm_model *model = session->model;
	const tm_findings *findings = &session->findings;
	if (opts->json) {
		tm_json json;
		tm_json_init(&json, out);
		tm_json_begin_object(&json);
		tm_json_key(&json, "model");
		tm_render_model_json(&json, model);
		tm_summary summary;
		tm_summary_compute_listing(&summary, findings, 0);
		tm_json_key(&json, "summary");
		tm_render_summary_json(&json, &summary);
		tm_summary_free(&summary);
		tm_json_end_object(&json);
		tm_buf_putc(out, '\n');
		return TM_OK;
	}
	size_t kinds[TM_EL_COUNT] = {0}, crossing = 0;
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (!el || el->kind >= TM_EL_COUNT)
			continue;
		kinds[el->kind]++;
		if (el->kind == TM_EL_FLOW && el->ncrossings)
			crossing++;
	}
	tm_term_sanitize(out, model->meta.name ? model->meta.name : "(unnamed model)");
	tm_buf_putc(out, '\n');
	tm_buf_printf(out, "  %-12s", "elements:");
	const char *sep = " ";
	for (int k = 0; k < TM_EL_COUNT; k++) {
		if (!kinds[k])
			continue;
		tm_buf_printf(out, "%s%zu %s", sep, kinds[k], kind_count_name(k, kinds[k]));
		sep = ", ";
	}
	tm_buf_puts(out, *sep == ' ' ? " none\n" : "\n");
	tm_buf_printf(out, "  %-12s %zu of %zu flows cross a trust boundary\n", "crossings:", crossing,
	              kinds[TM_EL_FLOW]);
	tm_summary summary;
	tm_summary_compute_listing(&summary, findings, 0);
	const size_t *risks = summary.by_risk, *statuses = summary.by_status;
	size_t pressing = 0;
	for (size_t i = 0; i < findings->count; i++) {
		const tm_finding *f = &findings->items[i];
		if (f->risk >= TM_RISK_HIGH &&
		    (f->status == TM_STATUS_OPEN || f->status == TM_STATUS_EXPIRED))
			pressing++;
	}
	tm_buf_printf(out, "  %-12s %zu:", "findings:", findings->count);
	for (int r = TM_RISK_CRITICAL; r >= TM_RISK_INFO; r--)
		tm_buf_printf(out, " %zu %s%s", risks[r], tm_risk_names[r], r > TM_RISK_INFO ? "," : "\n");
	tm_buf_printf(out, "  %-12s", "status:");
	sep = " ";
	for (int st = TM_STATUS_OPEN; st <= TM_STATUS_FALSE_POSITIVE; st++) {
		if (!statuses[st])
			continue;
		tm_buf_printf(out, "%s%zu %s", sep, statuses[st], tm_status_names[st]);
		sep = ", ";
	}
	tm_buf_puts(out, *sep == ' ' ? " -\n" : "\n");
	tm_buf_printf(out, "  %-12s %zu\n", "overdue:", summary.noverdue);
	tm_summary_free(&summary);
	/* frameworks in order of first appearance */
	const char **names = NULL;
	size_t *counts = NULL, nnames = 0, capnames = 0, capcounts = 0, ncounts = 0;
	for (size_t i = 0; i < findings->count; i++) {
		const char *fw =
		    findings->items[i].about->framework ? findings->items[i].about->framework : "?";
		size_t k = 0;
		while (k < nnames && strcmp(names[k], fw) != 0)
			k++;
		if (k == nnames) {
			TM_VEC_PUSH(names, nnames, capnames, fw);
			TM_VEC_PUSH(counts, ncounts, capcounts, 0);
		}
		counts[k]++;
	}
	if (nnames) {
		tm_buf_printf(out, "  %-12s", "frameworks:");
		for (size_t k = 0; k < nnames; k++) {
			tm_buf_puts(out, k ? ", " : " ");
			tm_term_sanitize(out, names[k]);
			tm_buf_printf(out, " %zu", counts[k]);
		}
		tm_buf_putc(out, '\n');
	}
	free(names);
	free(counts);
	tm_buf_printf(out, "  %-12s %zu open or expired finding%s at HIGH or above\n", "to act on:", pressing,
	              pressing == 1 ? "" : "s");
	return TM_OK;
}

static int run_rules(tm_buf *out, const tm_session *session, const tm_query_output *opts)
{
	size_t count = session->rules ? tm_rules_count(session->rules) : 0;
	if (opts->json) {
		tm_json json;
		tm_json_init(&json, out);
		tm_json_begin_object(&json);
		tm_json_key(&json, "rules");
		tm_json_begin_array(&json);
		for (size_t i = 0; i < count; i++) {
			const tm_rule_info *info = tm_rules_info(session->rules, i);
			if (!info)
				break;
			tm_json_begin_object(&json);
			tm_json_key(&json, "id");
			tm_json_string(&json, info->id);
			tm_json_key(&json, "pack");
			tm_json_string(&json, info->pack);
			tm_json_key(&json, "framework");
			tm_json_string(&json, info->framework);
			tm_json_key(&json, "category");
			tm_json_string(&json, info->category);
			tm_json_key(&json, "title");
			tm_json_string(&json, info->title);
			tm_json_end_object(&json);
		}
		tm_json_end_array(&json);
		tm_json_end_object(&json);
		tm_buf_putc(out, '\n');
		return TM_OK;
	}
	if (!count) {
		tm_buf_puts(out, "No rules are loaded.\n");
		return TM_OK;
	}
	static const char *const head[] = {"ID", "PACK", "CATEGORY", "TITLE"};
	table t = {.ncols = 4, .head = head, .flex = 3};
	for (size_t i = 0; i < count; i++) {
		const tm_rule_info *info = tm_rules_info(session->rules, i);
		if (info)
			table_row(&t, info->id, info->pack, info->category, info->title);
	}
	table_print(out, &t, opts, "");
	tm_buf_printf(out, "%zu rule%s\n", count, count == 1 ? "" : "s");
	table_free(&t);
	return TM_OK;
}

/* ---- help ---- */

static const char *const help_lines[][2] = {
    {"threats", "threats [where COND] [by FIELD [asc|desc]] [limit N]\n"
                "    The findings that satisfy COND, highest risk first (or sorted by FIELD).\n"
                "    COND compares FIELD OP VALUE, joined by and, or, not and ( ):\n"
                "      threats where risk >= high and status = open\n"
                "      threats where boundary = TB-01 and not category = spoofing by likelihood desc\n"
                "    FIELD: id rule framework category element kind risk likelihood impact\n"
                "           status boundary pack title overdue\n"
                "    OP: = != < <= > >= ~ (contains, any case) !~ (does not contain)\n"
                "    risk compares by level: INFO < LOW < MEDIUM < HIGH < CRITICAL.\n"
                "    overdue is true or false: threats where overdue = true\n"},
    {"elements", "elements [KIND]\n"
                 "    Every element (or those of one kind: external process store flow\n"
                 "    boundary asset actor) with its exposure and number of findings.\n"},
    {"show", "show ID\n"
             "    One element: exposure and why, attributes, boundaries, flows in and out,\n"
             "    its findings.\n"
             "    Given a finding id, the same as explain.\n"},
    {"flows", "flows [crossing BOUNDARY]\n"
              "    Every flow, or those that cross the boundary.\n"},
    {"path", "path FROM -> TO\n"
             "    The routes along the flows from one element to another, shortest first,\n"
             "    with each trust boundary crossed and its controls.\n"},
    {"explain", "explain FINDING-ID\n"
                "    Why a finding fired: rule, element, detail, factors and the arithmetic.\n"},
    {"summary", "summary\n    Counts of elements, crossings, findings by risk and status, and overdue.\n"},
    {"rules", "rules\n    The rules of the loaded packs.\n"},
    {"reload", "reload\n    Re-reads the model's files; a broken edit keeps the last good model.\n"},
    {"load", "load FILE\n    Opens another model.\n"},
    {"help", "help [COMMAND]\n    This text, or one command's.\n"},
    {"quit", "quit\n    Leaves (so does Ctrl-D; Ctrl-C only abandons the line).\n"},
};

void tm_query_help(tm_buf *out, const char *topic)
{
	size_t count = sizeof help_lines / sizeof help_lines[0];
	for (size_t i = 0; topic && *topic && i < count; i++)
		if (strcasecmp(topic, help_lines[i][0]) == 0) {
			tm_buf_puts(out, help_lines[i][1]);
			return;
		}
	tm_buf_puts(out, "Commands (help COMMAND for one; see doc/query.md):\n");
	for (size_t i = 0; i < count; i++) {
		const char *text = help_lines[i][1];
		const char *end = strchr(text, '\n');
		tm_buf_puts(out, "  ");
		tm_buf_put(out, text, end ? (size_t)(end - text) : strlen(text));
		tm_buf_putc(out, '\n');
	}
}

int tm_query_run(tm_buf *out, tm_query *query, const tm_session *session, const tm_query_output *opts,
                 tm_diags *diags)
{
	static const tm_query_output plain = {0};
	if (!opts)
		opts = &plain;
	switch (query->command) {
	case TM_QC_EMPTY: return TM_OK;
	case TM_QC_HELP:
		if (opts->json) {
			tm_diag_error(diags, (tm_span){0}, "help has no JSON form");
			return TM_ERR_USAGE;
		}
		tm_query_help(out, query->arg);
		return TM_OK;
	case TM_QC_RELOAD:
	case TM_QC_LOAD:
	case TM_QC_QUIT:
	case TM_QC_COUNT: return TM_ERR_USAGE;
	default: break;
	}
	if (!session || !session->model || session->model_failed) {
		tm_diag *diag = tm_diag_error(diags, (tm_span){0}, "no model is loaded");
		tm_diag_note(diag, (tm_span){0},
		             session && session->model_failed
		                 ? "fix the errors shown and 'reload'"
		                 : "start with 'threat repl FILE' or 'load FILE'");
		return TM_ERR_INPUT;
	}
	bool json_ok = query->command == TM_QC_THREATS || query->command == TM_QC_ELEMENTS ||
	               query->command == TM_QC_FLOWS || query->command == TM_QC_SUMMARY ||
	               query->command == TM_QC_RULES;
	if (opts->json && !json_ok) {
		tm_diag_error(diags, (tm_span){0},
		              "'%s' has no JSON form (threats, elements, flows, summary and rules have one)",
		              tm_query_command_names[query->command]);
		return TM_ERR_USAGE;
	}
	switch (query->command) {
	case TM_QC_THREATS: return run_threats(out, query, session, opts, diags);
	case TM_QC_ELEMENTS: return run_elements(out, query, session, opts);
	case TM_QC_SHOW: return run_show(out, query, session, opts, diags);
	case TM_QC_FLOWS: return run_flows(out, query, session, opts, diags);
	case TM_QC_PATH: return run_path(out, query, session, diags);
	case TM_QC_EXPLAIN: return run_explain(out, query, session, diags);
	case TM_QC_SUMMARY: return run_summary(out, session, opts);
	case TM_QC_RULES: return run_rules(out, session, opts);
	default: return TM_ERR_USAGE;
	}
}
