/* Unit tests for src/packtest: annotations read from a fixture's comments,
 * the comparison with the findings (missing, expect-not, unexpected,
 * lenient, patterns), which pack's findings a fixture checks, `# today:`,
 * and the errors that make a fixture broken or the run fail to start.
 * Each test writes packs and fixtures to a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/date.h"
#include "packtest/packtest.h"
#include "threat/status.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *file = fopen(path, "w");
	assert_non_null(file);
	fputs(text, file);
	fclose(file);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_packtest.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char sub[128];
	snprintf(sub, sizeof sub, "%s/one.tests", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof sub, "%s/two.tests", dir);
	mkdir(sub, 0755);
	write_file("one.lua", "rule { id = \"ONE-1\", category = \"check\", applies = \"process\", title = \"p\",\n"
	                      "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                      "  when = function(p) return p.attr.owner == nil end }\n"
	                      "rule { id = \"ONE-2\", category = \"check\", applies = \"flow\", title = \"f\",\n"
	                      "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                      "  when = function() return true end }\n"
	                      "rule { id = \"ONE-3\", category = \"check\", applies = \"model\", title = \"m\",\n"
	                      "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                      "  when = function(m) return m.today end }\n"
	                      "attribute { name = \"owner\", applies = \"process\", type = \"text\", doc = \"o\" }\n");
	write_file("two.lua", "rule { id = \"TWO-1\", category = \"check\", applies = \"store\", title = \"s\",\n"
	                      "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                      "  when = function() return true end }\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char command[128];
	snprintf(command, sizeof command, "rm -rf '%s'", dir);
	return system(command) == 0 ? 0 : -1;
}

/* A run of some packs (paths in the temporary folder) on their fixtures,
 * or on the one fixture named. */
typedef struct run {
	tm_packtest *test;
	tm_diags diags;
	int opened;
	char paths[4][256];
	const char *packs[4], *fixtures[1];
} run;

static void open_run(run *r, const char *const *packs, size_t npacks, const char *fixture, bool lenient)
{
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < npacks; i++) {
		snprintf(r->paths[i], sizeof r->paths[i], "%s/%s", dir, packs[i]);
		r->packs[i] = r->paths[i];
	}
	tm_packtest_options options = {.packs = r->packs, .npacks = npacks, .lenient = lenient};
	options.today = tm_date_from_ymd(2026, 6, 1);
	if (fixture) {
		snprintf(r->paths[3], sizeof r->paths[3], "%s/%s", dir, fixture);
		r->fixtures[0] = r->paths[3];
		options.fixtures = r->fixtures;
		options.nfixtures = 1;
	}
	r->opened = tm_packtest_open(&r->test, &options, &r->diags);
}

static void close_run(run *r)
{
	tm_packtest_free(r->test);
	tm_diags_free(&r->diags);
}

/* The fixture's problems as "why finding :line" lines. */
static char *problems(const tm_packtest_fixture *f)
{
	static const char *const why[] = {"missing", "expect-not", "unexpected"};
	tm_buf out = TM_BUF_INIT;
	for (size_t i = 0; i < f->nproblems; i++)
		tm_buf_printf(&out, "%s %s :%u\n", why[f->problems[i].why], f->problems[i].finding,
		              f->problems[i].line);
	char *text = tm_buf_detach(&out);
	return text ? text : calloc(1, 1);
}

static void assert_problems(const tm_packtest_fixture *f, const char *expected)
{
	char *got = problems(f);
	assert_string_equal(got, expected);
	free(got);
}

static char *diagnostics(const tm_diags *diags)
{
	tm_buf out = TM_BUF_INIT;
	tm_diags_render(&out, diags, false);
	char *text = tm_buf_detach(&out);
	return text ? text : calloc(1, 1);
}

