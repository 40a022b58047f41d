#include "repo/drift.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/source.h"
#include "base/xalloc.h"
#include "threat/status.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
/* The SARIF rule every drift finding is reported under. */
#define DRIFT_RULE "DRIFT-01"

/* ---- the built-in table ---- */

#define LIST(...) ((const char *[]){__VA_ARGS__, NULL})

static const tm_drift_service builtin[] = {
    /* payments */
    {"stripe", "Stripe", "payments", LIST("stripe", "@stripe/*"), LIST("STRIPE_*"), LIST(NULL),
     LIST("stripe")},
    {"mollie", "Mollie", "payments", LIST("@mollie/*", "mollie-api-node"), LIST("MOLLIE_*"), LIST(NULL),
     LIST("mollie")},
    {"adyen", "Adyen", "payments", LIST("@adyen/*"), LIST("ADYEN_*"), LIST(NULL), LIST("adyen")},
    {"paypal", "PayPal", "payments", LIST("@paypal/*", "paypal-rest-sdk"), LIST("PAYPAL_*"), LIST(NULL),
     LIST("paypal")},
    {"braintree", "Braintree", "payments", LIST("braintree", "braintree-web"), LIST("BRAINTREE_*"),
     LIST(NULL), LIST("braintree")},
    /* e-mail and messages */
    {"sendgrid", "SendGrid", "e-mail", LIST("@sendgrid/*"), LIST("SENDGRID_*"), LIST(NULL), LIST("sendgrid")},
    {"postmark", "Postmark", "e-mail", LIST("postmark"), LIST("POSTMARK_*"), LIST(NULL), LIST("postmark")},
    {"mailgun", "Mailgun", "e-mail", LIST("mailgun.js", "mailgun-js"), LIST("MAILGUN_*"), LIST(NULL),
     LIST("mailgun")},
    {"ses", "Amazon SES", "e-mail", LIST("@aws-sdk/client-ses", "@aws-sdk/client-sesv2"),
     LIST("SES_*", "AWS_SES_*"), LIST(NULL), LIST("ses", "amazon ses")},
    {"resend", "Resend", "e-mail", LIST("resend"), LIST("RESEND_*"), LIST(NULL), LIST("resend")},
    {"twilio", "Twilio", "messaging", LIST("twilio"), LIST("TWILIO_*"), LIST(NULL), LIST("twilio")},
    /* storage */
    {"s3", "Amazon S3", "storage",
     LIST("@aws-sdk/client-s3", "@aws-sdk/lib-storage", "@aws-sdk/s3-request-presigner"),
     LIST("S3_*", "AWS_S3_*"), LIST("minio/minio"), LIST("s3", "minio", "r2")},
    {"gcs", "Google Cloud Storage", "storage", LIST("@google-cloud/storage"),
     LIST("GCS_*", "GOOGLE_CLOUD_STORAGE_*"), LIST(NULL), LIST("gcs", "cloud storage")},
    {"azure-blob", "Azure Blob Storage", "storage", LIST("@azure/storage-blob"), LIST("AZURE_STORAGE_*"),
     LIST(NULL), LIST("azureblob", "azure blob", "blob storage")},
    /* identity */
    {"auth0", "Auth0", "identity", LIST("auth0", "@auth0/*"), LIST("AUTH0_*"), LIST(NULL), LIST("auth0")},
    {"okta", "Okta", "identity", LIST("@okta/*"), LIST("OKTA_*"), LIST(NULL), LIST("okta")},
    {"keycloak", "Keycloak", "identity", LIST("keycloak-js", "keycloak-connect", "@keycloak/*"),
     LIST("KEYCLOAK_*"),
     LIST("keycloak/keycloak", "quay.io/keycloak/keycloak", "jboss/keycloak", "bitnami/keycloak"),
     LIST("keycloak")},
    {"clerk", "Clerk", "identity", LIST("@clerk/*"), LIST("CLERK_*"), LIST(NULL), LIST("clerk")},
    /* LLM APIs */
    {"openai", "OpenAI", "llm", LIST("openai", "@ai-sdk/openai"), LIST("OPENAI_*"), LIST(NULL),
     LIST("openai")},
    {"anthropic", "Anthropic", "llm", LIST("@anthropic-ai/sdk", "@ai-sdk/anthropic"), LIST("ANTHROPIC_*"),
     LIST(NULL), LIST("anthropic", "claude")},
    {"mistral", "Mistral AI", "llm", LIST("@mistralai/mistralai", "@ai-sdk/mistral"), LIST("MISTRAL_*"),
     LIST(NULL), LIST("mistral")},
    {"cohere", "Cohere", "llm", LIST("cohere-ai", "@ai-sdk/cohere"), LIST("COHERE_*", "CO_API_KEY"),
     LIST(NULL), LIST("cohere")},
    /* observability */
    {"sentry", "Sentry", "observability", LIST("@sentry/*"), LIST("SENTRY_*"), LIST("getsentry/sentry"),
     LIST("sentry")},
    {"datadog", "Datadog", "observability", LIST("dd-trace", "@datadog/*"), LIST("DD_*", "DATADOG_*"),
     LIST("datadog/agent", "gcr.io/datadoghq/agent"), LIST("datadog")},
    {"newrelic", "New Relic", "observability", LIST("newrelic", "@newrelic/*"), LIST("NEW_RELIC_*"),
     LIST("newrelic/*"), LIST("newrelic", "new relic")},
};

