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
static size_t engines_asked(const tm_model *model)
{
	size_t engines = tm_rules_parse_jobs(getenv("THREAT_JOBS"));
	if (!engines)
		engines = model->nelements < PARALLEL_MIN_ELEMENTS ? 1 : DEFAULT_ENGINES;
	if (engines > model->nelements)
		engines = model->nelements ? model->nelements : 1;
	return engines;
}

/* The engines a run gets: those asked for, or one alone when loading the
 * packs failed (a pack that loops until its budget stops it). */
static size_t engines_for(const tm_rules *rules, const tm_model *model)
{
	if (rules->load_failed)
		return 1;
	return engines_asked(model);
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
 * scope). A rule on a flow costs about what one on a process, store or
 * external does (it walks the flows there, but flows raise more of the
 * findings): the weights that balanced the engines' CPU time on both
 * bench models (doc/architecture.md, "Threads"). */
static size_t weight_of(const tm_rules *rules, const tm_element *el)
{
	if (!el->in_scope || el->kind >= TM_EL_COUNT)
		return 16;
	size_t per_rule = el->kind == TM_EL_FLOW ? 21 : 20, runs = 0;
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
	return 16 + per_rule * runs;
}

/* Cuts the n elements into `count` consecutive chunks: chunk i is
 * [cut[i], cut[i + 1]), and ends where the weight before it (weight[] is
 * each element's) reaches goal[i]. */
static void cut_chunks(const uint32_t *weight, size_t n, size_t count, const size_t *goal, size_t *cut)
{
	cut[0] = 0;
	size_t at = 0, sum = 0;
	for (size_t r = 1; r < count; r++) {
		while (at < n && sum < goal[r - 1])
			sum += weight[at++];
		cut[r] = at;
	}
	cut[count] = n;
}

/* A helper engine loading on a thread of its own while the first engine
 * loads (tm_rules_preload_helpers). */
typedef struct preloaded_helper {
	tm_task task;
	const tm_model *model;
	const tm_rules *first; /* its deadline and extra packs, set before the preload */
	tm_rules *engine;
	bool taken; /* by a run's helper, which waits for the load itself */
} preloaded_helper;

static void preload_helper(void *arg)
{
	preloaded_helper *p = arg;
	tm_rules_load_helper(&p->engine, p->model, p->first);
}

void tm_rules_preload_helpers(tm_rules *rules, const tm_model *model)
{
	tm_rules_drop_preloaded(rules);
	size_t engines = engines_asked(model);
	if (engines < 2)
		return;
	rules->preloaded = tm_xcalloc(engines - 1, sizeof *rules->preloaded);
	rules->npreloaded = engines - 1;
	for (size_t i = 0; i < rules->npreloaded; i++) {
		preloaded_helper *p = &rules->preloaded[i];
		p->model = model;
		p->first = rules;
		tm_task_start(&p->task, preload_helper, p);
	}
}

void tm_rules_drop_preloaded(tm_rules *rules)
{
	for (size_t i = 0; i < rules->npreloaded; i++) {
		preloaded_helper *p = &rules->preloaded[i];
		if (!p->taken)
			tm_task_wait(&p->task);
		tm_rules_free(p->engine);
	}
	free(rules->preloaded);
	rules->preloaded = NULL;
	rules->npreloaded = 0;
}

/* A helper engine's part of the run: it claims chunks once loaded. */
typedef struct helper {
	const tm_rules *first; /* whose deadline it keeps */
	const tm_model *model;
	int32_t today;
	bool profile;
	rules_chunks *chunks;
	tm_task task;
	preloaded_helper *preloaded; /* its engine, loading or loaded; NULL: load it */
	tm_rules *engine;            /* NULL: could not be loaded; the others run its chunks */
	tm_diags diags;              /* messages from outside any chunk */
	int status;
} helper;

static void run_helper(void *arg)
{
	helper *h = arg;
	if (h->preloaded) {
		tm_task_wait(&h->preloaded->task);
		h->engine = h->preloaded->engine;
		h->preloaded->engine = NULL;
	} else {
		tm_rules_load_helper(&h->engine, h->model, h->first);
	}
	h->engine->counts = h->first->counts;
	if (!h->engine->L) {
		tm_rules_free(h->engine);
		h->engine = NULL;
		return;
	}
	h->engine->profile = h->profile;
	h->status = tm_rules_run_chunks(h->engine, h->model, h->today, h->chunks, true, &h->diags);
	/* The Lua state goes now, on this thread, while the others still run. */
	tm_rules_finish(h->engine);
}

