#include "render/rules_text.h"

#include <ctype.h>
#include <string.h>

#include "model/vocab.h"
#include "render/escape.h"
#include "render/term.h"

static const char *or_empty(const char *text)
{
	return text ? text : "";
}

/* Pads a sanitised cell to width columns. */
static void cell(tm_buf *out, const char *text, size_t width)
{
	size_t used = tm_term_fit(out, or_empty(text), width);
	tm_buf_fill(out, ' ', width - used + 2);
}

void tm_render_rules_table(tm_buf *out, const tm_rules *rules)
{
	size_t count = tm_rules_count(rules);
	size_t w_id = 2, w_fw = 9, w_cat = 8, w_pack = 4;
	size_t npacks = 0;
	const char *last_pack = NULL;
	for (size_t i = 0; i < count; i++) {
		const tm_rule_info *info = tm_rules_info(rules, i);
		size_t w;
		if ((w = tm_term_width(info->id)) > w_id)
			w_id = w;
		if ((w = tm_term_width(info->framework)) > w_fw)
			w_fw = w;
		if ((w = tm_term_width(info->category)) > w_cat)
			w_cat = w;
		if ((w = tm_term_width(info->pack)) > w_pack)
			w_pack = w;
		if (!last_pack || strcmp(last_pack, or_empty(info->pack)) != 0)
			npacks++;
		last_pack = or_empty(info->pack);
	}
	w_id = w_id > 24 ? 24 : w_id;
	w_cat = w_cat > 24 ? 24 : w_cat;
	cell(out, "ID", w_id);
	cell(out, "FRAMEWORK", w_fw);
	cell(out, "CATEGORY", w_cat);
	cell(out, "PACK", w_pack);
	tm_buf_puts(out, "TITLE\n");
	for (size_t i = 0; i < count; i++) {
		const tm_rule_info *info = tm_rules_info(rules, i);
		cell(out, info->id, w_id);
		cell(out, info->framework, w_fw);
		cell(out, info->category, w_cat);
		cell(out, info->pack, w_pack);
		tm_term_sanitize(out, or_empty(info->title));
		tm_buf_putc(out, '\n');
	}
	tm_buf_printf(out, "%zu rule%s in %zu pack%s\n", count, count == 1 ? "" : "s", npacks,
	              npacks == 1 ? "" : "s");
}

/* Markdown table cell: no newlines, and '|' escaped, so the column count holds. */
static bool word_char(char c)
{
	return isalnum((unsigned char)c) != 0;
}

static void md_cell(tm_buf *out, const char *text)
{
	const char *start = or_empty(text);
	size_t len = strlen(start);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)start[i];
		if (c < 0x20 || c >= 0x7F) {
			/* line breaks and tabs as spaces; controls, bidirectional
			 * overrides and invalid UTF-8 as U+FFFD */
			uint32_t cp;
			i += tm_utf8_next(start + i, len - i, &cp);
			if (cp == '\n' || cp == '\r' || cp == '\t')
				tm_buf_putc(out, ' ');
			else
				tm_utf8_put(out, tm_utf8_is_unsafe(cp) ? TM_UTF8_REPLACEMENT : cp);
			continue;
		}
		/* An underscore inside a word never starts emphasis, so
		 * `denial_of_service` stays readable in the Markdown source. */
		const char *p = start + i;
		bool inner_underscore = *p == '_' && p > start && word_char(p[-1]) && word_char(p[1]);
		if ((*p == '|' || *p == '\\' || *p == '`' || *p == '*' || *p == '_' || *p == '<' ||
		     *p == '>' || *p == '[' || *p == ']') &&
		    !inner_underscore)
			tm_buf_putc(out, '\\');
		tm_buf_putc(out, *p);
		i++;
	}
}

