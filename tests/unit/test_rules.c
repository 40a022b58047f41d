/* Unit tests for src/rules: registration and its errors, rule selection by
 * kind and scope, when/likelihood/impact, the views, read-only views, the
 * sandbox, budgets, and phase 2. Each test writes small packs to a
 * temporary folder and loads a small model that `use`s them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/date.h"
#include "rules/rules.h"
#include "threat/status.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *file = fopen(path, "w");
	assert_non_null(file);
	fputs(text, file);
	fclose(file);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_rules.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char command[128];
	snprintf(command, sizeof command, "rm -rf '%s'", dir);
	return system(command) == 0 ? 0 : -1;
}

/* One model, its packs loaded and both phases run. */
typedef struct result {
	tm_model *model;
	tm_rules *rules;
	tm_findings findings;
	tm_diags diags;
	int load, run, phase2;
	char *messages; /* the rendered diagnostics */
} result;

static const char *const header = "model \"M\" { date 2026-03-24 }\n";

static bool profiling; /* run_model measures each rule (tm_rules_profile) */

/* The model `head` (its model statement) and `body`. */
static void run_model_headed(result *r, const char *head, const char *body)
{
	memset(r, 0, sizeof *r);
	tm_buf text = TM_BUF_INIT;
	tm_buf_puts(&text, head);
	tm_buf_puts(&text, body);
	char path[128];
	snprintf(path, sizeof path, "%s/model.threat", dir);
	int status = tm_model_load_text(&r->model, path, text.data, text.len, &r->diags);
	tm_buf_free(&text);
	if (status != TM_OK) {
		tm_buf out = TM_BUF_INIT;
		tm_diags_render(&out, &r->diags, false);
		fail_msg("model did not load: %s", tm_buf_str(&out));
	}
	int32_t today = tm_date_from_ymd(2026, 6, 1);
	tm_findings_init(&r->findings);
	r->load = tm_rules_load(&r->rules, r->model, 0, &r->diags);
	tm_rules_profile(r->rules, profiling);
	r->run = tm_rules_run(r->rules, r->model, today, &r->findings, &r->diags);
	tm_risk_add_threats(&r->findings, r->model);
	tm_risk_track(&r->findings, r->model, today, &r->diags);
	r->phase2 = tm_rules_run_phase2(r->rules, r->model, today, &r->findings, &r->diags);
	tm_buf out = TM_BUF_INIT;
	tm_diags_render(&out, &r->diags, false);
	r->messages = tm_buf_detach(&out);
	if (!r->messages)
		r->messages = calloc(1, 1);
}

static void run_model(result *r, const char *body)
{
	run_model_headed(r, header, body);
}

static void result_free(result *r)
{
	tm_findings_free(&r->findings);
	tm_rules_free(r->rules);
	tm_diags_free(&r->diags);
	tm_model_free(r->model);
	free(r->messages);
}

static const tm_finding *finding(const result *r, const char *id)
{
	for (size_t i = 0; i < r->findings.count; i++)
		if (strcmp(r->findings.items[i].id, id) == 0)
			return &r->findings.items[i];
	return NULL;
}

static size_t count_rule(const result *r, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < r->findings.count; i++)
		n += strcmp(r->findings.items[i].about->rule, rule) == 0;
	return n;
}

/* The message with the temporary folder written as DIR. */
static void assert_messages(const result *r, const char *expected)
{
	tm_buf want = TM_BUF_INIT;
	for (const char *p = expected; *p; p++) {
		if (strncmp(p, "DIR", 3) == 0) {
			tm_buf_puts(&want, dir);
			p += 2;
		} else {
			tm_buf_putc(&want, *p);
		}
	}
	assert_string_equal(r->messages, tm_buf_str(&want));
	tm_buf_free(&want);
}

static void test_registration(void **state)
{
	(void)state;
	write_file("p.lua", "pack { name = \"acme\", version = \"1.0\" }\n"
	                    "rule { id = \"ACME-2\", category = \"tampering\", applies = { \"process\", \"store\" },\n"
	                    "  title = \"Two\", when = function() return false end,\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 2 }, refs = { \"CWE-1\", \"CWE-2\" } }\n"
	                    "rule { id = \"ACME-1\", category = \"check\", applies = \"flow\", title = \"One\",\n"
	                    "  description = \"Longer\", mitigation = \"Fix it\",\n"
	                    "  when = function() return false end, likelihood = { skill = 1 }, impact = { integrity = 2 } }\n"
	                    "rule { id = \"ACME-3\", framework = \"ACME\", category = \"disclosure\", applies = \"model\",\n"
	                    "  title = \"Three\", when = function() return false end,\n"
	                    "  likelihood = function() return {} end, impact = { integrity = 2 } }\n");
	result r;
	run_model(&r, "use \"./p.lua\"\n");
	assert_int_equal(r.load, TM_OK);
	assert_string_equal(r.messages, "");
	assert_int_equal(tm_rules_count(r.rules), 3);
	const tm_rule_info *one = tm_rules_info(r.rules, 0);
	assert_string_equal(one->id, "ACME-1");
	assert_string_equal(one->pack, "acme");
	assert_string_equal(one->framework, "CHECK");
	assert_string_equal(one->category, "check");
	assert_string_equal(one->title, "One");
	assert_string_equal(one->description, "Longer");
	assert_string_equal(one->mitigation, "Fix it");
	assert_string_equal(one->applies, "flow");
	assert_int_equal(one->nrefs, 0);
	assert_int_equal(one->line, 5);
	char file[128];
	snprintf(file, sizeof file, "%s/p.lua", dir);
	assert_string_equal(one->file, file);
	const tm_rule_info *two = tm_rules_info(r.rules, 1);
	assert_string_equal(two->id, "ACME-2");
	assert_string_equal(two->framework, "STRIDE");
	assert_string_equal(two->applies, "process, store");
	assert_int_equal(two->nrefs, 2);
	assert_string_equal(two->refs[1], "CWE-2");
	assert_int_equal(two->line, 2);
	const tm_rule_info *three = tm_rules_info(r.rules, 2);
	assert_string_equal(three->framework, "ACME");
	assert_null(tm_rules_info(r.rules, 3));
	assert_ptr_equal(tm_rules_find(r.rules, "ACME-2"), two);
	assert_null(tm_rules_find(r.rules, "ACME-9"));
	assert_int_equal(r.findings.count, 0);
	result_free(&r);
}

