/* threat: the command-line client. It parses arguments and calls the
 * library's stages; it computes nothing itself. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/date.h"
#include "base/diag.h"
#include "base/xalloc.h"
#include "cli/cli.h"
#include "lang/fmt.h"
#include "diff/diff.h"
#include "render/diff_out.h"
#include "render/render.h"
#include "render/report.h"
#include "render/rules_text.h"
#include "review/selfcheck.h"
#include "render/term.h"
#include "risk/risk.h"
#include "rules/rules.h"
#include "session/session.h"
#include "threat/status.h"

/* How many of the slowest rules `check --timings` lists. */
#define SLOWEST_RULES 10

static const char usage_text[] =
    "usage: threat COMMAND [ARGS]\n"
    "\n"
    "  check  FILE...  [--fail-on LEVEL] [--format text|json|sarif] [--today D]\n"
    "                  [--budget SECONDS] [--self-check]\n"
    "                                   check a model and list its findings;\n"
    "                                   --self-check answers the review checklist\n"
    "  report FILE     [--format md|json|html] [-o OUT] [--today D]\n"
    "                                   the threat-model document\n"
    "  dfd    FILE     [--format dot|mermaid|svg] [--level 0|1]\n"
    "                                   the data-flow diagram, coloured by risk\n"
    "  new    [--template ge-webapp] [-o FILE]\n"
    "                                   a starting model from the team template\n"
    "  fmt    FILE...  [--check]        rewrite files in the canonical layout\n"
    "  diff   OLD NEW  [--fail-on LEVEL] [--format text|json] [--today D]\n"
    "                                   what a change does to the elements and risks\n"
    "  query  FILE QUERY [--format text|json] [--today D]\n"
    "                                   ask the model a question (doc/query.md)\n"
    "  repl   [FILE] [--today D]        explore a model interactively\n"
    "  rules  [--pack NAME] [--format text|md] [RULE-ID]\n"
    "                                   list the rules of the packs, or explain one\n"
    "\n"
    "The rule packs of one run have 10 s (THREAT_BUDGET or check --budget).\n"
    "Exit status: 0 fine; 1 findings at or above --fail-on, or fmt --check found\n"
    "changes; 2 bad input (syntax, meaning, usage, a failing rule pack).\n"
    "Documentation: doc/language.md, doc/rules.md, doc/risk.md.\n";

void tm_cli_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "threat: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nRun 'threat --help' for the commands and their options.\n");
}

bool tm_cli_stderr_color(void)
{
	return tm_term_color(stderr);
}

void tm_cli_print_diags(const tm_diags *diags)
{
	if (!diags->count && !diags->errors && !diags->warnings)
		return;
	tm_buf text = TM_BUF_INIT;
	tm_diags_render(&text, diags, tm_cli_stderr_color());
	fputs(tm_buf_str(&text), stderr);
	tm_buf_free(&text);
}

/* Takes "--name value" or "--name=value" at argv[*i]; true if it matched. */
bool tm_cli_option(int argc, char **argv, int *i, const char *name, const char **value)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0)
		return false;
	if (arg[n] == '=') {
		*value = arg + n + 1;
		return true;
	}
	if (arg[n] != '\0')
		return false;
	if (*i + 1 >= argc) {
		tm_cli_usage_error("option %s needs a value", name);
		*value = NULL;
		return true;
	}
	*value = argv[++*i];
	return true;
}

double tm_cli_budget(void)
{
	return tm_rules_parse_budget(getenv("THREAT_BUDGET"));
}

bool tm_cli_today(const char *text, int32_t *today)
{
	if (tm_date_today(text, today))
		return true;
	if (text)
		tm_cli_usage_error("--today wants a date like 2026-03-24, not '%s'", text);
	else
		tm_cli_usage_error("SOURCE_DATE_EPOCH must be a number of seconds, not '%s'",
		                   getenv("SOURCE_DATE_EPOCH"));
	return false;
}

void tm_cli_write(const tm_buf *out)
{
	fwrite(tm_buf_str(out), 1, out->len, stdout);
	fflush(stdout);
}

/* A rule or a pack in `--timings`. */
typedef struct timed_item {
	const char *name, *pack;
	double seconds;
	size_t rules, calls, raised;
} timed_item;

/* The slowest first; equal times by name. */
static int slowest_first(const void *a, const void *b)
{
	const timed_item *x = a, *y = b;
	if (x->seconds != y->seconds)
		return x->seconds > y->seconds ? -1 : 1;
	return strcmp(x->name, y->name);
}

static const char *plural_s(size_t n)
{
	return n == 1 ? "" : "s";
}

