/* The element run shared out among engines (doc/rules.md, "Engines";
 * doc/architecture.md, "Threads"). A Lua state runs on one thread at a time, so a large model's
 * elements are cut into consecutive ranges of about equal work, and each
 * range beyond the first runs on an engine of its own, loaded with the
 * same packs, on a thread of its own. The model is read-only meanwhile.
 * Each engine writes its own findings and diagnostics; they are joined in
 * range order, which is the order one engine would have produced, so the
 * output is the same byte for byte. The cut depends only on the model and
 * the packs (never on the machine's cores), so it is the same on every
 * machine.
 *
 * Phase 2 and everything after run on the first engine alone. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/task.h"
#include "base/xalloc.h"
#include "rules/engine.h"
#include "model/model.h"
#include "threat/status.h"

size_t tm_rules_parse_jobs(const char *text)
{
	if (!text || *text < '0' || *text > '9')
		return 0;
	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	if (errno || *end || n < 1 || n > TM_RULES_MAX_ENGINES)
		return 0;
	return (size_t)n;
}

/* THREAT_JOBS=N asks for N engines whatever the model's size (1: one
 * engine, for a pack that keeps state from one element to the next;
 * the CLI refuses a bad value); otherwise a large model gets
 * DEFAULT_ENGINES. Never more engines than elements. */
static size_t engines_for(const tm_rules *rules, const tm_model *model)
{
	if (rules->load_failed || rules->load_seconds > HELPER_LOAD_MAX_SECONDS)
		return 1;
	size_t engines = tm_rules_parse_jobs(getenv("THREAT_JOBS"));
	if (!engines)
		engines = model->nelements < PARALLEL_MIN_ELEMENTS ? 1 : DEFAULT_ENGINES;
	if (engines > model->nelements)
		engines = model->nelements ? model->nelements : 1;
	return engines;
}

/* Whether a rule may run on an element: each attribute its `requires`
 * names is stated there. The engine tests the words too, before calling
 * `when`; an estimate of the work needs only this much (a stack's rules in
 * ge-stack require its `tech`, which most elements do not state). */
static bool may_run(const rule *r, const tm_element *el)
{
	for (size_t i = 0; i < r->nrequires; i++)
		if (!tm_element_attr(el, r->requires[i].attr))
			return false;
	return true;
}

/* The cost of an element: a little for visiting it, and some for each
 * rule of its kind that may run on it (the engine skips elements out of
 * scope). A rule on a process, store or external walks its flows too:
 * measured with the built-in packs, about a quarter more work than a rule
 * on a flow. */
static size_t weight_of(const tm_rules *rules, const tm_element *el)
{
	if (!el->in_scope || el->kind >= TM_EL_COUNT)
		return 4;
	size_t per_rule = el->kind == TM_EL_FLOW ? 4 : 5, runs = 0;
	const size_t *applies = rules->applies[el->kind];
	/* rules of one filter group are consecutive, and pass or fail together */
	size_t group = SIZE_MAX;
	bool passes = false;
	for (size_t i = 0; i < rules->napplies[el->kind]; i++) {
		const rule *r = &rules->rules[applies[i]];
		if (!r->nrequires) {
			runs++;
			continue;
		}
		if (r->filter_group != group) {
			group = r->filter_group;
			passes = may_run(r, el);
		}
		runs += passes;
	}
	return 4 + per_rule * runs;
}

/* Cuts [0, n) into `count` consecutive ranges of about equal weight:
 * range i is [cut[i], cut[i + 1]). */
static void cut_ranges(const tm_rules *rules, const tm_model *model, size_t count, size_t *cut)
{
	size_t total = 0;
	for (size_t i = 0; i < model->nelements; i++)
		total += weight_of(rules, model->elements[i]);
	cut[0] = 0;
	size_t at = 0, sum = 0;
	for (size_t r = 1; r < count; r++) {
		size_t goal = total / count * r;
		while (at < model->nelements && sum < goal)
			sum += weight_of(rules, model->elements[at++]);
		cut[r] = at;
	}
	cut[count] = model->nelements;
}

