/* threat: the command-line client. It parses arguments and calls the
 * library's stages; it computes nothing itself. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/date.h"
#include "base/diag.h"
#include "base/xalloc.h"
#include "cli/cli.h"
#include "base/source.h"
#include "lang/fmt.h"
#include "diff/diff.h"
#include "render/csv.h"
#include "render/diff_out.h"
#include "render/md_summary.h"
#include "render/unidiff.h"
#include "render/render.h"
#include "render/report.h"
#include "render/rules_text.h"
#include "repo/readme.h"
#include "review/selfcheck.h"
#include "render/term.h"
#include "risk/risk.h"
#include "rules/rules.h"
#include "session/session.h"
#include "threat/status.h"

/* How many of the slowest rules `check --timings` lists. */
#define SLOWEST_RULES 10

void tm_cli_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "threat: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nRun 'threat --help' for the commands and their options.\n");
}

bool tm_cli_stderr_color(void)
{
	return tm_cli_color(stderr);
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

int tm_cli_take(int argc, char **argv, int *i, const tm_cli_opt *opts)
{
	for (const tm_cli_opt *opt = opts; opt->name; opt++) {
		if (opt->flag) {
			if (strcmp(argv[*i], opt->name) == 0 ||
			    (opt->alias && strcmp(argv[*i], opt->alias) == 0)) {
				*opt->flag = true;
				return 1;
			}
			continue;
		}
		const char *value;
		if (tm_cli_option(argc, argv, i, opt->name, &value) ||
		    (opt->alias && tm_cli_option(argc, argv, i, opt->alias, &value))) {
			if (!value)
				return -1;
			*opt->value = value;
			return 1;
		}
	}
	return 0;
}

int tm_cli_take_only(int argc, char **argv, int *i, const tm_cli_opt *opts, const char *command)
{
	int taken = tm_cli_take(argc, argv, i, opts);
	if (taken == 0 && argv[*i][0] == '-' && argv[*i][1] != '\0') {
		char message[96]; /* command is one of ours, without '%' */
		snprintf(message, sizeof message, "%s has no option %%s", command);
		tm_cli_usage_error(message, argv[*i]);
		return -1;
	}
	return taken;
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

bool tm_cli_include_root(int argc, char **argv, int *i, struct tm_session_options *options, bool *bad)
{
	const char *value;
	if (!tm_cli_option(argc, argv, i, "--include-root", &value))
		return false;
	struct stat st;
	if (!value) {
		*bad = true;
	} else if (stat(value, &st) != 0 || !S_ISDIR(st.st_mode)) {
		tm_cli_usage_error("--include-root wants a folder, not '%s'", value);
		*bad = true;
	} else if (options->ninclude_roots == TM_SESSION_MAX_INCLUDE_ROOTS) {
		tm_cli_usage_error("--include-root is given more than 16 times ('%s')", value);
		*bad = true;
	} else {
		options->include_roots[options->ninclude_roots++] = value;
	}
	return true;
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
	/* Pack and rule names come from the packs: sanitised like any label. */
	tm_buf name = TM_BUF_INIT, pack = TM_BUF_INIT;
	for (size_t i = 0; i < npacks; i++) {
		tm_buf_clear(&name);
		tm_term_sanitize(&name, packs[i].name);
		fprintf(stderr, "timings: pack %s %.2f ms, %zu rule%s, %zu finding%s\n", tm_buf_str(&name),
		        packs[i].seconds * 1e3, packs[i].rules, plural_s(packs[i].rules), packs[i].raised,
		        plural_s(packs[i].raised));
	}
	for (size_t i = 0; i < count && i < SLOWEST_RULES && rules[i].calls; i++) {
		tm_buf_clear(&name);
		tm_buf_clear(&pack);
		tm_term_sanitize(&name, rules[i].name);
		tm_term_sanitize(&pack, rules[i].pack);
		fprintf(stderr, "timings: rule %s %.2f ms, %zu call%s, %zu finding%s (%s)\n",
		        tm_buf_str(&name), rules[i].seconds * 1e3, rules[i].calls, plural_s(rules[i].calls),
		        rules[i].raised, plural_s(rules[i].raised), tm_buf_str(&pack));
	}
	tm_buf_free(&name);
	tm_buf_free(&pack);
	free(rules);
	free(packs);
}

/* `check` of one model into text: a heading per model when there are
 * several (as head(1) does for files), the findings, the checklist. */
static void write_check_text(tm_buf *text, const tm_session *session, bool heading, bool self_check,
                             bool *all_met)
{
	if (heading) {
		tm_buf_puts(text, "==> ");
		tm_term_sanitize(text, session->paths[0]);
		tm_buf_puts(text, " <==\n");
	}
	if (session->model_failed) {
		tm_buf_printf(text, "not checked: %zu error%s (above)\n", session->diags.errors,
		              plural_s(session->diags.errors));
		return;
	}
	tm_render_options out_options = {.color = tm_cli_color(stdout), .width = tm_term_columns(stdout)};
	tm_render_check_text(text, session->model, &session->findings, &out_options);
	if (self_check) {
		tm_buf_putc(text, '\n');
		tm_review_selfcheck(text, session, tm_cli_color(stdout), all_met);
	}
}

/* The repository of the model at `path` for `check`: --repo's when given
 * (explicit), else the enclosing git work tree unless THREAT_NO_REPO is
 * set. False when there is none. */
static bool model_repo(tm_repo *repo, const tm_repo *explicit_repo, const char *path)
{
	memset(repo, 0, sizeof *repo);
	if (explicit_repo->root) {
		repo->dir = tm_xstrdup(explicit_repo->dir);
		repo->root = tm_xstrdup(explicit_repo->root);
		return true;
	}
	const char *off = getenv("THREAT_NO_REPO");
	if ((off && *off) || !path)
		return false;
	char *found = tm_repo_find_root(path);
	bool opened = found && tm_repo_open(repo, found);
	free(found);
	return opened;
}

static int cmd_check(int argc, char **argv)
{
	const char *format = "text", *fail_on = NULL, *today_text = NULL, *budget_text = NULL,
	           *repo_dir = NULL;
	tm_repo explicit_repo = {0};
	tm_repo_stand_in stand_in = {0};
	bool no_rules = false, self_check = false, timings = false, merge = false, strict = false,
	     bad = false;
	const char **files = tm_xcalloc((size_t)argc, sizeof(char *));
	size_t nfiles = 0, nmodels = 0, nkept = 0;
	int status = 2;
	tm_session **sessions = NULL;
	tm_session_options options = {0};
	const tm_cli_opt opts[] = {{"--format", NULL, &format, NULL},
	                           {"--fail-on", NULL, &fail_on, NULL},
	                           {"--today", NULL, &today_text, NULL},
	                           {"--budget", NULL, &budget_text, NULL},
	                           {"--repo", NULL, &repo_dir, NULL},
	                           {"--no-rules", NULL, NULL, &no_rules},
	                           {"--self-check", NULL, NULL, &self_check},
	                           {"--timings", NULL, NULL, &timings},
	                           {"--strict", NULL, NULL, &strict},
	                           {"--merge", NULL, NULL, &merge},
	                           {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		int taken = tm_cli_take(argc, argv, &i, opts);
		if (taken < 0)
			goto out;
		if (taken)
			continue;
		if (tm_cli_include_root(argc, argv, &i, &options, &bad)) {
			if (bad)
				goto out;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			tm_cli_usage_error("check has no option %s", argv[i]);
			goto out;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (repo_dir && !tm_repo_open(&explicit_repo, repo_dir)) {
		tm_cli_usage_error("--repo %s is not a folder", repo_dir);
		goto out;
	}
	if (!nfiles && !repo_dir) {
		tm_cli_usage_error("check needs a model file%s", "");
		goto out;
	}
	if (!nfiles && tm_repo_has_model(explicit_repo.root)) {
		tm_cli_usage_error("check needs a model file: the repository %s holds *.threat files",
		                   repo_dir);
		goto out;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 && strcmp(format, "sarif") != 0 &&
	    strcmp(format, "csv") != 0 && strcmp(format, "md-summary") != 0) {
		tm_cli_usage_error("unknown format '%s' for check (text, json, sarif, csv, md-summary)",
		                   format);
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
	options.no_rules = no_rules;
	options.profile_rules = timings;
	options.strict = strict;
	options.budget = tm_cli_budget();
	if (budget_text && !(options.budget = tm_rules_parse_budget(budget_text))) {
		tm_cli_usage_error("--budget wants a number of seconds above 0 and at most 86400, not '%s'",
		                   budget_text);
		goto out;
	}
	if (!tm_cli_today(today_text, &options.today))
		goto out;
	if (!nfiles) {
		/* A repository without a model: a stand-in model, served from
		 * memory, on which the governance pack raises GOV-06 (A04). */
		tm_repo_stand_in_init(&stand_in, repo_dir, options.today);
		files[nfiles++] = stand_in.path;
		options.reader = &stand_in.reader;
	}

	/* Each FILE is a model of its own (its includes are its parts), unless
	 * --merge makes them the parts of one. Models are checked and written
	 * one after the other, so only one is in memory at a time; SARIF (one
	 * log holding every run) and --timings (printed at the end) keep them. */
	nmodels = merge ? 1 : nfiles;
	bool sarif = strcmp(format, "sarif") == 0, csv = strcmp(format, "csv") == 0,
	     json = strcmp(format, "json") == 0, md_summary = strcmp(format, "md-summary") == 0,
	     keep = sarif || timings;
	sessions = tm_xcalloc(nmodels, sizeof *sessions);
	bool any_failed = false, failing = false, all_met = true;
	double load_seconds = 0, started = tm_clock_seconds();
	tm_buf text = TM_BUF_INIT;
	/* Text, JSON and CSV stream (a large model's report runs to hundreds of
	 * megabytes); the SARIF writer reads back what it wrote. */
	if (!sarif)
		text.sink = stdout;
	if (csv)
		tm_render_csv_header(&text);
	if (json && nmodels > 1)
		tm_buf_puts(&text, "[\n");
	/* The summary's verdict comes first: its sections wait for the last model. */
	tm_md_summary summary;
	tm_render_md_summary_init(&summary, fail_on != NULL, threshold, nmodels > 1, options.today);
	for (size_t m = 0; m < nmodels; m++) {
		double opened = tm_clock_seconds();
		tm_session *session = NULL;
		tm_repo repo;
		bool in_repo = model_repo(&repo, &explicit_repo, stand_in.path ? NULL : files[m]);
		options.probe = !in_repo ? NULL : stand_in.path ? tm_repo_probe_missing : tm_repo_probe;
		options.probe_context = in_repo ? &repo : NULL;
		tm_session_open(&session, merge ? files : &files[m], merge ? nfiles : 1, &options);
		if (in_repo)
			tm_repo_close(&repo);
		session->options.probe = NULL;
		session->options.probe_context = NULL;
		load_seconds += tm_clock_seconds() - opened;
		tm_cli_print_diags(&session->diags);
		bool good = !session->model_failed;
		if (good) {
			any_failed |= session->rules_failed || session->tracking_failed;
			failing |= fail_on && tm_session_count_failing(session, threshold);
		} else {
			/* reported above; JSON and SARIF carry the errors too, so a CI
			 * step that uploads or parses them gets a valid document */
			any_failed = true;
		}
		const tm_model *model = good ? session->model : NULL;
		const tm_findings *findings = good ? &session->findings : NULL;
		if (md_summary) {
			tm_render_md_summary_add(&summary, session);
		} else if (csv && good) {
			tm_render_check_csv(&text, &session->findings, options.today);
		} else if (json && nmodels == 1) {
			tm_render_check_json(&text, model, findings, &session->diags);
		} else if (json) {
			tm_buf object = TM_BUF_INIT;
			tm_render_check_json(&object, model, findings, &session->diags);
			tm_cli_json_array_item(&text, &object, m == 0);
			tm_buf_free(&object);
		} else if (!sarif && !json && !csv && !md_summary && (good || nmodels > 1)) {
			if (m)
				tm_buf_putc(&text, '\n');
			write_check_text(&text, session, nmodels > 1, self_check, &all_met);
		}
		tm_buf_flush(&text);
		if (sarif || (keep && good))
			sessions[nkept++] = session;
		else
			tm_session_free(session);
	}
	if (json && nmodels > 1)
		tm_buf_puts(&text, "\n]\n");
	if (sarif && nkept)
		tm_render_sarif_runs(&text, (const tm_session *const *)sessions, nkept);
	if (md_summary)
		tm_render_md_summary_finish(&summary, &text);
	tm_cli_write(&text);
	tm_buf_free(&text);
	if (timings) {
		double total = tm_clock_seconds() - started;
		fprintf(stderr, "timings: load and analysis %.3f s, output %.3f s\n", load_seconds,
		        total - load_seconds);
		for (size_t m = 0; m < nkept; m++)
			if (!sessions[m]->model_failed)
				print_stage_timings(sessions[m]);
	}
	status = any_failed ? 2 : failing || !all_met ? 1 : 0;
out:
	for (size_t m = 0; m < nkept; m++)
		tm_session_free(sessions[m]);
	free(sessions);
	free(files);
	tm_repo_close(&explicit_repo);
	tm_repo_stand_in_free(&stand_in);
	return status;
}

/* What `threat fmt` reads standard input as, and names it in messages. */
#define FMT_STDIN_ARG  "-"
#define FMT_STDIN_NAME "<stdin>"

/* `fmt --check` and `fmt --diff` on one file (or standard input): the
 * change fmt would make, as a unified diff on standard output that applies
 * with `patch -p0` off a terminal. Writes nothing. Returns TM_OK or an
 * error (diagnostics printed); *changed says whether the text would change. */
static int print_format_diff(const char *arg, bool *changed)
{
	*changed = false;
	bool from_stdin = strcmp(arg, FMT_STDIN_ARG) == 0;
	const char *name = from_stdin ? FMT_STDIN_NAME : arg;
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	char why[256];
	char *formatted = NULL;
	int status = TM_ERR_IO;
	tm_source *src = from_stdin ? tm_source_read_stdin(arena, name, why, sizeof why)
	                            : tm_source_read(arena, arg, why, sizeof why);
	if (!src)
		tm_diag_error(&diags, (tm_span){0}, "%s: %s", name, why);
	else
		status = tm_fmt_source(&formatted, arena, src, &diags);
	tm_cli_print_diags(&diags);
	if (status == TM_OK) {
		size_t len = strlen(formatted);
		*changed = len != src->len || memcmp(formatted, src->text, len) != 0;
		tm_buf text = TM_BUF_INIT;
		tm_render_unified_diff(&text, name, src->text, src->len, name, formatted, len,
		                       tm_cli_color(stdout));
		tm_cli_write(&text);
		tm_buf_free(&text);
	}
	free(formatted);
	tm_diags_free(&diags);
	tm_arena_free(arena);
	return status;
}

/* `fmt -`: standard input formatted onto standard output; on an error,
 * only the diagnostics (on standard error). */
static int format_stdin(void)
{
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	char why[256];
	char *formatted = NULL;
	int status = TM_ERR_IO;
	tm_source *src = tm_source_read_stdin(arena, FMT_STDIN_NAME, why, sizeof why);
	if (!src)
		tm_diag_error(&diags, (tm_span){0}, "%s: %s", FMT_STDIN_NAME, why);
	else
		status = tm_fmt_source(&formatted, arena, src, &diags);
	tm_cli_print_diags(&diags);
	if (status == TM_OK) {
		tm_buf text = TM_BUF_INIT;
		tm_buf_puts(&text, formatted);
		tm_cli_write(&text);
		tm_buf_free(&text);
	}
	free(formatted);
	tm_diags_free(&diags);
	tm_arena_free(arena);
	return status;
}

static int cmd_fmt(int argc, char **argv)
{
	bool check_only = false, diff_only = false;
	int nfiles = 0, nstdin = 0, status = 0;
	const tm_cli_opt opts[] = {{"--check", NULL, NULL, &check_only},
	                           {"--diff", NULL, NULL, &diff_only},
	                           {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		int taken = tm_cli_take(argc, argv, &i, opts);
		if (taken < 0)
			return 2;
		if (taken)
			continue;
		if (strcmp(argv[i], FMT_STDIN_ARG) == 0) {
			nfiles++;
			nstdin++;
		} else if (argv[i][0] == '-') {
			tm_cli_usage_error("fmt has no option %s", argv[i]);
			return 2;
		} else {
			nfiles++;
		}
	}
	if (!nfiles) {
		tm_cli_usage_error("fmt needs a model file (or - for standard input)%s", "");
		return 2;
	}
	if (nstdin > 1) {
		tm_cli_usage_error("fmt reads standard input (-) once%s", "");
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-' && strcmp(argv[i], FMT_STDIN_ARG) != 0)
			continue;
		if (check_only || diff_only) {
			bool changed = false;
			if (print_format_diff(argv[i], &changed) != TM_OK) {
				status = 2;
			} else if (changed && check_only) {
				/* the file name starts the line: sanitised like any label */
				tm_buf name = TM_BUF_INIT;
				if (strcmp(argv[i], FMT_STDIN_ARG) == 0) {
					fprintf(stderr, "%s: not formatted\n", FMT_STDIN_NAME);
				} else {
					tm_term_sanitize(&name, argv[i]);
					fprintf(stderr, "%s: not formatted (run 'threat fmt %s')\n",
					        tm_buf_str(&name), tm_buf_str(&name));
				}
				tm_buf_free(&name);
				if (status == 0)
					status = 1;
			}
			continue;
		}
		if (strcmp(argv[i], FMT_STDIN_ARG) == 0) {
			if (format_stdin() != TM_OK)
				status = 2;
			continue;
		}
		tm_diags diags = {0};
		tm_arena *arena = tm_arena_new();
		int result = tm_fmt_path(arena, argv[i], false, NULL, &diags);
		tm_cli_print_diags(&diags);
		tm_diags_free(&diags);
		tm_arena_free(arena);
		if (result != TM_OK)
			status = 2;
	}
	return status;
}

static int cmd_rules(int argc, char **argv)
{
	const char **packs = tm_xcalloc((size_t)argc + 1, sizeof(char *));
	size_t npacks = 0;
	const char *explain = NULL, *format = "text";
	bool attributes = false;
	int status = 2;
	tm_rules *rules = NULL;
	tm_diags diags = {0};
	const tm_cli_opt opts[] = {{"--format", NULL, &format, NULL},
	                           {"--attributes", NULL, NULL, &attributes},
	                           {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		const char *value;
		int taken = tm_cli_take(argc, argv, &i, opts);
		if (taken < 0)
			goto out;
		if (taken)
			continue;
		if (tm_cli_option(argc, argv, &i, "--pack", &value)) {
			if (!value)
				goto out;
			packs[npacks++] = value;
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
	if (attributes && explain) {
		tm_cli_usage_error("--attributes lists the vocabulary; leave out '%s'", explain);
		goto out;
	}
	int loaded = npacks ? tm_rules_load_names(&rules, packs, npacks, ".", &diags)
	                    : tm_rules_load_names(&rules, tm_rules_default_packs, TM_RULES_NDEFAULT_PACKS,
	                                          ".", &diags);
	tm_cli_print_diags(&diags);
	if (loaded != TM_OK)
		goto out;
	tm_buf text = TM_BUF_INIT;
	if (attributes && strcmp(format, "md") == 0) {
		tm_render_vocab_markdown(&text, tm_rules_vocab(rules));
	} else if (attributes) {
		tm_render_vocab_text(&text, tm_rules_vocab(rules));
	} else if (explain) {
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

/* threat diff OLD NEW, or threat diff REV [REV2] -- FILE: what a change
 * does to the model and its risks. With `--`, the words before it are git
 * revisions and the one after it the model: OLD is the model at REV, NEW
 * the model at REV2 or, without one, in the work tree. Options may stand
 * on either side. */
static int cmd_diff(int argc, char **argv)
{
	const char *format = "text", *fail_on = NULL, *today_text = NULL;
	const char *words[3], *model_path = NULL;
	int nwords = 0, status = 2;
	bool revisions = false;
	tm_session *before = NULL, *after = NULL;
	tm_cli_revision revs[2] = {0};
	int nrevs = 0;
	bool strict = false;
	tm_session_options options = {0};
	bool bad = false;
	const tm_cli_opt opts[] = {{"--format", NULL, &format, NULL},
	                           {"--fail-on", NULL, &fail_on, NULL},
	                           {"--today", NULL, &today_text, NULL},
	                           {"--strict", NULL, NULL, &strict},
	                           {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		int taken = tm_cli_take(argc, argv, &i, opts);
		if (taken < 0)
			return 2;
		if (taken)
			continue;
		if (strcmp(argv[i], "--") == 0 && !revisions) {
			revisions = true;
		} else if (tm_cli_include_root(argc, argv, &i, &options, &bad)) {
			if (bad)
				return 2;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			tm_cli_usage_error("diff has no option %s", argv[i]);
			return 2;
		} else if (revisions && model_path) {
			tm_cli_usage_error("diff reads one model file at the revisions; '%s' is one too many",
			                   argv[i]);
			return 2;
		} else if (revisions) {
			model_path = argv[i];
		} else if (nwords < 2) {
			words[nwords++] = argv[i];
		} else {
			tm_cli_usage_error("diff compares two versions; '%s' is one too many", argv[i]);
			return 2;
		}
	}
	if (revisions && (nwords < 1 || !model_path)) {
		tm_cli_usage_error("diff with -- needs a revision and a model file: threat diff REV [REV2] "
		                   "-- FILE%s",
		                   "");
		return 2;
	}
	if (!revisions && nwords != 2) {
		tm_cli_usage_error("diff needs two model files: threat diff OLD NEW, or threat diff REV "
		                   "-- FILE%s",
		                   "");
		return 2;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 && strcmp(format, "md") != 0) {
		tm_cli_usage_error("unknown format '%s' for diff (text, json, md)", format);
		return 2;
	}
	tm_risk threshold = TM_RISK_INFO;
	bool fail_on_review = fail_on && strcasecmp(fail_on, "review") == 0;
	if (fail_on && !fail_on_review && !tm_risk_parse(fail_on, &threshold)) {
		tm_cli_usage_error(
		    "unknown level '%s' for --fail-on (review, critical, high, medium, low, info)", fail_on);
		return 2;
	}
	options.strict = strict;
	options.budget = tm_cli_budget();
	if (!tm_cli_today(today_text, &options.today))
		return 2;
	const char *paths[2] = {words[0], words[1]};
	tm_session_options side[2] = {options, options};
	if (revisions) {
		for (; nrevs < nwords; nrevs++) {
			if (!tm_cli_revision_open(&revs[nrevs], words[nrevs]))
				goto out;
			side[nrevs].reader = &revs[nrevs].reader;
		}
		paths[0] = paths[1] = model_path;
	}
	tm_session_open(&before, &paths[0], 1, &side[0]);
	tm_session_open(&after, &paths[1], 1, &side[1]);
	tm_cli_print_diags(&before->diags);
	tm_cli_print_diags(&after->diags);
	if (before->model_failed || after->model_failed || before->rules_failed || after->rules_failed ||
	    before->tracking_failed || after->tracking_failed)
		goto out;
	tm_diff diff;
	tm_diff_compute(&diff, before, after);
	tm_buf text = TM_BUF_INIT;
	if (strcmp(format, "json") == 0) {
		tm_render_diff_json(&text, &diff);
	} else if (strcmp(format, "md") == 0) {
		/* the versions as git names them: "main:model.threat" */
		tm_buf names[2] = {TM_BUF_INIT, TM_BUF_INIT};
		for (int v = 0; v < 2; v++) {
			if (revisions && v < nwords)
				tm_buf_printf(&names[v], "%s:", words[v]);
			tm_buf_puts(&names[v], paths[v]);
		}
		tm_md_diff_options md = {.before = tm_buf_str(&names[0]),
		                         .after = tm_buf_str(&names[1]),
		                         .gate_review = fail_on_review,
		                         .gate = fail_on && !fail_on_review,
		                         .level = threshold};
		tm_render_diff_md(&text, &diff, &md);
		tm_buf_free(&names[0]);
		tm_buf_free(&names[1]);
	} else {
		tm_render_options out_options = {.color = tm_cli_color(stdout),
		                                 .width = tm_term_columns(stdout)};
		tm_render_diff_text(&text, &diff, &out_options);
	}
	tm_cli_write(&text);
	tm_buf_free(&text);
	if (fail_on_review)
		status = diff.review != TM_REVIEW_NONE ? 1 : 0;
	else
		status = fail_on && tm_diff_count_worse(&diff, threshold) ? 1 : 0;
	tm_diff_free(&diff);
out:
	tm_session_free(before);
	tm_session_free(after);
	for (int i = 0; i < nrevs; i++)
		tm_cli_revision_close(&revs[i]);
	return status;
}

/* `threat import FORMAT FILE`: each format's importer has its own file. */
/* `threat import FORMAT FILE`: Threagile's importer has a command of its
 * own (it runs the rule packs to carry risk tracking over); the others are
 * the interop table's (cmd_interop.c). */
static int cmd_import(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "threagile") == 0)
		return tm_cli_cmd_import_threagile(argc - 1, argv + 1);
	return tm_cli_cmd_import(argc, argv);
}

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"check", cmd_check},      {"fmt", cmd_fmt},
    {"rules", cmd_rules},      {"report", tm_cli_cmd_report},
    {"dfd", tm_cli_cmd_dfd},   {"new", tm_cli_cmd_new},
    {"diff", cmd_diff},        {"query", tm_cli_cmd_query},
    {"repl", tm_cli_cmd_repl}, {"lsp", tm_cli_cmd_lsp},
    {"import", cmd_import},    {"drift", tm_cli_cmd_drift},
    {"test", tm_cli_cmd_test}, {"export", tm_cli_cmd_export},
};

/* The CLI's answer to running out of memory: a message and exit 2, the
 * status of bad input (a model too large for the machine). */
static void out_of_memory(size_t size)
{
	char message[96];
	int n =
	    snprintf(message, sizeof message, "threat: error: out of memory (asked for %zu bytes)\n", size);
	if (n > 0 && write(STDERR_FILENO, message, (size_t)n) < 0)
		_exit(2);
	_exit(2);
}

/* `threat help [COMMAND]`, `threat COMMAND --help` or `-h`: true when
 * the line asks for help, with *status set. */
static bool answer_help(int argc, char **argv, int *status)
{
	*status = 0;
	if (argc < 2) {
		fputs(tm_cli_usage_text, stderr);
		*status = 2;
		return true;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
	    (strcmp(name, "help") == 0 && argc == 2)) {
		fputs(tm_cli_usage_text, stdout);
		return true;
	}
	if (strcmp(name, "help") == 0) {
		if (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) {
			tm_cli_print_help(name);
		} else if (argc > 3) {
			tm_cli_usage_error("help explains one command at a time ('%s' is one too many)",
			                   argv[3]);
			*status = 2;
		} else if (!tm_cli_print_help(argv[2])) {
			tm_cli_usage_error("no command '%s' (threat --help lists them)", argv[2]);
			*status = 2;
		}
		return true;
	}
	for (int i = 2; i < argc; i++)
		if ((strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) && tm_cli_print_help(name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	tm_xalloc_set_oom_handler(out_of_memory);
	if (!tm_cli_take_color_options(&argc, argv))
		return 2;
	int help_status;
	if (answer_help(argc, argv, &help_status))
		return help_status;
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
