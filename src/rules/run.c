/* Running rules: the element run (phase 1) and the finding run (phase
 * 2). Rule selection happens here in C: rules are indexed by what they
 * apply to, elements are walked once, their `requires` and `unless`
 * filters are checked here, and `when` is called only for matches; each
 * finding is added with its factors, advice and the caps on how many a
 * run and a pack may raise. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "base/clock.h"
#include "base/limits.h"
#include "base/xalloc.h"
#include "rules/engine.h"
#include "rules/rules.h"
#include "threat/status.h"

enum run_mode { RUN_ELEMENTS, RUN_MODEL, RUN_FINDINGS };

/* ---- factors: a rule's likelihood or impact table, read when it
 * registers and from what its function returns ---- */

/* The scales a factor may name (MEASURE_* bits in engine.h, in order). */
const char *const tm_rules_measure_names[3] = {"exposure", "data", "personal_data"};

/* One factor's value at the top of the stack: an integer 1-3, a scale's
 * name, or a list of those of which the highest counts. */
static bool read_factor_value(lua_State *L, const char *key, bool in_list, uint8_t *value, uint8_t *measures,
                              char *error, size_t size)
{
	int type = lua_type(L, -1);
	if (type == LUA_TNUMBER) {
		lua_Number n = lua_tonumber(L, -1);
		if (!(n >= 1 && n <= 3) || n != (lua_Number)(int)n) { /* the range first: NaN, 1e300 */
			snprintf(error, size, "factor '%s' must be an integer from 1 to 3, not %s", key,
			         lua_tostring(L, -1));
			return false;
		}
		if ((uint8_t)n > *value)
			*value = (uint8_t)n;
		return true;
	}
	if (type == LUA_TSTRING) {
		const char *word = lua_tostring(L, -1);
		int which = index_of(word, tm_rules_measure_names, COUNT(tm_rules_measure_names));
		if (which < 0) {
			const char *suggestion =
			    tm_suggest(word, tm_rules_measure_names, COUNT(tm_rules_measure_names));
			snprintf(error, size,
			         "factor '%s': '%s' is not a scale (exposure, data, personal_data)%s%s%s",
			         key, word, suggestion ? " (did you mean '" : "",
			         suggestion ? suggestion : "", suggestion ? "'?)" : "");
			return false;
		}
		*measures |= (uint8_t)(1u << which);
		return true;
	}
	if (type == LUA_TTABLE && !in_list) {
		lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
		if (n < 1 || n > 8) {
			snprintf(error, size, "factor '%s': a list of values must hold 1 to 8 of them", key);
			return false;
		}
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, -1, i);
			bool ok = read_factor_value(L, key, true, value, measures, error, size);
			lua_pop(L, 1);
			if (!ok)
				return false;
		}
		return true;
	}
	snprintf(error, size, "factor '%s' must be an integer from 1 to 3%s, not a %s", key,
	         in_list ? " or a scale" : ", a scale or a list of them", luaL_typename(L, -1));
	return false;
}

/* A table of factors, names from `names`, at least one: out[i] the number
 * given for factor names[i] (0: none), measures[i] the scales named for
 * it. Never raises; false with *error set on a bad table. */
bool tm_rules_read_factors(lua_State *L, int table, const char *const *names, const char *const *interned,
                           size_t count, uint8_t *out, uint8_t *measures, char *error, size_t size)
{
	memset(out, 0, count);
	memset(measures, 0, count);
	bool any = false;
	table = lua_absindex(L, table);
	lua_pushnil(L);
	while (lua_next(L, table)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			snprintf(error, size, "factor keys must be names, not a %s", luaL_typename(L, -2));
			lua_pop(L, 2);
			return false;
		}
		const char *key = lua_tostring(L, -2);
		/* Lua interns short strings: a known name is the very string
		 * the engine keeps, so a pointer comparison finds it. */
		int which = -1;
		for (size_t i = 0; interned && i < count && which < 0; i++)
			if (key == interned[i])
				which = (int)i;
		if (which < 0)
			which = index_of(key, names, count);
		if (which < 0) {
			const char *suggestion = tm_suggest(key, names, count);
			snprintf(error, size, "unknown factor '%s'%s%s%s", key,
			         suggestion ? " (did you mean '" : "", suggestion ? suggestion : "",
			         suggestion ? "'?)" : "");
			lua_pop(L, 2);
			return false;
		}
		if (!read_factor_value(L, key, false, &out[which], &measures[which], error, size)) {
			lua_pop(L, 2);
			return false;
		}
		any = true;
		lua_pop(L, 1);
	}
	if (!any) {
		snprintf(error, size, "no factors given");
		return false;
	}
	return true;
}

/* ---- runs ---- */

typedef struct rule_run {
	tm_rules *rules;
	enum run_mode mode;
	size_t item, nitems; /* the cursor: item and the rule within its list */
	size_t rule;
	tm_findings *out;
	uint32_t id; /* for the rules' copied-string caches */
	int line;    /* where the function being called is defined, for messages */
	/* copies of the current element's strings in out->arena */
	const void *key_of;
	const char *key_copy;
	const void *file_of;
	const char *file_copy;
	/* What findings on the current element share, worked out for its
	 * first one (the run goes element by element): its scales, and the
	 * `tech` that speaks for it or for each end of a flow. */
	const tm_element *scales_of, *techs_of;
	tm_scales scales;
	const tm_value *techs[2];
} rule_run;

