/* Element views and lists of views (doc/rules.md "Views"). An element
 * view is a small userdata (the element's index, kind and the run's
 * generation) with one metatable shared by all views; its __index builds
 * a field on first access and keeps the costly ones (strings, attribute
 * tables, lists) in the view's user values, so a view is built once per
 * run and such a field once per view. A view kept in a pack global past
 * its run raises an error instead of reading a freed model. Also the
 * scales a factor may name, worked out from an element. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "base/xalloc.h"
#include "rules/views.h"

/* ---- element views ---- */

/* ORDER element_fields; the names are interned once
 * (tm_rules_element_views_open) so a key is found by comparing pointers: Lua interns short strings, so
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

/* The slot of element_key_slots a key pointer hashes to first. Every
 * field read of every rule starts here, so the 33 names are found by a
 * probe or two in a table of 64, not by comparing them in turn. */
#define KEY_SLOTS 64
_Static_assert(sizeof((tm_rules *)0)->element_key_slots == KEY_SLOTS, "element_key_slots");
static unsigned key_slot(const char *key)
{
	return (unsigned)((((uintptr_t)key >> 3) * UINT64_C(0x9E3779B97F4A7C15)) >> 58);
}

/* The field a Lua string key names, or EF_COUNT. */
static int element_field_of(const tm_rules *rules, const char *key)
{
	for (unsigned slot = key_slot(key);; slot = (slot + 1) % KEY_SLOTS) {
		int which = rules->element_key_slots[slot];
		if (which == 0)
			return EF_COUNT;
		if (rules->element_keys[which - 1] == key)
			return which - 1;
	}
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
 * mostly walked once, by threatlib's cached helpers.
 *
 * A node's inflows, outflows and children, and model.elements(kind), are
 * lazy: the userdata names the element or the kind and the list (a
 * list_ref), and the table of views is built the first time the list is
 * walked. Until then `#list` and `list[i]` are answered from the model,
 * so a rule that only asks whether a process has children, or how many
 * flows it has, makes no view of them (a model-wide count such as
 * hygiene's granularity asks it of every process). */

enum { LIST_INFLOWS, LIST_OUTFLOWS, LIST_CHILDREN, LIST_KIND };

typedef struct list_ref {
	uint32_t generation; /* of the run that made it */
	uint32_t index;      /* of the element, into model->elements; LIST_KIND: the kind */
	uint8_t which;       /* LIST_INFLOWS, ... */
} list_ref;

/* The model's elements of one kind (TM_EL_COUNT: all of them), gathered
 * the first time a run asks. */
static tm_element *const *elements_of_kind(tm_rules *rules, int kind, size_t *count)
{
	const tm_model *model = rules->model;
	if (kind >= TM_EL_COUNT) {
		*count = model->nelements;
		return model->elements;
	}
	if (!rules->kind_gathered[kind]) {
		/* one pass: each element read is a cache miss on a large model */
		tm_element **items = NULL;
		size_t n = 0, cap = 0;
		for (size_t i = 0; i < model->nelements; i++)
			if ((int)model->elements[i]->kind == kind)
				TM_VEC_PUSH(items, n, cap, model->elements[i]);
		rules->kind_elements[kind] = items;
		rules->nkind_elements[kind] = n;
		rules->kind_gathered[kind] = true;
	}
	*count = rules->nkind_elements[kind];
	return rules->kind_elements[kind];
}

/* The items of a lazy list, from its element or the model (checked to be
 * of this run), and their count. */
static tm_element *const *lazy_items(lua_State *L, tm_rules *rules, const list_ref *ref, size_t *count)
{
	if (!rules->model || ref->generation != rules->generation ||
	    (ref->which != LIST_KIND && ref->index >= rules->model->nelements))
		luaL_error(L, "a view was kept past the run that made it");
	if (ref->which == LIST_KIND)
		return elements_of_kind(rules, (int)ref->index, count);
	const tm_element *el = rules->model->elements[ref->index];
	switch (ref->which) {
	case LIST_INFLOWS: *count = el->ninflows; return el->inflows;
	case LIST_OUTFLOWS: *count = el->noutflows; return el->outflows;
	default: *count = el->nchildren; return el->children;
	}
}

static void fill_items(lua_State *L, tm_rules *rules, tm_element *const *elements, size_t count)
{
	lua_createtable(L, (int)count, 0);
	for (size_t i = 0; i < count; i++) {
		tm_rules_push_view(L, rules, elements[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* Pushes the items table of the list at idx, built now for a lazy list
 * walked for the first time. */
static void push_items(lua_State *L, int idx)
{
	if (lua_getiuservalue(L, idx, 1) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	tm_rules *rules = tm_rules_of(L);
	size_t count;
	tm_element *const *elements = lazy_items(L, rules, lua_touserdata(L, idx), &count);
	idx = lua_absindex(L, idx);
	fill_items(L, rules, elements, count);
	lua_pushvalue(L, -1);
	lua_setiuservalue(L, idx, 1);
}

static int list_index(lua_State *L)
{
	if (lua_getiuservalue(L, 1, 1) == LUA_TTABLE) {
		lua_pushvalue(L, 2);
		lua_rawget(L, -2);
		return 1;
	}
	/* a lazy list not walked yet: the one item asked for */
	int exact;
	lua_Integer i = lua_tointegerx(L, 2, &exact);
	tm_rules *rules = tm_rules_of(L);
	size_t count;
	tm_element *const *elements = lazy_items(L, rules, lua_touserdata(L, 1), &count);
	if (!exact || i < 1 || (lua_Unsigned)i > count)
		return 0;
	tm_rules_push_view(L, rules, elements[i - 1]);
	return 1;
}

static int list_len(lua_State *L)
{
	if (lua_getiuservalue(L, 1, 1) == LUA_TTABLE) {
		lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
		return 1;
	}
	size_t count;
	lazy_items(L, tm_rules_of(L), lua_touserdata(L, 1), &count);
	lua_pushinteger(L, (lua_Integer)count);
	return 1;
}

static int list_next(lua_State *L)
{
	push_items(L, 1);
	lua_pushvalue(L, 2);
	if (lua_next(L, -2))
		return 2;
	lua_pushnil(L);
	return 1;
}

static int list_pairs(lua_State *L)
{
	return tm_rules_pairs_with(L, list_next);
}

/* ipairs' step over a view list (its items built by views_ipairs): the
 * item straight from the list's table. */
static int list_ipairs_step(lua_State *L)
{
	lua_Integer i = luaL_checkinteger(L, 2) + 1;
	lua_getiuservalue(L, 1, 1);
	if (lua_rawgeti(L, -1, i) == LUA_TNIL)
		return 1;
	lua_pushinteger(L, i);
	lua_insert(L, -2);
	return 2;
}

/* The packs' ipairs: Lua's, except that a view list (upvalue 1 is the
 * lists' metatable) is walked without its __index, one C call a step
 * instead of two; rules walk inflows, outflows and children of every
 * element. Anything else gets Lua's own step (upvalue 2). */
static int views_ipairs(lua_State *L)
{
	luaL_checkany(L, 1);
	bool list = lua_type(L, 1) == LUA_TUSERDATA && lua_getmetatable(L, 1) &&
	            lua_rawequal(L, -1, lua_upvalueindex(1));
	lua_settop(L, 1);
	if (list) {
		push_items(L, 1);
		lua_pop(L, 1);
		lua_pushcfunction(L, list_ipairs_step);
	} else {
		lua_pushvalue(L, lua_upvalueindex(2));
	}
	lua_insert(L, 1);
	lua_pushinteger(L, 0);
	return 3;
}

static void push_view_list(lua_State *L, tm_rules *rules, tm_element *const *elements, size_t count)
{
	if (count == 0) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, rules->empty_list);
		return;
	}
	lua_newuserdatauv(L, 0, 1);
	fill_items(L, rules, elements, count);
	lua_setiuservalue(L, -2, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->list_mt);
	lua_setmetatable(L, -2);
}

/* A lazy list (`which`, of element or kind `index`), built when walked. */
static void push_lazy(lua_State *L, tm_rules *rules, uint32_t index, int which, size_t count)
{
	if (count == 0) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, rules->empty_list);
		return;
	}
	list_ref *ref = lua_newuserdatauv(L, sizeof *ref, 1);
	*ref = (list_ref){.generation = rules->generation, .index = index, .which = (uint8_t)which};
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->list_mt);
	lua_setmetatable(L, -2);
}

void tm_rules_push_elements(lua_State *L, tm_rules *rules, int kind)
{
	size_t count;
	elements_of_kind(rules, kind, &count);
	push_lazy(L, rules, (uint32_t)kind, LIST_KIND, count);
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
	if (tm_rules_shared_find(L, &rules->lists, hash, items, count, same_items, &at))
		return;
	push_view_list(L, rules, items, count);
	tm_rules_shared_keep(L, &rules->lists, at, hash, items, count);
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

/* ---- the fields of an element view ---- */

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
			tm_rules_push_shared_attr(L, rules, block);
		else
			push_empty(L, rules); /* most elements: no table of their own */
		return true;
	}
	case EF_ASSETS: push_shared_list(L, rules, el->assets, el->nassets); return true;
	case EF_BOUNDARIES: push_shared_list(L, rules, el->boundaries, el->nboundaries); return true;
	case EF_CHILDREN: push_lazy(L, rules, el->index, LIST_CHILDREN, el->nchildren); return true;
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
		if (!tm_rules_is_node(el))
			return false;
		push_lazy(L, rules, el->index, LIST_INFLOWS, el->ninflows);
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
		if (!tm_rules_is_node(el))
			return false;
		push_lazy(L, rules, el->index, LIST_OUTFLOWS, el->noutflows);
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
		if (!tm_rules_is_node(el))
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

void tm_rules_element_views_open(tm_rules *rules)
{
	lua_State *L = rules->L;
	static const luaL_Reg view_methods[] = {{"__index", view_index},
	                                        {"__newindex", tm_rules_readonly_newindex},
	                                        {"__pairs", view_pairs},
	                                        {"__tostring", view_tostring},
	                                        {NULL, NULL}};
	tm_rules_push_userdata_mt(L, view_methods, NULL);
	rules->view_mt = luaL_ref(L, LUA_REGISTRYINDEX);

	lua_newtable(L);
	tm_rules_seal(L);
	rules->empty = luaL_ref(L, LUA_REGISTRYINDEX);

	static const luaL_Reg list_methods[] = {{"__index", list_index},
	                                        {"__len", list_len},
	                                        {"__pairs", list_pairs},
	                                        {"__newindex", tm_rules_readonly_newindex},
	                                        {NULL, NULL}};
	tm_rules_push_userdata_mt(L, list_methods, "view list");
	/* The packs' ipairs, with the lists' metatable and the step function
	 * Lua's own ipairs returns. */
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->shared);
	lua_pushvalue(L, -2);
	lua_getfield(L, -2, "ipairs");
	lua_newtable(L);
	lua_call(L, 1, 1);
	lua_pushcclosure(L, views_ipairs, 2);
	lua_setfield(L, -2, "ipairs");
	lua_pop(L, 1);
	rules->list_mt = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newuserdatauv(L, 0, 1);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->list_mt);
	lua_setmetatable(L, -2);
	rules->empty_list = luaL_ref(L, LUA_REGISTRYINDEX);

	lua_createtable(L, EF_COUNT, 0);
	memset(rules->element_key_slots, 0, sizeof rules->element_key_slots);
	for (int i = 0; i < EF_COUNT; i++) {
		rules->element_keys[i] = lua_pushstring(L, element_fields[i]);
		lua_rawseti(L, -2, i + 1);
		unsigned slot = key_slot(rules->element_keys[i]);
		while (rules->element_key_slots[slot])
			slot = (slot + 1) % KEY_SLOTS;
		rules->element_key_slots[slot] = (uint8_t)(i + 1);
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
}
