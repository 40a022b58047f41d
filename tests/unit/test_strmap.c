/* Unit tests for src/base/strmap.c: lookup, add that keeps the first value,
 * set that replaces it, keys compared by content, and growth far past the
 * expected size with every key still found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/strmap.h"

static void test_add_get_set(void **state)
{
	(void)state;
	tm_strmap *map = tm_strmap_new(0);
	int a = 1, b = 2, c = 3;
	assert_null(tm_strmap_get(map, "web"));
	assert_null(tm_strmap_add(map, "web", &a));
	assert_ptr_equal(tm_strmap_get(map, "web"), &a);
	/* add keeps the value already there and returns it */
	assert_ptr_equal(tm_strmap_add(map, "web", &b), &a);
	assert_ptr_equal(tm_strmap_get(map, "web"), &a);
	/* set replaces it */
	tm_strmap_set(map, "web", &c);
	assert_ptr_equal(tm_strmap_get(map, "web"), &c);
	/* a key equal in content, at another address, is the same key */
	char copy[] = "web";
	assert_ptr_equal(tm_strmap_get(map, copy), &c);
	assert_null(tm_strmap_get(map, "we"));
	assert_null(tm_strmap_get(map, "web2"));
	assert_null(tm_strmap_get(map, ""));
	tm_strmap_free(map);
	tm_strmap_free(NULL);
}

/* Keys that differ in one character, as generated ids do (p1 ... p50000),
 * in a map sized for 16: every one is found after the table has grown. */
static void test_growth(void **state)
{
	(void)state;
	enum { COUNT = 50000 };
	char(*keys)[16] = calloc(COUNT, sizeof *keys);
	assert_non_null(keys);
	tm_strmap *map = tm_strmap_new(16);
	for (int i = 0; i < COUNT; i++) {
		snprintf(keys[i], sizeof keys[i], "p%d", i);
		assert_null(tm_strmap_add(map, keys[i], keys[i]));
	}
	for (int i = 0; i < COUNT; i++)
		assert_ptr_equal(tm_strmap_get(map, keys[i]), keys[i]);
	char absent[16];
	snprintf(absent, sizeof absent, "p%d", COUNT);
	assert_null(tm_strmap_get(map, absent));
	tm_strmap_free(map);
	free(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_get_set),
	    cmocka_unit_test(test_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
