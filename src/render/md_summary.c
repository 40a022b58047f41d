#include "render/md_summary.h"

#include <string.h>

#include "base/date.h"
#include "render/escape.h"
#include "risk/summary.h"

#define DASH "\xE2\x80\x94" /* U+2014: nothing to show */

/* The first line of both documents: invisible when rendered, it lets a
 * bot find the comment it posted before and update it. */
#define CHECK_MARKER "<!-- threat check --format md-summary -->\n"
#define DIFF_MARKER  "<!-- threat diff --format md -->\n"

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Model text in a table cell or on one line: escaped, never empty. */
static void cell_text(tm_buf *out, const char *text)
{
	if (text && *text)
		tm_esc_md(out, text, true);
	else
		tm_buf_puts(out, DASH);
}

static void cell_code(tm_buf *out, const char *text)
{
	if (text && *text)
		tm_esc_md_code(out, text, true);
	else
		tm_buf_puts(out, DASH);
}

static void date_text(tm_buf *out, int32_t days)
{
	char date[11];
	if (days == TM_NO_DATE) {
		tm_buf_puts(out, DASH);
		return;
	}
	tm_date_format(days, date);
	tm_buf_puts(out, date);
}

static const char *risk_name(tm_risk risk)
{
	return (int)risk >= TM_RISK_INFO && risk <= TM_RISK_CRITICAL ? tm_risk_names[risk] : "";
}

/* "high": the level as --fail-on takes it. */
static void level_option(tm_buf *out, tm_risk risk)
{
	for (const char *c = risk_name(risk); *c; c++)
		tm_buf_putc(out, (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c));
}

static const char *status_name(tm_status status)
{
	return (int)status >= TM_STATUS_OPEN && status <= TM_STATUS_FALSE_POSITIVE ? tm_status_names[status]
	                                                                           : "";
}

/* ------------------------------------------------- check --format md-summary */

void tm_render_md_summary_init(tm_md_summary *summary, bool gate, tm_risk level, bool several, int32_t today)
{
	memset(summary, 0, sizeof *summary);
	summary->gate = gate;
	summary->level = level;
	summary->several = several;
	summary->today = today;
}

/* The files of a session as code spans: "`a.threat`, `b.threat`". */
static void paths_text(tm_buf *out, const tm_session *session)
{
	for (size_t i = 0; i < session->npaths; i++) {
		if (i)
			tm_buf_puts(out, ", ");
		cell_code(out, session->paths[i]);
	}
	if (session->npaths > 1)
		tm_buf_puts(out, ", merged");
}

static const char *model_name(const tm_session *session)
{
	return session->model && session->model->meta.name && *session->model->meta.name
	           ? session->model->meta.name
	           : "(unnamed model)";
}

/* The findings by risk and status: a row for each risk that has any, and
 * the totals. */
static void counts_table(tm_buf *out, const tm_summary *summary)
{
	tm_buf_puts(out, "| risk | open | planned | mitigated | accepted | expired | false positive | "
	                 "total |\n|---|---|---|---|---|---|---|---|\n");
	for (int risk = TM_RISK_CRITICAL; risk >= TM_RISK_INFO; risk--) {
		if (!summary->by_risk[risk])
			continue;
		tm_buf_printf(out, "| %s |", tm_risk_names[risk]);
		for (int status = TM_STATUS_OPEN; status <= TM_STATUS_FALSE_POSITIVE; status++)
			tm_buf_printf(out, " %zu |", summary->by_risk_status[risk][status]);
		tm_buf_printf(out, " %zu |\n", summary->by_risk[risk]);
	}
	tm_buf_puts(out, "| **total** |");
	for (int status = TM_STATUS_OPEN; status <= TM_STATUS_FALSE_POSITIVE; status++)
		tm_buf_printf(out, " %zu |", summary->by_status[status]);
	tm_buf_printf(out, " %zu |\n\n", summary->total);
}

/* A table of findings (id, element, title, risk, due) and, when the list
 * was cut, how many more there are. */
