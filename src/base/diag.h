/* Diagnostics. Stages never print: they append {severity, span, message,
 * notes} here, and one renderer prints them compiler-style (clox's
 * errorToken, jq's locfile). */
#ifndef TM_BASE_DIAG_H
#define TM_BASE_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/limits.h"
#include "base/source.h"

typedef enum tm_severity { TM_SEV_ERROR, TM_SEV_WARNING } tm_severity;

typedef struct tm_diag_note {
	tm_span span; /* span.src == NULL: a note without a place, e.g. "did you mean" */
	char *message;
} tm_note;

typedef struct tm_diag {
	tm_severity severity;
	tm_span span; /* span.src == NULL: no place (a usage or file-level error) */
	char *message;
	tm_note *notes;
	size_t nnotes;
	unsigned quota; /* 0, or the share of messages it counts against (the
	                 * rules engine: 1 + the pack whose rule failed) */
} tm_diag;

typedef struct tm_diags {
	tm_diag *items;
	size_t count, cap;
	size_t errors, warnings; /* including those dropped past the cap */
} tm_diags;

void tm_diags_free(tm_diags *diags);

/* Each returns the new diagnostic, or NULL when past the cap (notes given
 * NULL are ignored, so callers need not check). */
tm_diag *tm_diag_error(tm_diags *diags, tm_span span, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
tm_diag *tm_diag_warning(tm_diags *diags, tm_span span, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tm_diag_note(tm_diag *diag, tm_span span, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Moves every diagnostic of `from` to the end of `to`, keeping the cap on
 * errors as if they had been reported to `to`. */
void tm_diags_append(tm_diags *to, tm_diags *from);
/* Moves one diagnostic to the end of `to` as tm_diags_append does; frees
 * it when past the cap. */
void tm_diags_push(tm_diags *to, tm_diag *diag);
/* Frees one diagnostic's texts (it is not in any list). */
void tm_diag_free(tm_diag *diag);

/* Prints every diagnostic sorted by file and place, then "N errors". */
void tm_diags_render(tm_buf *out, const tm_diags *diags, bool color);

/* The diagnostics in the order tm_diags_render prints them (by file and
 * place), as a malloc'd array the caller frees. */
const tm_diag **tm_diags_sorted(const tm_diags *diags);

/* The name a note "did you mean 'NAME'?" suggests, copied into `out`
 * (at most `size` bytes); false when the note is not such a suggestion. */
bool tm_note_suggestion(const tm_note *note, char *out, size_t size);

/* The "did you mean" helper: the candidate closest to `name` by edit
 * distance, or NULL when none is close enough to be a plausible typo. */
const char *tm_suggest(const char *name, const char *const *candidates, size_t count);
/* How far a typo `name` may be from what was meant, for tm_suggest and
 * its kin: 1 edit for names under 3 characters, 2 under 6, else 3. */
size_t tm_suggest_limit(const char *name);
/* The edit distance of a and b, or limit + 1 when it is above limit (or
 * either is longer than 64 characters). */
size_t tm_edit_distance(const char *a, const char *b, size_t limit);

#endif
