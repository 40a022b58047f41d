/* The threat-model report after the team template (GE_THREAT_MODEL_TEMPLATE
 * in the team's practice), written once through the tm_doc interface, and
 * its Markdown backend. report_html.c supplies the HTML backend, so both
 * formats carry the same content in the same order. */
#include "render/report.h"

#include <stdio.h>
#include <string.h>

#include "base/date.h"
#include "render/escape.h"
#include "risk/summary.h"
#include "threat/status.h"

#define DASH "\xE2\x80\x94" /* U+2014, for "not stated" */

/* ------------------------------------------------------------ helpers */

static void text(tm_doc *doc, const char *s)
{
	doc->ops->text(doc, s);
}

static void textf(tm_doc *doc, const char *fmt, const char *arg)
{
	tm_buf buf = TM_BUF_INIT;
	tm_buf_printf(&buf, fmt, arg);
	text(doc, tm_buf_str(&buf));
	tm_buf_free(&buf);
}

static void upper(tm_buf *out, const char *s)
{
	for (; s && *s; s++)
		tm_buf_putc(out, (char)(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s));
}

static void text_upper(tm_doc *doc, const char *s)
{
	tm_buf buf = TM_BUF_INIT;
	upper(&buf, s);
	text(doc, tm_buf_str(&buf));
	tm_buf_free(&buf);
}

static void date_text(tm_doc *doc, int32_t days)
{
	char date[11];
	if (days == TM_NO_DATE) {
		text(doc, DASH);
		return;
	}
	tm_date_format(days, date);
	text(doc, date);
}

/* "2", "2.33": the scores as the JSON prints them. */
static void number_text(tm_doc *doc, double value)
{
	char num[64];
	if (!(value >= 0 && value < 1e9)) {
		text(doc, DASH);
		return;
	}
	snprintf(num, sizeof num, "%.2f", value);
	char *end = num + strlen(num);
	while (end > num && end[-1] == '0')
		*--end = '\0';
	if (end > num && end[-1] == '.')
		*--end = '\0';
	text(doc, num);
}

static void cell(tm_doc *doc, const char *s)
{
	doc->ops->cell_begin(doc, NULL);
	text(doc, s && *s ? s : DASH);
	doc->ops->cell_end(doc);
}

static void code_cell(tm_doc *doc, const char *s)
{
	doc->ops->cell_begin(doc, NULL);
	if (s && *s)
		doc->ops->code(doc, s);
	else
		text(doc, DASH);
	doc->ops->cell_end(doc);
}

static const char *risk_name(tm_risk risk)
{
	return (int)risk >= 0 && risk <= TM_RISK_CRITICAL ? tm_risk_names[risk] : "";
}

static const char *status_name(tm_status status)
{
	return (int)status >= 0 && status <= TM_STATUS_FALSE_POSITIVE ? tm_status_names[status] : "";
}

static void risk_cell(tm_doc *doc, tm_risk risk)
{
	char css[32];
	snprintf(css, sizeof css, "risk risk-%s", risk_name(risk));
	doc->ops->cell_begin(doc, css);
	doc->ops->strong(doc, risk_name(risk));
	doc->ops->cell_end(doc);
}

static void status_cell(tm_doc *doc, tm_status status)
{
	char css[48];
	snprintf(css, sizeof css, "status status-%s", status_name(status));
	doc->ops->cell_begin(doc, css);
	text(doc, status_name(status));
	doc->ops->cell_end(doc);
}

/* A finding's status, and `overdue` when it is. */
static void finding_status_cell(tm_doc *doc, const tm_finding *f)
{
	char css[64];
	snprintf(css, sizeof css, "status status-%s%s", status_name(f->status), f->overdue ? " overdue" : "");
	doc->ops->cell_begin(doc, css);
	text(doc, status_name(f->status));
	if (f->overdue) {
		text(doc, ", ");
		doc->ops->strong(doc, "overdue");
	}
	doc->ops->cell_end(doc);
}

static const tm_mitigation *find_mitigation(const tm_model *model, const char *id)
{
	for (size_t i = 0; id && i < model->nmitigations; i++)
		if (model->mitigations[i].id && strcmp(model->mitigations[i].id, id) == 0)
			return &model->mitigations[i];
	return NULL;
}

static const tm_finding *find_finding(const tm_findings *findings, const char *id)
{
	for (size_t i = 0; id && i < findings->count; i++)
		if (findings->items[i].id && strcmp(findings->items[i].id, id) == 0)
			return &findings->items[i];
	return NULL;
}

/* What an acceptance covers, for its risk: the finding it names, or of
 * those its pattern names the one of highest risk. */
static const tm_finding *accepted_finding(const tm_findings *findings, const tm_acceptance *a)
{
	if (!a->pattern)
		return find_finding(findings, a->finding);
	const tm_finding *top = NULL;
	for (size_t i = 0; i < findings->count; i++) {
		const tm_finding *f = &findings->items[i];
		if ((!top || f->risk > top->risk) &&
		    tm_finding_pattern_matches(a->pattern, f->id, f->element))
			top = f;
	}
	return top;
}