static void finding_table(tm_buf *out, const tm_finding *const *list, size_t listed, size_t count,
                          const char *more, bool mark_overdue)
{
	tm_buf_puts(out, "| id | element | title | risk | due |\n|---|---|---|---|---|\n");
	for (size_t i = 0; i < listed; i++) {
		const tm_finding *f = list[i];
		tm_buf_puts(out, "| ");
		cell_code(out, f->id);
		tm_buf_puts(out, " | ");
		cell_code(out, f->element_key);
		tm_buf_puts(out, " | ");
		cell_text(out, f->about ? f->about->title : NULL);
		tm_buf_printf(out, " | %s | ", risk_name(f->risk));
		date_text(out, f->due);
		if (f->overdue && mark_overdue)
			tm_buf_puts(out, ", **overdue**");
		tm_buf_puts(out, " |\n");
	}
	if (count > listed)
		tm_buf_printf(out, "\n…and %zu more %s.\n", count - listed, more);
	tm_buf_putc(out, '\n');
}

/* Open or expired findings of risk LOW and above: what the highest open
 * risks are chosen from (risk/summary.h). */
static size_t open_risks(const tm_summary *summary)
{
	size_t count = 0;
	for (int risk = TM_RISK_LOW; risk <= TM_RISK_CRITICAL; risk++)
		count += summary->by_risk_status[risk][TM_STATUS_OPEN] +
		         summary->by_risk_status[risk][TM_STATUS_EXPIRED];
	return count;
}

static void model_row(tm_md_summary *summary, const tm_session *session, const char *result,
                      const tm_summary *counts, size_t failing)
{
	tm_buf *out = &summary->models;
	tm_buf_puts(out, "| ");
	cell_text(out, model_name(session));
	tm_buf_puts(out, " | ");
	paths_text(out, session);
	if (!counts) {
		tm_buf_printf(out, " | %s | %s | %s | %s | %s |\n", DASH, DASH, DASH, DASH, result);
		return;
	}
	tm_buf_printf(out, " | %zu | %zu | ", counts->total,
	              counts->by_status[TM_STATUS_OPEN] + counts->by_status[TM_STATUS_EXPIRED]);
	if (summary->gate)
		tm_buf_printf(out, "%zu", failing);
	else
		tm_buf_puts(out, DASH);
	tm_buf_printf(out, " | %zu | %s |\n", counts->noverdue, result);
}

