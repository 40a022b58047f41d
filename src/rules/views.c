/* The views rules see (doc/rules.md "Views"). An element view is a small
 * userdata (the element's index, kind and the run's generation) with one
 * metatable shared by all views; its __index builds a field on first
 * access and keeps the costly ones (strings, attribute tables, lists) in
 * the view's user values, so a view is built once per run and such a
 * field once per view. A view kept in a pack global past its run raises
 * an error instead of reading a freed model. Finding views (phase 2,
 * possibly a million) and lists of views are userdata too. Elements with
 * equal attributes share one attr table (a read-only proxy), and equal
 * lists one list ("shared tables"). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "base/date.h"
#include "base/xalloc.h"
#include "rules/engine.h"

/* ---- read-only proxies ---- */

static int ro_newindex(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TSTRING)
		return luaL_error(L, "attempt to modify a read-only table (field '%s')", lua_tostring(L, 2));
	return luaL_error(L, "attempt to modify a read-only table");
}

/* The data table behind the proxy at idx. */
static void push_data(lua_State *L, int idx)
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
	push_data(L, 1);
	lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
	return 1;
}

/* ORDER element_fields; the names are interned once (tm_rules_views_open)
 * so a key is found by comparing pointers: Lua interns short strings, so
 * a key equal to a field name is that very string. */
enum {
	EF_ID,
	EF_KEY,
	EF_KIND,
	EF_LABEL,
	EF_ATTR,
	EF_FILE,
	EF_LINE,
	EF_PARENT,
	EF_CHILDREN,
	EF_BOUNDARIES,
	EF_EXPOSURE,
	EF_OPPORTUNITY,
	EF_ASSETS,
	EF_PII,
	EF_MAX_SENSITIVITY,
	EF_IN_SCOPE,
	EF_SOURCE,
	EF_TARGET,
	EF_BIDIRECTIONAL,
	EF_CROSSINGS,
	EF_CROSSES,
	EF_INFLOWS,
	EF_OUTFLOWS,
	EF_ZONE,
	EF_MEMBERS,
	EF_OUTER,
	EF_SENSITIVITY,
	EF_CROSSED_BY,
	EF_IN_PROCESS,
	EF_RESPONSE,
	EF_REQUESTS,
	EF_CALLS,
	EF_UNTRUSTED_INFLOWS,
	EF_COUNT
};
static const char *const element_fields[EF_COUNT + 1] = {"id",
                                                         "key",
                                                         "kind",
                                                         "label",
                                                         "attr",
                                                         "file",
                                                         "line",
                                                         "parent",
                                                         "children",
                                                         "boundaries",
                                                         "exposure",
                                                         "opportunity",
                                                         "assets",
                                                         "pii",
                                                         "max_sensitivity",
                                                         "in_scope",
                                                         "source",
                                                         "target",
                                                         "bidirectional",
                                                         "crossings",
                                                         "crosses",
                                                         "inflows",
                                                         "outflows",
                                                         "zone",
                                                         "members",
                                                         "outer",
                                                         "sensitivity",
                                                         "crossed_by",
                                                         "in_process",
                                                         "response",
                                                         "requests",
                                                         "calls",
                                                         "untrusted_inflows",
                                                         NULL};
_Static_assert(sizeof((tm_rules *)0)->element_keys / sizeof *((tm_rules *)0)->element_keys == EF_COUNT,
               "element_keys has a slot per element field");

static bool push_element_field(lua_State *L, tm_rules *rules, const tm_element *el, int which);

/* The field a Lua string key names, or EF_COUNT. */
static int element_field_of(const tm_rules *rules, const char *key)
{
	for (int i = 0; i < EF_COUNT; i++)
		if (key == rules->element_keys[i])
			return i;
	return EF_COUNT;
}

/* An element view is a full userdata: this record, then a user value
 * for each field kept once built (cache_slot). One shared metatable
 * serves every view, so a field read costs one C call and no hash
 * lookups through per-view proxies. */
typedef struct view_ref {
	uint32_t generation; /* of the run that made it */
	uint32_t index;      /* into model->elements */
	/* The element's small fields, copied when the view is made (from the
	 * cache line that gives its index): the fields rules read most are
	 * answered without reaching the element again, which a large model
	 * keeps far away in memory. */
	uint8_t kind, exposure, max_sensitivity;
	uint8_t flags; /* VIEW_IN_SCOPE, ... */
	/* The elements it links to, as index + 1 (0: none), so that reading
	 * the link reaches neither element: a flow's source and target, any
	 * other element's parent and a boundary's outer one. */
	uint32_t link[2];
} view_ref;

/* link[] of each kind: LINK_SOURCE and LINK_TARGET for flows, LINK_PARENT
 * and LINK_OUTER for the others. */
enum { LINK_SOURCE = 0, LINK_TARGET = 1, LINK_PARENT = 0, LINK_OUTER = 1 };

enum { VIEW_IN_SCOPE = 1, VIEW_PII = 2, VIEW_BIDIRECTIONAL = 4, VIEW_CROSSES = 8 };

/* The user value that keeps a built field of a view of each kind, or 0
 * for the fields that are cheaper to build again than to keep (names,
 * numbers, booleans read off the element, the view of one other
 * element, lists that are always empty for the kind). Strings, attribute
 * tables, lists and the flow facts that scan other flows are kept. */
#define COMMON_SLOTS                                                                                         \
	[EF_ID] = 1, [EF_KEY] = 2, [EF_LABEL] = 3, [EF_ATTR] = 4, [EF_BOUNDARIES] = 5, [EF_ASSETS] = 6
#define NODE_SLOTS                                                                                           \
	COMMON_SLOTS, [EF_CHILDREN] = 7, [EF_INFLOWS] = 8, [EF_OUTFLOWS] = 9, [EF_REQUESTS] = 10,            \
	              [EF_CALLS] = 11, [EF_UNTRUSTED_INFLOWS] = 12
static const uint8_t cache_slot[TM_EL_COUNT][EF_COUNT] = {
    [TM_EL_EXTERNAL] = {NODE_SLOTS},
    [TM_EL_PROCESS] = {NODE_SLOTS},
    [TM_EL_STORE] = {NODE_SLOTS},
    [TM_EL_FLOW] = {COMMON_SLOTS, [EF_CROSSINGS] = 7, [EF_IN_PROCESS] = 8, [EF_RESPONSE] = 9},
    [TM_EL_BOUNDARY] = {COMMON_SLOTS, [EF_CHILDREN] = 7, [EF_MEMBERS] = 8, [EF_CROSSED_BY] = 9},
    [TM_EL_ASSET] = {COMMON_SLOTS, [EF_CHILDREN] = 7},
    [TM_EL_ACTOR] = {COMMON_SLOTS, [EF_CHILDREN] = 7},
};
#undef NODE_SLOTS
#undef COMMON_SLOTS

/* How many user values a view of each kind has: its highest slot. */
static int slots_of(tm_element_kind kind)
{
	int most = 0;
	for (int i = 0; kind < TM_EL_COUNT && i < EF_COUNT; i++)
		if (cache_slot[kind][i] > most)
			most = cache_slot[kind][i];
	return most;
}

static const view_ref *live_view(lua_State *L, tm_rules *rules, int idx)
{
	const view_ref *ref = lua_touserdata(L, idx);
	if (!ref || !rules->model || ref->generation != rules->generation ||
	    ref->index >= rules->model->nelements)
		luaL_error(L, "a view was kept past the run that made it");
	return ref;
}

static const tm_element *element_of_view(lua_State *L, tm_rules *rules, int idx)
{
	return rules->model->elements[live_view(L, rules, idx)->index];
}

/* Slots in rules->names: kinds, then exposures, then sensitivities. */
#define NAME_KIND(kind)        (1 + (int)(kind))
#define NAME_EXPOSURE(exp)     (1 + TM_EL_COUNT + (int)(exp))
#define NAME_SENSITIVITY(sens) (1 + TM_EL_COUNT + 4 + (int)(sens))
#define NAME_INTERNET          (1 + TM_EL_COUNT + 4 + 5)
#define NAME_COUNT             NAME_INTERNET
static void push_name(lua_State *L, const tm_rules *rules, int which);
static int push_linked_view(lua_State *L, tm_rules *rules, uint32_t link);
static tm_exposure exposure_of(const tm_element *el);