/* Adds a helper's measurements to the first engine's rules: both loaded
 * the same packs, so their rules are in the same order. */
static void add_profile(tm_rules *rules, const tm_rules *helper_rules)
{
	if (helper_rules->nrules != rules->nrules)
		return;
	for (size_t i = 0; i < rules->nrules; i++) {
		tm_rule_info *to = &rules->rules[i].info;
		const tm_rule_info *from = &helper_rules->rules[i].info;
		if (strcmp(to->id, from->id) != 0)
			continue;
		to->seconds += from->seconds;
		to->calls += from->calls;
		to->raised += from->raised;
	}
}

/* Moves the chunks' messages to `to` in chunk order, as one engine
 * running the chunks in order would have reported them: of each pack's
 * failures, the first MAX_ERRORS_PER_PACK are shown (or counted, past the
 * cap on errors) and the rest counted in one line at the end. A chunk
 * kept at most TM_DIAG_MAX_ERRORS messages and counted the others; `to`
 * is at least as full by then, so it would not have kept them either. */
static void join_messages(const tm_rules *rules, rules_chunks *chunks, tm_diags *to)
{
	size_t npacks = rules->npacks ? rules->npacks : 1;
	size_t *shown = tm_xcalloc(npacks, sizeof *shown);
	size_t *failed = tm_xcalloc(npacks, sizeof *failed);
	size_t *kept = tm_xcalloc(npacks, sizeof *kept);
	for (size_t c = 0; c < chunks->count; c++) {
		rules_chunk *chunk = &chunks->items[c];
		tm_diags *from = &chunk->diags;
		size_t kept_errors = 0;
		memset(kept, 0, npacks * sizeof *kept);
		for (size_t i = 0; i < from->count; i++) {
			tm_diag *d = &from->items[i];
			if (d->severity != TM_SEV_ERROR) {
				tm_diags_push(to, d);
				continue;
			}
			kept_errors++;
			size_t p = d->quota ? d->quota - 1 : npacks;
			if (p < npacks) {
				kept[p]++;
				if (shown[p]++ >= MAX_ERRORS_PER_PACK) {
					shown[p]--;
					tm_diag_free(d);
					continue;
				}
			}
			tm_diags_push(to, d);
		}
		/* Errors the chunk only counted: its packs' failures past what it
		 * kept, and the rest. */
		size_t counted = from->errors - kept_errors;
		for (size_t p = 0; chunk->failures && p < rules->npacks; p++) {
			size_t made = chunk->failures[p] < MAX_ERRORS_PER_PACK ? chunk->failures[p]
			                                                       : MAX_ERRORS_PER_PACK;
			size_t only_counted = made - kept[p];
			counted -= only_counted;
			size_t room = MAX_ERRORS_PER_PACK - shown[p];
			size_t add = only_counted < room ? only_counted : room;
			shown[p] += add;
			to->errors += add;
			failed[p] += chunk->failures[p];
		}
		to->errors += counted;
		free(from->items);
		memset(from, 0, sizeof *from);
		free(chunk->failures);
		chunk->failures = NULL;
	}
	for (size_t p = 0; p < rules->npacks; p++)
		tm_rules_report_failures(to, rules->packs[p].path, failed[p]);
	free(kept);
	free(failed);
	free(shown);
}

/* The chunks of a run on `engines` engines, of about equal weight: one
 * each, or SMALL_RUN_CHUNKS_PER_ENGINE each on a small run, where the
 * first engine gets through several while a helper loads its packs. The
 * first engine claims from the front and the helpers from the back, so
 * when a helper cannot be loaded the others run its chunks. The cut
 * depends only on the model, the packs and the number of engines, never
 * on timing, so the output is the same on every run. (Small chunks on a
 * large run balance the work better but cost the bare 100k-element model
 * 100 to 400 MB more at its peak: doc/architecture.md, "Threads".) */