static const char *attr_text(const tm_element *el, const char *name, tm_buf *scratch)
{
	const tm_value *value = tm_element_attr(el, name);
	if (!value)
		return NULL;
	tm_buf_clear(scratch);
	tm_render_value_text(scratch, value);
	return scratch->len ? tm_buf_str(scratch) : NULL;
}

/* ------------------------------------------------------------- header */

static void header(tm_doc *doc, const tm_model *model)
{
	tm_buf scratch = TM_BUF_INIT, title = TM_BUF_INIT;
	const char *client = tm_render_meta_text(model, "client", &scratch);
	tm_buf_puts(&title, "Threat Model: ");
	if (client) {
		tm_buf_puts(&title, client);
		tm_buf_puts(&title, " - ");
	}
	tm_buf_puts(&title, model->meta.name && *model->meta.name ? model->meta.name : "(unnamed model)");
	doc->ops->heading(doc, 1, tm_buf_str(&title));

	static const char *const fields[][2] = {
	    {"Version", "version"},       {"Date", "date"},     {"Author", "author"},
	    {"Reviewed by", "reviewers"}, {"Status", "status"},
	};
	doc->ops->paragraph_begin(doc);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (i)
			doc->ops->line_break(doc);
		tm_buf label = TM_BUF_INIT;
		tm_buf_printf(&label, "%s:", fields[i][0]);
		doc->ops->strong(doc, tm_buf_str(&label));
		tm_buf_free(&label);
		text(doc, " ");
		const char *value = tm_render_meta_text(model, fields[i][1], &scratch);
		if (!value)
			text(doc, DASH);
		else if (strcmp(fields[i][1], "status") == 0)
			text_upper(doc, value);
		else
			text(doc, value);
	}
	doc->ops->paragraph_end(doc);
	tm_buf_free(&scratch);
	tm_buf_free(&title);
}

/* The model's `history`, as written, right under the header: the practice
 * keeps the version history at the top of the document. */
static void history(tm_doc *doc, const tm_model *model)
{
	if (!model->meta.nhistory)
		return;
	doc->ops->heading(doc, 2, "Version history");
	static const char *const headers[] = {"version", "date", "author", "changes"};
	doc->ops->table_begin(doc, headers, 4);
	for (size_t i = 0; i < model->meta.nhistory; i++) {
		const tm_history_entry *entry = &model->meta.history[i];
		doc->ops->row_begin(doc);
		cell(doc, entry->version);
		doc->ops->cell_begin(doc, "date");
		date_text(doc, entry->date);
		doc->ops->cell_end(doc);
		cell(doc, entry->author);
		cell(doc, entry->changes);
		doc->ops->row_end(doc);
	}
	doc->ops->table_end(doc);
}

/* ------------------------------------------------------------ summary */

static void count_cell(tm_doc *doc, size_t count)
{
	char num[32];
	snprintf(num, sizeof num, "%zu", count);
	doc->ops->cell_begin(doc, NULL);
	text(doc, num);
	doc->ops->cell_end(doc);
}

/* ID, threat, element, risk, status, due: the summary's lists. */
static void finding_list(tm_doc *doc, const tm_finding *const *list, size_t count)
{
	static const char *const headers[] = {"ID", "threat", "element", "risk", "status", "due"};
	doc->ops->table_begin(doc, headers, 6);
	for (size_t i = 0; i < count; i++) {
		const tm_finding *f = list[i];
		doc->ops->row_begin(doc);
		code_cell(doc, f->id);
		cell(doc, f->about->title);
		if (f->element_key && *f->element_key)
			code_cell(doc, f->element_key);
		else
			cell(doc, "model");
		risk_cell(doc, f->risk);
		finding_status_cell(doc, f);
		doc->ops->cell_begin(doc, "date");
		date_text(doc, f->due);
		doc->ops->cell_end(doc);
		doc->ops->row_end(doc);
	}
	doc->ops->table_end(doc);
}

static void repeated(tm_doc *doc, const tm_summary *summary)
{
	doc->ops->heading(doc, 3, "Repeated findings");
	char line[160];
	snprintf(line, sizeof line,
	         "A rule raised with one risk and one status on %d or more elements is one root cause: "
	         "each finding's ID is the rule, @, and the element.",
	         TM_SUMMARY_GROUP_MIN);
	doc->ops->paragraph_begin(doc);
	text(doc, line);
	doc->ops->paragraph_end(doc);
	static const char *const headers[] = {"rule", "threat", "risk", "status", "count", "elements"};
	doc->ops->table_begin(doc, headers, 6);
	for (size_t k = 0; k < summary->ngroups; k++) {
		const tm_summary_group *group = &summary->groups[k];
		doc->ops->row_begin(doc);
		code_cell(doc, group->rule);
		cell(doc, group->about ? group->about->title : NULL);
		risk_cell(doc, group->risk);
		status_cell(doc, group->status);
		doc->ops->cell_begin(doc, NULL);
		char count[96];
		snprintf(count, sizeof count, "%zu %s", group->count, group->noun);
		text(doc, count);
		if (group->overdue) {
			snprintf(count, sizeof count, ", %zu overdue", group->overdue);
			text(doc, count);
		}
		doc->ops->cell_end(doc);
		doc->ops->cell_begin(doc, NULL);
		for (size_t i = 0; i < group->listed; i++) {
			if (i)
				text(doc, ", ");
			doc->ops->code(doc, group->findings[i]->element_key);
		}
		doc->ops->cell_end(doc);
		doc->ops->row_end(doc);
	}
	doc->ops->table_end(doc);
}

