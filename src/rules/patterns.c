/* Guards Lua's pattern functions. The instruction hook that stops an
 * endless rule never fires inside a C function, and Lua's matcher
 * backtracks: string.find(s, ".-x") on a megabyte without an x runs for
 * hours. So before a match the guard estimates the worst case from the
 * pattern's repetitions and the subject's length, and refuses a match that
 * could not finish in time, with an error that says why. */
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <string.h>

#include "rules/patterns.h"

#include <stdbool.h>

/* About a second of matching on this kind of machine. */
#define WORST_CASE_STEPS 1e9

/* Counts the repetition operators (*, +, -) that can backtrack, and %b,
 * which scans the rest of the subject: those outside sets and not escaped
 * by '%'. Each '?' doubles the work instead; they go to *optional. */
static int repetitions(const char *pattern, size_t len, int *optional)
{
	int count = 0;
	*optional = 0;
	for (size_t i = 0; i < len; i++) {
		char c = pattern[i];
		if (c == '%') {
			if (i + 1 < len && pattern[i + 1] == 'b') {
				count++;
				i += 2; /* the two delimiters */
			}
			i++;
		} else if (c == '?' && i > 0) {
			(*optional)++;
		} else if (c == '[') {
			i++;
			if (i < len && pattern[i] == '^')
				i++;
			if (i < len && pattern[i] == ']')
				i++;
			while (i < len && pattern[i] != ']') {
				if (pattern[i] == '%')
					i++;
				i++;
			}
		} else if ((c == '*' || c == '+' || c == '-') && i > 0) {
			count++;
		}
	}
	return count;
}

static int guarded(lua_State *L, bool may_anchor, bool has_plain)
{
	size_t subject_len, pattern_len;
	luaL_checklstring(L, 1, &subject_len);
	const char *pattern = luaL_checklstring(L, 2, &pattern_len);
	bool plain = has_plain && lua_toboolean(L, 4);
	if (!plain) {
		int optional;
		int exponent = repetitions(pattern, pattern_len, &optional);
		if (!(may_anchor && pattern_len && pattern[0] == '^'))
			exponent++;
		if (exponent + optional >= 2 &&
		    pow((double)subject_len + 1, exponent) * pow(2.0, optional) > WORST_CASE_STEPS)
			return luaL_error(
			    L,
			    "pattern '%s' may take too long on a subject of %d bytes: "
			    "use fewer repetitions (*, +, -), anchor it with '^', or match a shorter string",
			    pattern, (int)subject_len);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static int guarded_find(lua_State *L)
{
	return guarded(L, true, true);
}
static int guarded_match(lua_State *L)
{
	return guarded(L, true, false);
}
static int guarded_gmatch(lua_State *L)
{
	return guarded(L, false, false);
}
static int guarded_gsub(lua_State *L)
{
	return guarded(L, true, false);
}

void tm_rules_guard_patterns(lua_State *L)
{
	static const luaL_Reg guards[] = {{"find", guarded_find},
	                                  {"match", guarded_match},
	                                  {"gmatch", guarded_gmatch},
	                                  {"gsub", guarded_gsub}};
	lua_getglobal(L, "string");
	for (size_t i = 0; i < sizeof guards / sizeof guards[0]; i++) {
		lua_getfield(L, -1, guards[i].name);
		lua_pushcclosure(L, guards[i].func, 1);
		lua_setfield(L, -2, guards[i].name);
	}
	lua_pop(L, 1);
}