static const char *copy(tm_findings *out, const char *text)
{
	return text ? tm_arena_strdup(out->arena, text) : NULL;
}

static void copy_rule_strings(rule_run *run, rule *r)
{
	if (r->copied_run == run->id)
		return;
	tm_findings *out = run->out;
	tm_finding_about *about = tm_arena_alloc(out->arena, sizeof *about);
	about->rule = copy(out, r->info.id);
	about->framework = copy(out, r->info.framework);
	about->category = copy(out, r->info.category);
	about->pack = copy(out, r->info.pack);
	about->title = copy(out, r->info.title);
	about->description = copy(out, r->info.description);
	about->advice = copy(out, r->info.mitigation);
	if (r->info.nrefs) {
		const char **refs = tm_arena_alloc(out->arena, sizeof(char *) * r->info.nrefs);
		for (size_t i = 0; i < r->info.nrefs; i++)
			refs[i] = copy(out, r->info.refs[i]);
		about->refs = refs;
		about->nrefs = r->info.nrefs;
	}
	r->about = about;
	r->copied_run = run->id;
}

/* Calls a rule's function (registry ref) on the subject and the model,
 * or on the model alone when view is 0, leaving its result; with a fresh
 * instruction budget that a pcall inside it cannot have swallowed. */
static void call_rule_function(lua_State *L, tm_rules *rules, int ref, int view, int model)
{
	rules->ticks = 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
	if (view)
		lua_pushvalue(L, view);
	lua_pushvalue(L, model);
	lua_call(L, view ? 2 : 1, 1);
	tm_rules_call_done(rules);
	if (rules->tripped) {
		lua_pushstring(L, rules->trip_msg);
		lua_error(L);
	}
}

/* A finding's subject, with its scales measured the first time a factor
 * names one: once per finding, for its likelihood and impact together. */
typedef struct scaled_subject {
	const tm_element *el; /* NULL: the model or a finding */
	tm_scales scales;
	bool measured;
} scaled_subject;

/* The factors whose scales are named (measures[i]) raised to those
 * scales of the subject: the highest of a factor's values counts. */
static void apply_measures(tm_rules *rules, scaled_subject *subject, const uint8_t *measures, size_t count,
                           uint8_t *out)
{
	for (size_t i = 0; i < count; i++) {
		if (!measures[i])
			continue;
		if (!subject->measured) {
			tm_views_scales(rules, subject->el, &subject->scales);
			subject->measured = true;
		}
		const tm_scales *scales = &subject->scales;
		uint8_t scale = 0;
		if ((measures[i] & MEASURE_EXPOSURE) && scales->exposure > scale)
			scale = scales->exposure;
		if ((measures[i] & MEASURE_DATA) && scales->data > scale)
			scale = scales->data;
		if ((measures[i] & MEASURE_PERSONAL_DATA) && scales->personal_data > scale)
			scale = scales->personal_data;
		if (scale > out[i])
			out[i] = scale;
	}
}

/* Factors from a rule's table or function, for the subject; raises on a
 * bad value. */
static void evaluate_factors(lua_State *L, rule_run *run, int ref, int line, const uint8_t *fixed,
                             const uint8_t *fixed_measures, const char *name, const char *const *names,
                             const char *const *interned, size_t count, int view, int model,
                             scaled_subject *subject, uint8_t *out)
{
	tm_rules *rules = run->rules;
	run->line = line;
	if (ref == LUA_NOREF) {
		memcpy(out, fixed, count);
		apply_measures(rules, subject, fixed_measures, count, out);
		return;
	}
	call_rule_function(L, rules, ref, view, model);
	if (!lua_istable(L, -1)) {
		lua_pushfstring(L, "%s returned a %s (expected a table of factors)", name,
		                luaL_typename(L, -1));
		lua_error(L);
	}
	char error[256];
	uint8_t measures[8]; /* count is TM_LF_COUNT or TM_IF_COUNT */
	_Static_assert(TM_LF_COUNT <= 8 && TM_IF_COUNT <= 8, "factor counts");
	if (!tm_rules_read_factors(L, -1, names, interned, count, out, measures, error, sizeof error)) {
		lua_pushfstring(L, "%s: %s", name, error);
		lua_error(L);
	}
	apply_measures(rules, subject, measures, count, out);
	lua_pop(L, 1);
}

static bool value_matches(const tm_value *x, const rule_filter *filter);

/* The `tech` that speaks for an element: its own, or for a part of a
 * program that states none, its nearest enclosing process's. */
static const tm_value *tech_of(const tm_element *el)
{
	for (; el; el = el->parent) {
		const tm_value *tech = tm_element_attr(el, "tech");
		if (tech)
			return tech;
	}
	return NULL;
}

/* The rule's texts for the finding's element: NULL when none of its
 * `advice` technologies is stated by the element (a flow: either end),
 * so the finding shares its rule's texts; else texts whose advice is the
 * mitigation followed by each matching entry's text, shared by every
 * finding of the run with the same matches. */
