/* Unit tests for src/lang/fmt.c: the canonical layout (exact output for each
 * construct), its properties (idempotence, the meaning and every comment
 * kept) on these cases, the golden cases and the examples, and the file
 * handling of `threat fmt` (check mode never writes, atomic rewrite, broken
 * input left alone). Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "lang/fmt.h"
#include "threat/status.h"

/* ---- helpers: parsing and comparing trees ---- */

/* Parses text into arena; returns NULL (and the errors in *errors) when it
 * does not parse cleanly. */
static tm_file *parse(tm_arena *arena, const char *text, size_t len, size_t *errors)
{
	tm_diags diags = {0};
	tm_source *src = tm_source_from_text(arena, "test.threat", text, len);
	tm_file *file = NULL;
	size_t n = tm_parse_file(&file, arena, src, &diags);
	if (errors)
		*errors = n;
	tm_diags_free(&diags);
	return n ? NULL : file;
}

static bool same_text(const char *a, size_t alen, const char *b, size_t blen)
{
	if (!a || !b)
		return a == b;
	return alen == blen && memcmp(a, b, alen) == 0;
}

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool same_ref(const tm_ref *a, const tm_ref *b)
{
	return a->kind == b->kind && same_str(a->rule, b->rule) && same_str(a->name, b->name) &&
	       same_str(a->target, b->target) && a->bidirectional == b->bidirectional &&
	       a->pattern == b->pattern;
}

static bool same_block(const tm_block *a, const tm_block *b);
static bool same_decl(const tm_decl *a, const tm_decl *b);

/* The meaning of a value: its kind and content, not how it was written
 * (a """ string may come back as "..." when it has no """ form). */
static bool same_value(const tm_value *a, const tm_value *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case TM_VAL_IDENT:
	case TM_VAL_NUMBER:
	case TM_VAL_DATE:
	case TM_VAL_STRING:
		return same_text(a->text, a->len, b->text, b->len) && a->number == b->number && a->date == b->date;
	case TM_VAL_BOOL: return a->boolean == b->boolean;
	case TM_VAL_REF: return same_ref(a->ref, b->ref);
	case TM_VAL_LIST:
		if (a->nitems != b->nitems)
			return false;
		for (size_t i = 0; i < a->nitems; i++)
			if (!same_value(a->items[i], b->items[i]))
				return false;
		return true;
	case TM_VAL_BLOCK: return same_block(a->block, b->block);
	}
	return false;
}

static bool same_block(const tm_block *a, const tm_block *b)
{
	if (!a || !b)
		return a == b;
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++) {
		const tm_block_item *x = &a->items[i], *y = &b->items[i];
		if ((x->attr == NULL) != (y->attr == NULL))
			return false;
		if (x->attr && (!same_str(x->attr->name, y->attr->name) || !same_value(x->attr->value, y->attr->value)))
			return false;
		if (x->decl && !same_decl(x->decl, y->decl))
			return false;
	}
	return true;
}

static bool same_decl(const tm_decl *a, const tm_decl *b)
{
	if (a->kind != b->kind || !same_str(a->id, b->id) || !same_text(a->label, a->label_len, b->label, b->label_len))
		return false;
	if ((a->target == NULL) != (b->target == NULL) || (a->target && !same_ref(a->target, b->target)))
		return false;
	if (a->has_members != b->has_members || a->nmembers != b->nmembers)
		return false;
	for (size_t i = 0; i < a->nmembers; i++)
		if (!same_ref(&a->members[i], &b->members[i]))
			return false;
	return same_block(a->block, b->block);
}

/* A comment's text without the white space (or \r) that ends its line. */
static size_t comment_len(const tm_file *file, const tm_comment *c)
{
	uint32_t end = c->end;
	while (end > c->start + 1 && strchr(" \t\r", file->src->text[end - 1]))
		end--;
	return end - c->start;
}

/* Same statements in the same order with the same meaning, and the same
 * comments in the same order. */
