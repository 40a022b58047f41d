/* Large zero-filled blocks straight from the kernel, aligned to 2 MB and
 * advised for huge pages, so a big model's arena takes one page fault per
 * 2 MB instead of one per 4 KB. (The rule engine's Lua heap does not use
 * them: see rules/heap.c.) */
#ifndef TM_BASE_PAGES_H
#define TM_BASE_PAGES_H

#include <stddef.h>

#define TM_HUGE_PAGE ((size_t)2 << 20)

/* size bytes (a multiple of TM_HUGE_PAGE), zero-filled; NULL when the
 * system refuses. */
void *tm_pages_map(size_t size);
void tm_pages_unmap(void *pages, size_t size);

#endif
