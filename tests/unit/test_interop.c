/* Unit tests for src/interop: identifiers made from other tools' names,
 * values checked by the parser, the category and risk mappings, and the
 * importers on small documents (exact output and exact messages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "interop/interop.h"
#include "interop/otm.h"
#include "threat/status.h"

/* ---- identifiers ---- */

static void test_is_ident(void **state)
{
	(void)state;
	assert_true(tm_interop_is_ident("api"));
	assert_true(tm_interop_is_ident("TB-01"));
	assert_true(tm_interop_is_ident("_x"));
	assert_false(tm_interop_is_ident("1abc"));
	assert_false(tm_interop_is_ident("a-"));
	assert_false(tm_interop_is_ident("a--b"));
	assert_false(tm_interop_is_ident("a.b"));
	assert_false(tm_interop_is_ident("web->api"));
	assert_false(tm_interop_is_ident(""));
	assert_false(tm_interop_is_ident(NULL));
}

static void test_idset_make(void **state)
{
	(void)state;
	tm_idset *ids = tm_idset_new();
	assert_string_equal(tm_idset_make(ids, NULL, "Web Application", "process"), "Web_Application");
	assert_string_equal(tm_idset_make(ids, NULL, "Web Application", "process"), "Web_Application_2");
	assert_string_equal(tm_idset_make(ids, NULL, "3e75b596-9c70", "process"), "_3e75b596-9c70");
	assert_string_equal(tm_idset_make(ids, NULL, "<script>alert(1)</script>", "x"), "script_alert_1_script");
	/* nothing usable: the stem, a keyword here, so numbered */
	assert_string_equal(tm_idset_make(ids, NULL, "!!!", "store"), "store_2");
	assert_string_equal(tm_idset_make(ids, NULL, "", "store"), "store_3");
	assert_string_equal(tm_idset_make(ids, NULL, "a - b", "x"), "a_b");
	/* keywords and `model` are taken from the start */
	assert_string_equal(tm_idset_make(ids, NULL, "process", "x"), "process_2");
	assert_string_equal(tm_idset_make(ids, NULL, "model", "x"), "model_2");
	/* children are unique by their dotted id */
	assert_string_equal(tm_idset_make(ids, "api", "store", "x"), "store");
	assert_string_equal(tm_idset_make(ids, "api", "store", "x"), "store_2");
	tm_idset_free(ids);
}

static void test_idset_make_cuts_long_names(void **state)
{
	(void)state;
	tm_idset *ids = tm_idset_new();
	char name[300];
	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	const char *id = tm_idset_make(ids, NULL, name, "x");
	assert_int_equal(strlen(id), 64);
	assert_true(tm_interop_is_ident(id));
	tm_idset_free(ids);
}

static void test_idset_take(void **state)
{
	(void)state;
	tm_idset *ids = tm_idset_new();
	assert_string_equal(tm_idset_take(ids, NULL, "api"), "api");
	assert_null(tm_idset_take(ids, NULL, "api"));
	assert_null(tm_idset_take(ids, NULL, "a b"));
	assert_null(tm_idset_take(ids, NULL, "flow"));
	assert_string_equal(tm_idset_take(ids, "api", "dal"), "dal");
	assert_null(tm_idset_take(ids, "api", "dal"));
	assert_string_equal(tm_idset_make(ids, NULL, "api", "x"), "api_2");
	tm_idset_free(ids);
}

/* ---- values ---- */

static void assert_value(const char *keyword, const char *name, const char *text, const char *want)
{
	tm_buf out = TM_BUF_INIT;
	bool ok = tm_interop_put_value(&out, keyword, name, text);
	if (want) {
		assert_true(ok);
		assert_string_equal(tm_buf_str(&out), want);
	} else {
		assert_false(ok);
	}
	tm_buf_free(&out);
}

