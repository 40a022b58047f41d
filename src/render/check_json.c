#include "render/render.h"

#include <stdlib.h>
#include <string.h>

/* The model statement's attributes that describe the document, in the
 * order the JSON lists them (SPEC §1.2's model example). */
static const char *const meta_names[] = {
    "client", "version",     "date",       "author",      "reviewers",
    "status", "sensitivity", "regulatory", "next_review", "description",
};

void tm_render_model_json(tm_json *json, const tm_model *model)
{
	tm_json_begin_object(json);
	tm_json_key(json, "name");
	tm_json_string(json, model ? model->meta.name : NULL);
	const tm_block *block = model && model->meta.decl ? model->meta.decl->block : NULL;
	for (size_t i = 0; block && i < sizeof meta_names / sizeof meta_names[0]; i++) {
		const tm_attr *attr = tm_block_get(block, meta_names[i]);
		if (!attr)
			continue;
		tm_json_key(json, meta_names[i]);
		tm_json_value(json, attr->value);
	}
	if (model && model->meta.nhistory) {
		tm_json_key(json, "history");
		tm_json_begin_array(json);
		for (size_t i = 0; i < model->meta.nhistory; i++) {
			const tm_history_entry *entry = &model->meta.history[i];
			tm_json_begin_object(json);
			tm_json_key(json, "version");
			tm_json_string(json, entry->version);
			tm_json_key(json, "date");
			tm_json_date(json, entry->date);
			tm_json_key(json, "author");
			tm_json_string(json, entry->author);
			tm_json_key(json, "changes");
			tm_json_string(json, entry->changes);
			tm_json_end_object(json);
		}
		tm_json_end_array(json);
	}
	tm_json_end_object(json);
}

/* A name from one of risk.h's tables, or null when the value is outside it
 * (an unscored finding has level 0, whose name is empty). */
static void table_name(tm_json *json, const char *const *names, size_t count, int index)
{
	if (index >= 0 && (size_t)index < count && names[index] && *names[index])
		tm_json_string(json, names[index]);
	else
		tm_json_null(json);
}

void tm_render_finding_json(tm_json *json, const tm_finding *finding)
{
	tm_json_begin_object(json);
	tm_json_key(json, "id");
	tm_json_string(json, finding->id);
	tm_json_key(json, "rule");
	tm_json_string(json, finding->about->rule);
	tm_json_key(json, "framework");
	tm_json_string(json, finding->about->framework);
	tm_json_key(json, "category");
	tm_json_string(json, finding->about->category);
	/* A model-level finding has no element: null, not an empty key. */
	tm_json_key(json, "element");
	tm_json_string(json, finding->element_key && *finding->element_key ? finding->element_key : NULL);
	tm_json_key(json, "title");
	tm_json_string(json, finding->about->title);
	tm_json_key(json, "detail");
	tm_json_string(json, finding->detail);
	tm_json_key(json, "likelihood");
	tm_json_number(json, finding->likelihood);
	tm_json_key(json, "impact");
	tm_json_number(json, finding->impact);
	tm_json_key(json, "likelihood_level");
	table_name(json, tm_score_level_names, 4, (int)finding->likelihood_level);
	tm_json_key(json, "impact_level");
	table_name(json, tm_score_level_names, 4, (int)finding->impact_level);
	tm_json_key(json, "risk");
	table_name(json, tm_risk_names, 5, (int)finding->risk);
	tm_json_key(json, "status");
	table_name(json, tm_status_names, 6, (int)finding->status);
	tm_json_key(json, "due");
	tm_json_date(json, finding->due);
	tm_json_key(json, "overdue");
	tm_json_bool(json, finding->overdue);
	tm_json_key(json, "mitigations");
	tm_json_begin_array(json);
	for (size_t i = 0; i < finding->nmitigations; i++)
		tm_json_string(json, finding->mitigations[i]);
	tm_json_end_array(json);
	tm_json_key(json, "file");
	tm_json_string(json, finding->file);
	tm_json_key(json, "line");
	if (finding->file)
		tm_json_int(json, finding->line);
	else
		tm_json_null(json);
	tm_json_end_object(json);
}

void tm_render_summary_json(tm_json *json, const tm_summary *summary)
{
	tm_json_begin_object(json);
	for (int risk = TM_RISK_CRITICAL; risk >= TM_RISK_INFO; risk--) {
		tm_json_key(json, tm_risk_names[risk]);
		tm_json_int(json, (int64_t)summary->by_risk[risk]);
	}
	tm_json_key(json, "total");
	tm_json_int(json, (int64_t)summary->total);
	tm_json_key(json, "statuses");
	tm_json_begin_object(json);
	for (int status = TM_STATUS_OPEN; status <= TM_STATUS_FALSE_POSITIVE; status++) {
		tm_json_key(json, tm_status_names[status]);
		tm_json_int(json, (int64_t)summary->by_status[status]);
	}
	tm_json_end_object(json);
	tm_json_key(json, "overdue");
	tm_json_int(json, (int64_t)summary->noverdue);
	tm_json_key(json, "top");
	tm_json_begin_array(json);
	for (size_t i = 0; i < summary->ntop; i++)
		tm_json_string(json, summary->top[i]->id);
	tm_json_end_array(json);
	tm_json_end_object(json);
}

