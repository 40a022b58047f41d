/* Unit tests for the document writers (src/render/report.h, escape.h): the
 * escaping functions on hostile text, and the report, DFD and SARIF
 * writers on a model loaded from text with hand-written threats only (no
 * rule packs), so the expectations do not move when the packs change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/date.h"
#include "render/escape.h"
#include "render/report.h"
#include "template/template.h"
#include "risk/risk.h"
#include "risk/summary.h"
#include "session/session.h"
#include "threat/status.h"

/* ---- escaping ---- */

static char *esc(void (*fn)(tm_buf *, const char *), const char *text)
{
	tm_buf buf = TM_BUF_INIT;
	fn(&buf, text);
	if (!buf.data)
		tm_buf_puts(&buf, "");
	return tm_buf_detach(&buf);
}

static void md_cell(tm_buf *out, const char *text) { tm_esc_md(out, text, true); }
static void md_prose(tm_buf *out, const char *text) { tm_esc_md(out, text, false); }
static void md_code_cell(tm_buf *out, const char *text) { tm_esc_md_code(out, text, true); }

#define ASSERT_ESC(fn, in, want)                                                                  \
	do {                                                                                      \
		char *got_ = esc(fn, in);                                                         \
		assert_string_equal(got_, want);                                                  \
		free(got_);                                                                       \
	} while (0)

static void test_escape_markdown(void **state)
{
	(void)state;
	ASSERT_ESC(md_cell, "a | b", "a \\| b");
	ASSERT_ESC(md_cell, "line\nnext", "line<br>next");
	ASSERT_ESC(md_cell, "<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>");
	ASSERT_ESC(md_cell, "*bold* `code` [link](x) ~~s~~ a&b", "\\*bold\\* \\`code\\` \\[link\\](x) \\~\\~s\\~\\~ a\\&b");
	ASSERT_ESC(md_cell, "back\\slash", "back\\\\slash");
	/* snake_case stays readable, an emphasis underscore does not */
	ASSERT_ESC(md_cell, "api_routes _em_", "api_routes \\_em\\_");
	/* line starts matter only outside cells */
	ASSERT_ESC(md_prose, "# title\n- item\n1. first\n1.0 is fine", "\\# title\n\\- item\n1\\. first\n1.0 is fine");
	ASSERT_ESC(md_cell, "# not a heading", "# not a heading");
	ASSERT_ESC(md_code_cell, "web->api", "`web->api`");
	ASSERT_ESC(md_code_cell, "a`b|c", "``a`b\\|c``");
	ASSERT_ESC(md_code_cell, "`x`", "`` `x` ``");
	ASSERT_ESC(md_cell, NULL, "");
	/* no line starts a GitHub Actions workflow command; "\\:" reads as ":" */
	ASSERT_ESC(md_prose, "::warning::x\n  ::error::y\na::b", "\\::warning::x\n  \\::error::y\na::b");
}

