/* Writing `.threat` text from another tool's names and values: ids made
 * valid and unique, strings quoted and escaped, and attribute values
 * reprinted from what the parser read, so a hostile file cannot add a
 * statement through a value. */
#include <ctype.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/source.h"
#include "base/strmap.h"
#include "base/xalloc.h"
#include "interop/interop.h"
#include "lang/ast.h"
#include "model/model.h"

/* Identifiers longer than this are cut: a name is a label's job. */
#define MAX_ID_LENGTH 64

struct tm_idset {
	tm_arena *arena;
	tm_strmap *taken; /* full dotted ids */
};

tm_idset *tm_idset_new(void)
{
	tm_idset *set = tm_xcalloc(1, sizeof *set);
	set->arena = tm_arena_new();
	set->taken = tm_strmap_new(64);
	for (size_t k = 0; k < TM_DECL_COUNT; k++)
		tm_strmap_add(set->taken, tm_decl_keywords[k], set);
	tm_strmap_add(set->taken, "model", set);
	return set;
}

void tm_idset_free(tm_idset *set)
{
	if (!set)
		return;
	tm_strmap_free(set->taken);
	tm_arena_free(set->arena);
	free(set);
}

static bool is_alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

bool tm_interop_is_ident(const char *text)
{
	if (!text || !(isalpha((unsigned char)text[0]) || text[0] == '_'))
		return false;
	for (size_t i = 1; text[i]; i++) {
		char c = text[i];
		if (c == '-' && is_alnum(text[i + 1]))
			continue;
		if (!is_alnum(c) && c != '_')
			return false;
	}
	return strlen(text) <= MAX_ID_LENGTH * 4;
}

/* text made an identifier: letters and digits kept (ASCII), runs of
 * anything else one `_` (a `-` between two of them kept), a leading
 * digit prefixed with `_`. Empty when nothing of it is usable. */
static void make_ident(tm_buf *out, const char *text)
{
	bool gap = false;
	for (size_t i = 0; text[i] && out->len < MAX_ID_LENGTH; i++) {
		char c = text[i];
		if (is_alnum(c)) {
			if (gap && out->len)
				tm_buf_putc(out, '_');
			gap = false;
			if (!out->len && isdigit((unsigned char)c))
				tm_buf_putc(out, '_');
			tm_buf_putc(out, c);
		} else if (c == '-' && out->len && !gap && is_alnum(text[i + 1])) {
			tm_buf_putc(out, '-');
		} else if (c == '_' && !gap) {
			tm_buf_putc(out, '_');
		} else {
			gap = true;
		}
	}
	/* a run of others at the end adds nothing; a lone `_` is no name */
	if (out->len == 1 && out->data[0] == '_')
		tm_buf_clear(out);
}

static const char *full_id(tm_idset *set, const char *prefix, const char *id)
{
	return prefix && *prefix ? tm_arena_printf(set->arena, "%s.%s", prefix, id) : id;
}

const char *tm_idset_take(tm_idset *set, const char *prefix, const char *id)
{
	if (!tm_interop_is_ident(id))
		return NULL;
	const char *local = tm_arena_strdup(set->arena, id);
	const char *full = full_id(set, prefix, local);
	if (tm_strmap_get(set->taken, full))
		return NULL;
	tm_strmap_add(set->taken, full == local ? local : tm_arena_strdup(set->arena, full), set);
	return local;
}

const char *tm_idset_make(tm_idset *set, const char *prefix, const char *text, const char *stem)
{
	tm_buf base = TM_BUF_INIT;
	make_ident(&base, text ? text : "");
	if (!base.len)
		tm_buf_puts(&base, stem);
	const char *id = NULL;
	for (unsigned n = 1; !id; n++) {
		const char *candidate = n == 1 ? tm_arena_strdup(set->arena, tm_buf_str(&base))
		                               : tm_arena_printf(set->arena, "%s_%u", tm_buf_str(&base), n);
		const char *full = full_id(set, prefix, candidate);
		if (!tm_strmap_get(set->taken, full)) {
			tm_strmap_add(set->taken, full, set);
			id = candidate;
		}
	}
	tm_buf_free(&base);
	return id;
}

void tm_interop_put_string(tm_buf *out, const char *text)
{
	tm_string_source(out, text ? text : "", text ? strlen(text) : 0);
}

void tm_interop_put_note(tm_buf *out, const char *prefix, const char *name, const char *text)
{
	tm_buf ident = TM_BUF_INIT;
	make_ident(&ident, name);
	/* a `-` joins only letters and digits: `x-otm_1st`, not `x-otm-_1st` */
	tm_buf_printf(out, "  x-%s%s%s ", prefix, ident.len && ident.data[0] != '_' ? "-" : "",
	              tm_buf_str(&ident));
	tm_interop_put_string(out, text);
	tm_buf_putc(out, '\n');
	tm_buf_free(&ident);
}

