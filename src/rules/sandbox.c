/* The sandbox packs run in: a lua_State with a memory cap, an instruction
 * and time budget that pcall cannot swallow (Redis script_lua.c), a reduced
 * standard library, read-only shared tables, and `load`/`require` that take
 * only text chunks from the pack search path. */
/* realpath is XSI. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "rules/engine.h"
#include "rules/limits.h"
#include "rules/patterns.h"

#ifdef TM_THREAD_SANITIZER
#define THREAD_SANITIZER 1
#else
#define THREAD_SANITIZER 0
#endif

tm_rules *tm_rules_of(lua_State *L)
{
	return *(tm_rules **)lua_getextraspace(L);
}

/* ---- the heap ----
 * Almost every allocation of a run is a small Lua object (tables of 56
 * bytes, hash parts of 24-byte nodes, short strings), and malloc spent a
 * fifth of a run on them (free-list upkeep, consolidation). Small blocks
 * come from 4 MB chunks instead, handed out in allocation order (a view's
 * tables sit side by side) and recycled through one free list per 8-byte
 * size class; Lua always passes a block's size back, so blocks carry no
 * header. The chunks are ordinary pages, not the huge pages the model's
 * arena takes: faulting in a heap that grows 4 MB at a time as huge pages
 * cost the kernel twice the time at 100k elements (compacting memory to
 * find them), more than the TLB misses they save. */
#define CHUNK_BYTES ((size_t)4 << 20)

static size_t size_class(size_t size)
{
	return (size + 7) >> 3;
}

static void heap_init(tm_heap *heap)
{
	memset(heap, 0, sizeof *heap);
	heap->big.prev = heap->big.next = &heap->big;
}

static bool heap_grow(tm_heap *heap)
{
	char *chunk = malloc(CHUNK_BYTES);
	if (!chunk)
		return false;
	*(void **)chunk = heap->chunks;
	heap->chunks = chunk;
	heap->bump = chunk + 16;
	heap->bump_end = chunk + CHUNK_BYTES;
	return true;
}

static void *heap_alloc(tm_heap *heap, size_t size)
{
	if (size > HEAP_SMALL_MAX) {
		heap_big *block = malloc(sizeof *block + size);
		if (!block)
			return NULL;
		block->prev = &heap->big;
		block->next = heap->big.next;
		block->next->prev = block;
		heap->big.next = block;
		return block + 1;
	}
	size_t class = size_class(size);
	void *block = heap->free[class];
	if (block) {
		heap->free[class] = *(void **)block;
		return block;
	}
	size_t bytes = class << 3;
	if ((size_t)(heap->bump_end - heap->bump) < bytes && !heap_grow(heap))
		return NULL;
	block = heap->bump;
	heap->bump += bytes;
	return block;
}

static void heap_free(tm_heap *heap, void *ptr, size_t size)
{
	if (!ptr)
		return;
	if (size > HEAP_SMALL_MAX) {
		heap_big *block = (heap_big *)ptr - 1;
		block->prev->next = block->next;
		block->next->prev = block->prev;
		free(block);
		return;
	}
	size_t class = size_class(size);
	*(void **)ptr = heap->free[class];
	heap->free[class] = ptr;
}

static void *heap_realloc(tm_heap *heap, void *ptr, size_t old, size_t size)
{
	if (!ptr)
		return heap_alloc(heap, size);
	if (old <= HEAP_SMALL_MAX && size <= HEAP_SMALL_MAX && size_class(size) <= size_class(old))
		return ptr; /* a block may serve a smaller class: it is only too large */
	if (old > HEAP_SMALL_MAX && size > HEAP_SMALL_MAX) {
		heap_big *block = (heap_big *)ptr - 1;
		heap_big *moved = realloc(block, sizeof *block + size);
		if (!moved)
			return NULL;
		moved->prev->next = moved;
		moved->next->prev = moved;
		return moved + 1;
	}
	void *mem = heap_alloc(heap, size);
	if (!mem)
		return NULL;
	memcpy(mem, ptr, old < size ? old : size);
	heap_free(heap, ptr, old);
	return mem;
}

/* Frees every block at once. */
static void heap_drop(tm_heap *heap)
{
	for (heap_big *block = heap->big.next; block && block != &heap->big;) {
		heap_big *next = block->next;
		free(block);
		block = next;
	}
	for (void *chunk = heap->chunks; chunk;) {
		void *next = *(void **)chunk;
		free(chunk);
		chunk = next;
	}
	heap_init(heap);
}

/* The allocator counts every byte the state holds and refuses to go past
 * the cap; Lua then raises a memory error the pack cannot get around. */
static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	tm_rules *rules = ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		heap_free(&rules->heap, ptr, old);
		rules->mem_used -= old;
		return NULL;
	}
	if (rules->mem_limit && nsize > old && rules->mem_used - old + nsize > rules->mem_limit) {
		rules->mem_hit = true;
		return NULL;
	}
	void *mem = heap_realloc(&rules->heap, ptr, old, nsize);
	if (!mem)
		return NULL;
	rules->mem_used = rules->mem_used - old + nsize;
	return mem;
}

/* The name of a chunk for messages: the path of "@path", else Lua's. */
static const char *chunk_name(const lua_Debug *ar)
{
	return ar->source && ar->source[0] == '@' ? ar->source + 1 : ar->short_src;
}

static void remember_place(tm_rules *rules, const lua_Debug *ar)
{
	if (ar->currentline <= 0)
		return;
	snprintf(rules->where_file, sizeof rules->where_file, "%s", chunk_name(ar));
	rules->where_line = ar->currentline;
}

