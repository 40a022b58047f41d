/* Unit tests for src/query: the parser (precedence, parentheses, every
 * operator, values, errors at their exact column) and the evaluator and
 * commands over findings and a tiny model built by hand, so the tests do
 * not depend on the model resolver or the rule packs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/date.h"
#include "render/render.h"
#include "query/query.h"
#include "session/session.h"
#include "threat/status.h"

/* ---- helpers ---- */

static tm_query *parse_ok(const char *text)
{
	tm_diags diags = {0};
	tm_query *query = NULL;
	int status = tm_query_parse(&query, text, &diags);
	if (status != TM_OK) {
		tm_buf out = TM_BUF_INIT;
		tm_diags_render(&out, &diags, false);
		fprintf(stderr, "unexpected error for '%s':\n%s", text, tm_buf_str(&out));
		tm_buf_free(&out);
	}
	assert_int_equal(status, TM_OK);
	assert_int_equal(diags.errors, 0);
	tm_diags_free(&diags);
	return query;
}

/* Parses text that must fail and checks the rendered error exactly. */
static void parse_error(const char *text, const char *expected)
{
	tm_diags diags = {0};
	tm_query *query = NULL;
	assert_int_equal(tm_query_parse(&query, text, &diags), TM_ERR_INPUT);
	assert_int_equal(diags.errors, 1);
	tm_buf out = TM_BUF_INIT;
	tm_diags_render(&out, &diags, false);
	assert_string_equal(tm_buf_str(&out), expected);
	tm_buf_free(&out);
	tm_diags_free(&diags);
	tm_query_free(query);
}

/* The tree as text: (and A B), (or A B), (not A), field op value. */
static void tree_text(tm_buf *out, const tm_query_node *node)
{
	switch (node->kind) {
	case TM_QN_AND:
	case TM_QN_OR:
	case TM_QN_NOT:
		tm_buf_puts(out, node->kind == TM_QN_AND ? "(and" : node->kind == TM_QN_OR ? "(or" : "(not");
		for (size_t i = 0; i < node->nitems; i++) {
			tm_buf_putc(out, ' ');
			tree_text(out, node->items[i]);
		}
		tm_buf_putc(out, ')');
		break;
	case TM_QN_CMP:
		tm_buf_printf(out, "%s%s%s", tm_query_field_names[node->field], tm_query_op_names[node->op], node->value);
		break;
	}
}

static void assert_tree(const char *text, const char *expected)
{
	tm_query *query = parse_ok(text);
	assert_int_equal(query->command, TM_QC_THREATS);
	assert_non_null(query->where);
	tm_buf out = TM_BUF_INIT;
	tree_text(&out, query->where);
	assert_string_equal(tm_buf_str(&out), expected);
	tm_buf_free(&out);
	tm_query_free(query);
}

/* ---- parser ---- */

static void test_commands(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		tm_query_command command;
	} cases[] = {
		{"", TM_QC_EMPTY},           {"   # a comment", TM_QC_EMPTY}, {"threats", TM_QC_THREATS},
		{"THREATS", TM_QC_THREATS},  {"elements", TM_QC_ELEMENTS},   {"summary", TM_QC_SUMMARY},
		{"rules", TM_QC_RULES},      {"reload", TM_QC_RELOAD},       {"help", TM_QC_HELP},
		{"quit", TM_QC_QUIT},        {"exit", TM_QC_QUIT},           {"flows", TM_QC_FLOWS},
		{"summary\n", TM_QC_SUMMARY},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tm_query *query = parse_ok(cases[i].text);
		assert_int_equal(query->command, cases[i].command);
		tm_query_free(query);
	}
}

static void test_arguments(void **state)
{
	(void)state;
	tm_query *q = parse_ok("show STRIDE-I-02@web->api");
	assert_int_equal(q->command, TM_QC_SHOW);
	assert_string_equal(q->arg, "STRIDE-I-02@web->api");
	tm_query_free(q);

	q = parse_ok("path browser -> api.dal");
	assert_int_equal(q->command, TM_QC_PATH);
	assert_string_equal(q->arg, "browser");
	assert_string_equal(q->arg2, "api.dal");
	tm_query_free(q);

	q = parse_ok("path browser->db");
	assert_string_equal(q->arg, "browser");
	assert_string_equal(q->arg2, "db");
	assert_int_equal(q->arg2_span.start, 14);
	tm_query_free(q);

	q = parse_ok("flows crossing TB-03");
	assert_string_equal(q->arg, "TB-03");
	tm_query_free(q);

	q = parse_ok("elements boundaries");
	assert_string_equal(q->arg, "boundary");
	tm_query_free(q);

	q = parse_ok("elements Processes");
	assert_string_equal(q->arg, "process");
	tm_query_free(q);

	q = parse_ok("explain 'T-01'");
	assert_string_equal(q->arg, "T-01");
	tm_query_free(q);

	q = parse_ok("threats by likelihood desc limit 5");
	assert_null(q->where);
	assert_true(q->has_order);
	assert_int_equal(q->order, TM_QF_LIKELIHOOD);
	assert_true(q->descending);
	assert_true(q->has_limit);
	assert_int_equal(q->limit, 5);
	tm_query_free(q);

	q = parse_ok("threats limit 0 where risk = low by id");
	assert_int_equal(q->limit, 0);
	assert_int_equal(q->order, TM_QF_ID);
	assert_false(q->descending);
	tm_query_free(q);
}

