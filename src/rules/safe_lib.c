/* The library replacements that keep a pack's C calls bounded: the hook
 * never fires inside a C function, so the library functions whose work
 * a pack's arguments choose are guarded or replaced (string.rep and the
 * table functions, print, rawset, setmetatable, collectgarbage), and
 * compiling (a pack file, a module, load()) is bounded in size and meets
 * the run's deadline. patterns.c guards the string functions that match
 * patterns. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "rules/engine.h"

/* ---- C loops ----
 * The hook never fires inside a C function, and some library functions
 * loop as often as their arguments say without allocating anything the
 * memory cap would see: string.rep("", 2^60), table.move({}, 1, 2^60, 1),
 * table.concat, insert or sort over a table whose __len says 2^60. These
 * wrappers refuse such counts before the loop starts (MAX_C_LOOP, and the
 * other bounds in limits.h). */

/* Calls the wrapped function (upvalue 1) with the arguments as they are. */
static int call_wrapped(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static int loop_error(lua_State *L, const char *name)
{
	return luaL_error(L, "%s: more than %d items in one call", name, (int)MAX_C_LOOP);
}

/* string.rep of an empty string (and separator) copies nothing n times;
 * a longer result than MAX_STRING_BYTES is refused before it is built. */
static int guarded_rep(lua_State *L)
{
	size_t len, sep_len;
	luaL_checklstring(L, 1, &len);
	lua_Integer n = luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &sep_len);
	if (n > 0 && len == 0 && sep_len == 0) {
		lua_pushliteral(L, "");
		return 1;
	}
	if (n > 0 && (double)len * (double)n + (double)sep_len * (double)(n - 1) > (double)MAX_STRING_BYTES)
		return luaL_error(L, "string.rep: the result would be longer than %d MB",
		                  (int)(MAX_STRING_BYTES >> 20));
	return call_wrapped(L);
}

/* table.move(a1, f, e, t [, a2]) copies e - f + 1 items. */
static int guarded_move(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
	if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= MAX_C_LOOP)
		return loop_error(L, "table.move");
	return call_wrapped(L);
}

/* The length a table function would loop over when the table's __len
 * chooses it (a plain table's border is bounded by its size); -1 when
 * there is no __len. Calls __len once more than the library does. */
static lua_Integer chosen_length(lua_State *L)
{
	if (lua_type(L, 1) != LUA_TTABLE || luaL_getmetafield(L, 1, "__len") == LUA_TNIL)
		return -1;
	lua_pop(L, 1);
	return luaL_len(L, 1);
}

/* table.concat(list, sep, i, j) visits i..j; j defaults to #list. */
static int guarded_concat(lua_State *L)
{
	lua_Integer i = luaL_optinteger(L, 3, 1);
	lua_Integer j = lua_isnoneornil(L, 4) ? chosen_length(L) : luaL_checkinteger(L, 4);
	if (j >= i && (lua_Unsigned)j - (lua_Unsigned)i >= MAX_C_LOOP)
		return loop_error(L, "table.concat");
	return call_wrapped(L);
}

/* table.insert and table.remove shift up to #list items. */
static int guarded_shift(lua_State *L)
{
	if ((lua_Unsigned)chosen_length(L) + 1u > MAX_C_LOOP)
		return loop_error(L, "table.insert/table.remove");
	return call_wrapped(L);
}

/* table.sort reads and writes through __index and __newindex, which may be
 * C functions the hook never sees (rawlen, rawequal), as often as __len
 * says: a table with those metamethods is refused, and so is a list
 * longer than MAX_SORT_ITEMS. An order function written in Lua runs under
 * the budgets like any other code. */
static int guarded_sort(lua_State *L)
{
	/* Other values go to Lua's sort as they are: it refuses them, or,
	 * for the engine's read-only lists, fails at its first write. */
	if (lua_type(L, 1) != LUA_TTABLE)
		return call_wrapped(L);
	static const char *const through[] = {"__index", "__newindex", "__len"};
	for (size_t i = 0; i < sizeof through / sizeof *through; i++) {
		if (luaL_getmetafield(L, 1, through[i]) != LUA_TNIL)
			return luaL_error(L, "table.sort: cannot sort a table with a %s metamethod",
			                  through[i]);
	}
	if (lua_rawlen(L, 1) > MAX_SORT_ITEMS)
		return luaL_error(L, "table.sort: more than %d items", (int)MAX_SORT_ITEMS);
	return call_wrapped(L);
}

void tm_rules_guard_loops(lua_State *L)
{
	static const struct {
		const char *library, *name;
		lua_CFunction guard;
	} guards[] = {{LUA_STRLIBNAME, "rep", guarded_rep},       {LUA_TABLIBNAME, "move", guarded_move},
	              {LUA_TABLIBNAME, "concat", guarded_concat}, {LUA_TABLIBNAME, "insert", guarded_shift},
	              {LUA_TABLIBNAME, "remove", guarded_shift},  {LUA_TABLIBNAME, "sort", guarded_sort}};
	for (size_t i = 0; i < sizeof guards / sizeof guards[0]; i++) {
		lua_getglobal(L, guards[i].library);
		lua_getfield(L, -1, guards[i].name);
		lua_pushcclosure(L, guards[i].guard, 1);
		lua_setfield(L, -2, guards[i].name);
		lua_pop(L, 1);
	}
}

