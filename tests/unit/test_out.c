/* Unit tests for src/out: the JSON writer (shape, numbers, escaping of
 * hostile strings), the terminal helpers (display width of wide and
 * combining characters, truncation, sanitising, the colour decision) and
 * the `check` writers in text and JSON, on a model and findings built by
 * hand so the tests do not depend on the parser or the rules. */
#include <setjmp.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/date.h"
#include "render/json.h"
#include "render/render.h"
#include "render/term.h"

/* ---- the fixture: a small model and three findings ---- */

static int32_t day(const char *text)
{
	int32_t days = 0;
	assert_true(tm_date_parse(text, strlen(text), &days));
	return days;
}

static tm_value *text_value(tm_value_kind kind, const char *text)
{
	tm_value *value = calloc(1, sizeof *value);
	value->kind = kind;
	value->text = text;
	value->len = strlen(text);
	return value;
}

static tm_value *list_value(size_t count, tm_value **items)
{
	tm_value *value = calloc(1, sizeof *value);
	value->kind = TM_VAL_LIST;
	value->items = items;
	value->nitems = count;
	return value;
}

static tm_attr *attr(const char *name, tm_value *value)
{
	tm_attr *a = calloc(1, sizeof *a);
	a->name = name;
	a->value = value;
	return a;
}

typedef struct fixture {
	tm_model model;
	tm_element el[11];
	tm_element *elements[11];
	tm_element *crossings_f1[1], *crossings_f3[1];
	tm_decl model_decl, tb02_decl;
	tm_block model_block, tb02_block;
	tm_block_item model_items[9], tb02_items[1];
	tm_value *values[16];
	size_t nvalues;
	tm_attr *attrs[16];
	size_t nattrs;
	tm_value *reviewer_items[2], *regulatory_items[1], *control_items[2];
	tm_findings findings;
	tm_finding items[3];
	tm_finding_about about[3];
	const char *t01_mitigations[2];
} fixture;

static tm_value *keep_value(fixture *fx, tm_value *value)
{
	fx->values[fx->nvalues++] = value;
	return value;
}

static tm_attr *keep_attr(fixture *fx, tm_attr *a)
{
	fx->attrs[fx->nattrs++] = a;
	return a;
}

static void element(tm_element *el, tm_element_kind kind, const char *id, const char *key, const char *label)
{
	el->kind = kind;
	el->id = id;
	el->key = key;
	el->label = label;
}

/* browser -> web -> api -> db, boundaries TB-01 (cluster) > TB-02 (db
 * zone), and an empty TB-03; the model statement lists its attributes out
 * of the JSON's order and carries one that is not meta. */
static fixture *fixture_new(void)
{
	fixture *fx = calloc(1, sizeof *fx);
	tm_element *browser = &fx->el[0], *web = &fx->el[1], *api = &fx->el[2], *db = &fx->el[3];
	tm_element *asset = &fx->el[4], *pages = &fx->el[5], *rest = &fx->el[6], *sql = &fx->el[7];
	tm_element *tb01 = &fx->el[8], *tb02 = &fx->el[9], *tb03 = &fx->el[10];
	element(browser, TM_EL_EXTERNAL, "browser", "browser", "Client browser");
	element(web, TM_EL_PROCESS, "web", "web", "Next.js app");
	element(api, TM_EL_PROCESS, "api", "api", "Hono API");
	element(db, TM_EL_STORE, "db", "db", "PostgreSQL");
	element(asset, TM_EL_ASSET, "A-02", "A-02", "user PII");
	element(pages, TM_EL_FLOW, NULL, "browser->web", "pages");
	element(rest, TM_EL_FLOW, NULL, "web->api", "REST calls");
	element(sql, TM_EL_FLOW, "sql", "sql", "queries");
	element(tb01, TM_EL_BOUNDARY, "TB-01", "TB-01", "Cluster");
	element(tb02, TM_EL_BOUNDARY, "TB-02", "TB-02", "Database zone");
	element(tb03, TM_EL_BOUNDARY, "TB-03", "TB-03", "TB-03");
	pages->source = browser;
	pages->target = web;
	rest->source = web;
	rest->target = api;
	rest->bidirectional = true;
	sql->source = api;
	sql->target = db;
	fx->crossings_f1[0] = tb01;
	pages->crossings = fx->crossings_f1;
	pages->ncrossings = 1;
	fx->crossings_f3[0] = tb02;
	sql->crossings = fx->crossings_f3;
	sql->ncrossings = 1;
	/* declared before its outer, to show nesting follows `outer`, not order */
	tb02->outer = tb01;
	for (size_t i = 0; i < 11; i++) {
		fx->el[i].index = i;
		fx->elements[i] = &fx->el[i];
	}
	/* the inner boundary comes first in the model */
	fx->elements[8] = tb02;
	fx->elements[9] = tb01;
	tb02->index = 8;
	tb01->index = 9;

	fx->control_items[0] = keep_value(fx, text_value(TM_VAL_STRING, "mTLS"));
	fx->control_items[1] = keep_value(fx, text_value(TM_VAL_STRING, "RLS"));
	fx->tb02_items[0].attr = keep_attr(fx, attr("controls", keep_value(fx, list_value(2, fx->control_items))));
	fx->tb02_block.items = fx->tb02_items;
	fx->tb02_block.count = 1;
	fx->tb02_decl.kind = TM_DECL_BOUNDARY;
	fx->tb02_decl.block = &fx->tb02_block;
	tb02->decl = &fx->tb02_decl;

	tm_value *date = keep_value(fx, text_value(TM_VAL_DATE, "2026-03-24"));
	date->date = day("2026-03-24");
	fx->reviewer_items[0] = keep_value(fx, text_value(TM_VAL_IDENT, "victoria"));
	fx->reviewer_items[1] = keep_value(fx, text_value(TM_VAL_IDENT, "pol"));
	fx->regulatory_items[0] = keep_value(fx, text_value(TM_VAL_STRING, "GDPR"));
	tm_value *pii = keep_value(fx, text_value(TM_VAL_BOOL, "true"));
	pii->boolean = true;
	tm_attr *model_attrs[] = {
		attr("description", keep_value(fx, text_value(TM_VAL_STRING, "Line one\nline two"))),
		attr("client", keep_value(fx, text_value(TM_VAL_STRING, "Acme B.V."))),
		attr("version", keep_value(fx, text_value(TM_VAL_STRING, "1.3"))),
		attr("date", date),
		attr("owner", keep_value(fx, text_value(TM_VAL_STRING, "not meta"))),
		attr("reviewers", keep_value(fx, list_value(2, fx->reviewer_items))),
		attr("status", keep_value(fx, text_value(TM_VAL_IDENT, "draft"))),
		attr("regulatory", keep_value(fx, list_value(1, fx->regulatory_items))),
		attr("pii", pii),
	};
	for (size_t i = 0; i < 9; i++)
		fx->model_items[i].attr = keep_attr(fx, model_attrs[i]);
	fx->model_block.items = fx->model_items;
	fx->model_block.count = 9;
	fx->model_decl.kind = TM_DECL_MODEL;
	fx->model_decl.block = &fx->model_block;

	fx->model.meta.name = "Customer \"Portal\"";
	fx->model.meta.decl = &fx->model_decl;
	fx->model.meta.date = day("2026-03-24");
	fx->model.meta.next_review = TM_NO_DATE;
	fx->model.elements = fx->elements;
	fx->model.nelements = 11;

	/* sorted as tm_findings_sort leaves them: risk first, then id */
	tm_finding *t01 = &fx->items[0];
	tm_finding_about *t01_about = &fx->about[0];
	t01->about = t01_about;
	t01->id = "T-01";
	t01_about->rule = "T-01";
	t01_about->framework = "STRIDE";
	t01_about->category = "spoofing";
	t01->element = web;
	t01->element_key = "web";
	t01_about->title = "Session hijacking via XSS";
	t01->likelihood = 8.0 / 3.0;
	t01->impact = 3;
	t01->likelihood_level = TM_SCORE_HIGH;
	t01->impact_level = TM_SCORE_HIGH;
	t01->risk = TM_RISK_CRITICAL;
	t01->status = TM_STATUS_PLANNED;
	t01->due = day("2026-03-25");
	fx->t01_mitigations[0] = "M-01";
	fx->t01_mitigations[1] = "M-02";
	t01->mitigations = fx->t01_mitigations;
	t01->nmitigations = 2;
	t01->file = "model.threat";
	t01->line = 30;

	tm_finding *leak = &fx->items[1];
	tm_finding_about *leak_about = &fx->about[1];
	leak->about = leak_about;
	leak->id = "STRIDE-I-02@browser->web";
	leak_about->rule = "STRIDE-I-02";
	leak_about->framework = "STRIDE";
	leak_about->category = "information_disclosure";
	leak->element = pages;
	leak->element_key = "browser->web";
	leak_about->title = "数据泄露 via 🔥 unencrypted flow";
	leak->detail = "the flow has no tls";
	leak->likelihood = 2.2;
	leak->impact = 3;
	leak->likelihood_level = TM_SCORE_MEDIUM;
	leak->impact_level = TM_SCORE_HIGH;
	leak->risk = TM_RISK_HIGH;
	leak->status = TM_STATUS_OPEN;
	leak->due = day("2026-03-31");
	leak->file = "model.threat";
	leak->line = 12;

	tm_finding *review = &fx->items[2];
	tm_finding_about *review_about = &fx->about[2];
	review->about = review_about;
	review->id = "HYGIENE-01@model";
	review_about->rule = "HYGIENE-01";
	review_about->framework = "CHECK";
	review_about->category = "check";
	review->element_key = "";
	review_about->title = "No next review scheduled";
	review->likelihood = 1.4;
	review->impact = 2;
	review->likelihood_level = TM_SCORE_LOW;
	review->impact_level = TM_SCORE_MEDIUM;
	review->risk = TM_RISK_LOW;
	review->status = TM_STATUS_ACCEPTED;
	review->due = TM_NO_DATE;

	fx->findings.items = fx->items;
	fx->findings.count = 3;
	fx->findings.cap = 3;
	return fx;
}

