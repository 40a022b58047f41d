/* Large zero-filled blocks straight from the kernel, aligned to 2 MB and
 * advised for huge pages, so a big model's arena takes one page fault per
 * 2 MB instead of one per 4 KB. A block's tail past its last whole huge
 * page keeps small pages: a 2.4 MB array then takes 2.4 MB, not two huge
 * pages. (The rule engine's Lua heap does not use them: see rules/heap.c.) */
#ifndef TM_BASE_PAGES_H
#define TM_BASE_PAGES_H

#include <stddef.h>

#define TM_HUGE_PAGE  ((size_t)2 << 20)
#define TM_SMALL_PAGE ((size_t)4 << 10)

/* size bytes (a multiple of TM_SMALL_PAGE), zero-filled; NULL when the
 * system refuses. */
void *tm_pages_map(size_t size);
void tm_pages_unmap(void *pages, size_t size);

#endif
