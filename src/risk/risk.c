#include "risk/risk.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/date.h"
#include "base/diag.h"
#include "base/limits.h"
#include "base/strmap.h"
#include "base/task.h"
#include "base/xalloc.h"

const char *const tm_score_level_names[4] = {"", "Low", "Medium", "High"};

/* ORDER RISK */
const char *const tm_risk_names[5] = {"INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"};

/* ORDER STATUS */
const char *const tm_status_names[6] = {"open",     "planned", "mitigated",
                                        "accepted", "expired", "false_positive"};

static bool ascii_iequal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char cb = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
		if (ca != cb)
			return false;
	}
	return *a == *b;
}

bool tm_risk_parse(const char *text, tm_risk *out)
{
	if (!text)
		return false;
	for (int i = TM_RISK_INFO; i <= TM_RISK_CRITICAL; i++) {
		if (ascii_iequal(text, tm_risk_names[i])) {
			*out = (tm_risk)i;
			return true;
		}
	}
	return false;
}

double tm_risk_likelihood(const uint8_t factors[TM_LF_COUNT])
{
	unsigned sum = 0, given = 0;
	for (int i = 0; i < TM_LF_COUNT; i++) {
		if (factors[i]) {
			sum += factors[i];
			given++;
		}
	}
	return given ? (double)sum / (double)given : 0.0;
}

double tm_risk_impact(const uint8_t factors[TM_IF_COUNT])
{
	uint8_t max = 0;
	for (int i = 0; i < TM_IF_COUNT; i++)
		if (factors[i] > max)
			max = factors[i];
	return (double)max;
}

tm_score_level tm_risk_level(double score)
{
	if (score < 1.5)
		return TM_SCORE_LOW;
	if (score < 2.5)
		return TM_SCORE_MEDIUM;
	return TM_SCORE_HIGH;
}

static int level_index(tm_score_level level)
{
	/* A level outside the enum (a zeroed finding) counts as Low. */
	if (level == TM_SCORE_MEDIUM)
		return 1;
	if (level == TM_SCORE_HIGH)
		return 2;
	return 0;
}

tm_risk tm_risk_matrix(tm_score_level likelihood, tm_score_level impact)
{
	/* [likelihood][impact], Low..High on both axes (SPEC §2). */
	static const tm_risk matrix[3][3] = {
	    {TM_RISK_INFO, TM_RISK_LOW, TM_RISK_MEDIUM},
	    {TM_RISK_LOW, TM_RISK_MEDIUM, TM_RISK_HIGH},
	    {TM_RISK_MEDIUM, TM_RISK_HIGH, TM_RISK_CRITICAL},
	};
	return matrix[level_index(likelihood)][level_index(impact)];
}

int32_t tm_risk_due(tm_risk risk, int32_t found)
{
	int32_t days;
	switch (risk) {
	case TM_RISK_CRITICAL: days = 1; break;
	case TM_RISK_HIGH: days = 7; break;
	case TM_RISK_MEDIUM: days = 30; break;
	case TM_RISK_LOW: days = 90; break;
	default: return TM_NO_DATE;
	}
	/* A date near the top of the range has no representable deadline. */
	if (found == TM_NO_DATE || found > INT32_MAX - days)
		return TM_NO_DATE;
	return found + days;
}

void tm_findings_init(tm_findings *set)
{
	memset(set, 0, sizeof(*set));
	set->arena = tm_arena_new();
}

void tm_findings_free(tm_findings *set)
{
	tm_arena_free(set->arena);
	free(set->items);
	memset(set, 0, sizeof(*set));
}

void tm_findings_append(tm_findings *set, tm_findings *more)
{
	if (set->count == 0 && more->count) {
		/* nothing to keep: take more's array rather than copy it */
		free(set->items);
		set->items = more->items;
		set->cap = more->cap;
		set->count = more->count;
		tm_arena_absorb(set->arena, more->arena);
		memset(more, 0, sizeof *more);
		return;
	}
	if (set->cap - set->count < more->count) {
		set->cap = set->count + more->count;
		set->items = tm_xrealloc(set->items, set->cap * sizeof *set->items);
	}
	if (more->count)
		memcpy(set->items + set->count, more->items, more->count * sizeof *more->items);
	set->count += more->count;
	tm_arena_absorb(set->arena, more->arena);
	free(more->items);
	memset(more, 0, sizeof *more);
}

