/* libFuzzer harness: the input is one .threat file; it is lexed, parsed and
 * resolved into a model, and the diagnostics are rendered, so every path
 * from bytes to error messages (carets, columns of broken UTF-8) is run.
 * Built with clang -fsanitize=fuzzer by build-fuzzers.sh, and linked with
 * replay.c into build/fuzz-replay so make test replays the corpus. */
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/diag.h"
#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tm_model *model = NULL;
	tm_diags diags = {0};
	tm_buf rendered = TM_BUF_INIT;

	tm_model_load_text(&model, "fuzz.threat", (const char *)data, size, &diags);
	/* Diagnostics point into the model's sources: render before freeing it. */
	tm_diags_render(&rendered, &diags, false);
	tm_diags_render(&rendered, &diags, true);
	tm_buf_free(&rendered);
	tm_diags_free(&diags);
	tm_model_free(model);
	return 0;
}
