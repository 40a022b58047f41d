/* `threat export --format otm`: the model and its findings as an Open
 * Threat Model 0.2.0 document. doc/interop.md has the mapping; in short,
 * boundaries are trust zones, externals, processes and stores components,
 * flows dataflows, findings threats (with OWASP risk as percentages) and
 * mitigations mitigations. Every `.threat` attribute goes in the object's
 * `attributes`, written as in a `.threat` file, with what OTM has no place
 * for under `threat:` keys, so `threat import otm` restores the model. */
#include <math.h>
#include <string.h>

#include "base/buf.h"
#include "base/strmap.h"
#include "interop/interop.h"
#include "interop/otm.h"
#include "lang/ast.h"
#include "model/model.h"
#include "render/json.h"
#include "risk/risk.h"

/* The trust zone of the top-level elements outside every boundary: OTM
 * gives every component a parent. */
#define OUTSIDE_ZONE "threat:outside"

/* What the writers look up: each element's findings, and mitigations and
 * hand-written threats by id. */
typedef struct lookup {
	tm_interop_findings_index findings;
	tm_strmap *mitigations, *threats;
} lookup;

static void put_value(tm_json *json, const tm_value *value)
{
	if (value->kind == TM_VAL_BOOL) {
		tm_json_bool(json, value->boolean);
		return;
	}
	tm_buf text = TM_BUF_INIT;
	tm_value_source(&text, value);
	tm_json_string_len(json, tm_buf_str(&text), text.len);
	tm_buf_free(&text);
}

static bool listed(const char *name, const char *const *names)
{
	for (size_t i = 0; names && names[i]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* Writes the statement's attributes as members of the open object, but
 * those in `skip` (carried by OTM's own fields). */
static void put_attributes(tm_json *json, const tm_decl *decl, const char *const *skip)
{
	if (!decl || !decl->block)
		return;
	for (size_t i = 0; i < decl->block->count; i++) {
		const tm_attr *attr = decl->block->items[i].attr;
		if (!attr || listed(attr->name, skip))
			continue;
		tm_json_key(json, attr->name);
		put_value(json, attr->value);
	}
}

/* An attribute's text when it is a word or a string, else NULL. */
static const char *attr_text(const tm_decl *decl, const char *name)
{
	const tm_attr *attr = decl ? tm_decl_attr(decl, name) : NULL;
	if (!attr || (attr->value->kind != TM_VAL_STRING && attr->value->kind != TM_VAL_IDENT))
		return NULL;
	return attr->value->text;
}

static void put_optional_string(tm_json *json, const char *key, const char *text)
{
	if (!text)
		return;
	tm_json_key(json, key);
	tm_json_string(json, text);
}

/* "attributes": the statement's attributes but those `skip` lists. */
static void put_attributes_object(tm_json *json, const tm_decl *decl, const char *const *skip)
{
	tm_json_key(json, "attributes");
	tm_json_begin_object(json);
	put_attributes(json, decl, skip);
	tm_json_end_object(json);
}

/* The project's id: the model's name in lower case, runs of anything but
 * letters and digits a `-`. */
static void project_id(tm_buf *out, const char *name)
{
	bool gap = false;
	for (const char *c = name; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z')) {
			if (gap && out->len)
				tm_buf_putc(out, '-');
			gap = false;
			tm_buf_putc(out, (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c));
		} else {
			gap = true;
		}
	}
	if (!out->len)
		tm_buf_puts(out, "model");
}

/* OTM states a threat's state in words; doc/interop.md has the table. */
const char *tm_otm_state(tm_status status)
{
	switch (status) {
	case TM_STATUS_MITIGATED: return "mitigated";
	case TM_STATUS_ACCEPTED: return "accepted";
	case TM_STATUS_FALSE_POSITIVE: return "not-applicable";
	case TM_STATUS_OPEN:
	case TM_STATUS_PLANNED:
	case TM_STATUS_EXPIRED: break;
	}
	return "exposed";
}

int tm_otm_percent(double score)
{
	return (int)lround(score * 100.0 / 3.0);
}

int tm_otm_sensitivity_percent(tm_sensitivity sensitivity)
{
	return (int)sensitivity * 25;
}

static void put_project(tm_json *json, const tm_model *model)
{
	const tm_decl *decl = model->meta.decl;
	tm_json_key(json, "project");
	tm_json_begin_object(json);
	tm_json_key(json, "name");
	tm_json_string(json, model->meta.name ? model->meta.name : "");
	tm_buf id = TM_BUF_INIT;
	project_id(&id, model->meta.name ? model->meta.name : "");
	tm_json_key(json, "id");
	tm_json_string(json, tm_buf_str(&id));
	tm_buf_free(&id);
	put_optional_string(json, "description", attr_text(decl, "description"));
	put_optional_string(json, "owner", attr_text(decl, "author"));
	tm_json_key(json, "attributes");
	tm_json_begin_object(json);
	tm_json_key(json, TM_OTM_FORMAT_KEY);
	tm_json_int(json, TM_OTM_FORMAT);
	put_attributes(json, decl, NULL);
	if (model->nuses) {
		tm_json_key(json, "threat:use");
		tm_json_begin_array(json);
		for (size_t i = 0; i < model->nuses; i++)
			tm_json_string(json, model->uses[i].name);
		tm_json_end_array(json);
	}
	bool any_actor = false;
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->kind != TM_EL_ACTOR)
			continue;
		if (!any_actor) {
			tm_json_key(json, "threat:actors");
			tm_json_begin_array(json);
			any_actor = true;
		}
		tm_json_begin_object(json);
		tm_json_key(json, "id");
		tm_json_string(json, el->id);
		put_optional_string(json, "name", el->decl->label ? el->label : NULL);
		put_attributes_object(json, el->decl, NULL);
		tm_json_end_object(json);
	}
	if (any_actor)
		tm_json_end_array(json);
	if (model->nacceptances) {
		tm_json_key(json, "threat:acceptances");
		tm_json_begin_array(json);
		for (size_t i = 0; i < model->nacceptances; i++) {
			const tm_acceptance *acceptance = &model->acceptances[i];
			tm_json_begin_object(json);
			tm_json_key(json, "finding");
			tm_json_string(json, acceptance->finding);
			put_optional_string(json, "reason",
			                    acceptance->decl->label ? acceptance->reason : NULL);
			put_attributes_object(json, acceptance->decl, NULL);
			tm_json_end_object(json);
		}
		tm_json_end_array(json);
	}
	tm_json_end_object(json);
	tm_json_end_object(json);
}

