/* Parser: the shape of the tree for every construct, and the errors with
 * their places, several in one run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "base/arena.h"
#include "base/buf.h"
#include "lang/ast.h"

typedef struct parsed {
	tm_arena *arena;
	tm_diags diags;
	tm_file *file;
} parsed;

static void parse(parsed *p, const char *text)
{
	memset(p, 0, sizeof(*p));
	p->arena = tm_arena_new();
	tm_source *src = tm_source_from_text(p->arena, "t.threat", text, strlen(text));
	tm_parse_file(&p->file, p->arena, src, &p->diags);
}

static void done(parsed *p)
{
	tm_diags_free(&p->diags);
	tm_arena_free(p->arena);
}

static void assert_error_at(const parsed *p, size_t i, const char *message, uint32_t line, uint32_t column)
{
	assert_true(i < p->diags.count);
	assert_string_equal(p->diags.items[i].message, message);
	uint32_t l, c;
	tm_source_position(p->diags.items[i].span.src, p->diags.items[i].span.start, &l, &c);
	assert_int_equal(l, line);
	assert_int_equal(c, column);
}

/* A large model holds millions of these (doc/architecture.md,
 * "Performance"): a change that widens them shows up here first. */
static void test_node_sizes(void **state)
{
	(void)state;
	if (sizeof(void *) != 8)
		skip();
	assert_int_equal(sizeof(tm_value), 32);
	assert_int_equal(sizeof(tm_attr), 24);
	assert_int_equal(sizeof(tm_decl), 96);
}

/* tm_block_get compares the names' hashes before the names: an attribute
 * found by name keeps the parser's hash of it, one made without a hash
 * (0) is still found, and of two with one name the later one counts. */
static void test_block_get(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "store db { stores [A-02]  encrypted true  rows 1.5 }\n");
	assert_int_equal(p.diags.errors, 0);
	tm_block *block = p.file->decls[0]->block;
	const tm_attr *rows = tm_block_get(block, "rows");
	assert_non_null(rows);
	assert_int_equal(rows->name_hash, tm_attr_name_hash("rows"));
	assert_int_not_equal(tm_attr_name_hash(""), 0);
	assert_null(tm_block_get(block, "row"));
	assert_null(tm_block_get(block, "encrypte"));
	block->items[1].attr->name_hash = 0;
	assert_ptr_equal(tm_block_get(block, "encrypted"), block->items[1].attr);
	tm_attr later = *block->items[2].attr;
	later.name = "stores";
	later.name_hash = 0;
	block->items[2].attr = &later;
	assert_ptr_equal(tm_block_get(block, "stores"), &later);
	done(&p);
}

static void test_elements_and_children(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "process api \"Hono API\" {\n  tech hono; auth jwt\n  process auth \"Auth\" { store cache }\n}\n"
	          "store db { stores [A-02]  encrypted true  rows 1.5 }\n");
	assert_int_equal(p.diags.errors, 0);
	assert_int_equal(p.file->ndecls, 2);
	tm_decl *api = p.file->decls[0];
	assert_int_equal(api->kind, TM_DECL_PROCESS);
	assert_string_equal(api->id, "api");
	assert_string_equal(api->label, "Hono API");
	assert_int_equal(api->block->count, 3);
	assert_string_equal(api->block->items[0].attr->name, "tech");
	assert_int_equal(api->block->items[0].attr->value->kind, TM_VAL_IDENT);
	tm_decl *auth = api->block->items[2].decl;
	assert_non_null(auth);
	assert_ptr_equal(auth->parent, api);
	assert_string_equal(auth->block->items[0].decl->id, "cache");
	assert_int_equal(auth->block->items[0].decl->kind, TM_DECL_STORE);
	tm_decl *db = p.file->decls[1];
	const tm_attr *stores = tm_decl_attr(db, "stores");
	assert_int_equal(stores->value->kind, TM_VAL_LIST);
	assert_string_equal(stores->value->items[0]->text, "A-02");
	assert_int_equal(tm_decl_attr(db, "encrypted")->value->kind, TM_VAL_BOOL);
	assert_true(tm_decl_attr(db, "encrypted")->value->boolean);
	assert_true(tm_decl_attr(db, "rows")->value->number == 1.5);
	done(&p);
}