static void hook(lua_State *L, lua_Debug *ar);

/* Raises rules->trip_msg and keeps raising it: the hook fires on every
 * instruction from now on, so a pcall in the pack only delays the error
 * by one instruction. */
static int trip(lua_State *L, tm_rules *rules, bool over_time)
{
	rules->tripped = true;
	rules->deadline_hit = over_time;
	if (over_time)
		rules->out_of_time = true;
	lua_sethook(L, hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
	lua_pushstring(L, rules->trip_msg);
	return lua_error(L);
}

static void hook(lua_State *L, lua_Debug *ar)
{
	tm_rules *rules = tm_rules_of(L);
	if (rules->tripped) {
		/* Re-raised on every instruction once tripped, so a pcall in
		 * the pack only delays the error by one instruction. */
		lua_pushstring(L, rules->trip_msg);
		lua_error(L);
	}
	bool over_ticks = false, over_time = false;
	if (ar->event == LUA_HOOKLINE) {
		if (lua_getinfo(L, "Sl", ar))
			remember_place(rules, ar);
		/* A loop of slow C calls (big:upper()) runs few instructions
		 * per second: the deadline is checked on every line too. */
		if (!rules->deadline || tm_clock_ns() <= rules->deadline)
			return;
		over_time = true;
	} else {
		rules->ticks++;
		over_ticks = rules->tick_limit && rules->ticks > rules->tick_limit;
		over_time = rules->deadline && tm_clock_ns() > rules->deadline;
	}
	if (!over_ticks && !over_time) {
		if (!(rules->hook_mask & LUA_MASKLINE) && lua_getinfo(L, "Sl", ar))
			remember_place(rules, ar);
		return;
	}
	const char *where = "?";
	int line = 0;
	if (lua_getinfo(L, "Sl", ar)) {
		where = chunk_name(ar);
		line = ar->currentline;
	}
	if (over_time)
		snprintf(rules->trip_msg, sizeof rules->trip_msg, "%s:%d: time limit exceeded %s", where,
		         line, rules->deadline_what ? rules->deadline_what : "");
	else
		snprintf(rules->trip_msg, sizeof rules->trip_msg,
		         "%s:%d: instruction limit exceeded (%llu million instructions in one call: an "
		         "endless loop?)",
		         where, line, (unsigned long long)rules->tick_limit * HOOK_INTERVAL / 1000000u);
	trip(L, rules, over_time);
}

/* A count hook makes Lua 5.4 call luaG_traceexec before every instruction,
 * about a tenth of a run's time. So during runs the hook is off, and a CPU
 * timer arms it every millisecond; once armed it counts the call's
 * instructions as before, and the engine disarms it after each call
 * (tm_rules_call_done). A call that loops therefore still meets its limit,
 * a millisecond late. Lua's own interpreter sets hooks from a signal
 * handler the same way (lua.c, laction).
 *
 * Engines may run on several threads at once (parallel.c), so each thread
 * has its own timer, on its own CPU clock, whose signal goes to that
 * thread only (SIGEV_THREAD_ID) and arms that thread's engine: no thread
 * ever touches another's Lua state. The signal's action is installed
 * while any thread watches and restored after the last. */
static _Thread_local tm_rules *volatile watched;
static _Thread_local timer_t watch_timer;
static pthread_mutex_t action_lock = PTHREAD_MUTEX_INITIALIZER;
static int action_users;
static struct sigaction saved_action;

static void on_tick(int signal)
{
	(void)signal;
	tm_rules *rules = watched;
	if (!rules || rules->tripped)
		return;
	/* Past the deadline the hook fires at the next instruction: a loop
	 * of slow C calls may run only a few instructions a second.
	 * (tm_clock_ns is async-signal-safe.) */
	if (rules->deadline && tm_clock_ns() > rules->deadline)
		lua_sethook(rules->L, hook, LUA_MASKCOUNT, 1);
	/* Otherwise an armed (or tripped) hook is left alone: re-arming
	 * would restart its count. */
	else if (lua_gethookmask(rules->L) == 0)
		lua_sethook(rules->L, hook, LUA_MASKCOUNT, HOOK_INTERVAL);
}

static bool action_take(void)
{
	bool ok = true;
	pthread_mutex_lock(&action_lock);
	if (action_users == 0) {
		struct sigaction action;
		memset(&action, 0, sizeof action);
		action.sa_handler = on_tick;
		action.sa_flags = SA_RESTART;
		sigemptyset(&action.sa_mask);
		ok = sigaction(SIGVTALRM, &action, &saved_action) == 0;
	}
	if (ok)
		action_users++;
	pthread_mutex_unlock(&action_lock);
	return ok;
}

static void action_release(void)
{
	pthread_mutex_lock(&action_lock);
	if (--action_users == 0) {
		/* A tick may already be pending; ignoring the signal discards
		 * it (POSIX), so restoring a default action cannot end the
		 * process. */
		struct sigaction ignore;
		memset(&ignore, 0, sizeof ignore);
		ignore.sa_handler = SIG_IGN;
		sigemptyset(&ignore.sa_mask);
		sigaction(SIGVTALRM, &ignore, NULL);
		sigaction(SIGVTALRM, &saved_action, NULL);
	}
	pthread_mutex_unlock(&action_lock);
}

static void watch_stop(tm_rules *rules)
{
	if (watched != rules)
		return;
	timer_delete(watch_timer);
	/* A tick still pending for this thread finds no engine. */
	watched = NULL;
	action_release();
}

/* Starts this thread's timer; false (the hook then stays on) when this
 * thread already watches another engine or the system refuses. */
static bool watch_start(tm_rules *rules)
{
#ifndef SIGEV_THREAD_ID
	/* Not Linux: no timer aimed at one thread, so the count hook stays
	 * on (a tenth slower, the same limits). */
	(void)rules;
	return false;
#else
	/* ThreadSanitizer holds a signal back until the thread next calls
	 * the C library, which a pure Lua loop never does: its builds keep
	 * the count hook on. */
	if (THREAD_SANITIZER)
		return false;
	if (watched)
		return watched == rules;
	if (!action_take())
		return false;
	struct sigevent event;
	memset(&event, 0, sizeof event);
	event.sigev_notify = SIGEV_THREAD_ID;
	event.sigev_signo = SIGVTALRM;
	event._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	watched = rules;
	struct itimerspec every = {{0, 1000000}, {0, 1000000}};
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &event, &watch_timer) != 0) {
		watched = NULL;
		action_release();
		return false;
	}
	if (timer_settime(watch_timer, 0, &every, NULL) != 0) {
		timer_delete(watch_timer);
		watched = NULL;
		action_release();
		return false;
	}
	return true;
