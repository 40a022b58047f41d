#include "base/limits.h"
#include "session/session.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/task.h"
#include "base/xalloc.h"
#include "model/vocab.h"
#include "risk/summary.h"
#include "rules/rules.h"
#include "threat/status.h"

/* The time since *mark, and *mark moved to now. */
static double lap(double *mark)
{
	double now = tm_clock_seconds();
	double seconds = now - *mark;
	*mark = now;
	return seconds;
}

int tm_session_open(tm_session **out, const char *const *paths, size_t npaths,
                    const tm_session_options *options)
{
	tm_session *session = tm_xcalloc(1, sizeof(*session));
	*out = session;
	session->options = *options;
	session->paths = tm_xcalloc(npaths ? npaths : 1, sizeof(char *));
	session->npaths = npaths;
	for (size_t i = 0; i < npaths; i++)
		session->paths[i] = tm_xstrdup(paths[i]);
	tm_findings_init(&session->findings);
	tm_session_timings *timings = &session->timings;
	double mark = tm_clock_seconds();

	tm_load_options load = {.include_roots = options->include_roots,
	                        .ninclude_roots = options->ninclude_roots,
	                        .reader = options->reader};
	int loaded = tm_model_load(&session->model, paths, npaths, &load, &session->diags);
	timings->load = lap(&mark);
	if (loaded != TM_OK || !session->model) {
		session->model_failed = true;
		return TM_ERR_INPUT;
	}
	if (options->probe)
		options->probe(session->model, options->probe_context);
	const tm_model *model = session->model;
	if (!options->no_rules) {
		if (tm_rules_load_with(&session->rules, model, options->packs, options->npacks,
		                       options->budget, &session->diags) != TM_OK)
			session->rules_failed = true;
		/* The vocabulary is complete once the packs have loaded. */
		if (tm_vocab_check(tm_rules_vocab(session->rules), model, &session->diags, options->strict) &&
		    options->strict)
			session->rules_failed = true;
		tm_rules_profile(session->rules, options->profile_rules);
		if (tm_rules_run(session->rules, model, options->today, &session->findings,
		                 &session->diags) != TM_OK)
			session->rules_failed = true;
		timings->rules = lap(&mark);
	}
	tm_risk_add_threats(&session->findings, model);
	/* The findings so far are sorted on another thread while phase 2
	 * runs (it reads them in their present order, and only adds more);
	 * a few are sorted at once. */
	tm_findings_order *order = tm_findings_order_new(&session->findings);
	tm_task sorting = {0};
	if (session->findings.count >= BACKGROUND_SORT_MIN)
		tm_task_start(&sorting, tm_findings_order_sort, order);
	else
		tm_findings_order_sort(order);
	/* Phase-2 rules (hygiene) judge statuses, so track once quietly first;
	 * the final pass, over their findings too, reports stale references. */
	if (session->rules) {
		tm_risk_track(&session->findings, model, options->today, NULL);
		timings->track = lap(&mark);
		if (tm_rules_run_phase2(session->rules, model, options->today, &session->findings,
		                        &session->diags) != TM_OK)
			session->rules_failed = true;
		/* Only the rule infos are needed from here on: the Lua state
		 * and its views go before any writer allocates its output. */
		tm_rules_finish(session->rules);
		timings->phase2 = lap(&mark);
	}
	/* What mitigations and acceptances name is judged against what the
	 * rules raised, so only when every rule ran. */
	bool judged = session->rules && !session->rules_failed;
	size_t errors = session->diags.errors;
	tm_risk_track(&session->findings, model, options->today, judged ? &session->diags : NULL);
	session->tracking_failed = session->diags.errors > errors;
	tm_findings_mark_overdue(&session->findings, options->today);
	tm_task_wait(&sorting);
	tm_findings_sort_ordered(&session->findings, order);
	timings->track += lap(&mark);
	return session->rules_failed || session->tracking_failed ? TM_ERR_INPUT : TM_OK;
}

int tm_session_reload(tm_session **session, tm_session **failed)
{
	tm_session *fresh;
	*failed = NULL;
	int status = tm_session_open(&fresh, (const char *const *)(*session)->paths, (*session)->npaths,
	                             &(*session)->options);
	if (fresh->model_failed) {
		*failed = fresh;
		return status;
	}
	tm_session_free(*session);
	*session = fresh;
	return status;
}

void tm_session_free(tm_session *session)
{
	if (!session)
		return;
	if (session->rules)
		tm_rules_free(session->rules);
	tm_findings_free(&session->findings);
	tm_diags_free(&session->diags);
	tm_model_free(session->model);
	for (size_t i = 0; i < session->npaths; i++)
		free(session->paths[i]);
	free(session->paths);
	free(session);
}

size_t tm_session_count_failing(const tm_session *session, tm_risk level)
{
	size_t count = 0;
	for (size_t i = 0; i < session->findings.count; i++) {
		const tm_finding *finding = &session->findings.items[i];
		if (finding->risk >= level &&
		    (finding->status == TM_STATUS_OPEN || finding->status == TM_STATUS_EXPIRED))
			count++;
	}
	return count;
}
