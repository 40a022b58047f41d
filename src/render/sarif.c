/* `check --format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.
 * One run of the tool "threat"; one reportingDescriptor per rule that
 * raised a finding (a hand-written threat is its own rule); one result per
 * finding, located at its declaration in the .threat file (relative to
 * %SRCROOT%, the repository root when run from there), fingerprinted by
 * the finding id, which is stable across edits. Accepted, false-positive
 * and mitigated findings carry an inSource suppression, since the
 * decision is written in the model. */
#include "render/report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/date.h"
#include "base/xalloc.h"
#include "render/escape.h"
#include "render/json.h"
#include "rules/rules.h"
#include "threat/status.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

/* ORDER RISK: GitHub ranks by security-severity (9.0+ critical, 7.0+
 * high, 4.0+ medium, else low) */
static const char *const severity[5] = {"1.0", "3.0", "5.5", "8.0", "9.5"};

static const char *level_of(tm_risk risk)
{
	if (risk >= TM_RISK_HIGH)
		return "error";
	return risk == TM_RISK_MEDIUM ? "warning" : "note";
}

typedef struct sarif_rule {
	const char *id;
	const tm_finding *first; /* the first finding it raised */
	tm_risk highest;
} sarif_rule;

static int cmp_rule(const void *a, const void *b)
{
	return strcmp(((const sarif_rule *)a)->id, ((const sarif_rule *)b)->id);
}

static size_t rule_index(const sarif_rule *rules, size_t count, const char *id)
{
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rules[mid].id, id);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

/* "Session hijacking via XSS" -> "SessionHijackingViaXss": the
 * reportingDescriptor name, an identifier people can read. */
static void pascal_name(tm_buf *out, const char *title, const char *fallback)
{
	bool upper = true;
	size_t start = out->len;
	for (const char *p = title ? title : ""; *p; p++) {
		char c = *p;
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum) {
			upper = true;
			continue;
		}
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!upper && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		tm_buf_putc(out, c);
		upper = false;
	}
	if (out->len == start)
		tm_buf_puts(out, fallback ? fallback : "Threat");
}

static void text_message(tm_json *json, const char *key, const char *text)
{
	tm_json_key(json, key);
	tm_json_begin_object(json);
	tm_json_key(json, "text");
	tm_json_string(json, text && *text ? text : "");
	tm_json_end_object(json);
}

