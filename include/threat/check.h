/* libthreat's public interface: load a model, run the rule packs, and read
 * the scored findings, for tools that embed threat (an editor plugin, a
 * CI bot). The command-line client is built on the same library. */
#ifndef THREAT_CHECK_H
#define THREAT_CHECK_H

#include <stddef.h>

#include "threat/status.h"

/* Out of memory: the library calls this handler, which must not return
 * (print and exit, or longjmp to the client's own recovery). Without one
 * it prints a message and aborts. Process-wide; set it once, at start-up. */
void tm_set_oom_handler(void (*handler)(size_t size));

/* A loaded and analysed model. */
typedef struct tm_check tm_check;

/* Versioned so that a client built against an older header keeps working
 * when fields are added: set it up with TM_CHECK_OPTIONS_INIT or
 * tm_check_options_init, then set the fields you need. */
#define TM_CHECK_OPTIONS_VERSION 1

typedef struct tm_check_options {
	unsigned int version; /* TM_CHECK_OPTIONS_VERSION */
	const char *today;    /* "YYYY-MM-DD", or NULL: SOURCE_DATE_EPOCH, else the clock */
	int no_rules;         /* non-zero: hand-written threats only, no rule packs */
} tm_check_options;

#define TM_CHECK_OPTIONS_INIT                                                                                \
	{                                                                                                    \
		TM_CHECK_OPTIONS_VERSION, NULL, 0                                                            \
	}

/* Fills *options with the defaults of the given version. Returns TM_OK, or
 * TM_ERR_USAGE for a version this library does not know. */
int tm_check_options_init(tm_check_options *options, unsigned int version);

/* One finding, as `threat check --format json` describes it. The strings
 * belong to the check and live until tm_check_free. */
typedef struct tm_check_finding {
	const char *id, *rule, *framework, *category, *element, *title;
	const char *detail; /* or NULL */
	double likelihood, impact;
	const char *risk;   /* "CRITICAL" ... "INFO" */
	const char *status; /* "open", "planned", "mitigated", "accepted", "expired", "false_positive" */
	const char *due;    /* "YYYY-MM-DD", or NULL */
	const char *file;
	unsigned line;
} tm_check_finding;

/* Loads the files (and what they include), runs the packs they `use`,
 * and scores and tracks the findings. Returns TM_OK, TM_ERR_INPUT (the
 * model or a pack has errors: see tm_check_diagnostics), or TM_ERR_USAGE
 * (a malformed `today`, or options of an unknown version; options may be
 * NULL for the defaults). *out is set whenever memory could be had, also on
 * errors, and must be freed with tm_check_free. The packs' budgets use a
 * CPU timer that signals SIGVTALRM to the thread running them (the
 * caller's handler for it is put back before this returns); on a large
 * model they run on threads of their own, joined before this returns
 * (THREAT_JOBS, doc/rules.md "Engines"). */
int tm_check_open(tm_check **out, const char *const *paths, size_t npaths, const tm_check_options *options);
void tm_check_free(tm_check *check);

/* The errors and warnings, rendered as `threat` prints them (FILE:LINE:COL,
 * the source line, a caret), without colour. Freed with tm_check_free. */
const char *tm_check_diagnostics(const tm_check *check);
size_t tm_check_error_count(const tm_check *check);

/* Findings sorted by risk (highest first), then likelihood × impact
 * (highest first), then id. */
size_t tm_check_finding_count(const tm_check *check);
int tm_check_get_finding(tm_check_finding *out, const tm_check *check, size_t index);

/* SPEC §4's JSON object, as `threat check --format json` prints it; a
 * malloc'd string for the caller to free. NULL when the model has errors. */
char *tm_check_json(const tm_check *check);

#endif