void tm_drift_table_init(tm_drift_table *table)
{
	memset(table, 0, sizeof(*table));
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
		TM_VEC_PUSH(table->items, table->count, table->cap, builtin[i]);
}

void tm_drift_table_free(tm_drift_table *table)
{
	free(table->items);
	memset(table, 0, sizeof(*table));
}

/* ---- matching names ---- */

/* A name of a list against a value: equal, or a prefix when it ends in '*'. */
static bool name_matches(const char *pattern, const char *value, size_t len, bool fold)
{
	size_t n = strlen(pattern);
	if (n && pattern[n - 1] == '*')
		return len >= n - 1 &&
		       (fold ? strncasecmp(pattern, value, n - 1) : strncmp(pattern, value, n - 1)) == 0;
	return len == n && (fold ? strncasecmp(pattern, value, n) : strncmp(pattern, value, n)) == 0;
}

static bool list_matches(const char *const *list, const char *value, size_t len, bool fold)
{
	for (size_t i = 0; list && list[i]; i++)
		if (name_matches(list[i], value, len, fold))
			return true;
	return false;
}

/* An image reference's repository without its tag or digest:
 * "quay.io/keycloak/keycloak:24" is "quay.io/keycloak/keycloak". */
static size_t image_repository(const char *image, size_t len)
{
	size_t at = 0;
	for (size_t i = 0; i < len; i++) {
		if (image[i] == '@')
			return i;
		if (image[i] == '/')
			at = i;
	}
	for (size_t i = at; i < len; i++)
		if (image[i] == ':')
			return i;
	return len;
}

/* An image against the table's images: equal, or equal after a registry
 * ("docker.io/datadog/agent" is "datadog/agent"). */
static bool image_matches(const char *const *images, const char *image, size_t len)
{
	len = image_repository(image, len);
	for (size_t start = 0; start < len;) {
		if (list_matches(images, image + start, len - start, true))
			return true;
		const char *slash = memchr(image + start, '/', len - start);
		if (!slash)
			break;
		start = (size_t)(slash - image) + 1;
	}
	return false;
}

/* ---- evidence ---- */

typedef struct scanner {
	tm_drift *drift;
	const tm_drift_table *table;
	tm_diags *diags;
	tm_arena *arena; /* the sources, for the diagnostics */
	int rank;        /* of the file being read (tm_drift_evidence) */
	size_t entries;
	bool failed;
} scanner;

static tm_drift_use *use_of(scanner *s, const tm_drift_service *service)
{
	for (size_t i = 0; i < s->drift->count; i++)
		if (s->drift->uses[i].service == service)
			return &s->drift->uses[i];
	tm_drift_use use = {.service = service};
	TM_VEC_PUSH(s->drift->uses, s->drift->count, s->drift->cap, use);
	return &s->drift->uses[s->drift->count - 1];
}

static void note(scanner *s, const tm_drift_service *service, const char *file, uint32_t line,
                 const char *what)
{
	tm_drift_use *use = use_of(s, service);
	for (size_t i = 0; i < use->nevidence; i++)
		if (use->evidence[i].line == line && strcmp(use->evidence[i].file, file) == 0)
			return;
	tm_drift_evidence e = {file, line, tm_arena_strdup(s->drift->arena, what), s->rank};
	TM_VEC_PUSH(use->evidence, use->nevidence, use->cap, e);
}

/* The 1-based line of a byte offset. */
static uint32_t line_at(const tm_source *src, size_t offset)
{
	uint32_t line, column;
	tm_source_position(src, (uint32_t)offset, &line, &column);
	return line;
}

/* The line where "name" first appears as a JSON key (quoted, then ':'). */
static uint32_t key_line(const tm_source *src, const char *name)
{
	tm_buf key = TM_BUF_INIT;
	tm_buf_printf(&key, "\"%s\"", name);
	uint32_t line = 1;
	for (const char *p = src->text; (p = strstr(p, tm_buf_str(&key))) != NULL; p++) {
		const char *after = p + key.len;
		while (*after == ' ' || *after == '\t' || *after == '\r' || *after == '\n')
			after++;
		if (*after == ':') {
			line = line_at(src, (size_t)(p - src->text));
			break;
		}
	}
	tm_buf_free(&key);
	return line;
}

