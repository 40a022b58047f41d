/* Internals of the rule engine shared by its files: the sandbox
 * (sandbox.c, heap.c, budget.c, safe_lib.c, require.c), the views
 * (views.c and the files views.h names), registering rules
 * (register.c), loading packs (load.c) and running rules (run.c). */
#ifndef TM_RULES_ENGINE_H
#define TM_RULES_ENGINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <lua.h>

#include "base/arena.h"
#include "base/buf.h"
#include "rules/rules.h"

#define COUNT(array) (sizeof(array) / sizeof(*(array)))

static inline int index_of(const char *word, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(word, list[i]) == 0)
			return (int)i;
	return -1;
}

static inline tm_span no_span(void)
{
	tm_span span = {0};
	return span;
}

/* What a rule applies to: a bit per element kind, then these two. */
enum { APPLIES_MODEL = TM_EL_COUNT, APPLIES_FINDING, APPLIES_COUNT };

/* One entry of a rule's `requires` or `unless`: an attribute and the
 * (lower-case) words that match it. */
typedef struct rule_filter {
	const char *attr;
	const char **words;
	size_t nwords;
	int field; /* the finding field attr names (tm_rules_filter_prepare), or -1 */
	/* A status or risk filter: bit v set when its words hold the name of
	 * value v, the top bit when they hold "" (a value out of range). */
	uint32_t values;
} rule_filter;

/* One entry of a rule's `advice`: the technology word (lower-case) and
 * the text added to the rule's mitigation on findings about it. */
typedef struct rule_advice {
	const char *tech;
	const char *text;
} rule_advice;

typedef struct rule {
	tm_rule_info info;
	/* `advice`, sorted by technology; strings in the engine's arena. */
	rule_advice *advice;
	size_t nadvice;
	/* The findings' texts with advice joined, one per set of matching
	 * technologies (bit i: advice[i]), made once per run and shared. */
	uint32_t advised_run;
	size_t nadvised;
	struct {
		uint64_t matched;
		tm_finding_about *about;
	} advised[8];
	/* `requires`: every attribute must hold one of its words; `unless`:
	 * none may. Checked in C, so `when` is not called where it cannot
	 * fire. Strings in the engine's arena. */
	rule_filter *requires, *unless;
	size_t nrequires, nunless; /* strings in the engine's arena */
	/* Rules with equal filters share a number (index_rules): an element
	 * is tested once for a run of them, such as a stack's rules in
	 * ge-stack, which all require its `tech`. */
	size_t filter_group;
	unsigned applies;                            /* 1u << kind, 1u << APPLIES_MODEL, ... */
	int when, likelihood, impact;                /* registry refs; LUA_NOREF: the static factors below */
	int when_line, likelihood_line, impact_line; /* where each is defined, for messages */
	/* `only_if(model)`, a registry ref (LUA_NOREF: none), asked once per
	 * run before the rule's first subject: false leaves the rule out of
	 * the run (only_if_open), so a rule about a technology the model
	 * never names costs no call per element. */
	int only_if, only_if_line;
	uint32_t only_if_run; /* the run it was last asked in */
	bool only_if_open;
	uint8_t likelihood_factors[TM_LF_COUNT], impact_factors[TM_IF_COUNT];
	/* Scales the static tables name (MEASURE_* bits): the factor is the
	 * highest of its number and those scales of the subject. */
	uint8_t likelihood_measures[TM_LF_COUNT], impact_measures[TM_IF_COUNT];
	size_t pack;
	bool disabled; /* ran out of its budget in this run: not called again */
	/* Its texts copied into the findings arena once per run, for all
	 * its findings of that run to point at. */
	uint32_t copied_run;
	tm_finding_about *about;
} rule;

/* Findings a run raised, over all its engines (base/limits.h MAX_FINDINGS,
 * MAX_FINDINGS_PER_PACK): the first engine owns the counters, helpers
 * point at them. An engine takes room from them a block at a time, so
 * engines seldom touch the same memory. */
typedef struct finding_counts {
	_Atomic size_t run;
	_Atomic size_t *packs; /* by pack index */
	size_t npacks;
} finding_counts;