#endif
}

void tm_rules_call_done(tm_rules *rules)
{
	if (rules->hook_mask == 0 && !rules->tripped && lua_gethookmask(rules->L) != 0)
		lua_sethook(rules->L, NULL, 0, 0);
}

void tm_rules_watch_end(tm_rules *rules)
{
	watch_stop(rules);
}

void tm_rules_budget(tm_rules *rules, uint64_t deadline, uint32_t tick_limit, bool sample_lines)
{
	rules->deadline = deadline;
	rules->tick_limit = tick_limit;
	rules->ticks = 0;
	rules->tripped = false;
	rules->deadline_hit = false;
	rules->where_line = 0;
	rules->hook_mask = LUA_MASKCOUNT | (sample_lines ? LUA_MASKLINE : 0);
	watch_stop(rules);
	if (!sample_lines && (deadline || tick_limit) && watch_start(rules))
		rules->hook_mask = 0;
	lua_sethook(rules->L, hook, rules->hook_mask, HOOK_INTERVAL);
}

void tm_rules_memory_allow(tm_rules *rules, size_t extra)
{
	rules->mem_limit = rules->mem_used + extra;
}

void tm_rules_sandbox_close(tm_rules *rules)
{
	/* No pack object has a finalizer (sandbox_setmetatable), so nothing
	 * needs lua_close's walk over every object: the heap goes whole. */
	rules->L = NULL;
	heap_drop(&rules->heap);
	rules->mem_used = 0;
}

/* ---- C loops ----
 * The hook never fires inside a C function, and some library functions
 * loop as often as their arguments say without allocating anything the
 * memory cap would see: string.rep("", 2^60), table.move({}, 1, 2^60, 1),
 * table.concat, insert or sort over a table whose __len says 2^60. These
 * wrappers refuse such counts before the loop starts (MAX_C_LOOP, and the
 * other bounds in limits.h). */

/* Calls the wrapped function (upvalue 1) with the arguments as they are. */
static int call_wrapped(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static int loop_error(lua_State *L, const char *name)
{
	return luaL_error(L, "%s: more than %d items in one call", name, (int)MAX_C_LOOP);
}

/* string.rep of an empty string (and separator) copies nothing n times;
 * a longer result than MAX_STRING_BYTES is refused before it is built. */
static int guarded_rep(lua_State *L)
{
	size_t len, sep_len;
	luaL_checklstring(L, 1, &len);
	lua_Integer n = luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &sep_len);
	if (n > 0 && len == 0 && sep_len == 0) {
		lua_pushliteral(L, "");
		return 1;
	}
	if (n > 0 && (double)len * (double)n + (double)sep_len * (double)(n - 1) > (double)MAX_STRING_BYTES)
		return luaL_error(L, "string.rep: the result would be longer than %d MB",
		                  (int)(MAX_STRING_BYTES >> 20));
	return call_wrapped(L);
}

/* table.move(a1, f, e, t [, a2]) copies e - f + 1 items. */
static int guarded_move(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
	if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= MAX_C_LOOP)
		return loop_error(L, "table.move");
	return call_wrapped(L);
}

/* The length a table function would loop over when the table's __len
 * chooses it (a plain table's border is bounded by its size); -1 when
 * there is no __len. Calls __len once more than the library does. */
static lua_Integer chosen_length(lua_State *L)
{
	if (lua_type(L, 1) != LUA_TTABLE || luaL_getmetafield(L, 1, "__len") == LUA_TNIL)
		return -1;
	lua_pop(L, 1);
	return luaL_len(L, 1);
}

/* table.concat(list, sep, i, j) visits i..j; j defaults to #list. */
static int guarded_concat(lua_State *L)
{
	lua_Integer i = luaL_optinteger(L, 3, 1);
	lua_Integer j = lua_isnoneornil(L, 4) ? chosen_length(L) : luaL_checkinteger(L, 4);
	if (j >= i && (lua_Unsigned)j - (lua_Unsigned)i >= MAX_C_LOOP)
		return loop_error(L, "table.concat");
	return call_wrapped(L);
}

