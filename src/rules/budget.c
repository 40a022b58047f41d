/* The budgets a pack runs under: the instruction hook (a per-call
 * instruction limit and the run's deadline, which pcall cannot swallow:
 * once tripped, every instruction raises again), the CPU timer and the
 * signal that arm the hook during runs, the memory allowance, and
 * calling into the sandbox with a message handler that gives every error
 * its place. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "base/clock.h"
#include "base/limits.h"
#include "rules/engine.h"

#ifdef TM_THREAD_SANITIZER
#define THREAD_SANITIZER 1
#else
#define THREAD_SANITIZER 0
#endif

static void remember_place(tm_rules *rules, const lua_Debug *ar)
{
	if (ar->currentline <= 0)
		return;
	snprintf(rules->where_file, sizeof rules->where_file, "%s", tm_rules_chunk_name(ar));
	rules->where_line = ar->currentline;
}

static void hook(lua_State *L, lua_Debug *ar);

/* Raises rules->trip_msg and keeps raising it: the hook fires on every
 * instruction from now on, so a pcall in the pack only delays the error
 * by one instruction. */
int tm_rules_trip(lua_State *L, tm_rules *rules, bool over_time)
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
		where = tm_rules_chunk_name(ar);
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
	tm_rules_trip(L, rules, over_time);
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

/* Arms the hook of a new state: it counts instructions, and no budget
 * is set yet. */
void tm_rules_budget_open(tm_rules *rules)
{
	rules->hook_mask = LUA_MASKCOUNT;
	lua_sethook(rules->L, hook, rules->hook_mask, HOOK_INTERVAL);
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
			lua_pushfstring(L, "%s:%d: %s", tm_rules_chunk_name(&ar), ar.currentline, message);
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