static void assert_same_file(const tm_file *a, const tm_file *b, const char *what)
{
	if (a->ndecls != b->ndecls)
		fail_msg("%s: %zu statements became %zu", what, a->ndecls, b->ndecls);
	for (size_t i = 0; i < a->ndecls; i++)
		if (!same_decl(a->decls[i], b->decls[i]))
			fail_msg("%s: statement %zu (%s) changed meaning", what, i + 1, tm_decl_keywords[a->decls[i]->kind]);
	if (a->ncomments != b->ncomments)
		fail_msg("%s: %zu comments became %zu", what, a->ncomments, b->ncomments);
	for (size_t i = 0; i < a->ncomments; i++) {
		size_t la = comment_len(a, &a->comments[i]), lb = comment_len(b, &b->comments[i]);
		if (!same_text(a->src->text + a->comments[i].start, la, b->src->text + b->comments[i].start, lb))
			fail_msg("%s: comment %zu changed: %.*s", what, i + 1, (int)la, a->src->text + a->comments[i].start);
	}
}

/* Formats text that must parse; checks the properties every output must
 * have (it parses to the same tree with the same comments, and formatting
 * it again changes nothing) and returns it (free()). */
static char *fmt_checked(const char *text, size_t len, const char *what)
{
	tm_arena *arena = tm_arena_new();
	size_t errors = 0;
	tm_file *file = parse(arena, text, len, &errors);
	if (!file)
		fail_msg("%s: the input has %zu parse errors", what, errors);
	char *out = tm_fmt_file(file);
	tm_file *again = parse(arena, out, strlen(out), &errors);
	if (!again)
		fail_msg("%s: the output has %zu parse errors:\n%s", what, errors, out);
	assert_same_file(file, again, what);
	char *twice = tm_fmt_file(again);
	if (strcmp(out, twice) != 0)
		fail_msg("%s: not idempotent:\n--- once\n%s--- twice\n%s", what, out, twice);
	free(twice);
	tm_arena_free(arena);
	return out;
}

static void check_fmt(const char *in, const char *expected)
{
	char *out = fmt_checked(in, strlen(in), in);
	assert_string_equal(out, expected);
	free(out);
}

/* ---- the layout, construct by construct ---- */

static void test_empty(void **state)
{
	(void)state;
	check_fmt("", "");
	check_fmt("\n\n  \n", "");
	check_fmt(";;\n", "");
	check_fmt("# only a comment", "# only a comment\n");
	check_fmt("\n\n# a\n\n\n\n# b   \n\n", "# a\n\n# b\n");
}

static void test_statements(void **state)
{
	(void)state;
	check_fmt("use   \"stride\"\ninclude \"./infra.threat\"", "use \"stride\"\ninclude \"./infra.threat\"\n");
	check_fmt("asset A-02 \"user PII\" {sensitivity high ; owner \"database\"\n pii true}",
	          "asset A-02 \"user PII\" { sensitivity high  owner \"database\"  pii true }\n");
	check_fmt("actor insider \"Rogue admin\" { access internal }",
	          "actor insider \"Rogue admin\" { access internal }\n");
	check_fmt("external   browser\n", "external browser\n");
	check_fmt("store db {}\n", "store db {}\n");
	check_fmt("model \"Portal\" { version \"1.3\"  date 2026-03-24 }",
	          "model \"Portal\" { version \"1.3\"  date 2026-03-24 }\n");
	check_fmt("boundary TB-03 \"Next.js → Hono\" < api ,TB-04,> { controls [\"JWT\",\"CORS\"] }",
	          "boundary TB-03 \"Next.js → Hono\" <api, TB-04> { controls [\"JWT\", \"CORS\"] }\n");
	check_fmt("boundary TB-04 <>", "boundary TB-04 <>\n");
	check_fmt("boundary TB-05 \"x\"", "boundary TB-05 \"x\"\n");
}

static void test_flows_and_refs(void **state)
{
	(void)state;
	check_fmt("flow browser->web \"pages\" {protocol https}", "flow browser -> web \"pages\" { protocol https }\n");
	check_fmt("flow sql : api . dal->db", "flow sql: api.dal -> db\n");
	check_fmt("flow api<->keycloak \"OIDC\"", "flow api <-> keycloak \"OIDC\"\n");
	check_fmt("threat T-01 \"x\" { on browser->web }", "threat T-01 \"x\" { on browser -> web }\n");
	check_fmt("threat T-02 { on a<->b.c }", "threat T-02 { on a <-> b.c }\n");
	check_fmt("mitigation M-01 { mitigates [T-01,STRIDE-T-01@sql, STRIDE-I-02@web -> api, R@a<->b] }",
	          "mitigation M-01 { mitigates [T-01, STRIDE-T-01@sql, STRIDE-I-02@web->api, R@a<->b] }\n");
	check_fmt("accept STRIDE-R-01@api \"Audit\" { by victoria  until 2026-09-01 }",
	          "accept STRIDE-R-01@api \"Audit\" { by victoria  until 2026-09-01 }\n");
	check_fmt("accept T-01", "accept T-01\n");
}

