/* `threat import otm`: an Open Threat Model document as `.threat`
 * statements (doc/interop.md has the mapping). A document `threat`
 * exported (project.attributes "threat:format": 1) carries `.threat`
 * attributes in `attributes`, which come back as they were; any other
 * document's attributes become free-form notes (`x-otm-NAME`). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/limits.h"
#include "base/strmap.h"
#include "base/xalloc.h"
#include "interop/interop.h"
#include "interop/otm.h"
#include "lang/ast.h"
#include "threat/status.h"

enum { KIND_EXTERNAL, KIND_PROCESS, KIND_STORE };
static const char *const kind_keywords[] = {"external", "process", "store"};

typedef struct component component;

typedef struct zone {
	json_t *json;
	const char *pointer, *original, *id;
	struct zone *parent;
	bool outside; /* the exporter's zone of what lies in no boundary */
	/* what lies in it directly, in the document's order */
	component *first_component, *last_component;
	struct zone *first_zone, *last_zone, *next_zone;
} zone;

struct component {
	json_t *json;
	const char *pointer, *original, *id; /* id: the full dotted id */
	component *parent;
	zone *zone;
	int kind;
	bool has_children;
	int state; /* 0 new, 1 being given an id, 2 done */
	/* its children, and the next child of its parent or component of its zone */
	component *first_child, *last_child, *next;
};

typedef struct importer {
	tm_jin in;
	tm_buf *out;
	bool trusted; /* written by `threat`: attributes are `.threat` attributes */
	tm_idset *ids;
	tm_strmap *assets, *zones, *components, *threats, *mitigations; /* original id -> */
	tm_strmap *flows; /* original id -> what a threat's `on` names it by */
	zone *zone_list;
	size_t nzones;
	component *component_list;
	size_t ncomponents;
	/* what the threat instances say, for documents not written by threat */
	tm_buf *mitigates; /* per mitigation (index): its threats' ids, ", "-separated */
	int *mitigation_status;
	json_t *mitigation_array;
	size_t nmitigations;
} importer;

/* ==== attributes ==== */

static bool reserved(const char *name)
{
	return strchr(name, ':') != NULL;
}

/* The attributes of object `obj` at `pointer` as attributes of a `keyword`
 * statement, but those in skip. */
static void put_attributes(importer *im, json_t *obj, const char *pointer, const char *keyword,
                           const char *const *skip)
{
	json_t *attributes = json_object_get(obj, "attributes");
	const char *base = tm_jin_key(&im->in, pointer, "attributes");
	if (!attributes || json_is_null(attributes))
		return;
	if (!json_is_object(attributes)) {
		if (im->trusted)
			tm_jin_error(&im->in, base, "expected an object, found %s",
			             tm_jin_type_name(attributes));
		else
			tm_jin_warning(&im->in, base, "attributes that are not an object are left out");
		return;
	}
	const char *name;
	json_t *value;
	/* another tool's names become notes, each once in the block (two names
	 * may make one identifier, and `x-otm-id` and `x-otm-owner` are ours) */
	tm_idset *notes = im->trusted ? NULL : tm_idset_new();
	if (notes) {
		tm_idset_take(notes, NULL, "id");
		if (strcmp(keyword, "model") == 0)
			tm_idset_take(notes, NULL, "owner");
	}
	json_object_foreach(attributes, name, value)
	{
		bool skipped = reserved(name);
		for (size_t i = 0; skip && skip[i] && !skipped; i++)
			skipped = strcmp(name, skip[i]) == 0;
		if (skipped || json_is_null(value))
			continue;
		if (!im->trusted) {
			tm_buf text = TM_BUF_INIT;
			if (json_is_string(value))
				tm_buf_puts(&text, json_string_value(value));
			else {
				char *dumped = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
				tm_buf_puts(&text, dumped ? dumped : "");
				free(dumped);
			}
			tm_interop_put_note(im->out, "otm", tm_idset_make(notes, NULL, name, "attribute"),
			                    tm_buf_str(&text));
			tm_buf_free(&text);
			continue;
		}
		const char *where = tm_jin_key(&im->in, base, name);
		if (!tm_interop_is_ident(name)) {
			tm_jin_error(&im->in, where, "'%s' is not an attribute name", name);
			continue;
		}
		if (json_is_boolean(value)) {
			tm_buf_printf(im->out, "  %s %s\n", name, json_is_true(value) ? "true" : "false");
			continue;
		}
		tm_buf text = TM_BUF_INIT;
		if (!json_is_string(value) ||
		    !tm_interop_put_value(&text, keyword, name, json_string_value(value))) {
			if (json_is_string(value))
				tm_jin_error(
				    &im->in, where,
				    "'%s' is not one `.threat` value (a word, string, number, date, list or "
				    "block) of %s on a %s",
				    json_string_value(value), name, keyword);
			else
				tm_jin_error(&im->in, where,
				             "expected a string holding a `.threat` value, found %s",
				             tm_jin_type_name(value));
		} else {
			tm_buf_printf(im->out, "  %s %s\n", name, tm_buf_str(&text));
		}
		tm_buf_free(&text);
	}
	tm_idset_free(notes);
}

static json_t *attribute(json_t *obj, const char *name)
{
	json_t *attributes = json_object_get(obj, "attributes");
	return json_is_object(attributes) ? json_object_get(attributes, name) : NULL;
}

/* A statement's label: the name, unless it only repeats the id. */
static void put_label(tm_buf *out, const char *name, const char *id, const char *original)
{
	const char *label = name && *name ? name : original;
	if (label && strcmp(label, id) != 0) {
		tm_buf_putc(out, ' ');
		tm_interop_put_string(out, label);
	}
}

static void put_original_id(importer *im, const char *original, const char *id)
{
	if (original && strcmp(original, id) != 0)
		tm_interop_put_note(im->out, "otm", "id", original);
}

static const char *new_id(importer *im, const char *prefix, const char *original, const char *name,
                          const char *stem)
{
	const char *id = im->trusted ? tm_idset_take(im->ids, prefix, original) : NULL;
	if (!id && !im->trusted)
		id = tm_idset_take(im->ids, prefix, original);
	return id ? id : tm_idset_make(im->ids, prefix, original && *original ? original : name, stem);
}

