/* The sandbox packs run in: a lua_State with a memory cap, an instruction
 * and time budget that pcall cannot swallow (Redis script_lua.c), a reduced
 * standard library, read-only shared tables, and `load`/`require` that take
 * only text chunks from the pack search path. This file opens it and
 * closes it; heap.c is its memory, budget.c its
 * budgets, safe_lib.c the library functions it replaces, require.c its
 * search path. */
#include <lauxlib.h>
#include <lualib.h>

#include "rules/engine.h"
#include "rules/patterns.h"

tm_rules *tm_rules_of(lua_State *L)
{
	return *(tm_rules **)lua_getextraspace(L);
}

void tm_rules_sandbox_close(tm_rules *rules)
{
	/* No pack object has a finalizer (safe_lib.c), so nothing
	 * needs lua_close's walk over every object: the heap goes whole. */
	rules->L = NULL;
	tm_rules_heap_drop(&rules->heap);
	rules->mem_used = 0;
}

/* Replaces the library table `name` in the shared globals by a read-only
 * proxy of it, so no pack changes `string` for the others. */
static void share_readonly(lua_State *L, int globals, const char *name)
{
	lua_getfield(L, globals, name);
	tm_rules_readonly(L, -1);
	lua_setfield(L, globals, name);
	lua_pop(L, 1);
}

bool tm_rules_sandbox_open(tm_rules *rules)
{
	tm_rules_heap_init(&rules->heap);
	lua_State *L = lua_newstate(tm_rules_alloc, rules);
	if (!L) {
		tm_rules_heap_drop(&rules->heap);
		return false;
	}
	rules->L = L;
	*(tm_rules **)lua_getextraspace(L) = rules;

	static const luaL_Reg opened[] = {{LUA_GNAME, luaopen_base},
	                                  {LUA_STRLIBNAME, luaopen_string},
	                                  {LUA_TABLIBNAME, luaopen_table},
	                                  {LUA_MATHLIBNAME, luaopen_math},
	                                  {LUA_UTF8LIBNAME, luaopen_utf8}};
	for (size_t i = 0; i < sizeof opened / sizeof *opened; i++) {
		luaL_requiref(L, opened[i].name, opened[i].func, 1);
		lua_pop(L, 1);
	}
	tm_rules_guard_patterns(L);
	tm_rules_guard_loops(L);
	luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
	int os = lua_gettop(L);
	lua_pushglobaltable(L);
	int globals = lua_gettop(L);

	/* os: only the clock and the calendar. */
	lua_createtable(L, 0, 3);
	static const char *const os_kept[] = {"time", "date", "clock"};
	for (size_t i = 0; i < 3; i++) {
		lua_getfield(L, os, os_kept[i]);
		lua_setfield(L, -2, os_kept[i]);
	}
	lua_setfield(L, globals, "os");

	static const char *const removed[] = {"dofile", "loadfile", "load", "require", "_G"};
	for (size_t i = 0; i < sizeof removed / sizeof *removed; i++) {
		lua_pushnil(L);
		lua_setfield(L, globals, removed[i]);
	}
	tm_rules_safe_globals(L, globals);

	static const char *const libraries[] = {"string", "table", "math", "utf8", "os"};
	for (size_t i = 0; i < sizeof libraries / sizeof *libraries; i++)
		share_readonly(L, globals, libraries[i]);

	/* ("").x reaches the real string table through the string metatable:
	 * hide that metatable from getmetatable. */
	lua_pushliteral(L, "");
	if (lua_getmetatable(L, -1)) {
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, "__metatable");
		lua_pop(L, 1);
	}
	lua_pop(L, 1);

	tm_rules_require_open(L);

	lua_pushvalue(L, globals);
	rules->shared = luaL_ref(L, LUA_REGISTRYINDEX);
	/* A chunk that somehow gets the registry's globals gets them
	 * read-only. */
	tm_rules_readonly(L, globals);
	lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
	lua_pop(L, 2);
	tm_rules_views_open(rules);

	tm_rules_budget_open(rules);
	/* Incremental: views live for the whole run, and a generational
	 * collector keeps re-marking them. A pause of 250 (a cycle when the
	 * heap has grown two and a half times) trades a little CPU for a
	 * lower peak with two engines (doc/architecture.md, round 6). */
	lua_gc(L, LUA_GCINC, 250, 200, 0);
	return true;
}
