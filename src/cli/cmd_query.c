/* `threat query FILE QUERY` and `threat repl [FILE]`: the query language
 * (src/query) from the command line, once or interactively with GNU
 * readline (history kept between sessions, tab completion, Ctrl-C abandons
 * the line, Ctrl-D leaves). Without a terminal the REPL reads commands from
 * standard input, one a line, and prints only their results. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/diag.h"
#include "base/xalloc.h"
#include "cli/cli.h"
#include "render/term.h"
#include "query/query.h"
#include "session/session.h"
#include "threat/status.h"

#define PROMPT "threat> "
/* History lines kept in the file. */
#define HISTORY_LINES 1000

/* ---- threat query ---- */

static bool ends_with(const char *text, const char *suffix)
{
	size_t n = strlen(text), m = strlen(suffix);
	return n >= m && strcmp(text + n - m, suffix) == 0;
}

/* Runs the parsed query against one model (files[0..nfiles)) and appends
 * its answer to out; false when the model or the query failed (the
 * diagnostics are printed). An answer from a model whose packs or tracking
 * had errors is given, with *failed set (exit 2). */
static bool query_model(tm_buf *out, tm_query *query, const char **files, size_t nfiles,
                        const tm_session_options *options, bool json, bool timings, bool *failed)
{
	tm_session *session = NULL;
	tm_diags diags = {0};
	double started = tm_clock_seconds();
	tm_session_open(&session, files, nfiles, options);
	double loaded = tm_clock_seconds();
	tm_cli_print_diags(&session->diags);
	bool good = !session->model_failed;
	*failed = !good;
	if (good) {
		tm_query_output opts = {
		    .json = json, .color = tm_cli_color(stdout), .width = tm_term_columns(stdout)};
		good = tm_query_run(out, query, session, &opts, &diags) == TM_OK;
		*failed = !good || session->rules_failed || session->tracking_failed;
		/* For the benchmark: the query's own time, apart from the load. */
		if (timings)
			fprintf(stderr, "timings: load %.3f s, query %.3f s\n", loaded - started,
			        tm_clock_seconds() - loaded);
		tm_cli_print_diags(&diags);
	}
	tm_diags_free(&diags);
	tm_session_free(session);
	return good;
}