/* A pack's text for stderr, line by line: no line can drive the terminal
 * (controls, bidirectional overrides and invalid UTF-8 become U+FFFD; tabs
 * and newlines stay) or start a CI workflow command. */
static void print_sanitized(tm_buf *out, const char *text, size_t len)
{
	for (size_t start = 0; start < len;) {
		const char *newline = memchr(text + start, '\n', len - start);
		size_t end = newline ? (size_t)(newline - text) : len;
		tm_utf8_sanitize(out, text + start, end - start, true, true);
		if (newline)
			tm_buf_putc(out, '\n');
		start = end + 1;
	}
}

/* print writes to stderr: stdout carries reports. A line goes out in one
 * write, so two engines' lines do not mix; a helper engine loading the
 * packs again says nothing (the first engine's load said it). An engine
 * writes at most MAX_PRINT_BYTES: a line that would go past them ends the
 * output with a note, and later calls say nothing. */
static int sandbox_print(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	int n = lua_gettop(L);
	luaL_Buffer line;
	luaL_buffinit(L, &line);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&line, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&line);
	}
	luaL_addchar(&line, '\n');
	luaL_pushresult(&line);
	if (rules->quiet || rules->print_bytes > MAX_PRINT_BYTES)
		return 0;
	size_t len;
	const char *text = lua_tolstring(L, -1, &len);
	if (len > MAX_PRINT_BYTES - rules->print_bytes) {
		rules->print_bytes = MAX_PRINT_BYTES + 1;
		fprintf(stderr, "(print: the packs' output stops here, at %d KB)\n",
		        (int)(MAX_PRINT_BYTES >> 10));
		fflush(stderr);
		return 0;
	}
	rules->print_bytes += len;
	tm_buf shown = TM_BUF_INIT;
	print_sanitized(&shown, text, len);
	fwrite(shown.data, 1, shown.len, stderr);
	fflush(stderr);
	tm_buf_free(&shown);
	return 0;
}

/* rawset would write into a read-only proxy behind its __newindex. */
static int sandbox_rawset(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checkany(L, 2);
	luaL_checkany(L, 3);
	if (tm_rules_is_readonly(L, 1))
		return luaL_error(L, "attempt to modify a read-only table");
	lua_settop(L, 3);
	lua_rawset(L, 1);
	return 1;
}

/* setmetatable as Lua's (lbaselib.c), but refusing __gc: Lua runs
 * finalizers with hooks off, so no budget could stop one that loops (in a
 * collection during a run, or at the end). Lua marks an object for
 * finalization only if its metatable has __gc when it is set, so a __gc
 * added later never runs. */
static int sandbox_setmetatable(lua_State *L)
{
	int t = lua_type(L, 2);
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
	if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
		return luaL_error(L, "cannot change a protected metatable");
	lua_settop(L, 2);
	if (t == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L,
			                  "rule packs cannot set __gc (finalizers run outside the budgets)");
		lua_pop(L, 1);
	}
	lua_setmetatable(L, 1);
	return 1;
}

/* collectgarbage without "stop" and the mode switches, which would change
 * the collector for every pack. */
static int sandbox_collectgarbage(lua_State *L)
{
	static const char *const options[] = {"collect", "count", "step", "isrunning", NULL};
	int option = luaL_checkoption(L, 1, "collect", options);
	switch (option) {
	case 0:
		lua_gc(L, LUA_GCCOLLECT);
		lua_pushinteger(L, 0);
		return 1;
	case 1: {
		int kb = lua_gc(L, LUA_GCCOUNT), bytes = lua_gc(L, LUA_GCCOUNTB);
		lua_pushnumber(L, (lua_Number)kb + (lua_Number)bytes / 1024);
		return 1;
	}
	case 2: lua_pushboolean(L, lua_gc(L, LUA_GCSTEP, (int)luaL_optinteger(L, 2, 0))); return 1;
	default: lua_pushboolean(L, lua_gc(L, LUA_GCISRUNNING)); return 1;
	}
}

/* Puts the replacements of print, rawset, collectgarbage and
 * setmetatable in the globals table at `globals`. */
void tm_rules_safe_globals(lua_State *L, int globals)
{
	lua_pushcfunction(L, sandbox_print);
	lua_setfield(L, globals, "print");
	lua_pushcfunction(L, sandbox_rawset);
	lua_setfield(L, globals, "rawset");
	lua_pushcfunction(L, sandbox_collectgarbage);
	lua_setfield(L, globals, "collectgarbage");
	lua_pushcfunction(L, sandbox_setmetatable);
	lua_setfield(L, globals, "setmetatable");
}

/* ---- compiling ----
 * Lua's compiler runs inside one C call, and some texts take it time
 * that grows with the square of their length (a long elseif chain). The
 * text is bounded (MAX_SOURCE_BYTES) and handed to the compiler in small
 * pieces; between two pieces the reader checks the run's deadline, so
 * compiling stops in time like any other code. */
