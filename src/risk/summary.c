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
static int compare_overdue(const tm_finding *a, const tm_finding *b)
{
	if (a->risk != b->risk)
		return a->risk > b->risk ? -1 : 1;
	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	return strcmp(id_of(a), id_of(b));
}

static int compare_by_id(const tm_finding *a, const tm_finding *b)
{
	return strcmp(id_of(a), id_of(b));
}

typedef int (*finding_order)(const tm_finding *, const tm_finding *);

/* Merges the sorted runs list[from, mid) and list[mid, to) into
 * into[from, to), the left one first among equals. */
static void merge_runs(const tm_finding **into, const tm_finding *const *list, size_t from, size_t mid,
                       size_t to, finding_order order)
{
	size_t a = from, b = mid, at = from;
	while (a < mid && b < to)
		into[at++] = order(list[b], list[a]) < 0 ? list[b++] : list[a++];
	while (a < mid)
		into[at++] = list[a++];
	while (b < to)
		into[at++] = list[b++];
}

/* Sorts a list stably by merging the ascending runs it already has: the
 * findings come in the session's order (risk, score, id), so a list
 * wanted by id, or by risk and due date, is a few sorted runs, one per
 * score, and merging them takes a few comparisons a finding where a full
 * sort takes twenty (each a string comparison far away in memory). */
static void sort_findings(const tm_finding **list, size_t count, finding_order order)
{
	if (count < 2)
		return;
	/* ends[k]: where run k ends; the runs are list[ends[k-1], ends[k]) */
	size_t *ends = NULL, nruns = 0, capruns = 0;
	for (size_t i = 1; i < count; i++)
		if (order(list[i - 1], list[i]) > 0)
			TM_VEC_PUSH(ends, nruns, capruns, i);
	if (!nruns)
		return;
	TM_VEC_PUSH(ends, nruns, capruns, count);
	const tm_finding **spare = tm_xmalloc(count * sizeof *spare);
	const tm_finding **from = list, **into = spare;
	while (nruns > 1) {
		size_t merged = 0, start = 0;
		for (size_t k = 0; k < nruns; k += 2) {
			size_t end = k + 1 < nruns ? ends[k + 1] : ends[k];
			if (k + 1 < nruns)
				merge_runs(into, from, start, ends[k], end, order);
			else
				memcpy(into + start, from + start, (end - start) * sizeof *into);
			ends[merged++] = end;
			start = end;
		}
		nruns = merged;
		const tm_finding **swap = from;
		from = into;
		into = swap;
	}
	if (from != list)
		memcpy(list, from, count * sizeof *list);
	free(spare);
	free(ends);
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

/* What a group's elements are called: the kind they all share, NO_KIND
 * while none is known yet, MIXED_KINDS when they differ (or one is not an
 * element). */
#define NO_KIND     (-1)
#define MIXED_KINDS (-2)

static int join_kinds(int kinds, const tm_finding *finding)
{
	int kind = finding->element ? (int)finding->element->kind : MIXED_KINDS;
	return kinds == NO_KIND || kinds == kind ? kind : MIXED_KINDS;
}

static const char *noun_of(int kinds)
{
	switch (kinds) {
	case TM_EL_FLOW: return "flows";
	case TM_EL_PROCESS: return "processes";
	case TM_EL_STORE: return "stores";
	case TM_EL_EXTERNAL: return "external entities";
	default: return "elements";
	}
}

/* Adds a finding to list[0, *count), which holds the `limit` first
 * findings seen in `order`, sorted; a finding equal to one listed goes
 * after it, as a stable sort would put it. */
static void keep_first(const tm_finding **list, size_t *count, size_t limit, const tm_finding *finding,
                       finding_order order)
{
	size_t at = *count;
	if (at == limit) {
		if (!limit || order(finding, list[at - 1]) >= 0)
			return;
		at--;
	} else {
		(*count)++;
	}
	while (at > 0 && order(finding, list[at - 1]) < 0) {
		list[at] = list[at - 1];
		at--;
	}
	list[at] = finding;
}

/* A rule's findings counted by risk and status: cell = rule slot *
 * NCELLS + risk * NSTATUSES + status. The rule of each finding is found
 * through a map of rule ids, skipped while consecutive findings share
 * their rule's texts (they mostly do). */
static void group(tm_summary *summary, const tm_findings *set, size_t listed)
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
	/* what is known of each group's elements: their kinds, and whether
	 * the group lists them all */
	struct {
		int kinds;
		bool all;
	} *known = tm_xmalloc((ngroups ? ngroups : 1) * sizeof *known);
	/* a group lists one finding at least: its rule and title come from it */
	size_t limit = listed ? listed : 1;
	for (size_t cell = 0; cell < nslots * NCELLS; cell++) {
		if (cells[cell] < TM_SUMMARY_GROUP_MIN) {
			cells[cell] = 0;
			continue;
		}
		known[summary->ngroups].kinds = NO_KIND;
		known[summary->ngroups].all = cells[cell] <= limit;
		tm_summary_group *g = &summary->groups[summary->ngroups++];
		g->findings = tm_xmalloc((cells[cell] < limit ? cells[cell] : limit) * sizeof *g->findings);
		g->risk = (tm_risk)((cell % NCELLS) / NSTATUSES);
		g->status = (tm_status)(cell % NSTATUSES);
		cells[cell] = summary->ngroups;
	}
	for (size_t i = 0; i < count; i++) {
		if (cell_of[i] == NO_CELL || !cells[cell_of[i]])
			continue;
		size_t k = cells[cell_of[i]] - 1;
		tm_summary_group *g = &summary->groups[k];
		const tm_finding *finding = &set->items[i];
		/* all of them, sorted below, or the first ones kept in order */
		if (known[k].all)
			g->findings[g->listed++] = finding;
		else
			keep_first(g->findings, &g->listed, limit, finding, compare_by_id);
		g->count++;
		g->overdue += finding->overdue;
		known[k].kinds = join_kinds(known[k].kinds, finding);
	}
	for (size_t k = 0; k < summary->ngroups; k++) {
		tm_summary_group *g = &summary->groups[k];
		if (known[k].all)
			sort_findings(g->findings, g->listed, compare_by_id);
		g->rule = rule_of(g->findings[0]);
		g->about = g->findings[0]->about;
		g->noun = noun_of(known[k].kinds);
	}
	if (summary->ngroups > 1)
		qsort(summary->groups, summary->ngroups, sizeof *summary->groups, compare_groups);
	free(known);
	tm_strmap_free(slots);
	free(cells);
	free(cell_of);
}

void tm_summary_compute_listing(tm_summary *summary, const tm_findings *set, size_t listed)
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
	summary->noverdue = noverdue;
	bool all = noverdue <= listed;
	summary->overdue = tm_xmalloc(((all ? noverdue : listed) + 1) * sizeof *summary->overdue);
	for (size_t i = 0; i < set->count; i++) {
		const tm_finding *finding = &set->items[i];
		if (!finding->overdue)
			continue;
		if (all)
			summary->overdue[summary->nlisted_overdue++] = finding;
		else
			keep_first(summary->overdue, &summary->nlisted_overdue, listed, finding,
			           compare_overdue);
	}
	if (all)
		sort_findings(summary->overdue, summary->nlisted_overdue, compare_overdue);
	group(summary, set, listed);
}

void tm_summary_compute(tm_summary *summary, const tm_findings *set)
{
	tm_summary_compute_listing(summary, set, SIZE_MAX);
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