tm_finding *tm_findings_add(tm_findings *set)
{
	/* Dates start as "none" rather than 1970-01-01, so a producer that
	 * forgets them gets no deadline instead of a wrong one. */
	static const tm_finding_about no_about; /* every text NULL, as a zeroed finding had */
	tm_finding finding = {.found = TM_NO_DATE, .due = TM_NO_DATE, .element_key = "", .about = &no_about};
	TM_VEC_PUSH(set->items, set->count, set->cap, finding);
	return &set->items[set->count - 1];
}

void tm_risk_score(tm_finding *finding)
{
	finding->likelihood = tm_risk_likelihood(finding->likelihood_factors);
	finding->impact = tm_risk_impact(finding->impact_factors);
	finding->likelihood_level = tm_risk_level(finding->likelihood);
	finding->impact_level = tm_risk_level(finding->impact);
	finding->risk = tm_risk_matrix(finding->likelihood_level, finding->impact_level);
}

static const char *framework_of(const char *category)
{
	const char *framework = tm_category_framework(category);
	if (framework)
		return framework;
	if (category && strcmp(category, "check") == 0)
		return "CHECK";
	return "CUSTOM";
}

void tm_risk_add_threats(tm_findings *set, const tm_model *model)
{
	if (!set || !model)
		return;
	for (size_t i = 0; i < model->nthreats; i++) {
		const tm_threat *threat = &model->threats[i];
		if (!threat->id)
			continue;
		tm_finding_about *about = tm_arena_alloc(set->arena, sizeof *about);
		about->rule = threat->id;
		about->category = threat->category ? threat->category : "";
		about->framework = framework_of(threat->category);
		about->pack = "model";
		about->title = threat->title ? threat->title : threat->id;
		about->description = threat->description;
		about->advice = threat->mitigation;
		tm_finding *finding = tm_findings_add(set);
		finding->id = threat->id;
		finding->about = about;
		finding->element = threat->element;
		if (threat->element && threat->element->key)
			finding->element_key = threat->element->key;
		else if (threat->element_key)
			finding->element_key = threat->element_key;
		memcpy(finding->likelihood_factors, threat->likelihood, sizeof(finding->likelihood_factors));
		memcpy(finding->impact_factors, threat->impact, sizeof(finding->impact_factors));
		finding->found = threat->found != TM_NO_DATE ? threat->found : model->meta.date;
		finding->file = "";
		if (threat->decl && threat->decl->span.src) {
			uint32_t column;
			finding->file = threat->decl->span.src->path;
			tm_source_position(threat->decl->span.src, threat->decl->span.start, &finding->line,
			                   &column);
		}
		tm_risk_score(finding);
	}
}

/* The findings the model's mitigations and acceptances name, by id: a
 * name's findings (ids may repeat) as a chain through `next`, in the
 * order of the set. One pass over the findings, however many there are,
 * and none at all for a model that names no finding. */
typedef struct named_findings {
	size_t head, tail; /* SIZE_MAX: none */
} named_findings;

typedef struct finding_names {
	tm_strmap *map; /* name -> named_findings */
	named_findings *lists;
	size_t *next; /* per finding: the next with the same id, or SIZE_MAX */
} finding_names;

static void names_add(finding_names *names, size_t *count, const char *name)
{
	if (name && !tm_strmap_get(names->map, name)) {
		names->lists[*count] = (named_findings){SIZE_MAX, SIZE_MAX};
		tm_strmap_add(names->map, name, &names->lists[(*count)++]);
	}
}

static void names_init(finding_names *names, const tm_findings *set, const tm_model *model)
{
	size_t nmitigations = model ? model->nmitigations : 0;
	size_t nacceptances = model ? model->nacceptances : 0;
	size_t total = nacceptances;
	for (size_t m = 0; m < nmitigations; m++)
		total += model->mitigations[m].nmitigates;
	*names = (finding_names){0};
	if (total == 0)
		return;
	names->map = tm_strmap_new(total);
	names->lists = tm_xmalloc(total * sizeof(*names->lists));
	size_t count = 0;
	for (size_t m = 0; m < nmitigations; m++)
		for (size_t k = 0; k < model->mitigations[m].nmitigates; k++)
			names_add(names, &count, model->mitigations[m].mitigates[k]);
	for (size_t a = 0; a < nacceptances; a++)
		names_add(names, &count, model->acceptances[a].finding);
	names->next = tm_xmalloc((set->count ? set->count : 1) * sizeof(*names->next));
	for (size_t i = 0; i < set->count; i++) {
		const char *id = set->items[i].id;
		named_findings *list = id ? tm_strmap_get(names->map, id) : NULL;
		if (!list)
			continue;
		names->next[i] = SIZE_MAX;
		if (list->head == SIZE_MAX)
			list->head = i;
		else
			names->next[list->tail] = i;
		list->tail = i;
	}
}

