/* Unit tests for src/repo/drift.c: the table (built in, extended from
 * JSON), what counts as a use of a service in each kind of manifest, how
 * a model element is matched, and the bounds: a manifest too large, a
 * symbolic link out of the repository, folders nested too deep. Each test
 * builds its repository in a fresh temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "model/model.h"
#include "repo/drift.h"
#include "threat/status.h"

static char repo[64];

static int make_repo(void **state)
{
	(void)state;
	snprintf(repo, sizeof repo, "/tmp/threat-drift-XXXXXX");
	return mkdtemp(repo) ? 0 : -1;
}

static int remove_repo(void **state)
{
	(void)state;
	char command[128];
	snprintf(command, sizeof command, "rm -rf '%s'", repo);
	return system(command) == 0 ? 0 : -1;
}

static void write_file(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", repo, name);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	char command[600];
	snprintf(command, sizeof command, "mkdir -p '%s'", path);
	assert_int_equal(system(command), 0);
	*slash = '/';
	FILE *file = fopen(path, "w");
	assert_non_null(file);
	fputs(text, file);
	fclose(file);
}

/* Scans the repository with the built-in table and renders the text. */
static int scan(tm_buf *text, const tm_model *model, tm_diags *diags)
{
	tm_drift_table table;
	tm_drift_table_init(&table);
	tm_drift drift;
	int status = tm_drift_scan(&drift, repo, &table, diags);
	tm_drift_match(&drift, &model, model ? 1 : 0);
	tm_drift_render_text(text, &drift);
	tm_drift_free(&drift);
	tm_drift_table_free(&table);
	return status;
}

static void test_manifests(void **state)
{
	(void)state;
	write_file(
	    "package.json",
	    "{\n  \"dependencies\": {\n    \"@sendgrid/mail\": \"8\",\n    \"left-pad\": \"1\"\n  }\n}\n");
	write_file("yarn.lock",
	           "# yarn\n\"@clerk/nextjs@^4.0.0\":\n  version \"4.29.0\"\nreact@^18:\n  version \"18\"\n");
	write_file("deploy/Dockerfile.worker", "from docker.io/datadog/agent:7\n");
	write_file("charts/app/values.yaml",
	           "image:\n  repository: newrelic/infrastructure\n  tag: latest\n");
	write_file("env.example", "RESEND_API_KEY=re_123\nNOT_RESEND=1\n");
	write_file("app/pnpm-lock.yaml", "lockfileVersion: '6.0'\npackages:\n\n  /@anthropic-ai/sdk@0.20.0:\n"
	                                 "    resolution: {integrity: sha512-x}\n  /left-pad@1.3.0:\n");
	tm_buf text = TM_BUF_INIT;
	tm_diags diags = {0};
	assert_int_equal(scan(&text, NULL, &diags), TM_OK);
	assert_string_equal(
	    tm_buf_str(&text),
	    "package.json:3: drift: SendGrid (e-mail) is used here (dependency @sendgrid/mail) but the "
	    "model has no element for it\n"
	    "app/pnpm-lock.yaml:4: drift: Anthropic (llm) is used here (dependency @anthropic-ai/sdk) but "
	    "the model has no element for it\n"
	    "yarn.lock:2: drift: Clerk (identity) is used here (dependency @clerk/nextjs) but the model "
	    "has no element for it\n"
	    "deploy/Dockerfile.worker:1: drift: Datadog (observability) is used here (image "
	    "docker.io/datadog/agent:7) but the model has no element for it\n"
	    "charts/app/values.yaml:2: drift: New Relic (observability) is used here (image "
	    "newrelic/infrastructure) but the model has no element for it\n"
	    "env.example:1: drift: Resend (e-mail) is used here (variable RESEND_API_KEY) but the model "
	    "has no element for it\n"
	    "6 services missing from the model (6 manifests read)\n");
	assert_int_equal(diags.count, 0);
	tm_buf_free(&text);
}

static void test_model_match(void **state)
{
	(void)state;
	write_file("package.json", "{\"dependencies\": {\"newrelic\": \"11\", \"@aws-sdk/client-ses\": "
	                           "\"3\", \"stripe\": \"1\"}}\n");
	/* "New Relic" in a label, SES as a word (not inside "sessions"), and
	 * no word "stripe" (only "striped") */
	const char *text = "model \"M\"\n"
	                   "external apm \"New Relic APM\"\n"
	                   "store sessions \"User sessions\" { tech redis }\n"
	                   "process striped \"Striped worker\"\n";
	tm_model *model = NULL;
	tm_diags diags = {0};
	assert_int_equal(tm_model_load_text(&model, "m.threat", text, strlen(text), &diags), TM_OK);
	tm_buf out = TM_BUF_INIT;
	assert_int_equal(scan(&out, model, &diags), TM_OK);
	assert_string_equal(
	    tm_buf_str(&out),
	    "package.json:1: drift: Amazon SES (e-mail) is used here (dependency @aws-sdk/client-ses) "
	    "but the model has no element for it\n"
	    "package.json:1: drift: Stripe (payments) is used here (dependency stripe) but the model has "
	    "no element for it\n"
	    "2 services missing from the model; in the model: newrelic (apm) (1 manifest read)\n");
	tm_buf_free(&out);
	tm_diags_free(&diags);
	tm_model_free(model);
}

