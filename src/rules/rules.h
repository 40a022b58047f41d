/* The rule engine: Lua 5.4 rule packs run in a sandbox, their rules called
 * for the model's elements (phase 1) and then for the model and the scored
 * findings (phase 2). The pack API is doc/rules.md. */
#ifndef TM_RULES_RULES_H
#define TM_RULES_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/limits.h"
#include "model/model.h"
#include "risk/risk.h"

typedef struct tm_rules tm_rules;

typedef struct tm_rule_info {
	const char *id, *pack, *framework, *category, *title, *description, *mitigation;
	const char *applies; /* as written: "flow", or "process, store" for a list */
	/* `requires` and `unless` in words ("tech is hono or express"), or NULL */
	const char *only_when, *not_when;
	/* where `only_if` is defined, "file:line", or NULL */
	const char *only_if;
	/* The factors in words ("skill 2, opportunity from exposure"), or
	 * where the function that computes them is defined */
	const char *likelihood, *impact;
	const char **refs;
	size_t nrefs;
	/* `advice`: stack-specific texts added to the mitigation when a
	 * finding's element (or a flow's end) states that `tech`, sorted by
	 * technology */
	const char **advice_techs, **advice_texts;
	size_t nadvice;
	const char *file; /* the pack file, as shown in messages */
	int line;         /* line of the `rule {` call */
	/* Measured while tm_rules_profile is on (`--timings`): the time its
	 * `when`, `likelihood` and `impact` took, how many subjects `when` was
	 * called for, and the findings it raised, over every run. */
	double seconds;
	size_t calls, raised;
} tm_rule_info;

/* The packs loaded when a model says no `use`. */
#define TM_RULES_NDEFAULT_PACKS 7
extern const char *const tm_rules_default_packs[TM_RULES_NDEFAULT_PACKS];

/* Loads the packs the model's `use` statements name (none: the default
 * packs). Errors go to diags, at the `use` statement or as
 * "path/pack.lua:LINE: message". Returns TM_OK or TM_ERR_INPUT; *out is set
 * either way, so the packs that loaded still run. The run that starts
 * here (loading, tm_rules_run, tm_rules_run_phase2) has one deadline:
 * `budget` seconds (0: TM_RULES_DEFAULT_BUDGET) plus a tenth of a
 * millisecond for each element, and for each finding phase 2 sees
 * (doc/rules.md "The sandbox"); TM_RULES_DEFAULT_BUDGET is in base/limits.h. */
int tm_rules_load(tm_rules **out, const tm_model *model, double budget, tm_diags *diags);
/* Loads the packs the model's `use` statements name, then `packs` (names
 * or paths relative to the current folder, found as `threat rules --pack`
 * finds them); with `packs`, a model without `use` gets no default packs.
 * Otherwise as tm_rules_load (`threat test` loads the packs under test so). */
int tm_rules_load_with(tm_rules **out, const tm_model *model, const char *const *packs, size_t npacks,
                       double budget, tm_diags *diags);
/* A budget in seconds from text ("2.5"): 0 when it is not a number of
 * seconds above 0 and at most a day. */
double tm_rules_parse_budget(const char *text);
/* Loads packs by name without a model (`threat rules --pack NAME`);
 * base_dir (or NULL) is where relative names resolve and is searched first. */
int tm_rules_load_names(tm_rules **out, const char *const *names, size_t count, const char *base_dir,
                        tm_diags *diags);

/* Phase 1: every element rule for every in-scope element it applies to;
 * each raised finding is appended to `out` and scored. A rule that raises
 * an error or returns a bad value gets a diagnostic and the run goes on;
 * the result is then TM_ERR_INPUT. A large model's elements are shared
 * out among engines on threads of their own (THREAT_JOBS, parallel.c);
 * the findings and messages come out as one engine would give them. */
int tm_rules_run(tm_rules *rules, const tm_model *model, int32_t today, tm_findings *out, tm_diags *diags);
/* How many engines the last tm_rules_run used (1 before any). */
size_t tm_rules_engines(const tm_rules *rules);
/* The number of engines THREAT_JOBS asks for (1 to TM_RULES_MAX_ENGINES,
 * base/limits.h), or 0 when text is not such a number. */
size_t tm_rules_parse_jobs(const char *text);
/* Phase 2: `model` and `finding` rules, which see model.findings (the
 * findings already in `findings`); their findings are appended likewise.
 * Call it after tm_rules_run on the same model. */
int tm_rules_run_phase2(tm_rules *rules, const tm_model *model, int32_t today, tm_findings *findings,
                        tm_diags *diags);

/* Ends the runs: frees the Lua state and every view (most of the engine's
 * memory on a large model). The rule infos stay; later runs fail with
 * TM_ERR_INPUT. */
void tm_rules_finish(tm_rules *rules);

/* Measures each rule's time, calls and findings in later runs (see
 * tm_rule_info); two clock readings per call, so off unless asked for. */
void tm_rules_profile(tm_rules *rules, bool on);

size_t tm_rules_count(const tm_rules *rules);
/* The packs loaded, in load order: each one's file as messages show it
 * ("stdlib/stride.lua") and its name; NULL past the end. */
size_t tm_rules_pack_count(const tm_rules *rules);
const char *tm_rules_pack_path(const tm_rules *rules, size_t index);
const char *tm_rules_pack_name(const tm_rules *rules, size_t index);
/* Rules sorted by pack load order, then id; NULL past the end. */
const tm_rule_info *tm_rules_info(const tm_rules *rules, size_t index);
const tm_rule_info *tm_rules_find(const tm_rules *rules, const char *id);
/* The attribute vocabulary: the language's attributes and those the
 * loaded packs declare with attribute{} (model/vocab.h). */
const struct tm_vocab *tm_rules_vocab(const tm_rules *rules);
void tm_rules_free(tm_rules *rules);

/* True when a rule of `framework` ("STRIDE"; NULL: any) considers el: el is
 * in scope, the rule applies to its kind and its `requires` and `unless`
 * filters let el through, so its `when` is called for el. */
bool tm_rules_considers(const tm_rules *rules, const tm_element *el, const char *framework);

#endif
