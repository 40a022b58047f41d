/* Other tools' threat-model formats in and out (doc/interop.md): Open
 * Threat Model (OTM 0.2.0) and OWASP Threat Dragon v2 JSON. An exporter
 * writes a session's model and findings as the other format; an importer
 * reads a file of the other format and writes a `.threat` model, which
 * tm_interop_import passes through the formatter so it is canonical. */
#ifndef TM_INTEROP_INTEROP_H
#define TM_INTEROP_INTEROP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/source.h"
#include "session/session.h"

/* ==== exporters ==== */

/* The model of `session` as an OTM 0.2.0 document (JSON, byte for byte
 * the same for the same session). What OTM cannot carry is kept in
 * `attributes` (doc/interop.md); *warnings gets a line for anything lost. */
void tm_interop_export_otm(tm_buf *out, const tm_session *session, tm_buf *warnings);
/* The model of `session` as a Threat Dragon v2 file: one diagram whose
 * cells are laid out on a grid, boundaries as boxes around their members,
 * every finding as a threat of its element. */
void tm_interop_export_threat_dragon(tm_buf *out, const tm_session *session, tm_buf *warnings);

/* The findings of each element, for the exporters: the findings on the
 * element with index i (model->elements[i]) are
 * session->findings.items[order[k]] for k from start[i] to start[i + 1],
 * in the findings' order. */
typedef struct tm_interop_findings_index {
	size_t *order, *start;
} tm_interop_findings_index;
void tm_interop_index_findings(tm_interop_findings_index *index, const tm_session *session);
void tm_interop_index_free(tm_interop_findings_index *index);

/* ==== importers ==== */

/* An importer reads `src` (a file of its format) and appends `.threat`
 * statements to `model`; problems go to diags (errors make the import
 * fail, warnings say what was not carried over). Returns TM_OK or
 * TM_ERR_INPUT. */
typedef int (*tm_interop_import_fn)(tm_buf *model, const tm_source *src, tm_diags *diags);

typedef struct tm_interop_format {
	const char *name;        /* as `threat import NAME FILE` spells it */
	const char *description; /* one line, for the help and messages */
	tm_interop_import_fn read;
} tm_interop_format;

/* The formats `threat import` reads, in the order the help lists them. */
extern const tm_interop_format tm_interop_formats[];
extern const size_t tm_interop_nformats;
/* The format named `name`, or NULL. */
const tm_interop_format *tm_interop_find_format(const char *name);

/* Runs the importer of `format` on src and formats its output: *out is
 * the canonical `.threat` text (free()), or NULL after errors in diags.
 * The generated text is parsed into `arena` (diagnostics may point at
 * it, so render them before freeing the arena). Returns TM_OK or
 * TM_ERR_INPUT. */
int tm_interop_import(char **out, const tm_interop_format *format, tm_arena *arena, const tm_source *src,
                      tm_diags *diags);

int tm_interop_import_otm(tm_buf *model, const tm_source *src, tm_diags *diags);
int tm_interop_import_threat_dragon(tm_buf *model, const tm_source *src, tm_diags *diags);

/* ==== what the importers share (src/interop/json_in.c, names.c) ==== */

/* Reading a JSON document with errors that say where: a syntax error at
 * its line and column (a caret under it), any other at its JSON pointer
 * (`/components/3/parent`). */
typedef struct tm_jin {
	const tm_source *src;
	tm_diags *diags;
	tm_arena *arena; /* pointers' text */
} tm_jin;

/* Parses src as one JSON value (duplicate keys, a NUL in a string and
 * nesting deeper than Jansson's limit are errors). NULL after an error. */
json_t *tm_jin_load(tm_jin *in);
/* The pointer of member `key` (or item `index`) of the value at `base`. */
const char *tm_jin_key(tm_jin *in, const char *base, const char *key);
const char *tm_jin_index(tm_jin *in, const char *base, size_t index);
/* "object", "array", "string", "number", "true", "false", "null". */
const char *tm_jin_type_name(const json_t *value);
/* An error at the value `pointer` names (formatted message). */
void tm_jin_error(tm_jin *in, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tm_jin_warning(tm_jin *in, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Member `key` of obj when it has the type wanted (JSON_OBJECT, JSON_ARRAY,
 * JSON_STRING; JSON_INTEGER for any number, JSON_TRUE for any boolean);
 * NULL when it is absent or null (an error when required) or of another
 * type (an error). */
json_t *tm_jin_member(tm_jin *in, json_t *obj, const char *base, const char *key, json_type type,
                      bool required);
/* Member `key` as a string (NULL when absent, null or in error, as above). */
const char *tm_jin_string(tm_jin *in, json_t *obj, const char *base, const char *key, bool required);
/* A number member as a double; `fallback` when absent. */
double tm_jin_number(tm_jin *in, json_t *obj, const char *base, const char *key, double fallback);
/* A boolean member; `fallback` when absent. */
bool tm_jin_bool(tm_jin *in, json_t *obj, const char *base, const char *key, bool fallback);

/* Identifiers for names from another tool: each made a valid `.threat`
 * identifier (letters, digits, `_`, `-` between letters and digits,
 * starting with a letter or `_`) and unique in one namespace, which
 * starts with the statement keywords and `model` taken. */
typedef struct tm_idset tm_idset;
tm_idset *tm_idset_new(void);
void tm_idset_free(tm_idset *set);
/* Whether text is a valid identifier as it stands. */
bool tm_interop_is_ident(const char *text);
/* A new unique identifier made from `text` (a fallback of `stem` when
 * nothing of it is usable); owned by the set. With `prefix` (a parent's
 * dotted id) the uniqueness is of "prefix.id", and the local id is
 * returned. */
const char *tm_idset_make(tm_idset *set, const char *prefix, const char *text, const char *stem);
/* Takes `id` as it stands when it is a valid identifier and free; NULL
 * otherwise. */
const char *tm_idset_take(tm_idset *set, const char *prefix, const char *id);

/* `.threat` text: a string literal, and the free-form note `x-NAME "…"`
 * with NAME made an identifier. */
void tm_interop_put_string(tm_buf *out, const char *text);
void tm_interop_put_note(tm_buf *out, const char *prefix, const char *name, const char *text);
/* Whether `text` is exactly one value of attribute `name` of a statement
 * `keyword` (a word, string, number, date, boolean, list, block or
 * reference; finding patterns in `mitigates`); if so appends it, as the
 * parser read it, to out. Nothing else of the text can reach the model:
 * it is reprinted from the parsed value. */
bool tm_interop_put_value(tm_buf *out, const char *keyword, const char *name, const char *text);
/* Whether `text` is a finding id or pattern `accept` takes, made of
 * nothing but identifier characters, `.`, `*`, `@`, `->` and `<->`. */
bool tm_interop_is_finding(const char *text);

/* A statement's block: open_block writes " {" and returns a mark;
 * close_block writes "}", or takes the " {" back when nothing was
 * written since (a statement without attributes has no block). */
size_t tm_interop_open_block(tm_buf *out);
void tm_interop_close_block(tm_buf *out, size_t mark);

/* The STRIDE or LINDDUN category another tool's category names ("Information
 * disclosure", "Tampering", "Linkability", also CIA's "Integrity"), or NULL. */
const char *tm_interop_category(const char *text);
/* The impact factor a threat of that category harms: availability for
 * denial of service, integrity for tampering, spoofing, repudiation and
 * elevation, confidentiality for the rest. */
const char *tm_interop_impact_factor(const char *category);

#endif