static void descriptor(tm_json *json, const sarif_rule *rule, const tm_rules *rules)
{
	const tm_finding *f = rule->first;
	const tm_rule_info *info = rules ? tm_rules_find(rules, rule->id) : NULL;
	const char *title = info && info->title ? info->title : f->about->title;
	const char *description = info && info->description ? info->description : f->about->description;
	const char *mitigation = info && info->mitigation ? info->mitigation : f->about->advice;
	const char *framework = info && info->framework ? info->framework : f->about->framework;
	const char *category = info && info->category ? info->category : f->about->category;
	const char **refs = info ? info->refs : f->about->refs;
	size_t nrefs = info ? info->nrefs : f->about->nrefs;
	tm_buf scratch = TM_BUF_INIT;

	tm_json_begin_object(json);
	tm_json_key(json, "id");
	tm_json_string(json, rule->id);
	tm_json_key(json, "name");
	pascal_name(&scratch, title, rule->id);
	tm_json_string(json, tm_buf_str(&scratch));
	text_message(json, "shortDescription", title && *title ? title : rule->id);
	text_message(json, "fullDescription", description && *description ? description : title);

	/* help: the explanation, then what to do, then the references */
	tm_buf_clear(&scratch);
	tm_buf markdown = TM_BUF_INIT;
	if (description && *description) {
		tm_buf_printf(&scratch, "%s\n\n", description);
		tm_esc_md(&markdown, description, false);
		tm_buf_puts(&markdown, "\n\n");
	}
	if (mitigation && *mitigation) {
		tm_buf_printf(&scratch, "Mitigation: %s\n", mitigation);
		tm_buf_puts(&markdown, "**Mitigation:** ");
		tm_esc_md(&markdown, mitigation, false);
		tm_buf_puts(&markdown, "\n");
	}
	if (nrefs) {
		tm_buf_puts(&scratch, scratch.len ? "\nReferences:" : "References:");
		tm_buf_puts(&markdown, markdown.len ? "\n**References:**" : "**References:**");
		for (size_t i = 0; i < nrefs; i++) {
			tm_buf_printf(&scratch, " %s", refs[i] ? refs[i] : "");
			tm_buf_puts(&markdown, i ? ", " : " ");
			tm_esc_md(&markdown, refs[i], false);
		}
		tm_buf_putc(&scratch, '\n');
		tm_buf_putc(&markdown, '\n');
	}
	if (!scratch.len) {
		tm_buf_puts(&scratch, title && *title ? title : rule->id);
		tm_esc_md(&markdown, tm_buf_str(&scratch), false);
	}
	tm_json_key(json, "help");
	tm_json_begin_object(json);
	tm_json_key(json, "text");
	tm_json_string(json, tm_buf_str(&scratch));
	tm_json_key(json, "markdown");
	tm_json_string(json, tm_buf_str(&markdown));
	tm_json_end_object(json);
	tm_buf_free(&markdown);

	tm_json_key(json, "defaultConfiguration");
	tm_json_begin_object(json);
	tm_json_key(json, "level");
	tm_json_string(json, level_of(rule->highest));
	tm_json_end_object(json);

	tm_json_key(json, "properties");
	tm_json_begin_object(json);
	tm_json_key(json, "tags");
	tm_json_begin_array(json);
	tm_json_string(json, "security");
	tm_json_string(json, "threat-model");
	if (framework && *framework)
		tm_json_string(json, framework);
	if (category && *category)
		tm_json_string(json, category);
	for (size_t i = 0; i < nrefs; i++) {
		const char *ref = refs[i];
		if (!ref || !*ref)
			continue;
		tm_json_string(json, ref);
		if (strncmp(ref, "CWE-", 4) == 0 && ref[4]) {
			/* the form GitHub links to the CWE entry */
			tm_buf_clear(&scratch);
			tm_buf_puts(&scratch, "external/cwe/cwe-");
			tm_buf_puts(&scratch, ref + 4);
			tm_json_string(json, tm_buf_str(&scratch));
		}
	}
	tm_json_end_array(json);
	tm_json_key(json, "security-severity");
	tm_json_string(json, severity[rule->highest]);
	tm_json_key(json, "precision");
	tm_json_string(json, "medium");
	if (info && info->pack) {
		tm_json_key(json, "pack");
		tm_json_string(json, info->pack);
	} else if (f->about->pack) {
		tm_json_key(json, "pack");
		tm_json_string(json, f->about->pack);
	}
	tm_json_end_object(json);
	tm_json_end_object(json);
	tm_buf_free(&scratch);
}

/* The file as a URI relative to the repository root (the working
 * directory) when it is inside it; else an absolute file URI. Returns
 * whether the URI is relative. */
static bool artifact_uri(tm_buf *out, const char *path, const char *cwd)
{
	if (path[0] == '/') {
		size_t n = cwd ? strlen(cwd) : 0;
		if (n && strncmp(path, cwd, n) == 0 && path[n] == '/') {
			path += n + 1;
		} else {
			tm_buf_puts(out, "file://");
			tm_esc_uri_path(out, path);
			return false;
		}
	}
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	tm_esc_uri_path(out, path);
	return true;
}

static void message_text(tm_buf *out, const tm_finding *f)
{
	char date[11];
	tm_buf_puts(out, f->about->title && *f->about->title ? f->about->title : f->about->rule);
	if (f->element_key && *f->element_key)
		tm_buf_printf(out, " (on %s)", f->element_key);
	if (f->detail && *f->detail)
		tm_buf_printf(out, ": %s", f->detail);
	tm_buf_printf(out, ". Risk %s, status %s", tm_risk_names[f->risk], tm_status_names[f->status]);
	if (f->due != TM_NO_DATE) {
		tm_date_format(f->due, date);
		tm_buf_printf(out, ", due %s", date);
	}
	tm_buf_puts(out, ".");
	if (f->nmitigations) {
		tm_buf_puts(out, " Mitigations:");
		for (size_t i = 0; i < f->nmitigations; i++)
			tm_buf_printf(out, "%s %s", i ? "," : "", f->mitigations[i]);
		tm_buf_putc(out, '.');
	}
	if (f->acceptance && f->acceptance->reason)
		tm_buf_printf(out, " Accepted: %s", f->acceptance->reason);
}

