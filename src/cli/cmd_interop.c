/* `threat import FORMAT FILE` and `threat export --format FORMAT MODEL`:
 * other tools' formats in and out (src/interop, doc/interop.md). Output
 * goes to standard output, or with -o through a temporary file and a
 * rename; an existing file is replaced only with --force, and never one
 * of the files read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/source.h"
#include "cli/cli.h"
#include "interop/interop.h"
#include "session/session.h"
#include "threat/status.h"

static bool same_file(const char *a, const char *b)
{
	struct stat x, y;
	return a && b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Writes text to standard output (no path, or "-") or to path: refuses a
 * file that exists without force, and any of `inputs`. Returns 0, or 2
 * after saying why. */
static int write_to(const char *path, const tm_buf *text, bool force, const char *const *inputs,
                    size_t ninputs)
{
	if (!path || strcmp(path, "-") == 0) {
		tm_cli_write(text);
		return 0;
	}
	for (size_t i = 0; i < ninputs; i++) {
		if (same_file(path, inputs[i])) {
			fprintf(stderr,
			        "threat: error: refusing to write over %s, which this command reads (choose "
			        "another -o)\n",
			        path);
			return 2;
		}
	}
	struct stat st;
	if (!force && lstat(path, &st) == 0) {
		fprintf(stderr,
		        "threat: error: %s already exists; not overwriting it (choose another -o, or give "
		        "--force)\n",
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

/* The formats import reads: the table's, and threagile, whose importer
 * runs the rule packs and has a command of its own
 * (cmd_import_threagile.c). */
static void list_formats(tm_buf *out)
{
	for (size_t i = 0; i < tm_interop_nformats; i++)
		tm_buf_printf(out, "%s, ", tm_interop_formats[i].name);
	tm_buf_puts(out, "threagile");
}

int tm_cli_cmd_import(int argc, char **argv)
{
	const char *format_name = NULL, *input = NULL, *output = NULL;
	bool force = false;
	const tm_cli_opt opts[] = {
	    {"--output", "-o", &output, NULL}, {"--force", NULL, NULL, &force}, {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		int taken = tm_cli_take_only(argc, argv, &i, opts, "import");
		if (taken < 0)
			return 2;
		if (taken)
			continue;
		if (!format_name) {
			format_name = argv[i];
		} else if (!input) {
			input = argv[i];
		} else {
			tm_cli_usage_error("import reads one file ('%s' is one too many)", argv[i]);
			return 2;
		}
	}
	tm_buf names = TM_BUF_INIT;
	list_formats(&names);
	if (!format_name || !input) {
		tm_cli_usage_error("import needs a format (%s) and a file", tm_buf_str(&names));
		tm_buf_free(&names);
		return 2;
	}
	const tm_interop_format *format = tm_interop_find_format(format_name);
	if (!format) {
		char message[256];
		snprintf(message, sizeof message, "import reads no format '%%s' (%s)", tm_buf_str(&names));
		tm_cli_usage_error(message, format_name);
		tm_buf_free(&names);
		return 2;
	}
	tm_buf_free(&names);
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	char why[256];
	bool from_stdin = strcmp(input, "-") == 0;
	tm_source *src = from_stdin ? tm_source_read_stdin(arena, "<stdin>", why, sizeof why)
	                            : tm_source_read(arena, input, why, sizeof why);
	int status = 2;
	char *model = NULL;
	if (!src) {
		fprintf(stderr, "threat: error: cannot read %s: %s\n", input, why);
		goto out;
	}
	int imported = tm_interop_import(&model, format, arena, src, &diags);
	tm_cli_print_diags(&diags);
	if (imported != TM_OK || !model)
		goto out;
	tm_buf text = {.data = model, .len = strlen(model), .cap = strlen(model) + 1};
	const char *inputs[] = {input};
	status = write_to(output, &text, force, inputs, from_stdin ? 0 : 1);
	if (status == 0 && output && strcmp(output, "-") != 0)
		fprintf(stderr, "threat: wrote %s; next: threat check %s\n", output, output);
out:
	free(model);
	tm_diags_free(&diags);
	tm_arena_free(arena);
	return status;
}

int tm_cli_cmd_export(int argc, char **argv)
{
	const char *format = NULL, *output = NULL, *today = NULL;
	bool force = false, merge = false;
	tm_session_options options = {0};
	const char **files = calloc((size_t)argc + 1, sizeof(char *));
	size_t nfiles = 0;
	int status = 2;
	tm_session *session = NULL;
	tm_buf text = TM_BUF_INIT, warnings = TM_BUF_INIT;
	if (!files)
		return 2;
	const tm_cli_opt opts[] = {
	    {"--format", NULL, &format, NULL}, {"--output", "-o", &output, NULL},
	    {"--today", NULL, &today, NULL},   {"--force", NULL, NULL, &force},
	    {"--merge", NULL, NULL, &merge},   {"--strict", NULL, NULL, &options.strict},
	    {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		bool bad = false;
		int taken = tm_cli_take(argc, argv, &i, opts);
		if (taken < 0)
			goto out;
		if (taken)
			continue;
		if (tm_cli_include_root(argc, argv, &i, &options, &bad)) {
			if (bad)
				goto out;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			tm_cli_usage_error("export has no option %s", argv[i]);
			goto out;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (!format) {
		tm_cli_usage_error("export needs --format (otm, threat-dragon)%s", "");
		goto out;
	}
	if (strcmp(format, "otm") != 0 && strcmp(format, "threat-dragon") != 0) {
		tm_cli_usage_error("unknown format '%s' for export (otm, threat-dragon)", format);
		goto out;
	}
	if (!nfiles) {
		tm_cli_usage_error("export needs a model file%s", "");
		goto out;
	}
	if (nfiles > 1 && !merge) {
		tm_cli_usage_error(
		    "export writes one model at a time; '%s' is a second (give --merge when the "
		    "files are the parts of one)",
		    files[1]);
		goto out;
	}
	options.budget = tm_cli_budget();
	if (!tm_cli_today(today, &options.today))
		goto out;
	tm_session_open(&session, files, nfiles, &options);
	if (!session)
		goto out;
	tm_cli_print_diags(&session->diags);
	if (session->model_failed || !session->model)
		goto out;
	if (strcmp(format, "otm") == 0)
		tm_interop_export_otm(&text, session, &warnings);
	else
		tm_interop_export_threat_dragon(&text, session, &warnings);
	for (const char *line = tm_buf_str(&warnings); *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		fprintf(stderr, "threat: warning: %.*s\n", (int)len, line);
		line += len + (end ? 1 : 0);
	}
	/* every file of the model is an input -o must not replace */
	const tm_model *model = session->model;
	const char **inputs = calloc(model->nfiles + 1, sizeof(char *));
	size_t ninputs = 0;
	for (size_t i = 0; inputs && i < model->nfiles; i++)
		if (model->files[i] && model->files[i]->src)
			inputs[ninputs++] = model->files[i]->src->path;
	status = inputs ? write_to(output, &text, force, inputs, ninputs) : 2;
	free(inputs);
	if (status == 0 && (session->rules_failed || session->tracking_failed))
		status = 2;
out:
	tm_buf_free(&text);
	tm_buf_free(&warnings);
	tm_session_free(session);
	free(files);
	return status;
}
