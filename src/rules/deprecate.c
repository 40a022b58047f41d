/* Deprecated forms of the pack API (doc/rules.md, "Deprecated forms"):
 * each is reported once per pack file and form, as a warning at the line
 * of the pack that used it, even when a module such as threatlib is what
 * noticed. The global `model` is one of them: it is no longer a global
 * packs read through their _ENV, but answered, with the warning, by the
 * shared globals' __index when a pack asks for it during a run.
 *
 * Warnings found while rules run wait in the engine until the run ends.
 * A run shared among engines (parallel.c) notes each form's first use in
 * every chunk, since an engine may run its chunks from the back; the
 * warnings are then reported in chunk order, each form once, so the
 * output is the one a single engine gives whatever the engines' timing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "base/limits.h"
#include "base/strmap.h"
#include "base/xalloc.h"
#include "rules/engine.h"

/* Whether a chunk's source ("@path") is one of the loaded packs' files. */
static bool is_pack_source(const tm_rules *rules, const char *source)
{
	if (!source || source[0] != '@')
		return false;
	for (size_t i = 0; i < rules->npacks; i++)
		if (strcmp(rules->packs[i].path, source + 1) == 0)
			return true;
	return false;
}

/* Where a deprecated form used at stack level `level` is reported: the
 * first Lua frame from there up that is a pack's (a module's helper is
 * reported where the pack called it); without one, the first Lua frame.
 * *user_* is that first Lua frame. False when there is no Lua frame. */
static bool find_place(lua_State *L, int level, char file[256], int *line, char user_file[256],
                       int *user_line)
{
	lua_Debug ar;
	bool have_user = false;
	/* A pack's frame is a few calls up; a deep recursion is not walked. */
	for (int at = level; at < level + DEPRECATION_SEARCH_FRAMES && lua_getstack(L, at, &ar); at++) {
		if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
			continue;
		if (!have_user) {
			snprintf(user_file, 256, "%s", tm_rules_chunk_name(&ar));
			*user_line = ar.currentline;
			have_user = true;
		}
		if (is_pack_source(tm_rules_of(L), ar.source)) {
			snprintf(file, 256, "%s", tm_rules_chunk_name(&ar));
			*line = ar.currentline;
			return true;
		}
	}
	if (!have_user)
		return false;
	memcpy(file, user_file, 256);
	*line = *user_line;
	return true;
}

/* Marks form `key` met at `order` on this engine (arena copies); false
 * when it was, or when the engine has met MAX_DEPRECATIONS other forms
 * already (then only noted): the cap counts forms, not the chunks they
 * are met in. */
static bool first_time(tm_rules *rules, const char *key, size_t order)
{
	if (!rules->deprecations_seen) {
		rules->deprecations_seen = tm_strmap_new(16);
		rules->deprecation_forms = tm_strmap_new(16);
	}
	tm_buf at = TM_BUF_INIT;
	tm_buf_printf(&at, "%s\n%zu", key, order);
	bool fresh = tm_strmap_get(rules->deprecations_seen, tm_buf_str(&at)) == NULL;
	bool known = tm_strmap_get(rules->deprecation_forms, key) != NULL;
	if (fresh && !known && rules->ndeprecations_seen >= MAX_DEPRECATIONS) {
		rules->deprecations_dropped = true;
		fresh = false;
	}
	if (fresh) {
		tm_strmap_add(rules->deprecations_seen, tm_arena_strdup(rules->arena, tm_buf_str(&at)),
		              rules);
		if (!known) {
			tm_strmap_add(rules->deprecation_forms, tm_arena_strdup(rules->arena, key), rules);
			rules->ndeprecations_seen++;
		}
	}
	tm_buf_free(&at);
	return fresh;
}

static void add_pending(tm_rules *rules, const char *key, const char *message, size_t order)
{
	deprecation d = {.key = tm_arena_strdup(rules->arena, key),
	                 .message = tm_arena_strdup(rules->arena, message),
	                 .order = order};
	TM_VEC_PUSH(rules->deprecations, rules->ndeprecations, rules->capdeprecations, d);
}

