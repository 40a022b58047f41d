/* Registering rules: the pack{}, rule{} and attribute{} calls a pack
 * makes while it loads, the checks on their tables (fields, filters,
 * factors, advice, the ceilings on what the engine keeps), and the texts
 * `threat rules` shows for each rule. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "base/limits.h"
#include "base/strmap.h"
#include "base/xalloc.h"
#include "model/vocab.h"
#include "rules/engine.h"
#include "rules/rules.h"

static const char *const rule_fields[] = {"id",          "framework", "category",   "applies", "title",
                                          "description", "when",      "likelihood", "impact",  "mitigation",
                                          "refs",        "requires",  "unless",     "advice",  "only_if"};
static const char *const pack_fields[] = {"name", "version", "description"};
static const char *const attribute_fields[] = {"name", "applies", "type", "values", "doc"};

/* ---- messages ---- */

/* Where the Lua code calling the current C function is: "file" and line. */
/* Whether the function running at `ar` holds the value at idx in one of
 * its local variables (parameters included). */
static bool held_in_local(lua_State *L, lua_Debug *ar, int idx)
{
	idx = lua_absindex(L, idx);
	for (int n = 1;; n++) {
		const char *name = lua_getlocal(L, ar, n);
		if (!name)
			return false;
		bool same = lua_rawequal(L, -1, idx);
		lua_pop(L, 1);
		if (same)
			return true;
	}
}

/* Where pack{} or rule{} was called: the first Lua frame up the stack.
 * When `table` (a stack index, or 0) is the argument and that frame holds
 * it in a variable, the table was written further up (a pack's helper,
 * `local function stride(spec) ... rule(spec) end`), so the place is
 * where the helper was called with it, `stride { id = ... }`. *file is
 * the frame's "@path" source, which lives as long as its function, or
 * Lua's short name of another chunk (load()ed text) copied into
 * short_src: the lua_Debug that holds it is gone when this returns. */
static void caller_place(lua_State *L, int table, char short_src[LUA_IDSIZE], const char **file, int *line)
{
	lua_Debug ar;
	*file = "?";
	*line = 0;
	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) {
			if (*line)
				return; /* a C function above the helper */
			continue;
		}
		if (ar.source && ar.source[0] == '@') {
			*file = ar.source + 1;
		} else {
			memcpy(short_src, ar.short_src, LUA_IDSIZE);
			short_src[LUA_IDSIZE - 1] = '\0';
			*file = short_src;
		}
		*line = ar.currentline;
		if (!table || !held_in_local(L, &ar, table))
			return;
	}
}

/* How much of a text from a pack a message keeps: at most max bytes, cut
 * before a UTF-8 continuation byte (the caller adds "…" when cut). */
static int cut_length(const char *text, size_t max)
{
	size_t len = strnlen(text, max + 1);
	if (len <= max)
		return (int)len;
	size_t cut = max;
	while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
		cut--;
	return (int)cut;
}

/* A pack's error message, and a name from a pack, in a message. */
int tm_rules_kept_length(const char *message)
{
	return cut_length(message, MAX_MESSAGE_BYTES);
}

static int name_length(const char *name)
{
	return cut_length(name, MAX_NAME_BYTES);
}

/* A warning about a pack being loaded, unless it has had its
 * MAX_WARNINGS_PER_PACK: then only counted (tm_rules_report_unshown_warnings). */
static tm_diag *pack_warning(tm_rules *rules, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static tm_diag *pack_warning(tm_rules *rules, const char *fmt, ...)
{
	pack *p = rules->loading >= 0 ? &rules->packs[rules->loading] : NULL;
	if (p && ++p->warnings > MAX_WARNINGS_PER_PACK)
		return NULL;
	char text[MAX_MESSAGE_BYTES + 600];
	va_list args;
	va_start(args, fmt);
	vsnprintf(text, sizeof text, fmt, args);
	va_end(args);
	return tm_diag_warning(rules->diags, no_span(), "%s", text);
}

void tm_rules_report_unshown_warnings(tm_rules *rules, const pack *p)
{
	if (p->warnings > MAX_WARNINGS_PER_PACK)
		tm_diag_warning(rules->diags, no_span(),
		                "%s: %zu more warnings not shown (at most %d a pack)", p->path,
		                p->warnings - MAX_WARNINGS_PER_PACK, MAX_WARNINGS_PER_PACK);
}

/* ---- registration: pack{} and rule{} ---- */

static void warn_unknown_fields(tm_rules *rules, lua_State *L, int table, const char *const *known,
                                size_t count, const char *file, int line, const char *what)
{
	lua_pushnil(L);
	while (lua_next(L, table)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING) {
			pack_warning(rules, "%s:%d: %.*s: a key that is not a name is ignored", file, line,
			             name_length(what), what);
			continue;
		}
		const char *key = lua_tostring(L, -1);
		if (index_of(key, known, count) >= 0)
			continue;
		tm_diag *diag = pack_warning(rules, "%s:%d: %.*s: unknown field '%.*s%s' is ignored", file,
		                             line, name_length(what), what, name_length(key), key,
		                             key[name_length(key)] ? "…" : "");
		const char *suggestion = diag ? tm_suggest(key, known, count) : NULL;
		if (suggestion)
			tm_diag_note(diag, no_span(), "did you mean '%s'?", suggestion);
	}
}

/* The known fields of a pack's table copied into a fresh table pushed on
 * the stack: one read each (a pack's __index runs once), and the strings
 * read later stay referenced while they are used. */
static int snapshot(lua_State *L, int table, const char *const *fields, size_t count)
{
	lua_createtable(L, 0, (int)count);
	for (size_t i = 0; i < count; i++) {
		lua_getfield(L, table, fields[i]);
		lua_setfield(L, -2, fields[i]);
	}
	return lua_gettop(L);
}

