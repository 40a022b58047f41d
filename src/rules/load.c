/* Loading packs: finding a pack along the search path (beside the model,
 * THREAT_PATH, the built-in packs), running it in a new engine's sandbox
 * under the run's one deadline, indexing the rules it registered; and
 * the engines' lifetime, a helper engine's load included. */
/* realpath and readlink are XSI/POSIX extensions. */
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

#include "base/clock.h"
#include "base/limits.h"
#include "base/strmap.h"
#include "base/xalloc.h"
#include "model/vocab.h"
#include "rules/engine.h"
#include "rules/rules.h"
#include "threat/status.h"

#ifndef TM_STDLIB_DIR
#define TM_STDLIB_DIR "/usr/local/share/threat/stdlib"
#endif

const char *const tm_rules_default_packs[TM_RULES_NDEFAULT_PACKS] = {
    "stride", "linddun", "ge-stack", "llm", "supply-chain", "hygiene", "governance"};

static void drop_rule(tm_rules *rules, rule *r)
{
	luaL_unref(rules->L, LUA_REGISTRYINDEX, r->when);
	luaL_unref(rules->L, LUA_REGISTRYINDEX, r->likelihood);
	luaL_unref(rules->L, LUA_REGISTRYINDEX, r->impact);
	luaL_unref(rules->L, LUA_REGISTRYINDEX, r->only_if);
}

static int compare_rules_by_id(const void *a, const void *b)
{
	return strcmp(((const rule *)a)->info.id, ((const rule *)b)->info.id);
}

/* "did you mean" for a misspelt built-in pack. */
static void suggest_pack(tm_diag *diag, const char *name)
{
	if (!diag || strchr(name, '/'))
		return;
	const char *suggestion = tm_suggest(name, tm_rules_default_packs, COUNT(tm_rules_default_packs));
	if (suggestion && strcmp(suggestion, name) != 0)
		tm_diag_note(diag, no_span(), "did you mean '%s'?", suggestion);
}

static tm_span use_span(const tm_decl *decl)
{
	if (!decl)
		return no_span();
	return decl->label_end ? tm_decl_label_span(decl) : decl->span;
}

/* Reports a pack's failure, its message cut at MAX_MESSAGE_BYTES; at the
 * `use` when there is one. */
static void pack_error(tm_rules *rules, const tm_decl *use, const char *message, const char *suffix)
{
	int kept = tm_rules_kept_length(message);
	tm_diag *diag = tm_diag_error(rules->diags, no_span(), "%.*s%s%s", kept, message,
	                              message[kept] ? "…" : "", suffix);
	if (use && use->span.src)
		tm_diag_note(diag, use_span(use), "the pack is used here");
}

char *tm_rules_stem_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *start = slash ? slash + 1 : path;
	size_t len = strlen(start);
	if (len > 4 && strcmp(start + len - 4, ".lua") == 0)
		len -= 4;
	return tm_xstrndup(start, len);
}

/* The built-in pack or module `stem` (stdlib/stem.lua) as shown, or NULL. */
static char *builtin_file(tm_rules *rules, const char *stem)
{
	if (!rules->stdlib_dir || !*stem || strchr(stem, '/'))
		return NULL;
	tm_buf path = TM_BUF_INIT;
	tm_buf_printf(&path, "%s/%s.lua", rules->stdlib_dir, stem);
	struct stat st;
	char *shown = stat(tm_buf_str(&path), &st) == 0 && S_ISREG(st.st_mode)
	                  ? tm_rules_shown_path(tm_buf_str(&path))
	                  : NULL;
	tm_buf_free(&path);
	return shown;
}

static bool same_file(const char *a, const char *b)
{
	char *real_a = realpath(a, NULL), *real_b = realpath(b, NULL);
	bool same = real_a && real_b ? strcmp(real_a, real_b) == 0 : strcmp(a, b) == 0;
	free(real_a);
	free(real_b);
	return same;
}

/* Finds the pack `use` names. A bare name of a built-in pack is the
 * built-in one, whatever lies beside the model or on THREAT_PATH: a file
 * there with that name is reported, not loaded (a `stride.lua` beside the
 * model would otherwise silently replace stride). A path names its file;
 * one whose name is a built-in pack's is reported as shadowing it. */
