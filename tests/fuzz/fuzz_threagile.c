/* libFuzzer harness: the input is a Threagile YAML model; it is imported
 * (without the rules, which risk tracking would run) and the diagnostics
 * are rendered. Linked with replay.c into build/fuzz-replay-threagile, so
 * make test replays tests/fuzz/corpus-threagile. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/source.h"
#include "interop/threagile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	tm_buf rendered = TM_BUF_INIT;
	const tm_source *src = tm_source_from_text(arena, "fuzz.yaml", (const char *)data, size);
	tm_threagile_options options = {.no_rules = true};
	char *text = NULL;
	tm_threagile_import(&text, src, &options, &diags);
	tm_diags_render(&rendered, &diags, false);
	free(text);
	tm_buf_free(&rendered);
	tm_diags_free(&diags);
	tm_arena_free(arena);
	return 0;
}
