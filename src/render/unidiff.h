/* A unified diff of two texts, line by line, as `diff -u` prints it: what
 * `threat fmt --check` would change in a file. */
#ifndef TM_RENDER_UNIDIFF_H
#define TM_RENDER_UNIDIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/* Lines of context around each change. */
#define TM_UNIDIFF_CONTEXT 3
/* The changed middle of two texts (after their common first and last
 * lines) is compared line by line when old lines × new lines stay under
 * this; beyond it, the middle is shown as removed and added whole, so time
 * and memory stay bounded. */
#define TM_UNIDIFF_MAX_CELLS ((size_t)16 * 1024 * 1024)

/* Appends `--- old_name`, `+++ new_name` and the hunks (`@@ -a,n +b,m @@`,
 * ' ', '-' and '+' lines, "\ No newline at end of file" after a last line
 * without one); nothing when the texts are equal. terminal: colour the
 * marks and sanitise the lines (a control character in a comment must not
 * drive the terminal); off, the output applies with `patch -p0`. */
void tm_render_unified_diff(tm_buf *out, const char *old_name, const char *old_text, size_t old_len,
                            const char *new_name, const char *new_text, size_t new_len, bool terminal);

#endif