static void put_assets(tm_json *json, const tm_model *model)
{
	tm_json_key(json, "assets");
	tm_json_begin_array(json);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->kind != TM_EL_ASSET)
			continue;
		tm_json_begin_object(json);
		tm_json_key(json, "name");
		tm_json_string(json, el->label);
		tm_json_key(json, "id");
		tm_json_string(json, el->id);
		put_optional_string(json, "description", attr_text(el->decl, "description"));
		int level = tm_otm_sensitivity_percent((tm_sensitivity)el->max_sensitivity);
		tm_json_key(json, "risk");
		tm_json_begin_object(json);
		tm_json_key(json, "confidentiality");
		tm_json_int(json, level);
		tm_json_key(json, "integrity");
		tm_json_int(json, level);
		tm_json_key(json, "availability");
		tm_json_int(json, level);
		tm_json_key(json, "comment");
		tm_json_string(json, el->max_sensitivity ? tm_sensitivity_names[el->max_sensitivity]
		                                         : "sensitivity not stated");
		tm_json_end_object(json);
		put_attributes_object(json, el->decl, NULL);
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
}

static bool outside_every_boundary(const tm_element *el)
{
	return !el->parent && el->nboundaries == 0;
}

static void put_trust_zones(tm_json *json, const tm_model *model)
{
	tm_json_key(json, "trustZones");
	tm_json_begin_array(json);
	bool outside = false;
	for (size_t i = 0; i < model->nelements && !outside; i++) {
		const tm_element *el = model->elements[i];
		outside =
		    (el->kind == TM_EL_EXTERNAL || el->kind == TM_EL_PROCESS || el->kind == TM_EL_STORE) &&
		    outside_every_boundary(el);
	}
	if (outside) {
		tm_json_begin_object(json);
		tm_json_key(json, "id");
		tm_json_string(json, OUTSIDE_ZONE);
		tm_json_key(json, "name");
		tm_json_string(json, "Outside every trust boundary");
		tm_json_key(json, "risk");
		tm_json_begin_object(json);
		tm_json_key(json, "trustRating");
		tm_json_int(json, 0);
		tm_json_end_object(json);
		tm_json_key(json, "attributes");
		tm_json_begin_object(json);
		tm_json_key(json, "threat:outside");
		tm_json_bool(json, true);
		tm_json_end_object(json);
		tm_json_end_object(json);
	}
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->kind != TM_EL_BOUNDARY)
			continue;
		int depth = 1;
		for (const tm_element *outer = el->outer; outer && depth < 64; outer = outer->outer)
			depth++;
		tm_json_begin_object(json);
		tm_json_key(json, "id");
		tm_json_string(json, el->id);
		tm_json_key(json, "name");
		tm_json_string(json, el->label);
		put_optional_string(json, "description", attr_text(el->decl, "description"));
		tm_json_key(json, "risk");
		tm_json_begin_object(json);
		tm_json_key(json, "trustRating");
		tm_json_int(json, depth >= 6 ? 100 : 50 + 10 * (depth - 1));
		tm_json_end_object(json);
		if (el->outer) {
			tm_json_key(json, "parent");
			tm_json_begin_object(json);
			tm_json_key(json, "trustZone");
			tm_json_string(json, el->outer->id);
			tm_json_end_object(json);
		}
		tm_json_key(json, "attributes");
		tm_json_begin_object(json);
		put_attributes(json, el->decl, NULL);
		tm_json_key(json, "threat:members");
		tm_json_begin_array(json);
		const tm_decl *decl = el->decl;
		for (uint32_t m = 0; m < decl->nmembers; m++)
			tm_json_string(json, decl->members[m].name);
		tm_json_end_array(json);
		tm_json_end_object(json);
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
}

