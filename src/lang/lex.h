/* The lexer: source text to tokens. A token is a view into the source plus
 * its byte span; it never copies. Comments are kept on a side list for fmt. */
#ifndef TM_LANG_LEX_H
#define TM_LANG_LEX_H

#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/source.h"

typedef enum tm_token_kind {
	TM_TOK_EOF,
	TM_TOK_IDENT,   /* letters, digits, _, and - before a letter or digit */
	TM_TOK_PATTERN, /* a word with '*' in it, as finding patterns use: STRIDE-T-*, legacy_* */
	TM_TOK_STRING,  /* "..." */
	TM_TOK_TSTRING, /* """...""" */
	TM_TOK_NUMBER,  /* 12, 1.5 */
	TM_TOK_DATE,    /* YYYY-MM-DD */
	TM_TOK_LBRACE,
	TM_TOK_RBRACE,
	TM_TOK_LBRACKET,
	TM_TOK_RBRACKET,
	TM_TOK_LANGLE,
	TM_TOK_RANGLE,
	TM_TOK_COMMA,
	TM_TOK_SEMICOLON,
	TM_TOK_COLON,
	TM_TOK_AT,
	TM_TOK_DOT,
	TM_TOK_ARROW,   /* -> */
	TM_TOK_BIARROW, /* <-> */
	TM_TOK_ERROR,   /* a diagnostic was already reported */
	TM_TOK_INVALID  /* characters that form no token, not yet reported: tm_lex_report */
} tm_token_kind;

typedef struct tm_token {
	tm_token_kind kind;
	uint32_t start, end; /* byte span in the source */
	uint16_t newlines;   /* line breaks between the previous token and this one */
} tm_token;

typedef struct tm_comment {
	uint32_t start, end; /* from '#' to the end of the line, newline excluded */
	uint16_t newlines;   /* line breaks before it (0: it trails code on its line) */
} tm_comment;

typedef struct tm_lexer {
	const tm_source *src;
	tm_diags *diags;
	uint32_t pos;
	tm_comment *comments; /* heap vector, handed to the AST by the parser */
	size_t ncomments, capcomments;
} tm_lexer;

void tm_lex_init(tm_lexer *lex, const tm_source *src, tm_diags *diags);
tm_token tm_lex_next(tm_lexer *lex);
const char *tm_token_kind_name(tm_token_kind kind);

/* Reports why a TM_TOK_INVALID token is no token. The parser calls it
 * when it meets one where it expects something else, and not for those it
 * skips while recovering from an earlier error, so a line of garbage is
 * one error, not one per byte. */
void tm_lex_report(const tm_lexer *lex, tm_token tok);

/* Decodes a string token's contents (escapes, or the indentation rule of
 * """ strings) into dst; reports bad escapes. Returns the length. */
size_t tm_lex_string_value(const tm_source *src, tm_token tok, tm_diags *diags, char *dst);

#endif