bool tm_interop_put_value(tm_buf *out, const char *keyword, const char *name, const char *text)
{
	/* Parsed as the value of attribute `name` of a statement `keyword`
	 * (where the language reads it: patterns only in `mitigates`): one
	 * statement with one attribute, or it is no single value. */
	tm_buf source = TM_BUF_INIT;
	if (strcmp(keyword, "model") == 0)
		tm_buf_puts(&source, "model \"v\"");
	else if (strcmp(keyword, "flow") == 0)
		tm_buf_puts(&source, "flow a -> b");
	else
		tm_buf_printf(&source, "%s v", keyword);
	tm_buf_printf(&source, " { %s ", name);
	tm_buf_puts(&source, text);
	tm_buf_puts(&source, "\n}\n");
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	const tm_source *src = tm_source_from_text(arena, "value", tm_buf_str(&source), source.len);
	tm_file *file = NULL;
	bool ok = tm_interop_is_ident(name) && tm_parse_file(&file, arena, src, &diags) == 0 && file &&
	          file->ndecls == 1 && file->decls[0]->block && file->decls[0]->block->count == 1 &&
	          file->decls[0]->block->items[0].attr && !file->ncomments;
	if (ok)
		tm_value_source(out, file->decls[0]->block->items[0].attr->value);
	tm_diags_free(&diags);
	tm_arena_free(arena);
	tm_buf_free(&source);
	return ok;
}

bool tm_interop_is_finding(const char *text)
{
	if (!*text)
		return false;
	for (const char *c = text; *c; c++)
		if (!is_alnum(*c) && !strchr("_-.*@<>", *c))
			return false;
	tm_buf source = TM_BUF_INIT;
	tm_buf_printf(&source, "accept %s \"r\"\n", text);
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	const tm_source *src = tm_source_from_text(arena, "finding", tm_buf_str(&source), source.len);
	tm_file *file = NULL;
	bool ok = tm_parse_file(&file, arena, src, &diags) == 0 && file && file->ndecls == 1 &&
	          file->decls[0]->kind == TM_DECL_ACCEPT && !file->decls[0]->block;
	tm_diags_free(&diags);
	tm_arena_free(arena);
	tm_buf_free(&source);
	return ok;
}

const char *tm_interop_category(const char *text)
{
	static const struct {
		const char *word, *category;
	} words[] = {
	    {"spoof", "spoofing"},
	    {"tamper", "tampering"},
	    {"repudiation", "repudiation"},
	    {"information", "information_disclosure"},
	    {"disclosure", "information_disclosure"},
	    {"denial", "denial_of_service"},
	    {"elevation", "elevation_of_privilege"},
	    {"privilege", "elevation_of_privilege"},
	    {"linkab", "linkability"},
	    {"identifiab", "identifiability"},
	    {"detectab", "detectability"},
	    {"unaware", "unawareness"},
	    {"compliance", "non_compliance"},
	    {"confidential", "information_disclosure"},
	    {"integrity", "tampering"},
	    {"availab", "denial_of_service"},
	};
	char lower[96];
	size_t n = 0;
	for (; text[n] && n + 1 < sizeof lower; n++)
		lower[n] = (char)(text[n] >= 'A' && text[n] <= 'Z' ? text[n] - 'A' + 'a' : text[n]);
	lower[n] = '\0';
	if (strncmp(lower, "non", 3) == 0 && strstr(lower, "repudiation"))
		return "non_repudiation";
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(lower, words[i].word))
			return words[i].category;
	return NULL;
}

const char *tm_interop_impact_factor(const char *category)
{
	if (strcmp(category, "denial_of_service") == 0)
		return "availability";
	if (strcmp(category, "information_disclosure") == 0 || tm_category_framework(category) == NULL ||
	    strcmp(tm_category_framework(category), "LINDDUN") == 0)
		return "confidentiality";
	return "integrity";
}

size_t tm_interop_open_block(tm_buf *out)
{
	tm_buf_puts(out, " {\n");
	return out->len;
}

void tm_interop_close_block(tm_buf *out, size_t mark)
{
	if (out->len == mark) {
		out->len -= 3; /* " {\n": a statement with nothing in its block has none */
		out->data[out->len] = '\0';
		tm_buf_putc(out, '\n');
	} else {
		tm_buf_puts(out, "}\n");
	}
}
