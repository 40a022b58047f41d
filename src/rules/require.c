/* The pack search path and `require`: where a pack or module named by
 * `use` or `require` is found (beside the model, THREAT_PATH, the
 * built-in packs), paths as messages show them, each unit's _ENV, and
 * modules run once per engine and handed out read-only. */
/* realpath is XSI. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "rules/engine.h"

char *tm_rules_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return tm_xstrdup(".");
	if (slash == path)
		return tm_xstrdup("/");
	return tm_xstrndup(path, (size_t)(slash - path));
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Lexically cleaned: no "." segments, "a/.." folded, no doubled slashes. */
static char *clean_path(const char *path)
{
	size_t len = strlen(path);
	char *out = tm_xmalloc(len + 2);
	size_t olen = 0;
	bool absolute = path[0] == '/';
	if (absolute)
		out[olen++] = '/';
	size_t keep = olen; /* ".." cannot fold below this */
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *start = p;
		while (*p && *p != '/')
			p++;
		size_t seg = (size_t)(p - start);
		if (seg == 0 || (seg == 1 && start[0] == '.'))
			continue;
		if (seg == 2 && start[0] == '.' && start[1] == '.' && olen > keep) {
			size_t cut = olen;
			while (cut > keep && out[cut - 1] != '/')
				cut--;
			if (!(olen - cut == 2 && out[cut] == '.' && out[cut + 1] == '.')) {
				olen = cut > keep ? cut - 1 : cut;
				continue;
			}
		}
		if (olen > keep)
			out[olen++] = '/';
		memcpy(out + olen, start, seg);
		olen += seg;
	}
	if (olen == 0)
		out[olen++] = '.';
	out[olen] = '\0';
	return out;
}

/* The path as messages show it: relative paths stay relative (cleaned);
 * absolute ones below the current folder become relative to it. */
char *tm_rules_shown_path(const char *path)
{
	if (path[0] != '/')
		return clean_path(path);
	char *real = realpath(path, NULL);
	char cwd[PATH_MAX];
	if (real && getcwd(cwd, sizeof cwd)) {
		size_t n = strlen(cwd);
		if (strncmp(real, cwd, n) == 0 && real[n] == '/' && n > 1) {
			char *rel = tm_xstrdup(real + n + 1);
			free(real);
			return rel;
		}
	}
	if (real)
		return real;
	return clean_path(path);
}

static char *join_path(const char *dir, const char *name)
{
	if (name[0] == '/' || !dir || !*dir || strcmp(dir, ".") == 0)
		return tm_xstrdup(name);
	size_t dl = strlen(dir), nl = strlen(name);
	char *out = tm_xmalloc(dl + nl + 2);
	memcpy(out, dir, dl);
	size_t at = dl;
	if (dir[dl - 1] != '/')
		out[at++] = '/';
	memcpy(out + at, name, nl + 1);
	return out;
}

static bool ends_with(const char *text, const char *suffix)
{
	size_t a = strlen(text), b = strlen(suffix);
	return a >= b && strcmp(text + a - b, suffix) == 0;
}

/* Tries one candidate; on success returns its shown path (malloc). */
static char *try_candidate(const char *dir, const char *file, tm_buf *tried)
{
	char *candidate = join_path(dir, file);
	if (is_file(candidate)) {
		char *shown = tm_rules_shown_path(candidate);
		free(candidate);
		return shown;
	}
	if (tried) {
		if (tried->len)
			tm_buf_puts(tried, ", ");
		tm_buf_puts(tried, candidate);
	}
	free(candidate);
	return NULL;
}

char *tm_rules_search(tm_rules *rules, const char *name, const char *rel_dir, const char *first,
                      const char *base, tm_buf *tried)
{
	if (!name || !*name)
		return NULL;
	if (strchr(name, '/') || ends_with(name, ".lua"))
		return try_candidate(rel_dir, name, tried);
	size_t len = strlen(name);
	char *file = tm_xmalloc(len + 5);
	memcpy(file, name, len);
	memcpy(file + len, ".lua", 5);
	char *found = NULL;
	if (first)
		found = try_candidate(first, file, tried);
	if (!found && base && !(first && strcmp(first, base) == 0))
		found = try_candidate(base, file, tried);
	for (size_t i = 0; !found && i < rules->npath_dirs; i++)
		found = try_candidate(rules->path_dirs[i], file, tried);
	if (!found && rules->stdlib_dir)
		found = try_candidate(rules->stdlib_dir, file, tried);
	free(file);
	return found;
}

/* A module's value is shared by every pack that requires it, so a table
 * is handed out read-only: one pack cannot change what the others call
 * (T.secure_transport = ... would erase their findings). The module's
 * own code keeps the table it built and may still fill in its caches; the
 * plain tables in it (T.WEB_TECH) become read-only proxies too. */
