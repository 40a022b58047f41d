#include "base/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Structures need pointer alignment; strings need none, so they pack
 * tightly (a model is mostly short identifiers). */
enum { CHUNK_MIN = 64 * 1024, ALIGN = 8 };

typedef struct chunk {
	struct chunk *next;
	size_t size, used;
	max_align_t payload[];
} chunk;

struct tm_arena {
	chunk *head;
	size_t used;
	void **adopted;
	size_t nadopted, capadopted;
#ifdef TM_ARENA_DEBUG
	void **blocks;
	size_t nblocks, capblocks;
#endif
};

tm_arena *tm_arena_new(void)
{
	return tm_xcalloc(1, sizeof(tm_arena));
}

void tm_arena_free(tm_arena *arena)
{
	if (!arena)
		return;
	for (chunk *c = arena->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	for (size_t i = 0; i < arena->nadopted; i++)
		free(arena->adopted[i]);
	free(arena->adopted);
#ifdef TM_ARENA_DEBUG
	for (size_t i = 0; i < arena->nblocks; i++)
		free(arena->blocks[i]);
	free(arena->blocks);
#endif
	free(arena);
}

static void *bump(tm_arena *arena, size_t size, size_t align)
{
	arena->used += size;
#ifdef TM_ARENA_DEBUG
	(void)align;
	if (arena->nblocks == arena->capblocks) {
		arena->capblocks = arena->capblocks ? arena->capblocks * 2 : 64;
		arena->blocks = tm_xrealloc(arena->blocks, arena->capblocks * sizeof(void *));
	}
	void *block = tm_xcalloc(1, size ? size : 1);
	arena->blocks[arena->nblocks++] = block;
	return block;
#else
	chunk *c = arena->head;
	size_t offset = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || offset > c->size || c->size - offset < size) {
		size_t want = size > CHUNK_MIN ? size : CHUNK_MIN;
		/* Large requests get a chunk of their own behind the current one,
		 * so the current chunk's free space is not wasted. */
		chunk *fresh = tm_xmalloc(sizeof(chunk) + want);
		fresh->size = want;
		fresh->used = 0;
		if (c && size > CHUNK_MIN) {
			fresh->next = c->next;
			c->next = fresh;
		} else {
			fresh->next = c;
			arena->head = fresh;
		}
		c = fresh;
		offset = 0;
	}
	void *mem = (char *)c->payload + offset;
	c->used = offset + size;
	return mem;
#endif
}

void *tm_arena_alloc(tm_arena *arena, size_t size)
{
	void *mem = bump(arena, size, ALIGN);
	memset(mem, 0, size);
	return mem;
}

void *tm_arena_memdup(tm_arena *arena, const void *mem, size_t size)
{
	void *copy = tm_arena_alloc(arena, size);
	if (size)
		memcpy(copy, mem, size);
	return copy;
}

char *tm_arena_strndup(tm_arena *arena, const char *text, size_t len)
{
	char *copy = bump(arena, len + 1, 1);
	if (len)
		memcpy(copy, text, len);
	copy[len] = '\0';
	return copy;
}

char *tm_arena_strdup(tm_arena *arena, const char *text)
{
	return tm_arena_strndup(arena, text, strlen(text));
}

char *tm_arena_printf(tm_arena *arena, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *out = tm_arena_alloc(arena, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(out, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return out;
}

void tm_arena_adopt(tm_arena *arena, void *block)
{
	TM_VEC_PUSH(arena->adopted, arena->nadopted, arena->capadopted, block);
}

size_t tm_arena_used(const tm_arena *arena)
{
	return arena->used;
}