/* table.insert and table.remove shift up to #list items. */
static int guarded_shift(lua_State *L)
{
	if ((lua_Unsigned)chosen_length(L) + 1u > MAX_C_LOOP)
		return loop_error(L, "table.insert/table.remove");
	return call_wrapped(L);
}

/* table.sort reads and writes through __index and __newindex, which may be
 * C functions the hook never sees (rawlen, rawequal), as often as __len
 * says: a table with those metamethods is refused, and so is a list
 * longer than MAX_SORT_ITEMS. An order function written in Lua runs under
 * the budgets like any other code. */
static int guarded_sort(lua_State *L)
{
	/* Other values go to Lua's sort as they are: it refuses them, or,
	 * for the engine's read-only lists, fails at its first write. */
	if (lua_type(L, 1) != LUA_TTABLE)
		return call_wrapped(L);
	static const char *const through[] = {"__index", "__newindex", "__len"};
	for (size_t i = 0; i < sizeof through / sizeof *through; i++) {
		if (luaL_getmetafield(L, 1, through[i]) != LUA_TNIL)
			return luaL_error(L, "table.sort: cannot sort a table with a %s metamethod",
			                  through[i]);
	}
	if (lua_rawlen(L, 1) > MAX_SORT_ITEMS)
		return luaL_error(L, "table.sort: more than %d items", (int)MAX_SORT_ITEMS);
	return call_wrapped(L);
}

static void guard_loops(lua_State *L)
{
	static const struct {
		const char *library, *name;
		lua_CFunction guard;
	} guards[] = {{LUA_STRLIBNAME, "rep", guarded_rep},       {LUA_TABLIBNAME, "move", guarded_move},
	              {LUA_TABLIBNAME, "concat", guarded_concat}, {LUA_TABLIBNAME, "insert", guarded_shift},
	              {LUA_TABLIBNAME, "remove", guarded_shift},  {LUA_TABLIBNAME, "sort", guarded_sort}};
	for (size_t i = 0; i < sizeof guards / sizeof guards[0]; i++) {
		lua_getglobal(L, guards[i].library);
		lua_getfield(L, -1, guards[i].name);
		lua_pushcclosure(L, guards[i].guard, 1);
		lua_setfield(L, -2, guards[i].name);
		lua_pop(L, 1);
	}
}

/* "file:12:" at the start of a message: Lua's place prefix. Returns the
 * length of "file:12", or 0. */
static int place_length(const char *message)
{
	for (int i = 0; message[i] && message[i] != '\n' && i < 4096; i++) {
		if (message[i] != ':' || i == 0 || !isdigit((unsigned char)message[i + 1]))
			continue;
		int j = i + 1;
		while (isdigit((unsigned char)message[j]))
			j++;
		if (message[j] == ':')
			return j;
	}
	return 0;
}

void tm_rules_split_message(const char *message, const char **text, int *place_len)
{
	int len = place_length(message);
	*place_len = len;
	if (!len) {
		*text = message;
		return;
	}
	message += len + 1;
	while (*message == ' ')
		message++;
	*text = message;
}

/* Every error gets the place of the innermost Lua code that was running
 * when the message has none (errors raised from C, error(x, 0), tables). */
static int message_handler(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	if (rules->tripped) {
		lua_pushstring(L, rules->trip_msg);
		return 1;
	}
	const char *message = lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER
	                          ? lua_tostring(L, 1)
	                          : lua_pushfstring(L, "error object is a %s value", luaL_typename(L, 1));
	if (place_length(message))
		return 1;
	lua_Debug ar;
	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
			lua_pushfstring(L, "%s:%d: %s", chunk_name(&ar), ar.currentline, message);
			return 1;
		}
	}
	return 1;
}

int tm_rules_pcall(tm_rules *rules, int nargs, int nresults)
{
	lua_State *L = rules->L;
	int base = lua_gettop(L) - nargs;
	rules->mem_hit = false;
	lua_pushcfunction(L, message_handler);
	lua_insert(L, base);
	int status = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	if (status == LUA_OK && rules->tripped) {
		/* A pcall in the pack's last instruction caught the budget
		 * error and returned straight to us: still a failure. */
		lua_pop(L, nresults);
		lua_pushnil(L);
		status = LUA_ERRRUN;
	}
	if (status == LUA_OK)
		return status;
	rules->budget_failed = rules->tripped || rules->mem_hit;
	if (rules->tripped) {
		lua_pop(L, 1);
		lua_pushstring(L, rules->trip_msg);
	} else if (rules->mem_hit &&
	           (status == LUA_ERRMEM || status == LUA_ERRERR ||
	            (lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), "not enough memory") == 0))) {
		/* Memory errors carry no place: use the last one the hook saw. */
		lua_pop(L, 1);
		lua_gc(L, LUA_GCCOLLECT);
		if (rules->where_line > 0)
			lua_pushfstring(L, "%s:%d: memory limit exceeded", rules->where_file,
			                rules->where_line);
		else
			lua_pushliteral(L, "memory limit exceeded");
	} else if (!lua_isstring(L, -1)) {
		lua_pop(L, 1);
		lua_pushliteral(L, "error object is not a string");
	}
	rules->tripped = false;
	lua_sethook(L, hook, rules->hook_mask, HOOK_INTERVAL);
	return status;
}

/* A pack's text for stderr, line by line: no line can drive the terminal
 * (controls, bidirectional overrides and invalid UTF-8 become U+FFFD; tabs
 * and newlines stay) or start a CI workflow command. */