static void suppression(tm_json *json, const tm_finding *f)
{
	tm_buf why = TM_BUF_INIT;
	if (f->status == TM_STATUS_ACCEPTED || f->status == TM_STATUS_FALSE_POSITIVE) {
		if (f->status == TM_STATUS_FALSE_POSITIVE)
			tm_buf_puts(&why, "false positive: ");
		tm_buf_puts(&why,
		            f->acceptance && f->acceptance->reason ? f->acceptance->reason : "accepted");
		if (f->acceptance && f->acceptance->by)
			tm_buf_printf(&why, " (accepted by %s)", f->acceptance->by);
	} else if (f->status == TM_STATUS_MITIGATED) {
		tm_buf_puts(&why, "mitigated by");
		for (size_t i = 0; i < f->nmitigations; i++)
			tm_buf_printf(&why, "%s %s", i ? "," : "", f->mitigations[i]);
	} else {
		return;
	}
	tm_json_key(json, "suppressions");
	tm_json_begin_array(json);
	tm_json_begin_object(json);
	tm_json_key(json, "kind");
	tm_json_string(json, "inSource");
	tm_json_key(json, "status");
	tm_json_string(json, "accepted");
	tm_json_key(json, "justification");
	tm_json_string(json, tm_buf_str(&why));
	tm_json_end_object(json);
	tm_json_end_array(json);
	tm_buf_free(&why);
}

/* "physicalLocation": the file (relative to the checkout when it can be,
 * doc/report.md) and the region's line, and column when not 0. */
static void physical_location(tm_json *json, tm_buf *scratch, const char *file, const char *cwd,
                              uint32_t line, uint32_t column)
{
	tm_json_key(json, "physicalLocation");
	tm_json_begin_object(json);
	tm_json_key(json, "artifactLocation");
	tm_json_begin_object(json);
	tm_buf_clear(scratch);
	bool relative = artifact_uri(scratch, file, cwd);
	tm_json_key(json, "uri");
	tm_json_string(json, tm_buf_str(scratch));
	if (relative) {
		tm_json_key(json, "uriBaseId");
		tm_json_string(json, "%SRCROOT%");
	}
	tm_json_end_object(json);
	tm_json_key(json, "region");
	tm_json_begin_object(json);
	tm_json_key(json, "startLine");
	tm_json_int(json, line);
	if (column) {
		tm_json_key(json, "startColumn");
		tm_json_int(json, column);
	}
	tm_json_end_object(json);
	tm_json_end_object(json);
}