void tm_rules_deprecated(lua_State *L, int level, const char *what, const char *instead)
{
	tm_rules *rules = tm_rules_of(L);
	char file[256], user_file[256];
	int line = 0, user_line = 0;
	if (!find_place(L, level, file, &line, user_file, &user_line) &&
	    !(level > 1 && find_place(L, 1, file, &line, user_file, &user_line)))
		return;
	tm_buf key = TM_BUF_INIT;
	tm_buf_printf(&key, "%.*s\n%s", tm_rules_kept_length(what), what, file);
	if (first_time(rules, tm_buf_str(&key), rules->deprecation_order)) {
		tm_buf message = TM_BUF_INIT;
		tm_buf_printf(&message, "%s:%d: %.*s is deprecated: %.*s", file, line,
		              tm_rules_kept_length(what), what, tm_rules_kept_length(instead), instead);
		if (strcmp(file, user_file) != 0 || line != user_line)
			tm_buf_printf(&message, " (used in %s:%d, reached from here)", user_file, user_line);
		add_pending(rules, tm_buf_str(&key), tm_buf_str(&message), rules->deprecation_order);
		tm_buf_free(&message);
	}
	tm_buf_free(&key);
}

void tm_rules_report_deprecations(tm_rules *rules, tm_diags *diags)
{
	/* In the order of the run (an insertion sort, stable: each engine
	 * noted a chunk's forms in the order it met them), each form once. */
	deprecation *d = rules->deprecations;
	for (size_t i = 1; i < rules->ndeprecations; i++) {
		deprecation x = d[i];
		size_t j = i;
		for (; j > 0 && d[j - 1].order > x.order; j--)
			d[j] = d[j - 1];
		d[j] = x;
	}
	if (!rules->deprecations_reported)
		rules->deprecations_reported = tm_strmap_new(16);
	for (size_t i = 0; diags && i < rules->ndeprecations; i++)
		if (!tm_strmap_add(rules->deprecations_reported, d[i].key, rules))
			tm_diag_warning(diags, no_span(), "%s", d[i].message);
	rules->ndeprecations = 0;
	if (diags && rules->deprecations_dropped)
		tm_diag_warning(diags, no_span(),
		                "more deprecated forms are used than shown (at most %d a run)",
		                MAX_DEPRECATIONS);
	rules->deprecations_dropped = false;
}

void tm_rules_take_deprecations(tm_rules *rules, tm_rules *helper)
{
	for (size_t i = 0; i < helper->ndeprecations; i++)
		add_pending(rules, helper->deprecations[i].key, helper->deprecations[i].message,
		            helper->deprecations[i].order);
	rules->deprecations_dropped = rules->deprecations_dropped || helper->deprecations_dropped;
	helper->ndeprecations = 0;
}

void tm_rules_free_deprecations(tm_rules *rules)
{
	tm_strmap_free(rules->deprecations_seen);
	tm_strmap_free(rules->deprecation_forms);
	tm_strmap_free(rules->deprecations_reported);
	free(rules->deprecations);
}

/* deprecated(what, instead): a module's (or pack's) own deprecated form,
 * used where the function calling deprecated() was called (level 2), and
 * reported once per pack at the pack's line that reached it. */
static int lua_deprecated(lua_State *L)
{
	const char *what = luaL_checkstring(L, 1);
	const char *instead = luaL_checkstring(L, 2);
	tm_rules_deprecated(L, 2, what, instead);
	return 0;
}

/* __index of the shared globals, for names no global holds: `model`
 * during a run is the model view, deprecated. */
static int missing_global(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	size_t len;
	const char *name = lua_tolstring(L, 2, &len);
	if (!rules->model_global || !name || len != 5 || memcmp(name, "model", 5) != 0)
		return 0;
	tm_rules_deprecated(L, 1, "the global `model`",
	                    "take the model view as the argument, `when = function(v, model)` (likelihood "
	                    "and impact likewise)");
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->model_view);
	return 1;
}

void tm_rules_open_deprecations(tm_rules *rules)
{
	lua_State *L = rules->L;
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->shared);
	lua_pushcfunction(L, lua_deprecated);
	lua_setfield(L, -2, "deprecated");
	lua_createtable(L, 0, 2);
	lua_pushcfunction(L, missing_global);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_pop(L, 1);
}