/* The first finding with this id, or SIZE_MAX; then names->next[i]. */
static size_t names_first(const finding_names *names, const char *name)
{
	const named_findings *list = name && names->map ? tm_strmap_get(names->map, name) : NULL;
	return list ? list->head : SIZE_MAX;
}

static void names_free(finding_names *names)
{
	tm_strmap_free(names->map);
	free(names->lists);
	free(names->next);
}

/* Which of two acceptances of one finding counts: a false-positive verdict,
 * else the one that lasts longest (no `until` lasts forever). */
static bool acceptance_better(const tm_acceptance *candidate, const tm_acceptance *current)
{
	if (!current)
		return true;
	if (candidate->false_positive != current->false_positive)
		return candidate->false_positive;
	int64_t a = candidate->until == TM_NO_DATE ? INT64_MAX : candidate->until;
	int64_t b = current->until == TM_NO_DATE ? INT64_MAX : current->until;
	return a > b;
}

/* Precedence, highest first: false_positive, accepted, mitigated, expired,
 * planned, open. A fix in place outranks a lapsed acceptance; a lapsed
 * acceptance outranks a fix that is only planned, so it still demands
 * attention. */
static tm_status status_of(const tm_acceptance *acceptance, int best_mitigation, int32_t today)
{
	bool expired = false;
	if (acceptance) {
		if (acceptance->false_positive)
			return TM_STATUS_FALSE_POSITIVE;
		if (acceptance->until == TM_NO_DATE || today <= acceptance->until)
			return TM_STATUS_ACCEPTED;
		expired = true;
	}
	if (best_mitigation >= TM_MIT_IMPLEMENTED)
		return TM_STATUS_MITIGATED;
	if (expired)
		return TM_STATUS_EXPIRED;
	if (best_mitigation >= TM_MIT_PLANNED)
		return TM_STATUS_PLANNED;
	return TM_STATUS_OPEN;
}

/* The findings each pattern of the model's mitigations and acceptances
 * names, as positions in the set. The patterns are numbered in the order
 * the passes below meet them: the mitigations' entries, then the
 * acceptances. One pass over the findings for all of them. */
typedef struct pattern_hits {
	size_t **hits; /* per pattern: positions, ascending */
	size_t *nhits;
	size_t count;
} pattern_hits;

static void hits_init(pattern_hits *ph, const tm_findings *set, const tm_model *model)
{
	*ph = (pattern_hits){0};
	size_t nmitigations = model ? model->nmitigations : 0;
	size_t nacceptances = model ? model->nacceptances : 0;
	for (size_t m = 0; m < nmitigations; m++)
		for (size_t k = 0; k < model->mitigations[m].nmitigates; k++)
			if (model->mitigations[m].patterns && model->mitigations[m].patterns[k])
				ph->count++;
	for (size_t a = 0; a < nacceptances; a++)
		if (model->acceptances[a].pattern)
			ph->count++;
	if (ph->count == 0)
		return;
	const tm_finding_pattern **patterns = tm_xmalloc(ph->count * sizeof(*patterns));
	size_t j = 0;
	for (size_t m = 0; m < nmitigations; m++)
		for (size_t k = 0; k < model->mitigations[m].nmitigates; k++)
			if (model->mitigations[m].patterns && model->mitigations[m].patterns[k])
				patterns[j++] = model->mitigations[m].patterns[k];
	for (size_t a = 0; a < nacceptances; a++)
		if (model->acceptances[a].pattern)
			patterns[j++] = model->acceptances[a].pattern;
	ph->hits = tm_xcalloc(ph->count, sizeof(*ph->hits));
	ph->nhits = tm_xcalloc(ph->count, sizeof(*ph->nhits));
	size_t *cap = tm_xcalloc(ph->count, sizeof(*cap));
	for (size_t i = 0; i < set->count; i++) {
		const tm_finding *finding = &set->items[i];
		for (j = 0; j < ph->count; j++)
			if (tm_finding_pattern_matches(patterns[j], finding->id, finding->element))
				TM_VEC_PUSH(ph->hits[j], ph->nhits[j], cap[j], i);
	}
	free(cap);
	free(patterns);
}

