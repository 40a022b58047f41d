#include "render/csv.h"

#include <string.h>

#include "base/date.h"

void tm_render_csv_cell(tm_buf *out, const char *text)
{
	if (!text)
		text = "";
	bool formula = strchr("=+-@\t\r", text[0]) && text[0] != '\0';
	bool quote = formula || strpbrk(text, ",\"\r\n") != NULL;
	if (quote)
		tm_buf_putc(out, '"');
	if (formula)
		tm_buf_putc(out, '\'');
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			tm_buf_putc(out, '"');
		tm_buf_putc(out, *p);
	}
	if (quote)
		tm_buf_putc(out, '"');
}

bool tm_render_finding_overdue(const tm_finding *finding, int32_t today)
{
	return finding->due != TM_NO_DATE && today != TM_NO_DATE && finding->due < today &&
	       (finding->status == TM_STATUS_OPEN || finding->status == TM_STATUS_EXPIRED);
}

void tm_render_csv_header(tm_buf *out)
{
	tm_buf_puts(out, "id,rule,element,title,risk,status,due,overdue,file\r\n");
}

void tm_render_check_csv(tm_buf *out, const tm_findings *findings, int32_t today)
{
	for (size_t i = 0; findings && i < findings->count; i++) {
		const tm_finding *f = &findings->items[i];
		char due[11] = "";
		if (f->due != TM_NO_DATE)
			tm_date_format(f->due, due);
		const char *cells[] = {f->id,
		                       f->about ? f->about->rule : NULL,
		                       f->element_key,
		                       f->about ? f->about->title : NULL,
		                       tm_risk_names[f->risk],
		                       tm_status_names[f->status],
		                       due,
		                       tm_render_finding_overdue(f, today) ? "true" : "false",
		                       f->file};
		for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
			if (c)
				tm_buf_putc(out, ',');
			tm_render_csv_cell(out, cells[c]);
		}
		tm_buf_puts(out, "\r\n");
	}
}