/* Counts by risk and status, the highest open risks, the overdue findings
 * and the repeated ones (risk/summary.h), before the details. */
static void summary_section(tm_doc *doc, const tm_findings *findings, int32_t today)
{
	tm_summary summary;
	tm_summary_compute(&summary, findings);
	doc->ops->heading(doc, 2, "Summary");
	doc->ops->paragraph_begin(doc);
	tm_buf line = TM_BUF_INIT;
	tm_buf_printf(&line, "%zu %s, %zu overdue", summary.total,
	              summary.total == 1 ? "finding" : "findings", summary.noverdue);
	if (today != TM_NO_DATE) {
		char date[11];
		tm_date_format(today, date);
		tm_buf_printf(&line, " on %s", date);
	}
	tm_buf_putc(&line, '.');
	text(doc, tm_buf_str(&line));
	tm_buf_free(&line);
	doc->ops->paragraph_end(doc);
	if (summary.total) {
		static const char *const headers[] = {"risk",     "open",    "planned",        "mitigated",
		                                      "accepted", "expired", "false positive", "total"};
		doc->ops->table_begin(doc, headers, 8);
		for (int risk = TM_RISK_CRITICAL; risk >= TM_RISK_INFO; risk--) {
			doc->ops->row_begin(doc);
			risk_cell(doc, (tm_risk)risk);
			for (int status = TM_STATUS_OPEN; status <= TM_STATUS_FALSE_POSITIVE; status++)
				count_cell(doc, summary.by_risk_status[risk][status]);
			count_cell(doc, summary.by_risk[risk]);
			doc->ops->row_end(doc);
		}
		doc->ops->row_begin(doc);
		doc->ops->cell_begin(doc, NULL);
		doc->ops->strong(doc, "total");
		doc->ops->cell_end(doc);
		for (int status = TM_STATUS_OPEN; status <= TM_STATUS_FALSE_POSITIVE; status++)
			count_cell(doc, summary.by_status[status]);
		count_cell(doc, summary.total);
		doc->ops->row_end(doc);
		doc->ops->table_end(doc);
	}
	if (summary.ntop) {
		doc->ops->heading(doc, 3, "Highest open risks");
		finding_list(doc, summary.top, summary.ntop);
	}
	if (summary.noverdue) {
		doc->ops->heading(doc, 3, "Overdue");
		doc->ops->paragraph_begin(doc);
		text(doc, "Open or expired findings whose due date has passed: highest risk first, then the "
		          "longest "
		          "overdue.");
		doc->ops->paragraph_end(doc);
		finding_list(doc, summary.overdue, summary.nlisted_overdue);
	}
	if (summary.ngroups)
		repeated(doc, &summary);
	tm_summary_free(&summary);
}

/* ---------------------------------------------------- project context */

static void context_item(tm_doc *doc, const char *label, const char *value)
{
	doc->ops->item_begin(doc);
	tm_buf buf = TM_BUF_INIT;
	tm_buf_printf(&buf, "%s:", label);
	doc->ops->strong(doc, tm_buf_str(&buf));
	tm_buf_free(&buf);
	text(doc, " ");
	text(doc, value && *value ? value : DASH);
	doc->ops->item_end(doc);
}

/* Whitespace runs (newlines included) as one space: the description is
 * one paragraph in a list item. */
static void squeeze(tm_buf *out, const char *s)
{
	bool space = false;
	for (; s && *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
			space = out->len > 0;
			continue;
		}
		if (space)
			tm_buf_putc(out, ' ');
		space = false;
		tm_buf_putc(out, *s);
	}
}