static void test_bad_rules(void **state)
{
	(void)state;
	write_file("bad.lua", "local f = function() return false end\n"
	                      "rule { category = \"tampering\", applies = \"flow\", title = \"T\", when = f,\n"
	                      "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                      "rule { id = \"B-1\", category = \"tampering\", applies = \"flow\", title = \"T\",\n"
	                      "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                      "rule { id = \"B-2\", category = \"spofing\", applies = \"flow\", title = \"T\", when = f,\n"
	                      "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                      "rule { id = \"B-3\", category = \"spoofing\", applies = \"flow\", title = \"T\", when = f,\n"
	                      "  likelihood = { skill = 4 }, impact = { integrity = 1 } }\n"
	                      "rule { id = \"B-4\", category = \"spoofing\", applies = \"flows\", title = \"T\", when = f,\n"
	                      "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                      "rule { id = \"B-5\", category = \"spoofing\", applies = \"flow\", title = \"T\", when = f,\n"
	                      "  likelihood = { skill = 1 } }\n"
	                      "rule { id = \"OK-1\", category = \"spoofing\", applies = \"flow\", title = \"T\", when = f,\n"
	                      "  likelihood = { skill = 1 }, impact = { integrity = 1 }, mitigaton = \"x\" }\n");
	write_file("dup.lua", "rule { id = \"OK-1\", category = \"spoofing\", applies = \"flow\", title = \"T\",\n"
	                      "  when = function() end, likelihood = { skill = 1 }, impact = { integrity = 1 } }\n");
	result r;
	run_model(&r, "use \"./bad.lua\"\nuse \"dup\"\n");
	assert_int_equal(r.load, TM_ERR_INPUT);
	assert_messages(&r, "error: DIR/bad.lua:2: rule (no id): missing 'id'\n"
	                    "error: DIR/bad.lua:4: rule B-1: missing 'when' (a function)\n"
	                    "error: DIR/bad.lua:6: rule B-2: unknown category 'spofing' (did you mean 'spoofing'?)\n"
	                    "error: DIR/bad.lua:8: rule B-3: likelihood: factor 'skill' must be an integer from 1 to 3, "
	                    "not 4\n"
	                    "error: DIR/bad.lua:10: rule B-4: 'applies' names an unknown kind 'flows' (did you mean "
	                    "'flow'?)\n"
	                    "error: DIR/bad.lua:12: rule B-5: missing 'impact' (a table of factors or a function)\n"
	                    "warning: DIR/bad.lua:14: OK-1: unknown field 'mitigaton' is ignored\n"
	                    "note: did you mean 'mitigation'?\n"
	                    "error: DIR/dup.lua:1: rule OK-1: duplicate rule id (first defined at DIR/bad.lua:14)\n"
	                    "7 errors, 1 warning\n");
	assert_int_equal(tm_rules_count(r.rules), 1);
	assert_string_equal(tm_rules_info(r.rules, 0)->id, "OK-1");
	result_free(&r);
}

static void test_load_errors(void **state)
{
	(void)state;
	write_file("syntax.lua", "rule { id = \"S-1\"\n  title = 1 }\n");
	write_file("runtime.lua", "rule { id = \"R-1\", category = \"spoofing\", applies = \"flow\", title = \"T\",\n"
	                          "  when = function() return true end, likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                          "local x = nil\nreturn x.field\n");
	write_file("good.lua", "rule { id = \"G-1\", category = \"spoofing\", applies = \"external\", title = \"T\",\n"
	                       "  when = function() return true end, likelihood = { skill = 1 }, impact = { integrity = 1 } }\n");
	result r;
	run_model(&r, "use \"./syntax.lua\"\nuse \"runtime\"\nuse \"nosuch\"\nuse \"good\"\nexternal user\n");
	assert_int_equal(r.load, TM_ERR_INPUT);
	assert_messages(&r, "error: DIR/syntax.lua:2: '}' expected (to close '{' at line 1) near 'title'\n"
	                    "DIR/model.threat:2:5: note: the pack is used here\n"
	                    "    2 | use \"./syntax.lua\"\n"
	                    "      |     ^~~~~~~~~~~~~~\n"
	                    "error: DIR/runtime.lua:4: attempt to index a nil value (local 'x')\n"
	                    "DIR/model.threat:3:5: note: the pack is used here\n"
	                    "    3 | use \"runtime\"\n"
	                    "      |     ^~~~~~~~~\n"
	                    "DIR/model.threat:4:5: error: rule pack 'nosuch' not found (looked for DIR/nosuch.lua, "
	                    "/nonexistent/nosuch.lua)\n"
	                    "    4 | use \"nosuch\"\n"
	                    "      |     ^~~~~~~~\n"
	                    "3 errors\n");
	/* The runtime.lua rule was dropped with its pack; good.lua still runs. */
	assert_int_equal(tm_rules_count(r.rules), 1);
	assert_non_null(finding(&r, "G-1@user"));
	assert_int_equal(r.run, TM_OK);
	result_free(&r);
}

static const char *const applies_pack =
    "local L, I = { skill = 2, motive = 2 }, { confidentiality = 3 }\n"
    "rule { id = \"K-1\", category = \"tampering\", applies = { \"process\", \"store\" }, title = \"PS\",\n"
    "  when = function(e) return true end, likelihood = L, impact = I, refs = { \"CWE-1\" },\n"
    "  mitigation = \"Do it\", description = \"Why\" }\n"
    "rule { id = \"K-2\", category = \"spoofing\", applies = \"flow\", title = \"F\",\n"
    "  when = function(f) if f.key == \"user->web\" then return \"from \" .. f.source.label end return false end,\n"
    "  likelihood = function(f) return { opportunity = f.opportunity } end,\n"
    "  impact = function(f, model) return { integrity = model.get(\"db\") and 2 or 1 } end }\n";

static void test_applies_when_factors(void **state)
{
	(void)state;
	write_file("k.lua", applies_pack);
	result r;
	run_model(&r, "use \"k\"\n"
	              "external user\n"
	              "process web { tech x }\n"
	              "process lab { in_scope false\n process probe }\n"
	              "store db\n"
	              "flow user -> web\n"
	              "flow web -> db\n");
	assert_string_equal(r.messages, "");
	assert_int_equal(r.run, TM_OK);
	assert_int_equal(count_rule(&r, "K-1"), 2); /* web, db: not lab nor lab.probe */
	assert_null(finding(&r, "K-1@lab"));
	assert_null(finding(&r, "K-1@lab.probe"));
	const tm_finding *f = finding(&r, "K-1@web");
	assert_non_null(f);
	assert_string_equal(f->about->rule, "K-1");
	assert_string_equal(f->about->framework, "STRIDE");
	assert_string_equal(f->about->category, "tampering");
	assert_string_equal(f->about->pack, "k");
	assert_string_equal(f->element_key, "web");
	assert_string_equal(f->element->key, "web");
	assert_string_equal(f->about->title, "PS");
	assert_string_equal(f->about->advice, "Do it");
	assert_string_equal(f->about->description, "Why");
	assert_int_equal(f->about->nrefs, 1);
	assert_string_equal(f->about->refs[0], "CWE-1");
	assert_null(f->detail);
	assert_int_equal(f->likelihood_factors[TM_LF_SKILL], 2);
	assert_int_equal(f->impact_factors[TM_IF_CONFIDENTIALITY], 3);
	assert_int_equal(f->risk, TM_RISK_HIGH);
	assert_int_equal(f->found, tm_date_from_ymd(2026, 3, 24));
	assert_int_equal(f->line, 4);
	assert_true(strstr(f->file, "model.threat") != NULL);
	/* when returning a string: the detail; factors from functions */
	assert_int_equal(count_rule(&r, "K-2"), 1);
	f = finding(&r, "K-2@user->web");
	assert_non_null(f);
	assert_string_equal(f->detail, "from user");
	assert_int_equal(f->likelihood_factors[TM_LF_OPPORTUNITY], 3);
	assert_int_equal(f->likelihood_factors[TM_LF_SKILL], 0);
	assert_int_equal(f->impact_factors[TM_IF_INTEGRITY], 2);
	assert_int_equal(f->risk, TM_RISK_HIGH);
	result_free(&r);
}

static void test_default_packs_missing(void **state)
{
	(void)state;
	setenv("THREAT_STDLIB", "/nonexistent", 1);
	result r;
	run_model(&r, "external user\n");
	assert_int_equal(r.load, TM_ERR_INPUT);
	assert_messages(&r, "error: rule pack 'stride' not found (looked for /nonexistent/stride.lua)\n"
	                    "error: rule pack 'linddun' not found (looked for /nonexistent/linddun.lua)\n"
	                    "error: rule pack 'ge-stack' not found (looked for /nonexistent/ge-stack.lua)\n"
	                    "error: rule pack 'llm' not found (looked for /nonexistent/llm.lua)\n"
	                    "error: rule pack 'supply-chain' not found (looked for "
	                    "/nonexistent/supply-chain.lua)\n"
	                    "error: rule pack 'hygiene' not found (looked for /nonexistent/hygiene.lua)\n"
	                    "error: rule pack 'governance' not found (looked for "
	                    "/nonexistent/governance.lua)\n"
	                    "7 errors\n");
	assert_int_equal(tm_rules_count(r.rules), 0);
	result_free(&r);
}

/* A finding's detail per finding id, for the tests that read views
 * through the detail a rule returns. */
typedef struct expected_detail {
	const char *id, *detail;
} expected_detail;

static void assert_details(result *r, const expected_detail *want, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const tm_finding *f = finding(r, want[i].id);
		if (!f)
			fail_msg("no finding %s: %s", want[i].id, r->messages);
		assert_string_equal(f->detail, want[i].detail);
	}
}

/* A rule that describes a view in its detail, so the test reads it back. */
static const char *const describe_pack =
    "local function keys(list) local out = {} for i, v in ipairs(list) do out[i] = v.key end\n"
    "  return table.concat(out, \",\") end\n"
    "local function show(v)\n"
    "  if type(v) == \"table\" then local out = {} for k, x in pairs(v) do out[#out + 1] = tostring(k) .. \"=\" .. show(x) end\n"
    "    table.sort(out) return \"{\" .. table.concat(out, \" \") .. \"}\" end\n"
    "  return tostring(v) end\n"
    "rule { id = \"D-1\", category = \"check\", applies = { \"external\", \"process\", \"store\", \"flow\", \"boundary\", "
    "\"asset\" },\n"
    "  title = \"describe\", likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
    "  when = function(v, model)\n"
    "    local parts = { v.kind, v.id or \"-\", v.label, \"exp=\" .. v.exposure, \"opp=\" .. v.opportunity,\n"
    "      \"pii=\" .. tostring(v.pii), \"sens=\" .. tostring(v.max_sensitivity), \"scope=\" .. tostring(v.in_scope),\n"
    "      \"b=\" .. keys(v.boundaries), \"assets=\" .. keys(v.assets), \"children=\" .. keys(v.children),\n"
    "      \"parent=\" .. (v.parent and v.parent.key or \"-\"), \"line=\" .. v.line }\n"
    "    if v.kind == \"flow\" then parts[#parts + 1] = \"src=\" .. v.source.key .. \" dst=\" .. v.target.key ..\n"
    "      \" crosses=\" .. tostring(v.crosses) .. \" x=\" .. keys(v.crossings) .. \" bi=\" .. tostring(v.bidirectional) end\n"
    "    if v.inflows then parts[#parts + 1] = \"in=\" .. keys(v.inflows) .. \" out=\" .. keys(v.outflows) end\n"
    "    if v.kind == \"external\" then parts[#parts + 1] = \"zone=\" .. v.zone end\n"
    "    if v.kind == \"boundary\" then parts[#parts + 1] = \"members=\" .. keys(v.members) .. \" outer=\" .. (v.outer and v.outer.key or \"-\") .. \" crossed_by=\" .. keys(v.crossed_by) end\n"
    "    if v.kind == \"asset\" then parts[#parts + 1] = \"own=\" .. tostring(v.sensitivity) end\n"
    "    parts[#parts + 1] = \"attr=\" .. show(v.attr)\n"
    "    return table.concat(parts, \" \")\n"
    "  end }\n";

static void test_views(void **state)
{
	(void)state;
	write_file("d.lua", describe_pack);
	result r;
	run_model(&r, "use \"d\"\n"
	              "external user \"User\"\n"
	              "external partner { zone partner }\n"
	              "process api \"API\" { tech hono  port 443  ratio 0.5  tags [a, b]  limits { rps 10 }  since "
	              "2026-01-02  peer user->api\n"
	              "  process dal \"DAL\"\n}\n"
	              "store db { stores [A-01] }\n"
	              "asset A-01 \"PII\" { sensitivity high  pii true }\n"
	              "boundary TB-1 \"cluster\" <api, db>\n"
	              "boundary TB-0 \"dc\" <TB-1>\n"
	              "flow user -> api\n"
	              "flow sql: api.dal -> db { data [A-01] }\n"
	              "flow partner <-> db\n");
	assert_string_equal(r.messages, "");
	const expected_detail want[] = {
	    {"D-1@user", "external user User exp=internet opp=3 pii=false sens=nil scope=true b= assets= children= "
	                 "parent=- line=3 in= out=user->api zone=internet attr={}"},
	    /* a <-> flow is in both lists; an external's exposure is its zone's */
	    {"D-1@partner", "external partner partner exp=network opp=2 pii=false sens=nil scope=true b= assets= "
	                    "children= parent=- line=4 in=partner->db out=partner->db zone=partner attr={zone=partner}"},
	    {"D-1@api", "process api API exp=internet opp=3 pii=true sens=high scope=true b=TB-1,TB-0 assets=A-01 "
	                "children=api.dal parent=- line=5 in=user->api out= attr={limits={rps=10} peer=user->api "
	                "port=443 ratio=0.5 since=2026-01-02 tags={1=a 2=b} tech=hono}"},
	    {"D-1@api.dal", "process api.dal DAL exp=internet opp=3 pii=true sens=high scope=true b=TB-1,TB-0 "
	                    "assets=A-01 children= parent=api line=6 in= out=sql attr={}"},
	    /* api ends the user's requests: db lies further in */
	    {"D-1@db", "store db db exp=network opp=2 pii=true sens=high scope=true b=TB-1,TB-0 assets=A-01 "
	               "children= parent=- line=8 in=sql,partner->db out=partner->db attr={stores={1=A-01}}"},
	    {"D-1@A-01", "asset A-01 PII exp=internal opp=1 pii=true sens=high scope=true b= assets= children= "
	                 "parent=- line=9 own=high attr={pii=true sensitivity=high}"},
	    {"D-1@TB-1", "boundary TB-1 cluster exp=internal opp=1 pii=false sens=nil scope=true b= assets= children= "
	                 "parent=- line=10 members=api,db outer=TB-0 crossed_by=user->api,partner->db attr={}"},
	    {"D-1@user->api", "flow - user->api exp=internet opp=3 pii=false sens=nil scope=true b= assets= children= "
	                      "parent=- line=12 src=user dst=api crosses=true x=TB-1,TB-0 bi=false attr={}"},
	    {"D-1@sql", "flow sql sql exp=internet opp=3 pii=true sens=high scope=true b=TB-1,TB-0 assets=A-01 "
	                "children= parent=- line=13 src=api.dal dst=db crosses=false x= bi=false attr={data={1=A-01}}"},
	    {"D-1@partner->db", "flow - partner->db exp=network opp=2 pii=false sens=nil scope=true b= assets= "
	                        "children= parent=- line=14 src=partner dst=db crosses=true x=TB-1,TB-0 bi=true attr={}"},
	};
	assert_details(&r, want, sizeof want / sizeof *want);
	result_free(&r);
}

/* model.mentions: word starts in ids, keys and labels of nodes and flows,
 * case aside; boundaries and assets are not searched; bad arguments are
 * errors at the pack's line. */
static void test_model_mentions(void **state)
{
	(void)state;
	write_file("m.lua", "rule { id = \"M-1\", category = \"check\", applies = \"model\", title = \"m\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(m)\n"
	                    "    local found = m:mentions { \"admin\", \"ops\", \"retry\", \"cron\", \"vault\", \"pii\", \"\" }\n"
	                    "    local out = {}\n"
	                    "    for w in pairs(found) do out[#out + 1] = w end\n"
	                    "    table.sort(out)\n"
	                    "    return table.concat(out, \",\") .. \"/\" .. tostring(next(model.mentions {}) == nil)\n"
	                    "  end }\n"
	                    "rule { id = \"M-2\", category = \"check\", applies = \"model\", title = \"bad\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(m) return m.mentions { 1 } end }\n");
	result r;
	run_model(&r, "use \"./m.lua\"\n"
	              "external ADMIN_console \"Staff\"\n"
	              "process dev_ops \"Stops nothing\"\n"
	              "store jobs \"Nightly Cron jobs\"\n"
	              "asset A-1 \"vault\" { sensitivity low }\n"
	              "boundary TB-1 \"pii zone\" <jobs>\n"
	              "flow retry: dev_ops -> jobs\n");
	const tm_finding *f = finding(&r, "M-1@model");
	assert_non_null(f);
	assert_string_equal(f->detail, "admin,cron,ops,retry/true");
	assert_null(finding(&r, "M-2@model"));
	assert_non_null(strstr(r.messages, "m.lua:12: rule M-2 on model: model.mentions: word 1 is a number"));
	result_free(&r);
}

/* Equal attributes (names, values, order) share one read-only attr
 * table; any difference, nested ones included, gives a table of its own. */
static void test_shared_attr_tables(void **state)
{
	(void)state;
	write_file("s.lua", "rule { id = \"S-1\", category = \"check\", applies = \"model\", title = \"s\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(m)\n"
	                    "    local function same(a, b) return tostring(m.get(a).attr == m.get(b).attr) end\n"
	                    "    local ok = pcall(function() m.get(\"a\").attr.tls = false end)\n"
	                    "    return same(\"a->b\", \"b->c\") .. same(\"a->b\", \"c->a\") .. same(\"a\", \"b\")\n"
	                    "      .. same(\"a\", \"c\") .. same(\"b\", \"c\") .. tostring(ok) .. m.get(\"b\").attr.limits.rps\n"
	                    "  end }\n");
	result r;
	run_model(&r, "use \"./s.lua\"\n"
	              "process a { tls true  limits { rps 10 } }\n"
	              "process b { tls true  limits { rps 10 } }\n"
	              "process c { tls true  limits { rps 11 } }\n"
	              "flow a -> b { protocol https  tls true }\n"
	              "flow b -> c { protocol https  tls true }\n"
	              "flow c -> a { tls true  protocol https }\n");
	const tm_finding *f = finding(&r, "S-1@model");
	assert_non_null(f);
	assert_string_equal(f->detail, "truefalsetruefalsefalsefalse10");
	result_free(&r);
}

static void test_readonly_views(void **state)
{
	(void)state;
	write_file("w.lua", "rule { id = \"W-1\", category = \"tampering\", applies = \"process\", title = \"write\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(v) v.attr.tech = \"evil\" end }\n"
	                    "rule { id = \"W-2\", category = \"tampering\", applies = \"process\", title = \"rawset\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(v) rawset(v, \"label\", \"evil\") end }\n"
	                    "rule { id = \"W-3\", category = \"tampering\", applies = \"process\", title = \"field\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(v) v.label = \"evil\" end }\n"
	                    "rule { id = \"W-4\", category = \"tampering\", applies = \"process\", title = \"meta\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(v) setmetatable(v, nil) end }\n"
	                    "rule { id = \"W-5\", category = \"tampering\", applies = \"process\", title = \"list\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(v) v.inflows[1] = v end }\n"
	                    "rule { id = \"W-6\", category = \"tampering\", applies = \"process\", title = \"sort\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(v) table.sort(v.inflows, function(a, b) return a.key < b.key end) end }\n"
	                    "rule { id = \"W-10\", category = \"tampering\", applies = \"flow\", title = \"walk\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(v) local out = {} for k, x in pairs(v) do\n"
	                    "    local list, n = pcall(function() return #x end)\n"
	                    "    out[#out + 1] = (k == \"attr\" or k == \"file\") and k\n"
	                    "      or k .. \"=\" .. (type(x) == \"userdata\" and list and \"#\" .. n or tostring(x)) end\n"
	                    "    return table.concat(out, \" \") end }\n"
	                    "rule { id = \"W-9\", category = \"tampering\", applies = \"process\", title = \"read\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(v) return v.label .. \"/\" .. v.attr.tech .. \"/\" .. tostring(getmetatable(v))\n"
	                    "    .. \"/\" .. type(v) .. \"/\" .. tostring(v) .. \"/\" .. tostring(v.inflows[1])\n"
	                    "    .. \"/\" .. type(v.inflows) .. \"/\" .. tostring(getmetatable(v.inflows)) .. \"/\" .. v.inflows[1].key end }\n");
	result r;
	run_model(&r, "use \"w\"\nprocess web \"Web\" { tech nextjs }\n"
	              "external z\nexternal a\nflow z -> web\nflow a -> web\n");
	assert_int_equal(r.run, TM_ERR_INPUT);
	assert_messages(&r, "error: DIR/w.lua:3: rule W-1 on web: attempt to modify a read-only table (field 'tech')\n"
	                    "error: DIR/w.lua:6: rule W-2 on web: bad argument #1 to 'rawset' (table expected, got "
	                    "userdata)\n"
	                    "error: DIR/w.lua:9: rule W-3 on web: attempt to modify a read-only table (field 'label')\n"
	                    "error: DIR/w.lua:12: rule W-4 on web: bad argument #1 to 'setmetatable' (table expected, got "
	                    "userdata)\n"
	                    "error: DIR/w.lua:15: rule W-5 on web: attempt to modify a read-only table\n"
	                    "error: DIR/w.lua:18: rule W-6 on web: attempt to modify a read-only table\n"
	                    "6 errors\n");
	const tm_finding *f = finding(&r, "W-9@web");
	assert_non_null(f);
	assert_string_equal(f->detail, "Web/nextjs/false/userdata/process web/flow z->web/userdata/false/z->web");
	/* pairs walks a view's fields in a fixed order, skipping those the
	 * element has not (a flow has no id here, and no inflows) */
	f = finding(&r, "W-10@z->web");
	assert_non_null(f);
	assert_string_equal(f->detail, "key=z->web kind=flow label=z->web attr file line=6 children=#0 boundaries=#0 "
	                               "exposure=internet opportunity=3 assets=#0 pii=false in_scope=true "
	                               "source=external z target=process web bidirectional=false crossings=#0 "
	                               "crosses=false in_process=false response=false");
	result_free(&r);
}

static void test_rule_errors(void **state)
{
	(void)state;
	write_file("e.lua", "rule { id = \"E-1\", category = \"tampering\", applies = \"process\", title = \"nil\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(v) return v.nosuch.x end }\n"
	                    "rule { id = \"E-2\", category = \"tampering\", applies = \"process\", title = \"table\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(v) return {} end }\n"
	                    "rule { id = \"E-3\", category = \"tampering\", applies = \"process\", title = \"factor\",\n"
	                    "  likelihood = function(v) return { skill = v.label == \"a\" and 1 or 5 } end,\n"
	                    "  impact = { integrity = 1 }, when = function(v) return true end }\n"
	                    "rule { id = \"E-4\", category = \"tampering\", applies = \"process\", title = \"impact\",\n"
	                    "  likelihood = { skill = 1 }, impact = function() return 3 end,\n"
	                    "  when = function(v) return true end }\n"
	                    "rule { id = \"E-5\", category = \"tampering\", applies = \"process\", title = \"error\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(v) error({}) end }\n");
	result r;
	run_model(&r, "use \"e\"\nprocess a\nprocess b\n");
	assert_int_equal(r.load, TM_OK);
	assert_int_equal(r.run, TM_ERR_INPUT);
	assert_messages(&r, "error: DIR/e.lua:3: rule E-1 on a: attempt to index a nil value (field 'nosuch')\n"
	                    "error: DIR/e.lua:6: rule E-2 on a: when returned a table (expected true, false, nil or a "
	                    "string)\n"
	                    "error: DIR/e.lua:11: rule E-4 on a: impact returned a number (expected a table of factors)\n"
	                    "error: DIR/e.lua:15: rule E-5 on a: error object is a table value\n"
	                    "error: DIR/e.lua:3: rule E-1 on b: attempt to index a nil value (field 'nosuch')\n"
	                    "error: DIR/e.lua:6: rule E-2 on b: when returned a table (expected true, false, nil or a "
	                    "string)\n"
	                    "error: DIR/e.lua:8: rule E-3 on b: likelihood: factor 'skill' must be an integer from 1 to 3, "
	                    "not 5\n"
	                    "error: DIR/e.lua:11: rule E-4 on b: impact returned a number (expected a table of factors)\n"
	                    "error: DIR/e.lua:15: rule E-5 on b: error object is a table value\n"
	                    "9 errors\n");
	/* E-3 on a is fine and raised; nothing else did. */
	assert_non_null(finding(&r, "E-3@a"));
	assert_int_equal(r.findings.count, 1);
	result_free(&r);
}

/* only_if(model) is asked once per run: false leaves the rule out (its
 * `when` is never called), true lets it run as usual; one that raises is
 * reported once, and one that is not a function is refused. */
static void test_only_if(void **state)
{
	(void)state;
	write_file("g.lua", "local asked = 0\n"
	                    "rule { id = \"G-1\", category = \"tampering\", applies = \"process\", title = \"off\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  only_if = function(m) return m.states(\"nosuch\") end,\n"
	                    "  when = function(v) error(\"asked of \" .. v.key) end }\n"
	                    "rule { id = \"G-2\", category = \"tampering\", applies = \"process\", title = \"on\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  only_if = function(m) asked = asked + 1; return m.states(\"tech\") end,\n"
	                    "  when = function(v) return \"asked \" .. asked .. \" time(s)\" end }\n"
	                    "rule { id = \"G-3\", category = \"tampering\", applies = \"process\", title = \"raises\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  only_if = function(m) return m.nosuch.x end,\n"
	                    "  when = function(v) return true end }\n"
	                    "rule { id = \"G-4\", category = \"tampering\", applies = \"process\", title = \"bad\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  only_if = true, when = function(v) return true end }\n");
	result r;
	run_model(&r, "use \"g\"\nprocess a { tech x }\nprocess b\nprocess c\n");
	assert_messages(&r, "error: DIR/g.lua:14: rule G-4: 'only_if' must be a function of the model, not a "
	                    "boolean\n"
	                    "error: DIR/g.lua:12: rule G-3 on a: attempt to index a nil value (field 'nosuch')\n"
	                    "2 errors\n");
	assert_int_equal(count_rule(&r, "G-1"), 0);
	assert_int_equal(count_rule(&r, "G-2"), 3);
	assert_string_equal(finding(&r, "G-2@c")->detail, "asked 1 time(s)");
	assert_int_equal(count_rule(&r, "G-3"), 0);
	result_free(&r);
}

/* ipairs walks a view list from its own table, and anything else as Lua
 * does: a shared module's read-only list, a table whose items come from
 * __index; a missing argument is the usual error. */
static void test_ipairs(void **state)
{
	(void)state;
	write_file("shared_list.lua", "return { \"a\", \"b\" }\n");
	write_file("walk.lua", "local items = require \"shared_list\"\n"
	                       "local lazy = setmetatable({}, { __index = function(_, i) if i < 4 then return i * 10 end end })\n"
	                       "local function walk(list)\n"
	                       "  local out = {}\n"
	                       "  for i, x in ipairs(list) do out[#out + 1] = i .. \"=\" .. tostring(type(x) == \"userdata\" and x.key or x) end\n"
	                       "  return table.concat(out, \",\")\n"
	                       "end\n"
	                       "rule { id = \"W-1\", category = \"check\", applies = \"process\", title = \"walk\",\n"
	                       "  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function(v)\n"
	                       "    local ok, err = pcall(ipairs)\n"
	                       "    return walk(v.inflows) .. \" \" .. walk(v.children) .. \" \" .. walk(items) .. \" \"\n"
	                       "      .. walk(lazy) .. \" \" .. err:gsub(\"^[^:]*:%d+: \", \"\")\n"
	                       "  end }\n");
	result r;
	run_model(&r, "use \"walk\"\nexternal u\nprocess p { process q }\nflow u -> p\nflow u -> p.q\n");
	assert_string_equal(r.messages, "");
	assert_string_equal(finding(&r, "W-1@p")->detail,
	                    "1=u->p 1=p.q 1=a,2=b 1=10,2=20,3=30 bad argument #1 to 'ipairs' (value expected)");
	result_free(&r);
}

/* A node's inflows, outflows and children, and model.elements, are built
 * when first walked: before that, # and list[i] answer from the model,
 * and afterwards the same as any list. A list kept past its run and never
 * walked raises on `#` (a built list would answer from its table: this
 * is the check that fails if the lists stop being lazy). */
static void test_lazy_lists(void **state)
{
	(void)state;
	write_file("lazy.lua", "local kept\n"
	                       "local function keys(list)\n"
	                       "  local out = {}\n"
	                       "  for _, x in pairs(list) do out[#out + 1] = x.key end\n"
	                       "  return table.concat(out, \",\")\n"
	                       "end\n"
	                       "rule { id = \"Z-1\", category = \"check\", applies = \"process\", title = \"lazy\",\n"
	                       "  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function(v)\n"
	                       "    local i, o, c = v.inflows, v.outflows, v.children\n"
	                       "    local before = #i .. \" \" .. #o .. \" \" .. #c .. \" \" .. tostring(i[1] and i[1].key)\n"
	                       "      .. \" \" .. tostring(i[3]) .. \" \" .. tostring(i[0]) .. \" \" .. tostring(i.x)\n"
	                       "      .. \" \" .. tostring(i[1.5]) .. \" \" .. tostring(c[1] and c[1].key)\n"
	                       "    local walked = keys(i) .. \" \" .. #i .. \" \" .. tostring(i[2] and i[2].key)\n"
	                       "    local same = v.inflows == i and i[1] == v.inflows[1]\n"
	                       "    local ok, err = pcall(function() i[1] = false end)\n"
	                       "    return before .. \" | \" .. walked .. \" \" .. tostring(same) .. \" \" .. err:gsub(\"^[^:]*:%d+: \", \"\")\n"
	                       "  end }\n"
	                       "rule { id = \"Z-2\", category = \"check\", applies = \"process\", title = \"kept\",\n"
	                       "  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function(v)\n"
	                       "    if not kept then kept = v.outflows return false end\n"
	                       "    local ok, err = pcall(function() return #kept end)\n"
	                       "    return tostring(err):gsub(\"^[^:]*:%d+: \", \"\")\n"
	                       "  end }\n"
	                       "rule { id = \"Z-3\", category = \"check\", applies = \"model\", title = \"elements\",\n"
	                       "  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function(m)\n"
	                       "    local flows = m.elements(\"flow\")\n"
	                       "    return type(flows) .. \" \" .. #flows .. \" \" .. m.elements(\"process\")[2].key .. \" \"\n"
	                       "      .. tostring(m.elements(\"boundary\")[1]) .. \" \" .. keys(m.elements(\"external\")) .. \" \"\n"
	                       "      .. #m.elements() .. \" \" .. tostring(flows == m.elements(\"flow\"))\n"
	                       "  end }\n");
	result r;
	run_model(&r, "use \"lazy\"\nexternal u\nexternal w\nprocess p { process q }\nflow u -> p\nflow w -> p\n"
	              "flow p -> u\n");
	assert_string_equal(finding(&r, "Z-1@p")->detail, "2 1 1 u->p nil nil nil nil p.q | u->p,w->p 2 w->p true "
	                                                  "attempt to modify a read-only table");
	assert_string_equal(finding(&r, "Z-1@p.q")->detail, "0 0 0 nil nil nil nil nil nil |  0 nil true "
	                                                    "attempt to modify a read-only table");
	assert_string_equal(finding(&r, "Z-3@model")->detail, "userdata 3 p.q nil u,w 7 true");
	/* p's outflows, kept by Z-2 on p, are p -> u while the run lasts */
	assert_string_equal(finding(&r, "Z-2@p.q")->detail, "1");
	/* the next run makes views of its own: a list of the last one raises */
	tm_findings again;
	tm_findings_init(&again);
	assert_int_equal(tm_rules_run(r.rules, r.model, tm_date_from_ymd(2026, 6, 1), &again, &r.diags), TM_OK);
	bool found = false;
	for (size_t i = 0; i < again.count; i++)
		if (strcmp(again.items[i].id, "Z-2@p") == 0) {
			assert_string_equal(again.items[i].detail, "a view was kept past the run that made it");
			found = true;
		}
	assert_true(found);
	tm_findings_free(&again);
	result_free(&r);
}

static void test_budgets(void **state)
{
	(void)state;
	write_file("loop.lua", "rule { id = \"L-1\", category = \"tampering\", applies = \"process\", title = \"loop\",\n"
	                       "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                       "  when = function(v)\n"
	                       "    while true do pcall(function() while true do end end) end\n"
	                       "  end }\n"
	                       "rule { id = \"L-2\", category = \"tampering\", applies = \"process\", title = \"fine\",\n"
	                       "  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function() return true end }\n"
	                       "rule { id = \"L-3\", category = \"tampering\", applies = \"process\", title = \"memory\",\n"
	                       "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                       "  when = function() local t = {} for i = 1, 1e9 do t[i] = string.rep(\"x\", 64) .. i end end }\n");
	result r;
	time_t start = time(NULL);
	run_model(&r, "use \"loop\"\nprocess a\nprocess b\n");
	assert_true(time(NULL) - start < 10);
	assert_int_equal(r.run, TM_ERR_INPUT);
	/* Each runaway rule is reported once and not called again. */
	assert_messages(&r, "error: DIR/loop.lua:4: rule L-1 on a: instruction limit exceeded (100 million "
	                    "instructions in one call: an endless loop?)\n"
	                    "error: DIR/loop.lua:10: rule L-3 on a: memory limit exceeded\n"
	                    "2 errors\n");
	assert_non_null(finding(&r, "L-2@a"));
	assert_non_null(finding(&r, "L-2@b"));
	result_free(&r);
}

static void test_sandbox(void **state)
{
	(void)state;
	write_file("s.lua",
	           "local seen = {}\n"
	           "seen[#seen + 1] = \"io=\" .. tostring(io) .. \" package=\" .. tostring(package) .. \" debug=\" .. "
	           "tostring(debug)\n"
	           "seen[#seen + 1] = \"execute=\" .. tostring(os.execute) .. \" getenv=\" .. tostring(os.getenv) .. \" "
	           "dofile=\" .. tostring(dofile) .. \" loadfile=\" .. tostring(loadfile)\n"
	           "seen[#seen + 1] = \"time=\" .. type(os.time) .. \" clock=\" .. type(os.clock)\n"
	           "seen[#seen + 1] = \"string.upper=\" .. tostring(pcall(function() string.upper = nil end))\n"
	           "seen[#seen + 1] = \"strmeta=\" .. tostring(getmetatable(\"\"))\n"
	           "local f, err = load(string.dump(function() return 1 end))\n"
	           "seen[#seen + 1] = \"bytecode=\" .. tostring(f) .. \" \" .. err\n"
	           "seen[#seen + 1] = \"text=\" .. load(\"return 1 + 1\")()\n"
	           "seen[#seen + 1] = \"G=\" .. tostring(_G == _ENV)\n"
	           "shared = \"mine\"\n"
	           "seen[#seen + 1] = \"gc=\" .. tostring(pcall(collectgarbage, \"stop\"))\n"
	           "local report = table.concat(seen, \"\\n\")\n"
	           "rule { id = \"S-1\", category = \"check\", applies = \"model\", title = \"sandbox\",\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function() return report end }\n");
	write_file("other.lua",
	           "rule { id = \"S-2\", category = \"check\", applies = \"model\", title = \"other\",\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	           "  when = function() return tostring(shared) .. \" \" .. string.upper(\"ok\") end }\n");
	result r;
	run_model(&r, "use \"s\"\nuse \"other\"\n");
	assert_string_equal(r.messages, "");
	const tm_finding *f = finding(&r, "S-1@model");
	assert_non_null(f);
	assert_string_equal(f->detail, "io=nil package=nil debug=nil\n"
	                               "execute=nil getenv=nil dofile=nil loadfile=nil\n"
	                               "time=function clock=function\n"
	                               "string.upper=false\n"
	                               "strmeta=false\n"
	                               "bytecode=nil attempt to load a binary chunk (mode is 't')\n"
	                               "text=2\n"
	                               "G=true\n"
	                               "gc=false");
	f = finding(&r, "S-2@model");
	assert_non_null(f);
	assert_string_equal(f->detail, "nil OK");
	assert_string_equal(f->element_key, "model");
	assert_null(f->element);
	result_free(&r);
}

static void test_require(void **state)
{
	(void)state;
	write_file("helpers.lua", "counter = (counter or 0) + 1\n"
	                          "return { yes = function(v) return v.attr.flag == true end, loads = counter }\n");
	write_file("r1.lua", "local H = require \"helpers\"\n"
	                     "local H2 = require \"./helpers.lua\"\n"
	                     "assert(H == H2)\n"
	                     "rule { id = \"Q-1\", category = \"check\", applies = \"store\", title = \"q\",\n"
	                     "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                     "  when = function(v) return H.yes(v) and (\"loads=\" .. H.loads) end }\n"
	                     "local ok, err = pcall(require, \"missing\")\n"
	                     "assert(not ok and err:find(\"module 'missing' not found\", 1, true), err)\n");
	/* A pack in a sub-folder finds a module beside it. */
	char sub[128];
	snprintf(sub, sizeof sub, "%s/rules", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file("rules/sibling.lua", "return { word = \"beside\" }\n");
	write_file("rules/r2.lua", "local S = require \"sibling\"\n"
	                           "rule { id = \"Q-2\", category = \"check\", applies = \"store\", title = \"q\",\n"
	                           "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                           "  when = function(v) return S.word end }\n");
	result r;
	run_model(&r, "use \"r1\"\nuse \"./rules/r2.lua\"\nstore a { flag true }\nstore b\n");
	assert_string_equal(r.messages, "");
	const tm_finding *f = finding(&r, "Q-1@a");
	assert_non_null(f);
	assert_string_equal(f->detail, "loads=1");
	assert_null(finding(&r, "Q-1@b"));
	f = finding(&r, "Q-2@b");
	assert_non_null(f);
	assert_string_equal(f->detail, "beside");
	result_free(&r);
}

/* A required module's table is shared read-only, with the plain tables in
 * it; the module's own code still writes to what it built. */
static void test_require_readonly(void **state)
{
	(void)state;
	write_file("shared.lua", "local M = { sets = { web = true }, calls = 0 }\n"
	                         "function M.count() M.calls = M.calls + 1 return M.calls end\n"
	                         "function M.is_web(v) return M.sets[v.kind] == true end\n"
	                         "return M\n");
	write_file("attacker.lua", "local M = require \"shared\"\n"
	                           "local says = {}\n"
	                           "local function try(f)\n"
	                           "  local ok, err = pcall(f) says[#says + 1] = (err:gsub(\"^[^:]*:%d+: \", \"\")) end\n"
	                           "try(function() M.is_web = function() return true end end)\n"
	                           "try(function() rawset(M, \"is_web\", 1) end)\n"
	                           "try(function() M.sets.store = true end)\n"
	                           "try(function() getmetatable(M).__index.is_web = 1 end)\n"
	                           "try(function() setmetatable(M, nil) end)\n"
	                           "rule { id = \"A-1\", category = \"check\", applies = \"store\", title = \"a\",\n"
	                           "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                           "  when = function(v) return table.concat(says, \"|\") end }\n");
	write_file("victim.lua", "local M = require \"shared\"\n"
	                         "rule { id = \"V-1\", category = \"check\", applies = \"store\", title = \"v\",\n"
	                         "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                         "  when = function(v) return tostring(M.is_web(v)) .. \" \" .. M.count() end }\n");
	result r;
	run_model(&r, "use \"attacker\"\nuse \"victim\"\nstore a\n");
	assert_string_equal(r.messages, "");
	const tm_finding *f = finding(&r, "A-1@a");
	assert_non_null(f);
	assert_string_equal(f->detail, "attempt to modify a read-only table (field 'is_web')|"
	                               "attempt to modify a read-only table|"
	                               "attempt to modify a read-only table (field 'store')|"
	                               "attempt to index a boolean value|"
	                               "cannot change a protected metatable");
	f = finding(&r, "V-1@a");
	assert_non_null(f);
	assert_string_equal(f->detail, "false 1");
	result_free(&r);
}

/* What the engine keeps for a pack is bounded: a rule or pack{} text past
 * its ceiling is refused with its length, a long message is cut. */
static void test_text_ceilings(void **state)
{
	(void)state;
	write_file("long_name.lua", "pack { name = string.rep(\"n\", 201) }\n");
	write_file("long_rule.lua",
	           "rule { id = string.rep(\"a\", 201), category = \"check\", applies = \"store\", title = \"t\",\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function() end }\n"
	           "rule { id = \"D-1\", category = \"check\", applies = \"store\", title = \"t\",\n"
	           "  description = string.rep(\"d\", 65537),\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function() end }\n"
	           "rule { id = \"D-2\", category = \"check\", applies = \"store\", title = \"t\",\n"
	           "  requires = { tech = string.rep(\"w\", 201) },\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function() end }\n"
	           "rule { id = \"D-3\", category = \"check\", applies = \"store\", title = \"t\",\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	           "  when = function() error(string.rep(\"e\", 3000), 0) end }\n");
	result r;
	run_model(&r, "use \"long_name\"\nuse \"long_rule\"\nstore a\n");
	char expected[4096];
	snprintf(expected, sizeof expected,
	         "error: DIR/long_name.lua:1: pack{}: 'name' is 201 bytes long, more than the 200 allowed\n"
	         "DIR/model.threat:2:5: note: the pack is used here\n"
	         "    2 | use \"long_name\"\n"
	         "      |     ^~~~~~~~~~~\n"
	         "error: DIR/long_rule.lua:1: rule %.200s…: 'id' is 201 bytes long, more than the 200 allowed\n"
	         "error: DIR/long_rule.lua:3: rule D-1: 'description' is 65537 bytes long, more than the 65536 "
	         "allowed\n"
	         "error: DIR/long_rule.lua:6: rule D-2: 'requires' is 201 bytes long, more than the 200 allowed\n"
	         "error: DIR/long_rule.lua:11: rule D-3 on a: %.2000s…\n"
	         "5 errors\n",
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	         "");
	char *e = strstr(expected, "on a: ") + strlen("on a: ");
	memmove(e + 2000, e, strlen(e) + 1);
	memset(e, 'e', 2000);
	assert_messages(&r, expected);
	result_free(&r);
}

/* The C functions the instruction hook cannot stop refuse work past
 * their bounds before they start, and still do what they did below them. */
static void test_c_call_guards(void **state)
{
	(void)state;
	write_file("c.lua",
	           "local seen = {}\n"
	           "local function try(f, ...)\n"
	           "  local ok, err = pcall(f, ...)\n"
	           "  seen[#seen + 1] = ok and tostring(err) or (err:gsub(\"^[^:]*:%d+: \", \"\")) end\n"
	           "try(table.sort, setmetatable({}, { __len = function() return 3 end }))\n"
	           "try(table.sort, setmetatable({}, { __newindex = rawset }))\n"
	           "local long = {} for i = 1, (1 << 20) + 1 do long[i] = i end try(table.sort, long) long = nil\n"
	           "local list = { 3, 1, 2 } table.sort(list) try(table.concat, list, \",\")\n"
	           "try(string.rep, \"ab\", 32 << 20, \"-\")\n"
	           "try(function() return #string.rep(\"ab\", 4, \"-\") end)\n"
	           "try(string.find, string.rep(\"a\", 1000), \"a-b\")\n"
	           "try(string.find, string.rep(\"a\", 100000), \"(a*)%1b\")\n"
	           "try(string.match, string.rep(\"a\", 10000), \"^(a*)%1b\")\n"
	           "try(string.find, string.rep(\"x\", 10) .. \"a.b\", \"a.b\", 1, true)\n"
	           "try(string.find, \"hello world\", \"o w\", -7)\n"
	           "try(string.find, \"hello world\", \"o w\", -6)\n"
	           "try(string.find, \"hello\", \"l\", 10)\n"
	           "try(string.find, \"hello\", \"\", 3)\n"
	           "try(function() return select(2, load(string.rep(\" \", (1 << 20) + 1))) end)\n"
	           "local report = table.concat(seen, \"\\n\")\n"
	           "rule { id = \"C-1\", category = \"check\", applies = \"model\", title = \"guards\",\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function() return report end }\n");
	result r;
	run_model(&r, "use \"c\"\n");
	assert_string_equal(r.messages, "");
	const tm_finding *f = finding(&r, "C-1@model");
	assert_non_null(f);
	assert_string_equal(f->detail,
	                    "table.sort: cannot sort a table with a __len metamethod\n"
	                    "table.sort: cannot sort a table with a __newindex metamethod\n"
	                    "table.sort: more than 1048576 items\n"
	                    "1,2,3\n"
	                    "string.rep: the result would be longer than 64 MB\n"
	                    "11\n"
	                    "nil\n"
	                    "string.find: pattern too costly for a 100000-character subject (up to 1e+15 steps, "
	                    "more than 1e+09): anchor it with '^', use fewer repetitions, sets or back-references, "
	                    "or match a shorter string\n"
	                    "nil\n"
	                    "11\n"
	                    "5\n"
	                    "nil\n"
	                    "nil\n"
	                    "3\n"
	                    "(load): 1048577 bytes of Lua text, more than the 1024 KB a chunk may have");
	result_free(&r);
}

/* The budget a caller sets: seconds above 0, at most a day. */
static void test_parse_budget(void **state)
{
	(void)state;
	assert_true(tm_rules_parse_budget("2.5") == 2.5);
	assert_true(tm_rules_parse_budget("10") == 10.0);
	assert_true(tm_rules_parse_budget(".5") == 0.5);
	assert_true(tm_rules_parse_budget("86400") == 86400.0);
	assert_true(tm_rules_parse_budget("86401") == 0);
	assert_true(tm_rules_parse_budget("0") == 0);
	assert_true(tm_rules_parse_budget("-1") == 0);
	assert_true(tm_rules_parse_budget("2s") == 0);
	assert_true(tm_rules_parse_budget("nan") == 0);
	assert_true(tm_rules_parse_budget("") == 0);
	assert_true(tm_rules_parse_budget(NULL) == 0);
}

/* Phase 2: finding and model rules over the findings; the model view is
 * phase 1's (what a pack kept per model view carries over). */
static void test_phase2(void **state)
{
	(void)state;
	write_file("p2.lua",
	           "local phase1 = setmetatable({}, { __mode = \"k\" })\n"
	           "rule { id = \"P-1\", category = \"tampering\", applies = \"process\", title = \"base\",\n"
	           "  likelihood = { skill = 3 }, impact = { integrity = 3 },\n"
	           "  when = function(v, m) phase1[m] = m.findings == nil and \"seen\" or \"?\" return true end }\n"
	           "rule { id = \"H-1\", category = \"check\", applies = \"finding\", title = \"unmitigated\",\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	           "  when = function(f, model)\n"
	           "    if (f.risk == \"HIGH\" or f.risk == \"CRITICAL\") and f.status == \"open\" then\n"
	           "      return f.id .. \" \" .. f.risk .. \" \" .. f.element .. \" \" .. #f.mitigations end end }\n"
	           "rule { id = \"H-2\", category = \"check\", applies = \"model\", title = \"count\",\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	           "  when = function(m)\n"
	           "    local f = m.finding(\"P-1@b\")\n"
	           "    return #m.findings .. \" \" .. f.status .. \" \" .. f.mitigations[1] .. \" \" .. m.today ..\n"
	           "      \" \" .. m.meta.name .. \" \" .. m.meta.date .. \" \" .. #m.elements(\"process\") .. \" \" ..\n"
	           "      #m.elements() .. \" \" .. m.mitigations[1].mitigates[1] .. \" \" .. m.threats[1].on ..\n"
	           "      \" \" .. tostring(m.finding(\"nope\")) .. \" \" .. tostring(model == m) ..\n"
	           "      \" \" .. tostring(phase1[m]) end }\n");
	result r;
	run_model(&r, "use \"p2\"\nprocess a\nprocess b\n"
	              "threat T-1 \"hand\" { category spoofing  on a\n"
	              "  likelihood { skill 1 }  impact { integrity 1 } }\n"
	              "mitigation M-1 \"fix\" { mitigates [P-1@b]  status planned }\n");
	/* the global `model` is the argument's model view, and deprecated */
	assert_messages(&r, "warning: DIR/p2.lua:17: the global `model` is deprecated: take the model "
	                    "view as the argument, `when = function(v, model)` (likelihood and impact "
	                    "likewise)\n1 warning\n");
	assert_int_equal(r.phase2, TM_OK);
	const tm_finding *f = finding(&r, "H-1@P-1@a");
	assert_non_null(f);
	assert_string_equal(f->detail, "P-1@a CRITICAL a 0");
	assert_string_equal(f->element_key, "P-1@a");
	assert_null(finding(&r, "H-1@P-1@b")); /* planned */
	assert_null(finding(&r, "H-1@T-1"));   /* INFO */
	f = finding(&r, "H-2@model");
	assert_non_null(f);
	assert_string_equal(f->detail, "3 planned M-1 2026-06-01 M 2026-03-24 2 2 P-1@b a nil true seen");
	assert_int_equal(r.findings.count, 5);
	result_free(&r);
}

/* T.list: a list as it is, one value as a list of it, nothing as the
 * empty list. T.copy(): a plain table of threatlib's fields, which a pack
 * may change without changing what another pack's `require` gives. */
static void test_threatlib_list(void **state)
{
	(void)state;
	setenv("THREAT_STDLIB", "stdlib", 1); /* threatlib, from the source tree */
	write_file("lists.lua", "local T = require \"threatlib\"\n"
	                        "rule { id = \"L-1\", category = \"check\", applies = \"process\",\n"
	                        "  title = \"lists\", likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                        "  when = function(v)\n"
	                        "    local x = T.list(v, \"registries\")\n"
	                        "    local out = { tostring(#x), tostring(T.yes(v, \"tls\")) }\n"
	                        "    for _, w in ipairs(x) do out[#out + 1] = tostring(w) end\n"
	                        "    return table.concat(out, \" \") end }\n");
	write_file("mine.lua", "local T = require(\"threatlib\").copy()\n"
	                       "T.yes = function() return \"mine\" end\n"
	                       "rule { id = \"C-1\", category = \"check\", applies = \"process\", title = \"copy\",\n"
	                       "  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function(v)\n"
	                       "    return T.yes(v) .. \" \" .. tostring(T.no(v, \"tls\")) .. \" \" .. tostring(getmetatable(T))\n"
	                       "  end }\n");
	result r;
	run_model(&r, "use \"mine\"\nuse \"lists\"\n"
	              "process a { registries [\"ghcr.io/acme\", harbor]  tls false }\n"
	              "process b { registries \"docker.io\" }\nprocess c\nprocess d { registries [] }\n");
	assert_int_equal(r.load, TM_OK);
	assert_int_equal(r.run, TM_OK);
	assert_string_equal(finding(&r, "L-1@a")->detail, "2 false ghcr.io/acme harbor");
	assert_string_equal(finding(&r, "L-1@b")->detail, "1 false docker.io");
	assert_string_equal(finding(&r, "L-1@c")->detail, "0 false");
	assert_string_equal(finding(&r, "L-1@d")->detail, "0 false");
	assert_string_equal(finding(&r, "C-1@a")->detail, "mine true nil");
	result_free(&r);
}

/* The deprecated forms still work, each reported once per pack and form at
 * the pack's own line, even when threatlib is what reads the global. */
static void test_deprecations(void **state)
{
	(void)state;
	setenv("THREAT_STDLIB", "stdlib", 1); /* threatlib, from the source tree */
	static const char old_pack[] =
	    "local T = require \"threatlib\"\n"
	    "local positional = T.likelihood_factors(2, 3, 1)\n"
	    "local again = T.likelihood_factors(1, 1, 1)\n"
	    "local named = T.likelihood_factors { skill = 2, motive = 3, discoverability = 1 }\n"
	    "rule { id = \"%s-1\", category = \"check\", applies = \"process\", title = \"old\",\n"
	    "  likelihood = positional, impact = { integrity = 1 },\n"
	    "  when = function(v, m) return tostring(T.model(m) == m) .. \" \" ..\n"
	    "    tostring(T.model_has_people()) .. \" \" .. named.skill .. again.skill end }\n";
	char text[1024];
	snprintf(text, sizeof text, old_pack, "OLD");
	write_file("old.lua", text);
	snprintf(text, sizeof text, old_pack, "ELDER");
	write_file("elder.lua", text);
	write_file("new.lua", "local T = require \"threatlib\"\n"
	                      "rule { id = \"NEW-1\", category = \"check\", applies = \"process\", title = \"new\",\n"
	                      "  likelihood = T.likelihood_factors { skill = 2, motive = 3, discoverability = 1 },\n"
	                      "  impact = { integrity = 1 },\n"
	                      "  when = function(v, m) return tostring(T.model_has_people(m)) end }\n"
	                      "deprecated(\"new.lua's own form\", \"the other one\")\n");
	result r;
	run_model(&r, "use \"old\"\nuse \"elder\"\nuse \"new\"\nprocess a\nprocess b\n");
	assert_int_equal(r.load, TM_OK);
	assert_int_equal(r.run, TM_OK);
	const char *positional = ": T.likelihood_factors(skill, motive, discoverability) with positional "
	                         "factors is deprecated: name them, `T.likelihood_factors { skill = 2, "
	                         "motive = 2, discoverability = 1 }`\n";
	const char *model_fn = ": T.model(m) is deprecated: the model view is the argument itself, `when "
	                       "= function(v, model)`\n";
	/* threatlib's line that reads the global for a helper given no model */
	int threatlib_line = 0;
	FILE *threatlib = fopen("stdlib/threatlib.lua", "r");
	assert_non_null(threatlib);
	char line[512];
	for (int n = 1; fgets(line, sizeof line, threatlib); n++)
		if (strcmp(line, "\treturn model\n") == 0)
			threatlib_line = n;
	fclose(threatlib);
	char global[512];
	snprintf(global, sizeof global,
	         ": the global `model` is deprecated: take the model view as the argument, `when = "
	         "function(v, model)` (likelihood and impact likewise) (used in stdlib/threatlib.lua:%d, "
	         "reached from here)\n",
	         threatlib_line);
	tm_buf want = TM_BUF_INIT;
	const char *const packs[] = {"old", "elder"};
	for (int i = 0; i < 2; i++)
		tm_buf_printf(&want, "warning: DIR/%s.lua:2%s", packs[i], positional);
	tm_buf_puts(&want, "warning: DIR/new.lua:6: new.lua's own form is deprecated: the other one\n");
	for (int i = 0; i < 2; i++)
		tm_buf_printf(&want, "warning: DIR/%s.lua:7%swarning: DIR/%s.lua:8%s", packs[i], model_fn,
		              packs[i], global);
	tm_buf_puts(&want, "7 warnings\n");
	assert_messages(&r, tm_buf_str(&want));
	tm_buf_free(&want);
	/* the old forms give what the new ones do */
	const tm_finding *f = finding(&r, "OLD-1@b");
	assert_non_null(f);
	assert_string_equal(f->detail, "true false 21");
	assert_int_equal(f->likelihood_factors[TM_LF_SKILL], 2);
	assert_int_equal(f->likelihood_factors[TM_LF_MOTIVE], 3);
	assert_int_equal(f->likelihood_factors[TM_LF_DISCOVERABILITY], 1);
	assert_string_equal(finding(&r, "NEW-1@a")->detail, "false");
	result_free(&r);
	unsetenv("THREAT_STDLIB");

	/* A flood of forms: the first MAX_DEPRECATIONS, then one line; a deep
	 * recursion is not walked for the pack's line. */
	write_file("flood.lua", "for i = 1, 5000 do deprecated(\"form \" .. i, \"another\") end\n"
	                        "local function deep(n) if n == 0 then return deprecated(\"deep\", \"x\") end\n"
	                        "  deep(n - 1) return n end\n"
	                        "deep(100000)\n");
	run_model(&r, "use \"flood\"\nprocess a\n");
	assert_int_equal(r.load, TM_OK);
	assert_non_null(strstr(r.messages, "flood.lua:1: form 100 is deprecated: another\nwarning: more "
	                                   "deprecated forms are used than shown (at most 100 a run)\n101 "
	                                   "warnings\n"));
	assert_null(strstr(r.messages, "form 101 "));
	result_free(&r);

	/* Two engines share a run in chunks, each noting the forms it meets
	 * per chunk: the warnings are still each form once, in model order,
	 * as one engine gives them, and the cap counts forms, not chunks
	 * (60 forms met in each of a dozen chunks are not "more than shown"). */
	write_file("many.lua", "rule { id = \"M-1\", category = \"check\", applies = \"process\",\n"
	                       "  title = \"many\", likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                       "  when = function(v)\n"
	                       "    for i = 1, 60 do deprecated(\"form \" .. i, \"x\") end\n"
	                       "    return false end }\n");
	tm_buf body = TM_BUF_INIT;
	tm_buf_puts(&body, "use \"many\"\n");
	for (int i = 0; i < 40; i++)
		tm_buf_printf(&body, "process p%d\n", i);
	run_model(&r, tm_buf_str(&body));
	char *one_engine = strdup(r.messages);
	result_free(&r);
	setenv("THREAT_JOBS", "2", 1);
	run_model(&r, tm_buf_str(&body));
	setenv("THREAT_JOBS", "1", 1);
	assert_string_equal(r.messages, one_engine);
	assert_int_equal(tm_rules_engines(r.rules), 2);
	assert_non_null(strstr(r.messages, "many.lua:4: form 60 is deprecated: x\n60 warnings\n"));
	assert_null(strstr(r.messages, "more deprecated forms"));
	free(one_engine);
	result_free(&r);
	tm_buf_free(&body);
}

static void test_load_names(void **state)
{
	(void)state;
	write_file("n.lua", applies_pack);
	tm_diags diags = {0};
	tm_rules *rules = NULL;
	const char *names[] = {"n", "./n.lua", "absent"};
	assert_int_equal(tm_rules_load_names(&rules, names, 3, dir, &diags), TM_ERR_INPUT);
	assert_non_null(rules);
	assert_int_equal(tm_rules_count(rules), 2); /* n.lua loaded once */
	assert_int_equal(diags.errors, 1);
	assert_string_equal(tm_rules_info(rules, 0)->pack, "n");
	tm_rules_free(rules);
	tm_diags_free(&diags);
}

/* requires/unless: `when` runs only for elements whose attribute holds a
 * listed word (case-insensitive, a word or a list), and not when an
 * `unless` attribute holds one; bad tables are reported. */
static void test_requires(void **state)
{
	(void)state;
	write_file("q.lua", "local n = 0\n"
	                    "rule { id = \"Q-1\", category = \"tampering\", applies = \"process\", title = \"Q\",\n"
	                    "  requires = { tech = { \"Hono\", \"express\" } }, unless = { kind = \"gateway\" },\n"
	                    "  when = function(v) n = n + 1 return v.key .. \" call \" .. n end,\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                    "rule { id = \"Q-2\", category = \"tampering\", applies = \"process\", title = \"Q\",\n"
	                    "  requires = { tech = \"flask\", lang = \"python\" }, when = function() return true end,\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                    "rule { id = \"Q-3\", category = \"tampering\", applies = \"process\", title = \"Q\",\n"
	                    "  requires = \"hono\", when = function() return true end,\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                    "rule { id = \"Q-4\", category = \"check\", applies = \"model\", title = \"Q\",\n"
	                    "  unless = { tech = \"x\" }, when = function() return true end,\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                    "rule { id = \"Q-5\", category = \"tampering\", applies = \"process\", title = \"Q\",\n"
	                    "  requires = { tech = {} }, when = function() return true end,\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n");
	result r;
	run_model(&r, "use \"./q.lua\"\n"
	              "process c { tech hono  kind gateway }\n"
	              "process d { tech flask  lang python }\n"
	              "process e { tech 3 }\n"
	              "process f { tech [react, vue] }\n"
	              "process g\n"
	              "process a { tech HONO }\n"
	              "process b { tech [react, \"Express\"] }\n");
	assert_messages(&r, "error: DIR/q.lua:9: rule Q-3: 'requires' must be a table of attribute names and "
	                    "words, not a string\n"
	                    "error: DIR/q.lua:12: rule Q-4: 'requires' and 'unless' are for element and finding "
	                    "rules, not 'model'\n"
	                    "error: DIR/q.lua:15: rule Q-5: 'requires.tech' must be a word or a non-empty list "
	                    "of words\n"
	                    "3 errors\n");
	assert_int_equal(count_rule(&r, "Q-1"), 2);
	assert_string_equal(finding(&r, "Q-1@a")->detail, "a call 1");
	assert_string_equal(finding(&r, "Q-1@b")->detail, "b call 2");
	assert_int_equal(count_rule(&r, "Q-2"), 1);
	assert_non_null(finding(&r, "Q-2@d"));
	/* tm_rules_considers answers the same question without a run: the
	 * filters let a, b and d through (Q-1, Q-2); c is a gateway, e, f
	 * and g state no listed tech. */
	static const struct {
		const char *key;
		bool considered;
	} considered[] = {{"a", true},  {"b", true},  {"c", false}, {"d", true},
	                  {"e", false}, {"f", false}, {"g", false}};
	for (size_t i = 0; i < sizeof considered / sizeof *considered; i++) {
		const tm_element *el = tm_model_get(r.model, considered[i].key);
		assert_non_null(el);
		assert_int_equal(tm_rules_considers(r.rules, el, "STRIDE"), considered[i].considered);
		assert_int_equal(tm_rules_considers(r.rules, el, NULL), considered[i].considered);
		assert_false(tm_rules_considers(r.rules, el, "LINDDUN"));
	}
	result_free(&r);
}

/* Rules with equal filters are tested once per element for a run of them
 * (filter_group): a rule in between with other filters, and the same
 * words in another order, still get their own answers. */
static void test_requires_groups(void **state)
{
	(void)state;
	write_file("g.lua", "local function r(id, requires, unless)\n"
	                    "  rule { id = id, category = \"tampering\", applies = \"process\", title = id,\n"
	                    "    requires = requires, unless = unless, when = function() return true end,\n"
	                    "    likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                    "end\n"
	                    "r(\"G-1\", { tech = { \"a\", \"b\" } })\n"
	                    "r(\"G-2\", { tech = { \"a\", \"b\" } })\n"
	                    "r(\"G-3\", { tech = \"b\" })\n"
	                    "r(\"G-4\", { tech = { \"a\", \"b\" } })\n"
	                    "r(\"G-5\", { tech = { \"b\", \"a\" } })\n"
	                    "r(\"G-6\", { tech = { \"a\", \"b\" } }, { kind = \"x\" })\n");
	result r;
	run_model(&r, "use \"./g.lua\"\n"
	              "process p { tech a }\n"
	              "process q { tech b  kind x }\n"
	              "process s { tech c }\n");
	assert_string_equal(r.messages, "");
	static const char *const found[] = {"G-1@p", "G-2@p", "G-4@p", "G-5@p", "G-6@p", "G-1@q",
	                                    "G-2@q", "G-3@q", "G-4@q", "G-5@q"};
	static const char *const not_found[] = {"G-3@p", "G-6@q", "G-1@s", "G-5@s"};
	for (size_t i = 0; i < sizeof found / sizeof *found; i++)
		if (!finding(&r, found[i]))
			fail_msg("%s is missing", found[i]);
	for (size_t i = 0; i < sizeof not_found / sizeof *not_found; i++)
		assert_null(finding(&r, not_found[i]));
	assert_int_equal(r.findings.count, 10);
	result_free(&r);
}

/* The flow facts the engine computes: `response` (a one-way flow that
 * answers a call its target made: over a <-> flow, or a flow written
 * before it in the same file) and `in_process` (between two parts of one
 * top-level process, with no protocol); and on nodes the inflows they
 * select: `requests`, `calls`, `untrusted_inflows`. threatlib's Lua versions of both
 * gave the same answers on this model. `web -> web.ssr` answers the call
 * `web.ssr -> web` written before it, protocol or not. */
static void test_flow_facts(void **state)
{
	(void)state;
	write_file("f.lua", "rule { id = \"F-1\", category = \"check\", applies = \"flow\", title = \"F\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(f) return tostring(f.response) .. \"/\" .. tostring(f.in_process) end }\n"
	                    "local function keys(list)\n"
	                    "  local out = {}\n"
	                    "  for i, f in ipairs(list) do out[i] = f.key end\n"
	                    "  return table.concat(out, \",\")\n"
	                    "end\n"
	                    "rule { id = \"F-2\", category = \"check\", applies = { \"process\", \"external\" }, title = \"F\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(p) return tostring(p.response) .. \"/\" .. tostring(p.in_process) .. \" r=\"\n"
	                    "    .. keys(p.requests) .. \" c=\" .. keys(p.calls) .. \" u=\" .. keys(p.untrusted_inflows) end }\n");
	result r;
	run_model(&r, "use \"./f.lua\"\n"
	              "external browser\n"
	              "process web { process ssr }\n"
	              "process api\n"
	              "store db\n"
	              "flow browser -> web\n"
	              "flow web -> browser\n"
	              "flow web.ssr -> api\n"
	              "flow api -> web.ssr\n"
	              "flow web.ssr -> web\n"
	              "flow web -> web.ssr { protocol grpc }\n"
	              "flow api -> db\n"
	              "flow db -> api\n"
	              "flow api <-> browser\n");
	const expected_detail want[] = {
	    {"F-1@browser->web", "false/false"}, {"F-1@web->browser", "true/false"},
	    {"F-1@web.ssr->api", "false/false"}, {"F-1@api->web.ssr", "true/false"},
	    {"F-1@web.ssr->web", "false/true"},  {"F-1@web->web.ssr", "true/false"},
	    {"F-1@api->db", "false/false"},      {"F-1@db->api", "true/false"},
	    {"F-1@api->browser", "false/false"},
	    {"F-2@web", "nil/nil r=browser->web c=browser->web u=browser->web"},
	    {"F-2@web.ssr", "nil/nil r= c= u="},
	    {"F-2@api", "nil/nil r= c=web.ssr->api u="},
	    {"F-2@browser", "nil/nil r= c=api->browser u="},
	};
	assert_details(&r, want, sizeof want / sizeof *want);
	result_free(&r);
}

/* model.words: the lower-case words an attribute holds (a word, a string,
 * a list of them, a date or a reference as views show it; not numbers,
 * booleans or blocks) on the elements of the given kinds. */
static void test_model_words(void **state)
{
	(void)state;
	write_file("w.lua", "local function sorted(set)\n"
	                    "  local out = {}\n"
	                    "  for w in pairs(set) do out[#out + 1] = w end\n"
	                    "  table.sort(out)\n"
	                    "  return table.concat(out, \",\")\n"
	                    "end\n"
	                    "rule { id = \"W-1\", category = \"check\", applies = \"model\", title = \"W\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(m)\n"
	                    "    return sorted(m:words(\"tech\", \"process\")) .. \" \" .. sorted(m.words(\"tech\"))\n"
	                    "      .. \" \" .. sorted(m.words(\"tech\", { \"store\", \"flow\" }))\n"
	                    "  end }\n"
	                    "rule { id = \"W-2\", category = \"check\", applies = \"model\", title = \"W\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(m) return m.words(\"tech\", \"planet\") end }\n"
	                    /* several names in one pass: the same sets as one call each */
	                    "rule { id = \"W-3\", category = \"check\", applies = \"model\", title = \"W\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(m)\n"
	                    "    local w = m:words { tech = \"process\", note = { \"store\", \"flow\" }, tls = \"flow\" }\n"
	                    "    return sorted(w.tech) .. \" \" .. sorted(w.note) .. \" \" .. sorted(w.tls)\n"
	                    "  end }\n"
	                    "rule { id = \"W-4\", category = \"check\", applies = \"model\", title = \"W\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(m) return m.words { [1] = \"flow\" } end }\n");
	result r;
	run_model(&r, "use \"./w.lua\"\n"
	              "process a { tech Hono }\n"
	              "process b { tech [\"Next\", react, 3] }\n"
	              "process e { tech express }\n"
	              "process c { tech 2026-01-02 }\n"
	              "process d { tech { x 1 } }\n"
	              "store s { tech POSTGRES  note \"Primary DB\" }\n"
	              "flow a -> b { tech TLS  note [x, Y]  tls true }\n");
	assert_non_null(strstr(r.messages, "w.lua:15: rule W-2 on model: model.words: unknown element kind 'planet'"));
	assert_non_null(strstr(r.messages, "rule W-4 on model: model.words: the names are strings, not number"));
	const tm_finding *f = finding(&r, "W-1@model");
	assert_non_null(f);
	assert_string_equal(f->detail, "2026-01-02,express,hono,next,react 2026-01-02,express,hono,next,postgres,react,tls "
	                               "postgres,tls");
	f = finding(&r, "W-3@model");
	assert_non_null(f);
	/* a boolean holds no word: `tls`'s set is empty */
	assert_string_equal(f->detail, "2026-01-02,express,hono,next,react primary db,x,y ");
	result_free(&r);
}

/* model.states: whether some element of the given kinds states an
 * attribute, whatever its value (a boolean false included). */
static void test_model_states(void **state)
{
	(void)state;
	write_file("st.lua", "rule { id = \"S-1\", category = \"check\", applies = \"model\", title = \"S\",\n"
	                     "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                     "  when = function(m)\n"
	                     "    return tostring(m.states(\"upload\")) .. \" \" .. tostring(m:states(\"upload\", \"store\"))\n"
	                     "      .. \" \" .. tostring(m.states(\"upload\", { \"flow\", \"store\" }))\n"
	                     "      .. \" \" .. tostring(m.states(\"rate_limit\"))\n"
	                     "  end }\n"
	                     "rule { id = \"S-2\", category = \"check\", applies = \"model\", title = \"S\",\n"
	                     "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                     "  when = function(m) return m.states(\"upload\", \"planet\") end }\n");
	result r;
	run_model(&r, "use \"./st.lua\"\n"
	              "process a { upload false }\n"
	              "store s\n"
	              "flow a -> s { upload true }\n");
	assert_non_null(strstr(r.messages, "st.lua:10: rule S-2 on model: model.states: unknown element kind 'planet'"));
	const tm_finding *f = finding(&r, "S-1@model");
	assert_non_null(f);
	assert_string_equal(f->detail, "true false true false");
	result_free(&r);
}

/* A rule is placed where its table is written: through a helper that
 * passes on the table it was given, at the helper's caller; a table
 * built inside a generator, at its `rule {` line. */
static void test_rule_place(void **state)
{
	(void)state;
	write_file("h.lua", "local function acme(spec)\n"
	                    "  spec.category = \"check\"\n"
	                    "  rule(spec)\n"
	                    "end\n"
	                    "local function gen(id)\n"
	                    "  rule { id = id, category = \"check\", applies = \"process\", title = id,\n"
	                    "    when = function() return false end, likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                    "end\n"
	                    "acme {\n"
	                    "  id = \"H-1\", applies = \"process\", title = \"H\",\n"
	                    "  when = function() return false end, likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                    "for _, id in ipairs { \"G-1\" } do gen(id) end\n"
	                    "acme { id = \"H-2\", applies = \"process\", title = \"H\", when = 1 }\n");
	result r;
	run_model(&r, "use \"./h.lua\"\n");
	assert_messages(&r, "error: DIR/h.lua:13: rule H-2: 'when' must be a function, not a number\n"
	                    "1 error\n");
	assert_int_equal(tm_rules_find(r.rules, "H-1")->line, 9);
	assert_int_equal(tm_rules_find(r.rules, "G-1")->line, 6);
	result_free(&r);
}

/* Two rules that fire on every process: P-1's findings are CRITICAL,
 * P-2's LOW (7 lines, for the line numbers of what follows them). */
#define RANKED_RULES                                                                                         \
	"rule { id = \"P-1\", category = \"tampering\", applies = \"process\", title = \"P\",\n"                 \
	"  when = function() return true end,\n"                                                              \
	"  likelihood = { skill = 3, motive = 3, opportunity = 3, population = 3 },\n"                        \
	"  impact = { integrity = 3 } }\n"                                                                    \
	"rule { id = \"P-2\", category = \"tampering\", applies = \"process\", title = \"P\",\n"                 \
	"  when = function() return true end,\n"                                                              \
	"  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"

/* A finding rule's requires/unless filter on the finding's fields, in C:
 * `when` sees only the findings that pass; other names are refused. */
static void test_finding_requires(void **state)
{
	(void)state;
	write_file("p.lua", RANKED_RULES
	                    "local seen = 0\n"
	                    "rule { id = \"F-1\", category = \"check\", applies = \"finding\", title = \"F\",\n"
	                    "  requires = { risk = { \"critical\", \"high\" } }, unless = { rule = \"p-2\" },\n"
	                    "  when = function(f) seen = seen + 1 return f.id .. \" \" .. seen end,\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n"
	                    "rule { id = \"F-2\", category = \"check\", applies = \"finding\", title = \"F\",\n"
	                    "  requires = { tech = \"x\" }, when = function() return true end,\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n");
	result r;
	run_model(&r, "use \"./p.lua\"\n"
	              "process a\n"
	              "process b\n");
	assert_messages(&r, "error: DIR/p.lua:13: rule F-2: a finding rule's 'requires' and 'unless' name "
	                    "finding fields (status, risk, rule, framework, category, pack), not 'tech'\n"
	                    "1 error\n");
	assert_int_equal(count_rule(&r, "F-1"), 2);
	assert_string_equal(finding(&r, "F-1@P-1@a")->detail, "P-1@a 1");
	assert_string_equal(finding(&r, "F-1@P-1@b")->detail, "P-1@b 2");
	result_free(&r);
}

/* model.findings_where: phase 2's findings filtered in C like a finding
 * rule's requires/unless, method call too; a bad field is an error. */
static void test_findings_where(void **state)
{
	(void)state;
	write_file("w.lua", RANKED_RULES
	                    "rule { id = \"W-1\", category = \"check\", applies = \"model\", title = \"W\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(m)\n"
	                    "    local ids = {}\n"
	                    "    for _, f in ipairs(m:findings_where({ risk = { \"HIGH\", \"critical\" } }, { element = nil })) do\n"
	                    "      ids[#ids + 1] = f.id end\n"
	                    "    local low = model.findings_where { rule = \"p-2\", status = \"open\" }\n"
	                    "    local none = model.findings_where({}, { pack = \"w\" })\n"
	                    "    return table.concat(ids, \",\") .. \" \" .. #low .. \" \" .. #none\n"
	                    "  end }\n"
	                    "rule { id = \"W-2\", category = \"check\", applies = \"model\", title = \"W\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(m) return m.findings_where { tech = \"x\" } end }\n");
	result r;
	run_model(&r, "use \"./w.lua\"\n"
	              "process a\n"
	              "process b\n");
	assert_non_null(strstr(r.messages, "w.lua:20: rule W-2 on model: model.findings_where: 'tech' is no finding "
	                                   "field (status, risk, rule, framework, category, pack)"));
	if (!finding(&r, "W-1@model"))
		fail_msg("%s", r.messages);
	const tm_finding *f = finding(&r, "W-1@model");
	assert_non_null(f);
	assert_string_equal(f->detail, "P-1@a,P-1@b 2 0");
	result_free(&r);
}

/* model.findings and findings_where are read-only lists of finding views,
 * made as they are indexed: #, [i], ipairs and pairs work; other keys are
 * nil; assignment and table.sort are refused. */
static void test_finding_lists(void **state)
{
	(void)state;
	write_file("l.lua", RANKED_RULES
	                    "rule { id = \"L-1\", category = \"check\", applies = \"model\", title = \"L\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(m)\n"
	                    "    local all, high = m.findings, m.findings_where { risk = \"critical\" }\n"
	                    "    local ids, walked = {}, {}\n"
	                    "    for i, f in ipairs(all) do ids[#ids + 1] = i .. \"=\" .. f.id end\n"
	                    "    for i, f in pairs(high) do walked[#walked + 1] = i .. \"=\" .. f.id end\n"
	                    "    local set = pcall(function() all[1] = 1 end)\n"
	                    "    local sorted = pcall(table.sort, all, function(a, b) return a.id > b.id end)\n"
	                    "    return #all .. \" \" .. table.concat(ids, \",\") .. \" | \" .. table.concat(walked, \",\")\n"
	                    "      .. \" | \" .. tostring(all[0]) .. \" \" .. tostring(all[#all + 1]) .. \" \" .. tostring(all.id)\n"
	                    "      .. \" \" .. tostring(all[\"1\"]) .. \" \" .. all[2.0].id\n"
	                    "      .. \" \" .. type(all) .. \" \" .. tostring(set) .. \" \" .. tostring(sorted)\n"
	                    "      .. \" \" .. tostring(m.findings == all)\n"
	                    "  end }\n");
	const char *model = "use \"./l.lua\"\nprocess a\nprocess b\n";
	result r;
	run_model(&r, model);
	assert_string_equal(r.messages, "");
	const tm_finding *f = finding(&r, "L-1@model");
	assert_non_null(f);
	assert_string_equal(f->detail, "4 1=P-1@a,2=P-2@a,3=P-1@b,4=P-2@b | 1=P-1@a,2=P-1@b | nil nil nil nil P-2@a "
	                               "userdata false false true");
	result_free(&r);
}

/* The sandbox's setmetatable keeps Lua's results and messages, and
 * refuses __gc: a finalizer runs with hooks off, beyond every budget. */
static void test_setmetatable(void **state)
{
	(void)state;
	write_file("m.lua", "rule { id = \"M-1\", category = \"check\", applies = \"process\", title = \"M\",\n"
	                    "  when = function(v)\n"
	                    "    local t = {}\n"
	                    "    local same = setmetatable(t, { __index = { x = 7 } }) == t\n"
	                    "    local _, bad = pcall(setmetatable, 1, {})\n"
	                    "    local _, bad2 = pcall(setmetatable, {}, 2)\n"
	                    "    local _, locked = pcall(setmetatable, v.attr, {})\n"
	                    "    local _, gc = pcall(setmetatable, {}, { __gc = function() while true do end end })\n"
	                    "    return tostring(same) .. \" \" .. t.x .. \" | \" .. bad .. \" | \" .. bad2 .. \" | \" .. locked\n"
	                    "      .. \" | \" .. gc\n"
	                    "  end,\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n");
	result r;
	run_model(&r, "use \"./m.lua\"\nprocess a\n");
	assert_string_equal(r.messages, "");
	assert_string_equal(finding(&r, "M-1@a")->detail,
	                    "true 7 | bad argument #1 to 'setmetatable' (table expected, got number) | "
	                    "bad argument #2 to 'setmetatable' (nil or table expected, got number) | "
	                    "cannot change a protected metatable | rule packs cannot set __gc "
	                    "(finalizers run outside the budgets)");
	result_free(&r);
}

/* A detail is cut at 1000 bytes, on a character boundary, with an ellipsis. */
/* A factor that names a scale is computed in C from the finding's element
 * with the numbers threatlib's T.opportunity, T.confidentiality and
 * T.compliance give: S-1 (static scales) and S-2 (threatlib in Lua) agree
 * on every element, with and without GDPR; S-3's function returns
 * scales too. */
static const char *const scales_pack =
    "local T = require \"threatlib\"\n"
    "local every = { \"external\", \"process\", \"store\", \"flow\" }\n"
    "rule { id = \"S-1\", category = \"check\", applies = every, title = \"S\",\n"
    "  when = function() return true end,\n"
    "  likelihood = { opportunity = \"exposure\", population = { \"exposure\", 2 }, skill = 1 },\n"
    "  impact = { confidentiality = \"data\", compliance = \"personal_data\",\n"
    "    integrity = { \"data\", 2 }, availability = { 1, \"exposure\", \"data\" } } }\n"
    "rule { id = \"S-2\", category = \"check\", applies = every, title = \"S\",\n"
    "  when = function() return true end,\n"
    "  likelihood = function(v) return { opportunity = T.opportunity(v),\n"
    "    population = math.max(T.population(v), 2), skill = 1 } end,\n"
    "  impact = function(v, m) return { confidentiality = T.confidentiality(v),\n"
    "    compliance = T.compliance(v, m), integrity = math.max(T.integrity(v), 2),\n"
    "    availability = math.max(T.opportunity(v), T.confidentiality(v)) } end }\n"
    "rule { id = \"S-3\", category = \"check\", applies = every, title = \"S\",\n"
    "  when = function() return true end,\n"
    "  likelihood = function() return T.likelihood_factors { skill = 1, motive = 1, discoverability = 1 } end,\n"
    "  impact = function() return T.impact_factors { integrity = 2, availability = 1 } end }\n";

static const char *const scales_model =
    "use \"./scales.lua\"\n"
    "asset A-01 \"e-mail addresses\" { sensitivity high  pii true }\n"
    "asset A-02 \"prices\" { sensitivity medium }\n"
    "external user { zone internet }\n"
    "external partner { zone partner }\n"
    "process web\n"
    "process worker\n"
    "store db { stores [A-01] }\n"
    "store cache { stores [A-02] }\n"
    "store empty\n"
    "flow user -> web\n"
    "flow partner -> web\n"
    "flow web -> db\n"
    "flow db -> worker\n"
    "flow worker -> db { data [] }\n"
    "flow worker -> cache\n"
    "flow worker -> empty { data [A-02] }\n"
    "flow web <-> user { data [A-02] }\n";

typedef struct expected_factor {
	const char *finding;
	bool impact; /* else likelihood */
	int factor;  /* TM_LF_* or TM_IF_* */
	int value;
} expected_factor;

static void assert_same_factors(const result *r, const char *a, const char *b)
{
	for (size_t i = 0; i < r->findings.count; i++) {
		const tm_finding *f = &r->findings.items[i];
		if (strcmp(f->about->rule, a) != 0)
			continue;
		char id[256];
		snprintf(id, sizeof id, "%s@%s", b, f->element_key);
		const tm_finding *g = finding(r, id);
		assert_non_null(g);
		if (memcmp(f->likelihood_factors, g->likelihood_factors, TM_LF_COUNT) != 0 ||
		    memcmp(f->impact_factors, g->impact_factors, TM_IF_COUNT) != 0)
			fail_msg("%s and %s differ", f->id, id);
	}
}

static void test_factor_scales(void **state)
{
	(void)state;
	write_file("scales.lua", scales_pack);
	setenv("THREAT_STDLIB", "stdlib", 1); /* threatlib, from the source tree */
	for (int gdpr = 0; gdpr < 2; gdpr++) {
		result r;
		run_model_headed(&r,
		                 gdpr ? "model \"M\" { date 2026-03-24  regulatory [\"Gdpr\", PCI] }\n"
		                      : header,
		                 scales_model);
		assert_string_equal(r.messages, "");
		assert_int_equal(r.run, TM_OK);
		assert_int_equal(count_rule(&r, "S-1"), 15); /* 7 nodes, 8 flows */
		assert_same_factors(&r, "S-1", "S-2");
		const expected_factor want[] = {
		    {"S-1@user->web", false, TM_LF_OPPORTUNITY, 3},
		    {"S-1@user->web", false, TM_LF_SKILL, 1},
		    {"S-1@user->web", true, TM_IF_CONFIDENTIALITY, 1},
		    {"S-1@user->web", true, TM_IF_COMPLIANCE, 1},
		    /* a flow that states no data counts the store at its end */
		    {"S-1@web->db", true, TM_IF_CONFIDENTIALITY, 3},
		    {"S-1@web->db", true, TM_IF_COMPLIANCE, gdpr ? 3 : 2},
		    /* `data []` says it carries nothing */
		    {"S-1@worker->db", true, TM_IF_CONFIDENTIALITY, 1},
		    {"S-1@worker->db", true, TM_IF_COMPLIANCE, 1},
		    {"S-1@worker->db", true, TM_IF_INTEGRITY, 2},
		    {"S-1@partner", false, TM_LF_OPPORTUNITY, 2},
		    {"S-1@partner", false, TM_LF_POPULATION, 2},
		    /* the helpers' tables, returned by a function */
		    {"S-3@web->db", true, TM_IF_CONFIDENTIALITY, 3},
		    {"S-3@web->db", true, TM_IF_INTEGRITY, 2},
		    {"S-3@web->db", true, TM_IF_AVAILABILITY, 1},
		    {"S-3@web->db", false, TM_LF_OPPORTUNITY, 3},
		};
		for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
			const tm_finding *f = finding(&r, want[i].finding);
			assert_non_null(f);
			int have = want[i].impact ? f->impact_factors[want[i].factor]
			                          : f->likelihood_factors[want[i].factor];
			if (have != want[i].value)
				fail_msg("%s: factor %d is %d, not %d", want[i].finding, want[i].factor, have,
				         want[i].value);
		}
		result_free(&r);
	}
	setenv("THREAT_STDLIB", "/nonexistent", 1);
}

/* A scale's name that is not one, or a list that is empty or nested: an
 * error at registration, or from the function that returned it. */
static void test_factor_scale_errors(void **state)
{
	(void)state;
	write_file("badscale.lua",
	           "local f = function() return true end\n"
	           "rule { id = \"B-1\", category = \"check\", applies = \"flow\", title = \"T\", when = f,\n"
	           "  likelihood = { opportunity = \"exposur\" }, impact = { integrity = 1 } }\n"
	           "rule { id = \"B-2\", category = \"check\", applies = \"flow\", title = \"T\", when = f,\n"
	           "  likelihood = { skill = {} }, impact = { integrity = 1 } }\n"
	           "rule { id = \"B-3\", category = \"check\", applies = \"flow\", title = \"T\", when = f,\n"
	           "  likelihood = { skill = { 1, { 2 } } }, impact = { integrity = 1 } }\n"
	           "rule { id = \"B-4\", category = \"check\", applies = \"flow\", title = \"T\", when = f,\n"
	           "  likelihood = { skill = 1e300 }, impact = { integrity = 1 } }\n"
	           "rule { id = \"OK-1\", category = \"check\", applies = \"flow\", title = \"T\", when = f,\n"
	           "  likelihood = { skill = 1 }, impact = function() return { integrity = \"dta\" } end }\n");
	result r;
	run_model(&r, "use \"./badscale.lua\"\nexternal a\nprocess b\nflow a -> b\n");
	assert_int_equal(r.load, TM_ERR_INPUT);
	assert_messages(
	    &r,
	    "error: DIR/badscale.lua:2: rule B-1: likelihood: factor 'opportunity': 'exposur' is not a scale "
	    "(exposure, data, personal_data) (did you mean 'exposure'?)\n"
	    "error: DIR/badscale.lua:4: rule B-2: likelihood: factor 'skill': a list of values must hold 1 to "
	    "8 of them\n"
	    "error: DIR/badscale.lua:6: rule B-3: likelihood: factor 'skill' must be an integer from 1 to 3 or "
	    "a scale, not a table\n"
	    "error: DIR/badscale.lua:8: rule B-4: likelihood: factor 'skill' must be an integer from 1 to 3, "
	    "not 1e+300\n"
	    "error: DIR/badscale.lua:11: rule OK-1 on a->b: impact: factor 'integrity': 'dta' is not a scale "
	    "(exposure, data, personal_data) (did you mean 'data'?)\n"
	    "5 errors\n");
	result_free(&r);
}

/* With the profile on, each rule counts the subjects `when` was called
 * for and the findings it raised, phase 2 included; off, nothing. */
static void test_profile(void **state)
{
	(void)state;
	write_file("p.lua", "rule { id = \"P-1\", category = \"check\", applies = \"flow\", title = \"P\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function(f) return f.source.key == \"a\" end }\n"
	                    "rule { id = \"P-2\", category = \"check\", applies = \"finding\", title = \"P\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  requires = { rule = \"P-1\" }, when = function() return true end }\n"
	                    "rule { id = \"P-3\", category = \"check\", applies = \"store\", title = \"P\",\n"
	                    "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	                    "  when = function() return true end }\n");
	const char *body = "use \"./p.lua\"\nexternal a\nexternal b\nprocess c\nflow a -> c\nflow b -> c\nflow c -> a\n";
	for (int on = 0; on < 2; on++) {
		profiling = on;
		result r;
		run_model(&r, body);
		profiling = false;
		assert_string_equal(r.messages, "");
		const tm_rule_info *p1 = tm_rules_find(r.rules, "P-1");
		const tm_rule_info *p2 = tm_rules_find(r.rules, "P-2");
		const tm_rule_info *p3 = tm_rules_find(r.rules, "P-3");
		assert_non_null(p1);
		assert_non_null(p2);
		assert_non_null(p3);
		assert_int_equal(count_rule(&r, "P-1"), 1);
		assert_int_equal(p1->calls, on ? 3 : 0);
		assert_int_equal(p1->raised, on ? 1 : 0);
		assert_int_equal(p2->calls, on ? 1 : 0); /* only the P-1 finding passes `requires` */
		assert_int_equal(p2->raised, on ? 1 : 0);
		assert_int_equal(p3->calls, 0); /* no store */
		assert_true(p1->seconds >= 0.0 && (on || p1->seconds == 0.0));
		result_free(&r);
	}
}

static void test_long_detail(void **state)
{
	(void)state;
	write_file("long.lua", "pack { name = 'long' }\n"
	                       "rule { id = 'L-1', framework = 'STRIDE', category = 'tampering',\n"
	                       "  applies = 'process', title = 'T',\n"
	                       "  when = function() return string.rep('\\u{e9}', 5000) end,\n"
	                       "  likelihood = { skill = 1 }, impact = { integrity = 1 } }\n");
	result r;
	run_model(&r, "use \"long\"\nprocess web\n");
	assert_string_equal(r.messages, "");
	const tm_finding *f = finding(&r, "L-1@web");
	assert_non_null(f);
	assert_int_equal(strlen(f->detail), 1000 + strlen("\u2026"));
	assert_string_equal(f->detail + 1000, "\u2026");
	assert_memory_equal(f->detail, "\xc3\xa9\xc3\xa9", 4);
	result_free(&r);
}

/* A rule's `advice` is added to the mitigation only on findings whose
 * element (a flow: either end; a part: its program) states that `tech`. */
static void test_advice(void **state)
{
	(void)state;
	write_file("advice.lua",
	           "rule { id = 'A-1', category = 'tampering', applies = { 'flow', 'process', 'store' },\n"
	           "  title = 'T', when = function() return true end,\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 },\n"
	           "  mitigation = 'Encrypt the channel.',\n"
	           "  advice = { PostgreSQL = 'PG: verify-full.', mysql = 'MySQL: VERIFY_IDENTITY.',\n"
	           "             hono = 'Hono: bodyLimit.' } }\n");
	result r;
	run_model(&r, "use \"./advice.lua\"\n"
	              "process api { tech hono  process dal }\n"
	              "process worker\n"
	              "store pg { tech postgresql }\n"
	              "store my { tech [mysql, innodb] }\n"
	              "flow a: api.dal -> pg\n"
	              "flow b: worker -> my\n"
	              "flow c: api -> my\n"
	              "flow d: worker -> pg\n");
	assert_string_equal(r.messages, "");
	struct {
		const char *id, *advice;
	} want[] = {
	    {"A-1@api", "Encrypt the channel. Hono: bodyLimit."},
	    {"A-1@api.dal", "Encrypt the channel. Hono: bodyLimit."},
	    {"A-1@worker", "Encrypt the channel."},
	    {"A-1@pg", "Encrypt the channel. PG: verify-full."},
	    {"A-1@my", "Encrypt the channel. MySQL: VERIFY_IDENTITY."},
	    {"A-1@a", "Encrypt the channel. Hono: bodyLimit. PG: verify-full."},
	    {"A-1@b", "Encrypt the channel. MySQL: VERIFY_IDENTITY."},
	    {"A-1@c", "Encrypt the channel. Hono: bodyLimit. MySQL: VERIFY_IDENTITY."},
	    {"A-1@d", "Encrypt the channel. PG: verify-full."},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const tm_finding *f = finding(&r, want[i].id);
		assert_non_null(f);
		assert_string_equal(f->about->advice, want[i].advice);
	}
	/* findings with the same matches share one set of texts */
	assert_ptr_equal(finding(&r, "A-1@pg")->about, finding(&r, "A-1@d")->about);
	assert_ptr_equal(finding(&r, "A-1@api")->about, finding(&r, "A-1@api.dal")->about);
	assert_ptr_not_equal(finding(&r, "A-1@a")->about, finding(&r, "A-1@d")->about);
	/* the rule's own texts stay neutral, with the advice beside them */
	const tm_rule_info *info = tm_rules_info(r.rules, 0);
	assert_string_equal(info->mitigation, "Encrypt the channel.");
	assert_int_equal(info->nadvice, 3);
	assert_string_equal(info->advice_techs[0], "hono");
	assert_string_equal(info->advice_techs[1], "mysql");
	assert_string_equal(info->advice_techs[2], "postgresql");
	assert_string_equal(info->advice_texts[2], "PG: verify-full.");
	result_free(&r);

	write_file("bad_advice.lua",
	           "local function f() end\n"
	           "rule { id = 'B-1', category = 'tampering', applies = 'flow', title = 'T', when = f,\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 }, advice = 'PG' }\n"
	           "rule { id = 'B-2', category = 'tampering', applies = 'flow', title = 'T', when = f,\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 }, advice = { 'PG' } }\n"
	           "rule { id = 'B-3', category = 'tampering', applies = 'flow', title = 'T', when = f,\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 }, advice = { pg = 1 } }\n"
	           "rule { id = 'B-4', category = 'tampering', applies = 'flow', title = 'T', when = f,\n"
	           "  likelihood = { skill = 1 }, impact = { integrity = 1 }, advice = { pg = 'a', PG = 'b' } }\n");
	run_model(&r, "use \"./bad_advice.lua\"\n");
	assert_int_equal(r.load, TM_ERR_INPUT);
	assert_messages(&r, "error: DIR/bad_advice.lua:2: rule B-1: 'advice' must be a table of technology = text, "
	                    "not a string\n"
	                    "error: DIR/bad_advice.lua:4: rule B-2: 'advice' keys must be technology words, as `tech` "
	                    "states them\n"
	                    "error: DIR/bad_advice.lua:6: rule B-3: 'advice.pg' must be a text of 1 to 1000 bytes\n"
	                    "error: DIR/bad_advice.lua:8: rule B-4: 'advice' names 'pg' twice (keys are compared "
	                    "without case)\n"
	                    "4 errors\n");
	assert_int_equal(tm_rules_count(r.rules), 0);
	result_free(&r);
}

int main(void)
{
	/* The default-pack test sets its own; the others name their packs. */
	setenv("THREAT_STDLIB", "/nonexistent", 1);
	unsetenv("THREAT_PATH");
	/* One engine, whatever the environment: these cases count what one
	 * engine's run shares (texts, budgets); tests/tools/engines.sh
	 * compares one engine with several. */
	setenv("THREAT_JOBS", "1", 1);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_registration, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_advice, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_applies_when_factors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_packs_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_views, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_model_mentions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shared_attr_tables, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finding_requires, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_findings_where, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_finding_lists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rule_place, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flow_facts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_model_words, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_model_states, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readonly_views, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rule_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_only_if, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ipairs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lazy_lists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_budgets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sandbox, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_require, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_require_readonly, setup, teardown),
	    cmocka_unit_test(test_parse_budget),
	    cmocka_unit_test_setup_teardown(test_c_call_guards, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_text_ceilings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_phase2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_requires, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_requires_groups, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_setmetatable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_factor_scales, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_factor_scale_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_profile, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_detail, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_threatlib_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deprecations, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
