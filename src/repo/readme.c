#include "repo/readme.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/date.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "base/xalloc.h"

/* The README names the project's front page may have, in the order a
 * folder's README is looked for. */
static const char *const readme_names[] = {"README.md",  "README",    "README.markdown", "README.rst",
                                           "README.txt", "readme.md", "Readme.md"};

/* `path` under `root` (both resolved): "" for the root itself, the rest
 * after "root/", or NULL when path lies outside. */
static const char *inside(const char *root, const char *path)
{
	size_t len = strlen(root);
	if (strcmp(root, "/") == 0)
		return path[0] == '/' ? path + 1 : NULL;
	if (strncmp(path, root, len) != 0)
		return NULL;
	if (path[len] == '\0')
		return path + len;
	return path[len] == '/' ? path + len + 1 : NULL;
}

static char *join(const char *dir, const char *name)
{
	tm_buf out = TM_BUF_INIT;
	tm_buf_puts(&out, dir);
	if (out.len && out.data[out.len - 1] != '/')
		tm_buf_putc(&out, '/');
	tm_buf_puts(&out, name);
	return tm_buf_detach(&out);
}

char *tm_repo_resolve_dir(const char *dir)
{
	char *real = realpath(dir, NULL);
	struct stat st;
	if (!real)
		return NULL;
	if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(real);
		errno = ENOTDIR;
		return NULL;
	}
	return real;
}

char *tm_repo_find_root(const char *path)
{
	char *real = realpath(path, NULL);
	if (!real)
		return NULL;
	struct stat st;
	if (stat(real, &st) == 0 && !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(real, '/');
		if (slash == real)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
	}
	for (;;) {
		char *git = join(real, ".git");
		bool found = lstat(git, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode));
		free(git);
		if (found)
			return real;
		char *slash = strrchr(real, '/');
		if (!slash || strcmp(real, "/") == 0)
			break;
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(real);
	return NULL;
}

/* `relative` (to root) resolved, if it names a regular file inside root:
 * its resolved path, allocated; else NULL. */
static char *regular_inside(const char *root, const char *relative)
{
	char *joined = join(root, relative);
	char *real = realpath(joined, NULL);
	free(joined);
	struct stat st;
	if (!real || !inside(root, real) || stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(real);
		return NULL;
	}
	return real;
}

/* A path a model may state as `wiki`: relative, without "..". */
static bool plain_relative(const char *path)
{
	if (!path || !*path || path[0] == '/')
		return false;
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += len;
		if (*p == '/')
			p++;
	}
	return true;
}

