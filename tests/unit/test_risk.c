/* Unit tests for src/risk: the OWASP arithmetic, the matrix, due dates,
 * hand-written threats as findings, statuses and their precedence, stale
 * references, and the listing order. Models are built by hand so the
 * tests do not depend on the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/date.h"
#include "base/diag.h"
#include "risk/risk.h"

static int32_t day(const char *text)
{
	int32_t days = 0;
	assert_true(tm_date_parse(text, strlen(text), &days));
	return days;
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(tm_score_level_names[TM_SCORE_LOW], "Low");
	assert_string_equal(tm_score_level_names[TM_SCORE_MEDIUM], "Medium");
	assert_string_equal(tm_score_level_names[TM_SCORE_HIGH], "High");
	assert_string_equal(tm_risk_names[TM_RISK_INFO], "INFO");
	assert_string_equal(tm_risk_names[TM_RISK_LOW], "LOW");
	assert_string_equal(tm_risk_names[TM_RISK_MEDIUM], "MEDIUM");
	assert_string_equal(tm_risk_names[TM_RISK_HIGH], "HIGH");
	assert_string_equal(tm_risk_names[TM_RISK_CRITICAL], "CRITICAL");
	assert_string_equal(tm_status_names[TM_STATUS_OPEN], "open");
	assert_string_equal(tm_status_names[TM_STATUS_PLANNED], "planned");
	assert_string_equal(tm_status_names[TM_STATUS_MITIGATED], "mitigated");
	assert_string_equal(tm_status_names[TM_STATUS_ACCEPTED], "accepted");
	assert_string_equal(tm_status_names[TM_STATUS_EXPIRED], "expired");
	assert_string_equal(tm_status_names[TM_STATUS_FALSE_POSITIVE], "false_positive");
	assert_string_equal(tm_likelihood_factor_names[TM_LF_SKILL], "skill");
	assert_string_equal(tm_likelihood_factor_names[TM_LF_MOTIVE], "motive");
	assert_string_equal(tm_likelihood_factor_names[TM_LF_OPPORTUNITY], "opportunity");
	assert_string_equal(tm_likelihood_factor_names[TM_LF_POPULATION], "population");
	assert_string_equal(tm_likelihood_factor_names[TM_LF_DISCOVERABILITY], "discoverability");
	assert_string_equal(tm_impact_factor_names[TM_IF_CONFIDENTIALITY], "confidentiality");
	assert_string_equal(tm_impact_factor_names[TM_IF_INTEGRITY], "integrity");
	assert_string_equal(tm_impact_factor_names[TM_IF_AVAILABILITY], "availability");
	assert_string_equal(tm_impact_factor_names[TM_IF_FINANCIAL], "financial");
	assert_string_equal(tm_impact_factor_names[TM_IF_COMPLIANCE], "compliance");
	assert_string_equal(tm_impact_factor_names[TM_IF_REPUTATION], "reputation");
}

static void test_parse(void **state)
{
	(void)state;
	tm_risk risk = TM_RISK_INFO;
	assert_true(tm_risk_parse("high", &risk));
	assert_int_equal(risk, TM_RISK_HIGH);
	assert_true(tm_risk_parse("HIGH", &risk));
	assert_int_equal(risk, TM_RISK_HIGH);
	assert_true(tm_risk_parse("Critical", &risk));
	assert_int_equal(risk, TM_RISK_CRITICAL);
	assert_true(tm_risk_parse("info", &risk));
	assert_int_equal(risk, TM_RISK_INFO);
	assert_true(tm_risk_parse("mEdIuM", &risk));
	assert_int_equal(risk, TM_RISK_MEDIUM);
	assert_true(tm_risk_parse("LOW", &risk));
	assert_int_equal(risk, TM_RISK_LOW);

	risk = TM_RISK_LOW;
	assert_false(tm_risk_parse("", &risk));
	assert_false(tm_risk_parse("hi", &risk));
	assert_false(tm_risk_parse("highest", &risk));
	assert_false(tm_risk_parse(" high", &risk));
	assert_false(tm_risk_parse("none", &risk));
	assert_false(tm_risk_parse(NULL, &risk));
	assert_int_equal(risk, TM_RISK_LOW); /* untouched on failure */
}

static void test_matrix(void **state)
{
	(void)state;
	assert_int_equal(tm_risk_matrix(TM_SCORE_HIGH, TM_SCORE_LOW), TM_RISK_MEDIUM);
	assert_int_equal(tm_risk_matrix(TM_SCORE_HIGH, TM_SCORE_MEDIUM), TM_RISK_HIGH);
	assert_int_equal(tm_risk_matrix(TM_SCORE_HIGH, TM_SCORE_HIGH), TM_RISK_CRITICAL);
	assert_int_equal(tm_risk_matrix(TM_SCORE_MEDIUM, TM_SCORE_LOW), TM_RISK_LOW);
	assert_int_equal(tm_risk_matrix(TM_SCORE_MEDIUM, TM_SCORE_MEDIUM), TM_RISK_MEDIUM);
	assert_int_equal(tm_risk_matrix(TM_SCORE_MEDIUM, TM_SCORE_HIGH), TM_RISK_HIGH);
	assert_int_equal(tm_risk_matrix(TM_SCORE_LOW, TM_SCORE_LOW), TM_RISK_INFO);
	assert_int_equal(tm_risk_matrix(TM_SCORE_LOW, TM_SCORE_MEDIUM), TM_RISK_LOW);
	assert_int_equal(tm_risk_matrix(TM_SCORE_LOW, TM_SCORE_HIGH), TM_RISK_MEDIUM);
	/* A level outside the enum (a zeroed finding) counts as Low. */
	assert_int_equal(tm_risk_matrix((tm_score_level)0, (tm_score_level)0), TM_RISK_INFO);
	assert_int_equal(tm_risk_matrix((tm_score_level)0, TM_SCORE_HIGH), TM_RISK_MEDIUM);
}

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(tm_risk_level(0.0), TM_SCORE_LOW);
	assert_int_equal(tm_risk_level(1.0), TM_SCORE_LOW);
	assert_int_equal(tm_risk_level(1.49), TM_SCORE_LOW);
	assert_int_equal(tm_risk_level(1.5), TM_SCORE_MEDIUM);
	assert_int_equal(tm_risk_level(2.0), TM_SCORE_MEDIUM);
	assert_int_equal(tm_risk_level(2.49), TM_SCORE_MEDIUM);
	assert_int_equal(tm_risk_level(2.5), TM_SCORE_HIGH);
	assert_int_equal(tm_risk_level(3.0), TM_SCORE_HIGH);
}