static const tm_finding_about *advised_about(rule_run *run, rule *r, const tm_element *el)
{
	if (!r->nadvice || !el)
		return NULL;
	const tm_value **techs = run->techs;
	if (run->techs_of != el) {
		run->techs_of = el;
		techs[0] = tech_of(el->kind == TM_EL_FLOW ? el->source : el);
		techs[1] = el->kind == TM_EL_FLOW ? tech_of(el->target) : NULL;
	}
	if (!techs[0] && !techs[1])
		return NULL;
	uint64_t matched = 0;
	for (size_t i = 0; i < r->nadvice; i++) {
		const char *tech = r->advice[i].tech;
		const rule_filter word = {.attr = "tech", .words = &tech, .nwords = 1, .field = -1};
		if (value_matches(techs[0], &word) || value_matches(techs[1], &word))
			matched |= (uint64_t)1 << i;
	}
	if (!matched)
		return NULL;
	if (r->advised_run != run->id) {
		r->advised_run = run->id;
		r->nadvised = 0;
	}
	for (size_t i = 0; i < r->nadvised; i++)
		if (r->advised[i].matched == matched)
			return r->advised[i].about;
	tm_findings *out = run->out;
	tm_buf text = TM_BUF_INIT;
	if (r->info.mitigation)
		tm_buf_puts(&text, r->info.mitigation);
	for (size_t i = 0; i < r->nadvice; i++) {
		if (!(matched >> i & 1u))
			continue;
		if (text.len)
			tm_buf_putc(&text, ' ');
		tm_buf_puts(&text, r->advice[i].text);
	}
	tm_finding_about *about = tm_arena_alloc(out->arena, sizeof *about);
	*about = *r->about;
	about->advice = tm_arena_strdup(out->arena, tm_buf_str(&text));
	tm_buf_free(&text);
	if (r->nadvised < sizeof r->advised / sizeof *r->advised) {
		r->advised[r->nadvised].matched = matched;
		r->advised[r->nadvised].about = about;
		r->nadvised++;
	}
	return about;
}

#define FINDING_BLOCK 1024

/* Takes room for up to FINDING_BLOCK findings from a counter capped at
 * `cap`; false when it is full. */
static bool take_room(_Atomic size_t *counter, size_t cap, size_t *room)
{
	size_t before = atomic_fetch_add_explicit(counter, FINDING_BLOCK, memory_order_relaxed);
	if (before >= cap)
		return false;
	*room = cap - before < FINDING_BLOCK ? cap - before : FINDING_BLOCK;
	return true;
}

/* A findings ceiling for the model being run: the fixed floor, or so many
 * per element (flows included) on a large model, so a real model that
 * states no controls is never cut short while a pack's findings stay
 * linear in the model (base/limits.h). */
static size_t findings_cap(const tm_rules *rules, size_t floor, size_t per_element)
{
	size_t items = rules->model ? rules->model->nelements : 0;
	return items > floor / per_element ? items * per_element : floor;
}

/* Whether the rule may raise one more finding; raises when its pack or
 * the run has raised as many as the engine keeps (base/limits.h). */
static void count_finding(lua_State *L, tm_rules *rules, const rule *r)
{
	finding_counts *counts = rules->counts;
	pack *p = &rules->packs[r->pack];
	if (!p->finding_room && r->pack < counts->npacks) {
		size_t cap = findings_cap(rules, MAX_FINDINGS_PER_PACK, MAX_FINDINGS_PER_PACK_PER_ELEMENT);
		if (!take_room(&counts->packs[r->pack], cap, &p->finding_room)) {
			p->over_findings = true;
			luaL_error(L, "pack %s raised more than %I findings: its rules stop for this run",
			           p->name, (lua_Integer)cap);
		}
	}
	if (!rules->finding_room) {
		size_t cap = findings_cap(rules, MAX_FINDINGS, MAX_FINDINGS_PER_ELEMENT);
		if (!take_room(&counts->run, cap, &rules->finding_room)) {
			rules->findings_full = true;
			luaL_error(L, "more than %I findings in one run: the run stops", (lua_Integer)cap);
		}
	}
	if (p->finding_room)
		p->finding_room--;
	rules->finding_room--;
}

