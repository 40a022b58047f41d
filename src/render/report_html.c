/* The report as one self-contained HTML file: the Markdown report's
 * content (report_md.c writes it through this backend), inline CSS, the
 * Level 0 DFD as inline SVG, risks in colour. No script, nothing fetched;
 * a Content-Security-Policy forbids both, as a second line behind the
 * escaping. */
#include "render/report.h"

#include <string.h>

#include "render/escape.h"
#include "threat/status.h"

static const char style[] =
    "  :root { --ink: #1b2631; --muted: #566573; --rule: #d5d8dc; --head: #f2f4f4; }\n"
    "  * { box-sizing: border-box; }\n"
    "  body { margin: 0; background: #fbfcfc; color: var(--ink);\n"
    "    font: 14px/1.5 -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; }\n"
    "  main { max-width: 1240px; margin: 0 auto; padding: 32px 36px 48px; background: #fff;\n"
    "    box-shadow: 0 0 0 1px #eaeded; }\n"
    "  h1 { font-size: 26px; margin: 0 0 12px; padding-bottom: 10px; border-bottom: 3px solid #1b2631; }\n"
    "  h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); "
    "}\n"
    "  h3 { font-size: 15px; margin: 22px 0 8px; }\n"
    "  p, ul { margin: 8px 0 12px; }\n"
    "  ul { padding-left: 22px; }\n"
    "  li { margin: 2px 0; }\n"
    "  code { font: 12px/1.4 'SFMono-Regular', Menlo, Consolas, monospace; background: #f4f6f6;\n"
    "    padding: 1px 4px; border-radius: 3px; white-space: nowrap; }\n"
    "  .table { overflow-x: auto; margin: 8px 0 16px; }\n"
    "  table { border-collapse: collapse; width: 100%; font-size: 12.5px; }\n"
    "  th, td { border: 1px solid var(--rule); padding: 5px 7px; text-align: left; vertical-align: top; }\n"
    "  th { background: var(--head); font-weight: 600; white-space: nowrap; }\n"
    "  tbody tr:nth-child(even) td:not(.risk):not(.status) { background: #fbfcfc; }\n"
    "  td.risk { font-weight: 700; text-align: center; white-space: nowrap; }\n"
    "  .risk-CRITICAL { background: #c0392b; color: #fff; }\n"
    "  .risk-HIGH { background: #f5b041; }\n"
    "  .risk-MEDIUM { background: #f9e79f; }\n"
    "  .risk-LOW { background: #d5f5e3; }\n"
    "  .risk-INFO { background: #ebf5fb; color: var(--muted); }\n"
    "  td.status, td.date { white-space: nowrap; }\n"
    "  td.sign { height: 40px; }\n"
    "  .status-open, .status-expired { color: #b03a2e; font-weight: 600; }\n"
    "  .status-planned { color: #9a7d0a; }\n"
    "  .status-mitigated { color: #1e8449; }\n"
    "  .status-accepted, .status-false_positive { color: var(--muted); }\n"
    "  figure.dfd { margin: 12px 0 20px; padding: 12px; border: 1px solid var(--rule); border-radius: 6px;\n"
    "    background: #fff; overflow-x: auto; }\n"
    "  figure.dfd svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }\n"
    "  pre { background: #f4f6f6; padding: 12px; overflow-x: auto; font-size: 12px; }\n"
    "  footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule);\n"
    "    padding-top: 8px; }\n"
    "  @media print { body { background: #fff; } main { box-shadow: none; padding: 0; max-width: none; }\n"
    "    h2 { break-after: avoid; } tr { break-inside: avoid; }\n"
    "    .risk-CRITICAL, .risk-HIGH, .risk-MEDIUM, .risk-LOW, .risk-INFO { print-color-adjust: exact;\n"
    "      -webkit-print-color-adjust: exact; } }\n";

static void html_heading(tm_doc *doc, int level, const char *s)
{
	tm_buf_printf(doc->out, "<h%d>", level);
	tm_esc_html(doc->out, s);
	tm_buf_printf(doc->out, "</h%d>\n", level);
}

static void html_paragraph_begin(tm_doc *doc)
{
	tm_buf_puts(doc->out, "<p>");
}
static void html_paragraph_end(tm_doc *doc)
{
	tm_buf_puts(doc->out, "</p>\n");
}
static void html_text(tm_doc *doc, const char *s)
{
	tm_esc_html_lines(doc->out, s);
}

static void wrap(tm_doc *doc, const char *tag, const char *s)
{
	tm_buf_printf(doc->out, "<%s>", tag);
	tm_esc_html_lines(doc->out, s);
	tm_buf_printf(doc->out, "</%s>", tag);
}

