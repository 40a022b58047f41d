/* libFuzzer harness for the whole pipeline: the input is written to a
 * .threat file, loaded with the built-in rule packs, scored and tracked,
 * and every writer runs on the result (check text, JSON and SARIF, the
 * Markdown and JSON reports, the DFD in DOT and Mermaid at both levels,
 * the self-check), so odd models reach the views, the packs and the
 * escaping. Inputs that name other files (include, or a path in `use`)
 * are skipped: they would read whatever the fuzzer made up. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "render/render.h"
#include "render/report.h"
#include "review/selfcheck.h"
#include "session/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char model_path[64];

static bool names_files(const uint8_t *data, size_t size)
{
	static const char *const words[] = {"include", "/", ".lua"};
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
		size_t n = strlen(words[w]);
		for (size_t i = 0; i + n <= size; i++)
			if (memcmp(data + i, words[w], n) == 0)
				return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536 || names_files(data, size))
		return 0;
	if (!model_path[0])
		snprintf(model_path, sizeof model_path, "/tmp/threat-fuzz-%ld.threat", (long)getpid());
	FILE *file = fopen(model_path, "wb");
	if (!file)
		return 0;
	fwrite(data, 1, size, file);
	fclose(file);

	const char *paths[] = {model_path};
	tm_session_options options = {.today = 20605}; /* 2026-06-01 */
	tm_session *session = NULL;
	tm_session_open(&session, paths, 1, &options);
	tm_buf out = TM_BUF_INIT;
	tm_diags_render(&out, &session->diags, false);
	if (!session->model_failed) {
		tm_render_options text = {.color = true, .width = 80};
		tm_render_check_text(&out, session->model, &session->findings, &text);
		tm_render_check_json(&out, session->model, &session->findings, &session->diags);
		tm_render_sarif(&out, session);
		tm_render_report_md(&out, session);
		tm_render_report_json(&out, session);
		for (int level = 0; level <= 1; level++) {
			tm_render_dfd_dot(&out, session->model, &session->findings, level, "fuzz");
			tm_render_dfd_mermaid(&out, session->model, &session->findings, level);
		}
		bool all_met;
		tm_review_selfcheck(&out, session, false, &all_met);
	}
	tm_buf_free(&out);
	tm_session_free(session);
	unlink(model_path);
	return 0;
}