/* Reads an optional string field of a snapshot; false (with *error set)
 * when it has another type. */
static bool string_field(lua_State *L, int table, const char *name, const char **out, char *error,
                         size_t size)
{
	int type = lua_getfield(L, table, name);
	*out = NULL;
	if (type == LUA_TSTRING)
		*out = lua_tostring(L, -1);
	lua_pop(L, 1); /* the string stays alive in the snapshot */
	if (type != LUA_TNIL && type != LUA_TSTRING) {
		snprintf(error, size, "'%s' must be a string, not a %s", name, lua_typename(L, type));
		return false;
	}
	return true;
}

/* A text of a rule or a pack checked against its ceiling (base/limits.h);
 * false with *error set when it is longer. */
static bool text_fits(const char *what, const char *text, size_t max, size_t *total, char *error, size_t size)
{
	size_t len = text ? strlen(text) : 0;
	*total += len;
	if (len <= max)
		return true;
	snprintf(error, size, "'%s' is %zu bytes long, more than the %zu allowed", what, len, max);
	return false;
}

static int lua_pack(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	if (rules->loading < 0)
		return luaL_error(L, "pack{} may only be called while the pack loads");
	luaL_checktype(L, 1, LUA_TTABLE);
	pack *p = &rules->packs[rules->loading];
	if (p->declared)
		return luaL_error(L, "pack{} is called twice");
	const char *file;
	char short_src[LUA_IDSIZE];
	int line;
	caller_place(L, 0, short_src, &file, &line);
	char error[256];
	const char *name, *version, *description;
	int snap = snapshot(L, 1, pack_fields, COUNT(pack_fields));
	if (!string_field(L, snap, "name", &name, error, sizeof error) ||
	    !string_field(L, snap, "version", &version, error, sizeof error) ||
	    !string_field(L, snap, "description", &description, error, sizeof error))
		return luaL_error(L, "pack{}: %s", error);
	if (name && !*name)
		return luaL_error(L, "pack{}: 'name' is empty");
	size_t total = 0;
	if (!text_fits("name", name, MAX_NAME_BYTES, &total, error, sizeof error) ||
	    !text_fits("version", version, MAX_NAME_BYTES, &total, error, sizeof error) ||
	    !text_fits("description", description, MAX_TEXT_BYTES, &total, error, sizeof error))
		return luaL_error(L, "pack{}: %s", error);
	warn_unknown_fields(rules, L, 1, pack_fields, COUNT(pack_fields), file, line, "pack{}");
	if (name)
		p->name = tm_arena_strdup(rules->arena, name);
	if (version)
		p->version = tm_arena_strdup(rules->arena, version);
	if (description)
		p->description = tm_arena_strdup(rules->arena, description);
	p->declared = true;
	return 0;
}

/* A list of strings (or one string) in field `name` of the table at
 * `table`, copied into `out` (at most `max`); false with *error set when
 * it is anything else. */
static bool words_field(lua_State *L, int table, const char *name, const char **out, size_t max,
                        size_t *count, char *error, size_t size)
{
	*count = 0;
	int type = lua_getfield(L, table, name);
	if (type == LUA_TSTRING) {
		out[(*count)++] = lua_tostring(L, -1);
		lua_pop(L, 1); /* the string stays alive in the declaration table */
		return true;
	}
	if (type != LUA_TTABLE) {
		lua_pop(L, 1);
		snprintf(error, size, "'%s' must be a string or a list of strings", name);
		return false;
	}
	lua_Integer n = luaL_len(L, -1);
	for (lua_Integer i = 1; i <= n; i++) {
		if (lua_geti(L, -1, i) != LUA_TSTRING || *count == max) {
			lua_pop(L, 2);
			snprintf(error, size,
			         *count == max ? "'%s' has more than %zu items" : "'%s' must list strings",
			         name, max);
			return false;
		}
		out[(*count)++] = lua_tostring(L, -1);
		lua_pop(L, 1); /* kept alive by the list, which stays in the declaration */
	}
	lua_pop(L, 1);
	return true;
}

