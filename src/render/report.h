/* The document and diagram writers: the threat-model report (Markdown,
 * HTML, JSON), the data-flow diagram (DOT, Mermaid, SVG through Graphviz)
 * and SARIF 2.1.0 for code scanning. Like every writer they append to a
 * tm_buf, never print and never read the clock ("today" is the session's),
 * and escape every text they embed (out/escape.h). doc/report.md describes
 * the documents. */
#ifndef TM_RENDER_REPORT_H
#define TM_RENDER_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "model/model.h"
#include "risk/risk.h"
#include "session/session.h"

/* ---- the data-flow diagram (dfd.c) ---- */

/* Level 0 draws the top-level elements (a flow to api.dal is drawn to api,
 * flows that become the same arrow are merged, flows inside one element
 * disappear); level 1 expands each process with children into a cluster
 * holding them. Levels above 1 expand further. findings may be NULL (no
 * heat map). `title` (or NULL) is drawn above the diagram. */
void tm_render_dfd_dot(tm_buf *out, const tm_model *model, const tm_findings *findings, int level,
                       const char *title);
void tm_render_dfd_mermaid(tm_buf *out, const tm_model *model, const tm_findings *findings, int level);

/* Renders DOT text to an SVG document by running Graphviz's `dot -Tsvg`
 * (the program named by $THREAT_DOT, else `dot` on PATH). Returns TM_OK,
 * or TM_ERR_IO with a one-line reason (and dot's own messages) in
 * `errors`. */
int tm_render_svg(tm_buf *svg, const char *dot, size_t len, tm_buf *errors);

/* ---- the threat-model report ---- */

/* Markdown after the team template (GE_THREAT_MODEL_TEMPLATE): header,
 * Project Context, Data Flow Diagram (Mermaid, Level 0), Trust Boundaries,
 * Assets, Threats (STRIDE), Privacy Threats (LINDDUN) when the model holds
 * PII or has such findings, Open Questions, Mitigations, Residual Risks,
 * Review Schedule. */
void tm_render_report_md(tm_buf *out, const tm_session *session);

/* One self-contained HTML file (inline CSS, no scripts, nothing fetched)
 * with the Markdown report's content and the Level 0 DFD as inline SVG.
 * When Graphviz cannot render, the diagram's DOT source is shown instead
 * and the reason is appended to `warnings` (the report is still whole). */
void tm_render_report_html(tm_buf *out, const tm_session *session, tm_buf *warnings);

/* The whole model (meta, elements, flows with their crossings, boundaries,
 * assets, actors, threats, mitigations, acceptances) and the findings with
 * their summary, as one JSON object and a newline. */
void tm_render_report_json(tm_buf *out, const tm_session *session);

/* ---- SARIF 2.1.0 (sarif.c) ---- */

/* One run of tool "threat": a reportingDescriptor per rule that produced a
 * finding, a result per finding (level from the risk, location in the
 * .threat file, fingerprint from the finding id, suppressions for accepted,
 * false-positive and mitigated findings). */
void tm_render_sarif(tm_buf *out, const tm_session *session);
/* One log with a run per session, in order (`check` of several models);
 * with more than one, each run's automationDetails id names its model's
 * file, so code scanning keeps their results apart. */
void tm_render_sarif_runs(tm_buf *out, const tm_session *const *sessions, size_t count);

/* ---- helpers shared by the writers (report_util.c) ---- */

/* An attribute value as plain text: lists joined with ", ", dates as
 * YYYY-MM-DD, references as written. Not escaped. */
void tm_render_value_text(tm_buf *out, const tm_value *value);
/* The text of an attribute of the `model` statement, or NULL when absent
 * (the returned string lives in `scratch`, which the caller frees). */
const char *tm_render_meta_text(const tm_model *model, const char *name, tm_buf *scratch);
/* "information_disclosure" -> "Information Disclosure". */
void tm_render_title_case(tm_buf *out, const char *category);
/* The risk is live: the finding is open, expired or only planned. */
bool tm_render_finding_is_open(const tm_finding *finding);
/* Which report section a finding belongs to. */
typedef enum tm_report_section {
	TM_SECTION_STRIDE,
	TM_SECTION_LINDDUN,
	TM_SECTION_QUESTIONS
} tm_report_section;
tm_report_section tm_render_finding_section(const tm_finding *finding);
/* True when any asset or element of the model holds PII. */
bool tm_render_model_has_pii(const tm_model *model);
/* A flow's ends as "src → dst" or "src ↔ dst" with element keys. */
void tm_render_flow_ends(tm_buf *out, const tm_element *flow);

/* ---- the report's document, shared by Markdown and HTML (report_md.c) ----
 * The content is written once against this small interface; each format
 * supplies the calls. Text passed to `text` is model text, which the
 * backend escapes; `css` names a class the HTML backend uses for colour
 * (e.g. "risk-HIGH"), which Markdown ignores. */
typedef struct tm_doc tm_doc;
typedef struct tm_doc_ops {
	void (*heading)(tm_doc *doc, int level, const char *text);
	void (*paragraph_begin)(tm_doc *doc);
	void (*paragraph_end)(tm_doc *doc);
	void (*text)(tm_doc *doc, const char *text);
	void (*strong)(tm_doc *doc, const char *text);
	void (*emphasis)(tm_doc *doc, const char *text);
	void (*code)(tm_doc *doc, const char *text);
	void (*line_break)(tm_doc *doc);
	void (*list_begin)(tm_doc *doc);
	void (*item_begin)(tm_doc *doc);
	void (*item_end)(tm_doc *doc);
	void (*list_end)(tm_doc *doc);
	void (*table_begin)(tm_doc *doc, const char *const *headers, size_t count);
	void (*row_begin)(tm_doc *doc);
	void (*cell_begin)(tm_doc *doc, const char *css);
	void (*cell_end)(tm_doc *doc);
	void (*row_end)(tm_doc *doc);
	void (*table_end)(tm_doc *doc);
	/* the Level 0 diagram: Mermaid in Markdown, inline SVG in HTML */
	void (*diagram)(tm_doc *doc);
} tm_doc_ops;

struct tm_doc {
	const tm_doc_ops *ops;
	tm_buf *out;
	const tm_session *session;
	bool in_cell;     /* Markdown: inside a table cell */
	bool cell_empty;  /* nothing written in the current cell yet */
	tm_buf *warnings; /* HTML: why the diagram could not be drawn */
};

/* Writes the whole report through doc->ops. */
void tm_render_report_doc(tm_doc *doc);

#endif