/* ==== the model and its assets ==== */

static void put_model(importer *im, json_t *project, const char *pointer)
{
	const char *name = tm_jin_string(&im->in, project, pointer, "name", true);
	tm_buf_puts(im->out, "model ");
	tm_interop_put_string(im->out, name ? name : "");
	size_t block = tm_interop_open_block(im->out);
	if (im->trusted) {
		put_attributes(im, project, pointer, "model", NULL);
	} else {
		const char *description = tm_jin_string(&im->in, project, pointer, "description", false);
		if (description) {
			tm_buf_puts(im->out, "  description ");
			tm_interop_put_string(im->out, description);
			tm_buf_putc(im->out, '\n');
		}
		const char *owner = tm_jin_string(&im->in, project, pointer, "owner", false);
		if (owner)
			tm_interop_put_note(im->out, "otm", "owner", owner);
		const char *id = tm_jin_string(&im->in, project, pointer, "id", false);
		if (id)
			tm_interop_put_note(im->out, "otm", "id", id);
		put_attributes(im, project, pointer, "model", NULL);
	}
	tm_interop_close_block(im->out, block);
	tm_buf_putc(im->out, '\n');
	json_t *uses = im->trusted ? attribute(project, "threat:use") : NULL;
	for (size_t i = 0; json_is_array(uses) && i < json_array_size(uses); i++) {
		json_t *use = json_array_get(uses, i);
		const char *where = tm_jin_index(
		    &im->in, tm_jin_key(&im->in, tm_jin_key(&im->in, pointer, "attributes"), "threat:use"),
		    i);
		if (!json_is_string(use) || !*json_string_value(use)) {
			tm_jin_error(&im->in, where, "expected the name of a rule pack");
			continue;
		}
		const char *pack = json_string_value(use);
		if (strchr(pack, '/') || strstr(pack, ".lua"))
			tm_jin_warning(
			    &im->in, where,
			    "the model uses the rule pack file %s, relative to the imported model's folder: "
			    "check that it is there and is the pack you mean",
			    pack);
		tm_buf_puts(im->out, "use ");
		tm_interop_put_string(im->out, pack);
		tm_buf_putc(im->out, '\n');
	}
}

static const char *sensitivity_of(double percent)
{
	if (percent <= 0)
		return NULL;
	if (percent <= 25)
		return "low";
	if (percent <= 50)
		return "medium";
	if (percent <= 75)
		return "high";
	return "critical";
}

static void put_assets(importer *im, json_t *assets)
{
	for (size_t i = 0; i < json_array_size(assets); i++) {
		json_t *asset = json_array_get(assets, i);
		const char *pointer = tm_jin_index(&im->in, "/assets", i);
		if (!json_is_object(asset)) {
			tm_jin_error(&im->in, pointer, "expected an object, found %s",
			             tm_jin_type_name(asset));
			continue;
		}
		const char *original = tm_jin_string(&im->in, asset, pointer, "id", true);
		const char *name = tm_jin_string(&im->in, asset, pointer, "name", false);
		if (!original)
			continue;
		const char *id = new_id(im, NULL, original, name, "asset");
		if (tm_strmap_add(im->assets, original, (void *)id)) {
			tm_jin_error(&im->in, tm_jin_key(&im->in, pointer, "id"), "a second asset '%s'",
			             original);
			continue;
		}
		tm_buf_printf(im->out, "\nasset %s", id);
		put_label(im->out, name, id, original);
		size_t block = tm_interop_open_block(im->out);
		put_attributes(im, asset, pointer, "asset", NULL);
		if (!im->trusted) {
			json_t *risk = tm_jin_member(&im->in, asset, pointer, "risk", JSON_OBJECT, false);
			const char *risk_pointer = tm_jin_key(&im->in, pointer, "risk");
			double level = 0;
			static const char *const parts[] = {"confidentiality", "integrity", "availability"};
			for (size_t p = 0; risk && p < 3; p++) {
				double value = tm_jin_number(&im->in, risk, risk_pointer, parts[p], 0);
				if (value > level)
					level = value;
			}
			const char *sensitivity = sensitivity_of(level);
			if (sensitivity)
				tm_buf_printf(im->out, "  sensitivity %s\n", sensitivity);
			const char *description =
			    tm_jin_string(&im->in, asset, pointer, "description", false);
			if (description) {
				tm_buf_puts(im->out, "  description ");
				tm_interop_put_string(im->out, description);
				tm_buf_putc(im->out, '\n');
			}
			put_original_id(im, original, id);
		}
		tm_interop_close_block(im->out, block);
	}
}

static void put_actors(importer *im, json_t *project)
{
	json_t *actors = attribute(project, "threat:actors");
	const char *base = "/project/attributes/threat:actors";
	for (size_t i = 0; json_is_array(actors) && i < json_array_size(actors); i++) {
		json_t *actor = json_array_get(actors, i);
		const char *pointer = tm_jin_index(&im->in, base, i);
		const char *original = tm_jin_string(&im->in, actor, pointer, "id", true);
		const char *name = tm_jin_string(&im->in, actor, pointer, "name", false);
		if (!original)
			continue;
		const char *id = new_id(im, NULL, original, name, "actor");
		tm_buf_printf(im->out, "\nactor %s", id);
		put_label(im->out, name, id, original);
		size_t block = tm_interop_open_block(im->out);
		put_attributes(im, actor, pointer, "actor", NULL);
		tm_interop_close_block(im->out, block);
	}
}

/* ==== trust zones and components ==== */