/* A field answered from the view's copy of the element's small fields:
 * 1 when pushed, 0 when the element has no such field, -1 when it is not
 * one of those. */
static int push_small_field(lua_State *L, tm_rules *rules, const view_ref *ref, int which)
{
	bool flow = ref->kind == TM_EL_FLOW;
	bool sensitive = ref->max_sensitivity > TM_SENS_NONE && ref->max_sensitivity <= TM_SENS_CRITICAL;
	switch (which) {
	case EF_KIND:
		if (ref->kind >= TM_EL_COUNT)
			return 0;
		push_name(L, rules, NAME_KIND(ref->kind));
		return 1;
	case EF_EXPOSURE: push_name(L, rules, NAME_EXPOSURE(ref->exposure)); return 1;
	case EF_OPPORTUNITY: lua_pushinteger(L, (lua_Integer)ref->exposure); return 1;
	case EF_IN_SCOPE: lua_pushboolean(L, ref->flags & VIEW_IN_SCOPE); return 1;
	case EF_PII: lua_pushboolean(L, ref->flags & VIEW_PII); return 1;
	case EF_BIDIRECTIONAL:
		if (!flow)
			return 0;
		lua_pushboolean(L, ref->flags & VIEW_BIDIRECTIONAL);
		return 1;
	case EF_CROSSES:
		if (!flow)
			return 0;
		lua_pushboolean(L, ref->flags & VIEW_CROSSES);
		return 1;
	case EF_MAX_SENSITIVITY:
	case EF_SENSITIVITY:
		if (!sensitive || (which == EF_SENSITIVITY && ref->kind != TM_EL_ASSET))
			return 0;
		push_name(L, rules, NAME_SENSITIVITY(ref->max_sensitivity));
		return 1;
	case EF_SOURCE:
	case EF_TARGET:
		if (!flow)
			return -1;
		return push_linked_view(L, rules, ref->link[which == EF_SOURCE ? LINK_SOURCE : LINK_TARGET]);
	case EF_PARENT: return flow ? -1 : push_linked_view(L, rules, ref->link[LINK_PARENT]);
	case EF_OUTER:
		return ref->kind != TM_EL_BOUNDARY ? 0 : push_linked_view(L, rules, ref->link[LINK_OUTER]);
	default: return -1;
	}
}

/* Pushes field `which` of the view at idx (built and kept on first use);
 * false, with nothing pushed, when the element has no such field. */
static bool push_view_field(lua_State *L, tm_rules *rules, int idx, int which)
{
	const view_ref *ref = live_view(L, rules, idx);
	int small = push_small_field(L, rules, ref, which);
	if (small >= 0)
		return small;
	int slot = ref->kind < TM_EL_COUNT ? cache_slot[ref->kind][which] : 0;
	if (slot) {
		if (lua_getiuservalue(L, idx, slot) != LUA_TNIL)
			return true;
		lua_pop(L, 1);
	}
	if (!push_element_field(L, rules, rules->model->elements[ref->index], which))
		return false;
	if (slot) {
		lua_pushvalue(L, -1);
		lua_setiuservalue(L, idx, slot);
	}
	return true;
}

/* pairs over a read-only proxy: its data table's entries. */
static int ro_next(lua_State *L)
{
	push_data(L, 1);
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

/* pairs(view): its fields in the order of element_fields, each built as
 * it is reached; the fields the element does not have are skipped. */
static int view_next(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	int which = 0;
	if (!lua_isnil(L, 2)) {
		which =
		    lua_type(L, 2) == LUA_TSTRING ? element_field_of(rules, lua_tostring(L, 2)) : EF_COUNT;
		if (which == EF_COUNT)
			return luaL_error(L, "invalid key to 'next'");
		which++;
	}
	for (; which < EF_COUNT; which++) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, rules->keys);
		lua_rawgeti(L, -1, which + 1);
		lua_remove(L, -2);
		if (push_view_field(L, rules, 1, which))
			return 2;
		lua_pop(L, 1);
	}
	lua_pushnil(L);
	return 1;
}

static int view_pairs(lua_State *L)
{
	lua_pushcfunction(L, view_next);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

void tm_rules_readonly(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	lua_createtable(L, 0, 0);
	lua_createtable(L, 0, 5);
	lua_pushvalue(L, idx);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, ro_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, ro_len);
	lua_setfield(L, -2, "__len");
	lua_pushcfunction(L, ro_pairs);
	lua_setfield(L, -2, "__pairs");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
}

bool tm_rules_is_readonly(lua_State *L, int idx)
{
	if (!lua_getmetatable(L, idx))
		return false;
	lua_pushliteral(L, "__newindex");
	lua_rawget(L, -2);
	bool readonly = lua_tocfunction(L, -1) == ro_newindex;
	lua_pop(L, 2);
	return readonly;
}

/* Turns the table on top into a read-only proxy of it. */
static void seal(lua_State *L)
{
	tm_rules_readonly(L, -1);
	lua_remove(L, -2);
}

/* seal for a table without an array part (an element view's data, an
 * attribute block): # of the empty proxy is already its 0, so the
 * metatable needs no __len and fits four slots instead of eight; there are
 * hundreds of thousands of these. */
static void seal_hash(lua_State *L)
{
	lua_createtable(L, 0, 0);
	lua_createtable(L, 0, 4);
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, ro_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, ro_pairs);
	lua_setfield(L, -2, "__pairs");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_remove(L, -2);
}

/* ---- attribute values ---- */

static void push_block(lua_State *L, const tm_block *block);

static void push_ref_text(lua_State *L, const tm_ref *ref)
{
	if (!ref) {
		lua_pushnil(L);
		return;
	}
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	if (ref->kind == TM_REF_FINDING && ref->rule) {
		luaL_addstring(&b, ref->rule);
		luaL_addchar(&b, '@');
	}
	if (ref->name)
		luaL_addstring(&b, ref->name);
	if (ref->target) {
		luaL_addstring(&b, ref->bidirectional ? "<->" : "->");
		luaL_addstring(&b, ref->target);
	}
	luaL_pushresult(&b);
}

static void push_value(lua_State *L, const tm_value *value)
{
	luaL_checkstack(L, 6, "attributes nested too deeply");
	if (!value) {
		lua_pushnil(L);
		return;
	}
	switch (value->kind) {
	case TM_VAL_IDENT:
	case TM_VAL_STRING:
		lua_pushlstring(L, value->text ? value->text : "", value->text ? value->len : 0);
		break;
	case TM_VAL_NUMBER: {
		double n = value->number;
		bool integral = value->text && !memchr(value->text, '.', value->len) &&
		                n >= -9007199254740992.0 && n <= 9007199254740992.0 &&
		                n == (double)(lua_Integer)n;
		if (integral)
			lua_pushinteger(L, (lua_Integer)n);
		else
			lua_pushnumber(L, n);
		break;
	}
	case TM_VAL_BOOL: lua_pushboolean(L, value->boolean); break;
	case TM_VAL_DATE: {
		char text[11];
		tm_date_format(value->date, text);
		lua_pushstring(L, text);
		break;
	}
	case TM_VAL_LIST:
		lua_createtable(L, (int)value->nitems, 0);
		for (size_t i = 0, n = 0; value->items && i < value->nitems; i++) {
			if (!value->items[i])
				continue;
			push_value(L, value->items[i]);
			lua_rawseti(L, -2, (lua_Integer)++n);
		}
		seal(L);
		break;
	case TM_VAL_BLOCK: push_block(L, value->block); break;
	case TM_VAL_REF: push_ref_text(L, value->ref); break;
	default: lua_pushnil(L); break;
	}
}

/* Sets a block's attributes into the table on top (child declarations
 * left out). */
static void fill_block(lua_State *L, const tm_block *block)
{
	for (size_t i = 0; block && i < block->count; i++) {
		const tm_attr *attr = block->items[i].attr;
		if (!attr || !attr->name || !attr->value)
			continue;
		push_value(L, attr->value);
		lua_setfield(L, -2, attr->name);
	}
}