static void add_finding(rule_run *run, rule *r, const tm_element *el, const char *key, const char *file,
                        uint32_t line, const char *detail, size_t detail_len, const uint8_t *likelihood,
                        const uint8_t *impact)
{
	tm_findings *out = run->out;
	tm_rules *rules = run->rules;
	copy_rule_strings(run, r);
	if (run->key_of != (const void *)key) {
		run->key_of = key;
		run->key_copy = copy(out, key);
	}
	if (run->file_of != (const void *)file) {
		run->file_of = file;
		run->file_copy = copy(out, file ? file : "");
	}
	/* "RULE@KEY", a million times on a large model: no printf. */
	size_t id_len = strlen(r->info.id), key_len = strlen(key);
	char *id = tm_arena_alloc(out->arena, id_len + key_len + 2);
	memcpy(id, r->info.id, id_len);
	id[id_len] = '@';
	memcpy(id + id_len + 1, key, key_len);
	tm_finding *f = tm_findings_add(out);
	f->id = id;
	f->about = r->about;
	const tm_finding_about *advised = advised_about(run, r, el);
	if (advised)
		f->about = advised;
	f->element = el;
	f->element_key = run->key_copy;
	/* A detail is a line of text; a pack returning megabytes per element
	 * would exhaust memory outside the sandbox's cap. */
	if (detail && detail_len > MAX_DETAIL_BYTES) {
		size_t cut = MAX_DETAIL_BYTES;
		while (cut > 0 && ((unsigned char)detail[cut] & 0xC0) == 0x80)
			cut--;
		char *shortened = tm_arena_alloc(out->arena, cut + sizeof "…");
		memcpy(shortened, detail, cut);
		memcpy(shortened + cut, "…", sizeof "…");
		f->detail = shortened;
	} else {
		f->detail = detail ? tm_arena_strndup(out->arena, detail, detail_len) : NULL;
	}
	memcpy(f->likelihood_factors, likelihood, TM_LF_COUNT);
	memcpy(f->impact_factors, impact, TM_IF_COUNT);
	f->found = rules->model->meta.date;
	f->file = run->file_copy;
	f->line = line;
	tm_risk_score(f);
}

/* Whether text[0..len) is one of the filter's (lower-case) words, case
 * aside. */
static bool word_matches(const char *text, size_t len, const rule_filter *filter)
{
	for (size_t w = 0; w < filter->nwords; w++) {
		const char *word = filter->words[w];
		size_t i = 0;
		for (; i < len && word[i]; i++) {
			char c = text[i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != word[i])
				break;
		}
		if (i == len && word[i] == '\0')
			return true;
	}
	return false;
}

/* Whether attribute value x is a word of `filter`, or a list holding
 * one: threatlib's T.is, lower-case. */
static bool value_matches(const tm_value *x, const rule_filter *filter)
{
	if (!x)
		return false;
	if (x->kind == TM_VAL_LIST) {
		for (size_t i = 0; x->items && i < x->nitems; i++) {
			const tm_value *item = x->items[i];
			if (item && (item->kind == TM_VAL_IDENT || item->kind == TM_VAL_STRING) &&
			    value_matches(item, filter))
				return true;
		}
		return false;
	}
	if (x->kind != TM_VAL_IDENT && x->kind != TM_VAL_STRING)
		return false;
	return word_matches(x->text ? x->text : "", x->text ? x->len : 0, filter);
}

/* Finding fields a finding rule's `requires`/`unless` may name. */
static const char *const finding_filter_fields[] = {"status",    "risk",     "rule",
                                                    "framework", "category", "pack"};

static int finding_field_of(const char *name)
{
	for (size_t i = 0; i < COUNT(finding_filter_fields); i++)
		if (strcmp(name, finding_filter_fields[i]) == 0)
			return (int)i;
	return -1;
}

enum { FIELD_STATUS = 0, FIELD_RISK = 1, VALUE_OUT_OF_RANGE = 31 };
_Static_assert(COUNT(tm_status_names) < VALUE_OUT_OF_RANGE && COUNT(tm_risk_names) < VALUE_OUT_OF_RANGE,
               "a bit per value");

/* The names of a finding field's values, or NULL for a field of text. */
static const char *const *field_values(int field, size_t *count)
{
	*count = field == FIELD_STATUS ? COUNT(tm_status_names) : COUNT(tm_risk_names);
	return field == FIELD_STATUS ? tm_status_names : field == FIELD_RISK ? tm_risk_names : NULL;
}

/* The status and risk of a million findings are tested against a few
 * filters each in phase 2: as bits, worked out once per filter. */
void tm_rules_filter_prepare(rule_filter *filter)
{
	filter->field = finding_field_of(filter->attr);
	filter->values = 0;
	size_t count;
	const char *const *names = field_values(filter->field, &count);
	for (size_t v = 0; names && v < count; v++)
		if (word_matches(names[v], strlen(names[v]), filter))
			filter->values |= (uint32_t)1 << v;
	if (names && word_matches("", 0, filter))
		filter->values |= (uint32_t)1 << VALUE_OUT_OF_RANGE;
}

/* A finding field of text (finding_filter_fields) as the finding view
 * shows it; status and risk are tested as bits (finding_filter_matches). */
static const char *finding_field_text(const tm_finding *f, int field)
{
	switch (field) {
	case 2: return f->about->rule;
	case 3: return f->about->framework;
	case 4: return f->about->category;
	case 5: return f->about->pack;
	default: return NULL;
	}
}

static bool finding_filter_matches(const tm_finding *f, const rule_filter *filter)
{
	if (filter->field == FIELD_STATUS || filter->field == FIELD_RISK) {
		size_t count;
		field_values(filter->field, &count);
		unsigned v = filter->field == FIELD_STATUS ? (unsigned)f->status : (unsigned)f->risk;
		return filter->values >> (v < count ? v : VALUE_OUT_OF_RANGE) & 1;
	}
	const char *text = finding_field_text(f, filter->field);
	return text && word_matches(text, strlen(text), filter);
}

