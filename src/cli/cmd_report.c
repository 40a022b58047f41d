/* The document commands: `threat report`, `threat dfd` and `threat new`.
 * They parse arguments, run the pipeline (tm_session_open) and hand the
 * result to a writer of src/render/report.h; writing to -o goes through a
 * temporary file and a rename, so a reader never sees half a report. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "base/file.h"
#include "cli/cli.h"
#include "render/report.h"
#include "template/template.h"
#include "session/session.h"
#include "threat/status.h"

/* True when `path` names one of the model's own files (even through
 * another spelling or a link), which -o must never overwrite. */
static bool is_model_file(const char *path, const tm_session *session)
{
	struct stat target, source;
	if (stat(path, &target) != 0)
		return false;
	const tm_model *model = session ? session->model : NULL;
	for (size_t i = 0; model && i < model->nfiles; i++) {
		const char *file =
		    model->files[i] && model->files[i]->src ? model->files[i]->src->path : NULL;
		if (file && stat(file, &source) == 0 && source.st_dev == target.st_dev &&
		    source.st_ino == target.st_ino)
			return true;
	}
	for (size_t i = 0; session && i < session->npaths; i++)
		if (stat(session->paths[i], &source) == 0 && source.st_dev == target.st_dev &&
		    source.st_ino == target.st_ino)
			return true;
	return false;
}

/* Writes the output to stdout (no path, or "-") or atomically to path.
 * Returns 0, or 2 after printing why. */
static int write_output(const char *path, const tm_buf *text, const tm_session *session)
{
	if (!path || strcmp(path, "-") == 0) {
		tm_cli_write(text);
		return 0;
	}
	if (is_model_file(path, session)) {
		fprintf(stderr,
		        "threat: error: refusing to write over the model file %s (choose another -o)\n",
		        path);
		return 2;
	}
	char why[256];
	if (tm_file_write_atomic(path, tm_buf_str(text), text->len, why, sizeof why) != 0) {
		fprintf(stderr, "threat: error: cannot write %s: %s\n", path, why);
		return 2;
	}
	return 0;
}

typedef struct doc_args {
	const char *format, *output, *today, *level;
	const char **files;
	size_t nfiles;
	bool merge; /* --merge: the files are the parts of one model */
	tm_session_options options;
} doc_args;

/* Parses FILE... [--format F] [-o OUT] [--today D] [--merge] [--level N]
 * (level only when allow_level). Returns false after a usage message. */