static void test_put_value(void **state)
{
	(void)state;
	assert_value("process", "tech", "hono", "hono");
	assert_value("process", "rate_limit", "\"100/min\"", "\"100/min\"");
	assert_value("store", "stores", "[A-01,   A-02]", "[A-01, A-02]");
	assert_value("model", "date", "2026-03-24", "2026-03-24");
	assert_value("threat", "likelihood", "{ skill 2\n motive 3 }", "{ skill 2 motive 3 }");
	assert_value("threat", "on", "web -> api", "web -> api");
	assert_value("model", "description", "\"\"\"\n  two\n  lines\n  \"\"\"", "\"two\\nlines\"");
	assert_value("mitigation", "mitigates", "[T-01, STRIDE-T-*@*]", "[T-01, STRIDE-T-*@*]");
	/* more than one value, or anything that would add a statement */
	assert_value("model", "description", "\"ok\" }\nuse \"./evil.lua\"", NULL);
	assert_value("process", "tech", "hono # a comment", NULL);
	assert_value("process", "tech", "a b", NULL);
	assert_value("process", "tech", "", NULL);
	assert_value("process", "tech", "\"unterminated", NULL);
	assert_value("process", "bad name", "x", NULL);
}

static void test_is_finding(void **state)
{
	(void)state;
	assert_true(tm_interop_is_finding("STRIDE-I-02@web->api"));
	assert_true(tm_interop_is_finding("T-01"));
	assert_true(tm_interop_is_finding("*@legacy_*"));
	assert_true(tm_interop_is_finding("STRIDE-S-01@api.auth"));
	assert_false(tm_interop_is_finding(""));
	assert_false(tm_interop_is_finding("X@y \"r\" { by x }"));
	assert_false(tm_interop_is_finding("X@y\nprocess evil"));
	assert_false(tm_interop_is_finding("@@"));
}

static void test_put_note(void **state)
{
	(void)state;
	tm_buf out = TM_BUF_INIT;
	tm_interop_put_note(&out, "otm", "cost centre", "A \"b\"\n\x01");
	assert_string_equal(tm_buf_str(&out), "  x-otm-cost_centre \"A \\\"b\\\"\\n\\u{1}\"\n");
	tm_buf_free(&out);
}

/* ---- mappings ---- */

static void test_category(void **state)
{
	(void)state;
	assert_string_equal(tm_interop_category("Information disclosure"), "information_disclosure");
	assert_string_equal(tm_interop_category("Denial of Service"), "denial_of_service");
	assert_string_equal(tm_interop_category("Elevation of privilege"), "elevation_of_privilege");
	assert_string_equal(tm_interop_category("SPOOFING"), "spoofing");
	assert_string_equal(tm_interop_category("Non-repudiation"), "non_repudiation");
	assert_string_equal(tm_interop_category("Repudiation"), "repudiation");
	assert_string_equal(tm_interop_category("Linkability"), "linkability");
	assert_string_equal(tm_interop_category("Integrity"), "tampering");
	assert_string_equal(tm_interop_category("Availability"), "denial_of_service");
	assert_null(tm_interop_category("Weird"));
	assert_string_equal(tm_interop_impact_factor("denial_of_service"), "availability");
	assert_string_equal(tm_interop_impact_factor("spoofing"), "integrity");
	assert_string_equal(tm_interop_impact_factor("linkability"), "confidentiality");
	assert_string_equal(tm_interop_impact_factor("information_disclosure"), "confidentiality");
}