typedef struct pack {
	char *name; /* pack{ name } or the file's stem */
	char *version, *description;
	char *path;       /* as shown in messages: "stdlib/stride.lua" */
	char *real;       /* realpath, so a file loads once */
	const char *base; /* the folder its `use` resolved against, or NULL */
	bool declared;    /* pack{} was called */
	/* What the engine keeps for it (base/limits.h): warnings its rule{} and
	 * pack{} calls raised (those past the cap only counted), and bytes of
	 * its rules' texts. */
	size_t warnings, kept_bytes;
	size_t errors;       /* its rules' errors in the current run (those past the cap only counted) */
	size_t finding_room; /* findings it may raise before taking more from the counts */
	bool over_findings;  /* raised too many findings: its rules stop for the run */
} pack;

/* A deprecated form a pack used (deprecate.c): what makes it once per
 * pack ("what\nfile"), the warning, and where in the run it was first
 * used (the engine's deprecation_order then). Strings in the engine's
 * arena. */
typedef struct deprecation {
	const char *key, *message;
	size_t order;
} deprecation;

/* A file whose code runs in the sandbox (a pack or a required module):
 * what `require` inside it resolves against. */
typedef struct unit {
	char *dir;        /* its folder, as shown */
	const char *base; /* the search base of the pack that loaded it */
	size_t pack;
} unit;

/* The Lua state's memory (heap.c): blocks up to HEAP_SMALL_MAX bytes
 * are carved from large chunks, with a free list per 8-byte size class;
 * larger ones are malloc'd and linked, so the whole heap can be dropped
 * at once. */
#define HEAP_SMALL_MAX 256
typedef struct heap_big {
	struct heap_big *prev, *next;
} heap_big;
typedef struct tm_heap {
	void *free[HEAP_SMALL_MAX / 8 + 1]; /* by size class: freed blocks, linked through their first word */
	char *bump, *bump_end;              /* the unused rest of the newest chunk */
	void *chunks;                       /* linked through their first word */
	size_t chunk_bytes;                 /* the size of each mapping */
	heap_big big;                       /* the ring of malloc'd blocks */
} tm_heap;

/* Read-only tables shared by equal contents for one run (attr_tables.c): an
 * open-addressing set of keys (an attribute block, or an array of count
 * element pointers), each naming its table's slot in a registry table. */
typedef struct shared_entry {
	const void *key; /* NULL: an empty slot */
	size_t count;
	uint32_t hash;
	int slot;
} shared_entry;
typedef struct shared_set {
	shared_entry *entries;
	size_t cap, count;
	int tables; /* registry ref, or LUA_NOREF */
} shared_set;

struct tm_rules {
	lua_State *L;
	tm_heap heap;
	tm_arena *arena;
	tm_diags *diags;

	pack *packs;
	size_t npacks, cappacks;
	struct tm_vocab *vocab; /* the language's attributes and those the packs declare */
	rule *rules;
	size_t nrules, caprules;
	size_t *by_id;         /* rule indices sorted by id */
	struct tm_strmap *ids; /* rule id -> index + 1, while packs load */
	size_t *applies[APPLIES_COUNT];
	size_t napplies[APPLIES_COUNT];
	unit *units;
	size_t nunits, capunits;

	char *stdlib_dir;
	char **path_dirs; /* THREAT_PATH */
	size_t npath_dirs;

	/* Sandbox accounting (heap.c, budget.c). */
	size_t mem_used, mem_limit; /* limit 0: none (while the engine builds its own state) */
	size_t gc_start;            /* during a run: restart the stopped collector past this; 0: running */
	bool mem_hit;
	uint64_t deadline; /* CLOCK_MONOTONIC ns, 0: none */
	/* The run's one deadline for loading and both phases (base/limits.h): set
	 * when the packs start loading, moved on by phase 2's findings. */
	double budget;         /* seconds the caller set, or RUN_SECONDS */
	uint64_t run_start;    /* CLOCK_MONOTONIC ns when the packs started loading */
	uint64_t run_deadline; /* CLOCK_MONOTONIC ns */
	bool out_of_time;      /* the run's deadline passed: later packs and phases do not start */
	bool findings_full;    /* the run raised MAX_FINDINGS: it stops */
	finding_counts own_counts, *counts;
	size_t finding_room;        /* findings this engine may raise before taking more */
	size_t print_bytes;         /* what `print` wrote so far (MAX_PRINT_BYTES) */
	uint32_t ticks, tick_limit; /* hook firings in the current call; 0: no limit */
	bool tripped;               /* a budget ran out: every instruction raises again */
	bool deadline_hit;
	bool budget_failed;        /* the last failed call ran out of instructions or memory */
	const char *deadline_what; /* "(10 s for the whole run)" for the message */
	char deadline_text[64];
	int hook_mask; /* 0 during runs: the CPU timer arms the hook */
	char trip_msg[512];
	char where_file[256]; /* the last place the hook saw, for memory errors */
	int where_line;