static void read_zones(importer *im, json_t *zones)
{
	im->nzones = json_array_size(zones);
	im->zone_list = tm_xcalloc(im->nzones + 1, sizeof(zone));
	for (size_t i = 0; i < im->nzones; i++) {
		zone *z = &im->zone_list[i];
		z->json = json_array_get(zones, i);
		z->pointer = tm_jin_index(&im->in, "/trustZones", i);
		if (!json_is_object(z->json)) {
			tm_jin_error(&im->in, z->pointer, "expected an object, found %s",
			             tm_jin_type_name(z->json));
			z->json = NULL;
			continue;
		}
		z->original = tm_jin_string(&im->in, z->json, z->pointer, "id", true);
		if (!z->original)
			continue;
		json_t *outside = attribute(z->json, "threat:outside");
		z->outside = im->trusted && json_is_true(outside);
		if (tm_strmap_add(im->zones, z->original, z))
			tm_jin_error(&im->in, tm_jin_key(&im->in, z->pointer, "id"),
			             "a second trust zone '%s'", z->original);
	}
	for (size_t i = 0; i < im->nzones; i++) {
		zone *z = &im->zone_list[i];
		if (!z->original)
			continue;
		json_t *parent = tm_jin_member(&im->in, z->json, z->pointer, "parent", JSON_OBJECT, false);
		const char *parent_pointer = tm_jin_key(&im->in, z->pointer, "parent");
		const char *outer =
		    parent ? tm_jin_string(&im->in, parent, parent_pointer, "trustZone", false) : NULL;
		if (parent && !outer && json_object_get(parent, "component"))
			tm_jin_warning(&im->in, parent_pointer,
			               "a trust zone inside a component has no place in threat: it is "
			               "written at the top");
		if (outer) {
			z->parent = tm_strmap_get(im->zones, outer);
			if (!z->parent)
				tm_jin_error(&im->in, tm_jin_key(&im->in, parent_pointer, "trustZone"),
				             "no trust zone '%s'", outer);
		}
	}
	/* a chain of parents longer than the list is a cycle */
	for (size_t i = 0; i < im->nzones; i++) {
		size_t steps = 0;
		for (zone *z = im->zone_list[i].parent; z && steps <= im->nzones; z = z->parent)
			steps++;
		if (steps > im->nzones) {
			tm_jin_error(&im->in, im->zone_list[i].pointer, "trust zone '%s' lies inside itself",
			             im->zone_list[i].original);
			im->zone_list[i].parent = NULL;
		}
	}
	for (size_t i = 0; i < im->nzones; i++) {
		zone *z = &im->zone_list[i];
		if (z->original && !z->outside)
			z->id = new_id(im, NULL, z->original,
			               tm_jin_string(&im->in, z->json, z->pointer, "name", false), "zone");
		if (z->id && z->parent) {
			*(z->parent->last_zone ? &z->parent->last_zone->next_zone : &z->parent->first_zone) =
			    z;
			z->parent->last_zone = z;
		}
	}
}

static bool contains(const char *text, const char *word)
{
	return strstr(text, word) != NULL;
}

/* A component type of another tool as an element kind (doc/interop.md). */
static int guess_kind(const char *type)
{
	char lower[128];
	size_t n = 0;
	for (; type[n] && n + 1 < sizeof lower; n++)
		lower[n] = (char)(type[n] >= 'A' && type[n] <= 'Z' ? type[n] - 'A' + 'a' : type[n]);
	lower[n] = '\0';
	static const char *const stores[] = {"store", "database", "db",   "storage", "bucket",
	                                     "queue", "cache",    "file", "disk",    "vault",
	                                     "table", "s3",       "sql"};
	static const char *const externals[] = {"external", "actor",  "user",   "client",  "browser",
	                                        "human",    "person", "mobile", "partner", "third"};
	for (size_t i = 0; i < sizeof stores / sizeof stores[0]; i++)
		if (contains(lower, stores[i]))
			return KIND_STORE;
	for (size_t i = 0; i < sizeof externals / sizeof externals[0]; i++)
		if (contains(lower, externals[i]))
			return KIND_EXTERNAL;
	return KIND_PROCESS;
}

static void name_component(importer *im, component *c)
{
	if (c->state == 2 || !c->original)
		return;
	if (c->state == 1)
		return; /* a cycle, reported by read_components */
	c->state = 1;
	const char *prefix = NULL, *local = c->original;
	if (c->parent) {
		name_component(im, c->parent);
		prefix = c->parent->id;
		size_t n = strlen(c->parent->original);
		if (im->trusted && strncmp(c->original, c->parent->original, n) == 0 && c->original[n] == '.')
			local = c->original + n + 1;
	}
	const char *name = tm_jin_string(&im->in, c->json, c->pointer, "name", false);
	const char *id = new_id(im, prefix, local, name, kind_keywords[c->kind]);
	c->id = prefix ? tm_arena_printf(im->in.arena, "%s.%s", prefix, id) : id;
	c->state = 2;
}