static void context(tm_doc *doc, const tm_model *model)
{
	tm_buf scratch = TM_BUF_INIT, list = TM_BUF_INIT;
	doc->ops->heading(doc, 2, "Project Context");
	doc->ops->list_begin(doc);
	context_item(doc, "Client", tm_render_meta_text(model, "client", &scratch));
	tm_buf_clear(&list);
	squeeze(&list, tm_render_meta_text(model, "description", &scratch));
	context_item(doc, "Description", tm_buf_str(&list));

	/* the stack as stated, else the technologies the elements name */
	const char *stack = tm_render_meta_text(model, "stack", &scratch);
	tm_buf_clear(&list);
	if (stack) {
		tm_buf_puts(&list, stack);
	} else {
		tm_buf tech = TM_BUF_INIT;
		for (size_t i = 0; i < model->nelements; i++) {
			const tm_element *el = model->elements[i];
			if (!el || el->parent || (el->kind != TM_EL_PROCESS && el->kind != TM_EL_STORE))
				continue;
			const char *t = attr_text(el, "tech", &tech);
			if (!t)
				continue;
			tm_buf needle = TM_BUF_INIT;
			tm_buf_printf(&needle, ", %s,", t);
			tm_buf hay = TM_BUF_INIT;
			tm_buf_printf(&hay, ", %s,", tm_buf_str(&list));
			if (!strstr(tm_buf_str(&hay), tm_buf_str(&needle))) {
				if (list.len)
					tm_buf_puts(&list, ", ");
				tm_buf_puts(&list, t);
			}
			tm_buf_free(&needle);
			tm_buf_free(&hay);
		}
		tm_buf_free(&tech);
	}
	context_item(doc, "Stack", tm_buf_str(&list));
	context_item(doc, "Auth", tm_render_meta_text(model, "auth", &scratch));
	context_item(doc, "Hosting", tm_render_meta_text(model, "hosting", &scratch));

	tm_buf_clear(&list);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (!el || el->kind != TM_EL_EXTERNAL)
			continue;
		if (list.len)
			tm_buf_puts(&list, ", ");
		tm_buf_puts(&list, el->label ? el->label : el->key);
		tm_buf_printf(&list, " (%s)", el->zone ? el->zone : "internet");
	}
	context_item(doc, "External integrations", tm_buf_str(&list));

	tm_sensitivity sensitivity = model->meta.sensitivity;
	for (size_t i = 0; sensitivity == TM_SENS_NONE && i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el && el->kind == TM_EL_ASSET && el->max_sensitivity > sensitivity)
			sensitivity = el->max_sensitivity;
	}
	tm_buf_clear(&list);
	if (sensitivity > TM_SENS_NONE && sensitivity <= TM_SENS_CRITICAL)
		upper(&list, tm_sensitivity_names[sensitivity]);
	context_item(doc, "Data sensitivity", tm_buf_str(&list));
	context_item(doc, "Regulatory", tm_render_meta_text(model, "regulatory", &scratch));

	tm_buf_clear(&list);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (!el || el->kind != TM_EL_ACTOR)
			continue;
		if (list.len)
			tm_buf_puts(&list, ", ");
		tm_buf_puts(&list, el->label ? el->label : el->key);
		const char *access = attr_text(el, "access", &scratch);
		if (access)
			tm_buf_printf(&list, " (%s)", access);
	}
	context_item(doc, "Threat actors", tm_buf_str(&list));
	doc->ops->list_end(doc);
	tm_buf_free(&scratch);
	tm_buf_free(&list);
}

/* ------------------------------------------------------------- diagram */

static void diagram(tm_doc *doc)
{
	doc->ops->heading(doc, 2, "Data Flow Diagram");
	doc->ops->paragraph_begin(doc);
	text(doc, "Level 0. Each element is coloured by its highest open risk; bold red arrows cross a trust "
	          "boundary; dashed frames are trust boundaries. For Level 1 run ");
	doc->ops->code(doc, "threat dfd MODEL --level 1");
	text(doc, ".");
	doc->ops->paragraph_end(doc);
	doc->ops->diagram(doc);
}

/* ---------------------------------------------------- trust boundaries */

static void boundaries(tm_doc *doc, const tm_model *model)
{
	doc->ops->heading(doc, 2, "Trust Boundaries");
	static const char *const headers[] = {"ID", "boundary", "description", "controls", "crossing flows"};
	size_t count = 0;
	for (size_t i = 0; i < model->nelements; i++)
		if (model->elements[i] && model->elements[i]->kind == TM_EL_BOUNDARY)
			count++;
	if (!count) {
		doc->ops->paragraph_begin(doc);
		text(doc, "No trust boundaries are modelled: every flow that crosses one must be analysed, "
		          "so mark them.");
		doc->ops->paragraph_end(doc);
		return;
	}
	tm_buf scratch = TM_BUF_INIT;
	doc->ops->table_begin(doc, headers, 5);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *b = model->elements[i];
		if (!b || b->kind != TM_EL_BOUNDARY)
			continue;
		doc->ops->row_begin(doc);
		code_cell(doc, b->key);
		doc->ops->cell_begin(doc, NULL);
		text(doc, b->label ? b->label : b->key);
		if (b->outer && b->outer->key)
			textf(doc, " (inside %s)", b->outer->key);
		doc->ops->cell_end(doc);
		cell(doc, attr_text(b, "description", &scratch));
		cell(doc, attr_text(b, "controls", &scratch));
		doc->ops->cell_begin(doc, NULL);
		size_t nflows = 0;
		for (size_t f = 0; f < model->nelements; f++) {
			const tm_element *flow = model->elements[f];
			if (!flow || flow->kind != TM_EL_FLOW)
				continue;
			bool crosses = false;
			for (size_t c = 0; c < flow->ncrossings; c++)
				crosses = crosses || flow->crossings[c] == b;
			if (!crosses)
				continue;
			if (nflows++)
				text(doc, ", ");
			doc->ops->code(doc, flow->key);
			if (flow->id) {
				tm_buf ends = TM_BUF_INIT;
				tm_render_flow_ends(&ends, flow);
				textf(doc, " (%s)", tm_buf_str(&ends));
				tm_buf_free(&ends);
			}
		}
		if (!nflows)
			text(doc, DASH);
		doc->ops->cell_end(doc);
		doc->ops->row_end(doc);
	}
	doc->ops->table_end(doc);
	tm_buf_free(&scratch);
}

