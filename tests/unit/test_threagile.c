/* Unit tests for src/interop/yaml_tree.c and src/interop/threagile.c: the
 * YAML tree (merge keys, nulls, bounds on nesting and alias expansion),
 * the mapping of a small model with exact output, foreign ids made into
 * unique identifiers, and large or hostile inputs that must end in a
 * located error or a model, quickly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/source.h"
#include "interop/threagile.h"
#include "interop/yaml_tree.h"
#include "threat/status.h"

/* Imports text without the rules; returns the status, *out the model (or
 * NULL) and *first the first diagnostic's "line:column: message". */
static int import(const char *text, size_t len, char **out, char *first, size_t size)
{
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	const tm_source *src = tm_source_from_text(arena, "t.yaml", text, len);
	tm_threagile_options options = {.no_rules = true};
	int status = tm_threagile_import(out, src, &options, &diags);
	first[0] = '\0';
	if (diags.count) {
		const tm_diag *d = &diags.items[0];
		uint32_t line = 0, column = 0;
		if (d->span.src)
			tm_source_position(d->span.src, d->span.start, &line, &column);
		snprintf(first, size, "%u:%u: %s", line, column, d->message);
	}
	tm_diags_free(&diags);
	tm_arena_free(arena);
	return status;
}

static void test_merge_keys_and_nulls(void **state)
{
	(void)state;
	const char *text = "base: &b {x: 1, y: 2}\n"
	                   "more: &m {z: 3}\n"
	                   "item:\n  <<: [*b, *m]\n  y: 20\n  empty:\n  tilde: ~\n  quoted: ''\n";
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	const tm_source *src = tm_source_from_text(arena, "t.yaml", text, strlen(text));
	tm_yaml_node *root = NULL;
	assert_int_equal(tm_yaml_load(&root, arena, src, &diags), TM_OK);
	const tm_yaml_node *item = tm_yaml_get(root, "item");
	assert_string_equal(tm_yaml_text(tm_yaml_get(item, "x")), "1");
	assert_string_equal(tm_yaml_text(tm_yaml_get(item, "y")), "20");
	assert_string_equal(tm_yaml_text(tm_yaml_get(item, "z")), "3");
	assert_true(tm_yaml_is_null(tm_yaml_get(item, "empty")));
	assert_true(tm_yaml_is_null(tm_yaml_get(item, "tilde")));
	assert_false(tm_yaml_is_null(tm_yaml_get(item, "quoted")));
	assert_null(tm_yaml_get(item, "missing"));
	/* the pairs skip the merge key */
	size_t i = 0, n = 0;
	const tm_yaml_node *key, *value;
	while (tm_yaml_pair(item, &i, &key, &value))
		n++;
	assert_int_equal(n, 4);
	tm_diags_free(&diags);
	tm_arena_free(arena);
}

