/* The syntax tree of one .threat file. It keeps what fmt needs to reprint
 * the file (comments, blank-line grouping, string forms) and the spans the
 * resolver needs for its diagnostics. Everything lives in the model arena. */
#ifndef TM_LANG_AST_H
#define TM_LANG_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/source.h"
#include "lang/lex.h"

/* ORDER DECL: keep in step with tm_decl_keywords in ast.c */
typedef enum tm_decl_kind {
	TM_DECL_MODEL,
	TM_DECL_USE,
	TM_DECL_INCLUDE,
	TM_DECL_ASSET,
	TM_DECL_ACTOR,
	TM_DECL_EXTERNAL,
	TM_DECL_PROCESS,
	TM_DECL_STORE,
	TM_DECL_BOUNDARY,
	TM_DECL_FLOW,
	TM_DECL_THREAT,
	TM_DECL_MITIGATION,
	TM_DECL_ACCEPT,
	TM_DECL_COUNT
} tm_decl_kind;

extern const char *const tm_decl_keywords[TM_DECL_COUNT];
/* The declaration a keyword starts, or TM_DECL_COUNT for none. */
tm_decl_kind tm_decl_kind_of(const char *word, size_t len);

typedef enum tm_ref_kind {
	TM_REF_ELEMENT, /* a or a.b */
	TM_REF_FLOW,    /* a -> b, a <-> b */
	TM_REF_FINDING  /* RULE@a, RULE@a.b, RULE@a->b */
} tm_ref_kind;

typedef struct tm_ref {
	tm_ref_kind kind;
	tm_span span;     /* the whole reference */
	const char *rule; /* FINDING: the part before '@' (a rule or threat id), at span.start */
	const char *name; /* ELEMENT: the dotted path; FLOW (and FINDING on a flow): the source */
	tm_span name_span;
	const char *target; /* FLOW: the destination; NULL when the reference names one element */
	tm_span target_span;
	bool bidirectional; /* written with <-> */
	bool pattern;       /* FINDING: the rule or the element has a '*' (doc/language.md, "Patterns") */
} tm_ref;

typedef enum tm_value_kind {
	TM_VAL_IDENT,  /* a bare word: a keyword value (`draft`) or an element id */
	TM_VAL_STRING, /* "..." or """...""" (decoded) */
	TM_VAL_NUMBER,
	TM_VAL_BOOL,
	TM_VAL_DATE,
	TM_VAL_LIST,
	TM_VAL_BLOCK,
	TM_VAL_REF /* a.b, a -> b, RULE@x: anything a bare word is not */
} tm_value_kind;

typedef struct tm_block tm_block;

/* A model holds millions of values and attributes, so both are packed:
 * a value is 32 bytes, an attribute 24 (test_parse checks the sizes).
 * Only the members of the value's kind are set. */
typedef struct tm_value {
	uint8_t kind; /* a tm_value_kind */
	bool triple;  /* STRING written with """ */
	bool boolean; /* BOOL */
	union {
		uint32_t len;    /* IDENT, STRING, NUMBER, DATE: the length of text */
		uint32_t nitems; /* LIST */
	};
	uint32_t start, end; /* where it is in its statement's source (tm_value_span) */
	const char *text;    /* IDENT, STRING (decoded), NUMBER and DATE (as written) */
	union {
		double number;           /* NUMBER */
		int32_t date;            /* DATE: days since 1970-01-01 */
		struct tm_value **items; /* LIST */
		tm_block *block;         /* BLOCK */
		tm_ref *ref;             /* REF */
	};
} tm_value;

typedef struct tm_attr {
	const char *name;
	tm_value *value;
	uint32_t name_start; /* the name's offset in its source (tm_attr_name_span) */
	uint16_t newlines;   /* line breaks before it in the source (2+: a blank line) */
	uint16_t name_hash;  /* tm_attr_name_hash(name), or 0: not worked out */
} tm_attr;