/* -------------------------------------------------------------- assets */

static void assets(tm_doc *doc, const tm_model *model)
{
	doc->ops->heading(doc, 2, "Assets");
	static const char *const headers[] = {"ID", "asset", "sensitivity", "owner", "PII"};
	size_t count = 0;
	for (size_t i = 0; i < model->nelements; i++)
		if (model->elements[i] && model->elements[i]->kind == TM_EL_ASSET)
			count++;
	if (!count) {
		doc->ops->paragraph_begin(doc);
		text(doc, "No assets are modelled.");
		doc->ops->paragraph_end(doc);
		return;
	}
	tm_buf scratch = TM_BUF_INIT, level = TM_BUF_INIT;
	doc->ops->table_begin(doc, headers, 5);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *a = model->elements[i];
		if (!a || a->kind != TM_EL_ASSET)
			continue;
		doc->ops->row_begin(doc);
		code_cell(doc, a->key);
		cell(doc, a->label);
		tm_buf_clear(&level);
		if (a->max_sensitivity > TM_SENS_NONE && a->max_sensitivity <= TM_SENS_CRITICAL)
			upper(&level, tm_sensitivity_names[a->max_sensitivity]);
		cell(doc, tm_buf_str(&level));
		cell(doc, attr_text(a, "owner", &scratch));
		cell(doc, a->pii ? "yes" : "no");
		doc->ops->row_end(doc);
	}
	doc->ops->table_end(doc);
	tm_buf_free(&scratch);
	tm_buf_free(&level);
}

/* ------------------------------------------------------------- threats */

/* "12 threats: 1 CRITICAL, 3 HIGH, 8 MEDIUM; 9 open." */
static void summary(tm_doc *doc, const tm_findings *findings, tm_report_section section)
{
	size_t counts[5] = {0}, total = 0, open = 0;
	for (size_t i = 0; i < findings->count; i++) {
		const tm_finding *f = &findings->items[i];
		if (tm_render_finding_section(f) != section || f->risk > TM_RISK_CRITICAL)
			continue;
		counts[f->risk]++;
		total++;
		if (tm_render_finding_is_open(f))
			open++;
	}
	tm_buf line = TM_BUF_INIT;
	tm_buf_printf(&line, "%zu %s", total,
	              section == TM_SECTION_QUESTIONS ? (total == 1 ? "question" : "questions")
	                                              : (total == 1 ? "threat" : "threats"));
	const char *sep = ": ";
	for (int r = TM_RISK_CRITICAL; r >= TM_RISK_INFO; r--) {
		if (!counts[r])
			continue;
		tm_buf_printf(&line, "%s%zu %s", sep, counts[r], tm_risk_names[r]);
		sep = ", ";
	}
	tm_buf_printf(&line, "; %zu still open (open, planned or expired).", open);
	doc->ops->paragraph_begin(doc);
	text(doc, tm_buf_str(&line));
	doc->ops->paragraph_end(doc);
	tm_buf_free(&line);
}

static void mitigation_text(tm_doc *doc, const tm_model *model, const tm_finding *f)
{
	size_t parts = 0;
	for (size_t m = 0; m < f->nmitigations; m++) {
		if (parts++)
			doc->ops->line_break(doc);
		const tm_mitigation *mit = find_mitigation(model, f->mitigations[m]);
		doc->ops->code(doc, f->mitigations[m]);
		if (mit) {
			text(doc, " ");
			text(doc, mit->title ? mit->title : "");
			textf(doc, " (%s)", tm_mitigation_status_names[mit->status]);
		}
	}
	if (f->acceptance) {
		if (parts++)
			doc->ops->line_break(doc);
		doc->ops->emphasis(doc, f->acceptance->false_positive ? "false positive:" : "accepted:");
		text(doc, " ");
		text(doc, f->acceptance->reason ? f->acceptance->reason : "");
	}
	if (!parts && f->about->advice && *f->about->advice) {
		doc->ops->emphasis(doc, "suggested:");
		text(doc, " ");
		text(doc, f->about->advice);
		parts++;
	}
	if (!parts)
		text(doc, DASH);
}

static void element_cell(tm_doc *doc, const tm_finding *f)
{
	if (f->element_key && *f->element_key)
		code_cell(doc, f->element_key);
	else
		cell(doc, "model");
}

static void threat_table(tm_doc *doc, const tm_model *model, const tm_findings *findings,
                         tm_report_section section)
{
	static const char *const headers[] = {"ID",     "category", "threat", "element",   "likelihood",
	                                      "impact", "risk",     "status", "mitigation"};
	tm_buf scratch = TM_BUF_INIT;
	doc->ops->table_begin(doc, headers, 9);
	for (size_t i = 0; i < findings->count; i++) {
		const tm_finding *f = &findings->items[i];
		if (tm_render_finding_section(f) != section)
			continue;
		doc->ops->row_begin(doc);
		code_cell(doc, f->id);
		tm_buf_clear(&scratch);
		tm_render_title_case(&scratch, f->about->category);
		cell(doc, tm_buf_str(&scratch));
		doc->ops->cell_begin(doc, NULL);
		text(doc, f->about->title && *f->about->title ? f->about->title : DASH);
		if (f->detail && *f->detail) {
			text(doc, ": ");
			text(doc, f->detail);
		}
		doc->ops->cell_end(doc);
		element_cell(doc, f);
		doc->ops->cell_begin(doc, NULL);
		number_text(doc, f->likelihood);
		doc->ops->cell_end(doc);
		doc->ops->cell_begin(doc, NULL);
		number_text(doc, f->impact);
		doc->ops->cell_end(doc);
		risk_cell(doc, f->risk);
		finding_status_cell(doc, f);
		doc->ops->cell_begin(doc, NULL);
		mitigation_text(doc, model, f);
		doc->ops->cell_end(doc);
		doc->ops->row_end(doc);
	}
	doc->ops->table_end(doc);
	tm_buf_free(&scratch);
}