/* The threat instances of one element or flow: every finding on it. */
static void put_instances(tm_json *json, const tm_session *session, const lookup *look, const tm_element *el)
{
	bool any = false;
	for (size_t k = look->findings.start[el->index]; k < look->findings.start[el->index + 1]; k++) {
		const tm_finding *finding = &session->findings.items[look->findings.order[k]];
		if (!any) {
			tm_json_key(json, "threats");
			tm_json_begin_array(json);
			any = true;
		}
		tm_json_begin_object(json);
		tm_json_key(json, "threat");
		tm_json_string(json, finding->id);
		tm_json_key(json, "state");
		tm_json_string(json, tm_otm_state(finding->status));
		if (finding->nmitigations) {
			tm_json_key(json, "mitigations");
			tm_json_begin_array(json);
			for (size_t m = 0; m < finding->nmitigations; m++) {
				const tm_mitigation *mitigation =
				    tm_strmap_get(look->mitigations, finding->mitigations[m]);
				tm_json_begin_object(json);
				tm_json_key(json, "mitigation");
				tm_json_string(json, finding->mitigations[m]);
				tm_json_key(json, "state");
				tm_json_string(json, mitigation
				                         ? tm_mitigation_status_names[mitigation->status]
				                         : "planned");
				tm_json_end_object(json);
			}
			tm_json_end_array(json);
		}
		tm_json_end_object(json);
	}
	if (any)
		tm_json_end_array(json);
}

static void put_asset_ids(tm_json *json, const char *key, const tm_element *el, const char *attribute)
{
	const tm_value *value = tm_element_attr(el, attribute);
	if (!value)
		return;
	tm_json_key(json, key);
	tm_json_begin_array(json);
	if (value->kind == TM_VAL_LIST) {
		for (uint32_t i = 0; i < value->nitems; i++)
			if (value->items[i]->kind == TM_VAL_IDENT)
				tm_json_string(json, value->items[i]->text);
	} else if (value->kind == TM_VAL_IDENT) {
		tm_json_string(json, value->text);
	}
	tm_json_end_array(json);
}