#define COMPILE_PIECE 4096

typedef struct compile_reader {
	tm_rules *rules;
	const char *text, *name;
	const char *caller; /* "pack.lua:4" of a load() call, or NULL */
	size_t len, given;
	int line; /* the line the last piece ended on, for the message */
} compile_reader;

static const char *read_piece(lua_State *L, void *data, size_t *size)
{
	compile_reader *reader = data;
	tm_rules *rules = reader->rules;
	if (rules->deadline && tm_clock_ns() > rules->deadline) {
		const char *what = rules->deadline_what ? rules->deadline_what : "";
		if (reader->caller)
			snprintf(rules->trip_msg, sizeof rules->trip_msg,
			         "%s: load: time limit exceeded while compiling %s (at its line %d) %s",
			         reader->caller, reader->name, reader->line, what);
		else
			snprintf(rules->trip_msg, sizeof rules->trip_msg,
			         "%s:%d: time limit exceeded while compiling %s", reader->name, reader->line,
			         what);
		tm_rules_trip(L, rules, true);
	}
	size_t rest = reader->len - reader->given;
	*size = rest < COMPILE_PIECE ? rest : COMPILE_PIECE;
	const char *piece = reader->text + reader->given;
	reader->given += *size;
	for (size_t i = 0; i < *size; i++)
		reader->line += piece[i] == '\n';
	return *size ? piece : NULL;
}

/* Compiles text as a chunk named chunkname ("@path" or "=name"); pushes
 * the function or an error message and returns a lua_load status. caller
 * is the place of the load() call that gave the text, or NULL. */
static int compile(tm_rules *rules, const char *text, size_t len, const char *chunkname, const char *caller)
{
	lua_State *L = rules->L;
	const char *shown = chunkname[0] == '@' || chunkname[0] == '=' ? chunkname + 1 : chunkname;
	if (len > MAX_SOURCE_BYTES) {
		lua_pushfstring(L, "%s: %d bytes of Lua text, more than the %d KB a chunk may have", shown,
		                (int)(len > INT_MAX ? INT_MAX : len), (int)(MAX_SOURCE_BYTES >> 10));
		return LUA_ERRSYNTAX;
	}
	/* Lua takes a leading byte 27 for a binary chunk; mode "t" refuses it. */
	compile_reader reader = {
	    .rules = rules, .text = text, .len = len, .name = shown, .caller = caller, .line = 1};
	int status = lua_load(L, read_piece, &reader, chunkname, "t");
	if (status != LUA_OK && rules->tripped) {
		lua_pop(L, 1);
		lua_pushstring(L, rules->trip_msg);
	}
	return status;
}

/* load(text [, name [, mode [, env]]]): text chunks only; without env the
 * chunk sees the _ENV of the pack that loads it. */
int tm_rules_sandbox_load(lua_State *L)
{
	if (lua_type(L, 1) != LUA_TSTRING)
		return luaL_error(L, "load: rule packs may only load strings of Lua text");
	size_t len;
	const char *text = lua_tolstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "=(load)");
	tm_rules *rules = tm_rules_of(L);
	char caller[300] = "?";
	lua_Debug ar;
	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
			snprintf(caller, sizeof caller, "%s:%d", tm_rules_chunk_name(&ar), ar.currentline);
			break;
		}
	}
	int status = compile(rules, text, len, name, caller);
	if (rules->tripped)
		return lua_error(L);
	if (status != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	if (!lua_isnone(L, 4))
		lua_pushvalue(L, 4);
	else
		lua_pushvalue(L, lua_upvalueindex(1));
	if (!lua_setupvalue(L, -2, 1))
		lua_pop(L, 1);
	return 1;
}

int tm_rules_load_file(tm_rules *rules, const char *path)
{
	lua_State *L = rules->L;
	FILE *file = fopen(path, "rb");
	if (!file) {
		lua_pushfstring(L, "%s: cannot read: %s", path, strerror(errno));
		return LUA_ERRFILE;
	}
	tm_buf text = TM_BUF_INIT;
	char chunk[65536];
	size_t got;
	bool too_big = false;
	while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
		if (text.len + got > MAX_SOURCE_BYTES) {
			too_big = true;
			break;
		}
		tm_buf_put(&text, chunk, got);
	}
	bool failed = ferror(file) != 0;
	fclose(file);
	int status;
	if (too_big) {
		lua_pushfstring(L, "%s: larger than the %d KB a pack or module file may have", path,
		                (int)(MAX_SOURCE_BYTES >> 10));
		status = LUA_ERRFILE;
	} else if (failed) {
		lua_pushfstring(L, "%s: cannot read: read error", path);
		status = LUA_ERRFILE;
	} else {
		size_t nlen = strlen(path);
		char *chunkname = tm_xmalloc(nlen + 2);
		chunkname[0] = '@';
		memcpy(chunkname + 1, path, nlen + 1);
		status = compile(rules, text.len ? text.data : "", text.len, chunkname, NULL);
		free(chunkname);
	}
	tm_buf_free(&text);
	return status;
}
