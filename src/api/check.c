/* The public interface of include/threat/check.h, over a session. */
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/xalloc.h"
#include "render/render.h"
#include "session/session.h"
#include "threat/check.h"

void tm_set_oom_handler(void (*handler)(size_t size))
{
	tm_xalloc_set_oom_handler(handler);
}

struct tm_check {
	tm_session *session;
	char *diagnostics;
	char (*dues)[11]; /* one "YYYY-MM-DD" per finding */
};

int tm_check_options_init(tm_check_options *options, unsigned int version)
{
	if (version != TM_CHECK_OPTIONS_VERSION)
		return TM_ERR_USAGE;
	*options = (tm_check_options)TM_CHECK_OPTIONS_INIT;
	return TM_OK;
}

int tm_check_open(tm_check **out, const char *const *paths, size_t npaths, const tm_check_options *options)
{
	tm_check *check = tm_xcalloc(1, sizeof(*check));
	*out = check;
	if (options && options->version != TM_CHECK_OPTIONS_VERSION) {
		check->diagnostics =
		    tm_xstrdup("error: tm_check_options of an unknown version: set them up with "
		               "TM_CHECK_OPTIONS_INIT or tm_check_options_init\n");
		return TM_ERR_USAGE;
	}
	tm_session_options session_options = {.no_rules = options && options->no_rules};
	if (!tm_date_today(options ? options->today : NULL, &session_options.today)) {
		check->diagnostics = tm_xstrdup("error: today must be a date like 2026-03-24\n");
		return TM_ERR_USAGE;
	}
	int status = tm_session_open(&check->session, paths, npaths, &session_options);
	tm_buf text = TM_BUF_INIT;
	tm_diags_render(&text, &check->session->diags, false);
	check->diagnostics = tm_buf_detach(&text);
	const tm_findings *findings = &check->session->findings;
	check->dues = tm_xcalloc(findings->count + 1, sizeof(*check->dues));
	for (size_t i = 0; i < findings->count; i++)
		if (findings->items[i].due != TM_NO_DATE)
			tm_date_format(findings->items[i].due, check->dues[i]);
	return status;
}

void tm_check_free(tm_check *check)
{
	if (!check)
		return;
	tm_session_free(check->session);
	free(check->diagnostics);
	free(check->dues);
	free(check);
}

const char *tm_check_diagnostics(const tm_check *check)
{
	return check->diagnostics;
}

size_t tm_check_error_count(const tm_check *check)
{
	return check->session ? check->session->diags.errors : 1;
}

size_t tm_check_finding_count(const tm_check *check)
{
	return check->session && !check->session->model_failed ? check->session->findings.count : 0;
}

int tm_check_get_finding(tm_check_finding *out, const tm_check *check, size_t index)
{
	if (index >= tm_check_finding_count(check))
		return TM_ERR_USAGE;
	const tm_finding *f = &check->session->findings.items[index];
	*out = (tm_check_finding){
	    .id = f->id,
	    .rule = f->about->rule,
	    .framework = f->about->framework,
	    .category = f->about->category,
	    .element = f->element_key,
	    .title = f->about->title,
	    .detail = f->detail,
	    .likelihood = f->likelihood,
	    .impact = f->impact,
	    .risk = tm_risk_names[f->risk],
	    .status = tm_status_names[f->status],
	    .due = check->dues[index][0] ? check->dues[index] : NULL,
	    .file = f->file,
	    .line = f->line,
	};
	return TM_OK;
}

char *tm_check_json(const tm_check *check)
{
	if (!check->session || check->session->model_failed)
		return NULL;
	tm_buf text = TM_BUF_INIT;
	tm_render_check_json(&text, check->session->model, &check->session->findings, &check->session->diags);
	return tm_buf_detach(&text);
}