void tm_render_md_summary_add(tm_md_summary *summary, const tm_session *session)
{
	tm_buf *out = &summary->sections;
	summary->nmodels++;
	if (summary->several) {
		tm_buf_puts(out, "#### ");
		cell_text(out, model_name(session));
		tm_buf_puts(out, " (");
		paths_text(out, session);
		tm_buf_puts(out, ")\n\n");
	}
	if (session->model_failed || !session->model) {
		summary->nbroken++;
		summary->errors = true;
		tm_buf_printf(out, "**Not checked:** %zu %s in the model (the job's log shows %s).\n\n",
		              session->diags.errors, plural(session->diags.errors, "error", "errors"),
		              plural(session->diags.errors, "it", "them"));
		tm_buf result = TM_BUF_INIT;
		tm_buf_printf(&result, "not checked: %zu %s", session->diags.errors,
		              plural(session->diags.errors, "error", "errors"));
		model_row(summary, session, tm_buf_str(&result), NULL, 0);
		tm_buf_free(&result);
		return;
	}
	tm_summary counts;
	tm_summary_compute_listing(&counts, &session->findings, TM_MD_SUMMARY_ROWS);
	size_t open = counts.by_status[TM_STATUS_OPEN] + counts.by_status[TM_STATUS_EXPIRED];
	size_t failing = summary->gate ? tm_session_count_failing(session, summary->level) : 0;
	summary->open += open;
	summary->failing += failing;
	if (failing)
		summary->nfailing_models++;
	bool broken = session->rules_failed || session->tracking_failed;
	summary->errors |= broken;

	if (!summary->several) {
		tm_buf_puts(out, "Checked **");
		tm_esc_md(out, model_name(session), true);
		tm_buf_puts(out, "** (");
		paths_text(out, session);
		tm_buf_puts(out, ") on ");
		date_text(out, summary->today);
		tm_buf_puts(out, ": ");
	}
	tm_buf_printf(out, "%zu %s, %zu open or expired, %zu overdue.\n\n", counts.total,
	              plural(counts.total, "finding", "findings"), open, counts.noverdue);
	if (broken)
		tm_buf_puts(out, "**Errors:** a rule pack failed, or a mitigation or acceptance names a "
		                 "finding no rule raised (the job's log shows the diagnostics).\n\n");
	if (counts.total)
		counts_table(out, &counts);
	if (counts.ntop) {
		tm_buf_puts(out, summary->several ? "##### Highest open risks\n\n"
		                                  : "#### Highest open risks\n\n");
		finding_table(out, counts.top, counts.ntop, open_risks(&counts),
		              "open or expired findings of risk LOW and above", true);
	}
	if (counts.noverdue) {
		tm_buf_puts(out, summary->several ? "##### Overdue\n\n" : "#### Overdue\n\n");
		finding_table(out, counts.overdue, counts.nlisted_overdue, counts.noverdue,
		              "overdue findings", false);
	}
	model_row(summary, session,
	          broken           ? "errors"
	          : !summary->gate ? "checked"
	          : failing        ? "failed"
	                           : "passed",
	          &counts, failing);
	tm_summary_free(&counts);
}

/* Appends doc to out without its trailing blank lines: the document ends
 * in one newline. */
static void put_trimmed(tm_buf *out, tm_buf *doc)
{
	while (doc->len > 1 && doc->data[doc->len - 1] == '\n' && doc->data[doc->len - 2] == '\n')
		doc->data[--doc->len] = '\0';
	tm_buf_take(out, doc);
}

static void write_check_md(tm_md_summary *summary, tm_buf *out)
{
	const char *level = risk_name(summary->level);
	tm_buf_puts(out, CHECK_MARKER);
	tm_buf_puts(out, "### Threat model check: ");
	if (summary->errors)
		tm_buf_puts(out, "errors\n\n");
	else if (!summary->gate)
		tm_buf_puts(out, "checked\n\n");
	else
		tm_buf_puts(out, summary->failing ? "failed\n\n" : "passed\n\n");

	/* the verdict: what the exit status says, in words */
	if (summary->errors) {
		tm_buf_puts(out, "**Errors:** ");
		if (summary->nbroken)
			tm_buf_printf(out, "%zu of %zu %s could not be checked", summary->nbroken,
			              summary->nmodels, plural(summary->nmodels, "model", "models"));
		else
			tm_buf_puts(out, "the check did not complete");
		tm_buf_puts(out, " (exit status 2); the job's log shows the diagnostics.\n\n");
	}
	if (summary->gate && summary->failing) {
		tm_buf_printf(out, "**Failed:** %zu open or expired %s at or above %s (`--fail-on ",
		              summary->failing, plural(summary->failing, "finding", "findings"), level);
		level_option(out, summary->level);
		tm_buf_puts(out, "`)");
		if (summary->several)
			tm_buf_printf(out, " in %zu of %zu models", summary->nfailing_models,
			              summary->nmodels);
		tm_buf_puts(out, ".\n\n");
	} else if (summary->gate && summary->nbroken < summary->nmodels) {
		tm_buf_printf(out, "**Passed:** no open or expired finding at or above %s (`--fail-on ",
		              level);
		level_option(out, summary->level);
		tm_buf_puts(out, "`).\n\n");
	} else if (!summary->gate && summary->nbroken < summary->nmodels) {
		tm_buf_printf(out,
		              "**Checked:** %zu open or expired %s; without `--fail-on` none fails the "
		              "check.\n\n",
		              summary->open, plural(summary->open, "finding", "findings"));
	}
	if (summary->several) {
		tm_buf_printf(out, "Checked %zu models on ", summary->nmodels);
		date_text(out, summary->today);
		tm_buf_puts(out, ":\n\n| model | files | findings | open | ");
		if (summary->gate)
			tm_buf_printf(out, "%s and above", level);
		else
			tm_buf_puts(out, "failing");
		tm_buf_puts(out, " | overdue | result |\n|---|---|---|---|---|---|---|\n");
		tm_buf_take(out, &summary->models);
		tm_buf_putc(out, '\n');
	}
	tm_buf_take(out, &summary->sections);
}