/* A block's attributes as a read-only table. */
static void push_block(lua_State *L, const tm_block *block)
{
	lua_createtable(L, 0, block ? (int)block->count : 0);
	fill_block(L, block);
	seal_hash(L);
}

/* ---- shared attribute tables ----
 * Large models repeat themselves: thousands of flows say `protocol https
 * tls true`. Elements whose attributes are equal (same names, values and
 * order, so push_block would build equal tables) share one read-only
 * table, found through a hash of the block. */

static uint32_t mix(uint32_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static uint32_t hash_block(const tm_block *block, uint32_t h);

static uint32_t hash_value(const tm_value *v, uint32_t h)
{
	if (!v)
		return mix(h, "", 1);
	h = mix(h, &v->kind, 1);
	switch (v->kind) {
	case TM_VAL_IDENT:
	case TM_VAL_STRING:
	case TM_VAL_NUMBER: return v->text ? mix(h, v->text, v->len) : h;
	case TM_VAL_BOOL: return mix(h, &v->boolean, 1);
	case TM_VAL_DATE: return mix(h, &v->date, sizeof v->date);
	case TM_VAL_LIST:
		for (size_t i = 0; v->items && i < v->nitems; i++)
			h = hash_value(v->items[i], h);
		return h;
	case TM_VAL_BLOCK: return hash_block(v->block, h);
	case TM_VAL_REF:
		if (v->ref) {
			if (v->ref->rule)
				h = mix(h, v->ref->rule, strlen(v->ref->rule) + 1);
			if (v->ref->name)
				h = mix(h, v->ref->name, strlen(v->ref->name) + 1);
			if (v->ref->target)
				h = mix(h, v->ref->target, strlen(v->ref->target) + 1);
		}
		return h;
	default: return h;
	}
}

static uint32_t hash_block(const tm_block *block, uint32_t h)
{
	for (size_t i = 0; block && i < block->count; i++) {
		const tm_attr *attr = block->items[i].attr;
		if (!attr || !attr->name || !attr->value)
			continue;
		h = mix(h, attr->name, strlen(attr->name) + 1);
		h = hash_value(attr->value, h);
	}
	return h;
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_block(const tm_block *a, const tm_block *b);

/* Whether push_value would build equal Lua values from a and b. */
static bool same_value(const tm_value *a, const tm_value *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case TM_VAL_IDENT:
	case TM_VAL_STRING:
	case TM_VAL_NUMBER:
		if (!a->text || !b->text)
			return a->text == b->text;
		return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
	case TM_VAL_BOOL: return a->boolean == b->boolean;
	case TM_VAL_DATE: return a->date == b->date;
	case TM_VAL_LIST:
		if (a->nitems != b->nitems || !a->items != !b->items)
			return false;
		for (size_t i = 0; a->items && i < a->nitems; i++)
			if (!same_value(a->items[i], b->items[i]))
				return false;
		return true;
	case TM_VAL_BLOCK: return same_block(a->block, b->block);
	case TM_VAL_REF:
		if (!a->ref || !b->ref)
			return a->ref == b->ref;
		return a->ref->kind == b->ref->kind && a->ref->bidirectional == b->ref->bidirectional &&
		       same_text(a->ref->rule, b->ref->rule) && same_text(a->ref->name, b->ref->name) &&
		       same_text(a->ref->target, b->ref->target);
	default: return true;
	}
}

/* The next attribute of a block from item *i on, or NULL. */
static const tm_attr *next_attr(const tm_block *block, size_t *i)
{
	for (; block && *i < block->count; (*i)++) {
		const tm_attr *attr = block->items[*i].attr;
		if (attr && attr->name && attr->value) {
			(*i)++;
			return attr;
		}
	}
	return NULL;
}

static bool same_block(const tm_block *a, const tm_block *b)
{
	if (a == b)
		return true;
	size_t i = 0, j = 0;
	for (;;) {
		const tm_attr *x = next_attr(a, &i), *y = next_attr(b, &j);
		if (!x || !y)
			return x == y;
		if (strcmp(x->name, y->name) != 0 || !same_value(x->value, y->value))
			return false;
	}
}

/* Finds the table of an equal key: pushes it and returns true, or
 * returns false with *at the slot where shared_keep will put a new one. */
static bool shared_find(lua_State *L, shared_set *set, uint32_t hash, const void *key, size_t count,
                        bool (*same)(const shared_entry *, const void *, size_t), size_t *at)
{
	if (set->count * 4 >= set->cap * 3) {
		size_t cap = set->cap ? set->cap * 2 : 256;
		shared_entry *grown = tm_xcalloc(cap, sizeof *grown);
		for (size_t i = 0; i < set->cap; i++) {
			shared_entry *e = &set->entries[i];
			if (!e->key)
				continue;
			size_t j = e->hash & (cap - 1);
			while (grown[j].key)
				j = (j + 1) & (cap - 1);
			grown[j] = *e;
		}
		free(set->entries);
		set->entries = grown;
		set->cap = cap;
	}
	if (set->tables == LUA_NOREF) {
		lua_newtable(L);
		set->tables = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	size_t j = hash & (set->cap - 1);
	for (;; j = (j + 1) & (set->cap - 1)) {
		shared_entry *e = &set->entries[j];
		if (!e->key)
			break;
		if (e->hash == hash && same(e, key, count)) {
			lua_rawgeti(L, LUA_REGISTRYINDEX, set->tables);
			lua_rawgeti(L, -1, e->slot);
			lua_remove(L, -2);
			return true;
		}
	}
	*at = j;
	return false;
}

/* Remembers the table on top (left there) for key, at the slot
 * shared_find gave. */
static void shared_keep(lua_State *L, shared_set *set, size_t at, uint32_t hash, const void *key,
                        size_t count)
{
	int slot = (int)++set->count;
	lua_rawgeti(L, LUA_REGISTRYINDEX, set->tables);
	lua_pushvalue(L, -2);
	lua_rawseti(L, -2, slot);
	lua_pop(L, 1);
	set->entries[at] = (shared_entry){key, count, hash, slot};
}

static void shared_drop(lua_State *L, shared_set *set)
{
	luaL_unref(L, LUA_REGISTRYINDEX, set->tables);
	free(set->entries);
	*set = (shared_set){.tables = LUA_NOREF};
}

static bool same_attrs(const shared_entry *e, const void *key, size_t count)
{
	(void)count;
	return same_block(e->key, key);
}

/* Pushes the attr table of a block with attributes: the one an equal
 * block already has, else a new one, remembered. */
static void push_shared_attr(lua_State *L, tm_rules *rules, const tm_block *block)
{
	uint32_t hash = hash_block(block, 2166136261u);
	size_t at;
	if (shared_find(L, &rules->attrs, hash, block, 0, same_attrs, &at))
		return;
	push_block(L, block);
	shared_keep(L, &rules->attrs, at, hash, block, 0);
}

/* ---- element views ---- */

static void push_empty(lua_State *L, tm_rules *rules)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->empty);
}

/* ---- lists of views ----
 * Lists are the most numerous objects of a run (every node's inflows and
 * outflows, every process's children...). Each is a userdata whose user
 * value holds the items in a plain table, behind one metatable shared by
 * all lists, instead of a proxy, a metatable and a table of its own:
 * about 250 bytes less per list. Reading an item is a C call; lists are
 * mostly walked once, by threatlib's cached helpers. */

static int list_index(lua_State *L)
{
	lua_getiuservalue(L, 1, 1);
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	return 1;
}

static int list_len(lua_State *L)
{
	lua_getiuservalue(L, 1, 1);
	lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
	return 1;
}

static int list_next(lua_State *L)
{
	lua_getiuservalue(L, 1, 1);
	lua_pushvalue(L, 2);
	if (lua_next(L, -2))
		return 2;
	lua_pushnil(L);
	return 1;
}