static void freeze_module(lua_State *L)
{
	if (lua_type(L, -1) != LUA_TTABLE || tm_rules_is_readonly(L, -1))
		return;
	int module = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, module)) {
		bool plain_table = lua_type(L, -1) == LUA_TTABLE && !lua_getmetatable(L, -1);
		if (plain_table) {
			tm_rules_readonly(L, -1);
			lua_pushvalue(L, -3);
			lua_insert(L, -2);
			lua_rawset(L, module); /* an existing key: allowed while traversing */
		} else if (lua_type(L, -1) == LUA_TTABLE) {
			lua_pop(L, 1); /* its metatable */
		}
		lua_pop(L, 1);
	}
	tm_rules_readonly(L, module);
	lua_replace(L, module);
}

/* require(name): name.lua from the pack search path (never a C module),
 * run once per engine; its value is cached by path. */
static char loaded_key, resolved_key, loading_sentinel;

static int sandbox_require(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	const char *name = luaL_checkstring(L, 1);
	size_t unit_index = (size_t)lua_tointeger(L, lua_upvalueindex(1));
	const unit *from = &rules->units[unit_index];

	/* name as seen from this folder -> shown path, so repeated calls
	 * cost a table lookup rather than a file search. */
	lua_rawgetp(L, LUA_REGISTRYINDEX, &resolved_key);
	lua_pushfstring(L, "%s\n%s\n%s", from->dir, from->base ? from->base : "", name);
	lua_pushvalue(L, -1);
	lua_rawget(L, -3);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		tm_buf tried = TM_BUF_INIT;
		/* A bare name is looked for beside the requiring file first. */
		char *found = tm_rules_search(rules, name, from->dir, from->dir, from->base, &tried);
		if (!found) {
			char where[512];
			snprintf(where, sizeof where, "%s", tm_buf_str(&tried));
			tm_buf_free(&tried);
			return luaL_error(L, "module '%s' not found (looked for %s)", name, where);
		}
		tm_buf_free(&tried);
		char *shown = tm_arena_strdup(rules->arena, found);
		free(found);
		lua_pushstring(L, shown);
		lua_pushvalue(L, -1);
		lua_insert(L, -3);
		lua_rawset(L, -4);
	}
	const char *path = lua_tostring(L, -1);
	int path_index = lua_gettop(L);

	lua_rawgetp(L, LUA_REGISTRYINDEX, &loaded_key);
	int loaded = lua_gettop(L);
	lua_pushvalue(L, path_index);
	lua_rawget(L, loaded);
	if (lua_touserdata(L, -1) == &loading_sentinel)
		return luaL_error(L, "require loop: '%s' requires itself", name);
	if (!lua_isnil(L, -1))
		return 1;
	lua_pop(L, 1);

	if (tm_rules_load_file(rules, path) != LUA_OK)
		return lua_error(L);
	unit module = {.base = from->base, .pack = from->pack};
	char *dir = tm_rules_dirname(path);
	module.dir = tm_arena_strdup(rules->arena, dir);
	free(dir);
	TM_VEC_PUSH(rules->units, rules->nunits, rules->capunits, module);
	tm_rules_new_env(rules, rules->nunits - 1);
	if (!lua_setupvalue(L, -2, 1))
		lua_pop(L, 1);

	lua_pushvalue(L, path_index);
	lua_pushlightuserdata(L, &loading_sentinel);
	lua_rawset(L, loaded);
	lua_pushstring(L, name);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		lua_pushvalue(L, path_index);
		lua_pushnil(L);
		lua_rawset(L, loaded);
		return lua_error(L);
	}
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	freeze_module(L);
	lua_pushvalue(L, path_index);
	lua_pushvalue(L, -2);
	lua_rawset(L, loaded);
	return 1;
}

void tm_rules_new_env(tm_rules *rules, size_t unit_index)
{
	lua_State *L = rules->L;
	lua_createtable(L, 0, 4);
	int env = lua_gettop(L);
	lua_pushvalue(L, env);
	lua_setfield(L, env, "_G");
	lua_pushvalue(L, env);
	lua_pushcclosure(L, tm_rules_sandbox_load, 1);
	lua_setfield(L, env, "load");
	lua_pushinteger(L, (lua_Integer)unit_index);
	lua_pushcclosure(L, sandbox_require, 1);
	lua_setfield(L, env, "require");
	lua_createtable(L, 0, 2);
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->shared);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, env);
}

/* The registry tables `require` keeps: the modules loaded, by path, and
 * the paths names resolved to. */
void tm_rules_require_open(lua_State *L)
{
	lua_newtable(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &loaded_key);
	lua_newtable(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &resolved_key);
}
