#include "render/report.h"

#include <string.h>

#include "base/date.h"

void tm_render_value_text(tm_buf *out, const tm_value *value)
{
	if (!value)
		return;
	char date[11];
	switch (value->kind) {
	case TM_VAL_BOOL: tm_buf_puts(out, value->boolean ? "true" : "false"); break;
	case TM_VAL_DATE:
		tm_date_format(value->date, date);
		tm_buf_puts(out, date);
		break;
	case TM_VAL_LIST:
		for (size_t i = 0; i < value->nitems; i++) {
			if (i)
				tm_buf_puts(out, ", ");
			tm_render_value_text(out, value->items[i]);
		}
		break;
	case TM_VAL_NUMBER:
		if (value->text)
			tm_buf_put(out, value->text, value->len);
		else
			tm_buf_printf(out, "%g", value->number);
		break;
	case TM_VAL_IDENT:
	case TM_VAL_STRING:
		if (value->text)
			tm_buf_put(out, value->text, value->len);
		break;
	case TM_VAL_REF: {
		const tm_span *span = &value->ref->span;
		if (span->src && span->src->text && span->start < span->end && span->end <= span->src->len)
			tm_buf_put(out, span->src->text + span->start, span->end - span->start);
		else if (value->ref->name)
			tm_buf_puts(out, value->ref->name);
		break;
	}
	case TM_VAL_BLOCK:
		/* a block says nothing in one line of prose: its attribute names */
		for (size_t i = 0; value->block && i < value->block->count; i++) {
			const tm_attr *attr = value->block->items[i].attr;
			if (!attr)
				continue;
			if (i)
				tm_buf_puts(out, ", ");
			tm_buf_puts(out, attr->name ? attr->name : "");
			tm_buf_putc(out, ' ');
			tm_render_value_text(out, attr->value);
		}
		break;
	}
}

const char *tm_render_meta_text(const tm_model *model, const char *name, tm_buf *scratch)
{
	const tm_block *block = model && model->meta.decl ? model->meta.decl->block : NULL;
	const tm_attr *attr = block ? tm_block_get(block, name) : NULL;
	if (!attr || !attr->value)
		return NULL;
	tm_buf_clear(scratch);
	tm_render_value_text(scratch, attr->value);
	if (!scratch->len)
		return NULL;
	return tm_buf_str(scratch);
}

void tm_render_title_case(tm_buf *out, const char *category)
{
	bool word_start = true;
	for (const char *p = category ? category : ""; *p; p++) {
		char c = *p;
		if (c == '_' || c == ' ') {
			tm_buf_putc(out, ' ');
			word_start = true;
			continue;
		}
		/* "Denial of Service": the small words stay small inside a title */
		bool small = word_start && p != category &&
		             ((strncmp(p, "of", 2) == 0 && (p[2] == '_' || p[2] == ' ')) ||
		              (strncmp(p, "and", 3) == 0 && (p[3] == '_' || p[3] == ' ')));
		if (word_start && !small && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		tm_buf_putc(out, c);
		word_start = false;
	}
}

bool tm_render_finding_is_open(const tm_finding *finding)
{
	return finding->status == TM_STATUS_OPEN || finding->status == TM_STATUS_EXPIRED ||
	       finding->status == TM_STATUS_PLANNED;
}

static bool equals_nocase(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return *a == *b;
}

tm_report_section tm_render_finding_section(const tm_finding *finding)
{
	if (equals_nocase(finding->about->framework, "LINDDUN"))
		return TM_SECTION_LINDDUN;
	if (equals_nocase(finding->about->framework, "CHECK") ||
	    equals_nocase(finding->about->framework, "HYGIENE") ||
	    equals_nocase(finding->about->category, "check"))
		return TM_SECTION_QUESTIONS;
	return TM_SECTION_STRIDE;
}

bool tm_render_model_has_pii(const tm_model *model)
{
	for (size_t i = 0; model && i < model->nelements; i++)
		if (model->elements[i] && model->elements[i]->pii)
			return true;
	return false;
}

void tm_render_flow_ends(tm_buf *out, const tm_element *flow)
{
	tm_buf_puts(out, flow->source && flow->source->key ? flow->source->key : "?");
	tm_buf_puts(out, flow->bidirectional ? " \xE2\x86\x94 " : " \xE2\x86\x92 "); /* ↔ → */
	tm_buf_puts(out, flow->target && flow->target->key ? flow->target->key : "?");
}
