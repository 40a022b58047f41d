#include "base/xalloc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Configuration of the process, not state of a run: set once by the client
 * before any work, read on the failure path only. */
static _Atomic(tm_oom_handler) oom_handler;

void tm_xalloc_set_oom_handler(tm_oom_handler handler)
{
	atomic_store(&oom_handler, handler);
}

static void out_of_memory(size_t size)
{
	tm_oom_handler handler = atomic_load(&oom_handler);
	if (handler)
		handler(size);
	fprintf(stderr, "threat: out of memory (asked for %zu bytes)\n", size);
	abort();
}

void *tm_xmalloc(size_t size)
{
	void *mem = malloc(size ? size : 1);
	if (!mem)
		out_of_memory(size);
	return mem;
}

void *tm_xcalloc(size_t count, size_t size)
{
	void *mem = calloc(count ? count : 1, size ? size : 1);
	if (!mem)
		out_of_memory(count * size);
	return mem;
}

void *tm_xrealloc(void *mem, size_t size)
{
	void *grown = realloc(mem, size ? size : 1);
	if (!grown)
		out_of_memory(size);
	return grown;
}

char *tm_xstrndup(const char *text, size_t len)
{
	char *copy = tm_xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	return copy;
}

char *tm_xstrdup(const char *text)
{
	return tm_xstrndup(text, strlen(text));
}
