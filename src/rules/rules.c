/* Packs and runs: loading packs along the search path, the pack{} and
 * rule{} calls that register rules, and the two phases that call them.
 * Rule selection happens here in C: rules are indexed by what they apply
 * to, elements are walked once, and `when` is called only for matches. */
/* realpath and readlink are XSI/POSIX extensions. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif

#include "rules/rules.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

#include "base/clock.h"
#include "base/strmap.h"
#include "base/xalloc.h"
#include "model/vocab.h"
#include "rules/engine.h"
#include "rules/limits.h"
#include "threat/status.h"

#ifndef TM_STDLIB_DIR
#define TM_STDLIB_DIR "/usr/local/share/threat/stdlib"
#endif

const char *const tm_rules_default_packs[4] = {"stride", "linddun", "ge-stack", "hygiene"};

static const char *const rule_fields[] = {"id",          "framework", "category",   "applies", "title",
                                          "description", "when",      "likelihood", "impact",  "mitigation",
                                          "refs",        "requires",  "unless",     "advice"};
static const char *const pack_fields[] = {"name", "version", "description"};
static const char *const attribute_fields[] = {"name", "applies", "type", "values", "doc"};

#define COUNT(array) (sizeof(array) / sizeof(*(array)))

static int index_of(const char *word, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(word, list[i]) == 0)
			return (int)i;
	return -1;
}

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

static tm_span no_span(void)
{
	tm_span span = {0};
	return span;
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
static int kept_length(const char *message)
{
	return cut_length(message, MAX_MESSAGE_BYTES);
}

static int name_length(const char *name)
{
	return cut_length(name, MAX_NAME_BYTES);
}

/* A warning about a pack being loaded, unless it has had its
 * MAX_WARNINGS_PER_PACK: then only counted (report_unshown_warnings). */
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

static void report_unshown_warnings(tm_rules *rules, const pack *p)
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

/* A text of a rule or a pack checked against its ceiling (limits.h);
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

static char *stem_of(const char *path);

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
	char *stem = strcmp(file, p->path) == 0 ? NULL : stem_of(file);
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

/* The scales a factor may name (MEASURE_* bits in engine.h, in order). */
static const char *const measure_names[] = {"exposure", "data", "personal_data"};

/* One factor's value at the top of the stack: an integer 1-3, a scale's
 * name, or a list of those of which the highest counts. */
static bool read_factor_value(lua_State *L, const char *key, bool in_list, uint8_t *value, uint8_t *measures,
                              char *error, size_t size)
{
	int type = lua_type(L, -1);
	if (type == LUA_TNUMBER) {
		lua_Number n = lua_tonumber(L, -1);
		if (!(n >= 1 && n <= 3) || n != (lua_Number)(int)n) { /* the range first: NaN, 1e300 */
			snprintf(error, size, "factor '%s' must be an integer from 1 to 3, not %s", key,
			         lua_tostring(L, -1));
			return false;
		}
		if ((uint8_t)n > *value)
			*value = (uint8_t)n;
		return true;
	}
	if (type == LUA_TSTRING) {
		const char *word = lua_tostring(L, -1);
		int which = index_of(word, measure_names, COUNT(measure_names));
		if (which < 0) {
			const char *suggestion = tm_suggest(word, measure_names, COUNT(measure_names));
			snprintf(error, size,
			         "factor '%s': '%s' is not a scale (exposure, data, personal_data)%s%s%s",
			         key, word, suggestion ? " (did you mean '" : "",
			         suggestion ? suggestion : "", suggestion ? "'?)" : "");
			return false;
		}
		*measures |= (uint8_t)(1u << which);
		return true;
	}
	if (type == LUA_TTABLE && !in_list) {
		lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
		if (n < 1 || n > 8) {
			snprintf(error, size, "factor '%s': a list of values must hold 1 to 8 of them", key);
			return false;
		}
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, -1, i);
			bool ok = read_factor_value(L, key, true, value, measures, error, size);
			lua_pop(L, 1);
			if (!ok)
				return false;
		}
		return true;
	}
	snprintf(error, size, "factor '%s' must be an integer from 1 to 3%s, not a %s", key,
	         in_list ? " or a scale" : ", a scale or a list of them", luaL_typename(L, -1));
	return false;
}

/* A table of factors, names from `names`, at least one: out[i] the number
 * given for factor names[i] (0: none), measures[i] the scales named for
 * it. Never raises; false with *error set on a bad table. */
static bool read_factors(lua_State *L, int table, const char *const *names, const char *const *interned,
                         size_t count, uint8_t *out, uint8_t *measures, char *error, size_t size)
{
	memset(out, 0, count);
	memset(measures, 0, count);
	bool any = false;
	table = lua_absindex(L, table);
	lua_pushnil(L);
	while (lua_next(L, table)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			snprintf(error, size, "factor keys must be names, not a %s", luaL_typename(L, -2));
			lua_pop(L, 2);
			return false;
		}
		const char *key = lua_tostring(L, -2);
		/* Lua interns short strings: a known name is the very string
		 * the engine keeps, so a pointer comparison finds it. */
		int which = -1;
		for (size_t i = 0; interned && i < count && which < 0; i++)
			if (key == interned[i])
				which = (int)i;
		if (which < 0)
			which = index_of(key, names, count);
		if (which < 0) {
			const char *suggestion = tm_suggest(key, names, count);
			snprintf(error, size, "unknown factor '%s'%s%s%s", key,
			         suggestion ? " (did you mean '" : "", suggestion ? suggestion : "",
			         suggestion ? "'?)" : "");
			lua_pop(L, 2);
			return false;
		}
		if (!read_factor_value(L, key, false, &out[which], &measures[which], error, size)) {
			lua_pop(L, 2);
			return false;
		}
		any = true;
		lua_pop(L, 1);
	}
	if (!any) {
		snprintf(error, size, "no factors given");
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
		if (!read_factors(L, -1, names, NULL, count, out, measures, why, sizeof why)) {
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

static void index_id(tm_rules *rules, size_t index)
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
		for (size_t m = 0; m < COUNT(measure_names); m++)
			nmeasures += (measures[i] >> m) & 1u;
		for (size_t m = 0; m < COUNT(measure_names); m++) {
			if (!((measures[i] >> m) & 1u))
				continue;
			tm_buf_printf(&text, "%s%s",
			              shown == 0               ? ""
			              : shown + 1 == nmeasures ? " or "
			                                       : ", ",
			              measure_names[m]);
			shown++;
		}
		if (fixed[i])
			tm_buf_printf(&text, " (at least %d)", fixed[i]);
	}
	const char *copy = tm_arena_strdup(arena, tm_buf_str(&text));
	tm_buf_free(&text);
	return copy;
}

/* Finding fields a finding rule's `requires`/`unless` may name. */
static const char *const finding_filter_fields[] = {"status",    "risk",     "rule",
                                                    "framework", "category", "pack"};

static int finding_field_of(const char *name)
{
	for (size_t i = 0; i < COUNT(finding_filter_fields); i++)
		if (strcmp(name, finding_filter_fields[i]) == 0)
			return (int)i;
	return -1;
}