static void test_flows_and_references(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "flow browser -> web \"pages\" { protocol https }\n"
	          "flow sql: api.dal -> db\n"
	          "flow api <-> keycloak \"OIDC\"\n"
	          "threat T-01 \"x\" { on browser -> web }\n"
	          "mitigation M-01 \"m\" { mitigates [T-01, STRIDE-T-01@sql, STRIDE-I-02@web->api,] }\n"
	          "accept STRIDE-R-01@api.dal \"kept\" { by victoria until 2026-09-01 as false_positive }\n");
	assert_int_equal(p.diags.errors, 0);
	tm_decl **d = p.file->decls;
	assert_null(d[0]->id);
	assert_string_equal(d[0]->target->name, "browser");
	assert_string_equal(d[0]->target->target, "web");
	assert_false(d[0]->target->bidirectional);
	assert_string_equal(d[1]->id, "sql");
	assert_string_equal(d[1]->target->name, "api.dal");
	assert_true(d[2]->target->bidirectional);
	const tm_value *on = tm_decl_attr(d[3], "on")->value;
	assert_int_equal(on->kind, TM_VAL_REF);
	assert_int_equal(on->ref->kind, TM_REF_FLOW);
	const tm_value *list = tm_decl_attr(d[4], "mitigates")->value;
	assert_int_equal(list->nitems, 3);
	assert_int_equal(list->items[0]->kind, TM_VAL_IDENT);
	assert_int_equal(list->items[1]->ref->kind, TM_REF_FINDING);
	assert_string_equal(list->items[1]->ref->rule, "STRIDE-T-01");
	assert_string_equal(list->items[1]->ref->name, "sql");
	assert_string_equal(list->items[2]->ref->target, "api");
	assert_int_equal(d[5]->target->kind, TM_REF_FINDING);
	assert_string_equal(d[5]->target->name, "api.dal");
	assert_int_equal(tm_decl_attr(d[5], "until")->value->kind, TM_VAL_DATE);
	done(&p);
}

static void test_model_boundary_use(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "model \"Portal\" { reviewers [victoria, pol] description \"\"\"\n  One.\n  \"\"\" }\n"
	          "use \"stride\"\ninclude \"./infra.threat\"\n"
	          "boundary TB-03 \"Next.js → API\" <api, TB-04> { controls [\"JWT\"] }\n");
	assert_int_equal(p.diags.errors, 0);
	tm_decl **d = p.file->decls;
	assert_int_equal(d[0]->kind, TM_DECL_MODEL);
	assert_string_equal(d[0]->label, "Portal");
	assert_string_equal(tm_decl_attr(d[0], "description")->value->text, "One.");
	assert_string_equal(d[1]->label, "stride");
	assert_int_equal(d[2]->kind, TM_DECL_INCLUDE);
	assert_int_equal(d[3]->nmembers, 2);
	assert_string_equal(d[3]->members[1].name, "TB-04");
	done(&p);
}

static void test_several_errors_in_one_run(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "proces web\n"
	          "store db { tls }\n"
	          "flow a => b\n"
	          "external e \"x\" { zone [a b] }\n"
	          "process ok \"fine\"\n");
	assert_int_equal(p.diags.errors, 4);
	assert_error_at(&p, 0,
	                "expected a statement (model, use, include, asset, actor, external, process, store, boundary, "
	                "flow, threat, mitigation, accept), found 'proces'",
	                1, 1);
	assert_string_equal(p.diags.items[0].notes[0].message, "did you mean 'process'?");
	assert_error_at(&p, 1, "expected a value for 'tls', found '}'", 2, 16);
	assert_error_at(&p, 2, "unexpected character '='", 3, 8);
	assert_error_at(&p, 3, "expected ',' or ']' in the list, found 'b'", 4, 26);
	/* recovery resumes at the next statement */
	assert_int_equal(p.file->ndecls, 1);
	assert_string_equal(p.file->decls[0]->id, "ok");
	done(&p);
}

static void test_unclosed_block_and_children(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "store s { process p }\nprocess a {\n  tech x\nprocess b\n");
	assert_int_equal(p.diags.errors, 2);
	assert_error_at(&p, 0, "only a process can contain child elements", 1, 11);
	assert_error_at(&p, 1, "unclosed block: this '{' has no matching '}'", 2, 11);
	done(&p);
}

/* The carets of a rendered error: its line and the caret line under it. */
static void assert_rendered(const parsed *p, const char *expected)
{
	tm_buf out = TM_BUF_INIT;
	tm_diags_render(&out, &p->diags, false);
	tm_buf_puts(&out, "");
	assert_string_equal(tm_buf_str(&out), expected);
	tm_buf_free(&out);
}

/* Two syntax errors in two statements: exactly two errors, each at its
 * place; what the broken statements declared is known, so the file can
 * still be resolved. */