/* `--timings` beyond the first line: each stage, each pack, then the rules
 * that took longest, for a pack author looking for a slow rule. */
static void print_stage_timings(const tm_session *session)
{
	const tm_session_timings *t = &session->timings;
	size_t engines = tm_rules_engines(session->rules);
	fprintf(stderr,
	        "timings: load %.3f s, rules %.3f s on %zu engine%s, phase 2 %.3f s, tracking and sorting "
	        "%.3f s\n",
	        t->load, t->rules, engines, engines == 1 ? "" : "s", t->phase2, t->track);
	size_t count = tm_rules_count(session->rules);
	if (!count)
		return;
	timed_item *rules = tm_xcalloc(count, sizeof(*rules));
	timed_item *packs = tm_xcalloc(count, sizeof(*packs));
	size_t npacks = 0;
	for (size_t i = 0; i < count; i++) {
		const tm_rule_info *info = tm_rules_info(session->rules, i);
		const char *pack = info->pack ? info->pack : "";
		rules[i] = (timed_item){info->id, pack, info->seconds, 1, info->calls, info->raised};
		/* rules come grouped by pack (tm_rules_info) */
		if (!npacks || strcmp(packs[npacks - 1].name, pack) != 0)
			packs[npacks++] = (timed_item){.name = pack, .pack = pack};
		timed_item *p = &packs[npacks - 1];
		p->seconds += info->seconds;
		p->rules++;
		p->calls += info->calls;
		p->raised += info->raised;
	}
	qsort(packs, npacks, sizeof(*packs), slowest_first);
	qsort(rules, count, sizeof(*rules), slowest_first);
	for (size_t i = 0; i < npacks; i++)
		fprintf(stderr, "timings: pack %s %.2f ms, %zu rule%s, %zu finding%s\n", packs[i].name,
		        packs[i].seconds * 1e3, packs[i].rules, plural_s(packs[i].rules), packs[i].raised,
		        plural_s(packs[i].raised));
	for (size_t i = 0; i < count && i < SLOWEST_RULES && rules[i].calls; i++)
		fprintf(stderr, "timings: rule %s %.2f ms, %zu call%s, %zu finding%s (%s)\n", rules[i].name,
		        rules[i].seconds * 1e3, rules[i].calls, plural_s(rules[i].calls), rules[i].raised,
		        plural_s(rules[i].raised), rules[i].pack);
	free(rules);
	free(packs);
}

