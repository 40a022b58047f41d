#include "interop/threagile.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/date.h"
#include "base/strmap.h"
#include "base/xalloc.h"
#include "interop/yaml_tree.h"
#include "lang/fmt.h"
#include "session/session.h"
#include "threat/status.h"

/* An identifier made from a foreign id is at most this long. */
#define MAX_IDENT 64
/* The path the generated model is known by while the rules run on it. */
#define IMPORT_DIR  "/threagile-import"
#define IMPORT_PATH IMPORT_DIR "/model.threat"

typedef enum node_kind { NODE_EXTERNAL, NODE_PROCESS, NODE_STORE } node_kind;

/* A technical asset, by its Threagile id. */
typedef struct tech_asset {
	const char *foreign; /* Threagile's id */
	const char *ident;   /* the .threat id */
	node_kind kind;
	const tm_yaml_node *node;
	const char *runtime; /* the shared runtime it runs on, or NULL */
	bool boundary_set;   /* listed in a trust boundary already */
} tech_asset;

/* A communication link: the flow it became. */
typedef struct link {
	const char *ident;
	const tech_asset *source, *target;
} link;

/* A threat made from an individual risk. */
typedef struct individual {
	const char *category; /* Threagile's risk category id */
	const char *ident;
	const tech_asset *asset; /* most relevant technical asset, or NULL */
	const link *flow;        /* most relevant communication link, or NULL */
} individual;

typedef struct importer {
	tm_arena *arena;
	const tm_source *src;
	tm_diags *diags;
	const tm_threagile_options *options;
	tm_strmap *idents;          /* every .threat id given out */
	tm_strmap *suffixes;        /* a base id -> the next number to put after it */
	tm_strmap *assets;          /* data asset id -> its .threat id */
	tm_strmap *tech;            /* technical asset id -> tech_asset */
	tm_strmap *links;           /* link id ("source>title") and title -> link */
	tm_strmap *boundaries;      /* trust boundary id -> its .threat id */
	tm_strmap *boundary_parent; /* trust boundary id -> the boundary id it is nested in */
	tech_asset **tech_list;
	size_t ntech, tech_cap;
	individual *individuals;
	size_t nindividuals, individuals_cap;
	tm_buf out;
	bool failed;
} importer;

/* ---- messages ---- */

