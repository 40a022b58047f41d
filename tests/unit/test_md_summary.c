/* Unit tests for the pull-request summaries (src/render/md_summary.h):
 * `check --format md-summary` on sessions built from text with hand-written
 * threats only (no rule packs, so the expectations do not move when the
 * packs change), and `diff --format md` on diffs built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/date.h"
#include "render/md_summary.h"
#include "risk/risk.h"
#include "risk/summary.h"
#include "session/session.h"
#include "threat/status.h"

static int32_t day(const char *text)
{
	int32_t days = 0;
	assert_true(tm_date_parse(text, strlen(text), &days));
	return days;
}

/* A session as tm_session_open would build it, without rule packs. */
static tm_session *session_new(const char *path, const char *text)
{
	tm_session *session = calloc(1, sizeof *session);
	session->options.today = day("2026-06-01");
	session->paths = calloc(1, sizeof *session->paths);
	session->paths[0] = strdup(path);
	session->npaths = 1;
	tm_findings_init(&session->findings);
	int status = tm_model_load_text(&session->model, path, text, strlen(text), &session->diags);
	assert_int_equal(status, TM_OK);
	tm_risk_add_threats(&session->findings, session->model);
	tm_risk_track(&session->findings, session->model, session->options.today, &session->diags);
	tm_findings_mark_overdue(&session->findings, session->options.today);
	tm_findings_sort(&session->findings);
	return session;
}

static void session_free(tm_session *session)
{
	tm_findings_free(&session->findings);
	tm_model_free(session->model);
	tm_diags_free(&session->diags);
	free(session->paths[0]);
	free(session->paths);
	free(session);
}

/* Twelve CRITICAL threats on one process, found on 2026-05-01 (due a day
 * later: overdue on 2026-06-01). */
static char *twelve_threats(void)
{
	tm_buf text = TM_BUF_INIT;
	tm_buf_puts(&text, "model \"Twelve | <b>\" { date 2026-03-24  next_review 2026-06-24 }\n"
	                   "process api \"API\"\n");
	for (int i = 1; i <= 12; i++)
		tm_buf_printf(&text,
		              "threat T-%02d \"Threat %d `x`\" { category tampering  on api  found "
		              "2026-05-01\n"
		              "  likelihood { skill 3  motive 3  opportunity 3 }  impact { integrity 3 } }\n",
		              i, i);
	return tm_buf_detach(&text);
}

static char *summary_of(tm_session *const *sessions, size_t count, bool gate, tm_risk level)
{
	tm_md_summary summary;
	tm_render_md_summary_init(&summary, gate, level, count > 1, day("2026-06-01"));
	for (size_t i = 0; i < count; i++)
		tm_render_md_summary_add(&summary, sessions[i]);
	tm_buf out = TM_BUF_INIT;
	tm_render_md_summary_finish(&summary, &out);
	return tm_buf_detach(&out);
}

static void test_check_summary_caps_the_lists(void **state)
{
	(void)state;
	char *text = twelve_threats();
	tm_session *session = session_new("model.threat", text);
	char *md = summary_of(&session, 1, true, TM_RISK_HIGH);
	assert_non_null(strstr(md, "<!-- threat check --format md-summary -->\n### Threat model check: failed\n\n"
	                           "**Failed:** 12 open or expired findings at or above HIGH (`--fail-on "
	                           "high`).\n\n"
	                           "Checked **Twelve \\| \\<b\\>** (`model.threat`) on 2026-06-01: 12 findings, "
	                           "12 open or expired, 12 overdue.\n\n"));
	assert_non_null(strstr(md, "| CRITICAL | 12 | 0 | 0 | 0 | 0 | 0 | 12 |\n"
	                           "| **total** | 12 | 0 | 0 | 0 | 0 | 0 | 12 |\n"));
	assert_non_null(strstr(md, "| `T-01` | `api` | Threat 1 \\`x\\` | CRITICAL | 2026-05-02, **overdue** |\n"));
	assert_non_null(strstr(md, "| `T-10` | `api` | Threat 10 \\`x\\` | CRITICAL | 2026-05-02, **overdue** |\n"
	                           "\n…and 2 more open or expired findings of risk LOW and above.\n"));
	assert_null(strstr(md, "`T-11` | `api` | Threat 11 \\`x\\` | CRITICAL | 2026-05-02, **overdue**"));
	/* the overdue list stops at ten too, and names no overdue twice */
	assert_non_null(strstr(md, "| `T-10` | `api` | Threat 10 \\`x\\` | CRITICAL | 2026-05-02 |\n"
	                           "\n…and 2 more overdue findings.\n"));
	/* one newline at the end, no blank line */
	size_t len = strlen(md);
	assert_true(len > 2 && md[len - 1] == '\n' && md[len - 2] != '\n');
	free(md);
	session_free(session);
	free(text);
}