static size_t section_count(const tm_findings *findings, tm_report_section section)
{
	size_t n = 0;
	for (size_t i = 0; i < findings->count; i++)
		if (tm_render_finding_section(&findings->items[i]) == section)
			n++;
	return n;
}

static void threats(tm_doc *doc, const tm_model *model, const tm_findings *findings)
{
	doc->ops->heading(doc, 2, "Threats (STRIDE)");
	summary(doc, findings, TM_SECTION_STRIDE);
	if (section_count(findings, TM_SECTION_STRIDE))
		threat_table(doc, model, findings, TM_SECTION_STRIDE);

	size_t privacy = section_count(findings, TM_SECTION_LINDDUN);
	if (privacy || tm_render_model_has_pii(model)) {
		doc->ops->heading(doc, 2, "Privacy Threats (LINDDUN)");
		if (privacy) {
			summary(doc, findings, TM_SECTION_LINDDUN);
			threat_table(doc, model, findings, TM_SECTION_LINDDUN);
		} else {
			doc->ops->paragraph_begin(doc);
			text(doc, "The model holds personal data, but no privacy threat was raised: check "
			          "that the ");
			doc->ops->code(doc, "linddun");
			text(doc, " pack is in use.");
			doc->ops->paragraph_end(doc);
		}
	}

	if (!section_count(findings, TM_SECTION_QUESTIONS))
		return;
	doc->ops->heading(doc, 2, "Open Questions");
	doc->ops->paragraph_begin(doc);
	text(doc, "What the packs could not decide from the model (an attribute they need is not stated) and "
	          "what the model itself lacks. Answer each in the model.");
	doc->ops->paragraph_end(doc);
	static const char *const headers[] = {"ID", "question", "element", "risk", "status"};
	doc->ops->table_begin(doc, headers, 5);
	for (size_t i = 0; i < findings->count; i++) {
		const tm_finding *f = &findings->items[i];
		if (tm_render_finding_section(f) != TM_SECTION_QUESTIONS)
			continue;
		doc->ops->row_begin(doc);
		code_cell(doc, f->id);
		doc->ops->cell_begin(doc, NULL);
		text(doc, f->about->title && *f->about->title ? f->about->title : DASH);
		if (f->detail && *f->detail) {
			text(doc, ": ");
			text(doc, f->detail);
		}
		doc->ops->cell_end(doc);
		element_cell(doc, f);
		risk_cell(doc, f->risk);
		status_cell(doc, f->status);
		doc->ops->row_end(doc);
	}
	doc->ops->table_end(doc);
}

/* --------------------------------------------------------- mitigations */

static void mitigations(tm_doc *doc, const tm_model *model)
{
	doc->ops->heading(doc, 2, "Mitigations");
	if (!model->nmitigations) {
		doc->ops->paragraph_begin(doc);
		text(doc, "No mitigations are recorded yet.");
		doc->ops->paragraph_end(doc);
		return;
	}
	static const char *const headers[] = {"ID", "threat_ids", "mitigation", "status", "owner", "due"};
	doc->ops->table_begin(doc, headers, 6);
	for (size_t i = 0; i < model->nmitigations; i++) {
		const tm_mitigation *m = &model->mitigations[i];
		doc->ops->row_begin(doc);
		code_cell(doc, m->id);
		doc->ops->cell_begin(doc, NULL);
		for (size_t t = 0; t < m->nmitigates; t++) {
			if (t)
				text(doc, ", ");
			doc->ops->code(doc, m->mitigates[t]);
		}
		if (!m->nmitigates)
			text(doc, DASH);
		doc->ops->cell_end(doc);
		cell(doc, m->title);
		tm_buf status = TM_BUF_INIT;
		upper(&status, tm_mitigation_status_names[m->status]);
		cell(doc, tm_buf_str(&status));
		tm_buf_free(&status);
		cell(doc, m->owner);
		doc->ops->cell_begin(doc, "date");
		date_text(doc, m->due);
		doc->ops->cell_end(doc);
		doc->ops->row_end(doc);
	}
	doc->ops->table_end(doc);
}

/* ------------------------------------------------------ residual risks */

