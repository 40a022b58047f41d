#include "risk/summary.h"

#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/strmap.h"
#include "base/xalloc.h"

#define NRISKS    5
#define NSTATUSES 6
#define NCELLS    (NRISKS * NSTATUSES)
#define NO_CELL   UINT32_MAX

bool tm_finding_overdue_on(const tm_finding *finding, int32_t today)
{
	if (finding->status != TM_STATUS_OPEN && finding->status != TM_STATUS_EXPIRED)
		return false;
	return finding->due != TM_NO_DATE && today != TM_NO_DATE && finding->due < today;
}

void tm_findings_mark_overdue(tm_findings *set, int32_t today)
{
	for (size_t i = 0; set && i < set->count; i++)
		set->items[i].overdue = tm_finding_overdue_on(&set->items[i], today);
}

static bool valid_risk(tm_risk risk)
{
	return (int)risk >= TM_RISK_INFO && risk <= TM_RISK_CRITICAL;
}

static bool valid_status(tm_status status)
{
	return (int)status >= TM_STATUS_OPEN && status <= TM_STATUS_FALSE_POSITIVE;
}

static const char *id_of(const tm_finding *finding)
{
	return finding->id ? finding->id : "";
}

static const char *rule_of(const tm_finding *finding)
{
	return finding->about && finding->about->rule ? finding->about->rule : "";
}

/* Highest risk first, then highest score, then by id: the findings
 * table's order (tm_findings_sort). */
static int by_rank(const tm_finding *a, const tm_finding *b)
{
	if (a->risk != b->risk)
		return a->risk > b->risk ? -1 : 1;
	unsigned sa = tm_finding_score(a), sb = tm_finding_score(b);
	if (sa != sb)
		return sa > sb ? -1 : 1;
	return strcmp(id_of(a), id_of(b));
}

static void consider_top(tm_summary *summary, const tm_finding *finding)
{
	if (finding->status != TM_STATUS_OPEN && finding->status != TM_STATUS_EXPIRED)
		return;
	if (!valid_risk(finding->risk) || finding->risk < TM_RISK_LOW)
		return;
	size_t at = summary->ntop;
	if (at == TM_SUMMARY_TOP) {
		if (by_rank(finding, summary->top[at - 1]) >= 0)
			return;
		at--;
	} else {
		summary->ntop++;
	}
	/* insertion into the short sorted list */
	while (at > 0 && by_rank(finding, summary->top[at - 1]) < 0) {
		summary->top[at] = summary->top[at - 1];
		at--;
	}
	summary->top[at] = finding;
}

/* Highest risk first, then the longest overdue, then by id. */
static int compare_overdue(const void *pa, const void *pb)
{
	const tm_finding *a = *(const tm_finding *const *)pa, *b = *(const tm_finding *const *)pb;
	if (a->risk != b->risk)
		return a->risk > b->risk ? -1 : 1;
	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	return strcmp(id_of(a), id_of(b));
}

static int compare_by_id(const void *pa, const void *pb)
{
	const tm_finding *a = *(const tm_finding *const *)pa, *b = *(const tm_finding *const *)pb;
	return strcmp(id_of(a), id_of(b));
}

static int compare_groups(const void *pa, const void *pb)
{
	const tm_summary_group *a = pa, *b = pb;
	if (a->risk != b->risk)
		return a->risk > b->risk ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	int by_rule = strcmp(a->rule, b->rule);
	if (by_rule)
		return by_rule;
	return (int)a->status - (int)b->status;
}

static const char *noun_of(const tm_finding *const *findings, size_t count)
{
	const tm_element *first = findings[0]->element;
	if (!first)
		return "elements";
	for (size_t i = 1; i < count; i++)
		if (!findings[i]->element || findings[i]->element->kind != first->kind)
			return "elements";
	switch (first->kind) {
	case TM_EL_FLOW: return "flows";
	case TM_EL_PROCESS: return "processes";
	case TM_EL_STORE: return "stores";
	case TM_EL_EXTERNAL: return "external entities";
	default: return "elements";
	}
}

/* A rule's findings counted by risk and status: cell = rule slot *
 * NCELLS + risk * NSTATUSES + status. The rule of each finding is found
 * through a map of rule ids, skipped while consecutive findings share
 * their rule's texts (they mostly do). */