int tm_cli_cmd_query(int argc, char **argv)
{
	const char *format = "text", *today_text = NULL;
	const char **files = tm_xcalloc((size_t)argc + 1, sizeof(char *));
	size_t nfiles = 0;
	tm_buf text = TM_BUF_INIT, out = TM_BUF_INIT;
	tm_diags diags = {0};
	tm_query *query = NULL;
	int status = 2;
	bool timings = false, merge = false, strict = false, bad = false;
	tm_session_options options = {0};
	const tm_cli_opt opts[] = {{"--format", NULL, &format, NULL},    {"--timings", NULL, NULL, &timings},
	                           {"--strict", NULL, NULL, &strict},    {"--merge", NULL, NULL, &merge},
	                           {"--today", NULL, &today_text, NULL}, {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		int taken = tm_cli_take(argc, argv, &i, opts);
		if (taken < 0)
			goto out;
		if (taken)
			continue;
		if (tm_cli_include_root(argc, argv, &i, &options, &bad)) {
			if (bad)
				goto out;
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			tm_cli_usage_error("query has no option %s", argv[i]);
			goto out;
		} else if (!nfiles || (!text.len && ends_with(argv[i], ".threat"))) {
			/* the first word is a model; so are the next ones that end
			 * in .threat, up to the query */
			files[nfiles++] = argv[i];
		} else {
			/* the query's words, quoted as one argument or not */
			if (text.len)
				tm_buf_putc(&text, ' ');
			tm_buf_puts(&text, argv[i]);
		}
	}
	if (!nfiles || !text.len) {
		tm_cli_usage_error("query needs a model file and a query, e.g. threat query model.threat "
		                   "'threats where risk >= high'%s",
		                   "");
		goto out;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
		tm_cli_usage_error("unknown format '%s' for query (text, json)", format);
		goto out;
	}
	options.strict = strict;
	options.budget = tm_cli_budget();
	if (!tm_cli_today(today_text, &options.today))
		goto out;
	/* A mistyped query is reported before a large model is loaded. */
	if (tm_query_parse(&query, tm_buf_str(&text), &diags) != TM_OK) {
		tm_cli_print_diags(&diags);
		goto out;
	}
	if (query->command == TM_QC_EMPTY) {
		/* only blanks or a comment: nothing to run, as with no query at all */
		tm_cli_usage_error("query needs a query, e.g. threat query model.threat "
		                   "'threats where risk >= high'%s",
		                   "");
		goto out;
	}
	if (query->command == TM_QC_RELOAD || query->command == TM_QC_LOAD || query->command == TM_QC_QUIT) {
		tm_cli_usage_error("'%s' belongs to the REPL (threat repl FILE)",
		                   tm_query_command_names[query->command]);
		goto out;
	}
	bool json = strcmp(format, "json") == 0;
	size_t nmodels = merge ? 1 : nfiles;
	bool all_good = true, all_answered = true;
	size_t answered = 0;
	/* Several models: text gets a heading per model (as head(1) does for
	 * files), JSON an array of the answers in the order given. */
	if (nmodels > 1 && json)
		tm_buf_puts(&out, "[\n");
	for (size_t m = 0; m < nmodels; m++) {
		tm_buf answer = TM_BUF_INIT;
		bool failed;
		bool good = query_model(&answer, query, merge ? files : &files[m], merge ? nfiles : 1,
		                        &options, json, timings, &failed);
		all_answered &= good;
		all_good &= !failed;
		if (nmodels > 1 && !json) {
			if (m)
				tm_buf_putc(&out, '\n');
			tm_buf_puts(&out, "==> ");
			tm_term_sanitize(&out, files[m]);
			tm_buf_puts(&out, " <==\n");
			if (!good)
				tm_buf_puts(&out, "not answered: errors (above)\n");
		}
		if (good && nmodels > 1 && json)
			tm_cli_json_array_item(&out, &answer, answered++ == 0);
		else if (good)
			tm_buf_put(&out, tm_buf_str(&answer), answer.len);
		tm_buf_free(&answer);
	}
	if (nmodels > 1 && json)
		tm_buf_puts(&out, answered ? "\n]\n" : "]\n");
	if (nmodels == 1 && !all_answered)
		goto out;
	tm_cli_write_paged(&out);
	status = all_good ? 0 : 2;
out:
	tm_query_free(query);
	tm_diags_free(&diags);
	tm_buf_free(&text);
	tm_buf_free(&out);
	free(files);
	return status;
}

/* ---- the REPL ---- */

typedef struct repl {
	tm_session *session;   /* NULL until a model is opened */
	tm_query_index *index; /* of the session's findings, so queries stay fast */
	tm_session_options options;
	bool interactive;
	bool quit;
	bool failed; /* a command failed (the exit status without a terminal) */
} repl;

/* Rebuilds the index after the session changed. */
static void reindex(repl *r)
{
	tm_query_index_free(r->index);
	r->index = NULL;
	if (r->session && r->session->model && !r->session->model_failed)
		r->index = tm_query_index_new(r->session->model, &r->session->findings);
}

/* The REPL's state for readline's callbacks, which take no context. */
static repl *active;

static void print_diags(tm_diags *diags)
{
	tm_cli_print_diags(diags);
	fflush(stderr);
}

/* Opens a model into the REPL; false (and the old model kept, if it was
 * good) when it has errors. */
static bool open_model(repl *r, const char *path)
{
	tm_session *fresh;
	const char *paths[1] = {path};
	tm_session_open(&fresh, paths, 1, &r->options);
	print_diags(&fresh->diags);
	if (fresh->model_failed && r->session && !r->session->model_failed) {
		tm_buf fresh_name = TM_BUF_INIT, kept_name = TM_BUF_INIT;
		tm_term_sanitize(&fresh_name, path);
		tm_term_sanitize(&kept_name, r->session->paths[0]);
		fprintf(stderr, "%s has errors: keeping %s\n", tm_buf_str(&fresh_name),
		        tm_buf_str(&kept_name));
		tm_buf_free(&fresh_name);
		tm_buf_free(&kept_name);
		tm_session_free(fresh);
		r->failed = true;
		return false;
	}
	if (fresh->model_failed || (r->options.strict && fresh->rules_failed))
		r->failed = true;
	tm_session_free(r->session);
	r->session = fresh;
	reindex(r);
	return !fresh->model_failed;
}

static void reload(repl *r)
{
	if (!r->session) {
		fprintf(stderr, "error: no model to reload (load FILE opens one)\n");
		r->failed = true;
		return;
	}
	size_t before = r->session->model_failed ? 0 : r->session->findings.count;
	bool had_model = !r->session->model_failed;
	tm_session *failed = NULL;
	tm_session_reload(&r->session, &failed);
	if (failed) {
		print_diags(&failed->diags);
		tm_session_free(failed);
		fprintf(stderr, had_model ? "reload failed: keeping the last good model\n"
		                          : "reload failed: the model still has errors\n");
		r->failed = true;
		return;
	}
	reindex(r);
	print_diags(&r->session->diags);
	printf("reloaded: %zu findings", r->session->findings.count);
	if (had_model)
		printf(" (%zu before)", before);
	printf("\n");
}

/* Runs one line; returns false when it failed. */
static void execute(repl *r, const char *line)
{
	tm_diags diags = {0};
	tm_query *query = NULL;
	tm_buf out = TM_BUF_INIT;
	if (tm_query_parse(&query, line, &diags) != TM_OK) {
		print_diags(&diags);
		r->failed = true;
		goto out;
	}
	switch (query->command) {
	case TM_QC_QUIT: r->quit = true; break;
	case TM_QC_RELOAD: reload(r); break;
	case TM_QC_LOAD:
		if (open_model(r, query->arg))
			printf("loaded %s: %zu findings\n", query->arg, r->session->findings.count);
		break;
	default: {
		tm_query_output opts = {
		    .color = tm_cli_color(stdout), .width = tm_term_columns(stdout), .index = r->index};
		if (tm_query_run(&out, query, r->session, &opts, &diags) != TM_OK) {
			print_diags(&diags);
			r->failed = true;
		}
		/* a long answer (a `path` of 130 lines) goes through the pager */
		tm_cli_write_paged(&out);
		break;
	}
	}
	fflush(stdout);
out:
	tm_query_free(query);
	tm_diags_free(&diags);
	tm_buf_free(&out);
}

/* $XDG_STATE_HOME/threat/history, else ~/.local/state/threat/history, with
 * the folders made; NULL when there is no home. */
static char *history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	tm_buf path = TM_BUF_INIT;
	if (state && state[0] == '/')
		tm_buf_printf(&path, "%s/threat", state);
	else if (home && *home)
		tm_buf_printf(&path, "%s/.local/state/threat", home);
	else
		return NULL;
	char *dir = tm_buf_detach(&path);
	/* mkdir -p: each level, ignoring those that exist */
	for (char *slash = strchr(dir + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		mkdir(dir, 0700);
		if (!slash)
			break;
		*slash = '/';
	}
	tm_buf_printf(&path, "%s/history", dir);
	free(dir);
	return tm_buf_detach(&path);
}

/* ---- tab completion ---- */

typedef struct words {
	char **items;
	size_t count, cap;
	size_t next; /* the generator's position */
	bool upper;  /* offer in capitals (risk levels) */
} words;

static words candidates;

static void words_clear(words *w)
{
	for (size_t i = 0; i < w->count; i++)
		free(w->items[i]);
	w->count = w->next = 0;
	w->upper = false;
}

static void words_add(words *w, const char *word)
{
	if (!word || !*word)
		return;
	TM_VEC_PUSH(w->items, w->count, w->cap, tm_xstrdup(word));
}

static void words_add_distinct(words *w, const char *word)
{
	if (!word || !*word)
		return;
	for (size_t i = 0; i < w->count; i++)
		if (strcmp(w->items[i], word) == 0)
			return;
	words_add(w, word);
}

static void words_add_list(words *w, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		words_add(w, list[i]);
}

static char *generate(const char *text, int state)
{
	if (!state)
		candidates.next = 0;
	size_t len = strlen(text);
	while (candidates.next < candidates.count) {
		const char *word = candidates.items[candidates.next++];
		if (strncasecmp(word, text, len) == 0)
			return tm_xstrdup(word);
	}
	return NULL;
}

/* Splits the line before the word being completed into tokens: words,
 * parentheses and operators. */
static size_t split(const char *line, size_t len, char tokens[][64], size_t max)
{
	size_t n = 0, i = 0;
	while (i < len && n < max) {
		unsigned char c = (unsigned char)line[i];
		if (isspace(c)) {
			i++;
			continue;
		}
		size_t start = i;
		if (c == '(' || c == ')')
			i++;
		else if (strchr("=!<>~", (int)c) && !(c == '-' && i + 1 < len && line[i + 1] == '>'))
			while (i < len && strchr("=!<>~", line[i]))
				i++;
		else
			while (
			    i < len && !isspace((unsigned char)line[i]) && !strchr("()=!~", line[i]) &&
			    !(line[i] == '<' && !(i + 2 < len && line[i + 1] == '-' && line[i + 2] == '>')) &&
			    !(line[i] == '>' && (i == 0 || line[i - 1] != '-')))
				i++;
		if (i == start)
			i++;
		size_t l = i - start < 63 ? i - start : 63;
		memcpy(tokens[n], line + start, l);
		tokens[n][l] = '\0';
		n++;
	}
	return n;
}

static bool is_op(const char *token)
{
	return token[0] && strchr("=!<>~", token[0]);
}

static int field_of(const char *token)
{
	for (int i = 0; i < TM_QF_COUNT; i++)
		if (strcasecmp(token, tm_query_field_names[i]) == 0)
			return i;
	return -1;
}

static void add_elements(words *w, const tm_session *s, bool nodes_only, bool boundaries_only)
{
	if (!s || !s->model || s->model_failed)
		return;
	for (size_t i = 0; i < s->model->nelements; i++) {
		const tm_element *el = s->model->elements[i];
		if (!el || !el->key)
			continue;
		if (boundaries_only && el->kind != TM_EL_BOUNDARY)
			continue;
		if (nodes_only && el->kind != TM_EL_EXTERNAL && el->kind != TM_EL_PROCESS &&
		    el->kind != TM_EL_STORE)
			continue;
		words_add(w, el->key);
	}
}

static void add_findings(words *w, const tm_session *s)
{
	for (size_t i = 0; s && i < s->findings.count; i++)
		words_add(w, s->findings.items[i].id);
}

static void add_values(words *w, const tm_session *s, int field)
{
	static const char *const kinds[] = {"external", "process", "store", "flow",
	                                    "boundary", "asset",   "actor", "model"};
	switch (field) {
	case TM_QF_RISK: words_add_list(w, tm_risk_names, 5); break;
	case TM_QF_STATUS: words_add_list(w, tm_status_names, 6); break;
	case TM_QF_KIND: words_add_list(w, kinds, 8); break;
	case TM_QF_ELEMENT: add_elements(w, s, false, false); break;
	case TM_QF_BOUNDARY: add_elements(w, s, false, true); break;
	case TM_QF_ID: add_findings(w, s); break;
	case TM_QF_OVERDUE:
		words_add(w, "true");
		words_add(w, "false");
		break;
	case TM_QF_RULE:
	case TM_QF_FRAMEWORK:
	case TM_QF_CATEGORY:
	case TM_QF_PACK:
		for (size_t i = 0; s && i < s->findings.count; i++) {
			const tm_finding *f = &s->findings.items[i];
			words_add_distinct(w, field == TM_QF_RULE        ? f->about->rule
			                      : field == TM_QF_FRAMEWORK ? f->about->framework
			                      : field == TM_QF_CATEGORY  ? f->about->category
			                                                 : f->about->pack);
		}
		break;
	default: break;
	}
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	const tm_session *s = active ? active->session : NULL;
	char tokens[64][64];
	size_t n = split(rl_line_buffer, (size_t)start, tokens, 64);
	words_clear(&candidates);
	rl_attempted_completion_over = 1;
	if (n == 0) {
		words_add_list(&candidates, tm_query_command_names + 1, TM_QC_COUNT - 1);
		return rl_completion_matches(text, generate);
	}
	const char *command = tokens[0], *last = tokens[n - 1];
	if (strcasecmp(command, "threats") == 0) {
		static const char *const after_value[] = {"and", "or", "by", "limit", "where"};
		if (strcasecmp(last, "where") == 0 || strcasecmp(last, "and") == 0 ||
		    strcasecmp(last, "or") == 0 || strcasecmp(last, "not") == 0 || strcmp(last, "(") == 0 ||
		    strcasecmp(last, "by") == 0) {
			words_add_list(&candidates, tm_query_field_names, TM_QF_COUNT);
			if (strcasecmp(last, "by") != 0)
				words_add(&candidates, "not");
		} else if (is_op(last) && n >= 2) {
			add_values(&candidates, s, field_of(tokens[n - 2]));
		} else if (n >= 2 && strcasecmp(tokens[n - 2], "by") == 0) {
			words_add(&candidates, "desc");
			words_add(&candidates, "asc");
			words_add(&candidates, "limit");
		} else if (n == 1) {
			words_add_list(&candidates, after_value + 2, 3);
		} else if (field_of(last) < 0 || (n >= 2 && is_op(tokens[n - 2]))) {
			words_add_list(&candidates, after_value, 4);
		}
	} else if (n == 1 && (strcasecmp(command, "show") == 0)) {
		add_elements(&candidates, s, false, false);
		add_findings(&candidates, s);
	} else if (n == 1 && strcasecmp(command, "explain") == 0) {
		add_findings(&candidates, s);
	} else if (strcasecmp(command, "path") == 0 && (n == 1 || strcmp(last, "->") == 0)) {
		add_elements(&candidates, s, true, false);
	} else if (n == 1 && strcasecmp(command, "elements") == 0) {
		words_add_list(&candidates, tm_element_kind_names, TM_EL_COUNT);
	} else if (n == 1 && strcasecmp(command, "flows") == 0) {
		words_add(&candidates, "crossing");
	} else if (n == 2 && strcasecmp(command, "flows") == 0 && strcasecmp(last, "crossing") == 0) {
		add_elements(&candidates, s, false, true);
	} else if (n == 1 && strcasecmp(command, "help") == 0) {
		words_add_list(&candidates, tm_query_command_names + 1, TM_QC_COUNT - 1);
	} else if (n == 1 && strcasecmp(command, "load") == 0) {
		rl_attempted_completion_over = 0; /* readline completes file names */
		return NULL;
	}
	if (!candidates.count)
		return NULL;
	return rl_completion_matches(text, generate);
}

/* ---- the interactive loop ---- */

static volatile sig_atomic_t got_sigint, got_winch;

static void on_signal(int sig)
{
	if (sig == SIGINT)
		got_sigint = 1;
	else
		got_winch = 1;
}

static void on_line(char *line)
{
	repl *r = active;
	if (!line) {
		/* Ctrl-D on an empty line */
		printf("\n");
		r->quit = true;
	} else {
		const char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p) {
			HIST_ENTRY *previous =
			    history_length ? history_get(history_base + history_length - 1) : NULL;
			if (!previous || strcmp(previous->line, line) != 0)
				add_history(line);
		}
		execute(r, line);
		free(line);
	}
	if (r->quit)
		rl_callback_handler_remove();
}