/* Patterns in `mitigates` and `accept` come back as written; only the
 * spaces around an arrow go, as in any finding id. */
static void test_patterns(void **state)
{
	(void)state;
	check_fmt("mitigation M-01 { mitigates [STRIDE-T-04@*, STRIDE-T-*@api, *@legacy_*, *@api.*] }",
	          "mitigation M-01 { mitigates [STRIDE-T-04@*, STRIDE-T-*@api, *@legacy_*, *@api.*] }\n");
	check_fmt("mitigation M-02 { mitigates [STRIDE-I-*@web -> *, *@* <-> db, S-*-0*@a*.b->c] }",
	          "mitigation M-02 { mitigates [STRIDE-I-*@web->*, *@*<->db, S-*-0*@a*.b->c] }\n");
	check_fmt("accept *@legacy_* \"Retired\" { by victoria }",
	          "accept *@legacy_* \"Retired\" { by victoria }\n");
	check_fmt("accept STRIDE-*-0*@*->erp", "accept STRIDE-*-0*@*->erp\n");
}

static void test_values(void **state)
{
	(void)state;
	/* Numbers and dates as written; booleans and identifiers as words. */
	check_fmt("asset a { weight 1.50  count 007  when 2026-01-31  pii false  kind x_y-z }",
	          "asset a { weight 1.50  count 007  when 2026-01-31  pii false  kind x_y-z }\n");
	check_fmt("asset a { tags [] }", "asset a { tags [] }\n");
	check_fmt("asset a { m [[a, b], [], [\"c\"]] }", "asset a { m [[a, b], [], [\"c\"]] }\n");
	/* A nested block makes its parent multi-line; it stays inline itself. */
	check_fmt("threat T-01 { likelihood { skill 2 motive 3 } impact { confidentiality 3 } }",
	          "threat T-01 {\n"
	          "  likelihood { skill 2  motive 3 }\n"
	          "  impact { confidentiality 3 }\n"
	          "}\n");
	check_fmt("asset a { x {} }", "asset a {\n  x {}\n}\n");
}

static void test_strings(void **state)
{
	(void)state;
	/* Canonical escapes: \" \\ \n \t, \u{X} for other control characters
	 * (and DEL); everything else (UTF-8 included) as itself. */
	check_fmt("asset a \"q\\\"b\\\\s\\n\\t\\u{1}\\u{7F}\\u{e9}\\u{1F600}\"",
	          "asset a \"q\\\"b\\\\s\\n\\t\\u{1}\\u{7F}é😀\"\n");
	/* A raw tab in a string becomes \t. */
	check_fmt("asset a \"x\ty\"", "asset a \"x\\ty\"\n");
	check_fmt("asset a \"\"", "asset a \"\"\n");
}

static void test_triple_strings(void **state)
{
	(void)state;
	/* Re-indented one step past the attribute, closing quotes with the text. */
	check_fmt("model \"m\" {\ndescription \"\"\"\n        First line.\n          indented\n\n        Last.\n  \"\"\"\n}",
	          "model \"m\" {\n"
	          "  description \"\"\"\n"
	          "    First line.\n"
	          "      indented\n"
	          "\n"
	          "    Last.\n"
	          "    \"\"\"\n"
	          "}\n");
	/* One line stays on one line (and may stay inline). */
	check_fmt("asset a { d \"\"\"One \"quoted\" paragraph. \"\"\" }",
	          "asset a { d \"\"\"One \"quoted\" paragraph. \"\"\" }\n");
	check_fmt("asset a { d \"\"\"  padded\"\"\" }", "asset a { d \"\"\"padded\"\"\" }\n");
	/* As a label of a top-level statement. */
	check_fmt("threat T-1 \"\"\"\n  two\n  lines\"\"\"\n", "threat T-1 \"\"\"\n  two\n  lines\n  \"\"\"\n");
	/* Text ending in a newline keeps it (an empty last line). */
	check_fmt("asset a { d \"\"\"\n  x\n\n  \"\"\" }", "asset a {\n  d \"\"\"\n    x\n\n    \"\"\"\n}\n");
	/* Quotes at the very end belong to the text. */
	check_fmt("asset a { d \"\"\"say \"hi\"\"\"\" }", "asset a { d \"\"\"say \"hi\"\"\"\" }\n");
}