static void test_check_summary_verdicts(void **state)
{
	(void)state;
	static const char quiet[] =
	    "model \"Quiet\" { date 2026-05-24  next_review 2026-08-24 }\nprocess worker \"Worker\"\n";
	tm_session *session = session_new("quiet.threat", quiet);
	char *md = summary_of(&session, 1, true, TM_RISK_CRITICAL);
	assert_string_equal(md, "<!-- threat check --format md-summary -->\n"
	                        "### Threat model check: passed\n\n"
	                        "**Passed:** no open or expired finding at or above CRITICAL (`--fail-on "
	                        "critical`).\n\n"
	                        "Checked **Quiet** (`quiet.threat`) on 2026-06-01: 0 findings, 0 open or "
	                        "expired, 0 overdue.\n");
	free(md);
	md = summary_of(&session, 1, false, TM_RISK_INFO);
	assert_non_null(strstr(md, "### Threat model check: checked\n\n**Checked:** 0 open or expired "
	                           "findings; without `--fail-on` none fails the check.\n\n"));
	free(md);

	/* a model that did not load: errors, and a row that says so */
	tm_session *broken = calloc(1, sizeof *broken);
	char *path = strdup("broken|`x`.threat");
	broken->paths = &path;
	broken->npaths = 1;
	broken->model_failed = true;
	broken->diags.errors = 2;
	tm_session *both[] = {session, broken};
	md = summary_of(both, 2, true, TM_RISK_HIGH);
	assert_non_null(strstr(md, "### Threat model check: errors\n\n**Errors:** 1 of 2 models could not "
	                           "be checked (exit status 2); the job's log shows the diagnostics.\n\n"
	                           "**Passed:** no open or expired finding at or above HIGH (`--fail-on "
	                           "high`).\n\n"
	                           "Checked 2 models on 2026-06-01:\n\n"
	                           "| model | files | findings | open | HIGH and above | overdue | result |\n"
	                           "|---|---|---|---|---|---|---|\n"
	                           "| Quiet | `quiet.threat` | 0 | 0 | 0 | 0 | passed |\n"
	                           "| (unnamed model) | ``broken\\|`x`.threat`` | — | — | — | — | not checked: 2 "
	                           "errors |\n"));
	assert_non_null(strstr(md, "#### (unnamed model) (``broken\\|`x`.threat``)\n\n**Not checked:** 2 "
	                           "errors in the model (the job's log shows them).\n"));
	free(md);
	free(path);
	free(broken);
	session_free(session);
}

static void test_diff_md(void **state)
{
	(void)state;
	tm_diff diff;
	memset(&diff, 0, sizeof diff);
	tm_buf out = TM_BUF_INIT;
	tm_render_diff_md(&out, &diff, NULL);
	assert_string_equal(tm_buf_str(&out),
	                    "<!-- threat diff --format md -->\n"
	                    "### Threat model change: no security review needed\n\n"
	                    "**Security review not needed (no new endpoint, integration or architecture "
	                    "change)**\n\n"
	                    "No changes to elements, findings or architecture.\n");
	tm_buf_clear(&out);

	/* an architecture change with hostile text, gated on review */
	char what[] = "new integration psp | <img src=x>", action[] = "analyse `it`\nnow";
	tm_arch_change change = {.kind = TM_ARCH_INTEGRATION,
	                         .change = TM_CHANGE_ADDED,
	                         .subject = "psp",
	                         .what = what,
	                         .action = action,
	                         .review = TM_REVIEW_INTEGRATION};
	diff.arch = &change;
	diff.narch = 1;
	diff.reviews[TM_REVIEW_INTEGRATION] = true;
	diff.review = TM_REVIEW_INTEGRATION;
	tm_md_diff_options options = {.before = "main:model.threat", .after = "model.threat", .gate_review = true};
	tm_render_diff_md(&out, &diff, &options);
	assert_string_equal(tm_buf_str(&out),
	                    "<!-- threat diff --format md -->\n"
	                    "### Threat model change: security review needed\n\n"
	                    "**Security review needed:** new integration (trust boundary analysis)\n\n"
	                    "**Failed:** the change calls for a security review (`--fail-on review`).\n\n"
	                    "Compared `main:model.threat` with `model.threat`: 0 elements changed; 1 "
	                    "architecture change; findings: 0 new, 0 resolved, 0 changed.\n\n"
	                    "#### Architecture\n\n"
	                    "| change | review | what to do |\n|---|---|---|\n"
	                    "| new integration psp \\| \\<img src=x\\> | trust boundary analysis | analyse "
	                    "\\`it\\`<br>now |\n");
	tm_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_summary_caps_the_lists),
	    cmocka_unit_test(test_check_summary_verdicts),
	    cmocka_unit_test(test_diff_md),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