/* At most `max` bytes of the regular file at `path`, or NULL. */
static char *read_text(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	tm_buf out = TM_BUF_INIT;
	char chunk[8192];
	while (out.len < max) {
		size_t want = max - out.len < sizeof chunk ? max - out.len : sizeof chunk;
		ssize_t n = read(fd, chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		tm_buf_put(&out, chunk, (size_t)n);
	}
	close(fd);
	*len = out.len;
	char *text = tm_buf_detach(&out);
	return text ? text : tm_xstrdup("");
}

/* Whether `text` holds `needle` (not empty). */
static bool mentions(const char *text, size_t len, const char *needle)
{
	size_t n = needle ? strlen(needle) : 0;
	if (!n || n > len)
		return false;
	for (size_t i = 0; i + n <= len; i++)
		if (text[i] == needle[0] && memcmp(text + i, needle, n) == 0)
			return true;
	return false;
}

/* Whether `text` holds `folder` ("dir/") as a link to the folder itself:
 * followed by what ends a path in Markdown or prose, not by a name
 * inside it. */
static bool mentions_folder(const char *text, size_t len, const char *folder)
{
	size_t n = strlen(folder);
	for (size_t i = 0; n && i + n <= len; i++) {
		if (memcmp(text + i, folder, n) != 0)
			continue;
		char next = i + n < len ? text[i + n] : '\n';
		if (strchr(")]>`'\" \t\r\n#,.;:", next))
			return true;
	}
	return false;
}

/* The nearest README from the folder `dir` (relative to root, "" for the
 * root) up to the root: its path relative to root, allocated, or NULL. */
static char *nearest_readme(const char *root, const char *dir)
{
	char *folder = tm_xstrdup(dir);
	for (;;) {
		for (size_t i = 0; i < sizeof readme_names / sizeof *readme_names; i++) {
			char *relative =
			    *folder ? join(folder, readme_names[i]) : tm_xstrdup(readme_names[i]);
			char *real = regular_inside(root, relative);
			if (real) {
				free(real);
				free(folder);
				return relative;
			}
			free(relative);
		}
		if (!*folder)
			break;
		char *slash = strrchr(folder, '/');
		if (slash)
			*slash = '\0';
		else
			folder[0] = '\0';
	}
	free(folder);
	return NULL;
}

/* Whether the README (relative to root) links the model: it names the
 * model's path from the root or from the README's folder, or (the model
 * lying below the README's folder) the folder that holds it, as "dir/";
 * or it names the wiki path. */
static bool readme_links(const char *root, const char *readme, const char *model_path, const char *wiki)
{
	char *real = regular_inside(root, readme);
	if (!real)
		return false;
	size_t len = 0;
	char *text = read_text(real, TM_REPO_README_MAX_BYTES, &len);
	free(real);
	if (!text)
		return false;
	bool linked = mentions(text, len, wiki);
	if (!linked && model_path) {
		linked = mentions(text, len, model_path);
		const char *slash = strrchr(readme, '/');
		size_t base = slash ? (size_t)(slash - readme) + 1 : 0;
		if (!linked && strncmp(model_path, readme, base) == 0) {
			const char *from_readme = model_path + base;
			linked = mentions(text, len, from_readme);
			const char *folder_end = strrchr(from_readme, '/');
			if (!linked && folder_end) {
				char *folder = tm_xstrdup(from_readme);
				folder[folder_end - from_readme + 1] = '\0';
				linked = mentions_folder(text, len, folder);
				free(folder);
			}
		}
	}
	free(text);
	return linked;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted names of the sub-folders of `dir` (not links), or NULL. */
static char **subfolders(const char *dir, size_t *count)
{
	*count = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char **names = NULL;
	size_t cap = 0;
	struct dirent *entry;
	while ((entry = readdir(d)) && *count < TM_REPO_SCAN_ENTRIES) {
		if (entry->d_name[0] == '.')
			continue;
		char *path = join(dir, entry->d_name);
		struct stat st;
		bool folder = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
		free(path);
		if (!folder)
			continue;
		if (*count == cap) {
			cap = cap ? cap * 2 : 8;
			names = tm_xrealloc(names, cap * sizeof *names);
		}
		names[(*count)++] = tm_xstrdup(entry->d_name);
	}
	closedir(d);
	if (*count)
		qsort(names, *count, sizeof *names, compare_names);
	return names;
}

/* The practice's path, wiki/docs/clients/NAME/security/threat-model.md:
 * the first one in the repository (by NAME), relative, or NULL. */
static char *find_wiki(const char *root)
{
	char *clients = join(root, "wiki/docs/clients");
	size_t count = 0;
	char **names = subfolders(clients, &count);
	free(clients);
	char *found = NULL;
	for (size_t i = 0; i < count; i++) {
		if (!found) {
			tm_buf relative = TM_BUF_INIT;
			tm_buf_printf(&relative, "wiki/docs/clients/%s/security/threat-model.md", names[i]);
			char *real = regular_inside(root, tm_buf_str(&relative));
			if (real)
				found = tm_buf_detach(&relative);
			tm_buf_free(&relative);
			free(real);
		}
		free(names[i]);
	}
	free(names);
	return found;
}

static const char *model_wiki(const tm_model *model)
{
	const tm_attr *attr = model->meta.decl ? tm_decl_attr(model->meta.decl, "wiki") : NULL;
	const tm_value *value = attr ? attr->value : NULL;
	if (value && (value->kind == TM_VAL_STRING || value->kind == TM_VAL_IDENT) && value->text)
		return value->text;
	return NULL;
}

bool tm_repo_open(tm_repo *repo, const char *dir)
{
	repo->root = tm_repo_resolve_dir(dir);
	repo->dir = repo->root ? tm_xstrdup(dir) : NULL;
	return repo->root != NULL;
}

void tm_repo_close(tm_repo *repo)
{
	free(repo->dir);
	free(repo->root);
	repo->dir = repo->root = NULL;
}

void tm_repo_probe(tm_model *model, void *context)
{
	const tm_repo *repo = context;
	if (!model || !repo || !repo->root)
		return;
	const char *root = repo->root;
	tm_repo_facts *facts = tm_arena_alloc(model->arena, sizeof *facts);
	memset(facts, 0, sizeof *facts);
	facts->root = tm_arena_strdup(model->arena, repo->dir);
	const char *model_dir = "";
	if (model->nfiles && model->files[0]->src && model->files[0]->src->path) {
		char *real = realpath(model->files[0]->src->path, NULL);
		const char *relative = real ? inside(root, real) : NULL;
		if (relative && *relative) {
			facts->model_path = tm_arena_strdup(model->arena, relative);
			const char *slash = strrchr(facts->model_path, '/');
			model_dir = slash ? tm_arena_strndup(model->arena, facts->model_path,
			                                     (size_t)(slash - facts->model_path))
			                  : "";
		}
		free(real);
	}
	const char *wiki = model_wiki(model);
	if (wiki) {
		facts->wiki = wiki;
		char *real = plain_relative(wiki) ? regular_inside(root, wiki) : NULL;
		facts->wiki_exists = real != NULL;
		free(real);
	} else {
		char *found = find_wiki(root);
		if (found)
			facts->wiki_found = tm_arena_strdup(model->arena, found);
		free(found);
	}
	char *readme = nearest_readme(root, model_dir);
	if (readme) {
		facts->readme = tm_arena_strdup(model->arena, readme);
		facts->readme_links_model =
		    readme_links(root, readme, facts->model_path, facts->wiki_exists ? facts->wiki : NULL);
		free(readme);
	}
	model->repo = facts;
}

void tm_repo_probe_missing(tm_model *model, void *context)
{
	tm_repo_probe(model, context);
	if (model && model->repo) {
		model->repo->no_model = true;
		model->repo->model_path = NULL;
	}
}

/* ---- is there a model at all ---- */

static bool skipped_folder(const char *name)
{
	return name[0] == '.' || strcmp(name, "node_modules") == 0 || strcmp(name, "vendor") == 0;
}

static bool ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);
	return n > s && strcmp(name + n - s, suffix) == 0;
}