/* text repeated n times (heap). */
static char *repeat(const char *text, size_t n)
{
	tm_buf buf = TM_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		tm_buf_puts(&buf, text);
	return tm_buf_detach(&buf);
}

static void check_fmt_with(const char *in_fmt, const char *out_fmt, const char *fill)
{
	tm_buf in = TM_BUF_INIT, out = TM_BUF_INIT;
	tm_buf_printf(&in, in_fmt, fill);
	tm_buf_printf(&out, out_fmt, fill);
	check_fmt(tm_buf_str(&in), tm_buf_str(&out));
	tm_buf_free(&in);
	tm_buf_free(&out);
}

static void test_width(void **state)
{
	(void)state;
	/* `asset a { x "` and `" }` take 16 columns. Exactly 100: inline; one
	 * more: one attribute per line. */
	char *a84 = repeat("a", 84), *a85 = repeat("a", 85);
	check_fmt_with("asset a { x \"%s\" }", "asset a { x \"%s\" }\n", a84);
	check_fmt_with("asset a { x \"%s\" }", "asset a {\n  x \"%s\"\n}\n", a85);
	/* Width counts characters, not bytes. */
	char *e84 = repeat("é", 84);
	check_fmt_with("asset a { x \"%s\" }", "asset a { x \"%s\" }\n", e84);
	/* A string too long for any line goes as is, in a list of its own. */
	char *b120 = repeat("b", 120);
	check_fmt_with("asset a { x [\"%s\"] }", "asset a {\n  x [\n    \"%s\",\n  ]\n}\n", b120);
	/* A block in a list item must leave room for the comma. */
	char *c87 = repeat("c", 87), *c88 = repeat("c", 88);
	check_fmt_with("asset a { x [{ k \"%s\" }] }", "asset a {\n  x [\n    { k \"%s\" },\n  ]\n}\n", c87);
	check_fmt_with("asset a { x [{ k \"%s\" }] }", "asset a {\n  x [\n    {\n      k \"%s\"\n    },\n  ]\n}\n",
	               c88);
	free(c87);
	free(c88);
	free(a84);
	free(a85);
	free(e84);
	free(b120);
	/* A list too long for its line: one item per line, trailing comma. */
	check_fmt("store db {\n stores [A-01, A-02, A-03, A-04, A-05, A-06, A-07, A-08, A-09, A-10, A-11, A-12, A-13, "
	          "A-14, A-15, A-16, A-17]\n rls true\n}",
	          "store db {\n"
	          "  stores [\n"
	          "    A-01,\n    A-02,\n    A-03,\n    A-04,\n    A-05,\n    A-06,\n    A-07,\n    A-08,\n"
	          "    A-09,\n    A-10,\n    A-11,\n    A-12,\n    A-13,\n    A-14,\n    A-15,\n    A-16,\n"
	          "    A-17,\n"
	          "  ]\n"
	          "  rls true\n"
	          "}\n");
	/* The same list fits once the block is multi-line. */
	check_fmt("store db { stores [A-01, A-02, A-03, A-04, A-05, A-06, A-07, A-08, A-09, A-10, A-11, A-12, A-13] "
	          " rls true }",
	          "store db {\n"
	          "  stores [A-01, A-02, A-03, A-04, A-05, A-06, A-07, A-08, A-09, A-10, A-11, A-12, A-13]\n"
	          "  rls true\n"
	          "}\n");
}

static void test_children(void **state)
{
	(void)state;
	check_fmt("process api \"Hono API\" { tech hono  auth jwt\n"
	          "process auth \"Auth middleware\"\n"
	          "process dal \"DAL\" { store cache { tech redis } }\n}",
	          "process api \"Hono API\" {\n"
	          "  tech hono\n"
	          "  auth jwt\n"
	          "  process auth \"Auth middleware\"\n"
	          "  process dal \"DAL\" {\n"
	          "    store cache { tech redis }\n"
	          "  }\n"
	          "}\n");
}

