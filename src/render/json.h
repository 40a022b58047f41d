/* A small streaming JSON writer over tm_buf, shared by every JSON output
 * (check, query, report, SARIF). It pretty-prints with two-space
 * indentation, escapes every string fully and prints numbers the same way
 * on every machine, so the output can be compared byte for byte.
 *
 *	tm_json json;
 *	tm_json_init(&json, &buf);
 *	tm_json_begin_object(&json);
 *	tm_json_key(&json, "name");
 *	tm_json_string(&json, "Customer Portal");
 *	tm_json_end_object(&json);
 *	tm_buf_putc(&buf, '\n');
 *
 * The writer does not check that keys and values alternate: callers are
 * code, not input, and the unit tests check their shapes. */
#ifndef TM_RENDER_JSON_H
#define TM_RENDER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "lang/ast.h"

typedef struct tm_json {
	tm_buf *out;
	int depth;      /* open objects and arrays */
	bool first;     /* nothing written yet in the innermost one */
	bool after_key; /* a key was written; its value goes on the same line */
} tm_json;

void tm_json_init(tm_json *json, tm_buf *out);

void tm_json_begin_object(tm_json *json);
void tm_json_end_object(tm_json *json);
void tm_json_begin_array(tm_json *json);
void tm_json_end_array(tm_json *json);
/* A member name inside an object; the next call writes its value. */
void tm_json_key(tm_json *json, const char *key);

/* text (NUL-terminated; NULL writes null). */
void tm_json_string(tm_json *json, const char *text);
void tm_json_string_len(tm_json *json, const char *text, size_t len);
void tm_json_int(tm_json *json, int64_t value);
/* "%.2f", then trailing zeros and a trailing dot removed: 2 -> 2,
 * 2.2 -> 2.2, 2.333 -> 2.33. NaN and infinities become null. */
void tm_json_number(tm_json *json, double value);
void tm_json_bool(tm_json *json, bool value);
void tm_json_null(tm_json *json);
/* A calendar date (days since 1970-01-01) as "YYYY-MM-DD", or null for
 * TM_NO_DATE. */
void tm_json_date(tm_json *json, int32_t days);

/* An attribute value of the language: identifiers, strings and references
 * as strings, numbers, booleans, dates as "YYYY-MM-DD", lists as arrays,
 * blocks as objects (NULL writes null). */
void tm_json_value(tm_json *json, const tm_value *value);

/* Appends text[0..len) as a JSON string literal, quotes included:
 * '"' and '\\' escaped, a newline and a tab as \n and \t, CRLF as \n;
 * invalid UTF-8 and every other control character (DEL, C1, a lone CR),
 * U+2028 and U+2029 and the bidirectional controls become U+FFFD, so a
 * consumer that decodes the string gets nothing that could drive a
 * terminal or reorder the text around it. */
void tm_json_escape(tm_buf *out, const char *text, size_t len);

#endif