static int cmd_check(int argc, char **argv)
{
	const char *format = "text", *fail_on = NULL, *today_text = NULL, *budget_text = NULL;
	bool no_rules = false, self_check = false, timings = false;
	const char **files = tm_xcalloc((size_t)argc, sizeof(char *));
	size_t nfiles = 0;
	int status = 2;
	tm_session *session = NULL;
	for (int i = 0; i < argc; i++) {
		const char *value;
		if (tm_cli_option(argc, argv, &i, "--format", &value)) {
			if (!value)
				goto out;
			format = value;
		} else if (tm_cli_option(argc, argv, &i, "--fail-on", &value)) {
			if (!value)
				goto out;
			fail_on = value;
		} else if (tm_cli_option(argc, argv, &i, "--today", &value)) {
			if (!value)
				goto out;
			today_text = value;
		} else if (tm_cli_option(argc, argv, &i, "--budget", &value)) {
			if (!value)
				goto out;
			budget_text = value;
		} else if (strcmp(argv[i], "--no-rules") == 0) {
			no_rules = true;
		} else if (strcmp(argv[i], "--self-check") == 0) {
			self_check = true;
		} else if (strcmp(argv[i], "--timings") == 0) {
			timings = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			tm_cli_usage_error("check has no option %s", argv[i]);
			goto out;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (!nfiles) {
		tm_cli_usage_error("check needs a model file%s", "");
		goto out;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 && strcmp(format, "sarif") != 0) {
		tm_cli_usage_error("unknown format '%s' for check (text, json, sarif)", format);
		goto out;
	}
	if (self_check && strcmp(format, "text") != 0) {
		tm_cli_usage_error("--self-check answers in text; leave out --format %s", format);
		goto out;
	}
	tm_risk threshold = TM_RISK_INFO;
	if (fail_on && !tm_risk_parse(fail_on, &threshold)) {
		tm_cli_usage_error("unknown level '%s' for --fail-on (critical, high, medium, low, info)",
		                   fail_on);
		goto out;
	}
	tm_session_options options = {
	    .no_rules = no_rules, .profile_rules = timings, .budget = tm_cli_budget()};
	if (budget_text && !(options.budget = tm_rules_parse_budget(budget_text))) {
		tm_cli_usage_error("--budget wants a number of seconds above 0 and at most 86400, not '%s'",
		                   budget_text);
		goto out;
	}
	if (!tm_cli_today(today_text, &options.today))
		goto out;

	double started = tm_clock_seconds();
	tm_session_open(&session, files, nfiles, &options);
	double analysed = tm_clock_seconds();
	tm_cli_print_diags(&session->diags);
	if (session->model_failed)
		goto out;
	tm_buf text = TM_BUF_INIT;
	/* Text and JSON stream (a large model's report runs to hundreds of
	 * megabytes); the SARIF writer reads back what it wrote. */
	if (strcmp(format, "sarif") != 0)
		text.sink = stdout;
	if (strcmp(format, "json") == 0) {
		tm_render_check_json(&text, session->model, &session->findings);
	} else if (strcmp(format, "sarif") == 0) {
		tm_render_sarif(&text, session);
	} else {
		tm_render_options out_options = {.color = tm_term_color(stdout),
		                                 .width = tm_term_columns(stdout)};
		tm_render_check_text(&text, session->model, &session->findings, &out_options);
	}
	bool all_met = true;
	if (self_check) {
		tm_buf_putc(&text, '\n');
		tm_review_selfcheck(&text, session, tm_term_color(stdout), &all_met);
	}
	tm_cli_write(&text);
	tm_buf_free(&text);
	if (timings) {
		fprintf(stderr, "timings: load and analysis %.3f s, output %.3f s\n", analysed - started,
		        tm_clock_seconds() - analysed);
		print_stage_timings(session);
	}
	if (session->rules_failed)
		goto out;
	status = (fail_on && tm_session_count_failing(session, threshold)) || !all_met ? 1 : 0;
out:
	tm_session_free(session);
	free(files);
	return status;
}

static int cmd_fmt(int argc, char **argv)
{
	bool check_only = false;
	int nfiles = 0, status = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--check") == 0) {
			check_only = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			tm_cli_usage_error("fmt has no option %s", argv[i]);
			return 2;
		} else {
			nfiles++;
		}
	}
	if (!nfiles) {
		tm_cli_usage_error("fmt needs a model file%s", "");
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			continue;
		tm_diags diags = {0};
		tm_arena *arena = tm_arena_new();
		bool changed = false;
		int result = tm_fmt_path(arena, argv[i], check_only, &changed, &diags);
		tm_cli_print_diags(&diags);
		tm_diags_free(&diags);
		tm_arena_free(arena);
		if (result != TM_OK) {
			status = 2;
		} else if (changed && check_only) {
			fprintf(stderr, "%s: not formatted (run 'threat fmt %s')\n", argv[i], argv[i]);
			if (status == 0)
				status = 1;
		}
	}
	return status;
}

static int cmd_rules(int argc, char **argv)
{
	const char **packs = tm_xcalloc((size_t)argc + 1, sizeof(char *));
	size_t npacks = 0;
	const char *explain = NULL, *format = "text";
	int status = 2;
	tm_rules *rules = NULL;
	tm_diags diags = {0};
	for (int i = 0; i < argc; i++) {
		const char *value;
		if (tm_cli_option(argc, argv, &i, "--pack", &value)) {
			if (!value)
				goto out;
			packs[npacks++] = value;
		} else if (tm_cli_option(argc, argv, &i, "--format", &value)) {
			if (!value)
				goto out;
			format = value;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			tm_cli_usage_error("rules has no option %s", argv[i]);
			goto out;
		} else if (!explain) {
			explain = argv[i];
		} else {
			tm_cli_usage_error("rules explains one rule at a time ('%s' is one too many)",
			                   argv[i]);
			goto out;
		}
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "md") != 0) {
		tm_cli_usage_error("unknown format '%s' for rules (text, md)", format);
		goto out;
	}
	int loaded = npacks ? tm_rules_load_names(&rules, packs, npacks, ".", &diags)
	                    : tm_rules_load_names(&rules, tm_rules_default_packs, 4, ".", &diags);
	tm_cli_print_diags(&diags);
	if (loaded != TM_OK)
		goto out;
	tm_buf text = TM_BUF_INIT;
	if (explain) {
		const tm_rule_info *info = tm_rules_find(rules, explain);
		if (!info) {
			tm_cli_usage_error("no rule '%s' in the loaded packs (see 'threat rules')", explain);
			tm_buf_free(&text);
			goto out;
		}
		tm_render_rule_explain(&text, info);
	} else if (strcmp(format, "md") == 0) {
		tm_render_rules_markdown(&text, rules);
	} else {
		tm_render_rules_table(&text, rules);
	}
	tm_cli_write(&text);
	tm_buf_free(&text);
	status = 0;