static void test_precedence(void **state)
{
	(void)state;
	assert_tree("threats where risk = high", "risk=high");
	assert_tree("threats where risk = high or status = open and kind = flow",
	            "(or risk=high (and status=open kind=flow))");
	assert_tree("threats where risk = high and status = open or kind = flow",
	            "(or (and risk=high status=open) kind=flow)");
	assert_tree("threats where not risk = high and status = open", "(and (not risk=high) status=open)");
	assert_tree("threats where not (risk = high and status = open)", "(not (and risk=high status=open))");
	assert_tree("threats where (risk = high or status = open) and kind = flow",
	            "(and (or risk=high status=open) kind=flow)");
	assert_tree("threats where not not id = a", "(not (not id=a))");
	assert_tree("threats where id = a and id = b and id = c or id = d",
	            "(or (and id=a id=b id=c) id=d)");
	assert_tree("threats where ((id = a))", "id=a");
	assert_tree("threats where risk = high AND status = open OR NOT kind = flow",
	            "(or (and risk=high status=open) (not kind=flow))");
}

static void test_operators(void **state)
{
	(void)state;
	assert_tree("threats where likelihood = 2", "likelihood=2");
	assert_tree("threats where likelihood == 2", "likelihood=2");
	assert_tree("threats where likelihood != 2", "likelihood!=2");
	assert_tree("threats where likelihood < 2", "likelihood<2");
	assert_tree("threats where likelihood <= 2", "likelihood<=2");
	assert_tree("threats where likelihood > 2", "likelihood>2");
	assert_tree("threats where likelihood >= 2.5", "likelihood>=2.5");
	assert_tree("threats where title ~ inject", "title~inject");
	assert_tree("threats where category !~ disc", "category!~disc");
	/* no spaces needed around operators */
	assert_tree("threats where risk>=HIGH and impact<3", "(and risk>=HIGH impact<3)");
	/* values: words with -> and @, quoted strings with spaces and escapes */
	assert_tree("threats where element = web->api", "element=web->api");
	assert_tree("threats where id = STRIDE-T-01@a.b<->c", "id=STRIDE-T-01@a.b<->c");
	assert_tree("threats where title ~ \"cross site\"", "title~cross site");
	assert_tree("threats where title = 'it\\'s'", "title=it's");

	tm_query *q = parse_ok("threats where risk >= high");
	assert_int_equal(q->where->level, TM_RISK_HIGH);
	tm_query_free(q);
	q = parse_ok("threats where likelihood > 2.25");
	assert_true(q->where->number > 2.24 && q->where->number < 2.26);
	tm_query_free(q);
	q = parse_ok("threats where status = FALSE_POSITIVE");
	assert_int_equal(q->where->level, TM_STATUS_FALSE_POSITIVE);
	tm_query_free(q);
	q = parse_ok("threats where kind = model");
	assert_int_equal(q->where->level, -1);
	tm_query_free(q);
}

