/* The model's public face: the name tables, loading files
 * (with their includes) or text, lookup by id or key, and the attribute
 * readers. Resolution itself is in resolve.c. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* realpath */
#endif
#include "base/limits.h"
#include "model/model.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "base/strmap.h"
#include "model/resolve.h"
#include "threat/status.h"

/* ORDER ELEMENT */
/* ORDER LIKELIHOOD */
const char *const tm_likelihood_factor_names[TM_LF_COUNT] = {"skill", "motive", "opportunity", "population",
                                                             "discoverability"};
/* ORDER IMPACT */
const char *const tm_impact_factor_names[TM_IF_COUNT] = {"confidentiality", "integrity",  "availability",
                                                         "financial",       "compliance", "reputation"};

const char *const tm_category_names[TM_STRIDE_CATEGORIES + TM_LINDDUN_CATEGORIES] = {
    "spoofing",          "tampering",
    "repudiation",       "information_disclosure",
    "denial_of_service", "elevation_of_privilege",
    "linkability",       "identifiability",
    "non_repudiation",   "detectability",
    "disclosure",        "unawareness",
    "non_compliance",
};

const char *tm_category_framework(const char *category)
{
	for (int i = 0; category && i < TM_STRIDE_CATEGORIES + TM_LINDDUN_CATEGORIES; i++)
		if (strcmp(category, tm_category_names[i]) == 0)
			return i < TM_STRIDE_CATEGORIES ? "STRIDE" : "LINDDUN";
	return NULL;
}

const char *const tm_element_kind_names[TM_EL_COUNT] = {
    "external", "process", "store", "flow", "boundary", "asset", "actor",
};
const char *const tm_exposure_names[4] = {"", "internal", "network", "internet"};
/* ORDER SENSITIVITY */
const char *const tm_sensitivity_names[5] = {"", "low", "medium", "high", "critical"};
const char *const tm_mitigation_status_names[4] = {"planned", "in_progress", "implemented", "verified"};

/* ---- loading ---- */

typedef struct loader {
	tm_model *model;
	tm_diags *diags;
	tm_strmap *seen;                          /* real path of every file read -> itself */
	const char *chain[MAX_INCLUDE_DEPTH + 1]; /* real paths of the files being read, outermost first */
	const char *chain_paths[MAX_INCLUDE_DEPTH + 1];
	size_t depth;
	size_t capfiles;
	char **roots; /* real paths of the folders includes may read from */
	size_t nroots, caproots;
	const tm_file_reader *reader; /* NULL: the file system */
} loader;

/* Allows includes from the folder `real` and everything below it. */
static void add_root(loader *l, char *real)
{
	for (size_t i = 0; i < l->nroots; i++) {
		if (strcmp(l->roots[i], real) == 0) {
			free(real);
			return;
		}
	}
	TM_VEC_PUSH(l->roots, l->nroots, l->caproots, real);
}

/* The folder that holds the file at real path `real`. */
static char *folder_of(const char *real)
{
	const char *slash = strrchr(real, '/');
	return tm_xstrndup(real, slash && slash != real ? (size_t)(slash - real) : 1);
}

static bool inside_root(const loader *l, const char *real)
{
	for (size_t i = 0; i < l->nroots; i++) {
		const char *root = l->roots[i];
		size_t n = strlen(root);
		if (strncmp(real, root, n) == 0 && (real[n] == '/' || (n == 1 && root[0] == '/')))
			return true;
	}
	return false;
}

static bool has_threat_extension(const char *path)
{
	size_t n = strlen(path);
	return n > strlen(".threat") && strcmp(path + n - strlen(".threat"), ".threat") == 0;
}

/* Whether an include may read the file at `path`, whose real path is
 * `real` (NULL when it could not be resolved, for the reason real_errno);
 * if not, says why in why[why_size]. The checks come before the file is
 * opened, so nothing of a file outside the policy is read or quoted. */
static bool include_allowed(const loader *l, const char *path, const char *real, int real_errno, char *why,
                            size_t why_size)
{
	if (!has_threat_extension(path) || (real && !has_threat_extension(real))) {
		snprintf(why, why_size, "only .threat files can be included");
		return false;
	}
	if (!real) {
		snprintf(why, why_size, "cannot open: %s", strerror(real_errno));
		return false;
	}
	if (!inside_root(l, real)) {
		snprintf(why, why_size,
		         "it is outside the folder of the model and the current folder "
		         "(--include-root DIR allows another)");
		return false;
	}
	return true;
}

static void add_file(loader *l, tm_file *file)
{
	tm_model *m = l->model;
	TM_VEC_PUSH(m->files, m->nfiles, l->capfiles, file);
}