void tm_render_rules_markdown(tm_buf *out, const tm_rules *rules)
{
	size_t count = tm_rules_count(rules);
	const char *pack = NULL;
	for (size_t i = 0; i < count; i++) {
		const tm_rule_info *info = tm_rules_info(rules, i);
		if (!pack || strcmp(pack, or_empty(info->pack)) != 0) {
			pack = or_empty(info->pack);
			tm_buf_printf(out, "%s## Pack ", i ? "\n" : "");
			tm_esc_md_code(out, *pack ? pack : " ", false);
			tm_buf_puts(out, "\n\n");
			tm_buf_puts(out, "| ID | framework | category | applies to | title | answered by / "
			                 "mitigation |\n");
			tm_buf_puts(out, "|---|---|---|---|---|---|\n");
		}
		tm_buf_puts(out, "| ");
		md_cell(out, info->id);
		tm_buf_puts(out, " | ");
		md_cell(out, info->framework);
		tm_buf_puts(out, " | ");
		md_cell(out, info->category);
		tm_buf_puts(out, " | ");
		md_cell(out, info->applies);
		tm_buf_puts(out, " | ");
		md_cell(out, info->title);
		tm_buf_puts(out, " | ");
		md_cell(out, info->mitigation);
		for (size_t a = 0; a < info->nadvice; a++) {
			tm_buf_puts(out, " *With `tech ");
			md_cell(out, info->advice_techs[a]);
			tm_buf_puts(out, "`:* ");
			md_cell(out, info->advice_texts[a]);
		}
		tm_buf_puts(out, " |\n");
	}
}

static void field(tm_buf *out, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	tm_buf_printf(out, "  %-11s ", name);
	tm_term_sanitize(out, value);
	tm_buf_putc(out, '\n');
}

/* A field whose value is a list of ", "-separated parts, wrapped at 76
 * columns under the value's first column. */
static void wrapped_field(tm_buf *out, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	tm_buf_printf(out, "  %-11s ", name);
	size_t column = 14;
	const char *p = value;
	while (*p) {
		const char *comma = strstr(p, ", ");
		size_t part = comma ? (size_t)(comma - p) + 1 : strlen(p);
		if (p != value && column + 1 + part > 76) {
			tm_buf_puts(out, "\n              ");
			column = 14;
		} else if (p != value) {
			tm_buf_putc(out, ' ');
			column++;
		}
		tm_buf sub = TM_BUF_INIT;
		tm_buf_put(&sub, p, part);
		tm_term_sanitize(out, tm_buf_str(&sub));
		tm_buf_free(&sub);
		column += part;
		p += part;
		if (*p == ' ')
			p++;
	}
	tm_buf_putc(out, '\n');
}

/* Prints a paragraph wrapped at 76 columns, indented by two spaces. */
static void paragraph(tm_buf *out, const char *heading, const char *text)
{
	if (!text || !*text)
		return;
	tm_buf_printf(out, "\n%s\n", heading);
	tm_buf line = TM_BUF_INIT;
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == '\n' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *end = p;
		while (*end && *end != ' ' && *end != '\n' && *end != '\t')
			end++;
		if (line.len && line.len + 1 + (size_t)(end - p) > 74) {
			tm_buf_puts(out, "  ");
			tm_term_sanitize(out, tm_buf_str(&line));
			tm_buf_putc(out, '\n');
			tm_buf_clear(&line);
		}
		if (line.len)
			tm_buf_putc(&line, ' ');
		tm_buf_put(&line, p, (size_t)(end - p));
		p = end;
	}
	if (line.len) {
		tm_buf_puts(out, "  ");
		tm_term_sanitize(out, tm_buf_str(&line));
		tm_buf_putc(out, '\n');
	}
	tm_buf_free(&line);
}

void tm_render_rule_explain(tm_buf *out, const tm_rule_info *info)
{
	tm_term_sanitize(out, or_empty(info->id));
	tm_buf_puts(out, ": ");
	tm_term_sanitize(out, or_empty(info->title));
	tm_buf_putc(out, '\n');
	tm_buf here = TM_BUF_INIT;
	if (info->file)
		tm_buf_printf(&here, "%s (%s:%d)", or_empty(info->pack), info->file, info->line);
	field(out, "pack", info->file ? tm_buf_str(&here) : info->pack);
	tm_buf_free(&here);
	field(out, "framework", info->framework);
	field(out, "category", info->category);
	field(out, "applies to", info->applies);
	field(out, "only when", info->only_when);
	field(out, "not when", info->not_when);
	if (info->only_if) {
		tm_buf gate = TM_BUF_INIT;
		tm_buf_printf(&gate, "the model passes a function (%s)", info->only_if);
		field(out, "only if", tm_buf_str(&gate));
		tm_buf_free(&gate);
	}
	paragraph(out, "Description", info->description);
	if (info->likelihood || info->impact) {
		tm_buf_puts(out, "\nScoring (OWASP Risk Rating)\n");
		wrapped_field(out, "likelihood", info->likelihood);
		wrapped_field(out, "impact", info->impact);
	}
	paragraph(out, "Mitigation", info->mitigation);
	for (size_t i = 0; i < info->nadvice; i++) {
		tm_buf title = TM_BUF_INIT;
		tm_buf_printf(&title, "With tech %s", info->advice_techs[i]);
		paragraph(out, tm_buf_str(&title), info->advice_texts[i]);
		tm_buf_free(&title);
	}
	if (info->nrefs) {
		tm_buf refs = TM_BUF_INIT;
		for (size_t i = 0; i < info->nrefs; i++)
			tm_buf_printf(&refs, "%s%s", i ? ", " : "", info->refs[i]);
		paragraph(out, "References", tm_buf_str(&refs));
		tm_buf_free(&refs);
	}
}