/* __pairs of a userdata whose `next` is a C function: next, self, nil. */
static int pairs_with(lua_State *L, lua_CFunction next)
{
	lua_pushcfunction(L, next);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

static int list_pairs(lua_State *L)
{
	return pairs_with(L, list_next);
}

static void push_view_list(lua_State *L, tm_rules *rules, tm_element *const *elements, size_t count)
{
	if (count == 0) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, rules->empty_list);
		return;
	}
	lua_newuserdatauv(L, 0, 1);
	lua_createtable(L, (int)count, 0);
	for (size_t i = 0; i < count; i++) {
		tm_rules_push_view(L, rules, elements[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setiuservalue(L, -2, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->list_mt);
	lua_setmetatable(L, -2);
}

/* A list whose items many elements share (the boundaries a flow crosses,
 * the assets a store keeps): elements with the same items get the same
 * read-only list, found through a hash of the item pointers. */
static uint32_t hash_items(tm_element *const *items, size_t count)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < count; i++) {
		uint64_t p = (uint64_t)(uintptr_t)items[i];
		h = (h ^ (uint32_t)(p >> 4)) * 16777619u;
		h = (h ^ (uint32_t)(p >> 36)) * 16777619u;
	}
	return h ^ (uint32_t)count;
}

static bool same_items(const shared_entry *e, const void *key, size_t count)
{
	return e->count == count && memcmp(e->key, key, count * sizeof(tm_element *)) == 0;
}

static void push_shared_list(lua_State *L, tm_rules *rules, tm_element *const *items, size_t count)
{
	if (count == 0) {
		push_view_list(L, rules, items, 0); /* the shared empty list */
		return;
	}
	uint32_t hash = hash_items(items, count);
	size_t at;
	if (shared_find(L, &rules->lists, hash, items, count, same_items, &at))
		return;
	push_view_list(L, rules, items, count);
	shared_keep(L, &rules->lists, at, hash, items, count);
}

static void push_view_or_nil(lua_State *L, tm_rules *rules, const tm_element *el)
{
	if (el)
		tm_rules_push_view(L, rules, el);
	else
		lua_pushnil(L);
}

/* Exposure as the view shows it: the resolver's, else a flow's from the
 * end that sends its requests (tm_flow_exposure), else internal. */
static tm_exposure exposure_of(const tm_element *el)
{
	if (el->exposure >= TM_EXPOSURE_INTERNAL && el->exposure <= TM_EXPOSURE_INTERNET)
		return el->exposure;
	if (el->kind == TM_EL_FLOW && el->source && el->target && el->source->kind != TM_EL_FLOW &&
	    el->target->kind != TM_EL_FLOW)
		return tm_flow_exposure(el, NULL);
	return TM_EXPOSURE_INTERNAL;
}

static bool is_node(const tm_element *el)
{
	return el->kind == TM_EL_EXTERNAL || el->kind == TM_EL_PROCESS || el->kind == TM_EL_STORE;
}

/* An element kind's, exposure's or sensitivity's name: interned once. */
static void push_name(lua_State *L, const tm_rules *rules, int which)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->names);
	lua_rawgeti(L, -1, which);
	lua_remove(L, -2);
}

static bool has_sensitivity(const tm_element *el)
{
	return el->max_sensitivity > TM_SENS_NONE && el->max_sensitivity <= TM_SENS_CRITICAL;
}

/* ---- the scales a factor may name (doc/rules.md "The pack API") ----
 * Each is threatlib's helper of the same meaning, computed from the
 * model instead of the view: T.opportunity, T.confidentiality and
 * T.compliance. test_rules checks that both give the same numbers. */

static int sensitivity_rank(const tm_element *el)
{
	return el && has_sensitivity(el) ? (int)el->max_sensitivity : 0;
}

/* Whether the model's `regulatory` names GDPR, any case (T.regulated). */
static bool is_gdpr(const tm_value *value)
{
	return value && (value->kind == TM_VAL_IDENT || value->kind == TM_VAL_STRING) && value->text &&
	       value->len == 4 && strncasecmp(value->text, "gdpr", 4) == 0;
}

static bool model_under_gdpr(const tm_model *model)
{
	const tm_attr *attr = model && model->meta.decl ? tm_decl_attr(model->meta.decl, "regulatory") : NULL;
	const tm_value *reg = attr ? attr->value : NULL;
	if (reg && reg->kind == TM_VAL_LIST) {
		for (size_t i = 0; reg->items && i < reg->nitems; i++)
			if (is_gdpr(reg->items[i]))
				return true;
		return false;
	}
	return is_gdpr(reg);
}

void tm_views_scales(tm_rules *rules, const tm_element *el, tm_scales *out)
{
	*out = (tm_scales){1, 1, 1};
	if (!el)
		return;
	out->exposure = (uint8_t)exposure_of(el);
	/* A flow that states no `data` counts what the store at either end
	 * holds (threatlib's store_ends). */
	const tm_element *ends[2] = {NULL, NULL};
	if (el->kind == TM_EL_FLOW && !tm_element_attr(el, "data")) {
		if (el->source && el->source->kind == TM_EL_STORE)
			ends[0] = el->source;
		if (el->target && el->target->kind == TM_EL_STORE)
			ends[1] = el->target;
	}
	int rank = sensitivity_rank(el);
	bool pii = el->pii;
	for (size_t i = 0; i < 2; i++) {
		if (sensitivity_rank(ends[i]) > rank)
			rank = sensitivity_rank(ends[i]);
		pii = pii || (ends[i] && ends[i]->pii);
	}
	out->data = rank >= TM_SENS_HIGH ? 3 : rank == TM_SENS_MEDIUM ? 2 : 1;
	if (pii) {
		if (rules->gdpr < 0)
			rules->gdpr = model_under_gdpr(rules->model);
		out->personal_data = rules->gdpr ? 3 : 2;
	}
}

static const char *file_of(const tm_element *el)
{
	return el->decl && el->decl->span.src ? el->decl->span.src->path : NULL;
}

/* A flow between two parts of one top-level process that states no
 * `protocol`: a call inside one program (doc/rules.md, `in_process`). */
static bool flow_in_process(const tm_element *f)
{
	if (!f->source || !f->target || tm_element_attr(f, "protocol"))
		return false;
	return tm_element_level0(f->source) == tm_element_level0(f->target);
}

/* A one-way flow that answers a call: its target also sends to its
 * source's program, over a `<->` flow or over a one-way flow written
 * before it in the same file (doc/rules.md, `response`). */
static bool flow_is_response(const tm_element *f)
{
	const tm_element *s = f->source, *t = f->target;
	if (f->bidirectional || !s || !t || t->kind == TM_EL_STORE)
		return false;
	const tm_element *home = tm_element_level0(s);
	const char *file = file_of(f);
	for (size_t i = 0; i < t->noutflows; i++) {
		const tm_element *g = t->outflows[i];
		if (g == f || g->source != t || !g->target || tm_element_level0(g->target) != home)
			continue;
		if (g->bidirectional)
			return true;
		const char *other = file_of(g);
		bool same_file = other == file || (other && file && strcmp(other, file) == 0);
		if (same_file && g->line < f->line)
			return true;
	}
	return false;
}

/* Input that comes from outside: the flow crosses a boundary or comes
 * from an external entity. */
static bool flow_untrusted(const tm_element *f)
{
	return f->ncrossings > 0 || (f->source && f->source->kind == TM_EL_EXTERNAL);
}

/* A node's inflows that are requests (untrusted, to it, neither inside
 * its program nor an answer), calls (the same from anywhere) or
 * untrusted inflows (untrusted and not inside its program), in order. */
static void push_inflows_where(lua_State *L, tm_rules *rules, const tm_element *v, int which)
{
	tm_element **kept = tm_xmalloc((v->ninflows + 1) * sizeof *kept);
	size_t n = 0;
	for (size_t i = 0; i < v->ninflows; i++) {
		tm_element *f = v->inflows[i];
		bool keep;
		if (which == EF_UNTRUSTED_INFLOWS)
			keep = flow_untrusted(f) && !flow_in_process(f);
		else
			keep = f->target == v && (which == EF_CALLS || flow_untrusted(f)) &&
			       !flow_in_process(f) && !flow_is_response(f);
		if (keep)
			kept[n++] = f;
	}
	push_view_list(L, rules, kept, n);
	free(kept);
}

