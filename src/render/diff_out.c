#include "render/diff_out.h"

#include <string.h>

#include "render/json.h"
#include "render/term.h"

static const char *const change_marks[] = {"+", "-", "~"};
static const char *const change_names[] = {"added", "removed", "changed"};

static void element_line(tm_buf *out, const tm_element_change *change)
{
	const tm_element *el = change->after ? change->after : change->before;
	tm_buf_printf(out, "  %s %-9s ", change_marks[change->change], tm_element_kind_names[el->kind]);
	tm_term_sanitize(out, el->key);
	if (el->label && strcmp(el->label, el->key) != 0) {
		tm_buf_puts(out, " \"");
		tm_term_fit(out, el->label, 60);
		tm_buf_putc(out, '"');
	}
	tm_buf_putc(out, '\n');
	for (size_t i = 0; i < change->ndetails; i++) {
		tm_buf_puts(out, "      ");
		tm_term_sanitize(out, change->details[i]);
		tm_buf_putc(out, '\n');
	}
}

static void risk_word(tm_buf *out, tm_risk risk, bool color)
{
	static const char *const colors[] = {"\033[2m", "\033[36m", "\033[33m", "\033[31m", "\033[1;31m"};
	if (color)
		tm_buf_puts(out, colors[risk]);
	tm_buf_puts(out, tm_risk_names[risk]);
	if (color)
		tm_buf_puts(out, "\033[0m");
}

static void finding_line(tm_buf *out, const tm_finding_change *change, bool color)
{
	const tm_finding *f = change->after ? change->after : change->before;
	tm_buf_printf(out, "  %s ", change_marks[change->change]);
	if (change->change == TM_CHANGE_CHANGED && change->before->risk != change->after->risk) {
		risk_word(out, change->before->risk, color);
		tm_buf_puts(out, " -> ");
	}
	risk_word(out, f->risk, color);
	tm_buf_putc(out, ' ');
	tm_term_sanitize(out, f->id);
	tm_buf_puts(out, "  ");
	tm_term_fit(out, f->about->title ? f->about->title : "", 70);
	tm_buf_puts(out, "  (");
	if (change->change == TM_CHANGE_CHANGED && change->before->status != change->after->status)
		tm_buf_printf(out, "%s -> ", tm_status_names[change->before->status]);
	tm_buf_printf(out, "%s)\n",
	              change->change == TM_CHANGE_REMOVED ? "gone" : tm_status_names[f->status]);
}

static void arch_line(tm_buf *out, const tm_arch_change *change)
{
	tm_buf_printf(out, "  %s ", change_marks[change->change]);
	tm_term_sanitize(out, change->what);
	tm_buf_printf(out, "\n      %s: ", tm_review_scopes[change->review]);
	tm_term_sanitize(out, change->action);
	tm_buf_putc(out, '\n');
}

static void review_line(tm_buf *out, const tm_diff *diff)
{
	tm_buf summary = TM_BUF_INIT;
	tm_diff_review_summary(&summary, diff);
	tm_term_sanitize(out, tm_buf_str(&summary));
	tm_buf_puts(out, "\n");
	tm_buf_free(&summary);
}

void tm_render_diff_text(tm_buf *out, const tm_diff *diff, const tm_render_options *opts)
{
	bool color = opts && opts->color;
	if (!diff->nelements && !diff->nfindings && !diff->narch) {
		tm_buf_puts(out, "No changes to elements, findings or architecture.\n");
		review_line(out, diff);
		return;
	}
	if (diff->narch) {
		tm_buf_puts(out, "Architecture\n");
		for (size_t i = 0; i < diff->narch; i++)
			arch_line(out, &diff->arch[i]);
	}
	if (diff->nelements) {
		if (diff->narch)
			tm_buf_putc(out, '\n');
		tm_buf_puts(out, "Elements\n");
		for (size_t i = 0; i < diff->nelements; i++)
			element_line(out, &diff->elements[i]);
	}
	size_t counts[3] = {0};
	if (diff->nfindings) {
		tm_buf_puts(out, diff->nelements || diff->narch ? "\nFindings\n" : "Findings\n");
		for (size_t i = 0; i < diff->nfindings; i++) {
			finding_line(out, &diff->findings[i], color);
			counts[diff->findings[i].change]++;
		}
	}
	tm_buf_printf(out,
	              "\n%zu element%s changed; %zu architecture change%s; findings: %zu new, %zu "
	              "resolved, %zu changed\n",
	              diff->nelements, diff->nelements == 1 ? "" : "s", diff->narch,
	              diff->narch == 1 ? "" : "s", counts[TM_CHANGE_ADDED], counts[TM_CHANGE_REMOVED],
	              counts[TM_CHANGE_CHANGED]);
	review_line(out, diff);
}