static void test_errors(void **state)
{
	(void)state;
	parse_error("threats where rsk = high", "query:1:15: error: unknown field 'rsk'\n"
	                                        "    1 | threats where rsk = high\n"
	                                        "      |               ^~~\n"
	                                        "note: did you mean 'risk'?\n"
	                                        "1 error\n");
	parse_error("threats where risk = hgh", "query:1:22: error: unknown risk level 'hgh'\n"
	                                        "    1 | threats where risk = hgh\n"
	                                        "      |                      ^~~\n"
	                                        "note: did you mean 'HIGH'?\n"
	                                        "1 error\n");
	parse_error("threats where risk high", "query:1:20: error: expected an operator after the field, found 'high'\n"
	                                       "    1 | threats where risk high\n"
	                                       "      |                    ^~~~\n"
	                                       "note: the operators are = != < <= > >= ~ (contains) and !~\n"
	                                       "1 error\n");
	parse_error("threats where risk >=", "query:1:22: error: expected a value, found the end of the query\n"
	                                     "    1 | threats where risk >=\n"
	                                     "      |                      ^\n"
	                                     "1 error\n");
	parse_error("threats where category < x",
	            "query:1:24: error: 'category' is text and has no order: use = != ~ or !~\n"
	            "    1 | threats where category < x\n"
	            "      |                        ^\n"
	            "1 error\n");
	parse_error("threats where risk ~ HI", "query:1:20: error: 'risk' compares by level or number: use = != < <= > >=\n"
	                                       "    1 | threats where risk ~ HI\n"
	                                       "      |                    ^\n"
	                                       "1 error\n");
	parse_error("threats where impact >= high", "query:1:25: error: 'impact' compares with a number (like 2 or 2.4)\n"
	                                            "    1 | threats where impact >= high\n"
	                                            "      |                         ^~~~\n"
	                                            "1 error\n");
	parse_error("threats where (risk = high or status = open",
	            "query:1:44: error: expected ')', found the end of the query\n"
	            "    1 | threats where (risk = high or status = open\n"
	            "      |                                            ^\n"
	            "query:1:15: note: to close this '('\n"
	            "    1 | threats where (risk = high or status = open\n"
	            "      |               ^\n"
	            "1 error\n");
	parse_error("threats where risk = high)", "query:1:26: error: this ')' closes no '('\n"
	                                          "    1 | threats where risk = high)\n"
	                                          "      |                          ^\n"
	                                          "1 error\n");
	parse_error("threats where status = opn", "query:1:24: error: unknown status 'opn'\n"
	                                          "    1 | threats where status = opn\n"
	                                          "      |                        ^~~\n"
	                                          "note: did you mean 'open'?\n"
	                                          "1 error\n");
	parse_error("threats where kind = proces", "query:1:22: error: unknown kind 'proces'\n"
	                                           "    1 | threats where kind = proces\n"
	                                           "      |                      ^~~~~~\n"
	                                           "note: did you mean 'process'?\n"
	                                           "1 error\n");
	parse_error("thraets", "query:1:1: error: unknown command 'thraets'\n"
	                       "    1 | thraets\n"
	                       "      | ^~~~~~~\n"
	                       "note: did you mean 'threats'?\n"
	                       "note: 'help' lists the commands\n"
	                       "1 error\n");
	parse_error("threats limit ten", "query:1:15: error: limit wants a whole number, found 'ten'\n"
	                                 "    1 | threats limit ten\n"
	                                 "      |               ^~~\n"
	                                 "1 error\n");
	parse_error("threats wher risk = high", "query:1:9: error: expected 'where', 'by' or 'limit', found 'wher'\n"
	                                        "    1 | threats wher risk = high\n"
	                                        "      |         ^~~~\n"
	                                        "note: did you mean 'where'?\n"
	                                        "1 error\n");
	parse_error("threats where title = \"open", "query:1:23: error: this quoted value has no closing \"\n"
	                                            "    1 | threats where title = \"open\n"
	                                            "      |                       ^\n"
	                                            "1 error\n");
	parse_error("threats by rsik", "query:1:12: error: unknown field 'rsik'\n"
	                               "    1 | threats by rsik\n"
	                               "      |            ^~~~\n"
	                               "note: did you mean 'risk'?\n"
	                               "1 error\n");
	parse_error("show", "query:1:5: error: show wants an element or finding id, found the end of the query\n"
	                    "    1 | show\n"
	                    "      |     ^\n"
	                    "1 error\n");
	parse_error("path a b", "query:1:8: error: expected '->' between the two elements, found 'b'\n"
	                        "    1 | path a b\n"
	                        "      |        ^\n"
	                        "1 error\n");
	parse_error("summary now", "query:1:9: error: unexpected 'now' after the command\n"
	                           "    1 | summary now\n"
	                           "      |         ^~~\n"
	                           "1 error\n");
	parse_error("elements widgets", "query:1:10: error: unknown kind 'widgets'\n"
	                                "    1 | elements widgets\n"
	                                "      |          ^~~~~~~\n"
	                                "1 error\n");
	parse_error("threats where risk = high and", "query:1:30: error: expected a field (risk, status, element, ...) or '(', "
	                                             "found the end of the query\n"
	                                             "    1 | threats where risk = high and\n"
	                                             "      |                              ^\n"
	                                             "1 error\n");
	/* columns count characters, not bytes */
	parse_error("threats where title = \"é\" and x = 1", "query:1:31: error: unknown field 'x'\n"
	                                                     "    1 | threats where title = \"é\" and x = 1\n"
	                                                     "      |                               ^\n"
	                                                     "note: the fields are id, rule, framework, category, "
	                                                     "element, kind, risk, likelihood, impact, status, "
	                                                     "boundary, pack, title and overdue\n"
	                                                     "1 error\n");
}

static void test_hostile(void **state)
{
	(void)state;
	/* deep nesting is an error, not a stack overflow */
	tm_buf text = TM_BUF_INIT;
	tm_buf_puts(&text, "threats where ");
	for (int i = 0; i < 10000; i++)
		tm_buf_puts(&text, "( not ");
	tm_diags diags = {0};
	tm_query *query = NULL;
	assert_int_equal(tm_query_parse(&query, tm_buf_str(&text), &diags), TM_ERR_INPUT);
	assert_int_equal(diags.errors, 1);
	assert_string_equal(diags.items[0].message, "the condition nests too deeply");
	tm_diags_free(&diags);
	tm_query_free(query);
	/* a long flat chain is fine */
	tm_buf_clear(&text);
	tm_buf_puts(&text, "threats where id = a");
	for (int i = 0; i < 5000; i++)
		tm_buf_puts(&text, " or id = a");
	query = parse_ok(tm_buf_str(&text));
	assert_int_equal(query->where->kind, TM_QN_OR);
	assert_int_equal(query->where->nitems, 5001);
	tm_query_free(query);
	/* control characters and stray bytes */
	static const char *const junk[] = {"threats where id = \x01", "\x1b[2J", "threats where !", "threats \xff\xfe",
	                                   "path -> ->", "threats where ( ) ", "= = ="};
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		assert_int_equal(tm_query_parse(&query, junk[i], &diags), TM_ERR_INPUT);
		assert_int_equal(diags.errors, 1);
		tm_diags_free(&diags);
		tm_query_free(query);
	}
	tm_buf_free(&text);
}