static void print_sanitized(tm_buf *out, const char *text, size_t len)
{
	for (size_t start = 0; start < len;) {
		const char *newline = memchr(text + start, '\n', len - start);
		size_t end = newline ? (size_t)(newline - text) : len;
		tm_utf8_sanitize(out, text + start, end - start, true, true);
		if (newline)
			tm_buf_putc(out, '\n');
		start = end + 1;
	}
}

/* print writes to stderr: stdout carries reports. A line goes out in one
 * write, so two engines' lines do not mix; a helper engine loading the
 * packs again says nothing (the first engine's load said it). An engine
 * writes at most MAX_PRINT_BYTES: a line that would go past them ends the
 * output with a note, and later calls say nothing. */
static int sandbox_print(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	int n = lua_gettop(L);
	luaL_Buffer line;
	luaL_buffinit(L, &line);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&line, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&line);
	}
	luaL_addchar(&line, '\n');
	luaL_pushresult(&line);
	if (rules->quiet || rules->print_bytes > MAX_PRINT_BYTES)
		return 0;
	size_t len;
	const char *text = lua_tolstring(L, -1, &len);
	if (len > MAX_PRINT_BYTES - rules->print_bytes) {
		rules->print_bytes = MAX_PRINT_BYTES + 1;
		fprintf(stderr, "(print: the packs' output stops here, at %d KB)\n",
		        (int)(MAX_PRINT_BYTES >> 10));
		fflush(stderr);
		return 0;
	}
	rules->print_bytes += len;
	tm_buf shown = TM_BUF_INIT;
	print_sanitized(&shown, text, len);
	fwrite(shown.data, 1, shown.len, stderr);
	fflush(stderr);
	tm_buf_free(&shown);
	return 0;
}

/* rawset would write into a read-only proxy behind its __newindex. */
static int sandbox_rawset(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checkany(L, 2);
	luaL_checkany(L, 3);
	if (tm_rules_is_readonly(L, 1))
		return luaL_error(L, "attempt to modify a read-only table");
	lua_settop(L, 3);
	lua_rawset(L, 1);
	return 1;
}

/* setmetatable as Lua's (lbaselib.c), but refusing __gc: Lua runs
 * finalizers with hooks off, so no budget could stop one that loops (in a
 * collection during a run, or at the end). Lua marks an object for
 * finalization only if its metatable has __gc when it is set, so a __gc
 * added later never runs. */
static int sandbox_setmetatable(lua_State *L)
{
	int t = lua_type(L, 2);
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
	if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
		return luaL_error(L, "cannot change a protected metatable");
	lua_settop(L, 2);
	if (t == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L,
			                  "rule packs cannot set __gc (finalizers run outside the budgets)");
		lua_pop(L, 1);
	}
	lua_setmetatable(L, 1);
	return 1;
}

/* collectgarbage without "stop" and the mode switches, which would change
 * the collector for every pack. */
static int sandbox_collectgarbage(lua_State *L)
{
	static const char *const options[] = {"collect", "count", "step", "isrunning", NULL};
	int option = luaL_checkoption(L, 1, "collect", options);
	switch (option) {
	case 0:
		lua_gc(L, LUA_GCCOLLECT);
		lua_pushinteger(L, 0);
		return 1;
	case 1: {
		int kb = lua_gc(L, LUA_GCCOUNT), bytes = lua_gc(L, LUA_GCCOUNTB);
		lua_pushnumber(L, (lua_Number)kb + (lua_Number)bytes / 1024);
		return 1;
	}
	case 2: lua_pushboolean(L, lua_gc(L, LUA_GCSTEP, (int)luaL_optinteger(L, 2, 0))); return 1;
	default: lua_pushboolean(L, lua_gc(L, LUA_GCISRUNNING)); return 1;
	}
}

/* ---- compiling ----
 * Lua's compiler runs inside one C call, and some texts take it time
 * that grows with the square of their length (a long elseif chain). The
 * text is bounded (MAX_SOURCE_BYTES) and handed to the compiler in small
 * pieces; between two pieces the reader checks the run's deadline, so
 * compiling stops in time like any other code. */
#define COMPILE_PIECE 4096

typedef struct compile_reader {
	tm_rules *rules;
	const char *text, *name;
	const char *caller; /* "pack.lua:4" of a load() call, or NULL */
	size_t len, given;
	int line; /* the line the last piece ended on, for the message */
} compile_reader;

static const char *read_piece(lua_State *L, void *data, size_t *size)
{
	compile_reader *reader = data;
	tm_rules *rules = reader->rules;
	if (rules->deadline && tm_clock_ns() > rules->deadline) {
		const char *what = rules->deadline_what ? rules->deadline_what : "";
		if (reader->caller)
			snprintf(rules->trip_msg, sizeof rules->trip_msg,
			         "%s: load: time limit exceeded while compiling %s (at its line %d) %s",
			         reader->caller, reader->name, reader->line, what);
		else
			snprintf(rules->trip_msg, sizeof rules->trip_msg,
			         "%s:%d: time limit exceeded while compiling %s", reader->name, reader->line,
			         what);
		trip(L, rules, true);
	}
	size_t rest = reader->len - reader->given;
	*size = rest < COMPILE_PIECE ? rest : COMPILE_PIECE;
	const char *piece = reader->text + reader->given;
	reader->given += *size;
	for (size_t i = 0; i < *size; i++)
		reader->line += piece[i] == '\n';
	return *size ? piece : NULL;
}

