/* libFuzzer harness for the importers (src/interop): the first byte picks
 * the format (even: otm, odd: threat-dragon), the rest is the file. The
 * import runs with its formatter; whatever it writes must parse as a
 * `.threat` model, so an importer can never write a statement that the
 * input smuggled in a name or a value. Corpus: tests/fuzz/corpus-import. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/source.h"
#include "interop/interop.h"
#include "lang/ast.h"
#include "threat/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1 << 20)
		return 0;
	const tm_interop_format *format = tm_interop_find_format(data[0] % 2 ? "threat-dragon" : "otm");
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	const tm_source *src = tm_source_from_text(arena, "fuzz.json", (const char *)data + 1, size - 1);
	char *model = NULL;
	int status = tm_interop_import(&model, format, arena, src, &diags);
	tm_buf out = TM_BUF_INIT;
	tm_diags_render(&out, &diags, false);
	tm_buf_free(&out);
	/* a message about the generated text is a bug of the importer: it
	 * wrote something the parser or the formatter refuses */
	for (size_t i = 0; i < diags.count; i++)
		if (diags.items[i].span.src && diags.items[i].span.src != src)
			abort();
	if ((status == TM_OK) != (model != NULL))
		abort();
	if (model) {
		/* the canonical text parses back without an error */
		tm_diags again = {0};
		tm_file *file = NULL;
		const tm_source *text = tm_source_from_text(arena, "imported.threat", model, strlen(model));
		if (tm_parse_file(&file, arena, text, &again) != 0)
			abort();
		tm_diags_free(&again);
	}
	free(model);
	tm_diags_free(&diags);
	tm_arena_free(arena);
	return 0;
}