static void read_components(importer *im, json_t *components)
{
	im->ncomponents = json_array_size(components);
	im->component_list = tm_xcalloc(im->ncomponents + 1, sizeof(component));
	for (size_t i = 0; i < im->ncomponents; i++) {
		component *c = &im->component_list[i];
		c->json = json_array_get(components, i);
		c->pointer = tm_jin_index(&im->in, "/components", i);
		if (!json_is_object(c->json)) {
			tm_jin_error(&im->in, c->pointer, "expected an object, found %s",
			             tm_jin_type_name(c->json));
			continue;
		}
		c->original = tm_jin_string(&im->in, c->json, c->pointer, "id", true);
		const char *type = tm_jin_string(&im->in, c->json, c->pointer, "type", false);
		c->kind = KIND_PROCESS;
		if (type && im->trusted) {
			if (strcmp(type, "external") == 0)
				c->kind = KIND_EXTERNAL;
			else if (strcmp(type, "store") == 0)
				c->kind = KIND_STORE;
			else if (strcmp(type, "process") != 0)
				tm_jin_error(&im->in, tm_jin_key(&im->in, c->pointer, "type"),
				             "'%s' is no element kind (external, process, store)", type);
		} else if (type) {
			c->kind = guess_kind(type);
		}
		if (c->original && tm_strmap_add(im->components, c->original, c))
			tm_jin_error(&im->in, tm_jin_key(&im->in, c->pointer, "id"),
			             "a second component '%s'", c->original);
	}
	for (size_t i = 0; i < im->ncomponents; i++) {
		component *c = &im->component_list[i];
		if (!c->original)
			continue;
		json_t *parent = tm_jin_member(&im->in, c->json, c->pointer, "parent", JSON_OBJECT, false);
		const char *parent_pointer = tm_jin_key(&im->in, c->pointer, "parent");
		if (!parent)
			continue;
		const char *in_zone = tm_jin_string(&im->in, parent, parent_pointer, "trustZone", false);
		const char *in_component = tm_jin_string(&im->in, parent, parent_pointer, "component", false);
		if (in_component) {
			c->parent = tm_strmap_get(im->components, in_component);
			if (!c->parent)
				tm_jin_error(&im->in, tm_jin_key(&im->in, parent_pointer, "component"),
				             "no component '%s'", in_component);
			else if (c->parent == c)
				tm_jin_error(&im->in, parent_pointer, "component '%s' lies inside itself",
				             c->original);
		} else if (in_zone) {
			c->zone = tm_strmap_get(im->zones, in_zone);
			if (!c->zone)
				tm_jin_error(&im->in, tm_jin_key(&im->in, parent_pointer, "trustZone"),
				             "no trust zone '%s'", in_zone);
		}
	}
	/* a chain of parents longer than the list is a cycle */
	for (size_t i = 0; i < im->ncomponents; i++) {
		size_t steps = 0;
		for (component *c = im->component_list[i].parent; c && steps <= im->ncomponents;
		     c = c->parent)
			steps++;
		if (steps > im->ncomponents) {
			tm_jin_error(&im->in, im->component_list[i].pointer,
			             "component '%s' lies inside itself", im->component_list[i].original);
			im->component_list[i].parent = NULL;
		} else if (steps > TM_INTEROP_MAX_NESTING) {
			tm_jin_error(&im->in, im->component_list[i].pointer,
			             "component '%s' lies %zu components deep (at most %d)",
			             im->component_list[i].original, steps, TM_INTEROP_MAX_NESTING);
			im->component_list[i].parent = NULL;
		}
	}
	for (size_t i = 0; i < im->ncomponents; i++) {
		component *c = &im->component_list[i];
		if (c->parent && c->parent != c)
			c->parent->has_children = true;
		else
			c->parent = NULL;
	}
	for (size_t i = 0; i < im->ncomponents; i++) {
		component *c = &im->component_list[i];
		if (!c->original)
			continue;
		if (c->has_children && c->kind != KIND_PROCESS) {
			if (im->trusted)
				tm_jin_error(&im->in, c->pointer, "only a process holds other components");
			else
				tm_jin_warning(&im->in, c->pointer,
				               "component '%s' holds others, so it is written as a process",
				               c->original);
			c->kind = KIND_PROCESS;
		}
		if (c->parent && c->kind == KIND_EXTERNAL) {
			if (im->trusted)
				tm_jin_error(&im->in, c->pointer,
				             "an external cannot lie inside a component");
			else
				tm_jin_warning(
				    &im->in, c->pointer,
				    "component '%s' lies inside another, so it is written as a process",
				    c->original);
			c->kind = KIND_PROCESS;
		}
	}
	for (size_t i = 0; i < im->ncomponents; i++)
		name_component(im, &im->component_list[i]);
	for (size_t i = 0; i < im->ncomponents; i++) {
		component *c = &im->component_list[i];
		if (!c->id)
			continue;
		if (c->parent) {
			*(c->parent->last_child ? &c->parent->last_child->next : &c->parent->first_child) = c;
			c->parent->last_child = c;
		} else if (c->zone) {
			*(c->zone->last_component ? &c->zone->last_component->next
			                          : &c->zone->first_component) = c;
			c->zone->last_component = c;
		}
	}
}

/* The ids of a list of asset ids, as `NAME [A, B]`. */
static void put_asset_list(importer *im, const char *name, json_t *lists[2], const char *pointers[2])
{
	bool any = false;
	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; lists[l] && i < json_array_size(lists[l]); i++) {
			json_t *item = json_array_get(lists[l], i);
			if (json_is_null(item))
				continue;
			const char *where = tm_jin_index(&im->in, pointers[l], i);
			const char *id =
			    json_is_string(item) ? tm_strmap_get(im->assets, json_string_value(item)) : NULL;
			if (!id) {
				if (json_is_string(item))
					tm_jin_error(&im->in, where, "no asset '%s'",
					             json_string_value(item));
				else
					tm_jin_error(&im->in, where, "expected an asset id, found %s",
					             tm_jin_type_name(item));
				continue;
			}
			tm_buf_puts(im->out, any ? ", " : "  ");
			if (!any)
				tm_buf_printf(im->out, "%s [", name);
			tm_buf_puts(im->out, id);
			any = true;
		}
	}
	if (any)
		tm_buf_puts(im->out, "]\n");
	else if (lists[0] || lists[1])
		tm_buf_printf(im->out, "  %s []\n", name); /* stated: carries or keeps nothing */
}

static void put_description(importer *im, json_t *obj, const char *pointer)
{
	const char *description = tm_jin_string(&im->in, obj, pointer, "description", false);
	if (description && !im->trusted) {
		tm_buf_puts(im->out, "  description ");
		tm_interop_put_string(im->out, description);
		tm_buf_putc(im->out, '\n');
	}
}

static void put_component(importer *im, component *c)
{
	static const char *const skip[] = {"stores", "handles", NULL};
	const char *local = strrchr(c->id, '.') ? strrchr(c->id, '.') + 1 : c->id;
	tm_buf_printf(im->out, "\n%s %s", kind_keywords[c->kind], local);
	put_label(im->out, tm_jin_string(&im->in, c->json, c->pointer, "name", false), local, c->original);
	size_t block = tm_interop_open_block(im->out);
	put_attributes(im, c->json, c->pointer, kind_keywords[c->kind], skip);
	put_description(im, c->json, c->pointer);
	json_t *assets = tm_jin_member(&im->in, c->json, c->pointer, "assets", JSON_OBJECT, false);
	if (assets) {
		const char *base = tm_jin_key(&im->in, c->pointer, "assets");
		const char *pointers[2] = {tm_jin_key(&im->in, base, "stored"),
		                           tm_jin_key(&im->in, base, "processed")};
		json_t *lists[2] = {tm_jin_member(&im->in, assets, base, "stored", JSON_ARRAY, false),
		                    tm_jin_member(&im->in, assets, base, "processed", JSON_ARRAY, false)};
		if (c->kind != KIND_STORE) {
			/* what a process or an external keeps, it handles */
			json_t *swap = lists[0];
			lists[0] = lists[1];
			lists[1] = swap;
			const char *swap_pointer = pointers[0];
			pointers[0] = pointers[1];
			pointers[1] = swap_pointer;
		}
		put_asset_list(im, c->kind == KIND_STORE ? "stores" : "handles", lists, pointers);
	}
	if (!im->trusted)
		put_original_id(im, c->original, c->id);
	for (component *child = c->first_child; child; child = child->next)
		put_component(im, child);
	tm_interop_close_block(im->out, block);
}

