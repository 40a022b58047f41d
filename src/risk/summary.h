/* What a team reads first about a set of scored findings: how many at each
 * risk level and in each status, the highest risks still open, the
 * findings past their due date, and the rules whose findings repeat one
 * root cause across many elements. Computed once here; every writer (check
 * text and JSON, the reports, SARIF, the query engine) reads the result.
 * doc/report.md describes the rules. */
#ifndef TM_RISK_SUMMARY_H
#define TM_RISK_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "risk/risk.h"

/* The summary lists this many of the highest open risks. */
#define TM_SUMMARY_TOP 10
/* A rule raised on at least this many elements with one risk and one
 * status is listed once, as a group. */
#define TM_SUMMARY_GROUP_MIN 3

/* A finding is overdue when it is open or expired and its due date is
 * before `today` (due == today is not overdue yet). */
bool tm_finding_overdue_on(const tm_finding *finding, int32_t today);
/* Sets `overdue` on every finding of the set (after tm_risk_track). */
void tm_findings_mark_overdue(tm_findings *set, int32_t today);

/* The findings of one rule with one risk and one status, on
 * TM_SUMMARY_GROUP_MIN elements or more. */
typedef struct tm_summary_group {
	const char *rule;
	const tm_finding_about *about; /* of its first finding: the title */
	tm_risk risk;
	tm_status status;
	const char *noun;            /* "flows", "processes", "stores", "external entities" when all
	                     its elements are of that kind, else "elements" */
	const tm_finding **findings; /* the first `listed` of them by id */
	size_t listed;
	size_t count;
	size_t overdue; /* how many of them are overdue */
} tm_summary_group;

typedef struct tm_summary {
	size_t total;
	size_t by_risk[5];   /* ORDER RISK */
	size_t by_status[6]; /* ORDER STATUS */
	size_t by_risk_status[5][6];
	/* Open or expired findings of risk LOW and above, highest risk first,
	 * then by id: at most TM_SUMMARY_TOP. */
	const tm_finding *top[TM_SUMMARY_TOP];
	size_t ntop;
	/* How many findings are overdue, and the first `nlisted_overdue` of
	 * them: highest risk first, then the longest overdue (earliest due
	 * date), then by id. */
	const tm_finding **overdue;
	size_t noverdue, nlisted_overdue;
	/* Highest risk first, then the most findings, then by rule id, then
	 * status order. Findings without an element or a rule id are never
	 * grouped. */
	tm_summary_group *groups;
	size_t ngroups;
} tm_summary;

/* Computes the summary of `set` (NULL: an empty set) in time linear in
 * its size, plus the sorting of the overdue findings and of each group's.
 * The summary points into the set, which must outlive it. Every overdue
 * finding and every finding of a group is listed. */
void tm_summary_compute(tm_summary *summary, const tm_findings *set);
/* The same, listing at most the first `listed` overdue findings and the
 * first `listed` findings of each group (one at least): for a writer
 * that shows a few and counts the rest, this takes no sorting. */
void tm_summary_compute_listing(tm_summary *summary, const tm_findings *set, size_t listed);
void tm_summary_free(tm_summary *summary);

#endif