/* A helper engine's share of the run, with what it hands back. */
typedef struct share {
	const tm_rules *first; /* whose deadline it keeps */
	const tm_model *model;
	int32_t today;
	bool profile;
	size_t from, to;
	tm_task task;
	tm_rules *engine; /* NULL: could not be loaded; the first engine runs the range */
	tm_findings findings;
	tm_diags diags;
	int status;
} share;

static void run_share(void *arg)
{
	share *s = arg;
	tm_rules_load_helper(&s->engine, s->model, s->first);
	if (!s->engine->L) {
		tm_rules_free(s->engine);
		s->engine = NULL;
		return;
	}
	s->engine->profile = s->profile;
	s->status =
	    tm_rules_run_range(s->engine, s->model, s->today, s->from, s->to, &s->findings, &s->diags);
	/* The Lua state goes now, on this thread, while the others still run. */
	tm_rules_finish(s->engine);
}

/* Adds a helper's measurements to the first engine's rules: both loaded
 * the same packs, so their rules are in the same order. */
static void add_profile(tm_rules *rules, const tm_rules *helper)
{
	if (helper->nrules != rules->nrules)
		return;
	for (size_t i = 0; i < rules->nrules; i++) {
		tm_rule_info *to = &rules->rules[i].info;
		const tm_rule_info *from = &helper->rules[i].info;
		if (strcmp(to->id, from->id) != 0)
			continue;
		to->seconds += from->seconds;
		to->calls += from->calls;
		to->raised += from->raised;
	}
}

int tm_rules_run(tm_rules *rules, const tm_model *model, int32_t today, tm_findings *out, tm_diags *diags)
{
	if (!rules || !model || !out || !diags)
		return TM_ERR_USAGE;
	if (!rules->L)
		return TM_ERR_INPUT;
	/* A helper loads its packs from the model's `use` statements, as
	 * tm_rules_load did: an engine loaded by name runs alone. */
	size_t engines = rules->loaded_from == model ? engines_for(rules, model) : 1;
	rules->engines = engines;
	if (engines == 1) {
		int status = tm_rules_run_range(rules, model, today, 0, model->nelements, out, diags);
		tm_rules_report_deprecations(rules, diags);
		return status;
	}

	size_t *cut = tm_xcalloc(engines + 1, sizeof *cut);
	cut_ranges(rules, model, engines, cut);
	share *shares = tm_xcalloc(engines, sizeof *shares);
	for (size_t i = 1; i < engines; i++) {
		share *s = &shares[i];
		*s = (share){.first = rules,
		             .model = model,
		             .today = today,
		             .profile = rules->profile,
		             .from = cut[i],
		             .to = cut[i + 1]};
		tm_findings_init(&s->findings);
		tm_task_start(&s->task, run_share, s);
	}
	int status = tm_rules_run_range(rules, model, today, 0, cut[1], out, diags);
	for (size_t i = 1; i < engines; i++) {
		share *s = &shares[i];
		tm_task_wait(&s->task);
		if (!s->engine) {
			/* No Lua state for it: the first engine runs the range,
			 * after its own. */
			rules->engines--;
			tm_findings_free(&s->findings);
			tm_diags_free(&s->diags);
			if (tm_rules_run_range(rules, model, today, s->from, s->to, out, diags) != TM_OK)
				status = TM_ERR_INPUT;
			continue;
		}
		tm_findings_append(out, &s->findings);
		tm_diags_append(diags, &s->diags);
		tm_rules_take_deprecations(rules, s->engine);
		if (s->status != TM_OK)
			status = TM_ERR_INPUT;
		/* Phase 2 does not start after a helper ran out of time. */
		rules->out_of_time = rules->out_of_time || s->engine->out_of_time;
		rules->findings_full = rules->findings_full || s->engine->findings_full;
		add_profile(rules, s->engine);
		tm_rules_free(s->engine);
	}
	free(shares);
	free(cut);
	tm_rules_report_deprecations(rules, diags);
	return status;
}

size_t tm_rules_engines(const tm_rules *rules)
{
	return rules && rules->engines ? rules->engines : 1;
}
