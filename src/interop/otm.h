/* What the OTM exporter and importer share: the marker of a document
 * `threat` wrote, and the mappings of doc/interop.md. */
#ifndef TM_INTEROP_OTM_H
#define TM_INTEROP_OTM_H

#include "model/model.h"
#include "risk/risk.h"

/* project.attributes["threat:format"] = 1 marks a document `threat`
 * exported: its `attributes` hold `.threat` attributes as written. */
#define TM_OTM_FORMAT_KEY "threat:format"
#define TM_OTM_FORMAT     1

/* A finding's status as the state of its threat instance: exposed,
 * mitigated, accepted, not-applicable. */
const char *tm_otm_state(tm_status status);
/* An OWASP likelihood or impact (1 to 3) as OTM's 0 to 100. */
int tm_otm_percent(double score);
/* An asset's sensitivity as confidentiality, integrity and availability
 * from 0 to 100: not stated 0, low 25, medium 50, high 75, critical 100. */
int tm_otm_sensitivity_percent(tm_sensitivity sensitivity);

#endif