static void error_at(importer *im, const tm_yaml_node *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn_at(importer *im, const tm_yaml_node *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static tm_span span_of(const importer *im, const tm_yaml_node *node)
{
	return node ? node->span : (tm_span){im->src, 0, 0};
}

static void error_at(importer *im, const tm_yaml_node *node, const char *fmt, ...)
{
	char message[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	tm_diag_error(im->diags, span_of(im, node), "%s", message);
	im->failed = true;
}

static void warn_at(importer *im, const tm_yaml_node *node, const char *fmt, ...)
{
	char message[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	tm_diag_warning(im->diags, span_of(im, node), "%s", message);
}

/* A foreign text for a message: at most 60 bytes, cut at a character. */
static int shown(const char *text)
{
	size_t n = strlen(text);
	if (n <= 60)
		return (int)n;
	n = 60;
	while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
		n--;
	return (int)n;
}

/* ---- reading fields ---- */

static const char *kind_name(const tm_yaml_node *node)
{
	return node->kind == TM_YAML_MAPPING    ? "a mapping"
	       : node->kind == TM_YAML_SEQUENCE ? "a list"
	                                        : "a scalar";
}

/* A scalar field's text, NULL when absent or null; another type is an error. */
static const char *text_field(importer *im, const tm_yaml_node *map, const char *key)
{
	const tm_yaml_node *value = tm_yaml_get(map, key);
	if (tm_yaml_is_null(value))
		return NULL;
	if (value->kind != TM_YAML_SCALAR) {
		error_at(im, value, "'%s' must be a scalar, not %s", key, kind_name(value));
		return NULL;
	}
	return value->text;
}

/* A field that must be a mapping: NULL when absent or null. */
static const tm_yaml_node *map_field(importer *im, const tm_yaml_node *map, const char *key)
{
	const tm_yaml_node *value = tm_yaml_get(map, key);
	if (tm_yaml_is_null(value))
		return NULL;
	if (value->kind != TM_YAML_MAPPING) {
		error_at(im, value, "'%s' must be a mapping, not %s", key, kind_name(value));
		return NULL;
	}
	return value;
}

/* A field that must be a list of scalars: NULL when absent or null. */
static const tm_yaml_node *list_field(importer *im, const tm_yaml_node *map, const char *key)
{
	const tm_yaml_node *value = tm_yaml_get(map, key);
	if (tm_yaml_is_null(value))
		return NULL;
	if (value->kind != TM_YAML_SEQUENCE) {
		error_at(im, value, "'%s' must be a list, not %s", key, kind_name(value));
		return NULL;
	}
	for (size_t i = 0; i < value->count; i++) {
		if (value->items[i]->kind != TM_YAML_SCALAR) {
			error_at(im, value->items[i], "the items of '%s' must be scalars, not %s", key,
			         kind_name(value->items[i]));
			return NULL;
		}
	}
	return value;
}

/* A boolean field: false when absent; true/false (yes/no, on/off) only. */
static bool bool_field(importer *im, const tm_yaml_node *map, const char *key)
{
	const tm_yaml_node *value = tm_yaml_get(map, key);
	if (tm_yaml_is_null(value))
		return false;
	static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
	if (value->kind == TM_YAML_SCALAR) {
		for (size_t i = 0; i < 3; i++) {
			if (strcasecmp(value->text, yes[i]) == 0)
				return true;
			if (strcasecmp(value->text, no[i]) == 0)
				return false;
		}
	}
	error_at(im, value, "'%s' must be true or false", key);
	return false;
}

/* The value of an enumerated field, checked against `values` (spaces
 * between); NULL when absent. */
static const char *enum_field(importer *im, const tm_yaml_node *map, const char *key, const char *values)
{
	const char *text = text_field(im, map, key);
	if (!text)
		return NULL;
	size_t len = strlen(text);
	for (const char *p = values; *p;) {
		size_t n = strcspn(p, " ");
		if (n == len && strncmp(p, text, n) == 0)
			return text;
		p += n;
		p += strspn(p, " ");
	}
	error_at(im, tm_yaml_get(map, key), "'%.*s' is not a value of '%s' (%s)", shown(text), text, key,
	         values);
	return NULL;
}

/* ---- identifiers and text ---- */

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A .threat identifier made from a foreign id, unique in the model: letters,
 * digits and _ kept, a '-' between letters or digits kept, every other run
 * of characters one '_'; a leading digit gets "id_" before it; a name the
 * language reads as a value or a keyword gets '_' after it. */
static const char *make_ident(importer *im, const char *foreign)
{
	char base[MAX_IDENT + 8];
	size_t n = 0;
	if (foreign && (foreign[0] >= '0' && foreign[0] <= '9')) {
		memcpy(base, "id_", 3);
		n = 3;
	}
	for (const char *p = foreign ? foreign : ""; *p && n < MAX_IDENT; p++) {
		if (is_alnum(*p) || *p == '_')
			base[n++] = *p;
		else if (*p == '-' && n && is_alnum(base[n - 1]) && is_alnum(p[1]))
			base[n++] = '-';
		else if (n && base[n - 1] != '_')
			base[n++] = '_';
	}
	while (n > 1 && base[n - 1] == '_')
		n--;
	if (!n || (n == 1 && base[0] == '_')) {
		memcpy(base, "unnamed", 7);
		n = 7;
	}
	base[n] = '\0';
	static const char *const reserved[] = {"true",     "false", "model",    "use",        "include",
	                                       "asset",    "actor", "external", "process",    "store",
	                                       "boundary", "flow",  "threat",   "mitigation", "accept"};
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
		if (strcmp(base, reserved[i]) == 0) {
			base[n++] = '_';
			base[n] = '\0';
			break;
		}
	}
	const char *ident = tm_arena_strdup(im->arena, base);
	if (tm_strmap_get(im->idents, ident)) {
		/* the next suffix to try is kept per base, so many equal names cost
		 * no more than different ones */
		uintptr_t suffix = (uintptr_t)tm_strmap_get(im->suffixes, ident);
		if (!suffix)
			suffix = 2;
		do
			ident = tm_arena_printf(im->arena, "%s_%u", base, (unsigned)suffix++);
		while (tm_strmap_get(im->idents, ident));
		tm_strmap_set(im->suffixes, tm_arena_strdup(im->arena, base), (void *)suffix);
	}
	tm_strmap_add(im->idents, ident, (void *)ident);
	return ident;
}

/* A .threat string: escapes for '"', '\', line breaks and control
 * characters; a NUL is dropped (the language has none). */
static void put_string(tm_buf *out, const char *text)
{
	tm_buf_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\') {
			tm_buf_putc(out, '\\');
			tm_buf_putc(out, (char)*p);
		} else if (*p == '\n') {
			tm_buf_puts(out, "\\n");
		} else if (*p == '\t') {
			tm_buf_puts(out, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			tm_buf_printf(out, "\\u{%x}", *p);
		} else {
			tm_buf_putc(out, (char)*p);
		}
	}
	tm_buf_putc(out, '"');
}

/* Folded text without its trailing line breaks and spaces. */
static const char *trimmed(importer *im, const char *text)
{
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r'))
		n--;
	return tm_arena_strndup(im->arena, text, n);
}

/* Text without HTML tags (Threagile's titles may hold <b>...</b>). */
static const char *untagged(importer *im, const char *text)
{
	tm_buf plain = TM_BUF_INIT;
	for (const char *p = text; *p; p++) {
		if (*p == '<' && strchr(p, '>')) {
			p = strchr(p, '>');
			continue;
		}
		tm_buf_putc(&plain, *p);
	}
	const char *result = tm_arena_strdup(im->arena, tm_buf_str(&plain));
	tm_buf_free(&plain);
	return result;
}

static void attr_string(importer *im, const char *name, const char *value)
{
	if (!value)
		return;
	tm_buf_printf(&im->out, "  %s ", name);
	put_string(&im->out, trimmed(im, value));
	tm_buf_putc(&im->out, '\n');
}

/* The Threagile id, when the .threat id had to differ from it. */
static void attr_foreign_id(importer *im, const char *ident, const char *foreign)
{
	if (strcmp(ident, foreign) != 0)
		attr_string(im, "x-threagile-id", foreign);
}

/* A value that is a word in its source (an enum's, a protocol): bare when
 * it is an identifier, else a string. */
static void attr_enum(importer *im, const char *name, const char *value)
{
	if (!value)
		return;
	bool word = (value[0] >= 'a' && value[0] <= 'z') || (value[0] >= 'A' && value[0] <= 'Z');
	for (const char *p = value; *p && word; p++)
		word = is_alnum(*p) || *p == '_' || (*p == '-' && p[1] && is_alnum(p[1]) && p[1] != '-');
	if (!word || strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
		attr_string(im, name, value);
		return;
	}
	tm_buf_printf(&im->out, "  %s %s\n", name, value);
}

static void attr_word(importer *im, const char *name, const char *word)
{
	tm_buf_printf(&im->out, "  %s %s\n", name, word);
}

/* `name [a, b]` from a list of .threat ids; nothing when empty. */
static void attr_ids(importer *im, const char *name, const char *const *ids, size_t count)
{
	if (!count)
		return;
	tm_buf_printf(&im->out, "  %s [", name);
	for (size_t i = 0; i < count; i++)
		tm_buf_printf(&im->out, "%s%s", i ? ", " : "", ids[i]);
	tm_buf_puts(&im->out, "]\n");
}

/* `name ["a", "b"]` from a list of scalars. */
static void attr_strings(importer *im, const char *name, const tm_yaml_node *list)
{
	if (!list || !list->count)
		return;
	tm_buf_printf(&im->out, "  %s [", name);
	for (size_t i = 0; i < list->count; i++) {
		if (i)
			tm_buf_puts(&im->out, ", ");
		put_string(&im->out, list->items[i]->text);
	}
	tm_buf_puts(&im->out, "]\n");
}

/* A `# ...` comment, a line of it per line of text; control characters
 * are dropped so nothing ends the comment early. */
static void comment(importer *im, const char *prefix, const char *text)
{
	const char *joined = tm_arena_printf(im->arena, "%s%s", prefix, trimmed(im, text));
	tm_buf_puts(&im->out, "# ");
	for (const char *p = joined; *p; p++) {
		if (*p == '\n')
			tm_buf_puts(&im->out, "\n#   ");
		else if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			tm_buf_putc(&im->out, *p);
	}
	tm_buf_putc(&im->out, '\n');
}

/* ---- the model header ---- */

static void import_header(importer *im, const tm_yaml_node *root)
{
	tm_buf_puts(&im->out, "# Imported from a Threagile model by `threat import threagile`.\n");
	static const char *const sections[][2] = {
	    {"security_requirements", "Security requirement"},
	    {"abuse_cases", "Abuse case"},
	    {"questions", "Question"},
	};
	for (size_t s = 0; s < 3; s++) {
		const tm_yaml_node *section = map_field(im, root, sections[s][0]);
		const tm_yaml_node *key, *value;
		for (size_t i = 0; tm_yaml_pair(section, &i, &key, &value);) {
			const char *text = value->kind == TM_YAML_SCALAR ? value->text : "";
			char *prefix = tm_arena_printf(im->arena, "%s \"%s\": ", sections[s][1], key->text);
			comment(im, prefix, text);
		}
	}
	tm_buf_puts(&im->out, "\nmodel ");
	const char *title = text_field(im, root, "title");
	put_string(&im->out, title ? title : "Threagile model");
	tm_buf_puts(&im->out, " {\n");
	const char *date = text_field(im, root, "date");
	int32_t day;
	if (date && tm_date_parse(date, strlen(date), &day))
		attr_word(im, "date", date);
	else if (date)
		warn_at(im, tm_yaml_get(root, "date"), "'date' is not a date like 2026-03-24; left out");
	const tm_yaml_node *author = tm_yaml_get(root, "author");
	if (author && author->kind == TM_YAML_MAPPING)
		attr_string(im, "author", text_field(im, author, "name"));
	else if (author && author->kind == TM_YAML_SCALAR)
		attr_string(im, "author", tm_yaml_text(author));
	attr_string(im, "description", text_field(im, root, "management_summary_comment"));
	const char *criticality = enum_field(im, root, "business_criticality",
	                                     "archive operational important critical mission-critical");
	attr_enum(im, "x-threagile-business-criticality", criticality);
	tm_buf_puts(&im->out, "}\n");
}

/* ---- data assets ---- */

static const char *sensitivity_of(const char *confidentiality)
{
	if (!confidentiality)
		return NULL;
	if (strcmp(confidentiality, "public") == 0 || strcmp(confidentiality, "internal") == 0)
		return "low";
	if (strcmp(confidentiality, "restricted") == 0)
		return "medium";
	if (strcmp(confidentiality, "confidential") == 0)
		return "high";
	return "critical";
}

#define CONFIDENTIALITY "public internal restricted confidential strictly-confidential"
#define CRITICALITY     "archive operational important critical mission-critical"

/* The id field of an entry: required, and unique among its kind. */
static const char *entry_id(importer *im, const tm_yaml_node *key, const tm_yaml_node *entry,
                            const char *what, tm_strmap *seen)
{
	if (entry->kind != TM_YAML_MAPPING) {
		error_at(im, entry, "%s '%.*s' must be a mapping, not %s", what, shown(key->text), key->text,
		         kind_name(entry));
		return NULL;
	}
	const char *id = text_field(im, entry, "id");
	if (!id) {
		if (!im->failed)
			error_at(im, key, "%s '%.*s' has no id", what, shown(key->text), key->text);
		return NULL;
	}
	if (tm_strmap_get(seen, id)) {
		error_at(im, tm_yaml_get(entry, "id"), "%s id '%.*s' is used twice", what, shown(id), id);
		return NULL;
	}
	return id;
}

static void import_data_assets(importer *im, const tm_yaml_node *root)
{
	const tm_yaml_node *assets = map_field(im, root, "data_assets");
	const tm_yaml_node *key, *entry;
	bool any = false;
	for (size_t i = 0; tm_yaml_pair(assets, &i, &key, &entry);) {
		const char *id = entry_id(im, key, entry, "data asset", im->assets);
		if (!id)
			continue;
		const char *ident = make_ident(im, id);
		tm_strmap_add(im->assets, tm_arena_strdup(im->arena, id), (void *)ident);
		if (!any)
			tm_buf_puts(&im->out, "\n# ---- data assets\n");
		any = true;
		tm_buf_printf(&im->out, "\nasset %s ", ident);
		put_string(&im->out, key->text);
		tm_buf_puts(&im->out, " {\n");
		attr_foreign_id(im, ident, id);
		attr_string(im, "description", text_field(im, entry, "description"));
		const char *sensitivity =
		    sensitivity_of(enum_field(im, entry, "confidentiality", CONFIDENTIALITY));
		if (sensitivity)
			attr_word(im, "sensitivity", sensitivity);
		attr_string(im, "owner", text_field(im, entry, "owner"));
		attr_enum(im, "x-threagile-integrity", enum_field(im, entry, "integrity", CRITICALITY));
		attr_enum(im, "x-threagile-availability", enum_field(im, entry, "availability", CRITICALITY));
		attr_enum(im, "x-threagile-quantity",
		          enum_field(im, entry, "quantity", "very-few few many very-many"));
		attr_enum(im, "x-threagile-usage", enum_field(im, entry, "usage", "business devops"));
		attr_string(im, "x-threagile-origin", text_field(im, entry, "origin"));
		attr_string(im, "x-threagile-justification",
		            text_field(im, entry, "justification_cia_rating"));
		tm_buf_puts(&im->out, "}\n");
	}
}

/* ---- technical assets ---- */

/* Threagile's technologies and the `kind` the rule packs know them by. */
static const struct {
	const char *technology, *kind;
} technologies[] = {
    {"ai", "ai"},
    {"application-server", "service"},
    {"artifact-registry", "registry"},
    {"batch-processing", "batch"},
    {"big-data-platform", "data_platform"},
    {"block-storage", "block_storage"},
    {"browser", "browser"},
    {"build-pipeline", "ci"},
    {"cli", "client"},
    {"client-system", "client"},
    {"cms", "cms"},
    {"code-inspection-platform", "code_inspection"},
    {"container-platform", "cluster"},
    {"data-lake", "data_lake"},
    {"database", "database"},
    {"desktop", "client"},
    {"devops-client", "client"},
    {"ejb", "service"},
    {"erp", "erp"},
    {"event-listener", "service"},
    {"file-server", "file"},
    {"function", "function"},
    {"gateway", "gateway"},
    {"hsm", "hsm"},
    {"identity-provider", "idp"},
    {"identity-store-database", "database"},
    {"identity-store-ldap", "ldap"},
    {"ids", "ids"},
    {"iot-device", "iot"},
    {"ips", "ips"},
    {"ldap-server", "ldap"},
    {"library", "library"},
    {"load-balancer", "load_balancer"},
    {"local-file-system", "file"},
    {"mail-server", "mail"},
    {"mainframe", "mainframe"},
    {"message-queue", "queue"},
    {"mobile-app", "mobile"},
    {"monitoring", "monitoring"},
    {"report-engine", "report_engine"},
    {"reverse-proxy", "reverse_proxy"},
    {"scheduler", "scheduler"},
    {"search-engine", "search"},
    {"search-index", "search"},
    {"service-mesh", "service_mesh"},
    {"service-registry", "service_registry"},
    {"sourcecode-repository", "repository"},
    {"stream-processing", "stream"},
    {"task", "task"},
    {"tool", "tool"},
    {"vault", "vault"},
    {"waf", "waf"},
    {"web-application", "web"},
    {"web-server", "web"},
    {"web-service-rest", "api"},
    {"web-service-soap", "api"},
};

static const char *kind_of_technology(const char *technology)
{
	for (size_t i = 0; i < sizeof technologies / sizeof technologies[0]; i++)
		if (strcmp(technologies[i].technology, technology) == 0)
			return technologies[i].kind;
	return NULL;
}

/* The kinds that name a person's client (T.HUMAN_KIND in the packs). */
static bool human_kind(const char *kind)
{
	return kind &&
	       (strcmp(kind, "browser") == 0 || strcmp(kind, "client") == 0 || strcmp(kind, "mobile") == 0);
}

/* Data assets by Threagile id as .threat ids; unknown ones are errors. */
static size_t asset_idents(importer *im, const tm_yaml_node *list, const char **ids, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; list && i < list->count; i++) {
		const char *ident = tm_strmap_get(im->assets, list->items[i]->text);
		if (!ident) {
			error_at(im, list->items[i], "no data asset has the id '%.*s'",
			         shown(list->items[i]->text), list->items[i]->text);
			continue;
		}
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen |= ids[j] == ident;
		if (!seen && n < max)
			ids[n++] = ident;
	}
	return n;
}

/* The `format` the packs read for Threagile's data formats: XML first (it
 * carries the XXE rule), then JSON, CSV and files. Serialised objects name
 * no format the packs can judge, so they are a warning. */
static void import_formats(importer *im, const tm_yaml_node *formats, const tech_asset *asset)
{
	if (!formats || !formats->count)
		return;
	static const char *const order[] = {"xml", "json", "csv", "file"};
	const char *format = NULL;
	for (size_t o = 0; o < 4 && !format; o++)
		for (size_t i = 0; i < formats->count; i++)
			if (strcmp(formats->items[i]->text, order[o]) == 0)
				format = order[o];
	if (format)
		attr_word(im, "format", format);
	attr_strings(im, "x-threagile-data-formats", formats);
	for (size_t i = 0; i < formats->count; i++)
		if (strcmp(formats->items[i]->text, "serialization") == 0)
			warn_at(
			    im, formats->items[i],
			    "%s accepts serialised objects: state which format (`format java-serialization`, "
			    "`pickle`, `php-serialize`...) for the untrusted-deserialisation rule",
			    asset->ident);
}

static void import_tech_asset(importer *im, tech_asset *asset, const tm_yaml_node *key)
{
	const tm_yaml_node *entry = asset->node;
	static const char *const keywords[] = {"external", "process", "store"};
	tm_buf_printf(&im->out, "\n%s %s ", keywords[asset->kind], asset->ident);
	put_string(&im->out, key->text);
	tm_buf_puts(&im->out, " {\n");
	attr_foreign_id(im, asset->ident, asset->foreign);
	attr_string(im, "description", text_field(im, entry, "description"));

	const char *technology = text_field(im, entry, "technology");
	const char *kind = technology ? kind_of_technology(technology) : NULL;
	bool human = bool_field(im, entry, "used_as_client_by_human");
	if (human && asset->kind == NODE_EXTERNAL && !human_kind(kind))
		kind = "user";
	if (kind)
		attr_word(im, "kind", kind);
	if (technology && !kind_of_technology(technology)) {
		attr_enum(im, "x-threagile-technology", technology);
		if (strcmp(technology, "unknown-technology") != 0)
			warn_at(
			    im, tm_yaml_get(entry, "technology"),
			    "Threagile technology '%.*s' has no counterpart; kept as x-threagile-technology",
			    shown(technology), technology);
	}
	if (human && asset->kind != NODE_EXTERNAL)
		attr_word(im, "x-threagile-used-as-client-by-human", "true");

	bool internet = bool_field(im, entry, "internet");
	if (asset->kind == NODE_EXTERNAL) {
		attr_word(im, "zone", internet ? "internet" : "internal");
		/* a person who signs in with two factors on one of their links */
		const tm_yaml_node *links = tm_yaml_get(entry, "communication_links"), *link_key, *link_entry;
		bool two_factor = false;
		for (size_t i = 0; human && tm_yaml_pair(links, &i, &link_key, &link_entry);) {
			const tm_yaml_node *auth = tm_yaml_get(link_entry, "authentication");
			two_factor |=
			    auth && auth->kind == TM_YAML_SCALAR && strcmp(auth->text, "two-factor") == 0;
		}
		if (two_factor)
			attr_word(im, "mfa", "true");
	} else if (internet)
		attr_word(im, "x-threagile-internet", "true");

	const char *encryption =
	    enum_field(im, entry, "encryption",
	               "none transparent data-with-symmetric-shared-key data-with-asymmetric-shared-key "
	               "data-with-end-user-individual-key");
	if (asset->kind == NODE_STORE && encryption)
		attr_word(im, "encrypted", strcmp(encryption, "none") == 0 ? "false" : "true");
	if (encryption && strcmp(encryption, "none") != 0 &&
	    (asset->kind != NODE_STORE || strcmp(encryption, "transparent") != 0))
		attr_enum(im, "x-threagile-encryption", encryption);
	attr_enum(im, "x-threagile-machine",
	          enum_field(im, entry, "machine", "physical virtual container serverless"));

	const char *processed[256], *stored[256];
	size_t nprocessed = asset_idents(im, list_field(im, entry, "data_assets_processed"), processed, 256);
	size_t nstored = asset_idents(im, list_field(im, entry, "data_assets_stored"), stored, 256);
	if (asset->kind == NODE_STORE) {
		attr_ids(im, "stores", stored, nstored);
	} else {
		/* a process or an external keeps what it stores among what it handles */
		for (size_t i = 0; i < nstored; i++) {
			bool seen = false;
			for (size_t j = 0; j < nprocessed; j++)
				seen |= processed[j] == stored[i];
			if (!seen && nprocessed < 256)
				processed[nprocessed++] = stored[i];
		}
		attr_ids(im, "handles", processed, nprocessed);
		if (nstored)
			attr_ids(im, "x-threagile-stores", stored, nstored);
	}
	const tm_yaml_node *formats = list_field(im, entry, "data_formats_accepted");
	if (asset->kind == NODE_PROCESS)
		import_formats(im, formats, asset);
	else
		attr_strings(im, "x-threagile-data-formats", formats);
	if (bool_field(im, entry, "out_of_scope")) {
		attr_word(im, "in_scope", "false");
		attr_string(im, "x-threagile-out-of-scope",
		            text_field(im, entry, "justification_out_of_scope"));
	}
	attr_string(im, "x-threagile-owner", text_field(im, entry, "owner"));
	attr_enum(im, "x-threagile-size",
	          enum_field(im, entry, "size", "system service application component"));
	if (bool_field(im, entry, "multi_tenant"))
		attr_word(im, "x-threagile-multi-tenant", "true");
	if (bool_field(im, entry, "redundant"))
		attr_word(im, "x-threagile-redundant", "true");
	if (bool_field(im, entry, "custom_developed_parts"))
		attr_word(im, "x-threagile-custom-developed", "true");
	attr_strings(im, "x-threagile-tags", list_field(im, entry, "tags"));
	attr_string(im, "x-threagile-runtime", asset->runtime);
	tm_buf_puts(&im->out, "}\n");
}

/* Reads every technical asset's id and type first: links and boundaries
 * name them before or after. */
static void collect_tech_assets(importer *im, const tm_yaml_node *root)
{
	const tm_yaml_node *assets = map_field(im, root, "technical_assets");
	const tm_yaml_node *key, *entry;
	for (size_t i = 0; tm_yaml_pair(assets, &i, &key, &entry);) {
		const char *id = entry_id(im, key, entry, "technical asset", im->tech);
		if (!id)
			continue;
		const char *type = enum_field(im, entry, "type", "external-entity process datastore");
		if (!type) {
			if (!im->failed)
				error_at(im, key, "technical asset '%.*s' has no type", shown(id), id);
			continue;
		}
		tech_asset *asset = tm_arena_alloc(im->arena, sizeof(*asset));
		memset(asset, 0, sizeof(*asset));
		asset->foreign = tm_arena_strdup(im->arena, id);
		asset->ident = make_ident(im, id);
		asset->kind = strcmp(type, "external-entity") == 0 ? NODE_EXTERNAL
		              : strcmp(type, "process") == 0       ? NODE_PROCESS
		                                                   : NODE_STORE;
		asset->node = entry;
		tm_strmap_add(im->tech, asset->foreign, asset);
		TM_VEC_PUSH(im->tech_list, im->ntech, im->tech_cap, asset);
	}
}

static void import_shared_runtimes(importer *im, const tm_yaml_node *root)
{
	const tm_yaml_node *runtimes = map_field(im, root, "shared_runtimes");
	const tm_yaml_node *key, *entry;
	for (size_t i = 0; tm_yaml_pair(runtimes, &i, &key, &entry);) {
		if (entry->kind != TM_YAML_MAPPING) {
			error_at(im, entry, "shared runtime '%.*s' must be a mapping, not %s",
			         shown(key->text), key->text, kind_name(entry));
			continue;
		}
		const tm_yaml_node *running = list_field(im, entry, "technical_assets_running");
		for (size_t j = 0; running && j < running->count; j++) {
			tech_asset *asset = tm_strmap_get(im->tech, running->items[j]->text);
			if (!asset) {
				error_at(im, running->items[j], "no technical asset has the id '%.*s'",
				         shown(running->items[j]->text), running->items[j]->text);
			} else if (asset->runtime) {
				warn_at(im, running->items[j], "%s runs on two shared runtimes; kept: '%.*s'",
				        asset->ident, shown(asset->runtime), asset->runtime);
			} else {
				asset->runtime = key->text;
			}
		}
	}
}

static void import_tech_assets(importer *im, const tm_yaml_node *root)
{
	const tm_yaml_node *assets = map_field(im, root, "technical_assets");
	const tm_yaml_node *key, *entry;
	size_t n = 0;
	for (size_t i = 0; tm_yaml_pair(assets, &i, &key, &entry) && n < im->ntech;) {
		if (im->tech_list[n]->node != entry)
			continue; /* an entry collect_tech_assets refused */
		if (!n)
			tm_buf_puts(&im->out, "\n# ---- technical assets\n");
		import_tech_asset(im, im->tech_list[n++], key);
	}
}

/* ---- trust boundaries ---- */

static void import_boundaries(importer *im, const tm_yaml_node *root)
{
	const tm_yaml_node *boundaries = map_field(im, root, "trust_boundaries");
	const tm_yaml_node *key, *entry;
	/* first the ids, so a boundary may nest one written after it */
	tm_strmap *seen = tm_strmap_new(16);
	for (size_t i = 0; tm_yaml_pair(boundaries, &i, &key, &entry);) {
		const char *id = entry_id(im, key, entry, "trust boundary", seen);
		if (!id)
			continue;
		const char *copy = tm_arena_strdup(im->arena, id);
		tm_strmap_add(seen, copy, (void *)copy);
		tm_strmap_add(im->boundaries, copy, (void *)make_ident(im, id));
	}
	tm_strmap_free(seen);
	/* then the nesting: each boundary inside at most one, and no cycle */
	for (size_t i = 0; tm_yaml_pair(boundaries, &i, &key, &entry);) {
		const char *id = entry->kind == TM_YAML_MAPPING ? text_field(im, entry, "id") : NULL;
		const tm_yaml_node *nested = id ? list_field(im, entry, "trust_boundaries_nested") : NULL;
		for (size_t j = 0; nested && j < nested->count; j++) {
			const char *inner = nested->items[j]->text;
			if (!tm_strmap_get(im->boundaries, inner)) {
				error_at(im, nested->items[j], "no trust boundary has the id '%.*s'",
				         shown(inner), inner);
				continue;
			}
			if (tm_strmap_get(im->boundary_parent, inner)) {
				warn_at(
				    im, nested->items[j],
				    "trust boundary '%.*s' is nested in two boundaries; kept in the first",
				    shown(inner), inner);
				continue;
			}
			size_t depth = 0;
			bool cycle = strcmp(inner, id) == 0;
			for (const char *up = id; up && !cycle; up = tm_strmap_get(im->boundary_parent, up))
				cycle = strcmp(up, inner) == 0 || ++depth > 60;
			if (cycle) {
				warn_at(im, nested->items[j],
				        "nesting trust boundary '%.*s' here would make a cycle or nest "
				        "deeper than 60; "
				        "left out",
				        shown(inner), inner);
				continue;
			}
			tm_strmap_add(im->boundary_parent, inner, (void *)tm_arena_strdup(im->arena, id));
		}
	}
	bool any = false;
	for (size_t i = 0; tm_yaml_pair(boundaries, &i, &key, &entry);) {
		const char *id = entry->kind == TM_YAML_MAPPING ? text_field(im, entry, "id") : NULL;
		const char *ident = id ? tm_strmap_get(im->boundaries, id) : NULL;
		if (!ident)
			continue;
		if (!any)
			tm_buf_puts(&im->out, "\n# ---- trust boundaries\n");
		any = true;
		tm_buf_printf(&im->out, "\nboundary %s ", ident);
		put_string(&im->out, key->text);
		tm_buf_puts(&im->out, " <");
		size_t members = 0;
		const tm_yaml_node *inside = list_field(im, entry, "technical_assets_inside");
		for (size_t j = 0; inside && j < inside->count; j++) {
			tech_asset *asset = tm_strmap_get(im->tech, inside->items[j]->text);
			if (!asset) {
				error_at(im, inside->items[j], "no technical asset has the id '%.*s'",
				         shown(inside->items[j]->text), inside->items[j]->text);
				continue;
			}
			if (asset->boundary_set) {
				warn_at(im, inside->items[j],
				        "%s is inside two trust boundaries; kept in the first", asset->ident);
				continue;
			}
			asset->boundary_set = true;
			tm_buf_printf(&im->out, "%s%s", members++ ? ", " : "", asset->ident);
		}
		const tm_yaml_node *nested = list_field(im, entry, "trust_boundaries_nested");
		for (size_t j = 0; nested && j < nested->count; j++) {
			const char *parent = tm_strmap_get(im->boundary_parent, nested->items[j]->text);
			if (parent && strcmp(parent, id) == 0)
				tm_buf_printf(
				    &im->out, "%s%s", members++ ? ", " : "",
				    (const char *)tm_strmap_get(im->boundaries, nested->items[j]->text));
		}
		tm_buf_puts(&im->out, "> {\n");
		attr_foreign_id(im, ident, id);
		attr_string(im, "description", text_field(im, entry, "description"));
		const char *type = enum_field(im, entry, "type",
		                              "network-on-prem network-dedicated-hoster network-virtual-lan "
		                              "network-cloud-provider network-cloud-security-group "
		                              "network-policy-namespace-isolation execution-environment");
		attr_enum(im, "kind", type);
		attr_strings(im, "x-threagile-tags", list_field(im, entry, "tags"));
		tm_buf_puts(&im->out, "}\n");
	}
}

/* ---- communication links ---- */

/* Threagile's protocols as the `protocol` the packs read, and whether
 * the Threagile name says the traffic is encrypted. */
static const char *protocol_of(importer *im, const char *protocol, bool *tls)
{
	static const struct {
		const char *threagile, *protocol;
		bool tls;
	} protocols[] = {
	    {"binary-encrypted", "binary", true},
	    {"container-spawning", "container-spawning", false},
	    {"iiop-encrypted", "iiop", true},
	    {"in-memory", "in-memory", false},
	    {"in-process-library-call", "in-process", false},
	    {"jdbc-encrypted", "jdbc", true},
	    {"jrmp-encrypted", "jrmp", true},
	    {"local-file-access", "file", false},
	    {"nosql-access-protocol", "nosql", false},
	    {"nosql-access-protocol-encrypted", "nosql", true},
	    {"odbc-encrypted", "odbc", true},
	    {"reverse-proxy-web-protocol", "http", false},
	    {"reverse-proxy-web-protocol-encrypted", "https", true},
	    {"smb-encrypted", "smb", true},
	    {"smtp-encrypted", "smtps", false},
	    {"sql-access-protocol", "sql", false},
	    {"sql-access-protocol-encrypted", "sql", true},
	    {"ssh-tunnel", "ssh", false},
	    {"text-encrypted", "text", true},
	    {"unknown-protocol", NULL, false},
	    {"pop3-encrypted", "pop3s", false},
	    {"imap-encrypted", "imaps", false},
	};
	*tls = false;
	for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++) {
		if (strcmp(protocols[i].threagile, protocol) == 0) {
			*tls = protocols[i].tls;
			return protocols[i].protocol;
		}
	}
	/* http, https, ws, wss, ssh, ldap(s), jdbc, odbc, nfs, smb, ftp(s), sftp,
	 * scp, smtp, pop3, imap, mqtt, jms, iiop, jrmp, xmpp, nrpe, binary, text:
	 * the same word */
	return tm_arena_strdup(im->arena, protocol);
}

