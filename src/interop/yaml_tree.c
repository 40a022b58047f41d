#include "interop/yaml_tree.h"

#include <string.h>
#include <yaml.h>

#include "base/xalloc.h"
#include "threat/status.h"

/* Duplicate keys are looked for among this many keys of a mapping. */
#define MAX_CHECKED_KEYS 1024
/* Merge keys chain at most this deep (`<<` of a map that merges another). */
#define MAX_MERGE_DEPTH 8

/* An anchor defined so far: its name and the node it marks. */
typedef struct anchor {
	const char *name;
	tm_yaml_node *node;
} anchor;

typedef struct loader {
	tm_arena *arena;
	const tm_source *src;
	tm_diags *diags;
	tm_yaml_node *stack[TM_YAML_MAX_DEPTH + 1]; /* open collections */
	size_t depth;
	anchor *anchors;
	size_t nanchors, cap;
	tm_yaml_node *root;
	size_t documents;
} loader;

/* The byte offset of libyaml's mark (0-based line, column in characters),
 * clamped to the source. */
static uint32_t mark_offset(const tm_source *src, yaml_mark_t mark)
{
	if (!src->nlines)
		return 0;
	if (mark.line >= src->nlines)
		return (uint32_t)src->len;
	uint32_t at = src->line_starts[mark.line];
	for (size_t column = 0; column < mark.column && at < src->len && src->text[at] != '\n'; column++) {
		at++;
		while (at < src->len && ((unsigned char)src->text[at] & 0xC0) == 0x80)
			at++;
	}
	return at;
}

static tm_span mark_span(const tm_source *src, yaml_mark_t mark)
{
	uint32_t at = mark_offset(src, mark);
	return (tm_span){src, at, at < src->len ? at + 1 : at};
}

static const anchor *find_anchor(const loader *l, const char *name)
{
	/* the latest definition wins: YAML allows redefining an anchor */
	for (size_t i = l->nanchors; i-- > 0;)
		if (strcmp(l->anchors[i].name, name) == 0)
			return &l->anchors[i];
	return NULL;
}

static void define_anchor(loader *l, const yaml_char_t *name, tm_yaml_node *node)
{
	if (!name)
		return;
	anchor a = {tm_arena_strdup(l->arena, (const char *)name), node};
	TM_VEC_PUSH(l->anchors, l->nanchors, l->cap, a);
}

static bool same_scalar(const tm_yaml_node *a, const tm_yaml_node *b)
{
	return a->kind == TM_YAML_SCALAR && b->kind == TM_YAML_SCALAR && a->len == b->len &&
	       memcmp(a->text, b->text, a->len) == 0;
}

/* Adds node, written at `at` (an alias: where the alias is), to the
 * collection on top of the stack (or makes it the root). False after an
 * error. */
static bool attach(loader *l, tm_yaml_node *node, tm_span at)
{
	if (!l->depth) {
		l->root = node;
		return true;
	}
	tm_yaml_node *parent = l->stack[l->depth - 1];
	if (parent->kind == TM_YAML_MAPPING && parent->count % 2 == 0) {
		/* a key: scalars only, each once (checked among the first keys: a
		 * longer mapping is data, not a model's structure) */
		if (node->kind != TM_YAML_SCALAR) {
			tm_diag_error(l->diags, at, "a mapping key must be a scalar here");
			return false;
		}
		for (size_t i = 0; i < parent->count && i < 2 * MAX_CHECKED_KEYS; i += 2) {
			if (same_scalar(parent->items[i], node)) {
				tm_diag *d =
				    tm_diag_error(l->diags, node->span, "duplicate key '%.*s'",
				                  (int)(node->len > 80 ? 80 : node->len), node->text);
				tm_diag_note(d, parent->items[i]->span, "first written here");
				return false;
			}
		}
	}
	TM_VEC_PUSH(parent->items, parent->count, parent->cap, node);
	parent->expanded += node->expanded;
	parent->bytes += node->bytes;
	if (parent->expanded > TM_YAML_MAX_EXPANDED) {
		tm_diag_error(l->diags, at,
		              "the document expands to more than %u nodes (aliases that repeat aliases?)",
		              TM_YAML_MAX_EXPANDED);
		return false;
	}
	if (parent->bytes > TM_YAML_MAX_EXPANDED_BYTES) {
		tm_diag_error(
		    l->diags, at,
		    "the document expands to more than %u MiB of text (aliases that repeat a long text?)",
		    (unsigned)(TM_YAML_MAX_EXPANDED_BYTES >> 20));
		return false;
	}
	return true;
}

static tm_yaml_node *new_node(loader *l, tm_yaml_kind kind, yaml_mark_t mark)
{
	tm_yaml_node *node = tm_arena_alloc(l->arena, sizeof(*node));
	memset(node, 0, sizeof(*node));
	node->kind = kind;
	node->span = mark_span(l->src, mark);
	node->expanded = 1;
	return node;
}