int tm_rules_finding_field(const char *name)
{
	return finding_field_of(name);
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

/* rule{...}: a bad rule table is reported and skipped; the pack goes on
 * loading so one run shows every mistake. */
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
	rule r = {
	    .when = LUA_NOREF, .likelihood = LUA_NOREF, .impact = LUA_NOREF, .pack = (size_t)rules->loading};
	r.info.line = line;
	r.info.file = tm_arena_strdup(rules->arena, file);

	int snap = snapshot(L, 1, rule_fields, COUNT(rule_fields));
	const char *id = NULL, *title, *category, *framework, *description, *mitigation;
	bool ok = string_field(L, snap, "id", &id, error, sizeof error);
	const char *shown_id = id ? id : "(no id)";
	if (ok && !id) {
		snprintf(error, sizeof error, "missing 'id'");
		ok = false;
	}
	if (ok && !is_identifier(id)) {
		snprintf(error, sizeof error,
		         "id '%s' is not an identifier (a letter, then letters, digits, '_' and '-')", id);
		ok = false;
	}
	if (ok && find_rule(rules, id)) {
		const rule *first = find_rule(rules, id);
		snprintf(error, sizeof error, "duplicate rule id (first defined at %s:%d)", first->info.file,
		         first->info.line);
		ok = false;
	}
	ok = ok && string_field(L, snap, "title", &title, error, sizeof error);
	if (ok && (!title || !*title)) {
		snprintf(error, sizeof error, "missing 'title'");
		ok = false;
	}
	ok = ok && string_field(L, snap, "category", &category, error, sizeof error);
	if (ok && !category) {
		snprintf(error, sizeof error, "missing 'category'");
		ok = false;
	}
	const char *known_framework = NULL;
	if (ok) {
		known_framework = tm_category_framework(category);
		if (!known_framework && strcmp(category, "check") != 0) {
			const char *all[COUNT(tm_category_names) + 1];
			size_t n = 0;
			for (size_t i = 0; i < COUNT(tm_category_names); i++)
				all[n++] = tm_category_names[i];
			all[n++] = "check";
			const char *suggestion = tm_suggest(category, all, n);
			snprintf(error, sizeof error, "unknown category '%s'%s%s%s", category,
			         suggestion ? " (did you mean '" : "", suggestion ? suggestion : "",
			         suggestion ? "'?)" : "");
			ok = false;
		}
	}
	ok = ok && string_field(L, snap, "framework", &framework, error, sizeof error);
	ok = ok && string_field(L, snap, "description", &description, error, sizeof error);
	ok = ok && string_field(L, snap, "mitigation", &mitigation, error, sizeof error);
	ok = ok && applies_field(rules, L, snap, &r.applies, &r.info.applies, error, sizeof error);
	if (ok && lua_getfield(L, snap, "when") != LUA_TFUNCTION) {
		if (lua_isnil(L, -1))
			snprintf(error, sizeof error, "missing 'when' (a function)");
		else
			snprintf(error, sizeof error, "'when' must be a function, not a %s",
			         luaL_typename(L, -1));
		ok = false;
	}
	lua_settop(L, snap);
	bool likelihood_fn = false, impact_fn = false;
	ok = ok &&
	     factor_field(L, snap, "likelihood", tm_likelihood_factor_names, TM_LF_COUNT,
	                  r.likelihood_factors, r.likelihood_measures, &likelihood_fn, error, sizeof error);
	ok = ok && factor_field(L, snap, "impact", tm_impact_factor_names, TM_IF_COUNT, r.impact_factors,
	                        r.impact_measures, &impact_fn, error, sizeof error);
	ok = ok && refs_field(rules, L, snap, &r, error, sizeof error);
	ok = ok && advice_field(rules, L, snap, &r, error, sizeof error);
	ok = ok && filter_field(rules, L, snap, "requires", &r.requires, &r.nrequires, error, sizeof error);
	ok = ok && filter_field(rules, L, snap, "unless", &r.unless, &r.nunless, error, sizeof error);
	ok = ok && texts_fit(rules, &r, id, title, category, framework, description, mitigation, error,
	                     sizeof error);
	if (ok && (r.nrequires || r.nunless) && (r.applies & (1u << APPLIES_MODEL))) {
		snprintf(error, sizeof error,
		         "'requires' and 'unless' are for element and finding rules, not '%s'",
		         r.info.applies);
		ok = false;
	}
	for (size_t i = 0; ok && (r.applies & (1u << APPLIES_FINDING)) && i < r.nrequires + r.nunless; i++) {
		const char *field = i < r.nrequires ? r.requires[i].attr : r.unless[i - r.nrequires].attr;
		if (finding_field_of(field) < 0) {
			snprintf(
			    error, sizeof error,
			    "a finding rule's 'requires' and 'unless' name finding fields (status, risk, "
			    "rule, framework, category, pack), not '%s'",
			    field);
			ok = false;
		}
	}
	if (!ok) {
		tm_diag_error(rules->diags, no_span(), "%s:%d: rule %.*s%s: %s", file, line,
		              name_length(shown_id), shown_id, shown_id[name_length(shown_id)] ? "…" : "",
		              error);
		return 0;
	}
	warn_unknown_fields(rules, L, 1, rule_fields, COUNT(rule_fields), file, line, id);

	r.info.id = tm_arena_strdup(rules->arena, id);
	r.info.title = tm_arena_strdup(rules->arena, title);
	r.info.category = tm_arena_strdup(rules->arena, category);
	r.info.framework = tm_arena_strdup(rules->arena, framework         ? framework
	                                                 : known_framework ? known_framework
	                                                                   : "CHECK");
	r.info.description = description ? tm_arena_strdup(rules->arena, description) : NULL;
	r.info.only_when = filters_text(rules->arena, r.requires, r.nrequires);
	r.info.not_when = filters_text(rules->arena, r.unless, r.nunless);
	r.info.mitigation = mitigation ? tm_arena_strdup(rules->arena, mitigation) : NULL;
	r.likelihood_line = r.impact_line = line;
	lua_getfield(L, snap, "when");
	r.when_line = defined_at(L, line);
	r.when = luaL_ref(L, LUA_REGISTRYINDEX);
	if (likelihood_fn) {
		lua_getfield(L, snap, "likelihood");
		r.likelihood_line = defined_at(L, line);
		r.likelihood = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	if (impact_fn) {
		lua_getfield(L, snap, "impact");
		r.impact_line = defined_at(L, line);
		r.impact = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	r.info.likelihood =
	    factors_text(rules->arena, tm_likelihood_factor_names, TM_LF_COUNT, r.likelihood_factors,
	                 r.likelihood_measures, likelihood_fn, r.info.file, r.likelihood_line);
	r.info.impact = factors_text(rules->arena, tm_impact_factor_names, TM_IF_COUNT, r.impact_factors,
	                             r.impact_measures, impact_fn, r.info.file, r.impact_line);
	TM_VEC_PUSH(rules->rules, rules->nrules, rules->caprules, r);
	index_id(rules, rules->nrules - 1);
	return 0;
}

/* ---- loading packs ---- */

static void drop_rule(tm_rules *rules, rule *r)
{
	luaL_unref(rules->L, LUA_REGISTRYINDEX, r->when);
	luaL_unref(rules->L, LUA_REGISTRYINDEX, r->likelihood);
	luaL_unref(rules->L, LUA_REGISTRYINDEX, r->impact);
}

static int compare_rules_by_id(const void *a, const void *b)
{
	return strcmp(((const rule *)a)->info.id, ((const rule *)b)->info.id);
}

/* "did you mean" for a misspelt built-in pack. */
static void suggest_pack(tm_diag *diag, const char *name)
{
	if (!diag || strchr(name, '/'))
		return;
	const char *suggestion = tm_suggest(name, tm_rules_default_packs, COUNT(tm_rules_default_packs));
	if (suggestion && strcmp(suggestion, name) != 0)
		tm_diag_note(diag, no_span(), "did you mean '%s'?", suggestion);
}

static tm_span use_span(const tm_decl *decl)
{
	if (!decl)
		return no_span();
	return decl->label_end ? tm_decl_label_span(decl) : decl->span;
}

/* Reports a pack's failure, its message cut at MAX_MESSAGE_BYTES; at the
 * `use` when there is one. */
static void pack_error(tm_rules *rules, const tm_decl *use, const char *message, const char *suffix)
{
	int kept = kept_length(message);
	tm_diag *diag = tm_diag_error(rules->diags, no_span(), "%.*s%s%s", kept, message,
	                              message[kept] ? "…" : "", suffix);
	if (use && use->span.src)
		tm_diag_note(diag, use_span(use), "the pack is used here");
}

static char *stem_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *start = slash ? slash + 1 : path;
	size_t len = strlen(start);
	if (len > 4 && strcmp(start + len - 4, ".lua") == 0)
		len -= 4;
	return tm_xstrndup(start, len);
}

/* The built-in pack or module `stem` (stdlib/stem.lua) as shown, or NULL. */
static char *builtin_file(tm_rules *rules, const char *stem)
{
	if (!rules->stdlib_dir || !*stem || strchr(stem, '/'))
		return NULL;
	tm_buf path = TM_BUF_INIT;
	tm_buf_printf(&path, "%s/%s.lua", rules->stdlib_dir, stem);
	struct stat st;
	char *shown = stat(tm_buf_str(&path), &st) == 0 && S_ISREG(st.st_mode)
	                  ? tm_rules_shown_path(tm_buf_str(&path))
	                  : NULL;
	tm_buf_free(&path);
	return shown;
}

static bool same_file(const char *a, const char *b)
{
	char *real_a = realpath(a, NULL), *real_b = realpath(b, NULL);
	bool same = real_a && real_b ? strcmp(real_a, real_b) == 0 : strcmp(a, b) == 0;
	free(real_a);
	free(real_b);
	return same;
}

/* Finds the pack `use` names. A bare name of a built-in pack is the
 * built-in one, whatever lies beside the model or on THREAT_PATH: a file
 * there with that name is reported, not loaded (a `stride.lua` beside the
 * model would otherwise silently replace stride). A path names its file;
 * one whose name is a built-in pack's is reported as shadowing it. */
static char *find_pack(tm_rules *rules, const char *name, const char *base, const char *rel_dir,
                       const tm_decl *use, tm_buf *tried)
{
	bool bare = !strchr(name, '/') && !(strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".lua") == 0);
	char *builtin = bare ? builtin_file(rules, name) : NULL;
	char *found = tm_rules_search(rules, name, rel_dir, NULL, base, builtin ? NULL : tried);
	if (builtin) {
		if (found && !same_file(found, builtin))
			tm_diag_warning(
			    rules->diags, use_span(use),
			    "rule pack '%s' is the built-in %s; %s has its name and is not loaded "
			    "(to load it instead, use it by its path, \"./%s.lua\")",
			    name, builtin, found, name);
		free(found);
		return builtin;
	}
	if (!found)
		return NULL;
	char *stem = stem_of(found);
	char *shadowed = builtin_file(rules, stem);
	if (shadowed && !same_file(found, shadowed))
		tm_diag_warning(
		    rules->diags, use_span(use),
		    "rule pack %s has the name of the built-in pack %s and is loaded instead of it", found,
		    shadowed);
	free(shadowed);
	free(stem);
	return found;
}