/* The flows crossing each boundary (a flow once per boundary, in model
 * order): one counting pass over the flows, then one filling pass. */
static const uint32_t *crossed_index(tm_rules *rules)
{
	if (rules->crossed_start)
		return rules->crossed_start;
	const tm_model *model = rules->model;
	size_t n = model->nelements;
	uint32_t *start = tm_xcalloc(n + 2, sizeof *start);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const tm_element *flow = model->elements[i];
			if (flow->kind != TM_EL_FLOW)
				continue;
			for (size_t c = 0; c < flow->ncrossings; c++) {
				const tm_element *b = flow->crossings[c];
				bool again = false; /* listed twice in one flow's crossings */
				for (size_t d = 0; d < c && !again; d++)
					again = flow->crossings[d] == b;
				if (again || b->index >= n)
					continue;
				if (pass == 0)
					start[b->index + 2]++;
				else
					rules->crossed_flows[start[b->index + 1]++] = (tm_element *)flow;
			}
		}
		if (pass == 0) {
			/* start[i + 2] counts; make start[i + 1] the offsets */
			for (size_t i = 2; i <= n + 1; i++)
				start[i] += start[i - 1];
			rules->crossed_flows = tm_xmalloc((start[n + 1] + 1) * sizeof *rules->crossed_flows);
		}
	}
	/* the filling pass moved each start[i + 1] to the end of its run,
	 * which is where the run of i + 1 starts: start[i] is i's start */
	rules->crossed_start = start;
	return start;
}

static bool push_element_field(lua_State *L, tm_rules *rules, const tm_element *el, int which)
{
	bool flow = el->kind == TM_EL_FLOW;
	switch (which) {
	case EF_ATTR: {
		const tm_block *block = el->decl ? el->decl->block : NULL;
		bool any = false;
		for (size_t i = 0; block && !any && i < block->count; i++)
			any = block->items[i].attr != NULL;
		if (any)
			push_shared_attr(L, rules, block);
		else
			push_empty(L, rules); /* most elements: no table of their own */
		return true;
	}
	case EF_ASSETS: push_shared_list(L, rules, el->assets, el->nassets); return true;
	case EF_BOUNDARIES: push_shared_list(L, rules, el->boundaries, el->nboundaries); return true;
	case EF_CHILDREN: push_view_list(L, rules, el->children, el->nchildren); return true;
	case EF_CROSSINGS:
		if (!flow)
			return false;
		push_shared_list(L, rules, el->crossings, el->ncrossings);
		return true;
	case EF_FILE:
		if (!file_of(el))
			return false;
		lua_pushstring(L, file_of(el));
		return true;
	case EF_ID:
		if (!el->id)
			return false;
		/* unique to the element: luaS_new's pointer cache would miss */
		lua_pushlstring(L, el->id, strlen(el->id));
		return true;
	case EF_INFLOWS:
		if (!is_node(el))
			return false;
		push_view_list(L, rules, el->inflows, el->ninflows);
		return true;
	case EF_KEY:
		if (!el->key)
			return false;
		lua_pushlstring(L, el->key, strlen(el->key));
		return true;
	case EF_LABEL: {
		const char *label = el->label ? el->label : el->key;
		if (!label)
			return false;
		lua_pushlstring(L, label, strlen(label));
		return true;
	}
	case EF_LINE: lua_pushinteger(L, el->line); return true;
	case EF_MEMBERS:
		if (el->kind != TM_EL_BOUNDARY)
			return false;
		push_view_list(L, rules, el->members, el->nmembers);
		return true;
	case EF_OUTFLOWS:
		if (!is_node(el))
			return false;
		push_view_list(L, rules, el->outflows, el->noutflows);
		return true;
	case EF_PARENT:
		if (!el->parent)
			return false;
		tm_rules_push_view(L, rules, el->parent);
		return true;
	case EF_IN_PROCESS:
		if (!flow)
			return false;
		lua_pushboolean(L, flow_in_process(el));
		return true;
	case EF_RESPONSE:
		if (!flow)
			return false;
		lua_pushboolean(L, flow_is_response(el));
		return true;
	case EF_REQUESTS:
	case EF_CALLS:
	case EF_UNTRUSTED_INFLOWS:
		if (!is_node(el))
			return false;
		push_inflows_where(L, rules, el, which);
		return true;
	case EF_CROSSED_BY: {
		if (el->kind != TM_EL_BOUNDARY)
			return false;
		const uint32_t *start = crossed_index(rules);
		push_view_list(L, rules, rules->crossed_flows + start[el->index],
		               start[el->index + 1] - start[el->index]);
		return true;
	}
	case EF_ZONE:
		if (el->kind != TM_EL_EXTERNAL)
			return false;
		if (el->zone)
			lua_pushstring(L, el->zone);
		else
			push_name(L, rules, NAME_INTERNET);
		return true;
	default: return false;
	}
}

/* __index of an element view. */
static int view_index(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	if (lua_type(L, 2) != LUA_TSTRING)
		return 0;
	int which = element_field_of(rules, lua_tostring(L, 2));
	if (which == EF_COUNT || !push_view_field(L, rules, 1, which))
		return 0;
	return 1;
}

/* tostring(view): "process api", not an address that changes per run. */
static int view_tostring(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	const tm_element *el = element_of_view(L, rules, 1);
	const char *kind = el->kind < TM_EL_COUNT ? tm_element_kind_names[el->kind] : "element";
	lua_pushfstring(L, "%s %s", kind, el->key ? el->key : el->id ? el->id : "?");
	return 1;
}

static uint32_t link_of(const tm_element *el)
{
	return el ? el->index + 1 : 0;
}

/* Pushes the view of element `index`, made now if it is not yet. */
static void push_view_at(lua_State *L, tm_rules *rules, uint32_t index)
{
	luaL_checkstack(L, 8, "views nested too deeply");
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->views);
	if (lua_rawgeti(L, -1, (lua_Integer)index + 1) != LUA_TNIL) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	const tm_element *el = rules->model->elements[index];
	view_ref *ref = lua_newuserdatauv(L, sizeof *ref, slots_of(el->kind));
	ref->generation = rules->generation;
	ref->index = (uint32_t)el->index;
	ref->kind = (uint8_t)el->kind;
	ref->exposure = (uint8_t)exposure_of(el);
	ref->max_sensitivity = el->max_sensitivity;
	ref->flags =
	    (uint8_t)((el->in_scope ? VIEW_IN_SCOPE : 0) | (el->pii ? VIEW_PII : 0) |
	              (el->bidirectional ? VIEW_BIDIRECTIONAL : 0) | (el->ncrossings ? VIEW_CROSSES : 0));
	if (el->kind == TM_EL_FLOW) {
		ref->link[LINK_SOURCE] = link_of(el->source);
		ref->link[LINK_TARGET] = link_of(el->target);
	} else {
		ref->link[LINK_PARENT] = link_of(el->parent);
		ref->link[LINK_OUTER] = link_of(el->kind == TM_EL_BOUNDARY ? el->outer : NULL);
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->view_mt);
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_rawseti(L, -3, (lua_Integer)index + 1);
	lua_remove(L, -2);
}

void tm_rules_push_view(lua_State *L, tm_rules *rules, const tm_element *el)
{
	push_view_at(L, rules, el->index);
}

/* A linked view (view_ref.link): 1 when pushed, 0 for none. */
static int push_linked_view(lua_State *L, tm_rules *rules, uint32_t link)
{
	if (!link)
		return 0;
	push_view_at(L, rules, link - 1);
	return 1;
}

/* ---- the model view ---- */

static void set_string(lua_State *L, const char *name, const char *value)
{
	if (!value)
		return;
	lua_pushstring(L, value);
	lua_setfield(L, -2, name);
}

static void set_date(lua_State *L, const char *name, int32_t date)
{
	if (date == TM_NO_DATE)
		return;
	char text[11];
	tm_date_format(date, text);
	lua_pushstring(L, text);
	lua_setfield(L, -2, name);
}

