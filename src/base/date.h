/* Calendar dates as days since 1970-01-01 (proleptic Gregorian), and the
 * "today" that statuses and due dates are computed against. */
#ifndef TM_BASE_DATE_H
#define TM_BASE_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TM_NO_DATE INT32_MIN

/* Parses exactly "YYYY-MM-DD" (validated: month 1-12, day within the
 * month, leap years). Returns false on anything else. */
bool tm_date_parse(const char *text, size_t len, int32_t *days);
int32_t tm_date_from_ymd(int year, int month, int day);
void tm_date_to_ymd(int32_t days, int *year, int *month, int *day);
/* Writes "YYYY-MM-DD" and a NUL (11 bytes). */
void tm_date_format(int32_t days, char out[11]);
/* Adds calendar months, clamping the day to the month's length. */
int32_t tm_date_add_months(int32_t days, int months);

/* Today: `override` ("YYYY-MM-DD", from --today) if given, else
 * SOURCE_DATE_EPOCH if set, else the system clock (UTC). Returns false
 * (and leaves *days alone) when the override or the variable is malformed. */
bool tm_date_today(const char *override, int32_t *days);

#endif