static void test_escape_html_dot_mermaid(void **state)
{
	(void)state;
	ASSERT_ESC(tm_esc_html, "<a href=\"x\">'&'</a>", "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	ASSERT_ESC(tm_esc_html_lines, "a\nb", "a<br>b");
	ASSERT_ESC(tm_esc_dot, "\"];evil[label=\"x", "\\\"];evil[label=\\\"x");
	ASSERT_ESC(tm_esc_dot, "a\\N\nb", "a\\\\N\\nb");
	ASSERT_ESC(tm_esc_dot_html, "<B>x</B>\n&", "&lt;B&gt;x&lt;/B&gt;<BR/>&amp;");
	ASSERT_ESC(tm_esc_mermaid, "\"];x[\"", "']；x['");
	ASSERT_ESC(tm_esc_mermaid, "%%{init}%% a|b `c` #1\nd", "％％｛init｝％％ a｜b ｀c｀ ＃1<br>d");
	ASSERT_ESC(tm_esc_mermaid, "<script>&", "‹script›＆");
	/* arrows stay arrows; no entity code is left for a renderer to mangle */
	ASSERT_ESC(tm_esc_mermaid, "Internet -> shop", "Internet → shop");
	ASSERT_ESC(tm_esc_mermaid, "a <-> b <- c => d", "a ↔ b ← c ⇒ d");
	ASSERT_ESC(tm_esc_mermaid, "a > b < c - d = e", "a › b ‹ c - d = e");
	ASSERT_ESC(tm_esc_mermaid, "#gt;", "＃gt；");
	/* controls and bidi overrides never pass; invalid UTF-8 is replaced */
	ASSERT_ESC(tm_esc_html, "a\x1b[31mb\xe2\x80\xae" "c\xff", "a\xef\xbf\xbd[31mb\xef\xbf\xbd" "c\xef\xbf\xbd");
	ASSERT_ESC(tm_esc_html, "::warning::x\n ::error::y z::w", "&#58;:warning::x\n &#58;:error::y z::w");
}

static void wrap20(tm_buf *out, const char *text) { tm_esc_wrap(out, text, 20); }
static void uri(tm_buf *out, const char *text) { tm_esc_uri_path(out, text); }

static void test_wrap_and_uri(void **state)
{
	(void)state;
	ASSERT_ESC(wrap20, "page requests and form posts with session cookie",
	           "page requests and\nform posts with\nsession cookie");
	ASSERT_ESC(wrap20, "averyveryverylongwordthatdoesnotfit x", "averyveryverylongwordthatdoesnotfit\nx");
	ASSERT_ESC(wrap20, "kept\nbreak", "kept\nbreak");
	ASSERT_ESC(uri, "models/my model#1.threat", "models/my%20model%231.threat");
}

/* ---- a model with hand-written threats ---- */

static const char hostile_model[] =
    "model \"Evil | <script>x()</script>\" {\n"
    "  client \"Acme | B.V.\"  version \"1.0\"  date 2026-03-24  author \"m\\\\x\"\n"
    "  reviewers [victoria, pol]  status draft\n"
    "}\n"
    "asset A-01 \"PII | <img src=x onerror=y>\" { sensitivity high  owner \"db\"  pii true }\n"
    "external browser \"\\\"];evil[label=\\\"pwned\" { zone internet }\n"
    "process web \"%%{init}%% web; end\" {\n"
    "  process part \"child ]) --> x\"\n"
    "}\n"
    "process api \"API\"\n"
    "store db \"Store\\nwith \\\\ backslash\" { stores [A-01] }\n"
    "boundary TB-01 \"Edge <b>x</b>\" <web, api, db> { controls [\"WAF | x\"] }\n"
    "flow browser -> web \"form | <script>steal()</script>\" { data [A-01] }\n"
    "flow web.part -> db \"q\\\"];\\n%%{init}%%\"\n"
    "flow web -> db \"second flow to db\"\n"
    "flow web.part -> web \"inside web\"\n"
    "flow web <-> api \"calls\"\n"
    "threat T-01 \"Stored XSS | <script>alert(1)</script>\" {\n"
    "  category tampering  on browser -> web\n"
    "  likelihood { skill 3  motive 3  opportunity 3 }\n"
    "  impact { integrity 3 }\n"
    "}\n"
    "threat T-02 \"Mass export\" {\n"
    "  category information_disclosure  on db\n"
    "  likelihood { skill 1  motive 1 }\n"
    "  impact { confidentiality 2 }\n"
    "}\n"
    "threat T-03 \"Re-identification\" {\n"
    "  category identifiability  on db\n"
    "  likelihood { skill 2  motive 2 }\n"
    "  impact { compliance 2 }\n"
    "}\n"
    "mitigation M-01 \"Escape | encode\" { mitigates [T-01]  status implemented  owner \"dev\" }\n"
    "accept T-02 \"Risk | accepted\" { by victoria  until 2026-09-01 }\n";

static int32_t day(const char *text)
{
	int32_t days = 0;
	assert_true(tm_date_parse(text, strlen(text), &days));
	return days;
}

/* A session as tm_session_open would build it, without rule packs. */
static tm_session *session_new(const char *text)
{
	tm_session *session = calloc(1, sizeof *session);
	session->options.today = day("2026-06-01");
	tm_findings_init(&session->findings);
	int status = tm_model_load_text(&session->model, "models/hostile.threat", text, strlen(text), &session->diags);
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
	free(session);
}

/* Cells of a Markdown table row: the '|' not escaped by a backslash. */
static int row_pipes(const char *line, size_t len)
{
	int pipes = 0;
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\\') {
			i++;
			continue;
		}
		if (line[i] == '|')
			pipes++;
	}
	return pipes;
}

