/* The model view (doc/rules.md "Views"): the model's meta, threats,
 * mitigations and acceptances as read-only tables, and the model
 * functions packs call (get, elements, mentions, words, and in phase 2
 * finding, findings_where and model.findings). */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "base/date.h"
#include "base/limits.h"
#include "base/task.h"
#include "base/xalloc.h"
#include "rules/views.h"

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

/* A part of the model's elements whose names mention_scan searches. */
typedef struct mention_job {
	tm_task task;
	const tm_model *model;
	size_t from, to;
	stem *stems;
	const size_t *first, *next;
	size_t missing;
} mention_job;

static void scan_elements(void *arg)
{
	mention_job *job = arg;
	for (size_t i = job->from; i < job->to && job->missing; i++) {
		const tm_element *el = job->model->elements[i];
		if (!tm_rules_is_node(el) && el->kind != TM_EL_FLOW)
			continue;
		job->missing = mention_scan(el->id, job->stems, job->first, job->next, job->missing);
		if (el->key != el->id)
			job->missing = mention_scan(el->key, job->stems, job->first, job->next, job->missing);
		if (el->label != el->key && el->label != el->id)
			job->missing =
			    mention_scan(el->label, job->stems, job->first, job->next, job->missing);
	}
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
	const tm_model *model = rules->model;
	/* A large model's second half is scanned on another thread, with
	 * stems of its own (the phase-2 rules that ask run on one engine,
	 * the other core idle). */
	size_t half = model->nelements >= PARALLEL_SCAN_ELEMENTS ? model->nelements / 2 : model->nelements;
	mention_job second = {
	    .model = model, .from = half, .to = model->nelements, .first = first, .next = next, .missing = n};
	if (half < model->nelements) {
		second.stems = lua_newuserdatauv(L, sizeof(stem) * (n ? n : 1), 0);
		memcpy(second.stems, stems, sizeof(stem) * n);
		tm_task_start(&second.task, scan_elements, &second);
	}
	mention_job own = {.model = model,
	                   .from = 0,
	                   .to = half,
	                   .stems = stems,
	                   .first = first,
	                   .next = next,
	                   .missing = n};
	scan_elements(&own);
	if (half < model->nelements) {
		tm_task_wait(&second.task);
		for (size_t s = 0; s < n; s++)
			stems[s].found = stems[s].found || second.stems[s].found;
	}
	lua_createtable(L, 0, 0);
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
	tm_rules_push_view_or_nil(L, rules, el);
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
	/* a list whose views are made when it is walked: `#list` and
	 * `list[1]` make none */
	tm_rules_push_elements(L, rules, want);
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
		tm_rules_seal(L);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	tm_rules_seal(L);
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
		tm_rules_seal(L);
		lua_setfield(L, -2, "mitigates");
		if ((unsigned)mitigation->status <= TM_MIT_VERIFIED)
			set_string(L, "status", tm_mitigation_status_names[mitigation->status]);
		set_string(L, "owner", mitigation->owner);
		set_date(L, "due", mitigation->due);
		set_place(L, mitigation->decl);
		tm_rules_seal(L);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	tm_rules_seal(L);
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
		tm_rules_seal(L);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	tm_rules_seal(L);
}

/* ---- findings for phase 2 ---- */

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
			tm_rules_push_finding_view(L, rules, rules->findings_by_id[lo]);
			return 1;
		}
	}
	lua_pushnil(L);
	return 1;
}

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
		if (filters[i].field < 0)
			luaL_error(L,
			           "model.findings_where: '%s' is no finding field (status, risk, rule, "
			           "framework, category, pack)",
			           filters[i].attr);
	return filters;
}

/* The words a pass of model.words has already put in its set, by the
 * text they are written with: most models repeat a handful of `tech` or
 * `protocol` words, or a hundred asset ids in `data`, on thousands of
 * elements, and each word put costs two strings (as written and
 * lower-cased) that Lua must intern. The parser keeps one copy of each
 * word's text per file, so the pointer finds a word met before; a word
 * whose text lies elsewhere is only put again. Open addressing, and no
 * more words once it is three quarters full. */
#define SEEN_SLOTS 1024
typedef struct seen_words {
	const char *text[SEEN_SLOTS];
	size_t count;
} seen_words;

static bool seen_before(seen_words *seen, const char *text)
{
	size_t slot = (size_t)(((uintptr_t)text >> 3) * UINT64_C(0x9E3779B97F4A7C15) >> 54);
	for (;; slot = (slot + 1) % SEEN_SLOTS) {
		if (seen->text[slot] == text)
			return true;
		if (!seen->text[slot])
			break;
	}
	if (seen->count < SEEN_SLOTS / 4 * 3) {
		seen->text[slot] = text;
		seen->count++;
	}
	return false;
}