/* A boundary's members: as the exporter wrote them, or what lies in the zone. */
static void put_members(importer *im, const zone *z)
{
	json_t *members = im->trusted ? attribute(z->json, "threat:members") : NULL;
	bool first = true;
	if (members) {
		const char *base =
		    tm_jin_key(&im->in, tm_jin_key(&im->in, z->pointer, "attributes"), "threat:members");
		for (size_t i = 0; json_is_array(members) && i < json_array_size(members); i++) {
			json_t *member = json_array_get(members, i);
			const char *name = json_is_string(member) ? json_string_value(member) : "";
			const component *c = tm_strmap_get(im->components, name);
			const zone *inner = tm_strmap_get(im->zones, name);
			const char *id = c ? c->id : inner && !inner->outside ? inner->id : NULL;
			if (!id) {
				tm_jin_error(&im->in, tm_jin_index(&im->in, base, i),
				             "no component or trust zone '%s'", name);
				continue;
			}
			tm_buf_printf(im->out, "%s%s", first ? "" : ", ", id);
			first = false;
		}
		return;
	}
	for (const component *c = z->first_component; c; c = c->next) {
		tm_buf_printf(im->out, "%s%s", first ? "" : ", ", c->id);
		first = false;
	}
	for (const zone *inner = z->first_zone; inner; inner = inner->next_zone) {
		tm_buf_printf(im->out, "%s%s", first ? "" : ", ", inner->id);
		first = false;
	}
}

static void put_boundaries(importer *im)
{
	for (size_t i = 0; i < im->nzones; i++) {
		zone *z = &im->zone_list[i];
		if (!z->id)
			continue;
		tm_buf_printf(im->out, "\nboundary %s", z->id);
		put_label(im->out, tm_jin_string(&im->in, z->json, z->pointer, "name", false), z->id,
		          z->original);
		tm_buf_puts(im->out, " <");
		put_members(im, z);
		tm_buf_putc(im->out, '>');
		size_t block = tm_interop_open_block(im->out);
		put_attributes(im, z->json, z->pointer, "boundary", NULL);
		put_description(im, z->json, z->pointer);
		if (!im->trusted)
			put_original_id(im, z->original, z->id);
		tm_interop_close_block(im->out, block);
	}
}

/* ==== dataflows ==== */

static void put_flows(importer *im, json_t *flows)
{
	static const char *const skip[] = {"data", NULL};
	tm_strmap *keys = tm_strmap_new(64);
	for (size_t i = 0; i < json_array_size(flows); i++) {
		json_t *flow = json_array_get(flows, i);
		const char *pointer = tm_jin_index(&im->in, "/dataflows", i);
		if (!json_is_object(flow)) {
			tm_jin_error(&im->in, pointer, "expected an object, found %s",
			             tm_jin_type_name(flow));
			continue;
		}
		const char *original = tm_jin_string(&im->in, flow, pointer, "id", true);
		const char *name = tm_jin_string(&im->in, flow, pointer, "name", false);
		const char *ends[2] = {tm_jin_string(&im->in, flow, pointer, "source", true),
		                       tm_jin_string(&im->in, flow, pointer, "destination", true)};
		const component *at[2] = {NULL, NULL};
		bool usable = original != NULL;
		for (int e = 0; e < 2; e++) {
			if (!ends[e]) {
				usable = false;
				continue;
			}
			at[e] = tm_strmap_get(im->components, ends[e]);
			if (!at[e] || !at[e]->id) {
				const char *where =
				    tm_jin_key(&im->in, pointer, e ? "destination" : "source");
				if (tm_strmap_get(im->zones, ends[e]))
					tm_jin_warning(&im->in, where,
					               "a dataflow to or from a trust zone has no place in "
					               "threat: left out");
				else
					tm_jin_error(&im->in, where, "no component '%s'", ends[e]);
				usable = false;
			}
		}
		if (!usable)
			continue;
		if (at[0] == at[1]) {
			tm_jin_warning(
			    &im->in, pointer,
			    "a dataflow from a component to itself has no place in threat: left out");
			continue;
		}
		/* a flow keeps no id when its id is its ends (as `threat` writes
		 * a flow without one), or when another tool's id is no identifier
		 * and the ends name the flow alone */
		const char *key = tm_arena_printf(im->in.arena, "%s->%s", at[0]->id, at[1]->id);
		const char *written_key = tm_arena_printf(im->in.arena, "%s->%s", ends[0], ends[1]);
		const char *id = NULL;
		if (strcmp(original, written_key) != 0) {
			id = tm_idset_take(im->ids, NULL, original);
			if (!id && tm_strmap_get(keys, key))
				id = tm_idset_make(im->ids, NULL, name && *name ? name : original, "flow");
		}
		if (!id && tm_strmap_get(keys, key))
			id = tm_idset_make(im->ids, NULL, name && *name ? name : original, "flow");
		if (!id)
			tm_strmap_add(keys, key, (void *)key);
		bool both = tm_jin_bool(&im->in, flow, pointer, "bidirectional", false);
		tm_buf_puts(im->out, "\nflow ");
		if (id)
			tm_buf_printf(im->out, "%s: ", id);
		tm_buf_printf(im->out, "%s %s %s", at[0]->id, both ? "<->" : "->", at[1]->id);
		if (name && *name) {
			tm_buf_putc(im->out, ' ');
			tm_interop_put_string(im->out, name);
		}
		size_t block = tm_interop_open_block(im->out);
		put_attributes(im, flow, pointer, "flow", skip);
		put_description(im, flow, pointer);
		json_t *lists[2] = {tm_jin_member(&im->in, flow, pointer, "assets", JSON_ARRAY, false), NULL};
		const char *pointers[2] = {tm_jin_key(&im->in, pointer, "assets"), NULL};
		put_asset_list(im, "data", lists, pointers);
		if (!im->trusted && id && strcmp(id, original) != 0)
			tm_interop_put_note(im->out, "otm", "id", original);
		else if (!im->trusted && !id && !tm_interop_is_ident(original))
			tm_interop_put_note(im->out, "otm", "id", original);
		tm_interop_close_block(im->out, block);
		/* where the threats of this flow point: its id or its ends */
		tm_strmap_set(
		    im->flows, original,
		    (void *)(id ? id : tm_arena_printf(im->in.arena, "%s -> %s", at[0]->id, at[1]->id)));
	}
	tm_strmap_free(keys);
}