/* Handles one event; false after an error (reported). */
static bool on_event(loader *l, const yaml_event_t *event)
{
	switch (event->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++l->documents > 1) {
			tm_diag_error(l->diags, mark_span(l->src, event->start_mark),
			              "the file holds more than one YAML document");
			return false;
		}
		return true;
	case YAML_SCALAR_EVENT: {
		tm_yaml_node *node = new_node(l, TM_YAML_SCALAR, event->start_mark);
		node->len = event->data.scalar.length;
		node->text = tm_arena_strndup(l->arena, (const char *)event->data.scalar.value, node->len);
		node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		node->bytes = node->len;
		define_anchor(l, event->data.scalar.anchor, node);
		return attach(l, node, node->span);
	}
	case YAML_ALIAS_EVENT: {
		const anchor *a = find_anchor(l, (const char *)event->data.alias.anchor);
		if (!a) {
			tm_diag_error(l->diags, mark_span(l->src, event->start_mark), "unknown alias '*%s'",
			              (const char *)event->data.alias.anchor);
			return false;
		}
		for (size_t i = 0; i < l->depth; i++) {
			if (l->stack[i] == a->node) {
				tm_diag_error(l->diags, mark_span(l->src, event->start_mark),
				              "alias '*%s' refers to a node that contains it",
				              (const char *)event->data.alias.anchor);
				return false;
			}
		}
		return attach(l, a->node, mark_span(l->src, event->start_mark));
	}
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = event->type == YAML_SEQUENCE_START_EVENT;
		if (l->depth == TM_YAML_MAX_DEPTH) {
			tm_diag_error(l->diags, mark_span(l->src, event->start_mark),
			              "collections nest more than %d deep", TM_YAML_MAX_DEPTH);
			return false;
		}
		tm_yaml_node *node = new_node(l, seq ? TM_YAML_SEQUENCE : TM_YAML_MAPPING, event->start_mark);
		define_anchor(l, seq ? event->data.sequence_start.anchor : event->data.mapping_start.anchor,
		              node);
		l->stack[l->depth++] = node;
		return true;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		tm_yaml_node *node = l->stack[--l->depth];
		/* the arena owns the item arrays from here on */
		if (node->items)
			tm_arena_adopt(l->arena, node->items);
		return attach(l, node, node->span);
	}
	default: return true;
	}
}

int tm_yaml_load(tm_yaml_node **root, tm_arena *arena, const tm_source *src, tm_diags *diags)
{
	*root = NULL;
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		tm_diag_error(diags, (tm_span){src, 0, 0}, "cannot start the YAML parser");
		return TM_ERR_INPUT;
	}
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&parser, (const unsigned char *)src->text, src->len);
	loader l = {.arena = arena, .src = src, .diags = diags};
	int status = TM_OK;
	for (bool done = false; !done;) {
		yaml_event_t event;
		if (!yaml_parser_parse(&parser, &event)) {
			tm_diag *d = tm_diag_error(diags, mark_span(src, parser.problem_mark), "YAML: %s",
			                           parser.problem ? parser.problem : "cannot be parsed");
			if (parser.context)
				tm_diag_note(d, mark_span(src, parser.context_mark), "%s", parser.context);
			status = TM_ERR_INPUT;
			break;
		}
		done = event.type == YAML_STREAM_END_EVENT;
		bool ok = on_event(&l, &event);
		yaml_event_delete(&event);
		if (!ok) {
			status = TM_ERR_INPUT;
			break;
		}
	}
	yaml_parser_delete(&parser);
	/* on an error the open collections' item arrays are not yet the arena's */
	for (size_t i = 0; i < l.depth; i++)
		free(l.stack[i]->items);
	free(l.anchors);
	if (status == TM_OK && !l.root) {
		tm_diag_error(diags, (tm_span){src, 0, 0}, "the file holds no YAML document");
		status = TM_ERR_INPUT;
	}
	if (status == TM_OK)
		*root = l.root;
	return status;
}

bool tm_yaml_is_null(const tm_yaml_node *node)
{
	if (!node)
		return true;
	if (node->kind != TM_YAML_SCALAR || !node->plain)
		return false;
	return node->len == 0 || strcmp(node->text, "~") == 0 || strcmp(node->text, "null") == 0 ||
	       strcmp(node->text, "Null") == 0 || strcmp(node->text, "NULL") == 0;
}

static bool is_key(const tm_yaml_node *key, const char *name)
{
	return key->kind == TM_YAML_SCALAR && key->len == strlen(name) &&
	       memcmp(key->text, name, key->len) == 0;
}

static bool is_merge_key(const tm_yaml_node *key)
{
	return key->plain && is_key(key, "<<");
}

static const tm_yaml_node *get_from(const tm_yaml_node *map, const char *key, int depth)
{
	if (!map || map->kind != TM_YAML_MAPPING || depth > MAX_MERGE_DEPTH)
		return NULL;
	for (size_t i = 0; i + 1 < map->count; i += 2)
		if (!is_merge_key(map->items[i]) && is_key(map->items[i], key))
			return map->items[i + 1];
	/* merge keys: a mapping, or a sequence of them (the first wins) */
	for (size_t i = 0; i + 1 < map->count; i += 2) {
		if (!is_merge_key(map->items[i]))
			continue;
		const tm_yaml_node *merged = map->items[i + 1];
		if (merged->kind == TM_YAML_MAPPING) {
			const tm_yaml_node *found = get_from(merged, key, depth + 1);
			if (found)
				return found;
		} else if (merged->kind == TM_YAML_SEQUENCE) {
			for (size_t j = 0; j < merged->count; j++) {
				const tm_yaml_node *found = get_from(merged->items[j], key, depth + 1);
				if (found)
					return found;
			}
		}
	}
	return NULL;
}

const tm_yaml_node *tm_yaml_get(const tm_yaml_node *map, const char *key)
{
	return get_from(map, key, 0);
}

const char *tm_yaml_text(const tm_yaml_node *node)
{
	if (!node || node->kind != TM_YAML_SCALAR || tm_yaml_is_null(node))
		return NULL;
	return node->text;
}

bool tm_yaml_pair(const tm_yaml_node *map, size_t *i, const tm_yaml_node **key, const tm_yaml_node **value)
{
	if (!map || map->kind != TM_YAML_MAPPING)
		return false;
	while (*i + 1 < map->count) {
		const tm_yaml_node *k = map->items[*i], *v = map->items[*i + 1];
		*i += 2;
		if (is_merge_key(k))
			continue;
		*key = k;
		*value = v;
		return true;
	}
	return false;
}
