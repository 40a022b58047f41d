/* OWASP Risk Rating as the team practises it (SPEC §2): likelihood is the
 * average of the factors given, impact the highest, each scored Low below
 * 1.5, Medium below 2.5, else High; the 3x3 matrix gives the risk; the
 * risk gives the response deadline. Findings carry the scores. */
#ifndef TM_RISK_RISK_H
#define TM_RISK_RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "model/model.h"

typedef enum tm_score_level { TM_SCORE_LOW = 1, TM_SCORE_MEDIUM, TM_SCORE_HIGH } tm_score_level;
extern const char *const tm_score_level_names[4]; /* [1] "Low", [2] "Medium", [3] "High" */

/* ORDER RISK: ascending, so levels compare with < */
typedef enum tm_risk { TM_RISK_INFO, TM_RISK_LOW, TM_RISK_MEDIUM, TM_RISK_HIGH, TM_RISK_CRITICAL } tm_risk;
extern const char *const tm_risk_names[5]; /* "INFO" ... "CRITICAL" */
/* Parses a level in any case ("high", "HIGH"); false if it is none. */
bool tm_risk_parse(const char *text, tm_risk *out);

/* ORDER STATUS */
typedef enum tm_status {
	TM_STATUS_OPEN,
	TM_STATUS_PLANNED,
	TM_STATUS_MITIGATED,
	TM_STATUS_ACCEPTED,
	TM_STATUS_EXPIRED,
	TM_STATUS_FALSE_POSITIVE
} tm_status;
extern const char *const tm_status_names[6]; /* "open" ... "false_positive" */

/* Average of the factors that are non-zero; 0 when none is. */
double tm_risk_likelihood(const uint8_t factors[TM_LF_COUNT]);
/* Highest factor; 0 when none is given. */
double tm_risk_impact(const uint8_t factors[TM_IF_COUNT]);
tm_score_level tm_risk_level(double score);
tm_risk tm_risk_matrix(tm_score_level likelihood, tm_score_level impact);
/* The response deadline: found + 1 day (CRITICAL, 24 h), 7, 30 or 90 days;
 * TM_NO_DATE for INFO or when found is TM_NO_DATE. */
int32_t tm_risk_due(tm_risk risk, int32_t found);

/* What the findings of one rule (or one hand-written threat) share: kept
 * once and pointed at, since a large model has a million findings. */
typedef struct tm_finding_about {
	const char *rule;      /* the rule id, or the threat id */
	const char *framework; /* "STRIDE", "LINDDUN", "CHECK", or as the rule says */
	const char *category;  /* "spoofing", ..., "check" */
	const char *pack;      /* the pack's name, or "model" for a hand-written threat */
	const char *title;
	const char *description; /* the rule's explanation, or NULL */
	const char *advice;      /* the rule's mitigation text, or NULL */
	const char **refs;       /* CWE-…, OWASP … */
	size_t nrefs;
} tm_finding_about;

typedef struct tm_finding {
	const char *id;                  /* "T-01" (hand-written) or "RULE@KEY" */
	const tm_finding_about *about;   /* its rule's (or threat's) texts */
	const tm_element *element;       /* NULL for model-level findings */
	const char *element_key;         /* "" for model-level findings */
	const char *detail;              /* what `when` returned, or NULL */
	const char **mitigations;        /* ids of the mitigations naming it */
	const tm_acceptance *acceptance; /* the acceptance covering it, or NULL */
	const char *file;
	double likelihood, impact;
	int32_t found; /* first appearance: the threat's `found`, else the model's date */
	int32_t due;   /* TM_NO_DATE: none */
	uint32_t line;
	uint32_t nmitigations;
	uint8_t likelihood_factors[TM_LF_COUNT];
	uint8_t impact_factors[TM_IF_COUNT];
	/* A tm_score_level, a tm_risk and a tm_status each, in a byte: a
	 * model that states few controls has a million and a half findings,
	 * and this layout keeps each in 112 bytes (doc/architecture.md). */
	uint8_t likelihood_level, impact_level, risk, status;
	bool overdue; /* open or expired and due before today (risk/summary.h) */
} tm_finding;

typedef struct tm_findings {
	tm_arena *arena; /* owns the findings' strings */
	tm_finding *items;
	size_t count, cap;
} tm_findings;

void tm_findings_init(tm_findings *set);
void tm_findings_free(tm_findings *set);
/* Appends a zeroed finding (its `about` texts all NULL) and returns it
 * (pointer valid until the next add). */
tm_finding *tm_findings_add(tm_findings *set);

/* Moves every finding of `more`, with the strings they point at, to the
 * end of `set`; `more` is left empty (free to init again). */
void tm_findings_append(tm_findings *set, tm_findings *more);

/* Fills likelihood, impact, their levels and the risk from the factors. */
void tm_risk_score(tm_finding *finding);

/* Adds a finding for every hand-written threat in the model. */
void tm_risk_add_threats(tm_findings *set, const tm_model *model);

/* Statuses, mitigations and due dates of every finding, against the
 * model's mitigations and acceptances and `today`. Mitigations and
 * acceptances naming a generated finding no rule raised get a warning. */
void tm_risk_track(tm_findings *set, const tm_model *model, int32_t today, tm_diags *diags);

/* Likelihood × impact in hundredths (1.00 × 1 = 100 ... 3.00 × 3 = 900):
 * ranks findings of one risk level, so that within a level the likelier
 * and graver come first. */
unsigned tm_finding_score(const tm_finding *finding);

/* Sorts by risk (highest first), then score (highest first), then id, for
 * every listing. */
void tm_findings_sort(tm_findings *set);

/* The same sort in three steps, so that the costly one can run on another
 * thread while findings are still being added (phase 2): take the order
 * of the findings there are (their risks, scores and ids), sort it (touching
 * nothing else), then tm_findings_sort_ordered sorts the findings added
 * since into it and puts every finding in place, freeing the order. Risks,
 * scores and ids must not change in between; statuses may. */
typedef struct tm_findings_order tm_findings_order;
tm_findings_order *tm_findings_order_new(const tm_findings *set);
void tm_findings_order_sort(void *order); /* a tm_findings_order, as a tm_task's run */
void tm_findings_sort_ordered(tm_findings *set, tm_findings_order *order);

#endif
