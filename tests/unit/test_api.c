/* The public interface (include/threat.h) used as an embedding tool would:
 * only the public header, no internal one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "threat.h"

static char *write_model(const char *text)
{
	char *path = strdup("/tmp/threat-api-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_findings_of_a_model(void **state)
{
	(void)state;
	char *path = write_model("model \"API\" { date 2026-03-24 }\n"
	                         "external browser \"Browser\"\n"
	                         "process web \"Web\"\n"
	                         "flow browser -> web \"pages\"\n"
	                         "threat T-01 \"Session hijacking\" {\n"
	                         "  category spoofing  on browser -> web\n"
	                         "  likelihood { skill 2 motive 2 }  impact { confidentiality 3 }\n"
	                         "}\n");
	const char *paths[] = {path};
	tm_check_options options = TM_CHECK_OPTIONS_INIT;
	options.today = "2026-04-01";
	options.no_rules = 1;
	tm_check *check;
	assert_int_equal(tm_check_open(&check, paths, 1, &options), TM_OK);
	assert_int_equal(tm_check_error_count(check), 0);
	assert_string_equal(tm_check_diagnostics(check), "");
	assert_int_equal(tm_check_finding_count(check), 1);
	tm_check_finding finding;
	assert_int_equal(tm_check_get_finding(&finding, check, 0), TM_OK);
	assert_string_equal(finding.id, "T-01");
	assert_string_equal(finding.element, "browser->web");
	assert_string_equal(finding.risk, "HIGH");
	assert_string_equal(finding.status, "open");
	assert_string_equal(finding.due, "2026-03-31");
	assert_true(finding.likelihood == 2.0 && finding.impact == 3.0);
	assert_int_equal(finding.line, 5);
	assert_int_equal(tm_check_get_finding(&finding, check, 1), TM_ERR_USAGE);
	char *json = tm_check_json(check);
	assert_non_null(strstr(json, "\"id\": \"T-01\""));
	free(json);
	tm_check_free(check);
	unlink(path);
	free(path);
}

static void test_errors_are_rendered(void **state)
{
	(void)state;
	char *path = write_model("model \"API\" {}\nflow a -> b\n");
	const char *paths[] = {path};
	tm_check *check;
	assert_int_equal(tm_check_open(&check, paths, 1, NULL), TM_ERR_INPUT);
	assert_int_equal(tm_check_error_count(check), 2);
	assert_non_null(strstr(tm_check_diagnostics(check), ":2:6: error: unknown element 'a'"));
	assert_int_equal(tm_check_finding_count(check), 0);
	assert_null(tm_check_json(check));
	tm_check_free(check);
	unlink(path);
	free(path);
}

static void test_bad_today(void **state)
{
	(void)state;
	const char *paths[] = {"/nonexistent.threat"};
	tm_check_options options;
	assert_int_equal(tm_check_options_init(&options, TM_CHECK_OPTIONS_VERSION), TM_OK);
	options.today = "2026-02-30";
	tm_check *check;
	assert_int_equal(tm_check_open(&check, paths, 1, &options), TM_ERR_USAGE);
	assert_int_equal(tm_check_finding_count(check), 0);
	tm_check_free(check);
}

static void test_options_of_unknown_version(void **state)
{
	(void)state;
	tm_check_options options;
	assert_int_equal(tm_check_options_init(&options, TM_CHECK_OPTIONS_VERSION + 1), TM_ERR_USAGE);
	assert_int_equal(tm_check_options_init(&options, TM_CHECK_OPTIONS_VERSION), TM_OK);
	assert_int_equal(options.version, TM_CHECK_OPTIONS_VERSION);
	assert_null(options.today);
	options.version = 0; /* a client that never set them up */
	const char *paths[] = {"/nonexistent.threat"};
	tm_check *check;
	assert_int_equal(tm_check_open(&check, paths, 1, &options), TM_ERR_USAGE);
	assert_string_equal(tm_check_diagnostics(check),
	                    "error: tm_check_options of an unknown version: set them up with "
	                    "TM_CHECK_OPTIONS_INIT or tm_check_options_init\n");
	assert_int_equal(tm_check_finding_count(check), 0);
	tm_check_free(check);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_findings_of_a_model),
		cmocka_unit_test(test_errors_are_rendered),
		cmocka_unit_test(test_bad_today),
		cmocka_unit_test(test_options_of_unknown_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