static void result(tm_json *json, const tm_finding *f, size_t index, const tm_model *model, const char *cwd)
{
	tm_buf scratch = TM_BUF_INIT;
	tm_json_begin_object(json);
	tm_json_key(json, "ruleId");
	tm_json_string(json, f->about->rule);
	tm_json_key(json, "ruleIndex");
	tm_json_int(json, (int64_t)index);
	tm_json_key(json, "level");
	tm_json_string(json, level_of(f->risk));
	tm_json_key(json, "message");
	tm_json_begin_object(json);
	tm_json_key(json, "text");
	message_text(&scratch, f);
	tm_json_string(json, tm_buf_str(&scratch));
	tm_json_end_object(json);

	/* a model-level finding points at the model statement */
	const char *file = f->file && *f->file ? f->file : NULL;
	uint32_t line = f->line;
	if (!file && model && model->meta.decl && model->meta.decl->span.src) {
		file = model->meta.decl->span.src->path;
		tm_source_position(model->meta.decl->span.src, model->meta.decl->span.start, &line,
		                   &(uint32_t){0});
	}
	if (!file && model && model->nfiles && model->files[0] && model->files[0]->src)
		file = model->files[0]->src->path;
	tm_json_key(json, "locations");
	tm_json_begin_array(json);
	if (file) {
		tm_json_begin_object(json);
		physical_location(json, &scratch, file, cwd, line ? line : 1, 0);
		if (f->element_key && *f->element_key) {
			tm_json_key(json, "logicalLocations");
			tm_json_begin_array(json);
			tm_json_begin_object(json);
			tm_json_key(json, "name");
			tm_json_string(json, f->element_key);
			tm_json_key(json, "kind");
			tm_json_string(json, f->element && f->element->kind < TM_EL_COUNT
			                         ? tm_element_kind_names[f->element->kind]
			                         : "element");
			tm_json_end_object(json);
			tm_json_end_array(json);
		}
		tm_json_end_object(json);
	}
	tm_json_end_array(json);

	tm_json_key(json, "partialFingerprints");
	tm_json_begin_object(json);
	tm_json_key(json, "threatFindingId/v1");
	tm_json_string(json, f->id);
	tm_json_end_object(json);
	suppression(json, f);

	tm_json_key(json, "properties");
	tm_json_begin_object(json);
	tm_json_key(json, "findingId");
	tm_json_string(json, f->id);
	tm_json_key(json, "risk");
	tm_json_string(json, tm_risk_names[f->risk]);
	tm_json_key(json, "status");
	tm_json_string(json, tm_status_names[f->status]);
	tm_json_key(json, "likelihood");
	tm_json_number(json, f->likelihood);
	tm_json_key(json, "impact");
	tm_json_number(json, f->impact);
	tm_json_key(json, "due");
	tm_json_date(json, f->due);
	tm_json_key(json, "overdue");
	tm_json_bool(json, f->overdue);
	tm_json_end_object(json);
	tm_json_end_object(json);
	tm_buf_free(&scratch);
}

/* The diagnostics (attribute warnings, stale references...) as the run's
 * tool notifications, each at its place in the .threat file. */