	int shared;        /* registry ref: the shared globals every _ENV reads through */
	bool model_global; /* during a run: the deprecated global `model` answers */

	/* Deprecated forms (deprecate.c): those met on this engine (per form
	 * and order), those reported, the warnings not yet handed to
	 * diagnostics, and where in the run this engine is: 0 outside a
	 * shared run, else 1 + the chunk it runs (parallel.c). */
	struct tm_strmap *deprecations_seen, *deprecation_forms, *deprecations_reported;
	size_t ndeprecations_seen; /* forms, the size of deprecation_forms */
	size_t deprecation_order;
	deprecation *deprecations;
	size_t ndeprecations, capdeprecations;
	bool deprecations_dropped; /* past MAX_DEPRECATIONS */

	/* Loading. */
	long loading; /* the pack being loaded, or -1 */
	size_t loading_unit;

	/* Running. */
	const tm_model *model;       /* NULL outside a run */
	const tm_model *views_model; /* the model the kept element views show */
	int gdpr;                    /* the run's model names GDPR: 1, 0, or -1 not asked yet */
	bool profile;                /* measure each rule (tm_rules_profile) */
	uint32_t runs;               /* runs so far: each rule's texts are copied once per run */
	size_t engines;              /* engines the last element run used (parallel.c) */
	const tm_model *loaded_from; /* the model whose `use` statements tm_rules_load followed */
	/* Helper engines loading their packs on threads of their own while
	 * this one loads (tm_rules_preload_helpers); the next run takes them. */
	struct preloaded_helper *preloaded;
	size_t npreloaded;
	/* Packs loaded after the model's `use` statements (tm_rules_load_with),
	 * as given; a helper engine loads them too. */
	const char *const *extra_packs;
	size_t nextra_packs;
	bool load_failed;    /* loading them reported an error */
	bool quiet;          /* print says nothing (a helper engine's load) */
	uint32_t generation; /* of the views; bumped for every run */
	int32_t today;
	int views;           /* registry ref: element views by index + 1 */
	int model_view;      /* registry ref */
	int kinds;           /* registry ref: model.elements(kind) arrays */
	int view_mt;         /* registry ref: the metatable every element view shares */
	int empty;           /* registry ref: the shared empty read-only array */
	int list_mt;         /* registry ref: metatable of view lists (userdata) */
	int empty_list;      /* registry ref: the shared empty view list */
	int finding_mt;      /* registry ref: metatable of finding views (userdata) */
	int finding_list_mt; /* registry ref: metatable of finding lists (userdata) */
	/* The factor names as Lua strings (kept in the registry, so these
	 * pointers stay valid): a returned table's keys compare by pointer. */
	const char *likelihood_names[TM_LF_COUNT];
	const char *impact_names[TM_IF_COUNT];
	/* Likewise the fields of a finding view (ORDER finding_fields in
	 * finding_view.c): a million findings are each read a few times in phase 2. */
	const char *finding_keys[18];
	/* And the fields of an element view (ORDER element_fields in
	 * element_view.c). */
	const char *element_keys[33];
	/* element_keys by pointer hash (element_view.c): field + 1, 0 empty. */
	uint8_t element_key_slots[64];
	int keys;  /* registry ref: those names, kept alive for the pointers */
	int names; /* registry ref: kind, exposure and sensitivity names (element_view.c) */
	tm_findings *findings;
	size_t nfindings_seen;  /* phase 2: how many findings model.findings shows */
	size_t *findings_by_id; /* phase 2: indices sorted by id, built on first model.finding() */
	/* Boundaries' crossed_by, built on first use for views_model: the
	 * flows crossing the boundary at element index i are
	 * crossed_flows[crossed_start[i] .. crossed_start[i + 1]). */
	uint32_t *crossed_start;
	tm_element **crossed_flows;
	/* model.elements(kind)'s elements of each kind, gathered on first use
	 * for views_model (element_view.c); every kind is model->elements. */
	tm_element **kind_elements[TM_EL_COUNT];
	size_t nkind_elements[TM_EL_COUNT];
	bool kind_gathered[TM_EL_COUNT];
	/* Elements whose attributes are the same share one attr table, and
	 * those with the same crossings, assets or boundaries one list
	 * (attr_tables.c). */
	shared_set attrs, lists;
};