static void test_likelihood(void **state)
{
	(void)state;
	uint8_t all[TM_LF_COUNT] = {2, 2, 3, 2, 1};
	assert_true(tm_risk_likelihood(all) == 2.0);
	uint8_t two[TM_LF_COUNT] = {3, 2, 0, 0, 0};
	assert_true(tm_risk_likelihood(two) == 2.5);
	assert_int_equal(tm_risk_level(tm_risk_likelihood(two)), TM_SCORE_HIGH);
	uint8_t low_mid[TM_LF_COUNT] = {0, 1, 0, 2, 0};
	assert_true(tm_risk_likelihood(low_mid) == 1.5);
	assert_int_equal(tm_risk_level(tm_risk_likelihood(low_mid)), TM_SCORE_MEDIUM);
	uint8_t three[TM_LF_COUNT] = {1, 1, 2, 0, 0};
	assert_float_equal(tm_risk_likelihood(three), 4.0 / 3.0, 1e-12);
	assert_int_equal(tm_risk_level(tm_risk_likelihood(three)), TM_SCORE_LOW);
	uint8_t five_low[TM_LF_COUNT] = {1, 1, 2, 2, 1}; /* 7/5 = 1.4 */
	assert_int_equal(tm_risk_level(tm_risk_likelihood(five_low)), TM_SCORE_LOW);
	uint8_t five_mid[TM_LF_COUNT] = {3, 3, 2, 2, 2}; /* 12/5 = 2.4 */
	assert_int_equal(tm_risk_level(tm_risk_likelihood(five_mid)), TM_SCORE_MEDIUM);
	uint8_t one[TM_LF_COUNT] = {0, 0, 0, 0, 3};
	assert_true(tm_risk_likelihood(one) == 3.0);
	uint8_t none[TM_LF_COUNT] = {0};
	assert_true(tm_risk_likelihood(none) == 0.0);
}

static void test_impact(void **state)
{
	(void)state;
	uint8_t conf[TM_IF_COUNT] = {3, 0, 0, 0, 0, 0};
	assert_true(tm_risk_impact(conf) == 3.0);
	uint8_t mixed[TM_IF_COUNT] = {1, 2, 1, 0, 1, 0};
	assert_true(tm_risk_impact(mixed) == 2.0);
	uint8_t last[TM_IF_COUNT] = {1, 1, 1, 1, 1, 3};
	assert_true(tm_risk_impact(last) == 3.0);
	uint8_t ones[TM_IF_COUNT] = {1, 1, 1, 1, 1, 1};
	assert_true(tm_risk_impact(ones) == 1.0);
	uint8_t none[TM_IF_COUNT] = {0};
	assert_true(tm_risk_impact(none) == 0.0);
}

static void test_due(void **state)
{
	(void)state;
	int32_t found = day("2026-03-24");
	assert_int_equal(tm_risk_due(TM_RISK_CRITICAL, found), day("2026-03-25"));
	assert_int_equal(tm_risk_due(TM_RISK_HIGH, found), day("2026-03-31"));
	assert_int_equal(tm_risk_due(TM_RISK_MEDIUM, found), day("2026-04-23"));
	assert_int_equal(tm_risk_due(TM_RISK_LOW, found), day("2026-06-22"));
	assert_int_equal(tm_risk_due(TM_RISK_INFO, found), TM_NO_DATE);
	assert_int_equal(tm_risk_due(TM_RISK_CRITICAL, TM_NO_DATE), TM_NO_DATE);
	assert_int_equal(tm_risk_due(TM_RISK_LOW, TM_NO_DATE), TM_NO_DATE);
	assert_int_equal(tm_risk_due(TM_RISK_LOW, INT32_MAX - 10), TM_NO_DATE);
	/* Across a year end and a leap day. */
	assert_int_equal(tm_risk_due(TM_RISK_CRITICAL, day("2025-12-31")), day("2026-01-01"));
	assert_int_equal(tm_risk_due(TM_RISK_HIGH, day("2024-02-26")), day("2024-03-04"));
}

static void test_score(void **state)
{
	(void)state;
	tm_findings set;
	tm_findings_init(&set);
	tm_finding *f = tm_findings_add(&set);
	/* The seed's T-01: likelihood 2, impact 3 -> HIGH. */
	uint8_t lf[TM_LF_COUNT] = {2, 2, 3, 2, 1};
	memcpy(f->likelihood_factors, lf, sizeof(lf));
	f->impact_factors[TM_IF_CONFIDENTIALITY] = 3;
	tm_risk_score(f);
	assert_true(f->likelihood == 2.0);
	assert_true(f->impact == 3.0);
	assert_int_equal(f->likelihood_level, TM_SCORE_MEDIUM);
	assert_int_equal(f->impact_level, TM_SCORE_HIGH);
	assert_int_equal(f->risk, TM_RISK_HIGH);

	/* The seed's T-02: likelihood 1, impact 3 -> MEDIUM. */
	f = tm_findings_add(&set);
	uint8_t lf2[TM_LF_COUNT] = {1, 1, 1, 1, 1};
	memcpy(f->likelihood_factors, lf2, sizeof(lf2));
	f->impact_factors[TM_IF_INTEGRITY] = 3;
	tm_risk_score(f);
	assert_int_equal(f->likelihood_level, TM_SCORE_LOW);
	assert_int_equal(f->risk, TM_RISK_MEDIUM);
	assert_int_equal(set.count, 2);
	tm_findings_free(&set);
	assert_null(set.items);
	assert_int_equal(set.count, 0);
}

/* Findings an engine on another thread raised join the set with the
 * strings they point at (tm_arena_absorb), after the set's own. */
static void test_append(void **state)
{
	(void)state;
	tm_findings set, more;
	tm_findings_init(&set);
	tm_findings_init(&more);
	for (int i = 0; i < 3; i++)
		tm_findings_add(&set)->id = tm_arena_printf(set.arena, "A-%d@x", i);
	/* enough text for several of the helper arena's chunks */
	for (int i = 0; i < 5000; i++)
		tm_findings_add(&more)->id = tm_arena_printf(more.arena, "B-%04d@%0100d", i, i);
	size_t used = tm_arena_used(set.arena) + tm_arena_used(more.arena);
	tm_findings_append(&set, &more);
	assert_int_equal(set.count, 5003);
	assert_int_equal(more.count, 0);
	assert_null(more.arena);
	assert_null(more.items);
	assert_int_equal(tm_arena_used(set.arena), used);
	assert_string_equal(set.items[2].id, "A-2@x");
	assert_true(strncmp(set.items[3].id, "B-0000@", 7) == 0);
	assert_true(strncmp(set.items[5002].id, "B-4999@", 7) == 0);
	/* the set's arena still hands out memory after taking the other's */
	tm_findings_add(&set)->id = tm_arena_printf(set.arena, "C-%d@x", 1);
	assert_string_equal(set.items[5003].id, "C-1@x");
	tm_findings_append(&set, &more); /* an empty one adds nothing */
	assert_int_equal(set.count, 5004);
	tm_findings_free(&set);
}

/* Messages moved from one list to another keep the cap on errors as if
 * they had been reported there: warnings all, errors up to the cap. */