static void test_otm_risk(void **state)
{
	(void)state;
	assert_int_equal(tm_otm_percent(1.0), 33);
	assert_int_equal(tm_otm_percent(1.5), 50);
	assert_int_equal(tm_otm_percent(2.0), 67);
	assert_int_equal(tm_otm_percent(3.0), 100);
	assert_int_equal(tm_otm_sensitivity_percent(TM_SENS_NONE), 0);
	assert_int_equal(tm_otm_sensitivity_percent(TM_SENS_LOW), 25);
	assert_int_equal(tm_otm_sensitivity_percent(TM_SENS_CRITICAL), 100);
	assert_string_equal(tm_otm_state(TM_STATUS_OPEN), "exposed");
	assert_string_equal(tm_otm_state(TM_STATUS_PLANNED), "exposed");
	assert_string_equal(tm_otm_state(TM_STATUS_EXPIRED), "exposed");
	assert_string_equal(tm_otm_state(TM_STATUS_MITIGATED), "mitigated");
	assert_string_equal(tm_otm_state(TM_STATUS_ACCEPTED), "accepted");
	assert_string_equal(tm_otm_state(TM_STATUS_FALSE_POSITIVE), "not-applicable");
}

/* ---- importers ---- */

/* Imports text with the format; returns the model (free()) or NULL, and
 * the rendered diagnostics in *messages (free()). */
static char *import(const char *format, const char *text, char **messages)
{
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	const tm_source *src = tm_source_from_text(arena, "in.json", text, strlen(text));
	char *model = NULL;
	tm_interop_import(&model, tm_interop_find_format(format), arena, src, &diags);
	tm_buf out = TM_BUF_INIT;
	tm_diags_render(&out, &diags, false);
	*messages = tm_buf_detach(&out);
	tm_diags_free(&diags);
	tm_arena_free(arena);
	return model;
}

static void test_find_format(void **state)
{
	(void)state;
	assert_non_null(tm_interop_find_format("otm"));
	assert_non_null(tm_interop_find_format("threat-dragon"));
	assert_null(tm_interop_find_format("OTM"));
	assert_null(tm_interop_find_format(""));
}

static void test_import_otm_minimal(void **state)
{
	(void)state;
	char *messages;
	char *model = import("otm",
	                     "{\"otmVersion\": \"0.2.0\", \"project\": {\"name\": \"M\", \"id\": \"m\"},"
	                     " \"trustZones\": [{\"id\": \"z\", \"name\": \"Zone\", \"risk\": {\"trustRating\": 5}}],"
	                     " \"components\": [{\"id\": \"a\", \"name\": \"A\", \"type\": \"web-client\","
	                     "   \"parent\": {\"trustZone\": \"z\"}},"
	                     "  {\"id\": \"b\", \"name\": \"b\", \"type\": \"mysql-database\","
	                     "   \"parent\": {\"trustZone\": \"z\"}}],"
	                     " \"dataflows\": [{\"id\": \"1\", \"name\": \"\", \"source\": \"a\", \"destination\": \"b\"},"
	                     "  {\"id\": \"2\", \"name\": \"again\", \"source\": \"a\", \"destination\": \"b\"}]}",
	                     &messages);
	assert_string_equal(messages, "");
	assert_non_null(model);
	assert_string_equal(model, "model \"M\" { x-otm-id \"m\" }\n"
	                           "\n"
	                           "external a \"A\"\n"
	                           "\n"
	                           "store b\n"
	                           "\n"
	                           "boundary z \"Zone\" <a, b>\n"
	                           "\n"
	                           "flow a -> b { x-otm-id \"1\" }\n"
	                           "\n"
	                           "flow again: a -> b \"again\" { x-otm-id \"2\" }\n");
	free(model);
	free(messages);
}

