/* The difference between two versions of a model: elements added, removed
 * or changed (label, attributes, a flow's ends), findings new, resolved or
 * changed (risk, status), and what changed in the architecture (trust
 * boundaries, crossings, integrations, endpoints) with the security review
 * each change calls for. `threat diff OLD NEW` shows it, so a pull request
 * can say what it does to the risk and whether it needs a review. */
#ifndef TM_DIFF_DIFF_H
#define TM_DIFF_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

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

/* The security review a change calls for, after the practice's table of
 * triggers, least first. ORDER REVIEW: keep in step with tm_review_names. */
typedef enum tm_review {
	TM_REVIEW_NONE,
	TM_REVIEW_ENDPOINT,     /* new endpoint: incremental STRIDE on it */
	TM_REVIEW_INTEGRATION,  /* new external integration: trust boundary analysis */
	TM_REVIEW_ARCHITECTURE, /* architecture change: full review by the security reviewer */
	TM_REVIEW_COUNT
} tm_review;
extern const char *const tm_review_names[TM_REVIEW_COUNT]; /* "none", "endpoint", ... */
/* The practice's trigger and the review it asks for, in words: "new
 * integration", "trust boundary analysis". */
extern const char *const tm_review_triggers[TM_REVIEW_COUNT];
extern const char *const tm_review_scopes[TM_REVIEW_COUNT];

/* ORDER ARCH: keep in step with tm_arch_kind_names. */
typedef enum tm_arch_kind {
	TM_ARCH_BOUNDARY,    /* a trust boundary added or removed */
	TM_ARCH_NESTING,     /* a boundary moved into, out of or between others */
	TM_ARCH_EMPTIED,     /* a boundary that held elements holds none */
	TM_ARCH_MEMBERSHIP,  /* an element moved into or out of a boundary */
	TM_ARCH_CROSSING,    /* a flow that stays gained or lost a boundary crossing */
	TM_ARCH_INTEGRATION, /* an external added or removed with its flows, or a new flow to one */
	TM_ARCH_EXTERNAL,    /* an external entity added or removed without flows */
	TM_ARCH_ENDPOINT,    /* a new flow between elements that were there, or a flow's new end */
	TM_ARCH_COUNT
} tm_arch_kind;
extern const char *const tm_arch_kind_names[TM_ARCH_COUNT]; /* "boundary", "nesting", ... */

typedef struct tm_arch_change {
	tm_arch_kind kind;
	tm_change change;    /* ADDED: new or gained; REMOVED: gone or lost; CHANGED: moved */
	const char *subject; /* the key of the element it is about (in one of the models) */
	char *what;          /* "boundary TB-04 moved out of TB-03" */
	char *action;        /* what to do: "analyse its TB-01 crossing and its authentication" */
	tm_review review;
} tm_arch_change;

typedef struct tm_diff {
	tm_element_change *elements; /* sorted: kind, then key */
	size_t nelements;
	tm_finding_change *findings; /* sorted: risk (highest first), then id */
	size_t nfindings;
	tm_arch_change *arch; /* boundaries, nesting, membership, crossings, externals, endpoints */
	size_t narch;
	bool reviews[TM_REVIEW_COUNT]; /* which reviews the architecture changes call for */
	tm_review review;              /* the largest of them */
} tm_diff;

/* Compares two sessions (both loaded without model errors). */
void tm_diff_compute(tm_diff *out, const tm_session *before, const tm_session *after);
void tm_diff_free(tm_diff *diff);

/* Findings that are new or got worse (higher risk, or reopened) and are
 * open or expired at or above `level`: what a CI gate on a pull request
 * fails on. */
size_t tm_diff_count_worse(const tm_diff *diff, tm_risk level);

/* The review line, appended to out: "Security review not needed (...)" or
 * the reviews called for, largest first: "Security review needed:
 * architecture change (full review by the security reviewer); new
 * integration (trust boundary analysis)". */
void tm_diff_review_summary(tm_buf *out, const tm_diff *diff);

#endif
