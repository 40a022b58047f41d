/* `report --format json`: the whole model and its findings as data, for
 * tools that build their own documents. Every list is in declaration
 * order; the findings are in the session's order (risk, then id). */
#include "render/report.h"

#include "base/date.h"
#include "render/render.h"

static void string_or_null(tm_json *json, const char *key, const char *value)
{
	tm_json_key(json, key);
	tm_json_string(json, value);
}

static void keys(tm_json *json, const char *key, tm_element *const *elements, size_t count)
{
	tm_json_key(json, key);
	tm_json_begin_array(json);
	for (size_t i = 0; i < count; i++)
		tm_json_string(json, elements[i] ? elements[i]->key : NULL);
	tm_json_end_array(json);
}

/* Every attribute of the declaration as written (child declarations are
 * listed as children instead). */
static void attributes(tm_json *json, const tm_element *el)
{
	tm_json_key(json, "attributes");
	tm_json_begin_object(json);
	const tm_block *block = el->decl ? el->decl->block : NULL;
	for (size_t i = 0; block && i < block->count; i++) {
		const tm_attr *attr = block->items[i].attr;
		if (!attr || !attr->name)
			continue;
		tm_json_key(json, attr->name);
		tm_json_value(json, attr->value);
	}
	tm_json_end_object(json);
}

static void place(tm_json *json, const tm_element *el)
{
	const char *file = el->decl && el->decl->span.src ? el->decl->span.src->path : NULL;
	string_or_null(json, "file", file);
	tm_json_key(json, "line");
	if (file)
		tm_json_int(json, el->line);
	else
		tm_json_null(json);
}

static void common(tm_json *json, const tm_element *el)
{
	string_or_null(json, "id", el->id);
	string_or_null(json, "key", el->key);
	string_or_null(json, "kind", el->kind < TM_EL_COUNT ? tm_element_kind_names[el->kind] : NULL);
	string_or_null(json, "label", el->label);
}

static void element_json(tm_json *json, const tm_element *el)
{
	tm_json_begin_object(json);
	common(json, el);
	string_or_null(json, "parent", el->parent ? el->parent->key : NULL);
	keys(json, "children", el->children, el->nchildren);
	keys(json, "boundaries", el->boundaries, el->nboundaries);
	tm_json_key(json, "exposure");
	tm_json_string(json, el->exposure >= TM_EXPOSURE_INTERNAL && el->exposure <= TM_EXPOSURE_INTERNET
	                         ? tm_exposure_names[el->exposure]
	                         : NULL);
	if (el->kind == TM_EL_EXTERNAL)
		string_or_null(json, "zone", el->zone);
	keys(json, "assets", el->assets, el->nassets);
	tm_json_key(json, "pii");
	tm_json_bool(json, el->pii);
	tm_json_key(json, "in_scope");
	tm_json_bool(json, el->in_scope);
	keys(json, "inflows", el->inflows, el->ninflows);
	keys(json, "outflows", el->outflows, el->noutflows);
	attributes(json, el);
	place(json, el);
	tm_json_end_object(json);
}

static void flow_json(tm_json *json, const tm_element *el)
{
	tm_json_begin_object(json);
	common(json, el);
	string_or_null(json, "source", el->source ? el->source->key : NULL);
	string_or_null(json, "target", el->target ? el->target->key : NULL);
	tm_json_key(json, "bidirectional");
	tm_json_bool(json, el->bidirectional);
	keys(json, "crossings", el->crossings, el->ncrossings);
	keys(json, "assets", el->assets, el->nassets);
	tm_json_key(json, "pii");
	tm_json_bool(json, el->pii);
	attributes(json, el);
	place(json, el);
	tm_json_end_object(json);
}

static void boundary_json(tm_json *json, const tm_model *model, const tm_element *el)
{
	tm_json_begin_object(json);
	common(json, el);
	string_or_null(json, "outer", el->outer ? el->outer->key : NULL);
	keys(json, "members", el->members, el->nmembers);
	tm_json_key(json, "crossed_by");
	tm_json_begin_array(json);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *flow = model->elements[i];
		if (!flow || flow->kind != TM_EL_FLOW)
			continue;
		for (size_t c = 0; c < flow->ncrossings; c++) {
			if (flow->crossings[c] == el) {
				tm_json_string(json, flow->key);
				break;
			}
		}
	}
	tm_json_end_array(json);
	attributes(json, el);
	place(json, el);
	tm_json_end_object(json);
}

static void asset_json(tm_json *json, const tm_element *el)
{
	tm_json_begin_object(json);
	common(json, el);
	tm_json_key(json, "sensitivity");
	tm_json_string(json, el->max_sensitivity > TM_SENS_NONE && el->max_sensitivity <= TM_SENS_CRITICAL
	                         ? tm_sensitivity_names[el->max_sensitivity]
	                         : NULL);
	tm_json_key(json, "pii");
	tm_json_bool(json, el->pii);
	attributes(json, el);
	place(json, el);
	tm_json_end_object(json);
}