static void test_import_otm_errors(void **state)
{
	(void)state;
	char *messages;
	char *model = import("otm", "[1, 2]", &messages);
	assert_null(model);
	assert_string_equal(messages, "error: in.json: at the top: expected an OTM document (an object), found an array\n"
	                              "1 error\n");
	free(messages);
	model = import("otm", "{\"otmVersion\": 2, \"project\": {\"name\": \"x\"}}", &messages);
	assert_null(model);
	assert_string_equal(messages, "error: in.json: at /otmVersion: expected a string, found a number\n1 error\n");
	free(messages);
	model = import("otm", "{\"otmVersion\": \"0.2.0\", \"project\": {\"name\": \"x\"}, \"a\": 1, \"a\": 2}", &messages);
	assert_null(model);
	assert_non_null(strstr(messages, "invalid JSON: duplicate object key near '\"a\"'"));
	free(messages);
	/* a key with '/' and '~' is escaped in the pointer (RFC 6901) */
	model = import("otm",
	               "{\"otmVersion\": \"0.2.0\", \"project\": {\"name\": \"x\", \"attributes\":"
	               " {\"threat:format\": 1, \"a/b~c\": \"v\"}}}",
	               &messages);
	assert_null(model);
	assert_string_equal(messages,
	                    "error: in.json: at /project/attributes/a~1b~0c: 'a/b~c' is not an attribute name\n1 error\n");
	free(messages);
}

static void test_import_threat_dragon_minimal(void **state)
{
	(void)state;
	char *messages;
	char *model = import(
	    "threat-dragon",
	    "{\"version\": \"2.2.0\", \"summary\": {\"title\": \"T\"}, \"detail\": {\"diagrams\": [{\"cells\": ["
	    "{\"id\": \"b\", \"shape\": \"trust-boundary-box\", \"position\": {\"x\": 0, \"y\": 0},"
	    " \"size\": {\"width\": 500, \"height\": 500}, \"data\": {\"type\": \"tm.BoundaryBox\", \"name\": \"B\"}},"
	    "{\"id\": \"p\", \"shape\": \"process\", \"position\": {\"x\": 10, \"y\": 10},"
	    " \"size\": {\"width\": 100, \"height\": 100}, \"data\": {\"type\": \"tm.Process\", \"name\": \"P\","
	    "  \"threats\": [{\"title\": \"X\", \"status\": \"Open\", \"severity\": \"Low\", \"type\": \"Tampering\"}]}},"
	    "{\"id\": \"a\", \"shape\": \"actor\", \"position\": {\"x\": 900, \"y\": 10},"
	    " \"size\": {\"width\": 100, \"height\": 100}, \"data\": {\"type\": \"tm.Actor\", \"name\": \"A\"}},"
	    "{\"id\": \"f\", \"shape\": \"flow\", \"source\": {\"cell\": \"a\"}, \"target\": {\"cell\": \"p\"},"
	    " \"data\": {\"type\": \"tm.Flow\", \"name\": \"\", \"isEncrypted\": true}}"
	    "]}]}}",
	    &messages);
	assert_string_equal(messages, "");
	assert_non_null(model);
	assert_string_equal(model, "model \"T\"\n"
	                           "\n"
	                           "process p \"P\"\n"
	                           "\n"
	                           "external a \"A\"\n"
	                           "\n"
	                           "boundary b \"B\" <p>\n"
	                           "\n"
	                           "flow a -> p { tls true  x-td-id \"f\" }\n"
	                           "\n"
	                           "threat T-1 \"X\" {\n"
	                           "  category tampering\n"
	                           "  on p\n"
	                           "  likelihood { skill 1  motive 1  opportunity 1  population 1  discoverability 1 }\n"
	                           "  impact { integrity 2 }\n"
	                           "  x-td-severity \"Low\"\n"
	                           "}\n");
	free(model);
	free(messages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_is_ident),
	    cmocka_unit_test(test_idset_make),
	    cmocka_unit_test(test_idset_make_cuts_long_names),
	    cmocka_unit_test(test_idset_take),
	    cmocka_unit_test(test_put_value),
	    cmocka_unit_test(test_is_finding),
	    cmocka_unit_test(test_put_note),
	    cmocka_unit_test(test_category),
	    cmocka_unit_test(test_otm_risk),
	    cmocka_unit_test(test_find_format),
	    cmocka_unit_test(test_import_otm_minimal),
	    cmocka_unit_test(test_import_otm_errors),
	    cmocka_unit_test(test_import_threat_dragon_minimal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