/* Sets set[lower-case text] = true in the table at idx for each string a
 * view would show for this value: the value itself, or the items of a
 * list (as threatlib's add_words does with `attr[name]`). */
static void add_value_words(lua_State *L, int set, seen_words *seen, const tm_value *value, bool in_list)
{
	if (!value)
		return;
	switch (value->kind) {
	case TM_VAL_LIST:
		for (size_t i = 0; !in_list && value->items && i < value->nitems; i++)
			add_value_words(L, set, seen, value->items[i], true);
		return;
	case TM_VAL_IDENT:
	case TM_VAL_STRING:
		if (value->text && seen_before(seen, value->text))
			return;
		break;
	case TM_VAL_DATE:
	case TM_VAL_REF: break;
	default: return; /* numbers, booleans and blocks are no words */
	}
	tm_rules_push_value(L, value);
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

/* The element kinds at idx (a kind, a list of kinds, or nothing: every
 * kind) as a bit set; raises on an unknown kind, naming `what`. */
static unsigned kinds_arg(lua_State *L, int idx, const char *what)
{
	unsigned kinds = 0;
	int type = lua_type(L, idx);
	if (type == LUA_TNONE || type == LUA_TNIL)
		return ~0u;
	size_t n = type == LUA_TTABLE ? lua_rawlen(L, idx) : 1;
	for (size_t i = 1; i <= n; i++) {
		if (type == LUA_TTABLE)
			lua_rawgeti(L, idx, (lua_Integer)i);
		else
			lua_pushvalue(L, idx);
		const char *kind = lua_tostring(L, -1);
		int k = 0;
		while (kind && k < TM_EL_COUNT && strcmp(kind, tm_element_kind_names[k]) != 0)
			k++;
		if (!kind || k == TM_EL_COUNT)
			luaL_error(L, "%s: unknown element kind '%s'", what,
			           kind ? kind : luaL_typename(L, -1));
		kinds |= 1u << k;
		lua_pop(L, 1);
	}
	return kinds;
}

/* states(name [, kinds]), also model:states(...): whether some element of
 * `kinds` states attribute `name`, whatever its value; one pass in C that
 * stops at the first, for rules that have nothing to say about a model
 * that never uses an attribute. */
static int model_states(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	int arg = first_arg(L, rules);
	const char *name = luaL_checkstring(L, arg);
	if (!rules->model)
		return luaL_error(L, "model.states used outside a run");
	unsigned kinds = kinds_arg(L, arg + 1, "model.states");
	const tm_model *model = rules->model;
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->kind < TM_EL_COUNT && (kinds & (1u << el->kind)) && tm_element_attr(el, name)) {
			lua_pushboolean(L, 1);
			return 1;
		}
	}
	lua_pushboolean(L, 0);
	return 1;
}

/* words{ name = kinds, ... }: model.words for several attributes in one
 * pass over the model, each on its own kinds (a kind or a list of
 * kinds); the sets by name. Each element's attributes are read once, not
 * once per name: a model-wide index of a few attributes costs a pass
 * over a large model, which is cache misses on every element. */
#define WORDS_MAX_NAMES 32
typedef struct wanted_name {
	const char *name;
	uint16_t hash;
	unsigned kinds;
	int set; /* its set's index on the stack */
} wanted_name;

/* Puts the words of each wanted attribute into its set, in one pass that
 * reads each element's attributes once (the last occurrence of a name
 * wins, as in tm_block_get). */
static void add_words(lua_State *L, const tm_model *model, const wanted_name *wanted, size_t n)
{
	unsigned any = 0;
	for (size_t j = 0; j < n; j++)
		any |= wanted[j].kinds;
	seen_words *seen = lua_newuserdatauv(L, (n ? n : 1) * sizeof *seen, 0);
	memset(seen, 0, (n ? n : 1) * sizeof *seen);
	for (size_t i = 0; n && i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->kind >= TM_EL_COUNT || !(any & (1u << el->kind)) || !el->decl || !el->decl->block)
			continue;
		const tm_block *block = el->decl->block;
		uint32_t done = 0; /* the names met on this element */
		for (size_t k = block->count; k-- > 0;) {
			const tm_attr *attr = block->items[k].attr;
			for (size_t j = 0; attr && j < n; j++) {
				if ((done & (1u << j)) || !(wanted[j].kinds & (1u << el->kind)) ||
				    (attr->name_hash && attr->name_hash != wanted[j].hash) ||
				    strcmp(attr->name, wanted[j].name) != 0)
					continue;
				done |= 1u << j;
				add_value_words(L, wanted[j].set, &seen[j], attr->value, false);
				break;
			}
		}
	}
	lua_pop(L, 1);
}

