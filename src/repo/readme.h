/* The repository a model lives in (doc/packs.md, "governance"): the
 * enclosing git work tree, whether its README links the model, whether the
 * model's wiki path exists, and whether it holds a model at all. Nothing
 * here follows a path out of the repository's folder: every file it reads
 * or tests must resolve, symbolic links and all, to a place inside it. */
#ifndef TM_REPO_README_H
#define TM_REPO_README_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/* The enclosing git work tree of `path` (a file or a folder): the nearest
 * folder, from path's own upward, that holds a `.git` entry. Returns an
 * allocated absolute path, or NULL when there is none. */
char *tm_repo_find_root(const char *path);

/* The folder `dir` as an allocated absolute path with every link resolved,
 * or NULL (with errno) when it is not a folder. */
char *tm_repo_resolve_dir(const char *dir);

/* A repository: its folder as the user gave it (or as found), for
 * messages, and resolved, for every test of a path. */
typedef struct tm_repo {
	char *dir;
	char *root;
} tm_repo;

/* The repository at `dir`: false (errno set) when dir is not a folder. */
bool tm_repo_open(tm_repo *repo, const char *dir);
void tm_repo_close(tm_repo *repo);

/* Fills model->repo for the repository `repo` (a tm_repo *): a
 * tm_session_options probe. */
void tm_repo_probe(tm_model *model, void *repo);

/* Whether the repository holds a model: a `*.threat` file in its folder
 * tree, outside hidden folders and dependency folders (node_modules,
 * vendor), found without following symbolic links. */
bool tm_repo_has_model(const char *root);

/* The stand-in for a repository that holds no model: the text of a model
 * whose only pack is governance, which raises the missing model (GOV-06).
 * `path` is where the outputs place it, DIR/threat-model.threat (where the
 * model belongs); `reader` serves the text to tm_session_open, so nothing
 * is written. The stand-in is dated `today`, so the finding's deadline
 * runs from the check. */
typedef struct tm_repo_stand_in {
	char *path;
	char *text;
	tm_file_reader reader;
} tm_repo_stand_in;

void tm_repo_stand_in_init(tm_repo_stand_in *stand_in, const char *root, int32_t today);
void tm_repo_stand_in_free(tm_repo_stand_in *stand_in);

/* The probe for a stand-in (context: a tm_repo *): marks the repository
 * as holding no model. */
void tm_repo_probe_missing(tm_model *model, void *repo);

#endif
