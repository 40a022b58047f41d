/* `threat drift [--repo DIR] [--services FILE.json]... [--format
 * text|json|sarif] [MODEL...]`: the services the repository's code uses
 * that its threat model lacks (doc/drift.md). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "cli/cli.h"
#include "model/model.h"
#include "repo/drift.h"
#include "threat/status.h"

/* The git work tree around the current folder (a folder holding .git), or
 * NULL; malloc'd. */
static char *enclosing_work_tree(void)
{
	char *dir = getcwd(NULL, 0);
	while (dir) {
		size_t len = strlen(dir);
		char *git = malloc(len + 6);
		if (!git)
			break;
		snprintf(git, len + 6, "%s/.git", dir);
		struct stat st;
		bool found = lstat(git, &st) == 0;
		free(git);
		if (found)
			return dir;
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}
	free(dir);
	return NULL;
}

/* Whether `path` is one of the files of `model` other than its first. */
static bool is_part_of(const tm_model *model, const char *real)
{
	for (size_t f = 1; model && f < model->nfiles; f++) {
		char resolved[PATH_MAX];
		if (realpath(model->files[f]->src->path, resolved) && strcmp(resolved, real) == 0)
			return true;
	}
	return false;
}

int tm_cli_cmd_drift(int argc, char **argv)
{
	const char *repo = NULL, *format = "text";
	const char **services = NULL, **models = NULL;
	size_t nservices = 0, nmodels = 0;
	int status = 2;
	const tm_cli_opt opts[] = {
	    {"--repo", NULL, &repo, NULL}, {"--format", NULL, &format, NULL}, {NULL, NULL, NULL, NULL}};
	for (int i = 0; i < argc; i++) {
		const char *value = NULL;
		int taken = tm_cli_take(argc, argv, &i, opts);
		if (taken < 0)
			goto out;
		if (taken)
			continue;
		if (tm_cli_option(argc, argv, &i, "--services", &value)) {
			if (!value)
				goto out;
			services = realloc(services, (nservices + 1) * sizeof(*services));
			services[nservices++] = value;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			tm_cli_usage_error("drift has no option %s", argv[i]);
			goto out;
		} else {
			models = realloc(models, (nmodels + 1) * sizeof(*models));
			models[nmodels++] = argv[i];
		}
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 && strcmp(format, "sarif") != 0) {
		tm_cli_usage_error("unknown format '%s' for drift (text, json, sarif)", format);
		goto out;
	}
	char *work_tree = NULL;
	if (!repo) {
		work_tree = enclosing_work_tree();
		if (!work_tree) {
			tm_cli_usage_error(
			    "drift: the current folder is in no git work tree; name the repository "
			    "with --repo DIR%s",
			    "");
			goto out;
		}
		repo = work_tree;
	}
	struct stat st;
	if (stat(repo, &st) != 0 || !S_ISDIR(st.st_mode)) {
		tm_cli_usage_error("--repo wants a folder, not '%s'", repo);
		free(work_tree);
		goto out;
	}

	tm_diags diags = {0};
	tm_arena *arena = tm_arena_new();
	tm_drift_table table;
	tm_drift_table_init(&table);
	bool failed = false;

	/* the models: those named, else every .threat file of the repository
	 * that no other one includes */
	size_t nfound = 0;
	char **found = nmodels ? NULL : tm_drift_find_models(repo, &nfound);
	size_t count = nmodels ? nmodels : nfound;
	tm_model **loaded = calloc(count ? count : 1, sizeof(*loaded));
	for (size_t i = 0; i < count && !failed; i++) {
		const char *path = nmodels ? models[i] : found[i];
		failed |= tm_model_load(&loaded[i], &path, 1, NULL, &diags) != TM_OK;
	}
	for (size_t i = 0; !nmodels && !failed && i < count; i++) {
		char real[PATH_MAX];
		for (size_t j = 0; j < count && realpath(found[i], real); j++) {
			if (j != i && loaded[j] && is_part_of(loaded[j], real)) {
				tm_model_free(loaded[i]);
				loaded[i] = NULL;
				break;
			}
		}
	}
	/* the packs' tables first, so --services has the last word */
	if (!failed) {
		failed |= tm_drift_table_load_packs(&table, arena, (const tm_model *const *)loaded, count,
		                                    &diags) != TM_OK;
		for (size_t i = 0; i < nservices; i++)
			failed |= tm_drift_table_load(&table, arena, services[i], &diags) != TM_OK;
	}
	if (!failed && !count)
		tm_diag_warning(&diags, (tm_span){0},
		                "%s holds no .threat model: every service it uses is missing", repo);

	tm_drift drift = {0};
	if (!failed) {
		failed |= tm_drift_scan(&drift, repo, &table, &diags) != TM_OK;
		tm_drift_match(&drift, (const tm_model *const *)loaded, count);
		tm_buf out = TM_BUF_INIT;
		if (strcmp(format, "json") == 0)
			tm_drift_render_json(&out, &drift, repo);
		else if (strcmp(format, "sarif") == 0)
			tm_drift_render_sarif(&out, &drift, repo);
		else
			tm_drift_render_text(&out, &drift);
		tm_cli_write(&out);
		tm_buf_free(&out);
	}
	tm_cli_print_diags(&diags);
	status = failed ? 2 : tm_drift_missing(&drift) ? 1 : 0;
	tm_drift_free(&drift);
	for (size_t i = 0; i < count; i++)
		tm_model_free(loaded[i]);
	free(loaded);
	tm_drift_free_paths(found, nfound);
	tm_drift_table_free(&table);
	tm_diags_free(&diags);
	tm_arena_free(arena);
	free(work_tree);
out:
	free(services);
	free(models);
	return status;
}
