/* A session is one loaded model with everything computed from it: the
 * pipeline (load and resolve, rule packs, hand-written threats, risk,
 * tracking, the second rule phase) in one call, for the CLI, the REPL and
 * every writer. */
#ifndef TM_SESSION_SESSION_H
#define TM_SESSION_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/limits.h"
#include "model/model.h"
#include "risk/risk.h"

struct tm_rules;

typedef struct tm_session_options {
	int32_t today;      /* days since epoch (see tm_date_today) */
	bool no_rules;      /* parse, resolve and score hand-written threats only */
	bool profile_rules; /* measure each rule (tm_rule_info's seconds, calls, raised) */
	bool strict;        /* attributes outside the packs' vocabulary are errors, not warnings */
	/* Folders `include` may read from besides the models' own
	 * (--include-root); the strings must outlive the session. */
	const char *include_roots[TM_SESSION_MAX_INCLUDE_ROOTS];
	size_t ninclude_roots;
	double budget; /* seconds for the packs' whole run; 0: the default (tm_rules_load) */
	/* Where the model's files come from (a git revision); NULL: the file
	 * system. Must outlive the session. */
	const tm_file_reader *reader;
	/* Called once the model has resolved, before the packs run, to fill
	 * model->repo (src/repo: tm_repo_probe); NULL: no repository facts. */
	void (*probe)(tm_model *model, void *context);
	void *probe_context;
	/* Packs loaded after the model's `use` statements (names, or paths
	 * relative to the current folder); when given, a model without `use`
	 * does not get the default packs (tm_rules_load_with). `threat test`
	 * loads the packs under test so. The strings must outlive the session. */
	const char *const *packs;
	size_t npacks;
} tm_session_options;

/* Seconds each stage of tm_session_open took (`--timings`). */
typedef struct tm_session_timings {
	double load;   /* read, parse and resolve the files */
	double rules;  /* load the packs, make the views, run the element rules */
	double phase2; /* model and finding rules */
	double track;  /* hand-written threats, tracking and sorting */
} tm_session_timings;

typedef struct tm_session {
	char **paths; /* the files asked for, for reload */
	size_t npaths;
	tm_session_options options;
	tm_model *model;        /* NULL when no file could be read */
	struct tm_rules *rules; /* NULL with no_rules or when the model has errors */
	tm_findings findings;   /* sorted: risk descending, then id */
	tm_diags diags;         /* everything the stages reported */
	bool model_failed;      /* the model has errors: no findings were computed */
	/* a pack failed to load, a rule raised an error, or (strict) an
	 * attribute is outside the vocabulary */
	bool rules_failed;
	bool tracking_failed; /* a mitigation or acceptance names a finding no rule raised */
	tm_session_timings timings;
} tm_session;

/* Runs the whole pipeline. Returns TM_OK, or TM_ERR_INPUT when the model or
 * a pack has errors (see diags); *out is set either way. */
int tm_session_open(tm_session **out, const char *const *paths, size_t npaths,
                    const tm_session_options *options);
/* Re-reads the files into a fresh session: on success the old one is
 * replaced; on errors *session is kept and *failed holds the new attempt
 * (to show its diagnostics; free it with tm_session_free). */
int tm_session_reload(tm_session **session, tm_session **failed);
void tm_session_free(tm_session *session);

/* Findings with status open or expired at or above `level`. */
size_t tm_session_count_failing(const tm_session *session, tm_risk level);

#endif