void tm_render_groups_json(tm_json *json, const tm_summary *summary)
{
	tm_json_begin_array(json);
	for (size_t k = 0; k < summary->ngroups; k++) {
		const tm_summary_group *group = &summary->groups[k];
		tm_json_begin_object(json);
		tm_json_key(json, "rule");
		tm_json_string(json, group->rule);
		tm_json_key(json, "title");
		tm_json_string(json, group->about ? group->about->title : NULL);
		tm_json_key(json, "risk");
		table_name(json, tm_risk_names, 5, (int)group->risk);
		tm_json_key(json, "status");
		table_name(json, tm_status_names, 6, (int)group->status);
		tm_json_key(json, "count");
		tm_json_int(json, (int64_t)group->count);
		tm_json_key(json, "overdue");
		tm_json_int(json, (int64_t)group->overdue);
		tm_json_key(json, "elements");
		tm_json_begin_array(json);
		for (size_t i = 0; i < group->listed; i++)
			tm_json_string(json, group->findings[i]->element_key);
		tm_json_end_array(json);
		tm_json_key(json, "findings");
		tm_json_begin_array(json);
		for (size_t i = 0; i < group->listed; i++)
			tm_json_string(json, group->findings[i]->id);
		tm_json_end_array(json);
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
}

/* "file", "line", "column" of a place (null without one). */
static void place_json(tm_json *json, tm_span span)
{
	uint32_t line = 0, column = 0;
	if (span.src)
		tm_source_position(span.src, span.start, &line, &column);
	tm_json_key(json, "file");
	if (span.src)
		tm_json_string(json, span.src->path);
	else
		tm_json_null(json);
	tm_json_key(json, "line");
	if (span.src)
		tm_json_int(json, line);
	else
		tm_json_null(json);
	tm_json_key(json, "column");
	if (span.src)
		tm_json_int(json, column);
	else
		tm_json_null(json);
}

void tm_render_diags_json(tm_json *json, const tm_diags *diags)
{
	const tm_diag **sorted = tm_diags_sorted(diags);
	tm_json_begin_array(json);
	for (size_t i = 0; i < diags->count; i++) {
		const tm_diag *d = sorted[i];
		tm_json_begin_object(json);
		tm_json_key(json, "severity");
		tm_json_string(json, d->severity == TM_SEV_ERROR ? "error" : "warning");
		tm_json_key(json, "message");
		tm_json_string(json, d->message);
		place_json(json, d->span);
		tm_json_key(json, "notes");
		tm_json_begin_array(json);
		char suggestion[128] = "";
		for (size_t j = 0; j < d->nnotes; j++) {
			const tm_note *note = &d->notes[j];
			if (!suggestion[0])
				tm_note_suggestion(note, suggestion, sizeof suggestion);
			tm_json_begin_object(json);
			tm_json_key(json, "message");
			tm_json_string(json, note->message);
			if (note->span.src)
				place_json(json, note->span);
			tm_json_end_object(json);
		}
		tm_json_end_array(json);
		if (suggestion[0]) {
			tm_json_key(json, "suggestion");
			tm_json_string(json, suggestion);
		}
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
	free(sorted);
}

void tm_render_check_json(tm_buf *out, const tm_model *model, const tm_findings *findings,
                          const tm_diags *diags)
{
	tm_json json;
	tm_json_init(&json, out);
	tm_json_begin_object(&json);
	tm_json_key(&json, "model");
	if (model)
		tm_render_model_json(&json, model);
	else
		tm_json_null(&json);
	tm_json_key(&json, "findings");
	tm_json_begin_array(&json);
	for (size_t i = 0; findings && i < findings->count; i++)
		tm_render_finding_json(&json, &findings->items[i]);
	tm_json_end_array(&json);
	tm_summary summary;
	tm_summary_compute(&summary, findings);
	tm_json_key(&json, "groups");
	tm_render_groups_json(&json, &summary);
	tm_json_key(&json, "summary");
	tm_render_summary_json(&json, &summary);
	tm_summary_free(&summary);
	if (diags) {
		tm_json_key(&json, "diagnostics");
		tm_render_diags_json(&json, diags);
	}
	tm_json_end_object(&json);
	tm_buf_putc(out, '\n');
}