static char *find_pack(tm_rules *rules, const char *name, const char *base, const char *rel_dir,
                       const tm_decl *use, tm_buf *tried)
{
	bool bare = !strchr(name, '/') && !(strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".lua") == 0);
	char *builtin = bare ? builtin_file(rules, name) : NULL;
	char *found = tm_rules_search(rules, name, rel_dir, NULL, base, builtin ? NULL : tried);
	if (builtin) {
		if (found && !same_file(found, builtin))
			tm_diag_warning(
			    rules->diags, use_span(use),
			    "rule pack '%s' is the built-in %s; %s has its name and is not loaded "
			    "(to load it instead, use it by its path, \"./%s.lua\")",
			    name, builtin, found, name);
		free(found);
		return builtin;
	}
	if (!found)
		return NULL;
	char *stem = tm_rules_stem_of(found);
	char *shadowed = builtin_file(rules, stem);
	if (shadowed && !same_file(found, shadowed))
		tm_diag_warning(
		    rules->diags, use_span(use),
		    "rule pack %s has the name of the built-in pack %s and is loaded instead of it", found,
		    shadowed);
	free(shadowed);
	free(stem);
	return found;
}

/* Loads one pack; `more`: packs are still to load after it. */
static void load_pack(tm_rules *rules, const char *name, const char *base, const char *rel_dir,
                      const tm_decl *use, bool more)
{
	lua_State *L = rules->L;
	tm_buf tried = TM_BUF_INIT;
	char *found =
	    name && *name ? find_pack(rules, name, base, rel_dir ? rel_dir : ".", use, &tried) : NULL;
	if (!found) {
		tm_diag *diag = tm_diag_error(rules->diags, use_span(use), "rule pack '%s' not found%s%s%s",
		                              name ? name : "", tried.len ? " (looked for " : "",
		                              tm_buf_str(&tried), tried.len ? ")" : "");
		suggest_pack(diag, name ? name : "");
		tm_buf_free(&tried);
		return;
	}
	tm_buf_free(&tried);
	char *real = realpath(found, NULL);
	for (size_t i = 0; real && i < rules->npacks; i++) {
		if (rules->packs[i].real && strcmp(rules->packs[i].real, real) == 0) {
			free(real);
			free(found);
			return; /* named twice: loaded once */
		}
	}
	pack p = {.path = tm_arena_strdup(rules->arena, found), .base = base};
	p.real = real ? tm_arena_strdup(rules->arena, real) : NULL;
	char *stem = tm_rules_stem_of(found);
	p.name = tm_arena_strdup(rules->arena, stem);
	free(stem);
	free(real);
	free(found);
	TM_VEC_PUSH(rules->packs, rules->npacks, rules->cappacks, p);
	size_t pack_index = rules->npacks - 1;

	unit u = {.base = base, .pack = pack_index};
	char *dir = tm_rules_dirname(p.path);
	u.dir = tm_arena_strdup(rules->arena, dir);
	free(dir);
	TM_VEC_PUSH(rules->units, rules->nunits, rules->capunits, u);

	int top = lua_gettop(L);
	tm_rules_memory_allow(rules, PACK_MEMORY);
	/* Compiling and running the pack meet the run's one deadline. A
	 * third-party pack is followed line by line, so that a memory error
	 * (which carries no place) names the line it came from; a built-in
	 * pack is ours, and following its lines was a fifth of the time it
	 * takes to load, which every run pays once per engine. */
	char *own_stem = tm_rules_stem_of(p.path);
	char *own = builtin_file(rules, own_stem);
	bool builtin = own && same_file(p.path, own);
	free(own);
	free(own_stem);
	rules->deadline_what = rules->deadline_text;
	tm_rules_budget(rules, rules->run_deadline, 0, !builtin);
	size_t first_rule = rules->nrules;
	int status = tm_rules_load_file(rules, p.path);
	if (status == LUA_OK) {
		tm_rules_new_env(rules, rules->nunits - 1);
		if (!lua_setupvalue(L, -2, 1))
			lua_pop(L, 1);
		rules->loading = (long)pack_index;
		status = tm_rules_pcall(rules, 0, 0);
		rules->loading = -1;
	}
	tm_rules_budget(rules, 0, 0, false);
	tm_rules_report_unshown_warnings(rules, &rules->packs[pack_index]);
	tm_rules_report_deprecations(rules, rules->diags);
	if (status != LUA_OK) {
		pack_error(rules, use, lua_tostring(L, -1) ? lua_tostring(L, -1) : "the pack failed to load",
		           rules->out_of_time && more ? " (the remaining packs were not loaded)" : "");
		for (size_t i = first_rule; i < rules->nrules; i++)
			drop_rule(rules, &rules->rules[i]);
		rules->nrules = first_rule;
		rules->npacks--;
		lua_settop(L, top);
		lua_gc(L, LUA_GCCOLLECT);
		return;
	}
	lua_settop(L, top);
	pack *loaded = &rules->packs[pack_index];
	for (size_t i = first_rule; i < rules->nrules; i++)
		rules->rules[i].info.pack = loaded->name;
	/* A pack may register no rule (rules->rules may still be NULL). */
	if (rules->nrules > first_rule)
		qsort(rules->rules + first_rule, rules->nrules - first_rule, sizeof(rule),
		      compare_rules_by_id);
	for (size_t i = first_rule; i < rules->nrules; i++)
		tm_rules_index_id(rules, i);
}