static void test_diags_append(void **state)
{
	(void)state;
	tm_diags to = {0}, from = {0};
	tm_span none = {0};
	for (int i = 0; i < 15; i++)
		tm_diag_error(&to, none, "first %d", i);
	for (int i = 0; i < 10; i++) {
		tm_diag_warning(&from, none, "warning %d", i);
		tm_diag_error(&from, none, "second %d", i);
	}
	tm_diags_append(&to, &from);
	assert_int_equal(to.errors, 25);
	assert_int_equal(to.warnings, 10);
	size_t kept = 0, warnings = 0;
	for (size_t i = 0; i < to.count; i++) {
		if (to.items[i].severity == TM_SEV_ERROR)
			kept++;
		else
			warnings++;
	}
	assert_int_equal(kept, TM_DIAG_MAX_ERRORS);
	assert_int_equal(warnings, 10);
	assert_string_equal(to.items[to.count - 1].message, "warning 9");
	assert_string_equal(to.items[15].message, "warning 0");
	assert_string_equal(to.items[16].message, "second 0");
	assert_int_equal(from.count, 0);
	tm_diags_free(&to);
}

static void test_add_zeroed(void **state)
{
	(void)state;
	tm_findings set;
	tm_findings_init(&set);
	assert_non_null(set.arena);
	for (int i = 0; i < 100; i++) {
		tm_finding *f = tm_findings_add(&set);
		assert_null(f->id);
		assert_null(f->element);
		assert_string_equal(f->element_key, "");
		assert_int_equal(f->nmitigations, 0);
		assert_int_equal(f->found, TM_NO_DATE);
		assert_int_equal(f->due, TM_NO_DATE);
		assert_int_equal(f->status, TM_STATUS_OPEN);
		f->id = tm_arena_printf(set.arena, "R-%02d@x", i);
	}
	assert_int_equal(set.count, 100);
	assert_string_equal(set.items[42].id, "R-42@x");
	tm_findings_free(&set);
}

/* A hand-built model: a source with a few threat declarations, elements,
 * mitigations and acceptances as the tests need them. */
enum { FIXTURE_MAX = 16 };

typedef struct fixture {
	tm_arena *arena;
	tm_source *src;
	tm_model model;
	tm_decl decls[FIXTURE_MAX];
	tm_element elements[4];
	tm_threat threats[FIXTURE_MAX];
	tm_mitigation mitigations[FIXTURE_MAX];
	tm_acceptance acceptances[FIXTURE_MAX];
	const char *mitigates[FIXTURE_MAX][FIXTURE_MAX];
	tm_span spans[FIXTURE_MAX][FIXTURE_MAX];
	const tm_finding_pattern *patterns[FIXTURE_MAX][FIXTURE_MAX];
	tm_findings set;
	tm_diags diags;
} fixture;

static const char fixture_text[] = "model \"m\" { date 2026-03-24 }\n"
                                   "\n"
                                   "threat T-01 \"Session hijacking\" {\n"
                                   "  category spoofing  on browser -> web\n"
                                   "}\n"
                                   "threat T-02 \"Linkable ids\" { category linkability }\n"
                                   "threat T-03 \"Own thing\" { category supply_chain }\n";

static int fixture_setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	fx->arena = tm_arena_new();
	fx->src = tm_source_from_text(fx->arena, "models/portal.threat", fixture_text, strlen(fixture_text));
	fx->model.arena = fx->arena;
	fx->model.meta.date = day("2026-03-24");
	fx->model.meta.next_review = TM_NO_DATE;
	fx->model.threats = fx->threats;
	fx->model.mitigations = fx->mitigations;
	fx->model.acceptances = fx->acceptances;
	for (int i = 0; i < FIXTURE_MAX; i++) {
		fx->decls[i].span.src = fx->src;
		fx->mitigations[i].mitigates = fx->mitigates[i];
		fx->mitigations[i].mitigates_spans = fx->spans[i];
		fx->mitigations[i].patterns = fx->patterns[i];
		fx->mitigations[i].due = TM_NO_DATE;
		fx->acceptances[i].until = TM_NO_DATE;
		fx->threats[i].found = TM_NO_DATE;
	}
	tm_findings_init(&fx->set);
	*state = fx;
	return 0;
}

static int fixture_teardown(void **state)
{
	fixture *fx = *state;
	tm_findings_free(&fx->set);
	tm_diags_free(&fx->diags);
	tm_arena_free(fx->arena);
	free(fx);
	return 0;
}

static uint32_t offset_of(const char *needle)
{
	const char *at = strstr(fixture_text, needle);
	assert_non_null(at);
	return (uint32_t)(at - fixture_text);
}

static void test_add_threats(void **state)
{
	fixture *fx = *state;
	fx->elements[0] = (tm_element){.kind = TM_EL_FLOW, .key = "browser->web", .label = "pages"};

	tm_threat *t = &fx->threats[0];
	t->id = "T-01";
	t->title = "Session hijacking";
	t->category = "spoofing";
	t->element = &fx->elements[0];
	t->element_key = "browser->web";
	uint8_t lf[TM_LF_COUNT] = {2, 2, 3, 2, 1};
	memcpy(t->likelihood, lf, sizeof(lf));
	t->impact[TM_IF_CONFIDENTIALITY] = 3;
	t->description = "Steals the session cookie.";
	t->mitigation = "CSP, httpOnly cookies, SameSite";
	t->decl = &fx->decls[0];
	fx->decls[0].span = (tm_span){fx->src, offset_of("threat T-01"), offset_of("threat T-02") - 1};

	t = &fx->threats[1];
	t->id = "T-02";
	t->title = "Linkable ids";
	t->category = "linkability";
	t->likelihood[TM_LF_SKILL] = 1;
	t->impact[TM_IF_COMPLIANCE] = 1;
	t->found = day("2026-01-10");
	t->decl = &fx->decls[1];
	fx->decls[1].span = (tm_span){fx->src, offset_of("threat T-02"), offset_of("threat T-03") - 1};

	t = &fx->threats[2];
	t->id = "T-03";
	t->title = "Own thing";
	t->category = "supply_chain";
	t->likelihood[TM_LF_MOTIVE] = 3;
	t->impact[TM_IF_FINANCIAL] = 2;
	t->decl = &fx->decls[2];
	fx->decls[2].span = (tm_span){fx->src, offset_of("threat T-03"), (uint32_t)strlen(fixture_text)};

	t = &fx->threats[3];
	t->id = "T-04";
	t->title = "Checked";
	t->category = "check";
	t->likelihood[TM_LF_MOTIVE] = 1;
	t->impact[TM_IF_FINANCIAL] = 1;
	/* No declaration: a model built in memory. */

	fx->model.nthreats = 4;
	tm_risk_add_threats(&fx->set, &fx->model);
	assert_int_equal(fx->set.count, 4);

	tm_finding *f = &fx->set.items[0];
	assert_string_equal(f->id, "T-01");
	assert_string_equal(f->about->rule, "T-01");
	assert_string_equal(f->about->framework, "STRIDE");
	assert_string_equal(f->about->category, "spoofing");
	assert_string_equal(f->about->pack, "model");
	assert_ptr_equal(f->element, &fx->elements[0]);
	assert_string_equal(f->element_key, "browser->web");
	assert_string_equal(f->about->title, "Session hijacking");
	assert_string_equal(f->about->description, "Steals the session cookie.");
	assert_string_equal(f->about->advice, "CSP, httpOnly cookies, SameSite");
	assert_null(f->detail);
	assert_memory_equal(f->likelihood_factors, lf, sizeof(lf));
	assert_int_equal(f->impact_factors[TM_IF_CONFIDENTIALITY], 3);
	assert_true(f->likelihood == 2.0);
	assert_true(f->impact == 3.0);
	assert_int_equal(f->risk, TM_RISK_HIGH);
	assert_int_equal(f->found, day("2026-03-24"));
	assert_string_equal(f->file, "models/portal.threat");
	assert_int_equal(f->line, 3);

	f = &fx->set.items[1];
	assert_string_equal(f->about->framework, "LINDDUN");
	assert_null(f->element);
	assert_string_equal(f->element_key, "");
	assert_null(f->about->advice);
	assert_int_equal(f->found, day("2026-01-10"));
	assert_int_equal(f->line, 6);
	assert_int_equal(f->risk, TM_RISK_INFO);

	f = &fx->set.items[2];
	assert_string_equal(f->about->framework, "CUSTOM");
	assert_string_equal(f->about->category, "supply_chain");
	assert_int_equal(f->line, 7);
	assert_int_equal(f->likelihood_level, TM_SCORE_HIGH);
	assert_int_equal(f->impact_level, TM_SCORE_MEDIUM);
	assert_int_equal(f->risk, TM_RISK_HIGH);

	f = &fx->set.items[3];
	assert_string_equal(f->about->framework, "CHECK");
	assert_string_equal(f->file, "");
	assert_int_equal(f->line, 0);
}