/* Compiles text as a chunk named chunkname ("@path" or "=name"); pushes
 * the function or an error message and returns a lua_load status. caller
 * is the place of the load() call that gave the text, or NULL. */
static int compile(tm_rules *rules, const char *text, size_t len, const char *chunkname, const char *caller)
{
	lua_State *L = rules->L;
	const char *shown = chunkname[0] == '@' || chunkname[0] == '=' ? chunkname + 1 : chunkname;
	if (len > MAX_SOURCE_BYTES) {
		lua_pushfstring(L, "%s: %d bytes of Lua text, more than the %d KB a chunk may have", shown,
		                (int)(len > INT_MAX ? INT_MAX : len), (int)(MAX_SOURCE_BYTES >> 10));
		return LUA_ERRSYNTAX;
	}
	/* Lua takes a leading byte 27 for a binary chunk; mode "t" refuses it. */
	compile_reader reader = {
	    .rules = rules, .text = text, .len = len, .name = shown, .caller = caller, .line = 1};
	int status = lua_load(L, read_piece, &reader, chunkname, "t");
	if (status != LUA_OK && rules->tripped) {
		lua_pop(L, 1);
		lua_pushstring(L, rules->trip_msg);
	}
	return status;
}

/* load(text [, name [, mode [, env]]]): text chunks only; without env the
 * chunk sees the _ENV of the pack that loads it. */
static int sandbox_load(lua_State *L)
{
	if (lua_type(L, 1) != LUA_TSTRING)
		return luaL_error(L, "load: rule packs may only load strings of Lua text");
	size_t len;
	const char *text = lua_tolstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "=(load)");
	tm_rules *rules = tm_rules_of(L);
	char caller[300] = "?";
	lua_Debug ar;
	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
			snprintf(caller, sizeof caller, "%s:%d", chunk_name(&ar), ar.currentline);
			break;
		}
	}
	int status = compile(rules, text, len, name, caller);
	if (rules->tripped)
		return lua_error(L);
	if (status != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	if (!lua_isnone(L, 4))
		lua_pushvalue(L, 4);
	else
		lua_pushvalue(L, lua_upvalueindex(1));
	if (!lua_setupvalue(L, -2, 1))
		lua_pop(L, 1);
	return 1;
}

char *tm_rules_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return tm_xstrdup(".");
	if (slash == path)
		return tm_xstrdup("/");
	return tm_xstrndup(path, (size_t)(slash - path));
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Lexically cleaned: no "." segments, "a/.." folded, no doubled slashes. */
static char *clean_path(const char *path)
{
	size_t len = strlen(path);
	char *out = tm_xmalloc(len + 2);
	size_t olen = 0;
	bool absolute = path[0] == '/';
	if (absolute)
		out[olen++] = '/';
	size_t keep = olen; /* ".." cannot fold below this */
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *start = p;
		while (*p && *p != '/')
			p++;
		size_t seg = (size_t)(p - start);
		if (seg == 0 || (seg == 1 && start[0] == '.'))
			continue;
		if (seg == 2 && start[0] == '.' && start[1] == '.' && olen > keep) {
			size_t cut = olen;
			while (cut > keep && out[cut - 1] != '/')
				cut--;
			if (!(olen - cut == 2 && out[cut] == '.' && out[cut + 1] == '.')) {
				olen = cut > keep ? cut - 1 : cut;
				continue;
			}
		}
		if (olen > keep)
			out[olen++] = '/';
		memcpy(out + olen, start, seg);
		olen += seg;
	}
	if (olen == 0)
		out[olen++] = '.';
	out[olen] = '\0';
	return out;
}

/* The path as messages show it: relative paths stay relative (cleaned);
 * absolute ones below the current folder become relative to it. */
char *tm_rules_shown_path(const char *path)
{
	if (path[0] != '/')
		return clean_path(path);
	char *real = realpath(path, NULL);
	char cwd[PATH_MAX];
	if (real && getcwd(cwd, sizeof cwd)) {
		size_t n = strlen(cwd);
		if (strncmp(real, cwd, n) == 0 && real[n] == '/' && n > 1) {
			char *rel = tm_xstrdup(real + n + 1);
			free(real);
			return rel;
		}
	}
	if (real)
		return real;
	return clean_path(path);
}

static char *join_path(const char *dir, const char *name)
{
	if (name[0] == '/' || !dir || !*dir || strcmp(dir, ".") == 0)
		return tm_xstrdup(name);
	size_t dl = strlen(dir), nl = strlen(name);
	char *out = tm_xmalloc(dl + nl + 2);
	memcpy(out, dir, dl);
	size_t at = dl;
	if (dir[dl - 1] != '/')
		out[at++] = '/';
	memcpy(out + at, name, nl + 1);
	return out;
}

static bool ends_with(const char *text, const char *suffix)
{
	size_t a = strlen(text), b = strlen(suffix);
	return a >= b && strcmp(text + a - b, suffix) == 0;
}

/* Tries one candidate; on success returns its shown path (malloc). */
static char *try_candidate(const char *dir, const char *file, tm_buf *tried)
{
	char *candidate = join_path(dir, file);
	if (is_file(candidate)) {
		char *shown = tm_rules_shown_path(candidate);
		free(candidate);
		return shown;
	}
	if (tried) {
		if (tried->len)
			tm_buf_puts(tried, ", ");
		tm_buf_puts(tried, candidate);
	}
	free(candidate);
	return NULL;
}