/* Loads one pack; `more`: packs are still to load after it. */
static void load_pack(tm_rules *rules, const char *name, const char *base, const char *rel_dir,
                      const tm_decl *use, bool more)
{
	lua_State *L = rules->L;
	tm_buf tried = TM_BUF_INIT;
	char *found =
	    name && *name ? find_pack(rules, name, base, rel_dir ? rel_dir : ".", use, &tried) : NULL;
	if (!found) {
		tm_diag *diag = tm_diag_error(rules->diags, use_span(use), "rule pack '%s' not found%s%s%s",
		                              name ? name : "", tried.len ? " (looked for " : "",
		                              tm_buf_str(&tried), tried.len ? ")" : "");
		suggest_pack(diag, name ? name : "");
		tm_buf_free(&tried);
		return;
	}
	tm_buf_free(&tried);
	char *real = realpath(found, NULL);
	for (size_t i = 0; real && i < rules->npacks; i++) {
		if (rules->packs[i].real && strcmp(rules->packs[i].real, real) == 0) {
			free(real);
			free(found);
			return; /* named twice: loaded once */
		}
	}
	pack p = {.path = tm_arena_strdup(rules->arena, found), .base = base};
	p.real = real ? tm_arena_strdup(rules->arena, real) : NULL;
	char *stem = stem_of(found);
	p.name = tm_arena_strdup(rules->arena, stem);
	free(stem);
	free(real);
	free(found);
	TM_VEC_PUSH(rules->packs, rules->npacks, rules->cappacks, p);
	size_t pack_index = rules->npacks - 1;

	unit u = {.base = base, .pack = pack_index};
	char *dir = tm_rules_dirname(p.path);
	u.dir = tm_arena_strdup(rules->arena, dir);
	free(dir);
	TM_VEC_PUSH(rules->units, rules->nunits, rules->capunits, u);

	int top = lua_gettop(L);
	tm_rules_memory_allow(rules, PACK_MEMORY);
	/* Compiling and running the pack meet the run's one deadline. */
	rules->deadline_what = rules->deadline_text;
	tm_rules_budget(rules, rules->run_deadline, 0, true);
	size_t first_rule = rules->nrules;
	int status = tm_rules_load_file(rules, p.path);
	if (status == LUA_OK) {
		tm_rules_new_env(rules, rules->nunits - 1);
		if (!lua_setupvalue(L, -2, 1))
			lua_pop(L, 1);
		rules->loading = (long)pack_index;
		status = tm_rules_pcall(rules, 0, 0);
		rules->loading = -1;
	}
	tm_rules_budget(rules, 0, 0, false);
	report_unshown_warnings(rules, &rules->packs[pack_index]);
	if (status != LUA_OK) {
		pack_error(rules, use, lua_tostring(L, -1) ? lua_tostring(L, -1) : "the pack failed to load",
		           rules->out_of_time && more ? " (the remaining packs were not loaded)" : "");
		for (size_t i = first_rule; i < rules->nrules; i++)
			drop_rule(rules, &rules->rules[i]);
		rules->nrules = first_rule;
		rules->npacks--;
		lua_settop(L, top);
		lua_gc(L, LUA_GCCOLLECT);
		return;
	}
	lua_settop(L, top);
	pack *loaded = &rules->packs[pack_index];
	for (size_t i = first_rule; i < rules->nrules; i++)
		rules->rules[i].info.pack = loaded->name;
	/* A pack may register no rule (rules->rules may still be NULL). */
	if (rules->nrules > first_rule)
		qsort(rules->rules + first_rule, rules->nrules - first_rule, sizeof(rule),
		      compare_rules_by_id);
	for (size_t i = first_rule; i < rules->nrules; i++)
		index_id(rules, i);
}

typedef struct id_entry {
	const char *id;
	size_t index;
} id_entry;

static int compare_by_id(const void *a, const void *b)
{
	return strcmp(((const id_entry *)a)->id, ((const id_entry *)b)->id);
}

static int compare_filter_lists(const rule_filter *a, size_t na, const rule_filter *b, size_t nb)
{
	if (na != nb)
		return na < nb ? -1 : 1;
	for (size_t i = 0; i < na; i++) {
		int c = strcmp(a[i].attr, b[i].attr);
		if (c)
			return c;
		if (a[i].nwords != b[i].nwords)
			return a[i].nwords < b[i].nwords ? -1 : 1;
		for (size_t w = 0; w < a[i].nwords; w++)
			if ((c = strcmp(a[i].words[w], b[i].words[w])) != 0)
				return c;
	}
	return 0;
}

static int compare_rule_filters(const rule *a, const rule *b)
{
	int c = compare_filter_lists(a->requires, a->nrequires, b->requires, b->nrequires);
	return c ? c : compare_filter_lists(a->unless, a->nunless, b->unless, b->nunless);
}

typedef struct filter_entry {
	const rule *rule;
	size_t index;
} filter_entry;

