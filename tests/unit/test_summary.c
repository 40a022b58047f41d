/* Unit tests for src/risk/summary.c: when a finding is overdue (the
 * boundary day included), the counts by risk and status, the order of the
 * highest open risks and of the overdue findings, and which findings form
 * a group of one rule. Findings are built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/date.h"
#include "risk/summary.h"

static int32_t day(const char *text)
{
	int32_t days = 0;
	assert_true(tm_date_parse(text, strlen(text), &days));
	return days;
}

/* Rules' texts, shared by their findings as the rule engine shares them. */
static tm_finding_about about_a = {.rule = "RULE-A", .title = "A title"};
static tm_finding_about about_b = {.rule = "RULE-B", .title = "B title"};
static tm_finding_about about_c = {.rule = "RULE-C", .title = "C title"};
/* A second copy of RULE-A's texts, as a second rule engine would hold. */
static tm_finding_about about_a_again = {.rule = "RULE-A", .title = "A title"};

static tm_element flow_element = {.kind = TM_EL_FLOW};
static tm_element process_element = {.kind = TM_EL_PROCESS};

static tm_finding *add(tm_findings *set, tm_finding_about *about, const char *key, tm_risk risk,
                       tm_status status, const char *due)
{
	tm_finding *f = tm_findings_add(set);
	f->about = about;
	f->element_key = key;
	f->id = *key ? tm_arena_printf(set->arena, "%s@%s", about->rule, key) : about->rule;
	f->risk = risk;
	f->status = status;
	f->due = due ? day(due) : TM_NO_DATE;
	return f;
}

static void test_overdue_boundary(void **state)
{
	(void)state;
	int32_t today = day("2026-04-01");
	tm_finding f = {.status = TM_STATUS_OPEN, .due = day("2026-04-01")};
	assert_false(tm_finding_overdue_on(&f, today)); /* due today: not yet */
	f.due = day("2026-03-31");
	assert_true(tm_finding_overdue_on(&f, today));
	f.status = TM_STATUS_EXPIRED;
	assert_true(tm_finding_overdue_on(&f, today));
	static const tm_status not_open[] = {TM_STATUS_PLANNED, TM_STATUS_MITIGATED, TM_STATUS_ACCEPTED,
	                                     TM_STATUS_FALSE_POSITIVE};
	for (size_t i = 0; i < sizeof not_open / sizeof not_open[0]; i++) {
		f.status = not_open[i];
		assert_false(tm_finding_overdue_on(&f, today));
	}
	f.status = TM_STATUS_OPEN;
	f.due = TM_NO_DATE; /* INFO has no deadline */
	assert_false(tm_finding_overdue_on(&f, today));

	tm_findings set;
	tm_findings_init(&set);
	add(&set, &about_a, "x", TM_RISK_HIGH, TM_STATUS_OPEN, "2026-03-31");
	add(&set, &about_a, "y", TM_RISK_HIGH, TM_STATUS_OPEN, "2026-04-01");
	add(&set, &about_a, "z", TM_RISK_HIGH, TM_STATUS_PLANNED, "2026-01-01");
	tm_findings_mark_overdue(&set, today);
	assert_true(set.items[0].overdue);
	assert_false(set.items[1].overdue);
	assert_false(set.items[2].overdue);
	/* a later day: the second one's deadline has passed too */
	tm_findings_mark_overdue(&set, day("2026-04-02"));
	assert_true(set.items[1].overdue);
	tm_findings_free(&set);
}

