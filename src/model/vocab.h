/* The attribute vocabulary: every attribute the language or a rule pack
 * reads, declared once with the statements it applies to, the type of its
 * value and a line of documentation. The language's own attributes are
 * declared here; packs add theirs with `attribute {}` (rules/register.c). After the
 * packs load, tm_vocab_check compares every attribute of the model with
 * the vocabulary and warns about unknown names, values of the wrong type
 * or outside an enum, and attributes on a statement they do not apply to
 * (doc/language.md "Attribute vocabulary"). */
#ifndef TM_MODEL_VOCAB_H
#define TM_MODEL_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

#include "base/diag.h"
#include "base/limits.h"
#include "model/model.h"

/* The statements an attribute may apply to: the element kinds (ORDER
 * ELEMENT), then the statements that are not elements. ORDER VOCAB KIND:
 * keep in step with tm_vocab_kind_names in vocab.c. */
enum { TM_VK_MODEL = TM_EL_COUNT, TM_VK_THREAT, TM_VK_MITIGATION, TM_VK_ACCEPT, TM_VK_COUNT };
extern const char *const tm_vocab_kind_names[TM_VK_COUNT]; /* "external", ..., "accept" */
#define TM_VK_ALL_ELEMENTS ((1u << TM_EL_COUNT) - 1)

/* ORDER ATTR TYPE: keep in step with tm_attr_type_names in vocab.c */
typedef enum tm_attr_type {
	TM_AT_BOOL,      /* true or false */
	TM_AT_CONTROL,   /* a control: true/false, or a word, string, number or list saying how */
	TM_AT_ENUM,      /* one of its words (or a list of them); a quoted string is free text */
	TM_AT_NUMBER,    /* a number */
	TM_AT_DATE,      /* a date */
	TM_AT_TEXT,      /* a word or a string */
	TM_AT_LIST,      /* a list of words or strings (or a single one) */
	TM_AT_IDS,       /* an id or a list of ids */
	TM_AT_REFERENCE, /* an element or a flow */
	TM_AT_BLOCK,     /* a block of attributes */
	TM_AT_ANY,       /* any value */
	TM_AT_COUNT
} tm_attr_type;
extern const char *const tm_attr_type_names[TM_AT_COUNT]; /* "bool", "control", ... */

typedef struct tm_attr_decl {
	const char *name;
	const char *doc;
	unsigned kinds; /* a bit per TM_VK_ kind */
	tm_attr_type type;
	const char **values; /* TM_AT_ENUM: its words */
	size_t nvalues;
	const char **declared_by; /* "language", or the packs that declare it, in load order */
	size_t ndeclared_by;
} tm_attr_decl;

typedef struct tm_vocab tm_vocab;

/* What a vocabulary holds at most: TM_VOCAB_MAX_* in base/limits.h. */

/* A vocabulary holding the language's own attributes. */
tm_vocab *tm_vocab_new(void);
void tm_vocab_free(tm_vocab *vocab);

/* Adds a declaration made by `by` (its strings are copied). A name already
 * declared with the same type is extended: its kinds and enum values are
 * added and `by` is listed. Returns false with a message in `error` when
 * the name is declared with another type, or the declaration is invalid. */
bool tm_vocab_declare(tm_vocab *vocab, const tm_attr_decl *decl, const char *by, char *error, size_t size);

/* The declarations, sorted by name. */
size_t tm_vocab_count(const tm_vocab *vocab);
const tm_attr_decl *tm_vocab_get(const tm_vocab *vocab, size_t index);
const tm_attr_decl *tm_vocab_find(const tm_vocab *vocab, const char *name);

/* The statement kind a word names ("process", "model"...), or -1. */
int tm_vocab_kind_of(const char *word);
/* The type a word names ("bool", "enum"...), or -1. */
int tm_vocab_type_of(const char *word);

/* True for the names never checked: free-form notes, `x-...` or `note...`. */
bool tm_vocab_free_form(const char *name);

/* Checks every attribute of the model's statements against the vocabulary:
 * a warning for each problem, or an error when `strict`. Returns how many
 * problems it found. */
size_t tm_vocab_check(const tm_vocab *vocab, const tm_model *model, tm_diags *diags, bool strict);

#endif
