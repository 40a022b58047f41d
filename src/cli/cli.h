/* Helpers shared by the command implementations of the CLI. */
#ifndef TM_CLI_CLI_H
#define TM_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/diag.h"

void tm_cli_usage_error(const char *fmt, const char *arg);
bool tm_cli_stderr_color(void);
void tm_cli_print_diags(const tm_diags *diags);
bool tm_cli_option(int argc, char **argv, int *i, const char *name, const char **value);
bool tm_cli_today(const char *text, int32_t *today);
/* The packs' budget in seconds THREAT_BUDGET sets (main checks it at
 * start), or 0: the default. */
double tm_cli_budget(void);
void tm_cli_write(const tm_buf *out);

/* The document commands (cmd_report.c): `threat report`, `threat dfd`,
 * `threat new`. Each takes the arguments after the command name and
 * returns the exit status. */
int tm_cli_cmd_report(int argc, char **argv);
int tm_cli_cmd_dfd(int argc, char **argv);
int tm_cli_cmd_new(int argc, char **argv);

/* src/cli/cmd_query.c: `threat query FILE QUERY` and `threat repl [FILE]`. */
int tm_cli_cmd_query(int argc, char **argv);
int tm_cli_cmd_repl(int argc, char **argv);

#endif