/* ==== threats, mitigations, acceptances ==== */

/* OTM's 0 to 100 as an OWASP factor: 1 below 50, 2 below 84, else 3. */
static int factor_of(double percent)
{
	int factor = (int)lround(percent * 3.0 / 100.0);
	return factor < 1 ? 1 : factor > 3 ? 3 : factor;
}

typedef struct threat_info {
	json_t *json;
	const char *pointer;
	size_t copies; /* instances written so far */
} threat_info;

/* A threat of another tool, on the element or flow `on` (NULL: the
 * system), as a hand-written threat; returns its id. */
static const char *put_foreign_threat(importer *im, threat_info *info, const char *original, const char *on)
{
	json_t *threat = info->json;
	const char *pointer = info->pointer;
	const char *name = tm_jin_string(&im->in, threat, pointer, "name", false);
	const char *id = tm_idset_make(im->ids, NULL, original, "threat");
	const char *category = NULL;
	json_t *categories = tm_jin_member(&im->in, threat, pointer, "categories", JSON_ARRAY, false);
	for (size_t i = 0; categories && i < json_array_size(categories) && !category; i++)
		if (json_is_string(json_array_get(categories, i)))
			category = tm_interop_category(json_string_value(json_array_get(categories, i)));
	if (!category) {
		category = "information_disclosure";
		tm_jin_warning(
		    &im->in, pointer,
		    "threat '%s' names no STRIDE or LINDDUN category: written as information_disclosure",
		    original);
	}
	json_t *risk = tm_jin_member(&im->in, threat, pointer, "risk", JSON_OBJECT, false);
	const char *risk_pointer = tm_jin_key(&im->in, pointer, "risk");
	int likelihood = factor_of(risk ? tm_jin_number(&im->in, risk, risk_pointer, "likelihood", 50) : 50);
	int impact = factor_of(risk ? tm_jin_number(&im->in, risk, risk_pointer, "impact", 50) : 50);
	tm_buf_printf(im->out, "\nthreat %s", id);
	put_label(im->out, name, id, original);
	tm_buf_printf(im->out, " {\n  category %s\n", category);
	if (on)
		tm_buf_printf(im->out, "  on %s\n", on);
	tm_buf_printf(
	    im->out,
	    "  likelihood { skill %d  motive %d  opportunity %d  population %d  discoverability %d }\n",
	    likelihood, likelihood, likelihood, likelihood, likelihood);
	tm_buf_printf(im->out, "  impact { %s %d }\n", tm_interop_impact_factor(category), impact);
	const char *description = tm_jin_string(&im->in, threat, pointer, "description", false);
	if (description) {
		tm_buf_puts(im->out, "  description ");
		tm_interop_put_string(im->out, description);
		tm_buf_putc(im->out, '\n');
	}
	put_attributes(im, threat, pointer, "threat", NULL);
	if (strcmp(id, original) != 0)
		tm_interop_put_note(im->out, "otm", "id", original);
	tm_buf_puts(im->out, "}\n");
	info->copies++;
	return id;
}

/* What a mitigation instance's state says of the mitigation's status:
 * 0 planned, 1 in_progress, 2 implemented, 3 verified. */
static int mitigation_status_of(const char *state)
{
	if (!state)
		return 0;
	if (strstr(state, "verif") || strstr(state, "VERIF"))
		return 3;
	if (strstr(state, "implement") || strstr(state, "IMPLEMENT") || strstr(state, "mitigated") ||
	    strstr(state, "MITIGATED"))
		return 2;
	if (strstr(state, "progress") || strstr(state, "PROGRESS"))
		return 1;
	return 0;
}

static bool state_is(const char *state, const char *const *words)
{
	for (size_t i = 0; words[i]; i++) {
		size_t n = strlen(words[i]);
		bool same = strlen(state) == n;
		for (size_t k = 0; same && k < n; k++) {
			char c = state[k] >= 'A' && state[k] <= 'Z' ? (char)(state[k] - 'A' + 'a') : state[k];
			same = c == words[i][k] || (c == '_' && words[i][k] == '-') ||
			       (c == ' ' && words[i][k] == '-');
		}
		if (same)
			return true;
	}
	return false;
}

/* The threat instances of one component or flow in a document of
 * another tool: each a hand-written threat on it, and what its state
 * and mitigations say as mitigation links and acceptances. */