static void fixture_free(fixture *fx)
{
	for (size_t i = 0; i < fx->nvalues; i++)
		free(fx->values[i]);
	for (size_t i = 0; i < fx->nattrs; i++)
		free(fx->attrs[i]);
	free(fx);
}

static int setup(void **state)
{
	*state = fixture_new();
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* ---- the JSON writer ---- */

static void test_json_shape(void **state)
{
	(void)state;
	tm_buf buf = TM_BUF_INIT;
	tm_json json;
	tm_json_init(&json, &buf);
	tm_json_begin_object(&json);
	tm_json_key(&json, "empty_object");
	tm_json_begin_object(&json);
	tm_json_end_object(&json);
	tm_json_key(&json, "empty_array");
	tm_json_begin_array(&json);
	tm_json_end_array(&json);
	tm_json_key(&json, "list");
	tm_json_begin_array(&json);
	tm_json_int(&json, -7);
	tm_json_bool(&json, true);
	tm_json_bool(&json, false);
	tm_json_null(&json);
	tm_json_begin_object(&json);
	tm_json_key(&json, "k");
	tm_json_string(&json, NULL);
	tm_json_end_object(&json);
	tm_json_end_array(&json);
	tm_json_key(&json, "date");
	tm_json_date(&json, day("2026-02-28"));
	tm_json_key(&json, "no_date");
	tm_json_date(&json, TM_NO_DATE);
	tm_json_end_object(&json);
	assert_string_equal(tm_buf_str(&buf), "{\n"
	                                      "  \"empty_object\": {},\n"
	                                      "  \"empty_array\": [],\n"
	                                      "  \"list\": [\n"
	                                      "    -7,\n"
	                                      "    true,\n"
	                                      "    false,\n"
	                                      "    null,\n"
	                                      "    {\n"
	                                      "      \"k\": null\n"
	                                      "    }\n"
	                                      "  ],\n"
	                                      "  \"date\": \"2026-02-28\",\n"
	                                      "  \"no_date\": null\n"
	                                      "}");
	tm_buf_free(&buf);
}

static const char *number_text(tm_buf *buf, double value)
{
	tm_json json;
	tm_buf_clear(buf);
	tm_json_init(&json, buf);
	tm_json_number(&json, value);
	return tm_buf_str(buf);
}

static void test_json_numbers(void **state)
{
	(void)state;
	tm_buf buf = TM_BUF_INIT;
	assert_string_equal(number_text(&buf, 3), "3");
	assert_string_equal(number_text(&buf, 0), "0");
	assert_string_equal(number_text(&buf, -0.0), "0");
	assert_string_equal(number_text(&buf, -0.001), "0");
	assert_string_equal(number_text(&buf, 2.2), "2.2");
	assert_string_equal(number_text(&buf, 1.5), "1.5");
	assert_string_equal(number_text(&buf, 8.0 / 3.0), "2.67");
	assert_string_equal(number_text(&buf, 7.0 / 3.0), "2.33");
	assert_string_equal(number_text(&buf, 2.999), "3");
	assert_string_equal(number_text(&buf, 10), "10");
	assert_string_equal(number_text(&buf, 100.5), "100.5");
	assert_string_equal(number_text(&buf, -1.25), "-1.25");
	assert_string_equal(number_text(&buf, 1e6), "1000000");
	assert_string_equal(number_text(&buf, NAN), "null");
	assert_string_equal(number_text(&buf, INFINITY), "null");
	/* the largest double still prints as plain digits, no exponent */
	const char *huge = number_text(&buf, 1.7976931348623157e308);
	assert_int_equal(strlen(huge), 309);
	assert_true(strspn(huge, "0123456789") == 309);
	tm_buf_free(&buf);
}

static const char *escaped(tm_buf *buf, const char *text, size_t len)
{
	tm_buf_clear(buf);
	tm_json_escape(buf, text, len);
	return tm_buf_str(buf);
}

static void test_json_escaping(void **state)
{
	(void)state;
	tm_buf buf = TM_BUF_INIT;
#define ESC(lit) escaped(&buf, lit, sizeof(lit) - 1)
	assert_string_equal(ESC("plain"), "\"plain\"");
	assert_string_equal(ESC("say \"hi\" \\ bye"), "\"say \\\"hi\\\" \\\\ bye\"");
	/* newlines and tabs are text; CRLF is a newline; a lone CR, \b and \f
	 * are controls */
	assert_string_equal(ESC("a\nb\tc\r\nd\re\bf\fg"),
	                    "\"a\\nb\\tc\\nd\xef\xbf\xbd" "e\xef\xbf\xbd" "f\xef\xbf\xbdg\"");
	assert_string_equal(ESC("\x01\x1b[31m\x1f\x7f"),
	                    "\"\xef\xbf\xbd\xef\xbf\xbd[31m\xef\xbf\xbd\xef\xbf\xbd\"");
	/* an embedded NUL is data, not the end */
	assert_string_equal(ESC("a\0b"), "\"a\xef\xbf\xbd" "b\"");
	/* JavaScript line terminators, C1 CSI, a bidi override and an isolate */
	assert_string_equal(ESC("x\xe2\x80\xa8y\xe2\x80\xa9z"), "\"x\xef\xbf\xbdy\xef\xbf\xbdz\"");
	assert_string_equal(ESC("a\xc2\x9b" "b\xe2\x80\xae" "c\xe2\x81\xa6" "d"),
	                    "\"a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d\"");
	/* valid UTF-8 passes through */
	assert_string_equal(ESC("é 漢字 🔥 →"), "\"é 漢字 🔥 →\"");
	/* invalid UTF-8: a stray continuation, a lone lead byte, a truncated
	 * sequence (one U+FFFD for it), an overlong '/', a surrogate, beyond
	 * U+10FFFF, and a truncated sequence at the very end */
	assert_string_equal(ESC("a\x80z"), "\"a\xef\xbf\xbdz\"");
	assert_string_equal(ESC("a\xffz"), "\"a\xef\xbf\xbdz\"");
	assert_string_equal(ESC("a\xe2\x82z"), "\"a\xef\xbf\xbdz\"");
	assert_string_equal(ESC("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_string_equal(ESC("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_string_equal(ESC("\xf4\x90\x80\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_string_equal(ESC("end\xf0\x9f\x94"), "\"end\xef\xbf\xbd\"");
#undef ESC
	/* keys are escaped too */
	tm_json json;
	tm_buf_clear(&buf);
	tm_json_init(&json, &buf);
	tm_json_begin_object(&json);
	tm_json_key(&json, "k\"\n");
	tm_json_string(&json, "v");
	tm_json_end_object(&json);
	assert_string_equal(tm_buf_str(&buf), "{\n  \"k\\\"\\n\": \"v\"\n}");
	tm_buf_free(&buf);
}

static void test_json_value(void **state)
{
	(void)state;
	tm_value *one = text_value(TM_VAL_NUMBER, "1");
	one->number = 1;
	tm_value *half = text_value(TM_VAL_NUMBER, "0.5");
	half->number = 0.5;
	tm_value *word = text_value(TM_VAL_IDENT, "x");
	tm_value *text = text_value(TM_VAL_STRING, "y");
	tm_value *items[] = {word, text};
	tm_value *list = list_value(2, items);
	tm_value *flag = text_value(TM_VAL_BOOL, "false");
	tm_value *date = text_value(TM_VAL_DATE, "2026-06-24");
	date->date = day("2026-06-24");
	tm_value ref = {.kind = TM_VAL_REF};
	static tm_ref finding_ref;
	ref.ref = &finding_ref;
	ref.ref->kind = TM_REF_FINDING;
	ref.ref->rule = "STRIDE-T-01";
	ref.ref->name = "web";
	ref.ref->target = "api";
	ref.ref->bidirectional = true;
	tm_attr a1 = {.name = "a", .value = one}, b = {.name = "b", .value = list}, c = {.name = "c", .value = flag};
	tm_attr d = {.name = "d", .value = date}, r = {.name = "r", .value = &ref};
	tm_attr a2 = {.name = "a", .value = half};
	tm_block_item block_items[] = {{&a1, NULL}, {&b, NULL}, {&c, NULL}, {&d, NULL}, {&r, NULL}, {&a2, NULL}};
	tm_block block = {block_items, 6, {0}};
	tm_value object = {.kind = TM_VAL_BLOCK, .block = &block};

	tm_buf buf = TM_BUF_INIT;
	tm_json json;
	tm_json_init(&json, &buf);
	tm_json_value(&json, &object);
	/* a repeated name keeps its last value, where the last one stands */
	assert_string_equal(tm_buf_str(&buf), "{\n"
	                                      "  \"b\": [\n"
	                                      "    \"x\",\n"
	                                      "    \"y\"\n"
	                                      "  ],\n"
	                                      "  \"c\": false,\n"
	                                      "  \"d\": \"2026-06-24\",\n"
	                                      "  \"r\": \"STRIDE-T-01@web<->api\",\n"
	                                      "  \"a\": 0.5\n"
	                                      "}");
	tm_buf_clear(&buf);
	tm_json_init(&json, &buf);
	tm_json_value(&json, NULL);
	assert_string_equal(tm_buf_str(&buf), "null");
	tm_buf_free(&buf);
	free(one);
	free(half);
	free(word);
	free(text);
	free(list);
	free(flag);
	free(date);
}

/* ---- terminal helpers ---- */

static void test_term_width(void **state)
{
	(void)state;
	assert_int_equal(tm_term_width(NULL), 0);
	assert_int_equal(tm_term_width(""), 0);
	assert_int_equal(tm_term_width("abc"), 3);
	assert_int_equal(tm_term_width("漢字"), 4);
	assert_int_equal(tm_term_width("한국"), 4);
	assert_int_equal(tm_term_width("ｆｕｌｌ"), 8);
	assert_int_equal(tm_term_width("🔥x"), 3);
	assert_int_equal(tm_term_width("e\xcc\x81"), 1); /* e + combining acute */
	assert_int_equal(tm_term_width("→ é"), 3);
	assert_int_equal(tm_term_width("a\x1b" "b"), 3);   /* ESC shows as '?' */
	assert_int_equal(tm_term_width("\xff"), 1);        /* U+FFFD */
	assert_int_equal(tm_term_char_width(0x4E00), 2);
	assert_int_equal(tm_term_char_width(0x0301), 0);
	assert_int_equal(tm_term_char_width(0x200B), 0);
	assert_int_equal(tm_term_char_width('A'), 1);
}

static const char *sanitized(tm_buf *buf, const char *text)
{
	tm_buf_clear(buf);
	tm_term_sanitize(buf, text);
	return tm_buf_str(buf);
}

static void test_term_sanitize(void **state)
{
	(void)state;
	tm_buf buf = TM_BUF_INIT;
	assert_string_equal(sanitized(&buf, "ok 漢字"), "ok 漢字");
	assert_string_equal(sanitized(&buf, "evil\x1b[31mred\x1b[0m"),
	                    "evil\xef\xbf\xbd[31mred\xef\xbf\xbd[0m");
	/* line breaks and tabs keep the text on one line */
	assert_string_equal(sanitized(&buf, "bell\a tab\t nl\n cr\r del\x7f"),
	                    "bell\xef\xbf\xbd tab  nl  cr  del\xef\xbf\xbd");
	/* C1 CSI (U+009B), a bidi override (U+202E) and an isolate (U+2066) */
	assert_string_equal(sanitized(&buf, "a\xc2\x9b" "b\xe2\x80\xae" "c\xe2\x81\xa6" "d"),
	                    "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d");
	/* no text starts a GitHub Actions workflow command, even after white
	 * space or a line break; "::" further on is left alone */
	assert_string_equal(sanitized(&buf, "::warning::x"), "\xef\xbf\xbd:warning::x");
	assert_string_equal(sanitized(&buf, " \n::error::y"), "  \xef\xbf\xbd:error::y");
	assert_string_equal(sanitized(&buf, "std::vector"), "std::vector");
	/* a raw 0x9B byte is invalid UTF-8: replaced, never passed on */
	assert_string_equal(sanitized(&buf, "x\x9by"), "x\xef\xbf\xbdy");
	tm_buf_clear(&buf);
	tm_term_sanitize(&buf, NULL);
	assert_string_equal(tm_buf_str(&buf), "");
	tm_buf_free(&buf);
}

static const char *fitted(tm_buf *buf, const char *text, size_t max, size_t *width)
{
	tm_buf_clear(buf);
	*width = tm_term_fit(buf, text, max);
	return tm_buf_str(buf);
}

static void test_term_fit(void **state)
{
	(void)state;
	tm_buf buf = TM_BUF_INIT;
	size_t width;
	assert_string_equal(fitted(&buf, "short", 10, &width), "short");
	assert_int_equal(width, 5);
	assert_string_equal(fitted(&buf, "exactly", 7, &width), "exactly");
	assert_int_equal(width, 7);
	assert_string_equal(fitted(&buf, "too long", 5, &width), "too …");
	assert_int_equal(width, 5);
	/* a wide character that would straddle the limit is left out */
	assert_string_equal(fitted(&buf, "漢字漢字", 5, &width), "漢字…");
	assert_int_equal(width, 5);
	assert_string_equal(fitted(&buf, "漢字漢字", 4, &width), "漢…");
	assert_int_equal(width, 3);
	assert_string_equal(fitted(&buf, "🔥🔥🔥", 4, &width), "🔥…");
	assert_int_equal(width, 3);
	assert_string_equal(fitted(&buf, "ab", 1, &width), "…");
	assert_int_equal(width, 1);
	assert_string_equal(fitted(&buf, "ab", 0, &width), "");
	assert_int_equal(width, 0);
	/* sanitised while cut */
	assert_string_equal(fitted(&buf, "\x1b[2Jwipe", 4, &width), "\xef\xbf\xbd[2…");
	assert_string_equal(fitted(&buf, "::add-mask::secret", 6, &width), "\xef\xbf\xbd:add…");
	assert_int_equal(width, 6);
	tm_buf_free(&buf);
}

static void test_term_color(void **state)
{
	(void)state;
	assert_true(tm_term_color_wanted(true, NULL));
	assert_true(tm_term_color_wanted(true, ""));
	assert_false(tm_term_color_wanted(true, "1"));
	assert_false(tm_term_color_wanted(true, "0")); /* any non-empty value */
	assert_false(tm_term_color_wanted(false, NULL));
	assert_false(tm_term_color_wanted(false, ""));
	/* a regular file is not a terminal */
	FILE *file = tmpfile();
	assert_non_null(file);
	assert_false(tm_term_color(file));
	assert_int_equal(tm_term_columns(file), 0);
	fclose(file);
}

/* ---- `check` as JSON ---- */

static const char *const expected_json =
    "{\n"
    "  \"model\": {\n"
    "    \"name\": \"Customer \\\"Portal\\\"\",\n"
    "    \"client\": \"Acme B.V.\",\n"
    "    \"version\": \"1.3\",\n"
    "    \"date\": \"2026-03-24\",\n"
    "    \"reviewers\": [\n"
    "      \"victoria\",\n"
    "      \"pol\"\n"
    "    ],\n"
    "    \"status\": \"draft\",\n"
    "    \"regulatory\": [\n"
    "      \"GDPR\"\n"
    "    ],\n"
    "    \"description\": \"Line one\\nline two\"\n"
    "  },\n"
    "  \"findings\": [\n"
    "    {\n"
    "      \"id\": \"T-01\",\n"
    "      \"rule\": \"T-01\",\n"
    "      \"framework\": \"STRIDE\",\n"
    "      \"category\": \"spoofing\",\n"
    "      \"element\": \"web\",\n"
    "      \"title\": \"Session hijacking via XSS\",\n"
    "      \"detail\": null,\n"
    "      \"likelihood\": 2.67,\n"
    "      \"impact\": 3,\n"
    "      \"likelihood_level\": \"High\",\n"
    "      \"impact_level\": \"High\",\n"
    "      \"risk\": \"CRITICAL\",\n"
    "      \"status\": \"planned\",\n"
    "      \"due\": \"2026-03-25\",\n"
    "      \"overdue\": false,\n"
    "      \"mitigations\": [\n"
    "        \"M-01\",\n"
    "        \"M-02\"\n"
    "      ],\n"
    "      \"file\": \"model.threat\",\n"
    "      \"line\": 30\n"
    "    },\n"
    "    {\n"
    "      \"id\": \"STRIDE-I-02@browser->web\",\n"
    "      \"rule\": \"STRIDE-I-02\",\n"
    "      \"framework\": \"STRIDE\",\n"
    "      \"category\": \"information_disclosure\",\n"
    "      \"element\": \"browser->web\",\n"
    "      \"title\": \"数据泄露 via 🔥 unencrypted flow\",\n"
    "      \"detail\": \"the flow has no tls\",\n"
    "      \"likelihood\": 2.2,\n"
    "      \"impact\": 3,\n"
    "      \"likelihood_level\": \"Medium\",\n"
    "      \"impact_level\": \"High\",\n"
    "      \"risk\": \"HIGH\",\n"
    "      \"status\": \"open\",\n"
    "      \"due\": \"2026-03-31\",\n"
    "      \"overdue\": false,\n"
    "      \"mitigations\": [],\n"
    "      \"file\": \"model.threat\",\n"
    "      \"line\": 12\n"
    "    },\n"
    "    {\n"
    "      \"id\": \"HYGIENE-01@model\",\n"
    "      \"rule\": \"HYGIENE-01\",\n"
    "      \"framework\": \"CHECK\",\n"
    "      \"category\": \"check\",\n"
    "      \"element\": null,\n"
    "      \"title\": \"No next review scheduled\",\n"
    "      \"detail\": null,\n"
    "      \"likelihood\": 1.4,\n"
    "      \"impact\": 2,\n"
    "      \"likelihood_level\": \"Low\",\n"
    "      \"impact_level\": \"Medium\",\n"
    "      \"risk\": \"LOW\",\n"
    "      \"status\": \"accepted\",\n"
    "      \"due\": null,\n"
    "      \"overdue\": false,\n"
    "      \"mitigations\": [],\n"
    "      \"file\": null,\n"
    "      \"line\": null\n"
    "    }\n"
    "  ],\n"
    "  \"groups\": [],\n"
    "  \"summary\": {\n"
    "    \"CRITICAL\": 1,\n"
    "    \"HIGH\": 1,\n"
    "    \"MEDIUM\": 0,\n"
    "    \"LOW\": 1,\n"
    "    \"INFO\": 0,\n"
    "    \"total\": 3,\n"
    "    \"statuses\": {\n"
    "      \"open\": 1,\n"
    "      \"planned\": 1,\n"
    "      \"mitigated\": 0,\n"
    "      \"accepted\": 1,\n"
    "      \"expired\": 0,\n"
    "      \"false_positive\": 0\n"
    "    },\n"
    "    \"overdue\": 0,\n"
    "    \"top\": [\n"
    "      \"STRIDE-I-02@browser->web\"\n"
    "    ]\n"
    "  }\n"
    "}\n";

static void test_check_json(void **state)
{
	fixture *fx = *state;
	tm_buf buf = TM_BUF_INIT;
	tm_render_check_json(&buf, &fx->model, &fx->findings, NULL);
	assert_string_equal(tm_buf_str(&buf), expected_json);
	tm_buf_free(&buf);
}

static void test_check_json_hostile(void **state)
{
	fixture *fx = *state;
	fx->findings.count = 1;
	fx->about[0].title = "\"quoted\" \\ \x1b[31m\n\xff\xe2\x80\xa8";
	fx->items[0].detail = "tab\there";
	fx->model.meta.name = NULL;
	fx->model.meta.decl = NULL;
	tm_buf buf = TM_BUF_INIT;
	tm_render_check_json(&buf, &fx->model, &fx->findings, NULL);
	const char *text = tm_buf_str(&buf);
	assert_non_null(strstr(text, "  \"model\": {\n    \"name\": null\n  },\n"));
	assert_non_null(
	    strstr(text, "      \"title\": \"\\\"quoted\\\" \\\\ \xef\xbf\xbd[31m\\n\xef\xbf\xbd\xef\xbf\xbd\",\n"
	                 "      \"detail\": \"tab\\there\",\n"));
	assert_non_null(strstr(text, "\"CRITICAL\": 1,\n    \"HIGH\": 0,"));
	tm_buf_free(&buf);
}

static void test_check_json_empty(void **state)
{
	(void)state;
	tm_model model = {0};
	model.meta.name = "Empty";
	tm_findings none = {0};
	tm_diags diags = {0};
	tm_buf buf = TM_BUF_INIT;
	tm_render_check_json(&buf, &model, &none, &diags);
	assert_string_equal(tm_buf_str(&buf), "{\n"
	                                      "  \"model\": {\n"
	                                      "    \"name\": \"Empty\"\n"
	                                      "  },\n"
	                                      "  \"findings\": [],\n"
	                                      "  \"groups\": [],\n"
	                                      "  \"summary\": {\n"
	                                      "    \"CRITICAL\": 0,\n"
	                                      "    \"HIGH\": 0,\n"
	                                      "    \"MEDIUM\": 0,\n"
	                                      "    \"LOW\": 0,\n"
	                                      "    \"INFO\": 0,\n"
	                                      "    \"total\": 0,\n"
	                                      "    \"statuses\": {\n"
	                                      "      \"open\": 0,\n"
	                                      "      \"planned\": 0,\n"
	                                      "      \"mitigated\": 0,\n"
	                                      "      \"accepted\": 0,\n"
	                                      "      \"expired\": 0,\n"
	                                      "      \"false_positive\": 0\n"
	                                      "    },\n"
	                                      "    \"overdue\": 0,\n"
	                                      "    \"top\": []\n"
	                                      "  },\n"
	                                      "  \"diagnostics\": []\n"
	                                      "}\n");
	tm_buf_free(&buf);
}

/* The diagnostics array: in place order, each with its place, notes and
 * suggestion; placeless ones first, with null places; text escaped. */
static void test_check_json_diagnostics(void **state)
{
	(void)state;
	tm_arena *arena = tm_arena_new();
	const char *text = "model \"m\"\nprocess api { rate_limt true }\n";
	tm_source *src = tm_source_from_text(arena, "m.threat", text, strlen(text));
	tm_diags diags = {0};
	tm_diag *d = tm_diag_warning(&diags, (tm_span){src, 24, 33}, "unknown attribute '%s' on process api",
	                             "rate_limt");
	tm_diag_note(d, (tm_span){0}, "did you mean 'rate_limit'?");
	d = tm_diag_error(&diags, (tm_span){0}, "pack \"x\"\n failed");
	tm_diag_note(d, (tm_span){src, 0, 5}, "used here");
	tm_model model = {0};
	tm_findings none = {0};
	tm_buf buf = TM_BUF_INIT;
	tm_render_check_json(&buf, &model, &none, &diags);
	const char *expected = "  \"diagnostics\": [\n"
	                       "    {\n"
	                       "      \"severity\": \"error\",\n"
	                       "      \"message\": \"pack \\\"x\\\"\\n failed\",\n"
	                       "      \"file\": null,\n"
	                       "      \"line\": null,\n"
	                       "      \"column\": null,\n"
	                       "      \"notes\": [\n"
	                       "        {\n"
	                       "          \"message\": \"used here\",\n"
	                       "          \"file\": \"m.threat\",\n"
	                       "          \"line\": 1,\n"
	                       "          \"column\": 1\n"
	                       "        }\n"
	                       "      ]\n"
	                       "    },\n"
	                       "    {\n"
	                       "      \"severity\": \"warning\",\n"
	                       "      \"message\": \"unknown attribute 'rate_limt' on process api\",\n"
	                       "      \"file\": \"m.threat\",\n"
	                       "      \"line\": 2,\n"
	                       "      \"column\": 15,\n"
	                       "      \"notes\": [\n"
	                       "        {\n"
	                       "          \"message\": \"did you mean 'rate_limit'?\"\n"
	                       "        }\n"
	                       "      ],\n"
	                       "      \"suggestion\": \"rate_limit\"\n"
	                       "    }\n"
	                       "  ]\n"
	                       "}\n";
	const char *out = tm_buf_str(&buf);
	if (!strstr(out, expected))
		print_error("got:\n%s", out);
	assert_non_null(strstr(out, expected));
	tm_buf_free(&buf);
	tm_diags_free(&diags);
	tm_arena_free(arena);
}

/* ---- `check` as text ---- */

static const char *const expected_text_model =
    "Customer \"Portal\": 5 elements (1 external, 2 process, 1 store, 1 asset), 3 flows, 3 boundaries\n";

static const char *const expected_text_boundaries =
    "\n"
    "Trust boundaries\n"
    "  TB-01 \"Cluster\"\n"
    "    browser -> web \"pages\"\n"
    "    TB-02 \"Database zone\" — controls: mTLS, RLS\n"
    "      sql: api -> db \"queries\"\n"
    "  TB-03\n"
    "    (no flow crosses it)\n"
    "\n";

static const char *const expected_text_summary =
    "\n"
    "3 findings: 1 CRITICAL, 1 HIGH, 0 MEDIUM, 1 LOW, 0 INFO — 1 open, 1 planned, 1 accepted\n";

static char *text_of(fixture *fx, bool color, int width)
{
	tm_render_options opts = {color, width};
	tm_buf buf = TM_BUF_INIT;
	tm_render_check_text(&buf, &fx->model, &fx->findings, &opts);
	return tm_buf_detach(&buf);
}

/* The summary section of the fixture's findings, for a given table of the
 * highest open risks. */
static const char *const expected_text_counts =
    "\n"
    "Summary\n"
    "  3 findings: 1 CRITICAL, 1 HIGH, 0 MEDIUM, 1 LOW, 0 INFO — 1 open, 1 planned, 1 accepted\n";

static void assert_text(const char *text, const char *summary, const char *table)
{
	tm_buf expected = TM_BUF_INIT;
	tm_buf_puts(&expected, expected_text_model);
	tm_buf_puts(&expected, expected_text_counts);
	tm_buf_puts(&expected, summary);
	tm_buf_puts(&expected, expected_text_boundaries);
	tm_buf_puts(&expected, table);
	tm_buf_puts(&expected, expected_text_summary);
	assert_string_equal(text, tm_buf_str(&expected));
	tm_buf_free(&expected);
}

/* The display column at which the last `word` starts in `line` (which
 * must hold it). */
static size_t column_of(const char *line, size_t len, const char *word)
{
	char *copy = strndup(line, len);
	char *at = NULL;
	for (char *next = strstr(copy, word); next; next = strstr(next + 1, word))
		at = next;
	assert_non_null(at);
	*at = '\0';
	size_t column = tm_term_width(copy);
	free(copy);
	return column;
}

static void test_check_text(void **state)
{
	fixture *fx = *state;
	fx->items[1].overdue = true;
	char *text = text_of(fx, false, 0);
	/* no width: nothing is cut; the wide title sets the column. The open
	 * finding is the highest open risk, and overdue. */
	assert_text(text,
	            "  1 overdue\n"
	            "\n"
	            "Highest open risks\n"
	            "  RISK  ID                        ELEMENT       TITLE                             STATUS  DUE\n"
	            "  HIGH  STRIDE-I-02@browser->web  browser->web  数据泄露 via 🔥 unencrypted flow  open    2026-03-31 overdue\n"
	            "\n"
	            "Overdue\n"
	            "  RISK  ID                        ELEMENT       TITLE                             STATUS  DUE\n"
	            "  HIGH  STRIDE-I-02@browser->web  browser->web  数据泄露 via 🔥 unencrypted flow  open    2026-03-31 overdue\n",
	            "Findings\n"
	            "  RISK      ID                        ELEMENT       TITLE                             STATUS    DUE\n"
	            "  CRITICAL  T-01                      web           Session hijacking via XSS         planned   2026-03-25\n"
	            "  HIGH      STRIDE-I-02@browser->web  browser->web  数据泄露 via 🔥 unencrypted flow  open      2026-03-31 overdue\n"
	            "              the flow has no tls\n"
	            "  LOW       HYGIENE-01@model          -             No next review scheduled          accepted  -\n");
	/* every row's STATUS and DUE start in the header's display column,
	 * whatever the byte lengths of the wide characters before them */
	const char *table = strstr(text, "  RISK      ");
	assert_non_null(table);
	size_t status_column = column_of(table, strcspn(table, "\n"), "STATUS");
	size_t due_column = column_of(table, strcspn(table, "\n"), "DUE");
	static const char *const statuses[] = {"planned", "open", "accepted"};
	static const char *const dues[] = {"2026-03-25", "2026-03-31", "-"};
	const char *line = table;
	for (size_t row = 0; row < 3; row++) {
		line = strchr(line, '\n') + 1;
		if (strncmp(line, "              ", 14) == 0) /* a detail line */
			line = strchr(line, '\n') + 1;
		size_t len = strcspn(line, "\n");
		assert_int_equal(column_of(line, len, statuses[row]), status_column);
		assert_int_equal(column_of(line, len, dues[row]), due_column);
	}
	free(text);
}

/* A report of 20,000 findings or more is written in parts on two
 * threads, its table in runs of 16,384 rows (check_text.c): the parts
 * come out in their places, whole, the same into a buffer and through a
 * sink, and as the one-thread writer lays them out. 40,001 rows are three
 * runs, the last without a second one beside it. */
static void test_check_text_large(void **state)
{
	fixture *fx = *state;
	enum { N = 40001 };
	tm_finding_about about = {.rule = "R", .title = "Title"};
	tm_findings many;
	tm_findings_init(&many);
	for (int i = 0; i < N; i++) {
		tm_finding *f = tm_findings_add(&many);
		f->id = tm_arena_printf(many.arena, "R-%05d@e%05d", i, i);
		f->element_key = tm_arena_printf(many.arena, "e%05d", i);
		f->about = &about;
		f->risk = TM_RISK_INFO;
		f->status = TM_STATUS_OPEN;
		f->due = TM_NO_DATE;
		f->detail = i % 3 == 0 ? tm_arena_printf(many.arena, "detail %d", i) : NULL;
	}
	tm_buf expected = TM_BUF_INIT;
	tm_buf_puts(&expected, expected_text_model);
	/* INFO is no open risk to list; one rule on every element is a group */
	tm_buf_printf(&expected,
	              "\nSummary\n"
	              "  %d findings: 0 CRITICAL, 0 HIGH, 0 MEDIUM, 0 LOW, %d INFO — %d open\n"
	              "  0 overdue\n"
	              "\n"
	              "Repeated findings (one rule, risk and status on 3 or more elements)\n"
	              "  INFO  R on %d elements (open): Title\n"
	              "    e00000, e00001, e00002, e00003, e00004, e00005, e00006, e00007, e00008, e00009\n"
	              "    and %d more: threats where rule = R and risk = INFO and status = open\n",
	              N, N, N, N, N - 10);
	tm_buf_puts(&expected, expected_text_boundaries);
	tm_buf_puts(&expected, "Findings\n  RISK  ID              ELEMENT  TITLE  STATUS  DUE\n");
	for (int i = 0; i < N; i++) {
		tm_buf_printf(&expected, "  INFO  R-%05d@e%05d  e%05d   Title  open    -\n", i, i, i);
		if (i % 3 == 0)
			tm_buf_printf(&expected, "          detail %d\n", i);
	}
	tm_buf_printf(&expected, "\n%d findings: 0 CRITICAL, 0 HIGH, 0 MEDIUM, 0 LOW, %d INFO — %d open\n", N, N, N);

	tm_render_options opts = {false, 0};
	tm_buf held = TM_BUF_INIT;
	tm_render_check_text(&held, &fx->model, &many, &opts);
	assert_string_equal(tm_buf_str(&held), tm_buf_str(&expected));

	FILE *sink = tmpfile();
	assert_non_null(sink);
	tm_buf streamed = TM_BUF_INIT;
	streamed.sink = sink;
	tm_render_check_text(&streamed, &fx->model, &many, &opts);
	tm_buf_flush(&streamed);
	tm_buf_free(&streamed);
	long size = ftell(sink);
	assert_int_equal((size_t)size, expected.len);
	char *back = malloc((size_t)size + 1);
	rewind(sink);
	assert_int_equal(fread(back, 1, (size_t)size, sink), (size_t)size);
	back[size] = '\0';
	assert_string_equal(back, tm_buf_str(&expected));
	free(back);
	fclose(sink);

	tm_buf_free(&held);
	tm_buf_free(&expected);
	tm_findings_free(&many);
}

static void test_check_text_width(void **state)
{
	fixture *fx = *state;
	/* 74 columns go to the other columns, 16 would be left for TITLE:
	 * ELEMENT narrows to its floor of 8, which still leaves TITLE short of
	 * the 30 it wants, so ELEMENT leaves the table (the id names the
	 * element) and TITLE gets 30; the ids stay whole */
	char *text = text_of(fx, false, 90);
	assert_text(text,
	            "  0 overdue\n"
	            "\n"
	            "Highest open risks\n"
	            "  RISK  ID                        TITLE                             STATUS  DUE\n"
	            "  HIGH  STRIDE-I-02@browser->web  数据泄露 via 🔥 unencrypted flow  open    2026-03-31\n",
	            "Findings\n"
	                  "  RISK      ID                        TITLE                           STATUS    DUE\n"
	                  "  CRITICAL  T-01                      Session hijacking via XSS       planned   2026-03-25\n"
	                  "  HIGH      STRIDE-I-02@browser->web  数据泄露 via 🔥 unencrypted f…  open      2026-03-31\n"
	                  "              the flow has no tls\n"
	                  "  LOW       HYGIENE-01@model          No next review scheduled        accepted  -\n");
	/* wide enough: ELEMENT narrows for the whole title before any is cut */
	free(text);
	text = text_of(fx, false, 110);
	assert_text(text,
	            "  0 overdue\n"
	            "\n"
	            "Highest open risks\n"
	            "  RISK  ID                        ELEMENT       TITLE                             STATUS  DUE\n"
	            "  HIGH  STRIDE-I-02@browser->web  browser->web  数据泄露 via 🔥 unencrypted flow  open    2026-03-31\n",
	            "Findings\n"
	                  "  RISK      ID                        ELEMENT       TITLE                             STATUS    DUE\n"
	                  "  CRITICAL  T-01                      web           Session hijacking via XSS         planned   2026-03-25\n"
	                  "  HIGH      STRIDE-I-02@browser->web  browser->web  数据泄露 via 🔥 unencrypted flow  open      2026-03-31\n"
	                  "              the flow has no tls\n"
	                  "  LOW       HYGIENE-01@model          -             No next review scheduled          accepted  -\n");
	free(text);
	text = text_of(fx, false, 90);
	for (const char *line = text; *line; line += strcspn(line, "\n") + 1) {
		char *copy = strndup(line, strcspn(line, "\n"));
		if (strstr(copy, "  ") == copy) /* the table's lines */
			assert_true(tm_term_width(copy) <= 90);
		free(copy);
	}
	free(text);
	/* far too narrow: ELEMENT has gone, the title gets what that freed
	 * (at least 12 columns), a long detail is cut to what is left of the
	 * line */
	fx->items[1].detail = "the flow carries PII over plain HTTP between the browser and the web tier";
	text = text_of(fx, false, 40);
	assert_text(text,
	            "  0 overdue\n"
	            "\n"
	            "Highest open risks\n"
	            "  RISK  ID                        TITLE           STATUS  DUE\n"
	            "  HIGH  STRIDE-I-02@browser->web  数据泄露 via …  open    2026-03-31\n",
	            "Findings\n"
	                  "  RISK      ID                        TITLE           STATUS    DUE\n"
	                  "  CRITICAL  T-01                      Session hijac…  planned   2026-03-25\n"
	                  "  HIGH      STRIDE-I-02@browser->web  数据泄露 via …  open      2026-03-31\n"
	                  "              the flow carries PII over…\n"
	                  "  LOW       HYGIENE-01@model          No next revie…  accepted  -\n");
	free(text);
}

/* A group's elements wrap at the terminal's width; the line that names
 * the rest is the query that lists them. */
static void test_check_text_group_wraps(void **state)
{
	fixture *fx = *state;
	tm_finding_about about = {.rule = "R-01", .title = "Repeated across the model"};
	tm_findings many;
	tm_findings_init(&many);
	for (int i = 0; i < 12; i++) {
		tm_finding *f = tm_findings_add(&many);
		f->id = tm_arena_printf(many.arena, "R-01@element-%02d", i);
		f->element_key = tm_arena_printf(many.arena, "element-%02d", i);
		f->about = &about;
		f->risk = TM_RISK_LOW;
		f->status = TM_STATUS_PLANNED;
		f->due = TM_NO_DATE;
	}
	tm_render_options opts = {true, 40};
	tm_buf buf = TM_BUF_INIT;
	tm_render_check_text(&buf, &fx->model, &many, &opts);
	assert_non_null(strstr(tm_buf_str(&buf),
	                       "\nRepeated findings (one rule, risk and status on 3 or more elements)\n"
	                       "  \033[36mLOW\033[0m  R-01 on 12 elements (planned): Repeated ac…\n"
	                       "    element-00, element-01, element-02,\n"
	                       "    element-03, element-04, element-05,\n"
	                       "    element-06, element-07, element-08,\n"
	                       "    element-09\n"
	                       "    and 2 more: threats where rule = R-01 and risk = LOW and status = planned\n"
	                       "\nTrust boundaries\n"));
	/* planned findings are neither open risks to list nor overdue */
	assert_null(strstr(tm_buf_str(&buf), "Highest open risks"));
	assert_null(strstr(tm_buf_str(&buf), "\nOverdue\n"));
	tm_buf_free(&buf);
	tm_findings_free(&many);
}

static void test_check_text_color(void **state)
{
	fixture *fx = *state;
	fx->findings.count = 5;
	tm_finding more[5];
	memcpy(more, fx->items, 3 * sizeof more[0]);
	more[3] = fx->items[2];
	more[3].id = "M-1";
	more[3].risk = TM_RISK_MEDIUM;
	more[4] = fx->items[2];
	more[4].id = "I-1";
	more[4].risk = TM_RISK_INFO;
	fx->findings.items = more;
	char *text = text_of(fx, true, 0);
	assert_non_null(strstr(text, "\n  \033[1;31mCRITICAL\033[0m  T-01 "));
	assert_non_null(strstr(text, "\n  \033[31mHIGH\033[0m      STRIDE-I-02@browser->web "));
	assert_non_null(strstr(text, "\n  \033[36mLOW\033[0m       HYGIENE-01@model "));
	assert_non_null(strstr(text, "\n  \033[33mMEDIUM\033[0m    M-1 "));
	assert_non_null(strstr(text, "\n  \033[2mINFO\033[0m      I-1 "));
	/* the header row and the summary stay plain */
	assert_non_null(strstr(text, "\n  RISK      ID"));
	assert_non_null(strstr(text, "\n5 findings: 1 CRITICAL, 1 HIGH, 1 MEDIUM, 1 LOW, 1 INFO — 1 open, 1 planned, 3 accepted\n"));
	free(text);
	/* without colour there is no escape at all */
	text = text_of(fx, false, 0);
	assert_null(strchr(text, '\033'));
	free(text);
	fx->findings.items = fx->items;
}

static void test_check_text_hostile(void **state)
{
	fixture *fx = *state;
	fx->model.meta.name = "Acme\033]0;pwned\007";
	fx->el[9].label = "evil\033[2Jzone\n";
	fx->el[7].label = "q\xe2\x80\xaeuery";
	fx->about[0].title = "\033[31mred\xff";
	fx->items[0].detail = "line\nbreak";
	fx->items[1].id = "X@\x1b[1m";
	char *text = text_of(fx, false, 0);
	assert_null(strchr(text, '\033'));
	assert_null(strchr(text, '\007'));
	assert_non_null(strstr(text, "Acme\xef\xbf\xbd]0;pwned\xef\xbf\xbd: 5 elements"));
	assert_non_null(strstr(text, "    TB-02 \"evil\xef\xbf\xbd[2Jzone \" — controls"));
	assert_non_null(strstr(text, "      sql: api -> db \"q\xef\xbf\xbduery\"\n"));
	assert_non_null(strstr(text, "  \xef\xbf\xbd[31mred\xef\xbf\xbd  "));
	assert_non_null(strstr(text, "\n              line break\n"));
	assert_non_null(strstr(text, "  X@\xef\xbf\xbd[1m  "));
	free(text);
	/* a model named like a workflow command does not start the report */
	fx->model.meta.name = "::warning::x";
	text = text_of(fx, false, 0);
	const char *head = "\xef\xbf\xbd:warning::x: 5 elements";
	assert_memory_equal(text, head, strlen(head));
	free(text);
}

static void test_check_text_empty(void **state)
{
	fixture *fx = *state;
	fx->findings.count = 0;
	char *text = text_of(fx, true, 80);
	tm_buf expected = TM_BUF_INIT;
	tm_buf_puts(&expected, expected_text_model);
	tm_buf_puts(&expected, expected_text_boundaries);
	tm_buf_puts(&expected, "No findings.\n");
	assert_string_equal(text, tm_buf_str(&expected));
	tm_buf_free(&expected);
	free(text);

	/* a model with nothing in it, and no options */
	tm_model model = {0};
	tm_buf buf = TM_BUF_INIT;
	tm_render_check_text(&buf, &model, NULL, NULL);
	assert_string_equal(tm_buf_str(&buf), "(unnamed model): 0 elements, 0 flows, 0 boundaries\n"
	                                      "\n"
	                                      "Trust boundaries\n"
	                                      "  (none)\n"
	                                      "\n"
	                                      "No findings.\n");
	tm_buf_free(&buf);
}

/* Outer links that loop (a broken model) still show every boundary once. */
static void test_check_text_outer_cycle(void **state)
{
	fixture *fx = *state;
	fx->el[8].outer = &fx->el[9]; /* TB-01 inside TB-02, TB-02 inside TB-01 */
	fx->findings.count = 0;
	char *text = text_of(fx, false, 0);
	assert_non_null(strstr(text, "Trust boundaries\n"
	                             "  TB-03\n"
	                             "    (no flow crosses it)\n"
	                             "  TB-02 \"Database zone\" — controls: mTLS, RLS\n"
	                             "    sql: api -> db \"queries\"\n"
	                             "    TB-01 \"Cluster\"\n"
	                             "      browser -> web \"pages\"\n"
	                             "\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_value),
		cmocka_unit_test(test_term_width),
		cmocka_unit_test(test_term_sanitize),
		cmocka_unit_test(test_term_fit),
		cmocka_unit_test(test_term_color),
		cmocka_unit_test_setup_teardown(test_check_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_json_hostile, setup, teardown),
		cmocka_unit_test(test_check_json_empty),
		cmocka_unit_test(test_check_json_diagnostics),
		cmocka_unit_test_setup_teardown(test_check_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_text_width, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_text_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_text_group_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_text_color, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_text_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_text_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_text_outer_cycle, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