static int compare_filter_entries(const void *a, const void *b)
{
	const filter_entry *x = a, *y = b;
	int c = compare_rule_filters(x->rule, y->rule);
	return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

/* Numbers the rules' filters: equal `requires` and `unless` (sorted by
 * name when read), equal number, the index of the first rule with them.
 * Sorted, not compared pair by pair: packs may register tens of
 * thousands of rules. */
static void group_filters(tm_rules *rules)
{
	filter_entry *entries = tm_xmalloc(sizeof *entries * (rules->nrules + 1));
	for (size_t i = 0; i < rules->nrules; i++)
		entries[i] = (filter_entry){&rules->rules[i], i};
	qsort(entries, rules->nrules, sizeof *entries, compare_filter_entries);
	for (size_t i = 0; i < rules->nrules; i++) {
		bool same = i > 0 && compare_rule_filters(entries[i].rule, entries[i - 1].rule) == 0;
		rules->rules[entries[i].index].filter_group =
		    same ? rules->rules[entries[i - 1].index].filter_group : entries[i].index;
	}
	free(entries);
}

/* Indexes the loaded rules: by id, and by what they apply to. */
static void index_rules(tm_rules *rules)
{
	group_filters(rules);
	id_entry *entries = tm_xmalloc(sizeof *entries * (rules->nrules + 1));
	for (size_t i = 0; i < rules->nrules; i++)
		entries[i] = (id_entry){rules->rules[i].info.id, i};
	qsort(entries, rules->nrules, sizeof *entries, compare_by_id);
	free(rules->by_id);
	rules->by_id = tm_xmalloc(sizeof(size_t) * (rules->nrules + 1));
	for (size_t i = 0; i < rules->nrules; i++)
		rules->by_id[i] = entries[i].index;
	free(entries);
	for (int a = 0; a < APPLIES_COUNT; a++) {
		free(rules->applies[a]);
		rules->applies[a] = tm_xmalloc(sizeof(size_t) * (rules->nrules + 1));
		rules->napplies[a] = 0;
		for (size_t i = 0; i < rules->nrules; i++)
			if (rules->rules[i].applies & (1u << a))
				rules->applies[a][rules->napplies[a]++] = i;
	}
}

static char *find_stdlib(void)
{
	const char *env = getenv("THREAT_STDLIB");
	if (env && *env)
		return tm_xstrdup(env);
	/* In a build tree build/threat finds stdlib/ beside build/; an
	 * installed <prefix>/bin/threat finds <prefix>/share/threat/stdlib
	 * wherever the prefix was moved (make install PREFIX=, DESTDIR=). */
	static const char *const beside_binary[] = {"../stdlib", "../share/threat/stdlib"};
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			for (size_t i = 0; i < COUNT(beside_binary); i++) {
				char candidate[PATH_MAX + 32];
				snprintf(candidate, sizeof candidate, "%s/%s", exe, beside_binary[i]);
				struct stat st;
				if (stat(candidate, &st) == 0 && S_ISDIR(st.st_mode))
					return tm_rules_shown_path(candidate);
			}
		}
	}
	return tm_xstrdup(TM_STDLIB_DIR);
}

/* Moves the run's deadline `seconds` on, and says it in the message a
 * stopped pack gets. */
static void extend_deadline(tm_rules *rules, double seconds)
{
	rules->run_deadline += (uint64_t)(seconds * 1e9);
	snprintf(rules->deadline_text, sizeof rules->deadline_text, "(%.3g s for the whole run)",
	         (double)(rules->run_deadline - rules->run_start) / 1e9);
}

static tm_rules *engine_new(tm_diags *diags)
{
	tm_rules *rules = tm_xcalloc(1, sizeof *rules);
	rules->arena = tm_arena_new();
	rules->diags = diags;
	rules->vocab = tm_vocab_new();
	rules->loading = -1;
	rules->views = rules->kinds = rules->model_view = rules->attrs.tables = rules->lists.tables =
	    LUA_NOREF;
	rules->stdlib_dir = find_stdlib();
	rules->ids = tm_strmap_new(1024);
	const char *path = getenv("THREAT_PATH");
	size_t cap = 0;
	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		if (len) {
			char *dir = tm_xstrndup(path, len);
			TM_VEC_PUSH(rules->path_dirs, rules->npath_dirs, cap, dir);
		}
		path = colon ? colon + 1 : NULL;
	}
	if (!tm_rules_sandbox_open(rules)) {
		tm_diag_error(diags, no_span(), "cannot create the Lua state for the rule packs");
		return rules;
	}
	lua_State *L = rules->L;
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->shared);
	lua_pushcfunction(L, lua_pack);
	lua_setfield(L, -2, "pack");
	lua_pushcfunction(L, lua_rule);
	lua_setfield(L, -2, "rule");
	lua_pushcfunction(L, lua_attribute);
	lua_setfield(L, -2, "attribute");
	lua_pop(L, 1);
	return rules;
}

double tm_rules_parse_budget(const char *text)
{
	if (!text || !((*text >= '0' && *text <= '9') || *text == '.'))
		return 0;
	char *end;
	errno = 0;
	double seconds = strtod(text, &end);
	if (errno || *end || !(seconds > 0 && seconds <= RUN_SECONDS_MAX))
		return 0;
	return seconds;
}

/* Starts the run's one deadline (limits.h): the budget, and the
 * allowance for `items` elements. */
static void start_deadline(tm_rules *rules, double budget, size_t items)
{
	rules->budget = budget > 0 ? budget : RUN_SECONDS;
	if (rules->budget > RUN_SECONDS_MAX)
		rules->budget = RUN_SECONDS_MAX;
	rules->run_start = rules->run_deadline = tm_clock_ns();
	extend_deadline(rules, rules->budget + RUN_SECONDS_PER_ITEM * (double)items);
}

/* The packs the model's `use` statements name (none: the default ones),
 * then the index of their rules. */
static int load_model_packs(tm_rules *rules, const tm_model *model, tm_diags *diags)
{
	size_t errors = diags->errors;
	uint64_t started = tm_clock_ns();
	rules->loaded_from = model;
	if (rules->L) {
		if (!model || model->nuses == 0) {
			for (size_t i = 0; i < COUNT(tm_rules_default_packs) && !rules->out_of_time; i++)
				load_pack(rules, tm_rules_default_packs[i], NULL, NULL, NULL,
				          i + 1 < COUNT(tm_rules_default_packs));
		} else {
			for (size_t i = 0; i < model->nuses && !rules->out_of_time; i++) {
				const tm_use *use = &model->uses[i];
				load_pack(rules, use->name, use->base_dir, use->base_dir, use->decl,
				          i + 1 < model->nuses);
			}
		}
	}
	index_rules(rules);
	rules->diags = NULL;
	rules->load_failed = diags->errors > errors;
	rules->load_seconds = (double)(tm_clock_ns() - started) / 1e9;
	return rules->load_failed ? TM_ERR_INPUT : TM_OK;
}

/* The finding counters of a run whose engine has loaded its packs. */
static void own_counts(tm_rules *rules)
{
	rules->own_counts.npacks = rules->npacks;
	rules->own_counts.packs = tm_xcalloc(rules->npacks + 1, sizeof *rules->own_counts.packs);
	rules->counts = &rules->own_counts;
}

int tm_rules_load(tm_rules **out, const tm_model *model, double budget, tm_diags *diags)
{
	tm_rules *rules = engine_new(diags);
	*out = rules;
	start_deadline(rules, budget, model ? model->nelements : 0);
	int status = load_model_packs(rules, model, diags);
	own_counts(rules);
	return status;
}

int tm_rules_load_helper(tm_rules **out, const tm_model *model, const tm_rules *first)
{
	tm_diags ignored = {0};
	tm_rules *rules = engine_new(&ignored);
	*out = rules;
	rules->budget = first->budget;
	rules->run_start = first->run_start;
	rules->run_deadline = first->run_deadline;
	memcpy(rules->deadline_text, first->deadline_text, sizeof rules->deadline_text);
	rules->quiet = true;
	int status = load_model_packs(rules, model, &ignored);
	rules->quiet = false;
	rules->counts = first->counts;
	tm_diags_free(&ignored);
	return status;
}