static const char *lowercase(importer *im, const char *text)
{
	char *copy = tm_arena_strdup(im->arena, text);
	for (char *p = copy; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return copy;
}

/* Threagile's link id: the source's id, '>', the title in lower case with
 * every other character than a letter or a digit a '-'. */
static const char *link_id(importer *im, const char *source, const char *title)
{
	tm_buf id = TM_BUF_INIT;
	tm_buf_printf(&id, "%s>", source);
	for (const char *p = title; *p; p++)
		tm_buf_putc(&id, is_alnum(*p) ? (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p) : '-');
	const char *result = tm_arena_strdup(im->arena, tm_buf_str(&id));
	tm_buf_free(&id);
	return result;
}

static void import_link(importer *im, const tech_asset *source, const tm_yaml_node *key,
                        const tm_yaml_node *entry)
{
	if (entry->kind != TM_YAML_MAPPING) {
		error_at(im, entry, "communication link '%.*s' must be a mapping, not %s", shown(key->text),
		         key->text, kind_name(entry));
		return;
	}
	const char *target_id = text_field(im, entry, "target");
	if (!target_id) {
		if (!im->failed)
			error_at(im, key, "communication link '%.*s' has no target", shown(key->text),
			         key->text);
		return;
	}
	const tech_asset *target = tm_strmap_get(im->tech, target_id);
	if (!target) {
		error_at(im, tm_yaml_get(entry, "target"), "no technical asset has the id '%.*s'",
		         shown(target_id), target_id);
		return;
	}
	if (target == source) {
		warn_at(im, key, "communication link '%.*s' runs from %s to itself; left out",
		        shown(key->text), key->text, source->ident);
		return;
	}
	link *flow = tm_arena_alloc(im->arena, sizeof(*flow));
	flow->ident = make_ident(im, lowercase(im, key->text));
	flow->source = source;
	flow->target = target;
	const char *id = link_id(im, source->foreign, key->text);
	tm_strmap_add(im->links, id, flow);
	tm_strmap_add(im->links, tm_arena_printf(im->arena, "%s>%s", source->foreign, key->text), flow);

	const char *sent[256], *received[256];
	size_t nsent = asset_idents(im, list_field(im, entry, "data_assets_sent"), sent, 256);
	size_t nreceived = asset_idents(im, list_field(im, entry, "data_assets_received"), received, 256);
	tm_buf_printf(&im->out, "\nflow %s: %s %s %s ", flow->ident, source->ident, nreceived ? "<->" : "->",
	              target->ident);
	put_string(&im->out, key->text);
	tm_buf_puts(&im->out, " {\n");
	attr_string(im, "description", text_field(im, entry, "description"));
	const char *protocol = text_field(im, entry, "protocol");
	bool tls = false;
	const char *word = protocol ? protocol_of(im, protocol, &tls) : NULL;
	attr_enum(im, "protocol", word);
	if (tls)
		attr_word(im, "tls", "true");
	if (protocol && !word)
		attr_enum(im, "x-threagile-protocol", protocol);
	const char *authentication = enum_field(
	    im, entry, "authentication", "none credentials session-id token client-certificate two-factor");
	if (authentication) {
		static const char *const auth[][2] = {
		    {"none", "none"},   {"credentials", "password"},    {"session-id", "session_cookie"},
		    {"token", "token"}, {"client-certificate", "mtls"}, {"two-factor", "password"},
		};
		for (size_t i = 0; i < 6; i++)
			if (strcmp(auth[i][0], authentication) == 0)
				attr_word(im, "auth", auth[i][1]);
		if (strcmp(authentication, "two-factor") == 0)
			attr_word(im, "x-threagile-two-factor", "true");
	}
	const char *authorization =
	    enum_field(im, entry, "authorization", "none technical-user end-user-identity-propagation");
	if (authorization && strcmp(authorization, "none") == 0)
		attr_word(im, "authz", "false");
	else if (authorization && strcmp(authorization, "technical-user") == 0)
		attr_word(im, "authz", "technical_user");
	else if (authorization) {
		attr_word(im, "authz", "end_user");
		attr_word(im, "identity_propagation", "true");
	}
	if (bool_field(im, entry, "readonly"))
		attr_word(im, "readonly", "true");
	if (nsent + nreceived) {
		const char *data[512];
		size_t n = 0;
		for (size_t i = 0; i < nsent; i++)
			data[n++] = sent[i];
		for (size_t i = 0; i < nreceived; i++) {
			bool seen = false;
			for (size_t j = 0; j < nsent; j++)
				seen |= sent[j] == received[i];
			if (!seen)
				data[n++] = received[i];
		}
		attr_ids(im, "data", data, n);
	}
	if (nreceived)
		attr_ids(im, "x-threagile-received", received, nreceived);
	if (bool_field(im, entry, "vpn"))
		attr_word(im, "x-threagile-vpn", "true");
	if (bool_field(im, entry, "ip_filtered"))
		attr_word(im, "x-threagile-ip-filtered", "true");
	const char *usage = enum_field(im, entry, "usage", "business devops");
	if (usage && strcmp(usage, "devops") == 0)
		attr_word(im, "x-threagile-usage", "devops");
	attr_strings(im, "x-threagile-tags", list_field(im, entry, "tags"));
	tm_buf_puts(&im->out, "}\n");
}

static void import_links(importer *im, const tm_yaml_node *root)
{
	(void)root; /* the links are read from the technical assets */
	bool any = false;
	for (size_t a = 0; a < im->ntech; a++) {
		const tm_yaml_node *links = map_field(im, im->tech_list[a]->node, "communication_links");
		const tm_yaml_node *key, *entry;
		for (size_t i = 0; tm_yaml_pair(links, &i, &key, &entry);) {
			if (!any)
				tm_buf_puts(&im->out, "\n# ---- communication links\n");
			any = true;
			import_link(im, im->tech_list[a], key, entry);
		}
	}
}

/* ---- individual risks as threats ---- */

static void import_individual_risks(importer *im, const tm_yaml_node *root)
{
	const tm_yaml_node *categories = map_field(im, root, "individual_risk_categories");
	const tm_yaml_node *key, *category;
	for (size_t i = 0; tm_yaml_pair(categories, &i, &key, &category);) {
		if (category->kind != TM_YAML_MAPPING) {
			error_at(im, category, "risk category '%.*s' must be a mapping, not %s",
			         shown(key->text), key->text, kind_name(category));
			continue;
		}
		const char *id = text_field(im, category, "id");
		const char *stride = enum_field(im, category, "stride",
		                                "spoofing tampering repudiation information-disclosure "
		                                "denial-of-service elevation-of-privilege");
		const tm_yaml_node *risks = map_field(im, category, "risks_identified");
		const tm_yaml_node *title, *risk;
		for (size_t j = 0; tm_yaml_pair(risks, &j, &title, &risk);) {
			if (risk->kind != TM_YAML_MAPPING) {
				error_at(im, risk, "an identified risk must be a mapping, not %s",
				         kind_name(risk));
				continue;
			}
			if (!stride) {
				warn_at(im, title,
				        "risk category '%.*s' has no STRIDE category; its risks are left out",
				        shown(key->text), key->text);
				break;
			}
			individual threat = {.category = id ? id : key->text};
			const char *asset_id = text_field(im, risk, "most_relevant_technical_asset");
			const char *link_ref = text_field(im, risk, "most_relevant_communication_link");
			if (asset_id && !(threat.asset = tm_strmap_get(im->tech, asset_id)))
				error_at(im, tm_yaml_get(risk, "most_relevant_technical_asset"),
				         "no technical asset has the id '%.*s'", shown(asset_id), asset_id);
			if (link_ref && !(threat.flow = tm_strmap_get(im->links, link_ref)))
				warn_at(
				    im, tm_yaml_get(risk, "most_relevant_communication_link"),
				    "no communication link has the id '%.*s'; the threat is not tied to it",
				    shown(link_ref), link_ref);
			const char *likelihood = enum_field(im, risk, "exploitation_likelihood",
			                                    "unlikely likely very-likely frequent");
			const char *impact =
			    enum_field(im, risk, "exploitation_impact", "low medium high very-high");
			threat.ident =
			    make_ident(im, tm_arena_printf(im->arena, "%s-%zu", threat.category, j / 2));
			TM_VEC_PUSH(im->individuals, im->nindividuals, im->individuals_cap, threat);
			if (im->nindividuals == 1)
				tm_buf_puts(&im->out, "\n# ---- individual risks\n");
			tm_buf_printf(&im->out, "\nthreat %s ", threat.ident);
			put_string(&im->out, untagged(im, title->text));
			tm_buf_puts(&im->out, " {\n");
			char category_word[32];
			snprintf(category_word, sizeof category_word, "%s", stride);
			for (char *p = category_word; *p; p++)
				if (*p == '-')
					*p = '_';
			attr_word(im, "category", category_word);
			if (threat.flow)
				attr_word(im, "on", threat.flow->ident);
			else if (threat.asset)
				attr_word(im, "on", threat.asset->ident);
			int l = !likelihood || strcmp(likelihood, "unlikely") == 0 ? 1
			        : strcmp(likelihood, "likely") == 0                ? 2
			                                                           : 3;
			int n = !impact || strcmp(impact, "low") == 0 ? 1
			        : strcmp(impact, "medium") == 0       ? 2
			                                              : 3;
			const char *factor = strcmp(stride, "information-disclosure") == 0 ? "confidentiality"
			                     : strcmp(stride, "denial-of-service") == 0    ? "availability"
			                                                                   : "integrity";
			tm_buf_printf(&im->out, "  likelihood { opportunity %d }\n  impact { %s %d }\n", l,
			              factor, n);
			attr_string(im, "description", text_field(im, category, "description"));
			attr_string(im, "mitigation", text_field(im, category, "mitigation"));
			attr_enum(im, "x-threagile-severity",
			          enum_field(im, risk, "severity", "low medium elevated high critical"));
			tm_buf_puts(&im->out, "}\n");
		}
	}
}

/* ---- risk tracking ---- */

/* Threagile's risk categories and the rules that raise the same risk. */
static const struct {
	const char *category, *rules;
} risk_rules[] = {
    {"accidental-secret-leak", "STRIDE-I-05"},
    {"code-backdooring", "SC-01"},
    {"container-platform-escape", "STRIDE-E-05"},
    {"cross-site-request-forgery", "STRIDE-T-07"},
    {"cross-site-scripting", "STRIDE-T-06"},
    {"dos-risky-access-across-trust-boundary", "STRIDE-D-01"},
    {"ldap-injection", "STRIDE-T-04"},
    {"missing-authentication", "STRIDE-S-03 STRIDE-S-04 STRIDE-S-07 STRIDE-T-10"},
    {"missing-authentication-second-factor", "STRIDE-S-02 STRIDE-S-06"},
    {"missing-file-validation", "STRIDE-T-02 STRIDE-T-05 STRIDE-T-11"},
    {"missing-hardening", "STRIDE-E-06"},
    {"missing-identity-propagation", "STRIDE-R-03"},
    {"missing-identity-provider-isolation", "STRIDE-E-08"},
    {"missing-network-segmentation", "STRIDE-E-10"},
    {"missing-vault-isolation", "STRIDE-E-09"},
    {"missing-waf", "STRIDE-E-04"},
    {"mixed-targets-on-shared-runtime", "STRIDE-E-07"},
    {"path-traversal", "STRIDE-T-05"},
    {"push-instead-of-pull-deployment", "SC-03"},
    {"search-query-injection", "STRIDE-T-03"},
    {"server-side-request-forgery", "STRIDE-I-07"},
    {"service-registry-poisoning", "STRIDE-S-07"},
    {"sql-nosql-injection", "STRIDE-T-03"},
    {"unchecked-deployment", "SC-02"},
    {"unencrypted-asset", "STRIDE-I-04"},
    {"unencrypted-communication", "STRIDE-I-01 STRIDE-T-01"},
    {"unguarded-access-from-internet", "STRIDE-E-04"},
    {"unguarded-direct-datastore-access", "STRIDE-E-03"},
    {"untrusted-deserialization", "STRIDE-T-08"},
    {"xml-external-entity", "STRIDE-T-09"},
};

static const char *rules_of(const char *category)
{
	for (size_t i = 0; i < sizeof risk_rules / sizeof risk_rules[0]; i++)
		if (strcmp(risk_rules[i].category, category) == 0)
			return risk_rules[i].rules;
	return NULL;
}

static bool has_word(const char *words, const char *word, size_t len)
{
	for (const char *p = words; *p;) {
		size_t n = strcspn(p, " ");
		if (n == len && strncmp(p, word, n) == 0)
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

/* What the parts of a tracked risk id after the category name: technical
 * assets (as .threat ids) and links. */
typedef struct risk_target {
	const char *elements[8]; /* .threat ids the finding must touch */
	size_t nelements;
	const char *flow; /* the flow the finding must be on, or NULL */
	bool unknown;     /* a part names nothing known */
} risk_target;

static risk_target parse_target(importer *im, const char *synthetic)
{
	risk_target target = {0};
	const char *p = strchr(synthetic, '@');
	while (p && *p == '@') {
		p++;
		size_t n = strcspn(p, "@");
		char *part = tm_arena_strndup(im->arena, p, n);
		p += n;
		if (strcmp(part, "*") == 0 || !*part)
			continue;
		const tech_asset *asset = tm_strmap_get(im->tech, part);
		const link *flow = tm_strmap_get(im->links, part);
		if (asset && target.nelements < 8)
			target.elements[target.nelements++] = asset->ident;
		else if (flow)
			target.flow = flow->ident;
		else if (!tm_strmap_get(im->boundaries, part) && !tm_strmap_get(im->assets, part))
			target.unknown = true;
	}
	return target;
}

/* Whether a finding on element (a flow: with its ends) is on the target. */
static bool on_target(const risk_target *target, const tm_element *element)
{
	if (!element)
		return !target->nelements && !target->flow;
	if (target->flow && !(element->id && strcmp(element->id, target->flow) == 0))
		return false;
	for (size_t i = 0; i < target->nelements; i++) {
		const char *want = target->elements[i];
		bool touches = element->id && strcmp(element->id, want) == 0;
		if (element->kind == TM_EL_FLOW)
			touches = (element->source && strcmp(element->source->key, want) == 0) ||
			          (element->target && strcmp(element->target->key, want) == 0);
		if (!touches)
			return false;
	}
	return true;
}

/* Serves the generated text to the session as IMPORT_PATH. */
static bool read_generated(void *context, const char *path, char **text, size_t *len, char *why,
                           size_t why_size)
{
	const tm_buf *source = context;
	if (strcmp(path, IMPORT_PATH) != 0) {
		snprintf(why, why_size, "not part of the imported model");
		return false;
	}
	*text = tm_xmalloc(source->len + 1);
	memcpy(*text, tm_buf_str(source), source->len + 1);
	*len = source->len;
	return true;
}

/* The ids a tracking entry covers: findings of the mapped rules (or the
 * threats made from an individual category) on its target. */
static size_t matching_ids(importer *im, const tm_session *session, const char *category,
                           const risk_target *target, const char **ids, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < im->nindividuals && n < max; i++) {
		const individual *t = &im->individuals[i];
		if (strcmp(t->category, category) != 0)
			continue;
		bool ok = true;
		for (size_t e = 0; e < target->nelements; e++) {
			bool touches =
			    (t->asset && strcmp(t->asset->ident, target->elements[e]) == 0) ||
			    (t->flow && (strcmp(t->flow->source->ident, target->elements[e]) == 0 ||
			                 strcmp(t->flow->target->ident, target->elements[e]) == 0));
			ok &= touches;
		}
		if (target->flow)
			ok &= t->flow && strcmp(t->flow->ident, target->flow) == 0;
		if (ok)
			ids[n++] = t->ident;
	}
	const char *rules = rules_of(category);
	for (size_t i = 0; session && rules && i < session->findings.count && n < max; i++) {
		const tm_finding *finding = &session->findings.items[i];
		const char *at = strchr(finding->id, '@');
		if (!at || !has_word(rules, finding->id, (size_t)(at - finding->id)))
			continue;
		if (on_target(target, finding->element))
			ids[n++] = finding->id;
	}
	return n;
}

static void import_risk_tracking(importer *im, const tm_yaml_node *root)
{
	const tm_yaml_node *tracking = map_field(im, root, "risk_tracking");
	if (!tracking || !tracking->count || im->failed)
		return;
	if (im->options->no_rules) {
		warn_at(im, tm_yaml_get(root, "risk_tracking"),
		        "risk tracking is left out: it is matched against the rules' findings, and the rules "
		        "did not run");
		return;
	}
	tm_session *session = NULL;
	tm_file_reader reader = {read_generated, &im->out, IMPORT_DIR};
	tm_session_options options = {
	    .today = im->options->today, .budget = im->options->budget, .reader = &reader};
	const char *path = IMPORT_PATH;
	if (tm_session_open(&session, &path, 1, &options) != TM_OK || !session->model) {
		/* the session's diagnostics point into its sources: keep them as text */
		tm_buf rendered = TM_BUF_INIT;
		if (session)
			tm_diags_render(&rendered, &session->diags, false);
		tm_diag *d = tm_diag_error(im->diags, span_of(im, NULL),
		                           "the imported model does not check (a bug in the importer)");
		if (rendered.len)
			tm_diag_note(d, (tm_span){0}, "%s", tm_buf_str(&rendered));
		im->failed = true;
		tm_buf_free(&rendered);
		tm_session_free(session);
		return;
	}
	bool any = false;
	const tm_yaml_node *key, *entry;
	for (size_t i = 0; tm_yaml_pair(tracking, &i, &key, &entry);) {
		if (entry->kind != TM_YAML_MAPPING) {
			error_at(im, entry, "risk tracking '%.*s' must be a mapping, not %s",
			         shown(key->text), key->text, kind_name(entry));
			continue;
		}
		const char *status =
		    enum_field(im, entry, "status",
		               "unchecked in-discussion accepted in-progress mitigated false-positive");
		if (!status)
			continue;
		if (strcmp(status, "unchecked") == 0 || strcmp(status, "in-discussion") == 0)
			continue; /* still open: nothing to record */
		size_t cut = strcspn(key->text, "@");
		const char *category = tm_arena_strndup(im->arena, key->text, cut);
		risk_target target = parse_target(im, key->text);
		const char *ids[64];
		size_t nids = 0;
		if (target.unknown)
			warn_at(im, key,
			        "risk tracking '%.*s' names an id the model does not hold; not carried over",
			        shown(key->text), key->text);
		else
			nids = matching_ids(im, session, category, &target, ids, 64);
		if (!target.unknown && !nids) {
			bool individual_category = false;
			for (size_t t = 0; t < im->nindividuals; t++)
				individual_category |= strcmp(im->individuals[t].category, category) == 0;
			if (!rules_of(category) && !individual_category)
				warn_at(im, key,
				        "Threagile's risk category '%.*s' has no counterpart among the "
				        "rules; '%.*s' is "
				        "not carried over",
				        shown(category), category, shown(key->text), key->text);
			else
				warn_at(im, key,
				        "risk tracking '%.*s' (%s) matches no finding the rules raise on the "
				        "imported "
				        "model; not carried over",
				        shown(key->text), key->text, status);
			continue;
		}
		if (!nids)
			continue;
		if (!any)
			tm_buf_puts(&im->out, "\n# ---- risk tracking\n");
		any = true;
		const char *justification = text_field(im, entry, "justification");
		const char *checked_by = text_field(im, entry, "checked_by");
		const char *date = text_field(im, entry, "date");
		const char *ticket = text_field(im, entry, "ticket");
		tm_buf about = TM_BUF_INIT;
		tm_buf_printf(&about, "Threagile risk tracking '%s' (%s)", key->text, status);
		if (ticket)
			tm_buf_printf(&about, ", ticket %s", ticket);
		if (checked_by)
			tm_buf_printf(&about, ", checked by %s", checked_by);
		if (date)
			tm_buf_printf(&about, " on %s", date);
		const char *description = tm_arena_strdup(im->arena, tm_buf_str(&about));
		tm_buf_free(&about);
		bool mitigated = strcmp(status, "mitigated") == 0 || strcmp(status, "in-progress") == 0;
		if (mitigated) {
			const char *ident = make_ident(im, tm_arena_printf(im->arena, "M-%s", category));
			tm_buf_printf(&im->out, "\nmitigation %s ", ident);
			put_string(&im->out, justification ? trimmed(im, justification) : category);
			tm_buf_puts(&im->out, " {\n");
			attr_ids(im, "mitigates", ids, nids);
			attr_word(im, "status",
			          strcmp(status, "mitigated") == 0 ? "implemented" : "in_progress");
			attr_string(im, "description", description);
			tm_buf_puts(&im->out, "}\n");
			continue;
		}
		for (size_t f = 0; f < nids; f++) {
			tm_buf_printf(&im->out, "\naccept %s ", ids[f]);
			put_string(&im->out, justification ? trimmed(im, justification) : description);
			tm_buf_puts(&im->out, " {\n");
			if (checked_by)
				attr_string(im, "by", checked_by);
			if (strcmp(status, "false-positive") == 0)
				attr_word(im, "as", "false_positive");
			attr_string(im, "description", description);
			tm_buf_puts(&im->out, "}\n");
		}
	}
	tm_session_free(session);
}

/* ---- the whole import ---- */

int tm_threagile_import(char **out, const tm_source *src, const tm_threagile_options *options,
                        tm_diags *diags)
{
	*out = NULL;
	tm_threagile_options defaults = {0};
	importer im = {.arena = tm_arena_new(),
	               .src = src,
	               .diags = diags,
	               .options = options ? options : &defaults,
	               .idents = tm_strmap_new(64),
	               .suffixes = tm_strmap_new(16),
	               .assets = tm_strmap_new(32),
	               .tech = tm_strmap_new(32),
	               .links = tm_strmap_new(64),
	               .boundaries = tm_strmap_new(16),
	               .boundary_parent = tm_strmap_new(16),
	               .out = TM_BUF_INIT};
	tm_yaml_node *root = NULL;
	int status = tm_yaml_load(&root, im.arena, src, diags);
	if (status != TM_OK)
		goto out;
	if (root->kind != TM_YAML_MAPPING) {
		error_at(&im, root, "a Threagile model is a mapping (title:, technical_assets:, ...), not %s",
		         kind_name(root));
		goto done;
	}
	if (!tm_yaml_get(root, "technical_assets") && !tm_yaml_get(root, "threagile_version")) {
		error_at(&im, root,
		         "this is not a Threagile model: it has neither 'threagile_version' nor "
		         "'technical_assets'");
		goto done;
	}
	/* each part after the parts it refers to; an error in one stops the
	 * import before its consequences are reported again */
	static void (*const parts[])(importer *, const tm_yaml_node *) = {
	    import_header,          import_data_assets,      collect_tech_assets,
	    import_shared_runtimes, import_tech_assets,      import_boundaries,
	    import_links,           import_individual_risks, import_risk_tracking,
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !im.failed; i++)
		parts[i](&im, root);
done:
	if (im.failed) {
		status = TM_ERR_INPUT;
		goto out;
	}
	{
		/* the canonical layout, and a check that the text parses */
		tm_arena *arena = tm_arena_new();
		tm_diags fmt_diags = {0};
		const tm_source *generated =
		    tm_source_from_text(arena, "imported.threat", tm_buf_str(&im.out), im.out.len);
		status = tm_fmt_source(out, arena, generated, &fmt_diags);
		if (status != TM_OK) {
			tm_buf rendered = TM_BUF_INIT;
			tm_diags_render(&rendered, &fmt_diags, false);
			tm_diag *d =
			    tm_diag_error(diags, (tm_span){src, 0, 0},
			                  "the imported model does not parse (a bug in the importer)");
			tm_diag_note(d, (tm_span){0}, "%s", tm_buf_str(&rendered));
			tm_buf_free(&rendered);
		}
		tm_diags_free(&fmt_diags);
		tm_arena_free(arena);
	}
out:
	tm_buf_free(&im.out);
	free(im.tech_list);
	free(im.individuals);
	tm_strmap_free(im.idents);
	tm_strmap_free(im.suffixes);
	tm_strmap_free(im.assets);
	tm_strmap_free(im.tech);
	tm_strmap_free(im.links);
	tm_strmap_free(im.boundaries);
	tm_strmap_free(im.boundary_parent);
	if (status != TM_OK) {
		/* diagnostics may point into the tree's spans (the source's), not the arena */
		tm_arena_free(im.arena);
		return TM_ERR_INPUT;
	}
	tm_arena_free(im.arena);
	return TM_OK;
}