/* A service keeps at most this many places: a manifest that names one
 * service thousands of times costs no more than one that names it once. */
#define MAX_PLACES 16

/* The services one name is evidence of. kind: 'n' npm, 'e' env, 'i' image.
 * The line is computed only for a hit (from src and key, when line is 0:
 * the line of the JSON key). */
static void note_name(scanner *s, char kind, const char *name, size_t len, const char *file, uint32_t line,
                      const tm_source *src, const char *key)
{
	for (size_t i = 0; i < s->table->count; i++) {
		const tm_drift_service *service = &s->table->items[i];
		bool hit = kind == 'n'   ? list_matches(service->npm, name, len, false)
		           : kind == 'e' ? list_matches(service->env, name, len, false)
		                         : image_matches(service->images, name, len);
		if (!hit || use_of(s, service)->nevidence >= MAX_PLACES)
			continue;
		if (!line)
			line = key_line(src, key);
		char what[160];
		snprintf(what, sizeof what, "%s %.*s",
		         kind == 'n'   ? "dependency"
		         : kind == 'e' ? "variable"
		                       : "image",
		         (int)(len > 120 ? 120 : len), name);
		note(s, service, file, line, what);
	}
}

/* ---- reading files ---- */

/* Reads a regular file of the repository (never through a link). */
static const tm_source *read_manifest(scanner *s, const char *path, const char *shown)
{
	struct stat st;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	if ((size_t)st.st_size > TM_DRIFT_MAX_MANIFEST) {
		tm_diag_error(s->diags, (tm_span){0}, "%s: larger than %zu MiB; not read", shown,
		              TM_DRIFT_MAX_MANIFEST >> 20);
		s->failed = true;
		return NULL;
	}
	char why[256];
	const tm_source *src = tm_source_read_regular(s->arena, path, shown, why, sizeof why);
	if (!src) {
		tm_diag_error(s->diags, (tm_span){0}, "%s: %s", shown, why);
		s->failed = true;
		return NULL;
	}
	s->drift->files_read++;
	return src;
}

static json_t *parse_json(scanner *s, const tm_source *src)
{
	json_error_t error;
	json_t *root = json_loadb(src->text, src->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &error);
	if (root)
		return root;
	uint32_t offset = 0;
	if (error.line > 0 && (uint32_t)error.line <= src->nlines) {
		offset = src->line_starts[error.line - 1];
		for (int c = 1; c < error.column && offset < src->len && src->text[offset] != '\n'; c++)
			offset++;
	}
	tm_diag_error(s->diags, (tm_span){src, offset, offset < src->len ? offset + 1 : offset}, "JSON: %s",
	              error.text);
	s->failed = true;
	return NULL;
}

static void read_package_json(scanner *s, const tm_source *src, const char *file)
{
	json_t *root = parse_json(s, src);
	if (!root)
		return;
	static const char *const sections[] = {"dependencies", "devDependencies", "peerDependencies",
	                                       "optionalDependencies"};
	for (size_t i = 0; i < 4; i++) {
		json_t *deps = json_object_get(root, sections[i]);
		const char *name;
		json_t *version;
		json_object_foreach(deps, name, version)
		{
			(void)version;
			note_name(s, 'n', name, strlen(name), file, 0, src, name);
		}
	}
	json_decref(root);
}

/* package-lock.json: "packages" ("node_modules/NAME", lockfile v2 and v3)
 * or "dependencies" (v1). */
static void read_package_lock(scanner *s, const tm_source *src, const char *file)
{
	json_t *root = parse_json(s, src);
	if (!root)
		return;
	const char *key;
	json_t *value;
	json_object_foreach(json_object_get(root, "packages"), key, value)
	{
		(void)value;
		const char *name = key, *inner;
		while ((inner = strstr(name, "node_modules/")) != NULL)
			name = inner + strlen("node_modules/");
		if (name != key)
			note_name(s, 'n', name, strlen(name), file, 0, src, key);
	}
	json_object_foreach(json_object_get(root, "dependencies"), key, value)
	{
		(void)value;
		note_name(s, 'n', key, strlen(key), file, 0, src, key);
	}
	json_decref(root);
}

/* Calls fn for each line of src with its number. */
typedef void (*line_fn)(scanner *s, const char *line, size_t len, const char *file, uint32_t number);

static void each_line(scanner *s, const tm_source *src, const char *file, line_fn fn)
{
	for (uint32_t i = 1; i <= src->nlines; i++) {
		size_t len;
		const char *line = tm_source_line(src, i, &len);
		fn(s, line, len, file, i);
	}
}

static size_t skip_blanks(const char *line, size_t len, size_t at)
{
	while (at < len && (line[at] == ' ' || line[at] == '\t'))
		at++;
	return at;
}

