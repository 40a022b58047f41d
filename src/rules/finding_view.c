/* Finding views and finding lists for phase 2 (doc/rules.md "Views"):
 * a finding view is a userdata naming a finding by index, possibly a
 * million of them, read through one shared metatable. */
#include <string.h>

#include <lauxlib.h>

#include "base/date.h"
#include "rules/views.h"

/* ---- finding views (phase 2) ---- */

typedef struct finding_ref {
	uint32_t generation;
	size_t index;
} finding_ref;

static const tm_finding *finding_of(lua_State *L, tm_rules *rules, int idx)
{
	const finding_ref *ref = lua_touserdata(L, idx);
	if (!ref || !rules->findings || ref->generation != rules->generation ||
	    ref->index >= rules->nfindings_seen || ref->index >= rules->findings->count)
		luaL_error(L, "a finding view was kept past the run that made it");
	return &rules->findings->items[ref->index];
}

/* ORDER finding_fields */
enum {
	FF_ID,
	FF_RULE,
	FF_FRAMEWORK,
	FF_CATEGORY,
	FF_PACK,
	FF_ELEMENT,
	FF_TITLE,
	FF_DETAIL,
	FF_RISK,
	FF_STATUS,
	FF_LIKELIHOOD,
	FF_IMPACT,
	FF_LIKELIHOOD_LEVEL,
	FF_IMPACT_LEVEL,
	FF_DUE,
	FF_MITIGATIONS,
	FF_FILE,
	FF_LINE,
	FF_COUNT
};

static const char *const finding_fields[FF_COUNT + 1] = {
    "id",     "rule",        "framework", "category",   "pack",   "element",          "title",
    "detail", "risk",        "status",    "likelihood", "impact", "likelihood_level", "impact_level",
    "due",    "mitigations", "file",      "line",       NULL};

static bool push_finding_field(lua_State *L, const tm_finding *f, int which)
{
	static const char *const levels[] = {"", "Low", "Medium", "High"};
	switch (which) {
	case FF_ID: lua_pushstring(L, f->id ? f->id : ""); return true;
	case FF_RULE: lua_pushstring(L, f->about->rule ? f->about->rule : ""); return true;
	case FF_FRAMEWORK:
		if (!f->about->framework)
			return false;
		lua_pushstring(L, f->about->framework);
		return true;
	case FF_CATEGORY:
		if (!f->about->category)
			return false;
		lua_pushstring(L, f->about->category);
		return true;
	case FF_PACK:
		if (!f->about->pack)
			return false;
		lua_pushstring(L, f->about->pack);
		return true;
	case FF_ELEMENT: lua_pushstring(L, f->element_key ? f->element_key : ""); return true;
	case FF_TITLE:
		if (!f->about->title)
			return false;
		lua_pushstring(L, f->about->title);
		return true;
	case FF_DETAIL:
		if (!f->detail)
			return false;
		lua_pushstring(L, f->detail);
		return true;
	case FF_RISK:
		if ((unsigned)f->risk > TM_RISK_CRITICAL)
			return false;
		lua_pushstring(L, tm_risk_names[f->risk]);
		return true;
	case FF_STATUS:
		if ((unsigned)f->status > TM_STATUS_FALSE_POSITIVE)
			return false;
		lua_pushstring(L, tm_status_names[f->status]);
		return true;
	case FF_LIKELIHOOD: lua_pushnumber(L, f->likelihood); return true;
	case FF_IMPACT: lua_pushnumber(L, f->impact); return true;
	case FF_LIKELIHOOD_LEVEL:
		if (f->likelihood_level < 1 || f->likelihood_level > 3)
			return false;
		lua_pushstring(L, levels[f->likelihood_level]);
		return true;
	case FF_IMPACT_LEVEL:
		if (f->impact_level < 1 || f->impact_level > 3)
			return false;
		lua_pushstring(L, levels[f->impact_level]);
		return true;
	case FF_DUE: {
		if (f->due == TM_NO_DATE)
			return false;
		char text[11];
		tm_date_format(f->due, text);
		lua_pushstring(L, text);
		return true;
	}
	case FF_MITIGATIONS:
		lua_createtable(L, (int)f->nmitigations, 0);
		for (size_t i = 0; i < f->nmitigations; i++) {
			lua_pushstring(L, f->mitigations[i] ? f->mitigations[i] : "");
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		tm_rules_seal(L);
		return true;
	case FF_FILE:
		if (!f->file)
			return false;
		lua_pushstring(L, f->file);
		return true;
	case FF_LINE: lua_pushinteger(L, f->line); return true;
	default: return false;
	}
}

/* The field a key names, or FF_COUNT: by pointer first (keys are interned
 * Lua strings), then by text. */
static int finding_field_of(const tm_rules *rules, const char *key)
{
	for (int i = 0; i < FF_COUNT; i++)
		if (key == rules->finding_keys[i])
			return i;
	for (int i = 0; i < FF_COUNT; i++)
		if (strcmp(key, finding_fields[i]) == 0)
			return i;
	return FF_COUNT;
}

static int finding_index(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	const tm_finding *f = finding_of(L, rules, 1);
	if (lua_type(L, 2) != LUA_TSTRING ||
	    !push_finding_field(L, f, finding_field_of(rules, lua_tostring(L, 2))))
		return 0;
	return 1;
}

static int finding_next(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	const tm_finding *f = finding_of(L, rules, 1);
	size_t i = 0;
	if (!lua_isnil(L, 2)) {
		const char *key = luaL_checkstring(L, 2);
		while (finding_fields[i] && strcmp(finding_fields[i], key) != 0)
			i++;
		if (finding_fields[i])
			i++;
	}
	for (; finding_fields[i]; i++) {
		lua_pushstring(L, finding_fields[i]);
		if (push_finding_field(L, f, (int)i))
			return 2;
		lua_pop(L, 1);
	}
	lua_pushnil(L);
	return 1;
}

static int finding_pairs(lua_State *L)
{
	return tm_rules_pairs_with(L, finding_next);
}

static int finding_tostring(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	const tm_finding *f = finding_of(L, rules, 1);
	lua_pushfstring(L, "finding %s", f->id ? f->id : "");
	return 1;
}

static void push_finding(lua_State *L, tm_rules *rules, size_t index)
{
	finding_ref *ref = lua_newuserdatauv(L, sizeof *ref, 0);
	ref->generation = rules->generation;
	ref->index = index;
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->finding_mt);
	lua_setmetatable(L, -2);
}

