/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* A hash table from keys to pointers, for objects that are looked up by a key (containers by name,
 * by unit, by leader PID; jobs and processes by id), as machined keeps its machines. Open addressing
 * with linear probing and backward-shift deletion: no tombstones, lookups stay short. The table does
 * not own keys or values; a key must live as long as its entry (use the object's own field). */

typedef struct HashOps {
        uint64_t (*hash)(const void *key);
        int (*compare)(const void *a, const void *b);
} HashOps;

/* Keys that are NUL-terminated strings. */
extern const HashOps string_hash_ops;
/* Keys that are the pointer value itself: integers through UINT_TO_PTR(). */
extern const HashOps trivial_hash_ops;

#define UINT_TO_PTR(u) ((void *) (uintptr_t) (u))
#define PTR_TO_UINT(p) ((unsigned) (uintptr_t) (p))

typedef struct Hashmap Hashmap;

Hashmap *hashmap_new(const HashOps *ops);
Hashmap *hashmap_free(Hashmap *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(Hashmap *, hashmap_free);

/* 0 added, -EEXIST if key is there already (with any value), -ENOMEM. */
int hashmap_put(Hashmap *h, const void *key, void *value);
/* Adds or replaces. */
int hashmap_replace(Hashmap *h, const void *key, void *value);
void *hashmap_get(const Hashmap *h, const void *key);
/* Removes the entry and returns its value (NULL if there was none). */
void *hashmap_remove(Hashmap *h, const void *key);
/* Removes the entry only if it maps to value. */
bool hashmap_remove_value(Hashmap *h, const void *key, void *value);
size_t hashmap_size(const Hashmap *h);

/* for (size_t i = 0; hashmap_next(h, &i, &value); ) ... Changing the table while iterating is not
 * allowed, but removing the current entry through a list collected first is. */
bool hashmap_next(const Hashmap *h, size_t *i, void **ret_value);
/* The values, in an array of hashmap_size() entries sorted with cmp (qsort(3) style, comparing
 * pointers to values); NULL on OOM. An empty table gives a valid array with no entries. */
void **hashmap_sorted_values(const Hashmap *h, int (*cmp)(const void *a, const void *b));