static void put_components(tm_json *json, const tm_session *session, const lookup *look)
{
	static const char *const skip[] = {"stores", "handles", NULL};
	const tm_model *model = session->model;
	tm_json_key(json, "components");
	tm_json_begin_array(json);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->kind != TM_EL_EXTERNAL && el->kind != TM_EL_PROCESS && el->kind != TM_EL_STORE)
			continue;
		tm_json_begin_object(json);
		tm_json_key(json, "id");
		tm_json_string(json, el->id);
		tm_json_key(json, "name");
		tm_json_string(json, el->label);
		tm_json_key(json, "type");
		tm_json_string(json, tm_element_kind_names[el->kind]);
		put_optional_string(json, "description", attr_text(el->decl, "description"));
		tm_json_key(json, "parent");
		tm_json_begin_object(json);
		if (el->parent) {
			tm_json_key(json, "component");
			tm_json_string(json, el->parent->id);
		} else {
			tm_json_key(json, "trustZone");
			tm_json_string(json, el->nboundaries ? el->boundaries[0]->id : OUTSIDE_ZONE);
		}
		tm_json_end_object(json);
		if (tm_element_attr(el, "stores") || tm_element_attr(el, "handles")) {
			tm_json_key(json, "assets");
			tm_json_begin_object(json);
			put_asset_ids(json, "processed", el, "handles");
			put_asset_ids(json, "stored", el, "stores");
			tm_json_end_object(json);
		}
		put_instances(json, session, look, el);
		put_attributes_object(json, el->decl, skip);
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
}

static void put_dataflows(tm_json *json, const tm_session *session, const lookup *look)
{
	static const char *const skip[] = {"data", NULL};
	const tm_model *model = session->model;
	tm_json_key(json, "dataflows");
	tm_json_begin_array(json);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->kind != TM_EL_FLOW)
			continue;
		tm_json_begin_object(json);
		tm_json_key(json, "id");
		tm_json_string(json, el->key);
		tm_json_key(json, "name");
		tm_json_string(json, el->decl->label ? el->label : "");
		put_optional_string(json, "description", attr_text(el->decl, "description"));
		tm_json_key(json, "bidirectional");
		tm_json_bool(json, el->bidirectional);
		tm_json_key(json, "source");
		tm_json_string(json, el->source->id);
		tm_json_key(json, "destination");
		tm_json_string(json, el->target->id);
		put_asset_ids(json, "assets", el, "data");
		put_instances(json, session, look, el);
		put_attributes_object(json, el->decl, skip);
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
}