static void set_place(lua_State *L, const tm_decl *decl)
{
	if (!decl || !decl->span.src)
		return;
	uint32_t line, column;
	tm_source_position(decl->span.src, decl->span.start, &line, &column);
	set_string(L, "file", decl->span.src->path);
	lua_pushinteger(L, line);
	lua_setfield(L, -2, "line");
}

/* ASCII only, whatever the locale: the same answer on every machine. */
static bool ascii_letter(unsigned char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26;
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* A word to look for, lower-case; found once some name holds it at a
 * word start (the name's beginning, or after a character that is not a
 * letter). */
typedef struct stem {
	const char *text; /* lower-case */
	size_t len;
	int arg; /* its index in the caller's list */
	bool found;
} stem;

static size_t mention_scan(const char *text, stem *stems, const size_t *first, const size_t *next,
                           size_t missing)
{
	for (size_t i = 0; text && text[i] && missing; i++) {
		unsigned char c = (unsigned char)text[i];
		if (i > 0 && ascii_letter((unsigned char)text[i - 1]))
			continue;
		for (size_t s = first[ascii_lower(c)]; s != SIZE_MAX; s = next[s]) {
			if (stems[s].found)
				continue;
			size_t k = 0;
			while (k < stems[s].len && text[i + k] &&
			       ascii_lower((unsigned char)text[i + k]) == (unsigned char)stems[s].text[k])
				k++;
			if (k == stems[s].len) {
				stems[s].found = true;
				missing--;
			}
		}
	}
	return missing;
}

/* Where the arguments of a model function taking a table start: 2 when
 * it was called as model:f(...), else 1. */
static int first_arg(lua_State *L, tm_rules *rules)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->model_view);
	bool method = lua_rawequal(L, 1, -1);
	lua_pop(L, 1);
	return method ? 2 : 1;
}

/* mentions(words), also model:mentions(words): the set {word = true} of
 * the given words that begin a word (case aside) in the id, key or label
 * of an external, process, store or flow. One pass over the model's
 * names in C, for rules like "is an admin path modelled anywhere". */
static int model_mentions(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	int arg = first_arg(L, rules);
	luaL_checktype(L, arg, LUA_TTABLE);
	if (!rules->model)
		return luaL_error(L, "model.mentions used outside a run");
	lua_Integer count = luaL_len(L, arg);
	if (count < 0 || count > 4096)
		return luaL_error(L, "model.mentions takes at most 4096 words");
	size_t total = 0;
	for (lua_Integer i = 1; i <= count; i++) {
		size_t len;
		if (lua_geti(L, arg, i) != LUA_TSTRING)
			return luaL_error(L, "model.mentions: word %d is a %s (expected a string)", (int)i,
			                  luaL_typename(L, -1));
		lua_tolstring(L, -1, &len);
		total += len + 1;
		lua_pop(L, 1);
	}
	stem *stems = lua_newuserdatauv(L, sizeof(stem) * (size_t)(count + 1), 0);
	size_t *first = lua_newuserdatauv(L, sizeof(size_t) * (size_t)(count + 1 + 256), 0);
	size_t *next = first + 256;
	char *lower = lua_newuserdatauv(L, total + 1, 0);
	for (int c = 0; c < 256; c++)
		first[c] = SIZE_MAX;
	size_t n = 0;
	for (lua_Integer i = 1; i <= count; i++) {
		size_t len;
		lua_geti(L, arg, i);
		const char *word = lua_tolstring(L, -1, &len);
		for (size_t k = 0; k < len; k++)
			lower[k] = (char)ascii_lower((unsigned char)word[k]);
		lower[len] = '\0';
		lua_pop(L, 1);
		if (len == 0)
			continue;
		stems[n] = (stem){lower, len, (int)i, false};
		next[n] = first[(unsigned char)lower[0]];
		first[(unsigned char)lower[0]] = n;
		lower += len + 1;
		n++;
	}
	size_t missing = n;
	const tm_model *model = rules->model;
	for (size_t i = 0; i < model->nelements && missing; i++) {
		const tm_element *el = model->elements[i];
		if (!is_node(el) && el->kind != TM_EL_FLOW)
			continue;
		missing = mention_scan(el->id, stems, first, next, missing);
		if (el->key != el->id)
			missing = mention_scan(el->key, stems, first, next, missing);
		if (el->label != el->key && el->label != el->id)
			missing = mention_scan(el->label, stems, first, next, missing);
	}
	lua_createtable(L, 0, (int)(n - missing));
	for (size_t s = 0; s < n; s++) {
		if (!stems[s].found)
			continue;
		lua_geti(L, arg, stems[s].arg);
		lua_pushboolean(L, 1);
		lua_rawset(L, -3);
	}
	return 1;
}

/* get(key), also callable as model:get(key). */
static int model_get(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	int arg = lua_type(L, 1) == LUA_TTABLE ? 2 : 1;
	const char *key = luaL_checkstring(L, arg);
	if (!rules->model)
		return luaL_error(L, "model.get used outside a run");
	const tm_element *el = tm_model_get(rules->model, key);
	push_view_or_nil(L, rules, el);
	return 1;
}

/* elements([kind]), also callable as model:elements(kind). */
static int model_elements(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	int arg = lua_type(L, 1) == LUA_TTABLE ? 2 : 1;
	const char *kind = luaL_optstring(L, arg, NULL);
	if (!rules->model)
		return luaL_error(L, "model.elements used outside a run");
	int want = TM_EL_COUNT;
	if (kind) {
		for (want = 0; want < TM_EL_COUNT; want++)
			if (strcmp(kind, tm_element_kind_names[want]) == 0)
				break;
		if (want == TM_EL_COUNT)
			return luaL_error(
			    L,
			    "unknown element kind '%s' (expected external, process, store, flow, "
			    "boundary, asset or actor)",
			    kind);
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->kinds);
	if (lua_rawgeti(L, -1, want + 1) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	const tm_model *model = rules->model;
	lua_createtable(L, 0, 0);
	lua_Integer n = 0;
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (want != TM_EL_COUNT && (int)el->kind != want)
			continue;
		tm_rules_push_view(L, rules, el);
		lua_rawseti(L, -2, ++n);
	}
	seal(L);
	lua_pushvalue(L, -1);
	lua_rawseti(L, -3, want + 1);
	return 1;
}