/* ---- a tiny model and its findings ----
 *
 *   boundary TB-1 <api, TB-2>     boundary TB-2 <db>
 *   external browser   process api { process dal }   store db
 *   flow browser -> api (crosses TB-1)    flow api.dal -> db (crosses TB-2)
 */
typedef struct fixture {
	tm_element browser, api, dal, db, tb1, tb2, f1, f2;
	tm_element *elements[8];
	tm_element *api_children[1];
	tm_element *b_api[1], *b_db[2], *b_f2[1], *x_f1[1], *x_f2[1];
	tm_element *in_api[1], *out_browser[1], *out_dal[1], *in_db[1];
	tm_model model;
	tm_findings findings;
	tm_session session;
} fixture;

static void element(tm_element *el, tm_element_kind kind, const char *key, const char *label, size_t index)
{
	el->kind = kind;
	el->id = key;
	el->key = key;
	el->label = label;
	el->index = index;
	el->in_scope = true;
}

static tm_finding *finding(fixture *fx, const char *id, const char *rule, const char *category, tm_element *el,
                           tm_risk risk, double likelihood, double impact, tm_status status)
{
	tm_finding_about *about = tm_arena_alloc(fx->findings.arena, sizeof *about);
	about->rule = rule;
	about->framework = strncmp(rule, "LINDDUN", 7) == 0 ? "LINDDUN" : "STRIDE";
	about->category = category;
	about->pack = strncmp(rule, "LINDDUN", 7) == 0 ? "linddun" : strncmp(rule, "HYG", 3) == 0 ? "hygiene" : "stride";
	about->title = id;
	tm_finding *f = tm_findings_add(&fx->findings);
	f->id = id;
	f->about = about;
	f->element = el;
	f->element_key = el ? el->key : "";
	f->risk = risk;
	f->likelihood = likelihood;
	f->impact = impact;
	f->status = status;
	f->due = TM_NO_DATE;
	return f;
}