/* One declaration of attribute{} at stack index `table`. */
static void declare_attribute(tm_rules *rules, lua_State *L, int table, const char *file, int line)
{
	char error[256];
	const char *name = NULL, *type_word = NULL, *doc = NULL;
	/* the declaration's fields are read into a snapshot, which keeps the
	 * strings alive */
	int snap = snapshot(L, table, attribute_fields, COUNT(attribute_fields));
	if (!string_field(L, snap, "name", &name, error, sizeof error) ||
	    !string_field(L, snap, "type", &type_word, error, sizeof error) ||
	    !string_field(L, snap, "doc", &doc, error, sizeof error))
		luaL_error(L, "attribute{}: %s", error);
	if (!name)
		luaL_error(L, "attribute{}: 'name' is required");
	if (!doc || !*doc)
		luaL_error(L,
		           "attribute{} '%s': 'doc' is required (one line for `threat rules --attributes`)",
		           name);
	warn_unknown_fields(rules, L, table, attribute_fields, COUNT(attribute_fields), file, line,
	                    "attribute{}");
	const char *applies[TM_VK_COUNT + 1];
	size_t napplies;
	if (!words_field(L, snap, "applies", applies, TM_VK_COUNT, &napplies, error, sizeof error))
		luaL_error(L, "attribute{} '%s': %s", name, error);
	tm_attr_decl decl = {.name = name, .doc = doc};
	for (size_t i = 0; i < napplies; i++) {
		int kind = tm_vocab_kind_of(applies[i]);
		if (kind < 0)
			luaL_error(
			    L,
			    "attribute{} '%s': unknown kind '%s' in 'applies' (external, process, store, "
			    "flow, boundary, asset, actor, model, threat, mitigation, accept)",
			    name, applies[i]);
		decl.kinds |= 1u << kind;
	}
	if (!napplies)
		luaL_error(L, "attribute{} '%s': 'applies' names no kind", name);
	const char *values[256];
	size_t nvalues = 0;
	lua_getfield(L, snap, "values");
	bool has_values = !lua_isnil(L, -1);
	lua_pop(L, 1);
	if (has_values &&
	    !words_field(L, snap, "values", values, COUNT(values), &nvalues, error, sizeof error))
		luaL_error(L, "attribute{} '%s': %s", name, error);
	int type = type_word ? tm_vocab_type_of(type_word) : has_values ? TM_AT_ENUM : -1;
	if (type < 0)
		luaL_error(L,
		           "attribute{} '%s': %s%s%s (bool, control, enum, number, date, text, list, ids, "
		           "reference, block, any)",
		           name, type_word ? "unknown type '" : "'type' is required",
		           type_word ? type_word : "", type_word ? "'" : "");
	decl.type = (tm_attr_type)type;
	decl.values = values;
	decl.nvalues = nvalues;
	/* Named after the pack that declares it, or after the module (threatlib). */
	const pack *p = &rules->packs[rules->loading];
	char *stem = strcmp(file, p->path) == 0 ? NULL : tm_rules_stem_of(file);
	bool ok = tm_vocab_declare(rules->vocab, &decl, stem ? stem : p->name, error, sizeof error);
	free(stem);
	if (!ok)
		luaL_error(L, "attribute{}: %s", error);
	lua_pop(L, 1); /* the snapshot */
}

/* attribute { name = ..., applies = ..., type = ..., doc = ... }, or a list
 * of such tables: the attributes the pack reads (doc/rules.md). */
static int lua_attribute(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	if (rules->loading < 0)
		return luaL_error(L, "attribute{} may only be called while the pack loads");
	luaL_checktype(L, 1, LUA_TTABLE);
	const char *file;
	char short_src[LUA_IDSIZE];
	int line;
	caller_place(L, 0, short_src, &file, &line);
	if (lua_rawgeti(L, 1, 1) == LUA_TTABLE) {
		lua_pop(L, 1);
		lua_Integer n = luaL_len(L, 1);
		for (lua_Integer i = 1; i <= n; i++) {
			if (lua_rawgeti(L, 1, i) != LUA_TTABLE)
				return luaL_error(L, "attribute{}: item %d of the list is not a table",
				                  (int)i);
			declare_attribute(rules, L, lua_gettop(L), file, line);
			lua_pop(L, 1);
		}
		return 0;
	}
	lua_pop(L, 1);
	declare_attribute(rules, L, 1, file, line);
	return 0;
}

/* The language's identifiers: a letter or _, then letters, digits, _ and
 * '-' before a letter or digit; so an id can be written in a model. */
static bool is_identifier(const char *text)
{
	unsigned char c = (unsigned char)text[0];
	if (!(c == '_' || ((c | 32) >= 'a' && (c | 32) <= 'z')))
		return false;
	for (size_t i = 1; text[i]; i++) {
		c = (unsigned char)text[i];
		bool alnum = (c | 32) >= 'a' && (c | 32) <= 'z';
		alnum = alnum || (c >= '0' && c <= '9');
		if (alnum || c == '_')
			continue;
		unsigned char next = (unsigned char)text[i + 1];
		bool next_alnum = ((next | 32) >= 'a' && (next | 32) <= 'z') || (next >= '0' && next <= '9');
		if (c == '-' && next_alnum)
			continue;
		return false;
	}
	return true;
}

/* likelihood/impact at registration: a function (kept as a ref) or a
 * table (checked now). */
static bool factor_field(lua_State *L, int table, const char *name, const char *const *names, size_t count,
                         uint8_t *out, uint8_t *measures, bool *is_function, char *error, size_t size)
{
	int type = lua_getfield(L, table, name);
	*is_function = type == LUA_TFUNCTION;
	bool ok = true;
	if (type == LUA_TNIL) {
		snprintf(error, size, "missing '%s' (a table of factors or a function)", name);
		ok = false;
	} else if (type == LUA_TTABLE) {
		char why[200];
		if (!tm_rules_read_factors(L, -1, names, NULL, count, out, measures, why, sizeof why)) {
			snprintf(error, size, "%s: %s", name, why);
			ok = false;
		}
	} else if (type != LUA_TFUNCTION) {
		snprintf(error, size, "'%s' must be a table of factors or a function, not a %s", name,
		         lua_typename(L, type));
		ok = false;
	}
	lua_pop(L, 1);
	return ok;
}

static bool applies_word(const char *word, unsigned *mask)
{
	for (int kind = 0; kind < TM_EL_COUNT; kind++) {
		if (strcmp(word, tm_element_kind_names[kind]) == 0) {
			*mask |= 1u << kind;
			return true;
		}
	}
	if (strcmp(word, "model") == 0)
		*mask |= 1u << APPLIES_MODEL;
	else if (strcmp(word, "finding") == 0)
		*mask |= 1u << APPLIES_FINDING;
	else
		return false;
	return true;
}

