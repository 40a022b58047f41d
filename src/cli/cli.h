/* Helpers shared by the command implementations of the CLI. */
#ifndef TM_CLI_CLI_H
#define TM_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/diag.h"
#include "model/model.h"

void tm_cli_usage_error(const char *fmt, const char *arg);
bool tm_cli_stderr_color(void);
void tm_cli_print_diags(const tm_diags *diags);
bool tm_cli_option(int argc, char **argv, int *i, const char *name, const char **value);
/* One option a command takes, under its name and an optional short alias
 * ("--output", "-o"): one with a value sets *value, a flag sets *flag. A
 * command lists its options in a table ended by { NULL }. */
typedef struct tm_cli_opt {
	const char *name, *alias;
	const char **value;
	bool *flag;
} tm_cli_opt;
/* Takes argv[*i] (and its value) when it is one of `opts`: 1; 0 when it is
 * none of them; -1 after a usage message for a missing value. */
int tm_cli_take(int argc, char **argv, int *i, const tm_cli_opt *opts);
/* tm_cli_take for a command whose options are all in `opts`: any other
 * argument that starts with '-' (but "-" alone) is refused with "COMMAND
 * has no option X" and -1. */
int tm_cli_take_only(int argc, char **argv, int *i, const tm_cli_opt *opts, const char *command);
bool tm_cli_today(const char *text, int32_t *today);
/* Takes "--include-root DIR" at argv[*i] into options; true if it matched.
 * *bad is set after a usage message (no value, not a folder, too many). */
struct tm_session_options;
bool tm_cli_include_root(int argc, char **argv, int *i, struct tm_session_options *options, bool *bad);
/* The packs' budget in seconds THREAT_BUDGET sets (main checks it at
 * start), or 0: the default. */
double tm_cli_budget(void);
void tm_cli_write(const tm_buf *out);

/* src/cli/help.c: the list of commands, and each command's help
 * (false for a name that is no command). */
extern const char tm_cli_usage_text[];
bool tm_cli_print_help(const char *command);

/* src/cli/output.c: --color=auto|always|never, and the pager. */
typedef enum tm_cli_color_mode {
	TM_CLI_COLOR_AUTO,
	TM_CLI_COLOR_ALWAYS,
	TM_CLI_COLOR_NEVER
} tm_cli_color_mode; /* ORDER COLOR */
/* Takes every --color option out of argv (anywhere on the line) and keeps
 * the last; false after a usage message for an unknown value. */
bool tm_cli_take_color_options(int *argc, char **argv);
/* Whether to colour what goes to stream: --color, else tm_term_color. */
bool tm_cli_color(FILE *stream);
/* Writes text to standard output, through $PAGER (default less -FRX) when
 * standard output is a terminal and the text is as long as the screen. */
void tm_cli_write_paged(const tm_buf *text);
/* Appends a JSON object (with or without its trailing newline) to an array
 * that was started with "[\n", indented one level, after a comma unless it
 * is the first; the caller ends the array with "\n]\n" (or "]\n" when
 * it is empty). */
void tm_cli_json_array_item(tm_buf *array, const tm_buf *object, bool first);

/* The document commands (cmd_report.c): `threat report`, `threat dfd`,
 * `threat new`. Each takes the arguments after the command name and
 * returns the exit status. */
int tm_cli_cmd_report(int argc, char **argv);
int tm_cli_cmd_dfd(int argc, char **argv);
int tm_cli_cmd_new(int argc, char **argv);

/* src/cli/git.c: a git revision the model is read from (`threat diff REV
 * -- FILE`). open resolves the revision to a commit in the git work tree
 * around the current folder; false after a usage message. The reader
 * reads files from that commit, never from the disk. */
typedef struct tm_cli_revision {
	char *name;     /* as written, for messages */
	char *commit;   /* the full id it names */
	char *toplevel; /* the work tree's top folder */
	tm_file_reader reader;
} tm_cli_revision;
bool tm_cli_revision_open(tm_cli_revision *out, const char *name);
void tm_cli_revision_close(tm_cli_revision *rev);

/* src/cli/cmd_interop.c: `threat import FORMAT FILE` and `threat export
 * --format FORMAT MODEL` (other tools' formats, doc/interop.md). */
int tm_cli_cmd_import(int argc, char **argv);
int tm_cli_cmd_export(int argc, char **argv);

/* src/cli/cmd_query.c: `threat query FILE QUERY` and `threat repl [FILE]`. */
int tm_cli_cmd_query(int argc, char **argv);
int tm_cli_cmd_repl(int argc, char **argv);

/* src/cli/cmd_lsp.c: `threat lsp`, the language server. */
int tm_cli_cmd_lsp(int argc, char **argv);

/* src/cli/cmd_import_threagile.c: `threat import threagile FILE`, with the
 * arguments after `threagile`. */
int tm_cli_cmd_import_threagile(int argc, char **argv);

/* src/cli/cmd_drift.c: `threat drift`, with the arguments after `drift`. */
int tm_cli_cmd_drift(int argc, char **argv);

/* src/cli/cmd_test.c: `threat test PACK… [FIXTURE…]`. */
int tm_cli_cmd_test(int argc, char **argv);

#endif