static void notifications(tm_json *json, const tm_diags *diags, const char *cwd)
{
	const tm_diag **sorted = tm_diags_sorted(diags);
	tm_buf scratch = TM_BUF_INIT;
	tm_json_key(json, "invocations");
	tm_json_begin_array(json);
	tm_json_begin_object(json);
	tm_json_key(json, "executionSuccessful");
	tm_json_bool(json, diags->errors == 0);
	tm_json_key(json, "toolExecutionNotifications");
	tm_json_begin_array(json);
	for (size_t i = 0; i < diags->count; i++) {
		const tm_diag *d = sorted[i];
		tm_json_begin_object(json);
		tm_json_key(json, "level");
		tm_json_string(json, d->severity == TM_SEV_ERROR ? "error" : "warning");
		tm_json_key(json, "message");
		tm_json_begin_object(json);
		tm_json_key(json, "text");
		tm_buf_clear(&scratch);
		tm_buf_puts(&scratch, d->message);
		for (size_t j = 0; j < d->nnotes; j++)
			tm_buf_printf(&scratch, "; %s", d->notes[j].message);
		tm_json_string(json, tm_buf_str(&scratch));
		tm_json_end_object(json);
		if (d->span.src) {
			uint32_t line, column;
			tm_source_position(d->span.src, d->span.start, &line, &column);
			tm_json_key(json, "locations");
			tm_json_begin_array(json);
			tm_json_begin_object(json);
			physical_location(json, &scratch, d->span.src->path, cwd, line, column);
			tm_json_end_object(json);
			tm_json_end_array(json);
		}
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
	tm_json_end_object(json);
	tm_json_end_array(json);
	tm_buf_free(&scratch);
	free(sorted);
}

static bool valid_finding(const tm_finding *f)
{
	return f->id && f->about->rule && f->risk <= TM_RISK_CRITICAL &&
	       f->status <= TM_STATUS_FALSE_POSITIVE;
}

/* One run: the tool with the rules of the session's findings, and the
 * results. With several runs in a log each names its model, so code
 * scanning keeps their results apart. */
static void write_run(tm_json *json, const tm_session *session, bool name_the_run, const char *cwd)
{
	/* a model that failed to load has its errors as notifications only */
	const tm_findings *findings = session && !session->model_failed ? &session->findings : NULL;
	size_t count = findings ? findings->count : 0;
	sarif_rule *rules = tm_xcalloc(count + 1, sizeof *rules);
	size_t nrules = 0;
	for (size_t i = 0; i < count; i++) {
		const tm_finding *f = &findings->items[i];
		if (!valid_finding(f))
			continue;
		rules[nrules++] = (sarif_rule){f->about->rule, f, f->risk};
	}
	qsort(rules, nrules, sizeof *rules, cmp_rule);
	size_t unique = 0;
	for (size_t i = 0; i < nrules; i++) {
		if (unique && strcmp(rules[unique - 1].id, rules[i].id) == 0) {
			if (rules[i].highest > rules[unique - 1].highest)
				rules[unique - 1].highest = rules[i].highest;
			/* keep the finding that comes first in the session's order */
			if (rules[i].first < rules[unique - 1].first)
				rules[unique - 1].first = rules[i].first;
			continue;
		}
		rules[unique++] = rules[i];
	}
	nrules = unique;

	tm_json_begin_object(json);
	tm_json_key(json, "tool");
	tm_json_begin_object(json);
	tm_json_key(json, "driver");
	tm_json_begin_object(json);
	tm_json_key(json, "name");
	tm_json_string(json, "threat");
	tm_json_key(json, "version");
	tm_json_string(json, TM_VERSION);
	tm_json_key(json, "semanticVersion");
	tm_json_string(json, TM_VERSION);
#ifdef TM_INFORMATION_URI
	tm_json_key(json, "informationUri");
	tm_json_string(json, TM_INFORMATION_URI);
#endif
	tm_json_key(json, "rules");
	tm_json_begin_array(json);
	for (size_t i = 0; i < nrules; i++)
		descriptor(json, &rules[i], session ? session->rules : NULL);
	tm_json_end_array(json);
	tm_json_end_object(json);
	tm_json_end_object(json);

	if (name_the_run && session && session->npaths) {
		tm_buf id = TM_BUF_INIT;
		tm_buf_printf(&id, "threat/%s/", session->paths[0]);
		tm_json_key(json, "automationDetails");
		tm_json_begin_object(json);
		tm_json_key(json, "id");
		tm_json_string(json, tm_buf_str(&id));
		tm_json_end_object(json);
		tm_buf_free(&id);
	}

	tm_json_key(json, "results");
	tm_json_begin_array(json);
	for (size_t i = 0; i < count; i++) {
		const tm_finding *f = &findings->items[i];
		if (!valid_finding(f))
			continue;
		result(json, f, rule_index(rules, nrules, f->about->rule), session ? session->model : NULL,
		       cwd);
	}
	tm_json_end_array(json);
	if (session && session->diags.count)
		notifications(json, &session->diags, cwd);
	tm_json_end_object(json);
	free(rules);
}

void tm_render_sarif_runs(tm_buf *out, const tm_session *const *sessions, size_t count)
{
	char *cwd = getcwd(NULL, 0);
	tm_json json;
	tm_json_init(&json, out);
	tm_json_begin_object(&json);
	tm_json_key(&json, "$schema");
	tm_json_string(&json, SARIF_SCHEMA);
	tm_json_key(&json, "version");
	tm_json_string(&json, "2.1.0");
	tm_json_key(&json, "runs");
	tm_json_begin_array(&json);
	for (size_t i = 0; i < count; i++)
		write_run(&json, sessions[i], count > 1, cwd);
	tm_json_end_array(&json);
	tm_json_end_object(&json);
	tm_buf_putc(out, '\n');
	free(cwd);
}

void tm_render_sarif(tm_buf *out, const tm_session *session)
{
	tm_render_sarif_runs(out, &session, 1);
}
