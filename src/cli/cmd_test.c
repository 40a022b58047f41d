/* `threat test PACK… [FIXTURE…]`: rule packs checked against their
 * fixtures (packtest/packtest.h). Exit 0 when every fixture matches, 1 on
 * a difference, 2 on an error (a pack, a fixture or an annotation). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "cli/cli.h"
#include "packtest/packtest.h"
#include "rules/rules.h"
#include "threat/status.h"

/* A word on the line names fixtures when it is a folder or a .threat file. */
static bool names_fixtures(const char *arg)
{
	struct stat st;
	size_t len = strlen(arg);
	return (len > 7 && strcmp(arg + len - 7, ".threat") == 0) ||
	       (stat(arg, &st) == 0 && S_ISDIR(st.st_mode));
}

int tm_cli_cmd_test(int argc, char **argv)
{
	const char *format = "text", *today_text = NULL, *budget_text = NULL;
	const char **packs = tm_xcalloc((size_t)argc + 1, sizeof(char *));
	const char **fixtures = tm_xcalloc((size_t)argc + 1, sizeof(char *));
	tm_packtest_options options = {0};
	int status = 2;
	tm_packtest *test = NULL;
	tm_diags diags = {0};
	const tm_cli_opt opts[] = {{"--format", NULL, &format, NULL},
	                           {"--today", NULL, &today_text, NULL},
	                           {"--budget", NULL, &budget_text, NULL},
	                           {"--with-builtins", NULL, NULL, &options.with_builtins},
	                           {"--lenient", NULL, NULL, &options.lenient},
	                           {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		int taken = tm_cli_take_only(argc, argv, &i, opts, "test");
		if (taken < 0)
			goto out;
		if (taken)
			continue;
		if (names_fixtures(argv[i])) {
			fixtures[options.nfixtures++] = argv[i];
		} else {
			packs[options.npacks++] = argv[i];
		}
	}
	if (!options.npacks) {
		tm_cli_usage_error("test needs a rule pack: threat test PACK… [FIXTURE…]%s", "");
		goto out;
	}
	bool json = strcmp(format, "json") == 0;
	if (!json && strcmp(format, "text") != 0) {
		tm_cli_usage_error("unknown format '%s' for test (text, json)", format);
		goto out;
	}
	options.budget = tm_cli_budget();
	if (budget_text && !(options.budget = tm_rules_parse_budget(budget_text))) {
		tm_cli_usage_error("--budget wants a number of seconds above 0 and at most 86400, not '%s'",
		                   budget_text);
		goto out;
	}
	if (!tm_cli_today(today_text, &options.today))
		goto out;
	options.packs = packs;
	options.fixtures = fixtures;
	int opened = tm_packtest_open(&test, &options, &diags);
	tm_cli_print_diags(&diags);
	if (opened != TM_OK)
		goto out;

	tm_buf text = TM_BUF_INIT;
	if (json)
		tm_packtest_json_begin(&text, test);
	for (size_t i = 0; i < tm_packtest_count(test); i++) {
		const tm_packtest_fixture *fixture = tm_packtest_run(test, i);
		tm_cli_print_diags(&fixture->diags);
		if (json)
			tm_packtest_json_fixture(test, fixture);
		else
			tm_packtest_text_fixture(&text, fixture);
		/* line by line, so a long run shows its progress */
		tm_cli_write(&text);
		tm_buf_clear(&text);
	}
	if (json)
		tm_packtest_json_end(test);
	else
		tm_packtest_text_summary(&text, test);
	tm_cli_write(&text);
	tm_buf_free(&text);
	size_t passed, failed, broken;
	tm_packtest_counts(test, &passed, &failed, &broken);
	status = broken ? 2 : failed ? 1 : 0;
out:
	tm_packtest_free(test);
	tm_diags_free(&diags);
	free(packs);
	free(fixtures);
	return status;
}
