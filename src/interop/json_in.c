/* Reading JSON for the importers with Jansson: a syntax error is reported
 * at its line and column in the file, anything else at its JSON pointer
 * (RFC 6901), since a parsed value keeps no position. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "interop/interop.h"
#include "threat/status.h"

json_t *tm_jin_load(tm_jin *in)
{
	json_error_t error;
	json_t *root = json_loadb(in->src->text, in->src->len, JSON_REJECT_DUPLICATES, &error);
	if (root)
		return root;
	/* Jansson counts the position in bytes read: the error is at the
	 * byte before, or at the end for a file cut short. */
	size_t at = error.position > 0 ? (size_t)error.position - 1 : 0;
	if (at > in->src->len)
		at = in->src->len;
	tm_span span = {in->src, (uint32_t)at, (uint32_t)(at < in->src->len ? at + 1 : at)};
	tm_diag_error(in->diags, span, "invalid JSON: %s", error.text);
	return NULL;
}

/* Appends key to a JSON pointer: '~' as ~0 and '/' as ~1. */
const char *tm_jin_key(tm_jin *in, const char *base, const char *key)
{
	tm_buf text = TM_BUF_INIT;
	tm_buf_puts(&text, base);
	tm_buf_putc(&text, '/');
	for (const char *c = key; *c; c++) {
		if (*c == '~')
			tm_buf_puts(&text, "~0");
		else if (*c == '/')
			tm_buf_puts(&text, "~1");
		else
			tm_buf_putc(&text, *c);
	}
	const char *pointer = tm_arena_strdup(in->arena, tm_buf_str(&text));
	tm_buf_free(&text);
	return pointer;
}

const char *tm_jin_index(tm_jin *in, const char *base, size_t index)
{
	return tm_arena_printf(in->arena, "%s/%zu", base, index);
}

/* "an object", "a number"...: a JSON type as messages name it. */
static const char *type_name(json_type type)
{
	switch (type) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

const char *tm_jin_type_name(const json_t *value)
{
	return type_name(json_typeof(value));
}

static void report(tm_jin *in, bool error, const char *pointer, const char *fmt, va_list args)
{
	char message[512];
	vsnprintf(message, sizeof message, fmt, args);
	if (error)
		tm_diag_error(in->diags, (tm_span){0}, "%s: at %s: %s", in->src->path,
		              *pointer ? pointer : "the top", message);
	else
		tm_diag_warning(in->diags, (tm_span){0}, "%s: at %s: %s", in->src->path,
		                *pointer ? pointer : "the top", message);
}

void tm_jin_error(tm_jin *in, const char *pointer, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	report(in, true, pointer, fmt, args);
	va_end(args);
}

void tm_jin_warning(tm_jin *in, const char *pointer, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	report(in, false, pointer, fmt, args);
	va_end(args);
}

static bool has_type(const json_t *value, json_type type)
{
	switch (type) {
	case JSON_INTEGER:
	case JSON_REAL: return json_is_number(value);
	case JSON_TRUE:
	case JSON_FALSE: return json_is_boolean(value);
	default: return json_typeof(value) == type;
	}
}

json_t *tm_jin_member(tm_jin *in, json_t *obj, const char *base, const char *key, json_type type,
                      bool required)
{
	json_t *value = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (!value || json_is_null(value)) {
		if (required)
			tm_jin_error(in, base, "%s has no \"%s\"", *base ? "the object" : "the document",
			             key);
		return NULL;
	}
	if (!has_type(value, type)) {
		tm_jin_error(in, tm_jin_key(in, base, key), "expected %s, found %s", type_name(type),
		             tm_jin_type_name(value));
		return NULL;
	}
	return value;
}

const char *tm_jin_string(tm_jin *in, json_t *obj, const char *base, const char *key, bool required)
{
	json_t *value = tm_jin_member(in, obj, base, key, JSON_STRING, required);
	return value ? json_string_value(value) : NULL;
}

double tm_jin_number(tm_jin *in, json_t *obj, const char *base, const char *key, double fallback)
{
	json_t *value = tm_jin_member(in, obj, base, key, JSON_REAL, false);
	return value ? json_number_value(value) : fallback;
}

bool tm_jin_bool(tm_jin *in, json_t *obj, const char *base, const char *key, bool fallback)
{
	json_t *value = tm_jin_member(in, obj, base, key, JSON_TRUE, false);
	return value ? json_is_true(value) : fallback;
}
