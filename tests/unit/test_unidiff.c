/* Unit tests for src/render/unidiff.c: the unified diff `threat fmt
 * --check` prints: hunks with three lines of context, merged when close,
 * line numbers as diff -u writes them, a last line without a newline, and
 * sanitising on a terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "render/unidiff.h"

static void expect_diff(const char *old_text, const char *new_text, bool terminal, const char *want)
{
	tm_buf out = TM_BUF_INIT;
	tm_render_unified_diff(&out, "m.threat", old_text, strlen(old_text), "m.threat", new_text,
	                       strlen(new_text), terminal);
	assert_string_equal(tm_buf_str(&out), want);
	tm_buf_free(&out);
}

static void test_equal(void **state)
{
	(void)state;
	expect_diff("a\nb\n", "a\nb\n", false, "");
	expect_diff("", "", false, "");
}

static void test_one_change(void **state)
{
	(void)state;
	expect_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nfour and a half\n5\n6\n7\n8\n", false,
	            "--- m.threat\n+++ m.threat\n"
	            "@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+four and a half\n 5\n 6\n 7\n");
	expect_diff("a\nb\nc\n", "a\nc\n", false, "--- m.threat\n+++ m.threat\n@@ -1,3 +1,2 @@\n a\n-b\n c\n");
	expect_diff("x  =  1\n", "x = 1\n", false, "--- m.threat\n+++ m.threat\n@@ -1,1 +1,1 @@\n-x  =  1\n+x = 1\n");
}

static void test_hunks_joined(void **state)
{
	(void)state;
	/* six unchanged lines between two changes: one hunk */
	expect_diff("A\n2\n3\n4\n5\n6\n7\nH\n", "a\n2\n3\n4\n5\n6\n7\nh\n", false,
	            "--- m.threat\n+++ m.threat\n"
	            "@@ -1,8 +1,8 @@\n-A\n+a\n 2\n 3\n 4\n 5\n 6\n 7\n-H\n+h\n");
}

static void test_hunks_apart(void **state)
{
	(void)state;
	/* eight unchanged lines between: two hunks, three lines of context each */
	expect_diff("A\n2\n3\n4\n5\n6\n7\n8\n9\nJ\n", "a\n2\n3\n4\n5\n6\n7\n8\n9\nj\n", false,
	            "--- m.threat\n+++ m.threat\n"
	            "@@ -1,4 +1,4 @@\n-A\n+a\n 2\n 3\n 4\n"
	            "@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-J\n+j\n");
}

static void test_no_newline(void **state)
{
	(void)state;
	expect_diff("a\nb", "a\nb\n", false,
	            "--- m.threat\n+++ m.threat\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
	expect_diff("", "a\n", false, "--- m.threat\n+++ m.threat\n@@ -0,0 +1,1 @@\n+a\n");
}

static void test_terminal(void **state)
{
	(void)state;
	expect_diff("# \x1b[2J\n", "# ok\n", true,
	            "\x1b[1m--- m.threat\n+++ m.threat\x1b[0m\n\x1b[36m@@ -1,1 +1,1 @@\x1b[0m\n"
	            "\x1b[31m-# \xef\xbf\xbd[2J\x1b[0m\n\x1b[32m+# ok\x1b[0m\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_equal),      cmocka_unit_test(test_one_change),
	    cmocka_unit_test(test_hunks_joined),      cmocka_unit_test(test_hunks_apart),
	    cmocka_unit_test(test_no_newline), cmocka_unit_test(test_terminal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