void tm_render_diff_json(tm_buf *out, const tm_diff *diff)
{
	tm_json json;
	tm_json_init(&json, out);
	tm_json_begin_object(&json);
	tm_json_key(&json, "elements");
	tm_json_begin_array(&json);
	for (size_t i = 0; i < diff->nelements; i++) {
		const tm_element_change *c = &diff->elements[i];
		const tm_element *el = c->after ? c->after : c->before;
		tm_json_begin_object(&json);
		tm_json_key(&json, "change");
		tm_json_string(&json, change_names[c->change]);
		tm_json_key(&json, "kind");
		tm_json_string(&json, tm_element_kind_names[el->kind]);
		tm_json_key(&json, "key");
		tm_json_string(&json, el->key);
		tm_json_key(&json, "details");
		tm_json_begin_array(&json);
		for (size_t k = 0; k < c->ndetails; k++)
			tm_json_string(&json, c->details[k]);
		tm_json_end_array(&json);
		tm_json_end_object(&json);
	}
	tm_json_end_array(&json);
	tm_json_key(&json, "findings");
	tm_json_begin_array(&json);
	for (size_t i = 0; i < diff->nfindings; i++) {
		const tm_finding_change *c = &diff->findings[i];
		tm_json_begin_object(&json);
		tm_json_key(&json, "change");
		tm_json_string(&json, change_names[c->change]);
		tm_json_key(&json, "before");
		if (c->before)
			tm_render_finding_json(&json, c->before);
		else
			tm_json_null(&json);
		tm_json_key(&json, "after");
		if (c->after)
			tm_render_finding_json(&json, c->after);
		else
			tm_json_null(&json);
		tm_json_end_object(&json);
	}
	tm_json_end_array(&json);
	tm_json_key(&json, "architecture");
	tm_json_begin_array(&json);
	for (size_t i = 0; i < diff->narch; i++) {
		const tm_arch_change *c = &diff->arch[i];
		tm_json_begin_object(&json);
		tm_json_key(&json, "kind");
		tm_json_string(&json, tm_arch_kind_names[c->kind]);
		tm_json_key(&json, "change");
		tm_json_string(&json, change_names[c->change]);
		tm_json_key(&json, "subject");
		tm_json_string(&json, c->subject);
		tm_json_key(&json, "what");
		tm_json_string(&json, c->what);
		tm_json_key(&json, "review");
		tm_json_string(&json, tm_review_names[c->review]);
		tm_json_key(&json, "action");
		tm_json_string(&json, c->action);
		tm_json_end_object(&json);
	}
	tm_json_end_array(&json);
	tm_json_key(&json, "review");
	tm_json_begin_object(&json);
	tm_json_key(&json, "needed");
	tm_json_bool(&json, diff->review != TM_REVIEW_NONE);
	tm_json_key(&json, "reviews");
	tm_json_begin_array(&json);
	for (int r = TM_REVIEW_COUNT - 1; r > TM_REVIEW_NONE; r--)
		if (diff->reviews[r])
			tm_json_string(&json, tm_review_names[r]);
	tm_json_end_array(&json);
	tm_json_key(&json, "summary");
	tm_buf summary = TM_BUF_INIT;
	tm_diff_review_summary(&summary, diff);
	tm_json_string(&json, tm_buf_str(&summary));
	tm_buf_free(&summary);
	tm_json_end_object(&json);
	tm_json_end_object(&json);
	tm_buf_putc(out, '\n');
}