/* `applies`: a word or a list of words; the text as written goes to *text. */
static bool applies_field(tm_rules *rules, lua_State *L, int table, unsigned *mask, const char **text,
                          char *error, size_t size)
{
	static const char *const words[] = {"external", "process", "store", "flow",   "boundary",
	                                    "asset",    "actor",   "model", "finding"};
	int type = lua_getfield(L, table, "applies");
	*mask = 0;
	bool ok = true;
	tm_buf written = TM_BUF_INIT;
	if (type == LUA_TSTRING) {
		const char *word = lua_tostring(L, -1);
		tm_buf_puts(&written, word);
		if (!applies_word(word, mask)) {
			const char *suggestion = tm_suggest(word, words, COUNT(words));
			snprintf(error, size, "'applies' names an unknown kind '%s'%s%s%s", word,
			         suggestion ? " (did you mean '" : "", suggestion ? suggestion : "",
			         suggestion ? "'?)" : "");
			ok = false;
		}
	} else if (type == LUA_TTABLE) {
		lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
		for (lua_Integer i = 1; ok && i <= n; i++) {
			if (lua_rawgeti(L, -1, i) != LUA_TSTRING) {
				snprintf(error, size, "'applies' must list kinds as strings");
				ok = false;
			} else {
				const char *word = lua_tostring(L, -1);
				if (written.len)
					tm_buf_puts(&written, ", ");
				tm_buf_puts(&written, word);
				if (!applies_word(word, mask)) {
					snprintf(error, size, "'applies' names an unknown kind '%s'", word);
					ok = false;
				}
			}
			lua_pop(L, 1);
		}
		if (ok && n == 0) {
			snprintf(error, size, "'applies' is an empty list");
			ok = false;
		}
	} else if (type == LUA_TNIL) {
		snprintf(error, size, "missing 'applies' (a kind or a list of kinds)");
		ok = false;
	} else {
		snprintf(error, size, "'applies' must be a string or a list, not a %s",
		         lua_typename(L, type));
		ok = false;
	}
	lua_pop(L, 1);
	unsigned special = (1u << APPLIES_MODEL) | (1u << APPLIES_FINDING);
	if (ok && (*mask & special) && (*mask & ~special) != 0) {
		snprintf(error, size, "'applies': 'model' and 'finding' cannot be combined with other kinds");
		ok = false;
	}
	if (ok && (*mask & special) == special) {
		snprintf(error, size, "'applies': 'model' and 'finding' cannot be combined");
		ok = false;
	}
	*text = tm_arena_strdup(rules->arena, tm_buf_str(&written));
	tm_buf_free(&written);
	return ok;
}

static bool refs_field(tm_rules *rules, lua_State *L, int table, rule *r, char *error, size_t size)
{
	int type = lua_getfield(L, table, "refs");
	bool ok = true;
	if (type == LUA_TSTRING) {
		r->info.refs = tm_arena_alloc(rules->arena, sizeof(char *));
		r->info.refs[0] = tm_arena_strdup(rules->arena, lua_tostring(L, -1));
		r->info.nrefs = 1;
	} else if (type == LUA_TTABLE) {
		size_t n = lua_rawlen(L, -1);
		r->info.refs = tm_arena_alloc(rules->arena, sizeof(char *) * (n + 1));
		for (size_t i = 0; ok && i < n; i++) {
			if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TSTRING) {
				snprintf(error, size, "'refs' must list strings");
				ok = false;
			} else {
				r->info.refs[r->info.nrefs++] =
				    tm_arena_strdup(rules->arena, lua_tostring(L, -1));
			}
			lua_pop(L, 1);
		}
	} else if (type != LUA_TNIL) {
		snprintf(error, size, "'refs' must be a list of strings, not a %s", lua_typename(L, type));
		ok = false;
	}
	lua_pop(L, 1);
	return ok;
}

static int compare_advice(const void *a, const void *b)
{
	return strcmp(((const rule_advice *)a)->tech, ((const rule_advice *)b)->tech);
}

/* A technology word of `advice`, lower-cased into the arena; NULL when
 * the key is not an identifier. */