/* Registering (register.c). */
/* Adds pack{}, rule{} and attribute{} to the globals every pack reads. */
void tm_rules_open_registration(tm_rules *rules);
/* Indexes rules->rules[index] by its id, while packs load. */
void tm_rules_index_id(tm_rules *rules, size_t index);
/* Reports the warnings of a pack past MAX_WARNINGS_PER_PACK, which were
 * only counted. */
void tm_rules_report_unshown_warnings(tm_rules *rules, const pack *p);
/* How much of a pack's error message a message keeps: at most
 * MAX_MESSAGE_BYTES, cut before a UTF-8 continuation byte (the caller adds
 * "…" when cut). */
int tm_rules_kept_length(const char *message);

/* Deprecated forms (deprecate.c). */
/* Adds `deprecated` and the global `model`'s answer to the shared globals. */
void tm_rules_open_deprecations(tm_rules *rules);
/* Notes that a pack used the deprecated form `what` (at stack level
 * `level`, or 1 when no Lua frame is there, reported at the first pack
 * frame from there up), once per pack file and form; `instead` says what
 * to write. */
void tm_rules_deprecated(lua_State *L, int level, const char *what, const char *instead);
/* Hands the noted warnings to diags (NULL: drops them). */
void tm_rules_report_deprecations(tm_rules *rules, tm_diags *diags);
/* Takes a helper engine's noted warnings after the first engine's own,
 * without those the first engine reported already. */
void tm_rules_take_deprecations(tm_rules *rules, tm_rules *helper);
void tm_rules_free_deprecations(tm_rules *rules);

/* Factors (run.c): reads a table of factors, names from `names`, at
 * least one: out[i] the number given for factor names[i] (0: none),
 * measures[i] the scales named for it. `interned` (or NULL) holds the
 * names as Lua strings, compared by pointer first. Never raises; false
 * with *error set on a bad table. */
bool tm_rules_read_factors(lua_State *L, int table, const char *const *names, const char *const *interned,
                           size_t count, uint8_t *out, uint8_t *measures, char *error, size_t size);

/* Loading (load.c). */
/* The name of a pack file: its file name without ".lua" (malloc). */
char *tm_rules_stem_of(const char *path);
/* Moves the run's deadline `seconds` on, and says it in the message a
 * stopped pack gets. */
void tm_rules_extend_deadline(tm_rules *rules, double seconds);

/* Finding filters (run.c): sets a filter's field (the index of the
 * finding field it names: status, risk, rule, framework, category, pack;
 * -1 for none) and values from its attr and words (rule_filter); and
 * whether a finding passes every `requires` entry and no `unless` one. */
void tm_rules_filter_prepare(rule_filter *filter);
/* Reads a filter table at idx ({ name = word or { words } }: `requires`,
 * `unless`) into filters in one block from alloc(ud, size): names copied,
 * words lower-cased, sorted by name. False with a message in error (`what`
 * names the table) when the table is not such a table. */
bool tm_rules_read_filters(lua_State *L, int idx, const char *what, void *(*alloc)(void *ud, size_t size),
                           void *ud, rule_filter **out, size_t *count, char *error, size_t size);
bool tm_rules_finding_passes(const tm_finding *f, const rule_filter *requires, size_t nrequires,
                             const rule_filter *unless, size_t nunless);

/* The element run (phase 1) of elements [from, to) of the model, on this
 * engine alone (run.c); tm_rules_run shares a run out among engines
 * (parallel.c). */
int tm_rules_run_range(tm_rules *rules, const tm_model *model, int32_t today, size_t from, size_t to,
                       tm_findings *out, tm_diags *diags);