static void test_blank_lines(void **state)
{
	(void)state;
	/* Grouping kept, runs of blank lines collapsed to one. */
	check_fmt("use \"stride\"\nuse \"hygiene\"\n\n\n\nflow a -> b\nflow b -> c\n\nasset x\n",
	          "use \"stride\"\nuse \"hygiene\"\n\nflow a -> b\nflow b -> c\n\nasset x\n");
	/* A statement of several lines always has a blank line on both sides. */
	check_fmt("asset a\nprocess p {\n  tech x\n  store s\n}\nasset b\n",
	          "asset a\n\nprocess p {\n  tech x\n  store s\n}\n\nasset b\n");
	/* Inside blocks: kept between items, never after '{' or before '}'. */
	check_fmt("process p {\n\n\n  tech x\n\n\n\n  auth y\n  store s\n\n}\n",
	          "process p {\n  tech x\n\n  auth y\n  store s\n}\n");
}

static void test_comments(void **state)
{
	(void)state;
	/* Own-line comments at the indentation of what follows; trailing
	 * comments two spaces after their line; a comment inside a block makes
	 * it multi-line. */
	check_fmt("# head\n"
	          "\n"
	          "   # about a\n"
	          "asset a   # trails a\n"
	          "store db { tech postgresql # the engine\n"
	          "        # before rls\n"
	          "  rls true\n"
	          "     # before the brace\n"
	          "}   # after the brace\n"
	          "# at the end   \n",
	          "# head\n"
	          "\n"
	          "# about a\n"
	          "asset a  # trails a\n"
	          "\n"
	          "store db {\n"
	          "  tech postgresql  # the engine\n"
	          "  # before rls\n"
	          "  rls true\n"
	          "  # before the brace\n"
	          "}  # after the brace\n"
	          "# at the end\n");
	/* A comment after '{' trails the opening line. */
	check_fmt("process p { # what p is\n tech x }", "process p {  # what p is\n  tech x\n}\n");
	/* A comment in a list makes the list multi-line. */
	check_fmt("asset a { l [x, # the x\n y] }",
	          "asset a {\n  l [\n    x,  # the x\n    y,\n  ]\n}\n");
	check_fmt("asset a { l [ # none yet\n] }", "asset a {\n  l [  # none yet\n  ]\n}\n");
	/* The blank line that separates a multi-line statement goes before
	 * its comments, which stay attached to it. */
	check_fmt("asset a\n# about p\nprocess p { # x\n}\n", "asset a\n\n# about p\nprocess p {  # x\n}\n");
	/* A comment inside a statement's header moves to the end of the line
	 * (or, on its own line, before the next statement). */
	check_fmt("flow a # from a\n -> b \"label\"\nasset x", "flow a -> b \"label\"  # from a\nasset x\n");
	check_fmt("flow a\n# own line\n -> b\nasset x", "flow a -> b\n# own line\nasset x\n");
	check_fmt("flow a\n# own line\n -> b { tls true }\n", "flow a -> b { tls true }\n# own line\n");
	check_fmt("flow a\n# own line\n -> b { tls true\n # x\n }\n",
	          "flow a -> b {\n  # own line\n  tls true\n  # x\n}\n");
	/* '#' inside a string is text, not a comment. */
	check_fmt("asset a \"#1\" # real\n", "asset a \"#1\"  # real\n");
}

/* CRLF line ends, tabs, a byte-order mark and a missing final newline all
 * come out as the canonical LF, spaces, no BOM, one final newline. */
static void test_line_ends_tabs_bom(void **state)
{
	(void)state;
	const char *expected = "use \"stride\"\n"
	                       "\n"
	                       "process api {\n"
	                       "  tech hono\n"
	                       "  auth jwt  # checked\n"
	                       "  d \"\"\"\n"
	                       "    one\n"
	                       "    \ttwo\n"
	                       "    \"\"\"\n"
	                       "}\n";
	check_fmt("use \"stride\"\r\n\r\nprocess api {\r\n\ttech hono\r\n\tauth jwt\t# checked\t\r\n"
	          "\td \"\"\"\r\n\t\tone\r\n\t\t\ttwo\r\n\t\t\"\"\"\r\n}",
	          expected);
	check_fmt("\xEF\xBB\xBFuse \"stride\"\n\nprocess api {\n  tech hono\n  auth jwt # checked\n"
	          "  d \"\"\"\n  one\n  \ttwo\n  \"\"\"\n}\n",
	          expected);
	check_fmt("\xEF\xBB\xBF# first\n", "# first\n");
	check_fmt("asset a", "asset a\n");
	check_fmt("asset a # c", "asset a  # c\n");
}

/* Text that cannot be a """ string (a control character) keeps its value
 * as a "..." string. */