static void load_file(loader *l, const char *path, const tm_decl *include);
static char *lexical_path(tm_arena *arena, const char *path);

/* The path with every link resolved (malloc'd), or NULL with errno set;
 * for a reader, the absolute path by text, from its cwd. */
static char *real_path(const loader *l, const char *path)
{
	if (!l->reader)
		return realpath(path, NULL);
	tm_buf joined = TM_BUF_INIT;
	if (path[0] != '/')
		tm_buf_printf(&joined, "%s/", l->reader->cwd);
	tm_buf_puts(&joined, path);
	char *real = tm_xstrdup(lexical_path(l->model->arena, tm_buf_str(&joined)));
	tm_buf_free(&joined);
	if (real[0] == '\0') {
		free(real);
		return tm_xstrdup("/");
	}
	return real;
}

/* "a/b/../c" as "a/c" by text alone: "." and empty segments dropped, each
 * ".." taking the segment before it. */
static char *lexical_path(tm_arena *arena, const char *path)
{
	size_t len = strlen(path);
	bool absolute = path[0] == '/';
	/* segments kept so far, as (start, length) in path */
	size_t(*kept)[2] = tm_xcalloc(len + 1, sizeof(*kept));
	size_t nkept = 0;
	for (size_t i = 0; i < len;) {
		size_t end = i;
		while (end < len && path[end] != '/')
			end++;
		size_t seg = end - i;
		bool dotdot = seg == 2 && path[i] == '.' && path[i + 1] == '.';
		bool top_is_dotdot = nkept && kept[nkept - 1][1] == 2 && path[kept[nkept - 1][0]] == '.' &&
		                     path[kept[nkept - 1][0] + 1] == '.';
		if (seg == 0 || (seg == 1 && path[i] == '.')) {
			/* "//" and "./" say nothing */
		} else if (dotdot && nkept && !top_is_dotdot) {
			nkept--;
		} else if (!(dotdot && absolute && !nkept)) {
			kept[nkept][0] = i;
			kept[nkept][1] = seg;
			nkept++;
		}
		i = end + 1;
	}
	char *out = tm_arena_alloc(arena, len + 2);
	size_t n = 0;
	if (absolute)
		out[n++] = '/';
	for (size_t k = 0; k < nkept; k++) {
		if (k)
			out[n++] = '/';
		memcpy(out + n, path + kept[k][0], kept[k][1]);
		n += kept[k][1];
	}
	out[n] = '\0';
	free(kept);
	return out;
}

/* "a/b/../c" as "a/c", so messages name included files the short way; kept
 * only when both name the same file (a symbolic link may make them differ;
 * a reader's paths are names only, so there the short way is the file). */
static const char *tidy_path(const loader *l, const char *path)
{
	const char *out = lexical_path(l->model->arena, path);
	if (out[0] == '\0' || strcmp(out, path) == 0)
		return path;
	if (l->reader)
		return out;
	char *a = realpath(path, NULL), *b = realpath(out, NULL);
	bool same = a && b && strcmp(a, b) == 0;
	free(a);
	free(b);
	return same ? out : path;
}

/* Reads the files a file includes, relative to its folder. */
static void follow_includes(loader *l, const tm_file *file, const char *path)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 0;
	for (size_t i = 0; i < file->ndecls; i++) {
		const tm_decl *decl = file->decls[i];
		if (!decl || decl->kind != TM_DECL_INCLUDE || !decl->label)
			continue;
		const char *rel = decl->label;
		if (rel[0] == '\0') {
			tm_diag_error(l->diags, tm_decl_label_span(decl), "include needs a file path");
			continue;
		}
		while (rel[0] == '.' && rel[1] == '/')
			rel += 2;
		const char *full;
		if (decl->label[0] == '/' || !slash)
			full = tm_arena_strdup(l->model->arena, decl->label[0] == '/' ? decl->label : rel);
		else
			full = tm_arena_printf(l->model->arena, "%.*s/%s", dirlen, path, rel);
		load_file(l, tidy_path(l, full), decl);
	}
}