static bool scan(const char *dir, int depth, size_t *entries)
{
	if (depth > TM_REPO_SCAN_DEPTH)
		return false;
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool found = false;
	struct dirent *entry;
	while (!found && (entry = readdir(d)) && ++*entries <= TM_REPO_SCAN_ENTRIES) {
		const char *name = entry->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		char *path = join(dir, name);
		struct stat st;
		if (lstat(path, &st) == 0) {
			if (S_ISREG(st.st_mode) && ends_with(name, ".threat"))
				found = true;
			else if (S_ISDIR(st.st_mode) && !skipped_folder(name))
				found = scan(path, depth + 1, entries);
		}
		free(path);
	}
	closedir(d);
	return found;
}

bool tm_repo_has_model(const char *root)
{
	size_t entries = 0;
	return scan(root, 0, &entries);
}

/* ---- the stand-in model ---- */

static bool read_stand_in(void *context, const char *absolute_path, char **text, size_t *len, char *why,
                          size_t why_size)
{
	const tm_repo_stand_in *stand_in = context;
	(void)absolute_path;
	if (!stand_in->text) {
		snprintf(why, why_size, "no stand-in model");
		return false;
	}
	*text = tm_xstrdup(stand_in->text);
	*len = strlen(stand_in->text);
	return true;
}

void tm_repo_stand_in_init(tm_repo_stand_in *stand_in, const char *root, int32_t today)
{
	memset(stand_in, 0, sizeof *stand_in);
	stand_in->path = join(root, "threat-model.threat");
	/* The repository's folder name, as the model's name: a string in the
	 * .threat language, so quotes and backslashes are escaped, and what a
	 * string may not hold (invalid UTF-8, controls) is U+FFFD. */
	const char *slash = strrchr(root, '/');
	const char *name = slash && slash[1] ? slash + 1 : root;
	tm_buf text = TM_BUF_INIT;
	tm_buf_puts(&text, "model \"");
	for (size_t i = 0, len = strlen(name); i < len;) {
		uint32_t cp;
		i += tm_utf8_next(name + i, len - i, &cp);
		if (cp == '"' || cp == '\\')
			tm_buf_putc(&text, '\\');
		tm_utf8_put(&text, tm_utf8_is_unsafe(cp) ? 0xFFFD : cp);
	}
	char date[11];
	tm_date_format(today, date);
	tm_buf_printf(&text, "\" { date %s }\nuse \"governance\"\n", date);
	stand_in->text = tm_buf_detach(&text);
	stand_in->reader.read = read_stand_in;
	stand_in->reader.context = stand_in;
	stand_in->reader.cwd = "/";
}

void tm_repo_stand_in_free(tm_repo_stand_in *stand_in)
{
	free(stand_in->path);
	free(stand_in->text);
	memset(stand_in, 0, sizeof *stand_in);
}
