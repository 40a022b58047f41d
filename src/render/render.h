/* The writers: a model and its scored findings rendered as text for people
 * or as data for machines. Writers append to a tm_buf and never print,
 * never read the clock and never show addresses, so the same model gives
 * the same bytes. Every text they embed from the model is escaped for the
 * format it goes into. */
#ifndef TM_RENDER_RENDER_H
#define TM_RENDER_RENDER_H

#include <stdbool.h>

#include "base/buf.h"
#include "model/model.h"
#include "render/json.h"
#include "risk/risk.h"
#include "risk/summary.h"

typedef struct tm_render_options {
	bool color; /* ANSI colours (see tm_term_color) */
	int width;  /* terminal columns, 0 = unlimited (not a tty; see tm_term_columns) */
} tm_render_options;

/* `threat check` as text: a header line with the model's counts, the trust
 * boundaries (nested ones indented under their outer) with their controls
 * and the flows that cross them, the findings table in the set's order
 * (the caller sorts with tm_findings_sort) and a summary line. opts may be
 * NULL (no colour, no width limit). */
void tm_render_check_text(tm_buf *out, const tm_model *model, const tm_findings *findings,
                          const tm_render_options *opts);

/* SPEC §4: {"model": {...}, "findings": [...], "groups": [...],
 * "summary": {...}} and a trailing newline (doc/report.md, "The summary");
 * with diags, a last key "diagnostics" lists them (tm_render_diags_json).
 * A model that failed to load is written with model NULL and findings
 * NULL: {"model": null, "findings": [], ..., "diagnostics": [...]}. */
void tm_render_check_json(tm_buf *out, const tm_model *model, const tm_findings *findings,
                          const tm_diags *diags);

/* The diagnostics as a JSON array, in the order the text shows them: each
 * {"severity", "message", "file", "line", "column", "notes": [{"message",
 * and "file", "line", "column" when the note has a place}], and
 * "suggestion" when a note says "did you mean"}; file, line and column
 * are null for a diagnostic without a place. */
void tm_render_diags_json(struct tm_json *json, const tm_diags *diags);

/* One finding as the JSON object of SPEC §4 (query and report reuse it):
 * id, rule, framework, category, element, title, detail, likelihood,
 * impact, likelihood_level, impact_level, risk, status, due, overdue,
 * mitigations, file, line, in that order. */
void tm_render_finding_json(struct tm_json *json, const tm_finding *finding);

/* The model's "name" and the meta attributes of its `model` statement
 * (client, version, date, author, reviewers, status, sensitivity,
 * regulatory, next_review, description: those present, in that order) as
 * one JSON object. */
void tm_render_model_json(struct tm_json *json, const tm_model *model);

/* {"CRITICAL": n, "HIGH": n, "MEDIUM": n, "LOW": n, "INFO": n, "total": n,
 * "statuses": {"open": n, ...every status}, "overdue": n, "top": [ids of
 * the highest open risks]}. */
void tm_render_summary_json(struct tm_json *json, const tm_summary *summary);
/* The summary's groups: [{"rule", "title", "risk", "status", "count",
 * "overdue", "elements": [keys], "findings": [ids]}], in the summary's
 * order. */
void tm_render_groups_json(struct tm_json *json, const tm_summary *summary);

#endif