static void test_counts(void **state)
{
	(void)state;
	tm_findings set;
	tm_findings_init(&set);
	add(&set, &about_a, "a", TM_RISK_CRITICAL, TM_STATUS_OPEN, "2026-03-02");
	add(&set, &about_a, "b", TM_RISK_HIGH, TM_STATUS_OPEN, "2026-03-08");
	add(&set, &about_a, "c", TM_RISK_HIGH, TM_STATUS_PLANNED, "2026-03-08");
	add(&set, &about_b, "a", TM_RISK_MEDIUM, TM_STATUS_ACCEPTED, "2026-03-31");
	add(&set, &about_b, "b", TM_RISK_MEDIUM, TM_STATUS_EXPIRED, "2026-03-31");
	add(&set, &about_b, "c", TM_RISK_LOW, TM_STATUS_MITIGATED, "2026-05-30");
	add(&set, &about_c, "", TM_RISK_INFO, TM_STATUS_FALSE_POSITIVE, NULL);
	tm_findings_mark_overdue(&set, day("2026-04-01"));
	tm_summary summary;
	tm_summary_compute(&summary, &set);
	assert_int_equal(summary.total, 7);
	assert_int_equal(summary.by_risk[TM_RISK_CRITICAL], 1);
	assert_int_equal(summary.by_risk[TM_RISK_HIGH], 2);
	assert_int_equal(summary.by_risk[TM_RISK_MEDIUM], 2);
	assert_int_equal(summary.by_risk[TM_RISK_LOW], 1);
	assert_int_equal(summary.by_risk[TM_RISK_INFO], 1);
	assert_int_equal(summary.by_status[TM_STATUS_OPEN], 2);
	assert_int_equal(summary.by_status[TM_STATUS_PLANNED], 1);
	assert_int_equal(summary.by_status[TM_STATUS_MITIGATED], 1);
	assert_int_equal(summary.by_status[TM_STATUS_ACCEPTED], 1);
	assert_int_equal(summary.by_status[TM_STATUS_EXPIRED], 1);
	assert_int_equal(summary.by_status[TM_STATUS_FALSE_POSITIVE], 1);
	assert_int_equal(summary.by_risk_status[TM_RISK_HIGH][TM_STATUS_OPEN], 1);
	assert_int_equal(summary.by_risk_status[TM_RISK_HIGH][TM_STATUS_PLANNED], 1);
	assert_int_equal(summary.by_risk_status[TM_RISK_MEDIUM][TM_STATUS_EXPIRED], 1);
	assert_int_equal(summary.by_risk_status[TM_RISK_CRITICAL][TM_STATUS_PLANNED], 0);
	/* open and expired only: the planned HIGH is not in the list */
	assert_int_equal(summary.ntop, 3);
	assert_string_equal(summary.top[0]->id, "RULE-A@a");
	assert_string_equal(summary.top[1]->id, "RULE-A@b");
	assert_string_equal(summary.top[2]->id, "RULE-B@b");
	/* the three open or expired findings are all past their dates */
	assert_int_equal(summary.noverdue, 3);
	assert_string_equal(summary.overdue[0]->id, "RULE-A@a");
	assert_string_equal(summary.overdue[1]->id, "RULE-A@b");
	assert_string_equal(summary.overdue[2]->id, "RULE-B@b");
	/* one rule on three elements, but with three statuses: no group */
	assert_int_equal(summary.ngroups, 0);
	tm_summary_free(&summary);
	tm_findings_free(&set);

	/* no set at all */
	tm_summary_compute(&summary, NULL);
	assert_int_equal(summary.total, 0);
	assert_int_equal(summary.ntop, 0);
	assert_int_equal(summary.noverdue, 0);
	assert_int_equal(summary.ngroups, 0);
	tm_summary_free(&summary);
}

