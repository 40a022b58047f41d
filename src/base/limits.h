/* The library's tunables in one place (after Lua's llimits.h): what an
 * input may be, how deep it may nest, and the budgets and ceilings of
 * the rule engine, grouped by the stage that applies them. Widths and
 * counts that only shape a report stay with their writer.
 * doc/rules.md ("The sandbox", "Limits") lists the rule engine's for pack
 * authors; a change there changes that table. This header is of the
 * lowest layer and includes nothing of the project. */
#ifndef TM_BASE_LIMITS_H
#define TM_BASE_LIMITS_H

#include <stddef.h>

/* ==== base: sources and diagnostics (src/base) ==== */

/* Larger inputs are refused with an error rather than read. */
#define TM_SOURCE_MAX_BYTES ((size_t)64 * 1024 * 1024)
/* After this many errors the rest are counted but not kept. */
#define TM_DIAG_MAX_ERRORS 20

/* ==== lang: parsing a .threat source (src/lang) ==== */

/* Blocks nest at most this deep; deeper is an error rather than a deep
 * recursion. */
#define MAX_PARSE_DEPTH 200

/* ==== model: resolving a model (src/model) ==== */

/* Includes nest at most this deep (an include cycle stops here too). */
#define MAX_INCLUDE_DEPTH 64
/* A flow crosses at most twice this many boundaries, and every flow
 * keeps its crossings, so the cap keeps the model's memory (and what the
 * writers list) linear in its size. */
#define MAX_BOUNDARY_DEPTH 64
/* How many hops of a path of requests `why` shows: enough for any real
 * chain; a longer one is shown with its start and its last hops. */
#define WHY_MAX_HOPS 16
/* What a vocabulary holds at most, so a hostile pack cannot make the C
 * side grow without bound: declarations, the length of a name, of its
 * documentation and of an enum word, and an enum's words. */
#define TM_VOCAB_MAX_ATTRIBUTES 4096
#define TM_VOCAB_MAX_NAME       64
#define TM_VOCAB_MAX_DOC        500
#define TM_VOCAB_MAX_VALUES     256

/* ==== rules: the rule engine (src/rules) ==== */

/* ---- time ---- */

/* One deadline for a whole run (loading the packs, phase 1, phase 2):
 * this many seconds unless the caller sets a budget, plus RUN_SECONDS_PER_ITEM
 * for each element and for each finding phase 2 sees, so a large model's
 * own work is not counted against the packs. */
#define TM_RULES_DEFAULT_BUDGET 10.0
#define RUN_SECONDS             TM_RULES_DEFAULT_BUDGET
#define RUN_SECONDS_PER_ITEM    100e-6
/* The largest budget a caller may set (a day). */
#define RUN_SECONDS_MAX 86400.0
/* The hook fires every this many instructions. */
#define HOOK_INTERVAL 10000
/* Instructions one rule call may run, in units of HOOK_INTERVAL: 100
 * million; a model rule gets more on a large model (rules/run.c). */
#define CALL_TICKS 10000u

/* ---- memory ---- */

/* The Lua heap a pack may add while it loads, and a run beyond its views. */
#define PACK_MEMORY          ((size_t)256 * 1024 * 1024)
#define VIEW_MEMORY_PER_ITEM ((size_t)2048)

/* The collector sleeps through a run until the rules have grown the heap
 * by this much, or by as much as the element views took if that is more:
 * a small model's run then frees nothing early, and a large one's is not
 * collected while the views are still filling in their fields (each
 * filled view's table would be traced again). The memory cap still
 * collects in full before it refuses. */
#define GC_START_BYTES ((size_t)32 * 1024 * 1024)

/* ---- engines (parallel.c) ---- */

/* Below this many elements (flows included) one engine does it all: a
 * second one would cost more to load than it saves. */
#define PARALLEL_MIN_ELEMENTS 2000
/* Engines for a larger model: the two cores the targets are set for. */
#define DEFAULT_ENGINES 2
/* A run of fewer elements than this is cut into this many chunks per
 * engine, claimed by whichever engine is ahead: the first engine works
 * while a helper loads its packs, and takes the helper's share as far as
 * it gets there first. A larger run keeps one chunk per engine, since
 * small chunks there cost memory (parallel.c). */
#define SMALL_RUN_ELEMENTS          20000
#define SMALL_RUN_CHUNKS_PER_ENGINE 8
/* From this many elements, model.mentions searches the second half of
 * the model on another thread (model_view.c). */
#define PARALLEL_SCAN_ELEMENTS 20000

/* ---- source ---- */

/* A pack or module file, or a chunk given to load(): Lua's compiler is
 * quadratic on some texts (a long elseif chain), so the text is bounded,
 * and compiling it also meets the run's deadline (rules/safe_lib.c). The largest
 * built-in pack is a sixteenth of this. */
#define MAX_SOURCE_BYTES ((size_t)1024 * 1024)

/* ---- what a single C call may do ---- */

/* Items one library call may loop over when its arguments or a __len
 * metamethod choose the count (table.move, concat, insert, remove): each
 * step may call a C metamethod the hook never sees, so this keeps one
 * call well under a second. */
#define MAX_C_LOOP ((size_t)1 << 22)
/* Items table.sort may sort: well under a second, also when the items'
 * __lt is a C function. */
#define MAX_SORT_ITEMS ((size_t)1 << 20)
/* Bytes a string built by string.rep may have. */
#define MAX_STRING_BYTES ((size_t)64 * 1024 * 1024)
/* Steps a pattern match may take in the worst case that patterns.c
 * estimates: about a second of matching. */