static fixture *build(void)
{
	fixture *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	element(&fx->browser, TM_EL_EXTERNAL, "browser", "Browser", 0);
	element(&fx->api, TM_EL_PROCESS, "api", "API", 1);
	element(&fx->dal, TM_EL_PROCESS, "api.dal", "Data access", 2);
	element(&fx->db, TM_EL_STORE, "db", "Database", 3);
	element(&fx->tb1, TM_EL_BOUNDARY, "TB-1", "Cluster", 4);
	element(&fx->tb2, TM_EL_BOUNDARY, "TB-2", "Data tier", 5);
	element(&fx->f1, TM_EL_FLOW, "browser->api", "requests", 6);
	fx->f1.id = NULL;
	element(&fx->f2, TM_EL_FLOW, "sql", "queries", 7);
	tm_element *all[8] = {&fx->browser, &fx->api, &fx->dal, &fx->db, &fx->tb1, &fx->tb2, &fx->f1, &fx->f2};
	memcpy(fx->elements, all, sizeof all);

	fx->browser.exposure = TM_EXPOSURE_INTERNET;
	fx->api.exposure = fx->dal.exposure = fx->db.exposure = TM_EXPOSURE_INTERNET;
	fx->api_children[0] = &fx->dal;
	fx->api.children = fx->api_children;
	fx->api.nchildren = 1;
	fx->dal.parent = &fx->api;
	fx->dal.depth = 1;
	fx->tb2.outer = &fx->tb1;
	fx->b_api[0] = &fx->tb1;
	fx->api.boundaries = fx->dal.boundaries = fx->b_api;
	fx->api.nboundaries = fx->dal.nboundaries = 1;
	fx->b_db[0] = &fx->tb2;
	fx->b_db[1] = &fx->tb1;
	fx->db.boundaries = fx->b_db;
	fx->db.nboundaries = 2;
	/* sql lies in TB-1 and crosses TB-2; browser->api crosses TB-1 */
	fx->b_f2[0] = &fx->tb1;
	fx->f2.boundaries = fx->b_f2;
	fx->f2.nboundaries = 1;
	fx->x_f1[0] = &fx->tb1;
	fx->f1.crossings = fx->x_f1;
	fx->f1.ncrossings = 1;
	fx->x_f2[0] = &fx->tb2;
	fx->f2.crossings = fx->x_f2;
	fx->f2.ncrossings = 1;
	fx->f1.source = &fx->browser;
	fx->f1.target = &fx->api;
	fx->f2.source = &fx->dal;
	fx->f2.target = &fx->db;
	fx->out_browser[0] = &fx->f1;
	fx->browser.outflows = fx->out_browser;
	fx->browser.noutflows = 1;
	fx->in_api[0] = &fx->f1;
	fx->api.inflows = fx->in_api;
	fx->api.ninflows = 1;
	fx->out_dal[0] = &fx->f2;
	fx->dal.outflows = fx->out_dal;
	fx->dal.noutflows = 1;
	fx->in_db[0] = &fx->f2;
	fx->db.inflows = fx->in_db;
	fx->db.ninflows = 1;

	fx->model.elements = fx->elements;
	fx->model.nelements = 8;
	fx->model.meta.name = "Tiny";

	tm_findings_init(&fx->findings);
	/* in the session's order: risk descending, then id */
	finding(fx, "STRIDE-E-01@api", "STRIDE-E-01", "elevation_of_privilege", &fx->api, TM_RISK_CRITICAL, 2.6, 3,
	        TM_STATUS_OPEN);
	tm_finding *f = finding(fx, "STRIDE-I-01@sql", "STRIDE-I-01", "information_disclosure", &fx->f2,
	                        TM_RISK_HIGH, 7.0 / 3.0, 3, TM_STATUS_PLANNED);
	f->likelihood_factors[TM_LF_SKILL] = 2;
	f->likelihood_factors[TM_LF_MOTIVE] = 3;
	f->likelihood_factors[TM_LF_OPPORTUNITY] = 2;
	f->impact_factors[TM_IF_CONFIDENTIALITY] = 3;
	f->impact_factors[TM_IF_COMPLIANCE] = 2;
	f->likelihood_level = TM_SCORE_MEDIUM;
	f->impact_level = TM_SCORE_HIGH;
	f->detail = "queries carry PII unencrypted";
	finding(fx, "STRIDE-T-01@browser->api", "STRIDE-T-01", "tampering", &fx->f1, TM_RISK_HIGH, 2.2, 2,
	        TM_STATUS_OPEN);
	finding(fx, "LINDDUN-L-01@db", "LINDDUN-L-01", "linkability", &fx->db, TM_RISK_MEDIUM, 2.0, 2,
	        TM_STATUS_ACCEPTED);
	finding(fx, "STRIDE-S-01@browser", "STRIDE-S-01", "spoofing", &fx->browser, TM_RISK_LOW, 1.4, 2,
	        TM_STATUS_OPEN);
	finding(fx, "HYG-03@model", "HYG-03", "check", NULL, TM_RISK_INFO, 1.0, 1, TM_STATUS_OPEN);

	fx->session.model = &fx->model;
	fx->session.findings = fx->findings;
	return fx;
}

static void destroy(fixture *fx)
{
	tm_findings_free(&fx->findings);
	free(fx);
}

/* The ids a query selects, comma-separated (with or without an index). */
static char *select_ids(fixture *fx, const char *text, const tm_query_index *index)
{
	tm_query *query = parse_ok(text);
	tm_diags diags = {0};
	const tm_finding **items;
	size_t count;
	assert_int_equal(tm_query_select(&items, &count, query, &fx->model, &fx->findings, index, &diags), TM_OK);
	tm_buf out = TM_BUF_INIT;
	for (size_t i = 0; i < count; i++) {
		if (i)
			tm_buf_putc(&out, ',');
		tm_buf_puts(&out, items[i]->id);
	}
	free(items);
	tm_diags_free(&diags);
	tm_query_free(query);
	return tm_buf_detach(&out);
}

static void assert_selects(fixture *fx, const char *text, const char *expected)
{
	/* the direct evaluation and the indexed one agree */
	tm_query_index *index = tm_query_index_new(&fx->model, &fx->findings);
	for (int indexed = 0; indexed < 2; indexed++) {
		char *ids = select_ids(fx, text, indexed ? index : NULL);
		if (strcmp(ids ? ids : "", expected) != 0)
			fprintf(stderr, "query (%s): %s\n", indexed ? "indexed" : "direct", text);
		assert_string_equal(ids ? ids : "", expected);
		free(ids);
	}
	tm_query_index_free(index);
}

