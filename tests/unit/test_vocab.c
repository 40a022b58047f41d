/* Unit tests for src/model/vocab.c: declarations (the language's own, a
 * pack's, extensions and conflicts) and the check of a model's attributes,
 * with each typo's exact message, place and suggestion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "model/model.h"
#include "model/vocab.h"
#include "threat/status.h"

#define KIND(k) (1u << (k))

/* The vocabulary of the language plus a few pack attributes, as stride
 * declares them. */
static tm_vocab *pack_vocab(void)
{
	tm_vocab *vocab = tm_vocab_new();
	char error[256];
	tm_attr_decl rate_limit = {.name = "rate_limit",
	                           .doc = "requests are rate-limited",
	                           .kinds = KIND(TM_EL_PROCESS) | KIND(TM_EL_FLOW),
	                           .type = TM_AT_CONTROL};
	tm_attr_decl parameterized = {.name = "parameterized",
	                              .doc = "queries are parameterised",
	                              .kinds = KIND(TM_EL_PROCESS) | KIND(TM_EL_FLOW),
	                              .type = TM_AT_BOOL};
	assert_true(tm_vocab_declare(vocab, &rate_limit, "stride", error, sizeof error));
	assert_true(tm_vocab_declare(vocab, &parameterized, "stride", error, sizeof error));
	return vocab;
}

/* The diagnostics of checking `text` (which must resolve), rendered. */
static char *check_text(const char *text, bool strict, size_t *problems, tm_diags *diags)
{
	tm_model *model = NULL;
	assert_int_equal(tm_model_load_text(&model, "t.threat", text, strlen(text), diags), TM_OK);
	tm_vocab *vocab = pack_vocab();
	*problems = tm_vocab_check(vocab, model, diags, strict);
	tm_buf out = TM_BUF_INIT;
	tm_diags_render(&out, diags, false);
	tm_buf_puts(&out, "");
	tm_vocab_free(vocab);
	tm_model_free(model);
	return tm_buf_detach(&out);
}

static const char typos[] = "model \"m\" { date 2026-01-01 }\n"
                            "external partner_api { zone partnr }\n"
                            "process api { rate_limt true  TLS true }\n"
                            "store db { encrpyted true  rate_limit true }\n"
                            "flow api -> db { parametrized true  auth session_id }\n";

static void test_typos_are_warnings_with_suggestions(void **state)
{
	(void)state;
	tm_diags diags = {0};
	size_t problems;
	char *shown = check_text(typos, false, &problems, &diags);
	const char *expected =
	    "t.threat:2:29: warning: 'partnr' is not a value of zone (internet, partner, internal)\n"
	    "    2 | external partner_api { zone partnr }\n"
	    "      |                             ^~~~~~\n"
	    "note: did you mean 'partner'?\n"
	    "t.threat:3:15: warning: unknown attribute 'rate_limt' on process api\n"
	    "    3 | process api { rate_limt true  TLS true }\n"
	    "      |               ^~~~~~~~~\n"
	    "note: did you mean 'rate_limit'?\n"
	    "t.threat:3:31: warning: unknown attribute 'TLS' on process api\n"
	    "    3 | process api { rate_limt true  TLS true }\n"
	    "      |                               ^~~\n"
	    "note: did you mean 'tls'?\n"
	    "t.threat:4:12: warning: unknown attribute 'encrpyted' on store db\n"
	    "    4 | store db { encrpyted true  rate_limit true }\n"
	    "      |            ^~~~~~~~~\n"
	    "note: did you mean 'encrypted'?\n"
	    "t.threat:4:28: warning: attribute 'rate_limit' does not apply to a store (it applies to: "
	    "process, flow)\n"
	    "    4 | store db { encrpyted true  rate_limit true }\n"
	    "      |                            ^~~~~~~~~~\n"
	    "t.threat:5:18: warning: unknown attribute 'parametrized' on flow api->db\n"
	    "    5 | flow api -> db { parametrized true  auth session_id }\n"
	    "      |                  ^~~~~~~~~~~~\n"
	    "note: did you mean 'parameterized'?\n"
	    "t.threat:5:42: warning: 'session_id' is not a value of auth (";
	if (strncmp(shown, expected, strlen(expected)) != 0)
		print_error("got:\n%s", shown);
	assert_int_equal(strncmp(shown, expected, strlen(expected)), 0);
	assert_non_null(strstr(shown, "\n7 warnings\n"));
	assert_int_equal(problems, 7);
	assert_int_equal(diags.errors, 0);
	assert_int_equal(diags.warnings, 7);
	/* the suggestion, as JSON and SARIF take it from the note */
	char suggestion[32];
	assert_true(tm_note_suggestion(&diags.items[0].notes[0], suggestion, sizeof suggestion));
	assert_string_equal(suggestion, "partner");
	free(shown);
	tm_diags_free(&diags);
}

static void test_strict_makes_them_errors(void **state)
{
	(void)state;
	tm_diags diags = {0};
	size_t problems;
	char *shown = check_text(typos, true, &problems, &diags);
	assert_int_equal(problems, 7);
	assert_int_equal(diags.errors, 7);
	assert_int_equal(diags.warnings, 0);
	assert_non_null(strstr(shown, "t.threat:3:15: error: unknown attribute 'rate_limt' on process api\n"));
	free(shown);
	tm_diags_free(&diags);
}