int tm_rules_load_names(tm_rules **out, const char *const *names, size_t count, const char *base_dir,
                        tm_diags *diags)
{
	size_t errors = diags->errors;
	tm_rules *rules = engine_new(diags);
	*out = rules;
	start_deadline(rules, 0, 0);
	for (size_t i = 0; rules->L && i < count && !rules->out_of_time; i++)
		load_pack(rules, names[i], base_dir, base_dir, NULL, i + 1 < count);
	index_rules(rules);
	own_counts(rules);
	rules->diags = NULL;
	return diags->errors > errors ? TM_ERR_INPUT : TM_OK;
}

/* ---- runs ---- */

enum run_mode { RUN_ELEMENTS, RUN_MODEL, RUN_FINDINGS };

typedef struct rule_run {
	tm_rules *rules;
	enum run_mode mode;
	size_t item, nitems; /* the cursor: item and the rule within its list */
	size_t rule;
	tm_findings *out;
	uint32_t id; /* for the rules' copied-string caches */
	int line;    /* where the function being called is defined, for messages */
	/* copies of the current element's strings in out->arena */
	const void *key_of;
	const char *key_copy;
	const void *file_of;
	const char *file_copy;
} rule_run;

static const char *copy(tm_findings *out, const char *text)
{
	return text ? tm_arena_strdup(out->arena, text) : NULL;
}

static void copy_rule_strings(rule_run *run, rule *r)
{
	if (r->copied_run == run->id)
		return;
	tm_findings *out = run->out;
	tm_finding_about *about = tm_arena_alloc(out->arena, sizeof *about);
	about->rule = copy(out, r->info.id);
	about->framework = copy(out, r->info.framework);
	about->category = copy(out, r->info.category);
	about->pack = copy(out, r->info.pack);
	about->title = copy(out, r->info.title);
	about->description = copy(out, r->info.description);
	about->advice = copy(out, r->info.mitigation);
	if (r->info.nrefs) {
		const char **refs = tm_arena_alloc(out->arena, sizeof(char *) * r->info.nrefs);
		for (size_t i = 0; i < r->info.nrefs; i++)
			refs[i] = copy(out, r->info.refs[i]);
		about->refs = refs;
		about->nrefs = r->info.nrefs;
	}
	r->about = about;
	r->copied_run = run->id;
}

/* Calls a rule's function (registry ref) on the subject and the model,
 * leaving its result; with a fresh instruction budget that a pcall
 * inside it cannot have swallowed. */
static void call_rule_function(lua_State *L, tm_rules *rules, int ref, int view, int model)
{
	rules->ticks = 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
	lua_pushvalue(L, view);
	lua_pushvalue(L, model);
	lua_call(L, 2, 1);
	tm_rules_call_done(rules);
	if (rules->tripped) {
		lua_pushstring(L, rules->trip_msg);
		lua_error(L);
	}
}

/* A finding's subject, with its scales measured the first time a factor
 * names one: once per finding, for its likelihood and impact together. */
typedef struct scaled_subject {
	const tm_element *el; /* NULL: the model or a finding */
	tm_scales scales;
	bool measured;
} scaled_subject;

/* The factors whose scales are named (measures[i]) raised to those
 * scales of the subject: the highest of a factor's values counts. */
static void apply_measures(tm_rules *rules, scaled_subject *subject, const uint8_t *measures, size_t count,
                           uint8_t *out)
{
	for (size_t i = 0; i < count; i++) {
		if (!measures[i])
			continue;
		if (!subject->measured) {
			tm_views_scales(rules, subject->el, &subject->scales);
			subject->measured = true;
		}
		const tm_scales *scales = &subject->scales;
		uint8_t scale = 0;
		if ((measures[i] & MEASURE_EXPOSURE) && scales->exposure > scale)
			scale = scales->exposure;
		if ((measures[i] & MEASURE_DATA) && scales->data > scale)
			scale = scales->data;
		if ((measures[i] & MEASURE_PERSONAL_DATA) && scales->personal_data > scale)
			scale = scales->personal_data;
		if (scale > out[i])
			out[i] = scale;
	}
}

/* Factors from a rule's table or function, for the subject; raises on a
 * bad value. */
static void evaluate_factors(lua_State *L, rule_run *run, int ref, int line, const uint8_t *fixed,
                             const uint8_t *fixed_measures, const char *name, const char *const *names,
                             const char *const *interned, size_t count, int view, int model,
                             scaled_subject *subject, uint8_t *out)
{
	tm_rules *rules = run->rules;
	run->line = line;
	if (ref == LUA_NOREF) {
		memcpy(out, fixed, count);
		apply_measures(rules, subject, fixed_measures, count, out);
		return;
	}
	call_rule_function(L, rules, ref, view, model);
	if (!lua_istable(L, -1)) {
		lua_pushfstring(L, "%s returned a %s (expected a table of factors)", name,
		                luaL_typename(L, -1));
		lua_error(L);
	}
	char error[256];
	uint8_t measures[8]; /* count is TM_LF_COUNT or TM_IF_COUNT */
	_Static_assert(TM_LF_COUNT <= 8 && TM_IF_COUNT <= 8, "factor counts");
	if (!read_factors(L, -1, names, interned, count, out, measures, error, sizeof error)) {
		lua_pushfstring(L, "%s: %s", name, error);
		lua_error(L);
	}
	apply_measures(rules, subject, measures, count, out);
	lua_pop(L, 1);
}

static bool value_matches(const tm_value *x, const rule_filter *filter);

/* The `tech` that speaks for an element: its own, or for a part of a
 * program that states none, its nearest enclosing process's. */
static const tm_value *tech_of(const tm_element *el)
{
	for (; el; el = el->parent) {
		const tm_value *tech = tm_element_attr(el, "tech");
		if (tech)
			return tech;
	}
	return NULL;
}

/* The rule's texts for the finding's element: NULL when none of its
 * `advice` technologies is stated by the element (a flow: either end),
 * so the finding shares its rule's texts; else texts whose advice is the
 * mitigation followed by each matching entry's text, shared by every
 * finding of the run with the same matches. */
static const tm_finding_about *advised_about(rule_run *run, rule *r, const tm_element *el)
{
	if (!r->nadvice || !el)
		return NULL;
	const tm_value *techs[2] = {NULL, NULL};
	if (el->kind == TM_EL_FLOW) {
		techs[0] = tech_of(el->source);
		techs[1] = tech_of(el->target);
	} else {
		techs[0] = tech_of(el);
	}
	if (!techs[0] && !techs[1])
		return NULL;
	uint64_t matched = 0;
	for (size_t i = 0; i < r->nadvice; i++) {
		const char *tech = r->advice[i].tech;
		const rule_filter word = {.attr = "tech", .words = &tech, .nwords = 1};
		if (value_matches(techs[0], &word) || value_matches(techs[1], &word))
			matched |= (uint64_t)1 << i;
	}
	if (!matched)
		return NULL;
	if (r->advised_run != run->id) {
		r->advised_run = run->id;
		r->nadvised = 0;
	}
	for (size_t i = 0; i < r->nadvised; i++)
		if (r->advised[i].matched == matched)
			return r->advised[i].about;
	tm_findings *out = run->out;
	tm_buf text = TM_BUF_INIT;
	if (r->info.mitigation)
		tm_buf_puts(&text, r->info.mitigation);
	for (size_t i = 0; i < r->nadvice; i++) {
		if (!(matched >> i & 1u))
			continue;
		if (text.len)
			tm_buf_putc(&text, ' ');
		tm_buf_puts(&text, r->advice[i].text);
	}
	tm_finding_about *about = tm_arena_alloc(out->arena, sizeof *about);
	*about = *r->about;
	about->advice = tm_arena_strdup(out->arena, tm_buf_str(&text));
	tm_buf_free(&text);
	if (r->nadvised < sizeof r->advised / sizeof *r->advised) {
		r->advised[r->nadvised].matched = matched;
		r->advised[r->nadvised].about = about;
		r->nadvised++;
	}
	return about;
}

#define FINDING_BLOCK 1024

/* Takes room for up to FINDING_BLOCK findings from a counter capped at
 * `cap`; false when it is full. */
