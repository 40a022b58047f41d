/* Internals the files of the views share (doc/rules.md "Views"): the
 * read-only proxies (proxy.c), attribute values and the tables shared by
 * equal contents (attr_tables.c), element views and lists of views
 * (element_view.c), the model view (model_view.c), finding views and
 * finding lists (finding_view.c); views.c opens them and starts and ends
 * runs. What the rest of the engine calls is in engine.h. */
#ifndef TM_RULES_VIEWS_H
#define TM_RULES_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "rules/engine.h"

/* ---- read-only proxies (proxy.c) ---- */

/* __newindex of every read-only table and userdata: raises. */
int tm_rules_readonly_newindex(lua_State *L);
/* Pushes the data table behind the read-only proxy at idx (a new empty
 * table when it has none). */
void tm_rules_push_readonly_data(lua_State *L, int idx);
/* Turns the table on top into a read-only proxy of it. */
static inline void tm_rules_seal(lua_State *L)
{
	tm_rules_readonly(L, -1);
	lua_remove(L, -2);
}
/* tm_rules_seal for a table without an array part (proxy.c says why). */
void tm_rules_seal_hash(lua_State *L);
/* __pairs of a userdata whose `next` is a C function: next, self, nil. */
static inline int tm_rules_pairs_with(lua_State *L, lua_CFunction next)
{
	lua_pushcfunction(L, next);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}
/* Pushes the shared metatable of a kind of read-only userdata. */
void tm_rules_push_userdata_mt(lua_State *L, const luaL_Reg *methods, const char *name);

/* ---- attribute values and shared tables (attr_tables.c) ---- */

/* Pushes an attribute value as packs see it: a string, number, boolean,
 * date text, reference text, or a read-only table for a list or block. */
void tm_rules_push_value(lua_State *L, const tm_value *value);
/* Sets a block's attributes into the table on top (child declarations
 * left out). */
void tm_rules_fill_block(lua_State *L, const tm_block *block);
/* Pushes the attr table of a block with attributes, shared with every
 * equal block of the run. */
void tm_rules_push_shared_attr(lua_State *L, tm_rules *rules, const tm_block *block);
/* The set of tables shared by equal keys: tm_rules_shared_find pushes the
 * table of an equal key and returns true, or returns false with *at the
 * slot where tm_rules_shared_keep remembers the table then on top. */
bool tm_rules_shared_find(lua_State *L, shared_set *set, uint32_t hash, const void *key, size_t count,
                          bool (*same)(const shared_entry *, const void *, size_t), size_t *at);
void tm_rules_shared_keep(lua_State *L, shared_set *set, size_t at, uint32_t hash, const void *key,
                          size_t count);
/* Forgets every table of the set (the end of a run). */
void tm_rules_shared_drop(lua_State *L, shared_set *set);

/* ---- element views (element_view.c) ---- */

/* Creates the element views' and lists' metatables, the shared empty
 * table and list, and the interned field and value names. */
void tm_rules_element_views_open(tm_rules *rules);

/* Pushes model.elements(kind)'s list (TM_EL_COUNT: every element), whose
 * views are made when it is walked. */
void tm_rules_push_elements(lua_State *L, tm_rules *rules, int kind);

static inline void tm_rules_push_view_or_nil(lua_State *L, tm_rules *rules, const tm_element *el)
{
	if (el)
		tm_rules_push_view(L, rules, el);
	else
		lua_pushnil(L);
}

/* An external entity, a process or a store: the kinds with flows. */
static inline bool tm_rules_is_node(const tm_element *el)
{
	return el->kind == TM_EL_EXTERNAL || el->kind == TM_EL_PROCESS || el->kind == TM_EL_STORE;
}

/* ---- the model view (model_view.c) ---- */

/* Pushes the model view of a run: meta, the model functions, threats,
 * mitigations, acceptances and today; model.findings is added on first
 * use in phase 2. */
void tm_rules_push_model_view(tm_rules *rules, const tm_model *model, int32_t today);

/* ---- finding views and lists (finding_view.c) ---- */

/* Creates the finding views' and finding lists' metatables and interns
 * the finding field names. */
void tm_rules_finding_views_open(tm_rules *rules);
/* Pushes a finding list of these indices into rules->findings, or of
 * every finding seen (indices NULL). */
void tm_rules_push_finding_list(lua_State *L, tm_rules *rules, const size_t *indices, size_t count);

#endif