static void test_top_ten(void **state)
{
	(void)state;
	tm_findings set;
	tm_findings_init(&set);
	/* fourteen open findings in no particular order: LOW ones, MEDIUM
	 * ones, HIGH ones (two tied, broken by id), an INFO that never counts
	 * as a risk to list, and a CRITICAL that is mitigated */
	static const char *const low[] = {"l5", "l1", "l3", "l2", "l4"};
	for (size_t i = 0; i < 5; i++)
		add(&set, &about_c, low[i], TM_RISK_LOW, TM_STATUS_OPEN, "2026-06-29");
	add(&set, &about_b, "m2", TM_RISK_MEDIUM, TM_STATUS_OPEN, "2026-05-01");
	add(&set, &about_a, "h2", TM_RISK_HIGH, TM_STATUS_OPEN, "2026-04-08");
	add(&set, &about_b, "m1", TM_RISK_MEDIUM, TM_STATUS_EXPIRED, "2026-05-01");
	add(&set, &about_a, "h1", TM_RISK_HIGH, TM_STATUS_OPEN, "2026-04-08");
	add(&set, &about_b, "m3", TM_RISK_MEDIUM, TM_STATUS_OPEN, "2026-05-01");
	add(&set, &about_c, "i1", TM_RISK_INFO, TM_STATUS_OPEN, NULL);
	add(&set, &about_a, "c1", TM_RISK_CRITICAL, TM_STATUS_MITIGATED, "2026-04-02");
	add(&set, &about_a, "c2", TM_RISK_CRITICAL, TM_STATUS_OPEN, "2026-04-02");
	add(&set, &about_b, "m4", TM_RISK_MEDIUM, TM_STATUS_OPEN, "2026-05-01");
	tm_summary summary;
	tm_summary_compute(&summary, &set);
	static const char *const expected[TM_SUMMARY_TOP] = {
	    "RULE-A@c2", "RULE-A@h1", "RULE-A@h2", "RULE-B@m1", "RULE-B@m2",
	    "RULE-B@m3", "RULE-B@m4", "RULE-C@l1", "RULE-C@l2", "RULE-C@l3",
	};
	assert_int_equal(summary.ntop, TM_SUMMARY_TOP);
	for (size_t i = 0; i < TM_SUMMARY_TOP; i++)
		assert_string_equal(summary.top[i]->id, expected[i]);
	/* nothing was marked overdue */
	assert_int_equal(summary.noverdue, 0);
	tm_summary_free(&summary);
	tm_findings_free(&set);
}

static void test_overdue_order(void **state)
{
	(void)state;
	tm_findings set;
	tm_findings_init(&set);
	add(&set, &about_b, "late", TM_RISK_MEDIUM, TM_STATUS_OPEN, "2026-03-20");
	add(&set, &about_b, "later", TM_RISK_LOW, TM_STATUS_OPEN, "2026-03-10");
	add(&set, &about_a, "same", TM_RISK_LOW, TM_STATUS_EXPIRED, "2026-03-20");
	add(&set, &about_a, "tie", TM_RISK_MEDIUM, TM_STATUS_OPEN, "2026-03-20");
	add(&set, &about_a, "today", TM_RISK_HIGH, TM_STATUS_OPEN, "2026-04-01");
	tm_findings_mark_overdue(&set, day("2026-04-01"));
	tm_summary summary;
	tm_summary_compute(&summary, &set);
	/* highest risk first, then the earliest due date, then id; due today
	 * is not overdue */
	assert_int_equal(summary.noverdue, 4);
	assert_string_equal(summary.overdue[0]->id, "RULE-A@tie");
	assert_string_equal(summary.overdue[1]->id, "RULE-B@late");
	assert_string_equal(summary.overdue[2]->id, "RULE-B@later");
	assert_string_equal(summary.overdue[3]->id, "RULE-A@same");
	tm_summary_free(&summary);
	tm_findings_free(&set);
}

