#include "render/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/date.h"
#include "render/term.h"

void tm_json_init(tm_json *json, tm_buf *out)
{
	json->out = out;
	json->depth = 0;
	json->first = true;
	json->after_key = false;
}

/* What goes before any key or value: nothing after a key, else a comma
 * after a sibling and a new indented line inside a container. */
static void separate(tm_json *json)
{
	if (json->after_key) {
		json->after_key = false;
		return;
	}
	if (json->depth > 0) {
		if (!json->first)
			tm_buf_putc(json->out, ',');
		tm_buf_putc(json->out, '\n');
		tm_buf_fill(json->out, ' ', (size_t)json->depth * 2);
	}
	json->first = false;
}

static void begin(tm_json *json, char open)
{
	separate(json);
	tm_buf_putc(json->out, open);
	json->depth++;
	json->first = true;
}

/* The parent needs no remembered state: it holds at least this container,
 * so its next member always takes a comma. */
static void end(tm_json *json, char close)
{
	if (json->depth > 0)
		json->depth--;
	if (!json->first) {
		tm_buf_putc(json->out, '\n');
		tm_buf_fill(json->out, ' ', (size_t)json->depth * 2);
	}
	tm_buf_putc(json->out, close);
	json->first = false;
	json->after_key = false;
}

void tm_json_begin_object(tm_json *json)
{
	begin(json, '{');
}
void tm_json_end_object(tm_json *json)
{
	end(json, '}');
}
void tm_json_begin_array(tm_json *json)
{
	begin(json, '[');
}
void tm_json_end_array(tm_json *json)
{
	end(json, ']');
}

void tm_json_key(tm_json *json, const char *key)
{
	separate(json);
	tm_json_escape(json->out, key ? key : "", key ? strlen(key) : 0);
	tm_buf_puts(json->out, ": ");
	json->after_key = true;
}

void tm_json_escape(tm_buf *out, const char *text, size_t len)
{
	tm_buf_putc(out, '"');
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += tm_utf8_next(text + i, len - i, &cp);
		switch (cp) {
		case '"': tm_buf_puts(out, "\\\""); break;
		case '\\': tm_buf_puts(out, "\\\\"); break;
		case '\n': tm_buf_puts(out, "\\n"); break;
		case '\t': tm_buf_puts(out, "\\t"); break;
		case '\r':
			/* CRLF is a newline; a lone CR could overwrite a line */
			if (!(i < len && text[i] == '\n'))
				tm_utf8_put(out, TM_UTF8_REPLACEMENT);
			break;
		default: tm_utf8_put(out, tm_utf8_is_unsafe(cp) ? TM_UTF8_REPLACEMENT : cp);
		}
	}
	tm_buf_putc(out, '"');
}

void tm_json_string_len(tm_json *json, const char *text, size_t len)
{
	if (!text) {
		tm_json_null(json);
		return;
	}
	separate(json);
	tm_json_escape(json->out, text, len);
}

void tm_json_string(tm_json *json, const char *text)
{
	tm_json_string_len(json, text, text ? strlen(text) : 0);
}

void tm_json_int(tm_json *json, int64_t value)
{
	separate(json);
	tm_buf_printf(json->out, "%lld", (long long)value);
}

void tm_json_number(tm_json *json, double value)
{
	if (!isfinite(value)) {
		tm_json_null(json);
		return;
	}
	char text[400]; /* %.2f of DBL_MAX is 312 characters */
	int n = snprintf(text, sizeof text, "%.2f", value);
	if (n < 0 || (size_t)n >= sizeof text) {
		tm_json_null(json);
		return;
	}
	/* "%.2f" always has a dot, so trimming cannot eat integer digits. */
	while (n > 0 && text[n - 1] == '0')
		n--;
	if (n > 0 && text[n - 1] == '.')
		n--;
	text[n] = '\0';
	separate(json);
	tm_buf_puts(json->out, strcmp(text, "-0") == 0 ? "0" : text);
}

void tm_json_bool(tm_json *json, bool value)
{
	separate(json);
	tm_buf_puts(json->out, value ? "true" : "false");
}

void tm_json_null(tm_json *json)
{
	separate(json);
	tm_buf_puts(json->out, "null");
}

void tm_json_date(tm_json *json, int32_t days)
{
	if (days == TM_NO_DATE) {
		tm_json_null(json);
		return;
	}
	char text[11];
	tm_date_format(days, text);
	tm_json_string(json, text);
}

/* A reference as written in the source, or rebuilt from its parts when the
 * source is not at hand (a model built in memory). */
static void ref_value(tm_json *json, const tm_value *value)
{
	const tm_span *span = &value->ref->span;
	if (span->src && span->src->text && span->start < span->end && span->end <= span->src->len) {
		tm_json_string_len(json, span->src->text + span->start, span->end - span->start);
		return;
	}
	const tm_ref *ref = value->ref;
	tm_buf text = TM_BUF_INIT;
	if (ref->kind == TM_REF_FINDING && ref->rule)
		tm_buf_printf(&text, "%s@", ref->rule);
	if (ref->name)
		tm_buf_puts(&text, ref->name);
	if (ref->target)
		tm_buf_printf(&text, "%s%s", ref->bidirectional ? "<->" : "->", ref->target);
	tm_json_string_len(json, tm_buf_str(&text), text.len);
	tm_buf_free(&text);
}

/* A later line with the same name overrides this one (as tm_block_get
 * reads a block), and a JSON object must not repeat a key. */
static bool overridden(const tm_block *block, size_t index)
{
	const char *name = block->items[index].attr->name;
	for (size_t i = index + 1; i < block->count; i++) {
		const tm_attr *later = block->items[i].attr;
		if (later && later->name && name && strcmp(later->name, name) == 0)
			return true;
	}
	return false;
}

void tm_json_value(tm_json *json, const tm_value *value)
{
	if (!value) {
		tm_json_null(json);
		return;
	}
	switch (value->kind) {
	case TM_VAL_IDENT:
	case TM_VAL_STRING:
		if (value->text)
			tm_json_string_len(json, value->text, value->len);
		else
			tm_json_null(json);
		break;
	case TM_VAL_NUMBER: tm_json_number(json, value->number); break;
	case TM_VAL_BOOL: tm_json_bool(json, value->boolean); break;
	case TM_VAL_DATE: tm_json_date(json, value->date); break;
	case TM_VAL_LIST:
		tm_json_begin_array(json);
		for (size_t i = 0; i < value->nitems; i++)
			tm_json_value(json, value->items[i]);
		tm_json_end_array(json);
		break;
	case TM_VAL_BLOCK:
		tm_json_begin_object(json);
		if (value->block) {
			for (size_t i = 0; i < value->block->count; i++) {
				const tm_attr *attr = value->block->items[i].attr;
				if (!attr || overridden(value->block, i))
					continue;
				tm_json_key(json, attr->name);
				tm_json_value(json, attr->value);
			}
		}
		tm_json_end_object(json);
		break;
	case TM_VAL_REF: ref_value(json, value); break;
	default: tm_json_null(json); break;
	}
}