static bool take_room(_Atomic size_t *counter, size_t cap, size_t *room)
{
	size_t before = atomic_fetch_add_explicit(counter, FINDING_BLOCK, memory_order_relaxed);
	if (before >= cap)
		return false;
	*room = cap - before < FINDING_BLOCK ? cap - before : FINDING_BLOCK;
	return true;
}

/* A findings ceiling for the model being run: the fixed floor, or so many
 * per element (flows included) on a large model, so a real model that
 * states no controls is never cut short while a pack's findings stay
 * linear in the model (limits.h). */
static size_t findings_cap(const tm_rules *rules, size_t floor, size_t per_element)
{
	size_t items = rules->model ? rules->model->nelements : 0;
	return items > floor / per_element ? items * per_element : floor;
}

/* Whether the rule may raise one more finding; raises when its pack or
 * the run has raised as many as the engine keeps (limits.h). */
static void count_finding(lua_State *L, tm_rules *rules, const rule *r)
{
	finding_counts *counts = rules->counts;
	pack *p = &rules->packs[r->pack];
	if (!p->finding_room && r->pack < counts->npacks) {
		size_t cap = findings_cap(rules, MAX_FINDINGS_PER_PACK, MAX_FINDINGS_PER_PACK_PER_ELEMENT);
		if (!take_room(&counts->packs[r->pack], cap, &p->finding_room)) {
			p->over_findings = true;
			luaL_error(L, "pack %s raised more than %I findings: its rules stop for this run",
			           p->name, (lua_Integer)cap);
		}
	}
	if (!rules->finding_room) {
		size_t cap = findings_cap(rules, MAX_FINDINGS, MAX_FINDINGS_PER_ELEMENT);
		if (!take_room(&counts->run, cap, &rules->finding_room)) {
			rules->findings_full = true;
			luaL_error(L, "more than %I findings in one run: the run stops", (lua_Integer)cap);
		}
	}
	if (p->finding_room)
		p->finding_room--;
	rules->finding_room--;
}

static void add_finding(rule_run *run, rule *r, const tm_element *el, const char *key, const char *file,
                        uint32_t line, const char *detail, size_t detail_len, const uint8_t *likelihood,
                        const uint8_t *impact)
{
	tm_findings *out = run->out;
	tm_rules *rules = run->rules;
	copy_rule_strings(run, r);
	if (run->key_of != (const void *)key) {
		run->key_of = key;
		run->key_copy = copy(out, key);
	}
	if (run->file_of != (const void *)file) {
		run->file_of = file;
		run->file_copy = copy(out, file ? file : "");
	}
	/* "RULE@KEY", a million times on a large model: no printf. */
	size_t id_len = strlen(r->info.id), key_len = strlen(key);
	char *id = tm_arena_alloc(out->arena, id_len + key_len + 2);
	memcpy(id, r->info.id, id_len);
	id[id_len] = '@';
	memcpy(id + id_len + 1, key, key_len);
	tm_finding *f = tm_findings_add(out);
	f->id = id;
	f->about = r->about;
	const tm_finding_about *advised = advised_about(run, r, el);
	if (advised)
		f->about = advised;
	f->element = el;
	f->element_key = run->key_copy;
	/* A detail is a line of text; a pack returning megabytes per element
	 * would exhaust memory outside the sandbox's cap. */
	if (detail && detail_len > MAX_DETAIL_BYTES) {
		size_t cut = MAX_DETAIL_BYTES;
		while (cut > 0 && ((unsigned char)detail[cut] & 0xC0) == 0x80)
			cut--;
		char *shortened = tm_arena_alloc(out->arena, cut + sizeof "…");
		memcpy(shortened, detail, cut);
		memcpy(shortened + cut, "…", sizeof "…");
		f->detail = shortened;
	} else {
		f->detail = detail ? tm_arena_strndup(out->arena, detail, detail_len) : NULL;
	}
	memcpy(f->likelihood_factors, likelihood, TM_LF_COUNT);
	memcpy(f->impact_factors, impact, TM_IF_COUNT);
	f->found = rules->model->meta.date;
	f->file = run->file_copy;
	f->line = line;
	tm_risk_score(f);
}

/* Whether text[0..len) is one of the filter's (lower-case) words, case
 * aside. */
static bool word_matches(const char *text, size_t len, const rule_filter *filter)
{
	for (size_t w = 0; w < filter->nwords; w++) {
		const char *word = filter->words[w];
		size_t i = 0;
		for (; i < len && word[i]; i++) {
			char c = text[i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != word[i])
				break;
		}
		if (i == len && word[i] == '\0')
			return true;
	}
	return false;
}

/* Whether attribute value x is a word of `filter`, or a list holding
 * one: threatlib's T.is, lower-case. */
static bool value_matches(const tm_value *x, const rule_filter *filter)
{
	if (!x)
		return false;
	if (x->kind == TM_VAL_LIST) {
		for (size_t i = 0; x->items && i < x->nitems; i++) {
			const tm_value *item = x->items[i];
			if (item && (item->kind == TM_VAL_IDENT || item->kind == TM_VAL_STRING) &&
			    value_matches(item, filter))
				return true;
		}
		return false;
	}
	if (x->kind != TM_VAL_IDENT && x->kind != TM_VAL_STRING)
		return false;
	return word_matches(x->text ? x->text : "", x->text ? x->len : 0, filter);
}

/* The finding field a filter names, as the finding view shows it. */
static const char *finding_field_text(const tm_finding *f, const char *field)
{
	switch (finding_field_of(field)) {
	case 0: return (unsigned)f->status < COUNT(tm_status_names) ? tm_status_names[f->status] : "";
	case 1: return (unsigned)f->risk < COUNT(tm_risk_names) ? tm_risk_names[f->risk] : "";
	case 2: return f->about->rule;
	case 3: return f->about->framework;
	case 4: return f->about->category;
	case 5: return f->about->pack;
	default: return NULL;
	}
}

static bool finding_filter_matches(const tm_finding *f, const rule_filter *filter)
{
	const char *text = finding_field_text(f, filter->attr);
	return text && word_matches(text, strlen(text), filter);
}

bool tm_rules_finding_passes(const tm_finding *f, const rule_filter *requires, size_t nrequires,
                             const rule_filter *unless, size_t nunless)
{
	for (size_t i = 0; i < nrequires; i++)
		if (!finding_filter_matches(f, &requires[i]))
			return false;
	for (size_t i = 0; i < nunless; i++)
		if (finding_filter_matches(f, &unless[i]))
			return false;
	return true;
}

/* A finding rule's `requires` and `unless` against a finding. */
static bool finding_filters_pass(const rule *r, const tm_finding *f)
{
	return tm_rules_finding_passes(f, r->requires, r->nrequires, r->unless, r->nunless);
}

/* A rule's `requires` and `unless` against an element. */
static bool filters_pass(const rule *r, const tm_element *el)
{
	for (size_t i = 0; i < r->nrequires; i++)
		if (!value_matches(tm_element_attr(el, r->requires[i].attr), &r->requires[i]))
			return false;
	for (size_t i = 0; i < r->nunless; i++)
		if (value_matches(tm_element_attr(el, r->unless[i].attr), &r->unless[i]))
			return false;
	return true;
}