static void test_report_md_tables_keep_columns(void **state)
{
	(void)state;
	tm_session *session = session_new(hostile_model);
	tm_buf out = TM_BUF_INIT;
	tm_render_report_md(&out, session);
	const char *text = tm_buf_str(&out);

	assert_non_null(strstr(text, "# Threat Model: Acme \\| B.V. - Evil \\| \\<script\\>x()\\</script\\>\n"));
	assert_non_null(strstr(text, "**Status:** DRAFT\n"));
	assert_non_null(strstr(text, "## Trust Boundaries\n"));
	assert_non_null(strstr(text, "## Privacy Threats (LINDDUN)\n"));
	assert_non_null(strstr(text, "| `T-01` | Tampering | Stored XSS \\| \\<script\\>alert(1)\\</script\\> | "
	                             "`browser->web` | 3 | 3 | **CRITICAL** | mitigated | `M-01` Escape \\| encode "
	                             "(implemented) |\n"));
	assert_non_null(strstr(text, "| `T-02` | **LOW** | Risk \\| accepted | victoria | 2026-09-01 | accepted |\n"));
	/* no next_review: the model's date + 3 months */
	assert_non_null(strstr(text, "- **Next review:** 2026-06-24 (the model's date + 3 months"));
	/* every '<' is escaped, but for the line breaks the writer makes */
	for (const char *lt = strchr(text, '<'); lt; lt = strchr(lt + 1, '<'))
		assert_true((lt > text && lt[-1] == '\\') || strncmp(lt, "<br>", 4) == 0 ||
		            strncmp(lt, "<-->", 4) == 0 || strncmp(lt, "<==>", 4) == 0);

	/* every row of a table has as many cells as its header */
	int columns = -1, tables = 0;
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len && line[0] == '|') {
			int pipes = row_pipes(line, len);
			if (columns < 0) {
				columns = pipes;
				tables++;
			}
			assert_int_equal(pipes, columns);
		} else {
			columns = -1;
		}
		line += len + (end ? 1 : 0);
	}
	/* the summary's counts, highest open risks and overdue findings, then
	 * boundaries, assets, STRIDE, LINDDUN, mitigations, residual risks, sign-off */
	assert_int_equal(tables, 10);
	tm_buf_free(&out);
	session_free(session);
}

/* An acceptance by a pattern shows the highest risk among the findings
 * it names; one that names none says so. */