/* yarn.lock: `stripe@^14.0.0:` or `"@stripe/stripe-js@^2.1.0", ...:` at the
 * start of a line. */
static void yarn_line(scanner *s, const char *line, size_t len, const char *file, uint32_t number)
{
	size_t at = 0;
	if (!len || line[0] == ' ' || line[0] == '#')
		return;
	if (line[at] == '"')
		at++;
	size_t start = at;
	if (at < len && line[at] == '@')
		at++;
	while (at < len && line[at] != '@' && line[at] != '"' && line[at] != ':' && line[at] != ',')
		at++;
	if (at > start && at < len && line[at] == '@')
		note_name(s, 'n', line + start, at - start, file, number, NULL, NULL);
}

/* pnpm-lock.yaml: a package key under `packages:`, `  /stripe@14.0.0:`
 * (lock file 6) or `  '@stripe/stripe-js@3.0.0':` (lock file 9), two spaces
 * in. */
static void pnpm_line(scanner *s, const char *line, size_t len, const char *file, uint32_t number)
{
	if (len < 4 || line[0] != ' ' || line[1] != ' ' || line[2] == ' ')
		return;
	size_t at = 2;
	if (line[at] == '\'' || line[at] == '"')
		at++;
	if (at < len && line[at] == '/')
		at++;
	size_t start = at;
	if (at < len && line[at] == '@')
		at++;
	while (at < len && line[at] != '@' && line[at] != ':' && line[at] != '\'' && line[at] != '"' &&
	       line[at] != '(')
		at++;
	if (at > start && at < len && line[at] == '@')
		note_name(s, 'n', line + start, at - start, file, number, NULL, NULL);
}

/* A Dockerfile: `FROM [--platform=...] IMAGE [AS NAME]`. */
static void dockerfile_line(scanner *s, const char *line, size_t len, const char *file, uint32_t number)
{
	size_t at = skip_blanks(line, len, 0);
	if (len - at < 5 || strncasecmp(line + at, "FROM", 4) != 0 ||
	    (line[at + 4] != ' ' && line[at + 4] != '\t'))
		return;
	at = skip_blanks(line, len, at + 4);
	while (at + 1 < len && line[at] == '-' && line[at + 1] == '-') {
		while (at < len && line[at] != ' ' && line[at] != '\t')
			at++;
		at = skip_blanks(line, len, at);
	}
	size_t start = at;
	while (at < len && line[at] != ' ' && line[at] != '\t')
		at++;
	if (at > start)
		note_name(s, 'i', line + start, at - start, file, number, NULL, NULL);
}

/* Kubernetes and Helm YAML: `image: REF` (in a list too), and in a Helm
 * values file `repository: REF`. */
static void yaml_line(scanner *s, const char *line, size_t len, const char *file, uint32_t number)
{
	size_t at = skip_blanks(line, len, 0);
	if (at < len && line[at] == '-')
		at = skip_blanks(line, len, at + 1);
	size_t key;
	if (len - at > 6 && strncmp(line + at, "image:", 6) == 0)
		key = 6;
	else if (len - at > 11 && strncmp(line + at, "repository:", 11) == 0 && strstr(file, "values"))
		key = 11;
	else
		return;
	at = skip_blanks(line, len, at + key);
	char quote = at < len && (line[at] == '"' || line[at] == '\'') ? line[at] : 0;
	if (quote)
		at++;
	size_t start = at;
	while (at < len && line[at] != ' ' && line[at] != '\t' && line[at] != '#' && line[at] != quote)
		at++;
	if (at > start)
		note_name(s, 'i', line + start, at - start, file, number, NULL, NULL);
}

/* An environment template: `NAME=value`, `export NAME=value`. */
static void env_line(scanner *s, const char *line, size_t len, const char *file, uint32_t number)
{
	size_t at = skip_blanks(line, len, 0);
	if (len - at > 7 && strncmp(line + at, "export ", 7) == 0)
		at = skip_blanks(line, len, at + 7);
	size_t start = at;
	while (at < len &&
	       (line[at] == '_' || (line[at] >= 'A' && line[at] <= 'Z') ||
	        (line[at] >= 'a' && line[at] <= 'z') || (at > start && line[at] >= '0' && line[at] <= '9')))
		at++;
	size_t end = at;
	at = skip_blanks(line, len, at);
	if (end > start && at < len && line[at] == '=')
		note_name(s, 'e', line + start, end - start, file, number, NULL, NULL);
}

/* ---- walking the repository ---- */

static bool ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);
	return n >= m && strcmp(name + n - m, suffix) == 0;
}