/* Calls one rule on one subject (at view); raises on an error. */
static void evaluate(lua_State *L, rule_run *run, rule *r, int view, int model, const tm_element *el,
                     const char *key, const char *file, uint32_t line)
{
	tm_rules *rules = run->rules;
	rules->where_line = 0;
	run->line = r->when_line;
	call_rule_function(L, rules, r->when, view, model);
	int type = lua_type(L, -1);
	if (type == LUA_TNIL || (type == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
		lua_pop(L, 1);
		return;
	}
	if (type != LUA_TBOOLEAN && type != LUA_TSTRING) {
		lua_pushfstring(L, "when returned a %s (expected true, false, nil or a string)",
		                luaL_typename(L, -1));
		lua_error(L);
	}
	uint8_t likelihood[TM_LF_COUNT], impact[TM_IF_COUNT];
	scaled_subject subject = {.el = el};
	evaluate_factors(L, run, r->likelihood, r->likelihood_line, r->likelihood_factors,
	                 r->likelihood_measures, "likelihood", tm_likelihood_factor_names,
	                 rules->likelihood_names, TM_LF_COUNT, view, model, &subject, likelihood);
	evaluate_factors(L, run, r->impact, r->impact_line, r->impact_factors, r->impact_measures, "impact",
	                 tm_impact_factor_names, rules->impact_names, TM_IF_COUNT, view, model, &subject,
	                 impact);
	count_finding(L, rules, r);
	size_t detail_len = 0;
	const char *detail = type == LUA_TSTRING ? lua_tolstring(L, -1, &detail_len) : NULL;
	add_finding(run, r, el, key, file, line, detail, detail_len, likelihood, impact);
	lua_pop(L, 1);
}

/* The rule list for the cursor's item, and its subject pushed (or false
 * when the item is skipped). */
static bool subject(lua_State *L, rule_run *run, const size_t **list, size_t *count, const tm_element **el,
                    const char **key, const char **file, uint32_t *line)
{
	tm_rules *rules = run->rules;
	const tm_model *model = rules->model;
	*el = NULL;
	switch (run->mode) {
	case RUN_ELEMENTS: {
		const tm_element *element = model->elements[run->item];
		if (!element->in_scope || element->kind >= TM_EL_COUNT)
			return false;
		*list = rules->applies[element->kind];
		*count = rules->napplies[element->kind];
		if (run->rule >= *count)
			return false;
		*el = element;
		*key = element->key ? element->key : "";
		*file = element->decl && element->decl->span.src ? element->decl->span.src->path : "";
		*line = element->line;
		tm_rules_push_view(L, rules, element);
		return true;
	}
	case RUN_MODEL: {
		*list = rules->applies[APPLIES_MODEL];
		*count = rules->napplies[APPLIES_MODEL];
		*key = "model";
		*file = "";
		*line = 0;
		const tm_decl *decl = model->meta.decl;
		if (decl && decl->span.src) {
			uint32_t column;
			*file = decl->span.src->path;
			tm_source_position(decl->span.src, decl->span.start, line, &column);
		} else if (model->nfiles && model->files[0] && model->files[0]->src) {
			*file = model->files[0]->src->path;
			*line = 1;
		}
		if (run->rule >= *count)
			return false;
		lua_rawgeti(L, LUA_REGISTRYINDEX, rules->model_view);
		return true;
	}
	case RUN_FINDINGS: {
		*list = rules->applies[APPLIES_FINDING];
		*count = rules->napplies[APPLIES_FINDING];
		if (run->rule >= *count)
			return false;
		const tm_finding *f = &run->out->items[run->item];
		/* No view for a finding every rule's filter passes over: phase
		 * 2 may see a million findings. */
		bool wanted = false;
		for (size_t i = run->rule; i < *count && !wanted; i++)
			wanted = finding_filters_pass(&rules->rules[(*list)[i]], f);
		if (!wanted)
			return false;
		*key = f->id ? f->id : "";
		*file = f->file;
		*line = f->line;
		tm_rules_push_finding_view(L, rules, run->item);
		return true;
	}
	}
	return false;
}

/* Runs from the cursor to the end inside one pcall; an error leaves the
 * cursor on the rule and item that raised it. */
static int run_batch(lua_State *L)
{
	rule_run *run = lua_touserdata(L, 1);
	tm_rules *rules = run->rules;
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->model_view);
	int model = lua_gettop(L);
	for (; run->item < run->nitems; run->item++, run->rule = 0) {
		if (rules->gc_start && rules->mem_used > rules->gc_start) {
			rules->gc_start = 0;
			lua_gc(L, LUA_GCRESTART);
		}
		const size_t *list = NULL;
		size_t count = 0;
		const tm_element *el;
		const char *key, *file;
		uint32_t line;
		run->line = 0;
		if (!subject(L, run, &list, &count, &el, &key, &file, &line))
			continue;
		int view = lua_gettop(L);
		size_t tested_group = SIZE_MAX; /* the filters last tested on this element */
		bool tested_pass = false;
		for (; run->rule < count; run->rule++) {
			rule *r = &rules->rules[list[run->rule]];
			bool pass = !(r->nrequires | r->nunless);
			if (!pass && el) {
				if (r->filter_group != tested_group) {
					tested_group = r->filter_group;
					tested_pass = filters_pass(r, el);
				}
				pass = tested_pass;
			} else if (!pass) {
				pass = run->mode != RUN_FINDINGS ||
				       finding_filters_pass(r, &run->out->items[run->item]);
			}
			if (r->disabled || !pass || rules->packs[r->pack].over_findings)
				continue;
			if (!rules->profile) {
				evaluate(L, run, r, view, model, el, key, file, line);
				continue;
			}
			size_t before = run->out->count;
			uint64_t started = tm_clock_ns();
			evaluate(L, run, r, view, model, el, key, file, line);
			r->info.seconds += (double)(tm_clock_ns() - started) / 1e9;
			r->info.calls++;
			r->info.raised += run->out->count - before;
		}
		lua_settop(L, model);
	}
	return 0;
}

/* The rule and subject under the cursor, for a message. */
static void report_failure(rule_run *run, const char *message)
{
	tm_rules *rules = run->rules;
	const char *key = "?";
	const rule *r = NULL;
	size_t count = 0;
	const size_t *list = NULL;
	switch (run->mode) {
	case RUN_ELEMENTS: {
		const tm_element *el = rules->model->elements[run->item];
		key = el->key ? el->key : "?";
		if (el->kind < TM_EL_COUNT) {
			list = rules->applies[el->kind];
			count = rules->napplies[el->kind];
		}
		break;
	}
	case RUN_MODEL:
		key = "model";
		list = rules->applies[APPLIES_MODEL];
		count = rules->napplies[APPLIES_MODEL];
		break;
	case RUN_FINDINGS:
		key = run->out->items[run->item].id ? run->out->items[run->item].id : "?";
		list = rules->applies[APPLIES_FINDING];
		count = rules->napplies[APPLIES_FINDING];
		break;
	}
	if (list && run->rule < count)
		r = &rules->rules[list[run->rule]];
	/* A rule failing on every element of a large model would leave a
	 * message each: past its pack's share they are only counted. */
	if (r && ++rules->packs[r->pack].errors > MAX_ERRORS_PER_PACK)
		return;
	const char *text;
	int place_len;
	tm_rules_split_message(message ? message : "error", &text, &place_len);
	int kept = kept_length(text);
	const char *cut = text[kept] ? "…" : "";
	if (!r) {
		tm_diag_error(rules->diags, no_span(), "%.*s%s", kept_length(message ? message : "error"),
		              message ? message : "error", cut);
		return;
	}
	if (place_len)
		tm_diag_error(rules->diags, no_span(), "%.*s: rule %s on %s: %.*s%s", place_len, message,
		              r->info.id, key, kept, text, cut);
	else
		tm_diag_error(rules->diags, no_span(), "%s:%d: rule %s on %s: %.*s%s", r->info.file,
		              run->line > 0 ? run->line : r->info.line, r->info.id, key, kept, text, cut);
}

static void set_model_global(tm_rules *rules, bool on)
{
	lua_State *L = rules->L;
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->shared);
	if (on)
		lua_rawgeti(L, LUA_REGISTRYINDEX, rules->model_view);
	else
		lua_pushnil(L);
	lua_setfield(L, -2, "model");
	lua_pop(L, 1);
}