typedef struct id_entry {
	const char *id;
	size_t index;
} id_entry;

static int compare_by_id(const void *a, const void *b)
{
	return strcmp(((const id_entry *)a)->id, ((const id_entry *)b)->id);
}

static int compare_filter_lists(const rule_filter *a, size_t na, const rule_filter *b, size_t nb)
{
	if (na != nb)
		return na < nb ? -1 : 1;
	for (size_t i = 0; i < na; i++) {
		int c = strcmp(a[i].attr, b[i].attr);
		if (c)
			return c;
		if (a[i].nwords != b[i].nwords)
			return a[i].nwords < b[i].nwords ? -1 : 1;
		for (size_t w = 0; w < a[i].nwords; w++)
			if ((c = strcmp(a[i].words[w], b[i].words[w])) != 0)
				return c;
	}
	return 0;
}

static int compare_rule_filters(const rule *a, const rule *b)
{
	int c = compare_filter_lists(a->requires, a->nrequires, b->requires, b->nrequires);
	return c ? c : compare_filter_lists(a->unless, a->nunless, b->unless, b->nunless);
}

typedef struct filter_entry {
	const rule *rule;
	size_t index;
} filter_entry;

static int compare_filter_entries(const void *a, const void *b)
{
	const filter_entry *x = a, *y = b;
	int c = compare_rule_filters(x->rule, y->rule);
	return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

/* Numbers the rules' filters: equal `requires` and `unless` (sorted by
 * name when read), equal number, the index of the first rule with them.
 * Sorted, not compared pair by pair: packs may register tens of
 * thousands of rules. */
static void group_filters(tm_rules *rules)
{
	filter_entry *entries = tm_xmalloc(sizeof *entries * (rules->nrules + 1));
	for (size_t i = 0; i < rules->nrules; i++)
		entries[i] = (filter_entry){&rules->rules[i], i};
	qsort(entries, rules->nrules, sizeof *entries, compare_filter_entries);
	for (size_t i = 0; i < rules->nrules; i++) {
		bool same = i > 0 && compare_rule_filters(entries[i].rule, entries[i - 1].rule) == 0;
		rules->rules[entries[i].index].filter_group =
		    same ? rules->rules[entries[i - 1].index].filter_group : entries[i].index;
	}
	free(entries);
}

/* Indexes the loaded rules: by id, and by what they apply to. */
static void index_rules(tm_rules *rules)
{
	group_filters(rules);
	id_entry *entries = tm_xmalloc(sizeof *entries * (rules->nrules + 1));
	for (size_t i = 0; i < rules->nrules; i++)
		entries[i] = (id_entry){rules->rules[i].info.id, i};
	qsort(entries, rules->nrules, sizeof *entries, compare_by_id);
	free(rules->by_id);
	rules->by_id = tm_xmalloc(sizeof(size_t) * (rules->nrules + 1));
	for (size_t i = 0; i < rules->nrules; i++)
		rules->by_id[i] = entries[i].index;
	free(entries);
	for (int a = 0; a < APPLIES_COUNT; a++) {
		free(rules->applies[a]);
		rules->applies[a] = tm_xmalloc(sizeof(size_t) * (rules->nrules + 1));
		rules->napplies[a] = 0;
		for (size_t i = 0; i < rules->nrules; i++)
			if (rules->rules[i].applies & (1u << a))
				rules->applies[a][rules->napplies[a]++] = i;
	}
}

static char *find_stdlib(void)
{
	const char *env = getenv("THREAT_STDLIB");
	if (env && *env)
		return tm_xstrdup(env);
	/* In a build tree build/threat finds stdlib/ beside build/; an
	 * installed <prefix>/bin/threat finds <prefix>/share/threat/stdlib
	 * wherever the prefix was moved (make install PREFIX=, DESTDIR=). */
	static const char *const beside_binary[] = {"../stdlib", "../share/threat/stdlib"};
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			for (size_t i = 0; i < COUNT(beside_binary); i++) {
				char candidate[PATH_MAX + 32];
				snprintf(candidate, sizeof candidate, "%s/%s", exe, beside_binary[i]);
				struct stat st;
				if (stat(candidate, &st) == 0 && S_ISDIR(st.st_mode))
					return tm_rules_shown_path(candidate);
			}
		}
	}
	return tm_xstrdup(TM_STDLIB_DIR);
}