static void residual(tm_doc *doc, const tm_model *model, const tm_findings *findings, int32_t today)
{
	doc->ops->heading(doc, 2, "Residual Risks");
	doc->ops->paragraph_begin(doc);
	text(doc,
	     "Risks that are not (fully) mitigated and were explicitly accepted, with who accepted them and "
	     "until when. An expired acceptance makes its threat open again.");
	doc->ops->paragraph_end(doc);
	if (model->nacceptances) {
		static const char *const headers[] = {"finding",     "risk",  "reason",
		                                      "accepted by", "until", "state"};
		doc->ops->table_begin(doc, headers, 6);
		for (size_t i = 0; i < model->nacceptances; i++) {
			const tm_acceptance *a = &model->acceptances[i];
			const tm_finding *f = accepted_finding(findings, a);
			doc->ops->row_begin(doc);
			code_cell(doc, a->finding);
			if (f)
				risk_cell(doc, f->risk);
			else
				cell(doc, "not raised");
			cell(doc, a->reason);
			cell(doc, a->by);
			doc->ops->cell_begin(doc, "date");
			date_text(doc, a->until);
			doc->ops->cell_end(doc);
			const char *state = a->false_positive                            ? "false positive"
			                    : a->until != TM_NO_DATE && a->until < today ? "EXPIRED"
			                                                                 : "accepted";
			doc->ops->cell_begin(doc,
			                     a->until != TM_NO_DATE && a->until < today && !a->false_positive
			                         ? "status status-expired"
			                         : NULL);
			text(doc, state);
			doc->ops->cell_end(doc);
			doc->ops->row_end(doc);
		}
		doc->ops->table_end(doc);
	} else {
		doc->ops->paragraph_begin(doc);
		text(doc, "No risk has been accepted.");
		doc->ops->paragraph_end(doc);
	}
	size_t unaddressed = 0;
	for (size_t i = 0; i < findings->count; i++) {
		const tm_finding *f = &findings->items[i];
		if (f->risk >= TM_RISK_HIGH &&
		    (f->status == TM_STATUS_OPEN || f->status == TM_STATUS_EXPIRED))
			unaddressed++;
	}
	doc->ops->paragraph_begin(doc);
	if (unaddressed) {
		tm_buf line = TM_BUF_INIT;
		tm_buf_printf(&line,
		              "%zu HIGH or CRITICAL %s neither a mitigation nor a valid acceptance: each "
		              "needs one before deployment approval.",
		              unaddressed, unaddressed == 1 ? "threat has" : "threats have");
		doc->ops->strong(doc, tm_buf_str(&line));
		tm_buf_free(&line);
	} else {
		text(doc, "Every HIGH and CRITICAL threat has a mitigation or an explicit acceptance.");
	}
	doc->ops->paragraph_end(doc);
}

/* ----------------------------------------------------- review schedule */

static void review(tm_doc *doc, const tm_model *model, int32_t today)
{
	doc->ops->heading(doc, 2, "Review Schedule");
	doc->ops->list_begin(doc);
	doc->ops->item_begin(doc);
	doc->ops->strong(doc, "Next review:");
	text(doc, " ");
	int32_t next = model->meta.next_review;
	if (next != TM_NO_DATE) {
		date_text(doc, next);
	} else if (model->meta.date != TM_NO_DATE) {
		next = tm_date_add_months(model->meta.date, 3);
		date_text(doc, next);
		text(doc, " (the model's date + 3 months; set ");
		doc->ops->code(doc, "next_review");
		text(doc, " in the model)");
	} else {
		text(doc, "not scheduled: set ");
		doc->ops->code(doc, "date");
		text(doc, " and ");
		doc->ops->code(doc, "next_review");
		text(doc, " in the model");
	}
	if (next != TM_NO_DATE && next < today) {
		text(doc, " ");
		doc->ops->strong(doc, "(overdue)");
	}
	doc->ops->item_end(doc);
	doc->ops->item_begin(doc);
	doc->ops->strong(doc, "Sooner:");
	text(doc, " on the next architecture change, new external integration, new auth flow, new data type "
	          "with PII, before launch, and after an incident.");
	doc->ops->item_end(doc);
	doc->ops->item_begin(doc);
	doc->ops->strong(doc, "Statuses as of:");
	text(doc, " ");
	date_text(doc, today);
	doc->ops->item_end(doc);
	doc->ops->list_end(doc);

	tm_buf scratch = TM_BUF_INIT;
	const tm_block *block = model->meta.decl ? model->meta.decl->block : NULL;
	const tm_attr *reviewers = block ? tm_block_get(block, "reviewers") : NULL;
	doc->ops->heading(doc, 3, "Sign-off");
	static const char *const headers[] = {"reviewer", "decision", "date", "signature"};
	doc->ops->table_begin(doc, headers, 4);
	size_t rows = 0;
	if (reviewers && reviewers->value) {
		const tm_value *v = reviewers->value;
		size_t count = v->kind == TM_VAL_LIST ? v->nitems : 1;
		for (size_t i = 0; i < count; i++) {
			tm_buf_clear(&scratch);
			tm_render_value_text(&scratch, v->kind == TM_VAL_LIST ? v->items[i] : v);
			doc->ops->row_begin(doc);
			cell(doc, tm_buf_str(&scratch));
			for (int c = 0; c < 3; c++) {
				doc->ops->cell_begin(doc, "sign");
				text(doc, " ");
				doc->ops->cell_end(doc);
			}
			doc->ops->row_end(doc);
			rows++;
		}
	}
	if (!rows) {
		doc->ops->row_begin(doc);
		for (int c = 0; c < 4; c++) {
			doc->ops->cell_begin(doc, "sign");
			text(doc, " ");
			doc->ops->cell_end(doc);
		}
		doc->ops->row_end(doc);
	}
	doc->ops->table_end(doc);
	tm_buf_free(&scratch);
}