static bool is_env_template(const char *name)
{
	static const char *const names[] = {".env.example", ".env.sample", ".env.template", ".env.dist",
	                                    "env.example",  "example.env", ".env.defaults"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static bool is_dockerfile(const char *name)
{
	return strcmp(name, "Dockerfile") == 0 || strncmp(name, "Dockerfile.", 11) == 0 ||
	       strcmp(name, "Containerfile") == 0 || ends_with(name, ".dockerfile");
}

/* What kind of manifest a file name is, or 0. */
static char manifest_kind(const char *name)
{
	if (strcmp(name, "package.json") == 0)
		return 'p';
	if (strcmp(name, "package-lock.json") == 0 || strcmp(name, "npm-shrinkwrap.json") == 0)
		return 'l';
	if (strcmp(name, "yarn.lock") == 0)
		return 'y';
	if (strcmp(name, "pnpm-lock.yaml") == 0)
		return 'n';
	if (is_dockerfile(name))
		return 'd';
	if (is_env_template(name))
		return 'e';
	if (ends_with(name, ".yaml") || ends_with(name, ".yml"))
		return 'k';
	return 0;
}

/* Folders never read: version control, installed packages, and hidden ones. */
static bool skipped_folder(const char *name)
{
	return name[0] == '.' || strcmp(name, "node_modules") == 0 || strcmp(name, "vendor") == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void read_file(scanner *s, const char *path, const char *shown, char kind)
{
	const tm_source *src = read_manifest(s, path, shown);
	if (!src)
		return;
	const char *file = tm_arena_strdup(s->drift->arena, shown);
	s->rank = kind == 'p'                                 ? 0
	          : kind == 'l' || kind == 'y' || kind == 'n' ? 1
	          : kind == 'd'                               ? 2
	          : kind == 'k'                               ? 3
	                                                      : 4;
	switch (kind) {
	case 'p': read_package_json(s, src, file); break;
	case 'l': read_package_lock(s, src, file); break;
	case 'y': each_line(s, src, file, yarn_line); break;
	case 'n': each_line(s, src, file, pnpm_line); break;
	case 'd': each_line(s, src, file, dockerfile_line); break;
	case 'e': each_line(s, src, file, env_line); break;
	default: each_line(s, src, file, yaml_line); break;
	}
}

/* Reads folder `path` (shown as `shown`, "" for the top) and what is in it,
 * in name order, never through a symbolic link. */
static void walk(scanner *s, const char *path, const char *shown, int depth)
{
	DIR *dir = opendir(path);
	if (!dir)
		return;
	char **names = NULL;
	size_t count = 0, cap = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		if (++s->entries > TM_DRIFT_MAX_ENTRIES)
			break;
		TM_VEC_PUSH(names, count, cap, tm_xstrdup(entry->d_name));
	}
	closedir(dir);
	if (count > 1)
		qsort(names, count, sizeof(*names), by_name);
	for (size_t i = 0; i < count; i++) {
		char *child = tm_arena_printf(s->arena, "%s/%s", path, names[i]);
		char *child_shown = *shown ? tm_arena_printf(s->arena, "%s/%s", shown, names[i]) : names[i];
		struct stat st;
		char kind = manifest_kind(names[i]);
		if (lstat(child, &st) != 0) {
			/* gone since the listing */
		} else if (S_ISLNK(st.st_mode)) {
			if (kind == 'p' || kind == 'l' || kind == 'd' || kind == 'e')
				tm_diag_warning(s->diags, (tm_span){0}, "%s is a symbolic link; not followed",
				                child_shown);
		} else if (S_ISDIR(st.st_mode)) {
			if (!skipped_folder(names[i]) && depth < TM_DRIFT_MAX_DEPTH)
				walk(s, child, tm_arena_strdup(s->arena, child_shown), depth + 1);
		} else if (S_ISREG(st.st_mode) && kind) {
			read_file(s, child, child_shown, kind);
		}
	}
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

static int by_place(const void *a, const void *b)
{
	const tm_drift_evidence *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	int c = strcmp(x->file, y->file);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int by_first_place(const void *a, const void *b)
{
	const tm_drift_use *x = a, *y = b;
	int c = by_place(&x->evidence[0], &y->evidence[0]);
	return c ? c : strcmp(x->service->id, y->service->id);
}

int tm_drift_scan(tm_drift *out, const char *repo, const tm_drift_table *table, tm_diags *diags)
{
	memset(out, 0, sizeof(*out));
	out->arena = tm_arena_new();
	struct stat st;
	if (stat(repo, &st) != 0 || !S_ISDIR(st.st_mode)) {
		tm_diag_error(diags, (tm_span){0}, "%s is not a folder", repo);
		return TM_ERR_IO;
	}
	scanner s = {.drift = out, .table = table, .diags = diags, .arena = out->arena};
	walk(&s, repo, "", 0);
	if (s.entries > TM_DRIFT_MAX_ENTRIES)
		tm_diag_warning(diags, (tm_span){0},
		                "the repository holds more than %d files and folders; the rest is not read",
		                TM_DRIFT_MAX_ENTRIES);
	for (size_t i = 0; i < out->count; i++)
		qsort(out->uses[i].evidence, out->uses[i].nevidence, sizeof(tm_drift_evidence), by_place);
	if (out->count > 1)
		qsort(out->uses, out->count, sizeof(*out->uses), by_first_place);
	return s.failed ? TM_ERR_INPUT : TM_OK;
}

void tm_drift_free(tm_drift *drift)
{
	for (size_t i = 0; i < drift->count; i++)
		free(drift->uses[i].evidence);
	free(drift->uses);
	tm_arena_free(drift->arena);
	memset(drift, 0, sizeof(*drift));
}

/* ---- finding the models ---- */

static void find_models(const char *path, int depth, size_t *entries, char ***paths, size_t *count,
                        size_t *cap)
{
	DIR *dir = opendir(path);
	if (!dir)
		return;
	char **names = NULL;
	size_t n = 0, ncap = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL && ++*entries <= TM_DRIFT_MAX_ENTRIES)
		if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
			TM_VEC_PUSH(names, n, ncap, tm_xstrdup(entry->d_name));
	closedir(dir);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(names[i]) + 2;
		char *child = tm_xmalloc(len);
		snprintf(child, len, "%s/%s", path, names[i]);
		struct stat st;
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode) && !skipped_folder(names[i]) &&
		    depth < TM_DRIFT_MAX_DEPTH) {
			find_models(child, depth + 1, entries, paths, count, cap);
		} else if (lstat(child, &st) == 0 && S_ISREG(st.st_mode) && ends_with(names[i], ".threat")) {
			TM_VEC_PUSH(*paths, *count, *cap, child);
			child = NULL;
		}
		free(child);
		free(names[i]);
	}
	free(names);
}