static void put_threats(tm_json *json, const tm_session *session, const lookup *look)
{
	tm_json_key(json, "threats");
	tm_json_begin_array(json);
	for (size_t i = 0; i < session->findings.count; i++) {
		const tm_finding *finding = &session->findings.items[i];
		const tm_finding_about *about = finding->about;
		const tm_threat *threat = tm_strmap_get(look->threats, finding->id);
		tm_json_begin_object(json);
		tm_json_key(json, "id");
		tm_json_string(json, finding->id);
		tm_json_key(json, "name");
		tm_json_string(json, about && about->title ? about->title : finding->id);
		const char *description = threat            ? threat->description
		                          : finding->detail ? finding->detail
		                          : about           ? about->description
		                                            : NULL;
		put_optional_string(json, "description", description);
		if (about && about->category) {
			tm_json_key(json, "categories");
			tm_json_begin_array(json);
			tm_json_string(json, about->category);
			tm_json_end_array(json);
		}
		bool any_cwe = false;
		for (size_t r = 0; about && r < about->nrefs; r++) {
			if (strncmp(about->refs[r], "CWE-", 4) != 0)
				continue;
			if (!any_cwe) {
				tm_json_key(json, "cwes");
				tm_json_begin_array(json);
				any_cwe = true;
			}
			tm_json_string(json, about->refs[r]);
		}
		if (any_cwe)
			tm_json_end_array(json);
		tm_json_key(json, "risk");
		tm_json_begin_object(json);
		tm_json_key(json, "likelihood");
		tm_json_int(json, tm_otm_percent(finding->likelihood));
		tm_buf comment = TM_BUF_INIT;
		tm_buf_printf(&comment, "OWASP Risk Rating likelihood %.2f (%s) of 3", finding->likelihood,
		              tm_score_level_names[finding->likelihood_level]);
		tm_json_key(json, "likelihoodComment");
		tm_json_string(json, tm_buf_str(&comment));
		tm_json_key(json, "impact");
		tm_json_int(json, tm_otm_percent(finding->impact));
		tm_buf_clear(&comment);
		tm_buf_printf(&comment, "OWASP Risk Rating impact %.2f (%s) of 3: risk %s", finding->impact,
		              tm_score_level_names[finding->impact_level], tm_risk_names[finding->risk]);
		tm_json_key(json, "impactComment");
		tm_json_string(json, tm_buf_str(&comment));
		tm_buf_free(&comment);
		tm_json_end_object(json);
		tm_json_key(json, "attributes");
		tm_json_begin_object(json);
		if (threat) {
			put_attributes(json, threat->decl, NULL);
		} else {
			tm_json_key(json, "threat:generated");
			tm_json_bool(json, true);
			tm_json_key(json, "threat:rule");
			tm_json_string(json, about && about->rule ? about->rule : "");
		}
		tm_json_key(json, "threat:risk");
		tm_json_string(json, tm_risk_names[finding->risk]);
		tm_json_key(json, "threat:status");
		tm_json_string(json, tm_status_names[finding->status]);
		tm_json_end_object(json);
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
}

static void put_mitigations(tm_json *json, const tm_model *model)
{
	tm_json_key(json, "mitigations");
	tm_json_begin_array(json);
	for (size_t i = 0; i < model->nmitigations; i++) {
		const tm_mitigation *mitigation = &model->mitigations[i];
		tm_json_begin_object(json);
		tm_json_key(json, "id");
		tm_json_string(json, mitigation->id);
		tm_json_key(json, "name");
		tm_json_string(json, mitigation->title ? mitigation->title : mitigation->id);
		put_optional_string(json, "description", attr_text(mitigation->decl, "description"));
		tm_json_key(json, "riskReduction");
		tm_json_int(json, 100);
		put_attributes_object(json, mitigation->decl, NULL);
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
}

void tm_interop_export_otm(tm_buf *out, const tm_session *session, tm_buf *warnings)
{
	const tm_model *model = session->model;
	tm_json json;
	tm_json_init(&json, out);
	tm_json_begin_object(&json);
	tm_json_key(&json, "otmVersion");
	tm_json_string(&json, "0.2.0");
	put_project(&json, model);
	put_assets(&json, model);
	put_trust_zones(&json, model);
	lookup look;
	tm_interop_index_findings(&look.findings, session);
	look.mitigations = tm_strmap_new(model->nmitigations + 1);
	look.threats = tm_strmap_new(model->nthreats + 1);
	for (size_t i = 0; i < model->nmitigations; i++)
		tm_strmap_add(look.mitigations, model->mitigations[i].id, &model->mitigations[i]);
	for (size_t i = 0; i < model->nthreats; i++)
		tm_strmap_add(look.threats, model->threats[i].id, &model->threats[i]);
	put_components(&json, session, &look);
	put_dataflows(&json, session, &look);
	put_threats(&json, session, &look);
	tm_interop_index_free(&look.findings);
	tm_strmap_free(look.mitigations);
	tm_strmap_free(look.threats);
	put_mitigations(&json, model);
	tm_json_end_object(&json);
	tm_buf_putc(out, '\n');
	size_t ncomments = 0;
	for (size_t i = 0; i < model->nfiles; i++)
		ncomments += model->files[i] ? model->files[i]->ncomments : 0;
	if (ncomments)
		tm_buf_printf(warnings,
		              "OTM has no place for comments: the model's %zu comment%s %s not exported\n",
		              ncomments, ncomments == 1 ? "" : "s", ncomments == 1 ? "is" : "are");
	if (model->nfiles > 1)
		tm_buf_printf(warnings,
		              "the model's %zu files are exported as one model (an import writes one file)\n",
		              model->nfiles);
}