/* "process, flow" */
static void vocab_kinds(tm_buf *out, unsigned kinds)
{
	size_t n = 0;
	for (int k = 0; k < TM_VK_COUNT; k++)
		if (kinds & (1u << k))
			tm_buf_printf(out, "%s%s", n++ ? ", " : "", tm_vocab_kind_names[k]);
}

/* "enum: internet, partner, internal" or "bool" */
static void vocab_type(tm_buf *out, const tm_attr_decl *decl)
{
	tm_buf_puts(out, tm_attr_type_names[decl->type]);
	for (size_t i = 0; i < decl->nvalues; i++)
		tm_buf_printf(out, "%s%s", i ? ", " : ": ", decl->values[i]);
}

static void vocab_declarers(tm_buf *out, const tm_attr_decl *decl)
{
	for (size_t i = 0; i < decl->ndeclared_by; i++)
		tm_buf_printf(out, "%s%s", i ? ", " : "", decl->declared_by[i]);
}

void tm_render_vocab_text(tm_buf *out, const struct tm_vocab *vocab)
{
	size_t count = tm_vocab_count(vocab);
	tm_buf scratch = TM_BUF_INIT;
	for (size_t i = 0; i < count; i++) {
		const tm_attr_decl *decl = tm_vocab_get(vocab, i);
		tm_term_sanitize(out, decl->name);
		tm_buf_puts(out, "  ");
		tm_buf_clear(&scratch);
		vocab_type(&scratch, decl);
		tm_buf_puts(&scratch, "  on ");
		vocab_kinds(&scratch, decl->kinds);
		tm_buf_puts(&scratch, "  (");
		vocab_declarers(&scratch, decl);
		tm_buf_puts(&scratch, ")");
		tm_term_sanitize(out, tm_buf_str(&scratch));
		tm_buf_puts(out, "\n    ");
		tm_term_sanitize(out, decl->doc);
		tm_buf_putc(out, '\n');
	}
	tm_buf_free(&scratch);
	tm_buf_printf(out, "%zu attribute%s\n", count, count == 1 ? "" : "s");
}

void tm_render_vocab_markdown(tm_buf *out, const struct tm_vocab *vocab)
{
	size_t count = tm_vocab_count(vocab);
	tm_buf scratch = TM_BUF_INIT;
	tm_buf_puts(out, "| attribute | applies to | type | declared by | meaning |\n");
	tm_buf_puts(out, "|---|---|---|---|---|\n");
	for (size_t i = 0; i < count; i++) {
		const tm_attr_decl *decl = tm_vocab_get(vocab, i);
		tm_buf_puts(out, "| ");
		md_cell(out, decl->name);
		tm_buf_puts(out, " | ");
		tm_buf_clear(&scratch);
		vocab_kinds(&scratch, decl->kinds);
		md_cell(out, tm_buf_str(&scratch));
		tm_buf_puts(out, " | ");
		tm_buf_clear(&scratch);
		vocab_type(&scratch, decl);
		md_cell(out, tm_buf_str(&scratch));
		tm_buf_puts(out, " | ");
		tm_buf_clear(&scratch);
		vocab_declarers(&scratch, decl);
		md_cell(out, tm_buf_str(&scratch));
		tm_buf_puts(out, " | ");
		md_cell(out, decl->doc);
		tm_buf_puts(out, " |\n");
	}
	tm_buf_free(&scratch);
}
