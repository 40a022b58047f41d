/* A string-keyed hash map: open addressing with linear probing, FNV-1a
 * with a finaliser. The keys are borrowed, not copied. */
#include "base/strmap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

typedef struct strmap_slot {
	const char *key; /* NULL: empty */
	uint32_t hash;
	void *value;
} strmap_slot;

struct tm_strmap {
	strmap_slot *slots;
	size_t cap, count; /* cap is a power of two, kept under 3/4 full */
};

static uint32_t hash_key(const char *key)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	/* FNV-1a leaves similar short keys ("p12", "p13") in neighbouring
	 * low bits; a finaliser (murmur3's) spreads them so probes stay short. */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

tm_strmap *tm_strmap_new(size_t expected)
{
	tm_strmap *index = tm_xcalloc(1, sizeof(*index));
	size_t cap = 16;
	while (cap * 3 < expected * 4 + 4)
		cap *= 2;
	index->slots = tm_xcalloc(cap, sizeof(*index->slots));
	index->cap = cap;
	return index;
}

void tm_strmap_free(tm_strmap *index)
{
	if (!index)
		return;
	free(index->slots);
	free(index);
}

static strmap_slot *find_slot(const tm_strmap *index, const char *key, uint32_t hash)
{
	size_t mask = index->cap - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		strmap_slot *slot = &index->slots[i];
		if (!slot->key || (slot->hash == hash && strcmp(slot->key, key) == 0))
			return slot;
	}
}

static void grow(tm_strmap *index)
{
	strmap_slot *old = index->slots;
	size_t oldcap = index->cap;
	index->cap *= 2;
	index->slots = tm_xcalloc(index->cap, sizeof(*index->slots));
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*find_slot(index, old[i].key, old[i].hash) = old[i];
	free(old);
}

void *tm_strmap_get(const tm_strmap *index, const char *key)
{
	if (!index || !key)
		return NULL;
	strmap_slot *slot = find_slot(index, key, hash_key(key));
	return slot->key ? slot->value : NULL;
}

static strmap_slot *upsert(tm_strmap *index, const char *key, bool *fresh)
{
	if ((index->count + 1) * 4 > index->cap * 3)
		grow(index);
	uint32_t hash = hash_key(key);
	strmap_slot *slot = find_slot(index, key, hash);
	*fresh = !slot->key;
	if (*fresh) {
		slot->key = key;
		slot->hash = hash;
		index->count++;
	}
	return slot;
}

void *tm_strmap_add(tm_strmap *index, const char *key, void *value)
{
	bool fresh;
	strmap_slot *slot = upsert(index, key, &fresh);
	if (!fresh)
		return slot->value;
	slot->value = value;
	return NULL;
}

void tm_strmap_set(tm_strmap *index, const char *key, void *value)
{
	bool fresh;
	upsert(index, key, &fresh)->value = value;
}
