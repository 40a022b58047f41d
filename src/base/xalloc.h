/* malloc that never returns NULL: out of memory ends the process with a
 * message, since no caller could recover anyway. */
#ifndef TM_BASE_XALLOC_H
#define TM_BASE_XALLOC_H

#include <stddef.h>

void *tm_xmalloc(size_t size);
void *tm_xcalloc(size_t count, size_t size);
void *tm_xrealloc(void *mem, size_t size);
char *tm_xstrdup(const char *text);
char *tm_xstrndup(const char *text, size_t len);

/* Grow a (pointer, count, capacity) vector to hold one more item. */
#define TM_VEC_PUSH(items, count, cap, value)                                                                \
	do {                                                                                                 \
		if ((count) == (cap)) {                                                                      \
			(cap) = (cap) ? (cap)*2 : 8;                                                         \
			(items) = tm_xrealloc((items), (cap) * sizeof(*(items)));                            \
		}                                                                                            \
		(items)[(count)++] = (value);                                                                \
	} while (0)

#endif
