/* Guards Lua's pattern functions. The instruction hook that stops an
 * endless rule never fires inside a C function, and Lua's matcher can
 * take time far beyond the length of its subject: it tries every start
 * position, a set [...] is scanned for every character it is tested on,
 * a repetition backtracks over what it matched for each way the rest of
 * the pattern could go on, and a back-reference compares a whole capture.
 * So before a match the guard estimates the worst case from the pattern
 * and the subject's length, and refuses a match that could not finish in
 * time, with an error that says why. A find without pattern characters
 * (or with `plain`) needs no guess: it runs in linear time here. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <string.h>

#include "base/limits.h"
#include "rules/patterns.h"

#include <stdbool.h>

/* The end of the single-character class starting at p (after a %x, a
 * [set] or one character), as Lua's classEnd; the pattern is known to be
 * well formed only after a match, so a broken one just ends here. */
static size_t class_end(const char *p, size_t i, size_t len)
{
	if (p[i] == '%')
		return i + 2 <= len ? i + 2 : len;
	if (p[i] == '[') {
		i++;
		if (i < len && p[i] == '^')
			i++;
		do { /* the first ']' is a member */
			if (i >= len)
				return len;
			if (p[i] == '%')
				i++;
			i++;
		} while (i < len && p[i] != ']');
		return i < len ? i + 1 : len;
	}
	return i + 1;
}

/* The worst-case steps of matching p[from, len) once at one position
 * against a subject of n characters: an item costs its length to test (a
 * set is scanned), a repetition tries up to n lengths and the rest of the
 * pattern after each, '?' tries the rest twice, %b and a back-reference
 * scan up to n characters. Computed from the end of the pattern back. */
static double match_cost(const char *p, size_t from, size_t len, double n)
{
	if (from >= len)
		return 1;
	size_t i = from;
	double item;
	size_t next;
	if (p[i] == '(' || p[i] == ')') {
		next = i + 1 + (p[i] == '(' && i + 1 < len && p[i + 1] == ')');
		return 1 + match_cost(p, next, len, n);
	}
	if (p[i] == '$' && i + 1 == len)
		return 1;
	if (p[i] == '%' && i + 1 < len && p[i + 1] == 'b') {
		next = i + 4 <= len ? i + 4 : len;
		return n + match_cost(p, next, len, n);
	}
	if (p[i] == '%' && i + 1 < len && p[i + 1] == 'f') {
		next = i + 2 < len ? class_end(p, i + 2, len) : len;
		return (double)(next - i) + match_cost(p, next, len, n);
	}
	if (p[i] == '%' && i + 1 < len && p[i + 1] >= '0' && p[i + 1] <= '9')
		return n + match_cost(p, i + 2, len, n);
	next = class_end(p, i, len);
	item = (double)(next - i);
	double rest;
	switch (next < len ? p[next] : '\0') {
	case '*':
	case '+':
	case '-': rest = match_cost(p, next + 1, len, n); return n * (item + rest);
	case '?': rest = match_cost(p, next + 1, len, n); return item + 2 * rest;
	default: return item + match_cost(p, next, len, n);
	}
}

/* The worst case of one call: every start position unless anchored. The
 * recursion above goes one level per pattern item, so a pattern too long
 * for it is priced as long as it is, item by item, without recursion. */
static double call_cost(const char *pattern, size_t len, bool anchored, size_t subject_len)
{
	double n = (double)subject_len + 1;
	size_t from = anchored ? 1 : 0;
	double once;
	if (len > 400) {
		/* Long patterns: each character may be a repetition. */
		once = 1;
		size_t reps = 0, backrefs = 0;
		for (size_t i = from; i < len; i++) {
			char c = pattern[i];
			if (c == '%' && i + 1 < len) {
				backrefs +=
				    (pattern[i + 1] >= '0' && pattern[i + 1] <= '9') || pattern[i + 1] == 'b';
				i++;
			} else if (c == '*' || c == '+' || c == '-') {
				reps++;
			}
		}
		once = (double)len;
		for (size_t k = 0; k < reps + backrefs && once <= MAX_PATTERN_STEPS; k++)
			once *= n;
	} else {
		once = match_cost(pattern, from, len, n);
	}
	return anchored ? once : once * n;
}

static int guarded(lua_State *L, const char *name, bool may_anchor, bool has_plain)
{
	size_t subject_len, pattern_len;
	const char *subject = luaL_checklstring(L, 1, &subject_len);
	const char *pattern = luaL_checklstring(L, 2, &pattern_len);
	bool plain = has_plain && lua_toboolean(L, 4);
	if (has_plain && (plain || strpbrk(pattern, "^$*+?.([%-") == NULL) &&
	    strlen(pattern) == pattern_len) {
		/* string.find as Lua's str_find_aux, with a linear search. */
		lua_Integer init = luaL_optinteger(L, 3, 1);
		if (init < 0)
			init =
			    (lua_Integer)subject_len + init + 1 > 0 ? (lua_Integer)subject_len + init + 1 : 1;
		else if (init == 0)
			init = 1;
		if (init > (lua_Integer)subject_len + 1) {
			luaL_pushfail(L);
			return 1;
		}
		const char *at =
		    memmem(subject + init - 1, subject_len - (size_t)(init - 1), pattern, pattern_len);
		if (!at) {
			luaL_pushfail(L);
			return 1;
		}
		lua_pushinteger(L, (lua_Integer)(at - subject) + 1);
		lua_pushinteger(L, (lua_Integer)(at - subject) + (lua_Integer)pattern_len);
		return 2;
	}
	if (!plain) {
		bool anchored = may_anchor && pattern_len && pattern[0] == '^';
		double cost = call_cost(pattern, pattern_len, anchored, subject_len);
		if (cost > MAX_PATTERN_STEPS) {
			char message[300];
			snprintf(message, sizeof message,
			         "%s: pattern too costly for a %zu-character subject (up to %.2g steps, more "
			         "than %.2g): anchor it with '^', use fewer repetitions, sets or "
			         "back-references, or match a shorter string",
			         name, subject_len, cost, MAX_PATTERN_STEPS);
			return luaL_error(L, "%s", message);
		}
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static int guarded_find(lua_State *L)
{
	return guarded(L, "string.find", true, true);
}
static int guarded_match(lua_State *L)
{
	return guarded(L, "string.match", true, false);
}
static int guarded_gmatch(lua_State *L)
{
	return guarded(L, "string.gmatch", false, false);
}
static int guarded_gsub(lua_State *L)
{
	return guarded(L, "string.gsub", true, false);
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