static const char *advice_tech(tm_arena *arena, const char *key)
{
	if (!is_identifier(key))
		return NULL;
	char *copy = tm_arena_strdup(arena, key);
	for (char *c = copy; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return copy;
}

/* `advice = { postgresql = "...", mysql = "..." }`: the texts a finding's
 * advice adds to the mitigation when its element states that `tech`. */
static bool advice_field(tm_rules *rules, lua_State *L, int table, rule *r, char *error, size_t size)
{
	int type = lua_getfield(L, table, "advice");
	if (type == LUA_TNIL) {
		lua_pop(L, 1);
		return true;
	}
	if (type != LUA_TTABLE) {
		snprintf(error, size, "'advice' must be a table of technology = text, not a %s",
		         lua_typename(L, type));
		lua_pop(L, 1);
		return false;
	}
	rule_advice *advice = tm_arena_alloc(rules->arena, sizeof *advice * MAX_ADVICE_TECHS);
	size_t n = 0;
	bool ok = true;
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (ok && n == MAX_ADVICE_TECHS) {
			snprintf(error, size, "'advice' names more than %d technologies", MAX_ADVICE_TECHS);
			ok = false;
		}
		const char *tech = ok && lua_type(L, -2) == LUA_TSTRING
		                       ? advice_tech(rules->arena, lua_tostring(L, -2))
		                       : NULL;
		if (ok && !tech) {
			snprintf(error, size,
			         "'advice' keys must be technology words, as `tech` states them");
			ok = false;
		}
		size_t len = 0;
		const char *text = ok && lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
		if (ok && (!text || !len || len > MAX_ADVICE_TEXT_BYTES)) {
			snprintf(error, size, "'advice.%s' must be a text of 1 to %d bytes", tech,
			         MAX_ADVICE_TEXT_BYTES);
			ok = false;
		}
		if (ok) {
			for (size_t i = 0; ok && i < n; i++)
				if (strcmp(advice[i].tech, tech) == 0) {
					snprintf(error, size,
					         "'advice' names '%s' twice (keys are compared without case)",
					         tech);
					ok = false;
				}
			advice[n].tech = tech;
			advice[n].text = tm_arena_strndup(rules->arena, text, len);
			n += ok;
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	if (!ok)
		return false;
	qsort(advice, n, sizeof *advice, compare_advice);
	r->advice = n ? advice : NULL;
	r->nadvice = n;
	r->info.nadvice = n;
	if (n) {
		r->info.advice_techs = tm_arena_alloc(rules->arena, sizeof(char *) * n);
		r->info.advice_texts = tm_arena_alloc(rules->arena, sizeof(char *) * n);
		for (size_t i = 0; i < n; i++) {
			r->info.advice_techs[i] = advice[i].tech;
			r->info.advice_texts[i] = advice[i].text;
		}
	}
	return true;
}

static int compare_filters(const void *a, const void *b)
{
	return strcmp(((const rule_filter *)a)->attr, ((const rule_filter *)b)->attr);
}

/* The words of the filter value on top of the stack (a word, or a list
 * of words), one by one: each is pushed, then popped by the caller. */
static size_t filter_nwords(lua_State *L)
{
	return lua_type(L, -1) == LUA_TSTRING ? 1 : lua_type(L, -1) == LUA_TTABLE ? lua_rawlen(L, -1) : 0;
}

static void push_filter_word(lua_State *L, size_t i)
{
	if (lua_type(L, -1) == LUA_TTABLE)
		lua_rawgeti(L, -1, (lua_Integer)i + 1);
	else
		lua_pushvalue(L, -1);
}

bool tm_rules_read_filters(lua_State *L, int idx, const char *what, void *(*alloc)(void *ud, size_t size),
                           void *ud, rule_filter **out, size_t *count, char *error, size_t size)
{
	*out = NULL;
	*count = 0;
	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) != LUA_TTABLE) {
		snprintf(error, size, "'%s' must be a table of attribute names and words, not a %s", what,
		         luaL_typename(L, idx));
		return false;
	}
	/* One pass checks and measures, the second copies into one block. */
	size_t n = 0, nwords = 0, bytes = 0;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			snprintf(error, size, "'%s' keys must be attribute names", what);
			lua_pop(L, 2);
			return false;
		}
		const char *name = lua_tostring(L, -2);
		size_t k = filter_nwords(L);
		if (k == 0) {
			snprintf(error, size, "'%s.%s' must be a word or a non-empty list of words", what,
			         name);
			lua_pop(L, 2);
			return false;
		}
		for (size_t i = 0; i < k; i++) {
			push_filter_word(L, i);
			if (lua_type(L, -1) != LUA_TSTRING) {
				snprintf(error, size, "'%s.%s' must list words as strings", what, name);
				lua_pop(L, 3);
				return false;
			}
			bytes += lua_rawlen(L, -1) + 1;
			lua_pop(L, 1);
		}
		n++;
		nwords += k;
		bytes += strlen(name) + 1;
		lua_pop(L, 1);
	}
	rule_filter *filters = alloc(ud, n * sizeof(rule_filter) + nwords * sizeof(char *) + bytes + 1);
	const char **words = (const char **)(filters + n);
	char *text = (char *)(words + nwords);
	lua_pushnil(L);
	for (size_t f = 0; lua_next(L, idx); f++) {
		size_t len = strlen(lua_tostring(L, -2));
		filters[f].attr = memcpy(text, lua_tostring(L, -2), len + 1);
		text += len + 1;
		filters[f].words = words;
		filters[f].nwords = filter_nwords(L);
		for (size_t i = 0; i < filters[f].nwords; i++) {
			push_filter_word(L, i);
			const char *word = lua_tolstring(L, -1, &len);
			for (size_t c = 0; c < len; c++)
				text[c] = (word[c] >= 'A' && word[c] <= 'Z') ? (char)(word[c] - 'A' + 'a')
				                                             : word[c];
			text[len] = '\0';
			*words++ = text;
			text += len + 1;
			lua_pop(L, 1);
		}
		tm_rules_filter_prepare(&filters[f]);
		lua_pop(L, 1);
	}
	/* Lua's table order changes from run to run (string hashes are
	 * seeded): by name, the filters read the same in every run. */
	qsort(filters, n, sizeof *filters, compare_filters);
	*out = filters;
	*count = n;
	return true;
}

static void *arena_block(void *arena, size_t size)
{
	return tm_arena_alloc(arena, size);
}

/* `requires` / `unless`: { attribute = "word" or { "word", ... }, ... }. */
static bool filter_field(tm_rules *rules, lua_State *L, int table, const char *name, rule_filter **out,
                         size_t *count, char *error, size_t size)
{
	*out = NULL;
	*count = 0;
	if (lua_getfield(L, table, name) == LUA_TNIL) {
		lua_pop(L, 1);
		return true;
	}
	bool ok = tm_rules_read_filters(L, -1, name, arena_block, rules->arena, out, count, error, size);
	lua_pop(L, 1);
	return ok;
}

/* The rule registered as `id`: the index of ids says where (index + 1),
 * and an entry a failed pack left behind no longer names its rule. */
static const rule *find_rule(const tm_rules *rules, const char *id)
{
	size_t at = (size_t)(uintptr_t)tm_strmap_get(rules->ids, id);
	if (at == 0 || at > rules->nrules || strcmp(rules->rules[at - 1].info.id, id) != 0)
		return NULL;
	return &rules->rules[at - 1];
}