char *tm_rules_search(tm_rules *rules, const char *name, const char *rel_dir, const char *first,
                      const char *base, tm_buf *tried)
{
	if (!name || !*name)
		return NULL;
	if (strchr(name, '/') || ends_with(name, ".lua"))
		return try_candidate(rel_dir, name, tried);
	size_t len = strlen(name);
	char *file = tm_xmalloc(len + 5);
	memcpy(file, name, len);
	memcpy(file + len, ".lua", 5);
	char *found = NULL;
	if (first)
		found = try_candidate(first, file, tried);
	if (!found && base && !(first && strcmp(first, base) == 0))
		found = try_candidate(base, file, tried);
	for (size_t i = 0; !found && i < rules->npath_dirs; i++)
		found = try_candidate(rules->path_dirs[i], file, tried);
	if (!found && rules->stdlib_dir)
		found = try_candidate(rules->stdlib_dir, file, tried);
	free(file);
	return found;
}

int tm_rules_load_file(tm_rules *rules, const char *path)
{
	lua_State *L = rules->L;
	FILE *file = fopen(path, "rb");
	if (!file) {
		lua_pushfstring(L, "%s: cannot read: %s", path, strerror(errno));
		return LUA_ERRFILE;
	}
	tm_buf text = TM_BUF_INIT;
	char chunk[65536];
	size_t got;
	bool too_big = false;
	while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
		if (text.len + got > MAX_SOURCE_BYTES) {
			too_big = true;
			break;
		}
		tm_buf_put(&text, chunk, got);
	}
	bool failed = ferror(file) != 0;
	fclose(file);
	int status;
	if (too_big) {
		lua_pushfstring(L, "%s: larger than the %d KB a pack or module file may have", path,
		                (int)(MAX_SOURCE_BYTES >> 10));
		status = LUA_ERRFILE;
	} else if (failed) {
		lua_pushfstring(L, "%s: cannot read: read error", path);
		status = LUA_ERRFILE;
	} else {
		size_t nlen = strlen(path);
		char *chunkname = tm_xmalloc(nlen + 2);
		chunkname[0] = '@';
		memcpy(chunkname + 1, path, nlen + 1);
		status = compile(rules, text.len ? text.data : "", text.len, chunkname, NULL);
		free(chunkname);
	}
	tm_buf_free(&text);
	return status;
}

/* A module's value is shared by every pack that requires it, so a table
 * is handed out read-only: one pack cannot change what the others call
 * (T.secure_transport = ... would erase their findings). The module's
 * own code keeps the table it built and may still fill in its caches; the
 * plain tables in it (T.WEB_TECH) become read-only proxies too. */
static void freeze_module(lua_State *L)
{
	if (lua_type(L, -1) != LUA_TTABLE || tm_rules_is_readonly(L, -1))
		return;
	int module = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, module)) {
		bool plain_table = lua_type(L, -1) == LUA_TTABLE && !lua_getmetatable(L, -1);
		if (plain_table) {
			tm_rules_readonly(L, -1);
			lua_pushvalue(L, -3);
			lua_insert(L, -2);
			lua_rawset(L, module); /* an existing key: allowed while traversing */
		} else if (lua_type(L, -1) == LUA_TTABLE) {
			lua_pop(L, 1); /* its metatable */
		}
		lua_pop(L, 1);
	}
	tm_rules_readonly(L, module);
	lua_replace(L, module);
}

/* require(name): name.lua from the pack search path (never a C module),
 * run once per engine; its value is cached by path. */
static char loaded_key, resolved_key, loading_sentinel;

static int sandbox_require(lua_State *L)
{
	tm_rules *rules = tm_rules_of(L);
	const char *name = luaL_checkstring(L, 1);
	size_t unit_index = (size_t)lua_tointeger(L, lua_upvalueindex(1));
	const unit *from = &rules->units[unit_index];

	/* name as seen from this folder -> shown path, so repeated calls
	 * cost a table lookup rather than a file search. */
	lua_rawgetp(L, LUA_REGISTRYINDEX, &resolved_key);
	lua_pushfstring(L, "%s\n%s\n%s", from->dir, from->base ? from->base : "", name);
	lua_pushvalue(L, -1);
	lua_rawget(L, -3);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		tm_buf tried = TM_BUF_INIT;
		/* A bare name is looked for beside the requiring file first. */
		char *found = tm_rules_search(rules, name, from->dir, from->dir, from->base, &tried);
		if (!found) {
			char where[512];
			snprintf(where, sizeof where, "%s", tm_buf_str(&tried));
			tm_buf_free(&tried);
			return luaL_error(L, "module '%s' not found (looked for %s)", name, where);
		}
		tm_buf_free(&tried);
		char *shown = tm_arena_strdup(rules->arena, found);
		free(found);
		lua_pushstring(L, shown);
		lua_pushvalue(L, -1);
		lua_insert(L, -3);
		lua_rawset(L, -4);
	}
	const char *path = lua_tostring(L, -1);
	int path_index = lua_gettop(L);

	lua_rawgetp(L, LUA_REGISTRYINDEX, &loaded_key);
	int loaded = lua_gettop(L);
	lua_pushvalue(L, path_index);
	lua_rawget(L, loaded);
	if (lua_touserdata(L, -1) == &loading_sentinel)
		return luaL_error(L, "require loop: '%s' requires itself", name);
	if (!lua_isnil(L, -1))
		return 1;
	lua_pop(L, 1);

	if (tm_rules_load_file(rules, path) != LUA_OK)
		return lua_error(L);
	unit module = {.base = from->base, .pack = from->pack};
	char *dir = tm_rules_dirname(path);
	module.dir = tm_arena_strdup(rules->arena, dir);
	free(dir);
	TM_VEC_PUSH(rules->units, rules->nunits, rules->capunits, module);
	tm_rules_new_env(rules, rules->nunits - 1);
	if (!lua_setupvalue(L, -2, 1))
		lua_pop(L, 1);

	lua_pushvalue(L, path_index);
	lua_pushlightuserdata(L, &loading_sentinel);
	lua_rawset(L, loaded);
	lua_pushstring(L, name);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		lua_pushvalue(L, path_index);
		lua_pushnil(L);
		lua_rawset(L, loaded);
		return lua_error(L);
	}
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	freeze_module(L);
	lua_pushvalue(L, path_index);
	lua_pushvalue(L, -2);
	lua_rawset(L, loaded);
	return 1;
}