static int model_words_of(lua_State *L, tm_rules *rules, int spec)
{
	luaL_checkstack(L, WORDS_MAX_NAMES + 8, "model.words");
	wanted_name wanted[WORDS_MAX_NAMES];
	size_t n = 0;
	lua_newtable(L);
	int out = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, spec)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			return luaL_error(L, "model.words: the names are strings, not %s",
			                  luaL_typename(L, -2));
		if (n == WORDS_MAX_NAMES)
			return luaL_error(L, "model.words takes at most %d names", WORDS_MAX_NAMES);
		unsigned kinds = kinds_arg(L, lua_gettop(L), "model.words");
		lua_pop(L, 1);
		/* the name stays a key of `spec`, which the caller holds */
		wanted[n] = (wanted_name){.name = lua_tostring(L, -1), .kinds = kinds};
		wanted[n].hash = tm_attr_name_hash(wanted[n].name);
		n++;
		lua_pushvalue(L, -1);
		lua_newtable(L);
		lua_rawset(L, out);
	}
	for (size_t j = 0; j < n; j++) {
		lua_getfield(L, out, wanted[j].name);
		wanted[j].set = lua_gettop(L);
	}
	add_words(L, rules->model, wanted, n);
	lua_settop(L, out);
	return 1;
}

/* words(name [, kinds]), also model:words(...): the set {word = true} of
 * the lower-case words attribute `name` holds (a word, or a list of them)
 * on the elements of the given kinds (a kind or a list of kinds; every
 * kind when left out). One pass over the model in C, for model-wide
 * indexes such as "which protocols does this model use"; or, given a
 * table, words{ name = kinds, ... } (model_words_of). */
static int model_words(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	int arg = first_arg(L, rules);
	if (!rules->model)
		return luaL_error(L, "model.words used outside a run");
	if (lua_type(L, arg) == LUA_TTABLE)
		return model_words_of(L, rules, arg);
	wanted_name one = {.name = luaL_checkstring(L, arg), .kinds = kinds_arg(L, arg + 1, "model.words")};
	one.hash = tm_attr_name_hash(one.name);
	lua_newtable(L);
	one.set = lua_gettop(L);
	add_words(L, rules->model, &one, 1);
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
	tm_rules_push_finding_list(L, rules, indices, n);
	return 1;
}

/* __index of the model view's data: model.findings, built on first use. */
static int model_lazy(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	if (lua_type(L, 2) != LUA_TSTRING || strcmp(lua_tostring(L, 2), "findings") != 0 || !rules->findings)
		return 0;
	tm_rules_push_finding_list(L, rules, NULL, rules->nfindings_seen);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, -2);
	lua_rawset(L, 1);
	return 1;
}

/* model.repo: what the repository says about the model (doc/rules.md
 * "Views"), or nothing when no repository is known. */
static void push_repo(lua_State *L, const tm_repo_facts *repo)
{
	lua_createtable(L, 0, 8);
	set_string(L, "root", repo->root);
	lua_pushboolean(L, repo->no_model);
	lua_setfield(L, -2, "no_model");
	set_string(L, "model_path", repo->model_path);
	set_string(L, "readme", repo->readme);
	lua_pushboolean(L, repo->readme_links_model);
	lua_setfield(L, -2, "readme_links_model");
	set_string(L, "wiki", repo->wiki);
	lua_pushboolean(L, repo->wiki_exists);
	lua_setfield(L, -2, "wiki_exists");
	set_string(L, "wiki_found", repo->wiki_found);
	tm_rules_seal(L);
}

void tm_rules_push_model_view(tm_rules *rules, const tm_model *model, int32_t today)
{
	lua_State *L = rules->L;
	lua_createtable(L, 0, 10);
	const tm_meta *meta = &model->meta;
	lua_createtable(L, 0, 8);
	if (meta->decl)
		tm_rules_fill_block(L, meta->decl->block);
	set_string(L, "name", meta->name);
	tm_rules_seal(L);
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
	lua_pushcfunction(L, model_states);
	lua_setfield(L, -2, "states");
	lua_pushcfunction(L, model_finding);
	lua_setfield(L, -2, "finding");
	push_threats(L, model);
	lua_setfield(L, -2, "threats");
	push_mitigations(L, model);
	lua_setfield(L, -2, "mitigations");
	push_acceptances(L, model);
	lua_setfield(L, -2, "acceptances");
	set_date(L, "today", today);
	if (model->repo) {
		push_repo(L, model->repo);
		lua_setfield(L, -2, "repo");
	}
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, model_lazy);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	tm_rules_seal(L);
}
