/* Internal to src/model: the string-keyed hash index (open addressing,
 * FNV-1a) behind element lookup, and the resolver entry point that
 * model.c calls once every file is parsed. */
#ifndef TM_MODEL_INDEX_H
#define TM_MODEL_INDEX_H

#include <stddef.h>

#include "base/diag.h"
#include "model/model.h"

typedef struct tm_index tm_index;

/* An empty index sized for about `expected` keys (it grows as needed). */
tm_index *tm_model_index_new(size_t expected);
void tm_model_index_free(tm_index *index);
/* The value stored under key, or NULL. */
void *tm_model_index_get(const tm_index *index, const char *key);
/* Stores value under key when the key is new and returns NULL; otherwise
 * leaves the index alone and returns the value already there. The key
 * must outlive the index (arena strings). */
void *tm_model_index_add(tm_index *index, const char *key, void *value);
/* Stores value under key, replacing any value already there. */
void tm_model_index_set(tm_index *index, const char *key, void *value);

/* Resolves the parsed files of `model` into elements, references,
 * boundaries, crossings, exposure, assets, threats, mitigations and
 * acceptances. Every error goes to diags; it never stops at the first. */
void tm_model_resolve(tm_model *model, tm_diags *diags);

#endif