#define MAX_PATTERN_STEPS 1e9

/* ---- what the engine keeps for packs ---- */

/* Findings one run may raise, and one pack of it: these floors, or on a
 * large model so many per element (flows included), whichever is more.
 * A model that states no controls raises about four per element. */
#define MAX_FINDINGS                      ((size_t)2000000)
#define MAX_FINDINGS_PER_ELEMENT          ((size_t)32)
#define MAX_FINDINGS_PER_PACK             ((size_t)1000000)
#define MAX_FINDINGS_PER_PACK_PER_ELEMENT ((size_t)16)
/* Warnings (unknown fields and keys) one pack's rule{} and pack{} calls
 * may add; the rest are counted in one last warning. */
#define MAX_WARNINGS_PER_PACK 100
/* Deprecated forms reported (each once per pack file) by one engine, over
 * its load and its runs; the rest are noted in one last warning. */
#define MAX_DEPRECATIONS 100
/* How many stack frames up a deprecated form looks for the pack's line
 * that reached it. */
#define DEPRECATION_SEARCH_FRAMES 64
/* Errors one pack's rules may report in a run (a rule failing on each
 * element); the rest are counted in one last error. */
#define MAX_ERRORS_PER_PACK 100
/* Bytes `print` may write for one engine, over all its packs. */
#define MAX_PRINT_BYTES ((size_t)1024 * 1024)
/* Bytes of a rule's id, category, framework, and of the attribute names
 * and words of its filters: longer ones are refused when the rule
 * registers (and a longer key is cut in a warning). */
#define MAX_NAME_BYTES 200
/* Bytes of a rule's title and of each of its references. */
#define MAX_TITLE_BYTES 1000
/* Bytes of a rule's description and mitigation. */
#define MAX_TEXT_BYTES ((size_t)64 * 1024)
/* Bytes of text one pack's rules may keep in all (titles, descriptions,
 * ...): a pack registering more is stopped. */
#define MAX_PACK_TEXT_BYTES ((size_t)16 * 1024 * 1024)
/* Bytes of an error message kept from a pack; longer ones are cut. */
#define MAX_MESSAGE_BYTES 2000
/* The longest detail kept from `when`, in bytes. */
#define MAX_DETAIL_BYTES 1000
/* A rule's `advice`: at most this many technologies, each text at most
 * this many bytes (a finding's advice is built from them). */
#define MAX_ADVICE_TECHS      64
#define MAX_ADVICE_TEXT_BYTES 1000

/* The most engines THREAT_JOBS may ask for. */
#define TM_RULES_MAX_ENGINES 16

/* ==== session (src/session) ==== */

/* How many --include-root folders a session takes. */
#define TM_SESSION_MAX_INCLUDE_ROOTS 16
/* From this many findings, sorting them is worth a thread. */
#define BACKGROUND_SORT_MIN 10000
/* From this many findings, reading them for the sort and copying them in
 * their sorted order are each shared with a second thread. */
#define PARALLEL_COPY_MIN 100000

/* ==== interop: other tools' formats (src/interop) ==== */

/* An imported component lies at most this deep inside others (each level
 * is a block of the `.threat` text, which nests at most MAX_PARSE_DEPTH). */
#define TM_INTEROP_MAX_NESTING 64
/* A Threat Dragon model holds at most this many trust boundary boxes:
 * finding what each cell lies in compares every cell with every box. */
#define TM_INTEROP_MAX_TD_BOXES 2000

/* ==== query: the query language (src/query) ==== */

/* Conditions nest through ( ) and not; deeper than this is an error rather
 * than a deep recursion. */
#define MAX_QUERY_DEPTH 64
/* A query line longer than this is refused (a REPL line, not a file). */
#define MAX_QUERY_BYTES (64 * 1024)
/* An `outer` or parent chain longer than this is a cycle in a broken
 * model. */
#define MAX_NESTING 256
/* `path` stops here: routes are simple (no element twice), at most this
 * many flows long, at most this many of them, and the search takes at
 * most this many steps. */
#define PATH_MAX_FLOWS  12
#define PATH_MAX_ROUTES 20
#define PATH_MAX_STEPS  200000
/* "did you mean" compares against at most this many ids. */
#define MAX_SUGGEST_CANDIDATES 20000
/* The repository checks (src/repo): the README is read up to this many
 * bytes; the search for a model stops this many folders deep and after
 * this many directory entries. */
#define TM_REPO_README_MAX_BYTES ((size_t)4 * 1024 * 1024)
#define TM_REPO_SCAN_DEPTH       16
#define TM_REPO_SCAN_ENTRIES     ((size_t)200000)

/* ==== lsp: the language server (src/lsp) ==== */

/* A message body longer than this is refused and skipped unread: a full
 * document of TM_SOURCE_MAX_BYTES, escaped in JSON, with room to spare. */
#define TM_LSP_MAX_MESSAGE_BYTES ((size_t)160 * 1024 * 1024)
/* A header line longer than this is a broken stream, not a header. */
#define TM_LSP_MAX_HEADER_BYTES 4096
/* The rule packs run this long after the last edit (the syntax, reference
 * and vocabulary diagnostics come at once). */
#define TM_LSP_RULES_DELAY_MS 300
/* How many documents the server holds open at once. */
#define TM_LSP_MAX_DOCUMENTS 256
/* Document symbols nest at most this deep (processes, boundaries). */
#define TM_LSP_MAX_SYMBOL_DEPTH 64

#endif