static void hits_free(pattern_hits *ph)
{
	for (size_t j = 0; j < ph->count; j++)
		free(ph->hits[j]);
	free(ph->hits);
	free(ph->nhits);
}

/* The positions one entry of a mitigation or acceptance names: a
 * pattern's hits (advancing *pattern_index), or the chain of an id. */
typedef struct named {
	const size_t *hits; /* a pattern's, or NULL for an id */
	size_t nhits, at;   /* at: for an id, the current position or SIZE_MAX */
} named;

static named named_first(const finding_names *names, const pattern_hits *ph, const char *name, bool pattern,
                         size_t *pattern_index)
{
	if (pattern) {
		size_t j = (*pattern_index)++;
		return (named){ph->hits[j], ph->nhits[j], ph->nhits[j] ? ph->hits[j][0] : SIZE_MAX};
	}
	return (named){NULL, 0, names_first(names, name)};
}

static size_t named_next(const finding_names *names, named *n, size_t *k)
{
	if (n->hits)
		return ++*k < n->nhits ? n->hits[*k] : SIZE_MAX;
	return names->next[n->at];
}

/* "did you mean" for a finding id no rule raised: the raised ids closest
 * to it (at most three, at the smallest distance, in id order). */
static void suggest_raised(tm_diag *d, const char *name, const tm_findings *set)
{
	if (!d)
		return; /* past the error cap: do not pay for a search nobody sees */
	enum { SHOWN = 3 };
	const char *best[SHOWN];
	size_t nbest = 0, limit = tm_suggest_limit(name), best_distance = limit + 1;
	size_t len = strlen(name);
	for (size_t i = 0; i < set->count; i++) {
		const char *id = set->items[i].id;
		if (!id || !strchr(id, '@'))
			continue;
		size_t idlen = strlen(id);
		if ((idlen > len ? idlen - len : len - idlen) > limit)
			continue;
		size_t distance = tm_edit_distance(name, id, limit);
		if (distance > best_distance || distance > limit)
			continue;
		if (distance < best_distance) {
			best_distance = distance;
			nbest = 0;
		}
		bool seen = false;
		for (size_t b = 0; b < nbest; b++)
			seen = seen || strcmp(best[b], id) == 0;
		if (seen)
			continue;
		/* keep the SHOWN first in id order */
		size_t at = nbest;
		while (at > 0 && strcmp(best[at - 1], id) > 0)
			at--;
		if (at >= SHOWN)
			continue;
		if (nbest < SHOWN)
			nbest++;
		memmove(&best[at + 1], &best[at], (nbest - 1 - at) * sizeof(*best));
		best[at] = id;
	}
	if (nbest == 0)
		return;
	tm_buf text = TM_BUF_INIT;
	for (size_t b = 0; b < nbest; b++)
		tm_buf_printf(&text, "%s'%s'", b == 0 ? "" : b + 1 == nbest ? " or " : ", ", best[b]);
	tm_diag_note(d, (tm_span){0}, "did you mean %s?", tm_buf_str(&text));
	tm_buf_free(&text);
}

static tm_span entry_span(const tm_mitigation *mitigation, size_t k)
{
	return mitigation->mitigates_spans ? mitigation->mitigates_spans[k]
	       : mitigation->decl          ? mitigation->decl->span
	                                   : (tm_span){0};
}

/* A generated finding id (RULE@KEY) that no rule raised is an error that
 * names the closest raised ids; a pattern that names no finding is only
 * a warning, since it may wait for findings to come. Hand-written threat
 * ids were checked by the resolver. */
static void report_unmatched(tm_diags *diags, const tm_findings *set, tm_span span, const char *name,
                             bool pattern, const tm_mitigation *mitigation)
{
	const char *id = mitigation && mitigation->id ? mitigation->id : "a mitigation";
	if (pattern) {
		if (mitigation)
			tm_diag_warning(diags, span, "%s mitigates %s, a pattern that matches no finding", id,
			                name);
		else
			tm_diag_warning(diags, span,
			                "acceptance of %s names a pattern that matches no finding", name);
		return;
	}
	if (!strchr(name, '@'))
		return;
	tm_diag *d =
	    mitigation ? tm_diag_error(diags, span, "%s mitigates %s, which no rule raised", id, name)
	               : tm_diag_error(diags, span, "acceptance of %s names a finding no rule raised", name);
	suggest_raised(d, name, set);
}

