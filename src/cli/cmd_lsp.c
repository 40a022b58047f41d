/* `threat lsp`: the language server over standard input and output. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lsp/lsp.h"
#include "rules/rules.h"

int tm_cli_cmd_lsp(int argc, char **argv)
{
	tm_lsp_options options = {.input = STDIN_FILENO, .output = STDOUT_FILENO};
	const char *today_text = NULL;
	bool bad = false;
	for (int i = 0; i < argc && !bad; i++) {
		const char *value;
		if (tm_cli_include_root(argc, argv, &i, &options.session, &bad)) {
			continue;
		} else if (tm_cli_option(argc, argv, &i, "--today", &value)) {
			if (!value)
				return 2;
			today_text = value;
		} else if (strcmp(argv[i], "--strict") == 0) {
			options.session.strict = true;
		} else if (strcmp(argv[i], "--stdio") == 0) {
			/* what LSP clients pass to say the transport: the only one */
		} else {
			tm_cli_usage_error(
			    "lsp has no option or argument %s (it talks over standard input and "
			    "output)",
			    argv[i]);
			return 2;
		}
	}
	if (bad || !tm_cli_today(today_text, &options.session.today))
		return 2;
	options.session.budget = tm_cli_budget();
	/* a client that goes away shows as a failed write, not a signal */
	signal(SIGPIPE, SIG_IGN);
	return tm_lsp_serve(&options);
}
