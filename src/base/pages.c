/* MAP_ANONYMOUS and MADV_HUGEPAGE are not POSIX. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include "base/pages.h"

#include <stdint.h>
#include <sys/mman.h>

void *tm_pages_map(size_t size)
{
	/* Map one huge page more than asked, then give back the ends that
	 * lie outside the aligned block. */
	size_t mapped = size + TM_HUGE_PAGE;
	char *map = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	char *block = (char *)(((uintptr_t)map + TM_HUGE_PAGE - 1) & ~(uintptr_t)(TM_HUGE_PAGE - 1));
	if (block > map)
		munmap(map, (size_t)(block - map));
	if (map + mapped > block + size)
		munmap(block + size, (size_t)(map + mapped - (block + size)));
#ifdef MADV_HUGEPAGE
	size_t huge = size & ~(TM_HUGE_PAGE - 1);
	if (huge)
		madvise(block, huge, MADV_HUGEPAGE);
#endif
	return block;
}

void tm_pages_unmap(void *pages, size_t size)
{
	if (pages)
		munmap(pages, size);
}
