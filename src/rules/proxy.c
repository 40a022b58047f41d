/* Read-only proxies: an empty table whose metatable reads through to the
 * data table and refuses writes, so packs see the model and each other's
 * shared modules without being able to change them; and the shared
 * metatables of the read-only userdata (views, lists, finding views). */
#include <lauxlib.h>

#include "rules/views.h"

int tm_rules_readonly_newindex(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TSTRING)
		return luaL_error(L, "attempt to modify a read-only table (field '%s')", lua_tostring(L, 2));
	return luaL_error(L, "attempt to modify a read-only table");
}

void tm_rules_push_readonly_data(lua_State *L, int idx)
{
	if (!lua_getmetatable(L, idx)) {
		lua_newtable(L);
		return;
	}
	lua_pushliteral(L, "__index");
	lua_rawget(L, -2);
	lua_remove(L, -2);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		lua_newtable(L);
	}
}

static int ro_len(lua_State *L)
{
	tm_rules_push_readonly_data(L, 1);
	lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
	return 1;
}

/* pairs over a read-only proxy: its data table's entries. */
static int ro_next(lua_State *L)
{
	tm_rules_push_readonly_data(L, 1);
	lua_pushvalue(L, 2);
	if (lua_next(L, -2))
		return 2;
	lua_pushnil(L);
	return 1;
}

static int ro_pairs(lua_State *L)
{
	lua_pushcfunction(L, ro_next);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

/* Pushes an empty proxy whose metatable reads through to the table at
 * `data` (an absolute index) and refuses writes and a new metatable;
 * with_len adds __len, which only a table with an array part needs. */
static void push_proxy(lua_State *L, int data, bool with_len)
{
	lua_createtable(L, 0, 0);
	lua_createtable(L, 0, with_len ? 5 : 4);
	lua_pushvalue(L, data);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, tm_rules_readonly_newindex);
	lua_setfield(L, -2, "__newindex");
	if (with_len) {
		lua_pushcfunction(L, ro_len);
		lua_setfield(L, -2, "__len");
	}
	lua_pushcfunction(L, ro_pairs);
	lua_setfield(L, -2, "__pairs");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
}

void tm_rules_readonly(lua_State *L, int idx)
{
	push_proxy(L, lua_absindex(L, idx), true);
}

bool tm_rules_is_readonly(lua_State *L, int idx)
{
	if (!lua_getmetatable(L, idx))
		return false;
	lua_pushliteral(L, "__newindex");
	lua_rawget(L, -2);
	bool readonly = lua_tocfunction(L, -1) == tm_rules_readonly_newindex;
	lua_pop(L, 2);
	return readonly;
}

/* tm_rules_seal for a table without an array part (an element view's data, an
 * attribute block): # of the empty proxy is already its 0, so the
 * metatable needs no __len and fits four slots instead of eight; there are
 * hundreds of thousands of these. */
void tm_rules_seal_hash(lua_State *L)
{
	push_proxy(L, lua_absindex(L, -1), false);
	lua_remove(L, -2);
}

/* The shared metatable of a kind of read-only userdata (view lists,
 * finding views): its methods, an optional __name for messages, and
 * __metatable false so packs cannot reach it. */
void tm_rules_push_userdata_mt(lua_State *L, const luaL_Reg *methods, const char *name)
{
	lua_createtable(L, 0, 6);
	luaL_setfuncs(L, methods, 0);
	if (name) {
		lua_pushstring(L, name);
		lua_setfield(L, -2, "__name");
	}
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
}
