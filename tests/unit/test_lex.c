/* Lexer: token kinds, spans, newline counts, comments, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "lang/lex.h"

typedef struct lexed {
	tm_arena *arena;
	tm_source *src;
	tm_diags diags;
	tm_lexer lex;
	tm_token tokens[64];
	size_t count;
} lexed;

static void lex_all(lexed *l, const char *text)
{
	memset(l, 0, sizeof(*l));
	l->arena = tm_arena_new();
	l->src = tm_source_from_text(l->arena, "t.threat", text, strlen(text));
	tm_lex_init(&l->lex, l->src, &l->diags);
	do {
		l->tokens[l->count] = tm_lex_next(&l->lex);
		/* as the parser does for a token it does not skip */
		if (l->tokens[l->count].kind == TM_TOK_INVALID)
			tm_lex_report(&l->lex, l->tokens[l->count]);
	} while (l->tokens[l->count++].kind != TM_TOK_EOF && l->count < 64);
}

static void done(lexed *l)
{
	free(l->lex.comments);
	tm_diags_free(&l->diags);
	tm_arena_free(l->arena);
}

static void assert_token(const lexed *l, size_t i, tm_token_kind kind, const char *text)
{
	assert_true(i < l->count);
	assert_int_equal(l->tokens[i].kind, kind);
	size_t len = l->tokens[i].end - l->tokens[i].start;
	assert_int_equal(len, strlen(text));
	assert_memory_equal(l->src->text + l->tokens[i].start, text, len);
}

static void test_identifiers_with_dashes(void **state)
{
	(void)state;
	lexed l;
	lex_all(&l, "TB-03 A-01 api->db STRIDE-I-02@web->api a- b");
	assert_token(&l, 0, TM_TOK_IDENT, "TB-03");
	assert_token(&l, 1, TM_TOK_IDENT, "A-01");
	assert_token(&l, 2, TM_TOK_IDENT, "api");
	assert_token(&l, 3, TM_TOK_ARROW, "->");
	assert_token(&l, 4, TM_TOK_IDENT, "db");
	assert_token(&l, 5, TM_TOK_IDENT, "STRIDE-I-02");
	assert_token(&l, 6, TM_TOK_AT, "@");
	assert_token(&l, 7, TM_TOK_IDENT, "web");
	assert_token(&l, 8, TM_TOK_ARROW, "->");
	assert_token(&l, 9, TM_TOK_IDENT, "api");
	assert_token(&l, 10, TM_TOK_IDENT, "a");
	/* a lone '-' is an invalid token */
	assert_int_equal(l.tokens[11].kind, TM_TOK_INVALID);
	assert_int_equal(l.diags.errors, 1);
	assert_string_equal(l.diags.items[0].message, "unexpected '-'");
	done(&l);
}

static void test_punctuation_and_spans(void **state)
{
	(void)state;
	lexed l;
	lex_all(&l, "{ } [ ] < > , ; : @ . -> <->");
	tm_token_kind kinds[] = {TM_TOK_LBRACE, TM_TOK_RBRACE, TM_TOK_LBRACKET, TM_TOK_RBRACKET, TM_TOK_LANGLE,
	                         TM_TOK_RANGLE, TM_TOK_COMMA, TM_TOK_SEMICOLON, TM_TOK_COLON, TM_TOK_AT,
	                         TM_TOK_DOT, TM_TOK_ARROW, TM_TOK_BIARROW, TM_TOK_EOF};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		assert_int_equal(l.tokens[i].kind, kinds[i]);
	assert_int_equal(l.tokens[12].start, 25);
	assert_int_equal(l.tokens[12].end, 28);
	assert_int_equal(l.diags.errors, 0);
	done(&l);
}

static void test_numbers_and_dates(void **state)
{
	(void)state;
	lexed l;
	lex_all(&l, "2 1.5 2026-03-24 2026-02-30 12abc");
	assert_token(&l, 0, TM_TOK_NUMBER, "2");
	assert_token(&l, 1, TM_TOK_NUMBER, "1.5");
	assert_token(&l, 2, TM_TOK_DATE, "2026-03-24");
	/* the lexer takes the date's shape; the parser validates the calendar */
	assert_token(&l, 3, TM_TOK_DATE, "2026-02-30");
	assert_int_equal(l.tokens[4].kind, TM_TOK_INVALID);
	assert_int_equal(l.diags.errors, 1);
	assert_string_equal(l.diags.items[0].message, "invalid number or date '12abc'");
	done(&l);
}

static void test_strings(void **state)
{
	(void)state;
	lexed l;
	lex_all(&l, "\"a\\\"b\\u{e9}\" \"\"\"\n  x\n    y\n  \"\"\"");
	assert_int_equal(l.tokens[0].kind, TM_TOK_STRING);
	assert_int_equal(l.tokens[1].kind, TM_TOK_TSTRING);
	char out[64];
	size_t n = tm_lex_string_value(l.src, l.tokens[0], NULL, out);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "a\"b\xc3\xa9", 5);
	n = tm_lex_string_value(l.src, l.tokens[1], NULL, out);
	out[n] = '\0';
	assert_string_equal(out, "x\n  y");
	assert_int_equal(l.diags.errors, 0);
	done(&l);
}