void tm_render_md_summary_finish(tm_md_summary *summary, tm_buf *out)
{
	tm_buf doc = TM_BUF_INIT;
	write_check_md(summary, &doc);
	put_trimmed(out, &doc);
	tm_buf_free(&summary->models);
	tm_buf_free(&summary->sections);
}

/* --------------------------------------------------------- diff --format md */

static const char *const change_names[] = {"added", "removed", "changed"};

static void arch_table(tm_buf *out, const tm_diff *diff)
{
	tm_buf_puts(out, "#### Architecture\n\n| change | review | what to do |\n|---|---|---|\n");
	for (size_t i = 0; i < diff->narch; i++) {
		const tm_arch_change *c = &diff->arch[i];
		tm_buf_puts(out, "| ");
		cell_text(out, c->what);
		tm_buf_printf(out, " | %s | ", tm_review_scopes[c->review]);
		cell_text(out, c->action);
		tm_buf_puts(out, " |\n");
	}
	tm_buf_putc(out, '\n');
}

static void finding_change_row(tm_buf *out, const tm_finding_change *c)
{
	static const char *const words[] = {"new", "resolved", "changed"};
	const tm_finding *f = c->after ? c->after : c->before;
	tm_buf_printf(out, "| %s | ", words[c->change]);
	cell_code(out, f->id);
	tm_buf_puts(out, " | ");
	cell_text(out, f->about ? f->about->title : NULL);
	tm_buf_puts(out, " | ");
	if (c->change == TM_CHANGE_CHANGED && c->before->risk != c->after->risk)
		tm_buf_printf(out, "%s → ", risk_name(c->before->risk));
	tm_buf_printf(out, "%s | ", risk_name(f->risk));
	if (c->change == TM_CHANGE_REMOVED) {
		tm_buf_puts(out, "gone");
	} else {
		if (c->change == TM_CHANGE_CHANGED && c->before->status != c->after->status)
			tm_buf_printf(out, "%s → ", status_name(c->before->status));
		tm_buf_puts(out, status_name(f->status));
	}
	tm_buf_puts(out, " |\n");
}

static void element_change_row(tm_buf *out, const tm_element_change *c)
{
	const tm_element *el = c->after ? c->after : c->before;
	tm_buf_printf(out, "| %s | %s | ", change_names[c->change], tm_element_kind_names[el->kind]);
	cell_code(out, el->key);
	tm_buf_puts(out, " | ");
	cell_text(out, el->label && el->key && strcmp(el->label, el->key) != 0 ? el->label : NULL);
	tm_buf_puts(out, " | ");
	if (!c->ndetails)
		tm_buf_puts(out, DASH);
	for (size_t k = 0; k < c->ndetails; k++) {
		if (k)
			tm_buf_puts(out, "<br>");
		tm_esc_md(out, c->details[k], true);
	}
	tm_buf_puts(out, " |\n");
}

static void more_rows(tm_buf *out, size_t count, const char *what)
{
	if (count > TM_MD_DIFF_ROWS)
		tm_buf_printf(out, "\n…and %zu more %s (`threat diff` lists them all).\n",
		              count - TM_MD_DIFF_ROWS, what);
	tm_buf_putc(out, '\n');
}

