/* A string-keyed hash map (open addressing, FNV-1a): the model's index
 * of ids and keys, the resolver's tables, the tracking of findings by id. */
#ifndef TM_BASE_STRMAP_H
#define TM_BASE_STRMAP_H

#include <stddef.h>

typedef struct tm_strmap tm_strmap;

/* An empty map sized for about `expected` keys (it grows as needed). */
tm_strmap *tm_strmap_new(size_t expected);
void tm_strmap_free(tm_strmap *map);
/* The value stored under key, or NULL. */
void *tm_strmap_get(const tm_strmap *map, const char *key);
/* Stores value under key when the key is new and returns NULL; otherwise
 * leaves the map alone and returns the value already there. The key must
 * outlive the map (arena strings). */
void *tm_strmap_add(tm_strmap *map, const char *key, void *value);
/* Stores value under key, replacing any value already there. */
void tm_strmap_set(tm_strmap *map, const char *key, void *value);

#endif