static void test_string_errors(void **state)
{
	(void)state;
	lexed l;
	lex_all(&l, "\"bad \\q\" \"open\nnext");
	assert_int_equal(l.diags.errors, 2);
	assert_string_equal(l.diags.items[0].message, "invalid escape in string");
	assert_int_equal(l.diags.items[0].span.start, 5);
	assert_string_equal(l.diags.items[1].message, "unterminated string");
	assert_int_equal(l.diags.items[1].span.start, 9);
	done(&l);
}

static void test_comments_and_newlines(void **state)
{
	(void)state;
	lexed l;
	lex_all(&l, "a # one\n\n# two\nb");
	assert_token(&l, 0, TM_TOK_IDENT, "a");
	assert_token(&l, 1, TM_TOK_IDENT, "b");
	assert_int_equal(l.tokens[1].newlines, 1);
	assert_int_equal(l.lex.ncomments, 2);
	assert_int_equal(l.lex.comments[0].newlines, 0);
	assert_int_equal(l.lex.comments[1].newlines, 2);
	assert_int_equal(l.lex.comments[1].start, 9);
	done(&l);
}

static void test_binary_input(void **state)
{
	(void)state;
	lexed l;
	const char text[] = "model \"x\"\n\x01";
	lex_all(&l, text);
	assert_int_equal(l.diags.errors, 1);
	assert_string_equal(l.diags.items[0].message, "unexpected control character 0x01");
	done(&l);

	memset(&l, 0, sizeof(l));
	l.arena = tm_arena_new();
	l.src = tm_source_from_text(l.arena, "t.threat", "ab\0cd", 5);
	tm_lex_init(&l.lex, l.src, &l.diags);
	assert_int_equal(tm_lex_next(&l.lex).kind, TM_TOK_IDENT);
	assert_int_equal(tm_lex_next(&l.lex).kind, TM_TOK_EOF);
	assert_int_equal(l.diags.errors, 1);
	assert_string_equal(l.diags.items[0].message, "NUL byte: this looks like a binary file, not a .threat model");
	done(&l);
}

/* Words with '*' are patterns; '-' joins a '*' as it joins a letter, so
 * the arrow of a flow key still separates. */
static void test_patterns(void **state)
{
	(void)state;
	lexed l;
	lex_all(&l, "STRIDE-T-*@* *@legacy_* web->* *->db a*b-*-c");
	assert_token(&l, 0, TM_TOK_PATTERN, "STRIDE-T-*");
	assert_token(&l, 1, TM_TOK_AT, "@");
	assert_token(&l, 2, TM_TOK_PATTERN, "*");
	assert_token(&l, 3, TM_TOK_PATTERN, "*");
	assert_token(&l, 4, TM_TOK_AT, "@");
	assert_token(&l, 5, TM_TOK_PATTERN, "legacy_*");
	assert_token(&l, 6, TM_TOK_IDENT, "web");
	assert_token(&l, 7, TM_TOK_ARROW, "->");
	assert_token(&l, 8, TM_TOK_PATTERN, "*");
	assert_token(&l, 9, TM_TOK_PATTERN, "*");
	assert_token(&l, 10, TM_TOK_ARROW, "->");
	assert_token(&l, 11, TM_TOK_IDENT, "db");
	assert_token(&l, 12, TM_TOK_PATTERN, "a*b-*-c");
	assert_int_equal(l.diags.errors, 0);
	done(&l);
}

/* Characters that form no token are reported only when asked: the
 * parser skips those after an error without a word. */
static void test_invalid_tokens_wait_for_the_parser(void **state)
{
	(void)state;
	tm_arena *arena = tm_arena_new();
	const char *text = "a \x01 b ~ 9z";
	tm_source *src = tm_source_from_text(arena, "t.threat", text, strlen(text));
	tm_diags diags = {0};
	tm_lexer lex;
	tm_lex_init(&lex, src, &diags);
	assert_int_equal(tm_lex_next(&lex).kind, TM_TOK_IDENT);
	tm_token control = tm_lex_next(&lex);
	assert_int_equal(control.kind, TM_TOK_INVALID);
	assert_int_equal(tm_lex_next(&lex).kind, TM_TOK_IDENT);
	assert_int_equal(tm_lex_next(&lex).kind, TM_TOK_INVALID);
	assert_int_equal(tm_lex_next(&lex).kind, TM_TOK_INVALID);
	assert_int_equal(tm_lex_next(&lex).kind, TM_TOK_EOF);
	assert_int_equal(diags.errors, 0);
	tm_lex_report(&lex, control);
	assert_int_equal(diags.errors, 1);
	assert_string_equal(diags.items[0].message, "unexpected control character 0x01");
	assert_int_equal(diags.items[0].span.start, 2);
	free(lex.comments);
	tm_diags_free(&diags);
	tm_arena_free(arena);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	lexed l;
	lex_all(&l, "\"caf\xc3\" x");
	assert_int_equal(l.diags.errors, 1);
	assert_string_equal(l.diags.items[0].message, "invalid UTF-8 byte 0xC3: a .threat file must be UTF-8 text");
	done(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identifiers_with_dashes), cmocka_unit_test(test_punctuation_and_spans),
		cmocka_unit_test(test_numbers_and_dates),       cmocka_unit_test(test_strings),
		cmocka_unit_test(test_string_errors),           cmocka_unit_test(test_comments_and_newlines),
		cmocka_unit_test(test_binary_input),            cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_patterns),                cmocka_unit_test(test_invalid_tokens_wait_for_the_parser),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