static void test_bounds(void **state)
{
	(void)state;
	/* a package.json above the limit is an error, not read */
	char path[512];
	snprintf(path, sizeof path, "%s/big/package.json", repo);
	write_file("big/package.json", "");
	assert_int_equal(truncate(path, (off_t)TM_DRIFT_MAX_MANIFEST + 1), 0);
	/* a link out of the repository, to a folder with a manifest */
	write_file("outside/package.json", "{\"dependencies\": {\"stripe\": \"1\"}}\n");
	char target[512], link[512];
	snprintf(target, sizeof target, "%s/outside", repo);
	snprintf(link, sizeof link, "%s/inner/escape", repo);
	write_file("inner/.keep", "");
	assert_int_equal(symlink(target, link), 0);
	/* folders deeper than the limit */
	tm_buf deep = TM_BUF_INIT;
	tm_buf_puts(&deep, "inner");
	for (int i = 0; i < TM_DRIFT_MAX_DEPTH + 2; i++)
		tm_buf_puts(&deep, "/d");
	tm_buf_puts(&deep, "/package.json");
	write_file(tm_buf_str(&deep), "{\"dependencies\": {\"openai\": \"4\"}}\n");
	tm_buf_free(&deep);

	tm_drift_table table;
	tm_drift_table_init(&table);
	tm_drift drift;
	tm_diags diags = {0};
	/* the folder the link names moves out of the repository: only the
	 * link leads there now */
	char command[1200];
	snprintf(command, sizeof command,
	         "mv '%s/outside' '%s-outside' && ln -sfn '%s-outside' '%s/inner/escape'", repo, repo, repo,
	         repo);
	assert_int_equal(system(command), 0);
	assert_int_equal(tm_drift_scan(&drift, repo, &table, &diags), TM_ERR_INPUT);
	assert_int_equal(drift.count, 0);
	assert_int_equal(diags.errors, 1);
	assert_string_equal(diags.items[0].message, "big/package.json: larger than 16 MiB; not read");
	tm_drift_free(&drift);
	tm_drift_table_free(&table);
	tm_diags_free(&diags);
	snprintf(command, sizeof command, "rm -rf '%s-outside'", repo);
	assert_int_equal(system(command), 0);
}

/* A lock file naming one service fifty thousand times: 16 places kept,
 * found in well under a second (a line is looked up only for those). */
static void test_many_uses(void **state)
{
	(void)state;
	tm_buf lock = TM_BUF_INIT;
	tm_buf_puts(&lock, "{\"lockfileVersion\": 3, \"packages\": {\n");
	for (int i = 0; i < 50000; i++)
		tm_buf_printf(&lock, "%s\"node_modules/@stripe/x%d\": {\"version\": \"1\"}\n", i ? "," : "",
		              i);
	tm_buf_puts(&lock, "}}\n");
	write_file("package-lock.json", tm_buf_str(&lock));
	tm_buf_free(&lock);
	tm_drift_table table;
	tm_drift_table_init(&table);
	tm_drift drift;
	tm_diags diags = {0};
	clock_t start = clock();
	assert_int_equal(tm_drift_scan(&drift, repo, &table, &diags), TM_OK);
	assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 5.0);
	assert_int_equal(drift.count, 1);
	assert_int_equal(drift.uses[0].nevidence, 16);
	assert_int_equal(drift.uses[0].evidence[0].line, 2);
	tm_drift_free(&drift);
	tm_drift_table_free(&table);
	tm_diags_free(&diags);
}

static void test_table_from_json(void **state)
{
	(void)state;
	write_file("services.json",
	           "{\"services\": [{\"id\": \"stripe\", \"label\": \"Stripe (EU)\", \"npm\": [\"stripe\"]},"
	           " {\"id\": \"acme\", \"env\": [\"ACME_*\"]}]}\n");
	write_file("bad.json", "{\"services\": [{\"id\": \"x\", \"match\": [\"\"]}]}\n");
	char path[512];
	tm_drift_table table;
	tm_drift_table_init(&table);
	size_t builtin = table.count;
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	snprintf(path, sizeof path, "%s/services.json", repo);
	assert_int_equal(tm_drift_table_load(&table, arena, path, &diags), TM_OK);
	assert_int_equal(table.count, builtin + 1);
	assert_string_equal(table.items[0].label, "Stripe (EU)");
	assert_string_equal(table.items[builtin].category, "service");
	assert_string_equal(table.items[builtin].match[0], "acme");
	snprintf(path, sizeof path, "%s/bad.json", repo);
	assert_int_equal(tm_drift_table_load(&table, arena, path, &diags), TM_ERR_INPUT);
	assert_string_equal(diags.items[0].message,
	                    "service 1: an object with an \"id\" and lists of at most 64 "
	                    "non-empty strings (\"npm\", \"env\", \"images\", \"match\")");
	tm_diags_free(&diags);
	tm_arena_free(arena);
	tm_drift_table_free(&table);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_manifests, make_repo, remove_repo),
	    cmocka_unit_test_setup_teardown(test_model_match, make_repo, remove_repo),
	    cmocka_unit_test_setup_teardown(test_bounds, make_repo, remove_repo),
	    cmocka_unit_test_setup_teardown(test_many_uses, make_repo, remove_repo),
	    cmocka_unit_test_setup_teardown(test_table_from_json, make_repo, remove_repo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