static void test_triple_fallback(void **state)
{
	(void)state;
	tm_arena *arena = tm_arena_new();
	const char *text = "asset a { d \"\"\"x\"\"\" }";
	tm_file *file = parse(arena, text, strlen(text), NULL);
	assert_non_null(file);
	tm_value *value = file->decls[0]->block->items[0].attr->value;
	value->text = "a\rb\n\"\"\" c";
	value->len = strlen(value->text);
	char *out = tm_fmt_file(file);
	assert_string_equal(out, "asset a { d \"a\\u{D}b\\n\\\"\\\"\\\" c\" }\n");
	free(out);
	tm_arena_free(arena);
}

/* ---- every golden case and example ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	tm_buf buf = TM_BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		tm_buf_put(&buf, chunk, n);
	fclose(f);
	*len = buf.len;
	return tm_buf_detach(&buf);
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* Collects the .threat files under dir (to depth levels). */
static void collect(const char *dir, int depth, char ***paths, size_t *count, size_t *cap)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		size_t n = strlen(dir) + strlen(e->d_name) + 2;
		char *path = tm_xmalloc(n);
		snprintf(path, n, "%s/%s", dir, e->d_name);
		struct stat st;
		size_t nl = strlen(e->d_name);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth > 0) {
			collect(path, depth - 1, paths, count, cap);
			free(path);
		} else if (S_ISREG(st.st_mode) && nl > 7 && strcmp(e->d_name + nl - 7, ".threat") == 0) {
			TM_VEC_PUSH(*paths, *count, *cap, path);
		} else {
			free(path);
		}
	}
	closedir(d);
}

/* Idempotence, meaning and comments kept on every file of the project that
 * parses; for the fmt golden cases also the expectations beside them. */
/* tm_fmt_source: the text of a source in memory (what `fmt -` prints), or
 * the diagnostics and no text. */
static void test_source_in_memory(void **state)
{
	(void)state;
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	const char *messy = "flow a->b {tls true;protocol https}  # x\n";
	const tm_source *src = tm_source_from_text(arena, "<stdin>", messy, strlen(messy));
	char *out = (char *)"unset";
	assert_int_equal(tm_fmt_source(&out, arena, src, &diags), TM_OK);
	assert_string_equal(out, "flow a -> b { tls true  protocol https }  # x\n");
	assert_int_equal(diags.count, 0);
	free(out);

	const char *broken = "flow a -> { tls true }\n";
	src = tm_source_from_text(arena, "<stdin>", broken, strlen(broken));
	out = (char *)"unset";
	assert_int_equal(tm_fmt_source(&out, arena, src, &diags), TM_ERR_INPUT);
	assert_null(out);
	assert_int_equal(diags.count, 1);
	assert_string_equal(diags.items[0].message, "expected an element id, found '{'");
	assert_ptr_equal(diags.items[0].span.src, src);
	tm_diags_free(&diags);
	tm_arena_free(arena);
}

static void test_project_files(void **state)
{
	(void)state;
	char **paths = NULL;
	size_t count = 0, cap = 0;
	collect("tests/golden", 1, &paths, &count, &cap);
	collect("examples", 2, &paths, &count, &cap);
	if (count == 0)
		fail_msg("no .threat files found: run from the repository root");
	size_t checked = 0, fmt_cases = 0;
	for (size_t i = 0; i < count; i++) {
		size_t len = 0;
		char *text = slurp(paths[i], &len);
		assert_non_null(text);
		tm_arena *arena = tm_arena_new();
		bool parses = parse(arena, text, len, NULL) != NULL;
		tm_arena_free(arena);
		bool is_fmt_case = strncmp(paths[i], "tests/golden/fmt/", 17) == 0;
		if (parses) {
			char *out = fmt_checked(text, len, paths[i]);
			checked++;
			if (is_fmt_case) {
				/* <case>.after holds the rewritten text; a --check case
				 * expects status 1 exactly when the text is not canonical. */
				char side[4096];
				size_t base = strlen(paths[i]) - 7, slen;
				snprintf(side, sizeof side, "%.*s.after", (int)base, paths[i]);
				char *after = slurp(side, &slen);
				if (after) {
					assert_string_equal(out, after);
					free(after);
				}
				snprintf(side, sizeof side, "%.*s.cmd", (int)base, paths[i]);
				char *cmd = slurp(side, &slen);
				if (cmd && strstr(cmd, "--check")) {
					snprintf(side, sizeof side, "%.*s.code", (int)base, paths[i]);
					char *code = slurp(side, &slen);
					bool canonical = strcmp(out, text) == 0;
					if (canonical != (code == NULL))
						fail_msg("%s: canonical=%d but .code is %s", paths[i], canonical, code ? code : "absent");
					free(code);
				}
				free(cmd);
				fmt_cases++;
			}
			free(out);
		}
		free(text);
		free(paths[i]);
	}
	free(paths);
	assert_true(checked >= 3);
	assert_true(fmt_cases >= 3);
}