static void test_types_lists_and_notes(void **state)
{
	(void)state;
	tm_diags diags = {0};
	size_t problems;
	char *shown = check_text("model \"m\" { date 2026-01-01  note \"free text\" }\n"
	                         "process api { tls true  x-ticket \"SEC-12\"  notes [a, b] }\n"
	                         "flow api -> api2 { tls true  auth [jwt, mtls, sesion] }\n"
	                         "process api2 { auth \"Keycloak and API keys\"  rate_limit 2026-01-01 }\n",
	                         false, &problems, &diags);
	const char *expected =
	    "t.threat:2:15: warning: attribute 'tls' does not apply to a process (it applies to: store, flow)\n"
	    "    2 | process api { tls true  x-ticket \"SEC-12\"  notes [a, b] }\n"
	    "      |               ^~~\n"
	    "t.threat:3:47: warning: 'sesion' is not a value of auth (";
	if (strncmp(shown, expected, strlen(expected)) != 0)
		print_error("got:\n%s", shown);
	assert_int_equal(strncmp(shown, expected, strlen(expected)), 0);
	assert_non_null(strstr(shown, "note: did you mean 'session'?\n"));
	assert_non_null(strstr(shown, "t.threat:4:57: warning: rate_limit takes true, false, or a word, "
	                              "string, number or list saying how, not a date\n"));
	assert_int_equal(problems, 3);
	free(shown);
	tm_diags_free(&diags);
}

static void test_clean_model_has_no_diagnostics(void **state)
{
	(void)state;
	tm_diags diags = {0};
	size_t problems;
	char *shown = check_text("model \"m\" { date 2026-01-01  status draft  reviewers [a, b] }\n"
	                         "asset A-1 { sensitivity high  pii true }\n"
	                         "external web { zone Internet  kind browser }\n"
	                         "process api { rate_limit \"100/min\"  parameterized true }\n"
	                         "store db { stores [A-1]  encrypted true  tls true }\n"
	                         "flow web -> api { protocol https  tls true  auth JWT  data [A-1] }\n"
	                         "threat T-1 \"t\" { category spoofing  on api  likelihood { skill 1 }  "
	                         "impact { integrity 1 } }\n"
	                         "mitigation M-1 { mitigates [T-1]  status planned  owner \"dev\" }\n",
	                         false, &problems, &diags);
	assert_string_equal(shown, "");
	assert_int_equal(problems, 0);
	free(shown);
	tm_diags_free(&diags);
}

static void test_declarations_extend_and_conflict(void **state)
{
	(void)state;
	tm_vocab *vocab = pack_vocab();
	char error[256];
	/* an organisation adds a zone and puts owner on processes */
	const char *values[] = {"third_party"};
	tm_attr_decl zone = {.name = "zone",
	                     .doc = "d",
	                     .kinds = KIND(TM_EL_EXTERNAL),
	                     .type = TM_AT_ENUM,
	                     .values = values,
	                     .nvalues = 1};
	assert_true(tm_vocab_declare(vocab, &zone, "acme", error, sizeof error));
	const tm_attr_decl *found = tm_vocab_find(vocab, "zone");
	assert_int_equal(found->nvalues, 4);
	assert_string_equal(found->values[3], "third_party");
	assert_int_equal(found->ndeclared_by, 2);
	assert_string_equal(found->declared_by[0], "language");
	assert_string_equal(found->declared_by[1], "acme");
	/* another type is a conflict */
	tm_attr_decl tls = {.name = "tls", .doc = "d", .kinds = KIND(TM_EL_PROCESS), .type = TM_AT_TEXT};
	assert_false(tm_vocab_declare(vocab, &tls, "acme", error, sizeof error));
	assert_string_equal(error, "'tls' is already declared as bool by language");
	tm_attr_decl note = {.name = "notes", .doc = "d", .kinds = KIND(TM_EL_PROCESS), .type = TM_AT_TEXT};
	assert_false(tm_vocab_declare(vocab, &note, "acme", error, sizeof error));
	assert_string_equal(error, "'notes' is a free-form note's name (x-... or note...): it cannot be declared");
	tm_attr_decl empty_enum = {.name = "tier", .doc = "d", .kinds = KIND(TM_EL_PROCESS), .type = TM_AT_ENUM};
	assert_false(tm_vocab_declare(vocab, &empty_enum, "acme", error, sizeof error));
	assert_string_equal(error, "'tier' is an enum: give its values");
	/* sorted by name */
	for (size_t i = 1; i < tm_vocab_count(vocab); i++)
		assert_true(strcmp(tm_vocab_get(vocab, i - 1)->name, tm_vocab_get(vocab, i)->name) < 0);
	assert_int_equal(tm_vocab_kind_of("mitigation"), TM_VK_MITIGATION);
	assert_int_equal(tm_vocab_kind_of("element"), -1);
	assert_int_equal(tm_vocab_type_of("control"), TM_AT_CONTROL);
	assert_int_equal(tm_vocab_type_of("string"), -1);
	tm_vocab_free(vocab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_typos_are_warnings_with_suggestions),
	    cmocka_unit_test(test_strict_makes_them_errors),
	    cmocka_unit_test(test_types_lists_and_notes),
	    cmocka_unit_test(test_clean_model_has_no_diagnostics),
	    cmocka_unit_test(test_declarations_extend_and_conflict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