void tm_rules_index_id(tm_rules *rules, size_t index)
{
	tm_strmap_set(rules->ids, rules->rules[index].info.id, (void *)(uintptr_t)(index + 1));
}

/* The line a Lua function on top of the stack is defined at (C functions:
 * the fallback). */
static int defined_at(lua_State *L, int fallback)
{
	lua_Debug ar;
	lua_pushvalue(L, -1);
	if (lua_getinfo(L, ">S", &ar) && ar.linedefined > 0)
		return ar.linedefined;
	return fallback;
}

/* Where the function at the top of the stack is defined, as messages
 * name it ("stdlib/threatlib.lua:96": a helper may have built it), and
 * its line in *line (fallback when unknown, as defined_at). */
static const char *function_place(lua_State *L, tm_arena *arena, int fallback, int *line)
{
	lua_Debug ar;
	lua_pushvalue(L, -1);
	*line = fallback;
	if (!lua_getinfo(L, ">S", &ar) || ar.linedefined <= 0)
		return tm_arena_strdup(arena, "a function");
	*line = ar.linedefined;
	return tm_arena_printf(arena, "%s:%d", tm_rules_chunk_name(&ar), ar.linedefined);
}

/* A rule's requires or unless in words, for `threat rules ID`:
 * "tech is hono or express, and lang is python"; NULL when empty. */
static const char *filters_text(tm_arena *arena, const rule_filter *filters, size_t count)
{
	if (!count)
		return NULL;
	tm_buf text = TM_BUF_INIT;
	for (size_t i = 0; i < count; i++) {
		tm_buf_printf(&text, "%s%s is ", i == 0 ? "" : ", and ", filters[i].attr);
		for (size_t w = 0; w < filters[i].nwords; w++)
			tm_buf_printf(&text, "%s%s", w == 0 ? "" : " or ", filters[i].words[w]);
	}
	const char *copy = tm_arena_strdup(arena, tm_buf_str(&text));
	tm_buf_free(&text);
	return copy;
}

/* A rule's likelihood or impact in words, for `threat rules ID`: "skill
 * 2, opportunity from exposure, integrity from data (at least 2)", or where
 * the function that computes them is. */
static const char *factors_text(tm_arena *arena, const char *const *names, size_t count, const uint8_t *fixed,
                                const uint8_t *measures, bool function, const char *file, int line)
{
	tm_buf text = TM_BUF_INIT;
	if (function)
		tm_buf_printf(&text, "computed by a function (%s:%d)", file, line);
	for (size_t i = 0; !function && i < count; i++) {
		if (!fixed[i] && !measures[i])
			continue;
		tm_buf_printf(&text, "%s%s", text.len ? ", " : "", names[i]);
		if (!measures[i]) {
			tm_buf_printf(&text, " %d", fixed[i]);
			continue;
		}
		tm_buf_puts(&text, " from ");
		size_t shown = 0, nmeasures = 0;
		for (size_t m = 0; m < COUNT(tm_rules_measure_names); m++)
			nmeasures += (measures[i] >> m) & 1u;
		for (size_t m = 0; m < COUNT(tm_rules_measure_names); m++) {
			if (!((measures[i] >> m) & 1u))
				continue;
			tm_buf_printf(&text, "%s%s",
			              shown == 0               ? ""
			              : shown + 1 == nmeasures ? " or "
			                                       : ", ",
			              tm_rules_measure_names[m]);
			shown++;
		}
		if (fixed[i])
			tm_buf_printf(&text, " (at least %d)", fixed[i]);
	}
	const char *copy = tm_arena_strdup(arena, tm_buf_str(&text));
	tm_buf_free(&text);
	return copy;
}

/* The rule's texts within their ceilings, and within what its pack may
 * keep in all (MAX_PACK_TEXT_BYTES, counted on the pack). */
static bool texts_fit(tm_rules *rules, const rule *r, const char *id, const char *title, const char *category,
                      const char *framework, const char *description, const char *mitigation, char *error,
                      size_t size)
{
	size_t total = 0;
	bool ok = text_fits("id", id, MAX_NAME_BYTES, &total, error, size) &&
	          text_fits("category", category, MAX_NAME_BYTES, &total, error, size) &&
	          text_fits("framework", framework, MAX_NAME_BYTES, &total, error, size) &&
	          text_fits("title", title, MAX_TITLE_BYTES, &total, error, size) &&
	          text_fits("description", description, MAX_TEXT_BYTES, &total, error, size) &&
	          text_fits("mitigation", mitigation, MAX_TEXT_BYTES, &total, error, size);
	for (size_t i = 0; ok && i < r->info.nrefs; i++)
		ok = text_fits("refs", r->info.refs[i], MAX_TITLE_BYTES, &total, error, size);
	const rule_filter *lists[2] = {r->requires, r->unless};
	size_t counts[2] = {r->nrequires, r->nunless};
	for (size_t l = 0; ok && l < 2; l++) {
		for (size_t i = 0; ok && i < counts[l]; i++) {
			ok = text_fits(l ? "unless" : "requires", lists[l][i].attr, MAX_NAME_BYTES, &total,
			               error, size);
			for (size_t w = 0; ok && w < lists[l][i].nwords; w++)
				ok = text_fits(l ? "unless" : "requires", lists[l][i].words[w],
				               MAX_NAME_BYTES, &total, error, size);
		}
	}
	if (!ok)
		return false;
	pack *p = &rules->packs[r->pack];
	p->kept_bytes += total;
	if (p->kept_bytes > MAX_PACK_TEXT_BYTES) {
		snprintf(error, size, "the pack's rules keep more than %d MB of text",
		         (int)(MAX_PACK_TEXT_BYTES >> 20));
		return false;
	}
	return true;
}