static void group(tm_summary *summary, const tm_findings *set)
{
	size_t count = set->count;
	uint32_t *cell_of = tm_xmalloc((count ? count : 1) * sizeof *cell_of);
	size_t *cells = NULL; /* NCELLS counters per rule slot */
	size_t nslots = 0, capslots = 0;
	tm_strmap *slots = tm_strmap_new(64);
	const tm_finding_about *last_about = NULL;
	size_t last_slot = 0;
	for (size_t i = 0; i < count; i++) {
		const tm_finding *finding = &set->items[i];
		cell_of[i] = NO_CELL;
		if (!finding->element_key || !*finding->element_key || !*rule_of(finding) ||
		    !valid_risk(finding->risk) || !valid_status(finding->status))
			continue;
		size_t slot;
		if (finding->about && finding->about == last_about) {
			slot = last_slot;
		} else {
			const char *rule = rule_of(finding);
			uintptr_t stored = (uintptr_t)tm_strmap_get(slots, rule);
			if (stored) {
				slot = stored - 1;
			} else {
				slot = nslots++;
				if (nslots > capslots) {
					capslots = capslots ? capslots * 2 : 16;
					cells = tm_xrealloc(cells, capslots * NCELLS * sizeof *cells);
				}
				memset(cells + slot * NCELLS, 0, NCELLS * sizeof *cells);
				tm_strmap_add(slots, rule, (void *)(uintptr_t)(slot + 1));
			}
			last_about = finding->about;
			last_slot = slot;
		}
		size_t cell = slot * NCELLS + (size_t)finding->risk * NSTATUSES + (size_t)finding->status;
		cells[cell]++;
		cell_of[i] = (uint32_t)cell;
	}

	/* a group for each cell with enough findings; cells[] now holds the
	 * group's index + 1 (0: none) */
	size_t ngroups = 0;
	for (size_t cell = 0; cell < nslots * NCELLS; cell++)
		ngroups += cells[cell] >= TM_SUMMARY_GROUP_MIN;
	summary->groups = tm_xcalloc(ngroups ? ngroups : 1, sizeof *summary->groups);
	for (size_t cell = 0; cell < nslots * NCELLS; cell++) {
		if (cells[cell] < TM_SUMMARY_GROUP_MIN) {
			cells[cell] = 0;
			continue;
		}
		tm_summary_group *g = &summary->groups[summary->ngroups++];
		g->findings = tm_xmalloc(cells[cell] * sizeof *g->findings);
		g->risk = (tm_risk)((cell % NCELLS) / NSTATUSES);
		g->status = (tm_status)(cell % NSTATUSES);
		cells[cell] = summary->ngroups;
	}
	for (size_t i = 0; i < count; i++) {
		if (cell_of[i] == NO_CELL || !cells[cell_of[i]])
			continue;
		tm_summary_group *g = &summary->groups[cells[cell_of[i]] - 1];
		const tm_finding *finding = &set->items[i];
		g->findings[g->count++] = finding;
		g->overdue += finding->overdue;
	}
	for (size_t k = 0; k < summary->ngroups; k++) {
		tm_summary_group *g = &summary->groups[k];
		g->rule = rule_of(g->findings[0]);
		/* the set is usually in id order already: sort only when not */
		for (size_t i = 1; i < g->count; i++)
			if (strcmp(id_of(g->findings[i - 1]), id_of(g->findings[i])) > 0) {
				qsort(g->findings, g->count, sizeof *g->findings, compare_by_id);
				break;
			}
		g->about = g->findings[0]->about;
		g->noun = noun_of(g->findings, g->count);
	}
	if (summary->ngroups > 1)
		qsort(summary->groups, summary->ngroups, sizeof *summary->groups, compare_groups);
	tm_strmap_free(slots);
	free(cells);
	free(cell_of);
}

void tm_summary_compute(tm_summary *summary, const tm_findings *set)
{
	static const tm_findings none = {0};
	memset(summary, 0, sizeof *summary);
	if (!set)
		set = &none;
	summary->total = set->count;
	size_t noverdue = 0;
	for (size_t i = 0; i < set->count; i++) {
		const tm_finding *finding = &set->items[i];
		if (valid_risk(finding->risk))
			summary->by_risk[finding->risk]++;
		if (valid_status(finding->status))
			summary->by_status[finding->status]++;
		if (valid_risk(finding->risk) && valid_status(finding->status))
			summary->by_risk_status[finding->risk][finding->status]++;
		noverdue += finding->overdue;
		consider_top(summary, finding);
	}
	summary->overdue = tm_xmalloc((noverdue ? noverdue : 1) * sizeof *summary->overdue);
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i].overdue)
			summary->overdue[summary->noverdue++] = &set->items[i];
	/* in a session's order (risk, then id) they mostly are sorted already */
	for (size_t i = 1; i < summary->noverdue; i++)
		if (compare_overdue(&summary->overdue[i - 1], &summary->overdue[i]) > 0) {
			qsort(summary->overdue, summary->noverdue, sizeof *summary->overdue, compare_overdue);
			break;
		}
	group(summary, set);
}

void tm_summary_free(tm_summary *summary)
{
	if (!summary)
		return;
	for (size_t k = 0; k < summary->ngroups; k++)
		free(summary->groups[k].findings);
	free(summary->groups);
	free(summary->overdue);
	memset(summary, 0, sizeof *summary);
}