static void test_pass_and_patterns(void **state)
{
	(void)state;
	write_file("one.tests/a.threat", "model \"A\" { date 2026-03-24 }\n"
	                                 "# expect: ONE-1@web, ONE-2@web->api -- explained\n"
	                                 "# expect: ONE-3@* ONE-1@a*\n"
	                                 "process web \"Web\"\n"
	                                 "process api \"API\"\n"
	                                 "flow web -> api \"calls\"\n"
	                                 "# expect-not: TWO-*@*\n");
	const char *packs[] = {"one.lua"};
	run r;
	open_run(&r, packs, 1, NULL, false);
	assert_int_equal(r.opened, TM_OK);
	assert_int_equal(tm_packtest_count(r.test), 1);
	const tm_packtest_fixture *f = tm_packtest_run(r.test, 0);
	assert_int_equal(f->status, TM_PACKTEST_PASSED);
	assert_string_equal(f->pack, "one");
	assert_int_equal(f->raised, 4);
	assert_int_equal(f->expected, 4);
	assert_int_equal(f->diags.count, 0);
	close_run(&r);
}

static void test_differences(void **state)
{
	(void)state;
	write_file("one.tests/b.threat", "model \"B\" { date 2026-03-24 }\n"
	                                 "# expect: ONE-1@web\n"
	                                 "process web \"Web\" { owner \"t\" }\n"
	                                 "process api \"API\"\n"
	                                 "# expect-not: ONE-2@*\n"
	                                 "flow web -> api \"calls\"\n"
	                                 "# expect: ONE-3@model\n");
	const char *packs[] = {"one.lua"};
	run r;
	open_run(&r, packs, 1, NULL, false);
	const tm_packtest_fixture *f = tm_packtest_run(r.test, 0);
	assert_int_equal(f->status, TM_PACKTEST_FAILED);
	assert_problems(f, "missing ONE-1@web :2\nunexpected ONE-1@api :4\nexpect-not ONE-2@web->api :5\n");
	assert_int_equal(f->expected, 1);
	size_t passed, failed, broken;
	tm_packtest_counts(r.test, &passed, &failed, &broken);
	assert_int_equal(failed, 1);
	close_run(&r);

	/* lenient: the unannotated finding passes, the others still fail */
	open_run(&r, packs, 1, NULL, true);
	f = tm_packtest_run(r.test, 0);
	assert_problems(f, "missing ONE-1@web :2\nexpect-not ONE-2@web->api :5\n");
	close_run(&r);
}

/* Each pack's fixtures check that pack's findings; a fixture named on the
 * line checks every pack's. */
static void test_owner_and_named_fixture(void **state)
{
	(void)state;
	const char *model = "model \"C\" { date 2026-03-24 }\n"
	                    "# expect: ONE-1@web, ONE-3@model\n"
	                    "process web \"Web\"\n"
	                    "store db \"DB\"\n";
	write_file("one.tests/c.threat", model);
	write_file("two.tests/c.threat", "model \"D\" { date 2026-03-24 }\n"
	                                 "# expect: TWO-1@db\n"
	                                 "store db \"DB\"\n");
	const char *packs[] = {"one.lua", "two.lua"};
	run r;
	open_run(&r, packs, 2, NULL, false);
	assert_int_equal(tm_packtest_count(r.test), 2);
	const tm_packtest_fixture *f = tm_packtest_run(r.test, 0);
	assert_int_equal(f->status, TM_PACKTEST_PASSED); /* TWO-1@db is two's, not checked */
	f = tm_packtest_run(r.test, 1);
	assert_string_equal(f->pack, "two");
	assert_int_equal(f->status, TM_PACKTEST_PASSED); /* ONE-3@model is one's */
	close_run(&r);

	write_file("named.threat", model);
	open_run(&r, packs, 2, "named.threat", false);
	assert_int_equal(tm_packtest_count(r.test), 1);
	f = tm_packtest_run(r.test, 0);
	assert_null(f->pack);
	assert_problems(f, "unexpected TWO-1@db :4\n");
	close_run(&r);
}