static void run_mode(tm_rules *rules, rule_run *run)
{
	lua_State *L = rules->L;
	int top = lua_gettop(L);
	/* A model rule may walk the whole model in one call. */
	rules->tick_limit = CALL_TICKS;
	if (run->mode == RUN_MODEL) {
		size_t extra = rules->model->nelements / 4 + run->out->count / 8;
		rules->tick_limit =
		    extra > UINT32_MAX - CALL_TICKS ? UINT32_MAX : CALL_TICKS + (uint32_t)extra;
	}
	for (;;) {
		lua_pushcfunction(L, run_batch);
		lua_pushlightuserdata(L, run);
		int status = tm_rules_pcall(rules, 1, 0);
		if (status == LUA_OK)
			break;
		const char *message = lua_tostring(L, -1);
		if (rules->deadline_hit) {
			tm_diag_error(rules->diags, no_span(), "%s (the remaining rules were not run)",
			              message ? message : "time limit exceeded");
			break;
		}
		report_failure(run, message);
		if (rules->findings_full)
			break;
		/* A rule out of instructions or memory would only fail again. */
		if (rules->budget_failed) {
			const size_t *list = NULL;
			size_t count = 0;
			if (run->mode == RUN_ELEMENTS && run->item < run->nitems) {
				tm_element_kind kind = rules->model->elements[run->item]->kind;
				if (kind < TM_EL_COUNT) {
					list = rules->applies[kind];
					count = rules->napplies[kind];
				}
			} else if (run->mode != RUN_ELEMENTS) {
				int which = run->mode == RUN_MODEL ? APPLIES_MODEL : APPLIES_FINDING;
				list = rules->applies[which];
				count = rules->napplies[which];
			}
			if (list && run->rule < count)
				rules->rules[list[run->rule]].disabled = true;
		}
		lua_settop(L, top);
		run->rule++;
	}
	lua_settop(L, top);
}

static void begin_run(tm_rules *rules, const tm_model *model, int32_t today, size_t items, bool phase2)
{
	for (size_t i = 0; i < rules->nrules; i++)
		rules->rules[i].disabled = false;
	tm_rules_views_begin(rules, model, today, phase2);
	/* No full collection first: the cap counts garbage, but Lua collects
	 * in full before it reports an allocation the cap refused. */
	tm_rules_memory_allow(rules, PACK_MEMORY + VIEW_MEMORY_PER_ITEM * items);
	rules->deadline_what = rules->deadline_text;
	tm_rules_budget(rules, rules->run_deadline, CALL_TICKS, false);
	set_model_global(rules, true);
	lua_gc(rules->L, LUA_GCSTOP);
	rules->gc_start = rules->mem_used + GC_START_BYTES;
}

static void end_run(tm_rules *rules, bool keep_views)
{
	for (size_t i = 0; i < rules->npacks; i++) {
		pack *p = &rules->packs[i];
		if (p->errors > MAX_ERRORS_PER_PACK)
			tm_diag_error(rules->diags, no_span(),
			              "%s: %zu more errors not shown (at most %d a pack in a run)", p->path,
			              p->errors - MAX_ERRORS_PER_PACK, MAX_ERRORS_PER_PACK);
		p->errors = 0;
	}
	rules->gc_start = 0;
	lua_gc(rules->L, LUA_GCRESTART);
	set_model_global(rules, false);
	tm_rules_views_end(rules, keep_views);
	tm_rules_budget(rules, 0, 0, false);
}

/* The views of the run's elements, in model order, before any rule runs
 * (their fields still fill in on first use; the views of other elements
 * a rule reaches are made then). Views live for the whole run, and made
 * first, while the collector sleeps, they lie together instead of among
 * the rules' garbage, and the collector does not trace them over and
 * over as the heap grows: a tenth of a 100k-element run. */
typedef struct view_range {
	tm_rules *rules;
	size_t from, to;
} view_range;

static int build_views_step(lua_State *L)
{
	const view_range *range = lua_touserdata(L, 1);
	tm_rules *rules = range->rules;
	for (size_t i = range->from; i < range->to; i++) {
		tm_rules_push_view(L, rules, rules->model->elements[i]);
		lua_pop(L, 1);
	}
	return 0;
}

/* The collector then sleeps until the rules have grown the heap by as
 * much as the views took (GC_START_BYTES). */
static void build_views(tm_rules *rules, size_t from, size_t to)
{
	lua_State *L = rules->L;
	size_t before = rules->mem_used;
	view_range range = {rules, from, to};
	lua_pushcfunction(L, build_views_step);
	lua_pushlightuserdata(L, &range);
	/* Only the memory cap can stop it; the rules then report the same. */
	if (tm_rules_pcall(rules, 1, 0) != LUA_OK)
		lua_pop(L, 1);
	size_t views = rules->mem_used - before;
	if (rules->gc_start)
		rules->gc_start = rules->mem_used + (views > GC_START_BYTES ? views : GC_START_BYTES);
}

int tm_rules_run_range(tm_rules *rules, const tm_model *model, int32_t today, size_t from, size_t to,
                       tm_findings *out, tm_diags *diags)
{
	if (!rules->L || rules->out_of_time)
		return TM_ERR_INPUT; /* out of time: loading said so */
	size_t errors = diags->errors;
	rules->diags = diags;
	begin_run(rules, model, today, model->nelements, false);
	build_views(rules, from, to);
	rule_run r = {.rules = rules,
	              .mode = RUN_ELEMENTS,
	              .item = from,
	              .nitems = to,
	              .out = out,
	              .id = ++rules->runs};
	run_mode(rules, &r);
	end_run(rules, true);
	rules->diags = NULL;
	return diags->errors > errors ? TM_ERR_INPUT : TM_OK;
}

int tm_rules_run_phase2(tm_rules *rules, const tm_model *model, int32_t today, tm_findings *findings,
                        tm_diags *diags)
{
	if (!rules || !model || !findings || !diags)
		return TM_ERR_USAGE;
	if (!rules->L)
		return TM_ERR_INPUT;
	if (rules->out_of_time || rules->findings_full ||
	    (rules->napplies[APPLIES_MODEL] == 0 && rules->napplies[APPLIES_FINDING] == 0)) {
		tm_rules_views_end(rules, false);
		return rules->out_of_time || rules->findings_full ? TM_ERR_INPUT : TM_OK;
	}
	size_t errors = diags->errors;
	rules->diags = diags;
	size_t seen = findings->count;
	extend_deadline(rules, RUN_SECONDS_PER_ITEM * (double)seen);
	begin_run(rules, model, today, model->nelements + seen, true);
	tm_rules_views_findings(rules, findings, seen);
	rule_run r = {.rules = rules, .mode = RUN_MODEL, .nitems = 1, .out = findings, .id = ++rules->runs};
	run_mode(rules, &r);
	if (!rules->deadline_hit && !rules->findings_full) {
		rule_run f = {.rules = rules,
		              .mode = RUN_FINDINGS,
		              .nitems = seen,
		              .out = findings,
		              .id = ++rules->runs};
		run_mode(rules, &f);
	}
	end_run(rules, false);
	rules->diags = NULL;
	return diags->errors > errors ? TM_ERR_INPUT : TM_OK;
}

void tm_rules_profile(tm_rules *rules, bool on)
{
	if (rules)
		rules->profile = on;
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

void tm_rules_finish(tm_rules *rules)
{
	if (!rules || !rules->L)
		return;
	tm_rules_watch_end(rules);
	tm_rules_views_end(rules, false);
	tm_rules_sandbox_close(rules);
}

void tm_rules_free(tm_rules *rules)
{
	if (!rules)
		return;
	tm_rules_finish(rules);
	free(rules->by_id);
	for (int a = 0; a < APPLIES_COUNT; a++)
		free(rules->applies[a]);
	free(rules->rules);
	free(rules->packs);
	free(rules->units);
	for (size_t i = 0; i < rules->npath_dirs; i++)
		free(rules->path_dirs[i]);
	free(rules->path_dirs);
	free(rules->stdlib_dir);
	tm_vocab_free(rules->vocab);
	tm_strmap_free(rules->ids);
	free(rules->own_counts.packs);
	tm_arena_free(rules->arena);
	free(rules);
}
