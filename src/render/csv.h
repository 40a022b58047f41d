/* Findings as CSV (RFC 4180) for an issue tracker: `threat check --format
 * csv`. One row per finding, keyed by its stable id, so a script can open
 * one issue per finding and find it again on the next run. */
#ifndef TM_RENDER_CSV_H
#define TM_RENDER_CSV_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "risk/risk.h"

/* The header row: id,rule,element,title,risk,status,due,overdue,file. */
void tm_render_csv_header(tm_buf *out);
/* A row per finding, in the set's order: the due date as YYYY-MM-DD (empty
 * without one), overdue as true or false, the file the finding is
 * reported at. Rows end with CRLF. */
void tm_render_check_csv(tm_buf *out, const tm_findings *findings, int32_t today);
/* One cell: quoted when it holds a comma, a quote, CR or LF (quotes
 * doubled); a cell starting with = + - @, a tab or CR gets a leading ' so a
 * spreadsheet shows it as text instead of running it as a formula. */
void tm_render_csv_cell(tm_buf *out, const char *text);
/* Past its due date and still to be answered (open or expired). */
bool tm_render_finding_overdue(const tm_finding *finding, int32_t today);

#endif
