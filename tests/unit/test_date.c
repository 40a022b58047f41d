/* Unit tests for src/base/date.c: parsing and validation, formatting,
 * calendar arithmetic, and the choice of "today". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/date.h"

static bool parse(const char *text, int32_t *days) { return tm_date_parse(text, strlen(text), days); }

static void test_parse_valid(void **state)
{
	(void)state;
	int32_t days = -1;
	assert_true(parse("1970-01-01", &days));
	assert_int_equal(days, 0);
	assert_true(parse("1970-01-02", &days));
	assert_int_equal(days, 1);
	assert_true(parse("1969-12-31", &days));
	assert_int_equal(days, -1);
	assert_true(parse("2000-03-01", &days));
	assert_int_equal(days, 11017);
	assert_true(parse("2026-06-01", &days));
	assert_int_equal(days, 20605); /* SOURCE_DATE_EPOCH 1780272000 / 86400 */
	assert_true(parse("2024-02-29", &days));
	assert_int_equal(days, 19782);
	assert_true(parse("2000-02-29", &days)); /* divisible by 400: leap */
	assert_true(parse("2026-12-31", &days));
	assert_true(parse("9999-12-31", &days));
	assert_int_equal(days, 2932896);
	assert_true(parse("0000-01-01", &days));
	assert_int_equal(days, -719528);
	/* Only the first len bytes are read. */
	assert_true(tm_date_parse("2026-03-24 trailing", 10, &days));
	assert_int_equal(days, tm_date_from_ymd(2026, 3, 24));
}

static void test_parse_invalid(void **state)
{
	(void)state;
	int32_t days = 12345;
	static const char *const bad[] = {
	    "2023-02-29", /* not a leap year */
	    "1900-02-29", /* divisible by 100, not 400 */
	    "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32", "2026-04-31", "2026-06-31",
	    "2026-1-01",  "2026-01-1",  "26-01-01",   "2026-01-011", "20260101",  "2026/01/01",
	    "2026-01-0a", "+026-01-01", "-026-01-01", " 2026-01-01", "2026-01-01 ", "",
	    "2026-01",    "2026--01-1", "abcd-ef-gh", "2026-0x-01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (parse(bad[i], &days))
			fail_msg("accepted %s", bad[i]);
	}
	/* len shorter than the text. */
	assert_false(tm_date_parse("2026-03-24", 9, &days));
	assert_false(tm_date_parse("2026-03-24", 0, &days));
	assert_int_equal(days, 12345); /* untouched on failure */
}

static void test_ymd(void **state)
{
	(void)state;
	int y, m, d;
	tm_date_to_ymd(0, &y, &m, &d);
	assert_int_equal(y, 1970);
	assert_int_equal(m, 1);
	assert_int_equal(d, 1);
	tm_date_to_ymd(tm_date_from_ymd(2024, 2, 29), &y, &m, &d);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
	assert_int_equal(tm_date_from_ymd(2024, 3, 1) - tm_date_from_ymd(2024, 2, 28), 2);
	assert_int_equal(tm_date_from_ymd(2023, 3, 1) - tm_date_from_ymd(2023, 2, 28), 1);
	assert_int_equal(tm_date_from_ymd(2027, 1, 1) - tm_date_from_ymd(2026, 1, 1), 365);
	assert_int_equal(tm_date_from_ymd(2025, 1, 1) - tm_date_from_ymd(2024, 1, 1), 366);
	/* Extremes convert without overflow. */
	tm_date_to_ymd(INT32_MAX, &y, &m, &d);
	assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
	tm_date_to_ymd(INT32_MIN, &y, &m, &d);
	assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
}

static void test_format(void **state)
{
	(void)state;
	char out[11];
	tm_date_format(0, out);
	assert_string_equal(out, "1970-01-01");
	tm_date_format(20605, out);
	assert_string_equal(out, "2026-06-01");
	static const char *const dates[] = {"2024-02-29", "2026-03-24", "2026-12-31", "1999-01-09",
	                                    "2000-10-10", "0001-01-01", "9999-12-31"};
	for (size_t i = 0; i < sizeof(dates) / sizeof(*dates); i++) {
		int32_t days;
		assert_true(parse(dates[i], &days));
		tm_date_format(days, out);
		assert_string_equal(out, dates[i]);
	}
	/* Every day of a leap year and the next round-trips. */
	int32_t first, last;
	assert_true(parse("2024-01-01", &first));
	assert_true(parse("2025-12-31", &last));
	for (int32_t days = first; days <= last; days++) {
		int32_t back;
		tm_date_format(days, out);
		assert_true(parse(out, &back));
		assert_int_equal(back, days);
	}
	assert_int_equal(last - first + 1, 366 + 365);
}