static void test_recovery_two_statements(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "process api \"API\" {\n"
	          "  tags [linux, aws:ec2]\n"
	          "  tech hono\n"
	          "}\n"
	          "store db { engine [mysql postgres] }\n"
	          "flow api -> db \"q\"\n");
	assert_int_equal(p.diags.errors, 2);
	assert_rendered(&p, "t.threat:2:19: error: expected ',' or ']' in the list, found ':'\n"
	                    "    2 |   tags [linux, aws:ec2]\n"
	                    "      |                   ^\n"
	                    "t.threat:2:8: note: the list starts here\n"
	                    "    2 |   tags [linux, aws:ec2]\n"
	                    "      |        ^\n"
	                    "t.threat:5:26: error: expected ',' or ']' in the list, found 'postgres'\n"
	                    "    5 | store db { engine [mysql postgres] }\n"
	                    "      |                          ^~~~~~~~\n"
	                    "t.threat:5:19: note: the list starts here\n"
	                    "    5 | store db { engine [mysql postgres] }\n"
	                    "      |                   ^\n"
	                    "2 errors\n");
	assert_true(p.file->damaged);
	assert_false(p.file->unsound);
	assert_int_equal(p.file->nlost, 2);
	assert_string_equal(p.file->lost[0], "api");
	assert_string_equal(p.file->lost[1], "db");
	assert_int_equal(p.file->ndecls, 1);
	assert_int_equal(p.file->decls[0]->kind, TM_DECL_FLOW);
	done(&p);
}

/* An error inside a child's block: the whole top-level statement goes,
 * its children with it (covered by its id); the next one is parsed. */
static void test_recovery_nested_block(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "process api {\n"
	          "  process auth \"Auth\" {\n"
	          "    mode = strict\n"
	          "    store cache\n"
	          "  }\n"
	          "  zone [a b]\n"
	          "}\n"
	          "store db \"DB\"\n"
	          "flow a b\n");
	assert_int_equal(p.diags.errors, 2);
	assert_error_at(&p, 0, "unexpected character '='", 3, 10);
	assert_error_at(&p, 1, "expected '->' or '<->' after the flow's source, found 'b'", 9, 8);
	assert_int_equal(p.file->ndecls, 1);
	assert_string_equal(p.file->decls[0]->id, "db");
	assert_int_equal(p.file->nlost, 2);
	assert_string_equal(p.file->lost[0], "api");
	assert_string_equal(p.file->lost[1], "cache"); /* a child skipped over */
	/* a flow whose ends are not known: its key is not */
	assert_true(p.file->unsound);
	done(&p);
}

/* A block still open when the file ends: one error at its '{', and the
 * file cannot be resolved (everything after went into the block). */
static void test_recovery_unterminated_block(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "model \"m\" { date 2026-03-24 }\n"
	          "process api \"API\" {\n"
	          "  tech hono\n"
	          "  process auth\n");
	assert_int_equal(p.diags.errors, 1);
	assert_error_at(&p, 0, "unclosed block: this '{' has no matching '}'", 2, 19);
	assert_int_equal(p.file->ndecls, 1);
	assert_true(p.file->unsound);
	done(&p);
}

/* A line of garbage is one error, not one per byte; the statement on the
 * next line is parsed. */
static void test_recovery_garbage(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "\x01\x02\xff garbage ~~ \\ \x7f\n"
	          "process a \"x\" { k [1 2] }\n"
	          "store b { t ~ ~ }\n"
	          "external c\n");
	assert_int_equal(p.diags.errors, 3);
	assert_error_at(&p, 0, "unexpected control character 0x01", 1, 1);
	assert_error_at(&p, 1, "expected ',' or ']' in the list, found '2'", 2, 22);
	assert_error_at(&p, 2, "unexpected character '~'", 3, 13);
	assert_int_equal(p.file->ndecls, 1);
	assert_string_equal(p.file->decls[0]->id, "c");
	/* the garbage might have declared anything */
	assert_true(p.file->unsound);
	done(&p);

	/* A misspelt keyword still tells the id it meant. */
	parse(&p, "proces web \"Web\" { tech nextjs }\nstore db\n");
	assert_int_equal(p.diags.errors, 1);
	assert_false(p.file->unsound);
	assert_int_equal(p.file->nlost, 1);
	assert_string_equal(p.file->lost[0], "web");
	done(&p);

	/* Recovery from the broken statement before it stops at a misspelt
	 * keyword, so that mistake is reported too; an attribute that runs
	 * on after a stray ']' is not taken for one. */
	parse(&p, "store c { t ~ }\nproces d \"z\"\nstore e { x ]\n  tls true\n}\nextrenal f\n");
	assert_int_equal(p.diags.errors, 4);
	assert_error_at(&p, 0, "unexpected character '~'", 1, 13);
	assert_error_at(&p, 1,
	                "expected a statement (model, use, include, asset, actor, external, process, store, boundary, "
	                "flow, threat, mitigation, accept), found 'proces'",
	                2, 1);
	assert_error_at(&p, 2, "expected a value for 'x', found ']'", 3, 13);
	assert_error_at(&p, 3,
	                "expected a statement (model, use, include, asset, actor, external, process, store, boundary, "
	                "flow, threat, mitigation, accept), found 'extrenal'",
	                6, 1);
	done(&p);
}