static void put_instances(importer *im, json_t *holder, const char *pointer, const char *on, tm_buf *accepts)
{
	json_t *instances = tm_jin_member(&im->in, holder, pointer, "threats", JSON_ARRAY, false);
	const char *base = tm_jin_key(&im->in, pointer, "threats");
	for (size_t i = 0; instances && i < json_array_size(instances); i++) {
		json_t *instance = json_array_get(instances, i);
		const char *where = tm_jin_index(&im->in, base, i);
		const char *original = tm_jin_string(&im->in, instance, where, "threat", true);
		const char *state = tm_jin_string(&im->in, instance, where, "state", false);
		if (!original)
			continue;
		threat_info *info = tm_strmap_get(im->threats, original);
		if (!info) {
			tm_jin_error(&im->in, tm_jin_key(&im->in, where, "threat"), "no threat '%s'",
			             original);
			continue;
		}
		const char *id = put_foreign_threat(im, info, original, on);
		json_t *links = tm_jin_member(&im->in, instance, where, "mitigations", JSON_ARRAY, false);
		bool linked = false;
		for (size_t m = 0; links && m < json_array_size(links); m++) {
			json_t *link = json_array_get(links, m);
			const char *link_pointer =
			    tm_jin_index(&im->in, tm_jin_key(&im->in, where, "mitigations"), m);
			if (json_is_null(link))
				continue;
			const char *mitigation =
			    tm_jin_string(&im->in, link, link_pointer, "mitigation", false);
			size_t *index = mitigation ? tm_strmap_get(im->mitigations, mitigation) : NULL;
			if (!index) {
				if (mitigation)
					tm_jin_error(&im->in, link_pointer, "no mitigation '%s'", mitigation);
				continue;
			}
			tm_buf *list = &im->mitigates[*index - 1];
			tm_buf_printf(list, "%s%s", list->len ? ", " : "", id);
			int status =
			    mitigation_status_of(tm_jin_string(&im->in, link, link_pointer, "state", false));
			if (status > im->mitigation_status[*index - 1])
				im->mitigation_status[*index - 1] = status;
			linked = true;
		}
		static const char *const mitigated[] = {"mitigated", NULL};
		static const char *const accepted[] = {"accepted", "accept", "not-applicable", "na", NULL};
		if (state && state_is(state, mitigated) && !linked) {
			const char *mid =
			    tm_idset_make(im->ids, NULL, tm_arena_printf(im->in.arena, "M-%s", id), "M");
			tm_buf_printf(im->out,
			              "\nmitigation %s \"%s\" {\n  mitigates [%s]\n  status implemented\n}\n",
			              mid, "mitigated, as the imported model says", id);
		} else if (state && state_is(state, accepted)) {
			tm_buf_printf(accepts, "\naccept %s ", id);
			tm_buf reason = TM_BUF_INIT;
			tm_buf_printf(&reason, "%s in the imported model", state);
			tm_interop_put_string(accepts, tm_buf_str(&reason));
			tm_buf_free(&reason);
			tm_buf_putc(accepts, '\n');
		}
	}
}

static void read_threats(importer *im, json_t *threats)
{
	for (size_t i = 0; i < json_array_size(threats); i++) {
		json_t *threat = json_array_get(threats, i);
		const char *pointer = tm_jin_index(&im->in, "/threats", i);
		if (!json_is_object(threat)) {
			tm_jin_error(&im->in, pointer, "expected an object, found %s",
			             tm_jin_type_name(threat));
			continue;
		}
		const char *original = tm_jin_string(&im->in, threat, pointer, "id", true);
		tm_jin_string(&im->in, threat, pointer, "name", false);
		if (!original)
			continue;
		threat_info *info = tm_arena_alloc(im->in.arena, sizeof *info);
		info->json = threat;
		info->pointer = pointer;
		if (tm_strmap_add(im->threats, original, info))
			tm_jin_error(&im->in, tm_jin_key(&im->in, pointer, "id"), "a second threat '%s'",
			             original);
	}
}

/* A document `threat` wrote: its hand-written threats as they were (the
 * findings its rules raised come back when the imported model is checked). */
static void put_own_threats(importer *im, json_t *threats)
{
	for (size_t i = 0; i < json_array_size(threats); i++) {
		json_t *threat = json_array_get(threats, i);
		const char *pointer = tm_jin_index(&im->in, "/threats", i);
		if (!json_is_object(threat) || json_is_true(attribute(threat, "threat:generated")))
			continue;
		const char *original = tm_jin_string(&im->in, threat, pointer, "id", false);
		const char *name = tm_jin_string(&im->in, threat, pointer, "name", false);
		if (!original)
			continue;
		const char *id = new_id(im, NULL, original, name, "threat");
		tm_buf_printf(im->out, "\nthreat %s", id);
		put_label(im->out, name, id, original);
		size_t block = tm_interop_open_block(im->out);
		put_attributes(im, threat, pointer, "threat", NULL);
		tm_interop_close_block(im->out, block);
	}
}

static void put_mitigations(importer *im)
{
	for (size_t i = 0; i < im->nmitigations; i++) {
		json_t *mitigation = json_array_get(im->mitigation_array, i);
		const char *pointer = tm_jin_index(&im->in, "/mitigations", i);
		if (!json_is_object(mitigation))
			continue;
		const char *original = tm_jin_string(&im->in, mitigation, pointer, "id", false);
		const char *name = tm_jin_string(&im->in, mitigation, pointer, "name", false);
		if (!original)
			continue;
		if (!im->trusted && !im->mitigates[i].len) {
			tm_jin_warning(&im->in, pointer, "mitigation '%s' mitigates no threat: left out",
			               original);
			continue;
		}
		const char *id = new_id(im, NULL, original, name, "M");
		tm_buf_printf(im->out, "\nmitigation %s", id);
		put_label(im->out, name, id, original);
		size_t block = tm_interop_open_block(im->out);
		put_attributes(im, mitigation, pointer, "mitigation", NULL);
		if (!im->trusted) {
			static const char *const statuses[] = {"planned", "in_progress", "implemented",
			                                       "verified"};
			tm_buf_printf(im->out, "  mitigates [%s]\n  status %s\n",
			              tm_buf_str(&im->mitigates[i]), statuses[im->mitigation_status[i]]);
			put_description(im, mitigation, pointer);
			if (strcmp(id, original) != 0)
				tm_interop_put_note(im->out, "otm", "id", original);
		}
		tm_interop_close_block(im->out, block);
	}
}

static void put_acceptances(importer *im, json_t *project)
{
	json_t *acceptances = attribute(project, "threat:acceptances");
	const char *base = "/project/attributes/threat:acceptances";
	for (size_t i = 0; json_is_array(acceptances) && i < json_array_size(acceptances); i++) {
		json_t *acceptance = json_array_get(acceptances, i);
		const char *pointer = tm_jin_index(&im->in, base, i);
		const char *finding = tm_jin_string(&im->in, acceptance, pointer, "finding", true);
		const char *reason = tm_jin_string(&im->in, acceptance, pointer, "reason", false);
		if (!finding)
			continue;
		if (!tm_interop_is_finding(finding)) {
			tm_jin_error(&im->in, tm_jin_key(&im->in, pointer, "finding"),
			             "'%s' is no finding id or pattern", finding);
			continue;
		}
		tm_buf_printf(im->out, "\naccept %s", finding);
		if (reason) {
			tm_buf_putc(im->out, ' ');
			tm_interop_put_string(im->out, reason);
		}
		size_t block = tm_interop_open_block(im->out);
		put_attributes(im, acceptance, pointer, "accept", NULL);
		tm_interop_close_block(im->out, block);
	}
}