/* A 16-bit hash of an attribute name, never 0. tm_block_get compares it
 * before the names, so a lookup reads only the names that may match: the
 * rule engine looks attributes up by name on every element of a model,
 * and each other name read is a cache miss on a large one. */
uint16_t tm_attr_name_hash(const char *name);

/* Where a value is, given the source of its statement. */
tm_span tm_value_span(const tm_value *value, const tm_source *src);

/* Where an attribute's name is, given the source of its statement. */
tm_span tm_attr_name_span(const tm_attr *attr, const tm_source *src);

struct tm_decl;

/* A block holds attributes and, in a process, child declarations, in
 * source order; each item has exactly one of the two set. */
typedef struct tm_block_item {
	tm_attr *attr;
	struct tm_decl *decl;
} tm_block_item;

struct tm_block {
	tm_block_item *items;
	size_t count;
	tm_span span; /* from { to } */
};

typedef struct tm_decl {
	tm_span span; /* the whole statement, from its keyword (tm_decl_keyword_span); span.src is its file */
	const char *id;         /* NULL for model, use, include, accept, unnamed flows */
	const char *label;      /* the string after the id (use/include: the path); NULL if none */
	tm_ref *target;         /* FLOW: source -> destination; ACCEPT: the finding */
	tm_ref *members;        /* BOUNDARY: <a, b.c, TB-2> */
	tm_block *block;        /* NULL when the statement has none */
	struct tm_decl *parent; /* the enclosing process of a child declaration */
	/* small fields last, so the structure packs without holes (a source
	 * holds at most 64 MiB, so 32 bits count anything in it) */
	uint32_t label_len;
	uint32_t nmembers;
	uint32_t id_start, id_end;       /* tm_decl_id_span; 0 when there is no id */
	uint32_t label_start, label_end; /* tm_decl_label_span; 0 when there is no label */
	tm_decl_kind kind;
	uint16_t newlines; /* line breaks before it */
	bool label_triple;
	bool has_members;
} tm_decl;

/* Where a statement's keyword, id and label are (no place when it has none). */
tm_span tm_decl_keyword_span(const tm_decl *decl);
tm_span tm_decl_id_span(const tm_decl *decl);
tm_span tm_decl_label_span(const tm_decl *decl);

typedef struct tm_file {
	const tm_source *src;
	tm_decl **decls; /* top-level statements in source order */
	size_t ndecls;
	tm_comment *comments; /* every comment, in source order (arena copy) */
	size_t ncomments;
	bool damaged; /* a syntax error cut a statement short: the tree is partial */
	/* What the statements cut short would have declared: their ids (a
	 * child's is covered by its top-level id), a flow's `SRC->DST`, or
	 * `model`. References to these are not reported as unknown, so the
	 * rest of the file can still be resolved. */
	const char **lost;
	size_t nlost;
	/* A statement was lost whose declarations are unknown (no id, an
	 * unclosed block, a lost include): resolving would report errors that
	 * only follow from the syntax error, so the model is not resolved. */
	bool unsound;
} tm_file;

/* Parses one file. Errors go to diags; the tree holds whatever parsed, so
 * independent mistakes further on are still found. Returns the number of
 * errors this file produced. */
size_t tm_parse_file(tm_file **out, tm_arena *arena, const tm_source *src, tm_diags *diags);

/* Writes a value as it would be written in a .threat file, on one line:
 * strings quoted and escaped, lists in brackets, blocks in braces,
 * references as `a -> b`. For listings and comparisons (diff, show). */
void tm_value_source(tm_buf *out, const tm_value *value);
/* A "..." string with the canonical escapes (\" \\ \n \t, \u{X} for other
 * control characters): what fmt writes and the lexer reads back. */
void tm_string_source(tm_buf *out, const char *text, size_t len);

/* Helpers for readers of the tree. */
const tm_attr *tm_block_get(const tm_block *block, const char *name);
const tm_attr *tm_decl_attr(const tm_decl *decl, const char *name);

#endif