/* Moves the run's deadline `seconds` on, and says it in the message a
 * stopped pack gets. */
void tm_rules_extend_deadline(tm_rules *rules, double seconds)
{
	rules->run_deadline += (uint64_t)(seconds * 1e9);
	snprintf(rules->deadline_text, sizeof rules->deadline_text, "(%.3g s for the whole run)",
	         (double)(rules->run_deadline - rules->run_start) / 1e9);
}

static tm_rules *engine_new(tm_diags *diags)
{
	tm_rules *rules = tm_xcalloc(1, sizeof *rules);
	rules->arena = tm_arena_new();
	rules->diags = diags;
	rules->vocab = tm_vocab_new();
	rules->loading = -1;
	rules->views = rules->kinds = rules->model_view = rules->attrs.tables = rules->lists.tables =
	    LUA_NOREF;
	rules->stdlib_dir = find_stdlib();
	rules->ids = tm_strmap_new(1024);
	const char *path = getenv("THREAT_PATH");
	size_t cap = 0;
	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		if (len) {
			char *dir = tm_xstrndup(path, len);
			TM_VEC_PUSH(rules->path_dirs, rules->npath_dirs, cap, dir);
		}
		path = colon ? colon + 1 : NULL;
	}
	if (!tm_rules_sandbox_open(rules)) {
		tm_diag_error(diags, no_span(), "cannot create the Lua state for the rule packs");
		return rules;
	}
	tm_rules_open_registration(rules);
	tm_rules_open_deprecations(rules);
	return rules;
}

double tm_rules_parse_budget(const char *text)
{
	if (!text || !((*text >= '0' && *text <= '9') || *text == '.'))
		return 0;
	char *end;
	errno = 0;
	double seconds = strtod(text, &end);
	if (errno || *end || !(seconds > 0 && seconds <= RUN_SECONDS_MAX))
		return 0;
	return seconds;
}

/* Starts the run's one deadline (base/limits.h): the budget, and the
 * allowance for `items` elements. */
static void start_deadline(tm_rules *rules, double budget, size_t items)
{
	rules->budget = budget > 0 ? budget : RUN_SECONDS;
	if (rules->budget > RUN_SECONDS_MAX)
		rules->budget = RUN_SECONDS_MAX;
	rules->run_start = rules->run_deadline = tm_clock_ns();
	tm_rules_extend_deadline(rules, rules->budget + RUN_SECONDS_PER_ITEM * (double)items);
}

/* The packs the model's `use` statements name (none: the default ones),
 * then the index of their rules. */
static int load_model_packs(tm_rules *rules, const tm_model *model, tm_diags *diags)
{
	size_t errors = diags->errors;
	rules->loaded_from = model;
	if (rules->L) {
		size_t nuses = model ? model->nuses : 0, nextra = rules->nextra_packs;
		if (nuses == 0 && nextra == 0) {
			for (size_t i = 0; i < COUNT(tm_rules_default_packs) && !rules->out_of_time; i++)
				load_pack(rules, tm_rules_default_packs[i], NULL, NULL, NULL,
				          i + 1 < COUNT(tm_rules_default_packs));
		} else {
			for (size_t i = 0; i < nuses && !rules->out_of_time; i++) {
				const tm_use *use = &model->uses[i];
				load_pack(rules, use->name, use->base_dir, use->base_dir, use->decl,
				          i + 1 < nuses + nextra);
			}
			for (size_t i = 0; i < nextra && !rules->out_of_time; i++)
				load_pack(rules, rules->extra_packs[i], ".", ".", NULL, i + 1 < nextra);
		}
	}
	index_rules(rules);
	rules->diags = NULL;
	rules->load_failed = diags->errors > errors;
	return rules->load_failed ? TM_ERR_INPUT : TM_OK;
}