static void chunks_init(rules_chunks *chunks, const tm_rules *rules, const tm_model *model, size_t engines)
{
	/* each element weighed once: a large model's elements are cache
	 * misses, and this runs before either engine starts */
	uint32_t *weight = tm_xmalloc((model->nelements ? model->nelements : 1) * sizeof *weight);
	size_t total = 0;
	for (size_t i = 0; i < model->nelements; i++)
		total += weight[i] = (uint32_t)weight_of(rules, model->elements[i]);
	size_t count = engines * (model->nelements < SMALL_RUN_ELEMENTS ? SMALL_RUN_CHUNKS_PER_ENGINE : 1);
	if (count > model->nelements)
		count = model->nelements;
	size_t *goal = tm_xcalloc(count, sizeof *goal);
	for (size_t i = 0; i + 1 < count; i++)
		goal[i] = total / count * (i + 1);
	size_t *cut = tm_xcalloc(count + 1, sizeof *cut);
	cut_chunks(weight, model->nelements, count, goal, cut);
	free(weight);
	chunks->items = tm_xcalloc(count, sizeof *chunks->items);
	chunks->count = count;
	pthread_mutex_init(&chunks->lock, NULL);
	chunks->front = 0;
	chunks->back = count;
	for (size_t i = 0; i < count; i++) {
		chunks->items[i].from = cut[i];
		chunks->items[i].to = cut[i + 1];
		tm_findings_init(&chunks->items[i].findings);
	}
	free(cut);
	free(goal);
}

/* Takes the helpers' deprecation warnings: each carries the chunk it was
 * met in, and tm_rules_report_deprecations puts them in model order. */
static void take_deprecations(tm_rules *rules, helper *helpers, size_t engines)
{
	for (size_t i = 1; i < engines; i++)
		if (helpers[i].engine)
			tm_rules_take_deprecations(rules, helpers[i].engine);
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
		tm_rules_drop_preloaded(rules);
		int status = tm_rules_run_range(rules, model, today, 0, model->nelements, out, diags);
		tm_rules_report_deprecations(rules, diags);
		return status;
	}

	rules_chunks chunks;
	chunks_init(&chunks, rules, model, engines);
	helper *helpers = tm_xcalloc(engines, sizeof *helpers);
	for (size_t i = 1; i < engines; i++) {
		helper *h = &helpers[i];
		preloaded_helper *pre = NULL;
		if (i - 1 < rules->npreloaded && rules->preloaded[i - 1].model == model) {
			pre = &rules->preloaded[i - 1];
			pre->taken = true;
		}
		*h = (helper){.first = rules,
		              .model = model,
		              .today = today,
		              .profile = rules->profile,
		              .chunks = &chunks,
		              .preloaded = pre};
		tm_task_start(&h->task, run_helper, h);
	}
	tm_diags own;
	memset(&own, 0, sizeof own);
	int status = tm_rules_run_chunks(rules, model, today, &chunks, false, &own);
	for (size_t i = 1; i < engines; i++) {
		helper *h = &helpers[i];
		tm_task_wait(&h->task);
		if (!h->engine) {
			rules->engines--;
			continue;
		}
		if (h->status != TM_OK)
			status = TM_ERR_INPUT;
		/* Phase 2 does not start after a helper ran out of time. */
		rules->out_of_time = rules->out_of_time || h->engine->out_of_time;
		rules->findings_full = rules->findings_full || h->engine->findings_full;
		add_profile(rules, h->engine);
	}
	tm_rules_drop_preloaded(rules);
	/* A chunk nobody claimed (every engine stopped early) stays empty:
	 * the messages that stopped them say why. */
	for (size_t i = 0; i < chunks.count; i++) {
		tm_findings_append(out, &chunks.items[i].findings);
		tm_findings_free(&chunks.items[i].findings);
	}
	join_messages(rules, &chunks, diags);
	tm_diags_append(diags, &own);
	for (size_t i = 1; i < engines; i++)
		tm_diags_append(diags, &helpers[i].diags);
	take_deprecations(rules, helpers, engines);
	tm_rules_report_deprecations(rules, diags);
	for (size_t i = 1; i < engines; i++)
		if (helpers[i].engine)
			tm_rules_free(helpers[i].engine);
	pthread_mutex_destroy(&chunks.lock);
	free(chunks.items);
	free(helpers);
	return status;
}

size_t tm_rules_engines(const tm_rules *rules)
{
	return rules && rules->engines ? rules->engines : 1;
}