static void html_strong(tm_doc *doc, const char *s)
{
	wrap(doc, "strong", s);
}
static void html_emphasis(tm_doc *doc, const char *s)
{
	wrap(doc, "em", s);
}
static void html_code(tm_doc *doc, const char *s)
{
	wrap(doc, "code", s);
}
static void html_line_break(tm_doc *doc)
{
	tm_buf_puts(doc->out, "<br>\n");
}
static void html_list_begin(tm_doc *doc)
{
	tm_buf_puts(doc->out, "<ul>\n");
}
static void html_item_begin(tm_doc *doc)
{
	tm_buf_puts(doc->out, "<li>");
}
static void html_item_end(tm_doc *doc)
{
	tm_buf_puts(doc->out, "</li>\n");
}
static void html_list_end(tm_doc *doc)
{
	tm_buf_puts(doc->out, "</ul>\n");
}

static void html_table_begin(tm_doc *doc, const char *const *headers, size_t count)
{
	tm_buf_puts(doc->out, "<div class=\"table\"><table>\n<thead><tr>");
	for (size_t i = 0; i < count; i++) {
		tm_buf_puts(doc->out, "<th>");
		tm_esc_html(doc->out, headers[i]);
		tm_buf_puts(doc->out, "</th>");
	}
	tm_buf_puts(doc->out, "</tr></thead>\n<tbody>\n");
}

static void html_row_begin(tm_doc *doc)
{
	tm_buf_puts(doc->out, "<tr>");
}

static void html_cell_begin(tm_doc *doc, const char *css)
{
	if (css) {
		tm_buf_puts(doc->out, "<td class=\"");
		tm_esc_html(doc->out, css);
		tm_buf_puts(doc->out, "\">");
	} else {
		tm_buf_puts(doc->out, "<td>");
	}
}

static void html_cell_end(tm_doc *doc)
{
	tm_buf_puts(doc->out, "</td>");
}
static void html_row_end(tm_doc *doc)
{
	tm_buf_puts(doc->out, "</tr>\n");
}
static void html_table_end(tm_doc *doc)
{
	tm_buf_puts(doc->out, "</tbody>\n</table></div>\n");
}

static void html_diagram(tm_doc *doc)
{
	const tm_session *session = doc->session;
	tm_buf dot = TM_BUF_INIT, svg = TM_BUF_INIT, errors = TM_BUF_INIT;
	tm_render_dfd_dot(&dot, session->model, &session->findings, 0, NULL);
	tm_buf_puts(doc->out, "<figure class=\"dfd\">\n");
	const char *start = NULL;
	if (tm_render_svg(&svg, dot.data ? dot.data : "", dot.len, &errors) == 0)
		start = strstr(tm_buf_str(&svg), "<svg");
	if (start) {
		/* Graphviz's SVG is XML-escaped by Graphviz; the prolog and
		 * doctype before <svg> have no place inside HTML */
		tm_buf_puts(doc->out, start);
	} else {
		if (doc->warnings) {
			tm_buf_puts(doc->warnings, "the diagram could not be drawn: ");
			tm_buf_puts(doc->warnings,
			            errors.len ? tm_buf_str(&errors) : "Graphviz printed no SVG\n");
		}
		tm_buf_puts(doc->out, "<p>The diagram needs Graphviz (<code>dot</code>) to be drawn; its DOT "
		                      "source:</p>\n<pre>");
		tm_esc_html(doc->out, tm_buf_str(&dot));
		tm_buf_puts(doc->out, "</pre>\n");
	}
	tm_buf_puts(doc->out, "</figure>\n");
	tm_buf_free(&dot);
	tm_buf_free(&svg);
	tm_buf_free(&errors);
}

static const tm_doc_ops html_ops = {
    html_heading,     html_paragraph_begin, html_paragraph_end, html_text,
    html_strong,      html_emphasis,        html_code,          html_line_break,
    html_list_begin,  html_item_begin,      html_item_end,      html_list_end,
    html_table_begin, html_row_begin,       html_cell_begin,    html_cell_end,
    html_row_end,     html_table_end,       html_diagram,
};

void tm_render_report_html(tm_buf *out, const tm_session *session, tm_buf *warnings)
{
	if (!session || !session->model)
		return;
	const tm_model *model = session->model;
	tm_buf scratch = TM_BUF_INIT;
	tm_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
	tm_buf_puts(out, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	                 "style-src 'unsafe-inline'; img-src data:\">\n");
	tm_buf_puts(out, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	tm_buf_puts(out,
	            "<meta name=\"generator\" content=\"threat " TM_VERSION "\">\n<title>Threat Model: ");
	const char *client = tm_render_meta_text(model, "client", &scratch);
	if (client) {
		tm_esc_html(out, client);
		tm_buf_puts(out, " - ");
	}
	tm_esc_html(out, model->meta.name && *model->meta.name ? model->meta.name : "(unnamed model)");
	tm_buf_puts(out, "</title>\n<style>\n");
	tm_buf_puts(out, style);
	tm_buf_puts(out, "</style>\n</head>\n<body>\n<main>\n");
	tm_doc doc = {.ops = &html_ops, .out = out, .session = session, .warnings = warnings};
	tm_render_report_doc(&doc);
	tm_buf_puts(out, "<footer>Generated by threat " TM_VERSION
	                 " from the model; edit the model, not this file.</footer>\n");
	tm_buf_puts(out, "</main>\n</body>\n</html>\n");
	tm_buf_free(&scratch);
}