static void test_select(void **state)
{
	(void)state;
	fixture *fx = build();
	assert_selects(fx, "threats", "STRIDE-E-01@api,STRIDE-I-01@sql,STRIDE-T-01@browser->api,LINDDUN-L-01@db,"
	                              "STRIDE-S-01@browser,HYG-03@model");
	assert_selects(fx, "threats where risk >= high", "STRIDE-E-01@api,STRIDE-I-01@sql,STRIDE-T-01@browser->api");
	assert_selects(fx, "threats where risk > HiGh", "STRIDE-E-01@api");
	assert_selects(fx, "threats where risk = high", "STRIDE-I-01@sql,STRIDE-T-01@browser->api");
	assert_selects(fx, "threats where risk != high",
	               "STRIDE-E-01@api,LINDDUN-L-01@db,STRIDE-S-01@browser,HYG-03@model");
	assert_selects(fx, "threats where risk < medium", "STRIDE-S-01@browser,HYG-03@model");
	assert_selects(fx, "threats where risk <= medium", "LINDDUN-L-01@db,STRIDE-S-01@browser,HYG-03@model");
	/* scores compare as shown, to two decimals: 7/3 is 2.33 */
	assert_selects(fx, "threats where likelihood = 2.33", "STRIDE-I-01@sql");
	assert_selects(fx, "threats where likelihood > 2.2", "STRIDE-E-01@api,STRIDE-I-01@sql");
	assert_selects(fx, "threats where likelihood >= 2.2",
	               "STRIDE-E-01@api,STRIDE-I-01@sql,STRIDE-T-01@browser->api");
	assert_selects(fx, "threats where impact < 2", "HYG-03@model");
	assert_selects(fx, "threats where impact = 3 and likelihood <= 2.4", "STRIDE-I-01@sql");
	assert_selects(fx, "threats where category ~ DISC", "STRIDE-I-01@sql");
	assert_selects(fx, "threats where category !~ ION",
	               "STRIDE-T-01@browser->api,LINDDUN-L-01@db,STRIDE-S-01@browser,HYG-03@model");
	assert_selects(fx, "threats where framework = linddun", "LINDDUN-L-01@db");
	assert_selects(fx, "threats where pack = stride and status = open",
	               "STRIDE-E-01@api,STRIDE-T-01@browser->api,STRIDE-S-01@browser");
	assert_selects(fx, "threats where status = planned or status = accepted", "STRIDE-I-01@sql,LINDDUN-L-01@db");
	assert_selects(fx, "threats where status ~ pt", "LINDDUN-L-01@db");
	assert_selects(fx, "threats where element = API", "STRIDE-E-01@api");
	assert_selects(fx, "threats where element = browser->api", "STRIDE-T-01@browser->api");
	assert_selects(fx, "threats where id = 'hyg-03@model'", "HYG-03@model");
	assert_selects(fx, "threats where rule ~ -T-", "STRIDE-T-01@browser->api");
	assert_selects(fx, "threats where kind = flow", "STRIDE-I-01@sql,STRIDE-T-01@browser->api");
	assert_selects(fx, "threats where kind = model", "HYG-03@model");
	assert_selects(fx, "threats where kind != flow and kind != model",
	               "STRIDE-E-01@api,LINDDUN-L-01@db,STRIDE-S-01@browser");
	/* boundary: lies in (through nesting) or, for a flow, crosses */
	assert_selects(fx, "threats where boundary = TB-1",
	               "STRIDE-E-01@api,STRIDE-I-01@sql,STRIDE-T-01@browser->api,LINDDUN-L-01@db");
	assert_selects(fx, "threats where boundary = tb-2", "STRIDE-I-01@sql,LINDDUN-L-01@db");
	assert_selects(fx, "threats where boundary != TB-1", "STRIDE-S-01@browser,HYG-03@model");
	assert_selects(fx, "threats where boundary ~ data", "STRIDE-I-01@sql,LINDDUN-L-01@db");
	/* not, parentheses, precedence */
	assert_selects(fx, "threats where not risk >= high", "LINDDUN-L-01@db,STRIDE-S-01@browser,HYG-03@model");
	assert_selects(fx, "threats where kind = flow or kind = store and status = open",
	               "STRIDE-I-01@sql,STRIDE-T-01@browser->api");
	assert_selects(fx, "threats where (kind = flow or kind = store) and status != open",
	               "STRIDE-I-01@sql,LINDDUN-L-01@db");
	/* order: stable, ties keep the session's order */
	assert_selects(fx, "threats by impact",
	               "HYG-03@model,STRIDE-T-01@browser->api,LINDDUN-L-01@db,STRIDE-S-01@browser,STRIDE-E-01@api,"
	               "STRIDE-I-01@sql");
	assert_selects(fx, "threats by impact desc",
	               "STRIDE-E-01@api,STRIDE-I-01@sql,STRIDE-T-01@browser->api,LINDDUN-L-01@db,STRIDE-S-01@browser,"
	               "HYG-03@model");
	assert_selects(fx, "threats where risk >= medium by likelihood limit 2",
	               "LINDDUN-L-01@db,STRIDE-T-01@browser->api");
	assert_selects(fx, "threats by id limit 3", "HYG-03@model,LINDDUN-L-01@db,STRIDE-E-01@api");
	assert_selects(fx, "threats by risk limit 1", "HYG-03@model");
	assert_selects(fx, "threats by boundary desc limit 2", "LINDDUN-L-01@db,STRIDE-E-01@api");
	assert_selects(fx, "threats limit 0", "");
	destroy(fx);
}