static bool parse_doc_args(const char *command, int argc, char **argv, bool allow_level, doc_args *args)
{
	args->files = tm_xcalloc((size_t)argc + 1, sizeof(char *));
	bool bad = false;
	const tm_cli_opt opts[] = {
	    {"--format", NULL, &args->format, NULL},         {"--output", "-o", &args->output, NULL},
	    {"--today", NULL, &args->today, NULL},           {"--merge", NULL, NULL, &args->merge},
	    {"--strict", NULL, NULL, &args->options.strict}, {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		const char *value = NULL;
		int taken = tm_cli_take(argc, argv, &i, opts);
		if (taken < 0)
			return false;
		if (taken)
			continue;
		if (tm_cli_include_root(argc, argv, &i, &args->options, &bad)) {
			if (bad)
				return false;
		} else if (allow_level && tm_cli_option(argc, argv, &i, "--level", &value)) {
			if (!value)
				return false;
			args->level = value;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			char message[64];
			snprintf(message, sizeof message, "%s has no option %%s", command);
			tm_cli_usage_error(message, argv[i]);
			return false;
		} else {
			args->files[args->nfiles++] = argv[i];
		}
	}
	if (!args->nfiles) {
		char message[64];
		snprintf(message, sizeof message, "%s needs a model file%%s", command);
		tm_cli_usage_error(message, "");
		return false;
	}
	return true;
}

/* A document of one model: one FILE, or several with --merge. Returns
 * false after a usage message. */
static bool one_model(const char *command, const doc_args *args)
{
	if (args->nfiles == 1 || args->merge)
		return true;
	char message[160];
	snprintf(message, sizeof message,
	         "%s writes one model at a time; '%%s' is a second (run %s once per "
	         "model, or give --merge when the files are the parts of one)",
	         command, command);
	tm_cli_usage_error(message, args->files[1]);
	return false;
}

/* Opens the session of files[0..nfiles); prints its diagnostics. NULL when
 * the model has errors (exit 2). */
static tm_session *open_session(const doc_args *args, const char **files, size_t nfiles)
{
	tm_session_options options = args->options;
	options.budget = tm_cli_budget();
	if (!tm_cli_today(args->today, &options.today))
		return NULL;
	tm_session *session = NULL;
	tm_session_open(&session, files, nfiles, &options);
	if (!session)
		return NULL;
	tm_cli_print_diags(&session->diags);
	if (session->model_failed || !session->model) {
		tm_session_free(session);
		return NULL;
	}
	return session;
}

/* `report --format json` of several FILEs, each its own model: an array
 * of their reports, in the order given. A model with errors is left out
 * (its diagnostics are printed) and makes the exit status 2. */
static int report_json_models(const doc_args *args)
{
	tm_buf text = TM_BUF_INIT;
	int status = 0;
	tm_buf_puts(&text, "[\n");
	size_t written = 0;
	for (size_t i = 0; i < args->nfiles; i++) {
		tm_session *session = open_session(args, &args->files[i], 1);
		if (!session) {
			status = 2;
			continue;
		}
		if (session->rules_failed)
			status = 2;
		tm_buf object = TM_BUF_INIT;
		tm_render_report_json(&object, session);
		tm_cli_json_array_item(&text, &object, written++ == 0);
		tm_buf_free(&object);
		/* -o must not name any of the models */
		if (args->output && strcmp(args->output, "-") != 0 && is_model_file(args->output, session)) {
			fprintf(
			    stderr,
			    "threat: error: refusing to write over the model file %s (choose another -o)\n",
			    args->output);
			tm_session_free(session);
			tm_buf_free(&text);
			return 2;
		}
		tm_session_free(session);
	}
	tm_buf_puts(&text, written ? "\n]\n" : "]\n");
	int written_status = write_output(args->output, &text, NULL);
	tm_buf_free(&text);
	return written_status ? written_status : status;
}

int tm_cli_cmd_report(int argc, char **argv)
{
	doc_args args = {.format = "md"};
	int status = 2;
	tm_session *session = NULL;
	tm_buf text = TM_BUF_INIT, warnings = TM_BUF_INIT;
	if (!parse_doc_args("report", argc, argv, false, &args))
		goto out;
	if (strcmp(args.format, "md") != 0 && strcmp(args.format, "json") != 0 &&
	    strcmp(args.format, "html") != 0) {
		tm_cli_usage_error("unknown format '%s' for report (md, json, html)", args.format);
		goto out;
	}
	if (strcmp(args.format, "json") == 0 && args.nfiles > 1 && !args.merge) {
		status = report_json_models(&args);
		goto out;
	}
	if (!one_model("report", &args))
		goto out;
	session = open_session(&args, args.files, args.nfiles);
	if (!session)
		goto out;
	if (strcmp(args.format, "json") == 0)
		tm_render_report_json(&text, session);
	else if (strcmp(args.format, "html") == 0)
		tm_render_report_html(&text, session, &warnings);
	else
		tm_render_report_md(&text, session);
	if (warnings.len)
		fprintf(stderr, "threat: warning: %s", tm_buf_str(&warnings));
	status = write_output(args.output, &text, session);
	if (status == 0 && (session->rules_failed || session->tracking_failed))
		status = 2;
out:
	tm_buf_free(&text);
	tm_buf_free(&warnings);
	tm_session_free(session);
	free(args.files);
	return status;
}

int tm_cli_cmd_dfd(int argc, char **argv)
{
	doc_args args = {.format = "dot", .level = "0"};
	int status = 2;
	tm_session *session = NULL;
	tm_buf text = TM_BUF_INIT, dot = TM_BUF_INIT, errors = TM_BUF_INIT;
	if (!parse_doc_args("dfd", argc, argv, true, &args))
		goto out;
	if (strcmp(args.format, "dot") != 0 && strcmp(args.format, "mermaid") != 0 &&
	    strcmp(args.format, "svg") != 0) {
		tm_cli_usage_error("unknown format '%s' for dfd (dot, mermaid, svg)", args.format);
		goto out;
	}
	if (strcmp(args.level, "0") != 0 && strcmp(args.level, "1") != 0) {
		tm_cli_usage_error("unknown level '%s' for dfd (0 or 1)", args.level);
		goto out;
	}
	int level = args.level[0] - '0';
	if (!one_model("dfd", &args))
		goto out;
	session = open_session(&args, args.files, args.nfiles);
	if (!session)
		goto out;
	const tm_model *model = session->model;
	if (strcmp(args.format, "mermaid") == 0) {
		tm_render_dfd_mermaid(&text, model, &session->findings, level);
	} else if (strcmp(args.format, "dot") == 0) {
		tm_render_dfd_dot(&text, model, &session->findings, level, model->meta.name);
	} else {
		tm_render_dfd_dot(&dot, model, &session->findings, level, model->meta.name);
		if (tm_render_svg(&text, tm_buf_str(&dot), dot.len, &errors) != TM_OK) {
			fprintf(stderr, "threat: error: %s", tm_buf_str(&errors));
			goto out;
		}
	}
	status = write_output(args.output, &text, session);
	if (status == 0 && (session->rules_failed || session->tracking_failed))
		status = 2;
out:
	tm_buf_free(&text);
	tm_buf_free(&dot);
	tm_buf_free(&errors);
	tm_session_free(session);
	free(args.files);
	return status;
}

int tm_cli_cmd_new(int argc, char **argv)
{
	const char *template_name = "ge-webapp", *output = NULL, *today_text = NULL;
	const tm_cli_opt opts[] = {{"--template", NULL, &template_name, NULL},
	                           {"--output", "-o", &output, NULL},
	                           {"--today", NULL, &today_text, NULL},
	                           {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		int taken = tm_cli_take_only(argc, argv, &i, opts, "new");
		if (taken < 0)
			return 2;
		if (taken)
			continue;
		if (!output) {
			/* `threat new FILE` is read as -o FILE */
			output = argv[i];
		} else {
			tm_cli_usage_error("new writes one file ('%s' is one too many)", argv[i]);
			return 2;
		}
	}
	int32_t today;
	if (!tm_cli_today(today_text, &today))
		return 2;
	tm_buf text = TM_BUF_INIT;
	if (tm_template_write(&text, template_name, today) != TM_OK) {
		tm_cli_usage_error("unknown template '%s' (there is ge-webapp)", template_name);
		tm_buf_free(&text);
		return 2;
	}
	int status = 0;
	if (!output || strcmp(output, "-") == 0) {
		tm_cli_write(&text);
		tm_buf_free(&text);
		return ferror(stdout) ? 2 : 0;
	}
	/* O_EXCL: never overwrite a model someone already started */
	int fd = open(output, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			fprintf(
			    stderr,
			    "threat: error: %s already exists; not overwriting it (choose another name)\n",
			    output);
		else
			fprintf(stderr, "threat: error: cannot create %s: %s\n", output, strerror(errno));
		tm_buf_free(&text);
		return 2;
	}
	int failed = tm_file_write_all(fd, tm_buf_str(&text), text.len) != 0;
	int saved = errno;
	if (close(fd) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (failed) {
		fprintf(stderr, "threat: error: cannot write %s: %s\n", output, strerror(saved));
		unlink(output);
		status = 2;
	} else {
		fprintf(stderr, "threat: wrote %s; next: threat check %s\n", output, output);
	}
	tm_buf_free(&text);
	return status;
}