static void write_diff_md(tm_buf *out, const tm_diff *diff, const tm_md_diff_options *options)
{
	size_t counts[3] = {0};
	for (size_t i = 0; i < diff->nfindings; i++)
		counts[diff->findings[i].change]++;
	bool needed = diff->review != TM_REVIEW_NONE;
	tm_buf_puts(out, DIFF_MARKER);
	tm_buf_printf(out, "### Threat model change: %s\n\n",
	              needed ? "security review needed" : "no security review needed");

	tm_buf review = TM_BUF_INIT;
	tm_diff_review_summary(&review, diff);
	/* "Security review needed: …" with its first words in bold */
	const char *line = tm_buf_str(&review), *colon = strchr(line, ':');
	if (needed && colon) {
		tm_buf_puts(out, "**");
		tm_buf_put(out, line, (size_t)(colon - line + 1));
		tm_buf_puts(out, "**");
		tm_esc_md(out, colon + 1, true);
	} else {
		tm_buf_puts(out, "**");
		tm_esc_md(out, line, true);
		tm_buf_puts(out, "**");
	}
	tm_buf_puts(out, "\n\n");
	tm_buf_free(&review);

	if (options && options->gate) {
		size_t worse = tm_diff_count_worse(diff, options->level);
		const char *level = risk_name(options->level);
		if (worse)
			tm_buf_printf(out, "**Failed:** %zu new or worse open %s at or above %s", worse,
			              plural(worse, "finding", "findings"), level);
		else
			tm_buf_printf(out, "**Passed:** no new or worse open finding at or above %s", level);
		tm_buf_puts(out, " (`--fail-on ");
		level_option(out, options->level);
		tm_buf_puts(out, "`).\n\n");
	} else if (options && options->gate_review) {
		tm_buf_puts(out, needed ? "**Failed:** the change calls for a security review"
		                        : "**Passed:** the change calls for no security review");
		tm_buf_puts(out, " (`--fail-on review`).\n\n");
	}

	bool unchanged = !diff->nelements && !diff->nfindings && !diff->narch;
	if (options && options->before && options->after) {
		tm_buf_puts(out, "Compared ");
		cell_code(out, options->before);
		tm_buf_puts(out, " with ");
		cell_code(out, options->after);
		tm_buf_puts(out, unchanged ? ": no" : ": ");
	} else if (unchanged) {
		tm_buf_puts(out, "No");
	}
	if (unchanged) {
		tm_buf_puts(out, " changes to elements, findings or architecture.\n");
		return;
	}
	tm_buf_printf(out,
	              "%zu %s changed; %zu architecture %s; findings: %zu new, %zu resolved, %zu "
	              "changed.\n\n",
	              diff->nelements, plural(diff->nelements, "element", "elements"), diff->narch,
	              plural(diff->narch, "change", "changes"), counts[TM_CHANGE_ADDED],
	              counts[TM_CHANGE_REMOVED], counts[TM_CHANGE_CHANGED]);
	if (diff->narch)
		arch_table(out, diff);
	if (diff->nfindings) {
		tm_buf_puts(out, "#### Findings\n\n| change | id | title | risk | status |\n"
		                 "|---|---|---|---|---|\n");
		for (size_t i = 0; i < diff->nfindings && i < TM_MD_DIFF_ROWS; i++)
			finding_change_row(out, &diff->findings[i]);
		more_rows(out, diff->nfindings, "findings");
	}
	if (diff->nelements) {
		tm_buf_puts(out, "#### Elements\n\n| change | kind | key | label | details |\n"
		                 "|---|---|---|---|---|\n");
		for (size_t i = 0; i < diff->nelements && i < TM_MD_DIFF_ROWS; i++)
			element_change_row(out, &diff->elements[i]);
		more_rows(out, diff->nelements, "elements");
	}
}

void tm_render_diff_md(tm_buf *out, const tm_diff *diff, const tm_md_diff_options *options)
{
	tm_buf doc = TM_BUF_INIT;
	write_diff_md(&doc, diff, options);
	put_trimmed(out, &doc);
}