static void load_file(loader *l, const char *path, const tm_decl *include)
{
	tm_span at = include ? include->span : (tm_span){0};
	char *real = real_path(l, path);
	int real_errno = errno;
	char why[256];
	if (include && !include_allowed(l, path, real, real_errno, why, sizeof why)) {
		tm_diag_error(l->diags, tm_decl_label_span(include), "cannot include %s: %s", path, why);
		free(real);
		return;
	}
	if (real) {
		for (size_t i = 0; i < l->depth; i++) {
			if (strcmp(l->chain[i], real) != 0)
				continue;
			tm_buf chain = TM_BUF_INIT;
			for (size_t j = i; j < l->depth; j++)
				tm_buf_printf(&chain, "%s -> ", l->chain_paths[j]);
			tm_buf_puts(&chain, path);
			tm_diag *d = tm_diag_error(l->diags, at, "include cycle: %s", tm_buf_str(&chain));
			tm_diag_note(d, (tm_span){0},
			             "a file may not include itself, directly or through others");
			tm_buf_free(&chain);
			free(real);
			return;
		}
		if (tm_strmap_get(l->seen, real)) {
			free(real); /* read already: a file counts once however often it is named */
			return;
		}
	}
	if (l->depth == MAX_INCLUDE_DEPTH) {
		tm_diag_error(l->diags, at, "includes nest more than %d files deep", MAX_INCLUDE_DEPTH);
		free(real);
		return;
	}
	tm_source *src = NULL;
	if (l->reader) {
		char *text = NULL;
		size_t len = 0;
		if (l->reader->read(l->reader->context, real, &text, &len, why, sizeof why)) {
			src = tm_source_from_text(l->model->arena, path, text, len);
			free(text);
		}
	} else if (include) {
		src = tm_source_read_regular(l->model->arena, real, path, why, sizeof why);
	} else {
		src = tm_source_read(l->model->arena, path, why, sizeof why);
	}
	if (!src) {
		if (include)
			tm_diag_error(l->diags, tm_decl_label_span(include), "cannot include %s: %s", path,
			              why);
		else
			tm_diag_error(l->diags, at, "%s: %s", path, why);
		free(real);
		return;
	}
	const char *key = tm_arena_strdup(l->model->arena, real ? real : path);
	free(real);
	tm_strmap_add(l->seen, key, (void *)key);
	tm_file *file = NULL;
	tm_parse_file(&file, l->model->arena, src, l->diags);
	if (!file)
		return;
	add_file(l, file);
	l->chain[l->depth] = key;
	l->chain_paths[l->depth] = src->path;
	l->depth++;
	follow_includes(l, file, src->path);
	l->depth--;
}

static tm_model *new_model(void)
{
	tm_model *model = tm_xcalloc(1, sizeof(*model));
	model->arena = tm_arena_new();
	model->meta.date = INT32_MIN;
	model->meta.next_review = INT32_MIN;
	model->meta.name = "";
	return model;
}

/* Whether a syntax error lost statements whose declarations the parser
 * could not name (tm_file.unsound): resolving the rest would then report
 * errors that only follow from it. Lost statements it could name do not
 * stop resolution; the resolver leaves references to them alone. */
static bool any_unsound(const tm_model *model)
{
	for (size_t i = 0; i < model->nfiles; i++)
		if (model->files[i]->unsound)
			return true;
	return false;
}

int tm_model_load(tm_model **out, const char *const *paths, size_t npaths, const tm_load_options *options,
                  tm_diags *diags)
{
	*out = NULL;
	size_t errors = diags->errors;
	tm_model *model = new_model();
	/* The files are parsed on this thread alone, the other cores idle. */
	tm_arena_prefault(model->arena, true);
	loader l = {.model = model,
	            .diags = diags,
	            .seen = tm_strmap_new(16),
	            .reader = options ? options->reader : NULL};
	for (size_t i = 0; i < npaths; i++) {
		char *real = real_path(&l, paths[i]);
		if (real) {
			add_root(&l, folder_of(real));
			free(real);
		}
	}
	/* The folder the user works in: a model may include a shared file
	 * from a sibling folder of the same project. */
	char *here = real_path(&l, ".");
	if (here)
		add_root(&l, here);
	for (size_t i = 0; options && i < options->ninclude_roots; i++) {
		char *real = real_path(&l, options->include_roots[i]);
		if (real)
			add_root(&l, real);
	}
	bool io_failed = false;
	for (size_t i = 0; i < npaths; i++) {
		size_t before = model->nfiles, errors_before = diags->errors;
		load_file(&l, paths[i], NULL);
		if (model->nfiles == before && diags->errors > errors_before)
			io_failed = true;
	}
	tm_strmap_free(l.seen);
	for (size_t i = 0; i < l.nroots; i++)
		free(l.roots[i]);
	free(l.roots);
	if (model->nfiles == 0) {
		tm_model_free(model);
		return io_failed ? TM_ERR_IO : TM_ERR_USAGE;
	}
	/* A spare chunk left is the resolver's first: no more after it. */
	tm_arena_prefault(model->arena, false);
	/* Syntax errors first; the statements after them are resolved too
	 * when what the broken ones declared is known (doc/language.md,
	 * "Errors"). */
	if (!any_unsound(model))
		tm_model_resolve(model, diags);
	*out = model;
	if (io_failed)
		return TM_ERR_IO;
	return diags->errors > errors ? TM_ERR_INPUT : TM_OK;
}