char **tm_drift_find_models(const char *repo, size_t *count)
{
	char **paths = NULL;
	size_t cap = 0, entries = 0;
	*count = 0;
	find_models(repo, 0, &entries, &paths, count, &cap);
	return paths;
}

void tm_drift_free_paths(char **paths, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(paths[i]);
	free(paths);
}

/* ---- the model ---- */

/* Splits text into its words (runs of letters and digits) in lower case:
 * at most `max` words of at most 63 characters; returns how many. */
static size_t words_of(const char *text, char words[][64], size_t max)
{
	size_t n = 0;
	for (const char *p = text; *p && n < max;) {
		size_t len = 0;
		while (*p &&
		       ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) {
			if (len < 63)
				words[n][len++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			p++;
		}
		if (len) {
			words[n++][len] = '\0';
		} else {
			p++;
		}
	}
	return n;
}

/* Whether the words of term come one after another among those of text:
 * "new relic" in "New Relic APM", "stripe" in "stripe-webhook". */
static bool says(const char *text, const char *term)
{
	if (!text)
		return false;
	char have[32][64], want[8][64];
	size_t nhave = words_of(text, have, 32), nwant = words_of(term, want, 8);
	for (size_t i = 0; nwant && i + nwant <= nhave; i++) {
		size_t k = 0;
		while (k < nwant && strcmp(have[i + k], want[k]) == 0)
			k++;
		if (k == nwant)
			return true;
	}
	return false;
}

static bool element_says(const tm_element *el, const char *term)
{
	return says(el->id, term) || says(el->label, term) || says(tm_element_attr_text(el, "tech"), term) ||
	       says(tm_element_attr_text(el, "kind"), term);
}

void tm_drift_match(tm_drift *drift, const tm_model *const *models, size_t nmodels)
{
	for (size_t u = 0; u < drift->count; u++) {
		tm_drift_use *use = &drift->uses[u];
		for (size_t m = 0; m < nmodels && !use->element; m++) {
			const tm_model *model = models[m];
			for (size_t e = 0; model && e < model->nelements && !use->element; e++) {
				const tm_element *el = model->elements[e];
				if (el->kind != TM_EL_EXTERNAL && el->kind != TM_EL_PROCESS &&
				    el->kind != TM_EL_STORE)
					continue;
				for (size_t t = 0;
				     use->service->match && use->service->match[t] && !use->element; t++)
					if (element_says(el, use->service->match[t]))
						use->element = tm_arena_strdup(drift->arena, el->key);
			}
		}
	}
}

size_t tm_drift_missing(const tm_drift *drift)
{
	size_t n = 0;
	for (size_t i = 0; i < drift->count; i++)
		n += !drift->uses[i].element;
	return n;
}

/* ---- the table from JSON ---- */

static const char **string_list(tm_arena *arena, json_t *array, bool *bad)
{
	size_t n = json_is_array(array) ? json_array_size(array) : 0;
	if (array && (!json_is_array(array) || n > TM_DRIFT_MAX_NAMES)) {
		*bad = true;
		return NULL;
	}
	const char **list = tm_arena_alloc(arena, (n + 1) * sizeof(*list));
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(array, i);
		if (!json_is_string(item) || !json_string_length(item) ||
		    strlen(json_string_value(item)) != json_string_length(item)) {
			*bad = true;
			return NULL;
		}
		list[i] = tm_arena_strdup(arena, json_string_value(item));
	}
	list[n] = NULL;
	return list;
}