void tm_risk_track(tm_findings *set, const tm_model *model, int32_t today, tm_diags *diags)
{
	if (!set)
		return;
	size_t count = set->count;
	int *best = tm_xmalloc((count ? count : 1) * sizeof(*best)); /* highest mitigation status, -1: none */
	size_t *nmit = tm_xcalloc(count ? count : 1, sizeof(*nmit)); /* mitigation references per finding */
	for (size_t i = 0; i < count; i++) {
		tm_finding *finding = &set->items[i];
		finding->mitigations = NULL;
		finding->nmitigations = 0;
		finding->acceptance = NULL;
		best[i] = -1;
	}
	finding_names names;
	names_init(&names, set, model);
	pattern_hits ph;
	hits_init(&ph, set, model);

	size_t nmitigations = model ? model->nmitigations : 0;
	size_t nacceptances = model ? model->nacceptances : 0;

	/* First pass over the mitigations: count, so each finding's list is
	 * one arena allocation; report what names nothing, once. */
	size_t pattern_index = 0;
	for (size_t m = 0; m < nmitigations; m++) {
		const tm_mitigation *mitigation = &model->mitigations[m];
		for (size_t k = 0; k < mitigation->nmitigates; k++) {
			const char *name = mitigation->mitigates[k];
			bool pattern = mitigation->patterns && mitigation->patterns[k];
			if (!name)
				continue;
			named n = named_first(&names, &ph, name, pattern, &pattern_index);
			if (n.at == SIZE_MAX && diags)
				report_unmatched(diags, set, entry_span(mitigation, k), name, pattern,
				                 mitigation);
			for (size_t h = 0, at = n.at; at != SIZE_MAX; at = named_next(&names, &n, &h)) {
				n.at = at;
				nmit[at]++;
				if ((int)mitigation->status > best[at])
					best[at] = (int)mitigation->status;
			}
		}
	}
	for (size_t i = 0; i < count; i++) {
		if (nmit[i])
			set->items[i].mitigations =
			    tm_arena_alloc(set->arena, nmit[i] * sizeof(const char *));
		nmit[i] = SIZE_MAX; /* from here on: the last mitigation listed */
	}
	/* Second pass: fill the lists; a mitigation that names one finding
	 * twice (by two ids, or an id and a pattern) is listed once. */
	pattern_index = 0;
	for (size_t m = 0; m < nmitigations; m++) {
		const tm_mitigation *mitigation = &model->mitigations[m];
		for (size_t k = 0; k < mitigation->nmitigates; k++) {
			bool pattern = mitigation->patterns && mitigation->patterns[k];
			if (!mitigation->mitigates[k])
				continue;
			named n = named_first(&names, &ph, mitigation->mitigates[k], pattern, &pattern_index);
			for (size_t h = 0, at = n.at; at != SIZE_MAX; at = named_next(&names, &n, &h)) {
				n.at = at;
				tm_finding *finding = &set->items[at];
				if (nmit[at] == m)
					continue;
				nmit[at] = m;
				finding->mitigations[finding->nmitigations++] =
				    mitigation->id ? mitigation->id : "";
			}
		}
	}

	for (size_t a = 0; a < nacceptances; a++) {
		const tm_acceptance *acceptance = &model->acceptances[a];
		const char *name = acceptance->finding;
		bool pattern = acceptance->pattern != NULL;
		if (!name)
			continue;
		named n = named_first(&names, &ph, name, pattern, &pattern_index);
		if (n.at == SIZE_MAX && diags)
			report_unmatched(diags, set, acceptance->finding_span, name, pattern, NULL);
		for (size_t h = 0, at = n.at; at != SIZE_MAX; at = named_next(&names, &n, &h)) {
			n.at = at;
			tm_finding *finding = &set->items[at];
			if (acceptance_better(acceptance, finding->acceptance))
				finding->acceptance = acceptance;
		}
	}

	for (size_t i = 0; i < count; i++) {
		tm_finding *finding = &set->items[i];
		finding->status = status_of(finding->acceptance, best[i], today);
		finding->due = tm_risk_due(finding->risk, finding->found);
	}
	hits_free(&ph);
	names_free(&names);
	free(best);
	free(nmit);
}