/* The finding counters of a run whose engine has loaded its packs. */
static void own_counts(tm_rules *rules)
{
	rules->own_counts.npacks = rules->npacks;
	rules->own_counts.packs = tm_xcalloc(rules->npacks + 1, sizeof *rules->own_counts.packs);
	rules->counts = &rules->own_counts;
}

int tm_rules_load(tm_rules **out, const tm_model *model, double budget, tm_diags *diags)
{
	return tm_rules_load_with(out, model, NULL, 0, budget, diags);
}

int tm_rules_load_with(tm_rules **out, const tm_model *model, const char *const *packs, size_t npacks,
                       double budget, tm_diags *diags)
{
	tm_rules *rules = engine_new(diags);
	*out = rules;
	if (npacks) {
		const char **names = tm_arena_alloc(rules->arena, npacks * sizeof *names);
		for (size_t i = 0; i < npacks; i++)
			names[i] = tm_arena_strdup(rules->arena, packs[i]);
		rules->extra_packs = names;
		rules->nextra_packs = npacks;
	}
	start_deadline(rules, budget, model ? model->nelements : 0);
	if (model)
		tm_rules_preload_helpers(rules, model);
	int status = load_model_packs(rules, model, diags);
	own_counts(rules);
	return status;
}

int tm_rules_load_helper(tm_rules **out, const tm_model *model, const tm_rules *first)
{
	tm_diags ignored = {0};
	tm_rules *rules = engine_new(&ignored);
	*out = rules;
	rules->budget = first->budget;
	rules->run_start = first->run_start;
	rules->run_deadline = first->run_deadline;
	memcpy(rules->deadline_text, first->deadline_text, sizeof rules->deadline_text);
	rules->quiet = true;
	rules->extra_packs = first->extra_packs;
	rules->nextra_packs = first->nextra_packs;
	int status = load_model_packs(rules, model, &ignored);
	rules->quiet = false;
	tm_diags_free(&ignored);
	return status;
}

int tm_rules_load_names(tm_rules **out, const char *const *names, size_t count, const char *base_dir,
                        tm_diags *diags)
{
	size_t errors = diags->errors;
	tm_rules *rules = engine_new(diags);
	*out = rules;
	start_deadline(rules, 0, 0);
	for (size_t i = 0; rules->L && i < count && !rules->out_of_time; i++)
		load_pack(rules, names[i], base_dir, base_dir, NULL, i + 1 < count);
	index_rules(rules);
	own_counts(rules);
	rules->diags = NULL;
	return diags->errors > errors ? TM_ERR_INPUT : TM_OK;
}

size_t tm_rules_pack_count(const tm_rules *rules)
{
	return rules ? rules->npacks : 0;
}

const char *tm_rules_pack_path(const tm_rules *rules, size_t index)
{
	return rules && index < rules->npacks ? rules->packs[index].path : NULL;
}

const char *tm_rules_pack_name(const tm_rules *rules, size_t index)
{
	return rules && index < rules->npacks ? rules->packs[index].name : NULL;
}

void tm_rules_finish(tm_rules *rules)
{
	if (!rules || !rules->L)
		return;
	tm_rules_watch_end(rules);
	tm_rules_views_end(rules, false);
	tm_rules_sandbox_close(rules);
}

void tm_rules_free(tm_rules *rules)
{
	if (!rules)
		return;
	tm_rules_drop_preloaded(rules);
	tm_rules_finish(rules);
	free(rules->by_id);
	for (int a = 0; a < APPLIES_COUNT; a++)
		free(rules->applies[a]);
	free(rules->rules);
	free(rules->packs);
	free(rules->units);
	for (size_t i = 0; i < rules->npath_dirs; i++)
		free(rules->path_dirs[i]);
	free(rules->path_dirs);
	free(rules->stdlib_dir);
	tm_vocab_free(rules->vocab);
	tm_rules_free_deprecations(rules);
	tm_strmap_free(rules->ids);
	free(rules->own_counts.packs);
	tm_arena_free(rules->arena);
	free(rules);
}