/* Recovery always moves on: a file of nothing but errors ends, and the
 * errors past the cap are counted, not kept. */
static void test_recovery_terminates(void **state)
{
	(void)state;
	size_t n = 5000;
	char *text = malloc(n * 32 + 1);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "store s%zu { x ] }\n", i % 10);
	parsed p;
	parse(&p, text);
	assert_int_equal(p.diags.errors, n);
	assert_int_equal(p.diags.count, TM_DIAG_MAX_ERRORS);
	assert_int_equal(p.file->ndecls, 0);
	done(&p);
	free(text);

	parse(&p, "} } ] ) {\n{ [ \"\n");
	assert_int_equal(p.diags.errors, 2); /* the '}' and the unterminated string */
	done(&p);
}

/* Patterns: in a finding id of a value, and nowhere else. */
static void test_patterns(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "mitigation M-01 { mitigates [STRIDE-T-*@api, *@legacy_*, R@web->*, T-01@a.*] }\n"
	          "accept *@*<->db \"r\"\n");
	assert_int_equal(p.diags.errors, 0);
	const tm_value *list = tm_decl_attr(p.file->decls[0], "mitigates")->value;
	assert_int_equal(list->nitems, 4);
	const tm_ref *r = list->items[0]->ref;
	assert_int_equal(r->kind, TM_REF_FINDING);
	assert_true(r->pattern);
	assert_string_equal(r->rule, "STRIDE-T-*");
	assert_string_equal(r->name, "api");
	r = list->items[2]->ref;
	assert_string_equal(r->rule, "R");
	assert_string_equal(r->name, "web");
	assert_string_equal(r->target, "*");
	assert_true(r->pattern);
	assert_string_equal(list->items[3]->ref->name, "a.*");
	r = p.file->decls[1]->target;
	assert_true(r->pattern && r->bidirectional);
	assert_string_equal(r->rule, "*");
	done(&p);

	parse(&p, "process web { tech next* }\nflow web -> api*\nthreat T-01 { on web }\n");
	assert_int_equal(p.diags.errors, 2);
	assert_error_at(&p, 0, "unexpected pattern 'next*'", 1, 20);
	assert_string_equal(p.diags.items[0].notes[0].message,
	                    "a '*' stands only in a finding id of `mitigates` or `accept`, like STRIDE-T-*@api "
	                    "or *@legacy_*");
	assert_error_at(&p, 1, "unexpected pattern 'api*'", 2, 13);
	assert_int_equal(p.file->ndecls, 1);
	done(&p);
}

static void test_depth_limit(void **state)
{
	(void)state;
	size_t n = 100000;
	char *text = malloc(n + 32);
	strcpy(text, "model \"x\" { a ");
	memset(text + 14, '[', n);
	strcpy(text + 14 + n, "}");
	parsed p;
	parse(&p, text);
	assert_int_equal(p.diags.errors, 1);
	assert_string_equal(p.diags.items[0].message, "nesting is too deep (more than 200 levels)");
	done(&p);
	free(text);
}

static void test_bad_date_and_duplicate_attribute(void **state)
{
	(void)state;
	parsed p;
	parse(&p, "model \"x\" { date 2026-02-30\n date 2026-01-01 }\n");
	assert_int_equal(p.diags.errors, 2);
	assert_error_at(&p, 0, "invalid date 2026-02-30", 1, 18);
	assert_error_at(&p, 1, "attribute 'date' is given twice", 2, 2);
	done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_get),
		cmocka_unit_test(test_elements_and_children),
		cmocka_unit_test(test_flows_and_references),
		cmocka_unit_test(test_model_boundary_use),
		cmocka_unit_test(test_several_errors_in_one_run),
		cmocka_unit_test(test_unclosed_block_and_children),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_recovery_two_statements),
		cmocka_unit_test(test_recovery_nested_block),
		cmocka_unit_test(test_recovery_unterminated_block),
		cmocka_unit_test(test_recovery_garbage),
		cmocka_unit_test(test_recovery_terminates),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_bad_date_and_duplicate_attribute),
		cmocka_unit_test(test_node_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