/* Ctrl-C: the half-typed line is dropped and a fresh prompt shown. */
static void abandon_line(void)
{
	rl_free_line_state();
	rl_callback_sigcleanup();
	rl_replace_line("", 0);
	rl_point = rl_end = 0;
	fputs("^C\n", stdout);
	fflush(stdout);
	rl_on_new_line();
	rl_redisplay();
}

static void interactive_loop(repl *r)
{
	char *history = history_path();
	using_history();
	stifle_history(HISTORY_LINES);
	if (history)
		read_history(history);

	rl_readline_name = "threat";
	rl_attempted_completion_function = complete;
	rl_completer_word_break_characters = (char *)" \t\n\"'()=!~";
	rl_completer_quote_characters = "\"'";
	/* readline's own handlers would end the process on Ctrl-C: ours only
	 * abandon the line */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;

	struct sigaction action = {0}, old_int, old_winch;
	action.sa_handler = on_signal;
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, &old_int);
	sigaction(SIGWINCH, &action, &old_winch);
	sigset_t blocked, waiting;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGWINCH);
	/* the signals arrive only while waiting for a key, never mid-command */
	sigprocmask(SIG_BLOCK, &blocked, &waiting);
	sigdelset(&waiting, SIGINT);
	sigdelset(&waiting, SIGWINCH);

	const char *name = r->session && r->session->model && r->session->model->meta.name
	                       ? r->session->model->meta.name
	                       : NULL;
	tm_buf banner = TM_BUF_INIT;
	tm_buf_printf(&banner, "threat %s", TM_VERSION);
	if (name) {
		tm_buf_puts(&banner, " — ");
		tm_term_sanitize(&banner, name);
		tm_buf_printf(&banner, ": %zu findings", r->session->findings.count);
	}
	tm_buf_puts(&banner, ". Type 'help' for the commands, Tab to complete, Ctrl-D to leave.\n");
	fputs(tm_buf_str(&banner), stdout);
	tm_buf_free(&banner);

	rl_callback_handler_install(PROMPT, on_line);
	int fd = fileno(rl_instream ? rl_instream : stdin);
	while (!r->quit) {
		fd_set ready;
		FD_ZERO(&ready);
		FD_SET(fd, &ready);
		int n = pselect(fd + 1, &ready, NULL, NULL, NULL, &waiting);
		if (n < 0) {
			if (errno != EINTR)
				break;
			if (got_sigint) {
				got_sigint = 0;
				abandon_line();
			}
			if (got_winch) {
				got_winch = 0;
				rl_resize_terminal();
			}
			continue;
		}
		rl_callback_read_char();
	}
	if (!r->quit)
		rl_callback_handler_remove();

	sigprocmask(SIG_UNBLOCK, &blocked, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGWINCH, &old_winch, NULL);
	if (history) {
		/* a history that cannot be saved is no reason to complain */
		if (write_history(history) == 0)
			history_truncate_file(history, HISTORY_LINES);
		free(history);
	}
	words_clear(&candidates);
	free(candidates.items);
	candidates = (words){0};
}