static void test_unknown_boundary(void **state)
{
	(void)state;
	fixture *fx = build();
	tm_query *query = parse_ok("threats where boundary = TB-3");
	tm_diags diags = {0};
	const tm_finding **items;
	size_t count;
	assert_int_equal(tm_query_select(&items, &count, query, &fx->model, &fx->findings, NULL, &diags), TM_ERR_INPUT);
	tm_buf out = TM_BUF_INIT;
	tm_diags_render(&out, &diags, false);
	assert_string_equal(tm_buf_str(&out), "query:1:26: error: no boundary 'TB-3' in the model\n"
	                                      "    1 | threats where boundary = TB-3\n"
	                                      "      |                          ^~~~\n"
	                                      "note: did you mean 'TB-1'?\n"
	                                      "1 error\n");
	tm_buf_free(&out);
	tm_diags_free(&diags);
	tm_query_free(query);
	destroy(fx);
}

/* Runs a command against the fixture's session; returns its text output. */
static char *run(fixture *fx, const char *text, int expect_status, tm_buf *errors)
{
	tm_query *query = parse_ok(text);
	tm_diags diags = {0};
	tm_buf out = TM_BUF_INIT;
	tm_query_output opts = {0};
	assert_int_equal(tm_query_run(&out, query, &fx->session, &opts, &diags), expect_status);
	if (errors)
		tm_diags_render(errors, &diags, false);
	tm_diags_free(&diags);
	tm_query_free(query);
	return tm_buf_detach(&out);
}

static void assert_output(fixture *fx, const char *text, const char *expected)
{
	char *out = run(fx, text, TM_OK, NULL);
	assert_string_equal(out ? out : "", expected);
	free(out);
}

/* `overdue` is true or false: the flag the session sets on open and
 * expired findings past their due date. */
static void test_overdue(void **state)
{
	(void)state;
	fixture *fx = build();
	fx->findings.items[0].overdue = true; /* STRIDE-E-01@api, open */
	fx->findings.items[4].overdue = true; /* STRIDE-S-01@browser, open */
	assert_true(tm_date_parse("2026-03-31", 10, &fx->findings.items[0].due));
	assert_selects(fx, "threats where overdue = true", "STRIDE-E-01@api,STRIDE-S-01@browser");
	assert_selects(fx, "threats where overdue = TRUE and risk >= high", "STRIDE-E-01@api");
	assert_selects(fx, "threats where overdue = false",
	               "STRIDE-I-01@sql,STRIDE-T-01@browser->api,LINDDUN-L-01@db,HYG-03@model");
	assert_selects(fx, "threats where overdue != true",
	               "STRIDE-I-01@sql,STRIDE-T-01@browser->api,LINDDUN-L-01@db,HYG-03@model");
	assert_selects(fx, "threats where not overdue = false", "STRIDE-E-01@api,STRIDE-S-01@browser");
	assert_selects(fx, "threats by overdue desc limit 2", "STRIDE-E-01@api,STRIDE-S-01@browser");
	parse_error("threats where overdue > true", "query:1:23: error: 'overdue' is true or false: use = or !=\n"
	                                            "    1 | threats where overdue > true\n"
	                                            "      |                       ^\n"
	                                            "1 error\n");
	parse_error("threats where overdue = yes",
	            "query:1:25: error: 'overdue' compares with true or false, not 'yes'\n"
	            "    1 | threats where overdue = yes\n"
	            "      |                         ^~~\n"
	            "1 error\n");
	char *out = run(fx, "explain STRIDE-E-01@api", TM_OK, NULL);
	assert_non_null(strstr(out, "\n  status:      open, due 2026-03-31, overdue\n"));
	free(out);
	out = run(fx, "explain STRIDE-T-01@browser->api", TM_OK, NULL);
	assert_non_null(strstr(out, "\n  status:      open\n"));
	free(out);
	destroy(fx);
}