static void push_threats(lua_State *L, const tm_model *model)
{
	lua_createtable(L, (int)model->nthreats, 0);
	for (size_t i = 0; i < model->nthreats; i++) {
		const tm_threat *threat = &model->threats[i];
		lua_createtable(L, 0, 6);
		set_string(L, "id", threat->id);
		set_string(L, "title", threat->title);
		set_string(L, "category", threat->category);
		set_string(L, "on",
		           threat->element && threat->element->key ? threat->element->key
		                                                   : threat->element_key);
		set_place(L, threat->decl);
		seal(L);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	seal(L);
}

static void push_mitigations(lua_State *L, const tm_model *model)
{
	lua_createtable(L, (int)model->nmitigations, 0);
	for (size_t i = 0; i < model->nmitigations; i++) {
		const tm_mitigation *mitigation = &model->mitigations[i];
		lua_createtable(L, 0, 8);
		set_string(L, "id", mitigation->id);
		set_string(L, "title", mitigation->title);
		lua_createtable(L, (int)mitigation->nmitigates, 0);
		for (size_t j = 0; j < mitigation->nmitigates; j++) {
			lua_pushstring(L, mitigation->mitigates[j] ? mitigation->mitigates[j] : "");
			lua_rawseti(L, -2, (lua_Integer)j + 1);
		}
		seal(L);
		lua_setfield(L, -2, "mitigates");
		if ((unsigned)mitigation->status <= TM_MIT_VERIFIED)
			set_string(L, "status", tm_mitigation_status_names[mitigation->status]);
		set_string(L, "owner", mitigation->owner);
		set_date(L, "due", mitigation->due);
		set_place(L, mitigation->decl);
		seal(L);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	seal(L);
}

static void push_acceptances(lua_State *L, const tm_model *model)
{
	lua_createtable(L, (int)model->nacceptances, 0);
	for (size_t i = 0; i < model->nacceptances; i++) {
		const tm_acceptance *acceptance = &model->acceptances[i];
		lua_createtable(L, 0, 7);
		set_string(L, "finding", acceptance->finding);
		set_string(L, "reason", acceptance->reason);
		set_string(L, "by", acceptance->by);
		set_date(L, "until", acceptance->until);
		lua_pushboolean(L, acceptance->false_positive);
		lua_setfield(L, -2, "false_positive");
		set_place(L, acceptance->decl);
		seal(L);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	seal(L);
}

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
		seal(L);
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
	return pairs_with(L, finding_next);
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
	return pairs_with(L, finding_list_next);
}

/* Pushes a finding list of these indices, or of every finding seen
 * (indices NULL). */
static void push_finding_list(lua_State *L, tm_rules *rules, const size_t *indices, size_t count)
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

typedef struct id_entry {
	const char *id;
	size_t index;
} id_entry;

/* By id, then (for equal ids) by position, so the first one wins. */
static int compare_finding_ids(const void *a, const void *b)
{
	const id_entry *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* finding(id), also callable as model:finding(id). */
static int model_finding(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	int arg = lua_type(L, 1) == LUA_TTABLE ? 2 : 1;
	const char *id = luaL_checkstring(L, arg);
	if (!rules->findings)
		return luaL_error(L, "model.finding is only available to model and finding rules");
	size_t count = rules->nfindings_seen;
	if (!rules->findings_by_id) {
		id_entry *entries = tm_xmalloc(sizeof *entries * (count + 1));
		for (size_t i = 0; i < count; i++) {
			const char *fid = rules->findings->items[i].id;
			entries[i] = (id_entry){fid ? fid : "", i};
		}
		qsort(entries, count, sizeof *entries, compare_finding_ids);
		rules->findings_by_id = tm_xmalloc(sizeof(size_t) * (count + 1));
		for (size_t i = 0; i < count; i++)
			rules->findings_by_id[i] = entries[i].index;
		free(entries);
	}
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *mid_id = rules->findings->items[rules->findings_by_id[mid]].id;
		if (strcmp(mid_id ? mid_id : "", id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < count) {
		const char *found = rules->findings->items[rules->findings_by_id[lo]].id;
		if (found && strcmp(found, id) == 0) {
			push_finding(L, rules, rules->findings_by_id[lo]);
			return 1;
		}
	}
	lua_pushnil(L);
	return 1;
}

/* __index of the model view's data: model.findings, built on first use. */
/* Memory for a filter read by findings_where: a userdata left on the
 * stack, so it lives as long as the call. */
static void *stack_block(void *L, size_t size)
{
	return lua_newuserdatauv(L, size, 0);
}

/* The filter table at idx, or none when absent; raises on a bad table or
 * a name that is no finding field. */
static rule_filter *read_finding_filter(lua_State *L, int idx, const char *what, size_t *count)
{
	*count = 0;
	if (lua_isnoneornil(L, idx))
		return NULL;
	rule_filter *filters;
	char error[200];
	if (!tm_rules_read_filters(L, idx, what, stack_block, L, &filters, count, error, sizeof error))
		luaL_error(L, "model.findings_where: %s", error);
	for (size_t i = 0; i < *count; i++)
		if (tm_rules_finding_field(filters[i].attr) < 0)
			luaL_error(L,
			           "model.findings_where: '%s' is no finding field (status, risk, rule, "
			           "framework, category, pack)",
			           filters[i].attr);
	return filters;
}

/* Sets set[lower-case text] = true in the table at idx for each string a
 * view would show for this value: the value itself, or the items of a
 * list (as threatlib's add_words does with `attr[name]`). */
static void add_value_words(lua_State *L, int set, const tm_value *value, bool in_list)
{
	if (!value)
		return;
	switch (value->kind) {
	case TM_VAL_LIST:
		for (size_t i = 0; !in_list && value->items && i < value->nitems; i++)
			add_value_words(L, set, value->items[i], true);
		return;
	case TM_VAL_IDENT:
	case TM_VAL_STRING:
	case TM_VAL_DATE:
	case TM_VAL_REF: break;
	default: return; /* numbers, booleans and blocks are no words */
	}
	push_value(L, value);
	size_t len;
	const char *text = lua_tolstring(L, -1, &len);
	luaL_Buffer b;
	char *lower = luaL_buffinitsize(L, &b, len);
	for (size_t k = 0; k < len; k++)
		lower[k] = (char)ascii_lower((unsigned char)text[k]);
	luaL_pushresultsize(&b, len);
	lua_pushboolean(L, 1);
	lua_rawset(L, set);
	lua_pop(L, 1);
}

/* words(name [, kinds]), also model:words(...): the set {word = true} of
 * the lower-case words attribute `name` holds (a word, or a list of them)
 * on the elements of the given kinds (a kind or a list of kinds; every
 * kind when left out). One pass over the model in C, for model-wide
 * indexes such as "which protocols does this model use". */
static int model_words(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	int arg = first_arg(L, rules);
	const char *name = luaL_checkstring(L, arg);
	if (!rules->model)
		return luaL_error(L, "model.words used outside a run");
	unsigned kinds = 0;
	int type = lua_type(L, arg + 1);
	if (type == LUA_TNONE || type == LUA_TNIL) {
		kinds = ~0u;
	} else {
		size_t n = type == LUA_TTABLE ? lua_rawlen(L, arg + 1) : 1;
		for (size_t i = 1; i <= n; i++) {
			if (type == LUA_TTABLE)
				lua_rawgeti(L, arg + 1, (lua_Integer)i);
			else
				lua_pushvalue(L, arg + 1);
			const char *kind = lua_tostring(L, -1);
			int k = 0;
			while (kind && k < TM_EL_COUNT && strcmp(kind, tm_element_kind_names[k]) != 0)
				k++;
			if (!kind || k == TM_EL_COUNT)
				return luaL_error(L, "model.words: unknown element kind '%s'",
				                  kind ? kind : luaL_typename(L, -1));
			kinds |= 1u << k;
			lua_pop(L, 1);
		}
	}
	lua_newtable(L);
	int set = lua_gettop(L);
	const tm_model *model = rules->model;
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->kind < TM_EL_COUNT && (kinds & (1u << el->kind)))
			add_value_words(L, set, tm_element_attr(el, name), false);
	}
	return 1;
}

/* findings_where(requires [, unless]), also model:findings_where(...):
 * the phase-2 findings whose fields hold a word of every `requires`
 * entry and of no `unless` one, like a finding rule's filters, as finding
 * views; only those get a view. */
static int model_findings_where(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	int arg = first_arg(L, rules);
	luaL_checktype(L, arg, LUA_TTABLE);
	bool has_unless = lua_gettop(L) > arg; /* before the filters push their storage */
	size_t nrequires, nunless = 0;
	const rule_filter *requires = read_finding_filter(L, arg, "requires", &nrequires);
	const rule_filter *unless = has_unless ? read_finding_filter(L, arg + 1, "unless", &nunless) : NULL;
	size_t seen = rules->findings ? rules->nfindings_seen : 0;
	/* The indices in a userdata first, so a memory error frees them. */
	size_t *indices = lua_newuserdatauv(L, (seen ? seen : 1) * sizeof *indices, 0);
	size_t n = 0;
	for (size_t i = 0; i < seen; i++)
		if (tm_rules_finding_passes(&rules->findings->items[i], requires, nrequires, unless, nunless))
			indices[n++] = i;
	push_finding_list(L, rules, indices, n);
	return 1;
}

static int model_lazy(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	if (lua_type(L, 2) != LUA_TSTRING || strcmp(lua_tostring(L, 2), "findings") != 0 || !rules->findings)
		return 0;
	push_finding_list(L, rules, NULL, rules->nfindings_seen);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, -2);
	lua_rawset(L, 1);
	return 1;
}

/* ---- runs ---- */

/* The shared metatable of a kind of read-only userdata (view lists,
 * finding views): its methods, an optional __name for messages, and
 * __metatable false so packs cannot reach it. */
static void push_userdata_mt(lua_State *L, const luaL_Reg *methods, const char *name)
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

void tm_rules_views_open(tm_rules *rules)
{
	lua_State *L = rules->L;
	static const luaL_Reg view_methods[] = {{"__index", view_index},
	                                        {"__newindex", ro_newindex},
	                                        {"__pairs", view_pairs},
	                                        {"__tostring", view_tostring},
	                                        {NULL, NULL}};
	push_userdata_mt(L, view_methods, NULL);
	rules->view_mt = luaL_ref(L, LUA_REGISTRYINDEX);

	lua_newtable(L);
	seal(L);
	rules->empty = luaL_ref(L, LUA_REGISTRYINDEX);

	static const luaL_Reg list_methods[] = {{"__index", list_index},
	                                        {"__len", list_len},
	                                        {"__pairs", list_pairs},
	                                        {"__newindex", ro_newindex},
	                                        {NULL, NULL}};
	push_userdata_mt(L, list_methods, "view list");
	rules->list_mt = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newuserdatauv(L, 0, 1);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->list_mt);
	lua_setmetatable(L, -2);
	rules->empty_list = luaL_ref(L, LUA_REGISTRYINDEX);

	static const luaL_Reg finding_methods[] = {{"__index", finding_index},
	                                           {"__newindex", ro_newindex},
	                                           {"__pairs", finding_pairs},
	                                           {"__tostring", finding_tostring},
	                                           {NULL, NULL}};
	push_userdata_mt(L, finding_methods, NULL);
	rules->finding_mt = luaL_ref(L, LUA_REGISTRYINDEX);

	static const luaL_Reg finding_list_methods[] = {{"__index", finding_list_index},
	                                                {"__len", finding_list_len},
	                                                {"__pairs", finding_list_pairs},
	                                                {"__newindex", ro_newindex},
	                                                {NULL, NULL}};
	push_userdata_mt(L, finding_list_methods, "finding list");
	rules->finding_list_mt = luaL_ref(L, LUA_REGISTRYINDEX);

	rules->views = rules->kinds = rules->model_view = rules->attrs.tables = rules->lists.tables =
	    LUA_NOREF;

	lua_createtable(L, TM_LF_COUNT + TM_IF_COUNT, 0);
	for (int i = 0; i < TM_LF_COUNT; i++) {
		rules->likelihood_names[i] = lua_pushstring(L, tm_likelihood_factor_names[i]);
		lua_rawseti(L, -2, i + 1);
	}
	for (int i = 0; i < TM_IF_COUNT; i++) {
		rules->impact_names[i] = lua_pushstring(L, tm_impact_factor_names[i]);
		lua_rawseti(L, -2, TM_LF_COUNT + i + 1);
	}
	luaL_ref(L, LUA_REGISTRYINDEX);

	lua_createtable(L, EF_COUNT, 0);
	for (int i = 0; i < EF_COUNT; i++) {
		rules->element_keys[i] = lua_pushstring(L, element_fields[i]);
		lua_rawseti(L, -2, i + 1);
	}
	rules->keys = luaL_ref(L, LUA_REGISTRYINDEX);

	lua_createtable(L, NAME_COUNT, 0);
	for (int kind = 0; kind < TM_EL_COUNT; kind++) {
		lua_pushstring(L, tm_element_kind_names[kind]);
		lua_rawseti(L, -2, NAME_KIND(kind));
	}
	for (int exposure = 0; exposure < 4; exposure++) {
		lua_pushstring(L, tm_exposure_names[exposure] ? tm_exposure_names[exposure] : "");
		lua_rawseti(L, -2, NAME_EXPOSURE(exposure));
	}
	for (int sensitivity = 0; sensitivity < 5; sensitivity++) {
		lua_pushstring(L, tm_sensitivity_names[sensitivity]);
		lua_rawseti(L, -2, NAME_SENSITIVITY(sensitivity));
	}
	lua_pushliteral(L, "internet");
	lua_rawseti(L, -2, NAME_INTERNET);
	rules->names = luaL_ref(L, LUA_REGISTRYINDEX);

	_Static_assert(sizeof rules->finding_keys / sizeof *rules->finding_keys == FF_COUNT,
	               "finding_keys has a slot per finding field");
	lua_createtable(L, FF_COUNT, 0);
	for (int i = 0; i < FF_COUNT; i++) {
		rules->finding_keys[i] = lua_pushstring(L, finding_fields[i]);
		lua_rawseti(L, -2, i + 1);
	}
	luaL_ref(L, LUA_REGISTRYINDEX);
}