/* The same properties on variations of the examples: blank lines doubled,
 * CRLF line ends, indentation by tabs. */
static void test_variations(void **state)
{
	(void)state;
	static const char *const files[] = {"examples/hello.threat", "tests/golden/fmt/messy.threat"};
	for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
		size_t len;
		char *text = slurp(files[f], &len);
		if (!text)
			fail_msg("cannot read %s", files[f]);
		for (int variant = 0; variant < 3; variant++) {
			tm_buf buf = TM_BUF_INIT;
			for (size_t i = 0; i < len; i++) {
				if (text[i] == '\n')
					tm_buf_puts(&buf, variant == 0 ? "\n\n" : variant == 1 ? "\r\n" : "\n\t");
				else
					tm_buf_putc(&buf, text[i]);
			}
			char *out = fmt_checked(tm_buf_str(&buf), buf.len, files[f]);
			char *plain = fmt_checked(text, len, files[f]);
			/* CRLF and tabs change nothing once formatted. */
			if (variant > 0)
				assert_string_equal(out, plain);
			free(out);
			free(plain);
			tm_buf_free(&buf);
		}
		free(text);
	}
}

/* Every prefix of an example: what parses keeps the properties; what does
 * not still formats (the partial tree) without crashing. */
static void test_prefixes(void **state)
{
	(void)state;
	size_t len;
	char *text = slurp("examples/hello.threat", &len);
	if (!text)
		fail_msg("cannot read examples/hello.threat");
	size_t parsed = 0;
	for (size_t n = 0; n <= len; n += 7) {
		tm_arena *arena = tm_arena_new();
		tm_diags diags = {0};
		tm_file *file = NULL;
		tm_source *src = tm_source_from_text(arena, "prefix.threat", text, n);
		size_t errors = tm_parse_file(&file, arena, src, &diags);
		char *out = tm_fmt_file(file);
		assert_non_null(out);
		free(out);
		tm_diags_free(&diags);
		tm_arena_free(arena);
		if (!errors) {
			out = fmt_checked(text, n, "prefix");
			free(out);
			parsed++;
		}
	}
	assert_true(parsed > 10);
	free(text);
}

/* ---- tm_fmt_path ---- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_fmt.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	chmod(tmpdir, 0700);
	DIR *d = opendir(tmpdir);
	if (d) {
		struct dirent *e;
		char path[512];
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	return rmdir(tmpdir);
}

static size_t count_entries(void)
{
	size_t n = 0;
	DIR *d = opendir(tmpdir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Sets a file's times well in the past, so a write would show. */
static void age(const char *path)
{
	struct timespec times[2] = {{1000000000, 0}, {1000000000, 0}};
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static void assert_untouched(const char *path, const char *text)
{
	size_t len;
	char *now = slurp(path, &len);
	assert_non_null(now);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(now, text, len);
	free(now);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mtime, 1000000000);
}

static const char messy[] = "asset   a {pii true}\n\n\n# c\nflow a->b";
static const char tidy[] = "asset a { pii true }\n\n# c\nflow a -> b\n";

static int run_path(const char *path, bool check, bool *changed, tm_diags *diags)
{
	tm_arena *arena = tm_arena_new();
	int status = tm_fmt_path(arena, path, check, changed, diags);
	/* Render while the sources are alive, as the command does. */
	tm_buf rendered = TM_BUF_INIT;
	tm_diags_render(&rendered, diags, false);
	tm_buf_free(&rendered);
	tm_arena_free(arena);
	return status;
}

static void test_path_check_never_writes(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/check.threat", tmpdir);
	spit(path, messy);
	age(path);
	tm_diags diags = {0};
	bool changed = false;
	assert_int_equal(run_path(path, true, &changed, &diags), TM_OK);
	assert_true(changed);
	assert_untouched(path, messy);
	assert_int_equal(count_entries(), 1);
	/* A canonical file: not changed. */
	spit(path, tidy);
	age(path);
	assert_int_equal(run_path(path, true, &changed, &diags), TM_OK);
	assert_false(changed);
	assert_untouched(path, tidy);
	assert_int_equal(diags.count, 0);
	unlink(path);
}

