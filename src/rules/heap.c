/* The Lua state's heap: the allocator every engine's lua_State uses.
 *
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
#include <stdlib.h>
#include <string.h>

#include "rules/engine.h"

#define CHUNK_BYTES ((size_t)4 << 20)

static size_t size_class(size_t size)
{
	return (size + 7) >> 3;
}

void tm_rules_heap_init(tm_heap *heap)
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
void tm_rules_heap_drop(tm_heap *heap)
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
	tm_rules_heap_init(heap);
}

/* The allocator counts every byte the state holds and refuses to go past
 * the cap; Lua then raises a memory error the pack cannot get around. */
void *tm_rules_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
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
