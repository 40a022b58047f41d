/* Attribute values as packs see them, and the tables shared by equal
 * contents for one run: elements with equal attributes share one attr
 * table, and (element_view.c) equal lists of views one list. */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "base/date.h"
#include "base/xalloc.h"
#include "rules/views.h"

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

void tm_rules_push_value(lua_State *L, const tm_value *value)
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
			tm_rules_push_value(L, value->items[i]);
			lua_rawseti(L, -2, (lua_Integer)++n);
		}
		tm_rules_seal(L);
		break;
	case TM_VAL_BLOCK: push_block(L, value->block); break;
	case TM_VAL_REF: push_ref_text(L, value->ref); break;
	default: lua_pushnil(L); break;
	}
}

void tm_rules_fill_block(lua_State *L, const tm_block *block)
{
	for (size_t i = 0; block && i < block->count; i++) {
		const tm_attr *attr = block->items[i].attr;
		if (!attr || !attr->name || !attr->value)
			continue;
		tm_rules_push_value(L, attr->value);
		lua_setfield(L, -2, attr->name);
	}
}

/* A block's attributes as a read-only table. */
static void push_block(lua_State *L, const tm_block *block)
{
	lua_createtable(L, 0, block ? (int)block->count : 0);
	tm_rules_fill_block(L, block);
	tm_rules_seal_hash(L);
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

/* Whether tm_rules_push_value would build equal Lua values from a and b. */
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
 * returns false with *at the slot where tm_rules_shared_keep will put a
 * new one. */
bool tm_rules_shared_find(lua_State *L, shared_set *set, uint32_t hash, const void *key, size_t count,
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
 * tm_rules_shared_find gave. */
void tm_rules_shared_keep(lua_State *L, shared_set *set, size_t at, uint32_t hash, const void *key,
                          size_t count)
{
	int slot = (int)++set->count;
	lua_rawgeti(L, LUA_REGISTRYINDEX, set->tables);
	lua_pushvalue(L, -2);
	lua_rawseti(L, -2, slot);
	lua_pop(L, 1);
	set->entries[at] = (shared_entry){key, count, hash, slot};
}

void tm_rules_shared_drop(lua_State *L, shared_set *set)
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
void tm_rules_push_shared_attr(lua_State *L, tm_rules *rules, const tm_block *block)
{
	uint32_t hash = hash_block(block, 2166136261u);
	size_t at;
	if (tm_rules_shared_find(L, &rules->attrs, hash, block, 0, same_attrs, &at))
		return;
	push_block(L, block);
	tm_rules_shared_keep(L, &rules->attrs, at, hash, block, 0);
}