bool tm_rules_finding_passes(const tm_finding *f, const rule_filter *requires, size_t nrequires,
                             const rule_filter *unless, size_t nunless)
{
	for (size_t i = 0; i < nrequires; i++)
		if (!finding_filter_matches(f, &requires[i]))
			return false;
	for (size_t i = 0; i < nunless; i++)
		if (finding_filter_matches(f, &unless[i]))
			return false;
	return true;
}

/* A finding rule's `requires` and `unless` against a finding. */
static bool finding_filters_pass(const rule *r, const tm_finding *f)
{
	return tm_rules_finding_passes(f, r->requires, r->nrequires, r->unless, r->nunless);
}

/* A rule's `requires` and `unless` against an element. */
static bool filters_pass(const rule *r, const tm_element *el)
{
	for (size_t i = 0; i < r->nrequires; i++)
		if (!value_matches(tm_element_attr(el, r->requires[i].attr), &r->requires[i]))
			return false;
	for (size_t i = 0; i < r->nunless; i++)
		if (value_matches(tm_element_attr(el, r->unless[i].attr), &r->unless[i]))
			return false;
	return true;
}

bool tm_rules_considers(const tm_rules *rules, const tm_element *el, const char *framework)
{
	if (!rules || !el || !el->in_scope || el->kind >= TM_EL_COUNT)
		return false;
	for (size_t i = 0; i < rules->napplies[el->kind]; i++) {
		const rule *r = &rules->rules[rules->applies[el->kind][i]];
		if (framework && (!r->info.framework || strcmp(r->info.framework, framework) != 0))
			continue;
		if (filters_pass(r, el))
			return true;
	}
	return false;
}

/* Whether the rule takes part in this run: its `only_if(model)`, asked
 * the first time (on this engine, in this run). The gate is shut before
 * the call, so an only_if that raises is reported once and leaves the
 * rule out of the run. */
static bool takes_part(lua_State *L, rule_run *run, rule *r, int model)
{
	if (r->only_if == LUA_NOREF)
		return true;
	if (r->only_if_run == run->id)
		return r->only_if_open;
	r->only_if_run = run->id;
	r->only_if_open = false;
	run->line = r->only_if_line;
	call_rule_function(L, run->rules, r->only_if, 0, model);
	r->only_if_open = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return r->only_if_open;
}

