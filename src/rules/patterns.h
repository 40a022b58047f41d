/* Guards string.find, match, gmatch and gsub against patterns whose
 * backtracking could run for hours inside one C call (patterns.c). */
#ifndef TM_RULES_PATTERNS_H
#define TM_RULES_PATTERNS_H

#include <lua.h>

/* Wraps the functions of the global `string` table; call it after the
 * string library is opened and before the table is made read-only. */
void tm_rules_guard_patterns(lua_State *L);

#endif