static void test_today(void **state)
{
	(void)state;
	write_file("one.tests/d.threat", "# today: 2026-01-15\n"
	                                 "model \"D\" { date 2026-01-01 }\n"
	                                 "# expect: ONE-3@model\n");
	const char *packs[] = {"one.lua"};
	run r;
	open_run(&r, packs, 1, NULL, false);
	const tm_packtest_fixture *f = tm_packtest_run(r.test, 0);
	assert_int_equal(f->status, TM_PACKTEST_PASSED);
	assert_int_equal(f->today, tm_date_from_ymd(2026, 1, 15));
	close_run(&r);
}

static void test_broken_annotations(void **state)
{
	(void)state;
	write_file("one.tests/e.threat", "model \"E\" { date 2026-03-24 }\n"
	                                 "# expect: ONE-9@web\n"
	                                 "# expect: ONE-1@wb\n"
	                                 "# expect:\n"
	                                 "# expect-none: ONE-1@web\n"
	                                 "# expected behaviour: prose, not an annotation\n"
	                                 "# today: 2026-01-01\n"
	                                 "# today: 2026-01-02\n"
	                                 "process web \"Web\"\n");
	const char *packs[] = {"one.lua"};
	run r;
	open_run(&r, packs, 1, NULL, false);
	const tm_packtest_fixture *f = tm_packtest_run(r.test, 0);
	assert_int_equal(f->status, TM_PACKTEST_BROKEN);
	assert_int_equal(f->nproblems, 0);
	char *text = diagnostics(&f->diags);
	tm_buf want = TM_BUF_INIT;
	tm_buf_printf(&want,
	              "%s/one.tests/e.threat:2:11: error: expect names no rule 'ONE-9' of the packs loaded\n"
	              "    2 | # expect: ONE-9@web\n"
	              "      |           ^~~~~~~~~\n"
	              "note: did you mean 'ONE-1'?\n"
	              "%s/one.tests/e.threat:3:11: error: expect names no element 'wb' of the fixture\n"
	              "    3 | # expect: ONE-1@wb\n"
	              "      |           ^~~~~~~~\n"
	              "note: did you mean 'web'?\n"
	              "%s/one.tests/e.threat:4:3: error: `expect:` names no finding\n"
	              "    4 | # expect:\n"
	              "      |   ^~~~~~~\n"
	              "%s/one.tests/e.threat:5:3: error: unknown annotation 'expect-none:': write `# expect: "
	              "RULE@ELEMENT`, `# expect-not: RULE@ELEMENT` or `# today: YYYY-MM-DD`\n"
	              "    5 | # expect-none: ONE-1@web\n"
	              "      |   ^~~~~~~~~~~~\n"
	              "%s/one.tests/e.threat:8:3: error: a second `today:` (the first is on line 7)\n"
	              "    8 | # today: 2026-01-02\n"
	              "      |   ^~~~~~~~~~~~~~~~~\n"
	              "5 errors\n",
	              dir, dir, dir, dir, dir);
	assert_string_equal(text, tm_buf_str(&want));
	tm_buf_free(&want);
	free(text);
	close_run(&r);
}

static void test_open_errors(void **state)
{
	(void)state;
	const char *missing[] = {"nope.lua"};
	run r;
	open_run(&r, missing, 1, NULL, false);
	assert_int_equal(r.opened, TM_ERR_INPUT);
	close_run(&r);

	/* two.lua's folder is empty: an error before any fixture runs */
	const char *packs[] = {"two.lua"};
	open_run(&r, packs, 1, NULL, false);
	assert_int_equal(r.opened, TM_ERR_INPUT);
	char *text = diagnostics(&r.diags);
	tm_buf want = TM_BUF_INIT;
	tm_buf_printf(&want,
	              "error: pack %s/two.lua has no fixtures: %s/two.tests/ holds no .threat file "
	              "(doc/rules.md, \"Testing a pack\")\n1 error\n",
	              dir, dir);
	assert_string_equal(text, tm_buf_str(&want));
	tm_buf_free(&want);
	free(text);
	close_run(&r);

	open_run(&r, packs, 1, "absent.threat", false);
	assert_int_equal(r.opened, TM_ERR_INPUT);
	close_run(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pass_and_patterns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_differences, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_owner_and_named_fixture, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_today, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_broken_annotations, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