int tm_model_load_text(tm_model **out, const char *path, const char *text, size_t len, tm_diags *diags)
{
	size_t errors = diags->errors;
	tm_model *model = new_model();
	tm_source *src =
	    tm_source_from_text(model->arena, path ? path : "<text>", text ? text : "", text ? len : 0);
	tm_file *file = NULL;
	tm_parse_file(&file, model->arena, src, diags);
	if (file) {
		model->files = tm_xmalloc(sizeof(*model->files));
		model->files[0] = file;
		model->nfiles = 1;
		for (size_t i = 0; i < file->ndecls; i++)
			if (file->decls[i] && file->decls[i]->kind == TM_DECL_INCLUDE)
				tm_diag_error(diags, file->decls[i]->span,
				              "include needs a model read from a file");
	}
	if (!any_unsound(model))
		tm_model_resolve(model, diags);
	*out = model;
	return diags->errors > errors ? TM_ERR_INPUT : TM_OK;
}

void tm_model_free(tm_model *model)
{
	if (!model)
		return;
	tm_strmap_free(model->index);
	free(model->files);
	tm_arena_free(model->arena);
	free(model);
}

/* ---- finding patterns ---- */

bool tm_glob_match(const char *glob, const char *text)
{
	/* Greedy with one backtrack point, the last '*': linear for the
	 * short ids it sees, never exponential. */
	const char *star = NULL, *resume = NULL;
	while (*text) {
		if (*glob == '*') {
			star = glob++;
			resume = text;
		} else if (*glob == *text) {
			glob++;
			text++;
		} else if (star) {
			glob = star + 1;
			text = ++resume;
		} else {
			return false;
		}
	}
	while (*glob == '*')
		glob++;
	return *glob == '\0';
}

/* The rule part of a finding id ("STRIDE-T-01@api" -> "STRIDE-T-01") matched
 * without copying it: the glob against the text up to the '@'. */
static bool rule_matches(const char *glob, const char *id, size_t len)
{
	char small[128];
	if (len < sizeof small) {
		memcpy(small, id, len);
		small[len] = '\0';
		return tm_glob_match(glob, small);
	}
	char *copy = tm_xmalloc(len + 1);
	memcpy(copy, id, len);
	copy[len] = '\0';
	bool matches = tm_glob_match(glob, copy);
	free(copy);
	return matches;
}

bool tm_finding_pattern_matches(const tm_finding_pattern *pattern, const char *id, const tm_element *element)
{
	const char *at = id ? strchr(id, '@') : NULL;
	if (!pattern || !at)
		return false; /* hand-written threats are named by their ids */
	if (!rule_matches(pattern->rule, id, (size_t)(at - id)))
		return false;
	if (pattern->element)
		return tm_glob_match(pattern->element, at + 1);
	if (!element || element->kind != TM_EL_FLOW || !element->source || !element->target)
		return false;
	if (tm_glob_match(pattern->source, element->source->key) &&
	    tm_glob_match(pattern->target, element->target->key))
		return true;
	return (pattern->bidirectional || element->bidirectional) &&
	       tm_glob_match(pattern->source, element->target->key) &&
	       tm_glob_match(pattern->target, element->source->key);
}

/* ---- readers ---- */

tm_element *tm_model_get(const tm_model *model, const char *key)
{
	if (!model || !key)
		return NULL;
	return tm_strmap_get(model->index, key);
}

const tm_value *tm_element_attr(const tm_element *el, const char *name)
{
	if (!el || !el->decl || !name)
		return NULL;
	const tm_attr *attr = tm_decl_attr(el->decl, name);
	return attr ? attr->value : NULL;
}

bool tm_element_attr_bool(const tm_element *el, const char *name, bool fallback)
{
	const tm_value *value = tm_element_attr(el, name);
	return value && value->kind == TM_VAL_BOOL ? value->boolean : fallback;
}

const char *tm_element_attr_text(const tm_element *el, const char *name)
{
	const tm_value *value = tm_element_attr(el, name);
	if (value && (value->kind == TM_VAL_IDENT || value->kind == TM_VAL_STRING))
		return value->text;
	return NULL;
}

const tm_element *tm_element_level0(const tm_element *el)
{
	while (el && el->parent)
		el = el->parent;
	return el;
}
