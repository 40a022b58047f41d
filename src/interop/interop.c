/* `threat import`: the table of formats and the run every importer
 * shares (its `.threat` text parsed and formatted into the canonical
 * layout). A new format is a line in the table and its reader. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "interop/interop.h"
#include "lang/fmt.h"
#include "threat/status.h"

const tm_interop_format tm_interop_formats[] = {
    {"otm", "Open Threat Model 0.2.0 (JSON)", tm_interop_import_otm},
    {"threat-dragon", "OWASP Threat Dragon v2 (JSON)", tm_interop_import_threat_dragon},
};
const size_t tm_interop_nformats = sizeof tm_interop_formats / sizeof tm_interop_formats[0];

const tm_interop_format *tm_interop_find_format(const char *name)
{
	for (size_t i = 0; i < tm_interop_nformats; i++)
		if (strcmp(tm_interop_formats[i].name, name) == 0)
			return &tm_interop_formats[i];
	return NULL;
}

int tm_interop_import(char **out, const tm_interop_format *format, tm_arena *arena, const tm_source *src,
                      tm_diags *diags)
{
	*out = NULL;
	tm_buf model = TM_BUF_INIT;
	size_t errors = diags->errors;
	int status = format->read(&model, src, diags);
	if (status != TM_OK || diags->errors > errors) {
		tm_buf_free(&model);
		return TM_ERR_INPUT;
	}
	/* the generated text is named after the file it came from, so a
	 * message about it (a bug in an importer) says what was imported */
	const char *name = tm_arena_printf(arena, "%s (imported)", src->path);
	const tm_source *generated = tm_source_from_text(arena, name, tm_buf_str(&model), model.len);
	tm_buf_free(&model);
	return tm_fmt_source(out, arena, generated, diags);
}

void tm_interop_index_findings(tm_interop_findings_index *index, const tm_session *session)
{
	size_t nelements = session->model->nelements, nfindings = session->findings.count;
	index->start = tm_xcalloc(nelements + 2, sizeof(size_t));
	index->order = tm_xcalloc(nfindings + 1, sizeof(size_t));
	/* a counting sort by element, stable: each element's findings keep
	 * their order */
	for (size_t i = 0; i < nfindings; i++) {
		const tm_element *el = session->findings.items[i].element;
		if (el)
			index->start[el->index + 2]++;
	}
	for (size_t i = 2; i < nelements + 2; i++)
		index->start[i] += index->start[i - 1];
	for (size_t i = 0; i < nfindings; i++) {
		const tm_element *el = session->findings.items[i].element;
		if (el)
			index->order[index->start[el->index + 1]++] = i;
	}
}

void tm_interop_index_free(tm_interop_findings_index *index)
{
	free(index->order);
	free(index->start);
	index->order = index->start = NULL;
}