static void test_groups(void **state)
{
	(void)state;
	tm_findings set;
	tm_findings_init(&set);
	/* RULE-A: MEDIUM open on four flows, out of id order, one of them
	 * from another engine's copy of the rule's texts; and HIGH open on
	 * two (below the threshold) */
	add(&set, &about_a, "w->x", TM_RISK_MEDIUM, TM_STATUS_OPEN, "2026-03-01")->element = &flow_element;
	add(&set, &about_a, "a->b", TM_RISK_MEDIUM, TM_STATUS_OPEN, "2026-05-01")->element = &flow_element;
	add(&set, &about_a_again, "m->n", TM_RISK_MEDIUM, TM_STATUS_OPEN, "2026-05-01")->element =
	    &flow_element;
	add(&set, &about_a, "c->d", TM_RISK_MEDIUM, TM_STATUS_OPEN, "2026-03-01")->element = &flow_element;
	add(&set, &about_a, "h1", TM_RISK_HIGH, TM_STATUS_OPEN, "2026-04-08");
	add(&set, &about_a, "h2", TM_RISK_HIGH, TM_STATUS_OPEN, "2026-04-08");
	/* RULE-B: exactly three, a flow and two processes; planned */
	add(&set, &about_b, "api", TM_RISK_MEDIUM, TM_STATUS_PLANNED, "2026-05-01")->element =
	    &process_element;
	add(&set, &about_b, "web", TM_RISK_MEDIUM, TM_STATUS_PLANNED, "2026-05-01")->element =
	    &process_element;
	add(&set, &about_b, "a->b", TM_RISK_MEDIUM, TM_STATUS_PLANNED, "2026-05-01")->element =
	    &flow_element;
	/* RULE-C: HIGH on three elements, but two open and one expired; and
	 * three model-level findings, which have no element to group by */
	add(&set, &about_c, "p", TM_RISK_HIGH, TM_STATUS_OPEN, "2026-04-08");
	add(&set, &about_c, "q", TM_RISK_HIGH, TM_STATUS_OPEN, "2026-04-08");
	add(&set, &about_c, "r", TM_RISK_HIGH, TM_STATUS_EXPIRED, "2026-04-08");
	for (int i = 0; i < 3; i++)
		add(&set, &about_c, "", TM_RISK_LOW, TM_STATUS_OPEN, "2026-06-29");
	tm_findings_mark_overdue(&set, day("2026-04-01"));
	tm_summary summary;
	tm_summary_compute(&summary, &set);
	assert_int_equal(summary.ngroups, 2);
	/* same risk: the larger group first */
	const tm_summary_group *a = &summary.groups[0];
	assert_string_equal(a->rule, "RULE-A");
	assert_string_equal(a->about->title, "A title");
	assert_int_equal(a->risk, TM_RISK_MEDIUM);
	assert_int_equal(a->status, TM_STATUS_OPEN);
	assert_int_equal(a->count, 4);
	assert_int_equal(a->overdue, 2);
	assert_string_equal(a->noun, "flows");
	assert_string_equal(a->findings[0]->id, "RULE-A@a->b");
	assert_string_equal(a->findings[1]->id, "RULE-A@c->d");
	assert_string_equal(a->findings[2]->id, "RULE-A@m->n");
	assert_string_equal(a->findings[3]->id, "RULE-A@w->x");
	const tm_summary_group *b = &summary.groups[1];
	assert_string_equal(b->rule, "RULE-B");
	assert_int_equal(b->status, TM_STATUS_PLANNED);
	assert_int_equal(b->count, 3);
	assert_int_equal(b->overdue, 0);
	assert_string_equal(b->noun, "elements"); /* two kinds */
	assert_string_equal(b->findings[0]->element_key, "a->b");
	assert_string_equal(b->findings[1]->element_key, "api");
	assert_string_equal(b->findings[2]->element_key, "web");
	tm_summary_free(&summary);

	/* one more HIGH open RULE-C finding reaches the threshold, and the
	 * higher risk sorts first */
	add(&set, &about_c, "s", TM_RISK_HIGH, TM_STATUS_OPEN, "2026-04-08");
	tm_summary_compute(&summary, &set);
	assert_int_equal(summary.ngroups, 3);
	assert_string_equal(summary.groups[0].rule, "RULE-C");
	assert_int_equal(summary.groups[0].risk, TM_RISK_HIGH);
	assert_int_equal(summary.groups[0].count, 3);
	assert_string_equal(summary.groups[0].noun, "elements"); /* no element kind known */
	assert_string_equal(summary.groups[1].rule, "RULE-A");
	assert_string_equal(summary.groups[2].rule, "RULE-B");
	tm_summary_free(&summary);
	tm_findings_free(&set);
}