static void unref(lua_State *L, int *ref)
{
	luaL_unref(L, LUA_REGISTRYINDEX, *ref);
	*ref = LUA_NOREF;
}

void tm_rules_views_begin(tm_rules *rules, const tm_model *model, int32_t today, bool reuse)
{
	lua_State *L = rules->L;
	reuse = reuse && rules->views != LUA_NOREF && rules->views_model == model;
	/* Phase 2 keeps phase 1's model view too (the same model, the same
	 * day), so what packs cached per model (threatlib's per_model: word
	 * indexes, the model's personal data...) is not worked out again;
	 * only its findings are phase 2's own. */
	bool same_model_view = reuse && rules->model_view != LUA_NOREF && rules->today == today;
	tm_rules_views_end(rules, reuse);
	rules->model = model;
	rules->gdpr = -1;
	rules->today = today;
	if (same_model_view) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, rules->model_view);
		push_data(L, -1);
		lua_pushliteral(L, "findings");
		lua_pushnil(L);
		lua_rawset(L, -3);
		lua_pop(L, 2);
		return;
	}
	unref(L, &rules->model_view);
	if (!reuse) {
		rules->generation++;
		rules->views_model = model;
		lua_createtable(L, model->nelements < 1u << 26 ? (int)model->nelements : 0, 0);
		rules->views = luaL_ref(L, LUA_REGISTRYINDEX);
		lua_newtable(L);
		rules->kinds = luaL_ref(L, LUA_REGISTRYINDEX);
	}

	lua_createtable(L, 0, 10);
	const tm_meta *meta = &model->meta;
	lua_createtable(L, 0, 8);
	if (meta->decl)
		fill_block(L, meta->decl->block);
	set_string(L, "name", meta->name);
	seal(L);
	lua_setfield(L, -2, "meta");
	lua_pushcfunction(L, model_get);
	lua_setfield(L, -2, "get");
	lua_pushcfunction(L, model_elements);
	lua_setfield(L, -2, "elements");
	lua_pushcfunction(L, model_mentions);
	lua_setfield(L, -2, "mentions");
	lua_pushcfunction(L, model_findings_where);
	lua_setfield(L, -2, "findings_where");
	lua_pushcfunction(L, model_words);
	lua_setfield(L, -2, "words");
	lua_pushcfunction(L, model_finding);
	lua_setfield(L, -2, "finding");
	push_threats(L, model);
	lua_setfield(L, -2, "threats");
	push_mitigations(L, model);
	lua_setfield(L, -2, "mitigations");
	push_acceptances(L, model);
	lua_setfield(L, -2, "acceptances");
	set_date(L, "today", today);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, model_lazy);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	seal(L);
	rules->model_view = luaL_ref(L, LUA_REGISTRYINDEX);
}

void tm_rules_views_findings(tm_rules *rules, const tm_findings *findings, size_t count)
{
	rules->findings = (tm_findings *)findings;
	rules->nfindings_seen = count;
	free(rules->findings_by_id);
	rules->findings_by_id = NULL;
}

void tm_rules_views_end(tm_rules *rules, bool keep)
{
	lua_State *L = rules->L;
	if (!keep) {
		unref(L, &rules->views);
		unref(L, &rules->kinds);
		rules->views_model = NULL;
		free(rules->crossed_start);
		free(rules->crossed_flows);
		rules->crossed_start = NULL;
		rules->crossed_flows = NULL;
		shared_drop(L, &rules->attrs);
		shared_drop(L, &rules->lists);
		unref(L, &rules->model_view);
	}
	rules->model = NULL;
	rules->findings = NULL;
	rules->nfindings_seen = 0;
	free(rules->findings_by_id);
	rules->findings_by_id = NULL;
}