void tm_rules_new_env(tm_rules *rules, size_t unit_index)
{
	lua_State *L = rules->L;
	lua_createtable(L, 0, 4);
	int env = lua_gettop(L);
	lua_pushvalue(L, env);
	lua_setfield(L, env, "_G");
	lua_pushvalue(L, env);
	lua_pushcclosure(L, sandbox_load, 1);
	lua_setfield(L, env, "load");
	lua_pushinteger(L, (lua_Integer)unit_index);
	lua_pushcclosure(L, sandbox_require, 1);
	lua_setfield(L, env, "require");
	lua_createtable(L, 0, 2);
	lua_rawgeti(L, LUA_REGISTRYINDEX, rules->shared);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, env);
}

/* Replaces the library table `name` in the shared globals by a read-only
 * proxy of it, so no pack changes `string` for the others. */
static void share_readonly(lua_State *L, int globals, const char *name)
{
	lua_getfield(L, globals, name);
	tm_rules_readonly(L, -1);
	lua_setfield(L, globals, name);
	lua_pop(L, 1);
}

bool tm_rules_sandbox_open(tm_rules *rules)
{
	heap_init(&rules->heap);
	lua_State *L = lua_newstate(sandbox_alloc, rules);
	if (!L) {
		heap_drop(&rules->heap);
		return false;
	}
	rules->L = L;
	*(tm_rules **)lua_getextraspace(L) = rules;

	static const luaL_Reg opened[] = {{LUA_GNAME, luaopen_base},
	                                  {LUA_STRLIBNAME, luaopen_string},
	                                  {LUA_TABLIBNAME, luaopen_table},
	                                  {LUA_MATHLIBNAME, luaopen_math},
	                                  {LUA_UTF8LIBNAME, luaopen_utf8}};
	for (size_t i = 0; i < sizeof opened / sizeof *opened; i++) {
		luaL_requiref(L, opened[i].name, opened[i].func, 1);
		lua_pop(L, 1);
	}
	tm_rules_guard_patterns(L);
	guard_loops(L);
	luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
	int os = lua_gettop(L);
	lua_pushglobaltable(L);
	int globals = lua_gettop(L);

	/* os: only the clock and the calendar. */
	lua_createtable(L, 0, 3);
	static const char *const os_kept[] = {"time", "date", "clock"};
	for (size_t i = 0; i < 3; i++) {
		lua_getfield(L, os, os_kept[i]);
		lua_setfield(L, -2, os_kept[i]);
	}
	lua_setfield(L, globals, "os");

	static const char *const removed[] = {"dofile", "loadfile", "load", "require", "_G"};
	for (size_t i = 0; i < sizeof removed / sizeof *removed; i++) {
		lua_pushnil(L);
		lua_setfield(L, globals, removed[i]);
	}
	lua_pushcfunction(L, sandbox_print);
	lua_setfield(L, globals, "print");
	lua_pushcfunction(L, sandbox_rawset);
	lua_setfield(L, globals, "rawset");
	lua_pushcfunction(L, sandbox_collectgarbage);
	lua_setfield(L, globals, "collectgarbage");
	lua_pushcfunction(L, sandbox_setmetatable);
	lua_setfield(L, globals, "setmetatable");

	static const char *const libraries[] = {"string", "table", "math", "utf8", "os"};
	for (size_t i = 0; i < sizeof libraries / sizeof *libraries; i++)
		share_readonly(L, globals, libraries[i]);

	/* ("").x reaches the real string table through the string metatable:
	 * hide that metatable from getmetatable. */
	lua_pushliteral(L, "");
	if (lua_getmetatable(L, -1)) {
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, "__metatable");
		lua_pop(L, 1);
	}
	lua_pop(L, 1);

	lua_newtable(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &loaded_key);
	lua_newtable(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &resolved_key);

	lua_pushvalue(L, globals);
	rules->shared = luaL_ref(L, LUA_REGISTRYINDEX);
	/* A chunk that somehow gets the registry's globals gets them
	 * read-only. */
	tm_rules_readonly(L, globals);
	lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
	lua_pop(L, 2);
	tm_rules_views_open(rules);

	rules->hook_mask = LUA_MASKCOUNT;
	lua_sethook(L, hook, rules->hook_mask, HOOK_INTERVAL);
	/* Incremental: views live for the whole run, and a generational
	 * collector keeps re-marking them. A pause of 300 (a cycle when the
	 * heap has tripled): with two engines on the 100k bench, a tenth less
	 * CPU time than 200 for 33 MB more at the peak. */
	lua_gc(L, LUA_GCINC, 300, 200, 0);
	return true;
}