/* Many findings in the session's order (risk, then score, then id: a run
 * of ascending ids per score), so the lists come out of merging runs: the
 * full summary lists every overdue finding and every finding of a group
 * in order, and a summary listing three lists the first three of each
 * with the same counts. */
static void test_listing(void **state)
{
	(void)state;
	tm_findings set;
	tm_findings_init(&set);
	/* Ids e000..e059 spread over four runs, as four scores would: run r
	 * holds the keys whose number is r modulo 4, ascending. Dues differ
	 * between the HIGH runs. */
	char key[8];
	for (int run = 0; run < 4; run++)
		for (int n = run; n < 60; n += 4) {
			snprintf(key, sizeof key, "e%03d", n);
			const char *due = run < 2 ? "2026-03-01" : "2026-02-01";
			add(&set, &about_a, tm_arena_printf(set.arena, "%s", key), TM_RISK_HIGH, TM_STATUS_OPEN,
			    due)
			    ->element = &flow_element;
		}
	tm_findings_mark_overdue(&set, day("2026-04-01"));

	tm_summary full;
	tm_summary_compute(&full, &set);
	assert_int_equal(full.noverdue, 60);
	assert_int_equal(full.nlisted_overdue, 60);
	/* due 2026-02-01 (keys 2 and 3 modulo 4) first, then by id */
	for (size_t i = 1; i < 60; i++) {
		const tm_finding *a = full.overdue[i - 1], *b = full.overdue[i];
		assert_true(a->due < b->due || (a->due == b->due && strcmp(a->id, b->id) < 0));
	}
	assert_string_equal(full.overdue[0]->id, "RULE-A@e002");
	assert_string_equal(full.overdue[1]->id, "RULE-A@e003");
	assert_string_equal(full.overdue[30]->id, "RULE-A@e000");
	assert_int_equal(full.ngroups, 1);
	assert_int_equal(full.groups[0].count, 60);
	assert_int_equal(full.groups[0].listed, 60);
	for (int n = 0; n < 60; n++) {
		snprintf(key, sizeof key, "e%03d", n);
		assert_string_equal(full.groups[0].findings[n]->element_key, key);
	}

	tm_summary few;
	tm_summary_compute_listing(&few, &set, 3);
	assert_int_equal(few.noverdue, 60);
	assert_int_equal(few.nlisted_overdue, 3);
	for (size_t i = 0; i < 3; i++)
		assert_ptr_equal(few.overdue[i], full.overdue[i]);
	assert_int_equal(few.ngroups, 1);
	assert_int_equal(few.groups[0].count, 60);
	assert_int_equal(few.groups[0].overdue, 60);
	assert_int_equal(few.groups[0].listed, 3);
	for (size_t i = 0; i < 3; i++)
		assert_ptr_equal(few.groups[0].findings[i], full.groups[0].findings[i]);
	assert_string_equal(few.groups[0].noun, "flows");
	assert_string_equal(few.groups[0].rule, "RULE-A");
	tm_summary_free(&few);

	/* listing none: counts only, and a group still names its rule */
	tm_summary_compute_listing(&few, &set, 0);
	assert_int_equal(few.noverdue, 60);
	assert_int_equal(few.nlisted_overdue, 0);
	assert_int_equal(few.groups[0].listed, 1);
	assert_string_equal(few.groups[0].findings[0]->id, "RULE-A@e000");
	assert_string_equal(few.groups[0].about->title, "A title");
	tm_summary_free(&few);
	tm_summary_free(&full);
	tm_findings_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_overdue_boundary), cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_top_ten),          cmocka_unit_test(test_overdue_order),
	    cmocka_unit_test(test_groups),           cmocka_unit_test(test_listing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