/* Adds a generated finding with the given id and risk, found on the
 * model's date. */
static tm_finding *add_titled(fixture *fx, const char *id, tm_risk risk, const char *title)
{
	tm_finding_about *about = tm_arena_alloc(fx->set.arena, sizeof *about);
	about->title = title;
	tm_finding *f = tm_findings_add(&fx->set);
	f->about = about;
	f->id = tm_arena_strdup(fx->set.arena, id);
	f->risk = risk;
	f->found = fx->model.meta.date;
	return f;
}

static tm_finding *add_finding(fixture *fx, const char *id, tm_risk risk)
{
	return add_titled(fx, id, risk, NULL);
}

static tm_mitigation *add_mitigation(fixture *fx, const char *id, tm_mitigation_status status,
                                     const char *names)
{
	assert_true(fx->model.nmitigations < FIXTURE_MAX);
	tm_mitigation *m = &fx->mitigations[fx->model.nmitigations];
	const char **list = fx->mitigates[fx->model.nmitigations];
	tm_span *spans = fx->spans[fx->model.nmitigations];
	fx->model.nmitigations++;
	m->id = id;
	m->title = id;
	m->status = status;
	/* names: comma-separated, each given a distinct fake span */
	char *copy = tm_arena_strdup(fx->arena, names);
	for (char *name = strtok(copy, ","); name; name = strtok(NULL, ",")) {
		assert_true(m->nmitigates < FIXTURE_MAX);
		spans[m->nmitigates] = (tm_span){fx->src, (uint32_t)(10 * fx->model.nmitigations + m->nmitigates),
		                                 (uint32_t)(10 * fx->model.nmitigations + m->nmitigates + 1)};
		list[m->nmitigates++] = name;
	}
	return m;
}

static tm_acceptance *add_acceptance(fixture *fx, const char *finding, const char *until, bool false_positive)
{
	assert_true(fx->model.nacceptances < FIXTURE_MAX);
	tm_acceptance *a = &fx->acceptances[fx->model.nacceptances++];
	a->finding = finding;
	a->finding_span = (tm_span){fx->src, 100 + (uint32_t)fx->model.nacceptances, 110};
	a->reason = "reason";
	a->by = "victoria";
	a->until = until ? day(until) : TM_NO_DATE;
	a->false_positive = false_positive;
	return a;
}

static const tm_finding *finding_by_id(const tm_findings *set, const char *id)
{
	for (size_t i = 0; i < set->count; i++)
		if (strcmp(set->items[i].id, id) == 0)
			return &set->items[i];
	fail_msg("no finding %s", id);
	return NULL;
}

static tm_status status_by_id(const tm_findings *set, const char *id)
{
	return finding_by_id(set, id)->status;
}

static void test_track_statuses(void **state)
{
	fixture *fx = *state;
	int32_t today = day("2026-06-01");
	add_finding(fx, "A@open", TM_RISK_HIGH);
	add_finding(fx, "A@planned", TM_RISK_HIGH);
	add_finding(fx, "A@progress", TM_RISK_HIGH);
	add_finding(fx, "A@implemented", TM_RISK_HIGH);
	add_finding(fx, "A@verified", TM_RISK_HIGH);
	add_finding(fx, "A@accepted-forever", TM_RISK_HIGH);
	add_finding(fx, "A@accepted-later", TM_RISK_HIGH);
	add_finding(fx, "A@accepted-today", TM_RISK_HIGH);
	add_finding(fx, "A@expired-yesterday", TM_RISK_HIGH);
	add_finding(fx, "A@false-positive", TM_RISK_HIGH);

	add_mitigation(fx, "M-01", TM_MIT_PLANNED, "A@planned");
	add_mitigation(fx, "M-02", TM_MIT_IN_PROGRESS, "A@progress");
	add_mitigation(fx, "M-03", TM_MIT_IMPLEMENTED, "A@implemented");
	add_mitigation(fx, "M-04", TM_MIT_VERIFIED, "A@verified");
	add_acceptance(fx, "A@accepted-forever", NULL, false);
	add_acceptance(fx, "A@accepted-later", "2026-09-01", false);
	add_acceptance(fx, "A@accepted-today", "2026-06-01", false);
	add_acceptance(fx, "A@expired-yesterday", "2026-05-31", false);
	add_acceptance(fx, "A@false-positive", "2020-01-01", true);

	tm_risk_track(&fx->set, &fx->model, today, &fx->diags);
	assert_int_equal(fx->diags.count, 0);
	assert_int_equal(status_by_id(&fx->set, "A@open"), TM_STATUS_OPEN);
	assert_int_equal(status_by_id(&fx->set, "A@planned"), TM_STATUS_PLANNED);
	assert_int_equal(status_by_id(&fx->set, "A@progress"), TM_STATUS_PLANNED);
	assert_int_equal(status_by_id(&fx->set, "A@implemented"), TM_STATUS_MITIGATED);
	assert_int_equal(status_by_id(&fx->set, "A@verified"), TM_STATUS_MITIGATED);
	assert_int_equal(status_by_id(&fx->set, "A@accepted-forever"), TM_STATUS_ACCEPTED);
	assert_int_equal(status_by_id(&fx->set, "A@accepted-later"), TM_STATUS_ACCEPTED);
	assert_int_equal(status_by_id(&fx->set, "A@accepted-today"), TM_STATUS_ACCEPTED);
	assert_int_equal(status_by_id(&fx->set, "A@expired-yesterday"), TM_STATUS_EXPIRED);
	assert_int_equal(status_by_id(&fx->set, "A@false-positive"), TM_STATUS_FALSE_POSITIVE);

	const tm_finding *f = finding_by_id(&fx->set, "A@accepted-later");
	assert_ptr_equal(f->acceptance, &fx->acceptances[1]);
	assert_int_equal(f->nmitigations, 0);
	f = finding_by_id(&fx->set, "A@implemented");
	assert_null(f->acceptance);
	assert_int_equal(f->nmitigations, 1);
	assert_string_equal(f->mitigations[0], "M-03");
	/* Due dates follow the risk whatever the status. */
	assert_int_equal(f->due, day("2026-03-31"));

	/* The day after: the acceptance that ended today has expired. */
	tm_risk_track(&fx->set, &fx->model, today + 1, &fx->diags);
	assert_int_equal(status_by_id(&fx->set, "A@accepted-today"), TM_STATUS_EXPIRED);
	assert_int_equal(status_by_id(&fx->set, "A@accepted-later"), TM_STATUS_ACCEPTED);
	assert_int_equal(status_by_id(&fx->set, "A@accepted-forever"), TM_STATUS_ACCEPTED);
	/* Tracking again does not duplicate the mitigation lists. */
	assert_int_equal(finding_by_id(&fx->set, "A@implemented")->nmitigations, 1);
	/* Long before: the expired one was still accepted. */
	tm_risk_track(&fx->set, &fx->model, day("2026-01-01"), &fx->diags);
	assert_int_equal(status_by_id(&fx->set, "A@expired-yesterday"), TM_STATUS_ACCEPTED);
	assert_int_equal(fx->diags.count, 0);
}

