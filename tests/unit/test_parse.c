/* Parser: the shape of the tree for every construct, and the errors with
 * their places, several in one run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
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
		cmocka_unit_test(test_elements_and_children),
		cmocka_unit_test(test_flows_and_references),
		cmocka_unit_test(test_model_boundary_use),
		cmocka_unit_test(test_several_errors_in_one_run),
		cmocka_unit_test(test_unclosed_block_and_children),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_bad_date_and_duplicate_attribute),
		cmocka_unit_test(test_node_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
