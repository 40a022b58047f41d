/* malloc that never returns NULL. Out of memory calls the handler the
 * client set (the CLI prints a message and exits 2); the library itself
 * never exits. A handler must not return: if it does, or none was set, the
 * process aborts after a message, as a failed assertion would. */
#ifndef TM_BASE_XALLOC_H
#define TM_BASE_XALLOC_H

#include <stddef.h>

typedef void (*tm_oom_handler)(size_t size);

/* Sets the process-wide out-of-memory handler (NULL: the default, which
 * prints a message and aborts). Meant to be called once, at start-up. */
void tm_xalloc_set_oom_handler(tm_oom_handler handler);

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