static void test_track_precedence(void **state)
{
	fixture *fx = *state;
	int32_t today = day("2026-06-01");
	add_finding(fx, "P@implemented-expired", TM_RISK_HIGH);
	add_finding(fx, "P@planned-expired", TM_RISK_HIGH);
	add_finding(fx, "P@implemented-accepted", TM_RISK_HIGH);
	add_finding(fx, "P@implemented-false", TM_RISK_HIGH);
	add_finding(fx, "P@planned-and-verified", TM_RISK_HIGH);
	add_finding(fx, "P@two-acceptances", TM_RISK_HIGH);
	add_finding(fx, "P@fp-beats-accept", TM_RISK_HIGH);

	add_mitigation(fx, "M-01", TM_MIT_IMPLEMENTED,
	               "P@implemented-expired,P@implemented-accepted,P@implemented-false");
	add_mitigation(fx, "M-02", TM_MIT_PLANNED, "P@planned-expired,P@planned-and-verified");
	add_mitigation(fx, "M-03", TM_MIT_VERIFIED, "P@planned-and-verified");
	add_acceptance(fx, "P@implemented-expired", "2026-01-01", false);
	add_acceptance(fx, "P@planned-expired", "2026-01-01", false);
	add_acceptance(fx, "P@implemented-accepted", "2026-12-31", false);
	add_acceptance(fx, "P@implemented-false", NULL, true);
	/* Two acceptances: the one lasting longest counts, in either order. */
	add_acceptance(fx, "P@two-acceptances", "2026-01-01", false);
	tm_acceptance *longer = add_acceptance(fx, "P@two-acceptances", "2026-12-01", false);
	add_acceptance(fx, "P@two-acceptances", "2026-02-01", false);
	tm_acceptance *fp = add_acceptance(fx, "P@fp-beats-accept", "2026-02-01", true);
	add_acceptance(fx, "P@fp-beats-accept", NULL, false);

	tm_risk_track(&fx->set, &fx->model, today, &fx->diags);
	assert_int_equal(fx->diags.count, 0);
	/* A fix in place outranks a lapsed acceptance... */
	assert_int_equal(status_by_id(&fx->set, "P@implemented-expired"), TM_STATUS_MITIGATED);
	/* ...but a fix only planned does not. */
	assert_int_equal(status_by_id(&fx->set, "P@planned-expired"), TM_STATUS_EXPIRED);
	/* A standing acceptance outranks a mitigation. */
	assert_int_equal(status_by_id(&fx->set, "P@implemented-accepted"), TM_STATUS_ACCEPTED);
	/* false_positive outranks everything. */
	assert_int_equal(status_by_id(&fx->set, "P@implemented-false"), TM_STATUS_FALSE_POSITIVE);
	/* The most advanced mitigation counts. */
	assert_int_equal(status_by_id(&fx->set, "P@planned-and-verified"), TM_STATUS_MITIGATED);
	const tm_finding *f = finding_by_id(&fx->set, "P@planned-and-verified");
	assert_int_equal(f->nmitigations, 2);
	assert_string_equal(f->mitigations[0], "M-02");
	assert_string_equal(f->mitigations[1], "M-03");
	f = finding_by_id(&fx->set, "P@two-acceptances");
	assert_int_equal(f->status, TM_STATUS_ACCEPTED);
	assert_ptr_equal(f->acceptance, longer);
	f = finding_by_id(&fx->set, "P@fp-beats-accept");
	assert_int_equal(f->status, TM_STATUS_FALSE_POSITIVE);
	assert_ptr_equal(f->acceptance, fp);
}

static void test_track_mitigation_lists(void **state)
{
	fixture *fx = *state;
	add_finding(fx, "T-01", TM_RISK_HIGH);
	add_finding(fx, "STRIDE-T-01@sql", TM_RISK_MEDIUM);
	add_finding(fx, "DUP@x", TM_RISK_LOW);
	add_finding(fx, "DUP@x", TM_RISK_LOW);
	add_mitigation(fx, "M-01", TM_MIT_PLANNED, "T-01,STRIDE-T-01@sql,T-01");
	add_mitigation(fx, "M-02", TM_MIT_IMPLEMENTED, "STRIDE-T-01@sql,DUP@x");

	tm_risk_track(&fx->set, &fx->model, day("2026-04-01"), &fx->diags);
	assert_int_equal(fx->diags.count, 0);
	const tm_finding *f = &fx->set.items[0];
	assert_int_equal(f->nmitigations, 1); /* named twice, listed once */
	assert_string_equal(f->mitigations[0], "M-01");
	assert_int_equal(f->status, TM_STATUS_PLANNED);
	f = &fx->set.items[1];
	assert_int_equal(f->nmitigations, 2);
	assert_string_equal(f->mitigations[0], "M-01");
	assert_string_equal(f->mitigations[1], "M-02");
	assert_int_equal(f->status, TM_STATUS_MITIGATED);
	assert_int_equal(f->due, day("2026-04-23"));
	/* A reference covers every finding with that id. */
	for (size_t i = 2; i < 4; i++) {
		f = &fx->set.items[i];
		assert_int_equal(f->nmitigations, 1);
		assert_string_equal(f->mitigations[0], "M-02");
		assert_int_equal(f->status, TM_STATUS_MITIGATED);
		assert_int_equal(f->due, day("2026-06-22"));
	}
}

