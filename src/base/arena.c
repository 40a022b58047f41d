#include "base/arena.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/pages.h"
#include "base/task.h"
#include "base/xalloc.h"

/* Structures need pointer alignment; strings need none, so they pack
 * tightly (a model is mostly short identifiers). Chunks double from 64 KB
 * up to CHUNK_MAX, so a small model takes little and a large one few
 * chunks; chunks of a huge page or more come from tm_pages_map. Every
 * chunk starts zero-filled and no byte is handed out twice, so
 * tm_arena_alloc needs no memset.
 *
 * The kernel zeroes a page when it is first written, and for the huge
 * pages of a large arena that can be most of the cost of filling it
 * (with the time it may spend compacting memory to find them). So an
 * arena asked to (tm_arena_prefault), once it takes chunks of CHUNK_MAX,
 * has the next one mapped and written to on another thread (the spare)
 * while it fills the current one: a model's parse, which runs on one
 * thread while the other cores idle, finds its pages already there. An
 * arena holds at most one spare: the next large chunk takes it, prefault
 * on or not, and it is unmapped unused if the arena is freed first. */
enum { CHUNK_MIN = 64 * 1024, CHUNK_MAX = 4 * 1024 * 1024, ALIGN = 8 };

typedef struct chunk {
	struct chunk *next;
	size_t size, used;
	size_t mapped; /* bytes from tm_pages_map (the header included), or 0: calloc */
	max_align_t payload[];
} chunk;

struct tm_arena {
	chunk *head;
	size_t used;
	size_t next_size;   /* of the next ordinary chunk */
	tm_task spare_task; /* maps and faults in the spare while started */
	void *spare;        /* CHUNK_MAX bytes from tm_pages_map, or NULL */
	bool spare_pending; /* spare_task started and not yet waited for */
	bool prefault;      /* tm_arena_prefault: make a spare for each new large chunk */
	uint32_t sequence;  /* the number tm_arena_next_number gives next */
	void **adopted;
	size_t nadopted, capadopted;
#ifdef TM_ARENA_DEBUG
	void **blocks;
	size_t nblocks, capblocks;
#endif
};

#ifndef TM_ARENA_DEBUG
/* Runs on the spare's thread: no byte of it is visible to the arena's
 * thread before tm_task_wait. */
static void make_spare(void *arg)
{
	tm_arena *arena = arg;
	char *pages = tm_pages_map(CHUNK_MAX);
	for (size_t at = 0; pages && at < CHUNK_MAX; at += TM_SMALL_PAGE)
		((volatile char *)pages)[at] = 0;
	arena->spare = pages;
}
#endif

/* The spare, once its thread is done with it; NULL when none. */
static void *take_spare(tm_arena *arena)
{
	if (arena->spare_pending) {
		tm_task_wait(&arena->spare_task);
		arena->spare_pending = false;
	}
	void *pages = arena->spare;
	arena->spare = NULL;
	return pages;
}

static void drop_spare(tm_arena *arena)
{
	tm_pages_unmap(take_spare(arena), CHUNK_MAX);
}

tm_arena *tm_arena_new(void)
{
	return tm_xcalloc(1, sizeof(tm_arena));
}

void tm_arena_free(tm_arena *arena)
{
	if (!arena)
		return;
	drop_spare(arena);
	for (chunk *c = arena->head, *next; c; c = next) {
		next = c->next;
		if (c->mapped)
			tm_pages_unmap(c, c->mapped);
		else
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

#ifndef TM_ARENA_DEBUG
static chunk *new_chunk(tm_arena *arena, size_t payload)
{
	chunk *c = NULL;
	size_t total = sizeof(chunk) + payload;
	if (total == CHUNK_MAX) {
		c = take_spare(arena);
		if (arena->prefault) {
			arena->spare_pending = true;
			tm_task_start(&arena->spare_task, make_spare, arena);
		}
		if (c) {
			c->mapped = CHUNK_MAX;
			payload = CHUNK_MAX - sizeof(chunk);
		}
	}
	if (!c && total >= TM_HUGE_PAGE) {
		size_t mapped = (total + TM_SMALL_PAGE - 1) & ~(TM_SMALL_PAGE - 1);
		c = tm_pages_map(mapped);
		if (c) {
			c->mapped = mapped;
			payload = mapped - sizeof(chunk);
		}
	}
	if (!c)
		c = tm_xcalloc(1, total);
	c->size = payload;
	return c;
}
#endif

#ifdef TM_ARENA_DEBUG
/* Debug builds: every allocation is a block of its own, listed here. */
static void *keep_block(tm_arena *arena, void *block)
{
	if (arena->nblocks == arena->capblocks) {
		arena->capblocks = arena->capblocks ? arena->capblocks * 2 : 64;
		arena->blocks = tm_xrealloc(arena->blocks, arena->capblocks * sizeof(void *));
	}
	arena->blocks[arena->nblocks++] = block;
	return block;
}
#endif

static void *bump(tm_arena *arena, size_t size, size_t align)
{
	arena->used += size;
#ifdef TM_ARENA_DEBUG
	(void)align;
	return keep_block(arena, tm_xcalloc(1, size ? size : 1));
#else
	chunk *c = arena->head;
	size_t offset = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || offset > c->size || c->size - offset < size) {
		size_t ordinary = arena->next_size ? arena->next_size : CHUNK_MIN;
		bool large = size > ordinary / 4;
		size_t want = large ? size : ordinary - sizeof(chunk);
		if (!large && ordinary < CHUNK_MAX)
			arena->next_size = ordinary * 2;
		chunk *fresh = new_chunk(arena, want);
		/* Large requests get a chunk of their own behind the current one,
		 * so the current chunk's free space is not wasted. */
		if (c && large) {
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

void tm_arena_absorb(tm_arena *arena, tm_arena *other)
{
	if (!other)
		return;
	drop_spare(other);
	/* Behind the current chunk, whose free space stays in use. */
	if (other->head) {
		chunk *last = other->head;
		while (last->next)
			last = last->next;
		if (arena->head) {
			last->next = arena->head->next;
			arena->head->next = other->head;
		} else {
			arena->head = other->head;
		}
	}
	for (size_t i = 0; i < other->nadopted; i++)
		tm_arena_adopt(arena, other->adopted[i]);
#ifdef TM_ARENA_DEBUG
	for (size_t i = 0; i < other->nblocks; i++)
		keep_block(arena, other->blocks[i]);
	free(other->blocks);
#endif
	arena->used += other->used;
	free(other->adopted);
	free(other);
}

void *tm_arena_alloc(tm_arena *arena, size_t size)
{
	return bump(arena, size, ALIGN); /* zero: see CHUNK_MAX */
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

void tm_arena_prefault(tm_arena *arena, bool on)
{
	arena->prefault = on;
}

void tm_arena_adopt(tm_arena *arena, void *block)
{
	TM_VEC_PUSH(arena->adopted, arena->nadopted, arena->capadopted, block);
}

uint32_t tm_arena_next_number(tm_arena *arena)
{
	return arena->sequence++;
}

size_t tm_arena_used(const tm_arena *arena)
{
	return arena->used;
}
