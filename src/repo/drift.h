/* `threat drift`: the services a repository's code uses (its dependency
 * manifests, container images and environment templates) that its threat
 * model does not contain. The services come from a table (built in, and
 * extended by JSON files: doc/drift.md); the repository is read without
 * following a symbolic link or leaving its folder. */
#ifndef TM_REPO_DRIFT_H
#define TM_REPO_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "model/model.h"

/* A manifest larger than this is an error, not read. */
#define TM_DRIFT_MAX_MANIFEST ((size_t)16 * 1024 * 1024)
/* At most this many files and folders are looked at, this deep. */
#define TM_DRIFT_MAX_ENTRIES 200000
#define TM_DRIFT_MAX_DEPTH   32
/* A table holds at most this many services, each at most this many names. */
#define TM_DRIFT_MAX_SERVICES 1000
#define TM_DRIFT_MAX_NAMES    64

/* A service the table knows. Each list's names: a name ending in '*' is a
 * prefix: "@stripe/...*" or "STRIPE_*" (a '*' last). */
typedef struct tm_drift_service {
	const char *id, *label, *category;
	const char **npm, **env, **images, **match; /* NULL-terminated */
} tm_drift_service;

typedef struct tm_drift_table {
	tm_arena *arena;
	tm_drift_service *items;
	size_t count, cap;
} tm_drift_table;

/* Where the code uses a service: a file (relative to the repository), a
 * line, and what was found there ("dependency stripe"). */
typedef struct tm_drift_evidence {
	const char *file;
	uint32_t line;
	const char *what;
	/* how direct the evidence is: a package.json first, then a lock file,
	 * a Dockerfile, Kubernetes YAML, an environment template */
	int rank;
} tm_drift_evidence;

/* A service the repository uses, where, and the model element that
 * stands for it (NULL: drift). */
typedef struct tm_drift_use {
	const tm_drift_service *service;
	tm_drift_evidence *evidence; /* sorted by rank, file and line */
	size_t nevidence, cap;
	const char *element; /* the model element's key, or NULL */
} tm_drift_use;

typedef struct tm_drift {
	tm_arena *arena;
	tm_drift_use *uses; /* sorted by their first evidence */
	size_t count, cap;
	size_t files_read; /* manifests read */
} tm_drift;

/* The built-in table. */
void tm_drift_table_init(tm_drift_table *table);
void tm_drift_table_free(tm_drift_table *table);
/* Adds the services of a JSON file ({"services": [{"id": ..., "label": ...,
 * "category": ..., "npm": [...], "env": [...], "images": [...], "match":
 * [...]}]}); one with a known id replaces it. Errors go to diags at their
 * place; returns TM_OK or TM_ERR_INPUT / TM_ERR_IO. */
int tm_drift_table_load(tm_drift_table *table, tm_arena *arena, const char *path, tm_diags *diags);

/* Adds the services tables the models' packs ship: for `use
 * "./rules/acme.lua"`, the file rules/acme.services.json beside it when
 * there is one. Returns TM_OK or the first error (in diags). */
int tm_drift_table_load_packs(tm_drift_table *table, tm_arena *arena, const tm_model *const *models,
                              size_t nmodels, tm_diags *diags);

/* Reads the repository at repo: every package.json, package-lock.json,
 * yarn.lock, pnpm-lock.yaml, Dockerfile (and Containerfile), Kubernetes or Helm YAML and
 * .env template under it, and notes each use of a service of the table.
 * A broken or too large manifest is an error in diags (the rest is read);
 * returns TM_OK or TM_ERR_INPUT (errors) or TM_ERR_IO (repo unreadable). */
int tm_drift_scan(tm_drift *out, const char *repo, const tm_drift_table *table, tm_diags *diags);
/* Marks each use whose service a model element stands for (by a word of
 * the service's `match` in its id, label, tech or kind). */
void tm_drift_match(tm_drift *drift, const tm_model *const *models, size_t nmodels);
void tm_drift_free(tm_drift *drift);
/* The uses the models lack. */
size_t tm_drift_missing(const tm_drift *drift);

/* The .threat files under repo (hidden folders and node_modules left out,
 * no symbolic link followed), in name order: malloc'd paths that start
 * with repo, freed with tm_drift_free_paths. */
char **tm_drift_find_models(const char *repo, size_t *count);
void tm_drift_free_paths(char **paths, size_t count);

/* The report: text (a line per missing service), JSON and SARIF 2.1.0;
 * repo_label is the repository as the user named it. */
void tm_drift_render_text(tm_buf *out, const tm_drift *drift);
void tm_drift_render_json(tm_buf *out, const tm_drift *drift, const char *repo_label);
void tm_drift_render_sarif(tm_buf *out, const tm_drift *drift, const char *repo_label);

#endif