void tm_render_report_doc(tm_doc *doc)
{
	const tm_session *session = doc->session;
	const tm_model *model = session->model;
	const tm_findings *findings = &session->findings;
	header(doc, model);
	history(doc, model);
	summary_section(doc, findings, session->options.today);
	context(doc, model);
	diagram(doc);
	boundaries(doc, model);
	assets(doc, model);
	threats(doc, model, findings);
	mitigations(doc, model);
	residual(doc, model, findings, session->options.today);
	review(doc, model, session->options.today);
}

/* ------------------------------------------------ the Markdown backend */

static void md_heading(tm_doc *doc, int level, const char *s)
{
	tm_buf_fill(doc->out, '#', (size_t)level);
	tm_buf_putc(doc->out, ' ');
	tm_esc_md(doc->out, s, true); /* one line, whatever the text holds */
	tm_buf_puts(doc->out, "\n\n");
}

static void md_paragraph_begin(tm_doc *doc)
{
	(void)doc;
}
static void md_paragraph_end(tm_doc *doc)
{
	tm_buf_puts(doc->out, "\n\n");
}
static void md_text(tm_doc *doc, const char *s)
{
	tm_esc_md(doc->out, s, doc->in_cell);
}

static void md_strong(tm_doc *doc, const char *s)
{
	tm_buf_puts(doc->out, "**");
	tm_esc_md(doc->out, s, doc->in_cell);
	tm_buf_puts(doc->out, "**");
}

static void md_emphasis(tm_doc *doc, const char *s)
{
	tm_buf_putc(doc->out, '*');
	tm_esc_md(doc->out, s, doc->in_cell);
	tm_buf_putc(doc->out, '*');
}

static void md_code(tm_doc *doc, const char *s)
{
	tm_esc_md_code(doc->out, s, doc->in_cell);
}

static void md_line_break(tm_doc *doc)
{
	tm_buf_puts(doc->out, doc->in_cell ? "<br>" : "\\\n");
}
static void md_list_begin(tm_doc *doc)
{
	(void)doc;
}
static void md_item_begin(tm_doc *doc)
{
	tm_buf_puts(doc->out, "- ");
	doc->in_cell = true; /* an item stays on one line */
}
static void md_item_end(tm_doc *doc)
{
	doc->in_cell = false;
	tm_buf_putc(doc->out, '\n');
}
static void md_list_end(tm_doc *doc)
{
	tm_buf_putc(doc->out, '\n');
}

static void md_table_begin(tm_doc *doc, const char *const *headers, size_t count)
{
	doc->in_cell = true;
	for (size_t i = 0; i < count; i++) {
		tm_buf_puts(doc->out, "| ");
		tm_esc_md(doc->out, headers[i], true);
		tm_buf_putc(doc->out, ' ');
	}
	tm_buf_puts(doc->out, "|\n");
	for (size_t i = 0; i < count; i++)
		tm_buf_puts(doc->out, "|---");
	tm_buf_puts(doc->out, "|\n");
}

static void md_row_begin(tm_doc *doc)
{
	(void)doc;
}
static void md_cell_begin(tm_doc *doc, const char *css)
{
	(void)css;
	tm_buf_puts(doc->out, "| ");
}
static void md_cell_end(tm_doc *doc)
{
	tm_buf_putc(doc->out, ' ');
}
static void md_row_end(tm_doc *doc)
{
	tm_buf_puts(doc->out, "|\n");
}

static void md_table_end(tm_doc *doc)
{
	doc->in_cell = false;
	tm_buf_putc(doc->out, '\n');
}

static void md_diagram(tm_doc *doc)
{
	tm_buf_puts(doc->out, "```mermaid\n");
	tm_render_dfd_mermaid(doc->out, doc->session->model, &doc->session->findings, 0);
	tm_buf_puts(doc->out, "```\n\n");
}

static const tm_doc_ops md_ops = {
    md_heading,     md_paragraph_begin, md_paragraph_end, md_text,       md_strong,   md_emphasis,
    md_code,        md_line_break,      md_list_begin,    md_item_begin, md_item_end, md_list_end,
    md_table_begin, md_row_begin,       md_cell_begin,    md_cell_end,   md_row_end,  md_table_end,
    md_diagram,
};

void tm_render_report_md(tm_buf *out, const tm_session *session)
{
	if (!session || !session->model)
		return;
	tm_doc doc = {.ops = &md_ops, .out = out, .session = session};
	tm_render_report_doc(&doc);
	tm_buf_puts(out, "---\n\n*Generated by threat ");
	tm_buf_puts(out, TM_VERSION);
	tm_buf_puts(out, " from the model; edit the model, not this file.*\n");
}
