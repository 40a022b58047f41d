/* A YAML document as a tree, read with libyaml's event parser, for the
 * importers. Anchors and aliases are kept as shared nodes, never copied,
 * and the size a document would have with every alias expanded is bounded,
 * so an alias bomb is an error instead of an exhausted machine; so is
 * nesting deeper than TM_YAML_MAX_DEPTH. Merge keys (`<<: *base`) are
 * honoured by tm_yaml_get. */
#ifndef TM_INTEROP_YAML_TREE_H
#define TM_INTEROP_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/source.h"

/* Collections nest at most this deep. */
#define TM_YAML_MAX_DEPTH 64
/* A document counts at most this many nodes, and this many bytes of
 * scalars, with its aliases expanded. */
#define TM_YAML_MAX_EXPANDED       1000000u
#define TM_YAML_MAX_EXPANDED_BYTES ((uint64_t)64 * 1024 * 1024)

typedef enum tm_yaml_kind { TM_YAML_SCALAR, TM_YAML_SEQUENCE, TM_YAML_MAPPING } tm_yaml_kind;

typedef struct tm_yaml_node tm_yaml_node;
struct tm_yaml_node {
	tm_yaml_kind kind;
	bool plain;       /* a scalar written without quotes */
	const char *text; /* a scalar's value (NUL-terminated, may hold NULs: see len) */
	size_t len;
	/* a sequence's items; a mapping's keys and values, alternating */
	tm_yaml_node **items;
	size_t count, cap;
	tm_span span;      /* where the node starts in the source */
	uint64_t expanded; /* nodes it stands for with aliases expanded */
	uint64_t bytes;    /* bytes of scalars it stands for, so expanded */
};

/* Parses src (UTF-8 YAML, one document) into a tree in arena. Returns TM_OK
 * with *root set, or TM_ERR_INPUT after an error in diags at its line and
 * column (syntax, a second document, an unknown alias, a duplicate key,
 * nesting or expansion beyond the bounds). */
int tm_yaml_load(tm_yaml_node **root, tm_arena *arena, const tm_source *src, tm_diags *diags);

/* A null: an empty plain scalar, `~` or `null` (NULL counts too). */
bool tm_yaml_is_null(const tm_yaml_node *node);
/* The value under key in a mapping (or in what its `<<` merge keys name),
 * or NULL. */
const tm_yaml_node *tm_yaml_get(const tm_yaml_node *map, const char *key);
/* A scalar's text when node is a scalar that is not null, else NULL. */
const char *tm_yaml_text(const tm_yaml_node *node);
/* A mapping's i-th key and value, merge keys (`<<`) skipped: false past the
 * end. */
bool tm_yaml_pair(const tm_yaml_node *map, size_t *i, const tm_yaml_node **key, const tm_yaml_node **value);

#endif