static void test_commands_output(void **state)
{
	(void)state;
	fixture *fx = build();
	assert_output(fx, "elements store", "ID  KIND   LABEL     EXPOSURE  FINDINGS\n"
	                                    "db  store  Database  internet  1\n"
	                                    "1 store\n");
	assert_output(fx, "elements actors", "No actors in the model.\n");
	assert_output(fx, "flows crossing TB-2", "FLOW                LABEL    CROSSES\n"
	                                         "sql: api.dal -> db  queries  TB-2\n"
	                                         "1 flow crosses TB-2 \"Data tier\"\n");
	/* a route enters api and leaves from its child api.dal */
	assert_output(fx, "path browser -> db", "1. browser -> api -> db  (2 flows)\n"
	                                        "   browser -> api \"requests\"\n"
	                                        "     crosses TB-1 \"Cluster\" — no controls stated\n"
	                                        "   api.dal -> db [sql] \"queries\"\n"
	                                        "     crosses TB-2 \"Data tier\" — no controls stated\n");
	assert_output(fx, "path db -> browser", "No route from db to browser along the flows.\n");
	assert_output(fx, "explain STRIDE-I-01@sql",
	              "STRIDE-I-01@sql: STRIDE-I-01@sql\n"
	              "  risk:        HIGH\n"
	              "  status:      planned\n"
	              "  rule:        STRIDE-I-01 (STRIDE, information_disclosure), pack stride\n"
	              "  element:     sql \"queries\" (flow, crosses TB-2)\n"
	              "  detail:      queries carry PII unencrypted\n"
	              "  likelihood:  skill 2, motive 3, opportunity 2\n"
	              "  impact:      confidentiality 3, compliance 2\n"
	              "  likelihood = (2+3+2)/3 = 2.33 → Medium\n"
	              "  impact = max(3, 2) = 3 → High\n"
	              "  Medium × High = HIGH\n");
	char *summary = run(fx, "summary", TM_OK, NULL);
	assert_non_null(strstr(summary, "  elements:    1 external, 2 processes, 1 store, 2 flows, 2 boundaries\n"));
	assert_non_null(strstr(summary, "  crossings:   2 of 2 flows cross a trust boundary\n"));
	assert_non_null(strstr(summary, "  findings:    6: 1 CRITICAL, 2 HIGH, 1 MEDIUM, 1 LOW, 1 INFO\n"));
	assert_non_null(strstr(summary, "  to act on:   2 open or expired findings at HIGH or above\n"));
	free(summary);
	char *show = run(fx, "show api", TM_OK, NULL);
	assert_non_null(strstr(show, "api  process  \"API\"\n"));
	assert_non_null(strstr(show, "  children:    api.dal\n"));
	assert_non_null(strstr(show, "  boundaries:  TB-1\n"));
	assert_non_null(strstr(show, "  flows in\n    browser -> api \"requests\"  crosses TB-1\n"));
	assert_non_null(strstr(show, "STRIDE-E-01@api"));
	assert_non_null(strstr(show, "  exposure:    internet — takes requests from browser (zone internet)\n"));
	free(show);
	/* The fixture gives db an exposure its flows do not: no reason. */
	show = run(fx, "show db", TM_OK, NULL);
	assert_non_null(strstr(show, "  exposure:    internet\n"));
	free(show);

	tm_buf errors = TM_BUF_INIT;
	free(run(fx, "show dbb", TM_ERR_INPUT, &errors));
	assert_string_equal(tm_buf_str(&errors), "query:1:6: error: no element or finding 'dbb'\n"
	                                         "    1 | show dbb\n"
	                                         "      |      ^~~\n"
	                                         "note: did you mean 'db'?\n"
	                                         "1 error\n");
	tm_buf_clear(&errors);
	free(run(fx, "explain STRIDE-I-01@sq", TM_ERR_INPUT, &errors));
	assert_non_null(strstr(tm_buf_str(&errors), "note: did you mean 'STRIDE-I-01@sql'?\n"));
	tm_buf_clear(&errors);
	free(run(fx, "path browser -> TB-1", TM_ERR_INPUT, &errors));
	assert_non_null(strstr(tm_buf_str(&errors), "error: 'TB-1' is a boundary: a path goes between externals"));
	tm_buf_free(&errors);

	/* without a model only help works */
	fx->session.model_failed = true;
	free(run(fx, "summary", TM_ERR_INPUT, NULL));
	char *help = run(fx, "help path", TM_OK, NULL);
	assert_non_null(strstr(help, "path FROM -> TO\n"));
	free(help);
	destroy(fx);
}

static void test_json(void **state)
{
	(void)state;
	fixture *fx = build();
	tm_query *query = parse_ok("threats where kind = store");
	tm_diags diags = {0};
	tm_buf out = TM_BUF_INIT;
	tm_query_output opts = {.json = true};
	assert_int_equal(tm_query_run(&out, query, &fx->session, &opts, &diags), TM_OK);
	/* the same writer as `check --format json`, over the selection */
	tm_findings one;
	tm_findings_init(&one);
	*tm_findings_add(&one) = fx->findings.items[3];
	tm_buf expected = TM_BUF_INIT;
	tm_render_check_json(&expected, &fx->model, &one, NULL);
	assert_string_equal(tm_buf_str(&out), tm_buf_str(&expected));
	assert_non_null(strstr(tm_buf_str(&out), "\"LINDDUN-L-01@db\""));
	assert_non_null(strstr(tm_buf_str(&out), "\"MEDIUM\": 1"));
	tm_findings_free(&one);
	tm_buf_free(&expected);
	tm_buf_free(&out);
	tm_query_free(query);
	/* commands without a JSON form say so */
	query = parse_ok("path browser -> db");
	assert_int_equal(tm_query_run(&out, query, &fx->session, &opts, &diags), TM_ERR_USAGE);
	assert_int_equal(diags.errors, 1);
	tm_diags_free(&diags);
	tm_buf_free(&out);
	tm_query_free(query);
	destroy(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_overdue),
		cmocka_unit_test(test_unknown_boundary),
		cmocka_unit_test(test_commands_output),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