/* ---- finding lists ----
 * model.findings and findings_where give a userdata of the findings'
 * indices: a finding's view is made when the list is indexed, so a list
 * costs eight bytes a finding (model.findings, which holds them all in
 * order, none), and a rule pays only for the findings it reads. */
typedef struct finding_list {
	uint32_t generation; /* of the run that made it */
	bool every;          /* model.findings: the i-th finding is findings[i], no index */
	size_t count;
	size_t index[]; /* into rules->findings */
} finding_list;

static const finding_list *finding_list_of(lua_State *L, tm_rules *rules, int idx)
{
	const finding_list *list = lua_touserdata(L, idx);
	if (!list || !rules->findings || list->generation != rules->generation)
		luaL_error(L, "a finding list was kept past the run that made it");
	return list;
}

/* list[i]: the i-th finding's view; nil past the end or for another key. */
static bool push_list_finding(lua_State *L, tm_rules *rules, const finding_list *list, lua_Integer i)
{
	if (i < 1 || (lua_Unsigned)i > list->count)
		return false;
	push_finding(L, rules, list->every ? (size_t)i - 1 : list->index[i - 1]);
	return true;
}

static int finding_list_index(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	const finding_list *list = finding_list_of(L, rules, 1);
	if (lua_type(L, 2) != LUA_TNUMBER)
		return 0; /* list["1"] is nil, as in a table */
	int exact = 0;
	lua_Integer i = lua_tointegerx(L, 2, &exact);
	return exact && push_list_finding(L, rules, list, i) ? 1 : 0;
}

static int finding_list_len(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)finding_list_of(L, tm_rules_of(L), 1)->count);
	return 1;
}

static int finding_list_next(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	const finding_list *list = finding_list_of(L, rules, 1);
	lua_Integer i = lua_isnil(L, 2) ? 1 : luaL_checkinteger(L, 2) + 1;
	lua_pushinteger(L, i);
	if (push_list_finding(L, rules, list, i))
		return 2;
	lua_pushnil(L);
	return 1;
}

static int finding_list_pairs(lua_State *L)
{
	return tm_rules_pairs_with(L, finding_list_next);
}

void tm_rules_push_finding_list(lua_State *L, tm_rules *rules, const size_t *indices, size_t count)
{
	size_t stored = indices ? count : 0;
	finding_list *list = lua_newuserdatauv(L, sizeof *list + stored * sizeof *list->index, 0);
	list->generation = rules->generation;
	list->every = !indices;
	list->count = count;
	if (stored)
		memcpy(list->index, indices, stored * sizeof *indices);
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->finding_list_mt);
	lua_setmetatable(L, -2);
}

void tm_rules_push_finding_view(lua_State *L, tm_rules *rules, size_t index)
{
	push_finding(L, rules, index);
}

void tm_rules_finding_views_open(tm_rules *rules)
{
	lua_State *L = rules->L;
	static const luaL_Reg finding_methods[] = {{"__index", finding_index},
	                                           {"__newindex", tm_rules_readonly_newindex},
	                                           {"__pairs", finding_pairs},
	                                           {"__tostring", finding_tostring},
	                                           {NULL, NULL}};
	tm_rules_push_userdata_mt(L, finding_methods, NULL);
	rules->finding_mt = luaL_ref(L, LUA_REGISTRYINDEX);

	static const luaL_Reg finding_list_methods[] = {{"__index", finding_list_index},
	                                                {"__len", finding_list_len},
	                                                {"__pairs", finding_list_pairs},
	                                                {"__newindex", tm_rules_readonly_newindex},
	                                                {NULL, NULL}};
	tm_rules_push_userdata_mt(L, finding_list_methods, "finding list");
	rules->finding_list_mt = luaL_ref(L, LUA_REGISTRYINDEX);

	_Static_assert(sizeof rules->finding_keys / sizeof *rules->finding_keys == FF_COUNT,
	               "finding_keys has a slot per finding field");
	lua_createtable(L, FF_COUNT, 0);
	for (int i = 0; i < FF_COUNT; i++) {
		rules->finding_keys[i] = lua_pushstring(L, finding_fields[i]);
		lua_rawseti(L, -2, i + 1);
	}
	luaL_ref(L, LUA_REGISTRYINDEX);
}