out:
	if (rules)
		tm_rules_free(rules);
	tm_diags_free(&diags);
	free(packs);
	return status;
}

/* threat diff OLD NEW: what a change does to the model and its risks. */
static int cmd_diff(int argc, char **argv)
{
	const char *format = "text", *fail_on = NULL, *today_text = NULL;
	const char *paths[2];
	int npaths = 0, status = 2;
	tm_session *before = NULL, *after = NULL;
	for (int i = 0; i < argc; i++) {
		const char *value;
		if (tm_cli_option(argc, argv, &i, "--format", &value)) {
			if (!value)
				return 2;
			format = value;
		} else if (tm_cli_option(argc, argv, &i, "--fail-on", &value)) {
			if (!value)
				return 2;
			fail_on = value;
		} else if (tm_cli_option(argc, argv, &i, "--today", &value)) {
			if (!value)
				return 2;
			today_text = value;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			tm_cli_usage_error("diff has no option %s", argv[i]);
			return 2;
		} else if (npaths < 2) {
			paths[npaths++] = argv[i];
		} else {
			tm_cli_usage_error("diff compares two model files; '%s' is one too many", argv[i]);
			return 2;
		}
	}
	if (npaths != 2) {
		tm_cli_usage_error("diff needs two model files: threat diff OLD NEW%s", "");
		return 2;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
		tm_cli_usage_error("unknown format '%s' for diff (text, json)", format);
		return 2;
	}
	tm_risk threshold = TM_RISK_INFO;
	if (fail_on && !tm_risk_parse(fail_on, &threshold)) {
		tm_cli_usage_error("unknown level '%s' for --fail-on (critical, high, medium, low, info)",
		                   fail_on);
		return 2;
	}
	tm_session_options options = {.budget = tm_cli_budget()};
	if (!tm_cli_today(today_text, &options.today))
		return 2;
	tm_session_open(&before, &paths[0], 1, &options);
	tm_session_open(&after, &paths[1], 1, &options);
	tm_cli_print_diags(&before->diags);
	tm_cli_print_diags(&after->diags);
	if (before->model_failed || after->model_failed || before->rules_failed || after->rules_failed)
		goto out;
	tm_diff diff;
	tm_diff_compute(&diff, before, after);
	tm_buf text = TM_BUF_INIT;
	if (strcmp(format, "json") == 0) {
		tm_render_diff_json(&text, &diff);
	} else {
		tm_render_options out_options = {.color = tm_term_color(stdout),
		                                 .width = tm_term_columns(stdout)};
		tm_render_diff_text(&text, &diff, &out_options);
	}
	tm_cli_write(&text);
	tm_buf_free(&text);
	status = fail_on && tm_diff_count_worse(&diff, threshold) ? 1 : 0;
	tm_diff_free(&diff);
out:
	tm_session_free(before);
	tm_session_free(after);
	return status;
}

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"check", cmd_check},      {"fmt", cmd_fmt},        {"rules", cmd_rules}, {"report", tm_cli_cmd_report},
    {"dfd", tm_cli_cmd_dfd},   {"new", tm_cli_cmd_new}, {"diff", cmd_diff},   {"query", tm_cli_cmd_query},
    {"repl", tm_cli_cmd_repl},
};

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("threat %s\n", TM_VERSION);
		return 0;
	}
	const char *jobs = getenv("THREAT_JOBS");
	if (jobs && *jobs && !tm_rules_parse_jobs(jobs)) {
		fprintf(stderr,
		        "threat: error: THREAT_JOBS must be a number of engines from 1 to %d, not '%s'\n",
		        TM_RULES_MAX_ENGINES, jobs);
		return 2;
	}
	const char *budget = getenv("THREAT_BUDGET");
	if (budget && *budget && !tm_rules_parse_budget(budget)) {
		fprintf(stderr,
		        "threat: error: THREAT_BUDGET must be a number of seconds above 0 and at most 86400, "
		        "not '%s'\n",
		        budget);
		return 2;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		int status = commands[i].run(argc - 2, argv + 2);
		/* a report cut short by a full disk must not pass for a good one */
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "threat: error: cannot write to standard output: %s\n",
			        strerror(errno));
			return 2;
		}
		return status;
	}
	const char *names[sizeof commands / sizeof commands[0]];
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		names[i] = commands[i].name;
	const char *suggestion = tm_suggest(argv[1], names, sizeof names / sizeof names[0]);
	fprintf(stderr, "threat: error: unknown command '%s'", argv[1]);
	if (suggestion)
		fprintf(stderr, " (did you mean '%s'?)", suggestion);
	fprintf(stderr, "\nRun 'threat --help' for the commands.\n");
	return 2;
}
