/* Unit tests for src/repo/readme.c: the enclosing work tree, what the
 * repository says about a model (README link, wiki path), the search for
 * a model, and the stand-in; every path that leaves the repository, by
 * ".." or by a symbolic link, counts as missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/date.h"
#include "base/diag.h"
#include "model/model.h"
#include "repo/readme.h"
#include "threat/status.h"

static char dir[64];

static void make_dirs(const char *relative)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, relative);
	for (char *p = path + strlen(dir) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
}

static void write_file(const char *relative, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, relative);
	FILE *file = fopen(path, "w");
	assert_non_null(file);
	fputs(text, file);
	fclose(file);
}

static void link_to(const char *target, const char *relative)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, relative);
	assert_int_equal(symlink(target, path), 0);
}

static char *path_of(const char *relative)
{
	tm_buf out = TM_BUF_INIT;
	tm_buf_printf(&out, "%s/%s", dir, relative);
	return tm_buf_detach(&out);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_repo.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char command[128];
	snprintf(command, sizeof command, "rm -rf '%s'", dir);
	return system(command) == 0 ? 0 : -1;
}

/* The model at `relative` (in the repository folder "repo"), probed. */
static tm_model *probe(const char *relative, const char *text)
{
	write_file(relative, text);
	char *path = path_of(relative);
	tm_model *model = NULL;
	tm_diags diags = {0};
	assert_int_equal(tm_model_load(&model, (const char *const *)&path, 1, NULL, &diags), TM_OK);
	tm_diags_free(&diags);
	free(path);
	char *root = path_of("repo");
	tm_repo repo;
	assert_true(tm_repo_open(&repo, root));
	free(root);
	tm_repo_probe(model, &repo);
	tm_repo_close(&repo);
	assert_non_null(model->repo);
	return model;
}

static void test_find_root(void **state)
{
	(void)state;
	make_dirs("work/.git");
	make_dirs("work/docs/security");
	write_file("work/docs/security/model.threat", "model \"m\"\n");
	char *from_file = path_of("work/docs/security/model.threat");
	char *from_dir = path_of("work/docs");
	char *expected = realpath(dir, NULL);
	tm_buf want = TM_BUF_INIT;
	tm_buf_printf(&want, "%s/work", expected);
	char *root = tm_repo_find_root(from_file);
	assert_string_equal(root, tm_buf_str(&want));
	free(root);
	root = tm_repo_find_root(from_dir);
	assert_string_equal(root, tm_buf_str(&want));
	free(root);
	/* A worktree's .git is a file. */
	make_dirs("tree/sub");
	write_file("tree/.git", "gitdir: /elsewhere\n");
	char *sub = path_of("tree/sub");
	root = tm_repo_find_root(sub);
	tm_buf_clear(&want);
	tm_buf_printf(&want, "%s/tree", expected);
	assert_string_equal(root, tm_buf_str(&want));
	free(root);
	free(sub);
	free(from_file);
	free(from_dir);
	free(expected);
	tm_buf_free(&want);
	char *missing = path_of("nowhere");
	assert_null(tm_repo_find_root(missing));
	free(missing);
}

static void test_readme_and_wiki(void **state)
{
	(void)state;
	make_dirs("repo/docs/security");
	make_dirs("repo/wiki/docs/clients/acme/security");
	write_file("repo/wiki/docs/clients/acme/security/threat-model.md", "# Threat model\n");
	write_file("repo/README.md", "See [the model](docs/security/model.threat).\n");
	tm_model *model = probe("repo/docs/security/model.threat",
	                        "model \"m\" { wiki \"wiki/docs/clients/acme/security/threat-model.md\" }\n");
	assert_string_equal(model->repo->model_path, "docs/security/model.threat");
	assert_string_equal(model->repo->readme, "README.md");
	assert_true(model->repo->readme_links_model);
	assert_string_equal(model->repo->wiki, "wiki/docs/clients/acme/security/threat-model.md");
	assert_true(model->repo->wiki_exists);
	assert_null(model->repo->wiki_found);
	assert_false(model->repo->no_model);
	tm_model_free(model);

	/* The nearest README wins, and a link to the model's folder counts. */
	write_file("repo/docs/README.md", "The [security model](security/) is kept here.\n");
	model = probe("repo/docs/security/model.threat", "model \"m\"\n");
	assert_string_equal(model->repo->readme, "docs/README.md");
	assert_true(model->repo->readme_links_model);
	assert_null(model->repo->wiki);
	assert_string_equal(model->repo->wiki_found, "wiki/docs/clients/acme/security/threat-model.md");
	tm_model_free(model);

	/* A file in the folder is not the folder. */
	write_file("repo/docs/README.md", "See security/other.threat.\n");
	model = probe("repo/docs/security/model.threat", "model \"m\"\n");
	assert_false(model->repo->readme_links_model);
	tm_model_free(model);
}

