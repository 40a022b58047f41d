/* Arena allocation: one arena owns everything a loaded model needs (source
 * text, tokens' strings, AST, resolved model) and is freed whole. Built with
 * TM_ARENA_DEBUG (the AddressSanitizer build), every allocation is its own
 * malloc so ASan sees overflows. */
#ifndef TM_BASE_ARENA_H
#define TM_BASE_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tm_arena tm_arena;

tm_arena *tm_arena_new(void);
void tm_arena_free(tm_arena *arena);

/* Zeroed memory, aligned for any type. Aborts only if the system is out of
 * memory (there is nothing sensible left to report then). */
void *tm_arena_alloc(tm_arena *arena, size_t size);
void *tm_arena_memdup(tm_arena *arena, const void *mem, size_t size);
/* A NUL-terminated copy of text[0..len). */
char *tm_arena_strndup(tm_arena *arena, const char *text, size_t len);
char *tm_arena_strdup(tm_arena *arena, const char *text);
char *tm_arena_printf(tm_arena *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* While on, the arena's next large chunk is faulted in on another thread
 * as it fills the current one: for an arena filled on one thread while
 * the machine's other cores are idle (a model's parse). */
void tm_arena_prefault(tm_arena *arena, bool on);
/* Makes the arena own a block from malloc: it is freed with the arena.
 * (A large file read into memory is kept, not copied.) */
void tm_arena_adopt(tm_arena *arena, void *block);
/* Makes `arena` own everything `other` holds, and frees `other`: what was
 * allocated from either stays valid until `arena` is freed. */
void tm_arena_absorb(tm_arena *arena, tm_arena *other);
/* 0, 1, 2, ... for what the arena owns and must keep in creation order
 * (its sources: diagnostics sort by file in the order files were loaded). */
uint32_t tm_arena_next_number(tm_arena *arena);
/* Bytes handed out so far (for the benchmark's memory figures). */
size_t tm_arena_used(const tm_arena *arena);

#endif