/* Calls one rule on one subject (at view); raises on an error. */
static void evaluate(lua_State *L, rule_run *run, rule *r, int view, int model, const tm_element *el,
                     const char *key, const char *file, uint32_t line)
{
	tm_rules *rules = run->rules;
	rules->where_line = 0;
	run->line = r->when_line;
	call_rule_function(L, rules, r->when, view, model);
	int type = lua_type(L, -1);
	if (type == LUA_TNIL || (type == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
		lua_pop(L, 1);
		return;
	}
	if (type != LUA_TBOOLEAN && type != LUA_TSTRING) {
		lua_pushfstring(L, "when returned a %s (expected true, false, nil or a string)",
		                luaL_typename(L, -1));
		lua_error(L);
	}
	uint8_t likelihood[TM_LF_COUNT], impact[TM_IF_COUNT];
	scaled_subject subject = {.el = el};
	if (el && run->scales_of == el) {
		subject.scales = run->scales;
		subject.measured = true;
	}
	evaluate_factors(L, run, r->likelihood, r->likelihood_line, r->likelihood_factors,
	                 r->likelihood_measures, "likelihood", tm_likelihood_factor_names,
	                 rules->likelihood_names, TM_LF_COUNT, view, model, &subject, likelihood);
	evaluate_factors(L, run, r->impact, r->impact_line, r->impact_factors, r->impact_measures, "impact",
	                 tm_impact_factor_names, rules->impact_names, TM_IF_COUNT, view, model, &subject,
	                 impact);
	if (el && subject.measured) {
		run->scales_of = el;
		run->scales = subject.scales;
	}
	count_finding(L, rules, r);
	size_t detail_len = 0;
	const char *detail = type == LUA_TSTRING ? lua_tolstring(L, -1, &detail_len) : NULL;
	add_finding(run, r, el, key, file, line, detail, detail_len, likelihood, impact);
	lua_pop(L, 1);
}

/* The rule list for the cursor's item, and its subject pushed (or false
 * when the item is skipped). */
static bool subject(lua_State *L, rule_run *run, const size_t **list, size_t *count, const tm_element **el,
                    const char **key, const char **file, uint32_t *line)
{
	tm_rules *rules = run->rules;
	const tm_model *model = rules->model;
	*el = NULL;
	switch (run->mode) {
	case RUN_ELEMENTS: {
		const tm_element *element = model->elements[run->item];
		if (!element->in_scope || element->kind >= TM_EL_COUNT)
			return false;
		*list = rules->applies[element->kind];
		*count = rules->napplies[element->kind];
		if (run->rule >= *count)
			return false;
		*el = element;
		*key = element->key ? element->key : "";
		*file = element->decl && element->decl->span.src ? element->decl->span.src->path : "";
		*line = element->line;
		tm_rules_push_view(L, rules, element);
		return true;
	}
	case RUN_MODEL: {
		*list = rules->applies[APPLIES_MODEL];
		*count = rules->napplies[APPLIES_MODEL];
		*key = "model";
		*file = "";
		*line = 0;
		const tm_decl *decl = model->meta.decl;
		if (decl && decl->span.src) {
			uint32_t column;
			*file = decl->span.src->path;
			tm_source_position(decl->span.src, decl->span.start, line, &column);
		} else if (model->nfiles && model->files[0] && model->files[0]->src) {
			*file = model->files[0]->src->path;
			*line = 1;
		}
		if (run->rule >= *count)
			return false;
		lua_rawgeti(L, LUA_REGISTRYINDEX, rules->model_view);
		return true;
	}
	case RUN_FINDINGS: {
		*list = rules->applies[APPLIES_FINDING];
		*count = rules->napplies[APPLIES_FINDING];
		if (run->rule >= *count)
			return false;
		const tm_finding *f = &run->out->items[run->item];
		/* No view for a finding every rule's filter passes over: phase
		 * 2 may see a million findings. */
		bool wanted = false;
		for (size_t i = run->rule; i < *count && !wanted; i++)
			wanted = finding_filters_pass(&rules->rules[(*list)[i]], f);
		if (!wanted)
			return false;
		*key = f->id ? f->id : "";
		*file = f->file;
		*line = f->line;
		tm_rules_push_finding_view(L, rules, run->item);
		return true;
	}
	}
	return false;
}

/* Runs from the cursor to the end inside one pcall; an error leaves the
 * cursor on the rule and item that raised it. */
static int run_batch(lua_State *L)
{
	rule_run *run = lua_touserdata(L, 1);
	tm_rules *rules = run->rules;
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->model_view);
	int model = lua_gettop(L);
	for (; run->item < run->nitems; run->item++, run->rule = 0) {
		if (rules->gc_start && rules->mem_used > rules->gc_start) {
			rules->gc_start = 0;
			lua_gc(L, LUA_GCRESTART);
		}
		const size_t *list = NULL;
		size_t count = 0;
		const tm_element *el;
		const char *key, *file;
		uint32_t line;
		run->line = 0;
		if (!subject(L, run, &list, &count, &el, &key, &file, &line))
			continue;
		int view = lua_gettop(L);
		size_t tested_group = SIZE_MAX; /* the filters last tested on this element */
		bool tested_pass = false;
		for (; run->rule < count; run->rule++) {
			rule *r = &rules->rules[list[run->rule]];
			bool pass = !(r->nrequires | r->nunless);
			if (!pass && el) {
				if (r->filter_group != tested_group) {
					tested_group = r->filter_group;
					tested_pass = filters_pass(r, el);
				}
				pass = tested_pass;
			} else if (!pass) {
				pass = run->mode != RUN_FINDINGS ||
				       finding_filters_pass(r, &run->out->items[run->item]);
			}
			if (r->disabled || !pass || rules->packs[r->pack].over_findings ||
			    !takes_part(L, run, r, model))
				continue;
			if (!rules->profile) {
				evaluate(L, run, r, view, model, el, key, file, line);
				continue;
			}
			size_t before = run->out->count;
			uint64_t started = tm_clock_ns();
			evaluate(L, run, r, view, model, el, key, file, line);
			r->info.seconds += (double)(tm_clock_ns() - started) / 1e9;
			r->info.calls++;
			r->info.raised += run->out->count - before;
		}
		lua_settop(L, model);
	}
	return 0;
}

/* The rule and subject under the cursor, for a message. */
static void report_failure(rule_run *run, const char *message)
{
	tm_rules *rules = run->rules;
	const char *key = "?";
	const rule *r = NULL;
	size_t count = 0;
	const size_t *list = NULL;
	switch (run->mode) {
	case RUN_ELEMENTS: {
		const tm_element *el = rules->model->elements[run->item];
		key = el->key ? el->key : "?";
		if (el->kind < TM_EL_COUNT) {
			list = rules->applies[el->kind];
			count = rules->napplies[el->kind];
		}
		break;
	}
	case RUN_MODEL:
		key = "model";
		list = rules->applies[APPLIES_MODEL];
		count = rules->napplies[APPLIES_MODEL];
		break;
	case RUN_FINDINGS:
		key = run->out->items[run->item].id ? run->out->items[run->item].id : "?";
		list = rules->applies[APPLIES_FINDING];
		count = rules->napplies[APPLIES_FINDING];
		break;
	}
	if (list && run->rule < count)
		r = &rules->rules[list[run->rule]];
	/* A rule failing on every element of a large model would leave a
	 * message each: past its pack's share they are only counted. */
	if (r && ++rules->packs[r->pack].errors > MAX_ERRORS_PER_PACK)
		return;
	const char *text;
	int place_len;
	tm_rules_split_message(message ? message : "error", &text, &place_len);
	int kept = tm_rules_kept_length(text);
	const char *cut = text[kept] ? "…" : "";
	if (!r) {
		tm_diag_error(rules->diags, no_span(), "%.*s%s",
		              tm_rules_kept_length(message ? message : "error"), message ? message : "error",
		              cut);
		return;
	}
	tm_diag *d;
	if (place_len)
		d = tm_diag_error(rules->diags, no_span(), "%.*s: rule %s on %s: %.*s%s", place_len, message,
		                  r->info.id, key, kept, text, cut);
	else
		d = tm_diag_error(rules->diags, no_span(), "%s:%d: rule %s on %s: %.*s%s", r->info.file,
		                  run->line > 0 ? run->line : r->info.line, r->info.id, key, kept, text, cut);
	if (d)
		d->quota = (unsigned)r->pack + 1;
}