/* What a rule{} table gave beyond what the rule keeps as it is read: its
 * texts (strings of the snapshot, valid while it is on the stack), the
 * framework its category belongs to (or NULL), and whether likelihood
 * and impact are functions. */
typedef struct rule_spec {
	const char *id, *title, *category, *framework, *description, *mitigation;
	const char *known_framework;
	bool likelihood_fn, impact_fn;
} rule_spec;

/* rule{}, step 1: the texts, each checked as it is read (an identifier
 * as id and not taken yet, a known category). */
static bool read_rule_texts(tm_rules *rules, lua_State *L, int snap, rule_spec *spec, char *error,
                            size_t size)
{
	bool ok = string_field(L, snap, "id", &spec->id, error, size);
	const char *id = spec->id;
	if (ok && !id) {
		snprintf(error, size, "missing 'id'");
		ok = false;
	}
	if (ok && !is_identifier(id)) {
		snprintf(error, size,
		         "id '%s' is not an identifier (a letter, then letters, digits, '_' and '-')", id);
		ok = false;
	}
	if (ok && find_rule(rules, id)) {
		const rule *first = find_rule(rules, id);
		snprintf(error, size, "duplicate rule id (first defined at %s:%d)", first->info.file,
		         first->info.line);
		ok = false;
	}
	ok = ok && string_field(L, snap, "title", &spec->title, error, size);
	if (ok && (!spec->title || !*spec->title)) {
		snprintf(error, size, "missing 'title'");
		ok = false;
	}
	ok = ok && string_field(L, snap, "category", &spec->category, error, size);
	if (ok && !spec->category) {
		snprintf(error, size, "missing 'category'");
		ok = false;
	}
	if (ok) {
		const char *category = spec->category;
		spec->known_framework = tm_category_framework(category);
		if (!spec->known_framework && strcmp(category, "check") != 0) {
			const char *all[COUNT(tm_category_names) + 1];
			size_t n = 0;
			for (size_t i = 0; i < COUNT(tm_category_names); i++)
				all[n++] = tm_category_names[i];
			all[n++] = "check";
			const char *suggestion = tm_suggest(category, all, n);
			snprintf(error, size, "unknown category '%s'%s%s%s", category,
			         suggestion ? " (did you mean '" : "", suggestion ? suggestion : "",
			         suggestion ? "'?)" : "");
			ok = false;
		}
	}
	ok = ok && string_field(L, snap, "framework", &spec->framework, error, size);
	ok = ok && string_field(L, snap, "description", &spec->description, error, size);
	ok = ok && string_field(L, snap, "mitigation", &spec->mitigation, error, size);
	return ok;
}

/* rule{}, step 2: what it applies to, `when`, the factors, refs and
 * advice. */
static bool read_rule_fields(tm_rules *rules, lua_State *L, int snap, rule *r, rule_spec *spec, char *error,
                             size_t size)
{
	bool ok = applies_field(rules, L, snap, &r->applies, &r->info.applies, error, size);
	if (ok && lua_getfield(L, snap, "when") != LUA_TFUNCTION) {
		if (lua_isnil(L, -1))
			snprintf(error, size, "missing 'when' (a function)");
		else
			snprintf(error, size, "'when' must be a function, not a %s", luaL_typename(L, -1));
		ok = false;
	}
	lua_settop(L, snap);
	int only_if = ok ? lua_getfield(L, snap, "only_if") : LUA_TNIL;
	if (only_if != LUA_TNIL && only_if != LUA_TFUNCTION) {
		snprintf(error, size, "'only_if' must be a function of the model, not a %s",
		         luaL_typename(L, -1));
		ok = false;
	}
	lua_settop(L, snap);
	ok = ok &&
	     factor_field(L, snap, "likelihood", tm_likelihood_factor_names, TM_LF_COUNT,
	                  r->likelihood_factors, r->likelihood_measures, &spec->likelihood_fn, error, size);
	ok = ok && factor_field(L, snap, "impact", tm_impact_factor_names, TM_IF_COUNT, r->impact_factors,
	                        r->impact_measures, &spec->impact_fn, error, size);
	ok = ok && refs_field(rules, L, snap, r, error, size);
	ok = ok && advice_field(rules, L, snap, r, error, size);
	return ok;
}

/* rule{}, step 3: the filters, `requires` and `unless`. */
static bool build_rule_filters(tm_rules *rules, lua_State *L, int snap, rule *r, char *error, size_t size)
{
	return filter_field(rules, L, snap, "requires", &r->requires, &r->nrequires, error, size) &&
	       filter_field(rules, L, snap, "unless", &r->unless, &r->nunless, error, size);
}

/* rule{}, step 4: the checks across fields: the texts within their
 * ceilings, and filters only on element rules and, on finding rules,
 * naming finding fields. */
static bool check_rule(tm_rules *rules, const rule *r, const rule_spec *spec, char *error, size_t size)
{
	if (!texts_fit(rules, r, spec->id, spec->title, spec->category, spec->framework, spec->description,
	               spec->mitigation, error, size))
		return false;
	if ((r->nrequires || r->nunless) && (r->applies & (1u << APPLIES_MODEL))) {
		snprintf(error, size, "'requires' and 'unless' are for element and finding rules, not '%s'",
		         r->info.applies);
		return false;
	}
	for (size_t i = 0; (r->applies & (1u << APPLIES_FINDING)) && i < r->nrequires + r->nunless; i++) {
		const rule_filter *filter = i < r->nrequires ? &r->requires[i] : &r->unless[i - r->nrequires];
		const char *field = filter->attr;
		if (filter->field < 0) {
			snprintf(
			    error, size,
			    "a finding rule's 'requires' and 'unless' name finding fields (status, risk, "
			    "rule, framework, category, pack), not '%s'",
			    field);
			return false;
		}
	}
	return true;
}

