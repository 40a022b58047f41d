/* `threat fmt`: prints a parsed file back as text in one canonical layout
 * (doc/fmt.md), keeping every comment and the user's blank-line grouping. */
#ifndef TM_LANG_FMT_H
#define TM_LANG_FMT_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/diag.h"
#include "lang/ast.h"

/* Widest line the printer aims for; longer lines appear only when a single
 * item (a long string, an attribute name) cannot be broken. */
#define TM_FMT_WIDTH 100

/* Formats one parsed file; the result is a heap string (free()). The file
 * should have parsed without errors: a partial tree prints only what parsed. */
char *tm_fmt_file(const tm_file *file);

/* Parses src (into arena: the diagnostics point at it) and formats it:
 * *out is the canonical text (free()). On parse errors reports them to
 * diags, sets *out to NULL and returns TM_ERR_INPUT; so it does when the
 * formatted text would not parse back to the same tree (a bug in fmt),
 * with a diagnostic. Returns TM_OK otherwise. */
int tm_fmt_source(char **out, tm_arena *arena, const tm_source *src, tm_diags *diags);

/* The `threat fmt` command for one path. Reads and parses it into arena
 * (the caller's, because the diagnostics point at the source: render them
 * before freeing the arena). On parse errors reports them to diags, leaves
 * the file untouched and returns TM_ERR_INPUT. With check=true it only
 * compares and sets *changed; otherwise, when the text differs, it rewrites
 * the file atomically (a temporary "PATH.tmp-PID-N" in the same folder, fsync,
 * the original's permission bits, rename over the original; a symbolic link
 * is followed, not replaced). On any failure the original is untouched and
 * the temporary removed. Returns TM_OK, TM_ERR_INPUT or TM_ERR_IO (with a
 * diagnostic). changed may be NULL. */
int tm_fmt_path(tm_arena *arena, const char *path, bool check, bool *changed, tm_diags *diags);

#endif