static void test_path_rewrites(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/write.threat", tmpdir);
	spit(path, messy);
	assert_int_equal(chmod(path, 0604), 0);
	tm_diags diags = {0};
	bool changed = false;
	assert_int_equal(run_path(path, false, &changed, &diags), TM_OK);
	assert_true(changed);
	size_t len;
	char *now = slurp(path, &len);
	assert_string_equal(now, tidy);
	free(now);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	assert_int_equal(count_entries(), 1); /* no temporary left behind */
	/* Already canonical: not written again. */
	age(path);
	assert_int_equal(run_path(path, false, &changed, &diags), TM_OK);
	assert_false(changed);
	assert_untouched(path, tidy);
	/* Through a symbolic link: the target is rewritten, the link stays. */
	char link[128];
	snprintf(link, sizeof link, "%s/link.threat", tmpdir);
	spit(path, messy);
	assert_int_equal(symlink("write.threat", link), 0);
	assert_int_equal(run_path(link, false, &changed, &diags), TM_OK);
	assert_true(changed);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	now = slurp(path, &len);
	assert_string_equal(now, tidy);
	free(now);
	assert_int_equal(diags.count, 0);
	unlink(link);
	unlink(path);
}

static void test_path_broken_input(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/broken.threat", tmpdir);
	static const char broken[] = "asset   a {pii true\n\nflow a->\n";
	spit(path, broken);
	age(path);
	for (int check = 0; check < 2; check++) {
		tm_diags diags = {0};
		bool changed = true;
		assert_int_equal(run_path(path, check, &changed, &diags), TM_ERR_INPUT);
		assert_false(changed);
		assert_true(diags.errors > 0);
		tm_diags_free(&diags);
		assert_untouched(path, broken);
	}
	assert_int_equal(count_entries(), 1);
	unlink(path);
}

static void test_path_io_errors(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/missing.threat", tmpdir);
	tm_diags diags = {0};
	bool changed = true;
	assert_int_equal(run_path(path, false, &changed, &diags), TM_ERR_IO);
	assert_false(changed);
	assert_int_equal(diags.errors, 1);
	assert_non_null(strstr(diags.items[0].message, "missing.threat: cannot open"));
	tm_diags_free(&diags);
	assert_int_equal(run_path(tmpdir, false, &changed, &diags), TM_ERR_IO);
	tm_diags_free(&diags);

	/* No temporary can be created beside a file whose name is already as
	 * long as a name may be: the original stays as it was and nothing is
	 * left behind. */
	char name[256];
	memset(name, 'n', 248);
	memcpy(name + 248, ".threat", 8);
	char longpath[512];
	snprintf(longpath, sizeof longpath, "%s/%s", tmpdir, name);
	spit(longpath, messy);
	age(longpath);
	int status = run_path(longpath, false, &changed, &diags);
	assert_int_equal(status, TM_ERR_IO);
	assert_true(changed);
	assert_int_equal(diags.errors, 1);
	assert_non_null(strstr(diags.items[0].message, "cannot create a temporary file beside it"));
	tm_diags_free(&diags);
	assert_untouched(longpath, messy);
	assert_int_equal(count_entries(), 1);
	unlink(longpath);

	/* A read-only file is not replaced (root may write anything, so this
	 * part only runs for other users). */
	if (geteuid() != 0) {
		snprintf(path, sizeof path, "%s/readonly.threat", tmpdir);
		spit(path, messy);
		assert_int_equal(chmod(path, 0444), 0);
		age(path);
		assert_int_equal(run_path(path, false, &changed, &diags), TM_ERR_IO);
		assert_non_null(strstr(diags.items[0].message, "readonly.threat: cannot write it"));
		tm_diags_free(&diags);
		assert_untouched(path, messy);
		assert_int_equal(count_entries(), 1);
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_flows_and_refs),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_triple_strings),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_children),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_line_ends_tabs_bom),
		cmocka_unit_test(test_triple_fallback),
		cmocka_unit_test(test_project_files),
		cmocka_unit_test(test_variations),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_source_in_memory),
		cmocka_unit_test(test_path_check_never_writes),
		cmocka_unit_test(test_path_rewrites),
		cmocka_unit_test(test_path_broken_input),
		cmocka_unit_test(test_path_io_errors),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