static json_t *top_array(importer *im, json_t *root, const char *key)
{
	return tm_jin_member(&im->in, root, "", key, JSON_ARRAY, false);
}

int tm_interop_import_otm(tm_buf *out, const tm_source *src, tm_diags *diags)
{
	importer im = {.in = {src, diags, tm_arena_new()}, .out = out};
	size_t errors = diags->errors;
	json_t *root = tm_jin_load(&im.in);
	im.ids = tm_idset_new();
	im.assets = tm_strmap_new(32);
	im.zones = tm_strmap_new(32);
	im.components = tm_strmap_new(64);
	im.threats = tm_strmap_new(64);
	im.mitigations = tm_strmap_new(32);
	im.flows = tm_strmap_new(64);
	tm_buf accepts = TM_BUF_INIT;
	if (!root)
		goto out;
	if (!json_is_object(root)) {
		tm_jin_error(&im.in, "", "expected an OTM document (an object), found %s",
		             tm_jin_type_name(root));
		goto out;
	}
	const char *version = tm_jin_string(&im.in, root, "", "otmVersion", true);
	json_t *project = tm_jin_member(&im.in, root, "", "project", JSON_OBJECT, true);
	if (!version || !project)
		goto out;
	tm_jin_string(&im.in, project, "/project", "name", true);
	if (strncmp(version, "0.", 2) != 0)
		tm_jin_warning(&im.in, "/otmVersion", "OTM version %s is read as 0.2.0", version);
	json_t *format = attribute(project, TM_OTM_FORMAT_KEY);
	im.trusted = json_is_integer(format) && json_integer_value(format) == TM_OTM_FORMAT;
	json_t *assets = top_array(&im, root, "assets");
	json_t *zones = top_array(&im, root, "trustZones");
	json_t *components = top_array(&im, root, "components");
	json_t *flows = top_array(&im, root, "dataflows");
	json_t *threats = top_array(&im, root, "threats");
	im.mitigation_array = top_array(&im, root, "mitigations");
	if (diags->errors > errors)
		goto out;

	put_model(&im, project, "/project");
	put_assets(&im, assets);
	if (im.trusted)
		put_actors(&im, project);
	size_t before_structure = diags->errors;
	read_zones(&im, zones);
	read_components(&im, components);
	if (diags->errors > before_structure)
		goto out;
	for (size_t i = 0; i < im.ncomponents; i++)
		if (im.component_list[i].id && !im.component_list[i].parent)
			put_component(&im, &im.component_list[i]);
	put_boundaries(&im);
	put_flows(&im, flows);

	im.nmitigations = json_array_size(im.mitigation_array);
	im.mitigates = tm_xcalloc(im.nmitigations + 1, sizeof(tm_buf));
	im.mitigation_status = tm_xcalloc(im.nmitigations + 1, sizeof(int));
	size_t *indexes = tm_arena_alloc(im.in.arena, (im.nmitigations + 1) * sizeof(size_t));
	for (size_t i = 0; i < im.nmitigations; i++) {
		json_t *mitigation = json_array_get(im.mitigation_array, i);
		const char *pointer = tm_jin_index(&im.in, "/mitigations", i);
		if (!json_is_object(mitigation)) {
			tm_jin_error(&im.in, pointer, "expected an object, found %s",
			             tm_jin_type_name(mitigation));
			continue;
		}
		const char *original = tm_jin_string(&im.in, mitigation, pointer, "id", true);
		indexes[i] = i + 1;
		if (original && tm_strmap_add(im.mitigations, original, &indexes[i]))
			tm_jin_error(&im.in, tm_jin_key(&im.in, pointer, "id"), "a second mitigation '%s'",
			             original);
	}
	if (im.trusted) {
		put_own_threats(&im, threats);
	} else {
		read_threats(&im, threats);
		for (size_t i = 0; i < im.ncomponents; i++) {
			component *c = &im.component_list[i];
			if (c->id)
				put_instances(&im, c->json, c->pointer, c->id, &accepts);
		}
		for (size_t i = 0; i < json_array_size(flows); i++) {
			json_t *flow = json_array_get(flows, i);
			const char *original =
			    json_is_object(flow) ? json_string_value(json_object_get(flow, "id")) : NULL;
			const char *on = original ? tm_strmap_get(im.flows, original) : NULL;
			if (on)
				put_instances(&im, flow, tm_jin_index(&im.in, "/dataflows", i), on, &accepts);
		}
		/* a threat no component or flow names concerns the system */
		for (size_t i = 0; i < json_array_size(threats); i++) {
			json_t *threat = json_array_get(threats, i);
			const char *original =
			    json_is_object(threat) ? json_string_value(json_object_get(threat, "id")) : NULL;
			threat_info *info = original ? tm_strmap_get(im.threats, original) : NULL;
			if (info && !info->copies)
				put_foreign_threat(&im, info, original, NULL);
		}
	}
	put_mitigations(&im);
	if (im.trusted)
		put_acceptances(&im, project);
	tm_buf_take(out, &accepts);
out:
	for (size_t i = 0; im.mitigates && i < im.nmitigations; i++)
		tm_buf_free(&im.mitigates[i]);
	free(im.mitigates);
	free(im.mitigation_status);
	free(im.zone_list);
	free(im.component_list);
	tm_buf_free(&accepts);
	tm_strmap_free(im.assets);
	tm_strmap_free(im.zones);
	tm_strmap_free(im.components);
	tm_strmap_free(im.threats);
	tm_strmap_free(im.mitigations);
	tm_strmap_free(im.flows);
	tm_idset_free(im.ids);
	json_decref(root);
	tm_arena_free(im.in.arena);
	return diags->errors > errors ? TM_ERR_INPUT : TM_OK;
}