static void factors(tm_json *json, const char *key, const uint8_t *values, const char *const *names,
                    size_t count)
{
	tm_json_key(json, key);
	tm_json_begin_object(json);
	for (size_t i = 0; i < count; i++) {
		if (!values[i])
			continue;
		tm_json_key(json, names[i]);
		tm_json_int(json, values[i]);
	}
	tm_json_end_object(json);
}

static void kind_list(tm_json *json, const tm_model *model, const char *key, tm_element_kind kind)
{
	tm_json_key(json, key);
	tm_json_begin_array(json);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (!el || el->kind != kind)
			continue;
		switch (kind) {
		case TM_EL_FLOW: flow_json(json, el); break;
		case TM_EL_BOUNDARY: boundary_json(json, model, el); break;
		case TM_EL_ASSET: asset_json(json, el); break;
		case TM_EL_ACTOR:
			tm_json_begin_object(json);
			common(json, el);
			attributes(json, el);
			place(json, el);
			tm_json_end_object(json);
			break;
		default: break;
		}
	}
	tm_json_end_array(json);
}

void tm_render_report_json(tm_buf *out, const tm_session *session)
{
	if (!session || !session->model)
		return;
	const tm_model *model = session->model;
	tm_json json;
	tm_json_init(&json, out);
	tm_json_begin_object(&json);
	tm_json_key(&json, "model");
	tm_render_model_json(&json, model);
	tm_json_key(&json, "today");
	tm_json_date(&json, session->options.today);

	tm_json_key(&json, "elements");
	tm_json_begin_array(&json);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el &&
		    (el->kind == TM_EL_EXTERNAL || el->kind == TM_EL_PROCESS || el->kind == TM_EL_STORE))
			element_json(&json, el);
	}
	tm_json_end_array(&json);
	kind_list(&json, model, "flows", TM_EL_FLOW);
	kind_list(&json, model, "boundaries", TM_EL_BOUNDARY);
	kind_list(&json, model, "assets", TM_EL_ASSET);
	kind_list(&json, model, "actors", TM_EL_ACTOR);

	tm_json_key(&json, "threats");
	tm_json_begin_array(&json);
	for (size_t i = 0; i < model->nthreats; i++) {
		const tm_threat *t = &model->threats[i];
		tm_json_begin_object(&json);
		string_or_null(&json, "id", t->id);
		string_or_null(&json, "title", t->title);
		string_or_null(&json, "category", t->category);
		string_or_null(&json, "element", t->element_key);
		factors(&json, "likelihood", t->likelihood, tm_likelihood_factor_names, TM_LF_COUNT);
		factors(&json, "impact", t->impact, tm_impact_factor_names, TM_IF_COUNT);
		tm_json_key(&json, "found");
		tm_json_date(&json, t->found);
		string_or_null(&json, "description", t->description);
		string_or_null(&json, "mitigation", t->mitigation);
		tm_json_end_object(&json);
	}
	tm_json_end_array(&json);

	tm_json_key(&json, "mitigations");
	tm_json_begin_array(&json);
	for (size_t i = 0; i < model->nmitigations; i++) {
		const tm_mitigation *m = &model->mitigations[i];
		tm_json_begin_object(&json);
		string_or_null(&json, "id", m->id);
		string_or_null(&json, "title", m->title);
		tm_json_key(&json, "mitigates");
		tm_json_begin_array(&json);
		for (size_t k = 0; k < m->nmitigates; k++)
			tm_json_string(&json, m->mitigates[k]);
		tm_json_end_array(&json);
		string_or_null(&json, "status",
		               (int)m->status >= 0 && m->status <= TM_MIT_VERIFIED
		                   ? tm_mitigation_status_names[m->status]
		                   : NULL);
		string_or_null(&json, "owner", m->owner);
		tm_json_key(&json, "due");
		tm_json_date(&json, m->due);
		tm_json_end_object(&json);
	}
	tm_json_end_array(&json);

	tm_json_key(&json, "acceptances");
	tm_json_begin_array(&json);
	for (size_t i = 0; i < model->nacceptances; i++) {
		const tm_acceptance *a = &model->acceptances[i];
		tm_json_begin_object(&json);
		string_or_null(&json, "finding", a->finding);
		string_or_null(&json, "reason", a->reason);
		string_or_null(&json, "by", a->by);
		tm_json_key(&json, "until");
		tm_json_date(&json, a->until);
		tm_json_key(&json, "false_positive");
		tm_json_bool(&json, a->false_positive);
		tm_json_key(&json, "expired");
		tm_json_bool(&json, a->until != TM_NO_DATE && a->until < session->options.today);
		tm_json_end_object(&json);
	}
	tm_json_end_array(&json);

	tm_json_key(&json, "findings");
	tm_json_begin_array(&json);
	for (size_t i = 0; i < session->findings.count; i++)
		tm_render_finding_json(&json, &session->findings.items[i]);
	tm_json_end_array(&json);
	tm_summary summary;
	tm_summary_compute(&summary, &session->findings);
	tm_json_key(&json, "groups");
	tm_render_groups_json(&json, &summary);
	tm_json_key(&json, "summary");
	tm_render_summary_json(&json, &summary);
	tm_summary_free(&summary);
	tm_json_end_object(&json);
	tm_buf_putc(out, '\n');
}