static void test_report_pattern_acceptance(void **state)
{
	(void)state;
	static const char text[] = "model \"Patterns\" { date 2026-03-24 }\n"
	                           "process legacy_a \"A\"\n"
	                           "process legacy_b \"B\"\n"
	                           "process web \"Web\"\n"
	                           "accept *@legacy_* \"Retired\" { by victoria  until 2026-09-01 }\n"
	                           "accept X-*@web \"Nothing\" { by pol }\n";
	tm_session *session = calloc(1, sizeof *session);
	session->options.today = day("2026-06-01");
	tm_findings_init(&session->findings);
	assert_int_equal(tm_model_load_text(&session->model, "p.threat", text, strlen(text), &session->diags), TM_OK);
	static const struct {
		const char *id, *element;
		tm_risk risk;
	} raised[] = {{"R-01@legacy_a", "legacy_a", TM_RISK_LOW},
	              {"R-02@legacy_b", "legacy_b", TM_RISK_HIGH},
	              {"R-03@web", "web", TM_RISK_CRITICAL}};
	static const tm_finding_about about = {
	    .rule = "R", .framework = "STRIDE", .category = "repudiation", .pack = "test", .title = "No audit"};
	for (size_t i = 0; i < 3; i++) {
		tm_finding *f = tm_findings_add(&session->findings);
		f->id = raised[i].id;
		f->about = &about;
		f->element = tm_model_get(session->model, raised[i].element);
		f->element_key = raised[i].element;
		f->risk = raised[i].risk;
		f->file = "";
	}
	tm_risk_track(&session->findings, session->model, session->options.today, &session->diags);
	assert_int_equal(session->findings.items[0].status, TM_STATUS_ACCEPTED);
	assert_int_equal(session->findings.items[1].status, TM_STATUS_ACCEPTED);
	assert_int_equal(session->findings.items[2].status, TM_STATUS_OPEN);
	tm_buf out = TM_BUF_INIT;
	tm_render_report_md(&out, session);
	const char *md = tm_buf_str(&out);
	assert_non_null(strstr(md, "| `*@legacy_*` | **HIGH** | Retired | victoria | 2026-09-01 | accepted |\n"));
	assert_non_null(strstr(md, "| `X-*@web` | not raised | Nothing | pol | — | accepted |\n"));
	tm_buf_free(&out);
	session_free(session);
}