static void test_track_stale_references(void **state)
{
	fixture *fx = *state;
	add_finding(fx, "T-01", TM_RISK_HIGH);
	add_finding(fx, "STRIDE-S-01@web", TM_RISK_HIGH);
	add_finding(fx, "STRIDE-T-01@sq", TM_RISK_LOW);
	add_finding(fx, "STRIDE-T-02@sql", TM_RISK_LOW);
	add_finding(fx, "STRIDE-T-02@sql", TM_RISK_LOW); /* one id twice: suggested once */
	add_finding(fx, "STRIDE-R-01@ap", TM_RISK_LOW);
	tm_mitigation *m = add_mitigation(fx, "M-01", TM_MIT_PLANNED, "T-01,STRIDE-T-01@sql,T-99,STRIDE-S-01@web");
	tm_acceptance *a = add_acceptance(fx, "STRIDE-R-01@api", "2026-09-01", false);
	add_acceptance(fx, "T-42", NULL, false); /* hand-written: the resolver's business */
	add_acceptance(fx, "STRIDE-S-01@web", NULL, false);
	add_acceptance(fx, "ZZZ@nowhere-near", NULL, false);

	tm_risk_track(&fx->set, &fx->model, day("2026-06-01"), &fx->diags);
	assert_int_equal(fx->diags.count, 3);
	assert_int_equal(fx->diags.warnings, 0);
	assert_int_equal(fx->diags.errors, 3);
	assert_int_equal(fx->diags.items[0].severity, TM_SEV_ERROR);
	assert_string_equal(fx->diags.items[0].message, "M-01 mitigates STRIDE-T-01@sql, which no rule raised");
	assert_ptr_equal(fx->diags.items[0].span.src, fx->src);
	assert_int_equal(fx->diags.items[0].span.start, m->mitigates_spans[1].start);
	assert_int_equal(fx->diags.items[0].span.end, m->mitigates_spans[1].end);
	/* the raised ids one edit away, in id order */
	assert_int_equal(fx->diags.items[0].nnotes, 1);
	assert_string_equal(fx->diags.items[0].notes[0].message,
	                    "did you mean 'STRIDE-T-01@sq' or 'STRIDE-T-02@sql'?");
	assert_int_equal(fx->diags.items[1].severity, TM_SEV_ERROR);
	assert_string_equal(fx->diags.items[1].message,
	                    "acceptance of STRIDE-R-01@api names a finding no rule raised");
	assert_int_equal(fx->diags.items[1].span.start, a->finding_span.start);
	assert_int_equal(fx->diags.items[1].span.end, a->finding_span.end);
	assert_string_equal(fx->diags.items[1].notes[0].message, "did you mean 'STRIDE-R-01@ap'?");
	/* nothing close: no suggestion */
	assert_string_equal(fx->diags.items[2].message,
	                    "acceptance of ZZZ@nowhere-near names a finding no rule raised");
	assert_int_equal(fx->diags.items[2].nnotes, 0);
	assert_int_equal(status_by_id(&fx->set, "T-01"), TM_STATUS_PLANNED);
	assert_int_equal(status_by_id(&fx->set, "STRIDE-S-01@web"), TM_STATUS_ACCEPTED);

	/* Without a diagnostics list the statuses are still computed. */
	tm_risk_track(&fx->set, &fx->model, day("2026-06-01"), NULL);
	assert_int_equal(status_by_id(&fx->set, "STRIDE-S-01@web"), TM_STATUS_ACCEPTED);
	assert_int_equal(fx->diags.count, 3);
}

static void test_glob(void **state)
{
	(void)state;
	assert_true(tm_glob_match("*", ""));
	assert_true(tm_glob_match("*", "web->erp"));
	assert_true(tm_glob_match("STRIDE-T-*", "STRIDE-T-04"));
	assert_false(tm_glob_match("STRIDE-T-*", "STRIDE-I-04"));
	assert_true(tm_glob_match("legacy_*", "legacy_"));
	assert_true(tm_glob_match("legacy_*", "legacy_billing->db"));
	assert_false(tm_glob_match("legacy_*", "web->legacy_billing"));
	assert_true(tm_glob_match("*-0*", "STRIDE-T-04"));
	assert_true(tm_glob_match("a*b*c", "aXbYbZc"));
	assert_false(tm_glob_match("a*b*c", "aXbYbZ"));
	assert_true(tm_glob_match("**x", "x"));
	assert_false(tm_glob_match("api", "api.dal"));
	assert_true(tm_glob_match("api*", "api.dal"));
}

static tm_finding_pattern *make_pattern(fixture *fx, const char *text, const char *rule, const char *element,
                                        const char *source, const char *target)
{
	tm_finding_pattern *p = tm_arena_alloc(fx->arena, sizeof *p);
	*p = (tm_finding_pattern){.text = text, .rule = rule, .element = element, .source = source, .target = target};
	return p;
}

/* Patterns: each finding a pattern names is covered as if named by its
 * id; an id and a pattern of one mitigation that name one finding list
 * the mitigation once; a pattern naming nothing is a warning. */