static void test_small_model(void **state)
{
	(void)state;
	const char *text =
	    "threagile_version: 1.0.0\n"
	    "title: Shop\n"
	    "data_assets:\n"
	    "  Orders: {id: orders, confidentiality: confidential, quantity: many}\n"
	    "technical_assets:\n"
	    "  Shopper:\n"
	    "    id: shopper\n"
	    "    type: external-entity\n"
	    "    technology: browser\n"
	    "    used_as_client_by_human: true\n"
	    "    internet: true\n"
	    "    communication_links:\n"
	    "      Checkout:\n"
	    "        target: shop-api\n"
	    "        protocol: https\n"
	    "        authentication: session-id\n"
	    "        authorization: end-user-identity-propagation\n"
	    "        data_assets_sent: [orders]\n"
	    "  Shop API:\n"
	    "    id: shop-api\n"
	    "    type: process\n"
	    "    technology: web-service-rest\n"
	    "    communication_links:\n"
	    "      Store order:\n"
	    "        target: db\n"
	    "        protocol: jdbc-encrypted\n"
	    "        authentication: credentials\n"
	    "        authorization: technical-user\n"
	    "        vpn: true\n"
	    "        data_assets_sent: [orders]\n"
	    "        data_assets_received: [orders]\n"
	    "  DB:\n"
	    "    id: db\n"
	    "    type: datastore\n"
	    "    technology: database\n"
	    "    encryption: none\n"
	    "    data_assets_stored: [orders]\n"
	    "trust_boundaries:\n"
	    "  Cloud: {id: cloud, type: network-cloud-provider, technical_assets_inside: [shop-api],"
	    " trust_boundaries_nested: [private]}\n"
	    "  Private: {id: private, type: network-cloud-security-group, technical_assets_inside: [db]}\n"
	    "shared_runtimes:\n"
	    "  K8s: {id: k8s, technical_assets_running: [shop-api, db]}\n";
	char *out = NULL, first[256];
	assert_int_equal(import(text, strlen(text), &out, first, sizeof first), TM_OK);
	assert_string_equal(first, "");
	assert_string_equal(out,
	                    "# Imported from a Threagile model by `threat import threagile`.\n"
	                    "\n"
	                    "model \"Shop\" {}\n"
	                    "\n"
	                    "# ---- data assets\n"
	                    "\n"
	                    "asset orders \"Orders\" { sensitivity high  x-threagile-quantity many }\n"
	                    "\n"
	                    "# ---- technical assets\n"
	                    "\n"
	                    "external shopper \"Shopper\" { kind browser  zone internet }\n"
	                    "\n"
	                    "process shop-api \"Shop API\" { kind api  x-threagile-runtime \"K8s\" }\n"
	                    "\n"
	                    "store db \"DB\" { kind database  encrypted false  stores [orders]  "
	                    "x-threagile-runtime \"K8s\" }\n"
	                    "\n"
	                    "# ---- trust boundaries\n"
	                    "\n"
	                    "boundary cloud \"Cloud\" <shop-api, private> { kind network-cloud-provider }\n"
	                    "\n"
	                    "boundary private \"Private\" <db> { kind network-cloud-security-group }\n"
	                    "\n"
	                    "# ---- communication links\n"
	                    "\n"
	                    "flow checkout: shopper -> shop-api \"Checkout\" {\n"
	                    "  protocol https\n"
	                    "  auth session_cookie\n"
	                    "  authz end_user\n"
	                    "  identity_propagation true\n"
	                    "  data [orders]\n"
	                    "}\n"
	                    "\n"
	                    "flow store_order: shop-api <-> db \"Store order\" {\n"
	                    "  protocol jdbc\n"
	                    "  tls true\n"
	                    "  auth password\n"
	                    "  authz technical_user\n"
	                    "  data [orders]\n"
	                    "  x-threagile-received [orders]\n"
	                    "  x-threagile-vpn true\n"
	                    "}\n");
	free(out);
}

static void test_foreign_ids(void **state)
{
	(void)state;
	const char *text = "threagile_version: 1\n"
	                   "technical_assets:\n"
	                   "  A: {id: 'a b', type: process}\n"
	                   "  B: {id: 'a-b', type: process}\n"
	                   "  C: {id: 'a_b', type: process}\n"
	                   "  D: {id: '9lives', type: process}\n"
	                   "  E: {id: 'flow', type: process}\n"
	                   "  F: {id: '--', type: process}\n";
	char *out = NULL, first[256];
	assert_int_equal(import(text, strlen(text), &out, first, sizeof first), TM_OK);
	assert_non_null(strstr(out, "process a_b \"A\" { x-threagile-id \"a b\" }\n"));
	assert_non_null(strstr(out, "process a-b \"B\" {}\n"));
	assert_non_null(strstr(out, "process a_b_2 \"C\" { x-threagile-id \"a_b\" }\n"));
	assert_non_null(strstr(out, "process id_9lives \"D\" { x-threagile-id \"9lives\" }\n"));
	assert_non_null(strstr(out, "process flow_ \"E\" { x-threagile-id \"flow\" }\n"));
	assert_non_null(strstr(out, "process unnamed \"F\" { x-threagile-id \"--\" }\n"));
	free(out);
}