static void script_loop(repl *r)
{
	char *line = NULL;
	size_t cap = 0;
	while (!r->quit && getline(&line, &cap, stdin) >= 0)
		execute(r, line);
	free(line);
}

int tm_cli_cmd_repl(int argc, char **argv)
{
	const char *today_text = NULL;
	const char *file = NULL;
	bool strict = false;
	repl r = {0};
	bool bad = false;
	const tm_cli_opt opts[] = {{"--today", NULL, &today_text, NULL},
	                           {"--strict", NULL, NULL, &strict},
	                           {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		int taken = tm_cli_take(argc, argv, &i, opts);
		if (taken < 0)
			return 2;
		if (taken)
			continue;
		if (tm_cli_include_root(argc, argv, &i, &r.options, &bad)) {
			if (bad)
				return 2;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			tm_cli_usage_error("repl has no option %s", argv[i]);
			return 2;
		} else if (!file) {
			file = argv[i];
		} else {
			tm_cli_usage_error("repl opens one model ('%s' is one too many)", argv[i]);
			return 2;
		}
	}
	r.options.strict = strict;
	r.options.budget = tm_cli_budget();
	if (!tm_cli_today(today_text, &r.options.today))
		return 2;
	r.interactive = isatty(STDIN_FILENO);
	if (file)
		open_model(&r, file);
	active = &r;
	if (r.interactive)
		interactive_loop(&r);
	else
		script_loop(&r);
	active = NULL;
	tm_query_index_free(r.index);
	tm_session_free(r.session);
	/* Without a terminal the status tells a script whether every command
	 * (and the model) was good; interactively the person saw the errors. */
	return !r.interactive && r.failed ? 2 : 0;
}