static void test_track_patterns(void **state)
{
	fixture *fx = *state;
	static const char *keys[] = {"web", "erp", "db", "legacy_b"};
	tm_element *el[4];
	for (int i = 0; i < 4; i++) {
		el[i] = tm_arena_alloc(fx->arena, sizeof *el[i]);
		*el[i] = (tm_element){.id = keys[i], .key = keys[i], .kind = TM_EL_PROCESS};
	}
	tm_element *web_erp = tm_arena_alloc(fx->arena, sizeof *web_erp);
	*web_erp = (tm_element){.key = "web->erp", .kind = TM_EL_FLOW, .source = el[0], .target = el[1]};
	tm_element *web_legacy = tm_arena_alloc(fx->arena, sizeof *web_legacy);
	*web_legacy = (tm_element){.key = "web->legacy_b", .kind = TM_EL_FLOW, .source = el[0], .target = el[3]};
	tm_element *erp_db = tm_arena_alloc(fx->arena, sizeof *erp_db);
	*erp_db = (tm_element){
	    .key = "erp->db", .kind = TM_EL_FLOW, .source = el[1], .target = el[2], .bidirectional = true};

	add_finding(fx, "T-01", TM_RISK_HIGH);
	add_finding(fx, "STRIDE-T-01@web->erp", TM_RISK_MEDIUM)->element = web_erp;
	add_finding(fx, "STRIDE-T-01@web->legacy_b", TM_RISK_MEDIUM)->element = web_legacy;
	add_finding(fx, "STRIDE-T-02@web", TM_RISK_MEDIUM)->element = el[0];
	add_finding(fx, "STRIDE-I-01@erp->db", TM_RISK_LOW)->element = erp_db;
	add_finding(fx, "STRIDE-R-01@legacy_b", TM_RISK_LOW)->element = el[3];

	tm_mitigation *m1 = add_mitigation(fx, "M-01", TM_MIT_IMPLEMENTED, "STRIDE-T-*@web->*,STRIDE-T-01@web->erp");
	m1->patterns[0] = make_pattern(fx, "STRIDE-T-*@web->*", "STRIDE-T-*", NULL, "web", "*");
	tm_mitigation *m2 = add_mitigation(fx, "M-02", TM_MIT_PLANNED, "*@*,STRIDE-I-*@db->erp,STRIDE-Q-*@*");
	m2->patterns[0] = make_pattern(fx, "*@*", "*", "*", NULL, NULL);
	/* written the other way round: the flow runs both ways */
	m2->patterns[1] = make_pattern(fx, "STRIDE-I-*@db->erp", "STRIDE-I-*", NULL, "db", "erp");
	m2->patterns[2] = make_pattern(fx, "STRIDE-Q-*@*", "STRIDE-Q-*", "*", NULL, NULL);
	tm_acceptance *a = add_acceptance(fx, "*@legacy_*", "2026-09-01", false);
	a->pattern = make_pattern(fx, "*@legacy_*", "*", "legacy_*", NULL, NULL);
	tm_acceptance *none = add_acceptance(fx, "STRIDE-S-*@nothing_*", NULL, false);
	none->pattern = make_pattern(fx, "STRIDE-S-*@nothing_*", "STRIDE-S-*", "nothing_*", NULL, NULL);

	tm_risk_track(&fx->set, &fx->model, day("2026-06-01"), &fx->diags);
	assert_int_equal(fx->diags.errors, 0);
	assert_int_equal(fx->diags.warnings, 2);
	assert_string_equal(fx->diags.items[0].message, "M-02 mitigates STRIDE-Q-*@*, a pattern that matches no finding");
	assert_int_equal(fx->diags.items[0].span.start, m2->mitigates_spans[2].start);
	assert_string_equal(fx->diags.items[1].message,
	                    "acceptance of STRIDE-S-*@nothing_* names a pattern that matches no finding");

	/* a hand-written threat is named by its id only */
	const tm_finding *f = finding_by_id(&fx->set, "T-01");
	assert_int_equal(f->nmitigations, 0);
	assert_int_equal(f->status, TM_STATUS_OPEN);
	f = finding_by_id(&fx->set, "STRIDE-T-01@web->erp");
	assert_int_equal(f->nmitigations, 2);
	assert_string_equal(f->mitigations[0], "M-01");
	assert_string_equal(f->mitigations[1], "M-02");
	assert_int_equal(f->status, TM_STATUS_MITIGATED);
	assert_int_equal(f->due, day("2026-04-23"));
	f = finding_by_id(&fx->set, "STRIDE-T-01@web->legacy_b");
	assert_int_equal(f->status, TM_STATUS_MITIGATED);
	assert_null(f->acceptance); /* *@legacy_* is about keys that begin so */
	f = finding_by_id(&fx->set, "STRIDE-T-02@web");
	assert_int_equal(f->nmitigations, 1); /* the arrow form names flows only */
	assert_int_equal(f->status, TM_STATUS_PLANNED);
	f = finding_by_id(&fx->set, "STRIDE-I-01@erp->db");
	assert_int_equal(f->nmitigations, 1);
	assert_string_equal(f->mitigations[0], "M-02");
	assert_int_equal(f->status, TM_STATUS_PLANNED);
	f = finding_by_id(&fx->set, "STRIDE-R-01@legacy_b");
	assert_ptr_equal(f->acceptance, a);
	assert_int_equal(f->status, TM_STATUS_ACCEPTED);
	/* the acceptance lapses like any other */
	tm_risk_track(&fx->set, &fx->model, day("2026-09-02"), NULL);
	assert_int_equal(status_by_id(&fx->set, "STRIDE-R-01@legacy_b"), TM_STATUS_EXPIRED);

	/* one-way flow written backwards: not named */
	tm_finding_pattern back = {.text = "x", .rule = "*", .source = "erp", .target = "web"};
	assert_false(tm_finding_pattern_matches(&back, "STRIDE-T-01@web->erp", web_erp));
	back.bidirectional = true; /* a pattern written with <-> */
	assert_true(tm_finding_pattern_matches(&back, "STRIDE-T-01@web->erp", web_erp));
	assert_false(tm_finding_pattern_matches(&back, "T-01", web_erp));
}

static void test_track_empty(void **state)
{
	fixture *fx = *state;
	/* No findings at all: every @-reference is stale; nothing crashes. */
	add_mitigation(fx, "M-01", TM_MIT_VERIFIED, "X@y");
	add_acceptance(fx, "X@z", NULL, false);
	tm_risk_track(&fx->set, &fx->model, day("2026-06-01"), &fx->diags);
	assert_int_equal(fx->set.count, 0);
	assert_int_equal(fx->diags.count, 2);
	assert_string_equal(fx->diags.items[0].message, "M-01 mitigates X@y, which no rule raised");
	assert_string_equal(fx->diags.items[1].message, "acceptance of X@z names a finding no rule raised");

	/* No model: findings are open, due dates still computed. */
	tm_finding *f = add_finding(fx, "A@b", TM_RISK_CRITICAL);
	f->status = TM_STATUS_MITIGATED;
	tm_risk_track(&fx->set, NULL, day("2026-06-01"), &fx->diags);
	assert_int_equal(fx->set.items[0].status, TM_STATUS_OPEN);
	assert_int_equal(fx->set.items[0].due, day("2026-03-25"));
	/* No found date: no deadline. */
	fx->set.items[0].found = TM_NO_DATE;
	tm_risk_track(&fx->set, &fx->model, day("2026-06-01"), &fx->diags);
	assert_int_equal(fx->set.items[0].due, TM_NO_DATE);
}

/* The findings test_sort and test_sort_ordered sort, in two parts: the
 * second repeats an id of the first. */
static void add_first_part(fixture *fx)
{
	add_titled(fx, "B@1", TM_RISK_LOW, "first B@1");
	add_finding(fx, "A@1", TM_RISK_CRITICAL);
	add_finding(fx, "C@1", TM_RISK_HIGH);
	add_finding(fx, "A@2", TM_RISK_LOW);
}

static void add_second_part(fixture *fx)
{
	add_titled(fx, "B@1", TM_RISK_LOW, "second B@1");
	add_finding(fx, "T-10", TM_RISK_INFO);
	add_finding(fx, "T-02", TM_RISK_INFO);
	add_finding(fx, "A@0", TM_RISK_HIGH);
}