static void run_mode(tm_rules *rules, rule_run *run)
{
	lua_State *L = rules->L;
	int top = lua_gettop(L);
	/* A model rule may walk the whole model in one call. */
	rules->tick_limit = CALL_TICKS;
	if (run->mode == RUN_MODEL) {
		size_t extra = rules->model->nelements / 4 + run->out->count / 8;
		rules->tick_limit =
		    extra > UINT32_MAX - CALL_TICKS ? UINT32_MAX : CALL_TICKS + (uint32_t)extra;
	}
	for (;;) {
		lua_pushcfunction(L, run_batch);
		lua_pushlightuserdata(L, run);
		int status = tm_rules_pcall(rules, 1, 0);
		if (status == LUA_OK)
			break;
		const char *message = lua_tostring(L, -1);
		if (rules->deadline_hit) {
			tm_diag_error(rules->diags, no_span(), "%s (the remaining rules were not run)",
			              message ? message : "time limit exceeded");
			break;
		}
		report_failure(run, message);
		if (rules->findings_full)
			break;
		/* A rule out of instructions or memory would only fail again. */
		if (rules->budget_failed) {
			const size_t *list = NULL;
			size_t count = 0;
			if (run->mode == RUN_ELEMENTS && run->item < run->nitems) {
				tm_element_kind kind = rules->model->elements[run->item]->kind;
				if (kind < TM_EL_COUNT) {
					list = rules->applies[kind];
					count = rules->napplies[kind];
				}
			} else if (run->mode != RUN_ELEMENTS) {
				int which = run->mode == RUN_MODEL ? APPLIES_MODEL : APPLIES_FINDING;
				list = rules->applies[which];
				count = rules->napplies[which];
			}
			if (list && run->rule < count)
				rules->rules[list[run->rule]].disabled = true;
		}
		lua_settop(L, top);
		run->rule++;
	}
	lua_settop(L, top);
}

/* What a failing rule leaves behind: a rule disabled after its budget
 * failed, a pack's count of errors. */
static void forget_failures(tm_rules *rules)
{
	for (size_t i = 0; i < rules->nrules; i++)
		rules->rules[i].disabled = false;
	for (size_t i = 0; i < rules->npacks; i++)
		rules->packs[i].errors = 0;
}

void tm_rules_report_failures(tm_diags *diags, const char *pack_path, size_t failures)
{
	if (failures > MAX_ERRORS_PER_PACK)
		tm_diag_error(diags, no_span(), "%s: %zu more errors not shown (at most %d a pack in a run)",
		              pack_path, failures - MAX_ERRORS_PER_PACK, MAX_ERRORS_PER_PACK);
}

/* Says how many errors of each pack were not shown, and forgets them. */
static void report_hidden_errors(tm_rules *rules)
{
	for (size_t i = 0; i < rules->npacks; i++) {
		pack *p = &rules->packs[i];
		tm_rules_report_failures(rules->diags, p->path, p->errors);
		p->errors = 0;
	}
}

static void begin_run(tm_rules *rules, const tm_model *model, int32_t today, size_t items, bool phase2)
{
	forget_failures(rules);
	tm_rules_views_begin(rules, model, today, phase2);
	/* No full collection first: the cap counts garbage, but Lua collects
	 * in full before it reports an allocation the cap refused. */
	tm_rules_memory_allow(rules, PACK_MEMORY + VIEW_MEMORY_PER_ITEM * items);
	rules->deadline_what = rules->deadline_text;
	tm_rules_budget(rules, rules->run_deadline, CALL_TICKS, false);
	rules->model_global = true;
	lua_gc(rules->L, LUA_GCSTOP);
	rules->gc_start = rules->mem_used + GC_START_BYTES;
}

static void end_run(tm_rules *rules, bool keep_views)
{
	report_hidden_errors(rules);
	rules->gc_start = 0;
	lua_gc(rules->L, LUA_GCRESTART);
	rules->model_global = false;
	tm_rules_views_end(rules, keep_views);
	tm_rules_budget(rules, 0, 0, false);
}

/* The views of the run's elements, in model order, before any rule runs
 * (their fields still fill in on first use; the views of other elements
 * a rule reaches are made then). Views live for the whole run, and made
 * first, while the collector sleeps, they lie together instead of among
 * the rules' garbage, and the collector does not trace them over and
 * over as the heap grows: a tenth of a 100k-element run. */
typedef struct view_range {
	tm_rules *rules;
	size_t from, to;
} view_range;

static int build_views_step(lua_State *L)
{
	const view_range *range = lua_touserdata(L, 1);
	tm_rules *rules = range->rules;
	for (size_t i = range->from; i < range->to; i++) {
		tm_rules_push_view(L, rules, rules->model->elements[i]);
		lua_pop(L, 1);
	}
	return 0;
}

/* The collector then sleeps until the rules have grown the heap by as
 * much as the views took (GC_START_BYTES): only after the first views of a
 * run, or a run in chunks that each grow the heap by less would keep it
 * asleep to the end. */