static void test_errors_are_located(void **state)
{
	(void)state;
	static const struct {
		const char *text, *first;
	} cases[] = {
	    {"threagile_version: 1\ntechnical_assets:\n  A: {id: a, type: process, machine: [x]}\n",
	     "3:38: 'machine' must be a scalar, not a list"},
	    {"threagile_version: 1\ntechnical_assets:\n  A: {type: process}\n",
	     "3:3: technical asset 'A' has no id"},
	    {"threagile_version: 1\ntechnical_assets:\n  A: {id: a, type: process}\n  B: {id: a, type: "
	     "process}\n",
	     "4:11: technical asset id 'a' is used twice"},
	    {"threagile_version: 1\ndata_assets: {D: {id: d}}\ntechnical_assets:\n  A: {id: a, type: "
	     "process, "
	     "data_assets_processed: [e]}\n",
	     "4:53: no data asset has the id 'e'"},
	    {"threagile_version: 1\ntrust_boundaries:\n  T: {id: t, trust_boundaries_nested: [u]}\n",
	     "3:40: no trust boundary has the id 'u'"},
	    {"threagile_version: [1\n", "2:1: YAML: did not find expected ',' or ']'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *out = NULL, first[256];
		assert_int_equal(import(cases[i].text, strlen(cases[i].text), &out, first, sizeof first),
		                 TM_ERR_INPUT);
		assert_null(out);
		assert_string_equal(first, cases[i].first);
	}
}

/* A document nested far beyond the bound (the top mapping is the first
 * level), and aliases that would expand
 * to a billion nodes: errors, found without recursion or expansion. */
static void test_bounds(void **state)
{
	(void)state;
	tm_buf text = TM_BUF_INIT;
	tm_buf_puts(&text, "x: ");
	tm_buf_fill(&text, '[', 100000);
	tm_buf_fill(&text, ']', 100000);
	char *out = NULL, first[256];
	assert_int_equal(import(tm_buf_str(&text), text.len, &out, first, sizeof first), TM_ERR_INPUT);
	assert_string_equal(first, "1:67: collections nest more than 64 deep");

	tm_buf_clear(&text);
	tm_buf_puts(&text, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 10; i++)
		tm_buf_printf(&text,
		              "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i,
		              i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	assert_int_equal(import(tm_buf_str(&text), text.len, &out, first, sizeof first), TM_ERR_INPUT);
	assert_string_equal(
	    first, "6:55: the document expands to more than 1000000 nodes (aliases that repeat aliases?)");

	/* a long text repeated by aliases: the 65th copy is one too many */
	tm_buf_clear(&text);
	tm_buf_puts(&text, "long: &long \"");
	tm_buf_fill(&text, 'x', 1 << 20);
	tm_buf_puts(&text, "\"\nrepeated: [");
	for (int i = 0; i < 100; i++)
		tm_buf_puts(&text, "*long, ");
	tm_buf_puts(&text, "]\n");
	assert_int_equal(import(tm_buf_str(&text), text.len, &out, first, sizeof first), TM_ERR_INPUT);
	assert_string_equal(first,
	                    "2:460: the document expands to more than 64 MiB of text (aliases that repeat a "
	                    "long text?)");
	tm_buf_free(&text);
}

/* 20,000 technical assets whose links all have the same title, and a
 * mapping of 200,000 keys: a model, or an error, in well under a second
 * each (unique ids are not found by counting up from 2 each time). */
static void test_large_inputs(void **state)
{
	(void)state;
	tm_buf text = TM_BUF_INIT;
	tm_buf_puts(&text, "threagile_version: 1\ntechnical_assets:\n");
	for (int i = 0; i < 20000; i++)
		tm_buf_printf(&text,
		              "  A%d: {id: a%d, type: process, communication_links: {Call: {target: a%d}}}\n",
		              i, i, (i + 1) % 20000);
	clock_t start = clock();
	char *out = NULL, first[256];
	assert_int_equal(import(tm_buf_str(&text), text.len, &out, first, sizeof first), TM_OK);
	assert_non_null(strstr(out, "flow call_20000: a19999 -> a0 \"Call\" {}\n"));
	free(out);
	assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 10.0);

	tm_buf_clear(&text);
	tm_buf_puts(&text, "threagile_version: 1\nquestions:\n");
	for (int i = 0; i < 200000; i++)
		tm_buf_printf(&text, "  q%d: a\n", i);
	tm_buf_puts(&text, "technical_assets: 7\n");
	start = clock();
	assert_int_equal(import(tm_buf_str(&text), text.len, &out, first, sizeof first), TM_ERR_INPUT);
	assert_string_equal(first, "200003:19: 'technical_assets' must be a mapping, not a scalar");
	assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 10.0);
	tm_buf_free(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_keys_and_nulls),
	    cmocka_unit_test(test_small_model),
	    cmocka_unit_test(test_foreign_ids),
	    cmocka_unit_test(test_errors_are_located),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_large_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
