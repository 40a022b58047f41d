/* Invariants checked in debug builds (TM_DEBUG: the sanitizer builds), as
 * Lua's lua_assert: a failed one names the condition and its place and
 * aborts; in a release build the condition is not even evaluated. */
#ifndef TM_BASE_INVARIANT_H
#define TM_BASE_INVARIANT_H

#ifdef TM_DEBUG
void tm_assert_failed(const char *condition, const char *file, int line) __attribute__((noreturn));
#define tm_assert(condition) ((condition) ? (void)0 : tm_assert_failed(#condition, __FILE__, __LINE__))
#else
#define tm_assert(condition) ((void)0)
#endif

#endif
