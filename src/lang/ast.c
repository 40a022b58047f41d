#include "lang/ast.h"

#include <string.h>

#include "base/date.h"

/* ORDER DECL */
const char *const tm_decl_keywords[TM_DECL_COUNT] = {
    "model", "use",      "include", "asset",  "actor",      "external", "process",
    "store", "boundary", "flow",    "threat", "mitigation", "accept",
};

tm_decl_kind tm_decl_kind_of(const char *word, size_t len)
{
	for (int kind = 0; kind < TM_DECL_COUNT; kind++)
		if (strlen(tm_decl_keywords[kind]) == len && memcmp(tm_decl_keywords[kind], word, len) == 0)
			return (tm_decl_kind)kind;
	return TM_DECL_COUNT;
}

tm_span tm_decl_keyword_span(const tm_decl *decl)
{
	uint32_t len = decl->kind < TM_DECL_COUNT ? (uint32_t)strlen(tm_decl_keywords[decl->kind]) : 0;
	return (tm_span){decl->span.src, decl->span.start, decl->span.start + len};
}

tm_span tm_decl_id_span(const tm_decl *decl)
{
	if (!decl->id_end)
		return (tm_span){0};
	return (tm_span){decl->span.src, decl->id_start, decl->id_end};
}

tm_span tm_decl_label_span(const tm_decl *decl)
{
	if (!decl->label_end)
		return (tm_span){0};
	return (tm_span){decl->span.src, decl->label_start, decl->label_end};
}

tm_span tm_value_span(const tm_value *value, const tm_source *src)
{
	return (tm_span){src, value->start, value->end};
}

tm_span tm_attr_name_span(const tm_attr *attr, const tm_source *src)
{
	return (tm_span){src, attr->name_start, attr->name_start + (uint32_t)strlen(attr->name)};
}

uint16_t tm_attr_name_hash(const char *name)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 16777619u;
	uint16_t folded = (uint16_t)(h ^ (h >> 16));
	return folded ? folded : 1;
}

const tm_attr *tm_block_get(const tm_block *block, const char *name)
{
	if (!block)
		return NULL;
	uint16_t hash = tm_attr_name_hash(name);
	/* The last occurrence wins, so a later line overrides an earlier one:
	 * the search runs backwards and stops at the first it meets. */
	for (size_t i = block->count; i-- > 0;) {
		const tm_attr *attr = block->items[i].attr;
		if (attr && (attr->name_hash == hash || !attr->name_hash) && strcmp(attr->name, name) == 0)
			return attr;
	}
	return NULL;
}

const tm_attr *tm_decl_attr(const tm_decl *decl, const char *name)
{
	return decl ? tm_block_get(decl->block, name) : NULL;
}

static void put_path(tm_buf *out, const char *name)
{
	tm_buf_puts(out, name ? name : "?");
}

static void put_ref(tm_buf *out, const tm_ref *ref)
{
	if (ref->kind == TM_REF_FINDING) {
		tm_buf_puts(out, ref->rule ? ref->rule : "?");
		tm_buf_putc(out, '@');
	}
	put_path(out, ref->name);
	if (ref->target) {
		tm_buf_puts(out, ref->bidirectional ? " <-> " : " -> ");
		put_path(out, ref->target);
	}
}

void tm_string_source(tm_buf *out, const char *text, size_t len)
{
	tm_buf_putc(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '"' || c == '\\')
			tm_buf_printf(out, "\\%c", c);
		else if (c == '\n')
			tm_buf_puts(out, "\\n");
		else if (c == '\t')
			tm_buf_puts(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			tm_buf_printf(out, "\\u{%X}", c);
		else
			tm_buf_putc(out, (char)c);
	}
	tm_buf_putc(out, '"');
}

static void value_source(tm_buf *out, const tm_value *value, int depth)
{
	if (!value)
		return;
	if (depth > 64) {
		tm_buf_puts(out, "...");
		return;
	}
	char date[11];
	switch (value->kind) {
	case TM_VAL_IDENT:
		tm_buf_put(out, value->text ? value->text : "", value->text ? value->len : 0);
		break;
	case TM_VAL_STRING:
		tm_string_source(out, value->text ? value->text : "", value->text ? value->len : 0);
		break;
	case TM_VAL_NUMBER:
		tm_buf_put(out, value->text ? value->text : "0", value->text ? value->len : 1);
		break;
	case TM_VAL_BOOL: tm_buf_puts(out, value->boolean ? "true" : "false"); break;
	case TM_VAL_DATE:
		tm_date_format(value->date, date);
		tm_buf_puts(out, date);
		break;
	case TM_VAL_LIST:
		tm_buf_putc(out, '[');
		for (size_t i = 0; i < value->nitems; i++) {
			if (i)
				tm_buf_puts(out, ", ");
			value_source(out, value->items[i], depth + 1);
		}
		tm_buf_putc(out, ']');
		break;
	case TM_VAL_BLOCK:
		tm_buf_putc(out, '{');
		for (size_t i = 0; value->block && i < value->block->count; i++) {
			const tm_attr *attr = value->block->items[i].attr;
			if (!attr)
				continue;
			tm_buf_printf(out, " %s ", attr->name);
			value_source(out, attr->value, depth + 1);
		}
		tm_buf_puts(out, " }");
		break;
	case TM_VAL_REF:
		if (value->ref)
			put_ref(out, value->ref);
		break;
	}
}

void tm_value_source(tm_buf *out, const tm_value *value)
{
	value_source(out, value, 0);
}