static void test_sort(void **state)
{
	fixture *fx = *state;
	add_first_part(fx);
	add_second_part(fx);
	tm_findings_sort(&fx->set);
	static const char *const want[] = {"A@1", "A@0", "C@1", "A@2", "B@1", "B@1", "T-02", "T-10"};
	assert_int_equal(fx->set.count, 8);
	for (size_t i = 0; i < 8; i++)
		assert_string_equal(fx->set.items[i].id, want[i]);
	/* Equal ids keep their insertion order. */
	assert_string_equal(fx->set.items[4].about->title, "first B@1");
	assert_string_equal(fx->set.items[5].about->title, "second B@1");
	/* Sorting sorted findings changes nothing. */
	tm_findings_sort(&fx->set);
	for (size_t i = 0; i < 8; i++)
		assert_string_equal(fx->set.items[i].id, want[i]);
}

/* Within a risk level the likelier and graver finding comes first
 * (likelihood × impact), then the id. */
static void test_sort_by_score(void **state)
{
	fixture *fx = *state;
	static const struct {
		const char *id;
		double likelihood, impact;
	} added[] = {{"X@a", 2.0, 3}, {"X@c", 2.6, 3}, {"X@b", 2.6, 3}, {"W@z", 2.4, 2}};
	for (size_t i = 0; i < 4; i++) {
		tm_finding *f = add_finding(fx, added[i].id, TM_RISK_HIGH);
		f->likelihood = added[i].likelihood;
		f->impact = added[i].impact;
	}
	assert_int_equal(tm_finding_score(&fx->set.items[0]), 600);
	assert_int_equal(tm_finding_score(&fx->set.items[1]), 780);
	tm_findings_sort(&fx->set);
	static const char *const want[] = {"X@b", "X@c", "X@a", "W@z"};
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(fx->set.items[i].id, want[i]);
}

/* The order taken before more findings are added (phase 2 adds them
 * while the order is sorted on another thread) sorts them all as one sort
 * would, equal ids in insertion order across the two parts too. */
static void test_sort_ordered(void **state)
{
	fixture *fx = *state;
	add_first_part(fx);
	tm_findings_order *order = tm_findings_order_new(&fx->set);
	tm_findings_order_sort(order);
	add_second_part(fx);
	add_finding(fx, "A@1", TM_RISK_CRITICAL);
	tm_findings_sort_ordered(&fx->set, order);
	static const char *const want[] = {"A@1", "A@1", "A@0", "C@1", "A@2", "B@1", "B@1", "T-02", "T-10"};
	assert_int_equal(fx->set.count, 9);
	for (size_t i = 0; i < 9; i++)
		assert_string_equal(fx->set.items[i].id, want[i]);
	assert_string_equal(fx->set.items[5].about->title, "first B@1");
	assert_string_equal(fx->set.items[6].about->title, "second B@1");
	/* nothing added after the order: it is the whole sort */
	order = tm_findings_order_new(&fx->set);
	tm_findings_order_sort(order);
	tm_findings_sort_ordered(&fx->set, order);
	for (size_t i = 0; i < 9; i++)
		assert_string_equal(fx->set.items[i].id, want[i]);
	/* fewer findings than the order knew: they are sorted afresh */
	order = tm_findings_order_new(&fx->set);
	tm_findings_order_sort(order);
	fx->set.items[0].risk = TM_RISK_INFO;
	fx->set.items[0].id = "Z@9";
	fx->set.count = 3;
	tm_findings_sort_ordered(&fx->set, order);
	assert_string_equal(fx->set.items[0].id, "A@1");
	assert_string_equal(fx->set.items[1].id, "A@0");
	assert_string_equal(fx->set.items[2].id, "Z@9");
}

/* Half a million findings with references to many of them: tracking and
 * sorting must stay near n log n (a quadratic scan would take minutes). */
static void test_large(void **state)
{
	fixture *fx = *state;
	enum { N = 500000 };
	for (size_t i = 0; i < N; i++) {
		tm_finding *f = tm_findings_add(&fx->set);
		f->id = tm_arena_printf(fx->set.arena, "R-%02zu@el%zu", i % 7, i);
		f->risk = (tm_risk)(i % 5);
		f->found = fx->model.meta.date;
	}
	add_mitigation(fx, "M-01", TM_MIT_IMPLEMENTED, "R-00@el0,R-03@el3,R-03@el499999,R-01@el2");
	add_acceptance(fx, "R-05@el12", NULL, false);
	tm_risk_track(&fx->set, &fx->model, day("2026-06-01"), &fx->diags);
	assert_int_equal(fx->set.items[0].status, TM_STATUS_MITIGATED);
	assert_int_equal(fx->set.items[3].status, TM_STATUS_MITIGATED);
	assert_int_equal(fx->set.items[499999].status, TM_STATUS_MITIGATED);
	assert_int_equal(fx->set.items[12].status, TM_STATUS_ACCEPTED);
	assert_int_equal(fx->set.items[1].status, TM_STATUS_OPEN);
	assert_int_equal(fx->diags.count, 1);
	assert_string_equal(fx->diags.items[0].message, "M-01 mitigates R-01@el2, which no rule raised");

	/* The sort splits a set this large between two threads: two findings
	 * with one id, one in each half, keep the order they were added in. */
	fx->set.items[10].id = fx->set.items[N - 10].id = "R-00@same";
	fx->set.items[10].risk = fx->set.items[N - 10].risk = TM_RISK_HIGH;
	fx->set.items[10].found = day("2026-01-01");
	fx->set.items[N - 10].found = day("2026-02-01");

	tm_findings_sort(&fx->set);
	size_t same = 0;
	for (size_t i = 1; i < N; i++) {
		const tm_finding *a = &fx->set.items[i - 1], *b = &fx->set.items[i];
		assert_true(a->risk > b->risk || (a->risk == b->risk && strcmp(a->id, b->id) <= 0));
		if (strcmp(a->id, "R-00@same") == 0 && strcmp(b->id, "R-00@same") == 0) {
			assert_int_equal(a->found, day("2026-01-01"));
			assert_int_equal(b->found, day("2026-02-01"));
			same++;
		}
	}
	assert_int_equal(same, 1);
	assert_int_equal(fx->set.items[0].risk, TM_RISK_CRITICAL);
	assert_int_equal(fx->set.items[N - 1].risk, TM_RISK_INFO);
}

#define FIXTURE_TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_glob),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_matrix),
	    cmocka_unit_test(test_levels),
	    cmocka_unit_test(test_likelihood),
	    cmocka_unit_test(test_impact),
	    cmocka_unit_test(test_due),
	    cmocka_unit_test(test_score),
	    cmocka_unit_test(test_add_zeroed),
	    cmocka_unit_test(test_append),
	    cmocka_unit_test(test_diags_append),
	    FIXTURE_TEST(test_add_threats),
	    FIXTURE_TEST(test_track_statuses),
	    FIXTURE_TEST(test_track_precedence),
	    FIXTURE_TEST(test_track_mitigation_lists),
	    FIXTURE_TEST(test_track_stale_references),
	    FIXTURE_TEST(test_track_patterns),
	    FIXTURE_TEST(test_track_empty),
	    FIXTURE_TEST(test_sort),
	    FIXTURE_TEST(test_sort_by_score),
	    FIXTURE_TEST(test_sort_ordered),
	    FIXTURE_TEST(test_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
