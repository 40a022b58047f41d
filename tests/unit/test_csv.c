/* Unit tests for src/render/csv.c: RFC 4180 quoting, the defusing of
 * cells a spreadsheet would run as formulas, the overdue flag, and the rows
 * of `check --format csv`, on findings built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/date.h"
#include "render/csv.h"

static int32_t day(const char *text)
{
	int32_t days = 0;
	assert_true(tm_date_parse(text, strlen(text), &days));
	return days;
}

static void expect_cell(const char *text, const char *want)
{
	tm_buf out = TM_BUF_INIT;
	tm_render_csv_cell(&out, text);
	assert_string_equal(tm_buf_str(&out), want);
	tm_buf_free(&out);
}

static void test_cell_quoting(void **state)
{
	(void)state;
	expect_cell("plain", "plain");
	expect_cell("", "");
	expect_cell(NULL, "");
	expect_cell("a, b", "\"a, b\"");
	expect_cell("say \"hi\"", "\"say \"\"hi\"\"\"");
	expect_cell("two\nlines", "\"two\nlines\"");
	expect_cell("cr\rhere", "\"cr\rhere\"");
	expect_cell("shop->db", "shop->db");
	expect_cell("Internet → shop", "Internet → shop");
}

static void test_cell_formulas(void **state)
{
	(void)state;
	expect_cell("=1+1", "\"'=1+1\"");
	expect_cell("+31 20 123", "\"'+31 20 123\"");
	expect_cell("-2+3", "\"'-2+3\"");
	expect_cell("@SUM(A1)", "\"'@SUM(A1)\"");
	expect_cell("\tTAB", "\"'\tTAB\"");
	expect_cell("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	/* only at the start */
	expect_cell("a=b", "a=b");
	expect_cell("a-b", "a-b");
}

static void test_overdue(void **state)
{
	(void)state;
	tm_finding f = {.due = day("2026-03-31"), .status = TM_STATUS_OPEN};
	assert_true(tm_render_finding_overdue(&f, day("2026-04-01")));
	assert_false(tm_render_finding_overdue(&f, day("2026-03-31"))); /* due today: not yet */
	f.status = TM_STATUS_EXPIRED;
	assert_true(tm_render_finding_overdue(&f, day("2026-04-01")));
	f.status = TM_STATUS_PLANNED;
	assert_false(tm_render_finding_overdue(&f, day("2026-04-01")));
	f.status = TM_STATUS_ACCEPTED;
	assert_false(tm_render_finding_overdue(&f, day("2026-04-01")));
	f.status = TM_STATUS_OPEN;
	f.due = TM_NO_DATE;
	assert_false(tm_render_finding_overdue(&f, day("2026-04-01")));
}

static void test_rows(void **state)
{
	(void)state;
	tm_finding_about about[2] = {{.rule = "STRIDE-I-01", .title = "Data disclosed in transit"},
	                             {.rule = "T-01", .title = "=cmd, \"quoted\""}};
	tm_finding items[2] = {{.id = "STRIDE-I-01@shop->db",
	                        .about = &about[0],
	                        .element_key = "shop->db",
	                        .risk = TM_RISK_HIGH,
	                        .status = TM_STATUS_OPEN,
	                        .due = day("2026-03-31"),
	                        .file = "model.threat"},
	                       {.id = "T-01",
	                        .about = &about[1],
	                        .element_key = "",
	                        .risk = TM_RISK_INFO,
	                        .status = TM_STATUS_FALSE_POSITIVE,
	                        .due = TM_NO_DATE,
	                        .file = "a b.threat"}};
	tm_findings findings = {.items = items, .count = 2};
	tm_buf out = TM_BUF_INIT;
	tm_render_csv_header(&out);
	tm_render_check_csv(&out, &findings, day("2026-04-01"));
	assert_string_equal(tm_buf_str(&out),
	                    "id,rule,element,title,risk,status,due,overdue,file\r\n"
	                    "STRIDE-I-01@shop->db,STRIDE-I-01,shop->db,Data disclosed in "
	                    "transit,HIGH,open,2026-03-31,true,model.threat\r\n"
	                    "T-01,T-01,,\"'=cmd, \"\"quoted\"\"\",INFO,false_positive,,false,a b.threat\r\n");
	tm_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cell_quoting),
	    cmocka_unit_test(test_cell_formulas),
	    cmocka_unit_test(test_overdue),
	    cmocka_unit_test(test_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
