/* `threat import threagile FILE.yaml [-o OUT.threat] [--today DATE]`:
 * writes a Threagile model as a formatted .threat model (doc/interop.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/file.h"
#include "base/source.h"
#include "cli/cli.h"
#include "interop/threagile.h"
#include "threat/status.h"

/* Writes text to output, never over an existing file; false after a message. */
static bool write_new_file(const char *output, const char *text)
{
	int fd = open(output, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			fprintf(
			    stderr,
			    "threat: error: %s already exists; not overwriting it (choose another name)\n",
			    output);
		else
			fprintf(stderr, "threat: error: cannot create %s: %s\n", output, strerror(errno));
		return false;
	}
	int failed = tm_file_write_all(fd, text, strlen(text)) != 0;
	int saved = errno;
	if (close(fd) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (failed) {
		fprintf(stderr, "threat: error: cannot write %s: %s\n", output, strerror(saved));
		unlink(output);
		return false;
	}
	return true;
}

int tm_cli_cmd_import_threagile(int argc, char **argv)
{
	const char *input = NULL, *output = NULL, *today_text = NULL;
	const tm_cli_opt opts[] = {{"--output", "-o", &output, NULL},
	                           {"--today", NULL, &today_text, NULL},
	                           {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		int taken = tm_cli_take_only(argc, argv, &i, opts, "import threagile");
		if (taken < 0)
			return 2;
		if (taken)
			continue;
		if (!input) {
			input = argv[i];
		} else {
			tm_cli_usage_error("import threagile reads one file ('%s' is one too many)", argv[i]);
			return 2;
		}
	}
	if (!input) {
		tm_cli_usage_error("import threagile needs a Threagile YAML file%s", "");
		return 2;
	}
	tm_threagile_options options = {.budget = tm_cli_budget()};
	if (!tm_cli_today(today_text, &options.today))
		return 2;
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	char why[256];
	const tm_source *src = strcmp(input, "-") == 0
	                           ? tm_source_read_stdin(arena, "<stdin>", why, sizeof why)
	                           : tm_source_read(arena, input, why, sizeof why);
	int status = 2;
	char *text = NULL;
	if (!src) {
		fprintf(stderr, "threat: error: cannot read %s: %s\n", input, why);
		goto out;
	}
	int imported = tm_threagile_import(&text, src, &options, &diags);
	tm_cli_print_diags(&diags);
	if (imported != TM_OK)
		goto out;
	if (!output || strcmp(output, "-") == 0) {
		fputs(text, stdout);
		status = 0;
	} else if (write_new_file(output, text)) {
		fprintf(stderr, "threat: wrote %s; next: threat check %s\n", output, output);
		status = 0;
	}
out:
	free(text);
	tm_diags_free(&diags);
	tm_arena_free(arena);
	return status;
}