/* A run cut into consecutive chunks that engines claim one at a time,
 * each chunk keeping its own findings and messages; joined in chunk
 * order, they are what one engine running the chunks in order gives.
 * The first engine claims from the front and the others from the back,
 * so each works through neighbouring elements (which share views and
 * what packs cached of them) until they meet. */
typedef struct rules_chunk {
	size_t from, to;
	tm_findings findings;
	tm_diags diags;
	size_t *failures; /* per pack: its rules' failures in the chunk, shown
	                   * or only counted (NULL: the chunk was not run) */
} rules_chunk;

typedef struct rules_chunks {
	rules_chunk *items;
	size_t count;
	pthread_mutex_t lock; /* guards front and back */
	size_t front, back;   /* the chunks not yet claimed: [front, back) */
} rules_chunks;

/* Runs chunks of `chunks` on this engine until none is left (or the run
 * must stop: out of time, too many findings). Each chunk starts afresh:
 * no rule is disabled and no pack has errors yet, so what a chunk gives
 * never depends on which engine ran the chunks before it. A failure's
 * message carries its pack as its quota, and each chunk counts its packs'
 * failures, so that joining the chunks can keep the per-pack cap of one
 * engine (parallel.c). Messages from outside any chunk go to `diags`;
 * the deprecated forms met carry their chunk (deprecate.c). */
/* After a run: the line that counts a pack's rule failures past the
 * MAX_ERRORS_PER_PACK whose messages were shown (nothing when none were
 * left out). */
void tm_rules_report_failures(tm_diags *diags, const char *pack_path, size_t failures);

int tm_rules_run_chunks(tm_rules *rules, const tm_model *model, int32_t today, rules_chunks *chunks,
                        bool from_back, tm_diags *diags);

/* Loads the packs as tm_rules_load does, for a helper engine of a run
 * (parallel.c): its messages go nowhere and `print` at load is silent,
 * since the first engine's load showed them; it keeps the first engine's
 * deadline. */
int tm_rules_load_helper(tm_rules **out, const tm_model *model, const tm_rules *first);
/* Starts loading the helper engines a run of `model` will use, each on a
 * thread of its own, so that they are ready when the run starts instead of
 * loading while the first engine already works (parallel.c). Called after
 * the deadline is set and before the first engine loads its packs. */
void tm_rules_preload_helpers(tm_rules *rules, const tm_model *model);
/* Waits for the preloaded helpers no run took, and frees them. */
void tm_rules_drop_preloaded(tm_rules *rules);

/* The engine of a lua_State. */
tm_rules *tm_rules_of(lua_State *L);

/* The name of a chunk for messages: the path of "@path", else Lua's. */
static inline const char *tm_rules_chunk_name(const lua_Debug *ar)
{
	return ar->source && ar->source[0] == '@' ? ar->source + 1 : ar->short_src;
}

/* The sandbox (sandbox.c): opens an engine's Lua state. */
bool tm_rules_sandbox_open(tm_rules *rules);
/* Frees the Lua state by dropping its heap whole: packs cannot set
 * finalizers, so there is nothing lua_close would have to run. */
void tm_rules_sandbox_close(tm_rules *rules);
/* Pushes a read-only proxy of the table at idx (proxy.c). */
void tm_rules_readonly(lua_State *L, int idx);
/* Whether the table at idx is such a proxy. */
bool tm_rules_is_readonly(lua_State *L, int idx);
/* Creates the views' shared metatables (once, after the sandbox opens). */
void tm_rules_views_open(tm_rules *rules);

/* The heap (heap.c): tm_rules_alloc is the lua_Alloc of every engine's
 * state (ud: the engine), counting what the state holds against
 * mem_limit. */
void tm_rules_heap_init(tm_heap *heap);
/* Frees every block of the heap at once. */
void tm_rules_heap_drop(tm_heap *heap);
void *tm_rules_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* The budgets (budget.c). */
/* Arms the hook of a new state: it counts instructions, and no budget
 * is set yet. */
void tm_rules_budget_open(tm_rules *rules);
/* Budgets: a deadline (CLOCK_MONOTONIC ns, 0: none) and a per-call
 * instruction limit in units of the hook interval (0: none). */
void tm_rules_budget(tm_rules *rules, uint64_t deadline, uint32_t tick_limit, bool sample_lines);
/* After each call from C during a run: disarms the hook the CPU timer
 * armed (budget.c explains). */