int tm_drift_table_load(tm_drift_table *table, tm_arena *arena, const char *path, tm_diags *diags)
{
	char why[256];
	const tm_source *src = tm_source_read(arena, path, why, sizeof why);
	if (!src) {
		tm_diag_error(diags, (tm_span){0}, "cannot read %s: %s", path, why);
		return TM_ERR_IO;
	}
	scanner s = {.diags = diags, .arena = arena};
	json_t *root = parse_json(&s, src);
	if (!root)
		return TM_ERR_INPUT;
	json_t *services = json_object_get(root, "services");
	int status = TM_OK;
	if (!json_is_array(services)) {
		tm_diag_error(diags, (tm_span){src, 0, 0}, "a services table is {\"services\": [...]}");
		status = TM_ERR_INPUT;
	}
	for (size_t i = 0; status == TM_OK && i < json_array_size(services); i++) {
		json_t *item = json_array_get(services, i);
		const char *id = json_string_value(json_object_get(item, "id"));
		bool bad = !json_is_object(item) || !id || !*id;
		tm_drift_service service = {0};
		if (!bad) {
			service.id = tm_arena_strdup(arena, id);
			const char *label = json_string_value(json_object_get(item, "label"));
			const char *category = json_string_value(json_object_get(item, "category"));
			service.label = tm_arena_strdup(arena, label ? label : id);
			service.category = tm_arena_strdup(arena, category ? category : "service");
			service.npm = string_list(arena, json_object_get(item, "npm"), &bad);
			service.env = string_list(arena, json_object_get(item, "env"), &bad);
			service.images = string_list(arena, json_object_get(item, "images"), &bad);
			service.match = string_list(arena, json_object_get(item, "match"), &bad);
			if (!bad && !service.match[0]) {
				const char **own = tm_arena_alloc(arena, 2 * sizeof(*own));
				own[0] = service.id;
				own[1] = NULL;
				service.match = own;
			}
		}
		if (bad) {
			tm_diag_error(
			    diags, (tm_span){src, 0, 0},
			    "service %zu: an object with an \"id\" and lists of at most %d non-empty strings "
			    "(\"npm\", \"env\", \"images\", \"match\")",
			    i + 1, TM_DRIFT_MAX_NAMES);
			status = TM_ERR_INPUT;
			break;
		}
		size_t at = 0;
		while (at < table->count && strcmp(table->items[at].id, service.id) != 0)
			at++;
		if (at < table->count) {
			table->items[at] = service;
		} else if (table->count == TM_DRIFT_MAX_SERVICES) {
			tm_diag_error(diags, (tm_span){src, 0, 0}, "more than %d services",
			              TM_DRIFT_MAX_SERVICES);
			status = TM_ERR_INPUT;
		} else {
			TM_VEC_PUSH(table->items, table->count, table->cap, service);
		}
	}
	json_decref(root);
	return status;
}

int tm_drift_table_load_packs(tm_drift_table *table, tm_arena *arena, const tm_model *const *models,
                              size_t nmodels, tm_diags *diags)
{
	int status = TM_OK;
	for (size_t m = 0; m < nmodels; m++) {
		for (size_t u = 0; models[m] && u < models[m]->nuses; u++) {
			const tm_use *use = &models[m]->uses[u];
			size_t len = strlen(use->name);
			if (len < 5 || strcmp(use->name + len - 4, ".lua") != 0)
				continue; /* a built-in pack */
			char *path = tm_arena_printf(
			    arena, "%s%s%.*s.services.json", use->name[0] == '/' ? "" : use->base_dir,
			    use->name[0] == '/' ? "" : "/", (int)(len - 4), use->name);
			struct stat st;
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			int loaded = tm_drift_table_load(table, arena, path, diags);
			if (status == TM_OK)
				status = loaded;
		}
	}
	return status;
}

/* ---- the report ---- */