/* A finding's place in the order as numbers compared in turn: its risk
 * and score (higher first) as one, then the first 16 bytes of its id as
 * two big-endian numbers. Most comparisons of a large sort end there,
 * without reaching into the findings (a million of them do not fit in the
 * cache). */
typedef struct sort_entry {
	uint64_t rank;       /* 255 - risk, then UINT32_MAX - score: ascending */
	uint64_t head, tail; /* the id's first 16 bytes, big-endian */
	const char *id;      /* in an arena: stays put while findings are added */
	size_t position;
} sort_entry;

struct tm_findings_order {
	sort_entry *entries;
	size_t count;
};

static void id_prefix(const char *id, uint64_t *head, uint64_t *tail)
{
	unsigned char bytes[16] = {0};
	for (size_t i = 0; i < 16 && id[i]; i++)
		bytes[i] = (unsigned char)id[i];
	uint64_t h = 0, t = 0;
	for (size_t i = 0; i < 8; i++) {
		h = h << 8 | bytes[i];
		t = t << 8 | bytes[8 + i];
	}
	*head = h;
	*tail = t;
}

/* The findings' order: risk and score descending, then id, then the
 * order they were added in (equal ids keep it, so the order is total). */
static int compare_entries(const sort_entry *x, const sort_entry *y)
{
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->head != y->head)
		return x->head < y->head ? -1 : 1;
	if (x->tail != y->tail)
		return x->tail < y->tail ? -1 : 1;
	int c = strcmp(x->id, y->id);
	if (c)
		return c;
	return x->position < y->position ? -1 : x->position > y->position;
}

/* A merge sort of entries with the comparison inline, instead of qsort's
 * call through a pointer for each of a million findings' twenty
 * comparisons; `spare` has room for half of them. The order is total, so
 * any correct sort gives the same result. */
enum { INSERTION_SORT_MAX = 16 };

/* Merges items[0, half) and items[half, count), each sorted: the first
 * run moves to `spare` (room for half entries), and the merged run is
 * written from the front, never overtaking the second. */
static void merge_runs(sort_entry *items, size_t half, size_t count, sort_entry *spare)
{
	if (compare_entries(&items[half], &items[half - 1]) >= 0)
		return; /* in order already */
	memcpy(spare, items, half * sizeof *items);
	size_t a = 0, b = half, out = 0;
	while (a < half && b < count)
		items[out++] = compare_entries(&items[b], &spare[a]) < 0 ? items[b++] : spare[a++];
	while (a < half)
		items[out++] = spare[a++];
}

static void sort_entries(sort_entry *items, size_t count, sort_entry *spare)
{
	if (count <= INSERTION_SORT_MAX) {
		for (size_t i = 1; i < count; i++) {
			sort_entry x = items[i];
			size_t j = i;
			for (; j > 0 && compare_entries(&x, &items[j - 1]) < 0; j--)
				items[j] = items[j - 1];
			items[j] = x;
		}
		return;
	}
	size_t half = count / 2;
	sort_entries(items, half, spare);
	sort_entries(items + half, count - half, spare);
	merge_runs(items, half, count, spare);
}

/* Sorts count entries: each half on its own thread when there are many
 * (the sort runs while the main thread works on phase 2), then merged. */
typedef struct sort_job {
	sort_entry *items, *spare;
	size_t count;
} sort_job;

static void sort_job_run(void *arg)
{
	sort_job *job = arg;
	sort_entries(job->items, job->count, job->spare);
}

static void sort_all(sort_entry *items, size_t count)
{
	if (count < 2)
		return;
	sort_entry *spare = tm_xmalloc((count / 2 + 1) * sizeof *spare);
	if (count < PARALLEL_COPY_MIN) {
		sort_entries(items, count, spare);
		free(spare);
		return;
	}
	/* Each half sorts with its own half of `spare`, which a quarter of
	 * the entries fits; the last merge then uses all of it. */
	size_t half = count / 2;
	sort_job second = {items + half, spare + half / 2 + 1, count - half};
	tm_task task = {0};
	tm_task_start(&task, sort_job_run, &second);
	sort_entries(items, half, spare);
	tm_task_wait(&task);
	merge_runs(items, half, count, spare);
	free(spare);
}

unsigned tm_finding_score(const tm_finding *finding)
{
	double score = finding->likelihood * finding->impact * 100.0 + 0.5;
	return score > 0 ? (unsigned)score : 0;
}