void tm_rules_call_done(tm_rules *rules);
/* Stops the CPU timer of the engine's run, if it has one (tm_rules_free). */
void tm_rules_watch_end(tm_rules *rules);
/* Memory for packs: `extra` bytes beyond what is in use now. */
void tm_rules_memory_allow(tm_rules *rules, size_t extra);
/* Raises rules->trip_msg and keeps raising it on every instruction, so a
 * pcall in the pack only delays the error by one instruction;
 * `over_time`: the run's deadline passed. */
int tm_rules_trip(lua_State *L, tm_rules *rules, bool over_time);
/* Calls the function below nargs arguments with the message handler and
 * the current budget. Returns the lua_pcall status; on an error the
 * message ("file:line: text" where a place is known) is on the stack. */
int tm_rules_pcall(tm_rules *rules, int nargs, int nresults);
/* The message of a failed call split into place and text: "a.lua:3" and
 * "boom" (place empty when none). */
void tm_rules_split_message(const char *message, const char **text, int *place_len);

/* The library replacements (safe_lib.c). */
/* Wraps string.rep and table.move, concat, insert, remove and sort in
 * guards that refuse counts above the bounds in base/limits.h. */
void tm_rules_guard_loops(lua_State *L);
/* Puts the replacements of print, rawset, collectgarbage and
 * setmetatable in the globals table at `globals`. */
void tm_rules_safe_globals(lua_State *L, int globals);
/* load(text [, name [, mode [, env]]]); upvalue 1: the _ENV of the unit
 * whose `load` it is. */
int tm_rules_sandbox_load(lua_State *L);
/* Reads and compiles a text chunk; pushes the function (its _ENV not yet
 * set) or an error message. Returns a lua_load status. */
int tm_rules_load_file(tm_rules *rules, const char *path);

/* The search path (require.c). */
/* Creates the registry tables `require` keeps. */
void tm_rules_require_open(lua_State *L);
/* A fresh _ENV for a unit. Pushes it. */
void tm_rules_new_env(tm_rules *rules, size_t unit);
/* Finds a pack or module file: `name` as a path (with '/' or ending in
 * ".lua") relative to rel_dir, else name.lua in `first`, base, THREAT_PATH,
 * stdlib (first and base may be NULL). Returns the path as shown (malloc)
 * or NULL; `tried` gets where it looked. */
char *tm_rules_search(tm_rules *rules, const char *name, const char *rel_dir, const char *first,
                      const char *base, tm_buf *tried);
/* A path as messages show it: relative paths cleaned, absolute ones below
 * the current folder made relative to it (malloc). */
char *tm_rules_shown_path(const char *path);
/* "dir" of a shown path ("." for none), malloc. */
char *tm_rules_dirname(const char *path);

/* The views (views.c; views.h names the files that make them). */
/* Starts a run over `model`: the model view, and fresh element views
 * unless `reuse` and the last run's views are of this model. */
void tm_rules_views_begin(tm_rules *rules, const tm_model *model, int32_t today, bool reuse);
/* Adds model.findings and model.finding for phase 2. */
void tm_rules_views_findings(tm_rules *rules, const tm_findings *findings, size_t count);
/* Ends a run: views kept by a pack go inert until the next run of the
 * same views; `keep` keeps the element views for phase 2. */
void tm_rules_views_end(tm_rules *rules, bool keep);
/* Pushes the view of an element (built on first use). */
void tm_rules_push_view(lua_State *L, tm_rules *rules, const tm_element *element);

/* The scales a factor may name instead of a number (doc/rules.md "The
 * pack API"), each 1-3, of an element subject (all 1 for the model or a
 * finding, given as NULL): exposure as T.opportunity, data as
 * T.confidentiality, personal_data as T.compliance. */
enum { MEASURE_EXPOSURE = 1, MEASURE_DATA = 2, MEASURE_PERSONAL_DATA = 4 };
/* Their names, in that order (run.c). */
extern const char *const tm_rules_measure_names[3];
typedef struct tm_scales {
	uint8_t exposure, data, personal_data;
} tm_scales;
void tm_views_scales(tm_rules *rules, const tm_element *el, tm_scales *out);
/* Pushes the view of findings->items[index] for a `finding` rule. */
void tm_rules_push_finding_view(lua_State *L, tm_rules *rules, size_t index);

#endif