void tm_drift_render_text(tm_buf *out, const tm_drift *drift)
{
	size_t missing = 0;
	for (size_t i = 0; i < drift->count; i++) {
		const tm_drift_use *use = &drift->uses[i];
		if (use->element)
			continue;
		missing++;
		const tm_drift_evidence *first = &use->evidence[0];
		tm_buf_printf(
		    out, "%s:%u: drift: %s (%s) is used here (%s) but the model has no element for it\n",
		    first->file, first->line, use->service->label, use->service->category, first->what);
		for (size_t e = 1; e < use->nevidence && e < 6; e++)
			tm_buf_printf(out, "  also %s:%u (%s)\n", use->evidence[e].file,
			              use->evidence[e].line, use->evidence[e].what);
		if (use->nevidence > 6)
			tm_buf_printf(out, "  and %zu more places\n", use->nevidence - 6);
	}
	tm_buf_printf(out, "%zu %s missing from the model", missing, missing == 1 ? "service" : "services");
	size_t modelled = drift->count - missing;
	if (modelled) {
		tm_buf_printf(out, "; in the model: ");
		size_t n = 0;
		for (size_t i = 0; i < drift->count; i++)
			if (drift->uses[i].element)
				tm_buf_printf(out, "%s%s (%s)", n++ ? ", " : "", drift->uses[i].service->id,
				              drift->uses[i].element);
	}
	tm_buf_printf(out, " (%zu %s read)\n", drift->files_read,
	              drift->files_read == 1 ? "manifest" : "manifests");
}

static json_t *use_json(const tm_drift_use *use)
{
	json_t *places = json_array();
	for (size_t e = 0; e < use->nevidence; e++)
		json_array_append_new(places, json_pack("{s:s, s:i, s:s}", "file", use->evidence[e].file,
		                                        "line", (json_int_t)use->evidence[e].line, "what",
		                                        use->evidence[e].what));
	json_t *item = json_pack("{s:s, s:s, s:s, s:o}", "service", use->service->id, "label",
	                         use->service->label, "category", use->service->category, "places", places);
	json_object_set_new(item, "element", use->element ? json_string(use->element) : json_null());
	return item;
}

static void dump(tm_buf *out, json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text) {
		tm_buf_puts(out, text);
		tm_buf_putc(out, '\n');
		free(text);
	}
	json_decref(root);
}

void tm_drift_render_json(tm_buf *out, const tm_drift *drift, const char *repo_label)
{
	json_t *missing = json_array(), *modelled = json_array();
	for (size_t i = 0; i < drift->count; i++)
		json_array_append_new(drift->uses[i].element ? modelled : missing, use_json(&drift->uses[i]));
	dump(out, json_pack("{s:s, s:i, s:o, s:o}", "repo", repo_label, "manifests_read",
	                    (json_int_t)drift->files_read, "drift", missing, "modelled", modelled));
}

void tm_drift_render_sarif(tm_buf *out, const tm_drift *drift, const char *repo_label)
{
	json_t *results = json_array();
	for (size_t i = 0; i < drift->count; i++) {
		const tm_drift_use *use = &drift->uses[i];
		if (use->element)
			continue;
		json_t *locations = json_array();
		for (size_t e = 0; e < use->nevidence; e++)
			json_array_append_new(
			    locations, json_pack("{s:{s:{s:s}, s:{s:i}}}", "physicalLocation",
			                         "artifactLocation", "uri", use->evidence[e].file, "region",
			                         "startLine", (json_int_t)use->evidence[e].line));
		char message[512];
		snprintf(message, sizeof message,
		         "%s (%s) is used here (%s) but the threat model has no element for it: add it with "
		         "its flows "
		         "and trust boundary.",
		         use->service->label, use->service->category, use->evidence[0].what);
		json_t *first = json_array();
		json_array_append(first, json_array_get(locations, 0));
		json_t *related = json_array();
		for (size_t e = 1; e < json_array_size(locations); e++) {
			json_t *loc = json_deep_copy(json_array_get(locations, e));
			json_object_set_new(loc, "id", json_integer((json_int_t)e));
			json_array_append_new(related, loc);
		}
		json_t *result =
		    json_pack("{s:s, s:i, s:s, s:{s:s}, s:o}", "ruleId", DRIFT_RULE, "ruleIndex", 0, "level",
		              "warning", "message", "text", message, "locations", first);
		if (json_array_size(related))
			json_object_set_new(result, "relatedLocations", related);
		else
			json_decref(related);
		json_object_set_new(result, "partialFingerprints",
		                    json_pack("{s:s}", "driftService/v1", use->service->id));
		json_array_append_new(results, result);
		json_decref(locations);
	}
	json_t *rule =
	    json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}}", "id", DRIFT_RULE, "name",
	              "IntegrationMissingFromModel", "shortDescription", "text",
	              "A service the code uses is missing from the threat model", "fullDescription", "text",
	              "A dependency, container image or environment variable of the repository belongs to "
	              "a known external service that no element of the threat model stands for: the "
	              "integration was added without updating the model.",
	              "defaultConfiguration", "level", "warning");
	json_t *run = json_pack("{s:{s:{s:s, s:s, s:s, s:[o]}}, s:{s:s}, s:o}", "tool", "driver", "name",
	                        "threat", "version", TM_VERSION, "semanticVersion", TM_VERSION, "rules", rule,
	                        "automationDetails", "id", "threat/drift/", "results", results);
	(void)repo_label;
	dump(out, json_pack("{s:s, s:s, s:[o]}", "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs", run));
}
