/* `threat import threagile`: a Threagile model (YAML) as a .threat model.
 * Technical assets become externals, processes and stores, communication
 * links flows, trust boundaries boundaries, data assets assets, individual
 * risks threats, and risk tracking mitigations and acceptances of the
 * findings the rules raise on the imported model (doc/interop.md). */
#ifndef TM_INTEROP_THREAGILE_H
#define TM_INTEROP_THREAGILE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/source.h"

typedef struct tm_threagile_options {
	int32_t today; /* the day the rules run as (tm_date_today) */
	bool no_rules; /* leave risk tracking out: it is matched against the rules' findings */
	double budget; /* seconds for the rule packs; 0: the default */
} tm_threagile_options;

/* Converts the Threagile model in src into the formatted text of a .threat
 * model (*out, malloc'd). What has no counterpart is kept as an x-threagile-
 * attribute or reported as a warning; bad input is an error at its line and
 * column. Returns TM_OK, or TM_ERR_INPUT with *out NULL. */
int tm_threagile_import(char **out, const tm_source *src, const tm_threagile_options *options,
                        tm_diags *diags);

#endif
