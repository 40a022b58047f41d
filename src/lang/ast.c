#include "lang/ast.h"

#include <string.h>

/* ORDER DECL */
const char *const tm_decl_keywords[TM_DECL_COUNT] = {
	"model", "use", "include", "asset", "actor", "external", "process",
	"store", "boundary", "flow", "threat", "mitigation", "accept",
};

tm_decl_kind tm_decl_kind_of(const char *word, size_t len)
{
	for (int kind = 0; kind < TM_DECL_COUNT; kind++)
		if (strlen(tm_decl_keywords[kind]) == len && memcmp(tm_decl_keywords[kind], word, len) == 0)
			return (tm_decl_kind)kind;
	return TM_DECL_COUNT;
}

const tm_attr *tm_block_get(const tm_block *block, const char *name)
{
	if (!block)
		return NULL;
	/* The last occurrence wins, so a later line overrides an earlier one. */
	const tm_attr *found = NULL;
	for (size_t i = 0; i < block->count; i++) {
		const tm_attr *attr = block->items[i].attr;
		if (attr && strcmp(attr->name, name) == 0)
			found = attr;
	}
	return found;
}

const tm_attr *tm_decl_attr(const tm_decl *decl, const char *name)
{
	return decl ? tm_block_get(decl->block, name) : NULL;
}