static void test_report_html_has_no_raw_markup(void **state)
{
	(void)state;
	tm_session *session = session_new(hostile_model);
	tm_buf out = TM_BUF_INIT, warnings = TM_BUF_INIT;
	/* a missing Graphviz still gives a whole report, with the DOT shown */
	setenv("THREAT_DOT", "/nonexistent/dot", 1);
	tm_render_report_html(&out, session, &warnings);
	unsetenv("THREAT_DOT");
	const char *text = tm_buf_str(&out);
	assert_non_null(strstr(text, "<!DOCTYPE html>"));
	assert_non_null(strstr(text, "</html>\n"));
	assert_null(strstr(text, "<script"));
	assert_null(strstr(text, "<img"));
	assert_null(strstr(text, "<b>"));
	assert_non_null(strstr(text, "Stored XSS | &lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(text, "<td class=\"risk risk-CRITICAL\"><strong>CRITICAL</strong></td>"));
	assert_non_null(strstr(tm_buf_str(&warnings), "/nonexistent/dot"));
	tm_buf_free(&out);
	tm_buf_free(&warnings);
	session_free(session);
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_dfd_levels(void **state)
{
	(void)state;
	tm_session *session = session_new(hostile_model);
	const tm_model *model = session->model;
	tm_buf out = TM_BUF_INIT;

	tm_render_dfd_dot(&out, model, &session->findings, 0, model->meta.name);
	const char *dot = tm_buf_str(&out);
	/* web.part -> db and web -> db become one arrow; web.part -> web vanishes */
	size_t web = tm_model_get(model, "web")->index, db = tm_model_get(model, "db")->index;
	char arrow[64];
	snprintf(arrow, sizeof arrow, "n%zu -> n%zu [", web, db);
	assert_int_equal(count(dot, arrow), 1);
	assert_non_null(strstr(dot, "label=\"q\\\"];\\n%%{init}%%\\nsecond flow to db\""));
	assert_null(strstr(dot, "inside web"));
	assert_null(strstr(dot, "cluster_" /* no process cluster at level 0 */ "1 "));
	assert_non_null(strstr(dot, "subgraph cluster_"));                /* the boundary */
	assert_non_null(strstr(dot, "style=\"dashed,rounded\""));
	assert_non_null(strstr(dot, "shape=cylinder"));
	assert_non_null(strstr(dot, "dir=both"));
	assert_non_null(strstr(dot, "penwidth=2.4, style=bold"));         /* browser -> web crosses TB-01 */
	assert_non_null(strstr(dot, "label=<<B>&quot;];evil[label=&quot;pwned</B>"));
	assert_non_null(strstr(dot, "fillcolor=\"#f9e79f\""));            /* db: T-03 MEDIUM is open */
	/* a quoted DOT string is text: Graphviz escapes it in the SVG */
	assert_non_null(strstr(dot, "[label=\"form |\\n<script>steal()</script>\""));

	tm_buf_clear(&out);
	tm_render_dfd_dot(&out, model, &session->findings, 1, NULL);
	dot = tm_buf_str(&out);
	size_t part = tm_model_get(model, "web.part")->index;
	snprintf(arrow, sizeof arrow, "subgraph cluster_%zu {", web);
	assert_non_null(strstr(dot, arrow)); /* web expands into a cluster */
	snprintf(arrow, sizeof arrow, "n%zu -> n%zu [", part, db);
	assert_non_null(strstr(dot, arrow));
	assert_non_null(strstr(dot, "inside web"));
	snprintf(arrow, sizeof arrow, "lhead=cluster_%zu", web);
	assert_non_null(strstr(dot, arrow)); /* browser -> web ends at the cluster */

	tm_buf_clear(&out);
	tm_render_dfd_mermaid(&out, model, &session->findings, 0);
	const char *mermaid = tm_buf_str(&out);
	assert_int_equal(strncmp(mermaid, "flowchart TB\n", 13), 0);
	assert_non_null(strstr(mermaid, "[\"']；evil[label='pwned\"]"));
	assert_non_null(strstr(mermaid, "(\"％％｛init｝％％ web； end\")"));
	assert_non_null(strstr(mermaid, "[(\"Store<br>with ＼ backslash\")]"));
	assert_non_null(strstr(mermaid, " ==>|\"form ｜ ‹script›steal()‹/script›\"| "));
	assert_null(strstr(mermaid, "%%"));
	/* inside every label, no quote but the two that delimit it */
	for (const char *line = mermaid; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		size_t quotes = 0;
		for (size_t i = 0; i < len; i++)
			quotes += line[i] == '"';
		assert_true(quotes == 0 || quotes == 2);
		line += len + (end ? 1 : 0);
	}
	tm_buf_free(&out);
	session_free(session);
}

/* Graphviz refuses an HTML label over 16 KiB and a node over 65535 points:
 * a very long label is cut, in DOT and in Mermaid alike. */
static void test_dfd_long_label(void **state)
{
	(void)state;
	size_t n = 20000;
	tm_buf text = TM_BUF_INIT;
	tm_buf_puts(&text, "model \"m\" { date 2026-03-24 }\nprocess p \"");
	tm_buf_fill(&text, 'x', n);
	tm_buf_puts(&text, "\"\nexternal e \"E\"\nflow e -> p \"");
	tm_buf_fill(&text, '<', n);
	tm_buf_puts(&text, "\"\n");
	tm_session *session = session_new(tm_buf_str(&text));
	tm_buf out = TM_BUF_INIT;
	for (int format = 0; format < 2; format++) {
		tm_buf_clear(&out);
		if (format)
			tm_render_dfd_mermaid(&out, session->model, &session->findings, 0);
		else
			tm_render_dfd_dot(&out, session->model, &session->findings, 0, "m");
		const char *line = tm_buf_str(&out);
		assert_non_null(strstr(line, "xxx…"));
		while (*line) {
			size_t len = strcspn(line, "\n");
			assert_true(len < 16384);
			line += len + (line[len] ? 1 : 0);
		}
	}
	tm_buf_free(&out);
	tm_buf_free(&text);
	session_free(session);
}

static void test_sarif(void **state)
{
	(void)state;
	tm_session *session = session_new(hostile_model);
	tm_buf out = TM_BUF_INIT;
	tm_render_sarif(&out, session);
	const char *sarif = tm_buf_str(&out);
	assert_non_null(strstr(sarif, "\"version\": \"2.1.0\""));
	assert_non_null(strstr(sarif, "\"name\": \"threat\""));
	assert_non_null(strstr(sarif, "\"version\": \"" TM_VERSION "\""));
	/* hand-written threats are their own rules, sorted by id */
	const char *t01 = strstr(sarif, "\"id\": \"T-01\""), *t02 = strstr(sarif, "\"id\": \"T-02\"");
	assert_non_null(t01);
	assert_non_null(t02);
	assert_true(t01 < t02);
	assert_non_null(strstr(sarif, "\"name\": \"StoredXssScriptAlert1Script\""));
	assert_non_null(strstr(sarif, "\"ruleId\": \"T-01\",\n          \"ruleIndex\": 0,\n          \"level\": \"error\""));
	assert_non_null(strstr(sarif, "\"ruleId\": \"T-03\",\n          \"ruleIndex\": 2,\n          \"level\": \"warning\""));
	assert_non_null(strstr(sarif, "\"ruleId\": \"T-02\",\n          \"ruleIndex\": 1,\n          \"level\": \"note\""));
	assert_non_null(strstr(sarif, "\"uri\": \"models/hostile.threat\",\n                  \"uriBaseId\": \"%SRCROOT%\""));
	assert_non_null(strstr(sarif, "\"threatFindingId/v1\": \"T-02\""));
	/* accepted and mitigated findings are suppressed, with the reason */
	assert_non_null(strstr(sarif, "\"justification\": \"Risk | accepted (accepted by victoria)\""));
	assert_non_null(strstr(sarif, "\"justification\": \"mitigated by M-01\""));
	assert_int_equal(count(sarif, "\"suppressions\""), 2);
	assert_int_equal(count(sarif, "\"ruleId\""), 3);
	tm_buf_free(&out);
	session_free(session);
}

static void test_report_json(void **state)
{
	(void)state;
	tm_session *session = session_new(hostile_model);
	tm_buf out = TM_BUF_INIT;
	tm_render_report_json(&out, session);
	const char *json = tm_buf_str(&out);
	assert_non_null(strstr(json, "\"name\": \"Evil | <script>x()</script>\""));
	assert_non_null(strstr(json, "\"today\": \"2026-06-01\""));
	assert_non_null(strstr(json, "\"key\": \"web.part->db\""));
	assert_non_null(strstr(json, "\"crossings\": [\n        \"TB-01\"\n      ]"));
	assert_non_null(strstr(json, "\"crossed_by\": [\n        \"browser->web\"\n      ]"));
	assert_non_null(strstr(json, "\"expired\": false"));
	assert_non_null(strstr(json, "\"summary\": {\n    \"CRITICAL\": 1,"));
	tm_buf_free(&out);
	session_free(session);
}

static void test_template(void **state)
{
	(void)state;
	tm_buf out = TM_BUF_INIT;
	assert_int_equal(tm_template_write(&out, "ge-webapp", day("2026-06-01")), TM_OK);
	const char *text = tm_buf_str(&out);
	assert_non_null(strstr(text, "  date 2026-06-01"));
	assert_non_null(strstr(text, "  next_review 2026-09-01"));
	assert_null(strstr(text, "@DATE@"));
	/* it resolves without errors */
	tm_model *model = NULL;
	tm_diags diags = {0};
	assert_int_equal(tm_model_load_text(&model, "new.threat", text, out.len, &diags), TM_OK);
	assert_int_equal(diags.errors, 0);
	assert_non_null(tm_model_get(model, "TB-04"));
	tm_model_free(model);
	tm_diags_free(&diags);
	tm_buf_clear(&out);
	assert_int_equal(tm_template_write(&out, "nope", 0), TM_ERR_USAGE);
	tm_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_markdown),
		cmocka_unit_test(test_escape_html_dot_mermaid),
		cmocka_unit_test(test_wrap_and_uri),
		cmocka_unit_test(test_report_md_tables_keep_columns),
		cmocka_unit_test(test_report_pattern_acceptance),
		cmocka_unit_test(test_report_html_has_no_raw_markup),
		cmocka_unit_test(test_dfd_levels),
		cmocka_unit_test(test_dfd_long_label),
		cmocka_unit_test(test_sarif),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_template),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