static void test_paths_stay_inside(void **state)
{
	(void)state;
	make_dirs("repo/docs");
	make_dirs("outside");
	write_file("outside/threat-model.md", "# elsewhere\n");
	write_file("outside/README.md", "docs/model.threat\n");
	link_to("../outside/threat-model.md", "repo/docs/linked.md");
	static const char *const escapes[] = {"../outside/threat-model.md", "docs/linked.md",
	                                      "docs/../../outside/threat-model.md", "/etc/hostname"};
	for (size_t i = 0; i < sizeof escapes / sizeof *escapes; i++) {
		tm_buf text = TM_BUF_INIT;
		tm_buf_printf(&text, "model \"m\" { wiki \"%s\" }\n", escapes[i]);
		tm_model *model = probe("repo/docs/model.threat", tm_buf_str(&text));
		tm_buf_free(&text);
		assert_string_equal(model->repo->wiki, escapes[i]);
		assert_false(model->repo->wiki_exists);
		/* The README outside the repository is never read. */
		assert_null(model->repo->readme);
		assert_false(model->repo->readme_links_model);
		tm_model_free(model);
	}
	/* A README that is a link out of the repository is not the README. */
	link_to("../outside/README.md", "repo/README.md");
	tm_model *model = probe("repo/docs/model.threat", "model \"m\"\n");
	assert_null(model->repo->readme);
	tm_model_free(model);
}

static void test_has_model(void **state)
{
	(void)state;
	make_dirs("repo/.git");
	make_dirs("repo/node_modules/pkg");
	make_dirs("repo/src");
	make_dirs("elsewhere");
	write_file("repo/.git/stray.threat", "model \"m\"\n");
	write_file("repo/node_modules/pkg/example.threat", "model \"m\"\n");
	write_file("repo/src/main.c", "int main(void) { return 0; }\n");
	write_file("elsewhere/model.threat", "model \"m\"\n");
	link_to("../elsewhere", "repo/linked");
	link_to("../elsewhere/model.threat", "repo/src/linked.threat");
	char *root = path_of("repo");
	assert_false(tm_repo_has_model(root));
	make_dirs("repo/docs/security");
	write_file("repo/docs/security/model.threat", "model \"m\"\n");
	assert_true(tm_repo_has_model(root));
	free(root);
}

static void test_stand_in(void **state)
{
	(void)state;
	tm_repo_stand_in stand_in;
	tm_repo_stand_in_init(&stand_in, "projects/a\"b\\c", tm_date_from_ymd(2026, 6, 1));
	assert_string_equal(stand_in.path, "projects/a\"b\\c/threat-model.threat");
	assert_string_equal(stand_in.text, "model \"a\\\"b\\\\c\" { date 2026-06-01 }\nuse \"governance\"\n");
	char *text = NULL;
	size_t len = 0;
	char why[64];
	assert_true(stand_in.reader.read(stand_in.reader.context, "/anything", &text, &len, why, sizeof why));
	assert_int_equal(len, strlen(stand_in.text));
	assert_string_equal(text, stand_in.text);
	free(text);
	tm_repo_stand_in_free(&stand_in);
	assert_null(stand_in.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_find_root, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readme_and_wiki, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_paths_stay_inside, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_has_model, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stand_in, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