/* rule{}, step 5: the rule's texts copied into the engine's arena, its
 * functions kept as registry refs, and the rule stored and indexed. */
static void store_rule(tm_rules *rules, lua_State *L, int snap, rule *r, const rule_spec *spec, int line)
{
	tm_arena *arena = rules->arena;
	r->info.id = tm_arena_strdup(arena, spec->id);
	r->info.title = tm_arena_strdup(arena, spec->title);
	r->info.category = tm_arena_strdup(arena, spec->category);
	r->info.framework = tm_arena_strdup(arena, spec->framework         ? spec->framework
	                                           : spec->known_framework ? spec->known_framework
	                                                                   : "CHECK");
	r->info.description = spec->description ? tm_arena_strdup(arena, spec->description) : NULL;
	r->info.only_when = filters_text(arena, r->requires, r->nrequires);
	r->info.not_when = filters_text(arena, r->unless, r->nunless);
	r->info.mitigation = spec->mitigation ? tm_arena_strdup(arena, spec->mitigation) : NULL;
	r->likelihood_line = r->impact_line = line;
	lua_getfield(L, snap, "when");
	r->when_line = defined_at(L, line);
	r->when = luaL_ref(L, LUA_REGISTRYINDEX);
	if (lua_getfield(L, snap, "only_if") == LUA_TFUNCTION) {
		r->info.only_if = function_place(L, arena, line, &r->only_if_line);
		r->only_if = luaL_ref(L, LUA_REGISTRYINDEX);
	} else {
		lua_pop(L, 1);
	}
	if (spec->likelihood_fn) {
		lua_getfield(L, snap, "likelihood");
		r->likelihood_line = defined_at(L, line);
		r->likelihood = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	if (spec->impact_fn) {
		lua_getfield(L, snap, "impact");
		r->impact_line = defined_at(L, line);
		r->impact = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	r->info.likelihood =
	    factors_text(arena, tm_likelihood_factor_names, TM_LF_COUNT, r->likelihood_factors,
	                 r->likelihood_measures, spec->likelihood_fn, r->info.file, r->likelihood_line);
	r->info.impact = factors_text(arena, tm_impact_factor_names, TM_IF_COUNT, r->impact_factors,
	                              r->impact_measures, spec->impact_fn, r->info.file, r->impact_line);
	TM_VEC_PUSH(rules->rules, rules->nrules, rules->caprules, *r);
	tm_rules_index_id(rules, rules->nrules - 1);
}

/* rule{...}: a bad rule table is reported and skipped; the pack goes on
 * loading so one run shows every mistake. The table is read, checked,
 * its filters built and the rule stored in the steps above; the first
 * mistake is the one reported. */
static int lua_rule(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	if (rules->loading < 0)
		return luaL_error(L, "rule{} may only be called while the pack loads");
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	const char *file;
	char short_src[LUA_IDSIZE];
	int line;
	caller_place(L, 1, short_src, &file, &line);
	char error[300] = "";
	rule r = {.when = LUA_NOREF,
	          .likelihood = LUA_NOREF,
	          .impact = LUA_NOREF,
	          .only_if = LUA_NOREF,
	          .pack = (size_t)rules->loading};
	r.info.line = line;
	r.info.file = tm_arena_strdup(rules->arena, file);

	int snap = snapshot(L, 1, rule_fields, COUNT(rule_fields));
	rule_spec spec = {0};
	bool ok = read_rule_texts(rules, L, snap, &spec, error, sizeof error) &&
	          read_rule_fields(rules, L, snap, &r, &spec, error, sizeof error) &&
	          build_rule_filters(rules, L, snap, &r, error, sizeof error) &&
	          check_rule(rules, &r, &spec, error, sizeof error);
	if (!ok) {
		const char *shown_id = spec.id ? spec.id : "(no id)";
		tm_diag_error(rules->diags, no_span(), "%s:%d: rule %.*s%s: %s", file, line,
		              name_length(shown_id), shown_id, shown_id[name_length(shown_id)] ? "…" : "",
		              error);
		return 0;
	}
	warn_unknown_fields(rules, L, 1, rule_fields, COUNT(rule_fields), file, line, spec.id);
	store_rule(rules, L, snap, &r, &spec, line);
	return 0;
}

/* Adds pack{}, rule{} and attribute{} to the globals every pack reads. */
void tm_rules_open_registration(tm_rules *rules)
{
	lua_State *L = rules->L;
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->shared);
	lua_pushcfunction(L, lua_pack);
	lua_setfield(L, -2, "pack");
	lua_pushcfunction(L, lua_rule);
	lua_setfield(L, -2, "rule");
	lua_pushcfunction(L, lua_attribute);
	lua_setfield(L, -2, "attribute");
	lua_pop(L, 1);
}

size_t tm_rules_count(const tm_rules *rules)
{
	return rules ? rules->nrules : 0;
}

const tm_rule_info *tm_rules_info(const tm_rules *rules, size_t index)
{
	return rules && index < rules->nrules ? &rules->rules[index].info : NULL;
}

const struct tm_vocab *tm_rules_vocab(const tm_rules *rules)
{
	return rules ? rules->vocab : NULL;
}

const tm_rule_info *tm_rules_find(const tm_rules *rules, const char *id)
{
	if (!rules || !id || !rules->by_id)
		return NULL;
	size_t lo = 0, hi = rules->nrules;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rules->rules[rules->by_id[mid]].info.id, id);
		if (c == 0)
			return &rules->rules[rules->by_id[mid]].info;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