static void build_views(tm_rules *rules, size_t from, size_t to, bool first)
{
	lua_State *L = rules->L;
	size_t before = rules->mem_used;
	view_range range = {rules, from, to};
	lua_pushcfunction(L, build_views_step);
	lua_pushlightuserdata(L, &range);
	/* Only the memory cap can stop it; the rules then report the same. */
	if (tm_rules_pcall(rules, 1, 0) != LUA_OK)
		lua_pop(L, 1);
	size_t views = rules->mem_used - before;
	if (first && rules->gc_start)
		rules->gc_start = rules->mem_used + (views > GC_START_BYTES ? views : GC_START_BYTES);
}

/* The element rules on elements [from, to), their findings into out. */
static void run_elements(tm_rules *rules, size_t from, size_t to, tm_findings *out, bool first)
{
	build_views(rules, from, to, first);
	rule_run r = {.rules = rules,
	              .mode = RUN_ELEMENTS,
	              .item = from,
	              .nitems = to,
	              .out = out,
	              .id = ++rules->runs};
	run_mode(rules, &r);
}

int tm_rules_run_range(tm_rules *rules, const tm_model *model, int32_t today, size_t from, size_t to,
                       tm_findings *out, tm_diags *diags)
{
	if (!rules->L || rules->out_of_time)
		return TM_ERR_INPUT; /* out of time: loading said so */
	size_t errors = diags->errors;
	rules->diags = diags;
	begin_run(rules, model, today, model->nelements, false);
	run_elements(rules, from, to, out, true);
	end_run(rules, true);
	rules->diags = NULL;
	return diags->errors > errors ? TM_ERR_INPUT : TM_OK;
}

/* The next chunk for an engine, or NULL when none is left. */
static rules_chunk *claim_chunk(rules_chunks *chunks, bool from_back)
{
	rules_chunk *chunk = NULL;
	pthread_mutex_lock(&chunks->lock);
	if (chunks->front < chunks->back)
		chunk = &chunks->items[from_back ? --chunks->back : chunks->front++];
	pthread_mutex_unlock(&chunks->lock);
	return chunk;
}

int tm_rules_run_chunks(tm_rules *rules, const tm_model *model, int32_t today, rules_chunks *chunks,
                        bool from_back, tm_diags *diags)
{
	if (!rules->L || rules->out_of_time)
		return TM_ERR_INPUT;
	bool failed = false, first = true;
	rules->diags = diags;
	begin_run(rules, model, today, model->nelements, false);
	while (!rules->deadline_hit && !rules->findings_full) {
		rules_chunk *chunk = claim_chunk(chunks, from_back);
		if (!chunk)
			break;
		forget_failures(rules);
		rules->diags = &chunk->diags;
		rules->deprecation_order = (size_t)(chunk - chunks->items) + 1;
		run_elements(rules, chunk->from, chunk->to, &chunk->findings, first);
		first = false;
		chunk->failures = tm_xcalloc(rules->npacks ? rules->npacks : 1, sizeof *chunk->failures);
		for (size_t i = 0; i < rules->npacks; i++) {
			chunk->failures[i] = rules->packs[i].errors;
			rules->packs[i].errors = 0;
		}
		failed = failed || chunk->diags.errors;
	}
	rules->deprecation_order = 0;
	rules->diags = diags;
	size_t errors = diags->errors;
	end_run(rules, true);
	rules->diags = NULL;
	return failed || diags->errors > errors ? TM_ERR_INPUT : TM_OK;
}

int tm_rules_run_phase2(tm_rules *rules, const tm_model *model, int32_t today, tm_findings *findings,
                        tm_diags *diags)
{
	if (!rules || !model || !findings || !diags)
		return TM_ERR_USAGE;
	if (!rules->L)
		return TM_ERR_INPUT;
	if (rules->out_of_time || rules->findings_full ||
	    (rules->napplies[APPLIES_MODEL] == 0 && rules->napplies[APPLIES_FINDING] == 0)) {
		tm_rules_views_end(rules, false);
		return rules->out_of_time || rules->findings_full ? TM_ERR_INPUT : TM_OK;
	}
	size_t errors = diags->errors;
	rules->diags = diags;
	size_t seen = findings->count;
	tm_rules_extend_deadline(rules, RUN_SECONDS_PER_ITEM * (double)seen);
	begin_run(rules, model, today, model->nelements + seen, true);
	tm_rules_views_findings(rules, findings, seen);
	rule_run r = {.rules = rules, .mode = RUN_MODEL, .nitems = 1, .out = findings, .id = ++rules->runs};
	run_mode(rules, &r);
	if (!rules->deadline_hit && !rules->findings_full) {
		rule_run f = {.rules = rules,
		              .mode = RUN_FINDINGS,
		              .nitems = seen,
		              .out = findings,
		              .id = ++rules->runs};
		run_mode(rules, &f);
	}
	end_run(rules, false);
	tm_rules_report_deprecations(rules, diags);
	rules->diags = NULL;
	return diags->errors > errors ? TM_ERR_INPUT : TM_OK;
}

void tm_rules_profile(tm_rules *rules, bool on)
{
	if (rules)
		rules->profile = on;
}