/* Fills entries[i - from] for findings [from, to). */
typedef struct entries_job {
	const tm_findings *set;
	sort_entry *entries;
	size_t from, to, first; /* first: the finding entries[0] is for */
} entries_job;

static void fill_entries(void *arg)
{
	const entries_job *job = arg;
	for (size_t i = job->from; i < job->to; i++) {
		const tm_finding *finding = &job->set->items[i];
		sort_entry *e = &job->entries[i - job->first];
		unsigned score = tm_finding_score(finding);
		*e = (sort_entry){.rank =
		                      (uint64_t)(255 - finding->risk) << 32 | (uint32_t)(UINT32_MAX - score),
		                  .id = finding->id ? finding->id : "",
		                  .position = i};
		id_prefix(e->id, &e->head, &e->tail);
	}
}

/* Sort entries for findings [from, to), in their order; a large set is
 * shared with a second thread (reading a million findings and their ids
 * is bound by memory, and nothing else runs meanwhile). */
static sort_entry *entries_of(const tm_findings *set, size_t from, size_t to)
{
	sort_entry *entries = tm_xmalloc((to > from ? to - from : 1) * sizeof(*entries));
	size_t half = to - from >= PARALLEL_COPY_MIN ? from + (to - from) / 2 : to;
	entries_job second = {set, entries, half, to, from};
	tm_task task = {0};
	if (half < to)
		tm_task_start(&task, fill_entries, &second);
	fill_entries(&(entries_job){set, entries, from, half, from});
	if (half < to)
		tm_task_wait(&task);
	return entries;
}

tm_findings_order *tm_findings_order_new(const tm_findings *set)
{
	tm_findings_order *order = tm_xcalloc(1, sizeof(*order));
	order->count = set->count;
	order->entries = entries_of(set, 0, set->count);
	return order;
}

void tm_findings_order_sort(void *order)
{
	tm_findings_order *o = order;
	sort_all(o->entries, o->count);
}

/* Copies the findings to sorted[i] = items[source[i]] for i in [from, to). */
typedef struct gather_job {
	const tm_finding *items;
	tm_finding *sorted;
	const size_t *source;
	size_t from, to;
} gather_job;

static void gather(void *arg)
{
	const gather_job *job = arg;
	for (size_t i = job->from; i < job->to; i++)
		job->sorted[i] = job->items[job->source[i]];
}

/* Puts the findings in the order of `source` (source[i]: the position of
 * the finding that goes to i): written in order into a new array, which
 * two threads share on a large set. The copy is the findings' second
 * array for a moment; by now the rule engines have freed more than that. */
static void permute(tm_findings *set, const size_t *source)
{
	size_t count = set->count;
	tm_finding *sorted = tm_xmalloc((count ? count : 1) * sizeof *sorted);
	size_t half = count >= PARALLEL_COPY_MIN ? count / 2 : count;
	gather_job second = {set->items, sorted, source, half, count};
	tm_task task = {0};
	if (half < count)
		tm_task_start(&task, gather, &second);
	gather(&(gather_job){set->items, sorted, source, 0, half});
	if (half < count)
		tm_task_wait(&task);
	free(set->items);
	set->items = sorted;
	set->cap = count ? count : 1;
}

void tm_findings_sort_ordered(tm_findings *set, tm_findings_order *order)
{
	size_t count = set->count, first = order->count;
	if (first > count) {
		/* Fewer findings than when the order was taken: it no longer
		 * describes them. */
		order->count = 0;
		first = 0;
	}
	/* The findings added since the order was taken, sorted, then merged
	 * with it: positions break ties, so this is the one full sort. */
	sort_entry *later = entries_of(set, first, count);
	sort_all(later, count - first);
	size_t *source = tm_xmalloc((count ? count : 1) * sizeof(*source));
	size_t a = 0, b = 0, nlater = count - first;
	for (size_t i = 0; i < count; i++) {
		bool from_first =
		    b == nlater || (a < first && compare_entries(&order->entries[a], &later[b]) < 0);
		source[i] = from_first ? order->entries[a++].position : later[b++].position;
	}
	free(later);
	free(order->entries);
	free(order);
	permute(set, source);
	free(source);
}

void tm_findings_sort(tm_findings *set)
{
	if (!set || set->count < 2)
		return;
	tm_findings_order *order = tm_findings_order_new(set);
	tm_findings_order_sort(order);
	tm_findings_sort_ordered(set, order);
}
