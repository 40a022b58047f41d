/* The difference between two versions of a model: elements added, removed
 * or changed (label, attributes, a flow's ends), and findings new, resolved
 * or changed (risk, status). `threat diff OLD NEW` shows it, so a pull
 * request can say what it does to the risk. */
#ifndef TM_DIFF_DIFF_H
#define TM_DIFF_DIFF_H

#include <stddef.h>

#include "session/session.h"

typedef enum tm_change { TM_CHANGE_ADDED, TM_CHANGE_REMOVED, TM_CHANGE_CHANGED } tm_change;

typedef struct tm_element_change {
	tm_change change;
	const tm_element *before, *after; /* NULL when added / removed */
	char **details;                   /* CHANGED: "tls: true -> false", "+ audit true" */
	size_t ndetails;
} tm_element_change;

typedef struct tm_finding_change {
	tm_change change;
	const tm_finding *before, *after; /* CHANGED: risk or status differs */
} tm_finding_change;

typedef struct tm_diff {
	tm_element_change *elements; /* sorted: kind, then key */
	size_t nelements;
	tm_finding_change *findings; /* sorted: risk (highest first), then id */
	size_t nfindings;
} tm_diff;

/* Compares two sessions (both loaded without model errors). */
void tm_diff_compute(tm_diff *out, const tm_session *before, const tm_session *after);
void tm_diff_free(tm_diff *diff);

/* Findings that are new or got worse (higher risk, or reopened) and are
 * open or expired at or above `level`: what a CI gate on a pull request
 * fails on. */
size_t tm_diff_count_worse(const tm_diff *diff, tm_risk level);

#endif