static void test_add_months(void **state)
{
	(void)state;
	char out[11];
	struct {
		const char *from;
		int months;
		const char *want;
	} cases[] = {
	    {"2026-01-31", 1, "2026-02-28"},  {"2024-01-31", 1, "2024-02-29"}, {"2026-03-24", 6, "2026-09-24"},
	    {"2026-08-31", 1, "2026-09-30"},  {"2026-12-15", 1, "2027-01-15"}, {"2026-03-31", -1, "2026-02-28"},
	    {"2026-01-15", -1, "2025-12-15"}, {"2026-06-30", 0, "2026-06-30"}, {"2024-02-29", 12, "2025-02-28"},
	    {"2026-01-01", 24, "2028-01-01"}, {"2026-07-31", -13, "2025-06-30"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int32_t days;
		assert_true(parse(cases[i].from, &days));
		tm_date_format(tm_date_add_months(days, cases[i].months), out);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s %+d months: got %s, want %s", cases[i].from, cases[i].months, out, cases[i].want);
	}
	/* Before year 0 the months still come out in range. */
	int32_t early = tm_date_from_ymd(0, 1, 31);
	int y, m, d;
	tm_date_to_ymd(tm_date_add_months(early, -1), &y, &m, &d);
	assert_int_equal(y, -1);
	assert_int_equal(m, 12);
	assert_int_equal(d, 31);
	tm_date_to_ymd(tm_date_add_months(early, -11), &y, &m, &d);
	assert_int_equal(y, -1);
	assert_int_equal(m, 2);
	assert_int_equal(d, 28);
	/* No date stays no date; absurd distances give none. */
	assert_int_equal(tm_date_add_months(TM_NO_DATE, 6), TM_NO_DATE);
	assert_int_equal(tm_date_add_months(0, 2000000000), TM_NO_DATE);
	assert_int_equal(tm_date_add_months(0, -2000000000), TM_NO_DATE);
}

static void test_today_override(void **state)
{
	(void)state;
	int32_t days = 7;
	assert_int_equal(setenv("SOURCE_DATE_EPOCH", "1780272000", 1), 0);
	/* --today wins over the environment. */
	assert_true(tm_date_today("2026-03-24", &days));
	assert_int_equal(days, tm_date_from_ymd(2026, 3, 24));
	days = 7;
	assert_false(tm_date_today("2026-02-30", &days));
	assert_false(tm_date_today("tomorrow", &days));
	assert_false(tm_date_today("", &days));
	assert_int_equal(days, 7);
	unsetenv("SOURCE_DATE_EPOCH");
}

static void test_today_epoch(void **state)
{
	(void)state;
	int32_t days = 7;
	assert_int_equal(setenv("SOURCE_DATE_EPOCH", "1780272000", 1), 0);
	assert_true(tm_date_today(NULL, &days));
	assert_int_equal(days, tm_date_from_ymd(2026, 6, 1));
	/* The last second of a day is still that day. */
	assert_int_equal(setenv("SOURCE_DATE_EPOCH", "1780358399", 1), 0);
	assert_true(tm_date_today(NULL, &days));
	assert_int_equal(days, tm_date_from_ymd(2026, 6, 1));
	assert_int_equal(setenv("SOURCE_DATE_EPOCH", "0", 1), 0);
	assert_true(tm_date_today(NULL, &days));
	assert_int_equal(days, 0);

	static const char *const bad[] = {"abc", "12x", "-1", "99999999999999", "1e9", "99999999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		days = 7;
		assert_int_equal(setenv("SOURCE_DATE_EPOCH", bad[i], 1), 0);
		if (tm_date_today(NULL, &days))
			fail_msg("accepted SOURCE_DATE_EPOCH=%s", bad[i]);
		assert_int_equal(days, 7);
	}
	unsetenv("SOURCE_DATE_EPOCH");
}

static void test_today_clock(void **state)
{
	(void)state;
	unsetenv("SOURCE_DATE_EPOCH");
	int32_t days = 0;
	assert_true(tm_date_today(NULL, &days));
	/* The clock: after the day this test was written, before 2100. */
	assert_true(days >= tm_date_from_ymd(2026, 1, 1));
	assert_true(days < tm_date_from_ymd(2100, 1, 1));
	/* An empty variable counts as unset. */
	assert_int_equal(setenv("SOURCE_DATE_EPOCH", "", 1), 0);
	int32_t again = 0;
	assert_true(tm_date_today(NULL, &again));
	assert_true(again >= days && again <= days + 1);
	unsetenv("SOURCE_DATE_EPOCH");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_valid),   cmocka_unit_test(test_parse_invalid),
	    cmocka_unit_test(test_ymd),           cmocka_unit_test(test_format),
	    cmocka_unit_test(test_add_months),    cmocka_unit_test(test_today_override),
	    cmocka_unit_test(test_today_epoch),   cmocka_unit_test(test_today_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
