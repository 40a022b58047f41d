/* Markdown for a pull-request comment or a CI job's summary page:
 * `check --format md-summary` (the verdict against --fail-on, the counts
 * by risk and status, the highest open risks, the overdue findings and
 * the models checked) and `diff --format md` (the architecture changes
 * and the review each calls for, the findings and elements changed, and
 * whether the change needs a security review). Compact: long lists stop
 * at a few rows and say how many more there are. Every text taken from a
 * model, a pack or a file name is escaped (render/escape.h), and the same
 * input gives the same bytes. doc/ci.md shows them in a workflow. */
#ifndef TM_RENDER_MD_SUMMARY_H
#define TM_RENDER_MD_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "diff/diff.h"
#include "risk/risk.h"
#include "session/session.h"

/* The highest open risks and the overdue findings list this many rows
 * each; `diff --format md` lists this many findings and elements. */
#define TM_MD_SUMMARY_ROWS 10
#define TM_MD_DIFF_ROWS    25

/* `check --format md-summary` of one or more models: add each session as
 * it is checked (its section is written then, so the session can be freed
 * after), then finish, which writes the heading and the verdict before
 * the sections. */
typedef struct tm_md_summary {
	bool gate;     /* --fail-on was given */
	tm_risk level; /* its level */
	bool several;  /* more than one model: a table of them and a heading each */
	int32_t today;
	size_t nmodels, nbroken, nfailing_models;
	size_t failing; /* open or expired findings at or above the level, in all models */
	size_t open;    /* open or expired findings, in all models */
	bool errors;    /* a model, a pack or the tracking had errors (exit 2) */
	tm_buf models;  /* the rows of the models table */
	tm_buf sections;
} tm_md_summary;

void tm_render_md_summary_init(tm_md_summary *summary, bool gate, tm_risk level, bool several, int32_t today);
void tm_render_md_summary_add(tm_md_summary *summary, const tm_session *session);
/* Writes the document to out and frees what the summary holds. */
void tm_render_md_summary_finish(tm_md_summary *summary, tm_buf *out);

/* How `diff --format md` names the two versions ("origin/main:model.threat",
 * "model.threat") and the gate it was given. */
typedef struct tm_md_diff_options {
	const char *before, *after;
	bool gate_review; /* --fail-on review */
	bool gate;        /* --fail-on LEVEL */
	tm_risk level;
} tm_md_diff_options;

void tm_render_diff_md(tm_buf *out, const tm_diff *diff, const tm_md_diff_options *options);

#endif
